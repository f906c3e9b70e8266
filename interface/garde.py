"""Garde contre l'ancien mode « dossier pages/ » de Streamlit.

Le projet range ses pages dans ``pages/`` (convention du dépôt) et les déclare par ``st.navigation``.
Streamlit 1.67 décide pourtant, à la première exécution d'un serveur (et à chaque exécution sous
``AppTest``), d'employer l'ancien mode multipage « v1 » parce que ce dossier existe
(``PagesManager.uses_pages_directory``) : si la première adresse ouverte est celle d'une page
(``/vue_nationale``), Streamlit exécute alors ce fichier seul, sans le point d'entrée (ni filtres, ni
jeu de données, ni navigation par sections).

``assurer_navigation()`` repère ce cas (le drapeau est encore vrai alors que ``st.navigation``
l'aurait remis à faux), passe en mode ``st.navigation`` et relance l'exécution : le point d'entrée
s'exécute et ouvre la page demandée (les ``url_path`` des pages sont le nom de leur fichier, donc la
même adresse dans les deux modes). Appelé en tête du point d'entrée et par les fonctions que toute page
emploie (``etat.filtres``, ``chargement.jeu``…).

Lancé par ``scripts/lancer.sh`` ou ``scripts/servir.sh`` (``python -m interface.lancement``), le serveur
fixe ce mode avant sa première connexion (``lancement.navigation_seule``) : ce module n'est plus alors
qu'un filet pour un serveur lancé à la main par ``streamlit run tableau_de_bord.py``.
"""

from __future__ import annotations

import streamlit as st


def assurer_navigation(relancer: bool = True) -> None:
    """Repasse en mode ``st.navigation``.

    ``relancer=False`` : appel du point d'entrée lui-même, qui est en train de s'exécuter et va appeler
    ``st.navigation`` : il suffit de baisser le drapeau, sans relancer (une relance effacerait le clic
    d'un bouton ou l'envoi d'un formulaire que la page doit lire dans cette exécution).
    ``relancer=True`` : appel depuis une page ; si le drapeau est encore levé, c'est que Streamlit
    exécute la page seule, sans le point d'entrée : on relance pour passer par lui.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - API interne déplacée : rien à corriger
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        if relancer:
            st.rerun()
