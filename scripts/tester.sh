#!/usr/bin/env bash
# Installe ce qu'il faut et lance toute la suite de tests, tests navigateur (Chromium) compris.
#   bash scripts/tester.sh                 -> toute la suite
#   bash scripts/tester.sh tests/requetes  -> arguments passés à pytest à la place de « tests »
# Sort en erreur si un test échoue ou si aucun test n'a été collecté (code 5 de pytest).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/environnement.sh"
cd "$RACINE"

# Le navigateur des tests est le Chromium de Debian : « playwright install » ne peut rien télécharger ici.
if [ ! -x /usr/bin/chromium ]; then
    installer_paquets_debian chromium
fi
[ -x /usr/bin/chromium ] || echec "/usr/bin/chromium absent après installation"
# Dossier de séance PDF : Pango pour WeasyPrint ; pdftotext et pdftoppm (poppler-utils) pour ses tests, qui
# relisent le texte du PDF et en dessinent les pages.
installer_dossier_seance
command -v pdftotext >/dev/null 2>&1 || installer_paquets_debian poppler-utils
# nginx de Debian : les tests de tests/servir lancent plusieurs répliques derrière lui (scripts/servir.sh).
installer_nginx

preparer_venv
installer_dependances requirements-dev.txt

if [ "$#" -eq 0 ]; then
    set -- tests
fi

message "Linter : ruff check . (réglages et exceptions justifiées : ruff.toml)"
"$PY" -m ruff check . || echec "le linter signale des défauts (ruff check .) : à corriger avant les tests"

message "Tests : python -m pytest -n 2 --dist loadfile $*"
code=0
"$PY" -m pytest -n 2 --dist loadfile "$@" || code=$?
if [ "$code" -eq 5 ]; then
    echec "aucun test collecté"
elif [ "$code" -ne 0 ]; then
    echec "la suite de tests a échoué (code $code)"
fi
message "Tous les tests sont passés"
