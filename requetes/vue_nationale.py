"""Requêtes de la page d'accueil (Vue nationale) qui s'ajoutent au registre des indicateurs.

- ``chiffres_cles(jeu, annee, code_region=None)`` : les chiffres de la page, avec l'année précédente.
  France entière : ``indicateurs.synthese_nationale`` plus l'objectif des ML ; une région : les mêmes
  indicateurs du registre à la maille région, les paramètres nationaux de l'enveloppe restant ceux de
  la France (ils n'existent qu'à cette maille).
- ``points_attention(jeu, annee, code_region=None)`` : 3 à 4 constats calculés, chacun avec sa règle.

Aucune mise en forme ici (elle est faite par ``presentation.format``) et aucun import de Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from requetes import indicateurs as ind
from requetes.couverture import couverture
from requetes.indicateurs import REGISTRE, Chiffre
from requetes.jeu import JeuDeDonnees
from requetes.mesures import ErreurRequete, verifier_annee, verifier_code_region
from requetes.perimetre import restreint

# Indicateurs du registre repris sur la page ; ceux de synthese_nationale, plus l'objectif des ML.
INDICATEURS_PAGE = (
    "enveloppe_ml", "valorisation_etp", "subvention_compensatoire", "credits_financiers",
    "etp_affectes", "etp_compenses", "etp_mobilises", "nb_ml", "part_ml_agent", "part_ml_accord",
    "orientes_ft_ml", "entrees_delegation", "taux_acceptation", "taux_entree", "taux_transformation",
    "jeunes_accompagnes", "objectif_entrees", "atteinte_objectif",
)

# Indicateurs proposés pour le graphique par région (tous « plus haut = mieux »).
INDICATEURS_CARTE_REGIONS = ("atteinte_objectif", "taux_transformation", "part_ml_accord", "part_ml_agent")
LIBELLES_COURTS_REGIONS = {
    "atteinte_objectif": "Objectif d'entrées",
    "taux_transformation": "Orientés → entrés",
    "part_ml_accord": "ML avec accord",
    "part_ml_agent": "ML avec agent",
}


def _valeurs_territoire(jeu: JeuDeDonnees, maille: str, code: str | None, annee: int,
                        codes_ind: list[str]) -> dict[str, dict]:
    """Indicateur -> ligne de ``indicateurs.valeurs`` (numerateur, denominateur, valeur) du territoire."""
    df = ind.valeurs(jeu, maille, annee, codes=None if code is None else [code], indicateurs=codes_ind)
    return {r["indicateur"]: r for r in df.iter_rows(named=True)}


@restreint
def chiffres_cles(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> dict[str, Chiffre]:
    """Chiffres de la page d'accueil pour la France entière ou une région, avec l'année précédente.

    Clés : celles de ``indicateurs.synthese_nationale`` (enveloppe nationale et ses parts, ETP prévus,
    objectif national…) et les codes de ``INDICATEURS_PAGE``. Pour une région, les chiffres du registre
    sont ceux de la région ; ``atteinte_objectif_national`` et ``part_repartie`` y sont absents, comme sur
    un jeu partiel (``requetes.couverture`` : la zone du jeu n'est pas la France).
    """
    annee = verifier_annee(annee)
    code_region = verifier_code_region(code_region)
    disponibles = ind.annees_disponibles(jeu)
    if annee not in disponibles:
        raise ErreurRequete(f"Année absente du jeu de données : {annee}. Années présentes : {disponibles}.")
    precedente = annee - 1 if (annee - 1) in disponibles else None
    chiffres = dict(ind.synthese_nationale(jeu, annee))

    maille, code = ("nationale", None) if code_region is None else ("region", code_region)
    en_plus = [c for c in INDICATEURS_PAGE if code_region is not None or c not in chiffres]
    courant = _valeurs_territoire(jeu, maille, code, annee, en_plus)
    avant = _valeurs_territoire(jeu, maille, code, precedente, en_plus) if precedente else {}
    if code_region is not None and not courant:
        raise ErreurRequete(f"Région absente du jeu de données : {code_region!r}.")
    for c in en_plus:
        i = REGISTRE[c]
        v = courant.get(c, {}).get("valeur") if courant.get(c) else None
        p = avant.get(c, {}).get("valeur") if avant.get(c) else None
        chiffres[c] = Chiffre(c, i.libelle, i.unite, v, p, i.definition, indicateur=c)
    if code_region is not None or couverture(jeu).partiel:
        # une région, ou toute la zone d'un jeu partiel : ses ML ne se rapportent pas aux chiffres nationaux
        chiffres.pop("atteinte_objectif_national", None)
        chiffres.pop("part_repartie", None)
    return chiffres


# --------------------------------------------------------------------------------------------------
# Points d'attention


@dataclass(frozen=True)
class PointAttention:
    """Un constat calculé sur les données.

    ``constat`` est un texte à trous ``{nom}`` ; ``valeurs[nom] = (valeur, unité)`` donne de quoi le
    compléter : la page met en forme selon l'unité (``presentation.format.format_valeur`` sans le libellé
    d'unité ; « nombre » = entier, « texte » = tel quel).
    ``regle`` dit comment le constat est calculé. ``niveau`` : « alerte » (à traiter), « info ».
    ``detail`` : les lignes concernées (territoires, ML), déjà triées. ``page`` : fichier de la page
    qui détaille le sujet.
    """

    cle: str
    titre: str
    constat: str
    valeurs: dict[str, tuple[object, str]]
    regle: str
    niveau: str
    page: str | None = None
    detail: pl.DataFrame | None = field(default=None, compare=False)


def _point_objectif(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> PointAttention:
    maille = "region" if code_region is None else "departement"
    mot, mots = ("région", "régions") if code_region is None else ("département", "départements")
    df = ind.valeurs(jeu, maille, annee, indicateurs=["atteinte_objectif"], code_region=code_region)
    avec = df.filter(pl.col("valeur").is_not_null())
    sous = avec.filter(pl.col("valeur") < 100).sort("valeur", "code")
    detail = sous.select("code", "nom", "valeur", pl.col("numerateur").alias("entrees"),
                         pl.col("denominateur").alias("objectif"))
    if code_region is None:
        qui, signale = "de la région", "Une région est signalée"
    else:
        qui, signale = "du département", "Un département est signalé"
    regle = (f"Atteinte de l'objectif = entrées en délégation du PPAE ÷ objectifs d'entrées des ML {qui} "
             f"× 100, sur l'année {annee}. {signale} sous 100 %.")
    if sous.is_empty():
        return PointAttention(
            "objectif", f"Tous les {mots} atteignent l'objectif d'entrées",
            "{n} " + mots + " sur {total} atteignent ou dépassent leur objectif.",
            {"n": (avec.height, "nombre"), "total": (avec.height, "nombre")}, regle, "info",
            "pages/orientations.py", detail,
        )
    pire = sous.row(0, named=True)
    return PointAttention(
        "objectif",
        f"{mots.capitalize()} les plus en deçà de l'objectif d'entrées",
        "{n} " + (mot if sous.height == 1 else mots) + " sur {total} sous l'objectif ; "
        + ("la plus en retrait" if code_region is None else "le plus en retrait")
        + " : {nom} ({valeur} de l'objectif).",
        {"n": (sous.height, "nombre"), "total": (avec.height, "nombre"), "nom": (pire["nom"], "texte"),
         "valeur": (pire["valeur"], "%")},
        regle, "alerte", "pages/orientations.py", detail,
    )


def _point_pertes_agent(jeu: JeuDeDonnees, annee: int, code_region: str | None,
                        precedente: int | None) -> PointAttention | None:
    if precedente is None:
        return None
    df = jeu.requete("vue_nationale_pertes_agent", {"annee": annee, "code_region": code_region})
    total = df.height
    pertes = df.filter(pl.col("perte"))
    regle = (f"ML ayant au moins un agent France Travail affecté (ETP affectés > 0) en {precedente} et "
             f"aucun en {annee} (ETP affectés nuls ou aucune allocation). Part calculée sur les ML qui "
             f"avaient un agent en {precedente}.")
    detail = pertes.select("code_ml", "nom_ml", "code_departement", "etp_precedent")
    part = 100.0 * pertes.height / total if total else None
    if pertes.is_empty():
        return PointAttention(
            "pertes_agent", "Aucune ML n'a perdu son agent affecté",
            ("La ML qui avait un agent affecté en {avant} l'a gardé en {annee}." if total == 1 else
             "Les {total} ML qui avaient un agent affecté en {avant} l'ont gardé en {annee}."),
            {"total": (total, "nombre"), "avant": (str(precedente), "texte"), "annee": (str(annee), "texte")},
            regle, "info", "pages/budget.py", detail,
        )
    return PointAttention(
        "pertes_agent", "ML qui ont perdu leur agent affecté",
        ("{n} ML sur {total} a perdu son agent affecté entre {avant} et {annee} ({part})." if pertes.height == 1
         else "{n} ML sur {total} ont perdu leur agent affecté entre {avant} et {annee} ({part})."),
        {"n": (pertes.height, "nombre"), "total": (total, "nombre"), "part": (part, "%"),
         "avant": (str(precedente), "texte"), "annee": (str(annee), "texte")},
        regle, "alerte", "pages/budget.py", detail,
    )


def _point_accords(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> PointAttention:
    reference = date(annee, 12, 31)
    df = jeu.requete("vue_nationale_accords", {"date_reference": reference, "code_region": code_region})
    sans = df.filter(~pl.col("en_vigueur"))
    expires = sans.filter(pl.col("expire"))
    negociation = sans.filter(pl.col("en_negociation"))
    regle = (f"Accord en vigueur au {reference.strftime('%d/%m/%Y')} : statut « signé » et date comprise "
             "entre le début (à défaut la signature) et la fin. Accord expiré non renouvelé : la ML n'a "
             "pas d'accord en vigueur mais un accord échu, dénoncé ou signé dont la date de fin est passée.")
    detail = sans.select("code_ml", "nom_ml", "code_departement", "expire", "en_negociation")
    if sans.is_empty():
        return PointAttention(
            "accords", "Toutes les ML ont un accord en vigueur",
            ("La ML a un accord en vigueur au 31 décembre {annee}." if df.height == 1 else
             "Les {total} ML ont un accord en vigueur au 31 décembre {annee}."),
            {"total": (df.height, "nombre"), "annee": (str(annee), "texte")}, regle, "info",
            "pages/accords.py", detail,
        )
    return PointAttention(
        "accords", "ML sans accord en vigueur",
        "{n} ML sur {total} sans accord en vigueur au 31 décembre {annee} : {expires} avec un accord échu ou "
        "dénoncé non renouvelé, {negociation} en négociation.",
        {"n": (sans.height, "nombre"), "total": (df.height, "nombre"), "annee": (str(annee), "texte"),
         "expires": (expires.height, "nombre"), "negociation": (negociation.height, "nombre")},
        regle, "alerte" if expires.height else "info", "pages/accords.py", detail,
    )


def _point_entonnoir(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> PointAttention | None:
    maille, code = ("nationale", None) if code_region is None else ("region", code_region)
    v = _valeurs_territoire(jeu, maille, code, annee, ["taux_acceptation", "taux_entree"])
    acc, ent = v.get("taux_acceptation"), v.get("taux_entree")
    if not acc or not ent or not acc["denominateur"]:
        return None
    orientes = acc["denominateur"]
    acceptes = acc["numerateur"] or 0.0
    entres = ent["numerateur"] or 0.0
    refuses = orientes - acceptes
    non_entres = acceptes - entres
    perdus = orientes - entres
    regle = ("« Double perte » (IGAS 2018) : jeunes orientés par France Travail en délégation du PPAE non "
             "acceptés par la ML (orientés − acceptés), puis acceptés jamais entrés en accompagnement "
             f"(acceptés − entrés), sur l'année {annee}. Parts rapportées aux jeunes orientés.")
    detail = pl.DataFrame(
        {"etape": ["Orientés", "Acceptés", "Entrés"], "jeunes": [orientes, acceptes, entres]},
        schema={"etape": pl.Utf8, "jeunes": pl.Float64},
    )
    return PointAttention(
        "entonnoir", "Pertes entre orientation et entrée",
        "Sur {orientes} jeunes orientés, {refuses} n'ont pas été acceptés et {non_entres} acceptés ne sont pas "
        "entrés : {perdus} jeunes perdus ({part}).",
        {"orientes": (orientes, "nombre"), "refuses": (refuses, "nombre"),
         "non_entres": (non_entres, "nombre"), "perdus": (perdus, "nombre"),
         "part": (100.0 * perdus / orientes, "%")},
        regle, "alerte" if perdus > 0 else "info", "pages/orientations.py", detail,
    )


@restreint
def points_attention(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> list[PointAttention]:
    """Points d'attention de l'année pour la France entière (ou une région) : objectif d'entrées par
    région (par département pour une région), ML qui ont perdu leur agent affecté, ML sans accord en
    vigueur, pertes de l'entonnoir orientés → acceptés → entrés. Les alertes d'abord."""
    annee = verifier_annee(annee)
    code_region = verifier_code_region(code_region)
    disponibles = ind.annees_disponibles(jeu)
    precedente = annee - 1 if (annee - 1) in disponibles else None
    points = [
        _point_objectif(jeu, annee, code_region),
        _point_pertes_agent(jeu, annee, code_region, precedente),
        _point_accords(jeu, annee, code_region),
        _point_entonnoir(jeu, annee, code_region),
    ]
    points = [p for p in points if p is not None]
    return sorted(points, key=lambda p: 0 if p.niveau == "alerte" else 1)


__all__ = ["INDICATEURS_CARTE_REGIONS", "INDICATEURS_PAGE", "LIBELLES_COURTS_REGIONS", "PointAttention", "chiffres_cles", "points_attention"]
