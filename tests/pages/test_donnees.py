"""Page « Données » (pages/donnees.py) avec streamlit.testing.v1.AppTest, ouverte par le point d'entrée.

Chaque test a son dossier initial (TDB_DONNEES, jeu de tests/fabrique.py) et son magasin de versions
(TDB_VERSIONS) dans un dossier temporaire. Les chiffres attendus sont relus dans les fichiers Parquet.

Branchement de l'application sur le magasin : ``requetes.jeu.dossier_par_defaut`` doit rendre la version
en service (voir le compte rendu de l'issue 7). Tant que ce n'est pas fait dans requetes/jeu.py, la
fixture ``branchement`` pose exactement la modification proposée, pour ce test seulement.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from presentation import format as fmt
from requetes import jeu as module_jeu
from tests.fabrique import ecrire_jeu, empreinte_arborescence, jeu_minimal, octets_parquet
from tests.outils_markdown import constructions_actives, texte_affiche, textes_markdown

RACINE = Path(__file__).resolve().parents[2]
ENTREE = str(RACINE / "tableau_de_bord.py")
PAGE = "pages/donnees.py"
ESPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def normal(texte) -> str:
    return str(texte).translate(ESPACES)


def _dossier_initial() -> Path:
    env = os.environ.get("TDB_DONNEES")
    return Path(env) if env else module_jeu.DOSSIER_DEMO


def _dossier_par_defaut() -> Path:
    initial = _dossier_initial()
    return versions.dossier_en_service(versions.racine_par_defaut(), base=initial) or initial


@pytest.fixture
def branchement(monkeypatch):
    if not hasattr(module_jeu, "dossier_initial"):  # requetes/jeu.py pas encore branché sur le magasin
        monkeypatch.setattr(module_jeu, "dossier_initial", _dossier_initial, raising=False)
        monkeypatch.setattr(module_jeu, "dossier_par_defaut", _dossier_par_defaut)


@pytest.fixture
def lieux(tmp_path, monkeypatch, branchement):
    base = ecrire_jeu(tmp_path / "initial", jeu_minimal())
    racine = tmp_path / "versions"
    monkeypatch.setenv("TDB_DONNEES", str(base))
    monkeypatch.setenv("TDB_VERSIONS", str(racine))
    monkeypatch.setenv("TDB_IMPORT_DOSSIERS", str(tmp_path / "a_importer"))
    monkeypatch.delenv("TDB_IMPORT_AUTORISE", raising=False)
    return base, racine, tmp_path


def ouvrir() -> AppTest:
    at = AppTest.from_file(ENTREE, default_timeout=240)
    at.run()
    verifier(at)
    at.switch_page(PAGE).run()
    verifier(at)
    return at


def verifier(at: AppTest) -> None:
    assert not at.exception, "\n".join(str(e.value) for e in at.exception)


def textes(at: AppTest) -> str:
    """Textes Markdown de la page, tels qu'ils s'affichent (chemins, noms et messages échappés)."""
    morceaux = [m.value for m in at.markdown] + [m.value for m in at.caption] + [m.value for m in at.info]
    morceaux += [m.value for m in at.warning] + [m.value for m in at.success] + [m.value for m in at.error]
    morceaux += [str(getattr(m.proto, "title", "")) for m in [*at.success, *at.error]]
    return normal(texte_affiche("\n".join(morceaux)))


COLONNE_DISTINCTIVE = {
    "donnees_lignes": "Origine dans cette version",
    "donnees_historique": "Identifiant",
    "donnees_cmp_fichiers": "Lignes avant",
    "donnees_cmp_chiffres": "Chiffre",
    "donnees_journal": "Motif",
}


def tableau(at: AppTest, cle: str) -> pl.DataFrame:
    """Le tableau affiché repéré par sa colonne distinctive (les st.dataframe sans sélection n'ont pas
    d'identifiant dans l'arbre de l'AppTest)."""
    for df in at.dataframe:
        valeur = df.value
        t = valeur if isinstance(valeur, pl.DataFrame) else pl.from_pandas(valeur)
        if COLONNE_DISTINCTIVE[cle] in t.columns:
            return t
    raise AssertionError(f"Pas de tableau {cle}")


def metriques(at: AppTest) -> dict[str, str]:
    return {normal(m.label): normal(m.value) for m in at.metric}


def lignes_affichees(at: AppTest) -> dict[str, str]:
    t = tableau(at, "donnees_lignes")
    return dict(zip(t["Fichier"], t["Lignes"]))


def lignes_attendues(dossier: Path) -> dict[str, str]:
    return {TABLES[n].fichier: normal(fmt.nombre(pl.read_parquet(dossier / TABLES[n].fichier).height))
            for n in NOMS_TABLES}


def televerser(at: AppTest, fichiers: list[tuple[str, bytes]]) -> AppTest:
    compteur = at.session_state.get("donnees_compteur_televersement", 0)
    at.file_uploader(key=f"donnees_fichiers_{compteur}").set_value(
        [(nom, contenu, "application/octet-stream") for nom, contenu in fichiers]).run()
    verifier(at)
    at.button(key="donnees_importer").click().run()
    verifier(at)
    return at


# --------------------------------------------------------------------------------------------------


def test_page_import_desactive_par_defaut(lieux):
    base, racine, _ = lieux
    at = ouvrir()
    texte = textes(at)
    assert "L'import de nouveaux exports est **désactivé**" in texte
    assert "TDB_IMPORT_AUTORISE=1" in texte and "import_autorise = true" in texte
    assert not at.file_uploader and not [b for b in at.button if b.key == "donnees_remettre"]
    # le jeu en service : dossier initial, contrat, période, lignes par table lues dans les fichiers
    assert f"Dossier initial « {base.name} »" in texte and str(base) not in texte  # le nom, pas le chemin
    m = metriques(at)
    assert m["Version"] == "initiale" and m["Contrat d'export"] == "version 1"
    activite = pl.read_parquet(base / "activite.parquet")
    assert f"**Période couverte** : {normal(fmt.periode(activite['mois'].min(), activite['mois'].max()))}" in texte
    assert m["Avertissements"] == "1"
    assert lignes_affichees(at) == lignes_attendues(base)
    total = sum(pl.read_parquet(base / TABLES[n].fichier).height for n in NOMS_TABLES)
    assert m["Lignes lues"] == normal(fmt.nombre(total))
    # avertissements du contrôle (trou de couverture du jeu minimal)
    assert any("Avertissements du contrôle" in e.label for e in at.expander)
    assert "trou de couverture" in normal("\n".join(m.value for m in at.markdown))
    assert "Aucune version importée" in texte
    assert not racine.exists()


def test_import_refuse_si_la_variable_vaut_zero(lieux, monkeypatch):
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "0")
    at = ouvrir()
    assert "**désactivé**" in textes(at) and not at.file_uploader


def test_import_valide_puis_invalide_puis_retour(lieux, monkeypatch):
    base, racine, _ = lieux
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    at = ouvrir()
    assert "**désactivé**" not in textes(at)

    # 1. un import valide : orientations 2024 seulement, crédits doublés
    tables = jeu_minimal()
    orientations = tables["orientations"].filter(pl.col("mois").dt.year() == 2024)
    allocations = tables["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)
    at.text_input(key="donnees_auteur").set_value("Camille Martin").run()
    televerser(at, [("orientations.parquet", octets_parquet(orientations)),
                    ("allocations.parquet", octets_parquet(allocations))])
    texte = textes(at)
    assert "Version 2 mise en service" in texte, texte
    assert "Le dossier initial a été conservé comme version 1" in texte
    assert "reprises de la version en service : missions_locales.parquet" in texte
    service = versions.version_en_service(racine, base)
    assert service.numero == 2 and service.auteur == "Camille Martin"
    # la page (et toute l'application) lit la nouvelle version
    assert lignes_affichees(at) == lignes_attendues(service.dossier)
    assert lignes_affichees(at)["orientations.parquet"] == normal(fmt.nombre(orientations.height))
    assert metriques(at)["Version"] == "n° 2"
    origines = dict(zip(tableau(at, "donnees_lignes")["Fichier"], tableau(at, "donnees_lignes")["Origine dans cette version"]))
    assert origines["orientations.parquet"] == "importé" and origines["contexte.parquet"] == "reprise du dossier initial"
    historique = tableau(at, "donnees_historique")
    assert historique["N°"].to_list() == [2, 1]
    assert historique["En service"].to_list() == ["✔ en service", ""]
    assert historique["Par"].to_list() == ["Camille Martin", fmt.TIRET]
    # ce qui change entre la version 1 et la version 2
    fichiers = tableau(at, "donnees_cmp_fichiers")
    ligne = fichiers.filter(pl.col("Fichier") == "orientations.parquet").row(0, named=True)
    assert normal(ligne["Lignes avant"]) == normal(fmt.nombre(tables["orientations"].height))
    assert normal(ligne["Écart"]) == normal(fmt.nombre(orientations.height - tables["orientations"].height, signe=True))
    assert ligne["Contenu"] == "modifié"
    assert fichiers.filter(pl.col("Fichier") == "contexte.parquet")["Contenu"].item() == "identique"
    chiffres = tableau(at, "donnees_cmp_chiffres")
    parts = chiffres.filter((pl.col("Chiffre") == "Σ des parts des ML dans l'enveloppe") & (pl.col("Année") == "2024"))
    a24 = tables["allocations"].filter(pl.col("annee") == 2024)
    avant = (a24["valorisation_etp_eur"] + a24["subvention_compensatoire_eur"] + a24["credits_financiers_eur"]).sum()
    apres = avant + a24["credits_financiers_eur"].sum()
    assert normal(parts["Avant"].item()) == normal(fmt.format_valeur(avant, "€", precis=True))
    assert normal(parts["Après"].item()) == normal(fmt.format_valeur(apres, "€", precis=True))
    entrees23 = chiffres.filter((pl.col("Chiffre") == "Entrées en délégation du PPAE") & (pl.col("Année") == "2023"))
    attendu = tables["orientations"].filter((pl.col("mois").dt.year() == 2023) & (pl.col("sens") == "ft_vers_ml"))
    assert normal(entrees23["Avant"].item()) == normal(fmt.format_valeur(attendu["entres"].sum(), "jeunes", precis=True))
    assert entrees23["Après"].item() == fmt.TIRET

    # 2. un import invalide : refusé, rapport en français, rien ne change, anciens chiffres affichés
    avant_refus = empreinte_arborescence(racine)
    fausses = tables["allocations"].with_columns(pl.lit(-12.5).alias("etp_affectes"))
    televerser(at, [("allocations.parquet", octets_parquet(fausses))])
    texte = textes(at)
    assert "Import refusé : rien n'a changé" in texte
    assert "allocations.parquet, colonne « etp_affectes » : valeur négative sur 4 lignes" in texte
    assert empreinte_arborescence(racine) == avant_refus
    assert lignes_affichees(at) == lignes_attendues(service.dossier)
    assert metriques(at)["Version"] == "n° 2"

    # 3. un fichier hostile : même traitement
    televerser(at, [("orientations.parquet", b"mois;code_ml;orientes\n2024-01-01;MLA;3\n")])
    assert "il ressemble à un fichier texte de type CSV" in textes(at)
    assert empreinte_arborescence(racine) == avant_refus

    # 4. remise en service de la version 1
    at.selectbox(key="donnees_retour").set_value(next(o for o in at.selectbox(key="donnees_retour").options if o.startswith("Version 1 "))).run()
    at.button(key="donnees_remettre").click().run()
    verifier(at)
    assert "Version 1 remise en service" in textes(at)
    assert versions.version_en_service(racine, base).numero == 1
    assert lignes_affichees(at) == lignes_attendues(base)
    assert tableau(at, "donnees_historique")["En service"].to_list() == ["", "✔ en service"]
    journal = tableau(at, "donnees_journal")
    assert journal["Motif"].to_list() == ["remise en service", "import"]
    assert journal["Version"].to_list() == ["1", "2"]


def test_import_d_un_dossier_du_serveur(lieux, monkeypatch):
    base, racine, tmp_path = lieux
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    lot = ecrire_jeu(tmp_path / "a_importer" / "exports_juin",
                     {"enveloppe": jeu_minimal()["enveloppe"].with_columns(pl.col("enveloppe_totale_eur") * 1.1)})
    at = ouvrir()
    at.radio(key="donnees_source").set_value("Dossier du serveur").run()
    verifier(at)
    assert at.selectbox(key="donnees_dossier").options == ["a_importer/exports_juin"]  # pas le chemin complet
    at.button(key="donnees_importer_dossier").click().run()
    verifier(at)
    assert "Version 2 mise en service" in textes(at)
    v = versions.version_en_service(racine, base)
    assert v.source == {"type": "dossier", "chemin": str(lot.resolve()), "noms": ["enveloppe.parquet"]}
    assert v.manifeste["fichiers"]["enveloppe"]["origine"] == "import"
    assert "Dossier du serveur « exports_juin » : contrôle réussi" in textes(at)
    assert str(tmp_path) not in textes(at)  # aucun chemin du serveur à l'écran
    assert metriques(at)["Version"] == "n° 2"


def test_page_sans_dossier_a_importer(lieux, monkeypatch):
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    at = ouvrir()
    at.radio(key="donnees_source").set_value("Dossier du serveur").run()
    verifier(at)
    assert "Aucun dossier à importer sous" in textes(at)


def test_import_autorise_par_les_secrets(lieux):
    at = AppTest.from_file(ENTREE, default_timeout=240)
    at.secrets["import_autorise"] = True
    at.run()
    at.switch_page(PAGE).run()
    verifier(at)
    assert "**désactivé**" not in textes(at)
    assert at.file_uploader(key="donnees_fichiers_0") is not None


# --------------------------------------------------------------------------------------------------
# Revue de sécurité (issue 12, point 4) : auteur, commentaire et nom d'archive saisis par l'utilisateur


PIEGE = ("Mission Locale [piège](http://exemple.invalide) ![x](http://exemple.invalide/i.png) $x^2$ "
         "<b>gras</b>")
ARCHIVE = "[Piège](https:exemple.invalide) $x$ <b>G.zip"  # pas de « / » dans un nom de fichier ; majuscules


def test_saisies_et_nom_d_archive_affiches_tels_quels(lieux, monkeypatch):
    import io
    import zipfile

    base, racine, _ = lieux
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    at = ouvrir()
    at.text_input(key="donnees_auteur").set_value(PIEGE).run()
    at.text_input(key="donnees_commentaire").set_value(f"exports de juin {PIEGE}").run()
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr("enveloppe.parquet", octets_parquet(jeu_minimal()["enveloppe"]))
    televerser(at, [(ARCHIVE, tampon.getvalue())])
    assert "Version 2 mise en service" in textes(at)
    v = versions.version_en_service(racine, base)
    assert v.numero == 2 and v.auteur == PIEGE and v.commentaire == f"exports de juin {PIEGE}"  # gardés tels quels
    # à l'écran : aucun lien, image, HTML ni formule, et chaque saisie se lit telle quelle
    md = textes_markdown(at)
    assert {t: constructions_actives(t) for t in md if constructions_actives(t)} == {}
    assert not [t for t in md if "](http" in t]
    lu = [texte_affiche(t) for t in md]
    assert any(f"Archive zip « {ARCHIVE} » téléversée : contrôle réussi" in t for t in lu)  # compte rendu
    assert any(f"archive zip « {ARCHIVE} » téléversée, par {PIEGE}." in t for t in lu)  # origine et auteur
    assert f"Commentaire : exports de juin {PIEGE}" in lu
    assert any(f"(archive zip « {ARCHIVE} » téléversée)" in t for t in lu)  # pied de page
    # l'historique (st.dataframe, texte brut) montre l'auteur sans échappement
    assert tableau(at, "donnees_historique")["Par"].to_list()[0] == PIEGE


def test_page_perimee_ne_remplace_pas_une_version_plus_recente(lieux, monkeypatch):
    """Camille ouvre la page (version 2 en service) ; Dominique importe entre-temps (version 3, autre
    session ou autre réplique). Le clic de Camille sur « Remettre cette version en service », puis sur un
    import, ne fait rien et dit ce qui a changé : la version 3 reste en service."""
    from donnees import import_securise
    from tests.fabrique import octets_parquet

    base, racine, _tmp_path = lieux
    monkeypatch.setenv("TDB_IMPORT_AUTORISE", "1")
    alloc = jeu_minimal()["allocations"].with_columns(pl.col("credits_financiers_eur") * 2)
    assert import_securise.importer_televersements(
        racine, [("allocations.parquet", octets_parquet(alloc))], auteur="Camille", base=base).accepte
    at = ouvrir()  # la page de Camille montre la version 2
    assert metriques(at)["Version"] == "n° 2"
    activite = jeu_minimal()["activite"].with_columns(pl.col("premiers_accueils") + 1)
    assert import_securise.importer_televersements(
        racine, [("activite.parquet", octets_parquet(activite))], auteur="Dominique", base=base).accepte
    choix = at.selectbox(key="donnees_retour")
    choix.set_value(next(o for o in choix.options if o.startswith("Version 1 ")))
    at.button(key="donnees_remettre").click().run()
    verifier(at)
    texte = textes(at)
    assert "Remise en service impossible : rien n'a changé" in texte
    assert "vous voyiez la version n° 2" in texte and "c'est maintenant la version n° 3" in texte
    assert "Dominique" in texte
    assert versions.version_en_service(racine, base).numero == 3
    # la page relue montre la version 3 : la remise en service est alors permise
    assert metriques(at)["Version"] == "n° 3"
    choix = at.selectbox(key="donnees_retour")
    choix.set_value(next(o for o in choix.options if o.startswith("Version 1 ")))
    at.button(key="donnees_remettre").click().run()
    verifier(at)
    assert "Version 1 remise en service" in textes(at)
    assert versions.version_en_service(racine, base).numero == 1
