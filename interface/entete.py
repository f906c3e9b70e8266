"""En-tête commun des pages : titre et rappel des filtres en vigueur (visible même barre latérale
repliée, par exemple projeté en salle)."""

from __future__ import annotations

import streamlit as st

from interface import etat


def entete(titre: str, sous_titre: str | None = None, *, avec_filtres: bool = True) -> None:
    """Titre de la page, et sous le titre « Année 2024 · Bretagne » (filtres partagés) puis le
    sous-titre éventuel."""
    st.title(titre, anchor=False)
    morceaux = []
    if avec_filtres:
        f = etat.filtres_complets()
        rappel = f"**Année {f.annee}** · **{f.territoire}**"
        if not f.jeu_national:  # jeu partiel : ce qu'il couvre, pour ne jamais le lire comme la France
            rappel += (" · jeu de données limité à ce territoire" if f.territoire == f.libelle_jeu
                       else f" · jeu de données limité à {f.libelle_jeu}")
        morceaux.append(rappel)
    if sous_titre:
        morceaux.append(sous_titre)
    if morceaux:
        st.markdown(" — ".join(morceaux))
