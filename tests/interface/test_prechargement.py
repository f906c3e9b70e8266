"""Préchargement en arrière-plan (interface.prechargement) : une fois par processus, tous les modules
annoncés importés, aucun effet visible ; le point d'entrée le lance après la page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]


def test_prechargement_importe_les_modules_une_fois(tmp_path):
    code = (
        "import sys, os\n"
        "os.environ['TDB_CACHE'] = sys.argv[1]\n"
        "from interface import prechargement\n"
        "avant = [m for m in prechargement.MODULES if m in sys.modules]\n"
        "fil = prechargement.lancer()\n"
        "# les modules sondés dans sys.modules sont complets dès le retour de lancer()\n"
        "import pandas\n"
        "assert hasattr(pandas, 'Series')\n"
        "assert prechargement.lancer() is fil\n"
        "fil.join(timeout=300)\n"
        "assert not fil.is_alive()\n"
        "manquants = [m for m in (*prechargement.IMPORTS_DIRECTS, *prechargement.MODULES) if m not in sys.modules]\n"
        "print(len(avant), manquants)\n"
    )
    sortie = subprocess.run([sys.executable, "-c", code, str(tmp_path / "cache")], cwd=RACINE,
                            capture_output=True, text=True, timeout=600)
    assert sortie.returncode == 0, sortie.stderr[-2000:]
    nb_avant, manquants = sortie.stdout.strip().split(" ", 1)
    assert manquants == "[]"
    assert int(nb_avant) < 5  # la plupart n'étaient pas importés avant : le test mesure quelque chose
    assert list((tmp_path / "cache" / "geometries").glob("departement-*.parquet"))  # contours préparés


def test_point_d_entree_lance_le_prechargement_apres_la_page():
    texte = (RACINE / "tableau_de_bord.py").read_text(encoding="utf-8")
    assert texte.index("page.run()") < texte.index("prechargement.lancer()")


def test_lancement_precharge_puis_lance_streamlit_run(monkeypatch):
    # interface.lancement (scripts/lancer.sh, harnais des tests navigateur) : préchargement d'abord,
    # puis « streamlit run tableau_de_bord.py » avec les options reçues.
    from streamlit.web import cli

    from interface import lancement, prechargement

    ordre: list[str] = []
    monkeypatch.setattr(prechargement, "precharger_au_demarrage", lambda: ordre.append("prechargement") or 0.0)
    monkeypatch.setattr(cli, "main", lambda args, prog_name: ordre.append(("run", tuple(args), prog_name)))
    lancement.main(["--server.port", "8600"])
    assert ordre == ["prechargement",
                     ("run", ("run", str(RACINE / "tableau_de_bord.py"), "--server.port", "8600"), "streamlit")]
    texte = (RACINE / "scripts" / "lancer.sh").read_text(encoding="utf-8")
    assert "-m interface.lancement" in texte
