"""Fabrique de petits jeux d'exports faits à la main, conformes au contrat, pour les tests.

``jeu_minimal()`` rend un dict {table: DataFrame Polars} valide, aux réponses connues :
deux ML (Belfort, département 90 ; Les Abymes, Guadeloupe 971), deux années (2023, 2024).
``ecrire_jeu(dossier, tables)`` l'écrit en Parquet, un fichier par table, aux types du contrat.
Les tests partent de ce jeu et le modifient pour fabriquer les cas qu'ils veulent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from donnees.contrat import BOOLEEN, DATE, DECIMAL, ENTIER, LISTE_TEXTE, TABLES, TEXTE

TYPES_POLARS = {
    TEXTE: pl.Utf8,
    ENTIER: pl.Int64,
    DECIMAL: pl.Float64,
    DATE: pl.Date,
    BOOLEEN: pl.Boolean,
    LISTE_TEXTE: pl.List(pl.Utf8),
}

FORFAIT = 45_000.0
COMMUNES_ML_A = [f"900{i:02d}" for i in range(1, 11)]  # 90001 … 90010 (Belfort = 90010)
COMMUNES_ML_B = ["97101", "97102"]  # Les Abymes, Anse-Bertrand


def schema(table: str) -> dict[str, pl.DataType]:
    return {c.nom: TYPES_POLARS[c.type] for c in TABLES[table].colonnes}


def _df(table: str, lignes: list[dict]) -> pl.DataFrame:
    sch = schema(table)
    return pl.DataFrame(lignes, schema={k: v for k, v in sch.items() if not lignes or k in lignes[0]})


def jeu_minimal() -> dict[str, pl.DataFrame]:
    accord_base = dict(
        diagnostic_partage=True,
        plan_actions=True,
        criteres_orientation=True,
        ouverture_actions_ml=True,
        equipe_commune_entreprises=False,
        comite_pilotage=True,
        implication_president=True,
        participation_jeunes=2,
    )
    orientations = []
    activite = []
    for annee in (2023, 2024):
        for m in range(1, 13):
            mois = date(annee, m, 1)
            orientations += [
                dict(mois=mois, code_ml="MLA", code_agence="AG90A", sens="ft_vers_ml",
                     motif="accompagnement_global", orientes=20, acceptes=18, entres=15),
                dict(mois=mois, code_ml="MLA", code_agence="AG90A", sens="ft_vers_ml",
                     motif="difficultes_sociales", orientes=10, acceptes=8, entres=6),
                dict(mois=mois, code_ml="MLA", code_agence=None, sens="ml_vers_ft",
                     motif="prestation_ft", orientes=5, acceptes=5, entres=4),
                dict(mois=mois, code_ml="MLB", code_agence="AG971", sens="ft_vers_ml",
                     motif="difficultes_sociales", orientes=12, acceptes=9, entres=6),
            ]
            activite += [
                dict(mois=mois, code_ml="MLA", jeunes_accompagnes=1200, premiers_accueils=80,
                     doubles_accompagnements=3, sorties_emploi=30, sorties_emploi_durable=25,
                     sorties_formation=9, sorties_sans_solution=45),
                dict(mois=mois, code_ml="MLB", jeunes_accompagnes=900, premiers_accueils=70,
                     doubles_accompagnements=5, sorties_emploi=20, sorties_emploi_durable=15,
                     sorties_formation=8, sorties_sans_solution=50),
            ]
    contexte = []
    for annee in (2023, 2024):
        for i, c in enumerate(COMMUNES_ML_A + COMMUNES_ML_B):
            contexte.append(dict(annee=annee, code_commune=c, population_16_25=1000 + 100 * i,
                                 jeunes_neet=120 + 10 * i, demandeurs_emploi_moins_26=80 + 5 * i,
                                 etablissements_employeurs=50, places_formation=20))
    return {
        "missions_locales": _df("missions_locales", [
            dict(code_ml="MLA", nom_ml="Mission Locale de Belfort", code_departement="90",
                 code_commune_siege="90010"),
            dict(code_ml="MLB", nom_ml="Mission Locale des Abymes", code_departement="971",
                 code_commune_siege="97101"),
        ]),
        "territoires_ml": _df("territoires_ml",
                              [dict(code_commune=c, code_ml="MLA") for c in COMMUNES_ML_A]
                              + [dict(code_commune=c, code_ml="MLB") for c in COMMUNES_ML_B]),
        "sites_ml": _df("sites_ml", [
            dict(id_site="S1", code_ml="MLA", type_site="siege", code_commune="90010",
                 latitude=47.6386, longitude=6.8631),
            dict(id_site="S2", code_ml="MLA", type_site="permanence", code_commune="90008",
                 latitude=None, longitude=None),
            dict(id_site="S3", code_ml="MLB", type_site="siege", code_commune="97101",
                 latitude=16.2710, longitude=-61.5040),
        ]),
        "agences": _df("agences", [
            dict(code_agence="AG90A", nom_agence="France Travail Belfort", code_commune="90010",
                 latitude=47.64, longitude=6.85),
            dict(code_agence="AG971", nom_agence="France Travail Les Abymes", code_commune="97101",
                 latitude=None, longitude=None),
        ]),
        "accords": _df("accords", [
            dict(id_accord="AC1", code_ml="MLA", codes_agences=["AG90A"], statut="signe",
                 date_signature=date(2015, 6, 1), date_debut=date(2015, 7, 1), date_fin=None,
                 modalite_moyens="agent_affecte", **accord_base),
            dict(id_accord="AC2", code_ml="MLB", codes_agences=["AG971"], statut="echu",
                 date_signature=date(2015, 9, 1), date_debut=date(2015, 9, 1),
                 date_fin=date(2023, 6, 30), modalite_moyens="subvention",
                 **{**accord_base, "diagnostic_partage": False, "participation_jeunes": 0}),
            dict(id_accord="AC3", code_ml="MLB", codes_agences=["AG971"], statut="en_negociation",
                 date_signature=None, date_debut=None, date_fin=None, modalite_moyens="aucune",
                 **{**accord_base, "plan_actions": False}),
        ]),
        "allocations": _df("allocations", [
            dict(annee=a, code_ml="MLA", etp_affectes=2.0, etp_compenses=0.5,
                 valorisation_etp_eur=2.0 * FORFAIT, subvention_compensatoire_eur=0.5 * FORFAIT,
                 credits_financiers_eur=150_000.0, objectif_entrees_delegation=300)
            for a in (2023, 2024)
        ] + [
            dict(annee=a, code_ml="MLB", etp_affectes=0.0, etp_compenses=1.0,
                 valorisation_etp_eur=0.0, subvention_compensatoire_eur=FORFAIT,
                 credits_financiers_eur=80_000.0, objectif_entrees_delegation=100)
            for a in (2023, 2024)
        ]),
        "enveloppe": _df("enveloppe", [
            dict(annee=a, enveloppe_totale_eur=387_500.0, valorisation_etp_eur=157_500.0,
                 etp_nationaux=3.5, forfait_etp_eur=FORFAIT, objectif_jeunes_delegation=400)
            for a in (2023, 2024)
        ]),
        "orientations": _df("orientations", orientations),
        "activite": _df("activite", activite),
        "contexte": _df("contexte", contexte),
    }


def ecrire_jeu(dossier: Path, tables: dict[str, pl.DataFrame]) -> Path:
    """Écrit chaque table en ``dossier/{table}.parquet`` et rend le dossier."""
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    for nom, df in tables.items():
        df.write_parquet(dossier / f"{nom}.parquet")
    return dossier
