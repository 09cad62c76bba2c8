#!/usr/bin/env bash
# Make sure the system's libarchive (the C library libarchive-c wraps) exists, for .rar archives
# (archives.py expand_rar). Idempotent and quiet when it is there; called by `make setup`. Never fails
# setup: without root/sudo or apt-get it prints what to install and exits 0 (.rar files then fail alone,
# each with a message that says so).
set -u

msg() { echo "ensure_libarchive: $*" >&2; }
# shellcheck source=apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"   # beside this script (no dirname: it runs on a bare PATH too)

if ldconfig -p 2>/dev/null | grep -q 'libarchive\.so\.13'; then
    exit 0
fi

if can_apt; then
    msg "libarchive not found; installing it with apt-get (for .rar archives) ..."
    apt_update_once
    # Debian 13 / Ubuntu 24.04 renamed it libarchive13t64
    for pkg in libarchive13 libarchive13t64; do
        if apt_has "$pkg" && apt_install "$pkg"; then
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
