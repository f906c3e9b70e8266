"""Budget de l'accord mis en forme (presentation/budget.py) : phrases exactes, tableaux, cascade, étiquettes
des boîtes, chiffres clés, simulateur, anomalies, vues gardées une fois par jeu.

Les phrases attendues sont écrites en toutes lettres (espaces insécables ramenées à des espaces simples par
``normal``) : ce sont, mot pour mot, celles qu'écrivait requetes/budget.py avant que ses phrases ne passent
ici. Les totaux sont comparés à un calcul indépendant en Polars sur les tables du jeu.
"""

from __future__ import annotations

import polars as pl
import pytest

from donnees.habilitations import Perimetre
from presentation import budget as P
from presentation import format as fmt
from requetes import budget, perimetre
from requetes.jeu import JeuDeDonnees
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.requetes.test_budget import parts, tables_accord, tables_anomalies, tables_perte_agent

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)


def normal(texte: str) -> str:
    return texte.replace(F, " ").replace(E, " ")


PHRASES_RAPPROCHEMENT = {
    "minimal": {
        "enveloppe": (
            "Les parts des 2 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "387 500 € (0,3875 M€), exactement l'enveloppe de 387 500 € (0,3875 M€) : rien n'est "
            "perdu ni ajouté en route."
        ),
        "accord": (
            "3,5 ETP prévus × 45 000 € de forfait = 157 500 € (0,1575 M€), exactement la "
            "valorisation de 157 500 € (0,1575 M€) annoncée par l'accord."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 157 500 € (0,1575 M€) au titre des ETP : 90 000 € de valorisation pour "
            "2 ETP affectés et 67 500 € de subventions pour 1,5 ETP compensés. C'est exactement la "
            "valorisation de 157 500 € (0,1575 M€) annoncée par l'accord."
        ),
        "valorisation_agents": (
            "Les 2 ETP affectés dans les ML sont valorisés 90 000 €, soit 67 500 € de moins que les "
            "157 500 € (0,1575 M€) annoncés par l'accord ; 1,5 ETP ne sont plus des agents mais des "
            "subventions en compensation, pour 67 500 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 90 000 € ; leurs 2 ETP affectés "
            "valent 90 000 € au forfait : chaque valorisation vaut exactement ETP affectés × forfait."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 67 500 € ; les 1,5 ETP compensés "
            "valent 67 500 € au forfait : chaque subvention vaut exactement ETP compensés × forfait."
        ),
        "etp": (
            "Les ML comptent 2 ETP affectés et 1,5 ETP compensés par une subvention, soit 3,5 ETP : "
            "exactement les 3,5 ETP prévus par l'accord."
        ),
    },
    "accord": {
        "enveloppe": (
            "Les parts des 2 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "49 100 000 € (49,1 M€), exactement l'enveloppe de 49 100 000 € (49,1 M€) : rien n'est "
            "perdu ni ajouté en route."
        ),
        "accord": (
            "325 ETP prévus × 45 000 € de forfait = 14 625 000 € (14,625 M€), soit 125 000 € (0,125 "
            "M€) de plus que les 14 500 000 € (14,5 M€) annoncés par l'accord : l'écart est dans le "
            "texte de l'accord lui-même (les deux chiffres ne peuvent pas être justes ensemble), pas "
            "dans les données des Missions Locales."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 14 625 000 € (14,625 M€) au titre des ETP : 9 000 000 € de "
            "valorisation pour 200 ETP affectés et 5 625 000 € de subventions pour 125 ETP "
            "compensés. C'est 125 000 € (0,125 M€) de plus que les 14 500 000 € (14,5 M€) annoncés "
            "par l'accord : 125 000 € (0,125 M€) viennent de l'écart de l'accord lui-même (325 ETP × "
            "45 000 € ≠ 14 500 000 €)."
        ),
        "valorisation_agents": (
            "Les 200 ETP affectés dans les ML sont valorisés 9 000 000 € (9 M€), soit 5 500 000 € "
            "(5,5 M€) de moins que les 14 500 000 € (14,5 M€) annoncés par l'accord ; 125 ETP ne "
            "sont plus des agents mais des subventions en compensation, pour 5 625 000 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 9 000 000 € ; leurs 200 ETP affectés "
            "valent 9 000 000 € au forfait : chaque valorisation vaut exactement ETP affectés × "
            "forfait."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 5 625 000 € ; les 125 ETP compensés "
            "valent 5 625 000 € au forfait : chaque subvention vaut exactement ETP compensés × "
            "forfait."
        ),
        "etp": (
            "Les ML comptent 200 ETP affectés et 125 ETP compensés par une subvention, soit 325 ETP "
            ": exactement les 325 ETP prévus par l'accord."
        ),
    },
    "anomalies": {
        "enveloppe": (
            "Les parts des 4 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "405 846,17 € (0,405846 M€), soit 18 346,17 € de plus que l'enveloppe de 387 500 € "
            "(0,3875 M€) : les Missions Locales reçoivent plus que ce que l'accord prévoit."
        ),
        "accord": (
            "3,5 ETP prévus × 45 000 € de forfait = 157 500 € (0,1575 M€), exactement la "
            "valorisation de 157 500 € (0,1575 M€) annoncée par l'accord."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 162 500,50 € (0,1625 M€) au titre des ETP : 100 000 € de valorisation "
            "pour 2 ETP affectés et 62 500,50 € de subventions pour 1,5 ETP compensés. C'est 5 "
            "000,50 € de plus que les 157 500 € (0,1575 M€) annoncés par l'accord : 5 000,50 € des "
            "valorisations et subventions qui s'écartent du forfait."
        ),
        "valorisation_agents": (
            "Les 2 ETP affectés dans les ML sont valorisés 100 000 € (0,1 M€), soit 57 500 € de "
            "moins que les 157 500 € (0,1575 M€) annoncés par l'accord ; 1,5 ETP ne sont plus des "
            "agents mais des subventions en compensation, pour 62 500,50 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 100 000 € ; leurs 2 ETP affectés "
            "valent 90 000 € au forfait : 10 000 € de plus, dus à 1 Mission Locale dont la "
            "valorisation diffère de ETP affectés × forfait (voir les anomalies)."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 62 500,50 € ; les 1,5 ETP compensés "
            "valent 67 500 € au forfait : 4 999,50 € de moins, dus à 1 Mission Locale dont la "
            "subvention diffère de ETP compensés × forfait (voir les anomalies)."
        ),
        "etp": (
            "Les ML comptent 2 ETP affectés et 1,5 ETP compensés par une subvention, soit 3,5 ETP : "
            "exactement les 3,5 ETP prévus par l'accord."
        ),
    },
    "perte": {
        "enveloppe": (
            "Les parts des 2 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "387 500 € (0,3875 M€), exactement l'enveloppe de 387 500 € (0,3875 M€) : rien n'est "
            "perdu ni ajouté en route."
        ),
        "accord": (
            "3,5 ETP prévus × 45 000 € de forfait = 157 500 € (0,1575 M€), exactement la "
            "valorisation de 157 500 € (0,1575 M€) annoncée par l'accord."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 157 500 € (0,1575 M€) au titre des ETP : 0 € de valorisation pour 0 "
            "ETP affectés et 157 500 € de subventions pour 3,5 ETP compensés. C'est exactement la "
            "valorisation de 157 500 € (0,1575 M€) annoncée par l'accord."
        ),
        "valorisation_agents": (
            "Plus aucun agent n'est affecté dans les ML : valorisation de 0 €, soit 157 500 € "
            "(0,1575 M€) de moins que les 157 500 € (0,1575 M€) annoncés par l'accord ; 3,5 ETP ne "
            "sont plus des agents mais des subventions en compensation, pour 157 500 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 0 € ; leurs 0 ETP affectés valent 0 "
            "€ au forfait : chaque valorisation vaut exactement ETP affectés × forfait."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 157 500 € ; les 3,5 ETP compensés "
            "valent 157 500 € au forfait : chaque subvention vaut exactement ETP compensés × forfait."
        ),
        "etp": (
            "Les ML comptent 0 ETP affectés et 3,5 ETP compensés par une subvention, soit 3,5 ETP : "
            "exactement les 3,5 ETP prévus par l'accord."
        ),
    },
    "compense": {
        "enveloppe": (
            "Les parts des 2 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "200 000 € (0,2 M€), exactement l'enveloppe de 200 000 € (0,2 M€) : rien n'est perdu ni "
            "ajouté en route."
        ),
        "accord": (
            "2 ETP prévus × 45 000 € de forfait = 90 000 €, exactement la valorisation de 90 000 € "
            "annoncée par l'accord."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 90 000 € au titre des ETP : 90 000 € de valorisation pour 2 ETP "
            "affectés et 0 € de subventions pour 0 ETP compensés. C'est exactement la valorisation "
            "de 90 000 € annoncée par l'accord."
        ),
        "valorisation_agents": (
            "Les 2 ETP affectés dans les ML sont valorisés 90 000 €, exactement la valorisation de "
            "90 000 € annoncée par l'accord."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 90 000 € ; leurs 2 ETP affectés "
            "valent 90 000 € au forfait : le total tombe juste, mais 2 Missions Locales ont une "
            "valorisation différente de ETP × forfait, les écarts se compensent (voir les anomalies)."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 0 € ; les 0 ETP compensés valent 0 "
            "€ au forfait : chaque subvention vaut exactement ETP compensés × forfait."
        ),
        "etp": (
            "Les ML comptent 2 ETP affectés et 0 ETP compensés par une subvention, soit 2 ETP : "
            "exactement les 2 ETP prévus par l'accord."
        ),
    },
    "moins": {
        "enveloppe": (
            "Les parts des 2 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "166 250 € (0,16625 M€), soit 133 750 € (0,13375 M€) de moins que l'enveloppe de 300 000 "
            "€ (0,3 M€) : cette somme n'est attribuée à aucune Mission Locale."
        ),
        "accord": (
            "4 ETP prévus × 45 000 € de forfait = 180 000 € (0,18 M€), soit 20 000 € de moins que "
            "les 200 000 € (0,2 M€) annoncés par l'accord : l'écart est dans le texte de l'accord "
            "lui-même (les deux chiffres ne peuvent pas être justes ensemble), pas dans les données "
            "des Missions Locales."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 56 250 € au titre des ETP : 0 € de valorisation pour 0 ETP affectés et "
            "56 250 € de subventions pour 1,25 ETP compensés. C'est 143 750 € (0,14375 M€) de moins "
            "que les 200 000 € (0,2 M€) annoncés par l'accord : -20 000 € viennent de l'écart de "
            "l'accord lui-même (4 ETP × 45 000 € ≠ 200 000 €) ; -123 750 € des ETP affectés ou "
            "compensés en moins des 4 ETP prévus."
        ),
        "valorisation_agents": (
            "Plus aucun agent n'est affecté dans les ML : valorisation de 0 €, soit 200 000 € (0,2 "
            "M€) de moins que les 200 000 € (0,2 M€) annoncés par l'accord ; 1,25 ETP ne sont plus "
            "des agents mais des subventions en compensation, pour 56 250 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 0 € ; leurs 0 ETP affectés valent 0 "
            "€ au forfait : chaque valorisation vaut exactement ETP affectés × forfait."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 56 250 € ; les 1,25 ETP compensés "
            "valent 56 250 € au forfait : chaque subvention vaut exactement ETP compensés × forfait."
        ),
        "etp": (
            "Les ML comptent 0 ETP affectés et 1,25 ETP compensés par une subvention, soit 1,25 ETP "
            ": 2,75 ETP de moins que les 4 ETP prévus par l'accord."
        ),
    },
    "sim": {
        "enveloppe": (
            "Les parts des 3 Missions Locales (valorisation + subvention + crédits) s'additionnent à "
            "570 000 € (0,57 M€), soit 430 000 € (0,43 M€) de moins que l'enveloppe de 1 000 000 € "
            "(1 M€) : cette somme n'est attribuée à aucune Mission Locale."
        ),
        "accord": (
            "6 ETP prévus × 45 000 € de forfait = 270 000 € (0,27 M€), exactement la valorisation de "
            "270 000 € (0,27 M€) annoncée par l'accord."
        ),
        "valorisation_ml": (
            "Les ML reçoivent 270 000 € (0,27 M€) au titre des ETP : 135 000 € de valorisation pour "
            "3 ETP affectés et 135 000 € de subventions pour 3 ETP compensés. C'est exactement la "
            "valorisation de 270 000 € (0,27 M€) annoncée par l'accord."
        ),
        "valorisation_agents": (
            "Les 3 ETP affectés dans les ML sont valorisés 135 000 € (0,135 M€), soit 135 000 € "
            "(0,135 M€) de moins que les 270 000 € (0,27 M€) annoncés par l'accord ; 3 ETP ne sont "
            "plus des agents mais des subventions en compensation, pour 135 000 €."
        ),
        "valorisation_forfait": (
            "Les valorisations déclarées par les ML s'élèvent à 135 000 € ; leurs 3 ETP affectés "
            "valent 135 000 € au forfait : chaque valorisation vaut exactement ETP affectés × "
            "forfait."
        ),
        "subvention_forfait": (
            "Les subventions en compensation versées s'élèvent à 135 000 € ; les 3 ETP compensés "
            "valent 135 000 € au forfait : chaque subvention vaut exactement ETP compensés × forfait."
        ),
        "etp": (
            "Les ML comptent 3 ETP affectés et 3 ETP compensés par une subvention, soit 6 ETP : "
            "exactement les 6 ETP prévus par l'accord."
        ),
    },
}
PHRASES_ANOMALIES = {
    "ml_inconnue": (
        "Une part de 12 345,67 € est allouée au code « MLZ », absent de la liste des Missions "
        "Locales : ce montant n'est rattaché à aucune ML ni à aucun territoire."
    ),
    "valorisation": (
        "Mission Locale de Belfort déclare une valorisation de 100 000 € pour 2 ETP affectés ; "
        "au forfait de 45 000 €, on attend 90 000 € : 10 000 € de plus."
    ),
    "subvention": (
        "Mission Locale des Abymes déclare une subvention de 40 000,50 € pour 1 ETP compensés ; "
        "au forfait de 45 000 €, on attend 45 000 € : 4 999,50 € de moins."
    ),
    "departement_inconnu": (
        "Mission Locale fantôme reçoit 1 000 € mais son département « 99 » n'existe pas dans le "
        "référentiel géographique : ce montant n'est rattaché à aucune région."
    ),
}
MESSAGE_SIMULATION = "Le périmètre ne compte que 3 ETP affectés : 3 ETP basculent au lieu des 10,5 ETP demandés."


TABLES = {"minimal": jeu_minimal, "accord": tables_accord, "anomalies": tables_anomalies, "perte": tables_perte_agent}

# Paramètres et allocations faits à la main : valorisations qui se compensent ; tout « en moins » (enveloppe
# non répartie, accord sous l'annonce, plus aucun agent, ETP manquants) ; trois ML pour le simulateur.
PARAM_COMPENSE = dict(enveloppe_totale_eur=200_000.0, valorisation_etp_eur=90_000.0, etp_nationaux=2.0,
                      forfait_etp_eur=45_000.0)
ALLOCS_COMPENSE = pl.DataFrame(dict(
    code_ml=["A", "B"], etp_affectes=[1.0, 1.0], etp_compenses=[0.0, 0.0],
    valorisation_etp_eur=[50_000.0, 40_000.0], subvention_compensatoire_eur=[0.0, 0.0],
    credits_financiers_eur=[55_000.0, 55_000.0]))
PARAM_MOINS = dict(enveloppe_totale_eur=300_000.0, valorisation_etp_eur=200_000.0, etp_nationaux=4.0,
                   forfait_etp_eur=45_000.0)
ALLOCS_MOINS = pl.DataFrame(dict(
    code_ml=["A", "B"], etp_affectes=[0.0, 0.0], etp_compenses=[1.0, 0.25], valorisation_etp_eur=[0.0, 0.0],
    subvention_compensatoire_eur=[45_000.0, 11_250.0], credits_financiers_eur=[55_000.0, 55_000.0]))
PARAM_SIM = dict(enveloppe_totale_eur=1_000_000.0, valorisation_etp_eur=270_000.0, etp_nationaux=6.0,
                 forfait_etp_eur=45_000.0)
ALLOCS_SIM = pl.DataFrame(dict(
    code_ml=["A", "B", "C"], nom_ml=["A", "B", "C"], nom_departement=["d"] * 3, nom_region=["r"] * 3,
    code_region=["27", "27", "01"], etp_affectes=[1.0, 2.0, 3.0], etp_compenses=[0.0, 0.0, 0.0],
    valorisation_etp_eur=[45_000.0, 90_000.0, 135_000.0], subvention_compensatoire_eur=[0.0] * 3,
    credits_financiers_eur=[100_000.0] * 3,
)).with_columns(part_eur=pl.col("valorisation_etp_eur") + pl.col("credits_financiers_eur") + 0.0)


@pytest.fixture(scope="module")
def jeux(tmp_path_factory) -> dict[str, JeuDeDonnees]:
    return {nom: JeuDeDonnees(ecrire_jeu(tmp_path_factory.mktemp(nom), f())) for nom, f in TABLES.items()}


def explications(rap: pl.DataFrame) -> dict[str, str]:
    return {c: normal(p) for c, p in zip(rap["controle"], P.rapprochement_explique(rap)["explication"])}


# --------------------------------------------------------------------------------------------------
# Phrases
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("nom", list(TABLES))
def test_phrases_du_rapprochement(jeux, nom):
    assert explications(budget.rapprochement(jeux[nom], 2024)) == PHRASES_RAPPROCHEMENT[nom]


@pytest.mark.parametrize(("nom", "param", "allocs"), [("compense", PARAM_COMPENSE, ALLOCS_COMPENSE),
                                                      ("moins", PARAM_MOINS, ALLOCS_MOINS)])
def test_phrases_compensation_et_ecarts_en_moins(nom, param, allocs):
    assert explications(budget.rapprocher(param, allocs)) == PHRASES_RAPPROCHEMENT[nom]


def test_phrases_espaces_francaises(jeux):
    """Milliers séparés par une espace fine insécable, unité précédée d'une espace insécable."""
    rap = budget.rapprochement(jeux["accord"], 2024)
    phrase = P.rapprochement_explique(rap).filter(pl.col("controle") == "accord")["explication"].item()
    assert phrase.startswith(f"325{E}ETP prévus × 45{F}000{E}€ de forfait = 14{F}625{F}000{E}€ (14,625{E}M€)")


def test_rapprochement_a_telecharger(jeux):
    rap = budget.rapprochement(jeux["anomalies"], 2024)
    t = P.rapprochement_explique(rap)
    assert t.columns == ["controle", "libelle", "unite", "reference_libelle", "reference", "compare_libelle",
                         "compare", "ecart", "explication"]
    assert t.drop("explication").equals(rap.select(t.columns[:-1]))


def test_phrases_des_anomalies(jeux):
    an = budget.anomalies(jeux["anomalies"], 2024)
    t = P.anomalies_expliquees(an)
    assert t.columns == ["type", "libelle_type", "code_ml", "nom_ml", "nom_region", "etp", "montant_declare_eur",
                         "montant_attendu_eur", "ecart_eur", "montant_en_jeu_eur", "explication"]
    assert {ty: normal(p) for ty, p in zip(t["type"], t["explication"])} == PHRASES_ANOMALIES
    assert t["code_ml"].to_list() == an["code_ml"].to_list()  # même ordre : montant en jeu décroissant


def test_simulateur_avertissement_et_explications():
    sim = budget.simuler_tableaux(PARAM_SIM, ALLOCS_SIM, budget.Scenario(code_region="27", etp=10.5))
    assert [normal(m) for m in P.avertissements_simulation(sim)] == [MESSAGE_SIMULATION]
    rap = P.rapprochement_simulation(sim)
    assert rap.columns == ["controle", "libelle", "unite", "ecart_avant", "ecart_apres", "explication_apres"]
    assert dict(zip(rap["controle"], map(normal, rap["explication_apres"]))) == PHRASES_RAPPROCHEMENT["sim"]
    assez = budget.simuler_tableaux(PARAM_SIM, ALLOCS_SIM, budget.Scenario(code_region="27", etp=3.0))
    assert P.avertissements_simulation(assez) == []


# --------------------------------------------------------------------------------------------------
# Tableaux
# --------------------------------------------------------------------------------------------------

def test_texte_tableau_formats_et_entetes():
    df = pl.DataFrame({
        "poste": ["a", "b", "c"], "montant_eur": [14_625_000.0, 40_000.5, None], "part_pct": [87.54, 0.0, None],
        "etp_affectes": [2.0, 204.75, None], "nb_ml": [437, 0, None], "eur_par_jeune": [218.755, 1.0, None],
    })
    t = P.texte_tableau(df, {"montant_eur": "€", "part_pct": "%", "etp_affectes": "ETP", "nb_ml": "entier",
                             "eur_par_jeune": "€/jeune"})
    assert t.columns == ["Poste (code)", "Montant (€)", "Part (%)", "ETP affectés", "Missions Locales",
                         "€ par jeune accompagné"]
    assert t.rows() == [
        ("a", f"14{F}625{F}000{E}€", "87,5", "2,0", "437", "218,76"),
        ("b", f"40{F}000,50{E}€", "0,0", "204,8", "0", "1,00"),
        ("c", "—", "—", "—", "—", "—"),
    ]
    assert set(t.schema.values()) == {pl.Utf8}


def test_tableau_masque_les_codes_a_l_ecran_seulement(jeux):
    dec = budget.decomposition(jeux["minimal"], 2024)
    t = P.tableau(dec, {"montant_eur": "€", "part_pct": "%"}, "budget_decomposition", "decomposition", 2024,
                  masquer=("poste",))
    assert t.affichage.columns == ["Libellé", "Montant (€)", "Part (%)"]
    assert t.donnees.equals(dec)  # on télécharge les nombres, toutes les colonnes
    assert (t.cle, t.nom_fichier, t.annee, t.hauteur) == ("budget_decomposition", "decomposition", 2024, "auto")
    assert t.libelles["poste"] == "Poste (code)"


def test_tableau_et_lignes_du_rapprochement():
    rap = budget.rapprocher(PARAM_MOINS, ALLOCS_MOINS)
    t = P.tableau_rapprochement(rap, 2024)
    assert t.affichage.columns == ["Libellé", "Référence", "Valeur de référence", "Comparé à", "Valeur comparée",
                                   "Écart (comparé − référence)"]
    etp = t.affichage.row(6)
    assert etp[0] == "ETP prévus et ETP affectés ou compensés"
    assert [normal(etp[i]) for i in (2, 4, 5)] == ["4 ETP", "1,3 ETP", "-2,8 ETP"]  # 1,25 et 2,75 au dixième
    assert normal(t.affichage.row(0)[5]) == "-133 750 €"
    assert t.donnees.columns[-1] == "explication" and (t.cle, t.nom_fichier) == ("budget_rapprochement",
                                                                                  "rapprochement")
    lignes = [normal(l) for l in P.lignes_rapprochement(rap)]
    assert lignes[0] == (":material/error: **Enveloppe et parts des Missions Locales** — écart : **-133 750 €**  \n"
                         + PHRASES_RAPPROCHEMENT["moins"]["enveloppe"])
    assert lignes[4].startswith(":material/check_circle: **Valorisations des ML et ETP affectés au forfait** — "
                                "écart : **0 €**  \n")
    # un écart positif est signé
    plus = [normal(l) for l in P.lignes_rapprochement(budget.rapprocher(PARAM_SIM, ALLOCS_SIM.with_columns(
        credits_financiers_eur=pl.lit(500_000.0))))]
    assert " — écart : **+770 000 €**  \n" in plus[0] and " — écart : **0 ETP**  \n" in plus[6]


# --------------------------------------------------------------------------------------------------
# Cascade de l'enveloppe
# --------------------------------------------------------------------------------------------------

def test_cascade_nationale_rejoint_l_enveloppe(jeux):
    t = tables_anomalies()
    c = P.cascade(budget.decomposition(jeux["anomalies"], 2024))
    a = parts(t, 2024)
    enveloppe = t["enveloppe"].filter(pl.col("annee") == 2024)["enveloppe_totale_eur"].item()
    assert c.libelles == ("Valorisation<br>des agents affectés", "Subventions<br>en compensation",
                          "Autres<br>crédits financiers", "Somme<br>des parts des ML", "Écart<br>à l'enveloppe",
                          "Enveloppe<br>de l'accord")
    assert c.mesures == ("relative", "relative", "relative", "total", "relative", "total")
    attendu = [a["valorisation_etp_eur"].sum(), a["subvention_compensatoire_eur"].sum(),
               a["credits_financiers_eur"].sum(), a["part"].sum(), enveloppe - a["part"].sum(), enveloppe]
    assert list(c.totaux) == pytest.approx(attendu, abs=1e-6)
    assert c.totaux[4] < 0  # les ML reçoivent plus que l'enveloppe : l'écart descend jusqu'à elle
    assert list(c.montants) == pytest.approx(attendu[:3] + [0.0, attendu[4], 0.0], abs=1e-6)
    fig = P.figure_cascade(c)
    barres = fig.data[0]
    assert list(barres.y) == [v / 1e6 for v in c.montants]
    assert list(barres.text) == [fmt.euros(v) for v in c.totaux]
    assert [normal(x) for x in barres.customdata] == ["100 000 €", "62 500,50 €", "243 345,67 €", "405 846,17 €",
                                                     "-18 346,17 €", "387 500 €"]
    assert fig.layout.yaxis.range == pytest.approx((0, max(attendu) / 1e6 * 1.15))


def test_cascade_d_une_region(jeux):
    t = jeu_minimal()
    c = P.cascade(budget.decomposition(jeux["minimal"], 2024, code_region="01"))
    b = parts(t, 2024).filter(pl.col("code_ml") == "MLB")
    assert c.mesures == ("relative", "relative", "relative", "total")
    assert c.totaux == (0.0, 45_000.0, 80_000.0, 125_000.0) and c.totaux[-1] == b["part"].item()
    assert P.figure_cascade(c).layout.yaxis.range == pytest.approx((0, 0.125 * 1.15))


# --------------------------------------------------------------------------------------------------
# Boîtes à moustaches : étiquettes écartées
# --------------------------------------------------------------------------------------------------

def test_etiquettes_ecartees():
    assert P.ordonnees_etiquettes([10.0, 9.9, 9.8, 5.0], True, 1.0) == [10.0, 9.0, 8.0, 5.0]
    assert P.ordonnees_etiquettes([1.0, 1.05, 3.0, 3.1], False, 0.5) == [1.0, 1.5, 3.0, 3.5]
    assert P.ordonnees_etiquettes([4.0, 2.0], True, 1.0) == [4.0, 2.0]  # assez loin : à la hauteur du point
    assert P.ordonnees_etiquettes([], True, 1.0) == []


def test_boites_nomment_les_ml_atypiques():
    valeurs = [float(v) for v in range(95, 106)] + [500.0, 501.0, 502.0, 10.0]
    noms = [f"Mission Locale de M{i}" for i in range(11)] + [
        "Mission Locale de <b>Brest</b>", "Mission Locale du Havre", "Mission Locale des Ulis", "Mission Locale d'Ay"]
    ratios = pl.DataFrame({"code_ml": [f"M{i}" for i in range(len(valeurs))], "nom_ml": noms,
                           "nom_region": ["R"] * len(valeurs), "eur_par_jeune": valeurs,
                           "eur_par_entree": [None] * len(valeurs), "eur_par_objectif": [1.0] * len(valeurs)},
                          schema_overrides={"eur_par_entree": pl.Float64})
    stats, points = budget.boites(ratios)
    fig = P.figure_boites(stats, points)
    fleches = [a for a in fig.layout.annotations if a.showarrow]
    # 4 atypiques, toutes nommées (NB_NOMMES), en haut de la plus haute à la plus basse : 492 / 16 d'écart
    assert [(a.text, a.y) for a in fleches] == [("Ulis", 502.0), ("Havre", 501.0), ("&lt;b&gt;Brest&lt;/b&gt;", 500.0),
                                               ("Ay", 10.0)]
    assert [a.ay for a in fleches] == pytest.approx([502.0, 502.0 - 30.75, 502.0 - 61.5, 10.0])
    assert {a.xref for a in fleches} == {"x"}  # première boîte ; la deuxième (aucune valeur) n'a rien
    assert len(fig.data) == 3  # boîte et points du 1er ratio, boîte du 3e


def test_court():
    assert [P.court(n) for n in ("Mission Locale de Brest", "Mission Locale de l'Ouest", "Mission Locale du Havre",
                                 "Mission Locale des Ulis", "Mission Locale d'Ay", "Mission Locale Paris",
                                 "ML Lyon")] == ["Brest", "Ouest", "Havre", "Ulis", "Ay", "Paris", "ML Lyon"]


# --------------------------------------------------------------------------------------------------
# Chiffres clés, simulateur, anomalies
# --------------------------------------------------------------------------------------------------

def cartes(rangees) -> dict[str, tuple]:
    return {normal(c.libelle): (normal(c.valeur), c.delta and normal(c.delta), c.couleur, c.fleche, c.description)
            for r in rangees for c in r.cartes}


def test_chiffres_cles_de_l_accord(jeux):
    jeu = jeux["accord"]
    rangees = P.rangees_chiffres(budget.parametres(jeu, 2024), budget.allocations_ml(jeu, 2024),
                                 budget.anomalies(jeu, 2024))
    assert [r.largeurs for r in rangees] == [(1, 1, 1, 1.4), (1.25, 1, 1, 0.85)]
    c = cartes(rangees)
    assert c["Enveloppe de l'accord"] == ("49,1 M€", None, "normal", "auto", None)
    assert c["ETP prévus"][0] == "325 ETP"
    assert c["ETP prévus × 45 000 €"] == ("14 625 000 €", "+125 000 €", "off", "auto", "par rapport à l'annonce")
    assert c["Somme des parts des ML"] == ("49 100 000 €", None, "off", "auto", None)  # enveloppe juste
    assert c["ETP affectés"][0] == "200 ETP" and c["ETP compensés"][0] == "125 ETP"
    assert c["Anomalies"] == ("0", None, "off", "off", None)


def test_chiffres_cles_ecarts_region_et_sans_parametres(jeux):
    jeu, t = jeux["anomalies"], tables_anomalies()
    an = budget.anomalies(jeu, 2024)
    region = budget.allocations_ml(jeu, 2024, "01")
    c = cartes(P.rangees_chiffres(budget.parametres(jeu, 2024), budget.allocations_ml(jeu, 2024), an, region,
                                  "Guadeloupe"))
    en_jeu = an["montant_en_jeu_eur"].sum()
    assert en_jeu == pytest.approx(10_000 + 4_999.5 + 12_345.67 + 1_000)
    assert c["Anomalies"] == ("4", "28 345,17 € en jeu", "off", "off", None)
    assert c["Somme des parts des ML"][1:] == ("+18 346,17 €", "off", "auto", "par rapport à l'enveloppe")
    part = parts(t, 2024).filter(pl.col("code_ml") == "MLB")["part"].item()
    assert c["Part de la région Guadeloupe"][0] == "120 000,50 €" == normal(P.montant(part))
    assert c["Part de l'enveloppe"][0] == normal(fmt.pourcentage(100 * part / 387_500)) == "31,0 %"
    assert c["ML de la région"][0] == "1"
    sans = P.rangees_chiffres(None, budget.allocations_ml(jeu, 2024), an)
    assert len(sans) == 1 and cartes(sans)["Somme des parts des ML"][1] is None


def test_vue_du_simulateur():
    sim = budget.simuler_tableaux(PARAM_SIM, ALLOCS_SIM, budget.Scenario(codes_ml=("A",)))
    v = P.simulation(sim, 2024)
    c = cartes([v.chiffres])
    assert c["ETP qui basculent"][0] == "1 ETP"
    assert c["ML sans agent affecté"] == ("1", "+1", "inverse", "auto", "0 avant la bascule")
    assert c["Somme des parts des ML après"] == ("570 000 €", None, "off", "auto", None)  # valorisations au forfait
    assert v.avertissements == ()
    assert v.ml_relation_financiere is not None and v.ml_relation_financiere.donnees["code_ml"].to_list() == ["A"]
    assert [normal(l.split("  \n")[0]) for l in v.changements] == [
        "**Valorisation annoncée et agents réellement affectés** — écart : 0 € → **-45 000 €**"]
    assert v.rapprochement.affichage.columns == ["Libellé", "Écart avant", "Écart après"]
    assert v.rapprochement.donnees.columns[-1] == "explication_apres"
    assert v.decomposition.affichage.columns == ["Libellé", "Avant (€)", "Après (€)", "Variation (€)"]
    # un agent sur trois ne part pas entièrement : aucune ML réduite à une relation financière
    partiel = P.simulation(budget.simuler_tableaux(PARAM_SIM, ALLOCS_SIM, budget.Scenario(codes_ml=("C",), etp=1.0)),
                           2024)
    assert partiel.ml_relation_financiere is None


def test_resume_des_anomalies(jeux):
    r = P.resume_anomalies(budget.anomalies(jeux["anomalies"], 2024))
    assert r.largeurs is None  # à la suite, dans un conteneur horizontal
    assert [(c.libelle, c.valeur, normal(c.delta)) for c in r.cartes] == [
        ("Code ML inconnu de la liste des Missions Locales", "1 ligne", "12 345,67 € en jeu"),
        ("Valorisation ≠ ETP affectés × forfait", "1 ligne", "10 000 € en jeu"),
        ("Subvention ≠ ETP compensés × forfait", "1 ligne", "4 999,50 € en jeu"),
        ("Département de la ML inconnu du référentiel", "1 ligne", "1 000 € en jeu"),
    ]
    deux = pl.concat([budget.anomalies(jeux["anomalies"], 2024)] * 2)
    assert P.resume_anomalies(deux).cartes[0].valeur == "2 lignes"


def test_options_des_choix(jeux):
    assert P.options_ml(budget.allocations_ml(jeux["minimal"], 2024)) == {"MLA": "Mission Locale de Belfort (MLA)"}
    deps = budget.detail(jeux["minimal"], 2024, "departement")
    assert P.libelles_departements(deps) == {None: "Tous les départements", "90": "Territoire de Belfort (90)",
                                             "971": "Guadeloupe (971)"}


# --------------------------------------------------------------------------------------------------
# Vues de la page : calculées une fois par jeu
# --------------------------------------------------------------------------------------------------

def test_vues_gardees_une_fois_par_jeu(jeux, tmp_path):
    jeu = jeux["anomalies"]
    v = P.vue_enveloppe(jeu, 2024, None)
    assert P.vue_enveloppe(jeu, 2024, None) is v
    assert P.vue_enveloppe(jeu, 2024, "27") is not v
    autre = JeuDeDonnees(ecrire_jeu(tmp_path, tables_anomalies()))
    assert P.vue_enveloppe(autre, 2024, None) is not v
    # … et par périmètre : une vue préparée pour une région n'est pas servie aux autres sessions
    with perimetre.actif(Perimetre("region", "27", False, "arml@bfc.fr")):
        region = P.vue_enveloppe(jeu, 2024, None)
        assert region is not v and P.vue_enveloppe(jeu, 2024, None) is region
    with perimetre.actif(Perimetre("national", None, False, "a@b.fr")):
        assert P.vue_enveloppe(jeu, 2024, None) is v  # tout voir : la vue de tous
    assert [normal(l.split("  \n")[1]) for l in v.lignes_rapprochement] == list(
        PHRASES_RAPPROCHEMENT["anomalies"].values())
    assert v.rapprochement.donnees.equals(P.rapprochement_explique(budget.rapprochement(jeu, 2024)))
    assert P.vue_anomalies(jeu, 2024, None).tableau.hauteur == 400
    assert P.vue_anomalies(jeu, 2023, None) == P.VueAnomalies(None, None)
    # sans paramètres nationaux : ni rapprochement ni simulation
    sans = P.vue_enveloppe(jeu, 2030, None)
    assert sans.rapprochement is None and sans.lignes_rapprochement == ()
    assert P.vue_simulation(jeu, 2030, budget.Scenario()) is None
    sim = P.vue_simulation(jeu, 2024, budget.Scenario(codes_ml=("MLA",)))
    assert sim is P.vue_simulation(jeu, 2024, budget.Scenario(codes_ml=("MLA",)))
    assert cartes([sim.chiffres])["ETP qui basculent"][0] == "2 ETP"
