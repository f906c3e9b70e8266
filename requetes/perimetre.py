"""Le périmètre de la session appliqué là où les données sont lues.

Une session reçoit seulement les lignes de son périmètre (``donnees.habilitations.Perimetre``) :

- ``national`` et mode local : tout ;
- ``region`` : sa région dans le détail (départements, Missions Locales, communes, sites, agences) ;
  les autres régions en totaux régionaux seulement, et la France ;
- ``ml`` : sa Mission Locale dans le détail (et les communes de son territoire) ; son département, sa
  région et la France en totaux.

Les totaux nationaux, les médianes et les rangs restent calculés sur toutes les données (une région se
compare à la France) : le filtre s'applique à la **sortie** des fonctions publiques de ``requetes``
(décorateur ``@restreint``), jamais à leurs calculs internes. Un appel imbriqué (une fonction de
``requetes`` qui en appelle une autre) n'est pas filtré : seul l'appel le plus extérieur l'est.

Le périmètre de l'exécution en cours est posé par l'interface (``actif(perimetre)``, variable de
contexte propre au fil de la session). Sans périmètre posé, rien n'est filtré si le tableau de bord est
en mode local (pas de ``TDB_ACCES``) ; avec un fichier d'accès, une lecture sans périmètre est refusée
(``PerimetreAbsent``) : une page oubliée n'ouvre rien.

Règles de filtrage d'un tableau, selon ses colonnes (la première qui s'applique ; un résultat composé,
tuple, liste, dictionnaire ou dataclass, est filtré membre à membre) :

1. ``code_ml`` : lignes des ML du périmètre (ou sans ML) ;
2. ``code_commune`` : communes du périmètre ;
3. ``code_objet`` et ``niveau`` (constats d'alerte) : commune ou ML du périmètre ;
4. ``maille`` (ou ``niveau``) et ``code`` : selon la maille de chaque ligne ;
5. ``code`` et un argument ``maille`` de la fonction : selon cette maille ;
6. ``code_departement`` : départements du périmètre ;
7. ``code_region`` : régions dont le périmètre voit le total.
Un tableau sans aucune de ces colonnes (France entière, paramètres) passe tel quel.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import polars as pl

from donnees.habilitations import VARIABLE, Perimetre
from requetes.jeu import JeuDeDonnees


class PerimetreAbsent(PermissionError):
    """Lecture de données sans périmètre alors qu'un fichier d'accès est en service."""


class HorsPerimetre(PermissionError):
    """Un argument nomme un territoire que le périmètre ne voit pas (code de ML, de département, de
    région, ou ``code`` à une ``maille``). ``maille`` et ``code`` disent lequel."""

    def __init__(self, maille: str, code: str):
        super().__init__(f"Territoire hors du périmètre de la session : {maille} {code}")
        self.maille = maille
        self.code = code


@dataclass(frozen=True)
class Restriction:
    """Ce qu'un périmètre voit dans un jeu donné : ensembles de codes (None = tout)."""

    profil: str
    mls: frozenset[str] | None
    communes: frozenset[str] | None
    departements: frozenset[str] | None
    regions: frozenset[str] | None  # régions dont le total est visible
    region_detail: str | None  # la région vue dans le détail (profil region, ou région de l'ML)

    @property
    def libre(self) -> bool:
        return self.mls is None

    def codes(self, maille: str) -> frozenset[str] | None:
        """Codes visibles à une maille (None = tous)."""
        return {"ml": self.mls, "commune": self.communes, "departement": self.departements,
                "region": self.regions}.get(maille)


LIBRE = Restriction("national", None, None, None, None, None)

_actif: contextvars.ContextVar[Perimetre | None] = contextvars.ContextVar("tdb_perimetre", default=None)
_profondeur: contextvars.ContextVar[int] = contextvars.ContextVar("tdb_perimetre_profondeur", default=0)


@contextlib.contextmanager
def actif(perimetre: Perimetre | None) -> Iterator[None]:
    """Pose le périmètre des lectures faites dans ce bloc (fil courant)."""
    jeton = _actif.set(perimetre)
    try:
        yield
    finally:
        _actif.reset(jeton)


_source: Callable[[], Perimetre | None] | None = None


def definir_source(fonction: Callable[[], Perimetre | None] | None) -> None:
    """Source du périmètre quand aucun bloc ``actif`` n'est ouvert : l'interface y donne le périmètre rangé
    dans la session (les rappels des boutons s'exécutent avant le script, hors du bloc de la page). La
    source ne doit pas lever d'exception ; None = pas de session."""
    global _source
    _source = fonction


def courant() -> Perimetre | None:
    """Le périmètre actif : celui du bloc ``actif`` ouvert, sinon celui de la source de l'interface."""
    p = _actif.get()
    if p is None and _source is not None:
        p = _source()
    return p


def cle() -> tuple[str, str | None] | None:
    """Clé du périmètre actif pour un cache : None quand rien n'est filtré (national, local, aucun)."""
    p = courant()
    return None if p is None or p.voit_tout else (p.profil, p.code)


class _CacheParPerimetre:
    def __init__(self, cache_jeu):
        self._cache = cache_jeu

    def lire(self, cle_, calcul):
        return self._cache.lire((cle(), cle_), calcul)


def cache(jeu: JeuDeDonnees, espace: str, taille: int) -> _CacheParPerimetre:
    """Le cache par jeu (``jeu.cache``) à employer **au-dessus** de ``requetes`` (presentation, cartes) :
    sa clé comprend le périmètre actif. Un résultat calculé par les fonctions restreintes est déjà filtré
    pour la session qui l'a demandé ; le garder sous la seule clé du jeu le servirait à toutes les autres
    (``tests/test_couches.py`` interdit ``jeu.cache`` hors de ``requetes``)."""
    return _CacheParPerimetre(jeu.cache(espace, taille))


def _acces_en_service() -> bool:
    return bool(os.environ.get(VARIABLE, "").strip())


def restriction(jeu: JeuDeDonnees, perimetre: Perimetre | None) -> Restriction:
    """Les codes visibles pour ``perimetre`` dans ``jeu`` (calculés une fois par jeu et par périmètre)."""
    if perimetre is None or perimetre.voit_tout:
        return LIBRE
    cle = (perimetre.profil, perimetre.code)
    return jeu.cache("perimetre_restrictions", 512).lire(cle, lambda: _calculer(jeu, perimetre.profil,
                                                                                  perimetre.code))


def _calculer(jeu: JeuDeDonnees, profil: str, code: str | None) -> Restriction:
    mls = jeu.requete("ml_rattachement")
    if profil == "region":
        departements = frozenset(jeu.sql("SELECT code_departement FROM ref_departements WHERE code_region = $r",
                                         {"r": code})["code_departement"].to_list())
        codes_ml = frozenset(mls.filter(pl.col("code_region") == code)["code_ml"].to_list())
        communes = jeu.sql(
            "SELECT code_commune FROM ref_communes WHERE code_region = $r "
            "UNION SELECT code_commune FROM territoires_ml WHERE list_contains($mls, code_ml)",
            {"r": code, "mls": sorted(codes_ml)})
        regions = frozenset(jeu.sql("SELECT code_region FROM ref_regions")["code_region"].to_list())
        return Restriction("region", codes_ml, frozenset(communes["code_commune"].to_list()), departements,
                           regions, code)
    ligne = mls.filter(pl.col("code_ml") == code)
    if ligne.is_empty():  # ML absente du jeu : elle ne voit que la France
        return Restriction("ml", frozenset(), frozenset(), frozenset(), frozenset(), None)
    departement, region = ligne["code_departement"][0], ligne["code_region"][0]
    communes = jeu.sql("SELECT code_commune FROM territoires_ml WHERE code_ml = $m", {"m": code})
    return Restriction("ml", frozenset([code]), frozenset(communes["code_commune"].to_list()),
                       frozenset([departement]) if departement else frozenset(),
                       frozenset([region]) if region else frozenset(), region)


def _garder(df: pl.DataFrame, colonne: str, codes: frozenset[str] | None, nuls: bool = False) -> pl.DataFrame:
    if codes is None or colonne not in df.columns:
        return df
    condition = pl.col(colonne).is_in(sorted(codes))
    if nuls:
        condition = condition | pl.col(colonne).is_null()
    return df.filter(condition)


def filtrer(df: pl.DataFrame, r: Restriction, maille: str | None = None) -> pl.DataFrame:
    """Les lignes de ``df`` visibles pour la restriction ``r`` (règles du module)."""
    if r.libre or not isinstance(df, pl.DataFrame):
        return df
    colonnes = set(df.columns)
    if "code_ml" in colonnes:
        return _garder(df, "code_ml", r.mls, nuls=True)
    if "code_commune" in colonnes:
        return _garder(df, "code_commune", r.communes)
    if {"code_objet", "niveau"} <= colonnes:
        return df.filter(
            ((pl.col("niveau") == "commune") & pl.col("code_objet").is_in(sorted(r.communes or ())))
            | ((pl.col("niveau") == "ml") & pl.col("code_objet").is_in(sorted(r.mls or ()))))
    for nom_maille in ("maille", "niveau"):
        if {nom_maille, "code"} <= colonnes:
            colonne = pl.col(nom_maille)
            condition = ~colonne.is_in(["ml", "commune", "departement", "region"])
            for m in ("ml", "commune", "departement", "region"):
                condition = condition | ((colonne == m) & pl.col("code").is_in(sorted(r.codes(m) or ())))
            return df.filter(condition)
    if "code" in colonnes and maille in ("ml", "commune", "departement", "region"):
        return _garder(df, "code", r.codes(maille))
    if "code_departement" in colonnes:
        return _garder(df, "code_departement", r.departements, nuls=True)
    if "code_region" in colonnes:
        return _garder(df, "code_region", r.regions, nuls=True)
    return df


def appliquer(jeu: JeuDeDonnees, df: pl.DataFrame, maille: str | None = None) -> pl.DataFrame:
    """Les lignes de ``df`` visibles pour le périmètre actif : pour les tableaux que les couches du dessus
    tirent d'ailleurs que des fonctions restreintes (référentiel géographique embarqué)."""
    p = courant()
    if p is None and _acces_en_service():
        raise PerimetreAbsent("Filtrage sans périmètre alors qu'un fichier d'accès est en service.")
    return filtrer(df, restriction(jeu, p), maille)


def restreint(fonction: Callable) -> Callable:
    """Décorateur des fonctions publiques de ``requetes`` qui rendent des lignes par territoire : le
    résultat (un DataFrame, ou un tuple / dict de DataFrames) est filtré selon le périmètre actif, à
    l'appel le plus extérieur seulement. La fonction doit prendre le jeu en premier argument ; un
    argument ``maille`` sert à la règle 5."""
    signature = inspect.signature(fonction)
    a_maille = "maille" in signature.parameters

    @functools.wraps(fonction)
    def enveloppe(*args, **kwargs):
        profondeur = _profondeur.get()
        jeton = _profondeur.set(profondeur + 1)
        try:
            resultat = fonction(*args, **kwargs)
        finally:
            _profondeur.reset(jeton)
        if profondeur > 0:
            return resultat
        perimetre = courant()
        if perimetre is None:
            if _acces_en_service():
                raise PerimetreAbsent(
                    f"Lecture de données sans périmètre ({fonction.__module__}.{fonction.__name__}) alors qu'un "
                    "fichier d'accès est en service.")
            return resultat
        r = restriction(args[0] if args else kwargs["jeu"], perimetre)
        if r.libre:
            return resultat
        lie = signature.bind_partial(*args, **kwargs)
        lie.apply_defaults()
        maille = lie.arguments.get("maille") if a_maille else None
        verifier_arguments(r, lie.arguments)
        return _filtrer_resultat(resultat, r, maille)

    enveloppe.__restreint__ = True  # repéré par tests/requetes/test_perimetre.py
    return enveloppe


ARGUMENTS_TERRITOIRE = {"code_ml": "ml", "code_departement": "departement", "code_region": "region"}


def verifier_arguments(r: Restriction, arguments: dict) -> None:
    """Lève ``HorsPerimetre`` si un argument nomme un territoire que ``r`` ne voit pas : ``code_ml``,
    ``code_departement``, ``code_region`` ou ``code`` avec ``maille``."""
    if r.libre:
        return
    for nom, maille in ARGUMENTS_TERRITOIRE.items():
        code = arguments.get(nom)
        if isinstance(code, str) and code not in (r.codes(maille) or ()):
            raise HorsPerimetre(maille, code)
    maille, code = arguments.get("maille"), arguments.get("code")
    if isinstance(code, str) and maille in ("ml", "commune", "departement", "region") \
            and code not in (r.codes(maille) or ()):
        raise HorsPerimetre(maille, code)


def _filtrer_resultat(resultat, r: Restriction, maille: str | None):
    if isinstance(resultat, pl.DataFrame):
        return filtrer(resultat, r, maille)
    if dataclasses.is_dataclass(resultat) and not isinstance(resultat, type):
        champs = {c.name: getattr(resultat, c.name) for c in dataclasses.fields(resultat)}
        filtres = {k: _filtrer_resultat(v, r, maille) for k, v in champs.items()
                   if isinstance(v, pl.DataFrame | tuple | list | dict)}
        return dataclasses.replace(resultat, **filtres) if filtres else resultat
    if isinstance(resultat, tuple) and not hasattr(resultat, "_fields"):
        return tuple(_filtrer_resultat(x, r, maille) for x in resultat)
    if isinstance(resultat, list):
        return [_filtrer_resultat(x, r, maille) for x in resultat]
    if isinstance(resultat, dict):
        return {k: _filtrer_resultat(v, r, maille) for k, v in resultat.items()}
    return resultat
