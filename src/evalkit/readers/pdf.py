"""PDF reader (pdfplumber): ruled tables with merged cells read once, text lines around them,
tables continued on the next page stitched; scans, garbled text layers and encryption refused.

pdfplumber beat camelot's lattice parser on the fixtures (see docs/design-readers.md).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import Document, Paragraph, ReadError, Table
from evalkit.readers.grid import Span, rows_from_spans

GARBLED_SHARE = 0.3      # above this share of unmapped glyphs the text layer is unusable
EDGE_TOL = 3.0           # points: cell edges closer than this are the same grid line
MARGIN_SHARE = 0.08      # top/bottom band of a page where running headers/page numbers sit
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(\d{1,4}|第\s*\d+\s*页.*|\d+\s*/\s*\d+)[-—–\s]*$")
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class PageTable:
    """A table found on one page, with the geometry stitching needs."""
    rows: list[list[str]]
    page: int
    bbox: tuple[float, float, float, float]   # x0, top, x1, bottom
    n_cols: int
    lead_height: float = 0.0   # tallest of its first two rows: what did not fit on the page before


@dataclass
class PageContent:
    number: int
    height: float
    items: list = field(default_factory=list)  # (top, bottom, Paragraph | PageTable) in reading order


def read_pdf(path: Path) -> Document:
    """Read a PDF's tables and text lines; raise ReadError for scans, garbled text and encryption."""
    import pdfplumber

    path = Path(path)
    if not path.exists():
        raise ReadError(f"file not found: {path}")
    try:
        pdf = pdfplumber.open(path)
    except Exception as e:
        raise ReadError(_open_error(e)) from None
    with pdf:
        try:
            pages, texts, scanned = [], [], []
            for page in pdf.pages:
                texts.append(_page_chars(page))
                if not texts[-1].strip() and page.images:
                    scanned.append(page.page_number)
                # a page without text (a scanned page) has no tables or lines to read
                pages.append(_read_page(page) if texts[-1].strip() else PageContent(page.page_number, float(page.height)))
                page.close()  # drop pdfplumber's per-page caches: big reports stay small in memory
            check_text_layer(texts, len(pages))
        except ReadError:
            raise
        except Exception as e:
            raise ReadError(f"corrupt PDF: {type(e).__name__}: {e}") from None
    doc = Document(source=str(path), format="pdf", blocks=stitch(pages), pages=len(pages))
    if scanned:
        doc.warnings.append(f"page{'s' if len(scanned) > 1 else ''} {', '.join(map(str, scanned))} of {len(pages)} "
                            "have no text layer (scanned images?); their content was not read")
    return doc


def _open_error(e: Exception) -> str:
    inner = e.args[0] if e.args and isinstance(e.args[0], Exception) else e
    name = type(inner).__name__
    if name == "PDFPasswordIncorrect" or "password" in str(inner).lower():
        return "encrypted PDF: password required"
    if name == "PDFEncryptionError":
        return f"encrypted PDF: unsupported encryption ({inner})"
    return f"corrupt PDF: {name}: {inner}".rstrip(": ")


def _page_chars(page) -> str:
    return "".join(c.get("text", "") for c in page.chars)


def check_text_layer(page_texts: list[str], n_pages: int) -> None:
    """Refuse a PDF whose text is absent (a scan) or mostly unmapped glyph codes."""
    text = "".join(page_texts)
    n_cid = len(_CID.findall(text))
    rest = _CID.sub("", text)
    n_bad = sum(1 for ch in rest if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    n_ok = sum(1 for ch in rest if not ch.isspace()) - n_bad
    total = n_cid + n_bad + n_ok
    if total == 0:
        raise ReadError(f"no text layer (scanned image?) on any of {n_pages} page{'s' if n_pages != 1 else ''}")
    if (n_cid + n_bad) / total > GARBLED_SHARE:
        share = round(100 * (n_cid + n_bad) / total)
        what = "(cid:NNN) glyph codes" if n_cid >= n_bad else "unmapped glyphs (U+FFFD/private use)"
        raise ReadError(f"text layer is garbled: {share}% of characters are {what}")


def line_tolerance(page) -> float:
    """Half the page's typical font size: glyphs whose tops differ by less share a line.

    Some producers set digits a few points lower than the CJK text around them; pdfplumber's
    fixed 3 pt tolerance then puts the figures on a line of their own after their labels.
    """
    sizes = sorted(c.get("size", 0) for c in page.chars)
    return max(3.0, 0.5 * sizes[len(sizes) // 2]) if sizes else 3.0


def _read_page(page) -> PageContent:
    content = PageContent(page.page_number, float(page.height))
    tol = line_tolerance(page)
    tables = [t for t in (_page_table(t, page.page_number, tol) for t in page.find_tables()) if t]
    rest = page
    for t in tables:
        rest = rest.outside_bbox(_padded(t.bbox, page), strict=False)
        content.items.append((t.bbox[1], t.bbox[3], t))
    for line in rest.extract_text_lines(return_chars=False, y_tolerance=tol):
        text = line["text"].strip()
        if text:
            content.items.append((float(line["top"]), float(line["bottom"]), Paragraph(text, page=page.page_number)))
    content.items.sort(key=lambda item: item[0])
    return content


def _padded(bbox, page):
    x0, top, x1, bottom = bbox
    return (max(x0 - 1, page.bbox[0]), max(top - 1, page.bbox[1]),
            min(x1 + 1, page.bbox[2]), min(bottom + 1, page.bbox[3]))


def _page_table(table, page_number: int, y_tolerance: float = 3.0) -> PageTable | None:
    """A pdfplumber table as physical-cell rows: spans rebuilt from the cell rectangles."""
    texts = table.extract(y_tolerance=y_tolerance)
    tops = _lines([row.bbox[1] for row in table.rows])
    lefts = _lines([col.bbox[0] for col in table.columns])
    spans = []
    for i, row in enumerate(table.rows):
        for j, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            r0, c0 = _index(tops, top), _index(lefts, x0)
            r1 = max(r0, _index(tops, bottom - 2 * EDGE_TOL))  # last row starting above the bottom
            c1 = max(c0, _index(lefts, x1 - 2 * EDGE_TOL))
            spans.append(Span(r0, r1, c0, c1, (texts[i][j] or "").strip()))
    rows = rows_from_spans(spans)
    if not rows or not any(cell for row in rows for cell in row):
        return None
    lead = max(float(r.bbox[3] - r.bbox[1]) for r in table.rows[:2])
    return PageTable(rows, page_number, tuple(float(v) for v in table.bbox), len(lefts), lead)


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


def _in_band(top: float, height: float) -> bool:
    return top < height * MARGIN_SHARE or top > height * (1 - MARGIN_SHARE)


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def running_lines(pages: list[PageContent]) -> set[str]:
    """Top/bottom-band lines (digits blanked) that recur on 3+ pages: running headers and footers."""
    counts: Counter = Counter()
    for page in pages:
        counts.update({_shape(item.text) for top, _, item in page.items
                       if isinstance(item, Paragraph) and _in_band(top, page.height)})
    return {text for text, n in counts.items() if n >= 3}


def _is_furniture(top: float, item, height: float, running: set[str]) -> bool:
    """A page number or running header/footer line in the page's top or bottom band."""
    if not isinstance(item, Paragraph) or not _in_band(top, height):
        return False
    return bool(_PAGE_NUMBER.match(item.text)) or _shape(item.text) in running


def _continues(prev: PageTable, nxt: PageTable, body_bottom: float) -> bool:
    # body_bottom: the lowest content edge on pages of prev's size (the bottom margin)
    """Same table across a page break: the first fragment stopped because the next row did not
    fit (little room left under it), and both have the same outer edges or grid columns."""
    no_room = body_bottom - prev.bbox[3] <= nxt.lead_height + 2 * EDGE_TOL
    same_edges = abs(prev.bbox[0] - nxt.bbox[0]) <= 2 * EDGE_TOL and abs(prev.bbox[2] - nxt.bbox[2]) <= 2 * EDGE_TOL
    return no_room and (same_edges or prev.n_cols == nxt.n_cols)


def stitch(pages: list[PageContent]) -> list:
    """Blocks in order; a table that ends its page and one that starts the next are joined."""
    running = running_lines(pages)
    bodies = [[k for k, (top, _, item) in enumerate(page.items) if not _is_furniture(top, item, page.height, running)]
              for page in pages]
    bottoms: dict[int, float] = {}   # per page size (portrait/landscape): the body's bottom margin
    for page, body in zip(pages, bodies):
        low = max((page.items[k][1] for k in body), default=0.0)
        bottoms[round(page.height)] = max(bottoms.get(round(page.height), 0.0), low)
    blocks: list = []
    open_table: Table | None = None     # the last table, if it was the last thing on its page
    open_geom: PageTable | None = None
    prev_height = 0
    for page, body in zip(pages, bodies):
        for k, (top, _, item) in enumerate(page.items):
            if not isinstance(item, PageTable):
                blocks.append(item)
            elif body and k == body[0] and open_table is not None and _continues(
                    open_geom, item, bottoms.get(prev_height, 0.0)):
                rows = item.rows
                if rows and open_table.rows and rows[0] == open_table.rows[0]:
                    rows = rows[1:]  # a header row repeated on the new page
                open_table.rows.extend(rows)
                open_geom = item
            else:
                open_table, open_geom = Table(item.rows, page=item.page), item
                blocks.append(open_table)
        if not body or not isinstance(page.items[body[-1]][2], PageTable):
            open_table = open_geom = None
        prev_height = round(page.height)
    return blocks
