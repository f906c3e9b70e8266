"""Discrétisation (mapclassify), couleurs et légende en français."""

from __future__ import annotations

import numpy as np
import pytest

from cartes import classes, legende
from cartes.classes import COULEUR_ABSENT, classer, classer_seuils


def test_intervalles_egaux_contre_calcul_direct():
    v = [0.0, 1.0, 2.0, 3.0, 7.0, 10.0]
    c = classer(v, "intervalles_egaux", 5)
    assert c.bornes == pytest.approx([0, 2, 4, 6, 8, 10])
    # ]a, b] ; la première classe inclut le minimum
    assert c.classes.tolist() == [0, 0, 0, 1, 3, 4]
    assert c.effectifs == [3, 1, 0, 1, 1]


def test_quantiles_effectifs_equilibres():
    rng = np.random.default_rng(1)
    v = rng.normal(50, 10, 1000).tolist()
    c = classer(v, "quantiles", 4)
    assert c.nb_classes == 4
    assert all(240 <= n <= 260 for n in c.effectifs)
    assert c.bornes[0] == pytest.approx(min(v)) and c.bornes[-1] == pytest.approx(max(v))
    # chaque valeur est dans sa classe
    b = c.bornes
    for x, k in zip(v, c.classes):
        assert (b[k] < x or (k == 0 and x == b[0])) and x <= b[k + 1] + 1e-9


def test_seuils_naturels_separent_les_groupes():
    v = [1, 1.2, 0.9, 10, 10.5, 11, 30, 31]
    c = classer(v, "seuils_naturels", 3)
    assert c.classes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


def test_valeurs_absentes_et_peu_de_valeurs():
    c = classer([None, 5.0, float("nan"), 5.0], "quantiles", 5)
    assert c.nb_classes == 1 and c.nb_absents == 2
    assert c.classes.tolist() == [-1, 0, -1, 0]
    assert c.couleurs_valeurs()[0] == COULEUR_ABSENT
    c2 = classer([1.0, 2.0, 2.0, 3.0], "quantiles", 6)
    assert c2.nb_classes <= 3
    vide = classer([None, None], "quantiles", 5)
    assert vide.nb_classes == 0 and vide.nb_absents == 2
    with pytest.raises(ValueError, match="Méthode de classes inconnue"):
        classer([1, 2], "au_hasard")


def test_palettes_du_clair_au_fonce():
    for sens in (-1, 0, 1):
        for n in range(1, 8):
            p = classes.palette(n, sens)
            assert len(p) == n == len(set(p))
    def clarte(h):
        return sum(int(h[i:i + 2], 16) for i in (1, 3, 5))
    bleus = classes.palette(5, 1)
    assert [clarte(c) for c in bleus] == sorted((clarte(c) for c in bleus), reverse=True)
    rouges = classes.palette(5, -1)
    assert [clarte(c) for c in rouges] == sorted((clarte(c) for c in rouges), reverse=True)


def test_seuils_fixes():
    c = classer_seuils([0, 1, 2, 5, None], [0, 0, 1, 2, 9], ["a", "b", "c", "d"], ["zéro", "un", "deux", "plus"])
    assert c.classes.tolist() == [0, 1, 2, 3, -1]
    assert legende.libelles_classes(c, "") == ["zéro", "un", "deux", "plus"]


def test_libelles_en_francais_avec_unites():
    c = classer([10.0, 20.0, 30.0, 40.0], "intervalles_egaux", 3)
    assert legende.libelles_classes(c, "%") == [
        "de 10,0\u00a0% à 20,0\u00a0%", "plus de 20,0\u00a0% à 30,0\u00a0%", "plus de 30,0\u00a0% à 40,0\u00a0%"]
    c = classer([1200.0, 35000.0, 1_250_000.0], "intervalles_egaux", 2)
    lib = legende.libelles_classes(c, "jeunes")
    assert lib[0] == "de 1\u202f200 à 625\u202f600" and "jeunes" not in lib[0]
    assert legende.ligne_unite("jeunes") == "En jeunes"
    c = classer([1e6, 5e7], "intervalles_egaux", 2)
    assert legende.libelles_classes(c, "€")[1] == "plus de 25,5\u00a0M€ à 50,0\u00a0M€"
    # bornes proches : assez de décimales pour les distinguer
    c = classer([0.10, 0.11, 0.12, 0.13], "intervalles_egaux", 3)
    lib = legende.libelles_classes(c, "%")
    assert len(set(lib)) == 3


def test_html_legende_echappe_et_complet():
    c = classer([1.0, None, 3.0], "quantiles", 2)
    h = legende.html_legende("Taux <b>", c, "%", "2024", points=[("#000", "Siège de ML")],
                             surfaces=[("#333", "Communes sans ML")])
    assert "Taux &lt;b&gt;" in h and "<b>" not in h
    assert "Non disponible" in h and "(1)" in h
    assert "Siège de ML" in h and "Communes sans ML" in h
    assert h.count('class="classe"') == c.nb_classes + 1 + 2
