"""Mise en forme française des nombres, montants, pourcentages et dates (Babel, locale fr_FR).

Aucune dépendance à Streamlit : ces fonctions servent aux pages, aux graphiques, aux exports et aux
tests. Conventions :

- séparateur de milliers : espace fine insécable (U+202F), comme le fait Babel pour le français ;
- entre un nombre et son unité : espace insécable (U+00A0), « 49,1 M€ », « 87,5 % » ;
- arrondi au plus proche, les demis vers le haut (« 2,5 » → « 3 »), et non l'arrondi bancaire ;
- une valeur absente (``None``, NaN) s'affiche « — » ;
- un nombre négatif commence par le signe moins ASCII « - » (Streamlit s'en sert pour orienter la
  flèche de ``st.metric``).

``echapper_markdown`` et ``echapper_html`` : un texte venu des données ou saisi (nom de ML, auteur,
commentaire…) s'affiche tel quel dans du Markdown Streamlit ou dans un graphique Plotly.

Les pourcentages reçus sont déjà multipliés par 100 (le registre des indicateurs applique le
``facteur``) : ``pourcentage(87.5)`` → « 87,5 % ».
"""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from numbers import Real

from babel.dates import format_date

LOCALE = "fr_FR"
ESPACE_FINE = "\u202f"  # séparateur de milliers
ESPACE = "\u00a0"  # entre le nombre et l'unité
TIRET = "—"  # valeur absente

__all__ = [
    "ESPACE",
    "ESPACE_FINE",
    "TIRET",
    "absent",
    "date_mois",
    "ecart",
    "echapper_html",
    "echapper_markdown",
    "euros",
    "format_valeur",
    "nombre",
    "periode",
    "points",
    "pour_mille",
    "pourcentage",
    "textes",
]


def absent(valeur) -> bool:
    """Vrai pour ``None``, NaN et les valeurs non numériques vides."""
    if valeur is None:
        return True
    if isinstance(valeur, float) and math.isnan(valeur):
        return True
    try:
        return bool(valeur != valeur)  # NaN numpy, Decimal('NaN')
    except (TypeError, ValueError):
        return False


def _decimal(valeur, decimales: int) -> Decimal:
    try:
        d = Decimal(str(valeur))
    except InvalidOperation as exc:  # pragma: no cover - garde-fou
        raise ValueError(f"Valeur non numérique : {valeur!r}") from exc
    quantum = Decimal(1).scaleb(-decimales)
    d = d.quantize(quantum, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # pas de « -0,0 »
    return d


_SEPARATEURS_FR = str.maketrans({",": ESPACE_FINE, ".": ","})


def nombre(valeur, decimales: int = 0, *, signe: bool = False) -> str:
    """« 1 234 567 », « 324,5 » ; ``signe=True`` ajoute « + » devant un nombre positif."""
    if absent(valeur):
        return TIRET
    d = _decimal(valeur, decimales)
    # Même texte que babel.numbers.format_decimal(d, "#,##0.00…", locale="fr_FR") (vérifié par un test sur
    # des milliers de valeurs), dix fois plus vite : c'est la fonction la plus appelée d'une exécution de
    # page (constats des alertes, tableaux). Le Decimal est déjà arrondi : le formatage est exact.
    texte = format(d, f",.{max(decimales, 0)}f").translate(_SEPARATEURS_FR)
    if signe and d > 0:
        texte = "+" + texte
    return texte


_ECHELLES = {
    "Md": (1e9, "Md€"),
    "M": (1e6, "M€"),
    "k": (1e3, "k€"),
    "unite": (1.0, "€"),
}


def euros(valeur, decimales: int | None = None, *, echelle: str = "auto", signe: bool = False,
          precis: bool = False) -> str:
    """Montant en euros.

    - ``echelle="auto"`` : « 49,1 M€ » au-delà du million (1 décimale par défaut), « 1,2 Md€ » au-delà
      du milliard, « 45 000 € » en dessous (0 décimale par défaut) ;
    - ``decimales`` impose la précision : ``euros(14_625_000, 3)`` → « 14,625 M€ » ;
    - ``precis=True`` : au millier d'euros près en M€ (1 à 3 décimales, sans zéro inutile), à l'euro
      sous le million : ``euros(14_625_000, precis=True)`` → « 14,625 M€ », ``euros(14_500_000,
      precis=True)`` → « 14,5 M€ », ``euros(45_000, precis=True)`` → « 45 000 € » ;
    - ``echelle`` impose l'unité : ``"M"``, ``"Md"``, ``"k"`` ou ``"unite"`` ;
      ``euros(125_000, 3, echelle="M")`` → « 0,125 M€ ».
    """
    if absent(valeur):
        return TIRET
    v = float(valeur)
    if echelle == "auto":
        if abs(v) >= 1e9:
            echelle = "Md"
        elif abs(v) >= 1e6:
            echelle = "M"
        else:
            echelle = "unite"
    if echelle not in _ECHELLES:
        raise ValueError(f"Échelle inconnue : {echelle!r} (attendu : auto, Md, M, k, unite)")
    diviseur, unite = _ECHELLES[echelle]
    if decimales is None and precis and echelle != "unite":
        # au millier d'euros près, sans zéros inutiles : « 14,5 M€ », « 14,625 M€ », « 49,1 M€ »
        texte = nombre(v / diviseur, 3, signe=signe)
        entier, _, fraction = texte.partition(",")
        fraction = fraction.rstrip("0").ljust(1, "0")
        return f"{entier},{fraction}" + ESPACE + unite
    if decimales is None:
        decimales = 0 if echelle == "unite" else 1
    return nombre(v / diviseur, decimales, signe=signe) + ESPACE + unite


def pourcentage(valeur, decimales: int = 1, *, signe: bool = False) -> str:
    """« 87,5 % » pour ``valeur=87.5`` (valeur déjà exprimée en pourcentage)."""
    if absent(valeur):
        return TIRET
    return nombre(valeur, decimales, signe=signe) + ESPACE + "%"


def pour_mille(valeur, decimales: int = 1, *, signe: bool = False) -> str:
    """« 12,3 ‰ » pour ``valeur=12.3``."""
    if absent(valeur):
        return TIRET
    return nombre(valeur, decimales, signe=signe) + ESPACE + "‰"


def points(valeur, decimales: int = 1, *, signe: bool = True) -> str:
    """Écart entre deux pourcentages : « +1,2 pt », « -3,0 pts »."""
    if absent(valeur):
        return TIRET
    texte = nombre(valeur, decimales, signe=signe)
    pluriel = abs(_decimal(valeur, decimales)) >= 2
    return texte + ESPACE + ("pts" if pluriel else "pt")


_MOIS = "MMMM y"


def date_mois(valeur) -> str:
    """« mars 2024 » pour une date (ou un texte ISO « 2024-03-01 »)."""
    if absent(valeur):
        return TIRET
    if isinstance(valeur, str):
        valeur = date.fromisoformat(valeur[:10])
    if isinstance(valeur, datetime):
        valeur = valeur.date()
    if not isinstance(valeur, date):
        # types date numpy/pandas
        valeur = date.fromisoformat(str(valeur)[:10])
    return format_date(valeur, _MOIS, locale=LOCALE)


def periode(debut, fin) -> str:
    """« janvier 2023 – décembre 2024 » ; une seule date si début = fin ; « — » si absentes."""
    if absent(debut) and absent(fin):
        return TIRET
    if absent(debut) or absent(fin) or date_mois(debut) == date_mois(fin):
        return date_mois(fin if absent(debut) else debut)
    return f"{date_mois(debut)} – {date_mois(fin)}"


# Volumes de personnes : toujours entiers à l'affichage (une moyenne mensuelle de jeunes accompagnés
# se lit « 1 094 459 »). Les autres comptes (ML, accords…) gardent une décimale quand ils ne sont pas
# entiers (moyenne sur plusieurs années d'une période).
_UNITES_ENTIERES = {"jeunes", "habitants"}


def format_valeur(valeur, unite: str | None, *, decimales: int | None = None, avec_unite: bool = True,
                  signe: bool = False, precis: bool = False) -> str:
    """Met en forme une valeur selon l'unité du registre des indicateurs.

    ``"€"`` → ``euros`` (compact ; ``precis`` : au millier d'euros près) ; ``"%"`` → ``pourcentage`` ; ``"‰"`` → ``pour_mille`` ;
    ``"ETP"`` → « 324,5 ETP », « 325 ETP » (au dixième, sans décimale pour un nombre entier) ; ``"€/jeune"`` → « 1 234 €/jeune » ; ``"ratio"`` → « 1,23 » ;
    ``"jeunes"`` → entier (« 148 250 jeunes ») ; ``"nombre"`` → entier sans unité ; toute autre unité
    (``"ML"``, ``"accords"``…) : nombre (0 décimale si entier, sinon 1) suivi de l'unité.
    ``avec_unite=False`` retire le libellé d'unité des comptes et des ETP (pas de €, % ni ‰).
    """
    if absent(valeur):
        return TIRET
    u = (unite or "").strip()
    if u == "€":
        return euros(valeur, decimales, signe=signe, precis=precis)
    if u == "%":
        return pourcentage(valeur, 1 if decimales is None else decimales, signe=signe)
    if u == "‰":
        return pour_mille(valeur, 1 if decimales is None else decimales, signe=signe)
    if u == "ETP":
        if decimales is None:
            decimales = 0 if _est_entier(valeur) else 1
        texte = nombre(valeur, decimales, signe=signe)
        return texte + (ESPACE + "ETP" if avec_unite else "")
    if u.startswith("€/"):
        texte = nombre(valeur, 0 if decimales is None else decimales, signe=signe)
        return texte + ESPACE + u
    if u == "nombre":
        return nombre(valeur, 0 if decimales is None else decimales, signe=signe)
    if u in ("ratio", ""):
        return nombre(valeur, 2 if decimales is None else decimales, signe=signe)
    if decimales is None:
        decimales = 0 if (u in _UNITES_ENTIERES or _est_entier(valeur)) else 1
    texte = nombre(valeur, decimales, signe=signe)
    return texte + (ESPACE + u if avec_unite else "")


def _est_entier(valeur) -> bool:
    if isinstance(valeur, bool):
        return True
    if isinstance(valeur, int):
        return True
    if isinstance(valeur, Real):
        return float(valeur).is_integer()
    return False


def ecart(valeur, unite: str | None, *, decimales: int | None = None) -> str:
    """Écart signé entre deux valeurs de même unité, pour le ``delta`` de ``st.metric`` :
    « +1,2 M€ », « -350 jeunes », « +1,2 pt » pour des pourcentages (écart en points)."""
    if absent(valeur):
        return TIRET
    u = (unite or "").strip()
    if u == "%":
        return points(valeur, 1 if decimales is None else decimales)
    if u == "‰":
        return nombre(valeur, 1 if decimales is None else decimales, signe=True) + ESPACE + "‰"
    return format_valeur(valeur, u, decimales=decimales, signe=True)


# ---------------------------------------------------------------------------------------------
# Textes venus des données ou saisis : affichés tels quels, jamais interprétés
# ---------------------------------------------------------------------------------------------

# Caractères de Markdown et de ses extensions chez Streamlit (HTML « < », LaTeX « $ », barré « ~ »,
# tableaux « | », entités « & », directives et icônes « :red[…] », « :material/…: ») précédés d'une
# barre oblique inverse : CommonMark les affiche alors tels quels. « - + . # > » n'ouvrent une liste, un
# titre ou une citation qu'en début de ligne, mais les échapper partout est plus simple et sans effet visible.
_SPECIAUX_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~&:])")
# Liens nus que GitHub Flavored Markdown crée même dans un texte échappé (« http://… », « www.… »,
# courriels) : une jointure de mots invisible (U+2060) les coupe.
_LIENS_NUS = re.compile(r":(?=//)|www(?=\.)|@", re.IGNORECASE)
JOINTURE = "\u2060"


def echapper_markdown(texte) -> str:
    """Texte venu des données ou saisi (nom de ML, auteur, commentaire, nom de fichier, message du
    validateur…) à insérer dans du Markdown Streamlit (``st.markdown``, ``st.caption``, titres, alertes,
    libellés de ``st.metric``, d'onglet, d'expander, de lien, ``st.table``…) : il s'affiche tel quel, sans
    lien, image, HTML, formule LaTeX, icône ni mise en forme. Les sauts de ligne deviennent des espaces (ni
    titre, ni liste, ni tableau). ``None`` → « ». Pas pour ``st.dataframe``, ``st.text`` ni les options
    d'un ``st.selectbox`` ou d'un ``st.multiselect``, qui affichent du texte brut (les barres obliques
    s'y verraient)."""
    if texte is None:
        return ""
    texte = " ".join(str(texte).splitlines())
    texte = _LIENS_NUS.sub(r"\g<0>" + JOINTURE, texte)
    return _SPECIAUX_MARKDOWN.sub(r"\\\1", texte)


def echapper_html(texte) -> str:
    """Texte venu des données à afficher dans un graphique Plotly (étiquettes, infobulles, légendes,
    annotations), qui interprète une partie du HTML (``<b>``, ``<a href>``…) : « < », « > » et « & »
    deviennent des entités, affichées telles quelles. ``None`` → « »."""
    if texte is None:
        return ""
    return html.escape(str(texte), quote=False)


def dossier_montre(chemin) -> str:
    """Le nom d'un dossier du serveur tel qu'on le montre à l'écran : son dernier élément seulement
    (« exports_juin »), jamais le chemin complet (la structure des disques du serveur ne regarde pas
    chaque visiteur). Échappé pour Markdown."""
    from pathlib import PurePath

    return echapper_markdown(PurePath(str(chemin)).name or str(chemin))


def textes(fonction, *colonnes) -> list[str]:
    """Une colonne de textes : ``fonction`` appliquée ligne à ligne aux valeurs de ``colonnes`` (des
    ``pl.Series`` ou des listes de même longueur), **après** les avoir sorties de Polars.

    C'est la seule façon de mettre en forme avec du Python une colonne Polars dans ce projet : jamais
    ``map_elements`` ni ``map_batches`` (une fonction Python exécutée par le pool de threads de Polars
    doit reprendre le GIL ; avec plusieurs sessions simultanées, ce pool et les threads des sessions
    s'attendent l'un l'autre et le serveur se fige : pola-rs/polars#26821). Ici tout le Python tourne
    dans le thread qui appelle, le pool de Polars n'exécute jamais de Python.
    """
    valeurs = [c.to_list() if hasattr(c, "to_list") else list(c) for c in colonnes]
    return [fonction(*ligne) for ligne in zip(*valeurs, strict=True)]
