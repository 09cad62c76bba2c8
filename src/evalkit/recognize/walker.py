"""The walker: reads a document as one stream of table rows and paragraphs, so a project table split
over pages, tables or sections still lands in one project; records how it read each row.

Each row is offered, in order, to: the 项目名称 field, the overall-result fields, the headers
(summary, indicator, budget), then to the strategy of the table it is in (`State`)."""
from __future__ import annotations

from collections import Counter

from evalkit import grades
from evalkit.model import Document, Paragraph, Table
from evalkit.normalize import HAS_DIGIT, WS, clean_text, is_empty_mark, parse_amount, parse_number, strip_list_prefix
from evalkit.recognize import budget, indicator_table, key_value, statements, summary_table
from evalkit.recognize import vocabulary as V
from evalkit.recognize.records import (PRIO_LINE, PRIO_TABLE, PRIO_TEXT, SUMMARY_FIELDS, Decision, Extraction,
                                       IndicatorRec, Kind, ProjectRec, ReportFields, State)

TEXT_RUN_MAX = 12     # rows a text below a line looks ahead, over a run of single texts in its column, for more lines


class Walker:
    """Holds the reading state of one document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.projects: list[ProjectRec] = []
        self.current: ProjectRec | None = None
        self.pending = ProjectRec()         # budget figures seen before any project started
        self.state = State.OUTSIDE
        self.ind: indicator_table.Header | None = None
        self.levels = indicator_table.Levels()
        self.budget_cols: dict[str, int] = {}
        self.budget_unit: str | None = None     # the money unit of the budget block being read
        self.budget_points: float | None = None  # the points its header's title states (预算执行情况（20分）)
        self.total_at: tuple[int, int] | None = None   # where its total row's label and figures stood
        self.table_unit: str | None = None      # the unit a note stated for the table being read …
        self.next_unit: str | None = None       # … and a note above the next table
        self.summary_cols: tuple[int, int] = (0, 0)
        self.summaries: list[dict] = []
        self.agencies: Counter = Counter()
        self.labelled_agency: str | None = None
        self.overall_score: float | None = None
        self.overall_grade: tuple[str | None, str | None] = (None, None)
        self.decisions: list[Decision] = []
        self._where: tuple[int | None, int] = (None, 0)
        self._block: Table | Paragraph | None = None
        self._row = 0
        self._cells: list[str] | None = None     # the table row being read, cleaned
        self._taken: dict[tuple, list[int]] = {}   # (table, row): label columns whose text went up into the row above
        self._nums: list[float | None] | None = None
        self._lines: list[str] = []             # the paragraphs since the last table (a label split around its value)
        self.summary_locs: list = []
        self.overall_at: tuple | None = None
        self.overall_grade_at: tuple | None = None
        self.heading_year: int | None = None    # the year the last table title stated: the next project's

    # ---- projects ------------------------------------------------------------------------
    def _here(self, col: int | None = None):
        """The place of the row (or its cell `col`) or paragraph being read."""
        b = self._block
        if isinstance(b, Table):
            return b.loc(self._row, col)
        return b.loc() if isinstance(b, Paragraph) else None

    def _at(self, role: str | None, cols: dict[str, int] | None, value=None) -> tuple:
        """(place of the cell in column `role` of the row being read, role): where a figure was read.
        With `value`, the cell of the row that states it, nearest that column (a merged label shifts
        a total row's figures off the header's columns)."""
        col = cols.get(role) if cols and role else None
        if isinstance(value, (int, float)) and isinstance(self._block, Table) and self._cells is not None:
            if self._nums is None:       # the row's figures, read once however many fields look them up
                self._nums = [(parse_number(c) if (v := parse_amount(c)[0]) is None else v) if c else None
                              for c in self._cells]
            hits = [j for j, v in enumerate(self._nums) if v == value]
            if hits and col not in hits:
                col = min(hits, key=lambda j: (abs(j - col) if col is not None else -j))
        return self._here(col), role if col is not None else None

    @property
    def _holder(self) -> ProjectRec:
        """The project being read, or, before any, the figures waiting for one (`pending`)."""
        return self.current if self.current is not None else self.pending

    def _start_project(self, name: str | None) -> ProjectRec:
        self._close_project()
        self.current = ProjectRec(project_name=name, loc=self._here(), fiscal_year=self.heading_year)
        return self.current

    def _close_project(self) -> None:
        if self.current is not None and (self.current.has_content() or self.current.project_name):
            if self.current not in self.projects:     # a project restated identically is kept once
                self.projects.append(self.current)
        self.current = None
        self.state = State.OUTSIDE

    def _project_for_tables(self) -> ProjectRec:
        """The project a table belongs to; a document without 项目名称 gets one implicit project."""
        if self.current is None:
            p = self._start_project(None)
            for name, prio in self.pending.priority.items():
                p.put(name, getattr(self.pending, name), prio, self.pending.field_locs.get(name))
            p.amount_unit = self.pending.amount_unit
            p.budget_parts = self.pending.budget_parts
            p.instructions_left = self.pending.instructions_left
            p.field_locs.update({k: v for k, v in self.pending.field_locs.items() if k.startswith("parts_")})
        return self.current

    def _decide(self, kind: Kind, cells: list[str], **kw) -> None:
        table, row = self._where
        self.decisions.append(Decision(kind, cells, table, row, **kw))

    # ---- rows ----------------------------------------------------------------------------
    def row(self, raw: list[str]) -> None:
        cells = _cleaned(raw)
        taken = self._taken.pop(self._where, ())
        cells = ["" if i in taken else c for i, c in enumerate(cells)]
        self._cells, self._nums = cells, None
        filled = [c for c in cells if c]
        if not filled:
            return self._decide(Kind.IGNORED, cells, why="空行")
        if V.is_project_label(V.key(filled[0])):
            rest = [c for c in cells[cells.index(filled[0]) + 1:] if c]
            self._start_project(rest[0] if rest else None)
            self._row_agency(cells)
            return self._decide(Kind.PROJECT, cells, fields={"project_name": rest[0] if rest else None})
        agency = self._row_agency(cells)
        left = [c for c in filled if "字" in c and V.TEMPLATE_INSTRUCTION.match(c)]
        if left and self.state is not State.INDICATOR:
            self._holder.instructions_left.extend(left)
            return self._decide(Kind.IGNORED, cells, why="模板的填写说明未替换为内容（" + "；".join(left) + "）")
        stated = statements.overall_field(filled)
        if stated is None and self.state is State.OUTSIDE and (n := statements.overall_in_pairs(filled)) is not None:
            stated = ("score", n)
        if stated:
            what, value = stated
            if what == "score":
                self.overall_score = value
                self.overall_at = (self._here(), None)
            else:
                self.overall_grade = value
                self.overall_grade_at = (self._here(), None)
            self.state = State.OUTSIDE
            return self._decide(Kind.STATEMENT, cells, fields={f"overall_{what}": value})
        header = summary_table.read_header(cells)
        if header:
            self.summary_cols, self.state = header, State.SUMMARY
            self.summaries.append({})
            self.summary_locs.append(self._here())
            return self._decide(Kind.SUMMARY_HEADER, cells, roles={header[0]: "due", header[1]: "done"})
        ind = indicator_table.read_header(cells)
        below = self._neighbour(1) if len(filled) >= 2 and indicator_table.may_head(cells) else None
        two = indicator_table.read_header_two_rows(cells, below)
        if two and (ind is None or len(two[1].cols) > len(ind.cols) or two[1].width != ind.width):   # a header
            # alone may be refined by the row under it (年度指标值 over 指标性质 | 指标值 | 度量单位), or widened by it (采集数据项
            # merged over 数据项1 | 数据项2: the columns right of it one further than the top row counts them)
            self._taken[(self._where[0], self._row + 1)] = [i for i, c in enumerate(below) if c]
            self._cells = two[0]
            return self._indicator_header(two[0], two[1], why="表头分印在两行（上行的合并单元格跨下行几列），已按列合并")
        if ind:
            return self._indicator_header(cells, ind)
        bcols = budget.read_header(cells)
        if bcols:
            cells, bcols = self._header_cut(cells, bcols)
            self.state, self.budget_cols = State.BUDGET, bcols
            holder = self._holder
            holder.budget_parts = []            # a budget block restated (an 附件 table) brings its own parts
            for k in [k for k in holder.field_locs if k.startswith("parts_")]:
                del holder.field_locs[k]
            self.budget_unit = budget.header_unit(cells, bcols) or self.table_unit
            self.budget_points = budget.title_points(cells, bcols)
            return self._decide(Kind.BUDGET_HEADER, cells, roles={c: r for r, c in bcols.items()},
                                why=_unit_why(self.budget_unit))
        if self.state is State.INDICATOR:
            if self.ind is not None and "seq" in self.ind.roles:
                cells = indicator_table.without_seq(cells, self.ind)
                filled = [c for c in cells if c]
                if not filled:
                    return self._decide(Kind.IGNORED, cells, why="只有序号的空行")
            return self._indicator_row(cells, filled)
        if self.state is State.BUDGET_PARTS and V.BUDGET_BREAKDOWN.match(filled[0]):
            return self._decide(Kind.IGNORED, cells, why="资金分项的标题（其下各行是总额的分项）")
        if self.state in (State.BUDGET, State.BUDGET_PARTS) and self._budget_part_row(cells):
            return None
        if self.state is State.BUDGET:
            return self._budget_total_row(cells)
        if self.state is State.BUDGET_PARTS:
            self.state = State.OUTSIDE       # the first row that names no part ends the block
        if self.state is State.SUMMARY:
            fields = summary_table.read_row(cells, self.summary_cols, self.table_unit)
            self.summaries[-1].update(fields)
            if fields:
                return self._decide(Kind.SUMMARY_LINE, cells, fields=fields)
            return self._decide(Kind.IGNORED, cells, why="汇总表中未识别的行（标签不在词汇表中）")
        got = key_value.read_pairs_units(cells)
        target = self._holder
        if got:
            unit = next((u for c in filled if (u := budget.unit_in_cell(c))), None) or self.table_unit
            pairs = [(n, budget.to_wanyuan(v, own or unit) if n in V.BUDGET_AMOUNTS else v) for n, v, own in got]
            for name, value in pairs:
                target.put(name, value, PRIO_TABLE, (self._here(), None))
            stated = budget.amounts_unit(unit, ((n, own) for n, _, own in got))
            if stated:
                target.amount_unit = target.amount_unit or stated
            return self._decide(Kind.KEY_VALUE, cells, fields=dict(pairs), why=_unit_why(unit))
        unit = next((u for c in filled if (u := budget.unit_note(c))), None)
        if unit:
            self.table_unit = unit
            return self._decide(Kind.MONEY_UNIT, cells, fields={"unit": unit}, why=_unit_why(unit) or "金额单位为万元")
        if agency:
            return self._decide(Kind.AGENCY, cells, fields={"agency": agency})
        near = near_header(cells)
        if near:
            return self._decide(Kind.IGNORED, cells, roles=near[0], why=near[1])
        return self._decide(Kind.IGNORED, cells, why="前面没有识别出表头，本行也没有已知标签（项目名称、预算金额、自评得分等）")

    def _row_agency(self, cells: list[str]) -> str | None:
        value = key_value.labelled_value(cells, V.AGENCY_LABEL)
        if value:
            value = statements.agency_name(value)
            self.labelled_agency = self.labelled_agency or value
            if self.current is not None and self.current.agency is None:
                self.current.agency = value
        for c in cells:
            if statements.agency_like(c):
                self.agencies[c] += 1
        return value

    def _indicator_header(self, cells: list[str], h: indicator_table.Header, why: str | None = None) -> None:
        p = self._project_for_tables()
        self.state, self.ind, self.levels = State.INDICATOR, h, indicator_table.Levels()
        p.sections.append([])
        p.has_deviation_column = p.has_deviation_column or "deviation" in h.cols
        if "deviation" in h.cols:
            p.deviation_note = p.deviation_note or indicator_table.header_note(cells[h.cols["deviation"]])
        self._decide(Kind.INDICATOR_HEADER, cells, roles={i: r for i, r in enumerate(h.roles) if r}, why=why)

    def _further_points(self, cells: list[str]) -> float | None:
        """The points of a row giving nothing but a figure in the weight column (and text in columns not read), right
        under a line with a weight: the line's name is merged over it, one row for each example its 理由 asks (吉林's
        专项经费绩效评价表: 是否促进地方经济项目推广和外拓 | 是/否 | 是 | 5 | 是 | ①…, then 5 | ②…); else None."""
        h, p = self.ind, self.current
        if h is None or "weight" not in h.cols or p is None or not p.sections or not p.sections[-1] \
                or not self.decisions or self.decisions[-1].kind is not Kind.INDICATOR:
            return None
        w = h.cols["weight"]
        if w >= len(cells) or (points := parse_number(cells[w])) is None or p.sections[-1][-1].weight is None:
            return None
        if any(c and i != w and (i >= len(h.roles) or h.roles[i] != "ignore") for i, c in enumerate(cells)):
            return None
        return points

    def _indicator_row(self, cells: list[str], filled: list[str]) -> None:
        label = V.key(filled[0])
        if V.TOTAL_LABEL.match(label):
            total, maximum = indicator_table.read_total(cells, self.ind)
            if total is not None and maximum is None and self._weights_only(total, cells):
                total, maximum = None, total      # 合计 | 100 | (得分 empty): the weights' total, no score stated
            cols = self.ind.cols if self.ind else None
            self.current.put("total_score", total, PRIO_TABLE, self._at("score", cols, total))   # an indicator table always has a project
            if maximum is not None:
                self.current.put("max_score", maximum, PRIO_TABLE, self._at("weight", cols, maximum))
            first = cells.index(filled[0])
            col, grade = next(((i, grades.normalize(c)) for i, c in enumerate(cells)
                               if i > first and c and grades.rank(c) is not None), (None, (None, None)))
            if grade[0] is not None:          # 总分 | 100 | 87.6 | 优: the grade written after the score
                self.current.put("grade", grade[0], PRIO_TABLE, (self._here(col), None))
                if self.current.grade == grade[0]:
                    self.current.grade_raw = grade[1]
            self.state = State.OUTSIDE
            fields = {"total_score": total, "max_score": maximum, **({"grade": grade[0]} if grade[0] else {})}
            return self._decide(Kind.TOTAL, cells, fields=fields)
        if V.FORM_NOTE_LABEL.match(label):
            return self._decide(Kind.IGNORED, cells, why=f"表内的说明栏（{label}），不是指标")
        dev = self.ind.cols.get("deviation") if self.ind is not None else None
        if len(filled) == 1 and dev and dev < len(cells) and cells[dev] == filled[0]:
            if self.current is None or not self.current.sections or not self.current.sections[-1]:
                return self._decide(Kind.IGNORED, cells, why="表头“偏差原因”一栏的续行")   # its wrapped title
            last = self.current.sections[-1][-1]       # the rest of the line above's 偏差原因 (its row cut at a
            last.deviation_reason = f"{last.deviation_reason}{filled[0]}" if last.deviation_reason else filled[0]
            return self._decide(Kind.INDICATOR, cells, why="上一行偏差原因的续行（该行被分页截断）",   # page break)
                                fields={"level3": last.level3, "deviation_reason": last.deviation_reason})
        points = self._further_points(cells)
        if points is not None:
            last = self.current.sections[-1][-1]
            last.weight += points
            return self._decide(Kind.INDICATOR, cells, fields={"level3": last.level3, "weight": last.weight},
                                why="上一行指标的又一项分值（指标名称跨行合并，每行一项分值），已计入其权重")
        if len(filled) == 1 and (not (V.is_level1(filled[0]) or V.is_level2(filled[0])) or V.OPTIONAL_NOTE.search(filled[0])):
            if not strip_list_prefix(filled[0]) or V.PLACEHOLDER.match(filled[0]):
                return self._decide(Kind.IGNORED, cells, why="占位符")
            if not self._lines_follow():
                self.state = State.OUTSIDE          # a heading or note below the table ends it
                return self._decide(Kind.TABLE_END, cells, why="表格下方的标题或说明，结束指标表")
            return self._name_rest(cells, filled[0])
        cut = self._cut_labels(cells)
        if cut:
            cells = self._cells = [c + cut[i] if i in cut else c for i, c in enumerate(cells)]
        line = indicator_table.read_line(cells, self.ind)
        if cut:
            line.how += "；分组标签被分页截断，已接上下一行的续字"
        self.levels.follow(line)
        name = indicator_table.line_name(line)
        levels = {"level1": self.levels.level1, "level2": self.levels.level2}
        if not name:
            if line.level1 or line.level2:
                return self._decide(Kind.GROUP, cells, fields=levels, why=line.how)
            return self._decide(Kind.IGNORED, cells, why="没有指标名称")
        if V.GOAL_STATEMENT.match(name) and not any(parse_number(x) is not None for x in (line.weight, line.score)):
            return self._decide(Kind.IGNORED, cells, why="表内写明的年度目标，不是指标")
        if V.OPTIONAL_NOTE.search(WS.sub("", name)) and not any(
                x and not is_empty_mark(x) for x in (line.target, line.actual, line.weight, line.score)):
            return self._decide(Kind.IGNORED, cells, why="模板中未选用的可选指标（没有填写任何数值），不是指标")
        p = self.current
        if indicator_table.is_budget_line(name, self.levels.level1):
            cols = self.ind.cols if self.ind else None
            p.put("budget_weight", parse_number(line.weight), PRIO_LINE, self._at("weight", cols, parse_number(line.weight)))
            p.put("budget_score", parse_number(line.score), PRIO_LINE, self._at("score", cols, parse_number(line.score)))
            p.put("execution_rate", parse_number(line.actual), PRIO_LINE, self._at("actual", cols, parse_number(line.actual)))
            if p.execution_rate_line is None:
                p.execution_rate_line = parse_number(line.actual)
                if p.execution_rate_line is not None:
                    p.field_locs["execution_rate_line"] = self._at("actual", cols, p.execution_rate_line)
            return self._decide(Kind.BUDGET_LINE, cells, why=line.how, fields={
                "level3": name, "execution_rate": line.actual, "weight": line.weight, "score": line.score})
        if len(name) == 1 and not any(parse_number(x) is not None for x in (line.weight, line.score, line.actual)):
            return self._decide(Kind.IGNORED, cells,    # a scan's fragment (指标2 split in two), no indicator
                                why="一个字的名称、没有数值：扫描件上的碎字（如“指标2”被拆开），不是指标")
        name, points = indicator_table.name_points(name, self.ind)    # 相关性（5分）: a 得分表 line's weight
        rec = IndicatorRec(
            level1=self.levels.level1, level2=self.levels.level2, level3=name,
            target=None if is_empty_mark(line.target) else line.target,
            actual=None if is_empty_mark(line.actual) else line.actual,
            weight=parse_number(line.weight) if points is None else points, score=parse_number(line.score),
            deviation_reason=None if is_empty_mark(line.deviation) else line.deviation,
            loc=self._here(self.ind.cols.get("score") if self.ind is not None else None),
            field_locs={role: self._at(role, self.ind.cols, parse_number(getattr(line, role)) if role in ("weight", "score") else None)
                        for role in ("target", "actual", "weight", "score") if self.ind is not None and role in self.ind.cols})
        p.sections[-1].append(rec)
        self._decide(Kind.INDICATOR, cells, why=line.how, fields={k: v for k, v in vars(rec).items() if v is not None and k not in ("loc", "field_locs")})

    def _lines_follow(self) -> bool:
        """Whether one of the next two rows of this table states a weight or a score where the header has them: a row
        of text between two lines is inside the table, not a heading below it (a scan's wrapped name, a stray mark). A
        run of single texts in this row's column counts as one row (a template's unused optional lines)."""
        cols = [self.ind.cols[r] for r in ("weight", "score") if self.ind is not None and r in self.ind.cols]
        here = next((i for i, c in enumerate(self._cells) if c), None)
        step = seen = 0
        while seen < 2 and step < TEXT_RUN_MAX:
            step += 1
            nxt = self._neighbour(step)
            if nxt is None:
                return False
            if any(c < len(nxt) and parse_number(nxt[c]) is not None for c in cols):
                return True
            texts = [i for i, c in enumerate(nxt) if c.strip()]
            if texts != [here]:    # a run of single texts in this one column (a template's unused optional lines,
                seen += 1          # 社会效益（可选项） | 生态效益（可选项） …) counts as one row
        return False

    def _name_rest(self, cells: list[str], text: str) -> None:
        """A row of one short text in the name column under a line of an OCR'd table: the rest of that line's name,
        which the table finder split off its wrapped cell (指标1工程完 | 工率); other text inside a table (a name left
        without figures in a typed form) is left out."""
        ocr = isinstance(self._block, Table) and self._block.conf is not None
        col = self.ind.cols.get("level3") if self.ind is not None else None
        last = self.current.sections[-1][-1] if self.current is not None and self.current.sections and \
            self.current.sections[-1] else None
        prev = self.decisions[-1] if self.decisions else None
        if ocr and last is not None and col is not None and col < len(cells) and cells[col] == text \
                and len(text) <= 12 and not HAS_DIGIT.search(text) and not V.OPTIONAL_NOTE.search(text) \
                and prev is not None and prev.kind is Kind.INDICATOR:
            last.level3 = f"{last.level3}{text}"
            return self._decide(Kind.INDICATOR, cells, why="上一行指标名称的续行（扫描件的单元格折行被拆成两行）",
                                fields={"level3": last.level3})
        return self._decide(Kind.IGNORED, cells, why="表内的零散文字（下面仍是指标行，表格未结束）")

    def _weights_only(self, figure: float, cells: list[str]) -> bool:
        """Whether the one figure of a total row is the weights' total, not a score: no line of the project (nor
        its budget line) states a score and the figure is 100 or what the weights add up to; or it is what they add
        up to and the cell after it, where the score would stand, is empty (合计 | 100 | | …: the total left out)."""
        p = self.current
        lines = [i for sec in p.sections for i in sec]
        if not lines:
            return False
        weights = sum(i.weight or 0 for i in lines) + (p.budget_weight or 0)
        if p.budget_score is None and all(i.score is None for i in lines):
            return figure == 100 or abs(figure - weights) < 1e-9
        at = [j for j, c in enumerate(cells) if c and parse_number(c) == figure]
        roles = self.ind.after_level3 if self.ind is not None else []
        return abs(figure - weights) < 1e-9 and len(at) == 1 and at[0] + 1 < len(cells) and not cells[at[0] + 1] \
            and "weight" in roles and roles[roles.index("weight") + 1:roles.index("weight") + 2] == ["score"]

    def _cut_labels(self, cells: list[str]) -> dict[int, str]:
        """The rest of level labels the next row holds (see indicator_table.cut_labels), by column; they are taken
        from that row, which is then read in the joined groups."""
        if self.ind is None or (below := self._neighbour(1)) is None:
            return {}
        if "seq" in self.ind.roles:
            below = indicator_table.without_seq(below, self.ind)
        cols = indicator_table.cut_labels(cells, below, self.ind)
        if cols:
            self._taken[(self._where[0], self._row + 1)] = cols
        return {i: below[i] for i in cols}

    def _neighbour(self, step: int) -> list[str] | None:
        """The row `step` rows from the one being read in its table (1: the next), cleaned; None past its ends."""
        k = self._row + step
        if not isinstance(self._block, Table) or not 0 <= k < len(self._block.rows):
            return None
        return _cleaned(self._block.rows[k])

    def _header_cut(self, cells: list[str], cols: dict[str, int]) -> tuple[list[str], dict[str, int]]:
        """A budget header whose words a page break or a ruling cut over two rows (全年执行 | 数, 执行 | 率): the row under
        it (or over it) holds only words, none a figure, and read on into it (or from it) the header names more
        columns; that row's words are taken into the header (a row under it is then empty)."""
        for step in (1, -1):
            other = self._neighbour(step)
            used = [i for i, b in enumerate(other or []) if b]
            if not used or any(parse_number(other[i]) is not None or HAS_DIGIT.search(other[i]) for i in used) or \
                    (step == 1 and any(i >= len(cells) or not cells[i] for i in used)):
                continue
            other += [""] * (len(cells) - len(other))
            joined = [c + other[i] if step == 1 else other[i] + c for i, c in enumerate(cells)] + other[len(cells):]
            more = budget.read_header(joined)
            if more and len(more) > len(cols):
                if step == 1:
                    self._taken[(self._where[0], self._row + 1)] = used
                return joined, more
        return cells, cols

    def _unit_below(self, cells: list[str]) -> str | None:
        """The unit the budget block's label states left of its amounts in the total row `cells`, read on into the row
        under it: a label merged over the block's rows, printed without rulings, falls in pieces beside them
        (项目 | 资金(万元); (万元) under 项目资金; (万 | 元))."""
        if not self.budget_cols or (below := self._neighbour(1)) is None:
            return None
        first = min(self.budget_cols.values())
        below = below[:first]
        joined = [a + b for a, b in zip(cells[:first], below + [""] * first) if a or b]
        return next((u for c in joined if (u := budget.unit_note(c) or budget.unit_in_cell(c))), None)

    def _budget_total_row(self, cells: list[str]) -> None:
        got = budget.read_total_units(cells, self.budget_cols)
        if got is None and self.decisions and self.decisions[-1].kind is Kind.BUDGET_HEADER:
            got = budget.read_unlabelled(cells, self.budget_cols)      # the one row of figures under the header
        if got is None:
            return self._decide(Kind.IGNORED, cells, why="预算表中的非合计行（只读合计/总额行）")
        self.budget_unit = self.budget_unit or self._unit_below(cells)
        target = self._holder
        values = {n: v for n, (v, _) in got.items()}
        # an amount in the unit its cell states (88万元), else in the table's
        read = {n: budget.to_wanyuan(v, own or self.budget_unit) if n in V.BUDGET_AMOUNTS else v
                for n, (v, own) in got.items()}
        for name, v in read.items():
            target.put(name, v, PRIO_TABLE, self._at(name, self.budget_cols, values[name]))   # the cell as printed
        if self.budget_points is not None and read.get("budget_weight") is None:    # no 分值 figure: the title's points
            target.put("budget_weight", self.budget_points, PRIO_TABLE)
            read["budget_weight"] = self.budget_points
        stated = budget.amounts_unit(self.budget_unit, ((n, own) for n, (_, own) in got.items()))
        if stated:
            target.amount_unit = target.amount_unit or stated
        self.state = State.BUDGET_PARTS
        self.total_at = budget.total_shift(cells, self.budget_cols)
        self._decide(Kind.BUDGET_TOTAL, cells, fields=read, why=_unit_why(self.budget_unit))

    def _budget_part_row(self, cells: list[str]) -> bool:
        """A row of the budget block naming one part of its total (其中：本年财政拨款, 上年结转资金, 其他资金): its
        amounts kept with the project's parts (in 万元; the first part row stating an amount is where the parts'
        sum points). False for another row."""
        got = budget.read_parts(cells, self.budget_cols, self.total_at if self.state is State.BUDGET_PARTS else None)
        if got is None:
            return False
        target = self._holder
        fields = {}
        for kind, label, figures in got:
            read = {n: budget.to_wanyuan(v, own or self.budget_unit) for n, (v, own) in figures.items()}
            target.budget_parts.append((kind, label, read))
            for name in read:
                if f"parts_{name}" not in target.field_locs:
                    target.field_locs[f"parts_{name}"] = self._at(name, self.budget_cols, figures[name][0])
            fields = {**fields, "part": "、".join(x for x in (fields.get("part"), label) if x), **read}
        self._decide(Kind.BUDGET_PART, cells, fields=fields, why=_unit_why(self.budget_unit))
        return True

    # ---- paragraphs ----------------------------------------------------------------------
    def paragraph(self, text: str) -> None:
        t = text.strip()
        self.heading_year = statements.heading_year(t) or self.heading_year
        unit = budget.unit_note(t) if len(t) <= 40 else None
        if unit:
            self.next_unit = unit                   # a note above a table: its amounts are in this unit
            return self._decide(Kind.MONEY_UNIT, [t], fields={"unit": unit}, why=_unit_why(unit) or "金额单位为万元")
        fields = statements.paragraph_fields(t)
        split = None if fields else self._split_label(t)
        fields = fields or ([split] if split else [])
        why = f"标签分在值的上下两行（{self._lines[0]}|{t}）" if split else None
        self._lines = (self._lines + [t])[-2:]
        for kind, value in fields:
            if kind == "project":
                self._start_project(value)
                self._decide(Kind.PROJECT, [t], fields={"project_name": value}, why=why)
            else:
                self.labelled_agency = self.labelled_agency or value
                if self.current is not None and self.current.agency is None:
                    self.current.agency = self.labelled_agency
                self._decide(Kind.AGENCY, [t], fields={"agency": value}, why=why)
        c = clean_text(t)
        if statements.agency_like(c):
            self.agencies[c] += 1
        if self.state is State.SUMMARY:
            s = self.summaries[-1]
            notes, over = summary_table.read_note(t, s.get("notes"))
            if notes != s.get("notes"):
                s["notes"] = notes
                self._decide(Kind.SUMMARY_NOTE, [t])
            if over:
                self.state = State.OUTSIDE

    def _split_label(self, t: str) -> tuple[str, str] | None:
        """A label printed in two lines with its value centred between them, read as three paragraphs (项目 |
        全民健身活动经费 | 名称: a table's first row alone at a page's foot, printed without rulings): the field of the
        label the first and this one make, with the value between; None when either part or the value is a label."""
        if len(self._lines) < 2 or len(t) > 4 or len(self._lines[0]) > 4:
            return None
        head, value = self._lines
        if any(statements.paragraph_field(f"{x}：…") for x in (head, t, value)) or \
                statements.paragraph_field(value) or key_value.read_pairs_units([value, "1"]):
            return None
        return statements.paragraph_field(f"{clean_text(head)}{clean_text(t)}：{value}")

    # ---- document ------------------------------------------------------------------------
    def run(self) -> Extraction:
        n_table = n_para = 0
        for block in self.doc.blocks:
            if isinstance(block, Table):
                self._block = block
                self._lines = []
                self.table_unit, self.next_unit = self.next_unit, None
                for i, r in enumerate(block.rows):
                    self._where = (n_table, i)
                    self._row = i
                    self.row(r)
                n_table += 1
            elif isinstance(block, Paragraph):
                self._where = (None, n_para)
                self._block = block
                self.paragraph(block.text)
                n_para += 1
        self._close_project()
        return self._extraction()

    def _extraction(self) -> Extraction:
        """Decide the document-level fields and policies: agency, year, overall result (a single
        project takes the document's), the 部门决算 paragraph when no project table was found."""
        doc = self.doc
        text = doc.text()
        all_text = text + "\n" + "\n".join(" ".join(r) for t in doc.tables() for r in t.rows)
        score, grade, raw = statements.overall_from_text(text)
        if self.overall_score is not None:
            score = self.overall_score
        if self.overall_grade[0] is not None:
            grade, raw = self.overall_grade
        parts = statements.narrative_parts(doc.paragraphs())
        rep = ReportFields(
            agency=self.labelled_agency or (self.agencies.most_common(1)[0][0] if self.agencies else None),
            fiscal_year=statements.fiscal_year(all_text),
            stated_overall_score=score, stated_overall_grade=grade, stated_overall_grade_raw=raw,
            narrative_score=round(sum(p["score"] for p in parts), 4) if len(parts) >= 2 else None,
            narrative_parts=parts if len(parts) >= 2 else None,
            doc_date=statements.doc_date(doc), version_mark=statements.version_mark(doc))
        department = statements.mentions_department(text)
        stated = [({k: s.get(k) for k in SUMMARY_FIELDS}, loc) for s, loc in zip(self.summaries, self.summary_locs)]
        stated = [(s, loc) for s, loc in stated if any(v is not None for v in s.values())]
        summaries, locs = [s for s, _ in stated], [loc for _, loc in stated]
        dept = statements.dept_summary(doc) if not self.projects else None
        if dept:
            summaries.append({k: dept.get(k) for k in SUMMARY_FIELDS})
            paras = list(doc.paragraphs())     # the anchor may wrap onto the next line
            locs.append(next((p.loc() for p, q in zip(paras, paras[1:] + [None])
                              if V.DEPT_ANCHOR.search(statements.labels(p.text + (q.text if q else "")))), None))
            rep.agency = dept.get("agency") or rep.agency
            rep.fiscal_year = dept.get("fiscal_year") or rep.fiscal_year
            department = True
        if len(self.projects) == 1:        # the document's result and name are its one project's
            p = self.projects[0]
            p.put("total_score", rep.stated_overall_score, PRIO_TEXT,
                  self.overall_at if self.overall_score is not None else None)
            if p.grade is None and rep.stated_overall_grade:
                p.grade, p.grade_raw = rep.stated_overall_grade, rep.stated_overall_grade_raw
                if self.overall_grade[0] is not None and self.overall_grade_at is not None:
                    p.field_locs["grade"] = self.overall_grade_at
            p.project_name = p.project_name or statements.project_name_hint(all_text)
        whole = bool(V.WHOLE_DEPARTMENT_TITLE.search(statements.labels(all_text[:2000])))
        for p in self.projects:
            p.agency = p.agency or rep.agency
            if whole and not p.project_name:       # 部门整体支出绩效自评表: the department's table, named so
                p.project_name, p.scope = V.WHOLE_DEPARTMENT_NAME, "department"
        if len({p.fiscal_year for p in self.projects} - {None}) < 2:
            for p in self.projects:         # one year stated over the tables (or none): the document's year is theirs
                p.fiscal_year = None
        rep.doc_kind = doc_kind(department, len(self.projects), bool(summaries))
        return Extraction(report=rep, projects=self.projects, summaries=summaries, decisions=self.decisions,
                          summary_locs=locs)


def _cleaned(raw: list[str]) -> list[str]:
    return key_value.split_labelled([clean_text(c) or "" for c in key_value.split_label_runs(raw)])


def _unit_why(unit: str | None) -> str | None:
    """What `evalkit inspect` says of a money unit other than the contract's 万元."""
    return f"金额单位为{unit}，已折算为万元" if unit and unit != "万元" else None


def near_header(cells: list[str]) -> tuple[dict[int, str], str] | None:
    """(roles found, what is missing) for a row that names some header words but too few to be a
    header: what `evalkit inspect` shows so the missing words can be added to the vocabulary."""
    filled = [c for c in cells if c]
    if len(filled) < 3 or any(parse_number(c) is not None for c in filled):
        return None
    roles = {i: r for i, r in enumerate(indicator_table.header_roles(cells)) if r and r != "ignore"}
    if roles:
        found = set(roles.values())
        missing = []
        if not V.NAME_ROLES & found:
            missing.append("指标名称列（三级指标、指标名称等）")
        if len(V.VALUE_ROLES & found) < 2:
            missing.append(f"第二个数值列（目标值/实际值/权重/得分，只认出 {len(V.VALUE_ROLES & found)} 个）")
        return roles, "像指标表表头，但缺少" + "、".join(missing)
    roles = {i: r for i, r in enumerate(budget.header_roles(cells)) if r in V.BUDGET_AMOUNTS}
    if roles:
        return roles, f"像预算表表头，但只认出 {len(roles)} 个金额列（年初预算、全年预算、执行数中至少要两个）"
    return None


def doc_kind(mentions_department: bool, n_projects: int, has_summary: bool) -> str:
    """project_report (one project), department_report (决算/部门整体), project_tables (a bundle)."""
    if mentions_department:
        return "department_report"
    if n_projects >= 2 or (has_summary and n_projects != 1):
        return "project_tables"
    if n_projects == 0 and has_summary:
        return "department_report"
    return "project_report"


def recognize(doc: Document) -> Extraction:
    """Everything the document states that the contract has a place for."""
    return Walker(doc).run()
