"""The red-flag list: what an analyst should look at first, one row per (project, flag).

The figures' own flags (数值异常, 高分低执行, 零执行, 执行率过低) come from the project view; the
rest are the checks' findings, with the checks' own tolerances, never re-implemented here: every
error, plus the warnings an auditor acts on (`AUDIT_WARNINGS`, the one list of them). A finding a
reviewer dismissed (排除) makes no red flag; a finding of a report or statement (no project) is
listed with its county and file.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.report.numbers import MONEY, RATE, SCORE, fmt
from evalkit.report.views import Views, as_views, several_years

VIEW_FLAGS = ("数值异常", "高分低执行", "执行率过低", "零执行")

# Warnings an auditor acts on: each says a reported result may look better than it is (money
# moved, figures that contradict each other, targets copied or out of scale). Left out:
# excellent_low_execution (the 高分低执行 flag covers it), template and weight-structure notes,
# scores lower than earned, figures that cannot be computed, OCR confidence and formula caches
# (notes on the data, listed on the workbook's findings sheet).
AUDIT_WARNINGS = frozenset({
    "budget_cut_inflates_rate",     # e.g. 170 → 9.33 万元: 100 % of a cut budget is 5.49 % of the initial one
    "execution_over_budget",
    "execution_rate_conflict",
    "score_without_spending",
    "amount_unit_doubtful",         # 元 read as 万元: 10,000 times too large in every total
    "cost_above_budget",
    "cost_far_below_budget",
    "indicators_copied",
    "indicators_as_earlier_year",   # this year's results, line by line, are an earlier year's
    "summary_avg_mismatch",
    "narrative_part_mismatch",
})

# check rule -> (flag, detail template with {found}, {expected}, {score}; None: the finding's message)
FROM_FINDINGS = {
    "execution_rate_mismatch": ("执行率与金额不符", "填报{found}，按金额计算{expected}"),
    "total_score_mismatch": ("总分与分项合计不符", "填报{found}分，分项合计{expected}分"),
    "grade_mismatch": ("等级与得分不符", "填报“{found}”，{score}分应为“{expected}”"),
    "budget_cut_inflates_rate": ("预算大幅调减", None),
    "budget_parts_mismatch": ("资金分项与总额不符", "总额：{found}；其中各项合计：{expected}"),
}
COLUMNS = ["county_label", "fiscal_year", "project_name", "flag", "detail", "rate", "score", "grade", "source_file", "project_id"]
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def shown_columns(flags: pd.DataFrame) -> list[str]:
    """The columns a red-flag table shows: all but project_id, and fiscal_year only when the flags span several
    years (a project flagged in two years is then two rows that say which year each is)."""
    years = several_years(flags)
    return [c for c in flags.columns if c != "project_id" and (c != "fiscal_year" or years)]


def flag_name(rule: str, titles: dict | None = None) -> str:
    """The red flag a finding of `rule` raises: FROM_FINDINGS' name, else the rule's Chinese title."""
    if rule in FROM_FINDINGS:
        return FROM_FINDINGS[rule][0]
    from evalkit.report.views import rule_title
    return rule_title(rule, titles)


def _flag_order() -> tuple[str, ...]:
    """The figures' flags with 预算大幅调减 next to 高分低执行 (the deck shows the first rows), then
    FROM_FINDINGS' flags, then every other rule's flag, errors before warnings."""
    from evalkit.checks import RULES
    rules = sorted(RULES, key=lambda r: _SEVERITY_RANK.get(getattr(RULES[r], "severity", "info"), 3))
    out = ["数值异常", "高分低执行", "预算大幅调减"]   # a rate that looks better than it is, right after 高分低执行
    out += [f for f in VIEW_FLAGS if f not in out] + [f for f, _ in FROM_FINDINGS.values() if f not in out]
    for r in rules:
        name = flag_name(r)
        if name not in out:
            out.append(name)
    return tuple(out)


FLAG_ORDER = _flag_order()


def flagged_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings that make a red flag: every error, and the warnings in AUDIT_WARNINGS."""
    if not len(findings):
        return findings
    return findings[(findings["severity"] == "error")
                    | ((findings["severity"] == "warning") & findings["rule"].isin(AUDIT_WARNINGS))]


def red_flags(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0,
              very_low_execution: float = 60.0) -> pd.DataFrame:
    """Red flags in FLAG_ORDER (then rate, county): the figures' own from the project view, then
    one per flagged finding (`flagged_findings`) and project (a rule repeated on a project is one flag)."""
    vw = as_views(vw, bands, low_execution, high_score)
    v = vw.projects.reset_index(drop=True)
    rate = v["rate"].where(v["rate_ok"])
    score = v["score"].where(v["score_ok"])
    basis = v["rate_source"].map({"initial_calc": "（按年初预算）", "parts_calc": "（按资金来源分项）"}).fillna("")
    parts = []

    def add(mask, flag, detail):
        mask = pd.Series(mask, index=v.index).fillna(False).astype(bool)
        if mask.any():
            parts.append(pd.DataFrame({"_pos": v.index[mask], "flag": flag,
                                       "detail": pd.Series(detail, index=v.index)[mask].to_numpy()}))

    add(v["anomaly"].notna(), "数值异常", v["anomaly"].fillna("") + "，请核对原文")
    add((score >= vw.high_score) & (rate < vw.low_execution), "高分低执行",
        ["" if pd.isna(s) or pd.isna(r) else f"自评{fmt(s, SCORE)}分，执行率{fmt(r, RATE)}%{b}" for s, r, b in zip(score, rate, basis)])
    zero = v["money_ok"] & (v["budget"] > 0) & (v["executed"] == 0)
    add(zero, "零执行", [f"预算{fmt(b, MONEY)}万元，执行0.00万元" if z else "" for b, z in zip(v["budget"], zero.fillna(False))])
    add(~zero.fillna(False) & (rate < very_low_execution), "执行率过低",
        ["" if pd.isna(r) else f"执行率{fmt(r, RATE)}%" for r in rate])
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["_pos", "flag", "detail"])
    p = v.loc[rows["_pos"]] if len(rows) else v.iloc[:0]
    out = pd.DataFrame({"county_label": p["county_label"].to_numpy(), "fiscal_year": p["fiscal_year"].to_numpy(),
                        "project_name": p["project_name"].to_numpy(),
                        "flag": rows["flag"].to_numpy(), "detail": rows["detail"].to_numpy(), "rate": p["rate"].to_numpy(),
                        "score": p["score"].to_numpy(), "grade": p["grade_eff"].to_numpy(),
                        "source_file": p["source_file"].to_numpy(), "project_id": p["project_id"].to_numpy()})
    out = pd.concat([out, _finding_flags(vw, v, score)], ignore_index=True)
    if len(out):
        out["_o"] = out["flag"].map({f: i for i, f in enumerate(FLAG_ORDER)}).fillna(len(FLAG_ORDER))
        out["_i"] = range(len(out))
        out = out.sort_values(["_o", "rate", "county_label", "_i"], na_position="last", kind="stable")
        out = out.drop(columns=["_o", "_i"]).reset_index(drop=True)
    for c in ("rate", "score"):
        out[c] = out[c].astype("float64")
    out["fiscal_year"] = pd.to_numeric(out["fiscal_year"], errors="coerce").astype("Int64")
    doubts = ocr_doubts(vw.findings)
    if doubts and len(out):      # a flag that a misread scan may have raised says so first (a slide shows two lines)
        out["detail"] = [f"{DOUBT_MARK}{d}；存疑数字：{doubts[p]}，请先对照原件" if isinstance(p, str) and p in doubts
                         else d for d, p in zip(out["detail"], out["project_id"])]
    return out.reindex(columns=COLUMNS)


DOUBT_MARK = "【扫描件识别存疑】"


def ocr_doubts(findings: pd.DataFrame) -> dict[str, str]:
    """project_id -> the figures of the project read from doubtful scan cells (ocr_low_confidence's `found`:
    全年执行数“2.100”在印章下, 执行率“10%”置信度0.85)."""
    if not len(findings) or "rule" not in findings.columns:
        return {}
    from evalkit.checks.rules_plausibility import UNDER_SEAL, doubtful_figure
    out: dict[str, list[str]] = {}
    low = findings[(findings["rule"] == "ocr_low_confidence") & findings["project_id"].notna()]
    for pid, found in zip(low["project_id"], low["found"]):
        got = doubtful_figure(_s(found))
        if got and got[0] != "项目名称":      # a figure that a flag may rest on, not the name
            label, value, why = got
            out.setdefault(str(pid), []).append(f"{label}“{value}”" + (f"在{why}" if why == UNDER_SEAL else f"置信度{why}"))
    return {pid: "、".join(dict.fromkeys(v)) for pid, v in out.items()}


def _finding_flags(vw: Views, v: pd.DataFrame, score: pd.Series) -> pd.DataFrame:
    """One red flag per flagged finding, keyed by (project or file, rule); project figures where it has one."""
    fnd = flagged_findings(vw.findings)          # what a reviewer dismissed (排除) is not there
    if not len(fnd):
        return pd.DataFrame(columns=COLUMNS)
    from evalkit.report.views import rule_titles
    titles = rule_titles(fnd)
    pos = pd.Series(v.index, index=v["project_id"])
    pos = pos[~pos.index.duplicated()]
    f = fnd.assign(_pos=fnd["project_id"].map(pos))
    f = f.assign(_key=f["project_id"].astype("object").where(f["project_id"].notna(), f["source_file"]))
    f = f.drop_duplicates(["_key", "rule"])
    has = f["_pos"].notna()
    at = f["_pos"].fillna(-1).astype("int64").to_numpy()

    def col(name, fallback=None):
        vals = v[name].reindex(at).to_numpy()
        if fallback is None:
            return np.where(has, vals, None)
        return np.where(has, vals, f[fallback].to_numpy())

    sc = score.reindex(at).to_numpy()
    rep = vw.tables.get("reports")
    year_of = (pd.Series(rep["fiscal_year"].to_numpy(), index=rep["report_id"]) if rep is not None and len(rep)
               else pd.Series(dtype="Int64"))
    year_of = year_of[~year_of.index.duplicated()]
    years = np.where(has, v["fiscal_year"].reindex(at).to_numpy(), f["report_id"].map(year_of).to_numpy())
    detail = []
    for r, fo, ex, s, msg in zip(f["rule"], f["found"], f["expected"], sc, f["message"]):
        tmpl = FROM_FINDINGS.get(r, (None, None))[1]
        detail.append(tmpl.format(found=_s(fo), expected=_s(ex), score="" if pd.isna(s) else fmt(s, SCORE))
                      if tmpl else _s(msg))
    return pd.DataFrame({
        "county_label": col("county_label", "county_label"), "fiscal_year": years,
        "project_name": col("project_name", "project_name"),
        "flag": [flag_name(r, titles) for r in f["rule"]], "detail": detail,
        "rate": np.where(has, v["rate"].reindex(at).to_numpy(), np.nan),
        "score": np.where(has, v["score"].reindex(at).to_numpy(), np.nan),
        "grade": col("grade_eff"), "source_file": col("source_file", "source_file"),
        "project_id": col("project_id", "project_id")}, columns=COLUMNS)


def _s(x) -> str:
    return "" if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)) else str(x)
