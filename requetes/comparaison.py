"""Comparaison des territoires : positions dans la maille, valeurs de référence, distributions, séries,
nuages de points, « territoires comparables » et portrait d'un territoire.

Tout part du registre unique (``requetes.indicateurs`` : ``REGISTRE``, ``valeurs``, ``serie_annuelle``,
``series_mensuelles``) : aucun indicateur n'est redéfini ici. Ce module ajoute seulement ce qui se
calcule *entre* territoires. Définitions (reprises dans l'aide des pages) :

- **rang** : 1 = le meilleur de la maille selon le sens de l'indicateur (plus haut = mieux : valeur la
  plus haute ; plus bas = mieux : valeur la plus basse ; indicateur neutre : valeur la plus haute) ;
  les ex æquo partagent le même rang (1, 2, 2, 4) ; ``nb`` = territoires de la maille ayant une valeur ;
- **centile** : part des *autres* territoires de la maille classés après lui, × 100, un ex æquo comptant
  pour moitié : 100 × (classés strictement après + ½ × autres ex æquo) ÷ (nb − 1) (100 = seul premier,
  0 = seul dernier, 50 si tous sont égaux) ; nul s'il est seul à avoir une valeur ;
- **valeurs de référence** : valeur de la France (maille nationale) et de la région parente (à la maille
  région : la région elle-même), calculées par le registre (somme des numérateurs ÷ somme des
  dénominateurs, jamais une moyenne de ratios) ;
- **écart à la France** = valeur − valeur nationale (en points pour un %) ; il n'est calculé que pour
  un ratio : un volume (jeunes, euros, ETP) dépend surtout de la taille du territoire, on donne alors la
  **part du national** (valeur ÷ valeur nationale × 100) ;
- **appréciation** : « mieux » / « moins bien » / « égal » par rapport à la France selon le *sens* de
  l'indicateur (jamais selon le seul signe de l'écart) ; « neutre » pour un indicateur sans sens ;
  « sans objet » pour un volume ; « égal » quand l'écart arrondi à la précision affichée est nul ;
- **territoires comparables** : les plus proches sur quatre variables de contexte centrées-réduites
  sur la maille (distance euclidienne, poids égaux) : jeunes de 16 à 25 ans (logarithme), taux de
  NEET, demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes, densité de population
  (habitants par km², logarithme ; référentiel : population municipale ÷ superficie des communes).

Aucune fonction n'importe Streamlit. Le premier argument est toujours le jeu (``interface.chargement
.en_cache`` les garde en cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from requetes import indicateurs as I
from requetes import mesures as M
from requetes.indicateurs import REGISTRE, ErreurRequete
from requetes.jeu import JeuDeDonnees
from requetes.perimetre import restreint

MAILLES_COMPARAISON = ("region", "departement", "ml")
LIBELLES_MAILLES = {"region": "Régions", "departement": "Départements", "ml": "Missions Locales"}
LIBELLES_MAILLE_SINGULIER = {"region": "Région", "departement": "Département", "ml": "Mission Locale"}
MAX_TERRITOIRES = 12

MIEUX = "mieux"
MOINS_BIEN = "moins bien"
EGAL = "égal"
NEUTRE = "neutre"
SANS_OBJET = "sans objet"
LIBELLES_APPRECIATION = {
    MIEUX: "Mieux que la France",
    MOINS_BIEN: "Moins bien que la France",
    EGAL: "Comme la France",
    NEUTRE: "Indicateur sans sens (ni mieux ni moins bien)",
    SANS_OBJET: "Volume : dépend de la taille du territoire",
}

# Indicateurs proposés par défaut sur la page de comparaison (tous des ratios, comparables entre
# territoires de tailles différentes).
INDICATEURS_PAR_DEFAUT = (
    "taux_couverture", "taux_acceptation", "taux_transformation", "atteinte_objectif",
    "entrees_pour_1000_de", "taux_sortie_emploi", "taux_neet",
)
NUAGE_PAR_DEFAUT = ("taux_neet", "entrees_pour_1000_de")


@dataclass(frozen=True)
class VariableContexte:
    code: str
    libelle: str
    unite: str
    logarithme: bool  # la variable entre dans la distance par son logarithme (taille, densité)
    definition: str


VARIABLES_CONTEXTE: tuple[VariableContexte, ...] = (
    VariableContexte("population_16_25", "Jeunes de 16 à 25 ans", "jeunes", True,
                     "Population de 16 à 25 ans (registre : « Jeunes de 16 à 25 ans ») ; comparée par son "
                     "logarithme : 20 000 et 40 000 jeunes sont aussi éloignés que 50 000 et 100 000."),
    VariableContexte("taux_neet", "Taux de NEET", "%", False,
                     "Part des 16-25 ans ni en emploi, ni en études, ni en formation (registre)."),
    VariableContexte("de_moins_26_pour_1000", "Demandeurs d'emploi de moins de 26 ans pour 1 000 jeunes", "‰",
                     False, "Jeunes inscrits à France Travail pour 1 000 jeunes de 16 à 25 ans (registre)."),
    VariableContexte("densite", "Densité de population", "hab./km²", True,
                     "Population municipale ÷ superficie des communes du territoire (référentiel "
                     "géographique) : mesure du caractère rural ou urbain ; comparée par son logarithme."),
)
CODES_CONTEXTE = tuple(v.code for v in VARIABLES_CONTEXTE)


# --------------------------------------------------------------------------------------------------
# Contrôles


def verifier_maille_comparaison(maille: str) -> str:
    if maille not in MAILLES_COMPARAISON:
        raise ErreurRequete(
            f"Maille de comparaison inconnue : {maille!r}. Mailles possibles : {', '.join(MAILLES_COMPARAISON)}."
        )
    return maille


def _periode(annee, annee_fin) -> tuple[int, int]:
    debut = M.verifier_annee(annee, "annee")
    fin = debut if annee_fin is None else M.verifier_annee(annee_fin, "annee_fin")
    if fin < debut:
        raise ErreurRequete(f"Période invalide : {debut} à {fin} (l'année de fin précède l'année de début).")
    return debut, fin


def _liste_indicateurs(indicateurs) -> list[str]:
    if indicateurs is None:
        return list(REGISTRE)
    if isinstance(indicateurs, str):
        indicateurs = [indicateurs]
    codes = [I.indicateur(c).code for c in indicateurs]
    if not codes:
        raise ErreurRequete("Aucun indicateur demandé.")
    return list(dict.fromkeys(codes))


def _decimales_egalite(unite: str) -> int:
    """Précision à laquelle un écart est affiché (un écart qui s'affiche nul vaut « égal »)."""
    if unite in ("%", "‰"):
        return 1
    if unite == "ratio":
        return 2
    if unite == "€/jeune":
        return 0
    return 1


def _table_registre(codes: list[str]) -> pl.DataFrame:
    inds = [REGISTRE[c] for c in codes]
    return pl.DataFrame(
        {
            "indicateur": codes,
            "libelle": [i.libelle for i in inds],
            "theme": [i.theme for i in inds],
            "unite": [i.unite for i in inds],
            "sens": [i.sens for i in inds],
            "est_ratio": [i.est_ratio for i in inds],
            "_decimales": [_decimales_egalite(i.unite) for i in inds],
            "_ordre_ind": list(range(len(inds))),
        },
        schema={"indicateur": pl.Utf8, "libelle": pl.Utf8, "theme": pl.Utf8, "unite": pl.Utf8,
                "sens": pl.Int64, "est_ratio": pl.Boolean, "_decimales": pl.Int64, "_ordre_ind": pl.Int64},
    )


# --------------------------------------------------------------------------------------------------
# Territoires


@restreint
def territoires(jeu: JeuDeDonnees, maille: str) -> pl.DataFrame:
    """Territoires de la maille présents dans le jeu : code, nom, code_region, nom_region, libelle
    (« Nom (code) », pour une liste où l'on cherche par nom ou par code), triés par nom."""
    maille = verifier_maille_comparaison(maille)
    regions = I.regions(jeu)
    terr = M.territoires(jeu, maille).join(regions, on="code_region", how="left")
    return terr.select(
        "code", "nom", "code_region", "nom_region",
        pl.format("{} ({})", "nom", "code").alias("libelle"),
    ).sort("nom", "code")


# --------------------------------------------------------------------------------------------------
# Positions dans la maille


def _positions_completes(jeu: JeuDeDonnees, maille: str, debut: int, fin: int,
                         date_reference: date | None) -> pl.DataFrame:
    """Tous les indicateurs du registre, tous les territoires de la maille (calcul partagé, gardé dans
    un cache attaché au jeu : 24 périodes au plus, libéré avec le jeu)."""
    return jeu.cache("comparaison.positions", 24).lire(
        (maille, debut, fin, date_reference),
        lambda: _calculer_positions(jeu, maille, debut, fin, date_reference))


def _calculer_positions(jeu: JeuDeDonnees, maille: str, debut: int, fin: int,
                        date_reference: date | None) -> pl.DataFrame:
    v = I.valeurs(jeu, maille, debut, annee_fin=fin, date_reference=date_reference)
    nat = I.valeurs(jeu, "nationale", debut, annee_fin=fin, date_reference=date_reference).select(
        "indicateur", pl.col("valeur").alias("valeur_nationale"))
    if maille == "region":
        reg = v.select(pl.col("code").alias("code_region"), "indicateur", pl.col("valeur").alias("valeur_region"))
    else:
        reg = I.valeurs(jeu, "region", debut, annee_fin=fin, date_reference=date_reference).select(
            pl.col("code").alias("code_region"), "indicateur", pl.col("valeur").alias("valeur_region"))
    codes = list(REGISTRE)
    df = (
        v.join(_table_registre(codes), on="indicateur", how="left")
        .join(nat, on="indicateur", how="left")
        .join(reg, on=["code_region", "indicateur"], how="left")
    )
    # Clé de classement : plus grande = meilleure (valeur opposée pour un indicateur « plus bas = mieux »).
    cle = pl.when(pl.col("sens") == -1).then(-pl.col("valeur")).otherwise(pl.col("valeur"))
    par = pl.col("indicateur")
    df = df.with_columns(cle.alias("_cle"))
    df = df.with_columns(
        pl.col("_cle").rank(method="min", descending=True).over(par).cast(pl.Int64).alias("rang"),
        pl.col("_cle").rank(method="max", descending=True).over(par).cast(pl.Int64).alias("_rang_max"),
        pl.col("_cle").count().over(par).cast(pl.Int64).alias("nb"),
    )
    ecart = pl.col("valeur") - pl.col("valeur_nationale")
    # « égal » : l'écart s'affiche nul à la précision de l'unité (arrondi au plus proche, demi vers le haut)
    egal = ecart.abs() < 0.5 * pl.lit(10.0).pow(-pl.col("_decimales").cast(pl.Float64))
    appreciation = (
        pl.when(pl.col("valeur").is_null() | pl.col("valeur_nationale").is_null()).then(None)
        .when(~pl.col("est_ratio")).then(pl.lit(SANS_OBJET))
        .when(pl.col("sens") == 0).then(pl.lit(NEUTRE))
        .when(egal).then(pl.lit(EGAL))
        .when((ecart * pl.col("sens")) > 0).then(pl.lit(MIEUX))
        .otherwise(pl.lit(MOINS_BIEN))
    )
    df = df.with_columns(
        # après lui : nb − rang_max ; autres ex æquo : rang_max − rang
        pl.when(pl.col("nb") > 1).then(
            100.0 * ((pl.col("nb") - pl.col("_rang_max")) + 0.5 * (pl.col("_rang_max") - pl.col("rang")))
            / (pl.col("nb") - 1)).alias("centile"),
        pl.when(pl.col("est_ratio")).then(ecart).alias("ecart_national"),
        pl.when(pl.col("est_ratio")).then(pl.col("valeur") - pl.col("valeur_region")).alias("ecart_region"),
        pl.when(~pl.col("est_ratio") & (pl.col("valeur_nationale") != 0))
        .then(100.0 * pl.col("valeur") / pl.col("valeur_nationale")).alias("part_nationale"),
        appreciation.alias("appreciation"),
    )
    return df.sort("_ordre_ind", "code").select(*COLONNES_POSITIONS)


COLONNES_POSITIONS = (
    "maille", "code", "nom", "code_region", "indicateur", "libelle", "theme", "unite", "sens", "est_ratio",
    "numerateur", "denominateur", "valeur", "valeur_nationale", "valeur_region", "ecart_national",
    "ecart_region", "part_nationale", "rang", "nb", "centile", "appreciation",
)


@restreint
def positions(
    jeu: JeuDeDonnees,
    maille: str,
    annee: int,
    indicateurs: list[str] | str | None = None,
    annee_fin: int | None = None,
    codes: list[str] | str | None = None,
    date_reference: date | None = None,
) -> pl.DataFrame:
    """Position de chaque territoire de la maille pour chaque indicateur (format long) :

    maille, code, nom, code_region, indicateur, libelle, theme, unite, sens, est_ratio, numerateur,
    denominateur, valeur (registre), valeur_nationale, valeur_region, ecart_national, ecart_region,
    part_nationale, rang, nb, centile, appreciation (voir l'en-tête du module).

    Rangs et centiles portent toujours sur *toute* la maille ; ``codes`` ne fait que choisir les lignes
    rendues (dans l'ordre des indicateurs demandés puis de ``codes``).
    """
    maille = verifier_maille_comparaison(maille)
    debut, fin = _periode(annee, annee_fin)
    liste = _liste_indicateurs(indicateurs)
    codes = M.verifier_codes(codes)
    df = _positions_completes(jeu, maille, debut, fin, date_reference)
    ordre_ind = pl.DataFrame({"indicateur": liste, "_o1": list(range(len(liste)))},
                             schema={"indicateur": pl.Utf8, "_o1": pl.Int64})
    df = df.join(ordre_ind, on="indicateur", how="inner")
    if codes is not None:
        ordre_codes = pl.DataFrame({"code": list(dict.fromkeys(codes))}, schema={"code": pl.Utf8}).with_row_index("_o2")
        df = df.join(ordre_codes, on="code", how="inner").sort("_o1", "_o2").drop("_o2")
    else:
        df = df.sort("_o1", "code")
    return df.drop("_o1")


@restreint
def references(jeu: JeuDeDonnees, annee: int, indicateurs: list[str] | str | None = None,
               annee_fin: int | None = None, date_reference: date | None = None) -> pl.DataFrame:
    """Valeurs nationales : indicateur, libelle, unite, valeur (registre, maille nationale)."""
    debut, fin = _periode(annee, annee_fin)
    liste = _liste_indicateurs(indicateurs)
    v = I.valeurs(jeu, "nationale", debut, annee_fin=fin, indicateurs=liste, date_reference=date_reference)
    return v.select("indicateur", "valeur").join(_table_registre(liste), on="indicateur").sort(
        "_ordre_ind").select("indicateur", "libelle", "unite", "valeur")


@restreint
def resume_distribution(jeu: JeuDeDonnees, maille: str, annee: int, indicateurs: list[str] | str | None = None,
                        annee_fin: int | None = None) -> pl.DataFrame:
    """Distribution de chaque indicateur sur les territoires de la maille qui ont une valeur :
    indicateur, nb, minimum, q1, mediane, q3, maximum, moyenne (moyenne simple des territoires, à
    titre indicatif ; la référence reste la valeur nationale). Quartiles par interpolation linéaire
    (la méthode des boîtes à moustaches affichées)."""
    p = positions(jeu, maille, annee, indicateurs, annee_fin).filter(pl.col("valeur").is_not_null())
    liste = _liste_indicateurs(indicateurs)
    agr = p.group_by("indicateur").agg(
        pl.len().cast(pl.Int64).alias("nb"),
        pl.col("valeur").min().alias("minimum"),
        pl.col("valeur").quantile(0.25, "linear").alias("q1"),
        pl.col("valeur").median().alias("mediane"),
        pl.col("valeur").quantile(0.75, "linear").alias("q3"),
        pl.col("valeur").max().alias("maximum"),
        pl.col("valeur").mean().alias("moyenne"),
    )
    base = pl.DataFrame({"indicateur": liste}, schema={"indicateur": pl.Utf8})
    return base.join(agr, on="indicateur", how="left", maintain_order="left").with_columns(
        pl.col("nb").fill_null(0))


# --------------------------------------------------------------------------------------------------
# Séries


PAS = ("annee", "mois")


@restreint
def series(
    jeu: JeuDeDonnees,
    maille: str,
    codes: list[str] | str | None,
    indicateur: str,
    pas: str = "annee",
    avec_national: bool = True,
) -> pl.DataFrame:
    """Série d'un indicateur pour des territoires (et la France) : periode (Date : 1er janvier de
    l'année, ou 1er du mois), code, nom, indicateur, valeur. France en dernier (code « FR »).

    ``pas="mois"`` : seulement pour un indicateur calculable mois par mois (``Indicateur.mensuel``)."""
    maille = verifier_maille_comparaison(maille)
    ind = I.indicateur(indicateur)
    if pas not in PAS:
        raise ErreurRequete(f"Pas de temps inconnu : {pas!r} (attendu : annee ou mois).")
    codes = M.verifier_codes(codes) or []
    schema = {"periode": pl.Date, "code": pl.Utf8, "nom": pl.Utf8, "indicateur": pl.Utf8, "valeur": pl.Float64}
    morceaux = []
    if pas == "mois":
        if not ind.mensuel:
            raise ErreurRequete(f"L'indicateur « {ind.libelle} » ne se calcule pas mois par mois.")
        if codes:
            morceaux.append(I.series_mensuelles(jeu, maille, codes, [ind.code]))
        if avec_national:
            morceaux.append(I.series_mensuelles(jeu, "nationale", None, [ind.code]))
        morceaux = [m.select(pl.col("mois").alias("periode"), "code", "nom", pl.col("mesure").alias("indicateur"),
                             "valeur") for m in morceaux]
    else:
        if codes:
            morceaux.append(I.serie_annuelle(jeu, maille, codes, [ind.code]))
        if avec_national:
            morceaux.append(I.serie_annuelle(jeu, "nationale", None, [ind.code]))
        morceaux = [m.select(pl.date(pl.col("annee"), 1, 1).alias("periode"), "code", "nom", "indicateur", "valeur")
                    for m in morceaux]
    if not morceaux:
        return pl.DataFrame(schema=schema)
    df = pl.concat([m.cast(schema) for m in morceaux])
    ordre = pl.DataFrame({"code": [*dict.fromkeys(codes), "FR"]}, schema={"code": pl.Utf8}).with_row_index("_o")
    return df.join(ordre, on="code", how="left").sort("_o", "periode").drop("_o").select(list(schema))


@restreint
def nuage(jeu: JeuDeDonnees, maille: str, annee: int, indicateur_x: str, indicateur_y: str,
          annee_fin: int | None = None) -> pl.DataFrame:
    """Deux indicateurs pour chaque territoire de la maille : code, nom, code_region, x, y (valeurs du
    registre ; territoires sans l'une des deux valeurs compris, à valeur nulle)."""
    ix, iy = I.indicateur(indicateur_x).code, I.indicateur(indicateur_y).code
    p = positions(jeu, maille, annee, list(dict.fromkeys([ix, iy])), annee_fin)
    base = p.select("code", "nom", "code_region").unique(maintain_order=True)
    x = p.filter(pl.col("indicateur") == ix).select("code", pl.col("valeur").alias("x"))
    y = p.filter(pl.col("indicateur") == iy).select("code", pl.col("valeur").alias("y"))
    return base.join(x, on="code", how="left").join(y, on="code", how="left").sort("code")


# --------------------------------------------------------------------------------------------------
# Contexte et territoires comparables


@restreint
def contexte(jeu: JeuDeDonnees, maille: str, annee: int, annee_fin: int | None = None) -> pl.DataFrame:
    """Variables de contexte de chaque territoire de la maille : code, nom, code_region,
    population_16_25, taux_neet, de_moins_26_pour_1000 (registre, sur l'année ou la période),
    population, superficie_km2, densite (référentiel géographique)."""
    if maille != "nationale":
        maille = verifier_maille_comparaison(maille)
    debut, fin = _periode(annee, annee_fin)
    codes_registre = [c for c in CODES_CONTEXTE if c in REGISTRE]
    v = I.tableau(jeu, maille, debut, codes_registre, annee_fin=fin)
    d = jeu.requete("comparaison_densite", {"maille": maille}).select(
        "code", "population", "superficie_km2",
        pl.when(pl.col("superficie_km2") > 0).then(pl.col("population") / pl.col("superficie_km2"))
        .alias("densite"))
    return v.join(d, on="code", how="left").select(
        "code", "nom", "code_region", *codes_registre, "population", "superficie_km2", "densite"
    ).sort("code")


def _transformer(expr: pl.Expr, v: VariableContexte) -> pl.Expr:
    if v.logarithme:
        return pl.when(expr > 0).then(expr.log())
    return expr


@restreint
def comparables(
    jeu: JeuDeDonnees,
    maille: str,
    code: str,
    annee: int,
    annee_fin: int | None = None,
    nombre: int = 10,
    code_region: str | None = None,
) -> pl.DataFrame:
    """Le territoire ``code`` puis ses ``nombre`` plus proches voisins de contexte dans la maille
    (limités à la région ``code_region`` si elle est donnée).

    Colonnes : code, nom, code_region, les variables de ``VARIABLES_CONTEXTE`` (valeurs brutes),
    population, superficie_km2, distance (0 pour le territoire lui-même), proximite (rang : 0 pour le
    territoire, 1 pour le plus proche…). Chaque variable est transformée (logarithme pour la taille et
    la densité) puis centrée-réduite sur tous les territoires de la maille qui ont les quatre
    variables ; distance = racine de la somme des carrés des écarts. Un territoire sans l'une des
    variables n'est pas classé. Ex æquo départagés par code.
    """
    maille = verifier_maille_comparaison(maille)
    if not isinstance(code, str):
        raise ErreurRequete(f"Code de territoire invalide : {code!r}.")
    if isinstance(nombre, bool) or not isinstance(nombre, int) or nombre < 1:
        raise ErreurRequete(f"Nombre de territoires comparables invalide : {nombre!r} (entier ≥ 1 attendu).")
    code_region = M.verifier_code_region(code_region)
    ctx = contexte(jeu, maille, annee, annee_fin)
    if ctx.filter(pl.col("code") == code).is_empty():
        raise ErreurRequete(f"Territoire inconnu à la maille {maille} : {code!r}.")
    transformees = [_transformer(pl.col(v.code), v).alias(f"_t_{v.code}") for v in VARIABLES_CONTEXTE]
    complets = ctx.with_columns(transformees).drop_nulls([f"_t_{v.code}" for v in VARIABLES_CONTEXTE])
    complets = complets.filter(pl.all_horizontal(pl.col(f"_t_{v.code}").is_finite() for v in VARIABLES_CONTEXTE))
    colonnes = ["code", "nom", "code_region", *CODES_CONTEXTE, "population", "superficie_km2"]
    if complets.filter(pl.col("code") == code).is_empty():
        schema = {**ctx.select(colonnes).schema, "distance": pl.Float64, "proximite": pl.Int64}
        return pl.DataFrame(schema=schema)
    z = []
    for v in VARIABLES_CONTEXTE:
        t = pl.col(f"_t_{v.code}")
        ecart_type = t.std(ddof=0)
        z.append(pl.when(ecart_type > 0).then((t - t.mean()) / ecart_type).otherwise(0.0).alias(f"_z_{v.code}"))
    complets = complets.with_columns(z)
    ref = complets.filter(pl.col("code") == code).row(0, named=True)
    distance = pl.sum_horizontal(
        (pl.col(f"_z_{v.code}") - ref[f"_z_{v.code}"]) ** 2 for v in VARIABLES_CONTEXTE).sqrt()
    complets = complets.with_columns(distance.alias("distance"))
    lui = complets.filter(pl.col("code") == code).with_columns(pl.lit(0.0).alias("distance"))
    autres = complets.filter(pl.col("code") != code)
    if code_region is not None:
        autres = autres.filter(pl.col("code_region") == code_region)
    voisins = autres.sort("distance", "code").head(nombre)
    return pl.concat([lui, voisins]).with_row_index("proximite").select(
        *colonnes, "distance", pl.col("proximite").cast(pl.Int64))


# --------------------------------------------------------------------------------------------------
# Portrait d'un territoire


def periode_precedente(jeu: JeuDeDonnees, annee: int, annee_fin: int | None = None) -> tuple[int, int] | None:
    """La période de même durée juste avant (2023-2024 → 2021-2022), si toutes ses années sont dans le
    jeu ; sinon ``None``."""
    debut, fin = _periode(annee, annee_fin)
    duree = fin - debut + 1
    avant = (debut - duree, debut - 1)
    disponibles = set(I.annees_disponibles(jeu))
    if all(a in disponibles for a in range(avant[0], avant[1] + 1)):
        return avant
    return None


@restreint
def portrait(jeu: JeuDeDonnees, maille: str, code: str, annee: int, annee_fin: int | None = None) -> pl.DataFrame:
    """Tous les indicateurs du registre pour un territoire, dans l'ordre du registre (groupés par thème) :
    colonnes de ``positions`` (valeur, valeurs nationale et régionale, écarts, rang, centile,
    appréciation) plus ``precedente`` (valeur sur la période précédente de même durée, ``periode_precedente``),
    ``evolution`` (valeur − precedente), ``appreciation_evolution`` (mieux / moins bien / égal selon le sens ;
    neutre pour un indicateur sans sens — ici un volume compte : c'est le même territoire), ``serie`` (valeurs annuelles du territoire, liste alignée sur
    ``I.annees_disponibles``) et ``serie_nationale`` (idem pour la France)."""
    maille = verifier_maille_comparaison(maille)
    debut, fin = _periode(annee, annee_fin)
    p = positions(jeu, maille, debut, None, fin, codes=[code])
    if p.is_empty():
        raise ErreurRequete(f"Territoire inconnu à la maille {maille} : {code!r}.")
    avant = periode_precedente(jeu, debut, fin)
    if avant is not None:
        prec = I.valeurs(jeu, maille, avant[0], annee_fin=avant[1], codes=[code]).select(
            "indicateur", pl.col("valeur").alias("precedente"))
    else:
        prec = pl.DataFrame(schema={"indicateur": pl.Utf8, "precedente": pl.Float64})
    s = serie_portrait(jeu, maille, code)
    listes = s.group_by("indicateur").agg(
        pl.col("valeur").sort_by("annee").alias("serie"),
        pl.col("valeur_nationale").sort_by("annee").alias("serie_nationale"),
    )
    df = p.join(prec, on="indicateur", how="left", maintain_order="left").join(
        listes, on="indicateur", how="left", maintain_order="left")
    evolution = pl.col("valeur") - pl.col("precedente")
    decimales = pl.col("unite").replace_strict(
        {u: _decimales_egalite(u) for u in {i.unite for i in REGISTRE.values()}}, return_dtype=pl.Float64)
    sens_evolution = (
        pl.when(evolution.is_null()).then(None)
        .when(pl.col("sens") == 0).then(pl.lit(NEUTRE))
        .when(evolution.abs() < 0.5 * pl.lit(10.0).pow(-decimales)).then(pl.lit(EGAL))
        .when(evolution * pl.col("sens") > 0).then(pl.lit(MIEUX))
        .otherwise(pl.lit(MOINS_BIEN))
    )
    return df.with_columns(evolution.alias("evolution"), sens_evolution.alias("appreciation_evolution"))


@restreint
def serie_portrait(jeu: JeuDeDonnees, maille: str, code: str) -> pl.DataFrame:
    """Valeurs annuelles de tous les indicateurs pour un territoire et pour la France :
    annee, indicateur, valeur, valeur_nationale (toutes les années du jeu)."""
    maille = verifier_maille_comparaison(maille)
    t = I.serie_annuelle(jeu, maille, [code]).select("annee", "indicateur", "valeur")
    n = I.serie_annuelle(jeu, "nationale").select("annee", "indicateur", pl.col("valeur").alias("valeur_nationale"))
    return t.join(n, on=["annee", "indicateur"], how="full", coalesce=True).sort("indicateur", "annee")


@restreint
def alertes_du_territoire(jeu: JeuDeDonnees, maille: str, code: str, annee: int) -> pl.DataFrame:
    """Constats d'alerte de la carte (``requetes.alertes``, seuils par défaut) qui comptent dans le
    territoire, pour l'année : colonnes de ``alertes.constats`` (une ligne par objet et par alerte,
    nombres et codes ; la phrase de chaque constat : ``presentation.alertes.ecrire``)."""
    from requetes import alertes

    maille = verifier_maille_comparaison(maille)
    annee = M.verifier_annee(annee)
    # alertes.constats garde déjà chaque alerte calculée, par jeu, année et seuils.
    return alertes.constats_du_territoire(alertes.constats(jeu, annee), maille, code).sort("numero", "code_objet")


@restreint
def synthese_alertes(jeu: JeuDeDonnees, maille: str, code: str, annee: int) -> pl.DataFrame:
    """Une ligne par alerte (les neuf, dans l'ordre) : alerte, numero, libelle, nb (objets concernés dans
    le territoire), jeunes (jeunes des communes concernées ; nul pour une alerte au grain ML). La règle
    en français, seuils par défaut : ``presentation.alertes.texte_regle``."""
    from requetes import alertes

    c = alertes_du_territoire(jeu, maille, code, annee)
    comptes = c.group_by("alerte").agg(
        pl.col("code_objet").n_unique().cast(pl.Int64).alias("nb"),
        pl.col("jeunes").fill_null(0).sum().cast(pl.Int64).alias("jeunes"),
    )
    base = pl.DataFrame({
        "alerte": list(alertes.ALERTES),
        "numero": [a.numero for a in alertes.ALERTES.values()],
        "libelle": [a.libelle for a in alertes.ALERTES.values()],
        "niveau": [a.niveau for a in alertes.ALERTES.values()],
    })
    return base.join(comptes, on="alerte", how="left", maintain_order="left").select(
        "alerte", "numero", "libelle",
        pl.col("nb").fill_null(0),
        pl.when(pl.col("niveau") == "commune").then(pl.col("jeunes").fill_null(0)).alias("jeunes"),
    )
