"""Encarts des départements et régions d'outre-mer (DROM).

La carte est sans fond de plan (pas de serveur de tuiles) : les DROM sont déplacés, à l'échelle qui
leur convient, dans des cadres posés sur l'Atlantique à l'ouest de la métropole, comme sur les cartes de
l'Insee. Un DROM n'est ainsi jamais hors de la vue « France entière ».

La transformation se fait en Web Mercator (la projection de Leaflet) : la forme affichée dans le cadre
est exactement celle qu'on verrait à la vraie place, agrandie ou réduite. Elle s'applique aux polygones
(``deplacer_geometries``) comme aux points (``deplacer_points``) ; les distances, elles, se calculent
toujours sur les vraies coordonnées (requetes.acces).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

RAYON_MERCATOR = 6378137.0


@dataclass(frozen=True)
class Encart:
    code_departement: str
    code_region: str
    nom: str
    source: tuple[float, float, float, float]  # emprise réelle (lon_min, lat_min, lon_max, lat_max)
    cadre: tuple[float, float, float, float]  # cadre d'arrivée sur la carte (mêmes unités)


# Emprises réelles (un peu élargies) et cadres d'arrivée, de haut en bas le long de la façade ouest.
ENCARTS: dict[str, Encart] = {
    e.code_departement: e
    for e in (
        Encart("971", "01", "Guadeloupe", (-61.85, 15.82, -60.98, 16.53), (-9.9, 49.5, -6.3, 51.0)),
        Encart("972", "02", "Martinique", (-61.25, 14.38, -60.80, 14.89), (-9.9, 47.5, -6.3, 49.0)),
        Encart("973", "03", "Guyane", (-54.62, 2.10, -51.60, 5.78), (-9.9, 45.2, -6.3, 47.0)),
        Encart("974", "04", "La Réunion", (55.21, -21.40, 55.84, -20.86), (-9.9, 43.3, -6.3, 44.7)),
        Encart("976", "06", "Mayotte", (44.98, -13.01, 45.31, -12.62), (-9.9, 41.4, -6.3, 42.8)),
    )
}
REGION_VERS_DEPARTEMENT = {e.code_region: e.code_departement for e in ENCARTS.values()}

# Emprise de la vue « France entière » (métropole et encarts), (lat_min, lon_min), (lat_max, lon_max).
BORNES_FRANCE = ((41.3, -10.0), (51.4, 9.7))
# Vue de la carte : la même, avec une bande libre au sud (Méditerranée) où se pose la légende sans
# cacher la Corse ni la côte.
BORNES_FRANCE_CARTE = ((36.6, -10.0), (51.4, 9.7))
MARGE = 0.08  # part du cadre laissée libre autour du territoire


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = RAYON_MERCATOR * np.radians(lon)
    y = RAYON_MERCATOR * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def inverse_mercator(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.degrees(x / RAYON_MERCATOR)
    lat = np.degrees(2 * np.arctan(np.exp(y / RAYON_MERCATOR)) - np.pi / 2)
    return lon, lat


@cache
def _affine(code_departement: str) -> tuple[float, float, float, float, float]:
    """(échelle, x0 source, y0 source, x0 cadre, y0 cadre) en Web Mercator, territoire centré."""
    e = ENCARTS[code_departement]
    sx0, sy0 = mercator(np.array([e.source[0]]), np.array([e.source[1]]))
    sx1, sy1 = mercator(np.array([e.source[2]]), np.array([e.source[3]]))
    cx0, cy0 = mercator(np.array([e.cadre[0]]), np.array([e.cadre[1]]))
    cx1, cy1 = mercator(np.array([e.cadre[2]]), np.array([e.cadre[3]]))
    largeur_s, hauteur_s = float(sx1[0] - sx0[0]), float(sy1[0] - sy0[0])
    largeur_c, hauteur_c = float(cx1[0] - cx0[0]), float(cy1[0] - cy0[0])
    echelle = (1 - 2 * MARGE) * min(largeur_c / largeur_s, hauteur_c / hauteur_s)
    # centres
    centre_s = (float(sx0[0]) + largeur_s / 2, float(sy0[0]) + hauteur_s / 2)
    centre_c = (float(cx0[0]) + largeur_c / 2, float(cy0[0]) + hauteur_c / 2)
    return echelle, centre_s[0], centre_s[1], centre_c[0], centre_c[1]


def _transformer_coords(coords: np.ndarray, code_departement: str) -> np.ndarray:
    """coords : tableau (n, 2) lon, lat -> coordonnées dans le cadre de l'encart."""
    echelle, xs, ys, xc, yc = _affine(code_departement)
    x, y = mercator(coords[:, 0], coords[:, 1])
    lon, lat = inverse_mercator(xc + (x - xs) * echelle, yc + (y - ys) * echelle)
    return np.column_stack([lon, lat])


def departement_drom(code: str | None, maille: str) -> str | None:
    """Le DROM (code département) auquel appartient un territoire, ou None s'il est en métropole.
    ``maille`` : "commune", "departement", "region" (pour une ML, passer son département)."""
    if not code:
        return None
    if maille == "region":
        return REGION_VERS_DEPARTEMENT.get(code)
    if maille == "commune":
        code = code[:3]
    return code if code in ENCARTS else None


def deplacer_geometries(geometries, departements: list[str | None]):
    """Tableau de géométries shapely (WGS84) ; chaque géométrie dont le DROM est donné passe dans son
    encart, les autres sont rendues telles quelles."""
    geoms = np.asarray(geometries, dtype=object).copy()
    deps = np.asarray([d if d in ENCARTS else "" for d in departements], dtype=object)
    for code in ENCARTS:
        masque = deps == code
        if masque.any():
            geoms[masque] = shapely.transform(
                geoms[masque], lambda c, code=code: _transformer_coords(c, code)
            )
    return geoms


def deplacer_points(latitudes, longitudes, departements: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Comme ``deplacer_geometries`` pour des points : rend (latitudes, longitudes) affichées."""
    lat = np.asarray(latitudes, dtype=float).copy()
    lon = np.asarray(longitudes, dtype=float).copy()
    deps = np.asarray([d if d in ENCARTS else "" for d in departements], dtype=object)
    for code in ENCARTS:
        masque = deps == code
        if masque.any():
            res = _transformer_coords(np.column_stack([lon[masque], lat[masque]]), code)
            lon[masque], lat[masque] = res[:, 0], res[:, 1]
    return lat, lon


def cadres() -> list[tuple[Encart, object]]:
    """(encart, rectangle shapely du cadre) pour dessiner les cadres et leurs noms."""
    return [(e, shapely.box(*e.cadre)) for e in ENCARTS.values()]


def zoom_pour(bornes: tuple[tuple[float, float], tuple[float, float]], largeur_px: int = 700,
              hauteur_px: int = 560) -> tuple[tuple[float, float], float]:
    """Centre (lat, lon) et zoom Leaflet (pas de 0,25) pour voir ``bornes`` ((lat_min, lon_min),
    (lat_max, lon_max)) dans une carte de la taille donnée."""
    (lat0, lon0), (lat1, lon1) = bornes
    x0, y0 = mercator(np.array([lon0]), np.array([lat0]))
    x1, y1 = mercator(np.array([lon1]), np.array([lat1]))
    larg = max(float(x1[0] - x0[0]), 1.0)
    haut = max(float(y1[0] - y0[0]), 1.0)
    monde = 2 * math.pi * RAYON_MERCATOR
    zoom_x = math.log2(largeur_px * monde / (256 * larg))
    zoom_y = math.log2(hauteur_px * monde / (256 * haut))
    zoom = math.floor(min(zoom_x, zoom_y) * 4) / 4
    cx, cy = (float(x0[0]) + float(x1[0])) / 2, (float(y0[0]) + float(y1[0])) / 2
    lon_c, lat_c = inverse_mercator(np.array([cx]), np.array([cy]))
    return (round(float(lat_c[0]), 5), round(float(lon_c[0]), 5)), max(min(zoom, 14.0), 3.0)
