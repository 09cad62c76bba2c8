#!/usr/bin/env bash
# Make sure LibreOffice (Writer + Calc + Impress, headless) exists so evalkit can read .doc/.wps/.rtf/.odt/.ods/.et
# and the decks .ppt/.dps/.odp (readers/office.py converts them with `soffice --headless --convert-to docx|xlsx|pptx`).
# Idempotent and quiet when soffice is already there; called by `make setup`. Never fails setup:
# without root/sudo or apt-get it prints what to install and exits 0 (those formats then fail alone,
# each with a message that says how to install LibreOffice).
# On Debian/Ubuntu it installs the -nogui variants (no X11/GTK stack; about 110 s and 220 MB on Debian 12).
set -u

msg() { echo "ensure_libreoffice: $*" >&2; }
# shellcheck source=apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"   # beside this script (no dirname: it runs on a bare PATH too)

have_soffice() {
    # the places evalkit looks (readers/office.py find_soffice)
    { [ -n "${EVALKIT_SOFFICE:-}" ] && [ -x "${EVALKIT_SOFFICE}" ]; } \
        || command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 \
        || [ -x /opt/libreoffice/program/soffice ] || [ -x /Applications/LibreOffice.app/Contents/MacOS/soffice ]
}

# Debian's split packages: a soffice without libsdlo.so (its Impress module) converts documents and workbooks, not
# decks. Other layouts (macOS's bundle, the upstream packages under /opt) carry every module.
have_impress() {
    local s
    s=$(command -v soffice 2>/dev/null || command -v libreoffice 2>/dev/null) || return 0
    local dir
    dir=$(dirname "$(readlink -f "$s")")
    [ ! -e "$dir/libswlo.so" ] || [ -e "$dir/libsdlo.so" ]
}

if have_soffice && have_impress; then
    exit 0
fi

if [ "${EVALKIT_NO_LIBREOFFICE:-}" = "1" ]; then
    msg "EVALKIT_NO_LIBREOFFICE=1: not installing LibreOffice (.doc/.wps/.rtf/.odt/.ods/.et files will fail)"
    exit 0
fi

if can_apt; then
    msg "soffice (or its Impress module) not found; installing LibreOffice Writer+Calc+Impress (headless) with apt-get, this takes a few minutes ..."
    start=$(date +%s)
    apt_update_once
    # -nogui variants (Debian 11+, Ubuntu 20.04+) are much smaller; the plain ones elsewhere.
    if apt_has libreoffice-writer-nogui; then
        pkgs="libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"
    else
        pkgs="libreoffice-writer libreoffice-calc libreoffice-impress"
    fi
    # a CJK font, so the conversion keeps Chinese text metrics (fonts-noto-cjk, else wqy)
    fonts="fonts-noto-cjk"
    apt_has fonts-noto-cjk || fonts="fonts-wqy-microhei"
    # shellcheck disable=SC2086
    apt_install $pkgs $fonts || apt_install $pkgs || msg "apt-get install $pkgs failed"
    if have_soffice && have_impress; then
        msg "LibreOffice installed ($pkgs) in $(( $(date +%s) - start )) s."
        exit 0
    fi
fi

if have_soffice; then
    cat >&2 <<'MSG'
ensure_libreoffice: 找到了 LibreOffice，但没有其演示文稿组件（Impress），.ppt/.dps/.odp 文件将无法读取（其他格式不受影响）。
  Debian/Ubuntu:  sudo apt-get install -y --no-install-recommends libreoffice-impress-nogui   (older releases: libreoffice-impress)
MSG
    exit 0
fi

cat >&2 <<'MSG'
ensure_libreoffice: 没有找到 LibreOffice，.doc/.wps/.rtf/.odt/.ods/.et/.ppt/.dps/.odp 文件将无法读取（其他格式不受影响）。
ensure_libreoffice: LibreOffice (soffice) not found and it could not be installed automatically.
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-noto-cjk
                  (older releases: libreoffice-writer libreoffice-calc libreoffice-impress)
  Fedora:         sudo dnf install -y libreoffice-writer libreoffice-calc libreoffice-impress google-noto-sans-cjk-fonts
  macOS:          brew install --cask libreoffice
  Windows:        https://www.libreoffice.org/download/  (then put soffice on PATH or set EVALKIT_SOFFICE)
  Or point evalkit at any soffice:  export EVALKIT_SOFFICE=/path/to/soffice
MSG
exit 0
