"""The finding record, the rule catalogue, and turning records into the contract's table."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from evalkit.model import Loc, container_word


@dataclass(frozen=True)
class Rule:
    """A check: id, family (1-7 as in the issue), default severity, what it asks, and the figures it needs.

    needs: alternatives separated by "|", each a set of "table.column" that some row of each named
    table of the report must state for the rule to be checkable there (the check ledger); they are also
    the figures the rule compares, whose places a finding lists in `figure_locations`."""
    id: str
    family: int
    severity: str
    title: str
    needs: str = "reports.report_id"


RULES: dict[str, Rule] = {r.id: r for r in [
    Rule("execution_rate_mismatch", 1, "error", "填报执行率与全年执行数/全年预算数不符", "projects.execution_rate projects.executed projects.budget_full_year"),
    Rule("execution_rate_as_fraction", 1, "info", "执行率以小数填写（0.93 即 93%）", "projects.execution_rate projects.executed projects.budget_full_year"),
    Rule("execution_rate_conflict", 1, "warning", "同一项目在两处填报的执行率不一致", "projects.execution_rate projects.execution_rate_line|projects.execution_rate projects.execution_rate_narrative"),
    Rule("budget_score_mismatch", 1, "error", "预算执行得分与权重×执行率不符", "projects.budget_score projects.budget_weight projects.execution_rate"),
    Rule("execution_over_budget", 1, "warning", "全年执行数超过全年预算数", "projects.executed projects.budget_full_year"),
    Rule("budget_zero_denominator", 1, "warning", "全年预算数为0，无法计算执行率", "projects.budget_full_year"),
    Rule("budget_missing_denominator", 1, "info", "未填全年预算数，无法计算执行率", "projects.project_id"),
    Rule("budget_parts_mismatch", 1, "error", "资金来源分项之和与年度资金总额不符", "projects.budget_full_year projects.parts_budget_full_year|projects.executed projects.parts_executed|projects.budget_initial projects.parts_budget_initial"),
    Rule("budget_total_missing", 1, "warning", "年度资金总额未填而分项填有金额", "projects.parts_budget_full_year|projects.parts_executed|projects.parts_budget_initial"),
    Rule("budget_cut_inflates_rate", 2, "warning", "全年预算大幅调减，执行率因此偏高", "projects.budget_initial projects.budget_full_year"),
    Rule("total_score_mismatch", 3, "error", "总分与各行得分之和不符", "projects.total_score indicators.score"),
    Rule("weight_sum_mismatch", 3, "error", "各行权重之和与满分不符", "indicators.weight"),
    Rule("group_weight_nonstandard", 3, "warning", "一级指标权重与标准结构不符", "indicators.weight indicators.level1"),
    Rule("group_points_mismatch", 3, "warning", "分组标注的分值与其下各行权重之和不符", "indicators.weight indicators.level1"),
    Rule("template_nonstandard", 3, "info", "指标体系不是标准的产出/效益/满意度结构", "indicators.level1"),
    Rule("weight_without_score", 3, "warning", "有权重而无得分", "indicators.weight"),
    Rule("scores_not_filled", 3, "warning", "自评表未填得分（得分栏整栏空白）", "indicators.weight"),
    Rule("line_scores_absent", 3, "warning", "只有总分，各行指标均无得分，总分无法核对", "indicators.weight projects.total_score"),
    Rule("indicator_full_score_unmet", 4, "error", "未达目标却得满分", "indicators.target_value indicators.actual_value indicators.score indicators.weight"),
    Rule("indicator_text_unmet_scored", 4, "error", "实际值写明未完成却得满分", "indicators.actual indicators.score indicators.weight"),
    Rule("indicator_deduction_met", 4, "warning", "已达目标却被扣分", "indicators.target_value indicators.actual_value indicators.score indicators.weight"),
    Rule("indicator_score_over_weight", 4, "error", "指标得分超过权重", "indicators.score indicators.weight"),
    Rule("indicator_deduction_no_reason", 4, "info", "扣分但未填偏差原因", "indicators.score indicators.weight"),
    Rule("indicator_score_not_proportional", 4, "info", "扣分与完成比例不符", "indicators.target_value indicators.actual_value indicators.score indicators.weight"),
    Rule("grade_mismatch", 5, "error", "评价等级与得分不符", "projects.total_score projects.grade"),
    Rule("report_grade_mismatch", 5, "error", "报告评价等次与综合得分不符", "reports.stated_overall_score reports.stated_overall_grade"),
    Rule("summary_count_mismatch", 5, "error", "汇总表项目数与项目表不符", "summaries.projects_evaluated projects.project_id"),
    Rule("summary_grade_count_mismatch", 5, "error", "汇总表等级个数与项目得分不符", "summaries.count_you projects.total_score|summaries.count_cha projects.total_score"),
    Rule("summary_funds_mismatch", 5, "error", "汇总表资金总量与项目表不符", "summaries.funds_evaluated projects.budget_full_year|summaries.funds_due projects.budget_full_year"),
    Rule("summary_avg_mismatch", 5, "warning", "汇总表平均得分与项目得分不符", "summaries.avg_score projects.total_score"),
    Rule("narrative_score_mismatch", 6, "error", "正文所述得分与表格不符", "reports.narrative_score projects.total_score"),
    Rule("narrative_part_over_max", 6, "error", "正文分项得分超过其满分", "reports.narrative_parts"),
    Rule("narrative_part_mismatch", 6, "warning", "正文分项得分与表格同名指标不符", "reports.narrative_parts indicators.score"),
    Rule("cost_above_budget", 7, "warning", "成本指标金额超过项目预算", "indicators.target_value projects.budget_full_year"),
    Rule("cost_far_below_budget", 7, "warning", "总成本指标远低于项目预算", "indicators.target_value projects.budget_full_year"),
    Rule("indicator_duplicate", 7, "warning", "同一项目中指标重复", "indicators.level3"),
    Rule("indicators_copied", 7, "warning", "指标与另一项目完全相同", "indicators.level3"),
    Rule("excellent_low_execution", 7, "warning", "评为优但执行率偏低", "projects.grade projects.executed projects.budget_full_year"),
    Rule("amount_unit_doubtful", 7, "warning", "未写明金额单位且金额过大，可能以元填报", "projects.budget_full_year|projects.budget_initial|projects.executed"),
    Rule("score_without_spending", 7, "warning", "未支出却得高分", "projects.executed projects.total_score"),
    Rule("duplicate_document", 7, "info", "重复文件：同一报告只计一次", "reports.report_id"),
    Rule("report_other_version", 7, "warning", "同一报告有数字不同的两个版本，只计入较新的一份", "reports.report_id"),
    Rule("project_repeated", 7, "warning", "同一项目填报了两次（两份报告中，或同一报告两处），汇总时会计入两次", "projects.project_id"),
    Rule("indicators_as_earlier_year", 7, "warning", "绩效指标连同完成值和得分与往年逐条相同，疑似照抄", "indicators.actual"),
    Rule("formula_without_value", 7, "warning", "表格中的公式没有保存计算结果", "reports.report_id"),
    Rule("figure_not_shown", 7, "warning", "数字超出列宽，文件中显示为####", "reports.report_id"),
    Rule("template_instructions_left", 7, "warning", "自评表中仍是模板的填写说明，未填写", "projects.project_id"),
    Rule("hidden_content", 7, "info", "文件中有隐藏的内容未读取", "reports.report_id"),
    Rule("ocr_low_confidence", 7, "warning", "由扫描件识别（OCR）的数字或项目名称置信度低或被印章遮挡，需对照原件", "reports.report_id"),
    Rule("place_ambiguous", 7, "warning", "县区名称多地重名，文件未写明所属地市", "reports.report_id"),
    Rule("county_unknown", 7, "warning", "未能确定所属县区，不计入县区统计", "reports.report_id"),
    Rule("county_from_path", 7, "info", "文件未写明县区，按文件路径归入", "reports.report_id"),
    Rule("year_from_path", 7, "info", "文件未写明年度（或扫描件的年度与文件名不符），按文件名归入", "reports.report_id"),
    Rule("year_differs_from_path", 7, "warning", "文件写明的年度与文件名中的年度不同", "reports.report_id"),
]}

COLUMNS = ["finding_id", "rule", "severity", "report_id", "project_id", "source_file",
           "message", "expected", "found", "family", "indicator_key", "county", "title"]   # + fingerprint


@dataclass(frozen=True)
class Finding:
    """One failed check, traced to its report/project (and indicator line when there is one)."""
    rule: str
    severity: str
    report_id: str | None
    project_id: str | None
    source_file: str | None
    message: str
    expected: str
    found: str
    indicator_key: str | None = None
    county: str | None = None

    @property
    def finding_id(self) -> str:
        key = "|".join(str(x) for x in (self.rule, self.report_id, self.project_id,
                                        self.indicator_key, self.expected, self.found))
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def to_frame(findings: list[Finding]) -> pd.DataFrame:
    """The contract's `findings` table (plus family, indicator_key, county, title); all text."""
    rows = [(f.finding_id, f.rule, f.severity, f.report_id, f.project_id, f.source_file, f.message,
             f.expected, f.found, RULES[f.rule].family, f.indicator_key, f.county, RULES[f.rule].title)
            for f in findings]
    df = pd.DataFrame(rows, columns=COLUMNS)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="int64" if c == "family" else "str") for c in COLUMNS})
        return df
    df = df.drop_duplicates("finding_id")
    df["family"] = df["family"].astype("int64")
    for c in COLUMNS:
        if c != "family":  # nulls stay null: pandas 2.2's astype(str) writes None as "None"
            df[c] = df[c].astype("str").mask(df[c].isna())
    return in_order(df)


def in_order(df: pd.DataFrame) -> pd.DataFrame:
    """Findings by report, project, family, severity and rule (stable: so batches of whole reports
    concatenated and put in order read as one run's findings)."""
    sev_order = {"error": 0, "warning": 1, "info": 2}
    df = (df.assign(_s=df["severity"].map(sev_order))
          .sort_values(["report_id", "project_id", "family", "_s", "rule"], na_position="first", kind="stable")
          .drop(columns="_s"))
    return df.reset_index(drop=True)


def add_fingerprints(df: pd.DataFrame, d) -> pd.DataFrame:
    """findings with `fingerprint`: a hash of what the finding is about, not of run order or ids
    (rule, the file's content hash, project name, indicator line names, figures), so a reviewer's
    decision finds its finding again after any re-ingest."""
    if df.empty:
        return df.assign(fingerprint=pd.Series(dtype="str"))
    sha = dict(zip(d.reports["report_id"].astype("object"), d.reports["sha256"].astype("object")))
    pname = dict(zip(d.projects["project_id"].astype("object"), d.projects["project_name"].astype("object")))
    ind = d.indicators
    iname = dict(zip(ind["indicator_key"].astype("object"),
                     (ind["level1"].astype("object").fillna("").astype(str) + "/" +
                      ind["level2"].astype("object").fillna("").astype(str) + "/" +
                      ind["level3"].astype("object").fillna("").astype(str))))

    def clean(v) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) or str(v) in ("None", "nan", "<NA>") else str(v)

    out = []
    for r in df.itertuples(index=False):
        rid = clean(r.report_id)
        key = "\x1f".join([r.rule, clean(sha.get(rid)) or rid, clean(pname.get(clean(r.project_id))),
                            clean(iname.get(clean(r.indicator_key))), clean(r.expected), clean(r.found)])
        out.append(hashlib.sha256(key.encode("utf-8")).hexdigest()[:20])
    return df.assign(fingerprint=pd.array(out, dtype="str"))


LOC_COLUMNS = ("loc_page", "loc_table", "loc_row", "loc_line", "loc_sheet", "loc_cell", "loc_member", "loc_bbox",
               "location")
_FIELD_OF = {"target_value": "target", "actual_value": "actual"}   # a parsed figure is read from its text's cell
_NOT_FIGURES = {"report_id", "project_id"}


def _set(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and v is not pd.NA and v is not pd.NaT


def field_locs(raw) -> dict:
    """A row's `loc_fields` (JSON: figure -> where it was read) as a dict; {} when there are none."""
    import json
    return json.loads(raw) if isinstance(raw, str) and raw else {}


def _row_loc(row) -> Loc | None:
    """The Loc of a projects/indicators/summaries row from its loc_* columns."""
    def get(c):
        v = row.get(c)
        return v if _set(v) else None
    bbox = get("loc_bbox")
    loc = Loc(page=_int(get("loc_page")), table=_int(get("loc_table")), row=_int(get("loc_row")),
              line=_int(get("loc_line")), sheet=get("loc_sheet"), cell=get("loc_cell"), member=get("loc_member"),
              container=container_word(str(get("source_file") or "").split("!", 1)[0]) if get("loc_member") else None,
              bbox=tuple(float(x) for x in bbox.split(",")) if isinstance(bbox, str) and bbox.count(",") == 3 else None)
    return loc if loc.words() else None


def _int(v):
    return None if v is None else int(v)


def _figures(rule: str, prow: dict | None, irow: dict | None) -> list[tuple[str, str]]:
    """The figures a rule compares: its `needs` (the first alternative the rows state; of several, a pair that
    disagrees: the 执行数 and its parts' sum, not the 全年预算 beside them that agree), ids left out."""
    alts = [[tuple(x.split(".", 1)) for x in alt.split()] for alt in RULES[rule].needs.split("|")]

    def row_of(t):
        return prow if t == "projects" else irow if t == "indicators" else None

    def stated(t, c):
        row = row_of(t)
        return row is None or _set(row.get(c))

    def disagree(alt) -> bool:
        vals = [row_of(t).get(c) if row_of(t) is not None else None for t, c in alt]
        try:
            return len(vals) == 2 and None not in vals and abs(float(vals[0]) - float(vals[1])) > 1e-9
        except (TypeError, ValueError):
            return False
    full = [a for a in alts if all(stated(t, c) for t, c in a)]
    chosen = next((a for a in full if disagree(a)), full[0] if full else alts[0])
    return [(t, c) for t, c in chosen if c not in _NOT_FIGURES]


def _span_words(locs: list[Loc], column: str | None) -> str:
    """Many rows of one column in words: 第3页 表2 第5–12行 得分列 (one part per page/table/sheet)."""
    groups: dict[tuple, list[Loc]] = {}
    for loc in locs:
        groups.setdefault((loc.member, loc.page, loc.sheet, loc.table), []).append(loc)
    parts = []
    for (member, page, sheet, table), ls in groups.items():
        head = Loc(member=member, page=page, sheet=sheet, table=table, container=ls[0].container).words()
        cells = [x.cell for x in ls if x.cell]
        rows = sorted({x.row for x in ls if x.row})
        lines = sorted({x.line for x in ls if x.line})
        if cells:
            span = cells[0] if cells[0] == cells[-1] else f"{cells[0]}–{cells[-1]}"
        elif rows:
            span = f"第{rows[0]}行" if len(rows) == 1 else f"第{rows[0]}–{rows[-1]}行"
        elif lines:
            span = f"文本第{lines[0]}行" if len(lines) == 1 else f"文本第{lines[0]}–{lines[-1]}行"
        else:
            span = ""
        named = f"{column}列" if column and any(x.col or x.cell for x in ls) else ""
        parts.append(" ".join(p for p in (head, span, named) if p))
    return "、".join(p for p in parts if p)


def _figure_loc(t: str, c: str, f, ind: dict, ind_by_prj: dict, prj: dict, summ: dict
                ) -> tuple[Loc | None, str | None, str | None]:
    """(the figure's own Loc when it is one cell, its column's name, its place in words) or Nones."""
    name = _FIELD_OF.get(c, c)
    if t == "indicators" and _set(f.indicator_key):
        row = ind.get(f.indicator_key)
        if row is None:
            return None, None, None
        at = field_locs(row.get("loc_fields")).get(name)
        loc = Loc.from_dict(at) if at else _row_loc(row)
        column = at.get("column") if at else None
        return loc, column, loc.words(column) if loc else None
    if t == "indicators" and _set(f.project_id):
        locs, column = [], None
        for row in ind_by_prj.get(f.project_id, []):
            if name in row and not _set(row.get(name)):
                continue
            at = field_locs(row.get("loc_fields")).get(name)
            loc = Loc.from_dict(at) if at else _row_loc(row)
            column = column or (at.get("column") if at else None)
            if loc is not None:
                locs.append(loc)
        return None, None, _span_words(locs, column) or None
    if t == "projects" and _set(f.project_id):
        row = prj.get(f.project_id)
        if row is None:
            return None, None, None
        at = field_locs(row.get("loc_fields")).get(name)
        if at:
            loc = Loc.from_dict(at)
            return loc, at.get("column"), loc.words(at.get("column"))
        loc = _row_loc(row)
        return None, None, (loc.words() + "（项目表）") if loc else None
    if t == "summaries" and _set(f.report_id):
        row = summ.get(f.report_id)
        loc = _row_loc(row) if row is not None else None
        return loc, None, loc.words() if loc else None
    return None, None, None


def add_locations(df: pd.DataFrame, d) -> pd.DataFrame:
    """findings with the place of what they are about and of every figure they compare.

    `figure_locations` lists each compared figure (the rule's `needs`) and where it stands; the loc_*
    columns and `location` are the first figure that is one cell (naming its column), else the
    indicator line's, else the project's (a 汇总表 finding: its summary; report-level: null)."""
    out = df.copy()
    if df.empty:
        for c in LOC_COLUMNS + ("figure_locations",):
            out[c] = pd.Series(dtype="object")
        return out
    ind = _places(d.indicators, "indicator_key")
    prj = _places(d.projects, "project_id")
    for c in LOC_COLUMNS:
        by_ind = out["indicator_key"].map(ind[c]) if c in ind.columns else pd.Series(None, index=out.index)
        by_prj = out["project_id"].map(prj[c]) if c in prj.columns else pd.Series(None, index=out.index)
        out[c] = by_ind.astype("object").where(by_ind.notna(), by_prj.astype("object"))
    summ = d.summaries
    first = pd.DataFrame()
    if "location" in summ.columns and len(summ):      # a 汇总表 finding points at its summary
        first = summ.dropna(subset=["report_id"]).drop_duplicates("report_id").set_index("report_id")
        about = out["rule"].astype(str).str.startswith("summary_") & out["location"].isna()
        for c in LOC_COLUMNS:
            if c in first.columns:
                out.loc[about, c] = out.loc[about, "report_id"].map(first[c]).astype("object")
    return _add_figures(out, d, first)


def _places(df: pd.DataFrame, key: str) -> pd.DataFrame:
    """The loc_* columns of `df` by `key` (first row of each), without copying the other columns."""
    return df[[key] + [c for c in LOC_COLUMNS if c in df.columns]].drop_duplicates(key).set_index(key)


def _add_figures(out: pd.DataFrame, d, summ: pd.DataFrame) -> pd.DataFrame:
    from evalkit import schema
    keys = set(out["indicator_key"].dropna())
    pids = set(out["project_id"].dropna())
    ind_rows = d.indicators.loc[d.indicators["indicator_key"].isin(keys) | d.indicators["project_id"].isin(pids),
                                _read_columns(d.indicators, "indicators")]
    ind: dict = {}
    ind_by_prj: dict = {}
    for row in ind_rows.astype("object").to_dict("records"):
        ind.setdefault(row["indicator_key"], row)
        ind_by_prj.setdefault(row["project_id"], []).append(row)
    prj = {r["project_id"]: r for r in d.projects.loc[d.projects["project_id"].isin(pids),
                                                      _read_columns(d.projects, "projects")]
           .astype("object").to_dict("records")}
    sm = {rid: dict(r, **{"report_id": rid}) for rid, r in summ.astype("object").to_dict("index").items()} if len(summ) else {}
    words_col, primary = [], {}
    for k, f in enumerate(out.itertuples()):
        parts, first = [], None
        prow = prj.get(f.project_id) if _set(f.project_id) else None
        irow = ind.get(f.indicator_key) if _set(f.indicator_key) else None
        for t, c in _figures(f.rule, prow, irow):
            loc, column, words = _figure_loc(t, c, f, ind, ind_by_prj, prj, sm)
            if not words:
                continue
            label = schema.label(c, with_unit=False)
            if t == "indicators" and not _set(f.indicator_key):
                label = "各行" + label
            parts.append(f"{label}：{words}")
            if first is None and loc is not None:
                first = (loc, column)
        words_col.append("；".join(parts) or None)
        if first is not None:
            primary[k] = first
    out["figure_locations"] = pd.Series(words_col, index=out.index, dtype="object")
    if primary:                        # whole columns rewritten (a cell at a time cost ~0.5 ms each)
        at = {c: out[c].tolist() for c in LOC_COLUMNS}
        for k, (loc, column) in primary.items():
            cols = loc.columns()
            cols["location"] = loc.words(column) or None
            for c in LOC_COLUMNS:
                at[c][k] = cols[c]
        for c in LOC_COLUMNS:
            out[c] = pd.Series(at[c], index=out.index, dtype="object")
    return out


def _read_columns(df: pd.DataFrame, table: str) -> list[str]:
    """The columns of `df` that the figure lookups read: ids, places and every rule's figures in `table`
    (the rows are copied as dicts, and the other columns would only be copied)."""
    cols = set(LOC_COLUMNS) | {"loc_fields", "indicator_key", "project_id", "report_id"}
    for rule in RULES.values():
        for ref in rule.needs.replace("|", " ").split():
            t, c = ref.split(".", 1)
            if t == table:
                cols |= {c, _FIELD_OF.get(c, c)}
    return [c for c in df.columns if c in cols]


def make(cfg, rule: str, ids: dict, message: str, expected: str, found: str,
         indicator_key: str | None = None) -> Finding:
    """A Finding with the configured severity for `rule`; `ids` has report/project/source/county."""
    return Finding(rule, cfg.severity(rule, RULES[rule].severity), ids.get("report_id"),
                   ids.get("project_id"), ids.get("source_file"), message, expected, found,
                   indicator_key, ids.get("county"))


def ids_of(row) -> dict:
    """The identifying fields of a report, project or indicator row (namedtuple or Series; a report has no project)."""
    from evalkit.checks.numbers import text
    return dict(report_id=text(getattr(row, "report_id", None)) or None,
                project_id=text(getattr(row, "project_id", None)) or None,
                source_file=text(getattr(row, "source_file", None)) or None,
                county=text(getattr(row, "county", None)) or None)
