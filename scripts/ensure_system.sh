#!/usr/bin/env bash
# What `make setup` (and setup-min) needs outside Python: a CJK font, LibreOffice, libarchive and xpstopdf, each
# installed with apt where it is missing (one `apt-get update` for all of them). Exits with ensure_font.sh's
# status: charts cannot go without Chinese glyphs; the others only cost the formats that need them.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
EVALKIT_APT_STAMP="$(mktemp "${TMPDIR:-/tmp}/apt-updated.XXXXXX")"
export EVALKIT_APT_STAMP
trap 'rm -f "$EVALKIT_APT_STAMP"' EXIT

"$here/ensure_font.sh"
font=$?
for part in libreoffice libarchive xpstopdf; do
    "$here/ensure_$part.sh"
done
exit $font
