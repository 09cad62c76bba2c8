"""Family 5: stated grades against scores, summary tables against the report's projects."""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, ids_of, make
from evalkit import grades as scales
from evalkit.checks.grades import grade_from_score
from evalkit.checks.numbers import dec, fixed, fmt, text, unfixed

NOTE_COLUMNS = {"全年预算数": "budget_full_year", "调整后预算数": "budget_full_year",
                "全年预算": "budget_full_year", "全年执行数": "executed", "预算执行数": "executed",
                "实际支出": "executed", "年初预算数": "budget_initial", "年初预算": "budget_initial"}
COLUMN_WORDS = {"budget_full_year": "全年预算数", "executed": "全年执行数", "budget_initial": "年初预算数"}
_NOTE = re.compile(r"(应评价数|已评价数)为[^；;。]*?[“\"「]([^”\"」]+)[”\"」]的?(?:总和|合计|之和)")


def funds_columns(notes: str, cfg: CheckConfig) -> dict[str, str]:
    """Which projects column the 应评价/已评价 amounts sum, from the table's notes, else the config."""
    cols = {"funds_due": cfg.get("summaries", "funds_due_column", "budget_full_year"),
            "funds_evaluated": cfg.get("summaries", "funds_evaluated_column", "budget_full_year")}
    for which, word in _NOTE.findall(notes or ""):
        col = NOTE_COLUMNS.get(re.sub(r"[（(].*?[)）]|\s", "", word))
        if col:
            cols["funds_due" if which == "应评价数" else "funds_evaluated"] = col
    return cols


def check_grades(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Each project's stated grade vs its score; each report's stated grade vs its stated score."""
    out: list[Finding] = []
    p = d.projects.loc[d.projects["grade"].notna() | d.projects["grade_raw"].notna()]
    for r in p.itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        stated = text(r.grade_raw) or text(r.grade)
        lab = grade_from_score(r.total_score, c.bands)
        sr, cr = c.grade_rank(stated) if stated else None, c.grade_rank(lab)
        if sr is None:
            sr = c.grade_rank(text(r.grade))
        if lab is not None and sr is not None and cr is not None and sr != cr:
            out.append(make(c, "grade_mismatch", ids_of(r),
                            f"评价等级填报为「{stated}」，按总分{fmt(dec(r.total_score))}分应为「{lab}」，请核对等级或得分。",
                            lab, stated))
    rep = d.reports.loc[d.reports["stated_overall_grade"].notna() & d.reports["stated_overall_score"].notna()]
    for r in rep.itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        lab = grade_from_score(r.stated_overall_score, c.bands)
        stated = text(r.stated_overall_grade)
        sr, cr = c.grade_rank(stated), c.grade_rank(lab)
        if sr is not None and cr is not None and sr != cr:
            out.append(make(c, "report_grade_mismatch", ids_of(r) | {"project_id": None},
                            f"报告评价等次为「{stated}」，按综合得分{fmt(dec(r.stated_overall_score))}分应为「{lab}」，请核对等次或得分。",
                            lab, stated))
    return out


def check_summaries(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A 汇总表's project count, grade counts, amounts and average against the same report's projects."""
    out: list[Finding] = []
    if d.summaries.empty:
        return out
    projects = _Projects(d.projects.loc[d.projects["report_id"].isin(d.summaries["report_id"])])
    province = {rid: text(p) or None for rid, p in zip(d.reports["report_id"], d.reports["province"])}
    for r in d.summaries.itertuples(index=False):
        c = cfg.for_province(province.get(r.report_id))
        ids = ids_of(r) | {"project_id": None}
        g = projects.of(r.report_id)
        n = len(g)
        ev, due = dec(r.projects_evaluated), dec(r.projects_due)
        counts = [r.count_you, r.count_liang, r.count_zhong, r.count_cha]
        out += _internal(c, ids, ev, counts, dec(r.avg_score))
        if ev is not None and n and ev != n:  # a statement without project tables has nothing to count
            out.append(make(c, "summary_count_mismatch", ids,
                            f"汇总表已评价项目数为{fmt(ev)}个，报告中项目自评表为{n}张，请核对项目数或补齐自评表。",
                            str(n), fmt(ev)))
        if due is not None and ev is not None and due < ev:
            out.append(make(c, "summary_count_mismatch", ids,
                            f"汇总表应评价项目数{fmt(due)}个少于已评价项目数{fmt(ev)}个，请核对。",
                            f"≥{fmt(ev)}", fmt(due)))
        # grade counts: stated grade where the project states one, else the grade from its score
        labels = []
        for gr, graw, score in zip(projects.values("grade", g), projects.values("grade_raw", g),
                                   projects.values("total_score", g)):
            rk = c.grade_rank(text(graw) or text(gr))
            if rk is None:
                rk = c.grade_rank(grade_from_score(score, c.bands))
            labels.append(rk)
        if any(pd.notna(x) for x in counts) and n:
            names = scales.CONTRACT
            for rank, stated in enumerate(counts):
                actual = sum(1 for x in labels if x == rank)
                st = dec(stated)
                if (st if st is not None else Decimal(0)) != actual:
                    word = c.bands[rank].grade if rank < len(c.bands) else names[rank]
                    out.append(make(c, "summary_grade_count_mismatch", ids,
                                    f"汇总表「{word}」等级填报{fmt(st) if st is not None else '空'}个，按各项目得分应为{actual}个，请核对等级统计。",
                                    str(actual), fmt(st) if st is not None else "空"))
        cols = funds_columns(text(r.notes), c)
        ftol = c.dec("summaries", "funds_tolerance")
        for field, label in (("funds_due", "应评价"), ("funds_evaluated", "已评价")):
            stated = dec(getattr(r, field))
            col = cols[field]
            if stated is None or col not in projects.df or not n:
                continue
            total = unfixed(projects.fixed_sum(col, g))
            if total is not None and abs(stated - total) > ftol:
                out.append(make(c, "summary_funds_mismatch", ids,
                                f"汇总表资金总量{label}数填报{fmt(stated)}万元，按各项目{COLUMN_WORDS.get(col, col)}合计应为{fmt(total)}万元，请核对。",
                                fmt(total), fmt(stated)))
        avg = dec(r.avg_score)
        scored = [i for i in g if projects.stated("total_score")[i]]
        if avg is not None and len(scored):
            mean = unfixed(projects.fixed_sum("total_score", scored)) / len(scored)
            if abs(avg - mean) > c.dec("summaries", "avg_tolerance"):
                out.append(make(c, "summary_avg_mismatch", ids,
                                f"汇总表平均得分填报{fmt(avg)}分，{len(scored)}个项目总分平均为{fmt(mean, 2)}分，请核对。",
                                fmt(mean, 2), fmt(avg)))
    return out


class _Projects:
    """The projects a batch's summaries are checked against, as plain lists by report (a pandas
    selection per summary row cost more than the check itself); columns converted once, on demand."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.rows: dict[str, list[int]] = {}
        for i, rid in enumerate(df["report_id"]):
            if isinstance(rid, str):
                self.rows.setdefault(rid, []).append(i)
        self._cols: dict[tuple[str, str], list] = {}

    def of(self, report_id) -> list[int]:
        """Positions of one report's projects, in table order."""
        return self.rows.get(report_id, []) if isinstance(report_id, str) else []

    def values(self, col: str, rows: list[int]) -> list:
        if ("value", col) not in self._cols:
            self._cols[("value", col)] = list(self.df[col])
        v = self._cols[("value", col)]
        return [v[i] for i in rows]

    def stated(self, col: str) -> list[bool]:
        if ("stated", col) not in self._cols:
            self._cols[("stated", col)] = self.df[col].notna().tolist()
        return self._cols[("stated", col)]

    def fixed_sum(self, col: str, rows: list[int]) -> int | None:
        """Sum of the column's stated values in millionths (numbers.fixed), None when none is stated."""
        if ("fixed", col) not in self._cols:
            self._cols[("fixed", col)] = fixed(self.df[col]).to_numpy(dtype=object, na_value=None).tolist()
        got = [x for x in (self._cols[("fixed", col)][i] for i in rows) if x is not None]
        return sum(got) if got else None


def _internal(c: CheckConfig, ids: dict, evaluated: Decimal | None, counts: list, avg: Decimal | None) -> list[Finding]:
    """A summary against itself: grade counts sum to the projects evaluated; the average fits the grades."""
    out: list[Finding] = []
    cs = [dec(x) for x in counts]
    if all(x is None for x in cs):
        return out
    total = sum((x for x in cs if x is not None), Decimal(0))
    if evaluated is not None and total != evaluated:
        out.append(make(c, "summary_count_mismatch", ids,
                        f"汇总表各等级个数合计{fmt(total)}个，与已评价项目数{fmt(evaluated)}个不符，请核对。",
                        fmt(evaluated), fmt(total)))
    bands = c.bands
    if avg is not None and total > 0 and len(bands) >= len(cs):
        uppers = [c.dec("totals", "default_max_score")] + [b.min for b in bands[:-1]]
        lo = sum(((x or 0) * b.min for x, b in zip(cs, bands)), Decimal(0)) / total
        hi = sum(((x or 0) * u for x, u in zip(cs, uppers)), Decimal(0)) / total
        if avg < lo or avg > hi:
            out.append(make(c, "summary_avg_mismatch", ids,
                            f"汇总表平均得分{fmt(avg)}分，按各等级个数只可能在{fmt(lo, 2)}至{fmt(hi, 2)}分之间，请核对平均分或等级个数。",
                            f"{fmt(lo, 2)}-{fmt(hi, 2)}", fmt(avg)))
    return out
