"""Carte des trous de couverture : indicateurs et alertes par région, département, Mission Locale ou
commune, détail du territoire cliqué, tableau des alertes téléchargeable.

Mise en page et widgets seulement : les données viennent de ``requetes`` (alertes, accès,
indicateurs), la carte de ``cartes`` (vue, assemblage folium).
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from cartes import actifs, carte, vue
from cartes.classes import AIDE_METHODES, METHODES, NB_CLASSES_DEFAUT, NB_CLASSES_MAX
from donnees.contrat import LIBELLES_TYPE_SITE, TYPES_SITE
from interface import chargement, etat
from interface.entete import entete
from interface.telechargement import boutons_telechargement
from presentation import alertes as alertes_ecrites
from presentation import format as fmt
from requetes import acces, alertes, indicateurs

CLE_CARTE = "carte_folium"
MAX_LIGNES_AFFICHEES = 1000
CLE_TERRITOIRE = "carte_territoire"
MAILLES = {**vue.MAILLES_CARTE, "commune": "Communes"}
MODES = {"indicateurs": "Indicateurs", "alertes": "Alertes"}


def _sur_clic() -> None:
    """Un clic sur un territoire de la carte (valeur rendue par streamlit-folium) le sélectionne."""
    code = carte.code_clique(st.session_state.get(CLE_CARTE))
    if code:
        st.session_state[CLE_TERRITOIRE] = code


f = etat.filtres_complets()
entete("Carte des trous de couverture",
       "Où des jeunes tombent entre les deux réseaux : communes sans Mission Locale, accès, accords, agents, "
       "orientations.")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()
annee, code_region = f.annee, f.code_region

# ---- Choix de ce qui est cartographié ---------------------------------------------------------------
c_mode, c_maille, c_quoi, c_methode, c_classes = st.columns([1.1, 1.3, 2.4, 1.4, 0.8])
mode = etat.selection_url("Afficher", list(MODES), cle="carte_mode", libelles=MODES, conteneur=c_mode,
                          aide="Indicateurs du registre, ou alertes de couverture territoriale.")
maille = etat.selection_url("Maille", list(MAILLES), cle="carte_maille", libelles=MAILLES, defaut="departement",
                            conteneur=c_maille,
                            aide="Communes : celles d'un département ou d'une Mission Locale, à choisir ensuite.")
focus_maille = focus_code = None
if maille == "commune":
    zooms = chargement.en_cache(vue.territoires_zoom, code_region)
    cle_zoom = etat.selection_url(
        "Territoire examiné", zooms["cle"].to_list(), cle="carte_zoom",
        libelles=dict(zip(zooms["cle"].to_list(), zooms["libelle"].to_list())), conteneur=c_maille,
        aide="Les communes de ce département ou de cette Mission Locale.")
    if cle_zoom:
        focus_maille, focus_code = cle_zoom.split(":", 1)

alerte = None
if mode == "indicateurs":
    if focus_maille:
        options = list(acces.INDICATEURS_COMMUNE)
        noms = {c: i.libelle for c, i in acces.INDICATEURS_COMMUNE.items()}
        aides = "\n\n".join(f"**{i.libelle}** : {i.definition}" for i in acces.INDICATEURS_COMMUNE.values())
    else:
        options = list(indicateurs.REGISTRE)
        noms = {c: f"{i.theme} — {i.libelle}" for c, i in indicateurs.REGISTRE.items()}
        aides = "Tout indicateur du registre. La définition s'affiche sous la carte."
    code_ind = etat.selection_url("Indicateur", options, cle="carte_indicateur", libelles=noms, conteneur=c_quoi,
                                  aide=aides)
else:
    options_alertes = ["nombre", *alertes.ALERTES]
    noms_alertes = {"nombre": "Nombre d'alertes déclenchées",
                    **{a.code: f"{a.numero}. {a.libelle}" for a in alertes.ALERTES.values()}}
    choix = etat.selection_url("Alerte", options_alertes, cle="carte_alerte", libelles=noms_alertes,
                               conteneur=c_quoi, aide="Le nombre d'alertes différentes par territoire, ou une "
                               "alerte seule.", desactive=bool(focus_maille))
    alerte = None if choix in (None, "nombre") else choix
methode = etat.selection_url("Classes", list(METHODES), cle="carte_methode", libelles=METHODES,
                             conteneur=c_methode, desactive=(mode == "alertes" and alerte is None),
                             aide=AIDE_METHODES)
nb_classes = c_classes.number_input("Nombre", min_value=2, max_value=NB_CLASSES_MAX, value=NB_CLASSES_DEFAUT,
                                    step=1, key="carte_nb_classes", help="Nombre de classes de couleur.",
                                    disabled=(mode == "alertes" and alerte is None))

with st.expander("Couches de points et seuils des alertes", icon=":material/tune:"):
    c_points, c_seuils = st.columns([1, 2], gap="large")
    with c_points:
        st.markdown("**Lieux d'accueil et agences**")
        types_sites = tuple(t for t in TYPES_SITE
                            if st.checkbox(f"{LIBELLES_TYPE_SITE[t]}s de Mission Locale", key=f"carte_sites_{t}"))
        avec_agences = st.checkbox("Agences France Travail", key="carte_agences")
    with c_seuils:
        st.markdown("**Seuils des alertes**")
        date_ref = st.date_input("Date de référence des accords en vigueur",
                                 value=alertes.date_reference_par_defaut(annee), format="DD/MM/YYYY",
                                 key=f"carte_date_reference_{annee}")
        parametres: dict[str, dict[str, float]] = {}
        colonnes_seuils = st.columns(2)
        rang = 0
        for a in alertes.ALERTES.values():
            for p in a.parametres:
                parametres.setdefault(a.code, {})[p.code] = colonnes_seuils[rang % 2].number_input(
                    f.adapter(f"{a.numero}. {p.libelle} ({p.unite})"), min_value=p.minimum, max_value=p.maximum,
                    value=p.defaut, step=p.pas, key=f"carte_seuil_{a.code}_{p.code}", help=f.adapter(p.aide or a.regle))
                rang += 1

date_reference = date_ref if isinstance(date_ref, date) else alertes.date_reference_par_defaut(annee)

# ---- Données de la carte (en cache) ------------------------------------------------------------------
if mode == "indicateurs":
    vue_carte = chargement.en_cache(vue.vue_indicateur, annee, maille if not focus_maille else None, code_ind,
                                    methode, int(nb_classes), code_region, focus_maille, focus_code)
else:
    vue_carte = chargement.en_cache(vue.vue_alertes, annee, maille if not focus_maille else None, alerte,
                                    parametres, methode, int(nb_classes), code_region, focus_maille, focus_code,
                                    date_reference)
points, legende_points = chargement.en_cache(vue.vue_points, types_sites, avec_agences, code_region)
maille_affichee = vue_carte.maille
codes = vue_carte.territoires["code"].to_list()
noms_territoires = dict(zip(codes, vue_carte.territoires["nom"].to_list()))
if st.session_state.get(CLE_TERRITOIRE) not in codes:
    st.session_state[CLE_TERRITOIRE] = None
selection = st.session_state.get(CLE_TERRITOIRE)

# ---- Carte et détail -----------------------------------------------------------------------------------
gauche, droite = st.columns([3, 2], gap="medium")
with gauche:
    liens_js, liens_css = actifs.liens_leaflet(bool(st.get_option("server.enableStaticServing")),
                                               str(st.get_option("server.baseUrlPath") or ""))
    contour = chargement.en_cache(vue.contour_selection, maille_affichee, selection) if selection else None
    st_folium(
        carte.carte_de_base(liens_js, liens_css),
        key=CLE_CARTE,
        feature_group_to_add=carte.groupe_de_couches(vue_carte, points, legende_points, contour),
        returned_objects=["last_active_drawing"],
        height=vue.HAUTEUR_PX,
        use_container_width=True,
        on_change=_sur_clic,
    )
    st.caption(carte.texte_alternatif(vue_carte) + " Cliquez sur un territoire pour afficher son détail ; "
               "les DROM sont dans les cadres à l'ouest. Contours : IGN Admin Express, Insee (Licence Ouverte).")
    for note in vue_carte.notes:
        st.caption(note)

with droite:
    st.selectbox(f"{vue.LIBELLES_MAILLE_SINGULIER[maille_affichee]} examiné(e)", codes, key=CLE_TERRITOIRE,
                 index=None, format_func=lambda c: noms_territoires.get(c, c),
                 placeholder="Cliquez sur la carte ou choisissez…")
    if selection is None:
        st.info("Cliquez sur un territoire de la carte pour voir ses indicateurs face à sa région et à "
                f"{'la France' if f.jeu_national else 'la zone couverte par le jeu'}, "
                "ses alertes et ses lieux d'accueil.", icon=":material/touch_app:")
    else:
        d = chargement.en_cache(vue.detail, annee, maille_affichee, selection, parametres, date_reference)
        st.subheader(fmt.echapper_markdown(d.nom), anchor=False)  # noms de ML et d'agences : tels quels
        st.caption(f"{vue.LIBELLES_MAILLE_SINGULIER[d.maille]} · {fmt.echapper_markdown(d.nom_region or f.libelle_jeu)} · "
                   f"{annee}")
        for fait in d.faits:
            st.markdown(f"- {fmt.echapper_markdown(fait)}")
        onglets = st.tabs(vue.onglets_detail(d))
        with onglets[0]:
            st.dataframe(vue.tableau_indicateurs_detail(d, code_ind if mode == "indicateurs" else None),
                         hide_index=True, height=360, width="stretch")
        with onglets[1]:
            if d.alertes.height:
                st.dataframe(vue.tableau_alertes_detail(d), hide_index=True, height=360, width="stretch")
            else:
                st.success("Aucune alerte déclenchée aux seuils choisis.", icon=":material/check_circle:")
        with onglets[2]:
            st.dataframe(vue.tableau_sites_detail(d), hide_index=True, height=260, width="stretch")
            if d.agences.height:
                st.dataframe(vue.tableau_agences_detail(d), hide_index=True, width="stretch")

# ---- Définition et valeurs -----------------------------------------------------------------------------
if mode == "indicateurs":
    definition = (acces.INDICATEURS_COMMUNE[code_ind].definition if focus_maille
                  else indicateurs.REGISTRE[code_ind].definition)
    st.caption(f"**{vue_carte.titre}** — {definition}")
    with st.expander(vue.libelle_valeurs(vue_carte), icon=":material/table:"):
        st.dataframe(vue.tableau_valeurs(vue_carte), hide_index=True, width="stretch",
                     column_config={"Rang": st.column_config.NumberColumn(help=vue_carte.libelle_rang)})
        boutons_telechargement(vue.export_valeurs(vue_carte), f"carte_{code_ind}", cle="carte_valeurs", annee=annee,
                               feuille="Valeurs")

# ---- Tableau des alertes ---------------------------------------------------------------------------------
st.subheader("Alertes de couverture", anchor=False)
maille_alertes = maille if maille in vue.MAILLES_CARTE else "departement"
synthese = f.adapter(chargement.en_cache(vue.tableau_alertes, annee, maille_alertes, parametres, code_region,
                                         date_reference))
st.caption(f"Par {vue.LIBELLES_MAILLE_SINGULIER[maille_alertes].lower()} ; cliquez sur un en-tête pour trier. "
           "Chaque colonne compte les objets concernés (communes, ML ou jeunes) ; survolez l'en-tête pour la règle.")
st.dataframe(
    synthese.tableau, hide_index=True, width="stretch", height=380,
    column_config={col: st.column_config.NumberColumn(col, help=aide, format="localized")
                   for col, aide in synthese.aides.items()},
)
boutons_telechargement(synthese.tableau, f"alertes_{maille_alertes}", cle="carte_alertes", annee=annee,
                       feuille="Alertes")

options_detail = list(alertes.ALERTES)
alerte_detail = st.selectbox(
    "Objets concernés par l'alerte", options_detail, index=options_detail.index(alerte) if alerte else 0,
    format_func=lambda c: f"{alertes.ALERTES[c].numero}. {alertes.ALERTES[c].libelle}", key="carte_alerte_detail")
regle = f.adapter(alertes_ecrites.texte_regle(alerte_detail, parametres.get(alerte_detail)))
st.caption(f"Règle : {regle} — {alertes.ALERTES[alerte_detail].pourquoi}")
constats = f.adapter(chargement.en_cache(vue.tableau_constats, annee, alerte_detail, parametres, code_region,
                                         date_reference))
if note := vue.note_constats(constats.height, MAX_LIGNES_AFFICHEES):
    st.caption(note)
if constats.is_empty():  # pas de tableau vide (Streamlit y écrirait « empty », en anglais)
    st.caption("Aucun objet concerné par cette alerte dans ce territoire, pour cette année et ces seuils.")
else:
    st.dataframe(constats.head(MAX_LIGNES_AFFICHEES), hide_index=True, width="stretch", height=320,
                 column_config={"Jeunes de 16 à 25 ans": st.column_config.NumberColumn(format="localized")})
    boutons_telechargement(constats, f"alerte_{alerte_detail}", cle="carte_constats", annee=annee,
                           feuille="Constats")
