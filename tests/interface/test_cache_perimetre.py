"""Le cache des requêtes de l'interface (chargement.en_cache) est propre à chaque périmètre : un résultat
filtré pour une région n'est jamais servi à une session d'une autre région, ni à une session nationale."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from donnees.habilitations import Perimetre
    from interface import chargement
    from requetes import indicateurs
    from requetes import perimetre as P

    chargement.preparer()
    for p in (Perimetre("region", "27"), Perimetre("ml", "MLB"), Perimetre("national"), Perimetre("region", "27")):
        with P.actif(p):
            codes = chargement.en_cache(indicateurs.missions_locales)["code_ml"].to_list()
        st.write(f"{p.profil}:{p.code}={','.join(codes)}")


def test_un_resultat_par_perimetre(monkeypatch, dossier_minimal):
    monkeypatch.setenv("TDB_DONNEES", str(dossier_minimal))
    at = AppTest.from_function(_script, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.markdown] == ["region:27=MLA", "ml:MLB=MLB", "national:None=MLA,MLB",
                                              "region:27=MLA"]
