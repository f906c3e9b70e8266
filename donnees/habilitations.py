"""Qui voit quoi : le fichier d'accès et les périmètres (national, région, Mission Locale).

Le fichier d'accès est nommé par la variable d'environnement ``TDB_ACCES``. C'est un fichier TOML, une
entrée par identité (une adresse électronique, ou un domaine pour toute une institution) :

    [[acces]]
    email = "coordination@arml-bretagne.fr"   # ou : domaine = "arml-bretagne.fr"
    profil = "region"                          # "national", "region" ou "ml"
    code = "53"                                # code de la région, ou code de la ML ; absent pour "national"
    administrateur = false                     # seuls les administrateurs importent des données ou reviennent en arrière

Une adresse exacte l'emporte sur un domaine ; le domaine le plus long l'emporte sur un plus court
(``dgefp.social.gouv.fr`` avant ``social.gouv.fr``). Sans fichier d'accès (``TDB_ACCES`` absente), le
tableau de bord garde son mode local : tout est ouvert, pour un seul poste de travail.

Ce module ne dépend ni de Streamlit ni du jeu de données : il lit et contrôle le fichier, et dit le
périmètre d'une identité. Le filtrage des données selon le périmètre est fait où les données sont lues
(``requetes``). Le code d'une ML n'est pas contrôlé ici (il dépend du jeu en service) : une entrée dont la
ML est absente du jeu ne voit aucune ligne de détail (``requetes.perimetre``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

VARIABLE = "TDB_ACCES"
PROFILS = ("national", "region", "ml")
LOCAL = "local"
LIBELLES_PROFIL = {"national": "national", "region": "région", "ml": "Mission Locale", LOCAL: "local"}
CLES_ENTREE = {"email", "domaine", "profil", "code", "administrateur"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DOMAINE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class ErreurAcces(ValueError):
    """Fichier d'accès illisible ou non conforme ; le message, en français, nomme le fichier et l'entrée."""


@dataclass(frozen=True)
class Perimetre:
    """Ce qu'une session peut voir.

    - ``national`` : tout ;
    - ``region`` (``code`` = code de la région) : sa région dans le détail, jusqu'aux ML et aux communes ;
      les autres régions en totaux régionaux seulement, et la France ;
    - ``ml`` (``code`` = code de la ML) : sa ML dans le détail ; son département, sa région et la France en
      totaux ;
    - ``local`` : mode sans fichier d'accès, tout est ouvert (un seul poste de travail).
    """

    profil: str
    code: str | None = None
    administrateur: bool = False
    identite: str | None = None  # adresse électronique de la personne connectée ; None en mode local

    @property
    def local(self) -> bool:
        return self.profil == LOCAL

    @property
    def voit_tout(self) -> bool:
        """Aucune restriction de lignes (profil national ou mode local)."""
        return self.profil in ("national", LOCAL)

    @property
    def peut_administrer(self) -> bool:
        """Importer des données, revenir à une version antérieure : administrateurs et mode local."""
        return self.administrateur or self.local


PERIMETRE_LOCAL = Perimetre(LOCAL, None, True, None)


@dataclass(frozen=True)
class EntreeAcces:
    numero: int  # rang dans le fichier, à partir de 1 (messages d'erreur)
    email: str | None
    domaine: str | None
    profil: str
    code: str | None
    administrateur: bool

    def perimetre(self, identite: str) -> Perimetre:
        return Perimetre(self.profil, self.code, self.administrateur, identite)


@dataclass(frozen=True)
class Acces:
    """Le fichier d'accès lu et contrôlé."""

    chemin: Path
    entrees: tuple[EntreeAcces, ...]
    _par_email: dict[str, EntreeAcces] = field(default_factory=dict, repr=False, compare=False)
    _par_domaine: dict[str, EntreeAcces] = field(default_factory=dict, repr=False, compare=False)

    def entree_de(self, email: str | None) -> EntreeAcces | None:
        """L'entrée qui s'applique à une adresse (adresse exacte, sinon domaine le plus précis), ou None."""
        if not email:
            return None
        adresse = email.strip().lower()
        if not _EMAIL.match(adresse):
            return None
        if adresse in self._par_email:
            return self._par_email[adresse]
        domaine = adresse.rsplit("@", 1)[1]
        morceaux = domaine.split(".")
        for i in range(len(morceaux) - 1):  # a.b.c.fr, puis b.c.fr, puis c.fr
            trouve = self._par_domaine.get(".".join(morceaux[i:]))
            if trouve is not None:
                return trouve
        return None

    def perimetre_de(self, email: str | None) -> Perimetre | None:
        """Le périmètre d'une identité, ou None si elle n'est pas dans le fichier (refus)."""
        entree = self.entree_de(email)
        return None if entree is None else entree.perimetre(email.strip().lower())


def _texte_entree(numero: int, brute: dict) -> str:
    qui = brute.get("email") or brute.get("domaine")
    return f"entrée n° {numero}" + (f" ({qui})" if isinstance(qui, str) and qui else "")


def _controler_entree(numero: int, brute, chemin: Path, regions: set[str] | None) -> EntreeAcces:
    if not isinstance(brute, dict):
        raise ErreurAcces(f"{chemin.name}, entrée n° {numero} : une entrée [[acces]] est une table "
                          "(email ou domaine, profil, code, administrateur).")
    ou = f"{chemin.name}, {_texte_entree(numero, brute)}"
    inconnues = sorted(set(brute) - CLES_ENTREE)
    if inconnues:
        raise ErreurAcces(f"{ou} : clé inconnue « {', '.join(inconnues)} » (attendu : email ou domaine, "
                          "profil, code, administrateur).")
    email, domaine = brute.get("email"), brute.get("domaine")
    if (email is None) == (domaine is None):
        raise ErreurAcces(f"{ou} : indiquer soit « email », soit « domaine » (un seul des deux).")
    if email is not None:
        if not isinstance(email, str) or not _EMAIL.match(email.strip().lower()):
            raise ErreurAcces(f"{ou} : « email » doit être une adresse électronique (ex. « prenom.nom@arml.fr »), "
                              f"pas {email!r}.")
        email = email.strip().lower()
    if domaine is not None:
        propre = domaine.strip().lower().lstrip("@") if isinstance(domaine, str) else None
        if not propre or not _DOMAINE.match(propre):
            raise ErreurAcces(f"{ou} : « domaine » doit être un nom de domaine (ex. « arml-bretagne.fr »), "
                              f"pas {domaine!r}.")
        domaine = propre
    profil = brute.get("profil")
    if profil not in PROFILS:
        raise ErreurAcces(f"{ou} : « profil » doit valoir « national », « region » ou « ml », pas {profil!r}.")
    code = brute.get("code")
    if profil == "national":
        if code is not None:
            raise ErreurAcces(f"{ou} : un profil « national » n'a pas de « code » (il voit tout).")
    else:
        if not isinstance(code, str) or not code.strip():
            quoi = "le code de la région (ex. « 53 »)" if profil == "region" else "le code de la Mission Locale"
            raise ErreurAcces(f"{ou} : un profil « {profil} » demande « code » : {quoi}, entre guillemets.")
        code = code.strip()
        if profil == "region" and regions is not None and code not in regions:
            raise ErreurAcces(f"{ou} : « {code} » n'est pas un code de région du référentiel géographique "
                              f"(codes connus : {', '.join(sorted(regions))}).")
    administrateur = brute.get("administrateur", False)
    if not isinstance(administrateur, bool):
        raise ErreurAcces(f"{ou} : « administrateur » vaut true ou false, pas {administrateur!r}.")
    return EntreeAcces(numero, email, domaine, profil, code, administrateur)


def lire(texte: str, chemin: Path, regions: Iterable[str] | None = None) -> Acces:
    """Lit et contrôle le texte d'un fichier d'accès. ``regions`` : codes de région admis (référentiel)."""
    try:
        donnees = tomllib.loads(texte)
    except tomllib.TOMLDecodeError as exc:
        raise ErreurAcces(f"{chemin.name} n'est pas un fichier TOML valide : {exc}.") from None
    inconnues = sorted(set(donnees) - {"acces"})
    if inconnues:
        raise ErreurAcces(f"{chemin.name} : section inconnue « {', '.join(inconnues)} » (attendu : des entrées "
                          "[[acces]]).")
    brutes = donnees.get("acces")
    if isinstance(brutes, dict):
        raise ErreurAcces(f"{chemin.name}, entrée n° 1 : chaque entrée s'écrit [[acces]] (deux crochets : une "
                          "table par identité), pas [acces].")
    if not isinstance(brutes, list) or not brutes:
        raise ErreurAcces(f"{chemin.name} ne contient aucune entrée [[acces]] : personne ne pourrait se connecter.")
    regions_admises = None if regions is None else set(regions)
    entrees = tuple(_controler_entree(i, b, chemin, regions_admises) for i, b in enumerate(brutes, 1))
    par_email: dict[str, EntreeAcces] = {}
    par_domaine: dict[str, EntreeAcces] = {}
    for e in entrees:
        table, cle = (par_email, e.email) if e.email else (par_domaine, e.domaine)
        if cle in table:
            raise ErreurAcces(f"{chemin.name}, entrée n° {e.numero} ({cle}) : déjà décrite à l'entrée "
                              f"n° {table[cle].numero} ; une identité n'a qu'une entrée.")
        table[cle] = e
    return Acces(chemin, entrees, par_email, par_domaine)


def charger(chemin: Path | str) -> Acces:
    """Lit et contrôle le fichier d'accès ``chemin`` (codes de région contrôlés sur le référentiel)."""
    from donnees import referentiel

    chemin = Path(chemin)
    try:
        texte = chemin.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ErreurAcces(f"Fichier d'accès introuvable : {chemin.name} ({VARIABLE}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ErreurAcces(f"Fichier d'accès illisible : {chemin.name} ({type(exc).__name__}).") from None
    return lire(texte, chemin, referentiel.regions()["code_region"].to_list())


def fichier_configure() -> bool:
    """Un fichier d'accès est désigné (``TDB_ACCES``) : le tableau de bord n'est pas en mode local."""
    return bool(os.environ.get(VARIABLE, "").strip())


def depuis_environnement() -> Acces | None:
    """Le fichier d'accès nommé par ``TDB_ACCES``, lu et contrôlé ; None si la variable est absente ou
    vide (mode local)."""
    valeur = os.environ.get(VARIABLE, "").strip()
    return charger(valeur) if valeur else None


def libelle(perimetre: Perimetre, nom: str | None = None) -> str:
    """« National », « Région Bretagne », « Mission Locale de Brest », « Mode local »."""
    if perimetre.profil == LOCAL:
        return "Mode local (tout est ouvert)"
    if perimetre.profil == "national":
        return "National"
    if perimetre.profil == "region":
        return f"Région {nom}" if nom else f"Région {perimetre.code}"
    return nom or f"Mission Locale {perimetre.code}"


# Le mode local, atteignable aussi par la classe (``Perimetre.LOCAL``).
Perimetre.LOCAL = PERIMETRE_LOCAL  # type: ignore[attr-defined]
