"""Test helper: the hand-made truth CSVs mapped onto the clean-data contract's tables.

Lets the notebook/report code be developed and tested independently of the ingest; the
package never imports this. `build(out_dir)` writes DIR/<table>.parquet like `evalkit ingest`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TRUTH = Path(__file__).resolve().parent / "truth"  # the repo's copy of ../shared/truth
if not (TRUTH / "projects.csv").is_file():
    TRUTH = Path(__file__).resolve().parents[2] / "shared" / "truth"

BANDS = [("优", 90.0), ("良", 80.0), ("中", 60.0), ("差", float("-inf"))]


def _grade(score):
    if score is None or pd.isna(score):
        return None
    for g, lo in BANDS:
        if score >= lo:
            return g
    return None


def truth_available() -> bool:
    return (TRUTH / "projects.csv").is_file()


def tables() -> dict[str, pd.DataFrame]:
    rep = pd.read_csv(TRUTH / "reports.csv", dtype={"seed": "str"})
    prj = pd.read_csv(TRUTH / "projects.csv")
    ind = pd.read_csv(TRUTH / "indicators.csv")

    rep["report_id"] = rep["seed"].str.replace(r"\.\w+$", "", regex=True).str.slice(0, 12)
    rep["source_file"] = rep["seed"]
    rep["format"] = rep["seed"].str.extract(r"\.(\w+)$")[0]
    reports = pd.DataFrame({
        "report_id": rep["report_id"], "source_file": rep["source_file"],
        "sha256": None, "format": rep["format"], "status": "ok", "error": None,
        "county": rep["county"], "city": rep["city"], "province": rep["province"],
        "agency": rep["agency"], "fiscal_year": rep["fiscal_year"].astype("Int64"),
        "doc_kind": rep["doc_kind"], "n_projects": rep["n_project_tables"].astype("Int64"),
        "stated_overall_score": rep["stated_overall_score"],
        "stated_overall_grade": rep["stated_overall_grade"],
        "narrative_score": rep["narrative_score"],
    })

    meta = rep.set_index("seed")
    prj["report_id"] = prj["seed"].map(meta["report_id"])
    prj["project_id"] = prj["report_id"] + "-" + (prj.groupby("seed").cumcount() + 1).astype(str).str.zfill(2)
    key = prj.set_index(["seed", "project_name"])["project_id"]
    ind["project_id"] = [key.get((s, n)) for s, n in zip(ind["seed"], ind["project_name"])]
    line_sum = ind.groupby("project_id")["score"].sum(min_count=1)

    bfy = prj["budget_full_year"].replace(0, np.nan)
    bin_ = prj["budget_initial"].replace(0, np.nan)
    total_calc = prj["project_id"].map(line_sum) + prj["budget_score"]
    projects = pd.DataFrame({
        "project_id": prj["project_id"], "report_id": prj["report_id"], "source_file": prj["seed"],
        "county": prj["county"], "city": prj["seed"].map(meta["city"]),
        "province": prj["seed"].map(meta["province"]), "agency": prj["agency"],
        "fiscal_year": prj["fiscal_year"].astype("Int64"), "project_name": prj["project_name"],
        "budget_initial": prj["budget_initial"], "budget_full_year": prj["budget_full_year"],
        "executed": prj["executed"], "execution_rate": prj["execution_rate"],
        "execution_rate_calc": (prj["executed"] / bfy * 100).round(2),
        "execution_rate_initial_calc": (prj["executed"] / bin_ * 100).round(2),
        "budget_weight": prj["budget_weight"], "budget_score": prj["budget_score"],
        "total_score": prj["total_score"], "total_score_calc": total_calc.round(3),
        "grade": prj["grade"], "grade_raw": prj["grade"].map({"优": "优秀"}),
    })
    projects["grade_calc"] = projects["total_score"].map(_grade)

    indicators = pd.DataFrame({
        "project_id": ind["project_id"], "source_file": ind["seed"], "county": ind["county"],
        "project_name": ind["project_name"], "level1": ind["level1"], "level2": ind["level2"],
        "level3": ind["level3"], "target": ind["target"], "actual": ind["actual"],
        "target_op": None, "target_value": np.nan, "target_unit": None,
        "actual_value": np.nan, "actual_unit": None,
        "weight": ind["weight"], "score": ind["score"], "deviation_reason": None,
    })

    has_summary = rep[["summary_projects_evaluated", "count_you"]].notna().any(axis=1)
    s = rep[has_summary]
    summaries = pd.DataFrame({
        "report_id": s["report_id"], "source_file": s["source_file"], "agency": s["agency"],
        "fiscal_year": s["fiscal_year"].astype("Int64"),
        "projects_due": s["summary_projects_due"], "projects_evaluated": s["summary_projects_evaluated"],
        "funds_due": s["summary_funds_due"], "funds_evaluated": s["summary_funds_evaluated"],
        "avg_score": s["summary_avg_score"], "count_you": s["count_you"],
        "count_liang": s["count_liang"], "count_zhong": s["count_zhong"], "count_cha": s["count_cha"],
    }).reset_index(drop=True)

    # A few findings of the kinds the checks produce, so charts/exports have something to show.
    rows = []
    for p in projects.itertuples():
        if pd.notna(p.execution_rate) and pd.notna(p.execution_rate_calc) and abs(p.execution_rate - p.execution_rate_calc) > 0.5:
            rows.append(("execution_rate_mismatch", "error", p, f"项目“{p.project_name}”填报执行率与预算金额不符，请核对。",
                         f"{p.execution_rate_calc:.2f}", f"{p.execution_rate:g}"))
        if pd.notna(p.total_score) and pd.notna(p.total_score_calc) and abs(p.total_score - p.total_score_calc) > 0.01:
            rows.append(("total_score_mismatch", "warning", p, f"项目“{p.project_name}”总分与各项得分合计不符，请核对。",
                         f"{p.total_score_calc:g}", f"{p.total_score:g}"))
        if pd.isna(p.grade):
            rows.append(("grade_missing", "info", p, f"项目“{p.project_name}”未填写评价等级。", None, None))
    findings = pd.DataFrame([{
        "finding_id": f"F{i:04d}", "rule": r, "severity": sev, "report_id": p.report_id,
        "project_id": p.project_id, "source_file": p.source_file, "message": msg,
        "expected": exp, "found": fnd} for i, (r, sev, p, msg, exp, fnd) in enumerate(rows, 1)])
    return {"reports": reports, "projects": projects, "indicators": indicators,
            "summaries": summaries, "findings": findings}


def build(out_dir: Path, only_bundled: bool = False) -> dict[str, pd.DataFrame]:
    """Write the truth tables as DIR/<table>.parquet; `only_bundled` drops the PDFs (普陀区)."""
    t = tables()
    if only_bundled:
        keep = set(t["reports"].loc[t["reports"]["format"] == "txt", "report_id"])
        t = {k: (v[v["report_id"].isin(keep)] if "report_id" in v.columns else v[v["project_id"].str[:12].isin(keep)])
             for k, v in t.items()}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in t.items():
        df.reset_index(drop=True).to_parquet(out_dir / f"{name}.parquet", index=False)
    return t


if __name__ == "__main__":
    import sys
    t = build(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/truth_clean"))
    for k, v in t.items():
        print(k, v.shape)
