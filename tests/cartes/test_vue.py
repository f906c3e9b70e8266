"""Ce que la carte montre (cartes/vue.py) : tout territoire de chaque maille, valeurs du registre,
rangs, classes, alertes, points, détail d'un territoire — confrontés aux requêtes et au référentiel."""

from __future__ import annotations

import json

import polars as pl
import pytest

from cartes import drom, vue
from donnees import referentiel
from requetes import acces, alertes, indicateurs
from requetes.jeu import JeuDeDonnees
from tests.fabrique import COMMUNES_ML_A, ecrire_jeu, jeu_minimal


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("vue_minimal"), jeu_minimal()))


@pytest.fixture(scope="module")
def demo():
    from tests.cartes.jeux import dossier_demo

    return JeuDeDonnees(dossier_demo())


def _features(v: vue.VueCarte) -> dict[str, dict]:
    return {f["properties"]["code"]: f for f in json.loads(v.choroplethe)["features"]}


@pytest.mark.parametrize(("maille", "attendu"), [("region", 18), ("departement", 101)])
def test_toutes_les_regions_et_departements(minimal, maille, attendu):
    v = vue.vue_indicateur(minimal, 2024, maille, "taux_acceptation", "quantiles", 5)
    assert v.nb_polygones == attendu == len(_features(v))
    # le jeu minimal n'a de données que dans 2 départements : les autres sont « Non disponible »
    avec = v.territoires.filter(pl.col("valeur").is_not_null())
    ref = indicateurs.valeurs(minimal, maille, 2024, indicateurs=["taux_acceptation"])
    assert dict(zip(avec["code"], avec["valeur"])) == pytest.approx(dict(zip(ref["code"], ref["valeur"])))
    assert v.classement.nb_absents == attendu - avec.height
    f = _features(v)
    absent = next(c for c in f if c not in set(avec["code"].to_list()))
    assert f[absent]["properties"]["v"] == "—" and f[absent]["properties"]["c"] == "#E5E5E5"


def test_valeurs_rangs_et_infobulles_maille_ml(demo):
    v = vue.vue_indicateur(demo, 2025, "ml", "taux_acceptation", "seuils_naturels", 6)
    ref = indicateurs.valeurs(demo, "ml", 2025, indicateurs=["taux_acceptation"])
    assert v.nb_polygones == ref.height >= 400 and v.sans_geometrie == []
    t = v.territoires
    assert dict(zip(t["code"], t["valeur"])) == pytest.approx(dict(zip(ref["code"], ref["valeur"])), nan_ok=True)
    # rang 1 = valeur la plus haute (sens +1), calcul indépendant
    attendu = ref.filter(pl.col("valeur").is_not_null()).with_columns(
        pl.col("valeur").rank("min", descending=True).cast(pl.Int64).alias("r"))
    assert dict(zip(t["code"], t["rang"])) == {**dict(zip(attendu["code"], attendu["r"])),
                                               **{c: None for c in ref.filter(pl.col("valeur").is_null())["code"]}}
    features = _features(v)
    premier = t.filter(pl.col("rang") == 1).row(0, named=True)
    f = features[premier["code"]]["properties"]
    assert f["r"] == f"1er sur {t['valeur'].drop_nulls().len()}"
    assert f["v"].endswith("\u00a0%")
    # chaque polygone a la couleur de sa classe
    for code, classe in zip(t["code"], t["classe"]):
        assert features[code]["properties"]["c"] == v.classement.couleur(classe)
    # DROM : des ML dessinées dans chaque encart
    dans_encarts = {d for d in (drom.departement_drom(c, "departement") for c in
                                indicateurs.missions_locales(demo)["code_departement"]) if d}
    assert dans_encarts == set(drom.ENCARTS)


def test_indicateur_inconnu(minimal):
    with pytest.raises(Exception, match="Indicateur inconnu"):
        vue.vue_indicateur(minimal, 2024, "region", "pas_un_indicateur", "quantiles", 5)
    with pytest.raises(ValueError, match="Maille de carte inconnue"):
        vue.vue_indicateur(minimal, 2024, "canton", "taux_acceptation", "quantiles", 5)


def test_filtre_region(demo):
    v = vue.vue_indicateur(demo, 2025, "departement", "taux_acceptation", "quantiles", 5, code_region="53")
    deps = referentiel.departements().filter(pl.col("code_region") == "53")["code_departement"].to_list()
    assert sorted(v.territoires["code"].to_list()) == sorted(deps)
    assert v.bornes != vue.cadrage_france()


def test_communes_d_un_departement(minimal):
    v = vue.vue_indicateur(minimal, 2024, None, "distance_site_km", "quantiles", 4, focus_maille="departement",
                           focus_code="90")
    n_90 = referentiel.communes().filter(pl.col("code_departement") == "90").height
    assert v.maille == "commune" and v.nb_polygones == n_90
    d = acces.distances(minimal)
    t = v.territoires.join(d, left_on="code", right_on="code_commune")
    assert t["valeur"].to_list() == pytest.approx(t["distance_site_km"].to_list())
    # les communes sans ML du département sont entourées
    contour = [a for k, a in v.couches if k == "contours"]
    assert contour and len(json.loads(contour[0]["donnees"])["features"]) == n_90 - 10
    f = _features(v)
    assert f["90010"]["properties"]["x"] == "Mission Locale : Mission Locale de Belfort"
    assert f["90001"]["properties"]["x"] == "Mission Locale : Mission Locale de Belfort"


def test_communes_d_une_ml(minimal):
    v = vue.vue_indicateur(minimal, 2024, None, "population_16_25", "quantiles", 3, focus_maille="ml",
                           focus_code="MLA")
    assert sorted(v.territoires["code"].to_list()) == sorted(COMMUNES_ML_A)
    # population du contexte : 1000 + 100 × rang de la commune dans la fabrique
    assert dict(zip(v.territoires["code"], v.territoires["valeur"])) == {
        c: 1000 + 100 * i for i, c in enumerate(COMMUNES_ML_A)}
    with pytest.raises(ValueError, match="Indicateur communal inconnu"):
        vue.vue_indicateur(minimal, 2024, None, "taux_acceptation", "quantiles", 3, focus_maille="ml",
                           focus_code="MLA")


def test_alertes_nombre_par_territoire(demo):
    v = vue.vue_alertes(demo, 2025, "ml")
    s = alertes.synthese(demo, "ml", 2025)
    assert dict(zip(v.territoires["code"], v.territoires["valeur"])) == {
        c: float(n) for c, n in zip(s["code"], s["nb_alertes"])}
    assert v.classement.libelles[0] == "Aucune alerte"
    # les communes sans ML sont dessinées (surfaces et points)
    non = alertes.constats(demo, 2025, alertes=["communes_sans_ml"])
    points = [a for k, a in v.couches if k == "points"]
    assert len(json.loads(points[0]["donnees"])) == non.filter(pl.col("cas") == "non_couverte").height >= 1
    assert any("Communes sans Mission Locale" in lib for _, lib in v.surfaces_legende)


def test_alerte_seule_et_acces(demo):
    v = vue.vue_alertes(demo, 2025, "departement", "acces_eloigne", {"acces_eloigne": {"distance_km": 15.0}})
    s = alertes.synthese(demo, "departement", 2025, {"acces_eloigne": {"distance_km": 15.0}})
    assert dict(zip(v.territoires["code"], v.territoires["valeur"])) == {
        c: float(n) for c, n in zip(s["code"], s["jeunes_acces_eloigne"])}
    pts = json.loads(next(a for k, a in v.couches if k == "points")["donnees"])
    assert 0 < len(pts) <= vue.MAX_COMMUNES_ELOIGNEES
    assert v.classement.libelles[0] == "Aucune"
    v2 = vue.vue_alertes(demo, 2025, "region", "ml_sans_agent")
    s2 = alertes.synthese(demo, "region", 2025)
    assert dict(zip(v2.territoires["code"], v2.territoires["valeur"])) == {
        c: float(n) for c, n in zip(s2["code"], s2["nb_ml_sans_agent"])}


def test_alertes_communes_d_un_departement(minimal):
    v = vue.vue_alertes(minimal, 2024, None, focus_maille="departement", focus_code="90")
    etats = dict(zip(v.territoires["code"], v.territoires["valeur"]))
    c = alertes.constats(minimal, 2024, alertes=["communes_sans_ml", "acces_eloigne"])
    c90 = c.filter(pl.col("code_departement") == "90")
    attendu = c90.group_by("code_objet").len()
    assert {k: v_ for k, v_ in etats.items() if v_} == {k: float(n) for k, n in attendu.iter_rows()}
    f = _features(v)
    assert f["90010"]["properties"]["v"] == "Aucune alerte"


def test_points_sites_et_agences(demo):
    couches, legende = vue.vue_points(demo, ("siege", "permanence"), True)
    assert len(couches) == 3 and len(legende) == 3
    s = acces.sites(demo)
    n_sieges = s.filter(pl.col("type_site") == "siege").height
    assert len(json.loads(couches[0][1]["donnees"])) == n_sieges
    assert f"({n_sieges:,})".replace(",", "\u202f") in legende[0][1]
    assert len(json.loads(couches[2][1]["donnees"])) == acces.agences(demo).height
    # un lieu d'outre-mer est dans son encart
    reunion = s.filter((pl.col("type_site") == "siege") & (pl.col("code_departement") == "974")).height
    pts = json.loads(couches[0][1]["donnees"])
    cadre = drom.ENCARTS["974"].cadre
    assert sum(1 for la, lo, _ in pts if cadre[0] <= lo <= cadre[2] and cadre[1] <= la <= cadre[3]) == reunion


def test_detail_d_une_ml(demo):
    ml = indicateurs.missions_locales(demo).row(0, named=True)
    d = vue.detail(demo, 2025, "ml", ml["code_ml"])
    assert d.nom == ml["nom_ml"] and d.code_region == ml["code_region"]
    ici = indicateurs.valeurs(demo, "ml", 2025, codes=[ml["code_ml"]])
    region = indicateurs.valeurs(demo, "region", 2025, codes=[ml["code_region"]])
    france = indicateurs.valeurs(demo, "nationale", 2025)
    t = d.indicateurs
    assert t.height == len(indicateurs.REGISTRE)
    for col, ref in (("territoire", ici), ("region", region), ("france", france)):
        assert dict(zip(t["indicateur"], t[col])) == pytest.approx(dict(zip(ref["indicateur"], ref["valeur"])),
                                                                   nan_ok=True)
    c = alertes.constats_du_territoire(alertes.constats(demo, 2025), "ml", ml["code_ml"])
    assert sorted(d.alertes["alerte"].to_list()) == sorted(c["alerte"].to_list())
    assert d.sites.height == acces.sites(demo).filter(pl.col("code_ml") == ml["code_ml"]).height


def test_detail_d_une_commune(minimal):
    d = vue.detail(minimal, 2024, "commune", "90010")
    assert d.nom == "Belfort"
    assert d.faits[0] == "Mission Locale : Mission Locale de Belfort"
    assert d.sites.height == 1 and d.agences.height == 1  # siège S1, agence AG90A
    with pytest.raises(ValueError, match="Territoire inconnu"):
        vue.detail(minimal, 2024, "ml", "MLZ")


def test_tableaux_alertes(minimal):
    t = vue.tableau_alertes(minimal, 2024, "departement")
    s = alertes.synthese(minimal, "departement", 2024)
    assert t.tableau.height == s.height
    assert t.tableau.columns[:3] == ["Code", "Territoire", "Alertes déclenchées"]
    assert t.tableau["Alertes déclenchées"].to_list() == sorted(s["nb_alertes"].to_list(), reverse=True)
    assert all(aide for aide in t.aides.values())
    c = vue.tableau_constats(minimal, 2024, "objectif_delegation")
    assert c["Mission Locale"].to_list() == ["Mission Locale des Abymes"] and c["Département"].to_list() == ["Guadeloupe"]
    z = vue.territoires_zoom(minimal)
    assert {"departement:90", "ml:MLA"} <= set(z["cle"].to_list())


def test_tableaux_de_la_page(minimal):
    """Ce que la page affiche tel quel : détail d'un territoire (indicateur de la carte en premier), valeurs,
    fichier des valeurs, note des constats coupés, territoires examinables d'une région."""
    d = vue.detail(minimal, 2024, "departement", "90")
    t = vue.tableau_indicateurs_detail(d)
    assert t.columns == ["Indicateur", "Territoire", "Région", "France"]
    assert t["Indicateur"].to_list() == d.indicateurs["libelle"].to_list()
    t = vue.tableau_indicateurs_detail(d, "taux_neet")
    assert t["Indicateur"][0] == indicateurs.REGISTRE["taux_neet"].libelle and t.height == d.indicateurs.height
    assert t.row(0)[1:] == d.indicateurs.filter(pl.col("indicateur") == "taux_neet").select(
        "texte_territoire", "texte_region", "texte_france").row(0)
    assert vue.tableau_indicateurs_detail(d, "inconnu")["Indicateur"].to_list() == d.indicateurs["libelle"].to_list()
    assert vue.tableau_alertes_detail(d).columns == ["N°", "Alerte", "Concerne", "Constat"]
    assert vue.tableau_alertes_detail(d).height == d.alertes.height
    assert vue.tableau_sites_detail(d).columns == ["Type", "Commune", "Mission Locale"]
    assert vue.tableau_agences_detail(d).rows() == d.agences.select("nom_agence", "nom_commune").rows()
    assert vue.onglets_detail(d) == ["Indicateurs", f"Alertes ({d.alertes.height})",
                                     f"Lieux d'accueil ({d.sites.height})"]
    v = vue.vue_indicateur(minimal, 2024, "departement", "taux_acceptation", "quantiles", 5)
    assert vue.libelle_valeurs(v) == "Valeurs par territoire (101)"
    assert vue.tableau_valeurs(v).rows() == v.territoires.select("nom", "texte_valeur", "rang").rows()
    export = vue.export_valeurs(v)
    assert export.columns == ["Code", "Territoire", v.titre, "Rang"]
    assert export[v.titre].to_list() == v.territoires["valeur"].to_list()  # pleine précision
    assert vue.note_constats(1000, 1000) is None
    assert vue.note_constats(1234, 1000) == ("1\u202f234 objets concernés : les 1\u202f000 premiers sont affichés (les "
                                             "plus de jeunes, ou les valeurs les plus fortes d'abord) ; les fichiers les "
                                             "contiennent tous.")
    tous = vue.territoires_zoom(minimal)
    bretagne = vue.territoires_zoom(minimal, "53")
    assert bretagne["cle"].to_list() == tous.filter(pl.col("code_region") == "53")["cle"].to_list()
    assert set(bretagne["cle"]) >= {"departement:22", "departement:29", "departement:35", "departement:56"}
