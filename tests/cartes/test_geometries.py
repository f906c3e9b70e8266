"""Géométries de la carte : polygones des ML (réunion des communes), simplification qui garde la
couverture, encarts des DROM, arrondi, cache."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import polars as pl
import pytest
import shapely

from cartes import drom, geometries
from donnees import referentiel
from tests.fabrique import COMMUNES_ML_A, COMMUNES_ML_B
from tests.outils_fils import en_meme_temps


def _rattachement(paires: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, m) for m, communes in paires.items() for c in communes], schema=["code_commune", "code_ml"], orient="row"
    )


@pytest.fixture(scope="module")
def ratt_minimal() -> pl.DataFrame:
    return _rattachement({"MLA": COMMUNES_ML_A, "MLB": COMMUNES_ML_B})


def test_polygone_ml_est_la_reunion_de_ses_communes(ratt_minimal):
    g = geometries.geometries_ml(ratt_minimal)
    assert g["code"].tolist() == ["MLA", "MLB"]
    communes = referentiel.geometries("commune")
    for ml, codes in (("MLA", COMMUNES_ML_A), ("MLB", COMMUNES_ML_B)):
        union = shapely.union_all(communes[communes["code"].isin(codes)].geometry.values)
        poly = g[g["code"] == ml].geometry.iloc[0]
        assert poly.is_valid
        assert poly.symmetric_difference(union).area < 1e-9 * max(union.area, 1e-12) + 1e-12
    assert g.set_index("code").loc["MLB", "drom"] == "971"
    assert pd.isna(g.set_index("code").loc["MLA", "drom"])
    assert g.set_index("code").loc["MLA", "nb_communes"] == 10


def test_cache_par_empreinte(ratt_minimal):
    a = geometries.geometries_ml(ratt_minimal)
    t = time.perf_counter()
    b = geometries.geometries_ml(ratt_minimal.sample(fraction=1.0, shuffle=True, seed=3))
    assert b is a  # même rattachement (ordre indifférent) : même objet, sans recalcul
    assert time.perf_counter() - t < 0.5
    autre = geometries.geometries_ml(ratt_minimal.filter(pl.col("code_ml") == "MLA"))
    assert autre is not a and autre["code"].tolist() == ["MLA"]


@pytest.mark.parametrize("maille", ["region", "departement"])
def test_mailles_du_referentiel_pour_le_navigateur(maille):
    g = geometries.geometries_navigateur(maille)
    ref = referentiel.geometries(maille)
    assert sorted(g["code"]) == sorted(ref["code"])
    assert g is geometries.geometries_navigateur(maille)  # en cache
    geoms = g.geometry.values
    assert all(x.geom_type in ("Polygon", "MultiPolygon") and not x.is_empty for x in geoms)
    # 3 décimales au plus
    coords = shapely.get_coordinates(geoms)
    assert np.allclose(coords, np.round(coords, 3), atol=1e-12)
    # métropole : la couverture est gardée (pas de recouvrement notable entre voisins)
    metro = g[g["drom"].isna()].geometry.values
    somme = shapely.area(metro).sum()
    assert shapely.union_all(metro).area == pytest.approx(somme, rel=2e-3)


def test_drom_dans_leurs_encarts():
    g = geometries.geometries_navigateur("departement").set_index("code")
    for code, e in drom.ENCARTS.items():
        cadre = shapely.box(*e.cadre)
        geom = g.loc[code, "geometry"]
        assert cadre.contains(geom), code
        # le territoire remplit son cadre (marge comprise) dans au moins une direction
        x0, y0, x1, y1 = geom.bounds
        assert (x1 - x0) / (e.cadre[2] - e.cadre[0]) > 0.6 or (y1 - y0) / (e.cadre[3] - e.cadre[1]) > 0.6
    metro = shapely.union_all(g[g["drom"].isna()].geometry.values)
    for _, cadre in drom.cadres():
        assert not metro.intersects(cadre)
    # les cadres restent dans l'emprise « France entière »
    (lat0, lon0), (lat1, lon1) = drom.BORNES_FRANCE
    for e in drom.ENCARTS.values():
        assert lon0 <= e.cadre[0] and e.cadre[2] <= lon1 and lat0 <= e.cadre[1] and e.cadre[3] <= lat1


def test_mercator_aller_retour_et_points():
    lon = np.array([-61.5, 2.35, 55.5, 45.1])
    lat = np.array([16.2, 48.85, -21.1, -12.8])
    x, y = drom.mercator(lon, lat)
    lon2, lat2 = drom.inverse_mercator(x, y)
    assert np.allclose(lon, lon2) and np.allclose(lat, lat2)
    la, lo = drom.deplacer_points(lat, lon, ["971", None, "974", "976"])
    assert (la[1], lo[1]) == (48.85, 2.35)  # métropole : inchangé
    for i, code in ((0, "971"), (2, "974"), (3, "976")):
        c = drom.ENCARTS[code].cadre
        assert c[0] <= lo[i] <= c[2] and c[1] <= la[i] <= c[3]
    # un point et le polygone de sa commune subissent la même transformation
    com = referentiel.communes().filter(pl.col("code_commune") == "97101").row(0, named=True)
    poly = geometries.geometries_communes(["97101"]).geometry.iloc[0]
    la2, lo2 = drom.deplacer_points([com["latitude"]], [com["longitude"]], ["971"])
    assert poly.buffer(1e-3).contains(shapely.Point(lo2[0], la2[0]))


def test_departement_drom():
    assert drom.departement_drom("97411", "commune") == "974"
    assert drom.departement_drom("04", "region") == "974"
    assert drom.departement_drom("971", "departement") == "971"
    assert drom.departement_drom("75056", "commune") is None
    assert drom.departement_drom("11", "region") is None
    assert drom.departement_drom(None, "region") is None


def test_communes_non_couvertes_par_departement():
    codes = ["90001", "90002", "97101"]
    g = geometries.geometries_non_couvertes(codes)
    assert g["code"].tolist() == ["90", "971"]
    assert g["nb_communes"].tolist() == [2, 1]
    assert g.set_index("code").loc["971", "drom"] == "971"


def test_ml_a_la_maille_navigateur_demo(demo_geometries):
    g, ratt = demo_geometries
    nb_ml = ratt["code_ml"].n_unique()
    assert len(g) == nb_ml >= 400
    assert set(g["drom"].dropna()) == set(drom.ENCARTS)  # chaque DROM a au moins une ML dessinée
    assert all(x.geom_type in ("Polygon", "MultiPolygon") and not x.is_empty for x in g.geometry.values)
    texte = json.dumps(json.loads(shapely.to_geojson(shapely.GeometryCollection(list(g.geometry.values)))),
                       separators=(",", ":"))
    assert len(texte.encode()) < 1_000_000  # géométries seules de la France entière à la maille ML


def test_zoom_pour():
    (lat, lon), z = drom.zoom_pour(((48.0, 2.0), (49.0, 3.0)), 700, 560)
    assert lat == pytest.approx(48.5, abs=0.05) and lon == pytest.approx(2.5)
    assert 7 <= z <= 9


@pytest.fixture(scope="module")
def demo_geometries():
    from requetes import acces
    from requetes.jeu import JeuDeDonnees
    from tests.cartes.jeux import dossier_demo

    jeu = JeuDeDonnees(dossier_demo())
    ratt = acces.rattachements(jeu)
    return geometries.geometries_navigateur("ml", ratt), ratt


def test_geometries_navigateur_relues_sur_disque(tmp_path, monkeypatch):
    # Un nouveau processus serveur relit les polygones simplifiés au lieu de les recalculer ; un
    # fichier de cache illisible est recalculé.
    from cartes import geometries as g

    monkeypatch.setenv("TDB_CACHE", str(tmp_path / "cache"))
    calcule = g._sur_disque("departement", None, lambda: g._pour_navigateur("departement", None))

    def interdit():
        raise AssertionError("recalcul alors que le cache disque est rempli")

    relu = g._sur_disque("departement", None, interdit)
    assert relu["code"].tolist() == calcule["code"].tolist()
    assert relu["drom"].tolist() == calcule["drom"].tolist() or \
        relu["drom"].fillna("").tolist() == calcule["drom"].fillna("").tolist()
    assert relu.geometry.geom_equals_exact(calcule.geometry, 0).all()
    assert relu.crs == calcule.crs
    # une autre empreinte de rattachement (autre jeu) ne lit pas ce fichier
    with pytest.raises(AssertionError, match="recalcul"):
        g._sur_disque("departement", "autre", interdit)
    for p in (tmp_path / "cache" / "geometries").glob("*.parquet"):
        p.write_bytes(b"abime")
    assert g._sur_disque("departement", None, lambda: calcule)["code"].tolist() == calcule["code"].tolist()


def test_geometries_ml_calculees_une_fois_pour_huit_sessions(monkeypatch):
    """Huit sessions demandent en même temps les polygones d'un rattachement nouveau : une seule réunion
    des communes, et tous reçoivent le même résultat complet."""
    vraie = geometries._calculer_ml
    calculs = []

    def lente(rattachement):
        calculs.append(1)
        time.sleep(0.3)
        return vraie(rattachement)

    monkeypatch.setattr(geometries, "_calculer_ml", lente)
    ratt = _rattachement({"MLX": COMMUNES_ML_A[:4], "MLY": COMMUNES_ML_A[4:]})  # jamais vu : pas en cache
    resultats = en_meme_temps(8, lambda: geometries.geometries_ml(ratt), delai_s=60)
    assert len(calculs) == 1
    assert all(r is resultats[0] for r in resultats)
    assert resultats[0]["code"].tolist() == ["MLX", "MLY"]
