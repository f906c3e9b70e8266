"""Carte des trous de couverture dans un vrai Chromium, réseau limité à la machine (harnais A2) :
chaque maille dessine tous ses territoires (DROM compris), la légende est là, un clic sur un territoire
ouvre son détail, le mode « alertes » montre les trous du jeu de démonstration. Une capture d'écran
par maille est enregistrée dans ``dossier_captures``."""

from __future__ import annotations

import time

import polars as pl
import pytest

from cartes import drom
from tests.navigateur.harnais import attendre_fin_execution, ouvrir, verifier_sans_erreur

DELAI_CARTE_S = 120

# Nombre de territoires dessinés et code des entités par maille (états de la carte, dans le cadre)
_JS_ETAT_CARTE = """
() => {
  if (!window.map) { return null; }
  const entites = [];
  window.map.eachLayer(function(c) {
    if (c.feature && c.feature.properties && c.feature.properties.maille && c.getBounds) {
      const b = c.getBounds();
      entites.push({code: c.feature.properties.code, maille: c.feature.properties.maille,
                    s: b.getSouth(), w: b.getWest(), n: b.getNorth(), e: b.getEast()});
    }
  });
  const legende = document.querySelector('.legende-carte');
  return {entites: entites, legende: legende ? legende.innerText : null,
          chemins: document.querySelectorAll('path.leaflet-interactive').length,
          ronds: document.querySelectorAll('path.point-carte').length};
}
"""

# Point (en pixels dans le cadre de la carte) à l'intérieur d'un territoire donné
_JS_POINT_DANS = """
(code) => {
  let cible = null;
  window.map.eachLayer(function(c) {
    if (c.feature && c.feature.properties && c.feature.properties.code === code && c.getBounds) { cible = c; }
  });
  if (!cible) { return null; }
  window.map.fitBounds(cible.getBounds(), {animate: false, padding: [40, 40]});
  const p = window.map.latLngToContainerPoint(cible.getCenter());
  return {x: p.x, y: p.y, nom: cible.feature.properties.nom};
}
"""


def _cadre_carte(page):
    for f in page.frames:
        if "st_folium" in f.url or "streamlit_folium" in f.url:
            return f
    return None


def _etat_carte(page, minimum: int, maille: str):
    """Attend que la carte ait dessiné au moins ``minimum`` territoires de la maille ; rend son état."""
    limite = time.monotonic() + DELAI_CARTE_S
    etat = None
    while time.monotonic() < limite:
        cadre = _cadre_carte(page)
        if cadre is not None:
            try:
                etat = cadre.evaluate(_JS_ETAT_CARTE)
            except Exception:  # cadre en cours de (re)chargement
                etat = None
            if etat and sum(1 for e in etat["entites"] if e["maille"] == maille) >= minimum and etat["legende"]:
                return cadre, etat
        time.sleep(0.5)
    nb = len(etat["entites"]) if etat else 0
    legende = etat["legende"] if etat else None
    pytest.fail(f"La carte n'a pas dessiné {minimum} territoires ({maille}) en {DELAI_CARTE_S} s : "
                f"{nb} entités, légende {legende!r}")


def _dans_encart(e: dict, code: str) -> bool:
    c = drom.ENCARTS[code].cadre
    return c[0] <= e["w"] and e["e"] <= c[2] and c[1] <= e["s"] and e["n"] <= c[3]


@pytest.fixture(scope="module")
def donnees_jeu(serveur_app):
    from requetes import alertes, indicateurs
    from requetes.jeu import JeuDeDonnees

    jeu = JeuDeDonnees(serveur_app.dossier_donnees)
    return jeu, max(indicateurs.annees_disponibles(jeu)), alertes  # année par défaut de la page


@pytest.mark.parametrize(("libelle", "maille", "minimum"), [
    ("Régions", "region", 18), ("Départements", "departement", 101), ("Missions Locales", "ml", 400)])
def test_chaque_maille_dessine_tous_les_territoires(page_app, dossier_captures, donnees_jeu, libelle, maille,
                                                    minimum):
    jeu, _annee, alertes = donnees_jeu
    ouvrir(page_app, "carte", {"carte_maille": libelle})
    _cadre, etat = _etat_carte(page_app, minimum, maille)
    codes = {e["code"] for e in etat["entites"] if e["maille"] == maille}
    attendus = set(alertes.territoires(jeu, maille)["code"].to_list())
    if maille == "ml":
        from requetes import acces

        attendus &= set(acces.rattachements(jeu)["code_ml"].to_list())  # une ML sans commune n'a pas de contour
    assert codes == attendus
    assert len(codes) >= minimum
    # chaque DROM est visible, dans son encart
    for code in drom.ENCARTS:
        assert any(_dans_encart(e, code) for e in etat["entites"] if e["maille"] == maille), code
    # légende : titre de l'indicateur et classes en français
    assert "Part de l'enveloppe" in etat["legende"] and " à " in etat["legende"]
    page_app.screenshot(path=str(dossier_captures / f"carte_{maille}.png"), timeout=60_000)
    verifier_sans_erreur(page_app)


def test_clic_sur_un_territoire_ouvre_son_detail(page_app, dossier_captures):
    ouvrir(page_app, "carte", {"carte_maille": "Départements"})
    cadre, _ = _etat_carte(page_app, 101, "departement")
    point = cadre.evaluate(_JS_POINT_DANS, "23")
    assert point and point["nom"] == "Creuse"
    time.sleep(0.5)
    cadre.locator("#map_div").click(position={"x": point["x"], "y": point["y"]})
    page_app.get_by_role("heading", name="Creuse").wait_for(timeout=DELAI_CARTE_S * 1000)
    attendre_fin_execution(page_app)
    principal = page_app.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "Alertes déclenchées" in principal and "Lieux d'accueil" in principal
    # le détail compare à la région et à la France
    assert page_app.get_by_role("tab", name="Indicateurs").count() == 1
    # la carte n'a pas été rechargée (même cadre, entités toujours là) et le territoire est entouré
    _, _etat = _etat_carte(page_app, 101, "departement")
    page_app.screenshot(path=str(dossier_captures / "carte_clic_detail.png"), timeout=60_000)
    verifier_sans_erreur(page_app)


def test_mode_alertes_montre_les_trous(page_app, dossier_captures, donnees_jeu):
    jeu, annee, alertes = donnees_jeu
    ouvrir(page_app, "carte", {"carte_maille": "Missions Locales", "carte_mode": "Alertes"})
    _cadre, etat = _etat_carte(page_app, 400, "ml")
    assert "Nombre d'alertes déclenchées" in etat["legende"]
    c = alertes.constats(jeu, annee)
    trous = c.filter((pl.col("alerte") == "communes_sans_ml") & (pl.col("cas") == "non_couverte")).height
    assert trous >= 1
    assert f"Communes sans Mission Locale ({trous})" in etat["legende"]
    # chaque commune sans ML a son rond sur la carte
    assert etat["ronds"] >= trous
    # les territoires sans alerte et ceux qui en ont : la synthèse du jeu
    s = alertes.synthese(jeu, "ml", annee)
    sans = s.filter(pl.col("nb_alertes") == 0).height
    assert f"Aucune alerte ({sans})" in etat["legende"]
    # le tableau des alertes est là
    assert page_app.get_by_text("Alertes de couverture", exact=True).count() >= 1
    page_app.screenshot(path=str(dossier_captures / "carte_alertes_ml.png"), timeout=60_000)
    verifier_sans_erreur(page_app)


def test_alerte_acces_et_communes_d_un_departement(page_app, dossier_captures):
    ouvrir(page_app, "carte", {"carte_maille": "Départements", "carte_mode": "Alertes",
                               "carte_alerte": "5. Jeunes éloignés d'un lieu d'accueil ou d'une agence"})
    _, etat = _etat_carte(page_app, 101, "departement")
    assert "Alerte 5" in etat["legende"] and "Commune éloignée" in etat["legende"]
    assert etat["ronds"] >= 1
    page_app.screenshot(path=str(dossier_captures / "carte_alerte_acces.png"), timeout=60_000)
    ouvrir(page_app, "carte", {"carte_maille": "Communes",
                               "carte_zoom": "Département 23 — Creuse"})
    _, etat = _etat_carte(page_app, 100, "commune")
    assert "Jeunes de 16 à 25 ans" in etat["legende"]
    page_app.screenshot(path=str(dossier_captures / "carte_communes_creuse.png"), timeout=60_000)
    verifier_sans_erreur(page_app)


def test_carte_ouverte_depuis_l_accueil_sur_un_serveur_neuf(navigateur, donnees_navigateur, tmp_path):
    # Le préchargement en arrière-plan (interface.prechargement) démarre après la première page ; un
    # composant importé par lui ne se chargeait plus dans le navigateur (« having trouble loading the
    # streamlit_folium.st_folium component »). Serveur neuf : accueil, préchargement fini, puis carte.
    from tests.navigateur import harnais

    serveur = harnais.demarrer_serveur(donnees_navigateur, tmp_path / "streamlit.log")
    try:
        with harnais.onglet_surveille(navigateur, serveur.url) as page:
            ouvrir(page, "")
            time.sleep(15)  # le préchargement (imports, contours) tourne pendant qu'on lit l'accueil
            ouvrir(page, "carte", {"carte_maille": "Départements"})
            _, etat = _etat_carte(page, 101, "departement")
            assert etat["legende"]
            assert "having trouble loading" not in page.locator(
                '[data-testid="stMainBlockContainer"]').inner_text()
            verifier_sans_erreur(page)
    finally:
        serveur.arreter()  # ce serveur-ci n'est pas celui de la session : arrêté avec le test
        serveur.arreter()
