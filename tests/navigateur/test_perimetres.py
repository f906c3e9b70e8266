"""Périmètres de bout en bout dans Chromium : connexion par le fournisseur OpenID Connect local
(``tests/navigateur/fournisseur_oidc.py``), puis ce que chaque identité voit vraiment dans le navigateur.

- **ARML Bretagne** (profil « region », code « 53 », consultation) :
  - carte à la maille des Missions Locales : ce que le composant folium a reçu (carte de base, GeoJSON des
    couches, infobulles, légende), le document de son cadre et celui de la page ne contiennent aucun code
    ni nom de ML d'une autre région ; les couches contiennent des ML bretonnes ; chaque territoire dessiné
    est une ML bretonne ;
  - « Accords par ML » : le CSV téléchargé par le vrai bouton (UTF-8 avec BOM, « ; ») a toutes les ML
    bretonnes et elles seules ; aucune autre ML n'y paraît, même hors des colonnes de code et de nom ;
  - page Données, import autorisé sur le serveur (``TDB_IMPORT_AUTORISE=1``) : ni sélecteur de fichiers ni
    bouton d'import ou de remise en service, et le rappel « réservés aux administrateurs ».
- **Identité nationale administratrice** : le même CSV a toutes les ML, des 18 régions ; la page Données a
  les commandes d'import.

Au-delà de ce qui est affiché, tout ce que le serveur envoie à la session ARML par le websocket de
Streamlit (messages protobuf : textes, tableaux Arrow que la grille dessine sur un canevas, options des
listes, arguments des composants) est relu à chaque étape : aucune ML d'une autre région n'y passe. Ce
contrôle porte : des ML bretonnes y passent, et la session nationale y reçoit celles des autres régions.

Le refus d'une adresse inconnue est vérifié par ``test_connexion.py`` (non répété ici). Un seul serveur pour
le module ; chaque identité a son onglet dans un contexte de navigateur isolé (``harnais.onglet_surveille`` :
ses propres cookies), connecté une fois pour toutes ses vérifications. Captures d'écran (barre latérale et
page) de l'ARML sur la carte et sur la page Données dans ``dossier_captures`` (``TDB_CAPTURES``).
"""

from __future__ import annotations

import codecs
import contextlib
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

from tests.navigateur import harnais
from tests.navigateur.test_carte import _cadre_carte, _etat_carte
from tests.navigateur.test_connexion import (  # la fixture importée s'applique aux tests du module
    DELAI_MS,
    _se_connecter,
    _secrets,
    _texte_barre,
    _texte_principal,
    _verifier_sans_erreur,
    fournisseur,  # noqa: F401
)

BRETAGNE = "53"
ARML = "coordination@arml-bretagne.fr"
NATIONAL = "pilotage@unml.info"
ACCES = f"""
[[acces]]
email = "{NATIONAL}"
profil = "national"
administrateur = true

[[acces]]
email = "{ARML}"
profil = "region"
code = "{BRETAGNE}"
administrateur = false
"""
RESERVE = "réservés aux administrateurs"
# Dans chaque document (cadres des composants compris) : garde les arguments de chaque message
# « streamlit:render » que la page envoie à un composant. Pour la carte, c'est tout ce que le serveur lui
# a fait parvenir : la carte de base (``html``, ``script``) et les couches (``feature_group`` : GeoJSON,
# infobulles, légende), que streamlit-folium exécute sans les écrire dans le document du cadre.
_JS_NOTER_RENDUS = """
window.__tdbRendus = [];
window.addEventListener('message', (e) => {
  const d = e.data;
  if (d && d.type === 'streamlit:render' && d.args) {
    try { window.__tdbRendus.push(JSON.stringify(d.args)); } catch (err) { window.__tdbRendus.push(String(err)); }
  }
});
"""
BOUTONS_IMPORT = ("Contrôler et mettre en service", "Contrôler et mettre en service ce dossier",
                  "Remettre cette version en service")


# --------------------------------------------------------------------------------------------------
# Serveur, jeu de référence, onglets connectés


@pytest.fixture(scope="module")
def serveur(tmp_path_factory, donnees_navigateur, fournisseur):
    """Un serveur pour tout le module : fichier d'accès, import autorisé, secrets de test ; magasin de
    versions et dossier d'import temporaires (rien n'est lu ni écrit sous ``donnees_locales/``)."""
    dossier = tmp_path_factory.mktemp("perimetres")
    port = harnais.port_libre()
    secrets = dossier / "secrets.toml"
    secrets.write_text(_secrets(port, fournisseur, proconnect=False), encoding="utf-8")
    acces = dossier / "acces.toml"
    acces.write_text(ACCES, encoding="utf-8")
    (dossier / "a_importer").mkdir()
    s = harnais.demarrer_serveur(donnees_navigateur, dossier / "streamlit.log", port=port, env_en_plus={
        "TDB_ACCES": str(acces),
        "STREAMLIT_SECRETS_FILES": str(secrets),
        "TDB_IMPORT_AUTORISE": "1",
        "TDB_VERSIONS": str(dossier / "versions"),
        "TDB_IMPORT_DOSSIERS": str(dossier / "a_importer"),
    })
    yield s
    s.arreter()


@pytest.fixture(scope="module")
def mls(donnees_navigateur) -> pl.DataFrame:
    """Les ML du jeu servi, avec leur région (référentiel géographique, par le département)."""
    from donnees import referentiel

    deps = referentiel.departements().select("code_departement", "code_region")
    df = pl.read_parquet(donnees_navigateur / "missions_locales.parquet").join(deps, on="code_departement",
                                                                               how="left")
    assert df["code_region"].null_count() == 0
    assert df["code_region"].n_unique() == 18
    return df


@pytest.fixture(scope="module")
def bretonnes(mls) -> pl.DataFrame:
    df = mls.filter(pl.col("code_region") == BRETAGNE)
    assert df.height >= 2
    return df


@pytest.fixture(scope="module")
def autres(mls) -> pl.DataFrame:
    """Les ML des autres régions."""
    return mls.filter(pl.col("code_region") != BRETAGNE)


@dataclass
class Session:
    """Un onglet connecté, et tout ce que le serveur lui a envoyé par le websocket de Streamlit depuis la
    connexion (messages protobuf : textes, tableaux Arrow, figures, arguments des composants)."""

    page: object
    recus: list[bytes] = field(default_factory=list)

    def texte_recu(self) -> str:
        return b"\n".join(self.recus).decode("utf-8", errors="ignore")


@contextlib.contextmanager
def _onglet_connecte(navigateur, serveur, sub: str):
    """Une session (onglet d'un contexte isolé) connectée par le fournisseur sous l'identité ``sub``."""
    with harnais.onglet_surveille(navigateur, serveur.url) as page:
        session = Session(page)

        def noter(message) -> None:
            session.recus.append(message if isinstance(message, bytes) else message.encode("utf-8"))

        page.on("websocket", lambda ws: ws.on("framereceived", noter) if "/_stcore/stream" in ws.url else None)
        page.context.add_init_script(_JS_NOTER_RENDUS)
        harnais.ouvrir(page, "")
        _se_connecter(page, serveur, sub)
        page.locator('[data-testid="stMetric"]').first.wait_for(state="visible", timeout=DELAI_MS)
        yield session


@pytest.fixture(scope="module")
def onglet_arml(navigateur, serveur, fournisseur):
    fournisseur.ajouter_usager("arml-bretagne-1", {"email": ARML, "email_verified": True,
                                                   "given_name": "Morgane", "family_name": "Le Gall"})
    with _onglet_connecte(navigateur, serveur, "arml-bretagne-1") as session:
        yield session


@pytest.fixture(scope="module")
def onglet_national(navigateur, serveur):
    # personne inconnue du fournisseur : il lui donne le claim email = sub
    with _onglet_connecte(navigateur, serveur, NATIONAL) as session:
        yield session


# --------------------------------------------------------------------------------------------------
# Outils


def _formes(nom: str) -> set[str]:
    """Les écritures d'un nom dans du HTML ou du JavaScript : brute, échappée HTML, chaîne JSON (ASCII ou
    non)."""
    return {nom, html.escape(nom), html.escape(nom, quote=False), json.dumps(nom)[1:-1],
            json.dumps(nom, ensure_ascii=False)[1:-1]}


def fuites(texte: str, autres: pl.DataFrame, bretonnes: pl.DataFrame) -> list[str]:
    """Codes et noms de ML d'autres régions présents dans ``texte``. Un nom contenu dans un nom breton
    n'est pas cherché (il paraîtrait sans fuite) ; son code l'est."""
    noms_bretons = bretonnes["nom_ml"].to_list()
    trouves = [c for c in autres["code_ml"].to_list() if c in texte]
    for nom in autres["nom_ml"].to_list():
        if any(nom in b for b in noms_bretons):
            continue
        if any(forme in texte for forme in _formes(nom)):
            trouves.append(nom)
    return trouves


def _capturer(page, chemin: Path) -> None:
    """Capture de toute la page : la fenêtre est d'abord agrandie à la hauteur du contenu (le défilement
    de Streamlit est dans ``stMain``, pas dans le document), puis remise à sa taille."""
    hauteur = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(hauteur) + 40), 6000)})
    try:
        harnais.attendre_fin_execution(page)
        page.wait_for_timeout(800)  # dessin de la carte et des graphiques
        page.screenshot(path=str(chemin), full_page=True, timeout=120_000)
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})
    assert chemin.stat().st_size > 20_000, chemin


def _csv_accords_par_ml(page) -> tuple[str, pl.DataFrame]:
    """Le CSV de l'onglet « Accords par ML », téléchargé par le bouton de la page : (texte, tableau)."""
    harnais.ouvrir(page, "accords", {"accords_vue": "Accords par ML"})
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible", timeout=DELAI_MS)
    with page.expect_download(timeout=60_000) as attente:
        page.get_by_role("button", name="Télécharger en CSV").first.click()
    telechargement = attente.value
    assert telechargement.suggested_filename.startswith("accords_par_ml"), telechargement.suggested_filename
    octets = Path(telechargement.path()).read_bytes()
    assert octets.startswith(codecs.BOM_UTF8), octets[:20]
    texte = octets[len(codecs.BOM_UTF8):].decode("utf-8")
    assert texte.splitlines()[0].startswith("Code ML;Mission Locale;"), texte.splitlines()[0]
    return texte, pl.read_csv(io.StringIO(texte), separator=";", infer_schema=False)


def _commandes_import(page) -> dict[str, int]:
    """Nombre de sélecteurs de fichiers, de choix de la source et de chaque bouton d'import sur la page."""
    principal = page.locator('[data-testid="stMain"]')
    nombres = {"sélecteur de fichiers": principal.locator('[data-testid="stFileUploader"]').count(),
               "choix de la source": principal.get_by_role("radiogroup").count()}
    for libelle in BOUTONS_IMPORT:
        nombres[libelle] = principal.get_by_role("button", name=libelle, exact=True).count()
    return nombres


def _sans_fuite(session: Session, autres: pl.DataFrame, bretonnes: pl.DataFrame) -> None:
    """Ni la page affichée (document principal) ni rien de ce que le serveur a envoyé à la session par
    son websocket ne nomme une ML d'une autre région."""
    for nom, contenu in (("page", session.page.content()), ("websocket", session.texte_recu())):
        trouves = fuites(contenu, autres, bretonnes)
        assert not trouves, f"{nom} : {len(trouves)} ML d'autres régions, dont {trouves[:10]}"


# --------------------------------------------------------------------------------------------------
# ARML Bretagne


class TestArmlBretagne:
    def test_barre_laterale(self, onglet_arml, fournisseur, autres, bretonnes):
        barre = _texte_barre(onglet_arml.page)
        assert ARML in barre
        assert "Morgane Le Gall" in barre
        assert "Périmètre : Région Bretagne" in barre
        assert "Consultation" in barre and "Administrateur" not in barre
        _sans_fuite(onglet_arml, autres, bretonnes)
        _verifier_sans_erreur(onglet_arml.page, fournisseur)

    def test_carte_des_ml_de_bretagne_seulement(self, onglet_arml, fournisseur, autres, bretonnes,
                                                dossier_captures):
        page = onglet_arml.page
        harnais.ouvrir(page, "carte", {"carte_maille": "Missions Locales"})
        _cadre, etat = _etat_carte(page, 1, "ml")
        # chaque territoire dessiné à la maille ML est une ML bretonne
        dessinees = {e["code"] for e in etat["entites"] if e["maille"] == "ml"}
        assert dessinees and dessinees <= set(bretonnes["code_ml"].to_list()), sorted(dessinees)[:10]
        # ce que le composant de la carte a reçu (arguments de chacun de ses rendus : carte de base,
        # GeoJSON des couches, infobulles, légende) et le document de son cadre
        cadre = _cadre_carte(page)
        assert cadre is not None
        rendus = cadre.evaluate("() => window.__tdbRendus || []")
        assert rendus, "aucun rendu de la carte noté"
        couches = json.loads(rendus[-1]).get("feature_group") or ""
        assert "FeatureCollection" in couches, couches[:500]
        for nom, contenu in (("rendus de la carte", "\n".join(rendus)), ("cadre de la carte", cadre.content())):
            trouves = fuites(contenu, autres, bretonnes)
            assert not trouves, f"{nom} : {len(trouves)} ML d'autres régions, dont {trouves[:10]}"
        assert any(c in couches for c in bretonnes["code_ml"].to_list()), "aucune ML bretonne sur la carte"
        assert any(f in couches for n in bretonnes["nom_ml"].to_list() for f in _formes(n)), \
            "aucun nom de ML bretonne sur la carte"
        # la page et tout ce que la session a reçu (options de la liste des ML, tableau des alertes…)
        _sans_fuite(onglet_arml, autres, bretonnes)
        assert "Périmètre : Région Bretagne" in _texte_barre(page)
        _capturer(page, dossier_captures / "perimetre_arml_carte.png")
        _verifier_sans_erreur(page, fournisseur)

    def test_csv_des_accords_par_ml(self, onglet_arml, fournisseur, autres, bretonnes):
        texte, csv = _csv_accords_par_ml(onglet_arml.page)
        codes = set(csv["Code ML"].to_list())
        assert codes == set(bretonnes["code_ml"].to_list()), sorted(codes ^ set(bretonnes["code_ml"].to_list()))
        assert csv.height == bretonnes.height
        assert set(csv["Mission Locale"].to_list()) <= set(bretonnes["nom_ml"].to_list())
        assert set(csv["Code région"].to_list()) == {BRETAGNE}
        trouves = fuites(texte, autres, bretonnes)
        assert not trouves, f"CSV : {len(trouves)} ML d'autres régions, dont {trouves[:10]}"
        # le tableau affiché (grille dessinée sur un canevas) est arrivé par le websocket, en Arrow
        _sans_fuite(onglet_arml, autres, bretonnes)
        _verifier_sans_erreur(onglet_arml.page, fournisseur)

    def test_donnees_sans_commandes_d_import(self, onglet_arml, fournisseur, autres, bretonnes, dossier_captures):
        page = onglet_arml.page
        harnais.ouvrir(page, "donnees")
        page.get_by_role("heading", name="Importer un nouveau jeu d'exports").wait_for(state="visible",
                                                                                       timeout=DELAI_MS)
        assert _commandes_import(page) == dict.fromkeys(["sélecteur de fichiers", "choix de la source",
                                                         *BOUTONS_IMPORT], 0)
        texte = _texte_principal(page)
        assert RESERVE in texte
        assert "Réservé aux administrateurs, comme l'import." in texte
        assert "Votre nom (noté dans l'historique)" not in texte
        _sans_fuite(onglet_arml, autres, bretonnes)
        _capturer(page, dossier_captures / "perimetre_arml_donnees.png")
        _verifier_sans_erreur(page, fournisseur)

    def test_la_session_a_recu_des_ml_de_bretagne(self, onglet_arml, bretonnes):
        """Le contrôle du websocket porte sur du contenu réel : des ML bretonnes y sont passées."""
        recu = onglet_arml.texte_recu()
        assert sum(c in recu for c in bretonnes["code_ml"].to_list()) >= 2


# --------------------------------------------------------------------------------------------------
# Identité nationale, administratrice


class TestNational:
    def test_barre_laterale(self, onglet_national, fournisseur):
        barre = _texte_barre(onglet_national.page)
        assert NATIONAL in barre
        assert "Périmètre : National" in barre
        assert "Administrateur" in barre
        _verifier_sans_erreur(onglet_national.page, fournisseur)

    def test_csv_des_accords_par_ml(self, onglet_national, fournisseur, mls):
        _texte, csv = _csv_accords_par_ml(onglet_national.page)
        codes = set(csv["Code ML"].to_list())
        assert codes == set(mls["code_ml"].to_list()), sorted(codes ^ set(mls["code_ml"].to_list()))[:10]
        regions = mls.filter(pl.col("code_ml").is_in(list(codes)))["code_region"].unique()
        assert regions.len() == 18, sorted(regions.to_list())
        # le contrôle de fuite de l'ARML porterait bien : ici, des ML d'autres régions circulent
        assert len(fuites(onglet_national.texte_recu(), mls.filter(pl.col("code_region") != BRETAGNE),
                          mls.filter(pl.col("code_region") == BRETAGNE))) > 100
        _verifier_sans_erreur(onglet_national.page, fournisseur)

    def test_donnees_avec_commandes_d_import(self, onglet_national, fournisseur):
        page = onglet_national.page
        harnais.ouvrir(page, "donnees")
        page.locator('[data-testid="stFileUploader"]').first.wait_for(state="visible", timeout=DELAI_MS)
        commandes = _commandes_import(page)
        assert commandes["sélecteur de fichiers"] == 1, commandes
        assert commandes["choix de la source"] == 1, commandes
        assert commandes["Contrôler et mettre en service"] == 1, commandes
        texte = _texte_principal(page)
        assert RESERVE not in texte
        assert "Votre nom (noté dans l'historique)" in texte
        _verifier_sans_erreur(page, fournisseur)
