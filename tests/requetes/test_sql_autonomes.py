"""Chaque fichier ``requetes/sql/*.sql`` s'exécute seul, comme evidence.dev valide chaque requête à la
construction : sur le jeu de démonstration et sur des jeux dégénérés, sans passer par le code Python qui
l'appelle d'ordinaire.

Ce que ce module prouve, fichier par fichier (liste lue par ``glob`` : un nouveau fichier est couvert
sans rien ajouter ici, sauf une valeur pour un nouveau nom de paramètre) :

- ses paramètres sont retrouvés dans son texte (``$nom`` nommés ; ``?`` positionnels, aujourd'hui aucun)
  et reçoivent une valeur de la table ``VALEURS`` ; un paramètre dont le SQL prévoit NULL
  (``$nom IS NULL``, ``coalesce($nom, …)``) est aussi essayé à NULL, et chaque valeur de ``VALEURS``
  (les quatre mailles, par exemple) est essayée, un paramètre à la fois ;
- les tables calculées qu'il lit (``jeu.materialiser(...)`` dans le produit, ``requetes/mesures.py``)
  sont créées avant, et seulement elles (dépendances lues dans son texte, de proche en proche) ; toute
  autre table qu'il lit est une table du contrat, du référentiel ou un ``WITH`` du fichier ;
- il s'exécute sans erreur sur trois jeux, rend un DataFrame Polars aux colonnes non vides et au schéma
  (noms et types) identique sur les trois, et rend au moins une ligne sur la démonstration, sauf les
  requêtes d'alerte (``PEUVENT_ETRE_VIDES``) ;
- il est appelé quelque part dans le code du produit (sinon : fichier mort).

Les trois jeux :

- « démo » : ``donnees.demo.generer`` (graine 2015), généré une fois pour la session ;
- « une ligne » : le jeu **vide mais valide**. Le validateur (``donnees/valider.py``, règle
  ``table_vide``, niveau erreur) refuse un fichier sans ligne, **pour chacune des dix tables** du
  contrat : le jeu valide le plus petit garde donc une ligne par table, la première de
  ``tests.fabrique.jeu_minimal()`` (ML MLA, Belfort ; année 2023 ; mois de janvier 2023). Un test
  vérifie que le validateur l'accepte ;
- « vide » : toutes les tables du contrat présentes, colonnes et types du contrat, **zéro ligne**
  (``jeu_minimal()`` passé par ``.clear()``). Le validateur le refuse (un test le vérifie : seule la
  règle ``table_vide``, une fois par table), mais ``JeuDeDonnees`` l'ouvre : aucune requête ne doit y
  lever d'erreur (division par zéro, conversion, NULL mal pris…).

Quelques résultats de la démonstration sont recomptés indépendamment avec Polars sur les fichiers
Parquet (fin du module).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from donnees import referentiel
from donnees.contrat import NOMS_TABLES
from donnees.valider import valider_dossier
from requetes.jeu import DOSSIER_SQL, RACINE, JeuDeDonnees, texte_sql
from tests.fabrique import dossier_demo_partage, ecrire_jeu, jeu_minimal, schema

FICHIERS_SQL = sorted(DOSSIER_SQL.glob("*.sql"))
NOMS_SQL = [p.stem for p in FICHIERS_SQL]
DOSSIERS_PRODUIT = ("requetes", "cartes", "interface", "pages")

# Valeur prise par la première ML du jeu (``min(code_ml)`` de missions_locales ; « MLA » sur un jeu vide).
ML_DU_JEU = object()

# Valeurs de chaque nom de paramètre. La première est la valeur de base ; les suivantes sont essayées une
# à une (les autres paramètres à leur valeur de base). None n'est essayé que si le SQL prévoit NULL.
VALEURS: dict[str, tuple] = {
    "annee": (2024,),
    "date_reference": (date(2024, 12, 31), None),  # None : « le 31 décembre de chaque année » (accords_a_date)
    "dates": ([date(2023, 12, 31), date(2024, 12, 31)],),
    "debut": (2023,),  # années voulues d'accords_a_date (mesures.preparer : première et dernière du jeu)
    "fin": (2024,),
    "annees": ([2023, 2024],),
    "code_region": ("53", None),  # Bretagne ; None : France entière
    "code_departement": ("35", None),  # Ille-et-Vilaine
    "code_ml": (ML_DU_JEU, None),
    "maille": ("nationale", "region", "departement", "ml"),
    # seuils : valeurs par défaut des alertes (requetes/alertes.py, ALERTES)
    "seuil_etp": (0.0,),
    "facteur": (0.5,),  # facteur_pct = 50 %, passé en fraction
    "seuil_pct": (80.0,),
    "seuil_acceptation_pct": (80.0,),
    "seuil_entree_pct": (80.0,),
}

# Fichiers dont les combinaisons de paramètres sont imposées par leur appelant.
VARIANTES_IMPOSEES: dict[str, list[dict]] = {
    # requetes/acces.py (contexte_communes) : un département ou une ML, jamais les deux ni aucun.
    "acces_contexte_communes": [
        {"annee": 2024, "code_departement": "35", "code_ml": None},
        {"annee": 2024, "code_departement": None, "code_ml": ML_DU_JEU},
    ],
}

# Paramètres positionnels ``?``, dans l'ordre de l'appelant : {fichier: [valeurs]}. Aucun fichier n'en a
# aujourd'hui ; un fichier qui en aurait sans entrée ici fait échouer test_parametres_connus.
POSITIONNELS: dict[str, list] = {}

# Requêtes qui peuvent ne rien rendre sur la démonstration : les alertes ne gardent que les ML ou communes
# en défaut, et un jeu sans défaut est possible. Toutes les autres lisent une table toujours remplie
# (ML, accords, allocations, référentiel…) et doivent rendre des lignes.
PEUVENT_ETRE_VIDES = frozenset({
    "alertes_contenu_accord",
    "alertes_couverture",
    "alertes_criteres",
    "alertes_delegation",
    "alertes_double_perte",
    "alertes_objectif",
    "alertes_sans_accord",
    "alertes_sans_agent",
    # ML qui avaient un agent l'année précédente et n'en ont plus : un événement, pas un état.
    "budget_pertes_agent",
})


# -- lecture du texte SQL ------------------------------------------------------------------------------

def _code(nom: str) -> str:
    """Texte SQL sans commentaires ni littéraux texte (remplacés par ''), pour y chercher paramètres et
    tables sans se laisser prendre par un « $annee » ou un « ? » de commentaire."""
    texte = re.sub(r"--[^\n]*", " ", texte_sql(nom))
    return re.sub(r"'(?:[^']|'')*'", "''", texte)


def parametres_nommes(nom: str) -> list[str]:
    return sorted(set(re.findall(r"\$([A-Za-z_]\w*)", _code(nom))))


def nb_positionnels(nom: str) -> int:
    return _code(nom).count("?")


def accepte_null(nom: str, parametre: str) -> bool:
    """Le SQL prévoit-il ``$parametre`` à NULL (``$p IS NULL``, ``$p::TYPE IS NULL``, ``coalesce($p…``) ?"""
    p = re.escape(parametre)
    code = _code(nom)
    return bool(re.search(rf"\${p}(?:::[\w\[\]]+)?\s+IS\s+NULL\b", code, re.I)
                or re.search(rf"coalesce\(\s*\${p}\b", code, re.I))


def tables_lues(nom: str) -> set[str]:
    """Relations lues (après FROM / JOIN) qui ne sont pas des ``WITH`` du fichier ni des fonctions."""
    code = _code(nom)
    lues = set(re.findall(r"\b(?:FROM|JOIN)\s+([A-Za-z_]\w*)\b(?!\s*\()", code, re.I))
    locales = set(re.findall(r"\b([A-Za-z_]\w*)\s+AS\s*\(", code, re.I))
    return lues - locales


# -- tables calculées par le produit ---------------------------------------------------------------------

def _fichiers_produit() -> list[Path]:
    return sorted(p for d in DOSSIERS_PRODUIT for p in (RACINE / d).rglob("*.py"))


@lru_cache(maxsize=1)
def _textes_produit() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in _fichiers_produit()}


@lru_cache(maxsize=1)
def materialisees() -> tuple[str, ...]:
    """Noms passés à ``jeu.materialiser("…")`` dans le code du produit (``mesures.preparer`` aujourd'hui)."""
    noms: list[str] = []
    for texte in _textes_produit().values():
        for n in re.findall(r"materialiser\(\s*[\"'](\w+)[\"']", texte):
            if n not in noms:
                noms.append(n)
    return tuple(noms)


def prealables(nom: str, _vus: tuple[str, ...] = ()) -> list[str]:
    """Tables calculées à créer avant d'exécuter ``nom``, dépendances d'abord (lues dans les textes SQL)."""
    ordre: list[str] = []
    for t in sorted(tables_lues(nom) & set(materialisees())):
        if t == nom or t in _vus:
            continue
        for d in prealables(t, (*_vus, nom)) + [t]:
            if d not in ordre:
                ordre.append(d)
    return ordre


# -- jeux ----------------------------------------------------------------------------------------------

def tables_une_ligne() -> dict[str, pl.DataFrame]:
    return {t: df.head(1) for t, df in jeu_minimal().items()}


def tables_vides() -> dict[str, pl.DataFrame]:
    """Zéro ligne, toutes les colonnes du contrat, à ses types."""
    tables = {}
    for t, df in jeu_minimal().items():
        sch = schema(t)
        vide = df.clear()
        tables[t] = vide.select(
            [pl.col(c).cast(typ) if c in vide.columns else pl.lit(None, dtype=typ).alias(c)
             for c, typ in sch.items()])
    return tables


NOMS_JEUX = ("démo", "une ligne", "vide")


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sql_autonomes")
    return {
        "démo": dossier_demo_partage(tmp_path_factory),
        "une ligne": ecrire_jeu(base / "une_ligne", tables_une_ligne()),
        "vide": ecrire_jeu(base / "vide", tables_vides()),
    }


@pytest.fixture(scope="module")
def jeux(dossiers) -> dict[str, JeuDeDonnees]:
    return {n: JeuDeDonnees(d) for n, d in dossiers.items()}


# -- paramètres ------------------------------------------------------------------------------------------

def variantes(nom: str) -> list[dict]:
    """Jeux de paramètres essayés pour ``nom`` (voir VALEURS, VARIANTES_IMPOSEES)."""
    if nom in VARIANTES_IMPOSEES:
        return VARIANTES_IMPOSEES[nom]
    noms = [p for p in parametres_nommes(nom) if p in VALEURS]
    base = {p: VALEURS[p][0] for p in noms}
    liste = [base]
    for p in noms:
        for v in VALEURS[p][1:]:
            if v is None and not accepte_null(nom, p):
                continue
            liste.append({**base, p: v})
    return liste


def _libelle(params: dict, ascii_seul: bool = False) -> str:
    """Paramètres en clair, pour les messages ; ``ascii_seul`` pour les identifiants de test (pytest
    échappe les lettres accentuées d'un identifiant)."""
    if not params:
        return "sans_parametre" if ascii_seul else "sans paramètre"
    morceaux = []
    for k, v in params.items():
        if v is ML_DU_JEU:
            v = "<1re ML du jeu>" if ascii_seul else "<première ML du jeu>"
        elif isinstance(v, list):
            v = "[" + ",".join(str(x) for x in v) + "]"
        morceaux.append(f"{k}={v}")
    return ",".join(morceaux)


def _resoudre(params: dict, jeu: JeuDeDonnees) -> dict:
    resolus = {}
    for k, v in params.items():
        if v is ML_DU_JEU:
            v = jeu.sql("SELECT min(code_ml) AS c FROM missions_locales")["c"][0] or "MLA"
        resolus[k] = v
    return resolus


CAS = [pytest.param(nom, params, id=f"{nom}[{_libelle(params, ascii_seul=True)}]")
       for nom in NOMS_SQL for params in variantes(nom)]


def executer(jeu: JeuDeDonnees, nom_jeu: str, nom: str, params: dict) -> pl.DataFrame:
    """Crée les tables préalables puis exécute le fichier seul ; une erreur DuckDB devient un échec lisible."""
    valeurs = _resoudre(params, jeu)
    if nom in POSITIONNELS:
        valeurs = POSITIONNELS[nom]
    etape = "préparation"
    try:
        for t in prealables(nom):
            etape = f"création de la table préalable « {t} » (requetes/sql/{t}.sql)"
            jeu.materialiser(t)
        etape = "exécution"
        return jeu.requete(nom, valeurs or None)
    except duckdb.Error as exc:
        pytest.fail(
            f"requetes/sql/{nom}.sql a échoué sur le jeu « {nom_jeu} » ({etape})\n"
            f"  paramètres : {valeurs!r}\n"
            f"  erreur DuckDB : {type(exc).__name__} : {exc}",
            pytrace=False,
        )


# -- tests ---------------------------------------------------------------------------------------------

def test_fichiers_sql_trouves():
    assert FICHIERS_SQL, f"aucun fichier .sql trouvé dans {DOSSIER_SQL}"
    assert len(CAS) >= len(FICHIERS_SQL)


def test_chaque_fichier_sql_est_appele_par_le_produit():
    textes = _textes_produit()
    morts = [
        nom for nom in NOMS_SQL
        if not any(re.search(rf"[\"']{re.escape(nom)}[\"']", t) for t in textes.values())
    ]
    assert not morts, (
        "Fichiers SQL appelés nulle part dans " + ", ".join(f"{d}/" for d in DOSSIERS_PRODUIT)
        + " (fichiers morts ? à supprimer, ou appel à nommer entre guillemets) : "
        + ", ".join(f"requetes/sql/{n}.sql" for n in morts))


def test_parametres_connus():
    """Chaque paramètre nommé a une valeur dans VALEURS ; un fichier à ``?`` a son entrée dans POSITIONNELS."""
    inconnus = {nom: [p for p in parametres_nommes(nom) if p not in VALEURS] for nom in NOMS_SQL}
    inconnus = {n: ps for n, ps in inconnus.items() if ps}
    assert not inconnus, ("Paramètres sans valeur de test (ajouter une ligne à VALEURS dans ce fichier) : "
                          + "; ".join(f"{n}.sql : {', '.join('$' + p for p in ps)}" for n, ps in inconnus.items()))
    for nom in NOMS_SQL:
        n = nb_positionnels(nom)
        if n:
            assert len(POSITIONNELS.get(nom, [])) == n, (
                f"requetes/sql/{nom}.sql a {n} paramètre(s) « ? » : donner leurs valeurs, dans l'ordre de "
                "l'appelant, dans POSITIONNELS")
            assert not parametres_nommes(nom), f"{nom}.sql mêle « ? » et « $nom »"


def test_tables_lues_connues():
    """Toute relation lue est une table du contrat, du référentiel, une table calculée par le produit
    (créée avant par ``prealables``) ou un ``WITH`` du fichier : rien n'est supposé exister par hasard."""
    connues = set(NOMS_TABLES) | {f"ref_{n}" for n in referentiel.fichiers_tabulaires()} | set(materialisees())
    assert materialisees(), "aucun appel à jeu.materialiser trouvé dans le produit"
    assert set(materialisees()) <= set(NOMS_SQL)
    inconnues = {nom: sorted(tables_lues(nom) - connues) for nom in NOMS_SQL}
    inconnues = {n: t for n, t in inconnues.items() if t}
    assert not inconnues, "Tables lues d'origine inconnue : " + "; ".join(
        f"{n}.sql : {', '.join(t)}" for n, t in inconnues.items())
    # Les préalables lus dans les textes SQL sont cohérents avec l'ordre du produit (mesures.preparer) :
    # chaque table calculée y est créée après celles qu'elle lit.
    ordre = materialisees()
    mal_places = {t: [p for p in prealables(t) if ordre.index(p) > ordre.index(t)] for t in ordre}
    assert not {t: p for t, p in mal_places.items() if p}, f"ordre de jeu.materialiser à revoir : {mal_places}"
    assert prealables("cube_ml") == ["cube_mensuel_ml", "annees_jeu"]  # exemple documenté


def test_jeu_une_ligne_est_le_plus_petit_jeu_valide(dossiers):
    rapport = valider_dossier(dossiers["une ligne"])
    assert not rapport.erreurs, [a.message for a in rapport.erreurs]
    assert all(n == 1 for n in rapport.lignes.values()) and set(rapport.lignes) == set(NOMS_TABLES)


def test_jeu_vide_refuse_seulement_pour_ses_tables_vides(dossiers):
    """Justifie le jeu « une ligne » : le validateur refuse un fichier vide pour chaque table du contrat,
    et pour rien d'autre (colonnes et types du jeu vide sont ceux du contrat)."""
    rapport = valider_dossier(dossiers["vide"])
    assert sorted((a.regle, a.fichier) for a in rapport.erreurs) == sorted(
        ("table_vide", f"{t}.parquet") for t in NOMS_TABLES)
    for t, df in tables_vides().items():
        assert df.height == 0 and df.schema == schema(t)


@pytest.mark.parametrize(("nom", "params"), CAS)
def test_fichier_sql_seul(jeux, nom, params):
    resultats = {n: executer(jeux[n], n, nom, params) for n in NOMS_JEUX}
    reference = resultats["démo"]
    for n, df in resultats.items():
        assert isinstance(df, pl.DataFrame), f"{nom}.sql sur « {n} » : {type(df).__name__} au lieu d'un DataFrame"
        assert df.columns, f"{nom}.sql sur « {n} » ({_libelle(params)}) : aucune colonne"
        assert all(c for c in df.columns), f"{nom}.sql sur « {n} » : colonne sans nom {df.columns}"
        assert df.schema == reference.schema, (
            f"{nom}.sql ({_libelle(params)}) : colonnes différentes sur « {n} » et sur la démo\n"
            f"  {n} : {dict(df.schema)}\n  démo : {dict(reference.schema)}")
    if nom not in PEUVENT_ETRE_VIDES:
        assert reference.height > 0, (
            f"{nom}.sql ({_libelle(params)}) ne rend aucune ligne sur la démonstration")


# -- recomptes indépendants (Polars, sur les fichiers Parquet de la démo) -------------------------------

@pytest.fixture(scope="module")
def demo(dossiers) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(dossiers["démo"] / f"{t}.parquet") for t in
            ("missions_locales", "territoires_ml", "accords", "allocations", "enveloppe")}


def test_recomptes_rattachements(jeux, demo):
    jeu = jeux["démo"]
    attendu = demo["territoires_ml"].select("code_commune", "code_ml").sort("code_commune", "code_ml")
    assert_frame_equal(jeu.requete("acces_rattachements"), attendu)
    ml = jeu.requete("ml_rattachement")
    assert sorted(ml["code_ml"].to_list()) == sorted(demo["missions_locales"]["code_ml"].to_list())


def test_recompte_accords_en_vigueur(jeux, demo):
    d = date(2024, 12, 31)
    debut = pl.coalesce("date_debut", "date_signature")
    attendu = demo["accords"].filter(
        (pl.col("statut") == "signe")
        & (debut.is_null() | (debut <= d))
        & (pl.col("date_fin").is_null() | (pl.col("date_fin") >= d))
    )["id_accord"].sort()
    obtenu = jeux["démo"].requete("accords_en_vigueur", {"date_reference": d})["id_accord"]
    assert obtenu.len() > 0 and obtenu.to_list() == attendu.to_list()
    base = jeux["démo"].requete("accords_base")
    assert base.height == demo["accords"].filter(pl.col("statut") == "signe").height


def test_recomptes_budget(jeux, demo):
    jeu = jeux["démo"]
    annees = pl.concat([demo["enveloppe"]["annee"], demo["allocations"]["annee"]]).unique().sort()
    assert jeu.requete("budget_annees")["annee"].to_list() == annees.to_list()
    env = jeu.requete("enveloppe", {"annees": [2023, 2024]})
    assert env.height == demo["enveloppe"].filter(pl.col("annee").is_in([2023, 2024])).height > 0
    alloc = jeu.requete("budget_allocations_ml", {"annee": 2024, "code_region": None})
    a2024 = demo["allocations"].filter(pl.col("annee") == 2024)
    assert alloc.height == a2024.height
    assert alloc["etp_affectes"].sum() == pytest.approx(a2024["etp_affectes"].sum())
    # alerte 4 : ML sans ligne d'allocation en 2024, ou avec etp_affectes <= 0
    sans_agent = demo["missions_locales"].join(a2024, on="code_ml", how="left").filter(
        pl.col("etp_affectes").is_null() | (pl.col("etp_affectes") <= 0))
    obtenu = jeu.requete("alertes_sans_agent", {"annee": 2024, "seuil_etp": 0.0})
    assert obtenu["code_objet"].to_list() == sans_agent["code_ml"].sort().to_list()


def test_recompte_cube_ml(jeux, demo):
    """Le cube annuel a une ligne par ML et par année du jeu (annees_jeu), ni plus ni moins."""
    jeu = jeux["démo"]
    for t in prealables("cube_ml"):
        jeu.materialiser(t)
    annees = jeu.requete("annees_jeu")["annee"]
    cube = jeu.requete("cube_ml")
    assert cube.height == annees.len() * demo["missions_locales"].height > 0
    assert cube.select("annee", "code_ml").unique().height == cube.height
