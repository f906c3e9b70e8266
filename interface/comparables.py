"""Brique Streamlit « Territoires comparables », commune à la page de comparaison et au portrait :
introduction, choix du périmètre, tableau des voisins de contexte et son fichier, liens d'une page à
l'autre. Les textes et le tableau viennent de ``presentation.comparables`` ; les voisins de
``requetes.comparaison.comparables`` (lus par la page, en cache).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl
import streamlit as st

from interface import etat, navigation
from interface.telechargement import boutons_telechargement
from presentation import comparables as P
from presentation import format as fmt
from requetes.comparaison import LIBELLES_MAILLES, MAX_TERRITOIRES


def introduction(texte: str = P.INTRODUCTION) -> None:
    """Ce que sont les territoires comparables, la méthode en aide."""
    st.markdown(texte, help=P.AIDE)


def perimetre(maille: str, *, cle: str, conteneur=None) -> str:
    """« france » entre régions (rien à choisir) ; sinon « Partout » ou « Même région », lié à l'URL."""
    if maille == "region":
        return "france"
    return etat.selection_url("Chercher", list(P.PERIMETRES), cle=cle, forme="segments", conteneur=conteneur,
                              libelles=P.PERIMETRES)


def tableau(voisins: pl.DataFrame, *, cle: str, base_nom: str, cle_telechargement: str,
            hauteur_ajustee: bool = False, legende: bool = False, actions: Callable[[], None] | None = None) -> None:
    """Le tableau des voisins (``requetes.comparaison.comparables``), ou un message s'il n'y en a pas.

    ``hauteur_ajustee`` : toutes les lignes visibles sans défilement ; ``legende`` : ce que veut dire la
    distance ; ``actions`` : ce que la page place entre le tableau et les boutons de téléchargement
    (bouton, liens)."""
    if voisins.is_empty():
        st.info(P.SANS_CONTEXTE, icon=":material/info:")
        return
    if voisins.height == 1:
        st.info(P.SANS_VOISIN, icon=":material/info:")
        return
    textes = P.tableau(voisins)
    st.dataframe(textes, hide_index=True, key=cle,
                 **({"height": 38 + 35 * textes.height} if hauteur_ajustee else {}))
    if legende:
        st.caption(P.LEGENDE_DISTANCE)
    if actions is not None:
        actions()
    boutons_telechargement(voisins, base_nom, cle=cle_telechargement, libelles=P.LIBELLES_EXPORT,
                           feuille="Comparables")


def _filtres_partages() -> dict[str, list[str]]:
    """Année et région de la barre latérale, telles qu'elles sont dans l'URL : un lien les garde."""
    return {k: st.query_params.get_all(k) for k in (etat.CLE_ANNEE, etat.CLE_REGION) if k in st.query_params}


def _remplacer_selection(codes: list[str], cle: str) -> None:
    st.session_state[cle] = codes[:MAX_TERRITOIRES]


def bouton_comparer(voisins: pl.DataFrame, *, cle_selection: str, cle: str) -> None:
    """Remplace la sélection de la page de comparaison (widget ``cle_selection``) par les voisins."""
    st.button("Comparer ces territoires", icon=":material/compare_arrows:", key=cle,
              on_click=_remplacer_selection, args=(voisins["code"].to_list(), cle_selection),
              help="Remplace la sélection par le territoire de référence et ses voisins les plus proches.")


def lien_portrait(maille: str, code: str, libelle: str, nom: str) -> None:
    """Lien vers le portrait du territoire (``libelle`` : son option dans la liste du portrait ; mêmes
    filtres partagés), si la page existe."""
    page = navigation.entree("pages/portrait.py")
    if page is None or not page.existe():
        return
    params = _filtres_partages()
    params["portrait_maille"] = LIBELLES_MAILLES[maille]
    params[f"portrait_territoire_{maille}"] = libelle
    st.page_link(str(page.chemin), label=f"Portrait de {fmt.echapper_markdown(nom)}", icon=":material/location_city:",
                 query_params=params)


def lien_comparaison(maille: str, voisins: pl.DataFrame, libelles: Mapping[str, str], debut: int) -> None:
    """Lien « Comparer ces territoires » vers la page de comparaison réglée sur les voisins (``libelles`` :
    code -> option de la liste des territoires), si la page existe."""
    page = navigation.entree("pages/comparaison.py")
    if page is None or not page.existe():
        return
    params = _filtres_partages()
    params.update({"cmp_maille": LIBELLES_MAILLES[maille],
                   f"cmp_territoires_{maille}": [libelles[c] for c in voisins["code"].to_list()],
                   "cmp_debut": str(debut)})
    st.page_link(str(page.chemin), label="Comparer ces territoires", icon=":material/compare_arrows:",
                 query_params=params)


__all__ = ["bouton_comparer", "introduction", "lien_comparaison", "lien_portrait", "perimetre", "tableau"]
