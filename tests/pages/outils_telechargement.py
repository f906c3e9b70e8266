"""Relire, dans un test AppTest, le fichier servi par un bouton de téléchargement.

Les boutons de l'application fabriquent leur fichier au clic (``data`` appelable de ``st.download_button``) :
le proto du bouton ne porte alors pas d'URL mais un ``deferred_file_id``, et l'appelable est gardé par le
gestionnaire des fichiers (``MediaFileManager``) du runtime. AppTest crée un gestionnaire neuf à chaque
``run()`` et l'oublie à la fin : la fixture ``gestionnaires_telechargement`` (autouse) les enregistre.

``contenu_telechargement(bouton)`` fait ensuite ce que fait le serveur quand le navigateur demande le fichier :
``execute_deferred(file_id)`` (comme ``DeferredFileHandler``) exécute l'appelable, range les octets et rend
l'URL ``/media/<id>.<ext>`` ; les octets sont relus à cette URL (``read_file``, comme la route ``/media``).
Un bouton à données immédiates (``data`` en octets) a déjà une URL : elle est relue de la même façon.

Un module de test s'en sert en important les deux noms (la fixture importée s'applique à ses tests) :
``from tests.pages.outils_telechargement import contenu_telechargement, gestionnaires_telechargement``.
``relire_paire(at, cle)`` relit les deux fichiers d'un couple de boutons ``<cle>_csv`` / ``<cle>_xlsx``
(ceux de ``boutons_telechargement``) et vérifie qu'ils portent le même tableau.
"""

from __future__ import annotations

import io
from typing import ClassVar

import openpyxl
import polars as pl
import pytest
import streamlit.testing.v1.app_test as module_app_test
from streamlit.runtime.media_file_manager import MediaFileManager


class _GestionnaireEnregistre(MediaFileManager):
    """Gestionnaire des fichiers d'une exécution AppTest, gardé pour servir les téléchargements après coup."""

    instances: ClassVar[list[MediaFileManager]] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _GestionnaireEnregistre.instances.append(self)


@pytest.fixture(autouse=True)
def gestionnaires_telechargement(monkeypatch):
    """Enregistre les gestionnaires de fichiers créés par les exécutions AppTest du test."""
    _GestionnaireEnregistre.instances.clear()
    monkeypatch.setattr(module_app_test, "MediaFileManager", _GestionnaireEnregistre)
    yield _GestionnaireEnregistre.instances
    _GestionnaireEnregistre.instances.clear()  # libère les tableaux retenus par les appelables


def _lire(gestionnaire: MediaFileManager, url: str) -> bytes | None:
    fichier = gestionnaire.read_file(url.rsplit("/", 1)[-1])
    return None if fichier is None else bytes(fichier.content)


def contenu_telechargement(bouton) -> bytes:
    """Octets que le navigateur recevrait en cliquant sur ``bouton`` (élément ``download_button`` d'AppTest).

    Un fichier différé est fabriqué ici, à la demande, par le gestionnaire de l'exécution qui a affiché le
    bouton ; une erreur de l'appelable remonte telle quelle (``MediaFileStorageError``)."""
    gestionnaires = list(reversed(_GestionnaireEnregistre.instances))  # le plus récent d'abord
    assert gestionnaires, ("aucune exécution AppTest enregistrée : importer la fixture "
                           "gestionnaires_telechargement dans le module de test")
    proto = bouton.proto
    if proto.HasField("deferred_file_id"):
        identifiant = proto.deferred_file_id
        for gestionnaire in gestionnaires:
            # Appelables enregistrés par add_deferred() pendant l'exécution (attribut interne de Streamlit).
            if identifiant in gestionnaire._deferred_callables:
                url = gestionnaire.execute_deferred(identifiant)
                octets = _lire(gestionnaire, url)
                assert octets is not None, f"fichier différé {identifiant} fabriqué mais introuvable à {url}"
                return octets
        raise AssertionError(f"fichier différé {identifiant} ({proto.id}) introuvable")
    assert proto.url, f"bouton {proto.id} sans fichier (ni URL ni fichier différé)"
    for gestionnaire in gestionnaires:
        octets = _lire(gestionnaire, proto.url)
        if octets is not None:
            return octets
    raise AssertionError(f"fichier {proto.url} introuvable")


def relire_paire(at, cle: str) -> pl.DataFrame:
    """Fichiers des boutons ``<cle>_csv`` et ``<cle>_xlsx`` de ``at`` : CSV français (BOM, « ; », virgule
    décimale ; colonnes « Code… » lues en texte) et XLSX aux mêmes en-têtes et au même nombre de lignes.
    Rend le tableau du CSV."""
    octets = contenu_telechargement(at.download_button(key=f"{cle}_csv"))
    bom = "\ufeff".encode()
    assert octets.startswith(bom), octets[:20]
    texte = octets[len(bom):]
    colonnes = pl.read_csv(io.BytesIO(texte), separator=";", n_rows=0).columns
    csv = pl.read_csv(io.BytesIO(texte), separator=";", decimal_comma=True, infer_schema_length=None,
                      schema_overrides={c: pl.Utf8 for c in colonnes if c.startswith("Code")})
    classeur = openpyxl.load_workbook(io.BytesIO(contenu_telechargement(at.download_button(key=f"{cle}_xlsx"))),
                                      read_only=True)
    lignes = list(classeur.active.iter_rows(values_only=True))
    assert list(lignes[0]) == csv.columns, (lignes[0], csv.columns)
    assert len(lignes) - 1 == csv.height
    return csv


__all__ = ["contenu_telechargement", "gestionnaires_telechargement", "relire_paire"]
