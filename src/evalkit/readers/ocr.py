"""OCR reader: scanned pages (JPG/PNG/TIFF/WebP/HEIC images, image-only PDF pages) into the document model.

One page at a time (the page image is freed as soon as it is read):

1. clean: a red 公章 is taken out by colour (HSV mask of red; under it the red channel, where red
   ink is light and black figures stay dark), so the stamp neither hides nor garbles the figures
   (a page already grey keeps its stamp as a grey blot: colour is the only handle on it);
2. orient: a quick text detection on a small copy; mostly tall boxes mean a page scanned in
   landscape (turned 90°), and a few recognitions of the longest boxes both ways round say
   which way (also catches a page upside down);
3. deskew: the angle of the long ruled lines (a line fitted through each long flat piece of
   ink), else of the text boxes;
4. OCR the page once (rapidocr-onnxruntime: PP-OCRv4 detection + recognition, the models ship
   in the wheel, nothing is downloaded; its per-box 0/180° classifier is off: the page is
   turned already); a 文号's year brackets read as （） or [] are checked against the glyphs
   (〔〕 have hooks, the recognizer hardly ever writes them: doc_no_brackets);
5. tables from the ruled lines (OpenCV morphology, as camelot's lattice mode and img2table do):
   horizontal/vertical line masks, row and column lines, a grid unit joined to its neighbour
   where no line separates them → cells with row/column spans → the model's physical rows
   (grid.rows_from_spans). Each OCR box goes to the cell holding its centre; a cell's boxes are
   joined in reading order, a line break between lines; a box drawn across a cell border is
   cut there and each piece re-read; an empty cell with ink in it (a lone "—" the detector
   passed over) has that ink read alone. Boxes left outside ruled tables that line up in 3+
   columns over 3+ lines make tables without lines (rows by y, columns by x; there a merged
   cell shows as a cell and empty neighbours, not once);
6. the rest of the page becomes paragraphs, in reading order with the tables; a table ending
   one page and one starting the next with the same width are joined (a table continued).

Every OCR'd cell carries its recognition confidence in `Table.conf` (the lowest of its boxes'
scores, None for an empty cell); `Document.ocr_pages` lists the pages read by OCR.

Steps 1–3 are readers/ocrprep.py, the engine and its boxes readers/ocrengine.py, step 5's ruled tables
readers/ocrgrid.py, boxes into text (and the 文号 brackets) readers/ocrtext.py; this module reads the files and
pages and builds the document.

Entry points: `read_image(path)` for image files (a multi-page TIFF is one page per frame),
`ocr_pdf(path, pages, dpi)` for the image-only pages of a PDF, `ocr_page_image(img, page_no)`
for one page image already in memory.
"""
from __future__ import annotations

import math
import re
import statistics
import warnings
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from evalkit.limits import ask_time
from evalkit.model import Block, Document, LimitExceeded, Paragraph, ReadError, Table
from evalkit.readers.ocrengine import MAX_SIDE, Box, run_ocr
from evalkit.readers.ocrgrid import Grid, PageTable, find_tables, leading_sign
from evalkit.readers.ocrprep import Turn, prepare_with_turn, to_l_or_rgb, without_seal
from evalkit.readers.ocrtext import clean_text, doc_no_brackets, join_line, text_lines
from evalkit.readers.safety import check_file_size, check_pixels, limits, reason, too_big

try:                                   # HEIC/HEIF photos (iPhone): PIL opens them once pillow-heif registers
    from pillow_heif import register_heif_opener
except ImportError:                    # pragma: no cover - the [ocr] extra brings it
    pass
else:
    register_heif_opener()

OCR_DPI = 200             # render resolution for PDF pages


# ----------------------------------------------------------------------------- files

def read_image(path: Path) -> Document:
    """An image file (JPG/PNG/TIFF/WebP/HEIC, each frame of a multi-page TIFF a page) read by OCR."""
    path = Path(path)
    check_file_size(path)
    im = open_image(path)
    try:
        try:       # a multi-page TIFF walks its page directories here: a damaged one fails in PIL's own ways
            n = getattr(im, "n_frames", 1) or 1
        except Exception as e:  # noqa: BLE001  (TypeError "Missing dimensions", struct.error, OSError, …)
            raise ReadError(f"多页图片的页目录已损坏，无法确定页数（{reason(e, path=path)}）；"
                            "请重新扫描，或用看图软件打开后另存再导入") from None
        lim = limits()
        if n > lim.max_pages:
            raise LimitExceeded(f"图片有 {n} 帧（页），超过上限 {lim.max_pages} 页；请拆分后再导入"
                                "（可用 EVALKIT_LIMIT_MAX_PAGES 调整）")
        ask_time(n)
        pages: list[PageResult] = []
        for k in range(n):
            if k:
                try:
                    im.seek(k)
                except (EOFError, OSError, ValueError, TypeError) as e:
                    raise ReadError(f"多页图片的第 {k + 1} 页已损坏，无法读取（{reason(e, path=path)}）") from None
            check_pixels(im.size)
            long = im.height > LONG_RATIO * im.width
            page = _load_frame(im, k + 1, long=long)
            pieces = _pieces(page) if long else [page]
            if len(pages) + len(pieces) > lim.max_pages:
                raise LimitExceeded(f"长图切成页后超过上限 {lim.max_pages} 页；请拆分后再导入（可用 EVALKIT_LIMIT_MAX_PAGES 调整）")
            del page
            for piece in pieces:
                pages.append(boxes_to_points(read_page(piece, len(pages) + 1), None))
            del pieces
    finally:
        im.close()
    return _document(str(path), "image", pages, len(pages))


def ocr_pictures(source: str, fmt: str, pictures: list[tuple[str, bytes]]) -> Document:
    """Pictures of pages inside another document (a scan pasted into Word), each a page in their order:
    `pictures` = (name, bytes); the Document's pages are the pictures' numbers (a long screenshot's pieces each
    one more); (name, bytes, page): the page the picture stands on (a deck's slide), its pieces on it too."""
    import io
    lim = limits()
    if len(pictures) > lim.max_pages:
        raise LimitExceeded(f"文档中有 {len(pictures)} 张整页图片，超过上限 {lim.max_pages} 页；请拆分后再导入"
                            "（可用 EVALKIT_LIMIT_MAX_PAGES 调整）")
    ask_time(len(pictures))
    pages: list[PageResult] = []
    lost: list[str] = []
    for k, (name, data, *at) in enumerate(pictures, 1):
        which = f"文档中的第 {k} 张图片（{name}）"
        try:
            im = open_image(io.BytesIO(data))
        except LimitExceeded as e:          # the pixel limit's refusal: the document's
            raise type(e)(f"{which}：{e}") from None
        except ReadError as e:              # one picture that cannot be decoded: the others are still read
            lost.append(f"{which}无法读取（{e}），其中的内容未读取")
            continue
        try:
            long = im.height > LONG_RATIO * im.width
            page = _load_frame(im, 1, long=long)
        except LimitExceeded:
            raise
        except ReadError as e:
            lost.append(f"{which}无法读取（{e}），其中的内容未读取")
            continue
        finally:
            im.close()
        pieces = _pieces(page) if long else [page]
        del page
        if len(pages) + len(pieces) > lim.max_pages:
            raise LimitExceeded(f"文档中的图片切成页后超过上限 {lim.max_pages} 页；请拆分后再导入（可用 EVALKIT_LIMIT_MAX_PAGES 调整）")
        for piece in pieces:
            pages.append(boxes_to_points(read_page(piece, at[0] if at else len(pages) + 1), None))
        del pieces
    doc = _document(source, fmt, pages, len(pages))
    doc.warnings += lost
    return doc


def open_image(path: Path) -> Image.Image:
    """Open lazily (header only) and refuse an image over PIL's pixel limit before decoding it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as e:
        size = re.search(r"\((\d+) pixels\)", str(e))
        raise LimitExceeded(too_big(int(size.group(1)) if size else None)) from None
    except FileNotFoundError:
        raise ReadError("找不到文件（可能已被移动或删除）") from None
    except Image.UnidentifiedImageError:
        raise ReadError("图片已损坏或不是可识别的图片格式（JPG/PNG/TIFF/WebP/HEIC），无法读取") from None
    except (OSError, ValueError, SyntaxError) as e:
        why = reason(e, path=path)
        raise ReadError(f"图片已损坏或不是可识别的图片格式，无法读取（{why}）") from None
    try:
        check_pixels(im.size)
    except LimitExceeded:
        im.close()
        raise
    return im


LONG_RATIO = 2.0          # a picture this many times taller than wide: a long screenshot, read in page-sized pieces
LONG_WIDTH = 1700         # px: the width it is read at (a 200-dpi A4 page's), its height following
PIECE_RATIO = 1.414       # a piece's height over its width (an A4 page's)


def _pieces(page: Image.Image) -> list[Image.Image]:
    """A long screenshot (a phone's 长截图 of a table) cut into page-sized pieces, each cut at a ruled line across
    the table (kept on both sides) or a blank band, found in the last quarter before a page's height; the tables
    of consecutive pieces are joined again as a table going on over pages is."""
    g = np.asarray(page.convert("L"))
    h, w = g.shape
    dark = (g < 140).mean(axis=1)
    step = max(1, int(w * PIECE_RATIO))
    cuts = [0]
    while h - cuts[-1] > step * 1.15:                  # the last piece may be a little longer than a page
        lo, target = cuts[-1] + step * 3 // 4, cuts[-1] + step
        window = dark[lo:target]
        lines, blank = np.flatnonzero(window > 0.5), np.flatnonzero(window == 0)
        cuts.append(lo + int(lines[-1]) if lines.size else lo + int(blank[-1]) if blank.size else target)
    cuts.append(h)
    return [page.crop((0, max(0, a - 2), w, min(h, b + 2))) for a, b in zip(cuts, cuts[1:])]


def _load_frame(im: Image.Image, page_no: int, long: bool = False) -> Image.Image:
    """Decode one frame, scaled down to MAX_SIDE (JPEG decodes scaled via draft), as L or RGB; a long screenshot
    (`long`) to LONG_WIDTH wide instead, to be cut into pages."""
    scale = (LONG_WIDTH / im.width) if long else MAX_SIDE / max(im.size)
    try:
        if scale < 1 and im.format == "JPEG":
            im.draft(im.mode if im.mode in ("L", "RGB") else "RGB",
                     (int(im.width * scale) + 1, int(im.height * scale) + 1))
        im.load()
        page = ImageOps.exif_transpose(im) if im.format in ("JPEG", "TIFF", "PNG", "WEBP") and page_no == 1 else im
        page = to_l_or_rgb(page)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise ReadError(f"图片第 {page_no} 页解码失败，文件可能已损坏（{reason(e)}）") from None
    scale = (LONG_WIDTH / page.width) if long else MAX_SIDE / max(page.size)
    if scale < 1:
        page = page.resize((max(1, round(page.width * scale)), max(1, round(page.height * scale))),
                           Image.Resampling.LANCZOS)
    return page


def ocr_pdf(path, pages: list[int] | None = None, dpi: int = OCR_DPI, form_pages: list[int] = ()) -> Document:
    """OCR the given pages (1-based; None: all) of a PDF, rendered one at a time with pypdfium2; the `form_pages`
    (Document.form_pages) rendered from the copy with their filled form fields drawn in (readers/pdfforms.py).

    The Document's blocks carry their page numbers; `ocr_pages` lists the pages read."""
    import pypdfium2 as pdfium

    from evalkit.readers.pdfforms import flattened

    path = Path(path)
    check_file_size(path)
    try:
        pdf = pdfium.PdfDocument(flattened(path, list(form_pages)) if form_pages else str(path))
    except pdfium.PdfiumError as e:
        raise ReadError(f"PDF 文件无法打开（{reason(e)}）") from None
    try:
        n = len(pdf)
        lim = limits()
        if n > lim.max_pages:
            raise LimitExceeded(f"PDF 有 {n} 页，超过上限 {lim.max_pages} 页（可用 EVALKIT_LIMIT_MAX_PAGES 调整）")
        wanted = list(range(1, n + 1)) if pages is None else [p for p in pages if 1 <= p <= n]
        ask_time(len(wanted))
        results = []
        for p in wanted:
            img = render_pdf_page(pdf, p, dpi)
            w_pt, h_pt = pdf.get_page_size(p - 1)
            results.append(boxes_to_points(read_page(img, p), w_pt / img.width, h_pt / img.height))
            del img
    finally:
        pdf.close()
    return _document(str(path), "pdf", results, n)


def render_pdf_page(pdf, page_no: int, dpi: int = OCR_DPI) -> Image.Image:
    """One page of an open pypdfium2 document as an image (grayscale unless it has colour),
    at `dpi`, lowered so that the image stays within MAX_SIDE and the pixel limit."""
    page = pdf[page_no - 1]
    try:
        w, h = page.get_size()   # points
        scale = dpi / 72
        scale = min(scale, MAX_SIDE / max(w, h, 1))
        cap = Image.MAX_IMAGE_PIXELS
        if cap and w * h * scale * scale > cap:
            scale = math.sqrt(cap / (w * h)) * 0.99
        img = page.render(scale=scale).to_pil()
    except Exception as e:  # noqa: BLE001  (pdfium raises its own errors for broken pages)
        raise ReadError(f"PDF 第 {page_no} 页无法渲染（{reason(e)}）") from None
    finally:
        page.close()
    return to_l_or_rgb(img)


# ----------------------------------------------------------------------------- one page

@dataclass
class PageResult:
    number: int
    width: int
    height: int
    items: list = field(default_factory=list)   # (top, bottom, Paragraph | PageTable) in reading order
    turn: "Turn | None" = None                   # how the page image was turned before OCR
    sealed: int = 0                              # table cells a black seal covers (its print unseen)


def boxes_to_points(page: "PageResult", sx: float | None, sy: float | None = None) -> "PageResult":
    """The page's cell and paragraph boxes in PDF points from the page's top-left (pdfplumber's), given
    points per pixel of the page image (`sx`, `sy`); None (an image file): no boxes, as it has no points."""
    def conv(b):
        if b is None or sx is None:
            return None
        x0, y0, x1, y1 = page.turn.box(b) if page.turn is not None else b
        return (round(x0 * sx, 1), round(y0 * (sy or sx), 1), round(x1 * sx, 1), round(y1 * (sy or sx), 1))
    for _, _, item in page.items:
        if isinstance(item, PageTable) and item.boxes is not None:
            item.boxes = [[conv(b) for b in row] for row in item.boxes]
        elif isinstance(item, Paragraph):
            item.bbox = conv(item.bbox)
    return page


def ocr_page_image(img, page_no: int | None = None) -> list[Block]:
    """One page image (a PIL image, or a numpy array: 2-D grey or H×W×3 RGB, as PIL gives it,
    not OpenCV's BGR) → blocks in reading order, each with `page` set; tables carry `conf`."""
    page = read_page(img, page_no or 1)
    return [_block(item, page_no) for _, _, item in page.items]


def _block(item, page_no):
    if isinstance(item, PageTable):
        return Table(item.rows, page=page_no, conf=item.conf, sealed=item.sealed)
    item.page = page_no
    return item


SMALL_PRINT = 24      # px: text boxes lower than this (median) are read again from the picture enlarged to MAX_SIDE
MAX_ENLARGE = 3.0     # (at most this much): below ~20 px the OCR loses digits and the ruled lines thin out


@dataclass
class PageView:
    """One page as the OCR saw it (`evalkit inspect --pictures`): prepared (seal out, turned, straightened), its text
    boxes and the ruled tables found on it."""
    page: int
    gray: np.ndarray
    boxes: list
    grids: list


SEEN: ContextVar[list | None] = ContextVar("evalkit_ocr_pages_seen", default=None)   # set: read_page adds its PageView


def draw_view(view: PageView) -> Image.Image:
    """The prepared page with each ruled table's cells (blue) and each text box (red) drawn on it, as pdfplumber's
    table-finder debug image shows a page: where a line or a box was missed is where a reading went wrong."""
    from PIL import ImageDraw
    img = Image.fromarray(view.gray).convert("RGB")
    draw = ImageDraw.Draw(img)
    for grid in view.grids:
        for r0, r1, c0, c1 in grid.spans:
            draw.rectangle(list(grid.rect(r0, r1, c0, c1)), outline=(0, 90, 255), width=3)
    for b in view.boxes:
        draw.rectangle([b.x0, b.y0, b.x1, b.y1], outline=(230, 30, 30), width=2)
    return img


def read_page(img, page_no: int) -> PageResult:
    """Clean, orient, deskew, OCR and lay out one page."""
    gray, turn, hidden = prepare_with_turn(img)
    boxes = run_ocr(gray)
    text_h = _text_height(boxes)
    if boxes and text_h < SMALL_PRINT:          # a screenshot, a page scanned at 100 dpi: enlarged and read again
        k = min(MAX_ENLARGE, MAX_SIDE / max(gray.shape))
        if k >= 1.25:                           # the picture itself: thin lines survive the turns at the larger size
            gray, turn, hidden = prepare_with_turn(_enlarged(img, k))
            turn = replace(turn, scale=k)
            boxes = run_ocr(gray)
            text_h = _text_height(boxes)
    boxes = [leading_sign(gray, doc_no_brackets(gray, b), text_h) for b in boxes]
    h, w = gray.shape
    result = PageResult(page_no, w, h, turn=turn)
    clean = without_seal(gray, hidden)
    regions = find_tables(clean, text_h, hidden)
    sealed = clean is not gray                  # a black seal: what it lies over cannot be seen
    if sealed:
        result.sealed = sum(_sealed_cells(g, hidden, text_h) for g in regions)
    if (seen := SEEN.get()) is not None:
        seen.append(PageView(page_no, gray, list(boxes), list(regions)))
    used: set[int] = set()
    for grid in regions:
        table, taken = grid.fill(boxes, clean, text_h, hidden if sealed else None)
        used |= taken
        if table is not None:
            result.items.append((table.bbox[1], table.bbox[3], table))
    del hidden
    del gray, clean
    rest = [b for k, b in enumerate(boxes) if k not in used]
    lineless, rest = tables_from_alignment(rest, text_h)     # tables without lines (or lines lost)
    for table in lineless:
        result.items.append((table.bbox[1], table.bbox[3], table))
    for line in text_lines(rest):
        text = join_line(line)
        if text.strip():
            box = (min(b.x0 for b in line), min(b.y0 for b in line), max(b.x1 for b in line), max(b.y1 for b in line))
            result.items.append((box[1], box[3], Paragraph(text, page=page_no, bbox=box)))
    result.items.sort(key=lambda it: it[0])
    return result


def _sealed_cells(grid: "Grid", hidden: np.ndarray, text_h: float) -> int:
    """How many of the grid's cells a seal lies over (inside the cell, not only on its lines)."""
    m = max(3, int(0.2 * text_h))
    n = 0
    for r0, r1, c0, c1 in grid.spans:
        x0, y0, x1, y1 = map(int, grid.rect(r0, r1, c0, c1))
        x0, y0, x1, y1 = x0 + m, y0 + m, x1 - m, y1 - m
        n += x1 > x0 and y1 > y0 and bool(hidden[y0:y1, x0:x1].any())
    return n


def _enlarged(img, k: float):
    """The page picture `k` times larger (bicubic), as a PIL image or an array as given."""
    if isinstance(img, Image.Image):
        return img.resize((round(img.width * k), round(img.height * k)), Image.BICUBIC)
    arr = np.asarray(img)
    return cv2.resize(arr, (round(arr.shape[1] * k), round(arr.shape[0] * k)), interpolation=cv2.INTER_CUBIC)


def _text_height(boxes: list[Box]) -> float:
    hs = [b.h for b in boxes if len(b.text) >= 2]
    return statistics.median(hs) if hs else 30.0


# ----------------------------------------------------------------------------- tables without lines

def tables_from_alignment(boxes: list[Box], text_h: float) -> tuple[list[PageTable], list[Box]]:
    """Tables without ruled lines, from the boxes' alignment (readers/aligned.py, the rules the PDF text layer's
    tables without rulings are read by): a line's cells are its boxes set apart by more than 0.6 text heights.
    Returns the tables and the boxes left over."""
    from evalkit.readers.aligned import Line, Segment, tables_of_lines

    gap = 0.6 * text_h       # boxes on one line this far apart are in different cells
    lines = []
    for line in text_lines(boxes):
        groups = [[line[0]]]
        for b in line[1:]:
            if b.x0 - groups[-1][-1].x1 > gap:
                groups.append([b])
            else:
                groups[-1].append(b)
        cells = [Segment(min(b.x0 for b in g), max(b.x1 for b in g), min(b.y0 for b in g), max(b.y1 for b in g),
                         text_h, join_line(g), items=g) for g in groups]
        lines.append(Line(min(c.top for c in cells), max(c.bottom for c in cells), cells))
    tables, taken = [], set()
    for t in tables_of_lines(lines, grids=False):
        used = [[[b for seg in cell for b in seg.items] for cell in row] for row in t.cells]
        tables.append(PageTable([[clean_text(text) for text in row] for row in t.rows],
                                [[round(min(b.score for b in bs), 4) if bs else None for bs in row] for row in used],
                                t.bbox, t.n_cols,
                                [[box if bs else None for box, bs in zip(brow, row)] for brow, row in zip(t.boxes, used)]))
        taken |= {id(b) for row in used for bs in row for b in bs}
    return tables, [b for b in boxes if id(b) not in taken]


# ----------------------------------------------------------------------------- pages → document

def _continues(prev: PageResult, prev_t: PageTable, page: PageResult, t: PageTable) -> bool:
    """A table that ends its page low and one that starts the next page high, of the same width
    (share of the page) or the same number of columns: one table across the page break."""
    ends_low = prev_t.bbox[3] > 0.75 * prev.height
    starts_high = t.bbox[1] < 0.25 * page.height
    w_prev = (prev_t.bbox[2] - prev_t.bbox[0]) / prev.width
    w_next = (t.bbox[2] - t.bbox[0]) / page.width
    return ends_low and starts_high and (abs(w_prev - w_next) < 0.03 or prev_t.n_cols == t.n_cols)


def labels_over_break(prev: PageTable, nxt: PageTable, h: int) -> list[tuple[int, str, float | None]]:
    """Group labels printed on the next page: a cell merged over rows (一级/二级指标) that starts in the last
    row of a page and goes on over the break is printed in two parts, its text (centred) in the lower part
    only. The upper part is an empty cell of its own in the last row, in a column that holds cells merged
    over rows (or just right of such a part: 二级 inside 一级), over the next page's first row (`h`: after a
    repeated header) starting with a cell of the same edges and text: that text is the upper part's too,
    so the row before the break is read in its group, not in the one above (as the PDF reader does).
    (Each as the last row's cell index, the text and its confidence.)"""
    if prev.grid is None or nxt.grid is None or len(prev.rows) < 2 or h >= len(nxt.rows):
        return []
    tol = 0.01 * (prev.bbox[2] - prev.bbox[0])

    def edges(box, t):
        return box[0] - t.bbox[0], box[2] - t.bbox[0]

    def same(a, b):
        return abs(a[0] - b[0]) <= tol and abs(a[1] - b[1]) <= tol

    merged = [edges(b, t) for t in (prev, nxt) for above, below in zip(t.grid, t.grid[1:]) for b in below if b in above]
    last, last_boxes = prev.rows[-1], prev.grid[-1]
    top = max(b[1] for b in last_boxes)          # the row's own top: a cell merged from above starts higher
    first = [(text, edges(b, nxt), score) for text, b, score in zip(nxt.rows[h], nxt.grid[h], nxt.conf[h]) if text]
    out, inner = [], None
    for c, (text, box) in enumerate(zip(last, last_boxes)):
        if text or box[1] < top - tol:
            continue
        e = edges(box, prev)
        if not (inner is not None and abs(e[0] - inner) <= tol) and not any(same(e, m) for m in merged):
            continue
        label = next(((t, score) for t, e2, score in first if same(e, e2)), None)
        if label is not None:
            out.append((c, *label))
            inner = e[1]
    return out


def _document(source: str, fmt: str, pages: list[PageResult], n_pages: int) -> Document:
    blocks: list[Block] = []
    open_table: Table | None = None
    open_geom: tuple[PageResult, PageTable] | None = None
    for page in pages:
        body = [it for it in page.items if not _is_page_number(it, page.height)]
        for k, (_, _, item) in enumerate(body):
            if isinstance(item, PageTable):
                boxes = item.boxes or [None] * len(item.rows)
                if k == 0 and open_table is not None and _continues(*open_geom, page, item):
                    rows, conf = item.rows, item.conf
                    h = 1 if rows and open_table.rows and rows[0] == open_table.rows[0] else 0
                    rows, conf, boxes = rows[h:], conf[h:], boxes[h:]   # the header row repeated on the new page
                    for c, text, score in labels_over_break(open_geom[1], item, h):
                        open_table.rows[-1][c], open_table.conf[-1][c] = text, score
                    if item.sealed or open_table.sealed:
                        open_table.sealed = ((open_table.sealed or [[False] * len(r) for r in open_table.rows])
                                             + (item.sealed or [[False] * len(r) for r in item.rows])[h:])
                    open_table.rows.extend(rows)
                    open_table.conf.extend(conf)
                    open_table.bboxes.extend(boxes)
                    open_table.pages.extend([page.number] * len(rows))
                else:
                    open_table = Table(item.rows, page=page.number, conf=item.conf, sealed=item.sealed, bboxes=list(boxes),
                                       pages=[page.number] * len(item.rows))
                    blocks.append(open_table)
                open_geom = (page, item)
            else:
                item.page = page.number
                blocks.append(item)
        if not body or not isinstance(body[-1][2], PageTable):
            open_table = open_geom = None
    doc = Document(source=source, format=fmt, blocks=blocks, pages=n_pages,
                   ocr_pages=sorted({p.number for p in pages}))
    empty = sorted({p.number for p in pages if not p.items})
    if empty:
        doc.warnings.append(f"第 {', '.join(map(str, empty))} 页 OCR 未识别出文字（空白页或图像质量太差）")
    sealed = [p for p in pages if p.sealed]
    if sealed:
        doc.warnings.append(f"第 {'、'.join(map(str, sorted({p.number for p in sealed})))} 页的印章压在表格上（黑白扫描中印章是黑色的，"
                            f"共压住 {sum(p.sealed for p in sealed)} 个单元格），章下的文字无法识别，这些单元格的文字和数字"
                            "可能缺失或有误；请对照原件核对，或提供彩色扫描件")
    return doc


_PAGE_NUMBER = re.compile(r"^[-—–\s]*(\d{1,4}|第\s*\d+\s*页.*|\d+\s*/\s*\d+)[-—–\s]*$")


def _is_page_number(entry, height: int) -> bool:
    """A page number in the page's top or bottom band (8%), as pdf.py drops them."""
    top, bottom, item = entry
    in_band = bottom < 0.08 * height or top > 0.92 * height
    return in_band and isinstance(item, Paragraph) and bool(_PAGE_NUMBER.match(item.text))
