"""Captures d'écran de toutes les pages du tableau de bord (outil de développement).

    .venv/bin/python scripts/captures.py DOSSIER_SORTIE [--donnees DOSSIER] [--racine DEPOT]
                                         [--pages carte,budget] [--largeur 1440]

Lance le tableau de bord (``interface.lancement``) sur le jeu ``--donnees`` (par défaut le jeu de
démonstration ``donnees_locales/demo``), ouvre chaque page du catalogue dans le Chromium de Debian
(sans interface, sans réseau), attend la fin de l'exécution, et enregistre une capture pleine page
``<url_path>.png`` et le texte visible ``<url_path>.txt`` dans DOSSIER_SORTIE.

``--racine`` lance le code d'un autre dépôt (un ``git worktree`` d'une version antérieure, par
exemple) : comparer les deux dossiers de sortie montre ce qu'un changement a modifié à l'écran
(``diff -r avant/ apres/`` sur les .txt).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from tests.navigateur import harnais  # noqa: E402


def principal(argv: list[str] | None = None) -> int:
    analyse = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyse.add_argument("sortie", type=Path)
    analyse.add_argument("--donnees", type=Path, default=RACINE / "donnees_locales" / "demo")
    analyse.add_argument("--racine", type=Path, default=RACINE,
                         help="dépôt dont le code est lancé (par défaut celui-ci)")
    analyse.add_argument("--pages", default="", help="url_path séparés par des virgules (par défaut toutes)")
    analyse.add_argument("--largeur", type=int, default=1440)
    args = analyse.parse_args(argv)

    from playwright.sync_api import sync_playwright

    args.sortie.mkdir(parents=True, exist_ok=True)
    ancienne_racine = harnais.RACINE
    harnais.RACINE = args.racine.resolve()
    sys.path.insert(0, str(harnais.RACINE))
    from interface.navigation import CATALOGUE

    voulues = {p for p in args.pages.split(",") if p}
    pages = [(p.url_path, "" if p.defaut else p.url_path) for p in CATALOGUE
             if not voulues or p.url_path in voulues]
    journal = Path(tempfile.mkstemp(prefix="captures_", suffix=".log")[1])
    serveur = harnais.demarrer_serveur(args.donnees.resolve(), journal)
    problemes = 0
    try:
        with sync_playwright() as p:
            navigateur = p.chromium.launch(executable_path=harnais.CHROMIUM, args=harnais.ARGUMENTS_CHROMIUM)
            for url_path, chemin in pages:  # la page par défaut s'ouvre à la racine « / »
                with harnais.onglet_surveille(navigateur, serveur.url, 900) as onglet:
                    onglet.set_viewport_size({"width": args.largeur, "height": 900})
                    harnais.ouvrir(onglet, chemin)
                    onglet.wait_for_timeout(1500)  # cartes et graphiques finissent de se dessiner
                    onglet.screenshot(path=str(args.sortie / f"{url_path}.png"), full_page=True)
                    texte = onglet.locator('[data-testid="stMain"]').inner_text()
                    (args.sortie / f"{url_path}.txt").write_text(texte, encoding="utf-8")
                    soucis = harnais.problemes(onglet)
                    problemes += len(soucis)
                    print(f"{url_path:<15} {'ok' if not soucis else '; '.join(soucis)}")
            navigateur.close()
    finally:
        serveur.arreter()
        harnais.RACINE = ancienne_racine
    print(f"Captures dans {args.sortie}")
    return 1 if problemes else 0


if __name__ == "__main__":
    sys.exit(principal())
