#!/usr/bin/env bash
# Installe (au premier lancement) et ouvre le tableau de bord.
#   bash scripts/lancer.sh                 -> http://localhost:8501, jeu de démonstration
#   TDB_DONNEES=/chemin bash scripts/lancer.sh   -> sur un dossier d'exports réels
# Les arguments en plus sont passés à « streamlit run » (ex. : --server.port 8600).
# Le jeu de démonstration est généré par l'application à son premier lancement.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/environnement.sh"
cd "$RACINE"

preparer_venv
installer_dependances requirements.txt
# Bouton « Dossier de séance (PDF) » : Pango (WeasyPrint) et Chromium (graphiques), paquets Debian.
if [ "$(id -u)" -eq 0 ]; then installer_dossier_seance; fi

message "Lancement du tableau de bord (Ctrl+C pour arrêter)"
# Pas de surveillance des fichiers : sinon Streamlit surveille tout le dépôt, .venv compris
# (des milliers de dossiers, avertissements en série), pour rien en usage normal.
# browser.serverAddress posé : sinon, sans interface graphique, Streamlit interroge
# checkip.amazonaws.com au démarrage pour afficher une « External URL » (aucune requête vers
# internet à l'exécution).
# interface.lancement = « streamlit run tableau_de_bord.py », précédé du préchargement des bibliothèques
# des pages, avant la première connexion (voir interface/lancement.py).
exec "$PY" -m interface.lancement \
    --server.fileWatcherType none \
    --browser.serverAddress localhost \
    --server.showEmailPrompt false \
    --browser.gatherUsageStats false \
    "$@"
