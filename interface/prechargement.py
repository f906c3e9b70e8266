"""Préchargement, en arrière-plan, de ce dont les autres pages auront besoin.

Le premier affichage d'une page dans un processus serveur neuf paie l'import de ses bibliothèques :
la carte, par exemple, tire mapclassify (qui importe scipy.stats et scikit-learn : plus de 2 s à lui
seul), folium, streamlit-folium et GeoPandas. Le point d'entrée appelle ``lancer()`` **après** avoir
affiché la page demandée : la première page n'est pas ralentie, et pendant qu'on la lit un fil
d'exécution importe le reste et lit les contours des départements (maille par défaut de la carte).

Lancé par ``scripts/lancer.sh`` (``python -m interface.lancement``), le serveur fait tout ce
préchargement **à son démarrage**, avant d'accepter la première connexion
(``precharger_au_demarrage``) : la première page de chaque visiteur n'attend plus aucun import ; le fil
d'arrière-plan ne sert plus qu'à ``streamlit run tableau_de_bord.py`` lancé à la main.

Piège des imports en arrière-plan : certaines bibliothèques regardent si un module est *déjà* dans
``sys.modules`` sans l'importer (Plotly et narwhals pour pandas, par exemple) ; un module à moitié
importé par le fil de préchargement y serait vu par le fil de la page et la ferait échouer
(« partially initialized module 'pandas' »). ``lancer()`` importe donc d'abord, dans le fil appelant,
les modules ainsi sondés (``IMPORTS_DIRECTS``), puis seulement lance le fil pour le reste.

Les composants Streamlit (streamlit-folium) ne sont **pas** préchargés : ``declare_component``, appelé
à l'import, doit l'être dans le fil d'une page, sans quoi le composant ne se charge pas dans le
navigateur (vu à l'écran, couvert par les tests dans Chromium).

Un échec ici n'est jamais montré : la page qui a besoin du module l'importera elle-même et affichera
sa propre erreur le cas échéant.
"""

from __future__ import annotations

import importlib
import logging
import threading

# Modules que d'autres bibliothèques sondent dans sys.modules sans les importer : importés dans le fil
# appelant, jamais à moitié visibles.
IMPORTS_DIRECTS = ("pandas",)

MODULES = (
    "plotly.subplots",
    "requetes.acces",
    "requetes.alertes",
    "requetes.comparaison",
    "requetes.accords",
    "requetes.orientations",
    "requetes.budget",
    "cartes.classes",
    "cartes.vue",
    "cartes.carte",
    "donnees.import_securise",
    "donnees.versions",
    "interface.graphiques",
)

journal = logging.getLogger(__name__)
_verrou = threading.Lock()
_fil: threading.Thread | None = None


def _precharger() -> None:
    for nom in MODULES:
        try:
            importlib.import_module(nom)
        except Exception as exc:  # voir la docstring du module
            journal.warning("Préchargement de %s impossible : %s", nom, exc)
    try:
        from cartes import geometries

        geometries.geometries_navigateur("departement")
    except Exception as exc:
        journal.warning("Préchargement des contours impossible : %s", exc)


def _importer_modules_sondes() -> None:
    for nom in IMPORTS_DIRECTS:
        try:
            importlib.import_module(nom)
        except Exception as exc:  # voir la docstring du module
            journal.warning("Import de %s impossible : %s", nom, exc)


def precharger_au_demarrage() -> float:
    """Tout le préchargement, tout de suite, dans le fil appelant : appelé par ``interface.lancement``
    avant le démarrage du serveur (aucun visiteur, donc aucune course possible). Rend sa durée (s)."""
    import time

    debut = time.perf_counter()
    _importer_modules_sondes()
    _precharger()
    return time.perf_counter() - debut


def lancer() -> threading.Thread:
    """Démarre le préchargement une fois par processus ; rend le fil (déjà lancé ou non)."""
    global _fil
    with _verrou:
        if _fil is None:
            _importer_modules_sondes()
            _fil = threading.Thread(target=_precharger, name="tdb-prechargement", daemon=True)
            _fil.start()
        return _fil


def attendre(delai: float | None = None) -> None:
    """Attend la fin du préchargement s'il a été lancé (banc d'essai, tests)."""
    with _verrou:
        fil = _fil
    if fil is not None:
        fil.join(timeout=delai)
