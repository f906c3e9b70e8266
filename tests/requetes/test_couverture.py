"""Périmètre du jeu de données (requetes.couverture) : comparé à un calcul Polars indépendant sur les fichiers
et le référentiel, sur le jeu de démonstration national et sur des extraits (région, département des DROM,
département de métropole) ; règle SQL ``communes_du_jeu()`` comprise."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from donnees import extrait, referentiel
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_minimal


@pytest.fixture(autouse=True)
def couverture_deduite(monkeypatch):
    """Ici la couverture est déduite des données (tests/conftest.py force la lecture nationale)."""
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    return dossier_demo_partage(tmp_path_factory)


@pytest.fixture(scope="module")
def jeux(national, tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("couverture")
    return {"national": national,
            "bretagne": extrait.extraire(national, base / "bretagne", region="53"),
            "971": extrait.extraire(national, base / "971", departement="971"),
            "29": extrait.extraire(national, base / "29", departement="29")}


def attendu(dossier: Path) -> dict:
    """Calcul indépendant : départements des sièges des ML, leurs régions, régions complètes, national."""
    deps_ref = referentiel.departements()
    mls = pl.read_parquet(dossier / "missions_locales.parquet")
    deps = deps_ref.filter(pl.col("code_departement").is_in(mls["code_departement"].unique().implode()))
    regions = set(deps["code_region"].to_list())
    completes = {r for r in regions
                 if set(deps_ref.filter(pl.col("code_region") == r)["code_departement"].to_list())
                 <= set(deps["code_departement"].to_list())}
    return {"national": regions == set(referentiel.regions()["code_region"].to_list()),
            "regions": tuple(sorted(regions)), "departements": tuple(sorted(deps["code_departement"].to_list())),
            "regions_completes": tuple(sorted(completes))}


@pytest.mark.parametrize(("nom", "national_", "regions", "departements"), [
    ("national", True, None, None),
    ("bretagne", False, ("53",), ("22", "29", "35", "56")),
    ("971", False, ("01",), ("971",)),
    ("29", False, ("53",), ("29",)),
])
def test_couverture_comme_un_calcul_independant(jeux, nom, national_, regions, departements):
    jeu = JeuDeDonnees(jeux[nom])
    c = couverture(jeu)
    a = attendu(jeux[nom])
    assert (c.national, c.regions, c.departements, c.regions_completes) == (
        a["national"], a["regions"], a["departements"], a["regions_completes"])
    assert c.national is national_ and c.partiel is (not national_)
    if regions is not None:
        assert (c.regions, c.departements) == (regions, departements)
    else:
        assert len(c.regions) == 18
    for r in c.regions:
        assert set(c.departements_de(r)) == set(
            referentiel.departements().filter(pl.col("code_region") == r)["code_departement"].to_list()
        ) & set(c.departements)
    assert couverture(jeu) is c  # calculée une fois par jeu


@pytest.mark.parametrize("nom", ["national", "bretagne", "971", "29"])
def test_communes_du_jeu(jeux, nom):
    """La règle SQL des communes du périmètre : tout le référentiel pour un jeu national, les communes des
    départements couverts sinon."""
    jeu = JeuDeDonnees(jeux[nom])
    communes = set(jeu.sql("SELECT code_commune FROM communes_du_jeu()")["code_commune"].to_list())
    ref = referentiel.communes()
    a = attendu(jeux[nom])
    if a["national"]:
        assert communes == set(ref["code_commune"].to_list())
    else:
        assert communes == set(ref.filter(pl.col("code_departement").is_in(list(a["departements"])))
                               ["code_commune"].to_list())


def test_jeu_minimal_deux_regions(tmp_path):
    """Le petit jeu des tests (Belfort et Les Abymes) : deux régions, partiel ; Guadeloupe complète,
    Bourgogne-Franche-Comté non."""
    c = couverture(JeuDeDonnees(ecrire_jeu(tmp_path, jeu_minimal())))
    assert (c.national, c.regions, c.departements, c.regions_completes) == (False, ("01", "27"), ("90", "971"), ("01",))
    assert c.departements_de("27") == ("90",) and c.departements_de("53") == ()


def test_lecture_nationale_forcee(jeux, monkeypatch):
    """TDB_COUVERTURE=nationale : un jeu régional est lu comme national (toutes les communes du référentiel),
    ses régions et départements restent ceux de ses ML."""
    monkeypatch.setenv("TDB_COUVERTURE", "nationale")
    jeu = JeuDeDonnees(jeux["bretagne"])
    c = couverture(jeu)
    assert c.national and c.regions == ("53",)
    assert jeu.sql("SELECT count(*) AS n FROM communes_du_jeu()")["n"][0] == referentiel.communes().height
