"""Règles métier jumelles en Polars de celles de ``requetes/sql/regles/`` (macros DuckDB).

Une règle s'écrit une fois par moteur ; ``tests/requetes/test_regles.py`` vérifie que les deux versions
donnent le même résultat sur les mêmes valeurs.

- ``ratio`` : un taux = facteur × Σ numérateur ÷ Σ dénominateur, NULL si le dénominateur est nul ou
  absent (macro ``ratio`` de ``regles/ratios.sql``). Les sommes se font d'abord, à la maille voulue :
  un taux de région n'est jamais la moyenne des taux de ses Missions Locales.
"""

from __future__ import annotations

import polars as pl


def ratio(numerateur: pl.Expr | str, denominateur: pl.Expr | str, facteur: float = 1.0) -> pl.Expr:
    """Expression Polars (flottant 64 bits) : ``facteur × numerateur ÷ denominateur``, nulle si le
    dénominateur est nul ou absent. Une chaîne désigne une colonne."""
    num = pl.col(numerateur) if isinstance(numerateur, str) else numerateur
    den = pl.col(denominateur) if isinstance(denominateur, str) else denominateur
    return (pl.when(den.is_null() | (den == 0)).then(None)
            .otherwise(facteur * num.cast(pl.Float64) / den.cast(pl.Float64)).cast(pl.Float64))


def ratio_valeurs(numerateur: float | None, denominateur: float | None, facteur: float = 1.0) -> float | None:
    """La même règle sur deux nombres (chiffres nationaux d'une page d'accueil)."""
    if numerateur is None or denominateur is None or denominateur == 0:
        return None
    return facteur * numerateur / denominateur
