"""Jeu de démonstration (donnees/demo.py) : généré une fois par session, puis confronté au contrat et aux
ordres de grandeur publics du réseau (docs : domaine, notice UNML). Chaque chiffre est recalculé ici en
Polars, indépendamment du générateur."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from donnees import demo, referentiel
from donnees.contrat import MOTIFS, TABLES, TYPES_POLARS

ANNEES = list(range(2015, 2026))
RACINE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def generation(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("demo")
    messages: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    demo.generer(dossier, graine=2015, progression=lambda f, m: messages.append((f, m)))
    return dossier, time.perf_counter() - t0, messages


@pytest.fixture(scope="session")
def dossier(generation) -> Path:
    return generation[0]


@pytest.fixture(scope="session")
def t(dossier) -> dict[str, pl.DataFrame]:
    return {nom: pl.read_parquet(dossier / table.fichier) for nom, table in TABLES.items()}


@pytest.fixture(scope="session")
def communes() -> pl.DataFrame:
    return referentiel.communes()


def _empreintes(dossier: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(dossier.glob("*.parquet"))}


# --------------------------------------------------------------------------------------------
# Fichiers, types, durée, progression
# --------------------------------------------------------------------------------------------

def test_dix_fichiers_aux_colonnes_et_types_du_contrat(dossier, t):
    assert sorted(p.name for p in dossier.iterdir()) == sorted(tb.fichier for tb in TABLES.values())
    for nom, table in TABLES.items():
        attendu = {c.nom: TYPES_POLARS[c.type] for c in table.colonnes}
        assert dict(t[nom].schema) == attendu, nom
        assert t[nom].height > 0, nom
        assert t[nom].select(table.cle).is_unique().all(), f"clé non unique dans {nom}"


def test_generation_en_moins_d_une_minute(generation):
    assert generation[1] < 60, f"génération en {generation[1]:.1f} s"


def test_progression_en_francais_et_croissante(generation):
    messages = generation[2]
    fractions = [f for f, _ in messages]
    assert messages[0] == (0.0, "Communes et territoires des Missions Locales…")
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("Orientations" in m for _, m in messages)
    assert all(m.endswith(("…", ".")) or re.search(r"… \d{4}$", m) for _, m in messages)


def test_valide_selon_le_validateur(dossier):
    valider = pytest.importorskip("donnees.valider")
    rapport = valider.valider_dossier(dossier)
    assert rapport.valide, rapport.texte()
    # les deux avertissements voulus : trous de couverture et anomalies de valorisation
    regles = " ".join(a.message for a in rapport.avertissements)
    assert "aucune Mission Locale" in regles
    assert "valorisation" in regles


# --------------------------------------------------------------------------------------------
# Missions Locales et territoires
# --------------------------------------------------------------------------------------------

def test_nombre_codes_et_noms_des_ml(t, communes):
    ml = t["missions_locales"]
    assert 430 <= ml.height <= 450
    assert ml["code_ml"].str.contains(r"^ML(\d{3}|02[AB])\d{2}$").all()
    assert ml["nom_ml"].n_unique() == ml.height
    # département = celui de la commune siège ; le nom est celui du siège, avec élision
    j = ml.join(communes, left_on="code_commune_siege", right_on="code_commune", how="left")
    assert (j["code_departement"] == j["code_departement_right"]).all()
    assert ml["code_ml"].str.slice(2, 3).to_list() == [d.rjust(3, "0") for d in ml["code_departement"]]
    for nom_ml, nom_commune in zip(j["nom_ml"], j["nom_commune"]):
        # homonymes départagés par le département : « Mission Locale de Saint-Denis (Réunion) »
        assert nom_ml.split(" (")[0] == f"Mission Locale {demo._de(nom_commune)}", (nom_ml, nom_commune)
        assert not re.search(r" de [AEIOUÉÈÎ]", nom_ml), nom_ml
        assert " de Le " not in nom_ml and " de Les " not in nom_ml
    assert "Mission Locale de Paris" in ml["nom_ml"].to_list()
    assert "Mission Locale d'Arras" in ml["nom_ml"].to_list()


def test_elision_des_noms():
    assert demo._de("Arras") == "d'Arras"
    assert demo._de("Évreux") == "d'Évreux"
    assert demo._de("Le Havre") == "du Havre"
    assert demo._de("Les Abymes") == "des Abymes"
    assert demo._de("La Rochelle") == "de La Rochelle"
    assert demo._de("Hénin-Beaumont") == "d'Hénin-Beaumont"
    assert demo._de("Haguenau") == "de Haguenau"
    assert demo._de("Paris") == "de Paris"


def test_article_du_nom_de_commune_selon_le_tncc():
    communes = pl.DataFrame({"nom_commune": ["Havre", "Le Mans", "Rochelle", "Arras"],
                             "tncc": ["2", "2", "3", "1"]})
    noms = demo._noms_complets(communes)
    assert noms == ["Le Havre", "Le Mans", "La Rochelle", "Arras"]
    assert [demo._de(n) for n in noms] == ["du Havre", "du Mans", "de La Rochelle", "d'Arras"]
    assert demo._noms_complets(communes.drop("tncc")) == ["Havre", "Le Mans", "Rochelle", "Arras"]


def test_territoires_reunions_d_epci_entiers_dans_un_departement(t, communes):
    ter = t["territoires_ml"].join(communes, on="code_commune", how="left")
    ml = t["missions_locales"]
    assert ter["code_commune"].is_unique().all()
    assert set(ter["code_ml"]) == set(ml["code_ml"])
    # une ML = un seul département, celui de son siège
    deps = ter.group_by("code_ml").agg(pl.col("code_departement").unique())
    assert deps["code_departement"].list.len().max() == 1
    assert (deps.join(ml, on="code_ml").select(
        pl.col("code_departement").list.first() == pl.col("code_departement_right")).to_series().all())
    # chaque EPCI ∩ département relève d'une seule ML, sauf les très grands EPCI découpés (≥ 400 000 hab.)
    unites = (ter.filter(pl.col("code_epci").is_not_null())
              .group_by("code_epci", "code_departement")
              .agg(pl.col("code_ml").n_unique().alias("nb_ml"), pl.col("population").sum()))
    decoupees = unites.filter(pl.col("nb_ml") > 1)
    assert decoupees["population"].min() >= 400_000, decoupees
    assert 8 <= decoupees.height <= 25
    # le siège est dans le territoire de sa ML
    sieges = ml.join(t["territoires_ml"], left_on="code_commune_siege", right_on="code_commune")
    assert (sieges["code_ml"] == sieges["code_ml_right"]).all() and sieges.height == ml.height


def test_quelques_communes_non_couvertes(t, communes):
    absentes = communes.join(t["territoires_ml"], on="code_commune", how="anti")
    assert 5 <= absentes.height <= 15
    assert absentes["population"].max() <= 2000


def test_une_ml_couvre_environ_17_400_jeunes(t):
    c = t["contexte"].filter(pl.col("annee") == 2021).join(t["territoires_ml"], on="code_commune")
    par_ml = c.group_by("code_ml").agg(pl.col("population_16_25").sum())
    assert 16_000 <= par_ml["population_16_25"].mean() <= 19_000


# --------------------------------------------------------------------------------------------
# Lieux d'accueil et agences
# --------------------------------------------------------------------------------------------

def test_lieux_d_accueil(t):
    s = t["sites_ml"]
    assert 6_200 <= s.height <= 6_900
    n = s["type_site"].value_counts()
    n = dict(zip(n["type_site"], n["count"]))
    assert n["siege"] == t["missions_locales"].height
    assert 1_050 <= n["antenne"] <= 1_250 and 4_700 <= n["permanence"] <= 5_300
    sieges = s.filter(type_site="siege").join(t["missions_locales"], on="code_ml")
    assert (sieges["code_commune"] == sieges["code_commune_siege"]).all()
    # tous les lieux sont dans le territoire de leur ML
    j = s.join(t["territoires_ml"], on="code_commune", how="left")
    assert (j["code_ml"] == j["code_ml_right"]).all()
    nuls = s["latitude"].null_count()
    assert 0 < nuls < 0.1 * s.height
    assert s["latitude"].null_count() == s["longitude"].null_count()


def test_agences_dans_les_villes(t, communes):
    a = t["agences"]
    assert 850 <= a.height <= 950
    j = a.join(communes, on="code_commune")
    assert j.height == a.height
    assert j["population"].median() > 10_000
    # Paris a des agences dans plusieurs arrondissements, chaque département au moins une
    assert j.filter(code_commune="75056").height >= 10
    assert j["code_departement"].n_unique() == communes["code_departement"].n_unique()
    assert 0 < a["latitude"].null_count() < 0.1 * a.height


def test_chaque_ml_travaille_avec_les_agences_de_son_territoire(t):
    ac = t["accords"].filter(pl.col("statut") != "non_engage")
    agences = t["agences"].join(t["territoires_ml"], on="code_commune", how="left")
    assert agences["code_ml"].null_count() == 0  # toute agence est sur le territoire d'une ML
    signataires = ac.select("code_ml", pl.col("codes_agences").alias("code_agence")).explode("code_agence")
    j = signataires.join(agences.select("code_agence", pl.col("code_ml").alias("ml_agence")), on="code_agence")
    assert (j["code_ml"] == j["ml_agence"]).mean() > 0.99
    nb = ac.group_by("code_ml").agg(pl.col("codes_agences").list.len().max())["codes_agences"]
    assert nb.min() >= 1
    assert (nb <= 4).mean() >= 0.95  # plus de 4 : seulement les ML des très grandes villes


# --------------------------------------------------------------------------------------------
# Accords
# --------------------------------------------------------------------------------------------

def _en_vigueur(accords: pl.DataFrame, jour: date) -> pl.DataFrame:
    return accords.filter(
        pl.col("statut") == "signe",
        pl.coalesce("date_debut", "date_signature") <= jour,
        pl.col("date_fin").is_null() | (pl.col("date_fin") >= jour),
    )


def test_accords_vague_2015_et_statuts_fin_2025(t):
    ac, ml = t["accords"], t["missions_locales"]
    assert set(ac["code_ml"]) == set(ml["code_ml"])
    vague = ac.filter(pl.col("date_signature").dt.year() == 2015)
    assert vague["code_ml"].n_unique() >= 0.85 * ml.height
    assert vague["date_signature"].min() >= date(2015, 2, 10)
    en_vigueur = _en_vigueur(ac, date(2025, 12, 31))["code_ml"].n_unique() / ml.height
    assert 0.74 <= en_vigueur <= 0.82
    dernier = ac.sort("id_accord").group_by("code_ml").last()
    n = dict(zip(*dernier["statut"].value_counts().to_dict(as_series=False).values()))
    for statut, (bas, haut) in {"echu": (0.04, 0.11), "denonce": (0.01, 0.05),
                                "en_negociation": (0.04, 0.12), "non_engage": (0.01, 0.05)}.items():
        assert bas * ml.height <= n.get(statut, 0) <= haut * ml.height, statut
    assert 0.85 <= _en_vigueur(ac, date(2016, 12, 31))["code_ml"].n_unique() / ml.height <= 0.98


def test_regles_des_accords(t):
    ac = t["accords"]
    agences = set(t["agences"]["code_agence"])
    assert ac.filter(pl.col("codes_agences").list.len() == 0)["statut"].unique().to_list() == ["non_engage"]
    assert set(ac["codes_agences"].explode().drop_nulls()) <= agences
    signes = ac.filter(pl.col("statut").is_in(["signe", "echu", "denonce"]))
    assert signes["date_signature"].null_count() == 0
    assert ac.filter(pl.col("date_fin") < pl.col("date_debut")).height == 0
    assert ac.filter(statut="non_engage")["modalite_moyens"].unique().to_list() == ["aucune"]


def test_contenu_des_accords_varie_selon_les_regions(t, communes):
    ac = t["accords"].filter(pl.col("statut") != "non_engage").join(
        t["missions_locales"], on="code_ml").join(
        communes.select(pl.col("code_commune").alias("code_commune_siege"), "code_region"),
        on="code_commune_siege")
    par_region = ac.group_by("code_region").agg(pl.col("criteres_orientation").mean(),
                                                 pl.col("participation_jeunes").mean(), pl.len())
    grandes = par_region.filter(pl.col("len") >= 30)
    assert grandes["criteres_orientation"].max() - grandes["criteres_orientation"].min() > 0.15
    assert grandes["participation_jeunes"].max() - grandes["participation_jeunes"].min() > 0.4
    assert set(ac["participation_jeunes"].unique()) == {0, 1, 2, 3}


def test_modalite_des_moyens_conforme_aux_allocations(t):
    ac = t["accords"].filter(pl.col("date_debut").is_not_null())
    al = t["allocations"]
    for ligne in ac.iter_rows(named=True):
        fin = ligne["date_fin"].year if ligne["date_fin"] else 2025
        moyens = al.filter(pl.col("code_ml") == ligne["code_ml"],
                           pl.col("annee").is_between(ligne["date_debut"].year, min(fin, 2025)))
        a = (moyens["etp_affectes"] > 0).any()
        s = (moyens["etp_compenses"] > 0).any()
        attendu = "mixte" if a and s else "agent_affecte" if a else "subvention" if s else "aucune"
        assert ligne["modalite_moyens"] == attendu, ligne["id_accord"]


# --------------------------------------------------------------------------------------------
# Moyens
# --------------------------------------------------------------------------------------------

def test_enveloppe_nationale(t):
    e = t["enveloppe"].sort("annee")
    assert e["annee"].to_list() == ANNEES
    assert (e["enveloppe_totale_eur"] == 49_100_000).all()
    assert (e["valorisation_etp_eur"] == 14_500_000).all()
    assert (e["etp_nationaux"] == 325).all()
    assert (e["forfait_etp_eur"] == 45_000).all()
    assert (e["objectif_jeunes_delegation"] == 150_000).all()


def test_allocations_sommes_exactes(t):
    al = t["allocations"]
    assert al.height == t["missions_locales"].height * len(ANNEES)
    par_an = al.group_by("annee").agg(
        ((pl.col("etp_affectes") * 10).round(0).cast(pl.Int64)
         + (pl.col("etp_compenses") * 10).round(0).cast(pl.Int64)).sum().alias("dixiemes"),
        (pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
         + pl.col("credits_financiers_eur")).sum().alias("parts"),
        ((pl.col("etp_affectes") + pl.col("etp_compenses")) * 45_000).sum().alias("valeur_etp"),
        pl.col("objectif_entrees_delegation").sum(),
        pl.col("etp_affectes").sum(),
    ).sort("annee")
    assert (par_an["dixiemes"] == 3_250).all()
    assert (par_an["parts"] == 49_100_000).all()
    assert ((par_an["valeur_etp"] - 14_625_000).abs() < 0.01).all()
    assert ((par_an["objectif_entrees_delegation"] - 150_000).abs() <= 1_500).all()
    # ETP au dixième, euros entiers
    assert ((al["etp_affectes"] * 10 - (al["etp_affectes"] * 10).round(0)).abs() < 1e-9).all()
    assert (al["credits_financiers_eur"] == al["credits_financiers_eur"].round(0)).all()
    # les agents affectés reculent : ~300 ETP en 2015, ~200 en 2025
    aff = par_an["etp_affectes"].to_list()
    assert 280 <= aff[0] <= 315 and 180 <= aff[-1] <= 225
    assert aff[-1] < aff[5] < aff[0]


def test_recul_des_agents_inegal_selon_les_regions(t, communes):
    al = t["allocations"].join(t["missions_locales"], on="code_ml").join(
        communes.select(pl.col("code_commune").alias("code_commune_siege"), "code_region"),
        on="code_commune_siege")
    part = (al.filter(pl.col("annee") == 2025).group_by("code_region")
            .agg((pl.col("etp_affectes").sum() / (pl.col("etp_affectes") + pl.col("etp_compenses")).sum())
                 .alias("part"), pl.len()).filter(pl.col("len") >= 15))
    assert part["part"].max() - part["part"].min() > 0.2


def test_quelques_anomalies_de_valorisation(t):
    al = t["allocations"]
    anomalies = al.filter((pl.col("valorisation_etp_eur") - pl.col("etp_affectes") * 45_000).abs() > 1)
    assert 3 <= anomalies["code_ml"].n_unique() <= 6
    normales = al.join(anomalies.select("annee", "code_ml"), on=["annee", "code_ml"], how="anti")
    assert ((normales["subvention_compensatoire_eur"] - normales["etp_compenses"] * 45_000).abs() < 1).all()


# --------------------------------------------------------------------------------------------
# Orientations
# --------------------------------------------------------------------------------------------

def test_orientations_entonnoir_et_references(t):
    o = t["orientations"]
    assert o.height >= 1_000_000
    assert (o["acceptes"] <= o["orientes"]).all() and (o["entres"] <= o["acceptes"]).all()
    assert (o["entres"] >= 0).all()
    assert o["mois"].min() == date(2015, 1, 1) and o["mois"].max() == date(2025, 12, 1)
    assert (o["mois"].dt.day() == 1).all()
    assert set(o["code_agence"].drop_nulls()) <= set(t["agences"]["code_agence"])
    assert 0 < o["code_agence"].null_count() < 0.1 * o.height
    assert o.select("mois", "code_ml", "code_agence", "sens", "motif").is_unique().all()


def test_150_000_entrees_en_delegation_par_an(t):
    par_an = (t["orientations"].filter(sens="ft_vers_ml")
              .group_by(pl.col("mois").dt.year().alias("annee"))
              .agg(pl.col("orientes", "acceptes", "entres").sum()).sort("annee"))
    assert par_an["annee"].to_list() == ANNEES
    assert ((par_an["entres"] - 150_000).abs() <= 0.15 * 150_000).all(), par_an
    acceptation = par_an["acceptes"].sum() / par_an["orientes"].sum()
    entree = par_an["entres"].sum() / par_an["acceptes"].sum()
    assert 0.83 <= acceptation <= 0.91 and 0.80 <= entree <= 0.90


def test_saisonnalite_pic_de_rentree_creux_d_aout(t):
    par_mois = (t["orientations"].filter(sens="ft_vers_ml").group_by(pl.col("mois").dt.month().alias("m"))
                .agg(pl.col("entres").sum()).sort("m"))
    moyenne = par_mois["entres"].mean()
    valeurs = dict(zip(par_mois["m"], par_mois["entres"]))
    assert valeurs[9] > 1.15 * moyenne and valeurs[10] > 1.15 * moyenne
    assert valeurs[8] < 0.7 * moyenne
    assert max(valeurs, key=valeurs.get) in (9, 10) and min(valeurs, key=valeurs.get) == 8


def test_territoires_faibles_et_motifs_sociaux(t):
    ft = t["orientations"].filter(sens="ft_vers_ml")
    par_ml = ft.group_by("code_ml").agg(
        (pl.col("acceptes").sum() / pl.col("orientes").sum()).alias("acceptation"),
        (pl.col("orientes").filter(pl.col("motif").is_in(["difficultes_sociales", "eloignement_emploi"])).sum()
         / pl.col("orientes").sum()).alias("part_sociale"),
    )
    n = par_ml.height
    assert par_ml.filter(pl.col("acceptation") < 0.75).height >= 0.04 * n
    sociaux = par_ml.filter(pl.col("part_sociale") > 0.70).height
    assert 0.03 * n <= sociaux <= 0.08 * n
    # les mélanges de motifs diffèrent d'un territoire à l'autre
    assert par_ml["part_sociale"].std() > 0.05
    assert set(ft["motif"]) == set(MOTIFS)


def test_orientations_ml_vers_ft_plus_faibles_et_surtout_prestations(t):
    o = t["orientations"]
    ft = o.filter(sens="ft_vers_ml")["orientes"].sum()
    ml = o.filter(sens="ml_vers_ft")
    assert ml["orientes"].sum() < 0.7 * ft
    part_prestation = ml.filter(motif="prestation_ft")["orientes"].sum() / ml["orientes"].sum()
    assert part_prestation > 0.5


# --------------------------------------------------------------------------------------------
# Activité et contexte
# --------------------------------------------------------------------------------------------

def test_activite_nationale(t):
    a = t["activite"]
    assert a.height == t["missions_locales"].height * 132
    stock = a.group_by("mois").agg(pl.col("jeunes_accompagnes").sum())
    assert abs(stock["jeunes_accompagnes"].mean() - 1_100_000) <= 0.10 * 1_100_000
    par_an = a.group_by(pl.col("mois").dt.year().alias("annee")).agg(
        pl.col("premiers_accueils", "sorties_emploi", "sorties_emploi_durable", "sorties_formation",
               "sorties_sans_solution", "doubles_accompagnements", "jeunes_accompagnes").sum())
    assert par_an["premiers_accueils"].is_between(400_000, 560_000).all()
    assert abs(par_an["premiers_accueils"].mean() - 480_000) <= 0.08 * 480_000
    s = par_an.sum()
    sorties = s["sorties_emploi"][0] + s["sorties_formation"][0] + s["sorties_sans_solution"][0]
    assert 0.30 <= s["sorties_emploi"][0] / sorties <= 0.37
    assert 0.82 <= s["sorties_emploi_durable"][0] / s["sorties_emploi"][0] <= 0.86
    assert 0.08 <= s["sorties_formation"][0] / sorties <= 0.12
    assert 0.48 <= s["sorties_sans_solution"][0] / sorties <= 0.60
    assert 0.001 <= s["doubles_accompagnements"][0] / s["jeunes_accompagnes"][0] <= 0.01
    assert (a["sorties_emploi_durable"] <= a["sorties_emploi"]).all()


def test_contexte_toutes_communes_et_ordres_de_grandeur(t, communes):
    c = t["contexte"]
    assert c.height == communes.height * len(ANNEES)
    assert set(c["code_commune"]) == set(communes["code_commune"])
    assert (c["jeunes_neet"] <= c["population_16_25"]).all()
    j = c.join(communes.select("code_commune", "code_departement", "population"), on="code_commune")
    an = j.filter(annee=2021)
    metropole = an.filter(~pl.col("code_departement").str.starts_with("97"))
    part_jeunes = metropole["population_16_25"].sum() / metropole["population"].sum()
    assert 0.11 <= part_jeunes <= 0.13
    neet = an["jeunes_neet"].sum() / an["population_16_25"].sum()
    assert 0.115 <= neet <= 0.135
    drom = an.filter(pl.col("code_departement").str.starts_with("97"))
    assert 0.22 <= drom["jeunes_neet"].sum() / drom["population_16_25"].sum() <= 0.33
    par_dep = an.group_by("code_departement").agg(
        (pl.col("demandeurs_emploi_moins_26").sum() / pl.col("population_16_25").sum()).alias("defm"),
        (pl.col("jeunes_neet").sum() / pl.col("population_16_25").sum()).alias("neet"))
    assert par_dep["neet"].max() / par_dep["neet"].min() > 2
    drom_defm = par_dep.filter(pl.col("code_departement").str.starts_with("97"))["defm"].mean()
    assert drom_defm > par_dep.filter(~pl.col("code_departement").str.starts_with("97"))["defm"].mean()
    # villes universitaires : part des 16-25 ans plus forte
    rennes = j.filter(annee=2021, code_commune="35238")
    assert rennes["population_16_25"][0] / rennes["population"][0] > 0.18


# --------------------------------------------------------------------------------------------
# Déterminisme, échelle, ligne de commande
# --------------------------------------------------------------------------------------------

def test_meme_graine_memes_fichiers_par_la_ligne_de_commande(dossier, tmp_path):
    # autre processus, autre graine de hachage Python : les fichiers doivent être identiques à l'octet
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    sortie = subprocess.run(
        [sys.executable, "-m", "donnees.demo", str(tmp_path / "bis"), "--graine", "2015"],
        cwd=RACINE, env=env, capture_output=True, text=True, timeout=300,
    )
    assert sortie.returncode == 0, sortie.stderr
    assert "Communes et territoires des Missions Locales" in sortie.stderr
    assert _empreintes(tmp_path / "bis") == _empreintes(dossier)


@pytest.fixture(scope="module")
def modele_2016():
    m = demo.Modele(2016)
    m.territoires()
    m.lieux()
    m.partenariat()
    return m


def test_autre_graine_autres_donnees(t, modele_2016):
    autre = modele_2016.partenariat_.tables()
    assert not autre["accords"].equals(t["accords"])
    assert not autre["allocations"].equals(t["allocations"])
    assert not modele_2016.sites.equals(t["sites_ml"])


def test_echelle_multiplie_les_lignes_sans_changer_les_totaux(modele_2016):
    m = modele_2016
    cle = ["mois", "code_ml", "sens", "motif"]

    def annee(echelle: int) -> pl.DataFrame:
        ori = demo._Orientations(m.ter, m.agences, m.partenariat_, np.random.default_rng(99))
        ori.preparer_echelle(echelle)
        return pl.from_arrow(ori.annee(2019, echelle))

    base, triple = annee(1), annee(3)
    assert triple.height == 3 * base.height
    assert triple.select("mois", "code_ml", "code_agence", "sens", "motif").is_unique().all()
    assert (triple["acceptes"] <= triple["orientes"]).all() and (triple["entres"] <= triple["acceptes"]).all()
    totaux = lambda df: df.group_by(cle).agg(pl.col("orientes", "acceptes", "entres").sum()).sort(cle)  # noqa: E731
    assert totaux(triple).equals(totaux(base))


def test_echelle_invalide():
    with pytest.raises(ValueError, match="Échelle invalide"):
        demo.generer(Path("/nonexistent"), echelle=0)
    with pytest.raises(SystemExit):
        demo.main(["/tmp/x", "--echelle", "0"])
