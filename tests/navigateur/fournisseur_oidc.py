"""Fournisseur OpenID Connect local des tests de connexion : oidc-provider-mock, dans un sous-processus.

oidc-provider-mock (https://github.com/geigerzaehler/oidc-provider-mock) sert un vrai fournisseur
OpenID Connect sur 127.0.0.1 : métadonnées (``/.well-known/openid-configuration``), page d'autorisation,
jetons signés (RS256), JWKS, userinfo, fin de session. N'importe quel ``client_id`` / ``client_secret``
est accepté. Sur sa page d'autorisation, on choisit la personne en tapant son identifiant (``sub``) dans
le champ « sub » puis « Authorize » ; une personne inconnue reçoit le claim ``email`` = ``sub``. Un
``PUT /users/<sub>`` (``ajouter_usager``) fixe à l'avance les claims d'une personne.

**Variante ProConnect.** oidc-provider-mock répond à userinfo en JSON, et met l'adresse dans le jeton
d'identité ; ProConnect, lui, ne la donne que par userinfo, sous forme d'un JWT signé. Ce module ajoute
donc au même serveur :

- ``/proconnect/.well-known/openid-configuration`` : les mêmes métadonnées (même émetteur, mêmes clés),
  sauf ``userinfo_endpoint`` ;
- ``/proconnect/userinfo`` : le JWT signé (``application/jwt``, clé du fournisseur, ``iss``, ``aud``,
  ``sub``, ``exp``) des claims déposés par ``ajouter_usager_proconnect`` ; un jeton d'accès inconnu ou
  expiré reçoit 401.
``ajouter_usager_proconnect`` enregistre aussi la personne sans aucun claim côté jeton d'identité : comme
chez ProConnect, ``st.user`` n'a alors ni adresse ni nom.

Lancement : ``demarrer_fournisseur(journal)`` (sous-processus ``python -m tests.navigateur.fournisseur_oidc
--port N --client-id ID``, dans son propre groupe de processus), arrêt : ``FournisseurOidc.arreter()``.
Aucun asyncio : serveur WSGI de werkzeug à fils, dans un autre processus que les tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

RACINE = Path(__file__).resolve().parents[2]
CLIENT_ID = "tableau-de-bord"
CLIENT_SECRET = "secret-de-test-du-client"  # fournisseur de test, sur 127.0.0.1 seulement
DELAI_DEMARRAGE_S = 60.0
DUREE_USERINFO_S = 300


# --------------------------------------------------------------------------------------------
# Côté serveur (sous-processus)
# --------------------------------------------------------------------------------------------


def application(client_id: str):
    """L'application Flask d'oidc-provider-mock, plus la variante ProConnect (voir le module)."""
    import flask
    import oidc_provider_mock
    from joserfc import jwt
    from joserfc.jwk import RSAKey
    from oidc_provider_mock._storage import storage  # clés et jetons du fournisseur (API interne)

    app = oidc_provider_mock.app()
    claims_userinfo: dict[str, dict] = {}

    @app.put("/proconnect/usagers/<sub>")
    def deposer_usager(sub: str):
        claims = flask.request.get_json(force=True)
        if not isinstance(claims, dict):
            return "objet JSON attendu", 400
        claims_userinfo[sub] = claims
        return "", 204

    @app.get("/proconnect/.well-known/openid-configuration")
    def metadonnees_proconnect():
        # les métadonnées standard, demandées à l'application même (même émetteur, mêmes adresses)
        document = app.test_client().get("/.well-known/openid-configuration",
                                         base_url=flask.request.host_url).get_json()
        document["userinfo_endpoint"] = flask.request.host_url + "proconnect/userinfo"
        document["userinfo_signing_alg_values_supported"] = ["RS256"]
        return flask.jsonify(document)

    @app.route("/proconnect/userinfo", methods=["GET", "POST"])
    def userinfo_proconnect():
        entete = flask.request.headers.get("Authorization", "")
        jeton = storage.get_access_token(entete.removeprefix("Bearer ").strip()) if entete.startswith("Bearer ") else None
        if jeton is None or jeton.is_expired():
            return flask.Response('{"error": "invalid_token"}', 401, content_type="application/json",
                                  headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        maintenant = int(time.time())
        contenu = {**claims_userinfo.get(jeton.user_id, {}), "sub": jeton.user_id,
                   "iss": flask.request.host_url.rstrip("/"), "aud": client_id,
                   "iat": maintenant, "exp": maintenant + DUREE_USERINFO_S}
        cle = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
        signe = jwt.encode({"alg": "RS256", "kid": cle.kid}, contenu, cle)
        return flask.Response(signe, 200, content_type="application/jwt")

    return app


def main(argv: list[str] | None = None) -> None:
    parseur = argparse.ArgumentParser(description="Fournisseur OpenID Connect des tests (oidc-provider-mock).")
    parseur.add_argument("--port", type=int, required=True)
    parseur.add_argument("--client-id", default=CLIENT_ID)
    args = parseur.parse_args(argv)
    import warnings

    warnings.simplefilter("ignore")  # authlib.jose, employé par oidc-provider-mock, est déclaré obsolète
    import werkzeug.serving

    serveur = werkzeug.serving.make_server("127.0.0.1", args.port, application(args.client_id), threaded=True)
    print(f"Fournisseur OpenID Connect de test sur http://127.0.0.1:{args.port}", flush=True)
    serveur.serve_forever()


# --------------------------------------------------------------------------------------------
# Côté tests
# --------------------------------------------------------------------------------------------


@dataclass
class FournisseurOidc:
    port: int
    processus: subprocess.Popen
    journal: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def metadonnees(self, proconnect: bool = False) -> str:
        """Adresse des métadonnées (``server_metadata_url``), standard ou variante ProConnect."""
        return f"{self.url}{'/proconnect' if proconnect else ''}/.well-known/openid-configuration"

    def _put(self, chemin: str, contenu: dict) -> None:
        requete = urllib.request.Request(f"{self.url}{chemin}", data=json.dumps(contenu).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(requete, timeout=10) as rep:
            assert rep.status == 204, rep.status

    def ajouter_usager(self, sub: str, claims: dict) -> None:
        """Claims du jeton d'identité (et du userinfo JSON) de la personne ``sub``."""
        self._put(f"/users/{quote(sub, safe='')}", claims)

    def ajouter_usager_proconnect(self, sub: str, claims_userinfo: dict) -> None:
        """Personne ``sub`` à la façon de ProConnect : jeton d'identité sans claim (ni adresse, ni nom),
        ``claims_userinfo`` (email, given_name, usual_name, siret…) dans le JWT userinfo seulement."""
        self.ajouter_usager(sub, {})
        self._put(f"/proconnect/usagers/{quote(sub, safe='')}", claims_userinfo)

    def fin_du_journal(self, nb_caracteres: int = 4000) -> str:
        from tests.navigateur import harnais

        return harnais.fin_du_journal(self.journal, nb_caracteres)

    def arreter(self) -> None:
        from tests.navigateur import harnais

        harnais.arreter_groupe(self.processus, delai_s=10)


def demarrer_fournisseur(journal: Path, port: int | None = None, client_id: str = CLIENT_ID) -> FournisseurOidc:
    """Lance le fournisseur sur 127.0.0.1 (port libre par défaut) et attend ses métadonnées. Lève
    RuntimeError avec la fin du journal s'il ne démarre pas."""
    from tests.navigateur.harnais import port_libre

    port = port or port_libre()
    sortie = open(journal, "wb")  # noqa: SIM115 (fermé avec le processus)
    processus = subprocess.Popen(
        [sys.executable, "-m", "tests.navigateur.fournisseur_oidc", "--port", str(port), "--client-id", client_id],
        cwd=RACINE, stdout=sortie, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    sortie.close()
    fournisseur = FournisseurOidc(port=port, processus=processus, journal=journal, client_id=client_id)
    limite = time.monotonic() + DELAI_DEMARRAGE_S
    while True:
        if processus.poll() is not None:
            raise RuntimeError(f"Le fournisseur OpenID Connect s'est arrêté (code {processus.returncode}).\n"
                               f"Journal :\n{fournisseur.fin_du_journal()}")
        try:
            with urllib.request.urlopen(fournisseur.metadonnees(proconnect=True), timeout=2) as rep:
                if rep.status == 200:
                    return fournisseur
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > limite:
            fournisseur.arreter()
            raise RuntimeError(f"Le fournisseur OpenID Connect ne répond pas après {DELAI_DEMARRAGE_S:.0f} s.\n"
                               f"Journal :\n{fournisseur.fin_du_journal()}")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
