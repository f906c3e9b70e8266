"""Page « Comparer des territoires » (pages/comparaison.py) avec AppTest, ouverte par le point d'entrée
comme en vrai, sur le jeu de démonstration national (437 ML, 101 départements, 18 régions).

- aucun, un et douze territoires (treize demandés dans l'URL : douze gardés) ;
- les chiffres du tableau sont ceux d'un calcul indépendant (tests/requetes/reference_polars.py) mis en
  forme à la française ;
- aller-retour d'URL : une comparaison réglée par les widgets, rouverte depuis les paramètres d'URL que
  le navigateur écrit (libellés des options), donne les mêmes réglages et le même tableau ;
- chaque combinaison (maille × vue × période × options) s'ouvre sans exception, avec les réglages de
  l'URL, et montre le contenu de la vue demandée (graphiques, tableaux, messages), et de nulle autre.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from donnees import referentiel
from presentation import format as fmt
from requetes import comparaison as C
from requetes import indicateurs as I
from requetes.indicateurs import REGISTRE
from requetes.jeu import JeuDeDonnees
from tests.fabrique import dossier_demo_partage
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    gestionnaires_telechargement,  # noqa: F401
    relire_paire,
)
from tests.requetes.reference_polars import Reference

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
PAGE = "pages/comparaison.py"
DELAI = 600
VUES = ("Tableau", "Barres", "Distribution", "Évolution", "Nuage de points", "Territoires comparables")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    dossier = dossier_demo_partage(tmp_path_factory)
    ancien = os.environ.get("TDB_DONNEES")
    os.environ["TDB_DONNEES"] = str(dossier)
    st_config.set_option("client.showErrorDetails", "full")
    jeu = JeuDeDonnees(dossier)
    yield dossier, jeu
    if ancien is None:
        os.environ.pop("TDB_DONNEES", None)
    else:
        os.environ["TDB_DONNEES"] = ancien


def ouvrir(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    at.switch_page(PAGE)
    if params:
        at.query_params.update(params)
    at.run()
    verifier(at)
    return at


def verifier(at: AppTest) -> None:
    assert not at.exception, "\n\n".join(f"{e.message}\n" + "\n".join(e.stack_trace or []) for e in at.exception)


def libelles(jeu: JeuDeDonnees, maille: str, codes: list[str]) -> list[str]:
    """Ce que le navigateur écrit dans l'URL pour ces territoires : le libellé de l'option."""
    t = dict(C.territoires(jeu, maille).select("code", "libelle").iter_rows())
    return [t[c] for c in codes]


def libelle_indicateur(code: str) -> str:
    return f"{REGISTRE[code].theme} › {REGISTRE[code].libelle}"


def textes(at: AppTest, genre: str) -> list[str]:
    return [e.value for e in getattr(at, genre)]


def tableau(at: AppTest):
    """Le tableau côte à côte (premier tableau de la vue « Tableau »)."""
    return at.dataframe[0].value


def detail(at: AppTest):
    """Le tableau de détail (second tableau de la vue « Tableau »)."""
    return at.dataframe[1].value


# --------------------------------------------------------------------------------------------------


def test_aucun_territoire(demo):
    dossier, jeu = demo
    at = ouvrir()
    assert at.segmented_control(key="cmp_maille").value == "ml"
    assert at.multiselect(key="cmp_territoires_ml").value == []
    assert at.multiselect(key="cmp_indicateurs").value == list(C.INDICATEURS_PAR_DEFAUT)
    assert any("Choisissez jusqu'à 12 territoires" in t for t in textes(at, "info"))
    t = tableau(at)
    assert list(t.columns) == ["Indicateur", "France"]
    # valeurs de la France : calcul indépendant, mises en forme à la française
    annee = I.annees_disponibles(jeu)[-1]
    ref = Reference(dossier, referentiel.fichiers_tabulaires()).indicateurs("nationale", annee, annee, REGISTRE)
    nat = dict(ref.select("indicateur", "valeur").iter_rows())
    assert t["Indicateur"].tolist() == [REGISTRE[c].libelle for c in C.INDICATEURS_PAR_DEFAUT]
    assert t["France"].tolist() == [fmt.format_valeur(nat[c], REGISTRE[c].unite) for c in C.INDICATEURS_PAR_DEFAUT]
    # les autres vues s'ouvrent aussi sans territoire (distribution et nuage montrent toute la maille)
    for vue in VUES[1:]:
        at = ouvrir({"cmp_vue": vue})
        assert onglets_remplis(at) == [vue]
        if vue == "Barres":
            assert any("Choisissez des territoires" in t for t in textes(at, "info"))


def test_un_territoire(demo):
    dossier, jeu = demo
    annee = I.annees_disponibles(jeu)[-1]
    params = {"cmp_maille": "Départements", "cmp_territoires_departement": libelles(jeu, "departement", ["29"])}
    at = ouvrir(params)
    assert at.multiselect(key="cmp_territoires_departement").value == ["29"]
    t = tableau(at)
    assert list(t.columns) == ["Indicateur", "France", "Finistère"]
    ref = Reference(dossier, referentiel.fichiers_tabulaires()).indicateurs("departement", annee, annee, REGISTRE)
    v = dict(ref.filter(pl.col("code") == "29").select("indicateur", "valeur").iter_rows())
    pos = {r["indicateur"]: r for r in C.positions(jeu, "departement", annee, codes=["29"]).iter_rows(named=True)}
    symboles = {C.MIEUX: " ✓", C.MOINS_BIEN: " ✗", C.EGAL: " ="}
    attendus = [fmt.format_valeur(v[c], REGISTRE[c].unite) + symboles.get(pos[c]["appreciation"], "")
                for c in C.INDICATEURS_PAR_DEFAUT]
    assert t["Finistère"].tolist() == attendus
    d = detail(at)
    rang, nb = pos["taux_couverture"]["rang"], pos["taux_couverture"]["nb"]
    assert d["Territoire"].tolist()[0] == "Finistère" and d["Indicateur"].tolist()[0] == REGISTRE["taux_couverture"].libelle
    assert d["Rang"].tolist()[0] == (f"1ᵉʳ / {fmt.nombre(nb)}" if rang == 1 else f"{fmt.nombre(rang)}ᵉ / {fmt.nombre(nb)}")
    assert len(at.get("download_button")) == 2
    # fichiers fabriqués au clic : une ligne par indicateur du territoire, valeurs du calcul indépendant
    csv = relire_paire(at, "cmp_telechargement")
    assert csv["Code"].to_list() == ["29"] * len(C.INDICATEURS_PAR_DEFAUT)
    assert sorted(csv["Code indicateur"]) == sorted(C.INDICATEURS_PAR_DEFAUT)
    valeurs = dict(zip(csv["Code indicateur"], csv["Valeur"]))
    assert valeurs == pytest.approx({c: v[c] for c in C.INDICATEURS_PAR_DEFAUT}, rel=1e-9)
    for vue in VUES[1:]:
        assert onglets_remplis(ouvrir({**params, "cmp_vue": vue})) == [vue]


def test_douze_territoires(demo):
    _, jeu = demo
    codes = C.territoires(jeu, "departement")["code"].to_list()[:13]
    params = {"cmp_maille": "Départements", "cmp_territoires_departement": libelles(jeu, "departement", codes)}
    at = ouvrir(params)
    assert at.multiselect(key="cmp_territoires_departement").value == codes[:12]  # 13 demandés, 12 gardés
    t = tableau(at)
    assert t.shape == (len(C.INDICATEURS_PAR_DEFAUT), 14)
    assert detail(at).shape[0] == 12 * len(C.INDICATEURS_PAR_DEFAUT)
    for vue in VUES[1:]:
        at = ouvrir({**params, "cmp_vue": vue})
        assert onglets_remplis(at) == [vue]
        assert at.multiselect(key="cmp_territoires_departement").value == codes[:12]
    # douze Missions Locales, toutes les vues
    mls = C.territoires(jeu, "ml")["code"].to_list()[::37][:12]
    for vue in VUES:
        at = ouvrir({"cmp_territoires_ml": libelles(jeu, "ml", mls), "cmp_vue": vue})
        assert at.multiselect(key="cmp_territoires_ml").value == mls
        assert onglets_remplis(at) == [vue]


def test_aller_retour_url(demo):
    """Réglée par les widgets, la comparaison se rouvre à l'identique depuis les paramètres d'URL que le
    navigateur écrit (libellé de chaque option ; valeur par défaut absente)."""
    _, jeu = demo
    annees = I.annees_disponibles(jeu)
    at = ouvrir({"cmp_vue": "Tableau"})
    at.segmented_control(key="cmp_maille").set_value("departement").run()
    verifier(at)
    codes = ["2A", "75", "971", "13"]
    inds = ["taux_neet", "taux_acceptation", "enveloppe_ml", "part_ml_accord"]
    at.multiselect(key="cmp_territoires_departement").set_value(codes)
    at.multiselect(key="cmp_indicateurs").set_value(inds)
    at.selectbox(key="cmp_debut").set_value(annees[-3])
    at.run()
    verifier(at)
    avant = tableau(at)
    detail_avant = detail(at)
    assert list(avant.columns)[2:] == ["Corse-du-Sud", "Paris", "Guadeloupe", "Bouches-du-Rhône"]
    url = {
        "cmp_maille": "Départements",
        "cmp_territoires_departement": libelles(jeu, "departement", codes),
        "cmp_indicateurs": [libelle_indicateur(c) for c in inds],
        "cmp_debut": str(annees[-3]),
    }
    apres = ouvrir(url)
    assert apres.segmented_control(key="cmp_maille").value == "departement"
    assert apres.multiselect(key="cmp_territoires_departement").value == codes
    assert apres.multiselect(key="cmp_indicateurs").value == inds
    assert apres.selectbox(key="cmp_debut").value == annees[-3]
    assert tableau(apres).equals(avant)
    assert detail(apres).equals(detail_avant)
    # les paramètres restent dans l'URL de la page rouverte (rien n'est retiré ni ajouté)
    assert {k: apres.query_params[k] for k in url} == url
    # une valeur inconnue dans l'URL est ignorée, pas d'exception
    ouvrir({"cmp_maille": "Communes", "cmp_territoires_ml": ["nimporte quoi"], "cmp_vue": "Inconnue",
            "cmp_debut": "1900", "cmp_indicateurs": ["pas un indicateur"]})


def test_aller_retour_vues_et_options(demo):
    _, jeu = demo
    base = {"cmp_maille": "Régions", "cmp_territoires_region": libelles(jeu, "region", ["53", "11"])}
    at = ouvrir({**base, "cmp_vue": "Nuage de points", "cmp_x": libelle_indicateur("taux_couverture"),
                 "cmp_y": libelle_indicateur("taux_sortie_emploi")})
    assert at.selectbox(key="cmp_x").value == "taux_couverture"
    assert at.selectbox(key="cmp_y").value == "taux_sortie_emploi"
    at = ouvrir({**base, "cmp_vue": "Évolution", "cmp_pas": "Par mois",
                 "cmp_serie": libelle_indicateur("taux_transformation")})
    assert at.segmented_control(key="cmp_pas").value == "mois"
    assert at.selectbox(key="cmp_serie").value == "taux_transformation"
    at = ouvrir({**base, "cmp_vue": "Territoires comparables", "cmp_reference_region": libelles(jeu, "region", ["84"])})
    assert at.selectbox(key="cmp_reference_region").value == "84"
    at = ouvrir({"cmp_maille": "Départements", "cmp_vue": "Territoires comparables", "cmp_perimetre": "Même région",
                 "cmp_reference_departement": libelles(jeu, "departement", ["35"])})
    assert at.selectbox(key="cmp_reference_departement").value == "35"
    assert at.segmented_control(key="cmp_perimetre").value == "region"
    assert set(at.dataframe[0].value["Code"]) <= {"22", "29", "35", "56"}


def test_bouton_territoires_comparables(demo):
    _, jeu = demo
    at = ouvrir({"cmp_vue": "Territoires comparables", "cmp_maille": "Départements",
                 "cmp_reference_departement": libelles(jeu, "departement", ["35"])})
    tableau_voisins = at.dataframe[0].value
    codes = tableau_voisins["Code"].tolist()
    annee = I.annees_disponibles(jeu)[-1]
    assert codes == C.comparables(jeu, "departement", "35", annee, nombre=10)["code"].to_list()
    at.button(key="cmp_bouton_comparables").click().run()
    verifier(at)
    assert at.multiselect(key="cmp_territoires_departement").value == codes


def test_cas_limites(demo):
    _, jeu = demo
    # aucun indicateur
    at = ouvrir()
    at.multiselect(key="cmp_indicateurs").set_value([]).run()
    verifier(at)
    assert any("au moins un indicateur" in t for t in textes(at, "info"))
    # série mensuelle demandée pour des indicateurs qui n'existent pas mois par mois
    at = ouvrir({"cmp_vue": "Évolution", "cmp_pas": "Par mois",
                 "cmp_indicateurs": [libelle_indicateur("taux_neet"), libelle_indicateur("enveloppe_ml")]})
    assert any("mois par mois" in t for t in textes(at, "info"))
    # région choisie dans la barre latérale : ses territoires en tête de liste
    noms_regions = dict(I.regions(jeu).iter_rows())
    at = ouvrir({"region": noms_regions["53"]})
    options = at.multiselect(key="cmp_territoires_ml").options
    bretagne = C.territoires(jeu, "ml").filter(pl.col("code_region") == "53")["libelle"].to_list()
    assert options[: len(bretagne)] == bretagne


def onglets_remplis(at: AppTest) -> list[str]:
    """Les vues qui ont un contenu : seule la vue ouverte est calculée et affichée."""
    return [o.label for o in at.tabs if o.label in VUES and len(o.children)]


def graphiques(at: AppTest) -> set[str]:
    return {g.key for g in at.get("plotly_chart")}


def ouvrir_vue(jeu: JeuDeDonnees, maille: str, debut: int, choix: list[str], vue: str, **options) -> AppTest:
    """La page ouverte par l'URL sur une vue : les réglages demandés sont appliqués, seule cette vue est remplie."""
    at = ouvrir({"cmp_maille": C.LIBELLES_MAILLES[maille], f"cmp_territoires_{maille}": libelles(jeu, maille, choix),
                 "cmp_debut": str(debut), "cmp_vue": vue, **options})
    assert onglets_remplis(at) == [vue], (maille, debut, vue, options)
    assert at.segmented_control(key="cmp_maille").value == maille
    assert at.multiselect(key=f"cmp_territoires_{maille}").value == choix
    assert at.selectbox(key="cmp_debut").value == debut
    return at


@pytest.mark.parametrize("maille", C.MAILLES_COMPARAISON)
def test_chaque_combinaison_montre_sa_vue(demo, maille):
    """Chaque combinaison (maille × vue × période × options) s'ouvre depuis l'URL sans exception, avec les
    réglages demandés, et montre le contenu de la vue demandée, et de nulle autre."""
    _, jeu = demo
    annees = I.annees_disponibles(jeu)
    fin = annees[-1]
    terr = C.territoires(jeu, maille)
    codes_terr = terr["code"].to_list()
    inds = list(C.INDICATEURS_PAR_DEFAUT)
    # sans territoire sur l'année ; trois territoires sur toute la période du jeu
    for debut, choix in ((fin, []), (annees[0], codes_terr[:3])):
        reglages = (jeu, maille, debut, choix)
        at = ouvrir_vue(*reglages, "Tableau")
        assert not graphiques(at)
        assert len(tableau(at).columns) == 2 + len(choix)  # Indicateur, France, puis un par territoire
        assert tableau(at)["Indicateur"].tolist() == [REGISTRE[c].libelle for c in inds]
        assert len(at.dataframe) == (2 if choix else 1)  # le détail, seulement avec des territoires
        assert any("Choisissez jusqu'à 12 territoires" in t for t in textes(at, "info")) == (not choix)

        at = ouvrir_vue(*reglages, "Barres")
        assert graphiques(at) == ({f"cmp_barres_{c}" for c in inds} if choix else set())
        assert any("Choisissez des territoires" in t for t in textes(at, "info")) == (not choix)

        at = ouvrir_vue(*reglages, "Distribution")  # toute la maille, avec ou sans territoire choisi
        assert graphiques(at) == {f"cmp_boite_{c}" for c in inds}
        assert at.dataframe[0].value["Indicateur"].tolist() == [REGISTRE[c].libelle for c in inds]

        for pas, code_pas in (("Par année", "annee"), ("Par mois", "mois")):
            at = ouvrir_vue(*reglages, "Évolution", cmp_pas=pas)
            assert at.segmented_control(key="cmp_pas").value == code_pas
            assert graphiques(at) == {"cmp_serie_graphique"}

        nb_ml = libelle_indicateur("nb_ml")
        at = ouvrir_vue(*reglages, "Nuage de points", cmp_x=nb_ml, cmp_y=nb_ml)
        assert (at.selectbox(key="cmp_x").value, at.selectbox(key="cmp_y").value) == ("nb_ml", "nb_ml")
        assert graphiques(at) == {"cmp_nuage_graphique"}

        for perimetre, code_perimetre in (("Partout", "france"), ("Même région", "region")):
            at = ouvrir_vue(*reglages, "Territoires comparables", cmp_perimetre=perimetre)
            assert not graphiques(at)
            reference = at.selectbox(key=f"cmp_reference_{maille}").value
            if choix:
                assert reference == choix[0]  # le premier territoire choisi sert de référence
            region = None
            if maille == "region":  # pas de périmètre à choisir entre régions : toute la France
                assert "cmp_perimetre" not in {w.key for w in at.get("segmented_control")}
            else:
                assert at.segmented_control(key="cmp_perimetre").value == code_perimetre
                if code_perimetre == "region":
                    region = terr.filter(pl.col("code") == reference)["code_region"].item()
            voisins = C.comparables(jeu, maille, reference, debut, fin, 10, region)
            assert voisins.height > 1
            affiches = at.dataframe[0].value["Code"].tolist()
            assert affiches == voisins["code"].to_list()
            if region is not None:  # « Même région » : tous les voisins sont de la région de la référence
                assert set(terr.filter(pl.col("code").is_in(affiches))["code_region"]) == {region}
