"""Grade scales, words and bands: the one place every stage learns what 优/良/中/差 and their kin mean.

A grade has a rank (0 = best … 3 = worst). Documents write it in one of several scales
(优/良/中/差, 优/良/合格/不合格, 一等…四等, 优秀/良好/…); the contract stores the rank's one
character (`CONTRACT`), and keeps the word as written in `grade_raw`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

# The contract's one-character grade of each rank, best first.
CONTRACT: tuple[str, ...] = ("优", "良", "中", "差")

# Words a document may use for each rank. 合格 and 较差 fall in the 60–80 band (中); 不合格 is 差.
RANK_WORDS: tuple[tuple[str, ...], ...] = (
    ("优", "优秀", "一等", "A"),
    ("良", "良好", "二等", "B"),
    ("中", "中等", "合格", "较差", "一般", "三等", "C"),
    ("差", "不合格", "四等", "D"),
)

# Named scales: the four labels a scale gives to ranks 0–3.
SCALES: dict[str, tuple[str, str, str, str]] = {
    "优良中差": ("优", "良", "中", "差"),
    "优良合格不合格": ("优", "良", "合格", "不合格"),
    "等次": ("一等", "二等", "三等", "四等"),
}

# The 财政部 template's bands: a score at or above the bound gets the grade (highest first).
DEFAULT_BANDS: tuple[tuple[float, str], ...] = ((90, "优"), (80, "良"), (60, "中"), (0, "差"))

# summaries' count column of each contract grade.
COUNT_COLUMNS: dict[str, str] = {"优": "count_you", "良": "count_liang", "中": "count_zhong", "差": "count_cha"}

# Chart and workbook colours of each contract grade (line/marker colour; Excel fill, font).
COLORS: dict[str, str] = {"优": "#2e7d32", "良": "#1f77b4", "中": "#f0a30a", "差": "#c62828"}
FILLS: dict[str, tuple[str, str]] = {"优": ("C6EFCE", "006100"), "良": ("DDEBF7", "1F4E79"),
                                     "中": ("FFEB9C", "7F6000"), "差": ("FFC7CE", "9C0006")}

# All grade words, longest first (不合格 before 合格, 较差 before 差); Latin letters only match whole.
_WORDS: tuple[tuple[str, int], ...] = tuple(sorted(
    ((w, r) for r, ws in enumerate(RANK_WORDS) for w in ws), key=lambda x: -len(x[0])))
_CJK_WORDS = tuple((w, r) for w, r in _WORDS if not w.isascii())
# A grade word inside prose: 为"优"的项目, 评价等级为良好.
WORD_PATTERN = "|".join(re.escape(w) for w, _ in _CJK_WORDS)
_QUOTES = "\"'“”「」"


# A form's choice list with a box or mark by each grade: □优 ☑良 □中 □差, 优□ 良√ 中□ 差□, (√)优 ( )良. The grade is
# the one word marked (an empty bracket is an unmarked box); none marked, or several, state no grade.
MARKED = "☑☒■√✓✔✅▣◼◾●◉⦿🗹🗸🗷"
UNMARKED = "□☐▢○◯◻◽"
_EMPTY_BOX = re.compile(r"[（(\[【]\s*[）)\]】]")


def _choice(w: str) -> int | None | bool:
    """The rank marked in a choice list; None when it is one with no single mark; False when `w` is not one."""
    if not any(ch in MARKED or ch in UNMARKED for ch in w) and not _EMPTY_BOX.search(w):
        return False
    w = _EMPTY_BOX.sub(UNMARKED[0], w)
    items: list = []                         # ("mark", marked?) and ("word", rank) in order
    i = 0
    while i < len(w):
        if w[i] in MARKED or w[i] in UNMARKED:
            items.append(("mark", w[i] in MARKED))
            i += 1
            continue
        hit = next(((x, r) for x, r in _CJK_WORDS if w.startswith(x, i)), None)
        if hit:
            items.append(("word", hit[1]))
            i += len(hit[0])
        else:
            i += 1
    words = [k for k, it in enumerate(items) if it[0] == "word"]
    if len(words) < 2 or not any(it[0] == "mark" for it in items):
        return False
    prefix = items[0][0] == "mark"         # the box before its word (□优), else after it (优□)
    marked = set()
    for k in words:
        j = k - 1 if prefix else k + 1
        if 0 <= j < len(items) and items[j][0] == "mark" and items[j][1]:
            marked.add(items[k][1])
    return marked.pop() if len(marked) == 1 else None


def rank(word: Any, lenient: bool = False) -> int | None:
    """The rank (0 = best) of a grade word in any scale; None when it is not one.

    Strict: the word itself, or a two-character word inside it (优秀等次). Lenient, for cells read
    from documents: also a word it starts with (优（95分）) or contains (评为良). A choice list (□优 ☑良 □中 □差)
    gives the word marked, in either mode, and None when no single word is."""
    if word is None or (isinstance(word, float) and word != word):
        return None
    w = re.sub(r"\s+", "", str(word)).strip(_QUOTES)
    if not w:
        return None
    chosen = _choice(w)
    if chosen is not False:
        return chosen
    for x, r in _WORDS:
        if w == x:
            return r
    if lenient:
        for x, r in _CJK_WORDS:
            if w.startswith(x):
                return r
        for x, r in _CJK_WORDS:
            if x in w:
                return r
        return None
    for x, r in _CJK_WORDS:
        if len(x) > 1 and x in w:
            return r
    return None


def contract(word: Any, lenient: bool = False) -> str | None:
    """The contract's one character (优/良/中/差) for a grade word of any scale."""
    r = rank(word, lenient)
    return None if r is None else CONTRACT[r]


def normalize(cell: Any) -> tuple[str | None, str | None]:
    """A grade cell -> (contract character, the word as written without whitespace and quotes)."""
    if cell is None:
        return None, None
    raw = re.sub(r"[\s\u3000\u00a0\u200b\ufeff]+", "", str(cell)).strip(_QUOTES)
    if not raw:
        return None, None
    return contract(raw, lenient=True), raw


def band_pairs(bands: Iterable[Any] | None) -> list[tuple[Decimal, str]]:
    """Bands given as (min, grade), {"min", "grade"} or objects with .min/.grade -> exact pairs, highest first."""
    out = []
    for b in (DEFAULT_BANDS if bands is None else bands):
        if isinstance(b, dict):
            lo, g = b["min"], b["grade"]
        elif hasattr(b, "min") and hasattr(b, "grade"):
            lo, g = b.min, b.grade
        else:
            lo, g = b[0], b[1]
        out.append((Decimal("-Infinity") if lo == float("-inf") else Decimal(str(lo)), str(g)))
    # a NaN bound (never reached) sorts last
    return sorted(out, key=lambda x: Decimal("-Infinity") if x[0].is_nan() else x[0], reverse=True)


def from_score(score: Any, bands: Iterable[Any] | None = None, floor: bool = True) -> str | None:
    """The band a score falls in (highest bound at or below it), in exact decimals; None for no score.

    floor: a score below every bound gets the lowest band (a 0-bound scale is total on finite scores)."""
    if score is None:
        return None
    try:
        d = Decimal(str(score))
    except InvalidOperation:
        return None
    if d.is_nan():
        return None
    pairs = band_pairs(bands)
    for lo, g in pairs:
        if not lo.is_nan() and d >= lo:
            return g
    return pairs[-1][1] if floor and pairs else None


def band_ranges(bands: Iterable[Any] | None = None, top: float = 100.0) -> list[tuple[str, float, float]]:
    """[(grade, low, high)] for shading: 优 [90, top], 良 [80, 90), …, 差 [0, 60)."""
    out, hi = [], top
    for lo, g in band_pairs(bands):
        lo_f = max(float(lo), 0.0) if lo.is_finite() else 0.0
        out.append((g, lo_f, hi))
        hi = lo_f
    return out


def band_text(bands: Iterable[Any] | None = None) -> str:
    """`优≥90，良80-90，中60-80，差<60` for prose."""
    pairs = band_pairs(bands)
    parts = []
    for i, (lo, g) in enumerate(pairs):
        lo_s = f"{float(lo):g}" if lo.is_finite() else ""
        if i == 0:
            parts.append(f"{g}≥{lo_s}")
        elif i == len(pairs) - 1:
            parts.append(f"{g}<{float(pairs[i - 1][0]):g}")
        else:
            parts.append(f"{g}{lo_s}-{float(pairs[i - 1][0]):g}")
    return "，".join(parts)


@dataclass(frozen=True)
class Band:
    """A score at or above `min` earns `grade` (bands are tried highest first)."""
    min: Decimal
    grade: str
