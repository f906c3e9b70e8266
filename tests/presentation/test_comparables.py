"""« Territoires comparables » (presentation/comparables.py), sans Streamlit : le tableau des voisins mis en
forme à la française (formats écrits en toutes lettres, puis comparés à un calcul Polars indépendant sur les
voisins réels du jeu minimal), les libellés de son fichier."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from presentation import comparables as P
from presentation import format as fmt
from requetes import comparaison as C
from requetes import indicateurs as I
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)
SCHEMA = {"code": pl.Utf8, "nom": pl.Utf8, "code_region": pl.Utf8, "population_16_25": pl.Float64,
          "taux_neet": pl.Float64, "de_moins_26_pour_1000": pl.Float64, "densite": pl.Float64,
          "population": pl.Float64, "superficie_km2": pl.Float64, "distance": pl.Float64, "proximite": pl.Int64}


def voisins(lignes: list[tuple]) -> pl.DataFrame:
    """(code, nom, jeunes, NEET, DE ‰, densité, distance, proximité) → forme de ``comparables``."""
    return pl.DataFrame([{"code": c, "nom": n, "code_region": "53", "population_16_25": j, "taux_neet": t,
                          "de_moins_26_pour_1000": d, "densite": h, "population": None, "superficie_km2": None,
                          "distance": x, "proximite": p} for c, n, j, t, d, h, x, p in lignes], schema=SCHEMA)


def test_tableau_en_toutes_lettres():
    v = voisins([
        ("29", "Finistère", 98_765.4, 10.55, 123.45, 136.5, 0.0, 0),
        ("ML1", "Mission Locale <b>d'Ici</b>", 1234.0, 9.0, 0.0, 9.95, 0.125, 1),
        ("2A", "Corse-du-Sud", None, None, None, None, 1.0, 2),
        ("56", "Morbihan", 5.0, 100.0, 1000.0, 10.0, 12.3456, 3),
    ])
    t = P.tableau(v)
    assert t.columns == ["Territoire", "Code", "Jeunes de 16 à 25 ans", "Taux de NEET",
                         "DE < 26 ans pour 1 000 jeunes", "Densité (hab./km²)", "Distance"]
    assert t.rows() == [
        ("➤ Finistère", "29", f"98{F}765", f"10,6{E}%", f"123,5{E}‰", "137", "référence"),
        ("Mission Locale <b>d'Ici</b>", "ML1", f"1{F}234", f"9,0{E}%", f"0,0{E}‰", "10,0", "0,13"),  # tel quel
        ("Corse-du-Sud", "2A", "—", "—", "—", "—", "1,00"),
        ("Morbihan", "56", "5", f"100,0{E}%", f"1{F}000,0{E}‰", "10", "12,35"),
    ]
    assert t.schema == dict.fromkeys(t.columns, pl.Utf8)


def test_petits_textes():
    assert P.densite(9.94) == "9,9" and P.densite(10) == "10" and P.densite(None) == "—"
    assert P.distance(0.0, 0) == "référence" and P.distance(0.004, 1) == "0,00" and P.distance(None, 2) == "—"
    assert "Pour comparer ce qui est comparable." in P.INTRODUCTION
    assert "Pour comparer" not in P.INTRODUCTION_COURTE
    assert all(v.libelle in P.AIDE for v in C.VARIABLES_CONTEXTE)
    assert P.PERIMETRES == {"france": "Partout", "region": "Même région"}


def test_tableau_vide():
    t = P.tableau(voisins([]))
    assert t.is_empty() and t.width == 7


@pytest.fixture(scope="module")
def jeu(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("comparables"), jeu_minimal()))


@pytest.mark.parametrize("maille", ["region", "departement"])
def test_voisins_reels_egaux_au_calcul_independant(jeu, maille):
    """Les voisins réels (requetes.comparaison.comparables) : le tableau est celui d'un calcul indépendant,
    ligne à ligne, dans le même ordre ; le fichier a un en-tête français pour chaque colonne."""
    annee = max(I.annees_disponibles(jeu))
    premier = C.territoires(jeu, maille)["code"][0]
    v = C.comparables(jeu, maille, premier, annee, nombre=5)
    assert v.height > 1
    attendu = pl.DataFrame(
        [{"Territoire": ("➤ " if r["proximite"] == 0 else "") + r["nom"], "Code": r["code"],
          "Jeunes de 16 à 25 ans": fmt.nombre(r["population_16_25"]),
          "Taux de NEET": fmt.pourcentage(r["taux_neet"]),
          "DE < 26 ans pour 1 000 jeunes": fmt.pour_mille(r["de_moins_26_pour_1000"]),
          "Densité (hab./km²)": fmt.nombre(r["densite"], 1 if (r["densite"] or 0) < 10 else 0),
          "Distance": "référence" if r["proximite"] == 0 else fmt.nombre(r["distance"], 2)}
         for r in v.iter_rows(named=True)])
    assert_frame_equal(P.tableau(v), attendu)
    assert P.tableau(v)["Territoire"][0] == "➤ " + v["nom"][0]
    assert set(v.columns) <= set(P.LIBELLES_EXPORT)
