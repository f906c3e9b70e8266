"""Page « Données », sans Streamlit : textes et tableaux prêts à afficher sur le jeu en service, l'import,
l'historique des versions et ce qui change de l'une à l'autre. La page (``pages/donnees.py``) et les
briques de l'import (``interface/import_donnees.py``) les affichent.

Tout ce qui vient d'un import ou d'un réglage (nom d'archive, dossier, auteur, commentaire, messages du
validateur qui citent des valeurs reçues) est échappé pour Markdown (``echapper_markdown``) dans les
textes ; les dossiers du serveur sont nommés par leur nom seul (``dossier_montre``). Les tableaux
(``st.dataframe``, texte brut) gardent les textes tels quels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
from babel.dates import format_datetime

from donnees import versions
from donnees.contrat import NOMS_TABLES, TABLES
from presentation import format as fmt

FUSEAU = "Europe/Paris"
MAX_MESSAGES = 30  # messages (erreurs, avertissements) listés à l'écran ; les suivants sont comptés
EN_SERVICE = "✔ en service"
MOTIFS_JOURNAL = {"import": "import", "remise_en_service": "remise en service"}
ACTIONS_REFUSEES = {"import": "import refusé", "remise_en_service": "remise en service refusée"}
_TEXTES = pl.Utf8


def quand(moment: datetime | str | None) -> str:
    """« 28/11/2026 à 06:32 » à l'heure de Paris ; « — » sans date."""
    if not moment:
        return fmt.TIRET
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_datetime(moment, "dd/MM/y 'à' HH:mm", tzinfo=FUSEAU, locale="fr_FR")


def libelle_version(v: versions.Version) -> str:
    """« Version 2 du 28/11/2026 à 06:32 — archive zip « … » téléversée » (texte brut)."""
    return f"Version {v.numero} du {quand(v.cree_le)} — {v.libelle_source}"


def liste_fichiers(noms) -> str:
    """Fichiers du contrat des tables ``noms`` : « allocations.parquet, orientations.parquet »."""
    return ", ".join(TABLES[n].fichier for n in noms)


def fichiers_du_contrat() -> str:
    """Les noms exacts des fichiers du contrat, dans l'ordre du contrat."""
    return liste_fichiers(NOMS_TABLES)


def puces(messages: list[str]) -> str:
    """Liste Markdown de messages (du validateur, de l'import) : ils citent des valeurs et des noms de
    fichiers reçus, échappés pour s'afficher tels quels."""
    return "\n".join(f"- {fmt.echapper_markdown(m)}" for m in messages)


def reste(nb: int, nom_pluriel: str) -> str | None:
    """« … et 12 autres erreurs. » quand ``nb`` dépasse ``MAX_MESSAGES`` ; ``None`` sinon."""
    if nb <= MAX_MESSAGES:
        return None
    return f"… et {fmt.nombre(nb - MAX_MESSAGES)} autres {nom_pluriel}."


# --------------------------------------------------------------------------------------------------
# Le jeu en service
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VueJeuEnService:
    """Ce que la page montre du jeu en service (textes Markdown échappés, chiffres mis en forme)."""

    alerte: tuple[str, str] | None  # (texte, icône) quand l'application ne lit pas la version en service
    presentation: str  # origine et période couverte
    commentaire: str | None
    numero: str  # « n° 2 » ou « initiale »
    contrat: str
    lignes: str
    avertissements: str
    tableau: pl.DataFrame  # Fichier, Contenu, Lignes, Origine dans cette version


def alerte_version_lue(en_service: versions.Version | None, lue: versions.Version | None,
                       dossier: Path) -> tuple[str, str] | None:
    """(texte, icône) quand la version que lit l'application n'est pas celle que désigne le magasin."""
    if en_service is not None and lue is not None and lue.id != en_service.id:
        return (f"Le magasin de versions désigne la version {en_service.numero}, mais l'application lit encore "
                f"la version {lue.numero} : la page suivante ouverte lira la version en service.", ":material/sync:")
    if en_service is not None and lue is None:
        return (f"Le magasin de versions désigne la version {en_service.numero} ({en_service.id}), mais "
                f"l'application lit « {fmt.dossier_montre(dossier)} » : elle n'est pas branchée sur le "
                "magasin de versions (voir requetes/jeu.py, dossier_par_defaut).", ":material/sync_problem:")
    return None


def origine(lue: versions.Version | None, demo: bool, dossier: Path) -> tuple[str, str]:
    """(origine du jeu lu en Markdown, numéro de version à afficher)."""
    if lue is not None:
        texte = fmt.echapper_markdown(libelle_version(lue))
        if lue.auteur:
            texte += f", par {fmt.echapper_markdown(lue.auteur)}"
        return texte, f"n° {lue.numero}"
    if demo:
        return ("Jeu de démonstration (données fictives générées par l'application) ; aucun import encore fait",
                "initiale")
    return (f"Dossier initial « {fmt.dossier_montre(dossier)} » (réglage TDB_DONNEES) ; aucun import encore fait",
            "initiale")


def tableau_lignes(lignes: dict[str, int], lue: versions.Version | None) -> pl.DataFrame:
    """Une ligne par fichier du contrat : son contenu, ses lignes lues, son origine dans la version lue."""
    origines = {}
    if lue is not None:
        for nom, f in (lue.manifeste.get("fichiers") or {}).items():
            origines[nom] = "importé" if f.get("origine") == "import" else f.get("origine", "")
    return pl.DataFrame(
        {
            "Fichier": [TABLES[n].fichier for n in NOMS_TABLES],
            "Contenu": [TABLES[n].description for n in NOMS_TABLES],
            "Lignes": [fmt.nombre(lignes[n]) if n in lignes else fmt.TIRET for n in NOMS_TABLES],
            "Origine dans cette version": [origines.get(n, "dossier initial" if lue is None else "")
                                           for n in NOMS_TABLES],
        },
        schema={"Fichier": _TEXTES, "Contenu": _TEXTES, "Lignes": _TEXTES, "Origine dans cette version": _TEXTES},
    )


def jeu_en_service(etat_jeu, en_service: versions.Version | None, lue: versions.Version | None) -> VueJeuEnService:
    """Le jeu que lit l'application (``etat_jeu`` : ``interface.chargement.EtatJeu``), la version que
    désigne le magasin (``en_service``) et celle que lit l'application (``lue``)."""
    texte_origine, numero = origine(lue, etat_jeu.demo, etat_jeu.dossier)
    periode = fmt.periode(*etat_jeu.periode) if etat_jeu.periode else fmt.TIRET
    total = sum(etat_jeu.lignes.values()) if etat_jeu.lignes else None
    return VueJeuEnService(
        alerte=alerte_version_lue(en_service, lue, etat_jeu.dossier),
        presentation=(f"**Origine** : {texte_origine}.  \n**Période couverte** : {periode} (premier et dernier mois "
                      "des orientations et de l'activité)."),
        commentaire=(f"Commentaire : {fmt.echapper_markdown(lue.commentaire)}"
                     if lue is not None and lue.commentaire else None),
        numero=numero,
        contrat=f"version {etat_jeu.version_contrat}",
        lignes=fmt.nombre(total) if total is not None else fmt.TIRET,
        avertissements=fmt.nombre(len(etat_jeu.avertissements)),
        tableau=tableau_lignes(etat_jeu.lignes, lue),
    )


def titre_avertissements(nb: int) -> str:
    """Titre de la liste des avertissements du contrôle du jeu en service."""
    return f"Avertissements du contrôle ({fmt.nombre(nb)}) : le jeu est chargé, mais à lire"


def titre_avertissements_import(nb: int) -> str:
    """Titre de la liste des avertissements du contrôle d'un import."""
    return f"Avertissements du contrôle de l'import ({fmt.nombre(nb)})"


# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------

def texte_import(taille_fichier: str, taille_totale: str, plafond_mo: int) -> str:
    """Ce que fait l'import, et ses limites (tailles déjà écrites : ``import_securise.taille_lisible``)."""
    return ("Les fichiers proposés passent par le contrôle du contrat d'export. **Valides**, ils deviennent une "
            "nouvelle version, mise en service ; **invalides**, ils sont refusés avec la liste des erreurs et "
            "rien ne change. Une table absente de l'import est reprise de la version en service. "
            f"Limites : {taille_fichier} par fichier, {taille_totale} pour tout l'import ; un fichier téléversé "
            f"(archive zip comprise) au plus {plafond_mo} Mo, au-delà passer par un dossier du serveur.")


def texte_sans_dossier(autorises: list[Path]) -> str:
    """Aucun dossier à importer sous les dossiers ouverts à l'import (nommés par leur nom seul)."""
    return ("Aucun dossier à importer sous " + ", ".join(f"« {fmt.dossier_montre(p)} »" for p in autorises)
            + " (réglage TDB_IMPORT_DOSSIERS) : y déposer un dossier d'exports, puis recharger.")


def dossier_court(chemin: str) -> str:
    """Un dossier à importer tel que le montre la liste : « parent/nom », pas le chemin complet."""
    return f"{Path(chemin).parent.name}/{Path(chemin).name}"


def compte_rendu_import(resultat) -> dict:
    """Compte rendu d'un import (``import_securise.ResultatImport``) à garder dans la session : lieu, accepté,
    titre, résumé (Markdown), erreurs et avertissements (messages bruts), tables reprises."""
    if resultat.accepte:
        v = resultat.version
        titre = f"Version {v.numero} mise en service"
        source = v.libelle_source[:1].upper() + v.libelle_source[1:]  # (capitalize() mettait le nom en minuscules)
        resume = (f"{fmt.echapper_markdown(source)} : contrôle réussi. Fichiers importés : "
                  f"{liste_fichiers(resultat.importees)}. Tout le tableau de bord lit désormais cette version ; la "
                  "version précédente reste dans l'historique.")
        if resultat.initiale is not None:
            resume += (f" Le dossier initial a été conservé comme version {resultat.initiale.numero}, pour "
                       "pouvoir y revenir.")
    elif [getattr(a, "regle", None) for a in resultat.erreurs] == ["couverture_changee"]:  # jeu valide, mais il ne couvre pas la même zone
        titre = "Confirmation demandée : rien n'a changé"
        resume = ("Le jeu proposé est valide, mais il ne couvre pas la même zone que la version en service : "
                  "le mettre en service changerait ce que lit tout le tableau de bord (régions proposées, cartes, "
                  "références, budget). Cochez la case de confirmation ci-dessous puis cliquez de nouveau sur le "
                  "bouton d'import ; sinon, rien ne change.")
    else:
        n = len(resultat.erreurs)
        titre = "Import refusé : rien n'a changé"
        resume = (f"{fmt.nombre(n)} erreur{'s' if n > 1 else ''} : le jeu proposé n'est pas mis en service, la "
                  "version en service reste en place. Corriger les fichiers signalés puis recommencer.")
    return {
        "lieu": "import",
        "accepte": resultat.accepte,
        "titre": titre,
        "resume": resume,
        "erreurs": [a.message for a in resultat.erreurs],
        "avertissements": [a.message for a in resultat.avertissements],
        "reprises": liste_fichiers(resultat.reprises) if resultat.reprises else "",
    }


def compte_rendu_retour(version: versions.Version | None = None, erreur: Exception | None = None) -> dict:
    """Compte rendu d'une remise en service : réussie (``version``) ou refusée (``erreur``)."""
    if version is None:
        return {"lieu": "retour", "accepte": False, "titre": "Remise en service impossible : rien n'a changé",
                "resume": fmt.echapper_markdown(erreur), "erreurs": [], "avertissements": [], "reprises": ""}
    return {"lieu": "retour", "accepte": True, "titre": f"Version {version.numero} remise en service",
            "resume": f"{fmt.echapper_markdown(libelle_version(version))} : tout le tableau de bord lit de nouveau "
                      "cette version.",
            "erreurs": [], "avertissements": [], "reprises": ""}


TEXTE_RESERVE_ADMINISTRATEURS = (
    "L'import de nouveaux exports et la remise en service d'une version précédente sont **réservés aux "
    "administrateurs** désignés dans le fichier d'accès du déploiement. Demandez à l'un d'eux, ou à "
    "l'équipe qui gère ce fichier, de le faire.")


def compte_rendu_refus(action: str, par: str) -> dict:
    """Compte rendu d'une action d'administration refusée (identité qui n'est pas administratrice)."""
    lieu = "import" if action == "import" else "retour"
    quoi = "L'import" if action == "import" else "La remise en service"
    return {"lieu": lieu, "accepte": False, "titre": f"{quoi} est réservé{'e' if action != 'import' else ''} aux "
            "administrateurs : rien n'a changé",
            "resume": f"{fmt.echapper_markdown(par)} n'est pas administrateur dans le fichier d'accès. La tentative "
                      "est notée au journal.", "erreurs": [], "avertissements": [], "reprises": ""}


# --------------------------------------------------------------------------------------------------
# Historique, comparaison, journal
# --------------------------------------------------------------------------------------------------

def tableau_historique(toutes: list[versions.Version], en_service: versions.Version | None) -> pl.DataFrame:
    """Une ligne par version, la plus récente en haut."""
    return pl.DataFrame(
        {
            "N°": [v.numero for v in toutes],
            "Créée le": [quand(v.cree_le) for v in toutes],
            "Par": [v.auteur or fmt.TIRET for v in toutes],
            "Origine": [v.libelle_source for v in toutes],
            "Tables reprises": [str(len(v.reprises)) if v.reprises else "aucune" for v in toutes],
            "Lignes": [fmt.nombre(sum(v.lignes.values())) for v in toutes],
            "Avertissements": [len(v.avertissements) for v in toutes],
            "En service": [EN_SERVICE if en_service is not None and v.id == en_service.id else "" for v in toutes],
            "Identifiant": [v.id for v in toutes],
        }
    ).reverse()


def versions_comparees(toutes: list[versions.Version],
                       en_service: versions.Version | None) -> tuple[int, int]:
    """Rangs (dans ``toutes``) des deux versions comparées par défaut : la version en service (à défaut la
    dernière) et celle dont elle est issue (à défaut sa voisine). Il faut au moins deux versions."""
    par_id = {v.id: v for v in toutes}
    apres = en_service if en_service is not None else toutes[-1]
    i_apres = toutes.index(apres)
    avant = par_id.get(apres.parent) or toutes[i_apres - 1 if i_apres > 0 else 1]
    return toutes.index(avant), i_apres


def tableau_fichiers_compares(fichiers: pl.DataFrame) -> pl.DataFrame:
    """Lignes de chaque fichier dans les deux versions (``versions.Comparaison.fichiers``), à la française."""
    def nombre(x, signe=False):
        return fmt.nombre(x, signe=signe) if x is not None else fmt.TIRET

    return pl.DataFrame({
        "Fichier": fichiers["fichier"],
        "Lignes avant": fmt.textes(nombre, fichiers["lignes_avant"]),
        "Lignes après": fmt.textes(nombre, fichiers["lignes_apres"]),
        "Écart": fmt.textes(lambda e: nombre(e, signe=True), fichiers["ecart"]),
        "Contenu": ["identique" if i else "modifié" for i in fichiers["identique"]],
    })


def tableau_chiffres_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """Chiffres de contrôle qui changent (``versions.Comparaison.chiffres_changes``), à la française et
    précis (``precis=True`` : un petit écart reste visible)."""
    return pl.DataFrame({
        "Chiffre": changes["libelle"],
        "Année": [str(a) if a is not None else "toutes" for a in changes["annee"]],
        "Avant": fmt.textes(lambda v, u: fmt.format_valeur(v, u, precis=True), changes["avant"], changes["unite"]),
        "Après": fmt.textes(lambda v, u: fmt.format_valeur(v, u, precis=True), changes["apres"], changes["unite"]),
        "Écart": fmt.textes(lambda v, u: fmt.format_valeur(v, u, precis=True, signe=True), changes["ecart"],
                            changes["unite"]),
    })


def note_chiffres_changes(nb: int) -> str:
    pluriel = nb > 1
    return (f"{fmt.nombre(nb)} chiffre{'s' if pluriel else ''} de contrôle change" + ("nt" if pluriel else "")
            + " : totaux nationaux lus dans les fichiers (par année quand l'année est indiquée).")


def options_retour(toutes: list[versions.Version], en_service: versions.Version | None) -> dict[str, str]:
    """Versions qu'on peut remettre en service (toutes sauf celle en service), la plus récente d'abord :
    libellé -> identifiant."""
    autres = [v for v in toutes if en_service is None or v.id != en_service.id]
    return {libelle_version(v): v.id for v in reversed(autres)}


def tableau_journal(evenements: list[dict], toutes: list[versions.Version]) -> pl.DataFrame:
    """Journal des mises en service, le plus récent en haut ; versions nommées par leur numéro."""
    numeros = {v.id: v.numero for v in toutes}
    return pl.DataFrame({
        "Quand": [quand(e.get("depuis")) for e in evenements],
        "Version": [str(numeros.get(e["version"], e["version"])) if e.get("version") else fmt.TIRET
                    for e in evenements],
        "Précédente": [str(numeros.get(e.get("precedente"), e.get("precedente") or fmt.TIRET)) for e in evenements],
        "Par": [e.get("par") or fmt.TIRET for e in evenements],
        "Motif": [_motif(e) for e in evenements],
    }, schema={"Quand": _TEXTES, "Version": _TEXTES, "Précédente": _TEXTES, "Par": _TEXTES, "Motif": _TEXTES}).reverse()


def _motif(evenement: dict) -> str:
    """« import », « remise en service », ou pour une tentative refusée « import refusé : <raison> »."""
    if evenement.get("motif") == "refus":
        texte = ACTIONS_REFUSEES.get(evenement.get("action"), "action refusée")
        return f"{texte} : {evenement['raison']}" if evenement.get("raison") else texte
    return MOTIFS_JOURNAL.get(evenement.get("motif"), "")


def titre_journal(nb: int) -> str:
    return f"Journal des mises en service et des tentatives refusées ({fmt.nombre(nb)})"
