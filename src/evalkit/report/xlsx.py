"""`summary.xlsx`: the report's tables in one styled workbook (openpyxl).

Sheets: 说明 (scope and units), 县区对比 (per-county aggregates), 年度对比 (by county and fiscal
year, when a county has several years: report/trends.py), 红旗清单, then one sheet per
contract table — 报告 reports, 项目 projects, 指标 indicators, 汇总表 summaries — and the
检查发现 findings sheet. Headers are Chinese with the column name underneath (so a figure can be
matched to the Parquet column), bold on a filled band; panes are frozen below the header and
right of the first column; numbers get their unit's format from `numbers.excel_format` (万元
`#,##0.00`, % `0.0"%"`, 分 `0.00`, counts `#,##0`); coded values (severity, doc_kind, status)
are written in Chinese (schema.VALUE_LABELS: 错误/警告/提示); grades (优/良/中/差), severities
and rates under the threshold are coloured by conditional formatting rules, so they stay correct
when a user edits a cell.

The workbook is streamed (openpyxl's write-only mode): each row goes to disk as it is written, so a
province's 250,000 indicator rows cost no more memory than the bundled report's 200 (measured: 30,000
projects took 5.3 GB in one process before). A table longer than Excel's 1,048,576 rows continues
on "指标 indicators (2)" and so on, each part with its header.

Document text is data: every str cell is written as a string cell (data_type 's', never a
formula, even when it starts with = + - @ — those also get Excel's quote prefix, so editing the
cell keeps it text), without the control characters XML cannot hold; numbers stay numbers.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from copy import copy
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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

LABELS = {  # contract columns from the schema, then the report's view columns
    **schema.LABELS,
    "title": "规则名称", "family": "规则类别",
    "county_label": "县区", "county_key": "区划代码", "n_reports": "报告数", "budget": "预算（万元）",
    "median_rate": "执行率中位数（%）", "n_low_rate": "执行率偏低项目数", "mean_score": "平均得分",
    "min_score": "最低得分", "n_findings": "问题数", "n_errors": "错误数", "fiscal_years": "年度",
    "flag": "红旗", "detail": "说明", "rate": "执行率（%）", "grade_eff": "等级",
    "summary_projects": "汇总表已评项目数", "summary_avg_score": "汇总表平均得分",
    "n_anomalies": "数值异常项目数", "anomaly": "数值异常",
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
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF", name="Microsoft YaHei")
BODY_FONT = Font(name="Microsoft YaHei", size=10)
THIN = Side(style="thin", color="BFBFBF")
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


def _cell(ws, v, style=None) -> Cell:
    """One cell of value `v` (see `_cell_value`), str as text (data_type 's', never a formula: Excel's
    quote prefix on = + - @, so editing it keeps it text), with the style array `style` when given."""
    c = Cell(ws, row=1, column=1, value=_cell_value(v))    # (row and column are set when appended)
    if style is not None:
        c._style = copy(style)
    if isinstance(c._value, str):
        c.data_type = "s"                 # openpyxl reads a leading '=' as a formula
        if c._value.startswith(FORMULA_START):
            c.quotePrefix = True
    return c


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
                labels: Mapping[str, str] | None = None) -> list:
    """One DataFrame as a styled sheet: header row (中文\ncolumn), data from row 2; the sheets written.

    Rows are streamed (in a write-only workbook memory does not grow with them); a table longer than
    Excel's MAX_SHEET_ROWS continues on "name (2)", "name (3)" …, each with its own header."""
    labels = {**LABELS, **(labels or {})}
    parts = max(1, -(-len(df) // MAX_SHEET_ROWS))
    return [_write_part(wb, title, df.iloc[k * MAX_SHEET_ROWS:(k + 1) * MAX_SHEET_ROWS], labels, low_execution)
            for k, title in enumerate(_sheet_titles(name, parts))]


def _write_part(wb: Workbook, title: str, df: pd.DataFrame, labels: Mapping[str, str], low_execution: float):
    ws = wb.create_sheet(title=title)
    cols = list(df.columns)
    n = len(df)
    # what a streamed sheet writes before its rows: widths, panes, page setup, the header's height
    for j, c in enumerate(cols, 1):
        sample = [_text_width(labels.get(c, c)), _text_width(c)] + [_text_width(v) for v in df[c].head(200).tolist()]
        cap = 48 if c in WIDE_TEXT else 28
        ws.column_dimensions[get_column_letter(j)].width = max(8, min(cap, max(sample) + 2))
    ws.freeze_panes = "B2"
    _print_setup(ws)
    ws.row_dimensions[1].height = 34
    header = []
    for c in cols:
        cell = _cell(ws, f"{labels.get(c, c)}\n{c}" if labels.get(c, c) != c else str(c))
        cell.fill, cell.font, cell.border = HEADER_FILL, HEADER_FONT, Border(bottom=THIN)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        header.append(cell)
    ws.append(header)
    # every data cell shares its column's style (font, number format, alignment): one style array
    # a column, copied into each cell (assigning a Font hashes it into the workbook's list again)
    styles = []
    for c in cols:
        tpl = Cell(ws, row=1, column=1)
        tpl.font = BODY_FONT
        fmt = _column_format(c)
        if fmt:
            tpl.number_format = fmt
        if c in WIDE_TEXT:
            tpl.alignment = Alignment(wrap_text=False, vertical="top")
        styles.append(tpl._style)
    coded = [j for j, c in enumerate(cols) if c in CODED]
    for row in df.itertuples(index=False, name=None):
        if coded:
            row = list(row)
            for j in coded:
                if isinstance(row[j], str):
                    row[j] = schema.value_label(cols[j], row[j])
        ws.append([_cell(ws, v, st) for v, st in zip(row, styles)])
    if n:
        for j, c in enumerate(cols, 1):
            letter = get_column_letter(j)
            rng = f"{letter}2:{letter}{n + 1}"
            if c in GRADE_COLS:
                for g, (bg, fg) in GRADE_FILLS.items():
                    ws.conditional_formatting.add(rng, CellIsRule(
                        operator="equal", formula=[f'"{g}"'], fill=PatternFill("solid", bgColor=bg),
                        font=Font(color=fg, bold=True)))
            if c in SEVERITY_COLS:
                for s, (bg, fg) in SEVERITY_FILLS.items():
                    ws.conditional_formatting.add(rng, CellIsRule(
                        operator="equal", formula=[f'"{s}"'], fill=PatternFill("solid", bgColor=bg),
                        font=Font(color=fg)))
            if c in RATES and c != "execution_rate_initial_calc":
                # ISNUMBER: an empty cell (a rate the document does not state) is not "below"
                ws.conditional_formatting.add(rng, FormulaRule(
                    formula=[f"AND(ISNUMBER({letter}2),{letter}2<{low_execution:g})"],
                    fill=PatternFill("solid", bgColor="FFC7CE"), font=Font(color="9C0006")))
            if c == "flag":
                ws.conditional_formatting.add(rng, CellIsRule(
                    operator="equal", formula=['"高分低执行"'], fill=PatternFill("solid", bgColor="FFC7CE"),
                    font=Font(color="9C0006", bold=True)))
    if cols:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(n + 1, 1)}"
    return ws


def _print_setup(ws) -> None:
    """Landscape, all columns on one page width, header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"


def write_about(wb: Workbook, meta: Mapping[str, object]):
    ws = wb.create_sheet(title=SHEET_ABOUT)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "A2"
    _print_setup(ws)
    header = [_cell(ws, "项目"), _cell(ws, "内容")]
    for cell in header:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    ws.append(header)
    for k, v in meta.items():
        row = [_cell(ws, k), _cell(ws, v if not isinstance(v, (list, tuple)) else "、".join(map(str, v)))]
        for cell in row:
            cell.font = BODY_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.append(row)
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
    from openpyxl.worksheet.datavalidation import DataValidation
    col = list(df.columns).index(review.DECISION_COL) + 1
    letter = get_column_letter(col)
    dv = DataValidation(type="list", formula1='"' + ",".join(review.DECISIONS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="复核结论", error="请从 确认/排除/已整改 中选择，或留空")
    dv.add(f"{letter}2:{letter}{max(len(df) + 1, 2) + 500}")
    ws.data_validations.append(dv)        # (a streamed sheet has no add_data_validation)


def write_workbook(vw: Views, path: str | Path, *, bands=None,
                   low_execution: float = 90.0, high_score: float = 90.0,
                   meta: Mapping[str, object] | None = None) -> Path:
    """Write `summary.xlsx` (说明, 县区对比, 红旗清单, one sheet per contract table) for a run's Views
    or already filtered tables; returns the path."""
    vw = as_views(vw, bands, low_execution, high_score)
    t = vw.tables
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)        # streamed: a province's 250,000 indicator rows in bounded memory
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
    from evalkit.report import trends
    if trends.spans_years(vw):   # a county against its own past: one row per county and year
        write_sheet(wb, SHEET_YEARS, trends.by_year(vw), low_execution=low_execution,
                    labels={"execution_rate": "执行率（%）", "executed": "执行（万元）", "budget": "预算（万元）",
                            "fiscal_year": "年度"})
    flags = vw.red_flags
    write_sheet(wb, SHEET_FLAGS, flags, low_execution=low_execution,
                labels={"grade": "等级（未填按得分）", "score": "自评得分"})
    for name, sheet in TABLE_SHEETS.items():
        df = t[name]
        if name == "findings":          # every finding, with the reviewer's columns to fill in
            df = review_columns(df, t.get("reviews"))
        written = write_sheet(wb, sheet, df, low_execution=low_execution, labels=review.LABELS)
        if name == "findings":
            for ws, k in zip(written, range(0, max(len(df), 1), MAX_SHEET_ROWS)):
                add_decision_list(ws, df.iloc[k:k + MAX_SHEET_ROWS])
    gone = review.decisions(t)
    gone = gone[gone["status"].isin(["排除", review.STATUS_RESOLVED])]
    if len(gone):
        cols = [c for c in ("status", "fingerprint", "rule", "source_file", "message", "note", "decided_at")
                if c in gone.columns]
        write_sheet(wb, SHEET_DISMISSED, gone[cols].reset_index(drop=True), low_execution=low_execution,
                    labels={"status": "复核结论", "note": "说明", "decided_at": "复核时间"})
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
