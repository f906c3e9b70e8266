"""Tests de requetes/accords.py.

- Jeu fait à la main (``tests.fabrique.jeu_accords_varies``) : chaque situation au 31 décembre 2024 est
  connue par construction et écrite dans le test avec sa raison ;
- toutes les fonctions sont comparées à un calcul indépendant en Polars lu directement dans les fichiers
  Parquet (``Reference`` ci-dessous : aucune requête SQL, aucun appel à requetes/) ;
- le jeu de démonstration national (généré une fois par session) : mêmes comparaisons à plusieurs dates,
  France entière et une région, et accord avec le registre des indicateurs (mêmes accords en vigueur).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from donnees import referentiel
from donnees.contrat import CONTENUS_ACCORD
from requetes import accords as A
from requetes import indicateurs as I
from requetes.indicateurs import ErreurRequete
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_accords_varies, jeu_minimal

FIN_2024 = date(2024, 12, 31)
PRIORITE = {"en_vigueur": 1, "en_negociation": 2, "echu": 3, "denonce": 3, "non_engage": 4}


# --------------------------------------------------------------------------------------------------
# Calcul de référence, en Polars seul, sur les fichiers
# --------------------------------------------------------------------------------------------------

class Reference:
    def __init__(self, dossier: Path):
        lire = lambda nom: pl.read_parquet(Path(dossier) / f"{nom}.parquet")  # noqa: E731
        deps = referentiel.departements().select("code_departement", "nom_departement", "code_region")
        self.ml = lire("missions_locales").join(deps, on="code_departement", how="left")
        a = lire("accords").with_columns(pl.coalesce("date_debut", "date_signature").alias("debut"))
        nb = sum(pl.col(c).fill_null(False).cast(pl.Int64) for c in CONTENUS_ACCORD) + (
            pl.col("participation_jeunes").fill_null(0) >= 2).cast(pl.Int64)
        self.accords = a.with_columns(nb.alias("nb"), (nb * 12.5).alias("score")).join(
            self.ml.select("code_ml", "code_region", "code_departement"), on="code_ml", how="left")

    def mls(self, region=None):
        return self.ml if region is None else self.ml.filter(pl.col("code_region") == region)

    def en_vigueur(self, d, region=None):
        a = self.accords.filter(
            (pl.col("statut") == "signe") & (pl.col("debut").is_null() | (pl.col("debut") <= d))
            & (pl.col("date_fin").is_null() | (pl.col("date_fin") >= d)))
        return a if region is None else a.filter(pl.col("code_region") == region)

    def situations(self, d, region=None) -> dict[str, tuple[str, str | None]]:
        """code_ml -> (situation, accord courant), ligne par ligne en Python."""
        res = {}
        for code in self.mls(region)["code_ml"].to_list():
            candidats = []
            for r in self.accords.filter(pl.col("code_ml") == code).iter_rows(named=True):
                if r["debut"] is not None and r["debut"] > d:
                    continue
                if r["statut"] == "signe":
                    sit = "en_vigueur" if (r["date_fin"] is None or r["date_fin"] >= d) else "echu"
                else:
                    sit = r["statut"]
                candidats.append((PRIORITE[sit], -(r["debut"].toordinal() if r["debut"] else -10**9),
                                  r["id_accord"], sit))
            if not candidats:
                res[code] = ("aucun_accord", None)
                continue
            # tri : priorité, début le plus récent (sans date en dernier), identifiant décroissant
            candidats.sort(key=lambda c: (c[0], c[1]))
            meilleurs = [c for c in candidats if c[:2] == candidats[0][:2]]
            choisi = max(meilleurs, key=lambda c: c[2])
            res[code] = (choisi[3], choisi[2])
        return res

    def jamais_signe(self, d, region=None) -> set[str]:
        signes = self.accords.filter(pl.col("statut").is_in(["signe", "echu", "denonce"])
                                     & (pl.col("debut").is_null() | (pl.col("debut") <= d)))["code_ml"]
        return set(self.mls(region)["code_ml"].to_list()) - set(signes.to_list())


def ouvrir(dossier: Path) -> JeuDeDonnees:
    return JeuDeDonnees(dossier)


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("accords_varies"), jeu_accords_varies())
    return ouvrir(dossier), Reference(dossier)


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("accords_minimal"), jeu_minimal())
    return ouvrir(dossier), Reference(dossier)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dossier = dossier_demo_partage(tmp_path_factory)
    return ouvrir(dossier), Reference(dossier)


# --------------------------------------------------------------------------------------------------
# Réponses connues (jeu fait à la main)
# --------------------------------------------------------------------------------------------------

SITUATIONS_2024 = {
    "MLA": ("en_vigueur", "AC4"),  # AC1 et AC4 en vigueur ; AC4 commence plus tard
    "MLB": ("en_negociation", "AC3"),  # AC2 échu, AC3 en négociation
    "MLC": ("aucun_accord", None),  # aucun accord
    "MLD": ("denonce", "AC5"),
    "MLE": ("non_engage", "AC6"),
    "MLF": ("echu", "AC7"),  # AC7 terminé fin 2022 ; AC8 ne commence qu'en 2025
    "MLG": ("en_vigueur", "AC9"),  # AC10 ne commence qu'en avril 2025
    "MLH": ("en_vigueur", "AC11"),  # en vigueur l'emporte sur la négociation de AC12
}


def test_situations_connues(varie):
    jeu, _ = varie
    df = A.accords_ml(jeu, FIN_2024)
    obtenu = {c: (s, i) for c, s, i in df.select("code_ml", "situation", "id_accord").iter_rows()}
    assert obtenu == SITUATIONS_2024
    # MLA a deux accords en vigueur ; les autres au plus un
    assert dict(df.select("code_ml", "nb_en_vigueur").iter_rows())["MLA"] == 2
    assert df.filter(pl.col("code_ml") == "MLC")["libelle_situation"].item() == "Aucun accord"
    # un an plus tard : AC8 et AC10 ont commencé, AC4 et AC9 sont finis
    plus_tard = dict(A.accords_ml(jeu, date(2025, 12, 31)).select("code_ml", "id_accord").iter_rows())
    assert plus_tard["MLF"] == "AC8" and plus_tard["MLG"] == "AC10" and plus_tard["MLA"] == "AC1"


def test_synthese_connue(varie):
    jeu, _ = varie
    s = A.synthese_situations(jeu, FIN_2024)
    assert s["situation"].to_list() == list(A.SITUATIONS)
    assert dict(s.select("situation", "nb_ml").iter_rows()) == {
        "en_vigueur": 3, "en_negociation": 1, "echu": 1, "denonce": 1, "non_engage": 1, "aucun_accord": 1}
    assert dict(s.select("situation", "part").iter_rows())["en_vigueur"] == pytest.approx(100 * 3 / 8)
    # Guadeloupe : seule MLB
    g = A.synthese_situations(jeu, FIN_2024, "01")
    assert dict(g.select("situation", "nb_ml").iter_rows())["en_negociation"] == 1
    assert g["nb_ml"].sum() == 1


def test_completude_connue(varie):
    jeu, _ = varie
    a = {r["id_accord"]: r for r in A.accords(jeu).iter_rows(named=True)}
    # AC1 : 6 contenus sur 7 (pas d'équipe commune) + participation 2 (consultation) = 7/8
    assert (a["AC1"]["nb_criteres"], a["AC1"]["score_completude"]) == (7, 87.5)
    # AC4 : 6 contenus + participation 1 (information, ne compte pas) = 6/8
    assert (a["AC4"]["nb_criteres"], a["AC4"]["score_completude"]) == (6, 75.0)
    # AC6 (non engagé) : rien
    assert a["AC6"]["score_completude"] == 0.0
    # AC9 : 5 contenus + participation 2 = 6/8
    assert a["AC9"]["nb_criteres"] == 6
    assert a["AC4"]["libelle_participation"] == "Information"
    assert a["AC4"]["libelle_modalite"] == "Mixte"
    assert a["AC1"]["agences"] == "France Travail Belfort"
    assert "Score de complétude" in A.REGLE_COMPLETUDE and "8" in A.REGLE_COMPLETUDE


def test_echeances_connues(varie):
    jeu, _ = varie
    e = A.echeances(jeu, FIN_2024, 12)
    assert e["id_accord"].to_list() == ["AC9", "AC4", "AC11"]  # du plus proche au plus lointain
    assert dict(e.select("id_accord", "suite").iter_rows()) == {
        "AC9": "renouvellement_signe", "AC4": "aucune", "AC11": "en_negociation"}
    assert dict(e.select("id_accord", "jours_restants").iter_rows()) == {"AC9": 90, "AC4": 181, "AC11": 273}
    # 3 mois : jusqu'au 31 mars 2025 inclus
    assert A.echeances(jeu, FIN_2024, 3)["id_accord"].to_list() == ["AC9"]
    assert A.echeances(jeu, FIN_2024, 2).is_empty()
    suites = A.suites_echeances(jeu, FIN_2024, 12)
    assert suites["nb"].to_list() == [1, 1, 1]
    with pytest.raises(ErreurRequete):
        A.echeances(jeu, FIN_2024, -1)


def test_ml_sans_accord_connues(varie):
    jeu, _ = varie
    s = A.ml_sans_accord(jeu, FIN_2024)
    assert dict(s.select("code_ml", "situation").iter_rows()) == {"MLC": "aucun_accord", "MLE": "non_engage"}
    # avant 2015 personne n'avait signé
    assert A.ml_sans_accord(jeu, date(2014, 12, 31)).height == 8


def test_evenements_connus(varie):
    jeu, _ = varie
    ev = A.evenements_par_annee(jeu).filter(pl.col("nb") > 0)
    obtenu = {(a, e): n for a, e, n in ev.select("annee", "evenement", "nb").iter_rows()}
    assert obtenu == {
        (2015, "premier_accord"): 2,  # AC1, AC2
        (2016, "premier_accord"): 1,  # AC7
        (2019, "premier_accord"): 1,  # AC5
        (2020, "premier_accord"): 1,  # AC9
        (2021, "premier_accord"): 1,  # AC11
        (2022, "fin_renouvelee"): 1,  # AC7, suivi de AC8
        (2023, "renouvellement"): 1,  # AC4 (signé le 1er décembre 2023)
        (2023, "fin_sans_suite"): 1,  # AC2 (MLB) : aucun accord signé ensuite
        (2024, "denonciation"): 1,  # AC5
    }
    # 2025 hors du jeu (années 2023-2024) : ni la signature de AC8, AC10 ni les fins de 2025
    assert ev["annee"].max() == 2024


def test_grille_et_participation_connues(varie):
    jeu, _ = varie
    g = A.grille_contenus(jeu, FIN_2024)
    france = g.filter(pl.col("niveau") == "nationale").row(0, named=True)
    # en vigueur : AC1, AC4, AC9, AC11 (4 accords)
    assert france["accords_en_vigueur"] == 4
    assert france["part_equipe_commune_entreprises"] == pytest.approx(100 * 2 / 4)  # AC9, AC11
    assert france["part_criteres_orientation"] == pytest.approx(100 * 3 / 4)  # pas AC11
    assert france["part_participation_consultation"] == pytest.approx(100 * 2 / 4)  # AC1 (2), AC9 (2)
    assert france["score_moyen"] == pytest.approx((87.5 + 75.0 + 75.0 + 75.0) / 4)
    guadeloupe = g.filter(pl.col("code") == "01").row(0, named=True)
    assert guadeloupe["accords_en_vigueur"] == 0 and guadeloupe["part_plan_actions"] is None
    # région choisie : France, la région, ses départements (Doubs, Jura, Nièvre, Haute-Saône, Saône-et-Loire,
    # Yonne, Territoire de Belfort)
    r = A.grille_contenus(jeu, FIN_2024, "27")
    assert r["niveau"].to_list()[:2] == ["nationale", "region"]
    assert set(r.filter(pl.col("niveau") == "departement")["code"]) == {"25", "39", "58", "70", "71", "89", "90"}
    assert dict(r.select("code", "accords_en_vigueur").iter_rows())["90"] == 2
    p = A.participation(jeu, FIN_2024)
    nat = p.filter(pl.col("niveau") == "nationale")
    assert dict(nat.select("participation_jeunes", "nb").iter_rows()) == {0: 0, 1: 2, 2: 2, 3: 0}
    assert nat["part"].sum() == pytest.approx(100.0)


def test_filtrer_ml(varie):
    jeu, _ = varie
    df = A.accords_ml(jeu, FIN_2024)
    assert A.filtrer_ml(df).height == 8
    assert set(A.filtrer_ml(df, ["en_vigueur"])["code_ml"]) == {"MLA", "MLG", "MLH"}
    assert set(A.filtrer_ml(df, [], ["aucune"])["code_ml"]) == {"MLB", "MLC", "MLE"}  # MLC : sans accord
    assert set(A.filtrer_ml(df, elements_minimum=7)["code_ml"]) == {"MLD"}  # AC5 : 8/8
    # 6/8 : AC4 (MLA), AC3 (MLB), AC9 (MLG), AC11 (MLH) ; MLF (AC7) n'en a que 4, MLC et MLE aucun
    assert set(A.filtrer_ml(df, elements_minimum=6)["code_ml"]) == {"MLA", "MLB", "MLD", "MLG", "MLH"}
    assert A.filtrer_ml(df, recherche="jura")["code_ml"].to_list() == ["MLD"]
    assert A.filtrer_ml(df, recherche="mlb")["code_ml"].to_list() == ["MLB"]
    assert A.filtrer_ml(df, ["aucun_accord"], ["mixte"]).is_empty()


def test_chiffres_et_registre(varie):
    jeu, _ = varie
    c = {x.cle: x for x in A.chiffres(jeu, FIN_2024)}
    assert c["part_ml_accord"].valeur == pytest.approx(100 * 3 / 8)
    assert c["accords_en_vigueur"].valeur == 4
    assert c["ml_sans_accord"].valeur == 2
    # au 31/12/2023 : AC1, AC9, AC11 en vigueur (AC4 commence en 2024), AC5 aussi (dénoncé : jamais en vigueur)
    assert c["accords_en_vigueur"].precedente == 3
    assert c["score_moyen"].precedente == pytest.approx((87.5 + 75.0 + 75.0) / 3)
    with pytest.raises(ErreurRequete):
        A.chiffres(jeu, date(2030, 12, 31))


def test_dates():
    assert A.dates_possibles(2024)[0] == FIN_2024 and A.dates_possibles(2024)[10] == date(2024, 2, 29)
    assert A.libelle_date(FIN_2024) == "31 décembre 2024"
    assert A.ajouter_mois(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert A.ajouter_mois(FIN_2024, 3) == date(2025, 3, 31)
    assert A.date_un_an_avant(date(2024, 2, 29)) == date(2023, 2, 28)
    with pytest.raises(ErreurRequete):
        A.accords_ml(None, "2024-12-31")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Comparaison au calcul de référence (jeu minimal, jeu varié, jeu de démonstration)
# --------------------------------------------------------------------------------------------------

def _comparer(jeu: JeuDeDonnees, ref: Reference, d: date, region: str | None) -> None:
    attendu = ref.situations(d, region)
    df = A.accords_ml(jeu, d, region)
    assert df.height == len(attendu)
    obtenu = {c: (s, i) for c, s, i in df.select("code_ml", "situation", "id_accord").iter_rows()}
    assert obtenu == attendu
    # score et nombre d'accords de l'accord courant
    scores = dict(ref.accords.select("id_accord", "score").iter_rows())
    for i, s in df.select("id_accord", "score_completude").iter_rows():
        assert s == (None if i is None else pytest.approx(scores[i]))
    nb = ref.accords.group_by("code_ml").len()
    assert dict(df.select("code_ml", "nb_accords").iter_rows()) == {
        c: dict(nb.iter_rows()).get(c, 0) for c in attendu}
    # synthèse
    s = A.synthese_situations(jeu, d, region)
    comptes = {k: 0 for k in A.SITUATIONS}
    for sit, _ in attendu.values():
        comptes[sit] += 1
    assert dict(s.select("situation", "nb_ml").iter_rows()) == comptes
    # accords en vigueur, grille, participation
    vig = ref.en_vigueur(d, region)
    assert set(A.accords_en_vigueur(jeu, d, region)["id_accord"]) == set(vig["id_accord"])
    g = A.grille_contenus(jeu, d, region)
    ligne = g.filter(pl.col("niveau") == ("nationale" if region is None else "region")).row(0, named=True)
    assert ligne["accords_en_vigueur"] == vig.height
    if vig.height:
        for c in CONTENUS_ACCORD:
            assert ligne[f"part_{c}"] == pytest.approx(100 * vig[c].fill_null(False).mean())
        assert ligne["part_participation_consultation"] == pytest.approx(
            100 * (vig["participation_jeunes"] >= 2).mean())
        assert ligne["score_moyen"] == pytest.approx(vig["score"].mean())
    cle = "code_region" if region is None else "code_departement"
    detail = g.filter(pl.col("niveau") == ("region" if region is None else "departement"))
    for code, k, part in detail.select("code", "accords_en_vigueur", "part_diagnostic_partage").iter_rows():
        sous = vig.filter(pl.col(cle) == code)
        assert k == sous.height
        assert part == (None if sous.height == 0 else pytest.approx(100 * sous["diagnostic_partage"].mean()))
    p = A.participation(jeu, d, region)
    p = p.filter(pl.col("niveau") == ("nationale" if region is None else "region"))
    attendu_p = vig.group_by("participation_jeunes").len()
    assert dict(p.select("participation_jeunes", "nb").iter_rows()) == {
        n: dict(attendu_p.iter_rows()).get(n, 0) for n in range(4)}
    # ML sans accord signé
    assert set(A.ml_sans_accord(jeu, d, region)["code_ml"]) == ref.jamais_signe(d, region)
    # échéances
    for n in (6, 12, 24):
        limite = A.ajouter_mois(d, n)
        attendu_e = vig.filter(pl.col("date_fin").is_not_null() & (pl.col("date_fin") > d)
                               & (pl.col("date_fin") <= limite))
        e = A.echeances(jeu, d, n, region)
        assert sorted(e["id_accord"]) == sorted(attendu_e["id_accord"])
        assert e["date_fin"].is_sorted()


@pytest.mark.parametrize("d", [FIN_2024, date(2023, 6, 30), date(2025, 12, 31), date(2015, 12, 31)])
@pytest.mark.parametrize("region", [None, "27", "01"])
def test_reference_jeux_faits_main(varie, minimal, d, region):
    for jeu, ref in (varie, minimal):
        _comparer(jeu, ref, d, region)


@pytest.mark.parametrize(("d", "region"), [
    (date(2025, 12, 31), None), (date(2019, 6, 30), None), (date(2023, 12, 31), "84"), (date(2016, 3, 31), "11"),
])
def test_reference_demo(demo, d, region):
    jeu, ref = demo
    _comparer(jeu, ref, d, region)


def test_demo_concorde_avec_le_registre(demo):
    """Mêmes accords en vigueur que le registre des indicateurs (autres pages), année par année."""
    jeu, ref = demo
    serie = I.serie_annuelle(jeu, "nationale", indicateurs=["part_ml_accord", "accords_en_vigueur"])
    par_annee = A.situations_par_annee(jeu)
    for annee in I.annees_disponibles(jeu):
        reg = dict(serie.filter(pl.col("annee") == annee).select("indicateur", "valeur").iter_rows())
        vig = par_annee.filter((pl.col("annee") == annee) & (pl.col("situation") == "en_vigueur")).row(0, named=True)
        assert vig["part"] == pytest.approx(reg["part_ml_accord"])
        assert A.grille_contenus(jeu, date(annee, 12, 31))["accords_en_vigueur"][0] == reg["accords_en_vigueur"]
    d = date(2025, 12, 31)
    nat = I.valeurs(jeu, "nationale", 2025, indicateurs=["part_accords_pilotage", "part_accords_president",
                                                         "part_accords_participation_jeunes"])
    reg = dict(nat.select("indicateur", "valeur").iter_rows())
    g = A.grille_contenus(jeu, d).row(0, named=True)
    assert g["part_comite_pilotage"] == pytest.approx(reg["part_accords_pilotage"])
    assert g["part_implication_president"] == pytest.approx(reg["part_accords_president"])
    assert g["part_participation_consultation"] == pytest.approx(reg["part_accords_participation_jeunes"])
    c = {x.cle: x.valeur for x in A.chiffres(jeu, d)}
    assert c["ml_sans_accord"] == len(ref.jamais_signe(d))


def test_demo_evenements(demo):
    jeu, ref = demo
    a = ref.accords.filter(pl.col("statut").is_in(["signe", "echu", "denonce"])).sort(
        "code_ml", "debut", "date_signature", "id_accord")
    premiers = a.group_by("code_ml", maintain_order=True).first()["id_accord"].to_list()
    ev = A.evenements_par_annee(jeu)
    derniere = max(I.annees_disponibles(jeu))
    for annee in range(2015, derniere + 1):
        ligne = dict(ev.filter(pl.col("annee") == annee).select("evenement", "nb").iter_rows())
        signes = a.filter(pl.col("date_signature").dt.year() == annee)
        assert ligne["premier_accord"] == signes.filter(pl.col("id_accord").is_in(premiers)).height
        assert ligne["renouvellement"] == signes.filter(~pl.col("id_accord").is_in(premiers)).height
        fins = a.filter(pl.col("date_fin").dt.year() == annee)
        assert ligne["denonciation"] == fins.filter(pl.col("statut") == "denonce").height
        suivis = 0
        for code, debut in fins.filter(pl.col("statut") != "denonce").select("code_ml", "debut").iter_rows():
            if a.filter((pl.col("code_ml") == code) & (pl.col("debut") > debut)).height:
                suivis += 1
        assert ligne["fin_renouvelee"] == suivis
        assert ligne["fin_sans_suite"] == fins.filter(pl.col("statut") != "denonce").height - suivis
    # la vague de 2015 est là
    assert dict(ev.filter(pl.col("annee") == 2015).select("evenement", "nb").iter_rows())["premier_accord"] > 300


def test_demo_par_region_et_par_annee(demo):
    jeu, ref = demo
    d = date(2025, 12, 31)
    pr = A.situations_par_region(jeu, d)
    attendu = ref.situations(d)
    ml_region = dict(ref.ml.select("code_ml", "code_region").iter_rows())
    for code_region, sit, nb in pr.select("code_region", "situation", "nb_ml").iter_rows():
        assert nb == sum(1 for c, (s, _) in attendu.items() if s == sit and ml_region[c] == code_region)
    vigueur = pr.filter(pl.col("situation") == "en_vigueur")["part"].to_list()
    assert vigueur == sorted(vigueur, reverse=True)
    pa = A.situations_par_annee(jeu, "84")
    for annee in (2015, 2020, 2025):
        attendu = ref.situations(date(annee, 12, 31), "84")
        ligne = dict(pa.filter(pl.col("annee") == annee).select("situation", "nb_ml").iter_rows())
        assert ligne == {k: sum(1 for s, _ in attendu.values() if s == k) for k in A.SITUATIONS}
