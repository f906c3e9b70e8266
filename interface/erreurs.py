"""Présentation en français d'un jeu de données invalide (jamais de trace d'exécution)."""

from __future__ import annotations

import re
from pathlib import PurePath

import polars as pl
import streamlit as st

from interface.chargement import EtatJeu, ProblemeChargement
from presentation import format as fmt

MAX_DETAILLES = 30


def texte_lignes(p: ProblemeChargement) -> str:
    """« lignes 3, 7, 9 et 12 autres » (numéros de ligne à partir de 1), ou « »."""
    if not p.lignes:
        return ""
    liste = ", ".join(fmt.nombre(n) for n in p.lignes)
    texte = f"ligne {liste}" if len(p.lignes) == 1 and not p.nb_autres else f"lignes {liste}"
    if p.nb_autres:
        texte += f" et {fmt.nombre(p.nb_autres)} autre{'s' if p.nb_autres > 1 else ''}"
    return texte


def texte_probleme(p: ProblemeChargement) -> str:
    """Le message du validateur tel quel (il nomme déjà fichier, colonne, lignes et attendu) ; le nom
    du fichier et les lignes ne sont ajoutés que s'il ne les cite pas. En Markdown : le message, qui cite
    des valeurs lues dans les fichiers, et le nom du fichier sont échappés (affichés tels quels)."""
    texte = fmt.echapper_markdown(p.message)
    if p.fichier and p.fichier not in p.message:
        texte = f"**{fmt.echapper_markdown(p.fichier)}** — {texte}"
    lignes = texte_lignes(p)
    if lignes and "ligne" not in p.message:
        texte += f" ({lignes})"
    return texte


def _code(texte) -> str:
    """``texte`` en code Markdown (`…`), affiché tel quel : délimité par une rangée d'accents graves plus
    longue que toutes celles qu'il contient, sur une seule ligne."""
    texte = " ".join(str(texte).splitlines())
    delimiteur = "`" * (max((len(r) for r in re.findall(r"`+", texte)), default=0) + 1)
    marge = " " if texte.startswith("`") or texte.endswith("`") else ""
    return f"{delimiteur}{marge}{texte}{marge}{delimiteur}"


def tableau_problemes(problemes: tuple[ProblemeChargement, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Fichier": [p.fichier or "" for p in problemes],
            "Colonne": [p.colonne or "" for p in problemes],
            "Règle": [p.regle for p in problemes],
            "Message": [p.message for p in problemes],
            "Lignes": [texte_lignes(p) for p in problemes],
        },
        schema={"Fichier": pl.Utf8, "Colonne": pl.Utf8, "Règle": pl.Utf8, "Message": pl.Utf8, "Lignes": pl.Utf8},
    )


def afficher_rapport_invalide(etat: EtatJeu) -> None:
    st.title("Le jeu de données ne peut pas être chargé", anchor=False)
    n = len(etat.erreurs)
    source = ("Le jeu de démonstration" if etat.demo
              else f"Le dossier « {fmt.dossier_montre(etat.dossier)} »")
    st.error(
        f"{source} ne respecte pas le contrat d'export (version {etat.version_contrat}) : "
        f"{fmt.nombre(n)} erreur{'s' if n > 1 else ''}. Le tableau de bord ne l'affiche pas tant qu'elle"
        f"{'s ne sont' if n > 1 else ' n’est'} pas corrigée{'s' if n > 1 else ''}.",
        icon=":material/error:",
        title="Données non conformes",
    )
    st.subheader("Erreurs", anchor=False)
    st.markdown("\n".join(f"- {texte_probleme(p)}" for p in etat.erreurs[:MAX_DETAILLES]))
    if n > MAX_DETAILLES:
        st.caption(f"Les {fmt.nombre(n - MAX_DETAILLES)} autres erreurs figurent dans le tableau ci-dessous.")
        st.dataframe(tableau_problemes(etat.erreurs), hide_index=True, alt="Liste complète des erreurs")
    if etat.avertissements:
        with st.expander(f"Avertissements ({fmt.nombre(len(etat.avertissements))})"):
            st.markdown("\n".join(f"- {texte_probleme(p)}" for p in etat.avertissements[:MAX_DETAILLES]))
            if len(etat.avertissements) > MAX_DETAILLES:
                st.dataframe(tableau_problemes(etat.avertissements), hide_index=True,
                             alt="Liste complète des avertissements")
    st.subheader("Que faire ?", anchor=False)
    conseils = [
        "Corriger les fichiers signalés (nom de colonne, type, valeurs permises, codes géographiques) "
        "puis recharger la page : le contrôle est refait dès qu'un fichier change.",
        "Le contrat d'export est décrit dans `docs/contrat-donnees.md`.",
        "Contrôle en ligne de commande, sur le serveur : "
        f"{_code('python -m donnees.valider DOSSIER')} (le dossier de la variable `TDB_DONNEES`).",
    ]
    if etat.demo:
        conseils.append("Pour régénérer le jeu de démonstration, supprimer son dossier sur le serveur "
                        f"({_code('donnees_locales/' + PurePath(str(etat.dossier)).name)}).")
    else:
        conseils.append("Sans la variable d'environnement `TDB_DONNEES`, l'application utilise le jeu de "
                        "démonstration.")
    st.markdown("\n".join(f"- {c}" for c in conseils))
