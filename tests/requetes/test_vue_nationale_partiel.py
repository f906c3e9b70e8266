"""Chiffres de la page d'accueil sur un jeu partiel : la maille « nationale » y est la zone couverte, et les
libellés le disent ; la part de l'enveloppe nationale répartie et l'atteinte de l'objectif national ne sont
pas calculées (la zone n'est qu'une partie de l'accord) ; les paramètres de l'enveloppe restent nationaux."""

from __future__ import annotations

import pytest

from requetes import indicateurs, vue_nationale
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_extrait, dossier_demo_partage


@pytest.fixture(autouse=True)
def couverture_deduite(monkeypatch):
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)


@pytest.fixture(scope="module")
def jeux(tmp_path_factory):
    return {"national": dossier_demo_partage(tmp_path_factory),
            "bretagne": dossier_demo_extrait(tmp_path_factory, region="53")}


def test_synthese_zone_couverte(jeux):
    jeu = JeuDeDonnees(jeux["bretagne"])
    s = indicateurs.synthese_nationale(jeu, 2025)
    assert s["nb_ml"].libelle.endswith("(zone couverte)")
    assert s["part_repartie"].valeur is None and s["atteinte_objectif_national"].valeur is None
    assert "non calculé : jeu partiel" in s["part_repartie"].libelle
    assert s["enveloppe_totale"].libelle == "Enveloppe nationale de l'accord" and s["enveloppe_totale"].valeur
    c = vue_nationale.chiffres_cles(jeu, 2025)
    assert "part_repartie" not in c and "atteinte_objectif_national" not in c
    assert c["atteinte_objectif"].valeur is not None


def test_synthese_nationale_inchangee(jeux):
    s = indicateurs.synthese_nationale(JeuDeDonnees(jeux["national"]), 2025)
    assert not s["nb_ml"].libelle.endswith("(zone couverte)")
    assert s["part_repartie"].valeur is not None and s["atteinte_objectif_national"].valeur is not None
