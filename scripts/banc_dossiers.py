"""Banc d'essai du dossier de séance : durée d'un dossier régional, puis des 18 dossiers régionaux d'un coup.

    .venv/bin/python scripts/banc_dossiers.py [--donnees DOSSIER] [--annee 2025] [--region 53] [--sortie DOSSIER]

Mesures (horloge murale et temps processeur du processus, Chromium de Kaleido non compris dans ce
dernier), jeu déjà ouvert : c'est ce que voit une session du tableau de bord. Objectifs : un dossier
régional en 10 s au plus, les 18 en 2 minutes au plus. Affiche aussi la charge de la machine (les
mesures d'une machine partagée ne valent que comparées à sa charge). Rien n'est un test : il ne fait
qu'afficher des chiffres.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))


def _mesurer(etiquette: str, fonction):
    debut, cpu = time.perf_counter(), time.process_time()
    resultat = fonction()
    mur, proc = time.perf_counter() - debut, time.process_time() - cpu
    print(f"{etiquette:<48} {mur:7.1f} s   (processeur : {proc:5.1f} s, charge : {os.getloadavg()[0]:.1f})")
    return resultat, mur


def main() -> int:
    from rapports import dossier as D
    from requetes import indicateurs
    from requetes.jeu import JeuDeDonnees, dossier_par_defaut

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--donnees", type=Path, default=None)
    parser.add_argument("--annee", type=int, default=2025)
    parser.add_argument("--region", default="53")
    parser.add_argument("--sortie", type=Path, default=None, help="garder les PDF dans ce dossier")
    args = parser.parse_args()
    sortie = args.sortie or Path(tempfile.mkdtemp(prefix="banc-dossiers-"))
    sortie.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cœurs ; charge au départ : {os.getloadavg()[0]:.1f}")
    jeu, _ = _mesurer("Ouverture du jeu", lambda: JeuDeDonnees(args.donnees or dossier_par_defaut()))
    _mesurer("Premier dossier (caches du jeu à remplir)",
             lambda: D.construire(jeu, args.annee, "region", args.region))
    pdf, un = _mesurer(f"Un dossier régional ({args.region})", lambda: D.construire(jeu, args.annee, "region", args.region))
    (sortie / D.nom_fichier(args.annee, "region", args.region)).write_bytes(pdf)
    codes = indicateurs.regions(jeu)["code_region"].to_list()
    resultats, tous = _mesurer(f"Les {len(codes)} dossiers régionaux d'un coup",
                               lambda: D.construire_plusieurs(jeu, args.annee, [("region", c) for c in codes]))
    for (niveau, code), pdf in resultats:
        (sortie / D.nom_fichier(args.annee, niveau, code)).write_bytes(pdf)
    print(f"Objectifs : un dossier ≤ 10 s ({'tenu' if un <= 10 else 'dépassé'}), "
          f"{len(codes)} dossiers ≤ 120 s ({'tenu' if tous <= 120 else 'dépassé'}). PDF dans {sortie}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
