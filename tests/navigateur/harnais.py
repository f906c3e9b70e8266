"""Harnais des tests navigateur : un serveur Streamlit réel, le Chromium de Debian piloté par Playwright.

Ce module ne contient que des outils ; les fixtures pytest qui les assemblent sont dans
``tests/navigateur/conftest.py``. Un test navigateur s'écrit ainsi :

    from tests.navigateur.harnais import ouvrir, verifier_sans_erreur

    def test_ma_page(page_app):
        ouvrir(page_app, "vue_nationale", {"annee": "2024"})
        verifier_sans_erreur(page_app)

Règles surveillées pour chaque onglet (``Surveillance``) :
- l'application n'affiche aucune exception (``stException``) et Streamlit ne signale pas de page
  introuvable ;
- seules les requêtes http(s)/ws(s) vers localhost / 127.0.0.1 / ::1 et les URL data: / blob: passent ;
  toute autre requête est interrompue et notée (« hors local ») : l'application doit marcher sans internet ;
- les requêtes en échec (``requestfailed``) et les réponses HTTP ≥ 400 sont notées ;
- les erreurs de console et les exceptions JavaScript non rattrapées sont notées.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

RACINE = Path(__file__).resolve().parents[2]
SCRIPT_APP = "tableau_de_bord.py"
CHROMIUM = os.environ.get("TDB_CHROMIUM", "/usr/bin/chromium")
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
HOTES_LOCAUX = {"localhost", "127.0.0.1", "::1", "[::1]"}
# Ouverte directement sur l'adresse d'une page (/carte), l'interface Streamlit cherche d'abord le
# serveur sous /carte/_stcore/… (404 attendus) avant de se rabattre sur /_stcore/… : ces deux
# sondes-là ne sont pas des erreurs.
SONDES_STREAMLIT = ("/_stcore/health", "/_stcore/host-config")
# Message de console de l'interface Streamlit quand le serveur lui dit « page introuvable ».
PAGE_INTROUVABLE = "Running the app's main page"
DELAI_DEMARRAGE_S = 90.0
DELAI_PAGE_MS = 90_000
# Durée pendant laquelle l'application doit rester au repos (script arrêté, pas d'indicateur
# « Running ») avant qu'on la considère comme prête : un composant (carte folium) peut relancer le
# script juste après le premier affichage.
REPOS_MS = 700


# --------------------------------------------------------------------------------------------
# Serveur Streamlit
# --------------------------------------------------------------------------------------------


def port_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fin_du_journal(journal: Path, nb_caracteres: int = 4000) -> str:
    """La fin du journal d'un processus lancé par les tests (messages d'échec)."""
    try:
        return journal.read_text(encoding="utf-8", errors="replace")[-nb_caracteres:]
    except OSError:
        return "(journal illisible)"


def arreter_groupe(processus: subprocess.Popen, delai_s: float = 15) -> None:
    """Arrête un processus lancé dans son propre groupe (``start_new_session``) : SIGTERM au groupe, puis
    SIGKILL s'il n'est pas fini après ``delai_s``."""
    if processus.poll() is not None:
        return
    try:
        os.killpg(processus.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        processus.wait(timeout=delai_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(processus.pid, signal.SIGKILL)
        processus.wait(timeout=delai_s)


@dataclass
class Serveur:
    """Un ``streamlit run tableau_de_bord.py`` lancé dans son propre groupe de processus."""

    port: int
    processus: subprocess.Popen
    journal: Path
    dossier_donnees: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fin_du_journal(self, nb_caracteres: int = 4000) -> str:
        return fin_du_journal(self.journal, nb_caracteres)

    def arreter(self) -> None:
        arreter_groupe(self.processus)


def demarrer_serveur(dossier_donnees: Path, journal: Path, port: int | None = None,
                     env_en_plus: dict[str, str] | None = None) -> Serveur:
    """Lance le tableau de bord sur ``dossier_donnees`` (variable TDB_DONNEES) et attend qu'il réponde
    sur ``/_stcore/health``. Lève RuntimeError avec la fin du journal si le serveur ne démarre pas."""
    port = port or port_libre()
    env = os.environ.copy()
    env["TDB_DONNEES"] = str(dossier_donnees)
    env.update(env_en_plus or {})
    commande = [
        # comme scripts/lancer.sh : « streamlit run tableau_de_bord.py » précédé du préchargement
        sys.executable, "-m", "interface.lancement",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--server.showEmailPrompt", "false",
        "--browser.gatherUsageStats", "false",
        # Traces complètes dans la page : un test en échec dit quelle exception (la configuration
        # de production, .streamlit/config.toml, les masque).
        "--client.showErrorDetails", "full",
    ]
    sortie = open(journal, "wb")  # noqa: SIM115 (fermé avec le processus)
    processus = subprocess.Popen(
        commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True,
    )
    sortie.close()
    serveur = Serveur(port=port, processus=processus, journal=journal, dossier_donnees=dossier_donnees)
    limite = time.monotonic() + DELAI_DEMARRAGE_S
    while True:
        if processus.poll() is not None:
            raise RuntimeError(
                f"Le serveur Streamlit s'est arrêté au démarrage (code {processus.returncode}).\n"
                f"Commande : {' '.join(commande)}\nJournal :\n{serveur.fin_du_journal()}"
            )
        try:
            with urllib.request.urlopen(f"{serveur.url}/_stcore/health", timeout=2) as rep:
                if rep.status == 200:
                    return serveur
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        if time.monotonic() > limite:
            serveur.arreter()
            raise RuntimeError(
                f"Le serveur Streamlit ne répond pas sur /_stcore/health après {DELAI_DEMARRAGE_S:.0f} s.\n"
                f"Journal :\n{serveur.fin_du_journal()}"
            )
        time.sleep(0.25)


# --------------------------------------------------------------------------------------------
# Surveillance d'un onglet
# --------------------------------------------------------------------------------------------


def requete_autorisee(url: str) -> bool:
    """Vrai pour data:, blob:, about: et http(s)/ws(s) vers la machine locale ; faux pour tout le reste."""
    morceaux = urlsplit(url)
    schema = morceaux.scheme.lower()
    if schema in ("data", "blob", "about"):
        return True
    if schema in ("http", "https", "ws", "wss"):
        return (morceaux.hostname or "").lower() in HOTES_LOCAUX
    return False


@dataclass
class Surveillance:
    """Ce qu'un onglet a fait de travers depuis sa création (ou depuis ``effacer()``)."""

    url_base: str
    hors_local: list[str] = field(default_factory=list)
    requetes_en_echec: list[str] = field(default_factory=list)
    reponses_en_erreur: list[str] = field(default_factory=list)
    erreurs_console: list[str] = field(default_factory=list)
    erreurs_js: list[str] = field(default_factory=list)
    pages_introuvables: list[str] = field(default_factory=list)
    # Requêtes locales interrompues par le navigateur lui-même (net::ERR_ABORTED : on a quitté la
    # page pendant un chargement) ; rapportées à titre d'information, pas comptées comme échecs.
    interrompues: list[str] = field(default_factory=list)

    def effacer(self) -> None:
        for liste in (self.hors_local, self.requetes_en_echec, self.reponses_en_erreur,
                      self.erreurs_console, self.erreurs_js, self.pages_introuvables, self.interrompues):
            liste.clear()

    def _sonde_streamlit(self, url: str) -> bool:
        """Vrai pour /<chemin non vide>/_stcore/health ou /_stcore/host-config sur notre serveur."""
        if not url.startswith(self.url_base + "/"):
            return False
        chemin = urlsplit(url).path
        return any(chemin.endswith(fin) and chemin != fin for fin in SONDES_STREAMLIT)

    def brancher(self, contexte, page) -> None:
        """Installe le routage (sur tout le contexte, cadres des composants compris) et les écouteurs."""

        def router(route) -> None:
            url = route.request.url
            if requete_autorisee(url):
                route.fallback()
            else:
                self.hors_local.append(f"{route.request.method} {url}")
                route.abort("blockedbyclient")

        def echec(requete) -> None:
            if not requete_autorisee(requete.url):
                return  # déjà noté comme requête hors local (interrompue par le routage)
            if "ERR_ABORTED" in (requete.failure or ""):
                self.interrompues.append(f"{requete.method} {requete.url}")
                return
            self.requetes_en_echec.append(f"{requete.method} {requete.url} : {requete.failure}")

        def reponse(rep) -> None:
            if rep.status == 404 and self._sonde_streamlit(rep.url):
                return
            if rep.status >= 400:
                self.reponses_en_erreur.append(f"{rep.request.method} {rep.url} : HTTP {rep.status}")

        def console(msg) -> None:
            if msg.type == "error":
                self.erreurs_console.append(msg.text)
                if PAGE_INTROUVABLE in msg.text:
                    self.pages_introuvables.append(msg.text)

        def websocket(ws) -> None:
            if not requete_autorisee(ws.url):
                self.hors_local.append(f"WEBSOCKET {ws.url}")

        contexte.route("**/*", router)
        page.on("requestfailed", echec)
        page.on("response", reponse)
        page.on("console", console)
        page.on("pageerror", lambda err: self.erreurs_js.append(str(err)))
        page.on("websocket", websocket)


# Une page Playwright -> sa surveillance (renseigné par la fixture ``page_app``).
_SURVEILLANCES: dict[int, Surveillance] = {}


def enregistrer(page, surveillance: Surveillance) -> None:
    _SURVEILLANCES[id(page)] = surveillance


def oublier(page) -> None:
    _SURVEILLANCES.pop(id(page), None)


def surveillance(page) -> Surveillance:
    try:
        return _SURVEILLANCES[id(page)]
    except KeyError:
        raise RuntimeError("Cette page ne vient pas de la fixture page_app : pas de surveillance.") from None


@contextlib.contextmanager
def onglet_surveille(navigateur, url_base: str, hauteur: int = 900):
    """Un onglet neuf (contexte isolé, français, fuseau de Paris, sans service worker) sous surveillance
    (``Surveillance``), fermé à la sortie. Les fixtures d'onglet des tests navigateur passent par ici."""
    contexte = navigateur.new_context(viewport={"width": 1440, "height": hauteur}, locale="fr-FR",
                                      timezone_id="Europe/Paris", service_workers="block")
    page = contexte.new_page()
    surveillance_ = Surveillance(url_base=url_base)
    surveillance_.brancher(contexte, page)
    enregistrer(page, surveillance_)
    try:
        yield page
    finally:
        oublier(page)
        contexte.close()


# --------------------------------------------------------------------------------------------
# Navigation et vérifications
# --------------------------------------------------------------------------------------------

_JS_AU_REPOS = """
(repos) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const etat = app ? app.getAttribute('data-test-script-state') : null;
  const connexion = app ? app.getAttribute('data-test-connection-state') : null;
  const pret = app !== null
    && connexion === 'CONNECTED'
    && (etat === 'notRunning' || etat === 'compilationError')
    && document.querySelector('[data-testid="stStatusWidget"]') === null
    && document.querySelector('[data-testid="stAppSkeleton"]') === null
    && document.querySelector('[data-testid="stSkeleton"]') === null
    && document.querySelector('[data-testid="stMainBlockContainer"]') !== null;
  const maintenant = performance.now();
  if (!pret) { window.__tdbDepuis = null; return false; }
  if (window.__tdbDepuis == null) { window.__tdbDepuis = maintenant; }
  return maintenant - window.__tdbDepuis >= repos;
}
"""


_JS_ETAT = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    script: app ? app.getAttribute('data-test-script-state') : null,
    connexion: app ? app.getAttribute('data-test-connection-state') : null,
    indicateur_execution: document.querySelector('[data-testid="stStatusWidget"]') !== null,
    squelette_app: document.querySelector('[data-testid="stAppSkeleton"]') !== null,
    squelettes_elements: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    bloc_principal: document.querySelector('[data-testid="stMainBlockContainer"]') !== null,
  };
}
"""


def attendre_fin_execution(page, delai_ms: int = DELAI_PAGE_MS) -> None:
    """Attend que l'application ait fini de s'exécuter et de s'afficher : connexion établie, script
    arrêté (``data-test-script-state`` = notRunning ou compilationError sur ``stApp``), plus
    d'indicateur ``stStatusWidget``, plus de squelette (``stAppSkeleton`` de l'application,
    ``stSkeleton`` des éléments dont le code se charge encore), bloc principal
    ``stMainBlockContainer`` présent — le tout sans interruption pendant ``REPOS_MS`` (un composant
    peut relancer le script). Au-delà de ``delai_ms`` : AssertionError qui décrit l'état de la page."""
    from playwright.sync_api import TimeoutError as DelaiDepasse

    page.evaluate("() => { window.__tdbDepuis = null; }")
    try:
        page.wait_for_function(_JS_AU_REPOS, arg=REPOS_MS, timeout=delai_ms, polling=100)
    except DelaiDepasse:
        try:
            etat = page.evaluate(_JS_ETAT)
        except Exception as exc:
            etat = f"illisible ({exc})"
        raise AssertionError(
            f"{page.url} : l'application n'a pas fini de s'exécuter en {delai_ms / 1000:.0f} s ; "
            f"état : {etat}"
        ) from None


def url_page(page, url_path: str, params: dict | None = None) -> str:
    base = surveillance(page).url_base
    chemin = url_path.strip("/")
    url = f"{base}/{chemin}" if chemin else f"{base}/"
    if params:
        url += "?" + urlencode(params, doseq=True)
    return url


def ouvrir(page, url_path: str, params: dict | None = None, delai_ms: int = DELAI_PAGE_MS) -> None:
    """Ouvre la page ``url_path`` de l'application (paramètres d'URL ``params``) et attend la fin de
    son exécution."""
    page.goto(url_page(page, url_path, params), wait_until="domcontentloaded", timeout=delai_ms)
    attendre_fin_execution(page, delai_ms)


def exceptions_affichees(page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stException"]').all_inner_texts()]


def problemes(page, console: bool = False) -> list[str]:
    """Liste lisible de tout ce qui cloche dans l'onglet ; vide si tout va bien.
    ``console=True`` compte aussi les erreurs de console (toujours rapportées à titre d'information
    quand il y a un autre problème)."""
    s = surveillance(page)
    lignes: list[str] = []
    for texte in exceptions_affichees(page):
        lignes.append(f"Exception affichée par l'application :\n{texte}")
    lignes += [f"Streamlit dit « page introuvable » : {m}" for m in s.pages_introuvables]
    lignes += [f"Requête hors localhost : {u}" for u in s.hors_local]
    lignes += [f"Requête en échec : {u}" for u in s.requetes_en_echec]
    lignes += [f"Réponse en erreur : {u}" for u in s.reponses_en_erreur]
    lignes += [f"Exception JavaScript non rattrapée : {e}" for e in s.erreurs_js]
    if console:
        lignes += [f"Erreur de console : {e}" for e in s.erreurs_console]
    return lignes


def verifier_sans_erreur(page, console: bool = False) -> None:
    """Échoue (AssertionError) si l'onglet montre une exception Streamlit ou une « page introuvable »,
    a eu une requête en échec ou
    une réponse HTTP ≥ 400, a tenté une requête hors de la machine, ou a levé une exception JavaScript."""
    liste = problemes(page, console=console)
    if liste:
        s = surveillance(page)
        if not console and s.erreurs_console:
            liste += [f"(console) {e}" for e in s.erreurs_console]
        liste += [f"(requête interrompue par le navigateur) {u}" for u in s.interrompues]
        raise AssertionError(f"Problèmes sur {page.url} :\n- " + "\n- ".join(liste))
