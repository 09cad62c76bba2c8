"""Shared data logic for the notebooks, charts and exports.

Everything here takes and returns the contract's DataFrames (see CONTRACT.md):
region/year filtering, the per-project "effective" figures the comparisons use, per-county
aggregates, grade counts, the red-flag list, headline numbers and the one-line takeaways
(Chinese) that go under each chart.

Effective figures (documented in the notebooks, visible in the tables as *_source columns):
- rate  = execution_rate_calc (executed / budget_full_year), else the stated execution_rate,
          else execution_rate_initial_calc (executed / budget_initial).
- score = total_score as stated, else total_score_calc.
- grade = grade as stated, else grade_calc, else the grade of `score` under the active bands.
- budget = budget_full_year, else budget_initial.

Document text is data: `clean_text`, `html_text` and `html_block` are what the notebooks use
to show names from the documents (escaped, outside MathJax). Absurd figures (a score of 1e9,
a negative budget, an execution rate of 10 000 %) stay in the tables but are marked
(`score_ok`, `rate_ok`, `money_ok`, `anomaly` in project_view), left out of every aggregate,
flagged 数值异常 and drawn at the edge of the charts; the plausible ranges are in one place,
`plausible_ranges()`.
"""
from __future__ import annotations

import functools
import html as _html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit import grades, schema

GRADES = grades.CONTRACT
GRADE_COLORS = grades.COLORS
DEFAULT_BANDS: dict[str, float] = {g: float(lo) for lo, g in grades.DEFAULT_BANDS}
SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}

CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {name: t.names for name, t in schema.TABLES.items()}
NUMERIC_COLUMNS = schema.NUMERIC
SUMMARY_COUNT_COLUMNS = grades.COUNT_COLUMNS
ALL_REGION = {None, "", "all", "ALL", "All", "全部", "全国", "*"}


# --------------------------------------------------------------------------- document text is data

# C0/C1 control characters except tab, newline, carriage return: XML (xlsx, pptx, svg) cannot
# hold them, fonts have no glyph for them, and they carry no meaning in a project name.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value) -> str:
    """Document text as a plain str without control characters ('' for None/NA/NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _CONTROL_RE.sub("", str(value))


def html_text(value) -> str:
    """Document text escaped for HTML: `<`, `>`, `&` and quotes as entities, and `$`, `\\`
    as character references too, so neither a browser nor MathJax reads it as markup or math."""
    return (_html.escape(clean_text(value), quote=True)
            .replace("$", "&#36;").replace("\\", "&#92;"))


def html_block(template: str, /, tag: str = "div", **values) -> str:
    """HTML for a notebook output: `template` is our own markup with `{name}` fields, the
    values are document text and are escaped (`html_text`); the block is marked
    `tex2jax_ignore mathjax_ignore` so MathJax leaves any `$...$` in the data alone.

    `display(HTML(html_block("<b>{name}</b>：{n}个项目", name=county, n=3)))`"""
    body = template.format(**{k: html_text(v) for k, v in values.items()})
    return f'<{tag} class="tex2jax_ignore mathjax_ignore">{body}</{tag}>'


# --------------------------------------------------------------------------- plausible ranges

_RANGE_DEFAULTS = {"max_execution_rate": 200.0, "min_amount": 0.0}


@functools.lru_cache(maxsize=1)
def _ranges() -> tuple:
    score_max, rate_max, amount_min = 100.0, _RANGE_DEFAULTS["max_execution_rate"], _RANGE_DEFAULTS["min_amount"]
    try:
        from evalkit.checks import load_config
        cfg = load_config()
        score_max = float(cfg.get("plausibility", "max_score",
                                  cfg.get("totals", "default_max_score", score_max)))
        rate_max = float(cfg.get("plausibility", "max_execution_rate", rate_max))
        amount_min = float(cfg.get("plausibility", "min_amount", amount_min))
    except Exception:  # noqa: BLE001 - the ranges must not stop a report
        pass
    return (("score", (0.0, score_max)), ("rate", (0.0, rate_max)), ("amount", (amount_min, math.inf)))


def plausible_ranges() -> dict[str, tuple[float, float]]:
    """The plausible ranges, in one place, for the aggregates, charts and red flags:
    score 0..`[plausibility] max_score` (else `[totals] default_max_score`, 100) points,
    rate 0..`[plausibility] max_execution_rate` (else 200) %, amounts >= `[plausibility]
    min_amount` (else 0) 万元 — read from checks.toml via `evalkit.checks.load_config`.
    A value outside is kept in the tables but marked, flagged 数值异常 and left out of sums,
    means and medians."""
    return dict(_ranges())


def range_text(kind: str) -> str:
    """`0–100分`, `0–200%` for notes."""
    lo, hi = plausible_ranges()[kind]
    unit = {"score": "分", "rate": "%", "amount": "万元"}[kind]
    return f"{lo:g}–{hi:g}{unit}" if math.isfinite(hi) else f"不小于{lo:g}{unit}"


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
    """All five contract tables with all contract columns; findings computed when absent.

    When `findings` is missing and `evalkit.checks.run_checks` exists it is called; if the
    checks are unavailable or fail, findings is an empty table (the charts say 未发现问题)."""
    out = {name: ensure_columns(name, tables.get(name)) for name in CONTRACT_COLUMNS}
    for name, df in tables.items():  # keep any extra tables the caller has
        out.setdefault(name, df)
    if tables.get("findings") is None and run_checks:
        try:
            from evalkit.checks import run_checks as _run_checks  # written by the checks helper
            out["findings"] = ensure_columns("findings", _run_checks({k: v for k, v in out.items() if k != "findings"}))
        except Exception:  # noqa: BLE001 - a missing/broken check module must not stop a report
            pass
    return out


def load_tables(clean_dir: str | Path, run_checks: bool = True) -> dict[str, pd.DataFrame]:
    """`evalkit.load(clean_dir)` completed to all contract tables/columns (see complete_tables)."""
    from evalkit.store import load
    return complete_tables(load(clean_dir), run_checks=run_checks)


# --------------------------------------------------------------------------- bands, years, regions

def default_bands() -> dict[str, float]:
    """The active grade bands: those of checks.toml (`[grades] bands`) when the checks
    module is installed, else 优≥90, 良≥80, 中≥60, 差 below."""
    return dict(_default_bands())


@functools.lru_cache(maxsize=1)
def _default_bands() -> tuple:
    try:
        from evalkit.checks import load_config
        out: dict[str, float] = {}
        for b in load_config().bands:
            g = b.grade if b.grade in GRADES else None
            if g and g not in out:
                out[g] = float(b.min)
        if out:
            return tuple(out.items())
    except Exception:  # noqa: BLE001
        pass
    return tuple(DEFAULT_BANDS.items())


def normalize_bands(bands: Mapping[str, float] | Iterable | None = None) -> list[tuple[str, float]]:
    """Grade bands as [(grade, lower bound)] from best to worst; accepts a dict or pairs."""
    if bands is None:
        bands = default_bands()
    items = list(bands.items()) if isinstance(bands, Mapping) else [tuple(b) for b in bands]
    out = [(str(g), float(lo)) for g, lo in items]
    unknown = [g for g, _ in out if g not in GRADES]
    if unknown:
        raise ValueError(f"unknown grade(s) {unknown}; expected some of {GRADES}")
    return sorted(out, key=lambda t: -t[1])


def grade_for(score, bands=None) -> str | None:
    """The grade of a score under the bands (score >= lower bound of the grade); None for null."""
    if score is None or pd.isna(score):
        return None
    b = normalize_bands(bands)
    for g, lo in b:
        if score >= lo:
            return g
    return b[-1][0]


def band_edges(bands=None, top: float = 100.0) -> list[tuple[str, float, float]]:
    """[(grade, low, high)] for shading: 优 [90, top], 良 [80, 90), ..., 差 [0, 60)."""
    b = normalize_bands(bands)
    out, hi = [], top
    for g, lo in b:
        out.append((g, lo, hi))
        hi = lo
    return out


def bands_text(bands=None) -> str:
    """`优≥90，良80–90，中60–80，差<60` for prose."""
    e = band_edges(bands)
    parts = []
    for i, (g, lo, hi) in enumerate(e):
        if i == 0:
            parts.append(f"{g}≥{lo:g}")
        elif i == len(e) - 1:
            parts.append(f"{g}<{hi:g}")
        else:
            parts.append(f"{g}{lo:g}-{hi:g}")
    return "，".join(parts)


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
    ys = parse_years(years)
    if not ys:
        return "全部年度"
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}年度"
    return "、".join(str(y) for y in ys) + "年度"


def _strip_suffix(name: str) -> str:
    return re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区|县|区|自治县|旗)$", "", name)


def match_region(reports: pd.DataFrame, region) -> tuple[str, str] | None:
    """(level, name) for `region` against the reports' province/city/county; None = all.

    Matches the exact name first, then the name without its administrative suffix
    (`湖南` matches 湖南省). Raises ValueError naming the known places when nothing matches."""
    if region is None or (isinstance(region, str) and region.strip() in ALL_REGION):
        return None
    region = str(region).strip()
    for level in ("province", "city", "county"):
        if level in reports.columns and (reports[level] == region).any():
            return level, region
    short = _strip_suffix(region)
    for level in ("province", "city", "county"):
        if level not in reports.columns:
            continue
        vals = reports[level].dropna().unique()
        hits = [v for v in vals if _strip_suffix(str(v)) == short]
        if hits:
            return level, str(hits[0])
    known = sorted({str(v) for lv in ("province", "city", "county") if lv in reports.columns
                    for v in reports[lv].dropna().unique()})
    raise ValueError(f"地区“{region}”不在数据中；可选：{'、'.join(known)}")


def region_label(reports: pd.DataFrame | None, region) -> str:
    m = match_region(reports, region) if reports is not None else None
    return "全部地区" if m is None else m[1]


def filter_tables(tables: Mapping[str, pd.DataFrame], region=None, years=None) -> dict[str, pd.DataFrame]:
    """The tables restricted to a province, city or county (or all) and to fiscal years.

    Reports are selected by place and fiscal_year; every other table follows its report_id
    (indicators follow project_id; findings follow report_id, project_id or source_file)."""
    t = complete_tables(tables, run_checks=False)
    rep = t["reports"]
    keep = pd.Series(True, index=rep.index)
    m = match_region(rep, region)
    if m is not None:
        keep &= rep[m[0]] == m[1]
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
    out.update(reports=rep.reset_index(drop=True), projects=prj.reset_index(drop=True),
               indicators=ind.reset_index(drop=True), summaries=summ.reset_index(drop=True),
               findings=fnd.reset_index(drop=True))
    return out


def counties(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """County names in the (filtered) tables, in display order."""
    return list(county_frame(tables)["county_label"])


# --------------------------------------------------------------------------- per project

def _first(*series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Coalesce numeric series left to right; also return which one (index) supplied the value."""
    val = pd.Series(np.nan, index=series[0].index, dtype="float64")
    src = pd.Series(-1, index=series[0].index, dtype="int64")
    for i, s in enumerate(series):
        s = pd.to_numeric(s, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
        take = val.isna() & s.notna()
        val = val.mask(take, s)
        src = src.mask(take, i)
    return val, src


def county_frame(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per place (province, city, county) with its display label, sorted by place.

    The label is the county name, with the city added where two places share a county name
    (普陀区 is in 上海市 and in 舟山市)."""
    rep = ensure_columns("reports", tables.get("reports"))
    prj = ensure_columns("projects", tables.get("projects"))
    cols = ["province", "city", "county"]
    places = pd.concat([rep[cols], prj[cols]], ignore_index=True)
    places = places[places["county"].notna()].drop_duplicates()
    places = places.astype("object").where(places.notna(), None)
    # a place known with and without city/province: keep the most complete row
    places["n_known"] = places[["province", "city"]].notna().sum(axis=1)
    places = places.sort_values("n_known", ascending=False).drop_duplicates("county" if places.groupby("county")["city"].nunique().le(1).all() else cols)
    dup = places["county"].duplicated(keep=False)
    places["county_label"] = np.where(dup, places["county"] + "（" + places["city"].fillna("?") + "）", places["county"])
    places = places.sort_values(["province", "city", "county"], na_position="last")
    return places[cols + ["county_label"]].reset_index(drop=True)


def _label_map(tables) -> dict[tuple, str]:
    cf = county_frame(tables)
    m = {}
    for r in cf.itertuples():
        m[(r.county, r.city)] = r.county_label
        m.setdefault((r.county, None), r.county_label)
    return m


def _labels_for(df: pd.DataFrame, lm: dict) -> pd.Series:
    city = df["city"] if "city" in df.columns else pd.Series(None, index=df.index)
    return pd.Series([lm.get((c, ct if isinstance(ct, str) else None), lm.get((c, None), c))
                      for c, ct in zip(df["county"], city)], index=df.index, dtype="object")


def project_view(tables: Mapping[str, pd.DataFrame], bands=None) -> pd.DataFrame:
    """Projects with the effective figures the comparisons use (see module docstring).

    Added columns: county_label, budget, budget_source, rate, rate_source, score,
    score_source, grade_eff, grade_source ('stated' / 'calc' / 'bands'), n_findings,
    n_errors, and the plausibility marks score_ok, rate_ok, money_ok (False when the value is
    outside `plausible_ranges()`; a missing value is ok) with `anomaly` saying why (None
    when all are ok). The figures themselves stay as stated."""
    prj = ensure_columns("projects", tables.get("projects"))
    lm = _label_map(tables)
    v = prj.copy()
    v["county_label"] = _labels_for(v, lm)
    v["budget"], b = _first(v["budget_full_year"], v["budget_initial"])
    v["budget_source"] = b.map({0: "full_year", 1: "initial"})
    calc = v["execution_rate_calc"]
    if calc.isna().all():  # ingest left it out: compute as the contract defines it
        calc = v["executed"] / v["budget_full_year"].where(v["budget_full_year"] != 0) * 100
    init = v["execution_rate_initial_calc"]
    if init.isna().all():
        init = v["executed"] / v["budget_initial"].where(v["budget_initial"] != 0) * 100
    v["rate"], r = _first(calc, v["execution_rate"], init)
    v["rate_source"] = r.map({0: "calc", 1: "stated", 2: "initial_calc"})
    v["score"], s = _first(v["total_score"], v["total_score_calc"])
    v["score_source"] = s.map({0: "stated", 1: "calc"})
    _mark_plausible(v)
    nb = normalize_bands(bands)
    banded = v["score"].where(v["score_ok"]).map(lambda x: grade_for(x, nb)).astype("object")
    stated = v["grade"].astype("object").where(v["grade"].isin(GRADES), None)
    calc_g = v["grade_calc"].astype("object").where(v["grade_calc"].isin(GRADES), None)
    grade = stated.where(stated.notna(), calc_g)
    grade = grade.where(grade.notna(), banded)
    v["grade_eff"] = grade
    v["grade_source"] = np.where(stated.notna(), "stated", np.where(calc_g.notna(), "calc",
                                 np.where(banded.notna(), "bands", None)))
    fnd = ensure_columns("findings", tables.get("findings"))
    if len(fnd):
        per = fnd.groupby("project_id").size()
        err = fnd[fnd["severity"] == "error"].groupby("project_id").size()
        v["n_findings"] = v["project_id"].map(per).fillna(0).astype("int64")
        v["n_errors"] = v["project_id"].map(err).fillna(0).astype("int64")
    else:
        v["n_findings"] = 0
        v["n_errors"] = 0
    return v


def _mark_plausible(v: pd.DataFrame) -> None:
    """Add score_ok, rate_ok, money_ok and anomaly to a project view (in place)."""
    rg = plausible_ranges()
    (s_lo, s_hi), (r_lo, r_hi), (a_lo, a_hi) = rg["score"], rg["rate"], rg["amount"]

    def inside(x: pd.Series, lo, hi) -> pd.Series:
        x = pd.to_numeric(x, errors="coerce").astype("float64")
        return (x.isna() | ((x >= lo) & (x <= hi))).astype(bool)

    v["score_ok"] = inside(v["score"], s_lo, s_hi)
    v["rate_ok"] = inside(v["rate"], r_lo, r_hi)
    money = [c for c in ("budget_initial", "budget_full_year", "executed") if c in v.columns]
    ok = pd.Series(True, index=v.index)
    for c in money:
        ok &= inside(v[c], a_lo, a_hi)
    v["money_ok"] = ok
    notes = []
    for i in v.index:
        why = []
        if not v.at[i, "score_ok"]:
            why.append(f"自评得分{_num(v.at[i, 'score'])}分超出合理范围{range_text('score')}")
        if not v.at[i, "rate_ok"]:
            why.append(f"执行率{_num(v.at[i, 'rate'])}%超出合理范围{range_text('rate')}")
        if not v.at[i, "money_ok"]:
            bad = [f"{_MONEY_ZH[c]}{_num(v.at[i, c])}万元" for c in money
                   if pd.notna(v.at[i, c]) and not (a_lo <= float(v.at[i, c]) <= a_hi)]
            why.append("、".join(bad) + f"超出合理范围（{range_text('amount')}）")
        notes.append("；".join(why) if why else None)
    v["anomaly"] = pd.Series(notes, index=v.index, dtype="object")


_MONEY_ZH = {"budget_initial": "年初预算", "budget_full_year": "全年预算", "executed": "执行数"}


def _num(x) -> str:
    """A figure for prose, short even when absurd: 95.5, 1e+09, -50."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return str(x)


def plausible_view(v: pd.DataFrame) -> pd.DataFrame:
    """A project view for statistics: out-of-range scores and rates set to NaN, and budget /
    executed set to NaN where the amounts or the rate they imply are out of range."""
    out = v.copy()
    out["score"] = out["score"].where(out["score_ok"])
    out["rate"] = out["rate"].where(out["rate_ok"])
    money = out["money_ok"] & out["rate_ok"]
    for c in ("budget", "executed"):
        out[c] = out[c].where(money)
    return out


def findings_view(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Findings with the place they belong to (county_label, province, city, project_name)."""
    fnd = ensure_columns("findings", tables.get("findings"))
    rep = ensure_columns("reports", tables.get("reports"))
    prj = ensure_columns("projects", tables.get("projects"))
    lm = _label_map(tables)
    v = fnd.copy()
    by_pid = prj.set_index("project_id")[["county", "city", "province", "project_name"]]
    by_pid = by_pid[~by_pid.index.duplicated()]
    by_rid = rep.drop_duplicates("report_id").set_index("report_id")[["county", "city", "province"]]
    by_src = rep.drop_duplicates("source_file").set_index("source_file")[["county", "city", "province"]]
    for col in ("county", "city", "province"):
        val = v["project_id"].map(by_pid[col]).astype("object")
        val = val.where(val.notna(), v["report_id"].map(by_rid[col]).astype("object"))
        val = val.where(val.notna(), v["source_file"].map(by_src[col]).astype("object"))
        v[col] = val
    v["project_name"] = v["project_id"].map(by_pid["project_name"])
    v["county_label"] = _labels_for(v, lm) if len(v) else pd.Series(dtype="object")
    v["severity_zh"] = v["severity"].map(SEVERITY_ZH).fillna(v["severity"])
    return v


def rule_titles(findings: pd.DataFrame | None = None) -> dict[str, str]:
    """Chinese titles of the check rules: `evalkit.checks.RULES[rule].title` when the checks
    module is there, completed from a `title` column of the findings table if it has one."""
    out: dict[str, str] = {}
    try:
        from evalkit.checks import RULES
        for k, r in RULES.items():
            title = getattr(r, "title", None) or (r.get("title") if isinstance(r, Mapping) else None)
            if isinstance(title, str):
                out[str(k)] = title
    except Exception:  # noqa: BLE001
        pass
    if findings is not None and "title" in findings.columns and len(findings):
        f = findings[findings["title"].notna()]
        for r, ttl in f.groupby("rule")["title"].first().items():
            out.setdefault(str(r), str(ttl))
    return out


def rule_title(rule, titles: Mapping[str, str] | None = None) -> str:
    titles = rule_titles() if titles is None else titles
    return titles.get(rule, str(rule))


# --------------------------------------------------------------------------- per county

def grade_counts(tables: Mapping[str, pd.DataFrame], bands=None) -> pd.DataFrame:
    """Grade counts per county: columns county_label, 优, 良, 中, 差, total, source.

    Counted from the projects' effective grades; a report without project tables that states
    counts in a summary (自评汇总表 / the 决算 paragraph) contributes those counts instead
    (source 'summaries')."""
    v = project_view(tables, bands)
    rows = {}
    for lab, g in v.groupby("county_label", sort=False):
        c = g["grade_eff"].value_counts()
        rows[lab] = {k: int(c.get(k, 0)) for k in GRADES} | {"source": "projects"}
    summ = ensure_columns("summaries", tables.get("summaries"))
    rep = ensure_columns("reports", tables.get("reports"))
    if len(summ):
        with_projects = set(v["report_id"].dropna())
        s = summ[~summ["report_id"].isin(with_projects)].merge(
            rep[["report_id", "county", "city"]], on="report_id", how="left")
        s = s[s[list(SUMMARY_COUNT_COLUMNS.values())].notna().any(axis=1)]
        if len(s):
            s["county_label"] = _labels_for(s, _label_map(tables))
            for lab, g in s.groupby("county_label", sort=False):
                base = rows.get(lab, {k: 0 for k in GRADES} | {"source": "summaries"})
                for k, col in SUMMARY_COUNT_COLUMNS.items():
                    base[k] += _count_sum(g[col])
                if base["source"] == "projects":
                    base["source"] = "projects+summaries"
                rows[lab] = base
    known = counties(tables)
    order = [c for c in known if c in rows] + [c for c in rows if c not in set(known)]
    out = pd.DataFrame([{"county_label": lab} | rows[lab] for lab in order],
                       columns=["county_label", *GRADES, "source"])
    for k in GRADES:
        out[k] = out[k].astype("int64")
    out["total"] = out[list(GRADES)].sum(axis=1).astype("int64")
    return out[["county_label", *GRADES, "total", "source"]]


def _count_sum(s: pd.Series) -> int:
    """Sum of stated counts; a count that is not a finite number >= 0 adds nothing."""
    x = pd.to_numeric(s, errors="coerce").astype("float64")
    return int(x.where(np.isfinite(x) & (x >= 0)).fillna(0).sum())


def county_summary(tables: Mapping[str, pd.DataFrame], bands=None, low_execution: float = 90.0) -> pd.DataFrame:
    """One row per county: place, reports, projects, money (万元), rates (%), scores, grades, findings.

    Columns: county_label, province, city, n_reports, n_projects, budget, executed,
    execution_rate (executed / budget over projects stating both), median_rate, n_low_rate,
    mean_score, min_score, 优, 良, 中, 差 (see grade_counts), summary_projects and
    summary_avg_score (从自评汇总表: projects evaluated, their stated 平均得分 weighted by
    projects), n_findings, n_errors, fiscal_years, n_anomalies. Figures outside
    `plausible_ranges()` are counted in n_anomalies and left out of the sums, medians, means."""
    cf = county_frame(tables)
    v_all = project_view(tables, bands)
    v = plausible_view(v_all)
    rep = ensure_columns("reports", tables.get("reports"))
    rep = rep.assign(county_label=_labels_for(rep, _label_map(tables)))
    fv = findings_view(tables)
    gc = grade_counts(tables, bands).set_index("county_label")
    summ = ensure_columns("summaries", tables.get("summaries")).merge(
        rep[["report_id", "county_label"]], on="report_id", how="left")
    rows = []
    for r in cf.itertuples():
        lab = r.county_label
        p = v[v["county_label"] == lab]
        both = p[p["budget"].notna() & p["executed"].notna()]
        budget = both["budget"].sum() if len(both) else np.nan
        executed = both["executed"].sum() if len(both) else np.nan
        f = fv[fv["county_label"] == lab]
        rr = rep[(rep["county_label"] == lab) & (rep["status"] != "duplicate")]
        years = sorted({int(y) for y in pd.concat([rr["fiscal_year"], p["fiscal_year"]]).dropna()})
        row = {
            "county_label": lab, "province": r.province, "city": r.city,
            "n_reports": int(len(rr)), "n_projects": int(len(p)),
            "n_anomalies": int(v_all.loc[p.index, "anomaly"].notna().sum()),
            "budget": budget, "executed": executed,
            "execution_rate": (executed / budget * 100) if budget and budget > 0 else np.nan,
            "median_rate": p["rate"].median() if p["rate"].notna().any() else np.nan,
            "n_low_rate": int((p["rate"] < low_execution).sum()),
            "mean_score": p["score"].mean() if p["score"].notna().any() else np.nan,
            "min_score": p["score"].min() if p["score"].notna().any() else np.nan,
        }
        for k in GRADES:
            row[k] = int(gc.loc[lab, k]) if lab in gc.index else 0
        sm = summ[summ["county_label"] == lab]
        row["summary_projects"] = float(sm["projects_evaluated"].sum()) if sm["projects_evaluated"].notna().any() else np.nan
        w = sm["projects_evaluated"].where(sm["avg_score"].notna())
        row["summary_avg_score"] = (float((sm["avg_score"] * w).sum() / w.sum())
                                    if w.notna().any() and w.sum() > 0 else
                                    (float(sm["avg_score"].mean()) if sm["avg_score"].notna().any() else np.nan))
        row["n_findings"] = int(len(f))
        row["n_errors"] = int((f["severity"] == "error").sum())
        row["fiscal_years"] = "、".join(str(y) for y in years)
        rows.append(row)
    cols = ["county_label", "province", "city", "n_reports", "n_projects", "budget", "executed",
            "execution_rate", "median_rate", "n_low_rate", "mean_score", "min_score", *GRADES,
            "summary_projects", "summary_avg_score", "n_findings", "n_errors", "fiscal_years",
            "n_anomalies"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("budget", "executed", "execution_rate", "median_rate", "mean_score", "min_score",
              "summary_projects", "summary_avg_score"):
        out[c] = out[c].astype("float64")
    return out


COUNTY_SUMMARY_ZH = {
    "county_label": "县区", "province": "省份", "city": "地市", "n_reports": "报告数",
    "n_projects": "项目数", "budget": "预算（万元）", "executed": "执行（万元）",
    "execution_rate": "总体执行率（%）", "median_rate": "执行率中位数（%）",
    "n_low_rate": "执行率<90%项目数", "mean_score": "平均得分", "min_score": "最低得分",
    "n_findings": "问题数", "n_errors": "错误数", "fiscal_years": "年度",
    "summary_projects": "汇总表已评项目数", "summary_avg_score": "汇总表平均得分",
    "n_anomalies": "数值异常项目数",
}


def county_summary_zh(summary: pd.DataFrame, low_execution: float = 90.0) -> pd.DataFrame:
    """county_summary with Chinese column headers, rounded figures and 县区 as the index."""
    out = summary.copy()
    for c in ("budget", "executed"):
        out[c] = out[c].round(2)
    for c in ("execution_rate", "median_rate", "mean_score", "min_score", "summary_avg_score"):
        out[c] = out[c].round(2)
    names = dict(COUNTY_SUMMARY_ZH)
    names["n_low_rate"] = f"执行率<{low_execution:g}%项目数"
    return out.rename(columns=names).set_index("县区")


# --------------------------------------------------------------------------- red flags, headlines

FLAG_ORDER = ("数值异常", "高分低执行", "执行率过低", "零执行", "执行率与金额不符", "总分与分项合计不符",
              "等级与得分不符", "检查错误")


def red_flags(tables: Mapping[str, pd.DataFrame], bands=None, low_execution: float = 90.0,
              high_score: float = 90.0, very_low_execution: float = 60.0,
              tolerance: float = 0.5) -> pd.DataFrame:
    """Projects an analyst should look at first, one row per (project, flag).

    Flags: 数值异常 (a score, rate or amount outside `plausible_ranges()`; such a value
    raises no other flag), 高分低执行 (score >= high_score and rate < low_execution), 零执行 (budget but
    nothing spent), 执行率过低 (rate < very_low_execution), 执行率与金额不符 (stated rate vs
    executed / budget differ by more than `tolerance` points), 总分与分项合计不符, 等级与得分不符,
    检查错误 (findings of severity error). Columns: county_label, project_name, flag, detail,
    rate, score, grade, source_file, project_id."""
    v = project_view(tables, bands)
    rows = []

    def add(p, flag, detail):
        rows.append({"county_label": p.county_label, "project_name": p.project_name, "flag": flag,
                     "detail": detail, "rate": p.rate, "score": p.score, "grade": p.grade_eff,
                     "source_file": p.source_file, "project_id": p.project_id})

    for p in v.itertuples():
        rate = p.rate if p.rate_ok else np.nan
        score = p.score if p.score_ok else np.nan
        basis = "（按年初预算）" if p.rate_source == "initial_calc" else ""
        if p.anomaly:
            add(p, "数值异常", p.anomaly + "，请核对原文")
        if pd.notna(rate) and pd.notna(score) and score >= high_score and rate < low_execution:
            add(p, "高分低执行", f"自评{score:g}分，执行率{rate:.1f}%{basis}")
        if p.money_ok and pd.notna(p.budget) and p.budget > 0 and pd.notna(p.executed) and p.executed == 0:
            add(p, "零执行", f"预算{p.budget:g}万元，执行0万元")
        elif pd.notna(rate) and rate < very_low_execution:
            add(p, "执行率过低", f"执行率{rate:.1f}%")
        if pd.notna(p.execution_rate) and pd.notna(p.execution_rate_calc) and \
                abs(p.execution_rate - p.execution_rate_calc) > tolerance:
            add(p, "执行率与金额不符", f"填报{p.execution_rate:g}%，按金额计算{p.execution_rate_calc:.2f}%")
        if pd.notna(p.total_score) and pd.notna(p.total_score_calc) and \
                abs(p.total_score - p.total_score_calc) > 0.01:
            add(p, "总分与分项合计不符", f"填报{p.total_score:g}分，分项合计{p.total_score_calc:g}分")
        if isinstance(p.grade, str) and p.grade in GRADES and pd.notna(score):
            g = grade_for(score, bands)
            if g and g != p.grade:
                add(p, "等级与得分不符", f"填报“{p.grade}”，{score:g}分应为“{g}”")
        if p.n_errors and not any(r["project_id"] == p.project_id for r in rows):
            add(p, "检查错误", f"{p.n_errors}条错误级检查问题")
    cols = ["county_label", "project_name", "flag", "detail", "rate", "score", "grade",
            "source_file", "project_id"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        order = {f: i for i, f in enumerate(FLAG_ORDER)}
        out = out.assign(_o=out["flag"].map(order)).sort_values(["_o", "rate", "county_label"],
                                                                na_position="last")
        out = out.drop(columns="_o").reset_index(drop=True)
    for c in ("rate", "score"):
        out[c] = out[c].astype("float64")
    return out


def headline(tables: Mapping[str, pd.DataFrame], bands=None, low_execution: float = 90.0,
             high_score: float = 90.0) -> dict:
    """The briefing's headline numbers as a dict (money in 万元, rates in %); figures outside
    `plausible_ranges()` are left out of the sums, medians and means (n_anomalies projects)."""
    v_all = project_view(tables, bands)
    v = plausible_view(v_all)
    rep = ensure_columns("reports", tables.get("reports"))
    fnd = ensure_columns("findings", tables.get("findings"))
    both = v[v["budget"].notna() & v["executed"].notna()]
    budget, executed = float(both["budget"].sum()), float(both["executed"].sum())
    gc = grade_counts(tables, bands)
    return {
        "n_counties": len(county_frame(tables)),
        "n_reports": int((rep["status"] != "duplicate").sum()),   # a repeated file is counted once
        "n_duplicates": int((rep["status"] == "duplicate").sum()),
        "n_projects": int(len(v)),
        "budget": budget,
        "executed": executed,
        "execution_rate": executed / budget * 100 if budget > 0 else float("nan"),
        "median_rate": float(v["rate"].median()) if v["rate"].notna().any() else float("nan"),
        "n_low_rate": int((v["rate"] < low_execution).sum()),
        "mean_score": float(v["score"].mean()) if v["score"].notna().any() else float("nan"),
        "n_high_low": int(((v["score"] >= high_score) & (v["rate"] < low_execution)).sum()),
        "grades": {k: int(gc[k].sum()) for k in GRADES},
        "n_grade_calc": int((v["grade_source"] != "stated").sum()),
        "n_findings": int(len(fnd)),
        "n_errors": int((fnd["severity"] == "error").sum()),
        "n_failed_reports": int(rep["status"].isin(["failed"]).sum()),
        "n_anomalies": int(v_all["anomaly"].notna().sum()),
    }


def _fmt(x, nd=1, unit=""):
    return "—" if x is None or pd.isna(x) else f"{x:,.{nd}f}{unit}"


def headline_text(h: Mapping) -> str:
    """The headline numbers as a short Chinese paragraph."""
    if not h["n_reports"]:
        return "所选地区和年度没有报告，以下图表为空。"
    g = h["grades"]
    txt = (f"共{h['n_counties']}个县区、{h['n_reports']}份报告、{h['n_projects']}个项目；"
           f"预算合计{_fmt(h['budget'], 2)}万元，执行{_fmt(h['executed'], 2)}万元，"
           f"总体执行率{_fmt(h['execution_rate'])}%，项目执行率中位数{_fmt(h['median_rate'])}%；"
           f"平均自评得分{_fmt(h['mean_score'])}分。")
    extra = sum(g.values()) - h["n_projects"]
    head = "等级" if extra <= 0 else f"等级（{h['n_projects']}个项目表，另含汇总表所列{extra}个项目）"
    txt += f"{head}：优{g['优']}个、良{g['良']}个、中{g['中']}个、差{g['差']}个"
    if h.get("n_grade_calc"):
        txt += f"，其中{h['n_grade_calc']}个项目未填等级，按得分计算"
    txt += f"。检查发现问题{h['n_findings']}条，其中错误{h['n_errors']}条。"
    if h.get("n_anomalies"):
        txt += f"{h['n_anomalies']}个项目数值异常（超出合理范围），未计入以上统计，见红旗清单。"
    return txt


def takeaways(tables: Mapping[str, pd.DataFrame], bands=None, low_execution: float = 90.0,
              high_score: float = 90.0) -> dict[str, str]:
    """One Chinese sentence per briefing chart, computed from the data (keys = chart keys).
    Figures outside `plausible_ranges()` are left out and named as 数值异常."""
    v_all = project_view(tables, bands)
    v = plausible_view(v_all)
    cs = county_summary(tables, bands, low_execution)

    def odd(col: str, what: str) -> str:
        n = int((~v_all[col]).sum())
        return f"另有{n}个项目{what}数值异常（超出合理范围），未计入。" if n else ""

    out: dict[str, str] = {}

    rated = cs[cs["median_rate"].notna()]
    n_low = int((v["rate"] < low_execution).sum())
    if len(rated):
        worst = rated.sort_values("median_rate").iloc[0]
        out["execution_rate_by_county"] = (
            f"{int(v['rate'].notna().sum())}个项目中{n_low}个执行率低于{low_execution:g}%；"
            f"执行率中位数最低的是{worst['county_label']}（{worst['median_rate']:.1f}%）。")
    else:
        out["execution_rate_by_county"] = "所选范围内没有可比较的执行率数据。"
    out["execution_rate_by_county"] = out["execution_rate_by_county"] + odd("rate_ok", "执行率")

    sc = v["score"].dropna()
    if len(sc):
        top = normalize_bands(bands)[0]
        n_top = int((sc >= top[1]).sum())
        low = v.loc[v["score"].idxmin()]
        out["score_distribution"] = (
            f"{len(sc)}个项目中{n_top}个（{n_top / len(sc) * 100:.0f}%）自评得分在{top[1]:g}分及以上；"
            f"最低{low['score']:g}分（{low['county_label']}）。")
    else:
        out["score_distribution"] = "所选范围内没有自评得分数据。"
    out["score_distribution"] = out["score_distribution"] + odd("score_ok", "自评得分")

    gc = grade_counts(tables, bands)
    tot = {k: int(gc[k].sum()) for k in GRADES}
    if gc["total"].sum():
        s = f"共{int(gc['total'].sum())}个项目：优{tot['优']}、良{tot['良']}、中{tot['中']}、差{tot['差']}"
        bad = gc[(gc["中"] + gc["差"]) > 0]
        if len(bad):
            w = bad.assign(k=bad["中"] + bad["差"]).sort_values("k", ascending=False).iloc[0]
            s += f"；中、差等级最多的是{w['county_label']}（{int(w['k'])}个）"
        n_calc = int((v["grade_source"] != "stated").sum())
        if n_calc:
            s += f"；{n_calc}个项目未填等级，按得分计算"
        out["grade_counts_by_county"] = s + "。"
    else:
        out["grade_counts_by_county"] = "所选范围内没有等级数据。"

    hl = v[(v["score"] >= high_score) & (v["rate"] < low_execution)]
    if len(hl):
        c = hl["county_label"].value_counts()
        out["execution_vs_score"] = (
            f"{len(hl)}个项目自评{high_score:g}分以上但执行率低于{low_execution:g}%（高分低执行），"
            f"{c.index[0]}最多（{int(c.iloc[0])}个）。")
    else:
        out["execution_vs_score"] = f"没有自评{high_score:g}分以上而执行率低于{low_execution:g}%的项目。"

    fv = findings_view(tables)
    if len(fv):
        titles = rule_titles(fv)
        err = fv[fv["severity"] == "error"]
        r = fv["rule"].value_counts()
        c = fv["county_label"].dropna().value_counts()
        s = (f"共{len(fv)}条问题（错误{len(err)}条）；最多的是“{rule_title(r.index[0], titles)}”"
             f"（{int(r.iloc[0])}条）")
        if len(c):
            s += f"，{c.index[0]}最多（{int(c.iloc[0])}条）"
        out["findings_by_rule_county"] = s + "。"
    else:
        out["findings_by_rule_county"] = "检查未发现问题。"

    h = headline(tables, bands, low_execution, high_score)
    money = cs[cs["execution_rate"].notna()]
    if len(money):
        w = money.sort_values("execution_rate").iloc[0]
        out["budget_vs_execution"] = (
            f"预算合计{h['budget']:,.2f}万元，执行{h['executed']:,.2f}万元，总体执行率{h['execution_rate']:.1f}%；"
            f"最低的是{w['county_label']}（{w['execution_rate']:.1f}%）。")
    else:
        out["budget_vs_execution"] = "所选范围内没有预算与执行金额数据。"
    n_money = int((~(v_all["money_ok"] & v_all["rate_ok"])).sum())
    if n_money:
        out["budget_vs_execution"] += f"另有{n_money}个项目金额或执行率数值异常（超出合理范围），未计入。"
    return out


def trace(tables: Mapping[str, pd.DataFrame], **where) -> pd.DataFrame:
    """Rows of projects matching column=value filters, with the source_file they came from.

    `trace(tables, county="大厂回族自治县", execution_rate=0)` -> project_name, figures, source_file."""
    v = project_view(tables)
    m = pd.Series(True, index=v.index)
    for k, val in where.items():
        m &= v[k] == val
    cols = ["county_label", "project_name", "budget", "executed", "execution_rate", "rate",
            "score", "grade_eff", "report_id", "project_id", "source_file"]
    return v.loc[m.fillna(False).astype(bool), cols].reset_index(drop=True)
