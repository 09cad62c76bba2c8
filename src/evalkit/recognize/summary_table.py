"""Summary tables (绩效自评情况汇总表): columns 应评价 | 已评价, rows of counts, amounts and grades."""
from __future__ import annotations

from evalkit import grades
from evalkit.normalize import normalize_grade, parse_amount, parse_number
from evalkit.recognize import budget
from evalkit.recognize import vocabulary as V


def read_header(cells: list[str]) -> tuple[int, int] | None:
    """(due column, done column) of a summary header, or None."""
    due = next((i for i, c in enumerate(cells) if V.SUMMARY_DUE.match(V.key(c))), None)
    done = next((i for i, c in enumerate(cells) if V.SUMMARY_DONE.match(V.key(c))), None)
    return (due, done) if due is not None and done is not None else None


def read_row(cells: list[str], header: tuple[int, int], unit: str | None = None) -> dict:
    """The summaries fields one row states (empty for a row it does not know); funds in 万元, converted from
    the unit the row's label states (资金总量（元）), else `unit` (a note over the table)."""
    filled = [c for c in cells if c]
    due, done = header
    pick = lambda col: parse_number(cells[col]) if col < len(cells) else None  # noqa: E731
    label = V.key(filled[0])
    if V.SUMMARY_PROJECTS.search(label):
        return {"projects_due": pick(due), "projects_evaluated": pick(done)}
    if V.SUMMARY_FUNDS.search(label):
        u = budget.unit_in_cell(filled[0]) or unit

        def funds(col):                     # in the unit its cell states (1,200万元), else the row's or table's
            v, own = parse_amount(cells[col]) if col < len(cells) else (None, None)
            return budget.to_wanyuan(v, own or u)
        return {"funds_due": funds(due), "funds_evaluated": funds(done)}
    grade_idx = [i for i, c in enumerate(cells) if V.GRADE_CELL.match(c)]
    if grade_idx:
        g, _ = normalize_grade(V.GRADE_CELL.match(cells[grade_idx[-1]]).group(1))
        vals = [v for v in (parse_number(c) for c in cells[grade_idx[-1] + 1:]) if v is not None]
        return {grades.COUNT_COLUMNS[g]: vals[0] if vals else None}
    if V.SUMMARY_AVG.match(label):
        vals = [v for v in (parse_number(c) for c in filled[1:]) if v is not None]
        return {"avg_score": vals[-1] if vals else None}
    return {}


def read_note(text: str, notes: str | None) -> tuple[str | None, bool]:
    """(notes, table over): a 说明 paragraph below the table and its numbered items are its notes;
    any other paragraph after them ends the table."""
    if V.SUMMARY_NOTE.match(text) or (notes and V.SUMMARY_NOTE_MORE.match(text)):
        return "\n".join(x for x in (notes, text) if x), False
    return notes, bool(notes)
