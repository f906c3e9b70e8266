"""Outil de charge du tableau de bord : N sessions simultanées parlent au serveur comme le ferait l'interface
Streamlit d'un navigateur, par son propre protocole (websocket ``/_stcore/stream``, messages protobuf de
``streamlit.proto``), sans navigateur.

    .venv/bin/python scripts/charge.py                              # 10 sessions sur http://127.0.0.1:8501
    .venv/bin/python scripts/charge.py --sessions 50 --tours 2 --pid 12345
    .venv/bin/python scripts/charge.py --demarrer donnees_locales/demo --sessions 10 --json charge.json
    .venv/bin/python scripts/charge.py --help

Ce que fait chaque session (Streamlit 1.67) :

1. un GET HTTP de la première page : les cookies reçus (``Set-Cookie``, par exemple le cookie de session
   « collante » d'un mandataire nginx qui répartit entre plusieurs serveurs) sont renvoyés avec la demande
   d'ouverture du websocket, comme le fait un navigateur ;
2. ouverture du websocket ``/_stcore/stream`` avec les sous-protocoles du navigateur
   (``streamlit`` puis le jeton XSRF, ici ``PLACEHOLDER_AUTH_TOKEN`` faute de cookie ``_streamlit_xsrf``) ;
3. pour chaque tour, chaque page : ouverture de la page (``BackMsg.rerun_script``, la première par son
   adresse comme un lien ouvert, les suivantes par le ``page_script_hash`` que le message ``navigation``
   du serveur donne, comme un clic dans le menu, en renvoyant la valeur des filtres de la barre
   latérale) ; puis, sauf ``--interaction aucune``, un changement d'« Année » ou de « Région » par le
   vrai widget de la barre latérale : son identifiant est lu dans l'élément ``selectbox`` reçu, la
   valeur est envoyée comme le fait l'interface (``WidgetState.string_value`` = libellé de l'option), et
   l'adresse (``query_string``) suit, comme dans le navigateur (``?annee=2023&region=Bretagne``, la valeur
   par défaut n'y est pas écrite) ;
4. chaque exécution est attendue jusqu'au ``script_finished`` de fin (une relance par ``st.rerun()`` ne
   compte pas comme une fin) et chronométrée de l'envoi de la demande à ce message. Sont relevés : les
   exceptions affichées (éléments ``exception`` des ``delta``, exceptions de compilation), les pages
   introuvables (``page_not_found``), les délais dépassés, les erreurs de connexion ou de protocole.

Le client n'annonce aucun message en cache (``cached_message_hashes`` vide) : le serveur envoie donc
chaque élément en entier, jamais de référence ``ref_hash`` (comptée comme erreur de protocole si elle
arrivait). Le composant carte (streamlit-folium) relance le script de lui-même dans un navigateur ; pas
ici : seule l'exécution demandée est attendue.

Tout est borné : délai par exécution (``--delai-execution``), limite globale (``--limite``), délais de
connexion et de contrôle de santé ; une session dont une exécution dépasse son délai est abandonnée (le
serveur est probablement figé). Seules les adresses de la machine locale (127.0.0.0/8, ::1, localhost)
sont acceptées ; les variables de mandataire (http_proxy…) sont ignorées.

À la fin : par page, nombre d'exécutions et durées (médiane, 95e centile, maximum) ; exécutions par
seconde ; erreurs, délais, exceptions affichées ; pic de mémoire résidente (RSS) des processus serveur
donnés par ``--pid`` (processus et descendants, échantillonnés pendant la charge ; avec ``--demarrer``,
le serveur lancé est suivi d'office) ; puis un contrôle ``/_stcore/health``. Code de sortie 1 à la
moindre erreur, exécution hors délai, exception affichée, page introuvable ou santé sans réponse
(2 : paramètres invalides). Le cœur est importable : ``executer(...)`` rend un ``Resultat``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import math
import os
import random
import shutil
import ssl
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

# Après l'ajout de la racine au chemin d'import (script lancé par son chemin) : les nombres à la française
# du projet (espace fine, virgule, arrondi des demis vers le haut).
from presentation.format import nombre as _nombre  # noqa: E402

URL_DEFAUT = "http://127.0.0.1:8501"
SESSIONS_DEFAUT = 10
TOURS_DEFAUT = 1
DELAI_EXECUTION_DEFAUT_S = 60.0
LIMITE_DEFAUT_S = 300.0
LIMITE_MAX_S = 3600.0
DELAI_SANTE_DEFAUT_S = 10.0
DELAI_CONNEXION_S = 20.0
DELAI_FERMETURE_S = 3.0
SESSIONS_MAX = 500
TOURS_MAX = 100
PERIODE_MEMOIRE_S = 0.5
PERIODE_PROGRESSION_S = 10.0
TAILLE_MAX_MESSAGE = 256 * 1024 * 1024  # un élément (carte, tableau) peut peser plusieurs Mo
MAX_LIGNES_LISTE = 20  # lignes affichées par liste (erreurs, exceptions…) dans le rapport texte

CHEMIN_WEBSOCKET = "_stcore/stream"
CHEMIN_SANTE = "_stcore/health"
# Comme l'interface : [sous-protocole, jeton XSRF (ou ce texte faute de cookie _streamlit_xsrf)].
SOUS_PROTOCOLE = "streamlit"
JETON_ABSENT = "PLACEHOLDER_AUTH_TOKEN"
COOKIE_XSRF = "_streamlit_xsrf"
AGENT = "tdb-charge (outil de charge du tableau de bord)"

LIBELLE_ANNEE = "Année"
LIBELLE_REGION = "Région"
FILTRES_INTERACTION = (LIBELLE_ANNEE, LIBELLE_REGION)
INTERACTIONS = {"page": "une par page ouverte", "tour": "une par tour", "aucune": "aucune"}
# Noms acceptés pour la page d'accueil (servie à « / ») dans --pages.
NOMS_ACCUEIL = {"", "/", "accueil"}

# Valeurs de ForwardMsg.ScriptFinishedStatus (streamlit/proto/ForwardMsg.proto).
FIN_SUCCES = 0
FIN_ERREUR_COMPILATION = 1
FIN_POUR_RELANCE = 2
FIN_FRAGMENT = 3


class ErreurParametre(ValueError):
    """Paramètre refusé (message en français, destiné à la personne qui lance l'outil)."""


# --------------------------------------------------------------------------------------------
# Parties pures : adresse, centiles, pages, mise en forme
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cible:
    """Adresse du serveur (ou du mandataire) : ``base`` sans « / » final, éventuel préfixe compris."""

    base: str  # http://127.0.0.1:8501 ou http://127.0.0.1:8080/tdb
    base_ws: str  # ws://127.0.0.1:8501 …
    hote: str

    def url_page(self, chemin: str, query: str = "") -> str:
        url = f"{self.base}/{chemin.strip('/')}"
        return f"{url}?{query}" if query else url

    @property
    def url_websocket(self) -> str:
        return f"{self.base_ws}/{CHEMIN_WEBSOCKET}"

    @property
    def url_sante(self) -> str:
        return f"{self.base}/{CHEMIN_SANTE}"


def hote_local(hote: str) -> bool:
    """Vrai pour localhost et les adresses de bouclage (127.0.0.0/8, ::1)."""
    hote = hote.strip("[]").lower().rstrip(".")
    if hote == "localhost":
        return True
    try:
        return ipaddress.ip_address(hote).is_loopback
    except ValueError:
        return False


def verifier_url(url: str) -> Cible:
    """Analyse l'adresse du serveur ; ``ErreurParametre`` si elle n'est pas http(s) vers la machine locale."""
    try:
        morceaux = urlsplit(url.strip())
        port = morceaux.port
    except ValueError as exc:
        raise ErreurParametre(f"Adresse illisible : {url!r} ({exc}).") from None
    schema = morceaux.scheme.lower()
    if schema not in ("http", "https"):
        raise ErreurParametre(
            f"Adresse refusée : {url!r}. Attendu http://… ou https://… (par exemple {URL_DEFAUT})."
        )
    hote = (morceaux.hostname or "").lower()
    if not hote:
        raise ErreurParametre(f"Adresse refusée : {url!r} ne nomme aucune machine.")
    if morceaux.username is not None or morceaux.password is not None:
        raise ErreurParametre(f"Adresse refusée : {url!r} contient un identifiant ; inutile ici.")
    if not hote_local(hote):
        raise ErreurParametre(
            f"Adresse refusée : « {hote} » n'est pas la machine locale. L'outil de charge ne s'adresse "
            "qu'à un serveur de cette machine (127.0.0.1, ::1 ou localhost), jamais au réseau."
        )
    if morceaux.query or morceaux.fragment:
        raise ErreurParametre(
            f"Adresse refusée : {url!r}. Donner l'adresse de l'application sans « ? » ni « # » "
            "(les pages se choisissent avec --pages)."
        )
    netloc = f"[{hote}]" if ":" in hote else hote
    if port is not None:
        netloc += f":{port}"
    chemin = morceaux.path.rstrip("/")
    base = urlunsplit((schema, netloc, chemin, "", ""))
    base_ws = urlunsplit(("wss" if schema == "https" else "ws", netloc, chemin, "", ""))
    return Cible(base=base, base_ws=base_ws, hote=hote)


def centile(valeurs: Iterable[float], q: float) -> float | None:
    """Centile ``q`` (0 à 100) au rang le plus proche : toujours une valeur mesurée ; ``None`` si vide."""
    if not 0 <= q <= 100:
        raise ValueError(f"Centile hors de [0, 100] : {q}")
    v = sorted(valeurs)
    if not v:
        return None
    return v[max(0, math.ceil(q / 100 * len(v)) - 1)]


def pages_par_defaut() -> list[str]:
    """Les pages du tableau de bord (``interface.navigation.PAGES``), la page par défaut en « » (« / »)."""
    from interface.navigation import PAGES

    return ["" if p.defaut else p.url_path for p in PAGES]


def normaliser_page(nom: str) -> str:
    """Chemin d'une page tel que le serveur l'annonce (``url_pathname``) : « » pour l'accueil, qu'on la
    nomme « / », « accueil » ou par le ``url_path`` de la page par défaut (``vue_nationale``)."""
    nom = nom.strip().strip("/")
    if nom.lower() in NOMS_ACCUEIL:
        return ""
    try:
        from interface.navigation import CATALOGUE
    except ImportError:  # pragma: no cover - outil copié hors du dépôt
        return nom
    if any(p.defaut and p.url_path == nom for p in CATALOGUE):
        return ""
    return nom


def lire_pages(texte: str | Sequence[str] | None) -> list[str]:
    """Liste de pages de ``--pages`` (séparées par des virgules, option répétable) ; défaut : toutes.
    « / » désigne l'accueil (une chaîne vide entre deux virgules est ignorée)."""
    if texte is None:
        return pages_par_defaut()
    morceaux = [texte] if isinstance(texte, str) else list(texte)
    pages: list[str] = []
    for morceau in morceaux:
        for nom in morceau.split(","):
            if not nom.strip():
                continue
            page = normaliser_page(nom)
            if page not in pages:
                pages.append(page)
    if not pages:
        raise ErreurParametre("Aucune page dans --pages (exemple : --pages /,carte,budget).")
    return pages


def nom_page(page: str) -> str:
    return f"/{page}"


def texte_duree(s: float | None) -> str:
    if s is None or math.isnan(s):
        return "—"
    if s < 1:
        return f"{_nombre(s * 1000)} ms"
    return f"{_nombre(s, 2)} s"


def texte_memoire(octets: float | None) -> str:
    if octets is None:
        return "—"
    if octets >= 1e9:
        return f"{_nombre(octets / 1e9, 2)} Go"
    return f"{_nombre(octets / 1e6)} Mo"


def pluriel(n: int, mot: str, pluriel_: str | None = None) -> str:
    return f"{_nombre(n)} {mot if n <= 1 else (pluriel_ or mot + 's')}"


# --------------------------------------------------------------------------------------------
# Messages du protocole : suivi d'une exécution (pur, testable sans serveur)
# --------------------------------------------------------------------------------------------


@dataclass
class Filtre:
    """Un ``st.selectbox`` de la barre latérale (Année, Région) tel que l'interface le connaît."""

    libelle: str
    id: str
    options: list[str]
    defaut: str | None  # libellé de l'option par défaut
    cle_url: str  # paramètre d'URL lié (bind="query-params"), « » sinon
    valeur: str | None = None  # libellé choisi (ce que l'interface renverrait)


@dataclass
class ExceptionAffichee:
    session: int
    page: str
    nature: str  # ouverture | interaction
    type: str
    message: str
    avertissement: bool = False


@dataclass
class SuiviExecution:
    """Lit les ``ForwardMsg`` d'une exécution demandée jusqu'à son ``script_finished`` final.

    - ``new_session`` ouvre une exécution (identifiant ``metadata.run.script_run_id``) ; une chaîne de
      relances (``st.rerun()``) en ouvre plusieurs, la dernière fait foi ;
    - ``script_finished`` FINISHED_SUCCESSFULLY ou FINISHED_WITH_COMPILE_ERROR, reçu après au moins un
      ``new_session`` et portant l'identifiant de la dernière exécution (ou aucun), termine le suivi ;
      FINISHED_EARLY_FOR_RERUN (relance) et les fins de fragment ne terminent rien ;
    - un ``script_finished`` arrivé avant tout ``new_session`` est un reste de l'exécution précédente.
    """

    libelles_filtres: tuple[str, ...] = FILTRES_INTERACTION
    fini: bool = False
    statut_fin: int | None = None
    demarrages: int = 0
    id_execution: str = ""
    page_script_hash: str = ""
    exceptions: list[tuple[str, str, bool]] = field(default_factory=list)  # (type, message, avertissement)
    pages_introuvables: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    navigation: dict[str, tuple[str, str]] | None = None  # url_pathname -> (page_script_hash, titre)
    # Vrai si le dernier message navigation vient de st.navigation (sections) et non de l'ancien mode
    # « dossier pages/ », dont les titres sont les noms de fichiers.
    navigation_par_sections: bool = False
    filtres: dict[str, Filtre] = field(default_factory=dict)  # libellé -> selectbox reçu
    valeurs_imposees: dict[str, str | None] = field(default_factory=dict)  # libellé -> set_value du serveur
    messages: int = 0

    def recevoir(self, msg) -> bool:
        """Prend en compte un ``ForwardMsg`` ; rend ``True`` quand l'exécution demandée est finie."""
        self.messages += 1
        genre = msg.WhichOneof("type")
        if genre == "new_session":
            self.demarrages += 1
            self.id_execution = msg.metadata.run.script_run_id
            self.page_script_hash = msg.new_session.page_script_hash
        elif genre == "script_finished":
            statut = msg.script_finished
            if self.demarrages and statut in (FIN_SUCCES, FIN_ERREUR_COMPILATION):
                ident = msg.metadata.run.script_run_id
                if not ident or ident == self.id_execution:
                    self.fini = True
                    self.statut_fin = statut
        elif genre == "delta":
            self._delta(msg.delta)
        elif genre == "session_event":
            if msg.session_event.HasField("script_compilation_exception"):
                exc = msg.session_event.script_compilation_exception
                self.exceptions.append((exc.type or "Erreur de compilation", exc.message, False))
        elif genre == "page_not_found":
            self.pages_introuvables.append(msg.page_not_found.page_name)
        elif genre == "navigation":
            self.navigation = {
                p.url_pathname: (p.page_script_hash, p.page_name) for p in msg.navigation.app_pages
            }
            self.navigation_par_sections = bool(msg.navigation.sections)
        elif genre == "ref_hash":
            self.anomalies.append(
                "message en référence (ref_hash) reçu alors que le client n'annonce aucun cache"
            )
        return self.fini

    def _delta(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        genre = element.WhichOneof("type")
        if genre == "exception":
            exc = element.exception
            self.exceptions.append((exc.type, exc.message, bool(exc.is_warning)))
        elif genre == "selectbox" and element.selectbox.label in self.libelles_filtres:
            s = element.selectbox
            options = list(s.options)
            defaut = options[s.default] if s.HasField("default") and 0 <= s.default < len(options) else None
            self.filtres[s.label] = Filtre(
                libelle=s.label, id=s.id, options=options, defaut=defaut, cle_url=s.query_param_key,
            )
            if s.set_value:
                self.valeurs_imposees[s.label] = s.raw_value or None


async def ouvrir_session(cible: Cible, page: str, reste: Callable[[], float] = lambda: DELAI_CONNEXION_S):
    """Ouvre une session Streamlit comme un navigateur : GET de la page (cookies, dont le jeton XSRF et le
    cookie d'affinité de nginx), puis le websocket ``/_stcore/stream`` avec ces cookies. ``reste()`` : le
    temps encore permis (chaque étape est bornée par lui et par ``DELAI_CONNEXION_S``). Rend la connexion."""
    from websockets.asyncio.client import connect

    delai = min(DELAI_CONNEXION_S, reste())
    url = cible.url_page(page)
    try:
        cookies = await asyncio.wait_for(asyncio.to_thread(obtenir_cookies, url, delai), delai + 1)
    except TimeoutError:
        raise TimeoutError(f"GET {url} sans réponse en {_nombre(delai)} s") from None
    except urllib.error.HTTPError as exc:
        raise ConnectionError(f"GET {url} : HTTP {exc.code}") from None
    entetes = {}
    if cookies:
        entetes["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    jeton = cookies.get(COOKIE_XSRF) or JETON_ABSENT
    delai = min(DELAI_CONNEXION_S, max(0.1, reste()))
    kwargs = {}
    if cible.base_ws.startswith("wss:"):
        kwargs["ssl"] = _CONTEXTE_TLS
    return await asyncio.wait_for(
        connect(
            cible.url_websocket,
            subprotocols=[SOUS_PROTOCOLE, jeton],
            additional_headers=entetes or None,
            user_agent_header=AGENT,
            proxy=None,  # jamais de mandataire (http_proxy…) : la machine locale seulement
            open_timeout=delai,
            ping_interval=None,  # les délais sont ceux de l'outil, pas ceux du ping websocket
            close_timeout=DELAI_FERMETURE_S,
            max_size=TAILLE_MAX_MESSAGE,
            **kwargs,
        ),
        delai + 1,
    )


def message_execution(query_string: str = "", page_name: str = "", page_script_hash: str = "",
                      valeurs: Sequence[tuple[str, str]] = ()) -> bytes:
    """Un ``BackMsg.rerun_script`` comme l'envoie l'interface (``valeurs`` : (id du widget, libellé))."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    etat = msg.rerun_script
    etat.query_string = query_string
    etat.page_name = page_name
    etat.page_script_hash = page_script_hash
    for ident, valeur in valeurs:
        w = etat.widget_states.widgets.add()
        w.id = ident
        w.string_value = valeur
    return msg.SerializeToString()


def query_apres_choix(query: str, cle: str, valeur: str | None, defaut: str | None) -> str:
    """L'adresse après un choix dans un widget lié à l'URL : le paramètre ``cle`` prend le libellé choisi,
    ou disparaît s'il vaut la valeur par défaut (règle de Streamlit 1.67)."""
    if not cle:
        return query
    couples = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != cle]
    if valeur is not None and valeur != defaut:
        couples.append((cle, valeur))
    return urlencode(couples)


def query_pour_changement_de_page(query: str, cles_gardees: Iterable[str]) -> str:
    """Sur un changement de page, l'interface ne garde de l'adresse que les paramètres des widgets du point
    d'entrée (ici les filtres de la barre latérale)."""
    gardees = set(cles_gardees)
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in gardees])


# --------------------------------------------------------------------------------------------
# Résultat
# --------------------------------------------------------------------------------------------


@dataclass
class Execution:
    session: int
    tour: int
    page: str
    nature: str  # ouverture | interaction
    statut: str  # ok | delai | interrompue | erreur
    duree_s: float | None = None
    detail: str = ""


@dataclass
class Memoire:
    pid: int
    depart_octets: int | None = None
    pic_octets: int | None = None
    fin_octets: int | None = None
    arret: bool = False  # processus disparu pendant la charge


@dataclass
class Sante:
    ok: bool
    detail: str
    duree_s: float | None = None


@dataclass
class Resultat:
    url: str
    sessions: int
    tours: int
    pages: list[str]
    interaction: str
    delai_execution_s: float
    limite_s: float
    executions_prevues: int = 0
    executions: list[Execution] = field(default_factory=list)
    erreurs: list[str] = field(default_factory=list)
    exceptions: list[ExceptionAffichee] = field(default_factory=list)
    pages_introuvables: list[str] = field(default_factory=list)  # « session n, /page : … »
    titres: dict[str, str] = field(default_factory=dict)  # page -> titre annoncé par le serveur
    duree_s: float = 0.0
    limite_atteinte: bool = False
    memoire: list[Memoire] = field(default_factory=list)
    pic_memoire_total_octets: int | None = None
    sante_avant: Sante | None = None
    sante: Sante | None = None
    journal_serveur: str | None = None

    # ---- chiffres ----

    def reussies(self) -> list[Execution]:
        return [e for e in self.executions if e.statut == "ok"]

    def par_statut(self, statut: str) -> list[Execution]:
        return [e for e in self.executions if e.statut == statut]

    @property
    def executions_faites(self) -> int:
        return len(self.reussies())

    @property
    def executions_par_seconde(self) -> float | None:
        return self.executions_faites / self.duree_s if self.duree_s > 0 else None

    @property
    def exceptions_bloquantes(self) -> list[ExceptionAffichee]:
        return [e for e in self.exceptions if not e.avertissement]

    def statistiques(self, executions: Iterable[Execution]) -> dict:
        liste = list(executions)
        durees = [e.duree_s for e in liste if e.statut == "ok" and e.duree_s is not None]
        return {
            "executions": len(durees),
            "p50_s": centile(durees, 50),
            "p95_s": centile(durees, 95),
            "max_s": max(durees) if durees else None,
            "delais": sum(e.statut == "delai" for e in liste),
            "erreurs": sum(e.statut == "erreur" for e in liste),
            "interrompues": sum(e.statut == "interrompue" for e in liste),
        }

    def statistiques_par_page(self) -> dict[str, dict]:
        stats = {}
        for page in self.pages:
            s = self.statistiques(e for e in self.executions if e.page == page)
            s["exceptions"] = sum(1 for x in self.exceptions if x.page == page and not x.avertissement)
            s["titre"] = self.titres.get(page, "")
            # « chaud » : à partir du 2e tour, quand la session a déjà ouvert la page une fois (caches de
            # ce serveur remplis pour ses filtres) ; le 1er tour paie les calculs jamais faits.
            chaudes = [e.duree_s for e in self.executions
                       if e.page == page and e.tour >= 2 and e.statut == "ok" and e.duree_s is not None]
            s["p95_chaud_s"] = centile(chaudes, 95)
            stats[page] = s
        return stats

    def raisons_echec(self) -> list[str]:
        raisons = []
        if self.sante_avant is not None and not self.sante_avant.ok:
            raisons.append("le serveur ne répondait pas avant la charge")
        n = len(self.par_statut("delai"))
        if n:
            raisons.append(f"{pluriel(n, 'exécution')} hors délai")
        n = len(self.par_statut("erreur")) + len(self.erreurs)
        if n:
            raisons.append(pluriel(n, "erreur"))
        n = len(self.exceptions_bloquantes)
        if n:
            raisons.append(f"{pluriel(n, 'exception affichée', 'exceptions affichées')}")
        if self.pages_introuvables:
            raisons.append(f"{pluriel(len(self.pages_introuvables), 'page introuvable', 'pages introuvables')}")
        if self.limite_atteinte:
            raisons.append(f"limite globale de {_nombre(self.limite_s)} s atteinte")
        manque = self.executions_prevues - len(self.executions)
        if manque > 0:
            raisons.append(f"{pluriel(manque, 'exécution')} prévue{'s' if manque > 1 else ''} jamais "
                           f"lancée{'s' if manque > 1 else ''} (session abandonnée ou limite atteinte)")
        if any(m.arret for m in self.memoire):
            raisons.append("un processus serveur suivi s'est arrêté pendant la charge")
        if self.sante is None or not self.sante.ok:
            raisons.append("le serveur ne répond plus sur /_stcore/health (figé ou arrêté ?)")
        return raisons

    @property
    def ok(self) -> bool:
        return not self.raisons_echec()

    def en_dict(self) -> dict:
        return {
            "url": self.url,
            "parametres": {
                "sessions": self.sessions, "tours": self.tours, "pages": self.pages,
                "interaction": self.interaction, "delai_execution_s": self.delai_execution_s,
                "limite_s": self.limite_s,
            },
            "ok": self.ok,
            "raisons_echec": self.raisons_echec(),
            "duree_s": self.duree_s,
            "executions_prevues": self.executions_prevues,
            "executions_faites": self.executions_faites,
            "executions_par_seconde": self.executions_par_seconde,
            "limite_atteinte": self.limite_atteinte,
            "pages": self.statistiques_par_page(),
            "par_nature": {
                nature: self.statistiques(e for e in self.executions if e.nature == nature)
                for nature in ("ouverture", "interaction")
            },
            "ensemble": self.statistiques(self.executions),
            "erreurs": self.erreurs + [
                f"session {e.session}, {nom_page(e.page)} ({e.nature}) : {e.detail}"
                for e in self.par_statut("erreur")
            ],
            "delais": [
                f"session {e.session}, {nom_page(e.page)} ({e.nature}) : {e.detail}"
                for e in self.par_statut("delai")
            ],
            "exceptions": [asdict(e) for e in self.exceptions],
            "pages_introuvables": self.pages_introuvables,
            "memoire": {
                "pic_total_octets": self.pic_memoire_total_octets,
                "processus": [asdict(m) for m in self.memoire],
            },
            "sante_avant": asdict(self.sante_avant) if self.sante_avant else None,
            "sante": asdict(self.sante) if self.sante else None,
            "journal_serveur": self.journal_serveur,
            "executions": [asdict(e) for e in self.executions],
        }


# --------------------------------------------------------------------------------------------
# Rapport en français
# --------------------------------------------------------------------------------------------


def _liste(titre: str, lignes: list[str]) -> list[str]:
    if not lignes:
        return []
    comptes = Counter(lignes)
    sortie = [f"{titre} ({_nombre(len(lignes))}) :"]
    for i, (ligne, n) in enumerate(comptes.most_common()):
        if i >= MAX_LIGNES_LISTE:
            sortie.append(f"  … et {_nombre(len(comptes) - MAX_LIGNES_LISTE)} autres messages différents")
            break
        sortie.append(f"  - {ligne}" + (f"  (× {_nombre(n)})" if n > 1 else ""))
    return sortie


def rapport(r: Resultat) -> str:
    lignes = [
        f"Charge sur {r.url} : {pluriel(r.sessions, 'session')} simultanée{'s' if r.sessions > 1 else ''}"
        f" × {pluriel(len(r.pages), 'page')} × {pluriel(r.tours, 'tour')}, "
        f"interaction : {INTERACTIONS.get(r.interaction, r.interaction)}.",
    ]
    if r.sante_avant is not None and not r.sante_avant.ok:
        lignes.append(f"Le serveur ne répond pas avant la charge : {r.sante_avant.detail}")
    debit = r.executions_par_seconde
    lignes.append(
        f"Durée : {texte_duree(r.duree_s)} ; {_nombre(r.executions_faites)} exécutions terminées sur "
        f"{_nombre(r.executions_prevues)} prévues ; "
        f"{_nombre(debit, 1) if debit is not None else '—'} exécutions par seconde."
    )
    lignes.append("")
    stats = r.statistiques_par_page()
    largeur = max([len("interactions (filtres)")] + [len(nom_page(p) + (f" ({s['titre']})" if s["titre"] else ""))
                                   for p, s in stats.items()])
    largeur = min(largeur, 48)
    entete = (f"{'Page':<{largeur}}  {'exéc.':>6}  {'médiane':>9}  {'95e c.':>9}  {'max':>9}  "
              f"{'délais':>6}  {'erreurs':>7}  {'except.':>7}  {'chaud 95e':>9}")
    lignes += [entete, "-" * len(entete)]

    def ligne(nom: str, s: dict, exceptions: int | None) -> str:
        chaud = texte_duree(s["p95_chaud_s"]) if s.get("p95_chaud_s") is not None else ""
        return (f"{nom[:largeur]:<{largeur}}  {_nombre(s['executions']):>6}  {texte_duree(s['p50_s']):>9}  "
                f"{texte_duree(s['p95_s']):>9}  {texte_duree(s['max_s']):>9}  {_nombre(s['delais']):>6}  "
                f"{_nombre(s['erreurs']):>7}  {'' if exceptions is None else _nombre(exceptions):>7}  {chaud:>9}")

    for page, s in stats.items():
        nom = nom_page(page) + (f" ({s['titre']})" if s["titre"] else "")
        lignes.append(ligne(nom, s, s["exceptions"]))
    lignes.append("-" * len(entete))
    for nature, libelle in (("ouverture", "ouvertures de page"), ("interaction", "interactions (filtres)")):
        s = r.statistiques(e for e in r.executions if e.nature == nature)
        if s["executions"] or s["delais"] or s["erreurs"]:
            lignes.append(ligne(libelle, s, None))
    lignes.append(ligne("ensemble", r.statistiques(r.executions), len(r.exceptions_bloquantes)))
    if r.tours >= 2:
        lignes.append("« chaud 95e » : 95e centile des exécutions des tours 2 et suivants, quand la session a déjà "
                      "ouvert la page une fois.")
    lignes.append("")

    if r.memoire:
        details = []
        for m in r.memoire:
            d = (f"pid {m.pid} : départ {texte_memoire(m.depart_octets)}, pic {texte_memoire(m.pic_octets)}, "
                 f"fin {texte_memoire(m.fin_octets)}")
            if m.arret:
                d += " — ARRÊTÉ pendant la charge"
            details.append(d)
        lignes.append(f"Mémoire du serveur (RSS, processus et descendants, pic échantillonné toutes les "
                      f"{_nombre(PERIODE_MEMOIRE_S, 1)} s) : pic {texte_memoire(r.pic_memoire_total_octets)}")
        lignes += [f"  {d}" for d in details]
    else:
        lignes.append("Mémoire du serveur : non mesurée (donner --pid PID du serveur, ou --demarrer).")

    if r.sante is not None:
        etat = "répond" if r.sante.ok else "NE RÉPOND PAS"
        lignes.append(f"Santé après la charge (/{CHEMIN_SANTE}) : {etat} — {r.sante.detail}"
                      + (f" en {texte_duree(r.sante.duree_s)}" if r.sante.ok and r.sante.duree_s else ""))
    if r.journal_serveur:
        lignes.append(f"Journal du serveur : {r.journal_serveur}")
    lignes.append("")

    exc = [f"{nom_page(e.page)} ({e.nature}) : {e.type} : {e.message.strip()[:400]}"
           for e in r.exceptions if not e.avertissement]
    avert = [f"{nom_page(e.page)} ({e.nature}) : {e.type} : {e.message.strip()[:400]}"
             for e in r.exceptions if e.avertissement]
    delais = [f"{nom_page(e.page)} ({e.nature}) : {e.detail}" for e in r.par_statut("delai")]
    erreurs = r.erreurs + [f"{nom_page(e.page)} ({e.nature}) : {e.detail}" for e in r.par_statut("erreur")]
    for titre, liste in (("Exceptions affichées", exc), ("Avertissements affichés (non bloquants)", avert),
                         ("Pages introuvables", r.pages_introuvables), ("Exécutions hors délai", delais),
                         ("Erreurs", erreurs)):
        bloc = _liste(titre, liste)
        if bloc:
            lignes += bloc + [""]

    raisons = r.raisons_echec()
    lignes.append("Verdict : OK" if not raisons else "Verdict : ÉCHEC — " + " ; ".join(raisons) + ".")
    return "\n".join(lignes)


# --------------------------------------------------------------------------------------------
# Mémoire des processus serveur (/proc, Linux)
# --------------------------------------------------------------------------------------------


def _parents() -> dict[int, list[int]]:
    enfants: dict[int, list[int]] = {}
    for nom in os.listdir("/proc"):
        if not nom.isdigit():
            continue
        try:
            with open(f"/proc/{nom}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        enfants.setdefault(ppid, []).append(int(nom))
    return enfants


def _rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return None


def rss_arbre(pid: int, enfants: dict[int, list[int]] | None = None) -> int | None:
    """Mémoire résidente de ``pid`` et de ses descendants (octets) ; ``None`` si ``pid`` n'existe plus."""
    racine = _rss(pid)
    if racine is None:
        return None
    enfants = _parents() if enfants is None else enfants
    total, a_voir, vus = racine, list(enfants.get(pid, [])), {pid}
    while a_voir:
        p = a_voir.pop()
        if p in vus:
            continue
        vus.add(p)
        total += _rss(p) or 0
        a_voir.extend(enfants.get(p, []))
    return total


class Echantillonneur:
    """Relève la RSS des arbres de processus suivis ; garde départ, pic et fin (total et par processus)."""

    def __init__(self, pids: Sequence[int]):
        self.memoires = [Memoire(pid=p) for p in pids]
        self.pic_total: int | None = None

    def mesurer(self) -> None:
        if not self.memoires:
            return
        enfants = _parents()
        total = 0
        for m in self.memoires:
            rss = rss_arbre(m.pid, enfants)
            if rss is None:
                if m.depart_octets is not None:
                    m.arret = True
                continue
            total += rss
            if m.depart_octets is None:
                m.depart_octets = rss
            m.pic_octets = max(m.pic_octets or 0, rss)
            m.fin_octets = rss
        self.pic_total = max(self.pic_total or 0, total)


def verifier_pids(pids: Sequence[int]) -> None:
    for pid in pids:
        if pid <= 0 or _rss(pid) is None:
            raise ErreurParametre(f"--pid {pid} : aucun processus de ce numéro sur cette machine.")


# --------------------------------------------------------------------------------------------
# HTTP (cookies, santé) : urllib sans mandataire, dans un fil, borné
# --------------------------------------------------------------------------------------------

_OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # jamais de mandataire
_CONTEXTE_TLS = ssl.create_default_context()
_CONTEXTE_TLS.check_hostname = False  # machine locale seulement : certificat auto-signé accepté
_CONTEXTE_TLS.verify_mode = ssl.CERT_NONE
_OUVREUR_TLS = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=_CONTEXTE_TLS)
)


def _ouvreur(url: str):
    return _OUVREUR_TLS if url.startswith("https:") else _OUVREUR


def obtenir_cookies(url: str, delai_s: float) -> dict[str, str]:
    """GET ``url`` ; rend les cookies posés par la réponse (``Set-Cookie``) : nom -> valeur."""
    requete = urllib.request.Request(url, headers={"User-Agent": AGENT, "Accept": "text/html"})
    with _ouvreur(url).open(requete, timeout=delai_s) as rep:
        rep.read(1 << 20)
        entetes = rep.headers.get_all("Set-Cookie") or []
    cookies: dict[str, str] = {}
    for entete in entetes:
        biscuit = SimpleCookie()
        try:
            biscuit.load(entete)
        except CookieError:
            continue
        for nom, morceau in biscuit.items():
            cookies[nom] = morceau.value
    return cookies


def controler_sante(cible: Cible, delai_s: float) -> Sante:
    debut = time.monotonic()
    try:
        requete = urllib.request.Request(cible.url_sante, headers={"User-Agent": AGENT})
        with _ouvreur(cible.url_sante).open(requete, timeout=delai_s) as rep:
            corps = rep.read(1000).decode("utf-8", errors="replace").strip()
            statut = rep.status
    except urllib.error.HTTPError as exc:
        return Sante(ok=False, detail=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raison = getattr(exc, "reason", exc)
        if isinstance(raison, TimeoutError) or "timed out" in str(raison):
            return Sante(ok=False, detail=f"pas de réponse en {_nombre(delai_s)} s")
        return Sante(ok=False, detail=f"connexion impossible ({raison})")
    duree = time.monotonic() - debut
    if statut == 200 and corps == "ok":
        return Sante(ok=True, detail=f"HTTP 200 « {corps} »", duree_s=duree)
    return Sante(ok=False, detail=f"HTTP {statut} « {corps[:80]} »", duree_s=duree)


async def controler_sante_async(cible: Cible, delai_s: float) -> Sante:
    try:
        return await asyncio.wait_for(asyncio.to_thread(controler_sante, cible, delai_s), delai_s + 2)
    except TimeoutError:
        return Sante(ok=False, detail=f"pas de réponse en {_nombre(delai_s)} s")


# --------------------------------------------------------------------------------------------
# Une session
# --------------------------------------------------------------------------------------------


class Delai(Exception):
    """Exécution non finie à temps (``globale`` : c'est la limite globale qui a coupé)."""

    def __init__(self, globale: bool):
        super().__init__("limite globale" if globale else "délai")
        self.globale = globale


@dataclass
class Plan:
    cible: Cible
    sessions: int
    tours: int
    pages: list[str]
    interaction: str
    delai_execution_s: float
    echeance: float  # time.monotonic() de la limite globale
    etalement_s: float = 0.0

    @property
    def executions_par_session(self) -> int:
        n = self.tours * len(self.pages)
        if self.interaction == "page":
            n *= 2
        elif self.interaction == "tour":
            n += self.tours
        return n


class Session:
    def __init__(self, numero: int, plan: Plan, resultat: Resultat):
        self.numero = numero
        self.plan = plan
        self.resultat = resultat
        self.hasard = random.Random(numero)
        self.ws = None
        self.query = ""
        self.navigation: dict[str, tuple[str, str]] = {}
        self.filtres: dict[str, Filtre] = {}
        self.page_courante_hash = ""
        self.interactions = 0

    # -- bornes --

    def reste(self) -> float:
        return self.plan.echeance - time.monotonic()

    def _noter(self, page: str, nature: str, statut: str, duree: float | None = None, detail: str = "",
               tour: int = 0) -> None:
        self.resultat.executions.append(
            Execution(session=self.numero, tour=tour, page=page, nature=nature, statut=statut,
                      duree_s=duree, detail=detail)
        )

    # -- déroulé --

    async def derouler(self) -> None:
        plan = self.plan
        if plan.etalement_s and plan.sessions > 1:
            await asyncio.sleep(min(max(0.0, self.reste()), plan.etalement_s * self.numero / plan.sessions))
        try:
            await self._connecter()
        except Delai:
            self.resultat.limite_atteinte = True
            return
        except Exception as exc:  # toute panne de connexion est rapportée, pas levée
            self.resultat.erreurs.append(f"session {self.numero} : connexion impossible ({_decrire(exc)})")
            return
        try:
            await self._parcourir()
        finally:
            await self._fermer()

    async def _connecter(self) -> None:
        if self.reste() <= 0:
            raise Delai(globale=True)
        self.ws = await ouvrir_session(self.plan.cible, self.plan.pages[0], self.reste)

    async def _fermer(self) -> None:
        if self.ws is None:
            return
        with contextlib.suppress(Exception):  # fermeture au mieux, bornée
            await asyncio.wait_for(self.ws.close(), DELAI_FERMETURE_S + 1)

    async def _parcourir(self) -> None:
        plan = self.plan
        premiere = True
        for tour in range(1, plan.tours + 1):
            for i, page in enumerate(plan.pages):
                if not await self._ouvrir(page, premiere, tour):
                    return
                premiere = False
                a_interagir = plan.interaction == "page" or (
                    plan.interaction == "tour" and i == len(plan.pages) - 1
                )
                if a_interagir and not await self._interagir(page, tour):
                    return

    async def _ouvrir(self, page: str, premiere: bool, tour: int) -> bool:
        if premiere or page not in self.navigation:
            # comme une adresse ouverte dans le navigateur : /carte -> page_name « carte »
            donnees = message_execution(self.query, page_name=page)
        else:
            # comme un clic dans le menu : le hash de la page, les valeurs des filtres de la barre latérale
            cles = [f.cle_url for f in self.filtres.values() if f.cle_url]
            self.query = query_pour_changement_de_page(self.query, cles)
            donnees = message_execution(self.query, page_script_hash=self.navigation[page][0],
                                        valeurs=self._valeurs_filtres())
        return await self._executer(donnees, page, "ouverture", tour)

    async def _interagir(self, page: str, tour: int) -> bool:
        # alternance année / région, décalée selon la session et le tour (toutes les pages voient les deux)
        libelle = FILTRES_INTERACTION[(self.interactions + self.numero + tour) % len(FILTRES_INTERACTION)]
        self.interactions += 1
        filtre = self.filtres.get(libelle)
        if filtre is None:
            self._noter(page, "interaction", "erreur",
                        detail=f"widget « {libelle} » absent de la barre latérale : interaction impossible",
                        tour=tour)
            return True  # la session continue avec la page suivante
        autres = [o for o in filtre.options if o != filtre.valeur]
        if not autres:
            self._noter(page, "interaction", "erreur",
                        detail=f"widget « {libelle} » : une seule option, rien à changer", tour=tour)
            return True
        filtre.valeur = self.hasard.choice(autres)
        self.query = query_apres_choix(self.query, filtre.cle_url, filtre.valeur, filtre.defaut)
        donnees = message_execution(self.query, page_script_hash=self.page_courante_hash,
                                    valeurs=self._valeurs_filtres())
        return await self._executer(donnees, page, "interaction", tour)

    def _valeurs_filtres(self) -> list[tuple[str, str]]:
        return [(f.id, f.valeur) for f in self.filtres.values() if f.valeur is not None]

    async def _executer(self, donnees: bytes, page: str, nature: str, tour: int) -> bool:
        """Envoie une demande d'exécution et attend sa fin ; rend False si la session doit s'arrêter."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        if self.reste() <= 0:
            self.resultat.limite_atteinte = True
            return False
        suivi = SuiviExecution()
        debut = time.monotonic()
        echeance_run = debut + self.plan.delai_execution_s
        try:
            try:
                await asyncio.wait_for(self.ws.send(donnees),
                                       max(0.1, min(echeance_run, self.plan.echeance) - debut))
            except TimeoutError:
                raise Delai(globale=self.plan.echeance < echeance_run) from None
            while not suivi.fini:
                maintenant = time.monotonic()
                reste = min(echeance_run, self.plan.echeance) - maintenant
                if reste <= 0:
                    raise Delai(globale=self.plan.echeance < echeance_run)
                try:
                    brut = await asyncio.wait_for(self.ws.recv(), reste)
                except TimeoutError:
                    raise Delai(globale=self.plan.echeance < echeance_run) from None
                if isinstance(brut, str):
                    raise ValueError("message texte reçu (le protocole Streamlit est binaire)")
                suivi.recevoir(ForwardMsg.FromString(brut))
        except Delai as d:
            duree = time.monotonic() - debut
            self._bilan(suivi, page, nature)
            if d.globale:
                self.resultat.limite_atteinte = True
                self._noter(page, nature, "interrompue", duree,
                            f"limite globale atteinte pendant l'exécution ({texte_duree(duree)})", tour)
            else:
                self._noter(page, nature, "delai", duree,
                            f"pas de fin d'exécution en {_nombre(self.plan.delai_execution_s)} s "
                            f"({_nombre(suivi.messages)} messages reçus) ; session abandonnée", tour)
            return False
        except ConnectionClosed as exc:
            self._bilan(suivi, page, nature)
            self._noter(page, nature, "erreur", time.monotonic() - debut,
                        f"connexion fermée par le serveur ({_decrire(exc)})", tour)
            return False
        except Exception as exc:  # message illisible, panne réseau… : rapportés
            self._bilan(suivi, page, nature)
            self._noter(page, nature, "erreur", time.monotonic() - debut, _decrire(exc), tour)
            return False
        duree = time.monotonic() - debut
        self._bilan(suivi, page, nature)
        if suivi.statut_fin == FIN_ERREUR_COMPILATION:
            self._noter(page, nature, "erreur", duree, "le script ne compile pas (FINISHED_WITH_COMPILE_ERROR)",
                        tour)
        else:
            self._noter(page, nature, "ok", duree, tour=tour)
        return True

    def _bilan(self, suivi: SuiviExecution, page: str, nature: str) -> None:
        """Reporte dans la session et le résultat ce que l'exécution a appris ou montré."""
        r = self.resultat
        if suivi.navigation:
            self.navigation = suivi.navigation
            for chemin, (_h, titre) in suivi.navigation.items():
                if suivi.navigation_par_sections:
                    r.titres[chemin] = titre
                else:
                    r.titres.setdefault(chemin, titre)
        if suivi.page_script_hash:
            self.page_courante_hash = suivi.page_script_hash
        for libelle, filtre in suivi.filtres.items():
            ancien = self.filtres.get(libelle)
            if libelle in suivi.valeurs_imposees:
                filtre.valeur = suivi.valeurs_imposees[libelle] or filtre.defaut
            elif ancien is not None and ancien.valeur in filtre.options:
                filtre.valeur = ancien.valeur
            else:
                filtre.valeur = filtre.defaut
            self.filtres[libelle] = filtre
        for type_, message, avertissement in suivi.exceptions:
            r.exceptions.append(ExceptionAffichee(self.numero, page, nature, type_, message, avertissement))
        for nom in suivi.pages_introuvables:
            r.pages_introuvables.append(
                f"session {self.numero}, {nom_page(page)} ({nature}) : le serveur ne connaît pas la page "
                f"« {nom} » et affiche la page par défaut"
            )
        for anomalie in suivi.anomalies:
            r.erreurs.append(f"session {self.numero}, {nom_page(page)} ({nature}) : {anomalie}")


def _decrire(exc: BaseException) -> str:
    texte = str(exc).strip()
    return f"{type(exc).__name__} : {texte}" if texte else type(exc).__name__


# --------------------------------------------------------------------------------------------
# Exécution de la charge
# --------------------------------------------------------------------------------------------


async def _executer_async(plan: Plan, resultat: Resultat, pids: Sequence[int], delai_sante_s: float,
                          progression: Callable[[str], None] | None) -> None:
    delai = min(delai_sante_s, max(0.5, plan.echeance - time.monotonic()))
    resultat.sante_avant = await controler_sante_async(plan.cible, delai)
    if not resultat.sante_avant.ok:
        resultat.sante = resultat.sante_avant
        return
    echantillons = Echantillonneur(pids)
    echantillons.mesurer()
    arret = asyncio.Event()

    async def surveiller() -> None:
        prochain_message = time.monotonic() + PERIODE_PROGRESSION_S
        while not arret.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arret.wait(), PERIODE_MEMOIRE_S)
            echantillons.mesurer()
            if progression and time.monotonic() >= prochain_message:
                prochain_message += PERIODE_PROGRESSION_S
                progression(f"… {_nombre(resultat.executions_faites)} / {_nombre(resultat.executions_prevues)} "
                            f"exécutions terminées ({_nombre(time.monotonic() - debut)} s)")

    debut = time.monotonic()
    tache_surveillance = asyncio.create_task(surveiller())
    sessions = [Session(i + 1, plan, resultat) for i in range(plan.sessions)]
    taches = [asyncio.create_task(s.derouler()) for s in sessions]
    # Filet de sécurité : chaque attente est déjà bornée ; au-delà de la limite (plus la fermeture), on coupe.
    marge = DELAI_FERMETURE_S + DELAI_CONNEXION_S + 5
    _fait, en_cours = await asyncio.wait(taches, timeout=max(0.0, plan.echeance - time.monotonic()) + marge)
    for t in en_cours:
        t.cancel()
    if en_cours:
        resultat.limite_atteinte = True
        await asyncio.wait(en_cours, timeout=DELAI_FERMETURE_S + 2)
    for t in taches:
        if t.done() and not t.cancelled() and t.exception() is not None:
            resultat.erreurs.append(f"erreur interne de l'outil : {_decrire(t.exception())}")
    resultat.duree_s = time.monotonic() - debut
    arret.set()
    await asyncio.wait_for(tache_surveillance, PERIODE_MEMOIRE_S + 5)
    echantillons.mesurer()
    resultat.memoire = echantillons.memoires
    resultat.pic_memoire_total_octets = echantillons.pic_total
    resultat.sante = await controler_sante_async(plan.cible, delai_sante_s)


def executer(url: str = URL_DEFAUT, sessions: int = SESSIONS_DEFAUT, tours: int = TOURS_DEFAUT,
             pages: Sequence[str] | None = None, interaction: str = "page",
             delai_execution_s: float = DELAI_EXECUTION_DEFAUT_S, limite_s: float = LIMITE_DEFAUT_S,
             delai_sante_s: float = DELAI_SANTE_DEFAUT_S, pids: Sequence[int] = (), etalement_s: float = 0.0,
             progression: Callable[[str], None] | None = None, journal_serveur: str | None = None) -> Resultat:
    """Lance la charge et rend son ``Resultat`` (ne lève pas pour une panne du serveur : elle est dans le
    résultat ; ``ErreurParametre`` pour un paramètre invalide)."""
    cible = verifier_url(url)
    if pages is None or isinstance(pages, str):
        pages = lire_pages(pages)
    else:  # liste venue du code : « » (l'accueil) y est une page
        pages = list(dict.fromkeys(normaliser_page(p) for p in pages))
    if not pages:
        raise ErreurParametre("Aucune page à ouvrir.")
    if interaction not in INTERACTIONS:
        raise ErreurParametre(f"Interaction inconnue : {interaction!r} (attendu : {', '.join(INTERACTIONS)}).")
    if not 1 <= sessions <= SESSIONS_MAX:
        raise ErreurParametre(f"Nombre de sessions hors de [1, {SESSIONS_MAX}] : {sessions}.")
    if not 1 <= tours <= TOURS_MAX:
        raise ErreurParametre(f"Nombre de tours hors de [1, {TOURS_MAX}] : {tours}.")
    for nom, valeur, maxi in (("délai par exécution", delai_execution_s, LIMITE_MAX_S),
                              ("limite globale", limite_s, LIMITE_MAX_S),
                              ("délai du contrôle de santé", delai_sante_s, 600.0)):
        if not 0 < valeur <= maxi:  # faux aussi pour NaN
            raise ErreurParametre(f"{nom.capitalize()} hors de ]0, {_nombre(maxi)}] s : {valeur}.")
    if not 0 <= etalement_s < limite_s:
        raise ErreurParametre(f"Étalement hors de [0, limite globale[ : {etalement_s}.")
    verifier_pids(pids)
    plan = Plan(cible=cible, sessions=sessions, tours=tours, pages=list(pages), interaction=interaction,
                delai_execution_s=delai_execution_s, echeance=time.monotonic() + limite_s,
                etalement_s=etalement_s)
    resultat = Resultat(url=cible.base, sessions=sessions, tours=tours, pages=list(pages),
                        interaction=interaction, delai_execution_s=delai_execution_s, limite_s=limite_s,
                        executions_prevues=sessions * plan.executions_par_session,
                        journal_serveur=journal_serveur)
    # Dans un fil à part, avec sa propre boucle asyncio : l'appelant peut déjà avoir une boucle en cours
    # dans son fil (un test qui pilote Chromium par l'API synchrone de Playwright, par exemple), où
    # asyncio.run refuserait de démarrer.
    erreurs: list[BaseException] = []

    def boucle() -> None:
        try:
            asyncio.run(_executer_async(plan, resultat, list(pids), delai_sante_s, progression))
        except BaseException as exc:  # relevée dans le fil appelant
            erreurs.append(exc)

    fil = threading.Thread(target=boucle, name="charge", daemon=True)
    fil.start()
    fil.join()
    if erreurs:
        raise erreurs[0]
    return resultat


# --------------------------------------------------------------------------------------------
# Ligne de commande
# --------------------------------------------------------------------------------------------


def _reel_positif(texte: str) -> float:
    try:
        valeur = float(texte.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"nombre attendu, pas {texte!r}") from None
    if not valeur > 0 or math.isinf(valeur):
        raise argparse.ArgumentTypeError(f"nombre positif attendu, pas {texte!r}")
    return valeur


def _entier_positif(texte: str) -> int:
    try:
        valeur = int(texte)
    except ValueError:
        raise argparse.ArgumentTypeError(f"entier attendu, pas {texte!r}") from None
    if valeur < 1:
        raise argparse.ArgumentTypeError(f"entier positif attendu, pas {texte!r}")
    return valeur


class _Formateur(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix if prefix is not None else "utilisation : ")


class _Analyseur(argparse.ArgumentParser):
    """argparse en français pour les messages d'usage et d'erreur."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def analyseur() -> argparse.ArgumentParser:
    p = _Analyseur(
        prog="scripts/charge.py",
        description="Charge le tableau de bord avec N sessions simultanées qui parlent le protocole websocket "
                    "de Streamlit (sans navigateur) : chaque session ouvre chaque page puis change l'année "
                    "ou la région dans la barre latérale ; durées par page, erreurs, exceptions affichées, "
                    "mémoire du serveur, puis contrôle de santé. Code de sortie 1 au moindre problème.",
        add_help=False,
        formatter_class=_Formateur,
    )
    p.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    p.add_argument("--url", default=None,
                   help=f"adresse du serveur ou du mandataire nginx, machine locale seulement (défaut : {URL_DEFAUT})")
    p.add_argument("-n", "--sessions", type=_entier_positif, default=SESSIONS_DEFAUT,
                   help=f"sessions simultanées (défaut : {SESSIONS_DEFAUT}, au plus {SESSIONS_MAX})")
    p.add_argument("-t", "--tours", type=_entier_positif, default=TOURS_DEFAUT,
                   help=f"tours de toutes les pages par session (défaut : {TOURS_DEFAUT}, au plus {TOURS_MAX})")
    p.add_argument("--pages", action="append", default=None, metavar="PAGES",
                   help="pages à ouvrir, dans l'ordre, séparées par des virgules (« / » : accueil), option "
                        "répétable ; défaut : les 8 pages (/, carte, comparaison, portrait, budget, accords, "
                        "orientations, donnees)")
    p.add_argument("--interaction", choices=list(INTERACTIONS), default="page",
                   help="changement d'année ou de région : après chaque page (page, défaut), une fois par tour "
                        "(tour) ou jamais (aucune)")
    p.add_argument("--delai-execution", type=_reel_positif, default=DELAI_EXECUTION_DEFAUT_S, metavar="S",
                   help=f"délai maximal d'une exécution de page, en secondes (défaut : {DELAI_EXECUTION_DEFAUT_S:g})")
    p.add_argument("--limite", type=_reel_positif, default=LIMITE_DEFAUT_S, metavar="S",
                   help=f"durée maximale de toute la charge, en secondes (défaut : {LIMITE_DEFAUT_S:g}, "
                        f"au plus {LIMITE_MAX_S:g})")
    p.add_argument("--delai-sante", type=_reel_positif, default=DELAI_SANTE_DEFAUT_S, metavar="S",
                   help=f"délai du contrôle /{CHEMIN_SANTE} final (défaut : {DELAI_SANTE_DEFAUT_S:g})")
    p.add_argument("--etalement", type=float, default=0.0, metavar="S",
                   help="étaler le démarrage des sessions sur S secondes (défaut : 0, toutes ensemble)")
    p.add_argument("--pid", type=_entier_positif, action="append", default=[], metavar="PID",
                   help="processus serveur dont relever la mémoire (avec ses descendants) ; option répétable "
                        "(plusieurs répliques)")
    p.add_argument("--demarrer", nargs="?", const=str(RACINE / "donnees_locales" / "demo"), default=None,
                   metavar="DOSSIER",
                   help="démarrer soi-même un serveur sur un port libre, sur le jeu DOSSIER (défaut : "
                        "donnees_locales/demo, généré s'il manque), le suivre puis l'arrêter")
    p.add_argument("--json", type=Path, default=None, metavar="FICHIER",
                   help="écrire aussi les chiffres en JSON dans FICHIER")
    p.add_argument("-q", "--silencieux", action="store_true", help="pas de messages de progression")
    return p


def analyser_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = analyseur()
    args = p.parse_args(argv)
    if args.demarrer is not None and args.url is not None:
        p.error("--demarrer et --url s'excluent : avec --demarrer, l'outil lance son propre serveur.")
    try:
        if args.url is not None:
            verifier_url(args.url)
        args.pages = lire_pages(args.pages)
    except ErreurParametre as exc:
        p.error(str(exc))
    if args.limite > LIMITE_MAX_S:
        p.error(f"--limite au plus {LIMITE_MAX_S:g} s.")
    if args.sessions > SESSIONS_MAX:
        p.error(f"--sessions au plus {SESSIONS_MAX}.")
    if args.tours > TOURS_MAX:
        p.error(f"--tours au plus {TOURS_MAX}.")
    if not 0 <= args.etalement < args.limite:
        p.error("--etalement doit être positif et inférieur à --limite.")
    return args


def _preparer_dossier(dossier: Path) -> None:
    defaut = (RACINE / "donnees_locales" / "demo").resolve()
    if dossier.is_dir() and any(dossier.glob("*.parquet")):
        return
    if dossier.resolve() != defaut:
        raise ErreurParametre(f"--demarrer {dossier} : dossier absent ou sans fichiers Parquet.")
    print(f"Génération du jeu de démonstration dans {dossier}…", file=sys.stderr, flush=True)
    from donnees.demo import generer

    generer(dossier)


def main(argv: Sequence[str] | None = None) -> int:
    args = analyser_arguments(argv)
    progression = None if args.silencieux else (lambda texte: print(texte, file=sys.stderr, flush=True))
    serveur = None
    pids = list(args.pid)
    url = args.url or URL_DEFAUT
    try:
        if args.demarrer is not None:
            from tests.navigateur.harnais import demarrer_serveur

            dossier = Path(args.demarrer)
            _preparer_dossier(dossier)
            journal = Path(tempfile.mkdtemp(prefix="tdb-charge-")) / "streamlit.log"
            if progression:
                progression(f"Démarrage du serveur sur {dossier} (journal : {journal})…")
            try:
                serveur = demarrer_serveur(dossier, journal)
            except RuntimeError as exc:
                print(f"Le serveur n'a pas démarré :\n{exc}", file=sys.stderr)
                return 1
            url = serveur.url
            pids.append(serveur.processus.pid)
        if progression:
            progression(f"Charge : {pluriel(args.sessions, 'session')} × {pluriel(len(args.pages), 'page')} × "
                        f"{pluriel(args.tours, 'tour')} sur {url} (limite {_nombre(args.limite)} s)…")
        resultat = executer(
            url=url, sessions=args.sessions, tours=args.tours, pages=args.pages, interaction=args.interaction,
            delai_execution_s=args.delai_execution, limite_s=args.limite, delai_sante_s=args.delai_sante,
            pids=pids, etalement_s=args.etalement, progression=progression,
            journal_serveur=str(serveur.journal) if serveur else None,
        )
    except ErreurParametre as exc:
        print(f"scripts/charge.py : erreur : {exc}", file=sys.stderr)
        return 2
    finally:
        if serveur is not None:
            serveur.arreter()
    if serveur is not None and resultat.ok:  # journal gardé seulement s'il peut servir
        shutil.rmtree(serveur.journal.parent, ignore_errors=True)
        resultat.journal_serveur = None
    print(rapport(resultat))
    if serveur is not None and not resultat.ok:
        print("\nFin du journal du serveur (arrêté) :\n" + serveur.fin_du_journal(6000))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(resultat.en_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nChiffres écrits dans {args.json}")
    return 0 if resultat.ok else 1


if __name__ == "__main__":
    sys.exit(main())
