"""« Territoires comparables » (pages de comparaison et de portrait), sans Streamlit : le tableau des
voisins de contexte (``requetes.comparaison.comparables``) mis en forme à la française, les textes qui
l'accompagnent et les libellés de son fichier téléchargeable. La brique Streamlit qui l'affiche est
``interface.comparables``.
"""

from __future__ import annotations

import polars as pl

from presentation import format as fmt
from requetes.comparaison import VARIABLES_CONTEXTE

# Deux introductions : la page de comparaison explique à quoi servent les voisins, le portrait les
# annonce seulement.
INTRODUCTION = ("Les territoires les plus proches par leur **contexte** : jeunes de 16 à 25 ans, taux de NEET, "
                "demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes, densité de population (rural ou urbain). "
                "Pour comparer ce qui est comparable.")
INTRODUCTION_COURTE = ("Les territoires les plus proches par leur **contexte** (jeunes de 16 à 25 ans, taux de NEET, "
                       "demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes, densité de population).")
AIDE = (" ".join(f"{v.libelle} : {v.definition}" for v in VARIABLES_CONTEXTE)
        + " Chaque variable est centrée-réduite sur la maille ; distance euclidienne, poids égaux.")
SANS_CONTEXTE = ("Pas de territoire comparable : il manque à ce territoire une des variables de contexte "
                 "(jeunes, NEET, demandeurs d'emploi ou densité).")
SANS_VOISIN = "Aucun autre territoire de la maille n'a toutes les variables de contexte dans ce périmètre."
LEGENDE_DISTANCE = "Distance : 0 = contexte identique ; autour de 1, un écart-type d'écart sur une variable."
PERIMETRES = {"france": "Partout", "region": "Même région"}
MARQUE_REFERENCE = "➤ "

# En-têtes du fichier téléchargé (colonnes de ``requetes.comparaison.comparables``).
LIBELLES_EXPORT = {
    "code": "Code", "nom": "Territoire", "code_region": "Code région", "distance": "Distance de contexte",
    "proximite": "Proximité (0 = territoire de référence)", "population_16_25": "Jeunes de 16 à 25 ans",
    "taux_neet": "Taux de NEET (%)", "de_moins_26_pour_1000": "Demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes",
    "densite": "Densité (hab./km²)", "population": "Population municipale", "superficie_km2": "Superficie (km²)",
}


def densite(valeur) -> str:
    """Habitants par km² : une décimale sous 10 (« 4,2 »), entier au-delà (« 1 234 »)."""
    return fmt.nombre(valeur, 1 if (valeur or 0) < 10 else 0)


def distance(valeur, proximite) -> str:
    """« référence » pour le territoire de référence (proximité 0), sinon la distance à deux décimales."""
    return "référence" if proximite == 0 else fmt.nombre(valeur, 2)


def tableau(voisins: pl.DataFrame) -> pl.DataFrame:
    """Le territoire de référence (marqué « ➤ ») puis ses voisins, dans l'ordre de ``voisins`` : textes
    prêts à afficher (nombres à la française, mis en forme après être sortis de Polars)."""
    textes = voisins.select(
        pl.when(pl.col("proximite") == 0).then(pl.lit(MARQUE_REFERENCE) + pl.col("nom")).otherwise(pl.col("nom"))
        .alias("Territoire"),
        pl.col("code").alias("Code"),
    )
    return textes.with_columns(
        pl.Series("Jeunes de 16 à 25 ans", fmt.textes(fmt.nombre, voisins["population_16_25"]), dtype=pl.Utf8),
        pl.Series("Taux de NEET", fmt.textes(fmt.pourcentage, voisins["taux_neet"]), dtype=pl.Utf8),
        pl.Series("DE < 26 ans pour 1 000 jeunes", fmt.textes(fmt.pour_mille, voisins["de_moins_26_pour_1000"]),
                  dtype=pl.Utf8),
        pl.Series("Densité (hab./km²)", fmt.textes(densite, voisins["densite"]), dtype=pl.Utf8),
        pl.Series("Distance", fmt.textes(distance, voisins["distance"], voisins["proximite"]), dtype=pl.Utf8),
    )


__all__ = [
    "AIDE", "INTRODUCTION", "INTRODUCTION_COURTE", "LEGENDE_DISTANCE", "LIBELLES_EXPORT", "PERIMETRES",
    "SANS_CONTEXTE", "SANS_VOISIN", "densite", "distance", "tableau",
]
