"""Small, pure normalizers for the strings found in self-evaluation tables."""
from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from evalkit import grades as _grades

WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def _radicals() -> dict[int, str]:
    """The CJK Radicals Supplement's equivalent ideographs (⺠ U+2EA0 for 民, ⻓ for 长, ⻚ for 页), which NFKC leaves
    as they are: Unicode's table, shipped as data/radical_ideographs.tsv (scripts/make_ideograph_table.sh)."""
    text = resources.files("evalkit").joinpath("data/radical_ideographs.tsv").read_text(encoding="utf-8")
    pairs = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {int(radical, 16): chr(int(ideograph, 16)) for radical, ideograph in pairs}


# Kangxi radicals, CJK radicals and compatibility ideographs that stand for a common character (⼀ U+2F00 for 一,
# ⽬ for 目, 金 U+F90A for 金, ⺠ U+2EA0 for 民): some PDF producers map their glyphs so (a browser's print of a
# page: 居⺠, ⻓效), and ⼀级指标 matched no header word
IDEOGRAPH_FOLD = _radicals() | {
    cp: folded for block in (range(0x2E80, 0x2F00), range(0x2F00, 0x2FE0), range(0xF900, 0xFB00))
    for cp in block if (folded := unicodedata.normalize("NFKC", chr(cp))) != chr(cp)}
_FOLDABLE = re.compile("[" + "".join(map(chr, IDEOGRAPH_FOLD)) + "]")


def fold_ideographs(text: str) -> tuple[str, int]:
    """`text` with radicals and compatibility ideographs as the common characters they stand for, and how many."""
    n = len(_FOLDABLE.findall(text)) if text else 0
    return (text.translate(IDEOGRAPH_FOLD), n) if n else (text, 0)


# Unicode's format characters (category Cf): invisible, but inside a word they make it another string: zero-width
# spaces and joiners, the BOM as a zero-width no-break space, soft hyphens (what web editors and text copied from
# WeChat articles leave: 项\u200b目名称 matched no header word), and bidirectional controls, which would reorder
# a name as shown in a report.
@lru_cache(maxsize=None)
def _invisible() -> tuple[dict, re.Pattern]:
    """The format characters, as a translate table and a pattern: built on first use (a scan of Unicode, 80 ms)."""
    table = {cp: None for cp in range(0x110000) if unicodedata.category(chr(cp)) == "Cf"}
    return table, re.compile("[" + "".join(re.escape(chr(cp)) for cp in table) + "]")


def drop_invisible(text: str) -> tuple[str, int]:
    """`text` without format characters, and how many there were."""
    if not text or text.isascii():
        return text, 0
    table, pattern = _invisible()
    n = len(pattern.findall(text))
    return (text.translate(table), n) if n else (text, 0)


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[\s\u3000\u00a0]+(?=[\u4e00-\u9fff])")


def close_cjk_gaps(text: str) -> str:
    """Prose without the spaces between two Chinese characters (Chinese has no word spaces; a `自 评得分` spread by a
    layout or `&nbsp;` is 自评得分 to the statements' patterns)."""
    return _CJK_GAP.sub("", text) if text else text


FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")


def fold_digits(text: str) -> tuple[str, int]:
    """`text` with full-width digits (typed in 全角 mode: ２０２２年２月，得分９３．２５分) as ASCII ones, a full-width
    point between them a decimal point, and how many digits; the statements' patterns and dates read ASCII digits."""
    if not text or text.isascii():
        return text, 0
    n = sum(map(text.count, "０１２３４５６７８９"))
    if not n:
        return text, 0
    return _FULLWIDTH_POINT.sub(".", text.translate(FULLWIDTH_DIGITS)), n


# the template's numbered slot before an indicator's name: 指标1：…, 指标2、…, or run into it (指标1工程完工率); alone
# (指标2, a slot left unfilled) nothing remains
LIST_PREFIX = re.compile(r"^(?:指标\s*\d{1,2}(?:\s*[:：、．]\s*|\s*$|"
                         r"(?=[\u4e00-\u9fff（(“])(?![个项次人家户台套件元万亿](?:$|[^\u4e00-\u9fff])))\s*)+")   # not 指标10个
EMPTY_MARKS = {"", "—", "-", "--", "一", "/", "／", "无", "——", "－", "…", "......", ".....", "…………"}

# operator spellings -> canonical symbol; longest first so '>=' wins over '>'
OPERATORS = [
    (">=", "≥"), ("≥", "≥"), ("≧", "≥"), ("⩾", "≥"), ("＞＝", "≥"), ("＞=", "≥"), ("﹥=", "≥"), ("﹥﹦", "≥"),
    ("不低于", "≥"), ("不少于", "≥"), ("大于等于", "≥"),
    ("<=", "≤"), ("≤", "≤"), ("≦", "≤"), ("⩽", "≤"), ("＜＝", "≤"), ("＜=", "≤"), ("﹤=", "≤"), ("﹤﹦", "≤"),
    ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("小于等于", "≤"),
    # ﹦ (the small form) and ═ (a box-drawing double line): 云南 forms' 指标性质
    ("==", "="), ("＝", "="), ("﹦", "="), ("═", "="), ("=", "="), ("等于", "="),
    ("＞", ">"), ("﹥", ">"), (">", ">"), ("大于", ">"), ("超过", ">"),
    ("＜", "<"), ("﹤", "<"), ("<", "<"), ("小于", "<"), ("低于", "<"),
]
# The units money is stated in, as 万元 (the contract's unit) per one of them, exact: the readers convert a
# document's amounts with it, the checks a target's or an actual's (a cost target in 千元 is money too).
MONEY_UNITS = {"元": "0.0001", "千元": "0.1", "万元": "1", "百万元": "100", "亿元": "10000"}


def wanyuan_per(unit) -> Decimal | None:
    """万元 in one `unit` of money ('千元' -> 0.1), None for a unit that is not money ('元/人', '人')."""
    rate = MONEY_UNITS.get(unit) if isinstance(unit, str) else None
    return Decimal(rate) if rate else None


PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?")
HAS_DIGIT = re.compile(r"\d")
NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?")

# Grades live in evalkit.grades; these names are kept for the readers and tests that use them.
DEFAULT_BANDS = _grades.DEFAULT_BANDS
normalize_grade = _grades.normalize          # grade cell -> (优/良/中/差, word as written)
grade_from_score = _grades.from_score        # score -> band under (lower bound, grade) pairs


def clean_text(s) -> str | None:
    """Remove all whitespace (exports break CJK words with spaces and line breaks); '' -> None."""
    if s is None:
        return None
    out = WS.sub("", str(s))
    return out or None


# an outline number before a label: 一、产出指标, （一）数量指标, 1.培训人数, 2、 (not the 1. of 1.5万元)
OUTLINE = re.compile(r"^(?:[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,3}(?:[、．]|\.(?!\d)))\s*")


def strip_outline(s: str) -> str:
    """A label without the outline number a template puts before it (一、产出指标 -> 产出指标)."""
    if not s:
        return s
    out = OUTLINE.sub("", s.strip(), count=1)
    return out or s


def strip_list_prefix(s: str | None) -> str | None:
    """Drop list prefixes such as '指标1:' that templates put before indicator names."""
    if s is None:
        return None
    out = LIST_PREFIX.sub("", s.strip()).strip()      # ' 指标1:…' too: a leading blank hid the prefix
    return out or None


# a figure Excel could not fit in its column: it displays and prints "####" in its place (a PDF or scan of the sheet
# keeps only that); the cell states a figure, which the document does not show
OVERFLOW = re.compile(r"[#＃]{2,}")


def is_overflow(s) -> bool:
    """A cell that shows "####" for a figure too wide for its column."""
    return isinstance(s, str) and OVERFLOW.fullmatch(WS.sub("", s)) is not None


def is_empty_mark(s) -> bool:
    """A cell that states nothing: blank, a dash, '一' or '/' used as 'not applicable'."""
    return s is None or WS.sub("", str(s)) in EMPTY_MARKS


def _finite(x) -> float | None:
    """float(x) when it is a finite float (not NaN, not ±inf, not an int beyond float range), else None."""
    try:
        f = float(x)
    except (OverflowError, ValueError):
        return None
    return f if math.isfinite(f) else None


def parse_number(s) -> float | None:
    """A cell that is a plain number ('5.6', '1,234.5', '25,930.0\\n0', '92.5%', a score '45分') -> finite float, else None.

    A number object gives its value (None for NaN, ±inf and ints beyond float range); a bool is not a number."""
    if s is None or isinstance(s, bool):
        return None
    if isinstance(s, (int, float, Decimal)):
        return _finite(s)
    return _parse_text(str(s))


@lru_cache(maxsize=65536)
def _parse_text(s: str) -> float | None:
    """parse_number of a text (memoized: a document's cells are read many times and repeat)."""
    t = unicodedata.normalize("NFKC", WS.sub("", s))
    t = t[:-1] if t.endswith("分") else t.rstrip("%")       # a score written with its unit: 45分
    if not PLAIN_NUMBER.fullmatch(t) or not HAS_DIGIT.search(t):
        return None
    return _finite(t.replace(",", ""))


AMOUNT = re.compile(r"¥?([-+]?(?:\d+(?:,\d{3})*|\d*)(?:\.\d+)?)(" + "|".join(sorted(MONEY_UNITS, key=len, reverse=True))
                    + "|万|亿)?")
SHORT_UNITS = {"万": "万元", "亿": "亿元"}     # 88万, 1.2亿: an amount's unit without its 元
_BRACKETED_UNIT = re.compile(r"(?<=\d)\((" + "|".join(sorted(MONEY_UNITS, key=len, reverse=True)) + r"|万|亿)\)$")


def parse_amount(s) -> tuple[float | None, str | None]:
    """A money cell: '88', '88万元', '88万', '¥1,000', '1,000,000.00元' -> (the number as written, the unit the cell states
    or None: the table's unit applies); (None, None) for anything else."""
    if s is None or isinstance(s, bool):
        return None, None
    if isinstance(s, (int, float, Decimal)):
        return _finite(s), None
    t = unicodedata.normalize("NFKC", WS.sub("", str(s)))
    if t.endswith(")") and "(" in t:            # 12.5(万元): the unit bracketed after the figure
        t = _BRACKETED_UNIT.sub(r"\1", t)
    m = AMOUNT.fullmatch(t)
    if not m or not HAS_DIGIT.search(m.group(1)):
        return None, None
    return _finite(m.group(1).replace(",", "")), SHORT_UNITS.get(m.group(2), m.group(2))


def parse_percent(s) -> float | None:
    """'92.5%' -> 92.5, '100.00%' -> 100.0, '10' -> 10.0: percent units as written, never rescaled."""
    return parse_number(s)


def parse_operator(s: str | None) -> tuple[str | None, str]:
    """Split a leading comparison operator off a target string: '≥ 95%' -> ('≥', '95%')."""
    if not s:
        return None, s or ""
    t = WS.sub("", s)
    for spelling, op in OPERATORS:
        if t.startswith(spelling):
            return op, t[len(spelling):]
    return None, t


def parse_measure(s) -> tuple[str | None, float | None, str | None]:
    """Read '≥ 1 人' / '≤5.6万元' / '大于6万人次' / '12 月份' as (operator, value, unit).

    value is a finite float or None; unit a word of at most 6 characters without digits, or None;
    a number object gives (None, value, None)."""
    if s is None or isinstance(s, bool):
        return None, None, None
    if isinstance(s, (int, float, Decimal)):
        return None, _finite(s), None      # a number cell: a value without a unit
    op, rest = parse_operator(str(s))
    rest = unicodedata.normalize("NFKC", rest) if rest else rest
    if rest and op is None:              # 约95%, 95%左右: about the figure, a target without a sign
        rest = APPROX_AFTER.sub("", APPROX_BEFORE.sub("", rest))
    if not rest:
        return op, None, None
    m = NUMBER.match(rest)
    if not m:
        return op, None, _unit(rest) if op else None        # '≥ 万人': a unit without its number
    value = _finite(m.group(0).replace(",", ""))    # None for a 400-digit 'number'
    unit = rest[m.end():]
    if after := _AFTER_OPERATOR.search(unit):    # 95%以上, 3天以内: the sign written after (≥95%以上: said twice)
        op, unit = op or AFTER_OPERATORS[after.group(1)], unit[:after.start()]
    return op, value, _unit(unit)


APPROX_BEFORE = re.compile(r"^(?:大约|约为|约)")
APPROX_AFTER = re.compile(r"左右$")

# a target stated as a range (90%-100%, 90～100%, 10至15万元): the first figure, its unit if it has one, a dash, the
# second figure and the unit both share
_RANGE_REST = re.compile(r"^([^\d\-－~～至到—–]{0,6}?)\s*[-－~～至到—–]\s*(" + NUMBER.pattern.lstrip("[-+]?") + r")(.*)$")


def parse_range(s) -> tuple[float, float, str | None] | None:
    """(low, high, unit) of a target written as a range without a sign (90%-100% -> (90, 100, '%')); None otherwise
    (a sign before it, one figure, units that differ, a high below the low)."""
    if not isinstance(s, str):
        return None
    op, rest = parse_operator(s)
    rest = unicodedata.normalize("NFKC", rest) if rest else rest
    m = NUMBER.match(rest or "")
    if op is not None or not m or m.group(0).startswith(("-", "+")):
        return None
    r = _RANGE_REST.match(rest[m.end():])
    if not r:
        return None
    lo, hi = _finite(m.group(0).replace(",", "")), _finite(r.group(2).replace(",", ""))
    u1, u2 = r.group(1).strip() or None, _unit(r.group(3).strip())
    if lo is None or hi is None or hi < lo or (u1 and u2 and u1 != u2) or (r.group(3).strip() and not u2):
        return None
    return lo, hi, u2 or _unit(u1 or "")


def parse_target(s) -> tuple[str | None, float | None, str | None, float | None]:
    """A target as (operator, value, unit, high end): parse_measure's reading, or, for a range (90%-100%), at least
    its low end (≥) and at most its high end. A range leaves parse_measure a figure without a unit (the rest holds the
    second figure), so only such a reading is tried as one."""
    op, value, unit = parse_measure(s)
    if value is not None and unit is None and (span := parse_range(s)) is not None:
        lo, hi, unit = span
        return "≥", lo, unit, hi
    return op, value, unit, None


# comparison words written after the figure (95%以上, 90%(含)以上, 3个工作日以内, 60分以下); 以上/以下 include the figure
AFTER_OPERATORS = {"以上": "≥", "及以上": "≥", "(含)以上": "≥", "或以上": "≥", "以下": "≤", "及以下": "≤",
                   "(含)以下": "≤", "或以下": "≤", "以内": "≤", "之内": "≤", "(含)以内": "≤"}
_AFTER_OPERATOR = re.compile("(" + "|".join(re.escape(k) for k in sorted(AFTER_OPERATORS, key=len, reverse=True))
                             + ")$")


def _unit(u: str) -> str | None:
    """A unit is a short word without digits; '1年以上…' style prose after a number is not one."""
    return u if u and len(u) <= 6 and not re.search(r"\d", u) else None


# the points a template prints after a level label: 产出指标(50分), 满意度指标(20)分, 部门决策（25分）, the 四川
# template's 项目绩效（特性指标70分） (the share of the 共性/特性/个性 indicators it belongs to), and without brackets
# at the label's end (湖北 广水: 产出指标40分, 项目决策2分)
ANNOTATION = re.compile(r"[（(]\s*(?:(?:共性|特性|个性)指标\s*)?(\d+(?:\.\d+)?)\s*分?\s*[)）]分?"
                        r"|(?<=[\u4e00-\u9fff])\s*(\d+(?:\.\d+)?)\s*分$")


def strip_annotation(s: str | None) -> str | None:
    """'产出指标(50分)' -> '产出指标': weight annotations on level names, for vocabulary lookups."""
    if s is None:
        return None
    t = ANNOTATION.sub("", s).rstrip(":：")
    return t if t.strip() else None


def annotation_points(s) -> Decimal | None:
    """The points a level label states after its words (产出指标（50分） -> 50); None where it states none (a bracketed
    year or count without 分 is none)."""
    m = ANNOTATION.search(s) if isinstance(s, str) else None
    if m is None or "分" not in m.group(0) or not s[:m.start()].strip():
        return None
    return Decimal(m.group(1) or m.group(2))


def drop_parenthetical(s: str | None) -> str:
    """'全年预算数(A)' -> '全年预算数', '资金情况(万元)' -> '资金情况': header words without notes."""
    if not s:
        return ""
    t = WS.sub("", s)
    t = re.sub(r"[（(][^()（）]*[)）]", "", t)
    return t.rstrip(":：")
