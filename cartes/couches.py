"""Couches folium de la carte, écrites pour rester légères dans le navigateur.

Chaque couche est un ``folium.MacroElement`` dont le script crée un objet Leaflet (``L.geoJson``,
``L.control``…) ajouté à son parent (la carte ou un ``folium.FeatureGroup``). Les données sont
écrites une fois, en JSON compact, avec le style dans les propriétés (pas de table de styles par
entité) ; les textes des infobulles sont échappés côté Python (``html.escape``) avant d'être
insérés dans le HTML.

- ``Choroplethe`` : polygones colorés, infobulle (nom, valeur, rang), surlignage au survol ; un clic
  est remonté à Streamlit par streamlit-folium (``last_active_drawing`` = l'entité cliquée) ;
- ``Points`` : lieux d'accueil, agences, communes éloignées (cercles de couleur) ;
- ``Contours`` : contour non cliquable (territoire sélectionné, cadres des encarts DROM) ;
- ``Etiquettes`` : textes posés sur la carte (noms des encarts) ;
- ``Legende`` : un contrôle Leaflet (coin bas droit) qui vit et disparaît avec son groupe de couches ;
- ``Cadrage`` : recadre la carte quand l'emprise à montrer change (pas à chaque réexécution).
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import shapely
from branca.element import Element, Figure
from folium.template import Template


def echapper(texte) -> str:
    """Texte sûr pour l'``innerHTML`` d'une infobulle."""
    return html.escape("" if texte is None else str(texte), quote=True)


def json_compact(objet) -> str:
    """JSON sans espaces, sûr dans un élément <script> (« </ » neutralisé)."""
    return json.dumps(objet, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def _donnees(donnees) -> str:
    """Données d'une couche : texte JSON déjà compact (rendu par ``json_compact``) ou objet à écrire."""
    return donnees if isinstance(donnees, str) else json_compact(donnees)


def collection(gdf: gpd.GeoDataFrame, proprietes: list[dict]) -> dict:
    """FeatureCollection GeoJSON : une entité par ligne, ``id`` = code, propriétés données."""
    geoms = shapely.to_geojson(gdf.geometry.values)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": p.get("code"), "properties": p, "geometry": json.loads(g)}
            for g, p in zip(geoms, proprietes)
        ],
    }


class _Brut(Element):
    """Texte déjà rendu, inséré tel quel : ``branca.Element(texte)`` compilerait le texte comme un
    gabarit Jinja, ce qui coûte plus de 100 ms pour une couche de 800 Ko."""

    _template = Template("{{ this.texte }}")

    def __init__(self, texte: str):
        super().__init__()
        self.texte = texte


class _Couche(folium.MacroElement):
    _nom_couche = "couche"

    def __init__(self):
        super().__init__()
        self._name = self._nom_couche

    def render(self, **kwargs):
        """Comme ``MacroElement.render``, sans recompiler le script rendu (voir ``_Brut``)."""
        figure = self.get_root()
        script = self._template.module.__dict__.get("script")
        if script is not None and isinstance(figure, Figure):
            figure.script.add_child(_Brut(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class Choroplethe(_Couche):
    """Polygones colorés. Propriétés attendues de chaque entité : code, nom (échappé), maille, c
    (couleur de remplissage), v (valeur en texte), r (rang en texte ou "")."""

    _nom_couche = "choroplethe"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.donnees }}, {
            style: function(f) {
                return {fillColor: f.properties.c, fillOpacity: {{ this.opacite }}, color: "{{ this.bordure }}",
                        weight: {{ this.epaisseur }}, opacity: 1};
            },
            onEachFeature: function(f, couche) {
                var p = f.properties;
                var t = "<strong>" + p.nom + "</strong>";
                if (p.v !== undefined && p.v !== null) { t += "<br>" + {{ this.libelle }} + " : " + p.v; }
                if (p.r) { t += "<br>" + {{ this.libelle_rang }} + " : " + p.r; }
                if (p.x) { t += "<br>" + p.x; }
                couche.bindTooltip(t, {sticky: true, className: "infobulle-carte"});
                couche.on("mouseover", function(e) {
                    e.target.setStyle({weight: {{ this.epaisseur }} + 1.8, color: "#161616"});
                    e.target.bringToFront();
                });
                couche.on("mouseout", function(e) { {{ this.get_name() }}.resetStyle(e.target); });
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, donnees: dict | str, libelle: str, libelle_rang: str = "Rang", bordure: str = "#6A6A6A",
                 epaisseur: float = 0.5, opacite: float = 0.9):
        super().__init__()
        self.donnees = _donnees(donnees)
        self.libelle = json_compact(echapper(libelle))
        self.libelle_rang = json_compact(echapper(libelle_rang))
        self.bordure = bordure
        self.epaisseur = epaisseur
        self.opacite = opacite


class Points(_Couche):
    """Cercles de même couleur, écrits en tableau compact ``[[lat, lon, infobulle], …]`` (infobulle :
    HTML échappé, ou "" pour aucune) : une couche de 6 500 lieux d'accueil reste légère.
    ``rayon`` en pixels."""

    _nom_couche = "points"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup({{ this.donnees }}.map(function(p) {
            var m = L.circleMarker([p[0], p[1]], {radius: {{ this.rayon }}, color: "{{ this.bordure }}", weight: 1,
                                                  fillColor: "{{ this.couleur }}", fillOpacity: 0.9,
                                                  className: "point-carte"});
            if (p[2]) { m.bindTooltip(p[2], {className: "infobulle-carte"}); }
            return m;
        })).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, donnees: list | str, couleur: str, rayon: float = 4, bordure: str = "#FFFFFF"):
        super().__init__()
        self.donnees = _donnees(donnees)
        self.couleur = couleur
        self.rayon = rayon
        self.bordure = bordure


def points_compacts(latitudes, longitudes, textes, decimales: int = 3) -> list:
    """[[lat, lon, texte], …] arrondis, pour ``Points``."""
    return [[round(float(a), decimales), round(float(b), decimales), t] for a, b, t in zip(latitudes, longitudes, textes)]


class Contours(_Couche):
    """Contour ou surface non cliquable (sélection, cadres des encarts, trous de couverture).
    ``infobulle`` : propriété ``t`` affichée au survol (la couche devient alors survolable)."""

    _nom_couche = "contours"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJson({{ this.donnees }}, {
            interactive: {{ "true" if this.infobulle else "false" }},
            style: function(f) {
                return {color: "{{ this.couleur }}", weight: {{ this.epaisseur }}, dashArray: {{ this.tirets }},
                        fill: {{ "true" if this.remplissage else "false" }}, fillColor: "{{ this.remplissage or '#000' }}",
                        fillOpacity: {{ this.opacite }}};
            }{% if this.infobulle %},
            onEachFeature: function(f, couche) {
                if (f.properties && f.properties.t) { couche.bindTooltip(f.properties.t, {sticky: true, className: "infobulle-carte"}); }
            }{% endif %}
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, donnees: dict | str, couleur: str = "#161616", epaisseur: float = 2.5, tirets: str | None = None,
                 remplissage: str | None = None, opacite: float = 0.0, infobulle: bool = False):
        super().__init__()
        self.donnees = _donnees(donnees)
        self.couleur = couleur
        self.epaisseur = epaisseur
        self.tirets = json_compact(tirets) if tirets else "null"
        self.remplissage = remplissage
        self.opacite = opacite
        self.infobulle = infobulle


class Etiquettes(_Couche):
    """Textes fixes sur la carte : liste de (latitude, longitude, texte)."""

    _nom_couche = "etiquettes"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup({{ this.donnees }}.map(function(e) {
            return L.marker([e[0], e[1]], {interactive: false, keyboard: false,
                icon: L.divIcon({className: "etiquette-carte", html: e[2], iconSize: null, iconAnchor: [-1, 15]})});
        })).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, etiquettes: list[tuple[float, float, str]]):
        super().__init__()
        self.donnees = json_compact([[float(a), float(b), echapper(t)] for a, b, t in etiquettes])


class Legende(_Couche):
    """Légende : contrôle Leaflet en bas à droite, porté par une couche pour qu'il soit retiré avec
    le groupe de couches qui le contient (streamlit-folium remplace ces groupes sans recharger la
    carte). ``html_legende`` : HTML déjà échappé."""

    _nom_couche = "legende"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new (L.Layer.extend({
            onAdd: function(carte) {
                this._controle = L.control({position: "bottomright"});
                this._controle.onAdd = function() {
                    var d = L.DomUtil.create("div", "legende-carte");
                    d.setAttribute("role", "figure");
                    d.setAttribute("aria-label", {{ this.titre }});
                    d.innerHTML = {{ this.contenu }};
                    L.DomEvent.disableClickPropagation(d);
                    L.DomEvent.disableScrollPropagation(d);
                    return d;
                };
                this._controle.addTo(carte);
            },
            onRemove: function(carte) { if (this._controle) { carte.removeControl(this._controle); } }
        }))();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, titre: str, html_legende: str):
        super().__init__()
        self.titre = json_compact(titre)
        self.contenu = json_compact(html_legende)


class Cadrage(_Couche):
    """Cadre la carte sur une emprise (``fitBounds``) quand cette emprise change, et seulement alors :
    l'emprise montrée est notée dans la fenêtre du cadre de la carte ; changer d'indicateur ou de
    classes garde la vue de l'utilisateur, changer de territoire la recadre. ``fitBounds`` s'adapte à
    la taille réelle de la carte (inconnue du serveur)."""

    _nom_couche = "cadrage"
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new (L.Layer.extend({
            onAdd: function(carte) {
                var emprise = {{ this.emprise }};
                var cle = JSON.stringify(emprise);
                if (window.__cadrageCarte !== cle) {
                    window.__cadrageCarte = cle;
                    carte.fitBounds(emprise, {animate: false, maxZoom: 12, paddingTopLeft: [8, 8],
                                              paddingBottomRight: [8, {{ this.marge_bas }}]});
                }
            },
            onRemove: function(carte) {}
        }))();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, emprise: tuple[tuple[float, float], tuple[float, float]], marge_bas: int = 8):
        """``marge_bas`` : pixels laissés libres en bas (place de la légende) ; la vue « France
        entière » prévoit déjà sa bande libre dans son emprise."""
        super().__init__()
        self.marge_bas = int(marge_bas)
        (lat0, lon0), (lat1, lon1) = emprise
        self.emprise = json_compact([[float(lat0), float(lon0)], [float(lat1), float(lon1)]])


class Style(folium.MacroElement):
    """Feuille de style ajoutée à l'en-tête de la page de la carte (fond, infobulles, légende)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        """
    )

    def __init__(self, css: str):
        super().__init__()
        self._name = "Style"
        self.css = css


CSS_CARTE = """
.leaflet-container { background: #FFFFFF; font-family: Arial, Helvetica, 'Liberation Sans', sans-serif; }
.infobulle-carte { font-size: 13px; line-height: 1.35; color: #161616; width: max-content; max-width: 300px;
  white-space: normal; }
.legende-carte { background: #FFFFFF; padding: 6px 9px; border: 1px solid #929292; border-radius: 4px;
  font-size: 11.5px; line-height: 16px; color: #161616; max-width: 270px; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
.legende-carte .titre { font-weight: bold; margin-bottom: 2px; }
.legende-carte .unite { color: #3A3A3A; margin-bottom: 4px; }
.legende-carte .pastille { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid #929292; }
.legende-carte .rond { border-radius: 50%; }
.legende-carte .effectif { color: #666666; }
.etiquette-carte { font-size: 11px; color: #3A3A3A; white-space: nowrap; font-weight: bold; }
"""
