"""Copie d'écran d'un tableau, sans Streamlit : colonnes choisies, décimaux arrondis, en-têtes français,
et ce qu'il faut savoir pour l'afficher (colonnes de nombres, de dates, hauteur).

``a_l_ecran(df, colonnes, libelles=...)`` rend un ``TableauEcran`` ; ``interface.tableaux.tableau``
l'affiche avec ``st.dataframe`` (nombres à la française, dates au format choisi, « — » pour une valeur
absente) puis ajoute les boutons de téléchargement, qui gardent, eux, toute la précision.

Règles communes à toutes les pages :

- arrondi des colonnes décimales (``Float64``) : ``decimales`` (1 par défaut), sauf les colonnes citées
  dans ``decimales_colonnes`` (par exemple les taux au dixième et les volumes à l'unité) ;
- colonnes de nombres (format « localized » de Streamlit : milliers séparés, virgule décimale) : toutes
  les colonnes numériques sauf ``annee`` (« 2 024 » se lirait mal), ou la liste ``nombres`` donnée ;
- colonnes de dates : celles de ``dates``, au format ``format_dates`` (``DATE_JOUR`` ou ``DATE_MOIS``) ;
- hauteur : ``hauteur`` (« auto » par défaut) ; un petit tableau (10 lignes au plus) prend la hauteur de
  ses lignes, sans lignes vides dessous, sauf ``ajuster_petits=False``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from presentation.format import TIRET

DATE_JOUR = "DD/MM/YYYY"
DATE_MOIS = "MM/YYYY"
VIDE = TIRET  # ce qu'affiche une cellule sans valeur
MAX_LIGNES_PETIT = 10  # un tableau de 10 lignes au plus prend la hauteur de ses lignes
SANS_SEPARATEUR = frozenset({"annee"})  # nombres montrés sans séparateur de milliers


@dataclass(frozen=True)
class TableauEcran:
    """Ce que montre l'écran : ``donnees`` (colonnes choisies, arrondies, en-têtes français), les en-têtes
    des colonnes de nombres et de dates (dans l'ordre des colonnes), la hauteur à donner au tableau."""

    donnees: pl.DataFrame
    nombres: tuple[str, ...]
    dates: tuple[str, ...]
    format_dates: str
    hauteur: int | str
    entetes: dict[str, str]  # code de colonne -> en-tête français
    vide: str = VIDE


def hauteur_ecran(nb_lignes: int, hauteur: int | str = "auto", *, ajuster_petits: bool = True) -> int | str:
    """« auto » pour un petit tableau (``MAX_LIGNES_PETIT`` lignes au plus), ``hauteur`` sinon."""
    return "auto" if ajuster_petits and nb_lignes <= MAX_LIGNES_PETIT else hauteur


def a_l_ecran(df: pl.DataFrame, colonnes: Sequence[str], *, libelles: Mapping[str, str],
              decimales: int = 1, decimales_colonnes: Mapping[str, int] | None = None,
              nombres: Iterable[str] | None = None, dates: Iterable[str] = (), format_dates: str = DATE_JOUR,
              hauteur: int | str = "auto", ajuster_petits: bool = True) -> TableauEcran:
    """Copie pour l'écran de ``df`` réduit à ``colonnes`` (voir les règles du module). ``libelles`` : code
    de colonne -> en-tête français (une colonne absente garde son code)."""
    colonnes = list(colonnes)
    entetes = {c: libelles.get(c, c) for c in colonnes}
    arrondis = dict(decimales_colonnes or {})
    dates = tuple(dates)
    vue = df.select(colonnes)
    vue = vue.with_columns(pl.col(c).round(arrondis.get(c, decimales))
                           for c, t in vue.schema.items() if t == pl.Float64)
    if nombres is None:
        choisis = [c for c in colonnes if vue.schema[c].is_numeric() and c not in SANS_SEPARATEUR]
    else:
        choisis = [c for c in colonnes if c in set(nombres)]
    return TableauEcran(
        donnees=vue.rename(entetes),
        nombres=tuple(entetes[c] for c in choisis if c not in dates),
        dates=tuple(entetes[c] for c in colonnes if c in dates),
        format_dates=format_dates,
        hauteur=hauteur_ecran(df.height, hauteur, ajuster_petits=ajuster_petits),
        entetes=entetes,
    )
