"""Page « Données » avec un fichier d'accès : seuls les administrateurs importent, remettent une version en
service et lisent le journal ; l'auteur noté est l'identité authentifiée ; une tentative d'une autre
identité est refusée par le rappel lui-même (pas seulement cachée) et notée au journal."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from donnees import versions
from tests.fabrique import jeu_minimal
from tests.pages.outils_pages import preparer
from tests.pages.test_donnees import (  # noqa: F401 (fixtures)
    branchement,
    lieux,
    octets_parquet,
    tableau,
    televerser,
    textes,
)

ACCES = """
[[acces]]
email = "admin@unml.info"
profil = "national"
administrateur = true

[[acces]]
email = "coordination@arml-bretagne.fr"
profil = "region"
code = "53"
"""


@pytest.fixture
def acces(lieux, monkeypatch):
    base, racine, tmp_path = lieux
    chemin = tmp_path / "acces.toml"
    chemin.write_text(ACCES, encoding="utf-8")
    monkeypatch.setenv("TDB_ACCES", str(chemin))
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    return base, racine


def ouvrir_en_tant_que(email: str) -> AppTest:
    at = preparer("donnees", email=email, delai_s=240)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_non_administrateur_sans_commandes(acces):
    at = ouvrir_en_tant_que("coordination@arml-bretagne.fr")
    assert "réservés aux administrateurs" in textes(at)
    assert not at.file_uploader
    cles = {b.key for b in at.button}
    assert not cles & {"donnees_importer", "donnees_importer_dossier", "donnees_remettre"}
    assert not [e for e in at.expander if "Journal" in e.label]


def test_administrateur_importe_sous_son_identite(acces):
    base, racine = acces
    at = ouvrir_en_tant_que("admin@unml.info")
    assert at.file_uploader
    champ = at.text_input(key="donnees_auteur")
    assert champ.value == "admin@unml.info" and champ.disabled  # l'identité authentifiée, pas une saisie
    allocations = jeu_minimal()["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)
    televerser(at, [("allocations.parquet", octets_parquet(allocations))])
    assert "Version 2 mise en service" in textes(at)
    assert versions.version_en_service(racine, base).auteur == "admin@unml.info"
    assert versions.journal(racine)[-1]["par"] == "admin@unml.info"
    # l'administrateur lit le journal, tentatives refusées comprises
    versions.journaliser_refus(racine, par="coordination@arml-bretagne.fr", action="remise_en_service",
                               raison="réservé aux administrateurs du fichier d'accès")
    at = ouvrir_en_tant_que("admin@unml.info")
    journal = tableau(at, "donnees_journal")
    assert journal["Par"].to_list()[:2] == ["coordination@arml-bretagne.fr", "admin@unml.info"]
    assert journal["Motif"].to_list()[:2] == [
        "remise en service refusée : réservé aux administrateurs du fichier d'accès", "import"]


def _script_rappel(racine: str, base: str, action: str):
    import streamlit as st

    from donnees.habilitations import Perimetre
    from interface import identite, import_donnees

    st.session_state[identite.CLE_PERIMETRE] = Perimetre("region", "53", False, "coordination@arml-bretagne.fr")
    from pathlib import Path

    if action == "import":
        import_donnees.importer_dossier("inexistant", Path(racine), Path(base), [], None, None)
        st.session_state["inexistant"] = "x"
        import_donnees.importer_dossier("inexistant", Path(racine), Path(base), [], None, None)
    else:
        import_donnees.remettre_en_service("cle", {}, Path(racine), Path(base), None)
    compte_rendu = st.session_state[import_donnees.CLE_COMPTE_RENDU]
    st.write(compte_rendu["titre"])


@pytest.mark.parametrize("action", ["import", "remise_en_service"])
def test_rappel_refuse_et_journalise(acces, action):
    """Le rappel d'un bouton appelé par une session non administratrice (bouton absent, mais un rappel peut
    être déclenché autrement) ne fait rien et le journal le dit : qui, quand, quoi."""
    base, racine = acces
    at = AppTest.from_function(_script_rappel, args=(str(racine), str(base), action), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "réservé" in at.markdown[0].value and "administrateurs" in at.markdown[0].value
    refus = [e for e in versions.journal(racine) if e.get("motif") == "refus"]
    assert refus and {e["action"] for e in refus} == {action}
    assert {e["par"] for e in refus} == {"coordination@arml-bretagne.fr"}
    assert versions.version_en_service(racine, base) is None  # rien n'a été mis en service
