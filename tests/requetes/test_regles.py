"""Règles métier écrites une seule fois (requetes/sql/regles/), testées une fois, employées partout.

« Accord en vigueur » était écrit dans six requêtes, et celle de la vue nationale
(vue_nationale_accords.sql) avait perdu la branche « pas de date de début = ouvert » que son propre
commentaire promettait : un accord signé sans date de début ni de signature n'y comptait pas, alors
qu'il comptait partout ailleurs.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest

from requetes.jeu import DOSSIER_REGLES, DOSSIER_SQL, JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal

D = date(2024, 12, 31)


@pytest.fixture(scope="module")
def jeu(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("regles"), jeu_minimal()))


@pytest.mark.parametrize("statut, debut, fin, attendu", [
    ("signe", date(2024, 1, 1), date(2025, 1, 1), True),
    ("signe", D, D, True),  # bornes incluses
    ("signe", None, None, True),  # bornes absentes : ouvertes
    ("signe", None, date(2025, 6, 30), True),
    ("signe", date(2020, 1, 1), None, True),
    ("signe", date(2025, 1, 1), None, False),  # pas encore commencé
    ("signe", date(2020, 1, 1), date(2024, 12, 30), False),  # terminé la veille
    ("en_negociation", None, None, False),
    ("echu", date(2020, 1, 1), None, False),
    ("denonce", None, None, False),
])
def test_accord_en_vigueur(jeu, statut, debut, fin, attendu):
    valeur = jeu.sql("SELECT accord_en_vigueur($s, $debut::DATE, $fin::DATE, $d::DATE) AS v",
                     {"s": statut, "debut": debut, "fin": fin, "d": D})["v"][0]
    assert valeur is attendu


def test_debut_accord_date_debut_a_defaut_signature(jeu):
    r = jeu.sql("SELECT debut_accord(DATE '2024-03-01', DATE '2024-01-15') AS a, "
                "debut_accord(NULL, DATE '2024-01-15') AS b, debut_accord(NULL, NULL) AS c").row(0)
    assert r == (date(2024, 3, 1), date(2024, 1, 15), None)


def test_la_regle_n_est_ecrite_qu_une_fois():
    """Aucune requête ne réécrit la règle : les bornes d'un accord (« fin IS NULL », « debut <= … ») et
    le début (coalesce(date_debut, date_signature)) ne s'écrivent que dans requetes/sql/regles/."""
    motifs = [r"date_fin\s+IS\s+NULL", r"fin\s+IS\s+NULL\s+OR", r"coalesce\(\s*\w*\.?date_debut\s*,\s*\w*\.?date_signature"]
    fautifs = []
    for f in sorted(DOSSIER_SQL.glob("*.sql")):
        code = "\n".join(ligne.split("--")[0] for ligne in f.read_text(encoding="utf-8").splitlines())
        fautifs += [f"{f.name} : {m}" for m in motifs if re.search(m, code, re.IGNORECASE)]
    assert not fautifs, fautifs
    regles = "\n".join(f.read_text(encoding="utf-8") for f in DOSSIER_REGLES.glob("*.sql"))
    assert "MACRO accord_en_vigueur" in regles and "MACRO debut_accord" in regles


def test_vue_nationale_et_page_accords_comptent_les_memes_ml(tmp_path):
    """Un accord signé sans date de début ni de signature, sans fin, est en vigueur : la vue nationale le
    compte comme la page Accords (avant : la vue nationale l'oubliait)."""
    tables = jeu_minimal()
    accords = tables["accords"]
    premier = accords["id_accord"][0]
    tables["accords"] = accords.with_columns(
        pl.when(pl.col("id_accord") == premier).then(pl.lit("signe")).otherwise(pl.col("statut")).alias("statut"),
        *[pl.when(pl.col("id_accord") == premier).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("date_debut", "date_signature", "date_fin")],
    )
    j = JeuDeDonnees(ecrire_jeu(tmp_path / "jeu", tables))
    en_vigueur = set(j.requete("accords_en_vigueur", {"date_reference": D})["id_accord"].to_list())
    assert premier in en_vigueur
    ml_attendues = set(tables["accords"].filter(pl.col("id_accord").is_in(list(en_vigueur)))["code_ml"].to_list())
    vue = j.requete("vue_nationale_accords", {"date_reference": D, "code_region": None})
    assert set(vue.filter(pl.col("en_vigueur"))["code_ml"].to_list()) == ml_attendues
