"""Figures Plotly du dossier de séance exportées en SVG, hors ligne, par Kaleido.

Kaleido (version 1) dessine chaque figure dans un Chromium sans interface : celui de Debian,
``/usr/bin/chromium``, que ``scripts/tester.sh`` installe (Kaleido ne télécharge aucun navigateur ici).
Le chemin est donné explicitement à Kaleido (``CHROMIUM``, ou la variable ``BROWSER_PATH`` si elle est
posée) ; le script de Plotly vient du paquet ``plotly`` installé et MathJax est coupé : aucune requête ne
sort de la machine (Kaleido chargerait sinon MathJax depuis un CDN).

Les figures viennent des modules de ``presentation`` (les mêmes qu'à l'écran). Elles sont partagées
entre sessions : on en fait une copie avant de régler leur taille, leur police et leur modèle d'impression
(fond blanc, police du document). Sans Chromium, ``exporter`` rend ``None`` pour chaque figure et le
dossier le dit à la place du graphique : les tableaux, eux, sont toujours là.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from presentation import theme

CHROMIUM = "/usr/bin/chromium"
POLICE = "DejaVu Sans Condensed, DejaVu Sans, sans-serif"
LARGEUR_PX = 760  # largeur de la colonne de texte (170 mm) à 96 points par pouce, environ
DELAI_S = 60


@dataclass(frozen=True)
class Demande:
    """Une figure à exporter, à ``largeur`` × ``hauteur`` pixels CSS."""

    figure: go.Figure
    hauteur: int = 340
    largeur: int = LARGEUR_PX


def chemin_chromium() -> str | None:
    """Le Chromium que Kaleido doit lancer : ``BROWSER_PATH`` s'il est posé, sinon celui de Debian, sinon
    un ``chromium`` du PATH ; None s'il n'y en a pas."""
    for candidat in (os.environ.get("BROWSER_PATH"), CHROMIUM, shutil.which("chromium")):
        if candidat and os.access(candidat, os.X_OK):
            return candidat
    return None


def preparer(demande: Demande) -> go.Figure:
    """Copie de la figure réglée pour l'impression : modèle « dsfr » (sans en faire le modèle par défaut),
    police du document, taille fixe, marges serrées, pas de titre en double avec celui du dossier."""
    theme.enregistrer_modele_plotly(defaut=False)
    fig = go.Figure(demande.figure)
    fig.update_layout(template="dsfr", width=demande.largeur, height=demande.hauteur,
                      font_family=POLICE, title_text=None, paper_bgcolor="white", plot_bgcolor="white")
    fig.update_layout(margin=dict(t=max(fig.layout.margin.t or 0, 20), l=max(fig.layout.margin.l or 0, 10),
                                  r=max(fig.layout.margin.r or 0, 10), b=max(fig.layout.margin.b or 0, 10)))
    return fig


async def _exporter(figures: list[go.Figure], chromium: str) -> list[bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1, timeout=DELAI_S, mathjax=False, path=chromium) as k:
        resultats = []
        for fig in figures:
            resultats.append(await k.calc_fig(fig, opts={"format": "svg"}))
        return resultats


ESSAIS = 3


def exporter(demandes: Sequence[Demande]) -> list[str | None]:
    """Le SVG (texte) de chaque figure demandée, dans l'ordre ; None pour toutes sans Chromium, ou si
    Kaleido échoue encore après ``ESSAIS`` essais (machine très chargée : la page de Kaleido peut ne pas
    avoir fini de charger Plotly) ; le dossier le dit alors à la place des graphiques."""
    if not demandes:
        return []
    chromium = chemin_chromium()
    if chromium is None:
        return [None] * len(demandes)
    figures = [preparer(d) for d in demandes]
    for essai in range(ESSAIS):
        try:
            # Une boucle asyncio à soi : appelé depuis le fil d'une session Streamlit ou depuis la commande.
            octets = asyncio.run(_exporter(figures, chromium))
        except Exception as exc:  # erreur de Chromium ou de Kaleido : on réessaie, puis sans graphique
            logging.getLogger(__name__).warning("Kaleido, essai %d sur %d : %s", essai + 1, ESSAIS, exc)
            continue
        return [b.decode("utf-8") if isinstance(b, bytes) else str(b) for b in octets]
    return [None] * len(demandes)
