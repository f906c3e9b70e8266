"""Accès à un jeu d'exports : une connexion DuckDB, une vue par fichier Parquet, des requêtes
paramétrées lues dans ``requetes/sql/*.sql``, des résultats Polars.

Règles :
- toute valeur venant d'un utilisateur passe en paramètre ``?`` ou ``$nom`` ; jamais dans le texte SQL ;
- les seuls identifiants insérés dans un texte SQL viennent d'une liste blanche (contrat, registre) ;
- une connexion par fil d'exécution (``curseur()``), la connexion mère n'est jamais partagée.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from donnees.contrat import BOOLEEN, DATE, DECIMAL, ENTIER, LISTE_TEXTE, NOMS_TABLES, TABLES, TEXTE

DOSSIER_SQL = Path(__file__).parent / "sql"
RACINE = Path(__file__).resolve().parent.parent
DOSSIER_LOCAL = RACINE / "donnees_locales"
DOSSIER_DEMO = DOSSIER_LOCAL / "demo"


@lru_cache(maxsize=None)
def texte_sql(nom: str) -> str:
    """Texte d'une requête de ``requetes/sql`` (nom sans extension, liste blanche = fichiers présents)."""
    chemin = (DOSSIER_SQL / f"{nom}.sql").resolve()
    if chemin.parent != DOSSIER_SQL.resolve() or not chemin.is_file():
        raise KeyError(f"Requête inconnue : {nom}")
    return chemin.read_text(encoding="utf-8")


def _litteral_chemin(chemin: Path) -> str:
    # Un chemin de fichier ne peut pas être un paramètre d'une vue DuckDB : on l'échappe comme
    # littéral SQL. Il vient du dossier du jeu (réglage serveur), jamais d'une saisie.
    return "'" + str(chemin).replace("'", "''") + "'"


_TYPES_SQL = {
    TEXTE: "VARCHAR",
    ENTIER: "BIGINT",
    DECIMAL: "DOUBLE",
    DATE: "DATE",
    BOOLEEN: "BOOLEAN",
    LISTE_TEXTE: "VARCHAR[]",
}


def _liste_selection(con: duckdb.DuckDBPyConnection, nom: str, chemin: Path) -> str:
    """Colonnes du contrat, typées comme le contrat le dit ; une colonne facultative absente vaut NULL,
    une colonne en plus est ignorée (le validateur l'a signalée)."""
    presentes = {
        ligne[0]
        for ligne in con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_litteral_chemin(chemin)})"
        ).fetchall()
    }
    morceaux = []
    for col in TABLES[nom].colonnes:
        type_sql = _TYPES_SQL[col.type]
        if col.nom in presentes:
            morceaux.append(f"CAST({col.nom} AS {type_sql}) AS {col.nom}")
        else:
            morceaux.append(f"CAST(NULL AS {type_sql}) AS {col.nom}")
    return ", ".join(morceaux)


@dataclass
class JeuDeDonnees:
    """Un dossier d'exports conformes au contrat, ouvert en lecture seule."""

    dossier: Path
    _con: duckdb.DuckDBPyConnection = field(init=False, repr=False)
    _local: threading.local = field(init=False, repr=False, default_factory=threading.local)

    def __post_init__(self) -> None:
        self.dossier = Path(self.dossier).resolve()
        self._con = duckdb.connect(database=":memory:", config={"threads": os.cpu_count() or 2})
        self._creer_vues(self._con)

    def _creer_vues(self, con: duckdb.DuckDBPyConnection) -> None:
        from donnees import referentiel

        for nom in NOMS_TABLES:
            chemin = self.dossier / TABLES[nom].fichier
            colonnes = _liste_selection(con, nom, chemin)
            con.execute(
                f"CREATE OR REPLACE VIEW {nom} AS SELECT {colonnes} "
                f"FROM read_parquet({_litteral_chemin(chemin)})"
            )
        for nom, chemin in referentiel.fichiers_tabulaires().items():
            con.execute(
                f"CREATE OR REPLACE VIEW ref_{nom} AS SELECT * FROM read_parquet({_litteral_chemin(chemin)})"
            )

    def curseur(self) -> duckdb.DuckDBPyConnection:
        """Curseur propre au fil d'exécution courant (Streamlit exécute chaque session dans son fil)."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def sql(self, texte: str, params: list | dict | None = None) -> pl.DataFrame:
        """Exécute un texte SQL paramétré et rend un DataFrame Polars."""
        return self.curseur().execute(texte, params or []).pl()

    def requete(self, nom: str, params: list | dict | None = None) -> pl.DataFrame:
        """Exécute la requête ``requetes/sql/{nom}.sql`` avec ses paramètres."""
        return self.sql(texte_sql(nom), params)


def dossier_par_defaut() -> Path:
    """Le dossier de ``TDB_DONNEES`` s'il est défini, sinon le jeu de démonstration local."""
    env = os.environ.get("TDB_DONNEES")
    return Path(env) if env else DOSSIER_DEMO
