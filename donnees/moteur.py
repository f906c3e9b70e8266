"""Connexions DuckDB du tableau de bord, toutes bornées en mémoire et en fils d'exécution.

Sans réglage, DuckDB prend jusqu'à 80 % de la mémoire vive **par connexion** et un fil par cœur : le
serveur en ouvre plusieurs à la fois (un jeu en service, parfois le suivant, la validation d'un import,
le contrôle d'une autre session…), qui pourraient ensemble épuiser la machine. Toute connexion du
produit passe donc par ``connexion()`` :

- ``TDB_DUCKDB_MEMOIRE_MO`` : mémoire maximale d'une connexion, en Mo (1 Mo = 1 048 576 octets,
  décimales permises : « 1,5 ») ; par défaut le quart de la mémoire disponible (mémoire de la machine,
  ou plafond du conteneur s'il est plus bas), entre 512 Mo et 4 096 Mo. Au-delà, DuckDB écrit ses
  résultats intermédiaires sur disque (dossier temporaire) quand il le peut, sinon la requête échoue
  (« Out of Memory ») : le contrôle d'un import est alors refusé, sans rien changer ;
- ``TDB_DUCKDB_THREADS`` : fils d'exécution d'une connexion ; par défaut le nombre de cœurs que le
  processus a le droit d'utiliser.

Une valeur illisible, nulle ou négative remet la valeur par défaut.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import duckdb

Mo = 1024 * 1024
MEMOIRE_MIN_MO = 512
MEMOIRE_MAX_DEFAUT_MO = 4096
FRACTION_MEMOIRE = 0.25


def _memoire_disponible() -> int | None:
    """Octets de mémoire vive utilisables : la mémoire de la machine, ou le plafond du conteneur
    (cgroup v2 ``memory.max`` ou v1 ``memory.limit_in_bytes``) s'il est plus bas ; None si inconnue."""
    candidats = []
    with contextlib.suppress(ValueError, OSError, AttributeError):
        candidats.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    for fichier in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            texte = Path(fichier).read_text(encoding="ascii").strip()
        except OSError:
            continue
        if texte.isdigit() and 0 < int(texte) < 1 << 60:  # « max » ou valeur géante : pas de plafond
            candidats.append(int(texte))
    candidats = [c for c in candidats if c > 0]
    return min(candidats) if candidats else None


def coeurs() -> int:
    """Cœurs que le processus peut utiliser (affinité), sinon ceux de la machine."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def memoire_par_defaut_mo() -> int:
    """Le quart de la mémoire disponible, borné à [512 Mo, 4 096 Mo] (4 096 Mo si elle est inconnue)."""
    disponible = _memoire_disponible()
    if disponible is None:
        return MEMOIRE_MAX_DEFAUT_MO
    return int(min(max(disponible * FRACTION_MEMOIRE / Mo, MEMOIRE_MIN_MO), MEMOIRE_MAX_DEFAUT_MO))


def _nombre_env(nom: str) -> float | None:
    try:
        valeur = float(os.environ.get(nom, "").strip().replace(",", "."))
    except ValueError:
        return None
    return valeur if valeur > 0 and valeur == valeur and valeur != float("inf") else None


def memoire_mo() -> int:
    """Mémoire maximale d'une connexion DuckDB, en Mo (``TDB_DUCKDB_MEMOIRE_MO`` ou la valeur par défaut)."""
    valeur = _nombre_env("TDB_DUCKDB_MEMOIRE_MO")
    return max(int(valeur), 1) if valeur is not None else memoire_par_defaut_mo()


def fils() -> int:
    """Fils d'exécution d'une connexion DuckDB (``TDB_DUCKDB_THREADS`` ou le nombre de cœurs)."""
    valeur = _nombre_env("TDB_DUCKDB_THREADS")
    return max(int(valeur), 1) if valeur is not None else coeurs()


def reglages() -> dict[str, str | int]:
    """La configuration DuckDB appliquée à chaque connexion."""
    return {"memory_limit": f"{memoire_mo()}MiB", "threads": fils()}


def connexion(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Une connexion DuckDB bornée (``memory_limit`` et ``threads`` : voir l'en-tête du module), barre de
    progression coupée. Les curseurs (``con.cursor()``) partagent la base, donc ses limites."""
    con = duckdb.connect(database=database, read_only=read_only, config=reglages())
    con.execute("SET enable_progress_bar = false")
    return con
