"""Banc d'essai des performances du tableau de bord (un script qui affiche des mesures, pas un test).

    .venv/bin/python scripts/banc_essai.py [--dossier DOSSIER] [--echelle K] [--froid 3] [--chaud 10]

1. Jeu de données : ``DOSSIER`` (par défaut ``donnees_locales/banc_essai``) est réutilisé s'il contient
   un jeu complet dont ``orientations`` a au moins ``--lignes-min`` lignes (20 millions par défaut) ;
   sinon il est généré par ``donnees.demo.generer`` avec l'échelle ``--echelle`` ou, à défaut,
   l'échelle calculée pour atteindre ce volume (d'après un jeu d'échelle 1 généré à côté).
2. Pour chaque page de ``interface.navigation.PAGES`` : ``--froid`` processus neufs ; dans chacun,
   ``streamlit.testing.v1.AppTest`` exécute l'application (``tableau_de_bord.py``, TDB_DONNEES pointé
   sur le jeu) sur cette page une première fois (**froid** : caches Streamlit vides, modules de
   l'application à importer, jeu à ouvrir ; le rapport de validation et les cubes sont relus dans le
   cache sur disque, ``donnees.cache``, rempli une fois par jeu à l'étape 3), puis ``--chaud`` fois encore (**chaud** : caches remplis,
   comme lors d'une interaction), puis une fois dans une **nouvelle session** (caches Streamlit déjà
   remplis : le premier affichage d'un deuxième utilisateur). Mémoire : pic de mémoire résidente
   (RSS) du processus.
3. D'abord, dans un cache sur disque vidé (``TDB_CACHE`` propre au banc) : les étapes faites une fois
   par jeu jamais vu (contrôle complet, calcul des cubes de mesures) ; puis, dans un processus neuf, les
   mêmes étapes relues sur disque ; puis le temps de DuckDB seul pour les requêtes les plus lourdes
   des pages (plancher) : les indicateurs du registre à la maille Mission Locale pour la dernière
   année (``requetes.indicateurs.valeurs``) et la série mensuelle nationale des orientations
   (``requetes.indicateurs.series_mensuelles``) ; pour comparaison, la même série en SQL brut sur le
   fichier Parquet, sans les cubes.
4. Cibles (machine à 2 cœurs) : chaud ≤ 300 ms au 95e centile, premier chargement ≤ 3 s, mémoire
   ≤ 1,5 Go — affichées à côté des mesures avec PASS ou ÉCHEC.

Les temps sont mesurés côté serveur (exécution du script Streamlit), sans le navigateur.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

# Après l'ajout de la racine au chemin d'import : nombres, durées et mémoire écrits comme l'outil de charge.
from presentation.format import nombre as _nombre  # noqa: E402
from scripts.charge import texte_duree as duree  # noqa: E402
from scripts.charge import texte_memoire as memoire  # noqa: E402

SCRIPT_APP = RACINE / "tableau_de_bord.py"
DOSSIER_DEFAUT = RACINE / "donnees_locales" / "banc_essai"
LIGNES_MIN = 20_000_000

CIBLE_CHAUD_P95_S = 0.300
CIBLE_FROID_S = 3.0
CIBLE_MEMOIRE_OCTETS = 1.5e9
DELAI_RUN_S = 600.0


# --------------------------------------------------------------------------------------------
# Mise en forme (française)
# --------------------------------------------------------------------------------------------


def p95(valeurs: list[float]) -> float:
    """95e centile au rang le plus proche (pour une petite série : la plus grande valeur ou presque)."""
    v = sorted(valeurs)
    return v[max(0, math.ceil(0.95 * len(v)) - 1)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "ÉCHEC"


# --------------------------------------------------------------------------------------------
# Jeu de données
# --------------------------------------------------------------------------------------------


def lignes_orientations(dossier: Path) -> int | None:
    from donnees.contrat import NOMS_TABLES, TABLES

    if not all((dossier / TABLES[t].fichier).is_file() for t in NOMS_TABLES):
        return None
    import pyarrow.parquet as pq

    return pq.ParquetFile(dossier / TABLES["orientations"].fichier).metadata.num_rows


def preparer_jeu(dossier: Path, echelle: int | None, lignes_min: int) -> tuple[int, int | None]:
    """Rend (lignes d'orientations, échelle utilisée ou None si jeu réutilisé)."""
    from donnees import demo

    n = lignes_orientations(dossier)
    if n is not None and n >= lignes_min and echelle is None:
        print(f"Jeu réutilisé : {dossier} ({_nombre(n)} lignes d'orientations).", flush=True)
        return n, None
    if echelle is None:
        with tempfile.TemporaryDirectory(prefix="banc-echelle1-") as tmp:
            print("Génération d'un jeu d'échelle 1 pour calculer l'échelle nécessaire…", flush=True)
            demo.generer(Path(tmp), echelle=1)
            n1 = lignes_orientations(Path(tmp)) or 1
        echelle = max(1, math.ceil(lignes_min / n1))
        print(f"Échelle 1 : {_nombre(n1)} lignes d'orientations → échelle {echelle}.", flush=True)
    if dossier.exists():
        shutil.rmtree(dossier)
    dossier.mkdir(parents=True)
    debut = time.perf_counter()
    derniere = [-1.0]

    def progression(fraction: float, message: str) -> None:
        if fraction - derniere[0] >= 0.1 or fraction >= 1:
            derniere[0] = fraction
            print(f"  [{fraction:4.0%}] {message}", flush=True)

    print(f"Génération du jeu d'échelle {echelle} dans {dossier}…", flush=True)
    demo.generer(dossier, echelle=echelle, progression=progression)
    n = lignes_orientations(dossier) or 0
    print(f"Jeu généré en {duree(time.perf_counter() - debut)} : {_nombre(n)} lignes d'orientations.",
          flush=True)
    return n, echelle


def taille_dossier(dossier: Path) -> int:
    return sum(f.stat().st_size for f in dossier.iterdir() if f.is_file())


# --------------------------------------------------------------------------------------------
# Mesures dans un processus neuf (mode interne : --_page / --_duckdb)
# --------------------------------------------------------------------------------------------


def _rss_max_octets() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux : kilo-octets


def _runtime_demarre(at) -> float:
    """Fait, avant la première exécution, ce que le serveur Streamlit fait à son démarrage et qu'AppTest
    ferait sinon au premier ``run()`` : la découverte des composants installés (lecture des métadonnées
    de tous les paquets). Rend sa durée, affichée à part : elle n'est pas payée par le premier visiteur."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    debut = time.perf_counter()
    gestionnaire = BidiComponentManager()
    gestionnaire.discover_and_register_components(start_file_watching=False)
    at._bidi_component_manager = gestionnaire
    return time.perf_counter() - debut


def _chronometre(action) -> float:
    """Durée (s) de ``action()``."""
    debut = time.perf_counter()
    action()
    return time.perf_counter() - debut


def mesurer_page(fichier: str, defaut: bool, chaud: int) -> dict:
    """Dans ce processus : une exécution froide de la page puis ``chaud`` exécutions chaudes."""
    from streamlit.testing.v1 import AppTest

    # Comme le serveur lancé par scripts/lancer.sh (interface.lancement) : runtime démarré et
    # bibliothèques des pages préchargées avant la première connexion, mesurés à part.
    from interface import prechargement

    at = AppTest.from_file(str(SCRIPT_APP), default_timeout=DELAI_RUN_S)
    demarrage = _runtime_demarre(at)
    prechauffage = prechargement.precharger_au_demarrage()
    if not defaut:
        at.switch_page(fichier)
    demande = at._page_hash
    froid = _chronometre(at.run)
    # Le point d'entrée lance aussi, après la page, le fil de préchargement (presque rien à faire ici,
    # tout est déjà importé) : on l'attend avant les mesures à chaud.
    prechargement.attendre(DELAI_RUN_S)
    arrivee = at._finished_page_script_hash
    exceptions = [e.value for e in at.exception]
    page_ok = defaut or arrivee == demande
    chauds: list[float] = []
    for _ in range(chaud):
        chauds.append(_chronometre(at.run))
        exceptions += [e.value for e in at.exception]
    # Nouvelle session sur le même « serveur » : caches Streamlit (st.cache_data, st.cache_resource)
    # déjà remplis, état de session vide — le premier affichage d'un deuxième utilisateur.
    at2 = AppTest.from_file(str(SCRIPT_APP), default_timeout=DELAI_RUN_S)
    if not defaut:
        at2.switch_page(fichier)
    session_neuve = _chronometre(at2.run)
    exceptions += [e.value for e in at2.exception]
    return {
        "froid_s": froid,
        "demarrage_runtime_s": demarrage,
        "prechauffage_s": prechauffage,
        "session_neuve_s": session_neuve,
        "chaud_s": chauds,
        "rss_max_octets": _rss_max_octets(),
        "exceptions": sorted(set(exceptions)),
        "page_ok": page_ok,
    }


def mesurer_parcours(fichier: str) -> dict:
    """Dans ce processus neuf, serveur lancé à la main (``streamlit run``, sans préchargement au
    démarrage) : la page d'accueil, puis, le préchargement en arrière-plan terminé (le temps de lire
    l'accueil), le premier affichage de la page ``fichier`` — le parcours d'un utilisateur qui ouvre le
    tableau de bord puis choisit une page."""
    from streamlit.testing.v1 import AppTest

    from interface import prechargement

    at = AppTest.from_file(str(SCRIPT_APP), default_timeout=DELAI_RUN_S)
    _runtime_demarre(at)
    at.run()
    prechargement.attendre(DELAI_RUN_S)
    at.switch_page(fichier)
    page = _chronometre(at.run)
    return {"page_s": page, "exceptions": sorted({e.value for e in at.exception}),
            "rss_max_octets": _rss_max_octets()}


def mesurer_duckdb(repetitions: int) -> dict:
    """Dans ce processus neuf : les étapes du premier chargement qui ne dépendent pas de la page
    (validation du jeu, ouverture, préparation des cubes de mesures), puis le temps des requêtes
    plancher, première exécution et exécutions répétées."""
    from donnees.valider import valider_dossier_en_cache
    from requetes import indicateurs, mesures
    from requetes.jeu import JeuDeDonnees, dossier_par_defaut

    etapes: dict[str, float] = {}
    dossier = dossier_par_defaut()
    debut = time.perf_counter()
    _, lu = valider_dossier_en_cache(Path(dossier))
    etapes["validation du jeu (donnees.valider.valider_dossier_en_cache, "
           + ("rapport relu sur disque)" if lu else "contrôle complet)")] = time.perf_counter() - debut
    debut = time.perf_counter()
    jeu = JeuDeDonnees(dossier)
    etapes["ouverture (JeuDeDonnees)"] = time.perf_counter() - debut
    if hasattr(mesures, "preparer"):
        debut = time.perf_counter()
        mesures.preparer(jeu)
        etapes["préparation des cubes de mesures (requetes.mesures.preparer"
               + (", relus sur disque)" if lu else ", calculés)")] = time.perf_counter() - debut
    annee = indicateurs.annees_disponibles(jeu)[-1]
    chemin = str(Path(jeu.dossier) / "orientations.parquet")
    cas = {
        f"valeurs(maille « ml », {annee}), tous les indicateurs": lambda: indicateurs.valeurs(jeu, "ml", annee),
        "series_mensuelles(« nationale », orientes_ft_ml)": lambda: indicateurs.series_mensuelles(
            jeu, "nationale", mesures=["orientes_ft_ml"]),
    }
    reference = {
        "SQL brut sans cube : SUM(orientes) par mois sur tout orientations": lambda: jeu.sql(
            "SELECT mois, SUM(orientes) AS orientes FROM read_parquet(?) GROUP BY mois ORDER BY mois",
            [chemin]),
    }

    def chronometrer(fonctions: dict) -> dict:
        resultats = {}
        for nom, f in fonctions.items():
            debut = time.perf_counter()
            try:
                f()
            except Exception as exc:  # une requête cassée est rapportée, pas cachée
                resultats[nom] = {"erreur": f"{type(exc).__name__} : {exc}"}
                continue
            froid = time.perf_counter() - debut
            chauds = []
            for _ in range(repetitions):
                debut = time.perf_counter()
                f()
                chauds.append(time.perf_counter() - debut)
            resultats[nom] = {"froid_s": froid, "chaud_s": chauds}
        return resultats

    return {"etapes": etapes, "requetes": chronometrer(cas), "reference": chronometrer(reference),
            "rss_max_octets": _rss_max_octets()}


def dossier_cache(dossier: Path) -> Path:
    """Cache sur disque (TDB_CACHE) propre au banc d'essai, à côté du jeu, vidé à chaque lancement."""
    return dossier.parent / f"{dossier.name}_cache"


def _sous_processus(arguments: list[str], dossier: Path) -> dict:
    env = os.environ.copy()
    env["TDB_DONNEES"] = str(dossier)
    env["TDB_CACHE"] = str(dossier_cache(dossier))
    env.setdefault("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "false")
    # Messages d'exception complets (la configuration de production les masque).
    env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        cwd=RACINE, env=env, capture_output=True, text=True, check=False,
    )
    for ligne in reversed(proc.stdout.splitlines()):
        if ligne.startswith("{"):
            return json.loads(ligne)
    raise RuntimeError(
        f"Mesure impossible ({' '.join(arguments)}), code {proc.returncode}.\n"
        f"Sortie :\n{proc.stdout[-3000:]}\nErreurs :\n{proc.stderr[-3000:]}"
    )


# --------------------------------------------------------------------------------------------
# Programme principal
# --------------------------------------------------------------------------------------------


def _champ(page_def, nom: str):
    return page_def.get(nom) if isinstance(page_def, dict) else getattr(page_def, nom, None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossier", type=Path, default=DOSSIER_DEFAUT)
    parser.add_argument("--echelle", type=int, default=None,
                        help="échelle de donnees.demo (défaut : calculée pour --lignes-min)")
    parser.add_argument("--lignes-min", type=int, default=LIGNES_MIN)
    parser.add_argument("--froid", type=int, default=3, help="processus neufs par page (défaut 3)")
    parser.add_argument("--chaud", type=int, default=10, help="exécutions chaudes par processus (défaut 10)")
    parser.add_argument("--pages", default=None, help="url_path des pages à mesurer, séparés par des virgules")
    parser.add_argument("--_page", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--_defaut", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_duckdb", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_parcours", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    # Modes internes : une mesure dans ce processus, résultat en JSON sur la dernière ligne.
    if args._page is not None:
        print(json.dumps(mesurer_page(args._page, args._defaut, args.chaud)), flush=True)
        return 0
    if args._duckdb:
        print(json.dumps(mesurer_duckdb(args.chaud)), flush=True)
        return 0
    if args._parcours is not None:
        print(json.dumps(mesurer_parcours(args._parcours)), flush=True)
        return 0

    from interface.navigation import PAGES

    pages = list(PAGES)
    if args.pages:
        voulues = [p.strip() for p in args.pages.split(",") if p.strip()]
        pages = [p for p in pages if _champ(p, "url_path") in voulues]
    if not pages:
        print("Aucune page à mesurer (interface.navigation.PAGES vide ou filtre --pages).", file=sys.stderr)
        return 1

    dossier = args.dossier.resolve()
    n_orientations, echelle = preparer_jeu(dossier, args.echelle, args.lignes_min)

    import duckdb
    import polars
    import streamlit

    print()
    print("== Banc d'essai du tableau de bord ==")
    print(f"Machine : {os.cpu_count()} cœurs, {platform.machine()}, Python {platform.python_version()}, "
          f"Streamlit {streamlit.__version__}, DuckDB {duckdb.__version__}, Polars {polars.__version__}")
    charge = os.getloadavg()
    print(f"Charge de la machine au départ (load average 1, 5, 15 min) : "
          f"{', '.join(_nombre(c, 2) for c in charge)}"
          + (" — machine déjà occupée : mesures pessimistes" if charge[0] > (os.cpu_count() or 2) else ""))
    print(f"Jeu : {dossier} — {_nombre(n_orientations)} lignes d'orientations"
          + (f" (échelle {echelle})" if echelle else "")
          + f", {memoire(taille_dossier(dossier))} de Parquet")
    print(f"Répétitions : {args.froid} processus neufs par page × (1 exécution froide + "
          f"{args.chaud} chaudes)")
    print()

    shutil.rmtree(dossier_cache(dossier), ignore_errors=True)
    res_jamais_vu = _sous_processus(["--_duckdb", "--chaud", "1"], dossier)
    print("Jeu jamais vu (cache disque vide), une fois par jeu ou par version importée — processus neuf, "
          "hors Streamlit :")
    for nom, t in res_jamais_vu["etapes"].items():
        print(f"  - {nom} : {duree(t)}")
    print(f"  - pic de mémoire : {memoire(res_jamais_vu['rss_max_octets'])}")
    res_duckdb = _sous_processus(["--_duckdb", "--chaud", str(max(args.chaud, 5))], dossier)
    print("Jeu déjà contrôlé (rapport et cubes relus sur disque) — processus neuf, hors Streamlit :")
    for nom, t in res_duckdb["etapes"].items():
        print(f"  - {nom} : {duree(t)}")
    print("Plancher DuckDB : requêtes les plus lourdes des pages, seules, une fois les cubes prêts :",
          flush=True)

    def afficher(resultats: dict) -> None:
        for nom, r in resultats.items():
            if "erreur" in r:
                print(f"  - {nom} : ERREUR {r['erreur']}")
                continue
            print(f"  - {nom} : 1re exécution {duree(r['froid_s'])}, ensuite médiane "
                  f"{duree(statistics.median(r['chaud_s']))}, p95 {duree(p95(r['chaud_s']))}")

    afficher(res_duckdb["requetes"])
    print("Pour comparaison, la même série sans passer par les cubes :")
    afficher(res_duckdb["reference"])
    mesurees = [statistics.median(r["chaud_s"]) for r in res_duckdb["requetes"].values() if "chaud_s" in r]
    plancher = max(mesurees) if mesurees else None
    print()

    entetes = ("Page", "froid méd.", "froid max", "après accueil", "nouv. session", "chaud méd.", "chaud p95",
               "RSS max", "DuckDB seul", "verdict")
    lignes = []
    tout_ok = True
    for p in pages:
        url_path = _champ(p, "url_path")
        fichier = _champ(p, "fichier")
        defaut = bool(_champ(p, "defaut"))
        print(f"Mesure de la page {url_path} ({fichier})…", flush=True)
        froids, sessions, chauds, rss, exceptions, page_ok, demarrages, prechauffages = (
            [], [], [], [], set(), True, [], [])
        for _ in range(args.froid):
            arguments = ["--_page", fichier, "--chaud", str(args.chaud)] + (["--_defaut"] if defaut else [])
            r = _sous_processus(arguments, dossier)
            froids.append(r["froid_s"])
            demarrages.append(r["demarrage_runtime_s"])
            prechauffages.append(r["prechauffage_s"])
            sessions.append(r["session_neuve_s"])
            chauds += r["chaud_s"]
            rss.append(r["rss_max_octets"])
            exceptions.update(r["exceptions"])
            page_ok = page_ok and r["page_ok"]
        apres_accueil = None
        if not defaut:
            r = _sous_processus(["--_parcours", fichier], dossier)
            apres_accueil = r["page_s"]
            exceptions.update(r["exceptions"])
            rss.append(r["rss_max_octets"])
        ok_froid = max(froids) <= CIBLE_FROID_S
        ok_chaud = p95(chauds) <= CIBLE_CHAUD_P95_S
        ok_memoire = max(rss) <= CIBLE_MEMOIRE_OCTETS
        ok = ok_froid and ok_chaud and ok_memoire and page_ok and not exceptions
        tout_ok = tout_ok and ok
        detail = []
        if not ok_froid:
            detail.append("froid")
        if not ok_chaud:
            detail.append("chaud")
        if not ok_memoire:
            detail.append("mémoire")
        if not page_ok:
            detail.append("page non atteinte")
        if exceptions:
            detail.append(f"{len(exceptions)} exception(s)")
        lignes.append((
            url_path, duree(statistics.median(froids)), duree(max(froids)), duree(apres_accueil),
            duree(statistics.median(sessions)),
            duree(statistics.median(chauds)), duree(p95(chauds)), memoire(max(rss)), duree(plancher),
            verdict(ok) + (f" ({', '.join(detail)})" if detail else ""),
        ))
        print(f"  au démarrage du serveur, hors « froid » : découverte des composants "
              f"{duree(statistics.median(demarrages))}, préchargement des bibliothèques (interface.lancement) "
              f"{duree(statistics.median(prechauffages))} (médianes)", flush=True)
        for e in sorted(exceptions):
            print(f"  exception : {e.splitlines()[0] if e else e}")

    largeurs = [max(len(str(x)) for x in col) for col in zip(entetes, *lignes)]
    print()
    print("  ".join(str(h).ljust(w) for h, w in zip(entetes, largeurs)))
    print("  ".join("-" * w for w in largeurs))
    for ligne in lignes:
        print("  ".join(str(x).ljust(w) for x, w in zip(ligne, largeurs)))
    print()
    print(f"Cibles (2 cœurs) : premier chargement ≤ {duree(CIBLE_FROID_S)} (froid max), "
          f"chaud ≤ {duree(CIBLE_CHAUD_P95_S)} au 95e centile, mémoire ≤ {memoire(CIBLE_MEMOIRE_OCTETS)} "
          f"(pic RSS du processus).")
    print("« froid » : première exécution dans un processus neuf, serveur démarré comme par scripts/lancer.sh "
          "(runtime Streamlit prêt, bibliothèques des pages préchargées ; imports restants, ouverture du jeu, rapport de "
          "validation et cubes relus sur disque, géométries et requêtes de la page compris ; le contrôle "
          "d'un jeu jamais vu est mesuré à part ci-dessus) ; « après accueil » : serveur lancé à la main "
          "(streamlit run tableau_de_bord.py, sans préchargement au démarrage), premier affichage de la page "
          "ouverte depuis l'accueil, le préchargement en arrière-plan terminé (pour information, hors verdict) ; « nouv. session » : premier affichage "
          "pour une deuxième session, caches remplis (médiane, pour information, hors verdict) ; « chaud » : exécutions suivantes de la même session, une fois le préchargement en arrière-plan "
          "terminé.")
    print("« DuckDB seul » : médiane de la plus lente des requêtes plancher ci-dessus (cubes prêts).")
    charge = os.getloadavg()
    print(f"Charge de la machine à la fin (load average 1, 5, 15 min) : "
          f"{', '.join(_nombre(c, 2) for c in charge)}")
    print(f"Bilan : {verdict(tout_ok)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
