"""Carte d'un jeu partiel : seuls les territoires du jeu sont dessinés et comptés, la carte est cadrée sur eux,
et les départements hors du jeu sont dessinés en contexte neutre (non cliquables, sans valeur) ; aucune commune
hors du jeu dans la couche des communes sans Mission Locale. Jeu national : ni contexte, ni cadrage changés."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cartes import drom, vue
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_extrait, dossier_demo_partage


@pytest.fixture(autouse=True)
def couverture_deduite(monkeypatch):
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory) -> dict[str, Path]:
    return {"national": dossier_demo_partage(tmp_path_factory),
            "bretagne": dossier_demo_extrait(tmp_path_factory, region="53"),
            "971": dossier_demo_extrait(tmp_path_factory, departement="971")}


@pytest.mark.parametrize(("zone", "departements"), [("bretagne", {"22", "29", "35", "56"}), ("971", {"971"})])
@pytest.mark.parametrize("mode", ["indicateur", "alertes"])
def test_carte_de_la_zone(dossiers, zone, departements, mode):
    jeu = JeuDeDonnees(dossiers[zone])
    if mode == "indicateur":
        v = vue.vue_indicateur(jeu, 2025, "departement", "taux_neet", "quantiles", 5)
    else:
        v = vue.vue_alertes(jeu, 2025, "departement")
    assert set(v.territoires["code"].to_list()) == departements
    assert v.bornes != drom.BORNES_FRANCE_CARTE  # cadrée sur la zone
    contextes = [a for t, a in v.couches if t == "contours" and a.get("couleur") == vue.BORDURE_HORS_JEU]
    assert len(contextes) == 1
    hors = {f["properties"]["code"] for f in json.loads(contextes[0]["donnees"])["features"]}
    assert not hors & departements and len(hors) == 101 - len(departements)
    assert not contextes[0].get("infobulle")  # ni survol ni clic
    assert (vue.COULEUR_HORS_JEU, vue.LIBELLE_HORS_JEU) in v.surfaces_legende
    for t, a in v.couches:  # aucune commune sans ML hors du jeu
        if a.get("couleur") == vue.COULEUR_NON_COUVERT and t == "contours":
            codes = {f["properties"]["code"] for f in json.loads(a["donnees"])["features"]}
            assert codes <= departements


def test_national_sans_contexte(dossiers):
    jeu = JeuDeDonnees(dossiers["national"])
    v = vue.vue_indicateur(jeu, 2025, "departement", "taux_neet", "quantiles", 5)
    assert v.bornes == drom.BORNES_FRANCE_CARTE and v.territoires.height == 101
    assert all(a.get("couleur") != vue.BORDURE_HORS_JEU for _, a in v.couches)
    assert vue.contexte_hors_jeu(jeu) is None


def test_detail_et_zooms(dossiers):
    jeu = JeuDeDonnees(dossiers["bretagne"])
    d = vue.detail(jeu, 2025, "departement", "29")
    assert d.reference == "Zone couverte (Bretagne)"
    assert "Zone couverte (Bretagne)" in vue.tableau_indicateurs_detail(d).columns
    zooms = vue.territoires_zoom(jeu)
    deps = {c.split(":")[1] for c in zooms["cle"].to_list() if c.startswith("departement:")}
    assert deps == {"22", "29", "35", "56"}
    assert pl.Series(zooms["code_region"]).unique().to_list() == ["53"]
