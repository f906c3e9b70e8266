"""Une panne passagère du moteur n'est pas un verdict sur les données (issue 12, point 1).

Injection de panne : pendant la validation, DuckDB lève ``OutOfMemoryException`` (comme quand la mémoire
manque vraiment) sur la lecture des lignes d'un fichier. Avant la correction, le validateur en faisait
« fichier illisible », verdict gardé sur disque et dans ``st.cache_data`` : l'application ne montrait
plus que la page d'erreurs, pour toujours, et la page Données disparaissait.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from donnees import cache
from donnees import valider as module_valider
from tests.fabrique import ecrire_jeu, jeu_minimal

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")


class Panne:
    """Fait échouer ``_Validation._regles_table`` (une requête DuckDB) ``nb`` fois, puis laisse passer."""

    def __init__(self, monkeypatch, nb: int):
        self.reste = nb
        self.appels = 0
        original = module_valider._Validation._regles_table

        def regles_table(validation, f):
            self.appels += 1
            if self.reste > 0:
                self.reste -= 1
                raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data (panne simulée)")
            return original(validation, f)

        monkeypatch.setattr(module_valider._Validation, "_regles_table", regles_table)


@pytest.fixture
def jeu(tmp_path, monkeypatch):
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    monkeypatch.setenv("TDB_VERSIONS", str(tmp_path / "versions"))
    monkeypatch.setenv("TDB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr("interface.chargement.PAUSES_ENTRE_TENTATIVES_S", (0.0,))
    return dossier


def _rapports_sur_disque(dossier_cache: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in (dossier_cache / "validation").glob("*.json")]


def _titres(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_le_validateur_leve_une_panne_au_lieu_d_un_verdict(jeu, monkeypatch):
    Panne(monkeypatch, nb=1)
    with pytest.raises(module_valider.ErreurMoteur, match="OutOfMemoryException"):
        module_valider.valider_dossier_en_cache(jeu)
    assert not _rapports_sur_disque(cache.dossier_cache())  # rien d'écrit : ce n'était pas un verdict
    rapport, lu = module_valider.valider_dossier_en_cache(jeu)  # la panne est passée
    assert rapport.valide and not lu
    assert len(_rapports_sur_disque(cache.dossier_cache())) == 1


def test_python_m_donnees_valider_sort_en_code_2_sur_une_panne(jeu, monkeypatch, capsys):
    Panne(monkeypatch, nb=1)
    assert module_valider.main([str(jeu)]) == 2
    assert "pas un défaut des données" in capsys.readouterr().err
    assert module_valider.main([str(jeu)]) == 0


def test_une_panne_puis_reprise_dans_la_meme_execution(jeu, monkeypatch):
    """DuckDB échoue une fois : l'essai suivant réussit, et le jeu est en service dès cet affichage."""
    panne = Panne(monkeypatch, nb=1)
    at = AppTest.from_file(ENTREE, default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    assert panne.appels >= 2  # un échec, puis un contrôle complet
    assert "Le jeu de données ne peut pas être chargé" not in _titres(at)
    assert at.selectbox(key="annee") is not None  # les filtres du tableau de bord : le jeu est en service
    rapports = _rapports_sur_disque(cache.dossier_cache())
    assert len(rapports) == 1 and not rapports[0]["erreurs"]


def test_une_panne_qui_dure_ne_reste_pas_en_cache(jeu, monkeypatch):
    """La panne dure au-delà des essais : page « momentanément impossible », page Données accessible,
    rien en cache ; la panne finie, l'affichage suivant montre le jeu en service."""
    from interface import chargement

    panne = Panne(monkeypatch, nb=1000)
    at = AppTest.from_file(ENTREE, default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _titres(at) == ["Contrôle du jeu de données momentanément impossible"]
    assert any("OutOfMemoryException" in t.value for t in at.text)
    assert panne.appels == chargement.TENTATIVES_VALIDATION  # réessayé, sans insister au-delà
    assert not _rapports_sur_disque(cache.dossier_cache())

    at.switch_page("pages/donnees.py").run()  # la page Données reste accessible pendant la panne
    assert not at.exception, [e.value for e in at.exception]
    assert any("Données" in t.value for t in at.title)
    assert not _rapports_sur_disque(cache.dossier_cache())

    panne.reste = 0  # la panne est finie : l'affichage suivant montre le jeu en service
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="annee") is not None
    rapports = _rapports_sur_disque(cache.dossier_cache())
    assert len(rapports) == 1 and not rapports[0]["erreurs"]


def test_un_jeu_non_conforme_laisse_la_page_donnees_accessible(tmp_path, monkeypatch):
    """Dossier initial invalide, aucune version en service : la page d'erreurs, et la page Données pour
    importer un jeu corrigé ou remettre une version en service."""
    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    (dossier / "enveloppe.parquet").write_bytes(b"pas du parquet")
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    monkeypatch.setenv("TDB_VERSIONS", str(tmp_path / "versions"))
    at = AppTest.from_file(ENTREE, default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Le jeu de données ne peut pas être chargé" in _titres(at)
    at.switch_page("pages/donnees.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Données" in t.value for t in at.title)


def test_signature_en_memoire_suit_le_contenu_a_taille_et_date_egales(tmp_path):
    """Clé des caches en mémoire du serveur (rapport, jeu ouvert, requêtes) : un fichier remplacé par un
    autre de même taille, avec la même date de modification (``cp -p``, ``rsync -a``), change la clé.
    Avant : (nom, taille, date) restait identique, le serveur servait l'ancien jeu jusqu'au redémarrage."""
    import os

    from interface.chargement import signature

    dossier = ecrire_jeu(tmp_path / "jeu", jeu_minimal())
    cible = dossier / "enveloppe.parquet"
    contenu = bytearray(cible.read_bytes())
    etat = cible.stat()
    avant = signature(dossier)
    i = len(contenu) // 2
    contenu[i] = (contenu[i] + 1) % 256  # même taille, contenu différent
    cible.write_bytes(bytes(contenu))
    os.utime(cible, ns=(etat.st_atime_ns, etat.st_mtime_ns))  # même date de modification
    assert cible.stat().st_size == etat.st_size and cible.stat().st_mtime_ns == etat.st_mtime_ns
    assert signature(dossier) != avant


def test_panne_ni_dans_le_titre_ni_dans_le_pied_comme_un_verdict(jeu, monkeypatch):
    """Pendant une panne, ni la navigation ni le pied de page ne parlent de données « non conformes »."""
    from interface import chargement
    from interface.pied import texte_pied

    Panne(monkeypatch, nb=1000)
    at = AppTest.from_file(ENTREE, default_timeout=240).run()
    assert not at.exception, [e.value for e in at.exception]
    etat = chargement.EtatJeu(dossier=jeu, demo=False, signature=(), valide=False, transitoire=True)
    assert "contrôle momentanément impossible" in texte_pied(etat) and "non respecté" not in texte_pied(etat)
    pied = " ".join(m.value for m in at.caption) + " ".join(m.value for m in at.markdown)
    assert "non respecté" not in pied and "Données non conformes" not in pied
