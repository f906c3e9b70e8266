"""Assemblage folium de la carte, à partir d'une ``cartes.vue.VueCarte``.

La page affiche la carte par ``streamlit_folium.st_folium`` en deux parties :

- ``carte_de_base`` : la carte nue (sans tuiles), ses styles, les cadres des encarts DROM. Elle est
  identique d'une exécution à l'autre : streamlit-folium calcule la clé de son composant sur ce
  script, donc le cadre (iframe) n'est jamais recréé et la vue (centre, zoom) de l'utilisateur est
  gardée quand la page se réexécute ;
- ``groupe_de_couches`` : un ``folium.FeatureGroup`` avec la choroplèthe, les couches en plus, la
  sélection, les points, la légende et le cadrage, passé en ``feature_group_to_add`` :
  streamlit-folium le remplace dans la carte existante sans la recharger. Le cadrage ne recentre la
  carte que si l'emprise à montrer a changé (France entière, une région, un département…).
"""

from __future__ import annotations

import folium
import geopandas as gpd

from cartes import drom
from cartes.couches import (
    CSS_CARTE,
    Cadrage,
    Choroplethe,
    Contours,
    Etiquettes,
    Legende,
    Points,
    Style,
    collection,
)
from cartes.legende import html_legende
from cartes.vue import VueCarte, cadrage_france

MARGE_LEGENDE_PX = 190  # bas de carte laissé à la légende quand on cadre un territoire
TYPES_COUCHES = {"choroplethe": Choroplethe, "points": Points, "contours": Contours, "etiquettes": Etiquettes}


def carte_de_base(liens_js: list[tuple[str, str]], liens_css: list[tuple[str, str]]) -> folium.Map:
    """Carte sans fond de plan, cadrée sur la France entière (encarts compris), Leaflet servi par
    l'application (``cartes.actifs.liens_leaflet``)."""
    centre, zoom = drom.zoom_pour(cadrage_france(), 600, 620)
    carte = folium.Map(
        location=list(centre), zoom_start=zoom, tiles=None, zoom_snap=0.25, zoom_delta=0.5, min_zoom=3,
        max_zoom=14, attribution_control=False, control_scale=False, prefer_canvas=False, zoom_control="topright",
    )
    # remplace les CDN de folium (attributs d'instance : la classe folium.Map n'est pas modifiée)
    carte.default_js = list(liens_js)
    carte.default_css = list(liens_css)
    carte.add_child(Style(CSS_CARTE))
    cadres = drom.cadres()
    gdf = gpd.GeoDataFrame({"code": [e.code_departement for e, _ in cadres]},
                           geometry=[g for _, g in cadres], crs="EPSG:4326")
    carte.add_child(Contours(collection(gdf, [{"code": e.code_departement} for e, _ in cadres]),
                             couleur="#929292", epaisseur=1.0, tirets="3 3"))
    carte.add_child(Etiquettes([(e.cadre[3], e.cadre[0], e.nom) for e, _ in cadres]))
    return carte


def groupe_de_couches(vue: VueCarte, points: list[tuple[str, dict]] | None = None,
                      legende_points: list[tuple[str, str]] | None = None,
                      selection: tuple[str, dict] | None = None) -> folium.FeatureGroup:
    """Les couches d'une vue : choroplèthe, couches en plus (trous de couverture, communes éloignées),
    points demandés, contour de la sélection, légende."""
    groupe = folium.FeatureGroup(name="couches", control=False)
    groupe.add_child(Choroplethe(vue.choroplethe, vue.libelle_valeur, vue.libelle_rang))
    for type_couche, arguments in vue.couches:
        groupe.add_child(TYPES_COUCHES[type_couche](**arguments))
    for type_couche, arguments in points or []:
        groupe.add_child(TYPES_COUCHES[type_couche](**arguments))
    if selection is not None:
        type_couche, arguments = selection
        groupe.add_child(TYPES_COUCHES[type_couche](**arguments))
    legende = html_legende(
        vue.titre, vue.classement, vue.unite, vue.sous_titre,
        points=[*vue.points_legende, *(legende_points or [])], surfaces=vue.surfaces_legende,
        libelle_absent=vue.libelle_absent,
    )
    groupe.add_child(Legende(vue.titre, legende))
    marge = 8 if vue.bornes == cadrage_france() else MARGE_LEGENDE_PX
    groupe.add_child(Cadrage(vue.bornes, marge))
    return groupe


def code_clique(retour: dict | None) -> str | None:
    """Code du territoire cliqué dans ce que rend ``st_folium`` (``last_active_drawing`` : l'entité
    GeoJSON cliquée) ; None pour un clic hors territoire (lieu d'accueil, encart, fond de carte)."""
    proprietes = (((retour or {}).get("last_active_drawing") or {}).get("properties")) or {}
    if proprietes.get("code") and proprietes.get("maille"):
        return str(proprietes["code"])
    return None


def texte_alternatif(vue: VueCarte) -> str:
    """Description courte de la carte pour les lecteurs d'écran et les tests."""
    mailles = {"region": "régions", "departement": "départements", "ml": "Missions Locales", "commune": "communes"}
    return (f"Carte : {vue.titre}, {vue.nb_polygones} territoires ({mailles.get(vue.maille, vue.maille)}) ; "
            f"{vue.classement.nb_classes} classes.")


__all__ = ["carte_de_base", "code_clique", "groupe_de_couches", "texte_alternatif"]
