"""Barres par territoire (interface/graphiques.py) : repères verticaux et leur légende."""

from __future__ import annotations

import polars as pl

from interface import theme
from interface.graphiques import barres_territoires

DF = pl.DataFrame({"code": ["11", "53", "84"], "nom": ["Île-de-France", "Bretagne", "Auvergne-Rhône-Alpes"],
                   "valeur": [42.5, 71.0, None]})


def test_reperes_traces_et_nommes_dans_la_legende():
    fig = barres_territoires(DF, "%", libelle_valeur="Atteinte", code_surligne="53",
                             reference=(55.25, "France"), repere=(100.0, "Objectif"))
    formes = [(f.x0, f.x1, f.line.color, f.line.dash, f.yref) for f in fig.layout.shapes]
    assert formes == [(55.25, 55.25, theme.ROUGE_MARIANNE, "dash", "y domain"),
                      (100.0, 100.0, theme.GRIS_FONCE, "solid", "y domain")]
    legendes = [t.name for t in fig.data if t.type == "scatter"]
    assert [n.replace("\u00a0", " ") for n in legendes] == ["France : 55,3 %", "Objectif : 100,0 %"]
    assert fig.layout.showlegend is True
    # l'axe couvre le repère le plus loin
    assert fig.layout.xaxis.range[1] >= 100.0


def test_sans_repere_ni_forme_ni_legende():
    fig = barres_territoires(DF, "%", libelle_valeur="Atteinte")
    assert not fig.layout.shapes and fig.layout.showlegend is False
    barres = fig.data[0]
    assert list(barres.y)[-1] == "Bretagne"  # la plus grande valeur en haut
    assert barres.text[0] == "—"  # sans valeur : en bas, « — »
