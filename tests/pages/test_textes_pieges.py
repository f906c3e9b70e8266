"""Revue de sécurité (issue 12, points 3 et 4) : exports piégés, pages ouvertes par le point d'entrée (AppTest).

Le jeu minimal de tests/fabrique.py, où la Mission Locale MLA s'appelle ``PIEGE`` (lien, image distante,
formule LaTeX, HTML), l'agence AG90A ``=HYPERLINK(…)`` et l'accord AC1 ``=1+1``. Sur chaque page qui les
montre :

- tous les textes que Streamlit interprète en Markdown (``tests/outils_markdown.textes_markdown`` : corps,
  titres, légendes, alertes, libellés et infobulles) n'ont plus aucune construction active (ni « ](http »,
  ni « ![ », ni HTML, ni « $ », ni lien nu) et le nom s'y lit tel quel, sous sa forme échappée ;
- les graphiques Plotly portent le nom avec « &lt;b&gt; » (affiché tel quel), jamais « <b>gras » ;
- les téléchargements CSV préfixent d'une apostrophe les textes qui commencent par « = », l'XLSX les range
  en cellules de texte.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from requetes import accords as A
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.outils_markdown import constructions_actives, texte_affiche, textes_markdown
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
DELAI = 600
PIEGE = ("Mission Locale [piège](http://exemple.invalide) ![x](http://exemple.invalide/i.png) $x^2$ "
         "<b>gras</b>")
# Forme échappée pour Markdown (presentation.format.echapper_markdown) : chaque caractère spécial précédé d'une
# barre oblique inverse, « http:// » coupé par une jointure invisible (U+2060).
ECHAPPE = ("Mission Locale \\[piège\\]\\(http\\:\u2060//exemple\\.invalide\\) "
           "\\!\\[x\\]\\(http\\:\u2060//exemple\\.invalide/i\\.png\\) \\$x^2\\$ \\<b\\>gras\\</b\\>")
# Forme échappée pour Plotly (presentation.format.echapper_html) : « < » et « > » en entités.
EN_HTML = ("Mission Locale [piège](http://exemple.invalide) ![x](http://exemple.invalide/i.png) $x^2$ "
           "&lt;b&gt;gras&lt;/b&gt;")
AGENCE = '=HYPERLINK("http://exemple.invalide";"cliquez")'
ACCORD = "=1+1"


def _remplacer(df: pl.DataFrame, colonne: str, cle: str, valeur_cle: str, valeur: str) -> pl.DataFrame:
    return df.with_columns(pl.when(pl.col(cle) == valeur_cle).then(pl.lit(valeur)).otherwise(pl.col(colonne))
                           .alias(colonne))


def jeu_piege() -> dict[str, pl.DataFrame]:
    t = jeu_minimal()
    t["missions_locales"] = _remplacer(t["missions_locales"], "nom_ml", "code_ml", "MLA", PIEGE)
    t["agences"] = _remplacer(t["agences"], "nom_agence", "code_agence", "AG90A", AGENCE)
    t["accords"] = _remplacer(t["accords"], "id_accord", "id_accord", "AC1", ACCORD)
    return t


@pytest.fixture(scope="module")
def dossier_piege(tmp_path_factory) -> Path:
    return ecrire_jeu(tmp_path_factory.mktemp("jeu_piege"), jeu_piege())


def verifier(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace or []) for e in at.exception)


def ouvrir(monkeypatch, dossier: Path, page: str, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    st_config.set_option("client.showErrorDetails", "full")
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    at.switch_page(page)
    if params:
        at.query_params.update(params)
    at.run()
    verifier(at)
    return at


def markdown_sain(at: AppTest) -> str:
    """Vérifie qu'aucun texte interprété en Markdown n'a de construction active ; rend tout le texte lu."""
    textes = textes_markdown(at)
    fautifs = {t: constructions_actives(t) for t in textes if constructions_actives(t)}
    assert not fautifs, fautifs
    assert not [t for t in textes if "](http" in t]
    return "\n".join(texte_affiche(t) for t in textes)


def figures(at: AppTest) -> str:
    """Les graphiques Plotly de la page, en JSON (chaînes décodées)."""
    return "\n".join(json.dumps(json.loads(e.proto.spec), ensure_ascii=False) for e in at.get("plotly_chart"))


def graphiques_sains(at: AppTest) -> str:
    tout = figures(at)
    assert "<b>gras" not in tout
    return tout


def aller(at: AppTest, cle: str, onglet: str) -> AppTest:
    at.session_state[cle] = onglet
    if cle in at.query_params:  # onglets liés à l'URL
        at.query_params[cle] = onglet
    at.run()
    verifier(at)
    return at


# --------------------------------------------------------------------------------------------------


def test_portrait(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/portrait.py")
    at.selectbox(key="portrait_territoire_ml").set_value("MLA").run()
    verifier(at)
    assert at.header[0].value == ECHAPPE  # st.header : le nom échappé…
    assert texte_affiche(at.header[0].value) == PIEGE  # …qui s'affiche tel quel
    texte = markdown_sain(at)
    assert "Mission Locale MLA" in texte and PIEGE in texte


def test_orientations(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/orientations.py", {"orient_maille": "Missions Locales"})
    at.selectbox(key="orient_ml").set_value("MLA").run()
    verifier(at)
    assert f"**{ECHAPPE} \\(MLA\\)**, 2024" in [m.value for m in at.markdown]
    vus_graphiques = ""
    for onglet in ("Flux mensuels", "Entonnoir et pertes", "Motifs", "Objectif annuel", "Doubles accompagnements"):
        aller(at, "orient_vue", onglet)
        assert f"{PIEGE} (MLA)" in markdown_sain(at)
        vus_graphiques += graphiques_sains(at)
    assert EN_HTML in vus_graphiques  # classements par ML : le nom, affiché tel quel


def test_comparaison(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/comparaison.py")
    at.multiselect(key="cmp_territoires_ml").set_value(["MLA", "MLB"]).run()
    verifier(at)
    vus_graphiques, liens = "", []
    for onglet in ("Tableau", "Barres", "Distribution", "Évolution", "Nuage de points", "Territoires comparables"):
        aller(at, "cmp_vue", onglet)
        markdown_sain(at)
        vus_graphiques += graphiques_sains(at)
        liens += [lien.proto.label for lien in at.get("page_link")]
    assert EN_HTML in vus_graphiques  # barres, boîtes, courbes, nuage : le nom, affiché tel quel
    portrait = [lien for lien in liens if lien.startswith("Portrait de ")]
    assert all(lien == f"Portrait de {ECHAPPE}" for lien in portrait)


def test_budget(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/budget.py")
    for onglet in ("Territoires", "Ratios par ML"):
        aller(at, "budget_onglet", onglet)
        markdown_sain(at)
        if onglet == "Territoires":
            assert EN_HTML in graphiques_sains(at)  # soleil : région, département, ML
        else:
            graphiques_sains(at)


def test_accords_et_telechargements(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/accords.py")
    for onglet in ("Situation", "Historique", "Accords par ML", "Contenus", "Échéances", "ML sans accord"):
        aller(at, "accords_vue", onglet)
        markdown_sain(at)
        graphiques_sains(at)
    aller(at, "accords_vue", "Accords par ML")
    octets = contenu_telechargement(at.download_button(key="accords_ml_csv"))
    csv = pl.read_csv(io.BytesIO(octets[3:]), separator=";", decimal_comma=True, infer_schema_length=None)
    ligne = csv.filter(pl.col(A.LIBELLES_COLONNES["code_ml"]) == "MLA").row(0, named=True)
    assert ligne[A.LIBELLES_COLONNES["id_accord"]] == f"'{ACCORD}"  # texte, pas formule, dans le tableur
    assert ligne[A.LIBELLES_COLONNES["agences"]] == f"'{AGENCE}"
    assert ligne[A.LIBELLES_COLONNES["nom_ml"]] == PIEGE  # rien à neutraliser : tel quel
    classeur = openpyxl.load_workbook(io.BytesIO(contenu_telechargement(at.download_button(key="accords_ml_xlsx"))))
    cellules = [c for ligne_x in classeur.active.iter_rows() for c in ligne_x if c.value == ACCORD]
    assert cellules and all(c.data_type == "s" for c in cellules)  # texte, pas formule


def test_carte_detail_d_une_ml(monkeypatch, dossier_piege):
    at = ouvrir(monkeypatch, dossier_piege, "pages/carte.py")
    at.selectbox(key="carte_maille").set_value("ml").run()
    verifier(at)
    at.selectbox(key="carte_territoire").set_value("MLA").run()
    verifier(at)
    assert ECHAPPE in [s.value for s in at.subheader]
    markdown_sain(at)


def test_page_des_donnees_invalides(monkeypatch, tmp_path):
    """Le validateur cite la valeur fautive (code de ML inconnu) : la page des données invalides l'affiche
    telle quelle."""
    tables = jeu_minimal()
    tables["orientations"] = tables["orientations"].with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(PIEGE)).otherwise(pl.col("code_ml")).alias("code_ml"))
    at = ouvrir(monkeypatch, ecrire_jeu(tmp_path / "invalide", tables), "pages/vue_nationale.py")
    assert [t.value for t in at.title] == ["Le jeu de données ne peut pas être chargé"]
    texte = markdown_sain(at)
    assert f"valeur trouvée : « {PIEGE} »" in texte
    assert "Contrôle en ligne de commande, sur le serveur : " in texte and str(tmp_path) not in texte
