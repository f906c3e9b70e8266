"""Mesures de base : grandeurs additives calculées par (année, ML) ou par (année, commune), que les
indicateurs du registre (requetes/indicateurs.py) combinent en valeurs et en ratios.

Chaque mesure a une **nature** :
- ``flux`` : se somme sur les années d'une période (entrées, euros versés, premiers accueils…) ;
- ``stock`` : se moyenne sur les années de la période (ETP, nombre de ML, accords en vigueur, contexte,
  jeunes accompagnés en moyenne mensuelle).
et une **base** :
- ``ml`` : calculée par ML, rattachée au département et à la région du siège de la ML ;
- ``commune`` : calculée par commune (contexte), rattachée à la ML par ``territoires_ml`` et au
  département, à la région et à la France par le référentiel géographique.

Les mesures sont additives entre territoires : un ratio se calcule toujours comme somme des numérateurs
sur somme des dénominateurs de la maille.

Les calculs lourds sont faits une fois par jeu, en SQL DuckDB (requetes/sql/cube_*.sql, tables
``cube_mensuel_ml``, ``cube_ml``, ``cube_contexte_ml``, ``cube_contexte_departement`` de la base du jeu ;
orientations n'est lu qu'une fois), puis gardés en mémoire en Polars (``preparer(jeu)`` → ``Cubes`` :
une ligne par ML et par année, ou par ML et par mois, une colonne par mesure). L'agrégation à une maille
se fait ensuite sur ces petits cubes, en quelques dizaines de millisecondes, sans repasser par le
planificateur SQL (qui coûte à lui seul plus de 100 ms sur une requête de cette taille).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from donnees.contrat import LIBELLES_MOTIF, MOTIFS
from requetes.jeu import JeuDeDonnees

MAILLES = ("nationale", "region", "departement", "ml")
LIBELLES_MAILLE = {
    "nationale": "France",
    "region": "Région",
    "departement": "Département",
    "ml": "Mission Locale",
}

FLUX = "flux"
STOCK = "stock"


class ErreurRequete(ValueError):
    """Demande invalide adressée à la couche de requêtes (maille, indicateur, année, code…)."""


@dataclass(frozen=True)
class Mesure:
    nom: str
    libelle: str
    nature: str  # FLUX | STOCK
    base: str  # "ml" | "commune"
    source: str  # table du contrat d'où elle vient
    mensuelle: bool = False  # disponible mois par mois (séries mensuelles)


def _m(nom, libelle, nature, base, source, mensuelle=False) -> Mesure:
    return Mesure(nom, libelle, nature, base, source, mensuelle)


_LISTE = [
    # allocations (par ML et par année)
    _m("enveloppe_ml_eur", "Part de l'enveloppe (valorisation des agents + subvention + crédits), en euros",
       FLUX, "ml", "allocations"),
    _m("valorisation_etp_eur", "Valorisation des agents affectés, en euros", FLUX, "ml", "allocations"),
    _m("subvention_compensatoire_eur", "Subvention en compensation d'ETP, en euros", FLUX, "ml", "allocations"),
    _m("credits_financiers_eur", "Crédits financiers versés au titre de l'accord, en euros", FLUX, "ml",
       "allocations"),
    _m("etp_affectes", "Agents France Travail affectés (ETP)", STOCK, "ml", "allocations"),
    _m("etp_compenses", "ETP compensés par une subvention", STOCK, "ml", "allocations"),
    _m("etp_mobilises", "ETP affectés ou compensés", STOCK, "ml", "allocations"),
    _m("ml_avec_agent", "ML ayant au moins un agent affecté (ETP affectés > 0)", STOCK, "ml", "allocations"),
    _m("objectif_entrees_delegation", "Objectif d'entrées en délégation du PPAE", FLUX, "ml", "allocations"),
    # réseau
    _m("nb_ml", "Missions Locales", STOCK, "ml", "missions_locales"),
    # accords (à la date de référence)
    _m("ml_avec_accord", "ML ayant un accord en vigueur", STOCK, "ml", "accords"),
    _m("accords_en_vigueur", "Accords en vigueur", STOCK, "ml", "accords"),
    _m("accords_socle", "Accords en vigueur avec diagnostic partagé, critères d'orientation et plan d'actions",
       STOCK, "ml", "accords"),
    _m("accords_comite_pilotage", "Accords en vigueur avec instance de pilotage local réunie", STOCK, "ml",
       "accords"),
    _m("accords_implication_president", "Accords en vigueur où le président de la ML participe à la gouvernance",
       STOCK, "ml", "accords"),
    _m("accords_participation_jeunes", "Accords en vigueur avec consultation ou co-construction des jeunes",
       STOCK, "ml", "accords"),
    # orientations (mensuelles)
    _m("orientes_ft_ml", "Jeunes orientés par France Travail vers la ML (délégation du PPAE)", FLUX, "ml",
       "orientations", True),
    _m("acceptes_ft_ml", "Jeunes orientés par France Travail acceptés par la ML", FLUX, "ml", "orientations", True),
    _m("entres_ft_ml", "Jeunes entrés en délégation du PPAE", FLUX, "ml", "orientations", True),
    *(
        _m(f"orientes_ft_ml_{motif}", f"Jeunes orientés France Travail → ML, motif « {LIBELLES_MOTIF[motif]} »",
           FLUX, "ml", "orientations", True)
        for motif in MOTIFS
    ),
    _m("orientes_ft_ml_sociales_ou_eloignement",
       "Jeunes orientés France Travail → ML pour difficultés sociales ou éloignement de l'emploi",
       FLUX, "ml", "orientations", True),
    _m("orientes_ml_ft", "Jeunes orientés par la ML vers France Travail", FLUX, "ml", "orientations", True),
    _m("acceptes_ml_ft", "Jeunes orientés par la ML acceptés par France Travail", FLUX, "ml", "orientations", True),
    _m("entres_ml_ft", "Jeunes orientés par la ML entrés dans une prestation de France Travail", FLUX, "ml",
       "orientations", True),
    # activité (mensuelle)
    _m("jeunes_accompagnes", "Jeunes accompagnés (moyenne mensuelle)", STOCK, "ml", "activite", True),
    _m("doubles_accompagnements", "Doubles accompagnements ML et France Travail (moyenne mensuelle)", STOCK, "ml",
       "activite", True),
    _m("premiers_accueils", "Premiers accueils", FLUX, "ml", "activite", True),
    _m("sorties_emploi", "Sorties en emploi", FLUX, "ml", "activite", True),
    _m("sorties_emploi_durable", "Sorties en emploi durable", FLUX, "ml", "activite", True),
    _m("sorties_formation", "Sorties en formation", FLUX, "ml", "activite", True),
    _m("sorties_sans_solution", "Sorties sans solution connue", FLUX, "ml", "activite", True),
    _m("sorties_total", "Sorties connues (emploi + formation + sans solution)", FLUX, "ml", "activite", True),
    # contexte (par commune)
    _m("population_16_25", "Jeunes de 16 à 25 ans", STOCK, "commune", "contexte"),
    _m("jeunes_neet", "Jeunes de 16 à 25 ans ni en emploi, ni en études, ni en formation", STOCK, "commune",
       "contexte"),
    _m("demandeurs_emploi_moins_26", "Demandeurs d'emploi de moins de 26 ans", STOCK, "commune", "contexte"),
    _m("etablissements_employeurs", "Établissements employeurs", STOCK, "commune", "contexte"),
    _m("places_formation", "Places de formation", STOCK, "commune", "contexte"),
]

MESURES: dict[str, Mesure] = {m.nom: m for m in _LISTE}
MESURES_MENSUELLES: tuple[str, ...] = tuple(m.nom for m in _LISTE if m.mensuelle)
# Mesures des accords : dans cube_ml au 31 décembre de chaque année, recalculées à une autre date de
# référence quand on la demande.
MESURES_ACCORDS: tuple[str, ...] = tuple(m.nom for m in _LISTE if m.source == "accords")


def verifier_maille(maille: str) -> str:
    if not isinstance(maille, str) or maille not in MAILLES:
        raise ErreurRequete(
            f"Maille inconnue : {maille!r}. Mailles possibles : {', '.join(MAILLES)}."
        )
    return maille


def verifier_codes(codes) -> list[str] | None:
    """``None`` (tous), un code seul ou une liste de codes (texte)."""
    if codes is None:
        return None
    if isinstance(codes, str):
        codes = [codes]
    codes = list(codes)
    for c in codes:
        if not isinstance(c, str):
            raise ErreurRequete(f"Code de territoire invalide : {c!r} (un code est un texte, par ex. « 90 »).")
    return codes


def verifier_code_region(code_region) -> str | None:
    if code_region is not None and not isinstance(code_region, str):
        raise ErreurRequete(f"Code de région invalide : {code_region!r} (un code est un texte, par ex. « 84 »).")
    return code_region


def verifier_annee(annee, nom: str = "annee") -> int:
    if isinstance(annee, bool) or not isinstance(annee, int):
        raise ErreurRequete(f"Année invalide ({nom}) : {annee!r} (un entier est attendu, par ex. 2024).")
    return annee


def verifier_mesures(noms) -> list[str]:
    noms = [noms] if isinstance(noms, str) else list(noms)
    for n in noms:
        if n not in MESURES:
            raise ErreurRequete(f"Mesure inconnue : {n!r}.")
    return noms


@dataclass(frozen=True)
class Cubes:
    """Mesures de base d'un jeu, calculées une fois (DuckDB) et gardées en mémoire (Polars), une colonne
    par mesure (NULL = pas de donnée) :

    - ``ml`` : annee, code_ml, mesures des ML (accords au 31 décembre compris) ; une ligne par ML et par
      année du jeu ;
    - ``mensuel`` : mois, code_ml, mesures mensuelles (orientations et activité) ;
    - ``contexte_ml`` : annee, code_ml, mesures des communes (communes de territoires_ml) ;
    - ``contexte_departement`` : annee, code_departement, code_region, mesures des communes
      (référentiel) ;
    - ``rattachement`` : code_ml, nom_ml, code_departement, code_region, nom_region (siège) ;
    - ``annees`` : années couvertes par le jeu.
    """

    ml: pl.DataFrame
    mensuel: pl.DataFrame
    contexte_ml: pl.DataFrame
    contexte_departement: pl.DataFrame
    rattachement: pl.DataFrame
    annees: tuple[int, ...]


def _en_decimaux(df: pl.DataFrame, cles: tuple[str, ...]) -> pl.DataFrame:
    return df.with_columns(pl.col(c).cast(pl.Float64) for c in df.columns if c not in cles)


def _accords_a_date(jeu: JeuDeDonnees, date_reference: date | None, debut: int, fin: int) -> pl.DataFrame:
    df = jeu.requete("accords_a_date", {"date_reference": date_reference, "debut": debut, "fin": fin})
    return _en_decimaux(df.with_columns(pl.col("annee").cast(pl.Int64)), ("annee", "code_ml"))


def preparer(jeu: JeuDeDonnees) -> Cubes:
    """Calcule une fois les cubes de mesures du jeu (le premier appel lit les gros fichiers)."""

    def calculer() -> Cubes:
        jeu.materialiser("ml_rattachement")
        jeu.materialiser("cube_mensuel_ml")
        jeu.materialiser("annees_jeu")
        jeu.materialiser("accords_base")
        jeu.materialiser("cube_ml")
        jeu.materialiser("cube_contexte_ml")
        jeu.materialiser("cube_contexte_departement")
        jeu.materialiser("departements_presents")
        annees = tuple(sorted(int(a) for a in jeu.sql("SELECT annee FROM annees_jeu")["annee"].to_list()))
        ml = _en_decimaux(jeu.sql("SELECT * FROM cube_ml").with_columns(pl.col("annee").cast(pl.Int64)),
                          ("annee", "code_ml"))
        if annees:
            ml = ml.join(_accords_a_date(jeu, None, annees[0], annees[-1]), on=["annee", "code_ml"], how="left")
        else:
            ml = ml.with_columns(pl.lit(None, dtype=pl.Float64).alias(n) for n in MESURES_ACCORDS)
        ctx_dep = jeu.sql(
            "SELECT c.*, d.code_region FROM cube_contexte_departement c "
            "JOIN ref_departements d ON d.code_departement = c.code_departement"
        ).with_columns(pl.col("annee").cast(pl.Int64))
        return Cubes(
            ml=ml,
            mensuel=_en_decimaux(jeu.sql("SELECT * FROM cube_mensuel_ml").with_columns(pl.col("mois").cast(pl.Date)),
                                 ("mois", "code_ml")),
            contexte_ml=_en_decimaux(
                jeu.sql("SELECT * FROM cube_contexte_ml").with_columns(pl.col("annee").cast(pl.Int64)),
                ("annee", "code_ml")),
            contexte_departement=_en_decimaux(ctx_dep, ("annee", "code_departement", "code_region")),
            rattachement=jeu.sql("SELECT * FROM ml_rattachement ORDER BY code_ml"),
            annees=annees,
        )

    return jeu.memo(("mesures", "cubes"), calculer)


def annees(jeu: JeuDeDonnees) -> list[int]:
    """Années couvertes par le jeu (allocations, orientations, activité), croissantes."""
    return list(preparer(jeu).annees)


def territoires(jeu: JeuDeDonnees, maille: str) -> pl.DataFrame:
    """Territoires de la maille présents dans le jeu : code, nom, code_region (région parente)."""
    maille = verifier_maille(maille)
    preparer(jeu)
    return jeu.memo(("mesures", "territoires", maille), lambda: jeu.requete("territoires", {"maille": maille}))


def _cle_ml(cubes: Cubes, maille: str, code_region: str | None) -> pl.DataFrame:
    """code_ml -> code du territoire de la maille (par le siège)."""
    r = cubes.rattachement
    if code_region is not None:
        r = r.filter(pl.col("code_region") == code_region)
    cle = {
        "nationale": pl.lit("FR"),
        "region": pl.col("code_region"),
        "departement": pl.col("code_departement"),
        "ml": pl.col("code_ml"),
    }[maille]
    return r.select("code_ml", cle.cast(pl.Utf8).alias("code")).filter(pl.col("code").is_not_null())


def _sommer(df: pl.DataFrame, cles: list[str], colonnes: list[str]) -> pl.DataFrame:
    """Somme par ``cles`` de chaque colonne ; NULL (et non 0) quand aucune valeur n'est renseignée."""
    agr = df.group_by(cles).agg(
        *(pl.col(c).sum().alias(c) for c in colonnes),
        *(pl.col(c).count().alias(f"__n_{c}") for c in colonnes),
    )
    return agr.select(
        *cles,
        *(pl.when(pl.col(f"__n_{c}") > 0).then(pl.col(c)).alias(c) for c in colonnes),
    )


def agreger(
    jeu: JeuDeDonnees,
    maille: str,
    debut: int,
    fin: int,
    mesures: list[str],
    codes: list[str] | None = None,
    code_region: str | None = None,
    date_reference: date | None = None,
    par_annee: bool = False,
) -> pl.DataFrame:
    """Mesures agrégées à la maille, une colonne par mesure : (annee,) code, mesure1, mesure2…

    ``par_annee`` vrai : une ligne par territoire et par année (colonne annee). Faux : une ligne par
    territoire pour la période — somme des flux, moyenne des stocks sur les années où le territoire a une
    valeur. Mesures des ML rattachées par le siège ; mesures des communes par territoires_ml (maille ML) ou
    par le référentiel (autres mailles). ``code_region`` est ignoré à la maille nationale. NULL = pas de
    donnée.
    """
    maille = verifier_maille(maille)
    mesures = list(dict.fromkeys(verifier_mesures(mesures)))
    debut = verifier_annee(debut, "début")
    fin = verifier_annee(fin, "fin")
    codes = verifier_codes(codes)
    code_region = None if maille == "nationale" else verifier_code_region(code_region)
    if date_reference is not None and not isinstance(date_reference, date):
        raise ErreurRequete(f"Date de référence invalide : {date_reference!r} (une date est attendue).")
    cubes = preparer(jeu)

    mesures_ml = [n for n in mesures if MESURES[n].base == "ml"]
    mesures_commune = [n for n in mesures if MESURES[n].base == "commune"]
    cles = ["annee", "code"]
    resultat = pl.DataFrame(schema={"annee": pl.Int64, "code": pl.Utf8})
    if mesures_ml:
        base = cubes.ml.filter(pl.col("annee").is_between(debut, fin))
        accords = [n for n in mesures_ml if n in MESURES_ACCORDS]
        if date_reference is not None and accords:
            base = base.drop(accords).join(
                _accords_a_date(jeu, date_reference, debut, fin).select("annee", "code_ml", *accords),
                on=["annee", "code_ml"], how="left")
        base = base.join(_cle_ml(cubes, maille, code_region), on="code_ml")
        resultat = _sommer(base, cles, mesures_ml)
    if mesures_commune:
        if maille == "ml":
            ctx = cubes.contexte_ml.join(_cle_ml(cubes, maille, code_region), on="code_ml")
        else:
            ctx = cubes.contexte_departement
            if code_region is not None:
                ctx = ctx.filter(pl.col("code_region") == code_region)
            cle = {"nationale": pl.lit("FR"), "region": pl.col("code_region"),
                   "departement": pl.col("code_departement")}[maille]
            ctx = ctx.with_columns(cle.cast(pl.Utf8).alias("code"))
        ctx = _sommer(ctx.filter(pl.col("annee").is_between(debut, fin)), cles, mesures_commune)
        resultat = resultat.join(ctx, on=cles, how="full", coalesce=True) if mesures_ml else ctx
    if codes is not None:
        resultat = resultat.filter(pl.col("code").is_in(codes))
    if par_annee:
        return resultat.select(*cles, *mesures)
    flux = [n for n in mesures if MESURES[n].nature == FLUX]
    stocks = [n for n in mesures if MESURES[n].nature == STOCK]
    periode = resultat.group_by("code").agg(
        *(pl.col(c).sum().alias(c) for c in flux),
        *(pl.col(c).count().alias(f"__n_{c}") for c in flux),
        # stock : moyenne des valeurs annuelles renseignées du territoire
        *(pl.col(c).mean().alias(c) for c in stocks),
    )
    return periode.select(
        "code", *(pl.when(pl.col(f"__n_{c}") > 0).then(pl.col(c)).alias(c) if c in flux else pl.col(c)
                  for c in mesures)
    )


def agreger_mensuel(
    jeu: JeuDeDonnees,
    maille: str,
    mesures: list[str],
    codes: list[str] | None = None,
    debut: date | None = None,
    fin: date | None = None,
    code_region: str | None = None,
) -> pl.DataFrame:
    """Mesures mensuelles agrégées à la maille : mois, code, une colonne par mesure."""
    maille = verifier_maille(maille)
    mesures = list(dict.fromkeys(verifier_mesures(mesures)))
    codes = verifier_codes(codes)
    code_region = None if maille == "nationale" else verifier_code_region(code_region)
    for n in mesures:
        if not MESURES[n].mensuelle:
            raise ErreurRequete(f"La mesure {n!r} n'existe pas mois par mois.")
    for nom, d in (("début", debut), ("fin", fin)):
        if d is not None and not isinstance(d, date):
            raise ErreurRequete(f"Mois de {nom} invalide : {d!r} (une date est attendue).")
    cubes = preparer(jeu)
    c = cubes.mensuel
    if debut is not None:
        c = c.filter(pl.col("mois") >= debut)
    if fin is not None:
        c = c.filter(pl.col("mois") <= fin)
    c = c.join(_cle_ml(cubes, maille, code_region), on="code_ml")
    if codes is not None:
        c = c.filter(pl.col("code").is_in(codes))
    return _sommer(c, ["mois", "code"], mesures).sort("mois", "code")
