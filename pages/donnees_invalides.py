"""Page affichée quand le jeu de données en service ne peut pas être montré : il ne respecte pas le
contrat d'export, ou son contrôle n'a pas pu se faire (panne passagère du moteur). Dans les deux cas, la
page Données reste accessible pour remettre en service une version valide."""

import streamlit as st

from interface.chargement import etat_jeu
from interface.erreurs import afficher_rapport_invalide
from interface.navigation import lien_page

etat = etat_jeu()
if etat.transitoire:
    st.title("Contrôle du jeu de données momentanément impossible", anchor=False)
    st.warning("Le contrôle du jeu de données n'a pas pu se faire. Ce n'est pas un verdict sur les données : "
               "rien n'a été gardé de cet échec, et le contrôle est refait à l'affichage suivant.",
               icon=":material/sync_problem:")
    for probleme in etat.erreurs:
        st.text(probleme.message)  # texte brut : le message cite une erreur technique, pas de Markdown
    if st.button("Réessayer maintenant", icon=":material/refresh:", key="donnees_invalides_reessayer"):
        st.rerun()
else:
    afficher_rapport_invalide(etat)
st.markdown("**Remettre une version valide en service** : les versions importées restent disponibles.")
lien_page("pages/donnees.py", "Page Données : jeu en service, versions et import", icone=":material/database:")
