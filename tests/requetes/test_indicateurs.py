"""Registre des indicateurs et couche de requêtes : valeurs calculées à la main sur de petits jeux,
erreurs claires, valeurs malveillantes sans effet."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from requetes import indicateurs as I
from requetes import mesures as M
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.requetes.jeux_indicateurs import jeu_varie


@pytest.fixture(scope="module")
def jeu(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("minimal"), jeu_minimal()))


@pytest.fixture(scope="module")
def jeu_v(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp("varie"), jeu_varie()))


def v(jeu, maille, annee, code, indicateur, **kw):
    """Valeur d'un indicateur pour un territoire."""
    df = I.valeurs(jeu, maille, annee, codes=[code], indicateurs=[indicateur], **kw)
    assert df.height == 1, df
    return df["valeur"][0]


# ------------------------------------------------------------------------------------------- registre

EXIGES = [
    "enveloppe_ml", "eur_par_jeune_accompagne", "eur_par_entree", "etp_affectes", "etp_compenses",
    "part_ml_agent", "part_ml_accord", "part_accords_socle", "orientes_ft_ml", "entrees_delegation",
    "taux_acceptation", "taux_entree", "taux_transformation", "atteinte_objectif",
    "part_motif_difficultes_sociales", "part_motif_sociales_eloignement", "orientes_ml_ft",
    "jeunes_accompagnes", "premiers_accueils", "taux_couverture", "taux_sortie_emploi",
    "taux_sortie_emploi_durable", "taux_sortie_sans_solution", "doubles_pour_1000", "taux_neet",
    "de_moins_26_pour_1000", "entrees_pour_1000_de", "population_16_25",
]


def test_registre_complet_et_coherent():
    assert len(I.REGISTRE) >= 24
    assert set(EXIGES) <= set(I.REGISTRE)
    assert I.MAILLES == ("nationale", "region", "departement", "ml")
    themes = {i.theme for i in I.REGISTRE.values()}
    assert {"Budget", "Agents et réseau", "Accords locaux", "Orientations", "Activité des ML",
            "Contexte territorial"} <= themes
    assert [c for codes in I.THEMES.values() for c in codes] == sorted(
        I.REGISTRE, key=lambda c: (list(I.THEMES).index(I.REGISTRE[c].theme), list(I.REGISTRE).index(c)))
    for code, ind in I.REGISTRE.items():
        assert ind.code == code
        assert ind.libelle and ind.formule and ind.definition and ind.unite
        assert ind.sens in (-1, 0, 1)
        assert ind.numerateur in M.MESURES
        assert ind.denominateur is None or ind.denominateur in M.MESURES
        assert ind.facteur == {"%": 100.0, "‰": 1000.0}.get(ind.unite, 1.0)
        if ind.unite in ("%", "‰"):
            assert ind.denominateur is not None, code
    assert "moyenne mensuelle" in I.REGISTRE["jeunes_accompagnes"].libelle.lower()
    assert "moyenne mensuelle" in I.REGISTRE["jeunes_accompagnes"].definition.lower()
    assert I.REGISTRE["taux_couverture"].denominateur == "jeunes_neet"
    assert I.REGISTRE["taux_sortie_sans_solution"].sens == -1
    assert I.REGISTRE["taux_acceptation"].mensuel and not I.REGISTRE["taux_couverture"].mensuel


def test_mesures_produites_egales_aux_mesures_declarees(jeu):
    """Les colonnes des cubes SQL sont exactement les mesures déclarées dans requetes/mesures.py."""
    cubes = M.preparer(jeu)
    colonnes = lambda df, cles: set(df.columns) - set(cles)  # noqa: E731
    ml = colonnes(cubes.ml, ("annee", "code_ml"))
    ctx_ml = colonnes(cubes.contexte_ml, ("annee", "code_ml"))
    ctx_dep = colonnes(cubes.contexte_departement, ("annee", "code_departement", "code_region"))
    mensuel = colonnes(cubes.mensuel, ("mois", "code_ml"))
    assert ml | ctx_ml == set(M.MESURES)
    assert ml == {n for n, m in M.MESURES.items() if m.base == "ml"}
    assert ctx_ml == ctx_dep == {n for n, m in M.MESURES.items() if m.base == "commune"}
    assert mensuel == set(M.MESURES_MENSUELLES)
    assert set(M.MESURES_ACCORDS) <= ml
    for df in (cubes.ml, cubes.mensuel, cubes.contexte_ml, cubes.contexte_departement):
        assert all(df.schema[c] == pl.Float64 for c in M.MESURES if c in df.columns)
    # une ligne par ML et par année du jeu
    assert cubes.ml.height == 2 * 2 and cubes.ml.select("annee", "code_ml").is_unique().all()


# ------------------------------------------------------------------------ valeurs à la main (minimal)

def test_entonnoir_orientations_minimal(jeu):
    # MLA 2024, chaque mois : 20 orientés / 18 acceptés / 15 entrés + 10 / 8 / 6 (difficultés sociales)
    assert v(jeu, "ml", 2024, "MLA", "taux_acceptation") == pytest.approx((18 + 8) / (20 + 10) * 100)
    assert v(jeu, "ml", 2024, "MLA", "taux_entree") == pytest.approx((15 + 6) / (18 + 8) * 100)
    assert v(jeu, "ml", 2024, "MLA", "taux_transformation") == pytest.approx((15 + 6) / (20 + 10) * 100)
    assert v(jeu, "ml", 2024, "MLB", "taux_acceptation") == pytest.approx(9 / 12 * 100)
    # national = somme des numérateurs / somme des dénominateurs (pas la moyenne 80,8 % des deux ML)
    assert v(jeu, "nationale", 2024, "FR", "taux_acceptation") == pytest.approx((26 + 9) / (30 + 12) * 100)
    assert v(jeu, "ml", 2024, "MLA", "orientes_ft_ml") == 30 * 12
    assert v(jeu, "ml", 2024, "MLA", "entrees_delegation") == 21 * 12
    assert v(jeu, "ml", 2024, "MLA", "atteinte_objectif") == pytest.approx(252 / 300 * 100)
    assert v(jeu, "nationale", 2024, "FR", "atteinte_objectif") == pytest.approx((252 + 72) / 400 * 100)
    assert v(jeu, "ml", 2024, "MLA", "part_motif_difficultes_sociales") == pytest.approx(10 / 30 * 100)
    assert v(jeu, "nationale", 2024, "FR", "part_motif_difficultes_sociales") == pytest.approx(22 / 42 * 100)
    assert v(jeu, "region", 2024, "01", "part_motif_sociales_eloignement") == pytest.approx(100.0)
    assert v(jeu, "ml", 2024, "MLA", "orientes_ml_ft") == 5 * 12
    assert v(jeu, "ml", 2024, "MLA", "taux_transformation_ml_ft") == pytest.approx(4 / 5 * 100)


def test_budget_agents_accords_minimal(jeu):
    env_a = 2 * 45_000 + 0.5 * 45_000 + 150_000
    assert v(jeu, "ml", 2024, "MLA", "enveloppe_ml") == pytest.approx(env_a)
    assert v(jeu, "nationale", 2024, "FR", "enveloppe_ml") == pytest.approx(env_a + 45_000 + 80_000)
    assert v(jeu, "ml", 2024, "MLA", "eur_par_jeune_accompagne") == pytest.approx(env_a / 1200)
    assert v(jeu, "ml", 2024, "MLA", "eur_par_entree") == pytest.approx(env_a / 252)
    assert v(jeu, "nationale", 2024, "FR", "etp_affectes") == pytest.approx(2.0)
    assert v(jeu, "nationale", 2024, "FR", "etp_compenses") == pytest.approx(1.5)
    assert v(jeu, "nationale", 2024, "FR", "part_etp_compenses") == pytest.approx(1.5 / 3.5 * 100)
    assert v(jeu, "nationale", 2024, "FR", "part_ml_agent") == pytest.approx(50.0)
    assert v(jeu, "nationale", 2024, "FR", "nb_ml") == 2
    # AC1 (MLA) signé sans fin : en vigueur ; AC2 échu, AC3 en négociation : non
    assert v(jeu, "nationale", 2024, "FR", "part_ml_accord") == pytest.approx(50.0)
    assert v(jeu, "ml", 2024, "MLB", "part_ml_accord") == 0.0
    assert v(jeu, "nationale", 2024, "FR", "part_accords_socle") == pytest.approx(100.0)
    # avant la date de début de AC1 (1er juillet 2015) : aucun accord en vigueur
    assert v(jeu, "nationale", 2024, "FR", "part_ml_accord", date_reference=date(2015, 6, 30)) == 0.0
    assert v(jeu, "nationale", 2024, "FR", "part_accords_socle", date_reference=date(2015, 6, 30)) is None


def test_activite_et_contexte_minimal(jeu):
    assert v(jeu, "ml", 2024, "MLA", "jeunes_accompagnes") == pytest.approx(1200)
    assert v(jeu, "nationale", 2024, "FR", "jeunes_accompagnes") == pytest.approx(2100)
    assert v(jeu, "ml", 2024, "MLA", "premiers_accueils") == 80 * 12
    assert v(jeu, "ml", 2024, "MLA", "doubles_pour_1000") == pytest.approx(3 / 1200 * 1000)
    assert v(jeu, "nationale", 2024, "FR", "doubles_pour_1000") == pytest.approx(8 / 2100 * 1000)
    assert v(jeu, "ml", 2024, "MLA", "taux_sortie_emploi") == pytest.approx(30 / (30 + 9 + 45) * 100)
    assert v(jeu, "ml", 2024, "MLA", "taux_sortie_emploi_durable") == pytest.approx(25 / 84 * 100)
    assert v(jeu, "ml", 2024, "MLA", "taux_sortie_sans_solution") == pytest.approx(45 / 84 * 100)
    assert v(jeu, "ml", 2024, "MLA", "taux_sortie_formation") == pytest.approx(9 / 84 * 100)
    # contexte de MLA : communes i = 0..9, population 1000 + 100 i, NEET 120 + 10 i, DE 80 + 5 i
    pop, neet, de = 14_500, 1_650, 1_025
    for maille, code in (("ml", "MLA"), ("departement", "90"), ("region", "27")):
        assert v(jeu, maille, 2024, code, "population_16_25") == pop
        assert v(jeu, maille, 2024, code, "taux_neet") == pytest.approx(neet / pop * 100)
        assert v(jeu, maille, 2024, code, "de_moins_26_pour_1000") == pytest.approx(de / pop * 1000)
        assert v(jeu, maille, 2024, code, "taux_couverture") == pytest.approx(1200 / neet * 100)
        assert v(jeu, maille, 2024, code, "entrees_pour_1000_de") == pytest.approx(252 / de * 1000)
    # MLB : communes i = 10, 11
    assert v(jeu, "ml", 2024, "MLB", "taux_couverture") == pytest.approx(900 / (220 + 230) * 100)


def test_periode_flux_sommes_stocks_moyennes(jeu):
    assert v(jeu, "ml", 2023, "MLA", "entrees_delegation", annee_fin=2024) == 2 * 252
    assert v(jeu, "ml", 2023, "MLA", "atteinte_objectif", annee_fin=2024) == pytest.approx(504 / 600 * 100)
    assert v(jeu, "ml", 2023, "MLA", "jeunes_accompagnes", annee_fin=2024) == pytest.approx(1200)
    assert v(jeu, "ml", 2023, "MLA", "premiers_accueils", annee_fin=2024) == 80 * 24
    assert v(jeu, "nationale", 2023, "FR", "etp_affectes", annee_fin=2024) == pytest.approx(2.0)
    assert v(jeu, "nationale", 2023, "FR", "nb_ml", annee_fin=2024) == 2


def test_formats_de_sortie(jeu):
    df = I.valeurs(jeu, "region", 2024)
    assert df.columns == ["maille", "code", "nom", "code_region", "indicateur", "numerateur",
                          "denominateur", "valeur"]
    assert df.height == 2 * len(I.REGISTRE)
    assert set(df["code"]) == {"27", "01"}
    assert df.filter(pl.col("code") == "27")["nom"][0] == "Bourgogne-Franche-Comté"
    assert df["indicateur"].unique(maintain_order=True).to_list() == list(I.REGISTRE)
    nat = I.valeurs(jeu, "nationale", 2024, indicateurs="taux_entree")
    assert nat.select("code", "nom", "code_region").row(0) == ("FR", "France", None)
    dep = I.valeurs(jeu, "departement", 2024, indicateurs=["nb_ml"])
    assert dict(zip(dep["code"], dep["code_region"])) == {"90": "27", "971": "01"}

    t = I.tableau(jeu, "ml", 2024, ["taux_entree", "enveloppe_ml"])
    assert t.columns == ["code", "nom", "code_region", "taux_entree", "enveloppe_ml"]
    assert t.filter(pl.col("code") == "MLB")["enveloppe_ml"][0] == pytest.approx(125_000)
    assert I.tableau(jeu, "ml", 2024, ["taux_entree"], codes=["inconnu"]).columns == [
        "code", "nom", "code_region", "taux_entree"]

    s = I.serie_annuelle(jeu, "ml", ["MLA"], ["entrees_delegation", "etp_affectes"])
    assert s.columns == ["maille", "annee", "code", "nom", "code_region", "indicateur", "numerateur",
                         "denominateur", "valeur"]
    assert s.select("annee", "indicateur", "valeur").rows() == [
        (2023, "entrees_delegation", 252.0), (2023, "etp_affectes", 2.0),
        (2024, "entrees_delegation", 252.0), (2024, "etp_affectes", 2.0)]

    assert I.annees_disponibles(jeu) == [2023, 2024]
    assert I.regions(jeu).rows() == [("01", "Guadeloupe"), ("27", "Bourgogne-Franche-Comté")]
    assert I.departements(jeu, "27").rows() == [("90", "Territoire de Belfort", "27")]
    assert I.missions_locales(jeu).rows() == [
        ("MLA", "Mission Locale de Belfort", "90", "27", "Bourgogne-Franche-Comté"),
        ("MLB", "Mission Locale des Abymes", "971", "01", "Guadeloupe")]


def test_filtre_region(jeu):
    df = I.valeurs(jeu, "ml", 2024, indicateurs=["taux_acceptation"], code_region="01")
    assert df["code"].to_list() == ["MLB"]
    assert df["valeur"][0] == pytest.approx(75.0)
    assert I.valeurs(jeu, "departement", 2024, code_region="27", indicateurs=["nb_ml"])["code"].to_list() == ["90"]
    # ignoré à la maille nationale
    assert I.valeurs(jeu, "nationale", 2024, code_region="01", indicateurs=["nb_ml"])["valeur"][0] == 2


def test_series_mensuelles(jeu):
    s = I.series_mensuelles(jeu, "nationale", None, ["orientes_ft_ml", "taux_acceptation", "jeunes_accompagnes"],
                            debut=date(2024, 1, 1), fin=date(2024, 3, 1))
    assert s.columns == ["mois", "code", "nom", "mesure", "valeur"]
    assert s["mois"].unique().sort().to_list() == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    premier = {r["mesure"]: r["valeur"] for r in s.filter(pl.col("mois") == date(2024, 2, 1)).iter_rows(named=True)}
    assert premier == {"orientes_ft_ml": 42.0, "taux_acceptation": pytest.approx(35 / 42 * 100),
                       "jeunes_accompagnes": 2100.0}
    ml = I.series_mensuelles(jeu, "ml", ["MLB"], "entres_ft_ml")
    assert ml.height == 24 and set(ml["valeur"]) == {6.0}
    with pytest.raises(I.ErreurRequete, match="mois par mois"):
        I.series_mensuelles(jeu, "ml", None, ["taux_couverture"])
    with pytest.raises(I.ErreurRequete, match="inconnue"):
        I.series_mensuelles(jeu, "ml", None, ["pas_une_mesure"])


def test_synthese_nationale(jeu):
    s = I.synthese_nationale(jeu, 2024)
    assert s["enveloppe_totale"].valeur == 387_500 and s["enveloppe_totale"].precedente == 387_500
    assert s["valorisation_etp_nationale"].valeur == 157_500
    assert s["credits_hors_valorisation"].valeur == 387_500 - 157_500
    assert s["valorisation_forfaitaire"].valeur == 3.5 * 45_000
    assert s["ecart_valorisation"].valeur == 0
    assert s["etp_prevus"].valeur == 3.5
    assert s["objectif_national"].valeur == 400
    assert s["enveloppe_ml"].valeur == pytest.approx(387_500)
    assert s["part_repartie"].valeur == pytest.approx(100.0)
    assert s["entrees_delegation"].valeur == 324
    assert s["atteinte_objectif_national"].valeur == pytest.approx(81.0)
    assert s["taux_acceptation"].valeur == pytest.approx(35 / 42 * 100)
    assert s["part_ml_accord"].valeur == pytest.approx(50.0)
    assert s["jeunes_accompagnes"].valeur == pytest.approx(2100)
    assert s["nb_ml"].indicateur == "nb_ml" and s["nb_ml"].unite == "ML"
    assert s["taux_entree"].evolution == pytest.approx(0.0)
    # les chiffres du registre sont ceux de valeurs() à la maille nationale
    nat = I.valeurs(jeu, "nationale", 2024)
    for code, ch in s.items():
        if ch.indicateur:
            assert ch.valeur == nat.filter(pl.col("indicateur") == code)["valeur"][0]
    assert I.synthese_nationale(jeu, 2023)["enveloppe_totale"].precedente is None


# ------------------------------------------------------------------------ valeurs à la main (varié)

def test_jeu_varie_a_la_main(jeu_v):
    # ML avec agent : 2023 MLA seule ; 2024 MLA, MLB, MLC ; sur 4 ML (MLD comprise)
    assert v(jeu_v, "nationale", 2023, "FR", "part_ml_agent") == pytest.approx(25.0)
    assert v(jeu_v, "nationale", 2024, "FR", "part_ml_agent") == pytest.approx(75.0)
    assert v(jeu_v, "nationale", 2023, "FR", "part_ml_agent", annee_fin=2024) == pytest.approx(50.0)
    # MLC sans allocation en 2023 : 0 ETP cette année-là, moyenne sur 2023-2024 = 0,75
    assert v(jeu_v, "ml", 2023, "MLC", "etp_affectes") == 0.0
    assert v(jeu_v, "ml", 2023, "MLC", "etp_affectes", annee_fin=2024) == pytest.approx(0.75)
    # accords aux bornes (31 décembre inclus)
    assert v(jeu_v, "nationale", 2023, "FR", "part_ml_accord") == pytest.approx(50.0)  # AC1, AC5
    assert v(jeu_v, "nationale", 2024, "FR", "part_ml_accord") == pytest.approx(50.0)  # AC1, AC4
    assert v(jeu_v, "ml", 2024, "MLC", "part_accords_socle") == pytest.approx(100.0)  # AC4
    assert v(jeu_v, "ml", 2023, "MLC", "part_accords_socle") == 0.0  # AC5 sans plan d'actions
    assert v(jeu_v, "ml", 2023, "MLC", "part_accords_participation_jeunes") == pytest.approx(100.0)
    assert v(jeu_v, "nationale", 2024, "FR", "part_ml_accord", date_reference=date(2024, 2, 1)) == 25.0
    assert v(jeu_v, "nationale", 2024, "FR", "part_ml_accord", date_reference=date(2024, 3, 1)) == 50.0
    # MLB : activité transmise de janvier à juin 2024 -> moyenne sur 6 mois, flux sur 6 mois
    assert v(jeu_v, "ml", 2024, "MLB", "jeunes_accompagnes") == pytest.approx(900)
    assert v(jeu_v, "ml", 2024, "MLB", "premiers_accueils") == 70 * 6
    # MLC : moyenne de 310..360
    assert v(jeu_v, "ml", 2024, "MLC", "jeunes_accompagnes") == pytest.approx(335)
    assert v(jeu_v, "ml", 2024, "MLD", "jeunes_accompagnes") is None
    assert v(jeu_v, "nationale", 2024, "FR", "jeunes_accompagnes") == pytest.approx(1200 + 900 + 335)
    # MLB 2024 : orientations doublées, le taux ne bouge pas, le volume double
    assert v(jeu_v, "ml", 2024, "MLB", "orientes_ft_ml") == 24 * 12
    assert v(jeu_v, "ml", 2024, "MLB", "taux_acceptation") == pytest.approx(75.0)
    # MLC : 3 mois d'orientations pour éloignement de l'emploi
    assert v(jeu_v, "ml", 2024, "MLC", "part_motif_difficultes_sociales") == 0.0
    assert v(jeu_v, "ml", 2024, "MLC", "part_motif_sociales_eloignement") == pytest.approx(100.0)
    assert v(jeu_v, "ml", 2023, "MLC", "orientes_ft_ml") == 0.0
    assert v(jeu_v, "ml", 2023, "MLC", "taux_acceptation") is None
    # département 25 : ML par le siège (MLC), jeunes NEET par commune (25056, 25057, 25058)
    neet_25 = (60 + 0) + (60 + 5) + (60 + 15)
    assert v(jeu_v, "departement", 2024, "25", "jeunes_neet") == neet_25
    assert v(jeu_v, "departement", 2024, "25", "taux_couverture") == pytest.approx(335 / neet_25 * 100)
    # maille ML : communes de territoires_ml (25056, 25057, 90011), pas 25058
    neet_mlc = (60 + 0) + (60 + 5) + (60 + 10)
    assert v(jeu_v, "ml", 2024, "MLC", "jeunes_neet") == neet_mlc
    # 90005 sans ligne en 2024 : le département 90 perd sa population en 2024
    pop_90_2023 = sum(1000 + 100 * i for i in range(10)) + (500 + 100)
    pop_90_2024 = pop_90_2023 - (1000 + 400) + 30
    assert v(jeu_v, "departement", 2023, "90", "population_16_25") == pop_90_2023
    assert v(jeu_v, "departement", 2024, "90", "population_16_25") == pop_90_2024
    assert v(jeu_v, "departement", 2023, "90", "population_16_25", annee_fin=2024) == pytest.approx(
        (pop_90_2023 + pop_90_2024) / 2)
    assert I.departements(jeu_v)["code_departement"].to_list() == ["25", "90", "971"]


# --------------------------------------------------------------------------------- erreurs claires

def test_erreurs_claires(jeu):
    with pytest.raises(I.ErreurRequete, match="Maille inconnue : 'commune'"):
        I.valeurs(jeu, "commune", 2024)
    with pytest.raises(I.ErreurRequete, match="Indicateur inconnu : 'pas_un_indicateur'"):
        I.valeurs(jeu, "nationale", 2024, indicateurs=["taux_entree", "pas_un_indicateur"])
    with pytest.raises(I.ErreurRequete, match="Indicateur inconnu"):
        I.tableau(jeu, "ml", 2024, ["x'); DROP TABLE allocations; --"])
    with pytest.raises(I.ErreurRequete, match="Année invalide"):
        I.valeurs(jeu, "nationale", "2024")
    with pytest.raises(I.ErreurRequete, match="Période invalide"):
        I.valeurs(jeu, "nationale", 2024, annee_fin=2023)
    with pytest.raises(I.ErreurRequete, match="Code de territoire invalide"):
        I.valeurs(jeu, "ml", 2024, codes=[1])
    with pytest.raises(I.ErreurRequete, match="Maille inconnue"):
        I.serie_annuelle(jeu, "ml; DROP TABLE accords", None, ["nb_ml"])
    with pytest.raises(I.ErreurRequete, match="Date de référence invalide"):
        I.valeurs(jeu, "nationale", 2024, date_reference="2024-12-31")
    with pytest.raises(I.ErreurRequete, match="Aucun indicateur"):
        I.valeurs(jeu, "nationale", 2024, indicateurs=[])
    assert issubclass(I.ErreurRequete, ValueError)
    # année absente : territoires présents, valeurs vides
    vide = I.valeurs(jeu, "nationale", 2030, indicateurs=["taux_entree", "nb_ml"])
    assert vide["valeur"].to_list() == [None, None]


MALVEILLANTS = [
    "x'); DROP TABLE missions_locales; --",
    "MLA' OR '1'='1",
    "'; SELECT * FROM read_csv('/etc/passwd'); --",
    "$codes",
    "?",
]


@pytest.mark.parametrize("code", MALVEILLANTS)
def test_valeurs_malveillantes_sans_effet(jeu, code):
    assert I.valeurs(jeu, "ml", 2024, codes=[code]).is_empty()
    assert I.valeurs(jeu, "ml", 2024, code_region=code).is_empty()
    assert I.serie_annuelle(jeu, "departement", [code], ["nb_ml"]).is_empty()
    assert I.series_mensuelles(jeu, "region", [code], ["orientes_ft_ml"]).is_empty()
    assert I.departements(jeu, code).is_empty()
    # tout est encore là
    assert I.valeurs(jeu, "ml", 2024, codes=["MLA"], indicateurs=["nb_ml"])["valeur"][0] == 1
    assert jeu.sql("SELECT count(*) AS n FROM missions_locales")["n"][0] == 2
    assert jeu.sql("SELECT count(*) AS n FROM cube_ml")["n"][0] == 4


def test_jeu_sans_orientations_ni_activite(tmp_path):
    t = jeu_minimal()
    t["orientations"] = t["orientations"].clear()
    t["activite"] = t["activite"].clear()
    jeu = JeuDeDonnees(ecrire_jeu(tmp_path, t))
    assert I.annees_disponibles(jeu) == [2023, 2024]
    nat = I.valeurs(jeu, "nationale", 2024)
    v = dict(zip(nat["indicateur"], nat["valeur"]))
    assert v["etp_affectes"] == 2.0 and v["part_ml_accord"] == 50.0
    assert v["taux_acceptation"] is None and v["jeunes_accompagnes"] is None and v["eur_par_entree"] is None
    assert I.series_mensuelles(jeu, "nationale", None, ["orientes_ft_ml"]).is_empty()
