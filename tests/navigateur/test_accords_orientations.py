"""Pages « Accords locaux » et « Orientations » dans un vrai Chromium sans interface.

- chaque onglet ouvert par son adresse (``?accords_vue=…``, ``?orient_vue=…``), sans exception ni requête hors
  de la machine, avec ses graphiques et ses tableaux, et une capture d'écran (dossier ``TDB_CAPTURES`` ou
  dossier temporaire) ;
- les chiffres affichés sont ceux d'un calcul indépendant en Polars sur les fichiers du jeu ;
- les téléchargements CSV et XLSX sont relus ;
- un réglage fait à la souris s'écrit dans l'adresse, et cette adresse rouvre la même vue.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import polars as pl

from presentation import format as fmt
from tests.navigateur.harnais import attendre_fin_execution, ouvrir, verifier_sans_erreur
from tests.requetes.test_accords import Reference as ReferenceAccords
from tests.requetes.test_orientations import Reference as ReferenceOrientations

ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})
ONGLETS_ACCORDS = {  # onglet -> (sélecteur attendu, nombre minimal)
    "Situation": (".js-plotly-plot", 2),
    "Historique": (".js-plotly-plot", 2),
    "Accords par ML": ('[data-testid="stDataFrame"]', 1),
    "Contenus": (".js-plotly-plot", 2),
    "Échéances": ('[data-testid="stDataFrame"]', 1),
    "ML sans accord": ('[data-testid="stDataFrame"]', 1),
}
ONGLETS_ORIENTATIONS = {
    "Flux mensuels": (".js-plotly-plot", 2),
    "Entonnoir et pertes": (".js-plotly-plot", 3),
    "Motifs": (".js-plotly-plot", 2),
    "Objectif annuel": (".js-plotly-plot", 2),
    "Doubles accompagnements": (".js-plotly-plot", 1),
}


def normal(texte: str) -> str:
    return texte.translate(ESPACES)


def capturer(page, dossier: Path, nom: str) -> Path:
    hauteur = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(hauteur) + 40), 6000)})
    attendre_fin_execution(page)
    page.wait_for_timeout(1200)  # dessin des graphiques Plotly
    chemin = dossier / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=True, timeout=120_000)
    page.set_viewport_size({"width": 1440, "height": 900})
    assert chemin.stat().st_size > 20_000
    return chemin


def verifier_contenu(page, selecteur: str, minimum: int) -> None:
    page.locator(selecteur).first.wait_for(state="visible", timeout=30_000)
    assert page.locator(selecteur).count() >= minimum, (selecteur, page.locator(selecteur).count())


def telecharger(page, libelle: str) -> bytes:
    with page.expect_download(timeout=60_000) as attente:
        page.get_by_role("button", name=libelle).first.click()
    return Path(attente.value.path()).read_bytes()


def texte_principal(page) -> str:
    return normal(page.locator('[data-testid="stMain"]').inner_text())


def derniere_annee(dossier: Path) -> int:
    return int(pl.read_parquet(dossier / "allocations.parquet")["annee"].max())


def test_accords_dans_le_navigateur(page_app, donnees_navigateur, dossier_captures):
    from datetime import date

    ref = ReferenceAccords(donnees_navigateur)
    d = date(derniere_annee(donnees_navigateur), 12, 31)
    situations = ref.situations(d)
    en_vigueur = sum(1 for s, _ in situations.values() if s == "en_vigueur")
    for onglet, (selecteur, minimum) in ONGLETS_ACCORDS.items():
        ouvrir(page_app, "accords", {"accords_vue": onglet})
        verifier_sans_erreur(page_app)
        verifier_contenu(page_app, selecteur, minimum)
        texte = texte_principal(page_app)
        assert normal(fmt.pourcentage(100 * en_vigueur / len(situations))) in texte
        assert normal(f"{fmt.nombre(ref.en_vigueur(d).height)} accords") in texte
        capturer(page_app, dossier_captures, "accords_" + onglet.lower().replace(" ", "_").replace("é", "e")
                 .replace("É", "E"))

    # Le tableau des ML téléchargé : une ligne par ML, la situation et l'accord courant du calcul de référence
    ouvrir(page_app, "accords", {"accords_vue": "Accords par ML"})
    octets = telecharger(page_app, "Télécharger en CSV")
    csv = pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True, infer_schema=False)
    assert csv.height == len(situations)
    assert dict(csv.select("Code ML", "Accord courant").iter_rows()) == {c: i for c, (_, i) in situations.items()}
    classeur = openpyxl.load_workbook(io.BytesIO(telecharger(page_app, "Télécharger en Excel")), read_only=True)
    lignes = list(classeur.active.iter_rows(values_only=True))
    assert len(lignes) == len(situations) + 1
    i = lignes[0].index("Score de complétude (%)")
    assert all(v is None or isinstance(v, (int, float)) for v in (ligne[i] for ligne in lignes[1:]))

    # Un filtre choisi à la souris s'écrit dans l'adresse, qui rouvre la même vue
    choix = page_app.locator('[data-testid="stMultiSelect"]').first  # « Situations »
    choix.locator("input").click()
    choix.locator("input").fill("En négociation")
    page_app.keyboard.press("Enter")
    page_app.keyboard.press("Escape")
    attendre_fin_execution(page_app)
    verifier_sans_erreur(page_app)
    params = parse_qs(urlsplit(page_app.url).query)
    assert params.get("accords_situations") == ["En négociation"], page_app.url
    nb = sum(1 for s, _ in situations.values() if s == "en_negociation")
    assert f"{fmt.nombre(nb)} Mission" in texte_principal(page_app)
    adresse = page_app.url
    page_app.goto(adresse, wait_until="domcontentloaded")
    attendre_fin_execution(page_app)
    verifier_sans_erreur(page_app)
    assert f"{fmt.nombre(nb)} Mission" in texte_principal(page_app)
    capturer(page_app, dossier_captures, "accords_filtre_negociation")


def test_orientations_dans_le_navigateur(page_app, donnees_navigateur, dossier_captures):
    ref = ReferenceOrientations(donnees_navigateur)
    annee = derniere_annee(donnees_navigateur)
    o, a, e = ref.volumes(annee)
    for onglet, (selecteur, minimum) in ONGLETS_ORIENTATIONS.items():
        ouvrir(page_app, "orientations", {"orient_vue": onglet})
        verifier_sans_erreur(page_app)
        verifier_contenu(page_app, selecteur, minimum)
        texte = texte_principal(page_app)
        assert normal(fmt.format_valeur(o, "jeunes")) in texte
        assert normal(fmt.format_valeur(e, "jeunes")) in texte
        capturer(page_app, dossier_captures, "orientations_" + onglet.lower().replace(" ", "_"))

    # Entonnoir : pertes écrites à l'écran, tableau des territoires téléchargé et relu
    ouvrir(page_app, "orientations", {"orient_vue": "Entonnoir et pertes"})
    texte = texte_principal(page_app)
    assert f"Refusés par la structure d'accueil : {normal(fmt.format_valeur(o - a, 'jeunes'))}" in texte
    assert f"Acceptés mais jamais entrés : {normal(fmt.format_valeur(a - e, 'jeunes'))}" in texte
    boutons = page_app.get_by_role("button", name="Télécharger en CSV")
    with page_app.expect_download(timeout=60_000) as attente:
        boutons.last.click()
    csv = pl.read_csv(Path(attente.value.path()).read_bytes()[3:], separator=";", decimal_comma=True,
                      schema_overrides={"Code": pl.Utf8})
    attendu = ref.par_territoire(annee, "code_region")
    assert csv.height == attendu.height
    lus = {r["Code"]: (r["Jeunes orientés"], r["Jeunes entrés"]) for r in csv.iter_rows(named=True)}
    assert lus == {r["code"]: (r["orientes"], r["entres"]) for r in attendu.iter_rows(named=True)}

    # La maille choisie à la souris s'écrit dans l'adresse
    page_app.get_by_role("radio", name="Départements", exact=True).click()
    attendre_fin_execution(page_app)
    verifier_sans_erreur(page_app)
    assert parse_qs(urlsplit(page_app.url).query).get("orient_maille") == ["Départements"], page_app.url
    assert "Départements qui perdent le plus de jeunes" in texte_principal(page_app)
    capturer(page_app, dossier_captures, "orientations_pertes_departements")

    # Une Mission Locale et un seuil donnés dans l'adresse
    ouvrir(page_app, "orientations", {"orient_vue": "Motifs", "orient_seuil": "50", "region": "Bretagne"})
    verifier_sans_erreur(page_app)
    assert "plus de 50 %" in texte_principal(page_app)
    capturer(page_app, dossier_captures, "orientations_motifs_bretagne_50")
