"""Ouvrir une page du tableau de bord entier dans AppTest (point d'entrée, navigation, filtres), au besoin
comme une personne connectée, et lire tout ce qu'elle envoie au navigateur.

- ``preparer(url_path, params, email)`` : l'AppTest du point d'entrée, paramètres d'adresse posés, page
  choisie ; avec ``email``, les secrets de connexion des tests (``SECRETS``) et l'identité connectée
  (``identite``) — le fichier d'accès (``TDB_ACCES``) est posé par le test ;
- ``executer(at)`` : lance l'exécution et vérifie qu'aucune exception ni erreur n'est affichée ;
- ``contenu_envoye(at)`` : les messages (protobuf) de chaque élément de la page, en texte — tableaux en
  Arrow, graphiques en JSON Plotly, carte en HTML folium : codes et noms y paraissent en UTF-8 — plus les
  fichiers des boutons de téléchargement, fabriqués comme le ferait le serveur au clic. Le module de test
  qui s'en sert importe aussi la fixture ``gestionnaires_telechargement``.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.pages.outils_telechargement import contenu_telechargement

ENTREE = str(Path(__file__).resolve().parents[2] / "tableau_de_bord.py")
SECRETS = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
                    "cookie_secret": "0123456789abcdef0123456789abcdef",
                    "oidc": {"client_id": "tdb", "client_secret": "secret",
                             "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}}


def identite(email: str) -> dict:
    """``st.user`` d'une personne connectée par le fournisseur ``oidc`` des secrets de test."""
    return {"is_logged_in": True, "email": email, "sub": f"sub-{email}", "provider": "oidc"}


def preparer(url_path: str, params: dict | None = None, email: str | None = None,
             delai_s: float = 300) -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=delai_s)
    if email is not None:
        for cle, valeur in SECRETS.items():
            at.secrets[cle] = valeur
        at.user = identite(email)
    for cle, valeur in (params or {}).items():
        at.query_params[cle] = valeur
    if url_path != "vue_nationale":
        at.switch_page(f"pages/{url_path}.py")
    return at


def executer(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def contenu_envoye(at: AppTest) -> str:
    """Tout ce que la page envoie au navigateur, en texte, plus les fichiers de ses boutons de téléchargement."""
    morceaux: list[bytes] = []

    def visiter(noeud) -> None:
        proto = getattr(noeud, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            morceaux.append(proto.SerializeToString())
        for enfant in (getattr(noeud, "children", None) or {}).values():
            visiter(enfant)

    visiter(at._tree)
    for bouton in at.get("download_button"):
        morceaux.append(contenu_telechargement(bouton))
    return b"\n".join(morceaux).decode("utf-8", errors="ignore")
