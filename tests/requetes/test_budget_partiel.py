"""Budget d'un jeu partiel (export d'une région, d'un département) : l'enveloppe, la valorisation annoncée, les
ETP prévus et le forfait sont des paramètres nationaux ; la somme des parts des ML de la zone n'est jamais
comparée à l'enveloppe nationale (ni « Écart à l'enveloppe » dans la décomposition, ni contrôle qui oppose un
paramètre national aux ML) ; les contrôles internes à la zone (ML face au forfait) et celui de l'accord avec
lui-même restent, aux mêmes nombres que sur le jeu national (recomptés à part sur les fichiers)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from presentation import budget as PB
from requetes import budget
from requetes.couverture import couverture
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


@pytest.mark.parametrize("zone", ["bretagne", "971"])
def test_aucun_ecart_a_l_enveloppe_nationale(dossiers, zone):
    jeu = JeuDeDonnees(dossiers[zone])
    assert couverture(jeu).partiel and not budget.rapprochable(jeu)
    annee = budget.annees(jeu)[-1]
    dec = budget.decomposition(jeu, annee)
    assert "ecart" not in dec["poste"].to_list()
    allocations = pl.read_parquet(dossiers[zone] / "allocations.parquet").filter(pl.col("annee") == annee)
    somme = float(allocations.select(pl.sum_horizontal(
        "valorisation_etp_eur", "subvention_compensatoire_eur", "credits_financiers_eur")).sum().item())
    total = dec.filter(pl.col("poste") == "total").row(0, named=True)
    assert total["montant_eur"] == pytest.approx(somme) and total["libelle"] == "Somme des parts des Missions Locales"
    rap = budget.rapprochement(jeu, annee)
    assert set(rap["controle"].to_list()) == {"accord", "valorisation_forfait", "subvention_forfait"}
    assert not set(rap["controle"].to_list()) & set(budget.CONTROLES_NATIONAUX)
    # les contrôles restants : mêmes nombres que ceux du jeu national restreints à la zone
    forfait = float(pl.read_parquet(dossiers[zone] / "enveloppe.parquet").filter(pl.col("annee") == annee)
                    ["forfait_etp_eur"].item())
    ligne = rap.filter(pl.col("controle") == "valorisation_forfait").row(0, named=True)
    assert ligne["reference"] == pytest.approx(float(allocations["etp_affectes"].sum()) * forfait)
    assert ligne["compare"] == pytest.approx(float(allocations["valorisation_etp_eur"].sum()))
    sim = budget.simuler(jeu, annee, budget.Scenario())
    assert "ecart" not in sim.decomposition["poste"].to_list()
    assert not set(sim.rapprochement["controle"].to_list()) & set(budget.CONTROLES_NATIONAUX)


def test_jeu_national_inchange(dossiers):
    jeu = JeuDeDonnees(dossiers["national"])
    assert budget.rapprochable(jeu)
    annee = budget.annees(jeu)[-1]
    assert "ecart" in budget.decomposition(jeu, annee)["poste"].to_list()
    assert set(budget.CONTROLES_NATIONAUX) <= set(budget.rapprochement(jeu, annee)["controle"].to_list())


def test_rapprocher_regle_pure():
    param = dict(enveloppe_totale_eur=1000.0, valorisation_etp_eur=90.0, etp_nationaux=2.0, forfait_etp_eur=45.0)
    allocations = pl.DataFrame({"code_ml": ["A"], "valorisation_etp_eur": [45.0], "subvention_compensatoire_eur": [0.0],
                                "credits_financiers_eur": [10.0], "etp_affectes": [1.0], "etp_compenses": [0.0]})
    national = budget.rapprocher(param, allocations)
    partiel = budget.rapprocher(param, allocations, national=False)
    assert national["controle"].to_list() == ["enveloppe", "accord", "valorisation_ml", "valorisation_agents",
                                              "valorisation_forfait", "subvention_forfait", "etp"]
    assert partiel["controle"].to_list() == ["accord", "valorisation_forfait", "subvention_forfait"]
    assert partiel.equals(national.filter(~pl.col("controle").is_in(budget.CONTROLES_NATIONAUX)))


def test_chiffres_cles_partiels():
    """Les paramètres sont dits nationaux ; la somme des parts de la zone n'a pas d'écart à l'enveloppe."""
    param = dict(enveloppe_totale_eur=49_100_000.0, valorisation_etp_eur=14_500_000.0, etp_nationaux=325.0,
                 forfait_etp_eur=45_000.0)
    allocations = pl.DataFrame({"part_eur": [2_000_000.0], "etp_affectes": [10.0], "etp_compenses": [5.0]})
    anomalies = pl.DataFrame({"montant_en_jeu_eur": []}, schema={"montant_en_jeu_eur": pl.Float64})
    rangees = PB.rangees_chiffres(param, allocations, anomalies, national=False)
    cartes = {c.libelle: c for r in rangees for c in r.cartes}
    assert {"Enveloppe nationale", "Valorisation nationale", "ETP prévus (national)",
            "Somme des parts des ML de la zone"} <= set(cartes)
    assert any(c.startswith("ETP prévus × ") and c.endswith("(national)") for c in cartes)
    assert cartes["Somme des parts des ML de la zone"].delta is None
    nationales = {c.libelle: c for r in PB.rangees_chiffres(param, allocations, anomalies) for c in r.cartes}
    assert nationales["Somme des parts des ML"].delta is not None  # jeu national : l'écart est montré
