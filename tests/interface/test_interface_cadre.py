"""Navigation (données), thème (config.toml et modèle Plotly d'accord), téléchargements, chiffres
affichés (écart sur un an, couleur selon le sens), textes du pied de page et des erreurs."""

from __future__ import annotations

import io
import re
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import plotly.io as pio
import polars as pl
import pytest

from interface import navigation, telechargement, theme
from interface.chargement import EtatJeu, ProblemeChargement, signature
from interface.erreurs import tableau_problemes, texte_lignes, texte_probleme
from interface.metriques import parametres_metrique, sens_chiffre, texte_point
from interface.pied import texte_pied
from interface.vue_nationale import texte_ecart_valorisation, texte_etp, texte_objectif
from presentation import format as fmt
from requetes.indicateurs import REGISTRE, Chiffre
from requetes.vue_nationale import PointAttention
from tests.outils_markdown import texte_affiche

RACINE = Path(__file__).resolve().parents[2]
E = fmt.ESPACE
F = fmt.ESPACE_FINE

# --------------------------------------------------------------------------------------------------
# Navigation


def test_pages_du_catalogue():
    urls = [p.url_path for p in navigation.CATALOGUE] + [navigation.PAGE_DONNEES_INVALIDES.url_path]
    assert len(urls) == len(set(urls))
    for p in navigation.CATALOGUE:
        assert p.section in navigation.SECTIONS
        assert re.fullmatch(r":material/[a-z0-9_]+:", p.icone)
        # url_path = nom du fichier : même adresse dans l'ancien mode « pages/ » (voir interface/garde.py)
        assert p.url_path == Path(p.fichier).stem
        assert p.titre and p.aide
    assert [p for p in navigation.CATALOGUE if p.defaut] == [navigation.CATALOGUE[0]]
    assert navigation.CATALOGUE[0].fichier == "pages/vue_nationale.py"


def test_pages_ne_liste_que_les_fichiers_presents(tmp_path, monkeypatch):
    assert navigation.pages_disponibles() == navigation.PAGES
    assert navigation.PAGES[0] == navigation.CATALOGUE[0], "au moins la Vue nationale"
    # dans un dépôt où des fichiers de page manquent : ces pages sortent de la liste (dans l'ordre du
    # catalogue pour les autres), n'existent plus et leurs liens ne s'affichent pas
    presentes = ["pages/donnees.py", "pages/vue_nationale.py", "pages/budget.py"]
    (tmp_path / "pages").mkdir()
    for fichier in presentes:
        (tmp_path / fichier).write_text("", encoding="utf-8")
    monkeypatch.setattr(navigation, "RACINE", tmp_path)
    assert [p.fichier for p in navigation.pages_disponibles()] == [
        "pages/vue_nationale.py", "pages/budget.py", "pages/donnees.py"]
    absentes = [p for p in navigation.CATALOGUE if p.fichier not in presentes]
    assert len(absentes) == len(navigation.CATALOGUE) - 3
    for p in absentes:
        assert not p.existe()
        assert navigation.lien_page(p.fichier) is False
    # aucune page écrite : liste vide
    for fichier in presentes:
        (tmp_path / fichier).unlink()
    assert navigation.pages_disponibles() == []


def test_icones_connues_de_streamlit():
    from streamlit.material_icon_names import ALL_MATERIAL_ICONS

    for p in [*navigation.CATALOGUE, navigation.PAGE_DONNEES_INVALIDES]:
        assert p.icone[len(":material/"):-1] in ALL_MATERIAL_ICONS, p.icone


def test_entree():
    assert navigation.entree("pages/budget.py").titre == "Budget de l'accord"
    assert navigation.entree("pages/inconnue.py") is None


# --------------------------------------------------------------------------------------------------
# Thème


def test_config_toml_et_modele_plotly_d_accord():
    config = tomllib.loads((RACINE / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    t = config["theme"]
    assert t["primaryColor"].upper() == theme.BLEU_FRANCE
    assert t["textColor"].upper() == theme.TEXTE
    assert t["secondaryBackgroundColor"].upper() == theme.GRIS_FOND
    assert t["borderColor"].upper() == theme.GRIS_CLAIR
    assert t["redColor"].upper() == theme.ROUGE_MARIANNE
    assert [c.upper() for c in t["chartCategoricalColors"]] == theme.PALETTE_CATEGORIELLE
    assert [c.upper() for c in t["chartSequentialColors"]] == theme.PALETTE_SEQUENTIELLE
    assert [c.upper() for c in t["chartDivergingColors"]] == theme.PALETTE_DIVERGENTE
    assert len(theme.PALETTE_SEQUENTIELLE) == len(theme.PALETTE_DIVERGENTE) == 10
    assert "Arial" in t["font"] and "http" not in t["font"]  # police système, rien à télécharger
    assert "fontFaces" not in t


def _luminance(hexa: str) -> float:
    r, g, b = (int(hexa[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contraste(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@pytest.mark.parametrize("couleur", [theme.TEXTE, theme.GRIS_FONCE, theme.GRIS, theme.BLEU_FRANCE])
def test_contrastes_du_texte(couleur):
    # WCAG AA : 4,5:1 pour le texte courant, sur blanc et sur le fond gris clair
    assert _contraste(couleur, theme.BLANC) >= 4.5
    assert _contraste(couleur, theme.GRIS_FOND) >= 4.5


def test_bouton_principal_lisible():
    assert _contraste(theme.BLANC, theme.BLEU_FRANCE) >= 4.5


def test_modele_plotly_dsfr_par_defaut():
    theme.enregistrer_modele_plotly()
    assert "dsfr" in pio.templates
    assert pio.templates.default == "dsfr"
    modele = pio.templates["dsfr"]
    assert list(modele.layout.colorway) == theme.PALETTE_CATEGORIELLE
    assert modele.layout.separators == ", "
    assert "Arial" in modele.layout.font.family


def _sortie_processus_neuf(code: str) -> str:
    """Sortie de ``code`` exécuté par un interpréteur neuf à la racine du dépôt (imports non partagés
    avec la suite de tests)."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=RACINE).stdout.strip()


def test_modele_dsfr_quel_que_soit_l_ordre_des_imports():
    # Streamlit installe son propre modèle par défaut à l'import de son module plotly_chart, qui peut
    # venir après interface.theme : le point d'entrée réinstalle « dsfr » à chaque exécution.
    code = ("import plotly.io as pio, interface.theme as t\n"
            "import streamlit.elements.plotly_chart\n"
            "avant = pio.templates.default\n"
            "t.enregistrer_modele_plotly()\n"
            "import plotly.graph_objects as go\n"
            "print(avant, pio.templates.default, go.Figure().layout.template.layout.separators)")
    assert _sortie_processus_neuf(code) == "streamlit dsfr ,"


def test_point_d_entree_reinstalle_le_modele_dsfr(monkeypatch, dossier_minimal):
    # Le modèle « streamlit » remis par défaut avant l'exécution (ce que fait l'import du module plotly_chart
    # de Streamlit) : le point d'entrée réinstalle « dsfr », et les graphiques de la page le portent.
    import json

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TDB_DONNEES", str(dossier_minimal))
    monkeypatch.setattr(pio.templates, "default", "streamlit")
    at = AppTest.from_file(str(RACINE / "tableau_de_bord.py"), default_timeout=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert pio.templates.default == "dsfr"
    graphiques = at.get("plotly_chart")
    assert graphiques, "la Vue nationale affiche au moins un graphique"
    for g in graphiques:
        modele = json.loads(g.proto.spec)["layout"]["template"]["layout"]
        assert modele["separators"] == ", "
        assert [c.upper() for c in modele["colorway"]] == theme.PALETTE_CATEGORIELLE


def test_donnees_requetes_cartes_sans_streamlit():
    # donnees/, requetes/, presentation/ et cartes/ n'importent pas Streamlit (README, guide des développeurs)
    code = ("import sys, importlib, pkgutil, pathlib\n"
            "for paquet in ('donnees', 'requetes', 'presentation', 'cartes'):\n"
            "    for m in pkgutil.iter_modules([str(pathlib.Path(paquet))]):\n"
            "        importlib.import_module(f'{paquet}.{m.name}')\n"
            "print(sorted(n for n in sys.modules if n == 'streamlit' or n.startswith('streamlit.')))")
    assert _sortie_processus_neuf(code) == "[]"


def test_icone_application_locale():
    image = theme.icone_application()
    assert image.size == (64, 64)
    assert image.getpixel((5, 5))[:3] == (0, 0, 0x91)


# --------------------------------------------------------------------------------------------------
# Téléchargements


def test_csv_a_la_francaise():
    df = pl.DataFrame({"code": ["01", "2A"], "valeur": [1234.5, 0.25], "mois": [date(2024, 3, 1), None],
                       "agences": [["A1", "A2"], []]})
    octets = telechargement.en_csv(df, {"valeur": "Valeur (€)"})
    assert octets.startswith("\ufeff".encode())
    relu = pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True,
                       schema_overrides={"code": pl.Utf8})
    assert relu.columns == ["code", "Valeur (€)", "mois", "agences"]
    assert relu["code"].to_list() == ["01", "2A"]  # zéros en tête gardés
    assert relu["Valeur (€)"].to_list() == [1234.5, 0.25]
    assert relu["agences"].to_list()[0] == "A1, A2"
    assert "2024-03-01" in octets.decode("utf-8-sig")


def test_xlsx_relu():
    df = pl.DataFrame({"code": ["01", "2A"], "valeur": [1234.5, 0.25]})
    classeur = openpyxl.load_workbook(io.BytesIO(telechargement.en_xlsx(df, {"valeur": "Valeur"}, "Feuille: 1/2")))
    feuille = classeur.active
    assert feuille.title == "Feuille  1 2"
    assert [[c.value for c in ligne] for ligne in feuille.iter_rows()] == [
        ["code", "Valeur"], ["01", 1234.5], ["2A", 0.25]]


def test_nom_fichier():
    assert telechargement.nom_fichier("Orientations — Île-de-France", "csv", 2024) == "orientations_ile_de_france_2024.csv"
    assert telechargement.nom_fichier("///", "xlsx") == "donnees.xlsx"


# --------------------------------------------------------------------------------------------------
# Chiffres affichés


def test_ecart_colore_selon_le_sens():
    hausse_bonne = parametres_metrique(80.0, "%", precedente=75.5, sens=1, annee_precedente=2023)
    assert (hausse_bonne.valeur, hausse_bonne.delta, hausse_bonne.couleur) == (f"80,0{E}%", f"+4,5{E}pts", "normal")
    assert hausse_bonne.description == "depuis 2023"
    baisse_bonne = parametres_metrique(30.0, "%", precedente=32.0, sens=-1)
    assert (baisse_bonne.delta, baisse_bonne.couleur) == (f"-2,0{E}pts", "inverse")
    neutre = parametres_metrique(49_600_000, "€", precedente=49_100_000, sens=0, precis=True)
    assert (neutre.valeur, neutre.delta, neutre.couleur) == (f"49,6{E}M€", f"+500{F}000{E}€", "off")


def test_ecart_nul_ou_absent():
    stable = parametres_metrique(49_100_000, "€", precedente=49_100_000, sens=1, annee_precedente=2024)
    assert (stable.delta, stable.couleur, stable.fleche) == ("stable", "off", "off")
    presque = parametres_metrique(87.52, "%", precedente=87.49, sens=1)  # +0,03 pt s'affiche +0,0 pt
    assert presque.delta == "stable"
    sans = parametres_metrique(12.0, "jeunes", precedente=None, sens=1)
    assert sans.delta is None and sans.description is None
    vide = parametres_metrique(None, "%", precedente=10.0, sens=1)
    assert vide.valeur == "—" and vide.delta is None


def test_sens_chiffre():
    assert sens_chiffre(Chiffre("taux_acceptation", "x", "%", 1.0, 1.0, "d", indicateur="taux_acceptation")) == 1
    assert sens_chiffre(Chiffre("atteinte_objectif_national", "x", "%", 1.0, 1.0, "d")) == 1
    assert sens_chiffre(Chiffre("enveloppe_totale", "x", "€", 1.0, 1.0, "d")) == 0
    code = next(c for c, i in REGISTRE.items() if i.sens == -1)
    assert sens_chiffre(Chiffre(code, "x", "%", 1.0, 1.0, "d", indicateur=code)) == -1


def test_texte_point():
    p = PointAttention("k", "Titre", "{n} ML sur {total} ({part}) — {nom}",
                       {"n": (1234, "nombre"), "total": (4000.0, "nombre"), "part": (30.85, "%"),
                        "nom": ("Mayotte", "texte")}, "règle", "alerte")
    assert texte_point(p) == f"1{F}234 ML sur 4{F}000 (30,9{E}%) — Mayotte"


def _c(cle, valeur, unite="€"):
    return Chiffre(cle, cle, unite, valeur, None, "définition")


def test_texte_ecart_valorisation_jamais_arrondi():
    chiffres = {"etp_prevus": _c("etp_prevus", 325.0, "ETP"), "forfait_etp": _c("forfait_etp", 45_000.0),
                "valorisation_forfaitaire": _c("valorisation_forfaitaire", 14_625_000.0),
                "valorisation_etp_nationale": _c("valorisation_etp_nationale", 14_500_000.0),
                "ecart_valorisation": _c("ecart_valorisation", 125_000.0)}
    assert texte_ecart_valorisation(chiffres) == (
        f"325{E}ETP × 45{F}000{E}€ = **14{F}625{F}000{E}€**, soit **0,125{E}M€ de plus** que la "
        f"valorisation annoncée (14,5{E}M€).")
    chiffres["ecart_valorisation"] = _c("ecart_valorisation", 0.0)
    chiffres["valorisation_forfaitaire"] = _c("valorisation_forfaitaire", 14_500_000.0)
    assert "égal à la valorisation annoncée" in texte_ecart_valorisation(chiffres)
    chiffres["ecart_valorisation"] = _c("ecart_valorisation", None)
    assert texte_ecart_valorisation(chiffres) is None


def test_textes_etp_et_objectif():
    chiffres = {"etp_affectes": _c("etp_affectes", 203.2, "ETP"), "etp_prevus": _c("etp_prevus", 325.0, "ETP"),
                "objectif_national": _c("objectif_national", 150_000.0, "jeunes"),
                "objectif_entrees": _c("objectif_entrees", 12_000.0, "jeunes")}
    assert texte_etp(chiffres) == f"sur 325{E}ETP prévus (62,5{E}%)"
    assert texte_objectif(chiffres, True) == f"objectif national : 150{F}000{E}jeunes"
    assert texte_objectif(chiffres, False) == f"objectif des ML de la région : 12{F}000{E}jeunes"
    assert texte_objectif(chiffres, False, region_choisie=False) == (
        f"objectif des ML de la zone couverte : 12{F}000{E}jeunes")


# --------------------------------------------------------------------------------------------------
# Pied de page, erreurs


def _etat(**kw) -> EtatJeu:
    base = dict(dossier=Path("/donnees/exports"), demo=False, signature=(), valide=True,
                periode=(date(2015, 1, 1), date(2025, 12, 1)))
    return EtatJeu(**{**base, **kw})


def test_texte_pied():
    assert texte_pied(_etat()) == ("**Données** : Exports du dossier « exports » · **Période** : "
                                   "janvier 2015 – décembre 2025 · **Contrat d'export** : version 1")
    demo = texte_pied(_etat(demo=True, avertissements=(ProblemeChargement("avertissement", None, None, "r", "m"),)))
    assert demo.startswith("**Données** : Jeu de démonstration")
    assert demo.endswith("1 avertissement au chargement")
    assert "non respecté" in texte_pied(_etat(valide=False, periode=None))


def test_textes_erreurs():
    p = ProblemeChargement("erreur", "orientations.parquet", "acceptes", "inferieur_ou_egal",
                           "acceptes dépasse orientes", (3, 7, 9), 12)
    assert texte_lignes(p) == "lignes 3, 7, 9 et 12 autres"
    # Markdown : nom de fichier et message échappés (affichés tels quels, voir tests/interface/test_echappement.py)
    assert texte_probleme(p) == ("**orientations\\.parquet** — acceptes dépasse orientes "
                                 "(lignes 3, 7, 9 et 12 autres)")
    seul = ProblemeChargement("erreur", None, None, "dossier_absent", "Le dossier n'existe pas.", (4,))
    assert texte_probleme(seul) == "Le dossier n'existe pas\\. (ligne 4)"
    # message complet du validateur : repris tel quel
    complet = ProblemeChargement("erreur", "a.parquet", "x", "r", "a.parquet, colonne « x » : vide (lignes 1 et 2)",
                                 (1, 2))
    assert texte_affiche(texte_probleme(complet)) == complet.message
    assert tableau_problemes((p, seul)).height == 2


def test_signature_change_avec_les_fichiers(tmp_path):
    from tests.fabrique import ecrire_jeu, jeu_minimal

    ecrire_jeu(tmp_path, jeu_minimal())
    avant = signature(tmp_path)
    assert all(taille > 0 for _, taille, _ in avant)
    jeu = jeu_minimal()
    ecrire_jeu(tmp_path, {"enveloppe": jeu["enveloppe"].head(1)})
    assert signature(tmp_path) != avant
    assert signature(tmp_path / "absent")[0][1] == -1


def test_boutons_telechargement_apptest():
    from streamlit.testing.v1 import AppTest

    def script():
        import polars as pl

        from interface.telechargement import boutons_telechargement

        boutons_telechargement(pl.DataFrame({"code": ["01"], "valeur": [1.5]}), "Essai Île", cle="essai", annee=2024)

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    boutons = at.get("download_button")
    assert [b.proto.label for b in boutons] == ["Télécharger en CSV", "Télécharger en Excel"]
    assert [b.proto.id.rsplit("-", 1)[-1] for b in boutons] == ["essai_csv", "essai_xlsx"]
    # fichiers fabriqués au clic seulement (noms et types vérifiés dans tests/pages/test_telechargement_differe.py)
    assert all(b.proto.deferred_file_id and not b.proto.url for b in boutons)
    assert all(b.proto.ignore_rerun for b in boutons)  # télécharger ne relance pas la page


def test_texte_pied_nomme_la_version_importee(tmp_path, monkeypatch):
    # Une version importée en service : le pied dit « Version N importée le … », pas le chemin du magasin.
    from donnees import versions
    from tests.fabrique import ecrire_jeu, jeu_minimal

    racine = tmp_path / "versions"
    monkeypatch.setenv("TDB_VERSIONS", str(racine))
    initial = ecrire_jeu(tmp_path / "initial", jeu_minimal())
    fichiers = {"enveloppe": initial / "enveloppe.parquet"}
    resultat = versions.creer_version(racine, fichiers, source={"type": "dossier", "chemin": "/depot/exports"},
                                      base=initial)
    assert resultat.version is not None
    texte = texte_pied(_etat(dossier=resultat.version.dossier))
    assert f"Version {resultat.version.numero} importée le " in texte
    assert "dossier du serveur « exports »" in texte and "/depot" not in texte  # le nom, pas le chemin
    assert str(racine) not in texte
