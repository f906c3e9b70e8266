"""Aucune fonction Python n'est exécutée par Polars, nulle part dans le produit.

Pourquoi : une fonction Python passée à Polars (``map_elements``, ``map_batches``, ``pl.fold``…) est
exécutée par le pool de threads de Polars, qui doit alors reprendre le GIL. Quand plusieurs sessions
tournent en même temps (une salle de réunion entière), le thread d'une autre session qui tient le GIL
peut attendre ce même pool (conversion d'un tableau pour ``st.dataframe``, lecture d'un cache) : les
deux s'attendent l'un l'autre et le serveur se fige pour de bon (pola-rs/polars#26821). La règle qui
garde le serveur sûr : le pool de Polars n'exécute jamais de Python ; la mise en forme en Python se
fait après avoir sorti les valeurs de Polars (``presentation.format.textes``).

Ce test lit le code (arbre syntaxique) de tout le produit et échoue si un de ces appels revient.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
DOSSIERS_PRODUIT = ("donnees", "requetes", "cartes", "interface", "pages", "scripts", "rapports", "presentation")
FICHIERS_PRODUIT = ("tableau_de_bord.py",)

# Méthodes de Polars qui exécutent une fonction Python dans le pool de threads.
METHODES_INTERDITES = {
    "map_elements",  # Expr, Series
    "map_batches",  # Expr, pl.map_batches
    "map_groups",  # GroupBy, pl.map_groups
    "map_rows",  # DataFrame
    "rolling_map",  # Expr
    "register_io_source",  # source d'entrées Python
    "scan_pyarrow_dataset",  # lecture rappelée en Python
    "create_function",  # DuckDB : fonction Python appelée par les fils de DuckDB (même risque)
}
# Fonctions et types du module polars (``pl.<nom>``) qui font de même.
ATTRIBUTS_PL_INTERDITS = {"fold", "reduce", "cum_fold", "cum_reduce", "map_batches", "map_groups", "Object"}


def fichiers_produit() -> list[Path]:
    fichiers = [RACINE / f for f in FICHIERS_PRODUIT]
    for dossier in DOSSIERS_PRODUIT:
        if (RACINE / dossier).is_dir():
            fichiers.extend(sorted((RACINE / dossier).rglob("*.py")))
    return [f for f in fichiers if f.exists()]


def appels_interdits(source: str, nom: str = "<source>") -> list[str]:
    """Les lignes de ``source`` qui font exécuter du Python par Polars, « fichier:ligne : appel »."""
    arbre = ast.parse(source, filename=nom)
    alias_polars = {"polars"}
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            alias_polars |= {a.asname or a.name for a in noeud.names if a.name == "polars"}
    trouves = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Attribute):
            if noeud.attr in METHODES_INTERDITES:
                trouves.append(f"{nom}:{noeud.lineno} : .{noeud.attr}")
            elif (noeud.attr in ATTRIBUTS_PL_INTERDITS and isinstance(noeud.value, ast.Name)
                  and noeud.value.id in alias_polars):
                trouves.append(f"{nom}:{noeud.lineno} : {noeud.value.id}.{noeud.attr}")
        elif isinstance(noeud, ast.ImportFrom) and noeud.module == "polars":
            for a in noeud.names:
                if a.name in ATTRIBUTS_PL_INTERDITS:
                    trouves.append(f"{nom}:{noeud.lineno} : from polars import {a.name}")
    return trouves


def test_le_detecteur_reconnait_chaque_forme():
    """Le contrôle ci-dessous peut échouer : chaque forme interdite est bien reconnue."""
    exemples = {
        "pl.col('a').map_elements(str, return_dtype=pl.Utf8)": 1,
        "df.with_columns(pl.struct('a', 'b').map_batches(f))": 1,
        "df.group_by('a').map_groups(f)": 1,
        "df.map_rows(f)": 1,
        "pl.col('a').rolling_map(f, 3)": 1,
        "pl.fold(pl.lit(0), lambda a, b: a + b, pl.all())": 1,
        "pl.Series([object()], dtype=pl.Object)": 1,
        "from polars import fold": 1,
        "import polars as p\np.cum_reduce(f, p.all())": 1,
        "con.create_function('f', f)": 1,
        # Autorisés : Python hors de Polars, méthodes natives, reduce de functools, Styler de pandas.
        "[f(v) for v in df['a'].to_list()]": 0,
        "pl.col('a').cum_sum().over('b')": 0,
        "import functools\nfunctools.reduce(f, [1, 2])": 0,
        "df.style.apply(f, axis=None)": 0,
    }
    for source, attendu in exemples.items():
        assert len(appels_interdits("import polars as pl\n" + source)) == attendu, source


@pytest.mark.parametrize("fichier", fichiers_produit(), ids=lambda f: str(f.relative_to(RACINE)))
def test_aucune_fonction_python_dans_polars(fichier):
    trouves = appels_interdits(fichier.read_text(encoding="utf-8"), str(fichier.relative_to(RACINE)))
    assert not trouves, (
        "Fonction Python exécutée par Polars (risque de blocage du serveur avec plusieurs sessions, "
        "pola-rs/polars#26821) ; mettre en forme après avoir sorti les valeurs "
        "(presentation.format.textes) ou avec des expressions natives :\n" + "\n".join(trouves))


def test_le_produit_est_bien_parcouru():
    """Le contrôle porte sur tout le produit : pages, requêtes, cartes, interface, données."""
    noms = {str(f.relative_to(RACINE)) for f in fichiers_produit()}
    for attendu in ("tableau_de_bord.py", "pages/budget.py", "cartes/vue.py", "requetes/budget.py",
                    "presentation/format.py", "donnees/valider.py"):
        assert attendu in noms
