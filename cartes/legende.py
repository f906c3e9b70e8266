"""Texte de la légende (HTML échappé) et libellés des classes, en français, avec les unités."""

from __future__ import annotations

from cartes.classes import COULEUR_ABSENT, Classement
from cartes.couches import echapper
from presentation.format import format_valeur, nombre

# Unités de comptage : la légende les dit une fois (« En jeunes ») au lieu de les répéter par classe.
_UNITES_EN_TETE = {"jeunes", "ML", "accords", "communes", "ETP", "km", "sites", "agences", "habitants",
                   "établissements", "places", "éléments"}


def texte_valeur(valeur, unite: str, decimales: int | None = None, avec_unite: bool = True) -> str:
    """Une valeur d'indicateur en français avec son unité (``presentation.format.format_valeur``)."""
    if unite == "km":
        if valeur is None:
            return format_valeur(None, unite)
        return f"{nombre(valeur, 1 if decimales is None else decimales)}\u00a0km" if avec_unite else nombre(
            valeur, 1 if decimales is None else decimales)
    return format_valeur(valeur, unite, decimales=decimales, avec_unite=avec_unite)


def _decimales_utiles(bornes: list[float], unite: str) -> int | None:
    """Assez de décimales pour que deux bornes voisines n'aient pas le même texte."""
    for d in (None, 1, 2, 3):
        textes = [texte_valeur(b, unite, d, avec_unite=False) for b in bornes]
        if len(set(textes)) == len(textes):
            return d
    return 3


def libelles_classes(classement: Classement, unite: str) -> list[str]:
    """« de 12,3 % à 45,6 % » pour la première classe, « plus de 45,6 % à 60,0 % » ensuite."""
    if classement.libelles:
        return list(classement.libelles)
    b = classement.bornes
    if not b:
        return []
    avec = unite not in _UNITES_EN_TETE
    d = _decimales_utiles(b, unite)
    t = [texte_valeur(x, unite, d, avec_unite=avec) for x in b]
    if len(b) == 2 and b[0] == b[1]:
        return [t[0]]
    return [f"de {t[0]} à {t[1]}"] + [f"plus de {t[i]} à {t[i + 1]}" for i in range(1, len(b) - 1)]


def ligne_unite(unite: str) -> str:
    if unite in _UNITES_EN_TETE:
        return f"En {unite}"
    return ""


def html_legende(titre: str, classement: Classement, unite: str, sous_titre: str = "",
                 points: list[tuple[str, str]] | None = None, surfaces: list[tuple[str, str]] | None = None,
                 libelle_absent: str = "Non disponible") -> str:
    """HTML de la légende : titre, unité, une ligne par classe (pastille, libellé, effectif), la classe
    des valeurs absentes, puis les couches de points (rond de couleur) et de surfaces en plus."""
    morceaux = [f'<div class="titre">{echapper(titre)}</div>']
    unite_txt = ligne_unite(unite)
    details = " · ".join(x for x in (unite_txt, sous_titre) if x)
    if details:
        morceaux.append(f'<div class="unite">{echapper(details)}</div>')
    for couleur, libelle, n in zip(classement.couleurs, libelles_classes(classement, unite), classement.effectifs):
        morceaux.append(
            f'<div class="classe"><span class="pastille" style="background:{couleur}"></span>'
            f'{echapper(libelle)} <span class="effectif">({nombre(n)})</span></div>'
        )
    if classement.nb_absents:
        morceaux.append(
            f'<div class="classe"><span class="pastille" style="background:{COULEUR_ABSENT}"></span>'
            f'{echapper(libelle_absent)} <span class="effectif">({nombre(classement.nb_absents)})</span></div>'
        )
    for couleur, libelle in surfaces or []:
        morceaux.append(
            f'<div class="classe"><span class="pastille" style="background:{couleur}"></span>{echapper(libelle)}</div>'
        )
    for couleur, libelle in points or []:
        morceaux.append(
            f'<div class="classe"><span class="pastille rond" style="background:{couleur}"></span>'
            f'{echapper(libelle)}</div>'
        )
    return "".join(morceaux)
