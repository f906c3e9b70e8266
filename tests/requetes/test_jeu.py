"""requetes/jeu.py : vues typées, requêtes paramétrées, tables calculées une fois, empreinte."""

from __future__ import annotations

import threading

import polars as pl
import pytest

from requetes.jeu import JeuDeDonnees, texte_sql
from tests.fabrique import ecrire_jeu, jeu_minimal


@pytest.fixture
def jeu(tmp_path) -> JeuDeDonnees:
    return JeuDeDonnees(ecrire_jeu(tmp_path, jeu_minimal()))


def test_sql_parametre_et_vues(jeu):
    df = jeu.sql("SELECT nom_ml FROM missions_locales WHERE code_ml = $c", {"c": "MLB"})
    assert isinstance(df, pl.DataFrame) and df["nom_ml"].to_list() == ["Mission Locale des Abymes"]
    assert jeu.sql("SELECT count(*) AS n FROM orientations WHERE code_ml = ?", ["MLA"])["n"][0] == 72
    assert jeu.sql("SELECT count(*) AS n FROM ref_regions")["n"][0] == 18
    # une valeur piégée reste une valeur
    assert jeu.sql("SELECT * FROM missions_locales WHERE code_ml = ?", ["x' OR '1'='1"]).is_empty()


def test_requete_inconnue(jeu):
    with pytest.raises(KeyError, match="Requête inconnue"):
        texte_sql("../jeu")
    with pytest.raises(KeyError, match="Requête inconnue"):
        jeu.requete("n_existe_pas")
    with pytest.raises(KeyError, match="Requête inconnue"):
        jeu.materialiser("cube_ml; DROP TABLE x")


def test_materialiser_une_fois_visible_de_tous_les_fils(jeu):
    appels = []
    assert jeu.memo("cle", lambda: appels.append(1) or 42) == 42
    assert jeu.memo("cle", lambda: appels.append(1) or 0) == 42 and appels == [1]
    assert jeu.materialiser("ml_rattachement") == "ml_rattachement"
    vus = []

    def lire():
        vus.append(jeu.sql("SELECT count(*) AS n FROM ml_rattachement")["n"][0])

    fils = [threading.Thread(target=lire) for _ in range(3)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert vus == [2, 2, 2]


def test_empreinte_change_avec_les_fichiers(tmp_path):
    dossier = ecrire_jeu(tmp_path, jeu_minimal())
    jeu = JeuDeDonnees(dossier)
    avant = jeu.empreinte
    assert str(dossier.resolve()) in avant and "orientations:" in avant
    t = jeu_minimal()
    ecrire_jeu(dossier, {"missions_locales": t["missions_locales"].head(1)})
    assert JeuDeDonnees(dossier).empreinte != avant
    assert jeu != JeuDeDonnees(dossier) and hash(jeu) == hash(jeu)


def test_petites_tables_en_memoire_grandes_en_vues(dossier_minimal, monkeypatch):
    """Les petites tables sont chargées en mémoire DuckDB à l'ouverture (requêtes des pages plus rapides),
    une table au-delà du seuil reste une vue sur son fichier ; les deux rendent les mêmes lignes."""
    import polars as pl

    from requetes import jeu as module_jeu

    def genres(j):
        return dict(j.sql("SELECT table_name, table_type FROM information_schema.tables").iter_rows())

    j = module_jeu.JeuDeDonnees(dossier_minimal)
    assert genres(j)["accords"] == "BASE TABLE" and genres(j)["ref_communes"] == "BASE TABLE"
    orientations_table = j.sql("SELECT * FROM orientations ORDER BY ALL")
    lignes = orientations_table.height
    monkeypatch.setattr(module_jeu, "LIGNES_MAX_EN_MEMOIRE", lignes - 1)
    j2 = module_jeu.JeuDeDonnees(dossier_minimal)
    assert genres(j2)["orientations"] == "VIEW"
    assert j2.sql("SELECT * FROM orientations ORDER BY ALL").equals(orientations_table)
    attendu = pl.read_parquet(dossier_minimal / "orientations.parquet")
    assert lignes == attendu.height
