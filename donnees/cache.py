"""Cache sur disque des calculs faits une fois par jeu de données : le rapport de validation et les
tables dérivées (cubes de mesures). Sans lui, chaque démarrage du serveur revaliderait les millions de
lignes d'orientations et recalculerait les cubes avant d'afficher la première page.

- Dossier : la variable d'environnement ``TDB_CACHE`` si elle est définie, sinon
  ``donnees_locales/cache`` (ignoré par git). On peut le vider à tout moment : il se reconstruit.
- Clé : ce qui décide du résultat, et rien d'autre — pour chaque fichier Parquet du dossier du jeu, son
  nom, sa taille et l'empreinte SHA-256 de son **contenu** (``signature_fichiers``, voir
  ``empreinte_fichier`` : un export remplacé change de clé même s'il garde sa taille et sa date), plus une
  empreinte du code qui calcule (validateur, contrat, requêtes SQL, référentiel) : une mise à jour du
  tableau de bord n'emploie jamais un résultat calculé par l'ancien code. Le chemin du dossier n'en fait
  pas partie : une version importée, validée dans un dossier temporaire puis renommée, garde sa clé.
- Écriture atomique (fichier temporaire voisin puis ``os.replace``) : deux processus qui calculent en
  même temps ne laissent jamais un fichier à moitié écrit ; le dernier arrivé remplace l'autre à
  l'identique.
- Un cache illisible ou impossible à écrire (disque plein, dossier en lecture seule) n'empêche rien :
  on recalcule, et l'on ne fait que perdre le gain de temps.
- Seuls des formats de données sont lus (JSON, Parquet) : rien n'y est jamais exécuté ni désérialisé
  en objets Python arbitraires.

Ce module offre aussi ``CacheBorne``, le petit cache en mémoire (borné, sûr entre fils d'exécution) des
calculs de ``requetes`` et ``cartes``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_DEFAUT = RACINE / "donnees_locales" / "cache"

journal = logging.getLogger(__name__)


def dossier_cache() -> Path:
    """Le dossier du cache (``TDB_CACHE`` ou ``donnees_locales/cache``)."""
    env = os.environ.get("TDB_CACHE")
    return Path(env) if env else DOSSIER_DEFAUT


V = TypeVar("V")


class CacheBorne:
    """Petit cache en mémoire : au plus ``taille`` valeurs (les moins récemment lues s'en vont), sûr entre
    fils d'exécution. ``lire(cle, calcul)`` rend la valeur gardée, sinon ``calcul()`` :

    - un seul calcul par clé, même si plusieurs fils la demandent en même temps (verrou par clé : les
      autres attendent le résultat) ; deux clés différentes se calculent en parallèle ;
    - le calcul se fait hors du verrou général : une lecture d'une autre clé n'attend jamais ;
    - une valeur n'est rendue aux autres fils qu'une fois entièrement calculée ; un calcul qui échoue
      n'est pas gardé (le fil suivant recommence).

    Ne pas modifier les valeurs rendues : elles sont partagées."""

    def __init__(self, taille: int):
        if taille < 1:
            raise ValueError("taille de cache invalide")
        self.taille = taille
        self._valeurs: OrderedDict[Hashable, Any] = OrderedDict()
        self._verrous: dict[Hashable, threading.Lock] = {}
        self._verrou = threading.Lock()

    def _gardee(self, cle: Hashable) -> tuple[bool, Any]:
        with self._verrou:
            if cle in self._valeurs:
                self._valeurs.move_to_end(cle)
                return True, self._valeurs[cle]
            return False, None

    def lire(self, cle: Hashable, calcul: Callable[[], V]) -> V:
        trouvee, valeur = self._gardee(cle)
        if trouvee:
            return valeur
        with self._verrou:
            verrou_cle = self._verrous.setdefault(cle, threading.Lock())
        with verrou_cle:
            trouvee, valeur = self._gardee(cle)  # calculée par un autre fil pendant l'attente
            if trouvee:
                return valeur
            try:
                valeur = calcul()
            except BaseException:
                self._liberer(cle, verrou_cle)
                raise
            # Valeur rangée et verrou de la clé rendu d'un seul tenant : un fil qui arrive ensuite trouve
            # la valeur, jamais un verrou libre devant une clé encore vide.
            with self._verrou:
                self._valeurs[cle] = valeur
                self._valeurs.move_to_end(cle)
                while len(self._valeurs) > self.taille:
                    self._valeurs.popitem(last=False)
                if self._verrous.get(cle) is verrou_cle:
                    del self._verrous[cle]
            return valeur

    def _liberer(self, cle: Hashable, verrou_cle: threading.Lock) -> None:
        with self._verrou:
            if self._verrous.get(cle) is verrou_cle:
                del self._verrous[cle]

    def __len__(self) -> int:
        with self._verrou:
            return len(self._valeurs)

    def __contains__(self, cle: Hashable) -> bool:
        with self._verrou:
            return cle in self._valeurs

    def oublier(self, cle: Hashable) -> None:
        with self._verrou:
            self._valeurs.pop(cle, None)

    def vider(self) -> None:
        with self._verrou:
            self._valeurs.clear()


# ---------------------------------------------------------------------------------------------
# Empreinte du contenu des fichiers
# ---------------------------------------------------------------------------------------------

TAILLE_BLOC = 1 << 20
# Une empreinte par état de fichier (chemin, périphérique, inode, taille, dates de modification et de
# changement d'état, en ns) : 64 octets de texte chacune ; de quoi garder plusieurs dizaines de versions.
_EMPREINTES = CacheBorne(4096)
# Un fichier changé depuis moins de 2 s n'est pas mémorisé : les dates du noyau avancent par pas de
# quelques millisecondes, deux écritures dans le même pas auraient le même état (cf. « racy git »).
_MARGE_NS = 2_000_000_000


def _etat(chemin: Path) -> tuple:
    etat = os.stat(chemin)
    return (etat.st_dev, etat.st_ino, etat.st_size, etat.st_mtime_ns, etat.st_ctime_ns)


def _sha256(chemin: Path) -> str:
    h = hashlib.sha256()
    with open(chemin, "rb") as fh:
        while bloc := fh.read(TAILLE_BLOC):
            h.update(bloc)
    return h.hexdigest()


def empreinte_fichier(chemin: Path) -> str:
    """Empreinte SHA-256 du contenu d'un fichier (hexadécimale), lue une fois par état du fichier.

    Pourquoi tout le contenu, et pas la taille et la date : ``rsync -a``, ``cp -p``, ``touch -r`` ou
    ``os.utime`` remettent la date de modification d'origine ; un export corrigé de la même taille
    garderait alors la clé de l'ancien, et le cache servirait le rapport et les cubes de l'ancien.

    Pourquoi pas le seul pied du fichier Parquet (métadonnées, statistiques des groupes de lignes), que
    l'on lirait sans lire les données : deux fichiers différents peuvent avoir le même pied et la même
    taille — deux lignes échangées, ou une valeur corrigée qui reste entre le minimum et le maximum de son
    groupe de lignes et se compresse à la même taille (pages sans somme de contrôle, ce qu'écrivent
    Polars et pyarrow par défaut). Le contenu entier, lui, ne laisse passer aucun changement.

    Coût : SHA-256 lit environ 1,5 Go/s (instructions SHA des processeurs récents), soit moins d'une
    seconde pour le plus gros jeu connu (20 millions de lignes) au premier chargement, à côté de ses
    secondes de validation ; ensuite, rien qu'un ``stat`` : l'empreinte est mémorisée (en mémoire, pour
    la vie du processus) par état du fichier — chemin, périphérique, inode, taille, dates de modification
    **et de changement d'état** (``st_ctime_ns``) en nanosecondes. Cette dernière date, nul outil ne peut
    la remettre à une valeur passée (le noyau la met à l'heure courante à toute écriture, à tout
    renommage, à tout ``utime``) : un fichier remplacé n'est jamais pris pour l'ancien. Les dates du
    noyau avançant par pas de quelques millisecondes, un fichier changé depuis moins de 2 secondes est
    relu à chaque fois, sans être mémorisé ; un fichier modifié pendant la lecture est relu."""
    chemin = Path(chemin).absolute()
    for _ in range(3):
        avant = _etat(chemin)
        if time.time_ns() - avant[4] < _MARGE_NS:
            empreinte = _sha256(chemin)  # changé à l'instant : pas mémorisé
        else:
            empreinte = _EMPREINTES.lire((str(chemin), *avant), lambda: _sha256(chemin))
        if _etat(chemin) == avant:
            return empreinte
        # modifié pendant la lecture : empreinte peut-être mêlée, on l'oublie et on relit
        _EMPREINTES.oublier((str(chemin), *avant))
    return _sha256(chemin)


def signature_fichiers(dossier: Path) -> list[tuple[str, int, str]]:
    """(nom, taille, empreinte SHA-256 du contenu) de chaque fichier ``.parquet`` du dossier, triés par
    nom (voir ``empreinte_fichier`` : lu une fois par état de fichier, ensuite un simple ``stat``)."""
    morceaux = []
    try:
        entrees = sorted(Path(dossier).iterdir())
    except OSError:
        return []
    for p in entrees:
        if p.suffix.lower() != ".parquet":
            continue
        try:
            morceaux.append((p.name, p.stat().st_size, empreinte_fichier(p)))
        except OSError:
            continue
    return morceaux


def empreinte_textes(textes: Iterable[str | bytes]) -> str:
    h = hashlib.sha256()
    for t in textes:
        octets = t.encode("utf-8") if isinstance(t, str) else t
        h.update(len(octets).to_bytes(8, "little"))
        h.update(octets)
    return h.hexdigest()


def empreinte_fichiers_code(chemins: Iterable[Path]) -> str:
    """Empreinte du contenu de fichiers de code (un fichier absent compte comme vide)."""
    textes = []
    for c in chemins:
        try:
            textes.append(Path(c).read_bytes())
        except OSError:
            textes.append(b"")
    return empreinte_textes(textes)


def cle(dossier: Path, code: str, *autres: str) -> str:
    """Clé de cache d'un calcul sur le jeu ``dossier`` fait par le code d'empreinte ``code``."""
    return empreinte_textes([json.dumps(signature_fichiers(dossier)), code, *autres])


def chemin(espace: str, cle_: str, extension: str, prefixe: str = "") -> Path:
    """Fichier du cache ``{espace}/{prefixe-}{cle}.{extension}`` : espace et préfixe sont des
    identifiants, la clé une empreinte hexadécimale (jamais un nom venu d'ailleurs)."""
    if (not espace.isidentifier() or (prefixe and not prefixe.isidentifier())
            or not cle_ or not all(c in "0123456789abcdef" for c in cle_)):
        raise ValueError("espace, préfixe ou clé de cache invalide")
    return dossier_cache() / espace / f"{prefixe + '-' if prefixe else ''}{cle_}.{extension}"


def ecrire_atomique(cible: Path, ecrire) -> bool:
    """Appelle ``ecrire(chemin_temporaire)`` puis met le fichier en place d'un coup ; False en cas
    d'échec (le cache est facultatif)."""
    try:
        cible.parent.mkdir(parents=True, exist_ok=True)
        descripteur, temporaire = tempfile.mkstemp(prefix=".ecriture-", suffix=cible.suffix, dir=cible.parent)
        os.close(descripteur)
    except OSError as exc:
        journal.warning("Cache sur disque indisponible (%s) : %s", cible.parent, exc)
        return False
    try:
        ecrire(Path(temporaire))
        os.replace(temporaire, cible)
        return True
    except Exception as exc:  # un cache qui n'écrit pas ne doit rien casser
        journal.warning("Écriture du cache impossible (%s) : %s", cible, exc)
        with contextlib.suppress(OSError):
            os.unlink(temporaire)
        return False


def lire_json(espace: str, cle_: str) -> Any | None:
    fichier = chemin(espace, cle_, "json")  # nom invalide : ValueError, jamais avalée
    try:
        return json.loads(fichier.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ecrire_json(espace: str, cle_: str, donnees: Any) -> bool:
    texte = json.dumps(donnees, ensure_ascii=False, default=str)
    return ecrire_atomique(chemin(espace, cle_, "json"), lambda p: p.write_text(texte, encoding="utf-8"))
