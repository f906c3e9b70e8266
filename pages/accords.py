"""Accords locaux : situation des projets locaux de coopération à une date, accord de chaque ML et son
contenu, contenus par territoire, échéances, ML sans accord. Mise en page et widgets seulement : les
calculs sont dans ``requetes/accords.py``."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from donnees.contrat import LIBELLES_MODALITE, LIBELLES_PARTICIPATION, MODALITES_MOYENS
from interface import chargement, etat
from interface.entete import entete
from interface.metriques import metrique
from interface.telechargement import boutons_telechargement
from interface.theme import (
    BLEU_FRANCE,
    GRIS_FONCE,
    GRIS_MOYEN,
    PALETTE_SEQUENTIELLE,
    ROUGE_MARIANNE,
    TEXTE,
    afficher_graphique,
)
from presentation import format as fmt
from requetes import accords as A

ONGLETS = ("Situation", "Historique", "Accords par ML", "Contenus", "Échéances", "ML sans accord")
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


def _pct(v) -> str:
    return fmt.pourcentage(v)


def _a_l_ecran(df: pl.DataFrame, colonnes: list[str] | tuple[str, ...]) -> pl.DataFrame:
    """Copie pour l'écran : colonnes choisies, décimaux arrondis au dixième (les fichiers téléchargés gardent
    toute la précision), en-têtes français."""
    vue = df.select(colonnes)
    vue = vue.with_columns(pl.col(c).round(1) for c, t in vue.schema.items() if t == pl.Float64)
    return vue.rename({c: A.LIBELLES_COLONNES.get(c, c) for c in colonnes})


def _tableau(df: pl.DataFrame, colonnes: list[str], cle: str, nom: str, annee: int,
             config: dict | None = None, hauteur: int | str = "auto") -> None:
    """Tableau à l'écran (colonnes choisies, en-têtes français) puis ses deux boutons de téléchargement."""
    if df.height <= 10:  # petit tableau : pas de lignes vides sous les données
        hauteur = "auto"
    st.dataframe(_a_l_ecran(df, colonnes), hide_index=True, key=f"{cle}_tableau", height=hauteur,
                 column_config=config, placeholder="—")
    boutons_telechargement(df.select(colonnes), nom, cle=cle, libelles=A.LIBELLES_COLONNES, annee=annee)


def _config_nombres(colonnes: list[str]) -> dict:
    return {A.LIBELLES_COLONNES.get(c, c): st.column_config.NumberColumn(format="localized") for c in colonnes}


# --------------------------------------------------------------------------------------------------
# En-tête, date d'observation, chiffres clés
# --------------------------------------------------------------------------------------------------

f = etat.filtres_complets()
entete("Accords locaux", "Projets locaux de coopération entre chaque Mission Locale et les agences France "
       "Travail : où ils en sont, ce qu'ils contiennent.")
if not f.annees:
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

dates = A.dates_possibles(f.annee)
col_date, col_regle = st.columns([1, 3], vertical_alignment="bottom")
date_ref = etat.selection_url(
    "Date d'observation", dates, cle="accords_date", libelles=A.libelle_date, defaut=dates[0],
    conteneur=col_date,
    aide="Fin de mois de l'année choisie dans la barre latérale à laquelle on regarde les accords. Par défaut le "
         "31 décembre, comme partout dans le tableau de bord.",
)
col_regle.caption(A.REGLE_VIGUEUR)
libelle_date = A.libelle_date(date_ref)
prec = date_ref.year - 1 if (date_ref.year - 1) in f.annees else None

chiffres = chargement.en_cache(A.chiffres, date_ref, f.code_region)
colonnes = st.columns(3) + st.columns(3)
for chiffre, colonne in zip(chiffres, colonnes):
    metrique(LIBELLES_METRIQUES.get(chiffre.cle, chiffre.libelle), chiffre.valeur, chiffre.unite,
             aide=chiffre.definition, precedente=chiffre.precedente, sens=A.SENS.get(chiffre.cle, 0),
             annee_precedente=prec, conteneur=colonne)
if prec is None:
    st.caption(f"{date_ref.year - 1} n'est pas dans les données : pas d'évolution sur un an.")

onglets = st.tabs(list(ONGLETS), key="accords_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# 1. Situation
# --------------------------------------------------------------------------------------------------

with vues["Situation"]:
    if vues["Situation"].open:
        synthese = chargement.en_cache(A.synthese_situations, date_ref, f.code_region)
        par_region = chargement.en_cache(A.situations_par_region, date_ref)
        gauche, droite = st.columns([2, 3])
        with gauche:
            st.subheader(f"Missions Locales au {libelle_date}", anchor=False)
            st.caption(f"{f.territoire} : situation de chaque ML, d'après son accord le plus récent.")
            s = synthese.reverse()
            fig = go.Figure(go.Bar(
                x=s["nb_ml"].to_list(), y=s["libelle_situation"].to_list(), orientation="h",
                marker=dict(color=[COULEURS_SITUATION[c] for c in s["situation"].to_list()]),
                text=[f"{fmt.nombre(n)} ({_pct(p)})" for n, p in s.select("nb_ml", "part").iter_rows()],
                textposition="outside", cliponaxis=False,
                customdata=[A.AIDE_SITUATION[c] for c in s["situation"].to_list()],
                hovertemplate="<b>%{y}</b> : %{x} ML<br>%{customdata}<extra></extra>",
            ))
            maxi = max(s["nb_ml"].max() or 0, 1)
            fig.update_layout(height=330, showlegend=False, margin=dict(l=10, r=30, t=10, b=10),
                              xaxis=dict(title="Missions Locales", range=[0, maxi * 1.35]), yaxis=dict(title=None))
            afficher_graphique(fig, cle="accords_fig_situation", nom_image=f"accords_situation_{date_ref}",
                               alt=f"Barres : nombre de Missions Locales par situation de leur accord au "
                                   f"{libelle_date}.")
            with st.expander("Définitions des situations et tableau"):
                for code, aide in A.AIDE_SITUATION.items():
                    st.markdown(f"- **{A.LIBELLES_SITUATION[code]}** : {aide}")
                _tableau(synthese, ["libelle_situation", "nb_ml", "part"], "accords_synthese", "situation_accords",
                         date_ref.year, config=_config_nombres(["nb_ml", "part"]))
        with droite:
            st.subheader("Par région", anchor=False)
            st.caption("Part des Missions Locales de chaque région dans chaque situation (ML comptées par leur "
                       "siège).")
            regions = par_region.select("code_region", "nom_region").unique(maintain_order=True)
            fig = go.Figure()
            for code in A.SITUATIONS:
                d = par_region.filter(pl.col("situation") == code)
                fig.add_trace(go.Bar(
                    x=d["part"].to_list(), orientation="h",
                    y=[f"<b>{fmt.echapper_html(n)}</b>" if c == f.code_region else fmt.echapper_html(n)
                       for c, n in d.select("code_region", "nom_region").iter_rows()],
                    name=A.LIBELLES_SITUATION[code], marker=dict(color=COULEURS_SITUATION[code]),
                    customdata=d["nb_ml"].to_list(),
                    hovertemplate="<b>%{y}</b><br>" + A.LIBELLES_SITUATION[code]
                                  + " : %{customdata:,d} ML (%{x:.1f} %)<extra></extra>",
                ))
            fig.update_layout(barmode="stack", height=max(330, 26 * regions.height + 90),
                              legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0, traceorder="normal"),
                              xaxis=dict(title="% des ML de la région", range=[0, 100], ticksuffix=" %"),
                              yaxis=dict(title=None, autorange="reversed"), margin=dict(l=10, r=10, t=40, b=10))
            afficher_graphique(fig, cle="accords_fig_regions", nom_image=f"accords_regions_{date_ref}",
                               alt="Barres empilées : part des Missions Locales de chaque région par situation.")
            with st.expander("Tableau par région"):
                _tableau(par_region, ["nom_region", "libelle_situation", "nb_ml", "part"], "accords_regions",
                         "situation_accords_regions", date_ref.year, config=_config_nombres(["nb_ml", "part"]))

# --------------------------------------------------------------------------------------------------
# 2. Historique
# --------------------------------------------------------------------------------------------------

with vues["Historique"]:
    if vues["Historique"].open:
        st.subheader("Au fil des années : la vague de 2015, les renouvellements, les échéances", anchor=False)
        par_annee = chargement.en_cache(A.situations_par_annee, f.code_region)
        evenements = chargement.en_cache(A.evenements_par_annee, f.code_region)
        gauche, droite = st.columns(2)
        with gauche:
            st.markdown(f"**Situation des ML au 31 décembre** ({f.territoire})")
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
            afficher_graphique(fig, cle="accords_fig_annees", nom_image="accords_situation_par_annee",
                               alt="Barres empilées : situation des Missions Locales au 31 décembre de chaque "
                                   "année.")
        with droite:
            st.markdown(f"**Signatures et fins d'accords par année** ({f.territoire})")
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
            afficher_graphique(fig, cle="accords_fig_evenements", nom_image="accords_signatures_fins",
                               alt="Barres : premiers accords et renouvellements signés chaque année (vers le haut), "
                                   "fins d'accords, dénonciations (vers le bas).")
        st.caption(A.AVERTISSEMENT_HISTORIQUE)
        with st.expander("Tableaux par année"):
            _tableau(par_annee, ["annee", "libelle_situation", "nb_ml", "part"], "accords_annees",
                     "situation_accords_annees", date_ref.year, config=_config_nombres(["nb_ml", "part"]))
            _tableau(evenements, ["annee", "libelle_evenement", "nb"], "accords_evenements", "signatures_fins_accords",
                     date_ref.year, config=_config_nombres(["nb"]))

# --------------------------------------------------------------------------------------------------
# 3. Accords par ML
# --------------------------------------------------------------------------------------------------

with vues["Accords par ML"]:
    if vues["Accords par ML"].open:
        st.info(A.REGLE_COMPLETUDE, icon=":material/rule:")
        c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
        choix_situations = etat.selection_url(
            "Situations", list(A.SITUATIONS), cle="accords_situations", libelles=A.LIBELLES_SITUATION,
            multiple=True, placeholder="Toutes", conteneur=c1, aide="Aucune sélection : toutes les situations.")
        choix_modalites = etat.selection_url(
            "Modalité des moyens", list(MODALITES_MOYENS), cle="accords_modalites", libelles=LIBELLES_MODALITE,
            multiple=True, placeholder="Toutes", conteneur=c2,
            aide="Aucune sélection : toutes. « Aucune » compte aussi les ML sans accord.")
        elements = int(etat.curseur_url("Éléments présents (min.)", 0, 8, cle="accords_elements", defaut=0,
                                        conteneur=c3, aide="Sur les 8 éléments du score de complétude."))
        recherche = c4.text_input("Rechercher une ML", key="accords_recherche", bind="query-params",
                                  placeholder="Nom ou code", help="Nom ou code de la Mission Locale.")
        toutes = chargement.en_cache(A.accords_ml, date_ref, f.code_region)
        lignes = A.filtrer_ml(toutes, choix_situations, choix_modalites, elements, recherche)
        st.caption(f"{fmt.nombre(lignes.height)} Mission{'s' if lignes.height > 1 else ''} Locale"
                   f"{'s' if lignes.height > 1 else ''} sur {fmt.nombre(toutes.height)} ({f.territoire}, accord "
                   f"courant au {libelle_date}). Cliquez sur un en-tête de colonne pour trier.")
        if lignes.is_empty():
            st.info("Aucune Mission Locale ne correspond à ces filtres.", icon=":material/filter_alt_off:")
        config = {
            A.LIBELLES_COLONNES[c]: st.column_config.CheckboxColumn(A.LIBELLES_COLONNES[c], help=A.LIBELLES_CRITERE[c])
            for c in A.CONTENUS_ACCORD
        }
        config.update({
            A.LIBELLES_COLONNES["nom_ml"]: st.column_config.TextColumn(width=230),
            A.LIBELLES_COLONNES["agences"]: st.column_config.TextColumn(width=220),
            A.LIBELLES_COLONNES["score_completude"]: st.column_config.ProgressColumn(
                min_value=0, max_value=100, format="localized", help=A.REGLE_COMPLETUDE),
            A.LIBELLES_COLONNES["nb_criteres"]: st.column_config.NumberColumn(format="localized"),
            **{A.LIBELLES_COLONNES[c]: st.column_config.DateColumn(format="DD/MM/YYYY")
               for c in ("date_signature", "date_debut", "date_fin")},
        })
        st.dataframe(_a_l_ecran(lignes, A.COLONNES_TABLEAU_ML), hide_index=True, key="accords_ml_tableau", height=520,
                     column_config=config, placeholder="—")
        boutons_telechargement(lignes.select(A.COLONNES_EXPORT_ML), "accords_par_ml", cle="accords_ml",
                               libelles=A.LIBELLES_COLONNES, annee=date_ref.year)

# --------------------------------------------------------------------------------------------------
# 4. Contenus
# --------------------------------------------------------------------------------------------------

with vues["Contenus"]:
    if vues["Contenus"].open:
        grille = chargement.en_cache(A.grille_contenus, date_ref, f.code_region)
        niveau = "régions" if f.code_region is None else "départements"
        st.subheader(f"Contenu des accords en vigueur au {libelle_date}, par {niveau[:-1]}", anchor=False)
        st.caption("Part des accords en vigueur qui contiennent chaque élément (un territoire sans accord en vigueur "
                   "reste vide). Entre parenthèses : le nombre d'accords en vigueur.")
        criteres = list(A.CRITERES_COMPLETUDE)
        colonnes_z = [f"part_{c}" for c in criteres]
        detail = "region" if f.code_region is None else "departement"
        lignes_y = [f"{fmt.echapper_html(n)} ({fmt.nombre(k)})" if niv == detail
                    else f"<b>{fmt.echapper_html(n)}</b> ({fmt.nombre(k)})"
                    for niv, n, k in grille.select("niveau", "nom", "accords_en_vigueur").iter_rows()]
        z = [list(r) for r in grille.select(colonnes_z).iter_rows()]
        textes = [[_pct(v) for v in r] for r in z]
        fig = go.Figure(go.Heatmap(
            z=z, x=[ETIQUETTES_GRILLE[c] for c in criteres], y=lignes_y, zmin=0, zmax=100,
            colorscale=[[i / 9, c] for i, c in enumerate(PALETTE_SEQUENTIELLE)], text=textes,
            texttemplate="%{text}", textfont=dict(size=12), xgap=2, ygap=2,
            hovertemplate="<b>%{y}</b><br>%{x} : %{text}<extra></extra>",
            showscale=False,
        ))
        fig.update_layout(height=max(360, 30 * grille.height + 160), margin=dict(l=10, r=10, t=10, b=10),
                          yaxis=dict(autorange="reversed", title=None, automargin=True),
                          xaxis=dict(side="top", title=None, tickangle=0, tickfont=dict(size=11)))
        afficher_graphique(fig, cle="accords_fig_contenus", nom_image=f"accords_contenus_{date_ref}",
                           alt=f"Carte de chaleur : part des accords en vigueur contenant chacun des 8 éléments, par "
                               f"{niveau[:-1]}.")
        _tableau(grille, ["nom", "accords_en_vigueur", *colonnes_z, "score_moyen"], "accords_contenus",
                 "contenus_accords", date_ref.year, config=_config_nombres(["accords_en_vigueur", *colonnes_z,
                                                                            "score_moyen"]))

        st.subheader("Participation des jeunes", anchor=False)
        st.caption("Niveau de participation des jeunes prévu par les accords en vigueur (notice UNML : définir le niveau "
                   "de participation et d'engagement des jeunes dans le projet).")
        part = chargement.en_cache(A.participation, date_ref, f.code_region)
        territoires = part.select("niveau", "code", "nom").unique(maintain_order=True)
        noms = [fmt.echapper_html(n) if niv == detail else f"<b>{fmt.echapper_html(n)}</b>"
                for niv, _, n in territoires.iter_rows()]
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
        afficher_graphique(fig, cle="accords_fig_participation", nom_image=f"accords_participation_{date_ref}",
                           alt="Barres empilées : répartition des accords en vigueur par niveau de participation des "
                               "jeunes (aucune, information, consultation, co-construction).")
        with st.expander("Tableau de la participation des jeunes"):
            _tableau(part, ["nom", "libelle_participation", "nb", "part"], "accords_participation",
                     "participation_jeunes", date_ref.year, config=_config_nombres(["nb", "part"]))

# --------------------------------------------------------------------------------------------------
# 5. Échéances
# --------------------------------------------------------------------------------------------------

with vues["Échéances"]:
    if vues["Échéances"].open:
        nb_mois = int(etat.curseur_url("Horizon (mois)", 1, 36, cle="accords_mois", defaut=12,
                                       aide="Accords en vigueur dont la date de fin tombe dans ce nombre de mois après "
                                            "la date d'observation."))
        limite = A.ajouter_mois(date_ref, nb_mois)
        proches = chargement.en_cache(A.echeances, date_ref, nb_mois, f.code_region)
        st.subheader(f"Accords qui arrivent à échéance d'ici le {A.libelle_date(limite)}", anchor=False)
        if proches.is_empty():
            st.info(f"Aucun accord en vigueur au {libelle_date} ne se termine dans les {nb_mois} mois suivants "
                    f"({f.territoire}).", icon=":material/event_available:")
        else:
            pluriel = proches.height > 1
            st.markdown(f"**{fmt.nombre(proches.height)}** accord{'s' if pluriel else ''} en vigueur au {libelle_date} "
                        f"se termine{'nt' if pluriel else ''} dans les {nb_mois} mois qui suivent. Suite prévue :")
            suites = chargement.en_cache(A.suites_echeances, date_ref, nb_mois, f.code_region)
            st.markdown("\n".join(f"- {libelle} : **{fmt.nombre(n)}**" for libelle, n in suites.iter_rows()))
        _tableau(proches, ["nom_ml", "nom_departement", "nom_region", "id_accord", "date_debut", "date_fin",
                           "jours_restants", "libelle_suite", "agences", "score_completude"],
                 "accords_echeances", "echeances_accords", date_ref.year,
                 config={**_config_nombres(["jours_restants", "score_completude"]),
                         **{A.LIBELLES_COLONNES[c]: st.column_config.DateColumn(format="DD/MM/YYYY")
                            for c in ("date_debut", "date_fin")}})

# --------------------------------------------------------------------------------------------------
# 6. ML sans accord
# --------------------------------------------------------------------------------------------------

with vues["ML sans accord"]:
    if vues["ML sans accord"].open:
        sans = chargement.en_cache(A.ml_sans_accord, date_ref, f.code_region)
        st.subheader(f"Missions Locales sans aucun accord signé au {libelle_date}", anchor=False)
        st.caption("Aucun accord signé, échu ou dénoncé commencé à la date : aucun accord transmis, ML non engagée, ou "
                   "premier accord encore en négociation. Les ML dont l'accord est échu ou dénoncé sont dans l'onglet "
                   "« Accords par ML » (filtre Situations).")
        if sans.is_empty():
            st.success(f"Toutes les Missions Locales ({f.territoire}) ont signé au moins un accord.",
                       icon=":material/check_circle:")
        _tableau(sans, ["nom_ml", "code_ml", "nom_departement", "nom_region", "libelle_situation", "nb_accords"],
                 "accords_sans", "ml_sans_accord", date_ref.year, config=_config_nombres(["nb_accords"]))
