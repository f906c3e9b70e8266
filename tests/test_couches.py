"""Les flèches ne vont que vers le bas : chaque couche n'importe que des couches en dessous d'elle.

    donnees  ←  requetes  ←  presentation, cartes et rapports  ←  interface  ←  pages et tableau_de_bord.py

- ``donnees`` : contrat, validation, référentiel, versions ; n'importe aucune autre couche du projet ;
- ``requetes`` : les requêtes (nombres et codes) ; n'importe que ``donnees`` ;
- ``presentation`` et ``cartes`` : tableaux, figures, textes et cartes en français, sans Streamlit ;
  ``cartes`` peut se servir de ``presentation`` (formats, palettes), pas l'inverse ;
- ``rapports`` : les documents (dossier de séance PDF), au même rang ; ils reprennent ``presentation`` et
  ``cartes`` (jamais l'inverse), jamais Streamlit ni ``interface`` ;
- ``interface`` : les briques Streamlit ; ``pages`` et le point d'entrée : mise en page seulement.
Seuls ``interface``, ``pages`` et le point d'entrée importent Streamlit.

Les imports sont lus dans l'arbre syntaxique de chaque module (imports dans les fonctions compris).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
RANGS = {"donnees": 0, "requetes": 1, "presentation": 2, "cartes": 2, "rapports": 2, "interface": 3, "pages": 4,
         "tableau_de_bord": 4}
PERMIS_MEME_RANG = {("cartes", "presentation"), ("rapports", "presentation"), ("rapports", "cartes")}
AVEC_STREAMLIT = {"interface", "pages", "tableau_de_bord"}
# Écarts connus, à résorber (issue 13) : aucun aujourd'hui (les phrases des alertes et du budget sont écrites
# par presentation/alertes.py et presentation/budget.py). Tout nouvel écart fait échouer le test ; un écart
# résorbé doit être retiré d'ici (test plus bas).
ECARTS_CONNUS: set[tuple[str, str]] = set()


def _couche(chemin: Path) -> str:
    relatif = chemin.relative_to(RACINE)
    return relatif.parts[0] if len(relatif.parts) > 1 else relatif.stem


def _modules_du_produit() -> list[Path]:
    fichiers = [RACINE / "tableau_de_bord.py"]
    for dossier in RANGS:
        if (RACINE / dossier).is_dir():
            fichiers += sorted((RACINE / dossier).rglob("*.py"))
    return fichiers


def _imports(chemin: Path) -> set[str]:
    """Premier élément de chaque module importé (``from presentation.format import x`` → presentation)."""
    noms = set()
    for noeud in ast.walk(ast.parse(chemin.read_text(encoding="utf-8"), filename=str(chemin))):
        if isinstance(noeud, ast.Import):
            noms |= {a.name.split(".")[0] for a in noeud.names}
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            noms.add(noeud.module.split(".")[0])
    return noms


def ecarts(chemin: Path) -> list[tuple[str, str]]:
    """(module, couche importée) interdits pour ce fichier."""
    couche = _couche(chemin)
    rang = RANGS[couche]
    relatif = str(chemin.relative_to(RACINE))
    trouves = []
    for importe in _imports(chemin):
        if importe == "streamlit" and couche not in AVEC_STREAMLIT:
            trouves.append((relatif, importe))
        if importe not in RANGS or importe == couche:
            continue
        if RANGS[importe] < rang or (couche, importe) in PERMIS_MEME_RANG:
            continue
        trouves.append((relatif, importe))
    return trouves


@pytest.mark.parametrize("chemin", _modules_du_produit(), ids=lambda c: str(c.relative_to(RACINE)))
def test_les_imports_vont_vers_le_bas(chemin):
    nouveaux = [e for e in ecarts(chemin) if e not in ECARTS_CONNUS]
    assert not nouveaux, (
        "Import contre le sens des couches (donnees ← requetes ← presentation et cartes ← interface ← pages) : "
        + ", ".join(f"{m} importe {c}" for m, c in nouveaux))


def test_les_ecarts_connus_existent_encore():
    """Un écart connu résorbé doit sortir de la liste : elle ne sert pas à cacher de nouveaux écarts."""
    presents = {e for c in _modules_du_produit() for e in ecarts(c)}
    assert presents >= ECARTS_CONNUS, sorted(ECARTS_CONNUS - presents)


def test_le_controle_peut_echouer(tmp_path):
    """Le contrôle reconnaît un import montant et un import de Streamlit hors de l'interface."""
    global RACINE
    ancienne = RACINE
    RACINE = tmp_path
    try:
        (tmp_path / "requetes").mkdir()
        fichier = tmp_path / "requetes" / "x.py"
        fichier.write_text("import streamlit as st\ndef f():\n    from interface import chargement\n",
                           encoding="utf-8")
        assert sorted(ecarts(fichier)) == [("requetes/x.py", "interface"), ("requetes/x.py", "streamlit")]
        (tmp_path / "presentation").mkdir()
        autre = tmp_path / "presentation" / "y.py"
        autre.write_text("from cartes import vue\nfrom requetes import jeu\n", encoding="utf-8")
        assert ecarts(autre) == [("presentation/y.py", "cartes")]
    finally:
        RACINE = ancienne


def test_importer_presentation_ou_cartes_ne_change_pas_plotly():
    """Importer presentation ou cartes ne change aucun réglage global (modèle Plotly par défaut)."""
    import subprocess
    import sys

    code = ("import plotly.io as pio\navant = pio.templates.default\n"
            "import presentation.theme, presentation.format, cartes.vue, cartes.classes\n"
            "assert pio.templates.default == avant, (avant, pio.templates.default)\n"
            "import sys\nassert 'streamlit' not in sys.modules\nprint('ok')\n")
    sortie = subprocess.run([sys.executable, "-c", code], cwd=RACINE, capture_output=True, text=True, timeout=300)
    assert sortie.returncode == 0 and "ok" in sortie.stdout, sortie.stderr[-2000:]
