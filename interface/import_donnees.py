"""Briques Streamlit de l'import et de la remise en service d'une version (page « Données ») : réglage du
déploiement, personne connectée, rappels des boutons, compte rendu gardé dans la session.

L'import est dans ``donnees/import_securise.py``, les versions dans ``donnees/versions.py``, les textes
dans ``presentation/donnees.py``. L'import n'est proposé que si le déploiement l'autorise
(``TDB_IMPORT_AUTORISE=1`` ou ``import_autorise = true`` dans les secrets Streamlit) : sinon n'importe qui
pouvant ouvrir le tableau de bord pourrait en remplacer les données.

Les imports et la remise en service s'exécutent dans le rappel (``on_click``) du bouton, avant
l'exécution de l'application : le point d'entrée lit alors directement la nouvelle version en service, et
le clic n'est pas perdu si l'exécution est relancée (``interface/garde.py``). Chaque rappel reçoit
l'identifiant de la version que montrait la page (``attendue``) : il ne fait rien si une autre a été mise
en service entre-temps (par une autre personne, ou une autre réplique), et le compte rendu le dit.

Un import dont le jeu ne couvre pas la même zone que le jeu en service (un jeu d'une région à la place du
jeu national, ou l'inverse : ``requetes.couverture``) est arrêté tant que la personne ne l'a pas confirmé
(``controle_couverture``, case ``case_confirmation``) : la page dit ce que couvre chacun des deux jeux.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from donnees import import_securise, versions
from presentation import donnees as P
from requetes import jeu as module_jeu

CLE_COMPTE_RENDU = "donnees_compte_rendu"
CLE_COMPTEUR = "donnees_compteur_televersement"
CLE_AUTEUR = "donnees_auteur_memorise"


def dossier_initial() -> Path:
    """Le dossier initial (``TDB_DONNEES`` ou la démonstration), tel que le définit requetes/jeu.py."""
    fonction = getattr(module_jeu, "dossier_initial", module_jeu.dossier_par_defaut)
    return Path(fonction())


def import_autorise() -> bool:
    """Réglage du déploiement : la variable TDB_IMPORT_AUTORISE, sinon le secret ``import_autorise``."""
    if os.environ.get("TDB_IMPORT_AUTORISE", "").strip():
        return import_securise.import_autorise_env()
    try:
        valeur = st.secrets.get("import_autorise", False)
    except Exception:  # pas de fichier de secrets : réglage absent, donc désactivé
        return False
    return str(valeur).strip().lower() in import_securise.VALEURS_VRAIES


RAISON_NON_ADMINISTRATEUR = "réservé aux administrateurs du fichier d'accès"


def _perimetre():
    from requetes import perimetre

    return perimetre.courant()


def administrateur() -> bool:
    """La session peut importer et remettre une version en service : mode local (sans fichier d'accès), ou
    identité marquée ``administrateur = true`` dans le fichier d'accès (TDB_ACCES)."""
    from donnees import habilitations

    p = _perimetre()
    if p is None:  # pas de périmètre posé : permis seulement sans fichier d'accès
        return not habilitations.fichier_configure()
    return p.peut_administrer


def utilisateur_connecte() -> str:
    """Identité authentifiée de la session (adresse du fichier d'accès), sinon celle que donne Streamlit si
    l'authentification est configurée sans fichier d'accès ; vide en mode local."""
    p = _perimetre()
    if p is not None and p.identite:
        return p.identite
    try:
        if st.user.get("is_logged_in"):
            return str(st.user.get("email") or st.user.get("name") or "")
    except Exception:  # authentification non configurée
        pass
    return ""


def _refuser(racine: Path, action: str) -> bool:
    """Refuse (et note au journal, avec qui et quand) une action d'administration demandée par une session
    qui n'y a pas droit — un bouton caché ne suffit pas : le rappel peut être appelé autrement. Rend True
    si l'action est refusée."""
    if administrateur():
        return False
    par = utilisateur_connecte() or "identité inconnue"
    versions.journaliser_refus(racine, par=par, action=action, raison=RAISON_NON_ADMINISTRATEUR)
    st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_refus(action, par)
    return True


def nom_saisi(auteur_connecte: str) -> str:
    """Nom à proposer dans le champ « Votre nom » : la personne connectée, sinon le dernier nom saisi, gardé
    hors du widget (Streamlit oublie la valeur d'un widget quand on change de page)."""
    return auteur_connecte or st.session_state.get(CLE_AUTEUR, "")


def memoriser_nom(nom: str) -> None:
    st.session_state[CLE_AUTEUR] = nom


def cle_televersement() -> str:
    """Clé du sélecteur de fichiers : elle change après un import accepté, pour un sélecteur vide."""
    return f"donnees_fichiers_{st.session_state.get(CLE_COMPTEUR, 0)}"


def _auteur() -> str:
    return (utilisateur_connecte() or str(st.session_state.get("donnees_auteur") or "")).strip()


def _commentaire() -> str:
    return str(st.session_state.get("donnees_commentaire") or "").strip()


def importer_televersements(cle_fichiers: str, racine: Path, base: Path,
                            limites: import_securise.Limites, attendue: str | None) -> None:
    """Rappel du bouton d'import des fichiers téléversés."""
    if _refuser(racine, "import"):
        return
    fichiers = st.session_state.get(cle_fichiers) or []
    with st.spinner("Contrôle des fichiers reçus…"):
        resultat = import_securise.importer_televersements(
            racine, [(f.name, f) for f in fichiers], auteur=_auteur(), commentaire=_commentaire(), base=base,
            limites=limites, attendue=attendue, controle=controle_couverture(couverture_en_service()))
    st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_import(resultat)
    _apres_import(resultat)
    if resultat.accepte:  # un nouveau sélecteur de fichiers, vide
        st.session_state[CLE_COMPTEUR] = st.session_state.get(CLE_COMPTEUR, 0) + 1


def importer_dossier(cle_dossier: str, racine: Path, base: Path, autorises: list[Path],
                     limites: import_securise.Limites, attendue: str | None) -> None:
    """Rappel du bouton d'import d'un dossier du serveur."""
    if _refuser(racine, "import"):
        return
    choisi = st.session_state.get(cle_dossier)
    if choisi is None:
        return
    with st.spinner("Contrôle du dossier…"):
        resultat = import_securise.importer_dossier(
            racine, choisi, auteur=_auteur(), commentaire=_commentaire(), base=base, autorises=autorises,
            limites=limites, attendue=attendue, controle=controle_couverture(couverture_en_service()))
    st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_import(resultat)
    _apres_import(resultat)


def remettre_en_service(cle_version: str, par_libelle: dict[str, str], racine: Path, base: Path,
                        attendue: str | None) -> None:
    """Rappel du bouton de remise en service de la version choisie."""
    if _refuser(racine, "remise_en_service"):
        return
    cible = par_libelle.get(st.session_state.get(cle_version))
    if _retour_refuse(racine, cible):
        return
    try:
        v = versions.remettre_en_service(racine, str(cible), auteur=_auteur(), base=base, attendue=attendue)
    except (KeyError, ValueError) as exc:
        st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_retour(erreur=exc)
    else:
        st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_retour(v)
        st.session_state.pop(CLE_A_CONFIRMER, None)
        st.session_state[CLE_CONFIRMATION] = False


def afficher_compte_rendu(lieu: str) -> None:
    """Le compte rendu du dernier import (``lieu="import"``) ou de la dernière remise en service
    (``"retour"``), gardé dans la session, affiché sous le bouton qui l'a produit."""
    compte_rendu = st.session_state.get(CLE_COMPTE_RENDU)
    if not compte_rendu or compte_rendu.get("lieu") != lieu:
        return
    if compte_rendu["accepte"]:
        st.success(compte_rendu["resume"], title=compte_rendu["titre"], icon=":material/check_circle:")
    else:
        st.error(compte_rendu["resume"], title=compte_rendu["titre"], icon=":material/block:")
        st.markdown(P.puces(compte_rendu["erreurs"][:P.MAX_MESSAGES]))
        if suite := P.reste(len(compte_rendu["erreurs"]), "erreurs"):
            st.caption(suite)
    if compte_rendu.get("reprises"):
        st.info("Tables absentes de l'import, reprises de la version en service : "
                f"{compte_rendu['reprises']}.", icon=":material/content_copy:")
    if compte_rendu.get("avertissements"):
        with st.expander(P.titre_avertissements_import(len(compte_rendu["avertissements"]))):
            st.markdown(P.puces(compte_rendu["avertissements"][:P.MAX_MESSAGES]))


# --------------------------------------------------------------------------------------------------
# Couverture du jeu : un import qui la change demande une confirmation
# --------------------------------------------------------------------------------------------------

CLE_CONFIRMATION = "donnees_confirmer_couverture"  # la case à cocher
CLE_A_CONFIRMER = "donnees_couverture_a_confirmer"  # (couverture proposée, phrase, lieu) du dernier refus


def _cle(c) -> tuple:
    return (c.national, c.regions, c.departements)


def couverture_en_service():
    """La couverture du jeu que montrait la page (``requetes.couverture``), None s'il n'était pas valide. Lue
    dans la session : les rappels des boutons s'exécutent avant le script."""
    from interface import chargement

    return chargement.couverture_affichee()


def texte_couverture() -> str | None:
    """« Ce jeu couvre : Bretagne. » pour le jeu en service (None s'il n'est pas valide)."""
    from presentation import couverture as mots

    c = couverture_en_service()
    return None if c is None else mots.phrase(c)


def controle_couverture(avant, lieu: str = "import"):
    """Le contrôle passé à l'import (``import_securise``, ``controle``) : il lit la couverture du jeu assemblé
    et, si elle diffère de ``avant`` (celle du jeu en service), refuse l'import (« couverture_changee ») tant
    que la personne n'a pas coché la case de confirmation **pour cette couverture-là** — vérifié ici, dans le
    rappel du bouton, pas seulement à l'écran. Un jeu national remplacé par un jeu d'une région ne fait donc
    jamais, en silence, du tableau de bord celui de cette région. ``lieu`` : « import » ou « retour » (remise
    en service d'une version) ; une confirmation ne vaut que là où elle a été donnée."""
    from donnees.valider import ERREUR, Anomalie
    from presentation import couverture as mots
    from requetes.couverture import couverture
    from requetes.jeu import JeuDeDonnees

    def controle(dossier: Path) -> list:
        apres = couverture(JeuDeDonnees(dossier))
        changement = mots.comparer(avant, apres)
        if changement is None:
            return []
        attendue = st.session_state.get(CLE_A_CONFIRMER)
        if st.session_state.get(CLE_CONFIRMATION) and attendue is not None and attendue[0] == _cle(apres) \
                and attendue[2] == lieu:
            return []
        st.session_state[CLE_A_CONFIRMER] = (_cle(apres), changement, lieu)
        st.session_state[CLE_CONFIRMATION] = False
        return [Anomalie(ERREUR, None, None, "couverture_changee",
                         f"{changement} Confirmez ce changement de couverture pour mettre la nouvelle version en "
                         "service ; sans confirmation, rien ne change.")]

    return controle


def _apres_import(resultat) -> None:
    """Après un import accepté, la confirmation ne vaut plus : elle ne servira pas à un autre import."""
    if resultat.accepte:
        st.session_state.pop(CLE_A_CONFIRMER, None)
        st.session_state[CLE_CONFIRMATION] = False


def _retour_refuse(racine: Path, cible) -> bool:
    """Remise en service d'une version qui ne couvre pas la même zone, non confirmée : compte rendu du refus,
    rend True (rien n'est fait)."""
    try:
        dossier = versions.lire_version(racine, str(cible)).dossier
    except (KeyError, ValueError, OSError):
        return False  # versions.remettre_en_service dira pourquoi
    anomalies = controle_couverture(couverture_en_service(), "retour")(dossier)
    if not anomalies:
        return False
    st.session_state[CLE_COMPTE_RENDU] = P.compte_rendu_retour(erreur=anomalies[0].message)
    return True


def case_confirmation(lieu: str = "import") -> None:
    """La case de confirmation, affichée quand le dernier import (ou la dernière remise en service : ``lieu``)
    a été arrêté par un changement de couverture : elle rappelle ce qui change."""
    a_confirmer = st.session_state.get(CLE_A_CONFIRMER)
    if a_confirmer is None or a_confirmer[2] != lieu:
        return
    from presentation.format import echapper_markdown

    st.warning(echapper_markdown(a_confirmer[1]), icon=":material/crop_free:")
    st.checkbox("Je confirme : mettre en service la nouvelle version, avec cette couverture", key=CLE_CONFIRMATION)
