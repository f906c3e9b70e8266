"""Textes de la page d'accueil : écrits par ``presentation.vue_nationale`` (que le dossier de séance
emploie aussi) ; repris ici pour les pages et les tests qui les importent depuis l'interface."""

from presentation.vue_nationale import texte_ecart_valorisation, texte_etp, texte_objectif

__all__ = ["texte_ecart_valorisation", "texte_etp", "texte_objectif"]
