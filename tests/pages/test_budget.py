"""Page « Budget de l'accord » (pages/budget.py) avec streamlit.testing.v1.AppTest.

La page est ouverte comme en vrai : par le point d'entrée tableau_de_bord.py (filtres partagés,
navigation), puis ``switch_page``. Les attendus sont calculés indépendamment, en Polars, sur les fichiers
Parquet du jeu ; les téléchargements sont relus (CSV avec Polars, XLSX avec openpyxl).
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from presentation import format as fmt
from requetes import budget
from requetes.jeu import JeuDeDonnees
from tests.fabrique import FORFAIT, ecrire_jeu, jeu_minimal
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
PAGE = "pages/budget.py"
ONGLETS = ("Enveloppe et rapprochement", "Territoires", "Ratios par ML", "Agents et subventions",
           "Simulateur", "Anomalies")
ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def normal(texte) -> str:
    return str(texte).translate(ESPACES)


# --------------------------------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------------------------------

def ouvrir(monkeypatch, dossier: Path, annee: int | None = None, region: str | None = None,
           onglet: str | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    at = AppTest.from_file(ENTREE, default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGE).run()
    if annee is not None:
        at.selectbox(key="annee").set_value(annee).run()
    if region is not None:
        at.selectbox(key="region").set_value(region).run()
    if onglet is not None:
        aller(at, onglet)
    verifier(at)
    return at


def aller(at: AppTest, onglet: str) -> AppTest:
    at.session_state["budget_onglet"] = onglet
    at.run()
    verifier(at)
    return at


def verifier(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def metriques(at: AppTest) -> dict[str, tuple[str, str]]:
    return {normal(m.label): (normal(m.value), normal(m.proto.delta)) for m in at.metric}


def textes(at: AppTest) -> str:
    morceaux = [m.value for m in at.markdown] + [m.value for m in at.caption]
    morceaux += [m.value for m in at.info] + [m.value for m in at.warning] + [m.value for m in at.success]
    return normal("\n".join(morceaux))


def graphiques(at: AppTest) -> list[str]:
    """Clés des graphiques Plotly affichés, dans l'ordre de la page."""
    return [g.key for g in at.get("plotly_chart")]


def onglets_remplis(at: AppTest) -> list[str]:
    """Les onglets de la page qui ont un contenu : seul l'onglet ouvert est calculé et affiché."""
    return [o.label for o in at.tabs if o.label in ONGLETS and len(o.children)]


def tableau_avec(at: AppTest, *colonnes: str) -> pl.DataFrame:
    """Le premier tableau affiché qui a ces colonnes (en-têtes français), en Polars."""
    for df in at.dataframe:
        valeur = df.value
        tab = valeur if isinstance(valeur, pl.DataFrame) else pl.from_pandas(valeur)
        if all(c in tab.columns for c in colonnes):
            return tab
    raise AssertionError(f"Aucun tableau avec les colonnes {colonnes}")


def parts_par_ml(dossier: Path, annee: int) -> pl.DataFrame:
    """Calcul indépendant : part de chaque ML, avec sa région (référentiel embarqué)."""
    from donnees import referentiel

    allocs = pl.read_parquet(dossier / "allocations.parquet").filter(pl.col("annee") == annee)
    ml = pl.read_parquet(dossier / "missions_locales.parquet")
    return (
        allocs.join(ml, on="code_ml", how="left")
        .join(referentiel.departements().select("code_departement", "code_region"), on="code_departement",
              how="left")
        .with_columns((pl.col("valorisation_etp_eur") + pl.col("subvention_compensatoire_eur")
                       + pl.col("credits_financiers_eur")).alias("part"))
    )


def lire_csv(octets: bytes) -> pl.DataFrame:
    assert octets.startswith("\ufeff".encode())
    return pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True)


def lire_xlsx(octets: bytes) -> tuple[list[str], list[tuple]]:
    classeur = openpyxl.load_workbook(io.BytesIO(octets), read_only=True)
    lignes = list(classeur.active.iter_rows(values_only=True))
    return list(lignes[0]), lignes[1:]


# --------------------------------------------------------------------------------------------------
# Jeux
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dossier_demo(tmp_path_factory) -> Path:
    from donnees.demo import generer

    return Path(generer(tmp_path_factory.mktemp("demo_budget")))


@pytest.fixture(scope="module")
def dossier_ecarts(tmp_path_factory) -> Path:
    """Jeu minimal valide aux écarts connus en 2024 : MLA valorise 2 ETP 100 000 € (10 000 € de plus que
    le forfait), MLB reçoit 40 000,50 € de subvention pour 1 ETP compensé (4 999,50 € de moins)."""
    t = jeu_minimal()
    a = t["allocations"]
    t["allocations"] = a.with_columns(
        pl.when((pl.col("code_ml") == "MLA") & (pl.col("annee") == 2024)).then(100_000.0)
        .otherwise(pl.col("valorisation_etp_eur")).alias("valorisation_etp_eur"),
        pl.when((pl.col("code_ml") == "MLB") & (pl.col("annee") == 2024)).then(40_000.5)
        .otherwise(pl.col("subvention_compensatoire_eur")).alias("subvention_compensatoire_eur"),
    )
    return ecrire_jeu(tmp_path_factory.mktemp("ecarts_budget"), t)


@pytest.fixture(scope="module")
def dossier_lacunaire(tmp_path_factory) -> Path:
    """Jeu minimal sans paramètres nationaux en 2024 et sans allocation de la Guadeloupe en 2024."""
    t = jeu_minimal()
    t["enveloppe"] = t["enveloppe"].filter(pl.col("annee") == 2023)
    t["allocations"] = t["allocations"].filter(~((pl.col("code_ml") == "MLB") & (pl.col("annee") == 2024)))
    return ecrire_jeu(tmp_path_factory.mktemp("lacunaire_budget"), t)


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------

def test_demo_chiffres_de_l_accord(monkeypatch, dossier_demo):
    at = ouvrir(monkeypatch, dossier_demo)
    env = pl.read_parquet(dossier_demo / "enveloppe.parquet")
    annee = int(at.selectbox(key="annee").value)
    e = env.filter(pl.col("annee") == annee).row(0, named=True)
    m = metriques(at)
    # Les chiffres de l'accord (notice UNML), lus dans les données
    assert m["Enveloppe de l'accord"][0] == normal(fmt.euros(e["enveloppe_totale_eur"])) == "49,1 M€"
    assert m["Valorisation annoncée"][0] == normal(fmt.euros(e["valorisation_etp_eur"])) == "14,5 M€"
    assert m["ETP prévus"][0] == "325 ETP" and e["etp_nationaux"] == 325
    calc = m["ETP prévus × 45 000 €"]
    assert calc[0] == "14 625 000 €" and e["etp_nationaux"] * e["forfait_etp_eur"] == 14_625_000
    assert calc[1] == "+125 000 €"  # l'écart de l'accord lui-même, à l'euro près
    somme = parts_par_ml(dossier_demo, annee)["part"].sum()
    assert m["Somme des parts des ML"][0] == normal(fmt.euros(somme, 0, echelle="unite")) == "49 100 000 €"
    t = textes(at)
    assert "325 ETP prévus × 45 000 € de forfait = 14 625 000 € (14,625 M€)" in t
    assert "125 000 € (0,125 M€) de plus que les 14 500 000 € (14,5 M€)" in t
    # Chaque onglet montre son propre contenu, et lui seul : son titre, ses graphiques, ses tableaux
    assert onglets_remplis(at) == [ONGLETS[0]]
    assert graphiques(at) == ["budget_cascade"]
    assert tableau_avec(at, "Libellé", "Montant (€)", "Part (%)").height >= 4  # décomposition
    tableau_avec(at, "Référence", "Valeur de référence", "Comparé à")  # rapprochement
    assert not budget.anomalies(JeuDeDonnees(dossier_demo), annee).height  # la démo n'en a pas cette année
    attendus = {  # onglet : (début du titre, graphiques, colonnes d'un tableau attendu ou None)
        "Territoires": ("Du national à la Mission Locale (France entière", ["budget_soleil"],
                        ("Région", "Part de l'enveloppe (€)")),
        "Ratios par ML": ("Ratios par Mission Locale (France entière", ["budget_boites"],
                          ("Libellé", "1er quartile")),
        "Agents et subventions": ("Agents affectés et subventions au fil des années",
                                  ["budget_series_etp", "budget_series_ml"], ("Année", "ETP affectés")),
        "Simulateur": (f"Simulateur : des agents affectés aux subventions ({annee})", [], None),
        "Anomalies": (f"Anomalies (France entière, {annee})", [], None),
    }
    for onglet in ONGLETS[1:]:
        aller(at, onglet)
        titre, cles, colonnes = attendus[onglet]
        assert onglets_remplis(at) == [onglet]
        assert at.subheader[0].value.startswith(titre), onglet
        assert graphiques(at) == cles, onglet
        if colonnes:
            assert tableau_avec(at, *colonnes).height > 0, onglet
        else:
            assert not at.dataframe, onglet
    # les deux onglets sans tableau : le simulateur attend un choix, les anomalies sont absentes
    aller(at, "Simulateur")
    assert at.radio(key="budget_sim_perimetre").value == "ml"
    assert [i.value for i in at.info] == ["Choisissez une ou plusieurs Missions Locales, ou un autre périmètre."]
    aller(at, "Anomalies")
    assert [s.value for s in at.success] == [f"Aucune anomalie pour France entière en {annee}."]


@pytest.mark.parametrize(("annee", "region"), [(2015, None), (2024, "53"), (2020, "01")])
def test_filtres(monkeypatch, dossier_demo, annee, region):
    at = ouvrir(monkeypatch, dossier_demo, annee=annee, region=region)
    parts = parts_par_ml(dossier_demo, annee)
    m = metriques(at)
    assert m["Somme des parts des ML"][0] == normal(fmt.euros(parts["part"].sum(), 0, echelle="unite"))
    if region is not None:
        reg = parts.filter(pl.col("code_region") == region)
        cle = next(k for k in m if k.startswith("Part de la région"))
        assert m[cle][0] == normal(fmt.euros(reg["part"].sum(), 0 if reg["part"].sum().is_integer() else 2,
                                             echelle="unite"))
        assert m["ML de la région"][0] == fmt.nombre(reg.height)
    # Décomposition : le tableau de la région (ou de l'enveloppe) vient des données
    tableau = tableau_avec(at, "Libellé", "Montant (€)", "Part (%)")
    total = tableau.filter(pl.col("Libellé").str.contains("Somme des parts|Enveloppe"))["Montant (€)"].to_list()
    attendu = parts["part"].sum() if region is None else parts.filter(pl.col("code_region") == region)["part"].sum()
    if region is None:
        assert normal(total[-1]) == normal(fmt.euros(
            pl.read_parquet(dossier_demo / "enveloppe.parquet").filter(pl.col("annee") == annee)
            ["enveloppe_totale_eur"].item(), 0, echelle="unite"))
    else:
        assert normal(total[-1]) == normal(fmt.euros(attendu, 0, echelle="unite"))
    # Territoires, jusqu'aux ML d'un département
    aller(at, "Territoires")
    at.session_state["budget_niveau"] = "ml"
    at.run()
    verifier(at)
    dep = parts.filter(pl.col("code_region") == region) if region else parts
    code_dep = sorted(dep["code_departement"].unique().to_list())[0]
    at.selectbox(key="budget_departement").set_value(code_dep).run()
    verifier(at)
    assert tableau_avec(at, "Mission Locale", "Part de l'enveloppe (€)").height == dep.filter(
        pl.col("code_departement") == code_dep).height
    for onglet in ("Ratios par ML", "Agents et subventions", "Anomalies"):
        aller(at, onglet)


def test_selections_vides(monkeypatch, dossier_lacunaire):
    # 2024 sans paramètres nationaux : un avertissement, pas d'erreur, dans chaque onglet
    at = ouvrir(monkeypatch, dossier_lacunaire, annee=2024)
    assert "Les paramètres nationaux de l'accord (fichier enveloppe) manquent pour 2024" in textes(at)
    for onglet in ONGLETS:
        aller(at, onglet)
    # Guadeloupe sans allocation en 2024
    at.selectbox(key="region").set_value("01").run()
    verifier(at)
    for onglet in ONGLETS:
        aller(at, onglet)
    assert "Aucune anomalie pour Guadeloupe en 2024" in textes(at)
    aller(at, "Territoires")
    assert "Aucune allocation pour Guadeloupe en 2024" in textes(at)
    # Simulateur, 2023 : périmètre « ML choisies » sans ML choisie → une consigne, pas de calcul
    at.selectbox(key="annee").set_value(2023).run()
    at.selectbox(key="region").set_value("FR").run()
    aller(at, "Simulateur")
    at.radio(key="budget_sim_perimetre").set_value("ml").run()
    verifier(at)
    assert "Choisissez une ou plusieurs Missions Locales" in textes(at)
    assert "ETP qui basculent" not in metriques(at)
    # … puis MLA choisie, 1 ETP seulement : 1 ETP bascule, MLA garde un agent
    at.multiselect(key="budget_sim_ml").set_value(["MLA"]).run()
    at.toggle(key="budget_sim_limiter").set_value(True).run()
    at.number_input(key="budget_sim_n").set_value(1.0).run()
    verifier(at)
    assert metriques(at)["ETP qui basculent"][0] == "1 ETP"
    assert "Aucune Mission Locale ne perd son dernier agent affecté." in textes(at)


def test_simulateur_region(monkeypatch, dossier_demo):
    at = ouvrir(monkeypatch, dossier_demo, annee=2024, region="53", onglet="Simulateur")
    parts = parts_par_ml(dossier_demo, 2024).filter(pl.col("code_region") == "53")
    assert at.radio(key="budget_sim_perimetre").value == "region"
    assert at.selectbox(key="budget_sim_region").value == "53"
    m = metriques(at)
    etp = parts["etp_affectes"].sum()
    assert m["ETP qui basculent"][0] == normal(fmt.format_valeur(etp, "ETP", decimales=0 if etp.is_integer() else 1))
    avec_agent = parts.filter(pl.col("etp_affectes") > 0)
    assert tableau_avec(at, "ETP affectés avant", "ETP basculés").height == avec_agent.height
    sans_agent = parts_par_ml(dossier_demo, 2024).filter(pl.col("etp_affectes") == 0).height
    assert m["ML sans agent affecté"][0] == fmt.nombre(sans_agent + avec_agent.height)
    # Les données n'ont pas bougé : la page relue montre toujours les mêmes ETP affectés
    aller(at, "Enveloppe et rapprochement")
    total = parts_par_ml(dossier_demo, 2024)["etp_affectes"].sum()
    assert metriques(at)["ETP affectés"][0] == normal(fmt.format_valeur(total, "ETP", decimales=1
                                                                        if not total.is_integer() else 0))


def test_telechargements_relus(monkeypatch, dossier_ecarts):
    at = ouvrir(monkeypatch, dossier_ecarts, annee=2024)
    allocs = pl.read_parquet(dossier_ecarts / "allocations.parquet").filter(pl.col("annee") == 2024)

    # Décomposition : CSV et XLSX, en-têtes français, montants en nombres
    csv = lire_csv(contenu_telechargement(at.download_button(key="budget_decomposition_csv")))
    assert csv.columns == ["Poste (code)", "Libellé", "Montant (€)", "Part (%)"]
    assert csv.schema["Montant (€)"].is_numeric()
    montants = dict(zip(csv["Poste (code)"], csv["Montant (€)"]))
    assert montants["valorisation"] == allocs["valorisation_etp_eur"].sum() == 100_000.0
    assert montants["subvention"] == pytest.approx(allocs["subvention_compensatoire_eur"].sum())
    entetes, lignes = lire_xlsx(contenu_telechargement(at.download_button(key="budget_decomposition_xlsx")))
    assert entetes == ["Poste (code)", "Libellé", "Montant (€)", "Part (%)"]
    assert all(isinstance(l[2], (int, float)) for l in lignes)
    assert {l[0]: l[2] for l in lignes}["credits"] == allocs["credits_financiers_eur"].sum()

    # Rapprochement : écarts exacts en nombres, explications en texte
    csv = lire_csv(contenu_telechargement(at.download_button(key="budget_rapprochement_csv")))
    ecarts = dict(zip(csv["Contrôle (code)"], csv["Écart (comparé − référence)"]))
    assert ecarts["valorisation_forfait"] == pytest.approx(10_000.0)
    assert ecarts["subvention_forfait"] == pytest.approx(-4_999.5)
    explications = [normal(t) for t in csv["Explication"]]
    assert any("4 999,50 € de moins" in t for t in explications)

    # Anomalies : un montant en jeu par ligne, en nombre
    aller(at, "Anomalies")
    csv = lire_csv(contenu_telechargement(at.download_button(key="budget_anomalies_csv")))
    assert "Montant en jeu (€)" in csv.columns and "Mission Locale" in csv.columns
    en_jeu = dict(zip(csv["Code ML"], csv["Montant en jeu (€)"]))
    attendu = allocs.with_columns(
        ((pl.col("valorisation_etp_eur") - pl.col("etp_affectes") * FORFAIT).abs()
         + (pl.col("subvention_compensatoire_eur") - pl.col("etp_compenses") * FORFAIT).abs()).alias("e")
    ).filter(pl.col("e") > 0.005)
    assert en_jeu == pytest.approx(dict(zip(attendu["code_ml"], attendu["e"])))
    entetes, lignes = lire_xlsx(contenu_telechargement(at.download_button(key="budget_anomalies_xlsx")))
    i = entetes.index("Montant en jeu (€)")
    assert sorted(l[i] for l in lignes) == pytest.approx([4_999.5, 10_000.0])
    assert all(isinstance(l[i], float | int) for l in lignes)
