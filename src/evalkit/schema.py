"""The clean-data contract in code: tables, columns, dtypes, units, keys and Chinese labels.

Every stage reads its columns from here (ingest's typed frames, the checks' inputs, the report's
views, the workbook's headers), and docs/contract.md's column tables are generated from it
(`python -m evalkit.schema --write docs/contract.md`).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

F, I, S, B = "Float64", "Int64", "string", "boolean"
NUMERIC_DTYPES = (F, I)
# where a report's place or year came from when not from its document's text (place_source, year_source)
FROM_DOCUMENT, FROM_PATH = "文档", "文件路径"


@dataclass(frozen=True)
class Column:
    """One contract column: name, pandas dtype, unit (万元, %, 分 or None), Chinese label, meaning."""
    name: str
    dtype: str
    label: str
    unit: str | None = None
    doc: str = ""

    @property
    def numeric(self) -> bool:
        return self.dtype in NUMERIC_DTYPES


@dataclass(frozen=True)
class Table:
    """One contract table: its columns in order, primary key and foreign keys (column, table, column)."""
    name: str
    label: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def dtypes(self) -> dict[str, str]:
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, dtype, label, unit=None, doc=""):
    return Column(name, dtype, label, unit, doc)


_WAN, _PCT, _PT = "万元", "%", "分"


def _locs(what: str) -> tuple[Column, ...]:
    """The provenance columns (model.Loc): where `what` stands in its document; null where a format has no such place."""
    return (
        _c("loc_page", I, "页码", doc=f"PDF page of {what}, 1-based"),
        _c("loc_table", I, "表号", doc="the table's number in the document, 1-based"),
        _c("loc_row", I, "行号", doc="row within that table, 1-based"),
        _c("loc_line", I, "文本行号", doc="text line (txt, Markdown), 1-based"),
        _c("loc_sheet", S, "工作表", doc="worksheet (XLSX/XLS)"),
        _c("loc_cell", S, "单元格", doc="cell address on that sheet, e.g. D7"),
        _c("loc_member", S, "压缩包内路径", doc="path inside an archive or a mail, or the name of a file attached to a "
                                                  "PDF, an OFD or a workbook"),
        _c("loc_bbox", S, "位置框", doc="x0,top,x1,bottom in PDF points from the page's top-left"),
        _c("location", S, "位置", doc="the same in Chinese words, e.g. 第3页 表2 第5行 第4列"),
    )


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("reports", "报告", "one row per ingested file", (
        _c("report_id", S, "报告编号", doc="unique and stable across runs: the first 16 hex of the file's SHA-256"),
        _c("source_file", S, "来源文件", doc="path relative to the ingest root, unique; `a.zip!dir/x.docx` inside "
                                                   "archives and mails, `x.pdf!a.docx` for a file attached to a PDF, an "
                                                   "OFD or a workbook"),
        _c("sha256", S, "SHA256", doc="of the file's bytes (a web page saved with its folder: of the page and the folder's pictures)"),
        _c("format", S, "格式", doc="txt/docx/pdf/xlsx/html/…"),
        _c("status", S, "解析状态", doc="ok / partial / failed / duplicate"),
        _c("error", S, "错误", doc="Chinese, null when ok"),
        _c("county", S, "县区"), _c("city", S, "地市"), _c("province", S, "省份"),
        _c("agency", S, "单位"), _c("fiscal_year", I, "年度"),
        _c("doc_kind", S, "文件类型", doc="project_report / department_report / project_tables / summary_table / "
                                                   "attachments (its reports are its attachments, rows of their own: a "
                                                   "PDF 包's cover, a 报送清单; not counted as a report)"),
        _c("n_projects", I, "项目数"),
        _c("stated_overall_score", F, "填报综合得分", _PT),
        _c("stated_overall_grade", S, "填报综合等级", doc="优/良/中/差"),
        _c("narrative_score", F, "正文得分", _PT, "a score stated in the report's prose"),
        _c("stated_overall_grade_raw", S, "综合等级原文"),
        _c("narrative_parts", S, "正文部分", doc="the narrative parts found, in order"),
        _c("n_indicators", I, "指标数"), _c("pages", I, "页数"),
        _c("duplicate_of", S, "重复于", doc="the kept file's report_id for a duplicate, else null"),
        _c("duplicate_kind", S, "重复类型", doc="same_file / same_report / same_report_ocr / other_version"),
        _c("duplicate_of_file", S, "重复于文件"),
        _c("duplicate_note", S, "重复说明", doc="same_report_ocr: where the scan's text and figures differ from "
           "the kept file's; other_version: why the kept version is the later one and where the figures differ"),
        _c("doc_date", S, "落款日期", doc="the date the document was filled in or signed, as printed: YYYY-MM-DD, "
           "or YYYY-MM where only the month is (a labelled 填报日期, else the last paragraph that is a date alone)"),
        _c("version_mark", S, "版本标注", doc="a version word bracketed in the title: 更正, 修订版, 初稿 …"),
        _c("ocr_pages", S, "识别页", doc="pages read by OCR"),
        _c("reading_notes", S, "读取说明", doc="what the reader left out or read once, in words (JSON list): a watermark "
           "across the pages (its text and pages), glyphs a printer driver overprinted to fake bold; no gap in the data"),
        _c("form_pages", S, "表单填写页", doc="PDF pages whose figures were typed into form fields or with a typewriter "
           "tool (annotations), read as a viewer shows them: a hidden field, a push button or a signature is not read"),
        _c("ocr_cells", S, "识别单元格", doc="the OCR'd cells holding figures, and the text cells a black seal lies over (value null), as a JSON list: text, value, confidence, page, table, row, column, 1 where a black seal lies over the cell"),
        _c("uncached_formulas", S, "无缓存值公式", doc="spreadsheet cells holding a formula without a cached value that "
           "LibreOffice could not compute either (those it computes are read and named in reading_notes)"),
        _c("unshown_figures", S, "显示为####的数字", doc="table cells printing \"####\" in place of a figure too wide "
           "for its Excel column (a PDF or scan of the sheet keeps only that): where they stand (JSON list); the figures "
           "are missing, never read from a neighbouring cell"),
        _c("hidden_content", S, "未读取的隐藏内容", doc="a workbook's hidden sheets (`旧版`), rows (`自评表!12:14`) and "
           "columns (`自评表!H:H`) holding text, not read as Excel neither shows, prints nor exports them (JSON list); "
           "hidden sheets are read, with a warning, when no shown sheet has a table; cells struck through, formatted ;;; or white on no fill "
           "(`自评表!D20（删除线：稳定性）`); Word's hidden and struck-through text, "
           "a web page's hidden and struck-through cells, a PDF's text under a white or black box drawn over it "
           "(`第 1 页白色方块下的文字“10”`) or struck through (`第 1 页删除线文字“18.5”`), white text on no shading (`第 1 页白色文字“18.5”`, "
           "`Word 白色文字 1 处`)"),
        _c("place_source", S, "地区依据", doc="where county, city and province were read: 单位名称 (the agency), "
           "文件开头 (the document's opening text) or 文件路径 (the file's name and folders, when the document names "
           "no county); null when no place was found"),
        _c("year_source", S, "年度依据", doc="where fiscal_year was read: 文档 (the document states it) or 文件路径 (the "
           "file's name or nearest folder states it as a title does, 2022年度…; taken when the document states no year, "
           "or when its year was read by OCR and differs from the name's); null when no year was found"),
    ), ("report_id",), (("duplicate_of", "reports", "report_id"),)),
    Table("projects", "项目", "one row per project self-evaluation table", (
        _c("project_id", S, "项目编号", doc="`<report_id>-p<n>`"),
        _c("report_id", S, "报告编号"), _c("source_file", S, "来源文件"),
        _c("county", S, "县区"), _c("city", S, "地市"), _c("province", S, "省份"),
        _c("agency", S, "单位"), _c("fiscal_year", I, "年度"),
        _c("project_name", S, "项目名称"),
        _c("budget_initial", F, "年初预算", _WAN), _c("budget_full_year", F, "全年预算", _WAN),
        _c("executed", F, "执行数", _WAN),
        _c("execution_rate", F, "填报执行率", _PCT, "as stated"),
        _c("execution_rate_calc", F, "计算执行率", _PCT, "executed / budget_full_year"),
        _c("execution_rate_initial_calc", F, "按年初预算执行率", _PCT, "executed / budget_initial"),
        _c("budget_weight", F, "预算执行权重", _PT), _c("budget_score", F, "预算执行得分", _PT),
        _c("total_score", F, "填报总分", _PT),
        _c("total_score_calc", F, "分项合计", _PT, "sum of the stated line scores"),
        _c("grade", S, "填报等级", doc="优/良/中/差"),
        _c("grade_raw", S, "等级原文", doc="the grade word as written"),
        _c("grade_calc", S, "计算等级", doc="from total_score under the active grade bands"),
        _c("max_score", F, "满分", _PT),
        _c("has_deviation_column", B, "有偏差原因列"), _c("n_indicators", I, "指标数"),
        _c("deviation_note", S, "偏差说明"),
        _c("amount_unit", S, "原文金额单位", doc="the unit the document states the project's amounts in (元, 千元, 万元 …); "
           "the amount columns are 万元 whatever it is (元 divided by 10,000); null when the document states none"),
        _c("scope", S, "评价对象", doc="project (a project's table) or department (a 部门整体支出绩效自评表: the "
           "department's whole spending, its table named 部门整体支出)"),
        _c("instructions_left", S, "未替换的填写说明", doc="JSON list: the template's filling instructions left in the "
           "project's cells in place of what they ask for (对照年度目标，说明相关任务目标的完成情况(100字以内)); null when none"),
        _c("parts_budget_initial", F, "其中各项之和·年初预算", _WAN, "the rows under the budget total that break it down "
           "(其中：本年财政拨款, 上年结转资金, 其他资金 …) added up; null when no part states this amount, or when the rows do "
           "not say how they add up (a kind twice)"),
        _c("parts_budget_full_year", F, "其中各项之和·全年预算", _WAN, "as parts_budget_initial, for the full-year budget"),
        _c("parts_executed", F, "其中各项之和·执行数", _WAN, "as parts_budget_initial, for the amount executed"),
        _c("budget_parts", S, "资金来源分项", doc="JSON list, one object per row under the budget total: `label` as "
           "written, `kind` (fiscal 财政拨款, fund 一般公共预算…, level 中央/省级…资金, carryover 上年结转, special_account "
           "财政专户, unit 单位资金, other 其他资金) and the amounts it states in 万元; null when the table has no such row"),
        _c("repeated_in", S, "重复出现于", doc="other counted reports holding the same project (place, agency, year "
           "and name), each followed by （数字一致） or （数字不同） (the figures both state); null when none"),
        _c("same_as_earlier", S, "与往年逐条相同", doc="the latest earlier year's counted reports of the same project "
           "(place, agency and name) whose indicator lines (names, targets, actual values, weights and scores) are "
           "all this year's, each followed by （YYYY年度）; null when none"),
        _c("execution_rate_line", F, "指标表执行率", _PCT, "the rate printed on the table's own 预算执行率 line"),
        *_locs("the start of the project's table (or its name)"),
        _c("loc_fields", S, "各数位置", doc="JSON: each figure -> where it was read (page, table, row, col, "
                                          "sheet, cell, bbox; `column`: the column's name)"),
    ), ("project_id",), (("report_id", "reports", "report_id"),)),
    Table("indicators", "指标", "one row per filled third-level indicator line", (
        _c("project_id", S, "项目编号"), _c("source_file", S, "来源文件"), _c("county", S, "县区"),
        _c("project_name", S, "项目名称"),
        _c("level1", S, "一级指标"), _c("level2", S, "二级指标"), _c("level3", S, "三级指标"),
        _c("target", S, "目标值", doc="as written, whitespace removed"),
        _c("actual", S, "实际值", doc="as written, whitespace removed"),
        _c("target_op", S, "目标符号", doc="≥ ≤ = > < or null"),
        _c("target_value", F, "目标数值"), _c("target_unit", S, "目标单位"),
        _c("actual_value", F, "实际数值"), _c("actual_unit", S, "实际单位"),
        _c("weight", F, "权重", _PT), _c("score", F, "得分", _PT),
        _c("deviation_reason", S, "偏差原因"), _c("actual_op", S, "实际符号"),
        _c("target_value_max", F, "目标上限", doc="the high end of a target written as a range (90%-100%: target_op ≥, "
                                              "target_value 90, target_value_max 100); null otherwise"),
        _c("line_no", I, "行号", doc="the line's position in its project, 1-based"),
        _c("report_id", S, "报告编号"),
        *_locs("the line (its score cell)"),
        _c("loc_fields", S, "各数位置", doc="JSON: target/actual/weight/score -> the cell each was read from"),
    ), ("project_id", "line_no"), (("project_id", "projects", "project_id"),
                                   ("report_id", "reports", "report_id"))),
    Table("summaries", "汇总表", "one row per 绩效自评情况汇总表 (or equivalent statement of counts)", (
        _c("summary_id", S, "汇总编号"), _c("report_id", S, "报告编号"), _c("source_file", S, "来源文件"),
        _c("agency", S, "单位"), _c("fiscal_year", I, "年度"),
        _c("projects_due", F, "应评项目数"), _c("projects_evaluated", F, "已评项目数"),
        _c("funds_due", F, "应评资金", _WAN), _c("funds_evaluated", F, "已评资金", _WAN),
        _c("avg_score", F, "平均得分", _PT, "a stated 平均得分"),
        _c("count_you", F, "优"), _c("count_liang", F, "良"), _c("count_zhong", F, "中"),
        _c("count_cha", F, "差", doc="合格 counts as 中 and 不合格 as 差; null where the document leaves it empty"),
        _c("notes", S, "备注"),
        *_locs("the summary table or statement"),
    ), ("summary_id",), (("report_id", "reports", "report_id"),)),
    Table("findings", "检查发现", "one row per check that a report, project or indicator fails", (
        _c("finding_id", S, "发现编号"), _c("rule", S, "规则"),
        _c("severity", S, "严重程度", doc="error / warning / info"),
        _c("report_id", S, "报告编号"),
        _c("project_id", S, "项目编号", doc="null for report-level findings"),
        _c("source_file", S, "来源文件"),
        _c("message", S, "问题说明", doc="Chinese, one sentence a user can act on"),
        _c("expected", S, "期望值"), _c("found", S, "实际值"),
        _c("fingerprint", S, "指纹", doc="stable across runs: rule, file content hash, project and indicator names, "
                                          "figures; reviews.fingerprint refers to it"),
        *_locs("the first figure the finding compares (else its indicator line, else its project); "
               "`location` names the column, e.g. 第3页 表2 第13行 得分列"),
        _c("figure_locations", S, "所比数字位置", doc="every figure the finding compares and where it stands, "
                                                   "e.g. 填报总分: 第3页 表2 第13行 得分列；各行得分: 第3页 表2 第5–12行 得分列"),
    ), ("finding_id",), (("report_id", "reports", "report_id"), ("project_id", "projects", "project_id"))),
    Table("ledger", "核对台账", "one row per (report, rule): whether the rule could be checked and passed", (
        _c("report_id", S, "报告编号"), _c("rule", S, "规则"),
        _c("status", S, "核对结果", doc="通过 / 未通过 / 无法核对 (the figures the rule needs are missing)"),
        _c("n_findings", I, "问题数"),
    ), ("report_id", "rule"), (("report_id", "reports", "report_id"),)),
    Table("reviews", "复核结论", "one row per reviewer decision on a finding; kept across re-ingests", (
        _c("fingerprint", S, "指纹", doc="the finding's fingerprint (it may no longer appear: then it is resolved)"),
        _c("decision", S, "复核结论", doc="确认 / 排除 / 已整改"),
        _c("note", S, "说明", doc="the reviewer's reason"),
        _c("decided_at", S, "复核时间", doc="ISO 8601, when the decision was imported"),
        _c("source", S, "来源", doc="the workbook (and sheet) it came from"),
    ), ("fingerprint",)),
)}

# Derived views, kept for the modules that only need names or dtypes.
SCHEMAS: dict[str, dict[str, str]] = {name: t.dtypes for name, t in TABLES.items()}
KEYS: dict[str, tuple[str, ...]] = {name: t.key for name, t in TABLES.items()}
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {name: list(t.foreign_keys) for name, t in TABLES.items()
                                                       if t.foreign_keys}
NUMERIC: frozenset[str] = frozenset(c.name for t in TABLES.values() for c in t.columns if c.numeric)
UNITS: dict[str, str] = {c.name: c.unit for t in TABLES.values() for c in t.columns if c.unit}
MONEY: frozenset[str] = frozenset(n for n, u in UNITS.items() if u == _WAN)
RATES: frozenset[str] = frozenset(n for n, u in UNITS.items() if u == _PCT)
SCORES: frozenset[str] = frozenset(n for n, u in UNITS.items() if u == _PT)


def label(name: str, with_unit: bool = True) -> str:
    """A column's Chinese label, with its unit where it has one (年初预算（万元）); the name itself if unknown."""
    for t in TABLES.values():
        for c in t.columns:
            if c.name == name:
                return f"{c.label}（{c.unit}）" if with_unit and c.unit in (_WAN, _PCT) else c.label
    return name


LABELS: dict[str, str] = {c.name: label(c.name) for t in TABLES.values() for c in t.columns}

# Coded values a reader sees in Chinese (workbook, HTML, deck, CLI); keyed by column name.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "severity": {"error": "错误", "warning": "警告", "info": "提示"},
    "doc_kind": {"project_report": "项目自评报告", "department_report": "部门整体自评报告",
                 "project_tables": "项目自评表", "summary_table": "自评汇总表", "attachments": "附件包（报告在附件中）"},
    "status": {"ok": "成功", "partial": "部分读取", "failed": "失败", "duplicate": "重复"},
    "duplicate_kind": {"same_file": "同一文件", "same_report": "同一报告（不同格式）",
                       "same_report_ocr": "同一报告（扫描件，个别字或数字识别不同）",
                       "other_version": "同一报告的另一版本（数字不同）"},
    # the report's views: where an effective figure comes from
    "grade_source": {"stated": "文件填写", "calc": "按得分计算", "bands": "按得分计算"},
    "rate_source": {"calc": "按金额计算", "parts_calc": "按资金来源分项计算", "stated": "文件填写",
                    "initial_calc": "按年初预算计算"},
    "score_source": {"stated": "文件填写", "calc": "分项合计"},
    "budget_source": {"full_year": "全年预算", "initial": "年初预算"},
    "source": {"projects": "项目表", "summaries": "汇总表"},
    "scope": {"project": "项目", "department": "部门整体"},
}
SEVERITY_ZH: dict[str, str] = VALUE_LABELS["severity"]


def value_label(column: str, value) -> str:
    """A coded value in Chinese (severity error -> 错误); other values as they are, as text."""
    return VALUE_LABELS.get(column, {}).get(str(value), str(value))


# --------------------------------------------------------------------------- docs/contract.md

BEGIN, END = "<!-- schema:begin (generated by `python -m evalkit.schema --write docs/contract.md`) -->", \
    "<!-- schema:end -->"


def markdown() -> str:
    """The column tables of docs/contract.md."""
    out = []
    for t in TABLES.values():
        fks = ", ".join(f"`{c}` → {p}.{pc}" for c, p, pc in t.foreign_keys) or "—"
        out += [f"### {t.name} ({t.label}): {t.doc}", "",
                f"Primary key: ({', '.join(f'`{k}`' for k in t.key)}). Foreign keys: {fks}.", "",
                "| column | type | unit | 中文 | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            out.append(f"| `{c.name}` | {c.dtype} | {c.unit or ''} | {c.label} | {c.doc} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_into(text: str) -> str:
    """`text` with the generated block between the markers replaced (appended when absent)."""
    block = f"{BEGIN}\n\n{markdown()}\n{END}"
    if BEGIN.split(" (")[0] in text and END in text:
        return re.sub(re.escape(BEGIN.split(" (")[0]) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    return text.rstrip() + "\n\n## Columns (generated from `evalkit/schema.py`)\n\n" + block + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--write"] and len(argv) == 2:
        p = Path(argv[1])
        p.write_text(render_into(p.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
