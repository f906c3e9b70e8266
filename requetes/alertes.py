"""Les neuf alertes de couverture territoriale (« trous dans le maillage », notice UNML).

Chaque alerte est définie une seule fois ici (``ALERTES``) : code, numéro, libellé, règle en
français, paramètres réglables avec leur valeur par défaut et leur unité, grain de calcul (commune ou
Mission Locale) et requête. Le calcul se fait au grain naturel de l'alerte (``constats`` : une ligne
par commune ou par ML concernée), puis se ramène à chaque maille (``agreger`` / ``synthese`` :
nationale, région, département, ML) :

- une ML compte dans le département et la région de son siège ;
- une commune compte dans son département et sa région (référentiel) et dans la ou les ML dont le
  territoire la contient (territoires_ml) ; une commune sans ML ne compte dans aucune ML.

Les seuils viennent de ``parametres`` (``{code_alerte: {code_parametre: valeur}}``), complétés par
les valeurs par défaut. Toute valeur passe en paramètre SQL (jamais dans le texte).

Ce module rend des nombres et des codes : chaque constat porte les mesures dont sa phrase a besoin
(valeurs, seuils, effectifs, listes de codes ; ``SCHEMA_CONSTATS``). Les phrases (« Rattachée à
2 Missions Locales… », règles avec leurs seuils) sont écrites par ``presentation.alertes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from requetes import acces
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint

MAILLES = ("nationale", "region", "departement", "ml")


@dataclass(frozen=True)
class Parametre:
    code: str
    libelle: str
    defaut: float
    unite: str
    minimum: float
    maximum: float
    pas: float
    aide: str = ""


@dataclass(frozen=True)
class Alerte:
    code: str
    numero: int
    libelle: str  # court, pour les listes et la légende
    regle: str  # règle en français ; {code_parametre} : seuil écrit par presentation.alertes.texte_regle
    niveau: str  # grain du constat : "commune" ou "ml"
    parametres: tuple[Parametre, ...]
    mesure: str  # ce que la carte montre par territoire : "nb" (objets concernés) ou "jeunes"
    unite_mesure: str  # "communes", "ML" ou "jeunes"
    libelle_valeur: str  # ce que mesure la colonne « valeur » d'un constat
    unite_valeur: str  # unité de cette valeur
    pourquoi: str  # d'où vient l'alerte (notice UNML, évaluations)

    def defauts(self) -> dict[str, float]:
        return {p.code: p.defaut for p in self.parametres}


_SEUIL_PCT = dict(minimum=0.0, maximum=100.0, pas=5.0)

ALERTES: dict[str, Alerte] = {
    a.code: a
    for a in (
        Alerte(
            "communes_sans_ml", 1, "Communes sans Mission Locale ou en double",
            "Commune du référentiel rattachée à aucune Mission Locale (trou de couverture), ou "
            "rattachée à plusieurs (chevauchement).",
            "commune", (), "nb", "communes", "ML de rattachement", "ML",
            "Notice UNML : éviter les « trous » dans le maillage territorial ; contrat : une commune "
            "n'appartient qu'à une ML.",
        ),
        Alerte(
            "ml_sans_accord", 2, "ML sans accord local en vigueur",
            "Mission Locale sans accord local signé en vigueur à la date de référence.",
            "ml", (), "nb", "ML", "Accords connus", "accords",
            "Notice UNML : le partenariat renforcé se décline en un projet local de coopération.",
        ),
        Alerte(
            "accord_incomplet", 3, "Accord sans diagnostic, critères ou plan d'actions",
            "Accord en vigueur sans diagnostic territorial partagé, sans critères d'orientation "
            "définis localement ou sans plan d'actions.",
            "ml", (), "nb", "ML", "Éléments manquants", "éléments",
            "Notice UNML : diagnostic co-construit, critères d'orientation à définir clairement, "
            "plan d'actions coordonnées.",
        ),
        Alerte(
            "ml_sans_agent", 4, "ML sans agent France Travail affecté",
            "Mission Locale sans agent France Travail affecté dans l'année (ETP affectés au plus "
            "{seuil_etp}, ou aucune allocation déclarée).",
            "ml",
            (Parametre("seuil_etp", "ETP affectés au plus", 0.0, "ETP", 0.0, 5.0, 0.1,
                       "Une ML dont les ETP affectés ne dépassent pas ce seuil est signalée."),),
            "nb", "ML", "ETP affectés", "ETP",
            "Notice UNML : sans agent affecté, la ML risque de n'avoir plus qu'une relation "
            "financière avec France Travail.",
        ),
        Alerte(
            "acces_eloigne", 5, "Jeunes éloignés d'un lieu d'accueil ou d'une agence",
            "Commune dont le point est à plus de {distance_km} à vol d'oiseau du lieu d'accueil de "
            "Mission Locale le plus proche, ou de l'agence France Travail la plus proche ; on compte "
            "ses jeunes de 16 à 25 ans.",
            "commune",
            (Parametre("distance_km", "Distance maximale", 20.0, "km", 1.0, 100.0, 1.0,
                       "Distance à vol d'oiseau au-delà de laquelle une commune est signalée."),),
            "jeunes", "jeunes", "Distance la plus grande au-delà du seuil", "km",
            "Notice UNML : équité d'accès des jeunes aux services du territoire (diagnostic).",
        ),
        Alerte(
            "orientation_delegation", 6, "Sous-orientation ou excès d'orientation en délégation",
            "Entrées en délégation du PPAE pour 1 000 demandeurs d'emploi de moins de 26 ans sous "
            "{facteur_pct} de la médiane nationale des ML (sous-orientation), ou au-dessus de la "
            "médiane divisée par ce facteur (excès).",
            "ml",
            (Parametre("facteur_pct", "Part de la médiane nationale", 50.0, "%", 5.0, 95.0, 5.0,
                       "50 % : alerte sous la moitié de la médiane, et au-dessus du double."),),
            "nb", "ML", "Entrées pour 1 000 demandeurs d'emploi de moins de 26 ans", "‰",
            "Évaluations (IGAS 2018) : délégation du PPAE « manquant de fluidité » ; renvois d'un "
            "réseau à l'autre.",
        ),
        Alerte(
            "criteres_orientation", 7, "Critères d'orientation déséquilibrés",
            "Part des jeunes orientés par France Travail en délégation pour difficultés sociales ou "
            "éloignement de l'emploi au-dessus de {seuil_pct}.",
            "ml",
            (Parametre("seuil_pct", "Part maximale", 80.0, "%", **_SEUIL_PCT,
                       aide="Au-delà, les orientations reposent surtout sur ces deux motifs."),),
            "nb", "ML", "Part des orientations pour difficultés sociales ou éloignement", "%",
            "Notice UNML : les critères d'orientation ne doivent pas être calés seulement sur "
            "l'éloignement de l'emploi et les difficultés sociales.",
        ),
        Alerte(
            "double_perte", 8, "« Double perte » : jeunes refusés ou jamais entrés",
            "Taux d'acceptation (acceptés ÷ orientés) sous {seuil_acceptation_pct}, ou taux d'entrée "
            "(entrés ÷ acceptés) sous {seuil_entree_pct}, pour les orientations France Travail → ML.",
            "ml",
            (Parametre("seuil_acceptation_pct", "Taux d'acceptation minimal", 80.0, "%", **_SEUIL_PCT),
             Parametre("seuil_entree_pct", "Taux d'entrée minimal", 80.0, "%", **_SEUIL_PCT)),
            "nb", "ML", "Taux le plus bas sous son seuil", "%",
            "IGAS 2018 : des jeunes orientés sont refusés, d'autres acceptés n'entrent jamais en "
            "accompagnement.",
        ),
        Alerte(
            "objectif_delegation", 9, "Objectif annuel d'entrées non atteint",
            "Entrées en délégation de l'année sous {seuil_pct} de l'objectif annuel de la ML.",
            "ml",
            (Parametre("seuil_pct", "Réalisation minimale", 80.0, "%", 0.0, 150.0, 5.0),),
            "nb", "ML", "Réalisation de l'objectif", "%",
            "Accord-cadre : objectif national de 150 000 jeunes par an en délégation, décliné par ML.",
        ),
    )
}

# Colonnes communes à tous les constats (voir ``constats``).
SCHEMA_COMMUN = {
    "alerte": pl.Utf8, "numero": pl.Int64, "libelle_alerte": pl.Utf8, "niveau": pl.Utf8,
    "code_objet": pl.Utf8, "nom_objet": pl.Utf8, "code_departement": pl.Utf8, "code_region": pl.Utf8,
    "codes_ml": pl.List(pl.Utf8), "cas": pl.Utf8, "valeur": pl.Float64, "reference": pl.Float64,
    "jeunes": pl.Int64,
}
COLONNES_COMMUNES = tuple(SCHEMA_COMMUN)

# Mesures propres à certaines alertes (nulles pour les autres) : ce que la phrase du constat cite.
SCHEMA_MESURES = {
    "numerateur": pl.Float64,  # 6 : entrées ; 7 : orientés pour ces motifs ; 9 : entrées
    "denominateur": pl.Float64,  # 6 : demandeurs d'emploi ; 7 : orientés ; 9 : objectif
    "statuts": pl.List(pl.Utf8),  # 2 : statuts des accords connus (codes de donnees.contrat)
    "accords": pl.List(pl.Utf8),  # 3 : accords en vigueur (id_accord)
    "manque_diagnostic": pl.Boolean,  # 3 : éléments absents de tous les accords en vigueur
    "manque_criteres": pl.Boolean,
    "manque_plan": pl.Boolean,
    "etp_compenses": pl.Float64,  # 4 : ETP compensés par subvention
    "distance_site_km": pl.Float64,  # 5 : distances au plus proche (inf : aucun dans le jeu)
    "distance_agence_km": pl.Float64,
    "taux_acceptation": pl.Float64,  # 8 : taux (%) et effectifs de l'entonnoir
    "taux_entree": pl.Float64,
    "orientes": pl.Float64,
    "acceptes": pl.Float64,
    "entres": pl.Float64,
}

SCHEMA_CONSTATS = {**SCHEMA_COMMUN, **SCHEMA_MESURES}
COLONNES_CONSTATS = tuple(SCHEMA_CONSTATS)


def parametres_par_defaut() -> dict[str, dict[str, float]]:
    return {a.code: a.defauts() for a in ALERTES.values()}


def parametres_complets(parametres: dict[str, dict[str, float]] | None) -> dict[str, dict[str, float]]:
    """Les seuils de chaque alerte : ``parametres`` complétés par les valeurs par défaut (codes vérifiés)."""
    complets = parametres_par_defaut()
    for code, valeurs in (parametres or {}).items():
        if code not in ALERTES:
            raise KeyError(f"Alerte inconnue : {code}")
        inconnus = set(valeurs) - set(complets[code])
        if inconnus:
            raise KeyError(f"Paramètre inconnu pour l'alerte {code} : {', '.join(sorted(inconnus))}")
        complets[code].update({k: float(v) for k, v in valeurs.items()})
    return complets


def date_reference_par_defaut(annee: int) -> date:
    """Date à laquelle on regarde les accords en vigueur pour une année : le 31 décembre."""
    return date(int(annee), 12, 31)


# --------------------------------------------------------------------------------------------
# Constats, alerte par alerte
# --------------------------------------------------------------------------------------------


def _finir(df: pl.DataFrame, alerte: Alerte, niveau: str) -> pl.DataFrame:
    """Met un résultat de requête au format commun ``SCHEMA_CONSTATS`` (mesures absentes : nulles)."""
    df = df.with_columns(
        pl.lit(alerte.code).alias("alerte"),
        pl.lit(alerte.numero, dtype=pl.Int64).alias("numero"),
        pl.lit(alerte.libelle).alias("libelle_alerte"),
        pl.lit(niveau).alias("niveau"),
    )
    if "codes_ml" not in df.columns:
        df = df.with_columns(pl.concat_list(pl.col("code_objet")).alias("codes_ml"))
    return df.select([
        pl.col(c).cast(t) if c in df.columns else pl.lit(None, dtype=t).alias(c) for c, t in SCHEMA_CONSTATS.items()
    ])


def _alerte_1(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : non_couverte ou chevauchement ; codes_ml : les ML de rattachement
    df = jeu.requete("alertes_couverture", {"annee": annee})
    return _finir(df, ALERTES["communes_sans_ml"], "commune")


def _alerte_2(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : aucun_accord ou aucun_en_vigueur ; statuts : ceux des accords connus
    df = jeu.requete("alertes_sans_accord", {"date_reference": date_ref})
    return _finir(df, ALERTES["ml_sans_accord"], "ml")


def _alerte_3(jeu, annee, p, date_ref) -> pl.DataFrame:
    # accords en vigueur et éléments manquants (manque_*)
    df = jeu.requete("alertes_contenu_accord", {"date_reference": date_ref})
    return _finir(df, ALERTES["accord_incomplet"], "ml")


def _alerte_4(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : sans_allocation ou sans_agent ; valeur : ETP affectés ; référence : le seuil
    seuil = p["seuil_etp"]
    df = jeu.requete("alertes_sans_agent", {"annee": annee, "seuil_etp": seuil})
    df = df.with_columns(pl.lit(seuil).alias("reference"))
    return _finir(df, ALERTES["ml_sans_agent"], "ml")


@restreint
def communes_eloignees(jeu: JeuDeDonnees, annee: int, distance_km: float) -> pl.DataFrame:
    """Communes à plus de ``distance_km`` du lieu d'accueil ML ou de l'agence France Travail les plus
    proches (distance infinie = aucun lieu, aucune agence dans le jeu : la commune est signalée ; une
    commune sans point dans le référentiel ne l'est pas). Colonnes de ``acces.distances_communes``
    plus ``loin_site``, ``loin_agence``."""
    d = acces.distances_communes(jeu, annee)
    loin_site = (pl.col("distance_site_km") > distance_km).fill_null(False)
    loin_agence = (pl.col("distance_agence_km") > distance_km).fill_null(False)
    return (
        d.with_columns(loin_site.alias("loin_site"), loin_agence.alias("loin_agence"))
        .filter(pl.col("loin_site") | pl.col("loin_agence"))
    )


def _alerte_5(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : site, agence ou site_et_agence (au-delà du seuil) ; distances ; référence : le seuil
    seuil = p["distance_km"]
    df = communes_eloignees(jeu, annee, seuil)
    ls, la = pl.col("loin_site"), pl.col("loin_agence")
    inf = float("inf")
    ds = pl.when(ls & (pl.col("distance_site_km") < inf)).then(pl.col("distance_site_km"))
    da = pl.when(la & (pl.col("distance_agence_km") < inf)).then(pl.col("distance_agence_km"))
    df = df.with_columns(
        pl.col("code_commune").alias("code_objet"),
        pl.col("nom_commune").alias("nom_objet"),
        pl.when(ls & la).then(pl.lit("site_et_agence")).when(ls).then(pl.lit("site"))
        .otherwise(pl.lit("agence")).alias("cas"),
        pl.max_horizontal(ds, da).alias("valeur"),
        pl.lit(seuil).alias("reference"),
    )
    return _finir(df, ALERTES["acces_eloigne"], "commune")


def _alerte_6(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : sous_orientation ou exces ; valeur : le taux ; référence : la médiane nationale
    facteur = p["facteur_pct"] / 100.0
    df = jeu.requete("alertes_delegation", {"annee": annee, "facteur": facteur})
    return _finir(df, ALERTES["orientation_delegation"], "ml")


def _alerte_seuil_pct(jeu, annee, p, requete: str, code: str) -> pl.DataFrame:
    """Alerte par ML à un seul seuil en % (``seuil_pct``) : la requête rend valeur, numérateur et
    dénominateur ; le seuil devient la référence."""
    seuil = p["seuil_pct"]
    df = jeu.requete(requete, {"annee": annee, "seuil_pct": seuil})
    df = df.with_columns(pl.lit(seuil).alias("reference"))
    return _finir(df, ALERTES[code], "ml")


def _alerte_7(jeu, annee, p, date_ref) -> pl.DataFrame:
    return _alerte_seuil_pct(jeu, annee, p, "alertes_criteres", "criteres_orientation")


def _alerte_8(jeu, annee, p, date_ref) -> pl.DataFrame:
    # cas : acceptation, entree ou deux_taux ; taux et effectifs ; les seuils sont dans ``p``
    sa, se = p["seuil_acceptation_pct"], p["seuil_entree_pct"]
    df = jeu.requete("alertes_double_perte",
                     {"annee": annee, "seuil_acceptation_pct": sa, "seuil_entree_pct": se})
    return _finir(df, ALERTES["double_perte"], "ml")


def _alerte_9(jeu, annee, p, date_ref) -> pl.DataFrame:
    return _alerte_seuil_pct(jeu, annee, p, "alertes_objectif", "objectif_delegation")


_CALCULS = {
    "communes_sans_ml": _alerte_1,
    "ml_sans_accord": _alerte_2,
    "accord_incomplet": _alerte_3,
    "ml_sans_agent": _alerte_4,
    "acces_eloigne": _alerte_5,
    "orientation_delegation": _alerte_6,
    "criteres_orientation": _alerte_7,
    "double_perte": _alerte_8,
    "objectif_delegation": _alerte_9,
}
assert tuple(_CALCULS) == tuple(ALERTES)


@restreint
def constats(jeu: JeuDeDonnees, annee: int, parametres: dict[str, dict[str, float]] | None = None,
             date_reference: date | None = None, alertes: list[str] | None = None) -> pl.DataFrame:
    """Tous les objets (communes ou ML) qui déclenchent une alerte, une ligne par objet et par alerte,
    colonnes ``COLONNES_CONSTATS`` :

    alerte, numero, libelle_alerte, niveau ("commune" | "ml"), code_objet, nom_objet,
    code_departement, code_region, codes_ml (ML dont le territoire contient la commune ; pour une
    ML : elle-même), cas (variante de la règle), valeur (mesure comparée au seuil, unité
    ``Alerte.unite_valeur``), reference (seuil ou médiane), jeunes (16-25 ans de la commune, NULL pour
    une ML), puis les mesures propres à certaines alertes (``SCHEMA_MESURES``, nulles pour les autres).
    La phrase de chaque constat : ``presentation.alertes.constats``.

    ``annee`` : année des flux, des allocations et du contexte ; ``date_reference`` : date des accords
    en vigueur (défaut : 31 décembre de ``annee``).
    """
    p = parametres_complets(parametres)
    date_ref = date_reference or date_reference_par_defaut(annee)
    codes = list(ALERTES) if alertes is None else list(alertes)
    morceaux = []
    # Chaque alerte, pour une année, des seuils et une date, est calculée une fois par jeu : la carte la
    # demande pour chaque région choisie (synthèse, liste des constats), alors qu'elle porte sur la France.
    deja = jeu.cache("constats", 512)
    for code in codes:
        if code not in ALERTES:
            raise KeyError(f"Alerte inconnue : {code}")
        cle = (code, int(annee), tuple(sorted(p[code].items())), date_ref)
        morceaux.append(deja.lire(cle, lambda code=code: _CALCULS[code](jeu, int(annee), p[code], date_ref)))
    if not morceaux:
        return pl.DataFrame(schema=SCHEMA_CONSTATS)
    return pl.concat(morceaux, how="vertical")


# --------------------------------------------------------------------------------------------
# Ramener les constats aux mailles
# --------------------------------------------------------------------------------------------


@restreint
def territoires(jeu: JeuDeDonnees, maille: str) -> pl.DataFrame:
    """Tous les territoires d'une maille (code, nom, code_region), y compris ceux sans donnée."""
    if maille not in MAILLES:
        raise ValueError(f"Maille inconnue : {maille!r} (attendu : {', '.join(MAILLES)})")
    return jeu.requete("alertes_territoires", {"maille": maille})


def _cle_maille(constats_: pl.DataFrame, maille: str) -> pl.DataFrame:
    if maille == "nationale":
        return constats_.with_columns(pl.lit("FR").alias("code"))
    if maille == "region":
        return constats_.with_columns(pl.col("code_region").alias("code"))
    if maille == "departement":
        return constats_.with_columns(pl.col("code_departement").alias("code"))
    if maille == "ml":
        return constats_.explode("codes_ml").rename({"codes_ml": "code"}).filter(pl.col("code").is_not_null())
    raise ValueError(f"Maille inconnue : {maille!r} (attendu : {', '.join(MAILLES)})")


def agreger(constats_: pl.DataFrame, territoires_: pl.DataFrame, maille: str) -> pl.DataFrame:
    """Format long, un territoire × une alerte par ligne (zéros compris) :
    maille, code, nom, code_region, alerte, nb (objets concernés), jeunes (somme des jeunes des
    communes concernées ; NULL pour une alerte au grain ML)."""
    utiles = constats_.select("alerte", "code_objet", "jeunes", "code_departement", "code_region", "codes_ml")
    cles = _cle_maille(utiles, maille)
    comptes = cles.group_by("code", "alerte").agg(
        pl.col("code_objet").n_unique().alias("nb"),
        pl.col("jeunes").fill_null(0).sum().alias("jeunes"),
    )
    grille = territoires_.select("code", "nom", "code_region").join(
        pl.DataFrame({"alerte": list(ALERTES)}), how="cross"
    )
    niveaux = pl.DataFrame({"alerte": list(ALERTES), "niveau": [a.niveau for a in ALERTES.values()]})
    return (
        grille.join(comptes, on=["code", "alerte"], how="left")
        .join(niveaux, on="alerte", how="left")
        .with_columns(
            pl.lit(maille).alias("maille"),
            pl.col("nb").fill_null(0).cast(pl.Int64),
            pl.when(pl.col("niveau") == "commune").then(pl.col("jeunes").fill_null(0)).otherwise(None)
            .cast(pl.Int64).alias("jeunes"),
        )
        .select("maille", "code", "nom", "code_region", "alerte", "nb", "jeunes")
    )


def synthese_depuis(constats_: pl.DataFrame, territoires_: pl.DataFrame, maille: str) -> pl.DataFrame:
    """Format large, une ligne par territoire de la maille :
    code, nom, code_region, nb_alertes (nombre d'alertes différentes déclenchées dans le territoire),
    puis ``nb_<alerte>`` pour chaque alerte et ``jeunes_<alerte>`` pour les alertes au grain commune."""
    long = agreger(constats_, territoires_, maille)
    large = long.pivot(on="alerte", index=["code", "nom", "code_region"], values="nb")
    large = large.rename({a: f"nb_{a}" for a in ALERTES})
    jeunes = (
        long.filter(pl.col("jeunes").is_not_null())
        .pivot(on="alerte", index="code", values="jeunes")
    )
    jeunes = jeunes.rename({c: f"jeunes_{c}" for c in jeunes.columns if c != "code"})
    large = large.join(jeunes, on="code", how="left")
    nb_cols = [f"nb_{a}" for a in ALERTES]
    large = large.with_columns(
        pl.sum_horizontal([(pl.col(c) > 0).cast(pl.Int64) for c in nb_cols]).alias("nb_alertes")
    )
    autres = [c for c in large.columns if c not in ("code", "nom", "code_region", "nb_alertes")]
    ordre = []
    for a in ALERTES.values():
        ordre.append(f"nb_{a.code}")
        if f"jeunes_{a.code}" in autres:
            ordre.append(f"jeunes_{a.code}")
    return large.select("code", "nom", "code_region", "nb_alertes", *ordre).sort("code")


@restreint
def synthese(jeu: JeuDeDonnees, maille: str, annee: int,
             parametres: dict[str, dict[str, float]] | None = None,
             date_reference: date | None = None) -> pl.DataFrame:
    """``synthese_depuis`` sur les constats du jeu (voir ``constats``)."""
    return synthese_depuis(constats(jeu, annee, parametres, date_reference), territoires(jeu, maille), maille)


def constats_du_territoire(constats_: pl.DataFrame, maille: str, code: str) -> pl.DataFrame:
    """Les constats qui comptent dans un territoire d'une maille (mêmes colonnes que ``constats_``, ceux de
    ``constats`` ou de ``presentation.alertes.constats``)."""
    if maille == "nationale":
        return constats_
    if maille == "region":
        return constats_.filter(pl.col("code_region") == code)
    if maille == "departement":
        return constats_.filter(pl.col("code_departement") == code)
    if maille == "ml":
        return constats_.filter(pl.col("codes_ml").list.contains(code))
    raise ValueError(f"Maille inconnue : {maille!r} (attendu : {', '.join(MAILLES)})")


def libelle_mesure(alerte: Alerte) -> str:
    """Ce que montre la carte pour une alerte seule (« Jeunes concernés », « ML concernées »…)."""
    if alerte.mesure == "jeunes":
        return "Jeunes de 16 à 25 ans concernés"
    if alerte.unite_mesure == "communes":
        return "Communes concernées"
    return "Missions Locales concernées"


def colonne_mesure(alerte: Alerte) -> str:
    """Colonne de ``synthese`` que la carte montre pour une alerte seule."""
    return f"{'jeunes' if alerte.mesure == 'jeunes' else 'nb'}_{alerte.code}"
