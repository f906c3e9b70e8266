"""Registre unique des indicateurs, lu par la carte, les comparaisons et les exports.

Un indicateur = un numérateur (une mesure de base, voir requetes/mesures.py), un dénominateur facultatif
(une autre mesure) et un facteur (100 pour un %, 1 000 pour un ‰). À toute maille, sa valeur est

    facteur × (somme des numérateurs) ÷ (somme des dénominateurs)

jamais une moyenne de ratios. Sur une période de plusieurs années, une mesure de flux est cumulée et une
mesure de stock est moyennée sur les années ; un ratio flux ÷ stock porte donc sur la période entière.

Fonctions : ``valeurs``, ``tableau``, ``serie_annuelle``, ``series_mensuelles``, ``synthese_nationale``,
``annees_disponibles``, ``regions``, ``departements``, ``missions_locales``. Aucune n'importe Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import polars as pl

from requetes import mesures as _mesures
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees
from requetes.mesures import (
    LIBELLES_MAILLE,
    MAILLES,
    MESURES,
    ErreurRequete,
    verifier_annee,
    verifier_code_region,
    verifier_codes,
    verifier_maille,
)
from requetes.perimetre import restreint
from requetes.regles import ratio, ratio_valeurs

__all__ = [
    "LIBELLES_MAILLE",
    "MAILLES",
    "REGISTRE",
    "THEMES",
    "Chiffre",
    "ErreurRequete",
    "Indicateur",
    "annees_disponibles",
    "departements",
    "indicateur",
    "missions_locales",
    "regions",
    "serie_annuelle",
    "series_mensuelles",
    "synthese_nationale",
    "tableau",
    "valeurs",
]


@dataclass(frozen=True)
class Indicateur:
    code: str
    libelle: str
    theme: str
    unite: str  # "€", "%", "‰", "jeunes", "ETP", "ML", "€/jeune", "accords"
    sens: int  # +1 plus haut = mieux, -1 plus bas = mieux, 0 neutre
    numerateur: str  # nom d'une mesure de requetes/mesures.py
    denominateur: str | None  # idem, ou None
    facteur: float  # 100 pour %, 1000 pour ‰, 1 sinon
    formule: str  # texte français
    definition: str  # texte français (aide, help=)

    @property
    def mensuel(self) -> bool:
        """Vrai si l'indicateur se calcule aussi mois par mois (orientations, activité)."""
        mesures = [self.numerateur] + ([self.denominateur] if self.denominateur else [])
        return all(MESURES[m].mensuelle for m in mesures)

    @property
    def est_ratio(self) -> bool:
        return self.denominateur is not None


BUDGET = "Budget"
AGENTS = "Agents et réseau"
ACCORDS = "Accords locaux"
ORIENTATIONS = "Orientations"
ACTIVITE = "Activité des ML"
CONTEXTE = "Contexte territorial"

_PERIODE = (" Sur une période de plusieurs années, les montants et les volumes sont cumulés, les effectifs "
            "(ETP, ML, jeunes accompagnés, contexte) sont moyennés sur les années.")
_VIGUEUR = ("Un accord est en vigueur à une date s'il est signé et que la date est comprise entre sa date de "
            "début (à défaut sa date de signature) et sa date de fin (bornes absentes = ouvertes). Date de "
            "référence : le 31 décembre de l'année, sauf choix d'une autre date.")
_MOYENNE_MENSUELLE = ("Moyenne mensuelle : pour chaque ML, moyenne des mois transmis de l'année ; "
                      "la somme de ces moyennes donne la valeur d'un territoire.")
_SORTIES = "Sorties connues = sorties en emploi + en formation + sans solution connue."


def _i(code, libelle, theme, unite, sens, num, den, facteur, formule, definition) -> Indicateur:
    return Indicateur(code, libelle, theme, unite, sens, num, den, float(facteur), formule, definition)


_LISTE: list[Indicateur] = [
    # ---- Budget
    _i("enveloppe_ml", "Part de l'enveloppe", BUDGET, "€", 0, "enveloppe_ml_eur", None, 1,
       "valorisation des agents affectés + subvention en compensation + crédits financiers",
       "Montant de l'enveloppe de l'accord attribué aux ML du territoire : valorisation des agents "
       "France Travail affectés, subvention en compensation d'ETP et autres crédits financiers." + _PERIODE),
    _i("valorisation_etp", "Valorisation des agents affectés", BUDGET, "€", 0, "valorisation_etp_eur", None, 1,
       "somme des valorisations des agents affectés",
       "Valeur des agents France Travail affectés dans les ML (normalement ETP affectés × forfait)." + _PERIODE),
    _i("subvention_compensatoire", "Subventions en compensation", BUDGET, "€", 0,
       "subvention_compensatoire_eur", None, 1, "somme des subventions en compensation",
       "Subventions versées aux ML qui assurent elles-mêmes le service à la place d'un agent affecté "
       "(normalement ETP compensés × forfait)." + _PERIODE),
    _i("credits_financiers", "Crédits financiers", BUDGET, "€", 0, "credits_financiers_eur", None, 1,
       "somme des crédits financiers",
       "Autres crédits versés aux ML au titre de l'accord." + _PERIODE),
    _i("eur_par_jeune_accompagne", "Euros par jeune accompagné", BUDGET, "€/jeune", 0,
       "enveloppe_ml_eur", "jeunes_accompagnes", 1,
       "part de l'enveloppe ÷ jeunes accompagnés (moyenne mensuelle)",
       "Part de l'enveloppe rapportée au nombre de jeunes accompagnés en moyenne chaque mois." + _PERIODE),
    _i("eur_par_entree", "Euros par entrée en délégation", BUDGET, "€/jeune", 0,
       "enveloppe_ml_eur", "entres_ft_ml", 1,
       "part de l'enveloppe ÷ entrées en délégation du PPAE",
       "Part de l'enveloppe rapportée au nombre de jeunes entrés en délégation du PPAE." + _PERIODE),
    # ---- Agents et réseau
    _i("etp_affectes", "ETP affectés", AGENTS, "ETP", 0, "etp_affectes", None, 1,
       "somme des ETP affectés",
       "Agents France Travail affectés dans les ML, en équivalents temps plein." + _PERIODE),
    _i("etp_compenses", "ETP compensés", AGENTS, "ETP", 0, "etp_compenses", None, 1,
       "somme des ETP compensés",
       "ETP remplacés par une subvention en compensation, la ML assurant elle-même le service." + _PERIODE),
    _i("etp_mobilises", "ETP affectés ou compensés", AGENTS, "ETP", 0, "etp_mobilises", None, 1,
       "ETP affectés + ETP compensés",
       "Moyens de la délégation du PPAE en ETP, qu'ils soient affectés ou compensés." + _PERIODE),
    _i("part_etp_compenses", "Part des ETP compensés", AGENTS, "%", 0, "etp_compenses", "etp_mobilises", 100,
       "ETP compensés ÷ (ETP affectés + ETP compensés) × 100",
       "Part des moyens de la délégation versés en subvention plutôt qu'en agents affectés." + _PERIODE),
    _i("part_ml_agent", "Part des ML avec un agent affecté", AGENTS, "%", 1, "ml_avec_agent", "nb_ml", 100,
       "ML ayant des ETP affectés > 0 ÷ nombre de ML × 100",
       "Part des Missions Locales qui accueillent au moins un agent France Travail affecté. Une ML sans "
       "agent risque de réduire le partenariat à une relation financière." + _PERIODE),
    _i("nb_ml", "Missions Locales", AGENTS, "ML", 0, "nb_ml", None, 1,
       "nombre de ML dont le siège est dans le territoire",
       "Nombre de Missions Locales rattachées au territoire par leur siège."),
    # ---- Accords locaux
    _i("part_ml_accord", "Part des ML avec un accord en vigueur", ACCORDS, "%", 1, "ml_avec_accord", "nb_ml", 100,
       "ML ayant au moins un accord en vigueur ÷ nombre de ML × 100",
       "Part des Missions Locales couvertes par un projet local de coopération en vigueur. " + _VIGUEUR),
    _i("accords_en_vigueur", "Accords en vigueur", ACCORDS, "accords", 1, "accords_en_vigueur", None, 1,
       "nombre d'accords en vigueur", "Nombre de projets locaux de coopération en vigueur. " + _VIGUEUR),
    _i("part_accords_socle", "Part des accords avec diagnostic, critères et plan d'actions", ACCORDS, "%", 1,
       "accords_socle", "accords_en_vigueur", 100,
       "accords en vigueur avec diagnostic partagé, critères d'orientation et plan d'actions ÷ accords en "
       "vigueur × 100",
       "Part des accords en vigueur qui réunissent les trois éléments socles : diagnostic territorial "
       "co-construit, critères d'orientation des jeunes en délégation définis localement et plan d'actions "
       "coordonnées arrêté. " + _VIGUEUR),
    _i("part_accords_pilotage", "Part des accords avec instance de pilotage réunie", ACCORDS, "%", 1,
       "accords_comite_pilotage", "accords_en_vigueur", 100,
       "accords en vigueur dont l'instance de pilotage local s'est réunie ÷ accords en vigueur × 100",
       "Part des accords en vigueur dont l'instance de pilotage local a été réunie. " + _VIGUEUR),
    _i("part_accords_president", "Part des accords avec implication du président", ACCORDS, "%", 1,
       "accords_implication_president", "accords_en_vigueur", 100,
       "accords en vigueur où le président de la ML participe à la gouvernance ÷ accords en vigueur × 100",
       "Part des accords en vigueur où le président de la Mission Locale participe à la gouvernance du "
       "projet. " + _VIGUEUR),
    _i("part_accords_participation_jeunes", "Part des accords associant les jeunes", ACCORDS, "%", 1,
       "accords_participation_jeunes", "accords_en_vigueur", 100,
       "accords en vigueur avec consultation ou co-construction des jeunes ÷ accords en vigueur × 100",
       "Part des accords en vigueur où les jeunes sont au moins consultés (consultation ou "
       "co-construction). " + _VIGUEUR),
    # ---- Orientations
    _i("orientes_ft_ml", "Jeunes orientés (France Travail → ML)", ORIENTATIONS, "jeunes", 1,
       "orientes_ft_ml", None, 1, "somme des jeunes orientés en délégation du PPAE",
       "Jeunes orientés par France Travail vers la Mission Locale en délégation du PPAE." + _PERIODE),
    _i("entrees_delegation", "Entrées en délégation", ORIENTATIONS, "jeunes", 1, "entres_ft_ml", None, 1,
       "somme des jeunes entrés en accompagnement en délégation du PPAE",
       "Jeunes orientés par France Travail effectivement entrés en accompagnement à la Mission Locale."
       + _PERIODE),
    _i("objectif_entrees", "Objectif d'entrées en délégation", ORIENTATIONS, "jeunes", 0,
       "objectif_entrees_delegation", None, 1, "somme des objectifs annuels d'entrées des ML",
       "Objectifs d'entrées en délégation du PPAE fixés aux ML du territoire." + _PERIODE),
    _i("atteinte_objectif", "Atteinte de l'objectif d'entrées", ORIENTATIONS, "%", 1,
       "entres_ft_ml", "objectif_entrees_delegation", 100,
       "entrées en délégation ÷ objectif d'entrées en délégation × 100",
       "Entrées en délégation du PPAE rapportées à l'objectif fixé aux ML du territoire." + _PERIODE),
    _i("taux_acceptation", "Taux d'acceptation", ORIENTATIONS, "%", 1, "acceptes_ft_ml", "orientes_ft_ml", 100,
       "jeunes acceptés ÷ jeunes orientés (France Travail → ML) × 100",
       "Part des jeunes orientés par France Travail que la Mission Locale accepte. Un taux bas signale la "
       "première « perte » de l'entonnoir orientés → acceptés → entrés."),
    _i("taux_entree", "Taux d'entrée", ORIENTATIONS, "%", 1, "entres_ft_ml", "acceptes_ft_ml", 100,
       "jeunes entrés ÷ jeunes acceptés (France Travail → ML) × 100",
       "Part des jeunes acceptés par la Mission Locale qui entrent effectivement en accompagnement "
       "(seconde « perte » de l'entonnoir)."),
    _i("taux_transformation", "Taux de transformation", ORIENTATIONS, "%", 1, "entres_ft_ml", "orientes_ft_ml", 100,
       "jeunes entrés ÷ jeunes orientés (France Travail → ML) × 100",
       "Part des jeunes orientés par France Travail qui entrent en accompagnement à la Mission Locale "
       "(entonnoir complet)."),
    _i("part_motif_difficultes_sociales", "Part des orientations pour difficultés sociales", ORIENTATIONS, "%", 0,
       "orientes_ft_ml_difficultes_sociales", "orientes_ft_ml", 100,
       "jeunes orientés pour difficultés sociales ÷ jeunes orientés (France Travail → ML) × 100",
       "Part des orientations en délégation motivées par les difficultés sociales du jeune. La notice UNML "
       "met en garde contre des critères d'orientation calés sur les seules difficultés sociales."),
    _i("part_motif_sociales_eloignement", "Part des orientations pour difficultés sociales ou éloignement de l'emploi",
       ORIENTATIONS, "%", 0, "orientes_ft_ml_sociales_ou_eloignement", "orientes_ft_ml", 100,
       "jeunes orientés pour difficultés sociales ou éloignement de l'emploi ÷ jeunes orientés (France Travail "
       "→ ML) × 100",
       "Part des orientations en délégation motivées par les difficultés sociales ou l'éloignement de "
       "l'emploi."),
    _i("orientes_ml_ft", "Orientations ML → France Travail", ORIENTATIONS, "jeunes", 0, "orientes_ml_ft", None, 1,
       "somme des jeunes orientés par la ML vers France Travail",
       "Jeunes orientés par la Mission Locale vers les prestations et mesures de France Travail." + _PERIODE),
    _i("taux_transformation_ml_ft", "Taux de transformation ML → France Travail", ORIENTATIONS, "%", 1,
       "entres_ml_ft", "orientes_ml_ft", 100,
       "jeunes entrés ÷ jeunes orientés (ML → France Travail) × 100",
       "Part des jeunes orientés par la Mission Locale vers France Travail qui entrent dans la prestation."),
    # ---- Activité des ML
    _i("jeunes_accompagnes", "Jeunes accompagnés (moyenne mensuelle)", ACTIVITE, "jeunes", 1,
       "jeunes_accompagnes", None, 1, "moyenne mensuelle des jeunes en accompagnement",
       "Jeunes en accompagnement dans le mois, en moyenne sur les mois de l'année. " + _MOYENNE_MENSUELLE),
    _i("premiers_accueils", "Premiers accueils", ACTIVITE, "jeunes", 1, "premiers_accueils", None, 1,
       "somme des premiers accueils", "Jeunes reçus pour la première fois par la Mission Locale." + _PERIODE),
    _i("taux_couverture", "Taux de couverture des jeunes NEET", ACTIVITE, "%", 1,
       "jeunes_accompagnes", "jeunes_neet", 100,
       "jeunes accompagnés (moyenne mensuelle) ÷ jeunes NEET de 16 à 25 ans × 100 (ratio 1 des CPO)",
       "Ratio 1 des CPO État-ML (couverture territoriale) : jeunes accompagnés par les ML rapportés aux jeunes "
       "de 16 à 25 ans ni en emploi, ni en études, ni en formation du territoire. À la maille ML, le "
       "territoire est celui de territoires_ml ; aux autres mailles, les ML sont comptées par leur siège et les "
       "jeunes NEET par commune. " + _MOYENNE_MENSUELLE),
    _i("taux_sortie_emploi", "Taux de sortie en emploi", ACTIVITE, "%", 1, "sorties_emploi", "sorties_total", 100,
       "sorties en emploi ÷ sorties connues × 100",
       "Part des sorties de parcours vers l'emploi. " + _SORTIES),
    _i("taux_sortie_emploi_durable", "Taux de sortie en emploi durable", ACTIVITE, "%", 1,
       "sorties_emploi_durable", "sorties_total", 100,
       "sorties en emploi durable ÷ sorties connues × 100",
       "Part des sorties de parcours vers l'emploi durable. " + _SORTIES),
    _i("taux_sortie_formation", "Taux de sortie en formation", ACTIVITE, "%", 1,
       "sorties_formation", "sorties_total", 100,
       "sorties en formation ÷ sorties connues × 100",
       "Part des sorties de parcours vers une formation. " + _SORTIES),
    _i("taux_sortie_sans_solution", "Taux de sortie sans solution", ACTIVITE, "%", -1,
       "sorties_sans_solution", "sorties_total", 100,
       "sorties sans solution connue ÷ sorties connues × 100",
       "Part des sorties de parcours sans solution connue. " + _SORTIES),
    _i("doubles_pour_1000", "Doubles accompagnements pour 1 000 jeunes accompagnés", ACTIVITE, "‰", -1,
       "doubles_accompagnements", "jeunes_accompagnes", 1000,
       "doubles accompagnements ÷ jeunes accompagnés × 1 000 (moyennes mensuelles)",
       "Jeunes suivis à la fois par la ML et par France Travail hors délégation, pour 1 000 jeunes "
       "accompagnés. " + _MOYENNE_MENSUELLE),
    # ---- Contexte territorial
    _i("population_16_25", "Jeunes de 16 à 25 ans", CONTEXTE, "jeunes", 0, "population_16_25", None, 1,
       "somme des populations de 16 à 25 ans des communes",
       "Population de 16 à 25 ans des communes du territoire (communes de territoires_ml à la maille ML)."),
    _i("jeunes_neet", "Jeunes NEET de 16 à 25 ans", CONTEXTE, "jeunes", 0, "jeunes_neet", None, 1,
       "somme des jeunes NEET des communes",
       "Jeunes de 16 à 25 ans ni en emploi, ni en études, ni en formation des communes du territoire."),
    _i("taux_neet", "Taux de NEET", CONTEXTE, "%", -1, "jeunes_neet", "population_16_25", 100,
       "jeunes NEET ÷ jeunes de 16 à 25 ans × 100",
       "Part des 16-25 ans ni en emploi, ni en études, ni en formation."),
    _i("de_moins_26_pour_1000", "Demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes", CONTEXTE, "‰", -1,
       "demandeurs_emploi_moins_26", "population_16_25", 1000,
       "demandeurs d'emploi de moins de 26 ans ÷ jeunes de 16 à 25 ans × 1 000",
       "Jeunes inscrits à France Travail rapportés à la population de 16 à 25 ans."),
    _i("entrees_pour_1000_de", "Entrées en délégation pour 1 000 jeunes demandeurs d'emploi", CONTEXTE, "‰", 1,
       "entres_ft_ml", "demandeurs_emploi_moins_26", 1000,
       "entrées en délégation ÷ demandeurs d'emploi de moins de 26 ans × 1 000",
       "Entrées en délégation du PPAE rapportées aux demandeurs d'emploi de moins de 26 ans. Aux mailles "
       "département et région, les ML sont comptées par leur siège et les demandeurs d'emploi par commune."
       + _PERIODE),
    _i("etablissements_pour_1000", "Établissements employeurs pour 1 000 jeunes", CONTEXTE, "‰", 0,
       "etablissements_employeurs", "population_16_25", 1000,
       "établissements employeurs ÷ jeunes de 16 à 25 ans × 1 000",
       "Tissu productif du territoire rapporté à sa population jeune."),
    _i("places_formation_pour_1000", "Places de formation pour 1 000 jeunes", CONTEXTE, "‰", 1,
       "places_formation", "population_16_25", 1000,
       "places de formation ÷ jeunes de 16 à 25 ans × 1 000",
       "Offre de formation du territoire rapportée à sa population jeune."),
]

REGISTRE: dict[str, Indicateur] = {i.code: i for i in _LISTE}
THEMES: dict[str, list[str]] = {}
for _ind in _LISTE:
    THEMES.setdefault(_ind.theme, []).append(_ind.code)
del _ind


def _verifier_registre() -> None:
    facteurs = {"%": 100.0, "‰": 1000.0}
    for ind in _LISTE:
        for m in (ind.numerateur, ind.denominateur):
            if m is not None and m not in MESURES:
                raise AssertionError(f"Indicateur {ind.code} : mesure inconnue {m}")
        if ind.facteur != facteurs.get(ind.unite, 1.0):
            raise AssertionError(f"Indicateur {ind.code} : facteur {ind.facteur} pour l'unité {ind.unite}")
        if ind.sens not in (-1, 0, 1):
            raise AssertionError(f"Indicateur {ind.code} : sens {ind.sens}")
    if len(REGISTRE) != len(_LISTE):
        raise AssertionError("Codes d'indicateurs en double")


_verifier_registre()


# --------------------------------------------------------------------------------------------------
# Contrôles des demandes


def indicateur(code: str) -> Indicateur:
    """L'indicateur du registre, ou une erreur claire."""
    try:
        return REGISTRE[code]
    except (KeyError, TypeError):
        raise ErreurRequete(
            f"Indicateur inconnu : {code!r}. Indicateurs possibles : {', '.join(REGISTRE)}."
        ) from None


def _indicateurs(codes) -> list[Indicateur]:
    if codes is None:
        return list(REGISTRE.values())
    if isinstance(codes, str):
        codes = [codes]
    liste = [indicateur(c) for c in codes]
    if not liste:
        raise ErreurRequete("Aucun indicateur demandé.")
    # sans doublon, dans l'ordre demandé
    return list({i.code: i for i in liste}.values())


def _mesures_de(inds: list[Indicateur]) -> list[str]:
    noms: dict[str, None] = {}
    for i in inds:
        noms[i.numerateur] = None
        if i.denominateur:
            noms[i.denominateur] = None
    return list(noms)


def _territoires(jeu: JeuDeDonnees, maille: str, codes: list[str] | None, code_region: str | None) -> pl.DataFrame:
    terr = _mesures.territoires(jeu, maille)
    if codes is not None:
        terr = terr.filter(pl.col("code").is_in(codes))
    if code_region is not None and maille != "nationale":
        terr = terr.filter(pl.col("code_region") == code_region)
    return terr


def _combiner(
    terr: pl.DataFrame,
    inds: list[Indicateur],
    agr: pl.DataFrame,
    maille: str,
    annees: list[int] | None = None,
) -> pl.DataFrame:
    """Territoires × indicateurs (× ``annees`` si donné), avec numérateur, dénominateur et
    valeur = facteur × numérateur ÷ dénominateur (nulle si le dénominateur est nul ou absent).

    ``agr`` a une colonne par mesure (``mesures.agreger``) : chaque indicateur est une expression sur ces
    colonnes, sans jointure par indicateur.
    """
    cles = [] if annees is None else ["annee"]
    large = _lignes_larges(terr, inds, agr, annees)
    identite = [*cles, "code", "nom", "code_region"]
    codes = [ind.code for ind in inds]
    if len(set(codes)) != len(codes):  # un indicateur demandé deux fois : un morceau par demande
        df = pl.concat([large.select(*identite, pl.lit(ind.code, dtype=pl.Utf8).alias("indicateur"),
                                     *[e.alias(n) for e, n in zip(_expressions(ind),
                                                                   ("numerateur", "denominateur", "valeur"))])
                        for ind in inds])
    else:
        # Un seul passage : numérateurs, dénominateurs et valeurs de tous les indicateurs en colonnes (une
        # par indicateur), puis dépliés en lignes, indicateur par indicateur dans l'ordre demandé.
        # (44 sélections, une par indicateur, coûtaient chacune un aller-retour vers le moteur.)
        num, den, val = _expressions_en_colonnes(tuple(_signature_indicateur(i) for i in inds))
        parties = [large.select(*identite, *exprs) for exprs in (val, num, den)]
        longues = [p.unpivot(on=codes, index=identite, variable_name="indicateur", value_name="v")
                   for p in parties]
        df = longues[0].select(*identite, "indicateur", longues[1]["v"].alias("numerateur"),
                               longues[2]["v"].alias("denominateur"), pl.col("v").alias("valeur"))
    if annees is not None:
        # ordre : année, indicateur, territoire (tri stable : indicateurs et territoires déjà en ordre)
        df = df.sort("annee", maintain_order=True)
    return df.select(pl.lit(maille).alias("maille"), *cles, "code", "nom", "code_region", "indicateur",
                     "numerateur", "denominateur", "valeur")


def _signature_indicateur(ind: Indicateur) -> tuple:
    return (ind.code, ind.numerateur, ind.denominateur, ind.facteur)


@lru_cache(maxsize=256)
def _expressions_en_colonnes(signatures: tuple[tuple, ...]) -> tuple[list[pl.Expr], list[pl.Expr], list[pl.Expr]]:
    """(numérateurs, dénominateurs, valeurs) : une expression par indicateur, nommée par son code. Les
    expressions Polars sont immuables : construites une fois par liste d'indicateurs, réutilisées."""
    num, den, val = [], [], []
    for code, numerateur, denominateur, facteur in signatures:
        n, d, v = _expressions(_Formule(numerateur, denominateur, facteur))
        num.append(n.alias(code))
        den.append(d.alias(code))
        val.append(v.alias(code))
    return num, den, val


@dataclass(frozen=True)
class _Formule:
    numerateur: str
    denominateur: str | None
    facteur: float


def _expressions(ind: Indicateur | _Formule) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Numérateur, dénominateur et valeur d'un indicateur, sur des colonnes nommées comme les mesures."""
    num = pl.col(ind.numerateur).cast(pl.Float64)
    if ind.denominateur is None:
        return num, pl.lit(None, dtype=pl.Float64), (num * ind.facteur).cast(pl.Float64)
    den = pl.col(ind.denominateur).cast(pl.Float64)
    return num, den, ratio(num, den, ind.facteur)


def _lignes_larges(terr: pl.DataFrame, inds: list[Indicateur], agr: pl.DataFrame,
                   annees: list[int] | None = None) -> pl.DataFrame:
    """Une ligne par territoire (et par année si ``annees``), une colonne par mesure utile (NULL si absente)."""
    cles = [] if annees is None else ["annee"]
    lignes = terr.sort("code")
    if annees is not None:
        lignes = pl.DataFrame({"annee": sorted(annees)}, schema={"annee": pl.Int64}).join(
            lignes, how="cross", maintain_order="left_right")
        agr = agr.with_columns(pl.col("annee").cast(pl.Int64))
    mesures_voulues = _mesures_de(inds)
    large = lignes.join(agr.select(*cles, "code", *[m for m in mesures_voulues if m in agr.columns]),
                        on=[*cles, "code"], how="left", maintain_order="left")
    return large.with_columns(
        pl.lit(None, dtype=pl.Float64).alias(m) for m in mesures_voulues if m not in large.columns
    )


def _verifier_periode(debut: int, fin: int) -> None:
    """Erreur claire si l'année de fin précède l'année de début."""
    if fin < debut:
        raise ErreurRequete(f"Période invalide : {debut} à {fin} (l'année de fin précède l'année de début).")


def _agreger_periode(
    jeu: JeuDeDonnees,
    maille: str,
    annee: int,
    annee_fin: int | None,
    codes: list[str] | str | None,
    indicateurs: list[str] | str | None,
    code_region: str | None,
    date_reference: date | None,
) -> tuple[str, pl.DataFrame, list[Indicateur], pl.DataFrame]:
    """Contrôles communs à ``valeurs`` et ``tableau`` (maille, période ``annee``…``annee_fin``, codes,
    région, indicateurs), puis agrégation des mesures utiles sur toute la période.

    Rend la maille contrôlée, les territoires retenus, les indicateurs demandés et le tableau des mesures
    (``mesures.agreger`` avec ``par_annee=False``).
    """
    maille = verifier_maille(maille)
    debut = verifier_annee(annee, "annee")
    fin = debut if annee_fin is None else verifier_annee(annee_fin, "annee_fin")
    _verifier_periode(debut, fin)
    codes = verifier_codes(codes)
    code_region = verifier_code_region(code_region)
    inds = _indicateurs(indicateurs)
    agr = _mesures.agreger(
        jeu, maille, debut, fin, _mesures_de(inds), codes=codes, code_region=code_region,
        date_reference=date_reference, par_annee=False,
    )
    return maille, _territoires(jeu, maille, codes, code_region), inds, agr


# --------------------------------------------------------------------------------------------------
# Fonctions publiques


@restreint
def valeurs(
    jeu: JeuDeDonnees,
    maille: str,
    annee: int,
    codes: list[str] | str | None = None,
    indicateurs: list[str] | str | None = None,
    annee_fin: int | None = None,
    code_region: str | None = None,
    date_reference: date | None = None,
) -> pl.DataFrame:
    """Valeurs des indicateurs à une maille pour une année (ou la période ``annee``…``annee_fin``).

    Format long : maille, code, nom, code_region, indicateur, numerateur, denominateur, valeur.
    Une ligne par territoire présent dans le jeu et par indicateur (valeur nulle quand il n'y a pas de
    donnée ou que le dénominateur est nul). ``codes`` restreint les territoires, ``code_region`` aussi
    (territoires de cette région ; ignoré à la maille nationale). ``date_reference`` : date pour les
    accords en vigueur (par défaut le 31 décembre de chaque année).
    """
    maille, terr, inds, agr = _agreger_periode(
        jeu, maille, annee, annee_fin, codes, indicateurs, code_region, date_reference)
    return _combiner(terr, inds, agr, maille)


@restreint
def tableau(
    jeu: JeuDeDonnees,
    maille: str,
    annee: int,
    indicateurs: list[str] | str | None = None,
    codes: list[str] | str | None = None,
    annee_fin: int | None = None,
    code_region: str | None = None,
    date_reference: date | None = None,
) -> pl.DataFrame:
    """Format large : code, nom, code_region, puis une colonne par code d'indicateur (dans l'ordre demandé)."""
    _, terr, inds, agr = _agreger_periode(
        jeu, maille, annee, annee_fin, codes, indicateurs, code_region, date_reference)
    large = _lignes_larges(terr, inds, agr)
    return large.select("code", "nom", "code_region", *[_expressions(i)[2].alias(i.code) for i in inds])


@restreint
def serie_annuelle(
    jeu: JeuDeDonnees,
    maille: str,
    codes: list[str] | str | None = None,
    indicateurs: list[str] | str | None = None,
    annee_debut: int | None = None,
    annee_fin: int | None = None,
    code_region: str | None = None,
    date_reference: date | None = None,
) -> pl.DataFrame:
    """Valeurs année par année (toutes les années du jeu par défaut).

    Format long : maille, annee, code, nom, code_region, indicateur, numerateur, denominateur, valeur.
    """
    maille = verifier_maille(maille)
    codes = verifier_codes(codes)
    code_region = verifier_code_region(code_region)
    inds = _indicateurs(indicateurs)
    disponibles = _mesures.annees(jeu)
    colonnes = ["maille", "annee", "code", "nom", "code_region", "indicateur", "numerateur",
                "denominateur", "valeur"]
    if not disponibles:
        return pl.DataFrame(schema={c: (pl.Int64 if c == "annee" else pl.Float64 if c in (
            "numerateur", "denominateur", "valeur") else pl.Utf8) for c in colonnes})
    debut = disponibles[0] if annee_debut is None else verifier_annee(annee_debut, "annee_debut")
    fin = disponibles[-1] if annee_fin is None else verifier_annee(annee_fin, "annee_fin")
    _verifier_periode(debut, fin)
    agr = _mesures.agreger(
        jeu, maille, debut, fin, _mesures_de(inds), codes=codes, code_region=code_region,
        date_reference=date_reference, par_annee=True,
    )
    annees_periode = [a for a in disponibles if debut <= a <= fin]
    return _combiner(_territoires(jeu, maille, codes, code_region), inds, agr, maille, annees=annees_periode)


@restreint
def series_mensuelles(
    jeu: JeuDeDonnees,
    maille: str,
    codes: list[str] | str | None = None,
    mesures: list[str] | str | None = None,
    debut: date | None = None,
    fin: date | None = None,
    code_region: str | None = None,
) -> pl.DataFrame:
    """Séries mois par mois des orientations et de l'activité.

    ``mesures`` : noms de mesures mensuelles (``requetes.mesures.MESURES_MENSUELLES``, par ex.
    ``orientes_ft_ml``, ``jeunes_accompagnes``) ou codes d'indicateurs calculables mois par mois
    (``Indicateur.mensuel``, par ex. ``taux_acceptation``). Par défaut : toutes les mesures mensuelles.
    Format long : mois, code, nom, mesure, valeur.
    """
    maille = verifier_maille(maille)
    codes = verifier_codes(codes)
    code_region = verifier_code_region(code_region)
    if mesures is None:
        demandes = list(_mesures.MESURES_MENSUELLES)
    else:
        demandes = [mesures] if isinstance(mesures, str) else list(mesures)
    if not demandes:
        raise ErreurRequete("Aucune mesure demandée.")
    base: dict[str, None] = {}
    for nom in demandes:
        if isinstance(nom, str) and nom in MESURES:
            if not MESURES[nom].mensuelle:
                raise ErreurRequete(f"La mesure {nom!r} n'existe pas mois par mois.")
            base[nom] = None
        elif isinstance(nom, str) and nom in REGISTRE:
            ind = REGISTRE[nom]
            if not ind.mensuel:
                raise ErreurRequete(f"L'indicateur {nom!r} ne se calcule pas mois par mois.")
            base[ind.numerateur] = None
            if ind.denominateur:
                base[ind.denominateur] = None
        else:
            raise ErreurRequete(
                f"Mesure mensuelle inconnue : {nom!r}. Mesures possibles : "
                f"{', '.join(_mesures.MESURES_MENSUELLES)} ; ou un indicateur mensuel du registre."
            )
    agr = _mesures.agreger_mensuel(jeu, maille, list(base), codes=codes, debut=debut, fin=fin,
                                   code_region=code_region)
    large = agr.join(_territoires(jeu, maille, codes, code_region).select("code", "nom"), on="code",
                     how="inner", maintain_order="left")
    morceaux = []
    for ordre, nom in enumerate(dict.fromkeys(demandes)):
        if nom in MESURES:
            valeur = pl.col(nom)
        else:
            ind = REGISTRE[nom]
            if ind.denominateur:
                valeur = ratio(ind.numerateur, ind.denominateur, ind.facteur)
            else:
                valeur = ind.facteur * pl.col(ind.numerateur)
        morceaux.append(large.select(
            "mois", pl.lit(ordre, dtype=pl.Int32).alias("_ordre"), "code", "nom",
            pl.lit(nom, dtype=pl.Utf8).alias("mesure"), valeur.cast(pl.Float64).alias("valeur")))
    # ordre : mois, mesure (dans l'ordre demandé), territoire
    return pl.concat(morceaux).sort("mois", "_ordre", maintain_order=True).drop("_ordre")


def annees_disponibles(jeu: JeuDeDonnees) -> list[int]:
    """Années couvertes par les allocations, les orientations ou l'activité, croissantes."""
    return list(_mesures.annees(jeu))


@restreint
def regions(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Régions présentes dans le jeu : code_region, nom_region (triées par code)."""
    return _mesures.territoires(jeu, "region").select(
        pl.col("code").alias("code_region"), pl.col("nom").alias("nom_region")
    )


@restreint
def departements(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Départements présents dans le jeu : code_departement, nom_departement, code_region."""
    code_region = verifier_code_region(code_region)
    df = _mesures.territoires(jeu, "departement").select(
        pl.col("code").alias("code_departement"), pl.col("nom").alias("nom_departement"), "code_region"
    )
    return df if code_region is None else df.filter(pl.col("code_region") == code_region)


@restreint
def missions_locales(jeu: JeuDeDonnees) -> pl.DataFrame:
    """Missions Locales : code_ml, nom_ml, code_departement, code_region, nom_region (triées par code)."""
    return _mesures.preparer(jeu).rattachement.select(
        "code_ml", "nom_ml", "code_departement", "code_region", "nom_region"
    )


# --------------------------------------------------------------------------------------------------
# Synthèse nationale (page d'accueil)


@dataclass(frozen=True)
class Chiffre:
    """Un chiffre national de la page d'accueil, avec sa valeur de l'année précédente."""

    cle: str
    libelle: str
    unite: str
    valeur: float | None
    precedente: float | None  # année - 1, None si l'année précédente n'est pas dans le jeu
    definition: str
    indicateur: str | None = None  # code du registre quand le chiffre en vient

    @property
    def evolution(self) -> float | None:
        """Écart à l'année précédente (en points pour un %, sinon dans l'unité)."""
        if self.valeur is None or self.precedente is None:
            return None
        return self.valeur - self.precedente


_SYNTHESE_REGISTRE = (
    "enveloppe_ml", "valorisation_etp", "subvention_compensatoire", "credits_financiers",
    "etp_affectes", "etp_compenses", "etp_mobilises", "nb_ml", "part_ml_agent", "part_ml_accord",
    "orientes_ft_ml", "entrees_delegation", "taux_acceptation", "taux_entree", "taux_transformation",
    "jeunes_accompagnes",
)


def synthese_nationale(jeu: JeuDeDonnees, annee: int, date_reference: date | None = None) -> dict[str, Chiffre]:
    """Chiffres nationaux d'une année et de l'année précédente, pour la page d'accueil.

    Clés : enveloppe_totale, valorisation_etp_nationale, credits_hors_valorisation, forfait_etp,
    valorisation_forfaitaire, ecart_valorisation, etp_prevus, objectif_national (table enveloppe) ;
    part_repartie, atteinte_objectif_national (combinaisons enveloppe × registre) ; et les indicateurs du
    registre (même clé que leur code) : enveloppe_ml, valorisation_etp, subvention_compensatoire,
    credits_financiers, etp_affectes, etp_compenses, etp_mobilises, nb_ml, part_ml_agent, part_ml_accord,
    orientes_ft_ml, entrees_delegation, taux_acceptation, taux_entree, taux_transformation,
    jeunes_accompagnes. Les chiffres du registre viennent de ``valeurs`` à la maille nationale.

    Jeu partiel (``requetes.couverture``) : la maille nationale est la zone couverte par le jeu ; les
    libellés des chiffres du registre le disent (« (zone couverte) »), et ``part_repartie`` et
    ``atteinte_objectif_national`` ne sont pas calculés (valeurs nulles), la zone n'étant qu'une partie de
    l'accord national. Les paramètres de l'enveloppe restent nationaux (leurs libellés le disent).
    """
    annee = verifier_annee(annee)
    disponibles = _mesures.annees(jeu)
    annees_calc = [annee] + ([annee - 1] if (annee - 1) in disponibles else [])

    def registre_pour(a: int) -> dict[str, float | None]:
        df = valeurs(jeu, "nationale", a, indicateurs=list(_SYNTHESE_REGISTRE), date_reference=date_reference)
        return dict(zip(df["indicateur"].to_list(), df["valeur"].to_list()))

    env = jeu.requete("enveloppe", {"annees": annees_calc})
    env_par_annee = {int(r["annee"]): r for r in env.iter_rows(named=True)}

    def enveloppe_pour(a: int) -> dict[str, float | None]:
        r = env_par_annee.get(a)
        if r is None:
            return dict.fromkeys(("enveloppe_totale", "valorisation_etp_nationale", "credits_hors_valorisation",
                                  "forfait_etp", "valorisation_forfaitaire", "ecart_valorisation",
                                  "etp_prevus", "objectif_national"))
        forfaitaire = (None if r["etp_nationaux"] is None or r["forfait_etp_eur"] is None
                       else r["etp_nationaux"] * r["forfait_etp_eur"])
        return {
            "enveloppe_totale": r["enveloppe_totale_eur"],
            "valorisation_etp_nationale": r["valorisation_etp_eur"],
            "credits_hors_valorisation": (None if r["enveloppe_totale_eur"] is None or r["valorisation_etp_eur"] is None
                                          else r["enveloppe_totale_eur"] - r["valorisation_etp_eur"]),
            "forfait_etp": r["forfait_etp_eur"],
            "valorisation_forfaitaire": forfaitaire,
            "ecart_valorisation": (None if forfaitaire is None or r["valorisation_etp_eur"] is None
                                   else forfaitaire - r["valorisation_etp_eur"]),
            "etp_prevus": r["etp_nationaux"],
            "objectif_national": r["objectif_jeunes_delegation"],
        }

    def tout(a: int) -> dict[str, float | None]:
        reg = registre_pour(a)
        env_a = enveloppe_pour(a)
        return {
            **env_a,
            **reg,
            "part_repartie": ratio_valeurs(reg["enveloppe_ml"], env_a["enveloppe_totale"], 100.0),
            "atteinte_objectif_national": ratio_valeurs(reg["entrees_delegation"], env_a["objectif_national"], 100.0),
        }

    courant = tout(annee)
    precedent = tout(annee - 1) if len(annees_calc) > 1 else {}
    partiel = couverture(jeu).partiel
    if partiel:  # la zone d'un jeu partiel ne se rapporte pas à l'enveloppe ni à l'objectif nationaux
        for d in (courant, precedent):
            d.pop("part_repartie", None)
            d.pop("atteinte_objectif_national", None)

    definitions_enveloppe = {
        "enveloppe_totale": ("Enveloppe nationale de l'accord", "€",
                             "Crédits globalisés de l'accord pour l'année (table enveloppe)."),
        "valorisation_etp_nationale": ("Valorisation nationale des agents affectés", "€",
                                       "Valorisation des agents affectés annoncée au niveau national (table "
                                       "enveloppe), incluse dans l'enveloppe."),
        "credits_hors_valorisation": ("Crédits hors valorisation des agents", "€",
                                      "Enveloppe nationale − valorisation nationale des agents affectés."),
        "forfait_etp": ("Forfait par ETP", "€", "Valorisation forfaitaire d'un ETP et par an (table enveloppe)."),
        "valorisation_forfaitaire": ("ETP prévus × forfait", "€",
                                     "Valorisation théorique des ETP prévus au forfait."),
        "ecart_valorisation": ("Écart entre ETP prévus × forfait et valorisation annoncée", "€",
                               "ETP prévus × forfait − valorisation nationale annoncée. Un écart non nul est "
                               "une information de pilotage, à montrer."),
        "etp_prevus": ("ETP affectés prévus", "ETP", "ETP d'agents France Travail prévus par l'accord."),
        "objectif_national": ("Objectif national d'entrées en délégation", "jeunes",
                              "Objectif national annuel d'entrées en délégation du PPAE (table enveloppe)."),
        "part_repartie": ("Part de l'enveloppe répartie entre les ML", "%",
                          "Somme des parts d'enveloppe des ML ÷ enveloppe nationale × 100."),
        "atteinte_objectif_national": ("Atteinte de l'objectif national", "%",
                                       "Entrées en délégation ÷ objectif national d'entrées × 100."),
    }
    if partiel:
        for cle in ("part_repartie", "atteinte_objectif_national"):
            libelle, unite, definition = definitions_enveloppe[cle]
            definitions_enveloppe[cle] = (f"{libelle} (non calculé : jeu partiel)", unite,
                                          f"{definition} Non calculé sur un jeu régional ou départemental : "
                                          "ses ML ne sont qu'une partie de celles de l'accord national.")
    resultat: dict[str, Chiffre] = {}
    for cle, (libelle, unite, definition) in definitions_enveloppe.items():
        resultat[cle] = Chiffre(cle, libelle, unite, courant.get(cle), precedent.get(cle), definition)
    for code in _SYNTHESE_REGISTRE:
        ind = REGISTRE[code]
        # sur un jeu partiel, la maille « nationale » est la zone couverte par le jeu : dit dans le libellé
        resultat[code] = Chiffre(code, f"{ind.libelle} (zone couverte)" if partiel else ind.libelle, ind.unite,
                                 courant.get(code), precedent.get(code), ind.definition, indicateur=code)
    return resultat
