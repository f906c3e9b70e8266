"""Dossier de séance PDF (rapports/) : la même vérité que les écrans, le même périmètre, un PDF imprimable.

Trois dossiers du jeu de démonstration sont construits une fois pour le module (France entière, Bretagne,
La Réunion, région d'outre-mer), avec un seul Chromium pour leurs graphiques. Leur texte est relu par
``pdftotext`` (poppler-utils, installé par scripts/tester.sh) et confronté aux valeurs du registre des
indicateurs calculées ici, pour le même territoire et la même année ; le PDF est contrôlé (PDF/A-2a
balisé, polices embarquées, numéros de page, en-têtes de tableau répétés). Le périmètre : une ARML n'obtient
que le dossier de sa région et de ses territoires, sans nom de ML d'une autre région ; un export d'une
seule région donne un dossier régional sans comparaison nationale.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from donnees.habilitations import Perimetre
from presentation import format as fmt
from presentation.vue_nationale import texte_ecart_valorisation
from rapports import contenu as K
from rapports import dossier as D
from rapports import graphiques
from requetes import indicateurs as I
from requetes import perimetre as P
from requetes.indicateurs import REGISTRE
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage

ANNEE = 2025
TERRITOIRES = (("nationale", None), ("region", "53"), ("region", "04"))

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext absent : apt-get install -y poppler-utils (scripts/tester.sh le fait)")


@pytest.fixture(scope="module")
def jeu(tmp_path_factory) -> JeuDeDonnees:
    return JeuDeDonnees(dossier_demo_partage(tmp_path_factory))


@pytest.fixture(scope="module")
def dossiers(jeu, tmp_path_factory) -> dict[tuple[str, str | None], Path]:
    sortie = tmp_path_factory.mktemp("dossiers")
    resultats = D.construire_plusieurs(jeu, ANNEE, list(TERRITOIRES))
    chemins = {}
    for (niveau, code), pdf in resultats:
        chemin = sortie / D.nom_fichier(ANNEE, niveau, code)
        chemin.write_bytes(pdf)
        chemins[(niveau, code)] = chemin
    return chemins


def texte_pdf(chemin: Path, *options: str) -> str:
    sortie = subprocess.run(["pdftotext", "-layout", *options, str(chemin), "-"], capture_output=True, text=True,
                            check=True).stdout
    return sortie.replace("\u202f", " ").replace("\u00a0", " ")


def _norm(texte: str) -> str:
    return texte.replace("\u202f", " ").replace("\u00a0", " ")


def _ligne_de(texte: str, libelle: str) -> str:
    """La ligne du texte qui commence (après les blancs) par ``libelle``."""
    for ligne in texte.splitlines():
        if ligne.strip().startswith(libelle):
            return ligne
    raise AssertionError(f"Ligne introuvable : {libelle!r}")


# --------------------------------------------------------------------------------------------------
# Même vérité que les écrans


@pytest.mark.parametrize("territoire", TERRITOIRES, ids=lambda t: f"{t[0]}-{t[1] or 'FR'}")
def test_les_chiffres_du_pdf_sont_ceux_du_registre(jeu, dossiers, territoire):
    """Chaque chiffre de « L'année en chiffres » est la valeur du registre pour ce territoire et cette année,
    et celle de l'année précédente, mises en forme à la française."""
    niveau, code = territoire
    texte = texte_pdf(dossiers[territoire])
    # la section « L'année en chiffres » seule : ses libellés reviennent ailleurs (annexe, autres tableaux)
    debut = texte.index(f"L'année {ANNEE} en chiffres", texte.index("\f"))  # après la couverture (sommaire)
    section = texte[debut:texte.index("Enveloppe de l'accord et rapprochement", debut)]
    codes = None if code is None else [code]
    courant = I.valeurs(jeu, niveau, ANNEE, codes=codes, indicateurs=list(K.CHIFFRES_ANNEE))
    avant = I.valeurs(jeu, niveau, ANNEE - 1, codes=codes, indicateurs=list(K.CHIFFRES_ANNEE))
    v = dict(zip(courant["indicateur"].to_list(), courant["valeur"].to_list()))
    p = dict(zip(avant["indicateur"].to_list(), avant["valeur"].to_list()))
    verifies = 0
    for c in K.CHIFFRES_ANNEE:
        i = REGISTRE[c]
        ligne = _ligne_de(section, i.libelle)
        attendu = [_norm(fmt.format_valeur(v[c], i.unite)), _norm(fmt.format_valeur(p[c], i.unite))]
        cellules = [x.strip() for x in re.split(r"\s{2,}", ligne.strip())]
        assert cellules[1:3] == attendu, (c, ligne, attendu)
        verifies += 1
    assert verifies == len(K.CHIFFRES_ANNEE)


@pytest.mark.parametrize("territoire", TERRITOIRES, ids=lambda t: f"{t[0]}-{t[1] or 'FR'}")
def test_enveloppe_et_rapprochement(jeu, dossiers, territoire):
    """L'enveloppe nationale, la valorisation annoncée et l'écart de 0,125 M€ sont écrits et expliqués avec
    les chiffres de la table enveloppe (les mêmes phrases que la vue nationale)."""
    texte = texte_pdf(dossiers[territoire])
    s = I.synthese_nationale(jeu, ANNEE)
    assert _norm(fmt.euros(s["enveloppe_totale"].valeur, precis=True)) == "49,1 M€"
    assert "49,1 M€" in _ligne_de(texte, "Enveloppe nationale de l'accord")
    assert "14,5 M€" in _ligne_de(texte, "dont valorisation des 325 ETP affectés")
    assert "14 625 000 €" in _ligne_de(texte, "325 ETP × forfait")
    phrase = _norm(texte_ecart_valorisation(s).replace("**", ""))
    assert phrase == "325 ETP × 45 000 € = 14 625 000 €, soit 0,125 M€ de plus que la valorisation annoncée (14,5 M€)."
    assert phrase in " ".join(texte.split())
    assert "L'écart vient de l'accord lui-même" in texte


def test_comparaison_rang_et_centile(jeu, dossiers):
    """Bretagne : valeur, France, rang et centile de chaque indicateur clé, ceux du portrait."""
    from requetes import comparaison as C

    texte = texte_pdf(dossiers[("region", "53")])
    section = texte[texte.index("Comparaison avec la France et la région", texte.index("\f")):]
    portrait = {r["indicateur"]: r for r in C.portrait(jeu, "region", "53", ANNEE).iter_rows(named=True)}
    for c in ("atteinte_objectif", "taux_acceptation", "taux_entree"):
        r = portrait[c]
        ligne = _ligne_de(section, REGISTRE[c].libelle)
        assert _norm(fmt.format_valeur(r["valeur"], r["unite"])) in ligne
        assert _norm(fmt.format_valeur(r["valeur_nationale"], r["unite"])) in ligne
        assert f"/ {r['nb']}" in ligne and ligne.rstrip().endswith(fmt.nombre(r["centile"]))


def test_le_pdf_est_imprimable(dossiers):
    """PDF/A-2a balisé, polices embarquées, « Page n sur N » sur chaque page, en-têtes de tableau répétés
    quand un tableau passe d'une page à l'autre, formats français."""
    chemin = dossiers[("region", "53")]
    infos = subprocess.run(["pdfinfo", str(chemin)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", infos, re.M), infos
    nb_pages = int(re.search(r"^Pages:\s+(\d+)", infos, re.M).group(1))
    assert 10 <= nb_pages <= 40
    meta = subprocess.run(["pdfinfo", "-meta", str(chemin)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="2"' in meta and 'pdfaid:conformance="A"' in meta, meta
    polices = subprocess.run(["pdffonts", str(chemin)], capture_output=True, text=True, check=True).stdout
    lignes = [ligne for ligne in polices.splitlines()[2:] if ligne.strip()]
    assert lignes and all(" yes " in ligne for ligne in lignes), polices  # emb : oui
    assert "DejaVu" in polices and "Marianne" not in polices
    pages = texte_pdf(chemin).split("\f")
    for n, page in enumerate(pages[:nb_pages], start=1):
        assert f"Page {n} sur {nb_pages}" in page, n
    # Le tableau des constats tient sur plusieurs pages : son en-tête est sur chacune.
    avec_constats = [p for p in pages if "Aucun accord signé en vigueur" in p or "Objectif atteint à" in p]
    assert len(avec_constats) >= 2
    assert all(re.search(r"N°\s+Commune ou ML\s+Constat", p) for p in avec_constats)


def test_drom_dans_le_dossier_regional(dossiers, jeu):
    """La Réunion : son dossier nomme ses ML et montre sa carte (un DROM n'est pas hors de la carte)."""
    texte = texte_pdf(dossiers[("region", "04")])
    assert "Région La Réunion — année 2025" in texte
    noms = I.missions_locales(jeu).filter(pl.col("code_region") == "04")["nom_ml"].to_list()
    assert noms and any(n in texte for n in noms)
    assert "Nombre d'alertes déclenchées" in texte


# --------------------------------------------------------------------------------------------------
# Même périmètre que les écrans


ARML_BRETAGNE = Perimetre("region", "53", False, "coordination@arml-bretagne.fr")


def test_une_arml_n_obtient_que_ses_territoires(jeu):
    with pytest.raises(P.HorsPerimetre):
        D.rassembler(jeu, ANNEE, "region", "84", ARML_BRETAGNE)
    with pytest.raises(P.HorsPerimetre):
        D.rassembler(jeu, ANNEE, "nationale", None, ARML_BRETAGNE)
    ml_ailleurs = I.missions_locales(jeu).filter(pl.col("code_region") == "84")["code_ml"][0]
    with pytest.raises(P.HorsPerimetre):
        D.rassembler(jeu, ANNEE, "ml", ml_ailleurs, ARML_BRETAGNE)
    ml = Perimetre("ml", "ML02901", False, "direction@ml-brest.fr")
    with pytest.raises(P.HorsPerimetre):
        D.rassembler(jeu, ANNEE, "departement", "29", ml)


@pytest.mark.parametrize("niveau,code", [("region", "53"), ("departement", "29"), ("ml", "ML02901")])
def test_le_dossier_d_une_arml_ne_nomme_aucune_ml_d_ailleurs(jeu, niveau, code):
    d = D.rassembler(jeu, ANNEE, niveau, code, ARML_BRETAGNE)
    html = D.html_du_dossier(d)
    mls = I.missions_locales(jeu)
    ailleurs = mls.filter(pl.col("code_region") != "53")
    ici = mls.filter(pl.col("code_region") == "53")
    # noms d'ailleurs qui ne sont pas aussi des noms de Bretagne (homonymes)
    noms = set(ailleurs["nom_ml"].to_list()) - set(ici["nom_ml"].to_list())
    assert not [n for n in noms if f">{n}<" in html or f"{n} :" in html]
    assert not [c for c in ailleurs["code_ml"].to_list() if c in html]
    assert d.territoire.code == code


def test_un_export_regional_donne_un_dossier_regional(jeu, tmp_path, monkeypatch):
    """Un jeu qui ne couvre que la Bretagne : le dossier « France » est celui de la Bretagne, sans colonne
    France ni rapprochement avec l'enveloppe nationale."""
    from donnees.extrait import extraire

    monkeypatch.delenv("TDB_COUVERTURE", raising=False)  # couverture lue dans les données (tests/conftest.py)
    dossier = extraire(Path(jeu.dossier), tmp_path / "bretagne", region="53")
    partiel = JeuDeDonnees(dossier)
    d = D.rassembler(partiel, ANNEE, "nationale", None)
    assert (d.territoire.niveau, d.territoire.code) == ("region", "53") and not d.national
    comparaison = next(s for s in d.sections if s.ident == "comparaison")
    tableau = next(b for b in comparaison.blocs if isinstance(b, K.Tableau))
    assert "France" not in tableau.entetes
    html = D.html_du_dossier(d)
    assert "Rapprochement ligne à ligne" not in html
    assert "ne couvre qu&#39;une région" in html or "ne couvre qu'une région" in html


def test_sans_chromium_le_dossier_garde_ses_tableaux(jeu, monkeypatch):
    monkeypatch.setattr(graphiques, "chemin_chromium", lambda: None)
    d = D.rassembler(jeu, ANNEE, "ml", "ML02901")
    D._dessiner_figures([d])
    assert d.figures and all(f.svg is None for f in d.figures)
    html = D.html_du_dossier(d)
    assert "Graphique non disponible" in html and "<table" in html


def test_kaleido_trouve_le_chromium_de_debian(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    assert graphiques.chemin_chromium() == graphiques.CHROMIUM
    monkeypatch.setenv("BROWSER_PATH", "/chemin/absent")
    assert graphiques.chemin_chromium() == graphiques.CHROMIUM


def test_commande(jeu, tmp_path):
    """``python -m rapports.dossier`` : un fichier PDF, code 0 ; un territoire inconnu : code 1, en français."""
    sortie = tmp_path / "ml.pdf"
    assert D.main(["--annee", str(ANNEE), "--ml", "ML02901", "--sortie", str(sortie),
                   "--donnees", str(jeu.dossier)]) == 0
    assert sortie.read_bytes()[:5] == b"%PDF-"
    assert D.main(["--annee", str(ANNEE), "--region", "99", "--sortie", str(tmp_path / "x.pdf"),
                   "--donnees", str(jeu.dossier)]) == 1
