"""Bounded stream decoding for pdfminer: every stream it decodes (FlateDecode, LZW, RunLength) inflated with a bound
(one stream past LIMITS.max_pdf_stream_bytes, or all of one file's past max_pdf_decoded_bytes, stops the read with
LimitExceeded), and the work on each page counted (content objects interpreted, glyphs laid out) against Limits'
max_pdf_page_objects / max_pdf_page_chars: a 3 KB file cannot cost gigabytes or hours. See `install_limits`."""
from __future__ import annotations

import logging
import threading
import zlib
from contextlib import contextmanager
from io import BytesIO

from evalkit.model import LimitExceeded
from evalkit.readers.safety import StreamTooLarge, human_size, inflate_bounded, limits

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


def raise_swallowed() -> None:
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
