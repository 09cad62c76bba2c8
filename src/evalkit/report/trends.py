"""Figures by fiscal year, per county and for the whole selection: what the trend charts draw and
the workbook's 年度对比 sheet lists, so a county can be compared with its own past.

Project figures (execution rate, mean score, grade mix) and statement figures (the 汇总表 or
决算 paragraph's project count, average score and grade counts, for reports without project
tables) stay in separate columns: they count different things.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.report.views import GRADES, Views, as_views

REGION = "全部县区"
COLUMNS = ["county_label", "fiscal_year", "n_counties", "n_projects", "budget", "executed", "execution_rate",
           "n_rate", "mean_score", "n_score", *GRADES, "statement_projects", "statement_avg_score",
           *[f"statement_{g}" for g in GRADES]]
CHANGE = {"execution_rate": "execution_rate_change", "mean_score": "mean_score_change",
          "n_projects": "n_projects_change"}
_STATEMENT_COUNTS = {"优": "count_you", "良": "count_liang", "中": "count_zhong", "差": "count_cha"}


def _project_rows(v: pd.DataFrame) -> pd.DataFrame:
    """Per (county_label, fiscal_year): counts, money and rate over plausible projects, mean score, grade mix."""
    money = v[v["money_ok"] & v["budget"].notna() & v["executed"].notna() & (v["budget"] > 0)]
    g = v.groupby(["county_label", "fiscal_year"], sort=True)
    out = pd.DataFrame({"n_projects": g.size()})
    m = money.groupby(["county_label", "fiscal_year"])
    out["budget"] = m["budget"].sum()
    out["executed"] = m["executed"].sum()
    out["execution_rate"] = out["executed"] / out["budget"].where(out["budget"] > 0) * 100
    out["n_rate"] = m.size()
    sc = v[v["score_ok"] & v["score"].notna()].groupby(["county_label", "fiscal_year"])["score"]
    out["mean_score"] = sc.mean()
    out["n_score"] = sc.size()
    mix = pd.crosstab([v["county_label"], v["fiscal_year"]], v["grade_eff"])
    for gr in GRADES:
        out[gr] = mix[gr] if gr in mix.columns else 0
    return out


def _statement_rows(vw: Views, with_projects: set) -> pd.DataFrame:
    """Per (county_label, fiscal_year): the statements of reports that have no project table."""
    summ, rep = vw["summaries"], vw["reports"]
    cols = ["statement_projects", "statement_avg_score", *[f"statement_{g}" for g in GRADES]]
    if summ is None or not len(summ):
        return pd.DataFrame(columns=cols)
    s = summ[~summ["report_id"].isin(with_projects)].drop(columns=["fiscal_year"], errors="ignore").merge(
        rep[["report_id", "county", "city", "province", "fiscal_year"]], on="report_id", how="left")
    if not len(s):
        return pd.DataFrame(columns=cols)
    s = s.assign(county_label=vw.labels(s))
    s = s[s["county_label"].notna() & s["fiscal_year"].notna()]
    n = pd.to_numeric(s["projects_evaluated"], errors="coerce").astype("float64")
    avg = pd.to_numeric(s["avg_score"], errors="coerce").astype("float64")
    s = s.assign(_n=n, _w=(avg * n).where(avg.notna() & n.notna()), _nw=n.where(avg.notna()))
    g = s.groupby(["county_label", "fiscal_year"])
    out = pd.DataFrame({"statement_projects": g["_n"].sum(min_count=1)})
    out["statement_avg_score"] = g["_w"].sum(min_count=1) / g["_nw"].sum(min_count=1)
    for gr, col in _STATEMENT_COUNTS.items():
        out[f"statement_{gr}"] = g[col].apply(lambda x: pd.to_numeric(x, errors="coerce").sum(min_count=1))
    return out


def _region(per: pd.DataFrame) -> pd.DataFrame:
    """The selection's rows by year: sums, and rates and means recomputed from the sums."""
    sums = per.groupby("fiscal_year")[["n_projects", "budget", "executed", "n_rate", "n_score", *GRADES,
                                        "statement_projects", *[f"statement_{g}" for g in GRADES]]].sum(min_count=1)
    sums["execution_rate"] = sums["executed"] / sums["budget"].where(sums["budget"] > 0) * 100
    w = (per["mean_score"] * per["n_score"]).groupby(per["fiscal_year"]).sum(min_count=1)
    sums["mean_score"] = w / sums["n_score"].where(sums["n_score"] > 0)
    sw = (per["statement_avg_score"] * per["statement_projects"]).groupby(per["fiscal_year"]).sum(min_count=1)
    sn = per["statement_projects"].where(per["statement_avg_score"].notna()).groupby(per["fiscal_year"]).sum(min_count=1)
    sums["statement_avg_score"] = sw / sn.where(sn > 0)
    sums["n_counties"] = per.groupby("fiscal_year")["county_label"].nunique()
    return sums.reset_index().assign(county_label=REGION)


def by_year(vw, county: str | None = None) -> pd.DataFrame:
    """One row per county and fiscal year (and `REGION` rows for the whole selection), in COLUMNS,
    plus the change from the county's previous year in the data (`*_change`); `county` keeps one county."""
    vw = as_views(vw)
    v = vw.projects
    v = v[v["county_label"].notna() & v["fiscal_year"].notna()]
    proj = _project_rows(v)
    stat = _statement_rows(vw, set(v["report_id"].dropna()))
    per = proj.join(stat, how="outer") if len(stat) else proj.reindex(columns=proj.columns.tolist())
    per = per.reset_index()
    if not len(per):
        return pd.DataFrame(columns=COLUMNS + list(CHANGE.values()))
    per = per.reindex(columns=COLUMNS)
    per["fiscal_year"] = per["fiscal_year"].astype("int64")
    per["n_counties"] = 1
    for c in ("n_projects", "n_rate", "n_score", *GRADES):
        per[c] = per[c].fillna(0).astype("int64")
    rank = {c: i for i, c in enumerate(vw.counties)}
    per = per.sort_values(["county_label", "fiscal_year"], key=lambda s: s.map(rank).fillna(len(rank))
                          if s.name == "county_label" else s, kind="stable")
    if county is None:
        per = pd.concat([_region(per).reindex(columns=COLUMNS), per], ignore_index=True)
    else:
        per = per[per["county_label"] == county]
    per = per.reset_index(drop=True)
    for c in ("n_counties", "n_projects", "n_rate", "n_score", *GRADES):
        per[c] = per[c].fillna(0).astype("int64")
    floats = [c for c in COLUMNS if c not in ("county_label", "fiscal_year", "n_counties", "n_projects", "n_rate", "n_score", *GRADES)]
    per[floats] = per[floats].apply(lambda s: pd.to_numeric(s, errors="coerce").astype("float64"))
    for col, change in CHANGE.items():  # a year without project tables has no project figures to compare
        x = per[col].astype("float64").where(per["n_projects"] > 0)
        per[change] = x.groupby(per["county_label"], sort=False).diff()
    return per


PROJECT_YEAR_COLUMNS = ["county_label", "agency", "project_name", "fiscal_year", "budget", "rate", "score",
                        "grade_eff", "rate_change", "score_change", "same_as_earlier"]


def project_years(vw) -> pd.DataFrame:
    """The projects reported in more than one fiscal year (same county, agency and name, whitespace aside):
    one row per project and year, with the change of its execution rate and score from its previous year in
    the data (implausible figures left out, as everywhere) and, when the year's lines repeat an earlier
    year's, the file they repeat (`same_as_earlier`)."""
    vw = as_views(vw)
    v = vw.plausible
    v = v[v["county_label"].notna() & v["fiscal_year"].notna() & v["project_name"].notna()]
    if not len(v):
        return pd.DataFrame(columns=PROJECT_YEAR_COLUMNS)
    key = v["agency"].astype("object").fillna("") + "\x1f" + v["project_name"].astype("object").map(lambda x: "".join(str(x).split()))
    v = v.assign(_key=key.to_numpy(), same_as_earlier=v.get("same_as_earlier"))
    years_of = v.groupby(["county_label", "_key"])["fiscal_year"].transform("nunique")
    v = v[years_of > 1]
    if not len(v):
        return pd.DataFrame(columns=PROJECT_YEAR_COLUMNS)
    rank = {c: i for i, c in enumerate(vw.counties)}
    v = v.sort_values(["county_label", "_key", "fiscal_year"], kind="stable",
                      key=lambda s: s.map(rank).fillna(len(rank)) if s.name == "county_label" else s)
    out = v[["county_label", "_key", *PROJECT_YEAR_COLUMNS[1:8], "same_as_earlier"]].copy()
    out["fiscal_year"] = out["fiscal_year"].astype("int64")
    by = out.groupby(["county_label", "_key"], sort=False)
    out["rate_change"] = by["rate"].diff().astype("float64")
    out["score_change"] = by["score"].diff().astype("float64")
    return out.reset_index(drop=True)[PROJECT_YEAR_COLUMNS]


def years(vw) -> list[int]:
    """The fiscal years of the selection's projects and reports, ascending."""
    vw = as_views(vw)
    ys = pd.concat([vw.projects["fiscal_year"], vw["reports"]["fiscal_year"]]).dropna()
    return sorted({int(y) for y in ys if np.isfinite(float(y))})


def spans_years(vw) -> bool:
    """Whether some county has figures (projects or statements) in more than one fiscal year: only
    then is there a trend to draw; counties that each report one different year are no time series."""
    t = by_year(vw)
    t = t[t["county_label"] != REGION]
    return bool(len(t)) and bool((t.groupby("county_label")["fiscal_year"].nunique() > 1).any())
