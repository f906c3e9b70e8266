"""Portrait d'un territoire mis en forme, sans Streamlit : ce que ``pages/portrait.py`` affiche, à partir
des résultats de ``requetes.comparaison`` (``portrait``, ``contexte``, ``synthese_alertes``,
``alertes_du_territoire``).

- en-tête : période, ligne d'identité du territoire ;
- chiffres de contexte (``chiffres_contexte``, ``densite``) ;
- tableau des indicateurs par thème, coloré selon l'appréciation (``tableau_indicateurs``) ;
- alertes de la carte : résumé, tableau des neuf alertes, constats écrits (``presentation.alertes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import polars as pl
from pandas.io.formats.style import Styler

from presentation import alertes as alertes_ecrites
from presentation import comparables
from presentation import format as fmt
from presentation.comparaison import LIBELLES_POSITIONS
from presentation.couverture import adapter_texte
from requetes import comparaison as C
from requetes.couverture import Couverture
from requetes.indicateurs import REGISTRE, THEMES

FONDS = {C.MIEUX: "#B8FEC9", C.MOINS_BIEN: "#FFE9E9", C.EGAL: "#EEEEEE"}
TEXTES = {C.MIEUX: "#18753C", C.MOINS_BIEN: "#CE0500", C.EGAL: "#161616"}
SYMBOLES = {C.MIEUX: " ✓", C.MOINS_BIEN: " ✗", C.EGAL: " ="}
LEGENDE = ("✓ fond vert : mieux ; ✗ fond rose : moins bien ; = : pareil — toujours *selon le sens de l'indicateur* "
           "(pour le taux de NEET, plus bas est mieux). Valeur comparée à la France ; évolution comparée à la période "
           "précédente. Pas de couleur pour un indicateur sans sens, ni face à la France pour un volume (jeunes, "
           "euros, ETP), qui dépend surtout de la taille du territoire.")
AIDE_RANG = ("Rang : 1 = le meilleur de la maille selon le sens de l'indicateur (sans sens : la valeur la plus haute). "
             "Centile : part des autres territoires de la maille classés après lui, un ex æquo comptant pour moitié (100 = seul premier).")
AIDE_EVOLUTION = "Écart à la période précédente de même durée ; ✓ / ✗ selon le sens de l'indicateur."
AIDE_DENSITE = ("Population municipale ÷ superficie des communes du territoire (référentiel géographique) : "
                "caractère rural ou urbain.")
# En-têtes des téléchargements du portrait : indicateurs, constats d'alerte, territoires comparables.
LIBELLES_EXPORT = {
    **LIBELLES_POSITIONS,
    "precedente": "Période précédente", "evolution": "Évolution",
    "appreciation_evolution": "Sens de l'évolution", "alerte": "Code alerte", "numero": "N°",
    "libelle_alerte": "Alerte", "niveau": "Grain", "code_objet": "Code", "nom_objet": "Commune ou ML",
    "code_departement": "Département", "codes_ml": "Missions Locales", "cas": "Cas", "reference": "Seuil ou référence",
    "jeunes": "Jeunes de 16 à 25 ans", "constat": "Constat",
    **comparables.LIBELLES_EXPORT,
}


def valeur(v, unite: str) -> str:
    return fmt.format_valeur(v, unite)


def rang(r, n) -> str:
    """« 1ᵉʳ / 12 », « 3ᵉ / 12 » ; un tiret sans rang."""
    if r is None or n is None:
        return fmt.TIRET
    return f"{fmt.nombre(r)}ᵉ / {fmt.nombre(n)}" if r > 1 else f"1ᵉʳ / {fmt.nombre(n)}"


def css(a) -> str:
    """Style d'une cellule selon l'appréciation (mieux, moins bien, égal) ; rien sinon."""
    if a in FONDS:
        return f"background-color: {FONDS[a]}; color: {TEXTES[a]}; font-weight: 600"
    return ""


# --------------------------------------------------------------------------------------------------
# En-tête


def territoire_par_defaut(territoires: pl.DataFrame, code_region: str | None) -> str | None:
    """Le premier territoire de la région choisie dans la barre latérale, s'il y en a une."""
    if not code_region:
        return None
    dans_region = territoires.filter(pl.col("code_region") == code_region)["code"]
    return dans_region[0] if len(dans_region) else None


def periode(debut: int, fin: int) -> str:
    """« 2025 » pour une année seule, « 2023 à 2025 » pour une période."""
    return str(fin) if debut == fin else f"{debut} à {fin}"


def periode_precedente(avant: tuple[int, int] | None) -> str | None:
    """La période précédente de même durée (``requetes.comparaison.periode_precedente``) : « 2024 »,
    « 2021-2022 », rien s'il n'y en a pas."""
    if avant is None:
        return None
    return str(avant[0]) if avant[0] == avant[1] else f"{avant[0]}-{avant[1]}"


def titre(ligne: dict) -> str:
    """Le nom du territoire, échappé pour Markdown (nom d'une ML : tel quel)."""
    return fmt.echapper_markdown(ligne["nom"])


def identite(maille: str, code: str, ligne: dict, texte_periode: str) -> str:
    """« Département 23 · région Nouvelle-Aquitaine · **2025** » (Markdown)."""
    morceaux = (C.LIBELLES_MAILLE_SINGULIER[maille] + f" {fmt.echapper_markdown(code)}",
                f"région {fmt.echapper_markdown(ligne['nom_region'])}" if maille != "region" else None,
                f"**{texte_periode}**")
    return " · ".join(x for x in morceaux if x)


# --------------------------------------------------------------------------------------------------
# Chiffres de contexte

CHIFFRES = (("population_16_25", "Jeunes 16-25 ans"), ("taux_neet", "Taux de NEET"),
            ("de_moins_26_pour_1000", "DE < 26 ans ‰"), ("taux_couverture", "Couverture NEET"))


@dataclass(frozen=True)
class Chiffre:
    """Un chiffre de contexte, prêt pour ``interface.metriques.metrique``."""
    libelle: str
    valeur: float | None
    unite: str
    aide: str
    precedente: float | None
    sens: int
    note: str | None
    avec_unite: bool


def chiffres_contexte(portrait: pl.DataFrame) -> list[Chiffre]:
    """Les chiffres en tête du portrait (``CHIFFRES``) : valeur, période précédente, et la France pour un
    ratio ou la part du national pour un volume."""
    par_code = {r["indicateur"]: r for r in portrait.iter_rows(named=True)}
    chiffres = []
    for code_ind, court in CHIFFRES:
        r = par_code[code_ind]
        i = REGISTRE[code_ind]
        note = f"France : {valeur(r['valeur_nationale'], i.unite)}" if i.est_ratio else (
            f"{fmt.pourcentage(r['part_nationale'], 2)} du total national" if r["part_nationale"] is not None else None)
        chiffres.append(Chiffre(court, r["valeur"], i.unite, f"**{i.libelle}** : {i.formule}.\n\n{i.definition}",
                                r["precedente"], i.sens, note, i.unite not in ("jeunes",)))
    return chiffres


@dataclass(frozen=True)
class Densite:
    valeur: str  # « 42 », « 3,5 » (une décimale sous 10 habitants par km²), un tiret sans donnée
    habitants: str | None  # « 120 345 habitants »


def densite(contexte: pl.DataFrame) -> Densite:
    """La densité du territoire, d'après sa ligne de ``requetes.comparaison.contexte`` (vide : inconnue)."""
    d = contexte["densite"].first() if contexte.height else None
    population = contexte["population"].first() if contexte.height else None
    return Densite(fmt.nombre(d, 1 if (d or 0) < 10 else 0),
                   f"{fmt.nombre(population)} habitants" if population is not None else None)


# --------------------------------------------------------------------------------------------------
# Indicateurs, par thème


@dataclass
class TableauIndicateurs:
    style: Styler  # le tableau, coloré selon l'appréciation
    couleurs: pd.DataFrame  # le style CSS de chaque cellule (mêmes lignes et colonnes)
    lignes: int
    colonne_evolution: str  # « Depuis 2024 », ou « Évolution » sans période précédente
    titre_serie: str  # « 2021-2025 »


def tableau_indicateurs(portrait: pl.DataFrame, maille: str, texte_avant: str | None,
                        annees: list[int], couverture: Couverture | None = None) -> TableauIndicateurs:
    """Un seul tableau, le thème en colonne (dans l'ordre des thèmes du registre) : valeur, France,
    région (sauf à la maille région), écart à la France ou part du national, rang, centile, évolution et
    série annuelle (``annees`` : celles du jeu). La mise en couleur (pandas Styler) coûte ~25 ms par
    tableau à chaque exécution, quel que soit son nombre de lignes : six tableaux dépassaient le budget
    d'une interaction. ``couverture`` (jeu partiel) : la référence est la zone couverte, pas la France
    (``presentation.couverture``)."""
    par_code = {r["indicateur"]: r for r in portrait.iter_rows(named=True)}
    france, ecart_france, du_national = (adapter_texte(t, couverture)
                                         for t in ("France", "Écart à la France", "du national"))
    colonne_evolution = f"Depuis {texte_avant}" if texte_avant else "Évolution"
    lignes, styles = [], []
    for nom_theme, codes_theme in THEMES.items():
        for code_ind in codes_theme:
            r = par_code[code_ind]
            u = r["unite"]
            ecart = (fmt.ecart(r["ecart_national"], u) if r["ecart_national"] is not None
                     else (f"{fmt.pourcentage(r['part_nationale'], 2)} {du_national}"
                           if r["part_nationale"] is not None else fmt.TIRET))
            lignes.append({
                "Thème": nom_theme,
                "Indicateur": r["libelle"],
                "Valeur": valeur(r["valeur"], u) + SYMBOLES.get(r["appreciation"], ""),
                france: valeur(r["valeur_nationale"], u),
                **({} if maille == "region" else {"Région": valeur(r["valeur_region"], u)}),
                ecart_france: ecart,
                "Rang": rang(r["rang"], r["nb"]),
                "Centile": fmt.nombre(r["centile"]),
                colonne_evolution: fmt.ecart(r["evolution"], u) + SYMBOLES.get(r["appreciation_evolution"], ""),
                "Série": r["serie"] or [],
            })
            styles.append((r["appreciation"], r["appreciation_evolution"]))
    df = pd.DataFrame(lignes)
    # couleur : appréciation face à la France (valeur, écart) et sens de l'évolution
    colorees = {"Valeur": 0, ecart_france: 0, colonne_evolution: 1}
    styles_css = pd.DataFrame(
        [[css(a[colorees[c]]) if c in colorees else "" for c in df.columns] for a in styles],
        index=df.index, columns=df.columns)
    ordre = sorted(annees)
    return TableauIndicateurs(
        style=df.style.apply(lambda _, css_=styles_css: css_, axis=None), couleurs=styles_css, lignes=len(lignes),
        colonne_evolution=colonne_evolution, titre_serie=f"{ordre[0]}-{ordre[-1]}" if ordre else "Série")


def export_indicateurs(portrait: pl.DataFrame) -> pl.DataFrame:
    """Le portrait tel qu'on le télécharge (colonnes de travail en moins)."""
    return portrait.drop("maille", "est_ratio", "serie", "serie_nationale")


# --------------------------------------------------------------------------------------------------
# Alertes de la carte


def resume_alertes(synthese: pl.DataFrame, annee: int) -> str:
    """« **2 alertes sur 9** en 2025 (seuils par défaut de la carte). » (Markdown), d'après
    ``requetes.comparaison.synthese_alertes``."""
    n = synthese.filter(pl.col("nb") > 0).height
    return (f"**{fmt.nombre(n)} alerte{'s' if n > 1 else ''} sur {fmt.nombre(synthese.height)}** en {annee} "
            "(seuils par défaut de la carte).")


def tableau_alertes(synthese: pl.DataFrame) -> pd.DataFrame:
    """Les neuf alertes (``requetes.comparaison.synthese_alertes``) : objets concernés, jeunes, règle."""
    return pd.DataFrame([{
        "N°": str(r["numero"]), "Alerte": r["libelle"],
        "Concernés": fmt.nombre(r["nb"]) if r["nb"] else "aucun",
        "Jeunes de 16 à 25 ans": fmt.nombre(r["jeunes"]) if r["jeunes"] else "",
        "Règle (seuils par défaut)": alertes_ecrites.texte_regle(r["alerte"]),
    } for r in synthese.iter_rows(named=True)]).set_index("N°")


def constats_alertes(constats: pl.DataFrame, annee: int) -> pl.DataFrame:
    """Les constats du territoire (``requetes.comparaison.alertes_du_territoire``, seuils par défaut) avec
    leur phrase : colonnes de ``presentation.alertes.constats``, telles qu'on les télécharge."""
    return alertes_ecrites.ecrire(constats, annee)


def affichage_constats(constats: pl.DataFrame) -> pl.DataFrame:
    """Les colonnes montrées des constats écrits : N°, alerte, commune ou ML, constat."""
    return constats.select(pl.col("numero").alias("N°"), pl.col("libelle_alerte").alias("Alerte"),
                           pl.col("nom_objet").alias("Commune ou ML"), pl.col("constat").alias("Constat"))
