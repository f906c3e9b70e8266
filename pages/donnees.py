"""Données : le jeu en service (origine, contrat, période, lignes, avertissements), l'import d'un nouveau
jeu d'exports (fichiers Parquet, archive zip ou dossier du serveur), l'historique des versions avec ce
qui change de l'une à l'autre, et la remise en service d'une version précédente.

Mise en page et widgets seulement : l'import est dans ``donnees/import_securise.py``, les versions
dans ``donnees/versions.py``, les textes et tableaux dans ``presentation/donnees.py``, le réglage du
déploiement, les rappels des boutons et le compte rendu dans ``interface/import_donnees.py``. L'import
n'est proposé que si le déploiement l'autorise (``TDB_IMPORT_AUTORISE=1`` ou ``import_autorise = true``
dans les secrets Streamlit) : sinon n'importe qui pouvant ouvrir le tableau de bord pourrait en
remplacer les données.
"""

from __future__ import annotations

import streamlit as st

from donnees import import_securise, versions
from interface import chargement
from interface import import_donnees as I
from interface.entete import entete
from presentation import donnees as P

# --------------------------------------------------------------------------------------------------
# Contexte
# --------------------------------------------------------------------------------------------------

RACINE = versions.racine_par_defaut()
BASE = I.dossier_initial()
AUTORISE = I.import_autorise()
ADMINISTRATEUR = I.administrateur()  # mode local, ou administrateur du fichier d'accès
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
jeu = P.jeu_en_service(etat_jeu, en_service, lue)
if jeu.alerte is not None:
    st.warning(jeu.alerte[0], icon=jeu.alerte[1])
st.markdown(jeu.presentation)
if couvre := I.texte_couverture():  # « Ce jeu couvre : Bretagne. » (périmètre du jeu, pas de la session)
    st.markdown(f"**{couvre}**")
if jeu.commentaire:
    st.caption(jeu.commentaire)

colonnes = st.columns(4)
colonnes[0].metric("Version", jeu.numero, help="Numéro de la version en service dans l'historique ci-dessous.")
colonnes[1].metric("Contrat d'export", jeu.contrat,
                   help="Version du contrat des exports que le jeu respecte (docs/contrat-donnees.md).")
colonnes[2].metric("Lignes lues", jeu.lignes, help="Total des lignes des dix fichiers du contrat.")
colonnes[3].metric("Avertissements", jeu.avertissements,
                   help="Constats du contrôle qui n'empêchent pas le chargement (trous de couverture, écarts "
                        "au forfait…) : voir la liste sous le tableau.")
st.dataframe(jeu.tableau, hide_index=True, key="donnees_lignes",
             alt="Nombre de lignes de chaque fichier du jeu en service")

avertissements = [p.message for p in etat_jeu.avertissements]
if avertissements:
    with st.expander(P.titre_avertissements(len(avertissements)), icon=":material/warning:"):
        st.markdown(P.puces(avertissements[:P.MAX_MESSAGES]))
        if suite := P.reste(len(avertissements), "avertissements"):
            st.caption(suite)
else:
    st.caption("Aucun avertissement au contrôle du jeu en service.")

# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------

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
elif not ADMINISTRATEUR:
    st.info(P.TEXTE_RESERVE_ADMINISTRATEURS, icon=":material/admin_panel_settings:")
else:
    st.markdown(P.texte_import(import_securise.taille_lisible(limites.taille_fichier),
                               import_securise.taille_lisible(limites.taille_totale), PLAFOND_TELEVERSEMENT_MO))
    auteur_connecte = I.utilisateur_connecte()
    c1, c2 = st.columns(2)
    I.memoriser_nom(c1.text_input("Votre nom (noté dans l'historique)", value=I.nom_saisi(auteur_connecte),
                                  key="donnees_auteur", max_chars=120, disabled=bool(auteur_connecte)))
    c2.text_input("Commentaire (facultatif)", key="donnees_commentaire", max_chars=300,
                  placeholder="ex. exports de juin, corrections de la région Bretagne")
    mode = st.radio("Source", ["Téléverser des fichiers", "Dossier du serveur"], horizontal=True,
                    key="donnees_source")
    if mode == "Téléverser des fichiers":
        cle_fichiers = I.cle_televersement()
        fichiers = st.file_uploader(
            "Fichiers Parquet du contrat, ou une seule archive zip qui les contient",
            type=["parquet", "zip"], accept_multiple_files=True, key=cle_fichiers,
            max_upload_size=PLAFOND_TELEVERSEMENT_MO, help=f"Noms exacts du contrat : {P.fichiers_du_contrat()}.",
        )
        st.button("Contrôler et mettre en service", type="primary", disabled=not fichiers,
                  icon=":material/upload:", key="donnees_importer", on_click=I.importer_televersements,
                  args=(cle_fichiers, RACINE, BASE, limites, VUE))
    else:
        autorises = import_securise.dossiers_autorises()
        candidats = import_securise.dossiers_importables(autorises)
        if not candidats:
            st.caption(P.texte_sans_dossier(autorises))
        else:
            st.selectbox("Dossier d'exports", [str(c) for c in candidats], key="donnees_dossier",
                         format_func=P.dossier_court,  # pas le chemin complet
                         help="Sous-dossiers des dossiers ouverts à l'import (réglage TDB_IMPORT_DOSSIERS).")
            st.button("Contrôler et mettre en service ce dossier", type="primary", icon=":material/folder_open:",
                      key="donnees_importer_dossier", on_click=I.importer_dossier,
                      args=("donnees_dossier", RACINE, BASE, autorises, limites, VUE))
    I.afficher_compte_rendu("import")
    I.case_confirmation()  # import arrêté par un changement de couverture : confirmer, puis relancer

# --------------------------------------------------------------------------------------------------
# Historique des versions
# --------------------------------------------------------------------------------------------------

st.subheader("Historique des versions", anchor=False)
if not toutes:
    st.caption("Aucune version importée : le tableau de bord lit le dossier initial. Le premier import "
               "accepté le conserve comme version 1, pour pouvoir y revenir.")
else:
    st.dataframe(P.tableau_historique(toutes, en_service), hide_index=True, key="donnees_historique",
                 alt="Historique des versions du jeu de données")

if len(toutes) >= 2:
    st.markdown("**Ce qui change entre deux versions**")
    # Options en libellés (uniques : ils portent le numéro) ; pas de format_func, que l'AppTest ne sait pas relire.
    par_libelle = {P.libelle_version(v): v for v in toutes}
    libelles = list(par_libelle)
    i_avant, i_apres = P.versions_comparees(toutes, en_service)
    c1, c2 = st.columns(2)
    avant = par_libelle[c1.selectbox("Version de référence", libelles, index=i_avant, key="donnees_avant")]
    apres = par_libelle[c2.selectbox("Version comparée", libelles, index=i_apres, key="donnees_apres")]
    comparaison = versions.comparer(avant, apres)
    st.dataframe(P.tableau_fichiers_compares(comparaison.fichiers), hide_index=True, key="donnees_cmp_fichiers",
                 alt="Lignes de chaque fichier dans les deux versions")
    changes = comparaison.chiffres_changes
    if changes.is_empty():
        st.info("Aucun chiffre de contrôle ne change entre ces deux versions.", icon=":material/equal:")
    else:
        st.dataframe(P.tableau_chiffres_changes(changes), hide_index=True, key="donnees_cmp_chiffres",
                     alt="Chiffres de contrôle qui changent entre les deux versions")
        st.caption(P.note_chiffres_changes(changes.height))

st.markdown("**Remettre une version précédente en service**")
par_libelle = P.options_retour(toutes, en_service)
if not AUTORISE:
    st.caption("Désactivé comme l'import (réglage TDB_IMPORT_AUTORISE).")
elif not ADMINISTRATEUR:
    st.caption("Réservé aux administrateurs, comme l'import.")
elif not par_libelle:
    st.caption("Aucune autre version.")
else:
    st.selectbox("Version à remettre en service", list(par_libelle), key="donnees_retour")
    st.caption("La version choisie redevient celle que lit tout le tableau de bord. Rien n'est effacé : la "
               "version actuelle reste dans l'historique et peut être remise en service à son tour.")
    st.button("Remettre cette version en service", key="donnees_remettre", icon=":material/history:",
              on_click=I.remettre_en_service, args=("donnees_retour", par_libelle, RACINE, BASE, VUE))
    I.afficher_compte_rendu("retour")
    I.case_confirmation("retour")  # version d'une autre couverture : confirmer, puis relancer

evenements = versions.journal(RACINE) if ADMINISTRATEUR else []  # qui a fait quoi : administrateurs seulement
if evenements:
    with st.expander(P.titre_journal(len(evenements))):
        st.dataframe(P.tableau_journal(evenements, toutes), hide_index=True, key="donnees_journal",
                     alt="Journal des mises en service")
