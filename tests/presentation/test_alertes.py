"""Phrases des alertes (presentation/alertes.py) : règles avec leurs seuils, constat de chaque objet.

Les phrases sont vérifiées mot pour mot : sur des constats écrits à la main (une ou plusieurs lignes par
variante de chaque règle, nombres choisis pour les arrondis et les milliers), puis sur le jeu minimal
de tests/fabrique.py, dont les réponses sont connues (tests/requetes/test_alertes.py pour les nombres).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from presentation import alertes as PA
from presentation.format import nombre
from requetes import alertes as R
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal

ANNEE = 2024
E = "\u00a0"  # entre un nombre et son unité
F = "\u202f"  # séparateur de milliers


@pytest.fixture(scope="module")
def minimal():
    return JeuDeDonnees(ecrire_jeu(Path(tempfile.mkdtemp()) / "jeu", jeu_minimal()))


def _numeriques(alerte: str, lignes: list[dict]) -> pl.DataFrame:
    """Des constats de ``requetes.alertes`` écrits à la main : une ligne par dict (mesures de l'alerte)."""
    a = R.ALERTES[alerte]
    base = dict(alerte=alerte, numero=a.numero, libelle_alerte=a.libelle, niveau=a.niveau, nom_objet="Objet",
                code_departement="90", code_region="27", codes_ml=[], cas="")
    return pl.DataFrame([{**base, "code_objet": f"O{i}", **ligne} for i, ligne in enumerate(lignes)],
                        schema=R.SCHEMA_CONSTATS)


def _phrases(alerte: str, lignes: list[dict], parametres=None, date_reference=None) -> list[str]:
    ecrits = PA.ecrire(_numeriques(alerte, lignes), ANNEE, parametres, date_reference)
    assert ecrits.columns == list(PA.COLONNES_CONSTATS)
    return ecrits["constat"].to_list()


# --------------------------------------------------------------------------------------------
# Règles
# --------------------------------------------------------------------------------------------


def test_regle_en_francais_avec_seuils():
    assert PA.texte_regle("acces_eloigne") == (
        f"Commune dont le point est à plus de 20{E}km à vol d'oiseau du lieu d'accueil de Mission Locale le plus "
        "proche, ou de l'agence France Travail la plus proche ; on compte ses jeunes de 16 à 25 ans.")
    assert f"plus de 12,5{E}km à vol" in PA.texte_regle("acces_eloigne", {"distance_km": 12.5})
    assert PA.texte_regle(R.ALERTES["objectif_delegation"]) == (
        f"Entrées en délégation de l'année sous 80{E}% de l'objectif annuel de la ML.")
    assert PA.texte_regle("double_perte", {"seuil_entree_pct": 92.5}) == (
        f"Taux d'acceptation (acceptés ÷ orientés) sous 80{E}%, ou taux d'entrée (entrés ÷ acceptés) sous "
        f"92,5{E}%, pour les orientations France Travail → ML.")
    assert "(ETP affectés au plus 0,2" + E + "ETP," in PA.texte_regle("ml_sans_agent", {"seuil_etp": 0.2})
    # sans seuil : la règle telle quelle
    assert PA.texte_regle("communes_sans_ml") == R.ALERTES["communes_sans_ml"].regle
    for a in R.ALERTES.values():
        assert "{" not in PA.texte_regle(a), a.code


def test_nombre_rapide_identique_a_presentation_format():
    rng = np.random.default_rng(4)
    for v in [*rng.uniform(-20000, 20000, 3000), 0.05, 0.15, 0.25, 2.675, 999.95, 1234.45, -0.04]:
        assert PA.nombre_rapide(float(v), 1) == nombre(float(v), 1)


def test_colonnes_de_la_synthese():
    colonnes = PA.colonnes_synthese({"acces_eloigne": {"distance_km": 15.0}})
    assert next(iter(colonnes)) == "nb_alertes"
    assert colonnes["nb_alertes"] == ("Alertes déclenchées",
                                      "Nombre d'alertes différentes (sur 9) déclenchées dans le territoire.")
    assert colonnes["nb_acces_eloigne"] == ("5. Communes éloignées",
                                            PA.texte_regle("acces_eloigne", {"distance_km": 15.0}))
    assert colonnes["jeunes_acces_eloigne"][0] == "5. Jeunes éloignés"
    assert colonnes["jeunes_acces_eloigne"][1].startswith(
        f"Jeunes de 16 à 25 ans des communes concernées. Commune dont le point est à plus de 15{E}km")
    # une colonne par alerte, et les jeunes pour les deux alertes au grain commune
    assert sorted(c for c in colonnes if c.startswith("jeunes_")) == ["jeunes_acces_eloigne", "jeunes_communes_sans_ml"]
    assert [c for c in colonnes if c.startswith("nb_")][1:] == [f"nb_{a}" for a in R.ALERTES]
    with pytest.raises(KeyError, match="Paramètre inconnu"):
        PA.colonnes_synthese({"acces_eloigne": {"rayon": 3.0}})


# --------------------------------------------------------------------------------------------
# Chaque règle, à la main
# --------------------------------------------------------------------------------------------


def test_phrases_communes_sans_ml():
    assert _phrases("communes_sans_ml", [
        dict(cas="non_couverte", valeur=0.0),
        dict(cas="chevauchement", valeur=2.0, codes_ml=["ML01", "ML02"]),
        dict(cas="chevauchement", valeur=3.0, codes_ml=["A", "B", "C"]),
    ]) == ["Rattachée à aucune Mission Locale", "Rattachée à 2 Missions Locales : ML01, ML02",
           "Rattachée à 3 Missions Locales : A, B, C"]


def test_phrases_sans_accord():
    assert _phrases("ml_sans_accord", [
        dict(cas="aucun_accord", statuts=[]),
        dict(cas="aucun_en_vigueur", statuts=["echu", "en_negociation"]),
        dict(cas="aucun_en_vigueur", statuts=["denonce", "statut_inconnu"]),
    ], date_reference=date(2024, 6, 30)) == [
        "Aucun accord local connu",
        "Aucun accord signé en vigueur au 30/06/2024 (accords : échu, en négociation)",
        "Aucun accord signé en vigueur au 30/06/2024 (accords : dénoncé, statut_inconnu)",
    ]
    # sans date : le 31 décembre de l'année
    assert _phrases("ml_sans_accord", [dict(cas="aucun_en_vigueur", statuts=["signe"])]) == [
        "Aucun accord signé en vigueur au 31/12/2024 (accords : signé)"]


def test_phrases_accord_incomplet():
    assert _phrases("accord_incomplet", [
        dict(accords=["AC1", "AC2"], manque_diagnostic=True, manque_criteres=False, manque_plan=True),
        dict(accords=["AC3"], manque_diagnostic=False, manque_criteres=True, manque_plan=False),
    ]) == ["Sans diagnostic territorial partagé, plan d'actions (accord en vigueur : AC1, AC2)",
           "Sans critères d'orientation (accord en vigueur : AC3)"]


def test_phrases_sans_agent():
    assert _phrases("ml_sans_agent", [
        dict(cas="sans_allocation"),
        dict(cas="sans_agent", valeur=0.5, etp_compenses=None),
        dict(cas="sans_agent", valeur=0.0, etp_compenses=1.25),
        dict(cas="sans_agent", valeur=0.0, etp_compenses=0.0),
    ], {"ml_sans_agent": {"seuil_etp": 0.5}}) == [
        "Aucune allocation déclarée pour 2024",
        f"0,5{E}ETP affecté (seuil 0,5{E}ETP)",
        f"0,0{E}ETP affecté (seuil 0,5{E}ETP), 1,3{E}ETP compensé par subvention",
        f"0,0{E}ETP affecté (seuil 0,5{E}ETP)",
    ]


def test_phrases_acces_eloigne():
    inf = float("inf")
    debut = f"Au-delà de 20{E}km — "
    assert _phrases("acces_eloigne", [
        dict(cas="site", distance_site_km=22.06, distance_agence_km=3.0),
        dict(cas="agence", distance_site_km=1.0, distance_agence_km=inf),
        dict(cas="site_et_agence", distance_site_km=1234.56, distance_agence_km=25.0),
        dict(cas="site_et_agence", distance_site_km=inf, distance_agence_km=inf),
    ]) == [
        debut + f"lieu d'accueil ML le plus proche : 22,1{E}km",
        debut + "agence France Travail la plus proche : aucun dans le jeu",
        debut + f"lieu d'accueil ML le plus proche : 1{F}234,6{E}km ; agence France Travail la plus proche : 25,0{E}km",
        debut + "lieu d'accueil ML le plus proche : aucun dans le jeu ; agence France Travail la plus proche : "
                "aucun dans le jeu",
    ]
    assert _phrases("acces_eloigne", [dict(cas="agence", distance_site_km=2.0, distance_agence_km=8.04)],
                    {"acces_eloigne": {"distance_km": 7.5}}) == [
        f"Au-delà de 7,5{E}km — agence France Travail la plus proche : 8,0{E}km"]


def test_phrases_orientation_delegation():
    assert _phrases("orientation_delegation", [
        dict(cas="sous_orientation", valeur=12.345, numerateur=25.0, denominateur=2025.0, reference=24.75),
        dict(cas="exces", valeur=1500.0, numerateur=3000.0, denominateur=2000.0, reference=24.75),
    ]) == [
        f"12,3 entrées pour 1 000 jeunes demandeurs d'emploi (25 entrées, 2{F}025 demandeurs) ; médiane nationale "
        "24,8 — sous-orientation",
        f"1{F}500,0 entrées pour 1 000 jeunes demandeurs d'emploi (3{F}000 entrées, 2{F}000 demandeurs) ; médiane "
        "nationale 24,8 — excès d'orientation",
    ]


def test_phrases_criteres_et_objectif():
    assert _phrases("criteres_orientation", [dict(valeur=85.55, numerateur=171.0, denominateur=200.0)],
                    {"criteres_orientation": {"seuil_pct": 75.0}}) == [
        f"85,6{E}% des jeunes orientés (171 sur 200) pour difficultés sociales ou éloignement de l'emploi "
        f"(seuil 75{E}%)"]
    assert _phrases("objectif_delegation", [dict(valeur=60.0, numerateur=1500.0, denominateur=2500.0)]) == [
        f"Objectif atteint à 60,0{E}% : 1{F}500 entrées pour un objectif de 2{F}500 (seuil 80{E}%)"]


def test_phrases_double_perte():
    seuils = {"double_perte": {"seuil_acceptation_pct": 80.0, "seuil_entree_pct": 82.5}}
    assert _phrases("double_perte", [
        dict(taux_acceptation=50.0, taux_entree=90.0, orientes=100.0, acceptes=50.0, entres=45.0),
        dict(taux_acceptation=50.0, taux_entree=82.5, orientes=100.0, acceptes=50.0, entres=41.25),  # au seuil
        dict(taux_acceptation=None, taux_entree=40.0, orientes=0.0, acceptes=5.0, entres=2.0),
        dict(taux_acceptation=75.0, taux_entree=200 / 3, orientes=1440.0, acceptes=1080.0, entres=720.0),
    ], seuils) == [
        f"Taux d'acceptation 50,0{E}% (50 acceptés sur 100 orientés ; seuil 80{E}%)",
        f"Taux d'acceptation 50,0{E}% (50 acceptés sur 100 orientés ; seuil 80{E}%)",
        f"Taux d'entrée 40,0{E}% (2 entrés sur 5 acceptés ; seuil 82,5{E}%)",
        f"Taux d'acceptation 75,0{E}% (1{F}080 acceptés sur 1{F}440 orientés ; seuil 80{E}%) ; "
        f"taux d'entrée 66,7{E}% (720 entrés sur 1{F}080 acceptés ; seuil 82,5{E}%)",
    ]


# --------------------------------------------------------------------------------------------
# Constats du jeu
# --------------------------------------------------------------------------------------------


def test_minimal_phrases_des_ml(minimal):
    """Les cinq alertes de MLB dans le jeu minimal (AC2 échu, AC3 en négociation ; 0 ETP affecté et 1
    compensé ; 144 orientés pour difficultés sociales, 108 acceptés, 72 entrés pour un objectif de 100)."""
    c = PA.constats(minimal, ANNEE)
    assert c.schema == pl.Schema(PA.SCHEMA_CONSTATS)
    ml = {r["alerte"]: r["constat"] for r in c.filter(pl.col("niveau") == "ml").iter_rows(named=True)}
    assert ml == {
        "ml_sans_accord": "Aucun accord signé en vigueur au 31/12/2024 (accords : échu, en négociation)",
        "ml_sans_agent": f"0,0{E}ETP affecté (seuil 0{E}ETP), 1,0{E}ETP compensé par subvention",
        "criteres_orientation": f"100,0{E}% des jeunes orientés (144 sur 144) pour difficultés sociales ou "
                                f"éloignement de l'emploi (seuil 80{E}%)",
        "double_perte": f"Taux d'acceptation 75,0{E}% (108 acceptés sur 144 orientés ; seuil 80{E}%) ; taux "
                        f"d'entrée 66,7{E}% (72 entrés sur 108 acceptés ; seuil 80{E}%)",
        "objectif_delegation": f"Objectif atteint à 72,0{E}% : 72 entrées pour un objectif de 100 (seuil 80{E}%)",
    }
    # chaque commune a sa phrase ; les colonnes communes sont celles de requetes.alertes
    assert c["constat"].null_count() == 0
    numeriques = R.constats(minimal, ANNEE)
    assert c.drop("constat").equals(numeriques.select(R.COLONNES_COMMUNES))
    sans = c.filter(pl.col("alerte") == "communes_sans_ml")
    assert set(sans["constat"].to_list()) == {"Rattachée à aucune Mission Locale"}
    loin = c.filter(pl.col("alerte") == "acces_eloigne")
    assert loin["constat"].str.starts_with(f"Au-delà de 20{E}km — ").all()


def test_ecrire_des_constats_meles(minimal):
    """``ecrire`` garde l'ordre des lignes reçues, toutes alertes mêlées, et écrit la même phrase que
    ``constats`` pour chaque objet (ce que fait le portrait pour un territoire)."""
    seuils = {"acces_eloigne": {"distance_km": 5.0}, "ml_sans_agent": {"seuil_etp": 3.0}}
    melange = R.constats(minimal, ANNEE, seuils).sample(fraction=1.0, shuffle=True, seed=3)
    ecrits = PA.ecrire(melange, ANNEE, seuils)
    cle = ["alerte", "code_objet"]
    assert ecrits.select(cle).equals(melange.select(cle))
    attendu = PA.constats(minimal, ANNEE, seuils)
    assert ecrits.sort(cle).equals(attendu.sort(cle))
    assert f"(seuil 3{E}ETP)" in ecrits.filter(pl.col("alerte") == "ml_sans_agent")["constat"][0]
    # rien à écrire
    vide = PA.ecrire(melange.clear(), ANNEE)
    assert vide.height == 0 and vide.schema == pl.Schema(PA.SCHEMA_CONSTATS)
    assert PA.constats(minimal, ANNEE, alertes=[]).schema == pl.Schema(PA.SCHEMA_CONSTATS)
    with pytest.raises(KeyError, match="Alerte inconnue"):
        PA.constats(minimal, ANNEE, alertes=["pas_une_alerte"])


def test_phrases_ecrites_une_fois_par_jeu_et_seuils(monkeypatch):
    """Les phrases ne dépendent que du jeu, de l'alerte, de l'année, des seuils et de la date : écrites une
    fois par jeu puis relues (toutes les sessions, chaque région de la carte) ; d'autres seuils les récrivent."""
    dossier = ecrire_jeu(Path(tempfile.mkdtemp()) / "jeu", jeu_minimal())
    jeu = JeuDeDonnees(dossier)
    appels = []
    original = PA._TEXTES["acces_eloigne"]

    def compte(df, *args):
        appels.append(df.height)
        return original(df, *args)

    monkeypatch.setitem(PA._TEXTES, "acces_eloigne", compte)
    premier = PA.constats(jeu, ANNEE)
    second = PA.constats(jeu, ANNEE, alertes=["acces_eloigne"])
    assert len(appels) == 1 and appels[0] > 0
    assert second.equals(premier.filter(pl.col("alerte") == "acces_eloigne"))
    PA.constats(jeu, ANNEE, {"ml_sans_agent": {"seuil_etp": 1.0}})  # seuils d'une autre alerte : relue
    assert len(appels) == 1
    PA.constats(jeu, ANNEE, {"acces_eloigne": {"distance_km": 30.0}})
    PA.constats(jeu, ANNEE, date_reference=date(ANNEE, 1, 1))  # autre date : autre clé
    assert len(appels) == 3
    PA.constats(JeuDeDonnees(dossier), ANNEE)  # un autre jeu a son propre cache
    assert len(appels) == 4


def test_phrases_gardees_par_perimetre(minimal):
    """Les constats de requetes sont filtrés pour le périmètre de la session : leurs phrases sont gardées
    sous une clé qui le comprend, jamais servies à un autre périmètre (ni l'inverse)."""
    from donnees.habilitations import Perimetre
    from requetes import perimetre

    tous = PA.constats(minimal, ANNEE)
    with perimetre.actif(Perimetre("ml", "MLB", False, "direction@ml-abymes.fr")):
        mlb = PA.constats(minimal, ANNEE)
    assert 0 < mlb.height < tous.height
    assert set(mlb.filter(pl.col("niveau") == "ml")["code_objet"].to_list()) == {"MLB"}
    assert mlb.equals(tous.filter(
        ((pl.col("niveau") == "ml") & (pl.col("code_objet") == "MLB"))
        | ((pl.col("niveau") == "commune") & pl.col("code_objet").is_in(["97101", "97102"]))))
    assert PA.constats(minimal, ANNEE).equals(tous)  # relu sans périmètre : toujours tout
