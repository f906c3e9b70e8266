"""La carte des alertes de couverture dessinée en SVG pour le dossier de séance.

Les contours sont ceux du projet (``cartes.vue.vue_alertes`` : référentiel embarqué, ML par réunion de
leurs communes, DROM dans leurs encarts) et les classes celles de la page Carte (même couleurs, même
légende) ; rien n'est téléchargé (``go.Choropleth`` de Plotly irait chercher un fond topojson sur un
CDN). Projection de Web Mercator, comme la carte à l'écran.

Lisible en noir et blanc : les classes vont du plus clair au plus foncé ; le territoire du dossier est
cerné d'un trait noir épais ; la légende et la liste des alertes disent les mêmes nombres en toutes
lettres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

import numpy as np

from cartes import drom
from cartes.classes import COULEUR_ABSENT
from cartes.vue import VueCarte

LARGEUR = 760.0
HAUTEUR_MAX = 560.0
MARGE = 6.0


@dataclass(frozen=True)
class CarteSvg:
    svg: str
    legende: list[tuple[str, str, int, bool]]  # (couleur, libellé, effectif, hachures)
    titre: str
    sous_titre: str
    notes: list[str]


def _anneaux(geometrie: dict) -> list[list[list[float]]]:
    if geometrie is None:
        return []
    if geometrie["type"] == "Polygon":
        return list(geometrie["coordinates"])
    if geometrie["type"] == "MultiPolygon":
        return [anneau for poly in geometrie["coordinates"] for anneau in poly]
    return []


def _entites(collection: str | dict, codes: set[str] | None) -> list[dict]:
    donnees = json.loads(collection) if isinstance(collection, str) else collection
    return [f for f in donnees.get("features", []) if codes is None or f.get("id") in codes]


def dessiner(vue: VueCarte, codes: set[str] | None = None, surligne: str | None = None,
             etiquette: str = "Carte") -> CarteSvg:
    """Le SVG de la vue (territoires de ``codes`` seulement, s'il est donné), ``surligne`` cerné de noir."""
    entites = _entites(vue.choroplethe, codes)
    contours = [(e, [np.asarray(a, dtype=float) for a in _anneaux(e.get("geometry"))]) for e in entites]
    points = [a for _, anneaux in contours for a in anneaux if a.size]
    if not points:
        return CarteSvg("", [], vue.titre, vue.sous_titre, ["Aucun contour à dessiner."])
    tous = np.concatenate(points)
    x, y = drom.mercator(tous[:, 0], tous[:, 1])
    xmin, xmax, ymin, ymax = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    etendue_x, etendue_y = max(xmax - xmin, 1e-9), max(ymax - ymin, 1e-9)
    echelle = min((LARGEUR - 2 * MARGE) / etendue_x, (HAUTEUR_MAX - 2 * MARGE) / etendue_y)
    hauteur = etendue_y * echelle + 2 * MARGE
    decalage_x = (LARGEUR - etendue_x * echelle) / 2

    def chemin(anneaux: list[np.ndarray]) -> str:
        morceaux = []
        for a in anneaux:
            if a.size == 0:
                continue
            ax, ay = drom.mercator(a[:, 0], a[:, 1])
            px = decalage_x + (ax - xmin) * echelle
            py = MARGE + (ymax - ay) * echelle
            pts = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(px, py))
            morceaux.append(f"M{pts}Z")
        return "".join(morceaux)

    c = vue.classement
    # La classe la plus haute est hachurée de blanc : en noir et blanc, les deux rouges les plus foncés se
    # ressembleraient ; les hachures la distinguent (la légende les reprend).
    hachee = c.couleurs[-1] if c.nb_classes >= 4 else None
    motif = ('<defs><pattern id="hachures" patternUnits="userSpaceOnUse" width="5" height="5" '
             'patternTransform="rotate(45)">'
             f'<rect width="5" height="5" fill="{hachee}"/><rect width="1.6" height="5" fill="#FFFFFF"/>'
             "</pattern></defs>") if hachee else ""
    formes, cerne = [], ""
    for e, anneaux in contours:
        p = e.get("properties", {})
        d = chemin(anneaux)
        couleur = p.get("c") or COULEUR_ABSENT
        if hachee and couleur == hachee:
            couleur = "url(#hachures)"
        titre = escape(f"{p.get('nom', '')} : {p.get('v', '')}")
        formes.append(f'<path d="{d}" fill="{couleur}" stroke="#6A6A6A" stroke-width="0.4">'
                      f"<title>{titre}</title></path>")
        if surligne is not None and e.get("id") == surligne:
            cerne = f'<path d="{d}" fill="none" stroke="#000000" stroke-width="2.4"/>'
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {LARGEUR:.0f} {hauteur:.0f}" '
           f'width="{LARGEUR:.0f}" height="{hauteur:.0f}" role="img" aria-label="{escape(etiquette)}">'
           + motif + "".join(formes) + cerne + "</svg>")
    libelles = c.libelles or [f"Classe {i + 1}" for i in range(c.nb_classes)]
    # effectifs recomptés sur les territoires dessinés (ceux du dossier, pas toute la vue)
    classes_dessinees = {e.get("id") for e, _ in contours}
    table = vue.territoires.filter(vue.territoires["code"].is_in(sorted(classes_dessinees)))
    comptes = table["classe"].value_counts()
    effectifs = dict(zip(comptes["classe"].to_list(), comptes["count"].to_list()))
    legende = [(couleur, libelle, int(effectifs.get(i, 0)), bool(hachee) and i == c.nb_classes - 1)
               for i, (couleur, libelle) in enumerate(zip(c.couleurs, libelles))]
    if effectifs.get(-1):
        legende.append((COULEUR_ABSENT, vue.libelle_absent, int(effectifs[-1]), False))
    return CarteSvg(svg, legende, vue.titre, vue.sous_titre, list(vue.notes))
