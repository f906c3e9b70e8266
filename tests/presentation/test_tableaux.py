"""Copie d'écran d'un tableau (presentation/tableaux.py) : arrondis, en-têtes, colonnes de nombres et de
dates, hauteur ; les règles des pages Accords (décimaux au dixième) et Orientations (taux au dixième,
volumes à l'unité)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from presentation import orientations as PO
from presentation import tableaux as T
from requetes import orientations as O

LIBELLES = {"nom": "Territoire", "nb": "Nombre", "part": "Part (%)", "annee": "Année", "mois": "Mois",
            "signale": "Signalé"}


def exemple(n: int = 3) -> pl.DataFrame:
    return pl.DataFrame({
        "nom": [f"T{i}" for i in range(n)],
        "annee": [2024] * n,
        "nb": list(range(n)),
        "part": [12.345 + i for i in range(n)],
        "mois": [date(2024, 1 + i % 12, 1) for i in range(n)],
        "signale": [i % 2 == 0 for i in range(n)],
        "code": [f"C{i}" for i in range(n)],
    })


def test_colonnes_choisies_dans_l_ordre_et_en_tetes_francais():
    vue = T.a_l_ecran(exemple(), ["part", "nom", "code"], libelles=LIBELLES)
    assert vue.donnees.columns == ["Part (%)", "Territoire", "code"]  # sans libellé : le code reste
    assert vue.entetes == {"part": "Part (%)", "nom": "Territoire", "code": "code"}
    assert vue.vide == "—"


def test_decimaux_arrondis_au_dixieme_par_defaut_et_donnees_intactes():
    df = exemple()
    vue = T.a_l_ecran(df, ["nom", "part", "nb"], libelles=LIBELLES)
    attendu = df.select(pl.col("part").round(1))["part"].to_list()
    assert vue.donnees["Part (%)"].to_list() == attendu == [12.3, 13.3, 14.3]
    assert vue.donnees["Nombre"].to_list() == [0, 1, 2]  # entiers inchangés
    assert df["part"].to_list() == [12.345, 13.345, 14.345]  # les téléchargements gardent toute la précision


def test_arrondis_par_colonne():
    df = pl.DataFrame({"jeunes": [1234.6, 2.4], "taux": [87.46, 12.04]})
    vue = T.a_l_ecran(df, ["jeunes", "taux"], libelles={}, decimales=0, decimales_colonnes={"taux": 1})
    assert vue.donnees.to_dict(as_series=False) == {"jeunes": [1235.0, 2.0], "taux": [87.5, 12.0]}


def test_regle_des_orientations():
    """Taux (``O.COLONNES_TAUX``) au dixième, volumes de jeunes à l'unité."""
    assert PO.DECIMALES == 0 and set(PO.DECIMALES_COLONNES) == set(O.COLONNES_TAUX)
    df = pl.DataFrame({"orientes": [204.4], "taux_perte": [35.2941], "evolution": [-9.52]})
    vue = T.a_l_ecran(df, df.columns, libelles=O.LIBELLES_COLONNES, decimales=PO.DECIMALES,
                      decimales_colonnes=PO.DECIMALES_COLONNES)
    assert vue.donnees.row(0, named=True) == {"Jeunes orientés": 204.0, "Taux de perte (%)": 35.3,
                                              "Évolution (%)": -9.5}


def test_colonnes_de_nombres_sauf_l_annee():
    vue = T.a_l_ecran(exemple(), ["annee", "nom", "nb", "part", "signale", "mois"], libelles=LIBELLES)
    assert vue.nombres == ("Nombre", "Part (%)")  # ni l'année, ni le texte, ni les booléens, ni les dates
    assert vue.dates == ()
    choisis = T.a_l_ecran(exemple(), ["nb", "part"], libelles=LIBELLES, nombres=["part"])
    assert choisis.nombres == ("Part (%)",)


def test_colonnes_de_dates():
    vue = T.a_l_ecran(exemple(), ["nom", "mois", "nb"], libelles=LIBELLES, dates=("mois",),
                      format_dates=T.DATE_MOIS)
    assert vue.dates == ("Mois",) and vue.format_dates == "MM/YYYY" and vue.nombres == ("Nombre",)
    assert T.a_l_ecran(exemple(), ["mois"], libelles=LIBELLES, dates=["mois"]).format_dates == "DD/MM/YYYY"


@pytest.mark.parametrize(("lignes", "hauteur", "ajuster", "attendu"), [
    (0, 360, True, "auto"),
    (10, 360, True, "auto"),
    (11, 360, True, 360),
    (11, "auto", True, "auto"),
    (8, 520, False, 520),
])
def test_hauteur(lignes, hauteur, ajuster, attendu):
    assert T.hauteur_ecran(lignes, hauteur, ajuster_petits=ajuster) == attendu
    vue = T.a_l_ecran(exemple(lignes), ["nom"], libelles=LIBELLES, hauteur=hauteur, ajuster_petits=ajuster)
    assert vue.hauteur == attendu
