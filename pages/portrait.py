"""Portrait d'un territoire : tous les indicateurs du registre avec leurs valeurs de référence (France,
région), leur rang dans la maille et leur évolution, les alertes de la carte qui le concernent et les
territoires de contexte comparable. Mise en page et widgets seulement : les calculs sont dans
``requetes/comparaison.py``. Tout l'état est dans l'URL."""

from __future__ import annotations

import pandas as pd
import polars as pl
import streamlit as st

from interface import chargement, comparables, etat
from interface.entete import entete
from interface.metriques import metrique
from interface.navigation import lien_page
from interface.telechargement import boutons_telechargement
from presentation import alertes as alertes_ecrites
from presentation import format as fmt
from presentation.comparables import INTRODUCTION_COURTE
from requetes import comparaison as C
from requetes.indicateurs import REGISTRE, THEMES

ONGLETS = ("Indicateurs", "Alertes", "Territoires comparables")
FONDS = {C.MIEUX: "#B8FEC9", C.MOINS_BIEN: "#FFE9E9", C.EGAL: "#EEEEEE"}
TEXTES = {C.MIEUX: "#18753C", C.MOINS_BIEN: "#CE0500", C.EGAL: "#161616"}
SYMBOLES = {C.MIEUX: " ✓", C.MOINS_BIEN: " ✗", C.EGAL: " ="}
LEGENDE = ("✓ fond vert : mieux ; ✗ fond rose : moins bien ; = : pareil — toujours *selon le sens de l'indicateur* "
           "(pour le taux de NEET, plus bas est mieux). Valeur comparée à la France ; évolution comparée à la période "
           "précédente. Pas de couleur pour un indicateur sans sens, ni face à la France pour un volume (jeunes, "
           "euros, ETP), qui dépend surtout de la taille du territoire.")
AIDE_RANG = ("Rang : 1 = le meilleur de la maille selon le sens de l'indicateur (sans sens : la valeur la plus haute). "
             "Centile : part des autres territoires de la maille classés après lui, un ex æquo comptant pour moitié (100 = seul premier).")
LIBELLES_EXPORT = {
    "code": "Code", "nom": "Territoire", "code_region": "Code région", "indicateur": "Code indicateur",
    "libelle": "Indicateur", "theme": "Thème", "unite": "Unité", "sens": "Sens (1 plus haut = mieux, -1 plus bas = mieux)",
    "numerateur": "Numérateur", "denominateur": "Dénominateur", "valeur": "Valeur", "valeur_nationale": "France",
    "valeur_region": "Région", "ecart_national": "Écart à la France", "ecart_region": "Écart à la région",
    "part_nationale": "Part du national (%)", "rang": "Rang", "nb": "Territoires classés", "centile": "Centile",
    "appreciation": "Par rapport à la France", "precedente": "Période précédente", "evolution": "Évolution",
    "appreciation_evolution": "Sens de l'évolution", "alerte": "Code alerte", "numero": "N°",
    "libelle_alerte": "Alerte", "niveau": "Grain", "code_objet": "Code", "nom_objet": "Commune ou ML",
    "code_departement": "Département", "codes_ml": "Missions Locales", "cas": "Cas", "reference": "Seuil ou référence",
    "jeunes": "Jeunes de 16 à 25 ans", "constat": "Constat", "distance": "Distance de contexte",
    "proximite": "Proximité (0 = territoire de référence)", "population_16_25": "Jeunes de 16 à 25 ans",
    "taux_neet": "Taux de NEET (%)", "de_moins_26_pour_1000": "Demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes",
    "densite": "Densité (hab./km²)", "population": "Population municipale", "superficie_km2": "Superficie (km²)",
}


def valeur(v, unite: str) -> str:
    return fmt.format_valeur(v, unite)


def rang(r, n) -> str:
    if r is None or n is None:
        return fmt.TIRET
    return f"{fmt.nombre(r)}ᵉ / {fmt.nombre(n)}" if r > 1 else f"1ᵉʳ / {fmt.nombre(n)}"


def css(a) -> str:
    if a in FONDS:
        return f"background-color: {FONDS[a]}; color: {TEXTES[a]}; font-weight: 600"
    return ""


# --------------------------------------------------------------------------------------------------
# Choix du territoire

f = etat.filtres_complets()
if not f.annees:
    entete("Portrait d'un territoire")
    st.warning("Le jeu de données ne contient aucune année d'allocations, d'orientations ou d'activité.",
               icon=":material/warning:")
    st.stop()

entete("Portrait d'un territoire", "Tous les indicateurs d'un territoire, face à la France et à sa région.")
annees = sorted(a for a in f.annees if a <= f.annee)
col_maille, col_debut = st.columns([3, 1])
maille = etat.selection_url("Maille", C.MAILLES_COMPARAISON, cle="portrait_maille", libelles=C.LIBELLES_MAILLES,
                            defaut="ml", forme="segments", conteneur=col_maille)
terr = chargement.en_cache(C.territoires, maille)
if terr.is_empty():
    st.info("Aucun territoire à cette maille dans le jeu de données.", icon=":material/info:")
    st.stop()
libelles_terr = dict(zip(terr["code"].to_list(), terr["libelle"].to_list()))
dans_region = terr.filter(pl.col("code_region") == f.code_region)["code"].to_list() if f.code_region else []
code = etat.selection_url(
    C.LIBELLES_MAILLE_SINGULIER[maille], list(libelles_terr), cle=f"portrait_territoire_{maille}",
    libelles=libelles_terr, defaut=dans_region[0] if dans_region else None,
    placeholder="Tapez un nom ou un code", aide="Recherche par nom ou par code.",
)
debut = etat.selection_url(
    "Première année", annees, cle="portrait_debut", defaut=f.annee, conteneur=col_debut,
    aide=f"Année seule ({f.annee}, choisie dans la barre latérale) ou période jusqu'à {f.annee} : volumes et "
         "montants cumulés, effectifs moyennés. L'évolution compare à la période précédente de même durée.",
)
ligne = terr.filter(pl.col("code") == code).row(0, named=True)
periode = str(f.annee) if debut == f.annee else f"{debut} à {f.annee}"
avant = chargement.en_cache(C.periode_precedente, debut, f.annee)
texte_avant = None if avant is None else (str(avant[0]) if avant[0] == avant[1] else f"{avant[0]}-{avant[1]}")
st.header(fmt.echapper_markdown(ligne["nom"]), anchor=False)  # nom et code d'une ML : tels quels
st.markdown(" · ".join(x for x in (C.LIBELLES_MAILLE_SINGULIER[maille] + f" {fmt.echapper_markdown(code)}",
                                   f"région {fmt.echapper_markdown(ligne['nom_region'])}" if maille != "region"
                                   else None,
                                   f"**{periode}**") if x))

p = chargement.en_cache(C.portrait, maille, code, debut, f.annee)
par_code = {r["indicateur"]: r for r in p.iter_rows(named=True)}
ctx = chargement.en_cache(C.contexte, maille, debut, f.annee).filter(pl.col("code") == code)
densite = ctx["densite"].first() if ctx.height else None

# --------------------------------------------------------------------------------------------------
# Chiffres de contexte

CHIFFRES = (("population_16_25", "Jeunes 16-25 ans"), ("taux_neet", "Taux de NEET"),
            ("de_moins_26_pour_1000", "DE < 26 ans ‰"), ("taux_couverture", "Couverture NEET"))
colonnes = st.columns(5)
for col, (code_ind, court) in zip(colonnes, CHIFFRES):
    r = par_code[code_ind]
    i = REGISTRE[code_ind]
    note = f"France : {valeur(r['valeur_nationale'], i.unite)}" if i.est_ratio else (
        f"{fmt.pourcentage(r['part_nationale'], 2)} du total national" if r["part_nationale"] is not None else None)
    metrique(court, r["valeur"], i.unite, aide=f"**{i.libelle}** : {i.formule}.\n\n{i.definition}",
             precedente=r["precedente"], sens=i.sens, annee_precedente=texte_avant, note=note, conteneur=col,
             avec_unite=i.unite not in ("jeunes",))
with colonnes[4].container(border=True, height="stretch"):
    st.metric("Hab. par km²", fmt.nombre(densite, 1 if (densite or 0) < 10 else 0),
              help="Population municipale ÷ superficie des communes du territoire (référentiel géographique) : "
                   "caractère rural ou urbain.")
    if ctx.height and ctx["population"].first() is not None:
        st.caption(f"{fmt.nombre(ctx['population'].first())} habitants")

onglets = st.tabs(list(ONGLETS), key="portrait_vue", on_change="rerun", bind="query-params")
vues = dict(zip(ONGLETS, onglets))

# --------------------------------------------------------------------------------------------------
# Indicateurs, par thème

with vues["Indicateurs"]:
    if vues["Indicateurs"].open:
        st.caption(LEGENDE)
        annees_serie = list(f.annees)[::-1]
        COLONNE_EVOLUTION = f"Depuis {texte_avant}" if texte_avant else "Évolution"
        # Un seul tableau, le thème en colonne : la mise en couleur (pandas Styler) coûte ~25 ms par
        # tableau à chaque exécution, quel que soit son nombre de lignes ; six tableaux dépassaient le
        # budget d'une interaction.
        lignes, styles = [], []
        for nom_theme, codes_theme in THEMES.items():
            for code_ind in codes_theme:
                r = par_code[code_ind]
                u = r["unite"]
                ecart = (fmt.ecart(r["ecart_national"], u) if r["ecart_national"] is not None
                         else (f"{fmt.pourcentage(r['part_nationale'], 2)} du national"
                               if r["part_nationale"] is not None else fmt.TIRET))
                lignes.append({
                    "Thème": nom_theme,
                    "Indicateur": r["libelle"],
                    "Valeur": valeur(r["valeur"], u) + SYMBOLES.get(r["appreciation"], ""),
                    "France": valeur(r["valeur_nationale"], u),
                    **({} if maille == "region" else {"Région": valeur(r["valeur_region"], u)}),
                    "Écart à la France": ecart,
                    "Rang": rang(r["rang"], r["nb"]),
                    "Centile": fmt.nombre(r["centile"]),
                    COLONNE_EVOLUTION: fmt.ecart(r["evolution"], u) + SYMBOLES.get(r["appreciation_evolution"], ""),
                    "Série": r["serie"] or [],
                })
                styles.append((r["appreciation"], r["appreciation_evolution"]))
        df = pd.DataFrame(lignes)
        # couleur : appréciation face à la France (valeur, écart) et sens de l'évolution
        colorees = {"Valeur": 0, "Écart à la France": 0, COLONNE_EVOLUTION: 1}
        styles_css = pd.DataFrame(
            [[css(a[colorees[c]]) if c in colorees else "" for c in df.columns] for a in styles],
            index=df.index, columns=df.columns)
        st.dataframe(
            df.style.apply(lambda _, css_=styles_css: css_, axis=None), hide_index=True,
            key="portrait_tableau",
            height=38 + 35 * len(lignes),
            column_config={
                "Thème": st.column_config.TextColumn(width=115, pinned=True),
                "Indicateur": st.column_config.TextColumn(width=250, pinned=True),
                "Centile": st.column_config.TextColumn(help=AIDE_RANG, width=60),
                "Rang": st.column_config.TextColumn(help=AIDE_RANG, width=85),
                COLONNE_EVOLUTION: st.column_config.TextColumn(
                    help="Écart à la période précédente de même durée ; ✓ / ✗ selon le sens de l'indicateur."),
                "Série": st.column_config.LineChartColumn(
                    f"{annees_serie[0]}-{annees_serie[-1]}" if annees_serie else "Série", width=90,
                    help="Valeur de chaque année du jeu de données."),
            },
        )
        boutons_telechargement(
            p.drop("maille", "est_ratio", "serie", "serie_nationale"), f"portrait_{code}_{periode}",
            cle="portrait_telechargement", libelles=LIBELLES_EXPORT, feuille="Portrait")

# --------------------------------------------------------------------------------------------------
# Alertes de la carte

with vues["Alertes"]:
    if vues["Alertes"].open:
        synthese = chargement.en_cache(C.synthese_alertes, maille, code, f.annee)
        nb_declenchees = synthese.filter(pl.col("nb") > 0).height
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.markdown(f"**{fmt.nombre(nb_declenchees)} alerte{'s' if nb_declenchees > 1 else ''} sur "
                        f"{fmt.nombre(synthese.height)}** en {f.annee} (seuils par défaut de la carte).")
            lien_page("pages/carte.py", "Voir sur la carte", icone=":material/map:")
        st.table(
            pd.DataFrame([{
                "N°": str(r["numero"]), "Alerte": r["libelle"],
                "Concernés": fmt.nombre(r["nb"]) if r["nb"] else "aucun",
                "Jeunes de 16 à 25 ans": fmt.nombre(r["jeunes"]) if r["jeunes"] else "",
                "Règle (seuils par défaut)": alertes_ecrites.texte_regle(r["alerte"]),
            } for r in synthese.iter_rows(named=True)]).set_index("N°"),
        )
        constats = alertes_ecrites.ecrire(chargement.en_cache(C.alertes_du_territoire, maille, code, f.annee),
                                          f.annee)
        if constats.height:
            st.subheader("Constats", anchor=False)
            st.dataframe(
                constats.select(pl.col("numero").alias("N°"), pl.col("libelle_alerte").alias("Alerte"),
                                pl.col("nom_objet").alias("Commune ou ML"), pl.col("constat").alias("Constat")),
                hide_index=True, key="portrait_alertes_constats", height=min(420, 38 + 35 * constats.height),
                column_config={"Alerte": st.column_config.TextColumn(width=280),
                               "Commune ou ML": st.column_config.TextColumn(width=200),
                               "Constat": st.column_config.TextColumn(width=900)},
            )
            boutons_telechargement(constats, f"alertes_{code}", annee=f.annee, cle="portrait_telechargement_alertes",
                                   libelles=LIBELLES_EXPORT, feuille="Alertes")

# --------------------------------------------------------------------------------------------------
# Territoires comparables

with vues["Territoires comparables"]:
    if vues["Territoires comparables"].open:
        comparables.introduction(INTRODUCTION_COURTE)
        perimetre = comparables.perimetre(maille, cle="portrait_perimetre")
        voisins = chargement.en_cache(C.comparables, maille, code, debut, f.annee, C.MAX_TERRITOIRES - 1,
                                      ligne["code_region"] if perimetre == "region" else None)
        comparables.tableau(
            voisins, cle="portrait_comparables", base_nom=f"comparables_{code}",
            cle_telechargement="portrait_telechargement_comparables",
            actions=lambda: comparables.lien_comparaison(maille, voisins, libelles_terr, debut))
