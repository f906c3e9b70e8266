"""Plusieurs répliques derrière nginx (``bash scripts/servir.sh --replicas 2``), de bout en bout.

Une grappe réelle pour tout le fichier : le script lui-même, deux répliques et nginx sur des ports libres
de la boucle locale, magasin de versions et cache dans un dossier temporaire, import autorisé, un jeu de
démonstration comme dossier initial et un second jeu (autre graine) dans un dossier ouvert à l'import.

- affinité : une clé de cookie ``tdb_replique`` va toujours à la même réplique (en-tête ``X-TDB-Replique``) ;
  toutes les répliques reçoivent le même secret des cookies (fichier en mode 600), le même magasin de
  versions et le même cache ;
- une version importée par une réplique est celle que montre l'autre à son exécution suivante, dans la
  même session (deux onglets Chromium, chacun épinglé sur une réplique par son cookie) : import d'un
  dossier du serveur par A (page Données, « Dossier du serveur ») vu par B ; archive zip téléversée par B
  (le fichier vit dans la mémoire de B) vue par A ; version remise en service par A vue par B ;
- une réplique tuée est signalée par le script, nginx envoie ses visiteurs à l'autre, elle est relancée ;
- SIGTERM au script, puis Ctrl+C (SIGINT au groupe de processus, comme un terminal) : tout est arrêté en
  moins de 10 s, sans processus restant.

Sauté seulement si nginx est absent et ne peut pas être installé (ni root ni apt-get).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.navigateur import harnais
from tests.navigateur.harnais import attendre_fin_execution, verifier_sans_erreur

RACINE = Path(__file__).resolve().parents[2]
SCRIPT = RACINE / "scripts" / "servir.sh"
COOKIE = "tdb_replique"
ENTETE = "x-tdb-replique"
DELAI_LANCEMENT_S = 150.0
DELAI_ARRET_S = 10.0
OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


# --------------------------------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------------------------------

def chemin_nginx() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def port_libre(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def ports_libres(nombre: int) -> int:
    """Premier de ``nombre`` ports consécutifs libres sur 127.0.0.1."""
    for _ in range(200):
        debut = random.randint(20_000, 60_000)
        if all(port_libre(debut + i) for i in range(nombre)):
            return debut
    raise RuntimeError("pas de ports libres consécutifs")


def obtenir(url: str, cle: str | None = None) -> tuple[str, list[str]]:
    """(en-tête X-TDB-Replique, cookies posés) d'un GET, avec la clé d'affinité ``cle`` si donnée."""
    requete = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cle}"} if cle else {})
    with OUVREUR.open(requete, timeout=15) as rep:
        assert rep.status == 200
        return rep.headers.get(ENTETE, ""), rep.headers.get_all("Set-Cookie") or []


def ecoute(port: int) -> bool:
    """Vrai si un processus accepte encore des connexions sur 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def groupe_vivant(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def processus_vivant(pid: int) -> bool:
    """Vrai si ``pid`` existe et n'est pas un zombie."""
    try:
        texte = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return texte.rsplit(")", 1)[1].split()[0] != "Z"


def environnement(pid: int) -> dict[str, str]:
    brut = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(x.split("=", 1) for x in brut.decode("utf-8", "replace").split("\0") if "=" in x)


def normal(texte: str) -> str:
    return texte.translate(ESPACES)


@dataclass
class Grappe:
    processus: subprocess.Popen
    sortie: Path
    dossier: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def texte_sortie(self) -> str:
        return self.sortie.read_text(encoding="utf-8", errors="replace")

    def etat(self) -> dict:
        return json.loads((self.dossier / "etat.json").read_text(encoding="utf-8"))

    def attendre_sortie(self, motif: str, delai_s: float, apres: int = 0) -> str:
        """Attend ``motif`` (expression régulière) dans la sortie du script, après le caractère ``apres``."""
        limite = time.monotonic() + delai_s
        while True:
            texte = self.texte_sortie()
            if re.search(motif, texte[apres:]):
                return texte
            if self.processus.poll() is not None:
                pytest.fail(f"scripts/servir.sh s'est arrêté (code {self.processus.returncode}) :\n{texte[-6000:]}")
            if time.monotonic() > limite:
                pytest.fail(f"« {motif} » absent de la sortie de servir.sh après {delai_s:g} s :\n{texte[-6000:]}")
            time.sleep(0.2)

    def arreter_de_force(self) -> None:
        if self.processus.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.processus.pid, signal.SIGTERM)
            try:
                self.processus.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.processus.pid, signal.SIGKILL)
                self.processus.wait(timeout=15)


def lancer_grappe(dossier: Path, lieux: dict, repliques: int) -> Grappe:
    """``bash scripts/servir.sh --replicas N`` dans son propre groupe de processus (comme dans un
    terminal), attendu jusqu'à « Tableau de bord servi sur »."""
    port = ports_libres(repliques + 1)
    env = os.environ.copy()
    for var in ("TDB_COOKIE_SECRET", "TDB_SERVIR_DOSSIER", "TDB_ARRET_MAX_S"):
        env.pop(var, None)
    env.update({
        "TDB_DONNEES": str(lieux["initial"]),
        "TDB_VERSIONS": str(lieux["versions"]),
        "TDB_CACHE": str(lieux["cache"]),
        "TDB_IMPORT_AUTORISE": "1",
        "TDB_IMPORT_DOSSIERS": str(lieux["a_importer"]),
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "300",
    })
    dossier.mkdir(parents=True, exist_ok=True)
    sortie = dossier.parent / f"{dossier.name}-sortie.log"
    with open(sortie, "wb") as fh:
        processus = subprocess.Popen(
            ["bash", str(SCRIPT), "--replicas", str(repliques), "--port", str(port),
             "--dossier", str(dossier), "--", "--client.showErrorDetails", "full"],
            cwd=RACINE, env=env, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    grappe = Grappe(processus, sortie, dossier, port)
    try:
        grappe.attendre_sortie(r"Tableau de bord servi sur", DELAI_LANCEMENT_S)
    except BaseException:
        grappe.arreter_de_force()
        raise
    return grappe


def verifier_tout_arrete(grappe: Grappe, etat: dict, debut: float) -> float:
    """Attend la fin du script (moins de 10 s après ``debut``) ; vérifie qu'il ne reste rien."""
    try:
        code = grappe.processus.wait(timeout=DELAI_ARRET_S + 5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"servir.sh toujours là {DELAI_ARRET_S + 5:g} s après le signal :\n{grappe.texte_sortie()[-4000:]}")
    duree = time.monotonic() - debut
    texte = grappe.texte_sortie()
    assert duree < DELAI_ARRET_S, f"arrêt en {duree:.1f} s (plus de {DELAI_ARRET_S:g} s) :\n{texte[-4000:]}"
    assert code == 0, texte[-4000:]
    assert "Arrêt terminé en" in texte, texte[-4000:]
    pids = [etat["nginx"]["pid"], *(r["pid"] for r in etat["repliques"])]
    time.sleep(0.2)
    restants = [p for p in pids if processus_vivant(p) or groupe_vivant(p)]
    assert not restants, f"processus encore là après l'arrêt : {restants}"
    assert not groupe_vivant(grappe.processus.pid), "le groupe de processus du script existe encore"
    ouverts = [p for p in [etat["nginx"]["port"], *(r["port"] for r in etat["repliques"])] if ecoute(p)]
    assert not ouverts, f"ports encore ouverts : {ouverts}"
    return duree


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nginx() -> str:
    trouve = chemin_nginx()
    if trouve is None and os.geteuid() == 0 and shutil.which("apt-get"):
        # comme scripts/tester.sh et scripts/servir.sh : paquet Debian, sans démarrer le service système
        subprocess.run(["bash", "-c", f"source {RACINE / 'scripts' / 'environnement.sh'} && installer_nginx"],
                       check=False, timeout=600)
        trouve = chemin_nginx()
    if trouve is None:
        pytest.skip("nginx absent et impossible à installer ici (ni root, ni apt-get) : "
                    "apt-get install -y nginx, ou bash scripts/tester.sh en root")
    return trouve


@pytest.fixture(scope="module")
def lieux(tmp_path_factory) -> dict:
    from donnees.demo import generer

    racine = tmp_path_factory.mktemp("repliques")
    lieux = {
        "racine": racine,
        "initial": racine / "initial",
        "a_importer": racine / "a_importer",
        "versions": racine / "versions",
        "cache": racine / "cache",
    }
    generer(lieux["initial"])
    generer(lieux["a_importer"] / "exports_juin", graine=2016)
    return lieux


@pytest.fixture(scope="module")
def grappe(nginx, lieux):
    g = lancer_grappe(lieux["racine"] / "execution", lieux, repliques=2)
    yield g
    g.arreter_de_force()


@pytest.fixture(scope="module")
def cles(grappe) -> dict[str, str]:
    """Une clé d'affinité par réplique, trouvée par essais à travers nginx : {"A": clé, "B": clé}."""
    amonts = [r["amont"] for r in grappe.etat()["repliques"]]
    trouvees: dict[str, str] = {}
    for i in range(200):
        cle = f"essai{i}"
        replique, _ = obtenir(f"{grappe.url}/_stcore/health", cle)
        trouvees.setdefault(replique, cle)
        if all(a in trouvees for a in amonts):
            break
    assert set(trouvees) == set(amonts), f"répliques jointes : {trouvees}, attendues : {amonts}"
    return {"A": trouvees[amonts[0]], "B": trouvees[amonts[1]], "amont_A": amonts[0], "amont_B": amonts[1]}


# Le navigateur (fixture « navigateur ») est celui de tests/conftest.py : un seul Playwright par processus.


@dataclass
class Onglet:
    page: object
    contexte: object
    repliques_vues: set
    websockets: list


def ouvrir_onglet(navigateur, grappe: Grappe, cle: str) -> Onglet:
    """Un onglet (contexte à lui) épinglé par son cookie sur la réplique de la clé ``cle``."""
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR",
                                      timezone_id="Europe/Paris", service_workers="block")
    contexte.add_cookies([{"name": COOKIE, "value": cle, "url": grappe.url}])
    page = contexte.new_page()
    surveillance = harnais.Surveillance(url_base=grappe.url)
    surveillance.brancher(contexte, page)
    harnais.enregistrer(page, surveillance)
    onglet = Onglet(page, contexte, set(), [])
    page.on("response", lambda rep: onglet.repliques_vues.add(rep.headers.get(ENTETE)))
    page.on("websocket", lambda ws: onglet.websockets.append(ws.url))
    return onglet


def fermer_onglet(onglet: Onglet) -> None:
    harnais.oublier(onglet.page)
    onglet.contexte.close()


def aller(onglet: Onglet, grappe: Grappe, chemin: str) -> None:
    onglet.page.goto(f"{grappe.url}/{chemin}", wait_until="domcontentloaded", timeout=harnais.DELAI_PAGE_MS)
    attendre_fin_execution(onglet.page)


def naviguer(onglet: Onglet, chemin: str) -> None:
    """Change de page par la navigation latérale : exécution suivante dans la même session (même websocket)."""
    onglet.page.locator(f'[data-testid="stSidebarNavLink"][href$="/{chemin}"]').first.click()
    onglet.page.wait_for_url(re.compile(rf"/{chemin}$"), timeout=harnais.DELAI_PAGE_MS)
    attendre_fin_execution(onglet.page)


def texte_principal(onglet: Onglet) -> str:
    return normal(onglet.page.locator('[data-testid="stMain"]').inner_text())


def metrique(onglet: Onglet, libelle: str) -> str:
    cartes = onglet.page.locator('[data-testid="stMetric"]')
    for i in range(cartes.count()):
        carte = cartes.nth(i)
        if normal(carte.locator('[data-testid="stMetricLabel"]').inner_text()).strip() == libelle:
            return normal(carte.locator('[data-testid="stMetricValue"]').inner_text()).strip()
    raise AssertionError(f"Pas de métrique « {libelle} »")


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------

def test_affinite_secret_et_reglages_communs(grappe, cles, lieux):
    # Première visite sans cookie : nginx pose une clé ; avec elle, toujours la même réplique.
    replique, cookies = obtenir(f"{grappe.url}/")
    poses = [c for c in cookies if c.startswith(f"{COOKIE}=")]
    assert len(poses) == 1 and "HttpOnly" in poses[0] and "Path=/" in poses[0], cookies
    cle = poses[0].split(";")[0].split("=", 1)[1]
    assert re.fullmatch(r"[0-9a-f]{32}", cle), cle
    for chemin in ("/", "/_stcore/health", "/_stcore/host-config", "/donnees"):
        vue, cookies = obtenir(f"{grappe.url}{chemin}", cle)
        assert vue == replique, f"{chemin} : réplique {vue}, attendu {replique}"
        assert not [c for c in cookies if c.startswith(f"{COOKIE}=")], "cookie reposé alors qu'il est déjà là"
    for nom in ("A", "B"):
        for _ in range(5):
            assert obtenir(f"{grappe.url}/_stcore/health", cles[nom])[0] == cles[f"amont_{nom}"]

    # Un seul secret des cookies (fichier en mode 600), passé par l'environnement, jamais en argument ;
    # même magasin de versions et même cache pour les deux répliques.
    fichier = grappe.dossier / "cookie_secret"
    assert stat.S_IMODE(fichier.stat().st_mode) == 0o600
    secret = fichier.read_text().strip()
    assert len(secret) >= 32
    for r in grappe.etat()["repliques"]:
        env = environnement(r["pid"])
        assert env.get("STREAMLIT_SERVER_COOKIE_SECRET") == secret, f"réplique {r['numero']} : autre secret"
        assert env.get("TDB_VERSIONS") == str(lieux["versions"])
        assert env.get("TDB_CACHE") == str(lieux["cache"])
        assert env.get("TDB_DONNEES") == str(lieux["initial"])
        assert secret not in Path(f"/proc/{r['pid']}/cmdline").read_text(errors="replace")
        # les cœurs partagés entre les deux répliques (DuckDB et pool de Polars)
        part = str(max(1, (os.cpu_count() or 1) // 2))
        assert env.get("TDB_DUCKDB_THREADS") == part and env.get("POLARS_MAX_THREADS") == part
    assert "Réplique 1 prête" in grappe.texte_sortie() and "Réplique 2 prête" in grappe.texte_sortie()

    # nginx laisse passer les téléversements que Streamlit accepte (STREAMLIT_SERVER_MAX_UPLOAD_SIZE=300,
    # plus 2 Mo de bornes multipart) ; websockets et affinité configurés.
    configuration = (grappe.dossier / "nginx.conf").read_text()
    assert "client_max_body_size 302m;" in configuration
    assert "hash $tdb_route consistent;" in configuration and "daemon off;" in configuration
    assert "proxy_set_header Upgrade $http_upgrade;" in configuration


def test_import_par_une_replique_vu_par_l_autre(grappe, cles, lieux, navigateur, tmp_path):
    from donnees import versions

    def en_service() -> versions.Version:
        return versions.version_en_service(lieux["versions"], lieux["initial"])

    a = ouvrir_onglet(navigateur, grappe, cles["A"])
    b = ouvrir_onglet(navigateur, grappe, cles["B"])
    try:
        # B ouvre la page Données avant l'import : le dossier initial.
        aller(b, grappe, "donnees")
        verifier_sans_erreur(b.page)
        assert metrique(b, "Version") == "initiale"

        # 1. A importe le second jeu par « Dossier du serveur » : version 2.
        aller(a, grappe, "donnees")
        verifier_sans_erreur(a.page)
        assert metrique(a, "Version") == "initiale"
        champ = a.page.get_by_label("Votre nom (noté dans l'historique)")
        champ.fill("Réplique A")
        champ.press("Tab")
        attendre_fin_execution(a.page)
        a.page.locator('[data-testid="stRadio"]').get_by_text("Dossier du serveur", exact=True).click()
        attendre_fin_execution(a.page)
        a.page.get_by_role("button", name="Contrôler et mettre en service ce dossier").click()
        attendre_fin_execution(a.page)
        verifier_sans_erreur(a.page)
        assert "Version 2 mise en service" in texte_principal(a), texte_principal(a)[:3000]
        assert metrique(a, "Version") == "n° 2"
        v2 = en_service()
        assert v2.numero == 2 and v2.auteur == "Réplique A" and v2.source.get("type") == "dossier", v2

        # B, dans la même session (même websocket), à son exécution suivante : la version 2.
        naviguer(b, "budget")
        verifier_sans_erreur(b.page)
        pied = texte_principal(b)
        assert f"Version 2 importée le {v2.cree_le.strftime('%d/%m/%Y')}" in pied, pied[-1500:]
        naviguer(b, "donnees")
        verifier_sans_erreur(b.page)
        assert metrique(b, "Version") == "n° 2"
        assert "l'application lit encore" not in texte_principal(b)

        # 2. B téléverse une archive zip (le fichier téléversé vit dans la mémoire de B : la requête
        #    /_stcore/upload_file doit arriver à B) : version 3 ; A la lit à son exécution suivante.
        archive = tmp_path / "enveloppe_juin.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(lieux["a_importer"] / "exports_juin" / "enveloppe.parquet", "enveloppe.parquet")
        b.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(archive))
        attendre_fin_execution(b.page)
        b.page.wait_for_function(
            "() => { const b = [...document.querySelectorAll('button')].find("
            "x => x.innerText.trim().endsWith('Contrôler et mettre en service')); return b && !b.disabled; }",
            timeout=30_000)
        b.page.get_by_role("button", name="Contrôler et mettre en service", exact=True).click()
        attendre_fin_execution(b.page)
        verifier_sans_erreur(b.page)
        assert "Version 3 mise en service" in texte_principal(b), texte_principal(b)[:3000]
        assert en_service().numero == 3
        naviguer(a, "budget")
        verifier_sans_erreur(a.page)
        assert "Version 3 importée le" in texte_principal(a)
        assert "archive zip « enveloppe_juin.zip » téléversée" in texte_principal(a)

        # 3. A remet la version 2 en service (seul le pointeur change) ; B la lit à son exécution suivante.
        naviguer(a, "donnees")
        assert metrique(a, "Version") == "n° 3"
        a.page.get_by_role("button", name="Remettre cette version en service").click()
        attendre_fin_execution(a.page)
        verifier_sans_erreur(a.page)
        assert "Version 2 remise en service" in texte_principal(a), texte_principal(a)[-3000:]
        assert metrique(a, "Version") == "n° 2"
        assert en_service().id == v2.id
        naviguer(b, "budget")
        verifier_sans_erreur(b.page)
        assert "Version 2 importée le" in texte_principal(b)
        naviguer(b, "donnees")
        assert metrique(b, "Version") == "n° 2"

        # Chaque onglet n'a parlé qu'à sa réplique, par un seul websocket (une seule session).
        assert a.repliques_vues == {cles["amont_A"]}, a.repliques_vues
        assert b.repliques_vues == {cles["amont_B"]}, b.repliques_vues
        assert len(a.websockets) == 1 and len(b.websockets) == 1, (a.websockets, b.websockets)
    finally:
        fermer_onglet(a)
        fermer_onglet(b)

    # Journal de nginx : chaque requête (websocket compris, noté à sa fermeture) est allée à la réplique
    # de sa clé.
    journal = grappe.dossier / "nginx-acces.log"
    limite = time.monotonic() + 5
    while time.monotonic() < limite and journal.read_text().count("/_stcore/stream") < 2:
        time.sleep(0.2)
    lignes = journal.read_text().splitlines()
    for nom in ("A", "B"):
        siennes = [ligne for ligne in lignes if ligne.endswith(f"route={cles[nom]}")]
        assert any('"GET /_stcore/stream' in ligne and '" 101 ' in ligne for ligne in siennes), siennes[-5:]
        autres = [ligne for ligne in siennes if f"replique={cles[f'amont_{nom}']} " not in ligne]
        assert not autres, autres


def test_replique_arretee_signalee_puis_relancee(grappe, cles):
    etat = grappe.etat()
    victime = etat["repliques"][1]
    assert victime["amont"] == cles["amont_B"]
    depuis = len(grappe.texte_sortie())
    os.killpg(victime["pid"], signal.SIGKILL)
    grappe.attendre_sortie(rf"la réplique 2 \({re.escape(victime['amont'])}, pid {victime['pid']}\) s'est "
                           r"arrêtée \(tuée par le signal SIGKILL\)", 10, depuis)
    # nginx envoie la clé de B à A pendant que B est arrêtée (ou déjà relancée : B de nouveau)
    vue, _ = obtenir(f"{grappe.url}/_stcore/health", cles["B"])
    assert vue.split(", ")[-1] in (cles["amont_A"], cles["amont_B"]), vue
    grappe.attendre_sortie(r"Réplique 2 relancée : elle répond", 60, depuis)
    nouveau = grappe.etat()["repliques"][1]["pid"]
    assert nouveau != victime["pid"] and processus_vivant(nouveau)
    limite = time.monotonic() + 20
    while obtenir(f"{grappe.url}/_stcore/health", cles["B"])[0] != cles["amont_B"]:
        assert time.monotonic() < limite, "la clé de B ne revient pas à la réplique relancée"
        time.sleep(0.5)


def test_sigterm_arrete_tout_en_moins_de_10_s(grappe):
    etat = grappe.etat()
    debut = time.monotonic()
    os.kill(grappe.processus.pid, signal.SIGTERM)  # le script (exec : le superviseur Python)
    duree = verifier_tout_arrete(grappe, etat, debut)
    assert "SIGTERM reçu" in grappe.texte_sortie()
    print(f"arrêt par SIGTERM en {duree:.1f} s")


def test_ctrl_c_arrete_tout_en_moins_de_10_s(nginx, lieux):
    # Une seconde grappe, une réplique : Ctrl+C dans un terminal = SIGINT à tout le groupe au premier plan.
    grappe = lancer_grappe(lieux["racine"] / "execution_ctrl_c", lieux, repliques=1)
    try:
        etat = grappe.etat()
        assert obtenir(f"{grappe.url}/_stcore/health")[0] == etat["repliques"][0]["amont"]
        debut = time.monotonic()
        os.killpg(grappe.processus.pid, signal.SIGINT)
        duree = verifier_tout_arrete(grappe, etat, debut)
        assert "SIGINT reçu" in grappe.texte_sortie()
        print(f"arrêt par Ctrl+C en {duree:.1f} s")
    finally:
        grappe.arreter_de_force()
