"""Page « Portrait d'un territoire » (pages/portrait.py) avec AppTest, ouverte par le point d'entrée sur le
jeu de démonstration national (et le jeu minimal de tests/fabrique.py pour un tout petit jeu).

- chaque maille, chaque vue (indicateurs, alertes, territoires comparables), année seule ou période ;
- les valeurs affichées sont celles d'un calcul indépendant (tests/requetes/reference_polars.py) ;
- les alertes sont celles de requetes/alertes.py pour le territoire, leurs phrases celles de
  presentation/alertes.py ;
- aller-retour d'URL : le portrait réglé par les widgets se rouvre à l'identique depuis l'URL.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from donnees import referentiel
from presentation import alertes as alertes_ecrites
from presentation import format as fmt
from requetes import alertes
from requetes import comparaison as C
from requetes import indicateurs as I
from requetes.indicateurs import REGISTRE, THEMES
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_minimal
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    gestionnaires_telechargement,  # noqa: F401
    relire_paire,
)
from tests.requetes.reference_polars import Reference

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
PAGE = "pages/portrait.py"
DELAI = 600
VUES = ("Indicateurs", "Alertes", "Territoires comparables")


def _poser_dossier(dossier: Path):
    ancien = os.environ.get("TDB_DONNEES")
    os.environ["TDB_DONNEES"] = str(dossier)
    st_config.set_option("client.showErrorDetails", "full")
    return ancien


def _rendre(ancien) -> None:
    if ancien is None:
        os.environ.pop("TDB_DONNEES", None)
    else:
        os.environ["TDB_DONNEES"] = ancien


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dossier = dossier_demo_partage(tmp_path_factory)
    ancien = _poser_dossier(dossier)
    yield dossier, JeuDeDonnees(dossier)
    _rendre(ancien)


def ouvrir(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    at.switch_page(PAGE)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace or []) for e in at.exception)
    return at


def libelle(jeu, maille: str, code: str) -> str:
    return dict(C.territoires(jeu, maille).select("code", "libelle").iter_rows())[code]


# --------------------------------------------------------------------------------------------------


def test_portrait_par_defaut_et_valeurs(demo):
    """Un territoire (le premier de la liste par défaut) : un tableau, les thèmes dans l'ordre, chaque valeur égale au calcul
    indépendant mis en forme, la France en référence."""
    dossier, jeu = demo
    annee = I.annees_disponibles(jeu)[-1]
    at = ouvrir()
    assert at.segmented_control(key="portrait_maille").value == "ml"
    premier = C.territoires(jeu, "ml")["code"][0]
    assert at.selectbox(key="portrait_territoire_ml").value == premier
    assert at.header[0].value == C.territoires(jeu, "ml").filter(pl.col("code") == premier)["nom"][0]
    assert len(at.dataframe) == 1
    tout = at.dataframe[0].value
    assert tout["Thème"].tolist() == [theme for theme, codes in THEMES.items() for _ in codes]
    ref = Reference(dossier, referentiel.fichiers_tabulaires())
    v = dict(ref.indicateurs("ml", annee, annee, REGISTRE).filter(pl.col("code") == premier)
             .select("indicateur", "valeur").iter_rows())
    nat = dict(ref.indicateurs("nationale", annee, annee, REGISTRE).select("indicateur", "valeur").iter_rows())
    for theme, codes in THEMES.items():
        t = tout[tout["Thème"] == theme]
        assert t["Indicateur"].tolist() == [REGISTRE[c].libelle for c in codes], theme
        valeurs = [x.rstrip(" ✓✗=") for x in t["Valeur"].tolist()]
        assert valeurs == [fmt.format_valeur(v[c], REGISTRE[c].unite) for c in codes], theme
        assert t["France"].tolist() == [fmt.format_valeur(nat[c], REGISTRE[c].unite) for c in codes], theme
        assert all(len(s) == len(ref.annees) for s in t["Série"].tolist())
    # chiffres de contexte en tête
    assert at.metric[1].value == fmt.format_valeur(v["taux_neet"], "%")
    assert len(at.get("download_button")) == 2
    # fichiers fabriqués au clic : tous les indicateurs des thèmes, valeurs du calcul indépendant
    csv = relire_paire(at, "portrait_telechargement")
    assert set(csv["Code"]) == {premier}
    assert sorted(csv["Code indicateur"]) == sorted(c for codes in THEMES.values() for c in codes)
    valeurs = dict(zip(csv["Code indicateur"], csv["Valeur"]))
    assert valeurs == pytest.approx(v, rel=1e-9, nan_ok=True)


@pytest.mark.parametrize("maille", C.MAILLES_COMPARAISON)
def test_chaque_vue_chaque_maille(demo, maille):
    _, jeu = demo
    annees = I.annees_disponibles(jeu)
    codes = C.territoires(jeu, maille)["code"].to_list()
    for vue in VUES:
        for code, debut in ((codes[0], annees[-1]), (codes[-1], annees[-3])):
            params = {"portrait_maille": C.LIBELLES_MAILLES[maille], "portrait_vue": vue,
                      f"portrait_territoire_{maille}": libelle(jeu, maille, code), "portrait_debut": str(debut)}
            if vue == "Territoires comparables":
                for perimetre in ("Partout",) if maille == "region" else ("Partout", "Même région"):
                    at = ouvrir({**params, "portrait_perimetre": perimetre})
                    assert at.dataframe[0].value["Code"].tolist()[0] == code
            else:
                at = ouvrir(params)
            assert at.selectbox(key=f"portrait_territoire_{maille}").value == code


def test_alertes_du_territoire(demo):
    _, jeu = demo
    annee = I.annees_disponibles(jeu)[-1]
    at = ouvrir({"portrait_maille": "Départements", "portrait_vue": "Alertes",
                 "portrait_territoire_departement": libelle(jeu, "departement", "23")})
    constats = alertes.constats_du_territoire(alertes_ecrites.constats(jeu, annee), "departement", "23")
    declenchees = constats["alerte"].n_unique()
    assert any(f"{declenchees} alerte" in m.value and f"sur {len(alertes.ALERTES)}" in m.value for m in at.markdown)
    synthese = at.table[0].value
    assert synthese["Alerte"].tolist() == [a.libelle for a in alertes.ALERTES.values()]
    assert synthese["Règle (seuils par défaut)"].tolist() == [alertes_ecrites.texte_regle(a) for a in alertes.ALERTES]
    for a, concernes in zip(alertes.ALERTES, synthese["Concernés"].tolist()):
        n = constats.filter(pl.col("alerte") == a)["code_objet"].n_unique()
        assert concernes == (fmt.nombre(n) if n else "aucun")
    assert constats.height
    assert sorted(at.dataframe[0].value["Constat"].tolist()) == sorted(constats["constat"].to_list())


def test_aller_retour_url(demo):
    _, jeu = demo
    annees = I.annees_disponibles(jeu)
    at = ouvrir()
    at.segmented_control(key="portrait_maille").set_value("departement").run()
    at.selectbox(key="portrait_territoire_departement").set_value("974")
    at.selectbox(key="portrait_debut").set_value(annees[-2])
    at.run()
    assert not at.exception
    avant = [d.value for d in at.dataframe]
    url = {"portrait_maille": "Départements", "portrait_territoire_departement": libelle(jeu, "departement", "974"),
           "portrait_debut": str(annees[-2])}
    apres = ouvrir(url)
    assert apres.selectbox(key="portrait_territoire_departement").value == "974"
    assert apres.selectbox(key="portrait_debut").value == annees[-2]
    assert apres.header[0].value == "La Réunion"
    assert len(apres.dataframe) == len(avant)
    for a, b in zip(avant, [d.value for d in apres.dataframe]):
        assert a.drop(columns=["Série"]).equals(b.drop(columns=["Série"]))
        assert a["Série"].apply(list).tolist() == b["Série"].apply(list).tolist()
    # le lien « Comparer ces territoires » porte la maille et les territoires dans l'URL de la comparaison
    at = ouvrir({**url, "portrait_vue": "Territoires comparables"})
    liens = [p for p in at.get("page_link") if "Comparer" in p.proto.label]
    assert liens, "lien vers la comparaison absent"


def test_petit_jeu(tmp_path):
    """Jeu minimal (2 ML, 2 régions) : chaque maille et chaque vue sans exception, y compris quand les
    territoires comparables manquent."""
    dossier = ecrire_jeu(tmp_path / "minimal", jeu_minimal())
    ancien = _poser_dossier(dossier)
    try:
        jeu = JeuDeDonnees(dossier)
        for maille in C.MAILLES_COMPARAISON:
            for code in C.territoires(jeu, maille)["code"].to_list():
                for vue in VUES:
                    at = ouvrir({"portrait_maille": C.LIBELLES_MAILLES[maille], "portrait_vue": vue,
                                 f"portrait_territoire_{maille}": libelle(jeu, maille, code)})
                    assert at.selectbox(key=f"portrait_territoire_{maille}").value == code
    finally:
        _rendre(ancien)
