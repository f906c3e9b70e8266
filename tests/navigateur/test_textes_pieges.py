"""Revue de sécurité (issue 12, point 4), dans un vrai Chromium : une Mission Locale au nom piégé (lien, image
distante, formule LaTeX, HTML, lien nu) s'affiche telle quelle, en Markdown comme dans les graphiques Plotly.

Le serveur de ce fichier est le sien, sur le jeu de tests/pages/test_textes_pieges.py. Ce que le
navigateur rend fait foi : aucun lien ni image vers exemple.invalide, aucune formule KaTeX, aucun HTML
interprété ; aucune requête hors de la machine (une image distante en tenterait une :
``harnais.Surveillance``) ; le texte lu est le nom d'origine, caractère pour caractère (jointures
invisibles U+2060 mises à part).
"""

from __future__ import annotations

import pytest

from tests.fabrique import ecrire_jeu
from tests.navigateur import harnais
from tests.navigateur.harnais import ouvrir, verifier_sans_erreur
from tests.pages.test_textes_pieges import PIEGE, jeu_piege

PIEGE_NU = PIEGE + " http://nu.exemple.invalide www.exemple.invalide contact@exemple.invalide"
LIBELLE = f"{PIEGE_NU} (MLA)"  # option de la liste des territoires (et paramètre d'URL)


@pytest.fixture(scope="module")
def serveur_piege(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("navigateur_piege")
    tables = jeu_piege()
    tables["missions_locales"] = tables["missions_locales"].with_columns(
        tables["missions_locales"]["nom_ml"].str.replace_all(PIEGE, PIEGE_NU, literal=True))
    base = ecrire_jeu(dossier / "jeu", tables)
    serveur = harnais.demarrer_serveur(base, dossier / "streamlit.log")
    yield serveur
    serveur.arreter()


@pytest.fixture
def onglet(navigateur, serveur_piege):
    with harnais.onglet_surveille(navigateur, serveur_piege.url, hauteur=1800) as page:
        yield page


def rien_d_interprete(page) -> None:
    principal = page.locator('[data-testid="stMain"]')
    assert principal.locator('a[href*="exemple.invalide"], a[href^="mailto:"]').count() == 0
    assert principal.locator('img[src*="exemple.invalide"]').count() == 0
    assert principal.locator(".katex").count() == 0
    assert principal.locator('[data-testid="stMarkdownContainer"] b').count() == 0
    assert page.locator('.js-plotly-plot a').count() == 0


def lu(texte: str) -> str:
    return texte.replace("\u2060", "")


def test_portrait_d_une_ml_piegee(onglet):
    ouvrir(onglet, "portrait", {"portrait_territoire_ml": LIBELLE})
    verifier_sans_erreur(onglet)
    titre = onglet.locator('[data-testid="stMain"] h2').first
    assert lu(titre.inner_text()).strip() == PIEGE_NU
    rien_d_interprete(onglet)


def test_graphiques_d_une_ml_piegee(onglet):
    ouvrir(onglet, "comparaison", {"cmp_territoires_ml": LIBELLE, "cmp_vue": "Barres"})
    verifier_sans_erreur(onglet)
    etiquettes = [lu(t) for t in onglet.locator(".js-plotly-plot text").all_text_contents()]
    assert PIEGE_NU in etiquettes  # « <b>gras</b> » lu tel quel, pas mis en gras
    rien_d_interprete(onglet)
