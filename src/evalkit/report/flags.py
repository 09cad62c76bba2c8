"""The red-flag list: projects an analyst should look at first, one row per (project, flag).

The figures' own flags (数值异常, 高分低执行, 零执行, 执行率过低) come from the project view;
the reconciliation flags are the checks' findings (`FROM_FINDINGS`), with the checks' own
tolerances, never re-implemented here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.report.views import Views, as_views

FLAG_ORDER = ("数值异常", "高分低执行", "执行率过低", "零执行", "执行率与金额不符", "总分与分项合计不符",
              "等级与得分不符", "检查错误")
# check rule -> (flag, detail template with {found}, {expected}, {score})
FROM_FINDINGS = {
    "execution_rate_mismatch": ("执行率与金额不符", "填报{found}，按金额计算{expected}"),
    "total_score_mismatch": ("总分与分项合计不符", "填报{found}分，分项合计{expected}分"),
    "grade_mismatch": ("等级与得分不符", "填报“{found}”，{score}分应为“{expected}”"),
}
COLUMNS = ["county_label", "project_name", "flag", "detail", "rate", "score", "grade", "source_file", "project_id"]


def red_flags(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0,
              very_low_execution: float = 60.0) -> pd.DataFrame:
    """Red flags in FLAG_ORDER (then rate, county): the figures' own from the project view, the
    reconciliation ones from the findings (FROM_FINDINGS); 检查错误 only for a project with no other flag."""
    vw = as_views(vw, bands, low_execution, high_score)
    v = vw.projects.reset_index(drop=True)
    rate = v["rate"].where(v["rate_ok"])
    score = v["score"].where(v["score_ok"])
    basis = np.where(v["rate_source"] == "initial_calc", "（按年初预算）", "")
    parts = []

    def add(mask, flag, detail):
        mask = pd.Series(mask, index=v.index).fillna(False).astype(bool)
        if mask.any():
            parts.append(pd.DataFrame({"_pos": v.index[mask], "flag": flag,
                                       "detail": pd.Series(detail, index=v.index)[mask].to_numpy()}))

    add(v["anomaly"].notna(), "数值异常", v["anomaly"].fillna("") + "，请核对原文")
    add((score >= vw.high_score) & (rate < vw.low_execution), "高分低执行",
        ["" if pd.isna(s) or pd.isna(r) else f"自评{s:g}分，执行率{r:.1f}%{b}" for s, r, b in zip(score, rate, basis)])
    zero = v["money_ok"] & (v["budget"] > 0) & (v["executed"] == 0)
    add(zero, "零执行", [f"预算{b:g}万元，执行0万元" if z else "" for b, z in zip(v["budget"], zero.fillna(False))])
    add(~zero.fillna(False) & (rate < very_low_execution), "执行率过低",
        ["" if pd.isna(r) else f"执行率{r:.1f}%" for r in rate])
    fnd = vw.findings                    # what a reviewer dismissed (排除) makes no red flag
    fnd = fnd[fnd["rule"].isin(list(FROM_FINDINGS)) & fnd["project_id"].notna()]
    if len(fnd):
        pos = pd.Series(v.index, index=v["project_id"])
        pos = pos[~pos.index.duplicated()]
        f = fnd.assign(_pos=fnd["project_id"].map(pos)).dropna(subset=["_pos"])
        f = f.drop_duplicates(["_pos", "rule"])
        if len(f):
            f["_pos"] = f["_pos"].astype("int64")
            sc = score.reindex(f["_pos"]).to_numpy()
            parts.append(pd.DataFrame({
                "_pos": f["_pos"].to_numpy(), "flag": f["rule"].map(lambda r: FROM_FINDINGS[r][0]).to_numpy(),
                "detail": [FROM_FINDINGS[r][1].format(found=_s(fo), expected=_s(ex), score="" if pd.isna(s) else f"{s:g}")
                           for r, fo, ex, s in zip(f["rule"], f["found"], f["expected"], sc)]}))
    flagged = set(pd.concat(parts)["_pos"]) if parts else set()
    add((v["n_errors"] > 0) & ~v.index.isin(list(flagged)), "检查错误", v["n_errors"].astype(str) + "条错误级检查问题")
    if not parts:
        out = pd.DataFrame(columns=COLUMNS)
    else:
        rows = pd.concat(parts, ignore_index=True)
        p = v.loc[rows["_pos"]]
        out = pd.DataFrame({"county_label": p["county_label"].to_numpy(), "project_name": p["project_name"].to_numpy(),
                            "flag": rows["flag"], "detail": rows["detail"], "rate": p["rate"].to_numpy(),
                            "score": p["score"].to_numpy(), "grade": p["grade_eff"].to_numpy(),
                            "source_file": p["source_file"].to_numpy(), "project_id": p["project_id"].to_numpy(),
                            "_o": rows["flag"].map({f: i for i, f in enumerate(FLAG_ORDER)}), "_pos": rows["_pos"]})
        out = out.sort_values(["_o", "rate", "county_label", "_pos"], na_position="last", kind="stable")
        out = out.drop(columns=["_o", "_pos"]).reset_index(drop=True)
    for c in ("rate", "score"):
        out[c] = out[c].astype("float64")
    return out[COLUMNS]


def _s(x) -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
