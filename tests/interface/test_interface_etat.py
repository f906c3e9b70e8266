"""Filtres partagés et widgets liés à l'URL (interface/etat.py).

Validation pure (sans Streamlit), puis widgets ``selection_url`` exécutés par AppTest : la valeur lue
dans l'URL n'est retenue que si elle désigne une option permise ; sinon le widget garde sa valeur par
défaut et le paramètre est retiré de l'URL.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from interface import etat

# --------------------------------------------------------------------------------------------------
# Validation pure


def test_libelles_uniques_distingue_les_homonymes():
    noms = etat.libelles_uniques(["ML1", "ML2", "ML3"], {"ML1": "Mission Locale", "ML2": "Mission Locale",
                                                         "ML3": "Arras"})
    assert noms == {"ML1": "Mission Locale (ML1)", "ML2": "Mission Locale (ML2)", "ML3": "Arras"}
    assert etat.libelles_uniques([2023, 2024], None) == {2023: "2023", 2024: "2024"}
    assert etat.libelles_uniques(["a"], str.upper) == {"a": "A"}
    assert etat.libelles_uniques(["x", "y"], {"x": "X"}) == {"x": "X", "y": "y"}


def test_valider_valeur():
    assert etat.valider_valeur("53", ["11", "53"], "11") == "53"
    assert etat.valider_valeur("99", ["11", "53"], "11") == "11"
    assert etat.valider_valeur("<script>", ["11"], "11") == "11"
    assert etat.valider_valeur(None, ["11"], "11") == "11"
    assert etat.valider_valeur(["11"], ["11"], "11") == "11"  # une liste n'est pas une option
    assert etat.valider_valeur(2024, [2023, 2024], 2023) == 2024
    assert etat.valider_valeur("2024", [2023, 2024], 2023) == 2023  # pas de conversion implicite


def test_valider_valeurs():
    assert etat.valider_valeurs(["b", "zz", "a", "b"], ["a", "b", "c"], ["c"]) == ["b", "a"]
    assert etat.valider_valeurs("a", ["a"], ["c"]) == ["c"]  # pas une liste : défaut
    assert etat.valider_valeurs([], ["a"], ["c"]) == []
    assert etat.valider_valeurs([["a"], "a"], ["a"], []) == ["a"]  # élément non hachable ignoré


def test_valeur_depuis_libelle():
    noms = {"53": "Bretagne", "11": "Île-de-France"}
    assert etat.valeur_depuis_libelle("Bretagne", noms) == "53"
    assert etat.valeur_depuis_libelle("bretagne", noms) is None
    assert etat.valeur_depuis_libelle(None, noms) is None


@pytest.mark.parametrize("cle", ["annee", "region", "_prive", ""])
def test_cles_refusees(cle):
    with pytest.raises(ValueError):
        etat.verifier_cle(cle, reservee_permise=False)


def test_cles_reservees_permises_pour_les_filtres():
    etat.verifier_cle("annee", reservee_permise=True)
    etat.verifier_cle("carte_indicateur", reservee_permise=False)


# --------------------------------------------------------------------------------------------------
# Widgets liés à l'URL (AppTest)


def _script():
    import streamlit as st

    from interface import etat

    regions = {"11": "Île-de-France", "53": "Bretagne", "93": "Provence-Alpes-Côte d'Azur"}
    choix = etat.selection_url("Région", list(regions), cle="t_region", libelles=regions, defaut="11")
    plusieurs = etat.selection_url("Régions", list(regions), cle="t_regions", libelles=regions,
                                   multiple=True, defaut=["11"])
    segment = etat.selection_url("Vue", ["a", "b", "c"], cle="t_vue", libelles={"a": "A", "b": "B", "c": "C"},
                                 forme="segments", defaut="b")
    st.write(f"choix={choix}")
    st.write(f"plusieurs={','.join(plusieurs)}")
    st.write(f"segment={segment}")


def _lancer(params: dict) -> AppTest:
    at = AppTest.from_function(_script, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _valeurs(at: AppTest) -> dict[str, str]:
    return dict(m.value.split("=", 1) for m in at.markdown)


def test_defauts_sans_parametre():
    at = _lancer({})
    assert _valeurs(at) == {"choix": "11", "plusieurs": "11", "segment": "b"}
    assert at.query_params == {}  # la valeur par défaut n'est pas écrite dans l'URL


def test_url_valide_est_relue_par_libelle():
    at = _lancer({"t_region": "Bretagne", "t_regions": ["Bretagne", "Provence-Alpes-Côte d'Azur"], "t_vue": "C"})
    assert _valeurs(at) == {"choix": "53", "plusieurs": "53,93", "segment": "c"}
    assert at.selectbox(key="t_region").value == "53"
    # aller-retour : l'URL garde les paramètres valides
    assert at.query_params["t_region"] == "Bretagne"
    assert at.query_params["t_regions"] == ["Bretagne", "Provence-Alpes-Côte d'Azur"]
    assert at.query_params["t_vue"] == "C"


@pytest.mark.parametrize(
    "params",
    [
        {"t_region": "53"},  # un code n'est pas un libellé
        {"t_region": "<script>alert(1)</script>"},
        {"t_region": ""},
        {"t_vue": "Z"},
        {"t_regions": ["Atlantide"]},
    ],
)
def test_url_invalide_ignoree(params):
    at = _lancer(params)
    assert _valeurs(at) == {"choix": "11", "plusieurs": "11", "segment": "b"}
    for cle in params:
        assert cle not in at.query_params
    # ignorée, mais pas en silence : un avis nomme le paramètre (territoire hors périmètre, lien ancien…)
    avis = [i.value for i in at.info]
    assert len(avis) == 1, avis
    assert f"paramètre « {next(iter(params))} » de l'adresse" in avis[0] and "ignorée" in avis[0]


def test_url_valide_sans_avis():
    at = _lancer({"t_region": "Bretagne", "t_vue": "C"})
    assert not at.info


def test_url_partiellement_valide_filtree():
    at = _lancer({"t_regions": ["Bretagne", "Atlantide", "Bretagne"]})
    assert _valeurs(at)["plusieurs"] == "53"
    assert at.query_params["t_regions"] == "Bretagne"


def test_interaction_puis_relecture():
    at = _lancer({})
    at.selectbox(key="t_region").select("93").run()
    assert _valeurs(at)["choix"] == "93"
    at.multiselect(key="t_regions").select("53").run()
    assert _valeurs(at)["plusieurs"] == "11,53"


def _script_autres():
    import streamlit as st

    from interface import etat

    st.write(f"bascule={etat.bascule_url('Voir', cle='t_voir')}")
    st.write(f"curseur={etat.curseur_url('Seuil', 0, 100, cle='t_seuil', defaut=50, pas=5)}")


@pytest.mark.parametrize(
    ("params", "attendu"),
    [
        ({}, {"bascule": "False", "curseur": "50"}),
        ({"t_voir": "true", "t_seuil": "80"}, {"bascule": "True", "curseur": "80"}),
        ({"t_voir": "peut-être", "t_seuil": "beaucoup"}, {"bascule": "False", "curseur": "50"}),
        ({"t_seuil": "1000"}, {"bascule": "False", "curseur": "50"}),  # hors bornes : ignorée
    ],
)
def test_bascule_et_curseur_url(params, attendu):
    at = AppTest.from_function(_script_autres, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _valeurs(at) == attendu
