"""A pdfplumber table as the model's physical-cell rows (`page_table`): spans rebuilt from the cell rectangles, filler
rows (a grid row too thin for a line of text) dropped, cells turned 90° or written top to bottom read as text, and the
geometry of its first and last rows' cells kept (`CellGeom`) for stitching over page breaks."""
from __future__ import annotations

import bisect
import re

from evalkit.readers.aligned import HAN
from evalkit.readers.grid import Span, rows_from_spans
from evalkit.readers.pdfpage import EDGE_TOL, HEAD_ROWS, CellGeom, PageTable
from evalkit.readers.pdfrulings import Level

WRAP_SLACK = 1.0         # a text line is wrapped when less than one glyph (+ EDGE_TOL) is left beside it


def page_table(table, page_number: int, y_tolerance: float = 3.0, ruled: Level | None = None,
                glyphs: list[dict] | None = None) -> PageTable | None:
    """A pdfplumber table as physical-cell rows: spans rebuilt from the cell rectangles.

    The cells of its first and last rows keep their geometry (CellGeom): where they sit, how
    far down their text runs (`glyphs`: the page's characters sorted by top), and whether a
    ruling is drawn along their outer edge (`ruled`: the page's horizontal rulings)."""
    texts = _turned_cells(table, table.extract(y_tolerance=y_tolerance), y_tolerance)
    tops = _lines([row.bbox[1] for row in table.rows])
    lefts = _lines([col.bbox[0] for col in table.columns])
    spans, boxes = [], []
    for i, row in enumerate(table.rows):
        for j, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            r0, c0 = _index(tops, top), _index(lefts, x0)
            r1 = max(r0, _index(tops, bottom - 2 * EDGE_TOL))  # last row starting above the bottom
            c1 = max(c0, _index(lefts, x1 - 2 * EDGE_TOL))
            spans.append(Span(r0, r1, c0, c1, (texts[i][j] or "").strip()))
            boxes.append(tuple(float(v) for v in bbox))
    lines = [*tops, float(table.bbox[3])]
    spans, boxes, fill = _without_filler_rows(spans, boxes, [b - a for a, b in zip(lines, lines[1:])])
    rows = rows_from_spans(spans)
    if not rows or not any(cell for row in rows for cell in row):
        return None
    grid: list[list[tuple]] = [[] for _ in rows]         # boxes in rows_from_spans order (by c0, stable)
    for s, box in zip(spans, boxes):
        for r in range(s.r0, s.r1 + 1):
            grid[r].append((s.c0, box))
    cell_boxes = [[b for _, b in sorted(row, key=lambda t: t[0])] for row in grid]
    heights = [float(r.bbox[3] - r.bbox[1]) for i, r in enumerate(table.rows) if i not in fill][:HEAD_ROWS + 2]
    lead = max(heights[:2], default=0.0)
    cells = _edge_cells(spans, boxes, len(rows) - 1, ruled, glyphs) if ruled is not None else []
    left = float(table.bbox[0])
    merged = sorted({(round(b[0] - left, 1), round(b[2] - left, 1)) for s, b in zip(spans, boxes) if s.r1 > s.r0})
    return PageTable(rows, page_number, tuple(float(v) for v in table.bbox), len(lefts), lead, cells, heights,
                     cell_boxes, merged)


THIN_ROW = 7.0             # points: a grid row this thin holds no line of text (a 5 pt glyph and its padding)


def _filler_rows(spans: list[Span], heights: list[float] | None = None) -> set[int]:
    """Grid rows that are strips, not rows of the table: a browser prints a cell merged over rows that a page break
    cuts down to the page's foot under the last row that fit and from the next page's head over the first row there,
    and may end a merged cell's part a few points short of its last row (its rows' boxes stand apart): the strip
    beside such a part is a grid row of empty cells of its own, crossed by a cell merged over rows (or, at the
    table's head or foot, the table's own frame: one empty cell across it). A print that slices the page (wkhtmltopdf)
    draws the foot of the row above the break again at the next page's head: a row of empty cells thinner than
    THIN_ROW, no text could stand in (`heights`: the grid rows')."""
    last = max((s.r1 for s in spans), default=0)
    width = max((s.c1 for s in spans), default=0)
    out = set()
    for r in range(last + 1):
        alone = [s for s in spans if s.r0 == s.r1 == r]
        through = [s for s in spans if s.r0 <= r <= s.r1 and s.r0 != s.r1]
        if not alone or any(s.text for s in alone):
            continue
        frame = r in (0, last) and len(alone) == 1 and not through and alone[0].c0 == 0 and alone[0].c1 == width
        thin = heights is not None and r < len(heights) and heights[r] < THIN_ROW and not through
        if through or frame or thin:
            out.add(r)
    for s in spans:                  # a cell with text keeps its first row
        if s.text and all(r in out for r in range(s.r0, s.r1 + 1)):
            out.discard(s.r0)
    return out if len(out) <= last else set()


def _without_filler_rows(spans: list[Span], boxes: list[tuple],
                         heights: list[float] | None = None) -> tuple[list[Span], list[tuple], set[int]]:
    """The table without its `_filler_rows` (their own empty cells left out, a merged cell crossing one a row
    shorter), so that a merged cell cut by the page break ends in the last row (its open foot, among the closed
    ones beside it, tells the break); and which grid rows were left out."""
    fill = _filler_rows(spans, heights)
    if not fill:
        return spans, boxes, fill
    last = max(s.r1 for s in spans)
    new = {}
    for r in range(last + 1):
        if r not in fill:
            new[r] = len(new)
    out_s, out_b = [], []
    for s, b in zip(spans, boxes):
        rows = [new[r] for r in range(s.r0, s.r1 + 1) if r in new]
        if rows:
            out_s.append(Span(rows[0], rows[-1], s.c0, s.c1, s.text))
            out_b.append(b)
    return out_s, out_b, fill


def _turned_cells(table, texts: list[list[str | None]], y_tolerance: float) -> list[list[str | None]]:
    """Cells whose text is written upwards or in vertical columns, read in their order.

    pdfplumber reads every turned glyph top to bottom, lines left to right: right for text turned to read downwards
    (Word's 文字方向 tbRl), backwards for text turned to read upwards (btLr: `标指出产` for 产出指标). A glyph turned a
    quarter counter-clockwise (its matrix's b > 0) reads upwards; its cell is read again bottom to top. Chinese
    written vertically with upright glyphs (LibreOffice's tbRl) stands in columns read top to bottom, right to
    left; read by lines it came out `目 总 年` / `标 体 度` for 年度 / 总体 / 目标 (`_vertical_text`)."""
    from pdfplumber.utils import extract_text

    page_chars = table.page.chars
    upward = {id(c) for c in page_chars if not c.get("upright", True) and (c.get("matrix") or (0, 0))[1] > 0}
    stacked = [(i, j) for i, row in enumerate(texts) for j, t in enumerate(row)
               if t and HAN.search(t) and sum(1 for line in t.split("\n") if _SPACED.search(line)) >= 2]
    if not upward and not stacked:
        return texts

    def inside(box, chars):
        x0, top, x1, bottom = box
        return [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 < x1 and top <= (c["top"] + c["bottom"]) / 2 < bottom]

    stacked_rows = {i for i, _ in stacked}
    for i, row in enumerate(table.rows):
        in_row = inside(row.bbox, page_chars) if upward or i in stacked_rows else []
        if not any(id(c) in upward for c in in_row) and i not in stacked_rows:
            continue
        for j, cell in enumerate(row.cells):
            if cell is None or texts[i][j] is None:
                continue
            chars = inside(cell, in_row)
            if any(id(c) in upward for c in chars):
                texts[i][j] = extract_text(chars, y_tolerance=y_tolerance, char_dir_rotated="btt", line_dir_rotated="ltr")
            elif (i, j) in stacked:
                texts[i][j] = _vertical_text(chars) or texts[i][j]
    return texts


_SPACED = re.compile(r"\S \S")          # two lines like this: glyphs of vertical columns read across
TOUCH = 0.15             # font sizes: glyphs this close (or overlapping) touch


def _vertical_text(chars: list[dict]) -> str | None:
    """Glyphs written in vertical columns, read column by column from the right, each top to bottom; None
    when they are not so written: every column of two glyphs or more stacks them touching, while no two glyphs
    side by side touch (horizontal lines set apart, 分散对齐, keep their glyphs in rows, not stacked)."""
    glyphs = [c for c in chars if (c.get("text") or "").strip()]
    # Chinese glyphs stand upright in a vertical column; Latin letters, digits and brackets among them are turned
    # to read downwards (matrix b < 0)
    if len(glyphs) < 4 or not all(c.get("upright", True) or (c.get("matrix") or (0, 0))[1] < 0 for c in glyphs):
        return None
    size = max(float(c.get("size") or 0) for c in glyphs) or 10.0
    columns: list[list[dict]] = []
    for c in sorted(glyphs, key=lambda c: (c["x0"] + c["x1"]) / 2):
        mid = (c["x0"] + c["x1"]) / 2
        if columns and abs(mid - (columns[-1][0]["x0"] + columns[-1][0]["x1"]) / 2) <= 0.3 * size:
            columns[-1].append(c)
        else:
            columns.append([c])
    if len(columns) < 2:
        return None
    for col in columns:
        col.sort(key=lambda c: c["top"])
        if any(b["top"] - a["bottom"] > TOUCH * size for a, b in zip(col, col[1:])):
            return None
    if max(len(col) for col in columns) < 2:
        return None
    for a, b in zip(columns, columns[1:]):          # side by side: a column gap, never touching
        if min(b_c["x0"] for b_c in b) - max(a_c["x1"] for a_c in a) <= TOUCH * size:
            return None
    return "\n".join("".join(c["text"] for c in col) for col in reversed(columns))


def _edge_cells(spans: list[Span], boxes: list[tuple], last: int, ruled: Level,
                glyphs: list[dict] | None) -> list[CellGeom]:
    """CellGeom of the cells starting in a table's first HEAD_ROWS rows (a continuation's first
    row may follow repeated header rows) or covering its last row; how far down the text runs
    is measured in the last row's cells only."""
    order: dict[int, list[int]] = {}     # row -> span indices covering it, in rows_from_spans order

    def index_in_row(k: int) -> int:
        r = spans[k].r0
        if r not in order:
            order[r] = sorted((i for i, s in enumerate(spans) if s.r0 <= r <= s.r1), key=lambda i: spans[i].c0)
        return order[r].index(k)

    tops = [g["top"] for g in glyphs or []]
    out, lines = [], []
    for k, (s, (x0, top, x1, bottom)) in enumerate(zip(spans, boxes)):
        if s.r0 >= HEAD_ROWS and s.r1 != last:
            continue
        cell = CellGeom(s.r0, s.r1, index_in_row(k), x0, x1, top, bottom, s.text,
                        open_top=not ruled.ruled(top, x0, x1))
        if s.r1 == last:
            inside = [g for g in (glyphs or [])[bisect.bisect_left(tops, top - EDGE_TOL):bisect.bisect_right(tops, bottom)]
                      if x0 <= (g["x0"] + g["x1"]) / 2 <= x1 and top <= (g["top"] + g["bottom"]) / 2 <= bottom]
            cell.open_bottom = not ruled.ruled(bottom, x0, x1)
            if inside:
                cell.text_bottom = max(float(g["bottom"]) for g in inside)
                cell.size = max(float(g.get("size") or 0) for g in inside)
                low = max(float(g["top"]) for g in inside) - 0.5 * max(cell.size, 1.0)
                line = sorted((g for g in inside if float(g["top"]) >= low), key=lambda g: g["x0"])
                above = [g for g in inside if float(g["top"]) < low]
                if above:                    # its lines' pitch: from the line above the last to the last (their
                    #                          lowest bottoms: a Latin glyph's box stands higher than a CJK one's)
                    prev_top = max(float(g["top"]) for g in above) - 0.5 * max(cell.size, 1.0)
                    cell.pitch = cell.text_bottom - max(float(g["bottom"]) for g in above
                                                        if float(g["top"]) >= prev_top)
                lines.append((cell, min(float(g["x0"]) for g in inside) - x0,
                              float(line[-1]["x1"]) - float(line[0]["x0"]), line[-1]["text"]))
        out.append(cell)
    # the cell padding: the smallest gap left of any text in the row (left-aligned or wrapped text)
    pad = min((gap for _, gap, _, _ in lines), default=0.0)
    for cell, _, width, end in lines:
        inner = cell.x1 - cell.x0 - 2 * max(0.0, min(pad, 0.25 * (cell.x1 - cell.x0)))
        breakable = not (end.isdigit() or end in ".,%")     # figures do not wrap inside a number
        cell.wrapped = breakable and width + WRAP_SLACK * max(cell.size, 1.0) + EDGE_TOL >= inner
    return out


def _lines(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > EDGE_TOL:
            out.append(v)
    return out


def _index(lines: list[float], v: float) -> int:
    """Index of the last grid line at or before v (within tolerance)."""
    idx = 0
    for k, line in enumerate(lines):
        if line <= v + EDGE_TOL:
            idx = k
    return idx
