"""Lancement du serveur du tableau de bord : ``python -m interface.lancement [options de streamlit run]``.

C'est ``streamlit run tableau_de_bord.py``, précédé du contrôle du fichier d'accès (``verifier_acces`` :
un fichier ``TDB_ACCES`` non conforme arrête le lancement) et du préchargement des bibliothèques des pages
(``interface.prechargement.precharger_au_demarrage`` : GeoPandas, folium, mapclassify, scikit-learn…,
quelques secondes) **avant** que le serveur n'accepte sa première connexion. Sans cela, le premier
visiteur qui ouvre la carte paierait ces imports (plus de 4 s). ``scripts/lancer.sh`` et le harnais des
tests dans Chromium lancent le serveur ainsi.

**Un serveur qui s'arrête.** À SIGTERM, SIGINT (Ctrl+C) ou SIGQUIT, Streamlit arrête proprement son
serveur ; mais une exécution de page en cours, ou un fil bloqué, peut retarder la fin du processus
indéfiniment. ``arreter_au_plus_tard`` arme alors, en plus, la minuterie de ``faulthandler`` : un fil
écrit en C, qui n'a pas besoin du GIL, écrit la pile de chaque fil dans le journal (pour comprendre ce
qui retenait le processus) puis termine le processus au bout de ``TDB_ARRET_MAX_S`` secondes
(8 par défaut), même si un fil Python garde le GIL. Un arrêt propre plus rapide n'est pas retardé.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import signal
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
SCRIPT = RACINE / "tableau_de_bord.py"
ARRET_MAX_S_DEFAUT = 8.0
SIGNAUX_ARRET = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)


def delai_arret_s() -> float:
    """Délai maximal entre le signal d'arrêt et la fin du processus (``TDB_ARRET_MAX_S``)."""
    try:
        valeur = float(os.environ.get("TDB_ARRET_MAX_S", "").replace(",", "."))
    except ValueError:
        return ARRET_MAX_S_DEFAUT
    return valeur if 0 < valeur < 3600 else ARRET_MAX_S_DEFAUT


def armer_minuterie_arret(delai_s: float | None = None) -> None:
    """Fin forcée du processus dans ``delai_s`` secondes, piles des fils écrites dans le journal."""
    delai_s = delai_arret_s() if delai_s is None else delai_s
    print(f"Arrêt demandé : le processus se termine au plus tard dans {delai_s:g} s.", file=sys.stderr, flush=True)
    faulthandler.dump_traceback_later(delai_s, exit=True, file=sys.stderr)


def arreter_au_plus_tard() -> None:
    """Enveloppe les gestionnaires de signaux que Streamlit pose : chaque signal d'arrêt arme d'abord la
    minuterie de fin forcée, puis passe au gestionnaire de Streamlit (arrêt propre)."""
    from streamlit.web import bootstrap

    pose_streamlit = getattr(bootstrap, "_set_up_signal_handler", None)
    if pose_streamlit is None:  # Streamlit a changé : on garde son arrêt, sans minuterie (test dédié)
        print("Avertissement : arrêt forcé non installé (Streamlit a changé).", file=sys.stderr, flush=True)
        return

    def poser(server) -> None:
        pose_streamlit(server)
        for signal_arret in SIGNAUX_ARRET:
            precedent = signal.getsignal(signal_arret)

            def gestionnaire(numero, cadre, precedent=precedent) -> None:
                armer_minuterie_arret()
                if callable(precedent):
                    precedent(numero, cadre)
                else:
                    raise SystemExit(0)

            signal.signal(signal_arret, gestionnaire)

    bootstrap._set_up_signal_handler = poser


def navigation_seule() -> None:
    """Navigation par ``st.navigation`` dès la première session du serveur.

    Le dossier ``pages/`` (convention du dépôt) met sinon Streamlit, à la première session d'un serveur
    neuf, dans son ancien mode multipage : menu des fichiers bruts (« donnees invalides »…), page ouverte
    par son adresse exécutée sans le point d'entrée. Streamlit n'évalue ce mode qu'une fois par processus
    (``PagesManager.uses_pages_directory``, resté à ``None`` tant qu'aucune session n'existe) : le fixer
    ici, avant la première connexion, évite toute course entre sessions. ``interface/garde.py`` reste le
    filet d'un serveur lancé à la main par ``streamlit run``."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # Streamlit a changé : interface/garde.py s'en charge encore (test dédié)
        return
    PagesManager.uses_pages_directory = False


def verifier_acces() -> None:
    """Contrôle le fichier d'accès (``TDB_ACCES``, ``donnees.habilitations``) avant tout : un fichier
    absent, illisible ou non conforme arrête le lancement (code 2, message en français sur la sortie
    d'erreur, qui nomme le fichier et l'entrée fautive), plutôt qu'un serveur dont personne ne pourrait
    se servir. Sans ``TDB_ACCES`` : mode local, dit dans le journal."""
    from donnees import habilitations

    try:
        acces = habilitations.depuis_environnement()
    except habilitations.ErreurAcces as exc:
        print(f"ERREUR : fichier d'accès non conforme ({habilitations.VARIABLE}), le serveur ne démarre pas.\n"
              f"{exc}\nFormat du fichier : docs/connexion.md.", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    if acces is None:
        print(f"Pas de fichier d'accès ({habilitations.VARIABLE}) : mode local, tout est ouvert sans connexion "
              "(un seul poste de travail).", flush=True)
    else:
        n = len(acces.entrees)
        print(f"Fichier d'accès {acces.chemin.name} : {n} entrée{'s' if n > 1 else ''} ; connexion obligatoire.",
              flush=True)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if str(RACINE) not in sys.path:
        sys.path.insert(0, str(RACINE))
    verifier_acces()
    from interface import prechargement

    duree = prechargement.precharger_au_demarrage()
    print(f"Bibliothèques des pages préchargées en {duree:.1f} s.", flush=True)
    # Les objets chargés jusqu'ici (modules, référentiel…) vivront autant que le processus : gelés, le
    # ramasse-miettes ne les parcourt plus à chaque passage complet (GIL en main pendant ce temps).
    gc.collect()
    gc.freeze()
    arreter_au_plus_tard()
    navigation_seule()
    from streamlit.web import cli

    cli.main(args=["run", str(SCRIPT), *argv], prog_name="streamlit")


if __name__ == "__main__":
    main()
