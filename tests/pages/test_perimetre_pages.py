"""Chaque page, ouverte par une identité de profil « région » (ARML Bretagne) : aucun code ni nom de Mission
Locale d'une autre région dans ce que la page envoie au navigateur (textes, tableaux, graphiques, cartes,
infobulles, options des listes) ni dans ses fichiers téléchargés. Et une identité nationale voit toutes les ML.

Le contenu envoyé est lu par ``tests.pages.outils_pages.contenu_envoye`` (messages des éléments et fichiers
des boutons de téléchargement)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from interface.navigation import CATALOGUE
from tests.fabrique import dossier_demo_partage
from tests.pages.outils_pages import contenu_envoye, executer, preparer
from tests.pages.outils_telechargement import gestionnaires_telechargement  # noqa: F401 (fixture)

BRETAGNE = "53"
ACCES = f"""
[[acces]]
email = "coordination@arml-bretagne.fr"
profil = "region"
code = "{BRETAGNE}"

[[acces]]
domaine = "unml.info"
profil = "national"

[[acces]]
email = "direction@ml-quimper.fr"
profil = "ml"
code = "ML02901"
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    return dossier_demo_partage(tmp_path_factory)


@pytest.fixture(scope="module")
def mls(demo) -> pl.DataFrame:
    from donnees import referentiel

    deps = referentiel.departements().select("code_departement", "code_region")
    return pl.read_parquet(demo / "missions_locales.parquet").join(deps, on="code_departement", how="left")


@pytest.fixture
def acces(tmp_path) -> Path:
    chemin = tmp_path / "acces.toml"
    chemin.write_text(ACCES, encoding="utf-8")
    return chemin


def ouvrir(monkeypatch, demo: Path, acces: Path, email: str, url_path: str, params: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(demo))
    monkeypatch.setenv("TDB_ACCES", str(acces))
    return executer(preparer(url_path, params, email))


# Chaque page dans chacun de ses onglets (les onglets liés à l'adresse ne s'exécutent que choisis) et les
# états où elle montre le détail des Missions Locales.
ETATS = [
    ("vue_nationale", {}),
    ("carte", {}),
    ("carte", {"carte_maille": "Missions Locales"}),
    ("carte", {"carte_maille": "Communes"}),
    ("carte", {"carte_mode": "Alertes"}),
    ("carte", {"carte_mode": "Alertes", "carte_maille": "Missions Locales"}),
    *[("comparaison", {"cmp_vue": o}) for o in ("Tableau", "Barres", "Distribution", "Évolution",
                                                 "Nuage de points", "Territoires comparables")],
    *[("portrait", {"portrait_vue": o}) for o in ("Indicateurs", "Alertes", "Territoires comparables")],
    *[("budget", {"budget_onglet": o}) for o in ("Enveloppe et rapprochement", "Territoires", "Ratios par ML",
                                                  "Agents et subventions", "Simulateur", "Anomalies")],
    *[("accords", {"accords_vue": o}) for o in ("Situation", "Historique", "Accords par ML", "Contenus",
                                                 "Échéances", "ML sans accord")],
    *[("orientations", {"orient_vue": o}) for o in ("Flux mensuels", "Entonnoir et pertes", "Motifs",
                                                     "Objectif annuel", "Doubles accompagnements")],
    ("donnees", {}),
]


def test_chaque_page_est_couverte():
    assert {p for p, _ in ETATS} == {p.url_path for p in CATALOGUE}


@pytest.mark.parametrize(("url_path", "params"), ETATS, ids=[f"{p}-{'-'.join(v.values()) or 'defaut'}" for p, v in ETATS])
def test_arml_ne_voit_aucune_ml_d_une_autre_region(monkeypatch, demo, acces, mls, url_path, params):
    at = ouvrir(monkeypatch, demo, acces, "coordination@arml-bretagne.fr", url_path, params)
    envoye = contenu_envoye(at)
    autres = mls.filter(pl.col("code_region") != BRETAGNE)
    fuites = [c for c in autres["code_ml"].to_list() if c in envoye]
    fuites += [n for n in autres["nom_ml"].to_list() if n in envoye]
    assert not fuites, f"{url_path} {params} : {len(fuites)} ML d'autres régions envoyées, dont {fuites[:10]}"


@pytest.mark.parametrize(("url_path", "params"), [("carte", {"carte_maille": "Missions Locales"}),
                                                  ("comparaison", {"cmp_vue": "Tableau"}),
                                                  ("accords", {"accords_vue": "Accords par ML"}),
                                                  ("budget", {"budget_onglet": "Ratios par ML"})])
def test_arml_voit_ses_ml(monkeypatch, demo, acces, mls, url_path, params):
    """Le filtre ne vide pas la page : des ML de Bretagne y sont (sinon le test précédent ne prouverait rien)."""
    at = ouvrir(monkeypatch, demo, acces, "coordination@arml-bretagne.fr", url_path, params)
    envoye = contenu_envoye(at)
    bretonnes = mls.filter(pl.col("code_region") == BRETAGNE)
    assert any(c in envoye for c in bretonnes["code_ml"].to_list() + bretonnes["nom_ml"].to_list()), url_path


def test_national_voit_toutes_les_regions(monkeypatch, demo, acces, mls):
    at = ouvrir(monkeypatch, demo, acces, "pilotage@unml.info", "accords", {"accords_vue": "Accords par ML"})
    envoye = contenu_envoye(at)
    vues = [c for c in mls["code_ml"].to_list() if c in envoye]
    assert mls.filter(pl.col("code_ml").is_in(vues))["code_region"].n_unique() == 18


@pytest.mark.parametrize(("email", "region"), [("coordination@arml-bretagne.fr", BRETAGNE),
                                               ("direction@ml-quimper.fr", BRETAGNE),
                                               ("pilotage@unml.info", "FR")])
def test_chacun_arrive_sur_sa_region(monkeypatch, demo, acces, email, region):
    """Le filtre Région s'ouvre sur la région du périmètre (profil région, ou région de la ML) ; une
    identité nationale sur « France entière »."""
    at = ouvrir(monkeypatch, demo, acces, email, "vue_nationale")
    assert at.selectbox(key="region").value == region
    entete = at.markdown[0].value
    assert ("France entière" in entete) == (region == "FR"), entete
