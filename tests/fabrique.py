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

from donnees.contrat import TABLES, TYPES_POLARS

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


def _dossier_partage(tmp_path_factory, nom: str, fabriquer) -> Path:
    """Le dossier ``nom`` fabriqué une seule fois par session de tests, même entre les processus de
    pytest-xdist : ``fabriquer(dossier_temporaire)`` écrit sous le dossier temporaire commun de la session
    (parent des dossiers des processus), sous un verrou de fichier, puis le dossier est mis en place d'un
    coup. Rend le dossier."""
    import fcntl
    import os
    import shutil

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    dossier = base / nom
    with open(base / f"{nom}.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        try:
            fini = base / f"{nom}.fini"
            if not fini.is_file():
                temporaire = base / f"{nom}.en_cours"
                for reste in (temporaire, dossier):  # restes d'une session interrompue
                    if reste.exists():
                        shutil.rmtree(reste)
                fabriquer(temporaire)
                temporaire.rename(dossier)
                fini.write_text("ok", encoding="utf-8")
        finally:
            fcntl.flock(verrou, fcntl.LOCK_UN)
    return dossier


def dossier_demo_partage(tmp_path_factory, graine: int = 2015) -> Path:
    """Jeu de démonstration (``donnees.demo.generer``) généré une seule fois par session de tests (voir
    ``_dossier_partage``). Rend le dossier."""
    from donnees.contrat import NOMS_TABLES
    from donnees.demo import generer

    def fabriquer(temporaire: Path) -> None:
        generer(temporaire, graine=graine)
        assert all((temporaire / f"{t}.parquet").is_file() for t in NOMS_TABLES)

    return _dossier_partage(tmp_path_factory, f"demo_partage_{graine}", fabriquer)


def dossier_demo_extrait(tmp_path_factory, *, region: str | None = None, departement: str | None = None) -> Path:
    """Le jeu d'une région ou d'un département extrait du jeu de démonstration partagé
    (``donnees.extrait``), fabriqué une seule fois par session de tests. Rend le dossier."""
    from donnees import extrait

    demo = dossier_demo_partage(tmp_path_factory)
    nom = f"demo_extrait_region_{region}" if region else f"demo_extrait_departement_{departement}"
    return _dossier_partage(tmp_path_factory, nom, lambda temporaire: extrait.extraire(
        demo, temporaire, region=region, departement=departement))


def octets_parquet(df: pl.DataFrame) -> bytes:
    """Le Parquet d'un DataFrame, en octets (pour simuler un téléversement)."""
    import io

    tampon = io.BytesIO()
    df.write_parquet(tampon)
    return tampon.getvalue()


def empreinte_arborescence(dossier: Path) -> dict[str, str]:
    """{chemin relatif: sha256} de tous les fichiers sous ``dossier`` (dossiers cachés compris), pour
    vérifier qu'une opération n'a rien changé."""
    import hashlib

    dossier = Path(dossier)
    empreintes = {}
    if not dossier.exists():
        return empreintes
    for p in sorted(dossier.rglob("*")):
        if p.is_file():
            empreintes[str(p.relative_to(dossier))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return empreintes


def jeu_accords_varies() -> dict[str, pl.DataFrame]:
    """``jeu_minimal()`` plus six ML de Bourgogne-Franche-Comté aux accords choisis pour couvrir chaque
    situation au 31 décembre 2024 (réponses connues, voir tests/requetes/test_accords.py) :

    - MLA (Belfort) : AC1 (signé, depuis 2015, sans fin) et AC4 (signé, 2024-01-01 → 2025-06-30) : deux
      accords en vigueur, AC4 est l'accord courant (le plus récent) ;
    - MLB (Les Abymes) : AC2 échu, AC3 en négociation → en négociation ;
    - MLC (Doubs) : aucun accord ;
    - MLD (Jura) : AC5 dénoncé (2019-03-01 → 2024-03-31) → dénoncé ;
    - MLE (Haute-Saône) : AC6 non engagé → non engagée ;
    - MLF (Nièvre) : AC7 signé 2016 → 2022-12-31 (terminé), AC8 signé qui ne commence que le 2025-03-01 → échu
      au 31/12/2024, en vigueur au 31/12/2025 ;
    - MLG (Yonne) : AC9 signé 2020-01-01 → 2025-03-31, AC10 signé qui commence le 2025-04-01 (renouvellement
      déjà signé) ;
    - MLH (Saône-et-Loire) : AC11 signé 2021-01-01 → 2025-09-30, AC12 en négociation.
    """
    t = jeu_minimal()
    nouvelles = [
        ("MLC", "Mission Locale du Doubs", "25", "25056"),
        ("MLD", "Mission Locale du Jura", "39", "39300"),
        ("MLE", "Mission Locale de Haute-Saône", "70", "70550"),
        ("MLF", "Mission Locale de la Nièvre", "58", "58194"),
        ("MLG", "Mission Locale de l'Yonne", "89", "89024"),
        ("MLH", "Mission Locale de Saône-et-Loire", "71", "71270"),
    ]
    t["missions_locales"] = pl.concat([t["missions_locales"], _df("missions_locales", [
        dict(code_ml=c, nom_ml=n, code_departement=d, code_commune_siege=s) for c, n, d, s in nouvelles])])
    contenu = dict(diagnostic_partage=True, plan_actions=True, criteres_orientation=True, ouverture_actions_ml=True,
                   equipe_commune_entreprises=True, comite_pilotage=True, implication_president=True,
                   participation_jeunes=3)
    rien = {k: (0 if k == "participation_jeunes" else False) for k in contenu}

    def accord(id_, ml, statut, sig, debut, fin, modalite="agent_affecte", **champs):
        return dict(id_accord=id_, code_ml=ml, codes_agences=[] if statut == "non_engage" else ["AG90A"],
                    statut=statut, date_signature=sig, date_debut=debut, date_fin=fin, modalite_moyens=modalite,
                    **{**contenu, **champs})

    t["accords"] = pl.concat([t["accords"], _df("accords", [
        accord("AC4", "MLA", "signe", date(2023, 12, 1), date(2024, 1, 1), date(2025, 6, 30), "mixte",
               equipe_commune_entreprises=False, participation_jeunes=1),
        accord("AC5", "MLD", "denonce", date(2019, 3, 1), date(2019, 3, 1), date(2024, 3, 31), "subvention"),
        accord("AC6", "MLE", "non_engage", None, None, None, "aucune", **rien),
        accord("AC7", "MLF", "signe", date(2016, 1, 1), date(2016, 1, 1), date(2022, 12, 31),
               diagnostic_partage=False, plan_actions=False, participation_jeunes=0),
        accord("AC8", "MLF", "signe", date(2025, 2, 1), date(2025, 3, 1), None),
        accord("AC9", "MLG", "signe", date(2020, 1, 1), date(2020, 1, 1), date(2025, 3, 31),
               comite_pilotage=False, implication_president=False, participation_jeunes=2),
        accord("AC10", "MLG", "signe", date(2025, 1, 15), date(2025, 4, 1), None),
        accord("AC11", "MLH", "signe", date(2021, 1, 1), date(2021, 1, 1), date(2025, 9, 30),
               criteres_orientation=False, participation_jeunes=1),
        accord("AC12", "MLH", "en_negociation", None, None, None, "aucune"),
    ])])
    return t


def jeu_orientations_varie() -> dict[str, pl.DataFrame]:
    """``jeu_minimal()`` dont les orientations de 2024 s'arrêtent en juin, et où MLA oriente davantage en
    2024 pour « accompagnement global » (24 orientés, 20 acceptés, 16 entrés par mois au lieu de 20, 18, 15).
    Réponses connues : voir tests/requetes/test_orientations.py."""
    t = jeu_minimal()
    o = t["orientations"].filter(~((pl.col("mois").dt.year() == 2024) & (pl.col("mois").dt.month() > 6)))
    cible = ((pl.col("mois").dt.year() == 2024) & (pl.col("code_ml") == "MLA")
             & (pl.col("motif") == "accompagnement_global"))
    t["orientations"] = o.with_columns(
        pl.when(cible).then(24).otherwise(pl.col("orientes")).alias("orientes"),
        pl.when(cible).then(20).otherwise(pl.col("acceptes")).alias("acceptes"),
        pl.when(cible).then(16).otherwise(pl.col("entres")).alias("entres"),
    )
    return t
