"""What a PDF page shows, not what its text layer holds: glyphs overprinted to fake bold read once, text a clipping
path hides, a watermark across the page, text under a box drawn over it (a correction, a redaction), struck through
(删除线) or white on no shaded ground left out, each named for the reading notes. Functions take a pdfplumber page
and return the page filtered (and what was left out)."""
from __future__ import annotations

import bisect

from evalkit.readers.pdfclip import matched_chars


def overprinted(chars) -> int:
    """How many glyphs repeat one drawn before them at the same place (within a point): printer drivers draw bold
    that a font lacks by printing each glyph two or four times, slightly shifted, which reads 项项目目名名称称."""
    seen, repeats = set(), 0
    for ch in chars:
        x, y, t = int(ch["x0"]), int(ch["top"]), ch["text"]
        if not t.strip():
            continue
        if any((t, x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            repeats += 1
        seen.add((t, x, y))
    return repeats


def without_clipped(page, clipped) -> object:
    """The page without the glyphs its clipping hides (`pdfclip`: a worksheet's print draws a cut cell's text whole,
    clipped); not named in the report: what a clip hides is layout, the cell's text is read where it shows. A glyph
    its cell's edge cuts with its centre past the edge is moved into its cell (it ends its cell's text)."""
    if clipped.cut:
        placed = matched_chars(page.chars, clipped.cut)
        height = float(page.height)
        for ch in page.chars:                  # (pdfplumber's own glyph records: every later view of the page sees it)
            if (cut := placed.get(id(ch))) is not None:
                _into(ch, cut, height)
    gone = set(matched_chars(page.chars, clipped.hidden))
    return page.filter(lambda o: id(o) not in gone) if gone else page


def _into(ch: dict, cut, height: float) -> None:
    """Move pdfplumber's glyph `ch` so that its centre lies in the box of `cut` (PDF space, y up), where its ink
    shows: not when it lies there already, nor further than the cut's reach."""
    left, bottom, right, top = cut.box
    pad_x, pad_y = min(0.5, (right - left) / 4), min(0.5, (top - bottom) / 4)
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    lo_y, hi_y = height - top, height - bottom                  # the box top-down
    dx = min(max(cx, left + pad_x), right - pad_x) - cx
    dy = min(max(cy, lo_y + pad_y), hi_y - pad_y) - cy
    if (dx or dy) and abs(dx) <= cut.reach and abs(dy) <= cut.reach:
        ch["x0"], ch["x1"] = ch["x0"] + dx, ch["x1"] + dx
        ch["top"], ch["bottom"], ch["y0"], ch["y1"] = ch["top"] + dy, ch["bottom"] + dy, ch["y0"] - dy, ch["y1"] - dy
        if "doctop" in ch:
            ch["doctop"] += dy


def without_overprint(page):
    """The page with each glyph once (pdfplumber's dedupe_chars: same text and font within a point; not the size,
    which a shifted copy's matrix may give as 10.000000000000057), when any is overprinted; the check costs a few
    set lookups a glyph, the dedupe runs only where it finds some."""
    return page.dedupe_chars(tolerance=1, extra_attrs=("fontname",)) if overprinted(page.chars) else page


WATERMARK_SIZE = 2.0     # a light glyph at least this many times the page's text size: a watermark (内部资料)
WATERMARK_LIGHT = 0.5    # lightness (0 black … 1 white) from which a large glyph is a watermark's pale grey


def lightness(color) -> float | None:
    """0 (black) … 1 (white) of a fill colour as pdfplumber gives it; None when unknown (a pattern, a spot colour)."""
    if isinstance(color, (int, float)):           # a grey as a bare number (pdfplumber gives a box's so)
        return float(color)
    if not isinstance(color, (tuple, list)) or not color or not all(isinstance(v, (int, float)) for v in color):
        return None
    if len(color) == 1:
        return float(color[0])
    if len(color) == 3:
        return 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    if len(color) == 4:                       # CMYK
        c, m, y, k = color
        return (1 - min(1.0, c + k)) * 0.299 + (1 - min(1.0, m + k)) * 0.587 + (1 - min(1.0, y + k)) * 0.114
    return None


def _oblique(matrix) -> bool:
    """A glyph turned by an angle other than a multiple of 90°: a watermark across the page, never a cell's text."""
    a, b, c, d = matrix[:4]
    return min(abs(a), abs(b)) > 0.05 * max(abs(a), abs(b), 1e-9) or min(abs(c), abs(d)) > 0.05 * max(abs(c), abs(d), 1e-9)


def watermark_chars(chars) -> set[int]:
    """The ids of a page's watermark glyphs: turned at a slant (45°), or large and pale (a horizontal 仅供参考 in grey
    at twice the text's size); a title is black and a cell's text upright, so neither is one."""
    if not chars:
        return set()
    sizes = sorted(float(c.get("size") or 0) for c in chars)
    body = sizes[len(sizes) // 4]         # the lower quartile: the text's size even on a page the watermark fills
    marks = set()
    for c in chars:
        if c.get("matrix") and _oblique(c["matrix"]):
            marks.add(id(c))
        elif float(c.get("size") or 0) >= WATERMARK_SIZE * body:
            light = lightness(c.get("non_stroking_color"))
            if light is not None and light >= WATERMARK_LIGHT:
                marks.add(id(c))
    return marks if len(marks) < len(chars) else set()     # a page of nothing else is its own text


def without_watermark(page) -> tuple[object, str]:
    """The page without its watermark glyphs (`watermark_chars`), which would land in the cells they cross, and
    their text ('' when none)."""
    marks = watermark_chars(page.chars)
    if not marks:
        return page, ""
    text = "".join(c["text"] for c in page.chars if id(c) in marks)
    return page.filter(lambda o: id(o) not in marks), text


COVER_DARK = 0.05        # a box filled this dark (a redaction) or …
COVER_PALE = 0.95        # … this pale (correction fluid, an editor's whiteout) hides what was drawn before it
COVER_MIN = 3.0          # points: a thinner box is a rule or a border, which hides no glyph


def _cover_word(rect) -> str | None:
    """白色 or 黑色 for a box filled white or black, the colours that hide text (a coloured box is a highlight)."""
    light = lightness(rect.get("non_stroking_color")) if rect.get("fill") else None
    return None if light is None else "白色" if light >= COVER_PALE else "黑色" if light <= COVER_DARK else None


def _drawing_order(raw_page) -> dict[int, int]:
    """The place in the page's drawing of each glyph and box (by id), which pdfplumber's lists by kind lose:
    pdfminer's layout keeps the content stream's order, and pdfplumber lists each kind in that order."""
    lists = {kind: iter(raw_page.objects.get(kind, ())) for kind in ("char", "rect")}
    order, stack, n = {}, [iter(raw_page.layout._objs)], 0
    while stack:
        obj = next(stack[-1], None)
        if obj is None:
            stack.pop()
            continue
        if hasattr(obj, "_objs"):                         # a form XObject: its contents in their order
            stack.append(iter(obj._objs))
            continue
        kind = type(obj).__name__[2:].lower()              # LTChar -> char, as pdfplumber names its lists
        if kind in lists:
            got = next(lists[kind], None)
            if got is not None:
                order[id(got)] = n
        n += 1
    return order


def covered_chars(page, raw_page) -> list[tuple[str, list[dict]]]:
    """The glyphs an opaque white or black box drawn after them hides (a correction pasted over a figure, a
    redaction), box by box with its colour word: a viewer shows the box, so they are not read. A box drawn before
    its text (a shaded cell) hides nothing."""
    boxes = [(r, w) for r in page.rects if r["width"] >= COVER_MIN and r["height"] >= COVER_MIN and (w := _cover_word(r))]
    if not boxes:
        return []
    chars = sorted(((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i, c)
                   for i, c in enumerate(page.chars) if c["text"].strip())
    ys = [y for y, *_ in chars]
    under = []
    for r, w in boxes:                                 # the glyphs whose centre is in the box, found by their height
        lo, hi = bisect.bisect_left(ys, r["top"] - 0.5), bisect.bisect_right(ys, r["bottom"] + 0.5)
        hit = [c for _, x, _, c in chars[lo:hi] if r["x0"] - 0.5 <= x <= r["x1"] + 0.5]
        if hit:
            under.append((r, w, hit))
    if not under:
        return []
    order = _drawing_order(raw_page)
    out = []
    for r, w, hit in under:
        at = order.get(id(r), -1)
        hidden = [c for c in hit if order.get(id(c), at) < at]
        if hidden:
            out.append((w, sorted(hidden, key=lambda c: (round(c["top"]), c["x0"]))))
    return out


def without_covered(page, raw_page) -> tuple[object, list[str]]:
    """The page without the glyphs boxes drawn over them hide (`covered_chars`), and those glyphs' text box by box
    (第 2 页白色方块下的文字“18.5”) for reports.hidden_content."""
    return _left_out(page, [(f"{w}方块下的文字", cs) for w, cs in covered_chars(page, raw_page)])


def _left_out(page, groups: list[tuple[str, list[dict]]]) -> tuple[object, list[str]]:
    """The page without the glyphs of `groups` (what they are, their glyphs), and what each held, in words
    (第 1 页删除线文字“18.5”), for reports.hidden_content."""
    if not groups:
        return page, []
    gone = {id(c) for _, cs in groups for c in cs}
    said = [f"第 {page.page_number} 页{what}“{''.join(c['text'] for c in cs).strip()}”" for what, cs in groups]
    return page.filter(lambda o: id(o) not in gone), said


STRIKE_ABOVE = (0.1, 0.6)    # ems above a glyph's baseline a strike runs (LibreOffice's at 0.28; an underline below it)
STRIKE_BAND = (0.25, 0.8)    # where down a glyph's box, for a glyph without a usable matrix (no baseline to go by)
STRIKE_ENDS = 1.5            # points: a strike starts and ends at its glyphs' edges (a cell's border runs past them)
STRIKE_THICK = 2.0           # points: a strike drawn as a box is a thin one


def _strokes(page):
    """(x0, x1, y) of the page's horizontal lines and thin boxes: where a strike through text may be."""
    for o in page.lines:
        if abs(o["top"] - o["bottom"]) < 0.5:
            yield o["x0"], o["x1"], (o["top"] + o["bottom"]) / 2
    for o in page.rects:
        if o["height"] <= STRIKE_THICK and o["width"] > o["height"]:
            yield o["x0"], o["x1"], (o["top"] + o["bottom"]) / 2


def struck_chars(page) -> list[list[dict]]:
    """The glyphs struck through (删除线: a corrected figure's old value, 18.5 struck before 17.5, as Word and
    LibreOffice print it), stroke by stroke: a horizontal line across the middle of a run of glyphs on one line,
    starting and ending at its edges. An underline runs at their foot, a border past them."""
    strokes = list(_strokes(page))
    if not strokes:
        return []
    chars = sorted(((c["top"] + c["bottom"]) / 2, c["x0"], i, c) for i, c in enumerate(page.chars))
    ys = [y for y, *_ in chars]
    tall = max((c["bottom"] - c["top"] for c in page.chars), default=0)
    out = []
    for x0, x1, y in strokes:
        lo, hi = bisect.bisect_left(ys, y - tall), bisect.bisect_right(ys, y + tall)
        hit = [c for *_, c in chars[lo:hi] if x0 - 0.5 <= (c["x0"] + c["x1"]) / 2 <= x1 + 0.5 and _strike_height(c, y)]
        if hit and abs(min(c["x0"] for c in hit) - x0) <= STRIKE_ENDS and abs(max(c["x1"] for c in hit) - x1) <= STRIKE_ENDS \
                and any(c["text"].strip() for c in hit):
            out.append(sorted(hit, key=lambda c: c["x0"]))
    return out


def _strike_height(c: dict, y: float) -> bool:
    """A line at `y` (from the page's top) runs through glyph `c` as a strike does: 0.1–0.6 em above its baseline
    (an underline runs below it, whatever the font's box); by the glyph's box when its matrix gives no baseline."""
    m, size = c.get("matrix"), float(c.get("size") or 0)
    if m and size and c.get("y1") is not None and abs(m[1]) < 1e-6 and abs(m[2]) < 1e-6 and m[3] > 0:
        above = c["top"] + c["y1"] - m[5] - y
        return STRIKE_ABOVE[0] * size <= above <= STRIKE_ABOVE[1] * size
    return STRIKE_BAND[0] <= (y - c["top"]) / max(c["bottom"] - c["top"], 1e-6) <= STRIKE_BAND[1]


def without_struck(page) -> tuple[object, list[str]]:
    """The page without its struck-through glyphs (`struck_chars`), and their text stroke by stroke
    (第 1 页删除线文字“18.5”) for reports.hidden_content, as Word's struck text is."""
    return _left_out(page, [("删除线文字", cs) for cs in struck_chars(page)])


WHITE_TEXT = 0.95         # a glyph filled this pale prints as nothing on white paper
DARK_GROUND = 0.7         # … unless a box or picture at most this light lies under it (white on a shaded cell)


def white_chars(page) -> list[list[dict]]:
    """Glyphs filled white with no shaded box or picture under them: text that prints as nothing (coloured white
    to hide an old value), as runs of one line each."""
    white = [c for c in page.chars if c["text"].strip() and (lightness(c.get("non_stroking_color")) or 0) >= WHITE_TEXT]
    if not white:
        return []
    grounds = [r for r in page.rects if r.get("fill") and _darker(r.get("non_stroking_color"), DARK_GROUND)]
    grounds += list(page.images)

    def on_ground(c) -> bool:
        x, y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        return any(g["x0"] <= x <= g["x1"] and g["top"] <= y <= g["bottom"] for g in grounds)

    unseen = sorted((c for c in white if not on_ground(c)), key=lambda c: (round(c["top"]), c["x0"]))
    runs: list[list[dict]] = []
    for c in unseen:
        last = runs[-1][-1] if runs else None
        if last is not None and round(last["top"]) == round(c["top"]) and c["x0"] - last["x1"] <= c["size"]:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _darker(color, than: float) -> bool:
    light = lightness(color)
    return light is not None and light <= than


def without_white(page) -> tuple[object, list[str]]:
    """The page without its white-on-white glyphs (`white_chars`), and their text run by run
    (第 1 页白色文字“18.5”) for reports.hidden_content, as Word's white text is."""
    return _left_out(page, [("白色文字", cs) for cs in white_chars(page)])
