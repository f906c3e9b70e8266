"""Figures et textes de la page Accords (presentation/accords.py), sans Streamlit.

Données : le jeu fait à la main ``jeu_accords_varies`` (réponses connues) passé par ``requetes/accords.py`` ;
les nombres attendus viennent d'un calcul indépendant en Polars sur les fichiers (``Reference`` de
tests/requetes/test_accords.py) ; les textes sont écrits en toutes lettres.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest

from donnees.contrat import CONTENUS_ACCORD, LIBELLES_PARTICIPATION
from presentation import accords as P
from presentation import format as fmt
from requetes import accords as A
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_accords_varies
from tests.requetes.test_accords import Reference

D = date(2024, 12, 31)
F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("presentation_accords"), jeu_accords_varies())
    return JeuDeDonnees(dossier), Reference(dossier)


def test_figure_des_situations(varie):
    jeu, ref = varie
    compte = Counter(s for s, _ in ref.situations(D).values())
    total = sum(compte.values())
    barres = P.figure_situations(A.synthese_situations(jeu, D)).data[0]
    ordre = list(reversed(A.SITUATIONS))  # la première situation en haut
    assert list(barres.y) == [A.LIBELLES_SITUATION[s] for s in ordre]
    assert list(barres.x) == [compte[s] for s in ordre]
    assert list(barres.text) == [f"{fmt.nombre(compte[s])} ({fmt.pourcentage(100 * compte[s] / total)})"
                                 for s in ordre]
    assert barres.text[-1] == f"3 (37,5{E}%)"  # En vigueur : 3 ML sur 8
    assert list(barres.marker.color) == [P.COULEURS_SITUATION[s] for s in ordre]
    assert list(barres.customdata) == [A.AIDE_SITUATION[s] for s in ordre]


def test_definitions_des_situations():
    lignes = P.definitions_situations()
    assert len(lignes) == len(A.SITUATIONS)
    assert lignes[0] == "- **En vigueur** : Un accord signé couvre la date."


def test_figure_par_region(varie):
    jeu, ref = varie
    fig = P.figure_regions(A.situations_par_region(jeu, D), "27")
    assert [t.name for t in fig.data] == [A.LIBELLES_SITUATION[s] for s in A.SITUATIONS]
    en_vigueur = fig.data[0]
    lignes = dict(zip(en_vigueur.y, en_vigueur.x))
    # la région choisie en gras ; part des ML de la région en vigueur, calculée à part
    situations = ref.situations(D, "27")
    attendu = 100 * sum(1 for s, _ in situations.values() if s == "en_vigueur") / len(situations)
    assert lignes["<b>Bourgogne-Franche-Comté</b>"] == pytest.approx(attendu)
    assert "Guadeloupe" in lignes and "<b>Guadeloupe</b>" not in lignes
    assert fig.layout.barmode == "stack"


def test_noms_echappes_pour_plotly():
    par_region = pl.DataFrame({"code_region": ["99"], "nom_region": ["<i>Île</i> & co"], "situation": ["en_vigueur"],
                               "libelle_situation": ["En vigueur"], "nb_ml": [1], "part": [100.0]})
    fig = P.figure_regions(par_region, "99")
    assert list(fig.data[0].y) == ["<b>&lt;i&gt;Île&lt;/i&gt; &amp; co</b>"]


def test_historique(varie):
    jeu, _ = varie
    par_annee = A.situations_par_annee(jeu)
    fig = P.figure_situations_par_annee(par_annee)
    assert [t.name for t in fig.data] == [A.LIBELLES_SITUATION[s] for s in A.SITUATIONS]
    evenements = A.evenements_par_annee(jeu)
    fig = P.figure_evenements(evenements)
    par_nom = {t.name: t for t in fig.data}
    denonces = evenements.filter(pl.col("evenement") == "denonciation")
    # les fins et dénonciations vont vers le bas, les signatures vers le haut
    assert list(par_nom["Accord dénoncé"].y) == [-n for n in denonces["nb"]]
    assert dict(zip(par_nom["Accord dénoncé"].x, par_nom["Accord dénoncé"].y))[2024] == -1
    premiers = evenements.filter(pl.col("evenement") == "premier_accord")
    assert list(par_nom["Premier accord signé"].y) == premiers["nb"].to_list()
    assert fig.layout.barmode == "relative"


def test_grille_des_contenus(varie):
    jeu, ref = varie
    fig = P.figure_contenus(A.grille_contenus(jeu, D), None)
    carte = fig.data[0]
    assert list(carte.y) == ["<b>France</b> (4)", "Bourgogne-Franche-Comté (4)", "Guadeloupe (0)"]
    assert list(carte.x) == [P.ETIQUETTES_GRILLE[c] for c in A.CRITERES_COMPLETUDE]
    vigueur = ref.en_vigueur(D)
    colonne = list(A.CRITERES_COMPLETUDE).index("equipe_commune_entreprises")
    attendu = 100 * vigueur["equipe_commune_entreprises"].fill_null(False).mean()
    assert carte.z[0][colonne] == pytest.approx(attendu)
    assert carte.text[0][colonne] == fmt.pourcentage(attendu) == f"50,0{E}%"
    assert carte.text[2][0] == "—"  # Guadeloupe : aucun accord en vigueur
    assert fig.layout.height == 360
    # une région choisie : la France et la région en gras, ses départements dessous
    y = list(P.figure_contenus(A.grille_contenus(jeu, D, "27"), "27").data[0].y)
    assert y[:3] == ["<b>France</b> (4)", "<b>Bourgogne-Franche-Comté</b> (4)", "Doubs (0)"]
    assert [f"part_{c}" for c in (*CONTENUS_ACCORD, A.CRITERE_PARTICIPATION)] == P.COLONNES_CONTENUS


def test_participation(varie):
    jeu, ref = varie
    fig = P.figure_participation(A.participation(jeu, D), None)
    assert [t.name for t in fig.data] == list(LIBELLES_PARTICIPATION.values())
    assert list(fig.data[0].y) == ["<b>France</b>", "Bourgogne-Franche-Comté", "Guadeloupe"]
    niveaux = ref.en_vigueur(D)["participation_jeunes"].to_list()
    for trace, niveau in zip(fig.data, LIBELLES_PARTICIPATION):
        assert trace.x[0] == pytest.approx(100 * niveaux.count(niveau) / len(niveaux))


@pytest.mark.parametrize(("nb", "total", "attendu"), [
    (1, 8, "1 Mission Locale sur 8"),
    (0, 8, "0 Mission Locale sur 8"),
    (1234, 1500, f"1{F}234 Missions Locales sur 1{F}500"),
])
def test_texte_nombre_ml(nb, total, attendu):
    assert P.texte_nombre_ml(nb, total, "France entière", "31 décembre 2024") == (
        f"{attendu} (France entière, accord courant au 31 décembre 2024). Cliquez sur un en-tête de colonne pour "
        "trier.")


def test_textes_des_echeances(varie):
    jeu, _ = varie
    assert P.texte_echeances(1, "31 décembre 2024", 3) == (
        "**1** accord en vigueur au 31 décembre 2024 se termine dans les 3 mois qui suivent. Suite prévue :")
    assert P.texte_echeances(1200, "31 décembre 2024", 12) == (
        f"**1{F}200** accords en vigueur au 31 décembre 2024 se terminent dans les 12 mois qui suivent. "
        "Suite prévue :")
    assert P.puces_suites(A.suites_echeances(jeu, D, 12)) == (
        "- Nouvel accord déjà signé : **1**\n- Renouvellement en négociation : **1**\n"
        "- Aucune suite connue : **1**")


def test_libelles():
    assert P.libelle_metrique(SimpleNamespace(cle="part_accords_socle", libelle="long")) == (
        "Diagnostic, critères et plan d'actions")
    assert P.libelle_metrique(SimpleNamespace(cle="accords_en_vigueur", libelle="Accords en vigueur")) == (
        "Accords en vigueur")
    assert (P.libelle_niveau(None), P.libelle_niveau("27")) == ("région", "département")
    assert (P.niveau_detail(None), P.niveau_detail("27")) == ("region", "departement")
