"""Bouton « Dossier de séance (PDF) » des pages Vue nationale et Portrait (interface/dossier.py) avec
AppTest : un clic construit le dossier des filtres affichés, sa progression est dite en mots, puis un bouton
de téléchargement donne un PDF ; hors du périmètre, un message en français et aucun PDF."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fabrique import dossier_demo_partage

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
DELAI = 600


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dossier = dossier_demo_partage(tmp_path_factory)
    ancien = os.environ.get("TDB_DONNEES")
    os.environ["TDB_DONNEES"] = str(dossier)
    yield dossier
    if ancien is None:
        os.environ.pop("TDB_DONNEES", None)
    else:
        os.environ["TDB_DONNEES"] = ancien


def _ouvrir(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    at.switch_page(page)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _telechargements(at: AppTest) -> list:
    return [e for e in at.get("download_button") if "dossier" in str(getattr(e, "proto", "")).lower()]


@pytest.mark.parametrize("page,cle,params", [
    ("pages/vue_nationale.py", "vn_dossier", {"region": "Bretagne"}),
    ("pages/portrait.py", "portrait_dossier", None),
])
def test_le_bouton_construit_le_dossier(demo, page, cle, params):
    at = _ouvrir(page, params)
    bouton = at.button(key=f"{cle}_construire")
    assert bouton.label == "Dossier de séance (PDF)"
    assert not _telechargements(at)
    bouton.click().run()
    assert not at.exception, [e.message for e in at.exception]
    refus = [w.value for w in at.warning if w.icon == ":material/block:"]
    assert not refus and not at.error, (refus, [e.value for e in at.error])
    telechargements = _telechargements(at)
    assert len(telechargements) == 1
    proto = telechargements[0].proto
    assert "Télécharger le dossier" in proto.label and proto.label.endswith("Ko)")
    assert proto.url.endswith(".pdf")
