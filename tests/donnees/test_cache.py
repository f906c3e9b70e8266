"""Cache sur disque (donnees.cache) : rapport de validation et tables matérialisées relus au démarrage
suivant, jamais servis pour un jeu modifié ou par un autre code, sans effet quand il est inutilisable."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from donnees import cache, valider
from requetes import jeu as module_jeu
from requetes import mesures
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.outils_fils import en_meme_temps


@pytest.fixture
def cache_vide(tmp_path, monkeypatch) -> Path:
    dossier = tmp_path / "cache"
    monkeypatch.setenv("TDB_CACHE", str(dossier))
    return dossier


def _compter_validations(monkeypatch) -> list[Path]:
    appels: list[Path] = []
    vraie = valider.valider_dossier

    def espion(dossier):
        appels.append(Path(dossier))
        return vraie(dossier)

    monkeypatch.setattr(valider, "valider_dossier", espion)
    return appels


def test_rapport_relu_a_l_identique(tmp_path, cache_vide, monkeypatch):
    tables = jeu_minimal()
    tables["allocations"] = tables["allocations"].with_columns(
        pl.when(pl.col("code_ml") == "MLA").then(pl.col("valorisation_etp_eur") + 1000)
        .otherwise(pl.col("valorisation_etp_eur")).alias("valorisation_etp_eur"))
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    appels = _compter_validations(monkeypatch)

    premier, lu1 = valider.valider_dossier_en_cache(dossier)
    second, lu2 = valider.valider_dossier_en_cache(dossier)

    assert (lu1, lu2) == (False, True)
    assert len(appels) == 1
    assert premier.valide and premier.avertissements  # écart de valorisation : avertissement
    assert second.erreurs == premier.erreurs and second.avertissements == premier.avertissements
    assert (second.periode, second.lignes, second.version_contrat) == \
           (premier.periode, premier.lignes, premier.version_contrat)
    assert second.texte() == premier.texte()


def test_fichier_remplace_revalide(tmp_path, cache_vide, monkeypatch):
    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    assert valider.valider_dossier_en_cache(dossier)[0].valide
    # orientations remplacées par une version fautive (entrés > acceptés) : la clé change
    fautif = tables["orientations"].with_columns((pl.col("acceptes") + 1).alias("entres"))
    fautif.write_parquet(dossier / "orientations.parquet")
    rapport, lu = valider.valider_dossier_en_cache(dossier)
    assert not lu
    assert not rapport.valide
    assert any(a.fichier == "orientations.parquet" and a.colonne == "entres" for a in rapport.erreurs)


def test_cle_independante_du_chemin(tmp_path, cache_vide, monkeypatch):
    # une version validée dans un dossier temporaire puis renommée garde son rapport
    dossier = ecrire_jeu(tmp_path / "temporaire", jeu_minimal())
    valider.valider_dossier_en_cache(dossier)
    renomme = tmp_path / "v0001"
    os.rename(dossier, renomme)
    appels = _compter_validations(monkeypatch)
    rapport, lu = valider.valider_dossier_en_cache(renomme)
    assert lu and not appels and rapport.valide
    assert rapport.dossier == renomme


def test_autre_code_autre_cle(tmp_path, cache_vide, monkeypatch):
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    avant = valider.cle_validation(dossier)
    modifie = tmp_path / "valider_modifie.py"
    modifie.write_text(Path(valider.__file__).read_text(encoding="utf-8") + "\n# changement\n", encoding="utf-8")
    monkeypatch.setattr(valider, "_CODE_VALIDATION", (modifie, *valider._CODE_VALIDATION[1:]))
    assert valider.cle_validation(dossier) != avant


def test_cache_corrompu_ou_inutilisable(tmp_path, cache_vide, monkeypatch):
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    valider.valider_dossier_en_cache(dossier)
    fichier = cache_vide / "validation" / f"{valider.cle_validation(dossier)}.json"
    assert fichier.is_file()
    fichier.write_text("{pas du json", encoding="utf-8")
    rapport, lu = valider.valider_dossier_en_cache(dossier)
    assert not lu and rapport.valide
    # dossier de cache impossible à créer (un fichier à sa place) : on valide quand même
    bloque = tmp_path / "bloque"
    bloque.write_text("ceci n'est pas un dossier", encoding="utf-8")
    monkeypatch.setenv("TDB_CACHE", str(bloque))
    rapport, lu = valider.valider_dossier_en_cache(dossier)
    assert not lu and rapport.valide


def test_cle_refuse_les_noms_hors_liste():
    with pytest.raises(ValueError):
        cache.lire_json("../ailleurs", "abc")
    with pytest.raises(ValueError):
        cache.lire_json("validation", "../../etc/passwd")


# --------------------------------------------------------------------------------------------------
# Tables matérialisées (cubes de mesures)


def _tables(jeu: module_jeu.JeuDeDonnees) -> dict[str, tuple[list, pl.DataFrame]]:
    noms = ["ml_rattachement", "cube_mensuel_ml", "cube_ml", "cube_contexte_ml", "accords_base"]
    sortie = {}
    for nom in noms:
        schema = jeu.sql(f"DESCRIBE {nom}").select("column_name", "column_type").rows()
        sortie[nom] = (schema, jeu.sql(f"SELECT * FROM {nom}").sort(pl.all()))
    return sortie


def test_cubes_relus_identiques(tmp_path, cache_vide):
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    premier = module_jeu.JeuDeDonnees(dossier)
    cubes1 = mesures.preparer(premier)
    fichiers = sorted(p.name.split("-")[0] for p in (cache_vide / "tables").glob("*.duckdb"))
    assert "cube_mensuel_ml" in fichiers and "cube_ml" in fichiers

    # Deuxième ouverture (un nouveau processus serveur) : les tables viennent du cache. On le prouve
    # en rendant les requêtes SQL introuvables : un recalcul échouerait.
    second = module_jeu.JeuDeDonnees(dossier)
    textes = module_jeu.texte_sql

    def interdit(nom: str) -> str:
        if nom in ("ml_rattachement", "cube_mensuel_ml", "cube_ml", "cube_contexte_ml", "accords_base",
                   "annees_jeu", "cube_contexte_departement", "departements_presents"):
            return "SELECT erreur_volontaire_recalcul FROM nulle_part"
        return textes(nom)

    try:
        module_jeu.texte_sql = interdit
        cubes2 = mesures.preparer(second)
    finally:
        module_jeu.texte_sql = textes
    for nom, (schema, valeurs) in _tables(premier).items():
        schema2, valeurs2 = _tables(second)[nom]
        assert schema2 == schema, nom
        assert valeurs2.equals(valeurs), nom
    assert cubes2.ml.equals(cubes1.ml) and cubes2.mensuel.equals(cubes1.mensuel)
    assert cubes2.annees == cubes1.annees


def test_cube_recalcule_si_le_jeu_change(tmp_path, cache_vide):
    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    avant = mesures.preparer(module_jeu.JeuDeDonnees(dossier)).mensuel
    double = tables["orientations"].with_columns(
        (pl.col(c) * 2).alias(c) for c in ("orientes", "acceptes", "entres"))
    double.write_parquet(dossier / "orientations.parquet")
    apres = mesures.preparer(module_jeu.JeuDeDonnees(dossier)).mensuel
    colonne = next(c for c in avant.columns if c.startswith("orientes"))
    assert apres[colonne].sum() == pytest.approx(2 * avant[colonne].sum())


def test_cube_cache_illisible_recalcule(tmp_path, cache_vide):
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    attendu = mesures.preparer(module_jeu.JeuDeDonnees(dossier)).ml
    for p in (cache_vide / "tables").glob("*.duckdb"):
        p.write_bytes(b"pas une base duckdb")
    assert mesures.preparer(module_jeu.JeuDeDonnees(dossier)).ml.equals(attendu)


def test_deux_jeux_ouverts_sur_le_meme_cache(tmp_path, cache_vide):
    # deux objets JeuDeDonnees du même processus (deux sessions) relisent les mêmes fichiers du cache
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    mesures.preparer(module_jeu.JeuDeDonnees(dossier))
    a, b = module_jeu.JeuDeDonnees(dossier), module_jeu.JeuDeDonnees(dossier)
    assert mesures.preparer(a).ml.equals(mesures.preparer(b).ml)
    shutil.rmtree(cache_vide)
    assert mesures.preparer(module_jeu.JeuDeDonnees(dossier)).ml.height == mesures.preparer(a).ml.height


# --------------------------------------------------------------------------------------------------
# Clé sur le contenu : un fichier remplacé à l'identique de taille et de date (rsync -a, cp -p, utime)


def _ecrire_brut(df: pl.DataFrame, chemin: Path) -> None:
    """Parquet sans compression, sans dictionnaire ni statistiques : une valeur changée de même largeur
    donne un fichier de même taille, au pied (métadonnées) identique."""
    import pyarrow.parquet as pq

    pq.write_table(df.to_arrow(), chemin, compression="NONE", use_dictionary=False, write_statistics=False)


def _pied(chemin: Path) -> bytes:
    octets = chemin.read_bytes()
    longueur = int.from_bytes(octets[-8:-4], "little")
    return octets[-8 - longueur:]


def _remplacer_a_l_identique(chemin: Path, df: pl.DataFrame) -> None:
    """Remplace ``chemin`` par ``df`` et lui remet sa date de modification (à la ns près), comme
    ``cp -p`` ou ``rsync -a`` ; vérifie que taille et date sont bien celles d'avant."""
    avant = chemin.stat()
    pied_avant = _pied(chemin)
    _ecrire_brut(df, chemin)
    os.utime(chemin, ns=(avant.st_atime_ns, avant.st_mtime_ns))
    apres = chemin.stat()
    assert (apres.st_size, apres.st_mtime_ns) == (avant.st_size, avant.st_mtime_ns)
    # même pied Parquet aussi : une clé sur le pied du fichier ne verrait pas le changement non plus
    assert _pied(chemin) == pied_avant


def test_rapport_recalcule_si_le_contenu_change_a_taille_et_date_egales(tmp_path, cache_vide):
    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    _ecrire_brut(tables["allocations"], dossier / "allocations.parquet")
    rapport, lu = valider.valider_dossier_en_cache(dossier)
    assert rapport.valide and not lu
    assert valider.valider_dossier_en_cache(dossier)[1]  # relu dans le cache

    fautif = tables["allocations"].with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(-pl.col("credits_financiers_eur"))
        .otherwise(pl.col("credits_financiers_eur")).alias("credits_financiers_eur"))
    _remplacer_a_l_identique(dossier / "allocations.parquet", fautif)

    rapport, lu = valider.valider_dossier_en_cache(dossier)
    assert not lu, "rapport de l'ancien fichier servi depuis le cache"
    assert [(a.regle, a.fichier, a.lignes) for a in rapport.erreurs] == [
        ("valeur_negative", "allocations.parquet", [2])], rapport.texte()


def test_cubes_recalcules_si_le_contenu_change_a_taille_et_date_egales(tmp_path, cache_vide):
    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    _ecrire_brut(tables["orientations"], dossier / "orientations.parquet")
    avant = mesures.preparer(module_jeu.JeuDeDonnees(dossier)).mensuel
    double = tables["orientations"].with_columns(
        (pl.col(c) * 2).alias(c) for c in ("orientes", "acceptes", "entres"))
    _remplacer_a_l_identique(dossier / "orientations.parquet", double)

    apres = mesures.preparer(module_jeu.JeuDeDonnees(dossier)).mensuel
    colonne = next(c for c in avant.columns if c.startswith("orientes"))
    assert apres[colonne].sum() == pytest.approx(2 * avant[colonne].sum()), "cube de l'ancien fichier relu"


def test_empreintes_des_jeux_suivent_le_contenu(tmp_path):
    from requetes import acces

    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    _ecrire_brut(tables["agences"], dossier / "agences.parquet")
    jeu = module_jeu.JeuDeDonnees(dossier)
    avant = (jeu.empreinte, acces.empreinte(jeu, ("sites_ml", "agences")), cache.signature_fichiers(dossier))
    autre = tables["agences"].with_columns(pl.col("latitude") + 0.5)
    _remplacer_a_l_identique(dossier / "agences.parquet", autre)
    apres = (jeu.empreinte, acces.empreinte(jeu, ("sites_ml", "agences")), cache.signature_fichiers(dossier))
    for a, b in zip(avant, apres):
        assert a != b


def test_empreinte_lue_une_fois_par_etat_du_fichier(tmp_path, monkeypatch):
    import hashlib
    import time

    chemin = tmp_path / "f.parquet"
    chemin.write_bytes(b"PAR1" + bytes(1000) + b"PAR1")
    lectures = []
    vraie = cache._sha256
    monkeypatch.setattr(cache, "_sha256", lambda c: lectures.append(c) or vraie(c))
    premiere = cache.empreinte_fichier(chemin)
    assert cache.empreinte_fichier(chemin) == premiere and len(lectures) == 2  # changé à l'instant : relu
    monkeypatch.setattr(cache, "_MARGE_NS", 0)
    assert cache.empreinte_fichier(chemin) == premiere and len(lectures) == 3
    assert cache.empreinte_fichier(chemin) == premiere and len(lectures) == 3  # mémorisée : un stat
    time.sleep(0.05)  # les dates du noyau avancent par pas de quelques millisecondes
    etat = chemin.stat()
    chemin.write_bytes(b"PAR1" + bytes(999) + b"\x01PAR1")
    os.utime(chemin, ns=(etat.st_atime_ns, etat.st_mtime_ns))  # même taille, même date
    assert cache.empreinte_fichier(chemin) != premiere and len(lectures) == 4
    assert cache.empreinte_fichier(chemin) == hashlib.sha256(chemin.read_bytes()).hexdigest()
    assert len(lectures) == 4


# --------------------------------------------------------------------------------------------------
# CacheBorne : petit cache en mémoire sûr entre fils


def test_cache_borne_un_seul_calcul_pour_huit_fils():
    import time

    c = cache.CacheBorne(4)
    calculs = []

    def calcul():
        calculs.append(1)
        time.sleep(0.2)  # les sept autres fils arrivent pendant le calcul
        return {"valeur": len(calculs)}

    resultats = en_meme_temps(8, lambda: c.lire("cle", calcul), delai_s=60)
    assert len(calculs) == 1
    assert all(r is resultats[0] for r in resultats) and resultats[0] == {"valeur": 1}


def test_cache_borne_cles_differentes_en_parallele_et_borne():
    import threading

    c = cache.CacheBorne(2)
    ensemble = threading.Barrier(2, timeout=5)  # deux calculs de clés différentes se rencontrent

    def calcul(cle):
        ensemble.wait()
        return cle * 10

    resultats = []
    fils = [threading.Thread(target=lambda k=k: resultats.append(c.lire(k, lambda: calcul(k)))) for k in (1, 2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=10)
    assert sorted(resultats) == [10, 20]
    c.lire(1, lambda: 0)  # 1 devient la plus récente
    c.lire(3, lambda: 30)  # 2, la plus ancienne, s'en va
    assert 1 in c and 3 in c and 2 not in c and len(c) == 2


def test_cache_borne_calcul_en_echec_non_garde():
    import time

    c = cache.CacheBorne(4)
    essais = []

    def calcul():
        essais.append(1)
        time.sleep(0.1)
        if len(essais) == 1:
            raise RuntimeError("panne")
        return "bon"

    resultats = en_meme_temps(4, lambda: c.lire("cle", calcul), delai_s=60)
    assert sum(isinstance(r, RuntimeError) for r in resultats) == 1
    assert [r for r in resultats if not isinstance(r, RuntimeError)] == ["bon"] * 3
    assert len(essais) == 2


def test_cache_borne_eviction_concurrente_sans_erreur():
    """Plus de clés que de places, lues par huit fils : ni KeyError (clé vue puis évincée par un autre
    fil), ni valeur d'une autre clé."""
    c = cache.CacheBorne(2)

    def lecture():
        return [(k % 5, c.lire(k % 5, lambda k=k: ("valeur", k % 5))) for k in range(300)]

    for r in en_meme_temps(8, lecture, delai_s=60):
        assert not isinstance(r, BaseException), r
        assert all(v == ("valeur", k) for k, v in r)
