"""Import d'un jeu qui ne couvre pas la même zone : mettre en service l'export d'une région par-dessus le jeu
national ne doit pas, en silence, faire du tableau de bord celui de cette région. La page dit ce que couvrent
les deux jeux et demande une confirmation, vérifiée dans le rappel du bouton lui-même (une case cochée
d'avance, sans le refus qui la demande, ne suffit pas) ; la remise en service d'une version d'une autre
couverture aussi."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from donnees import extrait, versions
from tests.fabrique import dossier_demo_partage

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
CASE = "donnees_confirmer_couverture"
ATTENDU = "La version en service couvre France entière ; la nouvelle ne couvre que Bretagne."


@pytest.fixture
def lieux(tmp_path, tmp_path_factory, monkeypatch):
    demo = dossier_demo_partage(tmp_path_factory)
    base = tmp_path / "initial"
    shutil.copytree(demo, base)
    extrait.extraire(demo, tmp_path / "a_importer" / "bretagne", region="53")
    racine = tmp_path / "versions"
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)  # couverture déduite des données
    monkeypatch.setenv("TDB_DONNEES", str(base))
    monkeypatch.setenv("TDB_VERSIONS", str(racine))
    monkeypatch.setenv("TDB_IMPORT_DOSSIERS", str(tmp_path / "a_importer"))
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    return base, racine


def ouvrir() -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=300)
    at.switch_page("pages/donnees.py").run()
    verifier(at)
    at.radio(key="donnees_source").set_value("Dossier du serveur").run()
    verifier(at)
    return at


def verifier(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def textes(at: AppTest) -> str:
    """Textes Markdown de la page, sans les barres d'échappement (les messages passent par echapper_markdown)."""
    return "\n".join([m.value for m in at.markdown] + [m.value for m in at.warning] + [e.value for e in at.error]
                     + [s.value for s in at.success]).replace("\\", "")


def importer(at: AppTest) -> None:
    at.button(key="donnees_importer_dossier").click().run()
    verifier(at)


def test_import_d_une_region_sur_le_national_demande_confirmation(lieux):
    base, racine = lieux
    at = ouvrir()
    assert "**Ce jeu couvre : France entière.**" in textes(at)
    assert not at.get("checkbox") or CASE not in [c.key for c in at.checkbox]

    importer(at)
    assert "Le jeu proposé est valide, mais il ne couvre pas la même zone" in textes(at)
    assert ATTENDU in textes(at)
    assert versions.version_en_service(racine, base) is None  # rien n'a changé
    case = at.checkbox(key=CASE)
    assert case.value is False

    case.check().run()
    importer(at)
    v = versions.version_en_service(racine, base)
    assert v is not None and v.numero == 2  # la 1 est la copie du dossier initial
    assert "contrôle réussi" in textes(at)  # compte rendu de la version mise en service
    assert "**Ce jeu couvre : Bretagne.**" in textes(at)
    assert CASE not in [c.key for c in at.checkbox]  # la confirmation ne sert qu'une fois

    # Revenir à la version nationale : même confirmation, à la remise en service.
    assert len(at.selectbox(key="donnees_retour").options) == 1  # la version 1, choisie d'office
    at.button(key="donnees_remettre").click().run()
    verifier(at)
    assert versions.version_en_service(racine, base).numero == 2
    assert "La version en service couvre Bretagne ; la nouvelle couvre France entière." in textes(at)
    at.checkbox(key=CASE).check().run()
    at.button(key="donnees_remettre").click().run()
    verifier(at)
    assert versions.version_en_service(racine, base).numero == 1
    assert "**Ce jeu couvre : France entière.**" in textes(at)


def test_case_cochee_d_avance_ne_suffit_pas(lieux):
    """Le rappel vérifie la confirmation lui-même : une case cochée sans le refus qui la demande (ou pour une
    autre couverture) ne met rien en service."""
    base, racine = lieux
    at = ouvrir()
    at.session_state[CASE] = True
    importer(at)
    assert versions.version_en_service(racine, base) is None
    assert ATTENDU in textes(at)


def test_meme_couverture_sans_confirmation(lieux, tmp_path):
    """Un nouveau jeu national sur le jeu national : aucune confirmation, import direct."""
    base, racine = lieux
    shutil.copytree(base, tmp_path / "a_importer" / "national")
    at = ouvrir()
    at.selectbox(key="donnees_dossier").set_value(next(o for o in at.selectbox(key="donnees_dossier").options
                                                       if o.endswith("national"))).run()
    importer(at)
    assert versions.version_en_service(racine, base) is not None
    assert CASE not in [c.key for c in at.checkbox]
