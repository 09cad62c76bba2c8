"""Terminal columns by display width: a CJK character takes two columns, so tables of Chinese
file names line up (wcwidth when installed, else unicodedata's East Asian width)."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

try:
    from wcwidth import wcswidth as _wcswidth, wcwidth as _wcwidth
except ImportError:          # pragma: no cover - a declared dependency; unicodedata if it is missing
    _wcwidth = _wcswidth = None


@lru_cache(maxsize=8192)
def char_width(ch: str) -> int:
    """Columns one printable character takes (2 for CJK and full-width forms)."""
    if _wcwidth is not None:
        w = _wcwidth(ch)
        if w >= 0:
            return w
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def width(s: str) -> int:
    """Display width of `s` (non-printable characters count as their escaped form)."""
    return sum(char_width(ch) for ch in printable(s))


def printable(s: str) -> str:
    """`s` with control characters shown escaped (\\n, \\x07), so a file name cannot move the cursor."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(s))


def cut(s: str, cols: int) -> str:
    """`s` cut to at most `cols` display columns (a wide character that would not fit is dropped)."""
    out, w = [], 0
    for ch in printable(s):
        cw = char_width(ch)
        if w + cw > cols:
            break
        out.append(ch)
        w += cw
    return "".join(out)


def ljust(s: str, cols: int) -> str:
    """`s` cut and padded on the right to exactly `cols` display columns."""
    s = str(s)
    if s.isascii() and s.isprintable():     # one column a character (a ledger prints thousands)
        return s[:cols].ljust(cols)
    c = cut(s, cols)
    return c + " " * (cols - width(c))


def rjust(s: str, cols: int) -> str:
    """`s` cut and padded on the left to exactly `cols` display columns."""
    s = str(s)
    if s.isascii() and s.isprintable():
        return s[:cols].rjust(cols)
    c = cut(s, cols)
    return " " * (cols - width(c)) + c


def middle(s: str, cols: int, head: float = 1 / 3) -> str:
    """`s` in at most `cols` display columns, cut in the middle ("…"): a path keeps its start (the province, the
    folder) and its end (what tells two files of a folder apart: `_扫描件.png`, `_副本.docx`)."""
    s = printable(s)
    if width(s) <= cols:
        return s
    start = cut(s, max(0, int(cols * head)))
    return start + "…" + cut(s[::-1], cols - width(start) - 1)[::-1]     # the end: `cut` from the other side
