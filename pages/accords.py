"""Accords locaux : situation des projets locaux de coopération à une date, accord de chaque ML et son
contenu, contenus par territoire, échéances, ML sans accord. Mise en page et widgets seulement : les
calculs sont dans ``requetes/accords.py``, les figures et les textes dans ``presentation/accords.py``."""

from __future__ import annotations

from functools import partial

import streamlit as st

from donnees.contrat import LIBELLES_MODALITE, MODALITES_MOYENS
from interface import chargement, etat
from interface.entete import entete
from interface.metriques import metrique
from interface.tableaux import tableau
from interface.theme import afficher_graphique
from presentation import accords as P
from requetes import accords as A

ONGLETS = ("Situation", "Historique", "Accords par ML", "Contenus", "Échéances", "ML sans accord")

# --------------------------------------------------------------------------------------------------
# En-tête, date d'observation, chiffres clés
# --------------------------------------------------------------------------------------------------

f = etat.filtres_complets()
entete("Accords locaux", "Projets locaux de coopération entre chaque Mission Locale et les agences France "
       "Travail : où ils en sont, ce qu'ils contiennent.")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

dates = A.dates_possibles(f.annee)
col_date, col_regle = st.columns([1, 3], vertical_alignment="bottom")
date_ref = etat.selection_url(
    "Date d'observation", dates, cle="accords_date", libelles=A.libelle_date, defaut=dates[0],
    conteneur=col_date,
    aide="Fin de mois de l'année choisie dans la barre latérale à laquelle on regarde les accords. Par défaut le "
         "31 décembre, comme partout dans le tableau de bord.",
)
col_regle.caption(A.REGLE_VIGUEUR)
libelle_date = A.libelle_date(date_ref)
prec = date_ref.year - 1 if (date_ref.year - 1) in f.annees else None
_tableau = partial(tableau, annee=date_ref.year, libelles=A.LIBELLES_COLONNES)

chiffres = chargement.en_cache(A.chiffres, date_ref, f.code_region)
colonnes = st.columns(3) + st.columns(3)
for chiffre, colonne in zip(chiffres, colonnes):
    metrique(P.libelle_metrique(chiffre), chiffre.valeur, chiffre.unite,
             aide=chiffre.definition, precedente=chiffre.precedente, sens=A.SENS.get(chiffre.cle, 0),
             annee_precedente=prec, conteneur=colonne)
if prec is None:
    st.caption(f"{date_ref.year - 1} n'est pas dans les données : pas d'évolution sur un an.")

onglets = st.tabs(list(ONGLETS), key="accords_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# 1. Situation
# --------------------------------------------------------------------------------------------------

with vues["Situation"]:
    if vues["Situation"].open:
        synthese = chargement.en_cache(A.synthese_situations, date_ref, f.code_region)
        par_region = chargement.en_cache(A.situations_par_region, date_ref)
        gauche, droite = st.columns([2, 3])
        with gauche:
            st.subheader(f"Missions Locales au {libelle_date}", anchor=False)
            st.caption(f"{f.territoire} : situation de chaque ML, d'après son accord le plus récent.")
            afficher_graphique(P.figure_situations(synthese), cle="accords_fig_situation",
                               nom_image=f"accords_situation_{date_ref}",
                               alt=f"Barres : nombre de Missions Locales par situation de leur accord au "
                                   f"{libelle_date}.")
            with st.expander("Définitions des situations et tableau"):
                for ligne in P.definitions_situations():
                    st.markdown(ligne)
                _tableau(synthese, ["libelle_situation", "nb_ml", "part"], cle="accords_synthese",
                         nom="situation_accords")
        with droite:
            st.subheader("Par région", anchor=False)
            st.caption("Part des Missions Locales de chaque région dans chaque situation (ML comptées par leur "
                       "siège).")
            afficher_graphique(P.figure_regions(par_region, f.code_region), cle="accords_fig_regions",
                               nom_image=f"accords_regions_{date_ref}",
                               alt="Barres empilées : part des Missions Locales de chaque région par situation.")
            with st.expander("Tableau par région"):
                _tableau(par_region, ["nom_region", "libelle_situation", "nb_ml", "part"], cle="accords_regions",
                         nom="situation_accords_regions")

# --------------------------------------------------------------------------------------------------
# 2. Historique
# --------------------------------------------------------------------------------------------------

with vues["Historique"]:
    if vues["Historique"].open:
        st.subheader("Au fil des années : la vague de 2015, les renouvellements, les échéances", anchor=False)
        par_annee = chargement.en_cache(A.situations_par_annee, f.code_region)
        evenements = chargement.en_cache(A.evenements_par_annee, f.code_region)
        gauche, droite = st.columns(2)
        with gauche:
            st.markdown(f"**Situation des ML au 31 décembre** ({f.territoire})")
            afficher_graphique(P.figure_situations_par_annee(par_annee), cle="accords_fig_annees",
                               nom_image="accords_situation_par_annee",
                               alt="Barres empilées : situation des Missions Locales au 31 décembre de chaque "
                                   "année.")
        with droite:
            st.markdown(f"**Signatures et fins d'accords par année** ({f.territoire})")
            afficher_graphique(P.figure_evenements(evenements), cle="accords_fig_evenements",
                               nom_image="accords_signatures_fins",
                               alt="Barres : premiers accords et renouvellements signés chaque année (vers le haut), "
                                   "fins d'accords, dénonciations (vers le bas).")
        st.caption(A.AVERTISSEMENT_HISTORIQUE)
        with st.expander("Tableaux par année"):
            _tableau(par_annee, ["annee", "libelle_situation", "nb_ml", "part"], cle="accords_annees",
                     nom="situation_accords_annees")
            _tableau(evenements, ["annee", "libelle_evenement", "nb"], cle="accords_evenements",
                     nom="signatures_fins_accords")

# --------------------------------------------------------------------------------------------------
# 3. Accords par ML
# --------------------------------------------------------------------------------------------------

with vues["Accords par ML"]:
    if vues["Accords par ML"].open:
        st.info(A.REGLE_COMPLETUDE, icon=":material/rule:")
        c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
        choix_situations = etat.selection_url(
            "Situations", list(A.SITUATIONS), cle="accords_situations", libelles=A.LIBELLES_SITUATION,
            multiple=True, placeholder="Toutes", conteneur=c1, aide="Aucune sélection : toutes les situations.")
        choix_modalites = etat.selection_url(
            "Modalité des moyens", list(MODALITES_MOYENS), cle="accords_modalites", libelles=LIBELLES_MODALITE,
            multiple=True, placeholder="Toutes", conteneur=c2,
            aide="Aucune sélection : toutes. « Aucune » compte aussi les ML sans accord.")
        elements = int(etat.curseur_url("Éléments présents (min.)", 0, 8, cle="accords_elements", defaut=0,
                                        conteneur=c3, aide="Sur les 8 éléments du score de complétude."))
        recherche = c4.text_input("Rechercher une ML", key="accords_recherche", bind="query-params",
                                  placeholder="Nom ou code", help="Nom ou code de la Mission Locale.")
        toutes = chargement.en_cache(A.accords_ml, date_ref, f.code_region)
        lignes = A.filtrer_ml(toutes, choix_situations, choix_modalites, elements, recherche)
        st.caption(P.texte_nombre_ml(lignes.height, toutes.height, f.territoire, libelle_date))
        if lignes.is_empty():
            st.info("Aucune Mission Locale ne correspond à ces filtres.", icon=":material/filter_alt_off:")
        config = {c: st.column_config.CheckboxColumn(A.LIBELLES_COLONNES[c], help=A.LIBELLES_CRITERE[c])
                  for c in A.CONTENUS_ACCORD}
        config.update({
            "nom_ml": st.column_config.TextColumn(width=230),
            "agences": st.column_config.TextColumn(width=220),
            "score_completude": st.column_config.ProgressColumn(min_value=0, max_value=100, format="localized",
                                                                help=A.REGLE_COMPLETUDE),
        })
        _tableau(lignes, A.COLONNES_TABLEAU_ML, cle="accords_ml", nom="accords_par_ml",
                 colonnes_export=A.COLONNES_EXPORT_ML, nombres=["nb_criteres"],
                 dates=("date_signature", "date_debut", "date_fin"), config=config, hauteur=520,
                 ajuster_petits=False)

# --------------------------------------------------------------------------------------------------
# 4. Contenus
# --------------------------------------------------------------------------------------------------

with vues["Contenus"]:
    if vues["Contenus"].open:
        grille = f.adapter(chargement.en_cache(A.grille_contenus, date_ref, f.code_region))  # ligne « France »
        niveau = P.libelle_niveau(f.code_region)
        st.subheader(f"Contenu des accords en vigueur au {libelle_date}, par {niveau}", anchor=False)
        st.caption("Part des accords en vigueur qui contiennent chaque élément (un territoire sans accord en vigueur "
                   "reste vide). Entre parenthèses : le nombre d'accords en vigueur.")
        afficher_graphique(P.figure_contenus(grille, f.code_region), cle="accords_fig_contenus",
                           nom_image=f"accords_contenus_{date_ref}",
                           alt=f"Carte de chaleur : part des accords en vigueur contenant chacun des 8 éléments, par "
                               f"{niveau}.")
        _tableau(grille, ["nom", "accords_en_vigueur", *P.COLONNES_CONTENUS, "score_moyen"], cle="accords_contenus",
                 nom="contenus_accords")

        st.subheader("Participation des jeunes", anchor=False)
        st.caption("Niveau de participation des jeunes prévu par les accords en vigueur (notice UNML : définir le niveau "
                   "de participation et d'engagement des jeunes dans le projet).")
        part = f.adapter(chargement.en_cache(A.participation, date_ref, f.code_region))
        afficher_graphique(P.figure_participation(part, f.code_region), cle="accords_fig_participation",
                           nom_image=f"accords_participation_{date_ref}",
                           alt="Barres empilées : répartition des accords en vigueur par niveau de participation des "
                               "jeunes (aucune, information, consultation, co-construction).")
        with st.expander("Tableau de la participation des jeunes"):
            _tableau(part, ["nom", "libelle_participation", "nb", "part"], cle="accords_participation",
                     nom="participation_jeunes")

# --------------------------------------------------------------------------------------------------
# 5. Échéances
# --------------------------------------------------------------------------------------------------

with vues["Échéances"]:
    if vues["Échéances"].open:
        nb_mois = int(etat.curseur_url("Horizon (mois)", 1, 36, cle="accords_mois", defaut=12,
                                       aide="Accords en vigueur dont la date de fin tombe dans ce nombre de mois après "
                                            "la date d'observation."))
        limite = A.ajouter_mois(date_ref, nb_mois)
        proches = chargement.en_cache(A.echeances, date_ref, nb_mois, f.code_region)
        st.subheader(f"Accords qui arrivent à échéance d'ici le {A.libelle_date(limite)}", anchor=False)
        if proches.is_empty():
            st.info(f"Aucun accord en vigueur au {libelle_date} ne se termine dans les {nb_mois} mois suivants "
                    f"({f.territoire}).", icon=":material/event_available:")
        else:
            st.markdown(P.texte_echeances(proches.height, libelle_date, nb_mois))
            suites = chargement.en_cache(A.suites_echeances, date_ref, nb_mois, f.code_region)
            st.markdown(P.puces_suites(suites))
        _tableau(proches, ["nom_ml", "nom_departement", "nom_region", "id_accord", "date_debut", "date_fin",
                           "jours_restants", "libelle_suite", "agences", "score_completude"],
                 cle="accords_echeances", nom="echeances_accords", dates=("date_debut", "date_fin"))

# --------------------------------------------------------------------------------------------------
# 6. ML sans accord
# --------------------------------------------------------------------------------------------------

with vues["ML sans accord"]:
    if vues["ML sans accord"].open:
        sans = chargement.en_cache(A.ml_sans_accord, date_ref, f.code_region)
        st.subheader(f"Missions Locales sans aucun accord signé au {libelle_date}", anchor=False)
        st.caption("Aucun accord signé, échu ou dénoncé commencé à la date : aucun accord transmis, ML non engagée, ou "
                   "premier accord encore en négociation. Les ML dont l'accord est échu ou dénoncé sont dans l'onglet "
                   "« Accords par ML » (filtre Situations).")
        if sans.is_empty():
            st.success(f"Toutes les Missions Locales ({f.territoire}) ont signé au moins un accord.",
                       icon=":material/check_circle:")
        _tableau(sans, ["nom_ml", "code_ml", "nom_departement", "nom_region", "libelle_situation", "nb_accords"],
                 cle="accords_sans", nom="ml_sans_accord")
