"""Brique « Dossier de séance (PDF) » : un bouton qui construit le dossier du territoire et de l'année
affichés (``rapports.dossier.construire``), avec sa progression en mots, puis le bouton qui le télécharge.

Le dossier est construit dans le périmètre de la session (``requetes.perimetre.courant()``) : il ne
contient que ce que la personne connectée peut voir. Il est gardé dans la session (le dernier construit,
pour ses filtres) : changer d'année ou de territoire demande un nouveau dossier.
"""

from __future__ import annotations

import streamlit as st

from interface import chargement
from presentation import format as fmt

_CLE_SESSION = "_tdb_dossier_seance"
_CLE_DEMANDE = "_tdb_dossier_seance_demande"
LIBELLE = "Dossier de séance (PDF)"
AIDE = ("Le document de la réunion pour ce territoire et cette année : chiffres clés et évolution sur un an, "
        "enveloppe et rapprochement, accords locaux, orientations, carte et liste des alertes, comparaison, "
        "définitions et sources. PDF à imprimer ou à envoyer, limité à votre périmètre.")


def _demander(identifiant: tuple) -> None:
    """Rappel du bouton : la demande est notée dans la session, le script la lit puis l'efface (la valeur
    rendue par ``st.button`` ne survit pas à la réexécution que fait le point d'entrée)."""
    st.session_state[_CLE_DEMANDE] = identifiant


def _nom_territoire(niveau: str, nom: str | None) -> str:
    return "France entière" if niveau == "nationale" else (nom or "")


def bouton(annee: int, niveau: str, code: str | None, nom: str | None = None, *, cle: str) -> None:
    """Le bouton qui construit le dossier de ``niveau`` (nationale, region, departement, ml) ``code`` pour
    ``annee``, puis le bouton de téléchargement. ``cle`` : préfixe des clés des widgets."""
    from rapports import dossier as D
    from requetes import perimetre as P

    perimetre = P.courant()
    identifiant = (annee, niveau, code, None if perimetre is None else (perimetre.profil, perimetre.code))
    colonne_bouton, colonne_pdf = st.columns([1, 2], vertical_alignment="center")
    colonne_bouton.button(LIBELLE, key=f"{cle}_construire", icon=":material/picture_as_pdf:", help=AIDE,
                          on_click=_demander, args=(identifiant,))
    demande = st.session_state.pop(_CLE_DEMANDE, None) == identifiant
    deja = st.session_state.get(_CLE_SESSION)
    pret = deja is not None and deja[0] == identifiant
    if demande:
        zone = st.empty()
        barre = zone.progress(0.0, text="Préparation du dossier de séance…")

        def progression(fraction: float, texte: str) -> None:
            barre.progress(min(max(float(fraction), 0.0), 1.0), text=texte)

        try:
            pdf = D.construire(chargement.jeu(), annee, niveau, code, perimetre, progression)
        except (P.HorsPerimetre, D.K.TerritoireInconnu) as exc:
            zone.empty()
            st.warning(f"Dossier impossible : {fmt.echapper_markdown(str(exc))}. Un dossier porte sur un "
                       "territoire de votre périmètre (votre région, un de ses départements ou une de ses "
                       "Missions Locales ; votre Mission Locale).", icon=":material/block:")
            return
        except OSError as exc:  # bibliothèque système absente (Pango pour WeasyPrint)
            zone.empty()
            st.error("Le dossier n'a pas pu être mis en page : une bibliothèque du serveur manque "
                     f"({fmt.echapper_markdown(str(exc))}). L'administrateur l'installe par "
                     "« bash scripts/lancer.sh » (paquets Debian libpango-1.0-0 et chromium).",
                     icon=":material/error:")
            return
        zone.empty()
        st.session_state[_CLE_SESSION] = (identifiant, pdf)
        pret = True
    if pret:
        pdf = st.session_state[_CLE_SESSION][1]
        libelle = (f"Télécharger le dossier — {fmt.echapper_markdown(_nom_territoire(niveau, nom))}, {annee} "
                   f"({fmt.nombre(len(pdf) / 1024)} Ko)")
        colonne_pdf.download_button(
            libelle,
            data=pdf, file_name=D.nom_fichier(annee, niveau, code), mime="application/pdf",
            key=f"{cle}_telecharger", icon=":material/download:", on_click="ignore")
