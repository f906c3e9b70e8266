"""Budget de l'accord : l'enveloppe (49,1 M€ dans l'accord décrit par la notice UNML), sa décomposition,
son rapprochement avec les parts des Missions Locales, les ratios par ML, les agents affectés et les
subventions au fil des années, un simulateur de bascule agents → subventions et les anomalies.

Les données viennent des requêtes ``requetes/sql/budget_*.sql`` (DuckDB, paramétrées) ; ce module
n'applique ensuite que des calculs Polars sur de petits tableaux. Aucune fonction n'écrit dans les données.

Jeu partiel (``requetes.couverture`` : un jeu régional ou départemental) : l'enveloppe, la valorisation
annoncée, les ETP prévus et le forfait restent les paramètres **nationaux** de l'accord, mais les parts des
ML ne sont que celles de la zone. Règle (``rapprochable``) : un paramètre national n'est comparé à une somme
sur les ML que pour un jeu national ; sur un jeu partiel, ni « Écart à l'enveloppe » dans la décomposition,
ni contrôle du rapprochement qui oppose un paramètre national aux ML (``CONTROLES_NATIONAUX``).

Montants en euros, exacts (jamais arrondis ici). Ce module rend des nombres et des codes : chaque ligne du
rapprochement et chaque anomalie porte le code de son explication et les nombres qu'elle cite ;
``presentation/budget.py`` en écrit les phrases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from requetes import indicateurs
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint

# Écart en dessous duquel deux montants sont tenus pour égaux (bruit des flottants, pas une tolérance
# de gestion : un écart d'un centime est montré).
EPSILON_EUR = 0.005
EPSILON_ETP = 1e-6

LIBELLE_REGION_INCONNUE = "Région inconnue"
LIBELLE_DEPARTEMENT_INCONNU = "Département inconnu"
LIBELLE_ML_INCONNUE = "Code ML inconnu"

POSTES = {
    "valorisation": "Valorisation des agents affectés",
    "subvention": "Subventions en compensation",
    "credits": "Autres crédits financiers",
    "ecart": "Écart à l'enveloppe",
    "total": "Total",
}

COLONNES_POSTES = {
    "valorisation": "valorisation_etp_eur",
    "subvention": "subvention_compensatoire_eur",
    "credits": "credits_financiers_eur",
}


# --------------------------------------------------------------------------------------------------
# Lecture
# --------------------------------------------------------------------------------------------------

def annees(jeu: JeuDeDonnees) -> list[int]:
    """Années de l'enveloppe ou des allocations, croissantes."""
    return [int(a) for a in jeu.requete("budget_annees")["annee"].to_list()]


def parametres(jeu: JeuDeDonnees, annee: int) -> dict | None:
    """Paramètres nationaux de l'accord pour l'année (dict des colonnes d'``enveloppe``), ou None."""
    df = jeu.requete("budget_enveloppe", {"annee": int(annee)})
    if df.is_empty():
        return None
    return df.row(0, named=True)


@restreint
def allocations_ml(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """Une ligne par ligne d'allocation de l'année : moyens de la ML, part dans l'enveloppe (``part_eur``),
    rattachement géographique et drapeaux ``ml_inconnue`` / ``departement_inconnu``."""
    return jeu.requete("budget_allocations_ml", {"annee": int(annee), "code_region": code_region})


# --------------------------------------------------------------------------------------------------
# Décomposition de l'enveloppe
# --------------------------------------------------------------------------------------------------

def decomposer(allocations: pl.DataFrame, enveloppe_totale: float | None) -> pl.DataFrame:
    """Décomposition pure d'un tableau d'allocations : postes, montant, part du total.

    Avec ``enveloppe_totale`` (périmètre national), une ligne « Écart à l'enveloppe » = enveloppe − somme
    des parts (positive : non réparti ; négative : dépassement) et le total est l'enveloppe. Sans elle
    (une région), le total est la somme des parts.
    """
    montants = {p: float(allocations[c].sum() or 0.0) for p, c in COLONNES_POSTES.items()}
    somme = sum(montants.values())
    lignes = [(p, POSTES[p], m) for p, m in montants.items()]
    if enveloppe_totale is not None:
        lignes.append(("ecart", POSTES["ecart"], float(enveloppe_totale) - somme))
        total = float(enveloppe_totale)
        libelle_total = "Enveloppe de l'accord"
    else:
        total = somme
        libelle_total = "Somme des parts des Missions Locales"
    lignes.append(("total", libelle_total, total))
    return pl.DataFrame(
        {
            "poste": [l[0] for l in lignes],
            "libelle": [l[1] for l in lignes],
            "montant_eur": [l[2] for l in lignes],
            "part_pct": [100.0 * l[2] / total if total else None for l in lignes],
        },
        schema={"poste": pl.Utf8, "libelle": pl.Utf8, "montant_eur": pl.Float64, "part_pct": pl.Float64},
    )


def rapprochable(jeu: JeuDeDonnees) -> bool:
    """Vrai quand les parts des ML du jeu peuvent être rapprochées des paramètres nationaux de l'accord
    (enveloppe, valorisation annoncée, ETP prévus) : seulement pour un jeu national. Sur un jeu régional ou
    départemental, l'écart mesurerait le reste de la France, pas un défaut."""
    return couverture(jeu).national


@restreint
def decomposition(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """L'enveloppe de l'année décomposée (tout un jeu national), ou la somme des parts d'une région ou de la
    zone d'un jeu partiel (sans écart à l'enveloppe nationale)."""
    allocs = allocations_ml(jeu, annee, code_region)
    param = parametres(jeu, annee) if code_region is None and rapprochable(jeu) else None
    return decomposer(allocs, param["enveloppe_totale_eur"] if param else None)


# --------------------------------------------------------------------------------------------------
# Rapprochement
# --------------------------------------------------------------------------------------------------

SCHEMA_RAPPROCHEMENT = {
    "controle": pl.Utf8,
    "libelle": pl.Utf8,
    "unite": pl.Utf8,
    "reference_libelle": pl.Utf8,
    "reference": pl.Float64,
    "compare_libelle": pl.Utf8,
    "compare": pl.Float64,
    "ecart": pl.Float64,
    # Code de l'explication (``CAS_RAPPROCHEMENT``) et nombres qu'elle cite ; nuls là où le contrôle ne
    # s'en sert pas (voir ``rapprocher``).
    "cas": pl.Utf8,
    "nb_ml": pl.Int64,
    "etp_prevus": pl.Float64,
    "forfait_eur": pl.Float64,
    "valorisation_eur": pl.Float64,
    "subvention_eur": pl.Float64,
    "etp_affectes": pl.Float64,
    "etp_compenses": pl.Float64,
    "cause_accord_eur": pl.Float64,
    "cause_etp_eur": pl.Float64,
    "cause_forfait_eur": pl.Float64,
}

CAS_RAPPROCHEMENT = {
    "egal": "la valeur comparée est la référence (écart nul)",
    "plus": "la valeur comparée dépasse la référence",
    "moins": "la valeur comparée est en dessous de la référence",
    "compense": "total juste, mais des Missions Locales s'écartent du forfait dans les deux sens",
}


def _sens(ecart: float, unite: str) -> str:
    eps = EPSILON_EUR if unite == "€" else EPSILON_ETP
    if ecart > eps:
        return "plus"
    if ecart < -eps:
        return "moins"
    return "egal"


def _ligne_forfait(allocations: pl.DataFrame, forfait: float, col_montant: str, col_etp: str, *, controle: str,
                   libelle: str, objet: str, etp: str) -> dict:
    """Ligne du rapprochement « montants versés aux ML vs ETP × forfait » (lignes 4 et 5).

    ``col_montant`` / ``col_etp`` : colonnes des allocations comparées (valorisations et ETP affectés, ou
    subventions et ETP compensés) ; ``objet`` (« valorisation ») et ``etp`` (« affectés ») nomment la
    référence et la valeur comparée. La somme au forfait est la référence, la somme des montants est
    comparée ; ``nb_ml`` : ML dont le montant s'écarte de leurs ETP × forfait. Cas « compense » : le total
    tombe juste mais ces écarts se compensent.
    """
    montant = float(allocations[col_montant].sum() or 0.0)
    n_etp = float(allocations[col_etp].sum() or 0.0)
    ecarts = (allocations[col_montant] - allocations[col_etp] * forfait).abs()
    n_ecarts = int((ecarts > EPSILON_EUR).sum())
    calc = n_etp * forfait
    e = montant - calc
    cas = _sens(e, "€")
    if cas == "egal" and n_ecarts:
        cas = "compense"
    return dict(controle=controle, libelle=libelle, unite="€", reference_libelle=f"ETP {etp} × forfait",
                reference=calc, compare_libelle=f"Somme des {objet}s des ML", compare=montant, ecart=e, cas=cas,
                nb_ml=n_ecarts, **{col_etp: n_etp})


# Contrôles qui opposent un paramètre national (enveloppe, valorisation annoncée, ETP prévus) à une somme sur
# les ML : faits seulement sur un jeu national (``rapprochable``).
CONTROLES_NATIONAUX = ("enveloppe", "valorisation_ml", "valorisation_agents", "etp")


def rapprocher(param: dict, allocations: pl.DataFrame, national: bool = True) -> pl.DataFrame:
    """Rapprochement pur : paramètres nationaux d'une année × allocations de toutes les ML de l'année.
    ``national`` faux (jeu partiel : les allocations ne sont que celles de la zone) : sans les
    ``CONTROLES_NATIONAUX``, seuls restent l'accord avec lui-même et les ML face au forfait.

    Une ligne par contrôle, avec l'écart (comparé − référence, exact), le code de son explication
    (``cas`` : « egal », « plus », « moins », ou « compense » pour les lignes au forfait) et les nombres
    que l'explication cite :

    - ``enveloppe`` (enveloppe / somme des parts) : ``nb_ml``, les ML comptées ;
    - ``accord`` (valorisation annoncée / ETP prévus × forfait) : ``etp_prevus``, ``forfait_eur`` ;
    - ``valorisation_ml`` (valorisation annoncée / valorisations + subventions des ML) : ``valorisation_eur``,
      ``subvention_eur``, ``etp_affectes``, ``etp_compenses``, ``etp_prevus``, ``forfait_eur`` et l'écart
      décomposé exactement en trois causes (leur somme est l'écart) : ``cause_accord_eur`` (ETP prévus ×
      forfait − valorisation annoncée), ``cause_etp_eur`` (ETP affectés + compensés − ETP prévus, au forfait)
      et ``cause_forfait_eur`` (valorisations et subventions − leurs ETP × forfait) ;
    - ``valorisation_agents`` (valorisation annoncée / valorisations des agents affectés) : ``etp_affectes``,
      ``etp_compenses``, ``subvention_eur`` ;
    - ``valorisation_forfait`` et ``subvention_forfait`` (ETP × forfait / montants déclarés) : ``nb_ml``, les
      ML qui s'écartent du forfait, et ``etp_affectes`` ou ``etp_compenses`` ;
    - ``etp`` (ETP prévus / ETP affectés + compensés) : ``etp_affectes``, ``etp_compenses``.
    """
    env = float(param["enveloppe_totale_eur"])
    val_nat = float(param["valorisation_etp_eur"])
    etp_nat = float(param["etp_nationaux"])
    forfait = float(param["forfait_etp_eur"])
    s_val = float(allocations["valorisation_etp_eur"].sum() or 0.0)
    s_sub = float(allocations["subvention_compensatoire_eur"].sum() or 0.0)
    s_cred = float(allocations["credits_financiers_eur"].sum() or 0.0)
    s_part = s_val + s_sub + s_cred
    s_aff = float(allocations["etp_affectes"].sum() or 0.0)
    s_comp = float(allocations["etp_compenses"].sum() or 0.0)

    def ligne(controle, libelle, unite, reference_libelle, reference, compare_libelle, compare, **nombres):
        e = compare - reference
        return dict(controle=controle, libelle=libelle, unite=unite, reference_libelle=reference_libelle,
                    reference=reference, compare_libelle=compare_libelle, compare=compare, ecart=e,
                    cas=_sens(e, unite), **nombres)

    moyens_etp = s_val + s_sub
    lignes = [
        # 1. Enveloppe vs somme des parts
        ligne("enveloppe", "Enveloppe et parts des Missions Locales", "€", "Enveloppe de l'accord", env,
              "Somme des parts des ML", s_part, nb_ml=allocations.height),
        # 2. Valorisation annoncée vs ETP prévus × forfait (l'écart de l'accord lui-même)
        ligne("accord", "Valorisation annoncée et ETP prévus au forfait", "€",
              "Valorisation annoncée par l'accord", val_nat, "ETP prévus × forfait", etp_nat * forfait,
              etp_prevus=etp_nat, forfait_eur=forfait),
        # 3. Valorisation annoncée vs moyens « ETP » des ML (agents affectés valorisés + subventions qui
        #    les remplacent) ; l'écart se décompose exactement en trois causes.
        ligne("valorisation_ml", "Valorisation annoncée et moyens ETP des ML", "€",
              "Valorisation annoncée par l'accord", val_nat, "Valorisations + subventions des ML", moyens_etp,
              valorisation_eur=s_val, subvention_eur=s_sub, etp_affectes=s_aff, etp_compenses=s_comp,
              etp_prevus=etp_nat, forfait_eur=forfait,
              cause_accord_eur=etp_nat * forfait - val_nat,
              cause_etp_eur=(s_aff + s_comp - etp_nat) * forfait,
              cause_forfait_eur=(s_val - s_aff * forfait) + (s_sub - s_comp * forfait)),
        # 3 bis. Valorisation annoncée vs valorisation des seuls agents affectés (ce qui reste en agents)
        ligne("valorisation_agents", "Valorisation annoncée et agents réellement affectés", "€",
              "Valorisation annoncée par l'accord", val_nat, "Valorisations des agents affectés", s_val,
              etp_affectes=s_aff, etp_compenses=s_comp, subvention_eur=s_sub),
        # 4. Valorisations des ML vs ETP affectés × forfait
        _ligne_forfait(allocations, forfait, "valorisation_etp_eur", "etp_affectes",
                       controle="valorisation_forfait", libelle="Valorisations des ML et ETP affectés au forfait",
                       objet="valorisation", etp="affectés"),
        # 5. Subventions vs ETP compensés × forfait
        _ligne_forfait(allocations, forfait, "subvention_compensatoire_eur", "etp_compenses",
                       controle="subvention_forfait", libelle="Subventions et ETP compensés au forfait",
                       objet="subvention", etp="compensés"),
        # 6. ETP prévus vs affectés + compensés
        ligne("etp", "ETP prévus et ETP affectés ou compensés", "ETP", "ETP prévus par l'accord", etp_nat,
              "ETP affectés + compensés", s_aff + s_comp, etp_affectes=s_aff, etp_compenses=s_comp),
    ]
    if not national:
        lignes = [l for l in lignes if l["controle"] not in CONTROLES_NATIONAUX]
    return pl.DataFrame(lignes, schema=SCHEMA_RAPPROCHEMENT)


@restreint
def rapprochement(jeu: JeuDeDonnees, annee: int) -> pl.DataFrame:
    """Rapprochement de l'année sur tout le jeu (vide si l'enveloppe de l'année n'est pas connue) ; sans les
    contrôles nationaux pour un jeu partiel (``rapprochable``)."""
    param = parametres(jeu, annee)
    if param is None:
        return pl.DataFrame(schema=SCHEMA_RAPPROCHEMENT)
    return rapprocher(param, allocations_ml(jeu, annee), rapprochable(jeu))


# --------------------------------------------------------------------------------------------------
# Du national à la Mission Locale
# --------------------------------------------------------------------------------------------------

def _avec_libelles(allocations: pl.DataFrame) -> pl.DataFrame:
    """Libellés de repli pour les codes inconnus : aucun montant ne disparaît d'un regroupement."""
    return allocations.with_columns(
        pl.col("code_region").fill_null("?"),
        pl.col("nom_region").fill_null(LIBELLE_REGION_INCONNUE),
        pl.col("code_departement").fill_null("?"),
        pl.col("nom_departement").fill_null(
            pl.when(pl.col("ml_inconnue")).then(pl.lit(LIBELLE_ML_INCONNUE))
            .otherwise(pl.lit(LIBELLE_DEPARTEMENT_INCONNU))
        ),
        pl.col("nom_ml").fill_null(pl.format("{} (inconnue)", pl.col("code_ml"))),
    )


MAILLES_DETAIL = ("region", "departement", "ml")

_CLES_DETAIL = {
    "region": ("code_region", "nom_region"),
    "departement": ("code_departement", "nom_departement", "code_region", "nom_region"),
    "ml": ("code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region"),
}
_SOMMES_DETAIL = ("etp_affectes", "etp_compenses", "valorisation_etp_eur", "subvention_compensatoire_eur",
                  "credits_financiers_eur", "part_eur")


@restreint
def detail(
    jeu: JeuDeDonnees,
    annee: int,
    maille: str,
    code_region: str | None = None,
    code_departement: str | None = None,
) -> pl.DataFrame:
    """Moyens agrégés à la maille (``region``, ``departement`` ou ``ml``), dans une région et/ou un
    département si on les donne. Colonnes : les codes et noms de la maille et de ses parents
    (``code_region, nom_region`` ; ``code_departement, nom_departement, code_region, nom_region`` ;
    ``code_ml, nom_ml, code_departement, …``), puis nb_ml, etp_affectes, etp_compenses,
    valorisation_etp_eur, subvention_compensatoire_eur, credits_financiers_eur, part_eur et part_pct (part
    du total affiché). Trié par part décroissante."""
    if maille not in MAILLES_DETAIL:
        raise ValueError(f"Maille inconnue : {maille!r} (attendu : {', '.join(MAILLES_DETAIL)})")
    df = _avec_libelles(allocations_ml(jeu, annee, code_region))
    if code_departement is not None:
        df = df.filter(pl.col("code_departement") == code_departement)
    cles = list(_CLES_DETAIL[maille])
    res = df.group_by(cles).agg(pl.len().cast(pl.Int64).alias("nb_ml"), *(pl.col(c).sum() for c in _SOMMES_DETAIL))
    total = float(res["part_eur"].sum() or 0.0)
    res = res.with_columns(
        (100.0 * pl.col("part_eur") / total if total else pl.lit(None, pl.Float64)).alias("part_pct"),
    )
    return res.select(*cles, "part_eur", "part_pct", "nb_ml", *_SOMMES_DETAIL[:-1]).sort(
        "part_eur", cles[0], descending=[True, False]
    )


@restreint
def arbre(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """Arbre région → département → ML pour un treemap ou un sunburst (``branchvalues="total"``) :
    id, parent ("" pour les racines), libelle, niveau, code (du nœud à son niveau), montant_eur, etp_affectes, etp_compenses, nb_ml.
    Les montants d'un nœud sont la somme exacte de ses enfants."""
    df = _avec_libelles(allocations_ml(jeu, annee, code_region))
    sommes = [pl.col(c).sum() for c in ("part_eur", "etp_affectes", "etp_compenses")]
    reg = df.group_by("code_region", "nom_region").agg(*sommes, pl.len().alias("nb_ml")).select(
        pl.format("R-{}", "code_region").alias("id"),
        pl.lit("").alias("parent"),
        pl.col("nom_region").alias("libelle"),
        pl.lit("region").alias("niveau"),
        pl.col("code_region").alias("code"),
        "part_eur", "etp_affectes", "etp_compenses", "nb_ml",
    )
    dep = df.group_by("code_region", "code_departement", "nom_departement").agg(
        *sommes, pl.len().alias("nb_ml")
    ).select(
        pl.format("D-{}-{}", "code_region", "code_departement").alias("id"),
        pl.format("R-{}", "code_region").alias("parent"),
        pl.col("nom_departement").alias("libelle"),
        pl.lit("departement").alias("niveau"),
        pl.col("code_departement").alias("code"),
        "part_eur", "etp_affectes", "etp_compenses", "nb_ml",
    )
    ml = df.select(
        pl.format("M-{}", "code_ml").alias("id"),
        pl.format("D-{}-{}", "code_region", "code_departement").alias("parent"),
        pl.col("nom_ml").alias("libelle"),
        pl.lit("ml").alias("niveau"),
        pl.col("code_ml").alias("code"),
        "part_eur", "etp_affectes", "etp_compenses",
        pl.lit(1).alias("nb_ml"),
    )
    return (
        pl.concat([reg, dep, ml], how="vertical_relaxed")
        .rename({"part_eur": "montant_eur"})
        .with_columns(pl.col("nb_ml").cast(pl.Int64))
    )


# --------------------------------------------------------------------------------------------------
# Ratios par Mission Locale et boîtes à moustaches
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Ratio:
    code: str
    libelle: str
    denominateur: str  # colonne du tableau des ratios
    libelle_denominateur: str
    unite: str
    definition: str
    indicateur: str | None  # code du registre (requetes/indicateurs.py) quand il existe


def _definition_registre(code: str, repli: str) -> str:
    ind = indicateurs.REGISTRE.get(code)
    return ind.definition if ind else repli


RATIOS: dict[str, Ratio] = {
    r.code: r
    for r in (
        Ratio("eur_par_jeune", "€ par jeune accompagné", "jeunes_accompagnes",
              "Jeunes accompagnés (moyenne mensuelle)", "€/jeune",
              _definition_registre("eur_par_jeune_accompagne",
                                   "Part de la ML dans l'enveloppe rapportée au nombre de jeunes accompagnés en "
                                   "moyenne chaque mois."), "eur_par_jeune_accompagne"),
        Ratio("eur_par_entree", "€ par entrée en délégation", "entrees_delegation",
              "Entrées en délégation du PPAE", "€/entrée",
              _definition_registre("eur_par_entree",
                                   "Part de la ML dans l'enveloppe rapportée au nombre de jeunes entrés en "
                                   "délégation du PPAE."), "eur_par_entree"),
        Ratio("eur_par_objectif", "€ par unité d'objectif", "objectif_entrees_delegation",
              "Objectif d'entrées en délégation", "€/unité d'objectif",
              "Part de la ML dans l'enveloppe (valorisation des agents affectés + subvention en compensation "
              "+ crédits financiers) rapportée à son objectif annuel d'entrées en délégation du PPAE.", None),
    )
}


def _mesures_registre(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> pl.DataFrame:
    """Dénominateurs et ratios repris du registre des indicateurs (mêmes définitions que la carte et
    les comparaisons) : code_ml, jeunes_accompagnes, entrees_delegation, objectif_entrees_delegation,
    eur_par_jeune, eur_par_entree."""
    long = indicateurs.valeurs(
        jeu, "ml", int(annee), indicateurs=["eur_par_jeune_accompagne", "eur_par_entree", "objectif_entrees"],
        code_region=code_region,
    )

    def colonnes(code: str, **noms: str) -> pl.DataFrame:
        return long.filter(pl.col("indicateur") == code).select(
            pl.col("code").alias("code_ml"), *(pl.col(c).alias(n) for n, c in noms.items())
        )

    return (
        colonnes("eur_par_jeune_accompagne", jeunes_accompagnes="denominateur", eur_par_jeune="valeur")
        .join(colonnes("eur_par_entree", entrees_delegation="denominateur", eur_par_entree="valeur"),
              on="code_ml", how="full", coalesce=True)
        .join(colonnes("objectif_entrees", objectif_registre="valeur"), on="code_ml", how="full", coalesce=True)
    )


@restreint
def ratios_ml(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """Une ligne par ML connue : part, dénominateurs et les trois ratios (nuls si le dénominateur est
    nul ou absent, ou si la ML n'a aucune part dans l'enveloppe). € par jeune accompagné et € par entrée en délégation viennent du registre des
    indicateurs ; € par unité d'objectif = part ÷ objectif d'entrées en délégation."""
    allocs = _avec_libelles(allocations_ml(jeu, annee, code_region)).filter(~pl.col("ml_inconnue"))
    df = allocs.join(_mesures_registre(jeu, annee, code_region), on="code_ml", how="left")
    objectif = pl.col("objectif_entrees_delegation").cast(pl.Float64)
    df = df.with_columns(
        pl.when(objectif > 0).then(pl.col("part_eur") / objectif).otherwise(None).alias("eur_par_objectif"),
    )
    # Une ML sans part dans l'enveloppe n'a pas de coût à comparer : ratios nuls (absents), pas 0 €.
    df = df.with_columns(
        *(pl.when(pl.col("part_eur") > 0).then(pl.col(r)).otherwise(None).alias(r) for r in RATIOS)
    )
    return df.select(
        "code_ml", "nom_ml", "code_departement", "nom_departement", "code_region", "nom_region",
        "etp_affectes", "etp_compenses", "part_eur",
        "jeunes_accompagnes", "entrees_delegation", "objectif_entrees_delegation",
        *RATIOS,
    ).sort("code_ml")


def _quantile(valeurs: list[float], q: float) -> float:
    """Quantile par interpolation linéaire (méthode par défaut de NumPy et de Plotly « linear »)."""
    n = len(valeurs)
    pos = (n - 1) * q
    bas = math.floor(pos)
    haut = min(bas + 1, n - 1)
    return valeurs[bas] + (valeurs[haut] - valeurs[bas]) * (pos - bas)


def boites(ratios: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Boîtes à moustaches de chaque ratio (règle de Tukey : 1,5 écart interquartile).

    Rend (statistiques, points_aberrants) :
    - statistiques : ratio, libelle, unite, n, q1, mediane, q3, borne_basse, borne_haute,
      moustache_basse, moustache_haute (valeurs extrêmes non aberrantes), nb_aberrants ;
    - points_aberrants : ratio, libelle, code_ml, nom_ml, nom_region, valeur, position ("haut"/"bas").
    """
    stats = []
    points = []
    for r in RATIOS.values():
        sous = ratios.filter(pl.col(r.code).is_not_null()).sort(r.code)
        vals = sous[r.code].to_list()
        if not vals:
            stats.append((r.code, r.libelle, r.unite, 0, None, None, None, None, None, None, None, 0))
            continue
        q1, med, q3 = (_quantile(vals, q) for q in (0.25, 0.5, 0.75))
        eiq = q3 - q1
        bb, bh = q1 - 1.5 * eiq, q3 + 1.5 * eiq
        dedans = [v for v in vals if bb <= v <= bh]
        aberr = sous.filter((pl.col(r.code) < bb) | (pl.col(r.code) > bh))
        stats.append((r.code, r.libelle, r.unite, len(vals), q1, med, q3, bb, bh,
                      min(dedans), max(dedans), aberr.height))
        for ligne in aberr.iter_rows(named=True):
            points.append((r.code, r.libelle, ligne["code_ml"], ligne["nom_ml"], ligne["nom_region"],
                           ligne[r.code], "haut" if ligne[r.code] > bh else "bas"))
    stats_df = pl.DataFrame(
        stats,
        schema={"ratio": pl.Utf8, "libelle": pl.Utf8, "unite": pl.Utf8, "n": pl.Int64, "q1": pl.Float64,
                "mediane": pl.Float64, "q3": pl.Float64, "borne_basse": pl.Float64,
                "borne_haute": pl.Float64, "moustache_basse": pl.Float64, "moustache_haute": pl.Float64,
                "nb_aberrants": pl.Int64},
        orient="row",
    )
    points_df = pl.DataFrame(
        points,
        schema={"ratio": pl.Utf8, "libelle": pl.Utf8, "code_ml": pl.Utf8, "nom_ml": pl.Utf8,
                "nom_region": pl.Utf8, "valeur": pl.Float64, "position": pl.Utf8},
        orient="row",
    )
    return stats_df, points_df


# --------------------------------------------------------------------------------------------------
# Agents affectés et subventions au fil des années
# --------------------------------------------------------------------------------------------------

@restreint
def series(jeu: JeuDeDonnees, code_region: str | None = None, toutes_regions: bool = False) -> pl.DataFrame:
    """Par année : ETP affectés et compensés, montants, nombre de ML, ML avec un agent, ML ayant perdu
    leur agent (en avaient l'année précédente, n'en ont plus), part des ML avec un agent
    (``part_ml_avec_agent_pct``) et taux de maintien (``taux_maintien_pct`` : parmi les ML qui avaient un
    agent l'année précédente, part qui en a encore un).

    Sans région : France entière ; avec ``code_region`` : cette région ; ``toutes_regions`` : une ligne
    par région et par année.
    """
    df = jeu.requete("budget_series")
    if toutes_regions:
        df = df.filter(pl.col("maille") == "region").with_columns(
            pl.col("nom_region").fill_null(LIBELLE_REGION_INCONNUE)
        )
    elif code_region is None:
        df = df.filter(pl.col("maille") == "nationale").with_columns(
            pl.lit("FR").alias("code_region"), pl.lit("France").alias("nom_region")
        )
    else:
        df = df.filter((pl.col("maille") == "region") & (pl.col("code_region") == code_region))
    return df.with_columns(
        (100.0 * pl.col("nb_ml_avec_agent") / pl.col("nb_ml")).alias("part_ml_avec_agent_pct"),
        pl.when(pl.col("nb_ml_avec_agent_annee_precedente") > 0)
        .then(100.0 * pl.col("nb_ml_gardant_agent") / pl.col("nb_ml_avec_agent_annee_precedente"))
        .otherwise(None)
        .alias("taux_maintien_pct"),
    ).sort("code_region", "annee", nulls_last=True)


@restreint
def ml_ayant_perdu_agent(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """ML qui avaient des ETP affectés l'année précédente et n'en ont plus dans l'année."""
    return jeu.requete("budget_pertes_agent", {"annee": int(annee), "code_region": code_region})


# --------------------------------------------------------------------------------------------------
# Simulateur : bascule d'agents affectés vers des subventions
# --------------------------------------------------------------------------------------------------

ORDRES = {
    "petites_d_abord": "Les ML qui ont le moins d'ETP affectés d'abord",
    "grandes_d_abord": "Les ML qui ont le plus d'ETP affectés d'abord",
    "proportionnel": "Au prorata des ETP affectés de chaque ML (au dixième d'ETP)",
}


@dataclass(frozen=True)
class Scenario:
    """Bascule « agents affectés → subventions en compensation ».

    Périmètre : ``codes_ml`` s'il est donné, sinon les ML de ``code_region``, sinon toute la France.
    ``etp`` : nombre d'ETP qui basculent dans le périmètre (None : tous les ETP affectés du périmètre),
    répartis selon ``ordre`` (clé de ``ORDRES``).
    """

    codes_ml: tuple[str, ...] = ()
    code_region: str | None = None
    etp: float | None = None
    ordre: str = "petites_d_abord"


@dataclass
class Simulation:
    scenario: Scenario
    allocations_avant: pl.DataFrame
    allocations_apres: pl.DataFrame  # + colonne etp_bascules
    decomposition: pl.DataFrame  # poste, libelle, avant_eur, apres_eur, variation_eur
    ml_relation_financiere: pl.DataFrame  # ML qui perdent leur dernier agent affecté
    rapprochement: pl.DataFrame  # controle, libelle, unite, ecart_avant, ecart_apres
    rapprochement_apres: pl.DataFrame  # le rapprochement après la bascule (rapprocher)
    etp_bascules: float
    etp_demandes: float | None
    nb_ml_sans_agent_avant: int
    nb_ml_sans_agent_apres: int
    # Le périmètre compte moins d'ETP affectés que les ``etp_demandes`` : seuls ``etp_bascules`` basculent.
    perimetre_insuffisant: bool = False


def _repartir(etp: list[float], n: float, ordre: str) -> list[float]:
    """ETP retirés à chaque ML pour en faire basculer ``n`` au total (jamais plus que ses ETP)."""
    total = sum(etp)
    n = max(0.0, min(n, total))
    if ordre == "proportionnel":
        if total <= 0:
            return [0.0] * len(etp)
        # Au dixième d'ETP, méthode des plus forts restes, calculée en dixièmes entiers
        cible = round(n * 10)
        plafonds = [round(e * 10) for e in etp]
        parts = [e / total * cible for e in etp]
        bases = [min(math.floor(p + 1e-9), c) for p, c in zip(parts, plafonds)]
        reste = cible - sum(bases)
        for i in sorted(range(len(etp)), key=lambda i: (-(parts[i] - bases[i]), i)):
            if reste <= 0:
                break
            if bases[i] < plafonds[i]:
                bases[i] += 1
                reste -= 1
        return [b / 10 for b in bases]
    if ordre == "petites_d_abord":
        indices = sorted(range(len(etp)), key=lambda i: (etp[i], i))
    elif ordre == "grandes_d_abord":
        indices = sorted(range(len(etp)), key=lambda i: (-etp[i], i))
    else:
        raise ValueError(f"Ordre de répartition inconnu : {ordre!r} (attendu : {', '.join(ORDRES)})")
    retires = [0.0] * len(etp)
    reste = n
    for i in indices:
        if reste <= EPSILON_ETP:
            break
        pris = min(etp[i], reste)
        retires[i] = pris
        reste -= pris
    return retires


def basculer(allocations: pl.DataFrame, forfait: float, scenario: Scenario) -> pl.DataFrame:
    """Fonction pure : les allocations après la bascule du scénario (une copie ; rien n'est écrit).

    Pour chaque ML, les ETP qui basculent quittent ``etp_affectes`` pour ``etp_compenses`` ; la
    subvention augmente de ETP basculés × forfait ; la valorisation baisse au prorata des ETP affectés
    qui restent (elle tombe à 0 quand tous les agents partent, même si elle s'écartait du forfait).
    Colonne ajoutée : ``etp_bascules``.
    """
    if scenario.codes_ml:
        dans = pl.col("code_ml").is_in(list(scenario.codes_ml))
    elif scenario.code_region is not None:
        dans = pl.col("code_region") == scenario.code_region
    else:
        dans = pl.lit(True)
    df = allocations.with_row_index("_rang").with_columns(dans.fill_null(False).alias("_dans"))
    perim = df.filter(pl.col("_dans") & (pl.col("etp_affectes") > 0))
    etp = perim["etp_affectes"].to_list()
    n = sum(etp) if scenario.etp is None else float(scenario.etp)
    retires = _repartir(etp, n, scenario.ordre)
    bascule = pl.DataFrame(
        {"_rang": perim["_rang"], "etp_bascules": retires},
        schema={"_rang": pl.UInt32, "etp_bascules": pl.Float64},
    )
    df = df.join(bascule, on="_rang", how="left").with_columns(pl.col("etp_bascules").fill_null(0.0))
    restant = pl.col("etp_affectes") - pl.col("etp_bascules")
    df = df.with_columns(
        pl.when(pl.col("etp_bascules") > 0)
        .then(pl.when(restant <= EPSILON_ETP).then(0.0)
              .otherwise(pl.col("valorisation_etp_eur") * restant / pl.col("etp_affectes")))
        .otherwise(pl.col("valorisation_etp_eur"))
        .alias("valorisation_etp_eur"),
        (pl.col("subvention_compensatoire_eur") + pl.col("etp_bascules") * forfait)
        .alias("subvention_compensatoire_eur"),
        pl.when(restant <= EPSILON_ETP).then(0.0).otherwise(restant).alias("etp_affectes"),
        (pl.col("etp_compenses") + pl.col("etp_bascules")).alias("etp_compenses"),
    ).with_columns(
        (pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
         + pl.col("credits_financiers_eur")).alias("part_eur"),
    )
    return df.sort("_rang").drop("_rang", "_dans")


@restreint
def simuler(jeu: JeuDeDonnees, annee: int, scenario: Scenario) -> Simulation | None:
    """Simule le scénario sur les allocations de l'année (None si l'enveloppe de l'année manque)."""
    param = parametres(jeu, annee)
    if param is None:
        return None
    return simuler_tableaux(param, allocations_ml(jeu, annee), scenario, rapprochable(jeu))


def simuler_tableaux(param: dict, avant: pl.DataFrame, scenario: Scenario, national: bool = True) -> Simulation:
    """Cœur pur du simulateur, sur des tableaux déjà lus (``national`` faux : jeu partiel, sans écart à
    l'enveloppe ni contrôles nationaux)."""
    forfait = float(param["forfait_etp_eur"])
    apres = basculer(avant, forfait, scenario)
    perim_etp = float(
        apres.filter(pl.col("etp_bascules") > 0)["etp_bascules"].sum() or 0.0
    )
    enveloppe = param["enveloppe_totale_eur"] if national else None
    dec_av = decomposer(avant, enveloppe)
    dec_ap = decomposer(apres, enveloppe)
    decomposition_cmp = dec_av.select(
        "poste", "libelle", pl.col("montant_eur").alias("avant_eur")
    ).with_columns(apres_eur=dec_ap["montant_eur"]).with_columns(
        (pl.col("apres_eur") - pl.col("avant_eur")).alias("variation_eur")
    )
    av = avant.select("code_ml", pl.col("etp_affectes").alias("_avant"))
    perdus = (
        apres.with_row_index("_r")
        .join(av.with_row_index("_r"), on="_r")
        .filter((pl.col("_avant") > 0) & (pl.col("etp_affectes") <= EPSILON_ETP))
        .select(
            "code_ml", "nom_ml", "nom_departement", "nom_region",
            pl.col("_avant").alias("etp_affectes_avant"),
            "etp_bascules",
            pl.col("subvention_compensatoire_eur").alias("subvention_apres_eur"),
            pl.col("credits_financiers_eur"),
        )
    )
    r_av = rapprocher(param, avant, national)
    r_ap = rapprocher(param, apres, national)
    rap = r_av.select(
        "controle", "libelle", "unite", pl.col("ecart").alias("ecart_avant")
    ).with_columns(ecart_apres=r_ap["ecart"])
    return Simulation(
        scenario=scenario,
        allocations_avant=avant,
        allocations_apres=apres,
        decomposition=decomposition_cmp,
        ml_relation_financiere=perdus,
        rapprochement=rap,
        rapprochement_apres=r_ap,
        etp_bascules=perim_etp,
        etp_demandes=scenario.etp,
        nb_ml_sans_agent_avant=int((avant["etp_affectes"] <= EPSILON_ETP).sum()),
        nb_ml_sans_agent_apres=int((apres["etp_affectes"] <= EPSILON_ETP).sum()),
        perimetre_insuffisant=scenario.etp is not None and scenario.etp - perim_etp > EPSILON_ETP,
    )


# --------------------------------------------------------------------------------------------------
# Anomalies
# --------------------------------------------------------------------------------------------------

TYPES_ANOMALIE = {
    "valorisation": "Valorisation ≠ ETP affectés × forfait",
    "subvention": "Subvention ≠ ETP compensés × forfait",
    "ml_inconnue": "Code ML inconnu de la liste des Missions Locales",
    "departement_inconnu": "Département de la ML inconnu du référentiel",
}

SCHEMA_ANOMALIES = {
    "type": pl.Utf8,
    "libelle_type": pl.Utf8,
    "code_ml": pl.Utf8,
    "nom_ml": pl.Utf8,
    "nom_region": pl.Utf8,
    "etp": pl.Float64,
    "montant_declare_eur": pl.Float64,
    "montant_attendu_eur": pl.Float64,
    "ecart_eur": pl.Float64,
    "montant_en_jeu_eur": pl.Float64,
    # nombres et codes que cite l'explication (presentation.budget) : le département inconnu, le forfait
    "code_departement": pl.Utf8,
    "forfait_eur": pl.Float64,
}


def detecter_anomalies(allocations: pl.DataFrame, forfait: float | None) -> pl.DataFrame:
    """Anomalies d'un tableau d'allocations (fonction pure), chacune avec le montant en jeu :
    l'écart au forfait pour une valorisation ou une subvention, la part entière pour un code inconnu.

    ``type`` (clé de ``TYPES_ANOMALIE``) est le code de l'explication ; ``montant_declare_eur`` est la part
    pour un code inconnu, le montant déclaré sinon ; ``forfait_eur`` n'est rempli que pour un écart au
    forfait."""
    lignes = []
    for a in allocations.iter_rows(named=True):
        nom = a["nom_ml"] or f"{a['code_ml']} (inconnue)"
        region = a["nom_region"]
        if a["ml_inconnue"]:
            lignes.append((
                "ml_inconnue", TYPES_ANOMALIE["ml_inconnue"], a["code_ml"], nom, region, None,
                a["part_eur"], None, None, a["part_eur"], a["code_departement"], None,
            ))
        elif a["departement_inconnu"]:
            lignes.append((
                "departement_inconnu", TYPES_ANOMALIE["departement_inconnu"], a["code_ml"], nom, region,
                None, a["part_eur"], None, None, a["part_eur"], a["code_departement"], None,
            ))
        if forfait is None:
            continue
        for type_, col_etp, col_eur in (
            ("valorisation", "etp_affectes", "valorisation_etp_eur"),
            ("subvention", "etp_compenses", "subvention_compensatoire_eur"),
        ):
            attendu = a[col_etp] * forfait
            ecart = a[col_eur] - attendu
            if abs(ecart) > EPSILON_EUR:
                lignes.append((
                    type_, TYPES_ANOMALIE[type_], a["code_ml"], nom, region, a[col_etp],
                    a[col_eur], attendu, ecart, abs(ecart), a["code_departement"], forfait,
                ))
    return pl.DataFrame(lignes, schema=SCHEMA_ANOMALIES, orient="row").sort(
        "montant_en_jeu_eur", "code_ml", descending=[True, False]
    )


@restreint
def anomalies(jeu: JeuDeDonnees, annee: int, code_region: str | None = None) -> pl.DataFrame:
    """Anomalies de l'année (dans une région si on la donne ; les codes inconnus n'ont pas de région et
    n'apparaissent qu'au niveau national)."""
    param = parametres(jeu, annee)
    forfait = float(param["forfait_etp_eur"]) if param else None
    return detecter_anomalies(allocations_ml(jeu, annee, code_region), forfait)


# --------------------------------------------------------------------------------------------------
# En-têtes français des tableaux (affichage et téléchargements)
# --------------------------------------------------------------------------------------------------

LIBELLES_COLONNES: dict[str, str] = {
    # décomposition
    "poste": "Poste (code)",
    "libelle": "Libellé",
    "montant_eur": "Montant (€)",
    "part_pct": "Part (%)",
    "avant_eur": "Avant (€)",
    "apres_eur": "Après (€)",
    "variation_eur": "Variation (€)",
    # rapprochement
    "controle": "Contrôle (code)",
    "unite": "Unité",
    "reference_libelle": "Référence",
    "reference": "Valeur de référence",
    "compare_libelle": "Comparé à",
    "compare": "Valeur comparée",
    "ecart": "Écart (comparé − référence)",
    "ecart_avant": "Écart avant",
    "ecart_apres": "Écart après",
    "explication": "Explication",
    "explication_apres": "Explication après la bascule",
    # territoires
    "code": "Code",
    "nom": "Nom",
    "code_region": "Code région",
    "nom_region": "Région",
    "code_departement": "Code département",
    "nom_departement": "Département",
    "code_ml": "Code ML",
    "nom_ml": "Mission Locale",
    "nb_ml": "Missions Locales",
    "etp_affectes": "ETP affectés",
    "etp_compenses": "ETP compensés",
    "etp_bascules": "ETP basculés",
    "etp_affectes_avant": "ETP affectés avant",
    "etp_affectes_annee_precedente": "ETP affectés l'année précédente",
    "valorisation_etp_eur": "Valorisation des agents affectés (€)",
    "subvention_compensatoire_eur": "Subvention en compensation (€)",
    "subvention_apres_eur": "Subvention après la bascule (€)",
    "credits_financiers_eur": "Autres crédits financiers (€)",
    "part_eur": "Part de l'enveloppe (€)",
    # ratios
    "jeunes_accompagnes": "Jeunes accompagnés (moyenne mensuelle)",
    "entrees_delegation": "Entrées en délégation",
    "objectif_entrees_delegation": "Objectif d'entrées en délégation",
    "eur_par_jeune": "€ par jeune accompagné",
    "eur_par_entree": "€ par entrée en délégation",
    "eur_par_objectif": "€ par unité d'objectif",
    "ratio": "Ratio (code)",
    "valeur": "Valeur",
    "position": "Position",
    "n": "Missions Locales",
    "q1": "1er quartile",
    "mediane": "Médiane",
    "q3": "3e quartile",
    "borne_basse": "Seuil bas (Q1 − 1,5 × EIQ)",
    "borne_haute": "Seuil haut (Q3 + 1,5 × EIQ)",
    "moustache_basse": "Moustache basse",
    "moustache_haute": "Moustache haute",
    "nb_aberrants": "Valeurs atypiques",
    # séries
    "maille": "Maille",
    "annee": "Année",
    "nb_ml_avec_agent": "ML avec un agent affecté",
    "nb_ml_ayant_perdu_agent": "ML ayant perdu leur agent",
    "nb_ml_avec_agent_annee_precedente": "ML avec un agent l'année précédente",
    "nb_ml_gardant_agent": "ML gardant leur agent",
    "part_ml_avec_agent_pct": "Part des ML avec un agent (%)",
    "taux_maintien_pct": "Part des ML qui gardent leur agent (%)",
    # anomalies
    "type": "Type (code)",
    "libelle_type": "Anomalie",
    "etp": "ETP",
    "montant_declare_eur": "Montant déclaré (€)",
    "montant_attendu_eur": "Montant attendu (€)",
    "ecart_eur": "Écart (€)",
    "montant_en_jeu_eur": "Montant en jeu (€)",
}
