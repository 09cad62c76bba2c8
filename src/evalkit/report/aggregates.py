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


def grade_counts(vw: Views, bands=None) -> pd.DataFrame:
    """Grade counts per county (county_label, 优, 良, 中, 差, total, source) from the projects'
    effective grades, plus the stated counts of reports that only have a summary table."""
    vw = as_views(vw, bands)
    v = vw.projects
    rows: dict[str, dict] = {}
    if len(v):
        ct = pd.crosstab(v["county_label"], v["grade_eff"]).reindex(columns=list(GRADES), fill_value=0)
        for lab in pd.unique(v["county_label"].dropna()):
            rows[lab] = {k: int(ct.at[lab, k]) for k in GRADES} | {"source": "projects"}
    summ, rep = vw["summaries"], vw["reports"]
    if len(summ):
        s = summ[~summ["report_id"].isin(set(v["report_id"].dropna()))].merge(
            rep[["report_id", "county", "city", "province"]], on="report_id", how="left")
        s = s[s[list(SUMMARY_COUNT_COLUMNS.values())].notna().any(axis=1)]
        if len(s):
            s = s.assign(county_label=vw.labels(s))
            for lab, g in s.groupby("county_label", sort=False):
                base = rows.get(lab, {k: 0 for k in GRADES} | {"source": "summaries"})
                for k, col in SUMMARY_COUNT_COLUMNS.items():
                    base[k] += _count_sum(g[col])
                if base["source"] == "projects":
                    base["source"] = "projects+summaries"
                rows[lab] = base
    known = vw.counties
    order = [c for c in known if c in rows] + [c for c in rows if c not in set(known)]
    out = pd.DataFrame([{"county_label": lab} | rows[lab] for lab in order],
                       columns=["county_label", *GRADES, "source"])
    for k in GRADES:
        out[k] = out[k].astype("int64")
    out["total"] = out[list(GRADES)].sum(axis=1).astype("int64")
    return out[["county_label", *GRADES, "total", "source"]]


COUNTY_SUMMARY_COLUMNS = ["county_label", "province", "city", "county_key", "n_reports", "n_projects", "budget", "executed",
                          "execution_rate", "median_rate", "n_low_rate", "mean_score", "min_score", *GRADES,
                          "summary_projects", "summary_avg_score", "n_findings", "n_errors", "fiscal_years",
                          "n_anomalies"]


def county_summary(vw: Views, bands=None, low_execution: float = 90.0) -> pd.DataFrame:
    """One row per county: place and division code, reports, projects, money, rates, scores, grades,
    summary-table figures, findings, years and anomalies (implausible figures left out of the statistics)."""
    vw = as_views(vw, bands, low_execution)
    low = vw.low_execution
    cf = vw.places
    labels = list(cf["county_label"])
    v, v_all = vw.plausible, vw.projects
    g = v.groupby("county_label")
    both = v[v["budget"].notna() & v["executed"].notna()].groupby("county_label")
    out = pd.DataFrame({"county_label": labels, "province": list(cf["province"]), "city": list(cf["city"]),
                        "county_key": list(cf["county_key"])})
    out = out.set_index("county_label", drop=False)
    rep = vw["reports"].assign(county_label=vw.labels(vw["reports"]))
    rr = rep[rep["status"] != "duplicate"]
    out["n_reports"] = rr.groupby("county_label").size().reindex(labels, fill_value=0).astype("int64")
    out["n_projects"] = g.size().reindex(labels, fill_value=0).astype("int64")
    out["budget"] = both["budget"].sum().reindex(labels)
    out["executed"] = both["executed"].sum().reindex(labels)
    out["execution_rate"] = (out["executed"] / out["budget"].where(out["budget"] > 0) * 100)
    out["median_rate"] = g["rate"].median().reindex(labels)
    out["n_low_rate"] = (v["rate"] < low).groupby(v["county_label"]).sum().reindex(labels, fill_value=0).astype("int64")
    out["mean_score"] = g["score"].mean().reindex(labels)
    out["min_score"] = g["score"].min().reindex(labels)
    gc = vw.grade_counts.set_index("county_label")
    for k in GRADES:
        out[k] = gc[k].reindex(labels, fill_value=0).astype("int64")
    summ = vw["summaries"].merge(rep[["report_id", "county_label"]], on="report_id", how="left")
    sg = summ.groupby("county_label")
    out["summary_projects"] = sg["projects_evaluated"].sum(min_count=1).reindex(labels).astype("float64")
    w = summ["projects_evaluated"].where(summ["avg_score"].notna())
    den = w.groupby(summ["county_label"]).sum(min_count=1)
    weighted = (summ["avg_score"] * w).groupby(summ["county_label"]).sum() / den.where(den > 0)
    out["summary_avg_score"] = weighted.where(weighted.notna(), sg["avg_score"].mean()).reindex(labels)
    fv = vw.findings
    out["n_findings"] = fv.groupby("county_label").size().reindex(labels, fill_value=0).astype("int64")
    out["n_errors"] = (fv["severity"] == "error").groupby(fv["county_label"]).sum().reindex(labels, fill_value=0).astype("int64")
    years = pd.concat([rr[["county_label", "fiscal_year"]], v[["county_label", "fiscal_year"]]]).dropna()
    ys = {lab: "、".join(str(y) for y in sorted({int(x) for x in s})) for lab, s in years.groupby("county_label")["fiscal_year"]}
    out["fiscal_years"] = [ys.get(lab, "") for lab in labels]
    out["n_anomalies"] = v_all["anomaly"].notna().groupby(v_all["county_label"]).sum().reindex(labels, fill_value=0).astype("int64")
    out = out.reset_index(drop=True)[COUNTY_SUMMARY_COLUMNS]
    for c in ("budget", "executed", "execution_rate", "median_rate", "mean_score", "min_score",
              "summary_projects", "summary_avg_score"):
        out[c] = out[c].astype("float64")
    return out


def _decision_counts(vw: Views) -> dict:
    """Findings by reviewer decision (确认/排除/已整改/待复核, 已消失 for decisions whose finding is gone)."""
    from evalkit.review import decisions
    d = decisions(vw.tables)
    return {str(k): int(v) for k, v in d["status"].value_counts().items()} if len(d) else {}


def headline(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0) -> dict:
    """The briefing's headline numbers (money in 万元, rates in %); implausible figures left out."""
    vw = as_views(vw, bands, low_execution, high_score)
    v_all, v = vw.projects, vw.plausible
    rep, fnd = vw["reports"], vw.findings          # findings a reviewer dismissed are counted apart
    low, high = vw.low_execution, vw.high_score
    both = v[v["budget"].notna() & v["executed"].notna()]
    budget, executed = float(both["budget"].sum()), float(both["executed"].sum())
    gc = vw.grade_counts
    return {
        "n_counties": len(vw.places),
        "n_reports": int((rep["status"] != "duplicate").sum()),   # a repeated file is counted once
        "n_duplicates": int((rep["status"] == "duplicate").sum()),
        "n_projects": int(len(v)),
        "budget": budget,
        "executed": executed,
        "execution_rate": executed / budget * 100 if budget > 0 else float("nan"),
        "median_rate": float(v["rate"].median()) if v["rate"].notna().any() else float("nan"),
        "n_low_rate": int((v["rate"] < low).sum()),
        "mean_score": float(v["score"].mean()) if v["score"].notna().any() else float("nan"),
        "n_high_low": int(((v["score"] >= high) & (v["rate"] < low)).sum()),
        "grades": {k: int(gc[k].sum()) for k in GRADES},
        "n_grade_calc": int((v["grade_source"] != "stated").sum()),
        "n_findings": int(len(fnd)),
        "reviews": _decision_counts(vw),
        "n_errors": int((fnd["severity"] == "error").sum()),
        "n_failed_reports": int(rep["status"].isin(["failed"]).sum()),
        "n_anomalies": int(v_all["anomaly"].notna().sum()),
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

