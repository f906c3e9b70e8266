"""Test d'interblocage : plusieurs sessions simultanées ne figent pas le serveur.

Pourquoi : une fonction Python exécutée par le pool de threads de Polars (``map_elements``…) peut, quand
plusieurs sessions tournent en même temps, attendre le GIL tenu par un fil qui attend lui-même ce pool :
le serveur se fige pour de bon (pola-rs/polars#26821 ; trois sessions sur la page Budget suffisaient).
``tests/test_polars_sans_python.py`` interdit ces appels dans le code ; ce test-ci vérifie le résultat
sur un vrai serveur (``python -m interface.lancement`` sur le jeu de démonstration), avec l'outil de
charge ``scripts/charge.py`` : des sessions websocket simultanées qui ouvrent chaque page et changent
l'année ou la région.

Ce qui est vérifié : toutes les exécutions finissent, sans erreur, sans délai dépassé, sans exception
affichée ni page introuvable, et le serveur répond encore sur ``/_stcore/health``. Aucune durée n'est
vérifiée (la machine de test peut être lente ou occupée) : les délais, larges, ne servent qu'à borner
le test quand le serveur est figé. En cas d'échec, le serveur est arrêté avant le message : son journal
contient alors la pile de chaque fil (``interface.lancement`` les écrit à l'arrêt), ce qui montre qui
attend qui.
"""

from __future__ import annotations

import pytest

from scripts import charge
from tests.navigateur.harnais import Serveur, demarrer_serveur

SESSIONS = 8
TOURS = 3
DELAI_EXECUTION_S = 60.0  # borne d'un serveur figé, jamais une cible de performance
LIMITE_S = 240.0


@pytest.fixture(scope="module")
def donnees_charge(tmp_path_factory):
    from donnees.demo import generer

    return generer(tmp_path_factory.mktemp("donnees_charge"))


@pytest.fixture(scope="module")
def serveur_charge(donnees_charge, tmp_path_factory):
    """Rend une fonction qui donne un serveur vivant (relancé si un test précédent l'a arrêté)."""
    lances: list[Serveur] = []

    def obtenir() -> Serveur:
        if lances and lances[-1].processus.poll() is None:
            return lances[-1]
        journal = tmp_path_factory.mktemp("serveur_charge") / "streamlit.log"
        lances.append(demarrer_serveur(donnees_charge, journal))
        return lances[-1]

    yield obtenir
    for serveur in lances:
        serveur.arreter()


def _verifier(resultat: charge.Resultat, serveur: Serveur) -> None:
    if resultat.ok:
        return
    texte = charge.rapport(resultat)
    serveur.arreter()  # piles des fils écrites dans le journal par interface.lancement
    pytest.fail(f"{texte}\n\nFin du journal du serveur (arrêté) :\n{serveur.fin_du_journal(8000)}",
                pytrace=False)


def test_sessions_simultanees_sur_toutes_les_pages(serveur_charge):
    serveur = serveur_charge()
    resultat = charge.executer(
        serveur.url, sessions=SESSIONS, tours=TOURS, pages=None, interaction="page",
        delai_execution_s=DELAI_EXECUTION_S, limite_s=LIMITE_S, pids=[serveur.processus.pid],
    )
    _verifier(resultat, serveur)
    assert resultat.executions_faites == SESSIONS * TOURS * len(charge.pages_par_defaut()) * 2
    assert resultat.sante is not None and resultat.sante.ok
    assert not resultat.exceptions_bloquantes and not resultat.pages_introuvables


def test_sessions_simultanees_sur_les_pages_a_risque(serveur_charge):
    """Budget et carte, où des fonctions Python passaient par Polars : toutes les sessions en même temps
    sur les mêmes pages, avec des filtres différents (calculs non encore en cache)."""
    serveur = serveur_charge()
    resultat = charge.executer(
        serveur.url, sessions=SESSIONS, tours=TOURS, pages=["budget", "carte"], interaction="page",
        delai_execution_s=DELAI_EXECUTION_S, limite_s=LIMITE_S, pids=[serveur.processus.pid],
    )
    _verifier(resultat, serveur)
    assert resultat.sante is not None and resultat.sante.ok


@pytest.fixture(scope="module")
def serveur_neuf(donnees_charge, tmp_path_factory):
    """Un serveur qui n'a encore servi aucune page (pour la course des premières exécutions)."""
    serveur = demarrer_serveur(donnees_charge, tmp_path_factory.mktemp("serveur_neuf") / "streamlit.log")
    yield serveur
    serveur.arreter()


def test_premieres_sessions_ouvrant_directement_une_page(serveur_neuf):
    """Un serveur neuf, plusieurs visiteurs qui ouvrent en même temps l'adresse d'une page (pas « / ») :
    l'ancien mode « dossier pages/ » de Streamlit a un drapeau commun au processus, qu'une session
    baissait pendant qu'une autre exécutait déjà la page seule ; celle-ci affichait « Les filtres
    partagés ne sont pas encore définis » (5 sessions sur 8 avant la correction)."""
    resultat = charge.executer(
        serveur_neuf.url, sessions=SESSIONS, tours=1, pages=["budget", "carte"], interaction="page",
        delai_execution_s=DELAI_EXECUTION_S, limite_s=LIMITE_S, pids=[serveur_neuf.processus.pid],
    )
    _verifier(resultat, serveur_neuf)
    assert not resultat.exceptions


def test_sigterm_arrete_le_serveur_en_charge_en_moins_de_10_s(serveur_neuf):
    """Arrêt demandé pendant que 8 sessions parcourent les pages : le processus finit en moins de 10 s."""
    import os
    import signal
    import threading
    import time

    fil = threading.Thread(target=charge.executer, kwargs=dict(
        url=serveur_neuf.url, sessions=SESSIONS, tours=5, pages=None, interaction="page",
        delai_execution_s=30.0, limite_s=60.0, delai_sante_s=2.0), daemon=True)
    fil.start()
    time.sleep(4.0)  # la charge est en cours : des exécutions de page tournent
    assert serveur_neuf.processus.poll() is None
    debut = time.monotonic()
    os.kill(serveur_neuf.processus.pid, signal.SIGTERM)
    try:
        serveur_neuf.processus.wait(timeout=30)
    finally:
        duree = time.monotonic() - debut
        fil.join(timeout=90)
    assert duree < 10, f"arrêt en {duree:.1f} s\n{serveur_neuf.fin_du_journal(4000)}"
