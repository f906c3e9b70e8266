"""Import d'un nouveau jeu d'exports, sans faire confiance à ce qui arrive.

Trois entrées : des fichiers Parquet téléversés, **une** archive zip téléversée, ou un dossier du
serveur choisi parmi ceux qu'autorise le réglage ``TDB_IMPORT_DOSSIERS``. Dans tous les cas :

- on n'accepte que les fichiers du contrat (``missions_locales.parquet``…) et une archive zip ; le
  **contenu** est vérifié, pas seulement le nom : un Parquet commence et finit par ``PAR1``, un zip
  commence par ``PK\\x03\\x04`` ;
- taille limitée (réglable : ``TDB_IMPORT_TAILLE_MAX_MO`` par fichier, ``TDB_IMPORT_TOTAL_MAX_MO``
  pour tout l'import) ; dans un zip, les tailles **déclarées** sont contrôlées avant tout
  décompression (taille, total, taux de compression d'une bombe zip, nombre d'entrées), puis chaque
  entrée est décompressée en flux avec un plafond d'octets (une taille déclarée mensongère est
  arrêtée au plafond) ;
- entrées de zip refusées : chemin absolu, ``..``, lien symbolique, entrée chiffrée, archive
  imbriquée, nom hors contrat, doublon ;
- un nom reçu n'est jamais employé comme chemin : les fichiers sont écrits sous le nom du contrat,
  dans un dossier de dépôt caché du magasin de versions ; rien n'est exécuté ni évalué (les Parquet
  ne sont lus que par DuckDB et Polars) ;
- les tables absentes de l'import sont reprises de la version en service, et le résultat le dit ;
- le jeu assemblé passe par le validateur (``donnees.valider``, dont la règle des dates plausibles) ;
  au moindre refus, rien ne change (``donnees.versions``).

L'import n'est permis que si le déploiement l'autorise (``TDB_IMPORT_AUTORISE=1``, ou le secret
Streamlit ``import_autorise`` lu par la page) : c'est à la page de le vérifier avant d'appeler ces
fonctions. Aucun import de Streamlit ici.
"""

from __future__ import annotations

import errno
import io
import os
import shutil
import stat
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from babel.numbers import format_decimal

from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from donnees.valider import AVERTISSEMENT, ERREUR, Anomalie, ErreurMoteur, Rapport

Mo = 1024 * 1024
TAILLE_MAX_MO_DEFAUT = 512
TOTAL_MAX_MO_DEFAUT = 2048
RATIO_MAX_DEFAUT = 200.0
NB_ENTREES_MAX_DEFAUT = 64
LIGNES_MAX_DEFAUT = 50_000_000  # lignes d'un fichier Parquet (le plus gros jeu connu : 20 millions en tout)
# Répertoire central d'un zip : 46 octets d'en-tête par entrée, plus son nom, ses champs en plus et son
# commentaire. 1 ko par entrée laisse de la marge à tout outil d'archivage ; au-delà, l'archive cache
# bien plus d'entrées qu'elle n'en annonce.
TAILLE_ENTREE_CENTRALE_MAX = 1024
SIGNATURE_PARQUET = b"PAR1"
SIGNATURE_ZIP = b"PK\x03\x04"
SIGNATURE_ZIP_VIDE = b"PK\x05\x06"  # fin du répertoire central (seule, en tête : archive vide)
SIGNATURE_ZIP64_LOCALISATEUR = b"PK\x06\x07"
SIGNATURE_ZIP64_FIN = b"PK\x06\x06"
TAILLE_FIN_ZIP = 22  # enregistrement de fin du répertoire central, sans commentaire
TAILLE_BLOC = 1 << 20
FICHIERS_CONTRAT = {TABLES[n].fichier: n for n in NOMS_TABLES}
VALEURS_VRAIES = {"1", "true", "vrai", "oui", "yes", "on"}
# Rebuts qu'ajoutent les outils d'archivage de macOS et Windows : ignorés (jamais extraits), signalés.
REBUTS_ZIP = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
DOSSIER_IMPORT_DEFAUT = versions.RACINE_DEPOT / "donnees_locales" / "a_importer"


# --------------------------------------------------------------------------------------------
# Réglages
# --------------------------------------------------------------------------------------------

def import_autorise_env() -> bool:
    """Vrai si la variable d'environnement ``TDB_IMPORT_AUTORISE`` l'autorise (désactivé par défaut)."""
    return os.environ.get("TDB_IMPORT_AUTORISE", "").strip().lower() in VALEURS_VRAIES


def _nombre_env(nom: str) -> float | None:
    """Valeur numérique positive et finie de la variable ``nom`` (virgule décimale permise), sinon None."""
    try:
        valeur = float(os.environ.get(nom, "").strip().replace(",", "."))
    except ValueError:
        return None
    return valeur if 0 < valeur < float("inf") else None


def _mo_env(nom: str, defaut: int) -> int:
    valeur = _nombre_env(nom)
    return int(valeur * Mo) if valeur is not None and valeur * Mo >= 1 else defaut * Mo


def _entier_env(nom: str, defaut: int) -> int:
    valeur = _nombre_env(nom)
    return int(valeur) if valeur is not None and valeur >= 1 else defaut


@dataclass(frozen=True)
class Limites:
    """Plafonds d'un import (octets)."""

    taille_fichier: int = TAILLE_MAX_MO_DEFAUT * Mo  # un fichier Parquet (téléversé, du dossier, ou décompressé)
    taille_totale: int = TOTAL_MAX_MO_DEFAUT * Mo  # tout l'import (décompressé), archive zip comprise
    ratio_compression: float = RATIO_MAX_DEFAUT  # taille décompressée / compressée d'une entrée de zip
    nb_entrees: int = NB_ENTREES_MAX_DEFAUT  # entrées d'une archive zip
    lignes_fichier: int = LIGNES_MAX_DEFAUT  # lignes d'un fichier Parquet (déclarées par ses métadonnées)

    @classmethod
    def depuis_environnement(cls) -> Limites:
        return cls(taille_fichier=_mo_env("TDB_IMPORT_TAILLE_MAX_MO", TAILLE_MAX_MO_DEFAUT),
                   taille_totale=_mo_env("TDB_IMPORT_TOTAL_MAX_MO", TOTAL_MAX_MO_DEFAUT),
                   nb_entrees=_entier_env("TDB_IMPORT_ENTREES_MAX", NB_ENTREES_MAX_DEFAUT),
                   lignes_fichier=_entier_env("TDB_IMPORT_LIGNES_MAX", LIGNES_MAX_DEFAUT))

    @property
    def repertoire_zip(self) -> int:
        """Taille maximale du répertoire central d'une archive zip (octets) : 1 ko par entrée permise."""
        return self.nb_entrees * TAILLE_ENTREE_CENTRALE_MAX


def plafond_televersement_mo(limites: Limites, max_serveur_mo: float | int | None) -> int:
    """Taille maximale d'un fichier dans le sélecteur de téléversement, en Mo : la plus grande que l'import
    accepte (une archive zip : la taille totale), sans dépasser ce que le serveur Streamlit reçoit
    (``server.maxUploadSize``, qui garde chaque fichier reçu **en mémoire**) : le navigateur refuse
    alors d'emblée ce que le serveur refuserait sans explication."""
    plafond = max(limites.taille_fichier, limites.taille_totale) // Mo
    try:
        serveur = int(max_serveur_mo) if max_serveur_mo is not None else None
    except (TypeError, ValueError):
        serveur = None
    if serveur is not None and serveur >= 1:
        plafond = min(plafond, serveur)
    return max(1, plafond)


def dossiers_autorises() -> list[Path]:
    """Dossiers du serveur sous lesquels on peut importer (``TDB_IMPORT_DOSSIERS``, chemins séparés
    par « : », sinon ``donnees_locales/a_importer``)."""
    env = os.environ.get("TDB_IMPORT_DOSSIERS", "")
    chemins = [Path(p) for p in env.split(os.pathsep) if p.strip()] or [DOSSIER_IMPORT_DEFAUT]
    return chemins


def dossiers_importables(autorises: Sequence[Path] | None = None) -> list[Path]:
    """Sous-dossiers directs (non cachés, pas des liens) des dossiers autorisés : ce que la page propose."""
    trouves = []
    for racine in autorises if autorises is not None else dossiers_autorises():
        try:
            enfants = sorted(Path(racine).iterdir())
        except OSError:
            continue
        for p in enfants:
            if p.name.startswith(".") or p.is_symlink() or not p.is_dir():
                continue
            trouves.append(p)
    return trouves


def _nombre(n: float | int) -> str:
    return format_decimal(n, locale="fr_FR")


def taille_lisible(octets: int) -> str:
    """« 512 Mo », « 1,5 Go », « 12,3 ko »."""
    for unite, facteur in (("Go", 1024 ** 3), ("Mo", Mo), ("ko", 1024)):
        if octets >= facteur:
            valeur = octets / facteur
            texte = _nombre(round(valeur, 1)) if valeur < 100 else _nombre(round(valeur))
            return f"{texte} {unite}"
    return f"{_nombre(octets)} octet{'s' if octets > 1 else ''}"


# --------------------------------------------------------------------------------------------
# Résultat
# --------------------------------------------------------------------------------------------

REGLES_IMPORT = {
    "import_vide": "Rien à importer",
    "nom_inattendu": "Nom de fichier hors contrat",
    "nom_dangereux": "Nom de fichier refusé",
    "type_non_accepte": "Type de fichier refusé",
    "doublon": "Fichier reçu deux fois",
    "melange": "Archive zip avec d'autres fichiers",
    "trop_volumineux": "Taille au-delà de la limite",
    "fichier_vide": "Fichier vide",
    "pas_parquet": "Contenu qui n'est pas du Parquet",
    "parquet_tronque": "Fichier Parquet tronqué",
    "pas_zip": "Contenu qui n'est pas une archive zip",
    "zip_vide": "Archive zip vide",
    "zip_plusieurs_dossiers": "Fichiers rangés dans plusieurs dossiers de l'archive",
    "zip_illisible": "Archive zip illisible",
    "zip_trop_d_entrees": "Trop d'entrées dans l'archive",
    "zip_repertoire_trop_grand": "Répertoire de l'archive anormalement grand",
    "trop_de_lignes": "Nombre de lignes au-delà de la limite",
    "fichier_illisible": "Métadonnées Parquet illisibles",
    "zip_chemin_absolu": "Chemin absolu dans l'archive",
    "zip_chemin_remontant": "Chemin « .. » dans l'archive",
    "zip_lien_symbolique": "Lien symbolique dans l'archive",
    "zip_chiffre": "Entrée chiffrée",
    "zip_imbrique": "Archive dans l'archive",
    "zip_bombe": "Taux de compression anormal (bombe zip)",
    "zip_taille_reelle": "Taille réelle supérieure à la taille déclarée",
    "zip_rebut": "Fichier système ignoré",
    "dossier_non_autorise": "Dossier hors des dossiers autorisés",
    "dossier_introuvable": "Dossier introuvable",
    "lien_symbolique": "Lien symbolique refusé",
    "fichier_en_trop": "Fichier ignoré",
    "ecriture_impossible": "Écriture impossible",
    "controle_impossible": "Contrôle impossible",
    "moteur_indisponible": "Panne passagère du contrôle",
    "version_changee": "Version en service changée entre-temps",
    "reprise_alteree": "Table reprise modifiée depuis sa version",
    "couverture_changee": "Couverture du jeu changée : confirmation demandée",
}


@dataclass
class ResultatImport:
    """Issue d'un import. ``accepte`` : une nouvelle version est en service. Sinon, ``erreurs`` (et,
    si le validateur a tourné, ``rapport``) disent pourquoi, en français ; rien n'a changé."""

    accepte: bool
    erreurs: list[Anomalie] = field(default_factory=list)
    avertissements: list[Anomalie] = field(default_factory=list)
    version: versions.Version | None = None
    reprises: tuple[str, ...] = ()
    importees: tuple[str, ...] = ()  # tables fournies par l'import
    rapport: Rapport | None = None
    initiale: versions.Version | None = None

    @property
    def regles(self) -> list[str]:
        return [a.regle for a in self.erreurs]

    def texte(self) -> str:
        """Le compte rendu en texte brut, en français."""
        lignes = []
        if self.accepte:
            lignes.append(f"Import accepté : version {self.version.numero} ({self.version.id}) mise en service.")
        else:
            n = len(self.erreurs)
            lignes.append(f"Import refusé : {n} erreur{'s' if n > 1 else ''}. Rien n'a changé : la version en "
                          "service reste en place.")
        if self.reprises:
            lignes.append("Tables reprises de la version en service (absentes de l'import) : "
                          + ", ".join(TABLES[n].fichier for n in self.reprises) + ".")
        if self.erreurs:
            lignes.append("")
            lignes.append("Erreurs :")
            lignes += [f"  - {a.message}" for a in self.erreurs]
        if self.avertissements:
            lignes.append("")
            lignes.append("Avertissements :")
            lignes += [f"  - {a.message}" for a in self.avertissements]
        return "\n".join(lignes)


def _erreur(regle: str, fichier: str | None, message: str) -> Anomalie:
    return Anomalie(ERREUR, fichier or "", None, regle, message)


def _avertissement(regle: str, fichier: str | None, message: str) -> Anomalie:
    return Anomalie(AVERTISSEMENT, fichier or "", None, regle, message)


def _liste_contrat() -> str:
    return ", ".join(TABLES[n].fichier for n in NOMS_TABLES)


def _montrer(nom: str, longueur: int = 80) -> str:
    """Un nom reçu, rendu inoffensif pour un message (caractères de contrôle remplacés, longueur bornée)."""
    propre = "".join(c if unicodedata.category(c)[0] != "C" else "�" for c in str(nom))
    return propre if len(propre) <= longueur else propre[: longueur - 1] + "…"


# --------------------------------------------------------------------------------------------
# Contrôles d'un nom et d'un contenu
# --------------------------------------------------------------------------------------------

class _Refus(Exception):
    """Un fichier refusé : porte l'anomalie à rapporter."""

    def __init__(self, anomalie: Anomalie):
        super().__init__(anomalie.message)
        self.anomalie = anomalie


def _nom_proche(nom: str) -> str:
    bas = nom.strip().lower()
    for fichier, table in FICHIERS_CONTRAT.items():
        if bas == fichier or bas.rsplit(".", 1)[0].rstrip("s") == table.rstrip("s"):
            return f" (vouliez-vous dire « {fichier} » ? le nom doit être exact, en minuscules)"
    return ""


def _verifier_nom_televerse(nom: str) -> str:
    """'parquet' ou 'zip' pour un nom reçu acceptable ; lève _Refus sinon. Le nom n'est jamais un chemin."""
    montre = _montrer(nom)
    if (not nom or "/" in nom or "\\" in nom or "\x00" in nom or nom in (".", "..")
            or any(unicodedata.category(c)[0] == "C" for c in nom)):
        raise _Refus(_erreur("nom_dangereux", montre,
                             f"« {montre} » : nom de fichier refusé (chemin, caractère de contrôle ou nom vide). "
                             f"Attendu : un nom simple parmi {_liste_contrat()}, ou une archive « .zip »."))
    if nom in FICHIERS_CONTRAT:
        return "parquet"
    if nom.lower().endswith(".zip"):
        return "zip"
    if nom.lower().endswith(".parquet"):
        raise _Refus(_erreur("nom_inattendu", montre,
                             f"« {montre} » : nom de fichier hors contrat{_nom_proche(nom)}. Attendu : un des "
                             f"noms {_liste_contrat()}."))
    raise _Refus(_erreur("type_non_accepte", montre,
                         f"« {montre} » : type de fichier refusé. Attendu : des fichiers Parquet du contrat "
                         f"({_liste_contrat()}) ou une seule archive « .zip » qui les contient."))


def _verifier_parquet(chemin: Path, fichier: str) -> None:
    """Contenu d'un Parquet : non vide, ``PAR1`` en tête et en fin. Lève _Refus sinon."""
    taille = chemin.stat().st_size
    if taille == 0:
        raise _Refus(_erreur("fichier_vide", fichier,
                             f"{fichier} : le fichier est vide (0 octet). Attendu : un fichier Parquet complet."))
    with open(chemin, "rb") as fh:
        tete = fh.read(512)
        fh.seek(max(taille - 4, 0))
        queue = fh.read(4)
    if not tete.startswith(SIGNATURE_PARQUET):
        nature = ""
        if tete.startswith(SIGNATURE_ZIP) or tete.startswith(SIGNATURE_ZIP_VIDE):
            raise _Refus(_erreur("zip_imbrique", fichier,
                                 f"{fichier} : ce fichier est une archive zip, pas un fichier Parquet (les archives "
                                 "imbriquées ne sont pas acceptées). Attendu : un fichier Parquet (signature « PAR1 »)."))
        try:
            premiere = tete.decode("utf-8").splitlines()[0] if tete else ""
            if any(sep in premiere for sep in (",", ";", "\t")):
                nature = f" ; il ressemble à un fichier texte de type CSV (première ligne : « {_montrer(premiere)} »)"
            elif premiere:
                nature = " ; il ressemble à un fichier texte"
        except UnicodeDecodeError:
            pass
        raise _Refus(_erreur("pas_parquet", fichier,
                             f"{fichier} : ce n'est pas un fichier Parquet (signature « PAR1 » absente en tête)"
                             f"{nature}. Attendu : un fichier Parquet écrit par un outil Parquet (pyarrow, Polars, "
                             "DuckDB, Spark…) ; renommer un CSV en .parquet ne suffit pas."))
    if queue != SIGNATURE_PARQUET or taille < 12:
        raise _Refus(_erreur("parquet_tronque", fichier,
                             f"{fichier} : fichier Parquet tronqué (la signature « PAR1 » de fin de fichier manque : "
                             "copie ou téléversement interrompu ?). Attendu : un fichier Parquet complet."))


def _verifier_lignes(chemin: Path, fichier: str, limites: Limites) -> None:
    """Nombre de lignes que déclarent les métadonnées Parquet (pied du fichier, lu sans les données) :
    au-delà de ``limites.lignes_fichier``, refus **avant** toute validation (qui garde en mémoire une
    empreinte de 8 octets par ligne : 16 ko de Parquet peuvent annoncer 20 millions de lignes).
    Lève _Refus ; des métadonnées illisibles sont refusées ici aussi (la borne ne se contourne pas)."""
    try:
        import pyarrow.parquet as pq

        with open(chemin, "rb") as fh:
            nb = int(pq.ParquetFile(fh).metadata.num_rows)
    except Exception as exc:  # tout échec de lecture du pied Parquet est un refus
        raise _Refus(_erreur("fichier_illisible", fichier,
                             f"{fichier} : fichier illisible, métadonnées Parquet corrompues (détail technique : "
                             f"{_montrer(str(exc), 160)}). Attendu : un fichier Parquet complet, écrit par un "
                             "outil Parquet (pyarrow, Polars, DuckDB, Spark…).")) from None
    if nb > limites.lignes_fichier:
        raise _Refus(_erreur("trop_de_lignes", fichier,
                             f"{fichier} : le fichier annonce {_nombre(nb)} lignes, au-delà de la limite de "
                             f"{_nombre(limites.lignes_fichier)} lignes par fichier de ce déploiement (réglage "
                             "TDB_IMPORT_LIGNES_MAX) ; refusé sans être lu. Attendu : un fichier plus petit, ou "
                             "une limite relevée par l'administrateur."))


def _controler_parquet(chemin: Path, fichier: str, limites: Limites) -> None:
    """Signature ``PAR1`` en tête et en fin, puis nombre de lignes déclaré. Lève _Refus."""
    _verifier_parquet(chemin, fichier)
    _verifier_lignes(chemin, fichier, limites)


def _trop_gros(fichier: str, taille: int, limite: int, quoi: str = "le fichier") -> _Refus:
    return _Refus(_erreur("trop_volumineux", fichier,
                          f"{fichier} : {quoi} fait {taille_lisible(taille)}, au-delà de la limite de "
                          f"{taille_lisible(limite)} de ce déploiement (réglage TDB_IMPORT_TAILLE_MAX_MO ou "
                          "TDB_IMPORT_TOTAL_MAX_MO). Attendu : un fichier plus petit, ou une limite relevée "
                          "par l'administrateur."))


def _copier_plafonne(source: BinaryIO, cible: Path, plafond: int, refus: Anomalie) -> int:
    """Copie un flux dans ``cible`` (créée) sans jamais écrire plus de ``plafond`` octets : au-delà,
    lève _Refus(refus) (le fichier partiel reste dans le dépôt, supprimé avec lui)."""
    ecrits = 0
    with open(cible, "xb") as dst:
        while True:
            bloc = source.read(min(TAILLE_BLOC, plafond + 1 - ecrits))
            if not bloc:
                break
            ecrits += len(bloc)
            if ecrits > plafond:
                raise _Refus(refus)
            dst.write(bloc)
    return ecrits


def _depasse(fichier: str, plafond: int) -> Anomalie:
    return _erreur("trop_volumineux", fichier,
                   f"{fichier} : le contenu dépasse la limite de {taille_lisible(plafond)} ; lecture arrêtée. "
                   "Attendu : un fichier plus petit, ou une limite relevée par l'administrateur.")


# --------------------------------------------------------------------------------------------
# Archives zip
# --------------------------------------------------------------------------------------------

def _est_lien(info: zipfile.ZipInfo) -> bool:
    """Entrée marquée lien symbolique (mode Unix dans les attributs externes)."""
    return stat.S_ISLNK(info.external_attr >> 16)


def _analyser_nom_entree(nom: str) -> tuple[str, str | None]:
    """('ok'|'dossier'|'rebut', nom du contrat) ou lève _Refus pour un chemin dangereux ou inattendu."""
    montre = _montrer(nom)
    if "\x00" in nom or any(unicodedata.category(c)[0] == "C" for c in nom):
        raise _Refus(_erreur("nom_dangereux", montre,
                             f"Archive zip, entrée « {montre} » : nom avec des caractères de contrôle, refusé. "
                             "Attendu : des noms de fichiers du contrat."))
    normal = nom.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or normal.startswith("//"):
        raise _Refus(_erreur("zip_chemin_absolu", montre,
                             f"Archive zip, entrée « {montre} » : chemin absolu refusé. Attendu : des fichiers "
                             "à la racine de l'archive (ou dans un seul dossier), sans chemin absolu."))
    parties = [p for p in normal.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parties):
        raise _Refus(_erreur("zip_chemin_remontant", montre,
                             f"Archive zip, entrée « {montre} » : chemin contenant « .. » (sortie du dossier "
                             "d'extraction), refusé. Attendu : des fichiers à la racine de l'archive."))
    if normal.endswith("/"):
        return "dossier", None
    if normal.startswith("__MACOSX/") or PurePosixPath(normal).name in REBUTS_ZIP:
        return "rebut", None
    nom_fichier = parties[-1] if parties else ""
    if len(parties) > 2 or any(p.startswith(".") for p in parties[:-1]):
        raise _Refus(_erreur("nom_inattendu", montre,
                             f"Archive zip, entrée « {montre} » : emplacement inattendu. Attendu : les fichiers "
                             f"du contrat à la racine de l'archive ou dans un seul dossier."))
    if nom_fichier.lower().endswith(".zip"):
        raise _Refus(_erreur("zip_imbrique", montre,
                             f"Archive zip, entrée « {montre} » : archive dans l'archive, refusée. Attendu : les "
                             "fichiers Parquet directement dans une seule archive."))
    if nom_fichier not in FICHIERS_CONTRAT:
        raise _Refus(_erreur("nom_inattendu", montre,
                             f"Archive zip, entrée « {montre} » : nom hors contrat{_nom_proche(nom_fichier)}. "
                             f"Attendu : uniquement des fichiers nommés {_liste_contrat()}."))
    return "ok", FICHIERS_CONTRAT[nom_fichier]


def _fin_de_zip(flux: BinaryIO) -> tuple[int, int] | None:
    """(entrées, taille du répertoire central) que déclare l'enregistrement de fin d'une archive zip
    (ou, pour une archive ZIP64, l'enregistrement de fin ZIP64), lu comme le lira ``zipfile`` : en fin de
    fichier sans commentaire, sinon la dernière signature des 64 derniers ko. Ne lit que ces quelques
    octets ; None si aucune fin n'est trouvée (``zipfile`` dira l'archive illisible)."""
    flux.seek(0, io.SEEK_END)
    taille = flux.tell()
    if taille < TAILLE_FIN_ZIP:
        return None
    lus = min(taille, TAILLE_FIN_ZIP + 0xFFFF)
    flux.seek(taille - lus)
    queue = flux.read(lus)
    i = len(queue) - TAILLE_FIN_ZIP
    if not (queue[i:i + 4] == SIGNATURE_ZIP_VIDE and queue[-2:] == b"\x00\x00"):
        i = queue.rfind(SIGNATURE_ZIP_VIDE)
        if i < 0 or len(queue) - i < TAILLE_FIN_ZIP:
            return None
    entrees, taille_repertoire, debut_repertoire = struct.unpack("<6xHLL", queue[i + 4:i + 20])
    if entrees == 0xFFFF or taille_repertoire == 0xFFFFFFFF or debut_repertoire == 0xFFFFFFFF:
        position = taille - lus + i - 20  # localisateur ZIP64, juste avant la fin
        if position >= 0:
            flux.seek(position)
            localisateur = flux.read(20)
            if localisateur[:4] == SIGNATURE_ZIP64_LOCALISATEUR:
                (debut_fin64,) = struct.unpack("<4xQ4x", localisateur[4:])
                if 0 <= debut_fin64 <= taille - 56:
                    flux.seek(debut_fin64)
                    fin64 = flux.read(56)
                    if fin64[:4] == SIGNATURE_ZIP64_FIN:
                        entrees, taille_repertoire = struct.unpack("<28xQQ8x", fin64[4:])
    return entrees, taille_repertoire


def _controler_fin_de_zip(flux: BinaryIO, nom_archive: str, limites: Limites) -> Anomalie | None:
    """Refus d'une archive qui annonce trop d'entrées, ou un répertoire central trop grand pour le nombre
    d'entrées permis, **avant** que ``zipfile`` ne le lise en entier (il lit et analyse tout le répertoire
    central à l'ouverture : 200 000 entrées dans 17 Mo, c'est 5 s et 110 Mo avant le moindre contrôle)."""
    fin = _fin_de_zip(flux)
    flux.seek(0)
    if fin is None:
        return None
    entrees, taille_repertoire = fin
    if entrees > limites.nb_entrees:
        return _erreur("zip_trop_d_entrees", nom_archive,
                       f"{nom_archive} : l'archive annonce {_nombre(entrees)} entrées, au-delà de la limite de "
                       f"{_nombre(limites.nb_entrees)} (réglage TDB_IMPORT_ENTREES_MAX) ; refusée sans être lue. "
                       f"Attendu : les {len(NOMS_TABLES)} fichiers du contrat, au plus.")
    if taille_repertoire > limites.repertoire_zip:
        return _erreur("zip_repertoire_trop_grand", nom_archive,
                       f"{nom_archive} : le répertoire de l'archive fait {taille_lisible(taille_repertoire)}, "
                       f"au-delà de la limite de {taille_lisible(limites.repertoire_zip)} "
                       f"({_nombre(limites.nb_entrees)} entrées de {taille_lisible(TAILLE_ENTREE_CENTRALE_MAX)} "
                       "au plus ; réglage TDB_IMPORT_ENTREES_MAX) : il cache plus d'entrées que l'archive n'en "
                       "annonce ; refusée sans être lue. Attendu : une archive zip ordinaire, qui contient les "
                       "fichiers du contrat.")
    return None


def _extraire_zip(flux: BinaryIO, nom_archive: str, depot: Path, limites: Limites,
                  erreurs: list[Anomalie], avertissements: list[Anomalie]) -> dict[str, Path]:
    """Contrôle puis extrait une archive (ouverte en flux) ; rend {table: chemin dans le dépôt}."""
    flux.seek(0)
    tete = flux.read(4)
    flux.seek(0)
    if tete == SIGNATURE_ZIP_VIDE:
        erreurs.append(_erreur("zip_vide", nom_archive,
                               f"{nom_archive} : l'archive zip est vide. Attendu : une archive qui contient les "
                               f"fichiers du contrat ({_liste_contrat()})."))
        return {}
    if tete != SIGNATURE_ZIP:
        nature = " (c'est un fichier Parquet)" if tete == SIGNATURE_PARQUET else ""
        erreurs.append(_erreur("pas_zip", nom_archive,
                               f"{nom_archive} : ce n'est pas une archive zip (signature « PK » absente en tête)"
                               f"{nature}. Attendu : une archive zip, ou des fichiers Parquet téléversés sous leur nom."))
        return {}
    refus = _controler_fin_de_zip(flux, nom_archive, limites)
    if refus is not None:
        erreurs.append(refus)
        return {}
    try:
        archive = zipfile.ZipFile(flux)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        erreurs.append(_erreur("zip_illisible", nom_archive,
                               f"{nom_archive} : archive zip illisible ou tronquée ({_montrer(str(exc), 120)}). "
                               "Attendu : une archive zip complète."))
        return {}
    with archive:
        infos = archive.infolist()
        if len(infos) > limites.nb_entrees:
            erreurs.append(_erreur("zip_trop_d_entrees", nom_archive,
                                   f"{nom_archive} : {_nombre(len(infos))} entrées dans l'archive, au-delà de la "
                                   f"limite de {_nombre(limites.nb_entrees)} (réglage TDB_IMPORT_ENTREES_MAX). "
                                   f"Attendu : les {len(NOMS_TABLES)} fichiers du contrat, au plus."))
            return {}
        retenues: dict[str, zipfile.ZipInfo] = {}
        noms_vus: dict[str, str] = {}
        dossiers_vus: dict[str, str] = {}  # dossier dans l'archive -> première entrée vue
        total_declare = 0
        for info in infos:
            try:
                genre, table = _analyser_nom_entree(info.filename)
                montre = _montrer(info.filename)
                if _est_lien(info):
                    raise _Refus(_erreur("zip_lien_symbolique", montre,
                                         f"Archive zip, entrée « {montre} » : lien symbolique, refusé. Attendu : "
                                         "des fichiers ordinaires."))
                if genre == "dossier":
                    continue
                if genre == "rebut":
                    avertissements.append(_avertissement(
                        "zip_rebut", montre, f"Archive zip, entrée « {montre} » : fichier système ignoré "
                                             "(non extrait)."))
                    continue
                if info.flag_bits & 0x1:
                    raise _Refus(_erreur("zip_chiffre", montre,
                                         f"Archive zip, entrée « {montre} » : entrée chiffrée (mot de passe), "
                                         "refusée. Attendu : une archive sans mot de passe."))
                if table in noms_vus:
                    raise _Refus(_erreur("doublon", montre,
                                         f"Archive zip : « {TABLES[table].fichier} » figure deux fois (« "
                                         f"{noms_vus[table]} » et « {montre} »). Attendu : un seul fichier par table."))
                noms_vus[table] = montre
                dossier_entree = info.filename.replace("\\", "/").rpartition("/")[0].strip("/")
                dossiers_vus.setdefault(dossier_entree, montre)
                if len(dossiers_vus) > 1:
                    lieux = " et ".join(f"« {d or 'racine de l’archive'} » (ex. « {e} »)"
                                        for d, e in list(dossiers_vus.items())[:2])
                    raise _Refus(_erreur("zip_plusieurs_dossiers", montre,
                                         f"Archive zip : fichiers du contrat rangés à plusieurs endroits, {lieux}. "
                                         "Attendu : tous les fichiers à la racine de l'archive, ou tous dans un "
                                         "seul et même dossier (on ne devine pas quel jeu prendre)."))
                if info.file_size > limites.taille_fichier:
                    raise _trop_gros(montre, info.file_size, limites.taille_fichier,
                                     "une fois décompressé, le fichier")
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size > Mo and ratio > limites.ratio_compression:
                    raise _Refus(_erreur("zip_bombe", montre,
                                         f"Archive zip, entrée « {montre} » : {taille_lisible(info.compress_size)} "
                                         f"compressés pour {taille_lisible(info.file_size)} décompressés (taux "
                                         f"{_nombre(round(ratio))} pour 1, au-delà de "
                                         f"{_nombre(round(limites.ratio_compression))}) : bombe zip probable, "
                                         "refusée sans être décompressée. Attendu : des fichiers Parquet, qui se "
                                         "compressent peu."))
                total_declare += info.file_size
                retenues[table] = info
            except _Refus as refus:
                erreurs.append(refus.anomalie)
        if total_declare > limites.taille_totale:
            erreurs.append(_trop_gros(nom_archive, total_declare, limites.taille_totale,
                                      "le contenu décompressé de l'archive").anomalie)
        if erreurs:
            return {}
        if not retenues:
            erreurs.append(_erreur("zip_vide", nom_archive,
                                   f"{nom_archive} : l'archive ne contient aucun fichier du contrat. Attendu : "
                                   f"un ou plusieurs de {_liste_contrat()}."))
            return {}
        extraits: dict[str, Path] = {}
        total = 0
        for table, info in retenues.items():
            fichier = TABLES[table].fichier
            cible = depot / fichier  # nom du contrat, jamais celui de l'archive
            plafond = min(info.file_size, limites.taille_fichier, limites.taille_totale - total)
            try:
                ment = _erreur("zip_taille_reelle", fichier,
                               f"Archive zip, entrée « {_montrer(info.filename)} » : le contenu dépasse la taille "
                               f"déclarée ({taille_lisible(info.file_size)}) ou la limite ; décompression arrêtée. "
                               "Attendu : une archive zip intègre.")
                with archive.open(info) as entree:
                    total += _copier_plafonne(entree, cible, plafond, ment)
            except _Refus as refus:
                erreurs.append(refus.anomalie)
                return {}
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
                cause = _montrer(str(exc), 120)
                if "CRC" in str(exc):
                    cause = ("somme de contrôle CRC fausse : archive abîmée, ou taille déclarée différente de la "
                             "taille réelle")
                erreurs.append(_erreur("zip_illisible", fichier,
                                       f"Archive zip, entrée « {_montrer(info.filename)} » : décompression "
                                       f"impossible ({cause}). Attendu : une archive zip intègre, "
                                       "compressée sans mot de passe (méthode « deflate » ou sans compression)."))
                return {}
            if cible.stat().st_size != info.file_size:
                erreurs.append(ment)
                return {}
            extraits[table] = cible
        return extraits


# --------------------------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------------------------

def _taille_flux(objet) -> int:
    taille = getattr(objet, "size", None)
    if isinstance(taille, int):
        return taille
    position = objet.tell()
    objet.seek(0, io.SEEK_END)
    taille = objet.tell()
    objet.seek(position)
    return taille


def _en_flux(contenu) -> BinaryIO:
    if isinstance(contenu, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(contenu))
    return contenu


Controle = Callable[[Path], list[Anomalie]]


def _terminer(racine: Path, fichiers: dict[str, Path], *, source: dict, auteur: str, commentaire: str,
              base: Path | None, avertissements: list[Anomalie], attendue=versions.SANS_CONDITION,
              controle: Controle | None = None) -> ResultatImport:
    try:
        resultat = versions.creer_version(racine, fichiers, source=source, auteur=auteur, commentaire=commentaire,
                                          base=base, attendue=attendue, controle=controle)
    except ErreurMoteur as exc:  # panne passagère (mémoire, disque) : pas un défaut des fichiers
        return ResultatImport(False, [_erreur(
            "moteur_indisponible", None,
            f"Le contrôle du jeu proposé n'a pas pu se faire : panne passagère du moteur ou de la machine "
            f"({_montrer(str(exc), 200)}). Ce n'est pas un défaut des fichiers. Rien n'a changé : la version en "
            "service reste en place. Réessayez l'import ; si cela persiste, vérifiez la mémoire et le disque.")],
            list(avertissements), importees=tuple(n for n in NOMS_TABLES if n in fichiers))
    except Exception as exc:  # un contrôle qui casse refuse l'import, sans trace à l'écran
        return ResultatImport(False, [_erreur(
            "controle_impossible", None,
            f"Le contrôle du jeu proposé a échoué ({type(exc).__name__} : {_montrer(str(exc), 200)}). Rien n'a "
            "changé : la version en service reste en place. Attendu : des fichiers que le contrôle sait lire ; "
            "signaler ce message à l'administrateur.")], list(avertissements),
            importees=tuple(n for n in NOMS_TABLES if n in fichiers))
    rapport = resultat.rapport
    erreurs = list(resultat.erreurs)
    avert = list(avertissements)
    if rapport is not None:
        erreurs = list(rapport.erreurs) + erreurs
        avert += list(rapport.avertissements)
    return ResultatImport(
        accepte=resultat.accepte, erreurs=erreurs, avertissements=avert, version=resultat.version,
        reprises=resultat.reprises, importees=tuple(n for n in NOMS_TABLES if n in fichiers),
        rapport=rapport, initiale=resultat.initiale)


def importer_televersements(racine: Path, televersements: Iterable[tuple[str, bytes | BinaryIO]], *,
                            auteur: str = "", commentaire: str = "", base: Path | None = None,
                            limites: Limites | None = None, attendue=versions.SANS_CONDITION,
                            controle: Controle | None = None) -> ResultatImport:
    """Importe des fichiers téléversés : [(nom reçu, contenu en octets ou flux)], soit des Parquet du
    contrat, soit une seule archive zip. Les tables absentes sont reprises de la version en service.
    ``controle`` : contrôle en plus du jeu assemblé, une fois validé (``versions.creer_version`` ; la page
    Données y demande la confirmation d'un changement de couverture)."""
    limites = limites or Limites.depuis_environnement()
    recus = [(str(nom), _en_flux(contenu)) for nom, contenu in televersements]
    erreurs: list[Anomalie] = []
    avertissements: list[Anomalie] = []
    if not recus:
        return ResultatImport(False, [_erreur("import_vide", None,
                                               "Aucun fichier reçu. Attendu : des fichiers Parquet du contrat ou "
                                               "une archive zip.")])
    genres: list[tuple[str, str, BinaryIO]] = []
    vus: set[str] = set()
    total = 0
    for nom, flux in recus:
        try:
            genre = _verifier_nom_televerse(nom)
            if nom in vus:
                raise _Refus(_erreur("doublon", nom, f"{nom} : fichier reçu deux fois. Attendu : un seul "
                                                     "fichier par table."))
            vus.add(nom)
            taille = _taille_flux(flux)
            limite = limites.taille_totale if genre == "zip" else limites.taille_fichier
            if taille > limite:
                raise _trop_gros(nom, taille, limite)
            total += taille
            genres.append((genre, nom, flux))
        except _Refus as refus:
            erreurs.append(refus.anomalie)
    if not erreurs and total > limites.taille_totale:
        erreurs.append(_trop_gros("Import", total, limites.taille_totale, "l'ensemble des fichiers").anomalie)
    nb_zip = sum(1 for g, _, _ in genres if g == "zip")
    if nb_zip and len(recus) > 1:
        erreurs.append(_erreur("melange", None,
                               "Une archive zip doit être envoyée seule (reçu : "
                               + ", ".join(f"« {_montrer(n)} »" for n, _ in recus)
                               + "). Attendu : soit une seule archive zip, soit des fichiers Parquet."))
    if erreurs:
        return ResultatImport(False, erreurs, avertissements)

    depot = versions.nouveau_depot(racine)
    try:
        fichiers: dict[str, Path] = {}
        if nb_zip:
            _, nom_archive, flux = genres[0]
            fichiers = _extraire_zip(flux, _montrer(nom_archive), depot, limites, erreurs, avertissements)
            source = {"type": "zip", "nom": _montrer(nom_archive),
                      "entrees": [TABLES[t].fichier for t in fichiers]}
        else:
            for _, nom, flux in genres:
                table = FICHIERS_CONTRAT[nom]
                cible = depot / TABLES[table].fichier
                try:
                    flux.seek(0)
                    _copier_plafonne(flux, cible, limites.taille_fichier, _depasse(nom, limites.taille_fichier))
                except _Refus as refus:
                    erreurs.append(refus.anomalie)
                    continue
                fichiers[table] = cible
            source = {"type": "televersement", "noms": [TABLES[t].fichier for t in fichiers]}
        for table, chemin in list(fichiers.items()):
            try:
                _controler_parquet(chemin, TABLES[table].fichier, limites)
            except _Refus as refus:
                erreurs.append(refus.anomalie)
        if erreurs:
            return ResultatImport(False, erreurs, avertissements)
        return _terminer(racine, fichiers, source=source, auteur=auteur, commentaire=commentaire, base=base,
                         avertissements=avertissements, attendue=attendue, controle=controle)
    finally:
        shutil.rmtree(depot, ignore_errors=True)


def _sous(chemin: Path, racines: Sequence[Path]) -> bool:
    for r in racines:
        try:
            r = r.resolve()
        except OSError:
            continue
        if chemin == r or r in chemin.parents:
            return True
    return False


def importer_dossier(racine: Path, dossier: Path | str, *, auteur: str = "", commentaire: str = "",
                     base: Path | None = None, autorises: Sequence[Path] | None = None,
                     limites: Limites | None = None, attendue=versions.SANS_CONDITION,
                     controle: Controle | None = None) -> ResultatImport:
    """Importe le dossier ``dossier`` du serveur, qui doit se trouver sous un des dossiers autorisés
    (``TDB_IMPORT_DOSSIERS``). Seuls les fichiers du contrat y sont lus (fichiers ordinaires, pas de
    lien symbolique) ; les tables absentes sont reprises de la version en service."""
    limites = limites or Limites.depuis_environnement()
    autorises = list(autorises if autorises is not None else dossiers_autorises())
    montre = _montrer(Path(str(dossier)).name or str(dossier), 200)  # le nom seul, pas le chemin du serveur
    try:
        resolu = Path(dossier).resolve()
    except (OSError, RuntimeError, ValueError):
        resolu = None
    # L'autorisation d'abord : on ne dit rien de l'existence d'un dossier hors des dossiers autorisés.
    if resolu is None or not _sous(resolu, autorises):
        return ResultatImport(False, [_erreur("dossier_non_autorise", montre,
                                               f"Le dossier « {montre} » n'est pas sous un dossier ouvert à l'import "
                                               f"({', '.join(_montrer(Path(p).name) for p in autorises)} ; réglage "
                                               "TDB_IMPORT_DOSSIERS). "
                                               "Attendu : un sous-dossier d'un dossier autorisé.")])
    if not resolu.is_dir():
        return ResultatImport(False, [_erreur("dossier_introuvable", montre,
                                               f"Le dossier « {montre} » n'existe pas sur le serveur (ou n'est pas un "
                                               "dossier). Attendu : un dossier contenant des fichiers du contrat.")])
    erreurs: list[Anomalie] = []
    avertissements: list[Anomalie] = []
    presents: dict[str, Path] = {}
    total = 0
    for p in sorted(resolu.iterdir()):
        nom = p.name
        if nom not in FICHIERS_CONTRAT:
            if nom.lower().endswith(".parquet"):
                avertissements.append(_avertissement(
                    "fichier_en_trop", _montrer(nom),
                    f"« {_montrer(nom)} » : fichier hors contrat, ignoré{_nom_proche(nom)}."))
            continue
        info = p.lstat()
        if stat.S_ISLNK(info.st_mode):
            erreurs.append(_erreur("lien_symbolique", nom, f"{nom} : lien symbolique, refusé. Attendu : un fichier "
                                                            "ordinaire."))
            continue
        if not stat.S_ISREG(info.st_mode):
            erreurs.append(_erreur("type_non_accepte", nom, f"{nom} : ce n'est pas un fichier ordinaire. Attendu : "
                                                             "un fichier Parquet."))
            continue
        if info.st_size > limites.taille_fichier:
            erreurs.append(_trop_gros(nom, info.st_size, limites.taille_fichier).anomalie)
            continue
        total += info.st_size
        presents[FICHIERS_CONTRAT[nom]] = p
    if not erreurs and total > limites.taille_totale:
        erreurs.append(_trop_gros(montre, total, limites.taille_totale, "l'ensemble des fichiers").anomalie)
    if not erreurs and not presents:
        erreurs.append(_erreur("import_vide", montre, f"Le dossier « {montre} » ne contient aucun fichier du contrat. "
                                                       f"Attendu : un ou plusieurs de {_liste_contrat()}."))
    if erreurs:
        return ResultatImport(False, erreurs, avertissements)
    depot = versions.nouveau_depot(racine)
    try:
        fichiers: dict[str, Path] = {}
        for table, p in presents.items():
            cible = depot / TABLES[table].fichier
            try:
                # O_NOFOLLOW : un fichier remplacé par un lien entre le contrôle et la lecture est refusé
                fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                with os.fdopen(fd, "rb") as src:
                    if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                        raise _Refus(_erreur("type_non_accepte", p.name, f"{p.name} : ce n'est pas un fichier "
                                                                         "ordinaire. Attendu : un fichier Parquet."))
                    _copier_plafonne(src, cible, limites.taille_fichier,
                                     _depasse(TABLES[table].fichier, limites.taille_fichier))
                _controler_parquet(cible, TABLES[table].fichier, limites)
            except _Refus as refus:
                erreurs.append(refus.anomalie)
                continue
            except OSError as exc:
                erreurs.append(_erreur("lien_symbolique" if getattr(exc, "errno", None) == errno.ELOOP else "dossier_introuvable",
                                       p.name, f"{p.name} : lecture impossible ({_montrer(str(exc), 120)}). Attendu : "
                                               "un fichier ordinaire lisible."))
                continue
            fichiers[table] = cible
        if erreurs:
            return ResultatImport(False, erreurs, avertissements)
        return _terminer(racine, fichiers, source={"type": "dossier", "chemin": str(resolu),
                                                   "noms": [TABLES[t].fichier for t in fichiers]},
                         auteur=auteur, commentaire=commentaire, base=base, avertissements=avertissements,
                         attendue=attendue, controle=controle)
    finally:
        shutil.rmtree(depot, ignore_errors=True)
