"""Textes et tableaux de la page Données (presentation/donnees.py), sans Streamlit.

Un magasin de versions fait pour le module (dossier initial ``jeu_minimal``, deux imports) ; les nombres
attendus sont relus dans les fichiers Parquet et les manifestes, les textes écrits en toutes lettres.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from donnees import import_securise, versions
from donnees.contrat import NOMS_TABLES, TABLES
from presentation import donnees as P
from presentation import format as fmt
from tests.fabrique import ecrire_jeu, jeu_minimal, octets_parquet

F = "\u202f"  # espace fine insécable (milliers)
E = "\u00a0"  # espace insécable (avant l'unité)
AUTEUR = "Camille [x](http://a.b) *g*"


@pytest.fixture(scope="module")
def magasin(tmp_path_factory):
    """Dossier initial, puis deux imports : allocations (crédits doublés, par AUTEUR), orientations 2024."""
    dossier = tmp_path_factory.mktemp("presentation_donnees")
    base = ecrire_jeu(dossier / "initial", jeu_minimal())
    racine = dossier / "magasin"
    t = jeu_minimal()
    alloc = t["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)
    r = import_securise.importer_televersements(racine, [("allocations.parquet", octets_parquet(alloc))],
                                                auteur=AUTEUR, commentaire="exports <b>", base=base)
    assert r.accepte, r.texte()
    orientations = t["orientations"].filter(pl.col("mois").dt.year() == 2024)
    r = import_securise.importer_televersements(racine, [("orientations.parquet", octets_parquet(orientations))],
                                                base=base)
    assert r.accepte, r.texte()
    return base, racine, versions.lister_versions(racine)


def heure_de_paris(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y à %H:%M")


@pytest.mark.parametrize(("moment", "attendu"), [
    (datetime(2026, 11, 28, 5, 32, tzinfo=UTC), "28/11/2026 à 06:32"),  # heure d'hiver
    ("2026-07-01T10:00:00+00:00", "01/07/2026 à 12:00"),  # heure d'été, texte ISO du journal
    (None, "—"),
    ("", "—"),
])
def test_quand(moment, attendu):
    assert P.quand(moment) == attendu


def test_libelles_et_listes(magasin):
    _, _, toutes = magasin
    v1, v2, _ = toutes
    assert P.libelle_version(v1) == f"Version 1 du {heure_de_paris(v1.cree_le)} — dossier initial « initial »"
    assert P.libelle_version(v2).endswith(" — 1 fichier Parquet téléversé")
    assert P.liste_fichiers(["allocations", "orientations"]) == "allocations.parquet, orientations.parquet"
    assert P.fichiers_du_contrat() == ", ".join(TABLES[n].fichier for n in NOMS_TABLES)
    assert P.puces(["a *b*", "c_d"]) == "- a \\*b\\*\n- c\\_d"
    assert P.reste(30, "erreurs") is None
    assert P.reste(1031, "erreurs") == f"… et 1{F}001 autres erreurs."
    assert P.dossier_court("/srv/import/lot/exports_juin") == "lot/exports_juin"
    assert P.texte_sans_dossier([Path("/srv/secret/a_importer")]) == (
        "Aucun dossier à importer sous « a\\_importer » (réglage TDB_IMPORT_DOSSIERS) : y déposer un dossier "
        "d'exports, puis recharger.")
    assert "/srv" not in P.texte_sans_dossier([Path("/srv/secret/a_importer")])


def test_jeu_en_service_dossier_initial(magasin):
    base, _, _ = magasin
    lignes = {n: pl.read_parquet(base / TABLES[n].fichier).height for n in NOMS_TABLES}
    etat = SimpleNamespace(demo=False, dossier=base, periode=(date(2023, 1, 1), date(2024, 12, 1)), lignes=lignes,
                           avertissements=("un",), version_contrat=1)
    vue = P.jeu_en_service(etat, None, None)
    assert vue.alerte is None and vue.commentaire is None
    assert vue.numero == "initiale" and vue.contrat == "version 1" and vue.avertissements == "1"
    assert vue.lignes == fmt.nombre(sum(lignes.values()))
    assert vue.presentation == (
        "**Origine** : Dossier initial « initial » (réglage TDB_DONNEES) ; aucun import encore fait.  \n"
        "**Période couverte** : janvier 2023 – décembre 2024 (premier et dernier mois des orientations et de "
        "l'activité).")
    assert vue.tableau.columns == ["Fichier", "Contenu", "Lignes", "Origine dans cette version"]
    assert dict(zip(vue.tableau["Fichier"], vue.tableau["Lignes"])) == {
        TABLES[n].fichier: fmt.nombre(lignes[n]) for n in NOMS_TABLES}
    assert set(vue.tableau["Origine dans cette version"]) == {"dossier initial"}
    demo = P.jeu_en_service(SimpleNamespace(**{**vars(etat), "demo": True, "periode": None, "lignes": {}}), None, None)
    assert demo.presentation.startswith("**Origine** : Jeu de démonstration (données fictives générées par "
                                        "l'application) ; aucun import encore fait.")
    assert "**Période couverte** : — (" in demo.presentation and demo.lignes == "—"
    assert demo.tableau["Lignes"].to_list() == ["—"] * len(NOMS_TABLES)


def test_jeu_en_service_version_importee(magasin):
    base, racine, toutes = magasin
    v2 = toutes[1]
    etat = SimpleNamespace(demo=False, dossier=v2.dossier, periode=None, lignes=v2.lignes, avertissements=(),
                           version_contrat=1)
    vue = P.jeu_en_service(etat, v2, v2)
    assert vue.numero == "n° 2"
    # origine, auteur et commentaire saisis : échappés pour Markdown
    assert vue.presentation.startswith(f"**Origine** : {fmt.echapper_markdown(P.libelle_version(v2))}, par "
                                       f"{fmt.echapper_markdown(AUTEUR)}.")
    assert "[x](http" not in vue.presentation
    assert vue.commentaire == "Commentaire : exports \\<b\\>"
    origines = dict(zip(vue.tableau["Fichier"], vue.tableau["Origine dans cette version"]))
    assert origines["allocations.parquet"] == "importé"
    assert origines["contexte.parquet"] == v2.manifeste["fichiers"]["contexte"]["origine"]
    # l'application lit la version 2 alors que le magasin désigne la 3 ; puis un dossier hors du magasin
    v3 = versions.version_en_service(racine, base)
    texte, icone = P.alerte_version_lue(v3, v2, v2.dossier)
    assert texte.startswith("Le magasin de versions désigne la version 3, mais l'application lit encore la "
                            "version 2") and icone == ":material/sync:"
    texte, icone = P.alerte_version_lue(v3, None, Path("/srv/donnees/exports"))
    assert "l'application lit « exports »" in texte and "/srv" not in texte and icone == ":material/sync_problem:"
    assert P.alerte_version_lue(v3, v3, v3.dossier) is None


def test_comptes_rendus():
    version = SimpleNamespace(numero=4, libelle_source="archive zip « [a].zip » téléversée",
                              cree_le=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    anomalie = SimpleNamespace
    accepte = SimpleNamespace(accepte=True, version=version, importees=("allocations",), reprises=("contexte",),
                              initiale=SimpleNamespace(numero=1), erreurs=[],
                              avertissements=[anomalie(message="trou *x*")])
    cr = P.compte_rendu_import(accepte)
    assert cr == {
        "lieu": "import", "accepte": True, "titre": "Version 4 mise en service",
        "resume": "Archive zip « \\[a\\]\\.zip » téléversée : contrôle réussi. Fichiers importés : allocations.parquet. "
                  "Tout le tableau de bord lit désormais cette version ; la version précédente reste dans "
                  "l'historique. Le dossier initial a été conservé comme version 1, pour pouvoir y revenir.",
        "erreurs": [], "avertissements": ["trou *x*"], "reprises": "contexte.parquet"}
    refuse = SimpleNamespace(accepte=False, erreurs=[anomalie(message="e1"), anomalie(message="e2")],
                             avertissements=[], reprises=())
    cr = P.compte_rendu_import(refuse)
    assert cr["titre"] == "Import refusé : rien n'a changé" and cr["erreurs"] == ["e1", "e2"]
    assert cr["resume"].startswith("2 erreurs : le jeu proposé n'est pas mis en service")
    assert P.compte_rendu_import(SimpleNamespace(**{**vars(refuse), "erreurs": [anomalie(message="e")]}))[
        "resume"].startswith("1 erreur : ")
    assert P.compte_rendu_retour(version)["titre"] == "Version 4 remise en service"
    assert P.compte_rendu_retour(version)["resume"] == (
        "Version 4 du 02/01/2026 à 04\\:04 — archive zip « \\[a\\]\\.zip » téléversée : tout le tableau de bord lit "
        "de nouveau cette version.")
    retour = P.compte_rendu_retour(erreur=ValueError("vous voyiez la version n° 2"))
    assert (retour["accepte"], retour["resume"]) == (False, "vous voyiez la version n° 2")
    assert P.titre_avertissements(1200) == f"Avertissements du contrôle (1{F}200) : le jeu est chargé, mais à lire"
    assert P.titre_avertissements_import(3) == "Avertissements du contrôle de l'import (3)"


def test_texte_import():
    assert P.texte_import("512 Mo", "1 Go", 200).endswith(
        "Limites : 512 Mo par fichier, 1 Go pour tout l'import ; un fichier téléversé (archive zip comprise) au "
        "plus 200 Mo, au-delà passer par un dossier du serveur.")


def test_historique(magasin):
    base, racine, toutes = magasin
    en_service = versions.version_en_service(racine, base)
    h = P.tableau_historique(toutes, en_service)
    assert h["N°"].to_list() == [3, 2, 1]
    assert h["En service"].to_list() == ["✔ en service", "", ""]
    assert h["Par"].to_list() == ["—", AUTEUR, "—"]  # texte brut dans un tableau : pas d'échappement
    assert h["Créée le"].to_list() == [heure_de_paris(v.cree_le) for v in reversed(toutes)]
    assert h["Lignes"].to_list() == [fmt.nombre(sum(v.lignes.values())) for v in reversed(toutes)]
    # lignes de la version 3 relues dans ses fichiers
    total = sum(pl.read_parquet(en_service.dossier / TABLES[n].fichier).height for n in NOMS_TABLES)
    assert h["Lignes"][0] == fmt.nombre(total)
    assert h["Tables reprises"].to_list() == [str(len(v.reprises)) for v in reversed(toutes)]
    assert P.versions_comparees(toutes, en_service) == (1, 2)  # la 3 face à la 2, dont elle est issue
    assert P.versions_comparees(toutes, toutes[0]) == (1, 0)  # la version 1 n'a pas de parent : sa voisine
    assert list(P.options_retour(toutes, en_service).values()) == [toutes[1].id, toutes[0].id]
    assert next(iter(P.options_retour(toutes, en_service))) == P.libelle_version(toutes[1])


def test_comparaison(magasin):
    base, _, toutes = magasin
    comparaison = versions.comparer(toutes[1], toutes[2])
    fichiers = P.tableau_fichiers_compares(comparaison.fichiers)
    ligne = fichiers.filter(pl.col("Fichier") == "orientations.parquet").row(0, named=True)
    avant = pl.read_parquet(base / "orientations.parquet").height
    apres = pl.read_parquet(toutes[2].dossier / "orientations.parquet").height
    assert ligne == {"Fichier": "orientations.parquet", "Lignes avant": fmt.nombre(avant),
                     "Lignes après": fmt.nombre(apres), "Écart": fmt.nombre(apres - avant, signe=True),
                     "Contenu": "modifié"}
    assert ligne["Écart"] == "-48"
    absent = P.tableau_fichiers_compares(comparaison.fichiers.with_columns(
        pl.lit(None, pl.Int64).alias("lignes_avant"), pl.lit(None, pl.Int64).alias("ecart")))
    assert absent["Lignes avant"][0] == "—" and absent["Écart"][0] == "—"
    assert P.tableau_fichiers_compares(comparaison.fichiers.with_columns(pl.lit(12).alias("ecart")))["Écart"][0] == "+12"

    changes = comparaison.chiffres_changes
    chiffres = P.tableau_chiffres_changes(changes)
    entrees = chiffres.filter(pl.col("Chiffre") == "Entrées en délégation du PPAE").row(0, named=True)
    o = pl.read_parquet(base / "orientations.parquet")
    attendu = o.filter((pl.col("mois").dt.year() == 2023) & (pl.col("sens") == "ft_vers_ml"))["entres"].sum()
    assert entrees == {"Chiffre": "Entrées en délégation du PPAE", "Année": "2023",
                       "Avant": fmt.format_valeur(attendu, "jeunes", precis=True), "Après": "—", "Écart": "—"}
    assert P.tableau_chiffres_changes(changes.with_columns(pl.lit(None, pl.Int64).alias("annee")))["Année"][0] == "toutes"
    assert P.note_chiffres_changes(1) == ("1 chiffre de contrôle change : totaux nationaux lus dans les fichiers "
                                          "(par année quand l'année est indiquée).")
    assert P.note_chiffres_changes(3).startswith("3 chiffres de contrôle changent : ")


def test_journal(magasin):
    _, racine, toutes = magasin
    evenements = versions.journal(racine)
    journal = P.tableau_journal(evenements, toutes)
    assert journal["Version"].to_list() == ["3", "2"]  # le plus récent en haut, versions par leur numéro
    assert journal["Précédente"].to_list() == ["2", "—"]
    assert journal["Par"].to_list() == ["—", AUTEUR]
    assert journal["Motif"].to_list() == ["import", "import"]
    assert journal["Quand"][0] == heure_de_paris(datetime.fromisoformat(evenements[-1]["depuis"]))
    retour = P.tableau_journal([{"version": "inconnue", "motif": "remise_en_service", "depuis": None}], [])
    assert retour.row(0) == ("—", "inconnue", "—", "—", "remise en service")
    assert P.titre_journal(2) == "Journal des mises en service et des tentatives refusées (2)"
    refus = P.tableau_journal([{"motif": "refus", "action": "import", "par": "x@y.fr", "raison": "pas administrateur",
                                "depuis": None, "version": None}], [])
    assert refus.row(0) == ("—", "—", "—", "x@y.fr", "import refusé : pas administrateur")
