"""Chaque indicateur du registre, à chaque maille, comparé à un calcul indépendant en Polars lu
directement dans les fichiers Parquet (tests/requetes/reference_polars.py) : jeu minimal, jeu varié et
jeu de démonstration (donnees/demo.py, généré une fois par session)."""

from __future__ import annotations

import importlib.util
from datetime import date

import polars as pl
import pytest

from donnees import referentiel
from requetes import indicateurs as I
from requetes import mesures as M
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.requetes.jeux_indicateurs import jeu_varie
from tests.requetes.reference_polars import NATURES, Reference, comparer

CLES = ["code", "indicateur"]


def _jeu_et_reference(dossier):
    return JeuDeDonnees(dossier), Reference(dossier, referentiel.fichiers_tabulaires())


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    return _jeu_et_reference(ecrire_jeu(tmp_path_factory.mktemp("ref_minimal"), jeu_minimal()))


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    return _jeu_et_reference(ecrire_jeu(tmp_path_factory.mktemp("ref_varie"), jeu_varie()))


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    if importlib.util.find_spec("donnees.demo") is None:
        pytest.skip("donnees/demo.py n'existe pas encore : contrôle sur le jeu de démonstration non fait")
    from donnees import demo as module_demo

    dossier = tmp_path_factory.mktemp("ref_demo")
    module_demo.generer(dossier)
    return _jeu_et_reference(dossier)


def test_natures_de_reference_egales_aux_natures_declarees():
    assert {n: m.nature for n, m in M.MESURES.items()} == NATURES


def _verifier_tout(jeu, ref, periodes, contexte):
    for maille in I.MAILLES:
        for debut, fin in periodes:
            obtenu = I.valeurs(jeu, maille, debut, annee_fin=fin)
            assert set(obtenu["maille"]) == {maille}
            attendu = ref.indicateurs(maille, debut, fin, I.REGISTRE)
            comparer(obtenu.drop("maille"), attendu, CLES, f"{contexte} {maille} {debut}-{fin}")


def _verifier_series(jeu, ref, contexte):
    for maille in I.MAILLES:
        obtenu = I.serie_annuelle(jeu, maille)
        attendu = pl.concat([
            ref.indicateurs(maille, a, a, I.REGISTRE).with_columns(pl.lit(a, dtype=pl.Int64).alias("annee"))
            for a in ref.annees
        ])
        comparer(obtenu.drop("maille"), attendu, ["annee", *CLES], f"{contexte} série {maille}")


def _verifier_mensuel(jeu, ref, contexte):
    """Séries mensuelles (mesures brutes) contre un calcul direct sur orientations et activité."""
    o = ref.orientations.join(ref.ml.select("code_ml", "code_departement"), on="code_ml")
    a = ref.activite.join(ref.ml.select("code_ml", "code_departement"), on="code_ml")
    dep = sorted(set(ref.ml["code_departement"]))[0]
    attendu = pl.concat([
        o.filter((pl.col("code_departement") == dep) & (pl.col("sens") == "ft_vers_ml"))
        .group_by("mois").agg(pl.col("entres").sum().cast(pl.Float64).alias("valeur"))
        .with_columns(pl.lit("entres_ft_ml").alias("mesure")),
        a.filter(pl.col("code_departement") == dep).group_by("mois")
        .agg(pl.col("jeunes_accompagnes").sum().cast(pl.Float64).alias("valeur"))
        .with_columns(pl.lit("jeunes_accompagnes").alias("mesure")),
    ]).with_columns(pl.col("mois").cast(pl.Date))
    obtenu = I.series_mensuelles(jeu, "departement", [dep], ["entres_ft_ml", "jeunes_accompagnes"])
    j = attendu.join(obtenu, on=["mois", "mesure"], how="full", suffix="_obtenu", coalesce=True)
    # un mois d'orientations sans ligne pour ce département vaut 0 ; un mois d'activité non transmise
    # est NULL (pas de donnée)
    j = j.with_columns(pl.col("valeur").fill_null(pl.when(pl.col("mesure") == "entres_ft_ml").then(0.0)))
    x, y = pl.col("valeur"), pl.col("valeur_obtenu")
    ecarts = j.filter((x.is_null() != y.is_null()) | ((x - y).abs() > 1e-6).fill_null(False))
    assert ecarts.is_empty(), f"{contexte} séries mensuelles : {ecarts}"
    assert obtenu.select("mois", "mesure").is_unique().all()


def test_minimal_tous_indicateurs_toutes_mailles(minimal):
    jeu, ref = minimal
    _verifier_tout(jeu, ref, [(2024, 2024), (2023, 2023), (2023, 2024)], "minimal")
    _verifier_series(jeu, ref, "minimal")
    _verifier_mensuel(jeu, ref, "minimal")


def test_varie_tous_indicateurs_toutes_mailles(varie):
    jeu, ref = varie
    _verifier_tout(jeu, ref, [(2024, 2024), (2023, 2023), (2023, 2024)], "varié")
    _verifier_series(jeu, ref, "varié")
    _verifier_mensuel(jeu, ref, "varié")


@pytest.mark.parametrize("jour", [date(2023, 12, 31), date(2024, 2, 29), date(2024, 12, 31)])
def test_varie_date_de_reference(varie, jour):
    jeu, ref = varie
    accords = [c for c, i in I.REGISTRE.items() if i.theme == "Accords locaux"]
    for maille in I.MAILLES:
        obtenu = I.valeurs(jeu, maille, 2023, annee_fin=2024, indicateurs=accords, date_reference=jour)
        attendu = ref.indicateurs(maille, 2023, 2024, {c: I.REGISTRE[c] for c in accords}, jour)
        comparer(obtenu.drop("maille"), attendu, CLES, f"varié {maille} au {jour}")


def test_varie_filtre_region(varie):
    jeu, ref = varie
    for maille in ("region", "departement", "ml"):
        obtenu = I.valeurs(jeu, maille, 2024, code_region="27")
        attendu = ref.indicateurs(maille, 2024, 2024, I.REGISTRE).filter(pl.col("code_region") == "27")
        assert not attendu.is_empty()
        comparer(obtenu.drop("maille"), attendu, CLES, f"varié {maille} région 27")


def test_demo_tous_indicateurs_toutes_mailles(demo):
    jeu, ref = demo
    assert ref.annees, "jeu de démonstration sans année"
    derniere = ref.annees[-1]
    periodes = [(derniere, derniere), (ref.annees[0], derniere)]
    _verifier_tout(jeu, ref, periodes, "démo")
    _verifier_series(jeu, ref, "démo")
    _verifier_mensuel(jeu, ref, "démo")
    # le jeu de démonstration donne une valeur à chaque indicateur à la maille nationale
    nat = I.valeurs(jeu, "nationale", derniere)
    assert nat.filter(pl.col("valeur").is_null()).is_empty(), nat.filter(pl.col("valeur").is_null())


def test_varie_tableau_egal_valeurs(varie):
    jeu, _ = varie
    for maille in I.MAILLES:
        large = I.tableau(jeu, maille, 2023, list(I.REGISTRE), annee_fin=2024)
        assert large.columns == ["code", "nom", "code_region", *I.REGISTRE]
        long = I.valeurs(jeu, maille, 2023, annee_fin=2024)
        depuis_large = large.unpivot(index=["code", "nom", "code_region"], variable_name="indicateur",
                                     value_name="valeur")
        comparer(depuis_large, long.select("code", "nom", "code_region", "indicateur", "valeur"), CLES,
                 f"tableau {maille}")
