"""Indicator tables: the header says which column holds what; a line is read where the header says,
or by what its cells are when an export has shifted them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from evalkit.normalize import (ANNOTATION, OPERATORS, WS, is_empty_mark, is_overflow, parse_number, parse_operator,
                               strip_annotation, strip_list_prefix, strip_outline)
from evalkit.recognize import vocabulary as V


@dataclass
class Header:
    cols: dict[str, int]        # role -> column
    width: int
    roleless: set[int]          # columns whose header names no role: a filled one means a shifted row
    after_level3: list[str]     # roles of the columns right of the name, in order ('ignore' kept)
    roles: list[str | None]     # each column's role as the vocabulary reads it
    words: dict[int, str] = field(default_factory=dict)   # the roleless columns' header text (绩效指标)


@dataclass
class Line:
    """One row of an indicator table as read, before the levels carried from rows above are applied."""
    level1: str | None
    level2: str | None
    level3: str | None
    target: str | None
    actual: str | None
    weight: str | None
    score: str | None
    deviation: str | None
    how: str                    # 按位置 (where the header says) or 按内容 (cells shifted)


def _nums(cells: list[str]) -> list[float | None]:
    """The figures of a row in order; a figure shown as "####" keeps its place as None."""
    return [v for c in cells if (v := parse_number(c)) is not None or is_overflow(c)]


def header_roles(cells: list[str]) -> list[str | None]:
    """The role each header cell names (None for words the vocabulary does not know)."""
    return [V.role_of(c, V.INDICATOR_HEADER) for c in cells]


def is_header(roles: list[str | None]) -> bool:
    """A name column and at least two value columns make an indicator header; so do the three level columns and a
    score (a 得分表, whose labels state their points)."""
    present = set(roles)
    return bool(V.NAME_ROLES & present) and (len(V.VALUE_ROLES & present) >= 2
                                             or (V.LEVEL_ROLES <= present and "score" in present))


_last: tuple = (None, None)     # (the row last asked, its answer): one tuple, swapped whole (threads may share it)


def text_roles(cells: list[str]) -> list[str | None] | None:
    """header_roles of a row without figures, None for a row with one (a header states no figures); the answer for
    the row object last asked is kept, as the walker asks twice of each row (read_header, then may_head)."""
    global _last
    row, roles = _last
    if row is cells:
        return roles
    roles = None if any(parse_number(c) is not None for c in cells if c) else header_roles(cells)
    _last = (cells, roles)
    return roles


def read_header(cells: list[str]) -> Header | None:
    """The header of an indicator table, or None (a header states no figures)."""
    roles = text_roles(cells)      # first: most rows are lines with figures, and this spares their vocabulary lookups
    if roles is None or not is_header(roles):
        return None
    roles = V.near_in_header(cells, roles, V.INDICATOR_HEADER)    # 公值 beside 实际完成值 and 得分: 分值
    roles = _value_achieved(cells, roles)
    cols: dict[str, int] = {}
    for i, r in enumerate(roles):
        if r is None or r in ("ignore", "seq"):
            continue
        if r == "weight" and "weight" in cols and "level3" in cols and cols["weight"] < cols["level3"]:
            cols["weight"] = i          # group weights precede; the line's weight follows level 3
            continue
        cols.setdefault(r, i)
    roleless = {i for i, r in enumerate(roles) if r is None}
    name_col = cols.get("level3", cols.get("level2", -1))
    after = [r or "ignore" for r, c in zip(roles[name_col + 1:], cells[name_col + 1:]) if c]
    while after and after[-1] == "ignore":
        after.pop()
    return Header(cols=cols, width=len(cells), roleless=roleless, after_level3=after, roles=roles,
                  words={i: WS.sub("", cells[i]) for i in roleless if cells[i].strip()})


def _value_achieved(cells: list[str], roles: list[str | None]) -> list[str | None]:
    """The roles with a bare 指标值 right of a target column read as the value achieved, where no column names one;
    else a header's one data item (数据项1 beside 理由)."""
    if "actual" in roles or "target" not in roles:
        return roles
    first = roles.index("target")
    roles = [("actual" if r == "target" and i > first and V.ACHIEVED_AFTER_TARGET.match(V.key(cells[i]) or "") else r)
             for i, r in enumerate(roles)]
    items = [i for i, c in enumerate(cells) if V.DATA_ITEM.match(V.key(c) or "")]
    if "actual" not in roles and len(items) == 1:
        roles[items[0]] = "actual"
    return roles


def may_head(cells: list[str]) -> bool:
    """Whether a row could be part of a header: no figure, and a word of the indicator header's vocabulary."""
    roles = text_roles(cells)
    return roles is not None and any(r not in (None, "ignore", "seq") for r in roles)


def read_header_two_rows(top: list[str], below: list[str] | None) -> tuple[list[str], Header] | None:
    """A header printed over two rows, neither a header alone (绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 over
    一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位: 年度指标值 merged over the three cells under it):
    (the rows joined column by column, the lower row's word where it has one, the header they make), else None."""
    if not below or not may_head(top) or any(parse_number(c) is not None for c in below if c):
        return None
    down = set(header_roles(below)) - {None, "seq"}     # 'ignore' words count: 采集数据项 over 数据项1 | 数据项2
    if not down or is_header(list(down - {"ignore"})):
        return None
    h = read_header(joined := _join_header_rows(top, below))
    return (joined, h) if h is not None else None


def _join_header_rows(top: list[str], below: list[str]) -> list[str]:
    """Two header rows as one. A top row as wide as the grid (a text or PDF export: a merged cell's other columns
    empty) joins column by column, the lower row's word where it has one. A top row with fewer cells than the lower
    one (Word, HTML: a merged cell is one cell) stands over it at both ends, where the lower row's cells are empty (the
    top's cells merged down over it), and the lower row's words in between split the top's middle cells."""
    if len(top) >= len(below):
        below = below + [""] * (len(top) - len(below))
        return [b or a for a, b in zip(top, below)]
    lead = next((i for i, c in enumerate(below) if c), len(below))
    trail = next((i for i, c in enumerate(reversed(below)) if c), len(below))
    if lead + trail > len(top):
        return below
    return top[:lead] + below[lead:len(below) - trail] + (top[len(top) - trail:] if trail else [])


def header_note(cell: str) -> str | None:
    """Text a layout writes into the deviation column's header after its title (a table-wide reason)."""
    m = V.DEVIATION_TITLE.match(cell or "")
    rest = cell[m.end():].strip() if m else ""
    return rest or None


ROW_NUMBER = re.compile(r"[（(]?[0-9一二三四五六七八九十]{1,3}[)）.、．]?")


def without_seq(cells: list[str], h: Header) -> list[str]:
    """The row with its row number (a 1, (2), 三、 in the 序号 column) blanked: it is neither a label nor a figure;
    other text there (总分 merged over the row's first cells) stays."""
    if "seq" not in h.roles:
        return cells
    return ["" if i < len(h.roles) and h.roles[i] == "seq" and ROW_NUMBER.fullmatch(c.strip()) else c
            for i, c in enumerate(cells)]


LABEL_ROLES = (None, "level1", "level2", "level3")
# a target's comparison sign (the symbols among normalize.OPERATORS' spellings): no indicator's name starts so
COMPARED = re.compile(r"\s*[" + re.escape("".join(sorted({sp[0] for sp, _ in OPERATORS if not sp[0].isalpha()}))) + "]")


def read_line(cells: list[str], h: Header) -> Line:
    """A row below the header: by position when the labels sit where they belong, else by content; labels
    without their outline numbers (一、产出指标, （一）数量指标, 1.培训人数)."""
    cells = [strip_outline(c) if (h.roles[i] if i < len(h.roles) else None) in LABEL_ROLES else c
             for i, c in enumerate(without_seq(cells, h))]
    # the header's own label merged over the rows (绩效指标), printed again where a page break cut the cell, or
    # printed beside a row left of the level-1 column (centred on the block without rulings), or a line of it (绩效|指标)
    first = h.cols.get("level1", -1)
    # a group cell holding only its weight ((50分): the label printed as a picture or vertical text the export lost)
    groups = {h.cols[r] for r in ("level1", "level2") if r in h.cols}
    cells = ["" if (i in h.words and WS.sub("", c) == h.words[i]) or (i < first and V.block_label_part(c))
             or (i in groups and c[-1:] in ")）分" and strip_annotation(WS.sub("", c)) is None) else c
             for i, c in enumerate(cells)]
    return _positional(cells, h) or _by_content(cells, h)


SHIFTED_LABELS = 3     # columns: where a row narrower than its header holds its level labels, at most


def cut_labels(cells: list[str], below: list[str], h: Header) -> list[int]:
    """The level-label columns whose text goes on in the row below (满意度 over 指标, 服务对象满 over 意度指标): a label
    merged over two rows that a page break cut mid-word (LibreOffice's export of a web page) leaves its rest beside
    the next line, which read on its own named a group 指标. Taken only where the rest alone is no label and the
    parts joined make one of the column's level; in a row narrower than its header, in its first columns (a label
    wrapped in its cell, centred over two rows of a print without rulings: 服务对象满意 over 度指标). A cell holding only
    points (（30分）, the next group's label printed as a picture) is no label's rest."""
    either = lambda t: V.is_level1(t) or V.is_level2(t)  # noqa: E731
    where = [(h.cols[role], known) for role, known in (("level1", V.is_level1), ("level2", V.is_level2)) if role in h.cols]
    if len(cells) < h.width:      # a row narrower than its header (the block label's column not printed on this
        where += [(i, either) for i in range(SHIFTED_LABELS)]    # page, read by content): its labels lead
    out = []
    for i, known in where:
        if i >= min(len(cells), len(below)) or i in out:
            continue
        a, b = WS.sub("", cells[i]), WS.sub("", below[i])
        if a and b and not either(b) and parse_number(b) is None and strip_annotation(b) is not None and known(a + b):
            out.append(i)
    return sorted(out)


def _positional(cells: list[str], h: Header) -> Line | None:
    get = lambda role: cells[h.cols[role]] if role in h.cols and h.cols[role] < len(cells) else ""  # noqa: E731
    l1, l2, l3 = get("level1"), get("level2"), get("level3")
    if any(cells[i] for i in h.roleless if i < len(cells)) or len(cells) > h.width + 1:
        return None
    if l1 and not (V.is_level1(l1) or V.is_cut_level_label(l1) or _states_points(l1, h) or _group_points(l1)):
        return None
    if l2 and (parse_number(l2) is not None or strip_list_prefix(l2) != l2
               or not (V.is_level1(l2) or V.is_level2(l2) or (V.level_name(l2) or "").endswith("指标")
                       or V.is_cut_level_label(l2) or _states_points(l2, h) or _group_points(l2))):
        return None
    values = [get(r) for r in ("target", "actual", "weight", "score")]
    if not l3 and any(values):
        return None                  # figures without a name: the name sits in another column
    if l3 and l3.endswith("指标") and (V.is_level1(l3) or V.is_level2(l3)):
        return None
    if l3 and (parse_number(l3) is not None or COMPARED.match(l3)):
        return None                  # a value where the name belongs: the row's cells shifted (a cell lost)
    w, s = get("weight"), get("score")
    if any(v and parse_number(v) is None and not is_empty_mark(v) and not is_overflow(v) for v in (w, s)):
        return None
    target = get("target")
    if "op" in h.cols or "unit" in h.cols:
        op = get("op")
        op = "" if op.isdigit() else op      # a sign OCR read as a digit (﹦ as 1): unknown, not part of the value
        target = _with_unit(op, target, get("unit"))
    return Line(l1, l2, l3, target, get("actual"), w, s, get("deviation"), "按位置")


def _with_unit(op: str, target: str, unit: str) -> str:
    """A target with its sign and unit (≥ 95 %), the unit left off where the target states it already (40% under
    %) or is one of the answers it lists (是 under 是/否: a yes-or-no line's unit column names its answers)."""
    if unit and target and (target.endswith(unit) or target in WS.sub("", unit).split("/")):
        unit = ""
    return "".join(x for x in (op, target, unit) if x)


def _states_points(label: str, h: Header) -> bool:
    """A group label of a 得分表 (its header has no weight column): any words, its points after them (部门决策（25分）)."""
    return "weight" not in h.cols and bool(V.POINTS_NOTE.search(WS.sub("", label)))


GROUP_WORDS_MAX = 12      # glyphs: a group label's words (科学决策, 预决算信息公开); a longer text is a name


def _group_points(label: str) -> bool:
    """A level label the vocabulary does not know, stating its points after its words (科学决策（10分）, 绩效目标（10）):
    where it stands, in a level column, it names a group of the form's own template."""
    t = WS.sub("", label)
    m = ANNOTATION.search(t)
    words = t[:m.start()] if m and m.end() == len(t) else ""
    return bool(words) and len(words) <= GROUP_WORDS_MAX and not any(ch.isdigit() for ch in words)


def name_points(name: str, h: Header | None) -> tuple[str, float | None]:
    """A line's name and the points it states after it (相关性（5分） -> (相关性, 5.0)) where its table has no weight
    column (a 得分表); (name, None) otherwise."""
    m = V.POINTS_NOTE.search(name) if h is not None and "weight" not in h.cols else None
    if not m or not name[:m.start()].strip():
        return name, None
    return name[:m.start()].strip(), float(m.group(1))


def _by_content(cells: list[str], h: Header) -> Line:
    """Level labels first, then the indicator name, then the values in the header's order."""
    seq = [c for c in cells if c and strip_list_prefix(c) and not V.PLACEHOLDER.match(c)]
    labels = []
    is_label = lambda c: V.is_level1(c) or (V.is_level2(c) and (V.level_name(c) or "").endswith("指标"))  # noqa: E731
    while seq and len(labels) < 2 and is_label(seq[0]) and (not labels or V.is_level1(labels[0])):
        labels.append(seq.pop(0))       # (a level-2 label first: what follows is the name, 可持续影响指标 | 满意度)
    l1 = l2 = None
    if len(labels) >= 2:
        l1, l2 = labels[0], labels[1]
    elif labels:
        if V.is_level2(labels[0]):
            l2 = labels[0]
        else:
            l1 = labels[0]
    if not seq:
        return Line(l1, l2, None, None, None, None, None, None, "按内容")
    if labels and (parse_number(seq[0]) is not None or parse_operator(seq[0])[0] is not None):
        l3, vals = labels[-1], seq          # a label merged over the name columns names the line: 预算执行率 | 100% | …
        if len(labels) == 1 and V.is_level1(labels[0]):
            l1, l2 = labels[0], None        # 满意度指标 merged over the three levels is its own group
    else:
        l3, vals = seq[0], seq[1:]
    got: dict[str, list[str]] = {}
    order = h.after_level3
    for i, v in enumerate(vals):
        role = order[i] if i < len(order) else "deviation"
        got.setdefault(role, []).append(v)
    one = lambda role: "".join(got.get(role, [])) or None  # noqa: E731
    target = _with_unit("".join(got.get("op", [])), "".join(got.get("target", [])), "".join(got.get("unit", []))) or None
    return Line(l1, l2, l3, target, one("actual"), one("weight"), one("score"), one("deviation"), "按内容")


class Levels:
    """The level-1/level-2 labels carried down from the rows above (merged cells state them once)."""

    def __init__(self) -> None:
        self.level1: str | None = None
        self.level2: str | None = None

    def follow(self, line: Line) -> None:
        l1, l2 = (x.rstrip(":：") if x else x for x in (line.level1, line.level2))
        if l1:     # a new group starts without the level-2 label of the one before; the same group restated (its
            #        merged label printed again on the next page beside an empty 二级 cell) keeps it
            if V.level_name(l1) != V.level_name(self.level1):
                self.level2 = None
            self.level1 = l1
        if l2:
            self.level2 = l2
            implied = V.implied_level1(l2)
            cur = V.level_name(self.level1)
            if implied and not l1 and (cur is None or (cur in V.STANDARD_LEVEL1 and cur != implied)):
                self.level1 = implied


def line_name(line: Line) -> str | None:
    """The indicator's name, without list prefixes; None for a row that names no indicator."""
    name = strip_list_prefix(line.level3) if line.level3 else None
    return None if not name or V.PLACEHOLDER.match(name) else name


def is_budget_line(name: str, level1: str | None) -> bool:
    """The 预算执行率 line: named so, or any line of a 预算执行 group."""
    return bool(V.BUDGET_LINE.match(name)) or (V.level_name(level1) or "").startswith(V.BUDGET_GROUP)


def read_total(cells: list[str], h: Header) -> tuple[float | None, float | None]:
    """(total score, maximum) of a 总分 row. Its label spans the name columns, so its figures are
    matched in order to the header's columns from the weight (or score) column on: the score is the
    figure in the score column's place, not the row's last one (a 完成率 may follow)."""
    nums = _nums([c for c in cells if c][1:])
    tail = h.after_level3
    first = next((i for i, r in enumerate(tail) if r in ("weight", "score")), None)
    tail = tail[first:] if first is not None else []
    if "score" in tail and tail.index("score") < len(nums):
        got: dict[str, float] = {}
        for role, v in zip(tail, nums):
            got.setdefault(role, v)
        return got["score"], got.get("weight")
    return (nums[-1] if nums else None), (nums[0] if len(nums) > 1 else None)
