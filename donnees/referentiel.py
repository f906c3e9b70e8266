"""Référentiel géographique embarqué : communes, départements, régions et EPCI de France (DROM compris).

Les fichiers sont dans donnees/ref_geo/ (construits par ``python -m donnees.construire_referentiel``,
voir docs/referentiel.md). Lecture seule, sans réseau, sans Streamlit ; résultats mis en cache.
Les codes sont du texte avec zéros initiaux ("01001", "2A004", "97411", "2A", "971").
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import polars as pl

DOSSIER = Path(__file__).resolve().parent / "ref_geo"

_TABULAIRES = {
    "communes": "communes.parquet",
    "departements": "departements.parquet",
    "regions": "regions.parquet",
    "epci": "epci.parquet",
}
_GEOMETRIES = {
    "commune": "communes_geo.parquet",
    "departement": "departements_geo.parquet",
    "region": "regions_geo.parquet",
}
MAILLES_GEOMETRIE = tuple(_GEOMETRIES)


def _chemin(nom: str) -> Path:
    chemin = DOSSIER / nom
    if not chemin.is_file():
        raise FileNotFoundError(
            f"Référentiel géographique incomplet : fichier {chemin} absent. "
            "Reconstruisez-le avec « python -m donnees.construire_referentiel »."
        )
    return chemin


def fichiers_tabulaires() -> dict[str, Path]:
    """Chemins des fichiers Parquet tabulaires : clés "communes", "departements", "regions", "epci"."""
    return {cle: _chemin(nom) for cle, nom in _TABULAIRES.items()}


@cache
def communes() -> pl.DataFrame:
    """code_commune, nom_commune, code_departement, code_region, code_epci (nullable), population (Int64),
    latitude, longitude (point dans la commune, WGS84), superficie_km2."""
    return pl.read_parquet(_chemin(_TABULAIRES["communes"]))


@cache
def departements() -> pl.DataFrame:
    """code_departement, nom_departement, code_region."""
    return pl.read_parquet(_chemin(_TABULAIRES["departements"]))


@cache
def regions() -> pl.DataFrame:
    """code_region, nom_region."""
    return pl.read_parquet(_chemin(_TABULAIRES["regions"]))


@cache
def epci() -> pl.DataFrame:
    """code_epci, nom_epci, type_epci (CC, CA, CU, ME)."""
    return pl.read_parquet(_chemin(_TABULAIRES["epci"]))


@cache
def geometries(maille: str):
    """GeoDataFrame EPSG:4326 (colonnes "code", "geometry") pour maille "commune", "departement" ou "region".

    Géométries simplifiées en préservant la couverture : deux voisins partagent exactement leur frontière.
    Ne pas modifier l'objet renvoyé (il est mis en cache) : en faire une copie au besoin.
    """
    if maille not in _GEOMETRIES:
        raise ValueError(
            f"Maille géographique inconnue : {maille!r} ; attendu l'une de {', '.join(MAILLES_GEOMETRIE)}."
        )
    import geopandas as gpd  # import tardif : geopandas n'est utile qu'aux cartes

    gdf = gpd.read_parquet(_chemin(_GEOMETRIES[maille]))
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs("EPSG:4326", allow_override=True) if gdf.crs is None else gdf.to_crs("EPSG:4326")
    return gdf


@cache
def manifeste() -> dict:
    """Contenu de MANIFESTE.json (source, date de construction, comptes, tailles, tolérances)."""
    return json.loads(_chemin("MANIFESTE.json").read_text(encoding="utf-8"))
