"""Graphiques Plotly communs (modèle « dsfr »), libellés en français."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from interface import theme
from presentation import format as fmt


def barres_territoires(
    df: pl.DataFrame,
    unite: str,
    *,
    libelle_valeur: str,
    code_surligne: str | None = None,
    reference: tuple[float, str] | None = None,
    repere: tuple[float, str] | None = None,
    decimales: int | None = None,
    hauteur_barre: int = 30,
) -> go.Figure:
    """Barres horizontales triées (plus grande valeur en haut) d'une colonne ``valeur`` par territoire
    (colonnes ``code``, ``nom``, ``valeur``).

    ``code_surligne`` : territoire mis en avant (bleu France, les autres en bleu pâle) ;
    ``reference`` : (valeur, libellé) tracée en tirets rouge Marianne, par exemple la valeur nationale ;
    ``repere`` : (valeur, libellé) tracée en trait gris, par exemple l'objectif (100 %).
    Les territoires sans valeur sont listés en bas, sans barre, avec « — ». Les noms (ceux des ML viennent
    des exports) sont échappés : Plotly n'interprète pas le HTML qu'ils contiendraient.
    """
    d = df.select("code", "nom", "valeur").sort("valeur", descending=False, nulls_last=False)
    noms = [fmt.echapper_html(n) for n in d["nom"].to_list()]
    codes = d["code"].to_list()
    valeurs = d["valeur"].to_list()
    textes = [fmt.format_valeur(v, unite, decimales=decimales) for v in valeurs]
    if code_surligne:
        couleurs = [theme.BLEU_FRANCE if c == code_surligne else "#ADADF9" for c in codes]
    else:
        couleurs = [theme.BLEU_FRANCE] * len(codes)
    fig = go.Figure(
        go.Bar(
            x=[0 if v is None else v for v in valeurs],
            y=noms,
            orientation="h",
            marker=dict(color=couleurs),
            showlegend=False,
            text=textes,
            textposition="inside",
            insidetextanchor="end",
            textfont=dict(color=[theme.BLANC if c == theme.BLEU_FRANCE else theme.TEXTE for c in couleurs],
                          size=13),
            constraintext="none",
            customdata=textes,
            hovertemplate="<b>%{y}</b><br>" + libelle_valeur + " : %{customdata}<extra></extra>",
        )
    )
    maxi = max([v for v in valeurs if v is not None] + [0.0] + [r[0] for r in (reference, repere) if r and r[0]])
    # Repères verticaux tracés comme des séries, nommés dans la légende (pas d'étiquettes qui se chevauchent).
    # Formes posées directement dans la mise en page : fig.add_vline coûte quelques millisecondes chacune.
    formes = []
    for ligne, couleur, tirets in ((reference, theme.ROUGE_MARIANNE, "dash"), (repere, theme.GRIS_FONCE, "solid")):
        if ligne is None or ligne[0] is None:
            continue
        valeur, libelle = ligne
        texte = f"{libelle} : {fmt.format_valeur(valeur, unite, decimales=decimales)}"
        formes.append(dict(type="line", xref="x", yref="y domain", x0=valeur, x1=valeur, y0=0, y1=1,
                           line=dict(color=couleur, width=2, dash=tirets), layer="below"))
        fig.add_trace(go.Scatter(  # entrée de légende seule (la ligne est la forme ci-dessus)
            x=[None], y=[None], mode="lines", name=texte, line=dict(color=couleur, width=2, dash=tirets),
            hoverinfo="skip",
        ))
    suffixe = {"%": " %", "‰": " ‰"}.get(unite, "")
    fig.update_layout(
        height=max(220, hauteur_barre * len(noms) + 90),
        showlegend=reference is not None or repere is not None,
        legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom", xanchor="left"),
        margin=dict(l=10, r=60, t=40, b=10),
        xaxis=dict(title=None, ticksuffix=suffixe, range=[0, maxi * 1.05 if maxi else 1], showgrid=True),
        yaxis=dict(title=None, automargin=True),
        bargap=0.25,
        shapes=formes,
    )
    return fig
