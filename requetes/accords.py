"""Accords locaux (projets locaux de coopération) : où en sont les accords à une date, ce qu'ils
contiennent, ce qui arrive à échéance, les ML sans accord.

Règles (écrites aussi sur la page) :

- **en vigueur** (règle du contrat d'export) : statut « signe » et date comprise entre ``date_debut``
  (à défaut ``date_signature``) et ``date_fin``, bornes incluses, borne absente = ouverte. C'est la règle
  du registre des indicateurs (``part_ml_accord``, ``accords_en_vigueur``) : les chiffres de cette page
  et ceux des autres pages concordent. Le statut d'un accord est celui du dernier export : un accord
  aujourd'hui « échu » ou « dénoncé » n'est en vigueur à aucune date, même passée.
- **situation d'une ML à une date** et **accord courant** : voir ``requetes/sql/accords_situation.sql``
  (en vigueur, sinon en négociation, sinon échu ou dénoncé, sinon non engagée, sinon aucun accord).
- **score de complétude** d'un accord : nombre d'éléments présents parmi 8 — les 7 contenus que la
  notice UNML attend d'un projet local (diagnostic partagé, plan d'actions, critères d'orientation,
  ouverture des actions de la ML, équipe commune auprès des entreprises, instance de pilotage, implication
  du président) et une participation des jeunes au moins au niveau « consultation » —, divisé par 8 et
  exprimé en %.

Les requêtes sont dans ``requetes/sql/accords_*.sql`` (paramétrées) ; ce module n'applique ensuite que
des calculs Polars sur de petits tableaux (un accord ou une ML par ligne). Aucune fonction n'importe
Streamlit ; le premier argument est toujours le jeu (``interface.chargement.en_cache`` les garde en cache).
"""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl
from babel.dates import format_date

from donnees.contrat import (
    CONTENUS_ACCORD,
    LIBELLES_CONTENU_ACCORD,
    LIBELLES_MODALITE,
    LIBELLES_PARTICIPATION,
    LIBELLES_STATUT,
)
from requetes import indicateurs
from requetes.indicateurs import Chiffre, ErreurRequete
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint
from requetes.regles import ratio

# --------------------------------------------------------------------------------------------------
# Libellés et règles
# --------------------------------------------------------------------------------------------------

SITUATIONS = ("en_vigueur", "en_negociation", "echu", "denonce", "non_engage", "aucun_accord")
LIBELLES_SITUATION = {
    "en_vigueur": "En vigueur",
    "en_negociation": "En négociation",
    "echu": "Échu",
    "denonce": "Dénoncé",
    "non_engage": "Non engagée",
    "aucun_accord": "Aucun accord",
}
AIDE_SITUATION = {
    "en_vigueur": "Un accord signé couvre la date.",
    "en_negociation": "Aucun accord en vigueur ; un accord est en négociation.",
    "echu": "Aucun accord en vigueur ni en négociation ; le dernier accord est arrivé à son terme "
            "(statut « échu », ou accord signé dont la date de fin est passée).",
    "denonce": "Aucun accord en vigueur ni en négociation ; le dernier accord a été dénoncé.",
    "non_engage": "La ML a déclaré ne pas s'engager dans un projet local de coopération.",
    "aucun_accord": "Aucun accord transmis pour cette ML à cette date.",
}

# Les 8 éléments du score de complétude : les 7 contenus attendus, puis la participation des jeunes.
PARTICIPATION_MINIMALE = 2  # consultation
CRITERE_PARTICIPATION = "participation_consultation"
CRITERES_COMPLETUDE = (*CONTENUS_ACCORD, CRITERE_PARTICIPATION)
LIBELLES_COURTS_CRITERE = {
    "diagnostic_partage": "Diagnostic partagé",
    "plan_actions": "Plan d'actions",
    "criteres_orientation": "Critères d'orientation",
    "ouverture_actions_ml": "Ouverture des actions de la ML",
    "equipe_commune_entreprises": "Équipe commune entreprises",
    "comite_pilotage": "Instance de pilotage réunie",
    "implication_president": "Implication du président",
    CRITERE_PARTICIPATION: "Jeunes consultés ou co-constructeurs",
}
LIBELLES_CRITERE = {
    **LIBELLES_CONTENU_ACCORD,
    CRITERE_PARTICIPATION: "Participation des jeunes au moins au niveau « consultation »",
}
REGLE_COMPLETUDE = (
    "Score de complétude = nombre d'éléments présents dans l'accord parmi 8, divisé par 8, en %. "
    "Les 8 éléments : les 7 contenus qu'attend la notice UNML (diagnostic territorial partagé, plan "
    "d'actions coordonnées, critères d'orientation définis localement, ouverture des actions de la ML aux "
    "jeunes proposés par France Travail, participation aux équipes communes auprès des entreprises, "
    "instance de pilotage local réunie, implication du président de la ML), et une participation des "
    "jeunes au moins au niveau « consultation » (consultation ou co-construction). "
    "Exemple : 6 éléments sur 8 donnent 75 %."
)
REGLE_VIGUEUR = (
    "Un accord est en vigueur à une date s'il est signé et que la date est comprise entre sa date de "
    "début (à défaut sa date de signature) et sa date de fin, bornes incluses ; une borne absente est "
    "ouverte (règle du contrat d'export, la même que partout dans le tableau de bord)."
)
AVERTISSEMENT_HISTORIQUE = (
    "Le statut de chaque accord est celui du dernier export : un accord aujourd'hui échu ou dénoncé ne "
    "compte en vigueur à aucune date, même pendant sa période de validité (règle du contrat). Pour les "
    "années passées, la part des ML en vigueur peut donc être sous-estimée."
)

EVENEMENTS = ("premier_accord", "renouvellement", "fin_renouvelee", "fin_sans_suite", "denonciation")
LIBELLES_EVENEMENT = {
    "premier_accord": "Premier accord signé",
    "renouvellement": "Renouvellement signé",
    "fin_renouvelee": "Fin d'un accord suivi d'un nouvel accord",
    "fin_sans_suite": "Fin d'un accord sans nouvel accord",
    "denonciation": "Accord dénoncé",
}
SUITES = {
    "renouvellement_signe": "Nouvel accord déjà signé",
    "en_negociation": "Renouvellement en négociation",
    "aucune": "Aucune suite connue",
}

# En-têtes français des tableaux téléchargés.
LIBELLES_COLONNES = {
    "code_ml": "Code ML",
    "nom_ml": "Mission Locale",
    "code_departement": "Code département",
    "nom_departement": "Département",
    "code_region": "Code région",
    "nom_region": "Région",
    "situation": "Situation (code)",
    "libelle_situation": "Situation",
    "id_accord": "Accord courant",
    "libelle_statut": "Statut de l'accord",
    "date_signature": "Date de signature",
    "date_debut": "Date de début",
    "date_fin": "Date de fin",
    "agences": "Agences France Travail signataires",
    **{c: LIBELLES_COURTS_CRITERE[c] for c in CONTENUS_ACCORD},
    "participation_jeunes": "Participation des jeunes (niveau 0 à 3)",
    "libelle_participation": "Participation des jeunes",
    "libelle_modalite": "Modalité des moyens",
    "nb_criteres": "Éléments présents (sur 8)",
    "score_completude": "Score de complétude (%)",
    "nb_accords": "Accords transmis (historique)",
    "jours_restants": "Jours restants",
    "libelle_suite": "Suite prévue",
    "nb_ml": "Missions Locales",
    "part": "Part (%)",
    "libelle_evenement": "Événement",
    "annee": "Année",
    "nb": "Nombre",
    "accords_en_vigueur": "Accords en vigueur",
    "score_moyen": "Score moyen de complétude (%)",
    "niveau": "Niveau",
    "nom": "Territoire",
    "code": "Code",
    **{f"part_{c}": f"{LIBELLES_COURTS_CRITERE[c]} (%)" for c in CRITERES_COMPLETUDE},
}


def fin_de_mois(annee: int, mois: int) -> date:
    return date(int(annee), int(mois), calendar.monthrange(int(annee), int(mois))[1])


def dates_possibles(annee: int) -> list[date]:
    """Fins de mois de l'année, de décembre à janvier (la première est la date par défaut : le
    31 décembre, comme le registre des indicateurs)."""
    return [fin_de_mois(annee, m) for m in range(12, 0, -1)]


def libelle_date(d: date) -> str:
    """« 31 décembre 2025 »."""
    return format_date(d, "d MMMM y", locale="fr_FR")


def date_un_an_avant(d: date) -> date:
    """Même fin de mois, un an plus tôt (29 février → 28 février)."""
    if d.month == 2:
        return fin_de_mois(d.year - 1, 2)
    return date(d.year - 1, d.month, d.day)


def ajouter_mois(d: date, n: int) -> date:
    """``d`` + ``n`` mois, au même jour (ramené au dernier jour du mois s'il n'existe pas)."""
    total = d.year * 12 + (d.month - 1) + int(n)
    annee, mois = divmod(total, 12)
    mois += 1
    return date(annee, mois, min(d.day, calendar.monthrange(annee, mois)[1]))


def _verifier_date(d) -> date:
    if not isinstance(d, date):
        raise ErreurRequete(f"Date de référence invalide : {d!r} (une date est attendue).")
    return d


def _code_region(code_region) -> str | None:
    if code_region is not None and not isinstance(code_region, str):
        raise ErreurRequete(f"Code de région invalide : {code_region!r} (un code est un texte, par ex. « 84 »).")
    return code_region


# --------------------------------------------------------------------------------------------------
# Accords et situations
# --------------------------------------------------------------------------------------------------

def _avec_completude(df: pl.DataFrame) -> pl.DataFrame:
    """Ajoute le critère de participation, le nombre d'éléments présents et le score (%)."""
    df = df.with_columns(
        (pl.col("participation_jeunes") >= PARTICIPATION_MINIMALE).alias(CRITERE_PARTICIPATION)
    )
    nb = pl.sum_horizontal(*(pl.col(c).cast(pl.Int64) for c in CRITERES_COMPLETUDE))
    return df.with_columns(
        nb.alias("nb_criteres"),
        (100.0 * nb / len(CRITERES_COMPLETUDE)).alias("score_completude"),
    )


def _libelles_accord(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("statut").replace_strict(LIBELLES_STATUT, default=pl.col("statut"), return_dtype=pl.Utf8)
        .alias("libelle_statut"),
        pl.col("participation_jeunes").replace_strict(LIBELLES_PARTICIPATION, default=None, return_dtype=pl.Utf8)
        .alias("libelle_participation"),
        pl.col("modalite_moyens").replace_strict(LIBELLES_MODALITE, default=pl.col("modalite_moyens"),
                                                 return_dtype=pl.Utf8).alias("libelle_modalite"),
    )


@restreint
def accords(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Tous les accords (une ligne par accord) des ML de la région (toutes si ``None``) : ML, département,
    région, statut, dates, ``debut`` (date_debut à défaut date_signature), agences signataires (codes et
    noms), les 7 contenus, la participation des jeunes, la modalité des moyens, le critère de
    participation, ``nb_criteres`` et ``score_completude`` (%), et les libellés français."""
    code_region = _code_region(code_region)
    # Calculés une fois par jeu pour la France, puis filtrés : une page en demande plusieurs fois, pour
    # chaque région choisie (même lignes, même ordre que la requête filtrée par région).
    tous = jeu.cache("accords", 4).lire(
        "france", lambda: _libelles_accord(_avec_completude(jeu.requete("accords_detail", {"code_region": None}))))
    return tous if code_region is None else tous.filter(pl.col("code_region") == code_region)


def _ml(jeu: JeuDeDonnees, code_region: str | None) -> pl.DataFrame:
    ml = indicateurs.missions_locales(jeu)
    deps = indicateurs.departements(jeu).select("code_departement", "nom_departement")
    ml = ml.join(deps, on="code_departement", how="left")
    if code_region is not None:
        ml = ml.filter(pl.col("code_region") == code_region)
    return ml.select("code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region")


@restreint
def situations(jeu: JeuDeDonnees, dates: list[date], code_region: str | None = None) -> pl.DataFrame:
    """Situation de chaque ML à chaque date : date_ref, code_ml, situation, id_accord (accord courant,
    nul si aucun), nb_en_vigueur (accords en vigueur de la ML à la date)."""
    dates = [_verifier_date(d) for d in dates]
    code_region = _code_region(code_region)
    if not dates:
        return pl.DataFrame(schema={"date_ref": pl.Date, "code_ml": pl.Utf8, "situation": pl.Utf8,
                                    "id_accord": pl.Utf8, "nb_en_vigueur": pl.Int64})
    return jeu.cache("situations_accords", 256).lire(
        (tuple(dates), code_region),
        lambda: jeu.requete("accords_situation", {"dates": dates, "code_region": code_region}))


@restreint
def accords_ml(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """Une ligne par ML (de la région, ou toutes) avec sa situation à la date et son accord courant :
    colonnes de ``accords`` (nulles sans accord), ``situation``, ``libelle_situation``,
    ``nb_en_vigueur``, ``nb_accords`` (accords transmis, tout l'historique). Triée par région, département,
    code de ML."""
    date_reference = _verifier_date(date_reference)
    code_region = _code_region(code_region)
    sit = situations(jeu, [date_reference], code_region).drop("date_ref")
    tous = accords(jeu, code_region)
    nb = tous.group_by("code_ml").agg(pl.len().cast(pl.Int64).alias("nb_accords"))
    detail = tous.drop("code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region")
    df = (
        _ml(jeu, code_region)
        .join(sit, on="code_ml", how="left")
        .join(detail, on="id_accord", how="left")
        .join(nb, on="code_ml", how="left")
        .with_columns(
            pl.col("situation").fill_null("aucun_accord"),
            pl.col("nb_en_vigueur").fill_null(0),
            pl.col("nb_accords").fill_null(0),
        )
        .with_columns(
            pl.col("situation").replace_strict(LIBELLES_SITUATION, return_dtype=pl.Utf8).alias("libelle_situation"),
        )
    )
    return df.sort("nom_region", "nom_departement", "code_ml", nulls_last=True)


def filtrer_ml(df: pl.DataFrame, situations_choisies: list[str] | None = None,
               modalites: list[str] | None = None, elements_minimum: int = 0,
               recherche: str | None = None) -> pl.DataFrame:
    """Filtre le tableau de ``accords_ml`` : situations (liste vide ou ``None`` = toutes), modalités des
    moyens (idem ; « aucune » compte aussi les ML sans accord), nombre minimal d'éléments présents sur 8
    (une ML sans accord en a 0), texte cherché dans le nom ou le code de la ML (sans tenir compte de la
    casse)."""
    if situations_choisies:
        df = df.filter(pl.col("situation").is_in(list(situations_choisies)))
    if modalites:
        modalite = pl.col("modalite_moyens").fill_null("aucune")
        df = df.filter(modalite.is_in(list(modalites)))
    if elements_minimum and elements_minimum > 0:
        df = df.filter(pl.col("nb_criteres").fill_null(0) >= int(elements_minimum))
    if recherche and recherche.strip():
        texte = recherche.strip().lower()
        df = df.filter(
            pl.col("nom_ml").str.to_lowercase().str.contains(texte, literal=True)
            | pl.col("code_ml").str.to_lowercase().str.contains(texte, literal=True)
        )
    return df


# Colonnes du tableau « une ligne par ML » à l'écran, dans l'ordre (les contenus en cases à cocher).
COLONNES_TABLEAU_ML = (
    "nom_ml", "code_ml", "nom_departement", "nom_region", "libelle_situation", "libelle_statut",
    "date_signature", "date_debut", "date_fin", "agences", *CONTENUS_ACCORD, "libelle_participation",
    "libelle_modalite", "nb_criteres", "score_completude", "id_accord", "nb_accords",
)
# Colonnes téléchargées (codes compris).
COLONNES_EXPORT_ML = (
    "code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region", "libelle_situation",
    "id_accord", "libelle_statut", "date_signature", "date_debut", "date_fin", "agences", *CONTENUS_ACCORD,
    "participation_jeunes", "libelle_participation", "libelle_modalite", "nb_criteres", "score_completude",
    "nb_accords",
)


def _comptes_situations(sit: pl.DataFrame, cles: list[str]) -> pl.DataFrame:
    """Nombre et part de ML par situation (toutes les situations, 0 comprises) pour chaque groupe ``cles``."""
    grille = pl.DataFrame({"situation": list(SITUATIONS), "_ordre": list(range(len(SITUATIONS)))})
    groupes = sit.select(cles).unique() if cles else pl.DataFrame({"_un": [1]})
    if groupes.height == 0:
        groupes = pl.DataFrame(schema=sit.select(cles).schema) if cles else groupes
    base = groupes.join(grille, how="cross")
    comptes = sit.group_by([*cles, "situation"]).agg(pl.len().cast(pl.Int64).alias("nb_ml"))
    df = base.join(comptes, on=[*cles, "situation"], how="left").with_columns(pl.col("nb_ml").fill_null(0))
    total = pl.col("nb_ml").sum().over(cles) if cles else pl.col("nb_ml").sum()
    df = df.with_columns(
        ratio(pl.col("nb_ml"), total, 100.0).alias("part"),
        pl.col("situation").replace_strict(LIBELLES_SITUATION, return_dtype=pl.Utf8).alias("libelle_situation"),
    )
    return df.sort([*cles, "_ordre"]).drop([c for c in ("_ordre", "_un") if c in df.columns])


@restreint
def synthese_situations(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """Nombre et part des ML par situation à la date (France entière, ou la région) : situation,
    libelle_situation, nb_ml, part (%). Les six situations sont toujours présentes."""
    sit = situations(jeu, [_verifier_date(date_reference)], code_region)
    return _comptes_situations(sit, []).select("situation", "libelle_situation", "nb_ml", "part")


@restreint
def situations_par_region(jeu: JeuDeDonnees, date_reference: date) -> pl.DataFrame:
    """Nombre et part des ML par situation dans chaque région : code_region, nom_region, situation,
    libelle_situation, nb_ml, part (%). Régions triées de la plus haute part d'ML en vigueur à la plus basse."""
    sit = situations(jeu, [_verifier_date(date_reference)]).join(
        _ml(jeu, None).select("code_ml", "code_region", "nom_region"), on="code_ml", how="left")
    df = _comptes_situations(sit, ["code_region", "nom_region"])
    vigueur = df.filter(pl.col("situation") == "en_vigueur").select(
        "code_region", pl.col("part").alias("_part_vigueur"))
    ordre = pl.DataFrame({"situation": list(SITUATIONS), "_ordre": list(range(len(SITUATIONS)))})
    return (
        df.join(vigueur, on="code_region", how="left").join(ordre, on="situation", how="left")
        .sort("_part_vigueur", "nom_region", "_ordre", descending=[True, False, False], nulls_last=True)
        .select("code_region", "nom_region", "situation", "libelle_situation", "nb_ml", "part")
    )


@restreint
def situations_par_annee(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Situation des ML au 31 décembre de chaque année du jeu : annee, situation, libelle_situation, nb_ml,
    part (%)."""
    annees = indicateurs.annees_disponibles(jeu)
    sit = situations(jeu, [date(a, 12, 31) for a in annees], code_region)
    sit = sit.with_columns(pl.col("date_ref").dt.year().cast(pl.Int64).alias("annee"))
    if sit.height == 0:
        return pl.DataFrame(schema={"annee": pl.Int64, "situation": pl.Utf8, "libelle_situation": pl.Utf8,
                                    "nb_ml": pl.Int64, "part": pl.Float64})
    return _comptes_situations(sit, ["annee"]).select("annee", "situation", "libelle_situation", "nb_ml", "part")


@restreint
def evenements_par_annee(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Signatures et fins d'accords par année (la vague de 2015, les renouvellements, les échéances) :
    annee, evenement, libelle_evenement, nb. Années : de la première signature à la dernière année du jeu.

    - signature (année de ``date_signature``) d'un accord signé, échu ou dénoncé : « premier accord »
      pour le premier accord de la ML (ordre des débuts), « renouvellement » sinon ;
    - fin (année de ``date_fin``) d'un accord signé, échu ou dénoncé : « dénoncé » si son statut est
      « denonce », « suivi d'un nouvel accord » si la ML a un accord signé, échu ou dénoncé qui commence
      après lui, « sans nouvel accord » sinon.
    """
    a = accords(jeu, code_region).filter(pl.col("statut").is_in(["signe", "echu", "denonce"]))
    schema = {"annee": pl.Int64, "evenement": pl.Utf8, "libelle_evenement": pl.Utf8, "nb": pl.Int64}
    if a.height == 0:
        return pl.DataFrame(schema=schema)
    a = a.sort("code_ml", "debut", "date_signature", "id_accord", nulls_last=True).with_columns(
        pl.int_range(pl.len()).over("code_ml").alias("_rang"),
        pl.col("debut").max().over("code_ml").alias("_dernier_debut"),
    )
    signatures = a.filter(pl.col("date_signature").is_not_null()).select(
        pl.col("date_signature").dt.year().cast(pl.Int64).alias("annee"),
        pl.when(pl.col("_rang") == 0).then(pl.lit("premier_accord")).otherwise(pl.lit("renouvellement"))
        .alias("evenement"),
    )
    fins = a.filter(pl.col("date_fin").is_not_null()).select(
        pl.col("date_fin").dt.year().cast(pl.Int64).alias("annee"),
        pl.when(pl.col("statut") == "denonce").then(pl.lit("denonciation"))
        .when(pl.col("debut") < pl.col("_dernier_debut")).then(pl.lit("fin_renouvelee"))
        .otherwise(pl.lit("fin_sans_suite")).alias("evenement"),
    )
    ev = pl.concat([signatures, fins])
    annees = indicateurs.annees_disponibles(jeu)
    derniere = max(annees) if annees else int(ev["annee"].max())
    premiere = int(signatures["annee"].min()) if signatures.height else int(ev["annee"].min())
    if premiere > derniere:
        return pl.DataFrame(schema=schema)
    grille = pl.DataFrame({"annee": list(range(premiere, derniere + 1))}, schema={"annee": pl.Int64}).join(
        pl.DataFrame({"evenement": list(EVENEMENTS), "_ordre": list(range(len(EVENEMENTS)))}), how="cross")
    comptes = ev.group_by("annee", "evenement").agg(pl.len().cast(pl.Int64).alias("nb"))
    return (
        grille.join(comptes, on=["annee", "evenement"], how="left")
        .with_columns(pl.col("nb").fill_null(0),
                      pl.col("evenement").replace_strict(LIBELLES_EVENEMENT, return_dtype=pl.Utf8)
                      .alias("libelle_evenement"))
        .sort("annee", "_ordre")
        .select("annee", "evenement", "libelle_evenement", "nb")
    )


@restreint
def accords_en_vigueur(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """Les accords en vigueur à la date (une ligne par accord ; une ML peut en avoir plusieurs), colonnes
    de ``accords``."""
    date_reference = _verifier_date(date_reference)
    ids = jeu.requete("accords_en_vigueur", {"date_reference": date_reference})["id_accord"]
    return accords(jeu, code_region).filter(pl.col("id_accord").is_in(ids.to_list()))


def _niveaux_grille(jeu: JeuDeDonnees, code_region: str | None) -> tuple[str, pl.DataFrame]:
    """Territoires des lignes de la grille : les régions (France entière) ou les départements de la région."""
    if code_region is None:
        terr = indicateurs.regions(jeu).select(pl.col("code_region").alias("code"), pl.col("nom_region").alias("nom"))
        return "region", terr
    terr = indicateurs.departements(jeu, code_region).select(
        pl.col("code_departement").alias("code"), pl.col("nom_departement").alias("nom"))
    return "departement", terr


@restreint
def grille_contenus(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """Part des accords en vigueur qui contiennent chaque élément, par territoire : une ligne pour la
    France, une pour la région choisie, puis une par région (France entière) ou par département (région
    choisie). Colonnes : niveau (« nationale », « region », « departement »), code, nom,
    accords_en_vigueur, ``part_<critère>`` pour les 8 éléments du score (%, nul sans accord en vigueur),
    score_moyen (%)."""
    date_reference = _verifier_date(date_reference)
    code_region = _code_region(code_region)
    vig = accords_en_vigueur(jeu, date_reference, None)
    niveau, terr = _niveaux_grille(jeu, code_region)
    cle = "code_region" if niveau == "region" else "code_departement"

    def agreger(df: pl.DataFrame, cles: list[str]) -> pl.DataFrame:
        return df.group_by(cles).agg(
            pl.len().cast(pl.Int64).alias("accords_en_vigueur"),
            *((100.0 * pl.col(c).cast(pl.Float64).mean()).alias(f"part_{c}") for c in CRITERES_COMPLETUDE),
            pl.col("score_completude").mean().alias("score_moyen"),
        )

    colonnes = ["accords_en_vigueur", *(f"part_{c}" for c in CRITERES_COMPLETUDE), "score_moyen"]
    vides = {c: (pl.Int64 if c == "accords_en_vigueur" else pl.Float64) for c in colonnes}

    def ligne(df: pl.DataFrame, niv: str, code: str, nom: str) -> pl.DataFrame:
        if df.height == 0:
            base = pl.DataFrame({c: [0 if c == "accords_en_vigueur" else None] for c in colonnes}, schema=vides)
        else:
            base = agreger(df.with_columns(pl.lit(1).alias("_un")), ["_un"]).drop("_un")
        return base.select(pl.lit(niv).alias("niveau"), pl.lit(code).alias("code"), pl.lit(nom).alias("nom"),
                           *colonnes)

    morceaux = [ligne(vig, "nationale", "FR", "France")]
    if code_region is not None:
        nom_region = indicateurs.regions(jeu).filter(pl.col("code_region") == code_region)["nom_region"]
        morceaux.append(ligne(vig.filter(pl.col("code_region") == code_region), "region", code_region,
                              nom_region.item() if nom_region.len() else code_region))
    par_terr = agreger(vig, [cle]).rename({cle: "code"})
    detail = terr.join(par_terr, on="code", how="left").with_columns(
        pl.col("accords_en_vigueur").fill_null(0), pl.lit(niveau).alias("niveau"))
    morceaux.append(detail.sort("nom").select("niveau", "code", "nom", *colonnes))
    return pl.concat([m.select("niveau", "code", "nom", *[pl.col(c).cast(vides[c]) for c in colonnes])
                      for m in morceaux])


@restreint
def participation(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """Répartition des accords en vigueur par niveau de participation des jeunes, pour la France, la région
    choisie et chacune de ses subdivisions (comme ``grille_contenus``) : niveau, code, nom,
    participation_jeunes (0 à 3), libelle_participation, nb, part (% des accords en vigueur du territoire)."""
    date_reference = _verifier_date(date_reference)
    code_region = _code_region(code_region)
    vig = accords_en_vigueur(jeu, date_reference, None)
    niveau, terr = _niveaux_grille(jeu, code_region)
    cle = "code_region" if niveau == "region" else "code_departement"
    niveaux = pl.DataFrame({"participation_jeunes": list(LIBELLES_PARTICIPATION)},
                           schema={"participation_jeunes": pl.Int64})

    def repartir(df: pl.DataFrame, lignes_terr: pl.DataFrame, colonne_code: str | None) -> pl.DataFrame:
        base = lignes_terr.join(niveaux, how="cross")
        if colonne_code is None:
            comptes = df.group_by("participation_jeunes").agg(pl.len().cast(pl.Int64).alias("nb")).with_columns(
                pl.lit(lignes_terr["code"].item()).alias("code"))
        else:
            comptes = df.group_by(colonne_code, "participation_jeunes").agg(pl.len().cast(pl.Int64).alias("nb")) \
                .rename({colonne_code: "code"})
        out = base.join(comptes, on=["code", "participation_jeunes"], how="left") \
            .with_columns(pl.col("nb").fill_null(0))
        total = pl.col("nb").sum().over("code")
        return out.with_columns(ratio(pl.col("nb"), total, 100.0).alias("part"))

    morceaux = [repartir(vig, pl.DataFrame({"niveau": ["nationale"], "code": ["FR"], "nom": ["France"]}), None)]
    if code_region is not None:
        nom_region = indicateurs.regions(jeu).filter(pl.col("code_region") == code_region)["nom_region"]
        morceaux.append(repartir(
            vig.filter(pl.col("code_region") == code_region),
            pl.DataFrame({"niveau": ["region"], "code": [code_region],
                          "nom": [nom_region.item() if nom_region.len() else code_region]}), None))
    morceaux.append(repartir(vig, terr.sort("nom").with_columns(pl.lit(niveau).alias("niveau"))
                             .select("niveau", "code", "nom"), cle))
    df = pl.concat([m.select("niveau", "code", "nom", "participation_jeunes", "nb", "part") for m in morceaux])
    return df.with_columns(
        pl.col("participation_jeunes").replace_strict(LIBELLES_PARTICIPATION, return_dtype=pl.Utf8)
        .alias("libelle_participation")
    ).select("niveau", "code", "nom", "participation_jeunes", "libelle_participation", "nb", "part")


@restreint
def echeances(jeu: JeuDeDonnees, date_reference: date, nb_mois: int, code_region: str | None = None) -> pl.DataFrame:
    """Accords en vigueur à la date dont la date de fin tombe dans les ``nb_mois`` mois qui suivent
    (date de référence exclue, date + ``nb_mois`` mois incluse), du plus proche au plus lointain.
    Colonnes de ``accords`` + jours_restants, suite (``SUITES`` : nouvel accord déjà signé qui commence
    après la date de référence, renouvellement en négociation, ou aucune suite connue), libelle_suite."""
    date_reference = _verifier_date(date_reference)
    if isinstance(nb_mois, bool) or not isinstance(nb_mois, int) or nb_mois < 0:
        raise ErreurRequete(f"Nombre de mois invalide : {nb_mois!r} (un entier positif est attendu).")
    limite = ajouter_mois(date_reference, nb_mois)
    vig = accords_en_vigueur(jeu, date_reference, code_region)
    proches = vig.filter(pl.col("date_fin").is_not_null() & (pl.col("date_fin") > date_reference)
                         & (pl.col("date_fin") <= limite))
    tous = accords(jeu, code_region)
    signe_apres = tous.filter((pl.col("statut") == "signe") & (pl.col("debut") > date_reference)) \
        .select("code_ml").unique().with_columns(pl.lit(True).alias("_signe"))
    negociation = tous.filter(pl.col("statut") == "en_negociation").select("code_ml").unique() \
        .with_columns(pl.lit(True).alias("_nego"))
    df = (
        proches.join(signe_apres, on="code_ml", how="left").join(negociation, on="code_ml", how="left")
        .with_columns(
            (pl.col("date_fin") - pl.lit(date_reference)).dt.total_days().cast(pl.Int64).alias("jours_restants"),
            pl.when(pl.col("_signe")).then(pl.lit("renouvellement_signe"))
            .when(pl.col("_nego")).then(pl.lit("en_negociation"))
            .otherwise(pl.lit("aucune")).alias("suite"),
        )
        .with_columns(pl.col("suite").replace_strict(SUITES, return_dtype=pl.Utf8).alias("libelle_suite"))
        .drop("_signe", "_nego")
    )
    return df.sort("date_fin", "nom_ml")


@restreint
def suites_echeances(jeu: JeuDeDonnees, date_reference: date, nb_mois: int,
                     code_region: str | None = None) -> pl.DataFrame:
    """Nombre d'accords qui arrivent à échéance (``echeances``) par suite prévue : libelle_suite, nb (les trois
    suites, dans l'ordre de ``SUITES``, 0 comprises)."""
    ech = echeances(jeu, date_reference, nb_mois, code_region)
    comptes = ech.group_by("suite").agg(pl.len().cast(pl.Int64).alias("nb"))
    return (
        pl.DataFrame({"suite": list(SUITES), "libelle_suite": list(SUITES.values())})
        .join(comptes, on="suite", how="left", maintain_order="left")
        .select("libelle_suite", pl.col("nb").fill_null(0))
    )


@restreint
def ml_sans_accord(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> pl.DataFrame:
    """ML qui n'ont jamais eu d'accord signé à la date : aucun accord signé, échu ou dénoncé commencé au
    plus tard à la date. Colonnes : code_ml, nom_ml, code_departement, nom_departement, code_region,
    nom_region, situation, libelle_situation (aucun accord transmis, non engagée, premier accord en
    négociation), nb_accords."""
    df = accords_ml(jeu, date_reference, code_region)
    tous = accords(jeu, code_region)
    deja = tous.filter(pl.col("statut").is_in(["signe", "echu", "denonce"])
                       & (pl.col("debut").is_null() | (pl.col("debut") <= date_reference)))["code_ml"].unique()
    return df.filter(~pl.col("code_ml").is_in(deja.to_list())).select(
        "code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region",
        "situation", "libelle_situation", "nb_accords")


# --------------------------------------------------------------------------------------------------
# Chiffres clés
# --------------------------------------------------------------------------------------------------

INDICATEURS_CHIFFRES = ("part_ml_accord", "accords_en_vigueur", "part_accords_socle",
                        "part_accords_participation_jeunes")
SENS = {"part_ml_accord": 1, "accords_en_vigueur": 1, "part_accords_socle": 1,
        "part_accords_participation_jeunes": 1, "ml_sans_accord": -1, "score_moyen": 1,
        "echeances_12_mois": 0}


def _chiffres_a_date(jeu: JeuDeDonnees, d: date, code_region: str | None) -> dict[str, float | None]:
    maille = "nationale" if code_region is None else "region"
    codes = None if code_region is None else [code_region]
    val = indicateurs.valeurs(jeu, maille, d.year, codes=codes, indicateurs=list(INDICATEURS_CHIFFRES),
                              date_reference=d)
    resultat = dict(zip(val["indicateur"].to_list(), val["valeur"].to_list()))
    vig = accords_en_vigueur(jeu, d, code_region)
    resultat["score_moyen"] = vig["score_completude"].mean() if vig.height else None
    resultat["ml_sans_accord"] = float(ml_sans_accord(jeu, d, code_region).height)
    return resultat


@restreint
def chiffres(jeu: JeuDeDonnees, date_reference: date, code_region: str | None = None) -> list[Chiffre]:
    """Chiffres clés à la date (et à la même date un an plus tôt si cette année est dans le jeu) :
    les indicateurs du registre ``INDICATEURS_CHIFFRES`` (mêmes valeurs que les autres pages), le score
    moyen de complétude des accords en vigueur et le nombre de ML sans aucun accord signé."""
    date_reference = _verifier_date(date_reference)
    code_region = _code_region(code_region)
    annees = indicateurs.annees_disponibles(jeu)
    if date_reference.year not in annees:
        raise ErreurRequete(f"L'année {date_reference.year} n'est pas dans le jeu de données.")
    avant = date_un_an_avant(date_reference)
    courant = _chiffres_a_date(jeu, date_reference, code_region)
    precedent = _chiffres_a_date(jeu, avant, code_region) if avant.year in annees else {}
    sortie = []
    for code in INDICATEURS_CHIFFRES:
        ind = indicateurs.REGISTRE[code]
        definition = (ind.definition.split(" Date de référence")[0]
                      + f" Date de référence : {libelle_date(date_reference)}.")
        sortie.append(Chiffre(code, ind.libelle, ind.unite, courant.get(code), precedent.get(code), definition,
                              indicateur=code))
    sortie.append(Chiffre("score_moyen", "Score moyen de complétude", "%", courant["score_moyen"],
                          precedent.get("score_moyen"),
                          "Moyenne des scores de complétude des accords en vigueur. " + REGLE_COMPLETUDE))
    sortie.append(Chiffre("ml_sans_accord", "ML sans aucun accord signé", "ML", courant["ml_sans_accord"],
                          precedent.get("ml_sans_accord"),
                          "Missions Locales qui n'ont jamais eu d'accord signé à la date : aucun accord transmis, "
                          "non engagées, ou premier accord encore en négociation."))
    return sortie
