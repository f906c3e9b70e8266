"""Liste des pages du tableau de bord (données simples) et construction de ``st.navigation``.

``CATALOGUE`` décrit toutes les pages prévues ; ``PAGES`` n'en garde que celles dont le fichier
existe : c'est la liste que le point d'entrée, les tests et le banc d'essai du navigateur parcourent.

Ajouter une page : écrire son fichier sous le nom prévu au ``CATALOGUE`` (elle apparaît alors
d'elle-même), ou, pour une page nouvelle, ajouter une ``EntreePage`` au ``CATALOGUE`` (fichier relatif
à la racine du dépôt, titre, icône ``:material/...:``, ``url_path`` unique, section parmi
``SECTIONS``, aide courte).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent

SECTIONS = ("Vue nationale", "Territoires", "Budget", "Partenariat", "Données")


@dataclass(frozen=True)
class EntreePage:
    fichier: str  # chemin relatif à la racine du dépôt, ex. "pages/vue_nationale.py"
    titre: str
    icone: str  # ":material/nom_icone:"
    url_path: str  # unique ; la page par défaut s'ouvre aussi à la racine « / »
    section: str  # une des SECTIONS
    aide: str = ""  # infobulle de la navigation et des liens
    defaut: bool = False

    @property
    def chemin(self) -> Path:
        return RACINE / self.fichier

    def existe(self) -> bool:
        return self.chemin.is_file()


CATALOGUE: list[EntreePage] = [
    EntreePage(
        "pages/vue_nationale.py", "Vue nationale", ":material/dashboard:", "vue_nationale", "Vue nationale",
        "L'année en chiffres : enveloppe, agents affectés, orientations et entrées en délégation, "
        "accords en vigueur, points d'attention.",
        defaut=True,
    ),
    EntreePage(
        "pages/carte.py", "Carte des trous de couverture", ":material/map:", "carte", "Territoires",
        "Carte des communes couvertes ou non par une Mission Locale et des indicateurs par territoire.",
    ),
    EntreePage(
        "pages/comparaison.py", "Comparaison", ":material/compare_arrows:", "comparaison", "Territoires",
        "Comparer des territoires ou des Missions Locales sur un choix d'indicateurs.",
    ),
    EntreePage(
        "pages/portrait.py", "Portrait", ":material/location_city:", "portrait", "Territoires",
        "Portrait d'un territoire ou d'une Mission Locale : contexte, moyens, résultats.",
    ),
    EntreePage(
        "pages/budget.py", "Budget de l'accord", ":material/euro:", "budget", "Budget",
        "Enveloppe de l'accord, valorisation des agents affectés, subventions et crédits par territoire.",
    ),
    EntreePage(
        "pages/accords.py", "Accords locaux", ":material/handshake:", "accords", "Partenariat",
        "Projets locaux de coopération : statut, échéances, contenu des accords.",
    ),
    EntreePage(
        "pages/orientations.py", "Orientations", ":material/swap_horiz:", "orientations", "Partenariat",
        "Jeunes orientés, acceptés et entrés en accompagnement entre les deux réseaux.",
    ),
    EntreePage(
        "pages/donnees.py", "Données", ":material/database:", "donnees", "Données",
        "Jeu de données en service et ses contrôles, import de nouveaux exports, historique des versions.",
    ),
]

# Les pages dont le fichier existe, dans l'ordre du catalogue.
PAGES: list[EntreePage] = [p for p in CATALOGUE if p.existe()]

# Page affichée seule quand le jeu de données n'est pas valide.
PAGE_DONNEES_INVALIDES = EntreePage(
    "pages/donnees_invalides.py", "Données non conformes", ":material/error:", "donnees_invalides",
    "Données", "Le jeu de données configuré ne respecte pas le contrat d'export.", defaut=True,
)


def pages_disponibles() -> list[EntreePage]:
    """Les entrées du catalogue dont le fichier existe (relu à chaque appel)."""
    return [p for p in CATALOGUE if p.existe()]


def entree(fichier: str) -> EntreePage | None:
    """L'entrée d'un fichier de page (``"pages/budget.py"``), ou ``None``."""
    for p in [*CATALOGUE, PAGE_DONNEES_INVALIDES]:
        if p.fichier == fichier:
            return p
    return None


def _verifier(pages: list[EntreePage]) -> None:
    urls = [p.url_path for p in pages]
    if len(set(urls)) != len(urls):
        raise ValueError(f"url_path en double dans PAGES : {urls}")
    for p in pages:
        if p.section not in SECTIONS:
            raise ValueError(f"Section inconnue pour {p.fichier} : {p.section!r}")


def construire_navigation(donnees_valides: bool = True, *, transitoire: bool = False):
    """Construit ``st.navigation`` (par sections) ; rend la page choisie, à exécuter par ``.run()``."""
    import streamlit as st

    if not donnees_valides:
        # La page d'erreurs, et la page Données : on doit toujours pouvoir y remettre en service une
        # version valide (ou importer un jeu corrigé), même quand le jeu en service est illisible.
        p = PAGE_DONNEES_INVALIDES
        # Panne passagère du contrôle : pas un verdict sur les données, la page ne s'appelle pas
        # « Données non conformes ».
        titre, icone = ("Contrôle impossible", ":material/sync_problem:") if transitoire else (p.titre, p.icone)
        pages = [st.Page(str(p.chemin), title=titre, icon=icone, url_path=p.url_path, default=True)]
        donnees = entree("pages/donnees.py")
        if donnees is not None and donnees.existe():
            pages.append(st.Page(str(donnees.chemin), title=donnees.titre, icon=donnees.icone,
                                 url_path=donnees.url_path, help=donnees.aide or None))
        return st.navigation(pages, position="sidebar")

    pages = pages_disponibles()
    _verifier(pages)
    par_section: dict[str, list] = {s: [] for s in SECTIONS}
    for p in pages:
        par_section[p.section].append(
            st.Page(str(p.chemin), title=p.titre, icon=p.icone, url_path=p.url_path, default=p.defaut,
                    help=p.aide or None)
        )
    return st.navigation({s: l for s, l in par_section.items() if l}, position="sidebar", expanded=True)


def lien_page(fichier: str, libelle: str | None = None, *, icone: str | None = None,
              aide: str | None = None, largeur: str = "content") -> bool:
    """``st.page_link`` vers une page du catalogue si son fichier existe ; sinon rien.

    Rend ``True`` si le lien a été affiché. Les filtres partagés (année, région) suivent
    automatiquement : ils sont liés à l'URL par le point d'entrée.
    """
    import streamlit as st

    p = entree(fichier)
    if p is None or not p.existe():
        return False
    st.page_link(str(p.chemin), label=libelle or p.titre, icon=icone or p.icone, help=aide or p.aide or None,
                 width=largeur)
    return True
