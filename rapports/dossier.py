"""Dossier de séance PDF d'un territoire pour une année : construction et commande sans navigateur.

    python -m rapports.dossier --annee 2025 [--region CODE | --departement CODE | --ml CODE] --sortie FICHIER.pdf
    python -m rapports.dossier --annee 2025 --toutes-regions DOSSIER

Sans territoire : la France entière. ``--toutes-regions`` écrit un dossier par région du jeu
(``dossier_seance_2025_region_53.pdf``…), avec un seul Chromium pour tous les graphiques. Le jeu lu est
celui du tableau de bord (version en service, sinon ``TDB_DONNEES``, sinon le jeu de démonstration), ou
``--donnees DOSSIER``. Le périmètre est celui d'une identité du fichier d'accès (``--identite ADRESSE``,
fichier nommé par ``TDB_ACCES``) ; sans fichier d'accès, le mode local (tout).

Rendu : contenu rassemblé par ``rapports.contenu`` (registre des indicateurs, modules de
``presentation``), graphiques Plotly en SVG par Kaleido (``rapports.graphiques``), carte dessinée depuis
les contours du projet (``rapports.carte``), gabarit HTML et CSS (Jinja2, ``rapports/gabarit``) mis en
page par WeasyPrint : PDF/A-2a (archivable et balisé pour l'accessibilité), polices embarquées.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from donnees.habilitations import Perimetre
from rapports import contenu as K
from rapports import graphiques
from requetes import perimetre as P_perimetre
from requetes.jeu import JeuDeDonnees

DOSSIER_GABARIT = Path(__file__).resolve().parent / "gabarit"
VARIANTE_PDF = "pdf/a-2a"  # PDF/A-2, niveau A : archivable, balisé (structure, textes de remplacement)

Progression = Callable[[float, str], None]


def _environnement():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(DOSSIER_GABARIT), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["image"] = lambda svg: "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode()
    return env


def html_du_dossier(d: K.Dossier) -> str:
    """Le HTML du dossier (gabarit ``dossier.html``)."""
    titre = f"Dossier de séance — {d.territoire.libelle} — {d.annee}"
    return _environnement().get_template("dossier.html").render(
        d=d, titre=titre, cree_le=datetime.now().astimezone().isoformat(timespec="seconds"),
        description=(f"Partenariat renforcé France Travail – Missions Locales : {d.territoire.libelle}, année "
                     f"{d.annee}. Document de travail."))


def pdf_du_html(html: str) -> bytes:
    """Mise en page par WeasyPrint : PDF/A-2a, balisé, polices embarquées (sous-ensembles)."""
    from weasyprint import CSS, HTML

    feuille = CSS(filename=str(DOSSIER_GABARIT / "dossier.css"))
    document = HTML(string=html, base_url=str(DOSSIER_GABARIT) + "/")
    return document.write_pdf(stylesheets=[feuille], pdf_variant=VARIANTE_PDF, pdf_tags=True,
                              custom_metadata=True, uncompressed_pdf=False)


def _dessiner_figures(dossiers: list[K.Dossier]) -> None:
    figures = [f for d in dossiers for f in d.figures]
    for f, svg in zip(figures, graphiques.exporter([f.demande for f in figures])):
        f.svg = svg


def rassembler(jeu: JeuDeDonnees, annee: int, niveau: str = "nationale", code: str | None = None,
               perimetre: Perimetre | None = None, progression: Progression | None = None) -> K.Dossier:
    """Le contenu du dossier, lu dans le périmètre ``perimetre`` (None : aucun filtre, mode local)."""
    with P_perimetre.actif(perimetre):
        return K.rassembler(jeu, annee, niveau, code, perimetre, progression)


def construire(jeu: JeuDeDonnees, annee: int, niveau: str = "nationale", code: str | None = None,
               perimetre: Perimetre | None = None, progression: Progression | None = None) -> bytes:
    """Le PDF du dossier de séance d'un territoire (``niveau`` : nationale, region, departement, ml)."""
    def dire(fraction: float, texte: str) -> None:
        if progression is not None:
            progression(min(max(fraction, 0.0), 1.0), texte)

    d = rassembler(jeu, annee, niveau, code, perimetre, lambda f, t: dire(0.7 * f, t))
    dire(0.72, "Dessin des graphiques (Kaleido)…")
    _dessiner_figures([d])
    dire(0.85, "Mise en page du PDF (WeasyPrint)…")
    pdf = pdf_du_html(html_du_dossier(d))
    dire(1.0, "Dossier prêt.")
    return pdf


def nom_fichier(annee: int, niveau: str, code: str | None) -> str:
    return f"dossier_seance_{annee}_{'france' if niveau == 'nationale' else f'{niveau}_{code}'}.pdf"


def construire_plusieurs(jeu: JeuDeDonnees, annee: int, territoires: list[tuple[str, str | None]],
                         perimetre: Perimetre | None = None,
                         progression: Progression | None = None) -> list[tuple[tuple[str, str | None], bytes]]:
    """Plusieurs dossiers d'un coup : contenus, puis tous les graphiques dans un seul Chromium, puis les PDF."""
    dossiers = []
    for k, (niveau, code) in enumerate(territoires):
        if progression:
            progression(0.5 * k / max(len(territoires), 1), f"Calcul du dossier {niveau} {code or 'France'}…")
        dossiers.append(rassembler(jeu, annee, niveau, code, perimetre))
    if progression:
        progression(0.5, "Dessin des graphiques (Kaleido)…")
    _dessiner_figures(dossiers)
    resultats = []
    for k, (t, d) in enumerate(zip(territoires, dossiers)):
        if progression:
            progression(0.6 + 0.4 * k / max(len(territoires), 1), f"Mise en page : {d.territoire.libelle}…")
        resultats.append((t, pdf_du_html(html_du_dossier(d))))
    return resultats


# --------------------------------------------------------------------------------------------------
# Commande


def _perimetre(identite: str | None) -> Perimetre | None:
    """Le périmètre de ``identite`` dans le fichier d'accès (``TDB_ACCES``) ; sans fichier, le mode local."""
    from donnees import habilitations

    acces = habilitations.depuis_environnement()
    if acces is None:
        return habilitations.PERIMETRE_LOCAL
    if not identite:
        raise SystemExit("Un fichier d'accès est en service (TDB_ACCES) : dites pour qui est le dossier "
                         "(--identite ADRESSE).")
    p = acces.perimetre_de(identite)
    if p is None:
        raise SystemExit(f"Identité absente du fichier d'accès : {identite}.")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rapports.dossier",
                                     description="Dossier de séance PDF d'un territoire pour une année.")
    parser.add_argument("--annee", type=int, required=True, help="année du dossier (ex. 2025)")
    lieu = parser.add_mutually_exclusive_group()
    lieu.add_argument("--region", metavar="CODE", help="code de la région (ex. 53)")
    lieu.add_argument("--departement", metavar="CODE", help="code du département (ex. 29)")
    lieu.add_argument("--ml", metavar="CODE", help="code de la Mission Locale")
    lieu.add_argument("--toutes-regions", metavar="DOSSIER", type=Path,
                      help="un dossier par région du jeu, écrits dans DOSSIER")
    parser.add_argument("--sortie", type=Path, help="fichier PDF à écrire (un seul territoire)")
    parser.add_argument("--donnees", type=Path, help="dossier d'exports à lire (par défaut : celui du tableau de bord)")
    parser.add_argument("--identite", help="adresse de la personne pour qui est le dossier (fichier d'accès)")
    args = parser.parse_args(argv)
    if args.toutes_regions is None and args.sortie is None:
        parser.error("--sortie FICHIER.pdf est obligatoire (ou --toutes-regions DOSSIER)")

    from requetes.jeu import dossier_par_defaut

    debut = time.perf_counter()
    jeu = JeuDeDonnees(args.donnees or dossier_par_defaut())
    perimetre = _perimetre(args.identite)

    def dire(fraction: float, texte: str) -> None:
        print(f"[{100 * fraction:3.0f} %] {texte}", file=sys.stderr)

    try:
        if args.toutes_regions is not None:
            from requetes import indicateurs

            with P_perimetre.actif(perimetre):
                codes = indicateurs.regions(jeu)["code_region"].to_list()
            args.toutes_regions.mkdir(parents=True, exist_ok=True)
            resultats = construire_plusieurs(jeu, args.annee, [("region", c) for c in codes], perimetre, dire)
            for (niveau, code), pdf in resultats:
                chemin = args.toutes_regions / nom_fichier(args.annee, niveau, code)
                chemin.write_bytes(pdf)
                print(chemin)
        else:
            niveau, code = ("region", args.region) if args.region else ("departement", args.departement) \
                if args.departement else ("ml", args.ml) if args.ml else ("nationale", None)
            pdf = construire(jeu, args.annee, niveau, code, perimetre, dire)
            args.sortie.parent.mkdir(parents=True, exist_ok=True)
            args.sortie.write_bytes(pdf)
            print(args.sortie)
    except (K.TerritoireInconnu, P_perimetre.HorsPerimetre) as exc:
        print(f"Dossier impossible : {exc}", file=sys.stderr)
        return 1
    print(f"Terminé en {time.perf_counter() - debut:.1f} s.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
