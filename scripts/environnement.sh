# Fonctions communes à lancer.sh et tester.sh (à sourcer, pas à exécuter).
# Prépare l'environnement virtuel .venv à la racine du dépôt et y installe un fichier de dépendances.
# Réglages : PYTHON (interpréteur à utiliser, défaut python3, 3.11 ou plus récent).

RACINE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$RACINE/.venv"
PY="$VENV/bin/python"

message() { printf '\n==> %s\n' "$*" >&2; }
echec() { printf '\nERREUR : %s\n' "$*" >&2; exit 1; }

# apt-get en tant que root (pas de sudo : la machine d'intégration continue tourne en root).
installer_paquets_debian() {
    command -v apt-get >/dev/null 2>&1 || echec "apt-get introuvable : installez à la main $*"
    [ "$(id -u)" -eq 0 ] || echec "il faut être root pour installer $* (apt-get install -y $*)"
    message "Installation des paquets Debian : $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "$@"
}

# Crée .venv s'il manque, avec un Python 3.11 ou plus récent.
preparer_venv() {
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || echec "$python introuvable : installez Python 3.11 (apt-get install -y python3 python3-venv)"
    "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || echec "Python 3.11 ou plus récent requis ; $python est en version $("$python" -c 'import platform; print(platform.python_version())')"
    if [ -x "$PY" ] && ! "$PY" -c 'import sys' >/dev/null 2>&1; then
        message "Environnement .venv cassé : recréation"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        message "Création de l'environnement virtuel .venv"
        if ! "$python" -m venv "$VENV"; then
            # Python de Debian : le module venv est livré à part (python3-venv).
            rm -rf "$VENV"
            installer_paquets_debian python3-venv
            "$python" -m venv "$VENV" || echec "impossible de créer .venv avec $python"
        fi
    fi
}

# Installe un fichier de dépendances dans .venv ; ne refait rien si ce fichier (et ceux qu'il inclut)
# n'a pas changé depuis la dernière installation réussie.
installer_dependances() {
    local fichier="$1"
    local empreinte temoin
    empreinte="$(cat "$RACINE/requirements.txt" "$RACINE/$fichier" | sha256sum | cut -d' ' -f1)"
    temoin="$VENV/.installe-$(basename "$fichier" .txt)"
    if [ -f "$temoin" ] && [ "$(cat "$temoin")" = "$empreinte" ]; then
        message "Dépendances de $fichier déjà installées"
        return 0
    fi
    # requirements-dev.txt inclut requirements.txt : son installation à jour (tester.sh) vaut pour
    # requirements.txt (servir.sh, lancer.sh après les tests), sans repasser par pip.
    if [ "$fichier" = requirements.txt ] && [ -f "$VENV/.installe-requirements-dev" ] \
        && [ "$(cat "$VENV/.installe-requirements-dev")" = \
             "$(cat "$RACINE/requirements.txt" "$RACINE/requirements-dev.txt" | sha256sum | cut -d' ' -f1)" ]; then
        message "Dépendances de $fichier déjà installées (avec requirements-dev.txt)"
        return 0
    fi
    message "Installation des dépendances ($fichier)"
    "$PY" -m pip install --disable-pip-version-check -r "$RACINE/$fichier"
    echo "$empreinte" > "$temoin"
}

# Chemin de nginx (PATH, sinon /usr/sbin/nginx : hors du PATH d'un utilisateur ordinaire) ; rien si absent.
chemin_nginx() {
    command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

# nginx de Debian, s'il manque (scripts/servir.sh, tests de tests/servir). L'installation du paquet
# démarre d'ordinaire le service système (site par défaut : port 80, toutes les interfaces) : on l'en
# empêche par le mécanisme de Debian (policy-rc.d, posé le temps de l'installation s'il n'y en a pas
# déjà un). servir.sh lance son propre nginx, sur sa propre configuration.
installer_nginx() {
    [ -z "$(chemin_nginx)" ] || return 0
    local politique=/usr/sbin/policy-rc.d provisoire="" code=0
    if [ "$(id -u)" -eq 0 ] && [ ! -e "$politique" ]; then
        provisoire="$politique"
        printf '#!/bin/sh\n# Posé par scripts/environnement.sh le temps d installer nginx : aucun service démarré.\nexit 101\n' \
            > "$provisoire"
        chmod 755 "$provisoire"
    fi
    ( installer_paquets_debian nginx ) || code=$?
    [ -z "$provisoire" ] || rm -f "$provisoire"
    [ "$code" -eq 0 ] || echec "installation de nginx impossible (code $code)"
    [ -n "$(chemin_nginx)" ] || echec "nginx absent après installation"
}

# Dossier de séance PDF (rapports/) : WeasyPrint a besoin de Pango (libpango-1.0-0, libpangoft2-1.0-0) et
# Kaleido du Chromium de Debian pour dessiner les graphiques ; rien n'est téléchargé d'ailleurs. Installés
# s'ils manquent (un dossier sans Chromium garde ses tableaux et le dit à la place des graphiques).
installer_dossier_seance() {
    local manquants=()
    [ -x /usr/bin/chromium ] || manquants+=(chromium)
    dpkg -s libpango-1.0-0 >/dev/null 2>&1 || manquants+=(libpango-1.0-0)
    dpkg -s libpangoft2-1.0-0 >/dev/null 2>&1 || manquants+=(libpangoft2-1.0-0)
    [ "${#manquants[@]}" -eq 0 ] || installer_paquets_debian "${manquants[@]}"
}
