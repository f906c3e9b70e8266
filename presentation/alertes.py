"""Les alertes de couverture en français : la règle de chaque alerte avec ses seuils, et la phrase de
chaque constat (« Rattachée à 2 Missions Locales : ML01, ML02 », « Objectif atteint à 72,0 % : … »).

Les constats, leurs nombres et leurs codes viennent de ``requetes.alertes`` (``constats`` : une ligne par
objet et par alerte, avec les mesures que la phrase cite) ; ce module les écrit, sans rien recalculer.

- ``texte_regle`` : la règle d'une alerte avec les seuils en vigueur (« … à plus de 20 km … ») ;
- ``constats`` : les constats du jeu, phrase comprise (colonnes ``COLONNES_CONSTATS``), écrits une fois
  par jeu, périmètre, alerte, année, seuils et date (les mêmes pour toutes les sessions d'un même
  périmètre : la carte ne réécrit pas toute la France à chaque exécution) ;
- ``ecrire`` : la même chose pour des constats déjà choisis (ceux d'un territoire, par exemple) ;
- ``colonnes_synthese`` : libellés et aides des colonnes de ``requetes.alertes.synthese``.

Des dizaines de milliers de communes peuvent être concernées : les phrases des alertes au grain commune
sont écrites par des expressions Polars (sans fonction Python), les autres ligne à ligne après être
sorties de Polars (``presentation.format.textes``), avec ``nombre_rapide`` quand il faut aller vite.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from donnees.contrat import LIBELLES_STATUT
from presentation.format import ESPACE, nombre, pourcentage, textes
from requetes import alertes as R
from requetes import perimetre
from requetes.jeu import JeuDeDonnees

COLONNES_CONSTATS = (*R.COLONNES_COMMUNES, "constat")
SCHEMA_CONSTATS = {**R.SCHEMA_COMMUN, "constat": pl.Utf8}


# --------------------------------------------------------------------------------------------
# Nombres et règles
# --------------------------------------------------------------------------------------------


def nombre_rapide(valeur: float, decimales: int = 1) -> str:
    """Même texte que ``presentation.format.nombre`` (arrondi des demis vers le haut, espace fine en
    séparateur de milliers, virgule décimale), sans Babel : pour des dizaines de milliers de lignes."""
    d = Decimal(repr(float(valeur))).quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)
    return f"{d:,}".replace(",", "\u202f").replace(".", ",")


def _valeur_parametre(valeur: float, p: R.Parametre) -> str:
    decimales = 0 if float(valeur).is_integer() else 1
    texte = nombre(valeur, decimales)
    return f"{texte}{ESPACE}{p.unite}" if p.unite else texte


def texte_regle(alerte: str | R.Alerte, valeurs: dict[str, float] | None = None) -> str:
    """La règle d'une alerte (code ou ``requetes.alertes.Alerte``) avec les seuils en vigueur, en
    français (« … à plus de 20 km … ») ; ``valeurs`` : ses seuils, complétés par les valeurs par défaut."""
    a = R.ALERTES[alerte] if isinstance(alerte, str) else alerte
    v = {**a.defauts(), **(valeurs or {})}
    return a.regle.format(**{p.code: _valeur_parametre(v[p.code], p) for p in a.parametres})


def _date_fr(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _pct(v) -> str:
    return pourcentage(v, 1)


def _seuil(p: float, unite: str) -> str:
    return f"{nombre(p, 0 if float(p).is_integer() else 1)}{ESPACE}{unite}"


# --------------------------------------------------------------------------------------------
# La phrase de chaque constat, alerte par alerte : (constats d'une alerte, année, seuils, date) -> textes
# --------------------------------------------------------------------------------------------


def _texte_1(df: pl.DataFrame, annee, p, date_ref) -> pl.Series:
    codes = pl.col("codes_ml")
    return df.select(
        pl.when(pl.col("cas") == "non_couverte").then(pl.lit("Rattachée à aucune Mission Locale"))
        .otherwise(pl.lit("Rattachée à ") + codes.list.len().cast(pl.Utf8) + pl.lit(" Missions Locales : ")
                   + codes.list.join(", "))
    ).to_series()


def _texte_2(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
    au = _date_fr(date_ref)

    def ecrire(cas, statuts):
        if cas == "aucun_accord":
            return "Aucun accord local connu"
        libelles = ", ".join(LIBELLES_STATUT.get(s, s).lower() for s in statuts)
        return f"Aucun accord signé en vigueur au {au} (accords : {libelles})"

    return textes(ecrire, df["cas"], df["statuts"])


_ELEMENTS_ACCORD = (
    ("manque_diagnostic", "diagnostic territorial partagé"),
    ("manque_criteres", "critères d'orientation"),
    ("manque_plan", "plan d'actions"),
)


def _texte_3(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
    def ecrire(accords, *manques):
        absents = [lib for (_col, lib), manque in zip(_ELEMENTS_ACCORD, manques) if manque]
        return f"Sans {', '.join(absents)} (accord en vigueur : {', '.join(accords)})"

    return textes(ecrire, df["accords"], *[df[col] for col, _ in _ELEMENTS_ACCORD])


def _texte_4(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
    seuil = _seuil(p["seuil_etp"], "ETP")

    def ecrire(cas, etp, comp):
        if cas == "sans_allocation":
            return f"Aucune allocation déclarée pour {annee}"
        texte = f"{nombre(etp, 1)}{ESPACE}ETP affecté (seuil {seuil})"
        if comp:
            texte += f", {nombre(comp, 1)}{ESPACE}ETP compensé par subvention"
        return texte

    return textes(ecrire, df["cas"], df["valeur"], df["etp_compenses"])


def _texte_km(df: pl.DataFrame, col: str) -> pl.Series:
    """Distances en texte français (« 22,1 km »), vectorisé : des dizaines de milliers de communes.
    Au-delà de 1 000 km (rare), on repasse par ``nombre_rapide`` pour le séparateur de milliers."""
    v = df[col]
    arrondi = v.round(1, mode="half_away_from_zero")
    texte = arrondi.cast(pl.Utf8).str.replace(".", ",", literal=True) + (ESPACE + "km")
    grands = (arrondi.abs() >= 1000) & v.is_finite()
    if grands.any():
        idx = grands.arg_true().to_list()
        valeurs = v.gather(idx).to_list()
        texte = texte.scatter(idx, [f"{nombre_rapide(x, 1)}{ESPACE}km" for x in valeurs])
    return pl.Series(col, [None] * len(v), dtype=pl.Utf8) if len(v) == 0 else (
        pl.select(pl.when(v.is_infinite()).then(pl.lit("aucun dans le jeu")).otherwise(texte)).to_series()
    )


def _texte_5(df: pl.DataFrame, annee, p, date_ref) -> pl.Series:
    debut = f"Au-delà de {_seuil(p['distance_km'], 'km')} — "
    cas = pl.col("cas")
    partie_site = pl.lit("lieu d'accueil ML le plus proche : ") + pl.col("_km_site")
    partie_agence = pl.lit("agence France Travail la plus proche : ") + pl.col("_km_agence")
    return df.select(
        _texte_km(df, "distance_site_km").alias("_km_site"),
        _texte_km(df, "distance_agence_km").alias("_km_agence"),
        "cas",
    ).select(
        pl.lit(debut) + pl.when(cas == "site_et_agence").then(partie_site + pl.lit(" ; ") + partie_agence)
        .when(cas == "site").then(partie_site).otherwise(partie_agence)
    ).to_series()


def _texte_6(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
    def ecrire(v, n, d, m, cas):
        return (f"{nombre(v, 1)} entrées pour 1 000 jeunes demandeurs d'emploi ({nombre(n, 0)} entrées, "
                f"{nombre(d, 0)} demandeurs) ; médiane nationale {nombre(m, 1)} — "
                + ("sous-orientation" if cas == "sous_orientation" else "excès d'orientation"))

    return textes(ecrire, df["valeur"], df["numerateur"], df["denominateur"], df["reference"], df["cas"])


def _texte_seuil_pct(modele: str):
    """Alerte par ML à un seul seuil en % (``seuil_pct``) : ``modele`` est le texte du constat, avec
    ``{valeur}`` (en %), ``{numerateur}``, ``{denominateur}`` et ``{seuil}`` déjà mis en forme."""

    def texte(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
        seuil = _seuil(p["seuil_pct"], "%")
        return textes(
            lambda v, n, d: modele.format(valeur=_pct(v), numerateur=nombre(n, 0), denominateur=nombre(d, 0),
                                          seuil=seuil),
            df["valeur"], df["numerateur"], df["denominateur"])

    return texte


def _texte_8(df: pl.DataFrame, annee, p, date_ref) -> list[str]:
    sa, se = p["seuil_acceptation_pct"], p["seuil_entree_pct"]

    def ecrire(taux_acceptation, taux_entree, orientes, acceptes, entres):
        morceaux = []
        if taux_acceptation is not None and taux_acceptation < sa:
            morceaux.append(f"taux d'acceptation {_pct(taux_acceptation)} "
                            f"({nombre(acceptes, 0)} acceptés sur {nombre(orientes, 0)} "
                            f"orientés ; seuil {_seuil(sa, '%')})")
        if taux_entree is not None and taux_entree < se:
            morceaux.append(f"taux d'entrée {_pct(taux_entree)} "
                            f"({nombre(entres, 0)} entrés sur {nombre(acceptes, 0)} "
                            f"acceptés ; seuil {_seuil(se, '%')})")
        texte = " ; ".join(morceaux)
        return texte[:1].upper() + texte[1:]

    return textes(ecrire, df["taux_acceptation"], df["taux_entree"], df["orientes"], df["acceptes"], df["entres"])


_TEXTES = {
    "communes_sans_ml": _texte_1,
    "ml_sans_accord": _texte_2,
    "accord_incomplet": _texte_3,
    "ml_sans_agent": _texte_4,
    "acces_eloigne": _texte_5,
    "orientation_delegation": _texte_6,
    "criteres_orientation": _texte_seuil_pct(
        "{valeur} des jeunes orientés ({numerateur} sur {denominateur}) pour difficultés sociales "
        "ou éloignement de l'emploi (seuil {seuil})"),
    "double_perte": _texte_8,
    "objectif_delegation": _texte_seuil_pct(
        "Objectif atteint à {valeur} : {numerateur} entrées pour un objectif de {denominateur} "
        "(seuil {seuil})"),
}
assert tuple(_TEXTES) == tuple(R.ALERTES)


# --------------------------------------------------------------------------------------------
# Constats écrits
# --------------------------------------------------------------------------------------------


def ecrire(constats_: pl.DataFrame, annee: int, parametres: dict[str, dict[str, float]] | None = None,
           date_reference: date | None = None) -> pl.DataFrame:
    """Les constats de ``requetes.alertes.constats`` (toutes alertes mêlées, dans leur ordre) avec leur
    phrase : colonnes ``COLONNES_CONSTATS`` (les colonnes communes, puis ``constat``). ``annee``,
    ``parametres`` et ``date_reference`` : ceux du calcul des constats (la phrase cite les seuils)."""
    p = R.parametres_complets(parametres)
    date_ref = date_reference or R.date_reference_par_defaut(annee)
    constat = pl.Series("constat", [None] * constats_.height, dtype=pl.Utf8)
    for code in constats_["alerte"].unique(maintain_order=True).to_list():
        masque = constats_["alerte"] == code
        ecrits = pl.Series("constat", _TEXTES[code](constats_.filter(masque), int(annee), p[code], date_ref),
                           dtype=pl.Utf8)
        constat = ecrits if ecrits.len() == constats_.height else constat.scatter(masque.arg_true(), ecrits)
    return constats_.select(R.COLONNES_COMMUNES).with_columns(constat)


def constats(jeu: JeuDeDonnees, annee: int, parametres: dict[str, dict[str, float]] | None = None,
             date_reference: date | None = None, alertes: list[str] | None = None) -> pl.DataFrame:
    """``requetes.alertes.constats`` avec la phrase de chaque constat (colonnes ``COLONNES_CONSTATS``,
    ``constat`` en dernier) : une ligne par objet (commune ou ML) et par alerte.

    Les phrases ne dépendent que du jeu, du périmètre de la session (les constats de ``requetes`` en sont
    déjà filtrés), de l'alerte, de l'année, des seuils et de la date : chacune est écrite une fois
    (``requetes.perimetre.cache`` : cache du jeu dont la clé comprend le périmètre) puis relue, par
    toutes les sessions du même périmètre."""
    p = R.parametres_complets(parametres)
    date_ref = date_reference or R.date_reference_par_defaut(annee)
    codes = list(R.ALERTES) if alertes is None else list(alertes)
    deja = perimetre.cache(jeu, "constats_ecrits", 512)
    morceaux = []
    for code in codes:
        if code not in R.ALERTES:
            raise KeyError(f"Alerte inconnue : {code}")
        cle = (code, int(annee), tuple(sorted(p[code].items())), date_ref)
        morceaux.append(deja.lire(cle, lambda code=code: ecrire(
            R.constats(jeu, int(annee), p, date_ref, alertes=[code]), int(annee), p, date_ref)))
    if not morceaux:
        return pl.DataFrame(schema=SCHEMA_CONSTATS)
    return pl.concat(morceaux, how="vertical")


# --------------------------------------------------------------------------------------------
# Colonnes de la synthèse par territoire
# --------------------------------------------------------------------------------------------

COURTS = {
    "communes_sans_ml": ("Communes sans ML ou en double", "Jeunes des communes concernées"),
    "ml_sans_accord": ("ML sans accord en vigueur", None),
    "accord_incomplet": ("ML à l'accord incomplet", None),
    "ml_sans_agent": ("ML sans agent affecté", None),
    "acces_eloigne": ("Communes éloignées", "Jeunes éloignés"),
    "orientation_delegation": ("ML sous- ou sur-orientées", None),
    "criteres_orientation": ("ML aux critères déséquilibrés", None),
    "double_perte": ("ML en « double perte »", None),
    "objectif_delegation": ("ML sous l'objectif", None),
}
assert set(COURTS) == set(R.ALERTES)


def colonnes_synthese(parametres: dict[str, dict[str, float]] | None = None) -> dict[str, tuple[str, str]]:
    """Colonnes de ``requetes.alertes.synthese`` -> (libellé français, aide : la règle avec ses seuils)."""
    p = R.parametres_complets(parametres)
    colonnes = {"nb_alertes": ("Alertes déclenchées", f"Nombre d'alertes différentes (sur {len(R.ALERTES)}) "
                                                      "déclenchées dans le territoire.")}
    for a in R.ALERTES.values():
        court, jeunes = COURTS[a.code]
        regle = texte_regle(a, p[a.code])
        colonnes[f"nb_{a.code}"] = (f"{a.numero}. {court}", regle)
        if jeunes:
            colonnes[f"jeunes_{a.code}"] = (f"{a.numero}. {jeunes}", f"Jeunes de 16 à 25 ans des communes "
                                                                      f"concernées. {regle}")
    return colonnes
