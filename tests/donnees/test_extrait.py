"""Jeux partiels (donnees.extrait, python -m donnees.demo --region / --departement) : valides, limités à la
zone, mêmes chiffres que le jeu national pour les ML gardées."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from donnees import extrait, referentiel, valider
from donnees.contrat import TABLES
from tests.fabrique import dossier_demo_partage

RACINE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    return dossier_demo_partage(tmp_path_factory)


def lire(dossier: Path, nom: str) -> pl.DataFrame:
    return pl.read_parquet(dossier / TABLES[nom].fichier)


@pytest.mark.parametrize(("zone", "deps_attendus"), [
    ({"region": "53"}, {"22", "29", "35", "56"}),
    ({"departement": "971"}, {"971"}),
])
def test_extrait_valide_et_limite_a_la_zone(national, tmp_path, zone, deps_attendus):
    sortie = extrait.extraire(national, tmp_path / "zone", **zone)
    rapport = valider.valider_dossier(sortie)
    assert rapport.valide, rapport
    mls = lire(sortie, "missions_locales")
    assert set(mls["code_departement"].to_list()) == deps_attendus
    # mêmes ML que le jeu national dans ces départements, et toutes leurs lignes, à l'identique
    nat_mls = lire(national, "missions_locales").filter(pl.col("code_departement").is_in(sorted(deps_attendus)))
    assert sorted(mls["code_ml"].to_list()) == sorted(nat_mls["code_ml"].to_list())
    codes = nat_mls["code_ml"].to_list()
    for nom in ("territoires_ml", "sites_ml", "allocations", "orientations", "activite", "accords"):
        attendu = lire(national, nom).filter(pl.col("code_ml").is_in(codes))
        assert lire(sortie, nom).equals(attendu), nom
    assert lire(sortie, "enveloppe").equals(lire(national, "enveloppe"))  # paramètres nationaux
    # contexte : les communes de la zone (référentiel), pas celles d'ailleurs
    communes_zone = set(referentiel.communes().filter(pl.col("code_departement").is_in(sorted(deps_attendus)))
                        ["code_commune"].to_list())
    contexte = set(lire(sortie, "contexte")["code_commune"].to_list())
    assert communes_zone <= contexte
    assert contexte - communes_zone <= set(lire(sortie, "territoires_ml")["code_commune"].to_list())
    # les agences nommées par les orientations et les accords gardés existent
    agences = set(lire(sortie, "agences")["code_agence"].to_list())
    nommees = set(lire(sortie, "orientations")["code_agence"].drop_nulls().to_list())
    assert nommees <= agences


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"region": "99"}, "Région inconnue"), ({"departement": "000"}, "Département inconnu"),
    ({}, "une région ou un département"), ({"region": "53", "departement": "29"}, "un seul des deux"),
])
def test_zone_inconnue(national, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        extrait.extraire(national, tmp_path / "x", **kwargs)


def test_commande_demo_departement(tmp_path):
    sortie = tmp_path / "jeu"
    r = subprocess.run([sys.executable, "-m", "donnees.demo", str(sortie), "--departement", "2A"], cwd=RACINE,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "département 2A" in r.stdout
    assert set(lire(sortie, "missions_locales")["code_departement"].to_list()) == {"2A"}
    erreur = subprocess.run([sys.executable, "-m", "donnees.demo", str(tmp_path / "y"), "--region", "99"],
                            cwd=RACINE, capture_output=True, text=True, timeout=120)
    assert erreur.returncode == 2 and "Région inconnue" in erreur.stderr
