"""Tests du validateur d'exports (donnees/valider.py).

Chaque variante part du jeu valide de ``tests/fabrique.py``, y casse une seule règle du contrat, et
vérifie l'anomalie attendue : identifiant de règle, fichier, colonne, numéros de ligne (1 = première
ligne de données), fragment du message en français — et qu'aucune autre erreur n'apparaît.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from donnees import referentiel
from donnees.contrat import NOMS_TABLES, TABLES
from donnees.valider import (
    AVERTISSEMENT,
    ERREUR,
    REGLES,
    Anomalie,
    Rapport,
    texte_lignes,
    valider_dossier,
    valider_fichiers,
)
from tests.fabrique import COMMUNES_ML_A, COMMUNES_ML_B, ecrire_jeu, jeu_minimal

RACINE = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# Outils
# --------------------------------------------------------------------------------------------

def _changer(tables: dict, table: str, ligne: int, **valeurs) -> None:
    """Remplace des valeurs à la ligne ``ligne`` (numérotée à partir de 1) d'une table."""
    df = tables[table]
    lignes = df.to_dicts()
    lignes[ligne - 1].update(valeurs)
    tables[table] = pl.DataFrame(lignes, schema=df.schema)


def _ajouter_copie(tables: dict, table: str, ligne: int, **valeurs) -> None:
    """Ajoute en fin de table une copie de la ligne ``ligne``, éventuellement modifiée."""
    df = tables[table]
    copie = {**df.to_dicts()[ligne - 1], **valeurs}
    tables[table] = pl.concat([df, pl.DataFrame([copie], schema=df.schema)])


def _caster(tables: dict, table: str, colonne: str, type_pl, expr=None) -> None:
    df = tables[table]
    tables[table] = df.with_columns((expr if expr is not None else pl.col(colonne)).cast(type_pl).alias(colonne))


JOURS_20224 = 6_667_136  # 20224-01-01, en jours depuis 1970 (hors des dates de Python, pas de Parquet)


def _date_lointaine(tables: dict, table: str, colonne: str, ligne: int) -> None:
    """Met la date 20224-01-01 (une année 2024 tapée avec un chiffre en trop) à la ligne ``ligne``."""
    df = tables[table]
    tables[table] = df.with_columns(
        pl.when(pl.int_range(pl.len()) == ligne - 1).then(pl.lit(JOURS_20224, pl.Int32).cast(pl.Date))
        .otherwise(pl.col(colonne)).alias(colonne))


def _tronquer(dossier: Path, table: str) -> None:
    chemin = dossier / f"{table}.parquet"
    contenu = chemin.read_bytes()
    chemin.write_bytes(contenu[: len(contenu) // 2])


def _corrompre_pages(dossier: Path, table: str) -> None:
    """Brouille le début des données en gardant l'en-tête et le pied Parquet intacts."""
    chemin = dossier / f"{table}.parquet"
    contenu = bytearray(chemin.read_bytes())
    for i in range(8, len(contenu) // 2):
        contenu[i] = (contenu[i] * 7 + 13) % 256
    chemin.write_bytes(bytes(contenu))


def _csv_renomme(dossier: Path, table: str) -> None:
    (dossier / f"{table}.parquet").write_text(
        "code_agence;nom_agence;code_commune\nAG90A;France Travail Belfort;90010\n", encoding="utf-8")


@dataclass
class Cas:
    nom: str
    modifier: Callable[[dict], None]
    regle: str
    fichier: str
    colonne: str | None
    lignes: list[int]
    fragment: str
    nb_autres: int = 0
    apres: Callable[[Path], None] | None = None  # retouche des fichiers une fois écrits


def _rien(tables: dict) -> None:
    pass


CAS = [
    # --- fichiers --------------------------------------------------------------------------
    Cas("fichier_absent", lambda t: t.pop("enveloppe"),
        "fichier_absent", "enveloppe.parquet", None, [], "fichier absent"),
    Cas("csv_renomme", _rien, "fichier_illisible", "agences.parquet", None, [], "CSV",
        apres=lambda d: _csv_renomme(d, "agences")),
    Cas("fichier_tronque", _rien, "fichier_illisible", "activite.parquet", None, [], "tronqué",
        apres=lambda d: _tronquer(d, "activite")),
    Cas("pages_corrompues", _rien, "fichier_illisible", "orientations.parquet", None, [],
        "lecture des données interrompue", apres=lambda d: _corrompre_pages(d, "orientations")),
    Cas("table_vide", lambda t: t.update(sites_ml=t["sites_ml"].clear()),
        "table_vide", "sites_ml.parquet", None, [], "aucune ligne"),
    # --- colonnes et types -------------------------------------------------------------------
    Cas("colonne_absente", lambda t: t.update(missions_locales=t["missions_locales"].drop("nom_ml")),
        "colonne_absente", "missions_locales.parquet", "nom_ml", [], "colonne obligatoire absente"),
    Cas("colonne_en_majuscules",
        lambda t: t.update(agences=t["agences"].rename({"nom_agence": "Nom_Agence"})),
        "colonne_absente", "agences.parquet", "nom_agence", [], "exactement en minuscules"),
    Cas("texte_pour_entier", lambda t: _caster(t, "orientations", "orientes", pl.Utf8),
        "type_incorrect", "orientations.parquet", "orientes", [], "type texte (VARCHAR) trouvé"),
    Cas("decimal_pour_entier", lambda t: _caster(t, "contexte", "population_16_25", pl.Float64),
        "type_incorrect", "contexte.parquet", "population_16_25", [], "pandas"),
    Cas("texte_pour_date", lambda t: _caster(t, "accords", "date_debut", pl.Utf8),
        "type_incorrect", "accords.parquet", "date_debut", [], "Attendu : date"),
    Cas("code_commune_entier", lambda t: _caster(t, "contexte", "code_commune", pl.Int64),
        "code_non_texte", "contexte.parquet", "code_commune", [], "perd ses zéros en tête"),
    # --- valeurs -----------------------------------------------------------------------------
    Cas("valeur_nulle", lambda t: (_changer(t, "activite", 3, jeunes_accompagnes=None),
                                   _changer(t, "activite", 6, jeunes_accompagnes=None)),
        "valeur_nulle", "activite.parquet", "jeunes_accompagnes", [3, 6], "valeur manquante"),
    Cas("nom_vide", lambda t: _changer(t, "missions_locales", 2, nom_ml="   "),
        "texte_vide", "missions_locales.parquet", "nom_ml", [2], "texte vide"),
    Cas("code_agence_vide", lambda t: _changer(t, "orientations", 3, code_agence=""),
        "texte_vide", "orientations.parquet", "code_agence", [3], "ou une valeur nulle"),
    Cas("sens_hors_liste", lambda t: _changer(t, "orientations", 5, sens="ft_ml"),
        "valeur_hors_liste", "orientations.parquet", "sens", [5], "« ft_ml »"),
    Cas("participation_hors_liste", lambda t: _changer(t, "accords", 1, participation_jeunes=4),
        "valeur_hors_liste", "accords.parquet", "participation_jeunes", [1], "« 0 », « 1 », « 2 » et « 3 »"),
    Cas("montant_negatif", lambda t: _changer(t, "allocations", 2, credits_financiers_eur=-5.0),
        "valeur_negative", "allocations.parquet", "credits_financiers_eur", [2], "valeur négative"),
    Cas("montant_nan", lambda t: _changer(t, "enveloppe", 1, enveloppe_totale_eur=float("nan")),
        "valeur_non_finie", "enveloppe.parquet", "enveloppe_totale_eur", [1], "NaN"),
    Cas("acceptes_sup_orientes", lambda t: _changer(t, "orientations", 2, acceptes=11),
        "inferieur_ou_egal", "orientations.parquet", "acceptes", [2], "acceptes ≤ orientes"),
    Cas("entres_sup_acceptes", lambda t: _changer(t, "orientations", 4, entres=10),
        "inferieur_ou_egal", "orientations.parquet", "entres", [4], "entres = 10 > acceptes = 9"),
    Cas("emploi_durable_sup_emploi", lambda t: _changer(t, "activite", 2, sorties_emploi_durable=25),
        "inferieur_ou_egal", "activite.parquet", "sorties_emploi_durable", [2],
        "sorties_emploi_durable ≤ sorties_emploi"),
    Cas("neet_sup_population", lambda t: _changer(t, "contexte", 13, jeunes_neet=5000),
        "inferieur_ou_egal", "contexte.parquet", "jeunes_neet", [13], "jeunes_neet ≤ population_16_25"),
    Cas("mois_pas_premier_jour", lambda t: _changer(t, "activite", 1, mois=date(2023, 1, 15)),
        "mois_premier_jour", "activite.parquet", "mois", [1], "2023-01-15"),
    Cas("mois_en_1900", lambda t: _changer(t, "activite", 1, mois=date(1900, 1, 1)),
        "date_hors_bornes", "activite.parquet", "mois", [1], "« 1900-01-01 »"),
    Cas("date_en_l_an_20224", lambda t: _date_lointaine(t, "accords", "date_fin", 2),
        "date_hors_bornes", "accords.parquet", "date_fin", [2], "« 20224-01-01 »"),
    Cas("annee_en_1990", lambda t: _changer(t, "enveloppe", 1, annee=1990),
        "date_hors_bornes", "enveloppe.parquet", "annee", [1], "Attendu : une année entre 2000 et"),
    Cas("dates_inversees", lambda t: _changer(t, "accords", 2, date_fin=date(2015, 1, 1)),
        "dates_inversees", "accords.parquet", "date_fin", [2], "date_fin ≥ date_debut"),
    Cas("signature_manquante", lambda t: _changer(t, "accords", 1, date_signature=None),
        "date_signature_manquante", "accords.parquet", "date_signature", [1], "signe, echu et denonce"),
    Cas("accord_signe_sans_agence", lambda t: _changer(t, "accords", 1, codes_agences=[]),
        "agences_vides", "accords.parquet", "codes_agences", [1], "statut = non_engage"),
    Cas("accord_en_negociation_sans_agence", lambda t: _changer(t, "accords", 3, codes_agences=[]),
        "agences_vides", "accords.parquet", "codes_agences", [3], "statut = non_engage"),
    # --- clés --------------------------------------------------------------------------------
    Cas("doublon_orientation_agence_nulle", lambda t: _ajouter_copie(t, "orientations", 3),
        "cle_dupliquee", "orientations.parquet", None, [97], "code_agence=nul"),
    Cas("doublon_allocation", lambda t: _ajouter_copie(t, "allocations", 4),
        "cle_dupliquee", "allocations.parquet", None, [5], "annee=2024, code_ml=MLB (déjà en ligne 4)"),
    Cas("doublon_id_site", lambda t: _changer(t, "sites_ml", 3, id_site="S1"),
        "cle_dupliquee", "sites_ml.parquet", "id_site", [3], "id_site=S1"),
    # --- références --------------------------------------------------------------------------
    Cas("commune_inconnue", lambda t: _changer(t, "agences", 2, code_commune="99999"),
        "code_geo_inconnu", "agences.parquet", "code_commune", [2], "référentiel des communes"),
    Cas("commune_sans_zero", lambda t: _changer(t, "sites_ml", 1, code_commune="1001"),
        "code_geo_inconnu", "sites_ml.parquet", "code_commune", [1], "zéro en tête perdu"),
    Cas("departement_inconnu", lambda t: _changer(t, "missions_locales", 1, code_departement="99"),
        "code_geo_inconnu", "missions_locales.parquet", "code_departement", [1], "référentiel des départements"),
    Cas("code_ml_inconnu", lambda t: _changer(t, "activite", 4, code_ml="MLZ"),
        "reference_inconnue", "activite.parquet", "code_ml", [4], "« MLZ »"),
    Cas("agence_inconnue", lambda t: _changer(t, "orientations", 1, code_agence="AGXX"),
        "reference_inconnue", "orientations.parquet", "code_agence", [1], "agences.parquet"),
    Cas("agence_signataire_inconnue", lambda t: _changer(t, "accords", 1, codes_agences=["AG90A", "AGXX"]),
        "reference_inconnue", "accords.parquet", "codes_agences", [1], "« AGXX »"),
    Cas("chevauchement", lambda t: _ajouter_copie(t, "territoires_ml", 1, code_ml="MLB"),
        "chevauchement", "territoires_ml.parquet", "code_commune", [1, 13], "90001 : MLA, MLB"),
    Cas("departement_du_siege", lambda t: _changer(t, "missions_locales", 1, code_departement="971"),
        "departement_siege", "missions_locales.parquet", "code_departement", [1], "971 au lieu de 90"),
    # --- avertissements ----------------------------------------------------------------------
    Cas("valorisation_hors_forfait", lambda t: _changer(t, "allocations", 1, valorisation_etp_eur=100_000.0),
        "ecart_valorisation", "allocations.parquet", "valorisation_etp_eur", [1], "au lieu de 90\u202f000 €"),
    Cas("subvention_hors_forfait", lambda t: _changer(t, "allocations", 3, subvention_compensatoire_eur=40_000.0),
        "ecart_subvention", "allocations.parquet", "subvention_compensatoire_eur", [3], "etp_compenses × forfait"),
    Cas("annee_sans_enveloppe", lambda t: t.update(enveloppe=t["enveloppe"].filter(pl.col("annee") == 2023)),
        "annee_sans_enveloppe", "allocations.parquet", "annee", [2, 4], "forfait d'un ETP n'est pas connu"),
    Cas("fichier_en_trop", _rien, "fichier_en_trop", "orientation.parquet", None, [], "hors contrat",
        apres=lambda d: shutil.copy(d / "orientations.parquet", d / "orientation.parquet")),
    Cas("colonne_en_trop", lambda t: t.update(agences=t["agences"].with_columns(pl.lit("x").alias("commentaire"))),
        "colonne_en_trop", "agences.parquet", "commentaire", [], "colonne hors contrat, ignorée"),
]


def _ecrire(tmp_path: Path, cas: Cas) -> Path:
    tables = jeu_minimal()
    cas.modifier(tables)
    dossier = ecrire_jeu(tmp_path / "jeu", tables)
    if cas.apres:
        cas.apres(dossier)
    return dossier


# Avertissements du jeu minimal lui-même (il ne couvre que 12 communes).
AVERTISSEMENTS_DE_BASE = {"trou_couverture"}


# --------------------------------------------------------------------------------------------
# Jeu valide
# --------------------------------------------------------------------------------------------

def test_jeu_minimal_valide(dossier_minimal):
    rapport = valider_dossier(dossier_minimal)
    assert rapport.erreurs == [], rapport.texte()
    assert rapport.valide
    assert {a.regle for a in rapport.avertissements} == AVERTISSEMENTS_DE_BASE
    tables = jeu_minimal()
    assert rapport.lignes == {nom: df.height for nom, df in tables.items()}
    mois = pl.concat([tables["orientations"]["mois"], tables["activite"]["mois"]])
    assert rapport.periode == (mois.min(), mois.max())
    assert rapport.periode == (date(2023, 1, 1), date(2024, 12, 1))


def test_trou_de_couverture_agrege(dossier_minimal):
    rapport = valider_dossier(dossier_minimal)
    trous = [a for a in rapport.avertissements if a.regle == "trou_couverture"]
    assert len(trous) == 1
    (trou,) = trous
    # calcul indépendant : communes du référentiel absentes des territoires du jeu
    couvertes = pl.DataFrame({"code_commune": COMMUNES_ML_A + COMMUNES_ML_B})
    absentes = referentiel.communes().join(couvertes, on="code_commune", how="anti").sort("code_commune")
    nb = absentes.height
    assert nb == referentiel.communes().height - 12
    assert trou.fichier == "territoires_ml.parquet" and trou.colonne == "code_commune"
    assert trou.niveau == AVERTISSEMENT
    from babel.numbers import format_decimal

    assert f"{format_decimal(nb, locale='fr_FR')} communes du référentiel" in trou.message
    assert ", ".join(absentes["code_commune"].head(10).to_list()) in trou.message
    assert "trou de couverture" in trou.message


def test_valider_fichiers_equivaut_au_dossier(dossier_minimal):
    rapport = valider_fichiers({nom: dossier_minimal / TABLES[nom].fichier for nom in NOMS_TABLES})
    assert rapport.valide and rapport.lignes == valider_dossier(dossier_minimal).lignes
    incomplet = valider_fichiers({nom: dossier_minimal / TABLES[nom].fichier for nom in NOMS_TABLES
                                  if nom != "contexte"})
    assert [(a.regle, a.fichier) for a in incomplet.erreurs] == [("fichier_absent", "contexte.parquet")]
    with pytest.raises(KeyError):
        valider_fichiers({"inconnue": dossier_minimal / "x.parquet"})


# --------------------------------------------------------------------------------------------
# Variantes cassées : une règle chacune
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cas", CAS, ids=[c.nom for c in CAS])
def test_variante(tmp_path, cas: Cas):
    rapport = valider_dossier(_ecrire(tmp_path, cas))
    niveau = REGLES[cas.regle]
    trouvees = [a for a in rapport.anomalies if a.regle == cas.regle and a.fichier == cas.fichier]
    assert len(trouvees) == 1, rapport.texte()
    (a,) = trouvees
    assert a.niveau == niveau
    assert a.colonne == cas.colonne
    assert a.lignes == cas.lignes
    assert a.nb_autres == cas.nb_autres
    assert cas.fragment in a.message, a.message
    # le message nomme le fichier, la colonne, les lignes et ce qui est attendu
    assert a.message.startswith(cas.fichier)
    if cas.colonne:
        assert f"colonne « {cas.colonne} »" in a.message
    if cas.lignes:
        assert texte_lignes(cas.lignes, cas.nb_autres) in a.message
    assert "Attendu : " in a.message
    # une seule règle cassée : aucune autre erreur
    if niveau == ERREUR:
        assert [x.regle for x in rapport.erreurs] == [cas.regle], rapport.texte()
        assert not rapport.valide
    else:
        assert rapport.valide, rapport.texte()
        assert {x.regle for x in rapport.avertissements} == AVERTISSEMENTS_DE_BASE | {cas.regle}


def test_au_moins_25_regles_distinctes():
    assert len({c.regle for c in CAS}) >= 25
    assert {c.regle for c in CAS} | AVERTISSEMENTS_DE_BASE | {"dossier_introuvable"} == set(REGLES)


@pytest.mark.parametrize("nom,modifier", [
    ("horodatage_pour_date", lambda t: _caster(t, "orientations", "mois", pl.Datetime("us"))),
    ("entier_pour_decimal", lambda t: _caster(t, "allocations", "etp_affectes", pl.Int64)),
    ("entier_32_bits", lambda t: _caster(t, "orientations", "orientes", pl.Int32)),
    ("texte_categoriel", lambda t: _caster(t, "orientations", "motif", pl.Categorical)),
    ("coordonnees_toutes_nulles", lambda t: t.update(
        agences=t["agences"].with_columns(pl.lit(None).alias("latitude"), pl.lit(None).alias("longitude")))),
    ("coordonnees_absentes", lambda t: t.update(sites_ml=t["sites_ml"].drop("latitude", "longitude"))),
    ("accord_non_engage_sans_agence", lambda t: _changer(t, "accords", 3, statut="non_engage")),
])
def test_variantes_acceptees(tmp_path, nom, modifier):
    tables = jeu_minimal()
    modifier(tables)
    rapport = valider_dossier(ecrire_jeu(tmp_path / nom, tables))
    assert rapport.erreurs == [], rapport.texte()
    assert {a.regle for a in rapport.avertissements} <= AVERTISSEMENTS_DE_BASE


def test_colonne_en_trop_passe_avec_avertissement(tmp_path):
    tables = jeu_minimal()
    tables["orientations"] = tables["orientations"].with_columns(pl.lit("source A").alias("source"))
    rapport = valider_dossier(ecrire_jeu(tmp_path, tables))
    assert rapport.valide
    (a,) = [x for x in rapport.avertissements if x.regle == "colonne_en_trop"]
    assert (a.fichier, a.colonne, a.niveau) == ("orientations.parquet", "source", AVERTISSEMENT)
    assert "ignorée" in a.message


def test_dossier_introuvable(tmp_path):
    rapport = valider_dossier(tmp_path / "nulle_part")
    assert not rapport.valide
    (a,) = rapport.erreurs
    assert a.regle == "dossier_introuvable" and "n'existe pas" in a.message


def test_dossier_sans_fichier(tmp_path):
    rapport = valider_dossier(tmp_path)
    assert [a.regle for a in rapport.erreurs] == ["fichier_absent"] * len(NOMS_TABLES)
    assert [a.fichier for a in rapport.erreurs] == [TABLES[n].fichier for n in NOMS_TABLES]


def test_nom_de_fichier_proche_signale(tmp_path):
    tables = jeu_minimal()
    dossier = ecrire_jeu(tmp_path, tables)
    (dossier / "accords.parquet").rename(dossier / "Accords.parquet")
    rapport = valider_dossier(dossier)
    (a,) = [x for x in rapport.erreurs if x.regle == "fichier_absent"]
    assert a.fichier == "accords.parquet" and "« Accords.parquet »" in a.message


def test_plusieurs_erreurs_toutes_listees(tmp_path):
    tables = jeu_minimal()
    _changer(tables, "orientations", 2, acceptes=11)
    _changer(tables, "activite", 1, code_ml="MLZ")
    tables.pop("contexte")
    rapport = valider_dossier(ecrire_jeu(tmp_path, tables))
    assert sorted(a.regle for a in rapport.erreurs) == ["fichier_absent", "inferieur_ou_egal", "reference_inconnue"]


# --------------------------------------------------------------------------------------------
# Format des messages
# --------------------------------------------------------------------------------------------

def test_texte_lignes():
    assert texte_lignes([4], 0) == "ligne 4"
    assert texte_lignes([4, 7, 9], 0) == "lignes 4, 7 et 9"
    assert texte_lignes([4, 7], 1) == "lignes 4, 7 et 1 autre"
    assert texte_lignes([4, 7], 1234) == "lignes 4, 7 et 1\u202f234 autres"


def test_message_premieres_lignes_et_autres(tmp_path):
    tables = jeu_minimal()
    # acceptes > orientes sur les 13 premiers mois, 2e ligne de chaque mois : lignes 2, 6, 10, … 50
    fautives = [4 * k + 2 for k in range(13)]
    for ligne in fautives:
        _changer(tables, "orientations", ligne, acceptes=11)
    rapport = valider_dossier(ecrire_jeu(tmp_path, tables))
    (a,) = rapport.erreurs
    assert a.regle == "inferieur_ou_egal"
    assert a.lignes == fautives[:10] and a.nb_autres == 3
    assert a.message == ("orientations.parquet, colonne « acceptes » : valeur supérieure à « orientes » sur 13 lignes "
            "(lignes 2, 6, 10, 14, 18, 22, 26, 30, 34, 38 et 3 autres) ; valeur trouvée : "
            "acceptes = 11 > orientes = 10. Attendu : acceptes ≤ orientes.")
    assert a.message in rapport.texte()
    assert "INVALIDE : 1 erreur" in rapport.texte()


def test_grand_fichier_plusieurs_groupes_de_lignes(tmp_path):
    """Numéros de ligne exacts à travers plusieurs groupes de lignes Parquet (≈ 100 000 lignes)."""
    tables = jeu_minimal()
    nb_agences = 350
    codes = [f"AGX{i:04d}" for i in range(nb_agences)]
    tables["agences"] = pl.concat([tables["agences"], pl.DataFrame(
        {"code_agence": codes, "nom_agence": [f"Agence {c}" for c in codes], "code_commune": "90010",
         "latitude": None, "longitude": None}, schema=tables["agences"].schema)])
    grille = (
        pl.DataFrame({"mois": pl.date_range(date(2023, 1, 1), date(2024, 12, 1), "1mo", eager=True)})
        .join(pl.DataFrame({"code_agence": codes}), how="cross")
        .join(pl.DataFrame({"sens": ["ft_vers_ml", "ml_vers_ft"]}), how="cross")
        .join(pl.DataFrame({"motif": ["eloignement_emploi", "difficultes_sociales", "accompagnement_global",
                                      "demande_jeune", "prestation_ft", "autre"]}), how="cross")
        .with_columns(code_ml=pl.lit("MLA"), orientes=pl.lit(9, pl.Int64), acceptes=pl.lit(7, pl.Int64),
                      entres=pl.lit(5, pl.Int64))
    )
    orientations = pl.concat([tables["orientations"], grille.select(tables["orientations"].columns)])
    n = orientations.height
    assert n == 96 + 24 * nb_agences * 12
    fautives = [50_001, n]
    orientations = orientations.with_columns(
        pl.when(pl.int_range(pl.len()).is_in([f - 1 for f in fautives])).then(pl.lit(-1))
        .otherwise(pl.col("entres")).alias("entres"))
    tables.pop("orientations")
    dossier = ecrire_jeu(tmp_path, tables)
    orientations.write_parquet(dossier / "orientations.parquet", row_group_size=8192)
    rapport = valider_dossier(dossier)
    assert [(a.regle, a.colonne, a.lignes) for a in rapport.erreurs] == [("valeur_negative", "entres", fautives)]
    assert rapport.lignes["orientations"] == n


# --------------------------------------------------------------------------------------------
# Ligne de commande
# --------------------------------------------------------------------------------------------

def _cli(dossier: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TDB_DONNEES"}
    return subprocess.run([sys.executable, "-m", "donnees.valider", str(dossier)], cwd=RACINE, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_codes_de_sortie(tmp_path, dossier_minimal):
    valide = _cli(dossier_minimal)
    assert valide.returncode == 0, valide.stdout + valide.stderr
    assert "VALIDE, avec 1 avertissement" in valide.stdout
    assert "Période couverte : de janvier 2023 à décembre 2024" in valide.stdout
    assert "trou de couverture" in valide.stdout

    tables = jeu_minimal()
    _changer(tables, "orientations", 4, entres=10)
    _changer(tables, "contexte", 13, jeunes_neet=5000)
    invalide = _cli(ecrire_jeu(tmp_path / "invalide", tables))
    assert invalide.returncode == 1
    assert "INVALIDE : 2 erreurs" in invalide.stdout
    assert "orientations.parquet, colonne « entres »" in invalide.stdout
    assert "contexte.parquet, colonne « jeunes_neet »" in invalide.stdout and "ligne 13" in invalide.stdout

    absent = _cli(tmp_path / "inexistant")
    assert absent.returncode == 1
    assert "le dossier n'existe pas" in absent.stdout


def test_dates_hors_bornes_refusees_par_le_validateur(tmp_path):
    """1900-01-01 et 20224-01-01 : refusés par ``valider_dossier`` et ``python -m donnees.valider``
    (code de sortie 1), pas seulement à l'import ; message : fichier, colonne, lignes, attendu."""
    fin = date.today().year + 10
    tables = jeu_minimal()
    _changer(tables, "orientations", 3, mois=date(1900, 1, 1))
    _date_lointaine(tables, "activite", "mois", 5)
    dossier = ecrire_jeu(tmp_path / "jeu", tables)

    rapport = valider_dossier(dossier)
    assert not rapport.valide
    dates = {(a.fichier, a.colonne, tuple(a.lignes)): a.message for a in rapport.erreurs
             if a.regle == "date_hors_bornes"}
    assert set(dates) == {("orientations.parquet", "mois", (3,)), ("activite.parquet", "mois", (5,))}, rapport.texte()
    assert dates[("orientations.parquet", "mois", (3,))] == (
        "orientations.parquet, colonne « mois » : date hors des bornes plausibles sur 1 ligne (ligne 3) ; "
        f"valeur trouvée : « 1900-01-01 ». Attendu : une date entre 2000 et {fin} (de 2000 à l'année en "
        "cours + 10).")
    assert "« 20224-01-01 »" in dates[("activite.parquet", "mois", (5,))]

    sortie = _cli(dossier)
    assert sortie.returncode == 1, sortie.stdout + sortie.stderr
    assert "INVALIDE" in sortie.stdout
    assert "« 1900-01-01 »" in sortie.stdout and "« 20224-01-01 »" in sortie.stdout
    assert f"Attendu : une date entre 2000 et {fin}" in sortie.stdout


def test_bornes_des_dates_suivent_l_annee():
    from donnees.valider import bornes_dates

    assert bornes_dates(date(2026, 5, 1)) == (date(2000, 1, 1), date(2036, 12, 31))
    assert bornes_dates(date(2031, 1, 1))[1] == date(2041, 12, 31)


def test_types_publics():
    a = Anomalie(ERREUR, "f.parquet", "c", "valeur_nulle", "m", [1], 0)
    r = Rapport(erreurs=[a])
    assert not r.valide and r.anomalies == [a] and str(a) == "m"


def test_messages_techniques_sans_chemin_du_serveur(dossier_minimal):
    """Un message du moteur cité dans un constat (« détail technique ») ne montre pas le chemin du serveur,
    seulement le nom du fichier : la page d'erreurs est vue par tout visiteur."""
    cible = dossier_minimal / "enveloppe.parquet"
    octets = bytearray(cible.read_bytes())
    octets[-8:-4] = (10**8).to_bytes(4, "little")  # longueur du pied Parquet impossible
    cible.write_bytes(bytes(octets))
    rapport = valider_dossier(dossier_minimal)
    messages = [a.message for a in rapport.erreurs if a.regle == "fichier_illisible"]
    assert messages and "enveloppe.parquet" in messages[0]
    assert str(dossier_minimal) not in " ".join(a.message for a in rapport.anomalies)
