"""Tableau à l'écran et ses boutons (interface/tableaux.py), ouvert par l'AppTest de Streamlit : réglages de
colonnes, clé, hauteur, cellules vides, boutons de téléchargement à pleine précision."""

from __future__ import annotations

import json

import polars as pl
from streamlit.testing.v1 import AppTest

from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)

HAUTEURS: list = []


def application(lignes: int, options: dict) -> None:
    import polars as pl
    import streamlit as st

    from interface.tableaux import tableau
    from tests.interface import test_tableaux as ici

    origine = st.dataframe

    def espion(*a, **k):  # l'AppTest ne garde pas la hauteur : on la relève à l'appel
        ici.HAUTEURS.append((k["key"], k["height"]))
        return origine(*a, **k)

    st.dataframe = espion
    try:
        df = pl.DataFrame({
            "nom": [f"ML {i}" for i in range(lignes)],
            "annee": [2024] * lignes,
            "nb": [1000 * i for i in range(lignes)],
            "part": [None if i == 0 else 12.345 for i in range(lignes)],
            "date_fin": [None] * lignes,
        }, schema_overrides={"date_fin": pl.Date})
        tableau(df, ["nom", "annee", "nb", "part", "date_fin"], cle="essai", nom="essai", annee=2024,
                libelles={"nom": "Mission Locale", "nb": "Nombre", "part": "Part (%)", "date_fin": "Fin"},
                dates=("date_fin",), **options)
    finally:
        st.dataframe = origine


def ouvrir(lignes: int = 3, **options) -> AppTest:
    HAUTEURS.clear()
    at = AppTest.from_function(application, args=(lignes, options), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def reglages(at: AppTest) -> dict:
    return json.loads(at.dataframe[0].proto.columns)


def test_reglages_des_colonnes_et_cellules_vides():
    at = ouvrir()
    colonnes = reglages(at)
    assert colonnes["Nombre"]["type_config"] == {"type": "number", "format": "localized"}
    assert colonnes["Part (%)"]["type_config"] == {"type": "number", "format": "localized"}
    assert colonnes["Fin"]["type_config"] == {"type": "date", "format": "DD/MM/YYYY"}
    assert "Année" not in colonnes and "annee" not in colonnes and "Mission Locale" not in colonnes
    assert at.dataframe[0].proto.placeholder == "—"
    vue = pl.from_pandas(at.dataframe[0].value)
    assert vue.columns == ["Mission Locale", "annee", "Nombre", "Part (%)", "Fin"]
    assert vue["Part (%)"].to_list()[1:] == [12.3, 12.3]


def test_cle_hauteur_et_boutons_a_pleine_precision():
    at = ouvrir(12, hauteur=360)
    assert HAUTEURS == [("essai_tableau", 360)]
    assert [b.key for b in at.get("download_button")] == ["essai_csv", "essai_xlsx"]
    csv = contenu_telechargement(at.download_button(key="essai_csv")).decode("utf-8-sig")
    assert csv.splitlines()[0] == "Mission Locale;annee;Nombre;Part (%);Fin"
    assert csv.splitlines()[2] == "ML 1;2024;1000;12,345;"  # toute la précision, virgule décimale
    ouvrir(10, hauteur=360)
    assert HAUTEURS == [("essai_tableau", "auto")]  # petit tableau : la hauteur de ses lignes
    ouvrir(8, hauteur=520, ajuster_petits=False)
    assert HAUTEURS == [("essai_tableau", 520)]


def test_reglages_propres_a_une_page_et_colonnes_exportees():
    import streamlit as st

    at = ouvrir(config={"part": st.column_config.ProgressColumn(min_value=0, max_value=100)},
                colonnes_export=["nom", "nb"])
    assert reglages(at)["Part (%)"]["type_config"]["type"] == "progress"  # remplace la règle commune
    csv = contenu_telechargement(at.download_button(key="essai_csv")).decode("utf-8-sig")
    assert csv.splitlines()[0] == "Mission Locale;Nombre"
