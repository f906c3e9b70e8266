"""Un export régional se lit comme régional : chaque page, dans chacun de ses onglets (cartes et fichiers
téléchargés compris), sur un jeu **régional** (Bretagne, 53) et un jeu **départemental des DROM**
(Guadeloupe, 971), extraits du jeu de démonstration par ``donnees.extrait`` (ce que recevrait une ARML).

Ce que la page envoie au navigateur (messages des éléments : textes, tableaux Arrow, figures, carte folium) et
ses fichiers téléchargés :

- ne disent jamais « France entière » ;
- disent ce que couvre le jeu (en-tête, pied de page, page Données) ;
- carte : aucune commune hors du jeu n'est comptée comme trou de couverture (le nombre de communes sans
  Mission Locale est celui des départements du jeu, recompté à part sur les fichiers et le référentiel) ;
- budget : aucun écart à l'enveloppe nationale, et la page dit pourquoi.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from donnees import referentiel
from presentation.format import nombre
from tests.fabrique import dossier_demo_extrait, ecrire_jeu, jeu_minimal
from tests.pages.outils_pages import contenu_envoye, executer, preparer
from tests.pages.outils_telechargement import gestionnaires_telechargement  # noqa: F401 (fixture)
from tests.pages.test_perimetre_pages import ETATS

ZONES = {"bretagne": ({"region": "53"}, "Bretagne"),
         "guadeloupe": ({"departement": "971"}, "Guadeloupe (département 971)"),
         # le petit jeu des tests, lu tel qu'il est : deux ML de deux régions (la zone par défaut, sans région)
         "deux_regions": (None, "Territoire de Belfort (90) et Guadeloupe (971)")}


@pytest.fixture(scope="module")
def jeux(tmp_path_factory) -> dict[str, Path]:
    jeux = {nom: dossier_demo_extrait(tmp_path_factory, **zone) for nom, (zone, _) in ZONES.items() if zone}
    jeux["deux_regions"] = ecrire_jeu(tmp_path_factory.mktemp("jeux_partiels") / "deux_regions", jeu_minimal())
    return jeux


@pytest.fixture(autouse=True)
def couverture_deduite(monkeypatch):
    """La couverture est déduite des données (tests/conftest.py fait lire les petits jeux comme nationaux)."""
    monkeypatch.delenv("TDB_COUVERTURE", raising=False)


def ouvrir(monkeypatch, dossier: Path, url_path: str, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    return executer(preparer(url_path, params))


def communes_sans_ml(dossier: Path) -> tuple[int, int]:
    """Recompte indépendant (fichiers et référentiel) : (communes des départements du jeu rattachées à aucune
    ML, communes de ces départements rattachées à plusieurs)."""
    deps = pl.read_parquet(dossier / "missions_locales.parquet")["code_departement"].unique()
    communes = referentiel.communes().filter(pl.col("code_departement").is_in(deps.implode()))
    rattachees = pl.read_parquet(dossier / "territoires_ml.parquet").group_by("code_commune").agg(
        pl.col("code_ml").n_unique().alias("n"))
    jointes = communes.join(rattachees, on="code_commune", how="left")
    return jointes.filter(pl.col("n").is_null()).height, jointes.filter(pl.col("n") > 1).height


@pytest.mark.parametrize("zone", list(ZONES))
@pytest.mark.parametrize(("url_path", "params"), ETATS,
                         ids=[f"{p}-{'-'.join(v.values()) or 'defaut'}" for p, v in ETATS])
def test_aucune_page_ne_lit_le_jeu_comme_la_france(monkeypatch, jeux, zone, url_path, params):
    at = ouvrir(monkeypatch, jeux[zone], url_path, params)
    envoye = contenu_envoye(at)
    assert "France entière" not in envoye, (url_path, params, envoye[envoye.find("France entière") - 200:][:400])
    assert f"Ce jeu couvre : {ZONES[zone][1]}" in envoye  # barre latérale (et page Données)
    assert f"**Couverture** : {ZONES[zone][1]} (jeu partiel)" in envoye  # pied de page
    if url_path == "budget":
        assert "Écart à l'enveloppe" not in envoye and "par rapport à l'enveloppe" not in envoye
        assert "Aucun écart à l'enveloppe nationale n'est donc calculé" in envoye
    if url_path != "donnees":
        assert "jeu de données limité à ce territoire" in envoye  # en-tête (la région choisie est tout le jeu)
    assert "Toute la France" not in envoye


@pytest.mark.parametrize("zone", ["bretagne", "guadeloupe"])
def test_carte_aucun_trou_hors_du_jeu(monkeypatch, jeux, zone):
    """Alerte 1 sur la carte : les communes sans ML comptées sont celles des départements du jeu ; le reste de
    la France est dessiné en contexte neutre, jamais en trou ; la carte est cadrée sur la zone."""
    sans, doubles = communes_sans_ml(jeux[zone])
    at = ouvrir(monkeypatch, jeux[zone], "carte", {"carte_mode": "Alertes"})
    envoye = contenu_envoye(at)
    if sans:
        assert f"Communes sans Mission Locale ({nombre(sans)})" in envoye
    else:
        assert "Communes sans Mission Locale (" not in envoye
    assert "Hors du jeu de donn" in envoye  # légende du contexte neutre (accents échappés dans le HTML)
    synthese = at.dataframe[0].value
    colonne = next(c for c in synthese.columns if c.startswith("1. "))
    assert int(synthese[colonne].sum()) == sans + doubles
    assert set(synthese["Code"]) <= set(pl.read_parquet(jeux[zone] / "missions_locales.parquet")
                                        ["code_departement"].to_list())


@pytest.mark.parametrize("zone", ["bretagne", "guadeloupe"])
def test_filtre_region_propose_la_zone(monkeypatch, jeux, zone):
    """La région proposée est celle du jeu, par défaut ; « France entière » n'est pas proposée."""
    at = ouvrir(monkeypatch, jeux[zone], "vue_nationale")
    region = at.selectbox(key="region")
    assert region.options == [ZONES[zone][1] if zone == "guadeloupe" else "Bretagne"]
    assert at.title[0].value == "Vue d'ensemble du jeu"
    envoye = contenu_envoye(at)
    assert "Zone couverte (" in envoye  # la référence du graphique est la zone, pas la France
    assert "Paramètres nationaux de l'accord, pour toute la France" in envoye


# --------------------------------------------------------------------------------------------------
# Le périmètre du jeu se compose avec celui de la session (fichier d'accès)

ACCES_PROFILS = """
[[acces]]
email = "coordination@arml-bretagne.fr"
profil = "region"
code = "53"

[[acces]]
email = "coordination@arml-normandie.fr"
profil = "region"
code = "28"

[[acces]]
domaine = "unml.info"
profil = "national"
"""


def ouvrir_connecte(monkeypatch, tmp_path, dossier: Path, email: str, url_path: str) -> AppTest:
    acces = tmp_path / "acces.toml"
    acces.write_text(ACCES_PROFILS, encoding="utf-8")
    monkeypatch.setenv("TDB_ACCES", str(acces))
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    return executer(preparer(url_path, email=email))


@pytest.mark.parametrize("email", ["pilotage@unml.info", "coordination@arml-bretagne.fr"])
@pytest.mark.parametrize("url_path", ["vue_nationale", "carte", "budget"])
def test_profils_sur_un_jeu_regional(monkeypatch, tmp_path, jeux, email, url_path):
    """Une identité nationale sur le jeu breton voit la Bretagne (pas la France) ; l'ARML Bretagne aussi."""
    at = ouvrir_connecte(monkeypatch, tmp_path, jeux["bretagne"], email, url_path)
    assert at.selectbox(key="region").options == ["Bretagne"]
    envoye = contenu_envoye(at)
    assert "France entière" not in envoye and "Ce jeu couvre : Bretagne" in envoye


@pytest.mark.parametrize("url_path", ["vue_nationale", "carte", "budget", "comparaison", "accords", "orientations"])
def test_arml_d_une_autre_region_sur_un_jeu_regional(monkeypatch, tmp_path, jeux, url_path):
    """L'ARML Normandie devant le jeu breton : aucune ML ni commune bretonne dans le détail, et la page le
    supporte (pas d'exception) ; le jeu reste nommé par ce qu'il couvre."""
    at = ouvrir_connecte(monkeypatch, tmp_path, jeux["bretagne"], "coordination@arml-normandie.fr", url_path)
    envoye = contenu_envoye(at)
    assert "France entière" not in envoye
    mls = pl.read_parquet(jeux["bretagne"] / "missions_locales.parquet")
    assert not [n for n in mls["nom_ml"].to_list() if n in envoye]
