"""Thème du tableau de bord côté Streamlit : les couleurs, palettes et le modèle Plotly « dsfr » viennent
de ``presentation.theme`` (sans Streamlit) ; ce module en fait le modèle Plotly par défaut et affiche les
figures.

Les graphiques Plotly s'affichent avec ``afficher_graphique(fig)`` (ou ``st.plotly_chart(fig,
theme=None)``) : le thème « streamlit » de ``st.plotly_chart`` écraserait sinon le modèle « dsfr ».
"""

from __future__ import annotations

import plotly.graph_objects as go

from presentation.theme import (  # noqa: F401 — réexportés pour les pages
    BLANC,
    BLEU_CLAIR,
    BLEU_FRANCE,
    CONFIG_PLOTLY,
    GRIS,
    GRIS_CLAIR,
    GRIS_FONCE,
    GRIS_FOND,
    GRIS_MOYEN,
    ORANGE_AVERTISSEMENT,
    PALETTE_CATEGORIELLE,
    PALETTE_DIVERGENTE,
    PALETTE_SEQUENTIELLE,
    POLICE,
    ROUGE_MARIANNE,
    TEXTE,
    VERT_SUCCES,
    enregistrer_modele_plotly,
    icone_application,
)

enregistrer_modele_plotly()


def afficher_graphique(fig: go.Figure, *, cle: str | None = None, hauteur: int | None = None,
                       alt: str | None = None, nom_image: str | None = None) -> None:
    """Affiche une figure Plotly avec le modèle « dsfr » (et non le thème Streamlit)."""
    import streamlit as st

    if hauteur is not None:
        fig.update_layout(height=hauteur)
    config = dict(CONFIG_PLOTLY)
    if nom_image:
        config["toImageButtonOptions"] = {**CONFIG_PLOTLY["toImageButtonOptions"], "filename": nom_image}
    st.plotly_chart(fig, theme=None, key=cle, config=config, alt=alt)
