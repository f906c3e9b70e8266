"""Temps de réponse de la couche de requêtes sur un gros jeu synthétique (~1,5 million de lignes
d'orientations, 440 ML, toutes les communes du référentiel) : après le premier appel, valeurs() répond en
moins de 300 ms aux mailles nationale, région, département et ML, pour tous les indicateurs."""

from __future__ import annotations

import time
from datetime import date

import polars as pl
import pytest

from donnees import referentiel
from donnees.contrat import MOTIFS, SENS
from requetes import indicateurs as I
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal

NB_ML = 440
NB_AGENCES_PAR_ML = 12
ANNEES = (2023, 2024)


def _gros_jeu() -> dict[str, pl.DataFrame]:
    t = jeu_minimal()
    communes = referentiel.communes().select("code_commune", "code_departement").sort("code_commune")
    deps = communes["code_departement"].unique().sort().to_list()
    ml = pl.DataFrame({"code_ml": [f"ML{k:03d}" for k in range(NB_ML)],
                       "code_departement": [deps[k % len(deps)] for k in range(NB_ML)]})
    siege = communes.group_by("code_departement").agg(pl.col("code_commune").first().alias("code_commune_siege"))
    ml = ml.join(siege, on="code_departement").with_columns(
        ("Mission Locale " + pl.col("code_ml")).alias("nom_ml")).select(t["missions_locales"].columns)
    # chaque commune va à une des ML de son département (tourniquet)
    ml_dep = ml.group_by("code_departement").agg(pl.col("code_ml").sort())
    ter = communes.join(ml_dep, on="code_departement").with_columns(
        pl.int_range(pl.len()).over("code_departement").alias("rang"))
    ter = ter.with_columns(pl.col("code_ml").list.get(pl.col("rang") % pl.col("code_ml").list.len()).alias("code_ml"))
    territoires = ter.select("code_commune", "code_ml")

    agences = pl.DataFrame({"code_agence": [f"AG{k:02d}" for k in range(NB_AGENCES_PAR_ML)],
                            "nom_agence": [f"Agence {k}" for k in range(NB_AGENCES_PAR_ML)],
                            "code_commune": ["90010"] * NB_AGENCES_PAR_ML,
                            "latitude": [None] * NB_AGENCES_PAR_ML, "longitude": [None] * NB_AGENCES_PAR_ML},
                           schema=t["agences"].schema)
    mois = pl.DataFrame({"mois": [date(a, m, 1) for a in ANNEES for m in range(1, 13)]})
    combos = (pl.DataFrame({"code_agence": agences["code_agence"]})
              .join(pl.DataFrame({"sens": list(SENS)}), how="cross")
              .join(pl.DataFrame({"motif": list(MOTIFS)}), how="cross"))
    o = mois.join(ml.select("code_ml"), how="cross").join(combos, how="cross")
    h = pl.int_range(pl.len())
    o = o.with_columns((h % 17 + 3).alias("orientes")).with_columns(
        (pl.col("orientes") - h % 3).alias("acceptes")).with_columns(
        (pl.col("acceptes") - h % 2).alias("entres")).select(t["orientations"].columns)
    o = o.cast(t["orientations"].schema)
    activite = mois.join(ml.select("code_ml"), how="cross").with_columns(
        pl.lit(1000, dtype=pl.Int64).alias("jeunes_accompagnes"), pl.lit(60, dtype=pl.Int64).alias("premiers_accueils"),
        pl.lit(4, dtype=pl.Int64).alias("doubles_accompagnements"), pl.lit(25, dtype=pl.Int64).alias("sorties_emploi"),
        pl.lit(20, dtype=pl.Int64).alias("sorties_emploi_durable"), pl.lit(8, dtype=pl.Int64).alias("sorties_formation"),
        pl.lit(40, dtype=pl.Int64).alias("sorties_sans_solution")).select(t["activite"].columns)
    allocations = pl.DataFrame({"annee": list(ANNEES)}).join(ml.select("code_ml"), how="cross").with_columns(
        etp_affectes=1.0, etp_compenses=0.5, valorisation_etp_eur=45_000.0, subvention_compensatoire_eur=22_500.0,
        credits_financiers_eur=50_000.0, objectif_entrees_delegation=pl.lit(300, dtype=pl.Int64),
    ).select(t["allocations"].columns).cast(t["allocations"].schema)
    accords = t["accords"].head(1).join(ml.select(pl.col("code_ml").alias("c")), how="cross").with_columns(
        pl.col("c").alias("code_ml"), ("AC" + pl.col("c")).alias("id_accord"),
        pl.lit([], dtype=pl.List(pl.Utf8)).alias("codes_agences")).select(t["accords"].columns)
    contexte = pl.DataFrame({"annee": list(ANNEES)}).join(communes.select("code_commune"), how="cross").with_columns(
        population_16_25=pl.lit(200, dtype=pl.Int64), jeunes_neet=pl.lit(25, dtype=pl.Int64),
        demandeurs_emploi_moins_26=pl.lit(15, dtype=pl.Int64), etablissements_employeurs=pl.lit(10, dtype=pl.Int64),
        places_formation=pl.lit(3, dtype=pl.Int64)).select(t["contexte"].columns)
    sites = ml.select(("S" + pl.col("code_ml")).alias("id_site"), "code_ml", pl.lit("siege").alias("type_site"),
                      pl.col("code_commune_siege").alias("code_commune"),
                      pl.lit(None, dtype=pl.Float64).alias("latitude"), pl.lit(None, dtype=pl.Float64).alias("longitude"))
    return {**t, "missions_locales": ml, "territoires_ml": territoires, "agences": agences, "orientations": o,
            "activite": activite, "allocations": allocations, "accords": accords, "contexte": contexte,
            "sites_ml": sites}


@pytest.fixture(scope="module")
def gros_jeu(tmp_path_factory) -> JeuDeDonnees:
    tables = _gros_jeu()
    assert tables["orientations"].height >= 1_500_000
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("gros"), tables))


def _meilleur_temps(f, essais: int = 3) -> float:
    temps = []
    for _ in range(essais):
        t0 = time.perf_counter()
        f()
        temps.append(time.perf_counter() - t0)
    return min(temps)


def test_valeurs_rapide_apres_premier_appel(gros_jeu):
    I.annees_disponibles(gros_jeu)  # premier appel : calcul des cubes (lecture des gros fichiers)
    for maille in I.MAILLES:
        I.valeurs(gros_jeu, maille, 2024)  # territoires de la maille mis en cache
        duree = _meilleur_temps(lambda m=maille: I.valeurs(gros_jeu, m, 2024))
        assert duree < 0.3, f"valeurs() à la maille {maille} : {duree * 1000:.0f} ms"
        duree = _meilleur_temps(lambda m=maille: I.valeurs(gros_jeu, m, 2023, annee_fin=2024))
        assert duree < 0.3, f"valeurs() sur deux ans à la maille {maille} : {duree * 1000:.0f} ms"
    duree = _meilleur_temps(lambda: I.serie_annuelle(gros_jeu, "ml"))
    assert duree < 1.0, f"serie_annuelle() à la maille ML : {duree * 1000:.0f} ms"
    duree = _meilleur_temps(lambda: I.series_mensuelles(gros_jeu, "region"))
    assert duree < 1.0, f"series_mensuelles() à la maille région : {duree * 1000:.0f} ms"


def test_gros_jeu_resultats_justes(gros_jeu):
    """Contrôle des sommes sur le gros jeu (valeurs connues par construction)."""
    o = pl.read_parquet(gros_jeu.dossier / "orientations.parquet").filter(
        (pl.col("sens") == "ft_vers_ml") & (pl.col("mois").dt.year() == 2024))
    nat = I.valeurs(gros_jeu, "nationale", 2024, indicateurs=["orientes_ft_ml", "taux_acceptation", "nb_ml",
                                                            "jeunes_accompagnes", "population_16_25"])
    v = dict(zip(nat["indicateur"], nat["valeur"]))
    assert v["orientes_ft_ml"] == o["orientes"].sum()
    assert v["taux_acceptation"] == pytest.approx(o["acceptes"].sum() / o["orientes"].sum() * 100)
    assert v["nb_ml"] == NB_ML
    assert v["jeunes_accompagnes"] == pytest.approx(1000 * NB_ML)
    assert v["population_16_25"] == 200 * referentiel.communes().height
