"""Import d'exports par la page « Données », dans un vrai Chromium : un jeu valide téléversé (archive zip)
change les chiffres affichés (page Données, page Budget) ; un jeu cassé est refusé avec le rapport en
français, et les chiffres précédents restent affichés. Captures d'écran de chaque étape.

Le serveur de ce fichier est le sien : dossier initial = jeu de tests/fabrique.py, magasin de versions
dans un dossier temporaire, import autorisé (TDB_IMPORT_AUTORISE=1).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl
import pytest

from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from presentation import format as fmt
from requetes import jeu as module_jeu
from tests.fabrique import ecrire_jeu, jeu_minimal, octets_parquet
from tests.navigateur import harnais
from tests.navigateur.harnais import attendre_fin_execution, ouvrir, verifier_sans_erreur

ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})
NOUVELLE_ENVELOPPE = 512_300.0


def normal(texte: str) -> str:
    return texte.translate(ESPACES)


@pytest.fixture(scope="module")
def lieux(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("import_navigateur")
    base = ecrire_jeu(dossier / "initial", jeu_minimal())
    return base, dossier / "versions", dossier


@pytest.fixture(scope="module")
def serveur_import(lieux):
    base, racine, dossier = lieux
    serveur = harnais.demarrer_serveur(base, dossier / "streamlit.log", env_en_plus={
        "TDB_VERSIONS": str(racine), "TDB_IMPORT_AUTORISE": "1",
        "TDB_IMPORT_DOSSIERS": str(dossier / "a_importer")})
    yield serveur
    serveur.arreter()


@pytest.fixture
def onglet(navigateur, serveur_import):
    with harnais.onglet_surveille(navigateur, serveur_import.url) as page:
        yield page


def texte_principal(page) -> str:
    return normal(page.locator('[data-testid="stMain"]').inner_text())


def metrique(page, libelle: str) -> str:
    """Valeur de la carte ``st.metric`` dont le libellé est exactement ``libelle``."""
    cartes = page.locator('[data-testid="stMetric"]')
    for i in range(cartes.count()):
        carte = cartes.nth(i)
        if normal(carte.locator('[data-testid="stMetricLabel"]').inner_text()).strip() == libelle:
            return normal(carte.locator('[data-testid="stMetricValue"]').inner_text()).strip()
    raise AssertionError(f"Pas de métrique « {libelle} »")


def capture(page, dossier: Path, nom: str) -> Path:
    page.set_viewport_size({"width": 1440, "height": 3000})
    attendre_fin_execution(page)
    page.evaluate("() => document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.wait_for_timeout(800)
    chemin = dossier / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    return chemin


def total_lignes(dossier: Path) -> int:
    return sum(pl.read_parquet(dossier / TABLES[n].fichier).height for n in NOMS_TABLES)


def televerser_et_importer(page, fichier: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(fichier))
    attendre_fin_execution(page)
    bouton = page.get_by_role("button", name="Contrôler et mettre en service")
    bouton.wait_for(state="visible")
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')].find("
        "x => x.innerText.includes('Contrôler et mettre en service')); return b && !b.disabled; }",
        timeout=30_000)
    bouton.click()
    attendre_fin_execution(page)


def test_import_par_la_page_puis_import_casse(onglet, lieux, dossier_captures, tmp_path):
    base, racine, _ = lieux
    page = onglet
    assert hasattr(module_jeu, "dossier_initial"), (
        "requetes/jeu.py n'est pas encore branché sur le magasin de versions (issue 7) : "
        "dossier_par_defaut() doit rendre versions.dossier_en_service(...) ou le dossier initial.")

    # Avant : le dossier initial
    ouvrir(page, "donnees")
    verifier_sans_erreur(page)
    assert metrique(page, "Version") == "initiale"
    assert metrique(page, "Lignes lues") == normal(fmt.nombre(total_lignes(base)))
    ancienne = pl.read_parquet(base / "enveloppe.parquet").filter(pl.col("annee") == 2024)["enveloppe_totale_eur"].item()
    ouvrir(page, "budget", {"annee": "2024"})
    verifier_sans_erreur(page)
    assert normal(fmt.euros(ancienne)) in texte_principal(page)
    assert normal(fmt.euros(NOUVELLE_ENVELOPPE)) not in texte_principal(page)

    # 1. Un jeu valide, en archive zip : nouvelle enveloppe 2024, orientations de 2024 seulement
    tables = jeu_minimal()
    enveloppe = tables["enveloppe"].with_columns(
        pl.when(pl.col("annee") == 2024).then(NOUVELLE_ENVELOPPE).otherwise(pl.col("enveloppe_totale_eur"))
        .alias("enveloppe_totale_eur"))
    orientations = tables["orientations"].filter(pl.col("mois").dt.year() == 2024)
    archive = tmp_path / "exports_juin.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("exports_juin/enveloppe.parquet", octets_parquet(enveloppe))
        zf.writestr("exports_juin/orientations.parquet", octets_parquet(orientations))
    ouvrir(page, "donnees")
    page.get_by_label("Votre nom (noté dans l'historique)").fill("Camille Martin")
    page.get_by_label("Votre nom (noté dans l'historique)").press("Tab")
    attendre_fin_execution(page)
    televerser_et_importer(page, archive)
    verifier_sans_erreur(page)
    texte = texte_principal(page)
    assert "Version 2 mise en service" in texte, texte[:3000]
    assert "Archive zip « exports_juin.zip » téléversée : contrôle réussi" in texte
    assert "reprises de la version en service" in texte
    service = versions.version_en_service(racine, base)
    assert service.numero == 2 and service.auteur == "Camille Martin"
    # les chiffres affichés sont ceux de la nouvelle version
    assert metrique(page, "Version") == "n° 2"
    nouveau_total = total_lignes(service.dossier)
    assert nouveau_total == total_lignes(base) - (tables["orientations"].height - orientations.height)
    assert metrique(page, "Lignes lues") == normal(fmt.nombre(nouveau_total))
    assert capture(page, dossier_captures, "donnees_import_valide").stat().st_size > 20_000
    ouvrir(page, "budget", {"annee": "2024"})
    verifier_sans_erreur(page)
    assert normal(fmt.euros(NOUVELLE_ENVELOPPE)) in texte_principal(page)
    pied = normal(page.locator('[data-testid="stMain"]').inner_text())
    # le pied de page nomme la version lue (numéro, date, origine), pas son chemin dans le magasin
    assert f"Version {service.numero} importée le {service.cree_le.strftime('%d/%m/%Y')}" in pied
    assert "archive zip « exports_juin.zip » téléversée" in pied and service.id not in pied

    # 2. Un jeu cassé (ETP négatifs) : refusé, rien ne change
    fausses = tables["allocations"].with_columns(pl.lit(-12.5).alias("etp_affectes"))
    casse = tmp_path / "exports_casses.zip"
    with zipfile.ZipFile(casse, "w") as zf:
        zf.writestr("allocations.parquet", octets_parquet(fausses))
    avant = sorted(p.name for p in racine.iterdir())
    ouvrir(page, "donnees")
    televerser_et_importer(page, casse)
    verifier_sans_erreur(page)
    texte = texte_principal(page)
    assert "Import refusé : rien n'a changé" in texte, texte[:3000]
    assert "allocations.parquet, colonne « etp_affectes » : valeur négative sur 4 lignes" in texte
    assert "la version en service reste en place" in texte
    # les chiffres précédents sont toujours affichés
    assert metrique(page, "Version") == "n° 2"
    assert metrique(page, "Lignes lues") == normal(fmt.nombre(nouveau_total))
    assert versions.version_en_service(racine, base).id == service.id
    assert sorted(p.name for p in racine.iterdir()) == avant
    assert capture(page, dossier_captures, "donnees_import_refuse").stat().st_size > 20_000
    ouvrir(page, "budget", {"annee": "2024"})
    verifier_sans_erreur(page)
    assert normal(fmt.euros(NOUVELLE_ENVELOPPE)) in texte_principal(page)
