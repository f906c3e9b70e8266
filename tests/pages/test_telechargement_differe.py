"""Les boutons de ``interface.telechargement.boutons_telechargement`` ne fabriquent leurs fichiers qu'au clic.

Une exécution de page (AppTest) n'appelle ni ``en_csv`` ni ``en_xlsx`` ; le fichier demandé ensuite (comme le
ferait le navigateur, par ``contenu_telechargement``) est fabriqué à ce moment-là, une fois, et il est bon.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import interface.telechargement as T
from tests.pages.outils_telechargement import (  # la fixture importée s'applique aux tests du module
    contenu_telechargement,
    gestionnaires_telechargement,  # noqa: F401
)


def _page() -> None:
    """Script de l'AppTest : un petit tableau et ses deux boutons."""
    from datetime import date

    import polars as pl

    from interface.telechargement import boutons_telechargement

    df = pl.DataFrame({"code": ["MLA", "MLB"], "montant": [1234.5, 10.0], "jour": [date(2024, 1, 31), None]})
    boutons_telechargement(df, "Essai différé", cle="essai", annee=2024, feuille="Essai",
                           libelles={"code": "Code ML", "montant": "Montant (€)"})


@pytest.fixture
def appels(monkeypatch) -> dict[str, int]:
    """Compte les appels à ``en_csv`` / ``en_xlsx`` (les vraies fonctions font le travail)."""
    compte = {"csv": 0, "xlsx": 0}
    vrai_csv, vrai_xlsx = T.en_csv, T.en_xlsx

    def en_csv(*args, **kwargs):
        compte["csv"] += 1
        return vrai_csv(*args, **kwargs)

    def en_xlsx(*args, **kwargs):
        compte["xlsx"] += 1
        return vrai_xlsx(*args, **kwargs)

    monkeypatch.setattr(T, "en_csv", en_csv)
    monkeypatch.setattr(T, "en_xlsx", en_xlsx)
    return compte


def test_rien_n_est_fabrique_avant_le_clic(appels, gestionnaires_telechargement):
    at = AppTest.from_function(_page, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.run()  # réexécution à chaud : toujours rien
    assert not at.exception, [e.value for e in at.exception]
    assert appels == {"csv": 0, "xlsx": 0}

    boutons = {b.key: b for b in at.download_button}
    assert set(boutons) == {"essai_csv", "essai_xlsx"}
    for bouton in boutons.values():
        assert bouton.proto.deferred_file_id and not bouton.proto.url  # fichier promis, pas encore fabriqué
    assert [b.label for b in at.download_button] == ["Télécharger en CSV", "Télécharger en Excel"]
    # nom de fichier et type gardés par Streamlit avec l'appelable (servis dans l'en-tête de la réponse)
    differes = gestionnaires_telechargement[-1]._deferred_callables
    assert {(differes[b.proto.deferred_file_id]["filename"], differes[b.proto.deferred_file_id]["mimetype"])
            for b in boutons.values()} == {
        ("essai_differe_2024.csv", "text/csv"),
        ("essai_differe_2024.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    }

    # « clic » sur Excel : l'XLSX est fabriqué à ce moment-là, une seule fois, et il est lisible
    octets = contenu_telechargement(boutons["essai_xlsx"])
    assert appels == {"csv": 0, "xlsx": 1}
    classeur = openpyxl.load_workbook(io.BytesIO(octets), read_only=True)
    assert classeur.sheetnames == ["Essai"]
    lignes = list(classeur.active.iter_rows(values_only=True))
    assert lignes[0] == ("Code ML", "Montant (€)", "jour")
    assert [l[:2] for l in lignes[1:]] == [("MLA", 1234.5), ("MLB", 10.0)]

    # « clic » sur CSV : CSV français (BOM, « ; », virgule décimale, dates ISO)
    octets = contenu_telechargement(boutons["essai_csv"])
    assert appels == {"csv": 1, "xlsx": 1}
    assert octets.decode("utf-8").splitlines() == ["\ufeffCode ML;Montant (€);jour", "MLA;1234,5;2024-01-31",
                                                   "MLB;10;"]
