"""Éléments d'une page décrits sans Streamlit, prêts à afficher : un chiffre clé (``Carte``), une rangée de
chiffres clés (``Rangee``), un tableau mis en forme avec le tableau de nombres qu'on télécharge
(``Tableau``). ``interface.blocs`` les affiche ; les modules de présentation des pages les fabriquent.

Tous les textes y sont déjà mis en forme à la française : l'affichage ne formate plus rien.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Carte:
    """Un chiffre clé, affiché par ``st.metric`` dans une carte bordée. Les valeurs par défaut sont celles de
    ``st.metric``."""

    libelle: str
    valeur: str
    aide: str | None = None
    delta: str | None = None
    couleur: str = "normal"  # couleur de l'écart : "normal", "inverse" ou "off"
    fleche: str = "auto"  # flèche de l'écart : "auto", "up", "down" ou "off"
    description: str | None = None  # texte après l'écart (« par rapport à l'annonce »)


@dataclass(frozen=True)
class Rangee:
    """Des chiffres clés côte à côte : dans des colonnes de ``largeurs`` relatives (une par carte), ou à la
    suite dans un conteneur horizontal si ``largeurs`` est None."""

    cartes: tuple[Carte, ...]
    largeurs: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Tableau:
    """Un tableau à afficher (``affichage`` : textes à la française, en-têtes français) et ce qu'on en
    télécharge (``donnees`` : nombres, toutes les colonnes, renommées par ``libelles``).

    ``cle`` : préfixe des clés Streamlit (``{cle}_tableau``, ``{cle}_csv``, ``{cle}_xlsx``) ;
    ``nom_fichier`` : base du nom des fichiers téléchargés, complétée par ``annee``."""

    affichage: pl.DataFrame
    donnees: pl.DataFrame
    libelles: Mapping[str, str]
    cle: str
    nom_fichier: str
    annee: int | None = None
    hauteur: int | str = "auto"
