"""Import sans confiance (donnees/import_securise.py) : un catalogue d'entrées cassées ou hostiles, chacune
refusée avec le message français attendu, la version en service intacte ensuite (empreintes SHA-256 de
tout le magasin comparées) ; et les imports valides (fichiers, zip, dossier du serveur)."""

from __future__ import annotations

import io
import math
import os
import shutil
import stat
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import polars as pl
import pytest

from donnees import import_securise as imp
from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from tests.fabrique import ecrire_jeu, empreinte_arborescence, jeu_minimal, octets_parquet

Mo = imp.Mo


# --------------------------------------------------------------------------------------------------
# Un magasin modèle (une version importée en service), recopié pour chaque test
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modele(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("modele")
    base = ecrire_jeu(dossier / "initial", jeu_minimal())
    racine = dossier / "magasin"
    alloc = jeu_minimal()["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)
    r = imp.importer_televersements(racine, [("allocations.parquet", octets_parquet(alloc))], auteur="Modèle",
                                    base=base)
    assert r.accepte, r.texte()
    return base, racine


@pytest.fixture
def magasin(modele, tmp_path):
    base, racine_modele = modele
    racine = tmp_path / "magasin"
    shutil.copytree(racine_modele, racine, symlinks=True)
    return base, racine


def t(nom: str) -> pl.DataFrame:
    return jeu_minimal()[nom]


def pq(nom: str, df: pl.DataFrame) -> tuple[str, bytes]:
    return TABLES[nom].fichier, octets_parquet(df)


def zip_de(entrees: list, compression=zipfile.ZIP_DEFLATED) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", compression) as zf:
        for nom, contenu in entrees:
            zf.writestr(nom, contenu)
    return tampon.getvalue()


def retoucher_zip(octets: bytes, *, drapeaux: int | None = None, taille: int | None = None) -> bytes:
    """Modifie les en-têtes de la première entrée (drapeaux, taille décompressée déclarée)."""
    d = bytearray(octets)
    locale, centrale = d.find(b"PK\x03\x04"), d.find(b"PK\x01\x02")
    if drapeaux is not None:
        d[locale + 6:locale + 8] = struct.pack("<H", drapeaux)
        d[centrale + 8:centrale + 10] = struct.pack("<H", drapeaux)
    if taille is not None:
        d[locale + 22:locale + 26] = struct.pack("<I", taille)
        d[centrale + 24:centrale + 28] = struct.pack("<I", taille)
    return bytes(d)


def entree_lien(nom: str, cible: str) -> tuple[zipfile.ZipInfo, str]:
    info = zipfile.ZipInfo(nom)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, cible


PARQUET_ALLOC = octets_parquet(t("allocations"))


# --------------------------------------------------------------------------------------------------
# Le catalogue
# --------------------------------------------------------------------------------------------------

@dataclass
class Cas:
    nom: str
    entree: Callable  # (tmp_path) -> ("televersements", [(nom, octets)]) ou ("dossier", chemin, autorises)
    regle: str
    fragment: str  # extrait attendu du message français
    limites: imp.Limites | None = None


def tv(*fichiers):
    return lambda tmp: ("televersements", list(fichiers))


def un_zip(entrees, nom="exports.zip", **kw):
    return lambda tmp: ("televersements", [(nom, zip_de(entrees, **kw))])


def modifie(nom: str, transformation) -> Callable:
    return tv(pq(nom, transformation(t(nom))))


def _dossier_avec(tmp: Path, fichiers: dict[str, bytes], sous: str = "autorise/lot") -> Path:
    d = tmp / sous
    d.mkdir(parents=True)
    for nom, contenu in fichiers.items():
        (d / nom).write_bytes(contenu)
    return d


def dossier_lien(tmp: Path):
    d = _dossier_avec(tmp, {})
    secret = tmp / "secret.parquet"
    secret.write_bytes(PARQUET_ALLOC)
    (d / "allocations.parquet").symlink_to(secret)
    return "dossier", d, [tmp / "autorise"]


def dossier_lien_vers_dehors(tmp: Path):
    dehors = _dossier_avec(tmp, {"allocations.parquet": PARQUET_ALLOC}, "dehors")
    (tmp / "autorise").mkdir()
    (tmp / "autorise" / "raccourci").symlink_to(dehors, target_is_directory=True)
    return "dossier", tmp / "autorise" / "raccourci", [tmp / "autorise"]


def parquet_sans_donnees(lignes: int) -> bytes:
    """Un Parquet de quelques ko qui annonce ``lignes`` lignes (une colonne entièrement nulle)."""
    import pyarrow as pa
    import pyarrow.parquet as papq

    tampon = io.BytesIO()
    papq.write_table(pa.table({"a": pa.nulls(lignes, pa.int64())}), tampon, row_group_size=lignes)
    return tampon.getvalue()


def zip_qui_ment(entrees: int, annoncees: int) -> bytes:
    """Une archive de ``entrees`` dossiers dont la fin n'en annonce que ``annoncees`` : ``zipfile`` lit
    pourtant tout le répertoire central (il ne se fie qu'à sa taille)."""
    d = bytearray(zip_de([(f"d{i}/", b"") for i in range(entrees)]))
    fin = d.rfind(b"PK\x05\x06")
    d[fin + 8:fin + 12] = struct.pack("<HH", annoncees, annoncees)
    return bytes(d)


def bombe() -> bytes:
    return zip_de([("activite.parquet", b"PAR1" + bytes(60 * Mo) + b"PAR1")])


def lignes_dupliquees(df: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([df, df.head(1)])


CATALOGUE: list[Cas] = [
    # -- contenu qui n'est pas du Parquet, ou Parquet abîmé -------------------------------------------
    Cas("parquet_corrompu", tv(("allocations.parquet", b"PAR1" + os.urandom(600) + b"PAR1")),
        "fichier_illisible", "métadonnées Parquet corrompues"),
    Cas("parquet_tronque", tv(("allocations.parquet", PARQUET_ALLOC[:-40])), "parquet_tronque", "tronqué"),
    Cas("csv_renomme_parquet", tv(("missions_locales.parquet", b"code_ml;nom_ml\nMLA;Belfort\n")),
        "pas_parquet", "ressemble à un fichier texte de type CSV"),
    Cas("texte_renomme_parquet", tv(("agences.parquet", b"Bonjour, voici les agences\n")),
        "pas_parquet", "signature « PAR1 » absente"),
    Cas("fichier_vide", tv(("enveloppe.parquet", b"")), "fichier_vide", "0 octet"),
    Cas("zip_deguise_en_parquet", tv(("allocations.parquet", zip_de([("allocations.parquet", PARQUET_ALLOC)]))),
        "zip_imbrique", "est une archive zip, pas un fichier Parquet"),
    # -- contenu Parquet qui viole le contrat (validateur) ------------------------------------------
    Cas("code_en_nombre", modifie("missions_locales", lambda d: d.with_columns(pl.col("code_departement").cast(pl.Int64))),
        "code_non_texte", "perd ses zéros en tête"),
    Cas("type_incorrect", modifie("allocations", lambda d: d.with_columns(pl.col("etp_affectes").cast(pl.Utf8))),
        "type_incorrect", "colonne « etp_affectes » : type texte"),
    Cas("colonne_absente", modifie("allocations", lambda d: d.drop("credits_financiers_eur")),
        "colonne_absente", "colonne « credits_financiers_eur » : colonne obligatoire absente"),
    Cas("montant_negatif", modifie("allocations", lambda d: d.with_columns(
        pl.when(pl.col("code_ml") == "MLA").then(-5000.0).otherwise(pl.col("credits_financiers_eur"))
        .alias("credits_financiers_eur"))), "valeur_negative", "valeur négative sur 2 lignes"),
    Cas("valeur_non_finie", modifie("allocations", lambda d: d.with_columns(pl.lit(math.nan).alias("etp_compenses"))),
        "valeur_non_finie", "NaN ou infini"),
    Cas("cle_dupliquee", modifie("enveloppe", lignes_dupliquees), "cle_dupliquee", "clé (annee) déjà présente"),
    Cas("code_commune_inconnu", modifie("territoires_ml", lambda d: d.with_columns(
        pl.when(pl.col("code_commune") == "90001").then(pl.lit("99999")).otherwise(pl.col("code_commune"))
        .alias("code_commune"))), "code_geo_inconnu", "« 99999 »"),
    Cas("zero_en_tete_perdu", modifie("contexte", lambda d: d.with_columns(  # 01001 (Ain) lu comme un nombre
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("1001")).otherwise(pl.col("code_commune"))
        .alias("code_commune"))), "code_geo_inconnu", "zéro en tête perdu"),
    Cas("code_ml_inconnu", modifie("allocations", lambda d: d.with_columns(
        pl.when(pl.col("code_ml") == "MLB").then(pl.lit("MLZ")).otherwise(pl.col("code_ml")).alias("code_ml"))),
        "reference_inconnue", "« MLZ »"),
    Cas("entonnoir_entres_au_dela_des_acceptes", modifie("orientations", lambda d: d.with_columns(
        (pl.col("acceptes") + 3).alias("entres"))), "inferieur_ou_egal", "entres ≤ acceptes"),
    Cas("entonnoir_acceptes_au_dela_des_orientes", modifie("orientations", lambda d: d.with_columns(
        (pl.col("orientes") + 1).alias("acceptes"), (pl.col("orientes") + 1).alias("entres"))),
        "inferieur_ou_egal", "acceptes ≤ orientes"),
    Cas("sorties_durables_au_dela_des_sorties", modifie("activite", lambda d: d.with_columns(
        (pl.col("sorties_emploi") + 1).alias("sorties_emploi_durable"))), "inferieur_ou_egal",
        "sorties_emploi_durable ≤ sorties_emploi"),
    Cas("mois_hors_bornes", modifie("orientations", lambda d: d.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(date(1990, 1, 1))).otherwise(pl.col("mois")).alias("mois"))),
        "date_hors_bornes", "« 1990-01-01 »"),
    Cas("annee_hors_bornes", modifie("contexte", lambda d: d.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(20240).otherwise(pl.col("annee")).alias("annee"))),
        "date_hors_bornes", "contexte.parquet, colonne « annee » : date hors des bornes plausibles sur 1 ligne (ligne 4)"),
    Cas("date_fin_avant_debut", modifie("accords", lambda d: d.with_columns(
        pl.when(pl.col("id_accord") == "AC2").then(pl.lit(date(2014, 1, 1))).otherwise(pl.col("date_fin"))
        .alias("date_fin"))), "dates_inversees", "date_fin antérieure à date_debut"),
    Cas("mois_pas_premier_jour", modifie("activite", lambda d: d.with_columns(pl.col("mois").dt.offset_by("14d"))),
        "mois_premier_jour", "n'est pas le premier jour du mois"),
    Cas("statut_hors_liste", modifie("accords", lambda d: d.with_columns(pl.lit("valide").alias("statut"))),
        "valeur_hors_liste", "« valide »"),
    Cas("valeur_nulle", modifie("missions_locales", lambda d: d.with_columns(pl.lit(None, pl.Utf8).alias("nom_ml"))),
        "valeur_nulle", "valeur manquante"),
    Cas("table_vide", modifie("enveloppe", lambda d: d.head(0)), "table_vide", "ne contient aucune ligne"),
    Cas("chevauchement", modifie("territoires_ml", lambda d: pl.concat(
        [d, pl.DataFrame({"code_commune": ["90001"], "code_ml": ["MLB"]})])), "chevauchement",
        "rattachée à plusieurs Missions Locales"),
    Cas("incoherent_avec_les_tables_reprises", modifie("missions_locales", lambda d: d.head(1)),
        "reference_inconnue", "code absent de missions_locales.parquet"),
    # -- noms et volumes --------------------------------------------------------------------------------
    Cas("import_vide", tv(), "import_vide", "Aucun fichier reçu"),
    Cas("nom_hors_contrat", tv(("mes_missions.parquet", PARQUET_ALLOC)), "nom_inattendu", "nom de fichier hors contrat"),
    Cas("nom_en_majuscules", tv(("Allocations.parquet", PARQUET_ALLOC)), "nom_inattendu",
        "vouliez-vous dire « allocations.parquet »"),
    Cas("nom_avec_chemin", tv(("../../allocations.parquet", PARQUET_ALLOC)), "nom_dangereux", "nom de fichier refusé"),
    Cas("nom_caractere_nul", tv(("allocations.parquet\x00.zip", PARQUET_ALLOC)), "nom_dangereux", "caractère de contrôle"),
    Cas("type_refuse", tv(("exports.csv", b"a;b\n1;2\n")), "type_non_accepte", "type de fichier refusé"),
    Cas("doublon_televerse", tv(("allocations.parquet", PARQUET_ALLOC), ("allocations.parquet", PARQUET_ALLOC)),
        "doublon", "reçu deux fois"),
    Cas("zip_et_parquet_ensemble", tv(("exports.zip", zip_de([("allocations.parquet", PARQUET_ALLOC)])),
                                      ("enveloppe.parquet", octets_parquet(t("enveloppe")))),
        "melange", "archive zip doit être envoyée seule"),
    Cas("fichier_trop_gros", tv(("allocations.parquet", b"PAR1" + bytes(300_000) + b"PAR1")), "trop_volumineux",
        "au-delà de la limite de 256 ko", imp.Limites(taille_fichier=256 * 1024)),
    Cas("import_trop_gros_au_total", tv(pq("orientations", t("orientations")), pq("activite", t("activite"))),
        "trop_volumineux", "l'ensemble des fichiers", imp.Limites(taille_totale=6 * 1024)),
    # -- archives zip hostiles ----------------------------------------------------------------------------
    Cas("zip_traversee", un_zip([("../allocations.parquet", PARQUET_ALLOC)]), "zip_chemin_remontant", "« .. »"),
    Cas("zip_traversee_profonde", un_zip([("exports/../../../etc/allocations.parquet", PARQUET_ALLOC)]),
        "zip_chemin_remontant", "sortie du dossier d'extraction"),
    Cas("zip_traversee_windows", un_zip([("..\\..\\allocations.parquet", PARQUET_ALLOC)]), "zip_chemin_remontant",
        "« .. »"),
    Cas("zip_chemin_absolu", un_zip([("/tmp/allocations.parquet", PARQUET_ALLOC)]), "zip_chemin_absolu",
        "chemin absolu refusé"),
    Cas("zip_lecteur_windows", un_zip([("C:\\exports\\allocations.parquet", PARQUET_ALLOC)]), "zip_chemin_absolu",
        "chemin absolu refusé"),
    Cas("zip_lien_symbolique", un_zip([entree_lien("allocations.parquet", "/etc/passwd")]), "zip_lien_symbolique",
        "lien symbolique"),
    Cas("zip_bombe", lambda tmp: ("televersements", [("exports.zip", bombe())]), "zip_bombe", "bombe zip probable"),
    Cas("zip_entree_trop_grosse", un_zip([("allocations.parquet", b"PAR1" + os.urandom(2 * Mo) + b"PAR1")],
                                         compression=zipfile.ZIP_STORED),
        "trop_volumineux", "une fois décompressé", imp.Limites(taille_fichier=1 * Mo)),
    Cas("zip_total_declare_trop_gros", un_zip([("orientations.parquet", b"PAR1" + bytes(5000) + b"PAR1"),
                                               ("activite.parquet", b"PAR1" + bytes(5000) + b"PAR1")]),
        "trop_volumineux", "contenu décompressé de l'archive", imp.Limites(taille_totale=8 * 1024)),
    Cas("zip_taille_mensongere", lambda tmp: ("televersements", [("exports.zip", retoucher_zip(
        zip_de([("allocations.parquet", PARQUET_ALLOC)]), taille=100))]), "zip_illisible", "somme de contrôle CRC"),
    Cas("zip_imbrique", un_zip([("interne.zip", zip_de([("allocations.parquet", PARQUET_ALLOC)]))]), "zip_imbrique",
        "archive dans l'archive"),
    Cas("zip_imbrique_deguise", un_zip([("allocations.parquet", zip_de([("allocations.parquet", PARQUET_ALLOC)]))]),
        "zip_imbrique", "est une archive zip, pas un fichier Parquet"),
    Cas("zip_nom_inconnu", un_zip([("allocations.parquet", PARQUET_ALLOC), ("lisezmoi.txt", b"x")]),
        "nom_inattendu", "« lisezmoi.txt » : nom hors contrat"),
    Cas("zip_script", un_zip([("installer.sh", b"#!/bin/sh\nrm -rf /\n")]), "nom_inattendu", "nom hors contrat"),
    Cas("zip_dossier_trop_profond", un_zip([("a/b/allocations.parquet", PARQUET_ALLOC)]), "nom_inattendu",
        "emplacement inattendu"),
    Cas("zip_nom_controle", un_zip([("allocations\x07.parquet", PARQUET_ALLOC)]), "nom_dangereux",
        "caractères de contrôle"),
    Cas("zip_vide", un_zip([]), "zip_vide", "l'archive zip est vide"),
    Cas("zip_sans_fichier_du_contrat", un_zip([("exports/", b""), ("__MACOSX/._x", b"")]), "zip_vide",
        "aucun fichier du contrat"),
    Cas("zip_doublon", lambda tmp: ("televersements", [("exports.zip", _zip_doublon())]), "doublon",
        "figure deux fois"),
    Cas("zip_trop_d_entrees", un_zip([(f"d{i}/", b"") for i in range(100)]), "zip_trop_d_entrees",
        "100 entrées"),
    Cas("zip_repertoire_qui_ment", lambda tmp: ("televersements", [("exports.zip", zip_qui_ment(3000, 1))]),
        "zip_repertoire_trop_grand", "il cache plus d'entrées que l'archive n'en annonce"),
    Cas("parquet_trop_de_lignes", tv(("orientations.parquet", parquet_sans_donnees(200_000))), "trop_de_lignes",
        "orientations.parquet : le fichier annonce 200\u202f000 lignes, au-delà de la limite de 100\u202f000 lignes",
        limites=imp.Limites(lignes_fichier=100_000)),
    Cas("zip_parquet_trop_de_lignes", un_zip([("orientations.parquet", parquet_sans_donnees(200_000))]),
        "trop_de_lignes", "TDB_IMPORT_LIGNES_MAX", limites=imp.Limites(lignes_fichier=100_000)),
    Cas("dossier_parquet_trop_de_lignes", lambda tmp: (
        "dossier", _dossier_avec(tmp, {"orientations.parquet": parquet_sans_donnees(200_000)}), [tmp / "autorise"]),
        "trop_de_lignes", "refusé sans être lu", limites=imp.Limites(lignes_fichier=100_000)),
    Cas("zip_chiffre", lambda tmp: ("televersements", [("exports.zip", retoucher_zip(
        zip_de([("allocations.parquet", PARQUET_ALLOC)]), drapeaux=0x1))]), "zip_chiffre", "entrée chiffrée"),
    Cas("pas_un_zip", tv(("exports.zip", os.urandom(2000))), "pas_zip", "ce n'est pas une archive zip"),
    Cas("parquet_nomme_zip", tv(("exports.zip", PARQUET_ALLOC)), "pas_zip", "c'est un fichier Parquet"),
    Cas("zip_tronque", tv(("exports.zip", zip_de([("allocations.parquet", PARQUET_ALLOC)])[:300])), "zip_illisible",
        "illisible ou tronquée"),
    Cas("zip_contenant_un_csv", un_zip([("missions_locales.parquet", b"code_ml,nom_ml\nMLA,Belfort\n")]),
        "pas_parquet", "CSV"),
    # -- dossiers du serveur --------------------------------------------------------------------------------
    Cas("dossier_hors_autorises", lambda tmp: ("dossier", _dossier_avec(tmp, {"allocations.parquet": PARQUET_ALLOC},
                                                                      "ailleurs"), [tmp / "autorise"]),
        "dossier_non_autorise", "n'est pas sous un dossier ouvert à l'import"),
    Cas("dossier_remontant", lambda tmp: ("dossier", (_dossier_avec(tmp, {"allocations.parquet": PARQUET_ALLOC},
                                                                    "ailleurs"), tmp / "autorise" / ".." / "ailleurs")[1],
                                          [tmp / "autorise"]),
        "dossier_non_autorise", "n'est pas sous un dossier ouvert à l'import"),
    Cas("dossier_systeme", lambda tmp: ("dossier", Path("/etc"), [tmp / "autorise"]), "dossier_non_autorise",
        "« etc » n'est pas sous un dossier ouvert à l'import (autorise ;"),  # noms seuls, pas de chemin
    Cas("dossier_lien_symbolique_vers_dehors", dossier_lien_vers_dehors, "dossier_non_autorise",
        "n'est pas sous un dossier ouvert"),
    Cas("fichier_lien_symbolique", dossier_lien, "lien_symbolique", "lien symbolique, refusé"),
    Cas("dossier_introuvable", lambda tmp: ("dossier", tmp / "autorise" / "absent", [tmp / "autorise"]),
        "dossier_introuvable", "n'existe pas"),
    Cas("dossier_sans_fichier_du_contrat", lambda tmp: ("dossier", _dossier_avec(tmp, {"notes.txt": b"x"}),
                                                        [tmp / "autorise"]),
        "import_vide", "aucun fichier du contrat"),
    Cas("dossier_fichier_csv", lambda tmp: ("dossier", _dossier_avec(tmp, {"activite.parquet": b"mois;code_ml\n"}),
                                            [tmp / "autorise"]),
        "pas_parquet", "CSV"),
]


def _zip_doublon() -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as zf:
        zf.writestr("allocations.parquet", PARQUET_ALLOC)
        zf.writestr("exports/allocations.parquet", PARQUET_ALLOC)
    return tampon.getvalue()


def importer(racine: Path, base: Path, entree, limites=None) -> imp.ResultatImport:
    if entree[0] == "televersements":
        return imp.importer_televersements(racine, entree[1], auteur="Test", base=base, limites=limites)
    return imp.importer_dossier(racine, entree[1], auteur="Test", base=base, autorises=entree[2], limites=limites)


def test_catalogue_assez_fourni():
    assert len(CATALOGUE) >= 30
    assert len({c.nom for c in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("cas", CATALOGUE, ids=[c.nom for c in CATALOGUE])
def test_entree_cassee_ou_hostile_refusee_sans_rien_changer(cas: Cas, magasin, tmp_path):
    base, racine = magasin
    avant = empreinte_arborescence(racine)
    service = versions.dossier_en_service(racine, base)
    resultat = importer(racine, base, cas.entree(tmp_path), cas.limites)

    assert not resultat.accepte and resultat.version is None
    assert cas.regle in resultat.regles, resultat.texte()
    messages = [a.message for a in resultat.erreurs if a.regle == cas.regle]
    assert any(cas.fragment in m for m in messages), messages
    # un message en français, qui dit ce qui était attendu
    assert all("Attendu" in a.message for a in resultat.erreurs), resultat.texte()
    assert resultat.texte().startswith("Import refusé") and "Rien n'a changé" in resultat.texte()
    # rien n'a changé : même version en service, magasin identique à l'octet près, aucun reste
    assert versions.dossier_en_service(racine, base) == service
    assert empreinte_arborescence(racine) == avant
    assert not [p for p in racine.iterdir() if p.name.startswith((versions.PREFIXE_DEPOT, versions.PREFIXE_ECRITURE))]


def test_les_tables_reprises_sont_dites_meme_en_cas_de_refus(magasin, tmp_path):
    base, racine = magasin
    r = importer(racine, base, tv(pq("missions_locales", t("missions_locales").head(1)))(tmp_path))
    assert not r.accepte and set(r.reprises) == set(NOMS_TABLES) - {"missions_locales"}
    assert "Tables reprises de la version en service" in r.texte()


def test_bombe_zip_refusee_sans_rien_decompresser(magasin, tmp_path, monkeypatch):
    base, racine = magasin
    appels = []
    monkeypatch.setattr(imp, "_copier_plafonne", lambda *a, **k: appels.append(a))
    archive = bombe()
    assert len(archive) < Mo  # 60 Mo de zéros tiennent dans moins d'1 Mo
    r = imp.importer_televersements(racine, [("exports.zip", archive)], base=base)
    assert r.regles == ["zip_bombe"] and appels == []


def test_decompression_en_flux_plafonnee(tmp_path):
    """Un flux sans fin (taille déclarée mensongère) est arrêté au plafond, sans tout écrire."""

    class SansFin(io.RawIOBase):
        lus = 0

        def readable(self):
            return True

        def read(self, n=-1):
            n = 1 << 16 if n is None or n < 0 else n
            self.lus += n
            return bytes(n)

    flux = SansFin()
    refus = imp._erreur("zip_taille_reelle", "x", "trop")
    with pytest.raises(imp._Refus) as exc:
        imp._copier_plafonne(flux, tmp_path / "sortie", 3 * Mo, refus)
    assert exc.value.anomalie is refus
    assert (tmp_path / "sortie").stat().st_size <= 3 * Mo and flux.lus <= 3 * Mo + 1


def test_taille_annoncee_mensongere_d_un_televersement(magasin):
    """Un objet téléversé qui annonce 10 octets mais en contient davantage est arrêté à la limite."""
    base, racine = magasin

    class Televerse(io.BytesIO):
        size = 10

    contenu = Televerse(b"PAR1" + bytes(400_000) + b"PAR1")
    r = imp.importer_televersements(racine, [("allocations.parquet", contenu)], base=base,
                                    limites=imp.Limites(taille_fichier=100_000))
    assert r.regles == ["trop_volumineux"] and "lecture arrêtée" in r.erreurs[0].message


# --------------------------------------------------------------------------------------------------
# Imports valides
# --------------------------------------------------------------------------------------------------

def test_import_complet_de_fichiers_televerses(magasin):
    base, racine = magasin
    tables = jeu_minimal()
    tables["enveloppe"] = tables["enveloppe"].with_columns(pl.col("enveloppe_totale_eur") + 1000)

    class Televerse(io.BytesIO):  # comme un UploadedFile de Streamlit : flux avec .name et .size
        def __init__(self, octets):
            super().__init__(octets)
            self.size = len(octets)

    r = imp.importer_televersements(racine, [(TABLES[n].fichier, Televerse(octets_parquet(df)))
                                             for n, df in tables.items()], auteur="Alex", commentaire="complet",
                                    base=base)
    assert r.accepte, r.texte()
    assert r.reprises == () and r.importees == NOMS_TABLES
    assert versions.dossier_en_service(racine, base) == r.version.dossier
    assert r.version.manifeste["source"]["type"] == "televersement"
    assert r.version.auteur == "Alex" and r.version.commentaire == "complet"
    assert pl.read_parquet(r.version.dossier / "enveloppe.parquet").equals(tables["enveloppe"])
    assert r.texte().startswith(f"Import accepté : version {r.version.numero}")
    assert "trou_couverture" in {a.regle for a in r.avertissements}


def test_import_zip_partiel_dans_un_dossier_avec_rebuts_macos(magasin):
    base, racine = magasin
    precedente = versions.version_en_service(racine, base)
    activite = t("activite").with_columns(pl.col("premiers_accueils") + 1)
    archive = zip_de([("exports_juin/", b""), ("exports_juin/activite.parquet", octets_parquet(activite)),
                      ("__MACOSX/exports_juin/._activite.parquet", b"\x00\x05"), ("exports_juin/.DS_Store", b"x")])
    r = imp.importer_televersements(racine, [("exports_juin.zip", archive)], base=base)
    assert r.accepte, r.texte()
    assert r.importees == ("activite",) and len(r.reprises) == len(NOMS_TABLES) - 1
    assert [a.regle for a in r.avertissements if a.regle == "zip_rebut"] == ["zip_rebut", "zip_rebut"]
    v = r.version
    assert v.parent == precedente.id and v.manifeste["source"] == {
        "type": "zip", "nom": "exports_juin.zip", "entrees": ["activite.parquet"]}
    # les tables reprises le sont de la version en service (allocations aux crédits doublés)
    assert (v.dossier / "allocations.parquet").read_bytes() == (precedente.dossier / "allocations.parquet").read_bytes()
    changes = {(c["cle"], c["annee"]) for c in versions.comparer(precedente, v).chiffres_changes.iter_rows(named=True)}
    assert changes == {("premiers_accueils", 2023), ("premiers_accueils", 2024)}


def test_import_d_un_dossier_du_serveur(magasin, tmp_path):
    base, racine = magasin
    autorise = tmp_path / "a_importer"
    lot = ecrire_jeu(autorise / "lot_juin", {"contexte": t("contexte"), "agences": t("agences")})
    (lot / "notes.txt").write_text("ignoré")
    (lot / "autre.parquet").write_bytes(PARQUET_ALLOC)
    (autorise / ".cache").mkdir()
    assert imp.dossiers_importables([autorise]) == [lot]
    r = imp.importer_dossier(racine, lot, base=base, autorises=[autorise])
    assert r.accepte, r.texte()
    assert r.importees == ("agences", "contexte")
    assert "fichier_en_trop" in {a.regle for a in r.avertissements}
    assert r.version.manifeste["source"]["chemin"] == str(lot.resolve())


def test_reglages(monkeypatch, tmp_path):
    for valeur, attendu in (("", False), ("0", False), ("non", False), ("1", True), ("oui", True), ("TRUE", True)):
        monkeypatch.setenv("TDB_IMPORT_AUTORISE", valeur)
        assert imp.import_autorise_env() is attendu, valeur
    monkeypatch.delenv("TDB_IMPORT_AUTORISE")
    assert imp.import_autorise_env() is False  # désactivé par défaut
    assert imp.Limites.depuis_environnement() == imp.Limites()
    monkeypatch.setenv("TDB_IMPORT_TAILLE_MAX_MO", "1,5")
    monkeypatch.setenv("TDB_IMPORT_TOTAL_MAX_MO", "n'importe quoi")
    limites = imp.Limites.depuis_environnement()
    assert limites.taille_fichier == int(1.5 * Mo) and limites.taille_totale == imp.TOTAL_MAX_MO_DEFAUT * Mo
    for valeur in ("inf", "nan", "-3", "0"):  # valeur illisible, nulle ou infinie : valeur par défaut
        for nom in ("TDB_IMPORT_TOTAL_MAX_MO", "TDB_IMPORT_ENTREES_MAX", "TDB_IMPORT_LIGNES_MAX"):
            monkeypatch.setenv(nom, valeur)
        limites = imp.Limites.depuis_environnement()
        assert (limites.taille_totale, limites.nb_entrees, limites.lignes_fichier) == (
            imp.TOTAL_MAX_MO_DEFAUT * Mo, imp.NB_ENTREES_MAX_DEFAUT, imp.LIGNES_MAX_DEFAUT), valeur
    monkeypatch.setenv("TDB_IMPORT_ENTREES_MAX", "12")
    monkeypatch.setenv("TDB_IMPORT_LIGNES_MAX", "1000000")
    limites = imp.Limites.depuis_environnement()
    assert (limites.nb_entrees, limites.lignes_fichier, limites.repertoire_zip) == (12, 1_000_000, 12 * 1024)
    for nom in ("TDB_IMPORT_TAILLE_MAX_MO", "TDB_IMPORT_TOTAL_MAX_MO", "TDB_IMPORT_ENTREES_MAX", "TDB_IMPORT_LIGNES_MAX"):
        monkeypatch.delenv(nom)
    monkeypatch.setenv("TDB_IMPORT_DOSSIERS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    assert imp.dossiers_autorises() == [tmp_path / "a", tmp_path / "b"]
    monkeypatch.delenv("TDB_IMPORT_DOSSIERS")
    assert imp.dossiers_autorises() == [imp.DOSSIER_IMPORT_DEFAUT]


def test_tailles_lisibles():
    assert imp.taille_lisible(512 * Mo) == "512 Mo"
    assert imp.taille_lisible(int(1.5 * 1024 * Mo)) == "1,5 Go"
    assert imp.taille_lisible(256 * 1024) == "256 ko"
    assert imp.taille_lisible(1) == "1 octet"


def test_un_controle_qui_casse_refuse_l_import_sans_trace(magasin, monkeypatch):
    base, racine = magasin
    avant = empreinte_arborescence(racine)

    def casse(*args, **kwargs):
        raise RuntimeError("panne du contrôle")

    monkeypatch.setattr(versions, "creer_version", casse)
    r = imp.importer_televersements(racine, [("allocations.parquet", PARQUET_ALLOC)], base=base)
    assert r.regles == ["controle_impossible"] and "panne du contrôle" in r.erreurs[0].message
    assert "Rien n'a changé" in r.erreurs[0].message
    assert empreinte_arborescence(racine) == avant


def test_entree_de_zip_prefixee_par_point(magasin):
    base, racine = magasin
    r = imp.importer_televersements(racine, [("e.zip", zip_de([("./allocations.parquet", PARQUET_ALLOC)]))], base=base)
    assert r.accepte, r.texte()
    assert r.importees == ("allocations",)


# --------------------------------------------------------------------------------------------------
# Ressources bornées : archive, lignes, téléversement (revue de sécurité, point 2)
# --------------------------------------------------------------------------------------------------

class _ZipFileInterdit:
    """Remplace ``zipfile.ZipFile`` : l'archive ne doit même pas être ouverte (son répertoire central
    serait lu en entier)."""

    appels = 0

    def __init__(self, *args, **kwargs):
        type(self).appels += 1
        raise AssertionError("zipfile.ZipFile appelé : le répertoire central est lu avant le refus")


@pytest.mark.parametrize("archive,regle,fragment", [
    (lambda: zip_de([(f"d{i}/", b"") for i in range(100)]), "zip_trop_d_entrees",
     "exports.zip : l'archive annonce 100 entrées, au-delà de la limite de 64 (réglage TDB_IMPORT_ENTREES_MAX)"),
    (lambda: zip_qui_ment(3000, 1), "zip_repertoire_trop_grand", "au-delà de la limite de 64 ko"),
], ids=["trop_d_entrees", "repertoire_qui_ment"])
def test_zip_refuse_sur_sa_fin_sans_lire_le_repertoire(magasin, monkeypatch, archive, regle, fragment):
    base, racine = magasin
    octets = archive()
    monkeypatch.setattr(imp.zipfile, "ZipFile", _ZipFileInterdit)
    r = imp.importer_televersements(racine, [("exports.zip", octets)], base=base)
    assert r.regles == [regle], r.texte()
    assert fragment in r.erreurs[0].message and "refusée sans être lue" in r.erreurs[0].message
    assert _ZipFileInterdit.appels == 0


def test_limite_d_entrees_reglable(magasin, monkeypatch):
    base, racine = magasin
    archive = zip_de([("allocations.parquet", PARQUET_ALLOC), *[(f"d{i}/", b"") for i in range(9)]])
    monkeypatch.setenv("TDB_IMPORT_ENTREES_MAX", "5")
    r = imp.importer_televersements(racine, [("exports.zip", archive)], base=base)
    assert r.regles == ["zip_trop_d_entrees"] and "annonce 10 entrées, au-delà de la limite de 5" in r.texte()
    monkeypatch.setenv("TDB_IMPORT_ENTREES_MAX", "10")
    assert imp.importer_televersements(racine, [("exports.zip", archive)], base=base).accepte


def test_fin_de_zip_lue_comme_zipfile():
    """Nombre d'entrées et taille du répertoire central lus dans la fin d'archive : sans commentaire,
    avec commentaire, et en ZIP64 (plus de 65 535 entrées)."""
    for n, commentaire in ((0, b""), (3, b""), (7, b"un commentaire")):
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w") as zf:
            for i in range(n):
                zf.writestr(f"d{i}/", b"")
            zf.comment = commentaire
        archive = zipfile.ZipFile(io.BytesIO(tampon.getvalue()))
        entrees, taille = imp._fin_de_zip(io.BytesIO(tampon.getvalue()))
        assert entrees == n == len(archive.infolist())
        assert taille == sum(46 + len(i.filename.encode()) + len(i.extra) + len(i.comment) for i in archive.infolist())
    d = bytearray(zip_de([(f"d{i}/", b"") for i in range(3)]))
    fin = d.rfind(b"PK\x05\x06")
    d[fin + 8:fin + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)  # ZIP64 annoncé, sans enregistrement ZIP64
    assert imp._fin_de_zip(io.BytesIO(bytes(d))) == (0xFFFF, 147)
    assert imp._fin_de_zip(io.BytesIO(b"PK\x03\x04 tronque")) is None


def test_zip64_de_70000_entrees_refuse_sans_lecture(magasin, monkeypatch):
    base, racine = magasin
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as zf:  # au-delà de 65 535 entrées : fin d'archive ZIP64
        for i in range(70_000):
            zf.writestr(zipfile.ZipInfo(f"{i}/"), b"")
    assert imp._fin_de_zip(io.BytesIO(tampon.getvalue()))[0] == 70_000
    monkeypatch.setattr(imp.zipfile, "ZipFile", _ZipFileInterdit)
    r = imp.importer_televersements(racine, [("exports.zip", tampon.getvalue())], base=base)
    assert r.regles == ["zip_trop_d_entrees"] and "70\u202f000 entrées" in r.texte()


def test_trop_de_lignes_refuse_avant_toute_validation(magasin, monkeypatch, tmp_path):
    """Un Parquet de quelques ko qui annonce 200 000 lignes (TDB_IMPORT_LIGNES_MAX=100000) : refusé sur ses
    métadonnées, sans que le validateur (une empreinte de 8 octets par ligne) ne tourne."""
    base, racine = magasin
    octets = parquet_sans_donnees(200_000)
    assert len(octets) < 16 * 1024
    monkeypatch.setenv("TDB_IMPORT_LIGNES_MAX", "100000")
    validations = []
    monkeypatch.setattr(versions, "valider_dossier_en_cache", lambda *a, **k: validations.append(a))
    r = imp.importer_televersements(racine, [("orientations.parquet", octets)], base=base)
    assert r.regles == ["trop_de_lignes"] and validations == []
    assert r.erreurs[0].message == (
        "orientations.parquet : le fichier annonce 200\u202f000 lignes, au-delà de la limite de 100\u202f000 lignes "
        "par fichier de ce déploiement (réglage TDB_IMPORT_LIGNES_MAX) ; refusé sans être lu. Attendu : un fichier "
        "plus petit, ou une limite relevée par l'administrateur.")
    lot = _dossier_avec(tmp_path, {"orientations.parquet": octets})
    r = imp.importer_dossier(racine, lot, base=base, autorises=[tmp_path / "autorise"])
    assert r.regles == ["trop_de_lignes"] and validations == []


def test_limite_de_lignes_par_defaut():
    assert imp.Limites().lignes_fichier == imp.LIGNES_MAX_DEFAUT == 50_000_000


def test_plafond_du_televersement_suit_le_serveur():
    limites = imp.Limites()
    assert imp.plafond_televersement_mo(limites, 512) == 512  # le serveur garde chaque fichier en mémoire
    assert imp.plafond_televersement_mo(limites, 10_000) == 2048  # jamais au-delà de l'import
    assert imp.plafond_televersement_mo(imp.Limites(taille_fichier=Mo, taille_totale=3 * Mo), 512) == 3
    assert imp.plafond_televersement_mo(limites, None) == 2048
    assert imp.plafond_televersement_mo(limites, "illisible") == 2048


def test_limite_de_televersement_de_streamlit_egale_a_celle_d_un_fichier():
    """server.maxUploadSize (Streamlit garde chaque fichier reçu en mémoire) : déclarée, et égale à la
    taille maximale d'un fichier de l'import (512 Mo), pas à la valeur par défaut de Streamlit (200 Mo)
    ni à celle de tout l'import (2 Go)."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["maxUploadSize"] == imp.TAILLE_MAX_MO_DEFAUT == 512


def test_televersements_copies_en_flux_par_blocs(magasin):
    """Le contenu d'un fichier téléversé n'est jamais lu d'un bloc : copie sur disque par blocs de
    ``TAILLE_BLOC`` au plus, sans ``getvalue()`` ni ``read()`` sans taille."""
    base, racine = magasin

    class Televerse(io.BytesIO):
        lectures: ClassVar[list[int]] = []

        def __init__(self, octets):
            super().__init__(octets)
            self.size = len(octets)

        def getvalue(self):
            raise AssertionError("getvalue() : tout le fichier en mémoire")

        def read(self, n=-1):
            if n is None or n < 0 or n > imp.TAILLE_BLOC:
                raise AssertionError(f"read({n}) : lecture d'un bloc sans limite")
            Televerse.lectures.append(n)
            return super().read(n)

    alloc = t("allocations").with_columns(pl.col("credits_financiers_eur") + 1)
    r = imp.importer_televersements(racine, [("allocations.parquet", Televerse(octets_parquet(alloc)))], base=base)
    assert r.accepte, r.texte()
    assert Televerse.lectures and max(Televerse.lectures) <= imp.TAILLE_BLOC
