"""Page « Accords locaux » (pages/accords.py) avec streamlit.testing.v1.AppTest, ouverte par le point d'entrée
comme en vrai (filtres partagés, navigation).

Les attendus viennent d'un calcul indépendant en Polars sur les fichiers du jeu (``Reference`` de
tests/requetes/test_accords.py) ou du jeu fait à la main (``jeu_accords_varies``, réponses connues) ; les
téléchargements sont relus (CSV avec Polars, XLSX avec openpyxl).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from presentation import format as fmt
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_accords_varies
from tests.outils_markdown import texte_affiche
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)
from tests.requetes.test_accords import Reference

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
PAGE = "pages/accords.py"
ONGLETS = ("Situation", "Historique", "Accords par ML", "Contenus", "Échéances", "ML sans accord")
ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def normal(texte) -> str:
    return str(texte).translate(ESPACES)


def lire_csv(octets: bytes) -> pl.DataFrame:
    assert octets.startswith("\ufeff".encode())
    return pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True, try_parse_dates=True)


def lire_xlsx(octets: bytes) -> tuple[list[str], list[tuple]]:
    lignes = list(openpyxl.load_workbook(io.BytesIO(octets), read_only=True).active.iter_rows(values_only=True))
    return list(lignes[0]), lignes[1:]


def verifier(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace or []) for e in at.exception)


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
    at.session_state["accords_vue"] = onglet
    if "accords_vue" in at.query_params:  # l'onglet est lié à l'URL : l'adresse suit le clic
        at.query_params["accords_vue"] = onglet
    at.run()
    verifier(at)
    return at


def metriques(at: AppTest) -> dict[str, tuple[str, str]]:
    return {normal(m.label): (normal(m.value), normal(m.proto.delta)) for m in at.metric}


def tableau_avec(at: AppTest, *colonnes: str) -> pl.DataFrame:
    for df in at.dataframe:
        v = df.value
        tab = v if isinstance(v, pl.DataFrame) else pl.from_pandas(v)
        if all(c in tab.columns for c in colonnes):
            return tab
    raise AssertionError(f"Aucun tableau avec les colonnes {colonnes}")


def textes(at: AppTest) -> str:
    """Textes Markdown de la page, tels qu'ils s'affichent (noms venus des données échappés)."""
    morceaux = [m.value for m in at.markdown] + [m.value for m in at.caption] + [m.value for m in at.info]
    morceaux += [m.value for m in at.success] + [m.value for m in at.warning]
    return normal(texte_affiche("\n".join(morceaux)))


def telechargements_complets(at: AppTest) -> None:
    """Chaque tableau affiché a ses deux boutons (CSV et XLSX)."""
    boutons = at.get("download_button")
    assert len(boutons) == 2 * len(at.dataframe), (len(boutons), len(at.dataframe))


@pytest.fixture(scope="module")
def dossier_varie(tmp_path_factory) -> Path:
    return ecrire_jeu(tmp_path_factory.mktemp("page_accords_varies"), jeu_accords_varies())


@pytest.fixture(scope="module")
def dossier_demo(tmp_path_factory) -> Path:
    return dossier_demo_partage(tmp_path_factory)


# --------------------------------------------------------------------------------------------------
# Jeu fait à la main : réponses connues
# --------------------------------------------------------------------------------------------------

def test_chiffres_et_onglets(monkeypatch, dossier_varie):
    at = ouvrir(monkeypatch, dossier_varie)
    assert at.selectbox(key="accords_date").value == date(2024, 12, 31)
    m = metriques(at)
    # 3 ML sur 8 ont un accord en vigueur (MLA, MLG, MLH) ; 4 accords (MLA en a deux) ; 2 ML sans accord signé
    assert m["Part des ML avec un accord en vigueur"][0] == "37,5 %"
    assert m["Accords en vigueur"][0] == "4 accords"
    assert m["Accords en vigueur"][1] == "+1 accords"  # 3 au 31/12/2023 (AC4 commence en 2024)
    assert m["ML sans aucun accord signé"][0] == "2 ML"
    assert m["Score moyen de complétude"][0] == normal(fmt.pourcentage((87.5 + 75 + 75 + 75) / 4))
    t = textes(at)
    assert "date de début (à défaut sa date de signature)" in t
    # onglet Situation : 6 situations, dont « Aucun accord » : 1
    with_tab = aller(at, "Situation")
    synthese = tableau_avec(with_tab, "Situation", "Missions Locales")
    assert dict(synthese.select("Situation", "Missions Locales").iter_rows()) == {
        "En vigueur": 3, "En négociation": 1, "Échu": 1, "Dénoncé": 1, "Non engagée": 1, "Aucun accord": 1}
    telechargements_complets(at)
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
        assert at.dataframe, onglet


def test_tableau_par_ml_et_filtres(monkeypatch, dossier_varie):
    at = aller(ouvrir(monkeypatch, dossier_varie), "Accords par ML")
    assert "Score de complétude = nombre d'éléments présents dans l'accord parmi 8" in textes(at)
    tab = tableau_avec(at, "Mission Locale", "Situation", "Score de complétude (%)")
    assert tab.height == 8
    lignes = {r["Code ML"]: r for r in tab.iter_rows(named=True)}
    assert lignes["MLA"]["Accord courant"] == "AC4" and lignes["MLA"]["Score de complétude (%)"] == 75.0
    assert lignes["MLA"]["Participation des jeunes"] == "Information"
    assert lignes["MLA"]["Modalité des moyens"] == "Mixte"
    assert lignes["MLA"]["Diagnostic partagé"] is True and lignes["MLA"]["Équipe commune entreprises"] is False
    assert lignes["MLC"]["Situation"] == "Aucun accord" and lignes["MLC"]["Accord courant"] is None
    assert lignes["MLD"]["Score de complétude (%)"] == 100.0
    # filtres : situations, éléments, recherche ; combinaison vide sans erreur
    at.multiselect(key="accords_situations").set_value(["en_vigueur"]).run()
    verifier(at)
    assert set(tableau_avec(at, "Code ML")["Code ML"]) == {"MLA", "MLG", "MLH"}
    at.slider(key="accords_elements").set_value(7).run()
    verifier(at)
    assert tableau_avec(at, "Code ML").is_empty()
    assert "Aucune Mission Locale ne correspond à ces filtres." in textes(at)
    at.multiselect(key="accords_situations").set_value([]).run()
    verifier(at)
    assert tableau_avec(at, "Code ML")["Code ML"].to_list() == ["MLD"]
    at.slider(key="accords_elements").set_value(0).run()
    at.text_input(key="accords_recherche").input("abymes").run()
    verifier(at)
    assert tableau_avec(at, "Code ML")["Code ML"].to_list() == ["MLB"]
    at.text_input(key="accords_recherche").input("").run()
    at.multiselect(key="accords_modalites").set_value(["aucune"]).run()
    verifier(at)
    assert set(tableau_avec(at, "Code ML")["Code ML"]) == {"MLB", "MLC", "MLE"}
    # téléchargement : les lignes filtrées, toutes les colonnes, en-têtes français
    csv = lire_csv(contenu_telechargement(at.download_button(key="accords_ml_csv")))
    assert set(csv["Code ML"]) == {"MLB", "MLC", "MLE"}
    assert "Participation des jeunes (niveau 0 à 3)" in csv.columns
    entetes, lignes_x = lire_xlsx(contenu_telechargement(at.download_button(key="accords_ml_xlsx")))
    assert "Score de complétude (%)" in entetes and len(lignes_x) == 3


def test_contenus_echeances_sans_accord(monkeypatch, dossier_varie):
    at = aller(ouvrir(monkeypatch, dossier_varie), "Contenus")
    grille = tableau_avec(at, "Territoire", "Accords en vigueur")
    assert dict(grille.select("Territoire", "Accords en vigueur").iter_rows()) == {
        "France": 4, "Bourgogne-Franche-Comté": 4, "Guadeloupe": 0}
    france = grille.filter(pl.col("Territoire") == "France").row(0, named=True)
    assert france["Équipe commune entreprises (%)"] == 50.0
    csv = lire_csv(contenu_telechargement(at.download_button(key="accords_contenus_csv")))
    assert csv.filter(pl.col("Territoire") == "France")["Score moyen de complétude (%)"].item() == pytest.approx(78.125)
    aller(at, "Échéances")
    ech = tableau_avec(at, "Accord courant", "Suite prévue")
    assert ech["Accord courant"].to_list() == ["AC9", "AC4", "AC11"]
    assert ech["Suite prévue"].to_list() == ["Nouvel accord déjà signé", "Aucune suite connue",
                                             "Renouvellement en négociation"]
    at.slider(key="accords_mois").set_value(3).run()
    verifier(at)
    assert tableau_avec(at, "Accord courant")["Accord courant"].to_list() == ["AC9"]
    assert "31 mars 2025" in normal("\n".join(s.value for s in at.subheader))
    at.slider(key="accords_mois").set_value(1).run()
    verifier(at)
    assert tableau_avec(at, "Accord courant").is_empty()
    assert "Aucun accord en vigueur au 31 décembre 2024 ne se termine" in textes(at)
    aller(at, "ML sans accord")
    sans = tableau_avec(at, "Code ML", "Situation")
    assert dict(sans.select("Code ML", "Situation").iter_rows()) == {"MLC": "Aucun accord", "MLE": "Non engagée"}


def test_region_date_et_url(monkeypatch, dossier_varie):
    # Guadeloupe : une seule ML, en négociation ; aucun accord en vigueur
    at = ouvrir(monkeypatch, dossier_varie, {"region": "Guadeloupe", "accords_vue": "Accords par ML"})
    m = metriques(at)
    assert m["Part des ML avec un accord en vigueur"][0] == "0,0 %"
    assert m["Score moyen de complétude"][0] == "—"
    assert tableau_avec(at, "Code ML")["Code ML"].to_list() == ["MLB"]
    aller(at, "Contenus")
    assert tableau_avec(at, "Territoire", "Accords en vigueur")["Territoire"].to_list() == [
        "France", "Guadeloupe", "Guadeloupe"]
    # date choisie dans l'URL (libellé de l'option) et année 2023
    at = ouvrir(monkeypatch, dossier_varie, {"annee": "2023", "accords_date": "30 juin 2023",
                                             "accords_vue": "Échéances", "accords_mois": "24"})
    assert at.selectbox(key="accords_date").value == date(2023, 6, 30)
    assert at.slider(key="accords_mois").value == 24
    # au 30/06/2023 : AC1, AC9, AC11 en vigueur ; d'ici le 30/06/2025 : AC9 (31/03/2025)
    assert metriques(at)["Accords en vigueur"][0] == "3 accords"
    assert tableau_avec(at, "Accord courant")["Accord courant"].to_list() == ["AC9"]
    # une date d'URL qui n'est pas une fin de mois de l'année : ignorée, 31 décembre
    at = ouvrir(monkeypatch, dossier_varie, {"accords_date": "15 mars 2024", "accords_vue": "Inconnu"})
    assert at.selectbox(key="accords_date").value == date(2024, 12, 31)


# --------------------------------------------------------------------------------------------------
# Jeu de démonstration
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("annee", "region"), [(None, None), (2015, None), (2020, "53"), (2024, "01")])
def test_demo_filtres(monkeypatch, dossier_demo, annee, region):
    params = {}
    if annee:
        params["annee"] = str(annee)
    ref = Reference(dossier_demo)
    if region:
        from donnees import referentiel

        params["region"] = dict(referentiel.regions().iter_rows())[region]
    at = ouvrir(monkeypatch, dossier_demo, params)
    d = at.selectbox(key="accords_date").value
    situations = ref.situations(d, region)
    en_vigueur = sum(1 for s, _ in situations.values() if s == "en_vigueur")
    m = metriques(at)
    assert m["Part des ML avec un accord en vigueur"][0] == normal(fmt.pourcentage(100 * en_vigueur / len(situations)))
    assert m["Accords en vigueur"][0] == normal(f"{fmt.nombre(ref.en_vigueur(d, region).height)} accords")
    assert m["ML sans aucun accord signé"][0] == normal(f"{fmt.nombre(len(ref.jamais_signe(d, region)))} ML")
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
    aller(at, "Accords par ML")
    tab = tableau_avec(at, "Code ML", "Situation")
    assert tab.height == len(situations)
    assert dict(tab.select("Code ML", "Accord courant").iter_rows()) == {c: i for c, (_, i) in situations.items()}


def test_region_sans_accord(monkeypatch, tmp_path):
    """Une région dont la seule ML n'a aucun accord (le validateur refuse un fichier d'accords vide) :
    « Aucun accord », aucun chiffre inventé, aucune erreur dans aucun onglet."""
    from tests.fabrique import jeu_minimal

    t = jeu_minimal()
    t["accords"] = t["accords"].filter(pl.col("code_ml") == "MLB")
    at = ouvrir(monkeypatch, ecrire_jeu(tmp_path, t), {"region": "Bourgogne-Franche-Comté"})
    m = metriques(at)
    assert m["Part des ML avec un accord en vigueur"][0] == "0,0 %"
    assert m["Accords en vigueur"][0] == "0 accords"
    assert m["Score moyen de complétude"][0] == "—"
    assert m["ML sans aucun accord signé"][0] == "1 ML"
    for onglet in ONGLETS:
        aller(at, onglet)
        telechargements_complets(at)
    aller(at, "Accords par ML")
    assert tableau_avec(at, "Situation")["Situation"].to_list() == ["Aucun accord"]
    aller(at, "Échéances")
    assert "Aucun accord en vigueur" in textes(at)
    aller(at, "ML sans accord")
    assert tableau_avec(at, "Code ML", "Situation")["Code ML"].to_list() == ["MLA"]
