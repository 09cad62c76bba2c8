"""Text a clipping path hides or cuts: pdfminer (so pdfplumber) lays out every glyph drawn and knows nothing of
clipping, a viewer shows only what lies inside the clip. pdfium tells each glyph's text object and that object's
clip. Three things are read from them:
- glyphs hidden: a worksheet's print (LibreOffice Calc) draws a label merged over rows that a page break cuts whole
  on both pages, each clipped to its page's part; read as drawn, the hidden copies stood under a table's last row,
  over the next page's first, or mixed into a title line beside them (钟祥市卫生健康产局出指标). A glyph whose centre
  lies outside one of its clip's paths (their bounding boxes) by more than STRADDLE is not shown; text objects hidden
  whole, with nothing shown through their clip beside them (NEAR), are left out; a text shown in part is one its
  cell cut (年度总体 | 目标 turned in a narrow cell, each column its own object), read whole.
- glyphs placed (`Cut`): a glyph shown through a cell's clip that pdfplumber, by its font's box, would read in the
  next cell or row (a cut text's last glyph past the cell's edge, a wrapped line over the row's edge), and a cell's
  lines its row hides when they fit in it (a row of fixed height), are given the box they are read in;
- texts cut: texts longer than their cells, as printed, for the reading note.
Glyphs are given back by their origin, to be matched with pdfplumber's."""
from __future__ import annotations

import ctypes
import logging
import math
from dataclasses import dataclass, field, fields
from typing import NamedTuple

log = logging.getLogger(__name__)

ORIGIN_TOL = 0.6     # points: a pdfplumber glyph and a pdfium glyph whose origins are this close are the same glyph
BOX_TOL = 0.5        # points: a point this far past a clip's edge is inside it still (rounding)
STRADDLE = 0.25      # glyph sizes: a glyph whose centre is this far past its clip's edge at most shows in good part
CROSS = 0.2          # points: a glyph this far on both sides of its clip's edge is cut by it (pdfium's ink box)
TOUCH = 0.25         # glyph widths: a text's last glyph whose ink starts this close past its clip's edge was drawn
#                      because its advance touches the cell (Calc draws what reaches into it): the text's, cut
NEAR = 2.0           # glyph sizes: a hidden run this close to a glyph shown through the same clip is that text's rest


class Glyph(NamedTuple):
    """A glyph of a clipped text object as pdfium gives it: its ink box's left and right, centre and size (the larger
    side), and its origin (PDF space, points)."""
    ch: str
    left: float
    right: float
    cx: float
    origin: tuple[float, float]
    cy: float
    size: float


@dataclass(frozen=True)
class Clipped:
    """One hidden glyph: its character and its origin in PDF space (points, y up)."""
    text: str
    x: float
    y: float


def _clip_boxes(raw, obj) -> list[tuple[float, float, float, float]] | None:
    """The bounding boxes (left, bottom, right, top) of the paths of the object's clip, all of which it is inside
    (a clip is the intersection of its paths); None for an object without a clip."""
    clip = raw.FPDFPageObj_GetClipPath(obj)
    if not clip:
        return None
    boxes = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for k in range(raw.FPDFClipPath_CountPaths(clip)):
        xs, ys = [], []
        for j in range(raw.FPDFClipPath_CountPathSegments(clip, k)):
            seg = raw.FPDFClipPath_GetPathSegment(clip, k, j)
            if seg and raw.FPDFPathSegment_GetPoint(seg, x, y):
                xs.append(x.value)
                ys.append(y.value)
        if xs:
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes or None


def _box(boxes: list[tuple]) -> tuple[float, float, float, float]:
    """The box (left, bottom, right, top) inside all of a clip's paths' boxes."""
    return max(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), min(b[3] for b in boxes)


def _beside_shown(glyphs: list[tuple], boxes: list[tuple], shown: list[tuple[float, float]]) -> bool:
    """A glyph shown through the clip stands next to one of the hidden `glyphs` ((glyph, x, y, size) by centre): a
    turned text's next column beside its cell; not a wrapped text's line above or below a cell of a few lines' height
    (the cell's width over it: the row hides it)."""
    lo, bottom, hi, top = _box(boxes)
    if top - bottom <= CELL_LINES * max(g[3] for g in glyphs) and all(
            lo - BOX_TOL <= gx <= hi + BOX_TOL and not bottom <= gy <= top for _, gx, gy, _ in glyphs):
        return False
    return any(abs(x - gx) <= NEAR * size and abs(y - gy) <= NEAR * size and _inside(x, y, boxes)
               for _, gx, gy, size in glyphs for x, y in shown)


def _inside(x: float, y: float, boxes: list[tuple], tol: float = BOX_TOL) -> bool:
    """(x, y) lies in every box (a clip's paths), give or take `tol`."""
    return all(b[0] - tol <= x <= b[2] + tol and b[1] - tol <= y <= b[3] + tol for b in boxes)


def _slack(size: float) -> float:
    """How far past its clip's edge a glyph's centre may stand and the glyph still show (in good part)."""
    return max(BOX_TOL, STRADDLE * size)


def _under(g: Glyph, lines: list[Glyph]) -> bool:
    """A glyph of `lines` stands over or under `g` (their ink overlaps across): g is a line of the same text."""
    return any(p.left < g.right and g.left < p.right for p in lines)


@dataclass(frozen=True)
class Cut:
    """A glyph shown through its clip, and the clip's box (left, bottom, right, top; PDF space): the cell it is read
    in. pdfplumber places a glyph by its font's box, which may stand over the cell's edge where its ink does not (a
    wrapped line set high in a low row), or a text's last glyph its cell cuts stands past the edge (Calc draws what
    touches the cell); such a glyph is moved, `reach` points at most, into the box."""
    text: str
    x: float
    y: float
    box: tuple[float, float, float, float]
    reach: float


@dataclass(frozen=True)
class Clipping:
    """What a page's clipping does to its text: glyphs hidden whole, glyphs cut at their cell's edge, the texts (as
    shown) whose end or start their cell cuts, and the texts taller than their rows whose producer draws no line
    past the first one hidden (Writer): read with that line, their rest may not be printed at all."""
    hidden: list[Clipped]
    cut: list[Cut]
    cut_texts: list[str]
    tall_texts: list[str] = field(default_factory=list)

    def shifted(self, dx: float, dy: float, lo: float = -math.inf, hi: float = math.inf) -> Clipping:
        """The glyphs moved by (dx, dy), of those whose x lies in [lo, hi] before the move; the texts as they are."""
        return Clipping([Clipped(c.text, c.x + dx, c.y + dy) for c in self.hidden if lo <= c.x <= hi],
                        [Cut(c.text, c.x + dx, c.y + dy, (c.box[0] + dx, c.box[1] + dy, c.box[2] + dx, c.box[3] + dy),
                             c.reach) for c in self.cut if lo <= c.x <= hi], self.cut_texts, self.tall_texts)

    @staticmethod
    def joined(parts: list[Clipping]) -> Clipping:
        """The parts' glyphs and texts together, in order."""
        return Clipping(*([x for p in parts for x in getattr(p, f.name)] for f in fields(Clipping)))


NONE = Clipping([], [], [])


def clipping(page, copies: bool = True) -> Clipping:
    """What the clips of a pdfium page hide (of text objects hidden whole, nothing shown beside them) and cut.
    `copies`: the producer draws a cell a page break cuts whole on both pages (a spreadsheet program: Calc)."""
    import pypdfium2.raw as raw

    # the clips of the page's own text objects (inside a form a clip is in the form's space: not looked at)
    clips: dict[int, list | None] = {}
    cut = False
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for k in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, k)
        if raw.FPDFPageObj_GetType(obj) != raw.FPDF_PAGEOBJ_TEXT:
            continue
        boxes = clips[ctypes.cast(obj, ctypes.c_void_p).value] = _clip_boxes(raw, obj)
        cut = cut or bool(boxes) and raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top) and not (
            _inside(left.value, bottom.value, boxes) and _inside(right.value, top.value, boxes))
    if not cut:                          # (most pages clip no text: their glyphs are not looked at one by one)
        return NONE
    textpage = page.get_textpage()
    try:
        glyphs: dict[int, int] = {}
        hidden: dict[int, list[Clipped]] = {}
        shown: list[tuple[float, float]] = []      # the centres of the glyphs shown
        drawn: dict[int, list[Glyph]] = {}         # each clipped object's glyphs
        free: list[Glyph] = []                     # the glyphs of objects without a clip
        left, right, bottom, top = (ctypes.c_double() for _ in range(4))
        ox, oy = ctypes.c_double(), ctypes.c_double()
        for i in range(raw.FPDFText_CountChars(textpage.raw)):
            obj = raw.FPDFText_GetTextObject(textpage.raw, i)
            if not obj:
                continue                       # a space or line break pdfium generated: no glyph
            key = ctypes.cast(obj, ctypes.c_void_p).value
            boxes = clips.get(key)
            glyphs[key] = glyphs.get(key, 0) + 1
            if not raw.FPDFText_GetCharBox(textpage.raw, i, left, right, bottom, top):
                continue
            cx, cy = (left.value + right.value) / 2, (bottom.value + top.value) / 2
            size = max(right.value - left.value, top.value - bottom.value, 1.0)
            origin = (ox.value, oy.value) if raw.FPDFText_GetCharOrigin(textpage.raw, i, ox, oy) else None
            ch = chr(raw.FPDFText_GetUnicode(textpage.raw, i))
            if origin:
                (drawn.setdefault(key, []) if boxes else free).append(Glyph(ch, left.value, right.value, cx, origin, cy, size))
            if not boxes or _inside(cx, cy, boxes, _slack(size)):   # (one its edge grazes shows)
                shown.append((cx, cy))
                continue
            if origin:
                hidden.setdefault(key, []).append((Clipped(ch, *origin), cx, cy, size))
        # a run shown in part is a text its cell cut (the author wrote it whole: read whole), and so is one hidden
        # whole next to a glyph shown through the same clip (a turned text's last column); one hidden whole with
        # nothing shown beside it is a copy drawn for another part of its cell (the other page's)
        cuts, texts = _cut_ends(drawn, clips)
        lines, dropped, low, tall = _overflowing_lines(drawn, clips, free, shown, copies)
        kept = {(c.text, c.x, c.y) for c in lines}                  # (set into their cell: not hidden)
        gone = [g[0] for key, gs in hidden.items()
                if len(gs) == glyphs[key] and not _beside_shown(gs, clips[key], shown) for g in gs
                if (g[0].text, g[0].x, g[0].y) not in kept]
        seen = set(gone)
        dropped = [g for g in dropped if g not in seen]
        return Clipping(gone + dropped, cuts + lines, texts + low, tall)
    finally:
        textpage.close()


def _cut_ends(drawn: dict[int, list[Glyph]], clips: dict[int, list | None]) -> tuple[list[Cut], list[str]]:
    """The glyphs of texts shown through their clips, each with the box it is read in, and the texts a cell's edge
    cuts where nothing more was drawn (Calc draws only what touches the cell: the paper shows the text's start and a
    piece of one glyph, or none of one whose advance only touches the cell). That last glyph's centre may lie past
    the edge (read by its centre, it went to the next cell: 442.13万 | 元438.5万元); a wrapped line's glyphs may
    stand a little over the top or bottom (shown in good part). A text drawn whole past its edge (its rest over
    empty neighbours) is no cut one; its glyphs outside the clip stay where they are (read whole)."""
    cuts, texts = [], []
    for key, gs in drawn.items():
        box = lo, bottom, hi, top = _box(clips[key])
        shown = [g for g in gs if lo - BOX_TOL <= g.cx <= hi + BOX_TOL
                 and bottom - _slack(g.size) <= g.cy <= top + _slack(g.size)]
        if not shown:
            continue                          # hidden whole: pdfclip's other business
        placed = shown if top - bottom <= CELL_LINES * max(g.size for g in shown) else []   # a cell's clip (not a
        cuts += [Cut(g.ch, g.origin[0], g.origin[1], box, g.size / 2) for g in placed]     # page's or a band's)
        inside = [g for g in shown if lo <= g.cx <= hi]
        cut = False
        for edge, outer, way in ((hi, max(gs, key=lambda g: g.cx), 1), (lo, min(gs, key=lambda g: g.cx), -1)):
            ch, gl, gr, cx, origin, cy, size = outer
            near, far = (gl, gr) if way > 0 else (-gr, -gl)        # the glyph's sides toward and away from the edge
            reach = max(CROSS, TOUCH * (gr - gl))
            if not (near < way * edge + reach and way * edge + CROSS < far):
                continue
            cut = True
            if not lo <= cx <= hi and outer not in placed:          # (one placed already is read in its cell)
                cuts.append(Cut(ch, origin[0], origin[1], box, abs(cx - edge) + size / 2))   # (its font's box is wider)
        if cut and inside:
            texts.append("".join(g.ch for g in sorted(inside, key=lambda g: g.cx)).strip())
    return cuts, [t for t in texts if t]


LINE_ROOM = 0.6     # glyph sizes: wrapped lines set closer than this in their cell would read as one line
CELL_LINES = 4.0    # glyph sizes: a clip at most this tall is a cell's (a row of fixed height), not a page's or band's
FREE_BAND = 8.0     # points: the height of the bands unclipped glyphs are looked up by
ADJACENT = 1.5      # glyph sizes: a cell's hidden line nearest to it stands at most this far past its edge


def _overflowing_lines(drawn: dict[int, list[Glyph]], clips: dict[int, list | None], free: list[Glyph],
                       shown: list[tuple[float, float]], copies: bool = True
                       ) -> tuple[list[Cut], list[Clipped], list[str], list[str]]:
    """A wrapped text taller than its cell (a row of fixed height: Calc's, or Word's 固定值 row height): every line is
    drawn, centred or from the top, and the cell's clip shows those inside it (LibreOffice draws a line that fits
    without a clip: `free`); read where drawn, the others went into the rows above and below (a 偏差原因's lines
    under other indicators, status ok), or were left out as hidden (项目名 | 称: the label not known). The lines of a
    cell showing any of them are set into the cell, evenly, when they fit there LINE_ROOM apart at least (the text
    read whole); else those the cell hides are left out (the text read as printed, said as cut). Only where the
    hidden lines stand over a row (text shown beside them in other columns): a label merged over rows that a page
    break cuts is drawn whole on both pages, its other part's lines under the page's last row or over its first
    (left to `clipping`)."""
    import bisect

    heights = sorted((y, x) for x, y in shown)
    ys = [h[0] for h in heights]

    def over_a_row(g, lo, hi) -> bool:
        a, b = bisect.bisect_left(ys, g.cy - g.size / 2), bisect.bisect_right(ys, g.cy + g.size / 2)
        return any(not lo <= x <= hi for _, x in heights[a:b])

    cells: dict[tuple, tuple[tuple, list[Glyph]]] = {}     # a cell's box (the first object's, unrounded) and glyphs
    whole: set[int] = set()                  # ids of the glyphs of objects their clip hides whole
    for key, gs in drawn.items():
        boxes = clips[key]
        box = _box(boxes)
        cells.setdefault(tuple(round(v, 1) for v in box), (box, []))[1].extend(gs)
        if not any(_inside(g.cx, g.cy, boxes, _slack(g.size)) for g in gs):
            whole.update(id(g) for g in gs)
    bands: dict[int, list[Glyph]] = {}
    for g in free:
        bands.setdefault(int(g.cy // FREE_BAND), []).append(g)
    moved, dropped, texts, tall = [], [], [], []
    for box, gs in cells.values():
        lo, bottom, hi, top = box
        col = [g for g in gs if lo - BOX_TOL <= g.cx <= hi + BOX_TOL]
        if not col or top - bottom > CELL_LINES * max(g.size for g in col):
            continue                          # a clip taller than a row of a few lines: a page's or a band's
        outside = [g for g in col if not bottom - _slack(g.size) <= g.cy <= top + _slack(g.size)]
        plain = [g for k in range(int(bottom // FREE_BAND), int(top // FREE_BAND) + 1) for g in bands.get(k, [])
                 if lo <= g.cx <= hi and bottom <= g.cy <= top]      # the cell's lines drawn without a clip
        # its own: over a row (text shown beside it), or, from a producer that draws no copies (Writer), under or over
        # the cell's lines drawn without a clip (a figure's last line under the table's last row). Calc draws a label
        # merged over a page break the same way: its lines that fit without a clip, the other part's clipped
        if not outside or min(max(bottom - g.cy, g.cy - top) / g.size for g in outside) > ADJACENT or \
                not any((not copies and _under(g, plain)) or over_a_row(g, lo, hi) for g in outside):
            continue                          # (hidden far from the cell, or over no row: another part's copy)
        if not plain:     # lines hidden whole beside lines shown through the same clip: a label merged over a page
            outside = [g for g in outside if id(g) not in whole]     # break drawn on each page (left to `clipping`)
        col = [g for g in col if g in outside or id(g) not in whole] + plain
        if not outside or len(outside) == len(col):
            continue                          # nothing of the text shown (another part's copy)
        rows: list[list[Glyph]] = []
        for g in sorted(col, key=lambda g: -g.origin[1]):        # top line first (PDF space: y up), by baseline
            if rows and abs(rows[-1][0][4][1] - g.origin[1]) <= g.size / 2:
                rows[-1].append(g)
            else:
                rows.append([g])
        size = max(g.size for g in col)
        room = top - bottom - size
        if len(rows) > 1 and room / (len(rows) - 1) >= LINE_ROOM * size:
            step = room / (len(rows) - 1)
            for k, row in enumerate(rows):
                y = top - size / 2 - k * step
                moved += [Cut(g.ch, g.origin[0], g.origin[1], (lo, y - 0.01, hi, y + 0.01), abs(g.cy - y) + size) for g in row]
            if not copies:     # (Writer draws no line past the first it hides: the text may go on unprinted)
                tall.append("".join(g.ch for row in rows for g in sorted(row, key=lambda g: g.cx)))
        else:
            dropped += [Clipped(g.ch, *g.origin) for g in outside]
            texts.append("".join(g.ch for row in rows for g in sorted(row, key=lambda g: g.cx) if g not in outside))
    return moved, dropped, [t for t in texts if t], [t for t in tall if t.strip()]


class ClipReader:
    """pdfium's view of the same PDF pdfplumber reads (a path, or the bytes of a flattened or joined copy), page by
    page; a document pdfium cannot open, or a page it fails on, hides nothing (the glyphs are read as before)."""

    def __init__(self, source, copies: bool = True):
        self.doc, self.copies = None, copies
        try:
            import pypdfium2 as pdfium
            self.doc = pdfium.PdfDocument(source.getvalue() if hasattr(source, "getvalue") else source)
        except Exception as e:  # noqa: BLE001  (pdfminer read it: its glyphs stand as they are)
            log.info("pdfium could not open the PDF for its clipping: %s", e)

    def read(self, index: int) -> Clipping:
        """Page `index`'s hidden and cut glyphs, their origins as pdfminer places them (from the media box's
        corner); none on a turned page (/Rotate: pdfminer turns its coordinates)."""
        if self.doc is None or index >= len(self.doc):
            return NONE
        page = None
        try:
            page = self.doc[index]
            if page.get_rotation():
                return NONE
            x0, y0, _, _ = page.get_mediabox()
            return clipping(page, self.copies).shifted(-x0, -y0)
        except Exception as e:  # noqa: BLE001
            log.info("pdfium could not read page %s's clipping: %s", index + 1, e)
            return NONE
        finally:
            if page is not None:
                page.close()

    def read_moved(self, parts: list[tuple[int, float, float, float]]) -> Clipping:
        """What the clips do on a page made of the file's pages `parts` (page, how far right it was moved, and the
        stretch of it that is its own: a worksheet's column bands joined side by side), read on each page as the
        file has it (pdfium gives a clip in the space it was set in, not moved with the page's content). A glyph
        outside its page's own stretch lies over another band's, whose copy of the text is read."""
        return Clipping.joined([self.read(i).shifted(dx, 0.0, lo - BOX_TOL, hi + BOX_TOL) for i, dx, lo, hi in parts])

    def hidden(self, index: int) -> list[Clipped]:
        """Page `index`'s hidden glyphs."""
        return self.read(index).hidden

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()
            self.doc = None


def matched_chars(chars: list[dict], glyphs: list) -> dict[int, object]:
    """pdfplumber's glyphs (`chars`, by id) that are pdfium's `glyphs` (Clipped or Cut): same character, origin
    within ORIGIN_TOL, one each (joined column bands lay a hidden copy of a text over the shown one)."""
    if not glyphs:
        return {}
    by_text: dict[str, list] = {}
    for c in glyphs:
        by_text.setdefault(c.text, []).append(c)
    out = {}
    for ch in chars:
        near = by_text.get(ch.get("text") or "")
        m = ch.get("matrix")
        if not near or not m:
            continue
        x, y = float(m[4]), float(m[5])
        k = next((k for k, c in enumerate(near) if abs(c.x - x) <= ORIGIN_TOL and abs(c.y - y) <= ORIGIN_TOL), None)
        if k is not None:
            out[id(ch)] = near.pop(k)
    return out
