"""Affichage Streamlit des éléments préparés sans Streamlit par ``presentation.blocs`` : rangées de chiffres
clés (``chiffres``) et tableaux mis en forme avec leurs deux boutons de téléchargement (``tableau``)."""

from __future__ import annotations

import streamlit as st

from interface.telechargement import boutons_telechargement
from presentation.blocs import Carte, Rangee, Tableau


def _metrique(carte: Carte) -> None:
    st.metric(carte.libelle, carte.valeur, delta=carte.delta, delta_color=carte.couleur, help=carte.aide,
              border=True, delta_arrow=carte.fleche, delta_description=carte.description)


def chiffres(rangee: Rangee) -> None:
    """Les chiffres clés de la rangée : dans des colonnes de largeurs données, sinon à la suite."""
    if rangee.largeurs is None:
        with st.container(horizontal=True):
            for carte in rangee.cartes:
                _metrique(carte)
        return
    for colonne, carte in zip(st.columns(list(rangee.largeurs)), rangee.cartes, strict=True):
        with colonne:
            _metrique(carte)


def tableau(t: Tableau) -> None:
    """Le tableau mis en forme, puis ses deux boutons de téléchargement (toutes les colonnes, nombres,
    en-têtes français)."""
    st.dataframe(t.affichage, hide_index=True, height=t.hauteur, key=f"{t.cle}_tableau")
    boutons_telechargement(t.donnees, t.nom_fichier, cle=t.cle, libelles=t.libelles, annee=t.annee)
