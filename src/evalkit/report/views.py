"""The per-run views: places keyed by division code, projects with effective figures, findings by place.

`Views(tables, bands, low_execution, high_score)` computes each view once, on first use, and
is passed to the aggregates, red flags, takeaways, charts and exports of one run.

Effective figures (visible in the tables as *_source columns):
- rate  = execution_rate_calc (executed / budget_full_year), else, where the total row states a 0 or no
          full-year budget, the parts' (parts_executed / parts_budget_full_year: 其中：本年财政拨款 …), else
          the stated execution_rate, else execution_rate_initial_calc (executed / budget_initial).
- score = total_score as stated, else total_score_calc.
- grade = grade as stated, else grade_calc, else the grade of `score` under the active bands.
- budget = budget_full_year, else budget_initial; executed as stated. Where the total row states a 0 or no
          full-year budget and the parts state money: the parts' sums (budget_source / executed_source `parts`;
          the stated executed stays in executed_stated).

Absurd figures (a score of 1e9, a negative budget, a rate of 10 000 %) stay in the tables but
are marked (`score_ok`, `rate_ok`, `money_ok`, `anomaly`), left out of every aggregate, flagged
数值异常 and drawn at the edge of the charts; the ranges are in `plausible_ranges()`.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from functools import cached_property

import numpy as np
import pandas as pd

from evalkit import geo, grades, schema
from evalkit.report.selection import complete_tables, ensure_columns

GRADES = grades.CONTRACT
GRADE_COLORS = grades.COLORS
DEFAULT_BANDS: dict[str, float] = {g: float(lo) for lo, g in grades.DEFAULT_BANDS}
SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = schema.SEVERITY_ZH
PLACE = ["province", "city", "county"]


# --------------------------------------------------------------------------- bands

@functools.lru_cache(maxsize=1)
def _default_bands() -> tuple:
    from evalkit.checks import load_config
    out: dict[str, float] = {}
    for b in load_config().bands:
        if b.grade in GRADES and b.grade not in out:
            out[b.grade] = float(b.min)
    return tuple(out.items()) or tuple(DEFAULT_BANDS.items())


def default_bands() -> dict[str, float]:
    """The active grade bands: checks.toml's `[grades] bands` (优≥90, 良≥80, 中≥60, 差 below)."""
    return dict(_default_bands())


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


def _pairs(bands) -> list[tuple[float, str]]:
    return [(lo, g) for g, lo in normalize_bands(bands)]


def grade_for(score, bands=None) -> str | None:
    """The grade of a score under the bands (score >= lower bound of the grade); None for null."""
    if score is None or pd.isna(score):
        return None
    return grades.from_score(float(score), _pairs(bands))


def grades_for(scores: pd.Series, bands=None) -> pd.Series:
    """`grade_for` over a Series (vectorized); null stays None."""
    b = normalize_bands(bands)
    x = pd.to_numeric(scores, errors="coerce").astype("float64").to_numpy()
    out = np.select([x >= lo for _, lo in b], [g for g, _ in b], default=b[-1][0]).astype(object)
    out[np.isnan(x)] = None
    return pd.Series(out, index=scores.index, dtype="object")


def band_edges(bands=None, top: float = 100.0) -> list[tuple[str, float, float]]:
    """[(grade, low, high)] for shading: 优 [90, top], 良 [80, 90), ..., 差 [0, 60)."""
    return grades.band_ranges(_pairs(bands), top=top)


def bands_text(bands=None) -> str:
    """`优≥90，良80-90，中60-80，差<60` for prose."""
    return grades.band_text(_pairs(bands))


# --------------------------------------------------------------------------- plausible ranges

@functools.lru_cache(maxsize=1)
def _ranges() -> tuple:
    from evalkit.checks import load_config
    cfg = load_config()
    score_max = float(cfg.get("plausibility", "max_score", cfg.get("totals", "default_max_score", 100.0)))
    rate_max = float(cfg.get("plausibility", "max_execution_rate", 200.0))
    amount_min = float(cfg.get("plausibility", "min_amount", 0.0))
    return (("score", (0.0, score_max)), ("rate", (0.0, rate_max)), ("amount", (amount_min, math.inf)))


def plausible_ranges() -> dict[str, tuple[float, float]]:
    """Plausible score (points), rate (%) and amount (万元) ranges from checks.toml `[plausibility]`."""
    return dict(_ranges())


def range_text(kind: str) -> str:
    """`0–100分`, `0–200%` for notes."""
    lo, hi = plausible_ranges()[kind]
    unit = {"score": "分", "rate": "%", "amount": "万元"}[kind]
    return f"{lo:g}–{hi:g}{unit}" if math.isfinite(hi) else f"不小于{lo:g}{unit}"


def num(x) -> str:
    """A figure for prose, short even when absurd: 95.5, 1e+09, -50."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return str(x)


# --------------------------------------------------------------------------- places

def several_years(df: pd.DataFrame) -> bool:
    """Whether `df`'s rows fall in more than one fiscal year: only then do tables and labels name the year."""
    return "fiscal_year" in df.columns and df["fiscal_year"].dropna().nunique() > 1


def _none(x):
    return x if isinstance(x, str) and x else None


def _places(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per county with its key (division code, else `province/city/county`) and display label
    (the name, with the city where two keys share it); a row lacking city or province joins the one county it fits.
    A file that failed (placed by its folders only) makes no county, nor does a copy (a duplicate has its kept
    report's place): a county is one that has something read."""
    rep = ensure_columns("reports", tables.get("reports"))
    rep = rep[~rep["status"].astype("object").isin(["failed", "duplicate"]).fillna(False).astype(bool)]
    prj = ensure_columns("projects", tables.get("projects"))
    places = pd.concat([rep[PLACE], prj[PLACE]], ignore_index=True)
    places = places[places["county"].notna()].astype("object").drop_duplicates()
    rows = [tuple(_none(x) for x in r) for r in places.itertuples(index=False, name=None)]
    rows = sorted(set(rows), key=lambda r: (-sum(x is not None for x in r[:2]), [x or "" for x in r]))  # most complete first
    key_of: dict[tuple, str] = {}
    info: dict[str, list] = {}
    for prov, city, county in rows:
        code = geo.division_code(county, city, prov) if (prov or city) else None
        if code is None:  # join the one known county of that name it fits
            fits = {k for (p, c, n), k in key_of.items() if n == county
                    and (prov is None or p in (None, prov)) and (city is None or c in (None, city))}
            code = fits.pop() if len(fits) == 1 else (geo.division_code(county) if not (prov or city) else None)
        key = code or f"{prov or ''}/{city or ''}/{county}"
        key_of[(prov, city, county)] = key
        cur = info.setdefault(key, [prov, city, county])
        cur[0], cur[1] = cur[0] or prov, cur[1] or city
    out = pd.DataFrame([v + [k] for k, v in info.items()], columns=PLACE + ["county_key"])
    dup = out["county"].duplicated(keep=False)
    out["county_label"] = np.where(dup, out["county"] + "（" + out["city"].fillna("?") + "）", out["county"])
    out = out.sort_values(PLACE, na_position="last").reset_index(drop=True).astype("object")
    return out, {"\x1f".join(x or "" for x in k): v for k, v in key_of.items()}


def county_frame(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per county: province, city, county, county_key (division code), county_label (see _places)."""
    return _places(tables)[0]


def _place_text(df: pd.DataFrame) -> pd.Series:
    cols = [df[c].astype("object").where(df[c].notna(), "").astype(str) if c in df.columns
            else pd.Series("", index=df.index) for c in PLACE]
    return cols[0] + "\x1f" + cols[1] + "\x1f" + cols[2]


def _keys(places: tuple[pd.DataFrame, dict], df: pd.DataFrame) -> pd.Series:
    cf, key_of = places
    by_name = cf.drop_duplicates("county", keep=False).set_index("county")["county_key"]
    if not len(df):
        return pd.Series(dtype="object", index=df.index)
    keys = _place_text(df).map(key_of).astype("object")
    if "county" in df.columns and keys.isna().any():
        keys = keys.where(keys.notna(), df["county"].astype("object").map(by_name))
    return keys


def county_keys(tables: Mapping[str, pd.DataFrame], df: pd.DataFrame) -> pd.Series:
    """The county key (division code) of each row of `df` (province, city, county columns)."""
    return _keys(_places(tables), df)


# --------------------------------------------------------------------------- projects, findings

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


_MONEY_ZH = {"budget_initial": "年初预算", "budget_full_year": "全年预算", "executed": "执行数"}


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
    notes = pd.Series(None, index=v.index, dtype="object")
    for i in v.index[~(v["score_ok"] & v["rate_ok"] & v["money_ok"])]:
        why = []
        if not v.at[i, "score_ok"]:
            why.append(f"自评得分{num(v.at[i, 'score'])}分超出合理范围{range_text('score')}")
        if not v.at[i, "rate_ok"]:
            why.append(f"执行率{num(v.at[i, 'rate'])}%超出合理范围{range_text('rate')}")
        if not v.at[i, "money_ok"]:
            bad = [f"{_MONEY_ZH[c]}{num(v.at[i, c])}万元" for c in money
                   if pd.notna(v.at[i, c]) and not (a_lo <= float(v.at[i, c]) <= a_hi)]
            why.append("、".join(bad) + f"超出合理范围（{range_text('amount')}）")
        notes.at[i] = "；".join(why)
    v["anomaly"] = notes


def project_view(tables: Mapping[str, pd.DataFrame], bands=None, places: tuple | None = None) -> pd.DataFrame:
    """Projects with county_key, county_label, the effective figures (module docstring), their
    *_source, n_findings, n_errors and the plausibility marks; the stated figures stay as they are. A department's
    whole-spending table (scope department: 部门整体支出绩效自评表) is no project: left out of every project figure
    (its findings still make red flags, by file)."""
    prj = ensure_columns("projects", tables.get("projects"))
    prj = prj[prj["scope"].astype("object").ne("department").fillna(True).astype(bool)]
    places = _places(tables) if places is None else places
    cf = places[0]
    v = prj.copy()
    v["county_key"] = _keys(places, v)
    v["county_label"] = v["county_key"].map(cf.set_index("county_key")["county_label"]).astype("object")
    v["county_label"] = v["county_label"].where(v["county_label"].notna(), v["county"])
    # a total row left at 0 (or empty) beside the parts that state the money (其中：本年财政拨款 90): the money is the
    # parts' sums, as the rate is (the red flag 资金分项与总额不符 says so); the stated column stays in executed_stated
    blank = v["budget_full_year"].isna() | (v["budget_full_year"] == 0)
    by_parts = (blank & (v["parts_budget_full_year"] > 0)).fillna(False).astype(bool)
    v["budget"], b = _first(v["budget_full_year"].where(~by_parts), v["parts_budget_full_year"].where(by_parts),
                            v["budget_initial"])
    v["budget_source"] = b.map({0: "full_year", 1: "parts", 2: "initial"})
    v["executed_stated"] = v["executed"]
    spent = (by_parts & (v["executed"].isna() | (v["executed"] == 0)) & v["parts_executed"].notna()).astype(bool)
    v["executed"] = v["executed"].where(~spent, v["parts_executed"])
    v["executed_source"] = np.where(spent, "parts", np.where(v["executed"].notna(), "stated", None))
    calc = v["execution_rate_calc"]
    if calc.isna().all():  # ingest left it out: compute as the contract defines it
        calc = v["executed_stated"] / v["budget_full_year"].where(v["budget_full_year"] != 0) * 100
    init = v["execution_rate_initial_calc"]
    if init.isna().all():
        init = v["executed_stated"] / v["budget_initial"].where(v["budget_initial"] != 0) * 100
    # a total row left at 0 (or empty, `blank` above) beside the parts that state the money: the rate the parts give
    parts = v["parts_executed"] / v["parts_budget_full_year"].where(v["parts_budget_full_year"] != 0) * 100
    v["rate"], r = _first(calc, parts.where(blank), v["execution_rate"], init)
    v["rate_source"] = r.map({0: "calc", 1: "parts_calc", 2: "stated", 3: "initial_calc"})
    v["score"], s = _first(v["total_score"], v["total_score_calc"])
    v["score_source"] = s.map({0: "stated", 1: "calc"})
    _mark_plausible(v)
    banded = grades_for(v["score"].where(v["score_ok"]), bands)
    stated = v["grade"].astype("object").where(v["grade"].isin(GRADES), None)
    calc_g = v["grade_calc"].astype("object").where(v["grade_calc"].isin(GRADES), None)
    grade = stated.where(stated.notna(), calc_g)
    v["grade_eff"] = grade.where(grade.notna(), banded)
    v["grade_source"] = np.where(stated.notna(), "stated", np.where(calc_g.notna(), "calc",
                                 np.where(banded.notna(), "bands", None)))
    fnd = active_findings(tables)
    if len(fnd):
        per = fnd.groupby("project_id").size()
        err = fnd[fnd["severity"] == "error"].groupby("project_id").size()
        v["n_findings"] = v["project_id"].map(per).fillna(0).astype("int64")
        v["n_errors"] = v["project_id"].map(err).fillna(0).astype("int64")
    else:
        v["n_findings"] = 0
        v["n_errors"] = 0
    return v


def active_findings(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The findings a report counts and flags: those a reviewer dismissed (排除) are left out (review.active)."""
    from evalkit.review import active
    return active(ensure_columns("findings", tables.get("findings")), tables.get("reviews"))


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


def findings_view(tables: Mapping[str, pd.DataFrame], places: tuple | None = None) -> pd.DataFrame:
    """Findings a reviewer has not dismissed (排除), with their place (province, city, county, county_key,
    county_label), project_name, severity_zh."""
    fnd = active_findings(tables)
    rep = ensure_columns("reports", tables.get("reports"))
    prj = ensure_columns("projects", tables.get("projects"))
    places = _places(tables) if places is None else places
    cf = places[0]
    v = fnd.copy()
    by_pid = prj.set_index("project_id")[["county", "city", "province", "project_name"]]
    by_pid = by_pid[~by_pid.index.duplicated()]
    by_rid = rep.drop_duplicates("report_id").set_index("report_id")[PLACE]
    by_src = rep.drop_duplicates("source_file").set_index("source_file")[PLACE]
    for col in PLACE:
        val = v["project_id"].map(by_pid[col]).astype("object")
        val = val.where(val.notna(), v["report_id"].map(by_rid[col]).astype("object"))
        val = val.where(val.notna(), v["source_file"].map(by_src[col]).astype("object"))
        v[col] = val
    v["project_name"] = v["project_id"].map(by_pid["project_name"])
    v["county_key"] = _keys(places, v) if len(v) else pd.Series(dtype="object")
    v["county_label"] = v["county_key"].map(cf.set_index("county_key")["county_label"]).astype("object") \
        if len(v) else pd.Series(dtype="object")
    v["severity_zh"] = v["severity"].map(SEVERITY_ZH).fillna(v["severity"])
    return v


def rule_titles(findings: pd.DataFrame | None = None) -> dict[str, str]:
    """Chinese titles of the check rules (`evalkit.checks.RULES`), completed from a findings `title` column."""
    from evalkit.checks import RULES
    out = {str(k): r.title for k, r in RULES.items() if isinstance(getattr(r, "title", None), str)}
    if findings is not None and "title" in findings.columns and len(findings):
        f = findings[findings["title"].notna()]
        for r, ttl in f.groupby("rule")["title"].first().items():
            out.setdefault(str(r), str(ttl))
    return out


def rule_title(rule, titles: Mapping[str, str] | None = None) -> str:
    """A rule's Chinese title (its id when none is known)."""
    titles = rule_titles() if titles is None else titles
    return titles.get(rule, str(rule))


# --------------------------------------------------------------------------- one run's views

class Views:
    """Everything one report derives from its (filtered) tables, each computed once on first use."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], bands=None, low_execution: float = 90.0,
                 high_score: float = 90.0):
        self.tables = complete_tables(tables, run_checks=False)
        self.bands = normalize_bands(bands)
        self.low_execution, self.high_score = float(low_execution), float(high_score)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @cached_property
    def _places(self) -> tuple[pd.DataFrame, dict]:
        return _places(self.tables)

    @cached_property
    def places(self) -> pd.DataFrame:
        return self._places[0]

    @cached_property
    def counties(self) -> list[str]:
        return list(self.places["county_label"])

    @cached_property
    def projects(self) -> pd.DataFrame:
        return project_view(self.tables, self.bands, self._places)

    @cached_property
    def plausible(self) -> pd.DataFrame:
        return plausible_view(self.projects)

    @cached_property
    def check_verdict(self) -> str:
        """What the checks could and could not verify for these reports (the check ledger), for prose:
        never "未发现问题" for reports whose figures could not be checked."""
        from evalkit.checks.ledger import ledger, verdict
        led = self.tables.get("ledger")
        if led is None or led.empty:
            led = ledger(self.tables)
        rep = self.tables.get("reports")
        ids = None if rep is None else set(rep["report_id"].dropna())
        return verdict(led, ids)

    @cached_property
    def findings(self) -> pd.DataFrame:
        return findings_view(self.tables, self._places)

    def keys(self, df: pd.DataFrame) -> pd.Series:
        """County keys of the rows of `df`."""
        return _keys(self._places, df)

    def labels(self, df: pd.DataFrame) -> pd.Series:
        """County labels of the rows of `df` (the county name when the place is unknown)."""
        lab = self.keys(df).map(self.places.set_index("county_key")["county_label"]).astype("object")
        return lab.where(lab.notna(), df["county"] if "county" in df.columns else None)

    @cached_property
    def grade_counts(self) -> pd.DataFrame:
        from evalkit.report.aggregates import grade_counts
        return grade_counts(self)

    @cached_property
    def statement_counts(self) -> pd.DataFrame:
        from evalkit.report.aggregates import statement_counts
        return statement_counts(self)

    @cached_property
    def county_summary(self) -> pd.DataFrame:
        from evalkit.report.aggregates import county_summary
        return county_summary(self)

    @cached_property
    def agency_summary(self) -> pd.DataFrame:
        from evalkit.report.aggregates import agency_summary
        return agency_summary(self)

    @cached_property
    def headline(self) -> dict:
        from evalkit.report.aggregates import headline
        return headline(self)

    @cached_property
    def red_flags(self) -> pd.DataFrame:
        from evalkit.report.flags import red_flags
        return red_flags(self)

    @cached_property
    def takeaways(self) -> dict[str, str]:
        from evalkit.report.text import takeaways
        return takeaways(self)


def as_views(tables, bands=None, low_execution: float = 90.0, high_score: float = 90.0) -> Views:
    """`tables` itself when it is a Views, else the Views of those tables and parameters."""
    if isinstance(tables, Views):
        return tables
    return Views(tables, bands, low_execution, high_score)


def counties(tables) -> list[str]:
    """County labels in the (filtered) tables, in display order."""
    return as_views(tables).counties
