"""Point d'entrée du tableau de bord : ``streamlit run tableau_de_bord.py``.

Exige la connexion (fichier d'accès), prépare le jeu de données, affiche la navigation, les filtres
partagés (liés à l'URL), l'encart de la personne connectée, la page choisie puis le pied de page. Tout le
reste vit dans ``interface/`` et ``pages/``.
"""

import streamlit as st
import streamlit.elements.plotly_chart  # installe le modèle « streamlit », remplacé ci-dessous

from interface import chargement, etat, identite, navigation, pied, prechargement, theme
from interface.garde import assurer_navigation

st.set_page_config(
    page_title="Pilotage du partenariat renforcé",
    page_icon=theme.icone_application(),
    layout="wide",
    initial_sidebar_state="expanded",
)

theme.enregistrer_modele_plotly()  # « dsfr » par défaut, quel que soit l'ordre des imports
assurer_navigation(relancer=False)  # voir interface/garde.py : le dossier pages/ et l'ancien mode multipage
# Connexion et périmètre (interface/identite.py) : page de connexion ou de refus, et arrêt, tant que la
# personne n'est pas habilitée ; sans fichier d'accès (TDB_ACCES), mode local.
perimetre = identite.exiger_acces()
with identite.perimetre_pose(perimetre):  # toute lecture de données filtrée selon le périmètre (requetes/perimetre.py)
    etat_jeu = chargement.preparer()
    page = navigation.construire_navigation(etat_jeu.valide, transitoire=etat_jeu.transitoire)
    if etat_jeu.valide:
        etat.afficher_filtres(*chargement.annees_et_regions(), couverture=chargement.couverture_du_jeu(),
                              region_session=identite.region_par_defaut(perimetre))
    identite.encart_utilisateur(perimetre)
    page.run()
    pied.afficher_pied(etat_jeu)
if etat_jeu.valide:
    prechargement.lancer()  # après la page : les bibliothèques des autres pages, en arrière-plan
