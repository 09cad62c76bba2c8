"""PDF reader (pdfplumber): ruled tables with merged cells read once, text lines around them,
tables continued on the next page stitched; pages without a usable text layer (scans, searchable scans, text in
outlines, garbled glyphs) OCR'd when the [ocr] extra is there, else refused like encryption; a filled form's
fields and typewriter notes drawn into their pages first (readers/pdfforms.py); glyphs a printer driver overprinted
to fake bold (项项目目) read once (`without_overprint`); a watermark across the page (内部资料, slanted or large and pale)
left out of the cells it crosses (`without_watermark`); text a white or black box drawn over it hides (a correction,
a redaction), text struck through (删除线, `without_struck`) and white text on no shaded ground (`without_white`) not
read and named; text a clipping path hides whole (a worksheet's copies of a label merged over a page break) not read
(`without_clipped`, readers/pdfclip.py).

Stitching (see `stitch`): a table that ends its page continues in one that starts the next
(a landscape or /Rotate 90 page included: geometry is compared per page size and from each
table's own left edge); header rows repeated on the new page are dropped, however many; a row
broken across the page break (Word/LibreOffice "allow row to break across pages") is joined
back into one row, each cell's text continued in its cell (`_broken_row` says how it is told
from a new row whose merged label cells are empty); a group label (一级/二级指标) merged over the
break and printed in its lower part only labels the rows above the break too (`_label_on_next_page`);
a row Word draws open at the cut gets its missing rulings (`_rulings`) so that its cells are found at all.

pdfplumber beat camelot's lattice parser on the fixtures (see docs/design-readers.md).

Safety, before and while pdfminer parses: the file size (LIMITS.max_file_bytes), the page count
(LIMITS.max_pages, counted on the page tree before any page is parsed), and every stream pdfminer
decodes (FlateDecode, LZW, RunLength) inflated with a bound: one stream past
LIMITS.max_pdf_stream_bytes, or all of one file's streams past `max_pdf_decoded_bytes` (3 x the
stream limit unless Limits defines it), stops the read with LimitExceeded; and the work on each
page: content objects interpreted (forms drawn inside forms included: a 3 KB file whose form
draws a form ten times, five levels deep, is 100,000 draws) and glyphs laid out, past
Limits' max_pdf_page_objects / max_pdf_page_chars.
See `install_limits`.
"""
from __future__ import annotations

import bisect
import logging
import re
import threading
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table
from evalkit.normalize import HAS_DIGIT, WS
from evalkit.readers.grid import Span, rows_from_spans
from evalkit.readers.aligned import (HAN, AlignedTable, aligned_tables, continues, regrid, ruled_columns_table,
                                     text_lines)
from evalkit.readers.pdfbands import bands_note, column_bands, from_spreadsheet, join_failed, joined, original_places
from evalkit.readers.pdfclip import NONE, ClipReader, matched_chars
from evalkit.readers.pdfforms import filled_pages, flattened
from evalkit.readers.safety import StreamTooLarge, check_file_size, human_size, inflate_bounded, limits, reason
from evalkit.readers.symbols import pdf_glyphs

GARBLED_SHARE = 0.3      # above this share of unmapped glyphs the text layer is unusable
EDGE_TOL = 3.0           # points: cell edges closer than this are the same grid line
MARGIN_SHARE = 0.08      # top/bottom band of a page where running headers/page numbers sit
MAX_RULINGS = 4000       # a page with more ruling segments than this is a drawing: no rulings added
HEAD_ROWS = 8            # a table's first rows whose cells keep their geometry (repeated headers + one)
WRAP_SLACK = 1.0         # a text line is wrapped when less than one glyph (+ EDGE_TOL) is left beside it
FULL_ROOM = 0.9          # a cell is full when less than this many glyph heights (+ EDGE_TOL) are left under its text
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(\d{1,4}|第\s*\d+\s*页.*|\d+\s*/\s*\d+)[-—–\s]*$")
_CID = re.compile(r"\(cid:\d+\)")
SHORT_CELL = 6             # characters: a header word or a label, not a sentence
_FIGURE = re.compile(r"[\s\d.,%+\-−—–/]+")   # a cell holding a figure (or a dash) only


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


def read_drawn(path: Path, kind: str) -> Document:
    """read_pdf of the PDF a reader drew of another format (`kind`: OFD, XPS), which has no PDF of its own: its
    refusals speak of that format (the same exception: a LimitExceeded stays one)."""
    try:
        return read_pdf(path)
    except ReadError as e:
        e.args = (re.sub(r"^PDF", kind, str(e)),)
        raise


def read_pdf(path: Path) -> Document:
    """Read a PDF's tables and text lines; raise ReadError for scans, garbled text and encryption."""
    import pdfplumber

    path = Path(path)
    check_file_size(path, advice="正常的自评报告远小于此，请只导出自评表所在的页面后再导入")
    install_limits()
    with decoded_budget():
        try:
            pdf = pdfplumber.open(path)
        except Exception as e:
            raise _limit_in(e) or ReadError(_open_error(e)) from None
        ocr = _ocr()
        layers = OcrLayers(path) if ocr is not None else None
        clips = None
        try:
            try:
                check_page_count(pdf)
                files, file_warnings = _attached(pdf)
                form_pages = filled_pages(pdf)
                source = path
                if form_pages:                # figures typed into form fields: read the pages as a viewer shows them
                    source = BytesIO(flattened(path, form_pages))
                    _close(pdf)
                    pdf = pdfplumber.open(source)
                bands, band_warnings = column_bands(pdf), []
                # a sheet's cells are a glyph apart and its text runs over empty neighbours: no alignment to trust
                aligned = not from_spreadsheet(pdf)
                if bands is not None:         # a worksheet too wide for its paper: its bands side by side
                    try:
                        wide = BytesIO(joined(source, bands))
                    except (LimitExceeded, MemoryError):
                        raise
                    except Exception as e:    # noqa: BLE001  (pdfium or pypdf gives up: the pages read as they are)
                        band_warnings, bands = [join_failed(bands, e)], None
                    else:
                        _close(pdf)
                        pdf = pdfplumber.open(wide)
                pages, texts, to_ocr, more_pages = [], [], {}, []
                overprinted_pages, watermarks, covered, two_up_pages, cut_texts, tall_texts = [], {}, [], [], {}, {}
                # (a joined band print's clips: read on the file's pages, then moved; a spreadsheet's print draws a
                # cell a page break cuts on both pages)
                clips = ClipReader(source, copies=not aligned)
                for raw_page in pdf.pages:
                    start_page(raw_page.page_number)
                    # (pdfminer lays the page out first, within the limits; pdfium only then, and only where it has text)
                    at = raw_page.page_number - 1
                    clipped = NONE if not raw_page.chars else \
                        clips.read(at) if bands is None else clips.read_moved(bands.sources(at))
                    shown = without_clipped(raw_page, clipped)
                    if clipped.cut_texts:
                        cut_texts[raw_page.page_number] = clipped.cut_texts
                    if clipped.tall_texts:
                        tall_texts[raw_page.page_number] = clipped.tall_texts
                    page = without_overprint(shown)
                    if page is not shown:
                        overprinted_pages.append(raw_page.page_number)
                    page, mark = without_watermark(page)
                    if mark:
                        watermarks.setdefault(_watermark_key(mark), []).append(raw_page.page_number)
                    for unseen in (lambda p: without_covered(p, raw_page), without_struck, without_white):
                        page, said = unseen(page)      # what a viewer does not show: left out, named
                        covered += said
                    pdf_glyphs(page.chars)            # a Wingdings ☑ or □ of a choice list as the character it draws
                    texts.append(_page_chars(page))
                    why = _unreadable(page, texts[-1], layers)
                    if why is not None:
                        to_ocr[page.page_number] = why
                        texts[-1] = ""                # read from its picture, not from its text layer
                    if not texts[-1].strip():       # a page without text (a scanned page): no tables or lines
                        pages.append(PageContent(page.page_number, float(page.height)))
                    else:                           # two pages printed on one sheet: each half read as a page
                        halves = two_up(page)
                        pages += [_read_page(half, aligned) for half in halves]
                        two_up_pages += [page.page_number] if len(halves) > 1 else []
                    if why is None and _captioned_picture(page, pages[-1], texts[-1]):
                        more_pages.append(page.page_number)
                    page.close()  # drop pdfplumber's per-page caches: big reports stay small in memory
                    raw_page.close()
                _raise_swallowed()
                required = bool(to_ocr) and not "".join(texts).strip() and ocr is not None
                if not required:                    # a scan is OCR'd below; anything else must have a text layer
                    _check_outlines(texts, to_ocr)
                    check_text_layer(texts, len(texts))
            except ReadError:
                raise
            except Exception as e:
                raise _limit_in(e) or ReadError(f"PDF 文件已损坏，无法解析（{reason(e)}），"
                                                "请重新下载，或用 PDF 工具修复/重新导出后再导入") from None
        finally:
            _close(pdf)
            if clips is not None:
                clips.close()
            if layers is not None:
                layers.close()
    doc = Document(source=str(path), format="pdf", blocks=stitch(pages), pages=len(texts), more_pages=more_pages,
                   form_pages=form_pages, hidden=covered,
                   notes=([bands_note(bands)] if bands else [])
                   # a title centred over the bands is printed on each: joined, its copies overlap (read once, no note)
                   + _cleaning_notes([] if bands else overprinted_pages, watermarks) + _cut_note(cut_texts)
                   + _tall_note(tall_texts)
                   + ([f"第 {_pages(two_up_pages)} 页是两页并排打印在一面上（每版打印 2 页），已按左、右两页先后读取"]
                      if two_up_pages else []))
    doc.warnings += band_warnings + _aligned_warning(pages)
    if bands is not None:
        original_places(doc.blocks, bands)
    if to_ocr:
        _add_ocr(doc, path, to_ocr, required, ocr)
    if files:
        from evalkit.readers.embedded import attached_reports, attachment_note
        warnings, notes = attachment_note(files)
        doc.warnings += warnings
        doc.notes += notes
        doc.attached = attached_reports(files)
    doc.warnings += file_warnings
    return doc


def _attached(pdf) -> tuple[list, list[str]]:
    """The files attached to the PDF (readers/pdffiles.py); a damaged name tree is a warning, not the PDF's
    failure."""
    from evalkit.readers.pdffiles import attached_files
    try:
        return attached_files(pdf.doc, (page.page_obj for page in pdf.pages))   # pdfplumber's list, kept for the read
    except (LimitExceeded, MemoryError, RecursionError):
        raise
    except Exception as e:  # noqa: BLE001  (pdfminer's errors on a damaged file specification)
        return [], [f"PDF 附有文件，但附件部分已损坏，无法列出（{reason(e)}）；请在 PDF 阅读器的附件面板中查看并另存附件后导入"]


SCAN_COVER = 0.6         # a picture over this share of the page, and only invisible text: a searchable scan


def _page_picture(page) -> bool:
    """The page holds a picture over SCAN_COVER of it (a scan's page, not a logo or a seal)."""
    area = float(page.width) * float(page.height)
    return bool(area) and any((float(i["x1"]) - float(i["x0"])) * (float(i["bottom"]) - float(i["top"]))
                              >= SCAN_COVER * area for i in page.images)


class OcrLayers:
    """Which pages are searchable scans: a page-sized picture under text that is all invisible (render mode 3: the
    OCR layer a scanner or Acrobat adds). Such a page is OCR'd as the scan it is (its table's ruled lines are in the
    picture, so its text layer gives lines without a table); pypdfium2 is opened only when a page may be one."""

    def __init__(self, path: Path):
        self.path, self.pdf = path, None

    def only_invisible_text(self, page) -> bool:
        if not _page_picture(page):
            return False
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c
        if self.pdf is None:
            self.pdf = pdfium.PdfDocument(str(self.path))
        seen = False
        pdf_page = self.pdf[page.page_number - 1]
        try:
            for n, obj in enumerate(pdf_page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,))):
                if n >= limits().max_pdf_page_objects:
                    return False
                if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) != pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE:
                    return False
                seen = True
        finally:
            pdf_page.close()
        return seen

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _ocr():
    """The OCR reader's `ocr_pdf`, or None when the [ocr] extra is not installed (pictures.ocr_reader)."""
    from evalkit.readers.pictures import ocr_reader
    reader = ocr_reader()
    return None if reader is None else reader.ocr_pdf


OUTLINE_CURVES = 50      # a page without text or picture drawing at least this many curves: text turned into outlines

# why a page with text was read from its picture, as the report row says it (status partial: its producer lost the
# text, and an OCR'd figure deserves a look); a scan, searchable or not, is what it is and needs no word
OCR_REASONS = {
    "outlines": "的文字已转为曲线（没有文字层）",
    "garbled": "的文字层是乱码（字体缺少字符映射）",
}


def _unreadable(page, text: str, layers: OcrLayers | None) -> str | None:
    """Why a page must be read from its picture (None: its text layer is read): a scan (a picture, no text), a
    searchable scan ("invisible"), text turned into outlines or a garbled text layer when OCR can read them."""
    if text.strip():
        if layers is None:
            return None                       # without OCR a page's text layer is all there is
        if layers.only_invisible_text(page):
            return "invisible"
        return "garbled" if garbled_share(text) > GARBLED_SHARE else None
    if page.images:
        return "scan"
    return "outlines" if len(page.curves) >= OUTLINE_CURVES else None


CAPTION_CHARS = 300      # text on a page-sized picture: a caption, a stamp, a page number — a page of text says more


def _captioned_picture(page, content: PageContent, text: str) -> bool:
    """A page holding a picture over most of it, no table and a few lines of text: a scan with a caption or a
    stamp printed over it, OCR'd when the document's text gives nothing (pictures.when_text_gives_nothing)."""
    if not text.strip() or len("".join(text.split())) > CAPTION_CHARS:
        return False
    return not any(isinstance(item, PageTable) for _, _, item in content.items) and _page_picture(page)


def _check_outlines(texts: list[str], to_ocr: dict[int, str]) -> None:
    """A PDF whose text was turned into outlines and that cannot be OCR'd says so, not just "no text layer"."""
    outlined = [p for p, why in to_ocr.items() if why == "outlines"]
    if outlined and not "".join(texts).strip():
        raise ReadError(f"PDF 的文字已转为曲线（第 {_pages(outlined)} 页，没有文字层），无法读取表格；"
                        "安装 OCR 组件（make setup，或 pip install 'evalkit[ocr]'）后可识别，或请提供 Word 原件")


def _pages(numbers) -> str:
    """第 1、3 页's numbers: each once (a page read in two parts, a two-up print's halves, counts once)."""
    return "、".join(map(str, dict.fromkeys(numbers)))


def _add_ocr(doc: Document, path: Path, to_ocr: dict[int, str], required: bool, ocr) -> None:
    """Read the pages without a usable text layer by OCR (`ocr`: `_ocr()`, None without the extra) and put their
    blocks in page order among the text pages'; without OCR (or when it fails on a mixed PDF) the pages are named in
    a warning."""
    pages = _pages(to_ocr)
    if ocr is not None:
        try:
            scan = ocr(path, list(to_ocr), form_pages=doc.form_pages)
        except ReadError as e:
            if required:
                raise
            doc.warnings.append(f"第 {pages} 页（共 {doc.pages} 页）没有可用的文字层，识别失败（{e}），这些页的内容未读取")
            return
        doc.blocks = sorted(doc.blocks + scan.blocks, key=lambda b: b.page or 0)   # stable: order within a page kept
        doc.ocr_pages = list(scan.ocr_pages)
        reasons = dict.fromkeys(w for w in to_ocr.values() if w in OCR_REASONS)     # in the order of their pages
        doc.warnings += [f"第 {_pages(p for p, w in to_ocr.items() if w == why)} 页{OCR_REASONS[why]}，"
                         "已按页面图像识别（OCR）" for why in reasons]
        doc.warnings += scan.warnings
        return
    doc.warnings.append(f"第 {pages} 页（共 {doc.pages} 页）没有文字层（可能是扫描页），这些页的内容未读取；"
                        "安装 OCR 组件（make setup，或 pip install 'evalkit[ocr]'）后可识别，"
                        "或请提供带文字的 PDF 或 Word 原件")


def _close(pdf) -> None:
    """pdfplumber's PDF.close() without its page walk: close() flushes the page list and builds
    it again (every page of a 5,000-page file refused for its page count)."""
    for page in pdf.__dict__.get("_pages") or []:
        page.close()
    if not pdf.stream_is_external:
        pdf.stream.close()


def check_page_count(pdf) -> int:
    """Count the pages on the page tree (no page is parsed) and refuse past LIMITS.max_pages."""
    from pdfminer.pdfpage import PDFPage

    limit = limits().max_pages
    n = 0
    for _ in PDFPage.create_pages(pdf.doc):
        n += 1
        if n > limit:
            declared = _declared_page_count(pdf.doc)
            total = f"共 {declared:,} 页" if declared and declared > limit else "页数"
            raise LimitExceeded(f"PDF {total}，超过上限 {limit:,} 页；请只导出自评报告所在的页面（用 PDF 工具拆分）后再导入")
    return n


def _declared_page_count(doc) -> int | None:
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(doc.catalog.get("Pages")).get("Count"))
        return int(count) if isinstance(count, (int, float)) else None
    except Exception:
        return None


def _open_error(e: Exception) -> str:
    inner = e.args[0] if e.args and isinstance(e.args[0], Exception) else e
    name = type(inner).__name__
    if name == "PDFPasswordIncorrect" or "password" in str(inner).lower():
        return "PDF 已加密，需要密码才能打开；请取消密码（或打印为新的 PDF）后再导入"
    if name == "PDFEncryptionError":
        return f"PDF 使用了不支持的加密方式（{reason(inner)}）；请取消加密后另存再导入"
    return f"PDF 文件已损坏，无法打开（{reason(inner)}），请重新下载，或用 PDF 工具修复/重新导出后再导入"


def _limit_in(e: BaseException) -> LimitExceeded | None:
    """The LimitExceeded behind an exception pdfplumber wrapped (PdfminerException(e)), if any."""
    seen = 0
    while e is not None and seen < 8:
        if isinstance(e, LimitExceeded):
            return e
        inner = e.args[0] if e.args and isinstance(e.args[0], BaseException) else None
        e, seen = inner or e.__cause__ or e.__context__, seen + 1
    return None


# ------------------------------------------------------------------ bounded stream decoding

_state = threading.local()     # per reading thread: bytes decoded so far, and the budget
log = logging.getLogger(__name__)
# pdfminer warns through logging (49 places: a missing object, a bad font box) and sets no handler, so
# Python's last-resort handler printed those lines into the ingest's progress bar, naming no file. A library
# keeps quiet unless the application configures logging; what reaches the root logger's handlers still does.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


def _stream_limit() -> int:
    return limits().max_pdf_stream_bytes


def _total_limit() -> int:
    lim = limits()
    return lim.max_pdf_decoded_bytes


@contextmanager
def decoded_budget():
    """Count the bytes pdfminer decodes and the work it does on each page, while reading one file
    (in this thread); outside, pdfminer runs with the per-stream bound only."""
    lim = limits()
    _state.total, _state.limit, _state.violation = 0, _total_limit(), None
    _state.max_objects = lim.max_pdf_page_objects   # pdfminer needs 50-100 us an object: ~15-20 s a page at most
    _state.max_chars = lim.max_pdf_page_chars
    _state.page = _state.objects = _state.chars = None
    try:
        yield
    finally:
        _state.total = _state.limit = _state.violation = _state.page = _state.objects = _state.chars = None


def start_page(number: int) -> None:
    """Reset the per-page work counters (called before pdfplumber lays out page `number`)."""
    _state.page, _state.objects, _state.chars = number, 0, 0


def _count_object() -> None:
    if getattr(_state, "objects", None) is None:
        return
    _state.objects += 1
    if _state.objects > _state.max_objects:
        raise _page_too_busy(f"绘图指令超过 {_state.max_objects:,} 条")


def _count_char() -> None:
    if getattr(_state, "chars", None) is None:
        return
    _state.chars += 1
    if _state.chars > _state.max_chars:
        raise _page_too_busy(f"文字超过 {_state.max_chars:,} 个")


def _page_too_busy(what: str) -> LimitExceeded:
    err = LimitExceeded(f"PDF 第 {_state.page} 页的{what}（正常的一页不到其十分之一；可能是层层嵌套引用的图形对象等"
                        "恶意构造的内容），已停止读取；请确认文件来源，或只导出自评表所在的页面后再导入")
    if _state.violation is None:
        _state.violation = err
    return err


def _too_large(limit: int, total: bool = False) -> StreamTooLarge:
    what = "PDF 中的数据流解压后累计" if total else "PDF 中有一个数据流解压后"
    err = StreamTooLarge(limit, f"{what}超过 {human_size(limit)}（疑似压缩炸弹），已停止读取；"
                                "请确认文件来源，或用 PDF 工具重新导出后再导入")
    if getattr(_state, "limit", None) is not None and _state.violation is None:
        _state.violation = err   # kept in case a library catches it on the way up
    return err


def _over(room: int) -> StreamTooLarge:
    """The error for output past `room`: the file's total budget if that was the tighter bound."""
    if room < _stream_limit() and getattr(_state, "limit", None) is not None:
        return _too_large(_state.limit, total=True)
    return _too_large(room)


def _count(n: int) -> None:
    if getattr(_state, "limit", None) is None:
        return
    _state.total += n
    if _state.total > _state.limit:
        raise _too_large(_state.limit, total=True)


def _raise_swallowed() -> None:
    if getattr(_state, "violation", None) is not None:
        raise _state.violation


def _room() -> int:
    room = _stream_limit()
    if getattr(_state, "limit", None) is not None:
        room = min(room, max(0, _state.limit - _state.total))
    return room


def bounded_flate(data: bytes) -> bytes:
    """zlib.decompress for pdfminer, stopped past the stream limit (see inflate_bounded)."""
    room = _room()
    try:
        out = inflate_bounded(data, room)
    except StreamTooLarge:
        raise _over(room) from None
    _count(len(out))
    return out


def bounded_flate_corrupted(data: bytes) -> bytes:
    """pdfminer's decompress_corrupted (inflate, keeping the output when only the last 3 bytes
    — the checksum — fail), in linear time and bounded; pdfminer's feeds one byte at a time and
    concatenates, quadratic in the output."""
    room = _room()
    d = zlib.decompressobj()
    out = bytearray()
    pos, n, step = 0, len(data), 1 << 16

    def feed(dec, piece: bytes) -> None:
        got = dec.decompress(piece, room - len(out) + 1)
        if len(out) + len(got) > room:
            raise _over(room)
        out.extend(got)

    while pos < n:
        saved = d.copy()
        try:
            feed(d, data[pos:pos + step])
            pos += step
        except zlib.error:
            d = saved                      # replay the chunk byte by byte to find where it failed
            for i in range(pos, min(pos + step, n)):
                try:
                    feed(d, data[i:i + 1])
                except zlib.error:
                    if i < n - 3:
                        raise
                    # every byte came out, only the checksum is damaged: nothing for the reader to report
                    log.debug("a flate stream's checksum is damaged; its data is whole")
                    _count(len(out))
                    return bytes(out)
            pos += step
    _count(len(out))
    return bytes(out)


def bounded_lzw(data: bytes) -> bytes:
    """pdfminer's lzwdecode, stopped past the stream limit (LZW inflates up to ~2,000:1)."""
    from pdfminer.lzw import LZWDecoder

    room, size, parts = _room(), 0, []
    for part in LZWDecoder(BytesIO(data)).run():
        size += len(part)
        if size > room:
            raise _over(room)
        parts.append(part)
    _count(size)
    return b"".join(parts)


def bounded_runlength(data: bytes) -> bytes:
    """pdfminer's rldecode (same output and errors), in a bytearray and bounded: pdfminer's builds
    a list of ints, 8 bytes per output byte, 128 output bytes per input byte."""
    room = _room()
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:
            break
        if length < 128:
            if i + length + 1 > n:
                raise RuntimeError("generator raised StopIteration")
            out += data[i:i + length + 1]
            i += length + 1
        else:
            if i >= n:
                raise StopIteration
            out += bytes((data[i],)) * (257 - length)
            i += 1
        if len(out) > room:
            raise _over(room)
    _count(len(out))
    return bytes(out)


class _BoundedZlib:
    """Stands in for the zlib module inside pdfminer.pdftypes: decompress is bounded."""
    decompress = staticmethod(bounded_flate)

    def __getattr__(self, name):
        return getattr(zlib, name)


_install_lock = threading.Lock()


def install_limits() -> None:
    """Bound pdfminer's stream decoding and count its per-page work (once per process).

    pdfminer inflates every stream it touches — xref and object streams while opening the file,
    content streams, fonts and CMaps while reading pages — with a bare zlib.decompress (or its
    LZW/RunLength decoders) and keeps the result; there is no hook to bound it. So the names
    pdfminer.pdftypes calls are rebound: below the limits they return what the originals return.
    Content objects are counted in PDFContentParser.nextobject and glyphs in
    PDFLayoutAnalyzer.render_char, only while read_pdf runs (outside, they cost a None check).
    """
    import pdfminer.pdftypes as pt
    from pdfminer.converter import PDFLayoutAnalyzer
    from pdfminer.pdfinterp import PDFContentParser

    with _install_lock:
        if getattr(pt, "_evalkit_bounded", False):
            return
        missing = [n for n in ("zlib", "decompress_corrupted", "lzwdecode", "rldecode") if not hasattr(pt, n)]
        if missing:   # a pdfminer that decodes differently: say so loudly rather than read unbounded
            raise RuntimeError(f"pdfminer.pdftypes has no {', '.join(missing)}: update evalkit.readers.pdf")
        pt.zlib = _BoundedZlib()
        pt.decompress_corrupted = bounded_flate_corrupted
        pt.lzwdecode = bounded_lzw
        pt.rldecode = bounded_runlength

        next_object = PDFContentParser.nextobject
        render_char = PDFLayoutAnalyzer.render_char

        def counted_nextobject(self):
            _count_object()
            return next_object(self)

        def counted_render_char(self, *args, **kwargs):
            _count_char()
            return render_char(self, *args, **kwargs)

        PDFContentParser.nextobject = counted_nextobject
        PDFLayoutAnalyzer.render_char = counted_render_char
        pt._evalkit_bounded = True


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


def _lightness(color) -> float | None:
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
            light = _lightness(c.get("non_stroking_color"))
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
    light = _lightness(rect.get("non_stroking_color")) if rect.get("fill") else None
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
    white = [c for c in page.chars if c["text"].strip() and (_lightness(c.get("non_stroking_color")) or 0) >= WHITE_TEXT]
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
    light = _lightness(color)
    return light is not None and light <= than


def without_white(page) -> tuple[object, list[str]]:
    """The page without its white-on-white glyphs (`white_chars`), and their text run by run
    (第 1 页白色文字“18.5”) for reports.hidden_content, as Word's white text is."""
    return _left_out(page, [("白色文字", cs) for cs in white_chars(page)])


def _aligned_warning(pages: list[PageContent]) -> list[str]:
    """Rows and columns rebuilt from where the text stands are a reading to check (status partial), as OCR's are; a
    worksheet printed without rulings is not rebuilt (its cells a glyph apart) and is said so, with what to ask for;
    so is a table that runs off the paper (its columns out there hold no text)."""
    aligned = [p.number for p in pages if p.aligned]
    ruled = any(isinstance(item, PageTable) for p in pages for _, _, item in p.items)
    sheets = [p.number for p in pages if p.unruled_sheet] if not ruled else []   # a notes sheet beside a ruled one
    return ([f"第 {_pages(aligned)} 页的表格缺少框线，已按文字的对齐还原行列（合并的单元格只在首行），请对照原件核对"]
            if aligned else []) + \
        ([f"第 {_pages(sheets)} 页是电子表格程序打印的表格，没有框线，单元格之间的距离不足以还原行列，未作为表格读取；"
          "请提供原始 Excel 文件，或打印时勾选“网格线”（页面设置→工作表）后重新导出 PDF"] if sheets else []) + \
        ([f"第 {_pages(cut)} 页的表格超出了纸张边缘，超出部分的文字没有打印出来，这些列的数字缺失；请提供原始文件，"
          "或打印时选择“缩放到纸张宽度”后重新导出 PDF"] if (cut := [p.number for p in pages if p.cut_off]) else []) + \
        _crossed_warning(pages)


def _crossed_warning(pages: list[PageContent]) -> list[str]:
    """Texts a table's row ruling runs through (`_crossed_texts`): which row's they are is a guess, said (partial)."""
    return _texts_note({p.number: p.crossed for p in pages if p.crossed},
                       "行文字被表格的行线穿过（行高不足，多行文字溢出到上下行，如",
                       "，这些文字可能被读到相邻的行里，请对照原件核对；需要准确结果时请提供原始表格文件，"
                       "或设置“自动调整行高”后重新导出 PDF")


def _watermark_key(text: str) -> str:
    """A watermark's words once (内部资料仅供参考 drawn four times over a page is one watermark)."""
    for n in range(1, len(text) // 2 + 1):
        if len(text) % n == 0 and text[:n] * (len(text) // n) == text:
            return text[:n]
    return text


def _cleaning_notes(overprinted_pages: list[int], watermarks: dict[str, list[int]]) -> list[str]:
    """What the reader left out or read once, in words (reports.reading_notes): not a gap, a record of it."""
    notes = [f"第 {_pages(overprinted_pages)} 页的文字重复绘制（打印驱动模拟加粗），已按一次读入"] if overprinted_pages else []
    for text, pages in watermarks.items():
        shown = text if len(text) <= 24 else text[:24] + "…"
        notes.append(f"第 {_pages(pages)} 页的水印文字“{shown}”未读入（斜排或大号浅色，不属于表格）")
    return notes


CUT_EXAMPLES = 3         # texts a note on texts cut by their cells (or crossed by rulings) quotes


def _examples(texts: list[str]) -> str:
    """The first few distinct texts, quoted, each cut at 12 characters (“可持续影响指”、“服务对象满意”)."""
    shown = list(dict.fromkeys(t if len(t) <= 12 else t[:12] + "…" for t in texts))[:CUT_EXAMPLES]
    return "、".join(f"“{t}”" for t in shown)


def _texts_note(by_page: dict[int, list[str]], what: str, then: str, longest_first: bool = False) -> list[str]:
    """One note on the texts of `by_page` (page -> texts): 第 <pages> 页有 <count> <what><examples>）<then>; none
    without texts. `longest_first`: the examples are the longest texts (else the first)."""
    texts = [t for ts in by_page.values() for t in ts]
    if not texts:
        return []
    shown = sorted(texts, key=len, reverse=True) if longest_first else texts
    return [f"第 {_pages(sorted(by_page))} 页有 {len(texts)} {what}{_examples(shown)}）{then}"]


def _cut_note(cut_texts: dict[int, list[str]]) -> list[str]:
    """Texts their cells cut on paper (a worksheet's cell not wrapped prints what fits: 可持续影响指 for 可持续影响指标):
    read as printed, said, with a few of them, so that a short name is not taken for the document's own."""
    return _texts_note(cut_texts, "处文字长于所在单元格，打印时被单元格边界截断（如",
                       "，读出的是纸面上可见的部分，名称可能不完整；需要全文时请提供原始表格文件，或设置“自动换行”后重新导出 PDF")


def _tall_note(tall_texts: dict[int, list[str]]) -> list[str]:
    """Texts taller than their rows (a Word table's fixed row height) from a producer that prints no line past the
    first one its cell hides: read with that line, said, since what followed it is on no page (the longest, the
    likeliest cut, as examples)."""
    return _texts_note(tall_texts, "处文字高于所在的行（表格行高为固定值），打印时只印出了前几行（如",
                       "，其后的文字可能没有印出；需要全文时请提供 Word 原件，或把行高改为“最小值”后重新导出 PDF",
                       longest_first=True)


def _page_chars(page) -> str:
    return "".join(c.get("text", "") for c in page.chars)


def _glyph_counts(text: str) -> tuple[int, int, int]:
    """(unmapped glyph codes, U+FFFD/private-use characters, other non-space characters) in extracted text."""
    n_cid = len(_CID.findall(text))
    rest = _CID.sub("", text)
    n_bad = sum(1 for ch in rest if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    return n_cid, n_bad, sum(1 for ch in rest if not ch.isspace()) - n_bad


def garbled_share(text: str) -> float:
    """The share of a text layer's glyphs that map to no character."""
    n_cid, n_bad, n_ok = _glyph_counts(text)
    total = n_cid + n_bad + n_ok
    return (n_cid + n_bad) / total if total else 0.0


def check_text_layer(page_texts: list[str], n_pages: int) -> None:
    """Refuse a PDF whose text is absent (a scan) or mostly unmapped glyph codes."""
    n_cid, n_bad, n_ok = _glyph_counts("".join(page_texts))
    total = n_cid + n_bad + n_ok
    if total == 0:
        raise ReadError(f"PDF 的全部 {n_pages} 页都没有文字层（可能是扫描件），无法读取表格；"
                        "请提供带文字的 PDF 或 Word 原件")
    if (n_cid + n_bad) / total > GARBLED_SHARE:
        share = round(100 * (n_cid + n_bad) / total)
        what = "无法映射的字形编码（cid:NNN）" if n_cid >= n_bad else "无法映射的字形（U+FFFD/私用区字符）"
        raise ReadError(f"PDF 的文字层是乱码：{share}% 的字符是{what}，无法读取；"
                        "请提供 Word 原件，或用原软件重新导出（嵌入字体）的 PDF")


def line_tolerance(page) -> float:
    """Half the page's typical font size: glyphs whose tops differ by less share a line.

    Some producers set digits a few points lower than the CJK text around them; pdfplumber's
    fixed 3 pt tolerance then puts the figures on a line of their own after their labels.
    """
    sizes = sorted(c.get("size", 0) for c in page.chars)
    return max(3.0, 0.5 * sizes[len(sizes) // 2]) if sizes else 3.0


def _read_page(page, aligned: bool = True) -> PageContent:
    content = PageContent(page.page_number, float(page.height))
    tol = line_tolerance(page)
    edges = _ruling_edges(page)
    ruled, closing = _rulings(page, edges)
    across, upright = _open_frame(edges)
    upright = upright + _open_ends(edges)
    settings = ({"explicit_horizontal_lines": closing + across} if closing or across else {}) | \
        ({"explicit_vertical_lines": upright} if upright else {})
    found = page.find_tables(settings) if settings else page.find_tables()
    content.cut_off = any(_off_page(t.bbox, page) for t in found)
    content.crossed = _crossed_texts(page, edges, found) if not aligned else []   # (a worksheet's print: rows of
    #                                                                              fixed height)
    if len(found) > 1:
        found = _each_alone(page, found, settings)
    top, bottom = _paper(page)
    found = [t for t in (_on_paper(t, top, bottom) for t in found) if t is not None]
    glyphs = sorted((c for c in page.chars if (c.get("text") or "").strip()), key=lambda c: c["top"])
    found = [t for t in found if not _shading_only(t, page)]
    tables = []
    for t in found:
        rebuilt = _columns_only(t, page, tol) if aligned else None
        if rebuilt is not None:          # ruled between its columns only: its rows from the text's alignment
            tables.append(_aligned_table(rebuilt, page.page_number))
            content.aligned = True
        elif (pt := _page_table(t, page.page_number, tol, ruled, glyphs)) is not None:
            tables.append(pt)
    if not tables:                   # no ruling to find a table by: one the text's alignment shows
        rules = [h for hs in ruled.buckets.values() for h in hs]
        rules = [(float(h["top"]), float(h["x0"]), float(h["x1"])) for h in _not_shading(rules, page)] \
            if len(rules) <= MAX_RULINGS else []     # (a drawing, not a table's rows; banded rows' shading is none)
        try:
            found = aligned_tables(page.chars, tol, rules)
        except (LimitExceeded, MemoryError):
            raise
        except Exception:            # noqa: BLE001  (a layout the rules did not foresee: its lines are read as lines)
            log.exception("aligned tables failed on page %s", page.page_number)
            found = []
        if aligned:
            tables = [_aligned_table(t, page.page_number) for t in found]
            content.aligned = bool(tables)
        else:                        # a worksheet printed without gridlines: said, not guessed at
            content.unruled_sheet = bool(found)
    rest = page
    for t in tables:
        rest = rest.outside_bbox(_padded(t.bbox, page), strict=False)
        content.items.append((t.bbox[1], t.bbox[3], t))
        for box in _past_right_edge(t, glyphs, tol):
            rest = rest.outside_bbox(box, strict=False)
        for _, para in _overflow(t, glyphs, tol):
            rest = rest.outside_bbox(para.bbox, strict=False)
            content.items.append((para.bbox[1], para.bbox[3], para))
    for line in rest.extract_text_lines(return_chars=False, y_tolerance=tol):
        text = line["text"].strip()
        if text:
            box = (float(line["x0"]), float(line["top"]), float(line["x1"]), float(line["bottom"]))
            content.items.append((box[1], box[3], Paragraph(text, page=page.page_number, bbox=box)))
    content.items.sort(key=lambda item: item[0])
    return content


BLANK_LIGHTNESS = 0.98     # a fill this light is the paper's white
THIN = 6.0                 # points: a filled rectangle this thin or thinner is a ruling (a border is at most 6 pt
#                            wide); wider, a cell's shading (a row is taller)


OVERFLOW_GAP = 1.0         # glyph sizes: a line this close under a table's foot, or under the line before, runs on


def _overflow(t: PageTable, glyphs: list[dict], tol: float) -> list[tuple[CellGeom, Paragraph]]:
    """Lines right under a ruled table's foot, each inside a last-row cell drawn open there: a browser lays out a label
    merged over rows (项目资金（万元）) over the whole merged height, and where the rows under it went to the next page
    its lower lines print under the rulings that stayed. They are kept whole (the table's padding would clip a glyph
    standing into it) and set on `t.overflow` as paragraphs; stitch reads them in their cell where the table goes on
    on the next page."""
    last = len(t.rows) - 1
    opens = [c for c in t.cells if c.r1 == last and c.open_bottom]
    if t.aligned is not None or not opens:
        return []
    foot = t.bbox[3]
    under = [g for g in glyphs if (float(g["top"]) + float(g["bottom"])) / 2 > foot]
    reach = foot
    for line in text_lines(under, tol):
        size = max(s.size for s in line.segments) or 10.0
        if line.top - reach > OVERFLOW_GAP * size:
            break
        cells = [next((c for c in opens if c.x0 - EDGE_TOL <= s.x0 and s.x1 <= c.x1 + EDGE_TOL), None)
                 for s in line.segments]
        if None in cells or len({id(c) for c in cells}) != 1:
            break
        text = " ".join(s.text for s in line.segments)
        box = (min(s.x0 for s in line.segments), line.top, max(s.x1 for s in line.segments), line.bottom)
        t.overflow.append((cells[0], Paragraph(text, page=t.page, bbox=box)))
        reach = line.bottom
    return t.overflow


PAST_GAP = 1.0             # glyph sizes: a glyph this close after the one before goes on with its text


def _past_right_edge(t: PageTable, glyphs: list[dict], tol: float) -> list[tuple[float, float, float, float]]:
    """Text running on past a ruled table's right edge from a cell of its last column, glyph after glyph: a
    worksheet's cell not wrapped whose text is longer than the cell, printed over the margin (偏差原因 cut at the
    table's edge, its rest a line of its own, status ok). Read in that cell (after its last line, where that line
    fills the cell to its edge); the runs' boxes, to be left out of the page's lines. `glyphs`: sorted by top."""
    if t.aligned is not None or not t.boxes:
        return []
    tops = [float(g["top"]) for g in glyphs]
    out = []
    for r, boxes in enumerate(t.boxes):
        if not boxes or not t.rows[r] or not t.rows[r][-1].strip() or abs(boxes[-1][2] - t.bbox[2]) > EDGE_TOL:
            continue
        x0, top, x1, bottom = boxes[-1]
        near = glyphs[bisect.bisect_left(tops, top - tol):bisect.bisect_right(tops, bottom)]
        inside = [g for g in near if x0 <= (float(g["x0"]) + float(g["x1"])) / 2 < x1 and float(g["bottom"]) <= bottom + tol]
        if not inside:
            continue
        last = max(inside, key=lambda g: float(g["x1"]))
        size = max(float(last["bottom"]) - float(last["top"]), 1.0)
        if float(last["x1"]) < x1 - size:
            continue                     # its text stops short of the edge: nothing ran on
        run, reach = [], float(last["x1"])
        for g in sorted((g for g in near if abs(float(g["top"]) - float(last["top"])) <= tol
                         and (float(g["x0"]) + float(g["x1"])) / 2 >= x1), key=lambda g: float(g["x0"])):
            if float(g["x0"]) - reach > PAST_GAP * size:
                break
            run.append(g)
            reach = float(g["x1"])
        if run:
            t.rows[r][-1] += "".join(g["text"] for g in run)
            out.append((min(float(g["x0"]) for g in run), min(float(g["top"]) for g in run),
                        max(float(g["x1"]) for g in run), max(float(g["bottom"]) for g in run)))
    return out


def _thin(rect: dict) -> bool:
    """A filled rectangle drawn as a ruling (a border), not a cell's shading."""
    return min(float(rect["width"]), float(rect["height"])) <= THIN


def _shading_only(table, page) -> bool:
    """A "table" pdfplumber built from the edges of cells' shading alone (a shaded header row or banded rows of a
    table without borders): no line, curve, thin rectangle or stroked rectangle lies in it. It is no ruled table: the
    page is read as one without rulings (its text's alignment), else the shaded row alone was the table and the rows
    under it were lines (no 自评表)."""
    x0, top, x1, bottom = (float(v) for v in table.bbox)

    def inside(o) -> bool:
        return float(o["x1"]) >= x0 - 1 and float(o["x0"]) <= x1 + 1 and float(o["bottom"]) >= top - 1 \
            and float(o["top"]) <= bottom + 1

    if any(inside(o) for o in page.lines) or any(inside(o) for o in page.curves):
        return False
    return not any(inside(r) and (_thin(r) or r.get("stroke")) for r in page.rects)   # (stroked: a cell's borders)


def _not_shading(rules: list[dict], page) -> list[dict]:
    """The horizontal rulings that are not only the top or bottom edge of a cell's shading (a filled rectangle wider
    and taller than THIN): a line or a thin rectangle is drawn along them, or no rectangle's edge lies there. The
    page's marks are indexed by height once (bisect), so a page of many rulings and rectangles stays quick."""
    def marks(objects) -> tuple[list[float], list[tuple[float, float]]]:
        pairs = sorted((float(o[k]), (float(o["x0"]), float(o["x1"]))) for o in objects for k in ("top", "bottom"))
        return [y for y, _ in pairs], [x for _, x in pairs]

    def along(index, y: float, x0: float, x1: float) -> bool:
        ys, xs = index
        k = bisect.bisect_left(ys, y - EDGE_TOL)
        while k < len(ys) and ys[k] <= y + EDGE_TOL:
            if xs[k][1] > x0 + 1 and xs[k][0] < x1 - 1:
                return True
            k += 1
        return False

    drawn = marks(list(page.lines) + [r for r in page.rects if _thin(r)])
    shades = marks([r for r in page.rects if not _thin(r)])
    out = []
    for h in rules:
        y, x0, x1 = float(h["top"]), float(h["x0"]), float(h["x1"])
        if along(drawn, y, x0, x1) or not along(shades, y, x0, x1):
            out.append(h)
    return out


COLUMNS_ONLY_ROWS = 3      # a ruled table of at most this many rows, one of which holds this many lines of three
COLUMNS_ONLY_LINES = 5     # cells or more (rows of text), is ruled between its columns only; a table of one ruled
COLUMNS_ONLY_FEW = 3       # row, this many (the rest of such a table on the next page)


def _columns_only(table, page, tol: float) -> AlignedTable | None:
    """A table ruled between its columns but not between its rows (vertical borders and a top and bottom rule, a
    three-line table with column rules): pdfplumber finds one tall row whose cells hold every line of their column;
    read so, the labels lost their figures (no 自评表). Its rows are rebuilt from where the text stands, its
    columns the ruled ones (aligned.ruled_columns_table)."""
    rows = table.rows
    if len(rows) > COLUMNS_ONLY_ROWS:
        return None
    x0, top, x1, bottom = (float(v) for v in table.bbox)
    xs: list[float] = []              # the column rulings (drawn cell by cell: not all reach the top and bottom)
    for e in page.edges:
        x = float(e["x0"])
        if e["orientation"] == "v" and x0 - 1 <= x <= x1 + 1 and float(e["bottom"]) > top and float(e["top"]) < bottom \
                and not any(abs(x - seen) <= 1 for seen in xs):
            xs.append(x)
    xs.sort()
    if len(xs) < 4:
        return None
    tall = max(sum(len(ln.segments) >= 3 for ln in text_lines(page.crop(_own_band(row), strict=False).chars, tol))
               for row in rows)
    if tall < (COLUMNS_ONLY_FEW if len(rows) == 1 else COLUMNS_ONLY_LINES):   # (a ruled row of wrapped cells has
        return None                                                           # one such line, two at most)
    return ruled_columns_table(page.crop(table.bbox, strict=False).chars, tol, list(zip(xs, xs[1:])))


def _own_band(row) -> tuple[float, float, float, float]:
    """A pdfplumber row's own height: down to its lowest cell's top edge below it, not the foot of a cell merged over
    the rows under it (counting those rows' lines in it took a ruled table for one ruled between its columns)."""
    x0, top, x1, bottom = (float(v) for v in row.bbox)
    return x0, top, x1, min((float(c[3]) for c in row.cells if c is not None), default=bottom)


def _aligned_table(t: AlignedTable, page_number: int) -> PageTable:
    """A table rebuilt from its text's alignment (readers/aligned.py) with what stitching needs (no ruled cells)."""
    return PageTable(t.rows, page_number, t.bbox, t.n_cols, max(t.heights[:2]), [], t.heights[:HEAD_ROWS + 2],
                     t.boxes, aligned=t)


TWO_UP_GUTTER = 0.02     # a blank band this share of the width, or wider, down the middle of a landscape page …
TWO_UP_MIDDLE = (0.4, 0.6)   # … between these shares of its width …
TWO_UP_FILL = 0.3        # … with text on the left running this share of the page's height or more, and text on
#                          the right (a last page may be short): two pages


def two_up(page) -> list:
    """A landscape page that holds two pages side by side (printed 2 pages per sheet, 每版打印 2 页; an open
    booklet's spread) as its left and right halves; else the page. Read as one, the halves' lines interleave by
    height and a table going on from the left half to the right one is cut in two; as pages, they are read left
    then right and stitched like pages. A table or a text across the middle leaves no blank band there."""
    width, height = float(page.width), float(page.height)
    if width <= height or not page.chars:
        return [page]
    x0, top, x1, bottom = (float(v) for v in page.bbox)
    lo, hi = x0 + TWO_UP_MIDDLE[0] * width, x0 + TWO_UP_MIDDLE[1] * width
    spans = sorted((float(o["x0"]), float(o["x1"])) for kind in ("chars", "rects", "lines", "curves", "images")
                   for o in getattr(page, kind) if float(o["x1"]) > lo and float(o["x0"]) < hi)
    gap, reach = None, lo                   # the widest stretch of the middle no object covers
    for a, b in spans + [(hi, hi)]:
        if a > reach and (gap is None or a - reach > gap[1] - gap[0]):
            gap = (reach, min(a, hi))
        reach = max(reach, b)
    if gap is None or gap[1] - gap[0] < TWO_UP_GUTTER * width:
        return [page]
    cut = (gap[0] + gap[1]) / 2
    left, right = page.crop((x0, top, cut, bottom)), page.crop((cut, top, x1, bottom))

    def tops(half) -> list[float]:
        return [float(c["top"]) for c in half.chars if (c.get("text") or "").strip()]
    on_left, on_right = tops(left), tops(right)
    two = on_left and on_right and max(on_left) - min(on_left) >= TWO_UP_FILL * height
    return [left, right] if two else [page]


def _paper(page) -> tuple[float, float]:
    """The top and foot of what the page shows: its own, or, where something is drawn beyond its top or foot, those
    of the widest white box (a `_blank_side`'s, at least half the page wide): a print that slices the document into
    pages (wkhtmltopdf) draws all of it on every page, paints the page's body white and clips the rest away."""
    top, bottom = float(page.bbox[1]), float(page.bbox[3])
    width = float(page.bbox[2] - page.bbox[0])
    bodies = [r for r in page.rects if _blank_side(r) and float(r["width"]) >= 0.5 * width]
    drawn = (*page.rects, *page.lines, *page.curves) if bodies else ()      # (most pages have no white body)
    if any(float(o["top"]) < top - EDGE_TOL or float(o["bottom"]) > bottom + EDGE_TOL for o in drawn):
        body = max(bodies, key=lambda r: float(r["width"]) * float(r["height"]))
        top, bottom = max(top, float(body["top"])), min(bottom, float(body["bottom"]))
    return top, bottom


def _on_paper(table, top: float, bottom: float):
    """The table's cells on the paper (between `top` and `bottom`, see `_paper`): wkhtmltopdf draws the whole
    document on every page and clips it to the page's body, so rows of the pages before and after were found as cells
    above its top and below its foot (another table's columns among them). Cells wholly beyond are left out, those
    crossing cut at the edge (open there); None when none is left. (Past the left or right edge: `_off_page`.)"""
    if table.bbox[1] >= top - EDGE_TOL and table.bbox[3] <= bottom + EDGE_TOL:
        return table
    from pdfplumber.table import Table as Found
    cells = [(c[0], max(c[1], top), c[2], min(c[3], bottom)) for c in table.cells
             if c[3] > top + EDGE_TOL and c[1] < bottom - EDGE_TOL]
    return Found(table.page, cells) if cells else None


def _off_page(bbox, page) -> bool:
    """A table's rulings run past the page's left or right edge (a web page wider than the paper printed unscaled,
    a Word table wider than the page): the columns out there were drawn but their text was not printed."""
    return float(bbox[2]) > float(page.bbox[2]) + EDGE_TOL or float(bbox[0]) < float(page.bbox[0]) - EDGE_TOL


def _each_alone(page, found: list, settings: dict) -> list:
    """A page's tables, each found again among its own rulings only.

    pdfplumber snaps rulings less than 3 pt (EDGE_TOL) apart into one across the whole page (by x alone for upright
    rulings), so two tables whose columns stand a few points apart moved each other's: a browser's print of a page
    of tables (each cell its own box, 2 px apart) had the next table's columns pull a continuing table's labels'
    column out from under its text (the 一级指标 labels lost). Each table is looked for again in its own box (7 pt
    more); where that finds nothing, the first finding stands."""
    out = []
    pad = 2 * EDGE_TOL + 1               # (its outer rulings as drawn: snapping may have moved them 3 pt in)
    for t in found:
        x0, top, x1, bottom = t.bbox
        box = (max(x0 - pad, page.bbox[0]), top - pad, min(x1 + pad, page.bbox[2]), bottom + pad)
        local = {k: [e for e in lines if float(e["x0"]) <= box[2] and float(e["x1"]) >= box[0]
                     and float(e["top"]) <= box[3] and float(e["bottom"]) >= box[1]]
                 for k, lines in settings.items()}
        local = {k: v for k, v in local.items() if v}
        region = page.crop(box, strict=False).filter(lambda o: not _blank_side(o))
        again = region.find_tables(local) if local else region.find_tables()
        out += [a for a in again if a.cells] or [t]
    return out


def _padded(bbox, page):
    x0, top, x1, bottom = bbox
    return (max(x0 - 1, page.bbox[0]), max(top - 1, page.bbox[1]),
            min(x1 + 1, page.bbox[2]), min(bottom + 1, page.bbox[3]))


# ------------------------------------------------------------------ rulings left open at a page break

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


def _blank_side(edge: dict) -> bool:
    """A side of a box filled white and not stroked (the page body's background wkhtmltopdf paints on every page):
    nothing shows there, so a row a page break cuts is open at the cut however pdfplumber finds its cells."""
    return (edge.get("object_type") in ("rect_edge", "rect") and bool(edge.get("fill")) and not edge.get("stroke")
            and (_lightness(edge.get("non_stroking_color")) or 0.0) >= BLANK_LIGHTNESS)


def _ruling_edges(page) -> list[dict]:
    """The page's drawn rulings as pdfplumber's table finder sees them: edges snapped and joined within EDGE_TOL (not
    a slanted curve segment's, nor a `_blank_side`)."""
    from pdfplumber.table import merge_edges
    from pdfplumber.utils import filter_edges

    upright = [e for e in page.edges if e.get("orientation") in ("h", "v") and not _blank_side(e)]
    return filter_edges(merge_edges(filter_edges(upright, min_length=1), EDGE_TOL, EDGE_TOL, EDGE_TOL, EDGE_TOL),
                        min_length=EDGE_TOL)


def _rulings(page, edges: list[dict] | None = None) -> tuple[Level, list[dict]]:
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
    closed: nothing is added. `edges`: the page's `_ruling_edges`, when the caller has them.
    """
    edges = _ruling_edges(page) if edges is None else edges
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


def _open_frame(edges: list[dict]) -> tuple[list[dict], list[dict]]:
    """The frame of a grid drawn without its outer border (Word's inside borders only): its rulings between rows
    run out free at the left and right, those between columns at the top and bottom, and pdfplumber, finding no
    cell beyond the last ruling, dropped the outer rows and columns (the labels' column, the deviation column: a
    wrong table read as `ok`). Where two or more rulings between rows end free on the same line left or right, and
    the rulings between columns reach no ruling at their top or bottom (merged cells leave few reaching it), the
    frame's missing sides are drawn there: (horizontal, vertical) lines to add (`edges`: the page's
    `_ruling_edges`)."""
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


def _crossed_texts(page, edges: list[dict], found) -> list[str]:
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


def _open_ends(edges: list[dict]) -> list[dict]:
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
            continue                          # a side drawn nowhere: an open frame's (`_open_frame`) or no grid's
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


def _page_table(table, page_number: int, y_tolerance: float = 3.0, ruled: Level | None = None,
                glyphs: list[dict] | None = None) -> PageTable | None:
    """A pdfplumber table as physical-cell rows: spans rebuilt from the cell rectangles.

    The cells of its first and last rows keep their geometry (CellGeom): where they sit, how
    far down their text runs (`glyphs`: the page's characters sorted by top), and whether a
    ruling is drawn along their outer edge (`ruled`: the page's horizontal rulings)."""
    texts = _turned_cells(table, table.extract(y_tolerance=y_tolerance), y_tolerance)
    tops = _lines([row.bbox[1] for row in table.rows])
    lefts = _lines([col.bbox[0] for col in table.columns])
    spans, boxes = [], []
    for i, row in enumerate(table.rows):
        for j, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            x0, top, x1, bottom = bbox
            r0, c0 = _index(tops, top), _index(lefts, x0)
            r1 = max(r0, _index(tops, bottom - 2 * EDGE_TOL))  # last row starting above the bottom
            c1 = max(c0, _index(lefts, x1 - 2 * EDGE_TOL))
            spans.append(Span(r0, r1, c0, c1, (texts[i][j] or "").strip()))
            boxes.append(tuple(float(v) for v in bbox))
    lines = [*tops, float(table.bbox[3])]
    spans, boxes, fill = _without_filler_rows(spans, boxes, [b - a for a, b in zip(lines, lines[1:])])
    rows = rows_from_spans(spans)
    if not rows or not any(cell for row in rows for cell in row):
        return None
    grid: list[list[tuple]] = [[] for _ in rows]         # boxes in rows_from_spans order (by c0, stable)
    for s, box in zip(spans, boxes):
        for r in range(s.r0, s.r1 + 1):
            grid[r].append((s.c0, box))
    cell_boxes = [[b for _, b in sorted(row, key=lambda t: t[0])] for row in grid]
    heights = [float(r.bbox[3] - r.bbox[1]) for i, r in enumerate(table.rows) if i not in fill][:HEAD_ROWS + 2]
    lead = max(heights[:2], default=0.0)
    cells = _edge_cells(spans, boxes, len(rows) - 1, ruled, glyphs) if ruled is not None else []
    left = float(table.bbox[0])
    merged = sorted({(round(b[0] - left, 1), round(b[2] - left, 1)) for s, b in zip(spans, boxes) if s.r1 > s.r0})
    return PageTable(rows, page_number, tuple(float(v) for v in table.bbox), len(lefts), lead, cells, heights,
                     cell_boxes, merged)


THIN_ROW = 7.0             # points: a grid row this thin holds no line of text (a 5 pt glyph and its padding)


def _filler_rows(spans: list[Span], heights: list[float] | None = None) -> set[int]:
    """Grid rows that are strips, not rows of the table: a browser prints a cell merged over rows that a page break
    cuts down to the page's foot under the last row that fit and from the next page's head over the first row there,
    and may end a merged cell's part a few points short of its last row (its rows' boxes stand apart): the strip
    beside such a part is a grid row of empty cells of its own, crossed by a cell merged over rows (or, at the
    table's head or foot, the table's own frame: one empty cell across it). A print that slices the page (wkhtmltopdf)
    draws the foot of the row above the break again at the next page's head: a row of empty cells thinner than
    THIN_ROW, no text could stand in (`heights`: the grid rows')."""
    last = max((s.r1 for s in spans), default=0)
    width = max((s.c1 for s in spans), default=0)
    out = set()
    for r in range(last + 1):
        alone = [s for s in spans if s.r0 == s.r1 == r]
        through = [s for s in spans if s.r0 <= r <= s.r1 and s.r0 != s.r1]
        if not alone or any(s.text for s in alone):
            continue
        frame = r in (0, last) and len(alone) == 1 and not through and alone[0].c0 == 0 and alone[0].c1 == width
        thin = heights is not None and r < len(heights) and heights[r] < THIN_ROW and not through
        if through or frame or thin:
            out.add(r)
    for s in spans:                  # a cell with text keeps its first row
        if s.text and all(r in out for r in range(s.r0, s.r1 + 1)):
            out.discard(s.r0)
    return out if len(out) <= last else set()


def _without_filler_rows(spans: list[Span], boxes: list[tuple],
                         heights: list[float] | None = None) -> tuple[list[Span], list[tuple], set[int]]:
    """The table without its `_filler_rows` (their own empty cells left out, a merged cell crossing one a row
    shorter), so that a merged cell cut by the page break ends in the last row (its open foot, among the closed
    ones beside it, tells the break); and which grid rows were left out."""
    fill = _filler_rows(spans, heights)
    if not fill:
        return spans, boxes, fill
    last = max(s.r1 for s in spans)
    new = {}
    for r in range(last + 1):
        if r not in fill:
            new[r] = len(new)
    out_s, out_b = [], []
    for s, b in zip(spans, boxes):
        rows = [new[r] for r in range(s.r0, s.r1 + 1) if r in new]
        if rows:
            out_s.append(Span(rows[0], rows[-1], s.c0, s.c1, s.text))
            out_b.append(b)
    return out_s, out_b, fill


def _turned_cells(table, texts: list[list[str | None]], y_tolerance: float) -> list[list[str | None]]:
    """Cells whose text is written upwards or in vertical columns, read in their order.

    pdfplumber reads every turned glyph top to bottom, lines left to right: right for text turned to read downwards
    (Word's 文字方向 tbRl), backwards for text turned to read upwards (btLr: `标指出产` for 产出指标). A glyph turned a
    quarter counter-clockwise (its matrix's b > 0) reads upwards; its cell is read again bottom to top. Chinese
    written vertically with upright glyphs (LibreOffice's tbRl) stands in columns read top to bottom, right to
    left; read by lines it came out `目 总 年` / `标 体 度` for 年度 / 总体 / 目标 (`_vertical_text`)."""
    from pdfplumber.utils import extract_text

    page_chars = table.page.chars
    upward = {id(c) for c in page_chars if not c.get("upright", True) and (c.get("matrix") or (0, 0))[1] > 0}
    stacked = [(i, j) for i, row in enumerate(texts) for j, t in enumerate(row)
               if t and HAN.search(t) and sum(1 for line in t.split("\n") if _SPACED.search(line)) >= 2]
    if not upward and not stacked:
        return texts

    def inside(box, chars):
        x0, top, x1, bottom = box
        return [c for c in chars if x0 <= (c["x0"] + c["x1"]) / 2 < x1 and top <= (c["top"] + c["bottom"]) / 2 < bottom]

    stacked_rows = {i for i, _ in stacked}
    for i, row in enumerate(table.rows):
        in_row = inside(row.bbox, page_chars) if upward or i in stacked_rows else []
        if not any(id(c) in upward for c in in_row) and i not in stacked_rows:
            continue
        for j, cell in enumerate(row.cells):
            if cell is None or texts[i][j] is None:
                continue
            chars = inside(cell, in_row)
            if any(id(c) in upward for c in chars):
                texts[i][j] = extract_text(chars, y_tolerance=y_tolerance, char_dir_rotated="btt", line_dir_rotated="ltr")
            elif (i, j) in stacked:
                texts[i][j] = _vertical_text(chars) or texts[i][j]
    return texts


_SPACED = re.compile(r"\S \S")          # two lines like this: glyphs of vertical columns read across
TOUCH = 0.15             # font sizes: glyphs this close (or overlapping) touch


def _vertical_text(chars: list[dict]) -> str | None:
    """Glyphs written in vertical columns, read column by column from the right, each top to bottom; None
    when they are not so written: every column of two glyphs or more stacks them touching, while no two glyphs
    side by side touch (horizontal lines set apart, 分散对齐, keep their glyphs in rows, not stacked)."""
    glyphs = [c for c in chars if (c.get("text") or "").strip()]
    # Chinese glyphs stand upright in a vertical column; Latin letters, digits and brackets among them are turned
    # to read downwards (matrix b < 0)
    if len(glyphs) < 4 or not all(c.get("upright", True) or (c.get("matrix") or (0, 0))[1] < 0 for c in glyphs):
        return None
    size = max(float(c.get("size") or 0) for c in glyphs) or 10.0
    columns: list[list[dict]] = []
    for c in sorted(glyphs, key=lambda c: (c["x0"] + c["x1"]) / 2):
        mid = (c["x0"] + c["x1"]) / 2
        if columns and abs(mid - (columns[-1][0]["x0"] + columns[-1][0]["x1"]) / 2) <= 0.3 * size:
            columns[-1].append(c)
        else:
            columns.append([c])
    if len(columns) < 2:
        return None
    for col in columns:
        col.sort(key=lambda c: c["top"])
        if any(b["top"] - a["bottom"] > TOUCH * size for a, b in zip(col, col[1:])):
            return None
    if max(len(col) for col in columns) < 2:
        return None
    for a, b in zip(columns, columns[1:]):          # side by side: a column gap, never touching
        if min(b_c["x0"] for b_c in b) - max(a_c["x1"] for a_c in a) <= TOUCH * size:
            return None
    return "\n".join("".join(c["text"] for c in col) for col in reversed(columns))


def _edge_cells(spans: list[Span], boxes: list[tuple], last: int, ruled: Level,
                glyphs: list[dict] | None) -> list[CellGeom]:
    """CellGeom of the cells starting in a table's first HEAD_ROWS rows (a continuation's first
    row may follow repeated header rows) or covering its last row; how far down the text runs
    is measured in the last row's cells only."""
    order: dict[int, list[int]] = {}     # row -> span indices covering it, in rows_from_spans order

    def index_in_row(k: int) -> int:
        r = spans[k].r0
        if r not in order:
            order[r] = sorted((i for i, s in enumerate(spans) if s.r0 <= r <= s.r1), key=lambda i: spans[i].c0)
        return order[r].index(k)

    tops = [g["top"] for g in glyphs or []]
    out, lines = [], []
    for k, (s, (x0, top, x1, bottom)) in enumerate(zip(spans, boxes)):
        if s.r0 >= HEAD_ROWS and s.r1 != last:
            continue
        cell = CellGeom(s.r0, s.r1, index_in_row(k), x0, x1, top, bottom, s.text,
                        open_top=not ruled.ruled(top, x0, x1))
        if s.r1 == last:
            inside = [g for g in (glyphs or [])[bisect.bisect_left(tops, top - EDGE_TOL):bisect.bisect_right(tops, bottom)]
                      if x0 <= (g["x0"] + g["x1"]) / 2 <= x1 and top <= (g["top"] + g["bottom"]) / 2 <= bottom]
            cell.open_bottom = not ruled.ruled(bottom, x0, x1)
            if inside:
                cell.text_bottom = max(float(g["bottom"]) for g in inside)
                cell.size = max(float(g.get("size") or 0) for g in inside)
                low = max(float(g["top"]) for g in inside) - 0.5 * max(cell.size, 1.0)
                line = sorted((g for g in inside if float(g["top"]) >= low), key=lambda g: g["x0"])
                above = [g for g in inside if float(g["top"]) < low]
                if above:                    # its lines' pitch: from the line above the last to the last (their
                    #                          lowest bottoms: a Latin glyph's box stands higher than a CJK one's)
                    prev_top = max(float(g["top"]) for g in above) - 0.5 * max(cell.size, 1.0)
                    cell.pitch = cell.text_bottom - max(float(g["bottom"]) for g in above
                                                        if float(g["top"]) >= prev_top)
                lines.append((cell, min(float(g["x0"]) for g in inside) - x0,
                              float(line[-1]["x1"]) - float(line[0]["x0"]), line[-1]["text"]))
        out.append(cell)
    # the cell padding: the smallest gap left of any text in the row (left-aligned or wrapped text)
    pad = min((gap for _, gap, _, _ in lines), default=0.0)
    for cell, _, width, end in lines:
        inner = cell.x1 - cell.x0 - 2 * max(0.0, min(pad, 0.25 * (cell.x1 - cell.x0)))
        breakable = not (end.isdigit() or end in ".,%")     # figures do not wrap inside a number
        cell.wrapped = breakable and width + WRAP_SLACK * max(cell.size, 1.0) + EDGE_TOL >= inner
    return out


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


def _continues(prev: PageTable, nxt: PageTable, body_bottom: float, h: int = 0) -> bool:
    """Same table across a page break: the first fragment stopped because the next row did not
    fit (little room left under it; the next row follows `h` repeated header rows), and both
    have the same outer edges or grid columns. body_bottom: the lowest content edge on pages
    of prev's size (the bottom margin)."""
    no_room = body_bottom - prev.bbox[3] <= nxt.lead(h) + 2 * EDGE_TOL
    same_edges = abs(prev.bbox[0] - nxt.bbox[0]) <= 2 * EDGE_TOL and abs(prev.bbox[2] - nxt.bbox[2]) <= 2 * EDGE_TOL
    return no_room and (same_edges or prev.n_cols == nxt.n_cols)


def _on_grid_of(prev: PageTable, nxt: PageTable, body_bottom: float) -> PageTable:
    """A page's few first lines read on their own columns (aligned `loose`: a table of other columns under them) put
    in the columns of the table they go on with from the page before, when they do (`_continues`)."""
    if nxt.aligned is None or not nxt.aligned.loose or prev.aligned is None:
        return nxt
    again = regrid(nxt.aligned, prev.aligned)
    moved = _aligned_table(again, nxt.page) if again is not None else None
    return moved if moved is not None and _continues(prev, moved, body_bottom) else nxt


def stitch(pages: list[PageContent]) -> list:
    """Blocks in order; a table that ends its page and one that starts the next are joined:
    header rows repeated on the new page dropped, a row broken across the page break made one
    row again (see `_broken_row`)."""
    running = running_lines(pages)
    bodies = [[k for k, (top, _, item) in enumerate(page.items) if not _is_furniture(top, item, page.height, running)]
              for page in pages]
    bodies = _without_print_titles(pages, bodies)
    for i in range(len(pages) - 1):
        bodies[i + 1] = _without_clipped_head(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
        # (a line under the table that the next page's first row holds is a clipped copy before it is an overflow)
        bodies[i] = _without_clipped_label(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
        bodies[i] = _with_overflow(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
    bottoms: dict[int, float] = {}   # per page size (portrait/landscape): the body's bottom margin
    for page, body in zip(pages, bodies):
        low = max((page.items[k][1] for k in body), default=0.0)
        bottoms[round(page.height)] = max(bottoms.get(round(page.height), 0.0), low)
    blocks: list = []
    open_table: Table | None = None     # the last table, if it was the last thing on its page
    open_geom: PageTable | None = None
    open_last: list[tuple[CellGeom, Loc | None]] = []   # its last row's cells and where their text is
    open_cut = False                    # that last row is itself the rest of a row cut by a page break
    prev_height = 0
    for page, body in zip(pages, bodies):
        for k, (top, _, item) in enumerate(page.items):
            if isinstance(item, _Clipped):
                continue
            if isinstance(item, PageTable) and body and k == body[0] and open_geom is not None:
                item = _on_grid_of(open_geom, item, bottoms.get(prev_height, 0.0))
            if not isinstance(item, PageTable):
                blocks.append(item)
            elif body and k == body[0] and open_table is not None and _continues(
                    open_geom, item, bottoms.get(prev_height, 0.0), repeated_header(open_table.rows, item.rows)):
                open_last, open_cut = _extend(open_table, open_geom, open_last, open_cut, item,
                                              bottoms.get(prev_height, 0.0))
                open_geom = item
            else:
                open_table = Table([list(r) for r in item.rows], page=item.page, pages=[item.page] * len(item.rows),
                                   bboxes=[list(b) for b in item.boxes] if item.boxes else None)
                open_geom = item
                open_last, open_cut = _last_cells(item, 0, 0, {}), False
                blocks.append(open_table)
        if not body or not isinstance(page.items[body[-1]][2], PageTable):
            open_table = open_geom = None
            open_last, open_cut = [], False
        prev_height = round(page.height)
    return blocks


@dataclass
class _Clipped:
    """A merged label's text printed under its table's last ruled row (`_without_clipped_label`): not read there."""
    text: str


def _with_overflow(page: PageContent, body: list[int], nxt: PageContent, nxt_body: list[int]) -> list[int]:
    """The lines under the page's last table that `_overflow` found inside a cell open at its foot, when they end
    the page and a table starts the next (the rows the cell is merged over went on there): read in that cell, the
    table reaching down to them; `body` without them. Elsewhere they stay paragraphs."""
    tables = [k for k in body if isinstance(page.items[k][2], PageTable)]
    if not tables or not nxt_body or not isinstance(nxt.items[nxt_body[0]][2], PageTable):
        return body
    k = tables[-1]
    table = page.items[k][2]
    tail = [j for j in body if j > k]
    mine = {id(para): cell for cell, para in table.overflow}
    if not tail or not all(id(page.items[j][2]) in mine for j in tail):
        return body
    for j in tail:
        para = page.items[j][2]
        cell = mine[id(para)]
        cell.text = f"{cell.text}\n{para.text}" if cell.text else para.text
        cell.text_bottom = max(cell.text_bottom or 0.0, para.bbox[3])
        table.rows[cell.r0][cell.idx] = cell.text
    return _read_elsewhere(page, body, tail, table)


def _without_clipped_label(page: PageContent, body: list[int], nxt: PageContent, nxt_body: list[int]) -> list[int]:
    """A label merged over rows that run on over the page break, its cell open at the page's foot (a worksheet's
    print), is drawn where its centre falls: under the table's last ruled row, a line of its own that kept the
    table from ending its page, and again in the next page's first row. That line is left out (the next page
    has its text) and the table reaches down to it; `body` without it."""
    tables = [k for k in body if isinstance(page.items[k][2], PageTable)]
    if not tables or not nxt_body or not isinstance(nxt.items[nxt_body[0]][2], PageTable):
        return body
    k, head = tables[-1], nxt.items[nxt_body[0]][2]
    tail = [j for j in body if j > k]
    first_row = _label_shapes(head.rows[0]) if head.rows else set()
    if not tail or not _label_lines(page, tail, first_row):
        return body
    return _read_elsewhere(page, body, tail, page.items[k][2])


def _head(page: PageContent, body: list[int]) -> list[int]:
    """The page's lines of text before its first table (all of `body` where it has none)."""
    out = []
    for k in body:
        if isinstance(page.items[k][2], PageTable):
            break
        out.append(k)
    return out


def _opening(page: PageContent, k: int) -> str:
    """The shape of the first cell of the table at item k (how it starts)."""
    rows = page.items[k][2].rows
    return _shape(next((c for c in rows[0] if c.strip()), "")) if rows else ""


def _without_print_titles(pages: list[PageContent], bodies: list[list[int]]) -> list[list[int]]:
    """A worksheet printed with 打印标题 (print titles: its title rows repeated at the head of every page) has them,
    on the pages after the first, above the rest of a table that ran over the break, where they kept it apart. The
    lines before a page's first table that are the first page's first lines, at the same heights, are not the body
    (they stay in the text, as running headers do) when that table does not start as the first page's does (项目名称
    | …: a new project's table under its own title, which a document with a project a page repeats as well)."""
    if not pages or not bodies:
        return bodies
    head0 = _head(pages[0], bodies[0])
    first = [(_shape(pages[0].items[k][2].text), pages[0].items[k][0]) for k in head0
             if isinstance(pages[0].items[k][2], Paragraph)]
    opening = _opening(pages[0], bodies[0][len(head0)]) if len(head0) < len(bodies[0]) else None
    out = [bodies[0]]
    for page, body in zip(pages[1:], bodies[1:]):
        head = _head(page, body)
        same = 0                         # the head's first lines that are the first page's, at the same heights
        for k, (text, top) in zip(head, first):
            if not (isinstance(page.items[k][2], Paragraph) and _shape(page.items[k][2].text) == text
                    and abs(page.items[k][0] - top) <= EDGE_TOL):
                break
            same += 1
        if not same or len(head) == len(body) or _opening(page, body[len(head)]) == opening:
            out.append(body)
        else:
            out.append(body[same:])
    return out


def _without_clipped_head(prev: PageContent, prev_body: list[int], page: PageContent, body: list[int]) -> list[int]:
    """The other half of `_without_clipped_label`: a label merged over rows that run on over the page break, whose
    centre fell above the break, is drawn again by a worksheet's print (LibreOffice Calc), clipped, over the next
    page's first table (where the cell's centre puts it, in the top margin or over the page's edge): a line of its own
    that kept that table from going on with the page before. Such lines before the table, each the text of a cell of
    the page before's last table open at its foot (that cell has its text), are left out; `body` without them."""
    tables = [k for k in prev_body if isinstance(prev.items[k][2], PageTable)]
    head = _head(page, body)
    if not tables or len(head) == len(body):
        return body
    last = prev.items[tables[-1]][2]
    end = len(last.rows) - 1
    open_texts = _label_shapes([c.text for c in last.cells if c.r1 == end and c.open_bottom])
    if not head or not _label_lines(page, head, open_texts):
        return body
    return _read_elsewhere(page, body, head)


def _read_elsewhere(page: PageContent, body: list[int], lines: list[int], table: PageTable | None = None) -> list[int]:
    """`body` without the page's `lines`, which are no lines of their own (`_Clipped`: a cell holds their text);
    `table`, whose last row's cell it is, reaching down to them."""
    for j in lines:
        top, bottom, item = page.items[j]
        page.items[j] = (top, bottom, _Clipped(item.text))
    if table is not None:
        table.bbox = (*table.bbox[:3], max(page.items[j][1] for j in lines))
    return [j for j in body if j not in lines]


def _label_shapes(texts: list[str]) -> set[str]:
    """The shapes of cells' texts and of each of their lines (a label of three lines cut after its second: 年度 | 总体
    above the break, 目标 under it, each part's copy a line on the other page)."""
    return {_shape(t) for text in texts if text.strip() for t in (text, *text.splitlines()) if t.strip()}


def _label_lines(page: PageContent, lines: list[int], labels: set[str]) -> bool:
    """The page's items `lines` are lines of text, each a label of `labels` (shapes) or all of them one together (a
    label of two lines: 项目资金 | (元))."""
    items = [page.items[j][2] for j in lines]
    if not all(isinstance(item, Paragraph) for item in items):
        return False
    return all(_shape(item.text) in labels for item in items) or _shape("".join(i.text for i in items)) in labels


Loc = tuple[int, int]     # a cell's text in a stitched table: (row, index in the row)


def _extend(table: Table, prev: PageTable, prev_last: list, prev_cut: bool, nxt: PageTable,
            body_bottom: float) -> tuple[list, bool]:
    """Append page table `nxt` to `table` (whose last fragment is `prev`); return the cells of
    the table's new last row with their locations, and whether that row is the rest of a cut
    row (nxt held nothing else: a row running over three pages or more)."""
    h = repeated_header(table.rows, nxt.rows)
    if prev.aligned is not None and nxt.aligned is not None:     # no cells to join by: the text's rows' ends
        return _extend_aligned(table, prev.aligned, nxt, h)
    pairs = _broken_row(prev, prev_last, nxt, h, body_bottom, prev_cut)
    joined: dict[tuple[int, int], Loc] = {}
    start = h
    if pairs is None:
        body = 0 if prev.page == table.page else repeated_header(table.rows, prev.rows)   # prev's first own row
        for (r, i), b, drawn_on in _label_on_next_page(prev, prev_last, nxt, h, body):
            table.rows[r][i] = b.text
            if drawn_on:                 # one merged cell drawn on over the break, one label: not again below
                nxt.rows[b.r0][b.idx], b.text = "", ""
        moved = _merged_over_break(prev, prev_last, nxt, h)
        for (r, i), b in moved:
            if WS.sub("", b.text) != WS.sub("", table.rows[r][i]):   # (a worksheet's print draws it whole in both)
                table.rows[r][i] = f"{table.rows[r][i]}\n{b.text}"
            nxt.rows[b.r0][b.idx], b.text = "", ""
        if h < len(nxt.rows) - 1 and not any(c.strip() for c in nxt.rows[h]):
            start = h + 1                # an empty rest (a cut row's, whose text all stayed above; a merged cell's
            #                              whose text went up): no row of its own
    else:
        for loc, cell in pairs:
            if loc is None:
                continue
            r, i = loc
            if cell.text:
                table.rows[r][i] = f"{table.rows[r][i]}\n{cell.text}" if table.rows[r][i] else cell.text
            joined[(cell.r0, cell.idx)] = (r, i)
        start = h + 1
    offset = len(table.rows) - start
    _append_rows(table, nxt, start)
    return _last_cells(nxt, offset, start, joined), pairs is not None and start == len(nxt.rows)


def _append_rows(table: Table, nxt: PageTable, start: int) -> None:
    """The rows of page table `nxt` from `start` on appended to `table`, with their page and cell boxes."""
    table.rows.extend(list(row) for row in nxt.rows[start:])
    if table.pages is not None:
        table.pages.extend([nxt.page] * (len(nxt.rows) - start))
    if table.bboxes is not None:
        table.bboxes.extend(list(b) for b in (nxt.boxes[start:] if nxt.boxes else [[]] * (len(nxt.rows) - start)))


def _extend_aligned(table: Table, prev: AlignedTable, nxt: PageTable, h: int) -> tuple[list, bool]:
    """`_extend` for tables rebuilt from alignment: the next page's first row goes into the last row when its first
    line goes on with that row's cells (aligned.continues), cell by cell."""
    start = h
    if not h and continues(prev, nxt.aligned):
        last = table.rows[-1]
        for c, text in enumerate(nxt.rows[0]):
            if text and c < len(last):
                last[c] = f"{last[c]}\n{text}" if last[c] else text
        start = 1
    _append_rows(table, nxt, start)
    return [], False


def _last_cells(t: PageTable, offset: int, start: int, joined: dict) -> list[tuple[CellGeom, Loc | None]]:
    """The cells of t's last row, each with where its text now sits in the stitched table:
    rows from `start` on were appended at `offset`; the row before, if joined, went into
    the cells `joined` names; a cell starting in a dropped header row has no place (None)."""
    last = len(t.rows) - 1
    out = []
    for c in t.cells:
        if c.r1 == last:
            out.append((c, (offset + c.r0, c.idx) if c.r0 >= start else joined.get((c.r0, c.idx))))
    return out


def _edges(c: CellGeom, t: PageTable) -> tuple[float, float]:
    """A cell's left and right edges measured from its table's left edge (a landscape page may place
    the table elsewhere)."""
    return c.x0 - t.bbox[0], c.x1 - t.bbox[0]


def _same_edges(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= 2 * EDGE_TOL and abs(a[1] - b[1]) <= 2 * EDGE_TOL


def _label_on_next_page(prev: PageTable, prev_last: list, nxt: PageTable, h: int,
                        body: int) -> list[tuple[Loc, CellGeom, bool]]:
    """Group labels printed on the next page: a cell merged over rows (一级/二级指标) that starts at the
    foot of a page and goes on over the break is drawn in two parts, and its text, centred, may fall
    in the lower part only. The upper part is then an empty cell covering the last row, starting
    below the page's first own row `body` (one starting there may go on from the page before), in a
    column that holds cells merged over rows, under which the next page's first row (after repeated
    headers) starts a cell with the same edges and text: the upper part gets that text, so the rows
    on the first page are read in their group. A column right of such a cell is a group inside that
    group (二级 inside 一级): its empty cell at the break with a label under it is the same split, even
    where no other cell of that column spans rows. (Locations in the stitched table, the lower part's
    cell, and whether the upper part is drawn open at the break: then they are one cell, and the label
    moves up rather than being copied, so the next page's first row is read in the same group, not as a
    new one; LibreOffice closes every cell at a break, and an empty header cell there keeps a copy only.)"""
    if not any(a.text for a, _ in prev_last):
        return []
    below = [c for c in nxt.cells if c.r0 == h and c.text]
    out = []
    outer_right = None          # the right edge of the last cell given its label: the group this one is inside
    told = _cut_told(prev_last)
    for a, loc in prev_last:
        if a.text or loc is None or a.r0 <= body or (told and not a.open_bottom):
            continue
        edges = _edges(a, prev)
        inner = outer_right is not None and abs(edges[0] - outer_right) <= EDGE_TOL
        if not inner and not any(_same_edges(edges, m) for m in (*prev.merged, *nxt.merged)):
            continue
        b = next((c for c in below if _same_edges(edges, _edges(c, nxt))), None)
        if b is not None:
            out.append((loc, b, a.open_bottom))
            outer_right = edges[1]
    return out


def _cut_told(prev_last: list) -> bool:
    """The page break's rulings tell the cells going on from those that end: a browser closes the cells of the row
    before the break and leaves open only a cell merged over rows beyond it (Word leaves all open, LibreOffice
    closes all)."""
    return len({a.open_bottom for a, _ in prev_last}) == 2


def _merged_over_break(prev: PageTable, prev_last: list, nxt: PageTable, h: int) -> list[tuple[Loc, CellGeom]]:
    """A cell merged over rows on both sides of the break with text in both parts (a browser prints 项目资金 above
    the break and （万元） under it): where the rulings tell it (`_cut_told`), an open cell holding text over a cell of
    the same edges starting the next page's first row with text; where they do not (LibreOffice closes all), a cell
    merged over rows on the page before whose rest is the only text of the next page's first row (年度总体 | 目标).
    (Where the upper part's text is, with the lower part, whose text goes there.)"""
    below = [c for c in nxt.cells if c.r0 == h and c.text]
    told = _cut_told(prev_last)
    if not told and len(below) != 1:
        return []
    out = []
    for a, loc in prev_last:
        if a.text and loc is not None and (a.open_bottom if told else a.r0 < a.r1):
            b = next((c for c in below if _same_edges(_edges(a, prev), _edges(c, nxt))), None)
            if b is not None:
                out.append((loc, b))
    return out


def _unit_of(figure: str, rest: str) -> bool:
    """`rest` is the unit a figure's cell wrapped onto its next line (≤410.62 | 万元): a figure, then text without one."""
    return bool(figure) and figure[-1].isdigit() and not HAS_DIGIT.search(rest)


def repeated_header(rows: list[list[str]], nxt: list[list[str]]) -> int:
    """How many of the next page's first rows repeat the table's first rows (Word's 重复标题行)."""
    h = 0
    while h < min(len(rows), len(nxt)) and nxt[h] == rows[h] and any(c.strip() for c in rows[0]):
        h += 1
    return h


def _broken_row(prev: PageTable, prev_last: list, nxt: PageTable, h: int, body_bottom: float,
                prev_cut: bool = False) -> list | None:
    """Whether row `h` of `nxt` (the first after any repeated header rows) is the rest of the row
    that ends `prev`, cut by the page break; if so, each of its cells with the stitched table's
    cell it continues (a list of (Loc, CellGeom)), else None.

    Both rows must have the same cells (the same column edges, measured from the table's left
    edge: a landscape page may place the table elsewhere), and the continuation's text must
    sit under cells whose text ran to the foot of the page (full), or whose last line filled their width (wrapped:
    a cell centred vertically, as LibreOffice sets a web page's cells, leaves room under its part's text), or that
    ended in a figure whose unit it is (`_unit_of`), or that were empty there; a figure under a header word or a
    label (SHORT_CELL characters at most) is a new row's.
    Then:
    - drawn open (Word): no ruling under the previous row's cells, nor over the continuation's
      (a repeated header row above it draws one);
    - drawn closed (LibreOffice draws a ruling at both sides of the cut, just as between two
      rows): the previous table reached the page's foot (within two text lines), the
      continuation has text, some cell the previous row starts (not one merged from above)
      has text while its continuation is empty (it finished on page N: a new row fills its
      own cells, its 分值 and 得分); and the first of those cells, the row's label, either was
      cut mid-paragraph (its last line fills the cell's width and ends in a character text can
      break after, not a figure) and goes on, or finished, and then every continued cell
      continues text, not a figure (a figure never runs on) nor an empty cell. A new row whose
      first cells are empty because they are vertically merged from above fills its own
      label under a label that ended short, or its figures under figures: it stays a row.
    - the previous row is itself the rest of a cut row, alone on its page (`prev_cut`): its
      cells that finished did so on the page before; reaching the foot again, it runs on.
    Where the break's rulings tell the cells going on from those that end (`_cut_told`: a browser, which moves a
    row that does not fit to the next page whole), the row ended. Two rows cut by the page break that no ruling
    tells apart stay ambiguous: a new row with
    text only under cells whose text reached the page's foot, none of them figures, the
    previous row's label empty in it, is joined.
    """
    if not prev_last or not nxt.cells or _cut_told(prev_last):    # rulings that tell: the closed cells ended
        return None
    below = sorted((c for c in nxt.cells if c.r0 <= h <= c.r1), key=lambda c: c.x0)
    above = sorted(prev_last, key=lambda t: t[0].x0)
    if not below or len(below) != len(above) or any(c.r0 != h for c in below):
        return None
    if not all(_same_edges(_edges(a, prev), _edges(b, nxt)) for (a, _), b in zip(above, below)):
        return None
    pairs = [(a, loc, b) for (a, loc), b in zip(above, below)]
    if any(b.text and (loc is None or (a.text and not (a.full or a.wrapped or _unit_of(a.text, b.text)))
                       or (_FIGURE.fullmatch(b.text) and 0 < len(WS.sub("", a.text)) <= SHORT_CELL))
           # (a figure goes on no header word or label: a new row's; a long text may end on the next page in a figure)
           for a, loc, b in pairs):
        return None
    drawn_open = all(a.open_bottom for a, _, _ in pairs) and (h > 0 or all(b.open_top for _, _, b in pairs))
    if not drawn_open:
        size = max((a.size for a, _, _ in pairs), default=0.0) or 10.0
        at_foot = body_bottom - prev.bbox[3] <= 2 * size + 2 * EDGE_TOL
        if prev_cut:
            return [(loc, b) for _, loc, b in pairs] if at_foot and any(b.text for _, _, b in pairs) else None
        last = len(prev.rows) - 1
        own = [(a, b) for a, _, b in pairs if a.text and a.r0 == last]   # cells the cut row starts
        finished = any(not b.text for _, b in own)
        if not (at_foot and finished and any(b.text for _, _, b in pairs)):
            return None
        label_above, label_below = own[0]
        if label_below.text:           # the label goes on: only if it was cut mid-paragraph
            if not label_above.wrapped:
                return None
        elif any(b.text and (not a.text or (_FIGURE.fullmatch(a.text) and HAS_DIGIT.search(b.text))) for a, _, b in pairs):
            return None                # text under an empty cell, a figure under a figure: a new row's own cells
            #                            (a figure's unit, 万元, goes on under it)
    return [(loc, b) for _, loc, b in pairs]
