"""Find a CJK font file and register it with matplotlib, so Chinese labels render.

matplotlib ships no CJK font, and its font cache may predate a font installed later
(`scripts/ensure_font.sh` installs one), so we look for font *files* ourselves and register
them with ``font_manager.fontManager.addfont`` instead of trusting the cache.

    from evalkit.fonts import setup_cjk_font
    family = setup_cjk_font()      # e.g. "Noto Sans CJK SC"; raises CJKFontNotFound if none

Set ``EVALKIT_CJK_FONT=/path/to/font.ttf`` to force a particular file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from evalkit.errors import UsageError

__all__ = ["CJKFontNotFound", "CJKFont", "find_cjk_font", "setup_cjk_font", "SAMPLE"]

# Characters every chart needs; a font missing any of them is not good enough.
SAMPLE = "优良中差县区执行率得分预算万元项目高低（）：≥"

# Family names in order of preference (simplified-Chinese faces first).
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "SimHei",
    "Sarasa Gothic SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
)

# Known file locations (Debian/Ubuntu, Fedora, Arch, Alpine, macOS, Windows).
KNOWN_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

# File-name fragments that suggest a CJK font when scanning the system's font folders.
NAME_HINTS = ("cjk", "wqy", "wenquanyi", "sourcehan", "notosanssc", "simhei", "msyh",
              "pingfang", "heiti", "droidsansfallback", "sarasa", "uming", "ukai")


class CJKFontNotFound(UsageError):
    """No usable CJK font file on this machine (or EVALKIT_CJK_FONT names no font)."""


@dataclass(frozen=True)
class CJKFont:
    family: str   # the family name to put into rcParams
    path: Path    # the font file registered with matplotlib


_ACTIVE: CJKFont | None = None


def _covers(path: str, sample: str = SAMPLE) -> bool:
    """Whether the font file has a glyph for every character of `sample`."""
    from matplotlib.ft2font import FT2Font
    try:
        font = FT2Font(path)
    except Exception:
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in sample)


def _candidate_files() -> list[str]:
    seen: list[str] = []
    env = os.environ.get("EVALKIT_CJK_FONT")
    if env:
        if not Path(env).is_file():
            raise CJKFontNotFound(f"环境变量 EVALKIT_CJK_FONT 指向的 {env} 不是字体文件",
                                  "请改为一个 .ttf/.otf/.ttc 中文字体文件的路径，或取消该变量")
        seen.append(env)
    seen += [p for p in KNOWN_PATHS if Path(p).is_file()]
    # Fonts on disk (not matplotlib's cache, which may be stale), filtered by name.
    from matplotlib import font_manager as fm
    try:
        system = fm.findSystemFonts(fontext="ttf") + fm.findSystemFonts(fontext="otf")
    except Exception:  # pragma: no cover - odd platforms
        system = []
    for p in sorted(set(system)):
        key = Path(p).name.lower().replace("-", "").replace("_", "")
        if any(h in key for h in NAME_HINTS):
            seen.append(p)
    # Fonts matplotlib already knows about (e.g. registered by the user).
    for entry in fm.fontManager.ttflist:
        if entry.name in PREFERRED_FAMILIES:
            seen.append(entry.fname)
    out: list[str] = []
    for p in seen:
        if p not in out:
            out.append(p)
    return out


def _register_siblings(path: Path) -> None:
    """Register the other weights of a font file's family (NotoSansCJK-Bold.ttc next to
    NotoSansCJK-Regular.ttc), so bold titles are really bold."""
    from matplotlib import font_manager as fm
    stem = path.stem.split("-")[0]
    if not stem or stem == path.stem:
        return
    for sib in sorted(path.parent.glob(f"{stem}-*{path.suffix}")):
        if sib != path:
            try:
                fm.fontManager.addfont(str(sib))
            except Exception:  # noqa: BLE001
                pass


def find_cjk_font() -> CJKFont | None:
    """Register candidate CJK font files with matplotlib and return the preferred one.

    Returns None when no file on this machine covers the characters the charts use."""
    from matplotlib import font_manager as fm

    candidates = _candidate_files()
    registered: dict[str, str] = {}   # family -> file
    for path in candidates:
        if not _covers(path):
            continue
        before = {id(e) for e in fm.fontManager.ttflist}
        try:
            fm.fontManager.addfont(path)
        except Exception:
            continue
        for entry in fm.fontManager.ttflist:
            if entry.fname == path or id(entry) not in before:
                registered.setdefault(entry.name, path)
        if "Noto Sans CJK SC" in registered:
            break  # the first choice; no need to look further
    for family in PREFERRED_FAMILIES:
        if family in registered:
            _register_siblings(Path(registered[family]))
            return CJKFont(family, Path(registered[family]))
    if registered:  # a covering font with an unexpected name
        family, path = next(iter(registered.items()))
        return CJKFont(family, Path(path))
    return None


def setup_cjk_font(strict: bool = True) -> str | None:
    """Make matplotlib draw Chinese: register a CJK font and put it first in rcParams.

    Returns the family name. With ``strict`` (default) raises CJKFontNotFound when no CJK
    font exists, telling the user how to install one; otherwise returns None."""
    global _ACTIVE
    import matplotlib

    if _ACTIVE is None:
        _ACTIVE = find_cjk_font()
    if _ACTIVE is None:
        if strict:
            raise CJKFontNotFound(
                "没有找到中文字体（CJK font），图表中的中文无法显示",
                "请运行 scripts/ensure_font.sh，或 apt-get install -y fonts-noto-cjk，"
                "或设置 EVALKIT_CJK_FONT=/path/to/font.ttf")
        return None
    family = _ACTIVE.family
    from matplotlib import font_manager as fm
    if not any(e.name == family and e.weight in (600, 700, 800, 900, "bold")
               for e in fm.fontManager.ttflist):
        # No bold face (WenQuanYi Micro Hei): matplotlib uses the regular one and would log
        # "Failed to find font weight bold" for every title; that is expected, keep it quiet.
        import logging
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    matplotlib.rcParams["font.family"] = "sans-serif"
    rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
    # DejaVu Sans stays as a fallback for any symbol the CJK font lacks.
    if "DejaVu Sans" not in rest:
        rest.append("DejaVu Sans")
    matplotlib.rcParams["font.sans-serif"] = [family] + rest
    matplotlib.rcParams["axes.unicode_minus"] = False
    return family


def active_font() -> CJKFont | None:
    """The font chosen by the last `setup_cjk_font` call, if any."""
    return _ACTIVE


if __name__ == "__main__":  # python -m evalkit.fonts: exit 0 when a CJK font is usable
    import sys
    font = find_cjk_font()
    if font is None:
        print("no CJK font found", file=sys.stderr)
        sys.exit(1)
    print(f"{font.family}\t{font.path}")
