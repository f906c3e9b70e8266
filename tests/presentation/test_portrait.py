"""Portrait d'un territoire mis en forme (presentation/portrait.py) : textes mot pour mot, tableau des
indicateurs et ses couleurs, alertes (résumé, tableau des neuf, constats écrits), sur des valeurs faites à
la main et sur le jeu minimal de tests/fabrique.py. La page elle-même : tests/pages/test_portrait.py."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest

from presentation import alertes as alertes_ecrites
from presentation import format as fmt
from presentation import portrait as P
from requetes import alertes
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE, THEMES
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal

E = "\u00a0"  # entre un nombre et son unité
F = "\u202f"  # séparateur de milliers
ANNEE = 2024


@pytest.fixture(scope="module")
def jeu():
    return JeuDeDonnees(ecrire_jeu(Path(tempfile.mkdtemp()) / "jeu", jeu_minimal()))


def test_rang_couleur_periodes():
    assert P.rang(1, 12) == "1ᵉʳ / 12"
    assert P.rang(3, 1200) == f"3ᵉ / 1{F}200"
    assert P.rang(None, 12) == P.rang(2, None) == "—"
    assert P.css(C.MIEUX) == "background-color: #B8FEC9; color: #18753C; font-weight: 600"
    assert P.css(C.MOINS_BIEN) == "background-color: #FFE9E9; color: #CE0500; font-weight: 600"
    assert P.css(C.NEUTRE) == P.css(None) == ""
    assert P.periode(2025, 2025) == "2025" and P.periode(2023, 2025) == "2023 à 2025"
    assert P.periode_precedente(None) is None
    assert P.periode_precedente((2024, 2024)) == "2024" and P.periode_precedente((2021, 2022)) == "2021-2022"


def test_entete():
    ligne = {"nom": "ML *Saint-Denis*", "nom_region": "La Réunion", "code_region": "04"}
    assert P.titre(ligne) == r"ML \*Saint\-Denis\*"
    assert P.identite("ml", "ML_974", ligne, "2023 à 2025") == r"Mission Locale ML\_974 · région La Réunion · **2023 à 2025**"
    assert P.identite("region", "04", ligne, "2025") == "Région 04 · **2025**"
    territoires = pl.DataFrame({"code": ["A", "B", "C"], "code_region": ["01", "27", "27"]})
    assert P.territoire_par_defaut(territoires, "27") == "B"
    assert P.territoire_par_defaut(territoires, "99") is None
    assert P.territoire_par_defaut(territoires, None) is None


def test_chiffres_et_densite(jeu):
    p = C.portrait(jeu, "ml", "MLA", ANNEE)
    chiffres = P.chiffres_contexte(p)
    assert [c.libelle for c in chiffres] == ["Jeunes 16-25 ans", "Taux de NEET", "DE < 26 ans ‰", "Couverture NEET"]
    jeunes, neet = chiffres[0], chiffres[1]
    # un volume : sa part du national ; un ratio : la France
    assert (jeunes.valeur, jeunes.unite, jeunes.avec_unite, jeunes.sens) == (14500.0, "jeunes", False, 0)
    assert jeunes.note == f"77,96{E}% du total national"
    assert neet.note == f"France : 11,3{E}%" and neet.avec_unite and neet.sens == -1
    i = REGISTRE["taux_neet"]
    assert neet.aide == f"**{i.libelle}** : {i.formule}.\n\n{i.definition}"
    ctx = C.contexte(jeu, "ml", ANNEE)
    d = P.densite(ctx.filter(pl.col("code") == "MLA"))
    assert d == P.Densite("886", f"61{F}031 habitants")
    assert P.densite(ctx.clear()) == P.Densite("—", None)
    peu = pl.DataFrame({"densite": [3.456], "population": [None]}, schema={"densite": pl.Float64, "population": pl.Float64})
    assert P.densite(peu) == P.Densite("3,5", None)


@pytest.mark.parametrize("maille, code", [("ml", "MLA"), ("region", "27")])
def test_tableau_des_indicateurs(jeu, maille, code):
    p = C.portrait(jeu, maille, code, ANNEE)
    t = P.tableau_indicateurs(p, maille, "2023", [2024, 2023])
    df = t.style.data
    assert t.colonne_evolution == "Depuis 2023" and t.titre_serie == "2023-2024" and t.lignes == len(df) == p.height
    attendues = ["Thème", "Indicateur", "Valeur", "France", "Région", "Écart à la France", "Rang", "Centile",
                 "Depuis 2023", "Série"]
    assert list(df.columns) == [c for c in attendues if not (maille == "region" and c == "Région")]
    ordre = [c for codes in THEMES.values() for c in codes]
    assert df["Thème"].tolist() == [theme for theme, codes in THEMES.items() for _ in codes]
    assert df["Indicateur"].tolist() == [REGISTRE[c].libelle for c in ordre]
    par_code = {r["indicateur"]: r for r in p.iter_rows(named=True)}
    for ligne, c in zip(df.to_dict("records"), ordre):
        r = par_code[c]
        assert ligne["Valeur"] == fmt.format_valeur(r["valeur"], r["unite"]) + P.SYMBOLES.get(r["appreciation"], "")
        assert ligne["Rang"] == P.rang(r["rang"], r["nb"])
    # couleurs : l'appréciation face à la France (valeur, écart), le sens de l'évolution
    for i, c in enumerate(ordre):
        r = par_code[c]
        assert t.couleurs.loc[i, "Valeur"] == t.couleurs.loc[i, "Écart à la France"] == P.css(r["appreciation"])
        assert t.couleurs.loc[i, "Depuis 2023"] == P.css(r["appreciation_evolution"])
        assert t.couleurs.loc[i, "Indicateur"] == ""
    if maille == "ml":
        enveloppe = df.iloc[0]
        assert (enveloppe["Valeur"], enveloppe["France"], enveloppe["Écart à la France"], enveloppe["Rang"]) == (
            f"262{F}500{E}€", f"387{F}500{E}€", f"67,74{E}% du national", "1ᵉʳ / 2")
    # sans période précédente
    assert P.tableau_indicateurs(p, maille, None, []).colonne_evolution == "Évolution"
    assert P.tableau_indicateurs(p, maille, None, []).titre_serie == "Série"
    assert P.export_indicateurs(p).columns == [c for c in p.columns
                                               if c not in ("maille", "est_ratio", "serie", "serie_nationale")]


def test_alertes_du_portrait(jeu):
    synthese = C.synthese_alertes(jeu, "ml", "MLB", ANNEE)
    assert P.resume_alertes(synthese, ANNEE) == "**6 alertes sur 9** en 2024 (seuils par défaut de la carte)."
    une = synthese.with_columns(pl.when(pl.col("numero") == 2).then(1).otherwise(0).alias("nb"))
    assert P.resume_alertes(une, ANNEE) == "**1 alerte sur 9** en 2024 (seuils par défaut de la carte)."
    tableau = P.tableau_alertes(synthese)
    assert tableau.index.tolist() == [str(a.numero) for a in alertes.ALERTES.values()]
    assert list(tableau.columns) == ["Alerte", "Concernés", "Jeunes de 16 à 25 ans", "Règle (seuils par défaut)"]
    assert tableau.loc["1"].tolist() == [alertes.ALERTES["communes_sans_ml"].libelle, "aucun", "",
                                         alertes_ecrites.texte_regle("communes_sans_ml")]
    assert tableau.loc["5"].tolist()[1:3] == ["1", f"2{F}100"]
    assert tableau.loc["2"].tolist()[1:3] == ["1", ""]  # alerte au grain ML : pas de jeunes
    assert tableau["Règle (seuils par défaut)"].tolist() == [alertes_ecrites.texte_regle(a) for a in alertes.ALERTES]
    # constats écrits du territoire : ceux de la carte, avec leur phrase
    numeriques = C.alertes_du_territoire(jeu, "ml", "MLB", ANNEE)
    constats = P.constats_alertes(numeriques, ANNEE)
    assert constats.columns == list(alertes_ecrites.COLONNES_CONSTATS)
    carte = alertes.constats_du_territoire(alertes_ecrites.constats(jeu, ANNEE), "ml", "MLB")
    assert constats.equals(carte.sort("numero", "code_objet"))
    assert "Objectif atteint à 72,0" + E + "% : 72 entrées pour un objectif de 100 (seuil 80" + E + "%)" in (
        constats["constat"].to_list())
    montres = P.affichage_constats(constats)
    assert montres.columns == ["N°", "Alerte", "Commune ou ML", "Constat"]
    assert montres["Constat"].to_list() == constats["constat"].to_list()
