"""Un serveur qui s'arrête : SIGTERM le termine en moins de 10 s (interface.lancement)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]


def test_la_minuterie_termine_un_processus_retenu_par_un_fil():
    """Un fil non démon qui ne finit pas retiendrait le processus : la minuterie le termine quand même,
    et écrit la pile des fils dans le journal."""
    code = (
        "import threading, time\n"
        "from interface import lancement\n"
        "threading.Thread(target=time.sleep, args=(120,), name='fil_retenu').start()\n"
        "lancement.armer_minuterie_arret(1.5)\n"
    )
    debut = time.monotonic()
    sortie = subprocess.run([sys.executable, "-c", code], cwd=RACINE, capture_output=True, text=True, timeout=60)
    duree = time.monotonic() - debut
    assert duree < 30, duree  # sans la minuterie : 120 s
    assert sortie.returncode != 0
    assert "au plus tard dans 1.5 s" in sortie.stderr
    assert "Thread" in sortie.stderr and "sleep" not in sortie.stdout  # piles des fils dans le journal


def test_delai_reglable_et_valeurs_illisibles(monkeypatch):
    from interface import lancement

    monkeypatch.setenv("TDB_ARRET_MAX_S", "3,5")
    assert lancement.delai_arret_s() == 3.5
    for illisible in ("", "abc", "0", "-2", "99999"):
        monkeypatch.setenv("TDB_ARRET_MAX_S", illisible)
        assert lancement.delai_arret_s() == lancement.ARRET_MAX_S_DEFAUT


def test_streamlit_a_toujours_le_point_d_accroche():
    """Le gestionnaire de signaux de Streamlit est enveloppé : s'il disparaît à une mise à jour, ce test
    le dit (le serveur s'arrêterait encore, mais sans garantie de délai)."""
    from streamlit.web import bootstrap

    assert callable(getattr(bootstrap, "_set_up_signal_handler", None))


def test_sigterm_arrete_le_serveur_en_moins_de_10_s(dossier_minimal, tmp_path):
    from tests.navigateur.harnais import demarrer_serveur

    serveur = demarrer_serveur(dossier_minimal, tmp_path / "streamlit.log")
    try:
        # une session ouvre une page : le serveur a une exécution et une session en cours
        import urllib.request

        with urllib.request.urlopen(serveur.url + "/_stcore/health", timeout=10) as r:
            assert r.status == 200
        debut = time.monotonic()
        os.kill(serveur.processus.pid, signal.SIGTERM)
        serveur.processus.wait(timeout=30)
        duree = time.monotonic() - debut
    finally:
        serveur.arreter()
    assert duree < 10, duree
    assert "Arrêt demandé" in serveur.fin_du_journal()


def test_pas_de_ramasse_miettes_complet_apres_chaque_execution():
    """runner.postScriptGC coûtait un gc.collect(2) par exécution de page, GIL en main : l'essentiel du
    temps d'une exécution quand une salle navigue. La configuration du dépôt le coupe."""
    import tomllib

    config = tomllib.loads((RACINE / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
    from streamlit import config as config_streamlit

    assert "runner.postScriptGC" in config_streamlit._config_options_template  # l'option existe toujours
