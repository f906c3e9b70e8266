"""Un tableau à l'écran puis ses deux boutons de téléchargement (CSV et Excel), pour toutes les pages.

    tableau(df, ["nom", "nb_ml", "part"], cle="accords_synthese", nom="situation_accords", annee=2024,
            libelles=LIBELLES_COLONNES)

La copie d'écran (colonnes choisies, décimaux arrondis, en-têtes français, colonnes de nombres et de
dates, hauteur) est faite sans Streamlit par ``presentation.tableaux.a_l_ecran`` : ses règles et ses
options (``decimales``, ``decimales_colonnes``, ``nombres``, ``dates``, ``format_dates``, ``hauteur``,
``ajuster_petits``) sont décrites là. Ici : ``st.dataframe`` sans index, clé ``{cle}_tableau``, nombres au
format « localized » (à la française), dates au format choisi, « — » pour une cellule vide ; puis
``boutons_telechargement`` (clés ``{cle}_csv`` et ``{cle}_xlsx``) sur ``df`` réduit aux mêmes colonnes
(ou à ``colonnes_export``), à pleine précision, en-têtes ``libelles``.

``config`` : réglages de colonnes propres à une page (cases à cocher, barres de progression, largeurs),
par code de colonne ; ils remplacent ceux que la règle commune aurait posés sur ces colonnes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl
import streamlit as st

from interface.telechargement import boutons_telechargement
from presentation.tableaux import DATE_JOUR, a_l_ecran


def tableau(df: pl.DataFrame, colonnes: Sequence[str], *, cle: str, nom: str, annee: int | None,
            libelles: Mapping[str, str], decimales: int = 1, decimales_colonnes: Mapping[str, int] | None = None,
            nombres: Iterable[str] | None = None, dates: Iterable[str] = (), format_dates: str = DATE_JOUR,
            hauteur: int | str = "auto", ajuster_petits: bool = True, config: Mapping[str, object] | None = None,
            colonnes_export: Sequence[str] | None = None) -> None:
    """Affiche la copie d'écran de ``df`` (``colonnes``) puis ses boutons de téléchargement."""
    vue = a_l_ecran(df, colonnes, libelles=libelles, decimales=decimales, decimales_colonnes=decimales_colonnes,
                    nombres=nombres, dates=dates, format_dates=format_dates, hauteur=hauteur,
                    ajuster_petits=ajuster_petits)
    reglages = {}
    for entete in vue.entetes.values():
        if entete in vue.dates:
            reglages[entete] = st.column_config.DateColumn(format=vue.format_dates)
        elif entete in vue.nombres:
            reglages[entete] = st.column_config.NumberColumn(format="localized")
    reglages.update({vue.entetes.get(c, c): r for c, r in (config or {}).items()})
    st.dataframe(vue.donnees, hide_index=True, key=f"{cle}_tableau", height=vue.hauteur, column_config=reglages,
                 placeholder=vue.vide)
    boutons_telechargement(df.select(colonnes_export or colonnes), nom, cle=cle, libelles=libelles, annee=annee)
