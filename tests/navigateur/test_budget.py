"""Page « Budget de l'accord » dans un vrai Chromium : chiffres de l'accord affichés, captures d'écran,
téléchargements CSV et XLSX relus et comparés à un calcul Polars indépendant sur les fichiers du jeu."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl

from presentation import format as fmt
from tests.navigateur.harnais import attendre_fin_execution, ouvrir, verifier_sans_erreur

ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def normal(texte: str) -> str:
    return texte.translate(ESPACES)


def _derniere_annee(dossier: Path) -> int:
    return int(pl.read_parquet(dossier / "allocations.parquet")["annee"].max())


def _decomposition_attendue(dossier: Path, annee: int) -> dict[str, float]:
    a = pl.read_parquet(dossier / "allocations.parquet").filter(pl.col("annee") == annee)
    e = pl.read_parquet(dossier / "enveloppe.parquet").filter(pl.col("annee") == annee)
    attendu = {
        "valorisation": a["valorisation_etp_eur"].sum(),
        "subvention": a["subvention_compensatoire_eur"].sum(),
        "credits": a["credits_financiers_eur"].sum(),
    }
    if e.height:
        total = e["enveloppe_totale_eur"].item()
        attendu["ecart"] = total - sum(attendu.values())
        attendu["total"] = total
    return attendu


def _capture(page, dossier_captures: Path, nom: str) -> Path:
    # Streamlit fait défiler son bloc principal, pas la page : une fenêtre haute pour tout voir.
    page.set_viewport_size({"width": 1440, "height": 2600})
    attendre_fin_execution(page)
    page.wait_for_timeout(1500)  # dessin des graphiques Plotly
    chemin = dossier_captures / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=True, timeout=120_000)
    page.set_viewport_size({"width": 1440, "height": 900})
    return chemin


def _telecharger(page, libelle: str) -> bytes:
    with page.expect_download(timeout=60_000) as attente:
        page.get_by_role("button", name=libelle).first.click()
    return Path(attente.value.path()).read_bytes()


def test_budget_dans_le_navigateur(page_app, donnees_navigateur, dossier_captures):
    ouvrir(page_app, "budget")
    verifier_sans_erreur(page_app)
    texte = normal(page_app.locator('[data-testid="stMain"]').inner_text())
    annee = _derniere_annee(donnees_navigateur)
    e = pl.read_parquet(donnees_navigateur / "enveloppe.parquet").filter(pl.col("annee") == annee)
    calcul = e["etp_nationaux"].item() * e["forfait_etp_eur"].item()
    # Les chiffres de l'accord, tels qu'ils sont dans les données
    assert normal(fmt.euros(e["enveloppe_totale_eur"].item())) in texte
    assert normal(fmt.euros(e["valorisation_etp_eur"].item())) in texte
    assert normal(fmt.euros(calcul, 0, echelle="unite")) in texte
    ecart = calcul - e["valorisation_etp_eur"].item()
    if ecart:
        assert normal(fmt.euros(ecart, 0, echelle="unite", signe=True)) in texte
    assert _capture(page_app, dossier_captures, "budget_enveloppe").stat().st_size > 20_000

    # Téléchargement CSV de la décomposition, relu : en-têtes français, montants en nombres
    attendu = _decomposition_attendue(donnees_navigateur, annee)
    octets = _telecharger(page_app, "Télécharger en CSV")
    assert octets.startswith("\ufeff".encode())
    csv = pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True)
    assert csv.columns == ["Poste (code)", "Libellé", "Montant (€)", "Part (%)"]
    assert csv.schema["Montant (€)"].is_numeric()
    lus = dict(zip(csv["Poste (code)"], csv["Montant (€)"]))
    for poste, montant in attendu.items():
        assert abs(lus[poste] - montant) < 0.01, poste

    # Téléchargement XLSX, relu avec openpyxl : des nombres, pas du texte
    classeur = openpyxl.load_workbook(io.BytesIO(_telecharger(page_app, "Télécharger en Excel")), read_only=True)
    lignes = list(classeur.active.iter_rows(values_only=True))
    assert lignes[0] == ("Poste (code)", "Libellé", "Montant (€)", "Part (%)")
    lus = {l[0]: l[2] for l in lignes[1:]}
    assert all(isinstance(v, (int, float)) for v in lus.values())
    for poste, montant in attendu.items():
        assert abs(lus[poste] - montant) < 0.01, poste
    verifier_sans_erreur(page_app)

    # Les autres onglets s'ouvrent (adresse partageable : ?budget_onglet=…) et se dessinent sans erreur
    for onglet, nom in (("Territoires", "budget_territoires"), ("Ratios par ML", "budget_ratios"),
                        ("Agents et subventions", "budget_agents")):
        ouvrir(page_app, "budget", {"budget_onglet": onglet})
        verifier_sans_erreur(page_app)
        assert page_app.locator(".js-plotly-plot").count() >= 1, onglet
        _capture(page_app, dossier_captures, nom)


def test_budget_simulateur_dans_le_navigateur(page_app, donnees_navigateur, dossier_captures):
    ouvrir(page_app, "budget", {"budget_onglet": "Simulateur"})
    page_app.get_by_text("Toute la France", exact=True).click()
    attendre_fin_execution(page_app)
    verifier_sans_erreur(page_app)
    annee = _derniere_annee(donnees_navigateur)
    a = pl.read_parquet(donnees_navigateur / "allocations.parquet").filter(pl.col("annee") == annee)
    etp = a["etp_affectes"].sum()
    carte = page_app.locator('[data-testid="stMetric"]', has_text="ETP qui basculent")
    assert carte.count() == 1
    assert normal(fmt.format_valeur(etp, "ETP", decimales=0 if float(etp).is_integer() else 1)) in normal(
        carte.inner_text())
    _capture(page_app, dossier_captures, "budget_simulateur")
