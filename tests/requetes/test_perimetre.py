"""Périmètre appliqué là où les données sont lues (requetes.perimetre) : restrictions, règles de filtrage,
décorateur ``@restreint`` (appel extérieur seulement, refus sans périmètre quand un fichier d'accès est en
service, arguments hors périmètre), et totaux nationaux calculés sur toutes les données."""

from __future__ import annotations

import polars as pl
import pytest

from donnees.habilitations import PERIMETRE_LOCAL, VARIABLE, Perimetre
from requetes import indicateurs as I
from requetes import perimetre as P
from requetes.jeu import JeuDeDonnees
from tests.fabrique import COMMUNES_ML_A, COMMUNES_ML_B, ecrire_jeu, jeu_minimal

BFC, GUADELOUPE = "27", "01"  # MLA : Belfort (90) ; MLB : Les Abymes (971)
REGION_BFC = Perimetre("region", BFC, False, "arml@bfc.fr")
ML_B = Perimetre("ml", "MLB", False, "direction@ml-abymes.fr")


@pytest.fixture(scope="module")
def jeu(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("perimetre"), jeu_minimal()))


def test_restrictions(jeu):
    r = P.restriction(jeu, REGION_BFC)
    assert r.mls == {"MLA"} and r.region_detail == BFC
    assert "90" in r.departements and "971" not in r.departements
    assert set(COMMUNES_ML_A) <= r.communes and not set(COMMUNES_ML_B) & r.communes
    assert {BFC, GUADELOUPE} <= r.regions  # totaux de toutes les régions
    m = P.restriction(jeu, ML_B)
    assert (m.mls, m.communes, m.departements, m.regions) == (
        {"MLB"}, set(COMMUNES_ML_B), {"971"}, {GUADELOUPE})
    assert P.restriction(jeu, Perimetre("national")).libre and P.restriction(jeu, PERIMETRE_LOCAL).libre
    assert P.restriction(jeu, None).libre
    inconnue = P.restriction(jeu, Perimetre("ml", "ML_ABSENTE"))
    assert inconnue.mls == frozenset() and inconnue.regions == frozenset()


@pytest.mark.parametrize(("df", "maille", "attendus"), [
    (pl.DataFrame({"code_ml": ["MLA", "MLB", None], "x": [1, 2, 3]}), None, [1, 3]),
    (pl.DataFrame({"code_commune": ["90001", "97101"], "x": [1, 2]}), None, [1]),
    (pl.DataFrame({"code_objet": ["90001", "97101", "MLA", "MLB"], "niveau": ["commune", "commune", "ml", "ml"],
                   "x": [1, 2, 3, 4]}), None, [1, 3]),
    (pl.DataFrame({"maille": ["nationale", "region", "region", "departement", "departement", "ml", "ml"],
                   "code": ["FR", BFC, GUADELOUPE, "90", "971", "MLA", "MLB"], "x": [1, 2, 3, 4, 5, 6, 7]}),
     None, [1, 2, 3, 4, 6]),
    (pl.DataFrame({"niveau": ["region", "region", "departement", "departement", "ml", "ml"],
                   "code": [BFC, GUADELOUPE, "90", "971", "MLA", "MLB"], "x": [1, 2, 3, 4, 5, 6]}),
     None, [1, 2, 3, 5]),  # arbre région → département → ML du budget
    (pl.DataFrame({"code": ["MLA", "MLB"], "x": [1, 2]}), "ml", [1]),
    (pl.DataFrame({"code": ["90", "971"], "x": [1, 2]}), "departement", [1]),
    (pl.DataFrame({"code": [BFC, GUADELOUPE], "x": [1, 2]}), "region", [1, 2]),
    (pl.DataFrame({"code": ["FR"], "x": [1]}), "nationale", [1]),
    (pl.DataFrame({"code_departement": ["90", "971", None], "x": [1, 2, 3]}), None, [1, 3]),
    (pl.DataFrame({"code_region": [BFC, GUADELOUPE], "x": [1, 2]}), None, [1, 2]),
    (pl.DataFrame({"annee": [2024], "x": [1]}), None, [1]),
])
def test_regles_de_filtrage_pour_une_region(jeu, df, maille, attendus):
    assert P.filtrer(df, P.restriction(jeu, REGION_BFC), maille)["x"].to_list() == attendus


def test_profil_ml_ne_voit_que_sa_region_en_total(jeu):
    r = P.restriction(jeu, ML_B)
    df = pl.DataFrame({"maille": ["nationale", "region", "region", "ml", "ml"],
                       "code": ["FR", BFC, GUADELOUPE, "MLA", "MLB"], "x": [1, 2, 3, 4, 5]})
    assert P.filtrer(df, r)["x"].to_list() == [1, 3, 5]


def test_fonction_du_registre_filtree_et_totaux_intacts(jeu):
    annee = I.annees_disponibles(jeu)[-1]
    tout = I.valeurs(jeu, "ml", annee)
    national = I.valeurs(jeu, "nationale", annee)
    regions = I.valeurs(jeu, "region", annee)
    with P.actif(REGION_BFC):
        ml = I.valeurs(jeu, "ml", annee)
        assert set(ml["code"].to_list()) == {"MLA"}
        assert ml.equals(tout.filter(pl.col("code") == "MLA"))
        assert I.valeurs(jeu, "nationale", annee).equals(national)  # la France sur toutes les données
        assert I.valeurs(jeu, "region", annee).equals(regions)  # toutes les régions en totaux
        assert set(I.missions_locales(jeu)["code_ml"].to_list()) == {"MLA"}
        assert set(I.tableau(jeu, "ml", annee)["code"].to_list()) == {"MLA"}
        assert set(I.departements(jeu)["code_departement"].to_list()) == {"90"}
    with P.actif(ML_B):
        assert set(I.valeurs(jeu, "region", annee)["code"].to_list()) == {GUADELOUPE}
        assert set(I.regions(jeu)["code_region"].to_list()) == {GUADELOUPE}
    with P.actif(Perimetre("national", None, False, "a@b.fr")):
        assert I.valeurs(jeu, "ml", annee).equals(tout)


def test_arguments_hors_perimetre_refuses(jeu):
    @P.restreint
    def detail(jeu_, maille=None, code=None, code_ml=None, code_departement=None, code_region=None):
        return pl.DataFrame({"x": [1]})

    with P.actif(REGION_BFC):
        for kwargs, attendu in [({"code_ml": "MLB"}, ("ml", "MLB")), ({"code_departement": "971"}, ("departement", "971")),
                                ({"maille": "ml", "code": "MLB"}, ("ml", "MLB")),
                                ({"maille": "commune", "code": "97101"}, ("commune", "97101"))]:
            with pytest.raises(P.HorsPerimetre) as exc:
                detail(jeu, **kwargs)
            assert (exc.value.maille, exc.value.code) == attendu
        # une autre région en total, la France : permis pour un profil région
        assert detail(jeu, code_region=GUADELOUPE).height == 1
        assert detail(jeu, maille="region", code=GUADELOUPE).height == 1
        assert detail(jeu, maille="nationale", code="FR").height == 1
        assert detail(jeu, code_ml="MLA", code_departement="90").height == 1
        # départements d'une autre région : aucune ligne de détail
        assert I.departements(jeu, code_region=GUADELOUPE).is_empty()
    with P.actif(ML_B):
        with pytest.raises(P.HorsPerimetre):
            I.departements(jeu, code_region=BFC)  # un profil ML ne voit que sa région
        assert I.departements(jeu, code_region=GUADELOUPE)["code_departement"].to_list() == ["971"]


def test_appel_imbrique_non_filtre(jeu):
    """Une fonction de requetes qui en appelle une autre reçoit toutes les lignes (médianes, rangs) ;
    seul le résultat final est filtré."""
    vus = []

    @P.restreint
    def interieure(jeu_):
        return pl.DataFrame({"code_ml": ["MLA", "MLB"]})

    @P.restreint
    def exterieure(jeu_):
        d = interieure(jeu_)
        vus.append(d.height)
        return d

    with P.actif(REGION_BFC):
        assert exterieure(jeu)["code_ml"].to_list() == ["MLA"]
        assert interieure(jeu)["code_ml"].to_list() == ["MLA"]
    assert vus == [2]


def test_sans_perimetre_refus_si_fichier_d_acces(jeu, monkeypatch):
    annee = I.annees_disponibles(jeu)[-1]
    monkeypatch.delenv(VARIABLE, raising=False)
    assert I.valeurs(jeu, "ml", annee).height > 0  # mode local : tout
    monkeypatch.setenv(VARIABLE, "/srv/acces.toml")
    with pytest.raises(P.PerimetreAbsent, match="valeurs"):
        I.valeurs(jeu, "ml", annee)
    with P.actif(REGION_BFC):
        assert I.valeurs(jeu, "ml", annee).height > 0


def test_resultats_composes_filtres(jeu):
    @P.restreint
    def plusieurs(jeu_):
        return (pl.DataFrame({"code_ml": ["MLA", "MLB"]}), {"a": pl.DataFrame({"code_commune": COMMUNES_ML_B})}, 3)

    with P.actif(REGION_BFC):
        a, b, c = plusieurs(jeu)
    assert a["code_ml"].to_list() == ["MLA"] and b["a"].is_empty() and c == 3

    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Resultat:
        lignes: pl.DataFrame
        total: int

    @P.restreint
    def classe(jeu_):
        return Resultat(pl.DataFrame({"code_ml": ["MLA", "MLB"]}), 2)

    with P.actif(ML_B):
        r = classe(jeu)
    assert r.lignes["code_ml"].to_list() == ["MLB"] and r.total == 2


# Fonctions publiques de requetes qui prennent le jeu sans passer par @restreint : elles ne rendent aucune
# ligne par territoire (années, paramètres nationaux, France entière), ou le jeu lui-même.
SANS_TERRITOIRE = {
    "requetes.indicateurs.annees_disponibles": "années du jeu",
    "requetes.indicateurs.synthese_nationale": "France entière",
    "requetes.mesures.annees": "années du jeu",
    "requetes.mesures.preparer": "cubes internes à requetes (jamais lus au-dessus)",
    "requetes.mesures.territoires": "interne : listes de territoires lues par indicateurs (restreint)",
    "requetes.mesures.agreger": "interne : agrégats lus par indicateurs (restreint)",
    "requetes.mesures.agreger_mensuel": "interne : agrégats lus par indicateurs (restreint)",
    "requetes.acces.empreinte": "empreinte des fichiers",
    "requetes.budget.annees": "années du jeu",
    "requetes.budget.parametres": "paramètres nationaux de l'enveloppe",
    "requetes.budget.rapprochable": "règle sur le périmètre du jeu (un booléen, le même pour toutes les sessions)",
    "requetes.orientations.mois_connus": "mois du jeu",
    "requetes.orientations.objectif_national": "France entière",
    "requetes.comparaison.periode_precedente": "années du jeu",
    "requetes.perimetre.restriction": "le périmètre lui-même",
    "requetes.perimetre.cache": "cache par jeu et par périmètre (les valeurs viennent des fonctions restreintes)",
    "requetes.perimetre.appliquer": "le filtre du périmètre lui-même",
    "requetes.couverture.couverture": "périmètre du jeu de données (codes des régions et départements couverts), "
                                      "le même pour toutes les sessions",
}


def _fonctions_publiques_du_jeu():
    import importlib
    import inspect
    import pkgutil

    import requetes

    for info in pkgutil.iter_modules(requetes.__path__):
        module = importlib.import_module(f"requetes.{info.name}")
        for nom, f in vars(module).items():
            if nom.startswith("_") or not inspect.isfunction(f) or f.__module__ != module.__name__:
                continue
            parametres = list(inspect.signature(f).parameters)
            if parametres and parametres[0] == "jeu":
                yield f"{module.__name__}.{nom}", f


def test_toute_fonction_publique_du_jeu_est_restreinte():
    """Une nouvelle fonction de requetes qui lit le jeu doit passer par @restreint, ou dire ici pourquoi non."""
    oubliees = [nom for nom, f in _fonctions_publiques_du_jeu()
                if not getattr(f, "__restreint__", False) and nom not in SANS_TERRITOIRE]
    assert not oubliees, oubliees
    connues = dict(_fonctions_publiques_du_jeu())
    assert set(SANS_TERRITOIRE) <= set(connues), sorted(set(SANS_TERRITOIRE) - set(connues))


def test_cache_au_dessus_de_requetes_propre_au_perimetre(jeu):
    calculs = []

    def calcul():
        calculs.append(1)
        return I.missions_locales(jeu)["code_ml"].to_list()

    with P.actif(REGION_BFC):
        assert P.cache(jeu, "essai_perimetre", 8).lire("ml", calcul) == ["MLA"]
    with P.actif(ML_B):
        assert P.cache(jeu, "essai_perimetre", 8).lire("ml", calcul) == ["MLB"]
    with P.actif(Perimetre("national")):
        assert P.cache(jeu, "essai_perimetre", 8).lire("ml", calcul) == ["MLA", "MLB"]
    assert P.cache(jeu, "essai_perimetre", 8).lire("ml", calcul) == ["MLA", "MLB"]  # local : même clé
    with P.actif(REGION_BFC):
        assert P.cache(jeu, "essai_perimetre", 8).lire("ml", calcul) == ["MLA"]
    assert len(calculs) == 3


def test_source_hors_du_bloc(jeu, monkeypatch):
    """Hors d'un bloc actif (rappel d'un bouton), le périmètre vient de la source que l'interface a
    donnée ; un bloc ouvert l'emporte sur la source."""
    monkeypatch.setenv(VARIABLE, "/srv/acces.toml")
    ancienne = P._source
    try:
        P.definir_source(lambda: ML_B)
        assert I.missions_locales(jeu)["code_ml"].to_list() == ["MLB"]
        with P.actif(REGION_BFC):
            assert I.missions_locales(jeu)["code_ml"].to_list() == ["MLA"]
        P.definir_source(lambda: None)
        with pytest.raises(P.PerimetreAbsent):
            I.missions_locales(jeu)
    finally:
        P.definir_source(ancienne)


def test_sessions_simultanees_de_perimetres_differents(jeu, monkeypatch):
    """Une salle : des sessions de périmètres différents lisent au même instant (un fil chacune, comme
    Streamlit) ; chacune reçoit ses lignes, jamais celles d'une autre, même à travers les caches."""
    import itertools
    import threading

    from tests.outils_fils import en_meme_temps

    monkeypatch.setenv(VARIABLE, "/srv/acces.toml")
    annee = I.annees_disponibles(jeu)[-1]
    perimetres = [REGION_BFC, ML_B, Perimetre("national", None, False, "n@unml.info")]
    attendus = {REGION_BFC: {"MLA"}, ML_B: {"MLB"}}
    compteur = itertools.count()
    verrou = threading.Lock()

    def session():
        with verrou:
            p = perimetres[next(compteur) % len(perimetres)]
        vus = []
        for _ in range(5):
            with P.actif(p):
                vus.append((set(I.valeurs(jeu, "ml", annee)["code"].to_list()),
                            set(I.missions_locales(jeu)["code_ml"].to_list())))
        return p, vus

    for p, vus in en_meme_temps(12, session):
        attendu = attendus.get(p, {"MLA", "MLB"})
        assert all(a == attendu and b == attendu for a, b in vus), (p, vus)
