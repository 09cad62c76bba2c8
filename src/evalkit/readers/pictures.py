"""Pictures of whole pages inside another document (a scan pasted into Word, a saved web page whose table is an
image): which pictures are pages, and the document with them read by OCR (readers/ocr.py, the [ocr] extra)."""
from __future__ import annotations

import dataclasses
import importlib.util
import io

from evalkit.model import Document

PAGE_PICTURE_SIDE = 1000    # px: a picture this long on its longer side may be a scanned page (a logo, a seal is not)
VECTOR_FORMATS = ("WMF", "EMF")   # Windows metafiles: drawn, not scanned (PIL sizes them but cannot draw them here)
METAFILE_TYPES = ("image/x-emf", "image/x-wmf", "image/emf", "image/wmf")   # their content types in a package
CAPTION_CHARS = 300         # text beside the pictures of a scanned report: a title, 附件 — a prose report says more


def holds_pictures_only(doc: Document) -> bool:
    """No table and hardly any text (a title, a caption): what the document says may be in its pictures. A
    prose self-evaluation with site photos, or any table in the text, is read as the text it is (no OCR)."""
    from evalkit.model import Table
    if any(isinstance(b, Table) for b in doc.blocks):
        return False
    return sum(len("".join(b.text.split())) for b in doc.blocks) < CAPTION_CHARS


def metafiles(pictures: list[tuple]) -> list[tuple]:
    """The (name, bytes[, …]) pictures that are Windows metafiles (EMF, WMF), in their order: drawn, not scanned."""
    from PIL import Image
    out = []
    for picture in pictures:
        try:
            with Image.open(io.BytesIO(picture[1])) as im:
                if im.format in VECTOR_FORMATS:
                    out.append(picture)
        except Exception:  # noqa: BLE001  (not a picture PIL can identify)
            continue
    return out


def settled(doc: Document) -> Document:
    """A document read from a temporary copy (LibreOffice's, a decrypted one) with its pictures taken now, while the
    copy is there: `more_pictures` reads them later, after the copy is gone."""
    if doc.more_pictures is not None:
        pictures = doc.more_pictures()
        doc.more_pictures = (lambda: pictures) if pictures else None
    if doc.drawings is not None:
        drawings = doc.drawings()
        doc.drawings = (lambda: drawings) if drawings else None
    return doc


def page_sized(pictures: list[tuple]) -> list[tuple]:
    """The (name, bytes[, page]) pictures large enough to be a page, in their order; one PIL cannot size is left
    out."""
    from PIL import Image
    out = []
    for picture in pictures:
        name, data = picture[:2]
        try:
            with Image.open(io.BytesIO(data)) as im:
                if im.format in VECTOR_FORMATS:
                    continue           # a drawing (a chart, a table LibreOffice saved as a metafile), not a scan
                big = max(im.size) >= PAGE_PICTURE_SIDE
        except Image.DecompressionBombError:
            big = True         # kept: the OCR reader refuses it with the pixel limit's message, as a scan's
        except Exception:  # noqa: BLE001  (a picture PIL cannot even size: not a page to read)
            continue
        if big:
            out.append(picture)
    return out

NEEDS_OCR = "需要 OCR 组件（pip install 'evalkit[ocr]' 或 make setup）"


def ocr_reader():
    """The OCR reader module, or None when the [ocr] extra (its engine) is not installed: the one check, for
    pictures in documents and for a PDF's pages (pdf._ocr)."""
    try:
        from evalkit.readers import ocr
    except ImportError:
        return None
    return ocr if importlib.util.find_spec("rapidocr_onnxruntime") is not None else None


def with_pages_read(doc: Document, pictures: list[tuple]) -> Document:
    """The document with what OCR reads on the page pictures after its own blocks: (name, bytes) pictures are
    numbered as pages in their order (a Word document has no pages), (name, bytes, page) ones stand on the page
    given (a deck's slide), its blocks in page order; without the OCR reader, the document alone with a warning
    that says what is missing."""
    ocr = ocr_reader()
    if ocr is None:
        doc.warnings.append(f"文档中没有文字表格，只有 {len(pictures)} 张整页图片（多为扫描件），读取它们{NEEDS_OCR}")
        return doc
    read = ocr.ocr_pictures(doc.source, doc.format, pictures)
    blocks = doc.blocks + read.blocks
    notes = list(doc.notes)
    if doc.pages:                             # a paged document: the pictures' text where their pages stand
        blocks.sort(key=lambda b: b.page or 0)
    else:                                     # a Word document, a web page, a workbook: no pages of its own
        notes.append(f"文档中的 {len(pictures)} 张整页图片由 OCR 识别，位置中的“第 N 页”指文档中第 N 张这样的图片"
                     + ("（长图按页切开，每段一页）" if read.pages and read.pages > len(pictures) else ""))
    return dataclasses.replace(doc, blocks=blocks, pages=doc.pages or read.pages, ocr_pages=read.ocr_pages,
                               warnings=doc.warnings + read.warnings, notes=notes)


def may_read_more(doc: Document) -> bool:
    """Whether the document has another reading for when its text gives nothing (when_text_gives_nothing)."""
    return (doc.more_pictures is not None or bool(doc.more_pages) or doc.in_text_boxes or doc.tab_rows
            or doc.drawings is not None)


def when_text_gives_nothing(doc: Document, found: bool, gives=None) -> Document:
    """The document read another way when its text gave nothing (`found` false: no table, summary or stated result
    recognized): its tab-separated rows as tables, its text boxes laid out, its captioned PDF pages or its page-sized
    pictures by OCR, its metafiles drawn; each in that order, the first that `gives(document)` says gives something
    (without `gives`, the first there is); else the last one read (what OCR made of photos says so), or the document
    as it is with what the tries said (a reader missing). Called by ingest and inspect after recognition: a reader
    cannot tell a cover letter from a report."""
    if found:
        return doc
    last = doc
    for reading in (_tabbed, _laid_out, _captioned, _pictured, _drawn):
        other = reading(doc)
        if other is None or other is doc:        # none of that kind, or it could not be read (its warning is on doc)
            continue
        if gives is None or gives(other):
            return other
        last = other
    if last is not doc:
        last.warnings += [w for w in doc.warnings if w not in last.warnings]   # what the other tries said
    return last


def _tabbed(doc: Document) -> Document | None:
    if not doc.tab_rows:
        return None
    from evalkit.readers.text import tab_tables
    doc.tab_rows = False
    return tab_tables(doc)


def _laid_out(doc: Document) -> Document | None:
    if not doc.in_text_boxes:
        return None
    from evalkit.readers.office import laid_out
    doc.in_text_boxes = False
    return laid_out(doc)


def _captioned(doc: Document) -> Document | None:
    return _pages_read(doc) if doc.more_pages else None


def _pictured(doc: Document) -> Document | None:
    if doc.more_pictures is None:
        return None
    pictures = [p for p in doc.more_pictures() if looks_like_paper(p[1])]
    doc.more_pictures = None
    return with_pages_read(doc, pictures) if pictures else doc


def _drawn(doc: Document) -> Document | None:
    """Metafiles: a table copied from Excel as a picture, its text drawn text."""
    if doc.drawings is None:
        return None
    drawings, doc.drawings = doc.drawings(), None
    if not drawings:
        return doc
    from evalkit.readers.office import drawings_read
    return drawings_read(doc, drawings)


def _pages_read(doc: Document) -> Document:
    """A PDF with its captioned picture pages (Document.more_pages) OCR'd as scanned pages: their lines of text
    give way to what OCR reads on the whole page (the caption included), in page order; without OCR a warning."""
    pages, doc.more_pages = doc.more_pages, []
    listed = "、".join(map(str, pages))
    ocr = ocr_reader()
    if ocr is None:
        doc.warnings.append(f"第 {listed} 页是整页图片（带少量文字），文字中没有自评表，读取图片{NEEDS_OCR}")
        return doc
    scan = ocr.ocr_pdf(doc.source, pages, form_pages=doc.form_pages)
    kept = [b for b in doc.blocks if getattr(b, "page", None) not in pages]
    return dataclasses.replace(doc, blocks=sorted(kept + scan.blocks, key=lambda b: b.page or 0),
                               ocr_pages=sorted(set(doc.ocr_pages) | set(scan.ocr_pages)),
                               warnings=doc.warnings + scan.warnings).number_tables()


PAPER_SATURATION = 90       # mean HSV saturation (0–255) under which a picture is grey like a printed page (paper
                            # under warm light: ≈ 65; sky ≈ 110, grass ≈ 145)
PAPER_LIGHTNESS = 120       # median grey level (0–255) at least: a light page with dark print


def looks_like_paper(data: bytes) -> bool:
    """Whether a picture looks like a printed page (light, nearly grey: a scan or a photo of one) rather than a
    photo of a site (colour): beside text, only such pictures are worth seconds of OCR. A picture PIL cannot
    open, or one over the pixel limit, counts as paper (the OCR reader then says what is wrong with it)."""
    from PIL import Image, ImageStat
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (256, 256))            # JPEG: decoded at 1/8 scale
            small = im.convert("RGB")
            small.thumbnail((128, 128))
    except Exception:  # noqa: BLE001
        return True
    saturation = ImageStat.Stat(small.convert("HSV")).mean[1]
    grey = small.convert("L").histogram()
    half, seen, median = sum(grey) / 2, 0, 0
    for median, n in enumerate(grey):
        seen += n
        if seen >= half:
            break
    return saturation < PAPER_SATURATION and median >= PAPER_LIGHTNESS
