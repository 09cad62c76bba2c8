"""What one PDF page gave the reader: its tables with the geometry stitching needs (cells' edges, rows' heights) and
its text lines in reading order; shared by the page reader (pdf.py) and the stitcher (pdfstitch.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from evalkit.model import Paragraph
from evalkit.readers.aligned import AlignedTable

EDGE_TOL = 3.0           # points: cell edges closer than this are the same grid line
HEAD_ROWS = 8            # a table's first rows whose cells keep their geometry (repeated headers + one)
FULL_ROOM = 0.9          # a cell is full when less than this many glyph heights (+ EDGE_TOL) are left under its text


@dataclass
class CellGeom:
    """Where one physical cell of a page's table sits, for joining a row broken across pages."""
    r0: int                 # first and last grid rows the cell covers on its page
    r1: int
    idx: int                # its index in rows[r0] (rows_from_spans order)
    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    text_bottom: float | None = None   # lowest glyph bottom inside the cell (None: no glyphs)
    size: float = 0.0                  # its largest glyph size
    wrapped: bool = False              # its last text line fills its width (the text wrapped there)
    open_top: bool = False             # no ruling drawn along its top / bottom edge
    open_bottom: bool = False
    pitch: float = 0.0                 # from one of its lines to the next (0: one line)

    @property
    def full(self) -> bool:
        """Its text runs down to its bottom edge: no room for one more line below it (a line's pitch, where its
        lines show one: a browser sets lines 1.5 glyphs apart, and its cell's padding takes EDGE_TOL more)."""
        return self.text_bottom is not None and self.bottom - self.text_bottom < max(
            FULL_ROOM * max(self.size, 1.0) + EDGE_TOL, self.pitch + EDGE_TOL if self.pitch else 0.0)


@dataclass
class PageTable:
    """A table found on one page, with the geometry stitching needs."""
    rows: list[list[str]]
    page: int
    bbox: tuple[float, float, float, float]   # x0, top, x1, bottom
    n_cols: int
    lead_height: float = 0.0   # tallest of its first two rows: what did not fit on the page before
    cells: list[CellGeom] = field(default_factory=list)   # geometry of its first and last rows' cells
    heights: list[float] = field(default_factory=list)    # heights of its first HEAD_ROWS + 2 rows
    boxes: list[list[tuple]] = field(default_factory=list)  # each cell's box, in the order of rows
    merged: list[tuple[float, float]] = field(default_factory=list)  # columns (x0, x1 from its left edge)
                                                                     # holding a cell merged over rows
    aligned: AlignedTable | None = None        # rebuilt from the text's alignment (no rulings): its rows' ends
    overflow: list[tuple[CellGeom, Paragraph]] = field(default_factory=list)   # text under its foot that may go
    #                                            on from a cell open there (`_overflow`; stitch decides)

    def lead(self, h: int = 0) -> float:
        """The tallest of its two rows after `h` repeated header rows: what did not fit before."""
        return max(self.heights[h:h + 2], default=self.lead_height) if h else self.lead_height


@dataclass
class PageContent:
    number: int
    height: float
    items: list = field(default_factory=list)  # (top, bottom, Paragraph | PageTable) in reading order
    aligned: bool = False                      # its tables were rebuilt from the text's alignment (no rulings)
    unruled_sheet: bool = False                # a worksheet's table printed without rulings, not read as a table
    cut_off: bool = False                      # a ruled table runs off the page: what lies beyond was not printed
    crossed: list = field(default_factory=list)  # texts a ruling between rows runs through (rows too low for them)


def aligned_page_table(t: AlignedTable, page_number: int) -> PageTable:
    """A table rebuilt from its text's alignment (readers/aligned.py) with what stitching needs (no ruled cells)."""
    return PageTable(t.rows, page_number, t.bbox, t.n_cols, max(t.heights[:2]), [], t.heights[:HEAD_ROWS + 2],
                     t.boxes, aligned=t)
