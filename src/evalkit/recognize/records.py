"""What recognition hands to ingest: typed records of one document, and how each row was read."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from evalkit.model import Loc
from evalkit.schema import TABLES

# the summaries columns a document states (ids, file, agency, year and the location are added by ingest)
SUMMARY_FIELDS: tuple[str, ...] = tuple(n for n in TABLES["summaries"].names
                                        if n not in ("summary_id", "report_id", "source_file", "agency", "fiscal_year")
                                        and not n.startswith("loc_") and n != "location")


@dataclass
class IndicatorRec:
    level1: str | None
    level2: str | None
    level3: str
    target: str | None = None
    actual: str | None = None
    weight: float | None = None
    score: float | None = None
    deviation_reason: str | None = None
    loc: Loc | None = field(default=None, compare=False)     # where the line stands (its score cell)
    field_locs: dict = field(default_factory=dict, compare=False)   # field -> (Loc of its cell, column role)


# figures a project takes from the most authoritative place that states them
PRIO_TEXT, PRIO_LINE, PRIO_TABLE = 1, 2, 3   # a statement, an indicator line, a budget block or form field


@dataclass
class ProjectRec:
    project_name: str | None = None
    agency: str | None = None
    budget_initial: float | None = None
    budget_full_year: float | None = None
    executed: float | None = None
    execution_rate: float | None = None
    budget_weight: float | None = None
    budget_score: float | None = None
    total_score: float | None = None
    max_score: float | None = None
    grade: str | None = None
    grade_raw: str | None = None
    has_deviation_column: bool = False
    deviation_note: str | None = None       # a reason written into the 偏差原因 header cell itself
    execution_rate_line: float | None = None  # the 业绩值 of the 预算执行率 indicator line
    amount_unit: str | None = None          # the unit its amounts were stated in (元, 万元 …), when the document says
    # the rows under the budget total that break it down: (kind, label as written, amount -> 万元), in order
    budget_parts: list[tuple[str, str, dict[str, float | None]]] = field(default_factory=list)
    sections: list[list[IndicatorRec]] = field(default_factory=list)
    priority: dict = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False)     # where the project's table (or name) starts
    # the year its own table's title states ((2024年度)), kept only where a file's tables state several (a 汇编); a
    # project restated under another year's title is another project (照抄上年 in a 汇编 of two years)
    fiscal_year: int | None = None
    field_locs: dict = field(default_factory=dict, compare=False)   # figure -> (Loc it was read at, column role)
    scope: str = "project"                  # "department": a 部门整体支出绩效自评表's table (the department's whole spending)
    instructions_left: list[str] = field(default_factory=list)   # the template's filling instructions left in its cells

    def put(self, name: str, value, prio: int, at: tuple[Loc | None, str | None] | None = None) -> None:
        """Set a figure unless a more authoritative place already stated it (budget block > line > text);
        `at` (its place and its column's role) is kept with it, so a finding can point at the figure."""
        if value is None:
            return
        if self.priority.get(name, -1) < prio:
            setattr(self, name, value)
            self.priority[name] = prio
            if at is not None and at[0] is not None:
                self.field_locs[name] = at
            else:
                self.field_locs.pop(name, None)

    def indicators(self) -> list[IndicatorRec]:
        """Indicator lines; a later section restating all earlier lines (an 附件 table) replaces them."""
        final: list[IndicatorRec] = []
        for sec in self.sections:
            names = {i.level3 for i in sec}
            if final and sec and {i.level3 for i in final} <= names:
                final = list(sec)
            else:
                final.extend(sec)
        return final

    def has_content(self) -> bool:
        return bool(self.priority) or any(self.sections)


@dataclass
class ReportFields:
    """What the document states about itself, decided once (agency, year, overall result, kind)."""
    agency: str | None = None
    fiscal_year: int | None = None
    stated_overall_score: float | None = None
    stated_overall_grade: str | None = None
    stated_overall_grade_raw: str | None = None
    narrative_score: float | None = None
    narrative_parts: list[dict] | None = None
    doc_kind: str = "project_report"
    doc_date: str | None = None          # filled in or signed (YYYY-MM-DD or YYYY-MM)
    version_mark: str | None = None      # a version word bracketed in the title (更正, 修订版, 初稿)


class State(enum.Enum):
    """Which kind of table the walker is inside: it decides how the next row is read."""
    OUTSIDE = "outside"          # no table open: rows are form fields (label | value)
    INDICATOR = "indicator"      # below an indicator header
    BUDGET = "budget"            # below a budget header, waiting for its total row
    BUDGET_PARTS = "budget_parts"  # below a budget total: rows naming its parts (其中：本年财政拨款 …) until another row
    SUMMARY = "summary"          # below a 汇总表 header (and its note paragraphs)


class Kind(enum.Enum):
    """How one row or paragraph was read (the Chinese label is what `evalkit inspect` shows)."""
    PROJECT = "项目名称"
    INDICATOR_HEADER = "表头·指标表"
    BUDGET_HEADER = "表头·预算表"
    SUMMARY_HEADER = "表头·汇总表"
    INDICATOR = "指标行"
    GROUP = "指标分组行"
    BUDGET_LINE = "预算执行行"
    TOTAL = "总分行"
    BUDGET_TOTAL = "预算合计行"
    BUDGET_PART = "预算分项行"
    KEY_VALUE = "标签-数值"
    MONEY_UNIT = "金额单位"
    SUMMARY_LINE = "汇总行"
    SUMMARY_NOTE = "汇总说明"
    STATEMENT = "自评结论"
    AGENCY = "单位"
    TABLE_END = "表格结束"
    IGNORED = "未使用"


@dataclass
class Decision:
    """One row's (or paragraph's) reading: its kind, the columns' roles or the values read, or why not."""
    kind: Kind
    cells: list[str]
    table: int | None = None        # index among the document's tables; None for a paragraph
    row: int = 0                    # row index in the table, or the paragraph's index
    roles: dict[int, str] = field(default_factory=dict)   # headers: column -> role
    fields: dict = field(default_factory=dict)            # what the row gave (name -> value)
    why: str | None = None          # ignored rows: the reason; lines: how they were read

    def as_dict(self) -> dict:
        return {"kind": self.kind.name.lower(), "label": self.kind.value,
                "cells": self.cells, "roles": {str(k): v for k, v in self.roles.items()},
                "fields": self.fields, "why": self.why}


@dataclass
class Extraction:
    """Everything one document states that the contract has a place for, plus how each row was read."""
    report: ReportFields
    projects: list[ProjectRec]
    summaries: list[dict]            # SUMMARY_FIELDS -> value, only summaries stating something
    decisions: list[Decision] = field(default_factory=list)
    summary_locs: list[Loc | None] = field(default_factory=list)   # where each summary is stated

    @property
    def indicators(self) -> list[tuple[int, IndicatorRec]]:
        """(project index, line) of every indicator line, in order."""
        return [(n, i) for n, p in enumerate(self.projects) for i in p.indicators()]

    @property
    def found_anything(self) -> bool:
        return bool(self.projects or self.summaries or self.report.stated_overall_score is not None)

    @property
    def gives_something(self) -> bool:
        """The text reads as a report of some kind (a table, a result, a narrative with its parts or score): its
        pictures are then photos beside it, not the report (pictures.when_text_gives_nothing)."""
        rep = self.report
        return self.found_anything or rep.narrative_score is not None or bool(rep.narrative_parts)
