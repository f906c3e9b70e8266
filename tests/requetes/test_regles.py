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


# --------------------------------------------------------------------------------------------------
# Taux : Σ numérateur ÷ Σ dénominateur, même règle en SQL (macro ratio) et en Polars (requetes.regles)
# --------------------------------------------------------------------------------------------------

CAS_RATIO = [(3.0, 4.0, 100.0), (0.0, 5.0, 1000.0), (7.0, 0.0, 100.0), (None, 2.0, 1.0), (2.0, None, 1.0),
             (None, None, 100.0), (1.0, 3.0, 1.0), (-2.0, 8.0, 100.0), (5.0, 0.5, 1000.0)]


def test_ratio_sql_et_polars_donnent_le_meme_resultat(jeu):
    from requetes.regles import ratio, ratio_valeurs

    valeurs = pl.DataFrame({"num": [c[0] for c in CAS_RATIO], "den": [c[1] for c in CAS_RATIO],
                            "facteur": [c[2] for c in CAS_RATIO]}, schema={"num": pl.Float64, "den": pl.Float64,
                                                                           "facteur": pl.Float64})
    sql = jeu.sql("SELECT ratio(num, den, facteur) AS v FROM (SELECT unnest($num) AS num, unnest($den) AS den, "
                  "unnest($facteur) AS facteur)",
                  {"num": valeurs["num"].to_list(), "den": valeurs["den"].to_list(),
                   "facteur": valeurs["facteur"].to_list()})["v"].to_list()
    polars = [valeurs.slice(i, 1).select(ratio("num", "den", f).alias("v"))["v"][0]
              for i, (_, _, f) in enumerate(CAS_RATIO)]
    scalaires = [ratio_valeurs(n, d, f) for n, d, f in CAS_RATIO]
    attendus = [None if n is None or d is None or d == 0 else f * n / d for n, d, f in CAS_RATIO]
    for nom, obtenus in (("SQL", sql), ("Polars", polars), ("Python", scalaires)):
        for (n, d, f), o, a in zip(CAS_RATIO, obtenus, attendus, strict=True):
            assert (o is None) == (a is None), f"{nom} ratio({n}, {d}, {f}) = {o}, attendu {a}"
            if a is not None:
                assert o == pytest.approx(a), f"{nom} ratio({n}, {d}, {f}) = {o}, attendu {a}"


def test_aucune_requete_ne_reecrit_un_taux():
    """Les taux des requêtes passent par la macro ratio : pas de « 100.0 * x / y » ni de garde
    « CASE WHEN … > 0 THEN … / … » écrits à la main dans requetes/sql/*.sql."""
    motifs = [r"\b1?00?0?\.0\s*\*\s*[\w.()]+\s*/", r"CASE\s+WHEN\s+[\w.]+\s*>\s*0\s+THEN\s+[^E]*?/"]
    fautifs = []
    for f in sorted(DOSSIER_SQL.glob("*.sql")):
        code = "\n".join(ligne.split("--")[0] for ligne in f.read_text(encoding="utf-8").splitlines())
        fautifs += [f"{f.name} : {m}" for m in motifs if re.search(m, code, re.IGNORECASE)]
    assert not fautifs, fautifs


# --------------------------------------------------------------------------------------------------
# Maillage : couverture d'une commune, communes et contexte de chaque territoire
# --------------------------------------------------------------------------------------------------

def test_couverture_des_communes_comme_territoires_ml(jeu):
    """couverture_communes() = territoires_ml regroupé par commune, calculé ici en Polars sur les fichiers."""
    territoires = pl.read_parquet(jeu.dossier / "territoires_ml.parquet")
    attendu = (territoires.group_by("code_commune")
               .agg(pl.col("code_ml").n_unique().cast(pl.Int64).alias("nb_ml"),
                    pl.col("code_ml").unique().sort().alias("codes_ml"))
               .sort("code_commune"))
    obtenu = jeu.sql("SELECT code_commune, nb_ml::BIGINT AS nb_ml, codes_ml FROM couverture_communes() "
                     "ORDER BY code_commune")
    assert obtenu.height > 0
    assert obtenu.to_dicts() == attendu.to_dicts()


@pytest.mark.parametrize("maille, colonne", [("region", "code_region"), ("departement", "code_departement"),
                                             ("nationale", None), ("ml", None), ("commune", "code_commune")])
def test_contexte_des_territoires_somme_les_communes(jeu, maille, colonne):
    """Le contexte d'un territoire est la somme de ses communes : référentiel pour les mailles
    administratives (communes non couvertes comprises), territoires_ml pour les ML."""
    from donnees import referentiel

    contexte = pl.read_parquet(jeu.dossier / "contexte.parquet")
    if maille == "ml":
        lien = pl.read_parquet(jeu.dossier / "territoires_ml.parquet").select(
            pl.col("code_ml").alias("code"), "code_commune")
    else:
        communes = pl.read_parquet(referentiel.fichiers_tabulaires()["communes"])
        lien = communes.select(
            (pl.lit("FR") if colonne is None else pl.col(colonne)).alias("code"), "code_commune")
    attendu = (contexte.join(lien, on="code_commune", how="inner")
               .group_by("annee", "code")
               .agg(pl.col("population_16_25").sum().cast(pl.Float64),
                    pl.col("demandeurs_emploi_moins_26").sum().cast(pl.Float64))
               .sort("annee", "code"))
    obtenu = jeu.sql("SELECT annee, code, population_16_25, demandeurs_emploi_moins_26 "
                     "FROM contexte_des_territoires($maille) ORDER BY annee, code", {"maille": maille})
    assert obtenu.height > 0
    assert obtenu.to_dicts() == attendu.with_columns(pl.col("annee").cast(pl.Int64)).to_dicts()


def test_le_maillage_n_est_ecrit_qu_une_fois():
    """Hors de requetes/sql/regles/, aucune requête ne regroupe territoires_ml par commune (couverture)
    ni ne somme le contexte par territoire à la main."""
    fautifs = []
    for f in sorted(DOSSIER_SQL.glob("*.sql")):
        code = "\n".join(ligne.split("--")[0] for ligne in f.read_text(encoding="utf-8").splitlines())
        if re.search(r"FROM\s+territoires_ml\b[^;]*?GROUP\s+BY\s+\w*\.?code_commune", code, re.IGNORECASE | re.S):
            fautifs.append(f"{f.name} : couverture des communes recalculée")
        if re.search(r"sum\(\s*\w*\.?population_16_25\s*\)", code, re.IGNORECASE) and "contexte" in code:
            fautifs.append(f"{f.name} : contexte sommé à la main")
    assert not fautifs, fautifs
