"""Validation d'un jeu d'exports Parquet contre le contrat v1 (``donnees/contrat.py``).

Usage ::

    python -m donnees.valider DOSSIER      # code de sortie 0 si valide (avertissements affichés), 1 sinon

API ::

    valider_dossier(dossier) -> Rapport
    valider_fichiers({"orientations": Path(...), ...}) -> Rapport

Chaque anomalie (``Anomalie``) nomme le fichier, la colonne, les premières lignes fautives (numérotées à
partir de 1 : ligne 1 = première ligne de données du fichier Parquet), le nombre des autres, et ce qui
était attendu. Les **erreurs** rendent le jeu invalide ; les **avertissements** (colonne en trop, trou de
couverture, écarts budgétaires…) n'empêchent pas le chargement.

Les règles viennent de ``donnees.contrat`` (colonnes, types, nullité, énumérations, positivité,
références, clés, inégalités entre colonnes). Seules les règles que le contrat exprime en prose sont
écrites ici : dates d'un accord, agences signataires, chevauchement et couverture des territoires,
département du siège, cohérence budgétaire avec le forfait ETP ; plus une règle de bon sens que le
contrat n'écrit pas : toute date et toute année entre 2000 et l'année en cours + 10 (« 1900-01-01 » ou
« 20224-01-01 » sont des erreurs de saisie, qui fausseraient le filtre des années et l'export Excel).

Moteur : DuckDB, directement sur les fichiers Parquet
-----------------------------------------------------
Tout le travail lourd est fait par DuckDB sur les fichiers, sans charger les tables en Python :

- le schéma est lu dans les métadonnées Parquet (``DESCRIBE``), sans lire les données ;
- toutes les règles « ligne à ligne » d'une table sont comptées en **un seul passage** (``count_if``) ;
  un second passage, limité aux règles en défaut, rapporte les dix premières lignes fautives
  (``min(ligne, 10)``) et quelques valeurs ; un jeu valide ne coûte donc qu'un passage par table ;
- les références (code_ml, agences, communes…) sont des jointures externes dans ce même passage ;
- les doublons de clé : DuckDB calcule une empreinte 64 bits (``hash``) de la clé de chaque ligne,
  triée ensuite avec numpy (8 octets par ligne ; bien plus rapide qu'un ``GROUP BY`` sur des millions
  de clés distinctes) ; deux empreintes voisines égales désignent une clé suspecte, confirmée exactement
  en SQL sur ces seules clés. Les valeurs nulles d'une clé y sont égales entre elles, comme le veut la
  clé d'``orientations`` qui contient ``code_agence`` facultatif.

Pourquoi pas pandera
--------------------
pandera 0.35 (backend Polars) a été évalué sur la table ``orientations`` avec un sous-ensemble des
règles (types, nullité, énumérations, positivité, deux inégalités, unicité de la clé), sur des jeux
valides. Temps CPU mesurés sur la machine de développement (2 cœurs partagés) :

- 1,5 million de lignes : pandera ≈ 1,0 s pour la seule table orientations ; ce module ≈ 0,7 s pour
  les 10 fichiers et tout le contrat ;
- 18,7 millions de lignes : pandera ≈ 18 à 22 s ; ce module ≈ 5,5 s.

pandera doit en outre charger toute la table en mémoire (plus d'1 Go à 20 millions de lignes) et, sur
un jeu faux, matérialise *toutes* les lignes fautives (``failure_cases`` : 2,9 millions de lignes dans
un essai) là où il suffit des dix premières. Surtout, il ne couvre qu'une partie du contrat : rien entre
fichiers (références, chevauchement, forfait de l'enveloppe, référentiel géographique), des contrôles
de type stricts qu'il aurait fallu contourner (entier accepté pour un décimal, horodatage pour une date,
entier 8 à 64 bits, colonne entièrement nulle) et des messages en anglais à retraduire règle par
règle. Une seule mécanique (SQL DuckDB) pour tout le contrat est plus simple, plus rapide, et c'est
celle de la couche de requêtes (``requetes/jeu.py``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from babel.dates import format_date
from babel.numbers import format_decimal

from donnees import moteur
from donnees.contrat import (
    BOOLEEN,
    DATE,
    DECIMAL,
    ENTIER,
    LISTE_TEXTE,
    NOMS_TABLES,
    STATUTS_ACCORD,
    TABLES,
    TEXTE,
    TYPES_DUCKDB,
    VERSION_CONTRAT,
    Colonne,
    Table,
)

ERREUR = "erreur"
AVERTISSEMENT = "avertissement"
MAX_LIGNES = 10  # lignes fautives citées par anomalie
MAX_EXEMPLES = 5  # valeurs fautives citées par anomalie
TOLERANCE_EUROS = 1.0  # écart toléré entre une valorisation et ETP × forfait (arrondis)
ANNEE_MIN = 2000  # aucune donnée du partenariat n'est antérieure
ECART_ANNEES_MAX = 10  # au-delà de l'année en cours + 10 : date saisie de travers

# Identifiants des règles (champ ``Anomalie.regle``), avec leur niveau.
REGLES: dict[str, str] = {
    "dossier_introuvable": ERREUR,
    "fichier_absent": ERREUR,
    "fichier_en_trop": AVERTISSEMENT,
    "fichier_illisible": ERREUR,
    "colonne_absente": ERREUR,
    "colonne_en_trop": AVERTISSEMENT,
    "type_incorrect": ERREUR,
    "code_non_texte": ERREUR,
    "table_vide": ERREUR,
    "valeur_nulle": ERREUR,
    "texte_vide": ERREUR,
    "valeur_hors_liste": ERREUR,
    "valeur_negative": ERREUR,
    "valeur_non_finie": ERREUR,
    "inferieur_ou_egal": ERREUR,
    "mois_premier_jour": ERREUR,
    "date_hors_bornes": ERREUR,
    "dates_inversees": ERREUR,
    "date_signature_manquante": ERREUR,
    "agences_vides": ERREUR,
    "cle_dupliquee": ERREUR,
    "code_geo_inconnu": ERREUR,
    "reference_inconnue": ERREUR,
    "chevauchement": ERREUR,
    "departement_siege": ERREUR,
    "trou_couverture": AVERTISSEMENT,
    "annee_sans_enveloppe": AVERTISSEMENT,
    "ecart_valorisation": AVERTISSEMENT,
    "ecart_subvention": AVERTISSEMENT,
}

STATUTS_AVEC_SIGNATURE = ("signe", "echu", "denonce")
STATUT_SANS_AGENCE = "non_engage"
assert set(STATUTS_AVEC_SIGNATURE) | {STATUT_SANS_AGENCE} <= set(STATUTS_ACCORD)


# --------------------------------------------------------------------------------------------
# Résultat
# --------------------------------------------------------------------------------------------

@dataclass
class Anomalie:
    """Un manquement au contrat. ``lignes`` : premiers numéros de ligne fautifs (1 = première ligne
    de données) ; ``nb_autres`` : lignes fautives non citées."""

    niveau: str  # "erreur" | "avertissement"
    fichier: str
    colonne: str | None
    regle: str
    message: str
    lignes: list[int] = field(default_factory=list)
    nb_autres: int = 0

    def __str__(self) -> str:
        return self.message


@dataclass
class Rapport:
    erreurs: list[Anomalie] = field(default_factory=list)
    avertissements: list[Anomalie] = field(default_factory=list)
    periode: tuple[date, date] | None = None  # premier et dernier mois (orientations, activité)
    lignes: dict[str, int] = field(default_factory=dict)  # table -> nombre de lignes
    dossier: Path | None = None
    version_contrat: int = VERSION_CONTRAT

    @property
    def valide(self) -> bool:
        return not self.erreurs

    @property
    def anomalies(self) -> list[Anomalie]:
        return [*self.erreurs, *self.avertissements]

    def ajouter(self, anomalie: Anomalie) -> None:
        (self.erreurs if anomalie.niveau == ERREUR else self.avertissements).append(anomalie)

    def texte(self) -> str:
        """Le rapport en texte brut, en français."""
        sortie = []
        titre = f"Jeu d'exports : {self.dossier}" if self.dossier else "Jeu d'exports"
        sortie.append(f"{titre} (contrat des exports, version {self.version_contrat})")
        if self.valide:
            bilan = "VALIDE"
            if self.avertissements:
                bilan += f", avec {_pluriel(len(self.avertissements), 'avertissement')}"
        else:
            bilan = f"INVALIDE : {_pluriel(len(self.erreurs), 'erreur')}"
            if self.avertissements:
                bilan += f", {_pluriel(len(self.avertissements), 'avertissement')}"
        sortie.append(bilan)
        if self.periode:
            debut, fin = self.periode
            sortie.append(f"Période couverte : de {format_date(debut, 'MMMM y', locale='fr_FR')} "
                          f"à {format_date(fin, 'MMMM y', locale='fr_FR')}")
        if self.lignes:
            sortie.append("Lignes lues :")
            for nom, n in self.lignes.items():
                sortie.append(f"  {TABLES[nom].fichier if nom in TABLES else nom} : {_nombre(n)}")
        if self.erreurs:
            sortie.append("")
            sortie.append("Erreurs :")
            sortie += [f"  - {a.message}" for a in self.erreurs]
        if self.avertissements:
            sortie.append("")
            sortie.append("Avertissements :")
            sortie += [f"  - {a.message}" for a in self.avertissements]
        return "\n".join(sortie)


# --------------------------------------------------------------------------------------------
# Mise en forme des messages
# --------------------------------------------------------------------------------------------

class ErreurMoteur(RuntimeError):
    """Le contrôle n'a pas pu se faire : le moteur (DuckDB) ou la machine a échoué (mémoire, disque,
    interruption, erreur interne). Ce n'est **pas** un verdict sur les données : jamais gardé en cache,
    jamais montré comme « données non conformes » ; on réessaie plus tard."""


# Erreurs de DuckDB qui disent l'état de la machine ou du moteur, pas celui du fichier : mémoire
# épuisée, entrée-sortie (disque), interruption, erreur interne ou fatale, connexion, droits d'accès.
# Les autres (InvalidInputException « Footer length error », conversions…) décrivent le fichier.
ERREURS_MOTEUR: tuple[type[BaseException], ...] = (
    duckdb.OutOfMemoryException, duckdb.IOException, duckdb.InterruptException, duckdb.FatalException,
    duckdb.InternalException, duckdb.ConnectionException, duckdb.PermissionException,
    MemoryError, OSError,
)


def _verdict_ou_panne(exc: BaseException) -> None:
    """Lève ``ErreurMoteur`` si ``exc`` est une panne du moteur ou de la machine ; sinon ne fait rien (le
    fichier est en cause, l'appelant en fait un constat)."""
    if isinstance(exc, ERREURS_MOTEUR):
        raise ErreurMoteur(f"{type(exc).__name__} : {_court(exc)}") from exc


def _nombre(n: float | int) -> str:
    return format_decimal(n, locale="fr_FR")


def _euros(x: float) -> str:
    return format_decimal(x, locale="fr_FR", format="#,##0.##") + " €"


def _pluriel(n: int, mot: str) -> str:
    return f"{_nombre(n)} {mot}{'s' if n > 1 else ''}"


def _enumerer(elements: list[str]) -> str:
    if len(elements) <= 1:
        return "".join(elements)
    return ", ".join(elements[:-1]) + " et " + elements[-1]


def texte_lignes(lignes: list[int], nb_autres: int) -> str:
    """« ligne 4 », « lignes 4, 7 et 9 », « lignes 4, 7, 9 et 12 autres »."""
    if not lignes:
        return ""
    mot = "ligne" if len(lignes) + nb_autres == 1 else "lignes"
    nums = [_nombre(n) for n in lignes]
    if nb_autres:
        return f"{mot} {', '.join(nums)} et {_pluriel(nb_autres, 'autre')}"
    return f"{mot} {_enumerer(nums)}"


def _guillemets(v: Any) -> str:
    return f"« {v} »"


def _tete(fichier: str, colonne: str | None) -> str:
    return f"{fichier}, colonne « {colonne} »" if colonne else fichier


def bornes_dates(aujourd_hui: date | None = None) -> tuple[date, date]:
    """Première et dernière dates plausibles : 1er janvier 2000, 31 décembre de l'année en cours + 10."""
    annee = (aujourd_hui or date.today()).year
    return date(ANNEE_MIN, 1, 1), date(annee + ECART_ANNEES_MAX, 12, 31)


# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------

_ENTIERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
            "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOTTANTS = {"FLOAT", "DOUBLE"}
_NUL = '"NULL"'  # colonne entièrement nulle, sans type (ex. Polars pl.Null)

_ATTENDU_TYPE = {
    TEXTE: "texte (chaîne UTF-8)",
    ENTIER: "entier (32 ou 64 bits)",
    DECIMAL: "décimal (flottant 64 bits ; un entier est accepté)",
    DATE: "date (un horodatage est accepté et tronqué au jour)",
    BOOLEEN: "booléen",
    LISTE_TEXTE: "liste de textes",
}


def _est_numerique(t: str) -> bool:
    return t in _ENTIERS or t in _FLOTTANTS or t.startswith("DECIMAL")


def _est_horodatage(t: str) -> bool:
    return t.startswith("TIMESTAMP")


def _type_compatible(attendu: str, t: str) -> bool:
    if t == _NUL:
        return True
    if attendu == TEXTE:
        return t == "VARCHAR"
    if attendu == ENTIER:
        return t in _ENTIERS
    if attendu == DECIMAL:
        return _est_numerique(t)
    if attendu == DATE:
        return t == "DATE" or _est_horodatage(t)
    if attendu == BOOLEEN:
        return t == "BOOLEAN"
    if attendu == LISTE_TEXTE:
        return t in ("VARCHAR[]", _NUL + "[]")
    raise ValueError(attendu)


def _nom_type(t: str) -> str:
    if t.endswith("[]"):
        return f"liste de {_nom_type(t[:-2])}"
    if t in _ENTIERS:
        return "entier"
    if t in _FLOTTANTS or t.startswith("DECIMAL"):
        return "décimal"
    return {
        "VARCHAR": "texte",
        "DATE": "date",
        "BOOLEAN": "booléen",
        "BLOB": "binaire",
        "TIME": "heure",
        _NUL: "nul",
    }.get(t, "horodatage" if _est_horodatage(t) else t.lower())


def _est_code(col: Colonne) -> bool:
    return col.type in (TEXTE, LISTE_TEXTE) and (col.nom.startswith("code") or col.nom.startswith("id_"))


def _id(nom: str) -> str:
    """Identifiant SQL entre guillemets (les noms viennent du contrat : liste blanche)."""
    return '"' + nom.replace('"', '""') + '"'


def _litteral(v: Any) -> str:
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    raise TypeError(v)


def _liste_sql(valeurs) -> str:
    return "(" + ", ".join(_litteral(v) for v in valeurs) + ")"


def _chemin_sql(chemin: Path) -> str:
    # Un chemin ne peut pas être paramètre d'une fonction de table DuckDB : littéral échappé. Il vient
    # de l'appelant (dossier du jeu), jamais d'une saisie libre dans l'interface.
    return _litteral(str(chemin))


# --------------------------------------------------------------------------------------------
# État d'un fichier pendant la validation
# --------------------------------------------------------------------------------------------

@dataclass
class _Fichier:
    table: Table
    chemin: Path
    lisible: bool = False
    types: dict[str, str] = field(default_factory=dict)  # colonne du fichier -> type DuckDB
    ok: set[str] = field(default_factory=set)  # colonnes du contrat présentes et bien typées
    nb_lignes: int = 0

    @property
    def nom(self) -> str:
        return self.table.nom

    @property
    def fichier(self) -> str:
        return self.table.fichier

    @property
    def vue(self) -> str:
        return f"t_{self.table.nom}"

    @property
    def exploitable(self) -> bool:
        return self.lisible and self.nb_lignes > 0

    def a(self, *colonnes: str) -> bool:
        return self.exploitable and all(c in self.ok for c in colonnes)


@dataclass
class _Regle:
    """Une règle évaluée ligne à ligne sur une source SQL qui expose ``__ligne``."""

    regle: str
    colonne: str | None
    condition: str  # SQL booléen : vrai = ligne fautive
    constat: str  # « valeur négative »
    attendu: str  # « une valeur positive ou nulle (≥ 0) »
    exemple: str | None = None  # expression SQL : valeur citée en exemple
    formater: Callable[[Any], str] = _guillemets
    suffixe: Callable[[list], str] | None = None  # complément au message selon les exemples


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

class _Validation:
    def __init__(self, fichiers: dict[str, Path], dossier: Path | None = None, aujourd_hui: date | None = None):
        self.rapport = Rapport(dossier=dossier)
        self.aujourd_hui = aujourd_hui or date.today()
        self.chemins = {nom: Path(p) for nom, p in fichiers.items()}
        self.fichiers: dict[str, _Fichier] = {}
        self.con = moteur.connexion()  # mémoire et fils bornés (TDB_DUCKDB_MEMOIRE_MO, TDB_DUCKDB_THREADS)
        self.periode: list[date] = []

    # -- outils ---------------------------------------------------------------------------------

    def _signaler(self, regle: str, fichier: str, colonne: str | None, message: str,
                  lignes: list[int] | None = None, nb_autres: int = 0) -> None:
        self.rapport.ajouter(Anomalie(REGLES[regle], fichier, colonne, regle, message,
                                      list(lignes or []), nb_autres))

    def _signaler_regle(self, f: _Fichier, r: _Regle, nb: int, lignes: list[int], exemples: list) -> None:
        lignes = sorted(int(x) for x in lignes)[:MAX_LIGNES]
        nb_autres = max(nb - len(lignes), 0)
        message = (f"{_tete(f.fichier, r.colonne)} : {r.constat} sur {_pluriel(nb, 'ligne')} "
                   f"({texte_lignes(lignes, nb_autres)})")
        vus = []
        for e in exemples or []:
            if e is not None and e not in vus:
                vus.append(e)
        if vus and r.exemple is not None:
            mot = "valeur trouvée" if len(vus) == 1 else "valeurs trouvées"
            message += f" ; {mot} : {', '.join(r.formater(v) for v in vus[:MAX_EXEMPLES])}"
        if r.suffixe:
            message += r.suffixe(vus)
        message += f". Attendu : {r.attendu}."
        self._signaler(r.regle, f.fichier, r.colonne, message, lignes, nb_autres)

    def _evaluer(self, f: _Fichier, source: str, regles: list[_Regle]) -> None:
        """Compte toutes les règles en un passage, puis cite les lignes des seules règles en défaut."""
        if not regles:
            return
        comptes = self.con.execute(
            "SELECT " + ", ".join(f"count_if(coalesce({r.condition}, FALSE))" for r in regles)
            + f" FROM {source}"
        ).fetchall()[0]
        en_defaut = [(r, n) for r, n in zip(regles, comptes) if n]
        if not en_defaut:
            return
        morceaux = []
        for r, _ in en_defaut:
            filtre = f"FILTER (WHERE coalesce({r.condition}, FALSE))"
            morceaux.append(f"min(__ligne, {MAX_LIGNES}) {filtre}")
            exemple = r.exemple if r.exemple is not None else "NULL"
            morceaux.append(f"min_by({exemple}, __ligne, {MAX_EXEMPLES}) {filtre}")
        valeurs = self.con.execute("SELECT " + ", ".join(morceaux) + f" FROM {source}").fetchall()[0]
        for i, (r, n) in enumerate(en_defaut):
            self._signaler_regle(f, r, n, valeurs[2 * i] or [], valeurs[2 * i + 1] or [])

    # -- 1. fichiers et schémas -----------------------------------------------------------------

    def fichiers_et_schemas(self) -> None:
        for nom in NOMS_TABLES:
            table = TABLES[nom]
            chemin = self.chemins.get(nom)
            if chemin is None or not chemin.is_file():
                self._fichier_absent(table, chemin)
                continue
            f = _Fichier(table, chemin)
            self.fichiers[nom] = f
            if not self._lire_schema(f):
                continue
            self._verifier_colonnes(f)
            self.rapport.lignes[nom] = f.nb_lignes
            if f.nb_lignes == 0:
                self._signaler("table_vide", f.fichier, None,
                               f"{f.fichier} : le fichier ne contient aucune ligne. "
                               f"Attendu : au moins une ligne ({table.description.lower()}).")

    def _fichier_absent(self, table: Table, chemin: Path | None) -> None:
        indice = ""
        if chemin is not None and chemin.parent.is_dir():
            if chemin.exists():
                indice = " (le chemin existe mais n'est pas un fichier)"
            else:
                proches = [p.name for p in chemin.parent.iterdir()
                           if p.name.lower() == chemin.name.lower()
                           or p.stem.lower().rstrip("s") == table.nom.rstrip("s")]
                if proches:
                    indice = f" ; fichier au nom proche trouvé : {', '.join(map(_guillemets, sorted(proches)))}" \
                             " (le nom doit être exact, en minuscules)"
        self._signaler("fichier_absent", table.fichier, None,
                       f"{table.fichier} : fichier absent{indice}. Attendu : un fichier Parquet nommé "
                       f"exactement « {table.fichier} » ({table.description.lower()}).")

    def _illisible(self, f: _Fichier, cause: str) -> None:
        self._signaler("fichier_illisible", f.fichier, None,
                       f"{f.fichier} : fichier illisible, {cause}. Attendu : un fichier Parquet complet, "
                       "écrit par un outil Parquet (pyarrow, Polars, DuckDB, Spark…).")

    def _lire_schema(self, f: _Fichier) -> bool:
        taille = f.chemin.stat().st_size
        if taille == 0:
            self._illisible(f, "le fichier est vide (0 octet)")
            return False
        with open(f.chemin, "rb") as fh:
            tete = fh.read(min(taille, 512))
            fh.seek(max(taille - 4, 0))
            queue = fh.read(4)
        if not tete.startswith(b"PAR1"):
            cause = "ce n'est pas un fichier Parquet (signature « PAR1 » absente en tête)"
            try:
                premiere = tete.decode("utf-8").splitlines()[0]
                if any(sep in premiere for sep in (",", ";", "\t")):
                    cause += (" ; il ressemble à un fichier texte de type CSV "
                              f"(première ligne : « {premiere[:80]} »)")
            except (UnicodeDecodeError, IndexError):
                pass
            self._illisible(f, cause)
            return False
        if queue != b"PAR1" or taille < 12:
            self._illisible(f, "le fichier semble tronqué (la signature « PAR1 » de fin de fichier manque : "
                               "copie ou écriture interrompue ?)")
            return False
        try:
            description = self.con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_chemin_sql(f.chemin)})").fetchall()
            f.nb_lignes = int(self.con.execute(
                f"SELECT sum(num_rows) FROM parquet_file_metadata({_chemin_sql(f.chemin)})").fetchall()[0][0] or 0)
        except duckdb.Error as exc:
            _verdict_ou_panne(exc)
            self._illisible(f, f"métadonnées Parquet corrompues (détail technique : {_court(exc)})")
            return False
        f.types = {ligne[0]: ligne[1] for ligne in description}
        f.lisible = True
        return True

    def _verifier_colonnes(self, f: _Fichier) -> None:
        contrat = f.table.noms_colonnes
        presentes_min = {c.lower(): c for c in f.types}
        for col in f.table.colonnes:
            t = f.types.get(col.nom)
            if t is None:
                if not col.obligatoire:
                    continue
                indice = ""
                autre = presentes_min.get(col.nom.lower())
                if autre:
                    indice = (f" ; une colonne « {autre} » est présente : les noms doivent être "
                              "exactement en minuscules")
                self._signaler("colonne_absente", f.fichier, col.nom,
                               f"{_tete(f.fichier, col.nom)} : colonne obligatoire absente{indice}. "
                               f"Attendu : une colonne « {col.nom} » de type {_ATTENDU_TYPE[col.type]}.")
                continue
            if _type_compatible(col.type, t):
                f.ok.add(col.nom)
                continue
            trouve = f"{_nom_type(t)} ({t})"
            if _est_code(col) and (_est_numerique(t) or (t.endswith("[]") and _est_numerique(t[:-2]))):
                self._signaler("code_non_texte", f.fichier, col.nom,
                               f"{_tete(f.fichier, col.nom)} : code stocké en nombre, type {trouve} ; un code "
                               "en nombre perd ses zéros en tête (« 01001 » devient 1001, « 2A004 » est "
                               f"impossible). Attendu : {_ATTENDU_TYPE[col.type]}, zéros en tête conservés.")
                continue
            indice = ""
            if col.type == ENTIER and (t in _FLOTTANTS or t.startswith("DECIMAL")):
                indice = (" ; un export pandas convertit en décimal une colonne entière qui contient des "
                          "valeurs manquantes")
            self._signaler("type_incorrect", f.fichier, col.nom,
                           f"{_tete(f.fichier, col.nom)} : type {trouve} trouvé{indice}. "
                           f"Attendu : {_ATTENDU_TYPE[col.type]}.")
        for nom_col in f.types:
            if nom_col not in contrat:
                self._signaler("colonne_en_trop", f.fichier, nom_col,
                               f"{_tete(f.fichier, nom_col)} : colonne hors contrat, ignorée. "
                               f"Attendu : uniquement les colonnes {', '.join(contrat)}.")

    def fichiers_en_trop(self, dossier: Path) -> None:
        attendus = {TABLES[n].fichier for n in NOMS_TABLES}
        for p in sorted(dossier.iterdir()):
            if p.suffix.lower() == ".parquet" and p.name not in attendus:
                self._signaler("fichier_en_trop", p.name, None,
                               f"{p.name} : fichier hors contrat, ignoré. Attendu : uniquement les fichiers "
                               f"{', '.join(sorted(attendus))}.")

    # -- 2. vues typées ------------------------------------------------------------------------

    def creer_vues(self) -> None:
        from donnees import referentiel

        communes = referentiel.communes().select("code_commune", "code_departement").to_arrow()
        departements = referentiel.departements().select("code_departement").to_arrow()
        self.con.register("ref_communes_arrow", communes)
        self.con.register("ref_departements_arrow", departements)
        self.con.execute("CREATE TEMP TABLE ref_communes AS SELECT * FROM ref_communes_arrow")
        self.con.execute("CREATE TEMP TABLE ref_departements AS SELECT * FROM ref_departements_arrow")
        self.con.unregister("ref_communes_arrow")
        self.con.unregister("ref_departements_arrow")

        for f in self.fichiers.values():
            if not f.exploitable:
                continue
            selection = []
            for col in f.table.colonnes:
                if col.nom not in f.ok:
                    continue
                t = f.types[col.nom]
                if col.type == DATE or t.startswith(_NUL) or t.startswith("DECIMAL"):
                    cible = TYPES_DUCKDB[col.type]
                    selection.append(f"CAST({_id(col.nom)} AS {cible}) AS {_id(col.nom)}")
                else:
                    selection.append(_id(col.nom))
            selection.append("file_row_number + 1 AS __ligne")
            self.con.execute(
                f"CREATE TEMP VIEW {f.vue} AS SELECT {', '.join(selection)} "
                f"FROM read_parquet({_chemin_sql(f.chemin)}, file_row_number = TRUE)")

    # -- 3. règles ligne à ligne ----------------------------------------------------------------

    def _cible(self, reference: str) -> tuple[str, str, str] | None:
        """(relation SQL, colonne, libellé) d'une référence, ou None si la cible est inutilisable."""
        source, _, colonne = reference.partition(".")
        if source == "referentiel":
            if colonne == "communes":
                return "ref_communes", "code_commune", "le référentiel des communes"
            if colonne == "departements":
                return "ref_departements", "code_departement", "le référentiel des départements"
            raise ValueError(reference)
        cible = self.fichiers.get(source)
        if cible is None or not cible.a(colonne):
            return None
        return cible.vue, colonne, cible.fichier

    def regles_lignes(self) -> None:
        for f in self.fichiers.values():
            if not f.exploitable:
                continue
            try:
                self._regles_table(f)
                self._doublons(f)
            except duckdb.Error as exc:
                _verdict_ou_panne(exc)
                self._illisible(f, f"lecture des données interrompue (détail technique : {_court(exc)})")
                f.lisible = False

    def _regles_table(self, f: _Fichier) -> None:
        regles: list[_Regle] = []
        jointures: list[str] = []
        for col in f.table.colonnes:
            if col.nom not in f.ok:
                continue
            c = f"s.{_id(col.nom)}"
            if col.non_nul:
                regles.append(_Regle("valeur_nulle", col.nom, f"{c} IS NULL", "valeur manquante (nulle)",
                                     "une valeur sur chaque ligne"))
            if col.type == TEXTE:
                attendu = "un texte non vide" + ("" if col.non_nul else " (ou une valeur nulle)")
                regles.append(_Regle("texte_vide", col.nom, f"trim({c}) = ''",
                                     "texte vide ou fait d'espaces", attendu))
            renseigne = f"{c} IS NOT NULL" + (f" AND trim({c}) <> ''" if col.type == TEXTE else "")
            if col.valeurs is not None:
                # jointure sur une petite table de valeurs : plus rapide qu'un NOT IN sur des millions de lignes
                alias = f"j{len(jointures)}"
                jointures.append(f"LEFT JOIN (VALUES {', '.join(f'({_litteral(v)})' for v in col.valeurs)}) "
                                 f"{alias}(v) ON {c} = {alias}.v")
                regles.append(_Regle(
                    "valeur_hors_liste", col.nom, f"{renseigne} AND {alias}.v IS NULL",
                    "valeur hors de la liste admise",
                    "une des valeurs " + _enumerer([_guillemets(v) for v in col.valeurs]),
                    exemple=f"CAST({c} AS VARCHAR)"))
            if col.type in (ENTIER, DECIMAL) and col.positif:
                regles.append(_Regle("valeur_negative", col.nom, f"{c} < 0", "valeur négative",
                                     "une valeur positive ou nulle (≥ 0)", exemple=c, formater=_nombre))
            if col.type == DECIMAL:
                regles.append(_Regle("valeur_non_finie", col.nom, f"isnan({c}) OR isinf({c})",
                                     "valeur non finie (NaN ou infini)", "un nombre fini",
                                     exemple=f"CAST({c} AS VARCHAR)"))
            if col.type == DATE or (col.type == ENTIER and col.nom == "annee"):
                regles.append(self._regle_bornes(col, c))
            if col.type == DATE and col.nom == "mois":
                regles.append(_Regle("mois_premier_jour", col.nom, f"day({c}) <> 1",
                                     "date qui n'est pas le premier jour du mois",
                                     "le premier jour du mois (ex. 2024-03-01)",
                                     exemple=f"strftime({c}, '%Y-%m-%d')", formater=str))
            if col.reference and col.type == TEXTE:
                cible = self._cible(col.reference)
                if cible is not None:
                    relation, col_cible, libelle = cible
                    alias = f"j{len(jointures)}"
                    jointures.append(
                        f"LEFT JOIN (SELECT DISTINCT {_id(col_cible)} AS v FROM {relation}) {alias} "
                        f"ON {c} = {alias}.v")
                    regles.append(self._regle_reference(col, f"{renseigne} AND {alias}.v IS NULL", c,
                                                        col_cible, libelle))
        for petite, grande in f.table.inferieur_ou_egal:
            if petite in f.ok and grande in f.ok:
                regles.append(_Regle(
                    "inferieur_ou_egal", petite, f"s.{_id(petite)} > s.{_id(grande)}",
                    f"valeur supérieure à « {grande} »", f"{petite} ≤ {grande}",
                    exemple=f"[s.{_id(petite)}, s.{_id(grande)}]",
                    formater=lambda v, p=petite, g=grande: f"{p} = {_nombre(v[0])} > {g} = {_nombre(v[1])}"))
        regles += self._regles_specifiques(f)

        source = f"{f.vue} s " + " ".join(jointures)
        self._evaluer(f, source, regles)
        if "mois" in f.ok:
            # Mois plausibles seulement : une date hors bornes est déjà une erreur, et une année à cinq
            # chiffres ne tient pas dans une date Python.
            bas, haut = bornes_dates(self.aujourd_hui)
            debut, fin = self.con.execute(
                f"SELECT min(mois), max(mois) FROM {f.vue} WHERE mois BETWEEN ? AND ?", [bas, haut]).fetchall()[0]
            if debut is not None:
                self.periode += [debut, fin]

    def _regle_bornes(self, col: Colonne, c: str) -> _Regle:
        """Date ou année plausible : de ``ANNEE_MIN`` à l'année en cours + ``ECART_ANNEES_MAX``."""
        debut, fin = bornes_dates(self.aujourd_hui)
        if col.type == DATE:
            condition = f"{c} < DATE '{debut.isoformat()}' OR {c} > DATE '{fin.isoformat()}'"
            exemple = f"strftime({c}, '%Y-%m-%d')"
        else:
            condition = f"{c} < {debut.year} OR {c} > {fin.year}"
            exemple = f"CAST({c} AS VARCHAR)"
        quoi = "année" if col.type == ENTIER else "date"
        return _Regle("date_hors_bornes", col.nom, condition, "date hors des bornes plausibles",
                      f"une {quoi} entre {debut.year} et {fin.year} (de {ANNEE_MIN} à l'année en cours + "
                      f"{ECART_ANNEES_MAX})", exemple=exemple)

    def _regle_reference(self, col: Colonne, condition: str, expr: str, col_cible: str, libelle: str) -> _Regle:
        if col.reference.startswith("referentiel."):
            if col.reference.endswith("communes"):
                attendu = ("un code commune du Code officiel géographique, en texte sur 5 caractères "
                           "(ex. « 01001 », « 2A004 », « 97411 »)")
                longueur = 4
            else:
                attendu = ("un code département du Code officiel géographique, en texte "
                           "(« 01 » … « 95 », « 2A », « 2B », « 971 » … « 976 »)")
                longueur = 1

            def suffixe(vus: list, n=longueur) -> str:
                if any(isinstance(v, str) and v.isdigit() and len(v) == n for v in vus):
                    return " (zéro en tête perdu ?)"
                return ""

            return _Regle("code_geo_inconnu", col.nom, condition, f"code absent de {libelle} (COG)", attendu,
                          exemple=expr, suffixe=suffixe)
        return _Regle("reference_inconnue", col.nom, condition, f"code absent de {libelle}",
                      f"un code présent dans la colonne « {col_cible} » de {libelle}", exemple=expr)

    def _regles_specifiques(self, f: _Fichier) -> list[_Regle]:
        """Règles que le contrat exprime en prose (table accords)."""
        regles = []
        if f.nom != "accords":
            return regles
        if f.a("date_debut", "date_fin"):
            regles.append(_Regle(
                "dates_inversees", "date_fin", "s.date_fin < s.date_debut", "date_fin antérieure à date_debut",
                "date_fin ≥ date_debut",
                exemple="strftime(s.date_debut, '%Y-%m-%d') || ' → ' || strftime(s.date_fin, '%Y-%m-%d')",
                formater=str))
        if f.a("statut", "date_signature"):
            regles.append(_Regle(
                "date_signature_manquante", "date_signature",
                f"s.date_signature IS NULL AND s.statut IN {_liste_sql(STATUTS_AVEC_SIGNATURE)}",
                "date de signature absente pour un accord signé, échu ou dénoncé",
                "une date_signature quand statut vaut " + _enumerer(list(STATUTS_AVEC_SIGNATURE)),
                exemple="'statut ' || s.statut", formater=str))
        if f.a("statut", "codes_agences"):
            # Le contrat n'admet une liste vide que pour un accord non engagé.
            autres = tuple(x for x in STATUTS_ACCORD if x != STATUT_SANS_AGENCE)
            regles.append(_Regle(
                "agences_vides", "codes_agences",
                f"coalesce(len(s.codes_agences), 0) = 0 AND s.statut IN {_liste_sql(autres)}",
                "aucune agence pour un accord engagé (signé, en négociation, échu ou dénoncé)",
                f"au moins un code agence (la liste ne peut être vide que si statut = {STATUT_SANS_AGENCE})",
                exemple="'statut ' || s.statut", formater=str))
        return regles

    def _doublons(self, f: _Fichier) -> None:
        cle = f.table.cle
        if f.nom == "territoires_ml":
            # une commune rattachée deux fois à la même ML = doublon ; à deux ML = chevauchement (à part)
            cle = ("code_commune", "code_ml")
        if not f.a(*cle):
            return
        cols = ", ".join(_id(c) for c in cle)
        # Empreinte 64 bits de chaque clé, triée en mémoire (8 octets par ligne) : deux voisines égales
        # signalent une clé suspecte. Bien plus rapide qu'un GROUP BY sur des millions de clés distinctes.
        empreintes = self.con.execute(f"SELECT hash({cols}) AS h FROM {f.vue}").fetchnumpy()["h"]
        empreintes = np.sort(np.asarray(empreintes, dtype=np.uint64))
        egales = empreintes[1:] == empreintes[:-1]
        if not egales.any():
            return
        suspects = pa.table({"h": pa.array(np.unique(empreintes[1:][egales]), type=pa.uint64())})
        del empreintes, egales
        self.con.register("__suspects_arrow", suspects)
        self.con.execute("CREATE OR REPLACE TEMP TABLE __suspects AS SELECT h FROM __suspects_arrow")
        self.con.unregister("__suspects_arrow")
        description = " || ', ' || ".join(
            f"'{c}=' || coalesce(CAST({_id(c)} AS VARCHAR), 'nul')" for c in cle)
        source = (
            f"(SELECT __ligne, {description} AS __cle, "
            f"row_number() OVER (PARTITION BY {cols} ORDER BY __ligne) AS __rang, "
            f"min(__ligne) OVER (PARTITION BY {cols}) AS __premiere "
            f"FROM {f.vue} WHERE hash({cols}) IN (SELECT h FROM __suspects))")
        libelle_cle = ", ".join(cle)
        regle = _Regle(
            "cle_dupliquee", cle[0] if len(cle) == 1 else None, "__rang > 1",
            f"clé ({libelle_cle}) déjà présente plus haut dans le fichier",
            f"une seule ligne par valeur de la clé ({libelle_cle})"
            + (" ; les valeurs nulles de la clé comptent comme égales" if any(
                not f.table.colonne(c).non_nul for c in cle) else ""),
            exemple="__cle || ' (déjà en ligne ' || __premiere || ')'", formater=str)
        self._evaluer(f, source, [regle])

    # -- 4. règles entre fichiers ------------------------------------------------------------------

    def regles_croisees(self) -> None:
        etapes = (
            ("accords", self._agences_des_accords),
            ("territoires_ml", self._chevauchement),
            ("territoires_ml", self._couverture),
            ("missions_locales", self._departement_siege),
            ("allocations", self._budget),
        )
        for nom, etape in etapes:
            f = self.fichiers.get(nom)
            if f is None or not f.exploitable:
                continue
            try:
                etape(f)
            except duckdb.Error as exc:
                _verdict_ou_panne(exc)
                self._illisible(f, f"lecture des données interrompue (détail technique : {_court(exc)})")
                f.lisible = False

    def _agences_des_accords(self, f: _Fichier) -> None:
        agences = self.fichiers.get("agences")
        if not f.a("codes_agences") or agences is None or not agences.a("code_agence"):
            return
        source = (
            "(SELECT __ligne, list(coalesce(code, '(nul)')) FILTER (WHERE a.code_agence IS NULL) AS inconnus "
            "FROM (SELECT __ligne, unnest(codes_agences) AS code FROM t_accords) u "
            f"LEFT JOIN (SELECT DISTINCT code_agence FROM {agences.vue}) a ON u.code = a.code_agence "
            "GROUP BY __ligne HAVING count_if(a.code_agence IS NULL) > 0)")
        self._evaluer(f, source, [_Regle(
            "reference_inconnue", "codes_agences", "TRUE", f"agence signataire absente de {agences.fichier}",
            f"chaque élément de la liste présent dans la colonne « code_agence » de {agences.fichier}",
            exemple="array_to_string(inconnus, ', ')", formater=_guillemets)])

    def _chevauchement(self, f: _Fichier) -> None:
        if not f.a("code_commune", "code_ml"):
            return
        source = (
            "(SELECT t.__ligne, t.code_commune || ' : ' || c.mls AS __desc FROM t_territoires_ml t JOIN "
            "(SELECT code_commune, array_to_string(list(DISTINCT code_ml ORDER BY code_ml), ', ') AS mls "
            " FROM t_territoires_ml WHERE code_commune IS NOT NULL AND code_ml IS NOT NULL "
            " GROUP BY code_commune HAVING count(DISTINCT code_ml) > 1) c USING (code_commune))")
        self._evaluer(f, source, [_Regle(
            "chevauchement", "code_commune", "TRUE",
            "commune rattachée à plusieurs Missions Locales (chevauchement)",
            "une commune rattachée à une seule Mission Locale (une seule ligne par commune)",
            exemple="__desc", formater=str)])

    def _couverture(self, f: _Fichier) -> None:
        if not f.a("code_commune"):
            return
        nb, premieres, nb_dep = self.con.execute(
            "SELECT count(*), min(code_commune, 10), count(DISTINCT code_departement) FROM ref_communes r "
            "WHERE NOT EXISTS (SELECT 1 FROM t_territoires_ml t WHERE t.code_commune = r.code_commune)"
        ).fetchall()[0]
        if not nb:
            return
        total = self.con.execute("SELECT count(*) FROM ref_communes").fetchall()[0][0]
        codes = sorted(premieres)
        suite = f" et {_pluriel(nb - len(codes), 'autre')}" if nb > len(codes) else ""
        self._signaler(
            "trou_couverture", f.fichier, "code_commune",
            f"{_tete(f.fichier, 'code_commune')} : {_nombre(nb)} communes du référentiel sur {_nombre(total)} "
            f"(dans {_pluriel(nb_dep, 'département')}) ne sont rattachées à aucune Mission Locale "
            f"(trou de couverture) : {', '.join(codes)}{suite}. La carte les montrera comme non couvertes. "
            "Attendu : chaque commune du référentiel rattachée à une Mission Locale.")

    def _departement_siege(self, f: _Fichier) -> None:
        if not f.a("code_departement", "code_commune_siege"):
            return
        source = (
            "(SELECT m.__ligne, m.code_departement AS dep, r.code_departement AS attendu, m.code_commune_siege "
            "FROM t_missions_locales m JOIN ref_communes r ON r.code_commune = m.code_commune_siege "
            "WHERE m.code_departement IN (SELECT code_departement FROM ref_departements))")
        self._evaluer(f, source, [_Regle(
            "departement_siege", "code_departement", "dep <> attendu",
            "département différent de celui de la commune du siège (code_commune_siege)",
            "le département de la commune du siège d'après le référentiel",
            exemple="dep || ' au lieu de ' || attendu || ' (siège ' || code_commune_siege || ')'",
            formater=str)])

    def _budget(self, f: _Fichier) -> None:
        env = self.fichiers.get("enveloppe")
        if env is None or not env.a("annee", "forfait_etp_eur") or not f.a("annee"):
            return
        source = (
            "(SELECT a.*, e.annee IS NULL AS __sans_env, e.forfait AS __forfait FROM t_allocations a "
            "LEFT JOIN (SELECT annee, any_value(forfait_etp_eur) AS forfait FROM t_enveloppe "
            "WHERE annee IS NOT NULL GROUP BY annee) e ON a.annee = e.annee)")
        regles = [_Regle(
            "annee_sans_enveloppe", "annee", "__sans_env AND annee IS NOT NULL",
            f"année absente de {env.fichier} : le forfait d'un ETP n'est pas connu",
            f"une ligne de {env.fichier} pour chaque année d'allocation", exemple="annee", formater=str)]
        for regle, montant, etp, nom in (
            ("ecart_valorisation", "valorisation_etp_eur", "etp_affectes", "valorisation"),
            ("ecart_subvention", "subvention_compensatoire_eur", "etp_compenses", "subvention"),
        ):
            if not f.a(montant, etp):
                continue
            regles.append(_Regle(
                regle, montant, f"abs({montant} - {etp} * __forfait) > {TOLERANCE_EUROS}",
                f"{nom} différente de {etp} × forfait ETP de l'année",
                f"{montant} = {etp} × forfait_etp_eur de {env.fichier} (écart toléré : "
                f"{_euros(TOLERANCE_EUROS)})",
                exemple=f"[annee, {montant}, {etp} * __forfait]",
                formater=lambda v: f"{int(v[0])} : {_euros(v[1])} au lieu de {_euros(v[2])}"))
        self._evaluer(f, source, regles)

    # -- ensemble ---------------------------------------------------------------------------------

    def executer(self) -> Rapport:
        try:
            self.fichiers_et_schemas()
            self.creer_vues()
            self.regles_lignes()
            self.regles_croisees()
            if self.periode:
                self.rapport.periode = (min(self.periode), max(self.periode))
        except ErreurMoteur:
            raise
        except ERREURS_MOTEUR as exc:  # disque ou mémoire en dehors d'une requête (lecture d'en-tête…)
            _verdict_ou_panne(exc)
            raise
        finally:
            self.con.close()
        return self.rapport


def _court(exc: Exception) -> str:
    """Première ligne du message d'une erreur technique, les chemins du serveur réduits au nom du fichier
    (« '/srv/exports/accords.parquet' » → « 'accords.parquet' ») : le message est montré à tout visiteur."""
    texte = str(exc).strip().splitlines()
    if not texte:
        return type(exc).__name__
    return re.sub(r"(?<![\w:/])/(?:[^\s'\"/]+/)+([^\s'\"/]+)", r"\1", texte[0])[:300]


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------

def valider_fichiers(fichiers: dict[str, Path]) -> Rapport:
    """Valide un jeu donné fichier par fichier : {nom de table: chemin du Parquet}. Une table du contrat
    absente du dictionnaire est un fichier absent ; une clé hors contrat lève ``KeyError``."""
    inconnues = set(fichiers) - set(NOMS_TABLES)
    if inconnues:
        raise KeyError(f"Tables hors contrat : {', '.join(sorted(inconnues))}")
    return _Validation(fichiers).executer()


def valider_dossier(dossier: Path) -> Rapport:
    """Valide le dossier d'un jeu d'exports (un fichier ``{table}.parquet`` par table du contrat)."""
    dossier = Path(dossier)
    if not dossier.is_dir():
        rapport = Rapport(dossier=dossier)
        cause = "n'est pas un dossier" if dossier.exists() else "n'existe pas"
        rapport.ajouter(Anomalie(
            ERREUR, str(dossier), None, "dossier_introuvable",
            f"{dossier} : le dossier {cause}. Attendu : un dossier contenant les fichiers "
            f"{', '.join(TABLES[n].fichier for n in NOMS_TABLES)}."))
        return rapport
    validation = _Validation({nom: dossier / TABLES[nom].fichier for nom in NOMS_TABLES}, dossier=dossier)
    validation.fichiers_en_trop(dossier)
    return validation.executer()


# ---------------------------------------------------------------------------------------------
# Rapport gardé sur disque (donnees.cache) : un jeu déjà contrôlé n'est pas relu au démarrage suivant
# ---------------------------------------------------------------------------------------------

_CODE_VALIDATION = (Path(__file__), Path(__file__).with_name("contrat.py"),
                    Path(__file__).with_name("ref_geo") / "MANIFESTE.json")


def rapport_en_donnees(rapport: Rapport) -> dict:
    """Le rapport en types JSON (dates ISO)."""
    def anomalie(a: Anomalie) -> dict:
        return {"niveau": a.niveau, "fichier": a.fichier, "colonne": a.colonne, "regle": a.regle,
                "message": a.message, "lignes": [int(x) for x in a.lignes], "nb_autres": int(a.nb_autres)}

    return {
        "erreurs": [anomalie(a) for a in rapport.erreurs],
        "avertissements": [anomalie(a) for a in rapport.avertissements],
        "periode": [d.isoformat() for d in rapport.periode] if rapport.periode else None,
        "lignes": {k: int(v) for k, v in rapport.lignes.items()},
        "version_contrat": int(rapport.version_contrat),
    }


def rapport_depuis_donnees(donnees: dict, dossier: Path | None) -> Rapport:
    def anomalie(d: dict) -> Anomalie:
        return Anomalie(str(d["niveau"]), d["fichier"], d["colonne"], str(d["regle"]), str(d["message"]),
                        [int(x) for x in d["lignes"]], int(d["nb_autres"]))

    periode = donnees.get("periode")
    return Rapport(
        erreurs=[anomalie(a) for a in donnees["erreurs"]],
        avertissements=[anomalie(a) for a in donnees["avertissements"]],
        periode=(date.fromisoformat(periode[0]), date.fromisoformat(periode[1])) if periode else None,
        lignes={str(k): int(v) for k, v in donnees["lignes"].items()},
        dossier=dossier,
        version_contrat=int(donnees["version_contrat"]),
    )


def cle_validation(dossier: Path) -> str:
    from donnees import cache

    # L'année en cours fait partie de la clé : elle fixe la borne haute des dates plausibles.
    return cache.cle(dossier, cache.empreinte_fichiers_code(_CODE_VALIDATION), "validation",
                     str(bornes_dates()[1].year))


def valider_dossier_en_cache(dossier: Path) -> tuple[Rapport, bool]:
    """(rapport, lu_dans_le_cache) : ``valider_dossier`` sauf si ce jeu, à l'identique (mêmes fichiers,
    même contenu : empreinte SHA-256, voir ``donnees.cache``), a déjà été contrôlé par ce même code. Un
    dossier absent n'est jamais mis en cache. Une panne du moteur (``ErreurMoteur``) traverse sans rien
    écrire : ce n'est pas un verdict."""
    from donnees import cache

    dossier = Path(dossier)
    if not dossier.is_dir():
        return valider_dossier(dossier), False
    cle_ = cle_validation(dossier)
    donnees = cache.lire_json("validation", cle_)
    if donnees is not None:
        try:
            return rapport_depuis_donnees(donnees, dossier), True
        except (KeyError, TypeError, ValueError, IndexError):
            pass  # cache d'un format inattendu : on recontrôle
    rapport = valider_dossier(dossier)
    # La clé est recalculée : un fichier modifié pendant le contrôle ne doit pas être mis en cache
    # sous l'ancienne signature.
    if cle_validation(dossier) == cle_:
        cache.ecrire_json("validation", cle_, rapport_en_donnees(rapport))
    return rapport, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m donnees.valider",
        description=f"Valide un jeu d'exports Parquet contre le contrat des exports (version {VERSION_CONTRAT}).")
    parser.add_argument("dossier", type=Path, help="dossier contenant les fichiers Parquet du jeu")
    args = parser.parse_args(argv)
    try:
        rapport = valider_dossier(args.dossier)
    except ErreurMoteur as exc:
        print(f"Contrôle impossible pour l'instant (ce n'est pas un défaut des données) : {exc}. "
              "Réessayez ; si cela persiste, vérifiez la mémoire et le disque de la machine.", file=sys.stderr)
        return 2
    print(rapport.texte())
    return 0 if rapport.valide else 1


if __name__ == "__main__":
    sys.exit(main())
