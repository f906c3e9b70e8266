"""Configuration commune des tests (gardée courte).

- la racine du dépôt est importable (``donnees``, ``requetes``, ``interface``…) quelle que soit la
  façon dont pytest est lancé ;
- TDB_DONNEES est retirée de l'environnement : aucun test ne lit par mégarde les exports réels de la
  personne qui lance la suite (un test qui en a besoin la pose lui-même) ;
- TDB_COUVERTURE=nationale : les jeux faits à la main, à quelques ML, sont lus comme le jeu national ; un
  test de jeu partiel retire ce réglage ;
- le magasin de versions (TDB_VERSIONS) et le cache sur disque (TDB_CACHE) sont des dossiers
  temporaires propres à chaque processus de test, et l'import est fermé (TDB_IMPORT_AUTORISE retirée) :
  la suite n'écrit rien dans ``donnees_locales`` et ne dépend pas de ce qu'on y a laissé ; un test
  qui a besoin d'un autre réglage le pose lui-même (les serveurs des tests navigateur en héritent) ;
- ``dossier_minimal`` : le jeu de ``tests/fabrique.py`` écrit en Parquet dans un dossier temporaire.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

os.environ.pop("TDB_DONNEES", None)
# Les petits jeux faits à la main (tests/fabrique.py : deux ML, Belfort et Les Abymes) tiennent lieu du jeu
# national : leurs réponses connues sont celles d'une lecture nationale. Les tests des jeux partiels
# (régionaux, départementaux) retirent ce réglage (tests/pages/test_jeu_partiel.py, tests/requetes/…).
os.environ["TDB_COUVERTURE"] = "nationale"
os.environ.pop("TDB_IMPORT_AUTORISE", None)
_TEMPORAIRE = Path(tempfile.mkdtemp(prefix="tdb-tests-"))
os.environ["TDB_VERSIONS"] = str(_TEMPORAIRE / "versions")
os.environ["TDB_CACHE"] = str(_TEMPORAIRE / "cache")
atexit.register(shutil.rmtree, _TEMPORAIRE, ignore_errors=True)


@pytest.fixture
def dossier_minimal(tmp_path) -> Path:
    from tests.fabrique import ecrire_jeu, jeu_minimal

    ecrire_jeu(tmp_path, jeu_minimal())
    return tmp_path


@pytest.fixture(scope="session")
def navigateur():
    """/usr/bin/chromium sans interface, piloté par l'API synchrone de Playwright : **un seul** par
    processus de test, partagé par tests/navigateur et tests/servir (deux instances synchrones de
    Playwright dans un même processus se refusent l'une l'autre)."""
    from tests.navigateur import harnais

    if not os.access(harnais.CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium introuvable à {harnais.CHROMIUM} : apt-get install -y chromium "
                    "(bash scripts/tester.sh le fait).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        nav = pw.chromium.launch(executable_path=harnais.CHROMIUM, headless=True, args=harnais.ARGUMENTS_CHROMIUM)
        yield nav
        nav.close()
