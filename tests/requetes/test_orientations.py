"""Tests de requetes/orientations.py.

- Jeux faits à la main (``tests.fabrique.jeu_minimal`` et ``jeu_orientations_varie``) : volumes connus par
  construction, écrits dans le test avec leur calcul ;
- comparaison à un calcul indépendant en Polars lu directement dans les fichiers Parquet (``Reference``
  ci-dessous : ni SQL, ni cubes, ni registre), sur ces jeux et sur le jeu de démonstration national.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from donnees import referentiel
from donnees.contrat import MOTIFS
from requetes import indicateurs as I
from requetes import orientations as O
from requetes.indicateurs import ErreurRequete
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_minimal, jeu_orientations_varie


class Reference:
    """Orientations, objectifs et activité lus dans les fichiers, rattachés par le siège des ML."""

    def __init__(self, dossier: Path):
        lire = lambda nom: pl.read_parquet(Path(dossier) / f"{nom}.parquet")  # noqa: E731
        deps = referentiel.departements().select("code_departement", "code_region")
        self.ml = lire("missions_locales").join(deps, on="code_departement", how="left")
        rattache = self.ml.select("code_ml", "code_departement", "code_region")
        self.o = lire("orientations").join(rattache, on="code_ml", how="left")
        self.alloc = lire("allocations").join(rattache, on="code_ml", how="left")
        self.act = lire("activite").join(rattache, on="code_ml", how="left")

    @staticmethod
    def _filtre(df, code_region=None, code_ml=None):
        if code_ml:
            return df.filter(pl.col("code_ml") == code_ml)
        if code_region:
            return df.filter(pl.col("code_region") == code_region)
        return df

    def volumes(self, annee, sens="ft_vers_ml", code_region=None, code_ml=None) -> tuple[int, int, int]:
        d = self._filtre(self.o, code_region, code_ml).filter(
            (pl.col("mois").dt.year() == annee) & (pl.col("sens") == sens))
        return int(d["orientes"].sum()), int(d["acceptes"].sum()), int(d["entres"].sum())

    def par_territoire(self, annee, cle, code_region=None) -> pl.DataFrame:
        d = self.o.filter((pl.col("mois").dt.year() == annee) & (pl.col("sens") == "ft_vers_ml"))
        if code_region and cle != "code_region":
            d = d.filter(pl.col("code_region") == code_region)
        return d.group_by(cle).agg(
            pl.col("orientes").sum(), pl.col("acceptes").sum(), pl.col("entres").sum(),
            *(pl.col("orientes").filter(pl.col("motif") == m).sum().alias(m) for m in MOTIFS),
        ).rename({cle: "code"})

    def mensuel(self, annee, sens, etape, code_region=None, code_ml=None) -> dict[int, int]:
        d = self._filtre(self.o, code_region, code_ml).filter(
            (pl.col("mois").dt.year() == annee) & (pl.col("sens") == sens))
        return dict(d.group_by(pl.col("mois").dt.month().alias("m")).agg(pl.col(etape).sum()).iter_rows())

    @property
    def mois(self) -> set[date]:
        """Mois présents dans le fichier des orientations (toutes ML confondues)."""
        return set(self.o["mois"].unique().to_list())

    def valeur_mois(self, volumes: dict[int, int], annee: int, m: int):
        return volumes.get(m, 0) if date(annee, m, 1) in self.mois else None

    def objectif(self, annee, code_region=None, code_ml=None) -> float:
        return float(self._filtre(self.alloc, code_region, code_ml).filter(pl.col("annee") == annee)
                     ["objectif_entrees_delegation"].sum())


@pytest.fixture(scope="module")
def minimal(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("orient_minimal"), jeu_minimal())
    return JeuDeDonnees(dossier), Reference(dossier)


@pytest.fixture(scope="module")
def varie(tmp_path_factory):
    dossier = ecrire_jeu(tmp_path_factory.mktemp("orient_varie"), jeu_orientations_varie())
    return JeuDeDonnees(dossier), Reference(dossier)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dossier = dossier_demo_partage(tmp_path_factory)
    return JeuDeDonnees(dossier), Reference(dossier)


# --------------------------------------------------------------------------------------------------
# Réponses connues
# --------------------------------------------------------------------------------------------------

def test_entonnoir_connu(minimal):
    jeu, _ = minimal
    # 2024, France → ML : MLA 12 × (20 + 10) orientés, 12 × (18 + 8) acceptés, 12 × (15 + 6) entrés ;
    # MLB 12 × 12, 12 × 9, 12 × 6.
    e = O.entonnoir(jeu, 2024)
    assert e["jeunes"].to_list() == [504.0, 420.0, 324.0]
    assert e["perte"].to_list() == [None, 84.0, 96.0]
    assert e["part_initiale"].to_list() == pytest.approx([100.0, 100 * 420 / 504, 100 * 324 / 504])
    assert e["part_etape"][2] == pytest.approx(100 * 324 / 420)
    # ML → France Travail : MLA 12 × 5 orientés et acceptés, 12 × 4 entrés
    assert O.entonnoir(jeu, 2024, sens="ml_vers_ft")["jeunes"].to_list() == [60.0, 60.0, 48.0]
    assert O.entonnoir(jeu, 2024, code_ml="MLB")["jeunes"].to_list() == [144.0, 108.0, 72.0]
    assert O.entonnoir(jeu, 2024, code_region="01")["jeunes"].to_list() == [144.0, 108.0, 72.0]
    t = O.entonnoir_territoires(jeu, 2024, "ml")
    assert t["code"].to_list() == ["MLB", "MLA"]  # MLB perd 50 %, MLA 30 %
    mlb = t.row(0, named=True)
    assert (mlb["refuses"], mlb["non_entres"], mlb["pertes"]) == (36.0, 36.0, 72.0)
    assert mlb["taux_perte"] == pytest.approx(50.0)
    assert mlb["ecart_perte_france"] == pytest.approx(50.0 - 100 * 180 / 504)
    # à la maille région, toutes les régions restent, même avec une région choisie
    assert set(O.entonnoir_territoires(jeu, 2024, "region", "27")["code"]) == {"01", "27"}
    assert O.entonnoir_territoires(jeu, 2024, "departement", "27")["code"].to_list() == ["90"]


def test_motifs_connus(minimal):
    jeu, _ = minimal
    m = O.motifs_territoires(jeu, 2024, "ml")
    mlb, mla = m.row(0, named=True), m.row(1, named=True)
    assert mlb["code"] == "MLB" and mlb["part_difficultes_sociales"] == 100.0 and mlb["signale"]
    assert mla["part_sociales_eloignement"] == pytest.approx(100 * 10 / 30) and not mla["signale"]
    assert mla["part_accompagnement_global"] == pytest.approx(100 * 20 / 30)
    # seuil strict : 100 % n'est pas « au-dessus de » 100 %
    assert not O.motifs_territoires(jeu, 2024, "ml", seuil=100)["signale"].any()
    assert O.motifs_territoires(jeu, 2024, "ml", seuil=30)["signale"].to_list() == [True, True]
    p = O.motifs_perimetre(jeu, 2024)
    assert dict(p.select("motif", "orientes").iter_rows()) == {
        "eloignement_emploi": 0.0, "difficultes_sociales": 264.0, "accompagnement_global": 240.0,
        "demande_jeune": 0.0, "prestation_ft": 0.0, "autre": 0.0}
    assert p["part"].sum() == pytest.approx(100.0)
    with pytest.raises(ErreurRequete):
        O.motifs_territoires(jeu, 2024, "ml", seuil=120)


def test_series_connues(varie):
    jeu, _ = varie
    s = O.serie_mensuelle(jeu, 2024, "orientes")
    ft = s.filter(pl.col("sens") == "ft_vers_ml")
    # 2024 : 24 + 10 + 12 = 46 orientés par mois jusqu'en juin, plus rien ensuite ; 2023 : 20 + 10 + 12 = 42
    assert ft["valeur"].to_list() == [46.0] * 6 + [None] * 6
    assert ft["valeur_precedente"].to_list() == [42.0] * 12
    assert ft["ecart"].to_list()[:6] == [4.0] * 6
    assert ft["evolution"][0] == pytest.approx(100 * 4 / 42)
    assert ft["libelle_mois"].to_list()[:3] == ["janv.", "févr.", "mars"]
    ml = s.filter(pl.col("sens") == "ml_vers_ft")
    assert ml["valeur"].to_list() == [5.0] * 6 + [None] * 6
    entres = O.serie_mensuelle(jeu, 2024, "entres", code_ml="MLA").filter(pl.col("sens") == "ft_vers_ml")
    assert entres["valeur"].to_list()[:6] == [22.0] * 6  # 16 + 6
    # 2023 : pas d'année précédente dans le jeu
    assert O.serie_mensuelle(jeu, 2023)["valeur_precedente"].null_count() == 24
    with pytest.raises(ErreurRequete):
        O.serie_mensuelle(jeu, 2024, "refuses")


def test_objectif_connu(varie):
    jeu, _ = varie
    o = O.objectif_mensuel(jeu, 2024)
    # entrées 2024 : 16 + 6 (MLA) + 6 (MLB) = 28 par mois, janvier à juin ; objectif 300 + 100 = 400
    assert o["entrees"].to_list() == [28.0] * 6 + [None] * 6
    assert o["entrees_cumulees"].to_list() == [28.0 * k for k in range(1, 7)] + [None] * 6
    assert o["objectif_prorata"].to_list() == pytest.approx([400 * k / 12 for k in range(1, 13)])
    assert o["atteinte_prorata"][5] == pytest.approx(100 * 168 / 200)
    assert O.mois_connus(jeu, 2024) == [date(2024, m, 1) for m in range(1, 7)]
    t = O.objectif_territoires(jeu, 2024, "ml")
    # au prorata de 6 mois : MLA 132 / 150, MLB 36 / 50 ; le plus en retard d'abord
    assert t["code"].to_list() == ["MLB", "MLA"]
    assert dict(t.select("code", "atteinte_prorata").iter_rows()) == pytest.approx({"MLB": 72.0, "MLA": 88.0})
    assert dict(t.select("code", "atteinte_annuelle").iter_rows()) == pytest.approx({"MLB": 36.0, "MLA": 44.0})
    assert t["nb_mois"].to_list() == [6, 6] and t["dernier_mois"][0] == date(2024, 6, 1)
    assert O.objectif_national(jeu, 2024) == 400.0
    assert O.objectif_national(jeu, 2031) is None


def test_doubles_connus(minimal):
    jeu, _ = minimal
    m = O.doubles_mensuels(jeu)
    assert m.height == 24
    assert m["doubles_accompagnements"].unique().to_list() == [8.0]  # 3 + 5
    assert m["doubles_pour_1000"][0] == pytest.approx(1000 * 8 / 2100)
    a = O.doubles_annuels(jeu, code_ml="MLA")
    assert a["annee"].to_list() == [2023, 2024]
    assert a["doubles_pour_1000"].to_list() == pytest.approx([1000 * 3 / 1200] * 2)


def test_chiffres_du_registre(varie):
    jeu, _ = varie
    c = {x.cle: x for x in O.chiffres(jeu, 2024)}
    assert c["orientes_ft_ml"].valeur == 276.0 and c["orientes_ft_ml"].precedente == 504.0
    assert c["entrees_delegation"].valeur == 168.0
    assert c["atteinte_objectif"].valeur == pytest.approx(42.0)
    assert c["taux_transformation"].valeur == pytest.approx(100 * 168 / 276)
    assert {x.cle for x in O.chiffres(jeu, 2023)} == set(O.INDICATEURS_CHIFFRES)
    assert O.chiffres(jeu, 2023)[0].precedente is None
    assert O.perimetre("27", "MLA") == ("ml", ["MLA"])
    assert O.perimetre(None, None) == ("nationale", None)
    with pytest.raises(ErreurRequete):
        O.entonnoir_territoires(jeu, 2024, "commune")
    assert O.options_ml(jeu, "01")["libelle"].to_list() == ["Mission Locale des Abymes (MLB)"]


# --------------------------------------------------------------------------------------------------
# Comparaison au calcul de référence
# --------------------------------------------------------------------------------------------------

def _pct(num, den):
    return None if not den else 100 * num / den


def _comparer(jeu: JeuDeDonnees, ref: Reference, annee: int, code_region: str | None, code_ml: str | None) -> None:
    for sens in ("ft_vers_ml", "ml_vers_ft"):
        o, a, e = ref.volumes(annee, sens, code_region, code_ml)
        ent = O.entonnoir(jeu, annee, code_region, code_ml, sens)
        assert ent["jeunes"].to_list() == [float(o), float(a), float(e)]
        assert ent["perte"].to_list()[1:] == [float(o - a), float(a - e)]
        for etape in O.ETAPES:
            attendu = ref.mensuel(annee, sens, etape, code_region, code_ml)
            avant = ref.mensuel(annee - 1, sens, etape, code_region, code_ml)
            s = O.serie_mensuelle(jeu, annee, etape, code_region, code_ml).filter(pl.col("sens") == sens)
            for m, v, p in s.select("numero_mois", "valeur", "valeur_precedente").iter_rows():
                # un mois absent du fichier (aucune ML) n'est pas connu : nul ; présent : 0 par défaut
                assert v == ref.valeur_mois(attendu, annee, m)
                assert p == ref.valeur_mois(avant, annee - 1, m)
    # objectif : cumul des entrées mois par mois face à l'objectif au prorata
    obj = ref.objectif(annee, code_region, code_ml)
    entres = ref.mensuel(annee, "ft_vers_ml", "entres", code_region, code_ml)
    suivi = O.objectif_mensuel(jeu, annee, code_region, code_ml)
    cumul = 0
    dernier = max((d.month for d in ref.mois if d.year == annee), default=0)
    for m, c, p in suivi.select("numero_mois", "entrees_cumulees", "objectif_prorata").iter_rows():
        cumul += entres.get(m, 0)
        assert c == (cumul if m <= dernier else None)
        assert p == pytest.approx(obj * m / 12)


def _comparer_territoires(jeu: JeuDeDonnees, ref: Reference, annee: int, maille: str, code_region: str | None):
    cle = {"region": "code_region", "departement": "code_departement", "ml": "code_ml"}[maille]
    attendu = {r["code"]: r for r in ref.par_territoire(annee, cle, code_region).iter_rows(named=True)}
    t = O.entonnoir_territoires(jeu, annee, maille, code_region)
    for r in t.iter_rows(named=True):
        x = attendu.get(r["code"])
        if x is None:
            assert not r["orientes"]
            continue
        assert (r["orientes"], r["acceptes"], r["entres"]) == (x["orientes"], x["acceptes"], x["entres"])
        assert r["taux_perte"] == pytest.approx(_pct(x["orientes"] - x["entres"], x["orientes"]))
        assert r["part_refus"] == pytest.approx(_pct(x["orientes"] - x["acceptes"], x["orientes"]))
    pertes = [v for v in t["taux_perte"].to_list() if v is not None]
    assert pertes == sorted(pertes, reverse=True)
    mo = O.motifs_territoires(jeu, annee, maille, code_region)
    for r in mo.iter_rows(named=True):
        x = attendu.get(r["code"])
        if x is None or not x["orientes"]:
            continue
        for m in MOTIFS:
            assert r[f"part_{m}"] == pytest.approx(_pct(x[m], x["orientes"]))
        part = _pct(x["difficultes_sociales"] + x["eloignement_emploi"], x["orientes"])
        assert r["part_sociales_eloignement"] == pytest.approx(part)
        assert r["signale"] == (part > O.SEUIL_MOTIFS_DEFAUT)
    ob = O.objectif_territoires(jeu, annee, maille, code_region)
    objectifs = ref.alloc.filter(pl.col("annee") == annee).group_by(cle).agg(
        pl.col("objectif_entrees_delegation").sum())
    objectifs = dict(objectifs.iter_rows())
    nb_mois = max(d.month for d in O.mois_connus(jeu, annee))
    for r in ob.iter_rows(named=True):
        if r["code"] in objectifs:
            assert r["objectif_annuel"] == objectifs[r["code"]]
            assert r["objectif_prorata"] == pytest.approx(objectifs[r["code"]] * nb_mois / 12)
        if r["code"] in attendu:
            assert r["entrees_cumulees"] == attendu[r["code"]]["entres"]
    if code_region is not None and maille != "region":
        assert set(ob["code_region"]) <= {code_region}


@pytest.mark.parametrize(("annee", "region", "ml"), [(2024, None, None), (2024, "27", None), (2024, "01", "MLB"),
                                                     (2023, None, "MLA")])
def test_reference_jeux_faits_main(minimal, varie, annee, region, ml):
    for jeu, ref in (minimal, varie):
        _comparer(jeu, ref, annee, region, ml)
        for maille in O.MAILLES_TERRITOIRES:
            _comparer_territoires(jeu, ref, annee, maille, region)


@pytest.mark.parametrize(("annee", "region", "ml"), [(2025, None, None), (2020, "53", None), (2024, "84", "ML00101")])
def test_reference_demo(demo, annee, region, ml):
    jeu, ref = demo
    _comparer(jeu, ref, annee, region, ml)


@pytest.mark.parametrize(("maille", "region"), [("region", None), ("departement", "76"), ("ml", None)])
def test_reference_demo_territoires(demo, maille, region):
    jeu, ref = demo
    _comparer_territoires(jeu, ref, 2025, maille, region)


def test_demo_doubles_et_registre(demo):
    jeu, ref = demo
    m = O.doubles_mensuels(jeu, "11")
    act = ref.act.filter(pl.col("code_region") == "11").group_by("mois").agg(
        pl.col("doubles_accompagnements").sum(), pl.col("jeunes_accompagnes").sum()).sort("mois")
    assert m["mois"].to_list() == act["mois"].to_list()
    assert m["doubles_accompagnements"].to_list() == act["doubles_accompagnements"].cast(pl.Float64).to_list()
    assert m["doubles_pour_1000"].to_list() == pytest.approx(
            (1000 * act["doubles_accompagnements"] / act["jeunes_accompagnes"]).to_list())
    a = O.doubles_annuels(jeu, "11")
    reg = I.serie_annuelle(jeu, "region", ["11"], indicateurs=["doubles_pour_1000"])
    assert a["doubles_pour_1000"].to_list() == pytest.approx(reg["valeur"].to_list())
    # quelques territoires orientent presque seulement sur les difficultés sociales et l'éloignement
    mo = O.motifs_territoires(jeu, 2025, "ml")
    assert 0 < mo["signale"].sum() < mo.height / 4


def test_seuil_des_motifs_identique_a_l_alerte_7():
    from requetes import alertes

    parametre = next(p for p in alertes.ALERTES["criteres_orientation"].parametres if p.code == "seuil_pct")
    assert parametre.defaut == O.SEUIL_MOTIFS_DEFAUT
