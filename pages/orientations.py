"""Orientations entre France Travail et les Missions Locales : flux mensuels, entonnoir et « double perte »,
motifs, progression vers l'objectif annuel, doubles accompagnements. Mise en page et widgets seulement :
les calculs sont dans ``requetes/orientations.py``, les figures et les textes dans
``presentation/orientations.py``."""

from __future__ import annotations

from functools import partial

import streamlit as st

from donnees.contrat import MOTIFS, SENS
from interface import chargement, etat
from interface.entete import entete
from interface.graphiques import barres_territoires
from interface.metriques import metrique_chiffre
from interface.tableaux import tableau
from interface.theme import afficher_graphique
from presentation import orientations as P
from presentation.format import echapper_markdown
from presentation.tableaux import DATE_MOIS
from requetes import orientations as O

ONGLETS = ("Flux mensuels", "Entonnoir et pertes", "Motifs", "Objectif annuel", "Doubles accompagnements")

# --------------------------------------------------------------------------------------------------
# En-tête, périmètre, chiffres clés
# --------------------------------------------------------------------------------------------------

f = etat.filtres_complets()
entete("Orientations", "Jeunes orientés entre France Travail et les Missions Locales, acceptés, puis entrés en "
       "accompagnement.")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()
annee, code_region = f.annee, f.code_region
_tableau = partial(tableau, annee=annee, libelles=f.adapter(O.LIBELLES_COLONNES), decimales=P.DECIMALES,
                   decimales_colonnes=P.DECIMALES_COLONNES)

options = chargement.en_cache(O.options_ml, code_region)
libelles_ml = P.libelles_ml(options, f.territoire)
col_ml, col_maille = st.columns([3, 2], vertical_alignment="bottom")
code_ml = etat.selection_url(
    "Mission Locale", list(libelles_ml), cle="orient_ml", libelles=libelles_ml, defaut=P.TOUTES, conteneur=col_ml,
    aide="Restreint les séries, l'entonnoir, les motifs et l'objectif à une Mission Locale. La région se choisit "
         "dans la barre latérale.", placeholder="Tapez un nom ou un code")
code_ml = code_ml or None
maille = etat.selection_url(
    "Comparer les territoires par", list(O.MAILLES_TERRITOIRES), cle="orient_maille", libelles=O.LIBELLES_MAILLES,
    forme="segments", defaut="region" if code_region is None else "departement", conteneur=col_maille,
    aide="Maille des classements (pertes, motifs, objectif). Une région choisie restreint les départements et les "
         "ML à cette région ; à la maille région, toutes les régions restent visibles pour la situer.")
perimetre = libelles_ml[code_ml] if code_ml else f.territoire
perimetre_md = echapper_markdown(perimetre)  # nom de ML (exports) dans du Markdown : tel quel
surlignes = (code_region, code_ml)

prec = f.annee_precedente
chiffres = chargement.en_cache(O.chiffres, annee, code_region, code_ml)
st.markdown(f"**{perimetre_md}**, {annee}")
colonnes = st.columns(3) + st.columns(3)
for chiffre, colonne in zip(chiffres, colonnes):
    metrique_chiffre(chiffre, libelle=P.libelle_metrique(chiffre), annee_precedente=prec, conteneur=colonne)
if prec is None:
    st.caption(f"{annee - 1} n'est pas dans les données : pas d'évolution sur un an.")

onglets = st.tabs(list(ONGLETS), key="orient_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# 1. Flux mensuels
# --------------------------------------------------------------------------------------------------

with vues["Flux mensuels"]:
    if vues["Flux mensuels"].open:
        etape = etat.selection_url("Étape", list(O.ETAPES), cle="orient_etape", libelles=O.LIBELLES_ETAPE,
                                   forme="segments", defaut="orientes")
        serie = chargement.en_cache(O.serie_mensuelle, annee, etape, code_region, code_ml)
        st.caption(f"{O.LIBELLES_ETAPE[etape]} chaque mois de {annee} ({perimetre_md}), face au même mois de "
                   f"{annee - 1} (pointillés).")
        for sens, colonne in zip(SENS, st.columns(2)):
            with colonne:
                st.markdown(P.titre_sens(sens))
                fig = P.figure_mensuelle(serie, sens, annee)
                if fig is None:
                    st.info(f"Aucune orientation dans ce sens en {annee} ni en {annee - 1}.", icon=":material/info:")
                    continue
                afficher_graphique(fig, cle=f"orient_fig_mensuel_{sens}", nom_image=f"orientations_{sens}_{annee}",
                                   alt=f"Barres : {O.LIBELLES_ETAPE[etape].lower()} par mois en {annee}, "
                                       f"{O.LIBELLES_SENS_COURTS[sens]}, et ligne du même mois en {annee - 1}.")
        with st.expander("Tableau mois par mois"):
            _tableau(serie, ["mois", "libelle_sens", "valeur", "valeur_precedente", "ecart", "evolution"],
                     cle="orient_mensuel", nom=f"orientations_mensuelles_{etape}", dates=("mois",), format_dates=DATE_MOIS)

# --------------------------------------------------------------------------------------------------
# 2. Entonnoir et pertes
# --------------------------------------------------------------------------------------------------

with vues["Entonnoir et pertes"]:
    if vues["Entonnoir et pertes"].open:
        st.caption(O.REGLE_PERTES)
        for sens, colonne in zip(SENS, st.columns(2)):
            ent = chargement.en_cache(O.entonnoir, annee, code_region, code_ml, sens)
            with colonne:
                st.markdown(f"**{O.LIBELLES_SENS_COURTS[sens]}** — {perimetre_md}, {annee}")
                fig = P.figure_entonnoir(ent, sens)
                if fig is None:
                    st.info("Aucun jeune orienté dans ce sens cette année.", icon=":material/info:")
                    continue
                afficher_graphique(fig, cle=f"orient_fig_entonnoir_{sens}", nom_image=f"entonnoir_{sens}_{annee}",
                                   alt=f"Entonnoir {O.LIBELLES_SENS_COURTS[sens]} : jeunes orientés, acceptés, "
                                       "entrés.")
                st.markdown(P.texte_pertes(ent))
                with st.expander("Tableau de l'entonnoir"):
                    _tableau(ent, ["libelle", "jeunes", "perte", "part_etape", "part_initiale"],
                             cle=f"orient_entonnoir_{sens}", nom=f"entonnoir_{sens}")

        pertes = chargement.en_cache(O.entonnoir_territoires, annee, maille, code_region)
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} qui perdent le plus de jeunes (France Travail → ML)",
                     anchor=False)
        reference = chargement.en_cache(O.entonnoir, annee)  # tout le jeu (la France pour un jeu national)
        fig = f.adapter(P.figure_pertes(pertes, reference, surlignes))
        if fig is None:
            st.info("Aucune orientation France Travail → ML cette année à cette maille.", icon=":material/info:")
        else:
            afficher_graphique(fig, cle="orient_fig_pertes", nom_image=f"pertes_{maille}_{annee}",
                               alt="Barres empilées : part des jeunes orientés refusés et part des acceptés jamais entrés, "
                                   "pour les territoires au taux de perte le plus élevé.")
            if note := P.note_pertes(pertes):
                st.caption(note)
        _tableau(pertes, ["nom", "code", "orientes", "acceptes", "entres", "refuses", "non_entres", "taux_acceptation",
                          "taux_entree", "taux_perte", "ecart_perte_france"],
                 cle="orient_pertes", nom=f"pertes_{maille}", hauteur=360)

# --------------------------------------------------------------------------------------------------
# 3. Motifs
# --------------------------------------------------------------------------------------------------

with vues["Motifs"]:
    if vues["Motifs"].open:
        seuil = float(etat.curseur_url("Seuil de signalement (%)", 50, 100, cle="orient_seuil",
                                       defaut=int(O.SEUIL_MOTIFS_DEFAUT), pas=5,
                                       aide="Un territoire est signalé quand la part de ses orientations pour difficultés "
                                            "sociales ou éloignement de l'emploi dépasse ce seuil."))
        st.caption(P.regle_motifs(seuil))
        mix = chargement.en_cache(O.motifs_perimetre, annee, code_region, code_ml)
        st.markdown(f"**Motifs des orientations France Travail → ML** — {perimetre_md}, {annee}")
        fig = P.figure_mix(mix, perimetre)
        if fig is None:
            st.info("Aucune orientation France Travail → ML cette année.", icon=":material/info:")
        else:
            afficher_graphique(fig, cle="orient_fig_mix", nom_image=f"motifs_{annee}",
                               alt="Barre empilée : part de chaque motif dans les orientations France Travail → ML.")

        motifs = chargement.en_cache(O.motifs_territoires, annee, maille, code_region, seuil)
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} : part des motifs", anchor=False)
        signales, alerte = P.alerte_motifs(motifs, seuil)
        if signales:
            st.warning(alerte, icon=":material/flag:")
        else:
            st.success(alerte, icon=":material/check_circle:")
        if (motifs_vus := P.figure_motifs(motifs, maille, seuil, surlignes)) is not None:
            fig, note = motifs_vus
            afficher_graphique(fig, cle="orient_fig_motifs", nom_image=f"motifs_{maille}_{annee}",
                               alt="Barres empilées : part de chaque motif d'orientation par territoire, les territoires "
                                   "les plus dépendants des difficultés sociales et de l'éloignement en haut ; ⚑ = "
                                   "au-dessus du seuil.")
            st.caption(note)
        _tableau(motifs, ["nom", "code", "orientes", *(f"part_{m}" for m in MOTIFS), "part_sociales_eloignement",
                          "signale"], cle="orient_motifs", nom=f"motifs_{maille}", hauteur=360)

# --------------------------------------------------------------------------------------------------
# 4. Objectif annuel
# --------------------------------------------------------------------------------------------------

with vues["Objectif annuel"]:
    if vues["Objectif annuel"].open:
        st.caption(O.REGLE_OBJECTIF)
        suivi = chargement.en_cache(O.objectif_mensuel, annee, code_region, code_ml)
        st.markdown(f"**Entrées en délégation cumulées et objectif au prorata** — {perimetre_md}, {annee}")
        fig = P.figure_objectif(suivi)
        if fig is None:
            st.info("Ni objectif ni entrée en délégation pour ce périmètre cette année.", icon=":material/info:")
        else:
            afficher_graphique(fig, cle="orient_fig_objectif", nom_image=f"objectif_{annee}",
                               alt="Barres : entrées en délégation cumulées mois par mois ; ligne : objectif annuel au "
                                   "prorata des mois écoulés.")
            if texte := P.texte_objectif(suivi):
                st.markdown(texte)
            if code_region is None and code_ml is None and f.jeu_national:  # objectif national : jeu national
                national = chargement.en_cache(O.objectif_national, annee)
                if texte := P.texte_objectif_national(national, P.objectif_annuel(suivi)):
                    st.caption(texte)
        with st.expander("Tableau mois par mois"):
            _tableau(suivi, ["mois", "entrees", "entrees_cumulees", "objectif_prorata", "ecart", "atteinte_prorata"],
                     cle="orient_objectif", nom="objectif_mensuel", dates=("mois",), format_dates=DATE_MOIS)

        par_terr = chargement.en_cache(O.objectif_territoires, annee, maille, code_region)
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} : atteinte de l'objectif au prorata", anchor=False)
        if note := P.note_prorata(par_terr):
            st.caption(note)
        bas = P.territoires_en_retard(par_terr)
        if not bas.is_empty():
            fig = barres_territoires(bas, "%", libelle_valeur="Atteinte du prorata", code_surligne=code_ml or code_region,
                                     repere=(100.0, "Objectif au prorata"))
            afficher_graphique(fig, cle="orient_fig_objectif_terr", nom_image=f"objectif_{maille}_{annee}",
                               alt="Barres : atteinte de l'objectif au prorata des territoires les plus en retard.")
        _tableau(par_terr, ["nom", "code", "objectif_annuel", "objectif_prorata", "entrees_cumulees", "ecart",
                            "atteinte_prorata", "atteinte_annuelle"], cle="orient_objectif_terr",
                 nom=f"objectif_{maille}", hauteur=360)

# --------------------------------------------------------------------------------------------------
# 5. Doubles accompagnements
# --------------------------------------------------------------------------------------------------

with vues["Doubles accompagnements"]:
    if vues["Doubles accompagnements"].open:
        st.caption("Jeunes suivis à la fois par la Mission Locale et par France Travail hors délégation (notice UNML : "
                   "éviter les doubles accompagnements), pour 1 000 jeunes accompagnés, mois par mois.")
        mensuel = chargement.en_cache(O.doubles_mensuels, code_region, code_ml)
        annuel = chargement.en_cache(O.doubles_annuels, code_region, code_ml)
        if mensuel.is_empty():
            st.info("Aucune donnée d'activité pour ce périmètre.", icon=":material/info:")
        else:
            afficher_graphique(P.figure_doubles(mensuel, annee), cle="orient_fig_doubles",
                               nom_image="doubles_accompagnements",
                               alt=f"Courbe : doubles accompagnements pour 1 000 jeunes accompagnés, mois par mois ; "
                                   f"l'année {annee} est surlignée.")
            st.caption(f"Zone bleutée : {annee}. {perimetre_md}.")
        _tableau(annuel, ["annee", "doubles_accompagnements", "jeunes_accompagnes", "doubles_pour_1000"],
                 cle="orient_doubles", nom="doubles_accompagnements")
        st.caption("Moyennes mensuelles de l'année (indicateur du registre « Doubles accompagnements pour 1 000 jeunes "
                   "accompagnés »).")
