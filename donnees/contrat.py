"""Contrat des exports Parquet, version 1 (voir docs/contrat-donnees.md).

Ce module est la seule description du contrat dans le code : le validateur, le générateur de
démonstration et la couche de requêtes le lisent. Il ne contient que des données.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

VERSION_CONTRAT = 1

# Types du contrat
TEXTE = "texte"
ENTIER = "entier"
DECIMAL = "décimal"
DATE = "date"
BOOLEEN = "booléen"
LISTE_TEXTE = "liste<texte>"

# Chaque type du contrat, une seule fois, dans les deux moteurs : le type DuckDB dans lequel la lecture des
# exports convertit une colonne (validation, vues du jeu), et le type Polars des tables que le générateur
# de démonstration écrit et que les requêtes rendent.
TYPES_DUCKDB = {
    TEXTE: "VARCHAR",
    ENTIER: "BIGINT",
    DECIMAL: "DOUBLE",
    DATE: "DATE",
    BOOLEEN: "BOOLEAN",
    LISTE_TEXTE: "VARCHAR[]",
}
TYPES_POLARS = {
    TEXTE: pl.Utf8,
    ENTIER: pl.Int64,
    DECIMAL: pl.Float64,
    DATE: pl.Date,
    BOOLEEN: pl.Boolean,
    LISTE_TEXTE: pl.List(pl.Utf8),
}

STATUTS_ACCORD = ("signe", "en_negociation", "non_engage", "echu", "denonce")
TYPES_SITE = ("siege", "antenne", "permanence")
SENS = ("ft_vers_ml", "ml_vers_ft")
MOTIFS = (
    "eloignement_emploi",
    "difficultes_sociales",
    "accompagnement_global",
    "demande_jeune",
    "prestation_ft",
    "autre",
)
MODALITES_MOYENS = ("agent_affecte", "subvention", "mixte", "aucune")
NIVEAUX_PARTICIPATION = (0, 1, 2, 3)

LIBELLES_STATUT = {
    "signe": "Signé",
    "en_negociation": "En négociation",
    "non_engage": "Non engagé",
    "echu": "Échu",
    "denonce": "Dénoncé",
}
LIBELLES_TYPE_SITE = {"siege": "Siège", "antenne": "Antenne", "permanence": "Permanence"}
LIBELLES_SENS = {
    "ft_vers_ml": "France Travail → ML (délégation du PPAE)",
    "ml_vers_ft": "ML → France Travail (prestations et mesures)",
}
LIBELLES_MOTIF = {
    "eloignement_emploi": "Éloignement de l'emploi",
    "difficultes_sociales": "Difficultés sociales",
    "accompagnement_global": "Accompagnement global",
    "demande_jeune": "Demande du jeune",
    "prestation_ft": "Prestation France Travail",
    "autre": "Autre",
}
LIBELLES_MODALITE = {
    "agent_affecte": "Agent affecté",
    "subvention": "Subvention en compensation",
    "mixte": "Mixte",
    "aucune": "Aucune",
}
LIBELLES_PARTICIPATION = {
    0: "Aucune",
    1: "Information",
    2: "Consultation",
    3: "Co-construction",
}


@dataclass(frozen=True)
class Colonne:
    nom: str
    type: str
    obligatoire: bool = True  # la colonne doit être présente dans le fichier
    non_nul: bool = True  # aucune valeur nulle admise
    positif: bool = False  # valeur >= 0
    valeurs: tuple | None = None  # énumération
    reference: str | None = None  # "referentiel.communes", "referentiel.departements", "missions_locales.code_ml", "agences.code_agence"
    description: str = ""


@dataclass(frozen=True)
class Table:
    nom: str
    description: str
    colonnes: tuple[Colonne, ...]
    cle: tuple[str, ...]
    # contraintes entre colonnes d'une même ligne : (colonne_petite, colonne_grande) -> petite <= grande
    inferieur_ou_egal: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def fichier(self) -> str:
        return f"{self.nom}.parquet"

    def colonne(self, nom: str) -> Colonne:
        for c in self.colonnes:
            if c.nom == nom:
                return c
        raise KeyError(nom)

    @property
    def noms_colonnes(self) -> tuple[str, ...]:
        return tuple(c.nom for c in self.colonnes)


_BOOLEENS_ACCORD = (
    ("diagnostic_partage", "Diagnostic territorial co-construit par la ML et l'agence"),
    ("plan_actions", "Plan d'actions coordonnées jeunes et entreprises arrêté"),
    ("criteres_orientation", "Critères d'orientation en délégation du PPAE définis localement"),
    ("ouverture_actions_ml", "Ouverture des actions de la ML aux jeunes proposés par France Travail"),
    ("equipe_commune_entreprises", "Participation aux équipes communes auprès des entreprises"),
    ("comite_pilotage", "Instance de pilotage local réunie"),
    ("implication_president", "Le président de la ML participe à la gouvernance du projet"),
)
CONTENUS_ACCORD = tuple(nom for nom, _ in _BOOLEENS_ACCORD)
LIBELLES_CONTENU_ACCORD = dict(_BOOLEENS_ACCORD)

TABLES: dict[str, Table] = {
    t.nom: t
    for t in (
        Table(
            "missions_locales",
            "Une ligne par Mission Locale",
            (
                Colonne("code_ml", TEXTE, description="Clé, unique, non vide"),
                Colonne("nom_ml", TEXTE, description="Non vide"),
                Colonne("code_departement", TEXTE, reference="referentiel.departements",
                        description="Département du siège"),
                Colonne("code_commune_siege", TEXTE, reference="referentiel.communes",
                        description="Commune du siège"),
            ),
            cle=("code_ml",),
        ),
        Table(
            "territoires_ml",
            "Rattachement des communes aux ML",
            (
                Colonne("code_commune", TEXTE, reference="referentiel.communes",
                        description="Une commune n'apparaît qu'une fois"),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
            ),
            cle=("code_commune",),
        ),
        Table(
            "sites_ml",
            "Lieux d'accueil des ML",
            (
                Colonne("id_site", TEXTE),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
                Colonne("type_site", TEXTE, valeurs=TYPES_SITE),
                Colonne("code_commune", TEXTE, reference="referentiel.communes"),
                Colonne("latitude", DECIMAL, obligatoire=False, non_nul=False),
                Colonne("longitude", DECIMAL, obligatoire=False, non_nul=False),
            ),
            cle=("id_site",),
        ),
        Table(
            "agences",
            "Agences France Travail",
            (
                Colonne("code_agence", TEXTE),
                Colonne("nom_agence", TEXTE),
                Colonne("code_commune", TEXTE, reference="referentiel.communes"),
                Colonne("latitude", DECIMAL, obligatoire=False, non_nul=False),
                Colonne("longitude", DECIMAL, obligatoire=False, non_nul=False),
            ),
            cle=("code_agence",),
        ),
        Table(
            "accords",
            "Projets locaux de coopération",
            (
                Colonne("id_accord", TEXTE),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
                Colonne("codes_agences", LISTE_TEXTE, non_nul=False, reference="agences.code_agence",
                        description="Agences signataires ; peut être vide si statut = non_engage"),
                Colonne("statut", TEXTE, valeurs=STATUTS_ACCORD),
                Colonne("date_signature", DATE, non_nul=False,
                        description="Obligatoire si statut vaut signe, echu ou denonce"),
                Colonne("date_debut", DATE, non_nul=False),
                Colonne("date_fin", DATE, non_nul=False, description="date_fin ≥ date_debut"),
                *(Colonne(nom, BOOLEEN, description=desc) for nom, desc in _BOOLEENS_ACCORD),
                Colonne("participation_jeunes", ENTIER, valeurs=NIVEAUX_PARTICIPATION,
                        description="0 aucune, 1 information, 2 consultation, 3 co-construction"),
                Colonne("modalite_moyens", TEXTE, valeurs=MODALITES_MOYENS),
            ),
            cle=("id_accord",),
        ),
        Table(
            "allocations",
            "Moyens par ML et par année",
            (
                Colonne("annee", ENTIER),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
                Colonne("etp_affectes", DECIMAL, positif=True),
                Colonne("etp_compenses", DECIMAL, positif=True),
                Colonne("valorisation_etp_eur", DECIMAL, positif=True),
                Colonne("subvention_compensatoire_eur", DECIMAL, positif=True),
                Colonne("credits_financiers_eur", DECIMAL, positif=True),
                Colonne("objectif_entrees_delegation", ENTIER, positif=True),
            ),
            cle=("annee", "code_ml"),
        ),
        Table(
            "enveloppe",
            "Paramètres nationaux de l'accord, par année",
            (
                Colonne("annee", ENTIER),
                Colonne("enveloppe_totale_eur", DECIMAL, positif=True),
                Colonne("valorisation_etp_eur", DECIMAL, positif=True),
                Colonne("etp_nationaux", DECIMAL, positif=True),
                Colonne("forfait_etp_eur", DECIMAL, positif=True),
                Colonne("objectif_jeunes_delegation", ENTIER, positif=True),
            ),
            cle=("annee",),
        ),
        Table(
            "orientations",
            "Volumes d'orientation entre les deux réseaux, par mois",
            (
                Colonne("mois", DATE, description="Premier jour du mois"),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
                Colonne("code_agence", TEXTE, non_nul=False, reference="agences.code_agence",
                        description="Nul si l'agence n'est pas connue"),
                Colonne("sens", TEXTE, valeurs=SENS),
                Colonne("motif", TEXTE, valeurs=MOTIFS),
                Colonne("orientes", ENTIER, positif=True),
                Colonne("acceptes", ENTIER, positif=True),
                Colonne("entres", ENTIER, positif=True),
            ),
            cle=("mois", "code_ml", "code_agence", "sens", "motif"),
            inferieur_ou_egal=(("acceptes", "orientes"), ("entres", "acceptes")),
        ),
        Table(
            "activite",
            "Suivi mensuel de chaque ML",
            (
                Colonne("mois", DATE, description="Premier jour du mois"),
                Colonne("code_ml", TEXTE, reference="missions_locales.code_ml"),
                Colonne("jeunes_accompagnes", ENTIER, positif=True),
                Colonne("premiers_accueils", ENTIER, positif=True),
                Colonne("doubles_accompagnements", ENTIER, positif=True),
                Colonne("sorties_emploi", ENTIER, positif=True),
                Colonne("sorties_emploi_durable", ENTIER, positif=True),
                Colonne("sorties_formation", ENTIER, positif=True),
                Colonne("sorties_sans_solution", ENTIER, positif=True),
            ),
            cle=("mois", "code_ml"),
            inferieur_ou_egal=(("sorties_emploi_durable", "sorties_emploi"),),
        ),
        Table(
            "contexte",
            "Données du diagnostic territorial, par commune et par année",
            (
                Colonne("annee", ENTIER),
                Colonne("code_commune", TEXTE, reference="referentiel.communes"),
                Colonne("population_16_25", ENTIER, positif=True),
                Colonne("jeunes_neet", ENTIER, positif=True),
                Colonne("demandeurs_emploi_moins_26", ENTIER, positif=True),
                Colonne("etablissements_employeurs", ENTIER, positif=True),
                Colonne("places_formation", ENTIER, positif=True),
            ),
            cle=("annee", "code_commune"),
            inferieur_ou_egal=(("jeunes_neet", "population_16_25"),),
        ),
    )
}

NOMS_TABLES = tuple(TABLES)
