"""Fixtures des tests navigateur (outils dans ``tests/navigateur/harnais.py``).

- ``donnees_navigateur`` (session) : un jeu de démonstration généré une fois pour toute la session
  (``donnees.demo.generer``), à défaut le jeu minimal de ``tests/fabrique.py`` ;
- ``serveur_app`` (session) : ``streamlit run tableau_de_bord.py`` sur un port libre, TDB_DONNEES pointé
  sur ce jeu ; arrêté (groupe de processus) en fin de session ;
- ``navigateur`` (session, dans tests/conftest.py) : /usr/bin/chromium sans interface, lancé par
  Playwright, un seul par processus de test ;
- ``page_app`` : un onglet neuf par test, surveillé (voir ``harnais.Surveillance``) ;
- ``dossier_captures`` (session) : dossier des captures d'écran (TDB_CAPTURES, sinon un dossier temporaire).

Avec ``-n 2 --dist loadfile`` (scripts/tester.sh), un fichier de tests va à un seul processus
pytest-xdist : chaque processus qui exécute des tests navigateur lance au plus un serveur et un
navigateur. (``--dist loadgroup`` ne regroupe plus rien avec pytest 9.2 et pytest-xdist 3.8 : le
suffixe de groupe posé par xdist sur ``item._nodeid`` est ignoré, ``nodeid`` se lisant ailleurs.)
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from tests.navigateur import harnais


@pytest.fixture(scope="session")
def donnees_navigateur(tmp_path_factory) -> Path:
    """Jeu généré une seule fois par session, même avec plusieurs processus pytest-xdist (dossier
    commun aux processus, verrou fcntl)."""
    racine = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        racine = racine.parent  # dossier commun à tous les processus de la session
    dossier = racine / "donnees_navigateur"
    temoin = racine / "donnees_navigateur.complet"
    with open(racine / "donnees_navigateur.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        if not temoin.exists():
            if dossier.exists():
                shutil.rmtree(dossier)
            dossier.mkdir(parents=True)
            try:
                from donnees.demo import generer
            except ModuleNotFoundError:
                from tests.fabrique import ecrire_jeu, jeu_minimal

                ecrire_jeu(dossier, jeu_minimal())
            else:
                generer(dossier)
            temoin.touch()
    return dossier


@pytest.fixture(scope="session")
def serveur_app(donnees_navigateur, tmp_path_factory):
    journal = tmp_path_factory.mktemp("serveur") / "streamlit.log"
    serveur = harnais.demarrer_serveur(donnees_navigateur, journal)
    yield serveur
    serveur.arreter()


@pytest.fixture
def page_app(navigateur, serveur_app):
    with harnais.onglet_surveille(navigateur, serveur_app.url) as page:
        yield page


@pytest.fixture(scope="session")
def dossier_captures(tmp_path_factory) -> Path:
    choisi = os.environ.get("TDB_CAPTURES")
    if choisi:
        dossier = Path(choisi)
        dossier.mkdir(parents=True, exist_ok=True)
        return dossier
    return tmp_path_factory.mktemp("captures")
