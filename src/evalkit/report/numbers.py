"""One number format for every figure a reader sees (prose, notebook tables, HTML, deck):
one rule per unit, and "—" for a missing value (never NaN, None or <NA>).

    万元  2 decimals with thousands separators   5,924.60
    %     1 decimal                             87.9
    分    2 decimals (as the documents print)    93.25
    个    an integer with thousands separators   1,204

`fmt(x, unit)` formats one value; `table(df, units, labels)` formats a DataFrame for display
(Chinese headers, strings, "—"); `excel_format(unit)` is the same rule as an Excel number format.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

MISSING = "—"
MONEY, RATE, SCORE, COUNT = "万元", "%", "分", "个"
DECIMALS = {MONEY: 2, RATE: 1, SCORE: 2, COUNT: 0}
EXCEL = {MONEY: "#,##0.00", RATE: '0.0"%"', SCORE: "0.00", COUNT: "#,##0"}


def is_missing(x) -> bool:
    """None, pd.NA, NaT, NaN (and ±inf, which no document states) count as missing."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x)) or (isinstance(x, float) and math.isinf(x))
    except (TypeError, ValueError):
        return False


def fmt(x, unit: str | None = None, *, suffix: bool = False) -> str:
    """`x` under its unit's rule ("—" when missing); `suffix` appends the unit (5.00万元, 87.9%)."""
    if is_missing(x):
        return MISSING
    if unit not in DECIMALS:
        return str(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isinf(v):
        return MISSING
    s = f"{round(v):,d}" if unit == COUNT else f"{v:,.{DECIMALS[unit]}f}"
    if unit in (RATE, SCORE):
        s = s.replace(",", "")           # rates and scores are small: no separators
    return s + (unit if suffix else "")


def excel_format(unit: str | None) -> str | None:
    """The Excel number format of `unit` (the same decimals as `fmt`); None for text columns."""
    return EXCEL.get(unit)


def unit_of(column: str) -> str | None:
    """A column's unit: the contract's (schema), else the report views' own columns by name."""
    from evalkit import schema
    for t in schema.TABLES.values():
        if column in t.names:
            u = t.column(column).unit
            if u in DECIMALS:
                return u
    return VIEW_UNITS.get(column)


VIEW_UNITS = {   # the report's computed columns (views, aggregates)
    "budget": MONEY, "executed": MONEY, "summary_funds": MONEY, "funds_evaluated": MONEY,
    "rate": RATE, "execution_rate": RATE, "median_rate": RATE, "quantified_share": RATE,
    "score": SCORE, "mean_score": SCORE, "min_score": SCORE, "summary_avg_score": SCORE,
    "n_reports": COUNT, "n_projects": COUNT, "n_low_rate": COUNT, "n_findings": COUNT,
    "n_errors": COUNT, "summary_projects": COUNT, "n_anomalies": COUNT, "total": COUNT,
    "n_money": COUNT, "n_rated": COUNT, "n_scored": COUNT, "n_high_low": COUNT, "n_statements": COUNT,
    "projects_evaluated": COUNT, "n_lines": COUNT, "rate_change": RATE, "score_change": SCORE,
    "优": COUNT, "良": COUNT, "中": COUNT, "差": COUNT,
}


def table(df: pd.DataFrame, units: Mapping[str, str | None] | None = None,
          labels: Mapping[str, str] | None = None, values: bool = True) -> pd.DataFrame:
    """`df` for display: every cell a string (numbers by `fmt` under their column's unit, coded
    values such as severity in Chinese when `values`, "—" for missing), headers by `labels`."""
    from evalkit.schema import value_label
    units = dict(units or {})
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        u = units[c] if c in units else unit_of(str(c))
        col = df[c]
        if u is not None:
            out[c] = [fmt(x, u) for x in col]
        elif values:
            out[c] = [MISSING if is_missing(x) else value_label(str(c), x) for x in col]
        else:
            out[c] = [MISSING if is_missing(x) else str(x) for x in col]
    return out.rename(columns=dict(labels or {}))
