"""Géométries des mailles de la carte, prêtes pour le navigateur.

- Région, département, commune : référentiel embarqué (``donnees.referentiel.geometries``), dont les
  frontières communes coïncident exactement (couverture).
- Mission Locale : réunion des communes de son territoire (``territoires_ml``) par
  ``shapely.coverage_union_all`` (rapide et exacte sur une couverture).
- Pour le navigateur : simplification qui préserve la couverture (``shapely.coverage_simplify`` : les
  voisins gardent une frontière commune, sans trou ni recouvrement), DROM déplacés dans leurs encarts
  (``cartes.drom``), coordonnées arrondies (3 décimales ≈ 100 m à la maille France entière, 4 pour les
  communes).

Tout est calculé une fois et gardé en cache (``functools.lru_cache`` et de petits caches par empreinte
du rattachement des communes, ``donnees.cache.CacheBorne`` : un seul calcul par clé même si plusieurs
sessions la demandent en même temps) : ne pas modifier les objets rendus.
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import polars as pl
import shapely

from cartes import drom
from donnees import referentiel
from donnees.cache import CacheBorne

# Tolérance de simplification pour l'affichage (degrés) et décimales gardées, par maille.
TOLERANCES = {"region": 0.01, "departement": 0.008, "ml": 0.008, "commune": 0.0}
DECIMALES = {"region": 3, "departement": 3, "ml": 3, "commune": 4, "non_couvertes": 3}
TOLERANCE_NON_COUVERTES = 0.008
MAILLES_CARTE = ("region", "departement", "ml")
_TAILLE_CACHE = 6


def arrondir(geoms: np.ndarray, decimales: int) -> np.ndarray:
    """Arrondit les coordonnées (np.round : le texte JSON reste court, « 6.863 »)."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: np.round(c, decimales))


@cache
def _communes() -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """(codes, géométries, index code -> rang) des communes qui ont une géométrie."""
    g = referentiel.geometries("commune")
    codes = np.asarray(g["code"].astype(str).to_numpy(), dtype=object)
    geoms = np.asarray(g.geometry.values, dtype=object)
    return codes, geoms, {c: i for i, c in enumerate(codes)}


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Garde la partie surfacique de chaque géométrie (``make_valid`` après arrondi peut laisser des
    lignes ou des points dégénérés dans une collection)."""
    geoms = shapely.make_valid(np.asarray(geoms, dtype=object))
    sortie = np.empty(len(geoms), dtype=object)
    for i, g in enumerate(geoms):
        if g is None or g.geom_type in ("Polygon", "MultiPolygon"):
            sortie[i] = g
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            sortie[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return sortie


def _gdf(codes, geoms, **colonnes) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": list(codes), **colonnes}, geometry=list(geoms), crs="EPSG:4326")


# --------------------------------------------------------------------------------------------
# Missions Locales : réunion des communes
# --------------------------------------------------------------------------------------------


def empreinte_rattachement(rattachement: pl.DataFrame) -> str:
    """Empreinte (sha1) d'une table code_commune, code_ml : clé de cache des polygones des ML."""
    texte = "\n".join(
        f"{c};{m}" for c, m in rattachement.select("code_commune", "code_ml").sort("code_commune", "code_ml").iter_rows()
    )
    return hashlib.sha1(texte.encode("utf-8")).hexdigest()


# Sûrs entre fils (verrou par clé) : sans verrou, des sessions simultanées refaisaient chacune la
# réunion des communes, et l'éviction de l'une pouvait retirer la clé qu'une autre venait de vérifier.
_CACHE_ML = CacheBorne(_TAILLE_CACHE)
_CACHE_NAVIGATEUR = CacheBorne(_TAILLE_CACHE)
_CACHE_NON_COUVERTES = CacheBorne(_TAILLE_CACHE)


def _groupes(rattachement: pl.DataFrame) -> dict[str, list[int]]:
    _, _, index = _communes()
    groupes: dict[str, list[int]] = {}
    for commune, ml in rattachement.select("code_commune", "code_ml").iter_rows():
        i = index.get(commune)
        if i is not None:
            groupes.setdefault(ml, []).append(i)
    return groupes


def _departement_majoritaire(codes_communes: np.ndarray) -> str:
    deps = [drom.departement_drom(c, "commune") or "metropole" for c in codes_communes]
    valeurs, comptes = np.unique(np.array(deps, dtype=object), return_counts=True)
    return str(valeurs[int(np.argmax(comptes))])


def _calculer_ml(rattachement: pl.DataFrame) -> gpd.GeoDataFrame:
    codes_c, geoms_c, _ = _communes()
    groupes = _groupes(rattachement)
    codes = sorted(groupes)
    geoms = [shapely.coverage_union_all(geoms_c[groupes[m]]) for m in codes]
    deps = [_departement_majoritaire(codes_c[groupes[m]]) for m in codes]
    return _gdf(codes, geoms, drom=[d if d in drom.ENCARTS else None for d in deps],
                nb_communes=[len(groupes[m]) for m in codes])


def geometries_ml(rattachement: pl.DataFrame) -> gpd.GeoDataFrame:
    """Polygones des ML (pleine précision du référentiel) : code (code_ml), drom (département
    d'outre-mer ou None), nb_communes, geometry. Une ML sans commune géolocalisée n'a pas de ligne."""
    cle = empreinte_rattachement(rattachement)
    return _CACHE_ML.lire(cle, lambda: _calculer_ml(rattachement))


# --------------------------------------------------------------------------------------------
# Géométries pour le navigateur
# --------------------------------------------------------------------------------------------


def _simplifier(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    if tolerance <= 0 or len(geoms) == 0:
        return geoms
    if shapely.coverage_is_valid(geoms):
        return shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    # couverture invalide (ML qui se chevauchent : jeu non conforme) : simplification une à une
    return shapely.simplify(geoms, tolerance, preserve_topology=True)


def _pour_navigateur(maille: str, rattachement: pl.DataFrame | None) -> gpd.GeoDataFrame:
    if maille == "ml":
        if rattachement is None:
            raise ValueError("La maille ML demande le rattachement des communes (territoires_ml).")
        source = geometries_ml(rattachement)
        deps = source["drom"].tolist()
    elif maille in ("region", "departement"):
        source = referentiel.geometries(maille)
        deps = [drom.departement_drom(c, maille) for c in source["code"]]
    else:
        raise ValueError(f"Maille de carte inconnue : {maille!r} (attendu : {', '.join(MAILLES_CARTE)})")
    geoms = np.asarray(source.geometry.values, dtype=object)
    geoms = _simplifier(geoms, TOLERANCES[maille])
    geoms = drom.deplacer_geometries(geoms, deps)
    geoms = polygonal(arrondir(geoms, DECIMALES[maille]))
    return _gdf(source["code"].astype(str).tolist(), geoms, drom=deps)


_CODE_GEOMETRIES = (Path(__file__), Path(__file__).with_name("drom.py"),
                    Path(__file__).resolve().parent.parent / "donnees" / "ref_geo" / "MANIFESTE.json")


def _sur_disque(maille: str, empreinte: str | None, calcul) -> gpd.GeoDataFrame:
    """``calcul()`` gardé aussi sur disque (GeoParquet, ``donnees.cache``) : la réunion des communes en
    territoires d'ML et la simplification prennent quelques secondes à chaque démarrage du serveur, alors
    qu'elles ne dépendent que du rattachement des communes et de ce code."""
    from donnees import cache

    try:
        cle_ = cache.empreinte_textes([maille, empreinte or "", cache.empreinte_fichiers_code(_CODE_GEOMETRIES)])
        chemin = cache.chemin("geometries", cle_, "parquet", prefixe=maille)
    except OSError:
        return calcul()
    if chemin.is_file():
        try:
            return gpd.read_parquet(chemin)
        except Exception:  # fichier de cache illisible : on recalcule
            pass
    gdf = calcul()
    cache.ecrire_atomique(chemin, lambda temporaire: gdf.to_parquet(temporaire, index=False))
    return gdf


def geometries_navigateur(maille: str, rattachement: pl.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Géométries simplifiées d'une maille ("region", "departement", "ml"), DROM dans leurs encarts,
    coordonnées arrondies : code, drom, geometry. Calculées une fois (cache en mémoire et sur disque)."""
    empreinte = empreinte_rattachement(rattachement) if maille == "ml" and rattachement is not None else None
    return _CACHE_NAVIGATEUR.lire(
        (maille, empreinte), lambda: _sur_disque(maille, empreinte, lambda: _pour_navigateur(maille, rattachement)))


@lru_cache(maxsize=32)
def _communes_navigateur(codes: tuple[str, ...]) -> gpd.GeoDataFrame:
    codes_c, geoms_c, index = _communes()
    rangs = [index[c] for c in codes if c in index]
    choisies = codes_c[rangs]
    deps = [drom.departement_drom(c, "commune") for c in choisies]
    geoms = drom.deplacer_geometries(geoms_c[rangs], deps)
    geoms = arrondir(geoms, DECIMALES["commune"])
    return _gdf(choisies.tolist(), geoms, drom=deps)


def geometries_communes(codes) -> gpd.GeoDataFrame:
    """Géométries des communes demandées (celles qui en ont une), DROM dans leurs encarts : code,
    drom, geometry. Pour le zoom sur un département ou une ML."""
    return _communes_navigateur(tuple(sorted(set(codes))))


def _calculer_non_couvertes(codes_non_couverts: tuple[str, ...]) -> gpd.GeoDataFrame:
    _codes_c, geoms_c, index = _communes()
    par_dep: dict[str, list[int]] = {}
    for c in codes_non_couverts:
        i = index.get(c)
        if i is not None:
            par_dep.setdefault(referentiel_departement(c), []).append(i)
    deps = sorted(par_dep)
    geoms = np.array([shapely.coverage_union_all(geoms_c[par_dep[d]]) for d in deps], dtype=object)
    geoms = _simplifier(geoms, TOLERANCE_NON_COUVERTES) if len(geoms) else geoms
    drom_deps = [d if d in drom.ENCARTS else None for d in deps]
    geoms = drom.deplacer_geometries(geoms, drom_deps)
    geoms = polygonal(arrondir(geoms, DECIMALES["non_couvertes"]))
    return _gdf(deps, geoms, drom=drom_deps, nb_communes=[len(par_dep[d]) for d in deps])


@cache
def _departement_des_communes() -> dict[str, str]:
    c = referentiel.communes()
    return dict(zip(c["code_commune"].to_list(), c["code_departement"].to_list()))


def referentiel_departement(code_commune: str) -> str:
    return _departement_des_communes().get(code_commune, code_commune[:2])


def geometries_non_couvertes(codes_communes) -> gpd.GeoDataFrame:
    """Communes sans Mission Locale réunies par département (une géométrie par département) :
    code (département), drom, nb_communes, geometry. Pour la couche « trous de couverture »."""
    cle = tuple(sorted(set(codes_communes)))
    empreinte = hashlib.sha1("\n".join(cle).encode("utf-8")).hexdigest()
    return _CACHE_NON_COUVERTES.lire(empreinte, lambda: _calculer_non_couvertes(cle))


def bornes(gdf: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """((lat_min, lon_min), (lat_max, lon_max)) d'un ensemble de géométries (affichées)."""
    x0, y0, x1, y1 = gdf.total_bounds
    return (float(y0), float(x0)), (float(y1), float(x1))
