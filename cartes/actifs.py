"""Leaflet servi par l'application : aucun CDN, aucun serveur de tuiles.

folium charge par défaut Leaflet, jQuery, Bootstrap et Font Awesome depuis des CDN ; streamlit-folium
(0.27) lit ces adresses dans ``default_js`` / ``default_css`` des éléments de la carte et les fait
charger par son cadre (iframe). On remplace donc ces listes, sur la carte, par Leaflet seul (nos
couches n'ont besoin ni de jQuery ni de Bootstrap), servi :

- par le service de fichiers statiques de Streamlit (``server.enableStaticServing = true``, dossier
  ``static/`` à la racine, adresse ``/app/static/…``) quand il est actif ;
- sinon en ligne (URL ``data:`` en base64), ce qui marche partout mais renvoie Leaflet à chaque
  affichage.

Les fichiers de ``static/`` sont les copies exactes de ceux du paquet xstatic-leaflet (Leaflet 1.9.3,
licence BSD-2) ; un test vérifie qu'ils n'ont pas divergé.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
DOSSIER_STATIQUE = RACINE / "static"
VERSION_LEAFLET = "1.9.3"
FICHIER_JS = f"leaflet-{VERSION_LEAFLET}.js"
FICHIER_CSS = f"leaflet-{VERSION_LEAFLET}.css"


def source_xstatic() -> Path:
    """Dossier des fichiers de Leaflet dans le paquet xstatic-leaflet installé."""
    import xstatic.pkg.leaflet as xl

    return Path(xl.BASE_DIR)


def chemin(fichier: str) -> Path:
    p = DOSSIER_STATIQUE / fichier
    if not p.is_file():
        raise FileNotFoundError(
            f"Fichier de Leaflet absent : {p}. Il doit être copié depuis le paquet xstatic-leaflet "
            f"({source_xstatic() / fichier.replace('-' + VERSION_LEAFLET, '')})."
        )
    return p


@cache
def _data_uri(fichier: str, type_mime: str) -> str:
    contenu = chemin(fichier).read_bytes()
    # le commentaire sourceMappingURL ferait chercher un fichier .map inexistant
    contenu = contenu.replace(b"//# sourceMappingURL=leaflet.js.map", b"")
    return f"data:{type_mime};base64,{base64.b64encode(contenu).decode('ascii')}"


def liens_leaflet(service_statique: bool, base_url: str = "") -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(default_js, default_css) à poser sur la carte folium.

    ``service_statique`` : valeur de l'option Streamlit ``server.enableStaticServing`` ;
    ``base_url`` : option ``server.baseUrlPath`` (préfixe des adresses)."""
    if service_statique:
        prefixe = "/" + base_url.strip("/") if base_url.strip("/") else ""
        return (
            [("leaflet", f"{prefixe}/app/static/{FICHIER_JS}")],
            [("leaflet_css", f"{prefixe}/app/static/{FICHIER_CSS}")],
        )
    return (
        [("leaflet", _data_uri(FICHIER_JS, "text/javascript"))],
        [("leaflet_css", _data_uri(FICHIER_CSS, "text/css"))],
    )


def taille_leaflet() -> int:
    """Octets de Leaflet (JS + CSS) envoyés au navigateur une fois."""
    return chemin(FICHIER_JS).stat().st_size + chemin(FICHIER_CSS).stat().st_size
