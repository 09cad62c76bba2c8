"""Form rows: a label cell followed by its value (年初预算 | 120 | 全年预算 | 118)."""
from __future__ import annotations

from evalkit.normalize import parse_number
from evalkit.recognize import vocabulary as V


def read_pairs(cells: list[str], table=V.BUDGET_KV) -> list[tuple[str, float | None]]:
    """(role, value) for each label of `table` in the row, its value the next filled cell that is
    not a row reference such as (1); the value is None when that cell is not a number."""
    out = []
    for i, c in enumerate(cells):
        name = V.role_of(c, table)
        if not name:
            continue
        for nxt in cells[i + 1:]:
            if not nxt or V.REF_CELL.match(nxt):
                continue
            out.append((name, parse_number(nxt)))
            break
    return out


def labelled_value(cells: list[str], label) -> str | None:
    """The first filled cell after a cell matching `label` (a pattern on the cell's words), unless
    that cell is itself such a label."""
    for i, c in enumerate(cells):
        if label.match(V.key(c)):
            rest = [x for x in cells[i + 1:] if x]
            if rest and not label.match(V.key(rest[0])):
                return rest[0]
    return None
