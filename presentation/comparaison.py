"""Page « Comparer des territoires », sans Streamlit : les résultats de ``requetes.comparaison``
(positions, références, distributions, séries, nuage) deviennent des tableaux de textes à la française,
des figures Plotly et des phrases prêtes à afficher. La page (``pages/comparaison.py``) ne fait que les
placer ; le bloc « Territoires comparables » est dans ``presentation.comparables``.

Les nombres sont mis en forme après être sortis de Polars (``presentation.format.textes``), jamais par une
fonction Python dans une expression Polars. Les noms venus des données sont échappés pour Plotly
(``echapper_html``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from presentation import comparables, theme
from presentation import format as fmt
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE

# Couleurs (DSFR : success / error 950 en fond, 425 en texte) et symboles : la couleur n'est jamais seule.
FONDS = {C.MIEUX: "#B8FEC9", C.MOINS_BIEN: "#FFE9E9", C.EGAL: "#EEEEEE"}
TEXTES = {C.MIEUX: "#18753C", C.MOINS_BIEN: "#CE0500", C.EGAL: theme.TEXTE}
SYMBOLES = {C.MIEUX: " ✓", C.MOINS_BIEN: " ✗", C.EGAL: " ="}
LEGENDE = ("✓ fond vert : mieux que la France ; ✗ fond rose : moins bien ; = : comme la France — *selon le "
           "sens de l'indicateur* (pour le taux de NEET, plus bas est mieux). Pas de couleur pour un indicateur "
           "sans sens ni pour un volume (jeunes, euros, ETP), qui dépend surtout de la taille du territoire.")
AIDE_RANG = ("Rang dans la maille : 1 = le meilleur selon le sens de l'indicateur (pour un indicateur sans sens, "
             "la valeur la plus haute) ; sur le nombre de territoires qui ont une valeur. Centile : part des autres "
             "territoires classés après lui, un ex æquo comptant pour moitié (100 = seul premier, 0 = seul dernier).")
# En-têtes des colonnes de positions des indicateurs (requetes.comparaison.positions), communs aux
# téléchargements de la comparaison et du portrait.
LIBELLES_POSITIONS = {
    "code": "Code", "nom": "Territoire", "code_region": "Code région", "indicateur": "Code indicateur",
    "libelle": "Indicateur", "theme": "Thème", "unite": "Unité", "sens": "Sens (1 plus haut = mieux, -1 plus bas = mieux)",
    "numerateur": "Numérateur", "denominateur": "Dénominateur", "valeur": "Valeur", "valeur_nationale": "France",
    "valeur_region": "Région", "ecart_national": "Écart à la France", "ecart_region": "Écart à la région",
    "part_nationale": "Part du national (%)", "rang": "Rang", "nb": "Territoires classés", "centile": "Centile",
    "appreciation": "Par rapport à la France",
}
LIBELLES_EXPORT = {
    **comparables.LIBELLES_EXPORT, **LIBELLES_POSITIONS,
    "periode": "Période", "x": "Indicateur X", "y": "Indicateur Y",
}
SANS_TERRITOIRE = (f"Choisissez jusqu'à {C.MAX_TERRITOIRES} territoires à comparer. En attendant, voici les valeurs "
                   "de la France.")
SANS_MOIS = ("Aucun des indicateurs choisis ne se calcule mois par mois : choisissez « Par année » ou un "
             "indicateur des orientations ou de l'activité.")
SUFFIXES = {"%": " %", "‰": " ‰"}  # graduations des axes
# Couleurs des séries : la palette sans le rouge Marianne (la France) ni le gris, puis cinq teintes de plus.
COULEURS_SERIES = [c for c in theme.PALETTE_CATEGORIELLE if c not in (theme.ROUGE_MARIANNE, theme.GRIS_MOYEN)] + [
    "#8585F6", "#6E445A", "#3558A2", "#716043", "#BD987A"]


def libelle_indicateur(code: str) -> str:
    """« Thème › Indicateur » : option des listes d'indicateurs (et sa forme dans l'URL)."""
    i = REGISTRE[code]
    return f"{i.theme} › {i.libelle}"


def court(nom: str) -> str:
    """« Mission Locale de Tarbes » → « ML de Tarbes » (en-têtes et tableaux étroits)."""
    return "ML" + nom[len("Mission Locale"):] if nom.startswith("Mission Locale ") else nom


def rang(r, n) -> str:
    """« 1ᵉʳ / 101 », « 12ᵉ / 101 » ; « — » sans rang."""
    if r is None or n is None:
        return fmt.TIRET
    return f"{fmt.nombre(r)}ᵉ / {fmt.nombre(n)}" if r > 1 else f"1ᵉʳ / {fmt.nombre(n)}"


def periode(debut: int, fin: int) -> str:
    """« 2024 » pour une année seule, « 2022 à 2024 » pour une période."""
    return str(fin) if debut == fin else f"{debut} à {fin}"


def ecart_ou_part(ecart, part, unite: str) -> str:
    """Écart à la France d'un ratio ; pour un volume, sa part du total national ; « — » sinon."""
    if ecart is not None:
        return fmt.ecart(ecart, unite)
    return f"{fmt.pourcentage(part, 2)} du total national" if part is not None else fmt.TIRET


# --------------------------------------------------------------------------------------------------
# Choix des territoires


def ordonner_territoires(terr: pl.DataFrame, code_region: str | None) -> pl.DataFrame:
    """Les territoires de la région ``code_region`` en tête de liste, les autres ensuite (ordre gardé)."""
    if not code_region:
        return terr
    return pl.concat([terr.filter(pl.col("code_region") == code_region),
                      terr.filter(pl.col("code_region").ne_missing(code_region))])


def correspondances(terr: pl.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """(code -> option de la liste « nom (code) », code -> nom), dans l'ordre de ``terr``."""
    codes = terr["code"].to_list()
    return dict(zip(codes, terr["libelle"].to_list())), dict(zip(codes, terr["nom"].to_list()))


def region_de(terr: pl.DataFrame, code: str | None) -> str | None:
    """Code de la région du territoire ``code`` (``None`` sans territoire)."""
    return terr.filter(pl.col("code") == code)["code_region"].first() if code else None


def entetes_territoires(codes: Sequence[str], noms: dict[str, str]) -> list[str]:
    """En-têtes courts (« ML de Tarbes ») ; le code s'ajoute quand deux territoires portent le même nom."""
    tous = list(noms.values())
    entetes = []
    for c in codes:
        nom = noms.get(c, c)
        entetes.append(court(nom) if tous.count(nom) == 1 else f"{court(nom)} ({c})")
    return entetes


# --------------------------------------------------------------------------------------------------
# Tableaux colorés


@dataclass(frozen=True)
class TableauColore:
    """Un tableau de textes et, de même forme, l'appréciation de chaque cellule (``requetes.comparaison`` :
    « mieux », « moins bien », « égal »… ou nulle) qui décide de sa couleur."""

    textes: pl.DataFrame
    appreciations: pl.DataFrame

    def style(self):
        """Le ``Styler`` pandas que prend ``st.dataframe`` : fond et texte selon l'appréciation."""
        textes, appreciations = self.textes.to_pandas(), self.appreciations.to_pandas()
        css = appreciations.map(style_cellule)
        return textes.style.apply(lambda _: css, axis=None)


def style_cellule(appreciation) -> str:
    """Style CSS d'une cellule selon son appréciation (rien sans appréciation colorée)."""
    if appreciation in FONDS:
        return f"background-color: {FONDS[appreciation]}; color: {TEXTES[appreciation]}; font-weight: 600"
    return ""


def _valeur_et_symbole(v, unite: str, appreciation) -> str:
    return fmt.format_valeur(v, unite) + SYMBOLES.get(appreciation, "")


def tableau_cote_a_cote(refs: pl.DataFrame, pos: pl.DataFrame | None, codes: Sequence[str],
                        noms: dict[str, str]) -> TableauColore:
    """Un indicateur par ligne (ordre de ``refs``, ``requetes.comparaison.references``) : la France, puis un
    territoire par colonne (ordre de ``codes``), sa valeur suivie du symbole de son appréciation. Sans
    ``pos`` (``requetes.comparaison.positions``), la France seule."""
    base = refs.select(pl.col("indicateur"), pl.col("libelle").alias("Indicateur")).with_columns(
        pl.Series("France", fmt.textes(fmt.format_valeur, refs["valeur"], refs["unite"]), dtype=pl.Utf8))
    appreciations = base.select("indicateur", pl.lit(None, pl.Utf8).alias("Indicateur"),
                                pl.lit(None, pl.Utf8).alias("France"))
    if pos is None:
        return TableauColore(base.drop("indicateur"), appreciations.drop("indicateur"))
    entetes = entetes_territoires(codes, noms)
    unites = refs.select("indicateur", pl.col("unite").alias("_unite"))
    sous = pos.filter(pl.col("code").is_in(list(codes))).join(unites, on="indicateur").select(
        "indicateur", "code", "valeur", "_unite", "appreciation")
    sous = sous.with_columns(pl.Series("texte", fmt.textes(_valeur_et_symbole, sous["valeur"], sous["_unite"],
                                                           sous["appreciation"]), dtype=pl.Utf8))
    large_textes = sous.pivot(on="code", index="indicateur", values="texte")
    large_appreciations = sous.pivot(on="code", index="indicateur", values="appreciation")

    def etaler(gauche: pl.DataFrame, large: pl.DataFrame, vide: str | None) -> pl.DataFrame:
        # une colonne par territoire choisi, dans l'ordre de codes ; « — » (ou aucune appréciation) sans valeur
        df = gauche.join(large, on="indicateur", how="left", maintain_order="left")
        return df.select(
            *[c for c in gauche.columns if c != "indicateur"],
            *[(pl.col(c) if c in large.columns else pl.lit(None, pl.Utf8)).fill_null(pl.lit(vide, pl.Utf8)).alias(e)
              for c, e in zip(codes, entetes)])

    return TableauColore(etaler(base, large_textes, fmt.TIRET), etaler(appreciations, large_appreciations, None))


def tableau_detail(pos: pl.DataFrame, maille: str) -> TableauColore:
    """Une ligne par territoire et indicateur (ordre de ``pos``) : valeur, France, région (sauf entre
    régions), écart à la France (ou part du national pour un volume), rang, centile, appréciation ; les
    colonnes Valeur, Écart et appréciation colorées."""
    u = pos["unite"]
    colonnes = {
        "Territoire": fmt.textes(court, pos["nom"]),
        "Indicateur": pos["libelle"].to_list(),
        "Valeur": fmt.textes(fmt.format_valeur, pos["valeur"], u),
        "France": fmt.textes(fmt.format_valeur, pos["valeur_nationale"], u),
        **({} if maille == "region" else {"Sa région": fmt.textes(fmt.format_valeur, pos["valeur_region"], u)}),
        "Écart à la France": fmt.textes(ecart_ou_part, pos["ecart_national"], pos["part_nationale"], u),
        "Rang": fmt.textes(rang, pos["rang"], pos["nb"]),
        "Centile": fmt.textes(fmt.nombre, pos["centile"]),
        "Par rapport à la France": fmt.textes(lambda a: C.LIBELLES_APPRECIATION.get(a, fmt.TIRET),
                                              pos["appreciation"]),
    }
    textes = pl.DataFrame(colonnes, schema=dict.fromkeys(colonnes, pl.Utf8))
    colorees = ("Valeur", "Écart à la France", "Par rapport à la France")
    appreciations = pos.select(
        (pl.col("appreciation") if c in colorees else pl.lit(None, pl.Utf8)).alias(c) for c in colonnes)
    return TableauColore(textes, appreciations)


def export_positions(pos: pl.DataFrame) -> pl.DataFrame:
    """Les positions telles qu'elles sont téléchargées (sans les colonnes techniques)."""
    return pos.drop("maille", "est_ratio")


# --------------------------------------------------------------------------------------------------
# Barres


def barres(pos: pl.DataFrame, code_ind: str) -> tuple[pl.DataFrame, tuple[float, str] | None]:
    """Pour ``interface.graphiques.barres_territoires`` : les valeurs des territoires choisis (code, nom,
    valeur) et la référence (France) à tracer pour un ratio."""
    sous = pos.filter(pl.col("indicateur") == code_ind)
    nat = sous["valeur_nationale"][0] if sous.height else None
    return sous.select("code", "nom", "valeur"), ((nat, "France") if REGISTRE[code_ind].est_ratio else None)


def aide_indicateur(code_ind: str) -> str:
    """Formule et définition d'un indicateur (aide d'un titre)."""
    i = REGISTRE[code_ind]
    return f"{i.formule}.\n\n{i.definition}"


# --------------------------------------------------------------------------------------------------
# Distribution


def legende_distribution(maille: str) -> str:
    return (f"Chaque boîte résume les {C.LIBELLES_MAILLES[maille].lower()} : médiane, quartiles, et les "
            "territoires éloignés en points. Les territoires choisis sont placés dessous, nommés ; la valeur "
            "de la France est en tirets rouges.")


def figure_distribution(toutes: pl.DataFrame, code_ind: str, codes: Sequence[str]) -> go.Figure:
    """Boîte à moustaches d'un indicateur sur toute la maille (``toutes`` : positions de tous les
    territoires), les territoires choisis en losanges nommés dessous (couleur de leur appréciation), la
    France en tirets rouges."""
    i = REGISTRE[code_ind]
    sous = toutes.filter((pl.col("indicateur") == code_ind) & pl.col("valeur").is_not_null())
    ordre = {c: k for k, c in enumerate(codes)}
    choisis = sous.filter(pl.col("code").is_in(list(codes))).with_columns(
        pl.col("code").replace_strict(ordre, default=99).alias("_o")).sort("_o", descending=True)
    nat = toutes.filter(pl.col("indicateur") == code_ind)["valeur_nationale"].first()
    noms_choisis = fmt.textes(fmt.echapper_html, choisis["nom"])
    ligne_boite = f"Toutes ({fmt.nombre(sous.height)})"
    fig = go.Figure()
    fig.add_trace(go.Box(
        x=sous["valeur"].to_list(), y=[ligne_boite] * sous.height, orientation="h", name="Tous",
        boxpoints="outliers", quartilemethod="linear", marker=dict(color=theme.GRIS_MOYEN, size=5),
        line=dict(color=theme.BLEU_FRANCE), fillcolor=theme.BLEU_CLAIR, showlegend=False,
        text=fmt.textes(fmt.echapper_html, sous["nom"]),
        hovertemplate="%{text} : %{x}<extra></extra>",
    ))
    if choisis.height:
        fig.add_trace(go.Scatter(
            x=choisis["valeur"].to_list(), y=noms_choisis, mode="markers+text",
            marker=dict(color=fmt.textes(lambda a: TEXTES.get(a, theme.BLEU_FRANCE), choisis["appreciation"]),
                        size=12, symbol="diamond", line=dict(color=theme.BLANC, width=1)),
            text=fmt.textes(lambda v: fmt.format_valeur(v, i.unite), choisis["valeur"]),
            textposition="middle right", showlegend=False,
            customdata=fmt.textes(rang, choisis["rang"], choisis["nb"]),
            hovertemplate="<b>%{y}</b><br>%{text}<br>Rang %{customdata}<extra></extra>",
        ))
    if nat is not None:
        fig.add_vline(x=nat, line=dict(color=theme.ROUGE_MARIANNE, width=2, dash="dash"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", showlegend=True,
                                 name=f"France : {fmt.format_valeur(nat, i.unite)}",
                                 line=dict(color=theme.ROUGE_MARIANNE, width=2, dash="dash")))
    fig.update_layout(
        title=dict(text=i.libelle, font=dict(size=15)), height=150 + 30 * choisis.height,
        margin=dict(l=10, r=70, t=60, b=10), xaxis=dict(ticksuffix=SUFFIXES.get(i.unite, ""), title=None),
        yaxis=dict(categoryorder="array", categoryarray=[*noms_choisis, ligne_boite], title=None),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
    )
    return fig


def tableau_resume(resume: pl.DataFrame) -> pl.DataFrame:
    """Résumé des distributions (``requetes.comparaison.resume_distribution``) : un indicateur par ligne,
    nombre de territoires, minimum, quartiles, maximum, à la française."""
    unites = fmt.textes(lambda c: REGISTRE[c].unite, resume["indicateur"])
    colonnes = {"Indicateur": fmt.textes(lambda c: REGISTRE[c].libelle, resume["indicateur"]),
                "Territoires": fmt.textes(fmt.nombre, resume["nb"])}
    for entete, c in (("Minimum", "minimum"), ("1er quartile", "q1"), ("Médiane", "mediane"),
                      ("3e quartile", "q3"), ("Maximum", "maximum")):
        colonnes[entete] = fmt.textes(fmt.format_valeur, resume[c], unites)
    return pl.DataFrame(colonnes, schema=dict.fromkeys(colonnes, pl.Utf8))


# --------------------------------------------------------------------------------------------------
# Évolution


def indicateurs_du_pas(indicateurs: Sequence[str], pas: str) -> list[str]:
    """Les indicateurs qu'on peut suivre à ce pas de temps (par mois : ceux qui se calculent mois par mois)."""
    return [c for c in indicateurs if pas == "annee" or REGISTRE[c].mensuel]


def figure_serie(s: pl.DataFrame, codes: Sequence[str], code_ind: str, pas: str, debut: int, fin: int) -> go.Figure:
    """Évolution d'un indicateur (``requetes.comparaison.series``) : une ligne par territoire choisi, la
    France en tirets rouges ; la période choisie en zone bleutée quand elle dure plusieurs années."""
    i = REGISTRE[code_ind]
    fig = go.Figure()
    for k, c in enumerate([*codes, "FR"]):
        d = s.filter(pl.col("code") == c)
        if d.is_empty():
            continue
        france = c == "FR"
        fig.add_trace(go.Scatter(
            x=d["periode"].to_list(), y=d["valeur"].to_list(), mode="lines" if pas == "mois" else "lines+markers",
            name=fmt.echapper_html(d["nom"][0]),
            line=dict(color=theme.ROUGE_MARIANNE if france else COULEURS_SERIES[k % len(COULEURS_SERIES)],
                      width=3 if france else 2, dash="dash" if france else "solid"),
            customdata=fmt.textes(lambda v: fmt.format_valeur(v, i.unite), d["valeur"]),
            hovertemplate="%{fullData.name} : %{customdata}<extra></extra>",
        ))
    fig.update_layout(
        height=460, hovermode="x unified", yaxis=dict(ticksuffix=SUFFIXES.get(i.unite, ""), title=None),
        xaxis=dict(title=None, tickformat="%Y" if pas == "annee" else "%b %Y", dtick="M12" if pas == "annee" else None),
        legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"), margin=dict(l=10, r=10, t=30, b=10),
    )
    if debut != fin:
        fig.add_vrect(x0=f"{debut}-01-01", x1=f"{fin}-12-31", fillcolor=theme.BLEU_CLAIR, opacity=0.5,
                      line_width=0, layer="below")
    return fig


def legende_serie(code_ind: str, debut: int, fin: int) -> str:
    i = REGISTRE[code_ind]
    return f"{i.libelle} : {i.formule}. France en tirets rouges." + (
        " Zone bleutée : période choisie." if debut != fin else "")


# --------------------------------------------------------------------------------------------------
# Nuage de points


def _trace_points(points: pl.DataFrame, ux: str, uy: str, **options) -> go.Scatter:
    return go.Scatter(
        x=points["x"].to_list(), y=points["y"].to_list(), mode="markers",
        text=fmt.textes(fmt.echapper_html, points["nom"]),
        customdata=fmt.textes(lambda a, b: [fmt.format_valeur(a, ux), fmt.format_valeur(b, uy)],
                              points["x"], points["y"]),
        hovertemplate="<b>%{text}</b><br>X : %{customdata[0]}<br>Y : %{customdata[1]}<extra></extra>",
        **options,
    )


def figure_nuage(n: pl.DataFrame, refs: pl.DataFrame, codes: Sequence[str], ix: str, iy: str,
                 maille: str) -> go.Figure:
    """Nuage de deux indicateurs (``requetes.comparaison.nuage``) sur toute la maille, les territoires
    choisis en bleu et nommés ; la valeur de la France (``refs``) en tirets rouges pour un ratio."""
    X, Y = REGISTRE[ix], REGISTRE[iy]
    points = n.drop_nulls(["x", "y"])
    autres = points.filter(~pl.col("code").is_in(list(codes)))
    choisis = points.filter(pl.col("code").is_in(list(codes)))
    fig = go.Figure()
    fig.add_trace(_trace_points(autres, X.unite, Y.unite, name=C.LIBELLES_MAILLES[maille],
                                marker=dict(color="#ADADF9", size=8, line=dict(color=theme.BLANC, width=0.5))))
    if choisis.height:
        for x, y, nom in choisis.select("x", "y", "nom").iter_rows():  # étiquettes sur fond blanc, lisibles
            fig.add_annotation(x=x, y=y, text=fmt.echapper_html(nom), showarrow=True, arrowhead=0,
                               ax=0, ay=-22, bgcolor="rgba(255,255,255,0.85)", bordercolor=theme.BLEU_FRANCE,
                               borderwidth=1, font=dict(size=12, color=theme.TEXTE))
        fig.add_trace(_trace_points(choisis, X.unite, Y.unite, name="Territoires choisis",
                                    marker=dict(color=theme.BLEU_FRANCE, size=12,
                                                line=dict(color=theme.BLANC, width=1))))
    ref = dict(zip(refs["indicateur"].to_list(), refs["valeur"].to_list()))
    for axe, code_ref in (("x", ix), ("y", iy)):
        v = ref.get(code_ref)
        if v is not None and REGISTRE[code_ref].est_ratio:
            (fig.add_vline if axe == "x" else fig.add_hline)(
                v, line=dict(color=theme.ROUGE_MARIANNE, width=1.5, dash="dash"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="France",
                             line=dict(color=theme.ROUGE_MARIANNE, width=1.5, dash="dash")))
    fig.update_layout(
        height=560, legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
        xaxis=dict(title=dict(text=X.libelle), ticksuffix=SUFFIXES.get(X.unite, "")),
        yaxis=dict(title=dict(text=Y.libelle), ticksuffix=SUFFIXES.get(Y.unite, "")),
    )
    return fig


def legende_nuage(n: pl.DataFrame) -> str:
    """Combien de territoires sont dans le nuage (les deux valeurs) et combien n'y sont pas."""
    avec = n.drop_nulls(["x", "y"]).height
    manquants = n.height - avec
    return (f"Chaque point est un territoire ({fmt.nombre(avec)} avec les deux valeurs"
            + (f", {fmt.nombre(manquants)} sans" if manquants else "") + "). Les tirets rouges marquent la "
            "valeur de la France pour un ratio.")


def libelles_export_nuage(ix: str, iy: str) -> dict[str, str]:
    """En-têtes du fichier du nuage : les deux indicateurs nommés."""
    return {**LIBELLES_EXPORT, "x": f"{REGISTRE[ix].libelle} (X)", "y": f"{REGISTRE[iy].libelle} (Y)"}


__all__ = [
    "AIDE_RANG", "FONDS", "LEGENDE", "LIBELLES_EXPORT", "SYMBOLES", "TEXTES", "TableauColore", "barres",
    "correspondances", "court", "entetes_territoires", "export_positions", "figure_distribution", "figure_nuage",
    "figure_serie", "indicateurs_du_pas", "legende_distribution", "legende_nuage", "legende_serie",
    "libelle_indicateur", "libelles_export_nuage", "ordonner_territoires", "periode", "rang", "region_de",
    "tableau_cote_a_cote", "tableau_detail", "tableau_resume",
]
