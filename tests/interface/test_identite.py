"""Connexion, fichier d'accès et encart de la personne connectée (interface/identite.py).

- configuration lue dans les secrets (``lire_configuration``), sans Streamlit ;
- le tableau de bord entier par AppTest (point d'entrée) : mode local (bandeau), connexion mal configurée,
  page de connexion, refus, personne habilitée (national, région, Mission Locale, domaine), fichier
  d'accès devenu non conforme, chemin ProConnect (JWT userinfo gardé pour la session, jeton expiré) ;
- vérification du JWT userinfo de ProConnect avec des clés générées ici et un petit serveur HTTP sur
  127.0.0.1 (métadonnées, JWKS, userinfo) : signature, ``aud``, ``sub``, réponse non signée, jeton
  refusé, rotation des clés ;
- lancement (``python -m interface.lancement``) arrêté net par un fichier d'accès non conforme.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from donnees.habilitations import Perimetre
from interface import identite
from tests.fabrique import ecrire_jeu, jeu_minimal
from tests.outils_markdown import texte_affiche

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
DELAI = 300

ACCES = """
[[acces]]
email = "Pilotage@UNML.info"
profil = "national"
administrateur = true

[[acces]]
domaine = "arml-bfc.fr"
profil = "region"
code = "27"

[[acces]]
email = "direction@ml-belfort.fr"
profil = "ml"
code = "MLA"
"""

COOKIE = "c" * 40


@pytest.fixture(autouse=True)
def caches_vides():
    """Chaque test part de caches vides (métadonnées, clés, claims userinfo gardées par connexion)."""
    identite.vider_caches()
    yield
    identite.vider_caches()


def secrets_oidc(**en_plus) -> dict:
    auth = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": COOKIE,
            "oidc": {"client_id": "tdb", "client_secret": "secret",
                     "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
    auth.update(en_plus)
    return {"auth": auth}


def secrets_proconnect() -> dict:
    return {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": COOKIE,
                     "expose_tokens": ["access"],
                     "proconnect": {"client_id": "tdb", "client_secret": "secret",
                                    "server_metadata_url": "http://127.0.0.1:9/api/v2/.well-known/openid-configuration",
                                    "client_kwargs": {"scope": "openid email given_name usual_name siret",
                                                      "prompt": "login"},
                                    "authorize_params": {"acr_values": "eidas1"}}},
            "identite": {"contact": "habilitations@unml.info"}}


# --------------------------------------------------------------------------------------------------
# Configuration (sans Streamlit)


def test_configuration_absente():
    conf = identite.lire_configuration({})
    assert conf.auth is None and not conf.configuree
    assert "[auth] est absente" in conf.problemes[0]


def test_configuration_complete_un_fournisseur():
    conf = identite.lire_configuration(secrets_oidc())
    assert conf.problemes == ()
    assert conf.configuree and conf.fournisseur == "oidc"
    assert not conf.par_userinfo("oidc")
    assert conf.libelle_fournisseur() == "votre compte professionnel"


def test_configuration_fournisseur_par_defaut():
    secrets = {"auth": {"redirect_uri": "https://tdb.exemple.fr/oauth2callback", "cookie_secret": COOKIE,
                        "client_id": "a", "client_secret": "b", "server_metadata_url": "https://idp/.well-known"}}
    conf = identite.lire_configuration(secrets)
    assert conf.problemes == () and conf.fournisseur == "default"


def test_configuration_proconnect():
    conf = identite.lire_configuration(secrets_proconnect())
    assert conf.problemes == ()
    assert conf.fournisseur == "proconnect" and conf.par_userinfo("proconnect")
    assert conf.libelle_fournisseur() == "ProConnect"
    assert conf.contact == "habilitations@unml.info"
    # sans jeton d'accès exposé ni prompt=login : deux problèmes dits en clair
    s = secrets_proconnect()
    del s["auth"]["expose_tokens"]
    del s["auth"]["proconnect"]["client_kwargs"]["prompt"]
    problemes = " ".join(identite.lire_configuration(s).problemes)
    assert 'expose_tokens = ["access"]' in problemes
    assert 'prompt = "login"' in problemes
    # un fournisseur autrement nommé, désigné comme ProConnect par [identite] userinfo_jwt
    s = secrets_proconnect()
    s["auth"]["pc-integ"] = s["auth"].pop("proconnect")
    s["identite"]["userinfo_jwt"] = ["pc-integ"]
    conf = identite.lire_configuration(s)
    assert conf.problemes == () and conf.par_userinfo("pc-integ")


def test_configuration_problemes():
    s = secrets_oidc()
    s["auth"]["keycloak"] = {"client_id": "x", "server_metadata_url": "https://kc/.well-known"}
    conf = identite.lire_configuration(s)
    assert conf.fournisseur is None
    assert any("plusieurs fournisseurs" in p for p in conf.problemes)
    assert any("[auth.keycloak] : client_secret manque" in p for p in conf.problemes)
    s["identite"] = {"fournisseur": "oidc"}
    assert identite.lire_configuration(s).fournisseur == "oidc"
    s["identite"] = {"fournisseur": "absent"}
    assert any("[auth.absent]" in p for p in identite.lire_configuration(s).problemes)

    s = secrets_oidc(redirect_uri="http://127.0.0.1:8501/", cookie_secret="court")
    s["auth"]["mon_idp"] = s["auth"].pop("oidc")
    problemes = " ".join(identite.lire_configuration(s).problemes)
    assert "/oauth2callback" in problemes and "trop court" in problemes and "« _ »" in problemes
    assert "aucun fournisseur" in " ".join(identite.lire_configuration({"auth": {"cookie_secret": COOKIE}}).problemes)


def test_email_verifie():
    assert identite._email({"email": " Agent@Exemple.FR "}) == "agent@exemple.fr"
    assert identite._email({"email": "a@b.fr", "email_verified": False}) is None
    assert identite._email({"email": "a@b.fr", "email_verified": True}) == "a@b.fr"
    assert identite._email({"sub": "x"}) is None


# --------------------------------------------------------------------------------------------------
# Tableau de bord entier (AppTest)


@pytest.fixture(scope="module")
def dossier(tmp_path_factory) -> Path:
    return ecrire_jeu(tmp_path_factory.mktemp("jeu_identite"), jeu_minimal())


@pytest.fixture
def fichier_acces(tmp_path) -> Path:
    chemin = tmp_path / "acces.toml"
    chemin.write_text(ACCES, encoding="utf-8")
    return chemin


def ouvrir(monkeypatch, dossier: Path, acces: Path | None, secrets: dict | None = None,
           user: dict | None = None) -> AppTest:
    monkeypatch.setenv("TDB_DONNEES", str(dossier))
    if acces is None:
        monkeypatch.delenv("TDB_ACCES", raising=False)
    else:
        monkeypatch.setenv("TDB_ACCES", str(acces))
    at = AppTest.from_file(ENTREE, default_timeout=DELAI)
    for cle, valeur in (secrets or {}).items():
        at.secrets[cle] = valeur
    at.user = user if user is not None else {}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def textes(elements) -> str:
    return texte_affiche("\n".join(str(e.value) for e in elements))


def tout(at: AppTest) -> str:
    return textes([*at.title, *at.markdown, *at.caption, *at.warning, *at.error, *at.info])


def connecte(email: str, **claims) -> dict:
    return {"is_logged_in": True, "email": email, "sub": f"sub-{email}", "provider": "oidc", **claims}


def app_normale(at: AppTest) -> bool:
    """La page d'accueil s'est exécutée (chiffres clés affichés)."""
    return len(at.metric) > 0


def test_mode_local_bandeau(monkeypatch, dossier):
    at = ouvrir(monkeypatch, dossier, None)
    assert app_normale(at)
    bandeau = textes(at.sidebar.warning)
    assert "Mode local : tout est ouvert" in bandeau and "un seul poste de travail" in bandeau
    assert "TDB_ACCES" in bandeau
    assert not [b for b in at.sidebar.button if b.label == "Se déconnecter"]
    assert at.session_state[identite.CLE_PERIMETRE] == Perimetre.LOCAL


def test_connexion_mal_configuree(monkeypatch, dossier, fichier_acces):
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets={"import_autorise": False},
                user=connecte("pilotage@unml.info"))
    assert [t.value for t in at.title] == ["Connexion mal configurée"]
    assert "[auth] est absente" in tout(at)
    assert not app_normale(at)
    assert identite.CLE_PERIMETRE not in at.session_state


def test_page_de_connexion(monkeypatch, dossier, fichier_acces):
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(), user={"is_logged_in": False})
    assert [t.value for t in at.title] == ["Pilotage du partenariat renforcé"]
    assert "réservé aux personnes habilitées" in tout(at)
    assert [b.label for b in at.button] == ["Se connecter"]
    assert not app_normale(at) and not at.sidebar.markdown
    # AppTest sans « is_logged_in » : personne de connecté non plus
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(), user={"email": "pilotage@unml.info"})
    assert [b.label for b in at.button] == ["Se connecter"]


def test_identite_inconnue_refusee(monkeypatch, dossier, fichier_acces):
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(),
                user=connecte("Inconnu@Ailleurs.fr", name="Camille Martin"))
    assert [t.value for t in at.title] == ["Accès non autorisé"]
    texte = tout(at)
    assert "inconnu@ailleurs.fr" in texte and "Camille Martin" in texte
    assert "ne figure pas dans la liste des personnes habilitées" in texte
    assert "votre ARML" in texte  # à qui demander
    assert [b.label for b in at.button] == ["Se déconnecter"]
    assert not app_normale(at)
    # adresse déclarée non vérifiée : refus, et la page le dit
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(),
                user=connecte("pilotage@unml.info", email_verified=False))
    assert [t.value for t in at.title] == ["Accès non autorisé"]
    assert "pas transmis d'adresse électronique vérifiée" in tout(at)


def test_contact_configure(monkeypatch, dossier, fichier_acces):
    secrets = secrets_oidc()
    secrets["identite"] = {"contact": "habilitations@unml.info"}
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets, user=connecte("x@y.fr"))
    assert "écrivez à habilitations@unml.info" in tout(at)


@pytest.mark.parametrize(("email", "perimetre", "admin"), [
    ("pilotage@unml.info", "National", True),
    ("coordination@arml-bfc.fr", "Région Bourgogne-Franche-Comté", False),
    ("direction@ml-belfort.fr", "Mission Locale de Belfort (MLA)", False),
])
def test_identite_habilitee(monkeypatch, dossier, fichier_acces, email, perimetre, admin):
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(), user=connecte(email.upper()))
    assert app_normale(at)
    encart = textes([*at.sidebar.markdown, *at.sidebar.caption])
    assert email in encart
    assert f"**Périmètre** : {perimetre}" in encart
    assert ("Administrateur" in encart) is admin
    assert [b.label for b in at.sidebar.button] == ["Se déconnecter"]
    assert not at.sidebar.warning  # pas de bandeau du mode local
    p = at.session_state[identite.CLE_PERIMETRE]
    assert isinstance(p, Perimetre) and p.identite == email and p.administrateur is admin


def test_fichier_acces_devenu_non_conforme(monkeypatch, dossier, fichier_acces, capfd):
    fichier_acces.write_text(ACCES + '\n[[acces]]\nemail = "x@y.fr"\nprofil = "departement"\n', encoding="utf-8")
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_oidc(), user=connecte("pilotage@unml.info"))
    assert [t.value for t in at.title] == ["Accès momentanément fermé"]
    assert "x@y.fr" not in tout(at)  # le détail va au journal, pas au visiteur
    assert not app_normale(at)


class FauxUserinfo:
    """Remplace ``identite.lire_userinfo`` : compte les appels, rend des claims ou lève."""

    def __init__(self, claims=None, erreur=None):
        self.claims, self.erreur, self.appels = claims, erreur, []

    def __call__(self, jeton, server_metadata_url, client_id, sub):
        self.appels.append((jeton, server_metadata_url, client_id, sub))
        if self.erreur:
            raise self.erreur
        return self.claims


def connecte_proconnect() -> dict:
    # Jeton d'identité ProConnect : ni adresse, ni nom (ils viennent du point userinfo).
    return {"is_logged_in": True, "sub": "pc-0001", "provider": "proconnect", "tokens": {"access": "JETON-ACCES"}}


def test_proconnect_userinfo(monkeypatch, dossier, fichier_acces):
    faux = FauxUserinfo({"sub": "pc-0001", "email": "Coordination@ARML-BFC.fr", "given_name": "Camille",
                         "usual_name": "Martin", "siret": "12345678900011"})
    monkeypatch.setattr(identite, "lire_userinfo", faux)
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=connecte_proconnect())
    assert app_normale(at)
    assert faux.appels == [("JETON-ACCES", "http://127.0.0.1:9/api/v2/.well-known/openid-configuration", "tdb",
                            "pc-0001")]
    encart = textes([*at.sidebar.markdown, *at.sidebar.caption])
    assert "Camille Martin" in encart and "coordination@arml-bfc.fr" in encart
    assert "Région Bourgogne-Franche-Comté" in encart
    assert "JETON" not in tout(at) + encart
    # gardé pour la session : pas de nouvel appel à l'exécution suivante
    at.run()
    assert app_normale(at) and len(faux.appels) == 1
    # nouvelle session de la même connexion (nouvel onglet) : gardé aussi, pour cette connexion
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=connecte_proconnect())
    assert app_normale(at) and len(faux.appels) == 1
    # une autre connexion (autre jeton d'accès) : nouvel appel
    autre = {**connecte_proconnect(), "tokens": {"access": "AUTRE-JETON"}}
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=autre)
    assert app_normale(at) and len(faux.appels) == 2


def test_proconnect_jeton_expire_puis_erreur(monkeypatch, dossier, fichier_acces):
    monkeypatch.setattr(identite, "lire_userinfo",
                        FauxUserinfo(erreur=identite.ErreurUserinfo("HTTP 401", reconnexion=True)))
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=connecte_proconnect())
    assert "Votre session a expiré" in tout(at)
    assert [b.label for b in at.button] == ["Se connecter"]
    assert "ProConnect" in tout(at)
    monkeypatch.setattr(identite, "lire_userinfo", FauxUserinfo(erreur=identite.ErreurUserinfo("signature")))
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=connecte_proconnect())
    assert [t.value for t in at.title] == ["Identité non vérifiée"]
    assert "signature" not in tout(at)
    assert not app_normale(at)


def test_proconnect_sans_jeton_expose(monkeypatch, dossier, fichier_acces):
    monkeypatch.setattr(identite, "lire_userinfo", FauxUserinfo({"sub": "pc-0001", "email": "pilotage@unml.info"}))
    user = connecte_proconnect()
    del user["tokens"]
    at = ouvrir(monkeypatch, dossier, fichier_acces, secrets_proconnect(), user=user)
    assert [t.value for t in at.title] == ["Identité non vérifiée"]


# --------------------------------------------------------------------------------------------------
# JWT userinfo : clés générées ici, serveur HTTP local


class FournisseurLocal:
    """Métadonnées, JWKS et point userinfo (JWT signé) servis sur 127.0.0.1, dans un fil à part."""

    def __init__(self):
        from joserfc.jwk import RSAKey

        self.cle = RSAKey.generate_key(2048, parameters={"kid": "cle-1"})
        self.jeton_valide = "jeton-valide"
        self.claims = {"sub": "pc-0001", "email": "agent@arml-bfc.fr", "given_name": "Camille",
                       "usual_name": "Martin", "siret": "12345678900011"}
        self.type_contenu = "application/jwt"
        self.appels: list[str] = []
        fournisseur = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def log_message(self, *args):  # silencieux
                pass

            def do_GET(self):
                fournisseur.appels.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    self._repondre(200, "application/json", json.dumps(fournisseur.metadonnees()))
                elif self.path == "/jwks":
                    self._repondre(200, "application/json", json.dumps(fournisseur.jwks()))
                elif self.path == "/userinfo":
                    if self.headers.get("Authorization") != f"Bearer {fournisseur.jeton_valide}":
                        self._repondre(401, "application/json", '{"error": "invalid_token"}')
                    elif fournisseur.type_contenu == "application/json":
                        self._repondre(200, "application/json", json.dumps(fournisseur.claims))
                    else:
                        self._repondre(200, fournisseur.type_contenu, fournisseur.signer(fournisseur.claims))
                else:
                    self._repondre(404, "text/plain", "introuvable")

            def _repondre(self, statut, type_contenu, corps):
                donnees = corps.encode()
                self.send_response(statut)
                self.send_header("Content-Type", type_contenu)
                self.send_header("Content-Length", str(len(donnees)))
                self.end_headers()
                self.wfile.write(donnees)

        self.serveur = ThreadingHTTPServer(("127.0.0.1", 0), Gestionnaire)
        self.url = f"http://127.0.0.1:{self.serveur.server_address[1]}"
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    def metadonnees(self) -> dict:
        return {"issuer": self.url, "userinfo_endpoint": f"{self.url}/userinfo", "jwks_uri": f"{self.url}/jwks",
                "userinfo_signing_alg_values_supported": ["RS256", "none"]}

    def jwks(self) -> dict:
        return {"keys": [self.cle.as_dict(private=False)]}

    def signer(self, claims: dict, cle=None, **en_plus) -> str:
        from joserfc import jwt

        cle = cle or self.cle
        contenu = {"iss": self.url, "aud": "tdb", "iat": int(time.time()), "exp": int(time.time()) + 60,
                   **claims, **en_plus}
        return jwt.encode({"alg": "RS256", "kid": cle.kid}, contenu, cle)

    def arreter(self):
        self.serveur.shutdown()
        self.serveur.server_close()


@pytest.fixture
def fournisseur():
    f = FournisseurLocal()
    yield f
    f.arreter()


def lire(fournisseur, jeton=None, sub="pc-0001"):
    return identite.lire_userinfo(jeton or fournisseur.jeton_valide,
                                  f"{fournisseur.url}/.well-known/openid-configuration", "tdb", sub)


def test_userinfo_verifie(fournisseur):
    claims = lire(fournisseur)
    assert claims["email"] == "agent@arml-bfc.fr" and claims["usual_name"] == "Martin"
    # métadonnées et clés gardées en mémoire : le second appel ne demande que userinfo
    fournisseur.appels.clear()
    lire(fournisseur)
    assert fournisseur.appels == ["/userinfo"]


def test_userinfo_jeton_refuse(fournisseur):
    with pytest.raises(identite.ErreurUserinfo) as exc:
        lire(fournisseur, jeton="jeton-expire")
    assert exc.value.reconnexion
    assert "jeton-expire" not in str(exc.value)


def test_userinfo_non_signe_refuse(fournisseur):
    fournisseur.type_contenu = "application/json"
    with pytest.raises(identite.ErreurUserinfo, match="JWT signé"):
        lire(fournisseur)


def test_userinfo_sub_different_refuse(fournisseur):
    with pytest.raises(identite.ErreurUserinfo, match="sub"):
        lire(fournisseur, sub="pc-0002")


def test_verification_du_jwt(fournisseur):
    from joserfc import jwt
    from joserfc.jwk import OctKey, RSAKey

    jwks = fournisseur.jwks()
    options = {"emetteur": fournisseur.url, "client_id": "tdb", "sub": "pc-0001", "algorithmes": ["RS256"]}
    assert identite.verifier_userinfo(fournisseur.signer(fournisseur.claims), jwks, **options)["sub"] == "pc-0001"
    refuses = {
        "autre clé": fournisseur.signer(fournisseur.claims, cle=RSAKey.generate_key(2048, parameters={"kid": "cle-1"})),
        "autre audience": fournisseur.signer(fournisseur.claims, aud="autre-client"),
        "autre émetteur": fournisseur.signer(fournisseur.claims, iss="https://ailleurs"),
        "expiré": fournisseur.signer(fournisseur.claims, exp=int(time.time()) - 3600),
        "sans sub": fournisseur.signer({"email": "a@b.fr"}),
        "HS256": jwt.encode({"alg": "HS256"}, {"sub": "pc-0001", "aud": "tdb"}, OctKey.generate_key(256)),
        "illisible": "pas.un.jwt",
    }
    for cas, jeton in refuses.items():
        with pytest.raises(identite.ErreurUserinfo):
            identite.verifier_userinfo(jeton, jwks, **options)
            pytest.fail(cas)
    with pytest.raises(identite.ErreurUserinfo):  # pas de sub dans le jeton d'identité
        identite.verifier_userinfo(fournisseur.signer(fournisseur.claims), jwks, **{**options, "sub": None})
    # algorithmes annoncés par le fournisseur : « none » et HS* ne sont jamais admis
    assert identite.algorithmes_admis({"userinfo_signing_alg_values_supported": ["none", "HS256", "ES256"]}) == ["ES256"]
    assert identite.algorithmes_admis({}) == ["RS256", "ES256"]


def test_userinfo_rotation_des_cles(fournisseur):
    from joserfc.jwk import RSAKey

    lire(fournisseur)  # clés gardées en mémoire
    fournisseur.cle = RSAKey.generate_key(2048, parameters={"kid": "cle-2"})
    assert lire(fournisseur)["email"] == "agent@arml-bfc.fr"  # clés relues une fois


# --------------------------------------------------------------------------------------------------
# Lancement


def test_lancement_arrete_par_un_fichier_non_conforme(tmp_path):
    chemin = tmp_path / "acces.toml"
    chemin.write_text(ACCES + '\n[[acces]]\nemail = "agent@exemple.fr"\nprofil = "ml"\n', encoding="utf-8")
    env = {**os.environ, "TDB_ACCES": str(chemin)}
    fini = subprocess.run([sys.executable, "-m", "interface.lancement", "--server.headless", "true",
                           "--server.port", "1"], cwd=RACINE, env=env, capture_output=True, text=True, timeout=120)
    assert fini.returncode == 2
    assert "fichier d'accès non conforme" in fini.stderr
    assert "acces.toml, entrée n° 4 (agent@exemple.fr)" in fini.stderr
    assert "préchargées" not in fini.stdout  # arrêté avant le préchargement et le serveur
