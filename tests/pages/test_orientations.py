"""Page « Orientations » (pages/orientations.py) avec streamlit.testing.v1.AppTest, ouverte par le point
d'entrée comme en vrai.

Attendus : jeu fait à la main (``jeu_orientations_varie`` : orientations 2024 arrêtées en juin, réponses
connues) et calcul indépendant en Polars sur les fichiers (``Reference`` de
tests/requetes/test_orientations.py) pour le jeu de démonstration ; téléchargements relus.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from donnees import referentiel
from presentation import format as fmt
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_orientations_varie
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)
from tests.pages.test_accords import (
    ENTREE,
    lire_csv,
    lire_xlsx,
    metriques,
    normal,
    tableau_avec,
    textes,
    verifier,
)
from tests.requetes.test_orientations import Reference

PAGE = "pages/orientations.py"
ONGLETS = ("Flux mensuels", "Entonnoir et pertes", "Motifs", "Objectif annuel", "Doubles accompagnements")


def ouvrir(monkeypatch, dossier: Path, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    at = AppTest.from_file(ENTREE, default_timeout=300)
    at.switch_page(PAGE)
    if params:
        at.query_params.update(params)
    at.run()
    verifier(at)
    return at


def aller(at: AppTest, onglet: str) -> AppTest:
    at.session_state["orient_vue"] = onglet
    if "orient_vue" in at.query_params:
        at.query_params["orient_vue"] = onglet
    at.run()
    verifier(at)
    return at


def telechargements_complets(at: AppTest) -> None:
    assert len(at.get("download_button")) == 2 * len(at.dataframe), (len(at.get("download_button")),
                                                                     len(at.dataframe))


@pytest.fixture(scope="module")
def dossier_varie(tmp_path_factory) -> Path:
    return ecrire_jeu(tmp_path_factory.mktemp("page_orient_varie"), jeu_orientations_varie())


@pytest.fixture(scope="module")
def dossier_demo(tmp_path_factory) -> Path:
    return dossier_demo_partage(tmp_path_factory)


# --------------------------------------------------------------------------------------------------
# Jeu fait à la main
# --------------------------------------------------------------------------------------------------

def test_chiffres_et_flux(monkeypatch, dossier_varie):
    at = ouvrir(monkeypatch, dossier_varie)
    m = metriques(at)
    # 2024 (janvier à juin) : 6 × 46 = 276 orientés France Travail → ML ; 2023 : 12 × 42 = 504
    assert m["Jeunes orientés (France Travail → ML)"] == ("276 jeunes", "-228 jeunes")
    assert m["Entrées en délégation"][0] == "168 jeunes"  # 6 × (16 + 6 + 6)
    assert m["Atteinte de l'objectif d'entrées"][0] == "42,0 %"  # 168 / 400
    assert m["Orientations ML → France Travail"][0] == "30 jeunes"
    assert m["Doubles accompagnements (‰)"][0] == normal(fmt.pour_mille(1000 * 8 / 2100))
    serie = tableau_avec(at, "Mois", "Sens", "Année choisie", "Même mois, année précédente")
    assert serie.height == 24
    ft = serie.filter(pl.col("Sens").str.starts_with("France Travail"))
    assert ft["Année choisie"].to_list()[:7] == [46.0] * 6 + [None]
    assert ft["Même mois, année précédente"].to_list() == [42.0] * 12
    assert ft["Évolution (%)"][0] == pytest.approx(round(100 * 4 / 42, 1))
    at.segmented_control(key="orient_etape").set_value("entres").run()
    verifier(at)
    ft = tableau_avec(at, "Sens", "Année choisie").filter(pl.col("Sens").str.starts_with("France Travail"))
    assert ft["Année choisie"][0] == 28.0
    csv = lire_csv(contenu_telechargement(at.download_button(key="orient_mensuel_csv")))
    assert csv.height == 24 and "Même mois, année précédente" in csv.columns
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
        assert at.dataframe, onglet


def test_entonnoir_motifs_objectif(monkeypatch, dossier_varie):
    at = ouvrir(monkeypatch, dossier_varie, {"orient_vue": "Entonnoir et pertes", "orient_maille": "Missions Locales"})
    ent = tableau_avec(at, "Étape", "Jeunes", "Perte depuis l'étape précédente")
    # France Travail → ML, premier tableau : 276 orientés, 222 acceptés, 168 entrés
    assert ent["Jeunes"].to_list() == [276.0, 222.0, 168.0]
    assert ent["Perte depuis l'étape précédente"].to_list() == [None, 54.0, 54.0]
    pertes = tableau_avec(at, "Territoire", "Taux de perte (%)")
    # MLA : 204 orientés, 132 entrés (35,3 % de perte) ; MLB : 72 orientés, 36 entrés (50 %)
    assert pertes["Code"].to_list() == ["MLB", "MLA"]
    assert pertes["Taux de perte (%)"].to_list() == [50.0, round(100 * 72 / 204, 1)]
    assert "Refusés par la structure d'accueil : **54 jeunes**" in textes(at)  # 276 − 222
    aller(at, "Motifs")
    assert "Mission Locale des Abymes" in textes(at)  # 100 % difficultés sociales
    motifs = tableau_avec(at, "Territoire", "Difficultés sociales + éloignement (%)")
    assert dict(motifs.select("Code", "Au-dessus du seuil").iter_rows()) == {"MLB": True, "MLA": False}
    at.slider(key="orient_seuil").set_value(100).run()
    verifier(at)
    assert not tableau_avec(at, "Au-dessus du seuil")["Au-dessus du seuil"].any()
    assert "Aucun territoire à cette maille" in textes(at)
    aller(at, "Objectif annuel")
    suivi = tableau_avec(at, "Mois", "Entrées cumulées", "Objectif au prorata")
    assert suivi["Entrées cumulées"].to_list() == [28.0 * k for k in range(1, 7)] + [None] * 6
    assert "soit **84,0 %** du prorata" in textes(at)
    terr = tableau_avec(at, "Territoire", "Atteinte du prorata (%)")
    assert dict(terr.select("Code", "Atteinte du prorata (%)").iter_rows()) == {"MLB": 72.0, "MLA": 88.0}
    entetes, lignes = lire_xlsx(contenu_telechargement(at.download_button(key="orient_objectif_terr_xlsx")))
    assert "Atteinte du prorata (%)" in entetes and len(lignes) == 2


def test_ml_region_et_url(monkeypatch, dossier_varie):
    at = ouvrir(monkeypatch, dossier_varie)
    at.selectbox(key="orient_ml").set_value("MLB").run()
    verifier(at)
    m = metriques(at)
    assert m["Jeunes orientés (France Travail → ML)"][0] == "72 jeunes"  # 6 × 12
    assert "Mission Locale des Abymes (MLB)" in textes(at)
    # Guadeloupe : seule MLB est proposée ; une ML d'une autre région dans l'URL est ignorée
    at = ouvrir(monkeypatch, dossier_varie, {"region": "Guadeloupe",
                                             "orient_ml": "Mission Locale de Belfort (MLA)"})
    assert at.selectbox(key="orient_ml").value == ""
    assert at.selectbox(key="orient_ml").options == ["Toutes les ML (Guadeloupe)", "Mission Locale des Abymes (MLB)"]
    assert metriques(at)["Jeunes orientés (France Travail → ML)"][0] == "72 jeunes"
    for onglet in ONGLETS:
        aller(at, onglet)
    # 2023 : pas d'année précédente ; paramètre d'étape inconnu ignoré
    at = ouvrir(monkeypatch, dossier_varie, {"annee": "2023", "orient_etape": "Inconnue"})
    assert at.segmented_control(key="orient_etape").value == "orientes"
    assert "2022 n'est pas dans les données" in textes(at)


# --------------------------------------------------------------------------------------------------
# Jeu de démonstration
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("annee", "region", "maille"), [
    (None, None, None), (2020, "53", "Missions Locales"), (2016, "01", "Régions"), (2025, "84", "Départements"),
])
def test_demo_filtres(monkeypatch, dossier_demo, annee, region, maille):
    params = {}
    if annee:
        params["annee"] = str(annee)
    if region:
        params["region"] = dict(referentiel.regions().iter_rows())[region]
    if maille:
        params["orient_maille"] = maille
    ref = Reference(dossier_demo)
    at = ouvrir(monkeypatch, dossier_demo, params)
    a = int(at.selectbox(key="annee").value)
    o, _, e = ref.volumes(a, "ft_vers_ml", region)
    m = metriques(at)
    assert m["Jeunes orientés (France Travail → ML)"][0] == normal(fmt.format_valeur(o, "jeunes"))
    assert m["Entrées en délégation"][0] == normal(fmt.format_valeur(e, "jeunes"))
    assert m["Taux de transformation"][0] == normal(fmt.pourcentage(100 * e / o))
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
    # une ML de la région (la première proposée)
    options = at.selectbox(key="orient_ml").options
    assert len(options) > 1
    code = at.selectbox(key="orient_ml").options[1].rsplit("(", 1)[1].rstrip(")")
    at.selectbox(key="orient_ml").set_value(code).run()
    verifier(at)
    o, _, _ = ref.volumes(a, "ft_vers_ml", code_ml=code)
    assert metriques(at)["Jeunes orientés (France Travail → ML)"][0] == normal(fmt.format_valeur(o, "jeunes"))


def test_annee_sans_orientation(monkeypatch, tmp_path):
    """2024 sans aucune orientation (allocations et activité seulement) : messages, pas d'erreur."""
    from tests.fabrique import jeu_minimal

    t = jeu_minimal()
    t["orientations"] = t["orientations"].filter(pl.col("mois").dt.year() == 2023)
    at = ouvrir(monkeypatch, ecrire_jeu(tmp_path, t), {"orient_maille": "Missions Locales"})
    assert metriques(at)["Jeunes orientés (France Travail → ML)"][0] == "—"
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
    aller(at, "Entonnoir et pertes")
    assert "Aucun jeune orienté dans ce sens cette année." in textes(at)
    assert "Aucune orientation France Travail → ML cette année à cette maille." in textes(at)
    aller(at, "Motifs")
    assert "Aucune orientation France Travail → ML cette année." in textes(at)
    aller(at, "Objectif annuel")
    suivi = tableau_avec(at, "Mois", "Entrées cumulées")
    assert suivi["Entrées cumulées"].null_count() == 12
