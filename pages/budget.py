"""Budget de l'accord : enveloppe, rapprochement, territoires, ratios, agents et subventions, simulateur,
anomalies. Mise en page et widgets seulement : les calculs sont dans ``requetes/budget.py``."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from plotly.subplots import make_subplots

from interface import chargement, etat
from interface.entete import entete
from interface.telechargement import boutons_telechargement
from interface.theme import (
    BLEU_FRANCE,
    GRIS_FONCE,
    GRIS_MOYEN,
    ORANGE_AVERTISSEMENT,
    ROUGE_MARIANNE,
    afficher_graphique,
)
from presentation import format as fmt
from requetes import budget

MENTHE = "#009081"
ONGLETS = ("Enveloppe et rapprochement", "Territoires", "Ratios par ML", "Agents et subventions",
           "Simulateur", "Anomalies")
NIVEAUX = {"region": "Régions", "departement": "Départements", "ml": "Missions Locales"}
NB_NOMMES = 4  # ML atypiques nommées sur chaque boîte (les plus éloignées de la médiane)

AIDE_ENVELOPPE = ("Crédits globalisés de l'accord-cadre pour l'année (table enveloppe) : valorisation des "
                  "agents affectés, subventions en compensation et autres crédits financiers versés aux ML.")
AIDE_VALORISATION = ("Valorisation nationale des agents France Travail affectés, telle que l'accord l'annonce "
                     "(14,5 M€ dans l'accord décrit par la notice UNML).")
AIDE_ETP = "Nombre d'ETP d'agents affectés prévus par l'accord (325 dans l'accord décrit par la notice UNML)."
AIDE_CALCUL = ("ETP prévus × forfait par ETP (45 000 € dans l'accord). L'écart avec la valorisation annoncée "
               "vient du texte de l'accord lui-même : il est montré à l'euro près, pas arrondi.")
AIDE_PARTS = ("Somme, sur toutes les lignes d'allocation de l'année, de la valorisation des agents affectés, de "
              "la subvention en compensation et des autres crédits. L'écart est comparé à l'enveloppe.")
AIDE_ANOMALIES = ("Valorisations ≠ ETP affectés × forfait, subventions ≠ ETP compensés × forfait, parts allouées "
                  "à des codes inconnus. Montant en jeu : l'écart au forfait, ou la part entière pour un code "
                  "inconnu.")


# --------------------------------------------------------------------------------------------------
# Aides de mise en page
# --------------------------------------------------------------------------------------------------

def _montant(v) -> str:
    """Montant exact (à l'euro, ou au centime s'il y en a)."""
    if fmt.absent(v):
        return fmt.TIRET
    return fmt.euros(v, 0 if abs(v - round(v)) < 0.005 else 2, echelle="unite")


def _signe(v) -> str:
    """Écart exact signé : « +125 000 € », « -4 999,50 € »."""
    return fmt.euros(v, 0 if abs(v - round(v)) < 0.005 else 2, echelle="unite", signe=True)


def _etp(v) -> str:
    """« 325 ETP », « 324,5 ETP »."""
    if fmt.absent(v):
        return fmt.TIRET
    return fmt.format_valeur(v, "ETP", decimales=0 if abs(v - round(v)) < 1e-9 else 1)


def _valeur(v, unite: str) -> str:
    if unite == "€":
        return _montant(v)
    if unite == "ETP":
        return _etp(v)
    return fmt.format_valeur(v, unite)


def _texte(df: pl.DataFrame, unites: dict[str, str]) -> pl.DataFrame:
    """Copie du tableau à afficher : colonnes chiffrées mises en forme à la française, en-têtes français."""
    colonnes = []
    for nom in df.columns:
        u = unites.get(nom)
        if u is None:
            colonnes.append(df[nom])
            continue
        if u == "€":
            f = _montant
        elif u == "%" or u == "ETP":
            f = lambda v: fmt.nombre(v, 1)  # noqa: E731
        elif u == "entier":
            f = lambda v: fmt.nombre(v, 0)  # noqa: E731
        else:
            f = lambda v: fmt.nombre(v, 2)  # noqa: E731
        colonnes.append(pl.Series(nom, fmt.textes(f, df[nom]), dtype=pl.Utf8))
    return pl.DataFrame(colonnes).rename({c: budget.LIBELLES_COLONNES.get(c, c) for c in df.columns})


def _tableau(df: pl.DataFrame, unites: dict[str, str], cle: str, base_nom: str, annee: int,
             hauteur: int | str = "auto", masquer: tuple[str, ...] = ()) -> None:
    """Le tableau mis en forme (sans les colonnes ``masquer``, des codes techniques), puis ses deux boutons
    de téléchargement (toutes les colonnes, nombres, en-têtes français)."""
    st.dataframe(_texte(df.drop(*masquer), unites), hide_index=True, height=hauteur, key=f"{cle}_tableau")
    boutons_telechargement(df, base_nom, cle=cle, libelles=budget.LIBELLES_COLONNES, annee=annee)


def _court(nom: str) -> str:
    """« Mission Locale de Brest » → « Brest » (étiquettes de graphique)."""
    for debut in ("Mission Locale de la ", "Mission Locale de l'", "Mission Locale du ", "Mission Locale des ",
                  "Mission Locale de ", "Mission Locale d'", "Mission Locale "):
        if nom.startswith(debut):
            return nom[len(debut):]
    return nom


# --------------------------------------------------------------------------------------------------
# En-tête et chiffres clés
# --------------------------------------------------------------------------------------------------

entete("Budget de l'accord", "Enveloppe de l'accord, valorisation des agents affectés, subventions et crédits.")
filtres = etat.filtres_complets()
annee, code_region = filtres.annee, filtres.code_region
territoire = filtres.territoire

param = chargement.en_cache(budget.parametres, annee)
allocations = chargement.en_cache(budget.allocations_ml, annee)
anomalies_nat = chargement.en_cache(budget.anomalies, annee)
rapprochement = chargement.en_cache(budget.rapprochement, annee)

if param is None:
    st.warning(
        f"Les paramètres nationaux de l'accord (fichier enveloppe) manquent pour {annee} : l'enveloppe, la "
        "valorisation annoncée et le rapprochement ne peuvent pas être montrés. Les montants des Missions "
        "Locales restent affichés.",
        icon=":material/warning:",
    )
else:
    ecart_accord = param["etp_nationaux"] * param["forfait_etp_eur"] - param["valorisation_etp_eur"]
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1.4])
    with c1:
        st.metric("Enveloppe de l'accord", fmt.euros(param["enveloppe_totale_eur"]), help=AIDE_ENVELOPPE,
                  border=True)
    with c2:
        st.metric("Valorisation annoncée", fmt.euros(param["valorisation_etp_eur"]),
                  help=AIDE_VALORISATION, border=True)
    with c3:
        st.metric("ETP prévus", _etp(param["etp_nationaux"]), help=AIDE_ETP,
                  border=True)
    with c4:
        st.metric(
            f"ETP prévus × {_montant(param['forfait_etp_eur'])}",
            _montant(param["etp_nationaux"] * param["forfait_etp_eur"]),
            delta=_signe(ecart_accord) if abs(ecart_accord) >= 0.005 else None,
            delta_color="off",
            delta_description="par rapport à l'annonce" if abs(ecart_accord) >= 0.005 else None,
            help=AIDE_CALCUL, border=True,
        )

somme_parts = float(allocations["part_eur"].sum() or 0.0)
ecart_env = somme_parts - param["enveloppe_totale_eur"] if param else None
c1, c2, c3, c4 = st.columns([1.25, 1, 1, 0.85])
with c1:
    st.metric(
        "Somme des parts des ML", _montant(somme_parts),
        delta=(_signe(ecart_env) if ecart_env is not None and abs(ecart_env) >= 0.005 else None),
        delta_color="off",
        delta_description="par rapport à l'enveloppe" if ecart_env is not None and abs(ecart_env) >= 0.005
        else None,
        help=AIDE_PARTS, border=True,
    )
with c2:
    st.metric("ETP affectés", _etp(allocations["etp_affectes"].sum()), border=True,
              help="Somme des ETP d'agents France Travail affectés dans les ML (table allocations).")
with c3:
    st.metric("ETP compensés", _etp(allocations["etp_compenses"].sum()), border=True,
              help="Somme des ETP remplacés par une subvention en compensation (table allocations).")
with c4:
    st.metric(
        "Anomalies", fmt.nombre(anomalies_nat.height),
        delta=(f"{_montant(anomalies_nat['montant_en_jeu_eur'].sum())} en jeu" if anomalies_nat.height else None),
        delta_color="off", delta_arrow="off", help=AIDE_ANOMALIES, border=True,
    )

if code_region is not None:
    allocs_region = chargement.en_cache(budget.allocations_ml, annee, code_region)
    part_region = float(allocs_region["part_eur"].sum() or 0.0)
    c1, c2, c3, c4 = st.columns([1.25, 1, 1, 0.85])
    with c1:
        st.metric(f"Part de la région {territoire}", _montant(part_region), border=True,
                  help="Somme des parts des Missions Locales dont le siège est dans la région.")
    with c2:
        st.metric("Part de l'enveloppe",
                  fmt.pourcentage(100 * part_region / param["enveloppe_totale_eur"])
                  if param and param["enveloppe_totale_eur"] else fmt.TIRET, border=True,
                  help="Part de la région ÷ enveloppe nationale de l'accord.")
    with c3:
        st.metric("ETP affectés (région)", _etp(allocs_region["etp_affectes"].sum()),
                  border=True, help="ETP d'agents France Travail affectés dans les ML de la région.")
    with c4:
        st.metric("ML de la région", fmt.nombre(allocs_region.height), border=True,
                  help="Missions Locales de la région ayant une ligne d'allocation pour l'année.")

onglets = st.tabs(list(ONGLETS), key="budget_onglet", bind="query-params")

# --------------------------------------------------------------------------------------------------
# 1. Enveloppe et rapprochement
# --------------------------------------------------------------------------------------------------

with onglets[0]:
    if onglets[0].open:
        dec = chargement.en_cache(budget.decomposition, annee, code_region)
        if code_region is None:
            st.subheader(f"Décomposition de l'enveloppe {annee}", anchor=False)
        else:
            st.subheader(f"Décomposition de la part de la région {territoire} en {annee}", anchor=False)
        lignes = dec.filter(pl.col("poste").is_in(list(budget.COLONNES_POSTES)))
        x = lignes["libelle"].to_list() + ["Somme des parts des ML"]
        y = lignes["montant_eur"].to_list() + [0.0]
        mesures = ["relative"] * lignes.height + ["total"]
        if code_region is None and param is not None:
            ecart = dec.filter(pl.col("poste") == "ecart")["montant_eur"].item()
            x += ["Écart à l'enveloppe", "Enveloppe de l'accord"]
            y += [ecart, 0.0]
            mesures += ["relative", "total"]
        totaux = []
        cumul = 0.0
        for m, v in zip(mesures, y):
            cumul = cumul + v if m == "relative" else cumul
            totaux.append(v if m == "relative" else cumul)
        x = [lib.replace(" ", "<br>", 1) if len(lib) > 16 else lib for lib in x]
        fig = go.Figure(go.Waterfall(
            x=x, y=[v / 1e6 for v in y], measure=mesures,
            text=[fmt.euros(v) for v in totaux], textposition="outside",
            customdata=[_montant(v) for v in totaux],
            hovertemplate="%{x}<br>%{customdata}<extra></extra>",
            increasing=dict(marker=dict(color=BLEU_FRANCE)),
            decreasing=dict(marker=dict(color=ROUGE_MARIANNE)),
            totals=dict(marker=dict(color=GRIS_FONCE)),
            connector=dict(line=dict(color=GRIS_MOYEN, width=1)),
        ))
        fig.update_layout(showlegend=False, height=420, margin=dict(t=30))
        fig.update_yaxes(title_text="Montant (M€)", tickformat=",.2~f", rangemode="tozero")
        fig.update_yaxes(range=[0, max(totaux + [1.0]) / 1e6 * 1.15])
        fig.update_xaxes(title_text=None)
        afficher_graphique(fig, cle="budget_cascade", nom_image=f"budget_enveloppe_{annee}",
                           alt="Cascade : décomposition de l'enveloppe en valorisation des agents affectés, "
                               "subventions en compensation et autres crédits.")
        _tableau(dec, {"montant_eur": "€", "part_pct": "%"}, "budget_decomposition", "decomposition_enveloppe",
                 annee, masquer=("poste",))

        st.subheader("Rapprochement", anchor=False)
        if rapprochement.is_empty():
            st.info(f"Pas de rapprochement possible pour {annee} : les paramètres nationaux manquent.",
                    icon=":material/info:")
        else:
            st.caption("Le rapprochement porte sur l'enveloppe nationale, quelle que soit la région choisie. "
                       "Écart = valeur comparée − valeur de référence, exact (ni arrondi ni compensé).")
            for ligne in rapprochement.iter_rows(named=True):
                juste = abs(ligne["ecart"]) < (0.005 if ligne["unite"] == "€" else 1e-6)
                icone = ":material/check_circle:" if juste else ":material/error:"
                ecart_txt = _valeur(ligne["ecart"], ligne["unite"])
                if not juste and ligne["ecart"] > 0:
                    ecart_txt = "+" + ecart_txt
                st.markdown(f"{icone} **{ligne['libelle']}** — écart : **{ecart_txt}**  \n{ligne['explication']}")
            vue = rapprochement.select(
                "libelle", "reference_libelle",
                pl.Series("reference", fmt.textes(_valeur, rapprochement["reference"], rapprochement["unite"])),
                "compare_libelle",
                pl.Series("compare", fmt.textes(_valeur, rapprochement["compare"], rapprochement["unite"])),
                pl.Series("ecart", fmt.textes(_valeur, rapprochement["ecart"], rapprochement["unite"])),
            ).rename({c: budget.LIBELLES_COLONNES[c] for c in ("libelle", "reference_libelle", "reference",
                                                               "compare_libelle", "compare", "ecart")})
            st.dataframe(vue, hide_index=True, key="budget_rapprochement_tableau")
            boutons_telechargement(rapprochement, "rapprochement", cle="budget_rapprochement",
                                   libelles=budget.LIBELLES_COLONNES, annee=annee)

# --------------------------------------------------------------------------------------------------
# 2. Territoires
# --------------------------------------------------------------------------------------------------

with onglets[1]:
    if onglets[1].open:
        st.subheader(f"Du national à la Mission Locale ({territoire}, {annee})", anchor=False)
        arbre = chargement.en_cache(budget.arbre, annee, code_region)
        if arbre.is_empty():
            st.info(f"Aucune allocation pour {territoire} en {annee}.", icon=":material/info:")
        else:
            fig = go.Figure(go.Sunburst(
                ids=arbre["id"].to_list(), parents=arbre["parent"].to_list(),
                labels=[fmt.echapper_html(x) for x in arbre["libelle"].to_list()],
                values=arbre["montant_eur"].to_list(), branchvalues="total", maxdepth=2,
                customdata=[[_montant(m), _etp(a), _etp(c)]
                            for m, a, c in arbre.select("montant_eur", "etp_affectes", "etp_compenses").iter_rows()],
                hovertemplate=("<b>%{label}</b><br>Part de l'enveloppe : %{customdata[0]}<br>"
                               "ETP affectés : %{customdata[1]}<br>ETP compensés : %{customdata[2]}<br>"
                               "%{percentRoot:.1%} du total<extra></extra>"),
                insidetextorientation="radial",
            ))
            fig.update_layout(height=560, margin=dict(t=10, l=10, r=10, b=10))
            afficher_graphique(fig, cle="budget_soleil", nom_image=f"budget_territoires_{annee}",
                               alt="Diagramme en soleil : part de l'enveloppe par région, département et "
                                   "Mission Locale. Cliquer sur un secteur pour descendre d'un niveau.")
            st.caption("Cliquez sur une région pour descendre vers ses départements puis ses Missions Locales ; "
                       "cliquez au centre pour remonter.")

            col_niveau, col_dep = st.columns(2)
            with col_niveau:
                niveau = st.segmented_control(
                    "Niveau du tableau", list(NIVEAUX), default="region" if code_region is None else "departement",
                    format_func=NIVEAUX.__getitem__, key="budget_niveau", required=True,
                )
            deps = chargement.en_cache(budget.detail, annee, "departement", code_region).sort("code_departement")
            noms_deps = dict(zip(deps["code_departement"], deps["nom_departement"]))
            with col_dep:
                code_dep = st.selectbox(
                    "Département", [None, *deps["code_departement"].to_list()],
                    format_func=lambda c: "Tous les départements" if c is None else f"{noms_deps[c]} ({c})",
                    key="budget_departement", disabled=niveau == "region",
                    help="Restreint le tableau des Missions Locales ou des départements à un département.",
                )
            detail = chargement.en_cache(budget.detail, annee, niveau or "region", code_region,
                                         code_dep if niveau != "region" else None)
            _tableau(
                detail,
                {"nb_ml": "entier", "etp_affectes": "ETP", "etp_compenses": "ETP", "valorisation_etp_eur": "€",
                 "subvention_compensatoire_eur": "€", "credits_financiers_eur": "€", "part_eur": "€",
                 "part_pct": "%"},
                "budget_detail", f"budget_{niveau}", annee, hauteur=400,
            )

# --------------------------------------------------------------------------------------------------
# 3. Ratios par ML
# --------------------------------------------------------------------------------------------------

with onglets[2]:
    if onglets[2].open:
        st.subheader(f"Ratios par Mission Locale ({territoire}, {annee})", anchor=False)
        st.caption("Boîtes à moustaches à la manière des conventions pluriannuelles d'objectifs de l'État : "
                   "la boîte va du 1er au 3e quartile ; sont atypiques les ML au-delà de 1,5 écart "
                   "interquartile de la boîte (les plus éloignées sont nommées sur le graphique, toutes sont "
                   "listées dessous). Les ML sans part dans l'enveloppe ne sont pas comparées.")
        ratios = chargement.en_cache(budget.ratios_ml, annee, code_region)
        stats, points = budget.boites(ratios)
        if ratios.is_empty():
            st.info(f"Aucune Mission Locale pour {territoire} en {annee}.", icon=":material/info:")
        else:
            fig = make_subplots(rows=1, cols=len(budget.RATIOS), horizontal_spacing=0.08,
                                subplot_titles=[r.libelle for r in budget.RATIOS.values()])
            for i, r in enumerate(budget.RATIOS.values(), start=1):
                s = stats.filter(pl.col("ratio") == r.code).row(0, named=True)
                if s["n"] == 0:
                    continue
                fig.add_trace(go.Box(
                    x=[r.libelle], q1=[s["q1"]], median=[s["mediane"]], q3=[s["q3"]],
                    lowerfence=[s["moustache_basse"]], upperfence=[s["moustache_haute"]],
                    name=r.libelle, marker_color=BLEU_FRANCE, fillcolor="rgba(0,0,145,0.15)",
                    boxpoints=False, hoverinfo="skip", showlegend=False,
                ), row=1, col=i)
                p = points.filter(pl.col("ratio") == r.code)
                if p.height:
                    # Toutes ont une info-bulle ; les plus éloignées de la médiane portent leur nom, en
                    # étiquettes écartées les unes des autres (reliées au point par un trait).
                    fig.add_trace(go.Scatter(
                        x=[r.libelle] * p.height, y=p["valeur"].to_list(), mode="markers",
                        marker=dict(color=ROUGE_MARIANNE, size=7), cliponaxis=False,
                        customdata=[[fmt.echapper_html(n), _montant(v)]
                                    for n, v in p.select("nom_ml", "valeur").iter_rows()],
                        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>", showlegend=False,
                    ), row=1, col=i)
                    etendue = max(p["valeur"].max(), s["moustache_haute"]) - min(p["valeur"].min(),
                                                                                s["moustache_basse"])
                    ecart_min = (etendue or 1.0) / 16
                    nommes = p.with_columns((pl.col("valeur") - s["mediane"]).abs().alias("_d")).sort(
                        "_d", descending=True).head(NB_NOMMES)
                    suffixe = "" if i == 1 else str(i)
                    for position, descendant in (("haut", True), ("bas", False)):
                        groupe = nommes.filter(pl.col("position") == position).sort("valeur", descending=descendant)
                        precedent = None
                        for nom, valeur in groupe.select("nom_ml", "valeur").iter_rows():
                            y_texte = valeur
                            if precedent is not None:
                                y_texte = (min(valeur, precedent - ecart_min) if descendant
                                           else max(valeur, precedent + ecart_min))
                            precedent = y_texte
                            fig.add_annotation(
                                x=r.libelle, y=valeur, xref=f"x{suffixe}", yref=f"y{suffixe}",
                                ax=28, ay=y_texte, axref="pixel", ayref=f"y{suffixe}",
                                text=fmt.echapper_html(_court(nom)), showarrow=True, arrowhead=0, arrowwidth=1,
                                arrowcolor=GRIS_MOYEN, xanchor="left", font=dict(size=11, color=GRIS_FONCE),
                            )
                fig.update_yaxes(title_text=r.unite, tickformat=",.2~f", row=1, col=i)
                fig.update_xaxes(showticklabels=False, row=1, col=i)
            fig.update_layout(height=520, margin=dict(t=40))
            afficher_graphique(fig, cle="budget_boites", nom_image=f"budget_ratios_{annee}",
                               alt="Boîtes à moustaches des trois ratios budgétaires par Mission Locale, "
                                   "valeurs atypiques nommées.")
            _tableau(stats,
                     {"n": "entier", **{c: "€" for c in ("q1", "mediane", "q3", "borne_basse", "borne_haute",
                                                          "moustache_basse", "moustache_haute")},
                      "nb_aberrants": "entier"},
                     "budget_stats_ratios", "ratios_statistiques", annee, masquer=("ratio",))
            st.markdown("**Missions Locales atypiques**")
            if points.is_empty():
                st.info("Aucune Mission Locale atypique.", icon=":material/info:")
            else:
                _tableau(points.with_columns(
                    pl.col("position").replace({"haut": "Au-dessus", "bas": "En dessous"})),
                    {"valeur": "€"}, "budget_atypiques", "ratios_ml_atypiques", annee, masquer=("ratio",))
            with st.expander("Ratios de toutes les Missions Locales"):
                for r in budget.RATIOS.values():
                    st.markdown(f"**{r.libelle}** — {r.definition}")
                _tableau(ratios,
                         {"etp_affectes": "ETP", "etp_compenses": "ETP", "part_eur": "€", "jeunes_accompagnes": "ETP",
                          "entrees_delegation": "entier", "objectif_entrees_delegation": "entier",
                          **{c: "€" for c in budget.RATIOS}},
                         "budget_ratios", "ratios_ml", annee, hauteur=400)

# --------------------------------------------------------------------------------------------------
# 4. Agents et subventions au fil des années
# --------------------------------------------------------------------------------------------------

with onglets[3]:
    if onglets[3].open:
        st.subheader(f"Agents affectés et subventions au fil des années ({territoire})", anchor=False)
        serie = chargement.en_cache(budget.series, code_region)
        if serie.is_empty():
            st.info(f"Aucune allocation pour {territoire}.", icon=":material/info:")
        else:
            annees_txt = [str(a) for a in serie["annee"].to_list()]
            c1, c2 = st.columns(2)
            with c1:
                fig = go.Figure([
                    go.Bar(x=annees_txt, y=serie["etp_affectes"].to_list(), name="ETP affectés",
                           marker_color=BLEU_FRANCE,
                           customdata=[_etp(v) for v in serie["etp_affectes"]],
                           hovertemplate="%{x} : %{customdata} affectés<extra></extra>"),
                    go.Bar(x=annees_txt, y=serie["etp_compenses"].to_list(), name="ETP compensés par une subvention",
                           marker_color=MENTHE,
                           customdata=[_etp(v) for v in serie["etp_compenses"]],
                           hovertemplate="%{x} : %{customdata} compensés<extra></extra>"),
                ])
                fig.update_layout(barmode="stack", title="ETP affectés et compensés", height=380,
                                  legend=dict(orientation="h", y=-0.2))
                fig.update_yaxes(title_text="ETP", tickformat=",.2~f")
                fig.update_xaxes(title_text="Année", type="category")
                afficher_graphique(fig, cle="budget_series_etp", nom_image="budget_etp")
            with c2:
                fig = make_subplots(specs=[[{"secondary_y": True}]])
                fig.add_trace(go.Bar(
                    x=annees_txt, y=serie["nb_ml_ayant_perdu_agent"].to_list(), name="ML ayant perdu leur agent",
                    marker_color=ORANGE_AVERTISSEMENT,
                    hovertemplate="%{x} : %{y} ML ont perdu leur agent<extra></extra>"), secondary_y=False)
                fig.add_trace(go.Scatter(
                    x=annees_txt, y=serie["part_ml_avec_agent_pct"].to_list(), name="Part des ML avec un agent",
                    mode="lines+markers", line=dict(color=BLEU_FRANCE, width=3),
                    customdata=[fmt.pourcentage(v) for v in serie["part_ml_avec_agent_pct"]],
                    hovertemplate="%{x} : %{customdata} des ML ont un agent<extra></extra>"), secondary_y=True)
                fig.update_layout(title="ML avec un agent affecté", height=380, legend=dict(orientation="h", y=-0.2))
                perdues_max = int(serie["nb_ml_ayant_perdu_agent"].max() or 0)
                fig.update_yaxes(title_text="ML ayant perdu leur agent", tickformat=",d", secondary_y=False,
                                 range=[0, max(perdues_max, 1) * 1.1], dtick=max(1, -(-perdues_max // 5)))
                fig.update_yaxes(title_text="Part des ML avec un agent (%)", range=[0, 105], secondary_y=True,
                                 showgrid=False, tickmode="array", tickvals=[0, 25, 50, 75, 100],
                                 ticksuffix=" %")
                fig.update_xaxes(title_text="Année", type="category")
                afficher_graphique(fig, cle="budget_series_ml", nom_image="budget_ml_agent")
            st.caption("L'UNML alerte les présidents sur l'importance de conserver un agent affecté : une ML qui "
                       "le perd risque de n'avoir plus qu'une relation financière avec France Travail. « Ayant "
                       "perdu leur agent » : ETP affectés l'année précédente, aucun cette année.")
            colonnes_series = ["annee", "etp_affectes", "etp_compenses", "valorisation_etp_eur",
                               "subvention_compensatoire_eur", "credits_financiers_eur", "nb_ml", "nb_ml_avec_agent",
                               "nb_ml_ayant_perdu_agent", "part_ml_avec_agent_pct", "taux_maintien_pct"]
            unites_series = {"etp_affectes": "ETP", "etp_compenses": "ETP", "valorisation_etp_eur": "€",
                             "subvention_compensatoire_eur": "€", "credits_financiers_eur": "€", "nb_ml": "entier",
                             "nb_ml_avec_agent": "entier", "nb_ml_ayant_perdu_agent": "entier",
                             "part_ml_avec_agent_pct": "%", "taux_maintien_pct": "%"}
            _tableau(serie.select("nom_region", *colonnes_series), unites_series, "budget_series",
                     f"agents_subventions_{territoire}", annee)

            st.markdown(f"**Par région en {annee}**")
            par_region = chargement.en_cache(budget.series, None, True).filter(pl.col("annee") == annee)
            if code_region is not None:
                par_region = par_region.filter(pl.col("code_region") == code_region)
            _tableau(par_region.select("code_region", "nom_region", *colonnes_series[1:]), unites_series,
                     "budget_series_regions", "agents_subventions_regions", annee)

            st.markdown(f"**Missions Locales ayant perdu leur agent en {annee}**")
            perdues = chargement.en_cache(budget.ml_ayant_perdu_agent, annee, code_region)
            if perdues.is_empty():
                st.info(f"Aucune Mission Locale n'a perdu son agent affecté en {annee} ({territoire}).",
                        icon=":material/info:")
            else:
                _tableau(perdues, {"etp_affectes_annee_precedente": "ETP", "etp_compenses": "ETP",
                                   "subvention_compensatoire_eur": "€", "credits_financiers_eur": "€"},
                         "budget_pertes", "ml_ayant_perdu_leur_agent", annee)

# --------------------------------------------------------------------------------------------------
# 5. Simulateur
# --------------------------------------------------------------------------------------------------

with onglets[4]:
    if onglets[4].open:
        st.subheader(f"Simulateur : des agents affectés aux subventions ({annee})", anchor=False)
        st.caption("« Ces ML (ou cette région, ou N ETP) passent d'agents affectés à des subventions » : les ETP "
                   "qui basculent sont payés au forfait en subvention, la valorisation des agents baisse d'autant "
                   "(au prorata des ETP qui restent). La simulation ne modifie jamais les données.")
        if param is None:
            st.info(f"Simulation impossible pour {annee} : les paramètres nationaux (forfait) manquent.",
                    icon=":material/info:")
        else:
            perimetres = {"ml": "Des Missions Locales choisies", "region": "Une région", "france": "Toute la France"}
            avec_agent = allocations.filter(pl.col("etp_affectes") > 0).sort("nom_ml")
            noms_ml = dict(zip(avec_agent["code_ml"], avec_agent["nom_ml"].fill_null(avec_agent["code_ml"])))
            regions = dict(filtres.regions)
            c1, c2 = st.columns(2)
            with c1:
                perimetre = st.radio("Périmètre", list(perimetres), format_func=perimetres.__getitem__,
                                     horizontal=True, key="budget_sim_perimetre",
                                     index=1 if code_region is not None else 0)
                codes: list[str] = []
                region_sim = None
                if perimetre == "ml":
                    codes = st.multiselect("Missions Locales (avec un agent affecté)", list(noms_ml),
                                           format_func=lambda c: f"{noms_ml[c]} ({c})", key="budget_sim_ml",
                                           placeholder="Choisir une ou plusieurs ML")
                elif perimetre == "region":
                    region_sim = st.selectbox("Région", list(regions), format_func=regions.__getitem__,
                                              index=list(regions).index(code_region)
                                              if code_region in regions else 0,
                                              key="budget_sim_region")
            with c2:
                limiter = st.toggle("Ne faire basculer que N ETP du périmètre", key="budget_sim_limiter")
                n_etp = None
                if limiter:
                    n_etp = st.number_input("N (ETP)", min_value=0.0, value=10.0, step=0.5, format="%.1f",
                                            key="budget_sim_n")
                    ordre = st.selectbox("Quelles ML basculent d'abord ?", list(budget.ORDRES),
                                         format_func=budget.ORDRES.__getitem__, key="budget_sim_ordre")
                else:
                    ordre = "petites_d_abord"
            scenario = None
            if perimetre == "ml" and not codes:
                st.info("Choisissez une ou plusieurs Missions Locales, ou un autre périmètre.",
                        icon=":material/info:")
            else:
                scenario = budget.Scenario(
                    codes_ml=tuple(codes), code_region=region_sim,
                    etp=float(n_etp) if n_etp is not None else None, ordre=ordre,
                )
            if scenario is not None:
                sim = budget.simuler_tableaux(param, allocations, scenario)
                for m in sim.messages:
                    st.warning(m, icon=":material/warning:")
                somme_av = float(sim.allocations_avant["part_eur"].sum())
                somme_ap = float(sim.allocations_apres["part_eur"].sum())
                c1, c2, c3 = st.columns(3)
                with c1:
                    st.metric("ETP qui basculent", _etp(sim.etp_bascules), border=True,
                              help="ETP d'agents affectés remplacés par une subvention en compensation.")
                with c2:
                    st.metric("ML sans agent affecté", fmt.nombre(sim.nb_ml_sans_agent_apres),
                              delta=fmt.nombre(sim.nb_ml_sans_agent_apres - sim.nb_ml_sans_agent_avant, signe=True),
                              delta_color="inverse", border=True,
                              delta_description=f"{fmt.nombre(sim.nb_ml_sans_agent_avant)} avant la bascule",
                              help="Missions Locales sans aucun ETP affecté après la bascule.")
                with c3:
                    st.metric("Somme des parts des ML après", _montant(somme_ap),
                              delta=_signe(somme_ap - somme_av) if abs(somme_ap - somme_av) >= 0.005 else None,
                              delta_color="off", border=True,
                              help="Change seulement si des valorisations s'écartaient du forfait.")
                st.markdown("**Nouvelle décomposition**")
                _tableau(sim.decomposition, {"avant_eur": "€", "apres_eur": "€", "variation_eur": "€"},
                         "budget_sim_decomposition", "simulation_decomposition", annee, masquer=("poste",))
                st.markdown("**Missions Locales réduites à une relation purement financière**")
                if sim.ml_relation_financiere.is_empty():
                    st.info("Aucune Mission Locale ne perd son dernier agent affecté.", icon=":material/info:")
                else:
                    _tableau(sim.ml_relation_financiere,
                             {"etp_affectes_avant": "ETP", "etp_bascules": "ETP", "subvention_apres_eur": "€",
                              "credits_financiers_eur": "€"},
                             "budget_sim_ml", "simulation_ml_sans_agent", annee)
                st.markdown("**Effet sur le rapprochement**")
                rap = sim.rapprochement
                changes = rap.filter((pl.col("ecart_apres") - pl.col("ecart_avant")).abs() > 0.005)
                if changes.is_empty():
                    st.info("Aucun écart du rapprochement ne change.", icon=":material/info:")
                for ligne in changes.iter_rows(named=True):
                    st.markdown(
                        f"**{ligne['libelle']}** — écart : {_valeur(ligne['ecart_avant'], ligne['unite'])} → "
                        f"**{_valeur(ligne['ecart_apres'], ligne['unite'])}**  \n{ligne['explication_apres']}"
                    )
                vue = rap.select(
                    "libelle",
                    pl.Series("ecart_avant", fmt.textes(_valeur, rap["ecart_avant"], rap["unite"])),
                    pl.Series("ecart_apres", fmt.textes(_valeur, rap["ecart_apres"], rap["unite"])),
                ).rename({c: budget.LIBELLES_COLONNES[c] for c in ("libelle", "ecart_avant", "ecart_apres")})
                st.dataframe(vue, hide_index=True, key="budget_sim_rapprochement_tableau")
                boutons_telechargement(rap, "simulation_rapprochement", cle="budget_sim_rapprochement",
                                       libelles=budget.LIBELLES_COLONNES, annee=annee)

# --------------------------------------------------------------------------------------------------
# 6. Anomalies
# --------------------------------------------------------------------------------------------------

with onglets[5]:
    if onglets[5].open:
        st.subheader(f"Anomalies ({territoire}, {annee})", anchor=False)
        anomalies = anomalies_nat if code_region is None else chargement.en_cache(budget.anomalies, annee,
                                                                                  code_region)
        if code_region is not None:
            st.caption("Les parts allouées à des codes inconnus n'ont pas de région : elles n'apparaissent "
                       "qu'en « France entière ».")
        if anomalies.is_empty():
            st.success(f"Aucune anomalie pour {territoire} en {annee}.", icon=":material/check_circle:")
        else:
            resume = anomalies.group_by("libelle_type").agg(
                pl.len().alias("nb"), pl.col("montant_en_jeu_eur").sum().alias("montant")
            ).sort("montant", descending=True)
            with st.container(horizontal=True):
                for libelle, nb, montant in resume.iter_rows():
                    st.metric(libelle, f"{fmt.nombre(nb)} ligne{'s' if nb > 1 else ''}",
                              delta=f"{_montant(montant)} en jeu", delta_color="off", delta_arrow="off",
                              border=True, help=AIDE_ANOMALIES)
            _tableau(anomalies,
                     {"etp": "ETP", "montant_declare_eur": "€", "montant_attendu_eur": "€", "ecart_eur": "€",
                      "montant_en_jeu_eur": "€"},
                     "budget_anomalies", "anomalies_budget", annee, hauteur=400, masquer=("type",))
