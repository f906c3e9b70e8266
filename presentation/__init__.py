"""Couche de présentation, sans Streamlit : mise en forme française des nombres et des textes
(``format``), couleurs, palettes et modèle Plotly du système de design de l'État (``theme``).

Elle transforme des nombres et des codes (venus de ``requetes``) en textes, tableaux et figures prêts à
afficher ; ``interface`` et ``pages`` les affichent avec Streamlit. Elle n'importe ni Streamlit ni
``interface`` (tests/test_couches.py), et importer un de ses modules ne change aucun réglage global.
"""
