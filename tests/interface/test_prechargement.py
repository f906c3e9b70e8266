"""Préchargement en arrière-plan (interface.prechargement) : une fois par processus, tous les modules
annoncés importés, aucun effet visible ; le point d'entrée le lance après la page (et son pied), pas
quand les données sont invalides ; scripts/lancer.sh passe par interface.lancement (préchargement au
démarrage du serveur)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl

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


MARQUE = "« préchargement lancé ici »"


def _elements(bloc) -> list:
    """Les éléments d'un bloc de l'arbre d'AppTest, dans l'ordre d'affichage (blocs imbriqués dépliés)."""
    elements = []
    for enfant in bloc.children.values():
        elements.extend(_elements(enfant) if hasattr(enfant, "children") else [enfant])
    return elements


def _ouvrir_en_espionnant_le_prechargement(monkeypatch, dossier: Path):
    """Le point d'entrée exécuté par AppTest ; ``prechargement.lancer`` remplacé par un espion qui compte
    ses appels et affiche une marque là où il est appelé (la marque prend sa place parmi les éléments)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from interface import prechargement

    appels: list[int] = []

    def lancer():
        appels.append(1)
        st.caption(MARQUE)

    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    monkeypatch.setattr(prechargement, "lancer", lancer)
    at = AppTest.from_file(str(RACINE / "tableau_de_bord.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, appels


def test_point_d_entree_lance_le_prechargement_apres_la_page(monkeypatch, dossier_minimal):
    at, appels = _ouvrir_en_espionnant_le_prechargement(monkeypatch, dossier_minimal)
    assert appels == [1]
    elements = _elements(at.main)
    genres = [type(e).__name__ for e in elements]
    textes = [getattr(e, "value", None) for e in elements]
    # la marque vient en dernier : après le titre et les chiffres de la page, puis après le pied de page
    assert textes.count(MARQUE) == 1 and textes[-1] == MARQUE
    dernier_chiffre = max(i for i, g in enumerate(genres) if g == "Metric")
    pied = next(i for i, t in enumerate(textes) if isinstance(t, str) and t.startswith("**Données** : "))
    assert genres.index("Title") < dernier_chiffre < pied < len(elements) - 1
    # chaque exécution du point d'entrée l'appelle, toujours en dernier (le vrai lancer() ne démarre son fil
    # qu'une fois par processus : test plus haut)
    at.run()
    assert appels == [1, 1]
    assert [getattr(e, "value", None) for e in _elements(at.main)][-1] == MARQUE


def test_pas_de_prechargement_si_les_donnees_sont_invalides(monkeypatch, tmp_path):
    from tests.fabrique import ecrire_jeu, jeu_minimal

    tables = jeu_minimal()
    tables["orientations"] = tables["orientations"].with_columns(code_ml=pl.lit("ML_INCONNUE"))
    at, appels = _ouvrir_en_espionnant_le_prechargement(monkeypatch, ecrire_jeu(tmp_path, tables))
    assert [t.value for t in at.title] == ["Le jeu de données ne peut pas être chargé"]
    assert appels == []
    assert MARQUE not in [getattr(e, "value", None) for e in _elements(at.main)]


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


def test_lancer_sh_passe_par_interface_lancement(tmp_path):
    # scripts/lancer.sh exécuté pour de bon, dans une copie du dépôt dont le .venv est déjà « installé » et
    # dont le Python note ses arguments : le script passe par interface.lancement, avec ses options puis
    # celles reçues, depuis la racine.
    racine = tmp_path / "depot"
    (racine / "scripts").mkdir(parents=True)
    for nom in ("lancer.sh", "environnement.sh"):
        shutil.copy(RACINE / "scripts" / nom, racine / "scripts" / nom)
    shutil.copy(RACINE / "requirements.txt", racine / "requirements.txt")
    python = racine / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text('#!/bin/sh\n[ "$1" = "-c" ] && exit 0\npwd > "$(dirname "$0")/../../appel.txt"\n'
                      'printf "%s\\n" "$@" >> "$(dirname "$0")/../../appel.txt"\n', encoding="utf-8")
    python.chmod(0o755)
    exigences = (racine / "requirements.txt").read_bytes()
    (racine / ".venv" / ".installe-requirements").write_text(hashlib.sha256(exigences * 2).hexdigest() + "\n")
    sortie = subprocess.run(["bash", str(racine / "scripts" / "lancer.sh"), "--server.port", "8600"],
                            env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True, timeout=60)
    assert sortie.returncode == 0, sortie.stderr
    assert "déjà installées" in sortie.stderr  # rien n'a été installé
    repertoire, *arguments = (racine / "appel.txt").read_text(encoding="utf-8").splitlines()
    assert Path(repertoire).resolve() == racine.resolve()
    assert arguments[:2] == ["-m", "interface.lancement"]
    assert arguments[-2:] == ["--server.port", "8600"]
    assert "--server.fileWatcherType" in arguments
