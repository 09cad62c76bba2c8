"""Tables printed without rulings: rows and columns rebuilt from where the text stands.

A Word table whose borders were removed, a sheet printed without gridlines, a scan whose table
lines are too faint: there is no ruling to find the table by; read as lines, its cells run
together and its labels lose their figures. Here the columns are the x ranges the text of the
table's many-celled lines keeps to, and a text line belongs to the row above when it only goes on
with that row's cells whose last line filled their column (the text wrapped there), when it stands
less than a line's pitch below the line before (a cell centred beside a wrapped one), or when it
holds a few words under the row's cells (text wrapped between words). Cells centred or aligned to the bottom
vertically (Word's 单元格对齐) are told by where short cells stand beside wrapped ones (half a line down, or on the
last line: `_valign`); their rows are read so, and a label merged over rows, printed beside the middle or the last
of them, is moved to the first (`_spread`), where a ruled table's grid has it.

The same rules serve the PDF text layer (`aligned_tables`: glyphs) and OCR (`tables_of_lines`:
lines of text boxes, readers/ocr.py); sizes are in the units of the input (points, pixels).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from statistics import median

WORD_GAP = 3.0           # points: glyphs further apart are words (pdfplumber's x_tolerance)
GAP_EM = 0.8             # glyphs this many font sizes apart (or more) are in different cells …
NARROW_GAP = 0.2         # … as are glyphs this much further apart than the line's usual gap (no space glyph between)
SOLID_GAP = 0.4          # two Chinese glyphs of a line set solid this much further apart: two cells (a header's 得分 |
#                          偏差原因 whose column no other line shows: Chrome sets cells half a glyph apart)
MIXED_GAP = 0.24         # (a Chinese and a Latin glyph: word processors set those 0.20–0.22 apart), the second starting
START_SLACK = 1.0        # (points) this close to where a cell of another line starts (a column)
MIN_CELLS = 3            # a line of this many cells or more is a table's line …
MIN_LINES = 3            # … and a page needs this many such lines to hold an aligned table
FULL_SHARE = 0.6         # the lines with this share of the most cells a line has, or more, set the columns
LOW_COVER = 0.2          # an x covered by at most this share of those lines is between columns
FILL_SLACK = 0.75        # a cell's line fills its column when less than this share of a glyph is left to its edge
SAME_END = 0.15          # font sizes: two lines ending this close end at the same edge
CLOSE_PITCH = 0.8        # lines closer than this share of the usual pitch are in the same row
NEXT_PITCH = 1.2         # a line at most this many pitches under the one before is the next line of its cells
WRAP_PITCH = 1.15        # (centred or bottom-aligned cells: a cell's next line; rows 3 pt apart are further)
FAR_PITCH = 2.5          # a line further than this many pitches below the one before starts a new table
CENTRED_PAIRS = 4        # this many close line pairs in a table (and a tenth of its lines): cells centred vertically
STACKED = 1              # this many lines adding figures under cells that began a line before: not top-aligned
ANCHOR = 0.3             # font sizes: a centred label's rows have their band's centre this close to its centre,
SPAN_SLACK = 0.02        # and this share of their height
SHORT_LABEL = 4          # glyphs: a label's line this short, alone in its row, goes on with the label above it
GRID_SLACK = 2.0         # points: a cell starting further from every column's start stands off the grid …
MISFIT_GAIN = 3          # … and a page's lines are two tables' when splitting them puts this many more on a grid
HAN = re.compile(r"[\u4e00-\u9fff]")      # one Chinese character (a wrapped label's last glyph: 产出指|标)
_UNIT = re.compile(r"[(（][^()（）]{1,4}[)）]")   # the unit under a label, on a line of its own: (万元)
_FIGURE = re.compile(r"[\s\d.,%+\-−—–/≥≤<>=＞＜≧≦]+")      # a figure, a dash, a comparison: not a wrapped word
_NUMBER = re.compile(r"[+\-−]?\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass
class Segment:
    """A run of glyphs on one line with no cell gap inside it."""
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str
    c0: int = 0
    c1: int = 0
    fills: bool = False
    items: list = field(default_factory=list)   # what it was made of (OCR: the text boxes), for the caller


@dataclass
class Line:
    top: float
    bottom: float
    segments: list[Segment]


@dataclass
class Cell:
    lines: list[Segment] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Its lines joined by newlines (as pdfplumber joins a ruled cell's), its pieces on one line by a space."""
        out = ""
        for prev, s in zip([None] + self.lines, self.lines):
            if prev is not None:
                out += " " if abs(s.top - prev.top) < 0.5 * max(s.size, 1.0) else "\n"
            out += s.text
        return out

    @property
    def open(self) -> bool:
        """Its last line filled its column: the next line in the same column goes on with it."""
        return bool(self.lines) and self.lines[-1].fills

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (min(s.x0 for s in self.lines), min(s.top for s in self.lines),
                max(s.x1 for s in self.lines), max(s.bottom for s in self.lines))


@dataclass
class AlignedTable:
    """A table rebuilt from text alignment: one cell per column in every row (a cell over several
    columns holds its text in the first, '' in the others, as a Markdown grid does)."""
    rows: list[list[str]]
    boxes: list[list[tuple]]          # each cell's box (an empty cell: its column's range on its row's band)
    bbox: tuple[float, float, float, float]
    n_cols: int
    heights: list[float]
    end: RowEnd | None = None          # what its last row leaves open, and the cells of its first line: a row
    head: tuple = ()                   # broken by the page break goes on at the next page's table's head
    cells: list[list[list[Segment]]] = field(default_factory=list)   # each cell's segments ([] empty), as rows
    cols: list[tuple[float, float]] = field(default_factory=list)   # its columns' x ranges, left to right
    layout: tuple = ()                 # (pitch, wrap, valign) its rows were read by
    loose: list[Line] | None = None    # a page's few first lines, over a table of other columns: read on columns where
    #                                    their cells start (`_own_columns`); the table they end may have others (regrid)


@dataclass(frozen=True)
class RowEnd:
    """What a row leaves for the line under it (on its page, or at the head of the next one)."""
    open: frozenset[int]               # columns whose cell's last line filled its column
    text: frozenset[int]               # columns holding text
    width: int                         # cells on its first line
    single: frozenset[int] = frozenset()   # columns whose cell has one line so far
    fresh: frozenset[int] | None = None    # columns whose cell's last line is a wrapped line's pitch above (None: all)

    @classmethod
    def of(cls, row: dict[int, Cell]) -> RowEnd:
        first = min(c.lines[0].top for c in row.values())
        return cls(frozenset(c for c, cell in row.items() if cell.open), frozenset(row),
                   sum(1 for c in row.values() if abs(c.lines[0].top - first) < 0.5 * max(c.lines[0].size, 1.0)),
                   frozenset(c for c, cell in row.items() if len(cell.lines) == 1))


def continues(prev: AlignedTable, nxt: AlignedTable) -> bool:
    """The first line of `nxt` (the next page's table) goes on with the last row of `prev`: a row broken by the
    page break (not when a column holds a plain number in both rows: a number never goes on with another; nor a
    figure under a cell that did not fill its column)."""
    if prev.end is None or prev.n_cols != nxt.n_cols or not nxt.head or not prev.rows or not nxt.rows:
        return False
    for c, (a, b) in enumerate(zip(prev.rows[-1], nxt.rows[0])):
        a, b = a.strip(), b.strip()    # (a figure under a cell that ended: a header's 分值 over the next page's 15)
        if (_NUMBER.fullmatch(a) and _NUMBER.fullmatch(b)) or (a and c not in prev.end.open and _FIGURE.fullmatch(b)):
            return False
    return _goes_on(prev.end, list(nxt.head), False, True)


def segments(line_chars: list[dict], starts: tuple[float, ...] = ()) -> list[Segment]:
    """A text line's glyphs split where the gap between two is a cell gap: GAP_EM font sizes, or NARROW_GAP with no
    space glyph in it when the glyph after it starts where a column of the table starts (`starts`: a web page's
    cells a few points apart, 年初预算数|全年预算数)."""
    out: list[Segment] = []
    cur: list[dict] = []
    blank = False                       # a space glyph since the last glyph: a word gap
    ordered = sorted(line_chars, key=lambda c: float(c["x0"]))
    usual = _usual_gap(ordered) if starts else 0.0
    for c in ordered:
        if not (c.get("text") or "").strip():
            blank = True
            continue
        size = float(c.get("size") or 0.0) or (float(c["bottom"]) - float(c["top"]))
        x0 = float(c["x0"])
        gap = x0 - float(cur[-1]["x1"]) if cur else 0.0
        if cur and (gap >= GAP_EM * size or (starts and not blank and gap - usual >= _narrow(cur[-1], c) * size
                                             and any(abs(x0 - a) <= START_SLACK for a in starts))
                    or (starts and not blank and gap - usual >= SOLID_GAP * size
                        and HAN.match(cur[-1]["text"]) and HAN.match(c["text"]))):
            out.append(_segment(cur))
            cur = []
        cur.append(c)
        blank = False
    if cur:
        out.append(_segment(cur))
    return out


def _narrow(a: dict, b: dict) -> float:
    """The narrow cell gap between glyphs a and b, in font sizes: wider between a Chinese glyph and a Latin one."""
    return NARROW_GAP if bool(HAN.match(a["text"])) == bool(HAN.match(b["text"])) else MIXED_GAP


def _usual_gap(chars: list[dict]) -> float:
    """The median gap between a line's glyphs (0 for text set solid; the spacing of text spaced out or justified)."""
    shown = [c for c in chars if (c.get("text") or "").strip()]
    gaps = [max(0.0, float(b["x0"]) - float(a["x1"])) for a, b in zip(shown, shown[1:])]
    return median(gaps) if gaps else 0.0


def _segment(chars: list[dict]) -> Segment:
    text, prev = "", None
    for c in chars:                   # a space where the words stand apart, as pdfplumber's extract_text puts it
        if prev is not None and float(c["x0"]) - float(prev["x1"]) > WORD_GAP:
            text += " "
        text += c["text"]
        prev = c
    return Segment(float(chars[0]["x0"]), max(float(c["x1"]) for c in chars), min(float(c["top"]) for c in chars),
                   max(float(c["bottom"]) for c in chars), max(float(c.get("size") or 0.0) for c in chars), text)


def _height(c: dict) -> float:
    """Where a glyph's line stands, downwards: its baseline (a browser prints a line's Latin and CJK glyphs on one
    baseline, their boxes' tops a quarter glyph apart: `≤8.18|万` came out as two lines), else its top."""
    m = c.get("matrix")
    return -float(m[5]) if m else float(c["top"])


def text_lines(chars: list[dict], tolerance: float, starts: tuple[float, ...] = ()) -> list[Line]:
    """Glyphs grouped into lines by their baselines (within `tolerance`), top to bottom (`starts`: see segments)."""
    lines: list[list[dict]] = []
    top = None
    for at, c in sorted(((_height(c), c) for c in chars if (c.get("text") or "").strip()), key=lambda p: p[0]):
        if top is None or at - top > tolerance:
            lines.append([])
            top = at
        lines[-1].append(c)
    out = []
    for group in lines:
        segs = segments(group, starts)
        out.append(Line(min(s.top for s in segs), max(s.bottom for s in segs), segs))
    return out


def columns(lines: list[Line]) -> list[tuple[float, float]]:
    """The x ranges the text of the lines with the most cells keeps to, left to right.

    Those lines (FULL_SHARE of the most cells a line has, or more) hold a cell in nearly every
    column and few cells merged over columns; an x covered by few of them (LOW_COVER: a merged
    cell running over) lies between columns."""
    strong = [ln for ln in lines if len(ln.segments) >= MIN_CELLS]
    if len(strong) < MIN_LINES:
        return []
    most_cells = max(len(ln.segments) for ln in strong)
    strong = [ln for ln in strong if len(ln.segments) >= FULL_SHARE * most_cells]
    most = max(1, int(LOW_COVER * len(strong)))
    cols: list[tuple[float, float]] = []
    run: list[tuple[float, float, int]] = []
    for piece in _coverage([(s.x0, s.x1) for ln in strong for s in ln.segments]) + [(0.0, 0.0, 0)]:
        if piece[2] and (not run or piece[0] <= run[-1][1]):
            run.append(piece)
            continue
        if run:                     # a covered stretch ended: split where few cover it between many
            cols += _split_low(run, most)
        run = [piece] if piece[2] else []
    return _widened(lines, sorted(cols + _missed(lines, cols)))


def _widened(lines: list[Line], cols: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Each column reaching as far right as a cell of a line of two cells or more that starts in it and ends short of
    the next column (a few lines with the most cells may leave a column's widest texts out: on a page a table goes on
    to, a label column holding only a wrapped label's last glyph)."""
    out = list(cols)
    for ln in lines:
        if len(ln.segments) < 2:
            continue
        for s in ln.segments:
            k = next((k for k, (a, b) in enumerate(out) if a <= s.x0 <= b), None)
            if k is not None and k + 1 < len(out) and out[k][1] < s.x1 < out[k + 1][0]:
                out[k] = (out[k][0], s.x1)
    return out


def _missed(lines: list[Line], cols: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Columns no line with the most cells has text in (a label column whose cells, centred or bottom-aligned beside
    wrapped ones, stand on lines of their own; a remark column holding only a header's lines on a page a table goes
    on to): x ranges where two or more texts lie clear of every column found; and where two or more texts begin
    between two columns, one beside another cell (a project's name and its agency centred beside their labels, the
    next column's texts wider): that column up to the next."""
    starts = sorted(a for a, _ in cols)
    clear, inside = [], []
    for ln in lines:
        for s in ln.segments:
            if all(s.x1 < a or s.x0 > b for a, b in cols):
                clear.append((s.x0, s.x1))
            elif starts[0] < s.x0 < starts[-1] - GRID_SLACK and all(s.x0 < a - GRID_SLACK or s.x0 > b for a, b in cols):
                inside.append((s.x0, min(s.x1, next(a for a in starts if a > s.x0 + GRID_SLACK) - GRID_SLACK),
                               len(ln.segments) > 1))
    out, run, reach = [], [], 0.0          # a run of texts overlapping one another, and how far right it reaches
    for x0, x1 in sorted(clear) + [(float("inf"), 0.0)]:
        if run and x0 <= reach:
            run.append((x0, x1))
            reach = max(reach, x1)
            continue
        if len(run) >= 2:
            out += _by_starts(run, reach)
        run, reach = [(x0, x1)], x1
    out += [(group[0][0], max(g[1] for g in group)) for group in _start_groups(inside)
            if len(group) >= 2 and any(g[2] for g in group)]
    return sorted((a, b) for a, b in out if all(b < c0 or a > c1 for c0, c1 in cols))


def _by_starts(texts: list[tuple[float, float]], x1: float) -> list[tuple[float, float]]:
    """A run of texts clear of every column cut where two or more start together (within GRID_SLACK) to the right of
    where most texts of the group before end (a label column and the names beside it, bridged by a title over both
    or a label's wrapped line): one column each, the last up to x1, where the run ends; else the run is one."""
    shared = [g for g in _start_groups(texts) if len(g) >= 2]
    cuts = [min(x0 for x0, _ in texts)]
    for before, group in zip(shared, shared[1:]):
        if median(e for _, e in before) < group[0][0]:
            cuts.append(group[0][0])
    return [(a, b - GRID_SLACK) for a, b in zip(cuts, cuts[1:])] + [(cuts[-1], x1)]


def _coverage(spans: list[tuple[float, float]]) -> list[tuple[float, float, int]]:
    """How many spans cover each stretch of x: (x0, x1, count) for the stretches some span covers, left to right
    (a sweep over the spans' ends: its cost follows the spans, never the coordinates' range)."""
    events = sorted([(x0, 1) for x0, _ in spans] + [(x1, -1) for _, x1 in spans])
    out, n, at = [], 0, None
    for x, d in events:
        if n and at is not None and x > at:
            out.append((at, x, n))
        n += d
        at = x
    return out


def _split_low(run: list[tuple[float, float, int]], most: int) -> list[tuple[float, float]]:
    """A stretch of covered x split where few lines cover it between two stretches many lines
    cover (a cell running over the gap between two columns); a stretch few lines cover at all is
    a column of its own (one filled in a few rows)."""
    high = [k for k, p in enumerate(run) if p[2] > most]
    if not high:
        return [(run[0][0], run[-1][1])]
    cuts, a = [], run[0][0]
    for k, nxt in zip(high, high[1:]):
        if nxt - k > 1:                     # a low stretch between two high ones
            cuts.append((a, run[k][1]))
            a = run[nxt][0]
    cuts.append((a, run[-1][1]))
    return cuts


def _column(cols: list[tuple[float, float]], x: float) -> int:
    """The column holding x, or the nearest one."""
    return min(range(len(cols)), key=lambda i: 0.0 if cols[i][0] <= x <= cols[i][1]
               else min(abs(x - cols[i][0]), abs(x - cols[i][1])))


def _first_column(cols: list[tuple[float, float]], s: Segment) -> int:
    """The column a cell's text starts in; a text centred in its column and wider than the others there starts in
    the right half of the column before it, its centre in its own, short of the next: its own column's (服务对象
    under 稳定性)."""
    c = _column(cols, s.x0)
    if c + 1 < len(cols) and s.x0 > (cols[c][0] + cols[c][1]) / 2:
        nxt = cols[c + 1]
        if nxt[0] <= (s.x0 + s.x1) / 2 <= nxt[1] and (c + 2 == len(cols) or s.x1 < cols[c + 2][0]):
            return c + 1
    return c


def place(lines: list[Line], cols: list[tuple[float, float]]) -> None:
    """Each segment's first and last column, and whether it fills its last one: it ends less than
    FILL_SLACK of a glyph short of the column's text edge, so its text may have wrapped there.

    Lines of Chinese text wrapped in a cell end at the same x, the column's edge: the furthest right
    end two lines of a column share (a short text in a cell merged over columns runs further, once).
    A column with no such pair (figures, one label) has its edge as near the next column's text as
    the nearest of the others has (the cells' padding)."""
    ends: dict[int, list[float]] = {}
    alone: dict[int, list[Segment]] = {}
    for ln in lines:
        for s in ln.segments:
            s.c0 = _first_column(cols, s)
            s.c1 = max(s.c0, _column(cols, s.x1 - 0.5 * s.size))
            if s.c0 == s.c1 and _CJK.search(s.text):
                ends.setdefault(s.c0, []).append(s.x1)
            if s.c0 == s.c1:
                alone.setdefault(s.c0, []).append(s)
    size = median(s.size for ln in lines for s in ln.segments)
    right = _right_aligned(alone, size)
    shared = {c: e for c, x1s in ends.items() if (e := _shared_end(x1s, size)) is not None}
    pad = min((cols[c + 1][0] - e for c, e in shared.items() if c + 1 < len(cols)), default=None)
    edge = {c: shared[c] if c in shared else cols[c + 1][0] - pad if pad is not None and c + 1 < len(cols)
            else cols[c][1] for c in range(len(cols))}
    for ln in lines:
        for s in ln.segments:
            if s.c0 == s.c1 and s.c0 in right:    # right-aligned: a wrapped line reaches the column's left (a
                s.fills = s.x0 - FILL_SLACK * max(s.size, 1.0) < right[s.c0] and not (   # whole figure does not
                    _FIGURE.fullmatch(s.text) and not _NUMBER.fullmatch(s.text))         # wrap: 100% | 总分; 100 | %)
            else:
                s.fills = s.x1 + FILL_SLACK * max(s.size, 1.0) > edge[s.c1]


def _right_aligned(alone: dict[int, list[Segment]], size: float) -> dict[int, float]:
    """The columns whose texts are set flush right (Word's 右对齐 in a table without borders): their cells' ends
    stand together (all but a fifth within SAME_END) while their starts spread over a glyph or more; each with the
    leftmost start two of its texts share, where a wrapped line begins (a text merged over columns starts further
    left)."""
    out = {}
    for c, segs in alone.items():
        if len(segs) < MIN_LINES:
            continue
        end = max(s.x1 for s in segs)
        together = sum(1 for s in segs if end - s.x1 <= SAME_END * size)
        starts = sorted(s.x0 for s in segs)
        if together >= 0.8 * len(segs) and starts[-1] - starts[0] >= size:
            out[c] = next((a for a, b in zip(starts, starts[1:]) if b - a <= SAME_END * size), starts[0])
    return out


def _shared_end(x1s: list[float], size: float) -> float | None:
    """The furthest right end that two of the lines share (within SAME_END), if any."""
    x1s = sorted(x1s, reverse=True)
    return next((a for a, b in zip(x1s, x1s[1:]) if a - b <= SAME_END * size), None)


def _pitch(lines: list[Line]) -> float:
    gaps = [b.top - a.top for a, b in zip(lines, lines[1:]) if b.top > a.top]
    return median(gaps) if gaps else 0.0


def _wrap_pitch(lines: list[Line]) -> float:
    """The pitch of a cell's wrapped lines: from a line that fills its column to the next text in that column, the
    shortest such steps (a row's next cell stands further down when the rows have padding); 0 when none."""
    last: dict[int, Segment] = {}
    steps = []
    for ln in lines:
        for s in ln.segments:
            above = last.get(s.c0)
            if above is not None and above.fills and s.top - above.top >= max(s.size, 1.0):   # (lines never overlap)
                steps.append(s.top - above.top)
        last.update((s.c0, s) for s in ln.segments)
    if not steps:
        return 0.0
    least = min(steps)
    return median(g for g in steps if g <= 1.25 * least)


def _valign(lines: list[Line], wrap: float) -> str:
    """How the table's cells stand in their rows: "center" when many lines stand less than CLOSE_PITCH of a wrapped
    line's pitch under the one before (a short cell beside a wrapped one's two lines), "bottom" when lines adding
    figures go on with every cell of the line before, which all filled their columns and began on lines without
    figures (the short cells stand beside the wrapped ones' last lines), else "top"."""
    if not wrap:
        return "top"
    pairs = list(zip(lines, lines[1:]))
    close = sum(1 for a, b in pairs if b.top - a.top < CLOSE_PITCH * wrap)
    if close >= CENTRED_PAIRS and close >= 0.1 * len(lines):
        return "center"
    stacked = 0
    for k, (a, b) in enumerate(pairs):
        under = {s.c0 for s in b.segments}
        if (b.top - a.top <= NEXT_PITCH * wrap and len(b.segments) > len(a.segments)
                and all(s.fills and s.c0 in under and not _began_by_figures(lines, k, s.c0, wrap) for s in a.segments)
                and any(_FIGURE.fullmatch(s.text) for s in b.segments)):
            stacked += 1
    return "bottom" if stacked >= STACKED else "top"


def _began_by_figures(lines: list[Line], k: int, c: int, wrap: float) -> bool:
    """The cell whose text in column c line k goes on began on a line holding figures (a top-aligned row's first
    line), going back over the lines its text filled (and lines with nothing in that column) a pitch apart."""
    start = k
    while start and lines[start].top - lines[start - 1].top <= NEXT_PITCH * wrap:
        seg = next((s for s in lines[start - 1].segments if s.c0 == c), None)
        if seg is not None and not seg.fills:
            break
        start -= 1
    while start < k and not any(s.c0 == c for s in lines[start].segments):
        start += 1
    return any(_FIGURE.fullmatch(s.text) for s in lines[start].segments)


def _figures(row: dict[int, Cell]) -> set[int]:
    """The columns of a row whose cell holds a figure (its lines joined)."""
    return {c for c, cell in row.items() if _FIGURE.fullmatch(cell.text.replace("\n", ""))}


def _after_figure(cells, c: int) -> bool:
    """A figure stands left of column c among `cells` (column, text): a text there is a remark, not a label merged
    over rows (labels head their rows, left of the figures)."""
    return any(d < c and _FIGURE.fullmatch(t.replace("\n", "")) for d, t in cells)


def _spread(rows: list[dict[int, Cell]], valign: str) -> None:
    """Cells merged over rows, in a table whose cells are centred or bottom-aligned, moved to the first row they
    cover (where a ruled table's grid has them): a merged label stands beside the middle or the last of its rows.

    A label is a text with empty cells above it in its column and no figure left of it in its row (labels merged
    over rows head their rows, left of the figures; a remark on the right is not one). It covers rows alike (of
    figures as its own, with their heading over them: 项目资金 over 年初预算数; or headings as its own) no label
    above it covers, never up to the head of a table going on from the page before (they may be a label's there),
    unless that is a heading and the label a glyph (the last of the heading's label printed under it: 绩效指|标):
    bottom-aligned, those above it (a label beside figures only); centred, as many above and below as make rows whose
    boxes are centred on it, the most that do (none: it stays)."""
    if valign == "top" or not rows:
        return
    size = median(s.size for row in rows for cell in row.values() for s in cell.lines)
    tol = ANCHOR * max(size, 1.0)
    laid = [dict(row) for row in rows]         # the rows as printed: every decision is taken on them
    figures = [_figures(row) for row in laid]
    heading = not figures[0] and len(laid[0]) >= MIN_CELLS     # the page's first row, the rest of a header row
    centred = [{c for c in row if not _off_centre(row, c, tol)} for row in laid]    # (whatever column is skipped)
    for c in sorted({c for row in laid for c in row}):
        edges = _row_edges(laid, c, figures, centred)
        taken = -1                             # the last row a label above covers
        for k in (k for k, row in enumerate(laid) if c in row):
            if c in figures[k] or any(d < c for d in figures[k]):
                taken = k          # a figure, or a remark right of figures
                continue
            above = sum(1 for r in _empty_run(laid, c, k, -1) if r > taken)
            below = sum(1 for _ in _empty_run(laid, c, k, 1))
            head = not figures[0] and bool(HAN.fullmatch(laid[k][c].text))    # (绩效指|标: see above)
            spans = [(a, b) for a in range(above + 1) for b in range(below + 1)
                     if _alike(figures, k, a, b) and (a < k or not a or head)]
            if head and above == k:        # the last glyph of the heading's label at a continuing table's head
                span = (k, 0)
            elif valign == "bottom":       # beside figures; over a heading only with rows of figures above it
                a = max((a for a, b in spans if b == 0 and figures[k] and (a == 0 or figures[k - 1])), default=0)
                span = (0 if above == k and a < k and not heading else a, 0)   # (a run up to the head: whose
                #                                    rows, unknown, but under a heading's rest: 标|值|值|施, three cells)
            else:
                mid = (laid[k][c].box[1] + laid[k][c].box[3]) / 2
                diff = {sp: abs((edges[k - sp[0]][0] + edges[k + sp[1]][1]) / 2 - mid) for sp in spans}
                good = [sp for sp in spans    # (rows' boxes are estimates: a tall span is allowed a little more)
                        if diff[sp] <= tol + SPAN_SLACK * (edges[k + sp[1]][1] - edges[k - sp[0]][0])]
                span = max(good, key=lambda sp: (sp[0] + sp[1], -diff[sp])) if good else (0, 0)
            taken = k + span[1]
            if span[0]:
                rows[k - span[0]][c] = rows[k].pop(c)
    rows[:] = [row for row in rows if row]         # a label that stood alone leaves no row behind


def _strays(rows: list[dict[int, Cell]]) -> None:
    """Centred cells: a cell of one line that begins below every cell of one line in its row has ended is not beside
    them (a row's first line close under a merged label's last: 项目资金(万元) | 年度资): it begins the next row."""
    for k in range(len(rows) - 1):
        singles = {c: cell for c, cell in rows[k].items() if len(cell.lines) == 1}
        for c, cell in list(singles.items()):
            others = [o.box[3] for d, o in singles.items() if d != c]
            if others and cell.box[1] > max(others):
                below = rows[k + 1].setdefault(c, Cell())
                below.lines[:0] = rows[k].pop(c).lines
    rows[:] = [row for row in rows if row]


def _glyph_tails(rows: list[dict[int, Cell]], wrap: float) -> None:
    """Centred cells: a label's last glyph printed a line under the rest, which filled its column, and taken into the
    next row with the line it stands on (`绩效指|标` over a page's rows, `标` beside the next row's figures): put back
    with the label, when no figure stands left of it (a remark's 无 is its row's own). So is a label's last line of
    words when the rest stands off the centre of its row (a label centred over many rows, its lines in two: 绩效|指标),
    and a row left holding nothing but a short label's line under a label of its column (年度|总体|目标, lines broken
    by hand: none fills its column)."""
    if not wrap:
        return
    size = median(s.size for row in rows for cell in row.values() for s in cell.lines)
    for above, row in zip(rows, rows[1:]):
        for c, cell in sorted(row.items(), reverse=True):     # (right to left: what goes up leaves a label alone)
            up = above.get(c)
            alone = len(row) == 1 and len(cell.text) <= SHORT_LABEL and bool(HAN.search(cell.text))
            if up is None or len(cell.lines) != 1 or _FIGURE.search(cell.text) or not (alone or up.open and (
                    HAN.fullmatch(cell.text) or (HAN.search(cell.text)
                                                 and _off_centre(above, c, ANCHOR * max(size, 1.0))))):
                continue
            step = cell.lines[0].top - up.lines[-1].top
            if abs(step - wrap) <= (WRAP_PITCH - 1) * wrap and not _after_figure(
                    ((d, o.text) for d, o in row.items()), c):
                up.lines += row.pop(c).lines
    rows[:] = [row for row in rows if row]


def _off_centre(row: dict[int, Cell], c: int, tol: float) -> bool:
    """Centred cells: the cell in column c stands more than `tol` off the centre of its row's other one-line cells
    (a piece of a label merged over rows, not a cell of this row)."""
    others = [(o.box[1] + o.box[3]) / 2 for d, o in row.items() if d != c and len(o.lines) == 1]
    box = row[c].box
    return bool(others) and abs((box[1] + box[3]) / 2 - median(others)) > tol


def _row_edges(rows: list[dict[int, Cell]], skip: int, figures: list[set[int]], centred: list[set[int]]
               ) -> list[tuple[float, float]]:
    """Where each row's box runs from and to (halfway between the text of two rows; the outer rows as far out as
    half the usual gap), from the text of its cells outside column `skip`, from its figures on (`figures`: each
    row's figure columns; a label centred on rows is centred on their boxes, not on their text), in a row without
    figures from its cells centred on it (`centred`: each row's columns whose cell is; a label merged over it and
    the rows under it is not)."""
    bands = []
    for row, shown, on in zip(rows, figures, centred):   # its figures and what stands right of them: labels merged
        first = min(shown, default=None)                   # over rows (left of the figures) are centred on rows
        boxes = [cell.box for c, cell in row.items()
                 if c != skip and (c >= first if first is not None else c in on)] or [cell.box for cell in row.values()]
        bands.append((min(b[1] for b in boxes), max(b[3] for b in boxes)))
    gaps = [max(0.0, b[0] - a[1]) for a, b in zip(bands, bands[1:])]
    half = median(gaps) / 2 if gaps else 0.0
    cuts = [bands[0][0] - half] + [(a[1] + b[0]) / 2 for a, b in zip(bands, bands[1:])] + [bands[-1][1] + half]
    return list(zip(cuts, cuts[1:]))


def _rows_above(lines: list[Line], first: int, wrap: float) -> int:
    """The first line of the rows standing over line `first` whose cells are centred: groups of lines less than
    CLOSE_PITCH of a wrapped line's pitch apart holding cells in two columns or more (a title is one cell)."""
    while first:
        top = first - 1
        while top and lines[top].top - lines[top - 1].top < CLOSE_PITCH * wrap:
            top -= 1
        if top == first - 1 or len({s.c0 for ln in lines[top:first] for s in ln.segments}) < 2:
            return first
        first = top
    return first


def _alike(figures: list[set[int]], k: int, i: int, j: int) -> bool:
    """Rows k-i..k+j may be the rows of one label standing in row k: rows of figures as its row is (a heading over
    them at the top: 项目资金 over 年初预算数), or rows without figures as its row is (a heading among headings)."""
    if not figures[k]:
        return not any(figures[r] for r in range(k - i, k + j + 1))
    if not all(figures[r] for r in range(k, k + j + 1)):
        return False
    heads = [bool(figures[r]) for r in range(k - i, k)]
    return heads == sorted(heads)                    # figure-less rows only before the rows of figures


def _empty_run(rows: list[dict[int, Cell]], c: int, k: int, step: int):
    """The rows next to row k (upwards: step -1) whose column c is empty, up to the first that is not."""
    k += step
    while 0 <= k < len(rows) and c not in rows[k]:
        yield k
        k += step


def _goes_on(end: RowEnd, cells: list[tuple[int, str]], close: bool, inside: bool, near: bool = True,
             valign: str = "top") -> bool:
    """A line of cells (column, text) belongs to the row above: it only goes on with the row's open cells; or it
    stands so close under the row's last line that it cannot be a row of its own and fills none of the row's
    cells; or, inside the table, it holds words and no figure, fewer cells than the row's first line, all under
    cells of the row (a cell's text wrapped before a word that did not fit: 满意度|指标, ≥73|把/组), and no line
    follows it closer than a pitch (the rest of a row of vertically centred cells). `near`: it stands a wrapped
    line's pitch under the line before. In a table whose cells are centred or bottom-aligned (`valign`), a row's
    short cells stand beside a wrapped cell's middle or last line: while the row has an open cell, a near line that
    goes on with open cells, fills columns still empty in the row or holds a label's unit (万元) is that row's too,
    as is one going on with every cell of the row, each a line's pitch under it, and adding more (≥73|把/组 beside
    the row's figures); an open cell goes on only when near."""
    if all(c in end.open for c, _ in cells) and (near or valign == "top"):
        return True
    if close and all(c not in end.text or c in end.open for c, _ in cells):
        return True
    if valign != "top" and near and end.open \
            and all(c in end.open or c not in end.text or _UNIT.fullmatch(t) for c, t in cells):
        return True
    under = {c for c, _ in cells}
    if valign != "top" and near and end.fresh is not None and end.text <= under and end.text <= end.fresh \
            and len(under) > len(end.text):
        return True
    return (inside and near and len(cells) < end.width and all(c in end.single for c, _ in cells)
            and not any(_FIGURE.fullmatch(t) for _, t in cells))


def aligned_tables(chars: list[dict], tolerance: float, rules: list[tuple[float, float, float]] = ()
                   ) -> list[AlignedTable]:
    """The aligned tables among a page's glyphs (none when fewer than MIN_LINES lines have MIN_CELLS cells);
    `rules`: the page's horizontal rulings (y, x0, x1), a table ruled between its rows but not between its
    columns. Where a table is found, its lines are cut again at narrower gaps where a column starts (a web page's
    cells a few points apart run together at first; prose on a page without a table is never cut so)."""
    wide = text_lines(chars, tolerance)
    tables = tables_of_lines(wide, rules)
    if not tables:
        return tables
    lines = wide
    for _ in range(2):                   # the cells cut apart show more of the columns' starts
        narrow = text_lines(chars, tolerance, _starts(lines))
        if sum(len(ln.segments) for ln in narrow) == sum(len(ln.segments) for ln in lines):
            break
        lines = narrow
    return (tables_of_lines(lines, rules) or tables) if lines is not wide else tables


def _starts(lines: list[Line]) -> tuple[float, ...]:
    """Where the cells of the lines start: where columns start (a line's own segments start nowhere inside it; a
    table's few lines at the head of the page it goes on to may show a column's start once)."""
    xs = sorted(s.x0 for ln in lines for s in ln.segments)
    return tuple(xs)


def ruled_columns_table(chars: list[dict], tolerance: float, cols: list[tuple[float, float]]) -> AlignedTable | None:
    """The rows of a table ruled between its columns but not between its rows (its rulings give one tall row):
    rebuilt from the text inside it by the rules above, its columns the ruled ones (`cols`, left to right); None
    when fewer than MIN_LINES of its lines hold MIN_CELLS cells (a box of prose is no such table)."""
    lines = text_lines(chars, tolerance)
    if len(cols) < MIN_CELLS or sum(len(ln.segments) >= MIN_CELLS for ln in lines) < MIN_LINES:
        return None
    place(lines, cols)
    found = _table(lines, cols, _pitch(lines))
    return found[0] if found else None


def tables_of_lines(lines: list[Line], rules: list[tuple[float, float, float]] = (), grids: bool = True
                    ) -> list[AlignedTable]:
    """The aligned tables among a page's lines of cells, top to bottom; `grids`: each table of other columns on its
    own (`_grids`: a text layer's exact positions; OCR's boxes stand a few points off their columns)."""
    if not lines:
        return []
    parts = _grids(lines) if grids else [lines]
    if len(parts) > 1:
        found = [tables_of_lines(part, rules) if columns(part) else None for part in parts]
        out, layout = [], ()           # a page's last lines by the layout of the table above them (a head's are read
        for part, got in zip(parts, found):                             # again in the table's they end: regrid)
            out += got if got is not None else _loose(part, rules, layout)
            layout = next((t.layout for t in got or []), layout)
        return out
    rules = sorted(rules)
    cols = columns(lines)
    if len(cols) < MIN_CELLS:
        return []
    place(lines, cols)
    pitch = _pitch(lines)
    far = FAR_PITCH * max(pitch, _wrap_pitch(lines))     # (half steps beside centred cells make the median small)
    tables, block = [], []
    for ln in lines:              # a table runs from its first to its last line of two cells or more
        if block and pitch and ln.top - block[-1].top > far:
            tables += _table(block, cols, pitch, rules)
            block = []
        block.append(ln)
    tables += _table(block, cols, pitch, rules)
    return tables


def _misfit(lines: list[Line], cols: list[tuple[float, float]]) -> int | None:
    """How many cells of the lines of two cells or more start away from every column the lines show (`cols`, their
    `columns`; None: no table's columns): cells of two grids read as one start inside each other's columns."""
    if len(cols) < MIN_CELLS:
        return None
    starts = [a for a, _ in cols]
    return sum(1 for ln in lines if len(ln.segments) >= 2 for s in ln.segments
               if min(abs(s.x0 - a) for a in starts) > GRID_SLACK)


def _off_grid(part: list[Line], cols: list[tuple[float, float]], tail: bool = False) -> bool:
    """A page's few first lines, too few to show columns, are off the grid of the lines under them (`cols`, theirs):
    one holds MIN_CELLS cells or more, and each of two cells or more has a cell starting and ending away from every
    column (the last rows of a table of other columns going on from the page before; a cell flush right in its
    column ends where it does). So are a page's few last lines under a title at the left of the columns above
    (`tail`: the next table's first rows, its name and agency where no column above starts), two or more of them of
    two cells or more, each with a cell starting away from every column."""
    if tail and (len(part[0].segments) != 1 or part[0].segments[0].x0 > cols[0][0] + GRID_SLACK):
        return False
    many = [ln for ln in part if len(ln.segments) >= 2]
    return (any(len(ln.segments) >= MIN_CELLS for ln in many) or (tail and len(many) >= 2)) and all(
        any(min(abs(s.x0 - a) for a, _ in cols) > GRID_SLACK
            and (tail or min(abs(s.x1 - b) for _, b in cols) > GRID_SLACK) for s in ln.segments) for ln in many)


def _grids(lines: list[Line]) -> list[list[Line]]:
    """The lines split where one table gives way to another of other columns (a web page's tables printed one under
    the other: the end of one and the start of the next on a page), at a line of one cell (the next table's title),
    where the two parts' cells fit their own columns better than all of them fit the page's: MISFIT_GAIN of them
    fewer starting away from every column, and a third (a line at the left of the columns first: a title, not a
    cell's wrapped line); or where a page's few first lines stand off the grid of the rest (`_off_grid`). Each part
    may split again."""
    cols = columns(lines)
    whole = _misfit(lines, cols)
    if not whole:
        return [lines]
    left = cols[0][0] + GRID_SLACK
    best, at = (False, 0), None
    for k in range(1, len(lines)):
        if len(lines[k].segments) != 1 or len(lines[k - 1].segments) < 2:
            continue
        up, down = columns(lines[:k]), columns(lines[k:])
        above, below = _misfit(lines[:k], up), _misfit(lines[k:], down)
        if below is None:                  # a page's few last lines
            if above is None or not _off_grid(lines[k:], up, tail=True):
                continue
        elif above is None and not _off_grid(lines[:k], down):      # its few first lines
            continue
        gain = whole - (above or 0) - (below or 0)
        key = (lines[k].segments[0].x0 <= left, gain)      # a title at the left of the columns first (not a cell's
        if gain >= (max(MISFIT_GAIN, whole / 3) if above is not None and below is not None else 1) and key > best:
            best, at = key, k                               # wrapped line: 全年执|数)
    if at is None:
        return [lines]
    return _grids(lines[:at]) + _grids(lines[at:])


def _start_groups(items: list[tuple]) -> list[list[tuple]]:
    """Items (x0, x1, …) grouped by where they start: each within GRID_SLACK of its group's first, left to right."""
    groups: list[list[tuple]] = []
    for item in sorted(items):
        if groups and item[0] - groups[-1][0][0] <= GRID_SLACK:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def _own_columns(lines: list[Line]) -> list[tuple[float, float]]:
    """The columns of a few lines, too few for `columns`: where their cells start (within GRID_SLACK), each as wide
    as its widest cell, short of the next."""
    groups = _start_groups([(s.x0, s.x1) for ln in lines for s in ln.segments])
    cols = [(g[0][0], max(x1 for _, x1 in g)) for g in groups]
    return [(a, min(b, nxt[0] - GRID_SLACK)) for (a, b), nxt in zip(cols, cols[1:])] + cols[-1:]


def _loose(lines: list[Line], rules: list[tuple[float, float, float]], layout: tuple = ()) -> list[AlignedTable]:
    """A page's few first lines over a table of other columns (`_grids`): the rest of the table on the page before,
    its columns where their cells start (`loose`: the stitching puts them in that table's columns); or its few last
    lines under a title, the next table's first rows, read by the `layout` of the table above (a few lines show
    none)."""
    cols = _own_columns(lines)
    if len(cols) < MIN_CELLS:
        return []
    place(lines, cols)
    found = _table(lines, cols, layout[0] if layout else _pitch(lines), sorted(rules), least=0 if layout else 1,
                   layout=layout)
    for t in found:
        t.loose = lines
    return found


def regrid(t: AlignedTable, prev: AlignedTable) -> AlignedTable | None:
    """A loose table's lines read again in the columns of the table `prev` they go on with, by its pitch and vertical
    alignment (a few lines show neither); None when they give no table."""
    if not t.loose or not prev.cols or not prev.layout:
        return None
    lines = [Line(ln.top, ln.bottom, [replace(s) for s in ln.segments]) for ln in t.loose]   # (t keeps its own)
    place(lines, prev.cols)
    found = _table(lines, prev.cols, prev.layout[0], least=1, layout=prev.layout)
    return found[0] if len(found) == 1 else None


def _end(row: dict[int, Cell], ln: Line, valign: str, wrap: float, foot: bool = False) -> RowEnd:
    """What the row leaves for line `ln`; centred or bottom-aligned, a cell goes on only on the line a wrapped
    line's pitch under its last one (the line next to it may be another cell's, half a pitch down), and a plain
    number never with another (a score filling a narrow column did not wrap: the number under it is the next row's;
    100|% is one); centred, a cell goes on no further under the centre of the row's one-line cells than it began
    above it, but on the page's last line (`foot`: a row cut at the page's foot is not centred)."""
    end = RowEnd.of(row)
    if valign == "top" or not wrap:
        return end
    fresh = frozenset(c for c, cell in row.items() if ln.top - cell.lines[-1].top <= WRAP_PITCH * wrap
                      and not (_NUMBER.fullmatch(cell.lines[-1].text)
                               and any(s.c0 == c and _NUMBER.fullmatch(s.text) for s in ln.segments)))
    done = [cell for cell in row.values() if len(cell.lines) == 1
            and (not cell.lines[0].fills or _NUMBER.fullmatch(cell.lines[0].text))]      # (a score never wraps)
    if valign == "center" and done and not foot:
        mid = median((cell.box[1] + cell.box[3]) / 2 for cell in done)
        fresh = frozenset(c for c in fresh if ln.bottom <= 2 * mid - row[c].box[1] + ANCHOR * wrap)
    return RowEnd(end.open & fresh, end.text, end.width, end.single & fresh, fresh)


def _wraps_on(cell: Cell, s: Segment) -> bool:
    """`s`, on the first line of a new row, is the rest of the label above it (in one column): the glyph it wrapped
    before, or a bracketed unit on a line of its own (a new cell is rarely either)."""
    last = cell.lines[-1]
    if last.c0 != last.c1 or not HAN.fullmatch(last.text[-1:]):
        return False
    return bool(_UNIT.fullmatch(s.text)) or (cell.open and bool(HAN.fullmatch(s.text)))


def _ruled_between(rules: list[tuple[float, float, float]], a: Line, b: Line, x0: float, x1: float) -> bool:
    """A horizontal ruling over half of x0..x1 or more lies between lines a and b (`rules` sorted by height)."""
    k = bisect.bisect_left(rules, (a.bottom - 1,))
    while k < len(rules) and rules[k][0] <= b.top + 1:
        _, r0, r1 = rules[k]
        if min(x1, r1) - max(x0, r0) >= 0.5 * (x1 - x0):
            return True
        k += 1
    return False


def _table(lines: list[Line], cols: list[tuple[float, float]], pitch: float,
           rules: list[tuple[float, float, float]] = (), least: int = MIN_LINES, layout: tuple = ()
           ) -> list[AlignedTable]:
    """The table of the lines in columns `cols`; `layout`: (pitch, wrap, valign) given (the table they go on with),
    not found from them."""
    many = [k for k, ln in enumerate(lines) if len(ln.segments) >= 2]
    if not many or sum(len(ln.segments) >= MIN_CELLS for ln in lines) < least:
        return []
    first, last = many[0], many[-1]
    x0, x1 = cols[0][0], cols[-1][1]
    ruled = [k for k in range(first + 1, last + 1) if _ruled_between(rules, lines[k - 1], lines[k], x0, x1)]
    by_rules = len(ruled) >= MIN_LINES      # ruled between its rows (not between its columns): rows are the rules'
    wrap = _wrap_pitch(lines[first:last + 1])
    lead = first                   # lines over the first of many cells that wrapped cells may have begun on
    while wrap and lead and all(s.fills for s in lines[lead - 1].segments) \
            and lines[lead].top - lines[lead - 1].top <= NEXT_PITCH * wrap:
        lead -= 1
    valign = "top" if by_rules else _valign(lines[lead:last + 1], wrap)
    if layout:
        pitch, wrap, valign = layout
        lead = first
    if valign != "top":            # half-pitch steps beside wrapped cells: the wrapped lines' pitch is the pitch,
        pitch, first = wrap, lead  # and the first row may begin with wrapped cells' first lines of their own
    if valign == "center":         # or be a row of lines of one cell each, half a line apart (项目名 | 称 beside
        first = _rows_above(lines, first, wrap)     # 网络设备…经费 between them)
    if valign != "top" and first == 1 and lines[1].top - lines[0].top <= 2 * wrap \
            and all(s.c0 == s.c1 for s in lines[0].segments):
        first = 0                  # the page's first line, in the table's columns: a row going on from the page before
    rows: list[dict[int, Cell]] = []
    merged: dict[int, Cell] = {}
    prev: Line | None = None
    ended = False
    for k, ln in enumerate(lines[first:], first):
        tight = prev is not None and pitch > 0 and ln.top - prev.top < CLOSE_PITCH * pitch
        close = tight and valign != "bottom"
        led = k + 1 < len(lines) and pitch > 0 and lines[k + 1].top - ln.top < CLOSE_PITCH * pitch
        near = prev is not None and (not wrap or ln.top - prev.top <= NEXT_PITCH * wrap)
        if valign == "bottom" and tight:   # a row's lines stand a pitch apart, up from its last: a line nearer the
            near = False                   # one before is another cell's (a label merged over rows, bottom-aligned)
        split = prev is not None and _ruled_between(rules, prev, ln, x0, x1)
        if by_rules and k > last and (split or not rows):
            break
        if rows and not split and not (ended and k < len(lines) - 1) and (
                by_rules or _goes_on(_end(rows[-1], ln, valign, wrap, k == len(lines) - 1),
                                     [(g.c0, g.text) for g in ln.segments], close, k <= last and not led, near, valign)):
            for s in ln.segments:
                (merged.get(s.c0) or rows[-1].setdefault(s.c0, Cell())).lines.append(s)
        elif k > last:
            break                 # past the table's last many-celled line, only its wrapped cells go on
        else:
            after = rows[-1] if rows and prev is not None and not by_rules and ln.top - prev.top <= NEXT_PITCH * pitch \
                else {}
            rows.append({})
            merged = {}           # columns whose cell above runs on into this row (no ruling over it)
            for s in ln.segments:
                if by_rules and prev is not None and not _ruled_between(rules, prev, ln, s.x0, s.x1):
                    above = next((r for r in reversed(rows[:-1]) if s.c0 in r), None)
                    if above is not None:
                        merged[s.c0] = above[s.c0]
                        above[s.c0].lines.append(s)
                        continue
                tail = s.c0 in after and _wraps_on(after[s.c0], s) \
                    and not _after_figure(((g.c0, g.text) for g in ln.segments), s.c0)   # (a remark's 无 is its own)
                (after if tail else rows[-1]).setdefault(s.c0, Cell()).lines.append(s)
            if not rows[-1]:      # all of it went on with the cells above: no row of its own
                rows.pop()
        prev = ln
        # bottom-aligned, every cell of a row ends on its last line, the one with its figures (two or more that did
        # not wrap, or plain numbers): the next line is another row's (but the page's last, a row cut at its foot)
        ended = valign == "bottom" and (sum(1 for g in ln.segments if _NUMBER.fullmatch(g.text)
                                            or (_FIGURE.fullmatch(g.text) and not g.fills)) >= 2
                                        or sum(1 for g in ln.segments if not g.fills) >= 2)
    if valign == "center":
        _strays(rows)
        _glyph_tails(rows, wrap)
    _spread(rows, valign)
    n = len(cols)
    out_rows = [[row[c].text if c in row else "" for c in range(n)] for row in rows]
    bands = [(min(cell.box[1] for cell in row.values()), max(cell.box[3] for cell in row.values())) for row in rows]
    boxes = [[row[c].box if c in row else (cols[c][0], top, cols[c][1], bottom) for c in range(n)]
             for row, (top, bottom) in zip(rows, bands)]
    bbox = (min(min(b[0] for b in row) for row in boxes), bands[0][0],
            max(max(b[2] for b in row) for row in boxes), bands[-1][1])
    head = tuple((g.c0, g.text) for g in lines[first].segments)
    cells = [[row[c].lines if c in row else [] for c in range(n)] for row in rows]
    return [AlignedTable(out_rows, boxes, bbox, n, [bottom - top for top, bottom in bands], RowEnd.of(rows[-1]), head,
                         cells, list(cols), layout=(pitch, wrap, valign))]
