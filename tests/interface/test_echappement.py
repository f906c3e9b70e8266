"""Revue de sécurité (issue 12, points 3 et 4) : ce qui vient des données ou d'une saisie s'affiche tel quel.

- point 3, injection de formules dans les téléchargements : un texte qui commence par = + - @, une
  tabulation ou un retour chariot part dans le CSV précédé d'une apostrophe (le tableur ne l'exécute pas) ;
  les nombres, même négatifs, restent des nombres ; l'XLSX range ces textes dans des cellules de texte ;
- point 4, injection de Markdown : ``echapper_markdown`` rend un texte que Markdown (CommonMark, GFM,
  extensions de Streamlit) affiche à l'identique, sans lien, image, HTML, formule ni mise en forme ;
  ``echapper_html`` neutralise le HTML que Plotly interprète ; les textes composés sans Streamlit (pied de
  page, erreurs du validateur, points d'attention, barres par territoire) s'en servent.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from interface import telechargement
from interface.chargement import EtatJeu, ProblemeChargement
from interface.erreurs import texte_probleme
from interface.graphiques import barres_territoires
from interface.metriques import texte_point
from interface.pied import texte_pied
from presentation import format as fmt
from requetes.vue_nationale import PointAttention
from tests.outils_markdown import actif, constructions_actives, texte_affiche

PIEGE = ("Mission Locale [piège](http://exemple.invalide) ![x](http://exemple.invalide/i.png) $x^2$ "
         "<b>gras</b>")

# --------------------------------------------------------------------------------------------------
# Point 3 : téléchargements


def lire_csv(octets: bytes) -> pl.DataFrame:
    assert octets.startswith("\ufeff".encode())
    return pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True, infer_schema_length=None)


def test_csv_neutralise_les_formules():
    df = pl.DataFrame({
        "nom_ml": ["=1+1", "+33 1 23", "-2", "@SOMME(A1)", "\tx", "\ry", "Mission Locale de Belfort", None,
                   " =espace devant"],
        "montant": [-1234.5, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        "nb": [-3, 2, 1, 0, 4, 5, 6, 7, 8],
        "codes_agences": [["=A1"], ["AG90A", "=B2"], [], ["-x"], ["a"], ["b"], ["c"], ["d"], ["e"]],
    })
    relu = lire_csv(telechargement.en_csv(df, {"nom_ml": "Mission Locale"}))
    assert relu["Mission Locale"].to_list() == ["'=1+1", "'+33 1 23", "'-2", "'@SOMME(A1)", "'\tx", "'\ry",
                                                "Mission Locale de Belfort", None, " =espace devant"]
    # les nombres, même négatifs, restent des nombres (non préfixés, relus comme tels)
    assert relu["montant"].to_list() == [-1234.5, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert relu["nb"].to_list() == [-3, 2, 1, 0, 4, 5, 6, 7, 8]
    # les listes deviennent du texte, neutralisé de même quand il commence par un signe de formule
    assert relu["codes_agences"].to_list()[:4] == ["'=A1", "AG90A, =B2", "", "'-x"]


def test_csv_neutralise_categories_et_en_tetes():
    df = pl.DataFrame({"statut": ["=2*3", "signe"]}).with_columns(pl.col("statut").cast(pl.Categorical))
    relu = lire_csv(telechargement.en_csv(df, {"statut": "=Statut"}))
    assert relu.columns == ["'=Statut"]
    assert relu["'=Statut"].to_list() == ["'=2*3", "signe"]


def test_xlsx_garde_les_textes_en_texte():
    df = pl.DataFrame({"nom_ml": ["=1+1", "-2", "@x", "+3"], "montant": [-1.5, 2.0, 3.0, 4.0]})
    classeur = openpyxl.load_workbook(io.BytesIO(telechargement.en_xlsx(df)))
    lignes = list(classeur.active.iter_rows(min_row=2))
    assert [c.value for c, _ in lignes] == ["=1+1", "-2", "@x", "+3"]  # tels quels…
    assert {c.data_type for c, _ in lignes} == {"s"}  # …mais en cellules de texte, jamais en formules ("f")
    assert [(m.value, m.data_type) for _, m in lignes] == [(-1.5, "n"), (2.0, "n"), (3.0, "n"), (4.0, "n")]


# --------------------------------------------------------------------------------------------------
# Point 4 : l'aide d'échappement


@pytest.mark.parametrize("texte", [
    PIEGE,
    "[lien](http://exemple.invalide)",
    "![image](http://exemple.invalide/i.png)",
    "<img src=x onerror=alert(1)> <script>alert(1)</script> <b>gras</b>",
    "$x^2$ et $$\\int$$",
    "C:\\dossier\\*gras*\\_x\\_ \\[pas un lien\\](x)",
    "**gras** _italique_ ~~barré~~ `code` {accolades} a|b",
    "# titre", "- puce", "+ puce", "* puce", "1. liste", "1) liste", "> citation", "---", "===",
    ":red[rouge] :material/home: :joy:",
    "R&amp;D &lt;b&gt; &#91;x&#93;",
    "http://nu.exemple.invalide www.exemple.invalide HTTPS://X.INVALIDE WWW.X.INVALIDE",
    "contact@exemple.invalide",
    "Mission Locale de l'Yonne (Saint-Brieuc) !",
    "",
])
def test_echapper_markdown_affiche_le_texte_tel_quel(texte):
    md = fmt.echapper_markdown(texte)
    assert texte_affiche(md) == texte  # ce qu'on lit = le texte d'origine
    assert constructions_actives(md) == []  # ni lien, ni image, ni HTML, ni LaTeX, ni lien nu
    assert not set(actif(md)) & set("\\`*_{}[]()#+-.!|<>$~&:"), md  # aucun caractère spécial laissé actif


def test_echapper_markdown_cas_ecrits():
    assert fmt.echapper_markdown(PIEGE) == (
        "Mission Locale \\[piège\\]\\(http\\:\u2060//exemple\\.invalide\\) "
        "\\!\\[x\\]\\(http\\:\u2060//exemple\\.invalide/i\\.png\\) \\$x^2\\$ \\<b\\>gras\\</b\\>")
    assert "](http" not in fmt.echapper_markdown(PIEGE)
    assert fmt.echapper_markdown("a\\b") == "a\\\\b"  # la barre oblique elle-même
    assert fmt.echapper_markdown("Mission Locale de Belfort") == "Mission Locale de Belfort"
    assert fmt.echapper_markdown("ligne 1\n# titre\r\n- puce\rfin") == "ligne 1 \\# titre \\- puce fin"
    assert fmt.echapper_markdown(None) == "" and fmt.echapper_markdown(12) == "12"
    # liens nus : coupés par une jointure invisible (GFM les crée sinon, même dans un texte échappé)
    assert fmt.echapper_markdown("www.x.fr a@b.fr") == "www\u2060\\.x\\.fr a@\u2060b\\.fr"


def test_echapper_html():
    assert fmt.echapper_html(PIEGE) == ("Mission Locale [piège](http://exemple.invalide) "
                                        "![x](http://exemple.invalide/i.png) $x^2$ &lt;b&gt;gras&lt;/b&gt;")
    assert fmt.echapper_html('<a href="javascript:x">R&D</a>') == '&lt;a href="javascript:x"&gt;R&amp;D&lt;/a&gt;'
    assert fmt.echapper_html(None) == "" and fmt.echapper_html("Brest") == "Brest"


# --------------------------------------------------------------------------------------------------
# Point 4 : textes composés sans Streamlit


def _etat(**kw) -> EtatJeu:
    base = dict(dossier=Path("/donnees/exports"), demo=False, signature=(), valide=True,
                periode=(date(2015, 1, 1), date(2025, 12, 1)))
    return EtatJeu(**{**base, **kw})


def test_pied_echappe_le_dossier():
    nom = PIEGE.replace("/", "_")  # le nom d'un dossier ne contient pas « / »
    dossier = Path("/donnees") / nom
    texte = texte_pied(_etat(dossier=dossier))
    assert constructions_actives(texte) == []
    assert f"Exports du dossier « {nom} »" in texte_affiche(texte)  # le nom seul, jamais le chemin
    assert "/donnees" not in texte
    assert texte.startswith("**Données** : ")  # la mise en forme de l'application reste


def test_pied_echappe_le_nom_de_l_archive_importee(tmp_path, monkeypatch):
    from donnees import versions
    from tests.fabrique import ecrire_jeu, jeu_minimal

    racine = tmp_path / "versions"
    monkeypatch.setenv("TDB_VERSIONS", str(racine))
    initial = ecrire_jeu(tmp_path / "initial", jeu_minimal())
    resultat = versions.creer_version(racine, {"enveloppe": initial / "enveloppe.parquet"},
                                      source={"type": "zip", "nom": f"{PIEGE}.zip"}, base=initial)
    texte = texte_pied(_etat(dossier=resultat.version.dossier))
    assert constructions_actives(texte) == []
    assert f"(archive zip « {PIEGE}.zip » téléversée)" in texte_affiche(texte)


def test_erreurs_du_validateur_echappees():
    message = (f"orientations.parquet, colonne « code_ml » : code absent de missions_locales.parquet sur 1 ligne "
               f"(ligne 1) ; valeur trouvée : « {PIEGE} ». Attendu : un code présent.")
    p = ProblemeChargement("erreur", "orientations.parquet", "code_ml", "reference_inconnue", message, (1,))
    assert constructions_actives(texte_probleme(p)) == []
    assert texte_affiche(texte_probleme(p)) == message
    # un nom de fichier piégé (non cité par le message) : échappé aussi, toujours en gras
    autre = ProblemeChargement("erreur", f"{PIEGE}.parquet", None, "fichier_inconnu", "fichier hors contrat")
    assert texte_probleme(autre) == f"**{fmt.echapper_markdown(PIEGE + '.parquet')}** — fichier hors contrat"


def test_point_d_attention_echappe_le_nom():
    p = PointAttention("objectif", "ML les plus en deçà", "la plus en retrait : {nom} ({valeur}).",
                       {"nom": (PIEGE, "texte"), "valeur": (12.5, "%")}, "règle", "alerte")
    texte = texte_point(p)
    assert constructions_actives(texte) == []
    assert texte_affiche(texte) == f"la plus en retrait : {PIEGE} (12,5{fmt.ESPACE}%)."


def test_barres_territoires_sans_html_des_noms():
    fig = barres_territoires(pl.DataFrame({"code": ["MLA", "MLB"], "nom": [PIEGE, "Brest"], "valeur": [1.0, 2.0]}),
                             "%", libelle_valeur="Taux", code_surligne="MLA")
    noms = list(fig.data[0].y)
    assert noms == ["Mission Locale [piège](http://exemple.invalide) ![x](http://exemple.invalide/i.png) $x^2$ "
                    "&lt;b&gt;gras&lt;/b&gt;", "Brest"]
    assert "<b>gras" not in json.dumps(fig.to_plotly_json()["data"])


def test_export_csv_integre_aux_tableaux_coupe():
    """Le bouton CSV intégré à st.dataframe n'échappe pas les formules : il est coupé par la configuration,
    les téléchargements passent par interface.telechargement (qui les neutralise)."""
    import tomllib

    from streamlit import config as config_streamlit

    racine = Path(__file__).resolve().parents[2]
    config = tomllib.loads((racine / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config_streamlit._config_options_template
