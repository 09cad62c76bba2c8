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

Entry points: `read_image(path)` for image files (a multi-page TIFF is one page per frame),
`ocr_pdf(path, pages, dpi)` for the image-only pages of a PDF, `ocr_page_image(img, page_no)`
for one page image already in memory.
"""
from __future__ import annotations

import bisect
import math
import os
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
from evalkit.readers.grid import Span, merged_units, rows_from_spans
from evalkit.readers.safety import check_file_size, check_pixels, limits, reason, too_big

try:                                   # HEIC/HEIF photos (iPhone): PIL opens them once pillow-heif registers
    from pillow_heif import register_heif_opener
except ImportError:                    # pragma: no cover - the [ocr] extra brings it
    pass
else:
    register_heif_opener()

OCR_DPI = 200             # render resolution for PDF pages
MAX_SIDE = 2400           # px: a page image is scaled down to this long side (≈ 200 dpi A4) before OCR
# Text boxes are found on a copy of at most 2,000 px (rapidocr 1.4 under det_limit_type "max" picks 960, 1500 or
# 2000 by the image's size and ignores det_limit_side_len); the text in them is read from the full page. A 1,600 px
# copy measured 13–18 % less OCR time on the scan fixtures with the same values, but lower recognition confidence
# (53 against 14 ocr_low_confidence findings on the bench's 20 scans) and a ghost box on a ruled blank page.
ORIENT_SIDE = 1000        # px: long side of the copy used to find the page's orientation
LINE_SHARE = 0.5          # a grid line counts between two units when it covers this share of their edge
MIN_TEXT_SCORE = 0.5      # rapidocr's own cut-off: boxes recognized below it are dropped
MAX_LONE_INK = 200        # empty cells per table whose ink is recognized on its own (missed dashes)
_DASHES = {"一", "-", "_", "－", "—", "–", "ー", "一一", "——", "--"}
_DIGIT_DOT = re.compile(r"(?<=\d)[。·,，](?=\d{1,2}(?!\d))")   # 65。22 → 65.22 (not 1,234)

_ENGINE = None


def engine():
    """The OCR engine, built once per process (loading the models takes a second or two)."""
    global _ENGINE
    if _ENGINE is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            raise ReadError("读取扫描件需要 OCR 组件 rapidocr-onnxruntime，尚未安装；"
                            "请运行 pip install 'evalkit[ocr]'（或 make setup）后再导入") from None
        threads = int(os.environ.get("EVALKIT_OCR_THREADS", "0") or 0)
        kwargs = {"max_side_len": MAX_SIDE, "print_verbose": False,
                  "det_limit_type": "max"}
        if threads > 0:
            kwargs.update(intra_op_num_threads=threads, inter_op_num_threads=1)
        _ENGINE = RapidOCR(**kwargs)
    return _ENGINE


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
        page = _to_l_or_rgb(page)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise ReadError(f"图片第 {page_no} 页解码失败，文件可能已损坏（{reason(e)}）") from None
    scale = (LONG_WIDTH / page.width) if long else MAX_SIDE / max(page.size)
    if scale < 1:
        page = page.resize((max(1, round(page.width * scale)), max(1, round(page.height * scale))),
                           Image.Resampling.LANCZOS)
    return page


def _to_l_or_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("L", "RGB"):
        return im.copy() if im is not None else im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float32)
        top = float(a.max()) or 1.0
        return Image.fromarray((a * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    if im.mode in ("1", "LA"):
        return im.convert("L")
    if im.mode in ("RGBA", "PA", "P") and ("A" in im.mode or "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


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
    return _to_l_or_rgb(img)


# ----------------------------------------------------------------------------- one page

@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0


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


@dataclass
class PageResult:
    number: int
    width: int
    height: int
    items: list = field(default_factory=list)   # (top, bottom, Paragraph | PageTable) in reading order
    turn: "Turn | None" = None                   # how the page image was turned before OCR
    sealed: int = 0                              # table cells a black seal covers (its print unseen)


@dataclass(frozen=True)
class Turn:
    """How prepare() turned a page image: `quarters` counter-clockwise quarter turns (np.rot90) of the
    w×h image, then a photo's perspective undone by the 3×3 homography `warp`, then a deskew by the 2×3
    affine `skew` (None: none). Maps OCR boxes back to the image."""
    w: int
    h: int
    quarters: int = 0
    skew: tuple | None = None
    warp: tuple | None = None
    scale: float = 1.0          # first: a page of small print enlarged this much before all that (read_page)

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """A point of the prepared page → the same point on the page image as given."""
        if self.skew is not None:
            m = np.asarray(self.skew, dtype=np.float64).reshape(2, 3)
            inv = cv2.invertAffineTransform(m)
            x, y = (float(inv[0, 0] * x + inv[0, 1] * y + inv[0, 2]), float(inv[1, 0] * x + inv[1, 1] * y + inv[1, 2]))
        if self.warp is not None:
            inv = np.linalg.inv(np.asarray(self.warp, dtype=np.float64).reshape(3, 3))
            x, y = (float(v) for v in cv2.perspectiveTransform(np.float64([[[x, y]]]), inv)[0, 0])
        w, h = self.w, self.h
        dims = [(w, h)]
        for _ in range(self.quarters % 4):       # the width of the image before each quarter turn
            w, h = h, w
            dims.append((w, h))
        for k in range(self.quarters % 4, 0, -1):
            w_before = dims[k - 1][0]
            x, y = w_before - y, x               # np.rot90: new (x, y) was old (W - y, x)
        return x / self.scale, y / self.scale

    def box(self, b: tuple) -> tuple[float, float, float, float]:
        pts = [self.to_image(x, y) for x in (b[0], b[2]) for y in (b[1], b[3])]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)


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
        return Table(item.rows, page=page_no, conf=item.conf)
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
    gray, turn, hidden = _prepare(img)
    boxes = run_ocr(gray)
    text_h = _text_height(boxes)
    if boxes and text_h < SMALL_PRINT:          # a screenshot, a page scanned at 100 dpi: enlarged and read again
        k = min(MAX_ENLARGE, MAX_SIDE / max(gray.shape))
        if k >= 1.25:                           # the picture itself: thin lines survive the turns at the larger size
            gray, turn, hidden = _prepare(_enlarged(img, k))
            turn = replace(turn, scale=k)
            boxes = run_ocr(gray)
            text_h = _text_height(boxes)
    boxes = [doc_no_brackets(gray, b) for b in boxes]
    h, w = gray.shape
    result = PageResult(page_no, w, h, turn=turn)
    clean = without_seal(gray, hidden)
    regions = find_tables(clean, text_h, hidden)
    if clean is not gray:                       # a black seal: what it lies over cannot be seen
        result.sealed = sum(_sealed_cells(g, hidden, text_h) for g in regions)
    del hidden
    if (seen := SEEN.get()) is not None:
        seen.append(PageView(page_no, gray, list(boxes), list(regions)))
    used: set[int] = set()
    for grid in regions:
        table, taken = grid.fill(boxes, clean, text_h)
        used |= taken
        if table is not None:
            result.items.append((table.bbox[1], table.bbox[3], table))
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


def prepare(img) -> np.ndarray:
    """The page as a grey uint8 array: red seal out, right way up, straight."""
    return _prepare(img)[0]


def _prepare(img) -> tuple[np.ndarray, Turn, np.ndarray | None]:
    """prepare(), how the page was turned (to map OCR boxes back onto the page), and where a seal
    hid the page (`seal`'s mask, turned with it; None: no seal)."""
    if isinstance(img, Image.Image):
        img = _to_l_or_rgb(img)
        arr = np.asarray(img)
    else:
        arr = np.asarray(img)
        if arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[..., :3]
    if arr.dtype != np.uint8:
        arr = arr.clip(0, 255).astype(np.uint8)
    gray, hidden = seal(arr) if arr.ndim == 3 else (arr.copy(), None)
    del arr
    if hidden is None:                          # no red ink: a seal scanned black or grey, by its shape
        gray, hidden = grey_seal(gray)
    h, w = gray.shape
    quarters = _quarter_turns(gray)
    if quarters:
        gray = np.ascontiguousarray(np.rot90(gray, quarters))
        hidden = None if hidden is None else np.ascontiguousarray(np.rot90(hidden, quarters))
    gray, warp = _unwarp(gray)
    if warp is not None and hidden is not None:
        hidden = cv2.warpPerspective(hidden.astype(np.uint8), np.asarray(warp).reshape(3, 3), (gray.shape[1], gray.shape[0]),
                                     flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    gray, skew = _deskew(gray)
    if skew is not None and hidden is not None:
        m = np.asarray(skew, dtype=np.float64).reshape(2, 3)
        hidden = cv2.warpAffine(hidden.astype(np.uint8), m, (gray.shape[1], gray.shape[0]),
                                flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    return gray, Turn(w, h, quarters, skew, warp), hidden


def remove_seal(rgb: np.ndarray) -> np.ndarray:
    """Grey page with red ink (seals, red headers) taken out: where the pixel is red, its red
    channel, pushed to white when light (the stamp) and kept when dark (black print under it)."""
    return seal(rgb)[0]


def seal(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """remove_seal(), and where the stamp's ink left the page light: what it covered there cannot
    be seen (a ruled line under an opaque stamp is lost), None without red ink."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= 12) | (hue >= 160)) & (sat >= 60) & (val >= 70)
    if red.mean() < 1e-4:
        return gray, None
    red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)   # the stamp's halo
    # red channel stretched: stamp ink (R ≈ 200+) → white; black print under it (R low, or
    # up to ~150 where JPEG's colour subsampling bled the red into it) → dark grey
    r = rgb[..., 0][red].astype(np.float32)
    gray[red] = np.clip((r - 40.0) * (255.0 / 150.0), 0, 255).astype(np.uint8)
    return gray, red & (gray >= 160)


# A round 公章 scanned without colour (black and white, or grey): found by its shape, a ring (Hough circles on a small
# copy, then checked on the page: ink along nearly the whole circle). Official seals are 38–45 mm across; the radius
# is sought between these shares of the page's longer side (an A4 page: 9–42 mm), so a crop of a page's head
# (the seal as wide, the side shorter) still finds it and no glyph (a ○, a 口) is ever that large.
SEAL_RADIUS = (0.03, 0.14)
SEAL_RING_COVER = 0.85     # share of the circle's points on ink: a table's lines touch a circle at a few points
SEAL_INK = 160             # grey below this is ink, for the ring (a grey scan's seal is lighter than print)
SEAL_LEFT_DARK = 0.25      # share of a seal's pixels still dark on the page: a black seal's ring (about 3/4)
SEAL_GREY = 90             # a ring this light is a grey seal: print under it stays darker and is kept


def grey_seal(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """A seal on a page without colour, and where it lies (its ring and solid star: `hidden`, as `seal` gives
    for red ink; None: no seal). A grey seal is whited out, the print under it (darker) kept. A black one (a
    black-and-white scan) hides what it covers: its star is whited out, its ring left for the recognizer (a
    character the thin ring crosses still reads; whited out, it loses strokes and reads confidently wrong) and
    taken out of the picture the ruled lines are found in (`read_page`)."""
    rings = _rings(gray)
    if not rings:
        return gray, None
    out = gray.copy()
    hidden = np.zeros(gray.shape, bool)
    for cx, cy, r in rings:
        x0, y0 = max(0, int(cx - r - 12)), max(0, int(cy - r - 12))
        x1, y1 = min(gray.shape[1], int(cx + r + 13)), min(gray.shape[0], int(cy + r + 13))
        roi = gray[y0:y1, x0:x1]
        ink = roi < SEAL_INK
        yy, xx = np.mgrid[y0:y1, x0:x1]
        d = np.hypot(xx - cx, yy - cy) - r
        lo, hi = _ring_band(ink, d)
        stroke = hi - lo + 1
        ring = ink & (d >= lo - 3) & (d <= hi + 3)          # the stroke's soft edges too
        thick = max(3.0, stroke * 0.75)
        dist = cv2.distanceTransform(ink.astype(np.uint8), cv2.DIST_L2, 3)
        core = (dist >= thick) & (d < lo - 3)                 # solid shapes inside the ring: the star
        # out from there to the star's points along ink thicker than a ruled line (a line under the star is not it)
        star = core.astype(np.uint8)
        line = max(1.5, 0.3 * stroke)
        body = ((dist >= line) & (d < -0.5 * r)).astype(np.uint8)
        for _ in range(int(0.1 * r)):
            star = cv2.dilate(star, np.ones((5, 5), np.uint8)) & body
        edge = 2 * int(math.ceil(line)) + 3                     # and its edge, as far in as `body` begins
        star = (cv2.dilate(star, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (edge, edge))) > 0) & ink
        level = float(np.median(roi[ring])) if ring.any() else 0.0
        if level >= SEAL_GREY:                      # a grey seal: what is darker than it is print under it
            mark = (ring | star) & (roi >= level - 30)
            out[y0:y1, x0:x1][mark] = 255
        else:
            mark = ring | star
            out[y0:y1, x0:x1][star] = 255
        hidden[y0:y1, x0:x1] |= mark
    return out, hidden


def without_seal(gray: np.ndarray, hidden: np.ndarray | None) -> np.ndarray:
    """The page the ruled lines are found in: a seal left dark for the recognizer (a black one's ring) whited out.
    A red or grey seal is out already (its `hidden` pixels are light, but for the print beside them that the
    deskew's interpolation spreads over their edge, about 1 %): the page itself."""
    if hidden is None or not hidden.any() or (gray[hidden] < SEAL_INK).mean() < SEAL_LEFT_DARK:
        return gray
    return np.where(hidden, np.uint8(255), gray)


def _rings(gray: np.ndarray) -> list[tuple[float, float, float]]:
    """Circles drawn in ink along nearly their whole length: (centre x, centre y, radius) in `gray`'s pixels."""
    h, w = gray.shape
    k = min(1.0, 640 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * k)), max(1, round(h * k))), interpolation=cv2.INTER_AREA) if k < 1 else gray
    small = cv2.GaussianBlur(small, (5, 5), 1.2)
    rmin, rmax = SEAL_RADIUS[0] * max(h, w), SEAL_RADIUS[1] * max(h, w)
    if rmin * k < 8:
        return []
    found = cv2.HoughCircles(small, cv2.HOUGH_GRADIENT_ALT, dp=1.5, minDist=rmin * k, param1=300, param2=0.75,
                             minRadius=int(rmin * k), maxRadius=int(rmax * k) + 1)
    if found is None:
        return []
    ink = gray < SEAL_INK
    rings = []
    for cx, cy, r in found[0]:
        circle = _fit_circle(ink, cx / k, cy / k, r / k)
        if circle is not None and _on_ink(ink, *circle) >= SEAL_RING_COVER:
            rings.append(circle)
    return rings


def _fit_circle(ink: np.ndarray, cx: float, cy: float, r: float) -> tuple[float, float, float] | None:
    """The circle through the ink near a rough one (least squares, Kåsa's fit; the band narrowed once): the
    small copy's centre is pixels off, and the ring then falls outside the band whited out."""
    for band in (0.15 * r, 0.05 * r):
        x0, y0 = max(0, int(cx - r - band)), max(0, int(cy - r - band))
        x1, y1 = min(ink.shape[1], int(cx + r + band) + 1), min(ink.shape[0], int(cy + r + band) + 1)
        ys, xs = np.nonzero(ink[y0:y1, x0:x1])
        xs, ys = xs + float(x0), ys + float(y0)
        near = np.abs(np.hypot(xs - cx, ys - cy) - r) <= band
        if near.sum() < 2 * math.pi * r * 0.5:
            return None
        xs, ys = xs[near], ys[near]
        a, b, c = np.linalg.lstsq(np.c_[xs, ys, np.ones_like(xs)], -(xs * xs + ys * ys), rcond=None)[0]
        cx, cy = -a / 2, -b / 2
        r = math.sqrt(max(cx * cx + cy * cy - c, 1.0))
    return float(cx), float(cy), float(r)


def _on_ink(ink: np.ndarray, cx: float, cy: float, r: float) -> float:
    """Share of 360 points of the circle that fall on ink."""
    a = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    xs, ys = np.round(cx + r * np.cos(a)).astype(int), np.round(cy + r * np.sin(a)).astype(int)
    ok = (xs >= 0) & (xs < ink.shape[1]) & (ys >= 0) & (ys < ink.shape[0])
    return float(ink[ys[ok], xs[ok]].sum()) / 360


def _ring_band(ink: np.ndarray, d: np.ndarray) -> tuple[int, int]:
    """The ring's stroke: the offsets from the circle (inwards negative) where most of the ring's length is ink."""
    offs = np.rint(d).astype(int)
    band = [o for o in range(-12, 13) if (sel := offs == o).any() and ink[sel].mean() >= 0.5]
    if not band:
        return 0, 0
    lo = hi = 0
    while lo - 1 in band:
        lo -= 1
    while hi + 1 in band:
        hi += 1
    return lo, hi


def _detect(gray: np.ndarray) -> list[np.ndarray]:
    """Text boxes only (no recognition): quadrilaterals, 4×2 arrays in `gray`'s pixels."""
    res, _ = engine()(gray, use_cls=False, use_rec=False)
    return [np.asarray(b, dtype=np.float32) for b in (res or [])]


def _recognize(crop: np.ndarray) -> float:
    res, _ = engine()(crop, use_det=False, use_cls=False)
    return float(res[0][1]) if res else 0.0


def orient(gray: np.ndarray) -> np.ndarray:
    """Turn a page scanned sideways or upside down the right way up."""
    k = _quarter_turns(gray)
    return np.ascontiguousarray(np.rot90(gray, k)) if k else gray


def _quarter_turns(gray: np.ndarray) -> int:
    """The counter-clockwise quarter turns (np.rot90) that put the page the right way up."""
    scale = min(1.0, ORIENT_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    boxes = _detect(small)
    if not boxes:
        return 0
    dims = []
    for q in boxes:
        w = float(np.linalg.norm(q[1] - q[0]))
        h = float(np.linalg.norm(q[3] - q[0]))
        dims.append((w, h, q))
    wide = [d for d in dims if d[0] > 1.8 * d[1]]
    tall = [d for d in dims if d[1] > 1.8 * d[0]]
    sideways = len(tall) > len(wide)
    sample = sorted(tall if sideways else wide, key=lambda d: -max(d[0], d[1]))[:6]
    if not sample:
        return 0
    turns = (1, 3) if sideways else (0, 2)
    scores = {k: 0.0 for k in turns}
    for _, _, q in sample:
        x0, y0 = np.floor(q.min(axis=0)).astype(int)
        x1, y1 = np.ceil(q.max(axis=0)).astype(int)
        crop = small[max(0, y0):y1 + 1, max(0, x0):x1 + 1]
        if crop.size == 0:
            continue
        for k in turns:
            scores[k] += _recognize(np.ascontiguousarray(np.rot90(crop, k)))
    best = max(turns, key=lambda k: scores[k])
    if best == 0 or (not sideways and scores[2] <= scores[0] + 0.5):   # turn upside down only when clearly better
        return 0
    return best


def skew_angle(gray: np.ndarray) -> float:
    """Degrees the page is turned counter-clockwise, from the long near-horizontal ruled lines
    (each long flat piece of ink: a straight line fitted through its pixels)."""
    h, w = gray.shape
    binary = cv2.adaptiveThreshold(255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 25, -15)
    run = max(15, w // 80)    # a 3 px line skewed 5° still has runs of 34 px
    mask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    angles, weights = [], []
    for k in range(1, n):
        x, y, cw, ch, _ = stats[k]
        if cw < w // 5 or ch > 0.2 * cw:
            continue
        yy, xx = np.nonzero(labels[y:y + ch, x:x + cw] == k)
        if len(xx) < 10:
            continue
        slope = np.polyfit(xx.astype(np.float64), yy.astype(np.float64), 1)[0]
        a = math.degrees(math.atan(slope))
        if abs(a) < 10:
            angles.append(a)
            weights.append(float(cw))
    if sum(weights) >= 0.5 * w:       # a line or two across the page is enough (总分 alone on a page)
        return -_weighted_median(angles, weights)
    # no ruled lines: the text boxes' own slant
    boxes = _detect(cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    angles, weights = [], []
    for q in boxes:
        dx, dy = q[1] - q[0]
        if dx > 3 * abs(float(np.linalg.norm(q[3] - q[0]))):
            angles.append(math.degrees(math.atan2(dy, dx)))
            weights.append(float(dx))
    return -_weighted_median(angles, weights) if len(angles) >= 3 else 0.0


def _weighted_median(values: list[float], weights: list[float]) -> float:
    pairs = sorted(zip(values, weights))
    half, acc = sum(weights) / 2, 0.0
    for v, wt in pairs:
        acc += wt
        if acc >= half:
            return v
    return pairs[-1][0]


def deskew(gray: np.ndarray) -> np.ndarray:
    return _deskew(gray)[0]


UNWARP_SIDE = 1000        # the page is looked at this size for its outline (cheap; the warp is done at full size)
UNWARP_MIN_AREA = 0.25    # the outline must enclose this share of the picture: a page or its table, not a cell
UNWARP_MIN_SKEW = 0.6     # degrees two opposite sides must differ by: below, a rotation (deskew's) or a scan
UNWARP_MAX_PIXELS = 2.0   # the straightened page may be at most this many times the picture's pixels
UNWARP_MIN_SIDE = 500     # px: each side of the outline at least this long (a short side's angle is noise)


def _unwarp(gray: np.ndarray) -> tuple[np.ndarray, tuple | None]:
    """A page photographed at an angle straightened: its outline (the sheet against the desk, or the table's
    outer border when the sheet fills the picture) is a quadrilateral whose opposite sides are not parallel; it is
    mapped to the rectangle it was, the whole picture with it. A scan (a rectangle, maybe rotated) is left as it is.
    The page, and the 3×3 homography used (None: none)."""
    h, w = gray.shape
    f = min(1.0, UNWARP_SIDE / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else gray
    area = small.shape[0] * small.shape[1]
    outline, sheet = None, False
    _, paper = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if contours:                 # the sheet against a darker desk: its edge
        outline = max(contours, key=cv2.contourArea)
        sheet = UNWARP_MIN_AREA * area <= cv2.contourArea(outline) <= 0.9 * area
        outline = outline if sheet else None
    if outline is None:          # the sheet fills the picture: the table's outer border
        ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
        contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        if not contours:
            return gray, None
        outline = max(contours, key=cv2.contourArea)
        if cv2.contourArea(outline) < UNWARP_MIN_AREA * area:
            return gray, None
    hull = cv2.convexHull(outline)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    if len(quad) != 4:
        return gray, None
    c = quad.mean(axis=0)        # corners in order: top-left, top-right, bottom-right, bottom-left
    quad = quad[np.argsort(np.arctan2(quad[:, 1] - c[1], quad[:, 0] - c[0]))]
    quad = _fitted_corners(np.roll(quad, -int(np.argmin(quad.sum(axis=1))), axis=0),
                           outline.reshape(-1, 2).astype(np.float64))
    if quad is None:
        return gray, None
    quad = quad / f
    tl, tr, br, bl = quad
    if min(np.linalg.norm(tr - tl), np.linalg.norm(br - bl), np.linalg.norm(bl - tl), np.linalg.norm(br - tr)) < UNWARP_MIN_SIDE:
        return gray, None        # a strip or a small picture: not a page photographed at an angle

    def angle(a, b) -> float:
        return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
    top, bottom, left, right = angle(tl, tr), angle(bl, br), angle(tl, bl), angle(tr, br)
    if max(abs(top - bottom), abs(left - right)) < UNWARP_MIN_SKEW:
        return gray, None
    if max(abs(top), abs(bottom)) > 30 or max(abs(left - 90), abs(right - 90)) > 30:
        return gray, None        # not a page seen at an angle: a shape on it, or a page on its side
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    target = np.float64([tl, tl + (width, 0), tl + (width, height), tl + (0, height)])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), target.astype(np.float32))
    if sheet:                    # the sheet alone: the desk around it would only shrink the text for the OCR
        (x0, y0), (x1, y1) = target[0], target[2]
    else:                        # the whole picture: the title and signature lines around the table with it
        corners = cv2.perspectiveTransform(np.float64([[[0, 0], [w, 0], [w, h], [0, h]]]), m)[0]
        x0, y0 = corners.min(axis=0)
        x1, y1 = corners.max(axis=0)
    if (x1 - x0) * (y1 - y0) > UNWARP_MAX_PIXELS * w * h:
        return gray, None        # a picture this warp would blow up: not a page photographed at an angle
    m = np.float64([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]]) @ m
    out = cv2.warpPerspective(gray, m, (int(math.ceil(x1 - x0)), int(math.ceil(y1 - y0))), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, tuple(float(v) for v in m.ravel())


def _fitted_corners(quad: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The outline's corners where straight lines fitted to its four sides meet: a polygon approximation's corners
    are off by a few pixels, which leaves the ruled lines slanted after the warp. None when a side is not a straight
    edge along its length (a seal over the table's corner bulging the outline: not a page seen at an angle)."""
    lines = []
    for k in range(4):
        a, b = quad[k], quad[(k + 1) % 4]
        d = b - a
        length = float(np.hypot(*d))
        if length < 1:
            return None
        t = ((points - a) @ d) / length ** 2                     # where along the side, 0..1
        dist = np.abs((points - a) @ np.array([-d[1], d[0]])) / length
        along = (t > 0.05) & (t < 0.95) & (dist < max(3.0, 0.01 * length))
        if len(np.unique(np.floor(t[along] * 20))) < 0.8 * 18:  # the edge runs the side's whole length
            return None
        near = points[(t > 0.1) & (t < 0.9) & (dist < max(3.0, 0.02 * length))]
        if len(near) < 10:
            return None
        vx, vy, x0, y0 = cv2.fitLine(near.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    out = []
    for k in range(4):                                           # corner k: sides k-1 and k meet
        (p, u), (q, v) = lines[k - 1], lines[k]
        det = u[0] * -v[1] - u[1] * -v[0]
        if abs(det) < 1e-9:
            return quad
        s_ = ((q - p)[0] * -v[1] - (q - p)[1] * -v[0]) / det
        out.append(p + s_ * u)
    out = np.array(out)
    return out if np.all(np.abs(out - quad) < 0.05 * np.ptp(quad, axis=0).max()) else quad


def _deskew(gray: np.ndarray) -> tuple[np.ndarray, tuple | None]:
    """The page straightened, and the affine used (None when it was straight)."""
    angle = skew_angle(gray)
    if abs(angle) < 0.1:
        return gray, None
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    out = cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return out, tuple(float(v) for v in m.ravel())


def run_ocr(gray: np.ndarray) -> list[Box]:
    """Detection and recognition of the (upright) page. rapidocr's per-box 0/180° classifier is
    off: the page is turned already, and on short boxes (总分) it flips them and loses the text."""
    res, _ = engine()(gray, use_cls=False)
    boxes = []
    for quad, text, score in res or []:
        q = np.asarray(quad, dtype=np.float32)
        text = str(text).strip()
        if text:
            boxes.append(Box(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()),
                             float(q[:, 1].max()), text, float(score)))
    return boxes


def _text_height(boxes: list[Box]) -> float:
    hs = [b.h for b in boxes if len(b.text) >= 2]
    return statistics.median(hs) if hs else 30.0


# ----------------------------------------------------------------------------- ruled tables

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

    def fill(self, boxes: list[Box], gray: np.ndarray | None = None, text_h: float = 30.0
             ) -> tuple[PageTable | None, set[int]]:
        """The boxes whose centres fall inside, put in their cells; the table and the boxes used.
        A cell left empty that has ink in it (a lone dash or digit the detector passed over) gets
        that ink recognized on its own."""
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
        spans, confs, rects = [], [], []
        budget = MAX_LONE_INK
        cells = []
        for cid, (r0, r1, c0, c1) in enumerate(self.spans):
            mine = per_cell.get(cid, [])
            parts = self.split_rows(mine, r0, r1, text_h) if r1 > r0 and mine else None
            cells.extend((a, b, c0, c1, boxes) for a, b, boxes in parts or [(r0, r1, mine)])
        for r0, r1, c0, c1, mine in cells:
            text = cell_text(mine)
            score = min(b.score for b in mine) if mine and text else None
            if not text and gray is not None and budget > 0:
                found = lone_ink(gray, self.rect(r0, r1, c0, c1), text_h)
                if found is not None:
                    budget -= 1
                    text, score = found
            spans.append(Span(r0, r1, c0, c1, text))
            confs.append(Span(r0, r1, c0, c1, score if text else None))
            rects.append(Span(r0, r1, c0, c1, self.rect(r0, r1, c0, c1)))
        rows = rows_from_spans(spans)
        conf = _conf_rows(confs)
        if not any(cell for row in rows for cell in row):
            return None, used
        bbox = (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])
        cells = _box_rows(rects)
        return PageTable(rows, conf, bbox, len(self.xs) - 1, cells, [list(row) for row in cells]), used


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
    pad = max(3, int(0.25 * text_h))
    crop = gray[max(0, y0 + by0 - pad):y0 + by1 + pad, max(0, x0 + bx0 - pad):x0 + bx1 + pad]
    res, _ = engine()(np.ascontiguousarray(crop), use_det=False, use_cls=False)
    if not res:
        return None
    text, score = clean_text(str(res[0][0]).strip()), float(res[0][1])
    return (text, round(score, 4)) if text and score >= MIN_TEXT_SCORE else None


def _box_rows(spans: list[Span]) -> list[list[tuple | None]]:
    """rows_from_spans for cell boxes: a merged cell's box in every row it covers."""
    n_rows = max(s.r1 for s in spans) + 1
    rows: list[list[tuple]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.r0, s.r1 + 1):
            rows[r].append((s.c0, tuple(float(v) for v in s.text)))
    return [[v for _, v in sorted(row, key=lambda t: t[0])] for row in rows]


def _conf_rows(spans: list[Span]) -> list[list[float | None]]:
    """rows_from_spans for confidences: the value in the cell's top row, None below."""
    n_rows = max(s.r1 for s in spans) + 1
    rows: list[list[tuple[int, float | None]]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.r0, s.r1 + 1):
            rows[r].append((s.c0, round(float(s.text), 4) if r == s.r0 and s.text is not None else None))
    return [[v for _, v in sorted(row, key=lambda t: t[0])] for row in rows]


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
        vert = np.ascontiguousarray(_under_seal(vert.T, upright.T, hidden.T, across.T).T)
    return horiz, vert


def _under_seal(lines: np.ndarray, ink: np.ndarray, hidden: np.ndarray, across: np.ndarray | None = None) -> np.ndarray:
    """A line the seal hides a stretch of, whole again: along each pixel row, a run of ink and hidden pixels
    whose two ends are pieces of line, or one is and the other meets a line `across` (a column line's stub
    between a row line and the seal is shorter than a line; a run between two lines across only is the seal's
    ring along its length). A black seal whited out cut every line it crossed; text never makes a line."""
    out = lines
    ends = lines if across is None else np.maximum(lines, across)
    for y in np.flatnonzero(hidden.any(axis=1)):
        row = (ink[y] > 0) | hidden[y]
        d = np.diff(np.r_[0, row.astype(np.int8), 0])
        for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)):
            head, tail = lines[y, s:s + 3].any(), lines[y, e - 3:e].any()
            if (head or tail) and (head or ends[y, s:s + 3].any()) and (tail or ends[y, e - 3:e].any()) \
                    and hidden[y, s:e].any() and not lines[y, s:e].all():
                if out is lines:
                    out = lines.copy()
                out[y, s:e] = 255
    return out


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


# ----------------------------------------------------------------------------- text

def text_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into lines (vertical overlap), top to bottom, each left to right."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        if lines:
            last = lines[-1]
            top, bottom = min(x.y0 for x in last), max(x.y1 for x in last)
            overlap = min(bottom, b.y1) - max(top, b.y0)
            if overlap > 0.5 * min(b.h, bottom - top):
                last.append(b)
                continue
        lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def join_line(line: list[Box]) -> str:
    out = ""
    prev = None
    for b in line:
        if prev is not None and b.x0 - prev.x1 > 0.8 * max(b.h, prev.h):
            out += " "
        out += b.text
        prev = b
    return out


def cell_text(boxes: list[Box]) -> str:
    text = "\n".join(join_line(line) for line in text_lines(boxes)).strip()
    return clean_text(text)


def clean_text(text: str) -> str:
    """What OCR gets wrong in a predictable way: a lone dash read as 一, a decimal point as 。, 工 as
    a Latin I, the year brackets of a document number (文号) read as two different brackets, its number's 8 as &."""
    if text in _DASHES:
        return "—"
    text = _GONG_LOST.sub(r"\1工作日", _GONG.sub(lambda m: (m.group(1) or m.group(2) or "") + "工", text))
    text = _RI_AS_8.sub(r"\1日", _NOTICE.sub("通知", text))
    text = _DOC_NO_YEAR.sub(_doc_no_year, _DIGIT_DOT.sub(".", text))
    return _DOC_NO_NUMBER.sub(lambda m: m.group(1) + m.group(2).replace("&", "8"), text)


# 工 read as a Latin I (≤15个I作日): only inside the words 工 makes with its neighbours (工作, 工程, 施工,
# 职工 …), never a Roman numeral of a class or phase (I类水质, I期) nor an I among Latin letters or digits
_GONG = re.compile(r"(?<=[\u4e00-\u9fff])(\s*)I(?=\s*[作程资业艺伤龄])|(?<=[施竣开完务职员复停])(\s*)I(?![A-Za-z0-9])"
                   r"|^()I(?=\s*[作程资业艺]\s*[\u4e00-\u9fff])")   # \s*: a cell's text wraps (≤15个I\n作日)


# 工 not read at all where no other word can stand (≤20个作日: 个工作日)
_GONG_LOST = re.compile(r"(?<=个)(\s*)作日")
# 日 read 8 after 个工作 (20个工作\n8: a wrapped cell, black and white), never before a digit or a decimal point
_RI_AS_8 = re.compile(r"(?<=个工作)(\s*)8(?![\d.．%])")
# 知 read 智 (智 is 知 over 日) in 关于…的通知 followed by its 文号 (…资金的通智藏财预〔2021〕166号, black and white)
_NOTICE = re.compile(r"(?<=的)通智(?=\s*[\u4e00-\u9fff]{1,8}\s*[\[［【〔(（{｛T“\"]\s*(?:19|2[0689])\d{2})")


# 文号 such as 蒙财教〔2023〕33号: the year's 六角括号 (GB/T 9704) come back as [2023】 or 〔2023]. A pair
# that does not match is the recognizer's; it is written 〔〕 as the standard has it. A matching pair
# ([2022], (2021)) is left as printed, offices do write those, unless the glyphs are 〔〕 (doc_no_brackets,
# on the page image, before the text gets here); so is a round pair of two widths, written (2021).
_BRACKETS = {"[": "]", "［": "］", "【": "】", "〔": "〕", "(": ")", "（": "）"}
_BRACES = set("{}｛｝")     # no office writes a 文号's year in braces: the recognizer's, always (琼财社[2020}106号)
# the closing bracket may be lost or read 入 (black-and-white scans: 琼财社（2020106号, 蒙财社【2021入209号), the
# opening one read T or a quotation mark (滇财农T2020）238号, 新财社“2022）224号: taken only before a closing
# bracket); the year's 0 may come back 6, 8 or 9 (粤财社【2623]235号: no 文号 is of the 2600s)
_DOC_NO_YEAR = re.compile(r"([\[［【〔(（{｛T“\"])\s*((?:19|2[0689])\d{2})\s*([\]］】〕)）}｝入]?)"
                          r"(?=\s*第?\s*(?=[\d&]*\d)[\d&]{1,5}\s*号)")
_UNSURE_OPENING = ("T", "“", '"')
# its number holds digits only: a black-and-white scan's 8 comes back as & (滇财社【2023）15&号)
_DOC_NO_NUMBER = re.compile(r"(?<=(?:19|20)\d\d[\]］】〕)）])(\s*第?\s*)((?=[\d&]*\d)[\d&]{1,5})(?=\s*号)")


_ROUND = set("(（)）")


def _paired(opening: str, closing: str) -> bool:
    """Brackets a document prints together: a matching pair, or round ones of either width (a black-and-white
    scan's ( comes back as （: (2023) read （2023), 5 of 9 times)."""
    return opening in _BRACKETS and (_BRACKETS[opening] == closing or {opening, closing} <= _ROUND)


def _doc_no_year(m: re.Match) -> str:
    if m.group(1) in _UNSURE_OPENING and m.group(3) in ("", "入"):
        return m.group(0)
    year = "20" + m.group(2)[2:] if m.group(2)[:2] in ("26", "28", "29") else m.group(2)
    if _paired(m.group(1), m.group(3)):
        return m.group(0).replace(m.group(2), year) if _BRACKETS[m.group(1)] == m.group(3) else f"({year})"
    return f"〔{year}〕"


# The recognizer hardly ever writes 〔〕: a 文号's 六角括号 come back as a matching （） or [] (on the bench's
# stamped scans, 3 of 8; on scans of every bracket kind, 3 of 3 〔 as [ while （ ( [ 【 read right). The glyph
# tells them apart: 〔 is a straight stroke with short hooks at both ends, （ and ( a curve (its outer edge
# straight on a few rows only), [ a straight stroke with bars (its outer edge straight from end to end).
BRACKET_MIN_PX = 14       # glyphs shorter than this (in pixels) are too coarse to judge
# share of a 〔's rows on its outer edge's line, to half a pixel (〔 0.68–0.83; （ 0.2–0.45, ( up to 0.65,
# ) 0.39–0.47; [ and 【: 0.9–1)
ANGULAR_FLAT = (0.6, 0.95)
# or one of the pair straight to a fifth of a pixel on this share of its rows (〔 0.47–0.78, its 〕 in a
# black-and-white scan stepping a pixel halfway down as little as 0.32; a curve, ( or （, 0–0.3: on half
# a pixel a half-width ( is straight on 0.59–0.65 of its rows)
ANGULAR_TIGHT = 0.5
BRACKET_HOOK_PX = 1.2     # how far a 〔's ends turn in from its edge (〔: 1.9–3.7 px on 150/200-dpi scans, 1.46 in black and white; [ and 【: under 0.7)
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef〔〕【】]")


def doc_no_brackets(gray: np.ndarray, b: Box) -> Box:
    """`b` with its 文号's year brackets as printed: a pair read as （）, () or [] whose glyphs both have the
    hooks of 〔〕 and are straight, or one of them very straight (a black-and-white scan's 〕 may step a pixel
    halfway down, as curved as a （ by the half-pixel measure; a printed pair is of one kind), is written 〔〕;
    anything unclear is left as read."""
    m = _DOC_NO_YEAR.search(b.text)
    if m is None or m.group(1) == "〔" or not _paired(m.group(1), m.group(3)):
        return b
    y0, y1 = max(0, int(b.y0) - 2), min(gray.shape[0], int(math.ceil(b.y1)) + 2)
    x0, x1 = max(0, int(b.x0) - 2), min(gray.shape[1], int(math.ceil(b.x1)) + 2)
    ink = gray[y0:y1, x0:x1] < 128
    ink[ink.mean(axis=1) > 0.6] = False            # a cell's rule line across the box joins every column
    if not ink.any():
        return b
    blobs = _column_blobs(ink)
    tall = float(np.percentile([bl[3] - bl[2] for bl in blobs], 90))
    if tall < BRACKET_MIN_PX:
        return b
    # the pair: two thin glyphs taller than the run of digits between them (the year) and over it (in black and
    # white a bracket may end on the digits' bottom row);
    # of several such runs, the one nearest where the year stands in the text (em-wide CJK, half-wide rest)
    adv = [1.0 if _WIDE.match(c) else 0.55 for c in b.text]
    at = (sum(adv[:m.start(2)]) + sum(adv[m.start(2):m.end(2)]) / 2) * ink.shape[1] / sum(adv)
    pairs = []
    for i, op in enumerate(blobs):
        for k in range(2, 6):
            if i + k + 1 >= len(blobs):
                break
            digits, cl = blobs[i + 1:i + k + 1], blobs[i + k + 1]
            dy0, dy1 = min(d[2] for d in digits), max(d[3] for d in digits)
            if all(bl[1] - bl[0] <= 0.5 * tall and bl[2] <= dy0 and bl[3] >= dy1 and bl[3] - bl[2] > dy1 - dy0
                   for bl in (op, cl)) \
                    and all(d[1] - d[0] <= 0.75 * tall for d in digits):
                pairs.append((abs((op[0] + cl[1]) / 2 - at), op, cl))
    if not pairs:
        return b
    _, opening, closing = min(pairs)
    crop = gray[y0:y1, x0:x1]
    shapes = [_bracket_shape(crop, opening, "left"), _bracket_shape(crop, closing, "right")]
    hooked = all(hooks and flat <= ANGULAR_FLAT[1] for flat, _, hooks in shapes)
    straight = all(flat >= ANGULAR_FLAT[0] for flat, _, _ in shapes) or max(t for _, t, _ in shapes) >= ANGULAR_TIGHT
    if not (hooked and straight):
        return b
    text = b.text[:m.start(1)] + "〔" + b.text[m.end(1):m.start(3)] + "〕" + b.text[m.end(3):]
    return Box(b.x0, b.y0, b.x1, b.y1, text, b.score)


def _column_blobs(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of columns holding ink, as (x0, x1, y0, y1) with the rows their ink spans."""
    cols = ink.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], cols.astype(np.int8), [0]])))
    out = []
    for a, z in zip(edges[::2], edges[1::2]):
        rows = np.flatnonzero(ink[:, a:z].any(axis=1))
        out.append((int(a), int(z), int(rows[0]), int(rows[-1]) + 1))
    return out


def _bracket_shape(grey: np.ndarray, blob, side: str) -> tuple[float, float, bool]:
    """Of a bracket glyph (side = its outer edge; 〔 is straight along most rows and turned inwards at both
    ends): how straight its outer edge runs (the share of its rows on the stroke's line, to half a pixel and
    to a fifth) and whether both its ends turn inwards. The edge is found in each row to a fraction of a
    pixel, where the grey crosses halfway from white to the glyph's darkest (a stroke two pixels wide whose
    outer column is grey near a fixed threshold made a straight edge zigzag: 〔2023〕 read as [2023], the
    project's name lost)."""
    a, z, y0, y1 = blob
    g = grey[y0:y1, max(0, a - 2):min(grey.shape[1], z + 2)].astype(np.float32)
    if side == "right":
        g = g[:, ::-1]
    half = (float(g.min()) + 255.0) / 2
    edge = []
    for row in g:
        dark = np.flatnonzero(row < half)
        if len(dark):
            i = int(dark[0])
            edge.append(i - 1 + (row[i - 1] - half) / (row[i - 1] - row[i]) if i else 0.0)
    if len(edge) < BRACKET_MIN_PX:
        return 0.0, 0.0, False
    edge = np.asarray(edge)
    stroke = float(np.median(edge))                  # where the straight part runs
    off = np.abs(edge - stroke)
    return (float(np.mean(off <= 0.5)), float(np.mean(off <= 0.2)),
            bool(edge[0] - stroke >= BRACKET_HOOK_PX and edge[-1] - stroke >= BRACKET_HOOK_PX))


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
                    open_table.rows.extend(rows)
                    open_table.conf.extend(conf)
                    open_table.bboxes.extend(boxes)
                    open_table.pages.extend([page.number] * len(rows))
                else:
                    open_table = Table(item.rows, page=page.number, conf=item.conf, bboxes=list(boxes),
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
