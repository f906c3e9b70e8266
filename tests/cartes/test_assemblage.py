"""Assemblage folium : Leaflet servi par l'application (aucune adresse hors de la machine), carte de
base stable d'une exécution à l'autre, couches échappées, budget d'octets envoyés au navigateur."""

from __future__ import annotations

import hashlib
import json
import re

import folium
import pytest

from cartes import actifs, carte, vue
from requetes.jeu import JeuDeDonnees

BUDGET_OCTETS = 1_500_000


def _envoye(base: folium.Map, groupe: folium.FeatureGroup) -> dict[str, int]:
    """Ce que streamlit-folium (0.27) envoie au composant pour cette carte : script, en-tête, html,
    groupe de couches (mêmes fonctions que st_folium), en octets."""
    import streamlit_folium as sf

    base.get_root().render()
    base.render()
    html = sf._get_html(base)
    entete = sf._get_header(base)
    script = sf._get_map_string(base)
    couches = sf._get_feature_group_string(groupe, base)
    return {"script": len(script.encode()), "entete": len(entete.encode()), "html": len(html.encode()),
            "couches": len(couches.encode())}


def _liens(base: folium.Map) -> list[str]:
    """Toutes les adresses JS/CSS que streamlit-folium ferait charger (même parcours que st_folium)."""
    import branca

    liens = []

    def parcourir(e):
        if isinstance(e, branca.colormap.ColorMap):
            liens.append("https://d3js.org (ajouté par streamlit-folium pour une ColorMap)")
        liens.extend(u for _, u in getattr(e, "default_js", []))
        liens.extend(u for _, u in getattr(e, "default_css", []))
        for enfant in getattr(e, "_children", {}).values():
            parcourir(enfant)

    parcourir(base)
    return liens


@pytest.fixture(scope="module")
def demo():
    from tests.cartes.jeux import dossier_demo

    return JeuDeDonnees(dossier_demo())


def test_fichiers_leaflet_identiques_au_paquet():
    src = actifs.source_xstatic()
    assert (actifs.DOSSIER_STATIQUE / actifs.FICHIER_JS).read_bytes() == (src / "leaflet.js").read_bytes()
    assert (actifs.DOSSIER_STATIQUE / actifs.FICHIER_CSS).read_bytes() == (src / "leaflet.css").read_bytes()
    assert b"Leaflet 1.9.3" in (actifs.DOSSIER_STATIQUE / actifs.FICHIER_JS).read_bytes()[:200]


@pytest.mark.parametrize("statique", [True, False])
def test_aucune_ressource_hors_de_la_machine(statique):
    js, css = actifs.liens_leaflet(statique, "tdb" if statique else "")
    base = carte.carte_de_base(js, css)
    liens = _liens(base)
    assert liens, "la carte doit charger Leaflet"
    if statique:
        assert js == [("leaflet", "/tdb/app/static/leaflet-1.9.3.js")]
        assert all(u.startswith("/tdb/app/static/") for u in liens), liens
    else:
        assert all(u.startswith("data:") for u in liens), [u[:40] for u in liens]
    rendu = base.get_root().render()
    assert re.findall(r"https?://", rendu) == []  # ni CDN, ni serveur de tuiles
    assert "tileLayer" not in rendu


def test_classe_folium_non_modifiee():
    js, css = actifs.liens_leaflet(True)
    carte.carte_de_base(js, css)
    assert any("cdn" in u for _, u in folium.Map.default_js)  # seule notre instance est changée


def test_carte_de_base_stable(demo):
    """La clé du composant streamlit-folium dépend du script de la carte de base : il doit être le même
    quelle que soit la vue (sinon le cadre est recréé et la vue de l'utilisateur perdue)."""
    import streamlit_folium as sf

    js, css = actifs.liens_leaflet(True)
    cles = set()
    for v in (vue.vue_indicateur(demo, 2025, "region", "taux_acceptation", "quantiles", 5),
              vue.vue_alertes(demo, 2025, "departement")):
        base = carte.carte_de_base(js, css)
        groupe = carte.groupe_de_couches(v)
        base.get_root().render()
        script = sf._get_map_string(base)
        sf._get_feature_group_string(groupe, base)
        cles.add(sf.generate_js_hash(script, "carte_folium", False))
    assert len(cles) == 1


def test_budget_maille_ml_france_entiere(demo):
    v = vue.vue_indicateur(demo, 2025, "ml", "taux_acceptation", "quantiles", 5)
    assert v.nb_polygones >= 400
    js, css = actifs.liens_leaflet(True)
    tailles = _envoye(carte.carte_de_base(js, css), carte.groupe_de_couches(v))
    total = sum(tailles.values()) + actifs.taille_leaflet()
    print(f"maille ML, indicateur : {total} octets {tailles}")
    assert total <= BUDGET_OCTETS, tailles
    # mode alertes (trous de couverture dessinés en plus) : même budget
    va = vue.vue_alertes(demo, 2025, "ml")
    tailles = _envoye(carte.carte_de_base(js, css), carte.groupe_de_couches(va))
    print(f"maille ML, alertes : {sum(tailles.values()) + actifs.taille_leaflet()} octets")
    assert sum(tailles.values()) + actifs.taille_leaflet() <= BUDGET_OCTETS, tailles


def test_budget_alerte_acces_maille_ml(demo):
    v = vue.vue_alertes(demo, 2025, "ml", "acces_eloigne")
    js, css = actifs.liens_leaflet(True)
    tailles = _envoye(carte.carte_de_base(js, css), carte.groupe_de_couches(v))
    print(f"maille ML, alerte d'accès : {sum(tailles.values()) + actifs.taille_leaflet()} octets")
    assert sum(tailles.values()) + actifs.taille_leaflet() <= BUDGET_OCTETS, tailles


def test_noms_echappes_dans_les_couches(tmp_path):
    import polars as pl

    from tests.fabrique import ecrire_jeu, jeu_minimal

    t = jeu_minimal()
    t["missions_locales"] = t["missions_locales"].with_columns(
        pl.when(pl.col("code_ml") == "MLA").then(pl.lit("ML <script>alert(1)</script> & co"))
        .otherwise(pl.col("nom_ml")).alias("nom_ml"))
    jeu = JeuDeDonnees(ecrire_jeu(tmp_path / "j", t))
    v = vue.vue_indicateur(jeu, 2024, "ml", "taux_acceptation", "quantiles", 3)
    donnees = json.loads(v.choroplethe)
    noms = {f["properties"]["code"]: f["properties"]["nom"] for f in donnees["features"]}
    assert noms["MLA"] == "ML &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    js, css = actifs.liens_leaflet(True)
    base = carte.carte_de_base(js, css)
    import streamlit_folium as sf

    base.get_root().render()
    sf._get_map_string(base)
    assert "<script>alert" not in sf._get_feature_group_string(carte.groupe_de_couches(v), base)


def test_legende_et_cadrage_dans_le_groupe(demo):
    v = vue.vue_indicateur(demo, 2025, "departement", "taux_acceptation", "seuils_naturels", 4)
    js, css = actifs.liens_leaflet(True)
    base = carte.carte_de_base(js, css)
    import streamlit_folium as sf

    base.get_root().render()
    sf._get_map_string(base)
    texte = sf._get_feature_group_string(carte.groupe_de_couches(v), base)
    assert "legende-carte" in texte and "Taux d'acceptation" in texte
    assert "fitBounds" in texte and json.dumps([list(v.bornes[0]), list(v.bornes[1])], separators=(",", ":")) in texte
    assert hashlib.sha1(texte.encode()).hexdigest() == hashlib.sha1(
        sf._get_feature_group_string(carte.groupe_de_couches(v), base).encode()).hexdigest()


def test_code_clique():
    entite = {"type": "Feature", "properties": {"code": "23", "maille": "departement", "nom": "Creuse"},
              "geometry": {"type": "Polygon", "coordinates": []}}
    assert carte.code_clique({"last_active_drawing": entite}) == "23"
    assert carte.code_clique({"last_active_drawing": {"properties": {}}}) is None  # lieu d'accueil
    assert carte.code_clique({"last_active_drawing": None}) is None
    assert carte.code_clique(None) is None
