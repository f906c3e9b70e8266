"""Configuration commune des tests (gardée courte).

- la racine du dépôt est importable (``donnees``, ``requetes``, ``interface``…) quelle que soit la
  façon dont pytest est lancé ;
- TDB_DONNEES est retirée de l'environnement : aucun test ne lit par mégarde les exports réels de la
  personne qui lance la suite (un test qui en a besoin la pose lui-même) ;
- ``dossier_minimal`` : le jeu de ``tests/fabrique.py`` écrit en Parquet dans un dossier temporaire.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

os.environ.pop("TDB_DONNEES", None)


@pytest.fixture
def dossier_minimal(tmp_path) -> Path:
    from tests.fabrique import ecrire_jeu, jeu_minimal

    ecrire_jeu(tmp_path, jeu_minimal())
    return tmp_path
