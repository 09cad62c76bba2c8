"""Form rows: a label cell followed by its value (年初预算 | 120 | 全年预算 | 118)."""
from __future__ import annotations

import re

from evalkit.recognize import vocabulary as V


def read_pairs_units(cells: list[str], table=V.BUDGET_KV) -> list[tuple[str, float | None, str | None]]:
    """(role, value, unit) for each label of `table` in the row, its value the next filled cell that is
    not a row reference such as (1); the value is None when that cell is not a number; the unit is the money
    unit an amount's cell states (120万元), else None."""
    from evalkit.recognize.budget import figure
    cells = split_labelled(cells, table)
    out = []
    for i, c in enumerate(cells):
        name = V.role_of(c, table)
        if not name:
            continue
        for nxt in cells[i + 1:]:
            if not nxt or V.REF_CELL.match(nxt):
                continue
            out.append((name, *figure(name, nxt)))
            break
    return out


LABELLED = re.compile(r"^(.{2,24}?)[：:]\s*(\S.*)$", re.S)


def split_label_runs(cells: list[str]) -> list[str]:
    """A cell opening with a form label and holding more labels after spaces (填报单位（盖章）：某县财政局    填报人：李四
    联系电话：…, one merged cell under a form) as one cell per label, before its whitespace is taken out: the value
    then ends where the next label begins (read whole, the agency was 某县财政局填报人：李四联系电话：…)."""
    if not any(c and ("：" in c or ":" in c) for c in cells):
        return cells
    out: list[str] = []
    for c in cells:
        parts = V.NEXT_LABEL.split(c.strip()) if c and ("：" in c or ":" in c) else []
        first = LABELLED.match(parts[0]) if len(parts) > 1 else None
        if first and V.is_form_label(first.group(1)) and all(LABELLED.match(x) for x in parts[1:]):
            out += parts
        else:
            out.append(c)
    return out


def split_labelled(cells: list[str], table=V.BUDGET_KV) -> list[str]:
    """A cell holding its label and its value (年初预算数（万元）：120, 项目名称：…, 总分：83分) as the two cells a form
    usually gives them, for a label of `table` or a form label (V.is_form_label); the value takes the place of an
    empty cell after it, so that the cells right of it keep their columns."""
    if not any(c and ("：" in c or ":" in c) for c in cells):
        return cells
    out: list[str] = []
    skip = False
    for c in cells:
        if skip and not c:
            skip = False
            continue
        skip = False
        m = LABELLED.match(c.strip()) if c and ("：" in c or ":" in c) else None
        if m and (V.role_of(m.group(1), table) or V.is_form_label(m.group(1))):
            out += [m.group(1), m.group(2).strip()]
            skip = True
        else:
            out.append(c)
    return out


def read_pairs(cells: list[str], table=V.BUDGET_KV) -> list[tuple[str, float | None]]:
    """(role, value as written) for each label of `table` in the row (`read_pairs_units` without the units)."""
    return [(name, v) for name, v, _ in read_pairs_units(cells, table)]


def labelled_value(cells: list[str], label) -> str | None:
    """The first filled cell after a cell matching `label` (a pattern on the cell's words), unless
    that cell is itself such a label."""
    for i, c in enumerate(cells):
        if label.match(V.key(c)):
            rest = [x for x in cells[i + 1:] if x]
            if rest and not label.match(V.key(rest[0])):
                return rest[0]
    return None
