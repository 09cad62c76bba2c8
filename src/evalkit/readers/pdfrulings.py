"""A page's rulings as the table finder needs them: a row Word draws open at a page break (its bottom or top ruling
left out, its side rulings stopping short) given the rulings it lacks, so that its cells are found at all (`rulings`,
`Level`: the horizontal rulings a cell's outer edge is checked against); texts a ruling runs through (rows too low for
their text) named (`crossed_texts`)."""
from __future__ import annotations


from evalkit.readers.pdfclean import lightness
from evalkit.readers.pdfpage import EDGE_TOL

MAX_RULINGS = 4000       # a page with more ruling segments than this is a drawing: no rulings added
BLANK_LIGHTNESS = 0.98     # a fill this light is the paper's white


class Level:
    """A page's horizontal rulings by height: which rulings lie at height y (within EDGE_TOL)."""

    def __init__(self, hs: list[dict]):
        self.buckets: dict[int, list[dict]] = {}
        for h in hs:
            self.buckets.setdefault(round(float(h["top"]) / EDGE_TOL), []).append(h)

    def at(self, y: float):
        k = round(y / EDGE_TOL)
        for key in (k - 1, k, k + 1):
            for h in self.buckets.get(key, ()):
                if abs(float(h["top"]) - y) <= EDGE_TOL:
                    yield h

    def meets(self, y: float, x: float) -> bool:
        """A horizontal ruling passes through (x, y) or ends there."""
        return any(float(h["x0"]) - EDGE_TOL <= x <= float(h["x1"]) + EDGE_TOL for h in self.at(y))

    def ruled(self, y: float, x0: float, x1: float) -> bool:
        """At least half of the segment x0..x1 at height y carries a drawn horizontal ruling."""
        covered = sum(max(0.0, min(x1, float(h["x1"])) - max(x0, float(h["x0"]))) for h in self.at(y))
        return covered >= 0.5 * (x1 - x0)


def blank_side(edge: dict) -> bool:
    """A side of a box filled white and not stroked (the page body's background wkhtmltopdf paints on every page):
    nothing shows there, so a row a page break cuts is open at the cut however pdfplumber finds its cells."""
    return (edge.get("object_type") in ("rect_edge", "rect") and bool(edge.get("fill")) and not edge.get("stroke")
            and (lightness(edge.get("non_stroking_color")) or 0.0) >= BLANK_LIGHTNESS)


def ruling_edges(page) -> list[dict]:
    """The page's drawn rulings as pdfplumber's table finder sees them: edges snapped and joined within EDGE_TOL (not
    a slanted curve segment's, nor a `blank_side`)."""
    from pdfplumber.table import merge_edges
    from pdfplumber.utils import filter_edges

    upright = [e for e in page.edges if e.get("orientation") in ("h", "v") and not blank_side(e)]
    return filter_edges(merge_edges(filter_edges(upright, min_length=1), EDGE_TOL, EDGE_TOL, EDGE_TOL, EDGE_TOL),
                        min_length=EDGE_TOL)


def rulings(page, edges: list[dict] | None = None) -> tuple[Level, list[dict]]:
    """The page's horizontal rulings as pdfplumber's table finder sees them (snapped, joined),
    and the closing rulings to add where a grid's cells run into the page's foot or head open.

    Word draws a table row that breaks across pages without a ruling where it is cut: the
    columns' vertical rulings stop at the foot of page N (and start at the head of page N+1)
    with no horizontal ruling there, so pdfplumber finds no cell in the cut part and its text
    would be read as lines outside the table. A horizontal ruling is added across the columns
    whose verticals end at the same height there, when at least one of them ends free (no
    ruling meets it), in the lower (upper) half of the page, and nothing of the grid reaches
    further down (up); the lowest (highest) few such heights are looked at, and none on a page
    of more than MAX_RULINGS rulings (a drawing, not a form). LibreOffice draws the cut
    closed: nothing is added. `edges`: the page's `ruling_edges`, when the caller has them.
    """
    edges = ruling_edges(page) if edges is None else edges
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]
    level = Level(hs)
    if len(edges) > MAX_RULINGS:
        return level, []
    height = float(page.height)
    closing = []
    for end, sign in (("bottom", 1), ("top", -1)):
        loose = sorted(float(v[end]) for v in vs if not level.meets(float(v[end]), float(v["x0"]))
                       and sign * (float(v[end]) - height / 2) > 0)
        for y in sorted(_clusters(loose), key=lambda y: -sign * y)[:4]:
            ending = [float(v["x0"]) for v in vs if abs(float(v[end]) - y) <= EDGE_TOL]
            if len(ending) < 2:
                continue
            x0, x1 = min(ending), max(ending)
            beyond = any(sign * (float(e[end]) - y) > EDGE_TOL and float(e["x1"]) > x0 + EDGE_TOL
                         and float(e["x0"]) < x1 - EDGE_TOL for e in edges)
            if not beyond:
                closing.append({"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y,
                                "width": x1 - x0, "height": 0.0})
    return level, closing


def open_frame(edges: list[dict]) -> tuple[list[dict], list[dict]]:
    """The frame of a grid drawn without its outer border (Word's inside borders only): its rulings between rows
    run out free at the left and right, those between columns at the top and bottom, and pdfplumber, finding no
    cell beyond the last ruling, dropped the outer rows and columns (the labels' column, the deviation column: a
    wrong table read as `ok`). Where two or more rulings between rows end free on the same line left or right, and
    the rulings between columns reach no ruling at their top or bottom (merged cells leave few reaching it), the
    frame's missing sides are drawn there: (horizontal, vertical) lines to add (`edges`: the page's
    `ruling_edges`)."""
    if len(edges) > MAX_RULINGS:
        return [], []
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]
    if len(hs) < 2 or len(vs) < 2:
        return [], []

    def free(lines, key, value, crossing, at, least):
        """`least` or more `lines` end on `value` (their `key`), and no ruling of the other direction is drawn there."""
        ends = [e for e in lines if abs(float(e[key]) - value) <= EDGE_TOL]
        drawn = any(abs(float(e[at]) - value) <= EDGE_TOL for e in crossing)
        return len(ends) >= least and not drawn

    left, right = min(float(e["x0"]) for e in hs), max(float(e["x1"]) for e in hs)
    sides_v = [x for x, key in ((left, "x0"), (right, "x1")) if free(hs, key, x, vs, "x0", 2)]
    rows = [e for e in hs if any(abs(float(e[k]) - x) <= EDGE_TOL for x in sides_v for k in ("x0", "x1"))]
    cols = [e for e in vs if left - EDGE_TOL <= float(e["x0"]) <= right + EDGE_TOL     # the grid's own: crossing or
            and any(float(e["top"]) - EDGE_TOL <= float(h["top"]) <= float(e["bottom"]) + EDGE_TOL for h in rows)]
    if not sides_v or not cols:              # meeting its rows (a signature table under it is not of it)
        return [], []
    top, bottom = min(float(e["top"]) for e in cols), max(float(e["bottom"]) for e in cols)
    sides_h = [y for y, key in ((top, "top"), (bottom, "bottom")) if free(cols, key, y, hs, "top", 1)]
    if not sides_h:                          # a grid open on both axes only (not a form's underlines)
        return [], []
    y0, y1 = min(top, min(float(e["top"]) for e in rows)), max(bottom, max(float(e["top"]) for e in rows))
    x0, x1 = left, right
    return ([{"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0}
             for y in sides_h],
            [{"object_type": "line", "x0": x, "x1": x, "top": y0, "bottom": y1, "width": 0.0, "height": y1 - y0}
             for x in sides_v])


CROSSED_BAND = 0.3      # glyph heights: a ruling further than this inside a glyph's box from its top and bottom runs
#                         through it (an underline stands at its foot, a table's border around it)


def crossed_texts(page, edges: list[dict], found) -> list[str]:
    """The runs of glyphs inside a ruled table that a ruling between its rows runs through: a wrapped text taller
    than its row (a worksheet's fixed row height) printed over the rows above and below without a clip, whose lines
    are read in those rows' cells (a 偏差原因 under other indicators). Said, not guessed at: which row the text is
    the cell's, the print does not tell for sure."""
    import bisect

    if not found or len(edges) > MAX_RULINGS:
        return []
    hs = sorted((float(e["top"]), float(e["x0"]), float(e["x1"])) for e in edges if e["orientation"] == "h")
    ys = [h[0] for h in hs]
    boxes = [t.bbox for t in found]
    hit = []
    for c in page.chars:
        if not (c.get("text") or "").strip():
            continue
        top, bottom, x = float(c["top"]), float(c["bottom"]), (float(c["x0"]) + float(c["x1"])) / 2
        band = CROSSED_BAND * (bottom - top)
        if not any(b[0] <= x <= b[2] and b[1] <= top and bottom <= b[3] for b in boxes):
            continue
        lo, hi = bisect.bisect_left(ys, top + band), bisect.bisect_right(ys, bottom - band)
        if any(h[1] <= x <= h[2] for h in hs[lo:hi]):
            hit.append(c)
    runs = []
    for c in sorted(hit, key=lambda c: (round(float(c["top"])), float(c["x0"]))):
        if runs and abs(float(runs[-1][-1]["top"]) - float(c["top"])) < 1 and \
                float(c["x0"]) - float(runs[-1][-1]["x1"]) < float(c["bottom"]) - float(c["top"]):
            runs[-1].append(c)
        else:
            runs.append([c])
    return ["".join(c["text"] for c in run) for run in runs]


def open_ends(edges: list[dict]) -> list[dict]:
    """The side of a grid drawn for some of its rows only: a worksheet printed in column bands whose top rows' cells
    run on over the band's edge (a name over empty neighbours, its cells without their own borders there) has
    rulings between those rows ending free at the band's edge, where the side is drawn further down; pdfplumber,
    finding no cell there, dropped their text (the project's name, the agency), status ok. Where two or more
    rulings between rows end free on the side's line, and that line is drawn along other rows, it is drawn along
    theirs too: vertical lines to add."""
    if len(edges) > MAX_RULINGS:
        return []
    hs = [e for e in edges if e["orientation"] == "h"]
    vs = [e for e in edges if e["orientation"] == "v"]
    if len(hs) < 2 or not vs:
        return []
    out = []
    for x, key in ((max(float(e["x1"]) for e in hs), "x1"), (min(float(e["x0"]) for e in hs), "x0")):
        side = [v for v in vs if abs(float(v["x0"]) - x) <= EDGE_TOL]
        if not side:
            continue                          # a side drawn nowhere: an open frame's (`open_frame`) or no grid's
        met = lambda y: any(float(v["top"]) - EDGE_TOL <= y <= float(v["bottom"]) + EDGE_TOL for v in side)  # noqa: E731
        free = sorted(float(e["top"]) for e in hs if abs(float(e[key]) - x) <= EDGE_TOL and not met(float(e["top"])))
        if len(free) < 2:
            continue
        top, bottom = free[0], free[-1]
        near = min((float(v["top"]) for v in side if float(v["top"]) >= bottom - EDGE_TOL), default=None)
        far = max((float(v["bottom"]) for v in side if float(v["bottom"]) <= top + EDGE_TOL), default=None)
        y0, y1 = (far if far is not None else top), (near if near is not None else bottom)
        out.append({"object_type": "line", "x0": x, "x1": x, "top": y0, "bottom": y1, "width": 0.0,
                    "height": y1 - y0})
    return out


def _clusters(values: list[float]) -> list[float]:
    """Sorted values grouped within EDGE_TOL: each group's middle."""
    groups: list[list[float]] = []
    for v in values:
        if groups and v - groups[-1][-1] <= EDGE_TOL:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [(g[0] + g[-1]) / 2 for g in groups]
