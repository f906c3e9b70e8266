"""Pied de page commun : quel jeu de données est affiché, sa période, sa version de contrat."""

from __future__ import annotations

import streamlit as st

from interface.chargement import EtatJeu, couverture_du_jeu
from presentation import couverture as mots_couverture
from presentation import format as fmt


def _version(etat: EtatJeu):
    """La version importée que le tableau de bord lit, s'il en lit une (magasin ``TDB_VERSIONS``)."""
    from donnees import versions

    try:
        return versions.version_du_dossier(versions.racine_par_defaut(), etat.dossier)
    except (OSError, ValueError):
        return None


def texte_pied(etat: EtatJeu, couverture=None) -> str:
    """Texte du pied de page (sans Streamlit : testé à part). Le dossier et l'origine d'une version (nom
    de l'archive téléversée, chemin) sont échappés : Markdown les affiche tels quels. ``couverture`` : le
    périmètre du jeu (``requetes.couverture``), nommé après la source."""
    version = None if etat.demo else _version(etat)
    if etat.demo:
        source = "Jeu de démonstration (données fictives générées par l'application)"
    elif version is not None:
        source = (f"Version {version.numero} importée le {version.cree_le.strftime('%d/%m/%Y')} "
                  f"({fmt.echapper_markdown(version.libelle_source)})")
    else:
        source = f"Exports du dossier « {fmt.dossier_montre(etat.dossier)} »"
    morceaux = [f"**Données** : {source}"]
    if couverture is not None:
        morceaux.append(f"**Couverture** : {mots_couverture.libelle(couverture)}"
                        + ("" if couverture.national else " (jeu partiel)"))
    if etat.periode:
        morceaux.append(f"**Période** : {fmt.periode(*etat.periode)}")
    if etat.valide:
        morceaux.append(f"**Contrat d'export** : version {etat.version_contrat}")
    else:
        morceaux.append("**Contrat d'export** : contrôle momentanément impossible (nouvel essai à l'affichage suivant)"
                        if etat.transitoire else
                        f"**Contrat d'export** : non respecté (version {etat.version_contrat} attendue)")
    if etat.avertissements:
        n = len(etat.avertissements)
        morceaux.append(f"{n} avertissement{'s' if n > 1 else ''} au chargement")
    return " · ".join(morceaux)


def afficher_pied(etat: EtatJeu) -> None:
    """Affiche le pied de page (appelé par le point d'entrée après la page)."""
    st.divider()
    st.caption(texte_pied(etat, couverture_du_jeu() if etat.valide else None))
    st.caption(
        "France Travail (ex-Pôle emploi) et Missions Locales — pilotage du partenariat renforcé "
        "(accord-cadre du 10 février 2015)."
    )
