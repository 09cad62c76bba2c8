"""Budget blocks: a header of amounts (年初预算 | 全年预算 | 全年执行 …) and the total row below it."""
from __future__ import annotations

from evalkit.normalize import is_empty_mark, parse_number
from evalkit.recognize import vocabulary as V


def header_roles(cells: list[str]) -> list[str | None]:
    """The budget role each header cell names (None for other words)."""
    return [V.role_of(c, V.BUDGET_HEADER) for c in cells]


def is_header(roles: list[str | None]) -> bool:
    """Two of the three amounts make a budget header."""
    return len(V.BUDGET_AMOUNTS & set(roles)) >= 2


def read_header(cells: list[str]) -> dict[str, int] | None:
    """role -> column of a budget header, or None (a header states no figures; label-value rows do)."""
    if any(parse_number(c) is not None for c in cells if c):   # first: cheaper than the vocabulary lookups
        return None
    roles = header_roles(cells)
    if not is_header(roles):
        return None
    cols: dict[str, int] = {}
    for i, r in enumerate(roles):
        if r:
            cols.setdefault(r, i)
    return cols


def read_total(cells: list[str], cols: dict[str, int]) -> dict[str, float | None] | None:
    """The figures of the block's total row (合计 | …), or None for another row."""
    idx = next((i for i, c in enumerate(cells) if V.BUDGET_TOTAL_LABEL.match(V.key(c))), None)
    if idx is None:
        return None
    out: dict[str, float | None] = {}
    order = sorted(cols, key=cols.get)
    values = [c for c in cells[idx + 1:] if c]
    if len(values) == len(order):           # every column filled: read in the header's order
        for name, v in zip(order, values):
            out[name] = None if is_empty_mark(v) else parse_number(v)
    else:                                   # gaps: read by position, aligned on the label
        first = min(cols.values())
        offset = (idx + 1) - first if idx + 1 > first else 0
        for name, col in cols.items():
            j = col + offset
            if j < len(cells) and not is_empty_mark(cells[j]):
                out[name] = parse_number(cells[j])
    return out
