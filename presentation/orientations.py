"""Page « Orientations », sans Streamlit : figures Plotly, tableaux et textes prêts à afficher, faits à
partir des résultats de ``requetes/orientations.py`` (nombres et codes). La page
(``pages/orientations.py``) les affiche.

Une figure qui n'a rien à montrer (aucune orientation dans ce sens, aucun territoire) est ``None`` : la
page affiche alors son message. Les noms de territoires et de ML viennent des exports : échappés pour
Plotly (``echapper_html``) dans les figures, pour Markdown (``echapper_markdown``) dans les textes.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from donnees.contrat import LIBELLES_MOTIF, MOTIFS
from presentation import format as fmt
from presentation.theme import BLEU_FRANCE, GRIS_FONCE, GRIS_MOYEN, ROUGE_MARIANNE
from requetes import orientations as O

TOUTES = ""  # option « toutes les ML du périmètre »
COULEURS_SENS = {"ft_vers_ml": BLEU_FRANCE, "ml_vers_ft": "#009081"}
COULEURS_MOTIF = dict(zip(MOTIFS, [ROUGE_MARIANNE, "#E4794A", BLEU_FRANCE, "#6A6AF4", "#009081", GRIS_MOYEN]))
LIBELLES_METRIQUES = {"doubles_pour_1000": "Doubles accompagnements (‰)"}
NB_BARRES = 20  # territoires montrés dans les graphiques de classement (tous dans les tableaux)
NB_NOMS_SIGNALES = 12  # territoires signalés nommés dans l'alerte des motifs
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre")
# Arrondis des tableaux à l'écran : taux au dixième, volumes de jeunes à l'unité (presentation.tableaux).
DECIMALES = 0
DECIMALES_COLONNES = dict.fromkeys(O.COLONNES_TAUX, 1)


def _ligne_de_reference(fig: go.Figure, x: float, nom: str) -> None:
    """Une ligne verticale en tirets gris (référence ou seuil) et son entrée de légende ``nom``."""
    ligne = dict(color=GRIS_FONCE, dash="dash", width=2)
    fig.add_vline(x=x, line=ligne)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip", name=nom, line=ligne))


def _jeunes(v) -> str:
    return fmt.format_valeur(v, "jeunes")


def _nom(nom, gras: bool) -> str:
    return f"<b>{fmt.echapper_html(nom)}</b>" if gras else fmt.echapper_html(nom)


def libelle_metrique(chiffre) -> str | None:
    """Libellé du chiffre clé quand il diffère de celui du registre, sinon ``None``."""
    return LIBELLES_METRIQUES.get(chiffre.cle)


def libelles_ml(options: pl.DataFrame, territoire: str) -> dict[str, str]:
    """Options du choix de la Mission Locale : ``TOUTES`` puis chaque ML (code -> « Nom (code) »)."""
    return {TOUTES: f"Toutes les ML ({territoire})", **dict(zip(options["code_ml"], options["libelle"]))}


def titre_sens(sens: str) -> str:
    """Titre Markdown d'une colonne « sens » des flux mensuels."""
    return (f"**{O.LIBELLES_SENS_COURTS[sens]}**"
            + (" (délégation du PPAE)" if sens == "ft_vers_ml" else " (prestations et mesures)"))


# --------------------------------------------------------------------------------------------------
# Flux mensuels
# --------------------------------------------------------------------------------------------------

def figure_mensuelle(serie: pl.DataFrame, sens: str, annee: int) -> go.Figure | None:
    """Barres de l'année par mois dans un sens, et ligne pointillée du même mois l'année précédente ;
    ``None`` sans aucune valeur ni l'une ni l'autre année."""
    d = serie.filter(pl.col("sens") == sens)
    if d["valeur"].null_count() == d.height and d["valeur_precedente"].null_count() == d.height:
        return None
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=d["libelle_mois"].to_list(), y=d["valeur"].to_list(), name=str(annee),
        marker=dict(color=COULEURS_SENS[sens]),
        customdata=fmt.textes(lambda v, e: [_jeunes(v), fmt.pourcentage(e, signe=True)], d["valeur"],
                              d["evolution"]),
        hovertemplate="%{x} " + str(annee) + " : %{customdata[0]}<br>sur un an : %{customdata[1]}"
                      "<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=d["libelle_mois"].to_list(), y=d["valeur_precedente"].to_list(), name=str(annee - 1),
        mode="lines+markers", line=dict(color=GRIS_FONCE, dash="dot", width=2),
        customdata=fmt.textes(_jeunes, d["valeur_precedente"]),
        hovertemplate="%{x} " + str(annee - 1) + " : %{customdata}<extra></extra>",
    ))
    fig.update_layout(height=340, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      yaxis=dict(title="Jeunes", rangemode="tozero", tickformat=",d"),
                      xaxis=dict(title=None),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


# --------------------------------------------------------------------------------------------------
# Entonnoir et pertes
# --------------------------------------------------------------------------------------------------

def figure_entonnoir(ent: pl.DataFrame, sens: str) -> go.Figure | None:
    """Entonnoir orientés → acceptés → entrés d'un sens ; ``None`` sans jeune orienté."""
    valeurs = ent["jeunes"].to_list()
    if not valeurs or valeurs[0] in (None, 0):
        return None
    textes = fmt.textes(lambda v, p: f"{_jeunes(v)} ({fmt.pourcentage(p)})", ent["jeunes"], ent["part_initiale"])
    fig = go.Figure(go.Funnel(
        y=ent["libelle"].to_list(), x=valeurs, text=textes, textinfo="text", textposition="inside",
        marker=dict(color=[COULEURS_SENS[sens], "#6A6AF4" if sens == "ft_vers_ml" else "#4FB8A7",
                           "#ADADF9" if sens == "ft_vers_ml" else "#95D5CB"]),
        textfont=dict(color=["#FFFFFF", "#FFFFFF", "#161616"]),
        connector=dict(line=dict(color=GRIS_MOYEN, width=1)),
        customdata=textes, hovertemplate="%{y} : %{customdata}<extra></extra>",
    ))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(title=None))
    return fig


def texte_pertes(ent: pl.DataFrame) -> str:
    """Les deux pertes de l'entonnoir en liste Markdown, en jeunes et en % des orientés."""
    orientes = ent["jeunes"][0]
    perte_acc, perte_ent = ent["perte"].to_list()[1:]
    return (f"- Refusés par la structure d'accueil : **{_jeunes(perte_acc)}** "
            f"({fmt.pourcentage(100 * perte_acc / orientes)} des orientés)\n"
            f"- Acceptés mais jamais entrés : **{_jeunes(perte_ent)}** "
            f"({fmt.pourcentage(100 * perte_ent / orientes)} des orientés)")


def perte_nationale(reference: pl.DataFrame) -> float | None:
    """Taux de perte de la France (100 − part des orientés entrés) d'après son entonnoir."""
    transformation = reference["part_initiale"][2]
    return None if transformation is None else 100.0 - transformation


def figure_pertes(pertes: pl.DataFrame, reference: pl.DataFrame, codes_surlignes: tuple) -> go.Figure | None:
    """Barres empilées (refusés, jamais entrés, en % des orientés) des ``NB_BARRES`` territoires au taux
    de perte le plus élevé, avec le taux de la France en tirets ; ``None`` sans territoire."""
    haut = pertes.filter(pl.col("taux_perte").is_not_null()).head(NB_BARRES).reverse()
    if haut.is_empty():
        return None
    noms = fmt.textes(lambda c, n: _nom(n, c in codes_surlignes), haut["code"], haut["nom"])
    fig = go.Figure()
    for col, libelle, couleur in (("part_refus", "Refusés", ROUGE_MARIANNE),
                                  ("part_non_entres", "Acceptés jamais entrés", "#E4794A")):
        fig.add_trace(go.Bar(
            x=haut[col].to_list(), y=noms, orientation="h", name=libelle + " (% des orientés)",
            marker=dict(color=couleur),
            customdata=fmt.textes(lambda v, n: [fmt.pourcentage(v), _jeunes(n)], haut[col],
                                  haut["refuses" if col == "part_refus" else "non_entres"]),
            hovertemplate="<b>%{y}</b><br>" + libelle + " : %{customdata[0]} (%{customdata[1]})<extra></extra>",
        ))
    nationale = perte_nationale(reference)
    if nationale is not None:
        _ligne_de_reference(fig, nationale, f"Taux de perte de la France : {fmt.pourcentage(nationale)}")
    fig.update_layout(barmode="stack", height=max(320, 26 * haut.height + 110),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                      xaxis=dict(title="Taux de perte (% des jeunes orientés)", ticksuffix=" %"),
                      yaxis=dict(title=None), margin=dict(l=10, r=10, t=50, b=10))
    return fig


def note_pertes(pertes: pl.DataFrame) -> str | None:
    """Note sous le graphique des pertes quand il ne montre pas tous les territoires."""
    if pertes.height <= NB_BARRES:
        return None
    return (f"Les {NB_BARRES} taux de perte les plus élevés sur {fmt.nombre(pertes.height)} ; "
            "tous les territoires sont dans le tableau.")


# --------------------------------------------------------------------------------------------------
# Motifs
# --------------------------------------------------------------------------------------------------

def regle_motifs(seuil: float) -> str:
    """La règle de signalement des motifs, avec le seuil choisi."""
    return O.REGLE_MOTIFS.format(seuil=fmt.pourcentage(seuil, 0))


def figure_mix(mix: pl.DataFrame, perimetre: str) -> go.Figure | None:
    """Barre empilée : part de chaque motif dans les orientations France Travail → ML du périmètre ;
    ``None`` sans orientation."""
    if mix["orientes"].sum() == 0:
        return None
    fig = go.Figure()
    for m, libelle, v, p in mix.select("motif", "libelle", "orientes", "part").iter_rows():
        fig.add_trace(go.Bar(
            x=[p], y=[fmt.echapper_html(perimetre)], orientation="h", name=libelle,
            marker=dict(color=COULEURS_MOTIF[m]),
            text=[fmt.pourcentage(p, 0) if p and p >= 4 else ""], textposition="inside",
            customdata=[[_jeunes(v), fmt.pourcentage(p)]],
            hovertemplate=libelle + " : %{customdata[0]} (%{customdata[1]})<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=170,
                      legend=dict(orientation="h", y=1.1, yanchor="bottom", x=0, traceorder="normal"),
                      xaxis=dict(range=[0, 100], ticksuffix=" %", title=None),
                      yaxis=dict(showticklabels=False, title=None), margin=dict(l=10, r=10, t=40, b=10))
    return fig


def alerte_motifs(motifs: pl.DataFrame, seuil: float) -> tuple[bool, str]:
    """(des territoires sont signalés ?, texte Markdown de l'alerte ou du constat rassurant)."""
    signales = motifs.filter(pl.col("signale"))
    if signales.is_empty():
        return False, (f"Aucun territoire à cette maille n'oriente à plus de {fmt.pourcentage(seuil, 0)} pour "
                       "difficultés sociales ou éloignement de l'emploi.")
    n = signales.height
    noms = ", ".join(fmt.echapper_markdown(nom) for nom in signales["nom"].head(NB_NOMS_SIGNALES).to_list())
    reste = n - min(n, NB_NOMS_SIGNALES)
    return True, (f"**{fmt.nombre(n)}** territoire{'s' if n > 1 else ''} sur {fmt.nombre(motifs.height)} "
                  f"orient{'ent' if n > 1 else 'e'} à plus de {fmt.pourcentage(seuil, 0)} pour difficultés sociales "
                  f"ou éloignement de l'emploi : {noms}"
                  + (f" et {fmt.nombre(reste)} autre{'s' if reste > 1 else ''}." if reste else "."))


def figure_motifs(motifs: pl.DataFrame, maille: str, seuil: float,
                  codes_surlignes: tuple) -> tuple[go.Figure, str] | None:
    """Barres empilées de la part de chaque motif par territoire (les plus dépendants des difficultés
    sociales et de l'éloignement en haut, ⚑ au-dessus du seuil), et la note qui l'accompagne ; ``None``
    sans territoire ayant des orientations."""
    haut = motifs.filter(pl.col("orientes") > 0).head(NB_BARRES * 2 if maille != "ml" else NB_BARRES).reverse()
    if haut.is_empty():
        return None
    noms = fmt.textes(lambda c, n, s: ("⚑ " if s else "") + _nom(n, c in codes_surlignes),
                      haut["code"], haut["nom"], haut["signale"])
    fig = go.Figure()
    for m in MOTIFS:
        fig.add_trace(go.Bar(
            x=haut[f"part_{m}"].to_list(), y=noms, orientation="h", name=LIBELLES_MOTIF[m],
            marker=dict(color=COULEURS_MOTIF[m]),
            hovertemplate="<b>%{y}</b><br>" + LIBELLES_MOTIF[m] + " : %{x:.1f} %<extra></extra>",
        ))
    _ligne_de_reference(fig, seuil, f"Seuil : {fmt.pourcentage(seuil, 0)}")
    fig.update_layout(barmode="stack", height=max(320, 24 * haut.height + 120),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                      xaxis=dict(range=[0, 100], ticksuffix=" %", title="% des jeunes orientés"),
                      yaxis=dict(title=None), margin=dict(l=10, r=10, t=60, b=10))
    note = ("L'éloignement de l'emploi (rouge) et les difficultés sociales (orange) sont à gauche de chaque barre ; "
            "⚑ marque les territoires au-dessus du seuil"
            + (f" ; {haut.height} territoires les plus concernés montrés sur {fmt.nombre(motifs.height)}."
               if motifs.height > haut.height else "."))
    return fig, note


# --------------------------------------------------------------------------------------------------
# Objectif annuel
# --------------------------------------------------------------------------------------------------

def objectif_annuel(suivi: pl.DataFrame) -> float | None:
    """L'objectif annuel du périmètre (le même sur chaque mois du suivi)."""
    return suivi["objectif_annuel"][0]


def figure_objectif(suivi: pl.DataFrame) -> go.Figure | None:
    """Barres des entrées cumulées mois par mois et ligne de l'objectif au prorata ; ``None`` sans objectif
    ni entrée connue."""
    objectif = objectif_annuel(suivi)
    if objectif is None and suivi["entrees_cumulees"].null_count() == suivi.height:
        return None
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=suivi["libelle_mois"].to_list(), y=suivi["entrees_cumulees"].to_list(), name="Entrées cumulées",
        marker=dict(color=BLEU_FRANCE),
        customdata=fmt.textes(lambda e, a: [_jeunes(e), fmt.pourcentage(a)], suivi["entrees_cumulees"],
                              suivi["atteinte_prorata"]),
        hovertemplate="Fin %{x} : %{customdata[0]} entrées cumulées<br>%{customdata[1]} du prorata"
                      "<extra></extra>",
    ))
    if objectif is not None:
        fig.add_trace(go.Scatter(
            x=suivi["libelle_mois"].to_list(), y=suivi["objectif_prorata"].to_list(), mode="lines+markers",
            name=f"Objectif au prorata (objectif annuel : {_jeunes(objectif)})",
            line=dict(color=ROUGE_MARIANNE, dash="dash", width=2),
            customdata=fmt.textes(_jeunes, suivi["objectif_prorata"]),
            hovertemplate="Fin %{x} : objectif au prorata %{customdata}<extra></extra>",
        ))
    fig.update_layout(height=360, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      yaxis=dict(title="Jeunes entrés (cumul)", rangemode="tozero", tickformat=",d"),
                      xaxis=dict(title=None),
                      margin=dict(l=10, r=10, t=40, b=10))
    return fig


def texte_objectif(suivi: pl.DataFrame) -> str | None:
    """Constat au dernier mois connu : entrées cumulées, prorata, atteinte et écart ; ``None`` sans mois
    connu."""
    connus = suivi.filter(pl.col("entrees_cumulees").is_not_null())
    if connus.is_empty():
        return None
    dernier = connus.tail(1).row(0, named=True)
    texte = f"À fin {fmt.date_mois(dernier['mois'])} : **{_jeunes(dernier['entrees_cumulees'])}** entrées"
    if dernier["objectif_prorata"] is not None:
        texte += (f" pour un prorata de {_jeunes(dernier['objectif_prorata'])}, soit "
                  f"**{fmt.pourcentage(dernier['atteinte_prorata'])}** du prorata "
                  f"(écart : {fmt.format_valeur(dernier['ecart'], 'jeunes', signe=True)}).")
    return texte


def texte_objectif_national(national: float | None, objectif: float | None) -> str | None:
    """Objectif national de l'accord (table enveloppe) face à la somme des objectifs des ML."""
    if national is not None and objectif is not None and abs(national - objectif) >= 0.5:
        return (f"L'objectif national de l'accord (table enveloppe) est de {_jeunes(national)} ; la somme des "
                f"objectifs des ML, utilisée ici, est de {_jeunes(objectif)}.")
    if national is not None:
        return f"La somme des objectifs des ML est égale à l'objectif national de l'accord ({_jeunes(national)})."
    return None


def note_prorata(par_terr: pl.DataFrame) -> str | None:
    """Comment se lit l'atteinte du prorata des territoires (mois écoulés) ; ``None`` sans mois connu."""
    if par_terr.is_empty() or not par_terr["nb_mois"][0]:
        return None
    return (f"Entrées cumulées de janvier à {fmt.date_mois(par_terr['dernier_mois'][0])} rapportées à "
            f"l'objectif annuel × {par_terr['nb_mois'][0]} ÷ 12. Les territoires les plus en retard en premier.")


def territoires_en_retard(par_terr: pl.DataFrame) -> pl.DataFrame:
    """Les ``NB_BARRES`` territoires les plus en retard sur le prorata : code, nom, valeur (atteinte en %),
    pour ``interface.graphiques.barres_territoires``."""
    return (par_terr.filter(pl.col("atteinte_prorata").is_not_null()).head(NB_BARRES)
            .select("code", "nom", pl.col("atteinte_prorata").alias("valeur")))


# --------------------------------------------------------------------------------------------------
# Doubles accompagnements
# --------------------------------------------------------------------------------------------------

def figure_doubles(mensuel: pl.DataFrame, annee: int) -> go.Figure:
    """Courbe des doubles accompagnements pour 1 000 jeunes accompagnés, mois par mois, l'année choisie
    sur fond bleuté."""
    fig = go.Figure()
    fig.add_vrect(x0=f"{annee}-01-01", x1=f"{annee}-12-31", fillcolor="#E3E3FD", opacity=0.6,
                  line_width=0, layer="below")
    fig.add_trace(go.Scatter(
        x=mensuel["mois"].to_list(), y=mensuel["doubles_pour_1000"].to_list(), mode="lines",
        name="Doubles accompagnements pour 1 000 jeunes accompagnés", line=dict(color=BLEU_FRANCE, width=2),
        customdata=fmt.textes(lambda m, d: [f"{MOIS[m.month - 1]} {m.year}", d], mensuel["mois"],
                              mensuel["doubles_accompagnements"]),
        hovertemplate="%{customdata[0]} : %{y:.1f} ‰ (%{customdata[1]:,.0f} jeunes)<extra></extra>",
    ))
    fig.update_layout(height=340, showlegend=False, yaxis=dict(title="‰ des jeunes accompagnés",
                                                               rangemode="tozero"),
                      xaxis=dict(title=None), margin=dict(l=10, r=10, t=10, b=10))
    return fig
