"""Page « Accords locaux », sans Streamlit : figures Plotly et textes prêts à afficher, faits à partir des
résultats de ``requetes/accords.py`` (nombres et codes). La page (``pages/accords.py``) les affiche.

Les noms de territoires et de ML viennent des exports : échappés pour Plotly (``echapper_html``) dans
les figures. Couleurs du DSFR (``presentation.theme``).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from donnees.contrat import LIBELLES_PARTICIPATION
from presentation import format as fmt
from presentation.theme import (
    BLEU_FRANCE,
    GRIS_FONCE,
    GRIS_MOYEN,
    PALETTE_SEQUENTIELLE,
    ROUGE_MARIANNE,
    TEXTE,
)
from requetes import accords as A

COULEURS_SITUATION = {
    "en_vigueur": BLEU_FRANCE,
    "en_negociation": "#6A6AF4",
    "echu": "#E4794A",
    "denonce": ROUGE_MARIANNE,
    "non_engage": GRIS_MOYEN,
    "aucun_accord": GRIS_FONCE,
}
COULEURS_EVENEMENT = {
    "premier_accord": BLEU_FRANCE,
    "renouvellement": "#6A6AF4",
    "fin_renouvelee": "#ADADF9",
    "fin_sans_suite": "#E4794A",
    "denonciation": ROUGE_MARIANNE,
}
# Étiquettes des colonnes de la grille des contenus (sur plusieurs lignes).
ETIQUETTES_GRILLE = {
    "diagnostic_partage": "Diagnostic<br>partagé",
    "plan_actions": "Plan<br>d'actions",
    "criteres_orientation": "Critères<br>d'orientation",
    "ouverture_actions_ml": "Ouverture des<br>actions de la ML",
    "equipe_commune_entreprises": "Équipe commune<br>entreprises",
    "comite_pilotage": "Instance de<br>pilotage réunie",
    "implication_president": "Implication<br>du président",
    A.CRITERE_PARTICIPATION: "Jeunes consultés<br>ou co-constructeurs",
}
LIBELLES_METRIQUES = {"part_accords_socle": "Diagnostic, critères et plan d'actions"}
COULEURS_PARTICIPATION = {0: "#DDDDDD", 1: PALETTE_SEQUENTIELLE[3], 2: PALETTE_SEQUENTIELLE[6],
                          3: PALETTE_SEQUENTIELLE[8]}
# Colonnes de la grille des contenus : part des accords qui contiennent chacun des 8 éléments.
COLONNES_CONTENUS = [f"part_{c}" for c in A.CRITERES_COMPLETUDE]


def libelle_metrique(chiffre) -> str:
    """Libellé du chiffre clé à l'écran (plus court que celui du registre pour certains)."""
    return LIBELLES_METRIQUES.get(chiffre.cle, chiffre.libelle)


def niveau_detail(code_region: str | None) -> str:
    """Niveau des lignes de détail des grilles : les régions (France entière) ou les départements."""
    return "region" if code_region is None else "departement"


def libelle_niveau(code_region: str | None) -> str:
    """« région » ou « département », au singulier, pour les titres."""
    return "région" if code_region is None else "département"


def _gras_si(nom, gras: bool) -> str:
    return f"<b>{fmt.echapper_html(nom)}</b>" if gras else fmt.echapper_html(nom)


# --------------------------------------------------------------------------------------------------
# Situation
# --------------------------------------------------------------------------------------------------

def figure_situations(synthese: pl.DataFrame) -> go.Figure:
    """Barres horizontales : nombre (et part) de ML par situation, la première situation en haut."""
    s = synthese.reverse()
    textes = fmt.textes(lambda n, p: f"{fmt.nombre(n)} ({fmt.pourcentage(p)})", s["nb_ml"], s["part"])
    fig = go.Figure(go.Bar(
        x=s["nb_ml"].to_list(), y=s["libelle_situation"].to_list(), orientation="h",
        marker=dict(color=[COULEURS_SITUATION[c] for c in s["situation"].to_list()]),
        text=textes, textposition="outside", cliponaxis=False,
        customdata=[A.AIDE_SITUATION[c] for c in s["situation"].to_list()],
        hovertemplate="<b>%{y}</b> : %{x} ML<br>%{customdata}<extra></extra>",
    ))
    maxi = max(s["nb_ml"].max() or 0, 1)
    fig.update_layout(height=330, showlegend=False, margin=dict(l=10, r=30, t=10, b=10),
                      xaxis=dict(title="Missions Locales", range=[0, maxi * 1.35]), yaxis=dict(title=None))
    return fig


def definitions_situations() -> list[str]:
    """Une ligne Markdown par situation : son libellé en gras et sa définition."""
    return [f"- **{A.LIBELLES_SITUATION[code]}** : {aide}" for code, aide in A.AIDE_SITUATION.items()]


def figure_regions(par_region: pl.DataFrame, code_region: str | None) -> go.Figure:
    """Barres empilées : part des ML de chaque région dans chaque situation ; la région choisie en gras."""
    nb_regions = par_region.select("code_region", "nom_region").unique(maintain_order=True).height
    fig = go.Figure()
    for code in A.SITUATIONS:
        d = par_region.filter(pl.col("situation") == code)
        fig.add_trace(go.Bar(
            x=d["part"].to_list(), orientation="h",
            y=fmt.textes(lambda c, n: _gras_si(n, c == code_region), d["code_region"], d["nom_region"]),
            name=A.LIBELLES_SITUATION[code], marker=dict(color=COULEURS_SITUATION[code]),
            customdata=d["nb_ml"].to_list(),
            hovertemplate="<b>%{y}</b><br>" + A.LIBELLES_SITUATION[code]
                          + " : %{customdata:,d} ML (%{x:.1f} %)<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=max(330, 26 * nb_regions + 90),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                      xaxis=dict(title="% des ML de la région", range=[0, 100], ticksuffix=" %"),
                      yaxis=dict(title=None, autorange="reversed"), margin=dict(l=10, r=10, t=40, b=10))
    return fig


# --------------------------------------------------------------------------------------------------
# Historique
# --------------------------------------------------------------------------------------------------

def figure_situations_par_annee(par_annee: pl.DataFrame) -> go.Figure:
    """Barres empilées : situation des ML au 31 décembre de chaque année, en % des ML."""
    fig = go.Figure()
    for code in A.SITUATIONS:
        d = par_annee.filter(pl.col("situation") == code)
        fig.add_trace(go.Bar(
            x=d["annee"].to_list(), y=d["part"].to_list(), name=A.LIBELLES_SITUATION[code],
            marker=dict(color=COULEURS_SITUATION[code]),
            customdata=d["nb_ml"].to_list(),
            hovertemplate="%{x} — " + A.LIBELLES_SITUATION[code]
                          + " : %{customdata:,d} ML (%{y:.1f} %)<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=380, legend=dict(orientation="h", y=-0.15, x=0),
                      yaxis=dict(title="% des ML", range=[0, 100], ticksuffix=" %"),
                      xaxis=dict(title=None, dtick=1), margin=dict(l=10, r=10, t=10, b=10))
    return fig


def figure_evenements(evenements: pl.DataFrame) -> go.Figure:
    """Barres : signatures (premiers accords, renouvellements) vers le haut, fins et dénonciations vers le
    bas, par année."""
    fig = go.Figure()
    for code in A.EVENEMENTS:
        d = evenements.filter(pl.col("evenement") == code)
        signe = 1 if code in ("premier_accord", "renouvellement") else -1
        fig.add_trace(go.Bar(
            x=d["annee"].to_list(), y=[signe * n for n in d["nb"].to_list()], name=A.LIBELLES_EVENEMENT[code],
            marker=dict(color=COULEURS_EVENEMENT[code]),
            customdata=d["nb"].to_list(),
            hovertemplate="%{x} — " + A.LIBELLES_EVENEMENT[code] + " : %{customdata:,d}<extra></extra>",
        ))
    fig.update_layout(barmode="relative", height=380, legend=dict(orientation="h", y=-0.15, x=0),
                      yaxis=dict(title="Accords (fins en négatif)"), xaxis=dict(title=None, dtick=1),
                      margin=dict(l=10, r=10, t=10, b=10))
    fig.add_hline(y=0, line=dict(color=TEXTE, width=1))
    return fig


# --------------------------------------------------------------------------------------------------
# Accords par ML, contenus
# --------------------------------------------------------------------------------------------------

def texte_nombre_ml(nb: int, total: int, territoire: str, libelle_date: str) -> str:
    """« 12 Missions Locales sur 436 (France entière, accord courant au 31 décembre 2024). … »"""
    s = "s" if nb > 1 else ""
    return (f"{fmt.nombre(nb)} Mission{s} Locale{s} sur {fmt.nombre(total)} ({territoire}, accord courant au "
            f"{libelle_date}). Cliquez sur un en-tête de colonne pour trier.")


def figure_contenus(grille: pl.DataFrame, code_region: str | None) -> go.Figure:
    """Carte de chaleur : part des accords en vigueur contenant chacun des 8 éléments, par territoire (les
    lignes de synthèse en gras, le nombre d'accords en vigueur entre parenthèses)."""
    detail = niveau_detail(code_region)
    lignes_y = fmt.textes(lambda niv, n, k: f"{_gras_si(n, niv != detail)} ({fmt.nombre(k)})",
                          grille["niveau"], grille["nom"], grille["accords_en_vigueur"])
    z = [list(r) for r in grille.select(COLONNES_CONTENUS).iter_rows()]
    textes = [[fmt.pourcentage(v) for v in r] for r in z]
    fig = go.Figure(go.Heatmap(
        z=z, x=[ETIQUETTES_GRILLE[c] for c in A.CRITERES_COMPLETUDE], y=lignes_y, zmin=0, zmax=100,
        colorscale=[[i / 9, c] for i, c in enumerate(PALETTE_SEQUENTIELLE)], text=textes,
        texttemplate="%{text}", textfont=dict(size=12), xgap=2, ygap=2,
        hovertemplate="<b>%{y}</b><br>%{x} : %{text}<extra></extra>",
        showscale=False,
    ))
    fig.update_layout(height=max(360, 30 * grille.height + 160), margin=dict(l=10, r=10, t=10, b=10),
                      yaxis=dict(autorange="reversed", title=None, automargin=True),
                      xaxis=dict(side="top", title=None, tickangle=0, tickfont=dict(size=11)))
    return fig


def figure_participation(part: pl.DataFrame, code_region: str | None) -> go.Figure:
    """Barres empilées : répartition des accords en vigueur de chaque territoire par niveau de participation
    des jeunes."""
    detail = niveau_detail(code_region)
    territoires = part.select("niveau", "code", "nom").unique(maintain_order=True)
    noms = fmt.textes(lambda niv, n: _gras_si(n, niv != detail), territoires["niveau"], territoires["nom"])
    fig = go.Figure()
    for niv_p, libelle in LIBELLES_PARTICIPATION.items():
        d = part.filter(pl.col("participation_jeunes") == niv_p)
        fig.add_trace(go.Bar(
            x=d["part"].to_list(), y=noms, orientation="h", name=libelle,
            marker=dict(color=COULEURS_PARTICIPATION[niv_p]),
            customdata=d["nb"].to_list(),
            hovertemplate="<b>%{y}</b><br>" + libelle + " : %{customdata:,d} accords (%{x:.1f} %)"
                          "<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=max(300, 26 * len(noms) + 110),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                      xaxis=dict(title="% des accords en vigueur", range=[0, 100], ticksuffix=" %"),
                      yaxis=dict(autorange="reversed", title=None, automargin=True),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


# --------------------------------------------------------------------------------------------------
# Échéances
# --------------------------------------------------------------------------------------------------

def texte_echeances(nb: int, libelle_date: str, nb_mois: int) -> str:
    """« **3** accords en vigueur au … se terminent dans les 12 mois qui suivent. Suite prévue : »"""
    pluriel = nb > 1
    return (f"**{fmt.nombre(nb)}** accord{'s' if pluriel else ''} en vigueur au {libelle_date} "
            f"se termine{'nt' if pluriel else ''} dans les {nb_mois} mois qui suivent. Suite prévue :")


def puces_suites(suites: pl.DataFrame) -> str:
    """Liste Markdown : nombre d'accords par suite prévue (colonnes libellé, nombre)."""
    return "\n".join(f"- {libelle} : **{fmt.nombre(n)}**" for libelle, n in suites.iter_rows())
