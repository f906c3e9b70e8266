"""Caches en mémoire de la couche de requêtes : un jeu sorti du service est libéré (pas retenu par un
cache de module), et les petits caches partagés calculent une seule fois quand plusieurs sessions les
demandent en même temps (jamais une valeur à moitié faite)."""

from __future__ import annotations

import gc
import time
import weakref

from requetes import acces
from requetes import comparaison as C
from requetes.jeu import JeuDeDonnees
from tests.outils_fils import en_meme_temps


def test_jeu_sorti_du_service_libere(dossier_minimal):
    """Positions de comparaison, distances d'accès : calculées, puis le jeu quitte le service (plus
    aucune référence) ; il doit être libéré, connexion DuckDB comprise."""
    jeu = JeuDeDonnees(dossier_minimal)
    positions = C.positions(jeu, "region", 2024)
    assert positions.height > 0
    assert C.positions(jeu, "region", 2024).equals(positions)  # relu dans le cache du jeu
    acces.distances(jeu)
    ref = weakref.ref(jeu)
    del jeu
    gc.collect()
    assert ref() is None, [type(r).__name__ for r in gc.get_referrers(ref())]


def test_positions_calculees_une_fois_par_jeu_et_par_periode(dossier_minimal, monkeypatch):
    vraie = C._calculer_positions
    calculs = []

    def lente(*args):
        calculs.append(args[1:])
        time.sleep(0.2)
        return vraie(*args)

    monkeypatch.setattr(C, "_calculer_positions", lente)
    jeu = JeuDeDonnees(dossier_minimal)
    resultats = en_meme_temps(8, lambda: C.positions(jeu, "departement", 2024))
    assert not [r for r in resultats if isinstance(r, BaseException)], resultats
    assert calculs == [("departement", 2024, 2024, None)]
    assert all(r.equals(resultats[0]) for r in resultats)
    autre = JeuDeDonnees(dossier_minimal)  # un autre jeu a son propre cache
    C.positions(autre, "departement", 2024)
    assert len(calculs) == 2


def test_distances_calculees_une_fois_pour_huit_sessions(dossier_minimal, monkeypatch):
    vraie = acces._calculer_distances
    calculs = []

    def lente(jeu):
        calculs.append(jeu)
        time.sleep(0.3)
        return vraie(jeu)

    monkeypatch.setattr(acces, "_calculer_distances", lente)
    jeu = JeuDeDonnees(dossier_minimal)
    monkeypatch.setattr(acces, "empreinte", lambda j, tables: ("essai", id(jeu)))  # clé jamais calculée
    resultats = en_meme_temps(8, lambda: acces.distances(jeu))
    assert not [r for r in resultats if isinstance(r, BaseException)], resultats
    assert len(calculs) == 1
    assert all(r is resultats[0] for r in resultats)  # la même valeur, entière, pour tous
    assert resultats[0].height > 0
