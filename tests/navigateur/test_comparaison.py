"""Pages « Comparer des territoires » et « Portrait d'un territoire » dans un vrai Chromium sans interface.

- une capture d'écran de chaque vue (dossier ``TDB_CAPTURES`` ou dossier temporaire), sans exception,
  sans requête hors de la machine, avec son contenu (tableaux, graphiques) ;
- l'aller-retour d'URL tel que le navigateur le fait : des réglages faits à la souris et au clavier
  s'écrivent dans l'adresse, et cette adresse ouverte dans un autre onglet rouvre la même comparaison ;
- le bouton « Comparer ces territoires » écrit sa sélection dans l'adresse.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.navigateur.harnais import attendre_fin_execution, ouvrir, verifier_sans_erreur

TERRITOIRES = ["Mission Locale de Valserhône (ML00101)", "Mission Locale de Tarbes (ML06502)",
               "Mission Locale de Mâcon (ML07103)", "Mission Locale d'Albi (ML08101)"]
VUES = {  # vue -> (sélecteur du contenu attendu, nombre minimal)
    "Tableau": ('[data-testid="stDataFrame"]', 2),
    "Barres": (".js-plotly-plot", 7),
    "Distribution": (".js-plotly-plot", 7),
    "Évolution": (".js-plotly-plot", 1),
    "Nuage de points": (".js-plotly-plot", 1),
    "Territoires comparables": ('[data-testid="stDataFrame"]', 1),
}
VUES_PORTRAIT = {
    "Indicateurs": ('[data-testid="stDataFrame"]', 1),  # un tableau, le thème en colonne
    "Alertes": ('[data-testid="stTable"]', 1),
    "Territoires comparables": ('[data-testid="stDataFrame"]', 1),
}


def capturer(page, dossier, nom: str) -> None:
    """Capture de toute la page : la zone principale de Streamlit défile à l'intérieur de la fenêtre, on
    agrandit donc la fenêtre à la hauteur du contenu le temps de la capture."""
    hauteur = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": 1440, "height": min(max(900, int(hauteur) + 40), 6000)})
    page.wait_for_timeout(600)
    chemin = dossier / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=True)
    assert chemin.stat().st_size > 10_000
    page.set_viewport_size({"width": 1440, "height": 900})


def verifier_contenu(page, selecteur: str, minimum: int) -> None:
    page.locator(selecteur).first.wait_for(state="visible", timeout=30_000)
    assert page.locator(selecteur).count() >= minimum, (selecteur, page.locator(selecteur).count())


def puces(page, rang: int = 0) -> list[str]:
    """Options choisies d'un st.multiselect (les « puces »), dans l'ordre."""
    return page.locator('[data-testid="stMultiSelect"]').nth(rang).locator("[data-tag]").evaluate_all(
        "l => l.map(e => e.getAttribute('aria-label'))")


def onglet_actif(page) -> str:
    return page.locator('[role="tab"][aria-selected="true"]').first.inner_text().strip()


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_captures_comparaison(page_app, dossier_captures):
    for vue, (selecteur, minimum) in VUES.items():
        ouvrir(page_app, "comparaison", {"cmp_territoires_ml": TERRITOIRES, "cmp_vue": vue})
        verifier_sans_erreur(page_app)
        assert onglet_actif(page_app) == vue
        verifier_contenu(page_app, selecteur, minimum)
        capturer(page_app, dossier_captures, f"comparaison_{vue.lower().replace(' ', '_')}")
    # sans territoire : la page explique quoi faire et montre les valeurs de la France
    ouvrir(page_app, "comparaison")
    verifier_sans_erreur(page_app)
    assert page_app.get_by_text("Choisissez jusqu'à 12 territoires", exact=False).count() == 1
    capturer(page_app, dossier_captures, "comparaison_vide")


def test_captures_portrait(page_app, dossier_captures):
    for vue, (selecteur, minimum) in VUES_PORTRAIT.items():
        ouvrir(page_app, "portrait", {"portrait_maille": "Départements", "portrait_vue": vue,
                                      "portrait_territoire_departement": "Finistère (29)"})
        verifier_sans_erreur(page_app)
        assert onglet_actif(page_app) == vue
        assert page_app.get_by_role("heading", name="Finistère").count() >= 1
        verifier_contenu(page_app, selecteur, minimum)
        capturer(page_app, dossier_captures, f"portrait_{vue.lower().replace(' ', '_')}")


def test_aller_retour_url_dans_le_navigateur(page_app, navigateur, serveur_app):
    page = page_app
    ouvrir(page, "comparaison")
    page.get_by_role("radio", name="Départements", exact=True).click()
    attendre_fin_execution(page)
    choix = page.locator('[data-testid="stMultiSelect"]').first
    for texte in ("Finistère (29)", "Paris (75)", "Guyane (973)"):
        choix.locator("input").click()
        choix.locator("input").fill(texte)
        page.keyboard.press("Enter")
        attendre_fin_execution(page)
    page.keyboard.press("Escape")
    page.get_by_role("tab", name="Nuage de points").click()
    attendre_fin_execution(page)
    verifier_sans_erreur(page)
    p = params(page)
    assert p["cmp_maille"] == ["Départements"]
    assert p["cmp_territoires_departement"] == ["Finistère (29)", "Paris (75)", "Guyane (973)"]
    assert p["cmp_vue"] == ["Nuage de points"]
    avant = (puces(page, 0), puces(page, 1), onglet_actif(page),
             page.locator('[data-testid="stMainBlockContainer"]').inner_text())

    # la même adresse, dans un autre onglet (nouveau contexte : aucune mémoire de session)
    contexte = navigateur.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    try:
        autre = contexte.new_page()
        from tests.navigateur import harnais

        s = harnais.Surveillance(url_base=serveur_app.url)
        s.brancher(contexte, autre)
        harnais.enregistrer(autre, s)
        autre.goto(page.url, wait_until="domcontentloaded")
        attendre_fin_execution(autre)
        verifier_sans_erreur(autre)
        apres = (puces(autre, 0), puces(autre, 1), onglet_actif(autre),
                 autre.locator('[data-testid="stMainBlockContainer"]').inner_text())
        assert apres[:3] == avant[:3]
        assert apres[3] == avant[3]
        assert params(autre) == params(page)
        harnais.oublier(autre)
    finally:
        contexte.close()


def test_bouton_comparables_ecrit_l_url(page_app):
    page = page_app
    ouvrir(page, "comparaison", {"cmp_maille": "Départements", "cmp_vue": "Territoires comparables",
                                 "cmp_reference_departement": "Ille-et-Vilaine (35)"})
    page.get_by_role("button", name="Comparer ces territoires").click()
    attendre_fin_execution(page)
    verifier_sans_erreur(page)
    choisis = params(page)["cmp_territoires_departement"]
    assert choisis[0] == "Ille-et-Vilaine (35)" and len(choisis) == 11
    assert puces(page, 0) == choisis
    # rouverte depuis l'adresse, la sélection est la même
    ouvrir(page, "comparaison", {k: v for k, v in params(page).items()})
    assert puces(page, 0) == choisis
