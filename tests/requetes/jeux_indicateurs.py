"""Jeux d'exports faits à la main pour les tests des indicateurs (à partir de tests/fabrique.py).

``jeu_varie()`` ajoute au jeu minimal de quoi exercer les cas délicats, aux réponses calculables à la main :
- MLC (siège dans le Doubs, 25) dont le territoire déborde sur le Territoire de Belfort (commune 90011) :
  le rattachement par le siège et celui par les communes diffèrent ;
- MLD (Guadeloupe) sans aucune donnée : elle compte dans le nombre de ML, pas ailleurs ;
- MLB : agent affecté en 2024 seulement, orientations doublées en 2024, activité transmise de janvier à
  juin 2024 seulement (moyenne mensuelle sur 6 mois) ;
- MLC : allocation en 2024 seulement (0 en 2023), orientations de mars à mai 2024, activité de janvier à
  juin 2024 ;
- accords aux bornes : AC4 (MLC) du 1er mars au 31 décembre 2024, AC5 (MLC) signé le 1er janvier 2022,
  sans date de début, fin le 31 décembre 2023 ; AC6 (MLD) dénoncé ;
- contexte : une commune du Doubs hors de tout territoire de ML, la commune 90005 sans ligne en 2024.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from tests.fabrique import FORFAIT, _df, jeu_minimal

COMMUNES_ML_C = ["25056", "25057", "90011"]
COMMUNE_HORS_ML = "25058"


def _accord(**kw) -> dict:
    base = dict(
        codes_agences=["AG90A"], diagnostic_partage=True, plan_actions=True, criteres_orientation=True,
        ouverture_actions_ml=True, equipe_commune_entreprises=False, comite_pilotage=False,
        implication_president=False, participation_jeunes=1, modalite_moyens="agent_affecte",
        date_signature=None, date_debut=None, date_fin=None,
    )
    return {**base, **kw}


def jeu_varie() -> dict[str, pl.DataFrame]:
    t = jeu_minimal()
    t["missions_locales"] = pl.concat([t["missions_locales"], _df("missions_locales", [
        dict(code_ml="MLC", nom_ml="Mission Locale du Grand Besançon", code_departement="25",
             code_commune_siege="25056"),
        dict(code_ml="MLD", nom_ml="Mission Locale fantôme", code_departement="971",
             code_commune_siege="97102"),
    ])])
    t["territoires_ml"] = pl.concat([t["territoires_ml"], _df("territoires_ml", [
        dict(code_commune=c, code_ml="MLC") for c in COMMUNES_ML_C])])
    t["accords"] = pl.concat([t["accords"], _df("accords", [
        _accord(id_accord="AC4", code_ml="MLC", statut="signe", date_signature=date(2024, 2, 15),
                date_debut=date(2024, 3, 1), date_fin=date(2024, 12, 31), comite_pilotage=True),
        _accord(id_accord="AC5", code_ml="MLC", statut="signe", date_signature=date(2022, 1, 1),
                date_fin=date(2023, 12, 31), plan_actions=False, participation_jeunes=3,
                implication_president=True),
        _accord(id_accord="AC6", code_ml="MLD", statut="denonce", date_signature=date(2020, 1, 1),
                codes_agences=["AG971"]),
    ])])
    alloc = t["allocations"].with_columns(
        pl.when((pl.col("code_ml") == "MLB") & (pl.col("annee") == 2024)).then(1.0)
        .otherwise(pl.col("etp_affectes")).alias("etp_affectes"),
        pl.when((pl.col("code_ml") == "MLB") & (pl.col("annee") == 2024)).then(FORFAIT)
        .otherwise(pl.col("valorisation_etp_eur")).alias("valorisation_etp_eur"),
    )
    t["allocations"] = pl.concat([alloc, _df("allocations", [
        dict(annee=2024, code_ml="MLC", etp_affectes=1.5, etp_compenses=0.0, valorisation_etp_eur=1.5 * FORFAIT,
             subvention_compensatoire_eur=0.0, credits_financiers_eur=20_000.0, objectif_entrees_delegation=40),
    ])])
    o = t["orientations"]
    double = (pl.col("code_ml") == "MLB") & (pl.col("mois").dt.year() == 2024)
    o = o.with_columns(
        pl.when(double).then(pl.col(c) * 2).otherwise(pl.col(c)).alias(c) for c in ("orientes", "acceptes", "entres")
    )
    t["orientations"] = pl.concat([o, _df("orientations", [
        dict(mois=date(2024, m, 1), code_ml="MLC", code_agence=None, sens="ft_vers_ml",
             motif="eloignement_emploi", orientes=7, acceptes=7, entres=3)
        for m in (3, 4, 5)
    ] + [
        dict(mois=date(2024, 4, 1), code_ml="MLC", code_agence="AG90A", sens="ml_vers_ft",
             motif="prestation_ft", orientes=4, acceptes=2, entres=1)
    ])])
    a = t["activite"].filter(~((pl.col("code_ml") == "MLB") & (pl.col("mois") >= date(2024, 7, 1))))
    t["activite"] = pl.concat([a, _df("activite", [
        dict(mois=date(2024, m, 1), code_ml="MLC", jeunes_accompagnes=300 + 10 * m, premiers_accueils=20,
             doubles_accompagnements=1, sorties_emploi=6, sorties_emploi_durable=4, sorties_formation=2,
             sorties_sans_solution=7)
        for m in range(1, 7)
    ])])
    ctx = t["contexte"].filter(~((pl.col("code_commune") == "90005") & (pl.col("annee") == 2024)))
    t["contexte"] = pl.concat([ctx, _df("contexte", [
        dict(annee=a, code_commune=c, population_16_25=500 + 50 * k + (a - 2023) * 30, jeunes_neet=60 + 5 * k,
             demandeurs_emploi_moins_26=40 + k, etablissements_employeurs=30, places_formation=10 + k)
        for a in (2023, 2024)
        for k, c in enumerate(COMMUNES_ML_C + [COMMUNE_HORS_ML])
    ])])
    return t
