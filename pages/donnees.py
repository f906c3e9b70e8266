"""Données : le jeu en service (origine, contrat, période, lignes, avertissements), l'import d'un nouveau
jeu d'exports (fichiers Parquet, archive zip ou dossier du serveur), l'historique des versions avec ce
qui change de l'une à l'autre, et la remise en service d'une version précédente.

Mise en page et widgets seulement : l'import est dans ``donnees/import_securise.py``, les versions
dans ``donnees/versions.py``. L'import n'est proposé que si le déploiement l'autorise
(``TDB_IMPORT_AUTORISE=1`` ou ``import_autorise = true`` dans les secrets Streamlit) : sinon
n'importe qui pouvant ouvrir le tableau de bord pourrait en remplacer les données.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import polars as pl
import streamlit as st
from babel.dates import format_datetime

from donnees import import_securise, versions
from donnees.contrat import NOMS_TABLES, TABLES
from interface import chargement
from interface.entete import entete
from presentation import format as fmt
from requetes import jeu as module_jeu

CLE_COMPTE_RENDU = "donnees_compte_rendu"
CLE_COMPTEUR = "donnees_compteur_televersement"
CLE_AUTEUR = "donnees_auteur_memorise"
MAX_MESSAGES = 30
FUSEAU = "Europe/Paris"


# --------------------------------------------------------------------------------------------------
# Réglages et petites aides de mise en forme
# --------------------------------------------------------------------------------------------------

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


def utilisateur_connecte() -> str:
    """Identité de la personne connectée, si l'authentification Streamlit est configurée."""
    try:
        if st.user.get("is_logged_in"):
            return str(st.user.get("email") or st.user.get("name") or "")
    except Exception:  # authentification non configurée
        pass
    return ""


def quand(moment: datetime | str | None) -> str:
    """« 28/11/2026 à 06:32 » à l'heure de Paris."""
    if not moment:
        return fmt.TIRET
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, "dd/MM/y 'à' HH:mm", tzinfo=FUSEAU, locale="fr_FR")


def libelle_version(v: versions.Version) -> str:
    return f"Version {v.numero} du {quand(v.cree_le)} — {v.libelle_source}"


def liste_fichiers(noms) -> str:
    return ", ".join(TABLES[n].fichier for n in noms)


def puces(messages: list[str]) -> str:
    """Liste Markdown de messages (du validateur, de l'import) : ils citent des valeurs et des noms de
    fichiers reçus, échappés pour s'afficher tels quels."""
    return "\n".join(f"- {fmt.echapper_markdown(m)}" for m in messages)


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
        st.markdown(puces(compte_rendu["erreurs"][:MAX_MESSAGES]))
        if len(compte_rendu["erreurs"]) > MAX_MESSAGES:
            st.caption(f"… et {fmt.nombre(len(compte_rendu['erreurs']) - MAX_MESSAGES)} autres erreurs.")
    if compte_rendu.get("reprises"):
        st.info("Tables absentes de l'import, reprises de la version en service : "
                f"{compte_rendu['reprises']}.", icon=":material/content_copy:")
    if compte_rendu.get("avertissements"):
        n = len(compte_rendu["avertissements"])
        with st.expander(f"Avertissements du contrôle de l'import ({fmt.nombre(n)})"):
            st.markdown(puces(compte_rendu["avertissements"][:MAX_MESSAGES]))


# --------------------------------------------------------------------------------------------------
# Contexte
# --------------------------------------------------------------------------------------------------

RACINE = versions.racine_par_defaut()
BASE = dossier_initial()
AUTORISE = import_autorise()
etat_jeu = chargement.etat_jeu()
en_service = versions.version_en_service(RACINE, BASE)
# La version que cette page montre : les boutons d'import et de remise en service la portent, et ne font
# rien si une autre a été mise en service entre-temps (par une autre personne, ou une autre réplique).
VUE = en_service.id if en_service is not None else None
toutes = versions.lister_versions(RACINE)
lue = versions.version_du_dossier(RACINE, etat_jeu.dossier)  # la version que lit l'application, s'il y en a une

entete("Données", "Jeu de données en service, import de nouveaux exports, historique des versions.",
       avec_filtres=False)

# --------------------------------------------------------------------------------------------------
# Le jeu en service
# --------------------------------------------------------------------------------------------------

st.subheader("Jeu de données en service", anchor=False)
if en_service is not None and lue is not None and lue.id != en_service.id:
    st.warning(f"Le magasin de versions désigne la version {en_service.numero}, mais l'application lit encore "
               f"la version {lue.numero} : la page suivante ouverte lira la version en service.",
               icon=":material/sync:")
elif en_service is not None and lue is None:
    st.warning(f"Le magasin de versions désigne la version {en_service.numero} ({en_service.id}), mais "
               f"l'application lit « {fmt.dossier_montre(etat_jeu.dossier)} » : elle n'est pas branchée sur le "
               "magasin de versions (voir requetes/jeu.py, dossier_par_defaut).", icon=":material/sync_problem:")

# Origine (nom de l'archive, chemin), auteur, commentaire et dossier viennent de l'import ou du réglage :
# échappés pour que Markdown les affiche tels quels.
if lue is not None:
    origine = fmt.echapper_markdown(libelle_version(lue))
    if lue.auteur:
        origine += f", par {fmt.echapper_markdown(lue.auteur)}"
    numero = f"n° {lue.numero}"
elif etat_jeu.demo:
    origine = "Jeu de démonstration (données fictives générées par l'application) ; aucun import encore fait"
    numero = "initiale"
else:
    origine = (f"Dossier initial « {fmt.dossier_montre(etat_jeu.dossier)} » (réglage TDB_DONNEES) ; aucun "
               "import encore fait")
    numero = "initiale"
periode = fmt.periode(*etat_jeu.periode) if etat_jeu.periode else fmt.TIRET
st.markdown(f"**Origine** : {origine}.  \n**Période couverte** : {periode} (premier et dernier mois des "
            "orientations et de l'activité).")
if lue is not None and lue.commentaire:
    st.caption(f"Commentaire : {fmt.echapper_markdown(lue.commentaire)}")

total_lignes = sum(etat_jeu.lignes.values()) if etat_jeu.lignes else None
colonnes = st.columns(4)
colonnes[0].metric("Version", numero, help="Numéro de la version en service dans l'historique ci-dessous.")
colonnes[1].metric("Contrat d'export", f"version {etat_jeu.version_contrat}",
                   help="Version du contrat des exports que le jeu respecte (docs/contrat-donnees.md).")
colonnes[2].metric("Lignes lues", fmt.nombre(total_lignes) if total_lignes is not None else fmt.TIRET,
                   help="Total des lignes des dix fichiers du contrat.")
colonnes[3].metric("Avertissements", fmt.nombre(len(etat_jeu.avertissements)),
                   help="Constats du contrôle qui n'empêchent pas le chargement (trous de couverture, écarts "
                        "au forfait…) : voir la liste sous le tableau.")

origines = {}
if lue is not None:
    for nom, f in (lue.manifeste.get("fichiers") or {}).items():
        origines[nom] = "importé" if f.get("origine") == "import" else f.get("origine", "")
tableau_lignes = pl.DataFrame(
    {
        "Fichier": [TABLES[n].fichier for n in NOMS_TABLES],
        "Contenu": [TABLES[n].description for n in NOMS_TABLES],
        "Lignes": [fmt.nombre(etat_jeu.lignes[n]) if n in etat_jeu.lignes else fmt.TIRET for n in NOMS_TABLES],
        "Origine dans cette version": [origines.get(n, "dossier initial" if lue is None else "") for n in NOMS_TABLES],
    },
    schema={"Fichier": pl.Utf8, "Contenu": pl.Utf8, "Lignes": pl.Utf8, "Origine dans cette version": pl.Utf8},
)
st.dataframe(tableau_lignes, hide_index=True, key="donnees_lignes",
             alt="Nombre de lignes de chaque fichier du jeu en service")

n_avert = len(etat_jeu.avertissements)
if n_avert:
    with st.expander(f"Avertissements du contrôle ({fmt.nombre(n_avert)}) : le jeu est chargé, mais à lire",
                     icon=":material/warning:"):
        st.markdown(puces([p.message for p in etat_jeu.avertissements[:MAX_MESSAGES]]))
        if n_avert > MAX_MESSAGES:
            st.caption(f"… et {fmt.nombre(n_avert - MAX_MESSAGES)} autres avertissements.")
else:
    st.caption("Aucun avertissement au contrôle du jeu en service.")

# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------


def _garder_compte_rendu(resultat: import_securise.ResultatImport) -> None:
    if resultat.accepte:
        v = resultat.version
        titre = f"Version {v.numero} mise en service"
        importees = liste_fichiers(resultat.importees)
        origine = v.libelle_source[:1].upper() + v.libelle_source[1:]  # (capitalize() mettait le nom en minuscules)
        resume = (f"{fmt.echapper_markdown(origine)} : contrôle réussi. Fichiers importés : {importees}. "
                  "Tout le tableau de bord lit désormais cette version ; la version précédente reste dans "
                  "l'historique.")
        if resultat.initiale is not None:
            resume += (f" Le dossier initial a été conservé comme version {resultat.initiale.numero}, pour "
                       "pouvoir y revenir.")
    else:
        n = len(resultat.erreurs)
        titre = "Import refusé : rien n'a changé"
        resume = (f"{fmt.nombre(n)} erreur{'s' if n > 1 else ''} : le jeu proposé n'est pas mis en service, la "
                  "version en service reste en place. Corriger les fichiers signalés puis recommencer.")
    st.session_state[CLE_COMPTE_RENDU] = {
        "lieu": "import",
        "accepte": resultat.accepte,
        "titre": titre,
        "resume": resume,
        "erreurs": [a.message for a in resultat.erreurs],
        "avertissements": [a.message for a in resultat.avertissements],
        "reprises": liste_fichiers(resultat.reprises) if resultat.reprises else "",
    }


def _auteur() -> str:
    return (utilisateur_connecte() or str(st.session_state.get("donnees_auteur") or "")).strip()


def _commentaire() -> str:
    return str(st.session_state.get("donnees_commentaire") or "").strip()


# Les imports et la remise en service s'exécutent dans le rappel (on_click) du bouton, avant l'exécution
# de l'application : le point d'entrée lit alors directement la nouvelle version en service, et le clic
# n'est pas perdu si l'exécution est relancée (interface/garde.py).

def _importer_televersements(cle_fichiers: str, racine: Path, base: Path,
                             limites: import_securise.Limites, attendue: str | None) -> None:
    fichiers = st.session_state.get(cle_fichiers) or []
    with st.spinner("Contrôle des fichiers reçus…"):
        resultat = import_securise.importer_televersements(
            racine, [(f.name, f) for f in fichiers], auteur=_auteur(), commentaire=_commentaire(), base=base,
            limites=limites, attendue=attendue)
    _garder_compte_rendu(resultat)
    if resultat.accepte:  # un nouveau sélecteur de fichiers, vide
        st.session_state[CLE_COMPTEUR] = st.session_state.get(CLE_COMPTEUR, 0) + 1


def _importer_dossier(cle_dossier: str, racine: Path, base: Path, autorises: list[Path],
                      limites: import_securise.Limites, attendue: str | None) -> None:
    choisi = st.session_state.get(cle_dossier)
    if choisi is None:
        return
    with st.spinner("Contrôle du dossier…"):
        resultat = import_securise.importer_dossier(
            racine, choisi, auteur=_auteur(), commentaire=_commentaire(), base=base, autorises=autorises,
            limites=limites, attendue=attendue)
    _garder_compte_rendu(resultat)


def _remettre_en_service(cle_version: str, par_libelle: dict[str, str], racine: Path, base: Path,
                         attendue: str | None) -> None:
    cible = par_libelle.get(st.session_state.get(cle_version))
    try:
        v = versions.remettre_en_service(racine, str(cible), auteur=_auteur(), base=base, attendue=attendue)
    except (KeyError, ValueError) as exc:
        st.session_state[CLE_COMPTE_RENDU] = {
            "lieu": "retour", "accepte": False, "titre": "Remise en service impossible : rien n'a changé",
            "resume": fmt.echapper_markdown(exc), "erreurs": [], "avertissements": [], "reprises": ""}
    else:
        st.session_state[CLE_COMPTE_RENDU] = {
            "lieu": "retour", "accepte": True, "titre": f"Version {v.numero} remise en service",
            "resume": f"{fmt.echapper_markdown(libelle_version(v))} : tout le tableau de bord lit de nouveau cette "
                      "version.",
            "erreurs": [], "avertissements": [], "reprises": ""}


st.subheader("Importer un nouveau jeu d'exports", anchor=False)
limites = import_securise.Limites.depuis_environnement()
PLAFOND_TELEVERSEMENT_MO = import_securise.plafond_televersement_mo(limites, st.get_option("server.maxUploadSize"))
if not AUTORISE:
    st.info(
        "L'import de nouveaux exports est **désactivé** sur ce déploiement : sans ce verrou, toute personne "
        "qui peut ouvrir le tableau de bord pourrait en remplacer les données. L'administrateur l'active en "
        "définissant la variable d'environnement `TDB_IMPORT_AUTORISE=1` au lancement, ou "
        "`import_autorise = true` dans `.streamlit/secrets.toml`. Sans import, un nouveau jeu se branche "
        "par la variable `TDB_DONNEES` (dossier d'exports) ; `python -m donnees.valider DOSSIER` le contrôle "
        "avant.",
        icon=":material/lock:",
    )
else:
    st.markdown(
        "Les fichiers proposés passent par le contrôle du contrat d'export. **Valides**, ils deviennent une "
        "nouvelle version, mise en service ; **invalides**, ils sont refusés avec la liste des erreurs et "
        "rien ne change. Une table absente de l'import est reprise de la version en service. "
        f"Limites : {import_securise.taille_lisible(limites.taille_fichier)} par fichier, "
        f"{import_securise.taille_lisible(limites.taille_totale)} pour tout l'import ; un fichier téléversé "
        f"(archive zip comprise) au plus {PLAFOND_TELEVERSEMENT_MO} Mo, au-delà passer par un dossier du serveur."
    )
    auteur_connecte = utilisateur_connecte()
    c1, c2 = st.columns(2)
    # Le nom saisi est gardé hors du widget : Streamlit oublie la valeur d'un widget quand on change de page.
    st.session_state[CLE_AUTEUR] = c1.text_input(
        "Votre nom (noté dans l'historique)", value=auteur_connecte or st.session_state.get(CLE_AUTEUR, ""),
        key="donnees_auteur", max_chars=120, disabled=bool(auteur_connecte))
    c2.text_input("Commentaire (facultatif)", key="donnees_commentaire", max_chars=300,
                  placeholder="ex. exports de juin, corrections de la région Bretagne")
    mode = st.radio("Source", ["Téléverser des fichiers", "Dossier du serveur"], horizontal=True,
                    key="donnees_source")
    if mode == "Téléverser des fichiers":
        cle_fichiers = f"donnees_fichiers_{st.session_state.get(CLE_COMPTEUR, 0)}"
        fichiers = st.file_uploader(
            "Fichiers Parquet du contrat, ou une seule archive zip qui les contient",
            type=["parquet", "zip"], accept_multiple_files=True, key=cle_fichiers,
            max_upload_size=PLAFOND_TELEVERSEMENT_MO,
            help="Noms exacts du contrat : " + ", ".join(TABLES[n].fichier for n in NOMS_TABLES) + ".",
        )
        st.button("Contrôler et mettre en service", type="primary", disabled=not fichiers,
                  icon=":material/upload:", key="donnees_importer", on_click=_importer_televersements,
                  args=(cle_fichiers, RACINE, BASE, limites, VUE))
    else:
        autorises = import_securise.dossiers_autorises()
        candidats = import_securise.dossiers_importables(autorises)
        if not candidats:
            st.caption("Aucun dossier à importer sous "
                       + ", ".join(f"« {fmt.dossier_montre(p)} »" for p in autorises)
                       + " (réglage TDB_IMPORT_DOSSIERS) : y déposer un dossier d'exports, puis recharger.")
        else:
            st.selectbox("Dossier d'exports", [str(c) for c in candidats], key="donnees_dossier",
                         format_func=lambda c: f"{Path(c).parent.name}/{Path(c).name}",  # pas le chemin complet
                         help="Sous-dossiers des dossiers ouverts à l'import (réglage TDB_IMPORT_DOSSIERS).")
            st.button("Contrôler et mettre en service ce dossier", type="primary", icon=":material/folder_open:",
                      key="donnees_importer_dossier", on_click=_importer_dossier,
                      args=("donnees_dossier", RACINE, BASE, autorises, limites, VUE))
    afficher_compte_rendu("import")

# --------------------------------------------------------------------------------------------------
# Historique des versions
# --------------------------------------------------------------------------------------------------

st.subheader("Historique des versions", anchor=False)
if not toutes:
    st.caption("Aucune version importée : le tableau de bord lit le dossier initial. Le premier import "
               "accepté le conserve comme version 1, pour pouvoir y revenir.")
else:
    historique = pl.DataFrame(
        {
            "N°": [v.numero for v in toutes],
            "Créée le": [quand(v.cree_le) for v in toutes],
            "Par": [v.auteur or fmt.TIRET for v in toutes],
            "Origine": [v.libelle_source for v in toutes],
            "Tables reprises": [str(len(v.reprises)) if v.reprises else "aucune" for v in toutes],
            "Lignes": [fmt.nombre(sum(v.lignes.values())) for v in toutes],
            "Avertissements": [len(v.avertissements) for v in toutes],
            "En service": ["✔ en service" if en_service is not None and v.id == en_service.id else ""
                           for v in toutes],
            "Identifiant": [v.id for v in toutes],
        }
    ).reverse()
    st.dataframe(historique, hide_index=True, key="donnees_historique",
                 alt="Historique des versions du jeu de données")

if len(toutes) >= 2:
    st.markdown("**Ce qui change entre deux versions**")
    # Options en libellés (uniques : ils portent le numéro) ; pas de format_func, que l'AppTest ne sait pas relire.
    par_libelle = {libelle_version(v): v for v in toutes}
    libelles = list(par_libelle)
    par_id = {v.id: v for v in toutes}
    apres_defaut = en_service if en_service is not None else toutes[-1]
    i_apres = toutes.index(apres_defaut)
    avant_defaut = par_id.get(apres_defaut.parent) or toutes[i_apres - 1 if i_apres > 0 else 1]
    c1, c2 = st.columns(2)
    avant = par_libelle[c1.selectbox("Version de référence", libelles, index=toutes.index(avant_defaut),
                                     key="donnees_avant")]
    apres = par_libelle[c2.selectbox("Version comparée", libelles, index=i_apres, key="donnees_apres")]
    comparaison = versions.comparer(avant, apres)
    fichiers_cmp = comparaison.fichiers
    st.dataframe(
        pl.DataFrame({
            "Fichier": fichiers_cmp["fichier"],
            "Lignes avant": [fmt.nombre(x) if x is not None else fmt.TIRET for x in fichiers_cmp["lignes_avant"]],
            "Lignes après": [fmt.nombre(x) if x is not None else fmt.TIRET for x in fichiers_cmp["lignes_apres"]],
            "Écart": [fmt.nombre(e, signe=True) if e is not None else fmt.TIRET for e in fichiers_cmp["ecart"]],
            "Contenu": ["identique" if i else "modifié" for i in fichiers_cmp["identique"]],
        }),
        hide_index=True, key="donnees_cmp_fichiers",
        alt="Lignes de chaque fichier dans les deux versions",
    )
    changes = comparaison.chiffres_changes
    if changes.is_empty():
        st.info("Aucun chiffre de contrôle ne change entre ces deux versions.", icon=":material/equal:")
    else:
        st.dataframe(
            pl.DataFrame({
                "Chiffre": changes["libelle"],
                "Année": [str(a) if a is not None else "toutes" for a in changes["annee"]],
                "Avant": [fmt.format_valeur(v, u, precis=True) for v, u in zip(changes["avant"], changes["unite"])],
                "Après": [fmt.format_valeur(v, u, precis=True) for v, u in zip(changes["apres"], changes["unite"])],
                "Écart": [fmt.format_valeur(v, u, precis=True, signe=True)
                          for v, u in zip(changes["ecart"], changes["unite"])],
            }),
            hide_index=True, key="donnees_cmp_chiffres",
            alt="Chiffres de contrôle qui changent entre les deux versions",
        )
        st.caption(f"{fmt.nombre(changes.height)} chiffre{'s' if changes.height > 1 else ''} de contrôle "
                   "change" + ("nt" if changes.height > 1 else "") + " : totaux nationaux lus dans les fichiers "
                   "(par année quand l'année est indiquée).")

st.markdown("**Remettre une version précédente en service**")
autres = [v for v in toutes if en_service is None or v.id != en_service.id]
if not AUTORISE:
    st.caption("Désactivé comme l'import (réglage TDB_IMPORT_AUTORISE).")
elif not autres:
    st.caption("Aucune autre version.")
else:
    par_libelle = {libelle_version(v): v.id for v in reversed(autres)}
    st.selectbox("Version à remettre en service", list(par_libelle), key="donnees_retour")
    st.caption("La version choisie redevient celle que lit tout le tableau de bord. Rien n'est effacé : la "
               "version actuelle reste dans l'historique et peut être remise en service à son tour.")
    st.button("Remettre cette version en service", key="donnees_remettre", icon=":material/history:",
              on_click=_remettre_en_service, args=("donnees_retour", par_libelle, RACINE, BASE, VUE))
    afficher_compte_rendu("retour")

evenements = versions.journal(RACINE)
if evenements:
    with st.expander(f"Journal des mises en service ({fmt.nombre(len(evenements))})"):
        numeros = {v.id: v.numero for v in toutes}
        st.dataframe(
            pl.DataFrame({
                "Quand": [quand(e.get("depuis")) for e in evenements],
                "Version": [str(numeros.get(e.get("version"), e.get("version"))) for e in evenements],
                "Précédente": [str(numeros.get(e.get("precedente"), e.get("precedente") or fmt.TIRET))
                               for e in evenements],
                "Par": [e.get("par") or fmt.TIRET for e in evenements],
                "Motif": [{"import": "import", "remise_en_service": "remise en service"}.get(e.get("motif"), "")
                          for e in evenements],
            }, schema={"Quand": pl.Utf8, "Version": pl.Utf8, "Précédente": pl.Utf8, "Par": pl.Utf8,
                       "Motif": pl.Utf8}).reverse(),
            hide_index=True, key="donnees_journal", alt="Journal des mises en service",
        )
