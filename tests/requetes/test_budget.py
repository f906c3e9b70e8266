"""Tests de requetes/budget.py sur de petits jeux faits à la main (tests/fabrique.py), aux écarts connus.

Chaque résultat est comparé à un calcul indépendant en Polars sur les tables du jeu, ou à une valeur
connue par construction du jeu (écrite dans le test avec son calcul). Ces fonctions rendent des nombres et
des codes ; leurs phrases (presentation/budget.py) sont vérifiées dans tests/presentation/test_budget.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from requetes import budget
from requetes.jeu import JeuDeDonnees
from tests.fabrique import FORFAIT, ecrire_jeu, jeu_minimal


def ouvrir(dossier: Path, tables: dict[str, pl.DataFrame]) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(dossier, tables))


def parts(tables: dict[str, pl.DataFrame], annee: int) -> pl.DataFrame:
    """Calcul indépendant : part de chaque ML dans l'enveloppe."""
    return tables["allocations"].filter(pl.col("annee") == annee).with_columns(
        (pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
         + pl.col("credits_financiers_eur")).alias("part")
    )


def remplacer(df: pl.DataFrame, filtre: pl.Expr, **valeurs) -> pl.DataFrame:
    return df.with_columns(
        *(pl.when(filtre).then(pl.lit(v)).otherwise(pl.col(c)).alias(c) for c, v in valeurs.items())
    )


# --------------------------------------------------------------------------------------------------
# Jeux
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def tables_minimal() -> dict[str, pl.DataFrame]:
    return jeu_minimal()


@pytest.fixture
def jeu(tmp_path, tables_minimal) -> JeuDeDonnees:
    return ouvrir(tmp_path, tables_minimal)


def tables_accord() -> dict[str, pl.DataFrame]:
    """Jeu minimal aux paramètres nationaux de l'accord : 49,1 M€, 14,5 M€, 325 ETP, 45 000 €.
    Les ML portent 325 ETP (MLA 200 affectés + 25 compensés, MLB 100 compensés) et les crédits
    complètent exactement l'enveloppe."""
    t = jeu_minimal()
    t["enveloppe"] = t["enveloppe"].with_columns(
        enveloppe_totale_eur=pl.lit(49_100_000.0), valorisation_etp_eur=pl.lit(14_500_000.0),
        etp_nationaux=pl.lit(325.0), forfait_etp_eur=pl.lit(45_000.0),
        objectif_jeunes_delegation=pl.lit(150_000),
    )
    a = t["allocations"]
    a = remplacer(a, pl.col("code_ml") == "MLA", etp_affectes=200.0, etp_compenses=25.0,
                  valorisation_etp_eur=200 * FORFAIT, subvention_compensatoire_eur=25 * FORFAIT,
                  credits_financiers_eur=20_000_000.0)
    # MLB : 100 ETP compensés ; crédits = 49 100 000 − (200 + 25 + 100) × 45 000 − 20 000 000
    a = remplacer(a, pl.col("code_ml") == "MLB", etp_affectes=0.0, etp_compenses=100.0,
                  valorisation_etp_eur=0.0, subvention_compensatoire_eur=100 * FORFAIT,
                  credits_financiers_eur=49_100_000.0 - 325 * FORFAIT - 20_000_000.0)
    t["allocations"] = a
    return t


def tables_anomalies() -> dict[str, pl.DataFrame]:
    """Jeu minimal avec des écarts connus en 2024 :
    - MLA déclare 100 000 € de valorisation pour 2 ETP (attendu 90 000 € : +10 000 €) ;
    - MLB déclare 40 000,50 € de subvention pour 1 ETP compensé (attendu 45 000 € : −4 999,50 €) ;
    - 12 345,67 € de crédits alloués au code « MLZ », inconnu des Missions Locales ;
    - une ML « MLC » rattachée au département « 99 », inconnu du référentiel, reçoit 1 000 € ;
    - l'enveloppe reste de 387 500 €.
    """
    t = jeu_minimal()
    a = t["allocations"]
    a = remplacer(a, (pl.col("code_ml") == "MLA") & (pl.col("annee") == 2024),
                  valorisation_etp_eur=100_000.0)
    a = remplacer(a, (pl.col("code_ml") == "MLB") & (pl.col("annee") == 2024),
                  subvention_compensatoire_eur=40_000.5)
    ajout = pl.DataFrame(
        [
            dict(annee=2024, code_ml="MLZ", etp_affectes=0.0, etp_compenses=0.0, valorisation_etp_eur=0.0,
                 subvention_compensatoire_eur=0.0, credits_financiers_eur=12_345.67,
                 objectif_entrees_delegation=0),
            dict(annee=2024, code_ml="MLC", etp_affectes=0.0, etp_compenses=0.0, valorisation_etp_eur=0.0,
                 subvention_compensatoire_eur=0.0, credits_financiers_eur=1_000.0,
                 objectif_entrees_delegation=10),
        ],
        schema=a.schema,
    )
    t["allocations"] = pl.concat([a, ajout])
    t["missions_locales"] = pl.concat([
        t["missions_locales"],
        pl.DataFrame([dict(code_ml="MLC", nom_ml="Mission Locale fantôme", code_departement="99",
                           code_commune_siege="90010")], schema=t["missions_locales"].schema),
    ])
    return t


# --------------------------------------------------------------------------------------------------
# Paramètres, décomposition
# --------------------------------------------------------------------------------------------------

def test_annees_et_parametres(jeu, tables_minimal):
    assert budget.annees(jeu) == sorted(tables_minimal["enveloppe"]["annee"].unique().to_list())
    p = budget.parametres(jeu, 2024)
    attendu = tables_minimal["enveloppe"].filter(pl.col("annee") == 2024).row(0, named=True)
    assert p == attendu
    assert budget.parametres(jeu, 2030) is None


def test_decomposition_nationale(jeu, tables_minimal):
    d = budget.decomposition(jeu, 2024)
    a = parts(tables_minimal, 2024)
    env = tables_minimal["enveloppe"].filter(pl.col("annee") == 2024)["enveloppe_totale_eur"].item()
    montants = dict(zip(d["poste"], d["montant_eur"]))
    assert montants["valorisation"] == a["valorisation_etp_eur"].sum()
    assert montants["subvention"] == a["subvention_compensatoire_eur"].sum()
    assert montants["credits"] == a["credits_financiers_eur"].sum()
    assert montants["ecart"] == env - a["part"].sum() == 0.0
    assert montants["total"] == env
    assert d.filter(pl.col("poste") == "total")["part_pct"].item() == 100.0


def test_decomposition_regionale_sans_enveloppe(jeu, tables_minimal):
    # Guadeloupe (région 01) : la seule MLB
    d = budget.decomposition(jeu, 2024, code_region="01")
    b = parts(tables_minimal, 2024).filter(pl.col("code_ml") == "MLB")
    assert "ecart" not in d["poste"].to_list()
    assert dict(zip(d["poste"], d["montant_eur"])) == {
        "valorisation": b["valorisation_etp_eur"].item(),
        "subvention": b["subvention_compensatoire_eur"].item(),
        "credits": b["credits_financiers_eur"].item(),
        "total": b["part"].item(),
    }


def test_decomposition_annee_vide(jeu):
    d = budget.decomposition(jeu, 2030)
    assert d["montant_eur"].to_list() == [0.0, 0.0, 0.0, 0.0]
    assert d["poste"].to_list() == ["valorisation", "subvention", "credits", "total"]


# --------------------------------------------------------------------------------------------------
# Rapprochement
# --------------------------------------------------------------------------------------------------

def rapprochement_attendu(tables: dict[str, pl.DataFrame], annee: int) -> dict[str, dict]:
    """Calcul indépendant en Polars : référence, valeur comparée et écart de chaque contrôle, et les ML qui
    s'écartent du forfait."""
    a = parts(tables, annee)
    e = tables["enveloppe"].filter(pl.col("annee") == annee).row(0, named=True)
    f = e["forfait_etp_eur"]
    s = a.select(
        pl.col("part").sum(), pl.col("valorisation_etp_eur").sum(), pl.col("subvention_compensatoire_eur").sum(),
        pl.col("etp_affectes").sum(), pl.col("etp_compenses").sum(),
        ((pl.col("valorisation_etp_eur") - pl.col("etp_affectes") * f).abs() > 0.005).sum().alias("ml_val"),
        ((pl.col("subvention_compensatoire_eur") - pl.col("etp_compenses") * f).abs() > 0.005).sum().alias("ml_sub"),
    ).row(0, named=True)
    val_nat, etp_nat = e["valorisation_etp_eur"], e["etp_nationaux"]
    couples = {
        "enveloppe": (e["enveloppe_totale_eur"], s["part"]),
        "accord": (val_nat, etp_nat * f),
        "valorisation_ml": (val_nat, s["valorisation_etp_eur"] + s["subvention_compensatoire_eur"]),
        "valorisation_agents": (val_nat, s["valorisation_etp_eur"]),
        "valorisation_forfait": (s["etp_affectes"] * f, s["valorisation_etp_eur"]),
        "subvention_forfait": (s["etp_compenses"] * f, s["subvention_compensatoire_eur"]),
        "etp": (etp_nat, s["etp_affectes"] + s["etp_compenses"]),
    }
    attendu = {c: dict(reference=r, compare=v, ecart=v - r) for c, (r, v) in couples.items()}
    attendu["enveloppe"]["nb_ml"] = a.height
    attendu["valorisation_forfait"]["nb_ml"] = s["ml_val"]
    attendu["subvention_forfait"]["nb_ml"] = s["ml_sub"]
    return attendu


def verifier_rapprochement(r: pl.DataFrame, attendu: dict[str, dict]) -> None:
    lignes = {l["controle"]: l for l in r.iter_rows(named=True)}
    for controle, valeurs in attendu.items():
        for colonne, v in valeurs.items():
            assert lignes[controle][colonne] == pytest.approx(v, abs=1e-6), (controle, colonne)
    # Les trois causes de l'écart des moyens ETP s'additionnent exactement à l'écart
    v = lignes["valorisation_ml"]
    assert v["cause_accord_eur"] + v["cause_etp_eur"] + v["cause_forfait_eur"] == pytest.approx(v["ecart"], abs=1e-6)


def test_rapprochement_jeu_juste(jeu, tables_minimal):
    r = budget.rapprochement(jeu, 2024)
    assert r["controle"].to_list() == ["enveloppe", "accord", "valorisation_ml", "valorisation_agents",
                                       "valorisation_forfait", "subvention_forfait", "etp"]
    verifier_rapprochement(r, rapprochement_attendu(tables_minimal, 2024))
    a = parts(tables_minimal, 2024)
    lignes = {l["controle"]: l for l in r.iter_rows(named=True)}
    # Jeu juste : aucun écart ; seuls les agents réellement affectés manquent à la valorisation annoncée,
    # du montant des ETP compensés par une subvention
    assert r.filter(pl.col("controle") != "valorisation_agents")["ecart"].to_list() == [0.0] * 6
    assert r.filter(pl.col("controle") != "valorisation_agents")["cas"].to_list() == ["egal"] * 6
    assert lignes["valorisation_agents"]["ecart"] == -a["etp_compenses"].sum() * FORFAIT == -67_500.0
    assert lignes["valorisation_agents"]["cas"] == "moins"
    # Les nombres que citent les explications
    assert lignes["valorisation_agents"]["etp_compenses"] == a["etp_compenses"].sum() == 1.5
    assert lignes["valorisation_agents"]["subvention_eur"] == a["subvention_compensatoire_eur"].sum()
    assert (lignes["accord"]["etp_prevus"], lignes["accord"]["forfait_eur"]) == (3.5, FORFAIT)
    assert (lignes["valorisation_forfait"]["nb_ml"], lignes["subvention_forfait"]["nb_ml"]) == (0, 0)
    # Un nombre que le contrôle ne cite pas reste nul
    assert lignes["enveloppe"]["forfait_eur"] is None and lignes["etp"]["nb_ml"] is None


def test_rapprochement_ecart_de_l_accord(tmp_path):
    """325 × 45 000 € = 14 625 000 €, soit 125 000 € de plus que les 14 500 000 € annoncés."""
    t = tables_accord()
    r = budget.rapprochement(ouvrir(tmp_path, t), 2024)
    verifier_rapprochement(r, rapprochement_attendu(t, 2024))
    accord = r.filter(pl.col("controle") == "accord").row(0, named=True)
    assert accord["reference"] == 14_500_000.0
    assert accord["compare"] == 325 * 45_000.0 == 14_625_000.0
    assert accord["ecart"] == 125_000.0  # exact, pas arrondi
    assert accord["cas"] == "plus" and (accord["etp_prevus"], accord["forfait_eur"]) == (325.0, 45_000.0)
    # Les ML portent 325 ETP, l'enveloppe est exactement répartie
    env = r.filter(pl.col("controle") == "enveloppe").row(0, named=True)
    assert env["reference"] == 49_100_000.0 and env["compare"] == 49_100_000.0 and env["ecart"] == 0.0
    assert env["cas"] == "egal" and env["nb_ml"] == 2
    etp = r.filter(pl.col("controle") == "etp").row(0, named=True)
    assert (etp["reference"], etp["compare"], etp["ecart"], etp["cas"]) == (325.0, 325.0, 0.0, "egal")
    # Valorisation annoncée vs moyens ETP des ML : 200 × 45 000 + 125 × 45 000 = 14 625 000 € ; tout l'écart
    # vient de l'accord lui-même (ni écart d'ETP ni écart au forfait)
    val = r.filter(pl.col("controle") == "valorisation_ml").row(0, named=True)
    assert val["compare"] == 14_625_000.0 and val["ecart"] == 125_000.0 and val["cas"] == "plus"
    assert (val["cause_accord_eur"], val["cause_etp_eur"], val["cause_forfait_eur"]) == (125_000.0, 0.0, 0.0)


def test_rapprochement_ecarts_connus(tmp_path):
    t = tables_anomalies()
    r = budget.rapprochement(ouvrir(tmp_path, t), 2024)
    verifier_rapprochement(r, rapprochement_attendu(t, 2024))
    lignes = {l["controle"]: l for l in r.iter_rows(named=True)}
    # Σ parts = 387 500 + 10 000 − 4 999,50 + 12 345,67 + 1 000 (calcul indépendant ci-dessous)
    somme = parts(t, 2024)["part"].sum()
    assert somme == pytest.approx(387_500 + 10_000 - 4_999.5 + 12_345.67 + 1_000, abs=1e-6)
    assert lignes["enveloppe"]["compare"] == pytest.approx(somme, abs=1e-9)
    assert lignes["enveloppe"]["ecart"] == pytest.approx(18_346.17, abs=1e-6)
    assert lignes["enveloppe"]["cas"] == "plus" and lignes["enveloppe"]["nb_ml"] == 4
    assert lignes["valorisation_forfait"]["ecart"] == pytest.approx(10_000.0)
    assert (lignes["valorisation_forfait"]["cas"], lignes["valorisation_forfait"]["nb_ml"]) == ("plus", 1)
    assert lignes["subvention_forfait"]["ecart"] == pytest.approx(-4_999.5)
    assert (lignes["subvention_forfait"]["cas"], lignes["subvention_forfait"]["nb_ml"]) == ("moins", 1)
    # Moyens ETP des ML − valorisation annoncée = écarts au forfait (10 000 − 4 999,50), rien d'autre
    val = lignes["valorisation_ml"]
    assert val["ecart"] == pytest.approx(5_000.5) and val["cas"] == "plus"
    assert val["cause_forfait_eur"] == pytest.approx(5_000.5)
    assert val["cause_accord_eur"] == 0.0 and val["cause_etp_eur"] == 0.0


def test_rapprochement_ecarts_qui_se_compensent():
    param = dict(enveloppe_totale_eur=200_000.0, valorisation_etp_eur=90_000.0, etp_nationaux=2.0,
                 forfait_etp_eur=45_000.0)
    allocs = pl.DataFrame(dict(
        code_ml=["A", "B"], etp_affectes=[1.0, 1.0], etp_compenses=[0.0, 0.0],
        valorisation_etp_eur=[50_000.0, 40_000.0], subvention_compensatoire_eur=[0.0, 0.0],
        credits_financiers_eur=[55_000.0, 55_000.0],
    ))
    r = budget.rapprocher(param, allocs)
    ligne = r.filter(pl.col("controle") == "valorisation_forfait").row(0, named=True)
    assert ligne["ecart"] == 0.0
    assert ligne["cas"] == "compense" and ligne["nb_ml"] == 2
    # Les subventions, elles, sont justes : pas de compensation
    sub = r.filter(pl.col("controle") == "subvention_forfait").row(0, named=True)
    assert (sub["cas"], sub["nb_ml"]) == ("egal", 0)


def test_rapprochement_cas_sous_le_seuil():
    """Un écart sous le demi-centime est du bruit de flottants (égal) ; un centime est un écart."""
    param = dict(enveloppe_totale_eur=100.0, valorisation_etp_eur=45_000.0, etp_nationaux=1.0,
                 forfait_etp_eur=45_000.0)

    def cas(credits: float) -> str:
        allocs = pl.DataFrame(dict(
            code_ml=["A"], etp_affectes=[0.0], etp_compenses=[0.0], valorisation_etp_eur=[0.0],
            subvention_compensatoire_eur=[0.0], credits_financiers_eur=[credits]))
        return budget.rapprocher(param, allocs).filter(pl.col("controle") == "enveloppe")["cas"].item()

    assert [cas(100.004), cas(99.996), cas(100.01), cas(99.99)] == ["egal", "egal", "plus", "moins"]


def test_rapprochement_sans_enveloppe(jeu):
    r = budget.rapprochement(jeu, 2030)
    assert r.is_empty() and r.columns == list(budget.SCHEMA_RAPPROCHEMENT)


# --------------------------------------------------------------------------------------------------
# Du national à la ML
# --------------------------------------------------------------------------------------------------

def test_detail_par_maille(tmp_path):
    t = tables_anomalies()
    jeu = ouvrir(tmp_path, t)
    a = parts(t, 2024)
    total = a["part"].sum()
    for maille in budget.MAILLES_DETAIL:
        d = budget.detail(jeu, 2024, maille)
        # Rien ne se perd : codes inconnus compris
        assert d["part_eur"].sum() == pytest.approx(total, abs=1e-6), maille
        assert d["part_pct"].sum() == pytest.approx(100.0)
        assert d["nb_ml"].sum() == a.height
    reg = budget.detail(jeu, 2024, "region")
    assert budget.LIBELLE_REGION_INCONNUE in reg["nom_region"].to_list()
    guadeloupe = reg.filter(pl.col("code_region") == "01").row(0, named=True)
    assert guadeloupe["part_eur"] == a.filter(pl.col("code_ml") == "MLB")["part"].item()
    ml = budget.detail(jeu, 2024, "ml", code_region="27")
    assert ml["code_ml"].to_list() == ["MLA"]
    assert ml["nom_region"].item() == "Bourgogne-Franche-Comté"
    dep = budget.detail(jeu, 2024, "ml", code_departement="971")
    assert dep["code_ml"].to_list() == ["MLB"]
    deps = budget.detail(jeu, 2024, "departement")
    assert deps.columns[:4] == ["code_departement", "nom_departement", "code_region", "nom_region"]
    assert deps.filter(pl.col("code_departement") == "90")["part_eur"].item() == \
        a.filter(pl.col("code_ml") == "MLA")["part"].item()
    with pytest.raises(ValueError, match="Maille inconnue"):
        budget.detail(jeu, 2024, "commune")


def test_arbre_somme_des_enfants(tmp_path):
    t = tables_anomalies()
    arbre = budget.arbre(ouvrir(tmp_path, t), 2024)
    assert arbre["id"].n_unique() == arbre.height
    ids = set(arbre["id"])
    assert all(p == "" or p in ids for p in arbre["parent"])
    enfants = arbre.filter(pl.col("parent") != "").group_by("parent").agg(pl.col("montant_eur").sum())
    for parent, somme in enfants.iter_rows():
        assert arbre.filter(pl.col("id") == parent)["montant_eur"].item() == pytest.approx(somme)
    racines = arbre.filter(pl.col("parent") == "")
    assert racines["montant_eur"].sum() == pytest.approx(parts(t, 2024)["part"].sum())
    assert arbre.filter(pl.col("niveau") == "ml").height == 4


# --------------------------------------------------------------------------------------------------
# Ratios et boîtes à moustaches
# --------------------------------------------------------------------------------------------------

def test_ratios_ml(jeu, tables_minimal):
    r = budget.ratios_ml(jeu, 2024)
    a = parts(tables_minimal, 2024)
    act = (tables_minimal["activite"].filter(pl.col("mois").dt.year() == 2024)
           .group_by("code_ml").agg(pl.col("jeunes_accompagnes").mean()))
    ent = (tables_minimal["orientations"]
           .filter((pl.col("mois").dt.year() == 2024) & (pl.col("sens") == "ft_vers_ml"))
           .group_by("code_ml").agg(pl.col("entres").sum()))
    attendu = a.join(act, on="code_ml").join(ent, on="code_ml").select(
        "code_ml",
        (pl.col("part") / pl.col("jeunes_accompagnes")).alias("eur_par_jeune"),
        (pl.col("part") / pl.col("entres")).alias("eur_par_entree"),
        (pl.col("part") / pl.col("objectif_entrees_delegation")).alias("eur_par_objectif"),
    ).sort("code_ml")
    assert r.select(attendu.columns).equals(attendu)
    # MLA : 262 500 € / 1 200 jeunes par mois = 218,75 €
    assert r.filter(pl.col("code_ml") == "MLA")["eur_par_jeune"].item() == 218.75


def test_ratios_denominateur_nul(tmp_path):
    t = jeu_minimal()
    t["allocations"] = remplacer(t["allocations"], pl.col("code_ml") == "MLB", objectif_entrees_delegation=0)
    t["activite"] = t["activite"].filter(pl.col("code_ml") != "MLB")
    r = budget.ratios_ml(ouvrir(tmp_path, t), 2024).filter(pl.col("code_ml") == "MLB").row(0, named=True)
    assert r["eur_par_objectif"] is None and r["eur_par_jeune"] is None
    assert r["eur_par_entree"] is not None


def test_ratios_ml_sans_part(tmp_path):
    """Une ML qui ne reçoit rien n'est pas une ML « à 0 € par jeune » : ses ratios sont absents."""
    t = jeu_minimal()
    t["allocations"] = remplacer(
        t["allocations"], pl.col("code_ml") == "MLB", etp_compenses=0.0, subvention_compensatoire_eur=0.0,
        credits_financiers_eur=0.0)
    r = budget.ratios_ml(ouvrir(tmp_path, t), 2024).filter(pl.col("code_ml") == "MLB").row(0, named=True)
    assert r["part_eur"] == 0.0
    assert (r["eur_par_jeune"], r["eur_par_entree"], r["eur_par_objectif"]) == (None, None, None)


def test_boites_points_aberrants_nommes():
    valeurs = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 500.0, 10.0]
    ratios = pl.DataFrame({
        "code_ml": [f"M{i}" for i in range(len(valeurs))],
        "nom_ml": [f"Mission Locale {i}" for i in range(len(valeurs))],
        "nom_region": ["R"] * len(valeurs),
        "eur_par_jeune": valeurs,
        "eur_par_entree": [None] * len(valeurs),
        "eur_par_objectif": [1.0] * len(valeurs),
    }, schema_overrides={"eur_par_entree": pl.Float64})
    stats, points = budget.boites(ratios)
    s = stats.filter(pl.col("ratio") == "eur_par_jeune").row(0, named=True)
    serie = pl.Series(valeurs)
    q1, q3 = serie.quantile(0.25, "linear"), serie.quantile(0.75, "linear")
    assert (s["q1"], s["mediane"], s["q3"]) == (q1, serie.median(), q3)
    assert s["borne_haute"] == q3 + 1.5 * (q3 - q1)
    dehors = ratios.filter((pl.col("eur_par_jeune") > q3 + 1.5 * (q3 - q1))
                           | (pl.col("eur_par_jeune") < q1 - 1.5 * (q3 - q1)))
    p = points.filter(pl.col("ratio") == "eur_par_jeune").sort("valeur")
    assert p["nom_ml"].to_list() == dehors.sort("eur_par_jeune")["nom_ml"].to_list() == [
        "Mission Locale 8", "Mission Locale 7"]
    assert p["position"].to_list() == ["bas", "haut"]
    assert s["nb_aberrants"] == 2 and s["moustache_haute"] == 103.0 and s["moustache_basse"] == 97.0
    vide = stats.filter(pl.col("ratio") == "eur_par_entree").row(0, named=True)
    assert vide["n"] == 0 and vide["mediane"] is None
    assert stats.filter(pl.col("ratio") == "eur_par_objectif")["nb_aberrants"].item() == 0


# --------------------------------------------------------------------------------------------------
# Agents et subventions au fil des années
# --------------------------------------------------------------------------------------------------

def tables_perte_agent() -> dict[str, pl.DataFrame]:
    """MLA a 2 ETP affectés en 2023 et les perd en 2024 (2 ETP compensés de plus)."""
    t = jeu_minimal()
    t["allocations"] = remplacer(
        t["allocations"], (pl.col("code_ml") == "MLA") & (pl.col("annee") == 2024),
        etp_affectes=0.0, etp_compenses=2.5, valorisation_etp_eur=0.0,
        subvention_compensatoire_eur=2.5 * FORFAIT,
    )
    return t


def test_series_nationales_et_regionales(tmp_path):
    t = tables_perte_agent()
    jeu = ouvrir(tmp_path, t)
    s = budget.series(jeu)
    a = t["allocations"]
    attendu = a.group_by("annee").agg(
        pl.col("etp_affectes").sum(), pl.col("etp_compenses").sum(), pl.len().alias("nb_ml"),
        (pl.col("etp_affectes") > 0).sum().alias("nb_ml_avec_agent"),
    ).sort("annee")
    assert s.select(attendu.columns).with_columns(pl.col("nb_ml", "nb_ml_avec_agent").cast(pl.UInt32)).equals(
        attendu.with_columns(pl.col("nb_ml", "nb_ml_avec_agent").cast(pl.UInt32)))
    l23, l24 = s.row(0, named=True), s.row(1, named=True)
    assert l23["nb_ml_ayant_perdu_agent"] is None  # première année : pas d'année précédente
    assert l24["nb_ml_ayant_perdu_agent"] == 1
    assert l24["part_ml_avec_agent_pct"] == 0.0
    assert l23["part_ml_avec_agent_pct"] == 50.0
    assert l24["taux_maintien_pct"] == 0.0
    assert l24["nom_region"] == "France"
    bfc = budget.series(jeu, code_region="27")
    assert bfc["etp_affectes"].to_list() == [2.0, 0.0]
    assert bfc["nb_ml_ayant_perdu_agent"].to_list() == [None, 1]
    toutes = budget.series(jeu, toutes_regions=True)
    assert sorted(toutes["code_region"].unique().to_list()) == ["01", "27"]
    perdues = budget.ml_ayant_perdu_agent(jeu, 2024)
    assert perdues["code_ml"].to_list() == ["MLA"]
    assert perdues["etp_affectes_annee_precedente"].to_list() == [2.0]
    assert budget.ml_ayant_perdu_agent(jeu, 2024, code_region="01").is_empty()
    assert budget.ml_ayant_perdu_agent(jeu, 2023).is_empty()


# --------------------------------------------------------------------------------------------------
# Simulateur
# --------------------------------------------------------------------------------------------------

def empreinte(dossier: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(dossier.glob("*.parquet"))}


def test_simulation_d_une_ml_ne_touche_pas_aux_donnees(tmp_path, tables_minimal):
    jeu = ouvrir(tmp_path, tables_minimal)
    avant = empreinte(tmp_path)
    sim = budget.simuler(jeu, 2024, budget.Scenario(codes_ml=("MLA",)))
    assert empreinte(tmp_path) == avant
    assert budget.decomposition(jeu, 2024).equals(
        budget.decomposer(budget.allocations_ml(jeu, 2024), 387_500.0))
    apres = sim.allocations_apres.filter(pl.col("code_ml") == "MLA").row(0, named=True)
    assert apres["etp_affectes"] == 0.0 and apres["etp_compenses"] == 2.5
    assert apres["valorisation_etp_eur"] == 0.0
    assert apres["subvention_compensatoire_eur"] == 2.5 * FORFAIT
    assert apres["etp_bascules"] == 2.0
    assert sim.etp_bascules == 2.0
    assert sim.ml_relation_financiere["code_ml"].to_list() == ["MLA"]
    assert (sim.nb_ml_sans_agent_avant, sim.nb_ml_sans_agent_apres) == (1, 2)
    dec = {l["poste"]: l for l in sim.decomposition.iter_rows(named=True)}
    assert dec["valorisation"]["variation_eur"] == -2 * FORFAIT
    assert dec["subvention"]["variation_eur"] == 2 * FORFAIT
    assert dec["ecart"]["apres_eur"] == 0.0  # valorisations justes : l'enveloppe reste répartie
    rap = {l["controle"]: l for l in sim.rapprochement.iter_rows(named=True)}
    assert rap["valorisation_agents"]["ecart_apres"] - rap["valorisation_agents"]["ecart_avant"] == -2 * FORFAIT
    assert rap["valorisation_ml"]["ecart_apres"] == rap["valorisation_ml"]["ecart_avant"] == 0.0
    assert rap["enveloppe"]["ecart_apres"] == 0.0
    # Le rapprochement après la bascule est celui des allocations après (les explications s'en écrivent)
    assert sim.rapprochement_apres.equals(budget.rapprocher(budget.parametres(jeu, 2024), sim.allocations_apres))
    assert sim.rapprochement["ecart_apres"].to_list() == sim.rapprochement_apres["ecart"].to_list()
    assert not sim.perimetre_insuffisant
    # L'autre ML est inchangée
    assert sim.allocations_apres.filter(pl.col("code_ml") == "MLB").drop("etp_bascules").equals(
        sim.allocations_avant.filter(pl.col("code_ml") == "MLB"))


def test_simulation_avec_valorisation_anormale(tmp_path):
    """MLA valorise 2 ETP 100 000 € au lieu de 90 000 € : après bascule, la valorisation tombe à 0 et la
    subvention gagne 2 × 45 000 € ; la somme des parts baisse de 10 000 €."""
    t = tables_anomalies()
    sim = budget.simuler(ouvrir(tmp_path, t), 2024, budget.Scenario(codes_ml=("MLA",)))
    rap = {l["controle"]: l for l in sim.rapprochement.iter_rows(named=True)}
    assert rap["enveloppe"]["ecart_apres"] == pytest.approx(rap["enveloppe"]["ecart_avant"] - 10_000.0)
    assert rap["valorisation_forfait"]["ecart_avant"] == pytest.approx(10_000.0)
    assert rap["valorisation_forfait"]["ecart_apres"] == pytest.approx(0.0)


def test_simulation_n_etp_selon_l_ordre():
    param = dict(enveloppe_totale_eur=1_000_000.0, valorisation_etp_eur=270_000.0, etp_nationaux=6.0,
                 forfait_etp_eur=45_000.0)
    avant = pl.DataFrame(dict(
        code_ml=["A", "B", "C"], nom_ml=["A", "B", "C"], nom_departement=["d"] * 3, nom_region=["r"] * 3,
        code_region=["27", "27", "01"],
        etp_affectes=[1.0, 2.0, 3.0], etp_compenses=[0.0, 0.0, 0.0],
        valorisation_etp_eur=[45_000.0, 90_000.0, 135_000.0], subvention_compensatoire_eur=[0.0] * 3,
        credits_financiers_eur=[100_000.0] * 3,
    )).with_columns(part_eur=pl.col("valorisation_etp_eur") + pl.col("credits_financiers_eur") + 0.0)
    petites = budget.simuler_tableaux(param, avant, budget.Scenario(etp=2.0, ordre="petites_d_abord"))
    assert petites.allocations_apres["etp_bascules"].to_list() == [1.0, 1.0, 0.0]
    assert petites.ml_relation_financiere["code_ml"].to_list() == ["A"]
    grandes = budget.simuler_tableaux(param, avant, budget.Scenario(etp=2.0, ordre="grandes_d_abord"))
    assert grandes.allocations_apres["etp_bascules"].to_list() == [0.0, 0.0, 2.0]
    assert grandes.ml_relation_financiere.is_empty()
    prorata = budget.simuler_tableaux(param, avant, budget.Scenario(etp=3.0, ordre="proportionnel"))
    assert prorata.allocations_apres["etp_bascules"].to_list() == [0.5, 1.0, 1.5]
    # Région 27 seulement (A et B), plus d'ETP demandés qu'il n'y en a : message
    region = budget.simuler_tableaux(param, avant, budget.Scenario(code_region="27", etp=10.0))
    assert region.allocations_apres["etp_bascules"].to_list() == [1.0, 2.0, 0.0]
    assert region.etp_bascules == 3.0 and region.etp_demandes == 10.0 and region.perimetre_insuffisant
    assert not (petites.perimetre_insuffisant or grandes.perimetre_insuffisant or prorata.perimetre_insuffisant)
    # La part de chaque ML est inchangée quand les valorisations sont au forfait
    for sim in (petites, grandes, prorata, region):
        assert sim.allocations_apres["part_eur"].to_list() == avant["part_eur"].to_list()
        assert sim.allocations_apres["etp_compenses"].sum() == sim.etp_bascules
    with pytest.raises(ValueError, match="Ordre de répartition inconnu"):
        budget.simuler_tableaux(param, avant, budget.Scenario(etp=1.0, ordre="au_hasard"))


def test_simulation_sans_enveloppe(jeu):
    assert budget.simuler(jeu, 2030, budget.Scenario()) is None


# --------------------------------------------------------------------------------------------------
# Anomalies
# --------------------------------------------------------------------------------------------------

def test_anomalies_montants_en_jeu(tmp_path):
    t = tables_anomalies()
    an = budget.anomalies(ouvrir(tmp_path, t), 2024)
    par_type = {(l["type"], l["code_ml"]): l for l in an.iter_rows(named=True)}
    assert set(par_type) == {("valorisation", "MLA"), ("subvention", "MLB"), ("ml_inconnue", "MLZ"),
                             ("departement_inconnu", "MLC")}
    v = par_type[("valorisation", "MLA")]
    assert (v["montant_declare_eur"], v["montant_attendu_eur"], v["ecart_eur"], v["montant_en_jeu_eur"]) == (
        100_000.0, 2 * FORFAIT, 10_000.0, 10_000.0)
    s = par_type[("subvention", "MLB")]
    assert s["ecart_eur"] == pytest.approx(-4_999.5) and s["montant_en_jeu_eur"] == pytest.approx(4_999.5)
    assert s["etp"] == 1.0 and s["montant_declare_eur"] == 40_000.5 and s["montant_attendu_eur"] == FORFAIT
    # Le forfait, que citent les explications des écarts au forfait, et lui seulement
    assert v["forfait_eur"] == s["forfait_eur"] == FORFAIT
    z = par_type[("ml_inconnue", "MLZ")]
    assert z["montant_en_jeu_eur"] == z["montant_declare_eur"] == 12_345.67
    assert (z["etp"], z["forfait_eur"], z["nom_ml"]) == (None, None, "MLZ (inconnue)")
    c = par_type[("departement_inconnu", "MLC")]
    assert c["montant_en_jeu_eur"] == c["montant_declare_eur"] == 1_000.0
    assert (c["code_departement"], c["nom_ml"], c["forfait_eur"]) == ("99", "Mission Locale fantôme", None)
    # Calcul indépendant des écarts au forfait
    a = parts(t, 2024).with_columns(
        (pl.col("valorisation_etp_eur") - pl.col("etp_affectes") * FORFAIT).abs().alias("ev"),
        (pl.col("subvention_compensatoire_eur") - pl.col("etp_compenses") * FORFAIT).abs().alias("es"),
    )
    assert an.filter(pl.col("type").is_in(["valorisation", "subvention"]))["montant_en_jeu_eur"].sum() == \
        pytest.approx(a["ev"].sum() + a["es"].sum())
    # Trié du plus gros montant en jeu au plus petit
    assert an["montant_en_jeu_eur"].to_list() == sorted(an["montant_en_jeu_eur"].to_list(), reverse=True)
    # 2023 est juste
    assert budget.anomalies(ouvrir(tmp_path / "b", t), 2023).is_empty()


def test_anomalies_par_region(tmp_path):
    an = budget.anomalies(ouvrir(tmp_path, tables_anomalies()), 2024, code_region="27")
    assert an["code_ml"].to_list() == ["MLA"]
