"""Le harnais voit bien ce qu'il doit voir : sans ces tests, un test de fumée « vert » pourrait
seulement vouloir dire que la surveillance ne surveille rien."""

from __future__ import annotations

import re

import pytest

from tests.navigateur import harnais
from tests.navigateur.harnais import ouvrir, problemes, surveillance, verifier_sans_erreur


@pytest.mark.parametrize(
    ("url", "autorisee"),
    [
        ("http://127.0.0.1:8501/_stcore/health", True),
        ("ws://localhost:8501/_stcore/stream", True),
        ("http://[::1]:8501/", True),
        ("data:image/png;base64,AAAA", True),
        ("blob:http://127.0.0.1:8501/1234", True),
        ("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", False),
        ("https://fonts.gstatic.com/s/i/x.svg", False),
        ("http://127.0.0.2.exemple.fr/", False),
        ("ftp://127.0.0.1/x", False),
    ],
)
def test_requete_autorisee(url, autorisee):
    assert harnais.requete_autorisee(url) is autorisee


def test_le_harnais_bloque_et_signale_une_requete_sortante(page_app):
    ouvrir(page_app, "")
    assert problemes(page_app) == []
    resultat = page_app.evaluate(
        """async () => { try { await fetch('https://exemple.invalid/traceur.js'); return 'passée'; }
                         catch (e) { return 'bloquée'; } }"""
    )
    assert resultat == "bloquée"
    assert surveillance(page_app).hors_local == ["GET https://exemple.invalid/traceur.js"]
    with pytest.raises(AssertionError, match=re.escape("Requête hors localhost : GET https://exemple.invalid")):
        verifier_sans_erreur(page_app)


def test_le_harnais_signale_une_exception_affichee_et_une_reponse_404(page_app):
    ouvrir(page_app, "")
    page_app.evaluate(
        """async () => {
             const div = document.createElement('div');
             div.setAttribute('data-testid', 'stException');
             div.textContent = 'ZeroDivisionError: division by zero';
             document.querySelector('[data-testid="stMainBlockContainer"]').appendChild(div);
             await fetch('/media/ce-fichier-n-existe-pas.png');
           }"""
    )
    liste = problemes(page_app)
    assert any("ZeroDivisionError: division by zero" in ligne for ligne in liste), liste
    assert any("ce-fichier-n-existe-pas.png : HTTP 404" in ligne for ligne in liste), liste


def test_une_adresse_de_page_inconnue_est_signalee(page_app):
    page_app.goto(harnais.url_page(page_app, "page_qui_n_existe_pas"), wait_until="domcontentloaded")
    harnais.attendre_fin_execution(page_app)
    page_app.wait_for_timeout(500)
    assert any("page introuvable" in ligne for ligne in problemes(page_app)), problemes(page_app)
