"""Alertes de couverture d'un jeu partiel : seules les communes des départements du jeu sont regardées (règle
``communes_du_jeu()``) ; une commune hors du jeu n'est jamais un trou de couverture ni une commune éloignée.
Constats comparés à un recompte indépendant (Polars, fichiers et référentiel) ; jeu national inchangé."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from donnees import referentiel
from requetes import alertes
from requetes.indicateurs import annees_disponibles
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_extrait, dossier_demo_partage


@pytest.fixture(autouse=True)
def couverture_deduite(monkeypatch):
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory) -> dict[str, Path]:
    return {"national": dossier_demo_partage(tmp_path_factory),
            "bretagne": dossier_demo_extrait(tmp_path_factory, region="53"),
            "971": dossier_demo_extrait(tmp_path_factory, departement="971"),
            "29": dossier_demo_extrait(tmp_path_factory, departement="29")}


def attendu_alerte_1(dossier: Path, toutes: bool) -> dict[str, str]:
    """{commune: cas} recompté : communes (du référentiel, ou des départements des ML du jeu) sans ML ou à
    plusieurs ML."""
    communes = referentiel.communes()
    if not toutes:
        deps = pl.read_parquet(dossier / "missions_locales.parquet")["code_departement"].unique()
        communes = communes.filter(pl.col("code_departement").is_in(deps.implode()))
    n = pl.read_parquet(dossier / "territoires_ml.parquet").group_by("code_commune").agg(
        pl.col("code_ml").n_unique().alias("n"))
    j = communes.join(n, on="code_commune", how="left").filter(pl.col("n").is_null() | (pl.col("n") > 1))
    return dict(zip(j["code_commune"].to_list(),
                    ["non_couverte" if x is None else "chevauchement" for x in j["n"].to_list()]))


@pytest.mark.parametrize("zone", ["national", "bretagne", "971", "29"])
def test_alerte_1_sur_les_communes_du_jeu(dossiers, zone):
    jeu = JeuDeDonnees(dossiers[zone])
    annee = annees_disponibles(jeu)[-1]
    c = alertes.constats(jeu, annee, alertes=["communes_sans_ml"])
    obtenu = dict(zip(c["code_objet"].to_list(), c["cas"].to_list()))
    assert obtenu == attendu_alerte_1(dossiers[zone], toutes=zone == "national")


@pytest.mark.parametrize("zone", ["bretagne", "971", "29"])
def test_territoires_et_acces_dans_le_jeu(dossiers, zone):
    jeu = JeuDeDonnees(dossiers[zone])
    deps = set(pl.read_parquet(dossiers[zone] / "missions_locales.parquet")["code_departement"].to_list())
    regions = set(referentiel.departements().filter(pl.col("code_departement").is_in(list(deps)))
                  ["code_region"].to_list())
    assert set(alertes.territoires(jeu, "departement")["code"].to_list()) == deps
    assert set(alertes.territoires(jeu, "region")["code"].to_list()) == regions
    annee = annees_disponibles(jeu)[-1]
    eloignees = alertes.constats(jeu, annee, alertes=["acces_eloigne"])
    assert set(eloignees["code_departement"].to_list()) <= deps  # alerte 5 : communes du jeu seulement
    synthese = alertes.synthese(jeu, "departement", annee)
    assert set(synthese["code"].to_list()) == deps


def test_national_toutes_les_regions(dossiers):
    jeu = JeuDeDonnees(dossiers["national"])
    assert alertes.territoires(jeu, "region").height == 18
    assert alertes.territoires(jeu, "departement").height == 101
