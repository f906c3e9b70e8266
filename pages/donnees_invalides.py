"""Page affichée seule quand le jeu de données configuré ne respecte pas le contrat d'export."""

import streamlit as st

from interface.chargement import etat_jeu
from interface.erreurs import afficher_rapport_invalide

afficher_rapport_invalide(etat_jeu())
