"""Chiffres clés à l'écran : ``st.metric`` à la française, avec définition et évolution sur un an.

- ``parametres_metrique(...)`` (sans Streamlit) calcule valeur, écart, couleur de l'écart ;
- ``metrique(...)`` affiche un chiffre ; ``metrique_chiffre(chiffre)`` affiche un
  ``requetes.indicateurs.Chiffre`` (valeur, année précédente, définition, sens du registre) ;
- ``texte_point(point)`` compose le constat d'un point d'attention.

Couleur de l'écart selon le sens de l'indicateur : +1 (plus haut = mieux) → ``normal`` (hausse en
vert), -1 (plus bas = mieux) → ``inverse`` (hausse en rouge), 0 (neutre) → ``off`` (gris).
"""

from __future__ import annotations

from dataclasses import dataclass

from presentation import format as fmt

COULEUR_SELON_SENS = {1: "normal", -1: "inverse", 0: "off"}


@dataclass(frozen=True)
class ParametresMetrique:
    valeur: str
    delta: str | None
    couleur: str
    description: str | None
    fleche: str = "auto"  # "off" pour un écart nul (« stable »)


def _decimales_affichage(unite: str, decimales: int | None) -> int:
    if decimales is not None:
        return decimales
    if unite in ("%", "‰", "ETP"):
        return 1
    return 0


def parametres_metrique(valeur, unite: str, *, precedente=None, sens: int = 0, decimales: int | None = None,
                        annee_precedente: int | None = None, avec_unite: bool = True,
                        precis: bool = False) -> ParametresMetrique:
    """Valeur mise en forme, écart signé à l'année précédente (texte, ou 0 si l'écart affiché est nul),
    couleur selon le sens, description de l'écart (« par rapport à 2023 »)."""
    texte = fmt.format_valeur(valeur, unite, decimales=decimales, avec_unite=avec_unite, precis=precis)
    couleur = COULEUR_SELON_SENS.get(int(sens or 0), "off")
    if fmt.absent(valeur) or fmt.absent(precedente):
        return ParametresMetrique(texte, None, couleur, None)
    ecart = float(valeur) - float(precedente)
    description = f"depuis {annee_precedente}" if annee_precedente else "sur un an"
    if unite == "€":
        # « +1,2 M€ » au-delà du million, sinon à l'euro près (« +20 000 € ») : un petit écart reste visible.
        ecart_txt = fmt.euros(ecart, signe=True, precis=precis)
    else:
        ecart_txt = fmt.ecart(ecart, unite, decimales=_decimales_affichage(unite, decimales))
    # Un écart qui s'affiche nul (« +0,0 M€ ») devient « stable », en gris et sans flèche.
    chiffres = "".join(c for c in ecart_txt if c.isdigit())
    if not chiffres or set(chiffres) == {"0"}:
        return ParametresMetrique(texte, "stable", "off", description, "off")
    return ParametresMetrique(texte, ecart_txt, couleur, description)


def metrique(libelle: str, valeur, unite: str, *, aide: str, precedente=None, sens: int = 0,
             decimales: int | None = None, annee_precedente: int | None = None, avec_unite: bool = True,
             precis: bool = False, note: str | None = None, conteneur=None) -> ParametresMetrique:
    """Affiche un chiffre dans une carte bordée : ``st.metric`` (valeur en français, définition en
    infobulle, écart sur un an coloré selon le sens de l'indicateur) et, dessous, une note courte
    facultative (« sur 325 ETP prévus »)."""
    import streamlit as st

    p = parametres_metrique(valeur, unite, precedente=precedente, sens=sens, decimales=decimales,
                            annee_precedente=annee_precedente, avec_unite=avec_unite, precis=precis)
    cible = conteneur if conteneur is not None else st
    with cible.container(border=True, height="stretch"):
        st.metric(libelle, p.valeur, p.delta, delta_color=p.couleur, help=aide, delta_arrow=p.fleche,
                  delta_description=p.description if p.delta is not None else None)
        if note:
            st.caption(note)
    return p


# Sens des chiffres de synthèse qui ne viennent pas du registre (clé du ``Chiffre`` -> sens).
SENS_HORS_REGISTRE = {"atteinte_objectif_national": 1}


def sens_chiffre(chiffre) -> int:
    """Sens d'un ``Chiffre`` : celui du registre s'il en vient, ``SENS_HORS_REGISTRE`` sinon, neutre
    à défaut."""
    if getattr(chiffre, "cle", None) in SENS_HORS_REGISTRE:
        return SENS_HORS_REGISTRE[chiffre.cle]
    if getattr(chiffre, "indicateur", None):
        from requetes.indicateurs import REGISTRE

        i = REGISTRE.get(chiffre.indicateur)
        if i is not None:
            return i.sens
    return 0


def metrique_chiffre(chiffre, *, libelle: str | None = None, annee_precedente: int | None = None,
                     decimales: int | None = None, aide_en_plus: str | None = None, conteneur=None,
                     avec_unite: bool = True, precis: bool = False, note: str | None = None) -> ParametresMetrique:
    """Affiche un ``Chiffre`` de ``requetes.indicateurs`` (ou de ``requetes.vue_nationale``)."""
    aide = chiffre.definition + (f"\n\n{aide_en_plus}" if aide_en_plus else "")
    return metrique(
        libelle or chiffre.libelle, chiffre.valeur, chiffre.unite, aide=aide, precedente=chiffre.precedente,
        sens=sens_chiffre(chiffre), decimales=decimales, annee_precedente=annee_precedente,
        conteneur=conteneur, avec_unite=avec_unite, precis=precis, note=note,
    )


def texte_point(point) -> str:
    """Constat d'un point d'attention, complété et mis en forme (« 12 ML sur 436 … (2,8 %) »). Les textes
    insérés (nom de la ML la plus en retrait…) viennent des données : échappés pour Markdown."""
    morceaux = {}
    for nom, (valeur, unite) in point.valeurs.items():
        if unite == "texte":
            morceaux[nom] = fmt.TIRET if valeur is None else fmt.echapper_markdown(valeur)
        else:
            morceaux[nom] = fmt.format_valeur(valeur, unite, avec_unite=False)
    return point.constat.format(**morceaux)
