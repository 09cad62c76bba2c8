"""Recognize self-evaluation content in a Document by its vocabulary and map it to contract records.

The document is read as one stream of table rows and paragraphs, so a project table split over
pages, tables or sections still lands in one project. Headers say what each column means
(vocab.py); rows are read by position when the labels sit where the header says, and by
content (labels, then name, then values) when an export has shifted the cells.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from evalkit import vocab as V
from evalkit.model import Document, Paragraph, Table
from evalkit.normalize import (clean_text, is_empty_mark, normalize_grade, parse_number,
                               strip_list_prefix)

REF_CELL = re.compile(r"^[(（]\d+[)）]")                 # row references such as (1), (7)=(4)/(2)
YEAR_TABLE = re.compile(r"[(（]\s*(\d{4})\s*年度?\s*[)）]")
YEAR_ANY = re.compile(r"(20\d{2})\s*年度")
YEAR_SPAN = re.compile(r"(20\d{2})\s*年\s*\d{1,2}\s*月\s*起")
PARA_KV = re.compile(r"^(项目名称|项目单位|实施单位|填报单位|填报部门|单位名称)\s*[:：]\s*(.+)$")
NUM = r"(\d+(?:\.\d+)?)"
OVERALL_SENTENCES = [
    re.compile(r"总得分\s*[为是:：]?\s*" + NUM + r"\s*分"),
    re.compile(r"(?:部门整体|整体|部门)[^。；\n]{0,30}?自评得分\s*[为是:：]?\s*" + NUM + r"\s*分"),
    re.compile(r"(?:综合得分|自评综合得分)\s*[为是:：]\s*" + NUM + r"\s*分"),
]
GRADE_IN_SENTENCE = re.compile(r"(?:属于|评价等次为|评价等级为|等次为|等级为|评定为|评为)\s*[\"“”「]?"
                               r"(优秀|良好|不合格|合格|较差|中等|优|良|中|差)")
PART_FULL = re.compile(r"满分\s*" + NUM + r"\s*分\s*[，,、]\s*自评得分\s*" + NUM + r"\s*分")
PART_SCORE = re.compile(r"(?<![自总合均评])得分\s*" + NUM + r"\s*分")
PROJECT_FROM_TEXT = re.compile(r"20\d{2}\s*年度?([\u4e00-\u9fa5]{2,12}?(?:基金|资金|项目|经费))(?:支出|目标|绩效)")
AGENCY_LIKE = re.compile(r"^[\u4e00-\u9fa5（）()]{3,30}(局|中心|委员会|办公室|事务所|站|院|部|处)$")


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
    sections: list[list[IndicatorRec]] = field(default_factory=list)
    priority: dict = field(default_factory=dict)

    def put(self, name: str, value, prio: int) -> None:
        """Set a figure unless a more authoritative place already stated it (budget block > line > text)."""
        if value is None:
            return
        if self.priority.get(name, -1) < prio:
            setattr(self, name, value)
            self.priority[name] = prio

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
class Extraction:
    """What one document states: report-level fields, its projects and its summary statements."""
    report: dict
    projects: list[ProjectRec]
    summaries: list[dict]


@dataclass
class IndicatorHeader:
    cols: dict[str, int]
    width: int
    roleless: set[int]
    after_level3: list[str]     # roles of the columns right of the name, in order ('ignore' kept)


def _nums(cells: list[str]) -> list[float]:
    return [v for v in (parse_number(c) for c in cells) if v is not None]


DEVIATION_TITLES = re.compile(r"^(偏差原因分析及改进措施|未完成的?原因及拟采取的改进措施|未完成原因分析|偏差原因分析|"
                              r"偏差原因及改进措施|偏差原因|原因分析|改进措施)")


def _header_note(cell: str) -> str | None:
    """Text a layout writes into the deviation column's header after its title (a table-wide reason)."""
    m = DEVIATION_TITLES.match(cell or "")
    rest = cell[m.end():].strip() if m else ""
    return rest or None


def _indicator_header(cells: list[str]) -> IndicatorHeader | None:
    roles = [V.role_of(c, V.INDICATOR_HEADER) for c in cells]
    present = set(roles)
    if not ({"level3", "level2"} & present) or len({"target", "actual", "weight", "score"} & present) < 2:
        return None
    cols: dict[str, int] = {}
    for i, r in enumerate(roles):
        if r is None or r == "ignore":
            continue
        if r == "weight" and "weight" in cols and "level3" in cols and cols["weight"] < cols["level3"]:
            cols["weight"] = i          # group weights precede; the line's weight follows level 3
            continue
        cols.setdefault(r, i)
    roleless = {i for i, (c, r) in enumerate(zip(cells, roles)) if r is None}
    name_col = cols.get("level3", cols.get("level2", -1))
    after = [r or "ignore" for r, c in zip(roles[name_col + 1:], cells[name_col + 1:]) if c]
    while after and after[-1] == "ignore":
        after.pop()
    return IndicatorHeader(cols=cols, width=len(cells), roleless=roleless, after_level3=after)


def _budget_header(cells: list[str]) -> dict[str, int] | None:
    if _nums(cells):
        return None                      # a header states no figures (label-value rows do)
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        r = V.role_of(c, V.BUDGET_HEADER)
        if r:
            cols.setdefault(r, i)
    if len({"budget_initial", "budget_full_year", "executed"} & set(cols)) >= 2:
        return cols
    return None


class Recognizer:
    """Walks a document's blocks once; holds the reading state of that one document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.projects: list[ProjectRec] = []
        self.current: ProjectRec | None = None
        self.pending = ProjectRec()         # budget figures seen before any project started
        self.mode: str | None = None
        self.ind: IndicatorHeader | None = None
        self.budget_cols: dict[str, int] | None = None
        self.carry = [None, None]
        self.summary: dict | None = None
        self.summaries: list[dict] = []
        self.agencies: Counter = Counter()
        self.labelled_agency: str | None = None
        self.overall_score: float | None = None
        self.overall_grade: tuple[str | None, str | None] = (None, None)

    # ---- projects ------------------------------------------------------------------------
    def _start_project(self, name: str | None) -> ProjectRec:
        self._close_project()
        self.current = ProjectRec(project_name=name)
        return self.current

    def _close_project(self) -> None:
        if self.current is not None and (self.current.has_content() or self.current.project_name):
            if self.current not in self.projects:
                self.projects.append(self.current)
        self.current = None
        self.mode = None

    def _project_for_tables(self) -> ProjectRec:
        """The project a table belongs to; a document without 项目名称 gets one implicit project."""
        if self.current is None:
            p = self._start_project(None)
            for name, prio in self.pending.priority.items():
                p.put(name, getattr(self.pending, name), prio)
        return self.current

    # ---- rows ----------------------------------------------------------------------------
    def row(self, raw: list[str]) -> None:
        cells = [clean_text(c) or "" for c in raw]
        filled = [c for c in cells if c]
        if not filled:
            return
        label = V.key(filled[0])

        if label == "项目名称":
            rest = [c for c in cells[cells.index(filled[0]) + 1:] if c]
            self._start_project(rest[0] if rest else None)
            self._row_agency(cells)
            return
        self._row_agency(cells)
        if self._row_statement(filled):
            return
        due = next((i for i, c in enumerate(cells) if V.SUMMARY_DUE.match(V.key(c))), None)
        done = next((i for i, c in enumerate(cells) if V.SUMMARY_DONE.match(V.key(c))), None)
        if due is not None and done is not None:
            self.summary = {"due_col": due, "done_col": done}
            self.summaries.append(self.summary)
            self.mode = "summary"
            return
        has_numbers = bool(_nums(filled))
        header = None if has_numbers else _indicator_header(cells)
        if header:
            p = self._project_for_tables()
            self.mode, self.ind, self.carry = "indicator", header, [None, None]
            p.sections.append([])
            p.has_deviation_column = p.has_deviation_column or "deviation" in header.cols
            if "deviation" in header.cols:
                p.deviation_note = p.deviation_note or _header_note(cells[header.cols["deviation"]])
            return
        bcols = None if has_numbers else _budget_header(cells)
        if bcols:
            self.mode, self.budget_cols = "budget", bcols
            return
        if self.mode == "indicator" and V.TOTAL_LABEL.match(label):
            nums = _nums(filled[1:])
            if nums and self.current is not None:
                self.current.put("total_score", nums[-1], 3)
                if len(nums) > 1:
                    self.current.put("max_score", nums[0], 3)
            self.mode = None
            return
        if self.mode == "indicator" and len(filled) == 1 and not (V.is_level1(filled[0]) or V.is_level2(filled[0])):
            if strip_list_prefix(filled[0]) and not V.PLACEHOLDER.match(filled[0]):
                self.mode = None         # a heading or note below the table ends it
            return
        if self.mode == "indicator":
            self._indicator_row(cells)
        elif self.mode == "budget":
            self._budget_total_row(cells)
        elif self.mode == "summary":
            self._summary_row(cells, filled)
        else:
            self._budget_kv_row(cells)

    def _row_agency(self, cells: list[str]) -> None:
        for i, c in enumerate(cells):
            if V.AGENCY_LABEL.match(V.key(c)):
                rest = [x for x in cells[i + 1:] if x]
                if rest and not V.AGENCY_LABEL.match(V.key(rest[0])):
                    self.labelled_agency = self.labelled_agency or rest[0]
                    if self.current is not None and self.current.agency is None:
                        self.current.agency = rest[0]
        for c in cells:
            if AGENCY_LIKE.match(c):
                self.agencies[c] += 1

    def _row_statement(self, filled: list[str]) -> bool:
        """Form fields that state the report's own result: 绩效自评综合得分 | 99, 评价等次 | 优秀."""
        if len(filled) != 2:
            return False
        k = V.key(filled[0])
        if V.OVERALL_SCORE_LABEL.match(k) and parse_number(filled[1]) is not None:
            self.overall_score = parse_number(filled[1])
            self.mode = None
            return True
        if V.OVERALL_GRADE_LABEL.match(k):
            g, raw = normalize_grade(filled[1])
            if g:
                self.overall_grade = (g, raw)
                self.mode = None
                return True
        return False

    def _budget_total_row(self, cells: list[str]) -> None:
        idx = next((i for i, c in enumerate(cells) if V.BUDGET_TOTAL_LABEL.match(V.key(c))), None)
        if idx is None or self.budget_cols is None:
            return
        target = self.current if self.current is not None else self.pending
        order = sorted(self.budget_cols, key=self.budget_cols.get)
        values = [c for c in cells[idx + 1:] if c]
        if len(values) == len(order):           # every column filled: read in the header's order
            for name, v in zip(order, values):
                target.put(name, None if is_empty_mark(v) else parse_number(v), 3)
        else:                                   # gaps: read by position, aligned on the label
            first = min(self.budget_cols.values())
            offset = (idx + 1) - first if idx + 1 > first else 0
            for name, col in self.budget_cols.items():
                j = col + offset
                if j < len(cells) and not is_empty_mark(cells[j]):
                    target.put(name, parse_number(cells[j]), 3)
        self.mode = "budget-done"

    def _budget_kv_row(self, cells: list[str]) -> None:
        target = self.current if self.current is not None else self.pending
        for i, c in enumerate(cells):
            name = V.role_of(c, V.BUDGET_KV)
            if not name:
                continue
            for nxt in cells[i + 1:]:
                if not nxt or REF_CELL.match(nxt):
                    continue
                target.put(name, parse_number(nxt), 3)
                break

    def _summary_row(self, cells: list[str], filled: list[str]) -> None:
        s = self.summary
        label = V.key(filled[0])
        pick = lambda col: parse_number(cells[col]) if col < len(cells) else None  # noqa: E731
        if "项目" in label and ("数" in label or "个" in label):
            s["projects_due"], s["projects_evaluated"] = pick(s["due_col"]), pick(s["done_col"])
            return
        if "资金" in label:
            s["funds_due"], s["funds_evaluated"] = pick(s["due_col"]), pick(s["done_col"])
            return
        grade_idx = [i for i, c in enumerate(cells) if V.GRADE_CELL.match(c)]
        if grade_idx:
            g, _ = normalize_grade(V.GRADE_CELL.match(cells[grade_idx[-1]]).group(1))
            col = {"优": "count_you", "良": "count_liang", "中": "count_zhong", "差": "count_cha"}[g]
            vals = _nums(cells[grade_idx[-1] + 1:])
            s[col] = vals[0] if vals else None
        elif V.key(filled[0]) in ("平均得分", "平均分"):
            vals = _nums(filled[1:])
            s["avg_score"] = vals[-1] if vals else None

    # ---- indicator lines -----------------------------------------------------------------
    def _indicator_row(self, cells: list[str]) -> None:
        parsed = self._positional(cells) or self._by_content(cells)
        if parsed is None:
            return
        l1, l2, l3, target, actual, weight, score, dev = parsed
        l1, l2 = (x.rstrip(":：") if x else x for x in (l1, l2))
        if l1:
            self.carry = [l1, None]
        if l2:
            self.carry[1] = l2
            implied = V.implied_level1(l2)
            cur = V.level_name(self.carry[0])
            if implied and not l1 and (cur is None or (cur in V.STANDARD_LEVEL1 and cur != implied)):
                self.carry[0] = implied
        name = strip_list_prefix(l3) if l3 else None
        if not name or V.PLACEHOLDER.match(name):
            return
        p = self.current
        if V.BUDGET_LINE.match(name) or (V.level_name(self.carry[0]) or "").startswith("预算执行"):
            p.put("budget_weight", parse_number(weight), 2)
            p.put("budget_score", parse_number(score), 2)
            p.put("execution_rate", parse_number(actual), 2)
            p.execution_rate_line = p.execution_rate_line if p.execution_rate_line is not None else parse_number(actual)
            return
        p.sections[-1].append(IndicatorRec(
            level1=self.carry[0], level2=self.carry[1], level3=name,
            target=None if is_empty_mark(target) else target,
            actual=None if is_empty_mark(actual) else actual,
            weight=parse_number(weight), score=parse_number(score),
            deviation_reason=None if is_empty_mark(dev) else dev))

    def _positional(self, cells: list[str]):
        """Read a row where the header says; None when the labels are not where they belong."""
        h = self.ind
        get = lambda role: cells[h.cols[role]] if role in h.cols and h.cols[role] < len(cells) else ""  # noqa: E731
        l1, l2, l3 = get("level1"), get("level2"), get("level3")
        if any(cells[i] for i in h.roleless if i < len(cells)) or len(cells) > h.width + 1:
            return None
        if l1 and not V.is_level1(l1):
            return None
        if l2 and (parse_number(l2) is not None or strip_list_prefix(l2) != l2
                   or not (V.is_level1(l2) or V.is_level2(l2) or (V.level_name(l2) or "").endswith("指标"))):
            return None
        values = [get(r) for r in ("target", "actual", "weight", "score")]
        if not l3 and any(values):
            return None                  # figures without a name: the name sits in another column
        if l3 and l3.endswith("指标") and (V.is_level1(l3) or V.is_level2(l3)):
            return None
        w, s = get("weight"), get("score")
        if (w and parse_number(w) is None and not is_empty_mark(w)) or (s and parse_number(s) is None and not is_empty_mark(s)):
            return None
        target = get("target")
        if "op" in h.cols or "unit" in h.cols:
            target = "".join(x for x in (get("op"), target, get("unit")) if x)
        return l1, l2, l3, target, get("actual"), w, s, get("deviation")

    def _by_content(self, cells: list[str]):
        """Read a shifted row by what its cells are: level labels, the indicator name, then values."""
        seq = [c for c in cells if c and strip_list_prefix(c) and not V.PLACEHOLDER.match(c)]
        labels = []
        is_label = lambda c: V.is_level1(c) or (V.is_level2(c) and (V.level_name(c) or "").endswith("指标"))  # noqa: E731
        while seq and len(labels) < 2 and is_label(seq[0]):
            labels.append(seq.pop(0))
        l1 = l2 = None
        if len(labels) >= 2:
            l1, l2 = labels[0], labels[1]
        elif labels:
            if V.is_level2(labels[0]):
                l2 = labels[0]
            else:
                l1 = labels[0]
        if not seq:
            return l1, l2, None, None, None, None, None, None
        l3, vals = seq[0], seq[1:]
        got: dict[str, list[str]] = {}
        order = self.ind.after_level3
        for i, v in enumerate(vals):
            role = order[i] if i < len(order) else "deviation"
            got.setdefault(role, []).append(v)
        one = lambda role: "".join(got.get(role, [])) or None  # noqa: E731
        target = "".join(got.get("op", []) + got.get("target", []) + got.get("unit", [])) or None
        return l1, l2, l3, target, one("actual"), one("weight"), one("score"), one("deviation")

    # ---- paragraphs ----------------------------------------------------------------------
    def paragraph(self, text: str) -> None:
        t = text.strip()
        m = PARA_KV.match(t)
        if m:
            value = clean_text(m.group(2))
            if m.group(1) == "项目名称":
                self._start_project(value)
            else:
                self.labelled_agency = self.labelled_agency or re.sub(r"[-－]\d+$", "", value)
                if self.current is not None and self.current.agency is None:
                    self.current.agency = self.labelled_agency
        c = clean_text(t)
        if c and AGENCY_LIKE.match(c):
            self.agencies[c] += 1
        if self.summary is not None and self.mode == "summary":
            if t.startswith("说明") or (self.summary.get("notes") and re.match(r"^\d+\s*[.、．]", t)):
                self.summary["notes"] = "\n".join(x for x in (self.summary.get("notes"), t) if x)
            elif self.summary.get("notes"):
                self.mode = None

    # ---- document ------------------------------------------------------------------------
    def run(self) -> Extraction:
        for block in self.doc.blocks:
            if isinstance(block, Table):
                for r in block.rows:
                    self.row(r)
            elif isinstance(block, Paragraph):
                self.paragraph(block.text)
        self._close_project()
        return Extraction(report=self._report_fields(), projects=self.projects,
                          summaries=[self._summary_out(s) for s in self.summaries])

    def _summary_out(self, s: dict) -> dict:
        keys = ["projects_due", "projects_evaluated", "funds_due", "funds_evaluated", "avg_score",
                "count_you", "count_liang", "count_zhong", "count_cha", "notes"]
        return {k: s.get(k) for k in keys}

    def _report_fields(self) -> dict:
        text = self.doc.text()
        all_text = text + "\n" + "\n".join(" ".join(r) for t in self.doc.tables() for r in t.rows)
        score, grade, raw = self.overall_score, *self.overall_grade
        for pat in OVERALL_SENTENCES:
            m = pat.search(text)
            if m:
                if score is None:
                    score = float(m.group(1))
                sentence_end = text.find("。", m.end())
                g = GRADE_IN_SENTENCE.search(text, m.end(), sentence_end if sentence_end > 0 else len(text))
                if g and grade is None:
                    grade, raw = normalize_grade(g.group(1))
                break
        parts = _narrative_parts(self.doc.paragraphs())
        narrative = round(sum(p["score"] for p in parts), 4) if len(parts) >= 2 else None
        years = [int(y) for y in YEAR_TABLE.findall(all_text)]
        years = years or [int(y) for y in YEAR_ANY.findall(all_text)] or [int(y) for y in YEAR_SPAN.findall(all_text)]
        fiscal_year = Counter(years).most_common(1)[0][0] if years else None
        agency = self.labelled_agency or (self.agencies.most_common(1)[0][0] if self.agencies else None)
        name_hint = None
        m = PROJECT_FROM_TEXT.search(clean_text(all_text) or "")
        if m:
            name_hint = m.group(1)
        return {
            "agency": agency, "fiscal_year": fiscal_year,
            "stated_overall_score": score, "stated_overall_grade": grade, "stated_overall_grade_raw": raw,
            "narrative_score": narrative,
            "narrative_parts": parts if len(parts) >= 2 else None,
            "project_name_hint": name_hint,
            "mentions_department": bool(re.search(r"部门决算|部门整体|单位决算|决算公开", text)),
        }


PART_LABEL = re.compile(r"^\s*(?:[(（]?[\d一二三四五六七八九十]+[)）.、．]\s*)?([\u4e00-\u9fa5]{2,12}?)\s*[。：:，,（(]")


def _narrative_parts(paragraphs) -> list[dict]:
    """Part scores the narrative states: （满分X分，自评得分Y分） or '…得分Y分' per item, with their labels."""
    full, plain = [], []
    for p in paragraphs:
        t = p.text
        head = PART_LABEL.match(t)
        for m in PART_FULL.finditer(t):
            full.append({"label": head.group(1) if head else None, "max": float(m.group(1)), "score": float(m.group(2))})
        if not PART_FULL.search(t):
            for m in PART_SCORE.finditer(t):
                before = re.findall(r"[\u4e00-\u9fa5]{2,8}$", t[:m.start()])
                label = head.group(1) if head else (before[0] if before else None)
                plain.append({"label": label, "max": None, "score": float(m.group(1))})
    return full or plain


def recognize(doc: Document) -> Extraction:
    """Everything the document states that the contract has a place for."""
    return Recognizer(doc).run()
