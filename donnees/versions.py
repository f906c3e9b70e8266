"""Magasin de versions des jeux d'exports : chaque jeu mis en service est une **version immuable**.

Disposition sous la racine du magasin (``TDB_VERSIONS``, sinon ``donnees_locales/versions``) ::

    racine/
      v0001-20261128T101530Z/      une version : les 10 fichiers Parquet du contrat + manifeste.json
      v0002-20261130T083000Z/
      en_service.json              pointeur : quelle version l'application lit (remplacé d'un coup)
      journal.jsonl                chaque mise en service, une ligne JSON (ajout seulement)
      .verrou                      verrou des écritures (fcntl)
      .ecriture-xxxx/              version en cours d'écriture (invisible, jamais lue)
      .depot-xxxx/                 fichiers reçus par un import, en cours de contrôle (invisible)

Garanties :

- une version n'est écrite que dans un dossier temporaire caché du même système de fichiers, puis
  renommée d'un coup (``os.rename``) sous son nom définitif, **une fois complète et validée** : un arrêt
  brutal en cours de route ne laisse aucune version à moitié écrite visible ; la version en service ne
  change pas ;
- le pointeur ``en_service.json`` est remplacé d'un coup (fichier temporaire puis ``os.replace``) : il
  désigne toujours une version complète ;
- rien n'est jamais réécrit ni supprimé sur place : une version écrite n'est plus touchée (fichiers en
  lecture seule) ; remettre une ancienne version en service ne fait que déplacer le pointeur ;
- une session qui a ouvert une version continue de la lire (dossier immuable) ; le changement de
  pointeur ne concerne que les exécutions suivantes de l'application.

Le **dossier initial** (``TDB_DONNEES``, sinon le jeu de démonstration) reste la version lue tant
qu'aucun import n'a été fait. Au premier import accepté, il est recopié dans le magasin comme version
« initiale » (pour pouvoir y revenir), puis la version importée est créée et mise en service. Le
pointeur retient le dossier initial sur lequel il a été posé : si ``TDB_DONNEES`` désigne ensuite un
autre dossier, c'est ce dossier qui est lu (``dossier_en_service(racine, base)`` rend ``None``), comme
avant l'existence du magasin ; les versions restent dans l'historique.

Aucun import de Streamlit ici.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from donnees.contrat import NOMS_TABLES, TABLES, VERSION_CONTRAT
from donnees.valider import ERREUR, Anomalie, Rapport, valider_dossier_en_cache

try:  # verrou entre processus (Linux, macOS) ; ailleurs, verrou entre fils seulement
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

RACINE_DEPOT = Path(__file__).resolve().parent.parent
DOSSIER_VERSIONS_DEFAUT = RACINE_DEPOT / "donnees_locales" / "versions"

FICHIER_POINTEUR = "en_service.json"
FICHIER_MANIFESTE = "manifeste.json"
FICHIER_JOURNAL = "journal.jsonl"
FICHIER_VERROU = ".verrou"
PREFIXE_ECRITURE = ".ecriture-"
PREFIXE_DEPOT = ".depot-"
FORMAT_MANIFESTE = 1
DUREE_DEPOT_ABANDONNE_S = 24 * 3600  # un dossier de dépôt plus vieux est un reste d'import interrompu
MOTIF_ID = re.compile(r"^v(\d{4,})-(\d{8}T\d{6}Z)$")
TAILLE_BLOC = 1 << 20

_VERROU_FILS = threading.Lock()


# --------------------------------------------------------------------------------------------
# Emplacements
# --------------------------------------------------------------------------------------------

def racine_par_defaut() -> Path:
    """Racine du magasin : ``TDB_VERSIONS`` si définie, sinon ``donnees_locales/versions`` du dépôt."""
    env = os.environ.get("TDB_VERSIONS")
    return Path(env) if env else DOSSIER_VERSIONS_DEFAUT


def _resolu(chemin: Path | str | None) -> str | None:
    if chemin is None:
        return None
    return str(Path(chemin).resolve())


def id_valide(identifiant: str) -> bool:
    """Vrai pour un identifiant de version bien formé (``v0003-20261128T101530Z``). Un identifiant est
    le seul nom de dossier que le magasin accepte de composer en chemin."""
    return isinstance(identifiant, str) and MOTIF_ID.match(identifiant) is not None


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    """Une version du magasin, telle que la décrit son manifeste."""

    id: str
    dossier: Path
    manifeste: dict = field(repr=False, compare=False)

    @property
    def numero(self) -> int:
        return int(self.manifeste.get("numero") or MOTIF_ID.match(self.id).group(1))

    @property
    def cree_le(self) -> datetime:
        return datetime.fromisoformat(self.manifeste["cree_le"])

    @property
    def auteur(self) -> str:
        return str(self.manifeste.get("auteur") or "")

    @property
    def commentaire(self) -> str:
        return str(self.manifeste.get("commentaire") or "")

    @property
    def source(self) -> dict:
        return dict(self.manifeste.get("source") or {})

    @property
    def parent(self) -> str | None:
        return self.manifeste.get("parent")

    @property
    def reprises(self) -> list[str]:
        """Tables reprises de la version en service au moment de l'import (absentes de l'import)."""
        return list(self.manifeste.get("reprises") or [])

    @property
    def version_contrat(self) -> int:
        return int(self.manifeste.get("version_contrat", VERSION_CONTRAT))

    @property
    def lignes(self) -> dict[str, int]:
        return {nom: int(f["lignes"]) for nom, f in (self.manifeste.get("fichiers") or {}).items()}

    @property
    def avertissements(self) -> list[dict]:
        return list((self.manifeste.get("validation") or {}).get("avertissements") or [])

    @property
    def periode(self) -> tuple[date, date] | None:
        p = (self.manifeste.get("validation") or {}).get("periode")
        if not p:
            return None
        return date.fromisoformat(p[0]), date.fromisoformat(p[1])

    @property
    def chiffres(self) -> list[dict]:
        return list(self.manifeste.get("chiffres") or [])

    @property
    def libelle_source(self) -> str:
        """Origine en français : « import de exports.zip (archive zip) », « dossier initial … »."""
        s = self.source
        genre = s.get("type")
        # Le chemin complet d'un dossier du serveur reste dans le manifeste, pour l'administrateur ; à
        # l'écran, que son nom : les chemins du serveur ne regardent pas chaque visiteur.
        if genre == "initial":
            return f"dossier initial « {Path(str(s.get('chemin', ''))).name} »"
        if genre == "zip":
            return f"archive zip « {s.get('nom', '')} » téléversée"
        if genre == "televersement":
            noms = s.get("noms") or []
            return f"{len(noms)} fichier{'s' if len(noms) > 1 else ''} Parquet téléversé{'s' if len(noms) > 1 else ''}"
        if genre == "dossier":
            return f"dossier du serveur « {Path(str(s.get('chemin', ''))).name} »"
        return str(s.get("detail") or genre or "origine inconnue")


def _lire_json(chemin: Path) -> Any:
    with open(chemin, "rb") as fh:
        return json.loads(fh.read().decode("utf-8"))


def lire_version(racine: Path, identifiant: str) -> Version:
    """La version ``identifiant`` (``KeyError`` si l'identifiant est mal formé ou la version absente ou
    incomplète)."""
    if not id_valide(identifiant):
        raise KeyError(f"Identifiant de version mal formé : {identifiant!r}")
    dossier = Path(racine) / identifiant
    try:
        manifeste = _lire_json(dossier / FICHIER_MANIFESTE)
    except (OSError, ValueError) as exc:
        raise KeyError(f"Version {identifiant} absente ou sans manifeste lisible") from exc
    if manifeste.get("id") != identifiant:
        raise KeyError(f"Version {identifiant} : manifeste incohérent")
    return Version(identifiant, dossier, manifeste)


def lister_versions(racine: Path) -> list[Version]:
    """Toutes les versions complètes du magasin, de la plus ancienne à la plus récente. Les dossiers
    cachés (écritures en cours ou interrompues) et tout ce qui n'est pas une version sont ignorés."""
    racine = Path(racine)
    if not racine.is_dir():
        return []
    versions = []
    for p in racine.iterdir():
        if not id_valide(p.name) or not p.is_dir():
            continue
        try:
            versions.append(lire_version(racine, p.name))
        except KeyError:
            continue
    return sorted(versions, key=lambda v: (v.numero, v.id))


# --------------------------------------------------------------------------------------------
# Pointeur « en service »
# --------------------------------------------------------------------------------------------

def lire_pointeur(racine: Path) -> dict | None:
    """Contenu de ``en_service.json`` ({version, base, depuis, par, motif}) ou ``None``."""
    chemin = Path(racine) / FICHIER_POINTEUR
    try:
        pointeur = _lire_json(chemin)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None
    if not isinstance(pointeur, dict) or not id_valide(pointeur.get("version", "")):
        return None
    return pointeur


def version_en_service(racine: Path, base: Path | str | None = None) -> Version | None:
    """La version que désigne le pointeur, si elle est complète et (quand ``base`` est donné) si le
    pointeur a été posé sur ce même dossier initial ; sinon ``None``."""
    pointeur = lire_pointeur(racine)
    if pointeur is None:
        return None
    if base is not None and pointeur.get("base") not in (None, _resolu(base)):
        return None
    try:
        version = lire_version(racine, pointeur["version"])
    except KeyError:
        return None
    if not all((version.dossier / TABLES[n].fichier).is_file() for n in NOMS_TABLES):
        return None
    return version


def dossier_en_service(racine: Path, base: Path | str | None = None) -> Path | None:
    """Dossier de la version en service du magasin ``racine``, ou ``None`` s'il n'y en a pas (magasin
    vide, ou pointeur posé sur un autre dossier initial que ``base``) : l'application lit alors le
    dossier initial. Le dossier rendu est immuable : on peut l'ouvrir et le lire sans précaution."""
    version = version_en_service(racine, base)
    return version.dossier if version is not None else None


def version_du_dossier(racine: Path, dossier: Path | str) -> Version | None:
    """La version du magasin ``racine`` dont ``dossier`` est le dossier, sinon ``None`` (dossier initial,
    ou dossier hors du magasin). Sert à nommer ce que l'application lit (« version 3 du … »)."""
    dossier = Path(dossier).resolve()
    if not id_valide(dossier.name) or dossier.parent != Path(racine).resolve():
        return None
    try:
        return lire_version(racine, dossier.name)
    except KeyError:
        return None


def journal(racine: Path) -> list[dict]:
    """Les mises en service, dans l'ordre (une ligne abîmée par un arrêt brutal est ignorée)."""
    chemin = Path(racine) / FICHIER_JOURNAL
    try:
        texte = chemin.read_text(encoding="utf-8")
    except OSError:
        return []
    evenements = []
    for ligne in texte.splitlines():
        try:
            e = json.loads(ligne)
        except ValueError:
            continue
        if isinstance(e, dict):
            evenements.append(e)
    return evenements


# --------------------------------------------------------------------------------------------
# Écritures sûres
# --------------------------------------------------------------------------------------------

def _fsync_dossier(dossier: Path) -> None:
    try:
        fd = os.open(dossier, os.O_RDONLY)
    except OSError:  # pragma: no cover - système sans ouverture de dossier
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _ecrire_atomique(chemin: Path, contenu: bytes) -> None:
    """Écrit ``contenu`` dans un fichier temporaire voisin puis le met en place d'un coup."""
    fd, temporaire = tempfile.mkstemp(prefix=f".{chemin.name}.", suffix=".tmp", dir=chemin.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(contenu)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporaire, chemin)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporaire)
        raise
    _fsync_dossier(chemin.parent)


def _json(donnees: Any) -> bytes:
    return (json.dumps(donnees, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _ajouter_au_journal(racine: Path, evenement: dict) -> None:
    ligne = json.dumps(evenement, ensure_ascii=False) + "\n"
    with open(racine / FICHIER_JOURNAL, "ab") as fh:
        fh.write(ligne.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


@contextlib.contextmanager
def verrou(racine: Path) -> Iterator[None]:
    """Verrou exclusif des écritures du magasin (entre fils et entre processus)."""
    racine = Path(racine)
    racine.mkdir(parents=True, exist_ok=True)
    with _VERROU_FILS, open(racine / FICHIER_VERROU, "a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _nettoyer_restes(racine: Path) -> None:
    """Supprime les écritures interrompues (le verrou est tenu : aucune n'est en cours) et les dépôts
    abandonnés depuis longtemps. Ne touche jamais une version."""
    maintenant = time.time()
    for p in racine.iterdir():
        if p.name.startswith(PREFIXE_ECRITURE) and p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(PREFIXE_DEPOT) and p.is_dir() and not p.is_symlink():
            with contextlib.suppress(OSError):
                if maintenant - p.stat().st_mtime > DUREE_DEPOT_ABANDONNE_S:
                    shutil.rmtree(p, ignore_errors=True)


def nouveau_depot(racine: Path) -> Path:
    """Dossier caché où un import dépose les fichiers reçus avant contrôle (même système de fichiers
    que le magasin). À supprimer par l'appelant."""
    racine = Path(racine)
    racine.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=PREFIXE_DEPOT, dir=racine))


def _copier(source: Path, cible: Path) -> tuple[str, int]:
    """Copie ``source`` vers ``cible`` (qui ne doit pas exister) ; rend (sha256, octets)."""
    empreinte = hashlib.sha256()
    taille = 0
    with open(source, "rb") as src, open(cible, "xb") as dst:
        while True:
            bloc = src.read(TAILLE_BLOC)
            if not bloc:
                break
            empreinte.update(bloc)
            dst.write(bloc)
            taille += len(bloc)
        dst.flush()
        os.fsync(dst.fileno())
    return empreinte.hexdigest(), taille


def sha256(chemin: Path) -> str:
    empreinte = hashlib.sha256()
    with open(chemin, "rb") as fh:
        while True:
            bloc = fh.read(TAILLE_BLOC)
            if not bloc:
                break
            empreinte.update(bloc)
    return empreinte.hexdigest()


def _horodatage() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _prochain_numero(racine: Path) -> int:
    numeros = [int(m.group(1)) for p in racine.iterdir() if (m := MOTIF_ID.match(p.name))]
    return max(numeros, default=0) + 1


def _proteger(dossier: Path) -> None:
    """Fichiers d'une version en lecture seule (une garde de plus contre une réécriture sur place)."""
    for p in dossier.iterdir():
        if p.is_file():
            os.chmod(p, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def _poser_pointeur(racine: Path, version: str, base: str | None, par: str, motif: str) -> None:
    precedent = lire_pointeur(racine)
    pointeur = {
        "version": version,
        "base": base,
        "depuis": _horodatage().isoformat(),
        "par": par,
        "motif": motif,
    }
    _ecrire_atomique(racine / FICHIER_POINTEUR, _json(pointeur))
    _ajouter_au_journal(racine, {**pointeur, "precedente": (precedent or {}).get("version")})


ACTIONS_REFUSABLES = ("import", "remise_en_service")


def journaliser_refus(racine: Path, *, par: str, action: str, raison: str) -> None:
    """Note au journal une tentative refusée (import ou remise en service par une identité qui n'est pas
    administratrice) : qui, quand, quoi, pourquoi. Le pointeur de service ne change pas."""
    if action not in ACTIONS_REFUSABLES:
        raise ValueError(f"Action inconnue : {action!r} (attendu : {', '.join(ACTIONS_REFUSABLES)}).")
    racine = Path(racine)
    racine.mkdir(parents=True, exist_ok=True)
    with verrou(racine):
        _ajouter_au_journal(racine, {"motif": "refus", "action": action, "par": par, "raison": raison,
                                     "depuis": _horodatage().isoformat(), "version": None})


# --------------------------------------------------------------------------------------------
# Chiffres d'une version (pour comparer deux versions)
# --------------------------------------------------------------------------------------------

def _somme(df: pl.DataFrame, expr: pl.Expr, par: str) -> list[tuple[int, float]]:
    res = df.group_by(par).agg(expr.sum().alias("v")).sort(par)
    return [(int(a), float(v)) for a, v in res.iter_rows() if a is not None]


def chiffres_du_jeu(dossier: Path) -> list[dict]:
    """Chiffres de contrôle d'un jeu valide, lus dans ses fichiers : effectifs des référentiels et, par
    année, les totaux nationaux (enveloppe, parts allouées, ETP, orientations, entrées en délégation,
    activité). Chaque chiffre : {cle, libelle, unite, annee (ou None), valeur}."""
    dossier = Path(dossier)

    def lire(nom: str, colonnes: list[str]) -> pl.DataFrame:
        return pl.read_parquet(dossier / TABLES[nom].fichier, columns=colonnes)

    sortie: list[dict] = []

    def ajouter(cle: str, libelle: str, unite: str, valeur: float, annee: int | None = None) -> None:
        sortie.append({"cle": cle, "libelle": libelle, "unite": unite, "annee": annee, "valeur": valeur})

    ml = lire("missions_locales", ["code_ml"])
    ajouter("nb_ml", "Missions Locales", "ML", ml["code_ml"].n_unique())
    ter = lire("territoires_ml", ["code_commune"])
    ajouter("nb_communes_couvertes", "Communes rattachées à une Mission Locale", "communes",
            ter["code_commune"].n_unique())
    ajouter("nb_sites", "Lieux d'accueil des ML", "sites", lire("sites_ml", ["id_site"]).height)
    ajouter("nb_agences", "Agences France Travail", "agences", lire("agences", ["code_agence"]).height)
    acc = lire("accords", ["statut"])
    ajouter("nb_accords", "Accords locaux (toutes périodes)", "accords", acc.height)
    ajouter("nb_accords_signes", "Accords locaux au statut « signé »", "accords",
            acc.filter(pl.col("statut") == "signe").height)

    env = lire("enveloppe", ["annee", "enveloppe_totale_eur", "etp_nationaux"])
    for annee, v in _somme(env, pl.col("enveloppe_totale_eur"), "annee"):
        ajouter("enveloppe_totale", "Enveloppe totale de l'accord", "€", v, annee)
    for annee, v in _somme(env, pl.col("etp_nationaux"), "annee"):
        ajouter("etp_nationaux", "ETP nationaux prévus", "ETP", v, annee)

    alloc = lire("allocations", ["annee", "etp_affectes", "valorisation_etp_eur",
                                 "subvention_compensatoire_eur", "credits_financiers_eur",
                                 "objectif_entrees_delegation"])
    parts = (pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
             + pl.col("credits_financiers_eur"))
    for annee, v in _somme(alloc, parts, "annee"):
        ajouter("somme_parts", "Σ des parts des ML dans l'enveloppe", "€", v, annee)
    for annee, v in _somme(alloc, pl.col("etp_affectes"), "annee"):
        ajouter("etp_affectes", "ETP France Travail affectés dans les ML", "ETP", v, annee)
    for annee, v in _somme(alloc, pl.col("objectif_entrees_delegation"), "annee"):
        ajouter("objectif_delegation", "Objectifs d'entrées en délégation (Σ des ML)", "jeunes", v, annee)

    ori = lire("orientations", ["mois", "sens", "orientes", "entres"]).with_columns(
        pl.col("mois").dt.year().alias("annee"))
    deleg = ori.filter(pl.col("sens") == "ft_vers_ml")
    for annee, v in _somme(deleg, pl.col("orientes"), "annee"):
        ajouter("orientes_delegation", "Jeunes orientés en délégation du PPAE", "jeunes", v, annee)
    for annee, v in _somme(deleg, pl.col("entres"), "annee"):
        ajouter("entrees_delegation", "Entrées en délégation du PPAE", "jeunes", v, annee)
    for annee, v in _somme(ori.filter(pl.col("sens") == "ml_vers_ft"), pl.col("orientes"), "annee"):
        ajouter("orientes_vers_ft", "Jeunes orientés des ML vers France Travail", "jeunes", v, annee)

    act = lire("activite", ["mois", "premiers_accueils", "sorties_emploi"]).with_columns(
        pl.col("mois").dt.year().alias("annee"))
    for annee, v in _somme(act, pl.col("premiers_accueils"), "annee"):
        ajouter("premiers_accueils", "Premiers accueils en ML", "jeunes", v, annee)
    for annee, v in _somme(act, pl.col("sorties_emploi"), "annee"):
        ajouter("sorties_emploi", "Sorties en emploi", "jeunes", v, annee)
    return sortie


# --------------------------------------------------------------------------------------------
# Création d'une version
# --------------------------------------------------------------------------------------------

@dataclass
class ResultatVersion:
    """Issue de ``creer_version`` : la version créée (et mise en service) ou, sinon, pourquoi."""

    version: Version | None
    rapport: Rapport | None  # rapport du validateur sur le jeu assemblé (None s'il n'a pas tourné)
    reprises: tuple[str, ...] = ()  # tables reprises de la version en service
    erreurs: list[Anomalie] = field(default_factory=list)  # erreurs hors validateur (écriture, contrôles)
    initiale: Version | None = None  # copie du dossier initial créée au passage (premier import)

    @property
    def accepte(self) -> bool:
        return self.version is not None


def _anomalie_ecriture(exc: BaseException) -> Anomalie:
    return Anomalie(ERREUR, FICHIER_MANIFESTE, None, "ecriture_impossible",
                    f"Écriture de la nouvelle version impossible ({type(exc).__name__} : {exc}). Rien n'a "
                    "changé : la version en service reste en place. Attendu : un dossier de versions "
                    "accessible en écriture, avec assez de place.")


def _description_anomalie(a: Anomalie) -> dict:
    return {"regle": a.regle, "fichier": a.fichier, "colonne": a.colonne, "message": a.message,
            "lignes": list(a.lignes), "nb_autres": a.nb_autres}


def _ecrire_manifeste(dossier: Path, manifeste: dict) -> None:
    with open(dossier / FICHIER_MANIFESTE, "xb") as fh:
        fh.write(_json(manifeste))
        fh.flush()
        os.fsync(fh.fileno())


def _assembler(temporaire: Path, fichiers: dict[str, Path], parent: Path | None,
               origine_parent: str) -> tuple[dict[str, dict], tuple[str, ...]]:
    """Copie dans ``temporaire`` les fichiers reçus et, pour les tables absentes, ceux du parent.
    Rend ({table: {fichier, sha256, octets, origine}}, tables reprises)."""
    description: dict[str, dict] = {}
    reprises = []
    for nom in NOMS_TABLES:
        cible = temporaire / TABLES[nom].fichier
        if nom in fichiers:
            source, origine = Path(fichiers[nom]), "import"
        elif parent is not None and (parent / TABLES[nom].fichier).is_file():
            source, origine = parent / TABLES[nom].fichier, origine_parent
            reprises.append(nom)
        else:
            continue
        empreinte, octets = _copier(source, cible)
        description[nom] = {"fichier": TABLES[nom].fichier, "sha256": empreinte, "octets": octets,
                            "origine": origine}
    return description, tuple(reprises)


def _manifeste(identifiant: str, numero: int, quand: datetime, *, auteur: str, commentaire: str,
               source: dict, parent: str | None, reprises: tuple[str, ...], fichiers: dict[str, dict],
               rapport: Rapport, chiffres: list[dict], base: str | None) -> dict:
    for nom, f in fichiers.items():
        f["lignes"] = int(rapport.lignes.get(nom, 0))
    return {
        "format": FORMAT_MANIFESTE,
        "id": identifiant,
        "numero": numero,
        "cree_le": quand.isoformat(),
        "auteur": auteur,
        "machine": socket.gethostname(),
        "commentaire": commentaire,
        "source": source,
        "version_contrat": VERSION_CONTRAT,
        "parent": parent,
        "base": base,
        "reprises": list(reprises),
        "fichiers": fichiers,
        "validation": {
            "valide": rapport.valide,
            "periode": [rapport.periode[0].isoformat(), rapport.periode[1].isoformat()] if rapport.periode else None,
            "avertissements": [_description_anomalie(a) for a in rapport.avertissements],
        },
        "chiffres": chiffres,
    }


@dataclass
class _Preparation:
    """Une version assemblée et contrôlée dans son dossier temporaire, pas encore en place."""

    temporaire: Path
    description: dict[str, dict]
    reprises: tuple[str, ...]
    rapport: Rapport | None = None
    erreurs: list[Anomalie] = field(default_factory=list)

    @property
    def valide(self) -> bool:
        return self.rapport is not None and self.rapport.valide and not self.erreurs

    def abandonner(self) -> None:
        if self.temporaire.exists():
            shutil.rmtree(self.temporaire, ignore_errors=True)


def _preparer(racine: Path, fichiers: dict[str, Path], parent_dossier: Path | None, origine_parent: str,
              controle: Callable[[Path], list[Anomalie]] | None,
              empreintes_parent: dict[str, str] | None = None) -> _Preparation:
    """Assemble et valide une version dans un dossier temporaire caché du magasin (verrou tenu)."""
    temporaire = Path(tempfile.mkdtemp(prefix=PREFIXE_ECRITURE, dir=racine))
    preparation = _Preparation(temporaire, {}, ())
    try:
        preparation.description, preparation.reprises = _assembler(temporaire, fichiers, parent_dossier,
                                                                   origine_parent)
        alterees = [TABLES[nom].fichier for nom in preparation.reprises if empreintes_parent is not None
                    and preparation.description[nom]["sha256"] != empreintes_parent.get(nom)]
        if alterees:
            preparation.erreurs = [Anomalie(
                ERREUR, f, None, "reprise_alteree",
                f"{f} : la table à reprendre de la version en service a été modifiée depuis sa création "
                "(empreinte SHA-256 différente de celle de son manifeste). Import refusé : rien n'a changé. "
                "Attendu : une version en service intacte ; importez aussi ce fichier, ou remettez en "
                "service une version intacte.") for f in alterees]
            preparation.abandonner()
            return preparation
        # Le rapport est aussi gardé sur disque (clé indépendante du chemin) : la version mise en place
        # sous son nom définitif ne sera pas recontrôlée à son premier affichage.
        rapport, _ = valider_dossier_en_cache(temporaire)
        rapport.dossier = None  # le dossier temporaire n'a pas de sens pour l'utilisateur
        preparation.rapport = rapport
        if rapport.valide and controle is not None:
            preparation.erreurs = list(controle(temporaire))
    except BaseException:
        preparation.abandonner()
        raise
    if not preparation.valide:
        preparation.abandonner()
    return preparation


def _mettre_en_place(racine: Path, preparation: _Preparation, *, auteur: str, commentaire: str,
                     source: dict, parent_id: str | None, base: str | None) -> Version:
    """Écrit le manifeste d'une version préparée et la renomme sous son nom définitif (verrou tenu)."""
    temporaire = preparation.temporaire
    try:
        chiffres = chiffres_du_jeu(temporaire)
        quand = _horodatage()
        numero = _prochain_numero(racine)
        identifiant = f"v{numero:04d}-{quand.strftime('%Y%m%dT%H%M%SZ')}"
        manifeste = _manifeste(identifiant, numero, quand, auteur=auteur, commentaire=commentaire,
                               source=source, parent=parent_id, reprises=preparation.reprises,
                               fichiers=preparation.description, rapport=preparation.rapport,
                               chiffres=chiffres, base=base)
        _ecrire_manifeste(temporaire, manifeste)
        _proteger(temporaire)
        _fsync_dossier(temporaire)
        definitif = racine / identifiant
        if definitif.exists():  # impossible sous verrou ; par prudence on ne remplace jamais rien
            raise FileExistsError(f"{definitif} existe déjà")
        os.rename(temporaire, definitif)
        _fsync_dossier(racine)
        return Version(identifiant, definitif, manifeste)
    finally:
        preparation.abandonner()


class _SansCondition:
    """Valeur par défaut de ``attendue`` : l'opération ne dépend pas de la version vue."""

    def __repr__(self) -> str:
        return "SANS_CONDITION"


SANS_CONDITION = _SansCondition()


class VersionChangee(ValueError):
    """La version en service n'est plus celle que l'utilisateur voyait : rien n'a été fait."""


def _decrire_vue(racine: Path, identifiant: str | None) -> str:
    if identifiant is None:
        return "le dossier initial (aucune version en service)"
    try:
        v = lire_version(racine, identifiant)
    except (OSError, ValueError, KeyError):
        return f"la version {identifiant}"
    return f"la version n° {v.numero}"


def _verifier_vue(racine: Path, en_service: Version | None, attendue) -> str | None:
    """Message français si la version en service n'est plus ``attendue`` (id, ou None pour « aucune ») ;
    None si l'opération peut se faire. Appelé verrou tenu : rien ne peut changer entre-temps."""
    if isinstance(attendue, _SansCondition):
        return None
    actuelle = en_service.id if en_service is not None else None
    if actuelle == attendue:
        return None
    if en_service is None:
        maintenant = "plus aucune version n'est en service (retour au dossier initial)"
    else:
        pointeur = lire_pointeur(racine) or {}
        qui = f" par {pointeur['par']}" if pointeur.get("par") else ""
        quand = str(pointeur.get("depuis") or "")[:16].replace("T", " à ")
        maintenant = (f"c'est maintenant la version n° {en_service.numero}, mise en service"
                      f"{' le ' + quand if quand else ''}{qui}")
    return (f"La version en service a changé depuis l'affichage de cette page : vous voyiez "
            f"{_decrire_vue(racine, attendue)}, {maintenant}. Rien n'a été fait, pour ne pas remplacer sans le "
            "savoir le travail de quelqu'un d'autre : relisez la page, puis recommencez si besoin.")


def creer_version(racine: Path, fichiers: dict[str, Path], *, source: dict, auteur: str = "",
                  commentaire: str = "", base: Path | str | None = None, mettre_en_service: bool = True,
                  controle: Callable[[Path], list[Anomalie]] | None = None,
                  attendue: str | _SansCondition | None = SANS_CONDITION) -> ResultatVersion:
    """Crée une version à partir de ``fichiers`` ({table: chemin d'un Parquet}) et la met en service.

    - Les tables absentes de ``fichiers`` sont reprises de la version en service (ou, magasin vide, du
      dossier initial ``base``) et le manifeste le dit (``reprises``).
    - Le jeu assemblé passe par le validateur puis par ``controle`` (contrôles en plus, facultatifs).
      Invalide : rien n'est écrit de visible, rien ne change (``ResultatVersion.version`` vaut None).
    - Premier import accepté sur un dossier initial valide : ce dossier est d'abord recopié comme
      version « initiale » (parent de la nouvelle), pour pouvoir y revenir.

    Les fichiers de ``fichiers`` sont copiés, jamais déplacés ni modifiés. Une table reprise d'une version
    est recopiée puis comparée à l'empreinte SHA-256 de son manifeste : altérée, l'import est refusé.

    ``attendue`` : l'identifiant de la version en service que l'utilisateur voyait (None : aucune). Si
    une autre a été mise en service entre-temps, rien n'est fait et l'erreur « version_changee » le dit.
    """
    racine = Path(racine)
    inconnues = set(fichiers) - set(NOMS_TABLES)
    if inconnues:
        raise KeyError(f"Tables hors contrat : {', '.join(sorted(inconnues))}")
    base_resolue = _resolu(base)
    with verrou(racine):
        _nettoyer_restes(racine)
        en_service = version_en_service(racine, base)
        changement = _verifier_vue(racine, en_service, attendue)
        if changement is not None:
            return ResultatVersion(None, None, (), [Anomalie(ERREUR, None, None, "version_changee", changement)])
        empreintes_parent: dict[str, str] | None = None
        if en_service is not None:
            parent_dossier, parent_id = en_service.dossier, en_service.id
            origine = f"reprise de {en_service.id}"
            empreintes_parent = {nom: str(f.get("sha256", "")) for nom, f in
                                 (en_service.manifeste.get("fichiers") or {}).items()}
        elif base is not None and Path(base).is_dir():
            parent_dossier, parent_id, origine = Path(base), None, "reprise du dossier initial"
        else:
            parent_dossier, parent_id, origine = None, None, ""
        preparations: list[_Preparation] = []
        try:
            nouvelle = _preparer(racine, fichiers, parent_dossier, origine, controle, empreintes_parent)
            preparations.append(nouvelle)
            if not nouvelle.valide:
                return ResultatVersion(None, nouvelle.rapport, nouvelle.reprises, nouvelle.erreurs)
            initiale = None
            if en_service is None and parent_dossier is not None:
                # Premier import sur ce dossier initial : on le garde comme version, pour y revenir.
                copie = _preparer(racine, {}, parent_dossier, "dossier initial", None)
                preparations.append(copie)
                if copie.valide:
                    initiale = _mettre_en_place(
                        racine, copie, auteur="", source={"type": "initial", "chemin": str(base_resolue)},
                        commentaire="Copie du dossier initial, faite au premier import.",
                        parent_id=None, base=base_resolue)
                    parent_id = initiale.id
            version = _mettre_en_place(racine, nouvelle, auteur=auteur, commentaire=commentaire,
                                       source=source, parent_id=parent_id, base=base_resolue)
            if mettre_en_service:
                _poser_pointeur(racine, version.id, base_resolue, auteur, "import")
            return ResultatVersion(version, nouvelle.rapport, nouvelle.reprises, [], initiale)
        except OSError as exc:
            return ResultatVersion(None, None, (), [_anomalie_ecriture(exc)])
        finally:
            for p in preparations:
                p.abandonner()


def remettre_en_service(racine: Path, identifiant: str, *, auteur: str = "",
                        base: Path | str | None = None,
                        attendue: str | _SansCondition | None = SANS_CONDITION) -> Version:
    """Remet la version ``identifiant`` en service (le pointeur seul change). Vérifie d'abord que ses
    fichiers sont intacts (empreintes SHA-256 du manifeste) ; ``ValueError`` en français sinon.
    ``attendue`` : la version en service que l'utilisateur voyait ; si elle a changé entre-temps,
    ``VersionChangee`` (rien n'est fait)."""
    racine = Path(racine)
    with verrou(racine):
        changement = _verifier_vue(racine, version_en_service(racine, base), attendue)
        if changement is not None:
            raise VersionChangee(changement)
        version = lire_version(racine, identifiant)
        abimes = verifier_integrite(version)
        if abimes:
            raise ValueError(f"La version {identifiant} ne peut pas être remise en service : fichiers "
                             f"absents ou modifiés depuis sa création ({', '.join(abimes)}).")
        _poser_pointeur(racine, identifiant, _resolu(base), auteur, "remise_en_service")
        return version


def verifier_integrite(version: Version) -> list[str]:
    """Fichiers d'une version absents ou dont l'empreinte SHA-256 a changé (vide si tout est intact)."""
    abimes = []
    for nom in NOMS_TABLES:
        attendu = (version.manifeste.get("fichiers") or {}).get(nom)
        chemin = version.dossier / TABLES[nom].fichier
        if attendu is None or not chemin.is_file() or sha256(chemin) != attendu.get("sha256"):
            abimes.append(TABLES[nom].fichier)
    return abimes


# --------------------------------------------------------------------------------------------
# Comparaison de deux versions
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparaison:
    avant: Version
    apres: Version
    fichiers: pl.DataFrame  # table, fichier, lignes_avant, lignes_apres, ecart, identique
    chiffres: pl.DataFrame  # cle, libelle, unite, annee, avant, apres, ecart, change

    @property
    def chiffres_changes(self) -> pl.DataFrame:
        return self.chiffres.filter(pl.col("change"))


def comparer(avant: Version, apres: Version) -> Comparaison:
    """Ce qui change d'une version à l'autre : lignes et empreinte de chaque fichier, chiffres de
    contrôle (nationaux, par année). Lu dans les manifestes : rien n'est relu dans les fichiers."""
    fa = avant.manifeste.get("fichiers") or {}
    fb = apres.manifeste.get("fichiers") or {}
    lignes = []
    for nom in NOMS_TABLES:
        a, b = fa.get(nom) or {}, fb.get(nom) or {}
        la, lb = a.get("lignes"), b.get("lignes")
        lignes.append({
            "table": nom,
            "fichier": TABLES[nom].fichier,
            "lignes_avant": la,
            "lignes_apres": lb,
            "ecart": (lb - la) if la is not None and lb is not None else None,
            "identique": bool(a) and a.get("sha256") == b.get("sha256"),
        })
    fichiers = pl.DataFrame(lignes, schema={"table": pl.Utf8, "fichier": pl.Utf8, "lignes_avant": pl.Int64,
                                            "lignes_apres": pl.Int64, "ecart": pl.Int64,
                                            "identique": pl.Boolean})

    schema = {"cle": pl.Utf8, "libelle": pl.Utf8, "unite": pl.Utf8, "annee": pl.Int64, "valeur": pl.Float64}
    ca = pl.DataFrame(avant.chiffres or None, schema=schema)
    cb = pl.DataFrame(apres.chiffres or None, schema=schema)
    ordre = {c["cle"]: i for i, c in enumerate([*apres.chiffres, *avant.chiffres][::-1])}
    chiffres = (
        ca.rename({"valeur": "avant"})
        .join(cb.rename({"valeur": "apres"}), on=["cle", "annee"], how="full", coalesce=True, nulls_equal=True)
        .with_columns(
            pl.coalesce("libelle", "libelle_right").alias("libelle"),
            pl.coalesce("unite", "unite_right").alias("unite"),
        )
        .drop("libelle_right", "unite_right")
        .with_columns(
            (pl.col("apres") - pl.col("avant")).alias("ecart"),
            pl.when(pl.col("avant").is_null() | pl.col("apres").is_null())
            .then(True)
            .otherwise((pl.col("apres") - pl.col("avant")).abs() > 1e-9)
            .alias("change"),
            pl.col("cle").replace_strict(ordre, default=len(ordre), return_dtype=pl.Int64).alias("__ordre"),
        )
        .sort(["__ordre", "annee"], nulls_last=False)
        .drop("__ordre")
        .select("cle", "libelle", "unite", "annee", "avant", "apres", "ecart", "change")
    )
    return Comparaison(avant, apres, fichiers, chiffres)
