"""Family 6: scores the report's text states against its tables."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, ids_of, make
from evalkit.checks.numbers import dec, fixed, fmt, text, unfixed


def parse_parts(raw) -> list[dict]:
    """reports.narrative_parts (JSON list of {label, max, score}) as a list; [] when absent/bad."""
    s = text(raw).strip()
    if not s:
        return []
    try:
        parts = json.loads(s)
    except (ValueError, TypeError):
        return []
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else []


def _clean(label: str) -> str:
    return re.sub(r"[（(][^）)]*[)）]|[:：\s]", "", label)


def check_narrative(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Narrative score / overall score vs the table total; narrative parts vs maxima and table groups."""
    out: list[Finding] = []
    tol = cfg.dec("narrative", "score_tolerance")
    need = (d.reports["narrative_score"].notna() | d.reports["stated_overall_score"].notna()
            | d.reports["narrative_parts"].notna())
    rids = d.reports.loc[need, "report_id"]
    p = d.projects.loc[d.projects["report_id"].isin(rids), ["report_id", "project_id", "total_score"]]
    n_proj = p["report_id"].value_counts()
    first = p.drop_duplicates("report_id").set_index("report_id")
    with_parts = set(d.reports.loc[d.reports["narrative_parts"].notna(), "report_id"])
    part_pids = {first.at[rid, "project_id"] for rid in with_parts if n_proj.get(rid, 0) == 1}
    tables = _table_groups(d, part_pids)
    for r in d.reports.loc[need].itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        single = n_proj.get(r.report_id, 0) == 1
        dept = text(r.doc_kind) == "department_report"
        ids = ids_of(r) | {"project_id": None}
        narr, overall = dec(r.narrative_score), dec(r.stated_overall_score)
        pid = text(first.at[r.report_id, "project_id"]) if single else None
        total = dec(first.at[r.report_id, "total_score"]) if single else None
        if single:
            ids = ids | {"project_id": pid}
        if narr is not None and overall is not None and abs(narr - overall) > tol:
            out.append(make(c, "narrative_score_mismatch", ids,
                            f"正文各部分得分合计{fmt(narr)}分，与报告所述综合得分{fmt(overall)}分不符，请核对。",
                            fmt(overall), fmt(narr)))
        if single and not dept and total is not None:
            for val, what in ((narr, "正文各部分自评得分合计"), (overall, "报告所述总得分")):
                if val is not None and abs(val - total) > tol:
                    out.append(make(c, "narrative_score_mismatch", ids,
                                    f"{what}为{fmt(val)}分，而自评表总分为{fmt(total)}分，请核对正文或表格。",
                                    fmt(total), fmt(val)))
        parts = parse_parts(r.narrative_parts)
        groups = tables.get(pid, {}) if single and not dept else {}
        for part in parts:
            label, mx, sc = text(part.get("label")), dec(part.get("max")), dec(part.get("score"))
            if mx is not None and sc is not None and sc > mx:
                out.append(make(c, "narrative_part_over_max", ids,
                                f"正文「{label}」自评得分{fmt(sc)}分超过其满分{fmt(mx)}分，请核对。",
                                f"≤{fmt(mx)}", fmt(sc)))
            gw = groups.get(_clean(label))
            if gw and mx is not None and sc is not None and gw[0] == mx and gw[1] is not None and gw[1] != sc:
                out.append(make(c, "narrative_part_mismatch", ids,
                                f"正文「{label}」得分{fmt(sc)}分（满分{fmt(mx)}分），自评表同名指标得分合计{fmt(gw[1])}分，请核对。",
                                fmt(gw[1]), fmt(sc)))
    return out


def _table_groups(d: Data, project_ids: set[str]) -> dict[str, dict[str, tuple[Decimal | None, Decimal | None]]]:
    """Per project, per level-1 and level-2 name: (weight sum, score sum)."""
    ind = d.indicators.loc[d.indicators["project_id"].isin(project_ids)]
    out: dict[str, dict[str, tuple[Decimal | None, Decimal | None]]] = {}
    if ind.empty:
        return out
    w, s = fixed(ind["weight"]), fixed(ind["score"])
    for col in ("level1", "level2"):
        names = ind[col].map(lambda x: _clean(x) if isinstance(x, str) else "")
        agg = pd.DataFrame({"p": ind["project_id"], "n": names, "w": w, "s": s}).groupby(
            ["p", "n"], sort=False)[["w", "s"]].sum(min_count=1)
        for (pid, name), row in agg.iterrows():
            if name:
                out.setdefault(pid, {}).setdefault(name, (unfixed(row["w"]), unfixed(row["s"])))
    return out
