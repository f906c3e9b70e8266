"""Orientations entre les deux réseaux : séries mensuelles, entonnoir orientés → acceptés → entrés et ses
pertes (la « double perte » du rapport IGAS 2018), motifs d'orientation, progression vers l'objectif annuel
d'entrées en délégation du PPAE, doubles accompagnements.

Tout part du registre et de la couche de mesures (``requetes.indicateurs`` : ``valeurs``,
``series_mensuelles``, ``serie_annuelle`` ; ``requetes.mesures.agreger`` pour les volumes par motif et par
étape) : aucun indicateur n'est redéfini ici, ce module ne fait que rapprocher des volumes déjà calculés
(pertes entre étapes, part de chaque motif, objectif au prorata des mois écoulés).

Définitions (reprises sur la page) :

- **périmètre** : la France, une région (ML dont le siège est dans la région) ou une Mission Locale ;
- **pertes de l'entonnoir** (sens France Travail → ML, délégation du PPAE) : jeunes refusés = orientés −
  acceptés ; jeunes acceptés mais jamais entrés = acceptés − entrés ; pertes totales = orientés − entrés ;
  taux de perte = pertes ÷ orientés × 100 (= 100 − taux de transformation) ;
- **motifs** : part de chaque motif dans les jeunes orientés France Travail → ML ; un territoire est
  signalé quand la part « difficultés sociales + éloignement de l'emploi » dépasse strictement le seuil ;
- **objectif au prorata** : objectif annuel d'entrées (somme des objectifs des ML, table allocations)
  × mois écoulés ÷ 12 ; les entrées cumulées sont comparées à ce prorata mois par mois.

Aucune fonction n'importe Streamlit ; le premier argument est toujours le jeu.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from babel.dates import format_date

from donnees.contrat import LIBELLES_MOTIF, LIBELLES_SENS, MOTIFS, SENS
from requetes import indicateurs, mesures
from requetes.indicateurs import Chiffre, ErreurRequete
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint
from requetes.regles import ratio

ETAPES = ("orientes", "acceptes", "entres")
LIBELLES_ETAPE = {
    "orientes": "Jeunes orientés",
    "acceptes": "Jeunes acceptés",
    "entres": "Jeunes entrés en accompagnement",
}
SUFFIXES_SENS = {"ft_vers_ml": "ft_ml", "ml_vers_ft": "ml_ft"}
LIBELLES_SENS_COURTS = {
    "ft_vers_ml": "France Travail → ML",
    "ml_vers_ft": "ML → France Travail",
}
MAILLES_TERRITOIRES = ("region", "departement", "ml")
LIBELLES_MAILLES = {"region": "Régions", "departement": "Départements", "ml": "Missions Locales"}
MOTIFS_SIGNALES = ("difficultes_sociales", "eloignement_emploi")
# Même seuil par défaut que l'alerte 7 de la carte (« critères d'orientation déséquilibrés ») : les
# deux pages signalent les mêmes territoires tant qu'on ne change pas le réglage (un test y veille).
SEUIL_MOTIFS_DEFAUT = 80.0

REGLE_PERTES = (
    "Sens France Travail → ML (délégation du PPAE). Jeunes refusés = orientés − acceptés ; acceptés mais "
    "jamais entrés = acceptés − entrés ; taux de perte = (orientés − entrés) ÷ orientés × 100, "
    "soit 100 − taux de transformation."
)
REGLE_MOTIFS = (
    "Part de chaque motif parmi les jeunes orientés par France Travail vers la ML (délégation du PPAE). "
    "Un territoire est signalé quand plus de {seuil} de ses orientations reposent sur les difficultés "
    "sociales ou l'éloignement de l'emploi : la notice UNML demande des critères d'orientation qui ne "
    "soient pas seulement calés sur ces deux motifs."
)
REGLE_OBJECTIF = (
    "Objectif annuel = somme des objectifs d'entrées en délégation des ML du périmètre (table allocations). "
    "Objectif au prorata = objectif annuel × mois écoulés ÷ 12. Entrées cumulées = jeunes orientés par "
    "France Travail entrés en accompagnement depuis janvier."
)

# Colonnes en pourcentage ou en pour mille (affichées au dixième ; les volumes de jeunes, à l'unité).
COLONNES_TAUX = frozenset({
    "evolution", "taux_acceptation", "taux_entree", "taux_transformation", "taux_perte", "part_refus",
    "part_non_entres", "ecart_perte_france", *(f"part_{m}" for m in MOTIFS), "part_sociales_eloignement",
    "atteinte_prorata", "atteinte_annuelle", "doubles_pour_1000", "part_etape", "part_initiale", "part",
})

LIBELLES_COLONNES = {
    "mois": "Mois",
    "libelle_mois": "Mois",
    "sens": "Sens (code)",
    "libelle_sens": "Sens",
    "valeur": "Année choisie",
    "valeur_precedente": "Même mois, année précédente",
    "ecart": "Écart",
    "evolution": "Évolution (%)",
    "code": "Code",
    "nom": "Territoire",
    "orientes": "Jeunes orientés",
    "acceptes": "Jeunes acceptés",
    "entres": "Jeunes entrés",
    "refuses": "Refusés (orientés − acceptés)",
    "non_entres": "Acceptés jamais entrés",
    "pertes": "Pertes totales",
    "taux_acceptation": "Taux d'acceptation (%)",
    "taux_entree": "Taux d'entrée (%)",
    "taux_transformation": "Taux de transformation (%)",
    "taux_perte": "Taux de perte (%)",
    "part_refus": "Refusés (% des orientés)",
    "part_non_entres": "Jamais entrés (% des orientés)",
    "ecart_perte_france": "Écart à la France (points)",
    **{f"part_{m}": f"{LIBELLES_MOTIF[m]} (%)" for m in MOTIFS},
    **{f"orientes_{m}": f"{LIBELLES_MOTIF[m]} (jeunes)" for m in MOTIFS},
    "part_sociales_eloignement": "Difficultés sociales + éloignement (%)",
    "signale": "Au-dessus du seuil",
    "objectif_annuel": "Objectif annuel",
    "entrees": "Entrées du mois",
    "entrees_cumulees": "Entrées cumulées",
    "objectif_prorata": "Objectif au prorata",
    "atteinte_prorata": "Atteinte du prorata (%)",
    "atteinte_annuelle": "Atteinte de l'objectif annuel (%)",
    "dernier_mois": "Dernier mois connu",
    "nb_mois": "Mois écoulés",
    "annee": "Année",
    "doubles_accompagnements": "Doubles accompagnements (jeunes)",
    "jeunes_accompagnes": "Jeunes accompagnés",
    "doubles_pour_1000": "Doubles accompagnements pour 1 000 jeunes accompagnés",
    "etape": "Étape (code)",
    "libelle": "Étape",
    "jeunes": "Jeunes",
    "perte": "Perte depuis l'étape précédente",
    "part_etape": "Part de l'étape précédente (%)",
    "part_initiale": "Part des orientés (%)",
    "motif": "Motif (code)",
    "part": "Part (%)",
}


# --------------------------------------------------------------------------------------------------
# Contrôles et périmètre
# --------------------------------------------------------------------------------------------------

def _somme(nom: str) -> pl.Expr:
    """Somme d'une colonne, nulle (et non 0) quand aucune valeur n'est renseignée."""
    return pl.when(pl.col(nom).count() > 0).then(pl.col(nom).sum()).otherwise(None).alias(nom)


def _annee(annee) -> int:
    return mesures.verifier_annee(annee)


def _texte(valeur, nom: str) -> str | None:
    if valeur is not None and not isinstance(valeur, str):
        raise ErreurRequete(f"Code invalide ({nom}) : {valeur!r} (un code est un texte).")
    return valeur


def _sens(sens: str) -> str:
    if sens not in SENS:
        raise ErreurRequete(f"Sens inconnu : {sens!r}. Sens possibles : {', '.join(SENS)}.")
    return sens


def _maille(maille: str) -> str:
    if maille not in MAILLES_TERRITOIRES:
        raise ErreurRequete(f"Maille inconnue : {maille!r}. Mailles possibles : {', '.join(MAILLES_TERRITOIRES)}.")
    return maille


def perimetre(code_region: str | None = None, code_ml: str | None = None) -> tuple[str, list[str] | None]:
    """(maille, codes) du périmètre : une ML si ``code_ml``, sinon la région, sinon la France."""
    code_region = _texte(code_region, "région")
    code_ml = _texte(code_ml, "Mission Locale")
    if code_ml:
        return "ml", [code_ml]
    if code_region:
        return "region", [code_region]
    return "nationale", None


@restreint
def options_ml(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Missions Locales proposées au choix (de la région si elle est donnée) : code_ml, nom_ml, libelle
    (« Mission Locale de Brest (ML02901) »), triées par nom."""
    code_region = _texte(code_region, "région")
    ml = indicateurs.missions_locales(jeu)
    if code_region:
        ml = ml.filter(pl.col("code_region") == code_region)
    return ml.select(
        "code_ml", "nom_ml", pl.format("{} ({})", pl.col("nom_ml"), pl.col("code_ml")).alias("libelle")
    ).sort("nom_ml", "code_ml")


def _libelle_mois(d: date) -> str:
    return format_date(d, "MMM", locale="fr_FR")


# --------------------------------------------------------------------------------------------------
# Séries mensuelles
# --------------------------------------------------------------------------------------------------

@restreint
def serie_mensuelle(jeu: JeuDeDonnees, annee: int, etape: str = "orientes", code_region: str | None = None,
                    code_ml: str | None = None) -> pl.DataFrame:
    """Jeunes d'une étape (orientés, acceptés ou entrés), mois par mois de l'année, dans les deux sens, avec
    le même mois de l'année précédente. 24 lignes (12 mois × 2 sens) : mois, numero_mois, libelle_mois,
    sens, libelle_sens, valeur, valeur_precedente, ecart, evolution (% ; nulle si le mois précédent vaut 0
    ou manque). Une valeur est nulle quand le mois n'est pas dans les données."""
    annee = _annee(annee)
    if etape not in ETAPES:
        raise ErreurRequete(f"Étape inconnue : {etape!r}. Étapes possibles : {', '.join(ETAPES)}.")
    maille, codes = perimetre(code_region, code_ml)
    noms = {f"{etape}_{SUFFIXES_SENS[s]}": s for s in SENS}
    serie = indicateurs.series_mensuelles(jeu, maille, codes, mesures=list(noms), debut=date(annee - 1, 1, 1),
                                          fin=date(annee, 12, 1))
    serie = serie.group_by("mois", "mesure").agg(_somme("valeur"))
    serie = serie.with_columns(
        pl.col("mesure").replace_strict(noms, return_dtype=pl.Utf8).alias("sens"),
        pl.col("mois").dt.year().cast(pl.Int64).alias("_annee"),
        pl.col("mois").dt.month().cast(pl.Int64).alias("numero_mois"),
    )
    courant = serie.filter(pl.col("_annee") == annee).select("sens", "numero_mois", "valeur")
    avant = serie.filter(pl.col("_annee") == annee - 1).select(
        "sens", "numero_mois", pl.col("valeur").alias("valeur_precedente"))
    grille = pl.DataFrame({"sens": list(SENS), "_ordre": [0, 1]}).join(
        pl.DataFrame({"numero_mois": list(range(1, 13))}, schema={"numero_mois": pl.Int64}), how="cross")
    mois = [date(annee, m, 1) for m in range(1, 13)]
    calendrier = pl.DataFrame({"numero_mois": list(range(1, 13)), "mois": mois,
                               "libelle_mois": [_libelle_mois(d) for d in mois]},
                              schema={"numero_mois": pl.Int64, "mois": pl.Date, "libelle_mois": pl.Utf8})
    df = (
        grille.join(calendrier, on="numero_mois", how="left")
        .join(courant, on=["sens", "numero_mois"], how="left")
        .join(avant, on=["sens", "numero_mois"], how="left")
        .with_columns(
            pl.col("sens").replace_strict(LIBELLES_SENS, return_dtype=pl.Utf8).alias("libelle_sens"),
            (pl.col("valeur") - pl.col("valeur_precedente")).alias("ecart"),
        )
        .with_columns(
            ratio("ecart", "valeur_precedente", 100.0).alias("evolution")
        )
    )
    return df.sort("_ordre", "numero_mois").select(
        "mois", "numero_mois", "libelle_mois", "sens", "libelle_sens", "valeur", "valeur_precedente", "ecart",
        "evolution")


# --------------------------------------------------------------------------------------------------
# Entonnoir
# --------------------------------------------------------------------------------------------------

def _volumes(jeu: JeuDeDonnees, maille: str, annee: int, codes: list[str] | None, code_region: str | None,
             noms: list[str]) -> pl.DataFrame:
    """Volumes agrégés (mesures de base) à la maille pour l'année, une ligne par territoire présent."""
    return mesures.agreger(jeu, maille, annee, annee, noms, codes=codes, code_region=code_region)


def _pertes(df: pl.DataFrame) -> pl.DataFrame:
    """Ajoute pertes et taux à des colonnes orientes, acceptes, entres."""
    def pct(num, den):
        return pl.when(den > 0).then(100.0 * num / den).otherwise(None)

    df = df.with_columns(
        (pl.col("orientes") - pl.col("acceptes")).alias("refuses"),
        (pl.col("acceptes") - pl.col("entres")).alias("non_entres"),
        (pl.col("orientes") - pl.col("entres")).alias("pertes"),
    )
    return df.with_columns(
        pct(pl.col("acceptes"), pl.col("orientes")).alias("taux_acceptation"),
        pct(pl.col("entres"), pl.col("acceptes")).alias("taux_entree"),
        pct(pl.col("entres"), pl.col("orientes")).alias("taux_transformation"),
        pct(pl.col("pertes"), pl.col("orientes")).alias("taux_perte"),
        pct(pl.col("refuses"), pl.col("orientes")).alias("part_refus"),
        pct(pl.col("non_entres"), pl.col("orientes")).alias("part_non_entres"),
    )


@restreint
def entonnoir(jeu: JeuDeDonnees, annee: int, code_region: str | None = None, code_ml: str | None = None,
              sens: str = "ft_vers_ml") -> pl.DataFrame:
    """L'entonnoir du périmètre pour l'année : trois lignes (orientés, acceptés, entrés) — etape, libelle,
    jeunes, perte (depuis l'étape précédente ; nulle pour la première), part_etape (% de l'étape
    précédente), part_initiale (% des orientés). Valeurs nulles sans donnée."""
    annee = _annee(annee)
    sens = _sens(sens)
    maille, codes = perimetre(code_region, code_ml)
    suffixe = SUFFIXES_SENS[sens]
    noms = [f"{e}_{suffixe}" for e in ETAPES]
    vol = _volumes(jeu, maille, annee, codes, None, noms)
    valeurs = [vol[n].sum() if vol.height and vol[n].null_count() < vol.height else None for n in noms]
    lignes = []
    for i, (etape, v) in enumerate(zip(ETAPES, valeurs)):
        precedente = valeurs[i - 1] if i else None
        initiale = valeurs[0]
        lignes.append(dict(
            etape=etape, libelle=LIBELLES_ETAPE[etape], jeunes=None if v is None else float(v),
            perte=None if (precedente is None or v is None) else float(precedente - v),
            part_etape=None if (precedente is None or v is None or precedente == 0) else 100.0 * v / precedente,
            part_initiale=None if (initiale is None or v is None or initiale == 0) else 100.0 * v / initiale,
        ))
    return pl.DataFrame(lignes, schema={"etape": pl.Utf8, "libelle": pl.Utf8, "jeunes": pl.Float64,
                                        "perte": pl.Float64, "part_etape": pl.Float64,
                                        "part_initiale": pl.Float64})


def _territoires(jeu: JeuDeDonnees, maille: str, code_region: str | None) -> pl.DataFrame:
    terr = mesures.territoires(jeu, maille)
    if code_region is not None and maille != "region":
        terr = terr.filter(pl.col("code_region") == code_region)
    return terr.select("code", "nom", "code_region")


@restreint
def entonnoir_territoires(jeu: JeuDeDonnees, annee: int, maille: str, code_region: str | None = None,
                          sens: str = "ft_vers_ml") -> pl.DataFrame:
    """Entonnoir et pertes par territoire pour l'année : code, nom, code_region, orientes, acceptes,
    entres, refuses, non_entres, pertes, taux_acceptation, taux_entree, taux_transformation, taux_perte,
    part_refus, part_non_entres (en % des orientés), ecart_perte_france (points). Trié du taux de perte
    le plus haut au plus bas (territoires sans orientation à la fin).

    ``code_region`` restreint aux territoires de la région, sauf à la maille région (toutes les régions,
    pour situer la région choisie)."""
    annee = _annee(annee)
    maille = _maille(maille)
    code_region = _texte(code_region, "région")
    sens = _sens(sens)
    suffixe = SUFFIXES_SENS[sens]
    noms = {f"{e}_{suffixe}": e for e in ETAPES}
    terr = _territoires(jeu, maille, code_region)
    vol = _volumes(jeu, maille, annee, None, code_region if maille != "region" else None, list(noms)).rename(noms)
    df = _pertes(terr.join(vol, on="code", how="left"))
    france = _pertes(_volumes(jeu, "nationale", annee, None, None, list(noms)).rename(noms))
    perte_france = france["taux_perte"].item() if france.height else None
    df = df.with_columns((pl.col("taux_perte") - perte_france).alias("ecart_perte_france")
                         if perte_france is not None else pl.lit(None, dtype=pl.Float64).alias("ecart_perte_france"))
    return df.sort("taux_perte", "nom", descending=[True, False], nulls_last=True)


# --------------------------------------------------------------------------------------------------
# Motifs
# --------------------------------------------------------------------------------------------------

def _seuil(seuil) -> float:
    if isinstance(seuil, bool) or not isinstance(seuil, (int, float)) or not 0 <= seuil <= 100:
        raise ErreurRequete(f"Seuil invalide : {seuil!r} (un pourcentage entre 0 et 100 est attendu).")
    return float(seuil)


@restreint
def motifs_territoires(jeu: JeuDeDonnees, annee: int, maille: str, code_region: str | None = None,
                       seuil: float = SEUIL_MOTIFS_DEFAUT) -> pl.DataFrame:
    """Motifs des orientations France Travail → ML par territoire pour l'année : code, nom, code_region,
    orientes, ``orientes_<motif>`` et ``part_<motif>`` (%) pour chaque motif, part_sociales_eloignement
    (%), signale (part > seuil). Trié de la part « difficultés sociales + éloignement » la plus haute à la
    plus basse. ``code_region`` : comme ``entonnoir_territoires``."""
    annee = _annee(annee)
    maille = _maille(maille)
    code_region = _texte(code_region, "région")
    seuil = _seuil(seuil)
    noms = {"orientes_ft_ml": "orientes", **{f"orientes_ft_ml_{m}": f"orientes_{m}" for m in MOTIFS},
            "orientes_ft_ml_sociales_ou_eloignement": "orientes_sociales_eloignement"}
    terr = _territoires(jeu, maille, code_region)
    vol = _volumes(jeu, maille, annee, None, code_region if maille != "region" else None, list(noms)).rename(noms)
    df = terr.join(vol, on="code", how="left")

    def pct(col):
        return pl.when(pl.col("orientes") > 0).then(100.0 * pl.col(col) / pl.col("orientes")).otherwise(None)

    df = df.with_columns(
        *(pct(f"orientes_{m}").alias(f"part_{m}") for m in MOTIFS),
        pct("orientes_sociales_eloignement").alias("part_sociales_eloignement"),
    ).with_columns((pl.col("part_sociales_eloignement") > seuil).fill_null(False).alias("signale"))
    return df.sort("part_sociales_eloignement", "nom", descending=[True, False], nulls_last=True).select(
        "code", "nom", "code_region", "orientes", *(f"orientes_{m}" for m in MOTIFS),
        *(f"part_{m}" for m in MOTIFS), "part_sociales_eloignement", "signale")


@restreint
def motifs_perimetre(jeu: JeuDeDonnees, annee: int, code_region: str | None = None,
                     code_ml: str | None = None) -> pl.DataFrame:
    """Motifs des orientations France Travail → ML du périmètre : motif, libelle, orientes, part (%)."""
    annee = _annee(annee)
    maille, codes = perimetre(code_region, code_ml)
    noms = [f"orientes_ft_ml_{m}" for m in MOTIFS]
    vol = _volumes(jeu, maille, annee, codes, None, ["orientes_ft_ml", *noms])
    total = vol["orientes_ft_ml"].sum() if vol.height else None
    lignes = []
    for m, n in zip(MOTIFS, noms):
        v = float(vol[n].sum()) if vol.height and vol[n].null_count() < vol.height else None
        lignes.append(dict(motif=m, libelle=LIBELLES_MOTIF[m], orientes=v,
                           part=None if (v is None or not total) else 100.0 * v / total))
    return pl.DataFrame(lignes, schema={"motif": pl.Utf8, "libelle": pl.Utf8, "orientes": pl.Float64,
                                        "part": pl.Float64})


# --------------------------------------------------------------------------------------------------
# Objectif annuel
# --------------------------------------------------------------------------------------------------

def mois_connus(jeu: JeuDeDonnees, annee: int) -> list[date]:
    """Mois de l'année pour lesquels le jeu contient des orientations (France entière)."""
    annee = _annee(annee)
    serie = indicateurs.series_mensuelles(jeu, "nationale", mesures=["entres_ft_ml"], debut=date(annee, 1, 1),
                                          fin=date(annee, 12, 1))
    return sorted(serie.filter(pl.col("valeur").is_not_null())["mois"].to_list())


@restreint
def objectif_mensuel(jeu: JeuDeDonnees, annee: int, code_region: str | None = None,
                     code_ml: str | None = None) -> pl.DataFrame:
    """Entrées en délégation cumulées mois par mois face à l'objectif au prorata, pour le périmètre.
    12 lignes : mois, numero_mois, libelle_mois, entrees (du mois ; nulle si le mois n'est pas dans les
    données), entrees_cumulees (nulle après le dernier mois connu), objectif_annuel, objectif_prorata
    (objectif × numéro du mois ÷ 12), ecart (cumul − prorata), atteinte_prorata (%)."""
    annee = _annee(annee)
    maille, codes = perimetre(code_region, code_ml)
    serie = indicateurs.series_mensuelles(jeu, maille, codes, mesures=["entres_ft_ml"], debut=date(annee, 1, 1),
                                          fin=date(annee, 12, 1))
    serie = serie.group_by("mois").agg(_somme("valeur").alias("entrees")).with_columns(
        pl.col("mois").dt.month().cast(pl.Int64).alias("numero_mois")).drop("mois")
    obj = indicateurs.valeurs(jeu, maille, annee, codes=codes, indicateurs=["objectif_entrees"])
    objectif = obj["valeur"].sum() if obj.height and obj["valeur"].null_count() < obj.height else None
    mois = [date(annee, m, 1) for m in range(1, 13)]
    df = pl.DataFrame({"numero_mois": list(range(1, 13)), "mois": mois,
                       "libelle_mois": [_libelle_mois(d) for d in mois]},
                      schema={"numero_mois": pl.Int64, "mois": pl.Date, "libelle_mois": pl.Utf8})
    df = df.join(serie, on="numero_mois", how="left").sort("numero_mois")
    dernier = df.filter(pl.col("entrees").is_not_null())["numero_mois"].max()
    df = df.with_columns(
        pl.when(pl.col("numero_mois") <= (dernier if dernier is not None else 0))
        .then(pl.col("entrees").fill_null(0).cum_sum()).otherwise(None).alias("entrees_cumulees"),
        pl.lit(objectif, dtype=pl.Float64).alias("objectif_annuel"),
        (pl.lit(objectif, dtype=pl.Float64) * pl.col("numero_mois") / 12.0).alias("objectif_prorata"),
    )
    return df.with_columns(
        (pl.col("entrees_cumulees") - pl.col("objectif_prorata")).alias("ecart"),
        pl.when(pl.col("objectif_prorata") > 0)
        .then(100.0 * pl.col("entrees_cumulees") / pl.col("objectif_prorata")).otherwise(None)
        .alias("atteinte_prorata"),
    ).select("mois", "numero_mois", "libelle_mois", "entrees", "entrees_cumulees", "objectif_annuel",
             "objectif_prorata", "ecart", "atteinte_prorata")


@restreint
def objectif_territoires(jeu: JeuDeDonnees, annee: int, maille: str, code_region: str | None = None) -> pl.DataFrame:
    """Progression vers l'objectif par territoire, au dernier mois connu de l'année (France entière) : code,
    nom, code_region, objectif_annuel, entrees_cumulees, nb_mois, dernier_mois, objectif_prorata, ecart,
    atteinte_prorata (%), atteinte_annuelle (% ; indicateur ``atteinte_objectif`` du registre). Trié de
    l'atteinte du prorata la plus basse à la plus haute. ``code_region`` : comme ``entonnoir_territoires``."""
    annee = _annee(annee)
    maille = _maille(maille)
    code_region = _texte(code_region, "région")
    connus = mois_connus(jeu, annee)
    nb_mois = max((d.month for d in connus), default=0)
    region_filtre = code_region if maille != "region" else None
    val = indicateurs.tableau(jeu, maille, annee, indicateurs=["entrees_delegation", "objectif_entrees",
                                                               "atteinte_objectif"], code_region=region_filtre)
    df = val.rename({"entrees_delegation": "entrees_cumulees", "objectif_entrees": "objectif_annuel",
                     "atteinte_objectif": "atteinte_annuelle"})
    df = df.with_columns(
        pl.lit(nb_mois, dtype=pl.Int64).alias("nb_mois"),
        pl.lit(date(annee, nb_mois, 1) if nb_mois else None, dtype=pl.Date).alias("dernier_mois"),
        (pl.col("objectif_annuel") * nb_mois / 12.0).alias("objectif_prorata"),
    ).with_columns(
        (pl.col("entrees_cumulees") - pl.col("objectif_prorata")).alias("ecart"),
        pl.when(pl.col("objectif_prorata") > 0)
        .then(100.0 * pl.col("entrees_cumulees") / pl.col("objectif_prorata")).otherwise(None)
        .alias("atteinte_prorata"),
    )
    return df.sort("atteinte_prorata", "nom", nulls_last=True).select(
        "code", "nom", "code_region", "objectif_annuel", "entrees_cumulees", "nb_mois", "dernier_mois",
        "objectif_prorata", "ecart", "atteinte_prorata", "atteinte_annuelle")


def objectif_national(jeu: JeuDeDonnees, annee: int) -> float | None:
    """Objectif national d'entrées en délégation de l'année (table enveloppe), ou ``None``."""
    annee = _annee(annee)
    env = jeu.requete("enveloppe", {"annees": [annee]})
    if env.height == 0 or env["objectif_jeunes_delegation"][0] is None:
        return None
    return float(env["objectif_jeunes_delegation"][0])


# --------------------------------------------------------------------------------------------------
# Doubles accompagnements
# --------------------------------------------------------------------------------------------------

@restreint
def doubles_mensuels(jeu: JeuDeDonnees, code_region: str | None = None, code_ml: str | None = None) -> pl.DataFrame:
    """Doubles accompagnements mois par mois sur toute la période du jeu, pour le périmètre : mois,
    doubles_accompagnements, jeunes_accompagnes, doubles_pour_1000 (indicateur du registre). Mois sans
    activité transmise : absents."""
    maille, codes = perimetre(code_region, code_ml)
    noms = ["doubles_accompagnements", "jeunes_accompagnes", "doubles_pour_1000"]
    serie = indicateurs.series_mensuelles(jeu, maille, codes, mesures=noms)
    if serie.height == 0:
        return pl.DataFrame(schema={"mois": pl.Date, **{n: pl.Float64 for n in noms}})
    large = serie.pivot(on="mesure", index="mois", values="valeur", aggregate_function="sum")
    for n in noms:
        if n not in large.columns:
            large = large.with_columns(pl.lit(None, dtype=pl.Float64).alias(n))
    return large.filter(pl.col("jeunes_accompagnes").is_not_null()).sort("mois").select("mois", *noms)


@restreint
def doubles_annuels(jeu: JeuDeDonnees, code_region: str | None = None, code_ml: str | None = None) -> pl.DataFrame:
    """Doubles accompagnements par année (registre, ``doubles_pour_1000``) : annee, doubles_accompagnements
    (moyenne mensuelle), jeunes_accompagnes (moyenne mensuelle), doubles_pour_1000."""
    maille, codes = perimetre(code_region, code_ml)
    s = indicateurs.serie_annuelle(jeu, maille, codes, indicateurs=["doubles_pour_1000"])
    s = s.group_by("annee").agg(_somme("numerateur"), _somme("denominateur"))
    return s.sort("annee").select(
        "annee", pl.col("numerateur").alias("doubles_accompagnements"),
        pl.col("denominateur").alias("jeunes_accompagnes"),
        pl.when(pl.col("denominateur") > 0).then(1000.0 * pl.col("numerateur") / pl.col("denominateur"))
        .otherwise(None).alias("doubles_pour_1000"))


# --------------------------------------------------------------------------------------------------
# Chiffres clés
# --------------------------------------------------------------------------------------------------

INDICATEURS_CHIFFRES = ("orientes_ft_ml", "entrees_delegation", "taux_transformation", "atteinte_objectif",
                        "orientes_ml_ft", "doubles_pour_1000")


@restreint
def chiffres(jeu: JeuDeDonnees, annee: int, code_region: str | None = None,
             code_ml: str | None = None) -> list[Chiffre]:
    """Chiffres clés du périmètre (indicateurs du registre ``INDICATEURS_CHIFFRES``) pour l'année et l'année
    précédente (si elle est dans le jeu)."""
    annee = _annee(annee)
    maille, codes = perimetre(code_region, code_ml)
    annees = indicateurs.annees_disponibles(jeu)

    def pour(a: int) -> dict[str, float | None]:
        v = indicateurs.valeurs(jeu, maille, a, codes=codes, indicateurs=list(INDICATEURS_CHIFFRES))
        return dict(zip(v["indicateur"].to_list(), v["valeur"].to_list()))

    courant = pour(annee)
    precedent = pour(annee - 1) if (annee - 1) in annees else {}
    return [
        Chiffre(c, indicateurs.REGISTRE[c].libelle, indicateurs.REGISTRE[c].unite, courant.get(c), precedent.get(c),
                indicateurs.REGISTRE[c].definition, indicateur=c)
        for c in INDICATEURS_CHIFFRES
    ]
