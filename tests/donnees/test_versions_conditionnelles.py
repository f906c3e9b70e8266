"""Magasin de versions, suite de la relecture de sécurité (issue 12, point 8).

- Un import ou une remise en service faits depuis une page périmée ne remplacent plus en silence une
  version plus récente : l'opération porte la version que l'utilisateur voyait, et le dit quand elle a
  changé.
- Une table reprise de la version en service est comparée à l'empreinte SHA-256 de son manifeste.
- Une archive zip dont les fichiers sont rangés dans plusieurs dossiers est refusée.
"""

from __future__ import annotations

import os
import shutil
import stat

import polars as pl
import pytest

from donnees import import_securise as imp
from donnees import versions
from donnees.contrat import TABLES

# Le magasin modèle des tests d'import (une version importée en service), recopié pour chaque test.
from tests.donnees.test_import_securise import magasin, modele, zip_de  # noqa: F401 — fixtures
from tests.fabrique import ecrire_jeu, jeu_minimal, octets_parquet


def _activite(plus: int) -> tuple[str, bytes]:
    df = jeu_minimal()["activite"].with_columns(pl.col("premiers_accueils") + plus)
    return TABLES["activite"].fichier, octets_parquet(df)


def test_import_depuis_une_page_perimee_refuse_sans_rien_changer(magasin):
    base, racine = magasin
    vue = versions.version_en_service(racine, base)  # ce que montrait la page de Camille
    r_dominique = imp.importer_televersements(racine, [_activite(1)], auteur="Dominique", base=base, attendue=vue.id)
    assert r_dominique.accepte  # Dominique importe pendant que Camille lit la page
    avant = versions.version_en_service(racine, base)
    r_camille = imp.importer_televersements(racine, [_activite(2)], auteur="Camille", base=base, attendue=vue.id)
    assert not r_camille.accepte
    assert [e.regle for e in r_camille.erreurs] == ["version_changee"]
    message = r_camille.erreurs[0].message
    assert f"vous voyiez la version n° {vue.numero}" in message
    assert f"c'est maintenant la version n° {avant.numero}" in message and "Dominique" in message
    assert versions.version_en_service(racine, base).id == avant.id  # rien n'a changé
    assert len(versions.lister_versions(racine)) == avant.numero


def test_import_depuis_une_page_a_jour_accepte(magasin):
    base, racine = magasin
    vue = versions.version_en_service(racine, base)
    assert imp.importer_televersements(racine, [_activite(1)], base=base, attendue=vue.id).accepte
    # sans condition (ligne de commande, API) : comme avant
    assert imp.importer_televersements(racine, [_activite(2)], base=base).accepte


def test_premier_import_attendu_sur_le_dossier_initial(tmp_path):
    base = ecrire_jeu(tmp_path / "initial", jeu_minimal())
    racine = tmp_path / "magasin"
    assert imp.importer_televersements(racine, [_activite(1)], base=base, attendue=None).accepte
    r = imp.importer_televersements(racine, [_activite(2)], base=base, attendue=None)  # page d'avant l'import
    assert not r.accepte and r.erreurs[0].regle == "version_changee"
    assert "vous voyiez le dossier initial" in r.erreurs[0].message


def test_remise_en_service_depuis_une_page_perimee(magasin):
    base, racine = magasin
    toutes = versions.lister_versions(racine)
    vue = versions.version_en_service(racine, base)
    autre = next(v for v in toutes if v.id != vue.id)
    assert imp.importer_televersements(racine, [_activite(1)], base=base).accepte  # quelqu'un d'autre
    nouvelle = versions.version_en_service(racine, base)
    with pytest.raises(versions.VersionChangee, match=f"c'est maintenant la version n° {nouvelle.numero}"):
        versions.remettre_en_service(racine, autre.id, base=base, attendue=vue.id)
    assert versions.version_en_service(racine, base).id == nouvelle.id
    versions.remettre_en_service(racine, autre.id, base=base, attendue=nouvelle.id)  # page relue : permis
    assert versions.version_en_service(racine, base).id == autre.id


def test_table_reprise_alteree_refusee(magasin):
    """Un fichier de la version en service modifié après coup (disque, main humaine) n'est pas recopié
    en silence dans la version suivante."""
    base, racine = magasin
    en_service = versions.version_en_service(racine, base)
    cible = en_service.dossier / "contexte.parquet"
    os.chmod(en_service.dossier, stat.S_IRWXU)
    os.chmod(cible, stat.S_IRUSR | stat.S_IWUSR)
    autre = jeu_minimal()["contexte"].with_columns(pl.col("population_16_25") + 1)
    cible.write_bytes(octets_parquet(autre))
    r = imp.importer_televersements(racine, [_activite(1)], base=base)
    assert not r.accepte
    assert [(e.regle, e.fichier) for e in r.erreurs] == [("reprise_alteree", "contexte.parquet")]
    assert versions.version_en_service(racine, base).id == en_service.id
    assert not [p for p in racine.iterdir() if p.name.startswith(versions.PREFIXE_ECRITURE)]


def test_zip_dont_les_fichiers_sont_dans_plusieurs_dossiers_refuse(magasin):
    base, racine = magasin
    avant = versions.version_en_service(racine, base)
    contexte = octets_parquet(jeu_minimal()["contexte"])
    for entrees in (
        [("juin/activite.parquet", _activite(1)[1]), ("juillet/contexte.parquet", contexte)],
        [("activite.parquet", _activite(1)[1]), ("juillet/contexte.parquet", contexte)],
    ):
        r = imp.importer_televersements(racine, [("exports.zip", zip_de(entrees))], base=base)
        assert not r.accepte
        assert "zip_plusieurs_dossiers" in {e.regle for e in r.erreurs}, r.texte()
        assert versions.version_en_service(racine, base).id == avant.id
    # un seul dossier, ou la racine seule : accepté
    r = imp.importer_televersements(
        racine, [("exports.zip", zip_de([("juin/activite.parquet", _activite(1)[1]),
                                          ("juin/contexte.parquet", contexte)]))], base=base)
    assert r.accepte, r.texte()


def test_le_refus_de_zip_ne_laisse_rien(magasin, tmp_path):
    base, racine = magasin
    copie = tmp_path / "copie"
    shutil.copytree(racine, copie, symlinks=True)
    contexte = octets_parquet(jeu_minimal()["contexte"])
    imp.importer_televersements(racine, [("x.zip", zip_de([("a/activite.parquet", _activite(1)[1]),
                                                           ("b/contexte.parquet", contexte)]))], base=base)
    assert sorted(p.name for p in racine.iterdir()) == sorted(p.name for p in copie.iterdir())
