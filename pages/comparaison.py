"""Comparer des territoires : jusqu'à 12 régions, départements ou Missions Locales, sur des indicateurs du
registre, pour une année ou une période. Mise en page et widgets seulement : les calculs sont dans
``requetes/comparaison.py`` (positions, références, séries, nuage, territoires comparables), les tableaux,
figures et textes dans ``presentation/comparaison.py``, le bloc des territoires comparables dans
``interface/comparables.py``.

Tout l'état de la page est dans l'URL (widgets liés par ``interface.etat.selection_url`` et onglets
liés à l'URL) : un lien envoyé rouvre la même comparaison."""

from __future__ import annotations

import streamlit as st

from interface import chargement, comparables, etat, theme
from interface.entete import entete
from interface.graphiques import barres_territoires
from interface.telechargement import boutons_telechargement
from presentation import comparaison as P
from presentation.comparables import INTRODUCTION
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE

ONGLETS = ("Tableau", "Barres", "Distribution", "Évolution", "Nuage de points", "Territoires comparables")

# --------------------------------------------------------------------------------------------------
# Choix

f = etat.filtres_complets()
if not f.annees:
    entete("Comparer des territoires")
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

entete("Comparer des territoires", f.adapter("Jusqu'à 12 territoires côte à côte, face à la France et à leur région."))
if f.note_comparaisons:  # jeu partiel : rangs et références sur ce qui est présent
    st.caption(f.note_comparaisons)
annees = sorted(a for a in f.annees if a <= f.annee)
col_maille, col_debut = st.columns([3, 1])
maille = etat.selection_url(
    "Maille", C.MAILLES_COMPARAISON, cle="cmp_maille", libelles=C.LIBELLES_MAILLES, defaut="ml",
    forme="segments", conteneur=col_maille,
    aide="Niveau des territoires comparés. Rangs, centiles et distributions portent sur tous les territoires de "
         "ce niveau.",
)
debut = etat.selection_url(
    "Première année", annees, cle="cmp_debut", defaut=f.annee, conteneur=col_debut,
    aide=f"Année seule ({f.annee}, choisie dans la barre latérale) ou période de plusieurs années jusqu'à "
         f"{f.annee} : volumes et montants cumulés, effectifs moyennés sur les années.",
)
periode = P.periode(debut, f.annee)

terr = P.ordonner_territoires(chargement.en_cache(C.territoires, maille), f.code_region)
libelles_terr, noms = P.correspondances(terr)
codes = etat.selection_url(
    f"{C.LIBELLES_MAILLES[maille]} à comparer (jusqu'à {C.MAX_TERRITOIRES})", list(libelles_terr),
    cle=f"cmp_territoires_{maille}", libelles=libelles_terr, multiple=True, max_selections=C.MAX_TERRITOIRES,
    placeholder="Tapez un nom ou un code", aide="Recherche par nom ou par code. "
    + ("Les territoires de la région choisie dans la barre latérale sont en tête de liste." if f.code_region else ""),
)
indicateurs = etat.selection_url(
    "Indicateurs (groupés par thème)", list(REGISTRE), cle="cmp_indicateurs", libelles=P.libelle_indicateur,
    multiple=True, defaut=list(C.INDICATEURS_PAR_DEFAUT), max_selections=12,
    placeholder="Tapez un thème ou un indicateur",
    aide="Indicateurs du registre commun (les mêmes que la carte et les exports), dans l'ordre des thèmes.",
)
if debut != f.annee:
    st.markdown(f"Période : **{periode}** (volumes et montants cumulés, effectifs moyennés sur les années).")
if not indicateurs:
    st.info("Choisissez au moins un indicateur.", icon=":material/info:")
    st.stop()

onglets = st.tabs(list(ONGLETS), key="cmp_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))


def positions_choisies():
    return chargement.en_cache(C.positions, maille, debut, indicateurs, f.annee, codes)


# --------------------------------------------------------------------------------------------------
# Tableau côte à côte

with vues["Tableau"]:
    if vues["Tableau"].open:
        refs = chargement.en_cache(C.references, debut, indicateurs, f.annee)
        pos = positions_choisies() if codes else None
        if not codes:
            st.info(f.adapter(P.SANS_TERRITOIRE), icon=":material/info:")
        st.dataframe(f.adapter(P.tableau_cote_a_cote(refs, pos, codes, noms)).style(), hide_index=True, key="cmp_tableau",
                     column_config={"Indicateur": st.column_config.TextColumn(width=320, pinned=True)})
        st.caption(f.adapter(P.LEGENDE))
        if pos is not None:
            st.subheader("Détail : références, écarts, rangs", anchor=False, help=P.AIDE_RANG)
            st.dataframe(f.adapter(P.tableau_detail(pos, maille)).style(), hide_index=True, key="cmp_detail",
                         column_config={"Indicateur": st.column_config.TextColumn(width=260)})
            boutons_telechargement(P.export_positions(pos), f"comparaison_{maille}_{periode}",
                                   cle="cmp_telechargement", libelles=f.adapter(P.LIBELLES_EXPORT), feuille="Comparaison")

# --------------------------------------------------------------------------------------------------
# Barres par indicateur

with vues["Barres"]:
    if vues["Barres"].open:
        if not codes:
            st.info("Choisissez des territoires pour voir leurs barres.", icon=":material/info:")
        else:
            pos = positions_choisies()
            grille = st.columns(2)
            for k, code_ind in enumerate(indicateurs):
                i = REGISTRE[code_ind]
                valeurs, reference = f.adapter(P.barres(pos, code_ind))
                with grille[k % 2]:
                    st.markdown(f"**{i.libelle}**", help=P.aide_indicateur(code_ind))
                    fig = barres_territoires(valeurs, i.unite, libelle_valeur=i.libelle, reference=reference,
                                             hauteur_barre=26)
                    theme.afficher_graphique(fig, cle=f"cmp_barres_{code_ind}", nom_image=f"{code_ind}_{periode}",
                                             alt=f"{i.libelle} des territoires choisis, {periode}")

# --------------------------------------------------------------------------------------------------
# Distribution (boîtes à moustaches)

with vues["Distribution"]:
    if vues["Distribution"].open:
        toutes = chargement.en_cache(C.positions, maille, debut, indicateurs, f.annee)
        st.caption(f.adapter(P.legende_distribution(maille)))
        for code_ind in indicateurs:
            theme.afficher_graphique(
                f.adapter(P.figure_distribution(toutes, code_ind, codes)), cle=f"cmp_boite_{code_ind}",
                nom_image=f"distribution_{code_ind}_{periode}",
                alt=f"Distribution de {REGISTRE[code_ind].libelle} sur les {C.LIBELLES_MAILLES[maille].lower()}")
        resume = chargement.en_cache(C.resume_distribution, maille, debut, indicateurs, f.annee)
        boutons_telechargement(P.export_positions(toutes), f"distribution_{maille}_{periode}",
                               cle="cmp_telechargement_distribution", libelles=f.adapter(P.LIBELLES_EXPORT),
                               feuille="Distribution")
        with st.expander("Résumé des distributions"):
            st.dataframe(P.tableau_resume(resume), hide_index=True, key="cmp_resume")

# --------------------------------------------------------------------------------------------------
# Évolution

with vues["Évolution"]:
    if vues["Évolution"].open:
        c1, c2 = st.columns([1, 3])
        pas = etat.selection_url("Pas de temps", ["annee", "mois"], cle="cmp_pas", forme="segments",
                                 libelles={"annee": "Par année", "mois": "Par mois"}, conteneur=c1,
                                 aide="Par mois : seulement les indicateurs des orientations et de l'activité.")
        possibles = P.indicateurs_du_pas(indicateurs, pas)
        if not possibles:
            st.info(P.SANS_MOIS, icon=":material/info:")
        else:
            code_ind = etat.selection_url("Indicateur", possibles, cle="cmp_serie", libelles=P.libelle_indicateur,
                                          conteneur=c2)
            s = chargement.en_cache(C.series, maille, codes, code_ind, pas)
            theme.afficher_graphique(f.adapter(P.figure_serie(s, codes, code_ind, pas, debut, f.annee)),
                                     cle="cmp_serie_graphique", nom_image=f"serie_{code_ind}",
                                     alt=f.adapter(f"Évolution de {REGISTRE[code_ind].libelle}, territoires choisis et France"))
            st.caption(f.adapter(P.legende_serie(code_ind, debut, f.annee)), help=REGISTRE[code_ind].definition)
            boutons_telechargement(f.adapter(s), f"serie_{code_ind}_{maille}", cle="cmp_telechargement_serie",
                                   libelles=f.adapter(P.LIBELLES_EXPORT), feuille="Série")

# --------------------------------------------------------------------------------------------------
# Nuage de points

with vues["Nuage de points"]:
    if vues["Nuage de points"].open:
        c1, c2 = st.columns(2)
        ix = etat.selection_url("Indicateur en abscisse (X)", list(REGISTRE), cle="cmp_x",
                                libelles=P.libelle_indicateur, defaut=C.NUAGE_PAR_DEFAUT[0], conteneur=c1)
        iy = etat.selection_url("Indicateur en ordonnée (Y)", list(REGISTRE), cle="cmp_y",
                                libelles=P.libelle_indicateur, defaut=C.NUAGE_PAR_DEFAUT[1], conteneur=c2)
        n = chargement.en_cache(C.nuage, maille, debut, ix, iy, f.annee)
        refs = chargement.en_cache(C.references, debut, [ix, iy], f.annee)
        theme.afficher_graphique(f.adapter(P.figure_nuage(n, refs, codes, ix, iy, maille)), cle="cmp_nuage_graphique",
                                 nom_image=f"nuage_{ix}_{iy}",
                                 alt=f"{REGISTRE[iy].libelle} selon {REGISTRE[ix].libelle}, tous les territoires")
        st.caption(f.adapter(P.legende_nuage(n)))
        boutons_telechargement(n, f"nuage_{ix}_{iy}_{maille}", cle="cmp_telechargement_nuage",
                               libelles=P.libelles_export_nuage(ix, iy), feuille="Nuage")

# --------------------------------------------------------------------------------------------------
# Territoires comparables

with vues["Territoires comparables"]:
    if vues["Territoires comparables"].open:
        comparables.introduction(INTRODUCTION)
        c1, c2 = st.columns([3, 1])
        reference = etat.selection_url(
            "Territoire de référence", list(libelles_terr), cle=f"cmp_reference_{maille}", libelles=libelles_terr,
            defaut=codes[0] if codes else None, conteneur=c1)
        perimetre = comparables.perimetre(maille, cle="cmp_perimetre", conteneur=c2)
        voisins = chargement.en_cache(C.comparables, maille, reference, debut, f.annee, 10,
                                      P.region_de(terr, reference) if perimetre == "region" else None)

        def boutons_voisins() -> None:
            with st.container(horizontal=True):
                comparables.bouton_comparer(voisins, cle_selection=f"cmp_territoires_{maille}",
                                            cle="cmp_bouton_comparables")
                comparables.lien_portrait(maille, reference, libelles_terr[reference], noms.get(reference, reference))

        comparables.tableau(voisins, cle="cmp_comparables_tableau", base_nom=f"comparables_{reference}",
                            cle_telechargement="cmp_telechargement_comparables", hauteur_ajustee=True,
                            legende=True, actions=boutons_voisins)
