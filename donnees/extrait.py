"""Extraire d'un jeu d'exports national le jeu d'une région ou d'un département.

C'est le jeu qu'une ARML (ou un département) recevrait : toutes les tables du contrat, limitées à ses
Missions Locales. Règles :

- ``missions_locales`` : les ML dont le département (siège) est dans la zone ;
- ``territoires_ml``, ``sites_ml``, ``allocations``, ``orientations``, ``activite``, ``accords`` : les
  lignes de ces ML ;
- ``agences`` : les agences situées dans la zone, et celles que nomment les accords et les orientations
  gardés (une ML oriente aussi depuis des agences voisines) : les références restent valides ;
- ``contexte`` : les communes de la zone et celles des territoires des ML gardées ;
- ``enveloppe`` : inchangée (paramètres nationaux de l'accord).

Le résultat respecte le contrat (``donnees.valider``) ; ``tests/donnees/test_extrait.py`` le vérifie.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from donnees import referentiel
from donnees.contrat import TABLES


def departements_de(region: str | None = None, departement: str | None = None) -> list[str]:
    """Les départements de la zone (une région ou un département du référentiel) ; ValueError sinon."""
    if (region is None) == (departement is None):
        raise ValueError("Indiquer une région ou un département (un seul des deux).")
    deps = referentiel.departements()
    if region is not None:
        codes = deps.filter(pl.col("code_region") == region)["code_departement"].to_list()
        if not codes:
            connues = ", ".join(sorted(referentiel.regions()["code_region"].to_list()))
            raise ValueError(f"Région inconnue du référentiel géographique : {region!r} (codes : {connues}).")
        return sorted(codes)
    if departement not in set(deps["code_departement"].to_list()):
        raise ValueError(f"Département inconnu du référentiel géographique : {departement!r}.")
    return [departement]


def extraire(source: Path, sortie: Path, *, region: str | None = None, departement: str | None = None) -> Path:
    """Écrit dans ``sortie`` le jeu de ``source`` limité à la zone ; rend ``sortie``."""
    source, sortie = Path(source), Path(sortie)
    deps = departements_de(region, departement)
    communes_zone = referentiel.communes().filter(pl.col("code_departement").is_in(deps))["code_commune"]

    def lire(nom: str) -> pl.DataFrame:
        return pl.read_parquet(source / TABLES[nom].fichier)

    mls = lire("missions_locales").filter(pl.col("code_departement").is_in(deps))
    codes_ml = mls["code_ml"]
    tables = {"missions_locales": mls, "enveloppe": lire("enveloppe")}
    for nom in ("territoires_ml", "sites_ml", "allocations", "orientations", "activite", "accords"):
        tables[nom] = lire(nom).filter(pl.col("code_ml").is_in(codes_ml.implode()))
    agences_nommees = pl.concat([
        tables["orientations"].select("code_agence").drop_nulls(),
        tables["accords"].select(pl.col("codes_agences").explode().alias("code_agence")).drop_nulls(),
    ])["code_agence"].unique()
    tables["agences"] = lire("agences").filter(
        pl.col("code_commune").is_in(communes_zone.implode()) | pl.col("code_agence").is_in(agences_nommees.implode()))
    communes_gardees = pl.concat([communes_zone, tables["territoires_ml"]["code_commune"]]).unique()
    tables["contexte"] = lire("contexte").filter(pl.col("code_commune").is_in(communes_gardees.implode()))

    sortie.mkdir(parents=True, exist_ok=True)
    for nom, table in TABLES.items():
        tables[nom].write_parquet(sortie / table.fichier)
    return sortie
