"""Les textes des modules de ``presentation`` (écrits pour le Markdown de Streamlit) passés en HTML pour
le dossier de séance : gras, retours à la ligne, puces, échappements de ``echapper_markdown`` et icônes
de Streamlit. Tout le reste est échappé : un nom de ML venu des données s'imprime tel quel."""

from __future__ import annotations

import re
from html import escape, unescape

from markupsafe import Markup

from presentation.format import JOINTURE

ICONES = {":material/check_circle:": "✓", ":material/error:": "⚠", ":material/warning:": "⚠",
          ":material/info:": "ℹ", ":material/calculate:": ""}
_JETONS = re.compile(r"\\(.)|(\*\*)|(:material/[a-z_]+:)", re.DOTALL)


def _ligne(texte: str) -> str:
    morceaux, ouvert, fin = [], False, 0
    for m in _JETONS.finditer(texte):
        morceaux.append(escape(texte[fin:m.start()], quote=False))
        if m.group(1) is not None:
            morceaux.append(escape(m.group(1), quote=False))
        elif m.group(2):
            morceaux.append("</strong>" if ouvert else "<strong>")
            ouvert = not ouvert
        else:
            morceaux.append(escape(ICONES.get(m.group(3), ""), quote=False))
        fin = m.end()
    morceaux.append(escape(texte[fin:], quote=False))
    if ouvert:
        morceaux.append("</strong>")
    return "".join(morceaux).strip()


def html(texte: str | None) -> Markup:
    """Markdown simple (gras, puces « - », « ␣␣\\n ») → HTML sûr ; un paragraphe ou une liste."""
    if not texte:
        return Markup("")
    texte = texte.replace(JOINTURE, "")
    lignes = texte.split("\n")
    if all(ligne.startswith("- ") for ligne in lignes if ligne.strip()):
        puces = "".join(f"<li>{_ligne(ligne[2:])}</li>" for ligne in lignes if ligne.strip())
        return Markup(f"<ul>{puces}</ul>")
    return Markup("<p>" + "<br>".join(_ligne(ligne) for ligne in lignes) + "</p>")


def brut(texte: str | None) -> str:
    """Le même texte sans mise en forme (pour une cellule de tableau, une légende)."""
    return unescape(re.sub(r"<[^>]+>", " ", str(html(texte)))).strip()
