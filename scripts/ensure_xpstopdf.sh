#!/usr/bin/env bash
# Make sure libgxps's xpstopdf exists, for .xps/.oxps files (readers/xps.py draws them into a PDF with it).
# Idempotent and quiet when it is there; called by `make setup`. Never fails setup: without root/sudo or apt-get it
# prints what to install and exits 0 (XPS files then fail alone, each with a message that says so).
set -u

msg() { echo "ensure_xpstopdf: $*" >&2; }
# shellcheck source=apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"   # beside this script (no dirname: it runs on a bare PATH too)

if [ -n "${EVALKIT_XPSTOPDF:-}" ] && [ -x "$EVALKIT_XPSTOPDF" ]; then
    exit 0
fi
if command -v xpstopdf >/dev/null 2>&1; then
    exit 0
fi

if can_apt; then
    msg "xpstopdf not found; installing libgxps-utils with apt-get (for .xps/.oxps files) ..."
    if apt_install libgxps-utils; then
        msg "installed libgxps-utils"
        exit 0
    fi
    msg "could not install libgxps-utils with apt-get; .xps files will fail with a message"
    exit 0
fi

msg "xpstopdf not found and no way to install it here: install libgxps (apt: libgxps-utils; brew: libgxps) for"
msg ".xps/.oxps files, or set EVALKIT_XPSTOPDF to its path; everything else works without it"
exit 0
