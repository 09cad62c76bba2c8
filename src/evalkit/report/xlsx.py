"""`summary.xlsx`: the report's tables in one styled workbook (XlsxWriter).

Sheets: 说明 (scope and units), 县区对比 (per-county aggregates), 部门对比 (per county and agency), 年度对比 (by county and fiscal
year, when a county has several years: report/trends.py), 红旗清单, then one sheet per
contract table — 报告 reports, 项目 projects, 指标 indicators, 汇总表 summaries — and the
检查发现 findings sheet. Headers are Chinese with the column name underneath (so a figure can be
matched to the Parquet column), bold on a filled band; panes are frozen below the header and
right of the first column; numbers get their unit's format from `numbers.excel_format` (万元
`#,##0.00`, % `0.0"%"`, 分 `0.00`, counts `#,##0`); coded values (severity, doc_kind, status)
are written in Chinese (schema.VALUE_LABELS: 错误/警告/提示); grades (优/良/中/差), severities
and rates under the threshold are coloured by conditional formatting rules, so they stay correct
when a user edits a cell.

The workbook is streamed (XlsxWriter's constant_memory mode): each row goes to disk as it is written,
so a province's 250,000 indicator rows cost no more memory than the bundled report's 200 (30,000
projects took 5.3 GB in one process with openpyxl's in-memory workbook, and twice the time). A
table longer than Excel's 1,048,576 rows continues on "指标 indicators (2)" and so on, each part
with its header.

Document text is data: every str cell is written as a string cell (`write_string`, never a
formula, even when it starts with = + - @ — those also get Excel's quote prefix, so editing the
cell keeps it text), without the control characters XML cannot hold; numbers stay numbers.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

from evalkit import grades, review, schema
from evalkit.report import numbers
from evalkit.report.text import COUNTY_SUMMARY_ZH
from evalkit.report.views import Views, as_views, bands_text

TABLE_SHEETS = {  # contract table -> sheet name
    "reports": "报告 reports",
    "projects": "项目 projects",
    "indicators": "指标 indicators",
    "summaries": "汇总表 summaries",
    "findings": "检查发现 findings",
}
SHEET_COUNTY = "县区对比"
SHEET_FLAGS = "红旗清单"
SHEET_ABOUT = "说明"
SHEET_YEARS = "年度对比"
SHEET_AGENCY = "部门对比"
SHEET_PROJECT_YEARS = "连续多年项目"

LABELS = {  # contract columns from the schema, then the report's view columns
    **schema.LABELS,
    "title": "规则名称", "family": "规则类别",
    "county_label": "县区", "county_key": "区划代码", "n_reports": "报告数", "budget": "预算（万元）",
    "median_rate": "执行率中位数（%）", "n_low_rate": "执行率偏低项目数", "mean_score": "平均得分",
    "min_score": "最低得分", "n_findings": "问题数", "n_errors": "错误数", "fiscal_years": "年度",
    "flag": "红旗", "detail": "说明", "rate": "执行率（%）", "grade_eff": "等级",
    "summary_projects": "汇总表已评项目数", "summary_avg_score": "汇总表平均得分",
    "n_anomalies": "数值异常项目数", "anomaly": "数值异常", "n_lines": "指标条数", "quantified_share": "量化指标占比（%）",
    "n_counties": "县区数", "n_rate": "有执行率的项目数", "n_score": "有得分的项目数",
    "statement_projects": "汇总表/决算所列项目数", "statement_avg_score": "汇总表/决算所列平均分",
    **{f"statement_{g}": f"汇总表/决算所列{g}" for g in grades.CONTRACT},
    "execution_rate_change": "执行率较上年（百分点）", "mean_score_change": "平均得分较上年",
    "n_projects_change": "项目数较上年",
    **{g: g for g in grades.CONTRACT},
}
MONEY = schema.MONEY | {"budget", "summary_funds"}
RATES = schema.RATES | {"median_rate", "rate"}
SCORES = schema.SCORES | {"mean_score", "min_score", "target_value", "actual_value", "summary_avg_score",
                          "statement_avg_score"}
CHANGES = {"execution_rate_change", "mean_score_change"}
COUNT_CHANGES = {"n_projects_change"}
GRADE_COLS = {"grade", "grade_calc", "stated_overall_grade", "grade_eff"}
SEVERITY_COLS = {"severity"}
WIDE_TEXT = {"project_name", "message", "agency", "deviation_reason", "level3", "detail", "error",
             "target", "actual", "title"}

FMT_MONEY = numbers.excel_format(numbers.MONEY)
FMT_RATE = numbers.excel_format(numbers.RATE)
FMT_SCORE = numbers.excel_format(numbers.SCORE)
FMT_COUNT = numbers.excel_format(numbers.COUNT)
FMT_CHANGE = '+0.00;-0.00;0.00'          # year-over-year change of a money, rate or score figure
FMT_COUNT_CHANGE = '+0;-0;0'             # year-over-year change of a count
COUNTS = {c for c, u in numbers.VIEW_UNITS.items() if u == numbers.COUNT} | {"n_projects", "n_indicators", "pages"}
CODED = set(schema.VALUE_LABELS)   # columns whose coded values are written in Chinese
FONT = "Microsoft YaHei"
HEADER_BAND = {"bold": True, "font_color": "#FFFFFF", "font_name": FONT, "bg_color": "#1F4E79", "pattern": 1}
HEADER = {**HEADER_BAND, "text_wrap": True, "valign": "vcenter", "align": "center", "bottom": 1,
          "bottom_color": "#BFBFBF"}
BODY = {"font_name": FONT, "font_size": 10}
GRADE_FILLS = grades.FILLS
SEVERITY_FILLS = {schema.SEVERITY_ZH[k]: v for k, v in
                  {"error": ("FFC7CE", "9C0006"), "warning": ("FFEB9C", "7F6000"), "info": ("DDEBF7", "1F4E79")}.items()}


MAX_CELL_CHARS = 32767     # Excel's limit for one cell
MAX_SHEET_ROWS = 1_048_575  # Excel's rows a sheet, less the header row
FORMULA_START = ("=", "+", "-", "@")


def _text(v: str) -> str:
    v = ILLEGAL_CHARACTERS_RE.sub("", str(v))
    return v if len(v) <= MAX_CELL_CHARS else v[:MAX_CELL_CHARS - 1] + "…"


def _cell_value(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, str):
        return _text(v)
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (list, dict, tuple, set, np.ndarray)):
        return _text(str(v))
    return v


def new_workbook(path: str | Path) -> Workbook:
    """A workbook that streams its rows to disk (memory does not grow with them) and writes text as
    text: no formula, number or link is ever read out of a string. `close()` writes `path`."""
    return xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False,
                                           "remove_timezone": True})


def _format(wb: Workbook, **props):
    """One format per distinct set of properties in a workbook (xlsxwriter keeps each one added)."""
    cache = wb.__dict__.setdefault("_evalkit_formats", {})
    key = tuple(sorted(props.items()))
    if key not in cache:
        cache[key] = wb.add_format(props)
    return cache[key]


def _formats(wb: Workbook, **props) -> tuple:
    """(the format of `props`, the same with Excel's quote prefix): the pair `_write` takes."""
    return _format(wb, **props), _format(wb, **props, quote_prefix=True)


def _write(ws, r: int, c: int, v, formats: tuple) -> None:
    """One cell: str as text (never a formula; = + - @ with Excel's quote prefix, so editing the cell
    keeps it text), numbers as numbers, None as an empty cell that keeps its column's format."""
    fmt, quoted = formats
    v = _cell_value(v)
    if v is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, str):
        ws.write_string(r, c, v, quoted if v.startswith(FORMULA_START) else fmt)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v, fmt)
    elif isinstance(v, (int, float, Decimal)):   # (openpyxl wrote a Decimal as a number too)
        ws.write_number(r, c, v, fmt)
    elif isinstance(v, (datetime, date)):        # as the contract stores times: ISO 8601 text
        ws.write_string(r, c, v.isoformat(sep=" ") if isinstance(v, datetime) else v.isoformat(), fmt)
    else:
        ws.write_string(r, c, _text(str(v)), fmt)


def _text_width(s) -> int:
    s = "" if s is None else str(s)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _column_format(c: str) -> str | None:
    return (FMT_MONEY if c in MONEY else FMT_RATE if c in RATES else FMT_SCORE if c in SCORES
            else FMT_CHANGE if c in CHANGES else FMT_COUNT_CHANGE if c in COUNT_CHANGES
            else FMT_COUNT if c in COUNTS else None)


def _sheet_titles(name: str, parts: int) -> list[str]:
    """`name` (Excel's 31 characters), then "name (2)", "name (3)" … for a table's continuation sheets."""
    out = [name[:31]]
    for k in range(2, parts + 1):
        suffix = f" ({k})"
        out.append(name[:31 - len(suffix)] + suffix)
    return out


def write_sheet(wb: Workbook, name: str, df: pd.DataFrame, *, low_execution: float = 90.0,
                labels: Mapping[str, str] | None = None, each=None) -> list:
    """One DataFrame as a styled sheet: header row (中文\\ncolumn), data from row 2; the sheets written.

    Rows are streamed (memory does not grow with them); a table longer than Excel's MAX_SHEET_ROWS
    continues on "name (2)", "name (3)" …, each with its own header. `each(ws, part)` is called for
    every sheet with the rows it holds."""
    labels = {**LABELS, **(labels or {})}
    parts = max(1, -(-len(df) // MAX_SHEET_ROWS))
    out = []
    for k, title in enumerate(_sheet_titles(name, parts)):
        part = df.iloc[k * MAX_SHEET_ROWS:(k + 1) * MAX_SHEET_ROWS]
        out.append(_write_part(wb, title, part, labels, low_execution))
        if each is not None:
            each(out[-1], part)
    return out


def _write_part(wb: Workbook, title: str, df: pd.DataFrame, labels: Mapping[str, str], low_execution: float):
    ws = wb.add_worksheet(title)
    cols = list(df.columns)
    n = len(df)
    for j, c in enumerate(cols):     # width from the header label and the first rows' values
        sample = [_text_width(labels.get(c, c)), _text_width(c)] + [_text_width(v) for v in df[c].head(200).tolist()]
        cap = 48 if c in WIDE_TEXT else 28
        ws.set_column(j, j, max(8, min(cap, max(sample) + 2)))
    ws.freeze_panes(1, 1)
    _print_setup(ws)
    ws.set_row(0, 34)
    head = _formats(wb, **HEADER)
    for j, c in enumerate(cols):
        text = f"{labels.get(c, c)}\n{c}" if labels.get(c, c) != c else str(c)
        _write(ws, 0, j, text, head)
    fmts = []                         # each column's formats (plain, quote prefix)
    for c in cols:
        props = dict(BODY)
        fmt = _column_format(c)
        if fmt:
            props["num_format"] = fmt
        if c in WIDE_TEXT:
            props["valign"] = "top"
        fmts.append(_formats(wb, **props))
    coded = [j for j, c in enumerate(cols) if c in CODED]
    for r, row in enumerate(df.itertuples(index=False, name=None), 1):
        if coded:
            row = list(row)
            for j in coded:
                if isinstance(row[j], str):
                    row[j] = schema.value_label(cols[j], row[j])
        for j, v in enumerate(row):
            _write(ws, r, j, v, fmts[j])
    if n:
        for j, c in enumerate(cols):
            letter = xl_col_to_name(j)
            rng = f"{letter}2:{letter}{n + 1}"
            if c in GRADE_COLS:
                for g, (bg, fg) in GRADE_FILLS.items():
                    ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": f'"{g}"',
                                                "format": _format(wb, bg_color=f"#{bg}", font_color=f"#{fg}", bold=True)})
            if c in SEVERITY_COLS:
                for sv, (bg, fg) in SEVERITY_FILLS.items():
                    ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": f'"{sv}"',
                                                "format": _format(wb, bg_color=f"#{bg}", font_color=f"#{fg}")})
            if c in RATES and c != "execution_rate_initial_calc":
                # ISNUMBER: an empty cell (a rate the document does not state) is not "below"
                ws.conditional_format(rng, {"type": "formula",
                                            "criteria": f"=AND(ISNUMBER({letter}2),{letter}2<{low_execution:g})",
                                            "format": _format(wb, bg_color="#FFC7CE", font_color="#9C0006")})
            if c == "flag":
                ws.conditional_format(rng, {"type": "cell", "criteria": "==", "value": '"高分低执行"',
                                            "format": _format(wb, bg_color="#FFC7CE", font_color="#9C0006", bold=True)})
    if cols:
        ws.autofilter(0, 0, n, len(cols) - 1)
    return ws


def _print_setup(ws) -> None:
    """Landscape, all columns on one page width, header row repeated on every page."""
    ws.set_landscape()
    ws.set_paper(9)                   # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def write_about(wb: Workbook, meta: Mapping[str, object]):
    ws = wb.add_worksheet(SHEET_ABOUT)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 100)
    ws.freeze_panes(1, 0)
    _print_setup(ws)
    head = _formats(wb, **HEADER_BAND)
    body = _formats(wb, **BODY, text_wrap=True, valign="top")
    for j, v in enumerate(("项目", "内容")):
        _write(ws, 0, j, v, head)
    for r, (k, v) in enumerate(meta.items(), 1):
        _write(ws, r, 0, k, body)
        _write(ws, r, 1, v if not isinstance(v, (list, tuple)) else "、".join(map(str, v)), body)
    return ws


SHEET_DISMISSED = "已排除与已消失的发现"


def review_columns(findings: pd.DataFrame, reviews: pd.DataFrame | None) -> pd.DataFrame:
    """findings with review_decision / review_note: the stored decisions, empty where none yet."""
    out = findings.copy()
    if reviews is not None and len(reviews) and "fingerprint" in out.columns:
        r = reviews.drop_duplicates("fingerprint").set_index("fingerprint")
        out[review.DECISION_COL] = out["fingerprint"].map(r["decision"]).astype("object")
        out[review.NOTE_COL] = out["fingerprint"].map(r["note"]).astype("object")
    else:
        out[review.DECISION_COL] = None
        out[review.NOTE_COL] = None
    return out


def add_decision_list(ws, df: pd.DataFrame) -> None:
    """A drop-down (确认/排除/已整改) on the 复核结论 column, so a reviewer cannot mistype a decision."""
    col = list(df.columns).index(review.DECISION_COL)
    ws.data_validation(1, col, max(len(df), 1) + 500, col, {
        "validate": "list", "source": list(review.DECISIONS), "ignore_blank": True, "show_error": True,
        "error_title": "复核结论", "error_message": "请从 确认/排除/已整改 中选择，或留空"})


def write_workbook(vw: Views, path: str | Path, *, bands=None,
                   low_execution: float = 90.0, high_score: float = 90.0,
                   meta: Mapping[str, object] | None = None) -> Path:
    """Write `summary.xlsx` (说明, 县区对比, 部门对比, 年度对比 and 连续多年项目 where there are years to compare,
    红旗清单, one sheet per contract table) for a run's Views
    or already filtered tables; returns the path."""
    vw = as_views(vw, bands, low_execution, high_score)
    t = vw.tables
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb = new_workbook(tmp)               # streamed: a province's 250,000 indicator rows in bounded memory
    about = {
        "生成时间（UTC）": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "单位": "金额为万元；比率为百分数（92.5 表示 92.5%）；*_calc 列为 evalkit 重新计算的值。",
        "等级区间": bands_text(vw.bands),
        "等级说明": "文件未填写等级时，县区对比与红旗清单按得分计算等级（grade_calc）。",
        "县区": vw.counties,
    }
    about.update(meta or {})
    write_about(wb, about)
    cs = vw.county_summary
    low_execution = vw.low_execution
    write_sheet(wb, SHEET_COUNTY, cs, low_execution=low_execution,
                labels={**COUNTY_SUMMARY_ZH, "n_low_rate": f"执行率<{low_execution:g}%项目数",
                        "execution_rate": "总体执行率（%）", "executed": "执行（万元）"})
    agencies = vw.agency_summary   # each county's agencies (部门), the weakest execution first
    if len(agencies):
        from evalkit.report.text import AGENCY_SUMMARY_ZH
        write_sheet(wb, SHEET_AGENCY, agencies, low_execution=low_execution,
                    labels={**AGENCY_SUMMARY_ZH, "n_low_rate": f"执行率<{low_execution:g}%项目数"})
    from evalkit.report import trends
    if trends.spans_years(vw):   # a county against its own past: one row per county and year
        write_sheet(wb, SHEET_YEARS, trends.by_year(vw), low_execution=low_execution,
                    labels={"execution_rate": "执行率（%）", "executed": "执行（万元）", "budget": "预算（万元）",
                            "fiscal_year": "年度"})
    multi = trends.project_years(vw)   # a project against its own earlier years (and a year's lines copied)
    if len(multi):
        from evalkit.report.text import PROJECT_YEARS_ZH
        write_sheet(wb, SHEET_PROJECT_YEARS, multi, low_execution=low_execution, labels=PROJECT_YEARS_ZH)
    flags = vw.red_flags
    write_sheet(wb, SHEET_FLAGS, flags, low_execution=low_execution,
                labels={"grade": "等级（未填按得分）", "score": "自评得分"})
    for name, sheet in TABLE_SHEETS.items():
        df = t[name]
        if name == "findings":          # every finding, with the reviewer's columns to fill in
            df = review_columns(df, t.get("reviews"))
        write_sheet(wb, sheet, df, low_execution=low_execution, labels=review.LABELS,
                    each=add_decision_list if name == "findings" else None)
    gone = review.decisions(t)
    gone = gone[gone["status"].isin(["排除", review.STATUS_RESOLVED])]
    if len(gone):
        cols = [c for c in ("status", "fingerprint", "rule", "source_file", "message", "note", "decided_at")
                if c in gone.columns]
        write_sheet(wb, SHEET_DISMISSED, gone[cols].reset_index(drop=True), low_execution=low_execution,
                    labels={"status": "复核结论", "note": "说明", "decided_at": "复核时间"})
    wb.close()
    tmp.replace(path)
    return path
