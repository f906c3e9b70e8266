"""Portrait d'un territoire : tous les indicateurs du registre avec leurs valeurs de référence (France,
région), leur rang dans la maille et leur évolution, les alertes de la carte qui le concernent et les
territoires de contexte comparable. Mise en page et widgets seulement : les calculs sont dans
``requetes/comparaison.py``, la mise en forme dans ``presentation/portrait.py``, le bloc des territoires
comparables dans ``interface/comparables.py``. Tout l'état est dans l'URL."""

from __future__ import annotations

import polars as pl
import streamlit as st

from interface import chargement, comparables, etat
from interface.dossier import bouton as bouton_dossier
from interface.entete import entete
from interface.metriques import metrique
from interface.navigation import lien_page
from interface.telechargement import boutons_telechargement
from presentation import portrait as P
from presentation.comparables import INTRODUCTION_COURTE
from requetes import comparaison as C

ONGLETS = ("Indicateurs", "Alertes", "Territoires comparables")

# --------------------------------------------------------------------------------------------------
# Choix du territoire

f = etat.filtres_complets()
if not f.annees:
    entete("Portrait d'un territoire")
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

entete("Portrait d'un territoire", f.adapter("Tous les indicateurs d'un territoire, face à la France et à sa région."))
annees = sorted(a for a in f.annees if a <= f.annee)
col_maille, col_debut = st.columns([3, 1])
maille = etat.selection_url("Maille", C.MAILLES_COMPARAISON, cle="portrait_maille", libelles=C.LIBELLES_MAILLES,
                            defaut="ml", forme="segments", conteneur=col_maille)
terr = chargement.en_cache(C.territoires, maille)
if terr.is_empty():
    st.info("Aucun territoire à cette maille dans le jeu de données.", icon=":material/info:")
    st.stop()
libelles_terr = dict(zip(terr["code"].to_list(), terr["libelle"].to_list()))
code = etat.selection_url(
    C.LIBELLES_MAILLE_SINGULIER[maille], list(libelles_terr), cle=f"portrait_territoire_{maille}",
    libelles=libelles_terr, defaut=P.territoire_par_defaut(terr, f.code_region),
    placeholder="Tapez un nom ou un code", aide="Recherche par nom ou par code.",
)
debut = etat.selection_url(
    "Première année", annees, cle="portrait_debut", defaut=f.annee, conteneur=col_debut,
    aide=f"Année seule ({f.annee}, choisie dans la barre latérale) ou période jusqu'à {f.annee} : volumes et "
         "montants cumulés, effectifs moyennés. L'évolution compare à la période précédente de même durée.",
)
ligne = terr.filter(pl.col("code") == code).row(0, named=True)
periode = P.periode(debut, f.annee)
texte_avant = P.periode_precedente(chargement.en_cache(C.periode_precedente, debut, f.annee))
st.header(P.titre(ligne), anchor=False)
st.markdown(P.identite(maille, code, ligne, periode))
# Dossier de séance : le PDF de la réunion pour ce territoire et l'année de la barre latérale.
bouton_dossier(f.annee, maille, code, ligne["nom"], cle="portrait_dossier")

p = chargement.en_cache(C.portrait, maille, code, debut, f.annee)

# --------------------------------------------------------------------------------------------------
# Chiffres de contexte

colonnes = st.columns(5)
for col, c in zip(colonnes, f.adapter(P.chiffres_contexte(p))):
    metrique(c.libelle, c.valeur, c.unite, aide=c.aide, precedente=c.precedente, sens=c.sens,
             annee_precedente=texte_avant, note=c.note, conteneur=col, avec_unite=c.avec_unite)
densite = P.densite(chargement.en_cache(C.contexte, maille, debut, f.annee).filter(pl.col("code") == code))
with colonnes[4].container(border=True, height="stretch"):
    st.metric("Hab. par km²", densite.valeur, help=P.AIDE_DENSITE)
    if densite.habitants:
        st.caption(densite.habitants)

onglets = st.tabs(list(ONGLETS), key="portrait_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# Indicateurs, par thème

with vues["Indicateurs"]:
    if vues["Indicateurs"].open:
        st.caption(f.adapter(P.LEGENDE))
        tableau = P.tableau_indicateurs(p, maille, texte_avant, list(f.annees), f.couverture)
        st.dataframe(
            tableau.style, hide_index=True, key="portrait_tableau", height=38 + 35 * tableau.lignes,
            column_config={
                "Thème": st.column_config.TextColumn(width=115, pinned=True),
                "Indicateur": st.column_config.TextColumn(width=250, pinned=True),
                "Centile": st.column_config.TextColumn(help=P.AIDE_RANG, width=60),
                "Rang": st.column_config.TextColumn(help=P.AIDE_RANG, width=85),
                tableau.colonne_evolution: st.column_config.TextColumn(help=P.AIDE_EVOLUTION),
                "Série": st.column_config.LineChartColumn(
                    tableau.titre_serie, width=90, help="Valeur de chaque année du jeu de données."),
            },
        )
        boutons_telechargement(P.export_indicateurs(p), f"portrait_{code}_{periode}", cle="portrait_telechargement",
                               libelles=f.adapter(P.LIBELLES_EXPORT), feuille="Portrait")

# --------------------------------------------------------------------------------------------------
# Alertes de la carte

with vues["Alertes"]:
    if vues["Alertes"].open:
        synthese = chargement.en_cache(C.synthese_alertes, maille, code, f.annee)
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.markdown(P.resume_alertes(synthese, f.annee))
            lien_page("pages/carte.py", "Voir sur la carte", icone=":material/map:")
        st.table(f.adapter(P.tableau_alertes(synthese)))
        constats = P.constats_alertes(chargement.en_cache(C.alertes_du_territoire, maille, code, f.annee), f.annee)
        if constats.height:
            st.subheader("Constats", anchor=False)
            st.dataframe(
                f.adapter(P.affichage_constats(constats)), hide_index=True, key="portrait_alertes_constats",
                height=min(420, 38 + 35 * constats.height),
                column_config={"Alerte": st.column_config.TextColumn(width=280),
                               "Commune ou ML": st.column_config.TextColumn(width=200),
                               "Constat": st.column_config.TextColumn(width=900)},
            )
            boutons_telechargement(f.adapter(constats), f"alertes_{code}", annee=f.annee,
                                   cle="portrait_telechargement_alertes", libelles=f.adapter(P.LIBELLES_EXPORT),
                                   feuille="Alertes")

# --------------------------------------------------------------------------------------------------
# Territoires comparables

with vues["Territoires comparables"]:
    if vues["Territoires comparables"].open:
        comparables.introduction(INTRODUCTION_COURTE)
        perimetre = comparables.perimetre(maille, cle="portrait_perimetre")
        voisins = chargement.en_cache(C.comparables, maille, code, debut, f.annee, C.MAX_TERRITOIRES - 1,
                                      ligne["code_region"] if perimetre == "region" else None)
        comparables.tableau(
            voisins, cle="portrait_comparables", base_nom=f"comparables_{code}",
            cle_telechargement="portrait_telechargement_comparables",
            actions=lambda: comparables.lien_comparaison(maille, voisins, libelles_terr, debut))
