"""PDF reader (pdfplumber): ruled tables with merged cells read once, text lines around them,
tables continued on the next page stitched; pages without a usable text layer (scans, searchable scans, text in
outlines, garbled glyphs) OCR'd when the [ocr] extra is there, else refused like encryption; a filled form's
fields and typewriter notes drawn into their pages first (readers/pdfforms.py); glyphs a printer driver overprinted
to fake bold (项项目目) read once (`without_overprint`); a watermark across the page (内部资料, slanted or large and pale)
left out of the cells it crosses (`without_watermark`); text a white or black box drawn over it hides (a correction,
a redaction), text struck through (删除线, `without_struck`) and white text on no shaded ground (`without_white`) not
read and named; text a clipping path hides whole (a worksheet's copies of a label merged over a page break) not read
(`without_clipped`, readers/pdfclip.py).

Stitching (readers/pdfstitch.py, `stitch`): a table that ends its page continues in one that starts the next
(a landscape or /Rotate 90 page included: geometry is compared per page size and from each
table's own left edge); header rows repeated on the new page are dropped, however many; a row
broken across the page break (Word/LibreOffice "allow row to break across pages") is joined
back into one row, each cell's text continued in its cell (`_broken_row` says how it is told
from a new row whose merged label cells are empty); a group label (一级/二级指标) merged over the
break and printed in its lower part only labels the rows above the break too (`_label_on_next_page`);
a row Word draws open at the cut gets its missing rulings (readers/pdfrulings.py) so that its cells are found at all.

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
from io import BytesIO
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError
from evalkit.readers.aligned import AlignedTable, aligned_tables, ruled_columns_table, text_lines
from evalkit.readers.pdfbands import bands_note, column_bands, from_spreadsheet, join_failed, joined, original_places
from evalkit.readers.pdfcells import page_table
from evalkit.readers.pdfclean import (without_clipped, without_covered, without_overprint, without_struck,
                                      without_watermark, without_white)
from evalkit.readers.pdfclip import NONE, ClipReader
from evalkit.readers.pdfforms import filled_pages, flattened
from evalkit.readers.pdfpage import EDGE_TOL, CellGeom, PageContent, PageTable, aligned_page_table
from evalkit.readers.pdfrulings import (MAX_RULINGS, blank_side, crossed_texts, open_ends, open_frame, ruling_edges,
                                        rulings)
from evalkit.readers.pdfstitch import stitch
from evalkit.readers.pdfstreams import decoded_budget, install_limits, raise_swallowed, start_page
from evalkit.readers.safety import check_file_size, limits, reason
from evalkit.readers.symbols import pdf_glyphs

log = logging.getLogger(__name__)

GARBLED_SHARE = 0.3      # above this share of unmapped glyphs the text layer is unusable
_CID = re.compile(r"\(cid:\d+\)")


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
                raise_swallowed()
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
    """Texts a table's row ruling runs through (`crossed_texts`): which row's they are is a guess, said (partial)."""
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
    edges = ruling_edges(page)
    ruled, closing = rulings(page, edges)
    across, upright = open_frame(edges)
    upright = upright + open_ends(edges)
    settings = ({"explicit_horizontal_lines": closing + across} if closing or across else {}) | \
        ({"explicit_vertical_lines": upright} if upright else {})
    found = page.find_tables(settings) if settings else page.find_tables()
    content.cut_off = any(_off_page(t.bbox, page) for t in found)
    content.crossed = crossed_texts(page, edges, found) if not aligned else []   # (a worksheet's print: rows of
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
            tables.append(aligned_page_table(rebuilt, page.page_number))
            content.aligned = True
        elif (pt := page_table(t, page.page_number, tol, ruled, glyphs)) is not None:
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
            tables = [aligned_page_table(t, page.page_number) for t in found]
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
    of the widest white box (a `blank_side`'s, at least half the page wide): a print that slices the document into
    pages (wkhtmltopdf) draws all of it on every page, paints the page's body white and clips the rest away."""
    top, bottom = float(page.bbox[1]), float(page.bbox[3])
    width = float(page.bbox[2] - page.bbox[0])
    bodies = [r for r in page.rects if blank_side(r) and float(r["width"]) >= 0.5 * width]
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
        region = page.crop(box, strict=False).filter(lambda o: not blank_side(o))
        again = region.find_tables(local) if local else region.find_tables()
        out += [a for a in again if a.cells] or [t]
    return out


def _padded(bbox, page):
    x0, top, x1, bottom = bbox
    return (max(x0 - 1, page.bbox[0]), max(top - 1, page.bbox[1]),
            min(x1 + 1, page.bbox[2]), min(bottom + 1, page.bbox[3]))
