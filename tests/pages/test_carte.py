"""Page « Carte des trous de couverture » (pages/carte.py) avec streamlit.testing.v1.AppTest, ouverte
par le point d'entrée (navigation et filtres partagés compris)."""

from __future__ import annotations

import statistics
import time

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from interface.navigation import RACINE
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    gestionnaires_telechargement,  # noqa: F401
    relire_paire,
)

DELAI_S = 600


def _ouvrir(monkeypatch, dossier) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    at = AppTest.from_file(str(RACINE / "tableau_de_bord.py"), default_timeout=DELAI_S)
    at.run()
    at.switch_page("pages/carte.py")
    at.run()
    _sans_erreur(at)
    return at


def _sans_erreur(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _choisir(at: AppTest, cle: str, valeur) -> None:
    at.selectbox(key=cle).set_value(valeur).run()
    _sans_erreur(at)


def _premier_code(at: AppTest) -> str:
    """Premier code proposé par la liste des territoires (les options affichées sont des noms)."""
    from requetes import alertes
    from requetes.jeu import JeuDeDonnees
    from tests.cartes.jeux import dossier_demo

    return alertes.territoires(JeuDeDonnees(dossier_demo()), "ml")["code"][0]


@pytest.fixture(scope="module")
def dossier_minimal_module(tmp_path_factory):
    return ecrire_jeu(tmp_path_factory.mktemp("page_carte"), jeu_minimal())


def test_page_par_defaut(monkeypatch, dossier_minimal_module):
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    assert at.title[0].value == "Carte des trous de couverture"
    assert at.selectbox(key="carte_maille").value == "departement"
    assert at.selectbox(key="carte_mode").value == "indicateurs"
    # la carte (composant streamlit-folium) est là, avec sa description
    assert any("101 territoires" in c.value for c in at.caption)
    # tableau des alertes par département, téléchargeable
    sous_titres = [s.value for s in at.subheader]
    assert "Alertes de couverture" in sous_titres
    tableaux = [d.value for d in at.dataframe]
    synthese = next(t for t in tableaux if "Alertes déclenchées" in t.columns)
    assert len(synthese) == 101
    guadeloupe = synthese[synthese["Code"] == "971"].iloc[0]
    assert guadeloupe["2. ML sans accord en vigueur"] == 1
    assert len(at.get("download_button")) >= 4  # CSV et XLSX : alertes, objets concernés
    # fichiers fabriqués au clic : le tableau des alertes, tel qu'affiché
    alertes_csv = relire_paire(at, "carte_alertes")
    assert alertes_csv.height == 101 and "Alertes déclenchées" in alertes_csv.columns
    assert alertes_csv.filter(pl.col("Code") == "971")["2. ML sans accord en vigueur"].item() == 1


def test_clic_equivalent_selection_montre_le_detail(monkeypatch, dossier_minimal_module):
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    assert at.selectbox(key="carte_territoire").value is None
    assert any("Cliquez sur un territoire" in i.value for i in at.info)
    _choisir(at, "carte_territoire", "971")
    assert "Guadeloupe" in [s.value for s in at.subheader]
    assert any("Alertes déclenchées" in m.value for m in at.markdown)
    detail = [d.value for d in at.dataframe if "Constat" in d.value.columns and "N°" in d.value.columns]
    assert detail and set(detail[0]["N°"]) >= {2, 4, 7, 8, 9}


def test_la_selection_du_callback_de_clic(monkeypatch, dossier_minimal_module):
    """Un clic sur la carte passe par le rappel donné à streamlit-folium : la page ne lui demande que
    ``last_active_drawing`` (pas de réexécution au déplacement ni au zoom) ; son rappel, appelé avec ce que
    rend le composant pour un clic sur le 90, pose la sélection, et la page réexécutée montre le détail.
    Un clic hors territoire (lieu d'accueil, fond de carte) ne change rien."""
    import streamlit as st
    import streamlit_folium

    vrai_st_folium = streamlit_folium.st_folium
    options_recues: list[dict] = []
    clics: list[dict] = []

    def st_folium(carte, **options):
        # Le composant, sauf quand un clic est en attente : on fait alors ce que fait Streamlit quand le
        # composant renvoie une valeur nouvelle (la valeur sous sa clé, puis le rappel on_change).
        options_recues.append(options)
        if not clics:
            return vrai_st_folium(carte, **options)
        st.session_state[options["key"]] = clics.pop()
        options["on_change"]()
        return None

    monkeypatch.setattr(streamlit_folium, "st_folium", st_folium)
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    assert options_recues and options_recues[-1]["returned_objects"] == ["last_active_drawing"]
    assert callable(options_recues[-1]["on_change"])
    assert at.selectbox(key="carte_territoire").value is None

    clics.append({"last_active_drawing": {"type": "Feature", "properties": {"code": "90", "maille": "departement"}}})
    at.run()
    _sans_erreur(at)
    assert not clics and at.session_state["carte_territoire"] == "90"  # le rappel a posé la sélection
    at.run()
    _sans_erreur(at)
    assert at.selectbox(key="carte_territoire").value == "90"
    assert "Territoire de Belfort" in [s.value for s in at.subheader]

    clics.append({"last_active_drawing": {"type": "Feature", "properties": {"nom": "Agence"}}})  # hors territoire
    at.run()
    at.run()
    _sans_erreur(at)
    assert at.selectbox(key="carte_territoire").value == "90"


@pytest.mark.parametrize("maille", ["region", "departement", "ml"])
def test_chaque_maille_et_mode_alertes(monkeypatch, dossier_minimal_module, maille):
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    _choisir(at, "carte_maille", maille)
    _choisir(at, "carte_mode", "alertes")
    for alerte in ("nombre", "communes_sans_ml", "acces_eloigne", "double_perte"):
        _choisir(at, "carte_alerte", alerte)
    nb = {"region": 18, "departement": 101, "ml": 2}[maille]
    assert any(f"{nb} territoires" in c.value for c in at.caption)


def test_communes_d_un_territoire(monkeypatch, dossier_minimal_module):
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    _choisir(at, "carte_maille", "commune")
    assert "Département 90 — Territoire de Belfort" in at.selectbox(key="carte_zoom").options
    _choisir(at, "carte_zoom", "departement:90")
    assert at.selectbox(key="carte_indicateur").options[0] == "Jeunes de 16 à 25 ans"  # indicateurs communaux
    _choisir(at, "carte_indicateur", "distance_site_km")
    _choisir(at, "carte_territoire", "90010")
    assert "Belfort" in [s.value for s in at.subheader]
    _choisir(at, "carte_zoom", "ml:MLB")
    _choisir(at, "carte_mode", "alertes")
    assert at.selectbox(key="carte_territoire").value is None  # la commune de Belfort n'est plus montrée


def test_seuil_modifie_change_le_tableau(monkeypatch, dossier_minimal_module):
    at = _ouvrir(monkeypatch, dossier_minimal_module)
    _choisir(at, "carte_alerte_detail", "objectif_delegation")

    def constats():
        return next(d.value for d in at.dataframe if "Constat" in d.value.columns and "Code" in d.value.columns)

    assert list(constats()["Code"]) == ["MLB"]
    at.number_input(key="carte_seuil_objectif_delegation_seuil_pct").set_value(85.0).run()
    _sans_erreur(at)
    assert sorted(constats()["Code"]) == ["MLA", "MLB"]  # MLA : 252 entrées / 300 = 84 %


def test_page_chaude_demo(monkeypatch):
    """Une réexécution « à chaud » (caches pleins) de la page, maille ML, France entière."""
    from tests.cartes.jeux import dossier_demo

    at = _ouvrir(monkeypatch, dossier_demo())
    _choisir(at, "carte_maille", "ml")
    _choisir(at, "carte_territoire", _premier_code(at))  # avec le détail d'une ML à côté de la carte
    at.run()
    durees = []
    for _ in range(3):
        t = time.perf_counter()
        at.run()
        durees.append(time.perf_counter() - t)
        _sans_erreur(at)
    print(f"page carte, maille ML, à chaud : {statistics.median(durees) * 1000:.0f} ms (médiane), "
          f"{min(durees) * 1000:.0f} ms (meilleure)")
    # budget : 500 ms ; la meilleure des trois mesures écarte les à-coups d'une machine partagée
    assert min(durees) <= 0.5, durees
    tableau = next(d.value for d in at.dataframe if "Alertes déclenchées" in d.value.columns)
    assert len(tableau) >= 400
    assert pl.from_pandas(tableau)["Alertes déclenchées"].max() >= 1
