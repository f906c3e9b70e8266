"""Connexions DuckDB bornées (donnees/moteur.py) : mémoire et fils réglables (TDB_DUCKDB_MEMOIRE_MO,
TDB_DUCKDB_THREADS), appliqués à toute connexion du produit — jeu en service, validation, import."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from donnees import moteur, valider
from requetes import jeu as module_jeu

RACINE = Path(__file__).resolve().parents[2]


def _reglages(con) -> tuple[str, int]:
    return tuple(con.execute("SELECT current_setting('memory_limit'), current_setting('threads')").fetchall()[0])


def test_reglages_appliques(monkeypatch):
    monkeypatch.setenv("TDB_DUCKDB_MEMOIRE_MO", "700")
    monkeypatch.setenv("TDB_DUCKDB_THREADS", "1")
    con = moteur.connexion()
    try:
        assert _reglages(con) == ("700.0 MiB", 1)
        assert _reglages(con.cursor()) == ("700.0 MiB", 1)  # les curseurs partagent la base
    finally:
        con.close()


def test_valeurs_par_defaut_et_valeurs_illisibles(monkeypatch):
    for valeur in (None, "", "beaucoup", "0", "-5", "nan", "inf"):
        if valeur is None:
            monkeypatch.delenv("TDB_DUCKDB_MEMOIRE_MO", raising=False)
            monkeypatch.delenv("TDB_DUCKDB_THREADS", raising=False)
        else:
            monkeypatch.setenv("TDB_DUCKDB_MEMOIRE_MO", valeur)
            monkeypatch.setenv("TDB_DUCKDB_THREADS", valeur)
        assert moteur.memoire_mo() == moteur.memoire_par_defaut_mo(), valeur
        assert moteur.fils() == moteur.coeurs(), valeur
    # par défaut : le quart de la mémoire, entre 512 Mo et 4 Go ; bien moins que les 80 % de DuckDB
    assert moteur.MEMOIRE_MIN_MO <= moteur.memoire_par_defaut_mo() <= moteur.MEMOIRE_MAX_DEFAUT_MO
    monkeypatch.setenv("TDB_DUCKDB_MEMOIRE_MO", "1,5")
    assert moteur.memoire_mo() == 1
    monkeypatch.setenv("TDB_DUCKDB_MEMOIRE_MO", "2048")
    con = moteur.connexion()
    try:
        assert _reglages(con)[0] == "2.0 GiB"
    finally:
        con.close()


def test_memoire_par_defaut_bornee(monkeypatch):
    monkeypatch.setattr(moteur, "_memoire_disponible", lambda: 24 * 1024 ** 3)
    assert moteur.memoire_par_defaut_mo() == 4096
    monkeypatch.setattr(moteur, "_memoire_disponible", lambda: 8 * 1024 ** 3)
    assert moteur.memoire_par_defaut_mo() == 2048
    monkeypatch.setattr(moteur, "_memoire_disponible", lambda: 1024 ** 3)
    assert moteur.memoire_par_defaut_mo() == 512
    monkeypatch.setattr(moteur, "_memoire_disponible", lambda: None)
    assert moteur.memoire_par_defaut_mo() == 4096


def test_jeu_et_validation_bornes(monkeypatch, dossier_minimal):
    monkeypatch.setenv("TDB_DUCKDB_MEMOIRE_MO", "640")
    monkeypatch.setenv("TDB_DUCKDB_THREADS", "1")
    jeu = module_jeu.JeuDeDonnees(dossier_minimal)
    assert jeu.sql("SELECT current_setting('memory_limit') AS m, current_setting('threads') AS t").row(0) == (
        "640.0 MiB", 1)
    validation = valider._Validation({})
    try:
        assert _reglages(validation.con) == ("640.0 MiB", 1)
    finally:
        validation.con.close()


@pytest.mark.parametrize("dossier", ["donnees", "requetes", "presentation", "cartes", "interface", "pages"])
def test_aucune_connexion_sans_bornes(dossier):
    """Toute connexion du produit passe par ``moteur.connexion()`` (sinon 80 % de la mémoire chacune)."""
    motif = re.compile(r"duckdb\s*\.\s*(connect|sql|query|execute|read_\w+|default_connection)\b")
    fautifs = []
    for chemin in sorted((RACINE / dossier).rglob("*.py")):
        if chemin == RACINE / "donnees" / "moteur.py":
            continue
        for i, ligne in enumerate(chemin.read_text(encoding="utf-8").splitlines(), 1):
            if motif.search(ligne) and not ligne.lstrip().startswith("#"):
                fautifs.append(f"{chemin.relative_to(RACINE)}:{i}: {ligne.strip()}")
    assert not fautifs, "\n".join(fautifs)
