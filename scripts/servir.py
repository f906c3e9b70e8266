"""Superviseur de ``scripts/servir.sh`` : N répliques du tableau de bord derrière nginx, sur cette machine.

Pourquoi : un processus Streamlit n'exécute du Python que sur un cœur à la fois (GIL). Pour occuper tous
les cœurs, on lance plusieurs **répliques** (chacune un serveur complet, ``python -m interface.lancement``
comme ``scripts/lancer.sh``) et nginx répartit les visiteurs entre elles.

Ce que fait ce programme (lancé par ``bash scripts/servir.sh``, qui installe d'abord .venv et nginx) :

1. un dossier d'exécution (``donnees_locales/servir/`` par défaut) : configuration de nginx, son fichier
   de pid, ses journaux et ses dossiers temporaires, les journaux des répliques, ``etat.json`` (ports et
   pid de chaque processus) et le secret des cookies ; un verrou empêche deux superviseurs d'y travailler
   en même temps ;
2. un seul ``server.cookieSecret`` pour toutes les répliques : la variable ``TDB_COOKIE_SECRET``, sinon le
   fichier ``cookie_secret`` (mode 600) du dossier d'exécution, créé au premier lancement ; il est passé
   aux répliques par l'environnement (``STREAMLIT_SERVER_COOKIE_SECRET``), pas sur la ligne de commande
   (visible de tous par ``ps``) ;
3. les mêmes réglages ``TDB_*`` pour toutes, avec le même magasin de versions (``TDB_VERSIONS``) et le
   même cache sur disque (``TDB_CACHE``), en chemins absolus ; une version importée ou remise en service
   par une réplique est lue par toutes à leur exécution suivante (pointeur ``en_service.json`` relu à
   chaque exécution, voir ``donnees/versions.py``) ;
4. le jeu de démonstration généré une fois avant les répliques (sans ``TDB_DONNEES``), pour qu'elles ne
   le génèrent pas toutes en même temps ;
5. les répliques sur des ports consécutifs de la boucle locale, chacune dans son groupe de processus ;
   on attend que chacune réponde sur ``/_stcore/health`` avant de lancer nginx ;
6. nginx au premier plan (``daemon off``) sur la configuration générée : affinité par cookie
   (``tdb_replique``, hachage cohérent), websockets, en-tête ``X-TDB-Replique`` qui nomme la réplique
   qui a répondu, contrôles passifs (``max_fails``/``fail_timeout``) ;
7. la surveillance : une réplique qui s'arrête est signalée puis relancée (délai croissant si elle
   s'arrête en boucle) ; si nginx s'arrête, tout s'arrête ;
8. à Ctrl+C, SIGTERM ou SIGHUP : SIGTERM à nginx et au groupe de chaque réplique, SIGKILL à ce qui reste
   au bout de 7,5 s ; tout est arrêté en moins de 10 s. Les processus lancés reçoivent aussi SIGTERM si
   le superviseur meurt sans avoir pu arrêter quoi que ce soit (``PR_SET_PDEATHSIG``) : pas d'orphelin.

Plusieurs machines : ``--amont HOTE:PORT`` ajoute à nginx des répliques d'autres machines,
``--sans-nginx`` ne lance que les répliques (voir docs/deploiement.md).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import grp
import json
import os
import pwd
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_DEFAUT = RACINE / "donnees_locales" / "servir"
NOM_COOKIE = "tdb_replique"
ENTETE_REPLIQUE = "X-TDB-Replique"
VAR_SECRET = "TDB_COOKIE_SECRET"
VAR_DOSSIER = "TDB_SERVIR_DOSSIER"
FICHIER_SECRET = "cookie_secret"
FICHIER_ETAT = "etat.json"
FICHIER_CONFIGURATION = "nginx.conf"
FICHIER_VERROU = ".verrou"
PORT_DEFAUT = 8501
DELAI_DEMARRAGE_S = 180.0  # une réplique qui ne répond pas dans ce délai fait échouer le lancement
DELAI_NGINX_S = 15.0
DELAI_ARRET_S = 10.0  # tout est arrêté dans ce délai
DELAI_ARRET_DOUX_S = 7.5  # SIGTERM, puis SIGKILL à ce qui reste
ARRET_MAX_REPLIQUE_S = "6"  # TDB_ARRET_MAX_S des répliques (fin forcée, voir interface/lancement.py)
DELAI_RELANCE_MAX_S = 60
MARGE_TELEVERSEMENT_MO = 2  # en-têtes et bornes du corps multipart d'un téléversement
# Réglées par le superviseur lui-même : refusées dans les options passées à streamlit.
OPTIONS_RESERVEES = ("--server.port", "--server.address", "--server.cookieSecret")
PR_SET_PDEATHSIG = 1

# Les sondes de santé vont directement aux répliques locales, jamais par un mandataire http_proxy.
_OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Echec(Exception):
    """Lancement impossible : le message (en français) dit pourquoi et quoi faire."""


def message(texte: str) -> None:
    print(f"==> {texte}", file=sys.stderr, flush=True)


def erreur(texte: str) -> None:
    print(f"ERREUR : {texte}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------------

def _entier(minimum: int, maximum: int):
    def lire(texte: str) -> int:
        try:
            n = int(texte)
        except ValueError:
            raise argparse.ArgumentTypeError(f"« {texte} » n'est pas un nombre entier") from None
        if not minimum <= n <= maximum:
            raise argparse.ArgumentTypeError(f"{n} hors des bornes ({minimum} à {maximum})")
        return n
    return lire


def _hote_port(texte: str) -> str:
    hote, _, port = texte.rpartition(":")
    if not hote or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"« {texte} » : attendu HOTE:PORT (ex. 10.0.0.12:8502)")
    return texte


def nombre_de_coeurs() -> int:
    """Même règle que ``donnees.moteur.coeurs`` (affinité, sinon la machine), recopiée : l'aide de ce
    script (« ici N cœurs ») s'affiche aussi sans l'environnement .venv, où duckdb manque."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def fils_par_replique(repliques: int) -> int:
    """Fils de calcul (DuckDB, Polars) de chaque réplique : les cœurs partagés entre les répliques locales."""
    return max(1, nombre_de_coeurs() // max(1, repliques))


def analyseur() -> argparse.ArgumentParser:
    a = argparse.ArgumentParser(
        prog="bash scripts/servir.sh", add_help=False, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Sert le tableau de bord avec N répliques Streamlit derrière nginx (une session reste sur "
                    "sa réplique : cookie « tdb_replique »). Ctrl+C ou SIGTERM arrête tout en moins de 10 s.",
        epilog="Après « -- » (ou toute option avec un point, comme --client.toolbarMode viewer) : options "
               "passées à « streamlit run » de chaque réplique, sauf --server.port, --server.address et "
               "--server.cookieSecret, que le script règle lui-même.\n"
               f"Variables : {VAR_SECRET} (secret des cookies, sinon fichier {FICHIER_SECRET} du dossier "
               f"d'exécution), {VAR_DOSSIER} (dossier d'exécution), TDB_NGINX (chemin de nginx), et celles "
               "du tableau de bord (TDB_DONNEES, TDB_VERSIONS, TDB_CACHE, TDB_IMPORT_AUTORISE…), "
               "transmises à toutes les répliques. Détails : docs/deploiement.md.",
    )
    a.add_argument("--aide", "-h", "--help", action="help", help="affiche cette aide et sort")
    a.add_argument("--replicas", "--repliques", dest="repliques", type=_entier(0, 256), default=None,
                   metavar="N", help=f"nombre de répliques sur cette machine (défaut : nombre de cœurs, "
                                     f"ici {nombre_de_coeurs()})")
    a.add_argument("--port", type=_entier(1, 65535), default=PORT_DEFAUT,
                   help=f"port de nginx, l'adresse à ouvrir dans le navigateur (défaut {PORT_DEFAUT})")
    a.add_argument("--port-repliques", type=_entier(1, 65535), default=None, metavar="PORT",
                   help="port de la première réplique, les suivantes sur les ports suivants (défaut : --port + 1)")
    a.add_argument("--adresse", default="127.0.0.1",
                   help="adresse d'écoute de nginx (défaut 127.0.0.1 : cette machine seulement)")
    a.add_argument("--adresse-repliques", default="127.0.0.1", metavar="ADRESSE",
                   help="adresse d'écoute des répliques (défaut 127.0.0.1 ; celle du réseau interne si un "
                        "nginx d'une autre machine doit les joindre)")
    a.add_argument("--dossier", type=Path, default=None,
                   help=f"dossier d'exécution (défaut : {VAR_DOSSIER}, sinon donnees_locales/servir)")
    a.add_argument("--amont", action="append", default=[], type=_hote_port, metavar="HOTE:PORT",
                   help="réplique d'une autre machine, ajoutée à la liste de nginx (option répétable)")
    a.add_argument("--sans-nginx", action="store_true",
                   help="lance les répliques seules, sans nginx (machine de répliques d'un déploiement "
                        "sur plusieurs machines)")
    return a


@dataclass
class Options:
    repliques: int
    port: int
    port_repliques: int
    adresse: str
    adresse_repliques: str
    dossier: Path
    amonts: list[str]
    sans_nginx: bool
    streamlit: list[str]


def lire_options(argv: list[str]) -> Options:
    a = analyseur()
    if "--" in argv:
        i = argv.index("--")
        argv, en_plus = argv[:i], argv[i + 1:]
    else:
        en_plus = []
    o, inconnues = a.parse_known_args(argv)
    for x in inconnues:
        if x.startswith("-") and "." not in x.split("=")[0]:
            a.error(f"option inconnue : {x} (les options de streamlit ont un point : --server.…, --client.…)")
    en_plus = inconnues + en_plus
    for x in en_plus:
        if x.split("=")[0] in OPTIONS_RESERVEES:
            a.error(f"{x.split('=')[0]} est réglé par le script (voir --port-repliques, --adresse-repliques, "
                    f"{VAR_SECRET})")
    repliques = nombre_de_coeurs() if o.repliques is None else o.repliques
    if repliques == 0 and not o.amont:
        a.error("--replicas 0 n'a de sens qu'avec --amont (nginx seul, répliques sur d'autres machines)")
    if o.sans_nginx and repliques == 0:
        a.error("--sans-nginx demande au moins une réplique")
    premier = o.port_repliques if o.port_repliques is not None else o.port + 1
    ports = range(premier, premier + repliques)
    if repliques and ports[-1] > 65535:
        a.error(f"ports des répliques hors des bornes ({premier} à {ports[-1]})")
    if not o.sans_nginx and o.port in ports:
        a.error(f"le port de nginx ({o.port}) est parmi ceux des répliques ({premier} à {ports[-1]})")
    dossier = o.dossier or Path(os.environ.get(VAR_DOSSIER) or DOSSIER_DEFAUT)
    return Options(repliques=repliques, port=o.port, port_repliques=premier, adresse=o.adresse,
                   adresse_repliques=o.adresse_repliques, dossier=Path(dossier).absolute(), amonts=o.amont,
                   sans_nginx=o.sans_nginx, streamlit=en_plus)


# --------------------------------------------------------------------------------------------------
# Petites aides
# --------------------------------------------------------------------------------------------------

def hote_url(adresse: str) -> str:
    """Adresse à joindre pour une adresse d'écoute (« 0.0.0.0 » -> la boucle locale), crochets en IPv6."""
    if adresse in ("0.0.0.0", ""):
        return "127.0.0.1"
    if adresse == "::":
        return "[::1]"
    return f"[{adresse}]" if ":" in adresse and not adresse.startswith("[") else adresse


def adresse_ecoute(adresse: str) -> str:
    """Adresse d'écoute pour la directive ``listen`` de nginx (crochets en IPv6)."""
    adresse = adresse.strip("[]")
    return f"[{adresse}]" if ":" in adresse else adresse


def port_libre(adresse: str, port: int) -> bool:
    famille = socket.AF_INET6 if ":" in adresse else socket.AF_INET
    with socket.socket(famille, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # comme uvicorn et nginx
        try:
            s.bind((adresse.strip("[]"), port))
        except OSError:
            return False
    return True


def repond(url: str, delai_s: float = 1.0) -> bool:
    try:
        with _OUVREUR.open(url, timeout=delai_s) as rep:
            return rep.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def fin_du_fichier(chemin: Path, nb_lignes: int = 15) -> str:
    try:
        lignes = chemin.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "    (journal illisible)"
    return "\n".join("    " + ligne for ligne in lignes[-nb_lignes:]) or "    (journal vide)"


def decrire_code(code: int) -> str:
    if code < 0:
        try:
            return f"tuée par le signal {signal.Signals(-code).name}"
        except ValueError:
            return f"tuée par le signal {-code}"
    return f"code de sortie {code}"


def ecrire_atomique(chemin: Path, texte: str, mode: int = 0o644) -> None:
    fd, temporaire = tempfile.mkstemp(prefix=f".{chemin.name}.", dir=chemin.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(texte)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporaire, mode)
        os.replace(temporaire, chemin)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporaire)
        raise


def limite_televersement_mo(options_streamlit: list[str]) -> int:
    """``server.maxUploadSize`` (Mo) qu'auront les répliques : l'option passée à streamlit, sinon la
    variable ``STREAMLIT_SERVER_MAX_UPLOAD_SIZE``, sinon la configuration (.streamlit/config.toml de la
    racine du dépôt, puis défaut de Streamlit)."""
    valeur = os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "").strip() or None
    origine = "variable STREAMLIT_SERVER_MAX_UPLOAD_SIZE"
    for i, x in enumerate(options_streamlit):
        if x == "--server.maxUploadSize" and i + 1 < len(options_streamlit):
            valeur, origine = options_streamlit[i + 1], "option --server.maxUploadSize"
        elif x.startswith("--server.maxUploadSize="):
            valeur, origine = x.split("=", 1)[1], "option --server.maxUploadSize"
    if valeur is None:
        from streamlit import config

        return int(config.get_option("server.maxUploadSize"))
    if not valeur.isdigit() or int(valeur) < 1:
        raise Echec(f"{origine} = {valeur} : attendu un nombre entier de Mo, au moins 1")
    return int(valeur)


def secret_des_cookies(dossier: Path) -> tuple[str, str]:
    """(secret, d'où il vient) : ``TDB_COOKIE_SECRET``, sinon le fichier du dossier d'exécution (créé au
    premier lancement, mode 600). Le même secret pour toutes les répliques, d'un lancement à l'autre."""
    env = os.environ.get(VAR_SECRET, "").strip()
    if env:
        return env, f"variable {VAR_SECRET}"
    chemin = dossier / FICHIER_SECRET
    with contextlib.suppress(FileNotFoundError):
        texte = chemin.read_text(encoding="utf-8").strip()
        if texte:
            if chemin.stat().st_mode & 0o077:
                os.chmod(chemin, 0o600)
            return texte, str(chemin)
    ecrire_atomique(chemin, secrets.token_urlsafe(48) + "\n", mode=0o600)
    return chemin.read_text(encoding="utf-8").strip(), f"{chemin} (créé)"


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _preparer_enfant(parent: int):
    """Exécuté dans l'enfant avant exec : SIGTERM à la mort du superviseur (même tué par SIGKILL)."""
    def preparer() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != parent:  # le superviseur est mort entre fork et prctl
                os._exit(1)
    return preparer


def lancer_processus(commande: list[str], journal: Path, env: dict[str, str], ajout: bool) -> subprocess.Popen:
    """Un processus dans son propre groupe (arrêté d'un bloc par ``os.killpg``), sorties au journal."""
    with open(journal, "ab" if ajout else "wb") as sortie:
        sortie.write(f"--- lancé le {time.strftime('%d/%m/%Y à %H:%M:%S')} : {' '.join(commande)}\n".encode())
        sortie.flush()
        return subprocess.Popen(
            commande, cwd=RACINE, env=env, stdin=subprocess.DEVNULL, stdout=sortie, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_preparer_enfant(os.getpid()),
        )


def tuer_groupe(pid: int, numero: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, numero)


def groupe_vivant(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --------------------------------------------------------------------------------------------------
# Configuration de nginx
# --------------------------------------------------------------------------------------------------

def utilisateur_nginx() -> str | None:
    """Utilisateur des processus de travail de nginx lancé en root (sans directive ``user``, nginx
    prendrait « nobody nobody », groupe absent de Debian). Hors root : rien (directive ignorée)."""
    if os.geteuid() != 0:
        return None
    for utilisateur, groupe in (("www-data", "www-data"), ("nobody", "nogroup"), ("nobody", "nobody")):
        try:
            pwd.getpwnam(utilisateur)
            grp.getgrnam(groupe)
        except KeyError:
            continue
        return f"{utilisateur} {groupe}"
    return None


def limites_fichiers() -> tuple[int, int]:
    """(worker_rlimit_nofile, worker_connections) d'après la limite de descripteurs de la machine."""
    _, dur = resource.getrlimit(resource.RLIMIT_NOFILE)
    plafond = 65536 if dur == resource.RLIM_INFINITY else min(int(dur), 65536)
    return plafond, max(256, min(16384, plafond // 2 - 32))


def configuration_nginx(dossier: Path, adresse: str, port: int, amonts: list[str], taille_max_mo: int,
                        utilisateur: str | None = None, limites: tuple[int, int] = (4096, 2000)) -> str:
    """Texte de la configuration de nginx : tout dans ``dossier`` (pid, journaux, fichiers temporaires),
    aucune configuration système lue."""
    d = Path(dossier)
    nofile, connexions = limites
    serveurs = "\n".join(f"        server {a} max_fails=2 fail_timeout=10s;" for a in amonts)
    ligne_utilisateur = f"user {utilisateur};\n" if utilisateur else ""
    return f"""# Généré par scripts/servir.py à chaque lancement : ne pas modifier ici (réécrit).
# nginx -p {d}/ -c {d / FICHIER_CONFIGURATION} -e {d / 'nginx-erreurs.log'}
{ligne_utilisateur}daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile {nofile};
pid {d / 'nginx.pid'};
error_log {d / 'nginx-erreurs.log'} warn;

events {{
    worker_connections {connexions};
}}

http {{
    server_tokens off;
    default_type application/octet-stream;
    client_body_temp_path {d / 'temp' / 'corps'};
    proxy_temp_path {d / 'temp' / 'mandataire'};
    fastcgi_temp_path {d / 'temp' / 'fastcgi'};
    uwsgi_temp_path {d / 'temp' / 'uwsgi'};
    scgi_temp_path {d / 'temp' / 'scgi'};

    log_format tdb '$remote_addr [$time_local] "$request" $status $body_bytes_sent $request_time '
                   'replique=$upstream_addr route=$tdb_route';
    access_log {d / 'nginx-acces.log'} tdb;

    # Affinité : une session Streamlit (websocket, fichiers téléversés, médias) vit dans une seule
    # réplique. Tous les visiteurs d'un même mandataire ou de la boucle locale ont la même adresse IP :
    # ip_hash les enverrait tous au même endroit. La clé est donc le cookie {NOM_COOKIE}, tiré au hasard
    # (identifiant de requête) à la première visite ; hachage cohérent : la même clé va toujours à la même
    # réplique tant que la liste ne change pas, et ailleurs seulement si sa réplique est hors service.
    map $cookie_{NOM_COOKIE} $tdb_route {{
        ""      $request_id;
        default $cookie_{NOM_COOKIE};
    }}
    map $cookie_{NOM_COOKIE} $tdb_cookie {{
        ""      "{NOM_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
        default "";
    }}
    # Websocket (/_stcore/stream) : en-têtes Upgrade et Connection transmis.
    map $http_upgrade $tdb_connexion {{
        default upgrade;
        ""      close;
    }}

    upstream tdb_repliques {{
        zone tdb_repliques 64k;
        hash $tdb_route consistent;
{serveurs}
    }}

    server {{
        listen {adresse_ecoute(adresse)}:{port};
        server_name _;

        # Téléversements (page Données) : la limite de Streamlit (server.maxUploadSize) plus les bornes
        # multipart ; le corps est transmis au fil de l'eau, sans fichier temporaire.
        client_max_body_size {taille_max_mo + MARGE_TELEVERSEMENT_MO}m;
        proxy_request_buffering off;
        # Réponses transmises au fil de l'eau (websocket, messages de Streamlit).
        proxy_buffering off;

        location / {{
            proxy_pass http://tdb_repliques;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $tdb_connexion;
            # Hôte avec son port : Streamlit refuse un websocket dont l'origine diffère de l'hôte.
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 5s;
            proxy_read_timeout 1d;
            proxy_send_timeout 1d;
            proxy_next_upstream error timeout;
            add_header Set-Cookie $tdb_cookie always;
            add_header {ENTETE_REPLIQUE} $upstream_addr always;
        }}
    }}
}}
"""


# --------------------------------------------------------------------------------------------------
# Répliques
# --------------------------------------------------------------------------------------------------

@dataclass
class Replique:
    numero: int
    port: int
    adresse: str
    journal: Path
    processus: subprocess.Popen | None = None
    lancee_a: float = 0.0
    prete: bool = False
    echecs: int = 0  # arrêts de suite sans avoir répondu entre-temps
    relance_a: float = 0.0

    @property
    def amont(self) -> str:
        """Adresse de la réplique pour nginx (et pour l'en-tête X-TDB-Replique)."""
        return f"{hote_url(self.adresse)}:{self.port}"

    @property
    def url_sante(self) -> str:
        return f"http://{self.amont}/_stcore/health"


class Superviseur:
    def __init__(self, options: Options, nginx: str | None) -> None:
        self.o = options
        self.nginx_binaire = nginx
        self.dossier = options.dossier
        self.repliques = [
            Replique(i + 1, options.port_repliques + i, options.adresse_repliques,
                     options.dossier / "repliques" / f"replique-{i + 1}.log")
            for i in range(options.repliques)
        ]
        self.nginx: subprocess.Popen | None = None
        self.arret: str | None = None
        self.env: dict[str, str] = {}
        self.commande_streamlit: list[str] = []
        self.origine_secret = ""
        self._verrou = None

    # -- signaux -----------------------------------------------------------------------------------

    def poser_signaux(self) -> None:
        for numero in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(numero, self._signal)

    def _signal(self, numero, _cadre) -> None:
        nom = signal.Signals(numero).name
        if self.arret is None:
            self.arret = nom
            print(f"\n==> {nom} reçu : arrêt de nginx et des répliques…", file=sys.stderr, flush=True)
        else:
            print(f"==> {nom} reçu : l'arrêt est déjà en cours (moins de {DELAI_ARRET_S:g} s).",
                  file=sys.stderr, flush=True)

    # -- préparation -------------------------------------------------------------------------------

    def preparer_dossier(self) -> None:
        nouveau = not self.dossier.exists()
        try:
            self.dossier.mkdir(parents=True, exist_ok=True)
            if nouveau:
                os.chmod(self.dossier, 0o700)
            (self.dossier / "repliques").mkdir(exist_ok=True)
            for sous in ("corps", "mandataire", "fastcgi", "uwsgi", "scgi"):
                (self.dossier / "temp" / sous).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Echec(f"dossier d'exécution {self.dossier} impossible à préparer : {exc}") from None
        try:
            self._verrou = open(self.dossier / FICHIER_VERROU, "a")  # noqa: SIM115 (gardé jusqu'à la fin)
        except OSError as exc:
            raise Echec(f"dossier d'exécution {self.dossier} impossible à verrouiller : {exc}") from None
        try:
            fcntl.flock(self._verrou.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise Echec(f"un autre scripts/servir.sh utilise déjà le dossier {self.dossier} : l'arrêter, ou "
                        "choisir un autre dossier (--dossier)") from None

    def preparer_environnement(self) -> None:
        from donnees import cache, versions

        secret, self.origine_secret = secret_des_cookies(self.dossier)
        env = dict(os.environ)
        env.pop(VAR_SECRET, None)
        env["STREAMLIT_SERVER_COOKIE_SECRET"] = secret
        # Même magasin de versions et même cache pour toutes, en chemins absolus.
        env["TDB_VERSIONS"] = str(versions.racine_par_defaut().absolute())
        env["TDB_CACHE"] = str(cache.dossier_cache().absolute())
        if env.get("TDB_DONNEES"):
            env["TDB_DONNEES"] = str(Path(env["TDB_DONNEES"]).absolute())
        env.setdefault("TDB_ARRET_MAX_S", ARRET_MAX_REPLIQUE_S)
        env["PYTHONUNBUFFERED"] = "1"
        # Les cœurs de la machine partagés entre les répliques : chacune donne à DuckDB et au pool de
        # Polars sa part (au moins un fil), sinon N répliques lancent chacune autant de fils que de cœurs
        # et se les disputent. Une valeur posée par l'administrateur l'emporte.
        part = fils_par_replique(self.o.repliques)
        env.setdefault("TDB_DUCKDB_THREADS", str(part))
        env.setdefault("POLARS_MAX_THREADS", str(part))
        self.env = env

        # Téléversements : nginx laisse passer ce que Streamlit accepte (server.maxUploadSize, en Mo) ; la
        # valeur effective des répliques : option après « -- », sinon variable
        # STREAMLIT_SERVER_MAX_UPLOAD_SIZE, sinon .streamlit/config.toml, sinon le défaut de Streamlit.
        en_plus = list(self.o.streamlit)
        self.taille_max_mo = limite_televersement_mo(en_plus)
        self.commande_streamlit = en_plus

    def preparer_demo(self) -> None:
        """Sans TDB_DONNEES, le jeu de démonstration est généré ici, une fois, avant les répliques."""
        if os.environ.get("TDB_DONNEES"):
            return
        from donnees.contrat import NOMS_TABLES, TABLES
        from requetes.jeu import DOSSIER_DEMO

        if all((DOSSIER_DEMO / TABLES[n].fichier).is_file() for n in NOMS_TABLES):
            return
        message(f"Premier lancement : génération du jeu de démonstration dans {DOSSIER_DEMO}")
        from interface.chargement import generer_demo

        generer_demo(DOSSIER_DEMO)

    def verifier_ports(self) -> None:
        occupes = [f"{r.port} (réplique {r.numero})" for r in self.repliques
                   if not port_libre(r.adresse, r.port)]
        if not self.o.sans_nginx and not port_libre(self.o.adresse, self.o.port):
            occupes.insert(0, f"{self.o.port} (nginx)")
        if occupes:
            raise Echec(f"ports déjà pris : {', '.join(occupes)} ; choisir d'autres ports (--port, "
                        "--port-repliques) ou arrêter ce qui les occupe")

    # -- répliques ---------------------------------------------------------------------------------

    def lancer_replique(self, r: Replique, ajout: bool = False) -> None:
        commande = [
            sys.executable, "-m", "interface.lancement",
            "--server.headless", "true",
            "--server.port", str(r.port),
            "--server.address", r.adresse,
            "--server.fileWatcherType", "none",
            "--browser.serverAddress", "localhost",
            "--server.showEmailPrompt", "false",
            "--browser.gatherUsageStats", "false",
            *self.commande_streamlit,
        ]
        r.processus = lancer_processus(commande, r.journal, self.env, ajout)
        r.lancee_a = time.monotonic()
        r.prete = False

    def attendre_repliques(self) -> bool:
        """Attend que chaque réplique réponde sur /_stcore/health. Faux si l'arrêt est demandé."""
        limite = time.monotonic() + DELAI_DEMARRAGE_S
        while True:
            if self.arret:
                return False
            for r in self.repliques:
                if r.prete:
                    continue
                code = r.processus.poll()
                if code is not None:
                    raise Echec(f"la réplique {r.numero} (port {r.port}) s'est arrêtée au démarrage "
                                f"({decrire_code(code)}). Fin de son journal ({r.journal}) :\n"
                                f"{fin_du_fichier(r.journal, 30)}")
                if repond(r.url_sante):
                    r.prete = True
                    message(f"Réplique {r.numero} prête : {r.amont} (pid {r.processus.pid}, "
                            f"{time.monotonic() - r.lancee_a:.1f} s)")
            if all(r.prete for r in self.repliques):
                return True
            if time.monotonic() > limite:
                lentes = [r for r in self.repliques if not r.prete]
                raise Echec(f"répliques sans réponse sur /_stcore/health après {DELAI_DEMARRAGE_S:g} s : "
                            + ", ".join(f"{r.numero} (journal {r.journal})" for r in lentes))
            time.sleep(0.25)

    # -- nginx -------------------------------------------------------------------------------------

    def commande_nginx(self) -> list[str]:
        return [self.nginx_binaire, "-p", f"{self.dossier}/", "-c", str(self.dossier / FICHIER_CONFIGURATION),
                "-e", str(self.dossier / "nginx-erreurs.log")]

    def lancer_nginx(self) -> bool:
        amonts = [r.amont for r in self.repliques] + list(self.o.amonts)
        texte = configuration_nginx(self.dossier, self.o.adresse, self.o.port, amonts, self.taille_max_mo,
                                    utilisateur_nginx(), limites_fichiers())
        ecrire_atomique(self.dossier / FICHIER_CONFIGURATION, texte)
        essai = subprocess.run([*self.commande_nginx(), "-t", "-q"], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL)
        if essai.returncode != 0:
            raise Echec(f"nginx refuse la configuration {self.dossier / FICHIER_CONFIGURATION} :\n"
                        f"{(essai.stderr or essai.stdout).strip()}")
        env = {k: v for k, v in self.env.items() if k != "STREAMLIT_SERVER_COOKIE_SECRET"}
        self.nginx = lancer_processus(self.commande_nginx(), self.dossier / "nginx-sortie.log", env, False)
        url = f"http://{hote_url(self.o.adresse)}:{self.o.port}/_stcore/health"
        limite = time.monotonic() + DELAI_NGINX_S
        while not repond(url):
            if self.arret:
                return False
            code = self.nginx.poll()
            if code is not None:
                raise Echec(f"nginx s'est arrêté au démarrage ({decrire_code(code)}). Journaux :\n"
                            f"{fin_du_fichier(self.dossier / 'nginx-sortie.log')}\n"
                            f"{fin_du_fichier(self.dossier / 'nginx-erreurs.log')}")
            if time.monotonic() > limite:
                raise Echec(f"nginx ne répond pas sur {url} après {DELAI_NGINX_S:g} s "
                            f"(journal : {self.dossier / 'nginx-erreurs.log'})")
            time.sleep(0.2)
        return True

    # -- état --------------------------------------------------------------------------------------

    def ecrire_etat(self) -> None:
        etat = {
            "superviseur": os.getpid(),
            "url": None if self.o.sans_nginx else f"http://{hote_url(self.o.adresse)}:{self.o.port}",
            "cookie": NOM_COOKIE,
            "entete": ENTETE_REPLIQUE,
            "secret_des_cookies": self.origine_secret,
            "nginx": None if self.nginx is None else {
                "pid": self.nginx.pid, "port": self.o.port, "adresse": self.o.adresse,
                "configuration": str(self.dossier / FICHIER_CONFIGURATION),
                "journal_acces": str(self.dossier / "nginx-acces.log"),
                "journal_erreurs": str(self.dossier / "nginx-erreurs.log"),
            },
            "repliques": [
                {"numero": r.numero, "port": r.port, "amont": r.amont,
                 "pid": r.processus.pid if r.processus is not None else None,
                 "prete": r.prete, "journal": str(r.journal)}
                for r in self.repliques
            ],
            "amonts_distants": list(self.o.amonts),
            "streamlit": self.commande_streamlit,
        }
        ecrire_atomique(self.dossier / FICHIER_ETAT, json.dumps(etat, ensure_ascii=False, indent=2) + "\n")

    # -- déroulement -------------------------------------------------------------------------------

    def demarrer(self) -> bool:
        self.preparer_dossier()
        self.preparer_environnement()
        self.preparer_demo()
        if self.arret:
            return False
        self.verifier_ports()
        if self.repliques:
            message(f"Lancement de {len(self.repliques)} réplique(s) : ports "
                    f"{self.repliques[0].port} à {self.repliques[-1].port} ({self.o.adresse_repliques}) ; "
                    f"magasin de versions {self.env['TDB_VERSIONS']}, cache {self.env['TDB_CACHE']} ; "
                    f"secret des cookies : {self.origine_secret} ; téléversements jusqu'à "
                    f"{self.taille_max_mo} Mo par fichier")
            for r in self.repliques:
                self.lancer_replique(r)
            self.ecrire_etat()
            if not self.attendre_repliques():
                return False
        if self.o.amonts:
            for a in self.o.amonts:
                if not repond(f"http://{a}/_stcore/health", 2.0):
                    message(f"Attention : la réplique distante {a} ne répond pas (nginx l'écartera tant "
                            "qu'elle ne répond pas)")
        if not self.o.sans_nginx and not self.lancer_nginx():
            return False
        self.ecrire_etat()
        if self.o.sans_nginx:
            message("Répliques prêtes (sans nginx) : " + ", ".join(f"http://{r.amont}" for r in self.repliques)
                    + " (Ctrl+C pour arrêter)")
        else:
            message(f"Tableau de bord servi sur http://{hote_url(self.o.adresse)}:{self.o.port} par nginx "
                    f"(pid {self.nginx.pid}), {len(self.repliques) + len(self.o.amonts)} réplique(s) "
                    f"({', '.join([r.amont for r in self.repliques] + self.o.amonts)}) ; dossier "
                    f"d'exécution {self.dossier} (Ctrl+C pour arrêter)")
        return True

    def signaler_arret(self, r: Replique, code: int) -> None:
        pid = r.processus.pid
        tuer_groupe(pid, signal.SIGKILL)  # ce qui resterait de son groupe
        r.echecs = 1 if r.prete else r.echecs + 1
        delai = min(DELAI_RELANCE_MAX_S, 2 ** (r.echecs - 1))
        r.processus, r.prete, r.relance_a = None, False, time.monotonic() + delai
        suite = ("nginx envoie ses visiteurs aux autres répliques" if len(self.repliques) + len(self.o.amonts) > 1
                 else "le tableau de bord est indisponible jusqu'à sa relance")
        erreur(f"la réplique {r.numero} ({r.amont}, pid {pid}) s'est arrêtée ({decrire_code(code)}) : ses "
               f"sessions ouvertes sont perdues ; {suite}. Relance dans {delai} s. Fin de son journal "
               f"({r.journal}) :\n{fin_du_fichier(r.journal, 10)}")
        self.ecrire_etat()

    def surveiller(self) -> int:
        while self.arret is None:
            if self.nginx is not None and self.nginx.poll() is not None:
                erreur(f"nginx s'est arrêté ({decrire_code(self.nginx.returncode)}) : arrêt des répliques. "
                       f"Fin de son journal d'erreurs :\n{fin_du_fichier(self.dossier / 'nginx-erreurs.log')}")
                return 1
            maintenant = time.monotonic()
            for r in self.repliques:
                if r.processus is None:
                    if maintenant >= r.relance_a:
                        message(f"Relance de la réplique {r.numero} ({r.amont})")
                        self.lancer_replique(r, ajout=True)
                        self.ecrire_etat()
                    continue
                code = r.processus.poll()
                if code is not None:
                    self.signaler_arret(r, code)
                elif not r.prete and repond(r.url_sante, 0.5):
                    r.prete, r.echecs = True, 0
                    message(f"Réplique {r.numero} relancée : elle répond ({r.amont}, pid {r.processus.pid}, "
                            f"{maintenant - r.lancee_a:.1f} s)")
                    self.ecrire_etat()
            time.sleep(0.5)
        return 0

    def arreter(self) -> None:
        debut = time.monotonic()
        processus = ([("nginx", self.nginx)] if self.nginx is not None else []) + [
            (f"réplique {r.numero}", r.processus) for r in self.repliques if r.processus is not None]
        if not processus:
            return
        # nginx : SIGTERM = arrêt rapide (connexions fermées) ; répliques : arrêt propre de Streamlit,
        # fin forcée par interface/lancement.py au bout de TDB_ARRET_MAX_S.
        for _, p in processus:
            if p.poll() is None:
                tuer_groupe(p.pid, signal.SIGTERM)
        while time.monotonic() - debut < DELAI_ARRET_DOUX_S and any(p.poll() is None for _, p in processus):
            time.sleep(0.05)
        for nom, p in processus:
            if p.poll() is None:
                message(f"{nom} (pid {p.pid}) encore là après {DELAI_ARRET_DOUX_S:g} s : SIGKILL")
                tuer_groupe(p.pid, signal.SIGKILL)
        for _nom, p in processus:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(0.1, DELAI_ARRET_S - 0.5 - (time.monotonic() - debut)))
            if groupe_vivant(p.pid):  # un descendant du groupe encore là
                tuer_groupe(p.pid, signal.SIGKILL)
        restants = [nom for nom, p in processus if p.poll() is None]
        if restants:
            erreur(f"processus encore là après l'arrêt : {', '.join(restants)}")
        else:
            arretes = ", ".join(nom for nom, _ in processus)
            message(f"Arrêt terminé en {time.monotonic() - debut:.1f} s : {arretes} arrêtés.")
        with contextlib.suppress(OSError):
            (self.dossier / FICHIER_ETAT).unlink()

    def executer(self) -> int:
        code = 0
        try:
            if self.demarrer():
                code = self.surveiller()
        except Echec as exc:
            erreur(str(exc))
            code = 1
        finally:
            self.arreter()
        return code


def trouver_nginx() -> str | None:
    choisi = os.environ.get("TDB_NGINX")
    if choisi:
        return choisi
    return shutil.which("nginx") or (str(Path("/usr/sbin/nginx")) if os.access("/usr/sbin/nginx", os.X_OK) else None)


def main(argv: list[str] | None = None) -> int:
    options = lire_options(list(sys.argv[1:] if argv is None else argv))
    os.chdir(RACINE)  # comme scripts/lancer.sh : chemins relatifs des TDB_* lus depuis la racine du dépôt
    if str(RACINE) not in sys.path:
        sys.path.insert(0, str(RACINE))
    nginx = None
    if not options.sans_nginx:
        nginx = trouver_nginx()
        if nginx is None:
            erreur("nginx introuvable : bash scripts/servir.sh l'installe (paquet Debian nginx), ou "
                   "apt-get install -y nginx ; TDB_NGINX=/chemin/de/nginx pour un autre emplacement")
            return 1
    superviseur = Superviseur(options, nginx)
    superviseur.poser_signaux()
    return superviseur.executer()


if __name__ == "__main__":
    sys.exit(main())
