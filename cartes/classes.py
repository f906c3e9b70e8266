"""Discrétisation des valeurs d'une carte choroplèthe (mapclassify) et couleurs des classes.

Trois méthodes, au choix de l'utilisateur : quantiles (autant de territoires par classe), intervalles
égaux, seuils naturels (Fisher-Jenks, déterministe). Le nombre de classes est ramené au nombre de
valeurs distinctes quand il y en a moins. Les valeurs absentes forment une classe à part
(« Non disponible », en gris).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import mapclassify
import numpy as np

from presentation.theme import PALETTE_DIVERGENTE, PALETTE_SEQUENTIELLE

METHODES: dict[str, str] = {
    "quantiles": "Quantiles",
    "intervalles_egaux": "Intervalles égaux",
    "seuils_naturels": "Seuils naturels",
}
AIDE_METHODES = ("Quantiles : autant de territoires dans chaque classe. Intervalles égaux : classes de même "
                 "largeur entre le minimum et le maximum. Seuils naturels (Fisher-Jenks) : seuils placés là où "
                 "les valeurs se séparent le mieux.")
METHODE_DEFAUT = "quantiles"
NB_CLASSES_DEFAUT = 5
NB_CLASSES_MAX = 7

COULEUR_ABSENT = "#E5E5E5"
# Bleu France du clair au foncé (indicateur neutre ou « plus haut = mieux ») ; rouge Marianne du clair
# au foncé (indicateur « plus haut = pire », alertes).
BLEUS = PALETTE_SEQUENTIELLE[2:10]
# rouges du DSFR (PALETTE_DIVERGENTE) complétés de deux teintes intermédiaires : 8 teintes, très clair → #8C000A
ROUGES = ["#FDEEEE", PALETTE_DIVERGENTE[4], "#F6B3B5", PALETTE_DIVERGENTE[3], "#E95560", *reversed(PALETTE_DIVERGENTE[:3])]


def palette(nb: int, sens: int = 0) -> list[str]:
    """``nb`` couleurs du clair au foncé : rouges si ``sens`` < 0 (plus haut = pire), bleus sinon."""
    base = ROUGES if sens < 0 else BLEUS
    if nb <= 0:
        return []
    if nb == 1:
        return [base[len(base) // 2]]
    idx = np.round(np.linspace(0, len(base) - 1, nb)).astype(int)
    return [base[i] for i in idx]


@dataclass
class Classement:
    """Résultat d'une discrétisation.

    ``bornes`` : k + 1 bornes croissantes (minimum, seuils hauts des classes) ; la classe i contient
    les valeurs de ]bornes[i], bornes[i+1]] (la première inclut le minimum) ;
    ``classes`` : indice de classe de chaque valeur (-1 si la valeur est absente) ;
    ``effectifs`` : nombre de valeurs par classe ; ``couleurs`` : une couleur par classe.
    """

    methode: str
    bornes: list[float]
    classes: np.ndarray
    couleurs: list[str]
    effectifs: list[int] = field(default_factory=list)
    nb_absents: int = 0
    libelles: list[str] | None = None  # libellés imposés (classes à seuils fixes)

    @property
    def nb_classes(self) -> int:
        return len(self.couleurs)

    def couleur(self, i: int) -> str:
        return COULEUR_ABSENT if i < 0 else self.couleurs[i]

    def couleurs_valeurs(self) -> list[str]:
        return [self.couleur(int(i)) for i in self.classes]


def _en_tableau(valeurs) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in valeurs], dtype=float)


def classer(valeurs, methode: str = METHODE_DEFAUT, nb_classes: int = NB_CLASSES_DEFAUT,
            sens: int = 0, couleurs: list[str] | None = None) -> Classement:
    """Discrétise ``valeurs`` (séquence de nombres ou None) selon ``methode`` (clé de ``METHODES``)."""
    if methode not in METHODES:
        raise ValueError(f"Méthode de classes inconnue : {methode!r} (attendu : {', '.join(METHODES)})")
    y = _en_tableau(valeurs)
    presentes = ~np.isnan(y)
    classes = np.full(len(y), -1, dtype=int)
    if not presentes.any():
        return Classement(methode, [], classes, [], [], len(y))
    v = y[presentes]
    distinctes = np.unique(v)
    k = int(max(1, min(nb_classes, NB_CLASSES_MAX, len(distinctes))))
    if k == 1:
        bornes = [float(v.min()), float(v.max())]
        classes[presentes] = 0
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if methode == "quantiles":
                c = mapclassify.Quantiles(v, k=k)
            elif methode == "intervalles_egaux":
                c = mapclassify.EqualInterval(v, k=k)
            else:
                c = mapclassify.FisherJenks(v, k=k)
        hauts = [float(b) for b in c.bins]
        # mapclassify peut rendre des seuils en double (valeurs répétées) : on les fusionne.
        uniques: list[float] = []
        for b in hauts:
            if not uniques or b > uniques[-1]:
                uniques.append(b)
        bornes = [float(v.min()), *uniques]
        # classe = premier seuil haut >= valeur
        classes[presentes] = np.searchsorted(np.array(uniques), v, side="left")
        classes[presentes] = np.minimum(classes[presentes], len(uniques) - 1)
    nb = len(bornes) - 1
    cols = couleurs[:nb] if couleurs else palette(nb, sens)
    effectifs = [int((classes == i).sum()) for i in range(nb)]
    return Classement(methode, bornes, classes, cols, effectifs, int((~presentes).sum()))


def classer_seuils(valeurs, seuils: list[float], couleurs: list[str],
                   libelles: list[str] | None = None) -> Classement:
    """Classes à seuils fixes (mode « nombre d'alertes ») : classe i = ]seuils[i], seuils[i+1]],
    la première inclut seuils[0] ; la dernière va jusqu'au maximum s'il dépasse."""
    y = _en_tableau(valeurs)
    presentes = ~np.isnan(y)
    classes = np.full(len(y), -1, dtype=int)
    hauts = np.array(seuils[1:], dtype=float)
    idx = np.searchsorted(hauts, y[presentes], side="left")
    classes[presentes] = np.minimum(idx, len(hauts) - 1)
    bornes = [float(s) for s in seuils]
    if presentes.any() and y[presentes].max() > bornes[-1]:
        bornes[-1] = float(y[presentes].max())
    effectifs = [int((classes == i).sum()) for i in range(len(hauts))]
    return Classement("seuils", bornes, classes, list(couleurs[: len(hauts)]), effectifs,
                      int((~presentes).sum()), libelles)
