"""Thème visuel d'après le système de design de l'État (DSFR) : couleurs, modèle Plotly « dsfr ».

Les mêmes couleurs sont écrites dans ``.streamlit/config.toml`` (thème Streamlit) ; un test vérifie
que les deux restent d'accord. Police : Marianne n'est pas disponible hors ligne ; on emploie une
pile de polices système sans empattement (Arial, Helvetica), sans téléchargement.

Importer ce module ne change aucun réglage global : le modèle « dsfr » devient celui de Plotly par
``enregistrer_modele_plotly()``, qu'appellent ``interface.theme`` (à son import) et le point d'entrée (à
chaque exécution). Les graphiques s'affichent avec ``interface.theme.afficher_graphique(fig)``.
"""

from __future__ import annotations

from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio

# Couleurs de base du DSFR
BLEU_FRANCE = "#000091"
ROUGE_MARIANNE = "#E1000F"
TEXTE = "#161616"  # grey-50-1000 : texte principal
GRIS_FONCE = "#3A3A3A"  # texte secondaire
GRIS = "#666666"  # texte de mention (contraste 5,7:1 sur blanc)
GRIS_MOYEN = "#929292"  # éléments non textuels (bordures appuyées, traits)
GRIS_CLAIR = "#DDDDDD"  # bordures, grilles
GRIS_FOND = "#F6F6F6"  # fonds alternatifs
BLANC = "#FFFFFF"
BLEU_CLAIR = "#E3E3FD"  # blue-france-950 : fond d'accent
VERT_SUCCES = "#18753C"  # success-425
ORANGE_AVERTISSEMENT = "#B34000"  # warning-425

POLICE = "Arial, Helvetica, 'Liberation Sans', sans-serif"

# Couleurs illustratives du DSFR (teintes « main »), dans un ordre qui garde des voisines distinctes.
PALETTE_CATEGORIELLE = [
    BLEU_FRANCE,
    ROUGE_MARIANNE,
    "#009081",  # menthe
    "#C3992A",  # moutarde
    "#A558A0",  # glycine
    "#417DC4",  # cumulus
    "#E4794A",  # terre battue
    "#68A532",  # bourgeon
    "#6A6AF4",  # bleu France 625
    GRIS_MOYEN,
]

# Dégradé séquentiel du bleu France (10 teintes, du plus clair au plus foncé).
PALETTE_SEQUENTIELLE = [
    "#F5F5FE",
    "#E3E3FD",
    "#CACAFB",
    "#ADADF9",
    "#8585F6",
    "#6A6AF4",
    "#4747E0",
    "#2323B4",
    "#000091",
    "#000060",
]

# Divergent : rouge Marianne (sous l'objectif) → gris → bleu France (au-dessus), 10 teintes.
PALETTE_DIVERGENTE = [
    "#8C000A",
    "#B8000C",
    ROUGE_MARIANNE,
    "#F28B8F",
    "#FBD7D8",
    "#DCDCFC",
    "#9A9AF8",
    "#5C5CE6",
    "#1F1FB0",
    BLEU_FRANCE,
]


def _modele() -> go.layout.Template:
    base = pio.templates["plotly_white"]
    modele = go.layout.Template(base)
    axe = dict(
        gridcolor=GRIS_CLAIR,
        linecolor=GRIS_MOYEN,
        zerolinecolor=GRIS_MOYEN,
        tickcolor=GRIS_MOYEN,
        tickfont=dict(color=GRIS_FONCE, size=13),
        title=dict(font=dict(color=GRIS_FONCE, size=14)),
        automargin=True,
    )
    modele.layout.update(
        font=dict(family=POLICE, color=TEXTE, size=14),
        title=dict(font=dict(family=POLICE, color=TEXTE, size=18), x=0, xanchor="left"),
        colorway=PALETTE_CATEGORIELLE,
        paper_bgcolor=BLANC,
        plot_bgcolor=BLANC,
        separators=", ",  # décimale « , », milliers « espace »
        xaxis=axe,
        yaxis=axe,
        legend=dict(font=dict(color=GRIS_FONCE, size=13), bgcolor="rgba(255,255,255,0)"),
        hoverlabel=dict(font=dict(family=POLICE, size=14), bgcolor=BLANC, bordercolor=BLEU_FRANCE),
        colorscale=dict(
            sequential=[[i / 9, c] for i, c in enumerate(PALETTE_SEQUENTIELLE)],
            sequentialminus=[[i / 9, c] for i, c in enumerate(PALETTE_SEQUENTIELLE)],
            diverging=[[i / 9, c] for i, c in enumerate(PALETTE_DIVERGENTE)],
        ),
        margin=dict(l=10, r=10, t=40, b=10),
    )
    modele.data.bar = [go.Bar(marker=dict(color=BLEU_FRANCE, line=dict(width=0)))]
    return modele


def enregistrer_modele_plotly(defaut: bool = True) -> None:
    """Enregistre le modèle Plotly « dsfr » et, par défaut, en fait le modèle par défaut.

    Streamlit fait de son propre modèle le modèle par défaut quand son module ``plotly_chart`` est
    importé pour la première fois, ce qui peut arriver après cet import-ci : le point d'entrée importe
    donc ce module puis rappelle cette fonction à chaque exécution (``tableau_de_bord.py``). Ce module
    n'importe pas Streamlit lui-même : ``cartes`` s'en sert sans dépendre de Streamlit."""
    if "dsfr" not in pio.templates:
        pio.templates["dsfr"] = _modele()
    if defaut and pio.templates.default != "dsfr":
        pio.templates.default = "dsfr"



# Configuration de la barre d'outils Plotly : pas de logo, libellés français, export PNG nommé.
CONFIG_PLOTLY = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


@lru_cache(maxsize=1)
def icone_application():
    """Icône de l'onglet du navigateur, dessinée ici (aucune ressource téléchargée) : un carré bleu
    France, un filet rouge Marianne, « PR » en blanc."""
    from PIL import Image, ImageDraw, ImageFont

    taille = 64
    image = Image.new("RGBA", (taille, taille), BLEU_FRANCE)
    dessin = ImageDraw.Draw(image)
    dessin.rectangle([0, taille - 10, taille, taille], fill=ROUGE_MARIANNE)
    try:
        police = ImageFont.truetype("DejaVuSans-Bold.ttf", 30)
    except OSError:
        police = ImageFont.load_default()
    dessin.text((taille / 2, (taille - 10) / 2), "PR", fill=BLANC, font=police, anchor="mm")
    return image
