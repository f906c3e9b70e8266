"""Magasin de versions (donnees/versions.py) : versions immuables, pointeur « en service » remplacé d'un
coup, reprise des tables absentes, comparaison, remise en service, et arrêts brutaux en pleine écriture
(processus tué par SIGKILL, échecs injectés) qui laissent la version précédente en service."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from tests.fabrique import ecrire_jeu, empreinte_arborescence, jeu_minimal

RACINE_DEPOT = Path(__file__).resolve().parents[2]
SOURCE = {"type": "televersement", "noms": []}


@pytest.fixture
def base(tmp_path) -> Path:
    return ecrire_jeu(tmp_path / "initial", jeu_minimal())


@pytest.fixture
def racine(tmp_path) -> Path:
    return tmp_path / "magasin"


def allocations_doublees() -> pl.DataFrame:
    return jeu_minimal()["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)


def ecrire(dossier: Path, tables: dict[str, pl.DataFrame]) -> dict[str, Path]:
    ecrire_jeu(dossier, tables)
    return {nom: dossier / TABLES[nom].fichier for nom in tables}


def visibles(racine: Path) -> list[str]:
    return [v.id for v in versions.lister_versions(racine)]


def caches(racine: Path, prefixe: str) -> list[Path]:
    return [p for p in racine.iterdir() if p.name.startswith(prefixe)] if racine.exists() else []


def premier_import(racine: Path, base: Path, tmp_path: Path) -> versions.ResultatVersion:
    fichiers = ecrire(tmp_path / "import1", {"allocations": allocations_doublees()})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, auteur="Camille", base=base)
    assert resultat.accepte, resultat.rapport.texte() if resultat.rapport else resultat.erreurs
    return resultat


# --------------------------------------------------------------------------------------------------
# Magasin vide, premier import
# --------------------------------------------------------------------------------------------------

def test_magasin_vide(racine, base):
    assert versions.lister_versions(racine) == []
    assert versions.lire_pointeur(racine) is None
    assert versions.dossier_en_service(racine, base) is None
    assert versions.dossier_en_service(racine) is None


def test_racine_par_defaut(monkeypatch, tmp_path):
    monkeypatch.delenv("TDB_VERSIONS", raising=False)
    assert versions.racine_par_defaut() == RACINE_DEPOT / "donnees_locales" / "versions"
    monkeypatch.setenv("TDB_VERSIONS", str(tmp_path / "ailleurs"))
    assert versions.racine_par_defaut() == tmp_path / "ailleurs"


def test_premier_import_conserve_le_dossier_initial_et_reprend_les_tables_absentes(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    initiale, nouvelle = versions.lister_versions(racine)
    assert (initiale.numero, nouvelle.numero) == (1, 2)
    assert resultat.initiale.id == initiale.id and resultat.version.id == nouvelle.id

    # la version initiale est une copie exacte du dossier initial
    assert initiale.source == {"type": "initial", "chemin": str(base.resolve())}
    for nom in NOMS_TABLES:
        fichier = TABLES[nom].fichier
        assert (initiale.dossier / fichier).read_bytes() == (base / fichier).read_bytes()

    # la nouvelle : allocations importée, les 9 autres tables reprises (et dites reprises)
    assert nouvelle.parent == initiale.id
    assert set(nouvelle.reprises) == set(NOMS_TABLES) - {"allocations"}
    assert resultat.reprises == tuple(n for n in NOMS_TABLES if n != "allocations")
    assert nouvelle.manifeste["fichiers"]["allocations"]["origine"] == "import"
    assert nouvelle.manifeste["fichiers"]["contexte"]["origine"] == "reprise du dossier initial"
    lues = pl.read_parquet(nouvelle.dossier / "allocations.parquet")
    assert lues.equals(allocations_doublees())
    for nom in nouvelle.reprises:
        fichier = TABLES[nom].fichier
        assert (nouvelle.dossier / fichier).read_bytes() == (base / fichier).read_bytes()

    # en service : la nouvelle, pour ce dossier initial seulement
    assert versions.dossier_en_service(racine, base) == nouvelle.dossier
    assert versions.dossier_en_service(racine) == nouvelle.dossier
    assert versions.dossier_en_service(racine, tmp_path / "autre_dossier") is None
    pointeur = versions.lire_pointeur(racine)
    assert pointeur["version"] == nouvelle.id and pointeur["base"] == str(base.resolve())
    assert pointeur["par"] == "Camille" and pointeur["motif"] == "import"
    # rien de caché ne traîne
    assert caches(racine, versions.PREFIXE_ECRITURE) == [] and caches(racine, versions.PREFIXE_DEPOT) == []


def test_manifeste_qui_quand_quoi(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    v = versions.lire_version(racine, resultat.version.id)
    m = json.loads((v.dossier / versions.FICHIER_MANIFESTE).read_text(encoding="utf-8"))
    assert m == v.manifeste
    assert m["auteur"] == "Camille" and m["version_contrat"] == 1 and m["source"] == SOURCE
    assert versions.id_valide(m["id"]) and m["numero"] == 2
    assert abs(v.cree_le.timestamp() - time.time()) < 120
    for nom in NOMS_TABLES:
        f = m["fichiers"][nom]
        chemin = v.dossier / TABLES[nom].fichier
        assert f["sha256"] == versions.sha256(chemin)
        assert f["octets"] == chemin.stat().st_size
        assert f["lignes"] == pl.read_parquet(chemin).height
        # fichiers d'une version en lecture seule
        assert not chemin.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert versions.verifier_integrite(v) == []
    # avertissements du validateur gardés (le jeu minimal ne couvre que 12 communes)
    assert "trou_couverture" in {a["regle"] for a in v.avertissements}
    # période : du premier au dernier mois des orientations et de l'activité
    assert v.periode == (pl.read_parquet(base / "activite.parquet")["mois"].min(),
                         pl.read_parquet(base / "activite.parquet")["mois"].max())


def test_chiffres_d_une_version_recalcules_independamment(racine, base, tmp_path):
    v = premier_import(racine, base, tmp_path).version
    chiffres = {(c["cle"], c["annee"]): c["valeur"] for c in v.chiffres}
    alloc = allocations_doublees()
    for annee in (2023, 2024):
        a = alloc.filter(pl.col("annee") == annee)
        attendu = (a["valorisation_etp_eur"] + a["subvention_compensatoire_eur"] + a["credits_financiers_eur"]).sum()
        assert chiffres[("somme_parts", annee)] == pytest.approx(attendu)
        ori = pl.read_parquet(base / "orientations.parquet").filter(
            (pl.col("mois").dt.year() == annee) & (pl.col("sens") == "ft_vers_ml"))
        assert chiffres[("entrees_delegation", annee)] == ori["entres"].sum()
        env = pl.read_parquet(base / "enveloppe.parquet").filter(pl.col("annee") == annee)
        assert chiffres[("enveloppe_totale", annee)] == env["enveloppe_totale_eur"].sum()
    assert chiffres[("nb_ml", None)] == pl.read_parquet(base / "missions_locales.parquet")["code_ml"].n_unique()


# --------------------------------------------------------------------------------------------------
# Refus : rien ne change
# --------------------------------------------------------------------------------------------------

def test_jeu_invalide_ne_change_rien(racine, base, tmp_path):
    premier_import(racine, base, tmp_path)
    avant = empreinte_arborescence(racine)
    fausses = allocations_doublees().with_columns(pl.lit(-1.0).alias("etp_affectes"))
    fichiers = ecrire(tmp_path / "faux", {"allocations": fausses})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, base=base)
    assert not resultat.accepte and resultat.version is None
    assert "valeur_negative" in {a.regle for a in resultat.rapport.erreurs}
    assert empreinte_arborescence(racine) == avant


def test_premier_import_refuse_ne_cree_meme_pas_la_version_initiale(racine, base, tmp_path):
    fichiers = ecrire(tmp_path / "faux", {"missions_locales": jeu_minimal()["missions_locales"].head(1)})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, base=base)
    assert not resultat.accepte
    assert "reference_inconnue" in {a.regle for a in resultat.rapport.erreurs}  # MLB a disparu
    assert visibles(racine) == [] and versions.lire_pointeur(racine) is None
    assert caches(racine, versions.PREFIXE_ECRITURE) == []


def test_sans_dossier_initial_les_tables_absentes_manquent(racine, tmp_path):
    fichiers = ecrire(tmp_path / "seul", {"allocations": allocations_doublees()})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, base=None)
    assert not resultat.accepte and resultat.reprises == ()
    assert {a.fichier for a in resultat.rapport.erreurs if a.regle == "fichier_absent"} == {
        TABLES[n].fichier for n in NOMS_TABLES if n != "allocations"}


def test_table_hors_contrat_refusee(racine, base, tmp_path):
    with pytest.raises(KeyError):
        versions.creer_version(racine, {"../etc": tmp_path}, source=SOURCE, base=base)


def test_identifiants_mal_formes(racine, base, tmp_path):
    premier_import(racine, base, tmp_path)
    for mauvais in ("../initial", "/etc", "v1", "v0001-20260101T000000Z/../..", ""):
        with pytest.raises(KeyError):
            versions.lire_version(racine, mauvais)
    # un pointeur trafiqué vers un chemin n'est pas suivi
    (racine / versions.FICHIER_POINTEUR).chmod(0o644)
    (racine / versions.FICHIER_POINTEUR).write_text(json.dumps({"version": "../initial"}), encoding="utf-8")
    assert versions.dossier_en_service(racine, base) is None
    (racine / versions.FICHIER_POINTEUR).write_text("{ tronqué", encoding="utf-8")
    assert versions.dossier_en_service(racine, base) is None


def test_un_dossier_sans_manifeste_n_est_pas_une_version(racine, base, tmp_path):
    premier_import(racine, base, tmp_path)
    (racine / "v0099-20260101T000000Z").mkdir()
    (racine / ".ecriture-abandonnee").mkdir()
    assert [v.numero for v in versions.lister_versions(racine)] == [1, 2]


# --------------------------------------------------------------------------------------------------
# Comparaison, remise en service
# --------------------------------------------------------------------------------------------------

def test_comparer_deux_versions(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    tables = jeu_minimal()
    moins = tables["orientations"].filter(pl.col("mois").dt.year() == 2024)
    fichiers = ecrire(tmp_path / "import2", {"orientations": moins})
    v3 = versions.creer_version(racine, fichiers, source=SOURCE, base=base).version
    assert v3.parent == resultat.version.id

    cmp = versions.comparer(resultat.initiale, v3)
    f = {r["table"]: r for r in cmp.fichiers.iter_rows(named=True)}
    assert f["orientations"]["lignes_avant"] == tables["orientations"].height
    assert f["orientations"]["lignes_apres"] == moins.height
    assert f["orientations"]["ecart"] == moins.height - tables["orientations"].height
    assert not f["orientations"]["identique"] and not f["allocations"]["identique"]
    assert all(f[n]["identique"] for n in NOMS_TABLES if n not in ("orientations", "allocations"))

    changes = {(r["cle"], r["annee"]): r for r in cmp.chiffres_changes.iter_rows(named=True)}
    # parts : crédits doublés (v2) ; orientations 2023 disparues (v3) ; rien d'autre
    alloc0, alloc1 = tables["allocations"], allocations_doublees()
    for annee in (2023, 2024):
        avant = alloc0.filter(pl.col("annee") == annee)["credits_financiers_eur"].sum()
        apres = alloc1.filter(pl.col("annee") == annee)["credits_financiers_eur"].sum()
        assert changes[("somme_parts", annee)]["ecart"] == pytest.approx(apres - avant)
    ori2023 = tables["orientations"].filter(pl.col("mois").dt.year() == 2023)
    deleg = ori2023.filter(pl.col("sens") == "ft_vers_ml")
    e = changes[("entrees_delegation", 2023)]
    assert e["avant"] == deleg["entres"].sum() and e["apres"] is None and e["change"]
    assert ("entrees_delegation", 2024) not in changes
    assert {c for c, _ in changes} == {"somme_parts", "entrees_delegation", "orientes_delegation",
                                       "orientes_vers_ft"}
    # une version comparée à elle-même : rien ne change
    assert versions.comparer(v3, v3).chiffres_changes.is_empty()


def test_remettre_en_service_ne_fait_que_deplacer_le_pointeur(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    avant = {k: v for k, v in empreinte_arborescence(racine).items() if k.startswith("v0")}
    v1 = versions.remettre_en_service(racine, resultat.initiale.id, auteur="Dominique", base=base)
    assert versions.dossier_en_service(racine, base) == v1.dossier
    assert {k: v for k, v in empreinte_arborescence(racine).items() if k.startswith("v0")} == avant
    assert visibles(racine) == [resultat.initiale.id, resultat.version.id]
    evenements = versions.journal(racine)
    assert [(e["version"], e["motif"], e["precedente"]) for e in evenements] == [
        (resultat.version.id, "import", None),
        (resultat.initiale.id, "remise_en_service", resultat.version.id),
    ]
    assert evenements[-1]["par"] == "Dominique"
    # et retour à la version 2
    versions.remettre_en_service(racine, resultat.version.id, base=base)
    assert versions.dossier_en_service(racine, base) == resultat.version.dossier


def test_version_abimee_pas_remise_en_service(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    fichier = resultat.initiale.dossier / "enveloppe.parquet"
    fichier.chmod(0o644)
    fichier.write_bytes(fichier.read_bytes()[:-10])
    pointeur = (racine / versions.FICHIER_POINTEUR).read_bytes()
    with pytest.raises(ValueError, match=r"enveloppe\.parquet"):
        versions.remettre_en_service(racine, resultat.initiale.id, base=base)
    assert (racine / versions.FICHIER_POINTEUR).read_bytes() == pointeur


def test_nouvel_import_reprend_de_la_version_en_service(racine, base, tmp_path):
    """Après une remise en service de la version 1, un import reprend ses tables, pas celles de la 2."""
    resultat = premier_import(racine, base, tmp_path)
    versions.remettre_en_service(racine, resultat.initiale.id, base=base)
    fichiers = ecrire(tmp_path / "import2", {"contexte": jeu_minimal()["contexte"]})
    v3 = versions.creer_version(racine, fichiers, source=SOURCE, base=base).version
    assert v3.parent == resultat.initiale.id
    assert (v3.dossier / "allocations.parquet").read_bytes() == (base / "allocations.parquet").read_bytes()
    assert v3.manifeste["fichiers"]["allocations"]["origine"] == f"reprise de {resultat.initiale.id}"


def test_autre_dossier_initial_reprend_la_main(racine, base, tmp_path):
    """TDB_DONNEES pointé ailleurs : ce dossier est lu (pointeur posé sur un autre dossier initial)."""
    premier_import(racine, base, tmp_path)
    autre = ecrire_jeu(tmp_path / "autre", jeu_minimal())
    assert versions.dossier_en_service(racine, autre) is None
    fichiers = ecrire(tmp_path / "import_autre", {"allocations": allocations_doublees()})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, base=autre)
    assert resultat.initiale is not None and resultat.initiale.source["chemin"] == str(autre.resolve())
    assert versions.dossier_en_service(racine, autre) == resultat.version.dossier
    assert versions.dossier_en_service(racine, base) is None
    assert len(versions.lister_versions(racine)) == 4


def test_lecteur_en_cours_garde_une_version_coherente(racine, base, tmp_path):
    """Une session qui a ouvert la version en service la lit toujours, à l'identique, après un import."""
    from requetes.jeu import JeuDeDonnees

    premier_import(racine, base, tmp_path)
    jeu = JeuDeDonnees(versions.dossier_en_service(racine, base))
    requete = "SELECT annee, sum(credits_financiers_eur) AS c FROM allocations GROUP BY annee ORDER BY annee"
    avant = jeu.sql(requete)
    fichiers = ecrire(tmp_path / "import2", {"allocations": jeu_minimal()["allocations"]})
    nouvelle = versions.creer_version(racine, fichiers, source=SOURCE, base=base).version
    assert versions.dossier_en_service(racine, base) == nouvelle.dossier
    assert jeu.sql(requete).equals(avant)
    assert not JeuDeDonnees(nouvelle.dossier).sql(requete).equals(avant)


def test_imports_simultanes_serialises(racine, base, tmp_path):
    premier_import(racine, base, tmp_path)
    resultats = []

    def importer(i: int) -> None:
        alloc = jeu_minimal()["allocations"].with_columns(pl.col("credits_financiers_eur") + i)
        fichiers = ecrire(tmp_path / f"concurrent{i}", {"allocations": alloc})
        resultats.append(versions.creer_version(racine, fichiers, source=SOURCE, base=base))

    fils = [threading.Thread(target=importer, args=(i,)) for i in (1, 2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()
    assert all(r.accepte for r in resultats)
    assert sorted(r.version.numero for r in resultats) == [3, 4]
    assert [v.numero for v in versions.lister_versions(racine)] == [1, 2, 3, 4]
    assert versions.lire_pointeur(racine)["version"] in {r.version.id for r in resultats}
    assert caches(racine, versions.PREFIXE_ECRITURE) == []


# --------------------------------------------------------------------------------------------------
# Échecs injectés et arrêts brutaux
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cible", ["_ecrire_manifeste", "rename", "chiffres_du_jeu"])
def test_echec_injecte_pendant_l_ecriture(racine, base, tmp_path, monkeypatch, cible):
    premier_import(racine, base, tmp_path)
    avant = empreinte_arborescence(racine)
    service = versions.dossier_en_service(racine, base)

    def panne(*args, **kwargs):
        raise OSError(28, "Plus de place sur le périphérique")

    if cible == "rename":
        monkeypatch.setattr(versions.os, "rename", panne)
    else:
        monkeypatch.setattr(versions, cible, panne)
    fichiers = ecrire(tmp_path / "import2", {"allocations": jeu_minimal()["allocations"]})
    resultat = versions.creer_version(racine, fichiers, source=SOURCE, base=base)
    assert not resultat.accepte
    assert [a.regle for a in resultat.erreurs] == ["ecriture_impossible"]
    assert "Plus de place" in resultat.erreurs[0].message and "Rien n'a changé" in resultat.erreurs[0].message
    assert versions.dossier_en_service(racine, base) == service
    assert empreinte_arborescence(racine) == avant
    assert caches(racine, versions.PREFIXE_ECRITURE) == []


def test_echec_injecte_pendant_le_remplacement_du_pointeur(racine, base, tmp_path, monkeypatch):
    resultat = premier_import(racine, base, tmp_path)
    pointeur = (racine / versions.FICHIER_POINTEUR).read_bytes()

    def panne(*args, **kwargs):
        raise OSError(5, "Erreur d'entrée-sortie")

    monkeypatch.setattr(versions.os, "replace", panne)
    with pytest.raises(OSError):
        versions.remettre_en_service(racine, resultat.initiale.id, base=base)
    assert (racine / versions.FICHIER_POINTEUR).read_bytes() == pointeur
    assert [p for p in racine.iterdir() if p.name.endswith(".tmp")] == []


SCRIPT_INTERROMPU = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {depot!r})
    from donnees import versions

    racine, base, fichier, moment = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    if moment == "copie":
        copier = versions._copier
        compte = [0]
        def copier_puis_attendre(source, cible):
            resultat = copier(source, cible)
            compte[0] += 1
            if compte[0] == 4:  # quatre fichiers sur dix écrits dans la version en cours
                print("ARRET", flush=True)
                time.sleep(120)
            return resultat
        versions._copier = copier_puis_attendre
    else:  # version en place, pointeur pas encore posé
        poser = versions._poser_pointeur
        def attendre_puis_poser(*args, **kwargs):
            print("ARRET", flush=True)
            time.sleep(120)
            return poser(*args, **kwargs)
        versions._poser_pointeur = attendre_puis_poser
    versions.creer_version(racine, {{"allocations": fichier}}, source={{"type": "televersement"}}, base=base)
    print("FINI", flush=True)
""")


@pytest.mark.parametrize("moment", ["copie", "pointeur"])
def test_import_tue_par_sigkill_en_pleine_ecriture(racine, base, tmp_path, moment):
    resultat = premier_import(racine, base, tmp_path)
    service = versions.dossier_en_service(racine, base)
    avant = empreinte_arborescence(racine)
    fichier = ecrire(tmp_path / "import2", {"allocations": jeu_minimal()["allocations"]})["allocations"]
    script = tmp_path / "import_interrompu.py"
    script.write_text(SCRIPT_INTERROMPU.format(depot=str(RACINE_DEPOT)), encoding="utf-8")
    processus = subprocess.Popen(
        [sys.executable, str(script), str(racine), str(base), str(fichier), moment],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=RACINE_DEPOT,
    )
    try:
        ligne = processus.stdout.readline()
        assert ligne.strip() == "ARRET", processus.stderr.read() if processus.poll() is not None else ligne
        if moment == "copie":
            # l'écriture est bien en cours : un dossier caché, quatre fichiers, pas de manifeste
            (en_cours,) = caches(racine, versions.PREFIXE_ECRITURE)
            assert len(list(en_cours.glob("*.parquet"))) == 4
            assert not (en_cours / versions.FICHIER_MANIFESTE).exists()
        os.kill(processus.pid, signal.SIGKILL)
    finally:
        processus.wait(timeout=30)
        processus.stdout.close()
        processus.stderr.close()
    assert processus.returncode == -signal.SIGKILL

    # la version précédente est toujours en service, intacte
    assert versions.dossier_en_service(racine, base) == service
    assert versions.lire_pointeur(racine)["version"] == resultat.version.id
    apres = empreinte_arborescence(racine)
    for chemin, empreinte in avant.items():
        assert apres.get(chemin) == empreinte, chemin
    if moment == "copie":
        # aucune version à moitié écrite n'est visible
        assert visibles(racine) == [resultat.initiale.id, resultat.version.id]
    else:
        # la version est complète et en place, mais pas en service
        trois = versions.lister_versions(racine)[-1]
        assert trois.numero == 3 and versions.verifier_integrite(trois) == []
    # l'import suivant réussit et fait le ménage de l'écriture interrompue
    fichiers = ecrire(tmp_path / "import3", {"allocations": allocations_doublees()})
    suivant = versions.creer_version(racine, fichiers, source=SOURCE, base=base)
    assert suivant.accepte and versions.dossier_en_service(racine, base) == suivant.version.dossier
    assert caches(racine, versions.PREFIXE_ECRITURE) == []


def test_version_du_dossier(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    assert versions.version_du_dossier(racine, resultat.version.dossier).id == resultat.version.id
    assert versions.version_du_dossier(racine, base) is None
    assert versions.version_du_dossier(racine, tmp_path / "v0002-20260101T000000Z") is None
    assert versions.version_du_dossier(racine, racine / "v0099-20260101T000000Z") is None


def test_refus_journalise_sans_toucher_au_service(racine, base, tmp_path):
    resultat = premier_import(racine, base, tmp_path)
    pointeur = (racine / versions.FICHIER_POINTEUR).read_bytes()
    versions.journaliser_refus(racine, par="agent@ml-brest.fr", action="import", raison="pas administrateur")
    assert (racine / versions.FICHIER_POINTEUR).read_bytes() == pointeur
    assert versions.dossier_en_service(racine, base) == resultat.version.dossier
    dernier = versions.journal(racine)[-1]
    assert {k: dernier[k] for k in ("motif", "action", "par", "raison", "version")} == {
        "motif": "refus", "action": "import", "par": "agent@ml-brest.fr", "raison": "pas administrateur",
        "version": None}
    assert dernier["depuis"]
    with pytest.raises(ValueError, match="Action inconnue"):
        versions.journaliser_refus(racine, par="x", action="supprimer", raison="")
