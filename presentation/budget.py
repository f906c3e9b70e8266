"""Budget de l'accord mis en forme, sans Streamlit : ce que montre la page « Budget de l'accord »
(``pages/budget.py``), fabriqué à partir des nombres et des codes de ``requetes/budget.py``.

- phrases : explications du rapprochement et des anomalies, avertissement du simulateur (montants à l'euro
  près, au centime s'il y en a ; ETP à leur précision exacte) ;
- tableaux (``presentation.blocs.Tableau``) : une copie à afficher, nombres à la française et en-têtes
  français, et le tableau de nombres qu'on télécharge ;
- figures Plotly (couleurs de ``presentation.theme``) : cascade de l'enveloppe, soleil des territoires,
  boîtes à moustaches des ratios (étiquettes écartées les unes des autres), agents au fil des années ;
- chiffres clés (``presentation.blocs.Carte``).

Les fonctions ``vue_*`` (et ``parametres``, ``options_simulateur``, ``tableau_detail``) prennent le jeu et
gardent leur résultat dans ses petits caches, par périmètre (``requetes.perimetre.cache``) : ce qui est le
même pour toutes les sessions d'un périmètre est calculé une fois par jeu. Leurs valeurs sont partagées
entre ces sessions : ne pas les modifier (figures comprises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from presentation import couverture as mots_couverture
from presentation import format as fmt
from presentation.blocs import Carte, Rangee, Tableau
from presentation.theme import BLEU_FRANCE, GRIS_FONCE, GRIS_MOYEN, ORANGE_AVERTISSEMENT, ROUGE_MARIANNE
from requetes import budget, perimetre
from requetes.budget import EPSILON_ETP, EPSILON_EUR, LIBELLES_COLONNES
from requetes.couverture import couverture
from requetes.jeu import JeuDeDonnees

MENTHE = "#009081"
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
AIDE_PARTS_ZONE = ("Somme, sur les lignes d'allocation de l'année des Missions Locales du jeu (zone couverte), de la "
                   "valorisation des agents affectés, de la subvention en compensation et des autres crédits. Jeu "
                   "partiel : elle n'est pas comparée à l'enveloppe nationale.")
AIDE_NATIONAL = " Paramètre national de l'accord : il vaut pour toute la France, pas pour la zone du jeu."
AIDE_ANOMALIES = ("Valorisations ≠ ETP affectés × forfait, subventions ≠ ETP compensés × forfait, parts allouées "
                  "à des codes inconnus. Montant en jeu : l'écart au forfait, ou la part entière pour un code "
                  "inconnu.")


# --------------------------------------------------------------------------------------------------
# Nombres des tableaux et des chiffres clés
# --------------------------------------------------------------------------------------------------

def _decimales_euros(v: float) -> int:
    return 0 if abs(v - round(v)) < EPSILON_EUR else 2


def montant(v) -> str:
    """Montant exact (à l'euro, ou au centime s'il y en a) : « 14 625 000 € », « 40 000,50 € »."""
    if fmt.absent(v):
        return fmt.TIRET
    return fmt.euros(v, _decimales_euros(v), echelle="unite")


def montant_signe(v) -> str:
    """Écart exact signé : « +125 000 € », « -4 999,50 € »."""
    return fmt.euros(v, _decimales_euros(v), echelle="unite", signe=True)


def etp(v) -> str:
    """« 325 ETP », « 324,5 ETP »."""
    if fmt.absent(v):
        return fmt.TIRET
    return fmt.format_valeur(v, "ETP", decimales=0 if abs(v - round(v)) < 1e-9 else 1)


def valeur(v, unite: str) -> str:
    """Une valeur du rapprochement dans son unité (« € » : montant exact, « ETP »)."""
    if unite == "€":
        return montant(v)
    if unite == "ETP":
        return etp(v)
    return fmt.format_valeur(v, unite)


def court(nom: str) -> str:
    """« Mission Locale de Brest » → « Brest » (étiquettes de graphique)."""
    for debut in ("Mission Locale de la ", "Mission Locale de l'", "Mission Locale du ", "Mission Locale des ",
                  "Mission Locale de ", "Mission Locale d'", "Mission Locale "):
        if nom.startswith(debut):
            return nom[len(debut):]
    return nom


# --------------------------------------------------------------------------------------------------
# Nombres dans les phrases
# --------------------------------------------------------------------------------------------------

def _nombre(x: float) -> str:
    """Nombre exact à la française : entier s'il l'est, sinon au centime."""
    return fmt.nombre(x, _decimales_euros(x))


def _decimales_exactes(x: float, maximum: int = 6) -> int:
    for d in range(0, maximum + 1):
        if abs(round(x, d) - x) < 1e-9:
            return d
    return maximum


def _eur(x: float, millions: bool = False) -> str:
    """« 14 625 000 € » ; avec ``millions``, « 14 625 000 € (14,625 M€) » : l'équivalent en millions,
    au-delà de 100 000 €, reste exact à l'euro près (jamais « 0,1 M€ » pour 125 000 €)."""
    texte = f"{_nombre(x)}{fmt.ESPACE}€"
    if millions and abs(x) >= 100_000:
        en_millions = round(x) / 1_000_000
        texte += f" ({fmt.euros(round(x), _decimales_exactes(en_millions), echelle='M')})"
    return texte


def _etp(x: float) -> str:
    """ETP à leur précision exacte : « 204,8 ETP », « 0,25 ETP »."""
    return f"{fmt.nombre(x, _decimales_exactes(x))}{fmt.ESPACE}ETP"


def _ml(n: int) -> str:
    pluriel = "s" if n > 1 else ""
    return f"{fmt.nombre(n)} Mission{pluriel} Locale{pluriel}"


# --------------------------------------------------------------------------------------------------
# Tableaux
# --------------------------------------------------------------------------------------------------

def _format_unite(unite: str) -> Callable:
    if unite == "€":
        return montant
    if unite in ("%", "ETP"):
        return lambda v: fmt.nombre(v, 1)
    if unite == "entier":
        return lambda v: fmt.nombre(v, 0)
    return lambda v: fmt.nombre(v, 2)


def texte_tableau(df: pl.DataFrame, unites: dict[str, str]) -> pl.DataFrame:
    """Copie du tableau à afficher : colonnes chiffrées mises en forme à la française selon ``unites``
    (« € » : montant exact ; « % » et « ETP » : une décimale ; « entier » ; sinon deux décimales), les autres
    telles quelles, en-têtes français (``LIBELLES_COLONNES``)."""
    colonnes = []
    for nom in df.columns:
        u = unites.get(nom)
        if u is None:
            colonnes.append(df[nom])
        else:
            colonnes.append(pl.Series(nom, fmt.textes(_format_unite(u), df[nom]), dtype=pl.Utf8))
    return pl.DataFrame(colonnes).rename({c: LIBELLES_COLONNES.get(c, c) for c in df.columns})


def tableau(df: pl.DataFrame, unites: dict[str, str], cle: str, nom_fichier: str, annee: int,
            hauteur: int | str = "auto", masquer: tuple[str, ...] = ()) -> Tableau:
    """Le tableau affiché (sans les colonnes ``masquer``, des codes techniques) et téléchargé (toutes les
    colonnes, nombres)."""
    return Tableau(affichage=texte_tableau(df.drop(*masquer), unites), donnees=df, libelles=LIBELLES_COLONNES,
                   cle=cle, nom_fichier=nom_fichier, annee=annee, hauteur=hauteur)


# --------------------------------------------------------------------------------------------------
# Explications du rapprochement
# --------------------------------------------------------------------------------------------------

# Mots des lignes au forfait : sujet, possessif devant les ETP, objet au singulier, ETP concernés.
_MOTS_FORFAIT = {
    "valorisation_forfait": ("Les valorisations déclarées par les ML", "leurs", "valorisation", "affectés",
                             "etp_affectes"),
    "subvention_forfait": ("Les subventions en compensation versées", "les", "subvention", "compensés",
                           "etp_compenses"),
}


def _phrase_enveloppe(l: dict) -> str:
    s_part, env, e = l["compare"], l["reference"], l["ecart"]
    debut = (f"Les parts des {_ml(l['nb_ml'])} (valorisation + subvention + crédits) s'additionnent à "
             f"{_eur(s_part, True)}")
    if l["cas"] == "egal":
        return f"{debut}, exactement l'enveloppe de {_eur(env, True)} : rien n'est perdu ni ajouté en route."
    if l["cas"] == "moins":
        return (f"{debut}, soit {_eur(-e, True)} de moins que l'enveloppe de {_eur(env, True)} : "
                "cette somme n'est attribuée à aucune Mission Locale.")
    return (f"{debut}, soit {_eur(e, True)} de plus que l'enveloppe de {_eur(env, True)} : "
            "les Missions Locales reçoivent plus que ce que l'accord prévoit.")


def _phrase_accord(l: dict) -> str:
    val_nat = l["reference"]
    debut = f"{_etp(l['etp_prevus'])} prévus × {_eur(l['forfait_eur'])} de forfait = {_eur(l['compare'], True)}"
    if l["cas"] == "egal":
        return f"{debut}, exactement la valorisation de {_eur(val_nat, True)} annoncée par l'accord."
    return (f"{debut}, soit {_eur(abs(l['ecart']), True)} de {l['cas']} que les {_eur(val_nat, True)} annoncés "
            "par l'accord : l'écart est dans le texte de l'accord lui-même (les deux chiffres ne peuvent pas "
            "être justes ensemble), pas dans les données des Missions Locales.")


def _phrase_valorisation_ml(l: dict) -> str:
    val_nat = l["reference"]
    debut = (f"Les ML reçoivent {_eur(l['compare'], True)} au titre des ETP : {_eur(l['valorisation_eur'])} de "
             f"valorisation pour {_etp(l['etp_affectes'])} affectés et {_eur(l['subvention_eur'])} de "
             f"subventions pour {_etp(l['etp_compenses'])} compensés")
    if l["cas"] == "egal":
        return f"{debut}. C'est exactement la valorisation de {_eur(val_nat, True)} annoncée par l'accord."
    causes = []
    c_accord, c_etp, c_forfait = l["cause_accord_eur"], l["cause_etp_eur"], l["cause_forfait_eur"]
    if abs(c_accord) > EPSILON_EUR:
        causes.append(f"{_eur(c_accord, True)} viennent de l'écart de l'accord lui-même "
                      f"({_etp(l['etp_prevus'])} × {_eur(l['forfait_eur'])} ≠ {_eur(val_nat)})")
    if abs(c_etp) > EPSILON_EUR:
        causes.append(f"{_eur(c_etp)} des ETP affectés ou compensés en "
                      f"{'plus' if c_etp > 0 else 'moins'} des {_etp(l['etp_prevus'])} prévus")
    if abs(c_forfait) > EPSILON_EUR:
        causes.append(f"{_eur(c_forfait)} des valorisations et subventions qui s'écartent du forfait")
    return (f"{debut}. C'est {_eur(abs(l['ecart']), True)} de {l['cas']} que les {_eur(val_nat, True)} annoncés "
            "par l'accord : " + " ; ".join(causes) + ".")


def _phrase_valorisation_agents(l: dict) -> str:
    val_nat, s_aff, s_comp = l["reference"], l["etp_affectes"], l["etp_compenses"]
    if s_aff > EPSILON_ETP:
        debut = f"Les {_etp(s_aff)} affectés dans les ML sont valorisés {_eur(l['compare'], True)}"
    else:
        debut = f"Plus aucun agent n'est affecté dans les ML : valorisation de {_eur(l['compare'], True)}"
    if l["cas"] == "egal":
        return f"{debut}, exactement la valorisation de {_eur(val_nat, True)} annoncée par l'accord."
    phrase = (f"{debut}, soit {_eur(abs(l['ecart']), True)} de {l['cas']} que les {_eur(val_nat, True)} "
              "annoncés par l'accord")
    if s_comp > EPSILON_ETP:
        phrase += (f" ; {_etp(s_comp)} ne sont plus des agents mais des subventions en compensation, "
                   f"pour {_eur(l['subvention_eur'])}")
    return phrase + "."


def _phrase_forfait(l: dict) -> str:
    sujet, possessif, objet, qui, colonne_etp = _MOTS_FORFAIT[l["controle"]]
    debut = (f"{sujet} s'élèvent à {_eur(l['compare'])} ; {possessif} {_etp(l[colonne_etp])} {qui} "
             f"valent {_eur(l['reference'])} au forfait")
    if l["cas"] == "egal":
        return f"{debut} : chaque {objet} vaut exactement ETP {qui} × forfait."
    if l["cas"] == "compense":
        return (f"{debut} : le total tombe juste, mais {_ml(l['nb_ml'])} ont une {objet} différente de "
                "ETP × forfait, les écarts se compensent (voir les anomalies).")
    return (f"{debut} : {_eur(abs(l['ecart']))} de {l['cas']}, dus à {_ml(l['nb_ml'])} dont la {objet} diffère "
            f"de ETP {qui} × forfait (voir les anomalies).")


def _phrase_etp(l: dict) -> str:
    etp_nat = l["reference"]
    debut = (f"Les ML comptent {_etp(l['etp_affectes'])} affectés et {_etp(l['etp_compenses'])} compensés par "
             f"une subvention, soit {_etp(l['compare'])}")
    if l["cas"] == "egal":
        return f"{debut} : exactement les {_etp(etp_nat)} prévus par l'accord."
    return f"{debut} : {_etp(abs(l['ecart']))} de {l['cas']} que les {_etp(etp_nat)} prévus par l'accord."


_PHRASES_RAPPROCHEMENT = {
    "enveloppe": _phrase_enveloppe,
    "accord": _phrase_accord,
    "valorisation_ml": _phrase_valorisation_ml,
    "valorisation_agents": _phrase_valorisation_agents,
    "valorisation_forfait": _phrase_forfait,
    "subvention_forfait": _phrase_forfait,
    "etp": _phrase_etp,
}


def explication_rapprochement(ligne: dict) -> str:
    """La phrase qui explique une ligne du rapprochement (``requetes.budget.rapprocher``), selon son
    contrôle et son cas."""
    return _PHRASES_RAPPROCHEMENT[ligne["controle"]](ligne)


def rapprochement_explique(rap: pl.DataFrame) -> pl.DataFrame:
    """Le rapprochement à télécharger : contrôle, libellés, valeurs, écart et la phrase qui l'explique."""
    return rap.select(
        "controle", "libelle", "unite", "reference_libelle", "reference", "compare_libelle", "compare", "ecart",
        pl.Series("explication", fmt.textes(explication_rapprochement, rap.to_dicts()), dtype=pl.Utf8),
    )


def lignes_rapprochement(rap: pl.DataFrame) -> list[str]:
    """Une ligne Markdown par contrôle : icône (juste ou en écart), libellé, écart signé, explication."""
    lignes = []
    for ligne in rap.to_dicts():
        juste = abs(ligne["ecart"]) < (EPSILON_EUR if ligne["unite"] == "€" else EPSILON_ETP)
        icone = ":material/check_circle:" if juste else ":material/error:"
        ecart_txt = valeur(ligne["ecart"], ligne["unite"])
        if not juste and ligne["ecart"] > 0:
            ecart_txt = "+" + ecart_txt
        lignes.append(f"{icone} **{ligne['libelle']}** — écart : **{ecart_txt}**  \n"
                      f"{explication_rapprochement(ligne)}")
    return lignes


def tableau_rapprochement(rap: pl.DataFrame, annee: int) -> Tableau:
    """Référence, valeur comparée et écart de chaque contrôle, dans leur unité ; on télécharge les nombres
    et les explications."""
    affichage = rap.select(
        "libelle", "reference_libelle",
        pl.Series("reference", fmt.textes(valeur, rap["reference"], rap["unite"])),
        "compare_libelle",
        pl.Series("compare", fmt.textes(valeur, rap["compare"], rap["unite"])),
        pl.Series("ecart", fmt.textes(valeur, rap["ecart"], rap["unite"])),
    ).rename({c: LIBELLES_COLONNES[c] for c in ("libelle", "reference_libelle", "reference", "compare_libelle",
                                                "compare", "ecart")})
    return Tableau(affichage=affichage, donnees=rapprochement_explique(rap), libelles=LIBELLES_COLONNES,
                   cle="budget_rapprochement", nom_fichier="rapprochement", annee=annee)


# --------------------------------------------------------------------------------------------------
# Explications des anomalies
# --------------------------------------------------------------------------------------------------

_MOTS_ANOMALIE = {"valorisation": "affectés", "subvention": "compensés"}


def explication_anomalie(a: dict) -> str:
    """La phrase qui explique une anomalie (``requetes.budget.detecter_anomalies``), selon son type."""
    if a["type"] == "ml_inconnue":
        return (f"Une part de {_eur(a['montant_declare_eur'])} est allouée au code « {a['code_ml']} », absent de "
                "la liste des Missions Locales : ce montant n'est rattaché à aucune ML ni à aucun territoire.")
    if a["type"] == "departement_inconnu":
        return (f"{a['nom_ml']} reçoit {_eur(a['montant_declare_eur'])} mais son département "
                f"« {a['code_departement']} » n'existe pas dans le référentiel géographique : ce montant n'est "
                "rattaché à aucune région.")
    sens = "de plus" if a["ecart_eur"] > 0 else "de moins"
    return (f"{a['nom_ml']} déclare une {a['type']} de {_eur(a['montant_declare_eur'])} pour {_etp(a['etp'])} "
            f"{_MOTS_ANOMALIE[a['type']]} ; au forfait de {_eur(a['forfait_eur'])}, on attend "
            f"{_eur(a['montant_attendu_eur'])} : {_eur(abs(a['ecart_eur']))} {sens}.")


def anomalies_expliquees(anomalies: pl.DataFrame) -> pl.DataFrame:
    """Les anomalies à afficher et à télécharger : type, ML, montants et la phrase qui les explique."""
    return anomalies.select(
        "type", "libelle_type", "code_ml", "nom_ml", "nom_region", "etp", "montant_declare_eur",
        "montant_attendu_eur", "ecart_eur", "montant_en_jeu_eur",
        pl.Series("explication", fmt.textes(explication_anomalie, anomalies.to_dicts()), dtype=pl.Utf8),
    )


# --------------------------------------------------------------------------------------------------
# Chiffres clés
# --------------------------------------------------------------------------------------------------

def avertissement_parametres(annee: int) -> str:
    return (f"Les paramètres nationaux de l'accord (fichier enveloppe) manquent pour {annee} : l'enveloppe, la "
            "valorisation annoncée et le rapprochement ne peuvent pas être montrés. Les montants des Missions "
            "Locales restent affichés.")


def rangees_chiffres(param: dict | None, allocations: pl.DataFrame, anomalies: pl.DataFrame,
                     allocations_region: pl.DataFrame | None = None, territoire: str | None = None,
                     national: bool = True) -> list[Rangee]:
    """Les chiffres clés de l'en-tête : paramètres de l'accord (s'ils sont connus), parts et ETP des ML,
    anomalies, et la part de la région si ``allocations_region`` est donné. ``national`` faux (jeu partiel) :
    les paramètres sont dits nationaux et la somme des parts des ML (celles de la zone) n'est pas comparée à
    l'enveloppe nationale."""
    rangees = []
    nat = "" if national else " (national)"
    aide_nat = "" if national else AIDE_NATIONAL
    if param is not None:
        calcul = param["etp_nationaux"] * param["forfait_etp_eur"]
        ecart_accord = calcul - param["valorisation_etp_eur"]
        visible = abs(ecart_accord) >= EPSILON_EUR
        rangees.append(Rangee((
            Carte("Enveloppe de l'accord" if national else "Enveloppe nationale",
                  fmt.euros(param["enveloppe_totale_eur"]), AIDE_ENVELOPPE + aide_nat),
            Carte("Valorisation annoncée" if national else "Valorisation nationale",
                  fmt.euros(param["valorisation_etp_eur"]), AIDE_VALORISATION + aide_nat),
            Carte(f"ETP prévus{nat}", etp(param["etp_nationaux"]), AIDE_ETP + aide_nat),
            Carte(f"ETP prévus × {montant(param['forfait_etp_eur'])}{nat}", montant(calcul), AIDE_CALCUL + aide_nat,
                  delta=montant_signe(ecart_accord) if visible else None, couleur="off",
                  description="par rapport à l'annonce" if visible else None),
        ), (1, 1, 1, 1.4)))
    somme_parts = float(allocations["part_eur"].sum() or 0.0)
    ecart_env = somme_parts - param["enveloppe_totale_eur"] if param and national else None
    visible = ecart_env is not None and abs(ecart_env) >= EPSILON_EUR
    rangees.append(Rangee((
        Carte("Somme des parts des ML" if national else "Somme des parts des ML de la zone", montant(somme_parts),
              AIDE_PARTS if national else AIDE_PARTS_ZONE,
              delta=montant_signe(ecart_env) if visible else None, couleur="off",
              description="par rapport à l'enveloppe" if visible else None),
        Carte("ETP affectés", etp(allocations["etp_affectes"].sum()),
              "Somme des ETP d'agents France Travail affectés dans les ML (table allocations)."),
        Carte("ETP compensés", etp(allocations["etp_compenses"].sum()),
              "Somme des ETP remplacés par une subvention en compensation (table allocations)."),
        Carte("Anomalies", fmt.nombre(anomalies.height), AIDE_ANOMALIES,
              delta=f"{montant(anomalies['montant_en_jeu_eur'].sum())} en jeu" if anomalies.height else None,
              couleur="off", fleche="off"),
    ), (1.25, 1, 1, 0.85)))
    if allocations_region is not None:
        part_region = float(allocations_region["part_eur"].sum() or 0.0)
        rangees.append(Rangee((
            Carte(f"Part de la région {territoire}", montant(part_region),
                  "Somme des parts des Missions Locales dont le siège est dans la région."),
            Carte("Part de l'enveloppe",
                  fmt.pourcentage(100 * part_region / param["enveloppe_totale_eur"])
                  if param and param["enveloppe_totale_eur"] else fmt.TIRET,
                  "Part de la région ÷ enveloppe nationale de l'accord."),
            Carte("ETP affectés (région)", etp(allocations_region["etp_affectes"].sum()),
                  "ETP d'agents France Travail affectés dans les ML de la région."),
            Carte("ML de la région", fmt.nombre(allocations_region.height),
                  "Missions Locales de la région ayant une ligne d'allocation pour l'année."),
        ), (1.25, 1, 1, 0.85)))
    return rangees


# --------------------------------------------------------------------------------------------------
# Enveloppe : cascade de la décomposition
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cascade:
    """Barres de la cascade : ``montants`` des postes (0 pour une barre de total), ``mesures`` (« relative »
    ou « total ») et ``totaux`` : le montant de chaque barre (le poste, ou le cumul pour un total)."""

    libelles: tuple[str, ...]
    montants: tuple[float, ...]
    mesures: tuple[str, ...]
    totaux: tuple[float, ...]


def cascade(dec: pl.DataFrame) -> Cascade:
    """La cascade d'une décomposition (``requetes.budget.decomposer``) : les trois postes, leur somme, puis,
    si la décomposition a un écart à l'enveloppe (national), cet écart et l'enveloppe. Un libellé de plus de
    16 caractères passe à la ligne après son premier mot."""
    lignes = dec.filter(pl.col("poste").is_in(list(budget.COLONNES_POSTES)))
    x = lignes["libelle"].to_list() + ["Somme des parts des ML"]
    y = lignes["montant_eur"].to_list() + [0.0]
    mesures = ["relative"] * lignes.height + ["total"]
    ecart = dec.filter(pl.col("poste") == "ecart")
    if ecart.height:
        x += ["Écart à l'enveloppe", "Enveloppe de l'accord"]
        y += [ecart["montant_eur"].item(), 0.0]
        mesures += ["relative", "total"]
    totaux = []
    cumul = 0.0
    for m, v in zip(mesures, y, strict=True):
        cumul = cumul + v if m == "relative" else cumul
        totaux.append(v if m == "relative" else cumul)
    x = [lib.replace(" ", "<br>", 1) if len(lib) > 16 else lib for lib in x]
    return Cascade(tuple(x), tuple(y), tuple(mesures), tuple(totaux))


def figure_cascade(c: Cascade) -> go.Figure:
    fig = go.Figure(go.Waterfall(
        x=list(c.libelles), y=[v / 1e6 for v in c.montants], measure=list(c.mesures),
        text=[fmt.euros(v) for v in c.totaux], textposition="outside",
        customdata=[montant(v) for v in c.totaux],
        hovertemplate="%{x}<br>%{customdata}<extra></extra>",
        increasing=dict(marker=dict(color=BLEU_FRANCE)),
        decreasing=dict(marker=dict(color=ROUGE_MARIANNE)),
        totals=dict(marker=dict(color=GRIS_FONCE)),
        connector=dict(line=dict(color=GRIS_MOYEN, width=1)),
    ))
    fig.update_layout(showlegend=False, height=420, margin=dict(t=30))
    fig.update_yaxes(title_text="Montant (M€)", tickformat=",.2~f", rangemode="tozero")
    fig.update_yaxes(range=[0, max([*c.totaux, 1.0]) / 1e6 * 1.15])
    fig.update_xaxes(title_text=None)
    return fig


# --------------------------------------------------------------------------------------------------
# Territoires
# --------------------------------------------------------------------------------------------------

def figure_soleil(arbre: pl.DataFrame) -> go.Figure:
    """Diagramme en soleil région → département → ML (``requetes.budget.arbre``) ; noms échappés."""
    fig = go.Figure(go.Sunburst(
        ids=arbre["id"].to_list(), parents=arbre["parent"].to_list(),
        labels=fmt.textes(fmt.echapper_html, arbre["libelle"]),
        values=arbre["montant_eur"].to_list(), branchvalues="total", maxdepth=2,
        customdata=fmt.textes(lambda m, a, c: [montant(m), etp(a), etp(c)], arbre["montant_eur"],
                              arbre["etp_affectes"], arbre["etp_compenses"]),
        hovertemplate=("<b>%{label}</b><br>Part de l'enveloppe : %{customdata[0]}<br>"
                       "ETP affectés : %{customdata[1]}<br>ETP compensés : %{customdata[2]}<br>"
                       "%{percentRoot:.1%} du total<extra></extra>"),
        insidetextorientation="radial",
    ))
    fig.update_layout(height=560, margin=dict(t=10, l=10, r=10, b=10))
    return fig


def libelles_departements(deps: pl.DataFrame) -> dict[str | None, str]:
    """Options du choix d'un département (None : tous), dans l'ordre des codes : « Nom (code) »."""
    deps = deps.sort("code_departement")
    return {None: "Tous les départements",
            **dict(zip(deps["code_departement"],
                       fmt.textes(lambda c, n: f"{n} ({c})", deps["code_departement"], deps["nom_departement"]),
                       strict=True))}


UNITES_DETAIL = {"nb_ml": "entier", "etp_affectes": "ETP", "etp_compenses": "ETP", "valorisation_etp_eur": "€",
                 "subvention_compensatoire_eur": "€", "credits_financiers_eur": "€", "part_eur": "€",
                 "part_pct": "%"}


# --------------------------------------------------------------------------------------------------
# Ratios par ML : boîtes à moustaches
# --------------------------------------------------------------------------------------------------

def ordonnees_etiquettes(valeurs: list[float], descendant: bool, ecart_min: float) -> list[float]:
    """Hauteur de l'étiquette de chaque point (``valeurs`` triées, décroissantes si ``descendant``) : à la
    hauteur du point, mais au moins ``ecart_min`` plus bas (en descendant) ou plus haut que l'étiquette
    précédente, pour qu'elles ne se chevauchent pas."""
    hauteurs: list[float] = []
    for v in valeurs:
        y = v
        if hauteurs:
            y = min(v, hauteurs[-1] - ecart_min) if descendant else max(v, hauteurs[-1] + ecart_min)
        hauteurs.append(y)
    return hauteurs


def _nommer_atypiques(fig: go.Figure, r, s: dict, p: pl.DataFrame, i: int) -> None:
    """Nomme les ML atypiques les plus éloignées de la médiane, étiquettes écartées (reliées au point)."""
    etendue = max(p["valeur"].max(), s["moustache_haute"]) - min(p["valeur"].min(), s["moustache_basse"])
    ecart_min = (etendue or 1.0) / 16
    nommes = p.with_columns((pl.col("valeur") - s["mediane"]).abs().alias("_d")).sort(
        "_d", descending=True).head(NB_NOMMES)
    suffixe = "" if i == 1 else str(i)
    for position, descendant in (("haut", True), ("bas", False)):
        groupe = nommes.filter(pl.col("position") == position).sort("valeur", descending=descendant)
        valeurs = groupe["valeur"].to_list()
        for nom, v, y_texte in zip(groupe["nom_ml"].to_list(), valeurs,
                                   ordonnees_etiquettes(valeurs, descendant, ecart_min), strict=True):
            fig.add_annotation(
                x=r.libelle, y=v, xref=f"x{suffixe}", yref=f"y{suffixe}",
                ax=28, ay=y_texte, axref="pixel", ayref=f"y{suffixe}",
                text=fmt.echapper_html(court(nom)), showarrow=True, arrowhead=0, arrowwidth=1,
                arrowcolor=GRIS_MOYEN, xanchor="left", font=dict(size=11, color=GRIS_FONCE),
            )


def figure_boites(stats: pl.DataFrame, points: pl.DataFrame) -> go.Figure:
    """Une boîte par ratio (``requetes.budget.boites``), ML atypiques en points (toutes avec une
    info-bulle), les plus éloignées de la médiane nommées."""
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
            fig.add_trace(go.Scatter(
                x=[r.libelle] * p.height, y=p["valeur"].to_list(), mode="markers",
                marker=dict(color=ROUGE_MARIANNE, size=7), cliponaxis=False,
                customdata=fmt.textes(lambda n, v: [fmt.echapper_html(n), montant(v)], p["nom_ml"], p["valeur"]),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>", showlegend=False,
            ), row=1, col=i)
            _nommer_atypiques(fig, r, s, p, i)
        fig.update_yaxes(title_text=r.unite, tickformat=",.2~f", row=1, col=i)
        fig.update_xaxes(showticklabels=False, row=1, col=i)
    fig.update_layout(height=520, margin=dict(t=40))
    return fig


UNITES_STATISTIQUES = {"n": "entier", **{c: "€" for c in ("q1", "mediane", "q3", "borne_basse", "borne_haute",
                                                          "moustache_basse", "moustache_haute")},
                       "nb_aberrants": "entier"}
UNITES_RATIOS = {"etp_affectes": "ETP", "etp_compenses": "ETP", "part_eur": "€", "jeunes_accompagnes": "ETP",
                 "entrees_delegation": "entier", "objectif_entrees_delegation": "entier",
                 **{c: "€" for c in budget.RATIOS}}


def definitions_ratios() -> list[str]:
    """« **€ par jeune accompagné** — définition », une ligne Markdown par ratio."""
    return [f"**{r.libelle}** — {r.definition}" for r in budget.RATIOS.values()]


# --------------------------------------------------------------------------------------------------
# Agents et subventions au fil des années
# --------------------------------------------------------------------------------------------------

def figure_etp(serie: pl.DataFrame) -> go.Figure:
    """ETP affectés et compensés, en barres empilées par année."""
    annees_txt = [str(a) for a in serie["annee"].to_list()]
    fig = go.Figure([
        go.Bar(x=annees_txt, y=serie["etp_affectes"].to_list(), name="ETP affectés",
               marker_color=BLEU_FRANCE,
               customdata=fmt.textes(etp, serie["etp_affectes"]),
               hovertemplate="%{x} : %{customdata} affectés<extra></extra>"),
        go.Bar(x=annees_txt, y=serie["etp_compenses"].to_list(), name="ETP compensés par une subvention",
               marker_color=MENTHE,
               customdata=fmt.textes(etp, serie["etp_compenses"]),
               hovertemplate="%{x} : %{customdata} compensés<extra></extra>"),
    ])
    fig.update_layout(barmode="stack", title="ETP affectés et compensés", height=380,
                      legend=dict(orientation="h", y=-0.2))
    fig.update_yaxes(title_text="ETP", tickformat=",.2~f")
    fig.update_xaxes(title_text="Année", type="category")
    return fig


def figure_ml_agent(serie: pl.DataFrame) -> go.Figure:
    """ML ayant perdu leur agent (barres) et part des ML avec un agent (courbe, second axe), par année."""
    annees_txt = [str(a) for a in serie["annee"].to_list()]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(
        x=annees_txt, y=serie["nb_ml_ayant_perdu_agent"].to_list(), name="ML ayant perdu leur agent",
        marker_color=ORANGE_AVERTISSEMENT,
        hovertemplate="%{x} : %{y} ML ont perdu leur agent<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=annees_txt, y=serie["part_ml_avec_agent_pct"].to_list(), name="Part des ML avec un agent",
        mode="lines+markers", line=dict(color=BLEU_FRANCE, width=3),
        customdata=fmt.textes(fmt.pourcentage, serie["part_ml_avec_agent_pct"]),
        hovertemplate="%{x} : %{customdata} des ML ont un agent<extra></extra>"), secondary_y=True)
    fig.update_layout(title="ML avec un agent affecté", height=380, legend=dict(orientation="h", y=-0.2))
    perdues_max = int(serie["nb_ml_ayant_perdu_agent"].max() or 0)
    fig.update_yaxes(title_text="ML ayant perdu leur agent", tickformat=",d", secondary_y=False,
                     range=[0, max(perdues_max, 1) * 1.1], dtick=max(1, -(-perdues_max // 5)))
    fig.update_yaxes(title_text="Part des ML avec un agent (%)", range=[0, 105], secondary_y=True,
                     showgrid=False, tickmode="array", tickvals=[0, 25, 50, 75, 100], ticksuffix=" %")
    fig.update_xaxes(title_text="Année", type="category")
    return fig


COLONNES_SERIES = ["annee", "etp_affectes", "etp_compenses", "valorisation_etp_eur", "subvention_compensatoire_eur",
                   "credits_financiers_eur", "nb_ml", "nb_ml_avec_agent", "nb_ml_ayant_perdu_agent",
                   "part_ml_avec_agent_pct", "taux_maintien_pct"]
UNITES_SERIES = {"etp_affectes": "ETP", "etp_compenses": "ETP", "valorisation_etp_eur": "€",
                 "subvention_compensatoire_eur": "€", "credits_financiers_eur": "€", "nb_ml": "entier",
                 "nb_ml_avec_agent": "entier", "nb_ml_ayant_perdu_agent": "entier", "part_ml_avec_agent_pct": "%",
                 "taux_maintien_pct": "%"}
UNITES_PERTES = {"etp_affectes_annee_precedente": "ETP", "etp_compenses": "ETP", "subvention_compensatoire_eur": "€",
                 "credits_financiers_eur": "€"}


# --------------------------------------------------------------------------------------------------
# Simulateur
# --------------------------------------------------------------------------------------------------

def options_ml(allocations: pl.DataFrame) -> dict[str, str]:
    """ML qui ont un agent affecté, par nom : code → « Nom (code) » (le code si le nom manque)."""
    avec_agent = allocations.filter(pl.col("etp_affectes") > 0).sort("nom_ml")
    return dict(zip(avec_agent["code_ml"],
                    fmt.textes(lambda c, n: f"{n} ({c})", avec_agent["code_ml"],
                               avec_agent["nom_ml"].fill_null(avec_agent["code_ml"])),
                    strict=True))


def avertissements_simulation(sim: budget.Simulation) -> list[str]:
    if not sim.perimetre_insuffisant:
        return []
    return [f"Le périmètre ne compte que {_etp(sim.etp_bascules)} affectés : {_etp(sim.etp_bascules)} basculent "
            f"au lieu des {_etp(sim.etp_demandes)} demandés."]


def rapprochement_simulation(sim: budget.Simulation) -> pl.DataFrame:
    """Écarts du rapprochement avant et après la bascule, et l'explication après (à télécharger)."""
    return sim.rapprochement.with_columns(
        explication_apres=pl.Series(fmt.textes(explication_rapprochement, sim.rapprochement_apres.to_dicts()),
                                    dtype=pl.Utf8))


@dataclass(frozen=True)
class VueSimulation:
    avertissements: tuple[str, ...]
    chiffres: Rangee
    decomposition: Tableau
    ml_relation_financiere: Tableau | None  # None : aucune ML ne perd son dernier agent
    changements: tuple[str, ...]  # une ligne Markdown par écart du rapprochement qui change
    rapprochement: Tableau


def simulation(sim: budget.Simulation, annee: int) -> VueSimulation:
    """Ce que montre le simulateur après une bascule : chiffres clés, nouvelle décomposition, ML réduites
    à une relation financière, effet sur le rapprochement."""
    somme_av = float(sim.allocations_avant["part_eur"].sum())
    somme_ap = float(sim.allocations_apres["part_eur"].sum())
    chiffres = Rangee((
        Carte("ETP qui basculent", etp(sim.etp_bascules),
              "ETP d'agents affectés remplacés par une subvention en compensation."),
        Carte("ML sans agent affecté", fmt.nombre(sim.nb_ml_sans_agent_apres),
              "Missions Locales sans aucun ETP affecté après la bascule.",
              delta=fmt.nombre(sim.nb_ml_sans_agent_apres - sim.nb_ml_sans_agent_avant, signe=True),
              couleur="inverse", description=f"{fmt.nombre(sim.nb_ml_sans_agent_avant)} avant la bascule"),
        Carte("Somme des parts des ML après", montant(somme_ap),
              "Change seulement si des valorisations s'écartaient du forfait.",
              delta=montant_signe(somme_ap - somme_av) if abs(somme_ap - somme_av) >= EPSILON_EUR else None,
              couleur="off"),
    ), (1, 1, 1))
    rap = rapprochement_simulation(sim)
    changes = rap.filter((pl.col("ecart_apres") - pl.col("ecart_avant")).abs() > EPSILON_EUR)
    changements = fmt.textes(
        lambda libelle, unite, avant, apres, explication: (
            f"**{libelle}** — écart : {valeur(avant, unite)} → **{valeur(apres, unite)}**  \n{explication}"),
        changes["libelle"], changes["unite"], changes["ecart_avant"], changes["ecart_apres"],
        changes["explication_apres"])
    affichage = rap.select(
        "libelle",
        pl.Series("ecart_avant", fmt.textes(valeur, rap["ecart_avant"], rap["unite"])),
        pl.Series("ecart_apres", fmt.textes(valeur, rap["ecart_apres"], rap["unite"])),
    ).rename({c: LIBELLES_COLONNES[c] for c in ("libelle", "ecart_avant", "ecart_apres")})
    perdus = sim.ml_relation_financiere
    return VueSimulation(
        avertissements=tuple(avertissements_simulation(sim)),
        chiffres=chiffres,
        decomposition=tableau(sim.decomposition, {"avant_eur": "€", "apres_eur": "€", "variation_eur": "€"},
                              "budget_sim_decomposition", "simulation_decomposition", annee, masquer=("poste",)),
        ml_relation_financiere=None if perdus.is_empty() else tableau(
            perdus, {"etp_affectes_avant": "ETP", "etp_bascules": "ETP", "subvention_apres_eur": "€",
                     "credits_financiers_eur": "€"}, "budget_sim_ml", "simulation_ml_sans_agent", annee),
        changements=tuple(changements),
        rapprochement=Tableau(affichage=affichage, donnees=rap, libelles=LIBELLES_COLONNES,
                              cle="budget_sim_rapprochement", nom_fichier="simulation_rapprochement", annee=annee),
    )


# --------------------------------------------------------------------------------------------------
# Anomalies
# --------------------------------------------------------------------------------------------------

def resume_anomalies(anomalies: pl.DataFrame) -> Rangee:
    """Une carte par type d'anomalie : nombre de lignes et montant en jeu, du plus gros montant au plus
    petit."""
    resume = anomalies.group_by("libelle_type", maintain_order=True).agg(
        pl.len().alias("nb"), pl.col("montant_en_jeu_eur").sum().alias("montant")
    ).sort("montant", descending=True, maintain_order=True)
    return Rangee(tuple(
        Carte(libelle, f"{fmt.nombre(nb)} ligne{'s' if nb > 1 else ''}", AIDE_ANOMALIES,
              delta=f"{montant(m)} en jeu", couleur="off", fleche="off")
        for libelle, nb, m in resume.iter_rows()
    ))


UNITES_ANOMALIES = {"etp": "ETP", "montant_declare_eur": "€", "montant_attendu_eur": "€", "ecart_eur": "€",
                    "montant_en_jeu_eur": "€"}


# --------------------------------------------------------------------------------------------------
# Vues de la page, calculées une fois par jeu et par périmètre
# --------------------------------------------------------------------------------------------------

def _une_fois(jeu: JeuDeDonnees, espace: str, cle, calcul: Callable, taille: int = 64):
    """``calcul()`` gardé dans le cache ``espace`` du jeu, sous ``cle`` et le périmètre de la session : les
    fonctions de ``requetes`` rendent des lignes filtrées pour lui."""
    return perimetre.cache(jeu, f"presentation.budget.{espace}", taille).lire(cle, calcul)


def parametres(jeu: JeuDeDonnees, annee: int) -> dict | None:
    """Paramètres nationaux de l'accord pour l'année, ou None."""
    return _une_fois(jeu, "parametres", annee, lambda: budget.parametres(jeu, annee), 32)


@dataclass(frozen=True)
class VueChiffres:
    avertissement: str | None  # paramètres nationaux manquants
    rangees: tuple[Rangee, ...]
    note_perimetre: str | None = None  # jeu partiel : pourquoi aucun écart à l'enveloppe nationale


def vue_chiffres(jeu: JeuDeDonnees, annee: int, code_region: str | None, territoire: str) -> VueChiffres:
    def calcul() -> VueChiffres:
        param = parametres(jeu, annee)
        c = couverture(jeu)
        # la seule région d'un jeu partiel est tout le jeu : pas de rangée « part de la région » en double
        seule = c.partiel and c.regions == (code_region,)
        region = None if code_region is None or seule else budget.allocations_ml(jeu, annee, code_region)
        rangees = rangees_chiffres(param, budget.allocations_ml(jeu, annee), budget.anomalies(jeu, annee),
                                   region, territoire, national=c.national)
        return VueChiffres(None if param is not None else avertissement_parametres(annee), tuple(rangees),
                           mots_couverture.note_budget(c))

    return _une_fois(jeu, "chiffres", (annee, code_region, territoire), calcul)


@dataclass(frozen=True)
class VueEnveloppe:
    cascade: Cascade
    figure: go.Figure
    decomposition: Tableau
    lignes_rapprochement: tuple[str, ...]  # vide : pas de rapprochement (paramètres nationaux manquants)
    rapprochement: Tableau | None


def vue_enveloppe(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> VueEnveloppe:
    def calcul() -> VueEnveloppe:
        dec = budget.decomposition(jeu, annee, code_region)
        c = cascade(dec)
        rap = budget.rapprochement(jeu, annee)
        return VueEnveloppe(
            cascade=c, figure=figure_cascade(c),
            decomposition=tableau(dec, {"montant_eur": "€", "part_pct": "%"}, "budget_decomposition",
                                  "decomposition_enveloppe", annee, masquer=("poste",)),
            lignes_rapprochement=tuple(lignes_rapprochement(rap)),
            rapprochement=None if rap.is_empty() else tableau_rapprochement(rap, annee),
        )

    return _une_fois(jeu, "enveloppe", (annee, code_region), calcul)


@dataclass(frozen=True)
class VueTerritoires:
    figure: go.Figure | None  # None : aucune allocation
    departements: dict[str | None, str]  # options du choix d'un département


def vue_territoires(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> VueTerritoires:
    def calcul() -> VueTerritoires:
        arbre = budget.arbre(jeu, annee, code_region)
        return VueTerritoires(None if arbre.is_empty() else figure_soleil(arbre),
                              libelles_departements(budget.detail(jeu, annee, "departement", code_region)))

    return _une_fois(jeu, "territoires", (annee, code_region), calcul)


def tableau_detail(jeu: JeuDeDonnees, annee: int, niveau: str | None, code_region: str | None,
                   code_departement: str | None) -> Tableau:
    """Moyens par région, département ou ML (``niveau``), dans un département s'il est donné (pas pour les
    régions)."""
    code_departement = code_departement if niveau != "region" else None

    def calcul() -> Tableau:
        detail = budget.detail(jeu, annee, niveau or "region", code_region, code_departement)
        return tableau(detail, UNITES_DETAIL, "budget_detail", f"budget_{niveau}", annee, hauteur=400)

    return _une_fois(jeu, "detail", (annee, niveau, code_region, code_departement), calcul, 128)


@dataclass(frozen=True)
class VueRatios:
    figure: go.Figure | None  # None : aucune ML
    statistiques: Tableau
    atypiques: Tableau | None  # None : aucune ML atypique
    definitions: tuple[str, ...]
    ratios: Tableau


def vue_ratios(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> VueRatios:
    def calcul() -> VueRatios:
        ratios = budget.ratios_ml(jeu, annee, code_region)
        stats, points = budget.boites(ratios)
        return VueRatios(
            figure=None if ratios.is_empty() else figure_boites(stats, points),
            statistiques=tableau(stats, UNITES_STATISTIQUES, "budget_stats_ratios", "ratios_statistiques", annee,
                                 masquer=("ratio",)),
            atypiques=None if points.is_empty() else tableau(
                points.with_columns(pl.col("position").replace({"haut": "Au-dessus", "bas": "En dessous"})),
                {"valeur": "€"}, "budget_atypiques", "ratios_ml_atypiques", annee, masquer=("ratio",)),
            definitions=tuple(definitions_ratios()),
            ratios=tableau(ratios, UNITES_RATIOS, "budget_ratios", "ratios_ml", annee, hauteur=400),
        )

    return _une_fois(jeu, "ratios", (annee, code_region), calcul)


@dataclass(frozen=True)
class VueSeries:
    figure_etp: go.Figure | None  # None : aucune allocation
    figure_ml: go.Figure | None
    series: Tableau | None
    regions: Tableau | None
    pertes: Tableau | None  # None : aucune ML n'a perdu son agent dans l'année


def vue_series(jeu: JeuDeDonnees, annee: int, code_region: str | None, territoire: str) -> VueSeries:
    def calcul() -> VueSeries:
        serie = budget.series(jeu, code_region)
        if serie.is_empty():
            return VueSeries(None, None, None, None, None)
        if code_region is None and couverture(jeu).partiel:  # tout un jeu partiel : la zone, pas la France
            serie = serie.with_columns(pl.lit(territoire).alias("nom_region"))
        par_region = budget.series(jeu, None, True).filter(pl.col("annee") == annee)
        if code_region is not None:
            par_region = par_region.filter(pl.col("code_region") == code_region)
        perdues = budget.ml_ayant_perdu_agent(jeu, annee, code_region)
        return VueSeries(
            figure_etp=figure_etp(serie), figure_ml=figure_ml_agent(serie),
            series=tableau(serie.select("nom_region", *COLONNES_SERIES), UNITES_SERIES, "budget_series",
                           f"agents_subventions_{territoire}", annee),
            regions=tableau(par_region.select("code_region", "nom_region", *COLONNES_SERIES[1:]), UNITES_SERIES,
                            "budget_series_regions", "agents_subventions_regions", annee),
            pertes=None if perdues.is_empty() else tableau(perdues, UNITES_PERTES, "budget_pertes",
                                                           "ml_ayant_perdu_leur_agent", annee),
        )

    return _une_fois(jeu, "series", (annee, code_region, territoire), calcul)


def options_simulateur(jeu: JeuDeDonnees, annee: int) -> dict[str, str]:
    """ML qu'on peut faire basculer (un agent affecté) : code → « Nom (code) »."""
    return _une_fois(jeu, "options_simulateur", annee, lambda: options_ml(budget.allocations_ml(jeu, annee)), 32)


def vue_simulation(jeu: JeuDeDonnees, annee: int, scenario: budget.Scenario) -> VueSimulation | None:
    """Le simulateur pour le scénario (None si les paramètres nationaux de l'année manquent)."""
    def calcul() -> VueSimulation | None:
        sim = budget.simuler(jeu, annee, scenario)
        return None if sim is None else simulation(sim, annee)

    return _une_fois(jeu, "simulation", (annee, scenario), calcul, 32)


@dataclass(frozen=True)
class VueAnomalies:
    resume: Rangee | None  # None : aucune anomalie
    tableau: Tableau | None


def vue_anomalies(jeu: JeuDeDonnees, annee: int, code_region: str | None) -> VueAnomalies:
    def calcul() -> VueAnomalies:
        anomalies = budget.anomalies(jeu, annee, code_region)
        if anomalies.is_empty():
            return VueAnomalies(None, None)
        return VueAnomalies(resume_anomalies(anomalies),
                            tableau(anomalies_expliquees(anomalies), UNITES_ANOMALIES, "budget_anomalies",
                                    "anomalies_budget", annee, hauteur=400, masquer=("type",)))

    return _une_fois(jeu, "anomalies", (annee, code_region), calcul)
