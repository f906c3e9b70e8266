"""Vue nationale (page d'accueil) : l'année en chiffres, la France par région, les points d'attention."""

import streamlit as st

from interface import chargement, etat
from interface.dossier import bouton as bouton_dossier
from interface.entete import entete
from interface.graphiques import barres_territoires
from interface.metriques import metrique_chiffre, texte_point
from interface.navigation import lien_page
from interface.theme import afficher_graphique
from interface.vue_nationale import texte_ecart_valorisation, texte_etp, texte_objectif
from presentation import format as fmt
from requetes import indicateurs, vue_nationale

f = etat.filtres_complets()
entete("Vue nationale" if f.jeu_national else "Vue d'ensemble du jeu")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

c = chargement.en_cache(vue_nationale.chiffres_cles, f.annee, f.code_region)
prec = f.annee_precedente
national = f.code_region is None and f.jeu_national  # un jeu partiel n'est jamais « national »
if prec is None:
    st.caption(f"{f.annee - 1} n'est pas dans les données : pas d'évolution sur un an.")
# Dossier de séance : le PDF de la réunion pour les filtres affichés (France entière ou la région).
bouton_dossier(f.annee, "nationale" if f.code_region is None else "region", f.code_region, f.nom_region, cle="vn_dossier")

# ---- Enveloppe de l'accord ------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.subheader("Enveloppe de l'accord", anchor=False)
    lien_page("pages/budget.py", "Détail du budget")
colonnes = st.columns(4)
etp_prevus = fmt.format_valeur(c["etp_prevus"].valeur, "ETP", avec_unite=False)
metrique_chiffre(c["enveloppe_totale"], libelle="Enveloppe nationale", annee_precedente=prec, precis=True,
                 conteneur=colonnes[0])
metrique_chiffre(c["valorisation_etp_nationale"], libelle=f"dont valorisation des {etp_prevus} ETP",
                 annee_precedente=prec, precis=True, conteneur=colonnes[1])
metrique_chiffre(c["forfait_etp"], libelle="Forfait par ETP", annee_precedente=prec, precis=True,
                 conteneur=colonnes[2])
metrique_chiffre(c["valorisation_forfaitaire"], libelle=f"{etp_prevus} ETP × forfait", annee_precedente=prec,
                 precis=True, conteneur=colonnes[3])
ecart = texte_ecart_valorisation(c)
if ecart:
    if c["ecart_valorisation"].valeur:
        st.warning(ecart, icon=":material/calculate:")
    else:
        st.success(ecart, icon=":material/calculate:")
if not f.jeu_national:
    st.caption(f"Paramètres nationaux de l'accord, pour toute la France : le jeu ne couvre que {f.libelle_jeu}.")
if not national:
    st.markdown(f"**Part de la région {f.nom_region}**" if f.code_region else f"**Part de la zone ({f.territoire})**")
    colonnes = st.columns(4)
    metrique_chiffre(c["enveloppe_ml"], libelle="Part de l'enveloppe", annee_precedente=prec, precis=True,
                     conteneur=colonnes[0])
    metrique_chiffre(c["valorisation_etp"], libelle="Valorisation des agents", annee_precedente=prec,
                     precis=True, conteneur=colonnes[1])
    metrique_chiffre(c["subvention_compensatoire"], libelle="Subventions en compensation",
                     annee_precedente=prec, precis=True, conteneur=colonnes[2])
    metrique_chiffre(c["credits_financiers"], libelle="Crédits financiers", annee_precedente=prec, precis=True,
                     conteneur=colonnes[3])

# ---- Agents et réseau -------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.subheader("Agents et réseau", anchor=False)
    lien_page("pages/accords.py", "Accords locaux")
colonnes = st.columns(4)
note_etp = (texte_etp(c) if national
            else f"ETP compensés : {fmt.format_valeur(c['etp_compenses'].valeur, 'ETP')}")
metrique_chiffre(c["etp_affectes"], libelle="ETP affectés", annee_precedente=prec, note=note_etp,
                 conteneur=colonnes[0])
metrique_chiffre(c["nb_ml"], libelle="Missions Locales", annee_precedente=prec, avec_unite=False,
                 conteneur=colonnes[1])
metrique_chiffre(c["part_ml_agent"], libelle="ML avec un agent affecté", annee_precedente=prec,
                 conteneur=colonnes[2])
metrique_chiffre(c["part_ml_accord"], libelle="ML avec un accord en vigueur", annee_precedente=prec,
                 conteneur=colonnes[3])

# ---- Délégation du PPAE -------------------------------------------------------------------------
with st.container(horizontal=True, vertical_alignment="bottom"):
    st.subheader("Jeunes en délégation du PPAE", anchor=False)
    lien_page("pages/orientations.py", "Détail des orientations")
colonnes = st.columns(3)
metrique_chiffre(c["orientes_ft_ml"], libelle="Jeunes orientés par France Travail", annee_precedente=prec,
                 avec_unite=False, conteneur=colonnes[0])
metrique_chiffre(c["entrees_delegation"], libelle="Entrées en délégation", annee_precedente=prec,
                 avec_unite=False, note=texte_objectif(c, national, f.code_region is not None), conteneur=colonnes[1])
metrique_chiffre(c["atteinte_objectif_national" if national else "atteinte_objectif"],
                 libelle="Atteinte de l'objectif", annee_precedente=prec, conteneur=colonnes[2])
colonnes = st.columns(3)
metrique_chiffre(c["taux_acceptation"], libelle="Taux d'acceptation", annee_precedente=prec, conteneur=colonnes[0])
metrique_chiffre(c["taux_entree"], libelle="Taux d'entrée", annee_precedente=prec, conteneur=colonnes[1])
metrique_chiffre(c["jeunes_accompagnes"], libelle="Jeunes accompagnés chaque mois", annee_precedente=prec,
                 avec_unite=False, conteneur=colonnes[2])

# ---- La France par région, points d'attention ------------------------------------------------------
gauche, droite = st.columns([3, 2], gap="large")
with gauche:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.subheader("Par région" if f.jeu_national else "Par département", anchor=False)
        lien_page("pages/carte.py", "Carte")
        lien_page("pages/comparaison.py", "Comparer")
    code_ind = etat.selection_url(
        "Indicateur", vue_nationale.INDICATEURS_CARTE_REGIONS, cle="vn_indicateur",
        libelles=vue_nationale.LIBELLES_COURTS_REGIONS,
        aide=f.adapter(f"Indicateur comparé entre les {'régions' if f.jeu_national else 'départements du jeu'} ; la "
                       "valeur nationale est tracée en tirets rouges."),
        forme="segments",
    )
    i = indicateurs.REGISTRE[code_ind]
    par_region = chargement.en_cache(indicateurs.valeurs, "region" if f.jeu_national else "departement", f.annee,
                                     indicateurs=[code_ind])
    nationale = chargement.en_cache(indicateurs.valeurs, "nationale", f.annee, indicateurs=[code_ind])
    valeur_france = nationale["valeur"][0] if nationale.height else None
    figure = barres_territoires(
        par_region, i.unite, libelle_valeur=i.libelle, code_surligne=f.code_region,
        reference=(valeur_france, f.reference),
        repere=(100.0, "Objectif") if code_ind == "atteinte_objectif" else None,
    )
    afficher_graphique(figure, cle="vn_graphique_regions", alt=f"{i.libelle} par région en {f.annee}",
                       nom_image=f"{code_ind}_{f.annee}")
    st.caption(f"{i.libelle} : {i.formule}.", help=i.definition)

with droite:
    st.subheader("Points d'attention", anchor=False)
    for p in chargement.en_cache(vue_nationale.points_attention, f.annee, f.code_region):
        with st.container(border=True):
            icone = ":material/warning:" if p.niveau == "alerte" else ":material/info:"
            st.markdown(f"{icone} **{p.titre}**")
            st.markdown(texte_point(p))
            st.caption(f"Règle : {p.regle}")
            if p.page:
                lien_page(p.page, "Voir le détail", icone=":material/arrow_forward:")
