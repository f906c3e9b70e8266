"""Chargement du jeu de données en service.

- Dossier : ``requetes.jeu.dossier_par_defaut()`` — la version importée mise en service (magasin
  ``TDB_VERSIONS``, page Données) s'il y en a une ; sinon la variable d'environnement ``TDB_DONNEES`` si
  elle est définie, sinon le jeu de démonstration ``donnees_locales/demo``, généré au premier lancement
  (``donnees.demo.generer``) avec une barre de progression commentée.
- Validation : ``donnees.valider.valider_dossier_en_cache``, gardée en mémoire par dossier et par
  signature des fichiers (nom, taille, empreinte SHA-256 du contenu) et sur disque (``donnees.cache``) :
  un export remplacé est revalidé, même à taille et date égales ; un jeu déjà contrôlé ne l'est pas à
  chaque démarrage du serveur. Une panne du moteur n'est jamais gardée en cache (voir
  ``_valider_avec_reprises``).
- Un jeu valide est ouvert une fois (``st.cache_resource``) ; les pages le prennent par ``jeu()``.
- ``en_cache(fonction, *args)`` garde en cache (``st.cache_data``) le résultat d'une fonction de
  ``requetes`` appelée sur le jeu en service.

Rien ici n'affiche de trace d'erreur : un jeu invalide ou illisible donne un ``EtatJeu`` non valide,
que le point d'entrée montre sur une page d'erreur en français.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from donnees.contrat import NOMS_TABLES, TABLES, VERSION_CONTRAT
from requetes import jeu as module_jeu

_CLE_ETAT = "_tdb_etat_jeu"
_VERROU_DEMO = threading.Lock()

Signature = tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class ProblemeChargement:
    """Une erreur ou un avertissement à montrer, sous la forme que donne le validateur."""

    niveau: str  # "erreur" | "avertissement"
    fichier: str | None
    colonne: str | None
    regle: str
    message: str
    lignes: tuple[int, ...] = ()
    nb_autres: int = 0


@dataclass(frozen=True)
class EtatJeu:
    """Le jeu de données en service et ce qu'on en sait."""

    dossier: Path
    demo: bool
    signature: Signature
    valide: bool
    erreurs: tuple[ProblemeChargement, ...] = ()
    avertissements: tuple[ProblemeChargement, ...] = ()
    periode: tuple[date, date] | None = None
    lignes: dict[str, int] = field(default_factory=dict)
    texte_rapport: str = ""
    version_contrat: int = VERSION_CONTRAT
    # Vrai quand le contrôle n'a pas pu se faire (panne du moteur) : pas un verdict sur les données.
    transitoire: bool = False

    @property
    def libelle(self) -> str:
        if self.demo:
            return "jeu de démonstration (données fictives)"
        return f"exports du dossier {self.dossier}"


# ---------------------------------------------------------------------------------------------
# Dossier, signature, jeu de démonstration
# ---------------------------------------------------------------------------------------------


def dossier_en_service() -> tuple[Path, bool]:
    """(dossier, est_demo) : la version en service, sinon le dossier de ``TDB_DONNEES``, sinon le jeu de
    démonstration local."""
    dossier = Path(module_jeu.dossier_par_defaut())
    demo = not os.environ.get("TDB_DONNEES") and dossier.resolve() == Path(module_jeu.DOSSIER_DEMO).resolve()
    return dossier, demo


def signature(dossier: Path) -> Signature:
    """(fichier, taille, empreinte SHA-256 du contenu) de chaque fichier du contrat ; (fichier, -1, "")
    pour un fichier absent. Clé des caches en mémoire (rapport, jeu ouvert, résultats de requêtes) : un
    export remplacé à taille et date égales (``rsync -a``, ``cp -p``) change de clé. L'empreinte est
    mémorisée par état du fichier (``donnees.cache.empreinte_fichier``) : à chaque exécution, un ``stat``."""
    from donnees.cache import empreinte_fichier

    morceaux = []
    for nom in NOMS_TABLES:
        chemin = Path(dossier) / TABLES[nom].fichier
        try:
            taille = chemin.stat().st_size
            empreinte = empreinte_fichier(chemin)
        except OSError:
            morceaux.append((TABLES[nom].fichier, -1, ""))
        else:
            morceaux.append((TABLES[nom].fichier, taille, empreinte))
    return tuple(morceaux)


def demo_complete(dossier: Path) -> bool:
    return all((Path(dossier) / TABLES[nom].fichier).is_file() for nom in NOMS_TABLES)


def generer_demo(dossier: Path, progression: Callable[[float, str], None] | None = None) -> Path:
    """Génère le jeu de démonstration dans un dossier temporaire voisin puis le met en place d'un coup
    (deux sessions simultanées ne se marchent pas dessus ; un arrêt en cours de route ne laisse pas un
    jeu à moitié écrit)."""
    from donnees import demo

    dossier = Path(dossier)
    dossier.parent.mkdir(parents=True, exist_ok=True)
    # Verrou entre fils (sessions d'un processus) puis entre processus (répliques de scripts/servir.sh
    # qui démarrent ensemble) : un seul génère, les autres trouvent ensuite le jeu complet.
    with _VERROU_DEMO, open(dossier.parent / f".{dossier.name}.verrou", "w") as verrou:
        fcntl.flock(verrou, fcntl.LOCK_EX)
        if demo_complete(dossier):
            return dossier
        temporaire = Path(tempfile.mkdtemp(prefix=".demo-", dir=dossier.parent))
        try:
            demo.generer(temporaire, progression=progression)
            if dossier.exists():
                shutil.rmtree(dossier)
            temporaire.rename(dossier)
        finally:
            if temporaire.exists():
                shutil.rmtree(temporaire, ignore_errors=True)
    return dossier


def _generer_demo_avec_progression(dossier: Path) -> None:
    zone = st.empty()
    with zone.container():
        st.info(
            "Premier lancement : création du jeu de démonstration (données fictives, conformes au "
            "contrat d'export). Cela ne se fait qu'une fois.",
            icon=":material/hourglass_top:",
        )
        barre = st.progress(0.0, text="Préparation du jeu de démonstration…")

    def progression(fraction: float, message: str) -> None:
        barre.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    generer_demo(dossier, progression)
    zone.empty()


# ---------------------------------------------------------------------------------------------
# Validation (en cache) et ouverture du jeu (en cache)
# ---------------------------------------------------------------------------------------------


def _probleme(a: Any) -> ProblemeChargement:
    return ProblemeChargement(
        niveau=str(getattr(a, "niveau", "erreur")),
        fichier=getattr(a, "fichier", None),
        colonne=getattr(a, "colonne", None),
        regle=str(getattr(a, "regle", "")),
        message=str(getattr(a, "message", a)),
        lignes=tuple(int(x) for x in (getattr(a, "lignes", None) or ())),
        nb_autres=int(getattr(a, "nb_autres", 0) or 0),
    )


def _dates(periode: Any) -> tuple[date, date] | None:
    if not periode:
        return None
    try:
        debut, fin = periode
    except (TypeError, ValueError):
        return None
    if debut is None or fin is None:
        return None
    return debut, fin


@st.cache_data(show_spinner="Contrôle du jeu de données…", max_entries=8)
def _valider(dossier: str, sig: Signature, demo: bool) -> EtatJeu:
    from donnees.valider import valider_dossier_en_cache

    chemin = Path(dossier)
    if not chemin.is_dir():
        erreur = ProblemeChargement(
            niveau="erreur", fichier=None, colonne=None, regle="dossier_absent",
            message=f"Le dossier de données « {chemin.name} » n'existe pas ou n'est pas un dossier "
                    "(variable d'environnement TDB_DONNEES).",
        )
        return EtatJeu(dossier=chemin, demo=demo, signature=sig, valide=False, erreurs=(erreur,))
    # Une exception (panne du moteur, erreur imprévue) traverse : st.cache_data ne garde jamais une
    # exception, et ``preparer`` en fait un état passager, réessayé à l'exécution suivante.
    rapport, _ = valider_dossier_en_cache(chemin)
    texte = ""
    try:
        texte = rapport.texte()
    except Exception:
        texte = ""
    return EtatJeu(
        dossier=chemin,
        demo=demo,
        signature=sig,
        valide=bool(rapport.valide),
        erreurs=tuple(_probleme(a) for a in rapport.erreurs),
        avertissements=tuple(_probleme(a) for a in rapport.avertissements),
        periode=_dates(getattr(rapport, "periode", None)),
        lignes=dict(getattr(rapport, "lignes", {}) or {}),
        texte_rapport=texte,
    )


@st.cache_resource(show_spinner="Ouverture du jeu de données…", max_entries=2)
def _ouvrir(dossier: str, sig: Signature) -> module_jeu.JeuDeDonnees:
    return module_jeu.JeuDeDonnees(Path(dossier))


def preparer() -> EtatJeu:
    """Prépare le jeu en service pour cette exécution (génère la démonstration si besoin, valide) et
    le mémorise pour ``etat_jeu()`` et ``jeu()``. Appelé par le point d'entrée."""
    dossier, demo = dossier_en_service()
    if demo and not demo_complete(dossier):
        try:
            _generer_demo_avec_progression(dossier)
        except Exception as exc:  # montré en français, sans trace
            erreur = ProblemeChargement(
                niveau="erreur", fichier=None, colonne=None, regle="demo_impossible",
                message=f"La création du jeu de démonstration dans « {Path(dossier).name} » a échoué : "
                        f"{type(exc).__name__} : {exc}",
            )
            etat = EtatJeu(dossier=dossier, demo=True, signature=signature(dossier), valide=False,
                           erreurs=(erreur,))
            st.session_state[_CLE_ETAT] = etat
            return etat
    sig = signature(dossier)
    etat = _valider_avec_reprises(dossier, sig, demo)
    st.session_state[_CLE_ETAT] = etat
    return etat


TENTATIVES_VALIDATION = 3
PAUSES_ENTRE_TENTATIVES_S = (0.2, 1.0)


def _valider_avec_reprises(dossier: Path, sig: Signature, demo: bool) -> EtatJeu:
    """``_valider`` (verdict gardé en cache), réessayé après une panne du moteur ou de la machine.

    Une panne n'est pas un verdict : ni le cache mémoire ni le cache disque ne la gardent, et si elle
    persiste après ``TENTATIVES_VALIDATION`` essais, l'état rendu est « passager » (``transitoire``) :
    l'exécution suivante réessaie. La page Données reste accessible pour remettre en service une
    version valide."""
    from donnees.valider import ErreurMoteur

    derniere: Exception | None = None
    for essai in range(TENTATIVES_VALIDATION):
        if essai:
            time.sleep(PAUSES_ENTRE_TENTATIVES_S[min(essai - 1, len(PAUSES_ENTRE_TENTATIVES_S) - 1)])
        try:
            return _valider(str(dossier), sig, demo)
        except ErreurMoteur as exc:
            derniere = exc
        except Exception as exc:  # un validateur qui casse ne doit pas montrer de trace
            derniere = exc
            break  # erreur imprévue : la même à chaque essai, inutile d'insister tout de suite
    panne = isinstance(derniere, ErreurMoteur)
    message = (
        f"Le contrôle du jeu de données n'a pas pu se faire ({TENTATIVES_VALIDATION} essais) : panne passagère "
        f"du moteur ou de la machine ({derniere}). Ce n'est pas un défaut des données : la page réessaiera à "
        "l'affichage suivant. Si cela persiste, vérifiez la mémoire et le disque du serveur."
        if panne else
        f"Le contrôle du dossier « {Path(dossier).name} » a échoué : {type(derniere).__name__} : {derniere}. La page "
        "réessaiera à l'affichage suivant ; signalez ce message à l'administrateur s'il persiste."
    )
    erreur = ProblemeChargement(niveau="erreur", fichier=None, colonne=None,
                                regle="moteur_indisponible" if panne else "validation_impossible", message=message)
    return EtatJeu(dossier=dossier, demo=demo, signature=sig, valide=False, erreurs=(erreur,), transitoire=True)


def etat_jeu() -> EtatJeu:
    """L'état du jeu préparé par le point d'entrée pour l'exécution en cours."""
    from interface.garde import assurer_navigation

    assurer_navigation()
    etat = st.session_state.get(_CLE_ETAT)
    if etat is None:
        etat = preparer()
    return etat


def jeu() -> module_jeu.JeuDeDonnees:
    """Le jeu de données en service (ouvert une fois par dossier et signature)."""
    etat = etat_jeu()
    if not etat.valide:
        raise RuntimeError("Le jeu de données en service n'est pas valide : aucune requête possible.")
    return _ouvrir(str(etat.dossier), etat.signature)


@st.cache_data(show_spinner=False, max_entries=512)
def _appel_en_cache(dossier: str, sig: Signature, module: str, nom: str, args: tuple, kwargs: tuple,
                    perimetre: tuple[str, str | None] | None = None):
    from donnees.habilitations import Perimetre
    from requetes import perimetre as P

    fonction = getattr(importlib.import_module(module), nom)
    # Le périmètre fait partie de la clé : un résultat filtré pour une région n'est jamais servi à une autre
    # session ; il est reposé ici pour le calcul (le cache peut s'exécuter hors du bloc de la page).
    with P.actif(None if perimetre is None else Perimetre(*perimetre)):
        return fonction(_ouvrir(dossier, sig), *args, **dict(kwargs))


def en_cache(fonction: Callable, *args, **kwargs):
    """``fonction(jeu(), *args, **kwargs)`` gardé en cache par jeu et par arguments.

    ``fonction`` doit être une fonction de niveau module de la couche ``requetes`` (ou
    ``cartes``) ; ses arguments doivent être hachables par Streamlit (texte, nombres, listes…).
    """
    module = getattr(fonction, "__module__", "") or ""
    if not (module.startswith("requetes.") or module.startswith("cartes.")):
        raise ValueError(f"en_cache n'accepte que des fonctions de requetes ou cartes, pas {module}.")
    etat = etat_jeu()
    if not etat.valide:
        raise RuntimeError("Le jeu de données en service n'est pas valide : aucune requête possible.")
    from requetes import perimetre as P

    p = P.courant()
    return _appel_en_cache(str(etat.dossier), etat.signature, module, fonction.__name__, args,
                           tuple(sorted(kwargs.items())), None if p is None else (p.profil, p.code))


def annees_et_regions() -> tuple[list[int], list[tuple[str, str]]]:
    """Années présentes dans les données et régions (code, nom) pour les filtres partagés."""
    from requetes import indicateurs

    annees = en_cache(indicateurs.annees_disponibles)
    regions = en_cache(indicateurs.regions)
    return [int(a) for a in annees], [(str(c), str(n)) for c, n in regions.select("code_region", "nom_region").iter_rows()]


def couverture_du_jeu():
    """Le périmètre du jeu en service (``requetes.couverture.couverture``, calculé une fois par jeu) : les
    régions et départements que couvrent ses Missions Locales, et s'il est national."""
    from requetes.couverture import couverture

    return couverture(jeu())


def couverture_affichee():
    """Le périmètre du jeu que montrait la dernière exécution de la session (None s'il n'était pas valide) ; à
    appeler depuis un rappel de bouton, qui s'exécute avant le script (sans la garde de navigation)."""
    from requetes.couverture import couverture

    etat = st.session_state.get(_CLE_ETAT)
    if etat is None or not etat.valide:
        return None
    return couverture(_ouvrir(str(etat.dossier), etat.signature))
