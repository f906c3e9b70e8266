"""Alertes de couverture (requetes/alertes.py, requetes/acces.py) : nombres et codes.

Chaque règle est vérifiée sur de petits jeux faits à la main (tests/fabrique.py : jeu minimal et
variantes) aux réponses connues, puis les mesures de chaque constat et le tableau par maille sont
confrontés, sur le jeu de démonstration, à un calcul indépendant en Polars
(tests/requetes/reference_alertes.py). Les phrases : tests/presentation/test_alertes.py.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from donnees import referentiel
from requetes import acces, alertes
from requetes.jeu import DOSSIER_SQL, JeuDeDonnees
from tests.fabrique import COMMUNES_ML_A, COMMUNES_ML_B, _df, ecrire_jeu, jeu_minimal
from tests.requetes import reference_alertes as ref

ANNEE = 2024


def _jeu(tmp_path, tables=None) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path / "jeu", tables or jeu_minimal()))


def _ml(c: pl.DataFrame, alerte: str) -> dict[str, dict]:
    return {r["code_objet"]: r for r in c.filter(pl.col("alerte") == alerte).iter_rows(named=True)}


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("minimal"), jeu_minimal())
    jeu = JeuDeDonnees(dossier)
    return jeu, alertes.constats(jeu, ANNEE)


# --------------------------------------------------------------------------------------------
# Registre
# --------------------------------------------------------------------------------------------


def test_registre_neuf_alertes_definies_une_fois():
    assert [a.numero for a in alertes.ALERTES.values()] == list(range(1, 10))
    assert len({a.code for a in alertes.ALERTES.values()}) == 9
    for a in alertes.ALERTES.values():
        assert a.niveau in ("commune", "ml")
        assert a.libelle and a.regle and a.pourquoi
        for p in a.parametres:
            assert p.minimum <= p.defaut <= p.maximum
            assert "{" + p.code + "}" in a.regle
    # chaque requête SQL d'alerte existe
    for nom in ("alertes_couverture", "alertes_sans_accord", "alertes_contenu_accord", "alertes_sans_agent",
                "alertes_delegation", "alertes_criteres", "alertes_double_perte", "alertes_objectif"):
        assert (DOSSIER_SQL / f"{nom}.sql").is_file()


def test_parametre_inconnu_refuse(minimal):
    jeu, _ = minimal
    with pytest.raises(KeyError, match="Paramètre inconnu"):
        alertes.constats(jeu, ANNEE, {"acces_eloigne": {"rayon": 3}})
    with pytest.raises(KeyError, match="Alerte inconnue"):
        alertes.constats(jeu, ANNEE, {"pas_une_alerte": {}})


def test_nombres_et_codes_seulement(minimal):
    """Aucune phrase ici : les colonnes texte sont des codes, des noms ou le libellé du registre ; les
    phrases sont écrites par presentation.alertes."""
    _, c = minimal
    assert c.schema == pl.Schema(alertes.SCHEMA_CONSTATS)
    assert "constat" not in c.columns
    textes = {n for n, t in c.schema.items() if t == pl.Utf8}
    assert textes == {"alerte", "libelle_alerte", "niveau", "code_objet", "nom_objet", "code_departement",
                      "code_region", "cas"}
    assert set(c["cas"].unique().to_list()) <= {
        "non_couverte", "chevauchement", "aucun_accord", "aucun_en_vigueur", "contenu_incomplet",
        "sans_allocation", "sans_agent", "site", "agence", "site_et_agence", "sous_orientation", "exces",
        "criteres_desequilibres", "acceptation", "entree", "deux_taux", "objectif_non_atteint"}
    assert dict(zip(c["alerte"], c["libelle_alerte"])) == {
        a: alertes.ALERTES[a].libelle for a in c["alerte"].unique().to_list()}


# --------------------------------------------------------------------------------------------
# Jeu minimal : réponses connues
# --------------------------------------------------------------------------------------------


def test_minimal_alertes_des_ml(minimal):
    _, c = minimal
    ml = c.filter(pl.col("niveau") == "ml")
    attendu = {
        ("ml_sans_accord", "MLB"),  # AC2 échu, AC3 en négociation
        ("ml_sans_agent", "MLB"),  # 0 ETP affecté
        ("criteres_orientation", "MLB"),  # 100 % difficultés sociales
        ("double_perte", "MLB"),  # 108/144 = 75 % acceptés, 72/108 = 66,7 % entrés
        ("objectif_delegation", "MLB"),  # 72 entrées / 100
    }
    assert set(zip(ml["alerte"].to_list(), ml["code_objet"].to_list())) == attendu
    b = {r["alerte"]: r for r in ml.iter_rows(named=True)}
    assert b["criteres_orientation"]["valeur"] == pytest.approx(100.0)
    assert b["double_perte"]["valeur"] == pytest.approx(100 * 72 / 108)
    assert b["double_perte"]["cas"] == "deux_taux"
    assert b["objectif_delegation"]["valeur"] == pytest.approx(72.0)
    assert b["ml_sans_agent"]["valeur"] == 0.0
    assert b["ml_sans_agent"]["reference"] == 0.0 and b["ml_sans_agent"]["etp_compenses"] == 1.0
    # ce que cite chaque phrase
    assert (b["double_perte"]["taux_acceptation"], b["double_perte"]["orientes"], b["double_perte"]["acceptes"],
            b["double_perte"]["entres"]) == (pytest.approx(75.0), 144.0, 108.0, 72.0)
    assert b["double_perte"]["taux_entree"] == pytest.approx(100 * 72 / 108)
    assert (b["objectif_delegation"]["numerateur"], b["objectif_delegation"]["denominateur"],
            b["objectif_delegation"]["reference"]) == (72.0, 100.0, 80.0)
    assert (b["criteres_orientation"]["numerateur"], b["criteres_orientation"]["denominateur"]) == (144.0, 144.0)
    assert b["ml_sans_accord"]["cas"] == "aucun_en_vigueur"
    assert b["ml_sans_accord"]["statuts"] == ["echu", "en_negociation"] and b["ml_sans_accord"]["valeur"] == 2.0
    assert b["ml_sans_accord"]["code_region"] == "01" and b["ml_sans_accord"]["code_departement"] == "971"
    # une mesure propre à une autre alerte reste nulle
    assert b["ml_sans_accord"]["taux_acceptation"] is None and b["double_perte"]["statuts"] is None


def test_minimal_communes_sans_ml(minimal):
    _, c = minimal
    com = referentiel.communes()
    sans = c.filter(pl.col("alerte") == "communes_sans_ml")
    couvertes = set(COMMUNES_ML_A + COMMUNES_ML_B)
    attendu = set(com["code_commune"].to_list()) - couvertes
    assert set(sans["code_objet"].to_list()) == attendu
    assert set(sans["cas"].to_list()) == {"non_couverte"}
    # Territoire de Belfort : toutes ses communes sauf les 10 de MLA
    n_90 = com.filter(pl.col("code_departement") == "90").height
    assert sans.filter(pl.col("code_departement") == "90").height == n_90 - 10
    assert sans["codes_ml"].list.len().max() == 0


def test_chevauchement(tmp_path):
    t = jeu_minimal()
    t["territoires_ml"] = pl.concat([t["territoires_ml"], _df("territoires_ml", [dict(code_commune="90001",
                                                                                       code_ml="MLB")])])
    jeu = _jeu(tmp_path, t)
    c = alertes.constats(jeu, ANNEE, alertes=["communes_sans_ml"])
    double = c.filter(pl.col("cas") == "chevauchement")
    assert double["code_objet"].to_list() == ["90001"]
    assert double["codes_ml"].to_list() == [["MLA", "MLB"]]
    assert double["valeur"].to_list() == [2.0]
    terr = alertes.territoires(jeu, "ml")
    s = alertes.synthese_depuis(c, terr, "ml")
    assert dict(zip(s["code"].to_list(), s["nb_communes_sans_ml"].to_list())) == {"MLA": 1, "MLB": 1}


def test_accord_en_vigueur_selon_la_date(tmp_path):
    t = jeu_minimal()
    # AC2 de MLB : signé, jusqu'au 30 juin 2023
    t["accords"] = t["accords"].with_columns(
        pl.when(pl.col("id_accord") == "AC2").then(pl.lit("signe")).otherwise(pl.col("statut")).alias("statut"))
    jeu = _jeu(tmp_path, t)
    avant = alertes.constats(jeu, 2023, date_reference=date(2023, 6, 30), alertes=["ml_sans_accord"])
    apres = alertes.constats(jeu, 2023, date_reference=date(2023, 7, 1), alertes=["ml_sans_accord"])
    assert avant.height == 0
    assert apres["code_objet"].to_list() == ["MLB"]
    # par défaut : 31 décembre de l'année
    assert alertes.constats(jeu, 2023, alertes=["ml_sans_accord"])["code_objet"].to_list() == ["MLB"]


def test_ml_sans_aucun_accord(tmp_path):
    t = jeu_minimal()
    t["accords"] = t["accords"].filter(pl.col("code_ml") != "MLB")
    c = alertes.constats(_jeu(tmp_path, t), ANNEE, alertes=["ml_sans_accord"])
    assert c["code_objet"].to_list() == ["MLB"] and c["cas"].to_list() == ["aucun_accord"]
    assert c["statuts"].to_list() == [[]] and c["valeur"].to_list() == [0.0]


def test_accord_incomplet(tmp_path):
    t = jeu_minimal()
    t["accords"] = t["accords"].with_columns(
        pl.when(pl.col("id_accord") == "AC1").then(False).otherwise(pl.col("plan_actions")).alias("plan_actions"))
    c = alertes.constats(_jeu(tmp_path, t), ANNEE, alertes=["accord_incomplet"])
    assert c["code_objet"].to_list() == ["MLA"]
    assert c["valeur"].to_list() == [1.0]
    assert c.select("manque_diagnostic", "manque_criteres", "manque_plan").row(0) == (False, False, True)
    assert c["accords"].to_list() == [["AC1"]]


def test_accord_incomplet_compense_par_un_autre_accord(tmp_path):
    t = jeu_minimal()
    t["accords"] = t["accords"].with_columns(
        pl.when(pl.col("id_accord") == "AC1").then(False).otherwise(pl.col("plan_actions")).alias("plan_actions"))
    ac = t["accords"].filter(pl.col("id_accord") == "AC1").with_columns(
        pl.lit("AC9").alias("id_accord"), pl.lit(True).alias("plan_actions"))
    t["accords"] = pl.concat([t["accords"], ac])
    assert alertes.constats(_jeu(tmp_path, t), ANNEE, alertes=["accord_incomplet"]).height == 0


def test_sans_agent_seuil_et_allocation_absente(tmp_path, minimal):
    jeu, _ = minimal
    c = alertes.constats(jeu, ANNEE, {"ml_sans_agent": {"seuil_etp": 2.0}}, alertes=["ml_sans_agent"])
    assert sorted(c["code_objet"].to_list()) == ["MLA", "MLB"]  # MLA : 2,0 ETP ≤ 2,0
    t = jeu_minimal()
    t["allocations"] = t["allocations"].filter(~((pl.col("code_ml") == "MLA") & (pl.col("annee") == ANNEE)))
    c = alertes.constats(_jeu(tmp_path, t), ANNEE, alertes=["ml_sans_agent"])
    assert _ml(c, "ml_sans_agent")["MLA"]["cas"] == "sans_allocation"


def test_criteres_et_double_perte_seuils(minimal):
    jeu, _ = minimal
    c = alertes.constats(jeu, ANNEE, {"criteres_orientation": {"seuil_pct": 30.0},
                                      "double_perte": {"seuil_entree_pct": 81.0, "seuil_acceptation_pct": 50.0}},
                         alertes=["criteres_orientation", "double_perte"])
    crit = _ml(c, "criteres_orientation")
    assert set(crit) == {"MLA", "MLB"}
    assert crit["MLA"]["valeur"] == pytest.approx(100 * 10 / 30)  # 10 jeunes sur 30 par mois
    perte = _ml(c, "double_perte")
    assert set(perte) == {"MLA", "MLB"}
    assert perte["MLA"]["cas"] == "entree" and perte["MLA"]["valeur"] == pytest.approx(100 * 21 / 26)
    assert perte["MLB"]["cas"] == "entree"  # 75 % ≥ 50 % acceptés


def test_objectif_seuil(minimal):
    jeu, _ = minimal
    c = alertes.constats(jeu, ANNEE, {"objectif_delegation": {"seuil_pct": 85.0}}, alertes=["objectif_delegation"])
    obj = _ml(c, "objectif_delegation")
    assert obj["MLA"]["valeur"] == pytest.approx(100 * 252 / 300)
    assert set(obj) == {"MLA", "MLB"}


def test_orientation_delegation_mediane(tmp_path, minimal):
    _, c = minimal
    assert c.filter(pl.col("alerte") == "orientation_delegation").height == 0
    # MLA : 252 entrées / 1 025 DE ; MLB : 72 / 265
    taux_a, taux_b = 1000 * 252 / 1025, 1000 * 72 / 265
    t = jeu_minimal()
    t["orientations"] = t["orientations"].with_columns(
        pl.when(pl.col("code_ml") == "MLB").then(1).otherwise(pl.col("entres")).alias("entres"))
    jeu2 = _jeu(tmp_path, t)
    taux_b2 = 1000 * 12 / 265
    mediane = (taux_a + taux_b2) / 2
    c2 = alertes.constats(jeu2, ANNEE, alertes=["orientation_delegation"])
    r = _ml(c2, "orientation_delegation")
    assert set(r) == {"MLB"} and r["MLB"]["cas"] == "sous_orientation"
    assert r["MLB"]["valeur"] == pytest.approx(taux_b2) and r["MLB"]["reference"] == pytest.approx(mediane)
    c3 = alertes.constats(jeu2, ANNEE, {"orientation_delegation": {"facteur_pct": 90.0}},
                          alertes=["orientation_delegation"])
    r3 = _ml(c3, "orientation_delegation")
    assert r3["MLA"]["cas"] == "exces"  # 245,9 > 145,6 / 0,9
    assert taux_b == pytest.approx(271.698, abs=1e-3)


def test_distances_contre_haversine_direct(minimal):
    jeu, _ = minimal
    d = acces.distances(jeu).join(referentiel.communes().select("code_commune", "latitude", "longitude"),
                                  on="code_commune").filter(pl.col("latitude").is_not_null())
    com = referentiel.communes().filter(pl.col("code_commune") == "90008")
    sites = np.array([[47.6386, 6.8631], [com["latitude"][0], com["longitude"][0]], [16.2710, -61.5040]])
    lat, lon = d["latitude"].to_numpy(), d["longitude"].to_numpy()
    directes = np.min(np.stack([ref.haversine_km(lat, lon, s[0], s[1]) for s in sites]), axis=0)
    assert np.allclose(d["distance_site_km"].to_numpy(), directes, atol=1e-6)
    # commune du siège de MLA : à distance nulle d'un lieu d'accueil (S2 est au point de 90008)
    assert d.filter(pl.col("code_commune") == "90008")["distance_site_km"][0] == pytest.approx(0, abs=1e-9)


def test_acces_seuil_et_jeunes(minimal):
    jeu, c = minimal
    loin = c.filter(pl.col("alerte") == "acces_eloigne")
    d = acces.distances(jeu)
    attendu = d.filter((pl.col("distance_site_km") > 20) | (pl.col("distance_agence_km") > 20))
    assert set(loin["code_objet"].to_list()) == set(attendu["code_commune"].to_list())
    # les communes des ML du jeu ont des jeunes dans le contexte ; les autres n'en ont pas (NULL)
    jeunes = dict(zip(loin["code_objet"].to_list(), loin["jeunes"].to_list()))
    for code in COMMUNES_ML_A + COMMUNES_ML_B:
        if code in jeunes:
            assert jeunes[code] is not None
    assert all(v is None for k, v in jeunes.items() if k not in COMMUNES_ML_A + COMMUNES_ML_B)


def test_acces_sans_agence(tmp_path):
    t = jeu_minimal()
    t["agences"] = t["agences"].clear()
    t["accords"] = t["accords"].with_columns(pl.lit([], dtype=pl.List(pl.Utf8)).alias("codes_agences"))
    t["orientations"] = t["orientations"].with_columns(pl.lit(None, dtype=pl.Utf8).alias("code_agence"))
    jeu = _jeu(tmp_path, t)
    c = alertes.constats(jeu, ANNEE, alertes=["acces_eloigne"])
    avec_point = referentiel.communes().filter(pl.col("latitude").is_not_null()).height
    assert c.height == avec_point  # aucune agence : toutes les communes qui ont un point sont signalées
    belfort = c.filter(pl.col("code_objet") == "90010").row(0, named=True)
    # lieu d'accueil tout près, aucune agence : seule l'agence compte, à distance infinie (pas de valeur)
    assert belfort["cas"] == "agence" and belfort["distance_agence_km"] == math.inf
    assert belfort["distance_site_km"] < 20 and belfort["valeur"] is None and belfort["reference"] == 20.0


# --------------------------------------------------------------------------------------------
# Mailles
# --------------------------------------------------------------------------------------------


def test_synthese_minimal_par_maille(minimal):
    jeu, c = minimal
    dep = alertes.synthese_depuis(c, alertes.territoires(jeu, "departement"), "departement")
    assert dep.height == referentiel.departements().height  # tous les départements, même sans donnée
    g = dep.filter(pl.col("code") == "971").row(0, named=True)
    assert g["nb_ml_sans_accord"] == 1 and g["nb_double_perte"] == 1 and g["nb_accord_incomplet"] == 0
    n_971 = referentiel.communes().filter(pl.col("code_departement") == "971").height
    assert g["nb_communes_sans_ml"] == n_971 - 2
    ml = alertes.synthese_depuis(c, alertes.territoires(jeu, "ml"), "ml")
    b = ml.filter(pl.col("code") == "MLB").row(0, named=True)
    assert b["nb_communes_sans_ml"] == 0  # une commune sans ML n'appartient à aucune ML
    nat = alertes.synthese_depuis(c, alertes.territoires(jeu, "nationale"), "nationale").row(0, named=True)
    assert nat["nb_alertes"] == c["alerte"].n_unique()
    with pytest.raises(ValueError, match="Maille inconnue"):
        alertes.territoires(jeu, "canton")


def test_constats_du_territoire(minimal):
    _, c = minimal
    assert set(alertes.constats_du_territoire(c, "ml", "MLB")["alerte"].to_list()) >= {"ml_sans_accord"}
    assert alertes.constats_du_territoire(c, "region", "01").filter(pl.col("niveau") == "ml").height == 5


@pytest.mark.parametrize("maille", alertes.MAILLES)
def test_synthese_demo_contre_calcul_independant(demo_alertes, maille):
    jeu, tables, c = demo_alertes
    independant = ref.par_maille(ref.constats(tables, 2025), maille)
    s = alertes.synthese_depuis(c, alertes.territoires(jeu, maille), maille)
    obtenu = {}
    for ligne in s.iter_rows(named=True):
        for a in alertes.ALERTES.values():
            n = ligne[f"nb_{a.code}"]
            if n:
                j = ligne.get(f"jeunes_{a.code}") or 0
                obtenu[(ligne["code"], a.code)] = (n, j if a.niveau == "commune" else 0)
    independant = {k: (n, j if alertes.ALERTES[k[1]].niveau == "commune" else 0) for k, (n, j) in independant.items()}
    assert obtenu == independant
    # le nombre d'alertes déclenchées par territoire
    nb = {}
    for (code, _a) in independant:
        nb[code] = nb.get(code, 0) + 1
    assert {r["code"]: r["nb_alertes"] for r in s.iter_rows(named=True) if r["nb_alertes"]} == nb


def test_mesures_demo_contre_calcul_independant(demo_alertes):
    """Chaque mesure de chaque constat (valeur, seuil, effectifs, taux, distances, codes) : celle du calcul
    indépendant, pour le même objet et la même alerte."""
    _, tables, c = demo_alertes
    independant = ref.constats(tables, 2025)
    cle = ["alerte", "code_objet"]
    j = c.join(independant, on=cle, how="full", suffix="_ref", coalesce=True)
    assert j.height == c.height == independant.height
    for mesure in ref.SCHEMA_MESURES:
        ecarts = [
            (a, o, x, y) for a, o, x, y in zip(j["alerte"], j["code_objet"], j[mesure].to_list(), j[f"{mesure}_ref"].to_list())
            if not (x == y or (isinstance(x, float) and isinstance(y, float) and math.isclose(x, y, rel_tol=1e-9)))
        ]
        assert not ecarts, (mesure, ecarts[:5])
    # les mesures propres à une alerte sont bien renseignées pour elle
    for alerte, mesure in (("ml_sans_accord", "statuts"), ("accord_incomplet", "accords"),
                           ("acces_eloigne", "distance_site_km"), ("double_perte", "orientes"),
                           ("objectif_delegation", "denominateur")):
        lignes = c.filter(pl.col("alerte") == alerte)
        assert lignes.height and lignes[mesure].null_count() == 0, (alerte, mesure)


def test_demo_montre_des_trous(demo_alertes):
    _, _, c = demo_alertes
    comptes = dict(c.group_by("alerte").len().iter_rows())
    # le jeu de démonstration contient des trous de couverture et des ML en difficulté
    assert comptes.get("communes_sans_ml", 0) >= 1
    for a in ("ml_sans_accord", "ml_sans_agent", "double_perte", "objectif_delegation"):
        assert comptes.get(a, 0) >= 1


@pytest.fixture(scope="module")
def demo_alertes():
    from tests.cartes.jeux import dossier_demo

    dossier = dossier_demo()
    jeu = JeuDeDonnees(dossier)
    return jeu, ref.lire(dossier), alertes.constats(jeu, 2025)


def test_chaque_alerte_calculee_une_fois_par_annee_seuils_et_date(tmp_path, monkeypatch):
    """La carte demande les constats pour chaque région choisie ; ils portent sur la France : une alerte
    est calculée une fois par (année, seuils, date) et par jeu, puis relue ; d'autres seuils la recalculent."""
    jeu = _jeu(tmp_path)
    appels = []
    original = alertes._CALCULS["ml_sans_agent"]

    def compte(*args):
        appels.append(args[1:])
        return original(*args)

    monkeypatch.setitem(alertes._CALCULS, "ml_sans_agent", compte)
    premier = alertes.constats(jeu, ANNEE)
    second = alertes.constats(jeu, ANNEE)
    assert len(appels) == 1 and premier.equals(second)
    alertes.constats(jeu, ANNEE, alertes=["ml_sans_agent"])
    assert len(appels) == 1
    autres = alertes.constats(jeu, ANNEE, parametres={"ml_sans_agent": {"seuil_etp": 1.0}})
    assert len(appels) == 2
    assert autres.filter(pl.col("alerte") == "ml_sans_agent").height >= premier.filter(
        pl.col("alerte") == "ml_sans_agent").height
    assert JeuDeDonnees(jeu.dossier) is not jeu and len(appels) == 2  # un autre jeu a son propre cache
