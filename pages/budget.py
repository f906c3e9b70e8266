"""Budget de l'accord : enveloppe, rapprochement, territoires, ratios, agents et subventions, simulateur,
anomalies. Mise en page et widgets seulement : les calculs sont dans ``requetes/budget.py``, les tableaux,
figures et textes dans ``presentation/budget.py``."""

from __future__ import annotations

import streamlit as st

from interface import blocs, chargement, etat
from interface.entete import entete
from interface.theme import afficher_graphique
from presentation import budget as P
from requetes import budget

ONGLETS = ("Enveloppe et rapprochement", "Territoires", "Ratios par ML", "Agents et subventions",
           "Simulateur", "Anomalies")

# --------------------------------------------------------------------------------------------------
# En-tête et chiffres clés
# --------------------------------------------------------------------------------------------------

entete("Budget de l'accord", "Enveloppe de l'accord, valorisation des agents affectés, subventions et crédits.")
filtres = etat.filtres_complets()
annee, code_region = filtres.annee, filtres.code_region
territoire = filtres.territoire
jeu = chargement.jeu()

chiffres = P.vue_chiffres(jeu, annee, code_region, territoire)
if chiffres.avertissement:
    st.warning(chiffres.avertissement, icon=":material/warning:")
for rangee in chiffres.rangees:
    blocs.chiffres(rangee)
if chiffres.note_perimetre:  # jeu partiel : pourquoi aucun écart à l'enveloppe nationale
    st.info(chiffres.note_perimetre, icon=":material/crop_free:")

onglets = st.tabs(list(ONGLETS), key="budget_onglet", bind="query-params")

# --------------------------------------------------------------------------------------------------
# 1. Enveloppe et rapprochement
# --------------------------------------------------------------------------------------------------

with onglets[0]:
    if onglets[0].open:
        vue = P.vue_enveloppe(jeu, annee, code_region)
        if code_region is None:
            st.subheader(f"Décomposition de l'enveloppe {annee}" if filtres.jeu_national else
                         f"Décomposition des parts des ML de la zone ({territoire}, {annee})", anchor=False)
        else:
            st.subheader(f"Décomposition de la part de la région {territoire} en {annee}", anchor=False)
        afficher_graphique(vue.figure, cle="budget_cascade", nom_image=f"budget_enveloppe_{annee}",
                           alt="Cascade : décomposition de l'enveloppe en valorisation des agents affectés, "
                               "subventions en compensation et autres crédits.")
        blocs.tableau(vue.decomposition)

        st.subheader("Rapprochement", anchor=False)
        if vue.rapprochement is None:
            st.info(f"Pas de rapprochement possible pour {annee} : les paramètres nationaux manquent.",
                    icon=":material/info:")
        else:
            st.caption(("Le rapprochement porte sur l'enveloppe nationale, quelle que soit la région choisie. "
                        if filtres.jeu_national else "Jeu partiel : aucun contrôle n'oppose un paramètre national "
                        "aux parts de la zone (voir la note en haut de page). ")
                       + "Écart = valeur comparée − valeur de référence, exact (ni arrondi ni compensé).")
            for ligne in vue.lignes_rapprochement:
                st.markdown(ligne)
            blocs.tableau(vue.rapprochement)

# --------------------------------------------------------------------------------------------------
# 2. Territoires
# --------------------------------------------------------------------------------------------------

with onglets[1]:
    if onglets[1].open:
        st.subheader(f"{'Du national' if filtres.jeu_national else 'De la zone'} à la Mission Locale ({territoire}, "
                     f"{annee})", anchor=False)
        vue = P.vue_territoires(jeu, annee, code_region)
        if vue.figure is None:
            st.info(f"Aucune allocation pour {territoire} en {annee}.", icon=":material/info:")
        else:
            afficher_graphique(vue.figure, cle="budget_soleil", nom_image=f"budget_territoires_{annee}",
                               alt="Diagramme en soleil : part de l'enveloppe par région, département et "
                                   "Mission Locale. Cliquer sur un secteur pour descendre d'un niveau.")
            st.caption("Cliquez sur une région pour descendre vers ses départements puis ses Missions Locales ; "
                       "cliquez au centre pour remonter.")

            col_niveau, col_dep = st.columns(2)
            with col_niveau:
                niveau = st.segmented_control(
                    "Niveau du tableau", list(P.NIVEAUX), default="region" if code_region is None else "departement",
                    format_func=P.NIVEAUX.__getitem__, key="budget_niveau", required=True,
                )
            with col_dep:
                code_dep = st.selectbox(
                    "Département", list(vue.departements), format_func=vue.departements.__getitem__,
                    key="budget_departement", disabled=niveau == "region",
                    help="Restreint le tableau des Missions Locales ou des départements à un département.",
                )
            blocs.tableau(P.tableau_detail(jeu, annee, niveau, code_region, code_dep))

# --------------------------------------------------------------------------------------------------
# 3. Ratios par ML
# --------------------------------------------------------------------------------------------------

with onglets[2]:
    if onglets[2].open:
        st.subheader(f"Ratios par Mission Locale ({territoire}, {annee})", anchor=False)
        st.caption("Boîtes à moustaches à la manière des conventions pluriannuelles d'objectifs de l'État : "
                   "la boîte va du 1er au 3e quartile ; sont atypiques les ML au-delà de 1,5 écart "
                   "interquartile de la boîte (les plus éloignées sont nommées sur le graphique, toutes sont "
                   "listées dessous). Les ML sans part dans l'enveloppe ne sont pas comparées.")
        vue = P.vue_ratios(jeu, annee, code_region)
        if vue.figure is None:
            st.info(f"Aucune Mission Locale pour {territoire} en {annee}.", icon=":material/info:")
        else:
            afficher_graphique(vue.figure, cle="budget_boites", nom_image=f"budget_ratios_{annee}",
                               alt="Boîtes à moustaches des trois ratios budgétaires par Mission Locale, "
                                   "valeurs atypiques nommées.")
            blocs.tableau(vue.statistiques)
            st.markdown("**Missions Locales atypiques**")
            if vue.atypiques is None:
                st.info("Aucune Mission Locale atypique.", icon=":material/info:")
            else:
                blocs.tableau(vue.atypiques)
            with st.expander("Ratios de toutes les Missions Locales"):
                for definition in vue.definitions:
                    st.markdown(definition)
                blocs.tableau(vue.ratios)

# --------------------------------------------------------------------------------------------------
# 4. Agents et subventions au fil des années
# --------------------------------------------------------------------------------------------------

with onglets[3]:
    if onglets[3].open:
        st.subheader(f"Agents affectés et subventions au fil des années ({territoire})", anchor=False)
        vue = P.vue_series(jeu, annee, code_region, territoire)
        if vue.series is None:
            st.info(f"Aucune allocation pour {territoire}.", icon=":material/info:")
        else:
            c1, c2 = st.columns(2)
            with c1:
                afficher_graphique(vue.figure_etp, cle="budget_series_etp", nom_image="budget_etp")
            with c2:
                afficher_graphique(vue.figure_ml, cle="budget_series_ml", nom_image="budget_ml_agent")
            st.caption("L'UNML alerte les présidents sur l'importance de conserver un agent affecté : une ML qui "
                       "le perd risque de n'avoir plus qu'une relation financière avec France Travail. « Ayant "
                       "perdu leur agent » : ETP affectés l'année précédente, aucun cette année.")
            blocs.tableau(vue.series)

            st.markdown(f"**Par région en {annee}**")
            blocs.tableau(vue.regions)

            st.markdown(f"**Missions Locales ayant perdu leur agent en {annee}**")
            if vue.pertes is None:
                st.info(f"Aucune Mission Locale n'a perdu son agent affecté en {annee} ({territoire}).",
                        icon=":material/info:")
            else:
                blocs.tableau(vue.pertes)

# --------------------------------------------------------------------------------------------------
# 5. Simulateur
# --------------------------------------------------------------------------------------------------

with onglets[4]:
    if onglets[4].open:
        st.subheader(f"Simulateur : des agents affectés aux subventions ({annee})", anchor=False)
        st.caption("« Ces ML (ou cette région, ou N ETP) passent d'agents affectés à des subventions » : les ETP "
                   "qui basculent sont payés au forfait en subvention, la valorisation des agents baisse d'autant "
                   "(au prorata des ETP qui restent). La simulation ne modifie jamais les données.")
        if P.parametres(jeu, annee) is None:
            st.info(f"Simulation impossible pour {annee} : les paramètres nationaux (forfait) manquent.",
                    icon=":material/info:")
        else:
            perimetres = {"ml": "Des Missions Locales choisies", "region": "Une région",
                          "france": "Toute la France" if filtres.jeu_national else f"Tout le jeu ({filtres.libelle_jeu})"}
            noms_ml = P.options_simulateur(jeu, annee)
            regions = dict(filtres.regions)
            c1, c2 = st.columns(2)
            with c1:
                perimetre = st.radio("Périmètre", list(perimetres), format_func=perimetres.__getitem__,
                                     horizontal=True, key="budget_sim_perimetre",
                                     index=1 if code_region is not None else 0)
                codes: list[str] = []
                region_sim = None
                if perimetre == "ml":
                    codes = st.multiselect("Missions Locales (avec un agent affecté)", list(noms_ml),
                                           format_func=noms_ml.__getitem__, key="budget_sim_ml",
                                           placeholder="Choisir une ou plusieurs ML")
                elif perimetre == "region":
                    region_sim = st.selectbox("Région", list(regions), format_func=regions.__getitem__,
                                              index=list(regions).index(code_region)
                                              if code_region in regions else 0,
                                              key="budget_sim_region")
            with c2:
                limiter = st.toggle("Ne faire basculer que N ETP du périmètre", key="budget_sim_limiter")
                n_etp = None
                if limiter:
                    n_etp = st.number_input("N (ETP)", min_value=0.0, value=10.0, step=0.5, format="%.1f",
                                            key="budget_sim_n")
                    ordre = st.selectbox("Quelles ML basculent d'abord ?", list(budget.ORDRES),
                                         format_func=budget.ORDRES.__getitem__, key="budget_sim_ordre")
                else:
                    ordre = "petites_d_abord"
            if perimetre == "ml" and not codes:
                st.info("Choisissez une ou plusieurs Missions Locales, ou un autre périmètre.",
                        icon=":material/info:")
            else:
                sim = P.vue_simulation(jeu, annee, budget.Scenario(
                    codes_ml=tuple(codes), code_region=region_sim,
                    etp=float(n_etp) if n_etp is not None else None, ordre=ordre,
                ))
                for avertissement in sim.avertissements:
                    st.warning(avertissement, icon=":material/warning:")
                blocs.chiffres(sim.chiffres)
                st.markdown("**Nouvelle décomposition**")
                blocs.tableau(sim.decomposition)
                st.markdown("**Missions Locales réduites à une relation purement financière**")
                if sim.ml_relation_financiere is None:
                    st.info("Aucune Mission Locale ne perd son dernier agent affecté.", icon=":material/info:")
                else:
                    blocs.tableau(sim.ml_relation_financiere)
                st.markdown("**Effet sur le rapprochement**")
                if not sim.changements:
                    st.info("Aucun écart du rapprochement ne change.", icon=":material/info:")
                for changement in sim.changements:
                    st.markdown(changement)
                blocs.tableau(sim.rapprochement)

# --------------------------------------------------------------------------------------------------
# 6. Anomalies
# --------------------------------------------------------------------------------------------------

with onglets[5]:
    if onglets[5].open:
        st.subheader(f"Anomalies ({territoire}, {annee})", anchor=False)
        # la seule région d'un jeu partiel est tout le jeu : les codes inconnus (sans région) y sont montrés
        code_anomalies = None if len(filtres.regions) == 1 and not filtres.jeu_national else code_region
        vue = P.vue_anomalies(jeu, annee, code_anomalies)
        if code_anomalies is not None:
            st.caption("Les parts allouées à des codes inconnus n'ont pas de région : elles n'apparaissent "
                       f"qu'en « {filtres.libelle_jeu} ».")
        if vue.tableau is None:
            st.success(f"Aucune anomalie pour {territoire} en {annee}.", icon=":material/check_circle:")
        else:
            blocs.chiffres(vue.resume)
            blocs.tableau(vue.tableau)
