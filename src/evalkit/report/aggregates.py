"""Per-county aggregates and the headline numbers, from one run's `Views` (money in 万元, rates in %).

Figures outside `views.plausible_ranges()` are counted as anomalies and left out of sums,
medians and means. Each function also accepts the tables themselves (a Views is built).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit import grades
from evalkit.report.views import GRADES, Views, as_views

SUMMARY_COUNT_COLUMNS = grades.COUNT_COLUMNS


def _count_sum(s: pd.Series) -> int:
    """Sum of stated counts; a count that is not a finite number >= 0 adds nothing."""
    x = pd.to_numeric(s, errors="coerce").astype("float64")
    return int(x.where(np.isfinite(x) & (x >= 0)).fillna(0).sum())


def counted(rep: pd.DataFrame) -> pd.Series:
    """The reports rows counted as reports: a file read twice once (not its duplicate), a file whose reports are its
    attachments (doc_kind attachments: a PDF 包's cover, its attachments rows of their own) not at all."""
    live = rep["status"] != "duplicate"
    if "doc_kind" in rep.columns:
        live &= ~rep["doc_kind"].eq("attachments").fillna(False).astype(bool)
    return live


def grade_counts(vw: Views, bands=None) -> pd.DataFrame:
    """Project-level grade counts per county (county_label, 优, 良, 中, 差, total) from the projects'
    effective grades; statements' counts (汇总表, 决算) are apart, in `statement_counts`."""
    vw = as_views(vw, bands)
    v = vw.projects
    v = v[v["county_label"].notna()]
    ct = pd.crosstab(v["county_label"], v["grade_eff"]) if len(v) else pd.DataFrame()
    ct = ct.reindex(columns=list(GRADES), fill_value=0)
    known = vw.counties
    order = [c for c in known if c in ct.index] + [c for c in ct.index if c not in set(known)]
    out = ct.reindex(order).fillna(0).astype("int64").rename_axis(None, axis=1).reset_index(names="county_label")
    out = out.reindex(columns=["county_label", *GRADES])
    for k in GRADES:
        out[k] = out[k].astype("int64")
    out["total"] = out[list(GRADES)].sum(axis=1).astype("int64")
    return out


STATEMENT_COLUMNS = ["county_label", "n_statements", "statement_only", "projects_evaluated", "funds_evaluated",
                     "avg_score", *GRADES, "total"]


def statement_counts(vw: Views, bands=None) -> pd.DataFrame:
    """Statement-level figures per county, as the statements (汇总表, 部门决算 paragraphs) state them:
    projects evaluated, funds (万元), average score (weighted by projects) and grade counts;
    `statement_only` marks a county without any project table. Never added to project counts."""
    vw = as_views(vw, bands)
    summ, rep = vw["summaries"], vw["reports"]
    if not len(summ):
        return pd.DataFrame(columns=STATEMENT_COLUMNS).astype({"n_statements": "int64", "total": "int64"})
    s = summ.merge(rep[["report_id", "county", "city", "province"]].drop_duplicates("report_id"),
                   on="report_id", how="left")
    s = s.assign(county_label=vw.labels(s))
    with_projects = set(vw.projects["county_label"].dropna())
    rows = []
    for lab, g in s.groupby("county_label", sort=False):
        n = pd.to_numeric(g["projects_evaluated"], errors="coerce").astype("float64")
        avg = pd.to_numeric(g["avg_score"], errors="coerce").astype("float64")
        w = n.where(avg.notna() & (n > 0))
        mean = float((avg * w).sum() / w.sum()) if w.notna().any() else (float(avg.mean()) if avg.notna().any()
                                                                         else float("nan"))
        row = {"county_label": lab, "n_statements": len(g), "statement_only": lab not in with_projects,
               "projects_evaluated": float(n.sum(min_count=1)),
               "funds_evaluated": float(pd.to_numeric(g["funds_evaluated"], errors="coerce").sum(min_count=1)),
               "avg_score": mean}
        for k, col in SUMMARY_COUNT_COLUMNS.items():
            row[k] = _count_sum(g[col])
        rows.append(row)
    known = vw.counties
    rows.sort(key=lambda r: known.index(r["county_label"]) if r["county_label"] in known else len(known))
    out = pd.DataFrame(rows, columns=[c for c in STATEMENT_COLUMNS if c != "total"])
    n = out["projects_evaluated"]
    if (n.isna() | (n == n.round())).all():     # a count as stated: 44, not 44.00
        out["projects_evaluated"] = n.round().astype("Int64")
    out["total"] = out[list(GRADES)].sum(axis=1).astype("int64")
    return out[STATEMENT_COLUMNS]


def dominant_project(v: pd.DataFrame, share: float = 0.5) -> dict | None:
    """The one project holding more than `share` of the budget total of projects with budget and
    executed (the total the execution rate is computed on), or None; with its basis and the rate without it."""
    both = v[v["budget"].notna() & v["executed"].notna()]
    total = float(both["budget"].sum())
    if len(both) < 2 or total <= 0:
        return None
    i = both["budget"].idxmax()
    top = both.loc[i]
    if float(top["budget"]) <= share * total:
        return None
    rest_b = total - float(top["budget"])
    rest_e = float(both["executed"].sum()) - float(top["executed"])
    return {"county_label": top["county_label"], "project_name": top["project_name"], "project_id": top["project_id"],
            "budget": float(top["budget"]), "total": total, "share": float(top["budget"]) / total * 100,
            "budget_source": top.get("budget_source"), "rate": float(top["rate"]) if pd.notna(top["rate"]) else float("nan"),
            "rate_source": top.get("rate_source"),
            "rate_without": rest_e / rest_b * 100 if rest_b > 0 else float("nan")}


COUNTY_SUMMARY_COLUMNS = ["county_label", "province", "city", "county_key", "n_reports", "n_projects", "n_money",
                          "budget", "executed", "execution_rate", "n_rated", "median_rate", "n_low_rate",
                          "n_scored", "mean_score", "min_score", *GRADES,
                          "summary_projects", "summary_funds", "summary_avg_score", "n_findings", "n_errors", "fiscal_years", "n_anomalies",
                          "n_lines", "quantified_share"]


_COUNTS = ("n_projects", "n_money", "n_rated", "n_scored", "n_low_rate")
_FIGURES = ("budget", "executed", "execution_rate", "median_rate", "mean_score", "min_score")


def _project_figures(v: pd.DataFrame, keys: list[str], low: float) -> pd.DataFrame:
    """Per group of `keys` over plausible projects `v`: projects, those with money, a rate and a score
    (_COUNTS), money summed over projects stating both, the overall rate, the rates' median and the
    projects below `low`, the scores' mean and minimum (_FIGURES)."""
    g = v.groupby(keys, sort=False)
    both = v[v["budget"].notna() & v["executed"].notna()].groupby(keys, sort=False)
    out = pd.DataFrame({"n_projects": g.size()})
    out["n_money"] = both.size()
    out["n_rated"] = g["rate"].count()
    out["n_scored"] = g["score"].count()
    out["n_low_rate"] = (v["rate"] < low).groupby([v[k] for k in keys], sort=False).sum()
    out["budget"] = both["budget"].sum()
    out["executed"] = both["executed"].sum()
    out["execution_rate"] = out["executed"] / out["budget"].where(out["budget"] > 0) * 100
    out["median_rate"] = g["rate"].median()
    out["mean_score"] = g["score"].mean()
    out["min_score"] = g["score"].min()
    for c in _COUNTS:
        out[c] = out[c].fillna(0).astype("int64")
    return out


def county_summary(vw: Views, bands=None, low_execution: float = 90.0) -> pd.DataFrame:
    """One row per county: place and division code, reports, projects, money, rates, scores and
    project grades, each with its denominator (n_money, n_rated, n_scored: projects having the figure);
    the statements' own figures apart (summary_*); findings, years and anomalies; the projects' indicator
    lines and the share of them whose target is a number (quantified_share, %: 量化指标占比)."""
    vw = as_views(vw, bands, low_execution)
    low = vw.low_execution
    cf = vw.places
    labels = list(cf["county_label"])
    v, v_all = vw.plausible, vw.projects
    out = pd.DataFrame({"county_label": labels, "province": list(cf["province"]), "city": list(cf["city"]),
                        "county_key": list(cf["county_key"])})
    out = out.set_index("county_label", drop=False)
    rep = vw["reports"].assign(county_label=vw.labels(vw["reports"]))
    rr = rep[counted(rep)]
    out["n_reports"] = rr.groupby("county_label").size().reindex(labels, fill_value=0).astype("int64")
    fig = _project_figures(v, ["county_label"], low)
    for c in _COUNTS:
        out[c] = fig[c].reindex(labels, fill_value=0).astype("int64")
    for c in _FIGURES:
        out[c] = fig[c].reindex(labels)
    gc = vw.grade_counts.set_index("county_label")
    for k in GRADES:
        out[k] = gc[k].reindex(labels, fill_value=0).astype("int64")
    st = vw.statement_counts.set_index("county_label")
    out["summary_projects"] = st["projects_evaluated"].reindex(labels)
    out["summary_funds"] = st["funds_evaluated"].reindex(labels)
    out["summary_avg_score"] = st["avg_score"].reindex(labels)   # their grade counts: statement_counts
    fv = vw.findings
    out["n_findings"] = fv.groupby("county_label").size().reindex(labels, fill_value=0).astype("int64")
    out["n_errors"] = (fv["severity"] == "error").groupby(fv["county_label"]).sum().reindex(labels, fill_value=0).astype("int64")
    years = pd.concat([rr[["county_label", "fiscal_year"]], v[["county_label", "fiscal_year"]]]).dropna()
    ys = {lab: "、".join(str(y) for y in sorted({int(x) for x in s})) for lab, s in years.groupby("county_label")["fiscal_year"]}
    out["fiscal_years"] = [ys.get(lab, "") for lab in labels]
    out["n_anomalies"] = v_all["anomaly"].notna().groupby(v_all["county_label"]).sum().reindex(labels, fill_value=0).astype("int64")
    ind = vw["indicators"]
    line_county = ind["project_id"].map(v_all.set_index("project_id")["county_label"]) if len(ind) else pd.Series(dtype="object")
    out["n_lines"] = line_county.value_counts().reindex(labels, fill_value=0).astype("int64")
    quantified = ind["target_value"].notna().astype("float64") * 100 if len(ind) else pd.Series(dtype="float64")
    out["quantified_share"] = quantified.groupby(line_county).mean().reindex(labels)
    out = out.reset_index(drop=True)[COUNTY_SUMMARY_COLUMNS]
    for c in ("budget", "executed", "execution_rate", "median_rate", "mean_score", "min_score",
              "summary_projects", "summary_funds", "summary_avg_score", "quantified_share"):
        out[c] = out[c].astype("float64")
    return out


AGENCY_SUMMARY_COLUMNS = ["county_label", "agency", "n_projects", "budget", "executed", "execution_rate", "n_rated",
                          "n_low_rate", "mean_score", *GRADES, "n_findings", "n_errors"]


def agency_summary(vw: Views, bands=None, low_execution: float = 90.0) -> pd.DataFrame:
    """One row per county and agency (部门): its projects, money, overall execution rate, projects below
    `low_execution`, mean score, grades and the findings on its projects, counted as county_summary counts
    them (figures over plausible projects, grades over all); the weakest execution first within each county."""
    vw = as_views(vw, bands, low_execution)
    keys = ["county_label", "agency"]

    def by_agency(df: pd.DataFrame) -> pd.DataFrame:
        return df.assign(agency=df["agency"].astype("object").where(df["agency"].notna(), "（未写明部门）"))
    v, v_all = by_agency(vw.plausible), by_agency(vw.projects)
    if v.empty:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in keys else "float64") for c in AGENCY_SUMMARY_COLUMNS})
    out = _project_figures(v, keys, vw.low_execution)
    grades = pd.crosstab([v_all[k] for k in keys], v_all["grade_eff"]).reindex(columns=list(GRADES), fill_value=0)
    for k in GRADES:
        out[k] = grades[k].reindex(out.index, fill_value=0).astype("int64")
    g = v.groupby(keys, sort=False)
    out["n_findings"] = g["n_findings"].sum().astype("int64")
    out["n_errors"] = g["n_errors"].sum().astype("int64")
    order = {c: i for i, c in enumerate(vw.counties)}
    out = out.reset_index()
    out = out.assign(_c=out["county_label"].map(order).fillna(len(order))).sort_values(
        ["_c", "execution_rate", "agency"], na_position="last", kind="stable").drop(columns="_c")
    for c in ("budget", "executed", "execution_rate", "mean_score"):
        out[c] = out[c].astype("float64")
    return out.reset_index(drop=True)[AGENCY_SUMMARY_COLUMNS]


def _decision_counts(vw: Views) -> dict:
    """Findings by reviewer decision (确认/排除/已整改/待复核, 已消失 for decisions whose finding is gone)."""
    from evalkit.review import decisions
    d = decisions(vw.tables)
    return {str(k): int(v) for k, v in d["status"].value_counts().items()} if len(d) else {}


def _statement_only(st: pd.DataFrame) -> dict:
    """What the statements of counties without project tables state, summed (NaN when not stated)."""
    s = st[st["statement_only"].astype(bool)]
    n = pd.to_numeric(s["projects_evaluated"], errors="coerce").astype("float64")
    avg = pd.to_numeric(s["avg_score"], errors="coerce").astype("float64")
    w = n.where(avg.notna())
    return {"counties": [str(x) for x in s["county_label"]],
            "projects": float(n.sum(min_count=1)) if len(s) else float("nan"),
            "funds": float(pd.to_numeric(s["funds_evaluated"], errors="coerce").sum(min_count=1)) if len(s) else float("nan"),
            "avg_score": float((avg * w).sum() / w.sum()) if w.notna().any() and w.sum() > 0 else float("nan"),
            "grades": {k: int(s[k].sum()) for k in GRADES}}


def headline(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0) -> dict:
    """The briefing's headline numbers (money in 万元, rates in %); implausible figures left out.
    Each figure has its denominator (n_money, n_rated, n_scored of n_projects); money unknown is NaN,
    not 0; `statement_only` sums the statements of counties without project tables (never added to the
    projects' figures); `dominant`
    is the project holding more than half the budget total (or None)."""
    vw = as_views(vw, bands, low_execution, high_score)
    v_all, v = vw.projects, vw.plausible
    rep, fnd = vw["reports"], vw.findings          # findings a reviewer dismissed are counted apart
    low, high = vw.low_execution, vw.high_score
    both = v[v["budget"].notna() & v["executed"].notna()]
    known = len(both) > 0
    budget = float(both["budget"].sum()) if known else float("nan")
    executed = float(both["executed"].sum()) if known else float("nan")
    gc = vw.grade_counts
    st = vw.statement_counts
    return {
        "n_counties": len(vw.places),
        "n_reports": int(counted(rep).sum()),   # a repeated file is counted once, a PDF 包's cover not
        "n_duplicates": int((rep["status"] == "duplicate").sum()),
        "n_old_versions": int((rep.get("duplicate_kind", pd.Series(dtype="object")) == "other_version").sum()),
        "n_repeated_projects": int(vw["projects"].get("repeated_in", pd.Series(dtype="object")).notna().sum()),
        "n_year_copies": int(fnd.loc[fnd["rule"] == "indicators_as_earlier_year", "project_id"].nunique())
        if "rule" in fnd.columns else 0,
        "n_projects": int(len(v)),
        "n_money": int(len(both)),
        "n_rated": int(v["rate"].notna().sum()),
        "n_scored": int(v["score"].notna().sum()),
        "budget": budget,
        "executed": executed,
        "execution_rate": executed / budget * 100 if known and budget > 0 else float("nan"),
        "n_initial_basis": int((both["rate_source"] == "initial_calc").sum()),
        "median_rate": float(v["rate"].median()) if v["rate"].notna().any() else float("nan"),
        "n_low_rate": int((v["rate"] < low).sum()),
        "mean_score": float(v["score"].mean()) if v["score"].notna().any() else float("nan"),
        "n_high_low": int(((v["score"] >= high) & (v["rate"] < low)).sum()),
        "grades": {k: int(gc[k].sum()) for k in GRADES},
        "n_grade_calc": int((v["grade_source"] != "stated").sum()),
        "statement_only": _statement_only(st),
        "dominant": dominant_project(v),
        "n_findings": int(len(fnd)),
        "check_verdict": vw.check_verdict if not len(fnd) else "",   # no finding is not "no problem"
        "reviews": _decision_counts(vw),
        "n_errors": int((fnd["severity"] == "error").sum()),
        "n_failed_reports": int(rep["status"].isin(["failed"]).sum()),
        "n_anomalies": int(v_all["anomaly"].notna().sum()),
        # reports with results in no county (checks: county_unknown): in the totals, in no county's figures
        "n_unplaced": int((rep["status"].isin(["ok", "partial"]) & rep["county"].isna()
                           & rep["report_id"].isin(v_all["report_id"])).sum()),
        "n_unplaced_projects": int(v["county_key"].isna().sum()),
    }


def trace(tables, **where) -> pd.DataFrame:
    """Projects matching column=value filters, with the source_file they came from."""
    v = as_views(tables).projects
    m = pd.Series(True, index=v.index)
    for k, val in where.items():
        m &= v[k] == val
    cols = ["county_label", "project_name", "budget", "executed", "execution_rate", "rate",
            "score", "grade_eff", "report_id", "project_id", "source_file"]
    return v.loc[m.fillna(False).astype(bool), cols].reset_index(drop=True)

