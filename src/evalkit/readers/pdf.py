"""PDF reader (pdfplumber): ruled tables with merged cells read once, text lines around them,
tables continued on the next page stitched; scans, garbled text layers and encryption refused.

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
from evalkit.readers.grid import Span, rows_from_spans
from evalkit.readers.safety import StreamTooLarge, check_file_size, human_size, inflate_bounded, limits, reason

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
    check_file_size(path, advice="正常的自评报告远小于此，请只导出自评表所在的页面后再导入")
    install_limits()
    with decoded_budget():
        try:
            pdf = pdfplumber.open(path)
        except Exception as e:
            raise _limit_in(e) or ReadError(_open_error(e)) from None
        try:
            try:
                check_page_count(pdf)
                pages, texts, scanned = [], [], []
                for page in pdf.pages:
                    start_page(page.page_number)
                    texts.append(_page_chars(page))
                    if not texts[-1].strip() and page.images:
                        scanned.append(page.page_number)
                    # a page without text (a scanned page) has no tables or lines to read
                    pages.append(_read_page(page) if texts[-1].strip() else PageContent(page.page_number, float(page.height)))
                    page.close()  # drop pdfplumber's per-page caches: big reports stay small in memory
                _raise_swallowed()
                check_text_layer(texts, len(pages))
            except ReadError:
                raise
            except Exception as e:
                raise _limit_in(e) or ReadError(f"PDF 文件已损坏，无法解析（{reason(e)}），"
                                                "请重新下载，或用 PDF 工具修复/重新导出后再导入") from None
        finally:
            _close(pdf)
    doc = Document(source=str(path), format="pdf", blocks=stitch(pages), pages=len(pages))
    if scanned:
        doc.warnings.append(f"第 {'、'.join(map(str, scanned))} 页（共 {len(pages)} 页）没有文字层（可能是扫描页），"
                            "这些页的内容未读取；如需这些页，请提供带文字的 PDF 或 Word 原件")
    return doc


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
                    log.warning("Data-loss while decompressing corrupted data")
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
