"""Accès géographique des jeunes aux lieux d'accueil des Missions Locales et aux agences France Travail.

Distance à vol d'oiseau (formule de haversine, rayon terrestre moyen ``RAYON_TERRE_KM``) entre le point
de chaque commune du référentiel (un point situé dans la commune) et le lieu d'accueil ML ou l'agence
France Travail le plus proche. Un lieu sans coordonnées prend le point de sa commune (contrat).
La recherche du plus proche voisin passe par ``sklearn.neighbors.KDTree`` sur les points placés sur la
sphère unité (coordonnées cartésiennes) : la corde entre deux points croît avec leur distance sur la
sphère, le plus proche voisin est donc le même qu'en haversine, et la corde se convertit exactement en
arc (``2 R asin(c / 2)``). C'est le même résultat qu'un ``BallTree`` en métrique haversine, 20 à 40 fois
plus vite (pas de trigonométrie à chaque comparaison).

Les distances ne dépendent que du jeu (pas de l'année ni des seuils) : elles sont calculées une fois
par contenu des fichiers ``sites_ml`` et ``agences`` (cache en mémoire, clé : taille et empreinte SHA-256
de chaque fichier, voir ``donnees.cache.empreinte_fichier``), une seule fois même si plusieurs sessions
les demandent en même temps.

Ce module sert aussi les indicateurs communaux de la carte (mode « communes d'un territoire ») :
``INDICATEURS_COMMUNE`` et ``communes()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.neighbors import KDTree

from donnees.cache import CacheBorne
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint
from requetes.regles import ratio

RAYON_TERRE_KM = 6371.0088  # rayon moyen (UGGI)

# missions_locales : les communes mesurées sont celles du périmètre du jeu (communes_du_jeu()).
_FICHIERS_DISTANCES = ("sites_ml", "agences", "missions_locales")


def empreinte(jeu: JeuDeDonnees, tables: tuple[str, ...]) -> tuple:
    """Clé de cache du contenu de fichiers d'un jeu : ((nom, taille, empreinte SHA-256)...). Le contenu,
    pas la date (que ``cp -p`` ou ``rsync -a`` remettent) ; pas le dossier non plus : deux versions aux
    mêmes fichiers partagent leurs distances."""
    from donnees import cache

    elements = []
    for nom in tables:
        chemin = Path(jeu.dossier) / f"{nom}.parquet"
        try:
            elements.append((nom, chemin.stat().st_size, cache.empreinte_fichier(chemin)))
        except OSError:
            elements.append((nom, None, None))
    return tuple(elements)


def plus_proches(lat_lon_depart: np.ndarray, lat_lon_cibles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pour chaque point de départ (degrés, colonnes latitude, longitude), la distance en km au point
    cible le plus proche et son indice. Sans cible, distance infinie et indice -1."""
    depart = np.asarray(lat_lon_depart, dtype=float).reshape(-1, 2)
    cibles = np.asarray(lat_lon_cibles, dtype=float).reshape(-1, 2)
    if len(depart) == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    if len(cibles) == 0:
        return np.full(len(depart), np.inf), np.full(len(depart), -1, dtype=np.int64)
    arbre = KDTree(_sur_la_sphere(cibles))
    corde, idx = arbre.query(_sur_la_sphere(depart), k=1)
    arc = 2.0 * np.arcsin(np.clip(corde[:, 0] / 2.0, 0.0, 1.0))
    return arc * RAYON_TERRE_KM, idx[:, 0].astype(np.int64)


def _sur_la_sphere(lat_lon: np.ndarray) -> np.ndarray:
    """Points (latitude, longitude en degrés) sur la sphère unité, en coordonnées cartésiennes."""
    lat, lon = np.radians(lat_lon[:, 0]), np.radians(lat_lon[:, 1])
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


@restreint
def rattachements(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Table code_commune, code_ml (territoires_ml), pour les polygones des ML."""
    return jeu.requete("acces_rattachements")


@restreint
def sites(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Lieux d'accueil des ML : id_site, code_ml, nom_ml, type_site, code_commune, nom_commune,
    code_departement, code_region, latitude, longitude, position_commune (vrai si le point est celui
    de la commune)."""
    return jeu.requete("acces_sites")


@restreint
def agences(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Agences France Travail : code_agence, nom_agence, code_commune, nom_commune, code_departement,
    code_region, latitude, longitude, position_commune."""
    return jeu.requete("acces_agences")


_TAILLE_CACHE = 8
_CACHE_DISTANCES = CacheBorne(_TAILLE_CACHE)  # sûr entre fils : un seul calcul par clé


def _calculer_distances(jeu: JeuDeDonnees) -> pl.DataFrame:
    communes = jeu.requete("acces_communes", {"annee": 0}).select("code_commune", "latitude", "longitude")
    avec_point = communes.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    points = avec_point.select("latitude", "longitude").to_numpy()
    s = sites(jeu)
    a = agences(jeu)
    d_site, i_site = plus_proches(points, s.select("latitude", "longitude").to_numpy())
    d_agence, i_agence = plus_proches(points, a.select("latitude", "longitude").to_numpy())
    ids_sites = np.array(s["id_site"].to_list() + [None], dtype=object)
    codes_agences = np.array(a["code_agence"].to_list() + [None], dtype=object)
    calculees = avec_point.select("code_commune").with_columns(
        pl.Series("distance_site_km", d_site, dtype=pl.Float64),
        pl.Series("id_site_proche", ids_sites[i_site].tolist(), dtype=pl.Utf8),
        pl.Series("distance_agence_km", d_agence, dtype=pl.Float64),
        pl.Series("code_agence_proche", codes_agences[i_agence].tolist(), dtype=pl.Utf8),
    )
    # communes sans point dans le référentiel : distances inconnues (NULL)
    return communes.select("code_commune").join(calculees, on="code_commune", how="left")


@restreint
def distances(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Pour chaque commune du référentiel : code_commune, distance_site_km, id_site_proche,
    distance_agence_km, code_agence_proche. Distance infinie s'il n'y a aucun lieu d'accueil (aucune
    agence) dans le jeu ; NULL si la commune n'a pas de point dans le référentiel.
    Calculé une fois par état des fichiers sites_ml et agences."""
    cle = (empreinte(jeu, _FICHIERS_DISTANCES), couverture(jeu).national)  # communes mesurées : celles du jeu
    return _CACHE_DISTANCES.lire(cle, lambda: _calculer_distances(jeu))


@restreint
def distances_communes(jeu: JeuDeDonnees, annee: int) -> pl.DataFrame:
    """Communes du référentiel avec leur point, leurs ML, leurs jeunes de 16 à 25 ans (année ``annee``)
    et leurs distances au lieu d'accueil ML et à l'agence les plus proches :
    code_commune, nom_commune, code_departement, code_region, latitude, longitude, codes_ml, jeunes,
    distance_site_km, id_site_proche, distance_agence_km, code_agence_proche."""
    communes = jeu.requete("acces_communes", {"annee": int(annee)})
    return communes.join(distances(jeu), on="code_commune", how="left")


# --------------------------------------------------------------------------------------------
# Indicateurs communaux (carte : communes d'un département ou d'une ML)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicateurCommune:
    code: str
    libelle: str
    unite: str
    sens: int  # +1 plus c'est haut mieux c'est, -1 l'inverse, 0 neutre
    definition: str


INDICATEURS_COMMUNE: dict[str, IndicateurCommune] = {
    i.code: i
    for i in (
        IndicateurCommune(
            "population_16_25", "Jeunes de 16 à 25 ans", "jeunes", 0,
            "Population de 16 à 25 ans de la commune (contexte, année choisie).",
        ),
        IndicateurCommune(
            "part_neet", "Part de jeunes ni en emploi, ni en études, ni en formation", "%", -1,
            "Jeunes NEET ÷ jeunes de 16 à 25 ans de la commune (contexte, année choisie).",
        ),
        IndicateurCommune(
            "demandeurs_emploi_moins_26", "Demandeurs d'emploi de moins de 26 ans", "jeunes", 0,
            "Inscrits à France Travail de moins de 26 ans domiciliés dans la commune (contexte).",
        ),
        IndicateurCommune(
            "distance_site_km", "Distance au lieu d'accueil ML le plus proche", "km", -1,
            "Distance à vol d'oiseau entre le point de la commune et le lieu d'accueil (siège, antenne "
            "ou permanence) de Mission Locale le plus proche, quelle que soit sa ML.",
        ),
        IndicateurCommune(
            "distance_agence_km", "Distance à l'agence France Travail la plus proche", "km", -1,
            "Distance à vol d'oiseau entre le point de la commune et l'agence France Travail la plus "
            "proche.",
        ),
    )
}


@restreint
def communes(jeu: JeuDeDonnees, annee: int, code_departement: str | None = None,
             code_ml: str | None = None) -> pl.DataFrame:
    """Les communes d'un département (référentiel) ou du territoire d'une ML (territoires_ml), avec
    leurs indicateurs communaux : code, nom, code_departement, code_region, codes_ml, noms_ml,
    latitude, longitude, une colonne par code de ``INDICATEURS_COMMUNE`` (NULL si inconnu)."""
    if (code_departement is None) == (code_ml is None):
        raise ValueError("Indiquer un département ou une Mission Locale (et un seul).")
    base = jeu.requete(
        "acces_contexte_communes",
        {"annee": int(annee), "code_departement": code_departement, "code_ml": code_ml},
    )
    return base.join(distances(jeu), on="code_commune", how="left").select(
        pl.col("code_commune").alias("code"),
        pl.col("nom_commune").alias("nom"),
        "code_departement",
        "code_region",
        "codes_ml",
        "noms_ml",
        "latitude",
        "longitude",
        "population_16_25",
        ratio("jeunes_neet", "population_16_25", 100.0).alias("part_neet"),
        "demandeurs_emploi_moins_26",
        "distance_site_km",
        "distance_agence_km",
    )
