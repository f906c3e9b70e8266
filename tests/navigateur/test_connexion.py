"""Connexion de bout en bout dans Chromium : un vrai serveur du tableau de bord avec fichier d'accès
(``TDB_ACCES``) et secrets de test, un vrai fournisseur OpenID Connect local (oidc-provider-mock,
``tests/navigateur/fournisseur_oidc.py``).

- fournisseur standard : page de connexion → « Se connecter » → page d'autorisation du fournisseur
  (on y tape l'adresse) → retour sur le tableau de bord, identité et périmètre dans la barre latérale ;
  déconnexion (fin de session chez le fournisseur) → page de connexion ; adresse inconnue → refus ;
- variante ProConnect : le jeton d'identité n'a pas d'adresse ; le tableau de bord la lit dans le JWT
  userinfo signé (jeton d'accès exposé, signature vérifiée avec les clés du fournisseur).

Tout est sur 127.0.0.1 (navigateur, ``redirect_uri``, fournisseur) : les cookies de connexion sont posés
et relus sur le même hôte. Les secrets du serveur de test sont un fichier temporaire
(``STREAMLIT_SECRETS_FILES``) : le dossier ``.streamlit/`` du dépôt n'est pas touché. Chaque classe a son
serveur (un fournisseur par serveur, comme en production), arrêté à la fin de la classe.
"""

from __future__ import annotations

import re

import pytest

from tests.navigateur import harnais
from tests.navigateur.fournisseur_oidc import demarrer_fournisseur

ACCES = """
[[acces]]
email = "pilotage@unml.info"
profil = "national"
administrateur = true

[[acces]]
domaine = "arml-bfc.fr"
profil = "national"
"""
COOKIE = "cookie-secret-des-tests-de-connexion-0123456789"
DELAI_MS = 90_000


@pytest.fixture(scope="module")
def fournisseur(tmp_path_factory):
    f = demarrer_fournisseur(tmp_path_factory.mktemp("oidc") / "fournisseur.log")
    yield f
    f.arreter()


def _secrets(port: int, fournisseur, proconnect: bool) -> str:
    commun = f"""
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{COOKIE}"
"""
    if proconnect:
        return commun + f"""expose_tokens = ["access"]

[auth.proconnect]
client_id = "{fournisseur.client_id}"
client_secret = "{fournisseur.client_secret}"
server_metadata_url = "{fournisseur.metadonnees(proconnect=True)}"
client_kwargs = {{ scope = "openid email given_name usual_name siret", prompt = "login" }}
authorize_params = {{ acr_values = "eidas1" }}

[identite]
contact = "habilitations@unml.info"
"""
    return commun + f"""
[auth.oidc]
client_id = "{fournisseur.client_id}"
client_secret = "{fournisseur.client_secret}"
server_metadata_url = "{fournisseur.metadonnees()}"
"""


def _demarrer(tmp_path_factory, donnees_navigateur, fournisseur, proconnect: bool):
    dossier = tmp_path_factory.mktemp("connexion_proconnect" if proconnect else "connexion")
    port = harnais.port_libre()
    secrets = dossier / "secrets.toml"
    secrets.write_text(_secrets(port, fournisseur, proconnect), encoding="utf-8")
    acces = dossier / "acces.toml"
    acces.write_text(ACCES, encoding="utf-8")
    return harnais.demarrer_serveur(donnees_navigateur, dossier / "streamlit.log", port=port, env_en_plus={
        "TDB_ACCES": str(acces),
        # Options Streamlit par variables d'environnement (secrets.files : liste séparée par des espaces)
        "STREAMLIT_SECRETS_FILES": str(secrets),
    })


# --------------------------------------------------------------------------------------------------
# Outils


def _sans_jointures(texte: str) -> str:
    """Texte lu à l'écran sans les jointures invisibles (U+2060) qu'``echapper_markdown`` pose dans les
    adresses électroniques (pour qu'elles ne deviennent pas des liens)."""
    return texte.replace("\u2060", "")


def _texte_barre(page) -> str:
    return _sans_jointures(page.locator('[data-testid="stSidebar"]').inner_text())


def _texte_principal(page) -> str:
    return _sans_jointures(page.locator('[data-testid="stMain"]').inner_text())


def _se_connecter(page, serveur, sub: str) -> None:
    """Depuis la page de connexion : « Se connecter », puis la page d'autorisation du fournisseur."""
    page.get_by_role("button", name="Se connecter").click()
    champ = page.get_by_placeholder("sub")
    champ.wait_for(state="visible", timeout=DELAI_MS)
    champ.fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^{re.escape(serveur.url)}/"), timeout=DELAI_MS)
    harnais.attendre_fin_execution(page)


def _se_deconnecter(page, serveur, bouton) -> None:
    """Clic sur « Se déconnecter », fin de session chez le fournisseur, retour à la page de connexion."""
    bouton.click()
    fin = page.get_by_role("button", name="End session")
    fin.wait_for(state="visible", timeout=DELAI_MS)
    fin.click()
    page.wait_for_url(re.compile(rf"^{re.escape(serveur.url)}/"), timeout=DELAI_MS)
    harnais.attendre_fin_execution(page)
    page.get_by_role("button", name="Se connecter").wait_for(state="visible", timeout=DELAI_MS)


def _verifier_sans_erreur(page, fournisseur) -> None:
    """``harnais.verifier_sans_erreur`` pour le tableau de bord seul : les pages du fournisseur de test
    demandent leur feuille de style à un CDN (bloquée, sans effet) et leur icône (404)."""
    lignes = [ligne for ligne in harnais.problemes(page)
              if fournisseur.url not in ligne and "cdn.jsdelivr.net" not in ligne]
    assert not lignes, f"Problèmes sur {page.url} :\n- " + "\n- ".join(lignes)


def _page_de_connexion(page) -> None:
    titre = page.get_by_role("heading", name="Pilotage du partenariat renforcé")
    titre.wait_for(state="visible", timeout=DELAI_MS)
    assert "réservé aux personnes habilitées" in _texte_principal(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0  # aucun chiffre avant la connexion


# --------------------------------------------------------------------------------------------------
# Fournisseur standard


@pytest.fixture(scope="class")
def serveur_standard(tmp_path_factory, donnees_navigateur, fournisseur):
    s = _demarrer(tmp_path_factory, donnees_navigateur, fournisseur, proconnect=False)
    yield s
    s.arreter()


@pytest.fixture(scope="class")
def serveur_proconnect(tmp_path_factory, donnees_navigateur, fournisseur):
    s = _demarrer(tmp_path_factory, donnees_navigateur, fournisseur, proconnect=True)
    yield s
    s.arreter()


class TestFournisseurStandard:
    @pytest.fixture
    def serveur(self, serveur_standard):
        return serveur_standard

    @pytest.fixture
    def onglet(self, navigateur, serveur):
        with harnais.onglet_surveille(navigateur, serveur.url) as page:
            yield page

    def test_connexion_puis_deconnexion(self, onglet, serveur, fournisseur):
        harnais.ouvrir(onglet, "")
        _page_de_connexion(onglet)

        _se_connecter(onglet, serveur, "Pilotage@UNML.info")
        onglet.locator('[data-testid="stMetric"]').first.wait_for(state="visible", timeout=DELAI_MS)
        barre = _texte_barre(onglet)
        assert "pilotage@unml.info" in barre
        assert "Périmètre : National" in barre
        assert "Administrateur" in barre
        assert "Mode local" not in barre
        _verifier_sans_erreur(onglet, fournisseur)

        # la connexion tient d'une page à l'autre (cookie), sans repasser par le fournisseur
        harnais.ouvrir(onglet, "budget")
        assert "pilotage@unml.info" in _texte_barre(onglet)

        bouton = onglet.locator('[data-testid="stSidebar"]').get_by_role("button", name="Se déconnecter")
        _se_deconnecter(onglet, serveur, bouton)
        _page_de_connexion(onglet)
        _verifier_sans_erreur(onglet, fournisseur)

    def test_adresse_inconnue_refusee(self, onglet, serveur, fournisseur):
        harnais.ouvrir(onglet, "")
        _se_connecter(onglet, serveur, "agent@ailleurs.fr")
        principal = onglet.locator('[data-testid="stMain"]')
        onglet.get_by_role("heading", name="Accès non autorisé").wait_for(state="visible", timeout=DELAI_MS)
        texte = _texte_principal(onglet)
        assert "agent@ailleurs.fr" in texte
        assert "ne figure pas dans la liste des personnes habilitées" in texte
        assert onglet.locator('[data-testid="stMetric"]').count() == 0
        _verifier_sans_erreur(onglet, fournisseur)
        _se_deconnecter(onglet, serveur, principal.get_by_role("button", name="Se déconnecter"))
        _page_de_connexion(onglet)


# --------------------------------------------------------------------------------------------------
# Variante ProConnect (JWT userinfo signé)


class TestProConnect:
    @pytest.fixture
    def serveur(self, serveur_proconnect):
        return serveur_proconnect

    @pytest.fixture
    def onglet(self, navigateur, serveur):
        with harnais.onglet_surveille(navigateur, serveur.url) as page:
            yield page

    def test_adresse_lue_dans_le_jwt_userinfo(self, onglet, serveur, fournisseur):
        fournisseur.ajouter_usager_proconnect("pc-0001", {
            "email": "Camille.Martin@arml-bfc.fr", "given_name": "Camille", "usual_name": "Martin",
            "siret": "12345678900011", "uid": "42"})
        harnais.ouvrir(onglet, "")
        _page_de_connexion(onglet)
        assert "ProConnect" in _texte_principal(onglet)

        _se_connecter(onglet, serveur, "pc-0001")
        onglet.locator('[data-testid="stMetric"]').first.wait_for(state="visible", timeout=DELAI_MS)
        barre = _texte_barre(onglet)
        assert "Camille Martin" in barre
        assert "camille.martin@arml-bfc.fr" in barre
        assert "Périmètre : National" in barre
        assert "Consultation" in barre
        _verifier_sans_erreur(onglet, fournisseur)
        journal = serveur.fin_du_journal(200_000)
        assert "non vérifiée" not in journal

    def test_sans_adresse_dans_le_jwt_refuse(self, onglet, serveur, fournisseur):
        fournisseur.ajouter_usager_proconnect("pc-0002", {"given_name": "Dominique", "usual_name": "Petit"})
        harnais.ouvrir(onglet, "")
        _se_connecter(onglet, serveur, "pc-0002")
        onglet.get_by_role("heading", name="Accès non autorisé").wait_for(state="visible", timeout=DELAI_MS)
        texte = _texte_principal(onglet)
        assert "Dominique Petit" in texte
        assert "pas transmis d'adresse électronique vérifiée" in texte
        assert "habilitations@unml.info" in texte
        _verifier_sans_erreur(onglet, fournisseur)
