# Sourced by the ensure_*.sh scripts: how apt-get runs here (as root, through `sudo -n`, or not at all) and one
# `apt-get update` per `make setup` however many of them install something (ensure_system.sh shares a stamp).
# shellcheck shell=bash

export DEBIAN_FRONTEND=noninteractive   # apt never asks: setup runs unattended

APT_SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then APT_SUDO="sudo -n"; else APT_SUDO="none"; fi
fi

# apt-get can be run here (root or passwordless sudo, on a Debian-like system)
can_apt() { [ "$APT_SUDO" != "none" ] && command -v apt-get >/dev/null 2>&1; }

# the package lists refreshed once: EVALKIT_APT_STAMP (set by ensure_system.sh) marks that it was done this setup
apt_update_once() {
    if [ -n "${EVALKIT_APT_STAMP:-}" ] && [ -s "$EVALKIT_APT_STAMP" ]; then return 0; fi
    $APT_SUDO apt-get update -qq >/dev/null 2>&1 || msg "apt-get update failed; trying the install anyway"
    if [ -n "${EVALKIT_APT_STAMP:-}" ]; then echo updated > "$EVALKIT_APT_STAMP"; fi
}

# install the packages named (no recommends, quiet); its status is apt-get's
apt_install() {
    apt_update_once
    # shellcheck disable=SC2086
    $APT_SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1
}

# the package apt knows by this name (a release's packages change names: libarchive13 → libarchive13t64)
apt_has() { apt-cache show "$1" >/dev/null 2>&1; }
