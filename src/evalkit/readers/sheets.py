"""A worksheet as any workbook reader gives it (`Sheet`: the cells holding a value, rendered, and the merged ranges)
into the model's tables: merges clipped to the content, tables side by side on a sheet read apart, far-away content
and huge merges costing what their content costs, values rendered as Excel shows them (`render`), what a style or a
hidden row keeps out of sight named (`hidden_parts`)."""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from evalkit.model import LimitExceeded, Paragraph, Table
from evalkit.readers.safety import CellBudget, limits


@dataclass
class Sheet:
    """A sheet's cells holding a value, rendered, plus its merged ranges (0-based, inclusive)."""
    title: str
    cells: dict[tuple[int, int], str]        # (row, col) -> text; cells without a value are absent
    merges: list[tuple[int, int, int, int]]  # r0, r1, c0, c1 as the file has them
    hide_covered: bool = False               # drop values under a merge but its top-left (openpyxl/Excel)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # how it was read (side-by-side tables read apart)
    clipped: list | None = None              # the merges after clipping, set by sheet_tables
    uncached: list[tuple[int, int]] = field(default_factory=list)   # formulas saved without a value
    hidden: bool = False                     # hidden or very hidden: not shown, printed or exported by Excel
    hidden_rows: set[int] = field(default_factory=set)   # rows and columns (0-based) Excel hides: not read
    hidden_cols: set[int] = field(default_factory=set)
    # cells whose style keeps their value out of sight (struck through, number format ;;;): not read -> why, text
    unshown: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    struck_strings: int = 0     # the workbook's texts with a part struck through, left out (on its first sheet)
    struck: dict[tuple[int, int], str] = field(default_factory=dict)   # a cell's inline text struck in part -> that part


HIDING_FORMAT = re.compile(r"\s*;\s*;\s*;?\s*")    # ;;; : every section empty, Excel shows nothing


def style_hides(number_format: str, struck: bool, white: bool = False) -> str | None:
    """Why a cell's style keeps its value from being read: struck through (删除线: a cancelled figure, as in Word),
    a number format that shows nothing (;;;) or a white font on no fill (how a value is hidden in plain sight);
    None when shown."""
    if struck:
        return "删除线"
    if number_format and HIDING_FORMAT.fullmatch(number_format):
        return "格式隐藏"
    if white:
        return "白色文字"
    return None


def place(cells: dict, unshown: dict, at: tuple[int, int], text: str, why: str | None) -> None:
    """A cell's text among the sheet's cells, or among those its style keeps out of sight (`style_hides`: why)."""
    if why is None:
        cells[at] = text
    else:
        unshown[at] = (why, text)


def sheet_document_blocks(sheet: Sheet, dense: CellBudget) -> list[Paragraph | Table]:
    """A sheet's blocks as the document has them: a block whose rows each hold at most one text (titles
    above a table) as Paragraphs, any other as a Table; each with its sheet and cell addresses."""
    out: list[Paragraph | Table] = []
    for rows, cells in sheet_blocks(sheet, dense):
        if all(sum(1 for cell in row if cell.strip()) <= 1 for row in rows):
            out.extend(Paragraph(t, sheet=sheet.title, cell=a) for row, addr in zip(rows, cells)
                       for t, a in zip(row, addr) if t.strip())
        else:
            out.append(Table(rows, sheet=sheet.title, cells=cells))
    return out


def hidden_parts(sheet: Sheet) -> list[str]:
    """The sheet's hidden rows and columns that hold text, as Excel names them ("自评表!12:14", "自评表!H:H"):
    what the reader left out, for the report row and `inspect`."""
    parts = {**sheet.unshown, **{rc: ("删除线", text) for rc, text in sheet.struck.items() if rc not in sheet.unshown}}
    unshown = [f"{sheet.title}!{column_name(c)}{r + 1}（{why}：{text if len(text) <= 20 else text[:20] + '…'}）"
               for (r, c), (why, text) in sorted(parts.items())
               if text.strip() and r not in sheet.hidden_rows and c not in sheet.hidden_cols]
    if not (sheet.hidden_rows or sheet.hidden_cols):
        return unshown
    texts = [(r, c) for (r, c), t in sheet.cells.items() if t.strip()]
    rows = sorted({r for r, _ in texts if r in sheet.hidden_rows})
    cols = sorted({c for r, c in texts if c in sheet.hidden_cols and r not in sheet.hidden_rows})
    return ([f"{sheet.title}!{a + 1}:{b + 1}" for a, b in _union([(r, r) for r in rows])]
            + [f"{sheet.title}!{column_name(a)}:{column_name(b)}" for a, b in _union([(c, c) for c in cols])]
            + unshown)


def uncached_formulas(sheet: Sheet) -> list[str]:
    """The sheet's formula cells saved without a value, as "Sheet!B5", in row order; a cell
    hidden under a merged range (not its top-left cell) is not shown, so not listed."""
    merges = _prepare(sheet)
    index = _row_index(merges) if merges and sheet.uncached else {}
    out = []
    for r, c in sorted(sheet.uncached):
        if r in sheet.hidden_rows or c in sheet.hidden_cols:
            continue                   # not shown, not read
        m = _merge_at(index[r], c) if r in index else None
        if m is None or (r, c) == (m.anchor_r, m.anchor_c) or not sheet.hide_covered:
            out.append(f"{sheet.title}!{column_name(c)}{r + 1}")
    return out


def render(value, number_format: str | None = "General") -> str:
    """A cell value as the text a reader needs: numbers without float noise, percents as shown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        fmt = number_format or "General"
        if "%" in _strip_literals(fmt):
            return f"{value * 100:.{_percent_decimals(fmt)}f}%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def number_text(value: float) -> str:
    """Shortest plain decimal of a number, rounding away binary float noise (5.6000000001 -> 5.6)."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = f"{value:.12g}" if abs(value) < 1e15 else f"{value:.15g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=256)
def _strip_literals(fmt: str) -> str:
    """The format without its quoted and escaped literals (cached: a workbook has a few formats)."""
    return re.sub(r'"[^"]*"|\\.', "", fmt)


@functools.lru_cache(maxsize=256)
def _percent_decimals(fmt: str) -> int:
    m = re.search(r"0\.(0+)%", _strip_literals(fmt))
    return len(m.group(1)) if m else 0


class Merge(NamedTuple):
    """A merged range after clipping (0-based, inclusive), and its top-left cell as the file has it."""
    r0: int
    r1: int
    c0: int
    c1: int
    anchor_r: int
    anchor_c: int


def sheet_tables(sheet: Sheet, dense: CellBudget | None = None) -> list[list[list[str]]]:
    """The sheet's tables as rows of cell texts (sheet_blocks without the cell addresses)."""
    return [rows for rows, _ in sheet_blocks(sheet, dense)]


def sheet_blocks(sheet: Sheet, dense: CellBudget | None = None) -> list[tuple[list[list[str]], list[list[str]]]]:
    """Split a sheet at fully blank rows into blocks; each block's merged ranges read once.

    Works on the cells holding a value, never on a grid of the whole sheet, so an empty gulf
    costs nothing: a value alone in XFD1048576 is a block of its own (one Paragraph), read like
    any other content. Merged ranges are read as the file has them, except one larger than
    LIMITS.max_span rows or columns: it is clipped to the rectangle the values occupy and to
    max_span (a merge A1:XFD1048576 over a table in A1:H40 becomes A1:H40, what Excel shows)
    and the document gets a warning.

    Each block becomes one table over its used columns, as before. Only a block wider than
    LIMITS.max_cols (far-away content on the table's rows, e.g. A5:H40 plus XFD5) is split at
    its widest runs of empty columns, as few times as needed, and the document gets a warning
    naming the rows and columns: nothing is dropped silently, no dense gulf is built. A block
    whose contiguous part is still wider than max_cols, one taller than LIMITS.max_rows, or a
    workbook whose tables add up to more than LIMITS.max_cells cells is refused (LimitExceeded).
    """
    dense = dense or CellBudget("工作簿的表格展开后的单元格")
    merges = _prepare(sheet)
    if not sheet.cells:
        return []
    bands = side_by_side(sheet.cells, merges)
    note = (f"工作表「{sheet.title}」有并排的 {len(bands)} 张表（" + "、".join(f"{column_name(a)}–{column_name(b)} 列"
                                                                  for a, b in bands)
            + "，中间隔着空列），已按从左到右分开读取")
    if len(bands) > 1 and note not in sheet.notes:      # said once, however often the sheet's blocks are asked for
        sheet.notes.append(note)
    out = []
    for a, b in bands:
        cells = {k: t for k, t in sheet.cells.items() if a <= k[1] <= b} if len(bands) > 1 else sheet.cells
        out += _band_blocks(sheet, cells, [m for m in merges if a <= m.c0 and m.c1 <= b], dense)
    return out


# side-by-side tables: two copies of a layout set next to each other on one sheet (the right one filled for another
# project), told apart from one table with a blank spacer column by the labels both sides repeat
ALIKE_LABELS = 5          # labels (text with a Chinese character and no digit) both sides hold, at least
ALIKE_SHARE = 0.25        # and that share of all labels of the two sides (Jaccard)
MAX_BANDS_TRIED = 40      # runs of used columns beyond which a sheet is scattered content, not tables side by side
_LABEL = re.compile(r"^[^0-9０-９]*[\u4e00-\u9fff][^0-9０-９]*$")


def side_by_side(cells: dict[tuple[int, int], str], merges: list[Merge]) -> list[tuple[int, int]]:
    """The sheet's column bands, left to right: one band (its used columns), or, where the used columns break at
    a fully blank column and the two sides repeat each other's labels, a band for each side (split again within
    each)."""
    used = _union([(c, c) for (_, c), t in cells.items() if t.strip()] + [(m.c0, m.c1) for m in merges])
    if len(used) < 2 or len(used) > MAX_BANDS_TRIED:      # no blank column between, or scattered content
        return [(used[0][0], used[-1][1])] if used else [(0, 0)]
    labels: dict[int, set[str]] = {}
    for (_, c), t in cells.items():
        t = "".join(t.split())
        if 2 <= len(t) <= 30 and _LABEL.match(t):
            labels.setdefault(c, set()).add(t)

    def split(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        best, at = 0.0, None
        inside = [(c, ts) for c, ts in sorted(labels.items()) if runs[0][0] <= c <= runs[-1][1]]
        for k in range(1, len(runs)):
            left = set().union(*(ts for c, ts in inside if c < runs[k][0]))
            right = set().union(*(ts for c, ts in inside if c >= runs[k][0]))
            shared = len(left & right)
            share = shared / len(left | right) if shared else 0.0
            if shared >= ALIKE_LABELS and share >= ALIKE_SHARE and share > best:
                best, at = share, k
        if at is None:
            return [(runs[0][0], runs[-1][1])]
        return split(runs[:at]) + split(runs[at:])
    return split(used)


def _band_blocks(sheet: Sheet, cells: dict, merges: list[Merge], dense: CellBudget) -> list:
    """sheet_blocks of one column band of the sheet (`cells` and `merges` within it)."""
    lim = limits()
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in cells.items():
        by_row.setdefault(r, []).append((c, text))
    for row in by_row.values():
        row.sort()
    # a row is blank when it holds no text and is not strictly inside a vertical merge
    runs = sorted([(r, r) for r, row in by_row.items() if any(t.strip() for _, t in row)]
                  + [(m.r0 + 1, m.r1) for m in merges if m.r1 > m.r0])
    blocks: list[list[int]] = []
    for a, b in runs:
        if blocks and a <= blocks[-1][1] + 1:
            blocks[-1][1] = max(blocks[-1][1], b)
        else:
            blocks.append([a, b])
    tops = [b[0] for b in blocks]
    inside: list[list[Merge]] = [[] for _ in blocks]     # merges lying wholly within each block
    for m in merges:
        i = bisect.bisect_right(tops, m.r0) - 1
        if i >= 0 and m.r1 <= blocks[i][1]:
            inside[i].append(m)
    tables = []
    for (top, bottom), ms in zip(blocks, inside):
        if bottom - top + 1 > lim.max_rows:
            raise LimitExceeded(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行连成一个 {bottom - top + 1:,} 行的表格，"
                                f"超过上限 {lim.max_rows:,} 行；请删除无关数据后另存再导入")
        used = [(c, c) for r in range(top, bottom + 1) for c, t in by_row.get(r, ()) if t.strip()]
        used += [(m.c0, m.c1) for m in ms]
        if not used:
            continue
        groups = _column_groups(sheet, _union(used), top, bottom, lim.max_cols)
        for first, last in groups:
            dense.take((last - first + 1) * (bottom - top + 1), f"（工作表「{sheet.title}」）")
            tables.append(_block_rows(sheet, by_row, [m for m in ms if first <= m.c0 and m.c1 <= last],
                                      top, bottom, first, last))
    return [t for t in tables if t[0]]


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted intervals, overlapping or touching ones joined: the runs of used columns."""
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _column_groups(sheet: Sheet, runs, top: int, bottom: int, max_cols: int) -> list[tuple[int, int]]:
    """The block's column range, split at its widest empty-column gaps only if wider than max_cols."""
    first, last = runs[0][0], runs[-1][1]
    if last - first + 1 <= max_cols:
        return [(first, last)]

    def split(min_gap: int) -> list[tuple[int, int]]:
        groups = [[runs[0][0], runs[0][1]]]
        for (_, prev_end), (a, b) in zip(runs, runs[1:]):
            if a - prev_end - 1 >= min_gap:
                groups.append([a, b])
            else:
                groups[-1][1] = b
        return [(a, b) for a, b in groups]

    def fits(groups) -> bool:
        return all(b - a + 1 <= max_cols for a, b in groups)

    gaps = sorted({a - prev_end - 1 for (_, prev_end), (a, _) in zip(runs, runs[1:])})
    if not gaps or not fits(split(gaps[0])):
        widest = max(runs, key=lambda ab: ab[1] - ab[0])
        raise LimitExceeded(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行有一片连续 {widest[1] - widest[0] + 1:,} 列宽的内容"
                            f"（{column_name(widest[0])}–{column_name(widest[1])} 列），超过上限 {max_cols:,} 列；"
                            "请删除多余的列后另存再导入")
    lo, hi = 0, len(gaps) - 1          # the widest gap threshold that still fits: fewest splits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(split(gaps[mid])):
            lo = mid
        else:
            hi = mid - 1
    groups = split(gaps[lo])
    sheet.warnings.append(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行的内容横跨 {column_name(first)}–{column_name(last)} 列"
                          f"（{last - first + 1:,} 列，中间是大片空列），超过上限 {max_cols:,} 列，已在空列处拆成 {len(groups)} 个表格读取"
                          f"（{'、'.join(f'{column_name(a)}–{column_name(b)}' for a, b in groups[:5])}{' 等' if len(groups) > 5 else ''}）；"
                          "请核对远处的内容是否误填")
    return groups


def column_name(c: int) -> str:
    """0-based column index as Excel names it (0 -> 'A', 16383 -> 'XFD')."""
    if c < 0:
        return str(c + 1)
    name = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        name = chr(65 + rem) + name
    return name


def _ref(r0: int, r1: int, c0: int, c1: int) -> str:
    return f"{column_name(c0)}{r0 + 1}:{column_name(c1)}{r1 + 1}"


def _prepare(sheet: Sheet) -> list[Merge]:
    """The sheet's merges, the huge ones clipped (see clip_merges); under `hide_covered`, values
    under a merge other than its top-left cell removed. Runs once per sheet."""
    if sheet.clipped is not None:
        return sheet.clipped
    sheet.clipped = clip_merges(sheet)
    if sheet.hide_covered and sheet.clipped:
        index = _row_index(sheet.clipped)
        for r, c in [k for k in sheet.cells if k[0] in index]:
            m = _merge_at(index[r], c)
            if m is not None and (r, c) != (m.anchor_r, m.anchor_c):
                del sheet.cells[(r, c)]
    return sheet.clipped


def clip_merges(sheet: Sheet) -> list[Merge]:
    """Merges up to LIMITS.max_span rows and columns as the file has them; a larger one (never
    written by hand: Excel users do not merge 1,000 rows) clipped to the rectangle the sheet's
    values occupy and to max_span, with a warning. Refused past max_cells merged rows in all."""
    if not sheet.merges:
        return []
    lim = limits()
    span = lim.max_span
    if sheet.cells:
        rows = [r for r, _ in sheet.cells]
        cols = [c for _, c in sheet.cells]
        top, bottom, left, right = min(rows), max(rows), min(cols), max(cols)
    else:
        top, bottom, left, right = 0, -1, 0, -1
    out, huge, work = [], [], 0
    for r0, r1, c0, c1 in dict.fromkeys(sheet.merges):
        if r1 < r0 or c1 < c0:
            continue
        if r1 - r0 + 1 <= span and c1 - c0 + 1 <= span:
            m = Merge(r0, r1, c0, c1, r0, c0)
        else:
            m = Merge(max(r0, top), min(r1, bottom, r0 + span - 1), max(c0, left), min(c1, right, c0 + span - 1), r0, c0)
            huge.append((_ref(r0, r1, c0, c1), m))
            if m.r0 > m.r1 or m.c0 > m.c1:
                continue
        work += m.r1 - m.r0 + 1
        if work > lim.max_cells:
            raise LimitExceeded(f"工作表「{sheet.title}」的合并区域过多或相互重叠（合计超过 {lim.max_cells:,} 行次），"
                                "疑似恶意构造的文件；请用 Excel 打开后另存再导入")
        out.append(m)
    if huge:
        shown = "、".join(f"{ref}（裁剪为 {_ref(m.r0, m.r1, m.c0, m.c1) if m.r0 <= m.r1 and m.c0 <= m.c1 else '空'}）"
                         for ref, m in huge[:3])
        sheet.warnings.append(f"工作表「{sheet.title}」有 {len(huge)} 个大得异常的合并区域：{shown}{' 等' if len(huge) > 3 else ''}，"
                              f"超过 {span:,} 行或列，已裁剪到有内容的范围读取（合并区域内其余单元格的内容按 Excel 的显示不读取）")
    return out


def _row_index(merges: list[Merge]) -> dict[int, tuple[list[int], list[Merge]]]:
    """Per row, the merges covering it sorted by first column (their c0 list for bisect);
    clip_merges bounded the rows they cover in all."""
    rows: dict[int, list[Merge]] = {}
    for m in merges:
        for r in range(m.r0, m.r1 + 1):
            rows.setdefault(r, []).append(m)
    out = {}
    for r, ms in rows.items():
        ms.sort(key=lambda m: (m.c0, m.c1))
        out[r] = ([m.c0 for m in ms], ms)
    return out


def _merge_at(entry: tuple[list[int], list[Merge]], c: int) -> Merge | None:
    starts, ms = entry
    i = bisect.bisect_right(starts, c) - 1
    return ms[i] if i >= 0 and ms[i].c1 >= c else None


def _block_rows(sheet: Sheet, by_row, merges: list[Merge], top: int, bottom: int, first: int,
                last: int) -> tuple[list[list[str]], list[list[str]]]:
    """Rows top..bottom, columns first..last as physical cells (each merge once, at its top-left),
    and each cell's address on the sheet ("D7"). What grid.rows_from_spans/cols_from_spans make of
    the spans, built row by row without the Span objects (a cell of each kind per grid slot).
    Hidden rows and columns are left out as Excel shows the sheet: a merge whose top row is hidden has
    its text in its first shown row; a merge is left out only when all its columns are hidden."""
    index = _row_index(merges) if merges else {}
    hidden_r, hidden_c = sheet.hidden_rows, sheet.hidden_cols
    widths: dict = {}                  # (row offset, column offset) of a merge -> its last column
    rows: list[list[tuple[int, str]]] = [[] for _ in range(bottom - top + 1)]
    seen: set = set()
    deepest = -1
    for r in range(top, bottom + 1):
        texts = dict(by_row.get(r, ()))
        starts, ms = index.get(r, ((), ()))
        out = rows[r - top]
        j, c = 0, first
        while c <= last:
            while j < len(ms) and ms[j].c1 < c:
                j += 1
            if j < len(ms) and ms[j].c0 <= c:
                m = ms[j]
                if m not in seen:
                    seen.add(m)
                    text = sheet.cells.get((m.anchor_r, m.anchor_c), "")
                    shown = next((k for k in range(m.r0, m.r1 + 1) if k not in hidden_r), m.r0) if hidden_r else m.r0
                    for k in range(m.r0 - top, m.r1 - top + 1):   # its text in its top shown row, '' below
                        rows[k].append((m.c0 - first, text if k == shown - top else ""))
                        if hidden_c:
                            widths[(k, m.c0 - first)] = m.c1
                    deepest = max(deepest, m.r1 - top)
                c = m.c1 + 1
                continue
            out.append((c - first, texts.get(c, "")))
            deepest = max(deepest, r - top)
            c += 1
    names = [column_name(c) for c in range(first, last + 1)]
    texts_out, addresses = [], []
    for i, row in enumerate(rows[:deepest + 1]):
        if hidden_r and top + i in hidden_r:
            continue
        if hidden_c:
            row = [(c, t) for c, t in row
                   if not all(x in hidden_c for x in range(c + first, widths.get((i, c), c + first) + 1))]
        row.sort(key=_first)           # stable, as rows_from_spans sorts
        texts_out.append([t for _, t in row])
        addresses.append([f"{names[c]}{top + i + 1}" for c, _ in row])
    return texts_out, addresses


_first = operator.itemgetter(0)
