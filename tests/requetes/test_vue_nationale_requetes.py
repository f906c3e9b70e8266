"""requetes/vue_nationale.py sur le jeu minimal (valeurs connues à la main) et sur des variantes."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from requetes import vue_nationale as vn
from requetes.jeu import JeuDeDonnees
from requetes.mesures import ErreurRequete
from tests.fabrique import FORFAIT, ecrire_jeu, jeu_minimal


def _jeu(tmp_path, tables=None) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path / "jeu", tables or jeu_minimal()))


def test_chiffres_cles_france(tmp_path):
    c = vn.chiffres_cles(_jeu(tmp_path), 2024)
    # table enveloppe
    assert c["enveloppe_totale"].valeur == 387_500.0
    assert c["valorisation_forfaitaire"].valeur == 3.5 * FORFAIT
    assert c["ecart_valorisation"].valeur == 0.0
    assert c["objectif_national"].valeur == 400
    # registre : MLA 2 ETP affectés, MLB 0 ; orientations ft_vers_ml 12 mois × (20+10+12)
    assert c["etp_affectes"].valeur == 2.0
    assert c["orientes_ft_ml"].valeur == 12 * 42
    assert c["entrees_delegation"].valeur == 12 * (15 + 6 + 6)
    assert c["objectif_entrees"].valeur == 400
    assert c["atteinte_objectif"].valeur == pytest.approx(100 * 12 * 27 / 400)
    assert c["taux_acceptation"].valeur == pytest.approx(100 * 12 * 35 / (12 * 42))
    assert c["part_ml_accord"].valeur == 50.0  # MLA seule a un accord en vigueur fin 2024
    assert c["jeunes_accompagnes"].valeur == 1200 + 900
    # l'année précédente est présente
    assert c["orientes_ft_ml"].precedente == 12 * 42


def test_chiffres_cles_region(tmp_path):
    c = vn.chiffres_cles(_jeu(tmp_path), 2024, "01")  # Guadeloupe : MLB seule
    assert c["nb_ml"].valeur == 1
    assert c["etp_affectes"].valeur == 0.0 and c["etp_compenses"].valeur == 1.0
    assert c["enveloppe_ml"].valeur == FORFAIT + 80_000
    assert c["orientes_ft_ml"].valeur == 12 * 12
    assert c["atteinte_objectif"].valeur == pytest.approx(100 * 12 * 6 / 100)
    assert c["enveloppe_totale"].valeur == 387_500.0  # paramètre national, gardé
    assert "atteinte_objectif_national" not in c and "part_repartie" not in c


def test_premiere_annee_sans_precedente(tmp_path):
    c = vn.chiffres_cles(_jeu(tmp_path), 2023)
    assert all(ch.precedente is None for ch in c.values())


@pytest.mark.parametrize(("annee", "region"), [(1999, None), (2024, "99")])
def test_demandes_invalides(tmp_path, annee, region):
    with pytest.raises(ErreurRequete):
        vn.chiffres_cles(_jeu(tmp_path), annee, region)


def test_points_attention_jeu_minimal(tmp_path):
    points = {p.cle: p for p in vn.points_attention(_jeu(tmp_path), 2024)}
    assert set(points) == {"objectif", "pertes_agent", "accords", "entonnoir"}
    assert points["objectif"].niveau == "alerte"
    assert points["objectif"].detail["nom"].to_list() == ["Guadeloupe", "Bourgogne-Franche-Comté"]  # du pire au moins mauvais
    assert points["pertes_agent"].niveau == "info"
    assert points["accords"].valeurs["n"] == (1, "nombre")
    assert points["accords"].valeurs["expires"] == (1, "nombre")
    e = points["entonnoir"].valeurs
    assert e["orientes"][0] == 504 and e["refuses"][0] == 504 - 12 * 35 and e["perdus"][0] == 504 - 12 * 27
    assert all(p.regle for p in points.values())
    # les alertes d'abord
    niveaux = [p.niveau for p in vn.points_attention(_jeu(tmp_path), 2024)]
    assert niveaux == sorted(niveaux, key=lambda n: n != "alerte")


def test_ml_qui_perd_son_agent(tmp_path):
    tables = jeu_minimal()
    tables["allocations"] = tables["allocations"].with_columns(
        pl.when((pl.col("code_ml") == "MLA") & (pl.col("annee") == 2024)).then(0.0)
        .otherwise(pl.col("etp_affectes")).alias("etp_affectes"))
    points = {p.cle: p for p in vn.points_attention(_jeu(tmp_path, tables), 2024)}
    p = points["pertes_agent"]
    assert p.niveau == "alerte"
    assert p.valeurs["n"] == (1, "nombre") and p.valeurs["total"] == (1, "nombre")
    assert p.valeurs["part"] == (100.0, "%")
    assert p.detail["code_ml"].to_list() == ["MLA"]
    # pas d'année précédente : pas de point
    assert "pertes_agent" not in {q.cle for q in vn.points_attention(_jeu(tmp_path, tables), 2023)}


def test_accord_signe_echu_par_sa_date(tmp_path):
    tables = jeu_minimal()
    tables["accords"] = tables["accords"].with_columns(
        pl.when(pl.col("id_accord") == "AC1").then(pl.lit(date(2024, 6, 30))).otherwise(pl.col("date_fin"))
        .alias("date_fin"))
    p = {q.cle: q for q in vn.points_attention(_jeu(tmp_path, tables), 2024)}["accords"]
    assert p.valeurs["n"] == (2, "nombre") and p.valeurs["expires"] == (2, "nombre")
    p = {q.cle: q for q in vn.points_attention(_jeu(tmp_path, tables), 2023, "27")}["accords"]
    assert p.niveau == "info" and p.valeurs["total"] == (1, "nombre")  # en vigueur fin 2023
