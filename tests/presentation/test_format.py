"""Mise en forme française (presentation/format.py) : chaque cas est écrit en toutes lettres."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest

from presentation import format as fmt

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [
        (1_234_567, f"1{F}234{F}567"),
        (0, "0"),
        (-1500, f"-1{F}500"),
        (2.5, "3"),  # arrondi au plus proche, demi vers le haut (pas d'arrondi bancaire)
        (999.4, "999"),
    ],
)
def test_nombre(valeur, attendu):
    assert fmt.nombre(valeur) == attendu


def test_nombre_decimales_et_signe():
    assert fmt.nombre(324.45, 1) == "324,5"
    assert fmt.nombre(-0.04, 1) == "0,0"  # pas de « -0,0 »
    assert fmt.nombre(12, signe=True) == "+12"
    assert fmt.nombre(-12, signe=True) == "-12"
    assert fmt.nombre(0, signe=True) == "0"


@pytest.mark.parametrize(
    ("args", "kwargs", "attendu"),
    [
        ((49_100_000,), {}, f"49,1{E}M€"),
        ((14_625_000, 3), {}, f"14,625{E}M€"),
        ((14_625_000,), {}, f"14,6{E}M€"),
        ((45_000,), {}, f"45{F}000{E}€"),
        ((125_000, 3), {"echelle": "M"}, f"0,125{E}M€"),
        ((1_234_000_000,), {}, f"1,2{E}Md€"),
        ((999_999.6,), {}, f"1{F}000{F}000{E}€"),
        ((-1_500_000,), {"signe": True}, f"-1,5{E}M€"),
        ((250_000,), {"signe": True}, f"+250{F}000{E}€"),
        ((14_625_000,), {"precis": True}, f"14,625{E}M€"),
        ((14_500_000,), {"precis": True}, f"14,5{E}M€"),
        ((49_100_000,), {"precis": True}, f"49,1{E}M€"),
        ((14_000_000,), {"precis": True}, f"14,0{E}M€"),
        ((45_000,), {"precis": True}, f"45{F}000{E}€"),
        ((12_345,), {"echelle": "k"}, f"12,3{E}k€"),
    ],
)
def test_euros(args, kwargs, attendu):
    assert fmt.euros(*args, **kwargs) == attendu


def test_euros_echelle_inconnue():
    with pytest.raises(ValueError, match="Échelle inconnue"):
        fmt.euros(10, echelle="G")


def test_pourcentages_et_points():
    assert fmt.pourcentage(87.5) == f"87,5{E}%"
    assert fmt.pourcentage(87.54, 0) == f"88{E}%"
    assert fmt.pourcentage(100) == f"100,0{E}%"
    assert fmt.pour_mille(12.34) == f"12,3{E}‰"
    assert fmt.points(1.25) == f"+1,3{E}pt"
    assert fmt.points(-3) == f"-3,0{E}pts"
    assert fmt.points(0) == f"0,0{E}pt"


def test_dates():
    assert fmt.date_mois(date(2024, 3, 1)) == "mars 2024"
    assert fmt.date_mois(datetime(2024, 12, 15, 10, 0)) == "décembre 2024"
    assert fmt.date_mois("2023-01-01") == "janvier 2023"
    assert fmt.periode(date(2015, 1, 1), date(2025, 12, 1)) == "janvier 2015 – décembre 2025"
    assert fmt.periode(date(2024, 3, 1), date(2024, 3, 1)) == "mars 2024"
    assert fmt.periode(None, None) == "—"


@pytest.mark.parametrize("absente", [None, math.nan, float("nan")])
def test_valeurs_absentes(absente):
    for f in (fmt.nombre, fmt.euros, fmt.pourcentage, fmt.pour_mille, fmt.points, fmt.date_mois):
        assert f(absente) == "—"
    for unite in ("€", "%", "‰", "ETP", "jeunes", "ML", "€/jeune", "ratio", "nombre", None):
        assert fmt.format_valeur(absente, unite) == "—"
        assert fmt.ecart(absente, unite) == "—"


def test_valeur_absente_numpy():
    np = pytest.importorskip("numpy")
    assert fmt.format_valeur(np.float64("nan"), "%") == "—"
    assert fmt.format_valeur(np.int64(12), "jeunes") == f"12{E}jeunes"


@pytest.mark.parametrize(
    ("valeur", "unite", "kwargs", "attendu"),
    [
        (49_100_000, "€", {}, f"49,1{E}M€"),
        (14_625_000, "€", {"precis": True}, f"14,625{E}M€"),
        (45_000, "€", {}, f"45{F}000{E}€"),
        (87.5, "%", {}, f"87,5{E}%"),
        (12.25, "‰", {}, f"12,3{E}‰"),
        (324.5, "ETP", {}, f"324,5{E}ETP"),
        (325.0, "ETP", {}, f"325{E}ETP"),
        (325.0, "ETP", {"avec_unite": False}, "325"),
        (148_250, "jeunes", {}, f"148{F}250{E}jeunes"),
        (148_250.0, "jeunes", {"avec_unite": False}, f"148{F}250"),
        (437, "ML", {}, f"437{E}ML"),
        (1234.4, "€/jeune", {}, f"1{F}234{E}€/jeune"),
        (1.2345, "ratio", {}, "1,23"),
        (12.0, "nombre", {}, "12"),
        (12.5, "accords", {}, f"12,5{E}accords"),
    ],
)
def test_format_valeur(valeur, unite, kwargs, attendu):
    assert fmt.format_valeur(valeur, unite, **kwargs) == attendu


def test_ecart():
    assert fmt.ecart(1.25, "%") == f"+1,3{E}pt"  # écart de pourcentages : en points
    assert fmt.ecart(-350, "jeunes") == f"-350{E}jeunes"
    assert fmt.ecart(2_500_000, "€") == f"+2,5{E}M€"
    assert fmt.ecart(-9.3, "ETP") == f"-9,3{E}ETP"
    assert fmt.ecart(0.5, "‰") == f"+0,5{E}‰"


def test_textes_ligne_a_ligne_hors_de_polars():
    import polars as pl

    from presentation.format import nombre, textes

    df = pl.DataFrame({"v": [1234.5, None, 2.0], "u": ["€", "%", "ETP"]})
    attendu = [f"{nombre(v, 1)} {u}" for v, u in zip([1234.5, None, 2.0], ["€", "%", "ETP"])]
    assert textes(lambda v, u: f"{nombre(v, 1)} {u}", df["v"], df["u"]) == attendu
    assert textes(str, [1, 2]) == ["1", "2"]
    with pytest.raises(ValueError):  # colonnes de longueurs différentes : erreur, pas de troncature muette
        textes(lambda a, b: a, [1, 2], [1])


def test_nombre_identique_a_babel_sur_des_milliers_de_valeurs():
    """``nombre`` formate sans Babel (dix fois plus vite) : même texte que Babel fr_FR, calcul indépendant,
    sur des valeurs tirées au hasard (graine fixe) et les cas limites d'arrondi et de signe."""
    import random

    from babel.numbers import format_decimal

    from presentation.format import _decimal, nombre

    hasard = random.Random(20261205)
    valeurs = [0, -0.0, 0.5, -0.5, 1.005, 2.5, -2.5, 999.995, 1e15, -123456789.987, 12345.5, 1e-9, -1e-9]
    valeurs += [hasard.uniform(-1e9, 1e9) for _ in range(3000)]
    valeurs += [hasard.randint(-10**12, 10**12) for _ in range(1000)]
    valeurs += [round(hasard.uniform(-1000, 1000), hasard.randint(0, 4)) for _ in range(1000)]
    for v in valeurs:
        for decimales in (0, 1, 2, 3):
            motif = "#,##0" + ("." + "0" * decimales if decimales else "")
            attendu = format_decimal(_decimal(v, decimales), format=motif, locale="fr_FR",
                                     decimal_quantization=False)
            assert nombre(v, decimales) == attendu, (v, decimales)
