"""A worksheet wider than the paper, printed to PDF: Excel, WPS and LibreOffice Calc print its columns in bands
(A–E on page 1, F–I on page 3, … "down, then over" by default; "over, then down" when so set), so each page holds
a slice of every row, and read page by page the slices are separate tables: the labels on one page, the figures on
another, which read as a report without names, indicators or scores and said nothing. Such pages are joined side
by side on a copy in memory (pypdf: each band's page moved right of the one before, its left border on the other's
right one), and the copy is read; the file is never written.

Pages are bands of one stretch of rows when they come from a spreadsheet program (the PDF's Creator or
Producer), their horizontal rulings are the same (the same rows, from the same first one: the same height, not a
continuation below a title), and their vertical rulings are not (other columns; a table continued down a page has
its columns where they were). Which pages go together is tried for every count of bands that divides the pages, in
both print orders.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from io import BytesIO

SPREADSHEET = re.compile(r"\bcalc\b|excel|wps\s*(表格|spreadsheets?)|spreadsheet|电子表格|\bnumbers\b", re.I)
MAX_PAGES = 60          # a wide sheet's bands, not a long report: more pages are not looked at
SAME = 1.0              # points: two rulings at the same place
ROWS_ALIKE = 0.8        # the share of the rulings down two pages that must be the same
COLUMNS_SHARED = 0.34   # at most this share of a band's inner column rulings may stand where the first band's do
THIN = 2.0              # points: a box this thin is a rule


@dataclass(frozen=True)
class Bands:
    """The pages (0-based) of each stretch of rows, band by band from the left, and every page's rulings."""
    slabs: list[list[int]]
    pages: list[Rulings]
    titles: list[float] | None = None   # per band, where its own columns start after the first columns it
                                        # repeats (print titles, 左端标题列); None when no band repeats any
    rest: tuple[int, ...] = ()          # pages after the bands, without rulings, read as they are after them

    def shifts(self) -> list[float]:
        """How far right each band is moved: where its own columns start onto the band before's rightmost ruling."""
        return self._layout[2]

    @functools.cached_property
    def _layout(self) -> tuple[list[float], list[float], list[float]]:
        """Per band: where its own columns start, its rightmost ruling, how far right it is moved (once per PDF:
        every cell read is put back through it)."""
        bands = len(self.slabs[0])
        left = [min((x for s in self.slabs if (x := self._col(s[b], 0)) is not None), default=0.0) for b in range(bands)]
        right = [max((x for s in self.slabs if (x := self._col(s[b], -1)) is not None), default=0.0) for b in range(bands)]
        if self.titles:
            left = [left[0]] + self.titles[1:]
        shift = [0.0]
        for b in range(1, bands):
            shift.append(shift[-1] + right[b - 1] - left[b])
        return left, right, shift

    def sources(self, index: int) -> list[tuple[int, float, float, float]]:
        """The file's pages (0-based) that joined page `index` (0-based) is made of, each with how far right it
        was moved and where its band's own columns lie on it (left, right: what lies outside is another band's)."""
        if index < len(self.slabs):
            left, right, shift = self._layout
            return [(i, shift[b], left[b], right[b] if right[b] > left[b] else float("inf"))
                    for b, i in enumerate(self.slabs[index])]
        k = index - len(self.slabs)
        return [(self.rest[k], 0.0, float("-inf"), float("inf"))] if k < len(self.rest) else []

    def _col(self, page: int, end: int) -> float | None:
        cols = self.pages[page].cols
        return cols[end] if cols else None

    def original(self, page: int, bbox):
        """Where a box on joined page `page` (1-based) stands in the file: its page (1-based) and box, on the band
        of its left edge (a cell merged over the seam is cut at that band's right edge)."""
        if page and len(self.slabs) < page <= len(self.slabs) + len(self.rest):
            return self.rest[page - len(self.slabs) - 1] + 1, bbox
        if not 0 < page <= len(self.slabs) or bbox is None:
            return page, bbox
        left, right, shift = self._layout
        b = max([0] + [k for k in range(1, len(shift)) if left[k] + shift[k] <= bbox[0] + 1])
        x1 = min(bbox[2] - shift[b], right[b]) if right[b] > left[b] else bbox[2] - shift[b]
        return self.slabs[page - 1][b] + 1, (bbox[0] - shift[b], bbox[1], x1, bbox[3])


@dataclass(frozen=True)
class Rulings:
    """Where a page's rulings run: the heights of its horizontal ones, the x of its vertical ones (sorted)."""
    rows: tuple[float, ...]
    cols: tuple[float, ...]


def rulings(page) -> Rulings:
    """The page's rulings from its lines and boxes (LibreOffice draws borders as lines, Excel as thin boxes)."""
    rows, cols = set(), set()
    for o in list(page.lines) + list(page.rects):
        w, h = o["x1"] - o["x0"], o["bottom"] - o["top"]
        if h <= THIN and w > THIN:
            rows.add(round((o["top"] + o["bottom"]) / 2, 1))
        elif w <= THIN and h > THIN:
            cols.add(round((o["x0"] + o["x1"]) / 2, 1))
        elif w > THIN and h > THIN:
            rows.update((round(o["top"], 1), round(o["bottom"], 1)))
            cols.update((round(o["x0"], 1), round(o["x1"], 1)))
    return Rulings(tuple(_merged(rows)), tuple(_merged(cols)))


def _merged(values) -> list[float]:
    """The values in order, each within SAME of the one before counted once (a border drawn twice, by each of its
    cells)."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > SAME:
            out.append(v)
    return out


def _shared(a, b) -> int:
    return sum(1 for v in a if any(abs(v - w) <= SAME for w in b))


def _same_rows(a: Rulings, b: Rulings) -> bool | None:
    """True when two pages rule the same rows from the same first one; None when neither rules any."""
    if not a.rows and not b.rows:
        return None
    if not a.rows or not b.rows or abs(a.rows[0] - b.rows[0]) > SAME:
        return False
    return _shared(a.rows, b.rows) >= ROWS_ALIKE * max(len(a.rows), len(b.rows))


def _other_columns(first: Rulings, other: Rulings, skip: int = 0) -> bool:
    """The other page's column rulings (but its left edge, and the first `skip` it shares as print titles) mostly
    stand where the first page has none, or, columns all alike wide (a workbook's default widths: a band's rulings
    fall where the first's do), they are fewer and end elsewhere (a band of one or two columns)."""
    inner = [x for x in other.cols[skip:] if x > other.cols[0] + SAME] if other.cols else []
    if not inner:
        return False
    if _shared(inner, first.cols) <= COLUMNS_SHARED * len(inner):
        return True
    return not skip and len(other.cols) < len(first.cols) and abs(other.cols[-1] - first.cols[-1]) > SAME


def _shared_lead(first: Rulings, other: Rulings) -> int:
    """How many column rulings from the left two pages share: two or more when a band repeats the sheet's first
    columns (Excel's and Calc's 打印标题, 左端标题列)."""
    j = 0
    while j < min(len(first.cols), len(other.cols)) and abs(first.cols[j] - other.cols[j]) <= SAME:
        j += 1
    return j


def _fits(slabs: list[list[int]], pages, titles: bool = False) -> bool:
    """The pages of each stretch rule the same rows and other columns (`pages[i]`: a page's rulings, looked up as
    needed: the first stretch's pages tell most PDFs apart); with `titles`, other columns after the first ones
    every band repeats."""
    strong = False
    for slab in slabs:
        first = pages[slab[0]]
        for i in slab[1:]:
            same = _same_rows(first, pages[i])
            if same is False:
                return False
            if same and len(first.rows) >= 3:
                skip = _shared_lead(first, pages[i]) if titles else 0
                if (titles and skip < 2) or not _other_columns(first, pages[i], skip):
                    return False
                strong = True
    return strong


def from_spreadsheet(pdf) -> bool:
    """The PDF's Creator or Producer is a spreadsheet program."""
    meta = pdf.metadata or {}
    return bool(SPREADSHEET.search(" ".join(str(meta.get(k) or "") for k in ("Creator", "Producer"))))


def column_bands(pdf) -> Bands | None:
    """How the PDF's pages are a worksheet printed in column bands; None when they are not (and for any PDF not
    made by a spreadsheet program, or whose pages are turned or shifted: joining them would misplace them)."""
    n = len(pdf.pages)
    if n < 2 or n > MAX_PAGES or not from_spreadsheet(pdf):
        return None
    if any(p.rotation % 360 or tuple(p.mediabox[:2]) != (0, 0) for p in pdf.pages):
        return None
    pages = _Lazy(pdf)
    found = _bands(n, pages)
    if found is not None:
        return found
    # Calc prints no empty page: a band holding only a text off to the right of the table (金额单位：万元 beside the
    # first rows) is a page of its own after the others, without rulings; the bands are looked for without it
    m = n
    while m > 2 and not pages[m - 1].rows and not pages[m - 1].cols:
        m -= 1
    found = _bands(m, pages) if m < n else None
    if found is None:
        return None
    return Bands(found.slabs, found.pages + [pages[i] for i in range(m, n)], found.titles, tuple(range(m, n)))


def _bands(n: int, pages) -> Bands | None:
    """The bands of the first `n` pages: every count of bands that divides them, in both print orders."""
    for bands in range(2, n + 1):
        if n % bands:
            continue
        stretches = n // bands
        orders = [[[b * stretches + s for b in range(bands)] for s in range(stretches)]]       # down, then over
        if stretches > 1:
            orders.append([[s * bands + b for b in range(bands)] for s in range(stretches)])  # over, then down
        for slabs in orders:
            if _fits(slabs, pages):
                return Bands(slabs, [pages[i] for i in range(n)])
            if _fits(slabs, pages, titles=True):
                return Bands(slabs, [pages[i] for i in range(n)], _title_ends(slabs, pages))
    return None


def _title_ends(slabs: list[list[int]], pages) -> list[float]:
    """Per band, the ruling where its own columns start: the last one it shares with the first band's page of the
    same stretch (the repeated first columns' right edge), the farthest over the stretches; the first band's left."""
    ends = [pages[slabs[0][0]].cols[0] if pages[slabs[0][0]].cols else 0.0]
    for b in range(1, len(slabs[0])):
        shared = [pages[s[b]].cols[k - 1] for s in slabs if (k := _shared_lead(pages[s[0]], pages[s[b]])) >= 2]
        ends.append(max(shared, default=ends[0]))
    return ends


class _Lazy:
    """Each page's rulings when first asked for; the page keeps what pdfplumber parsed, which the reading of the
    pages uses next (no page parsed twice)."""

    def __init__(self, pdf):
        self.pdf, self.got = pdf, {}

    def __getitem__(self, i: int) -> Rulings:
        if i not in self.got:
            self.got[i] = rulings(self.pdf.pages[i])
        return self.got[i]


def joined(source, found: Bands) -> bytes:
    """A copy of the PDF with each stretch's bands side by side on one page: band k moved right so that where its
    own columns start (its leftmost column ruling, or past the columns it repeats) meets band k-1's rightmost."""
    from pypdf import PdfReader, PdfWriter, Transformation

    slabs, shift = found.slabs, found.shifts()
    if found.titles:
        source = BytesIO(_without_titles(source, found))
    reader = PdfReader(source)
    out = PdfWriter()
    for slab in slabs:
        last = reader.pages[slab[-1]]
        width = shift[-1] + float(last.mediabox.width)
        height = max(float(reader.pages[i].mediabox.height) for i in slab)
        page = out.add_blank_page(width, height)
        for b, i in enumerate(slab):
            page.merge_transformed_page(reader.pages[i], Transformation().translate(shift[b], 0))
    for i in found.rest:
        out.add_page(reader.pages[i])
    buf = BytesIO()
    out.write(buf)
    return buf.getvalue()


def _without_titles(source, found: Bands) -> bytes:
    """The PDF with what each band after the first repeats of the sheet's first columns taken off its pages by
    pdfium (their text, and the rules and pictures within them), so that joined they are read once: a text starting
    in those columns goes (the sheet's title in A1 runs on over the next ones), anything else only when it lies
    within them."""
    import pypdfium2 as pdfium

    from evalkit.readers.pdfforms import edited_copy

    def take_off(doc) -> None:
        start = found.titles[0]
        for slab in found.slabs:
            for b, i in enumerate(slab[1:], start=1):
                end, page = found.titles[b], doc[i]
                objects = list(page.get_objects())
                for obj in objects:
                    x0, _, x1, _ = (obj.get_bounds if hasattr(obj, "get_bounds") else obj.get_pos)()
                    text = obj.type == pdfium.raw.FPDF_PAGEOBJ_TEXT
                    if x0 >= start - SAME and (x0 < end - SAME if text else x1 <= end + SAME):
                        page.remove_obj(obj)
                page.gen_content()
                for obj in objects:           # closed before their page and document (pypdfium2's order)
                    obj.close()
                page.close()

    return edited_copy(source, take_off)


def _pages_of(found: Bands) -> str:
    """第 1、3、5 页，第 2、4、6 页各: the stretches' pages, for the note and the warning."""
    groups = "，".join(f"第 {'、'.join(str(i + 1) for i in slab)} 页" for slab in found.slabs)
    return groups + ("各" if len(found.slabs) > 1 else "")


def join_failed(found: Bands, error: Exception) -> str:
    """Why a band print is read page by page after all (the join failed), and what to ask for."""
    from evalkit.readers.safety import reason
    return (f"{_pages_of(found)}像是同一张工作表超出纸宽、按列分页打印的各部分，但无法拼接"
            f"（{reason(error)}），已按页读取，表格可能不全；请在 Excel/WPS 的页面设置中选择“将所有列调整为一页”后"
            "重新导出 PDF，或提供 Excel 原件")


def bands_note(found: Bands) -> str:
    """The reading note: which pages were joined, and that page numbers are the joined pages'."""
    rest = f"；第 {'、'.join(str(i + 1) for i in found.rest)} 页只有表格外的文字，另行读取" if found.rest else ""
    return (f"{_pages_of(found)}是同一张工作表超出纸宽、按列分页打印的左右部分，"
            f"已左右拼接为 {len(found.slabs)} 页读取（页码按拼接后计"
            f"{'；每页重复的左端标题列只读一次' if found.titles else ''}）{rest}")


def original_places(blocks, found: Bands) -> None:
    """The pages and boxes of what was read from the joined copy put back where they stand in the file, so that a
    finding's page and box (evalkit annotate) are the file's: each cell on its band's page."""
    from evalkit.model import Paragraph, Table

    def first_page(page):
        if page and len(found.slabs) < page <= len(found.slabs) + len(found.rest):
            return found.rest[page - len(found.slabs) - 1] + 1
        return found.slabs[page - 1][0] + 1 if page and 0 < page <= len(found.slabs) else page

    for block in blocks:
        if isinstance(block, Paragraph):
            if block.bbox is not None:
                block.page, block.bbox = found.original(block.page, block.bbox)
            else:
                block.page = first_page(block.page)
        elif isinstance(block, Table):
            row_pages = block.pages or [block.page] * len(block.rows)
            if block.bboxes:
                placed = [[found.original(row_pages[r] if r < len(row_pages) else block.page, box) if box else (None, None)
                           for box in boxes] for r, boxes in enumerate(block.bboxes)]
                block.cell_pages = [[p for p, _ in row] for row in placed]
                block.bboxes = [[box for _, box in row] for row in placed]
                row_pages = [next((p for p in row if p), None) or first_page(row_pages[r] if r < len(row_pages) else None)
                             for r, row in enumerate(block.cell_pages)]
            else:
                row_pages = [first_page(p) for p in row_pages]
            block.pages = row_pages if block.pages else None
            block.page = row_pages[0] if row_pages else first_page(block.page)
