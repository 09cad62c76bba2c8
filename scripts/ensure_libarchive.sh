#!/usr/bin/env bash
# Make sure the system's libarchive (the C library libarchive-c wraps) exists, for .rar archives
# (archives.py expand_rar). Idempotent and quiet when it is there; called by `make setup`. Never fails
# setup: without root/sudo or apt-get it prints what to install and exits 0 (.rar files then fail alone,
# each with a message that says so).
set -u

msg() { echo "ensure_libarchive: $*" >&2; }

if ldconfig -p 2>/dev/null | grep -q 'libarchive\.so\.13'; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then SUDO="sudo -n"; else SUDO="none"; fi
fi

if [ "$SUDO" != "none" ] && command -v apt-get >/dev/null 2>&1; then
    msg "libarchive not found; installing it with apt-get (for .rar archives) ..."
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null 2>&1 || msg "apt-get update failed; trying the install anyway"
    # Debian 13 / Ubuntu 24.04 renamed it libarchive13t64
    for pkg in libarchive13 libarchive13t64; do
        if apt-cache show "$pkg" >/dev/null 2>&1 && $SUDO apt-get install -y -qq "$pkg" >/dev/null 2>&1; then
            msg "installed $pkg"
            exit 0
        fi
    done
    msg "could not install libarchive with apt-get; .rar archives will fail with a message"
    exit 0
fi

msg "libarchive not found and no way to install it here: install libarchive (apt: libarchive13; brew: libarchive;"
msg "conda: libarchive) for .rar archives; everything else works without it"
exit 0
