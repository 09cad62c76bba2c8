"""Budget blocks: a header of amounts (年初预算 | 全年预算 | 全年执行 …) and the total row below it."""
from __future__ import annotations

from evalkit.normalize import is_empty_mark, parse_amount, parse_number, wanyuan_per
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
    roles = V.in_template_order(cells, V.near_in_header(cells, roles, V.BUDGET_HEADER), V.BUDGET_TEMPLATE)
    cols: dict[str, int] = {}
    for i, r in enumerate(roles):
        if r:
            cols.setdefault(r, i)
    return cols


def unit_in_cell(cell: str | None) -> str | None:
    """The money unit a header or label cell states in brackets (年初预算数（元） -> 元), else None."""
    if not cell or "元" not in cell:
        return None
    m = V.MONEY_UNIT_IN_CELL.search(cell)
    return m.group(1) if m else None


def unit_note(text: str | None) -> str | None:
    """The money unit a note states (单位：元, 金额单位：万元), or a section label with its unit
    (资金情况（元）); None for anything else."""
    if not text or "元" not in text:
        return None
    t = "".join(text.split())
    m = V.MONEY_UNIT_NOTE.match(t) or V.MONEY_SECTION.search(t)
    return m.group(m.lastindex) if m else None


def header_unit(cells: list[str], cols: dict[str, int]) -> str | None:
    """The unit a budget header states: in an amount column's cell first, else in any cell of the row
    (资金情况(元), or a note cell 单位：元)."""
    for role in ("budget_full_year", "executed", "budget_initial"):
        if role in cols and (u := unit_in_cell(cells[cols[role]])):
            return u
    return next((u for c in cells if (u := unit_in_cell(c) or unit_note(c))), None)


def to_wanyuan(value: float | None, unit: str | None) -> float | None:
    """An amount stated in `unit` as 万元, the contract's unit (exact in decimal: 360000 元 -> 36.0)."""
    if value is None or unit in (None, "万元"):
        return value
    from decimal import Decimal
    return float(Decimal(str(value)) * wanyuan_per(unit))


def figure(name: str, cell: str | None) -> tuple[float | None, str | None]:
    """A budget figure as written and the money unit its cell states (88万元, ¥1,000: amounts only; None: the
    table's unit applies); a rate or score has no unit of money."""
    if name in V.BUDGET_AMOUNTS:
        return parse_amount(cell)
    return parse_number(cell), None


def amounts_unit(unit: str | None, figures) -> str | None:
    """The unit a row's amounts were stated in: `unit` (the table's or its label's), else the one an amount's cell
    states (88万元); None when the row states no amount. `figures`: (role, the unit its cell states) pairs."""
    amounts = [own for name, own in figures if name in V.BUDGET_AMOUNTS]
    return (unit or next((own for own in amounts if own), None)) if amounts else None


def read_total_units(cells: list[str], cols: dict[str, int]) -> dict[str, tuple[float | None, str | None]] | None:
    """The figures of the block's total row (合计 | …) with the unit each cell states (`figure`), or None for
    another row."""
    idx = next((i for i, c in enumerate(cells) if V.BUDGET_TOTAL_LABEL.match(V.key(c))), None)
    if idx is None:         # the label printed on over the empty cell beside it, split there (年度资金总 | 额 | | 156)
        idx = next((i for i in range(len(cells) - 1) if cells[i] and cells[i + 1] and parse_number(cells[i + 1]) is None
                    and V.BUDGET_TOTAL_LABEL.match(V.key(cells[i] + cells[i + 1]))), None)
        if idx is None:
            return None
        cells = cells[:idx] + [cells[idx] + cells[idx + 1], ""] + cells[idx + 2:]
    out: dict[str, tuple[float | None, str | None]] = {}
    order = sorted(cols, key=cols.get)
    values = [c for c in cells[idx + 1:] if c]
    if len(values) == len(order):           # every column filled: read in the header's order
        for name, v in zip(order, values):
            out[name] = (None, None) if is_empty_mark(v) else figure(name, v)
    else:                                   # gaps: read by position, aligned on the label
        first = min(cols.values())
        offset = (idx + 1) - first if idx + 1 > first else 0
        for name, col in cols.items():
            j = col + offset
            if j < len(cells) and not is_empty_mark(cells[j]):
                out[name] = figure(name, cells[j])
    return out


def read_total(cells: list[str], cols: dict[str, int]) -> dict[str, float | None] | None:
    """The figures of the block's total row as written (without the units their cells may state)."""
    got = read_total_units(cells, cols)
    return None if got is None else {name: v for name, (v, _) in got.items()}
