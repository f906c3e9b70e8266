"""Cache sur disque des calculs faits une fois par jeu de données : le rapport de validation et les
tables dérivées (cubes de mesures). Sans lui, chaque démarrage du serveur revaliderait les millions de
lignes d'orientations et recalculerait les cubes avant d'afficher la première page.

- Dossier : la variable d'environnement ``TDB_CACHE`` si elle est définie, sinon
  ``donnees_locales/cache`` (ignoré par git). On peut le vider à tout moment : il se reconstruit.
- Clé : ce qui décide du résultat, et rien d'autre — pour chaque fichier Parquet du dossier du jeu, son
  nom, sa taille et sa date de modification (un export remplacé change de clé), plus une empreinte du
  code qui calcule (validateur, contrat, requêtes SQL, référentiel) : une mise à jour du tableau de bord
  n'emploie jamais un résultat calculé par l'ancien code. Le chemin du dossier n'en fait pas partie :
  une version importée, validée dans un dossier temporaire puis renommée, garde sa clé.
- Écriture atomique (fichier temporaire voisin puis ``os.replace``) : deux processus qui calculent en
  même temps ne laissent jamais un fichier à moitié écrit ; le dernier arrivé remplace l'autre à
  l'identique.
- Un cache illisible ou impossible à écrire (disque plein, dossier en lecture seule) n'empêche rien :
  on recalcule, et l'on ne fait que perdre le gain de temps.
- Seuls des formats de données sont lus (JSON, Parquet) : rien n'y est jamais exécuté ni désérialisé
  en objets Python arbitraires.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_DEFAUT = RACINE / "donnees_locales" / "cache"

journal = logging.getLogger(__name__)


def dossier_cache() -> Path:
    """Le dossier du cache (``TDB_CACHE`` ou ``donnees_locales/cache``)."""
    env = os.environ.get("TDB_CACHE")
    return Path(env) if env else DOSSIER_DEFAUT


def signature_fichiers(dossier: Path) -> list[tuple[str, int, int]]:
    """(nom, taille, date de modification en ns) de chaque fichier ``.parquet`` du dossier, triés."""
    morceaux = []
    try:
        entrees = sorted(Path(dossier).iterdir())
    except OSError:
        return []
    for p in entrees:
        if p.suffix.lower() != ".parquet":
            continue
        try:
            etat = p.stat()
        except OSError:
            continue
        morceaux.append((p.name, etat.st_size, etat.st_mtime_ns))
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
    except Exception as exc:  # noqa: BLE001 — un cache qui n'écrit pas ne doit rien casser
        journal.warning("Écriture du cache impossible (%s) : %s", cible, exc)
        try:
            os.unlink(temporaire)
        except OSError:
            pass
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
