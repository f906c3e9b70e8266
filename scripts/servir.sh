#!/usr/bin/env bash
# Sert le tableau de bord avec plusieurs répliques (une par cœur) derrière nginx, sur cette machine.
#   bash scripts/servir.sh                         -> http://127.0.0.1:8501, une réplique par cœur
#   bash scripts/servir.sh --replicas 4 --port 8080
#   TDB_DONNEES=/chemin TDB_IMPORT_AUTORISE=1 bash scripts/servir.sh --replicas 2
#   bash scripts/servir.sh --replicas 2 -- --client.toolbarMode viewer   (après « -- » : options de streamlit)
# Options : bash scripts/servir.sh --aide. Arrêt : Ctrl+C ou SIGTERM (tout est arrêté en moins de 10 s).
# Ce que fait le script et comment l'étendre à plusieurs machines : docs/deploiement.md.
#
# Pourquoi : un processus Streamlit n'occupe qu'un cœur (GIL). Chaque réplique est un serveur complet
# (python -m interface.lancement, comme scripts/lancer.sh) ; nginx répartit les visiteurs et garde
# chacun sur la même réplique (cookie « tdb_replique ») : une session Streamlit vit dans un seul
# processus. Toutes les répliques lisent le même magasin de versions (TDB_VERSIONS) et le même cache.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/environnement.sh"
cd "$RACINE"

# L'aide ne demande ni installation ni nginx.
case " $* " in
    *" --aide "* | *" -h "* | *" --help "*)
        if [ -x "$PY" ]; then exec "$PY" "$RACINE/scripts/servir.py" --aide; fi
        exec "${PYTHON:-python3}" "$RACINE/scripts/servir.py" --aide ;;
esac

preparer_venv
installer_dependances requirements.txt
installer_nginx

# Le superviseur (scripts/servir.py) lance les répliques, attend qu'elles répondent, génère la
# configuration de nginx et le lance au premier plan, signale une réplique qui s'arrête et la relance,
# et arrête tout (groupes de processus) à Ctrl+C ou SIGTERM. exec : les signaux lui arrivent directement.
TDB_NGINX="${TDB_NGINX:-$(chemin_nginx)}" exec "$PY" "$RACINE/scripts/servir.py" "$@"
