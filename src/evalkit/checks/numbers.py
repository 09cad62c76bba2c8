"""Exact decimal helpers and the target/actual comparison the indicator rules rely on."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

import numpy as np
import pandas as pd

from evalkit.normalize import wanyuan_per

HUNDRED = Decimal(100)


def dec(x: Any) -> Decimal | None:
    """A stated number as an exact Decimal (floats via their shortest repr); None if missing."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x) or math.isinf(x):
            return None
        return Decimal(repr(x))
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return Decimal(int(x))
    try:
        s = str(x).strip().replace(",", "")
        if not s or s.lower() in ("nan", "none", "<na>"):
            return None
        return Decimal(s)
    except (InvalidOperation, ValueError):
        return None


def decs(values: Iterable[Any]) -> list[Decimal | None]:
    """`dec` over a column (a list, so callers can zip several columns)."""
    return [dec(v) for v in values]


def fmt(x: Decimal | None, places: int | None = None) -> str:
    """A Decimal as plain text without exponent or trailing zeros ('' for None)."""
    if x is None:
        return ""
    if places is not None:
        return format(x.quantize(Decimal(1).scaleb(-places)), "f")
    s = format(x, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def pct(x: Decimal | None) -> str:
    """A percent value for messages: two decimals and a % sign."""
    return "" if x is None else f"{fmt(x, 2)}%"


def text(x: Any) -> str:
    """A cell as text, '' for missing."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def truthy(x: Any) -> bool:
    """A bool-ish cell (True/'true'/1) as bool; missing is False."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return False
    if isinstance(x, str):
        return x.strip().lower() in ("true", "1", "yes", "y", "是")
    return bool(x)


# ---------------------------------------------------------------------- units

def unit_key(unit: Any, aliases: dict[str, str]) -> tuple[str, Decimal]:
    """(base unit, scale): '万元' -> ('元', 10000), '千元' -> ('元', 1000), '万人' -> ('人', 10000), '％' -> ('%', 1),
    '' -> ('', 1). Money by the one table of money units (normalize.MONEY_UNITS), other units by a 万/亿 prefix."""
    u = re.sub(r"\s+", "", text(unit))
    u = aliases.get(u, u)
    per = wanyuan_per(u)
    if per is not None:
        return "元", Decimal(int(per * 10000))          # 元 per unit, a whole number for each of them
    if len(u) > 1 and u.startswith("万"):
        return aliases.get(u[1:], u[1:]), Decimal(10000)
    if len(u) > 1 and u.startswith("亿"):
        return aliases.get(u[1:], u[1:]), Decimal(100000000)
    return u, Decimal(1)


def to_wanyuan(value: Decimal | None, unit: Any, aliases: dict[str, str]) -> Decimal | None:
    """An amount in 万元, or None when the unit is not money (normalize.MONEY_UNITS: 元, 千元, 万元, 百万元, 亿元)."""
    if value is None:
        return None
    base, scale = unit_key(unit, aliases)
    if base != "元":
        return None
    return value * scale / Decimal(10000)


# ------------------------------------------------------------- target vs actual

@dataclass(frozen=True)
class Interval:
    """A set of reals between lo and hi (None = unbounded), each end open or closed."""
    lo: Decimal | None
    lo_closed: bool
    hi: Decimal | None
    hi_closed: bool

    def contains(self, other: "Interval") -> bool:
        if self.lo is not None:
            if other.lo is None or other.lo < self.lo:
                return False
            if other.lo == self.lo and other.lo_closed and not self.lo_closed:
                return False
        if self.hi is not None:
            if other.hi is None or other.hi > self.hi:
                return False
            if other.hi == self.hi and other.hi_closed and not self.hi_closed:
                return False
        return True

    def disjoint(self, other: "Interval") -> bool:
        def below(a: "Interval", b: "Interval") -> bool:  # a entirely below b
            if a.hi is None or b.lo is None:
                return False
            return a.hi < b.lo or (a.hi == b.lo and not (a.hi_closed and b.lo_closed))
        return below(self, other) or below(other, self)


_OPS = {"≥": "≥", ">=": "≥", "＞": ">", ">": ">", "≤": "≤", "<=": "≤", "＜": "<", "<": "<",
        "=": "=", "＝": "=", "≧": "≥", "≦": "≤"}


def norm_op(op: Any) -> str | None:
    o = text(op).strip()
    return _OPS.get(o) if o else None


def interval(op: str | None, v: Decimal) -> Interval:
    if op == "≥":
        return Interval(v, True, None, False)
    if op == ">":
        return Interval(v, False, None, False)
    if op == "≤":
        return Interval(None, False, v, True)
    if op == "<":
        return Interval(None, False, v, False)
    return Interval(v, True, v, True)


@dataclass(frozen=True)
class Achievement:
    """Whether a target is met ('met' / 'unmet' / None = not comparable) and the achieved share."""
    status: str | None
    share: Decimal | None = None


def achievement(target_op: Any, target_value: Any, target_unit: Any,
                actual_op: Any, actual_value: Any, actual_unit: Any,
                ceiling: bool, aliases: dict[str, str], target_max: Any = None) -> Achievement:
    """Compare an actual with its target where both are numbers in compatible units.

    An unqualified target is a floor (≥), or a ceiling (≤) for cost-like lines; a target with a high end
    (target_max, 90%-100%) is the range between; an actual with an operator is a range (`≥95%` = at least 95).
    Met = the actual's range lies inside the target; unmet = no overlap; otherwise not comparable."""
    tv, av, hi = dec(target_value), dec(actual_value), dec(target_max)
    if tv is None or av is None:
        return Achievement(None)
    tb, ts = unit_key(target_unit, aliases)
    ab, as_ = unit_key(actual_unit, aliases)
    if tb and ab:
        if tb != ab:
            return Achievement(None)
        tv, av, hi = tv * ts, av * as_, (hi * ts if hi is not None else None)
    top = norm_op(target_op)
    if top is None:
        top = "≤" if ceiling else "≥"
    aop = norm_op(actual_op)
    t, a = (interval(top, tv) if hi is None else Interval(tv, True, hi, True)), interval(aop, av)
    if t.contains(a):
        return Achievement("met", Decimal(1))
    if not t.disjoint(a):
        return Achievement(None)
    if hi is not None:               # outside a range: the share of the end it missed
        share = (av / tv if av < tv and tv > 0 and av >= 0 else hi / av if av > hi and av > 0 else None) \
            if aop in (None, "=") else None
        return Achievement("unmet", share)
    if top == "=" and ((av > tv and not ceiling) or (av < tv and ceiling)):
        return Achievement("met", Decimal(1))  # `=7台`, 8 delivered: over-achieved, not missed
    share = None
    if aop in (None, "="):
        if top in ("≥", ">", "=") and not ceiling and tv > 0 and av >= 0:
            share = av / tv
        elif (top in ("≤", "<") or ceiling) and av > 0 and tv >= 0:
            share = tv / av
    return Achievement("unmet", share)


# ------------------------------------------------------------- exact fixed point
# Sums over many rows are done on integers in millionths: exact for every value stated
# with up to six decimals (all scores, weights and 万元 amounts in practice), and vectorized.
FIXED = 10 ** 6


def fixed(s: pd.Series) -> pd.Series:
    """A numeric column as exact integer millionths (nullable Int64)."""
    return (pd.to_numeric(s, errors="coerce") * FIXED).round().astype("Int64")


def unfixed(x: Any) -> Decimal | None:
    """Integer millionths back to a Decimal (None for NA)."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return None
    return Decimal(int(x)) / FIXED
