"""Jeu d'exports de démonstration : les dix fichiers du contrat, complets, valides et déterministes.

Usage ::

    python -m donnees.demo DOSSIER [--graine N] [--echelle K] [--region CODE | --departement CODE]

``generer(dossier, graine=2015, echelle=1, progression=None)`` écrit les dix fichiers Parquet du
contrat (donnees/contrat.py) dans ``dossier`` et rend ce dossier. Même graine, mêmes fichiers (octet
pour octet) ; tout l'aléa passe par ``numpy.random.Generator``, un flux par étape.

Le jeu est fictif mais posé sur la **vraie géographie** (référentiel embarqué, donnees/referentiel.py) :

- **Missions Locales** (environ 440) : chaque territoire est une réunion d'EPCI entiers pris dans un seul
  département (un EPCI à cheval sur deux départements est coupé par département ; les communes sans EPCI
  — quelques îles — rejoignent l'ML de la commune la plus proche du même département). Les EPCI voisins
  d'un département sont regroupés par bissections géographiques successives (un groupe trop petit
  rejoint son voisin) pour qu'une ML couvre en moyenne environ 17 400 jeunes de 16 à 25 ans.
  **Exception assumée** : un EPCI très peuplé (plus de quatre fois la taille visée, soit environ
  400 000 habitants : Métropole du Grand Paris dans chaque département, métropoles de Lyon,
  Aix-Marseille, Lille, Toulouse, Bordeaux, Nantes…) est découpé en groupes de communes : chaque grande
  ville y forme sa propre ML (Paris, Marseille, Lyon, Toulouse…), le reste est partagé en ML d'environ
  1,6 fois la taille visée. La Guyane et Mayotte ont chacune une ML unique.
  Chaque ML porte le nom de sa commune la plus peuplée (« Mission Locale d'Arras », « du Havre ») qui est
  aussi son siège. Code : ``"ML"`` + code du département sur trois caractères (``"075"``, ``"02A"``,
  ``"971"``) + numéro d'ordre sur deux chiffres dans le département, ex. ``ML07501``, ``ML02A01``,
  ``ML97402``. Une poignée de petites communes (6 à 12) ne sont rattachées à aucune ML : les trous de
  couverture existent donc dans le jeu.
- **Lieux d'accueil** (environ 6 500 : un siège, ~1 150 antennes, ~5 000 permanences) sur des communes
  du territoire de chaque ML, les plus peuplées étant les plus probables ; coordonnées = point de la
  commune (légèrement décalé quand plusieurs lieux partagent une commune), absentes pour quelques-uns.
- **Agences France Travail** (environ 900) : une à quatre par ML selon sa population (environ une pour
  75 000 habitants), dans ses communes les plus peuplées, le siège d'abord ; les ML d'une seule très
  grande ville en ont une pour 90 000 habitants (Paris 24, réparties par arrondissement, Marseille 10,
  Lyon 6…). Chaque ML signe ses accords avec les agences de son territoire ; ses orientations viennent
  aussi, pour une petite part, de deux à quatre agences voisines hors territoire et d'agences inconnues
  (``code_agence`` nul).
- **Accords locaux** : vague de 2015 (signatures de février à décembre 2015), quelques signatures
  tardives en 2016-2017, renouvellements en 2019 et 2023 ; fin 2025 environ 78 % des ML ont un accord
  signé en vigueur, les autres un accord échu, dénoncé, en négociation, ou ne se sont jamais engagées.
  Les accords renouvelés gardent le statut ``signe`` avec leur ``date_fin`` passée ; ``echu`` et
  ``denonce`` marquent le dernier accord d'une ML qui n'a pas été renouvelé. Le contenu des accords
  varie par région et s'étoffe au fil des générations ; ``modalite_moyens`` découle des allocations des
  années couvertes.
- **Moyens** : chaque année, Σ ETP affectés + Σ ETP compensés = 325 exactement (calcul en dixièmes
  d'ETP), Σ des parts des ML = 49 100 000 € à l'euro près (crédits ajustés par la méthode des plus forts
  restes) ; valorisation = ETP affectés × 45 000 €, subvention = ETP compensés × 45 000 € — sauf pour
  quelques ML porteuses d'une anomalie de valorisation volontaire. Les agents affectés reculent
  d'environ 300 ETP en 2015 à environ 200 en 2025, inégalement selon les régions. L'écart réel entre
  14 625 000 € (325 × 45 000) et les 14,5 M€ de l'accord est conservé.
- **Flux** : environ 150 000 entrées en délégation par an, saisonnalité (pic septembre-octobre, creux
  d'août, confinement de 2020), pertes de l'entonnoir orientés → acceptés → entrés, mélanges de motifs
  propres à chaque territoire (dont ~5 % de territoires orientant presque seulement sur les difficultés
  sociales et l'éloignement de l'emploi).
- **Activité** : ~1,1 million de jeunes accompagnés (stock mensuel moyen national), ~480 000 premiers
  accueils par an, sorties : un tiers en emploi (84 % durable), 10 % en formation, un peu plus de la
  moitié sans solution connue.
- **Contexte** : chaque commune du référentiel, 2015 à 2025 (population 16-25 ans tirée de la population
  municipale, NEET, demandeurs d'emploi de moins de 26 ans, établissements employeurs, places de
  formation).

``echelle`` K > 1 multiplie les lignes d'``orientations`` par K sans changer les totaux : chaque ligne
est répartie (tirage multinomial, la moitié attendue pour l'agence d'origine) entre son agence et K − 1
autres agences réelles, les plus proches du siège de la ML, distinctes pour une même ML ; les lignes à
zéro sont gardées pour que le volume soit bien K fois plus grand (environ 1,2 million de lignes à
l'échelle 1, 21 millions à l'échelle 17). Le fichier est écrit année par année (mémoire bornée :
environ 650 Mo de pic à l'échelle 16). Si une ML n'a pas assez d'agences distinctes disponibles
(échelles de plusieurs dizaines), ses lignes sont moins démultipliées.
"""

from __future__ import annotations

import argparse
import heapq
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from donnees.contrat import (
    CONTENUS_ACCORD,
    MOTIFS,
    TABLES,
    TYPES_POLARS,
)

# --------------------------------------------------------------------------------------------
# Paramètres nationaux (notice UNML, accord du 10 février 2015 ; voir docs/domaine)
# --------------------------------------------------------------------------------------------

ANNEES = tuple(range(2015, 2026))
ENVELOPPE_TOTALE_EUR = 49_100_000
VALORISATION_NATIONALE_EUR = 14_500_000
ETP_NATIONAUX = 325
DIXIEMES_NATIONAUX = ETP_NATIONAUX * 10
FORFAIT_ETP_EUR = 45_000
OBJECTIF_JEUNES_DELEGATION = 150_000

NB_ML_CIBLE = 440  # 436 à 445 ML selon les années (Sénat, UNML)
FACTEUR_GRAND_EPCI = 4.0  # un EPCI de plus de 4 fois la taille moyenne d'une ML est découpé
FACTEUR_GRANDE_VILLE = 1.2  # dans un EPCI découpé, une commune de plus de 1,2 fois la taille forme sa ML
FACTEUR_ML_METROPOLE = 1.6  # taille visée des ML taillées dans un EPCI découpé

# Départements couverts par une seule ML quelle que soit leur taille (Mission Locale de Guyane,
# Mission Locale de Mayotte)
DEPARTEMENTS_ML_UNIQUE = frozenset({"973", "976"})

NB_ANTENNES = (1120, 1180)
NB_PERMANENCES = (4900, 5050)
NB_AGENCES = (885, 915)
NB_COMMUNES_NON_COUVERTES = (6, 12)

# Population de Mayotte (recensement Insee 2017) : la source ne donne pas de population municipale
# pour ses communes ; elle est répartie au prorata de la superficie.
POPULATION_DEFAUT_DEPARTEMENT = {"976": 256_518}


# Part des 16-25 ans : villes universitaires (codes Insee) et bonus de part (points de population)
VILLES_UNIVERSITAIRES = {
    # très étudiantes
    **dict.fromkeys(
        ["35238", "86194", "34172", "33522", "38421", "59009", "91471", "91272", "93079", "2B096",
         "38185", "14118", "25056", "54395", "21231", "31555", "59350", "33063", "67482", "37261",
         "49007", "63113", "69123"], 0.10),
    # universitaires
    **dict.fromkeys(
        ["44109", "13001", "80021", "51454", "64445", "17300", "76540", "57463", "33318",
         "69266", "29019", "87085", "45234", "66136", "84007", "42218", "92050", "95127", "91477",
         "94028", "72181", "73065", "59606", "56121", "56260", "91228", "78297", "97411",
         "68224", "30189", "76351", "10387", "74010", "60159", "22113", "62041", "86066",
         "06029", "34032"], 0.05),
    # grandes villes où les étudiants pèsent moins dans la population
    **dict.fromkeys(["75056", "13055", "06088", "83137"], 0.015),
}

# Part de NEET par département, relative à la moyenne métropolitaine (ordres de grandeur publics :
# nord et est industriels, pourtour méditerranéen, Seine-Saint-Denis au-dessus ; ouest en dessous).
NEET_RELATIF_DEPARTEMENT = {
    "02": 1.35, "08": 1.30, "59": 1.22, "62": 1.28, "80": 1.18, "11": 1.30, "66": 1.35, "30": 1.25,
    "34": 1.12, "84": 1.20, "13": 1.15, "93": 1.38, "2B": 1.12, "2A": 1.08, "10": 1.15, "36": 1.10,
    "58": 1.12, "03": 1.10, "76": 1.08, "60": 1.10, "47": 1.10, "52": 1.15, "55": 1.12, "57": 1.05,
    "88": 1.06, "95": 1.12, "27": 1.06, "18": 1.10, "23": 1.06, "82": 1.06, "06": 1.04, "83": 1.06,
    "35": 0.72, "29": 0.80, "22": 0.86, "56": 0.82, "44": 0.80, "49": 0.85, "53": 0.80, "85": 0.78,
    "74": 0.76, "73": 0.82, "78": 0.82, "92": 0.80, "75": 0.86, "69": 0.92, "31": 0.92, "67": 0.92,
    "01": 0.86, "38": 0.90, "63": 0.92, "64": 0.90, "12": 0.84, "15": 0.80, "48": 0.84, "39": 0.86,
    "25": 0.92, "79": 0.86, "14": 0.92, "50": 0.90, "21": 0.90, "68": 0.96, "17": 1.00, "37": 0.95,
}
# Part de NEET des 16-25 ans dans les DROM (absolue)
NEET_DROM = {"971": 0.26, "972": 0.25, "973": 0.30, "974": 0.26, "976": 0.32}
PART_JEUNES_DROM = {"971": 0.118, "972": 0.108, "973": 0.165, "974": 0.135, "976": 0.18}

# Saisonnalités mensuelles (janvier → décembre)
SAISON_ORIENTATIONS = np.array([1.02, 0.97, 1.05, 0.96, 0.90, 0.94, 0.80, 0.50, 1.32, 1.30, 1.16, 0.88])
SAISON_ACCUEILS = np.array([1.05, 0.95, 1.00, 0.90, 0.85, 0.85, 0.80, 0.55, 1.35, 1.35, 1.15, 0.80])
SAISON_SORTIES = np.array([1.05, 0.90, 0.95, 0.90, 0.95, 1.20, 1.25, 0.70, 1.05, 1.00, 0.95, 1.10])
SAISON_STOCK = np.array([1.00, 0.99, 0.99, 0.98, 0.98, 0.97, 0.96, 0.95, 0.99, 1.03, 1.05, 1.04])
# Confinement de 2020 (mars à mai) et second confinement (novembre)
EFFET_2020 = np.array([1.0, 1.0, 0.75, 0.45, 0.65, 0.9, 1.0, 1.0, 1.0, 1.0, 0.85, 1.0])

# Tendances annuelles nationales (moyenne 1)
TENDANCE_ORIENTATIONS = dict(zip(ANNEES, [0.95, 1.00, 1.03, 0.99, 1.01, 1.05, 1.08, 1.05, 1.00, 0.97, 0.95]))
TENDANCE_ACCUEILS = dict(zip(ANNEES, [0.99, 1.00, 1.00, 0.98, 0.97, 0.97, 1.08, 1.05, 1.00, 0.98, 0.97]))
TENDANCE_STOCK = dict(zip(ANNEES, [1.00, 1.00, 0.98, 0.97, 0.98, 0.95, 1.05, 1.07, 1.03, 1.00, 0.99]))
TENDANCE_NEET = dict(zip(ANNEES, [1.06, 1.04, 1.02, 1.00, 0.98, 1.08, 1.02, 0.95, 0.96, 0.97, 0.98]))
TENDANCE_DEFM = dict(zip(ANNEES, [0.086, 0.083, 0.080, 0.077, 0.073, 0.078, 0.072, 0.066, 0.066, 0.068, 0.075]))
TENDANCE_FORMATION = dict(zip(ANNEES, [1.0, 1.0, 1.01, 1.02, 1.05, 1.15, 1.30, 1.40, 1.45, 1.45, 1.42]))

STOCK_NATIONAL = 1_100_000
ACCUEILS_NATIONAUX = 480_000
PART_SORTIES = {"emploi": 0.34, "formation": 0.105}  # le reste : sans solution connue
PART_EMPLOI_DURABLE = 0.84
ORIENTATIONS_ML_VERS_FT = 0.65  # volume ml_vers_ft rapporté aux entrées ft_vers_ml

MOTIFS_FT_VERS_ML = np.array([0.29, 0.19, 0.24, 0.15, 0.04, 0.09])  # ordre de contrat.MOTIFS
MOTIFS_ML_VERS_FT = np.array([0.05, 0.04, 0.10, 0.13, 0.61, 0.07])
MOTIFS_SOCIAUX = np.array([0.44, 0.36, 0.08, 0.06, 0.01, 0.05])
ACCEPTATION_MOTIF = np.array([0.98, 0.95, 1.00, 1.03, 1.00, 0.97])
ENTREE_MOTIF = np.array([0.97, 0.95, 1.00, 1.04, 1.00, 0.98])

ETAPES = (
    (0.00, "Communes et territoires des Missions Locales…"),
    (0.12, "Lieux d'accueil et agences France Travail…"),
    (0.20, "Projets locaux de coopération (accords) et moyens alloués…"),
    (0.28, "Orientations mensuelles entre les deux réseaux…"),
    (0.70, "Activité mensuelle des Missions Locales…"),
    (0.78, "Données de contexte du diagnostic territorial…"),
    (1.00, "Jeu de démonstration écrit."),
)

DATE_FIN_2015 = date(2018, 12, 31)  # accord 2015-2017 prolongé par avenant en 2018
DATE_FIN_2019 = date(2022, 12, 31)
DATE_FIN_2023 = date(2026, 12, 31)


# --------------------------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------------------------

def _referentiel() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Communes et départements du référentiel embarqué."""
    from donnees import referentiel

    return referentiel.communes(), referentiel.departements()


def schema(table: str) -> dict[str, pl.DataType]:
    """Types Polars des colonnes d'une table du contrat, dans l'ordre du contrat."""
    return {c.nom: TYPES_POLARS[c.type] for c in TABLES[table].colonnes}


def _cadre(table: str, colonnes: dict) -> pl.DataFrame:
    sch = schema(table)
    return pl.DataFrame({nom: colonnes[nom] for nom in sch}, schema=sch)


def plus_forts_restes(total: int, poids: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Répartit l'entier ``total`` proportionnellement à ``poids`` (méthode des plus forts restes)."""
    poids = np.asarray(poids, dtype=float)
    n = len(poids)
    reste = total - minimum * n
    if reste < 0:
        raise ValueError("total inférieur au minimum demandé")
    if poids.sum() <= 0:
        poids = np.ones(n)
    quotas = poids / poids.sum() * reste
    entiers = np.floor(quotas).astype(np.int64)
    manque = int(reste - entiers.sum())
    ordre = np.argsort(-(quotas - entiers), kind="stable")
    entiers[ordre[:manque]] += 1
    return entiers + minimum


def _de(nom: str) -> str:
    """« de » + nom avec élision et contraction : d'Arras, du Havre, des Abymes, de La Rochelle."""
    if nom.startswith("Le "):
        return "du " + nom[3:]
    if nom.startswith("Les "):
        return "des " + nom[4:]
    initiale = nom[:1].upper()
    premier_mot = nom.replace(" ", "-").split("-")[0]
    if initiale in "AEIOUYÂÀÉÈÊËÎÏÔŒÛÙÜ" and not nom.startswith(("La ", "L'", "L’")):
        return "d'" + nom
    if initiale == "H" and premier_mot not in H_ASPIRE:
        return "d'" + nom
    return "de " + nom


# Communes en H aspiré (Insee, TNCC 0) qui peuvent donner leur nom à une ML
H_ASPIRE = frozenset(
    "Honfleur Hauts Haute Ham Hambach Hombourg Hem Hoymille Haguenau Herrlisheim Hilsenheim Hochfelden "
    "Hœnheim Hœrdt Holtzheim Huttenheim Habsheim Hégenheim Hésingue Horbourg Huningue Houppeville "
    "Houdan Hazebrouck".split()
)

ARTICLES_TNCC = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}


def _noms_complets(communes: pl.DataFrame) -> list[str]:
    """Nom usuel avec article ; si le référentiel donne le type de nom Insee (TNCC), l'utiliser."""
    noms = communes["nom_commune"].to_list()
    for col in ("tncc", "type_nom"):
        if col in communes.columns:
            sortie = []
            for nom, t in zip(noms, communes[col].cast(pl.Utf8).to_list()):
                art = ARTICLES_TNCC.get(t or "", "")
                sortie.append(nom if not art or nom.startswith(art) else art + nom)
            return sortie
    return noms


def _distance_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _mois(annee: int, m: int) -> date:
    return date(annee, m, 1)


# --------------------------------------------------------------------------------------------
# Étape 1 : communes, part des jeunes, territoires des ML
# --------------------------------------------------------------------------------------------

class _Communes:
    """Tableaux numpy alignés sur les communes du référentiel (triées par code)."""

    def __init__(self, communes: pl.DataFrame, departements: pl.DataFrame, rng: np.random.Generator):
        communes = communes.sort("code_commune")
        self.n = communes.height
        self.code = np.array(communes["code_commune"].to_list(), dtype=object)
        self.nom = np.array(_noms_complets(communes), dtype=object)
        self.dep = np.array(communes["code_departement"].to_list(), dtype=object)
        self.region = np.array(communes["code_region"].to_list(), dtype=object)
        self.epci = np.array(communes["code_epci"].to_list(), dtype=object)
        self.nom_dep = dict(zip(departements["code_departement"].to_list(),
                                departements["nom_departement"].to_list()))

        superficie = communes["superficie_km2"].cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()
        superficie = np.where(np.isfinite(superficie) & (superficie > 0), superficie, np.nan)
        self.superficie = np.where(np.isnan(superficie), np.nanmedian(superficie), superficie)

        pop = communes["population"].cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()
        for d, total in POPULATION_DEFAUT_DEPARTEMENT.items():
            m = (self.dep == d) & np.isnan(pop)
            if m.any() and np.isnan(pop[self.dep == d]).all():
                pop[m] = np.round(total * self.superficie[m] / self.superficie[m].sum())
        for d in np.unique(self.dep[np.isnan(pop)]):
            m = self.dep == d
            med = np.nanmedian(pop[m]) if np.isfinite(pop[m]).any() else 500.0
            pop[m & np.isnan(pop)] = med
        self.pop = pop

        lat = communes["latitude"].cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()
        lon = communes["longitude"].cast(pl.Float64).fill_null(float("nan")).to_numpy().copy()
        self.a_point = np.isfinite(lat) & np.isfinite(lon)
        self.lat_publiee = np.where(self.a_point, lat, np.nan)
        self.lon_publiee = np.where(self.a_point, lon, np.nan)
        # point de calcul : moyenne de l'EPCI, sinon du département, pour les communes sans point
        lat_c, lon_c = lat.copy(), lon.copy()
        for i in np.flatnonzero(~self.a_point):
            m = self.a_point & ((self.epci == self.epci[i]) if self.epci[i] else (self.dep == self.dep[i]))
            if not m.any():
                m = self.a_point & (self.dep == self.dep[i])
            lat_c[i], lon_c[i] = lat[m].mean(), lon[m].mean()
        self.lat, self.lon = lat_c, lon_c
        self.x = lon_c * 111.32 * np.cos(np.radians(lat_c))
        self.y = lat_c * 110.57

        self.part_jeunes = self._part_jeunes(rng)
        self.jeunes = self.pop * self.part_jeunes

    def _part_jeunes(self, rng: np.random.Generator) -> np.ndarray:
        pop = self.pop
        base = np.select(
            [pop < 1000, pop < 5000, pop < 20000, pop < 100000],
            [0.089, 0.096, 0.102, 0.110],
            0.116,
        )
        bonus = np.array([VILLES_UNIVERSITAIRES.get(c, 0.0) for c in self.code])
        drom = np.array([PART_JEUNES_DROM.get(d, np.nan) for d in self.dep])
        base = np.where(np.isnan(drom), base, drom)
        bruit = rng.normal(0.0, 0.05 + 0.25 / np.sqrt(1.0 + pop / 150.0))
        return np.clip(base * np.exp(bruit) + bonus, 0.04, 0.34)


class _Territoires:
    """Découpage des communes en Missions Locales."""

    def __init__(self, com: _Communes, rng: np.random.Generator):
        self.com = com
        # unité = EPCI ∩ département ; une commune sans EPCI prend l'unité de la plus proche
        cle = np.array([f"{e}|{d}" if e else "" for e, d in zip(com.epci, com.dep)], dtype=object)
        for i in np.flatnonzero(cle == ""):
            m = (com.dep == com.dep[i]) & (cle != "")
            if m.any():
                j = np.flatnonzero(m)[np.argmin(_distance_km(com.lat[i], com.lon[i], com.lat[m], com.lon[m]))]
                cle[i] = cle[j]
            else:
                cle[i] = f"sans-epci|{com.dep[i]}"
        self.cles_unites, self.unite = np.unique(cle.astype(str), return_inverse=True)
        nu = len(self.cles_unites)
        self.jeunes_unite = np.bincount(self.unite, weights=com.jeunes, minlength=nu)
        self.dep_unite = np.empty(nu, dtype=object)
        self.dep_unite[self.unite] = com.dep
        poids = com.jeunes + 1e-6
        w = np.bincount(self.unite, weights=poids, minlength=nu)
        self.x_unite = np.bincount(self.unite, weights=poids * com.x, minlength=nu) / w
        self.y_unite = np.bincount(self.unite, weights=poids * com.y, minlength=nu) / w

        # taille moyenne visée calibrée pour obtenir environ NB_ML_CIBLE ML après fusion des
        # groupes trop petits
        cible = NB_ML_CIBLE
        for _ in range(4):
            self.taille = self._calibrer(cible)
            groupes = self._fusionner(self._grouper(self.taille), self.taille)
            if abs(len(groupes) - NB_ML_CIBLE) <= 3:
                break
            cible += NB_ML_CIBLE - len(groupes)
        self.ml_de_commune = self._numeroter(groupes)  # indice de ML, 0..nb_ml-1
        self._decrire()
        self._trous(rng)

    def _grands(self, T: float) -> np.ndarray:
        """Unités (EPCI ∩ département) assez grandes pour être découpées en plusieurs ML."""
        return (self.jeunes_unite > FACTEUR_GRAND_EPCI * T) & ~np.isin(self.dep_unite, list(DEPARTEMENTS_ML_UNIQUE))

    # -- nombre de ML pour une taille cible T (sans construire)
    def _compter(self, T: float) -> int:
        grand = self._grands(T)
        total = len(DEPARTEMENTS_ML_UNIQUE & set(self.dep_unite))
        for u in np.flatnonzero(grand):
            j = self.com.jeunes[self.unite == u]
            villes = j >= FACTEUR_GRANDE_VILLE * T
            total += int(villes.sum())
            if (~villes).any():
                total += min(int((~villes).sum()), max(1, round(j[~villes].sum() / (FACTEUR_ML_METROPOLE * T))))
        for d in np.unique(self.dep_unite):
            if d in DEPARTEMENTS_ML_UNIQUE:
                continue
            m = (self.dep_unite == d) & ~grand
            if m.any():
                total += min(int(m.sum()), max(1, round(self.jeunes_unite[m].sum() / T)))
        return total

    def _calibrer(self, cible: int) -> float:
        bas, haut = 4000.0, 80000.0
        meilleur, ecart = None, None
        for _ in range(40):
            milieu = (bas + haut) / 2
            nb = self._compter(milieu)
            if ecart is None or abs(nb - cible) < ecart:
                meilleur, ecart = milieu, abs(nb - cible)
            if nb > cible:
                bas = milieu
            elif nb < cible:
                haut = milieu
            else:
                break
        return meilleur

    @staticmethod
    def _bissection(idx: np.ndarray, x, y, w, k: int) -> list[np.ndarray]:
        k = min(k, len(idx))
        if k <= 1:
            return [idx]
        k1 = k // 2
        xs, ys = x[idx], y[idx]
        axe = xs if (xs.max() - xs.min()) >= (ys.max() - ys.min()) else ys
        ordre = idx[np.lexsort((idx, axe))]
        cumul = np.cumsum(w[ordre])
        cible = cumul[-1] * k1 / k
        # au moins k1 éléments à gauche et k - k1 à droite
        positions = np.arange(1, len(ordre))
        valides = (positions >= k1) & (len(ordre) - positions >= k - k1)
        ecarts = np.abs(cumul[positions - 1] - cible)
        ecarts[~valides] = np.inf
        coupe = int(positions[np.argmin(ecarts)])
        return (_Territoires._bissection(ordre[:coupe], x, y, w, k1)
                + _Territoires._bissection(ordre[coupe:], x, y, w, k - k1))

    def _grouper(self, T: float) -> list[tuple[np.ndarray, bool]]:
        """Groupes de communes (indices) ; le booléen marque une grande ville formant seule sa ML."""
        com = self.com
        groupes: list[tuple[np.ndarray, bool]] = []
        grand = self._grands(T)
        for d in sorted(set(self.dep_unite)):
            if d in DEPARTEMENTS_ML_UNIQUE:
                groupes.append((np.flatnonzero(com.dep == d), True))
                continue
            unites_d = np.flatnonzero((self.dep_unite == d) & ~grand)
            if len(unites_d):
                k = min(len(unites_d), max(1, round(self.jeunes_unite[unites_d].sum() / T)))
                for paquet in self._bissection(unites_d, self.x_unite, self.y_unite,
                                               self.jeunes_unite, k):
                    groupes.append((np.flatnonzero(np.isin(self.unite, paquet)), False))
            for u in np.flatnonzero((self.dep_unite == d) & grand):
                membres = np.flatnonzero(self.unite == u)
                villes = com.jeunes[membres] >= FACTEUR_GRANDE_VILLE * T
                for i in membres[villes]:
                    groupes.append((np.array([i]), True))
                reste = membres[~villes]
                if len(reste):
                    k = min(len(reste), max(1, round(com.jeunes[reste].sum() / (FACTEUR_ML_METROPOLE * T))))
                    groupes.extend((g, False) for g in self._bissection(reste, com.x, com.y, com.jeunes + 1e-6, k))
        return groupes

    def _fusionner(self, groupes: list[tuple[np.ndarray, bool]], T: float) -> list[np.ndarray]:
        """Un groupe de moins de 0,3 × T jeunes rejoint le groupe le plus proche de son département
        (distance entre communes), sauf les grandes villes."""
        com = self.com
        groupes = [(g.copy(), ville) for g, ville in groupes]
        figes: set[int] = set()
        while True:
            tailles = [(com.jeunes[g].sum(), i) for i, (g, ville) in enumerate(groupes)
                       if not ville and i not in figes]
            petits = [(t, i) for t, i in tailles if t < 0.3 * T]
            if not petits:
                break
            _, i = min(petits)
            g = groupes[i][0]
            d = com.dep[g[0]]
            candidats = [j for j, (h, ville) in enumerate(groupes) if j != i and not ville and com.dep[h[0]] == d]
            if not candidats:
                figes.add(i)
                continue
            meilleur, dist_min = None, np.inf
            for j in candidats:
                h = groupes[j][0]
                dist = np.hypot(com.x[g][:, None] - com.x[h][None, :], com.y[g][:, None] - com.y[h][None, :]).min()
                if dist < dist_min:
                    meilleur, dist_min = j, dist
            groupes[meilleur] = (np.concatenate([groupes[meilleur][0], g]), False)
            del groupes[i]
            figes = {f - (f > i) for f in figes}
        return [g for g, _ in groupes]

    def _numeroter(self, groupes: list[np.ndarray]) -> np.ndarray:
        com = self.com
        ml = np.full(com.n, -1, dtype=np.int64)
        # ordre : département, puis code de la commune siège
        sieges = [g[np.lexsort((com.code[g].astype(str), -com.pop[g]))[0]] for g in groupes]
        ordre = sorted(range(len(groupes)), key=lambda k: (com.dep[sieges[k]], com.code[sieges[k]]))
        self.siege = np.array([sieges[k] for k in ordre], dtype=np.int64)
        for nouveau, ancien in enumerate(ordre):
            ml[groupes[ancien]] = nouveau
        return ml

    def _decrire(self) -> None:
        com = self.com
        nb = len(self.siege)
        self.nb = nb
        self.dep = com.dep[self.siege]
        self.region = com.region[self.siege]
        codes, compteur = [], {}
        for d in self.dep:
            compteur[d] = compteur.get(d, 0) + 1
            codes.append(f"ML{d.rjust(3, '0')}{compteur[d]:02d}")
        self.code = np.array(codes, dtype=object)
        noms = [f"Mission Locale {_de(com.nom[s])}" for s in self.siege]
        vus: dict[str, int] = {}
        for nom in noms:
            vus[nom] = vus.get(nom, 0) + 1
        self.nom = np.array(
            [f"{nom} ({com.nom_dep.get(d, d)})" if vus[nom] > 1 else nom for nom, d in zip(noms, self.dep)],
            dtype=object,
        )
        self.jeunes = np.bincount(self.ml_de_commune, weights=com.jeunes, minlength=nb)
        self.nb_communes = np.bincount(self.ml_de_commune, minlength=nb)
        self.lat = com.lat[self.siege]
        self.lon = com.lon[self.siege]

    def _trous(self, rng: np.random.Generator) -> None:
        """Quelques petites communes ne sont rattachées à aucune ML."""
        com = self.com
        candidates = np.flatnonzero((com.pop >= 50) & (com.pop <= 1500))
        candidates = np.setdiff1d(candidates, self.siege)
        nb = int(rng.integers(NB_COMMUNES_NON_COUVERTES[0], NB_COMMUNES_NON_COUVERTES[1] + 1))
        self.non_couvertes = np.sort(rng.choice(candidates, size=nb, replace=False))
        self.couverte = np.ones(com.n, dtype=bool)
        self.couverte[self.non_couvertes] = False

    def tables(self) -> dict[str, pl.DataFrame]:
        com = self.com
        idx = np.flatnonzero(self.couverte)
        assert (self.ml_de_commune >= 0).all()
        return {
            "missions_locales": _cadre("missions_locales", {
                "code_ml": self.code.tolist(),
                "nom_ml": self.nom.tolist(),
                "code_departement": self.dep.tolist(),
                "code_commune_siege": com.code[self.siege].tolist(),
            }),
            "territoires_ml": _cadre("territoires_ml", {
                "code_commune": com.code[idx].tolist(),
                "code_ml": self.code[self.ml_de_commune[idx]].tolist(),
            }),
        }


# --------------------------------------------------------------------------------------------
# Étape 2 : lieux d'accueil et agences
# --------------------------------------------------------------------------------------------

def _decaler(rng, lat, lon, rayon_km):
    """Décale des points d'une distance aléatoire (≤ rayon) pour séparer des lieux d'une même commune."""
    angle = rng.uniform(0, 2 * np.pi, len(lat))
    r = rayon_km * np.sqrt(rng.uniform(0, 1, len(lat)))
    dlat = r * np.sin(angle) / 110.57
    dlon = r * np.cos(angle) / (111.32 * np.cos(np.radians(lat)))
    return np.round(lat + dlat, 6), np.round(lon + dlon, 6)


def _coordonnees(rng, com: _Communes, communes: np.ndarray, part_nulle: np.ndarray | float):
    """Latitude et longitude des lieux : point de la commune, décalé pour le 2e lieu et suivants d'une
    même commune, nul pour une petite part (et pour les communes sans point dans le référentiel)."""
    n = len(communes)
    lat = com.lat_publiee[communes].copy()
    lon = com.lon_publiee[communes].copy()
    rang = pl.DataFrame({"c": communes}).with_columns(r=pl.int_range(pl.len()).over("c"))["r"].to_numpy()
    rayon = np.minimum(0.45 * np.sqrt(com.superficie[communes] / np.pi), 4.0)
    dlat, dlon = _decaler(rng, np.nan_to_num(lat), np.nan_to_num(lon), rayon)
    decale = (rang > 0) & np.isfinite(lat)
    lat = np.where(decale, dlat, lat)
    lon = np.where(decale, dlon, lon)
    nul = rng.uniform(0, 1, n) < part_nulle
    lat[nul] = np.nan
    lon[nul] = np.nan
    lat = np.where(np.isnan(lat), None, np.round(lat, 6))
    lon = np.where(np.isnan(lon), None, np.round(lon, 6))
    return lat.tolist(), lon.tolist()


def _sites(ter: _Territoires, rng: np.random.Generator) -> pl.DataFrame:
    com = ter.com
    nb_ant = int(rng.integers(*NB_ANTENNES))
    nb_perm = int(rng.integers(*NB_PERMANENCES))
    poids_ant = ter.jeunes ** 0.55 * ter.nb_communes ** 0.25 * rng.lognormal(0, 0.35, ter.nb)
    poids_perm = ter.nb_communes ** 0.55 * ter.jeunes ** 0.35 * rng.lognormal(0, 0.35, ter.nb)
    n_ant = plus_forts_restes(nb_ant, poids_ant)
    n_perm = plus_forts_restes(nb_perm, poids_perm)

    cle_ant = np.log(com.pop + 1.0) + rng.gumbel(size=com.n)
    cle_perm = 0.5 * np.log(com.pop + 1.0) + rng.gumbel(size=com.n)
    ordre_ml = np.argsort(ter.ml_de_commune, kind="stable")
    bornes = np.searchsorted(ter.ml_de_commune[ordre_ml], np.arange(ter.nb + 1))

    ml_l, type_l, com_l = [], [], []
    for k in range(ter.nb):
        membres = ordre_ml[bornes[k]:bornes[k + 1]]
        membres = membres[ter.couverte[membres]]
        siege = ter.siege[k]
        autres = membres[membres != siege]
        ant = autres[np.argsort(-cle_ant[autres], kind="stable")][: n_ant[k]]
        if len(ant) < n_ant[k]:  # territoire d'une seule commune (Paris, Marseille…) : même commune
            ant = np.concatenate([ant, np.full(n_ant[k] - len(ant), siege)])
        libres = np.setdiff1d(autres, ant)
        perm = libres[np.argsort(-cle_perm[libres], kind="stable")][: n_perm[k]]
        if len(perm) < n_perm[k]:
            p = com.pop[membres] / com.pop[membres].sum()
            perm = np.concatenate([perm, rng.choice(membres, size=n_perm[k] - len(perm), p=p)])
        ml_l += [k] * (1 + len(ant) + len(perm))
        type_l += ["siege"] + ["antenne"] * len(ant) + ["permanence"] * len(perm)
        com_l += [siege, *ant.tolist(), *perm.tolist()]
    communes = np.array(com_l, dtype=np.int64)
    types = np.array(type_l, dtype=object)
    part_nulle = np.select([types == "siege", types == "antenne"], [0.0, 0.02], 0.06)
    lat, lon = _coordonnees(rng, com, communes, part_nulle)
    ml = np.array(ml_l)
    rang = pl.DataFrame({"m": ml}).with_columns(r=pl.int_range(pl.len()).over("m") + 1)["r"].to_list()
    return _cadre("sites_ml", {
        "id_site": [f"{ter.code[m]}-S{r:03d}" for m, r in zip(ml, rang)],
        "code_ml": ter.code[ml].tolist(),
        "type_site": types.tolist(),
        "code_commune": com.code[communes].tolist(),
        "latitude": lat,
        "longitude": lon,
    })


# Arrondissements, du plus peuplé au moins peuplé (ordre d'implantation des agences)
ARRONDISSEMENTS = {
    "75056": ("Paris", (15, 20, 18, 19, 13, 17, 16, 11, 12, 14, 10, 9, 5, 7, 6, 8, 3, 4, 2, 1)),
    "13055": ("Marseille", (13, 8, 15, 9, 14, 12, 11, 10, 3, 4, 5, 6, 1, 7, 2, 16)),
    "69123": ("Lyon", (3, 7, 8, 6, 9, 5, 4, 2, 1)),
}
QUARTIERS = ("Centre", "Nord", "Sud", "Est", "Ouest")


class _Agences:
    def __init__(self, ter: _Territoires, rng: np.random.Generator):
        com = ter.com
        self.ter = ter
        total = int(rng.integers(*NB_AGENCES))
        # nombre d'agences par ML : une pour ~75 000 habitants, de 1 à 4 ; les ML d'une seule grande
        # ville (Paris, Marseille, Lyon…) en ont une pour ~90 000 habitants
        idx = np.flatnonzero(ter.couverte)
        pop_ml = np.bincount(ter.ml_de_commune[idx], weights=com.pop[idx], minlength=ter.nb)
        ville = (ter.nb_communes == 1) & (pop_ml > 300_000)
        n_ville = np.maximum(1, np.round(pop_ml / 90_000)).astype(np.int64) * ville
        bas, haut = 10_000.0, 500_000.0
        for _ in range(50):
            diviseur = (bas + haut) / 2
            n_ml = np.where(ville, n_ville, np.clip(np.round(pop_ml / diviseur), 1, 4)).astype(np.int64)
            if n_ml.sum() > total:
                bas = diviseur
            else:
                haut = diviseur
        n_ml = np.where(ville, n_ville, np.clip(np.round(pop_ml / haut), 1, 4)).astype(np.int64)
        # dans la ML : les communes les plus peuplées, le siège d'abord (plus forte moyenne, diviseur
        # (k + 1)² pour une deuxième agence dans la même commune)
        est_siege = np.zeros(com.n, dtype=bool)
        est_siege[ter.siege] = True
        poids = com.pop * np.where(est_siege, 1.5, 1.0)
        ordre_ml = np.argsort(ter.ml_de_commune, kind="stable")
        bornes = np.searchsorted(ter.ml_de_commune[ordre_ml], np.arange(ter.nb + 1))
        communes = []
        for k in range(ter.nb):
            membres = ordre_ml[bornes[k]:bornes[k + 1]]
            membres = membres[ter.couverte[membres]]
            tas = [(-poids[i], com.code[i], i, 0) for i in membres]
            heapq.heapify(tas)
            for _ in range(int(n_ml[k])):
                _, code, i, r = heapq.heappop(tas)
                communes.append(i)
                heapq.heappush(tas, (-poids[i] / (r + 2) ** 2, code, i, r + 1))
        communes = np.array(sorted(communes, key=lambda i: (com.dep[i], -com.pop[i], com.code[i])))
        self.commune = communes
        self.n = len(communes)
        codes, noms, compte_dep, compte_com = [], [], {}, {}
        nb_par_commune = np.bincount(communes, minlength=com.n)
        for i in communes:
            d = com.dep[i]
            compte_dep[d] = compte_dep.get(d, 0) + 1
            compte_com[i] = compte_com.get(i, 0) + 1
            codes.append(f"FT{d.rjust(3, '0')}{compte_dep[d]:02d}")
            k = compte_com[i]
            if com.code[i] in ARRONDISSEMENTS:
                ville, ordre = ARRONDISSEMENTS[com.code[i]]
                arr = ordre[(k - 1) % len(ordre)]
                tour = (k - 1) // len(ordre)
                suffixe = f"{arr}er" if arr == 1 else f"{arr}e"
                noms.append(f"France Travail {ville} {suffixe}" + (f" {QUARTIERS[tour]}" if tour else ""))
            elif nb_par_commune[i] == 1:
                noms.append(f"France Travail {com.nom[i]}")
            elif k <= len(QUARTIERS):
                noms.append(f"France Travail {com.nom[i]} {QUARTIERS[k - 1]}")
            else:
                noms.append(f"France Travail {com.nom[i]} {k}")
        self.code = np.array(codes, dtype=object)
        self.nom = noms
        lat, lon = _coordonnees(rng, com, communes, 0.03)
        self.lat_pub, self.lon_pub = lat, lon
        self.lat = com.lat[communes]
        self.lon = com.lon[communes]
        self.dep = com.dep[communes]
        self.ml = ter.ml_de_commune[communes]  # ML du territoire où se trouve l'agence

        # agences partenaires de chaque ML : celles de son territoire, sinon la plus proche du département
        self.partenaires: list[np.ndarray] = []
        for k in range(ter.nb):
            a = np.flatnonzero(self.ml == k)
            if not len(a):
                m = np.flatnonzero(self.dep == ter.dep[k])
                if not len(m):
                    m = np.arange(self.n)
                dist = _distance_km(ter.lat[k], ter.lon[k], self.lat[m], self.lon[m])
                a = m[[int(np.argmin(dist))]]
            self.partenaires.append(a)

    def table(self) -> pl.DataFrame:
        return _cadre("agences", {
            "code_agence": self.code.tolist(),
            "nom_agence": self.nom,
            "code_commune": self.ter.com.code[self.commune].tolist(),
            "latitude": self.lat_pub,
            "longitude": self.lon_pub,
        })

    def voisines(self, k: int, nombre: int, exclues: np.ndarray | None = None) -> np.ndarray:
        """Les ``nombre`` agences les plus proches du siège de la ML k, hors partenaires et exclues."""
        dist = _distance_km(self.ter.lat[k], self.ter.lon[k], self.lat, self.lon)
        dist[self.partenaires[k]] = np.inf
        if exclues is not None:
            dist[exclues] = np.inf
        ordre = np.lexsort((np.arange(self.n), dist))
        return ordre[: min(nombre, int(np.isfinite(dist).sum()))]


# --------------------------------------------------------------------------------------------
# Étape 3 : accords et allocations
# --------------------------------------------------------------------------------------------

STATUTS_FINAUX = (("signe", 0.785), ("echu", 0.075), ("denonce", 0.03), ("en_negociation", 0.08),
                  ("non_engage", 0.03))


def _date_aleatoire(rng, debut: date, fin: date) -> date:
    a, b = debut.toordinal(), fin.toordinal()
    return date.fromordinal(int(rng.integers(a, b + 1)))


def _fin_de_mois(annee: int, mois: int) -> date:
    suivant = date(annee + mois // 12, mois % 12 + 1, 1)
    return date.fromordinal(suivant.toordinal() - 1)


class _Partenariat:
    """Accords locaux, allocations annuelles et qualité de la coopération de chaque ML."""

    def __init__(self, ter: _Territoires, ag: _Agences, rng: np.random.Generator):
        self.ter, self.ag = ter, ag
        nb = ter.nb
        regions = sorted(set(ter.region))
        self.regions = regions
        ri = np.array([regions.index(r) for r in ter.region])
        self.indice_region = ri
        nr = len(regions)
        # effets régionaux
        self.effet_region = rng.normal(0, 0.45, nr)
        effet_contenu = rng.normal(0, 0.5, (nr, len(CONTENUS_ACCORD)))
        effet_participation = rng.normal(0, 0.6, nr)
        effet_conversion = rng.lognormal(0, 0.55, nr)
        effet_statut = rng.normal(0, 0.5, nr)
        # qualité de la coopération propre à chaque ML (corrélée à la région)
        self.qualite = rng.normal(0, 0.8, nb) + 0.6 * self.effet_region[ri]

        # statut final de chaque ML (tirage pondéré sans remise, plus défavorable où la qualité est basse)
        statut = np.empty(nb, dtype=object)
        libres = np.arange(nb)
        for nom, part in STATUTS_FINAUX[1:]:
            n = round(part * nb)
            cle = -0.8 * (self.qualite[libres] + effet_statut[ri[libres]]) + rng.gumbel(size=len(libres))
            choisis = libres[np.argsort(-cle, kind="stable")[:n]]
            statut[choisis] = nom
            libres = np.setdiff1d(libres, choisis)
        statut[libres] = "signe"
        self.statut_final = statut

        base_contenu = np.array([1.1, 0.85, 0.6, 0.45, -0.2, 0.9, 0.25])  # logits
        seuils_participation = np.array([-0.7, 0.9, 2.6])

        lignes = []
        self.fin_activite = np.full(nb, 9999, dtype=np.int64)  # dernière année financée
        self.mois_actif = np.ones((nb, len(ANNEES) * 12))  # intensité de la délégation par mois
        for k in range(nb):
            code = ter.code[k]
            part = ag.code[ag.partenaires[k]].tolist()
            st = statut[k]
            if st == "non_engage":
                lignes.append(dict(id_accord=f"{code}-A1", code_ml=code, codes_agences=[], statut="non_engage",
                                   date_signature=None, date_debut=None, date_fin=None,
                                   generation=0, contenu=np.zeros(7, bool), participation=0))
                self.fin_activite[k] = 0
                self.mois_actif[k] = 0.1
                continue
            tardive = rng.uniform() < 0.05
            if tardive:
                sig1 = _date_aleatoire(rng, date(2016, 3, 1), date(2017, 10, 31))
            else:
                m = int(rng.choice(np.arange(2, 13), p=_MOIS_VAGUE_2015))
                sig1 = _date_aleatoire(rng, date(2015, m, 10 if m == 2 else 1), _fin_de_mois(2015, m))
            gens = [(sig1, sig1, DATE_FIN_2015)]
            s2 = _date_aleatoire(rng, date(2018, 11, 15), date(2019, 7, 31))
            gens.append((s2, max(date(2019, 1, 1), s2), DATE_FIN_2019))
            s3 = _date_aleatoire(rng, date(2022, 11, 15), date(2023, 9, 30))
            fin3 = DATE_FIN_2023 if rng.uniform() < 0.8 else None
            gens.append((s3, max(date(2023, 1, 1), s3), fin3))
            statuts = ["signe"] * 3
            negociation = False
            if st == "echu":
                if rng.uniform() < 0.4:
                    gens = gens[:2]
                    statuts = statuts[:2]
                else:
                    fin = date(2024, 12, 31) if rng.uniform() < 0.5 else date(2025, 6, 30)
                    gens[2] = (gens[2][0], gens[2][1], fin)
                statuts[-1] = "echu"
            elif st == "denonce":
                g = int(rng.choice(3, p=[0.2, 0.35, 0.45]))
                sig, deb, fin = gens[g]
                borne = min(fin or date(2025, 9, 30), date(2025, 9, 30))
                d = _date_aleatoire(rng, date.fromordinal(deb.toordinal() + 120), borne)
                d = _fin_de_mois(d.year, d.month)
                gens = gens[: g + 1]
                gens[-1] = (sig, deb, d)
                statuts = ["signe"] * g + ["denonce"]
            elif st == "en_negociation":
                fin = date(2024, 12, 31) if rng.uniform() < 0.6 else date(2025, 6, 30)
                gens[2] = (gens[2][0], gens[2][1], fin)
                negociation = True
            qualite_k = self.qualite[k]
            for g, ((sig, deb, fin), s) in enumerate(zip(gens, statuts), start=1):
                logits = base_contenu + effet_contenu[ri[k]] + 0.7 * qualite_k + 0.35 * (g - 1)
                contenu = rng.uniform(size=7) < 1 / (1 + np.exp(-logits))
                latent = effet_participation[ri[k]] + 0.5 * qualite_k + 0.3 * (g - 1) + rng.logistic()
                participation = int(np.searchsorted(seuils_participation, latent))
                agences = part if g > 1 or len(part) == 1 else part[: max(1, int(rng.integers(1, len(part) + 1)))]
                lignes.append(dict(id_accord=f"{code}-A{g}", code_ml=code, codes_agences=agences, statut=s,
                                   date_signature=sig, date_debut=deb, date_fin=fin, generation=g,
                                   contenu=contenu, participation=participation))
            if negociation:
                g = len(gens) + 1
                logits = base_contenu + effet_contenu[ri[k]] + 0.7 * qualite_k + 0.35 * (g - 1)
                contenu = rng.uniform(size=7) < 1 / (1 + np.exp(-logits))
                latent = effet_participation[ri[k]] + 0.5 * qualite_k + 0.3 * (g - 1) + rng.logistic()
                lignes.append(dict(id_accord=f"{code}-A{g}", code_ml=code, codes_agences=part,
                                   statut="en_negociation", date_signature=None, date_debut=None,
                                   date_fin=None, generation=g, contenu=contenu,
                                   participation=int(np.searchsorted(seuils_participation, latent))))
            # activité : signatures tardives moins actives avant signature ; après un accord échu ou
            # dénoncé, la délégation se réduit à un filet
            if tardive:
                fin_m = (sig1.year - 2015) * 12 + sig1.month - 1
                self.mois_actif[k, :fin_m] = 0.5
            if st in ("echu", "denonce"):
                fin = gens[-1][2]
                self.fin_activite[k] = fin.year
                debut_m = (fin.year - 2015) * 12 + fin.month
                self.mois_actif[k, debut_m:] = 0.12 if st == "echu" else 0.08
            if negociation:
                fin = gens[-1][2]
                debut_m = (fin.year - 2015) * 12 + fin.month
                self.mois_actif[k, debut_m:] = 0.85
        self.lignes_accords = lignes
        self._allocations(rng, effet_conversion)

    # -- allocations -------------------------------------------------------------------------
    def _allocations(self, rng, effet_conversion) -> None:
        ter = self.ter
        nb = ter.nb
        ny = len(ANNEES)
        engage = self.statut_final != "non_engage"
        # ETP en demi-ETP (5 dixièmes), au moins un demi-ETP par ML engagée
        demi = np.zeros(nb, dtype=np.int64)
        idx = np.flatnonzero(engage)
        demi[idx] = plus_forts_restes(DIXIEMES_NATIONAUX // 5, ter.jeunes[idx], minimum=1)
        # chaque demi-ETP est affecté (agent) jusqu'à son année de conversion en subvention
        conversion = np.full((nb, demi.max()), 9999, dtype=np.int64)
        hasard = 0.027 * effet_conversion[self.indice_region]
        for k in idx:
            n = demi[k]
            if n <= 2:
                annees = np.full(n, self._annee_conversion(rng, hasard[k]))
            else:
                annees = np.array([self._annee_conversion(rng, hasard[k]) for _ in range(n)])
            conversion[k, :n] = np.sort(annees)[::-1]
        aff = np.zeros((nb, ny), dtype=np.int64)
        comp = np.zeros((nb, ny), dtype=np.int64)
        for j, an in enumerate(ANNEES):
            actifs = (conversion > an) & (np.arange(conversion.shape[1])[None, :] < demi[:, None])
            aff[:, j] = actifs.sum(axis=1) * 5
            comp[:, j] = demi * 5 - aff[:, j]
        # temps partiel : quelques agents à 0,8 ETP, le complément de 0,2 en subvention
        partiel = np.flatnonzero(engage & (rng.uniform(size=nb) < 0.07))
        for k in partiel:
            m = aff[k] >= 10
            aff[k, m] -= 2
            comp[k, m] += 2
        # ML sorties du dispositif (accord échu ou dénoncé non renouvelé) : leurs ETP passent en
        # subvention à la ML active la plus proche du même département (sinon de la région), pour que
        # la somme reste 325
        for j, an in enumerate(ANNEES):
            actives = engage & (self.fin_activite >= an)
            for k in np.flatnonzero(engage & ~actives):
                cand = np.flatnonzero(actives & (ter.dep == ter.dep[k]))
                if not len(cand):
                    cand = np.flatnonzero(actives & (ter.region == ter.region[k]))
                if not len(cand):
                    cand = np.flatnonzero(actives)
                dist = _distance_km(ter.lat[k], ter.lon[k], ter.lat[cand], ter.lon[cand])
                r = cand[np.lexsort((cand, dist))[0]]
                comp[r, j] += aff[k, j] + comp[k, j]
                aff[k, j] = comp[k, j] = 0
        assert (aff.sum(axis=0) + comp.sum(axis=0) == DIXIEMES_NATIONAUX).all()
        self.dix_aff, self.dix_comp = aff, comp

        valo = aff * (FORFAIT_ETP_EUR // 10)
        sub = comp * (FORFAIT_ETP_EUR // 10)
        valo = valo.astype(np.int64)
        # anomalies de valorisation (information de pilotage) : 3 à 6 ML
        self.anomalies = []
        cand = np.flatnonzero((aff > 0).all(axis=1))
        for k in rng.choice(cand, size=int(rng.integers(3, 7)), replace=False):
            debut = int(rng.integers(0, ny - 2))
            duree = int(rng.integers(1, 4))
            genre = int(rng.integers(0, 3))
            for j in range(debut, min(ny, debut + duree)):
                if genre == 0:  # ancien forfait de 40 000 €
                    valo[k, j] = aff[k, j] * 4_000
                elif genre == 1:  # agent retiré mais encore valorisé
                    valo[k, j] = (aff[k, j] + 5) * 4_500
                else:  # forfait arrondi à 50 000 €
                    valo[k, j] = aff[k, j] * 5_000
            self.anomalies.append(ter.code[k])
        # crédits : le reste de l'enveloppe, réparti entre ML actives à l'euro près
        credits = np.zeros((nb, ny), dtype=np.int64)
        poids_base = ter.jeunes ** 0.9 * rng.lognormal(0, 0.15, nb)
        objectifs = np.zeros((nb, ny), dtype=np.int64)
        poids_obj = ter.jeunes * np.exp(0.15 * self.qualite) * rng.lognormal(0, 0.1, nb)
        for j, an in enumerate(ANNEES):
            actives = engage & (self.fin_activite >= an)
            reste = ENVELOPPE_TOTALE_EUR - int(valo[:, j].sum() + sub[:, j].sum())
            p = poids_base * actives * rng.lognormal(0, 0.03, nb)
            credits[:, j] = plus_forts_restes(reste, p)
            objectifs[:, j] = plus_forts_restes(OBJECTIF_JEUNES_DELEGATION, poids_obj * actives)
        self.valo, self.sub, self.credits, self.objectifs = valo, sub, credits, objectifs

    @staticmethod
    def _annee_conversion(rng, hasard: float) -> int:
        if rng.uniform() < 0.075:
            return 2014  # déjà en subvention au début de l'accord de 2015
        for an in ANNEES[1:]:
            h = hasard * (2.0 if an in (2019, 2023) else 1.0)
            if rng.uniform() < h:
                return an
        return 9999

    def _modalite(self, k: int, ligne: dict) -> str:
        if ligne["statut"] == "non_engage":
            return "aucune"
        if ligne["date_debut"] is None:
            annees = [ANNEES[-1]]
        else:
            fin = ligne["date_fin"].year if ligne["date_fin"] else ANNEES[-1]
            annees = [a for a in ANNEES if ligne["date_debut"].year <= a <= fin]
        j = [ANNEES.index(a) for a in annees] or [len(ANNEES) - 1]
        a = (self.dix_aff[k, j] > 0).any()
        s = (self.dix_comp[k, j] > 0).any()
        return "mixte" if a and s else "agent_affecte" if a else "subvention" if s else "aucune"

    def tables(self) -> dict[str, pl.DataFrame]:
        ter = self.ter
        index_ml = {c: k for k, c in enumerate(ter.code)}
        lignes = self.lignes_accords
        col = {nom: [] for nom in schema("accords")}
        for ligne in lignes:
            k = index_ml[ligne["code_ml"]]
            for nom in ("id_accord", "code_ml", "codes_agences", "statut", "date_signature", "date_debut",
                        "date_fin"):
                col[nom].append(ligne[nom])
            for b, nom in enumerate(CONTENUS_ACCORD):
                col[nom].append(bool(ligne["contenu"][b]))
            col["participation_jeunes"].append(ligne["participation"])
            col["modalite_moyens"].append(self._modalite(k, ligne))
        accords = _cadre("accords", col)

        nb, ny = ter.nb, len(ANNEES)
        annee = np.repeat(np.array(ANNEES), nb)
        k = np.tile(np.arange(nb), ny)
        allocations = _cadre("allocations", {
            "annee": annee,
            "code_ml": ter.code[k].tolist(),
            "etp_affectes": self.dix_aff.T.ravel() / 10,
            "etp_compenses": self.dix_comp.T.ravel() / 10,
            "valorisation_etp_eur": self.valo.T.ravel().astype(float),
            "subvention_compensatoire_eur": self.sub.T.ravel().astype(float),
            "credits_financiers_eur": self.credits.T.ravel().astype(float),
            "objectif_entrees_delegation": self.objectifs.T.ravel(),
        })
        enveloppe = _cadre("enveloppe", {
            "annee": list(ANNEES),
            "enveloppe_totale_eur": [float(ENVELOPPE_TOTALE_EUR)] * ny,
            "valorisation_etp_eur": [float(VALORISATION_NATIONALE_EUR)] * ny,
            "etp_nationaux": [float(ETP_NATIONAUX)] * ny,
            "forfait_etp_eur": [float(FORFAIT_ETP_EUR)] * ny,
            "objectif_jeunes_delegation": [OBJECTIF_JEUNES_DELEGATION] * ny,
        })
        return {"accords": accords, "allocations": allocations, "enveloppe": enveloppe}


_MOIS_VAGUE_2015 = np.array([0.03, 0.10, 0.14, 0.15, 0.17, 0.13, 0.02, 0.09, 0.08, 0.06, 0.03])
_MOIS_VAGUE_2015 = _MOIS_VAGUE_2015 / _MOIS_VAGUE_2015.sum()


# --------------------------------------------------------------------------------------------
# Étape 4 : orientations
# --------------------------------------------------------------------------------------------

SCHEMA_ORIENTATIONS = pa.schema([
    ("mois", pa.date32()),
    ("code_ml", pa.string()),
    ("code_agence", pa.string()),
    ("sens", pa.string()),
    ("motif", pa.string()),
    ("orientes", pa.int64()),
    ("acceptes", pa.int64()),
    ("entres", pa.int64()),
])


def _saison(serie: np.ndarray, annee: int) -> np.ndarray:
    s = serie / serie.mean()
    return s * EFFET_2020 if annee == 2020 else s


class _Orientations:
    def __init__(self, ter: _Territoires, ag: _Agences, pa_: _Partenariat, rng: np.random.Generator):
        self.ter, self.ag, self.pa = ter, ag, pa_
        nb = ter.nb
        self.rng = rng
        ri = pa_.indice_region
        nr = len(pa_.regions)
        # intensité de délégation du territoire et sa tendance annuelle
        self.intensite = rng.lognormal(0, 0.3, nb) * np.exp(0.12 * pa_.qualite)
        self.tendance = np.exp(np.cumsum(rng.normal(0, 0.06, (nb, len(ANNEES))), axis=1))
        # taux d'acceptation et d'entrée ; ~10 % de territoires « à double perte »
        faible = rng.uniform(size=nb) < 0.10
        self.p_acc = np.clip(rng.beta(70, 7, nb) + 0.015 * pa_.qualite - faible * rng.uniform(0.12, 0.22, nb),
                             0.5, 0.97)
        self.p_ent = np.clip(rng.beta(50, 8, nb) + 0.015 * pa_.qualite - faible * rng.uniform(0.12, 0.22, nb),
                             0.5, 0.97)
        # mélange des motifs : moyenne régionale, dispersion par territoire
        moy_region = MOTIFS_FT_VERS_ML * rng.lognormal(0, 0.2, (nr, 6))
        moy_region /= moy_region.sum(axis=1, keepdims=True)
        self.motifs_ft = np.array([rng.dirichlet(60 * moy_region[r]) for r in ri])
        sociaux = rng.choice(np.argsort(pa_.qualite)[: nb // 3], size=max(1, round(0.05 * nb)), replace=False)
        self.territoires_sociaux = np.sort(sociaux)
        for k in sociaux:
            self.motifs_ft[k] = rng.dirichlet(200 * MOTIFS_SOCIAUX)
        self.motifs_ml = np.array([rng.dirichlet(60 * MOTIFS_ML_VERS_FT) for _ in range(nb)])
        self.part_ml_vers_ft = ORIENTATIONS_ML_VERS_FT * rng.lognormal(0, 0.3, nb)
        # créneaux d'agence : partenaires (poids selon la population de leur commune), une à trois
        # agences voisines hors territoire (jeunes inscrits dans une agence proche), agence inconnue
        part_inconnue = np.where(rng.uniform(size=nb) < 0.06, rng.uniform(0.10, 0.25, nb),
                                 rng.uniform(0.0, 0.04, nb))
        part_voisines = rng.uniform(0.08, 0.20, nb)
        com = ter.com
        ml_c, agence_c, poids_c = [], [], []
        for k in range(nb):
            a = ag.partenaires[k]
            w = np.sqrt(com.pop[ag.commune[a]]) * rng.lognormal(0, 0.3, len(a))
            v = ag.voisines(k, int(rng.integers(2, 5)))
            wv = rng.dirichlet(np.full(len(v), 2.0)) * part_voisines[k]
            w = (1 - part_inconnue[k] - part_voisines[k]) * w / w.sum()
            ml_c += [k] * (len(a) + len(v) + 1)
            agence_c += a.tolist() + v.tolist() + [-1]
            poids_c += w.tolist() + wv.tolist() + [part_inconnue[k]]
        self.creneau_ml = np.array(ml_c)
        self.creneau_agence = np.array(agence_c)
        self.creneau_poids = np.array(poids_c)

    def annee(self, annee: int, echelle: int) -> pa.Table:
        ter, rng = self.ter, self.rng
        j = ANNEES.index(annee)
        saison = _saison(SAISON_ORIENTATIONS, annee)  # (12,)
        actif = self.pa.mois_actif[:, j * 12:(j + 1) * 12]  # (nb, 12)
        base = (ter.jeunes * self.intensite * self.tendance[:, j])[:, None] * actif  # (nb, 12)
        normale = (base * (SAISON_ORIENTATIONS / SAISON_ORIENTATIONS.mean())[None, :]).sum()
        cible = OBJECTIF_JEUNES_DELEGATION * TENDANCE_ORIENTATIONS[annee]
        entrees = base * saison[None, :] / normale * cible  # entrées attendues (nb, 12)

        cr_ml, cr_poids = self.creneau_ml, self.creneau_poids
        morceaux = []
        for s, _sens in enumerate(("ft_vers_ml", "ml_vers_ft")):
            mix = self.motifs_ft if s == 0 else self.motifs_ml  # (nb, 6)
            pacc = self.p_acc[:, None] * ACCEPTATION_MOTIF[None, :]
            pent = self.p_ent[:, None] * ENTREE_MOTIF[None, :]
            if s == 1:
                pacc = np.clip(pacc + 0.04, 0, 0.98)
                pent = np.clip(pent + 0.02, 0, 0.98)
            pacc = np.clip(pacc, 0.3, 0.98)
            pent = np.clip(pent, 0.3, 0.98)
            # orientés attendus (sens FT → ML), ou part des entrées (sens ML → FT)
            vol = entrees / (self.p_acc * self.p_ent)[:, None] if s == 0 else entrees * self.part_ml_vers_ft[:, None]
            # λ des orientés par (créneau, motif, mois)
            lam = vol[cr_ml][:, None, :] * cr_poids[:, None, None] * mix[cr_ml][:, :, None]  # (nc, 6, 12)
            lam = lam * rng.gamma(20.0, 1 / 20.0, lam.shape)
            orientes = rng.poisson(lam)
            acceptes = rng.binomial(orientes, pacc[cr_ml][:, :, None])
            entres = rng.binomial(acceptes, pent[cr_ml][:, :, None])
            c, mo, mi = np.nonzero(orientes)
            morceaux.append((c, np.full(len(c), s), mo, mi, orientes[c, mo, mi], acceptes[c, mo, mi],
                             entres[c, mo, mi]))
        c, s, mo, mi, o, a, e = (np.concatenate(x) for x in zip(*morceaux))
        agence = self.creneau_agence[c]
        ml = self.creneau_ml[c]
        if echelle > 1:
            ml, agence, s, mo, mi, o, a, e = self._demultiplier(echelle, ml, agence, c, s, mo, mi, o, a, e)
        # tri par (mois, ml, agence, sens, motif)
        ordre = np.lexsort((mo, s, agence, ml, mi))
        ml, agence, s, mo, mi, o, a, e = (x[ordre] for x in (ml, agence, s, mo, mi, o, a, e))
        mois = np.array([_mois(annee, m + 1) for m in range(12)], dtype="datetime64[D]")[mi]

        def texte(valeurs, indices, masque=None):
            return pa.array(list(valeurs), type=pa.string()).take(pa.array(indices, mask=masque))

        return pa.table({
            "mois": pa.array(mois, type=pa.date32()),
            "code_ml": texte(ter.code, ml),
            "code_agence": texte(self.ag.code, np.maximum(agence, 0), agence < 0),
            "sens": texte(("ft_vers_ml", "ml_vers_ft"), s),
            "motif": texte(MOTIFS, mo),
            "orientes": pa.array(o, type=pa.int64()),
            "acceptes": pa.array(a, type=pa.int64()),
            "entres": pa.array(e, type=pa.int64()),
        }, schema=SCHEMA_ORIENTATIONS)

    def preparer_echelle(self, echelle: int) -> None:
        """Pour chaque créneau, K − 1 agences supplémentaires distinctes (les plus proches de la ML)."""
        if echelle <= 1:
            return
        ag = self.ag
        self.supplement = np.full((len(self.creneau_ml), echelle - 1), -2, dtype=np.int64)
        for k in range(self.ter.nb):
            cr = np.flatnonzero(self.creneau_ml == k)
            deja = self.creneau_agence[cr]
            voisines = ag.voisines(k, len(cr) * (echelle - 1), deja[deja >= 0])
            par_creneau = len(voisines) // len(cr)
            for i, c in enumerate(cr):
                bloc = voisines[i * par_creneau:(i + 1) * par_creneau]
                self.supplement[c, : len(bloc)] = bloc

    def _demultiplier(self, echelle, ml, agence, c, s, mo, mi, o, a, e):
        rng = self.rng
        K = echelle
        p = np.array([0.5] + [0.5 / (K - 1)] * (K - 1))
        # répartition de l'entonnoir : entrés, acceptés non entrés, orientés non acceptés
        pe = rng.multinomial(e, p)
        pa_ = rng.multinomial(a - e, p)
        po = rng.multinomial(o - a, p)
        agences = np.concatenate([agence[:, None], self.supplement[c]], axis=1)  # (n, K)
        garde = agences != -2
        n_par_ligne = garde.sum(axis=1)
        rep = lambda x: np.repeat(x, n_par_ligne)  # noqa: E731
        # une part sans agence disponible (créneau plafonné) est rendue à la part principale
        perdu_e = (pe * ~garde).sum(axis=1)
        perdu_a = (pa_ * ~garde).sum(axis=1)
        perdu_o = (po * ~garde).sum(axis=1)
        pe[:, 0] += perdu_e
        pa_[:, 0] += perdu_a
        po[:, 0] += perdu_o
        e2 = pe[garde]
        a2 = e2 + pa_[garde]
        o2 = a2 + po[garde]
        return rep(ml), agences[garde], rep(s), rep(mo), rep(mi), o2, a2, e2


# --------------------------------------------------------------------------------------------
# Étape 5 : activité
# --------------------------------------------------------------------------------------------

def _activite(ter: _Territoires, pa_: _Partenariat, neet_ml: np.ndarray, rng: np.random.Generator) -> pl.DataFrame:
    nb = ter.nb
    ri = pa_.indice_region
    nr = len(pa_.regions)
    # intensité d'accompagnement : plus forte où les NEET sont nombreux
    intensite = (neet_ml / np.average(neet_ml, weights=ter.jeunes)) ** 0.6 * rng.lognormal(0, 0.18, nb)
    base = ter.jeunes * intensite
    base = base / base.sum()
    emploi_region = rng.normal(0, 0.08, nr)
    p_emploi = np.clip(PART_SORTIES["emploi"] * np.exp(emploi_region[ri] + rng.normal(0, 0.08, nb)
                                                      - 0.5 * (neet_ml - 0.125)), 0.15, 0.55)
    p_form = np.clip(PART_SORTIES["formation"] * rng.lognormal(0, 0.15, nb), 0.04, 0.2)
    p_durable = np.clip(PART_EMPLOI_DURABLE + rng.normal(0, 0.03, nb), 0.65, 0.95)
    taux_doubles = rng.lognormal(np.log(0.003), 0.35, nb) * np.exp(-0.15 * pa_.qualite)
    deriv = np.exp(np.cumsum(rng.normal(0, 0.025, (nb, len(ANNEES))), axis=1))

    cols = {nom: [] for nom in schema("activite")}
    for j, an in enumerate(ANNEES):
        st = SAISON_STOCK / SAISON_STOCK.mean()
        if an == 2020:
            st = st * np.array([1, 1, 0.99, 0.97, 0.97, 0.98, 1, 1, 1, 1, 1, 1])
        stock = STOCK_NATIONAL * TENDANCE_STOCK[an] * base[:, None] * deriv[:, j, None] * st[None, :]
        stock = stock * np.exp(rng.normal(0, 0.015, stock.shape))
        jeunes_acc = np.round(stock).astype(np.int64)
        accueils = rng.poisson(ACCUEILS_NATIONAUX * TENDANCE_ACCUEILS[an] / 12 * base[:, None] * deriv[:, j, None]
                               * _saison(SAISON_ACCUEILS, an)[None, :])
        sorties = rng.poisson(ACCUEILS_NATIONAUX * TENDANCE_ACCUEILS[an] / 12 * 1.02 * base[:, None]
                              * deriv[:, j, None] * _saison(SAISON_SORTIES, an)[None, :])
        emploi = rng.binomial(sorties, p_emploi[:, None])
        formation = rng.binomial(sorties - emploi, (p_form / (1 - p_emploi))[:, None])
        sans = sorties - emploi - formation
        durable = rng.binomial(emploi, p_durable[:, None])
        doubles = rng.poisson(jeunes_acc * taux_doubles[:, None])
        for m in range(12):
            cols["mois"] += [_mois(an, m + 1)] * nb
            cols["code_ml"] += ter.code.tolist()
        for nom, tab in (("jeunes_accompagnes", jeunes_acc), ("premiers_accueils", accueils),
                         ("doubles_accompagnements", doubles), ("sorties_emploi", emploi),
                         ("sorties_emploi_durable", durable), ("sorties_formation", formation),
                         ("sorties_sans_solution", sans)):
            cols[nom].append(tab.T.ravel())
    for nom in list(cols)[2:]:
        cols[nom] = np.concatenate(cols[nom])
    return _cadre("activite", cols)


# --------------------------------------------------------------------------------------------
# Étape 6 : contexte
# --------------------------------------------------------------------------------------------

def _contexte(ter: _Territoires, rng: np.random.Generator) -> tuple[pl.DataFrame, np.ndarray]:
    com = ter.com
    n = com.n
    deps = sorted(set(com.dep))
    di = np.array([deps.index(d) for d in com.dep])
    # démographie : évolution annuelle par département (référence : population municipale actuelle)
    croissance = rng.normal(0.002, 0.004, len(deps))
    for d, g in (("976", 0.03), ("973", 0.02), ("971", -0.008), ("972", -0.01)):
        if d in deps:
            croissance[deps.index(d)] = g
    # NEET : niveau départemental, effet communal
    relatif = np.array([NEET_RELATIF_DEPARTEMENT.get(d, 1.0) for d in deps]) * rng.lognormal(0, 0.06, len(deps))
    taux_neet = 0.118 * relatif[di] * rng.lognormal(0, 0.15, n)
    taux_neet *= np.where(com.pop > 20000, 1.08, 1.0)
    bonus = np.array([VILLES_UNIVERSITAIRES.get(c, 0.0) for c in com.code])
    taux_neet *= 1 - 2.5 * bonus
    drom = np.array([NEET_DROM.get(d, np.nan) for d in com.dep])
    taux_neet = np.where(np.isnan(drom), taux_neet, drom * rng.lognormal(0, 0.1, n))
    taux_neet = np.clip(taux_neet, 0.02, 0.6)
    # demandeurs d'emploi de moins de 26 ans : corrélés aux NEET
    relatif_defm = (taux_neet / 0.125) ** 0.7 * rng.lognormal(0, 0.12, n)
    # établissements employeurs et places de formation (niveau de référence)
    densite_etab = 0.021 * np.where(com.pop < 500, 0.75, np.where(com.pop > 20000, 1.15, 1.0))
    etab_base = rng.gamma(4.0, 1 / 4.0, n) * com.pop * densite_etab
    a_formation = (com.pop > 3000) | (rng.uniform(size=n) < 0.02)
    places_base = np.where(
        a_formation,
        com.pop * 0.017 * rng.lognormal(0, 0.5, n) * (1 + 4 * bonus) + rng.integers(20, 150, n) * (com.pop <= 3000),
        0.0,
    )

    lignes = []
    for an in ANNEES:
        facteur = (1 + croissance[di]) ** (an - 2021) * np.exp(rng.normal(0, 0.01, n))
        pop1625 = np.round(com.jeunes * facteur).astype(np.int64)
        neet = rng.binomial(pop1625, np.clip(taux_neet * TENDANCE_NEET[an], 0, 1))
        defm = rng.binomial(pop1625, np.clip(TENDANCE_DEFM[an] * relatif_defm, 0, 0.9))
        etab = rng.poisson(etab_base * (1 + 0.012 * (an - 2015)))
        places = np.round(places_base * TENDANCE_FORMATION[an] * np.exp(rng.normal(0, 0.04, n))).astype(np.int64)
        lignes.append(pl.DataFrame({
            "annee": np.full(n, an, dtype=np.int64),
            "code_commune": com.code.tolist(),
            "population_16_25": pop1625,
            "jeunes_neet": neet,
            "demandeurs_emploi_moins_26": defm,
            "etablissements_employeurs": etab.astype(np.int64),
            "places_formation": places,
        }, schema=schema("contexte")))
    # taux de NEET par ML (pour l'activité)
    idx = np.flatnonzero(ter.couverte)
    w = com.jeunes[idx]
    neet_ml = (np.bincount(ter.ml_de_commune[idx], weights=w * taux_neet[idx], minlength=ter.nb)
               / np.bincount(ter.ml_de_commune[idx], weights=w, minlength=ter.nb))
    return pl.concat(lignes), neet_ml


# --------------------------------------------------------------------------------------------
# Générateur
# --------------------------------------------------------------------------------------------

def _ecrire(df: pl.DataFrame, chemin: Path) -> None:
    df.write_parquet(chemin, compression="zstd", statistics=True)


class Modele:
    """Les objets du jeu, construits étape par étape à partir d'une graine (un flux aléatoire par
    étape : une étape ne dépend pas du nombre de tirages des autres)."""

    def __init__(self, graine: int = 2015):
        self.flux = [np.random.default_rng(s) for s in np.random.SeedSequence(int(graine)).spawn(8)]

    def territoires(self) -> None:
        communes, departements = _referentiel()
        self.com = _Communes(communes, departements, self.flux[0])
        self.ter = _Territoires(self.com, self.flux[1])

    def lieux(self) -> None:
        self.sites = _sites(self.ter, self.flux[2])
        self.agences = _Agences(self.ter, self.flux[3])

    def partenariat(self) -> None:
        self.partenariat_ = _Partenariat(self.ter, self.agences, self.flux[4])

    def orientations(self, echelle: int = 1) -> None:
        self.orientations_ = _Orientations(self.ter, self.agences, self.partenariat_, self.flux[5])
        self.orientations_.preparer_echelle(echelle)

    def activite_et_contexte(self) -> None:
        self.contexte, neet_ml = _contexte(self.ter, self.flux[7])
        self.activite = _activite(self.ter, self.partenariat_, neet_ml, self.flux[6])


def generer(
    dossier: Path,
    graine: int = 2015,
    echelle: int = 1,
    progression: Callable[[float, str], None] | None = None,
) -> Path:
    """Écrit les dix fichiers du contrat dans ``dossier`` (créé au besoin) et rend ce dossier.

    Les fichiers sont d'abord écrits dans un sous-dossier temporaire, puis mis en place d'un coup à la
    fin : un échec en cours de route ne laisse pas un jeu à moitié remplacé."""
    if isinstance(echelle, bool) or int(echelle) != echelle or echelle < 1:
        raise ValueError(f"Échelle invalide : {echelle!r} (attendu un entier supérieur ou égal à 1).")
    echelle = int(echelle)
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".demo-en-cours-", dir=dossier))
    etape = iter(ETAPES)

    def signaler():
        fraction, message = next(etape)
        if progression is not None:
            progression(fraction, message)

    try:
        m = Modele(graine)
        signaler()
        m.territoires()
        for nom, df in m.ter.tables().items():
            _ecrire(df, temp / TABLES[nom].fichier)

        signaler()
        m.lieux()
        _ecrire(m.sites, temp / TABLES["sites_ml"].fichier)
        _ecrire(m.agences.table(), temp / TABLES["agences"].fichier)

        signaler()
        m.partenariat()
        for nom, df in m.partenariat_.tables().items():
            _ecrire(df, temp / TABLES[nom].fichier)

        signaler()
        m.orientations(echelle)
        with pq.ParquetWriter(temp / TABLES["orientations"].fichier, SCHEMA_ORIENTATIONS,
                              compression="zstd") as ecrivain:
            for an in ANNEES:
                ecrivain.write_table(m.orientations_.annee(an, echelle), row_group_size=1_000_000)
                if progression is not None:
                    progression(0.28 + 0.42 * (an - ANNEES[0] + 1) / len(ANNEES),
                                f"Orientations mensuelles entre les deux réseaux… {an}")

        signaler()
        m.activite_et_contexte()
        _ecrire(m.activite, temp / TABLES["activite"].fichier)
        signaler()
        _ecrire(m.contexte, temp / TABLES["contexte"].fichier)
        for nom in TABLES:
            os.replace(temp / TABLES[nom].fichier, dossier / TABLES[nom].fichier)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    signaler()
    return dossier


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m donnees.demo",
        description="Écrit un jeu d'exports de démonstration complet et valide (dix fichiers Parquet).",
    )
    parser.add_argument("dossier", type=Path, help="dossier de sortie (créé au besoin)")
    parser.add_argument("--graine", type=int, default=2015, help="graine du générateur (défaut : 2015)")
    parser.add_argument("--echelle", type=int, default=1,
                        help="multiplie le nombre de lignes d'orientations (défaut : 1)")
    zone = parser.add_mutually_exclusive_group()
    zone.add_argument("--region", metavar="CODE",
                      help="jeu d'une seule région (code Insee, ex. 53), comme l'export d'une ARML")
    zone.add_argument("--departement", metavar="CODE", help="jeu d'un seul département (ex. 29, 971)")
    args = parser.parse_args(argv)
    if args.echelle < 1:
        parser.error("--echelle doit être un entier supérieur ou égal à 1")
    from donnees import extrait

    if args.region or args.departement:
        try:
            extrait.departements_de(args.region, args.departement)
        except ValueError as exc:
            parser.error(str(exc))
    t0 = time.perf_counter()

    def afficher(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    if args.region or args.departement:
        # Le jeu national d'abord (mêmes ML, mêmes chiffres qu'en national), puis l'extrait de la zone.
        with tempfile.TemporaryDirectory(prefix="demo-national-") as national:
            generer(Path(national), graine=args.graine, echelle=args.echelle, progression=afficher)
            dossier = extrait.extraire(Path(national), args.dossier, region=args.region,
                                       departement=args.departement)
        zone_texte = f"région {args.region}" if args.region else f"département {args.departement}"
        print(f"Jeu de démonstration ({zone_texte}) écrit dans {dossier} en {time.perf_counter() - t0:.1f} s.")
        return 0
    dossier = generer(args.dossier, graine=args.graine, echelle=args.echelle, progression=afficher)
    print(f"Jeu de démonstration écrit dans {dossier} en {time.perf_counter() - t0:.1f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
