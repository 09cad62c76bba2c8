"""Ruled tables on a page image (OpenCV morphology, as camelot's lattice mode and img2table do): horizontal and vertical
line masks, row and column lines, a grid unit joined to its neighbour where no line separates them, into cells with
row and column spans (`Grid`); each OCR box goes to the cell holding its centre, a box across a border cut and re-read,
a lone dash the detector passed over read alone; rulings a seal hides are told from rulings that are not there."""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from evalkit.readers.grid import Span, merged_units, rows_from_spans
from evalkit.readers.ocrengine import MIN_TEXT_SCORE, Box, engine
from evalkit.readers.ocrtext import box_ink, cell_text, clean_text, column_blobs

LINE_SHARE = 0.5          # a grid line counts between two units when it covers this share of their edge
STROKE_UNIT = 1.5          # text heights: a slice of a row this narrow beside a line through a word is a glyph, no column
FIGURE_INK = re.compile(r"[0-9%.]")      # a box with figures: a line through it may be the border between two cells
MAX_LONE_INK = 200        # empty cells per table whose ink is recognized on its own (missed dashes)


@dataclass
class PageTable:
    rows: list[list[str]]
    conf: list[list[float | None]]
    bbox: tuple[float, float, float, float]     # x0, y0, x1, y1 in the page image's pixels
    n_cols: int
    boxes: list[list[tuple | None]] | None = None   # each cell's box (same shape as rows): pixels of the
    #                                                 prepared page, PDF points after boxes_to_points
    grid: list[list[tuple]] | None = None   # a ruled table's cells in the prepared page's pixels, a merged cell's
    #                                         in every row it covers (kept as found: for stitching pages)
    sealed: list[list[bool]] | None = None  # cells a black seal lies over (same shape as rows), else None


@dataclass
class Grid:
    """A ruled table: its row and column lines and which grid units make one cell."""
    ys: list[float]
    xs: list[float]
    cell_of: list[list[int]]          # unit (i, j) -> cell id
    spans: list[tuple[int, int, int, int]]   # cell id -> r0, r1, c0, c1

    def rect(self, r0: int, r1: int, c0: int, c1: int) -> tuple[float, float, float, float]:
        """The page box (x0, y0, x1, y1) of the cell over rows r0..r1 and columns c0..c1."""
        return self.xs[c0], self.ys[r0], self.xs[c1 + 1], self.ys[r1 + 1]

    def unit(self, x: float, y: float) -> tuple[int, int] | None:
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        i = min(len(self.ys) - 2, max(0, bisect.bisect_right(self.ys, y) - 1))
        j = min(len(self.xs) - 2, max(0, bisect.bisect_right(self.xs, x) - 1))
        return i, j

    def fill(self, boxes: list[Box], gray: np.ndarray | None = None, text_h: float = 30.0,
             seal: np.ndarray | None = None) -> tuple[PageTable | None, set[int]]:
        """The boxes whose centres fall inside, put in their cells; the table and the boxes used.
        A cell left empty that has ink in it (a lone dash or digit the detector passed over) gets
        that ink recognized on its own. `seal`: a black seal's mask, the cells whose text it touches marked."""
        if seal is None:                # under a black seal lines are lost in some rows: one seen in a row alone is one
            self.merge_strokes(boxes, text_h)
        per_cell: dict[int, list[Box]] = {}
        used = set()
        for k, b in enumerate(boxes):
            u = self.unit(b.cx, b.cy)
            if u is None:
                continue
            used.add(k)
            parts = self.split_across(b, gray, text_h) if gray is not None else None
            for part in parts or [b]:
                if parts and _read_already(part, boxes, k):
                    continue
                u = self.unit(part.cx, part.cy) or u
                per_cell.setdefault(self.cell_of[u[0]][u[1]], []).append(part)
        spans, confs, rects, sealed = [], [], [], []
        budget = MAX_LONE_INK
        cells = []
        for cid, (r0, r1, c0, c1) in enumerate(self.spans):
            mine = per_cell.get(cid, [])
            parts = self.split_rows(mine, r0, r1, text_h) if r1 > r0 and mine else None
            cells.extend((a, b, c0, c1, boxes) for a, b, boxes in parts or [(r0, r1, mine)])
        for r0, r1, c0, c1, mine in cells:
            rect = self.rect(r0, r1, c0, c1)
            text = cell_text(mine)
            score = min(b.score for b in mine) if mine and text else None
            if not text and gray is not None and budget > 0:
                found = lone_ink(gray, rect, text_h)
                if found is not None:
                    budget -= 1
                    text, score = found
            spans.append(Span(r0, r1, c0, c1, text))
            confs.append(Span(r0, r1, c0, c1, round(float(score), 4) if text and score is not None else None))
            rects.append(Span(r0, r1, c0, c1, tuple(float(v) for v in rect)))
            if seal is not None:
                sealed.append(Span(r0, r1, c0, c1, bool(text) and _sealed_text(mine, rect, seal, text_h)))
        rows = rows_from_spans(spans)
        conf = rows_from_spans(confs, below=None)
        if not any(cell for row in rows for cell in row):
            return None, used
        bbox = (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])
        cells = rows_from_spans(rects, every=True)      # a merged cell's box in every row it covers
        return PageTable(rows, conf, bbox, len(self.xs) - 1, cells, [list(row) for row in cells],
                         rows_from_spans(sealed, below=False) if any(s.text for s in sealed) else None), used


    def merge_strokes(self, boxes: list[Box], text_h: float) -> None:
        """A column line ruled in one row only that runs through a text box there is a glyph's stroke, not a line: in
        a row barely taller than its text the upright strokes of 指 and 标 meet both row lines (一级指标 read as 一级 |
        旨 | 际, the header three cells and its columns off the rows below); the cells beside it are one."""
        margin = 0.3 * text_h
        nr, nc = len(self.ys) - 1, len(self.xs) - 1
        border = lambda i, j: self.cell_of[i][j - 1] != self.cell_of[i][j]  # noqa: E731  (the line at xs[j], row i)
        merged = False
        for b in boxes:
            u = self.unit(b.cx, b.cy)
            if u is None or FIGURE_INK.search(b.text):      # figures across a thin line: two cells (split_across)
                continue
            i = u[0]
            for j in range(1, nc):
                if not (b.x0 + margin < self.xs[j] < b.x1 - margin and border(i, j)):
                    continue
                if min(self.xs[j] - self.xs[j - 1], self.xs[j + 1] - self.xs[j]) > STROKE_UNIT * text_h:
                    continue            # strokes cut a word into glyph-wide slices; a real column is wider
                a, z = self.cell_of[i][j - 1], self.cell_of[i][j]
                if any(border(k, j) for k in range(nr) if k != i) or self.spans[a][:2] != self.spans[z][:2]:
                    continue
                r0, r1 = self.spans[a][:2]
                for k in range(r0, r1 + 1):
                    self.cell_of[k] = [a if c == z else c for c in self.cell_of[k]]
                self.spans[a] = (r0, r1, min(self.spans[a][2], self.spans[z][2]), max(self.spans[a][3], self.spans[z][3]))
                merged = True
        if merged:                      # the cells renumbered in reading order, the merged ones gone
            order = sorted({c for row in self.cell_of for c in row}, key=lambda c: (self.spans[c][0], self.spans[c][2]))
            new = {c: k for k, c in enumerate(order)}
            self.spans = [self.spans[c] for c in order]
            self.cell_of = [[new[c] for c in row] for row in self.cell_of]

    def split_rows(self, boxes: list[Box], r0: int, r1: int, text_h: float) -> list[tuple[int, int, list[Box]]] | None:
        """A cell over several rows whose lower lines are figures, each inside one row's band (得分 above 10,
        the line between them too faint to be found): the rows' own cells, (first row, last row, boxes)
        each. None when it is one cell: a label wrapped over the rows it spans, or text across a row line."""
        tol = 0.15 * text_h
        by_row: dict[int, list[Box]] = {}
        for b in boxes:
            k = min(r1, max(r0, bisect.bisect_right(self.ys, b.cy) - 1))
            if b.y0 < self.ys[k] - tol or b.y1 > self.ys[k + 1] + tol:
                return None
            by_row.setdefault(k, []).append(b)
        if len(by_row) < 2:
            return None
        starts = sorted(by_row)
        if any(not _is_figure(cell_text(by_row[k])) for k in starts[1:]):
            return None
        ends = [k - 1 for k in starts[1:]] + [r1]
        return [(r0 if i == 0 else k, e, by_row[k]) for i, (k, e) in enumerate(zip(starts, ends))]

    def split_across(self, b: Box, gray: np.ndarray, text_h: float) -> list[Box] | None:
        """A box the detector drew across a cell border (two figures close to a thin line):
        cut at the border, each piece recognized on its own. None when the box is in one cell."""
        margin = 0.3 * text_h
        i = self.unit(b.cx, b.cy)
        if i is None:
            return None
        row = i[0]
        cuts = []
        for j in range(1, len(self.xs) - 1):
            x = self.xs[j]
            if b.x0 + margin < x < b.x1 - margin and self.cell_of[row][j - 1] != self.cell_of[row][j]:
                cuts.append(x)
        if not cuts:
            return None
        edges = [b.x0] + cuts + [b.x1]
        parts = []
        for a, z in zip(edges, edges[1:]):
            crop = gray[int(b.y0):int(math.ceil(b.y1)), int(a) + (3 if a in cuts else 0):int(z) - (3 if z in cuts else 0)]
            if crop.size == 0 or crop.shape[1] < 4:
                continue
            res, _ = engine()(np.ascontiguousarray(crop), use_det=False, use_cls=False)
            if res and str(res[0][0]).strip() and float(res[0][1]) >= MIN_TEXT_SCORE:
                parts.append(Box(a, b.y0, z, b.y1, str(res[0][0]).strip(), float(res[0][1])))
        return parts or None


def _read_already(part: Box, boxes: list[Box], k: int) -> bool:
    """A piece cut off box `k` that lies on another box of its line (the detector drew box `k` over the
    last character of its neighbour: 服务对象满 | 病社会公众满意度): that character is read there already."""
    for j, o in enumerate(boxes):
        if j != k and min(part.x1, o.x1) - max(part.x0, o.x0) >= 0.5 * (part.x1 - part.x0) \
                and min(part.y1, o.y1) - max(part.y0, o.y0) >= 0.5 * min(part.h, o.h):
            return True
    return False


def _is_figure(text: str) -> bool:
    """A cell that holds only a number, a percentage or a dash."""
    from evalkit.normalize import parse_number
    return text == "—" or parse_number(text) is not None


def lone_ink(gray: np.ndarray, rect: tuple[float, float, float, float], text_h: float
             ) -> tuple[str, float] | None:
    """Text in an empty cell's interior that detection missed (most often a lone "—"):
    the ink's bounding box recognized alone; None when there is no ink or nothing legible."""
    margin = max(4, int(0.3 * text_h))
    x0, y0, x1, y1 = (int(rect[0]) + margin, int(rect[1]) + margin, int(rect[2]) - margin, int(rect[3]) - margin)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    ink = (gray[y0:y1, x0:x1] < 128).astype(np.uint8)
    if ink.sum() < 0.02 * text_h * text_h:
        return None
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = [stats[k] for k in range(1, n) if stats[k][4] >= max(8, 0.01 * text_h * text_h)]
    if not keep:
        return None
    bx0 = min(s[0] for s in keep)
    by0 = min(s[1] for s in keep)
    bx1 = max(s[0] + s[2] for s in keep)
    by1 = max(s[1] + s[3] for s in keep)
    if by1 - by0 > 3 * text_h or bx1 - bx0 > 30 * text_h:   # a picture, not a missed word
        return None
    bw, bh = bx1 - bx0, by1 - by0
    if len(keep) == 1 and bw >= 0.4 * text_h and bh <= 0.25 * text_h and bh <= 0.3 * bw:
        # one flat bar: a dash ("—", not applicable), which the recognizer reads as 一 or 1 or
        # not at all; its confidence is how solid the bar is
        return "—", round(min(1.0, keep[0][4] / float(bw * bh)), 4)
    sign = comparison_sign(ink[by0:by1, bx0:bx1], keep, bx0, by0, text_h)
    if sign is not None:
        return sign
    pad = max(3, int(0.25 * text_h))
    crop = gray[max(0, y0 + by0 - pad):y0 + by1 + pad, max(0, x0 + bx0 - pad):x0 + bx1 + pad]
    res, _ = engine()(np.ascontiguousarray(crop), use_det=False, use_cls=False)
    if not res:
        return None
    text, score = clean_text(str(res[0][0]).strip()), float(res[0][1])
    return (text, round(score, 4)) if text and score >= MIN_TEXT_SCORE else None


def comparison_sign(ink: np.ndarray, parts, ox: int, oy: int, text_h: float) -> tuple[str, float] | None:
    """≥ or ≤ (≧, ≦ with two bars) alone in a cell (a 指标性质 column), which the recognizer has no glyph for (it reads
    N, V, Λ or nothing): a chevron over one or two flat bars as wide as it, its point to the right (≥) or left (≤).
    `ink`: the cell's ink inside `parts`' box (stats of its components, offset `ox`, `oy`); None for other ink."""
    if len(parts) not in (2, 3):
        return None
    parts = sorted(parts, key=lambda s: s[1])             # top to bottom
    chevron, bars = parts[0], parts[1:]
    cx, cy, cw, ch = (int(v) for v in chevron[:4])
    if not (0.25 * text_h <= ch <= 1.2 * text_h and 0.25 * text_h <= cw <= 1.2 * text_h):
        return None
    for b in bars:
        bw, bh = int(b[2]), int(b[3])
        if bh > 0.25 * text_h or bh > 0.3 * bw or bw < 0.6 * cw or b[1] < cy + 0.6 * ch or abs(b[0] - cx) > 0.4 * cw:
            return None
    shape = ink[cy - oy:cy - oy + ch, cx - ox:cx - ox + cw]
    if shape.size == 0:
        return None
    cols = np.arange(cw)

    def mean_x(rows):
        sub = shape[rows]
        w = sub.sum(axis=0)
        return float((w * cols).sum() / w.sum()) if w.sum() else None
    edge = max(1, ch // 5)
    top, mid, bottom = mean_x(slice(0, edge)), mean_x(slice(ch // 2 - edge // 2, ch // 2 + edge // 2 + 1)), \
        mean_x(slice(ch - edge, ch))
    if None in (top, mid, bottom) or abs(top - bottom) > 0.25 * cw:
        return None
    if mid - top > 0.35 * cw:
        return ("≥" if len(bars) == 1 else "≧"), 0.9
    if top - mid > 0.35 * cw:
        return ("≤" if len(bars) == 1 else "≦"), 0.9
    return None


READ_AS_SIGN = re.compile(r"^[2Z](?=\d)")     # ≥ before a figure read as a digit: ≥55台 as 255台


def leading_sign(gray: np.ndarray, b: Box, text_h: float) -> Box:
    """`b` with the comparison sign its text starts with, where the recognizer read it as 2 (≥55台 as 255台, a floor
    of 55 become one of 255): the first glyph's ink a chevron over a bar (a 2 is one stroke); anything else as read."""
    if READ_AS_SIGN.match(b.text) is None:
        return b
    ink, _ = box_ink(gray, b)
    blobs = column_blobs(ink)
    if not blobs:
        return b
    glyph = ink[:, :blobs[0][1]].astype(np.uint8)        # the first run of inked columns: the first glyph
    n, _, stats, _ = cv2.connectedComponentsWithStats(glyph, connectivity=8)
    parts = [stats[k] for k in range(1, n) if stats[k][4] >= max(4, 0.005 * text_h * text_h)]
    if len(parts) not in (2, 3):
        return b
    gx0, gy0 = min(s[0] for s in parts), min(s[1] for s in parts)
    gx1, gy1 = max(s[0] + s[2] for s in parts), max(s[1] + s[3] for s in parts)
    sign = comparison_sign(glyph[gy0:gy1, gx0:gx1], parts, gx0, gy0, text_h)
    if sign is None:
        return b
    return Box(b.x0, b.y0, b.x1, b.y1, sign[0] + b.text[1:], b.score)


def _sealed_text(boxes: list[Box], rect, seal: np.ndarray, text_h: float) -> bool:
    """Whether a black seal lies where the cell's text is, or was: over its boxes or a character's width beside them
    (a digit the seal's ring went through is missing from its box: 9.34 read .34), within the cell. A cell the ring
    only grazes far from its text (its edge beside 88) is not; a figure found as lone ink is judged by its cell."""
    m = max(3, int(0.2 * text_h))
    x0, y0, x1, y1 = rect[0] + m, rect[1] + m, rect[2] - m, rect[3] - m
    areas = [(b.x0 - text_h, b.y0 - 0.25 * text_h, b.x1 + text_h, b.y1 + 0.25 * text_h) for b in boxes] or [(x0, y0, x1, y1)]
    for a0, b0, a1, b1 in areas:
        a0, b0, a1, b1 = (int(max(a0, x0)), int(max(b0, y0)), int(min(a1, x1)), int(min(b1, y1)))
        if a1 > a0 and b1 > b0 and seal[b0:b1, a0:a1].any():
            return True
    return False


def line_masks(gray: np.ndarray, text_h: float, long: bool = False,
               hidden: np.ndarray | None = None, ink: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruled-line masks: the ink opened with a long kernel along the line.

    Horizontal: over twice a text line's height (no character stroke is that long). Vertical:
    only 0.6 of it, so that the borders of a one-line row (barely taller than its text) stay;
    the character strokes this keeps too are dropped by `build_grid`, which keeps only the
    vertical pieces that run from one row line to another. `long`: the vertical kernel as long
    as the horizontal one (lines only, strokes never). `hidden`: where a seal was taken out; next to
    it only dark ink makes vertical lines (the side of a stamp's ring, its light edge turned grey, runs
    a row's height; a row line under the stamp's ink comes out as light, and stays). `ink`: `_ink(gray)`,
    when the caller has it."""
    binary = _ink(gray) if ink is None else ink
    upright = binary
    if hidden is not None:
        near = cv2.dilate(hidden.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
        upright = binary.copy()
        upright[near & (gray >= STAMP_EDGE_GREY)] = 0
    hlen = max(30, int(round(2.6 * text_h)))
    vlen = hlen if long else max(10, int(round(0.6 * text_h)))
    # no closing first: it would join the strokes of neighbouring characters into "lines"; a
    # line broken by the scan stays two long pieces, and `build_grid` measures coverage
    horiz = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hlen, 1)))
    vert = cv2.morphologyEx(upright, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vlen)))
    if hidden is not None:
        across = horiz
        horiz = _under_seal(horiz, binary, hidden, vert)
        vert = np.ascontiguousarray(_under_seal(vert.T, upright.T, hidden.T, across.T, crossing=horiz.T).T)
    return horiz, vert


def _under_seal(lines: np.ndarray, ink: np.ndarray, hidden: np.ndarray, across: np.ndarray | None = None,
                crossing: np.ndarray | None = None) -> np.ndarray:
    """A line the seal hides a stretch of, whole again: along each pixel row, a run of ink and hidden pixels
    whose two ends are pieces of line, or one is and the other meets a line `across` (a column line's stub
    between a row line and the seal is shorter than a line; a run between two lines across only is the seal's
    ring along its length). A black seal whited out cut every line it crossed; text never makes a line. Where the
    ring lies over the crossing of a line piece with a line across and runs on past it (its side along a column
    line), the piece is joined up to that line across (`crossing`: the lines across, their stretches under the
    seal already joined; default `across`)."""
    crossing = across if crossing is None else crossing
    out = lines
    ends = lines if across is None else np.maximum(lines, across)
    for y in np.flatnonzero(hidden.any(axis=1)):
        row = (ink[y] > 0) | hidden[y]
        d = np.diff(np.r_[0, row.astype(np.int8), 0])
        for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            head, tail = lines[y, s:s + 3].any(), lines[y, e - 3:e].any()
            if not (head or tail) or not hidden[y, s:e].any() or lines[y, s:e].all():
                continue
            if (head or ends[y, s:s + 3].any()) and (tail or ends[y, e - 3:e].any()):
                a, b = s, e
            elif crossing is not None and (gap := _to_crossing(lines[y, s:e] > 0, crossing[y, s:e] > 0,
                                                                hidden[y, s:e], tail)):
                a, b = s + gap[0], s + gap[1]        # the ring over the crossings: the run goes on along it
            else:
                continue
            if out is lines:
                out = lines.copy()
            out[y, a:b] = 255
    return out


def _to_crossing(seg: np.ndarray, cross: np.ndarray, hid: np.ndarray, tail: bool) -> tuple[int, int] | None:
    """Where a run of ink and seal that a line piece ends (`tail`: at its end, else at its start) and that does not
    end at a line across goes on past such lines inside it: the seal's ring lies along the line (its side along a
    column line) over its crossings. The piece joined back to the farthest of those crossings, every stretch
    between them under the seal; (start, end) within the run, None without a crossing."""
    if not tail:
        found = _to_crossing(seg[::-1], cross[::-1], hid[::-1], True)
        return None if found is None else (len(seg) - found[1], len(seg) - found[0])
    piece = int(np.argmax(seg))                     # where the first piece of line starts
    hits = np.flatnonzero(cross[:piece])
    if not len(hits):
        return None
    starts = [int(h) for k, h in enumerate(hits) if k == 0 or h > hits[k - 1] + 1]   # a thick line once
    bounds = starts + [piece]
    if not all(hid[a:b].any() for a, b in zip(bounds, bounds[1:])):
        return None
    return starts[0], piece


def _ink(gray: np.ndarray) -> np.ndarray:
    """Dark ink against its neighbourhood (255), as the line masks see it."""
    return cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 25, -15)


def seal_cut_rows(ink: np.ndarray, text_h: float) -> np.ndarray:
    """Horizontal ink pieces a text line long: where a stamp's ring lies along a row line, only a stretch
    of the line shows between its inks, too short for `line_masks`. `build_grid` keeps only those on one
    of its row lines that run from the seal or a column line to the seal or a column line."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, int(round(text_h))), 1))
    return cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)


def find_tables(gray: np.ndarray, text_h: float, hidden: np.ndarray | None = None) -> list[Grid]:
    """Each ruled table on the page as a Grid, top to bottom. `hidden`: where a seal hid the page."""
    ink = _ink(gray)
    cut = None if hidden is None else seal_cut_rows(ink, text_h)
    horiz, vert = line_masks(gray, text_h, hidden=hidden, ink=ink)
    del ink                 # a page-sized mask: not kept through the tables (a page at the pixel limit is large)
    both = cv2.dilate(cv2.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    grids = []
    inside: list[tuple[int, int, int, int]] = []     # the tables found so far, largest first
    for k in sorted(range(1, n), key=lambda k: -int(stats[k][2]) * int(stats[k][3])):
        x, y, w, h, _ = stats[k]
        if w < 4 * text_h or h < 0.8 * text_h:      # a one-row table (总分 on its own page) counts
            continue
        # lines a seal cut off inside a table are its loose pieces, not a table of their own (read twice)
        if any(x >= a and y >= b and x + w <= c and y + h <= d for a, b, c, d in inside):
            continue
        lab, win_h, win_v = labels[y:y + h, x:x + w], horiz[y:y + h, x:x + w], vert[y:y + h, x:x + w]
        own = lab == k
        # the pieces inside it not joined to it: a line a seal's ring or the scan broke off
        loose = ~own & (lab != 0)
        grid = build_grid(win_h * own, win_v * own, text_h, x, y, loose=(win_h * loose, win_v * loose),
                          hidden=None if hidden is None else hidden[y:y + h, x:x + w],
                          cut_rows=None if cut is None else cut[y:y + h, x:x + w])
        if grid is not None:
            grids.append(grid)
            inside.append((x, y, x + w, y + h))
    grids.sort(key=lambda g: g.ys[0])
    return grids


def _segments(mask: np.ndarray, axis: int) -> list[tuple[float, float, float]]:
    """Line pieces of a mask: (position across, start, end along). axis 0: horizontal lines."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if axis == 0:
            out.append((y + h / 2, x, x + w))
        else:
            out.append((x + w / 2, y, y + h))
    return out


def _touches(mask: np.ndarray, x0: int, x1: int, y0: int, y1: int, reach: int) -> bool:
    """`mask` has ink within `reach` of the box [x0, x1) × [y0, y1): a piece's end meets a line (or a seal)."""
    hh, ww = mask.shape
    return bool(mask[max(0, y0 - reach):min(hh, y1 + reach), max(0, x0 - reach):min(ww, x1 + reach)].any())


def _row_to_row(vert: np.ndarray, horiz: np.ndarray, reach: int, min_len: float, long_len: float,
                hidden: np.ndarray | None = None):
    """The vertical pieces longer than any character stroke (`long_len`), or that meet a
    horizontal line at both ends (a one-line row's border; a character's stroke stops short of
    the lines): the mask redrawn with only those, and the pieces as (x, top, bottom). `hidden`: a seal's
    mask; then also, third, the mask of those and the pieces that end at the seal instead (a line the stamp
    covers, cut into two short pieces), else None."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    cut = np.zeros(n, dtype=bool)
    pieces = []
    ends = None if hidden is None else np.maximum(horiz, hidden.astype(horiz.dtype))

    def both_meet(mask, x, w, y, h):
        return _touches(mask, x, x + w, y, y + 1, reach) and _touches(mask, x, x + w, y + h - 1, y + h, reach)

    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if h >= long_len or (h >= min_len and both_meet(horiz, x, w, y, h)):
            keep[k] = True
            pieces.append((x + w / 2, y, y + h))
        cut[k] = ends is not None and (keep[k] or (h >= min_len and both_meet(ends, x, w, y, h)))
    return (np.where(keep[labels], 255, 0).astype(np.uint8), pieces,
            None if ends is None else np.where(cut[labels], 255, 0).astype(np.uint8))


def _stopped_rows(pieces: np.ndarray, stops: np.ndarray, reach: int) -> np.ndarray:
    """The horizontal pieces whose both ends meet `stops` (column lines, a seal), the mask redrawn with those."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        keep[k] = _touches(stops, x, x + 1, y, y + h, reach) and _touches(stops, x + w - 1, x + w, y, y + h, reach)
    return np.where(keep[labels], 255, 0).astype(np.uint8)


STAMP_EDGE_GREY = 150   # next to a seal, ink this light is the stamp's edge, not a vertical line
SEEN_SHARE = 0.2   # a line's cover is measured where no seal hid it, if at least this share of it is seen


def _cover(line: np.ndarray, hidden: np.ndarray | None) -> float | None:
    """The share of an edge the line covers (`line`: ink along it), counted where a seal did not hide
    the page: a stamp drawn over a ruled line takes it out with the stamp. None: the seal hides nearly
    all of the edge (`build_grid` asks the same line's edges beside it)."""
    if hidden is not None:
        seen = ~hidden | line
        if seen.mean() < SEEN_SHARE:
            return None
        return float(line[seen].mean())
    return float(line.mean())


def _with_pieces_on(mask: np.ndarray, pieces: np.ndarray, lines: list[float], tol: float, axis: int) -> np.ndarray:
    """`mask` plus the pieces of `pieces` that lie on one of `lines` (within tol across them):
    horizontal ones for axis 0, vertical ones for axis 1."""
    if not pieces.any():
        return mask
    n, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        across, along = (y + h / 2, w) if axis == 0 else (x + w / 2, h)
        thin = (h if axis == 0 else w) <= tol
        keep[k] = thin and along > 2 * tol and any(abs(across - v) <= tol for v in lines)
    if not keep.any():
        return mask
    return np.maximum(mask, np.where(keep[labels], 255, 0).astype(mask.dtype))


HIDDEN_REACH = 3          # how many edges on either side of one a seal hides are asked about it


def _ruled(covers: list[list[float | None]], i: int, j: int, along_rows: bool) -> bool:
    """Whether the edge (i, j) is ruled: its line covers LINE_SHARE of it; where the seal hides it (None), the
    same line's nearest edges seen on either side (the rows above and below for a column line, the columns
    left and right for a row line) decide: ruled where both are (a line going on under the stamp: two cells
    merged by mistake join their figures, 100 | 10 read 10010), not where one has no line or there is none
    (a cell merged over the line's place starts or ends there: 项目名称's name over the columns below)."""
    c = covers[i][j]
    if c is not None:
        return c >= LINE_SHARE
    seen = []
    for step in (-1, 1):
        for k in range(1, HIDDEN_REACH + 1):
            a, b = (i + step * k, j) if along_rows else (i, j + step * k)
            if not (0 <= a < len(covers) and 0 <= b < len(covers[a])):
                break
            if covers[a][b] is not None:
                seen.append(covers[a][b] >= LINE_SHARE)
                break
    return len(seen) == 2 and all(seen)


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def build_grid(horiz: np.ndarray, vert: np.ndarray, text_h: float, ox: int, oy: int,
               loose: tuple[np.ndarray, np.ndarray] | None = None, hidden: np.ndarray | None = None,
               cut_rows: np.ndarray | None = None) -> Grid | None:
    """Grid lines from the masks' pieces; a unit joined to its neighbour where the line between
    them covers less than LINE_SHARE of their common edge. `loose`: horizontal and vertical masks of
    pieces inside the table not joined to it; a piece on one of its lines counts to that line's
    cover (a red seal's ring, taken out, leaves gaps in the lines it crossed), the rest is ignored.
    `hidden`: where a seal hid the table; a line's cover is measured where it can be seen (`_cover`), and
    the pieces of a line the seal cuts short count (`seal_cut_rows`' for the row lines: `cut_rows`)."""
    hs = _segments(horiz, 0)
    if not hs:
        return None
    tol = max(4.0, 0.35 * text_h)
    ys = _cluster([p for p, a, b in hs], tol)
    reach = max(3, round(0.1 * text_h))
    vert, vs, cut = _row_to_row(vert, horiz, reach, 0.6 * text_h, 1.5 * text_h, hidden=hidden)
    if not vs:
        return None
    xs = _cluster([p for p, a, b in vs], tol)
    if cut is not None:
        # a column line a seal covers within a row: its pieces from a row line to the stamp, on a line seen elsewhere
        vert = _with_pieces_on(vert, cut, xs, tol, 1)
    if loose is not None:
        horiz = _with_pieces_on(horiz, loose[0], ys, tol, 0)
        # vertical pieces as the table's own: longer than a character's stroke, or from line to line
        loose_v, _, _ = _row_to_row(loose[1], horiz, reach, 0.6 * text_h, 1.5 * text_h)
        vert = _with_pieces_on(vert, loose_v, xs, tol, 1)
    if hidden is not None and cut_rows is not None:
        stops = np.maximum(vert, hidden.astype(vert.dtype) * 255)
        horiz = _with_pieces_on(horiz, _stopped_rows(cut_rows, stops, reach), ys, tol, 0)
    # outer edges drawn only by the horizontal lines' ends (a table without side borders)
    left, right = min(a for _, a, _ in hs), max(b for _, _, b in hs)
    if xs[0] - left > 2 * tol:
        xs.insert(0, left)
    if right - xs[-1] > 2 * tol:
        xs.append(right)
    top, bottom = min(a for _, a, _ in vs), max(b for _, _, b in vs)
    if ys[0] - top > 2 * tol:
        ys.insert(0, top)
    if bottom - ys[-1] > 2 * tol:
        ys.append(bottom)
    if len(ys) < 2 or len(xs) < 2:
        return None
    band = max(2, int(round(tol / 2)))

    def h_cover(y: float, x0: float, x1: float) -> float | None:
        a, b = int(x0 + tol), int(x1 - tol)
        if b <= a:
            return 1.0
        r0, r1 = max(0, int(y) - band), min(horiz.shape[0], int(y) + band + 1)
        if r1 <= r0:
            return 0.0
        return _cover(horiz[r0:r1, a:b].max(axis=0) > 0, None if hidden is None else hidden[r0:r1, a:b].any(axis=0))

    def v_cover(x: float, y0: float, y1: float) -> float | None:
        a, b = int(y0 + tol), int(y1 - tol)
        if b <= a:
            return 1.0
        c0, c1 = max(0, int(x) - band), min(vert.shape[1], int(x) + band + 1)
        if c1 <= c0:
            return 0.0
        return _cover(vert[a:b, c0:c1].max(axis=1) > 0, None if hidden is None else hidden[a:b, c0:c1].any(axis=1))

    nr, nc = len(ys) - 1, len(xs) - 1
    v_covers = [[v_cover(xs[j + 1], ys[i], ys[i + 1]) for j in range(nc - 1)] for i in range(nr)]
    h_covers = [[h_cover(ys[i + 1], xs[j], xs[j + 1]) for j in range(nc)] for i in range(nr - 1)]
    groups = merged_units(nr, nc, lambda i, j: not _ruled(v_covers, i, j, along_rows=True),
                          lambda i, j: not _ruled(h_covers, i, j, along_rows=False))
    cell_of = [[0] * nc for _ in range(nr)]
    spans = []
    for cid, units in enumerate(groups):
        r0, r1 = min(i for i, _ in units), max(i for i, _ in units)
        c0, c1 = min(j for _, j in units), max(j for _, j in units)
        spans.append((r0, r1, c0, c1))
        for i, j in units:
            cell_of[i][j] = cid
    return Grid([y + oy for y in ys], [x + ox for x in xs], cell_of, spans)
