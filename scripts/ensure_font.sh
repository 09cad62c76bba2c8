#!/usr/bin/env bash
# Make sure a CJK (Chinese) font exists so charts can render Chinese labels.
# Idempotent and quiet when a font is already there; called by `make setup`.
# On Debian/Ubuntu as root it installs fonts-noto-cjk (falling back to fonts-wqy-microhei).
set -u

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    here="$(cd "$(dirname "$0")/.." && pwd)"
    if [ -x "$here/.venv/bin/python" ]; then PY="$here/.venv/bin/python"; else PY=python3; fi
fi

have_font() {
    # The same lookup the charts use (evalkit.fonts), else fontconfig.
    if "$PY" -c "import evalkit.fonts" >/dev/null 2>&1; then
        "$PY" -m evalkit.fonts >/dev/null 2>&1 && return 0
        return 1
    fi
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -n1)" ]
}

if have_font; then
    exit 0
fi

msg() { echo "ensure_font: $*" >&2; }
# shellcheck source=apt.sh
. "${BASH_SOURCE[0]%/*}/apt.sh"   # beside this script (no dirname: it runs on a bare PATH too)

if can_apt; then
    msg "no CJK font found; installing one with apt-get (fonts-noto-cjk / fonts-wqy-microhei) ..."
    apt_install fonts-noto-cjk || apt_install fonts-wqy-microhei || msg "apt-get install failed"
    if have_font; then
        msg "CJK font installed."
        exit 0
    fi
fi

cat >&2 <<'MSG'
ensure_font: 没有找到中文字体，图表中的中文将无法显示。
ensure_font: No CJK font found and none could be installed automatically.
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y fonts-noto-cjk   (or fonts-wqy-microhei)
  Fedora:         sudo dnf install -y google-noto-sans-cjk-fonts
  macOS/Windows:  a system CJK font (PingFang / Microsoft YaHei) is found automatically
  Or point evalkit at any CJK font file:  export EVALKIT_CJK_FONT=/path/to/font.ttf
MSG
exit 1
