"""Ce que montre la carte, préparé sans Streamlit ni folium : des données simples (JSON, HTML de
légende, tableaux Polars) que la page garde en cache (``interface.chargement.en_cache``) et que
``cartes.carte`` assemble en couches folium à chaque exécution.

- ``vue_indicateur`` : un indicateur du registre (requetes.indicateurs) à la maille région,
  département ou ML ; ou un indicateur communal (requetes.acces) pour les communes d'un département
  ou d'une ML (« zoom ») ;
- ``vue_alertes`` : nombre d'alertes par territoire, ou une alerte seule (requetes.alertes ; phrases
  des constats : presentation.alertes) ; au zoom, l'état de chaque commune (sans ML, éloignée) ;
- ``vue_points`` : lieux d'accueil des ML par type et agences France Travail ;
- ``contour_selection`` : contour du territoire choisi.

Jeu partiel (``requetes.couverture`` : un jeu régional ou départemental) : seuls les territoires du jeu
sont dessinés et comptés ; la carte est cadrée sur eux, et les départements hors du jeu sont dessinés en
contexte neutre (contours gris sur fond blanc, sans valeur, sans alerte, non cliquables) : jamais comme
des trous de couverture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import polars as pl

from cartes import drom
from cartes.classes import COULEUR_ABSENT, ROUGES, Classement, classer, classer_seuils, palette
from cartes.couches import collection, echapper, json_compact, points_compacts
from cartes.geometries import (
    bornes,
    geometries_communes,
    geometries_navigateur,
    geometries_non_couvertes,
)
from cartes.legende import texte_valeur
from donnees import referentiel
from donnees.contrat import LIBELLES_TYPE_SITE, TYPES_SITE
from presentation import alertes as alertes_ecrites
from presentation import couverture as mots_couverture
from presentation.format import nombre
from presentation.format import textes as textes_ligne_a_ligne
from requetes import acces, alertes, indicateurs, perimetre
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees

MAILLES_CARTE = {"region": "Régions", "departement": "Départements", "ml": "Missions Locales"}
LIBELLES_MAILLE_SINGULIER = {"region": "Région", "departement": "Département", "ml": "Mission Locale",
                             "commune": "Commune", "nationale": "France"}
LARGEUR_PX = 760
HAUTEUR_PX = 620
MAX_COMMUNES_ELOIGNEES = 2000
# Au-delà, les communes sans ML forment de grandes surfaces visibles : pas de rond par commune.
MAX_POINTS_NON_COUVERTS = 500

COULEURS_SITES = {"siege": "#E4794A", "antenne": "#009081", "permanence": "#C3992A"}
COULEUR_AGENCE = "#A558A0"
COULEUR_NON_COUVERT = "#3A3A3A"
COULEUR_ELOIGNEE = "#E1000F"
# Contexte hors d'un jeu partiel : le fond de carte lui-même (blanc), contours gris clair.
COULEUR_HORS_JEU = "#FFFFFF"
BORDURE_HORS_JEU = "#B5B5B5"
LIBELLE_HORS_JEU = "Hors du jeu de données (contexte, non compté)"


@dataclass
class VueCarte:
    maille: str  # "region", "departement", "ml" ou "commune"
    titre: str  # titre de la légende (indicateur ou alerte)
    unite: str
    choroplethe: str  # FeatureCollection en JSON compact
    libelle_valeur: str
    libelle_rang: str
    classement: Classement
    sous_titre: str
    bornes: tuple[tuple[float, float], tuple[float, float]]  # ((lat_min, lon_min), (lat_max, lon_max)) à voir
    nb_polygones: int
    territoires: pl.DataFrame  # code, nom, valeur, texte_valeur, rang, texte_rang, classe, couleur
    couches: list[tuple[str, dict]] = field(default_factory=list)  # (type de couche, arguments)
    surfaces_legende: list[tuple[str, str]] = field(default_factory=list)
    points_legende: list[tuple[str, str]] = field(default_factory=list)
    sans_geometrie: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    libelle_absent: str = "Non disponible"


# --------------------------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------------------------


def rangs(valeurs: list, sens: int) -> list[int | None]:
    """Rang de chaque valeur (1 = la plus favorable : la plus haute si ``sens`` ≥ 0, la plus basse
    si ``sens`` < 0), ex æquo au même rang ; None pour une valeur absente."""
    s = pl.Series("v", [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in valeurs],
                  dtype=pl.Float64)
    r = s.rank(method="min", descending=sens >= 0)
    return [None if x is None else int(x) for x in r.to_list()]


def texte_rang(rang: int | None, total: int) -> str:
    if rang is None:
        return ""
    return f"{'1er' if rang == 1 else f'{rang}e'} sur {nombre(total)}"


def libelle_rang(sens: int) -> str:
    return "Rang (1 = la plus basse)" if sens < 0 else "Rang (1 = la plus haute)"


def cadrage(gdf: gpd.GeoDataFrame | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """Emprise à montrer : celle de ``gdf`` (avec une marge), ou la France entière (encarts compris, et
    une bande libre en bas pour la légende) si None."""
    if gdf is None or len(gdf) == 0:
        return drom.BORNES_FRANCE_CARTE
    (lat0, lon0), (lat1, lon1) = bornes(gdf)
    marge_lat, marge_lon = 0.04 * (lat1 - lat0), 0.04 * (lon1 - lon0)
    return ((round(lat0 - marge_lat, 4), round(lon0 - marge_lon, 4)),
            (round(lat1 + marge_lat, 4), round(lon1 + marge_lon, 4)))


def cadrage_france() -> tuple[tuple[float, float], tuple[float, float]]:
    return drom.BORNES_FRANCE_CARTE


def _cadrer(jeu: JeuDeDonnees, gdf: gpd.GeoDataFrame, code_region: str | None):
    """Emprise d'une carte par maille : la région choisie, ou la zone d'un jeu partiel (ses territoires),
    sinon la France entière."""
    return cadrage(gdf if code_region or couverture(jeu).partiel else None)


def contexte_hors_jeu(jeu: JeuDeDonnees) -> tuple[str, dict] | None:
    """Couche des départements hors du périmètre d'un jeu partiel, en contexte neutre : contours gris clair
    sur fond blanc, non cliquables, sans infobulle ni valeur ; None pour un jeu national."""
    c = couverture(jeu)
    if c.national:
        return None
    gdf = geometries_navigateur("departement")
    hors = gdf[~gdf["code"].isin(set(c.departements))].reset_index(drop=True)
    if len(hors) == 0:
        return None
    donnees = collection(hors, [{"code": code} for code in hors["code"].tolist()])
    return ("contours", dict(donnees=json_compact(donnees), couleur=BORDURE_HORS_JEU, epaisseur=0.6,
                             remplissage=COULEUR_HORS_JEU, opacite=1.0))


def _avec_contexte(jeu: JeuDeDonnees, couches: list, surfaces: list) -> tuple[list, list]:
    """Le contexte hors du jeu en premier (dessous), et sa ligne de légende, pour un jeu partiel."""
    contexte = contexte_hors_jeu(jeu)
    if contexte is None:
        return couches, surfaces
    return [contexte, *couches], [*surfaces, (COULEUR_HORS_JEU, LIBELLE_HORS_JEU)]


def _rattachement(jeu: JeuDeDonnees) -> pl.DataFrame:
    return acces.rattachements(jeu)


def _noms_mailles(jeu: JeuDeDonnees, maille: str) -> pl.DataFrame:
    """code, nom, code_region de tous les territoires dessinables d'une maille."""
    return alertes.territoires(jeu, maille)


def _geometries(jeu: JeuDeDonnees, maille: str) -> gpd.GeoDataFrame:
    return geometries_navigateur(maille, _rattachement(jeu) if maille == "ml" else None)


def _assembler(maille: str, gdf: gpd.GeoDataFrame, table: pl.DataFrame, classement: Classement, sens: int,
               unite: str, extra: dict[str, str] | None = None,
               textes: list[str] | None = None, avec_rang: bool = True) -> tuple[str, pl.DataFrame]:
    """``table`` : code, nom, valeur (dans l'ordre des géométries de ``gdf``). Rend le JSON de la
    couche et la table complétée (texte de la valeur, rang, classe, couleur)."""
    vals = table["valeur"].to_list()
    r = rangs(vals, sens)
    total = sum(1 for v in vals if v is not None)
    if textes is None:
        textes = [texte_valeur(v, unite) for v in vals]
    trangs = [texte_rang(x, total) if avec_rang else "" for x in r]
    couleurs = classement.couleurs_valeurs()
    proprietes = []
    for code, nom, t, tr, c in zip(table["code"].to_list(), table["nom"].to_list(), textes, trangs, couleurs):
        p = {"code": code, "nom": echapper(nom), "maille": maille, "c": c, "v": t, "r": tr}
        if extra and extra.get(code):
            p["x"] = extra[code]
        proprietes.append(p)
    complete = table.with_columns(
        pl.Series("texte_valeur", textes, dtype=pl.Utf8),
        pl.Series("rang", r, dtype=pl.Int64),
        pl.Series("texte_rang", trangs, dtype=pl.Utf8),
        pl.Series("classe", classement.classes.tolist(), dtype=pl.Int64),
        pl.Series("couleur", couleurs, dtype=pl.Utf8),
    )
    return json_compact(collection(gdf, proprietes)), complete


def _dans_region(territoires: pl.DataFrame, code_region: str | None) -> pl.DataFrame:
    if code_region is None:
        return territoires
    return territoires.filter(pl.col("code_region") == code_region)


def _table_maille(jeu: JeuDeDonnees, maille: str, valeurs: pl.DataFrame, code_region: str | None
                  ) -> tuple[gpd.GeoDataFrame, pl.DataFrame, list[str]]:
    """Géométries et table (code, nom, valeur) alignées, pour tous les territoires de la maille (de la
    région si donnée) ; rend aussi les codes qui ont une valeur mais pas de géométrie."""
    terr = _dans_region(_noms_mailles(jeu, maille), code_region)
    gdf = _geometries(jeu, maille)
    gdf = gdf[gdf["code"].isin(set(terr["code"].to_list()))].reset_index(drop=True)
    codes_geo = pl.DataFrame({"code": gdf["code"].tolist()}, schema={"code": pl.Utf8})
    table = (
        codes_geo.join(terr.select("code", "nom"), on="code", how="left")
        .join(valeurs.select("code", pl.col("valeur").cast(pl.Float64)), on="code", how="left")
        .with_columns(pl.col("nom").fill_null(pl.col("code")))
    )
    sans = sorted(set(terr["code"].to_list()) - set(gdf["code"].tolist()))
    return gdf, table, sans


# --------------------------------------------------------------------------------------------
# Indicateurs
# --------------------------------------------------------------------------------------------


def vue_indicateur(jeu: JeuDeDonnees, annee: int, maille: str, indicateur: str, methode: str,
                   nb_classes: int, code_region: str | None = None, focus_maille: str | None = None,
                   focus_code: str | None = None) -> VueCarte:
    """Carte d'un indicateur. Sans ``focus_*`` : ``indicateur`` est un code de
    ``requetes.indicateurs.REGISTRE`` et ``maille`` une clé de ``MAILLES_CARTE``. Avec
    ``focus_maille`` ("departement" ou "ml") et ``focus_code`` : les communes de ce territoire, et
    ``indicateur`` est un code de ``requetes.acces.INDICATEURS_COMMUNE``."""
    if focus_maille:
        return _vue_communes_indicateur(jeu, annee, indicateur, methode, nb_classes, focus_maille, focus_code)
    if maille not in MAILLES_CARTE:
        raise ValueError(f"Maille de carte inconnue : {maille!r} (attendu : {', '.join(MAILLES_CARTE)})")
    ind = indicateurs.indicateur(indicateur)
    vals = indicateurs.valeurs(jeu, maille, annee, indicateurs=[indicateur], code_region=code_region)
    gdf, table, sans = _table_maille(jeu, maille, vals, code_region)
    classement = classer(table["valeur"].to_list(), methode, nb_classes, sens=ind.sens)
    donnees, complete = _assembler(maille, gdf, table, classement, ind.sens, ind.unite)
    emprise = _cadrer(jeu, gdf, code_region)
    couches, surfaces = _avec_contexte(jeu, [], [])
    notes = []
    if sans:
        notes.append(f"{nombre(len(sans))} territoire(s) sans contour sur la carte (aucune commune "
                     f"rattachée) : {', '.join(sans[:10])}{'…' if len(sans) > 10 else ''}.")
    return VueCarte(
        maille=maille, titre=ind.libelle, unite=ind.unite, choroplethe=donnees, libelle_valeur=ind.libelle,
        libelle_rang=libelle_rang(ind.sens), classement=classement,
        sous_titre=_sous_titre(methode, classement, annee), bornes=emprise, nb_polygones=len(gdf),
        territoires=complete, couches=couches, surfaces_legende=surfaces, sans_geometrie=sans, notes=notes,
    )


def _sous_titre(methode: str, classement: Classement, annee: int) -> str:
    from cartes.classes import METHODES

    nom = METHODES.get(methode, "").lower()
    return f"{annee} · {nom}, {classement.nb_classes} classe{'s' if classement.nb_classes > 1 else ''}"


def _communes_focus(jeu: JeuDeDonnees, annee: int, focus_maille: str, focus_code: str) -> pl.DataFrame:
    if focus_maille == "departement":
        return acces.communes(jeu, annee, code_departement=focus_code)
    if focus_maille == "ml":
        return acces.communes(jeu, annee, code_ml=focus_code)
    raise ValueError(f"Zoom impossible sur la maille {focus_maille!r} (attendu : departement ou ml)")


def _texte_ml(noms: list[str] | None) -> str:
    if not noms:
        return "Sans Mission Locale"
    return "Mission Locale : " + echapper(", ".join(noms))


def _contour_non_couvertes(gdf: gpd.GeoDataFrame, codes: list[str]) -> tuple[str, dict] | None:
    choisies = gdf[gdf["code"].isin(set(codes))]
    if len(choisies) == 0:
        return None
    donnees = collection(choisies, [{"code": c, "t": "Commune sans Mission Locale"} for c in choisies["code"]])
    return ("contours", dict(donnees=json_compact(donnees), couleur=COULEUR_NON_COUVERT, epaisseur=2.0,
                             tirets="4 3", remplissage=None, opacite=0.0))


def _vue_communes_indicateur(jeu, annee, indicateur, methode, nb_classes, focus_maille, focus_code) -> VueCarte:
    if indicateur not in acces.INDICATEURS_COMMUNE:
        raise ValueError(f"Indicateur communal inconnu : {indicateur!r} "
                         f"(attendu : {', '.join(acces.INDICATEURS_COMMUNE)})")
    ind = acces.INDICATEURS_COMMUNE[indicateur]
    communes = _communes_focus(jeu, annee, focus_maille, focus_code)
    gdf = geometries_communes(communes["code"].to_list())
    table = (
        pl.DataFrame({"code": gdf["code"].tolist()}, schema={"code": pl.Utf8})
        .join(communes.select("code", "nom", "noms_ml", pl.col(indicateur).cast(pl.Float64).alias("valeur")),
              on="code", how="left")
    )
    extra = {c: _texte_ml(n) for c, n in zip(table["code"].to_list(), table["noms_ml"].to_list())}
    table = table.drop("noms_ml")
    classement = classer(table["valeur"].to_list(), methode, nb_classes, sens=ind.sens)
    donnees, complete = _assembler("commune", gdf, table, classement, ind.sens, ind.unite, extra)
    emprise = cadrage(gdf)
    non_couvertes = [c for c, n in zip(communes["code"].to_list(), communes["codes_ml"].to_list()) if not n]
    couches = []
    surfaces = []
    contour = _contour_non_couvertes(gdf, non_couvertes)
    if contour:
        couches.append(contour)
        surfaces.append(("#FFFFFF", f"Contour en tirets : commune sans Mission Locale ({nombre(len(non_couvertes))})"))
    return VueCarte(
        maille="commune", titre=ind.libelle, unite=ind.unite, choroplethe=donnees, libelle_valeur=ind.libelle,
        libelle_rang=libelle_rang(ind.sens), classement=classement,
        sous_titre=_sous_titre(methode, classement, annee), bornes=emprise, nb_polygones=len(gdf),
        territoires=complete, couches=couches, surfaces_legende=surfaces,
    )


# --------------------------------------------------------------------------------------------
# Alertes
# --------------------------------------------------------------------------------------------

SEUILS_NB_ALERTES = [0, 0, 1, 2, 3, len(alertes.ALERTES)]
LIBELLES_NB_ALERTES = ["Aucune alerte", "1 alerte", "2 alertes", "3 alertes", "4 alertes ou plus"]
COULEURS_NB_ALERTES = ["#F6F6F6", ROUGES[1], ROUGES[3], ROUGES[5], ROUGES[7]]


def _classer_avec_zero(valeurs: list, methode: str, nb_classes: int) -> Classement:
    """Une classe « Aucun » pour 0, puis les valeurs positives classées par ``methode``."""
    positifs = [v if v is not None and v > 0 else None for v in valeurs]
    c = classer(positifs, methode, max(1, nb_classes - 1), sens=-1, couleurs=None)
    couleurs = palette(c.nb_classes + 1, -1)
    classes = np.where(np.array([v == 0 for v in valeurs]), 0, np.where(c.classes >= 0, c.classes + 1, -1))
    nb_zero = sum(1 for v in valeurs if v == 0)
    return Classement(methode, [0.0, *c.bornes] if c.bornes else [0.0, 0.0], classes,
                      [COULEURS_NB_ALERTES[0], *couleurs[1:]] if c.nb_classes else [COULEURS_NB_ALERTES[0]],
                      [nb_zero, *c.effectifs], int(sum(1 for v in valeurs if v is None)))


def libelles_zero(classement: Classement, unite: str, libelle_zero: str) -> list[str]:
    from cartes.legende import libelles_classes

    suite = Classement(classement.methode, classement.bornes[1:], classement.classes, classement.couleurs[1:],
                       classement.effectifs[1:])
    return [libelle_zero, *libelles_classes(suite, unite)] if len(classement.bornes) > 2 else [libelle_zero]


def vue_alertes(jeu: JeuDeDonnees, annee: int, maille: str, alerte: str | None = None,
                parametres: dict | None = None, methode: str = "quantiles", nb_classes: int = 5,
                code_region: str | None = None, focus_maille: str | None = None,
                focus_code: str | None = None, date_reference: date | None = None) -> VueCarte:
    """Mode « alertes » : nombre d'alertes différentes déclenchées par territoire (``alerte`` None),
    ou la mesure d'une alerte seule (``requetes.alertes.colonne_mesure``). Les communes sans ML sont
    dessinées par-dessus (gris foncé) ; pour l'alerte d'accès, les communes éloignées (points rouges).
    Avec ``focus_*`` : l'état de chaque commune du territoire."""
    constats = alertes.constats(jeu, annee, parametres, date_reference)
    if focus_maille:
        eloignees = alertes_ecrites.constats(jeu, annee, parametres, date_reference, alertes=["acces_eloigne"])
        return _vue_communes_alertes(jeu, annee, constats, eloignees, focus_maille, focus_code)
    if maille not in MAILLES_CARTE:
        raise ValueError(f"Maille de carte inconnue : {maille!r} (attendu : {', '.join(MAILLES_CARTE)})")
    # Synthèse calculée sur tous les constats puis restreinte au périmètre de la session (les totaux des
    # territoires visibles ne perdent pas les constats des communes ou des ML que la session ne voit pas).
    synthese = alertes.synthese(jeu, maille, annee, parametres, date_reference)
    if alerte is None:
        colonne, titre, unite = "nb_alertes", "Nombre d'alertes déclenchées", "alertes"
    else:
        a = alertes.ALERTES[alerte]
        colonne, titre, unite = alertes.colonne_mesure(a), f"Alerte {a.numero} — {a.libelle}", a.unite_mesure
    valeurs = synthese.select("code", pl.col(colonne).alias("valeur"))
    gdf, table, sans = _table_maille(jeu, maille, valeurs, code_region)
    vals = table["valeur"].to_list()
    if alerte is None:
        classement = classer_seuils(vals, SEUILS_NB_ALERTES, COULEURS_NB_ALERTES, LIBELLES_NB_ALERTES)
        sous_titre = f"{annee} · sur {len(alertes.ALERTES)} alertes"
    else:
        classement = _classer_avec_zero(vals, methode, nb_classes)
        classement.libelles = libelles_zero(classement, unite, "Aucune")
        sous_titre = _sous_titre(methode, classement, annee)
    extra = _resume_alertes(synthese, alerte)
    donnees, complete = _assembler(maille, gdf, table, classement, 1, unite, extra)
    couches: list[tuple[str, dict]] = []
    surfaces: list[tuple[str, str]] = []
    points: list[tuple[str, str]] = []
    notes: list[str] = []
    if alerte in (None, "communes_sans_ml"):
        non = constats.filter((pl.col("alerte") == "communes_sans_ml") & (pl.col("cas") == "non_couverte"))
        if code_region:
            non = non.filter(pl.col("code_region") == code_region)
        if non.height:
            couches.append(_couche_non_couvertes(non))
            if non.height <= MAX_POINTS_NON_COUVERTS:
                couches.append(_points_non_couverts(non))
            surfaces.append((COULEUR_NON_COUVERT, f"Communes sans Mission Locale ({nombre(non.height)})"))
    if alerte == "acces_eloigne":
        couche, n_aff, n_tot = _couche_eloignees(jeu, annee, constats, code_region)
        if couche:
            couches.append(couche)
            points.append((COULEUR_ELOIGNEE, "Commune éloignée d'un lieu d'accueil ou d'une agence"))
            if n_aff < n_tot:
                notes.append(f"Les {nombre(n_aff)} communes éloignées qui comptent le plus de jeunes sont "
                             f"dessinées, sur {nombre(n_tot)} ; le tableau les liste toutes.")
    emprise = _cadrer(jeu, gdf, code_region)
    couches, surfaces = _avec_contexte(jeu, couches, surfaces)
    return VueCarte(
        maille=maille, titre=titre, unite=unite if unite != "alertes" else "", choroplethe=donnees,
        libelle_valeur=titre if alerte else "Alertes déclenchées", libelle_rang="Rang (1 = le plus d'alertes)",
        classement=classement, sous_titre=sous_titre, bornes=emprise, nb_polygones=len(gdf),
        territoires=complete, couches=couches, surfaces_legende=surfaces, points_legende=points,
        sans_geometrie=sans, notes=notes,
    )


def _resume_alertes(synthese: pl.DataFrame, alerte: str | None) -> dict[str, str]:
    """Texte en plus de l'infobulle : les alertes déclenchées (mode nombre), ou le détail utile."""
    resume = {}
    for ligne in synthese.iter_rows(named=True):
        if alerte is None:
            noms = [str(a.numero) for a in alertes.ALERTES.values() if ligne[f"nb_{a.code}"]]
            resume[ligne["code"]] = f"Alertes n° {', '.join(noms)}" if noms else ""
        elif alertes.ALERTES[alerte].mesure == "jeunes":
            n = ligne[f"nb_{alerte}"]
            resume[ligne["code"]] = f"{nombre(n)} commune{'s' if n > 1 else ''} concernée{'s' if n > 1 else ''}"
    return resume


def _couche_non_couvertes(non: pl.DataFrame) -> tuple[str, dict]:
    gdf = geometries_non_couvertes(non["code_objet"].to_list())
    noms = dict(zip(referentiel.departements()["code_departement"].to_list(),
                    referentiel.departements()["nom_departement"].to_list()))
    props = [
        {"code": c, "t": echapper(f"{noms.get(c, c)} : {nombre(n)} commune{'s' if n > 1 else ''} sans Mission Locale")}
        for c, n in zip(gdf["code"].tolist(), gdf["nb_communes"].tolist())
    ]
    return ("contours", dict(donnees=json_compact(collection(gdf, props)), couleur=COULEUR_NON_COUVERT,
                             epaisseur=0.8, remplissage=COULEUR_NON_COUVERT, opacite=0.75, infobulle=True))


def _points_non_couverts(non: pl.DataFrame) -> tuple[str, dict]:
    """Un rond par commune sans ML : une petite commune resterait invisible à l'échelle de la France."""
    pts = referentiel.communes().select("code_commune", "latitude", "longitude")
    df = non.join(pts, left_on="code_objet", right_on="code_commune", how="inner").filter(
        pl.col("latitude").is_not_null())
    lat, lon = drom.deplacer_points(df["latitude"].to_numpy(), df["longitude"].to_numpy(),
                                    [drom.departement_drom(c, "commune") for c in df["code_objet"].to_list()])
    textes = [f"<strong>{echapper(n)}</strong><br>Commune sans Mission Locale" for n in df["nom_objet"].to_list()]
    return ("points", dict(donnees=json_compact(points_compacts(lat, lon, textes)), couleur=COULEUR_NON_COUVERT,
                           rayon=5))


def _couche_eloignees(jeu, annee, constats, code_region) -> tuple[tuple[str, dict] | None, int, int]:
    loin = constats.filter(pl.col("alerte") == "acces_eloigne")
    if code_region:
        loin = loin.filter(pl.col("code_region") == code_region)
    n_tot = loin.height
    if not n_tot:
        return None, 0, 0
    pts = referentiel.communes().select("code_commune", "latitude", "longitude", "population")
    loin = (
        loin.join(pts, left_on="code_objet", right_on="code_commune", how="inner")
        .join(acces.distances(jeu), left_on="code_objet", right_on="code_commune", how="left")
        .filter(pl.col("latitude").is_not_null())
        .sort(pl.col("jeunes").fill_null(0), pl.col("population").fill_null(0), descending=True)
        .head(MAX_COMMUNES_ELOIGNEES)
    )
    lat, lon = drom.deplacer_points(loin["latitude"].to_numpy(), loin["longitude"].to_numpy(),
                                    [drom.departement_drom(c, "commune") for c in loin["code_objet"].to_list()])
    textes = [
        f"<strong>{echapper(nom)}</strong><br>{nombre(jeunes) if jeunes is not None else '—'} jeunes<br>"
        f"ML : {texte_valeur(ds, 'km') if ds != float('inf') else 'aucune'} · "
        f"agence : {texte_valeur(da, 'km') if da != float('inf') else 'aucune'}"
        for nom, jeunes, ds, da in zip(loin["nom_objet"].to_list(), loin["jeunes"].to_list(),
                                       loin["distance_site_km"].to_list(), loin["distance_agence_km"].to_list())
    ]
    donnees = points_compacts(lat, lon, textes)
    return ("points", dict(donnees=json_compact(donnees), couleur=COULEUR_ELOIGNEE, rayon=3)), len(donnees), n_tot


def _vue_communes_alertes(jeu, annee, constats, eloignees, focus_maille, focus_code) -> VueCarte:
    """État de chaque commune du territoire ; ``eloignees`` : constats écrits de l'alerte d'accès
    (``presentation.alertes.constats``), dont la phrase va dans l'infobulle."""
    communes = _communes_focus(jeu, annee, focus_maille, focus_code)
    gdf = geometries_communes(communes["code"].to_list())
    codes = gdf["code"].tolist()
    sans_ml = set(constats.filter((pl.col("alerte") == "communes_sans_ml") & (pl.col("cas") == "non_couverte"))
                  ["code_objet"].to_list())
    double = set(constats.filter((pl.col("alerte") == "communes_sans_ml") & (pl.col("cas") == "chevauchement"))
                 ["code_objet"].to_list())
    loin = dict(zip(*eloignees.select("code_objet", "constat").to_dict(as_series=False).values()))
    etats = []
    for c in codes:
        defauts = []
        if c in sans_ml:
            defauts.append("sans_ml")
        if c in double:
            defauts.append("double")
        if c in loin:
            defauts.append("loin")
        etats.append(defauts)
    categories = [
        ("Aucune alerte", "#F6F6F6"),
        ("Éloignée d'un lieu d'accueil ou d'une agence", "#F28B8F"),
        ("Sans Mission Locale", "#3A3A3A"),
        ("Sans Mission Locale et éloignée", "#8C000A"),
        ("Rattachée à plusieurs Missions Locales", "#C3992A"),
    ]

    def categorie(d):
        if "double" in d:
            return 4
        if "sans_ml" in d and "loin" in d:
            return 3
        if "sans_ml" in d:
            return 2
        if "loin" in d:
            return 1
        return 0

    cats = [categorie(d) for d in etats]
    noms = dict(zip(communes["code"].to_list(), communes["nom"].to_list()))
    table = pl.DataFrame({"code": codes, "nom": [noms.get(c, c) for c in codes],
                          "valeur": [float(len(d)) for d in etats]},
                         schema={"code": pl.Utf8, "nom": pl.Utf8, "valeur": pl.Float64})
    classement = Classement("categories", [], np.array(cats), [c for _, c in categories],
                            [cats.count(i) for i in range(len(categories))], 0, [n for n, _ in categories])
    extra = {c: echapper(loin[c]) if c in loin else "" for c in codes}
    for c, d in zip(codes, etats):
        if "sans_ml" in d:
            extra[c] = ("Sans Mission Locale<br>" + extra[c]) if extra[c] else "Sans Mission Locale"
    textes = [categories[k][0] for k in cats]
    donnees, complete = _assembler("commune", gdf, table, classement, 1, "alertes", extra, textes,
                                   avec_rang=False)
    emprise = cadrage(gdf)
    return VueCarte(
        maille="commune", titre="Alertes communales", unite="", choroplethe=donnees,
        libelle_valeur="État", libelle_rang="Rang (1 = le plus d'alertes)",
        classement=classement, sous_titre=f"{annee} · couverture et accès", bornes=emprise,
        nb_polygones=len(gdf), territoires=complete,
    )


# --------------------------------------------------------------------------------------------
# Points et sélection
# --------------------------------------------------------------------------------------------


def vue_points(jeu: JeuDeDonnees, types_sites: tuple[str, ...] = (), avec_agences: bool = False,
               code_region: str | None = None) -> tuple[list[tuple[str, dict]], list[tuple[str, str]]]:
    """Couches de points (lieux d'accueil des types demandés, agences) et leurs entrées de légende."""
    couches: list[tuple[str, dict]] = []
    legende: list[tuple[str, str]] = []
    for type_site in TYPES_SITE:
        if type_site not in types_sites:
            continue
        s = acces.sites(jeu).filter(pl.col("type_site") == type_site)
        if code_region:
            s = s.filter(pl.col("code_region") == code_region)
        textes = [
            f"{echapper(LIBELLES_TYPE_SITE[type_site])} · {echapper(n or m)}<br>{echapper(c or '')}"
            for n, m, c in zip(s["nom_ml"].to_list(), s["code_ml"].to_list(), s["nom_commune"].to_list())
        ]
        couches.append(_points(s, textes, COULEURS_SITES[type_site], 4.5 if type_site == "siege" else 3.5))
        legende.append((COULEURS_SITES[type_site], f"{LIBELLES_TYPE_SITE[type_site]} de ML ({nombre(s.height)})"))
    if avec_agences:
        a = acces.agences(jeu)
        if code_region:
            a = a.filter(pl.col("code_region") == code_region)
        textes = [echapper(n) for n in a["nom_agence"].to_list()]
        couches.append(_points(a, textes, COULEUR_AGENCE, 4.0))
        legende.append((COULEUR_AGENCE, f"Agence France Travail ({nombre(a.height)})"))
    return couches, legende


def _points(df: pl.DataFrame, textes: list[str], couleur: str, rayon: float) -> tuple[str, dict]:
    lat, lon = drom.deplacer_points(df["latitude"].to_numpy(), df["longitude"].to_numpy(),
                                    [drom.departement_drom(c, "departement") for c in df["code_departement"].to_list()])
    return ("points", dict(donnees=json_compact(points_compacts(lat, lon, textes)), couleur=couleur, rayon=rayon))


def contour_selection(jeu: JeuDeDonnees, maille: str, code: str) -> tuple[str, dict] | None:
    """Contour épais du territoire choisi (maille région, département, ML ou commune)."""
    if maille == "commune":
        gdf = geometries_communes([code])
    elif maille in MAILLES_CARTE:
        gdf = _geometries(jeu, maille)
        gdf = gdf[gdf["code"] == code]
    else:
        return None
    if len(gdf) == 0:
        return None
    donnees = collection(gdf.reset_index(drop=True), [{"code": code}])
    return ("contours", dict(donnees=json_compact(donnees), couleur="#161616", epaisseur=3.0))


def points_legende(vue: VueCarte, points: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*vue.points_legende, *points]


__all__ = [
    "COULEUR_ABSENT", "MAILLES_CARTE", "VueCarte", "cadrage", "cadrage_france", "contour_selection",
    "rangs", "texte_rang", "vue_alertes", "vue_indicateur", "vue_points",
]


# --------------------------------------------------------------------------------------------
# Détail d'un territoire (à côté de la carte)
# --------------------------------------------------------------------------------------------


@dataclass
class Detail:
    maille: str
    code: str
    nom: str
    code_region: str | None
    nom_region: str | None
    indicateurs: pl.DataFrame  # theme, indicateur, libelle, unite, territoire, region, france (valeurs) + textes
    alertes: pl.DataFrame  # numero, alerte, libelle_alerte, nom_objet, constat
    sites: pl.DataFrame  # type_site, libelle_type, nom_ml, nom_commune
    agences: pl.DataFrame  # nom_agence, nom_commune
    faits: list[str]  # lignes de synthèse en français
    reference: str = "France"  # nom de la colonne de référence : « France », ou la zone d'un jeu partiel


def _nom_region(code_region: str | None) -> str | None:
    if not code_region:
        return None
    r = referentiel.regions()
    trouve = r.filter(pl.col("code_region") == code_region)
    return trouve["nom_region"][0] if trouve.height else code_region


def _comparaison(jeu: JeuDeDonnees, annee: int, maille: str, code: str, code_region: str | None) -> pl.DataFrame:
    """Indicateurs du registre : valeur du territoire, de sa région et de la France."""
    ici = indicateurs.valeurs(jeu, maille, annee, codes=[code]).select("indicateur", pl.col("valeur").alias("territoire"))
    france = indicateurs.valeurs(jeu, "nationale", annee).select("indicateur", pl.col("valeur").alias("france"))
    if code_region and maille != "region":
        try:
            region = indicateurs.valeurs(jeu, "region", annee, codes=[code_region]).select(
                "indicateur", pl.col("valeur").alias("region"))
        except Exception:  # région absente du jeu : pas de colonne régionale
            region = pl.DataFrame(schema={"indicateur": pl.Utf8, "region": pl.Float64})
    elif maille == "region":
        region = ici.rename({"territoire": "region"})
    else:
        region = pl.DataFrame(schema={"indicateur": pl.Utf8, "region": pl.Float64})
    registre = pl.DataFrame({
        "indicateur": list(indicateurs.REGISTRE),
        "theme": [i.theme for i in indicateurs.REGISTRE.values()],
        "libelle": [i.libelle for i in indicateurs.REGISTRE.values()],
        "unite": [i.unite for i in indicateurs.REGISTRE.values()],
    })
    df = registre.join(ici, on="indicateur", how="left").join(region, on="indicateur", how="left").join(
        france, on="indicateur", how="left", maintain_order="left")
    return df.with_columns(
        *[pl.Series(f"texte_{c}", textes_ligne_a_ligne(texte_valeur, df[c], df["unite"]), dtype=pl.Utf8)
          for c in ("territoire", "region", "france")]
    )


def _comparaison_commune(jeu: JeuDeDonnees, annee: int, code: str) -> tuple[pl.DataFrame, dict]:
    c = referentiel.communes().filter(pl.col("code_commune") == code)
    if c.height == 0:
        raise ValueError(f"Commune inconnue : {code}")
    dep = c["code_departement"][0]
    communes = acces.communes(jeu, annee, code_departement=dep)
    ligne = communes.filter(pl.col("code") == code).row(0, named=True)
    lignes = []
    for ind in acces.INDICATEURS_COMMUNE.values():
        v = ligne[ind.code]
        lignes.append({"indicateur": ind.code, "theme": "Commune", "libelle": ind.libelle, "unite": ind.unite,
                       "territoire": None if v is None else float(v), "region": None, "france": None,
                       "texte_territoire": texte_valeur(v, ind.unite), "texte_region": "", "texte_france": ""})
    return pl.DataFrame(lignes, schema={"indicateur": pl.Utf8, "theme": pl.Utf8, "libelle": pl.Utf8,
                                        "unite": pl.Utf8, "territoire": pl.Float64, "region": pl.Float64,
                                        "france": pl.Float64, "texte_territoire": pl.Utf8,
                                        "texte_region": pl.Utf8, "texte_france": pl.Utf8}), ligne


def detail(jeu: JeuDeDonnees, annee: int, maille: str, code: str, parametres: dict | None = None,
           date_reference: date | None = None) -> Detail:
    """Ce que la page montre à côté de la carte pour un territoire cliqué : ses indicateurs face à sa
    région et à la France, ses alertes, ses lieux d'accueil et agences."""
    constats = alertes_ecrites.constats(jeu, annee, parametres, date_reference)
    faits: list[str] = []
    if maille == "commune":
        comp, ligne = _comparaison_commune(jeu, annee, code)
        nom, code_region = ligne["nom"], ligne["code_region"]
        al = constats.filter((pl.col("niveau") == "commune") & (pl.col("code_objet") == code))
        s = acces.sites(jeu).filter(pl.col("code_commune") == code)
        a = acces.agences(jeu).filter(pl.col("code_commune") == code)
        noms_ml = ligne["noms_ml"]
        faits.append(f"Mission Locale : {', '.join(noms_ml)}" if noms_ml else "Sans Mission Locale")
    else:
        terr = alertes.territoires(jeu, maille).filter(pl.col("code") == code)
        if terr.height == 0:
            raise ValueError(f"Territoire inconnu à la maille {maille} : {code}")
        nom, code_region = terr["nom"][0], terr["code_region"][0]
        comp = _comparaison(jeu, annee, maille, code, code_region)
        al = alertes.constats_du_territoire(constats, maille, code)
        s, a = acces.sites(jeu), acces.agences(jeu)
        if maille == "ml":
            s = s.filter(pl.col("code_ml") == code)
            a = a.filter(pl.col("code_commune").is_in(
                acces.rattachements(jeu).filter(pl.col("code_ml") == code)["code_commune"].to_list()))
        elif maille == "departement":
            s, a = s.filter(pl.col("code_departement") == code), a.filter(pl.col("code_departement") == code)
        elif maille == "region":
            s, a = s.filter(pl.col("code_region") == code), a.filter(pl.col("code_region") == code)
    n_types = {t: s.filter(pl.col("type_site") == t).height for t in TYPES_SITE}
    faits.append(
        "Lieux d'accueil : " + ", ".join(f"{nombre(n)} {LIBELLES_TYPE_SITE[t].lower()}{'s' if n > 1 else ''}"
                                         for t, n in n_types.items())
        + f" ; agences France Travail : {nombre(a.height)}"
    )
    nb_alertes = al["alerte"].n_unique() if al.height else 0
    faits.append(f"Alertes déclenchées : {nombre(nb_alertes)} sur {len(alertes.ALERTES)}")
    sites = s.select(
        "type_site",
        pl.col("type_site").replace_strict(LIBELLES_TYPE_SITE, default=pl.col("type_site")).alias("libelle_type"),
        pl.coalesce("nom_ml", "code_ml").alias("nom_ml"), "nom_commune",
    ).sort("type_site", "nom_commune")
    agences = a.select("nom_agence", "nom_commune").sort("nom_agence")
    alertes_table = al.select("numero", "alerte", "libelle_alerte", "nom_objet", "constat").sort("numero", "nom_objet")
    return Detail(maille=maille, code=code, nom=nom, code_region=code_region, nom_region=_nom_region(code_region),
                  indicateurs=comp, alertes=alertes_table, sites=sites, agences=agences, faits=faits,
                  reference=mots_couverture.reference(couverture(jeu)))


def onglets_detail(d: Detail) -> list[str]:
    """Titres des onglets du détail : indicateurs, alertes et lieux d'accueil (avec leur nombre)."""
    return ["Indicateurs", f"Alertes ({nombre(d.alertes.height)})", f"Lieux d'accueil ({nombre(d.sites.height)})"]


def tableau_indicateurs_detail(d: Detail, en_tete: str | None = None) -> pl.DataFrame:
    """Indicateurs du territoire examiné face à sa région et à la France (textes ; à la zone couverte pour un
    jeu partiel, colonne nommée par ``d.reference``), l'indicateur ``en_tete`` (celui de la carte) en premier."""
    table = d.indicateurs
    if en_tete is not None and en_tete in table["indicateur"].to_list():
        table = pl.concat([table.filter(pl.col("indicateur") == en_tete),
                           table.filter(pl.col("indicateur") != en_tete)])
    return table.select(pl.col("libelle").alias("Indicateur"), pl.col("texte_territoire").alias("Territoire"),
                        pl.col("texte_region").alias("Région"), pl.col("texte_france").alias(d.reference))


def tableau_alertes_detail(d: Detail) -> pl.DataFrame:
    """Alertes déclenchées pour le territoire examiné : numéro, alerte, objet concerné, constat."""
    return d.alertes.select(pl.col("numero").alias("N°"), pl.col("libelle_alerte").alias("Alerte"),
                            pl.col("nom_objet").alias("Concerne"), pl.col("constat").alias("Constat"))


def tableau_sites_detail(d: Detail) -> pl.DataFrame:
    """Lieux d'accueil des ML du territoire examiné : type, commune, Mission Locale."""
    return d.sites.select(pl.col("libelle_type").alias("Type"), pl.col("nom_commune").alias("Commune"),
                          pl.col("nom_ml").alias("Mission Locale"))


def tableau_agences_detail(d: Detail) -> pl.DataFrame:
    """Agences France Travail du territoire examiné."""
    return d.agences.select(pl.col("nom_agence").alias("Agence France Travail"),
                            pl.col("nom_commune").alias("Commune"))


# --------------------------------------------------------------------------------------------
# Tableaux sous la carte
# --------------------------------------------------------------------------------------------


def libelle_valeurs(vue: VueCarte) -> str:
    """Titre du tableau des valeurs, avec le nombre de territoires."""
    return f"Valeurs par territoire ({nombre(vue.territoires.height)})"


def tableau_valeurs(vue: VueCarte) -> pl.DataFrame:
    """Valeurs de la carte telles qu'affichées : territoire, valeur en texte, rang."""
    return vue.territoires.select(pl.col("nom").alias("Territoire"), pl.col("texte_valeur").alias("Valeur"),
                                  pl.col("rang").alias("Rang"))


def export_valeurs(vue: VueCarte) -> pl.DataFrame:
    """Fichier des valeurs de la carte : code, territoire, valeur à pleine précision (colonne nommée par le
    titre de la carte), rang."""
    return vue.territoires.select(pl.col("code").alias("Code"), pl.col("nom").alias("Territoire"),
                                  pl.col("valeur").alias(vue.titre), pl.col("rang").alias("Rang"))


def note_constats(nb: int, affiches: int) -> str | None:
    """Note sous un tableau des constats coupé à ``affiches`` lignes (rien s'il n'est pas coupé)."""
    if nb <= affiches:
        return None
    return (f"{nombre(nb)} objets concernés : les {nombre(affiches)} premiers sont affichés (les plus de jeunes, ou "
            "les valeurs les plus fortes d'abord) ; les fichiers les contiennent tous.")


def territoires_zoom(jeu: JeuDeDonnees, code_region: str | None = None) -> pl.DataFrame:
    """Territoires qu'on peut examiner commune par commune : cle ("departement:62", "ml:ML06201"),
    libelle, code_region. Tous les départements du référentiel, puis les ML du jeu ; seulement ceux de la
    région ``code_region`` si elle est donnée."""
    # Le référentiel ne passe pas par les requêtes restreintes : ses départements sont filtrés ici (périmètre
    # de la session), et limités à ceux du jeu s'il est partiel.
    deps = perimetre.appliquer(jeu, referentiel.departements().sort("code_departement"))
    c = couverture(jeu)
    if c.partiel:
        deps = deps.filter(pl.col("code_departement").is_in(list(c.departements)))
    mls = alertes.territoires(jeu, "ml")
    zooms = pl.concat([
        deps.select(
            pl.concat_str(pl.lit("departement:"), "code_departement").alias("cle"),
            pl.concat_str(pl.lit("Département "), "code_departement", pl.lit(" — "), "nom_departement").alias("libelle"),
            "code_region",
        ),
        mls.select(
            pl.concat_str(pl.lit("ml:"), "code").alias("cle"),
            pl.concat_str(pl.lit("ML — "), "nom", pl.lit(" ("), "code", pl.lit(")")).alias("libelle"),
            "code_region",
        ),
    ])
    return zooms.filter(pl.col("code_region") == code_region) if code_region else zooms


@dataclass
class TableauAlertes:
    tableau: pl.DataFrame  # colonnes en français, prêtes à afficher et à télécharger
    aides: dict[str, str]  # colonne chiffrée -> règle


def tableau_alertes(jeu: JeuDeDonnees, annee: int, maille: str, parametres: dict | None = None,
                    code_region: str | None = None, date_reference: date | None = None) -> TableauAlertes:
    """Synthèse des alertes par territoire de la maille (``requetes.alertes.synthese``), colonnes en
    français, triée par nombre d'alertes décroissant."""
    synthese = alertes.synthese(jeu, maille, annee, parametres, date_reference)
    if code_region:
        synthese = synthese.filter(pl.col("code_region") == code_region)
    colonnes = alertes_ecrites.colonnes_synthese(parametres)
    table = synthese.sort(["nb_alertes", "code"], descending=[True, False]).select(
        pl.col("code").alias("Code"), pl.col("nom").alias("Territoire"),
        *[pl.col(c).alias(lib) for c, (lib, _) in colonnes.items()],
    )
    return TableauAlertes(table, {lib: aide for lib, aide in colonnes.values()})


def tableau_constats(jeu: JeuDeDonnees, annee: int, alerte: str, parametres: dict | None = None,
                     code_region: str | None = None, date_reference: date | None = None) -> pl.DataFrame:
    """Les communes ou ML concernées par une alerte, colonnes en français (téléchargeable)."""
    a = alertes.ALERTES[alerte]
    c = alertes_ecrites.constats(jeu, annee, parametres, date_reference, alertes=[alerte])
    if code_region:
        c = c.filter(pl.col("code_region") == code_region)
    deps = referentiel.departements().select("code_departement", "nom_departement")
    c = c.join(deps, on="code_departement", how="left")
    tri = ["jeunes", "code_objet"] if a.niveau == "commune" else ["valeur", "code_objet"]
    c = c.sort(tri, descending=[True, False], nulls_last=True)
    colonnes = [
        pl.col("code_objet").alias("Code"),
        pl.col("nom_objet").alias("Commune" if a.niveau == "commune" else "Mission Locale"),
        pl.col("nom_departement").alias("Département"),
    ]
    if a.niveau == "commune":
        colonnes += [pl.col("codes_ml").list.join(", ").alias("ML de rattachement"),
                     pl.col("jeunes").alias("Jeunes de 16 à 25 ans")]
    colonnes.append(pl.col("constat").alias("Constat"))
    return c.select(colonnes)
