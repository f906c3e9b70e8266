"""Comparer des territoires : jusqu'à 12 régions, départements ou Missions Locales, sur des indicateurs du
registre, pour une année ou une période. Mise en page et widgets seulement : les calculs sont dans
``requetes/comparaison.py`` (positions, références, séries, nuage, territoires comparables).

Tout l'état de la page est dans l'URL (widgets liés par ``interface.etat.selection_url`` et onglets
liés à l'URL) : un lien envoyé rouvre la même comparaison."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from interface import chargement, etat, navigation, theme
from interface.entete import entete
from interface.graphiques import barres_territoires
from interface.telechargement import boutons_telechargement, en_csv, en_xlsx, nom_fichier
from presentation import format as fmt
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE

ONGLETS = ("Tableau", "Barres", "Distribution", "Évolution", "Nuage de points", "Territoires comparables")
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
LIBELLES_EXPORT = {
    "code": "Code", "nom": "Territoire", "code_region": "Code région", "indicateur": "Code indicateur",
    "libelle": "Indicateur", "theme": "Thème", "unite": "Unité", "sens": "Sens (1 plus haut = mieux, -1 plus bas = mieux)",
    "numerateur": "Numérateur", "denominateur": "Dénominateur", "valeur": "Valeur", "valeur_nationale": "France",
    "valeur_region": "Région", "ecart_national": "Écart à la France", "ecart_region": "Écart à la région",
    "part_nationale": "Part du national (%)", "rang": "Rang", "nb": "Territoires classés", "centile": "Centile",
    "appreciation": "Par rapport à la France", "periode": "Période", "x": "Indicateur X", "y": "Indicateur Y",
    "distance": "Distance de contexte", "proximite": "Proximité (0 = territoire de référence)",
    "population_16_25": "Jeunes de 16 à 25 ans", "taux_neet": "Taux de NEET (%)",
    "de_moins_26_pour_1000": "Demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes",
    "densite": "Densité (hab./km²)", "population": "Population municipale", "superficie_km2": "Superficie (km²)",
}


def libelle_indicateur(code: str) -> str:
    i = REGISTRE[code]
    return f"{i.theme} › {i.libelle}"


def valeur(v, unite: str) -> str:
    return fmt.format_valeur(v, unite)


def court(nom: str) -> str:
    """« Mission Locale de Tarbes » → « ML de Tarbes » (en-têtes et tableaux étroits)."""
    return "ML" + nom[len("Mission Locale"):] if nom.startswith("Mission Locale ") else nom


def rang(r, n) -> str:
    if r is None or n is None:
        return fmt.TIRET
    return f"{fmt.nombre(r)}ᵉ / {fmt.nombre(n)}" if r > 1 else f"1ᵉʳ / {fmt.nombre(n)}"


def style_appreciations(df: pd.DataFrame, appreciations: pd.DataFrame):
    """Styler : fond et texte selon l'appréciation (même forme que ``df``)."""

    def css(a) -> str:
        if a in FONDS:
            return f"background-color: {FONDS[a]}; color: {TEXTES[a]}; font-weight: 600"
        return ""

    return df.style.apply(lambda _: appreciations.map(css), axis=None)


def telechargement_differe(df: pl.DataFrame, base_nom: str, *, cle: str, feuille: str) -> None:
    """Comme ``boutons_telechargement`` (mêmes formats : ``en_csv`` / ``en_xlsx``), mais le fichier n'est
    fabriqué qu'au clic : l'XLSX de tous les territoires d'une maille prend plus d'une seconde."""
    with st.container(horizontal=True):
        st.download_button(
            "Télécharger en CSV", data=lambda: en_csv(df, LIBELLES_EXPORT), file_name=nom_fichier(base_nom, "csv"),
            mime="text/csv", key=f"{cle}_csv", icon=":material/download:", on_click="ignore",
            help="Séparateur « ; », virgule décimale, UTF-8 : s'ouvre directement dans un tableur français.")
        st.download_button(
            "Télécharger en Excel", data=lambda: en_xlsx(df, LIBELLES_EXPORT, feuille), key=f"{cle}_xlsx",
            file_name=nom_fichier(base_nom, "xlsx"), icon=":material/table_view:", on_click="ignore",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --------------------------------------------------------------------------------------------------
# Choix

f = etat.filtres_complets()
if not f.annees:
    entete("Comparer des territoires")
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

entete("Comparer des territoires", "Jusqu'à 12 territoires côte à côte, face à la France et à leur région.")
annees = sorted(a for a in f.annees if a <= f.annee)
col_maille, col_debut = st.columns([3, 1])
maille = etat.selection_url(
    "Maille", C.MAILLES_COMPARAISON, cle="cmp_maille", libelles=C.LIBELLES_MAILLES, defaut="ml",
    forme="segments", conteneur=col_maille,
    aide="Niveau des territoires comparés. Rangs, centiles et distributions portent sur tous les territoires de "
         "ce niveau.",
)
debut = etat.selection_url(
    "Première année", annees, cle="cmp_debut", defaut=f.annee, conteneur=col_debut,
    aide=f"Année seule ({f.annee}, choisie dans la barre latérale) ou période de plusieurs années jusqu'à "
         f"{f.annee} : volumes et montants cumulés, effectifs moyennés sur les années.",
)
periode = str(f.annee) if debut == f.annee else f"{debut} à {f.annee}"

terr = chargement.en_cache(C.territoires, maille)
if f.code_region:  # les territoires de la région choisie en tête de liste
    terr = pl.concat([terr.filter(pl.col("code_region") == f.code_region),
                      terr.filter(pl.col("code_region").ne_missing(f.code_region))])
libelles_terr = dict(zip(terr["code"].to_list(), terr["libelle"].to_list()))
noms = dict(zip(terr["code"].to_list(), terr["nom"].to_list()))
codes = etat.selection_url(
    f"{C.LIBELLES_MAILLES[maille]} à comparer (jusqu'à {C.MAX_TERRITOIRES})", list(libelles_terr),
    cle=f"cmp_territoires_{maille}", libelles=libelles_terr, multiple=True, max_selections=C.MAX_TERRITOIRES,
    placeholder="Tapez un nom ou un code", aide="Recherche par nom ou par code. "
    + ("Les territoires de la région choisie dans la barre latérale sont en tête de liste." if f.code_region else ""),
)
indicateurs = etat.selection_url(
    "Indicateurs (groupés par thème)", list(REGISTRE), cle="cmp_indicateurs", libelles=libelle_indicateur,
    multiple=True, defaut=list(C.INDICATEURS_PAR_DEFAUT), max_selections=12,
    placeholder="Tapez un thème ou un indicateur",
    aide="Indicateurs du registre commun (les mêmes que la carte et les exports), dans l'ordre des thèmes.",
)
if debut != f.annee:
    st.markdown(f"Période : **{periode}** (volumes et montants cumulés, effectifs moyennés sur les années).")
if not indicateurs:
    st.info("Choisissez au moins un indicateur.", icon=":material/info:")
    st.stop()

onglets = st.tabs(list(ONGLETS), key="cmp_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))


def positions_choisies() -> pl.DataFrame:
    return chargement.en_cache(C.positions, maille, debut, indicateurs, f.annee, codes)


# --------------------------------------------------------------------------------------------------
# Tableau côte à côte

with vues["Tableau"]:
    if vues["Tableau"].open:
        refs = chargement.en_cache(C.references, debut, indicateurs, f.annee)
        pos = positions_choisies() if codes else None
        if not codes:
            st.info(f"Choisissez jusqu'à {C.MAX_TERRITOIRES} territoires à comparer. En attendant, voici les valeurs "
                    "de la France.", icon=":material/info:")
        colonnes_terr = []
        for c in codes:  # en-têtes courts : « ML de Tarbes » ; le code s'ajoute en cas d'homonymie
            nom = noms.get(c, c)
            colonnes_terr.append(court(nom) if list(noms.values()).count(nom) == 1 else f"{court(nom)} ({c})")
        textes, apprec = [], []
        for r in refs.iter_rows(named=True):
            ligne = {"Indicateur": r["libelle"], "France": valeur(r["valeur"], r["unite"])}
            ligne_a = {"Indicateur": None, "France": None}
            if pos is not None:
                sous = {x["code"]: x for x in pos.filter(pl.col("indicateur") == r["indicateur"]).iter_rows(named=True)}
                for c, entete_col in zip(codes, colonnes_terr):
                    x = sous.get(c)
                    a = x["appreciation"] if x else None
                    ligne[entete_col] = valeur(x["valeur"] if x else None, r["unite"]) + SYMBOLES.get(a, "")
                    ligne_a[entete_col] = a
            textes.append(ligne)
            apprec.append(ligne_a)
        tableau = pd.DataFrame(textes)
        st.dataframe(style_appreciations(tableau, pd.DataFrame(apprec)), hide_index=True, key="cmp_tableau",
                     column_config={"Indicateur": st.column_config.TextColumn(width=320, pinned=True)})
        st.caption(LEGENDE)
        if pos is not None:
            st.subheader("Détail : références, écarts, rangs", anchor=False, help=AIDE_RANG)
            detail = pos.select(
                pl.col("nom").alias("Territoire"), pl.col("libelle").alias("Indicateur"),
                "valeur", "unite", "valeur_nationale", "valeur_region", "ecart_national", "part_nationale",
                "rang", "nb", "centile", "appreciation",
            )
            lignes = []
            for x in detail.iter_rows(named=True):
                u = x["unite"]
                lignes.append({
                    "Territoire": court(x["Territoire"]), "Indicateur": x["Indicateur"],
                    "Valeur": valeur(x["valeur"], u),
                    "France": valeur(x["valeur_nationale"], u),
                    **({} if maille == "region" else {"Sa région": valeur(x["valeur_region"], u)}),
                    "Écart à la France": (fmt.ecart(x["ecart_national"], u) if x["ecart_national"] is not None
                                          else (f"{fmt.pourcentage(x['part_nationale'], 2)} du total national"
                                                if x["part_nationale"] is not None else fmt.TIRET)),
                    "Rang": rang(x["rang"], x["nb"]),
                    "Centile": fmt.nombre(x["centile"]),
                    "Par rapport à la France": C.LIBELLES_APPRECIATION.get(x["appreciation"], fmt.TIRET),
                })
            d = pd.DataFrame(lignes)
            a = pd.DataFrame({c: (detail["appreciation"].to_list() if c in ("Valeur", "Écart à la France",
                                                                         "Par rapport à la France") else None)
                              for c in d.columns})
            st.dataframe(style_appreciations(d, a), hide_index=True, key="cmp_detail",
                         column_config={"Indicateur": st.column_config.TextColumn(width=260)})
            boutons_telechargement(
                pos.drop("maille", "est_ratio"), f"comparaison_{maille}_{periode}", cle="cmp_telechargement",
                libelles=LIBELLES_EXPORT, feuille="Comparaison",
            )


# --------------------------------------------------------------------------------------------------
# Barres par indicateur

with vues["Barres"]:
    if vues["Barres"].open:
        if not codes:
            st.info("Choisissez des territoires pour voir leurs barres.", icon=":material/info:")
        else:
            pos = positions_choisies()
            grille = st.columns(2)
            for k, code_ind in enumerate(indicateurs):
                i = REGISTRE[code_ind]
                sous = pos.filter(pl.col("indicateur") == code_ind)
                nat = sous["valeur_nationale"][0] if sous.height else None
                with grille[k % 2]:
                    st.markdown(f"**{i.libelle}**", help=f"{i.formule}.\n\n{i.definition}")
                    fig = barres_territoires(sous.select("code", "nom", "valeur"), i.unite, libelle_valeur=i.libelle,
                                             reference=(nat, "France") if i.est_ratio else None, hauteur_barre=26)
                    theme.afficher_graphique(fig, cle=f"cmp_barres_{code_ind}", nom_image=f"{code_ind}_{periode}",
                                             alt=f"{i.libelle} des territoires choisis, {periode}")


# --------------------------------------------------------------------------------------------------
# Distribution (boîtes à moustaches)

with vues["Distribution"]:
    if vues["Distribution"].open:
        toutes = chargement.en_cache(C.positions, maille, debut, indicateurs, f.annee)
        st.caption(f"Chaque boîte résume les {C.LIBELLES_MAILLES[maille].lower()} : médiane, quartiles, et les "
                   "territoires éloignés en points. Les territoires choisis sont placés dessous, nommés ; la valeur "
                   "de la France est en tirets rouges.")
        for code_ind in indicateurs:
            i = REGISTRE[code_ind]
            sous = toutes.filter((pl.col("indicateur") == code_ind) & pl.col("valeur").is_not_null())
            choisis = sous.filter(pl.col("code").is_in(codes))
            ordre = {c: k for k, c in enumerate(codes)}
            choisis = choisis.with_columns(pl.col("code").replace_strict(ordre, default=99).alias("_o")).sort(
                "_o", descending=True)
            nat = toutes.filter(pl.col("indicateur") == code_ind)["valeur_nationale"].first()
            noms_choisis = [fmt.echapper_html(n) for n in choisis["nom"].to_list()]
            ligne_boite = f"Toutes ({fmt.nombre(sous.height)})"
            fig = go.Figure()
            fig.add_trace(go.Box(
                x=sous["valeur"].to_list(), y=[ligne_boite] * sous.height, orientation="h", name="Tous",
                boxpoints="outliers", quartilemethod="linear", marker=dict(color=theme.GRIS_MOYEN, size=5),
                line=dict(color=theme.BLEU_FRANCE), fillcolor=theme.BLEU_CLAIR, showlegend=False,
                text=[fmt.echapper_html(n) for n in sous["nom"].to_list()],
                hovertemplate="%{text} : %{x}<extra></extra>",
            ))
            if choisis.height:
                couleurs = [TEXTES.get(a, theme.BLEU_FRANCE) for a in choisis["appreciation"].to_list()]
                textes = [valeur(v, i.unite) for v in choisis["valeur"].to_list()]
                fig.add_trace(go.Scatter(
                    x=choisis["valeur"].to_list(), y=noms_choisis, mode="markers+text",
                    marker=dict(color=couleurs, size=12, symbol="diamond", line=dict(color=theme.BLANC, width=1)),
                    text=textes, textposition="middle right", showlegend=False,
                    customdata=[rang(r, n) for r, n in zip(choisis["rang"].to_list(), choisis["nb"].to_list())],
                    hovertemplate="<b>%{y}</b><br>%{text}<br>Rang %{customdata}<extra></extra>",
                ))
            if nat is not None:
                fig.add_vline(x=nat, line=dict(color=theme.ROUGE_MARIANNE, width=2, dash="dash"))
                fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", showlegend=True,
                                         name=f"France : {valeur(nat, i.unite)}",
                                         line=dict(color=theme.ROUGE_MARIANNE, width=2, dash="dash")))
            suffixe = {"%": " %", "‰": " ‰"}.get(i.unite, "")
            fig.update_layout(
                title=dict(text=i.libelle, font=dict(size=15)), height=150 + 30 * choisis.height,
                margin=dict(l=10, r=70, t=60, b=10), xaxis=dict(ticksuffix=suffixe, title=None),
                yaxis=dict(categoryorder="array", categoryarray=[*noms_choisis, ligne_boite], title=None),
                legend=dict(orientation="h", x=1, xanchor="right", y=1.02, yanchor="bottom"),
            )
            theme.afficher_graphique(fig, cle=f"cmp_boite_{code_ind}", nom_image=f"distribution_{code_ind}_{periode}",
                                     alt=f"Distribution de {i.libelle} sur les {C.LIBELLES_MAILLES[maille].lower()}")
        resume = chargement.en_cache(C.resume_distribution, maille, debut, indicateurs, f.annee)
        telechargement_differe(toutes.drop("maille", "est_ratio"), f"distribution_{maille}_{periode}",
                               cle="cmp_telechargement_distribution", feuille="Distribution")
        with st.expander("Résumé des distributions"):
            st.dataframe(pd.DataFrame([{
                "Indicateur": REGISTRE[r["indicateur"]].libelle, "Territoires": fmt.nombre(r["nb"]),
                **{k: valeur(r[c], REGISTRE[r["indicateur"]].unite) for k, c in (
                    ("Minimum", "minimum"), ("1er quartile", "q1"), ("Médiane", "mediane"), ("3e quartile", "q3"),
                    ("Maximum", "maximum"))},
            } for r in resume.iter_rows(named=True)]), hide_index=True, key="cmp_resume")


# --------------------------------------------------------------------------------------------------
# Évolution

with vues["Évolution"]:
    if vues["Évolution"].open:
        c1, c2 = st.columns([1, 3])
        pas = etat.selection_url("Pas de temps", ["annee", "mois"], cle="cmp_pas", forme="segments",
                                 libelles={"annee": "Par année", "mois": "Par mois"}, conteneur=c1,
                                 aide="Par mois : seulement les indicateurs des orientations et de l'activité.")
        possibles = [c for c in indicateurs if pas == "annee" or REGISTRE[c].mensuel]
        if not possibles:
            st.info("Aucun des indicateurs choisis ne se calcule mois par mois : choisissez « Par année » ou un "
                    "indicateur des orientations ou de l'activité.", icon=":material/info:")
        else:
            code_ind = etat.selection_url("Indicateur", possibles, cle="cmp_serie", libelles=libelle_indicateur,
                                          conteneur=c2)
            i = REGISTRE[code_ind]
            s = chargement.en_cache(C.series, maille, codes, code_ind, pas)
            fig = go.Figure()
            couleurs = [c for c in theme.PALETTE_CATEGORIELLE if c not in (theme.ROUGE_MARIANNE, theme.GRIS_MOYEN)]
            couleurs += ["#8585F6", "#6E445A", "#3558A2", "#716043", "#BD987A"]
            for k, c in enumerate(codes + ["FR"]):
                d = s.filter(pl.col("code") == c)
                if d.is_empty():
                    continue
                france = c == "FR"
                fig.add_trace(go.Scatter(
                    x=d["periode"].to_list(), y=d["valeur"].to_list(), mode="lines" if pas == "mois" else "lines+markers",
                    name=fmt.echapper_html(d["nom"][0]),
                    line=dict(color=theme.ROUGE_MARIANNE if france else couleurs[k % len(couleurs)],
                              width=3 if france else 2, dash="dash" if france else "solid"),
                    customdata=[valeur(v, i.unite) for v in d["valeur"].to_list()],
                    hovertemplate="%{fullData.name} : %{customdata}<extra></extra>",
                ))
            suffixe = {"%": " %", "‰": " ‰"}.get(i.unite, "")
            fig.update_layout(
                height=460, hovermode="x unified", yaxis=dict(ticksuffix=suffixe, title=None),
                xaxis=dict(title=None, tickformat="%Y" if pas == "annee" else "%b %Y", dtick="M12" if pas == "annee" else None),
                legend=dict(orientation="h", x=0, y=-0.12, yanchor="top"), margin=dict(l=10, r=10, t=30, b=10),
            )
            if debut != f.annee:
                fig.add_vrect(x0=f"{debut}-01-01", x1=f"{f.annee}-12-31", fillcolor=theme.BLEU_CLAIR, opacity=0.5,
                              line_width=0, layer="below")
            theme.afficher_graphique(fig, cle="cmp_serie_graphique", nom_image=f"serie_{code_ind}",
                                     alt=f"Évolution de {i.libelle}, territoires choisis et France")
            st.caption(f"{i.libelle} : {i.formule}. France en tirets rouges." + (
                " Zone bleutée : période choisie." if debut != f.annee else ""), help=i.definition)
            boutons_telechargement(s, f"serie_{code_ind}_{maille}", cle="cmp_telechargement_serie",
                                   libelles=LIBELLES_EXPORT, feuille="Série")


# --------------------------------------------------------------------------------------------------
# Nuage de points

with vues["Nuage de points"]:
    if vues["Nuage de points"].open:
        c1, c2 = st.columns(2)
        ix = etat.selection_url("Indicateur en abscisse (X)", list(REGISTRE), cle="cmp_x", libelles=libelle_indicateur,
                                defaut=C.NUAGE_PAR_DEFAUT[0], conteneur=c1)
        iy = etat.selection_url("Indicateur en ordonnée (Y)", list(REGISTRE), cle="cmp_y", libelles=libelle_indicateur,
                                defaut=C.NUAGE_PAR_DEFAUT[1], conteneur=c2)
        n = chargement.en_cache(C.nuage, maille, debut, ix, iy, f.annee)
        refs = chargement.en_cache(C.references, debut, [ix, iy], f.annee)
        ref = dict(zip(refs["indicateur"].to_list(), refs["valeur"].to_list()))
        X, Y = REGISTRE[ix], REGISTRE[iy]
        points = n.drop_nulls(["x", "y"])
        autres = points.filter(~pl.col("code").is_in(codes))
        choisis = points.filter(pl.col("code").is_in(codes))
        fig = go.Figure()
        fig.add_trace(go.Scatter(
            x=autres["x"].to_list(), y=autres["y"].to_list(), mode="markers", name=C.LIBELLES_MAILLES[maille],
            marker=dict(color="#ADADF9", size=8, line=dict(color=theme.BLANC, width=0.5)),
            text=[fmt.echapper_html(n) for n in autres["nom"].to_list()],
            customdata=[[valeur(a, X.unite), valeur(b, Y.unite)] for a, b in zip(autres["x"], autres["y"])],
            hovertemplate="<b>%{text}</b><br>X : %{customdata[0]}<br>Y : %{customdata[1]}<extra></extra>",
        ))
        if choisis.height:
            for r in choisis.iter_rows(named=True):  # étiquettes sur fond blanc, lisibles au-dessus du nuage
                fig.add_annotation(x=r["x"], y=r["y"], text=fmt.echapper_html(r["nom"]), showarrow=True, arrowhead=0,
                                   ax=0, ay=-22, bgcolor="rgba(255,255,255,0.85)", bordercolor=theme.BLEU_FRANCE,
                                   borderwidth=1, font=dict(size=12, color=theme.TEXTE))
            fig.add_trace(go.Scatter(
                x=choisis["x"].to_list(), y=choisis["y"].to_list(), mode="markers", name="Territoires choisis",
                marker=dict(color=theme.BLEU_FRANCE, size=12, line=dict(color=theme.BLANC, width=1)),
                text=[fmt.echapper_html(n) for n in choisis["nom"].to_list()],
                customdata=[[valeur(a, X.unite), valeur(b, Y.unite)] for a, b in zip(choisis["x"], choisis["y"])],
                hovertemplate="<b>%{text}</b><br>X : %{customdata[0]}<br>Y : %{customdata[1]}<extra></extra>",
            ))
        for axe, code_ref in (("x", ix), ("y", iy)):
            v = ref.get(code_ref)
            if v is not None and REGISTRE[code_ref].est_ratio:
                (fig.add_vline if axe == "x" else fig.add_hline)(
                    v, line=dict(color=theme.ROUGE_MARIANNE, width=1.5, dash="dash"))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="France",
                                 line=dict(color=theme.ROUGE_MARIANNE, width=1.5, dash="dash")))
        suffixe = {"%": " %", "‰": " ‰"}
        fig.update_layout(
            height=560, legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
            xaxis=dict(title=dict(text=X.libelle), ticksuffix=suffixe.get(X.unite, "")),
            yaxis=dict(title=dict(text=Y.libelle), ticksuffix=suffixe.get(Y.unite, "")),
        )
        theme.afficher_graphique(fig, cle="cmp_nuage_graphique", nom_image=f"nuage_{ix}_{iy}",
                                 alt=f"{Y.libelle} selon {X.libelle}, tous les territoires")
        manquants = n.height - points.height
        st.caption(f"Chaque point est un territoire ({fmt.nombre(points.height)} avec les deux valeurs"
                   + (f", {fmt.nombre(manquants)} sans" if manquants else "") + "). Les tirets rouges marquent la "
                   "valeur de la France pour un ratio.")
        boutons_telechargement(n, f"nuage_{ix}_{iy}_{maille}", cle="cmp_telechargement_nuage",
                               libelles={**LIBELLES_EXPORT, "x": f"{X.libelle} (X)", "y": f"{Y.libelle} (Y)"}, feuille="Nuage")


# --------------------------------------------------------------------------------------------------
# Territoires comparables

def lien_portrait(maille: str, code: str) -> None:
    """Lien vers le portrait du territoire (mêmes filtres partagés), si la page existe."""
    page = navigation.entree("pages/portrait.py")
    if page is None or not page.existe():
        return
    params = {k: st.query_params.get_all(k) for k in (etat.CLE_ANNEE, etat.CLE_REGION) if k in st.query_params}
    params["portrait_maille"] = C.LIBELLES_MAILLES[maille]
    params[f"portrait_territoire_{maille}"] = libelles_terr[code]
    st.page_link(str(page.chemin), label=f"Portrait de {fmt.echapper_markdown(noms.get(code, code))}",
                 icon=":material/location_city:",
                 query_params=params)


def _comparer(codes_voisins: list[str], cle: str) -> None:
    st.session_state[cle] = codes_voisins[: C.MAX_TERRITOIRES]


with vues["Territoires comparables"]:
    if vues["Territoires comparables"].open:
        st.markdown(
            "Les territoires les plus proches par leur **contexte** : jeunes de 16 à 25 ans, taux de NEET, "
            "demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes, densité de population (rural ou urbain). "
            "Pour comparer ce qui est comparable.",
            help=" ".join(f"{v.libelle} : {v.definition}" for v in C.VARIABLES_CONTEXTE)
            + " Chaque variable est centrée-réduite sur la maille ; distance euclidienne, poids égaux.",
        )
        c1, c2 = st.columns([3, 1])
        reference = etat.selection_url(
            "Territoire de référence", list(libelles_terr), cle=f"cmp_reference_{maille}", libelles=libelles_terr,
            defaut=codes[0] if codes else None, conteneur=c1)
        perimetre = "france" if maille == "region" else etat.selection_url(
            "Chercher", ["france", "region"], cle="cmp_perimetre", forme="segments", conteneur=c2,
            libelles={"france": "Partout", "region": "Même région"})
        region_ref = terr.filter(pl.col("code") == reference)["code_region"].first() if reference else None
        voisins = chargement.en_cache(C.comparables, maille, reference, debut, f.annee, 10,
                                      region_ref if perimetre == "region" else None)
        if voisins.is_empty():
            st.info("Pas de territoire comparable : il manque à ce territoire une des variables de contexte "
                    "(jeunes, NEET, demandeurs d'emploi ou densité).", icon=":material/info:")
        elif voisins.height == 1:
            st.info("Aucun autre territoire de la maille n'a toutes les variables de contexte dans ce périmètre.",
                    icon=":material/info:")
        else:
            lignes = [{
                "Territoire": ("➤ " if r["proximite"] == 0 else "") + r["nom"],
                "Code": r["code"],
                "Jeunes de 16 à 25 ans": fmt.nombre(r["population_16_25"]),
                "Taux de NEET": fmt.pourcentage(r["taux_neet"]),
                "DE < 26 ans pour 1 000 jeunes": fmt.pour_mille(r["de_moins_26_pour_1000"]),
                "Densité (hab./km²)": fmt.nombre(r["densite"], 1 if (r["densite"] or 0) < 10 else 0),
                "Distance": "référence" if r["proximite"] == 0 else fmt.nombre(r["distance"], 2),
            } for r in voisins.iter_rows(named=True)]
            st.dataframe(pd.DataFrame(lignes), hide_index=True, key="cmp_comparables_tableau",
                         height=38 + 35 * len(lignes))
            st.caption("Distance : 0 = contexte identique ; autour de 1, un écart-type d'écart sur une variable.")
            with st.container(horizontal=True):
                st.button("Comparer ces territoires", icon=":material/compare_arrows:", key="cmp_bouton_comparables",
                          on_click=_comparer, args=(voisins["code"].to_list(), f"cmp_territoires_{maille}"),
                          help="Remplace la sélection par le territoire de référence et ses voisins les plus proches.")
                lien_portrait(maille, reference)
            boutons_telechargement(voisins, f"comparables_{reference}", cle="cmp_telechargement_comparables",
                                   libelles=LIBELLES_EXPORT, feuille="Comparables")
