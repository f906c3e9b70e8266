"""Orientations entre France Travail et les Missions Locales : flux mensuels, entonnoir et « double perte »,
motifs, progression vers l'objectif annuel, doubles accompagnements. Mise en page et widgets seulement :
les calculs sont dans ``requetes/orientations.py``."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from donnees.contrat import LIBELLES_MOTIF, MOTIFS, SENS
from interface import chargement, etat
from interface.entete import entete
from interface.graphiques import barres_territoires
from interface.metriques import metrique_chiffre
from interface.telechargement import boutons_telechargement
from interface.theme import (
    BLEU_FRANCE,
    GRIS_FONCE,
    GRIS_MOYEN,
    ROUGE_MARIANNE,
    afficher_graphique,
)
from presentation import format as fmt
from requetes import orientations as O

ONGLETS = ("Flux mensuels", "Entonnoir et pertes", "Motifs", "Objectif annuel", "Doubles accompagnements")
TOUTES = ""  # option « toutes les ML du périmètre »
COULEURS_SENS = {"ft_vers_ml": BLEU_FRANCE, "ml_vers_ft": "#009081"}
COULEURS_SENS_PRECEDENT = {"ft_vers_ml": "#ADADF9", "ml_vers_ft": "#95D5CB"}
COULEURS_MOTIF = dict(zip(MOTIFS, [ROUGE_MARIANNE, "#E4794A", BLEU_FRANCE, "#6A6AF4", "#009081", GRIS_MOYEN]))
LIBELLES_METRIQUES = {"doubles_pour_1000": "Doubles accompagnements (‰)"}
NB_BARRES = 20
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre")  # territoires montrés dans les graphiques de classement (tous dans les tableaux)


def _tableau(df: pl.DataFrame, colonnes: list[str], cle: str, nom: str, annee: int, hauteur: int | str = "auto",
             dates: tuple[str, ...] = ()) -> None:
    """Tableau à l'écran (colonnes choisies, en-têtes français, nombres à la française arrondis au dixième) puis
    ses boutons de téléchargement (toute la précision)."""
    libelles = {c: O.LIBELLES_COLONNES.get(c, c) for c in colonnes}
    config = {}
    for c in colonnes:
        if c in dates:
            config[libelles[c]] = st.column_config.DateColumn(format="MM/YYYY")
        elif df.schema[c].is_numeric() and c != "annee":
            config[libelles[c]] = st.column_config.NumberColumn(format="localized")
    if df.height <= 10:  # petit tableau : pas de lignes vides sous les données
        hauteur = "auto"
    vue = df.select(colonnes)
    vue = vue.with_columns(pl.col(c).round(1 if c in O.COLONNES_TAUX else 0)
                           for c, t in vue.schema.items() if t == pl.Float64)
    st.dataframe(vue.rename(libelles), hide_index=True, key=f"{cle}_tableau", height=hauteur, column_config=config,
                 placeholder="—")
    boutons_telechargement(df.select(colonnes), nom, cle=cle, libelles=O.LIBELLES_COLONNES, annee=annee)


def _jeunes(v) -> str:
    return fmt.format_valeur(v, "jeunes")


# --------------------------------------------------------------------------------------------------
# En-tête, périmètre, chiffres clés
# --------------------------------------------------------------------------------------------------

f = etat.filtres_complets()
entete("Orientations", "Jeunes orientés entre France Travail et les Missions Locales, acceptés, puis entrés en "
       "accompagnement.")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()
annee, code_region = f.annee, f.code_region

options = chargement.en_cache(O.options_ml, code_region)
libelles_ml = {TOUTES: f"Toutes les ML ({f.territoire})", **dict(zip(options["code_ml"], options["libelle"]))}
col_ml, col_maille = st.columns([3, 2], vertical_alignment="bottom")
code_ml = etat.selection_url(
    "Mission Locale", list(libelles_ml), cle="orient_ml", libelles=libelles_ml, defaut=TOUTES, conteneur=col_ml,
    aide="Restreint les séries, l'entonnoir, les motifs et l'objectif à une Mission Locale. La région se choisit "
         "dans la barre latérale.", placeholder="Tapez un nom ou un code")
code_ml = code_ml or None
mailles = list(O.MAILLES_TERRITOIRES)
maille = etat.selection_url(
    "Comparer les territoires par", mailles, cle="orient_maille", libelles=O.LIBELLES_MAILLES, forme="segments",
    defaut="region" if code_region is None else "departement", conteneur=col_maille,
    aide="Maille des classements (pertes, motifs, objectif). Une région choisie restreint les départements et les "
         "ML à cette région ; à la maille région, toutes les régions restent visibles pour la situer.")
perimetre = libelles_ml[code_ml] if code_ml else f.territoire
perimetre_md = fmt.echapper_markdown(perimetre)  # nom de ML (exports) dans du Markdown : tel quel

prec = f.annee_precedente
chiffres = chargement.en_cache(O.chiffres, annee, code_region, code_ml)
st.markdown(f"**{perimetre_md}**, {annee}")
colonnes = st.columns(3) + st.columns(3)
for chiffre, colonne in zip(chiffres, colonnes):
    metrique_chiffre(chiffre, libelle=LIBELLES_METRIQUES.get(chiffre.cle), annee_precedente=prec, conteneur=colonne)
if prec is None:
    st.caption(f"{annee - 1} n'est pas dans les données : pas d'évolution sur un an.")

onglets = st.tabs(list(ONGLETS), key="orient_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# 1. Flux mensuels
# --------------------------------------------------------------------------------------------------

with vues["Flux mensuels"]:
    if vues["Flux mensuels"].open:
        etape = etat.selection_url("Étape", list(O.ETAPES), cle="orient_etape", libelles=O.LIBELLES_ETAPE,
                                   forme="segments", defaut="orientes")
        serie = chargement.en_cache(O.serie_mensuelle, annee, etape, code_region, code_ml)
        st.caption(f"{O.LIBELLES_ETAPE[etape]} chaque mois de {annee} ({perimetre_md}), face au même mois de "
                   f"{annee - 1} (pointillés).")
        colonnes_sens = st.columns(2)
        for sens, colonne in zip(SENS, colonnes_sens):
            d = serie.filter(pl.col("sens") == sens)
            with colonne:
                st.markdown(f"**{O.LIBELLES_SENS_COURTS[sens]}**"
                            + (" (délégation du PPAE)" if sens == "ft_vers_ml" else " (prestations et mesures)"))
                if d["valeur"].null_count() == d.height and d["valeur_precedente"].null_count() == d.height:
                    st.info(f"Aucune orientation dans ce sens en {annee} ni en {annee - 1}.", icon=":material/info:")
                    continue
                fig = go.Figure()
                fig.add_trace(go.Bar(
                    x=d["libelle_mois"].to_list(), y=d["valeur"].to_list(), name=str(annee),
                    marker=dict(color=COULEURS_SENS[sens]),
                    customdata=[[_jeunes(v), fmt.pourcentage(e, signe=True)] for v, e in
                                d.select("valeur", "evolution").iter_rows()],
                    hovertemplate="%{x} " + str(annee) + " : %{customdata[0]}<br>sur un an : %{customdata[1]}"
                                  "<extra></extra>",
                ))
                fig.add_trace(go.Scatter(
                    x=d["libelle_mois"].to_list(), y=d["valeur_precedente"].to_list(), name=str(annee - 1),
                    mode="lines+markers", line=dict(color=GRIS_FONCE, dash="dot", width=2),
                    customdata=[_jeunes(v) for v in d["valeur_precedente"].to_list()],
                    hovertemplate="%{x} " + str(annee - 1) + " : %{customdata}<extra></extra>",
                ))
                fig.update_layout(height=340, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                                  yaxis=dict(title="Jeunes", rangemode="tozero", tickformat=",d"),
                                  xaxis=dict(title=None),
                                  margin=dict(l=10, r=10, t=40, b=10))
                afficher_graphique(fig, cle=f"orient_fig_mensuel_{sens}", nom_image=f"orientations_{sens}_{annee}",
                                   alt=f"Barres : {O.LIBELLES_ETAPE[etape].lower()} par mois en {annee}, "
                                       f"{O.LIBELLES_SENS_COURTS[sens]}, et ligne du même mois en {annee - 1}.")
        with st.expander("Tableau mois par mois"):
            _tableau(serie, ["mois", "libelle_sens", "valeur", "valeur_precedente", "ecart", "evolution"],
                     "orient_mensuel", f"orientations_mensuelles_{etape}", annee, dates=("mois",))

# --------------------------------------------------------------------------------------------------
# 2. Entonnoir et pertes
# --------------------------------------------------------------------------------------------------

with vues["Entonnoir et pertes"]:
    if vues["Entonnoir et pertes"].open:
        st.caption(O.REGLE_PERTES)
        colonnes_sens = st.columns(2)
        for sens, colonne in zip(SENS, colonnes_sens):
            ent = chargement.en_cache(O.entonnoir, annee, code_region, code_ml, sens)
            with colonne:
                st.markdown(f"**{O.LIBELLES_SENS_COURTS[sens]}** — {perimetre_md}, {annee}")
                valeurs = ent["jeunes"].to_list()
                if not valeurs or valeurs[0] in (None, 0):
                    st.info("Aucun jeune orienté dans ce sens cette année.", icon=":material/info:")
                    continue
                textes = [f"{_jeunes(v)} ({fmt.pourcentage(p)})"
                          for v, p in ent.select("jeunes", "part_initiale").iter_rows()]
                fig = go.Figure(go.Funnel(
                    y=ent["libelle"].to_list(), x=valeurs, text=textes, textinfo="text", textposition="inside",
                    marker=dict(color=[COULEURS_SENS[sens], "#6A6AF4" if sens == "ft_vers_ml" else "#4FB8A7",
                                       "#ADADF9" if sens == "ft_vers_ml" else "#95D5CB"]),
                    textfont=dict(color=["#FFFFFF", "#FFFFFF", "#161616"]),
                    connector=dict(line=dict(color=GRIS_MOYEN, width=1)),
                    customdata=textes, hovertemplate="%{y} : %{customdata}<extra></extra>",
                ))
                fig.update_layout(height=260, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(title=None))
                afficher_graphique(fig, cle=f"orient_fig_entonnoir_{sens}", nom_image=f"entonnoir_{sens}_{annee}",
                                   alt=f"Entonnoir {O.LIBELLES_SENS_COURTS[sens]} : jeunes orientés, acceptés, "
                                       "entrés.")
                perte_acc, perte_ent = ent["perte"].to_list()[1:]
                st.markdown(
                    f"- Refusés par la structure d'accueil : **{_jeunes(perte_acc)}** "
                    f"({fmt.pourcentage(100 * perte_acc / valeurs[0])} des orientés)\n"
                    f"- Acceptés mais jamais entrés : **{_jeunes(perte_ent)}** "
                    f"({fmt.pourcentage(100 * perte_ent / valeurs[0])} des orientés)")
                with st.expander("Tableau de l'entonnoir"):
                    _tableau(ent, ["libelle", "jeunes", "perte", "part_etape", "part_initiale"],
                             f"orient_entonnoir_{sens}", f"entonnoir_{sens}", annee)

        pertes = chargement.en_cache(O.entonnoir_territoires, annee, maille, code_region)
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} qui perdent le plus de jeunes (France Travail → ML)",
                     anchor=False)
        reference = chargement.en_cache(O.entonnoir, annee)  # France entière
        transformation = reference["part_initiale"][2]
        perte_nationale = None if transformation is None else 100.0 - transformation
        haut = pertes.filter(pl.col("taux_perte").is_not_null()).head(NB_BARRES).reverse()
        if haut.is_empty():
            st.info("Aucune orientation France Travail → ML cette année à cette maille.", icon=":material/info:")
        else:
            noms = [f"<b>{fmt.echapper_html(n)}</b>" if c in (code_region, code_ml) else fmt.echapper_html(n)
                    for c, n in haut.select("code", "nom").iter_rows()]
            fig = go.Figure()
            for col, libelle, couleur in (("part_refus", "Refusés", ROUGE_MARIANNE),
                                          ("part_non_entres", "Acceptés jamais entrés", "#E4794A")):
                fig.add_trace(go.Bar(
                    x=haut[col].to_list(), y=noms, orientation="h", name=libelle + " (% des orientés)",
                    marker=dict(color=couleur),
                    customdata=[[fmt.pourcentage(v), _jeunes(n)] for v, n in
                                haut.select(col, "refuses" if col == "part_refus" else "non_entres").iter_rows()],
                    hovertemplate="<b>%{y}</b><br>" + libelle + " : %{customdata[0]} (%{customdata[1]})<extra></extra>",
                ))
            if perte_nationale is not None:
                fig.add_vline(x=perte_nationale, line=dict(color=GRIS_FONCE, dash="dash", width=2))
                fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip",
                                         name=f"Taux de perte de la France : {fmt.pourcentage(perte_nationale)}",
                                         line=dict(color=GRIS_FONCE, dash="dash", width=2)))
            fig.update_layout(barmode="stack", height=max(320, 26 * haut.height + 110),
                              legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                              xaxis=dict(title="Taux de perte (% des jeunes orientés)", ticksuffix=" %"),
                              yaxis=dict(title=None), margin=dict(l=10, r=10, t=50, b=10))
            afficher_graphique(fig, cle="orient_fig_pertes", nom_image=f"pertes_{maille}_{annee}",
                               alt="Barres empilées : part des jeunes orientés refusés et part des acceptés jamais entrés, "
                                   "pour les territoires au taux de perte le plus élevé.")
            if pertes.height > NB_BARRES:
                st.caption(f"Les {NB_BARRES} taux de perte les plus élevés sur {fmt.nombre(pertes.height)} ; "
                           "tous les territoires sont dans le tableau.")
        _tableau(pertes, ["nom", "code", "orientes", "acceptes", "entres", "refuses", "non_entres", "taux_acceptation",
                          "taux_entree", "taux_perte", "ecart_perte_france"],
                 "orient_pertes", f"pertes_{maille}", annee, hauteur=360)

# --------------------------------------------------------------------------------------------------
# 3. Motifs
# --------------------------------------------------------------------------------------------------

with vues["Motifs"]:
    if vues["Motifs"].open:
        seuil = float(etat.curseur_url("Seuil de signalement (%)", 50, 100, cle="orient_seuil",
                                       defaut=int(O.SEUIL_MOTIFS_DEFAUT), pas=5,
                                       aide="Un territoire est signalé quand la part de ses orientations pour difficultés "
                                            "sociales ou éloignement de l'emploi dépasse ce seuil."))
        st.caption(O.REGLE_MOTIFS.format(seuil=fmt.pourcentage(seuil, 0)))
        mix = chargement.en_cache(O.motifs_perimetre, annee, code_region, code_ml)
        st.markdown(f"**Motifs des orientations France Travail → ML** — {perimetre_md}, {annee}")
        if mix["orientes"].sum() == 0:
            st.info("Aucune orientation France Travail → ML cette année.", icon=":material/info:")
        else:
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
            afficher_graphique(fig, cle="orient_fig_mix", nom_image=f"motifs_{annee}",
                               alt="Barre empilée : part de chaque motif dans les orientations France Travail → ML.")

        motifs = chargement.en_cache(O.motifs_territoires, annee, maille, code_region, seuil)
        signales = motifs.filter(pl.col("signale"))
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} : part des motifs", anchor=False)
        if signales.is_empty():
            st.success(f"Aucun territoire à cette maille n'oriente à plus de {fmt.pourcentage(seuil, 0)} pour difficultés "
                       "sociales ou éloignement de l'emploi.", icon=":material/check_circle:")
        else:
            noms_signales = ", ".join(fmt.echapper_markdown(n) for n in signales["nom"].head(12).to_list())
            reste = signales.height - min(signales.height, 12)
            st.warning(f"**{fmt.nombre(signales.height)}** territoire{'s' if signales.height > 1 else ''} sur "
                       f"{fmt.nombre(motifs.height)} orient{'ent' if signales.height > 1 else 'e'} à plus de "
                       f"{fmt.pourcentage(seuil, 0)} pour difficultés sociales ou éloignement de l'emploi : "
                       f"{noms_signales}" + (f" et {fmt.nombre(reste)} autre{'s' if reste > 1 else ''}." if reste else "."),
                       icon=":material/flag:")
        haut = motifs.filter(pl.col("orientes") > 0).head(NB_BARRES * 2 if maille != "ml" else NB_BARRES).reverse()
        if not haut.is_empty():
            noms = [("⚑ " if s else "")
                    + (f"<b>{fmt.echapper_html(n)}</b>" if c in (code_region, code_ml) else fmt.echapper_html(n))
                    for c, n, s in haut.select("code", "nom", "signale").iter_rows()]
            fig = go.Figure()
            for m in MOTIFS:
                fig.add_trace(go.Bar(
                    x=haut[f"part_{m}"].to_list(), y=noms, orientation="h", name=LIBELLES_MOTIF[m],
                    marker=dict(color=COULEURS_MOTIF[m]),
                    hovertemplate="<b>%{y}</b><br>" + LIBELLES_MOTIF[m] + " : %{x:.1f} %<extra></extra>",
                ))
            fig.add_vline(x=seuil, line=dict(color=GRIS_FONCE, dash="dash", width=2))
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip",
                                     name=f"Seuil : {fmt.pourcentage(seuil, 0)}",
                                     line=dict(color=GRIS_FONCE, dash="dash", width=2)))
            fig.update_layout(barmode="stack", height=max(320, 24 * haut.height + 120),
                              legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                              xaxis=dict(range=[0, 100], ticksuffix=" %", title="% des jeunes orientés"),
                              yaxis=dict(title=None), margin=dict(l=10, r=10, t=60, b=10))
            afficher_graphique(fig, cle="orient_fig_motifs", nom_image=f"motifs_{maille}_{annee}",
                               alt="Barres empilées : part de chaque motif d'orientation par territoire, les territoires "
                                   "les plus dépendants des difficultés sociales et de l'éloignement en haut ; ⚑ = "
                                   "au-dessus du seuil.")
            st.caption("L'éloignement de l'emploi (rouge) et les difficultés sociales (orange) sont à gauche de chaque barre ; "
                       "⚑ marque les territoires au-dessus du seuil"
                       + (f" ; {haut.height} territoires les plus concernés montrés sur {fmt.nombre(motifs.height)}."
                          if motifs.height > haut.height else "."))
        _tableau(motifs, ["nom", "code", "orientes", *(f"part_{m}" for m in MOTIFS), "part_sociales_eloignement",
                          "signale"], "orient_motifs", f"motifs_{maille}", annee, hauteur=360)

# --------------------------------------------------------------------------------------------------
# 4. Objectif annuel
# --------------------------------------------------------------------------------------------------

with vues["Objectif annuel"]:
    if vues["Objectif annuel"].open:
        st.caption(O.REGLE_OBJECTIF)
        suivi = chargement.en_cache(O.objectif_mensuel, annee, code_region, code_ml)
        st.markdown(f"**Entrées en délégation cumulées et objectif au prorata** — {perimetre_md}, {annee}")
        objectif = suivi["objectif_annuel"][0]
        connus = suivi.filter(pl.col("entrees_cumulees").is_not_null())
        if objectif is None and connus.is_empty():
            st.info("Ni objectif ni entrée en délégation pour ce périmètre cette année.", icon=":material/info:")
        else:
            fig = go.Figure()
            fig.add_trace(go.Bar(
                x=suivi["libelle_mois"].to_list(), y=suivi["entrees_cumulees"].to_list(), name="Entrées cumulées",
                marker=dict(color=BLEU_FRANCE),
                customdata=[[_jeunes(e), fmt.pourcentage(a)] for e, a in
                            suivi.select("entrees_cumulees", "atteinte_prorata").iter_rows()],
                hovertemplate="Fin %{x} : %{customdata[0]} entrées cumulées<br>%{customdata[1]} du prorata"
                              "<extra></extra>",
            ))
            if objectif is not None:
                fig.add_trace(go.Scatter(
                    x=suivi["libelle_mois"].to_list(), y=suivi["objectif_prorata"].to_list(), mode="lines+markers",
                    name=f"Objectif au prorata (objectif annuel : {_jeunes(objectif)})",
                    line=dict(color=ROUGE_MARIANNE, dash="dash", width=2),
                    customdata=[_jeunes(v) for v in suivi["objectif_prorata"].to_list()],
                    hovertemplate="Fin %{x} : objectif au prorata %{customdata}<extra></extra>",
                ))
            fig.update_layout(height=360, legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                              yaxis=dict(title="Jeunes entrés (cumul)", rangemode="tozero", tickformat=",d"),
                              xaxis=dict(title=None),
                              margin=dict(l=10, r=10, t=40, b=10))
            afficher_graphique(fig, cle="orient_fig_objectif", nom_image=f"objectif_{annee}",
                               alt="Barres : entrées en délégation cumulées mois par mois ; ligne : objectif annuel au "
                                   "prorata des mois écoulés.")
            if not connus.is_empty():
                dernier = connus.tail(1).row(0, named=True)
                texte = (f"À fin {fmt.date_mois(dernier['mois'])} : "
                         f"**{_jeunes(dernier['entrees_cumulees'])}** entrées")
                if dernier["objectif_prorata"] is not None:
                    texte += (f" pour un prorata de {_jeunes(dernier['objectif_prorata'])}, soit "
                              f"**{fmt.pourcentage(dernier['atteinte_prorata'])}** du prorata "
                              f"(écart : {fmt.format_valeur(dernier['ecart'], 'jeunes', signe=True)}).")
                st.markdown(texte)
            if code_region is None and code_ml is None:
                national = chargement.en_cache(O.objectif_national, annee)
                if national is not None and objectif is not None and abs(national - objectif) >= 0.5:
                    st.caption(f"L'objectif national de l'accord (table enveloppe) est de {_jeunes(national)} ; la somme des "
                               f"objectifs des ML, utilisée ici, est de {_jeunes(objectif)}.")
                elif national is not None:
                    st.caption(f"La somme des objectifs des ML est égale à l'objectif national de l'accord "
                               f"({_jeunes(national)}).")
        with st.expander("Tableau mois par mois"):
            _tableau(suivi, ["mois", "entrees", "entrees_cumulees", "objectif_prorata", "ecart", "atteinte_prorata"],
                     "orient_objectif", "objectif_mensuel", annee, dates=("mois",))

        par_terr = chargement.en_cache(O.objectif_territoires, annee, maille, code_region)
        st.subheader(f"{O.LIBELLES_MAILLES[maille]} : atteinte de l'objectif au prorata", anchor=False)
        if not par_terr.is_empty() and par_terr["nb_mois"][0]:
            st.caption(f"Entrées cumulées de janvier à {fmt.date_mois(par_terr['dernier_mois'][0])} rapportées à "
                       f"l'objectif annuel × {par_terr['nb_mois'][0]} ÷ 12. Les territoires les plus en retard en premier.")
        bas = par_terr.filter(pl.col("atteinte_prorata").is_not_null()).head(NB_BARRES)
        if not bas.is_empty():
            fig = barres_territoires(bas.select("code", "nom", pl.col("atteinte_prorata").alias("valeur")), "%",
                                     libelle_valeur="Atteinte du prorata", code_surligne=code_ml or code_region,
                                     repere=(100.0, "Objectif au prorata"))
            afficher_graphique(fig, cle="orient_fig_objectif_terr", nom_image=f"objectif_{maille}_{annee}",
                               alt="Barres : atteinte de l'objectif au prorata des territoires les plus en retard.")
        _tableau(par_terr, ["nom", "code", "objectif_annuel", "objectif_prorata", "entrees_cumulees", "ecart",
                            "atteinte_prorata", "atteinte_annuelle"], "orient_objectif_terr", f"objectif_{maille}",
                 annee, hauteur=360)

# --------------------------------------------------------------------------------------------------
# 5. Doubles accompagnements
# --------------------------------------------------------------------------------------------------

with vues["Doubles accompagnements"]:
    if vues["Doubles accompagnements"].open:
        st.caption("Jeunes suivis à la fois par la Mission Locale et par France Travail hors délégation (notice UNML : "
                   "éviter les doubles accompagnements), pour 1 000 jeunes accompagnés, mois par mois.")
        mensuel = chargement.en_cache(O.doubles_mensuels, code_region, code_ml)
        annuel = chargement.en_cache(O.doubles_annuels, code_region, code_ml)
        if mensuel.is_empty():
            st.info("Aucune donnée d'activité pour ce périmètre.", icon=":material/info:")
        else:
            fig = go.Figure()
            fig.add_vrect(x0=f"{annee}-01-01", x1=f"{annee}-12-31", fillcolor="#E3E3FD", opacity=0.6,
                          line_width=0, layer="below")
            fig.add_trace(go.Scatter(
                x=mensuel["mois"].to_list(), y=mensuel["doubles_pour_1000"].to_list(), mode="lines",
                name="Doubles accompagnements pour 1 000 jeunes accompagnés", line=dict(color=BLEU_FRANCE, width=2),
                customdata=[[f"{MOIS[m.month - 1]} {m.year}", d] for m, d in
                            mensuel.select("mois", "doubles_accompagnements").iter_rows()],
                hovertemplate="%{customdata[0]} : %{y:.1f} ‰ (%{customdata[1]:,.0f} jeunes)<extra></extra>",
            ))
            fig.update_layout(height=340, showlegend=False, yaxis=dict(title="‰ des jeunes accompagnés",
                                                                       rangemode="tozero"),
                              xaxis=dict(title=None), margin=dict(l=10, r=10, t=10, b=10))
            afficher_graphique(fig, cle="orient_fig_doubles", nom_image="doubles_accompagnements",
                               alt=f"Courbe : doubles accompagnements pour 1 000 jeunes accompagnés, mois par mois ; "
                                   f"l'année {annee} est surlignée.")
            st.caption(f"Zone bleutée : {annee}. {perimetre_md}.")
        _tableau(annuel, ["annee", "doubles_accompagnements", "jeunes_accompagnes", "doubles_pour_1000"],
                 "orient_doubles", "doubles_accompagnements", annee)
        st.caption("Moyennes mensuelles de l'année (indicateur du registre « Doubles accompagnements pour 1 000 jeunes "
                   "accompagnés »).")
