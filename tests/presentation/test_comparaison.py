"""Tableaux, figures et textes de la page de comparaison (presentation/comparaison.py), sans Streamlit.

Les entrées sont de petits tableaux de la forme de ``requetes.comparaison`` (positions, références,
distribution, séries, nuage) écrits à la main : le tableau côte à côte est comparé à un calcul Polars
indépendant (une jointure par territoire, pas de pivot), et les formats français sont écrits en toutes
lettres.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from presentation import comparaison as P
from presentation import format as fmt
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)
INDICATEURS = ["taux_neet", "entrees_pour_1000_de", "enveloppe_ml"]  # %, ‰, € (volume)
SCHEMA_POSITIONS = {
    "maille": pl.Utf8, "code": pl.Utf8, "nom": pl.Utf8, "code_region": pl.Utf8, "indicateur": pl.Utf8,
    "libelle": pl.Utf8, "theme": pl.Utf8, "unite": pl.Utf8, "sens": pl.Int64, "est_ratio": pl.Boolean,
    "numerateur": pl.Float64, "denominateur": pl.Float64, "valeur": pl.Float64, "valeur_nationale": pl.Float64,
    "valeur_region": pl.Float64, "ecart_national": pl.Float64, "ecart_region": pl.Float64,
    "part_nationale": pl.Float64, "rang": pl.Int64, "nb": pl.Int64, "centile": pl.Float64, "appreciation": pl.Utf8,
}
NOMS = {"29": "Finistère", "ML1": "Mission Locale de Tarbes", "ML2": "Mission Locale du Centre",
        "ML3": "Mission Locale du Centre", "75": "Paris"}
NATIONAL = {"taux_neet": 12.345, "entrees_pour_1000_de": 241.94, "enveloppe_ml": 49_123_456.0}


def positions(lignes: list[dict], maille: str = "departement") -> pl.DataFrame:
    """Positions de la forme de ``requetes.comparaison.positions`` ; registre et France complétés."""
    completes = []
    for l in lignes:
        i = REGISTRE[l["indicateur"]]
        completes.append({"maille": maille, "nom": NOMS[l["code"]], "code_region": "53", "libelle": i.libelle,
                          "theme": i.theme, "unite": i.unite, "sens": i.sens, "est_ratio": i.est_ratio,
                          "valeur_nationale": NATIONAL[l["indicateur"]], **l})
    return pl.DataFrame(completes, schema=SCHEMA_POSITIONS)


def references(indicateurs: list[str]) -> pl.DataFrame:
    return pl.DataFrame({
        "indicateur": indicateurs, "libelle": [REGISTRE[c].libelle for c in indicateurs],
        "unite": [REGISTRE[c].unite for c in indicateurs], "valeur": [NATIONAL[c] for c in indicateurs],
    })


@pytest.fixture
def pos() -> pl.DataFrame:
    """Trois territoires : le Finistère a tout, Paris n'a pas de valeur de NEET et pas de ligne pour
    l'enveloppe, la ML a des valeurs arrondies à la limite."""
    return positions([
        {"code": "29", "indicateur": "taux_neet", "valeur": 10.55, "valeur_region": 11.0, "ecart_national": -1.795,
         "rang": 1, "nb": 101, "centile": 100.0, "appreciation": C.MIEUX},
        {"code": "75", "indicateur": "taux_neet", "valeur": None, "valeur_region": 14.0, "ecart_national": None,
         "rang": None, "nb": 100, "centile": None, "appreciation": None},
        {"code": "ML1", "indicateur": "taux_neet", "valeur": 12.35, "valeur_region": 12.0, "ecart_national": 0.005,
         "rang": 40, "nb": 101, "centile": 61.5, "appreciation": C.EGAL},
        {"code": "29", "indicateur": "entrees_pour_1000_de", "valeur": 1234.56, "ecart_national": 992.62,
         "rang": 3, "nb": 101, "centile": 98.0, "appreciation": C.MIEUX},
        {"code": "75", "indicateur": "entrees_pour_1000_de", "valeur": 100.0, "ecart_national": -141.94,
         "rang": 101, "nb": 101, "centile": 0.0, "appreciation": C.MOINS_BIEN},
        {"code": "ML1", "indicateur": "entrees_pour_1000_de", "valeur": 241.94, "ecart_national": 0.0,
         "rang": 50, "nb": 101, "centile": 50.0, "appreciation": C.EGAL},
        {"code": "29", "indicateur": "enveloppe_ml", "valeur": 1_234_567.0, "part_nationale": 2.5131,
         "rang": 12, "nb": 101, "centile": 89.0, "appreciation": C.SANS_OBJET},
        {"code": "ML1", "indicateur": "enveloppe_ml", "valeur": 45_000.0, "part_nationale": None,
         "rang": 99, "nb": 101, "centile": 2.0, "appreciation": C.SANS_OBJET},
    ])


# --------------------------------------------------------------------------------------------------
# Petits textes


def test_libelle_court_rang_periode():
    assert P.libelle_indicateur("taux_neet") == "Contexte territorial › Taux de NEET"
    assert P.court("Mission Locale de Tarbes") == "ML de Tarbes"
    assert P.court("Mission Locales") == "Mission Locales"  # pas un préfixe « Mission Locale  »
    assert P.court("Finistère") == "Finistère"
    assert P.rang(1, 1234) == f"1ᵉʳ / 1{F}234"
    assert P.rang(1012, 1234) == f"1{F}012ᵉ / 1{F}234"
    assert P.rang(None, 101) == P.rang(3, None) == "—"
    assert P.periode(2024, 2024) == "2024"
    assert P.periode(2022, 2024) == "2022 à 2024"


def test_entetes_des_homonymes():
    """Deux territoires de même nom : le code s'ajoute à l'en-tête des deux, pas aux autres."""
    assert P.entetes_territoires(["ML2", "29", "ML1", "ML3"], NOMS) == [
        "ML du Centre (ML2)", "Finistère", "ML de Tarbes", "ML du Centre (ML3)"]


def test_territoires_de_la_region_en_tete():
    terr = pl.DataFrame({"code": ["01", "29", "35", "75", "976"], "nom": ["Ain", "Finistère", "Ille", "Paris", "M"],
                         "code_region": ["84", "53", "53", "11", None],
                         "libelle": ["Ain (01)", "Finistère (29)", "Ille (35)", "Paris (75)", "M (976)"]})
    assert P.ordonner_territoires(terr, "53")["code"].to_list() == ["29", "35", "01", "75", "976"]
    assert P.ordonner_territoires(terr, None)["code"].to_list() == ["01", "29", "35", "75", "976"]
    libelles, noms = P.correspondances(P.ordonner_territoires(terr, "11"))
    assert list(libelles) == ["75", "01", "29", "35", "976"] and libelles["29"] == "Finistère (29)"
    assert noms["75"] == "Paris"
    assert P.region_de(terr, "35") == "53" and P.region_de(terr, None) is None


# --------------------------------------------------------------------------------------------------
# Tableau côte à côte


def cote_a_cote_attendu(refs: pl.DataFrame, pos: pl.DataFrame, codes: list[str], entetes: list[str]):
    """Calcul indépendant : une jointure à gauche par territoire sur les références (ordre des références),
    texte mis en forme ligne à ligne après Polars ; « — » sans ligne ou sans valeur."""
    symboles = {"mieux": " ✓", "moins bien": " ✗", "égal": " ="}
    textes = {"Indicateur": refs["libelle"].to_list(),
              "France": [fmt.format_valeur(v, u) for v, u in refs.select("valeur", "unite").iter_rows()]}
    appreciations = {"Indicateur": [None] * refs.height, "France": [None] * refs.height}
    for code, entete in zip(codes, entetes):
        d = refs.select("indicateur", "unite").join(
            pos.filter(pl.col("code") == code).select("indicateur", "valeur", "appreciation"),
            on="indicateur", how="left", maintain_order="left")
        textes[entete] = [fmt.format_valeur(v, u) + symboles.get(a, "")
                          for v, u, a in d.select("valeur", "unite", "appreciation").iter_rows()]
        appreciations[entete] = d["appreciation"].to_list()
    return (pl.DataFrame(textes, schema=dict.fromkeys(textes, pl.Utf8)),
            pl.DataFrame(appreciations, schema=dict.fromkeys(appreciations, pl.Utf8)))


def test_cote_a_cote_egal_au_calcul_independant(pos):
    refs = references(INDICATEURS)
    codes = ["ML1", "75", "29"]
    t = P.tableau_cote_a_cote(refs, pos, codes, NOMS)
    textes, appreciations = cote_a_cote_attendu(refs, pos, codes, ["ML de Tarbes", "Paris", "Finistère"])
    assert_frame_equal(t.textes, textes)
    assert_frame_equal(t.appreciations, appreciations)


def test_cote_a_cote_en_toutes_lettres(pos):
    t = P.tableau_cote_a_cote(references(INDICATEURS), pos, ["29", "75", "ML1"], NOMS)
    assert t.textes.columns == ["Indicateur", "France", "Finistère", "Paris", "ML de Tarbes"]
    assert t.textes.rows() == [
        ("Taux de NEET", f"12,3{E}%", f"10,6{E}% ✓", "—", f"12,4{E}% ="),
        ("Entrées en délégation pour 1 000 jeunes demandeurs d'emploi", f"241,9{E}‰", f"1{F}234,6{E}‰ ✓",
         f"100,0{E}‰ ✗", f"241,9{E}‰ ="),
        ("Part de l'enveloppe", f"49,1{E}M€", f"1,2{E}M€", "—", f"45{F}000{E}€"),
    ]
    assert t.appreciations.rows() == [
        (None, None, C.MIEUX, None, C.EGAL),
        (None, None, C.MIEUX, C.MOINS_BIEN, C.EGAL),
        (None, None, C.SANS_OBJET, None, C.SANS_OBJET),
    ]


def test_cote_a_cote_sans_territoire_et_territoire_sans_ligne(pos):
    refs = references(["enveloppe_ml", "taux_neet"])  # l'ordre des références fait celui des lignes
    t = P.tableau_cote_a_cote(refs, None, [], NOMS)
    assert t.textes.rows() == [("Part de l'enveloppe", f"49,1{E}M€"), ("Taux de NEET", f"12,3{E}%")]
    assert t.appreciations.rows() == [(None, None), (None, None)]
    t = P.tableau_cote_a_cote(refs, pos.filter(pl.col("code") != "ML2"), ["ML2", "75"], NOMS)
    assert t.textes.columns == ["Indicateur", "France", "ML du Centre (ML2)", "Paris"]
    assert t.textes["ML du Centre (ML2)"].to_list() == ["—", "—"]
    assert t.appreciations["ML du Centre (ML2)"].to_list() == [None, None]


def test_style_des_appreciations(pos):
    """Le Styler colore exactement les cellules « mieux », « moins bien » et « égal »."""
    t = P.tableau_cote_a_cote(references(INDICATEURS), pos, ["29", "75", "ML1"], NOMS)
    style = t.style()
    assert style.data.equals(t.textes.to_pandas())
    style._compute()
    couleurs = {(i, j): dict(css)["background-color"] for (i, j), css in style.ctx.items() if css}
    assert couleurs == {(0, 2): "#B8FEC9", (0, 4): "#EEEEEE", (1, 2): "#B8FEC9", (1, 3): "#FFE9E9",
                        (1, 4): "#EEEEEE"}
    assert P.style_cellule(C.MOINS_BIEN) == "background-color: #FFE9E9; color: #CE0500; font-weight: 600"
    assert P.style_cellule(C.NEUTRE) == P.style_cellule(None) == ""


# --------------------------------------------------------------------------------------------------
# Détail


def test_detail_en_toutes_lettres(pos):
    t = P.tableau_detail(pos, "departement")
    assert t.textes.columns == ["Territoire", "Indicateur", "Valeur", "France", "Sa région", "Écart à la France",
                                "Rang", "Centile", "Par rapport à la France"]
    assert t.textes.height == pos.height
    assert t.textes.row(0) == ("Finistère", "Taux de NEET", f"10,6{E}%", f"12,3{E}%", f"11,0{E}%", f"-1,8{E}pt",
                               "1ᵉʳ / 101", "100", "Mieux que la France")
    assert t.textes.row(1) == ("Paris", "Taux de NEET", "—", f"12,3{E}%", f"14,0{E}%", "—", "—", "—", "—")
    # écart nul à l'affichage : sans signe ; centile arrondi au plus proche, demi vers le haut
    assert t.textes.row(2)[0] == "ML de Tarbes" and t.textes.row(2)[5:8] == (f"0,0{E}pt", "40ᵉ / 101", "62")
    assert t.textes.row(3)[5] == f"+992,6{E}‰"
    assert t.textes.row(6)[2:] == (f"1,2{E}M€", f"49,1{E}M€", "—", f"2,51{E}% du total national", "12ᵉ / 101",
                                   "89", "Volume : dépend de la taille du territoire")
    assert t.textes.row(7)[5] == "—"  # volume sans part nationale
    # couleurs : valeur, écart et appréciation seulement
    assert t.appreciations.row(0) == (None, None, C.MIEUX, None, None, C.MIEUX, None, None, C.MIEUX)
    assert t.appreciations["Valeur"].to_list() == pos["appreciation"].to_list()


def test_detail_entre_regions_sans_colonne_region(pos):
    t = P.tableau_detail(pos, "region")
    assert "Sa région" not in t.textes.columns and t.appreciations.columns == t.textes.columns


def test_export_positions(pos):
    export = P.export_positions(pos)
    assert export.columns == [c for c in C.COLONNES_POSITIONS if c not in ("maille", "est_ratio")]
    assert set(export.columns) <= set(P.LIBELLES_EXPORT)


# --------------------------------------------------------------------------------------------------
# Barres, distribution


def test_barres(pos):
    valeurs, reference = P.barres(pos, "taux_neet")
    assert valeurs.columns == ["code", "nom", "valeur"] and valeurs["code"].to_list() == ["29", "75", "ML1"]
    assert reference == (12.345, "France")
    assert P.barres(pos, "enveloppe_ml")[1] is None  # pas de référence pour un volume
    vide, reference = P.barres(pos.clear(), "taux_neet")
    assert vide.is_empty() and reference == (None, "France")


def test_figure_distribution(pos):
    toutes = pos.with_columns(pl.when(pl.col("code") == "75").then(pl.lit("<b>Paris</b>")).otherwise("nom")
                              .alias("nom"))
    fig = P.figure_distribution(toutes, "entrees_pour_1000_de", ["ML1", "29"])
    boite, choisis, france = fig.data
    assert boite.y == ("Toutes (3)",) * 3
    assert boite.text == ("Finistère", "&lt;b&gt;Paris&lt;/b&gt;", "Mission Locale de Tarbes")  # échappés
    # territoires choisis dans l'ordre inverse du choix (le premier choisi en haut), valeurs et rangs en français
    assert choisis.y == ("Finistère", "Mission Locale de Tarbes")
    assert choisis.text == (f"1{F}234,6{E}‰", f"241,9{E}‰")
    assert choisis.customdata == ("3ᵉ / 101", "50ᵉ / 101")
    assert choisis.marker.color == ("#18753C", P.TEXTES[C.EGAL])
    assert france.name == f"France : 241,9{E}‰"
    assert list(fig.layout.yaxis.categoryarray) == ["Finistère", "Mission Locale de Tarbes", "Toutes (3)"]
    assert fig.layout.height == 150 + 30 * 2 and fig.layout.xaxis.ticksuffix == " ‰"
    # sans territoire choisi : la boîte seule et la France
    assert len(P.figure_distribution(pos, "taux_neet", []).data) == 2


def test_resume_des_distributions():
    resume = pl.DataFrame({"indicateur": ["taux_neet", "enveloppe_ml"], "nb": [1234, 0],
                           "minimum": [8.04, None], "q1": [10.25, None], "mediane": [11.0, None],
                           "q3": [12.95, None], "maximum": [20.0, None], "moyenne": [11.5, None]})
    assert P.tableau_resume(resume).rows(named=True) == [
        {"Indicateur": "Taux de NEET", "Territoires": f"1{F}234", "Minimum": f"8,0{E}%", "1er quartile": f"10,3{E}%",
         "Médiane": f"11,0{E}%", "3e quartile": f"13,0{E}%", "Maximum": f"20,0{E}%"},
        {"Indicateur": "Part de l'enveloppe", "Territoires": "0", "Minimum": "—", "1er quartile": "—",
         "Médiane": "—", "3e quartile": "—", "Maximum": "—"},
    ]
    assert "Missions Locales" not in P.legende_distribution("ml") and "missions locales" in P.legende_distribution("ml")


# --------------------------------------------------------------------------------------------------
# Évolution, nuage


def test_indicateurs_du_pas():
    assert P.indicateurs_du_pas(["taux_neet", "taux_transformation"], "annee") == ["taux_neet", "taux_transformation"]
    assert P.indicateurs_du_pas(["taux_neet", "taux_transformation"], "mois") == ["taux_transformation"]


def test_figure_serie():
    s = pl.DataFrame({
        "periode": [date(2023, 1, 1), date(2024, 1, 1), date(2023, 1, 1), date(2024, 1, 1)],
        "code": ["ML1", "ML1", "FR", "FR"], "nom": ["ML <i>", "ML <i>", "France", "France"],
        "indicateur": ["taux_neet"] * 4, "valeur": [10.0, None, 12.345, 12.0],
    })
    fig = P.figure_serie(s, ["ML1", "ML9"], "taux_neet", "annee", 2023, 2024)
    ml, france = fig.data  # ML9 sans valeur : pas de ligne
    assert ml.name == "ML &lt;i&gt;" and ml.customdata == (f"10,0{E}%", "—") and ml.mode == "lines+markers"
    assert france.line.dash == "dash" and france.line.color == "#E1000F" and france.customdata[0] == f"12,3{E}%"
    assert ml.line.color == P.COULEURS_SERIES[0]
    assert len(fig.layout.shapes) == 1  # période de deux ans : zone bleutée
    assert not P.figure_serie(s, ["ML1"], "taux_neet", "mois", 2024, 2024).layout.shapes
    assert P.legende_serie("taux_neet", 2024, 2024).endswith("France en tirets rouges.")
    assert P.legende_serie("taux_neet", 2023, 2024).endswith(" Zone bleutée : période choisie.")


def test_figure_et_legende_du_nuage():
    n = pl.DataFrame({"code": ["29", "35", "75", "976"], "nom": ["Finistère", "Ille & Vilaine", "Paris", "Mayotte"],
                      "code_region": ["53", "53", "11", "06"], "x": [10.0, 12.5, 1234.0, None],
                      "y": [3.0, 4.0, 5.0, 6.0]})
    refs = pl.DataFrame({"indicateur": ["taux_neet", "nb_ml"], "libelle": ["a", "b"], "unite": ["%", "ML"],
                         "valeur": [12.3, 437.0]})
    fig = P.figure_nuage(n, refs, ["75"], "taux_neet", "nb_ml", "departement")
    autres, choisis, france = fig.data
    assert autres.name == "Départements" and autres.text == ("Finistère", "Ille &amp; Vilaine")
    assert list(autres.customdata[1]) == [f"12,5{E}%", f"4{E}ML"]
    assert choisis.text == ("Paris",) and list(choisis.customdata[0]) == [f"1{F}234,0{E}%", f"5{E}ML"]
    assert [a.text for a in fig.layout.annotations] == ["Paris"]
    assert len(fig.layout.shapes) == 1  # France tracée pour le ratio (X), pas pour le volume (Y)
    assert france.name == "France"
    assert P.legende_nuage(n).startswith("Chaque point est un territoire (3 avec les deux valeurs, 1 sans).")
    assert P.legende_nuage(n.head(2)).startswith("Chaque point est un territoire (2 avec les deux valeurs).")
    libelles = P.libelles_export_nuage("taux_neet", "nb_ml")
    assert libelles["x"] == "Taux de NEET (X)" and libelles["y"] == "Missions Locales (Y)"
