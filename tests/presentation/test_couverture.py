"""Le périmètre du jeu en mots (presentation.couverture) : libellés de la zone, référence des comparaisons,
phrase de l'en-tête, options du filtre région, et adaptation des textes, tableaux et figures (« France » →
zone couverte) sur un jeu partiel, sans rien changer pour un jeu national."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import polars as pl
import pytest

from donnees import referentiel
from presentation import couverture as P
from requetes.couverture import Couverture


def couverture(departements: list[str]) -> Couverture:
    """Une couverture fabriquée à partir de départements (régions et régions complètes déduites du
    référentiel, comme requetes.couverture)."""
    deps = referentiel.departements()
    par = deps.filter(pl.col("code_departement").is_in(departements))
    regions = sorted(set(par["code_region"].to_list()))
    completes = tuple(r for r in regions if set(deps.filter(pl.col("code_region") == r)["code_departement"].to_list())
                      <= set(departements))
    return Couverture(len(regions) == 18, tuple(regions), tuple(sorted(departements)), completes,
                      tuple(zip(par["code_departement"].to_list(), par["code_region"].to_list())))


BRETAGNE = couverture(["22", "29", "35", "56"])
GUADELOUPE = couverture(["971"])
FINISTERE = couverture(["29"])
NATIONAL = couverture(referentiel.departements()["code_departement"].to_list())


@pytest.mark.parametrize(("c", "libelle", "court", "reference"), [
    (NATIONAL, "France entière", "France entière", "France"),
    (BRETAGNE, "Bretagne", "Bretagne", "Zone couverte (Bretagne)"),
    (GUADELOUPE, "Guadeloupe (département 971)", "Guadeloupe", "Zone couverte (Guadeloupe)"),
    (FINISTERE, "Finistère (département 29)", "Finistère", "Zone couverte (Finistère)"),
    (couverture(["22", "29"]), "Côtes-d'Armor (22) et Finistère (29)", "Côtes-d'Armor et Finistère",
     "Zone couverte (Côtes-d'Armor et Finistère)"),
    (couverture(["22", "29", "35", "56", "14", "27", "50", "61", "76"]), "Bretagne et Normandie",
     "Bretagne et Normandie", "Zone couverte (Bretagne et Normandie)"),
    (couverture(["22", "29", "35", "56", "971"]), "Bretagne et Guadeloupe (département 971)", "Bretagne et Guadeloupe",
     "Zone couverte (Bretagne et Guadeloupe)"),
])
def test_libelles(c, libelle, court, reference):
    assert (P.libelle(c), P.libelle_court(c), P.reference(c)) == (libelle, court, reference)
    assert P.phrase(c) == f"Ce jeu couvre : {libelle}."


def test_libelle_region_et_notes():
    assert P.libelle_region(BRETAGNE, "53", "Bretagne") == "Bretagne"
    assert P.libelle_region(FINISTERE, "53", "Bretagne") == "Finistère (département 29)"
    assert P.libelle_region(GUADELOUPE, "01", "Guadeloupe") == "Guadeloupe (département 971)"
    assert P.libelle_region(NATIONAL, "53", "Bretagne") == "Bretagne"
    assert P.note_comparaisons(NATIONAL) is None and P.note_budget(NATIONAL) is None
    assert "pas sur la France" in P.note_comparaisons(BRETAGNE)
    assert "Aucun écart à l'enveloppe nationale" in P.note_budget(GUADELOUPE)
    assert P.comparer(NATIONAL, NATIONAL) is None and P.comparer(None, BRETAGNE) is None
    assert P.comparer(NATIONAL, BRETAGNE) == ("La version en service couvre France entière ; la nouvelle ne couvre "
                                              "que Bretagne.")
    assert P.comparer(BRETAGNE, NATIONAL) == "La version en service couvre Bretagne ; la nouvelle couvre France entière."


@pytest.mark.parametrize(("texte", "attendu"), [
    ("Écart à la France", "Écart à la zone couverte"),
    ("Mieux que la France", "Mieux que la zone couverte"),
    ("France", "Zone couverte (Bretagne)"),
    ("France : 62,0 %", "Zone couverte (Bretagne) : 62,0 %"),
    ("Agence France Travail de Brest", "Agence France Travail de Brest"),
    ("Part du national (%)", "Part de la zone couverte (%)"),
    ("3,2 % du total national", "3,2 % du total de la zone couverte"),
    ("sous 50 % de la médiane nationale des ML", "sous 50 % de la médiane de la zone couverte des ML"),
    ("Tout le pays : France entière", "Tout le pays : Bretagne"),
])
def test_adapter_texte(texte, attendu):
    assert P.adapter(texte, BRETAGNE) == attendu
    assert P.adapter(texte, NATIONAL) == texte  # jeu national : rien ne change
    assert P.adapter(texte, None) == texte


def test_adapter_tableaux_et_figures():
    df = pl.DataFrame({"nom": ["France", "Finistère", "France Travail"], "Écart à la France": [1.0, 2.0, 3.0],
                       "Par rapport à la France": ["Mieux que la France", "Comme la France", None]})
    a = P.adapter(df, BRETAGNE)
    assert a.columns == ["nom", "Écart à la zone couverte", "Par rapport à la zone couverte"]
    assert a["nom"].to_list() == ["Zone couverte (Bretagne)", "Finistère", "France Travail"]
    assert a["Par rapport à la zone couverte"].to_list() == ["Mieux que la zone couverte", "Comme la zone couverte", None]
    assert P.adapter(df, NATIONAL) is df
    pdf = pd.DataFrame({"Règle": ["médiane nationale"], "n": [1]})
    assert P.adapter(pdf, BRETAGNE)["Règle"].tolist() == ["médiane de la zone couverte"]
    fig = go.Figure(go.Scatter(x=[1], y=[1], name="France : 12 %"))
    fig.add_annotation(text="France", x=1, y=1)
    copie = P.adapter(fig, BRETAGNE)
    assert copie.data[0].name == "Zone couverte (Bretagne) : 12 %"
    assert copie.layout.annotations[0].text == "Zone couverte (Bretagne)"
    assert fig.data[0].name == "France : 12 %"  # la figure d'origine (partagée par un cache) n'est pas touchée
    assert P.adapter(((1.0, "France"), {"x": "la France"}), BRETAGNE) == (
        (1.0, "Zone couverte (Bretagne)"), {"x": "la zone couverte"})
