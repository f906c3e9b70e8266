"""Lancement du serveur du tableau de bord : ``python -m interface.lancement [options de streamlit run]``.

C'est ``streamlit run tableau_de_bord.py``, précédé du préchargement des bibliothèques des pages
(``interface.prechargement.precharger_au_demarrage`` : GeoPandas, folium, mapclassify, scikit-learn…,
quelques secondes) **avant** que le serveur n'accepte sa première connexion. Sans cela, le premier
visiteur qui ouvre la carte paierait ces imports (plus de 4 s). ``scripts/lancer.sh`` et le harnais des
tests dans Chromium lancent le serveur ainsi.
"""

from __future__ import annotations

import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
SCRIPT = RACINE / "tableau_de_bord.py"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if str(RACINE) not in sys.path:
        sys.path.insert(0, str(RACINE))
    from interface import prechargement

    duree = prechargement.precharger_au_demarrage()
    print(f"Bibliothèques des pages préchargées en {duree:.1f} s.", flush=True)
    from streamlit.web import cli

    cli.main(args=["run", str(SCRIPT), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main()
