"""Lire du Markdown Streamlit comme il s'affiche, pour les tests de l'échappement des textes venus des
données ou saisis (``presentation.format.echapper_markdown``).

CommonMark affiche tel quel tout caractère de ponctuation ASCII précédé d'une barre oblique inverse
(https://spec.commonmark.org/0.31.2/#backslash-escapes) :

- ``texte_affiche(md)`` : le texte qu'on lit à l'écran pour un Markdown sans autre construction que ces
  échappements (barres obliques retirées, jointures invisibles U+2060 retirées) ;
- ``actif(md)`` : ``md`` où chaque caractère échappé est remplacé par « \\x00 » : il ne reste que ce que
  Markdown interprète ; ``constructions_actives(md)`` y cherche lien ou image (« ](http », « ![ »), HTML,
  formule LaTeX (« $ »), lien nu (« http:// », « www. », courriel) ;
- ``textes_markdown(at)`` : tous les textes qu'une page AppTest fait interpréter en Markdown (corps de
  ``st.markdown``, ``st.caption``, titres, alertes ; libellés et infobulles des chiffres, onglets,
  expanders, liens, widgets), sans les options des listes (texte brut) ni les graphiques.
"""

from __future__ import annotations

import re

JOINTURE = "\u2060"  # jointure invisible posée par echapper_markdown dans les liens nus

_ECHAPPE = re.compile(r"\\([!-/:-@\[-`{-~])")
CHAMPS_MARKDOWN = frozenset({"body", "label", "help", "title"})
_LIEN_OU_IMAGE = re.compile(r"\]\(|!\[")
_HTML = re.compile(r"<[A-Za-z/!?]")
_LIEN_NU = re.compile(r"https?://|www\.|@\w", re.IGNORECASE)


def texte_affiche(md: str) -> str:
    return _ECHAPPE.sub(r"\1", md).replace(JOINTURE, "")


def actif(md: str) -> str:
    return _ECHAPPE.sub("\x00", md)


def constructions_actives(md: str) -> list[str]:
    """Les constructions dangereuses que Markdown interpréterait dans ``md`` (liste vide : aucune)."""
    reste = actif(md)
    trouvees = [m.group(0) for motif in (_LIEN_OU_IMAGE, _HTML, _LIEN_NU) for m in motif.finditer(reste)]
    if "$" in reste:
        trouvees.append("$")
    return trouvees


def _chaines(message, sortie: list[str]) -> None:
    for champ, valeur in message.ListFields():
        if champ.message_type is not None:
            for sous in ([valeur] if hasattr(valeur, "ListFields") else list(valeur)):  # message, ou répété
                if hasattr(sous, "ListFields"):
                    _chaines(sous, sortie)
        elif champ.name in CHAMPS_MARKDOWN and isinstance(valeur, str) and valeur:
            sortie.append(valeur)


def textes_markdown(at) -> list[str]:
    sortie: list[str] = []

    def visiter(noeud) -> None:
        proto = getattr(noeud, "proto", None)
        if proto is not None and hasattr(proto, "ListFields") and not hasattr(proto, "spec"):  # pas Plotly
            _chaines(proto, sortie)
        for enfant in (getattr(noeud, "children", None) or {}).values():
            visiter(enfant)

    visiter(at._tree)
    return sortie
