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
# the one word marked (an empty bracket is an unmarked box); none marked, or several, state no grade. A ticked box OCR
# cannot read is dropped (口优 良 口中 口差: the empty ones read as 口): the one word of three or more without a box.
MARKED = "☑☒■√✓✔✅▣◼◾●◉⦿🗹🗸🗷"
UNMARKED = "□☐▢○◯◻◽"
OCR_BOX = "口"           # how OCR reads an empty box (□): one only where grade words follow it in a list
_EMPTY_BOX = re.compile(r"[（(\[【]\s*[）)\]】]")


OPTIONS_ONLY = re.compile(r"(?:" + WORD_PATTERN + r")(?:[、，,/／|｜;；\s]*(?:" + WORD_PATTERN + r")){2,}")


def _choice(text: str) -> int | None | bool:
    """The rank marked in a choice list; None when it is one with no single mark; False when `text` is not one.
    Three grade words and nothing else (优良中差, 优秀、良好、合格: the options with their boxes lost, as OCR loses
    them) are a list with none marked. A box belongs to the word it touches (优 良√ 中: 良); touching both or
    neither, to the word after it (the forms' □优), unless the list starts with a word and ends with a box (优□)."""
    compact = re.sub(r"\s+", "", text)
    if not any(ch in MARKED or ch in UNMARKED or ch == OCR_BOX for ch in compact) and not _EMPTY_BOX.search(compact):
        return None if OPTIONS_ONLY.fullmatch(compact) else False
    w = _EMPTY_BOX.sub(UNMARKED[0], text.strip())
    if OCR_BOX in w:                           # 口优 口良: a box as OCR reads it, when a grade word follows
        w = re.sub(OCR_BOX + r"(?=\s*(?:" + WORD_PATTERN + "))", UNMARKED[0], w)
    items: list = []                           # [kind, value, space before it]: marks (ticked?) and words (rank)
    i, gap = 0, False
    while i < len(w):
        if w[i].isspace():
            i, gap = i + 1, True
            continue
        if w[i] in MARKED or w[i] in UNMARKED:
            items.append(["mark", w[i] in MARKED, gap])
            i += 1
        elif hit := next(((x, r) for x, r in _CJK_WORDS if w.startswith(x, i)), None):
            items.append(["word", hit[1], gap])
            i += len(hit[0])
        else:
            i += 1
        gap = False
    words = [k for k, it in enumerate(items) if it[0] == "word"]
    if len(words) < 2 or not any(it[0] == "mark" for it in items):
        return False
    prefix = not (items[0][0] == "word" and items[-1][0] == "mark")
    box_of: dict[int, bool] = {}               # word index -> its box ticked?
    for k, it in enumerate(items):
        if it[0] != "mark":
            continue
        left = k - 1 if k > 0 and items[k - 1][0] == "word" else None
        right = k + 1 if k + 1 < len(items) and items[k + 1][0] == "word" else None
        if left is not None and right is not None:
            touches_left, touches_right = not it[2], not items[right][2]
            owner = right if touches_right and not touches_left else left if touches_left and not touches_right \
                else (right if prefix else left)
        else:
            owner = right if right is not None else left
        if owner is not None and owner not in box_of:
            box_of[owner] = it[1]
    marked = {items[k][1] for k, ticked in box_of.items() if ticked}
    unboxed = {items[k][1] for k in words if k not in box_of}
    if not marked and len(unboxed) == 1 and len(words) > 2:
        return unboxed.pop()                  # every box empty but one word's, which is gone: the tick OCR dropped
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
    chosen = _choice(str(word).strip(_QUOTES + " \t\r\n\u3000"))
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
