"""Jeux de données des tests de la carte et des alertes.

``dossier_demo()`` : le jeu de démonstration (donnees/demo.py), généré une seule fois par processus de
test dans un dossier temporaire (supprimé à la fin du processus), partagé par tests/cartes,
tests/requetes/test_alertes.py et tests/pages/test_carte.py.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path

_VERROU = threading.Lock()
_DOSSIER: Path | None = None


def dossier_demo() -> Path:
    global _DOSSIER
    with _VERROU:
        if _DOSSIER is None:
            from donnees.demo import generer

            racine = Path(tempfile.mkdtemp(prefix="tests_carte_demo_"))
            atexit.register(shutil.rmtree, racine, ignore_errors=True)
            _DOSSIER = generer(racine / "demo")
        return _DOSSIER
