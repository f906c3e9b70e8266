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
