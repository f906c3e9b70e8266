"""Test de fumée : chaque page déclarée dans ``interface.navigation.PAGES`` s'ouvre dans un vrai
Chromium sans exception affichée, sans requête en échec, sans requête hors de la machine, et montre
du contenu. Une capture d'écran par page est enregistrée dans ``dossier_captures``.

Rien n'est sauté : si PAGES manque ou est vide, le test échoue.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.navigateur.harnais import ouvrir, verifier_sans_erreur


def _champ(page_def, nom: str):
    if isinstance(page_def, dict):
        return page_def.get(nom)
    return getattr(page_def, nom, None)


def _pages() -> list:
    try:
        from interface.navigation import PAGES
    except Exception as exc:  # l'échec doit devenir un test en échec, pas un saut
        return [pytest.param(None, f"import de interface.navigation.PAGES impossible : {exc!r}",
                             id="PAGES-introuvable")]
    pages = list(PAGES)
    if not pages:
        return [pytest.param(None, "interface.navigation.PAGES est vide", id="PAGES-vide")]
    return [
        pytest.param(p, None, id=str(_champ(p, "url_path") or _champ(p, "fichier") or i))
        for i, p in enumerate(pages)
    ]


@pytest.mark.parametrize(("page_def", "erreur"), _pages())
def test_page_s_ouvre_sans_erreur(page_app, dossier_captures, page_def, erreur):
    if page_def is None:
        pytest.fail(erreur)
    url_path = _champ(page_def, "url_path")
    titre = _champ(page_def, "titre")
    assert url_path is not None, f"Page sans url_path dans PAGES : {page_def!r}"
    assert titre, f"Page sans titre dans PAGES : {page_def!r}"

    # La page par défaut de st.navigation s'ouvre à la racine « / » (son url_path n'y est pas une
    # adresse : /vue_nationale y donnerait « page introuvable »).
    defaut = bool(_champ(page_def, "defaut"))
    adresse = "" if defaut else url_path
    ouvrir(page_app, adresse)

    # La page demandée est bien celle affichée (Streamlit renvoie à la page d'accueil une adresse
    # inconnue).
    chemin_affiche = urlsplit(page_app.url).path.strip("/")
    assert chemin_affiche == adresse.strip("/"), (
        f"Adresse /{adresse} : le navigateur affiche /{chemin_affiche}"
    )
    # La page montre du contenu, et son titre figure dans la navigation ou dans la page.
    principal = page_app.locator('[data-testid="stMainBlockContainer"]')
    assert principal.locator('[data-testid="stElementContainer"]').count() > 0, (
        f"La page {titre!r} (/{adresse}) n'affiche rien"
    )
    assert titre in page_app.locator('[data-testid="stApp"]').inner_text(), (
        f"Le titre {titre!r} n'apparaît nulle part sur /{adresse}"
    )

    nom = re.sub(r"[^a-z0-9_-]+", "_", (url_path or "accueil").lower()) or "accueil"
    page_app.screenshot(path=str(dossier_captures / f"{nom}.png"), timeout=60_000)
    verifier_sans_erreur(page_app)
