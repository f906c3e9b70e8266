"""Le périmètre du jeu de données en mots (sans Streamlit) : ce que ``requetes.couverture`` rend en codes.

- ``libelle(c)`` : « France entière » pour un jeu national, sinon la zone couverte : « Bretagne »,
  « Bretagne et Normandie », « Guadeloupe (département 971) », « Finistère (département 29) »,
  « Côtes-d'Armor (22) et Finistère (29) » ; une région entièrement couverte (plusieurs départements)
  est nommée par son nom, sinon ses départements couverts ;
- ``reference(c)`` : le nom de la valeur de référence d'un tableau ou d'un graphique : « France » pour un
  jeu national, « Zone couverte (Bretagne) » sinon — jamais la France quand le jeu ne la contient pas ;
- ``adapter(objet, c)`` : un texte, un tableau (en-têtes, cellules « France »), une figure Plotly (noms des
  séries, annotations) ou un assemblage de ceux-ci, dont la référence « France » devient la zone couverte
  pour un jeu partiel (« Écart à la France » → « Écart à la zone couverte ») ; rien ne change pour un jeu
  national (« France Travail » n'est jamais touché) ;
- ``phrase(c)`` : « Ce jeu couvre : Bretagne. » (en-tête, pied de page, page Données) ;
- ``libelle_region(c, code, nom)`` : l'option d'une région dans le filtre partagé (son nom, ou ses
  départements couverts quand elle ne l'est qu'en partie) ;
- ``note_comparaisons(c)`` : ce que deviennent rangs, médianes et références sur un jeu partiel ;
- ``comparer(avant, apres)`` : ce que change une nouvelle version par rapport à celle en service (import).

Les noms viennent du référentiel géographique embarqué (``donnees.referentiel``), jamais des exports.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import polars as pl

from donnees import referentiel
from requetes.couverture import Couverture

LIBELLE_FRANCE = "France entière"
REFERENCE_FRANCE = "France"


@lru_cache(maxsize=1)
def _noms() -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]:
    """(nom de chaque région, nom de chaque département, départements de chaque région)."""
    regions = referentiel.regions()
    deps = referentiel.departements()
    par_region: dict[str, list[str]] = {}
    for d, r in zip(deps["code_departement"].to_list(), deps["code_region"].to_list()):
        par_region.setdefault(r, []).append(d)
    return (dict(zip(regions["code_region"].to_list(), regions["nom_region"].to_list())),
            dict(zip(deps["code_departement"].to_list(), deps["nom_departement"].to_list())),
            {r: tuple(sorted(ds)) for r, ds in par_region.items()})


def nom_region(code: str) -> str:
    return _noms()[0].get(code, code)


def nom_departement(code: str) -> str:
    return _noms()[1].get(code, code)


def enumerer(morceaux: list[str]) -> str:
    """« A », « A et B », « A, B et C »."""
    if len(morceaux) <= 1:
        return "".join(morceaux)
    return ", ".join(morceaux[:-1]) + " et " + morceaux[-1]


def _departements(codes: list[str]) -> str:
    """« Finistère (département 29) » pour un seul ; « Côtes-d'Armor (22) et Finistère (29) » sinon."""
    if len(codes) == 1:
        return f"{nom_departement(codes[0])} (département {codes[0]})"
    return enumerer([f"{nom_departement(c)} ({c})" for c in codes])


def _morceaux(c: Couverture) -> list[tuple[str, list[str]]]:
    """(nom de région ou None, départements) de chaque partie de la zone, régions dans l'ordre des noms."""
    _, _, deps_region = _noms()
    parties = []
    for r in sorted(c.regions, key=lambda r: nom_region(r)):
        couverts = list(c.departements_de(r))
        complete = set(deps_region.get(r, ())) <= set(couverts)
        parties.append((nom_region(r) if complete and len(couverts) > 1 else "", couverts))
    return parties


def libelle(c: Couverture) -> str:
    """Le nom de ce que couvre le jeu (« France entière » pour un jeu national)."""
    if c.national:
        return LIBELLE_FRANCE
    if not c.regions:
        return "aucun territoire (le jeu n'a aucune Mission Locale)"
    regions_entieres = [nom for nom, _ in _morceaux(c) if nom]
    departements = [d for nom, deps in _morceaux(c) if not nom for d in deps]
    morceaux = list(regions_entieres)
    if departements:
        morceaux.append(_departements(departements))
    return enumerer(morceaux)


def libelle_court(c: Couverture) -> str:
    """La zone sans parenthèses ni codes, pour une référence entre parenthèses : « Bretagne »,
    « Guadeloupe », « Côtes-d'Armor et Finistère »."""
    if c.national:
        return LIBELLE_FRANCE
    morceaux = []
    for nom, deps in _morceaux(c):
        morceaux += [nom] if nom else [nom_departement(d) for d in deps]
    return enumerer(morceaux)


def reference(c: Couverture) -> str:
    """Nom de la valeur de référence : « France » (jeu national) ou « Zone couverte (Bretagne) »."""
    if c.national:
        return REFERENCE_FRANCE
    return f"Zone couverte ({libelle_court(c)})"


# Phrases de la référence nationale et leur équivalent pour la zone d'un jeu partiel, dans l'ordre (les plus
# longues d'abord) ; « France Travail » n'est jamais touché.
_PAS_TRAVAIL = r"(?! Travail)"
_REMPLACEMENTS = (
    (re.compile(r"\bla France entière\b"), "toute la zone couverte"),
    (re.compile(r"\bFrance entière\b"), "{zone}"),
    (re.compile(r"\bToute la France\b"), "Toute la zone couverte"),
    (re.compile(r"\btoute la France\b"), "toute la zone couverte"),
    (re.compile(r"\bla France" + _PAS_TRAVAIL + r"\b"), "la zone couverte"),
    (re.compile(r"\bLa France" + _PAS_TRAVAIL + r"\b"), "La zone couverte"),
    (re.compile(r"\bla valeur nationale\b"), "la valeur de la zone couverte"),
    (re.compile(r"\bmédiane nationale\b"), "médiane de la zone couverte"),
    (re.compile(r"\btotal national\b"), "total de la zone couverte"),
    (re.compile(r"\bdu national\b"), "de la zone couverte"),
    (re.compile(r"\bFrance" + _PAS_TRAVAIL + r"\b"), "{reference}"),
)


def adapter_texte(texte: str, c: Couverture | None) -> str:
    """Un texte dont la référence nationale devient la zone couverte d'un jeu partiel (inchangé sinon)."""
    if c is None or c.national or not isinstance(texte, str) or ("France" not in texte and "national" not in texte):
        return texte
    zone, ref = libelle(c), reference(c)
    for motif, remplacement in _REMPLACEMENTS:
        texte = motif.sub(remplacement.format(zone=zone, reference=ref).replace("\\", "\\\\"), texte)
    return texte


# Dans les cellules d'un tableau (expressions Polars natives, sans motif d'exclusion) : phrases exactes.
_CELLULES = (("que la France", "que la zone couverte"), ("Comme la France", "Comme la zone couverte"),
             ("médiane nationale", "médiane de la zone couverte"), ("total national", "total de la zone couverte"),
             ("du national", "de la zone couverte"))


def _adapter_tableau(df: pl.DataFrame, c: Couverture) -> pl.DataFrame:
    ref = reference(c)
    df = df.rename({n: adapter_texte(n, c) for n in df.columns if adapter_texte(n, c) != n})
    cellules = [n for n, t in df.schema.items() if t == pl.Utf8]
    if not cellules:
        return df

    def cellule(n: str) -> pl.Expr:
        e = pl.col(n)
        for avant, apres in _CELLULES:
            e = e.str.replace_all(avant, apres, literal=True)
        return pl.when(pl.col(n) == REFERENCE_FRANCE).then(pl.lit(ref)).otherwise(e).alias(n)

    return df.with_columns(cellule(n) for n in cellules)


def _adapter_figure(fig: go.Figure, c: Couverture) -> go.Figure:
    copie = go.Figure(fig)  # les figures des caches sont partagées : jamais modifiées sur place
    for trace in copie.data:
        for attribut in ("name", "hovertemplate", "text"):
            valeur = getattr(trace, attribut, None)
            if isinstance(valeur, str):
                setattr(trace, attribut, adapter_texte(valeur, c))
    for annotation in copie.layout.annotations or ():
        if isinstance(annotation.text, str):
            annotation.text = adapter_texte(annotation.text, c)
    if copie.layout.title and isinstance(copie.layout.title.text, str):
        copie.layout.title.text = adapter_texte(copie.layout.title.text, c)
    return copie


def adapter(objet, c: Couverture | None):
    """``objet`` (texte, tableau Polars, figure Plotly, dataclass, tuple, liste, dictionnaire de ceux-ci) dont
    la référence « France » devient la zone couverte d'un jeu partiel ; tel quel pour un jeu national. Une
    copie : rien n'est modifié sur place."""
    if c is None or c.national or objet is None:
        return objet
    if isinstance(objet, str):
        return adapter_texte(objet, c)
    if isinstance(objet, pl.DataFrame):
        return _adapter_tableau(objet, c)
    if isinstance(objet, go.Figure):
        return _adapter_figure(objet, c)
    if isinstance(objet, pd.DataFrame):  # st.table : en-têtes et cellules de texte
        copie = objet.rename(columns=lambda n: adapter_texte(n, c))
        return copie.apply(lambda col: col.map(lambda v: adapter_texte(v, c))
                           if col.dtype == object or pd.api.types.is_string_dtype(col) else col)
    if dataclasses.is_dataclass(objet) and not isinstance(objet, type):
        champs = {f.name: adapter(getattr(objet, f.name), c) for f in dataclasses.fields(objet) if f.init}
        return dataclasses.replace(objet, **champs)
    if isinstance(objet, tuple) and not hasattr(objet, "_fields"):
        return tuple(adapter(x, c) for x in objet)
    if isinstance(objet, list):
        return [adapter(x, c) for x in objet]
    if isinstance(objet, dict):
        return {k: adapter(v, c) for k, v in objet.items()}
    return objet


def phrase(c: Couverture) -> str:
    """« Ce jeu couvre : Bretagne. » ; « Ce jeu couvre : France entière. » pour un jeu national."""
    if c.national:
        return f"Ce jeu couvre : {LIBELLE_FRANCE}."
    return f"Ce jeu couvre : {libelle(c)}."


def libelle_region(c: Couverture, code: str, nom: str) -> str:
    """Option d'une région dans le filtre partagé : son nom, ou, si le jeu n'en couvre qu'une partie, ses
    départements couverts (« Finistère (département 29) ») : la région entière n'est pas dans le jeu."""
    if c.national or code not in c.regions:
        return nom
    _, _, deps_region = _noms()
    couverts = list(c.departements_de(code))
    if set(deps_region.get(code, ())) <= set(couverts) and len(couverts) > 1:
        return nom
    return _departements(couverts)


def note_comparaisons(c: Couverture) -> str | None:
    """Ce que deviennent les comparaisons sur un jeu partiel (rien pour un jeu national)."""
    if c.national:
        return None
    return (f"Jeu partiel ({libelle(c)}) : rangs, médianes et valeurs de référence sont calculés sur les "
            "territoires présents dans le jeu, pas sur la France.")


def note_budget(c: Couverture) -> str | None:
    """Pourquoi la page Budget ne calcule aucun écart à l'enveloppe nationale sur un jeu partiel."""
    if c.national:
        return None
    return (f"Ce jeu ne couvre que {libelle(c)} : l'enveloppe, la valorisation annoncée, les ETP prévus et le "
            "forfait par ETP sont des paramètres **nationaux** de l'accord, alors que les parts des Missions "
            "Locales ne sont que celles de la zone couverte. Aucun écart à l'enveloppe nationale n'est donc "
            "calculé (il mesurerait le reste de la France, pas un défaut) ; seuls sont rapprochés les chiffres "
            "de la zone entre eux (montants des ML et forfait) et les paramètres nationaux entre eux.")


def comparer(avant: Couverture | None, apres: Couverture) -> str | None:
    """Ce qu'une nouvelle version change au périmètre du jeu en service (None s'il ne change pas)."""
    if avant is None or (avant.national, avant.regions, avant.departements) == (
            apres.national, apres.regions, apres.departements):
        return None
    return (f"La version en service couvre {libelle(avant)} ; la nouvelle ne couvre que {libelle(apres)}."
            if avant.national and not apres.national else
            f"La version en service couvre {libelle(avant)} ; la nouvelle couvre {libelle(apres)}.")
