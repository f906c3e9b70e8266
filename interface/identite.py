"""Qui est connecté et ce qu'il peut voir : connexion OpenID Connect (``st.login``), fichier d'accès,
encart de la barre latérale. Réglages et mise en service : ``docs/connexion.md``.

Le point d'entrée appelle ``exiger_acces()`` avant la navigation :

- sans fichier d'accès (``TDB_ACCES`` absente, ``donnees.habilitations.depuis_environnement()`` rend
  ``None``) : **mode local**, tout est ouvert (``Perimetre.LOCAL``) ; ``encart_utilisateur`` affiche un
  bandeau qui le dit ;
- avec un fichier d'accès, la connexion est obligatoire : section ``[auth]`` des secrets Streamlit
  absente ou incomplète → page « Connexion mal configurée » ; personne connectée → page de connexion
  (bouton « Se connecter ») ; identité absente du fichier d'accès → page de refus (qui vous êtes, à qui
  demander, bouton « Se déconnecter »). Chacune de ces pages arrête l'exécution (``st.stop()``) : aucune
  page du tableau de bord ne s'exécute, aucune donnée n'est lue.

Le périmètre de la session est rangé dans ``st.session_state`` (clé ``CLE_PERIMETRE``) à chaque
exécution ; les pages le lisent par ``perimetre_courant()``.

**Identité.** L'adresse électronique vient du claim ``email`` de ``st.user`` (claims du jeton d'identité,
ID token). Un claim ``email_verified`` qui vaut ``false`` ne vaut pas identité (refus).

**ProConnect.** Chez ProConnect, l'adresse (et ``given_name``, ``usual_name``, ``siret``…) ne sont pas
dans le jeton d'identité : elles viennent du point d'accès *userinfo*, sous forme d'un JWT signé. Pour un
fournisseur de ce genre (section ``[auth.proconnect]``, ou nommé dans ``[identite] userinfo_jwt``),
``identite()`` appelle ce point d'accès côté serveur avec le jeton d'accès (``[auth] expose_tokens =
["access"]``), vérifie la signature du JWT avec les clés publiques du fournisseur (``jwks_uri`` de ses
métadonnées), puis ``iss``, ``aud``, ``sub`` (le même que celui du jeton d'identité) et ``exp`` ; le
résultat (claims, jamais le jeton) est gardé pour la session (``st.session_state``) et pour la connexion
(mémoire du serveur, 12 h au plus : le jeton d'accès de ProConnect ne vit que 60 s). La vérification
emploie ``joserfc``, la bibliothèque JOSE qu'Authlib installe et vers laquelle il renvoie
(``authlib.jose`` est déclaré obsolète depuis Authlib 1.7). Aucun jeton n'est jamais écrit dans le
journal ni affiché.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

import streamlit as st

from donnees import habilitations
from donnees.habilitations import Perimetre
from presentation import format as fmt
from requetes import perimetre as _perimetre_requetes

journal = logging.getLogger(__name__)

CLE_PERIMETRE = "_tdb_perimetre"
CLE_USERINFO = "_tdb_userinfo"
SECTION_PROJET = "identite"
# Fournisseur traité comme ProConnect (userinfo en JWT signé) sans autre réglage.
PROCONNECT = "proconnect"
CLES_FOURNISSEUR = ("client_id", "client_secret", "server_metadata_url")
CLE_COOKIE_MIN = 32  # caractères de [auth] cookie_secret
# Algorithmes de signature admis pour le JWT userinfo : asymétriques seulement (jamais « none » ni HS*,
# dont la clé serait le secret du client).
ALGORITHMES_ASYMETRIQUES = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                            "EdDSA")
DELAI_HTTP_S = 10.0
DUREE_METADONNEES_S = 3600.0
# Claims userinfo vérifiées, gardées par connexion (empreinte du jeton d'accès) : 12 h, la durée d'une
# session ProConnect ; au plus USERINFO_MAX connexions en mémoire.
DUREE_USERINFO_S = 12 * 3600.0
USERINFO_MAX = 10_000
DOC = "docs/connexion.md"


# ---------------------------------------------------------------------------------------------
# Configuration (secrets Streamlit), sans Streamlit : testée à part
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigConnexion:
    """Ce que les secrets Streamlit disent de la connexion."""

    auth: dict[str, Any] | None  # section [auth], None si absente
    fournisseurs: dict[str, dict[str, Any]]  # nom -> section ([auth.nom], ou « default » : [auth] même)
    fournisseur: str | None  # celui du bouton « Se connecter »
    userinfo_jwt: frozenset[str]  # fournisseurs dont les claims viennent du JWT userinfo (ProConnect)
    expose_tokens: tuple[str, ...]
    contact: str | None  # à qui demander un accès ([identite] contact)
    libelle: str | None  # nom du fournisseur montré sur la page de connexion ([identite] libelle)
    problemes: tuple[str, ...] = field(default=())

    @property
    def configuree(self) -> bool:
        return self.auth is not None and not self.problemes

    def par_userinfo(self, fournisseur: str | None) -> bool:
        return fournisseur is not None and fournisseur in self.userinfo_jwt

    def libelle_fournisseur(self) -> str:
        if self.libelle:
            return self.libelle
        if self.fournisseur is not None and self.par_userinfo(self.fournisseur):
            return "ProConnect"
        return "votre compte professionnel"


def _texte(valeur: Any) -> str | None:
    return valeur.strip() if isinstance(valeur, str) and valeur.strip() else None


def _liste(valeur: Any) -> tuple[str, ...]:
    if isinstance(valeur, str):
        return (valeur,)
    if isinstance(valeur, (list, tuple)):
        return tuple(str(v) for v in valeur)
    return ()


def lire_configuration(secrets: Mapping[str, Any]) -> ConfigConnexion:
    """Lit les sections ``[auth]`` (Streamlit) et ``[identite]`` (projet) des secrets et note, en
    français, tout ce qui empêcherait la connexion de marcher (``problemes``)."""
    projet = secrets.get(SECTION_PROJET)
    projet = dict(projet) if isinstance(projet, Mapping) else {}
    contact, libelle = _texte(projet.get("contact")), _texte(projet.get("libelle"))
    auth = secrets.get("auth")
    if not isinstance(auth, Mapping):
        return ConfigConnexion(None, {}, None, frozenset(), (), contact, libelle, (
            "la section [auth] est absente des secrets Streamlit (.streamlit/secrets.toml) : avec un fichier "
            "d'accès (TDB_ACCES), la connexion est obligatoire et il faut la configurer.",))
    auth = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in auth.items()}
    problemes: list[str] = []

    fournisseurs = {nom: v for nom, v in auth.items()
                    if isinstance(v, dict) and any(c in v for c in (*CLES_FOURNISSEUR, "authorize_url"))}
    if not fournisseurs and any(c in auth for c in CLES_FOURNISSEUR):
        fournisseurs["default"] = {c: auth[c] for c in (*CLES_FOURNISSEUR, "client_kwargs", "authorize_params")
                                   if c in auth}

    demande = _texte(projet.get("fournisseur"))
    if demande is not None:
        fournisseur = demande
        if demande not in fournisseurs:
            problemes.append(f"[identite] fournisseur = « {demande} », mais il n'y a pas de section "
                             f"[auth.{demande}] (fournisseurs configurés : "
                             f"{', '.join(sorted(fournisseurs)) or 'aucun'}).")
    elif len(fournisseurs) == 1:
        fournisseur = next(iter(fournisseurs))
    else:
        fournisseur = None
        if fournisseurs:
            problemes.append(f"plusieurs fournisseurs d'identité configurés ({', '.join(sorted(fournisseurs))}) : "
                             "choisir celui du bouton « Se connecter » par [identite] fournisseur = \"…\".")
        else:
            problemes.append("aucun fournisseur d'identité dans [auth] : ajouter une section [auth.nom] avec "
                             "client_id, client_secret et server_metadata_url.")

    if not _texte(auth.get("redirect_uri")):
        problemes.append("[auth] redirect_uri manque (adresse publique du tableau de bord suivie de "
                         "/oauth2callback).")
    elif not str(auth["redirect_uri"]).rstrip().endswith("/oauth2callback"):
        problemes.append("[auth] redirect_uri doit se terminer par /oauth2callback.")
    secret = auth.get("cookie_secret")
    if not _texte(secret):
        problemes.append("[auth] cookie_secret manque (chaîne aléatoire d'au moins "
                         f"{CLE_COOKIE_MIN} caractères).")
    elif len(secret.strip()) < CLE_COOKIE_MIN:
        problemes.append(f"[auth] cookie_secret est trop court (au moins {CLE_COOKIE_MIN} caractères aléatoires).")

    userinfo = {nom for nom in fournisseurs if nom == PROCONNECT}
    userinfo |= set(_liste(projet.get("userinfo_jwt")))
    try:
        expose = _liste(auth.get("expose_tokens"))
    except TypeError:
        expose = ()
    for nom, section in sorted(fournisseurs.items()):
        if "_" in nom:
            problemes.append(f"[auth.{nom}] : le nom d'un fournisseur ne peut pas contenir « _ » (Streamlit).")
        manquantes = [c for c in CLES_FOURNISSEUR if not _texte(section.get(c))]
        if manquantes:
            problemes.append(f"[auth.{nom}] : {', '.join(manquantes)} manque{'nt' if len(manquantes) > 1 else ''}.")
        if nom in userinfo:
            if "access" not in expose:
                problemes.append(f"[auth.{nom}] (ProConnect) : l'adresse électronique vient du point userinfo, "
                                 "appelé avec le jeton d'accès : ajouter expose_tokens = [\"access\"] dans [auth].")
            options = section.get("client_kwargs")
            prompt = options.get("prompt") if isinstance(options, Mapping) else None
            if prompt != "login":
                problemes.append(f"[auth.{nom}] (ProConnect) : ProConnect n'accepte que prompt = \"login\" "
                                 "(Streamlit envoie sinon « select_account ») : l'écrire dans client_kwargs.")
    return ConfigConnexion(auth, fournisseurs, fournisseur, frozenset(userinfo), expose, contact, libelle,
                           tuple(problemes))


def _secrets() -> Mapping[str, Any]:
    """Les secrets Streamlit (``st.secrets``), ou {} s'il n'y en a pas (fichier absent ou illisible)."""
    try:
        return st.secrets.to_dict()
    except Exception:  # pas de fichier de secrets : rien de configuré
        return {}


def configuration() -> ConfigConnexion:
    return lire_configuration(_secrets())


# ---------------------------------------------------------------------------------------------
# JWT userinfo (ProConnect), sans Streamlit : testé à part
# ---------------------------------------------------------------------------------------------


class ErreurUserinfo(Exception):
    """Le point userinfo n'a pas donné d'identité vérifiée. ``reconnexion`` : le jeton d'accès est refusé
    (expiré) ; une nouvelle connexion en donnera un autre. Le message ne contient jamais de jeton."""

    def __init__(self, message: str, reconnexion: bool = False):
        super().__init__(message)
        self.reconnexion = reconnexion


_verrou = threading.Lock()
_documents: dict[str, tuple[float, dict]] = {}  # métadonnées et JWKS par adresse, avec leur date
# empreinte SHA-256 du jeton d'accès -> (date, fournisseur, sub, claims vérifiées)
_userinfo: dict[str, tuple[float, str, str | None, dict]] = {}


def _obtenir_json(client, url: str, forcer: bool = False) -> dict:
    """Document JSON public du fournisseur (métadonnées, JWKS), gardé ``DUREE_METADONNEES_S`` en mémoire."""
    maintenant = time.monotonic()
    with _verrou:
        garde = _documents.get(url)
    if garde is not None and not forcer and maintenant - garde[0] < DUREE_METADONNEES_S:
        return garde[1]
    import httpx

    try:
        reponse = client.get(url, headers={"Accept": "application/json"})
        reponse.raise_for_status()
        document = reponse.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ErreurUserinfo(f"document du fournisseur d'identité illisible ({url} : {type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise ErreurUserinfo(f"document du fournisseur d'identité illisible ({url})")
    with _verrou:
        _documents[url] = (maintenant, document)
    return document


def vider_caches() -> None:
    """Vide les caches en mémoire : métadonnées et clés des fournisseurs, claims userinfo vérifiées."""
    with _verrou:
        _documents.clear()
        _userinfo.clear()


def algorithmes_admis(metadonnees: Mapping[str, Any]) -> list[str]:
    annonces = metadonnees.get("userinfo_signing_alg_values_supported")
    if isinstance(annonces, list) and annonces:
        admis = [a for a in annonces if a in ALGORITHMES_ASYMETRIQUES]
        if admis:
            return admis
    return ["RS256", "ES256"]


def verifier_userinfo(jeton_jwt: str, jwks: Mapping[str, Any], *, emetteur: str | None, client_id: str,
                      sub: str | None, algorithmes: list[str] | None = None) -> dict[str, Any]:
    """Claims d'un JWT userinfo, après vérification de sa signature (clés ``jwks``, algorithmes
    asymétriques seulement), de ``sub`` (celui du jeton d'identité, obligatoire), et, s'ils y sont, de
    ``iss`` (l'émetteur des métadonnées), ``aud`` (notre ``client_id``), ``exp`` et ``nbf``.
    Lève ``ErreurUserinfo`` sinon."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if not sub:
        raise ErreurUserinfo("jeton d'identité sans « sub » : impossible de rapprocher le JWT userinfo")
    try:
        cles = KeySet.import_key_set(dict(jwks))
        jeton = jwt.decode(jeton_jwt.strip(), cles, algorithms=algorithmes or ["RS256", "ES256"])
        options: dict[str, Any] = {"sub": {"essential": True, "value": sub}, "aud": {"value": client_id}}
        if emetteur:
            options["iss"] = {"value": emetteur}
        jwt.JWTClaimsRegistry(leeway=60, **options).validate(jeton.claims)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ErreurUserinfo(f"JWT userinfo refusé ({type(exc).__name__} : {exc})") from None
    return dict(jeton.claims)


def lire_userinfo(jeton_acces: str, server_metadata_url: str, client_id: str, sub: str | None,
                  client=None) -> dict[str, Any]:
    """Appelle le point userinfo du fournisseur avec le jeton d'accès et rend ses claims vérifiées
    (``verifier_userinfo``). La réponse doit être un JWT signé (``application/jwt``) : une réponse JSON
    non signée est refusée. Les clés sont relues une fois si la signature ne se vérifie pas (rotation).
    ``client`` : un ``httpx.Client`` (tests) ; sinon un client à délai borné, sans redirection."""
    import httpx

    propre = client is None
    client = client or httpx.Client(timeout=DELAI_HTTP_S, follow_redirects=False)
    try:
        metadonnees = _obtenir_json(client, server_metadata_url)
        adresse, adresse_cles = metadonnees.get("userinfo_endpoint"), metadonnees.get("jwks_uri")
        if not isinstance(adresse, str) or not isinstance(adresse_cles, str):
            raise ErreurUserinfo("les métadonnées du fournisseur n'ont pas userinfo_endpoint ou jwks_uri")
        try:
            reponse = client.get(adresse, headers={"Authorization": f"Bearer {jeton_acces}",
                                                   "Accept": "application/jwt"})
        except httpx.HTTPError as exc:
            raise ErreurUserinfo(f"point userinfo injoignable ({type(exc).__name__})") from None
        if reponse.status_code in (400, 401, 403):
            raise ErreurUserinfo(f"jeton d'accès refusé par le point userinfo (HTTP {reponse.status_code})",
                                 reconnexion=True)
        if reponse.status_code != 200:
            raise ErreurUserinfo(f"point userinfo en erreur (HTTP {reponse.status_code})")
        type_contenu = reponse.headers.get("content-type", "").split(";")[0].strip().lower()
        if type_contenu != "application/jwt":
            raise ErreurUserinfo(f"le point userinfo doit répondre par un JWT signé (application/jwt), "
                                 f"pas « {type_contenu or 'sans type'} »")
        parametres = {"emetteur": metadonnees.get("issuer"), "client_id": client_id, "sub": sub,
                      "algorithmes": algorithmes_admis(metadonnees)}
        try:
            return verifier_userinfo(reponse.text, _obtenir_json(client, adresse_cles), **parametres)
        except ErreurUserinfo:
            # Les clés ont pu changer (rotation) : une seule relecture, puis le verdict.
            return verifier_userinfo(reponse.text, _obtenir_json(client, adresse_cles, forcer=True), **parametres)
    finally:
        if propre:
            client.close()


# ---------------------------------------------------------------------------------------------
# Identité de la session
# ---------------------------------------------------------------------------------------------


def _utilisateur() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:  # pas de contexte d'exécution : personne
        return {}


def _email(claims: Mapping[str, Any]) -> str | None:
    email = claims.get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    if claims.get("email_verified") is False:  # adresse déclarée non vérifiée : pas une identité
        return None
    return email.strip().lower()


def _userinfo_garde(empreinte: str, fournisseur: str, sub: str | None) -> dict | None:
    with _verrou:
        garde = _userinfo.get(empreinte)
    if garde is None or time.monotonic() - garde[0] > DUREE_USERINFO_S or garde[1:3] != (fournisseur, sub):
        return None
    return garde[3]


def _garder_userinfo(empreinte: str, fournisseur: str, sub: str | None, claims: dict) -> None:
    with _verrou:
        if len(_userinfo) >= USERINFO_MAX:  # les plus anciennes d'abord (ordre d'insertion)
            for cle in list(_userinfo)[: USERINFO_MAX // 10]:
                del _userinfo[cle]
        _userinfo[empreinte] = (time.monotonic(), fournisseur, sub, claims)


def _claims(conf: ConfigConnexion | None = None) -> dict[str, Any]:
    """Claims de la personne connectée ({} sinon) : ceux de ``st.user``, complétés pour un fournisseur de
    type ProConnect par le JWT userinfo vérifié.

    Le JWT vérifié est gardé dans ``st.session_state`` pour la session, et en mémoire du serveur pour la
    connexion (clé : empreinte SHA-256 du jeton d'accès, lu dans le cookie signé de Streamlit ; 12 h au
    plus) : le jeton d'accès de ProConnect ne vit que 60 s, et un nouvel onglet ou un rechargement de la
    page (nouvelle session Streamlit, même connexion) retrouve ainsi l'identité sans rappeler ProConnect."""
    import hashlib

    utilisateur = _utilisateur()
    if not utilisateur.get("is_logged_in"):
        return {}
    conf = conf or configuration()
    fournisseur = utilisateur.get("provider") or conf.fournisseur
    claims = {k: v for k, v in utilisateur.items() if k != "tokens"}
    if not conf.par_userinfo(fournisseur):
        return claims
    sub = utilisateur.get("sub")
    garde = st.session_state.get(CLE_USERINFO)
    if isinstance(garde, dict) and garde.get("sub") == sub and garde.get("fournisseur") == fournisseur:
        return {**claims, **garde["claims"]}
    section = conf.fournisseurs.get(fournisseur, {})
    jetons = utilisateur.get("tokens")
    jeton = jetons.get("access") if isinstance(jetons, Mapping) else None
    if not isinstance(jeton, str) or not jeton:
        raise ErreurUserinfo("jeton d'accès non exposé ([auth] expose_tokens = [\"access\"])")
    empreinte = hashlib.sha256(jeton.encode()).hexdigest()
    verifiees = _userinfo_garde(empreinte, fournisseur, sub)
    if verifiees is None:
        try:
            verifiees = lire_userinfo(jeton, str(section.get("server_metadata_url", "")),
                                      str(section.get("client_id", "")), sub)
        except ErreurUserinfo as exc:
            journal.warning("Identité ProConnect non vérifiée (fournisseur %s) : %s", fournisseur, exc)
            raise
        _garder_userinfo(empreinte, fournisseur, sub, verifiees)
    st.session_state[CLE_USERINFO] = {"sub": sub, "fournisseur": fournisseur, "claims": verifiees}
    return {**claims, **verifiees}


def identite() -> str | None:
    """L'adresse électronique (en minuscules) de la personne connectée, ou None (personne de connecté,
    ou pas d'adresse vérifiée). Pour un fournisseur de type ProConnect, lève ``ErreurUserinfo`` si le JWT
    userinfo ne peut être obtenu ou vérifié."""
    return _email(_claims())


def _nom_affiche(claims: Mapping[str, Any]) -> str | None:
    prenom = claims.get("given_name")
    nom = claims.get("usual_name") or claims.get("family_name")
    morceaux = [str(m).strip() for m in (prenom, nom) if isinstance(m, str) and m.strip()]
    if morceaux:
        return " ".join(morceaux)
    nom = claims.get("name")
    return nom.strip() if isinstance(nom, str) and nom.strip() else None


# ---------------------------------------------------------------------------------------------
# Fichier d'accès (relu quand il change)
# ---------------------------------------------------------------------------------------------

_acces_garde: dict[str, Any] = {}


def _acces() -> habilitations.Acces | None:
    """``habilitations.depuis_environnement()``, relu seulement quand le fichier change (date, taille) :
    une entrée ajoutée vaut sans redémarrer le serveur. Lève ``habilitations.ErreurAcces``."""
    import os

    valeur = os.environ.get(habilitations.VARIABLE, "").strip()
    if not valeur:
        return None
    try:
        etat = os.stat(valeur)
        signature = (valeur, etat.st_mtime_ns, etat.st_size, etat.st_ino)
    except OSError:
        signature = None
    with _verrou:
        if signature is not None and _acces_garde.get("signature") == signature:
            return _acces_garde["acces"]
    acces = habilitations.depuis_environnement()
    if signature is not None:
        with _verrou:
            _acces_garde.update(signature=signature, acces=acces)
    return acces


# ---------------------------------------------------------------------------------------------
# Pages qui arrêtent l'exécution
# ---------------------------------------------------------------------------------------------

TITRE = "Pilotage du partenariat renforcé"


def _arreter() -> NoReturn:
    """``st.stop()`` ; si l'exécution continuait malgré tout (hors d'une exécution Streamlit), une
    exception : l'accès reste fermé."""
    st.stop()
    raise RuntimeError("Accès refusé : exécution arrêtée.")


def _page_configuration(problemes: list[str] | tuple[str, ...]) -> None:
    st.title("Connexion mal configurée", anchor=False)
    st.markdown("Ce tableau de bord est réservé aux personnes habilitées (un fichier d'accès est défini), "
                "mais la connexion n'est pas configurée correctement sur le serveur. Personne ne peut s'y "
                "connecter tant que ce n'est pas corrigé.")
    st.markdown("À corriger par l'administrateur du serveur, dans les secrets Streamlit "
                f"(`.streamlit/secrets.toml`) ; voir `{DOC}` :")
    st.markdown("\n".join(f"- {fmt.echapper_markdown(p)}" for p in problemes))
    _arreter()


def _page_acces_illisible() -> None:
    st.title("Accès momentanément fermé", anchor=False)
    st.markdown("Le fichier d'accès du serveur (liste des personnes habilitées) n'est pas conforme : "
                "l'accès reste fermé tant qu'il n'est pas corrigé. L'administrateur du serveur trouvera le "
                "détail dans le journal du serveur.")
    _arreter()


def _page_connexion(conf: ConfigConnexion, message: str | None = None) -> None:
    st.title(TITRE, anchor=False)
    st.markdown("Ce tableau de bord est réservé aux personnes habilitées de l'UNML, des ARML, des Missions "
                f"Locales et de leurs partenaires : connectez-vous avec {conf.libelle_fournisseur()}.")
    if message:
        st.warning(message, icon=":material/schedule:")
    if st.button("Se connecter", type="primary", icon=":material/login:", key="_tdb_connexion"):
        st.login(conf.fournisseur)
    _arreter()


def _texte_contact(conf: ConfigConnexion) -> str:
    if conf.contact:
        return f"Pour demander un accès, écrivez à {fmt.echapper_markdown(conf.contact)}."
    return ("Pour demander un accès, adressez-vous à l'administrateur du tableau de bord : l'UNML pour un "
            "accès national, votre ARML pour un accès régional ou à une Mission Locale.")


def _page_refus(conf: ConfigConnexion, claims: Mapping[str, Any], email: str | None) -> None:
    st.title("Accès non autorisé", anchor=False)
    nom = _nom_affiche(claims)
    if email:
        qui = f"**{fmt.echapper_markdown(email)}**"
        if nom:
            qui = f"{fmt.echapper_markdown(nom)} ({qui})"
        st.markdown(f"Vous êtes connecté·e en tant que {qui}.")
        st.markdown("Cette adresse ne figure pas dans la liste des personnes habilitées à consulter ce "
                    "tableau de bord.")
    else:
        if nom:
            st.markdown(f"Vous êtes connecté·e en tant que **{fmt.echapper_markdown(nom)}**.")
        st.markdown("Votre fournisseur d'identité n'a pas transmis d'adresse électronique vérifiée : sans "
                    "elle, ce tableau de bord ne peut pas savoir ce que vous pouvez consulter.")
    st.markdown(_texte_contact(conf))
    if st.button("Se déconnecter", icon=":material/logout:", key="_tdb_deconnexion_refus"):
        st.logout()
    _arreter()


def _page_verification(conf: ConfigConnexion) -> None:
    st.title("Identité non vérifiée", anchor=False)
    st.markdown(f"Votre identité n'a pas pu être vérifiée auprès de {conf.libelle_fournisseur()}. "
                "Réessayez dans un instant ; si le problème persiste, prévenez l'administrateur du tableau "
                "de bord (le détail est dans le journal du serveur).")
    if st.button("Se reconnecter", type="primary", icon=":material/login:", key="_tdb_reconnexion"):
        st.login(conf.fournisseur)
    _arreter()


# ---------------------------------------------------------------------------------------------
# Accès de la session
# ---------------------------------------------------------------------------------------------


def exiger_acces() -> Perimetre:
    """Le périmètre de la session, rangé pour les pages (``perimetre_courant``). Sans fichier d'accès :
    ``Perimetre.LOCAL``. Sinon, affiche la page qui convient (configuration, connexion, refus) et arrête
    l'exécution (``st.stop()``) tant que la personne n'est pas connectée et habilitée."""
    st.session_state.pop(CLE_PERIMETRE, None)
    try:
        acces = _acces()
    except habilitations.ErreurAcces as exc:
        # Le détail (qui nomme une entrée, donc une adresse) va au journal, pas au visiteur.
        journal.error("Fichier d'accès non conforme, accès fermé : %s", exc)
        _page_acces_illisible()
    if acces is None:
        perimetre = Perimetre.LOCAL
    else:
        conf = configuration()
        if conf.problemes:
            _page_configuration(conf.problemes)
        if not _utilisateur().get("is_logged_in"):
            _page_connexion(conf)
        try:
            claims = _claims(conf)
        except ErreurUserinfo as exc:
            if exc.reconnexion:
                _page_connexion(conf, "Votre session a expiré : reconnectez-vous pour continuer.")
            _page_verification(conf)
        email = _email(claims)
        perimetre = acces.perimetre_de(email) if email else None
        if perimetre is None:
            _page_refus(conf, claims, email)
    st.session_state[CLE_PERIMETRE] = perimetre
    return perimetre


def _perimetre_de_la_session() -> Perimetre | None:
    """Source de ``requetes.perimetre`` hors du bloc de la page (rappels des boutons) : le périmètre rangé
    dans la session par ``exiger_acces()``, ou None hors d'une session."""
    try:
        perimetre = st.session_state.get(CLE_PERIMETRE)
    except Exception:  # pas de contexte d'exécution Streamlit
        return None
    return perimetre if isinstance(perimetre, Perimetre) else None


_perimetre_requetes.definir_source(_perimetre_de_la_session)


def perimetre_pose(perimetre: Perimetre):
    """Bloc dans lequel les lectures de données de ``requetes`` sont filtrées selon ``perimetre``
    (``requetes.perimetre.actif`` : variable de contexte du fil de l'exécution). Le point d'entrée y
    exécute la navigation, les filtres, la page et le pied de page."""
    from requetes import perimetre as P

    return P.actif(perimetre)


def region_par_defaut(perimetre: Perimetre) -> str | None:
    """La région où une session arrive : celle d'un profil région, celle de la Mission Locale d'un profil
    ML ; None (tout le jeu) pour un profil national ou le mode local."""
    if perimetre.profil == "region":
        return perimetre.code
    if perimetre.profil != "ml":
        return None
    from interface import chargement
    from requetes import indicateurs

    mls = chargement.en_cache(indicateurs.missions_locales)  # restreinte : la seule ML du périmètre
    regions = mls.filter(mls["code_ml"] == perimetre.code)["code_region"].to_list()
    return regions[0] if regions else None


def perimetre_courant() -> Perimetre:
    """Le périmètre de la session, rangé par ``exiger_acces()`` (point d'entrée) pour cette exécution."""
    from interface.garde import assurer_navigation

    assurer_navigation()
    perimetre = st.session_state.get(CLE_PERIMETRE)
    if not isinstance(perimetre, Perimetre):
        raise RuntimeError("Périmètre inconnu : le point d'entrée appelle identite.exiger_acces() avant la page.")
    return perimetre


# ---------------------------------------------------------------------------------------------
# Encart de la barre latérale
# ---------------------------------------------------------------------------------------------


def _nom_region(code: str | None) -> str | None:
    import polars as pl

    from donnees import referentiel

    if not code:
        return None
    noms = referentiel.regions().filter(pl.col("code_region") == code)["nom_region"].to_list()
    return noms[0] if noms else None


def _nom_ml(code: str | None) -> str | None:
    """Nom de la ML dans le jeu en service, s'il est valide et la connaît ; sinon None (on montre le code)."""
    if not code:
        return None
    try:
        import polars as pl

        from interface import chargement
        from requetes import indicateurs

        if not chargement.etat_jeu().valide:
            return None
        noms = chargement.en_cache(indicateurs.missions_locales).filter(pl.col("code_ml") == code)["nom_ml"]
        return str(noms[0]) if len(noms) else None
    except Exception:  # jeu illisible, colonne absente… : le code suffit
        return None


def texte_perimetre(perimetre: Perimetre, nom: str | None = None) -> str:
    """« National », « Région Bretagne », « Mission Locale de Brest (ML001) » (Markdown, nom échappé)."""
    if perimetre.profil == "ml":
        if nom:
            return f"{fmt.echapper_markdown(nom)} ({fmt.echapper_markdown(perimetre.code or '')})"
        return f"Mission Locale {fmt.echapper_markdown(perimetre.code or '')}"
    return fmt.echapper_markdown(habilitations.libelle(perimetre, nom))


def encart_utilisateur(perimetre: Perimetre) -> None:
    """Dans la barre latérale : qui est connecté, son périmètre, administrateur ou non, et le bouton
    « Se déconnecter » ; en mode local, un bandeau qui dit que tout est ouvert."""
    with st.sidebar:
        if perimetre.local:
            st.warning("**Mode local : tout est ouvert**, sans connexion ni restriction. Ce mode est fait "
                       "pour un seul poste de travail ; pour ouvrir le tableau de bord à plusieurs personnes, "
                       f"définir un fichier d'accès (variable `TDB_ACCES`, voir `{DOC}`).",
                       icon=":material/lock_open:")
            return
        if perimetre.profil == "region":
            nom = _nom_region(perimetre.code)
        elif perimetre.profil == "ml":
            nom = _nom_ml(perimetre.code)
        else:
            nom = None
        try:
            claims = _claims()
        except ErreurUserinfo:
            claims = {}
        affiche = _nom_affiche(claims)
        with st.container(border=True, key="tdb_encart_utilisateur"):
            lignes = [f"**{fmt.echapper_markdown(affiche)}**"] if affiche else []
            lignes.append(fmt.echapper_markdown(perimetre.identite or ""))
            st.markdown("  \n".join(lignes))
            st.markdown(f"**Périmètre** : {texte_perimetre(perimetre, nom)}")
            st.caption("Administrateur : peut importer des données et revenir à une version précédente."
                       if perimetre.administrateur else "Consultation")
            if st.button("Se déconnecter", icon=":material/logout:", key="_tdb_deconnexion"):
                st.logout()
