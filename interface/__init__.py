"""Aides Streamlit partagées par toutes les pages (le cadre : thème, filtres, chargement, pied).

- ``presentation.format`` (couche du dessous, sans Streamlit) : mise en forme française — ``euros``,
  ``nombre``, ``pourcentage``, ``pour_mille``, ``points``, ``date_mois``, ``periode``,
  ``format_valeur(valeur, unite)`` (unités du registre), ``ecart(valeur, unite)``, échappements.
- ``interface.theme`` : couleurs DSFR (de ``presentation.theme``), modèle Plotly « dsfr » fait modèle
  par défaut, ``afficher_graphique(fig)``.
- ``interface.graphiques`` : ``barres_territoires(df, unite, ...)``.
- ``interface.chargement`` : jeu en service — ``jeu()``, ``etat_jeu()``, ``en_cache(fonction, ...)``.
- ``interface.etat`` : filtres partagés — ``filtres()`` -> (année, code région ou None),
  ``filtres_complets()`` ; widgets propres à une page liés à l'URL : ``selection_url``,
  ``bascule_url``, ``curseur_url``.
- ``interface.entete`` : ``entete(titre, sous_titre)`` en haut de chaque page.
- ``interface.metriques`` : ``metrique``, ``metrique_chiffre`` (chiffre, définition, écart sur un an).
- ``interface.navigation`` : ``CATALOGUE``, ``PAGES`` (données), ``lien_page(fichier, libelle)``.
- ``interface.telechargement`` : ``boutons_telechargement(df, nom, cle=...)``, ``en_csv``, ``en_xlsx``.
- ``interface.pied``, ``interface.erreurs``, ``interface.garde`` : utilisés par le point d'entrée.

Ce module n'importe rien.
"""
