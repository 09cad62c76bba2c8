"""Text a clipping path hides: pdfminer (so pdfplumber) lays out every glyph drawn and knows nothing of clipping,
a viewer shows only what lies inside the clip. A worksheet's print (LibreOffice Calc) draws a label merged over rows
that a page break cuts whole on both pages, each clipped to its page's part, and a cell's text cut at its edge whole:
read as drawn, the hidden copies stood under a table's last row, over the next page's first, or mixed into a title
line beside them (钟祥市卫生健康产局出指标). pdfium tells each glyph's text object and that object's clip; a glyph
whose centre lies outside one of its clip's paths (their bounding boxes: a glyph outside one is surely hidden) by
more than STRADDLE is not shown. Only text objects hidden whole, with nothing shown through their clip beside them
(NEAR), are left out: a text shown in part is one its cell cut (a long name in a cell not wrapped; 年度总体 | 目标
turned in a narrow cell, each column its own object), which its author wrote whole and is read whole, as before.
Glyphs are given back by their origin, to be matched with pdfplumber's."""
from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

ORIGIN_TOL = 0.6     # points: a pdfplumber glyph and a pdfium glyph whose origins are this close are the same glyph
BOX_TOL = 0.5        # points: a point this far past a clip's edge is inside it still (rounding)
STRADDLE = 0.25      # glyph sizes: a glyph whose centre is this far past its clip's edge at most shows in good part
NEAR = 2.0           # glyph sizes: a hidden run this close to a glyph shown through the same clip is that text's rest


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


def _beside_shown(glyphs: list[tuple], boxes: list[tuple], shown: list[tuple[float, float]]) -> bool:
    """A glyph shown through the clip stands next to one of the hidden `glyphs` ((glyph, x, y, size) by centre)."""
    return any(abs(x - gx) <= NEAR * size and abs(y - gy) <= NEAR * size and _inside(x, y, boxes)
               for _, gx, gy, size in glyphs for x, y in shown)


def _inside(x: float, y: float, boxes: list[tuple], tol: float = BOX_TOL) -> bool:
    """(x, y) lies in every box (a clip's paths), give or take `tol`."""
    return all(b[0] - tol <= x <= b[2] + tol and b[1] - tol <= y <= b[3] + tol for b in boxes)


def clipped_glyphs(page) -> list[Clipped]:
    """The glyphs of a pdfium page that its clipping hides: of text objects hidden whole, nothing shown beside them."""
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
        return []
    textpage = page.get_textpage()
    try:
        glyphs: dict[int, int] = {}
        hidden: dict[int, list[Clipped]] = {}
        shown: list[tuple[float, float]] = []      # the centres of the glyphs shown
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
            if not boxes or _inside(cx, cy, boxes, max(BOX_TOL, STRADDLE * size)):   # (one its edge grazes shows)
                shown.append((cx, cy))
                continue
            if raw.FPDFText_GetCharOrigin(textpage.raw, i, ox, oy):
                hidden.setdefault(key, []).append(
                    (Clipped(chr(raw.FPDFText_GetUnicode(textpage.raw, i)), ox.value, oy.value), cx, cy, size))
        # a run shown in part is a text its cell cut (the author wrote it whole: read whole), and so is one hidden
        # whole next to a glyph shown through the same clip (a turned text's last column); one hidden whole with
        # nothing shown beside it is a copy drawn for another part of its cell (the other page's)
        return [g[0] for key, gs in hidden.items()
                if len(gs) == glyphs[key] and not _beside_shown(gs, clips[key], shown) for g in gs]
    finally:
        textpage.close()


class ClipReader:
    """pdfium's view of the same PDF pdfplumber reads (a path, or the bytes of a flattened or joined copy), page by
    page; a document pdfium cannot open, or a page it fails on, hides nothing (the glyphs are read as before)."""

    def __init__(self, source):
        self.doc = None
        try:
            import pypdfium2 as pdfium
            self.doc = pdfium.PdfDocument(source.getvalue() if hasattr(source, "getvalue") else source)
        except Exception as e:  # noqa: BLE001  (pdfminer read it: its glyphs stand as they are)
            log.info("pdfium could not open the PDF for its clipping: %s", e)

    def hidden(self, index: int) -> list[Clipped]:
        """Page `index`'s hidden glyphs, their origins as pdfminer places them (from the media box's corner); none
        on a turned page (/Rotate: pdfminer turns its coordinates)."""
        if self.doc is None or index >= len(self.doc):
            return []
        page = None
        try:
            page = self.doc[index]
            if page.get_rotation():
                return []
            x0, y0, _, _ = page.get_mediabox()
            return [Clipped(c.text, c.x - x0, c.y - y0) for c in clipped_glyphs(page)]
        except Exception as e:  # noqa: BLE001
            log.info("pdfium could not read page %s's clipping: %s", index + 1, e)
            return []
        finally:
            if page is not None:
                page.close()

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()
            self.doc = None


def hidden_chars(chars: list[dict], clipped: list[Clipped]) -> set[int]:
    """The ids of pdfplumber's glyphs (`chars`) that are `clipped` ones: same character, origin within ORIGIN_TOL."""
    if not clipped:
        return set()
    by_text: dict[str, list[Clipped]] = {}
    for c in clipped:
        by_text.setdefault(c.text, []).append(c)
    out = set()
    for ch in chars:
        near = by_text.get(ch.get("text") or "")
        m = ch.get("matrix")
        if not near or not m:
            continue
        x, y = float(m[4]), float(m[5])
        if any(abs(c.x - x) <= ORIGIN_TOL and abs(c.y - y) <= ORIGIN_TOL for c in near):
            out.add(id(ch))
    return out
