"""What a report reads: the contract tables completed, and restricted to a region and years.

A region is a province, city or county name (a name without its 省/市/县 suffix matches too) or
a county's 6-digit division code, so two counties sharing a name in two cities stay apart.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit import schema

CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {name: t.names for name, t in schema.TABLES.items()}
NUMERIC_COLUMNS = schema.NUMERIC
ALL_REGION = {None, "", "all", "ALL", "All", "全部", "全国", "*"}
LEVELS = ("province", "city", "county")


# --------------------------------------------------------------------------- loading

def ensure_columns(name: str, df: pd.DataFrame | None) -> pd.DataFrame:
    """The table with every contract column present (missing ones added as nulls)."""
    cols = CONTRACT_COLUMNS.get(name, ())
    if df is None:
        df = pd.DataFrame({c: pd.Series(dtype="float64" if c in NUMERIC_COLUMNS else "object") for c in cols})
    else:
        df = df.copy()
        for c in cols:
            if c not in df.columns:
                df[c] = np.nan if c in NUMERIC_COLUMNS else None
    for c in df.columns:
        if c in NUMERIC_COLUMNS and not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    if "fiscal_year" in df.columns:
        df["fiscal_year"] = pd.to_numeric(df["fiscal_year"], errors="coerce").astype("Int64")
    return df


def complete_tables(tables: Mapping[str, pd.DataFrame], run_checks: bool = True) -> dict[str, pd.DataFrame]:
    """All contract tables with all contract columns; findings computed by the checks when absent."""
    out = {name: ensure_columns(name, tables.get(name)) for name in CONTRACT_COLUMNS}
    for name, df in tables.items():  # keep any extra tables the caller has
        out.setdefault(name, df)
    if tables.get("findings") is None and run_checks:
        from evalkit.checks import run_checks as _run_checks
        out["findings"] = ensure_columns("findings", _run_checks({k: v for k, v in out.items() if k != "findings"}))
    return out


# the last dataset `load_tables` read in this process: a report kernel runs notebook after notebook on one dataset
# (a county profile each), and reading it again cost 2.3 s a notebook at 10,000 projects (partitioned layout)
_LOADED: dict = {}
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True


def load_tables(clean_dir: str | Path, run_checks: bool = True) -> dict[str, pd.DataFrame]:
    """`evalkit.load(clean_dir)` completed to all contract tables/columns (see complete_tables); the same generation
    of the dataset (store.generation) is read once per process, each caller getting its own copy."""
    from evalkit.store import generation, load
    key = (generation(clean_dir), run_checks)
    if _LOADED.get("key") != key:
        _LOADED.clear()
        _LOADED.update(key=key, tables=complete_tables(load(clean_dir), run_checks=run_checks))
    # copy-on-write pandas copies lazily, on the first change; otherwise the frames are copied now
    return {name: df.copy(deep=not _COPY_ON_WRITE) for name, df in _LOADED["tables"].items()}


# --------------------------------------------------------------------------- years

def parse_years(years) -> list[int] | None:
    """None/'all' -> None (all years); 2022, '2022', '2021-2024', '2022,2024', [2022] -> list."""
    if years is None:
        return None
    if isinstance(years, (int, np.integer)):
        return [int(years)]
    if isinstance(years, str):
        s = years.strip()
        if s in ALL_REGION:
            return None
        m = re.fullmatch(r"(\d{4})\s*[-–~至]\s*(\d{4})", s)
        if m:
            a, b = sorted((int(m.group(1)), int(m.group(2))))
            return list(range(a, b + 1))
        return sorted({int(x) for x in re.split(r"[,，;；\s]+", s) if x})
    out = sorted({int(y) for y in years if y is not None and not pd.isna(y)})
    return out or None


def years_label(years) -> str:
    """`2022年度`, `2021-2023年度`, `全部年度`."""
    ys = parse_years(years)
    if not ys:
        return "全部年度"
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}年度"
    return "、".join(str(y) for y in ys) + "年度"


def years_slug(years) -> str:
    """The years part of a run folder's name: `2022`, `2021-2023`, `all`."""
    ys = parse_years(years)
    if not ys:
        return "all"
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}"
    return "_".join(map(str, ys))


def years_param(years):
    """What the notebooks get as `years`: None, one int, or a list of ints."""
    ys = parse_years(years)
    if ys is None:
        return None
    return ys[0] if len(ys) == 1 else ys


# --------------------------------------------------------------------------- regions

def _strip_suffix(name: str) -> str:
    return re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区|县|区|自治县|旗)$", "", name)


def _is_code(region: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", region))


def match_region(reports: pd.DataFrame, region, keys: pd.Series | None = None) -> tuple[str, str] | None:
    """(level, name) of `region` among the reports' provinces, cities and counties, ('county_key', code)
    for a division code found in `keys`, None for all; ValueError naming the known places otherwise."""
    if region is None or (isinstance(region, str) and region.strip() in ALL_REGION):
        return None
    region = str(region).strip()
    if keys is not None and (keys == region).any():
        return "county_key", region
    for level in LEVELS:
        if level in reports.columns and (reports[level] == region).any():
            return level, region
    short = _strip_suffix(region)
    for level in LEVELS:
        if level not in reports.columns:
            continue
        hits = [v for v in reports[level].dropna().unique() if _strip_suffix(str(v)) == short]
        if hits:
            return level, str(hits[0])
    known = sorted({str(v) for lv in LEVELS if lv in reports.columns for v in reports[lv].dropna().unique()})
    raise ValueError(f"地区“{region}”不在数据中；可选：{'、'.join(known)}")


def filter_tables(tables: Mapping[str, pd.DataFrame], region=None, years=None) -> dict[str, pd.DataFrame]:
    """The tables restricted to a place (name or division code) and years: reports by place and year,
    the other tables following their report_id / project_id / source_file."""
    from evalkit.report.views import county_keys
    t = complete_tables(tables, run_checks=False)
    rep = t["reports"]
    keep = pd.Series(True, index=rep.index)
    keys = None
    if isinstance(region, str) and _is_code(region.strip()):
        keys = county_keys(t, rep)
    m = match_region(rep, region, keys)
    if m is not None:
        keep &= (keys if m[0] == "county_key" else rep[m[0]]) == m[1]
    ys = parse_years(years)
    if ys is not None:
        keep &= rep["fiscal_year"].isin(ys)
    rep = rep[keep.fillna(False).astype(bool)]
    ids = set(rep["report_id"].dropna())
    files = set(rep["source_file"].dropna())

    prj = t["projects"]
    pkeep = prj["report_id"].isin(ids)
    if ys is not None:  # a project's own year wins when it states one
        pkeep &= prj["fiscal_year"].isna() | prj["fiscal_year"].isin(ys)
    prj = prj[pkeep.fillna(False).astype(bool)]
    pids = set(prj["project_id"].dropna())

    ind = t["indicators"]
    ind = ind[ind["project_id"].isin(pids)]
    summ = t["summaries"]
    summ = summ[summ["report_id"].isin(ids)]
    fnd = t["findings"]
    fkeep = fnd["report_id"].isin(ids) | fnd["project_id"].isin(pids) | \
        (fnd["report_id"].isna() & fnd["project_id"].isna() & fnd["source_file"].isin(files))
    fnd = fnd[fkeep.fillna(False).astype(bool)]
    out = dict(t)
    rv = t.get("reviews")
    if rv is not None and len(rv) and "fingerprint" in fnd.columns:
        # a decision follows its finding; one whose finding is gone (resolved) cannot be placed, so
        # only a report of everything shows it
        everything = m is None and ys is None
        mine = rv["fingerprint"].isin(fnd["fingerprint"].dropna())
        gone = ~rv["fingerprint"].isin(t["findings"]["fingerprint"].dropna())
        out["reviews"] = rv[mine | (gone & everything)].reset_index(drop=True)
    out.update(reports=rep.reset_index(drop=True), projects=prj.reset_index(drop=True),
               indicators=ind.reset_index(drop=True), summaries=summ.reset_index(drop=True),
               findings=fnd.reset_index(drop=True))
    return out


def region_label(reports: pd.DataFrame | None, region, tables: Mapping | None = None) -> str:
    """The region's display name (`全部地区` for all); a division code gives its county's label."""
    if reports is None:
        return "全部地区"
    keys = None
    if isinstance(region, str) and _is_code(region.strip()):
        from evalkit.report.views import county_frame, county_keys
        t = tables if tables is not None else {"reports": reports}
        keys = county_keys(t, reports)
        cf = county_frame(t)
        hit = cf[cf["county_key"] == region.strip()]
        if len(hit):
            return str(hit["county_label"].iloc[0])
    m = match_region(reports, region, keys)
    return "全部地区" if m is None else m[1]


def slug(text: str) -> str:
    """Folder-safe name that keeps Chinese characters: 'a/b c' -> a_b_c."""
    s = re.sub(r"[\\/:*?\"<>|\s]+", "_", str(text)).strip("._")
    return s or "all"


def pick(items: Iterable, wanted) -> list:
    """Helper for county selections: True = all, False/None = none, int N = first N, list = those."""
    items = list(items)
    if wanted is True:
        return items
    if wanted is False or wanted is None:
        return []
    if isinstance(wanted, int):
        return items[:wanted]
    return [x for x in wanted]
