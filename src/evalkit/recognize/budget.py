"""Budget blocks: a header of amounts (年初预算 | 全年预算 | 全年执行 …), the total row below it and the rows under
the total naming its parts (其中：本年财政拨款 | 上年结转资金 | 其他资金)."""
from __future__ import annotations

import re
from decimal import Decimal

from evalkit.normalize import WS, drop_parenthetical, is_empty_mark, parse_amount, parse_number, wanyuan_per
from evalkit.recognize import vocabulary as V


BLOCK_TITLE = re.compile(r"^年度预算数?$")
ACCOUNTS = "决算"     # a 部门决算's 决算数 is a character from 预算数 and no column of a self-evaluation's budget block


def header_roles(cells: list[str]) -> list[str | None]:
    """The budget role each header cell names (None for other words): its words first, a word a character from one
    only for a role no word of the row names (never a 决算 word), and 年度预算数 beside 年初预算 or 调整后预算数 the
    block's title, no column (四川: before, it took the role of 年初预算数, a character from it, and the total row's
    figures shifted)."""
    exact = [V.role_of(c, V.BUDGET_HEADER, near=False) for c in cells]
    taken = set(exact)
    roles = [r if r is not None or ACCOUNTS in c else (n if (n := V.role_of(c, V.BUDGET_HEADER)) not in taken else None)
             for c, r in zip(cells, exact)]
    titles = [i for i, c in enumerate(cells) if BLOCK_TITLE.match(drop_parenthetical(V.key(c)))]
    if titles and any(r in ("budget_initial", "budget_full_year") for i, r in enumerate(exact) if i not in titles):
        roles = [None if i in titles else r for i, r in enumerate(roles)]
    return roles


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


def title_points(cells: list[str], cols: dict[str, int]) -> float | None:
    """The points a budget header's title states (预算执行情况（万元）（20分） beside 预算数 | 执行数 | 执行率 | 得分, no 分值
    column): the block's weight; None where no cell outside its columns ends so."""
    taken = set(cols.values())
    for i, c in enumerate(cells):
        text = WS.sub("", c or "")
        if i not in taken and (m := V.POINTS_NOTE.search(text)) and m.start() > 0:
            return parse_number(m.group(1))
    return None


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


def _is_total(cell: str) -> bool:
    return bool(V.BUDGET_TOTAL_LABEL.match(V.key(cell)))


def _label_at(cells: list[str], is_label) -> tuple[int, list[str]] | None:
    """(index of the row's label, the cells with a label split over two cells joined), or None."""
    idx = next((i for i, c in enumerate(cells) if c and is_label(c)), None)
    if idx is None:         # the label printed on over the empty cell beside it, split there (年度资金总 | 额 | | 156)
        idx = next((i for i in range(len(cells) - 1) if cells[i] and cells[i + 1] and parse_number(cells[i + 1]) is None
                    and is_label(cells[i] + cells[i + 1])), None)
        if idx is None:
            return None
        cells = cells[:idx] + [cells[idx] + cells[idx + 1], ""] + cells[idx + 2:]
    return idx, cells


def _shift(cells: list[str], cols: dict[str, int], idx: int) -> int | None:
    """How far right of the header's columns the row's figures stand: None when every column is filled (read in
    the header's order wherever the cells are), else aligned on the label (never left of the header's)."""
    values = [c for c in cells[idx + 1:] if c]
    first = min(cols.values())
    shift = (idx + 1) - first if idx + 1 > first else 0
    if len(values) == len(cols) and _strays(cells, cols, idx, shift):
        return None
    return shift


def _unplaced(cells: list[str], cols: dict[str, int], idx: int, shift: int) -> tuple[list[int], list[int]]:
    """The columns right of the label whose figure stands under no column of the header (read by position with
    `shift`): (strays, rates). A percentage there where the header names no rate is the rate (a seal made its header
    cell unreadable); any other is a stray."""
    under = {col + shift for col in cols.values()}
    rate_free = "execution_rate" not in cols
    strays, rates = [], []
    for j in range(idx + 1, len(cells)):
        if cells[j] and j not in under and not is_empty_mark(cells[j]):
            (rates if rate_free and cells[j].rstrip().endswith("%") else strays).append(j)
    return strays, rates


def _strays(cells: list[str], cols: dict[str, int], idx: int, shift: int) -> list[int]:
    """The figures standing under no column of the header: a row of as many figures as the header has columns is
    read in the header's order only when there are some (before, a seal over 执行率 or a title over the amounts left
    one column unnamed and the figures standing under their words were read one column off)."""
    return _unplaced(cells, cols, idx, shift)[0]


def read_total_units(cells: list[str], cols: dict[str, int], is_label=_is_total,
                     shift: int | None = None) -> dict[str, tuple[float | None, str | None]] | None:
    """The figures of the block's total row (合计 | …; or the row whose label `is_label`) with the unit each cell
    states (`figure`), or None for another row. `shift`: the cells stand that far right of the header's columns
    (a part row read as its total was); else see `_shift`."""
    found = _label_at(cells, is_label)
    if found is None:
        return None
    idx, cells = found
    out: dict[str, tuple[float | None, str | None]] = {}
    if shift is None and (shift := _shift(cells, cols, idx)) is None:   # every column filled: the header's order
        order = sorted(cols, key=cols.get)
        for name, v in zip(order, [c for c in cells[idx + 1:] if c]):
            out[name] = (None, None) if is_empty_mark(v) else figure(name, v)
        return out
    for name, col in cols.items():          # gaps: read by position
        j = col + shift
        if 0 <= j < len(cells) and j > idx and not is_empty_mark(cells[j]):
            out[name] = figure(name, cells[j])
    rates = _unplaced(cells, cols, idx, shift)[1]       # the rate under a header cell a seal made unreadable
    if len(rates) == 1 and parse_number(cells[rates[0]]) is not None:
        out["execution_rate"] = figure("execution_rate", cells[rates[0]])
    return out


def read_unlabelled(cells: list[str], cols: dict[str, int]) -> dict[str, tuple[float | None, str | None]] | None:
    """The figures of a row without a label under a header of one row of figures (湖北 广水: 项目资金来源 | 中央 | … |
    合计 | 执行数 | 执行率 over | | 5.5 | | 5.5 | 5.5 | 100%): read where the header says, or None where a cell holds
    text or no amount stands under the header's amount columns."""
    if any(c and parse_number(c) is None and not is_empty_mark(c) for c in cells):
        return None
    out = {name: figure(name, cells[col]) for name, col in cols.items()
           if col < len(cells) and cells[col] and not is_empty_mark(cells[col])}
    return out if any(out.get(n, (None,))[0] is not None for n in V.BUDGET_AMOUNTS) else None


def total_shift(cells: list[str], cols: dict[str, int]) -> tuple[int, int] | None:
    """(label index, shift) a total row's figures were read at: the part rows under it stand as it does (their
    marks — and / leave gaps a total fills). With every column filled the shift is where its first figure
    stands; None for another row, or a filled row whose figures are not side by side."""
    found = _label_at(cells, _is_total)
    if found is None:
        return None
    idx, cells = found
    shift = _shift(cells, cols, idx)
    if shift is None:
        at = [j for j in range(idx + 1, len(cells)) if cells[j]]
        if not at or at != list(range(at[0], at[0] + len(at))):
            return None
        order = sorted(cols.values())
        if order != list(range(order[0], order[0] + len(order))):
            return None
        shift = at[0] - order[0]
    return idx, shift


def read_total(cells: list[str], cols: dict[str, int]) -> dict[str, float | None] | None:
    """The figures of the block's total row as written (without the units their cells may state)."""
    got = read_total_units(cells, cols)
    return None if got is None else {name: v for name, (v, _) in got.items()}


def read_part(cells: list[str], cols: dict[str, int], total_at: tuple[int, int] | None = None
              ) -> tuple[str, str, dict[str, tuple[float | None, str | None]]] | None:
    """(kind, label, amounts with their cells' units) of a row under the total that names one of its parts
    (其中：本年财政拨款 | 90 | 89.974), else None. Only amounts: a part's 分值 and 得分 cells hold — or /.
    `total_at`: the total row's (label index, shift) (`total_shift`): a part row stands as its total does."""
    found = next(((c, part) for c in cells if c and (part := V.budget_part(c))), None)
    if found is None:
        return None
    label, part = found
    shift = None
    if total_at is not None:
        shift = total_at[1] + cells.index(label) - total_at[0]
    got = read_total_units(cells, cols, lambda c: c == label, shift) or {}
    return part[0], part[1], {r: v for r, v in got.items() if r in V.BUDGET_AMOUNTS and v[0] is not None}


def read_parts(cells: list[str], cols: dict[str, int], total_at: tuple[int, int] | None = None) -> list | None:
    """The parts a row names (`read_part`); several when a row holds only part labels (上年结转资金 | 其他资金: empty
    rows a text export ran together), each then without figures. None for another row."""
    one = read_part(cells, cols, total_at)
    if one is None:
        return None
    filled = [c for c in cells if c]
    labels = [p for c in filled if (p := V.budget_part(c))]
    if len(labels) > 1 and len(labels) == len(filled):
        return [(kind, label, {}) for kind, label in labels]
    return [one]


def part_sums(parts: list[tuple[str, str, dict[str, float | None]]]) -> dict[str, float] | None:
    """Each amount summed over the parts that make the total (a 中央资金 row within 财政拨款 only where no 财政拨款 row
    stands), exact in decimal; None where the rows do not say how they add up (a kind twice, 中央 and 一般公共预算
    rows both without their 财政拨款). An amount no part states is left out."""
    kinds, labels = [k for k, _, _ in parts], [lab for _, lab, _ in parts]
    within = V.BUDGET_PART_WITHIN
    if len(set(labels)) < len(labels) or any(kinds.count(k) > 1 for k in set(kinds) - set(within)) or \
            (len({k for k in kinds if k in within}) > 1 and not set(within.values()) & set(kinds)):
        return None
    used = [fig for k, _, fig in parts if k not in within or within[k] not in kinds]
    out: dict[str, float] = {}
    for role in sorted(V.BUDGET_AMOUNTS):
        vals = [f[role] for f in used if f.get(role) is not None]
        if vals:
            out[role] = float(sum((Decimal(str(v)) for v in vals), Decimal(0)))
    return out
