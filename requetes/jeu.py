"""Accès à un jeu d'exports : une connexion DuckDB, une vue par fichier Parquet, des requêtes
paramétrées lues dans ``requetes/sql/*.sql``, des résultats Polars.

Règles :
- toute valeur venant d'un utilisateur passe en paramètre ``?`` ou ``$nom`` ; jamais dans le texte SQL ;
- les seuls identifiants insérés dans un texte SQL viennent d'une liste blanche (contrat, registre) ;
- une connexion par fil d'exécution (``curseur()``), la connexion mère n'est jamais partagée ;
- les calculs lourds (cubes de mesures) sont faits une fois par jeu : ``materialiser(nom)`` crée une table
  DuckDB à partir de ``requetes/sql/{nom}.sql`` ; ``memo(cle, calcul)`` garde un petit résultat Python.
  Le jeu ne change pas une fois ouvert : un nouveau dossier = un nouvel objet ``JeuDeDonnees``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import polars as pl

from donnees import moteur
from donnees.contrat import NOMS_TABLES, TABLES, TYPES_DUCKDB

DOSSIER_SQL = Path(__file__).parent / "sql"
DOSSIER_REGLES = DOSSIER_SQL / "regles"  # macros DuckDB : chaque règle métier écrite une fois
RACINE = Path(__file__).resolve().parent.parent
DOSSIER_LOCAL = RACINE / "donnees_locales"
DOSSIER_DEMO = DOSSIER_LOCAL / "demo"
# Couverture du jeu (requetes.couverture) : déduite des données, sauf TDB_COUVERTURE=nationale, qui fait lire
# tout jeu comme national (jeux d'essai à quelques ML ; jeu national dont une région n'aurait aucune ML).
VARIABLE_COUVERTURE = "TDB_COUVERTURE"


def couverture_nationale_forcee() -> bool:
    """Vrai quand ``TDB_COUVERTURE`` vaut « nationale » (ou « national ») : le jeu ouvert est lu comme
    national, quelles que soient les régions de ses Missions Locales."""
    return os.environ.get(VARIABLE_COUVERTURE, "").strip().lower() in ("nationale", "national")


@cache
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
        type_sql = TYPES_DUCKDB[col.type]
        if col.nom in presentes:
            morceaux.append(f"CAST({col.nom} AS {type_sql}) AS {col.nom}")
        else:
            morceaux.append(f"CAST(NULL AS {type_sql}) AS {col.nom}")
    return ", ".join(morceaux)


# Une table d'au plus ce nombre de lignes est chargée en mémoire DuckDB à l'ouverture du jeu ; au-delà
# (orientations d'un grand jeu : des millions de lignes), elle reste une vue sur le fichier Parquet, lue
# par les cubes de mesures. Chaque requête sur une vue relit et décode le fichier : sur les petites tables
# (accords, ML, territoires, référentiel), la table en mémoire rend les requêtes des pages environ 30 %
# plus rapides, pour quelques dizaines de Mo.
LIGNES_MAX_EN_MEMOIRE = 1_000_000


def _genre(con: duckdb.DuckDBPyConnection, chemin: Path) -> str:
    """« TABLE » (chargée en mémoire) pour un petit fichier, « VIEW » (lue sur le fichier) sinon."""
    lignes = con.execute(
        f"SELECT sum(num_rows) FROM parquet_file_metadata({_litteral_chemin(chemin)})").fetchone()[0] or 0
    return "TABLE" if lignes <= LIGNES_MAX_EN_MEMOIRE else "VIEW"


@dataclass(eq=False)
class JeuDeDonnees:
    """Un dossier d'exports conformes au contrat, ouvert en lecture seule.

    Égalité et hachage par identité (``eq=False``) ; ``empreinte`` identifie le contenu du dossier
    (chemin, taille et empreinte SHA-256 du contenu de chaque fichier), utile comme clé de cache
    (``st.cache_data``).
    """

    dossier: Path
    _con: duckdb.DuckDBPyConnection = field(init=False, repr=False)
    _local: threading.local = field(init=False, repr=False, default_factory=threading.local)
    _verrou: threading.RLock = field(init=False, repr=False, default_factory=threading.RLock)
    _memo: dict = field(init=False, repr=False, default_factory=dict)
    _caches: dict = field(init=False, repr=False, default_factory=dict)
    _verrou_caches: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.dossier = Path(self.dossier).resolve()
        self._con = moteur.connexion()  # mémoire et fils bornés (TDB_DUCKDB_MEMOIRE_MO, TDB_DUCKDB_THREADS)
        self._creer_vues(self._con)

    def _creer_vues(self, con: duckdb.DuckDBPyConnection) -> None:
        from donnees import referentiel

        for nom in NOMS_TABLES:
            chemin = self.dossier / TABLES[nom].fichier
            colonnes = _liste_selection(con, nom, chemin)
            con.execute(
                f"CREATE OR REPLACE {_genre(con, chemin)} {nom} AS SELECT {colonnes} "
                f"FROM read_parquet({_litteral_chemin(chemin)})"
            )
        for nom, chemin in referentiel.fichiers_tabulaires().items():
            con.execute(
                f"CREATE OR REPLACE {_genre(con, chemin)} ref_{nom} AS SELECT * "
                f"FROM read_parquet({_litteral_chemin(chemin)})"
            )
        # Réglage de la couverture (jeu lu comme national quoi qu'il couvre), lu par la règle jeu_national() ;
        # fixé à l'ouverture : un jeu ouvert garde sa lecture.
        con.execute("CREATE OR REPLACE TABLE reglage_couverture AS SELECT $n AS nationale",
                    {"n": couverture_nationale_forcee()})
        # Règles métier écrites une fois (macros DuckDB de requetes/sql/regles/), avant toute requête ;
        # après les tables, que les macros de table lient à leur création.
        for regles in sorted(DOSSIER_REGLES.glob("*.sql")):
            con.execute(regles.read_text(encoding="utf-8"))

    def curseur(self) -> duckdb.DuckDBPyConnection:
        """Curseur propre au fil d'exécution courant (Streamlit exécute chaque session dans son fil)."""
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cur = cur
        return cur

    def sql(self, texte: str, params: list | dict | None = None) -> pl.DataFrame:
        """Exécute un texte SQL paramétré et rend un DataFrame Polars.

        DuckDB 2 : ``execute()`` rend la connexion (plus de ``.pl()``) ; on passe par une relation
        (``sql(texte, params=...)``), qui rend directement du Polars.
        """
        return self.curseur().sql(texte, params=params or None).pl()

    def requete(self, nom: str, params: list | dict | None = None) -> pl.DataFrame:
        """Exécute la requête ``requetes/sql/{nom}.sql`` avec ses paramètres."""
        return self.sql(texte_sql(nom), params)

    def memo(self, cle, calcul):
        """Rend ``calcul()``, calculé une seule fois pour ce jeu et cette clé (sûr entre fils)."""
        try:
            return self._memo[cle]
        except KeyError:
            pass
        with self._verrou:
            if cle not in self._memo:
                self._memo[cle] = calcul()
            return self._memo[cle]

    def cache(self, espace: str, taille: int):
        """Le petit cache en mémoire ``espace`` de ce jeu (``donnees.cache.CacheBorne`` : borné à
        ``taille`` valeurs, un seul calcul par clé entre fils). Attaché au jeu, il disparaît avec lui :
        une version sortie du service n'est pas retenue par un cache de module (``functools.lru_cache``
        sur le jeu la gardait en vie, connexion DuckDB comprise). Ses valeurs ne doivent pas référencer
        le jeu."""
        from donnees.cache import CacheBorne

        with self._verrou_caches:
            cache = self._caches.get(espace)
            if cache is None:
                cache = self._caches[espace] = CacheBorne(taille)
            return cache

    def materialiser(self, nom: str, params: list | dict | None = None) -> str:
        """Crée une fois la table ``nom`` avec le résultat de ``requetes/sql/{nom}.sql`` ; rend ``nom``.

        Le nom est à la fois celui du fichier SQL (liste blanche : les fichiers présents) et celui de la
        table. La table vit dans la base en mémoire du jeu : tous les curseurs la voient. Elle est aussi
        gardée sur disque (``donnees.cache``, une petite base DuckDB par table, types exacts) : au
        démarrage suivant du serveur, sur le même jeu et le même code, elle est relue au lieu d'être
        recalculée sur les gros fichiers.
        """
        if not nom.isidentifier():
            raise KeyError(f"Requête inconnue : {nom}")

        def creer() -> str:
            texte = texte_sql(nom).strip().rstrip(";")
            chemin = self._chemin_cache(nom, params)
            if chemin is not None and chemin.is_file() and self._relire_table(nom, chemin):
                return nom
            self.curseur().execute(f"CREATE OR REPLACE TABLE {nom} AS\n{texte}", params or []).fetchall()
            if chemin is not None:
                self._garder_table(nom, chemin)
            return nom

        return self.memo(("table", nom), creer)

    def _chemin_cache(self, nom: str, params) -> Path | None:
        from donnees import cache

        try:
            cle = cache.cle(self.dossier, _empreinte_code_tables(), nom, repr(params))
            return cache.chemin("tables", cle, "duckdb", prefixe=nom)
        except OSError:
            return None

    def _relire_table(self, nom: str, chemin: Path) -> bool:
        cur = self.curseur()
        alias = f"cache_{nom}"
        try:
            cur.execute(f"ATTACH {_litteral_chemin(chemin)} AS {alias} (READ_ONLY)")
        except duckdb.Error:
            return False
        try:
            cur.execute(f"CREATE OR REPLACE TABLE {nom} AS SELECT * FROM {alias}.{nom}")
            return True
        except duckdb.Error:
            return False
        finally:
            cur.execute(f"DETACH {alias}")

    def _garder_table(self, nom: str, chemin: Path) -> None:
        from donnees import cache

        cur = self.curseur()
        alias = f"ecriture_{nom}"

        def ecrire(temporaire: Path) -> None:
            temporaire.unlink(missing_ok=True)  # DuckDB crée lui-même le fichier de la base
            cur.execute(f"ATTACH {_litteral_chemin(temporaire)} AS {alias}")
            try:
                cur.execute(f"CREATE TABLE {alias}.{nom} AS SELECT * FROM {nom}")
            finally:
                cur.execute(f"DETACH {alias}")
            Path(str(temporaire) + ".wal").unlink(missing_ok=True)

        cache.ecrire_atomique(chemin, ecrire)

    @property
    def empreinte(self) -> str:
        """Chemin du dossier, taille et empreinte SHA-256 du **contenu** de chaque fichier du contrat (pas
        sa date : ``cp -p`` ou ``rsync -a`` la remettent ; voir ``donnees.cache.empreinte_fichier``, lue
        une fois par état de fichier)."""
        from donnees import cache

        morceaux = [str(self.dossier)]
        for nom in NOMS_TABLES:
            chemin = self.dossier / TABLES[nom].fichier
            try:
                morceaux.append(f"{nom}:{chemin.stat().st_size}:{cache.empreinte_fichier(chemin)}")
            except OSError:
                morceaux.append(f"{nom}:absent")
        return "|".join(morceaux)


@lru_cache(maxsize=1)
def _empreinte_code_tables() -> str:
    """Empreinte du code dont dépendent les tables matérialisées : toutes les requêtes SQL, les vues
    (ce module), le contrat et le référentiel."""
    from donnees import cache

    racine_donnees = RACINE / "donnees"
    chemins = [*sorted(DOSSIER_SQL.glob("*.sql")), *sorted(DOSSIER_REGLES.glob("*.sql")), Path(__file__),
               racine_donnees / "contrat.py",
               racine_donnees / "ref_geo" / "MANIFESTE.json"]
    return cache.empreinte_fichiers_code(chemins)


def dossier_initial() -> Path:
    """Le dossier de ``TDB_DONNEES`` s'il est défini, sinon le jeu de démonstration local."""
    env = os.environ.get("TDB_DONNEES")
    return Path(env) if env else DOSSIER_DEMO


def dossier_par_defaut() -> Path:
    """La version importée en service s'il y en a une, sinon le dossier initial."""
    from donnees import versions

    initial = dossier_initial()
    return versions.dossier_en_service(versions.racine_par_defaut(), base=initial) or initial
