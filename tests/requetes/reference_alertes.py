"""Calcul indépendant des neuf alertes, en Polars et numpy, directement sur les tables d'un jeu
(dict {table: DataFrame}) et le référentiel : sans DuckDB, sans SQL, sans ``requetes.alertes``.

Sert de référence aux tests de ``requetes.alertes`` (constats, leurs mesures et tableau par maille).
Distances : corde 3D sur la sphère unité (scipy cKDTree), convertie en arc — une autre implémentation
que celle de l'application (KDTree de scikit-learn) ; ``test_distances_contre_haversine_direct``
compare en plus l'application à la formule de haversine en force brute, sans arbre.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from scipy.spatial import cKDTree

from donnees import referentiel

RAYON_KM = 6371.0088
DEFAUTS = {
    "ml_sans_agent": {"seuil_etp": 0.0},
    "acces_eloigne": {"distance_km": 20.0},
    "orientation_delegation": {"facteur_pct": 50.0},
    "criteres_orientation": {"seuil_pct": 80.0},
    "double_perte": {"seuil_acceptation_pct": 80.0, "seuil_entree_pct": 80.0},
    "objectif_delegation": {"seuil_pct": 80.0},
}


def lire(dossier: Path) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_parquet(p) for p in Path(dossier).glob("*.parquet")}


def _xyz(lat, lon) -> np.ndarray:
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def plus_proche_km(lat, lon, lat_c, lon_c) -> np.ndarray:
    if len(lat_c) == 0:
        return np.full(len(lat), np.inf)
    corde, _ = cKDTree(_xyz(lat_c, lon_c)).query(_xyz(lat, lon), k=1)
    return 2 * RAYON_KM * np.arcsin(np.minimum(corde / 2, 1.0))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * RAYON_KM * np.arcsin(np.sqrt(a))


def _points(table: pl.DataFrame, communes: pl.DataFrame) -> pl.DataFrame:
    c = communes.select("code_commune", pl.col("latitude").alias("lat_c"), pl.col("longitude").alias("lon_c"))
    return (
        table.join(c, on="code_commune", how="left")
        .with_columns(pl.coalesce("latitude", "lat_c").alias("lat"), pl.coalesce("longitude", "lon_c").alias("lon"))
        .filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    )


def distances(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """code_commune, d_site, d_agence pour les communes du référentiel qui ont un point."""
    communes = referentiel.communes().filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    s = _points(t["sites_ml"], referentiel.communes())
    a = _points(t["agences"], referentiel.communes())
    lat, lon = communes["latitude"].to_numpy(), communes["longitude"].to_numpy()
    return communes.select("code_commune").with_columns(
        pl.Series("d_site", plus_proche_km(lat, lon, s["lat"].to_numpy(), s["lon"].to_numpy())),
        pl.Series("d_agence", plus_proche_km(lat, lon, a["lat"].to_numpy(), a["lon"].to_numpy())),
    )


def _en_vigueur(accords: pl.DataFrame, d: date) -> pl.DataFrame:
    debut = pl.coalesce("date_debut", "date_signature")
    return accords.filter(
        (pl.col("statut") == "signe")
        & (debut.is_null() | (debut <= d))
        & (pl.col("date_fin").is_null() | (pl.col("date_fin") >= d))
    )


# Mesures que chaque constat porte (requetes.alertes.SCHEMA_MESURES, plus valeur et reference), calculées ici.
SCHEMA_MESURES = {
    "valeur": pl.Float64, "reference": pl.Float64, "numerateur": pl.Float64, "denominateur": pl.Float64,
    "statuts": pl.List(pl.Utf8), "accords": pl.List(pl.Utf8), "manque_diagnostic": pl.Boolean,
    "manque_criteres": pl.Boolean, "manque_plan": pl.Boolean, "etp_compenses": pl.Float64,
    "distance_site_km": pl.Float64, "distance_agence_km": pl.Float64, "taux_acceptation": pl.Float64,
    "taux_entree": pl.Float64, "orientes": pl.Float64, "acceptes": pl.Float64, "entres": pl.Float64,
}


def constats(t: dict[str, pl.DataFrame], annee: int, parametres: dict | None = None,
             date_reference: date | None = None) -> pl.DataFrame:
    """alerte, code_objet, niveau, codes_ml (liste), code_departement, code_region, jeunes, puis les
    mesures de ``SCHEMA_MESURES`` (nulles quand l'alerte n'en porte pas)."""
    p = {k: {**v} for k, v in DEFAUTS.items()}
    for k, v in (parametres or {}).items():
        p[k].update(v)
    d_ref = date_reference or date(annee, 12, 31)
    com = referentiel.communes()
    deps = referentiel.departements()
    ml = t["missions_locales"].join(deps.select("code_departement", "code_region"), on="code_departement",
                                    how="left")
    terr = t["territoires_ml"]
    codes_ml_commune = terr.group_by("code_commune").agg(pl.col("code_ml").unique().sort().alias("codes_ml"))
    jeunes = (t["contexte"].filter(pl.col("annee") == annee).group_by("code_commune")
              .agg(pl.col("population_16_25").sum().alias("jeunes")))
    lignes = []

    def ajouter_ml(alerte: str, codes: list[str], mesures: dict[str, dict] | None = None) -> None:
        sel = ml.filter(pl.col("code_ml").is_in(codes))
        for r in sel.iter_rows(named=True):
            lignes.append(dict(alerte=alerte, code_objet=r["code_ml"], niveau="ml", codes_ml=[r["code_ml"]],
                               code_departement=r["code_departement"], code_region=r["code_region"], jeunes=None,
                               **(mesures or {}).get(r["code_ml"], {})))

    def ajouter_communes(alerte: str, codes: list[str], mesures: dict[str, dict] | None = None) -> None:
        sel = (com.filter(pl.col("code_commune").is_in(codes))
               .join(codes_ml_commune, on="code_commune", how="left")
               .join(jeunes, on="code_commune", how="left"))
        for r in sel.iter_rows(named=True):
            lignes.append(dict(alerte=alerte, code_objet=r["code_commune"], niveau="commune",
                               codes_ml=r["codes_ml"] or [], code_departement=r["code_departement"],
                               code_region=r["code_region"], jeunes=r["jeunes"],
                               **(mesures or {}).get(r["code_commune"], {})))

    def par_code(df: pl.DataFrame, cle: str, **colonnes: str) -> dict[str, dict]:
        """{code: {mesure: valeur}} depuis les colonnes de ``df`` (mesure=colonne)."""
        return {r[cle]: {m: r[c] for m, c in colonnes.items()} for r in df.iter_rows(named=True)}

    # 1. communes sans ML ou en double
    nb = terr.group_by("code_commune").agg(pl.col("code_ml").n_unique().alias("n"))
    couvertes = set(nb["code_commune"].to_list())
    doubles = set(nb.filter(pl.col("n") > 1)["code_commune"].to_list())
    nb_ml = dict(nb.iter_rows())
    ajouter_communes("communes_sans_ml",
                     [c for c in com["code_commune"].to_list() if c not in couvertes or c in doubles],
                     {c: {"valeur": float(nb_ml.get(c, 0))} for c in com["code_commune"].to_list()})
    # 2. sans accord en vigueur
    vig = _en_vigueur(t["accords"], d_ref)
    historique = t["accords"].group_by("code_ml").agg(pl.col("statut").unique().sort().alias("statuts"),
                                                       pl.len().cast(pl.Float64).alias("n"))
    connus = par_code(historique, "code_ml", statuts="statuts", valeur="n")
    ajouter_ml("ml_sans_accord", sorted(set(ml["code_ml"].to_list()) - set(vig["code_ml"].to_list())),
               {c: {"statuts": [], "valeur": 0.0, **connus.get(c, {})} for c in ml["code_ml"].to_list()})
    # 3. accord incomplet
    parml = vig.group_by("code_ml").agg(
        pl.col("diagnostic_partage").any().alias("d"), pl.col("criteres_orientation").any().alias("c"),
        pl.col("plan_actions").any().alias("p"), pl.col("id_accord").sort().alias("accords"))
    parml = parml.with_columns((~pl.col("d")).alias("md"), (~pl.col("c")).alias("mc"), (~pl.col("p")).alias("mp"))
    parml = parml.with_columns(pl.sum_horizontal(pl.col("md", "mc", "mp").cast(pl.Float64)).alias("n"))
    ajouter_ml("accord_incomplet",
               parml.filter(~(pl.col("d") & pl.col("c") & pl.col("p")))["code_ml"].to_list(),
               par_code(parml, "code_ml", accords="accords", manque_diagnostic="md", manque_criteres="mc",
                        manque_plan="mp", valeur="n"))
    # 4. sans agent
    alloc = t["allocations"].filter(pl.col("annee") == annee)
    avec = alloc.filter(pl.col("etp_affectes") > p["ml_sans_agent"]["seuil_etp"])["code_ml"].to_list()
    etp = {c: {**m, "reference": p["ml_sans_agent"]["seuil_etp"]} for c, m in par_code(
        alloc, "code_ml", valeur="etp_affectes", etp_compenses="etp_compenses").items()}
    ajouter_ml("ml_sans_agent", sorted(set(ml["code_ml"].to_list()) - set(avec)),
               {c: etp.get(c, {"reference": p["ml_sans_agent"]["seuil_etp"]}) for c in ml["code_ml"].to_list()})
    # 5. accès
    dist = distances(t)
    x = p["acces_eloigne"]["distance_km"]
    loin = dist.filter((pl.col("d_site") > x) | (pl.col("d_agence") > x))
    mesures = par_code(loin, "code_commune", distance_site_km="d_site", distance_agence_km="d_agence")
    for m in mesures.values():
        au_dela = [d for d in (m["distance_site_km"], m["distance_agence_km"]) if x < d < np.inf]
        m.update(valeur=max(au_dela) if au_dela else None, reference=x)
    ajouter_communes("acces_eloigne", loin["code_commune"].to_list(), mesures)
    # flux de délégation de l'année
    o = t["orientations"].filter((pl.col("sens") == "ft_vers_ml") & (pl.col("mois").dt.year() == annee))
    flux = o.group_by("code_ml").agg(
        pl.col("orientes").sum(), pl.col("acceptes").sum(), pl.col("entres").sum(),
        pl.col("orientes").filter(pl.col("motif").is_in(["difficultes_sociales", "eloignement_emploi"]))
        .sum().alias("orientes_motifs"))
    # 6. orientation en délégation
    de = (terr.join(t["contexte"].filter(pl.col("annee") == annee), on="code_commune", how="inner")
          .group_by("code_ml").agg(pl.col("demandeurs_emploi_moins_26").sum().alias("de")))
    taux = (ml.select("code_ml").join(de, on="code_ml", how="inner").join(flux, on="code_ml", how="left")
            .filter(pl.col("de") > 0)
            .with_columns((1000 * pl.col("entres").fill_null(0) / pl.col("de")).alias("taux")))
    if taux.height:
        med = taux["taux"].median()
        f = p["orientation_delegation"]["facteur_pct"] / 100
        taux = taux.with_columns(pl.col("entres").fill_null(0).cast(pl.Float64), pl.lit(med).alias("med"))
        ajouter_ml("orientation_delegation",
                   taux.filter((pl.col("taux") < f * med) | (pl.col("taux") > med / f))["code_ml"].to_list(),
                   par_code(taux, "code_ml", valeur="taux", numerateur="entres", denominateur="de", reference="med"))
    # 7. critères
    s7 = p["criteres_orientation"]["seuil_pct"]
    parts = flux.with_columns((100 * pl.col("orientes_motifs") / pl.col("orientes")).alias("part"), pl.lit(s7).alias("s"))
    ajouter_ml("criteres_orientation", parts.filter((pl.col("orientes") > 0) & (pl.col("part") > s7))["code_ml"].to_list(),
               par_code(parts, "code_ml", valeur="part", numerateur="orientes_motifs", denominateur="orientes",
                        reference="s"))
    # 8. double perte
    sa, se = p["double_perte"]["seuil_acceptation_pct"], p["double_perte"]["seuil_entree_pct"]
    acc = pl.when(pl.col("orientes") > 0).then(100 * pl.col("acceptes") / pl.col("orientes"))
    ent = pl.when(pl.col("acceptes") > 0).then(100 * pl.col("entres") / pl.col("acceptes"))
    taux8 = flux.with_columns(acc.alias("ta"), ent.alias("te"))
    taux8 = taux8.with_columns(pl.min_horizontal(pl.col("ta").fill_null(100.0), pl.col("te").fill_null(100.0)).alias("v"))
    ajouter_ml("double_perte", flux.filter((acc < sa).fill_null(False) | (ent < se).fill_null(False))
               ["code_ml"].to_list(),
               par_code(taux8, "code_ml", valeur="v", taux_acceptation="ta", taux_entree="te", orientes="orientes",
                        acceptes="acceptes", entres="entres"))
    # 9. objectif
    s9 = p["objectif_delegation"]["seuil_pct"]
    obj = alloc.filter(pl.col("objectif_entrees_delegation") > 0).join(
        flux.select("code_ml", "entres"), on="code_ml", how="left")
    obj = obj.with_columns(pl.col("entres").fill_null(0).cast(pl.Float64),
                           (100 * pl.col("entres").fill_null(0) / pl.col("objectif_entrees_delegation")).alias("r"),
                           pl.lit(s9).alias("s"))
    ajouter_ml("objectif_delegation", obj.filter(pl.col("r") < s9)["code_ml"].to_list(),
               par_code(obj, "code_ml", valeur="r", numerateur="entres", denominateur="objectif_entrees_delegation",
                        reference="s"))
    return pl.DataFrame(lignes, schema={"alerte": pl.Utf8, "code_objet": pl.Utf8, "niveau": pl.Utf8,
                                        "codes_ml": pl.List(pl.Utf8), "code_departement": pl.Utf8,
                                        "code_region": pl.Utf8, "jeunes": pl.Int64, **SCHEMA_MESURES})


def par_maille(c: pl.DataFrame, maille: str) -> dict[tuple[str, str], tuple[int, int]]:
    """{(code du territoire, alerte): (nombre d'objets, jeunes)} — seulement les couples non nuls."""
    if maille == "region":
        c = c.with_columns(pl.col("code_region").alias("t"))
    elif maille == "departement":
        c = c.with_columns(pl.col("code_departement").alias("t"))
    elif maille == "ml":
        c = c.explode("codes_ml").rename({"codes_ml": "t"}).filter(pl.col("t").is_not_null())
    else:
        c = c.with_columns(pl.lit("FR").alias("t"))
    g = c.group_by("t", "alerte").agg(pl.col("code_objet").n_unique().alias("n"),
                                      pl.col("jeunes").fill_null(0).sum().alias("j"))
    return {(r["t"], r["alerte"]): (r["n"], r["j"]) for r in g.iter_rows(named=True)}
