"""Small PDF pieces the tests draw with pypdf: a CJK font that needs no embedding (STSong-Light, one of the
fonts every PDF reader knows, UCS-2 codes) and a page of text lines in it."""
from __future__ import annotations

import io
import math

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject,
                           TextStringObject)


def descriptor(w: PdfWriter, name: str):
    return w._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"), NameObject("/FontName"): NameObject("/" + name),
        NameObject("/Flags"): NumberObject(4),
        NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in (0, -200, 1000, 900)]),
        NameObject("/ItalicAngle"): NumberObject(0), NameObject("/Ascent"): NumberObject(880),
        NameObject("/Descent"): NumberObject(-120), NameObject("/CapHeight"): NumberObject(700),
        NameObject("/StemV"): NumberObject(80)}))


def cjk_font(w: PdfWriter):
    """STSong-Light with UniGB-UCS2-H: a string of UCS-2 codes shows Chinese text."""
    return w._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject("/STSong-Light"), NameObject("/Encoding"): NameObject("/UniGB-UCS2-H"),
        NameObject("/DescendantFonts"): ArrayObject([w._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/CIDFontType0"),
            NameObject("/BaseFont"): NameObject("/STSong-Light"),
            NameObject("/CIDSystemInfo"): DictionaryObject({
                NameObject("/Registry"): TextStringObject("Adobe"), NameObject("/Ordering"): TextStringObject("GB1"),
                NameObject("/Supplement"): NumberObject(4)}),
            NameObject("/FontDescriptor"): descriptor(w, "STSong-Light")}))])}))


def ucs2(text: str) -> str:
    """`text` as a PDF hex string for the CJK font."""
    return "<" + "".join(f"{ord(c):04X}" for c in text) + ">"


def watermark_page(text: str, angle: float, grey: float = 0.85, size: float = 36, width=595.3, height=841.9):
    """A page of `text` four times at `angle` degrees, in `grey` at `size` points: a watermark to merge onto pages."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return page_of([f"q {grey} g BT /F1 {size} Tf {c:.4f} {s:.4f} {-s:.4f} {c:.4f} {x} {y} Tm {ucs2(text)} Tj ET Q"
                    for x, y in ((120, 250), (120, 500), (300, 380), (300, 650))], width, height)


def page_of(ops: list[str], width=595.3, height=841.9):
    """A page drawn by content-stream operators `ops`, the CJK font as /F1."""
    w = PdfWriter()
    page = w.add_blank_page(width, height)
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): cjk_font(w)})})
    content = DecodedStreamObject()
    content.set_data("\n".join(ops).encode())
    page[NameObject("/Contents")] = w._add_object(content)
    buf = io.BytesIO()
    w.write(buf)
    buf.seek(0)
    return PdfReader(buf).pages[0]


def watermarked(src, out, text: str, angle: float, **kw):
    """`src` with a watermark merged over every page."""
    w = PdfWriter(clone_from=src)
    for page in w.pages:
        page.merge_page(watermark_page(text, angle, **kw))
    w.write(out)
    return out


def boxes_page(boxes, width=595.3, height=841.9):
    """A page of filled boxes, each (x0, top, x1, bottom, grey) in pdfplumber's coordinates, with an optional text
    drawn in it after the box (a figure typed over correction fluid): (x0, top, x1, bottom, grey, text)."""
    ops = []
    for x0, top, x1, bottom, grey, *text in boxes:
        ops.append(f"q {grey} g {x0} {height - bottom} {x1 - x0} {bottom - top} re f Q")
        if text:
            ops.append(f"BT /F1 10 Tf {x0 + 1} {height - bottom + 1} Td {ucs2(text[0])} Tj ET")
    return page_of(ops, width, height)


def with_boxes(src, out, page_index: int, boxes, over: bool = True):
    """`src` with `boxes_page(boxes)` drawn over (or under) one of its pages."""
    w = PdfWriter(clone_from=src)
    w.pages[page_index].merge_page(boxes_page(boxes), over=over)
    w.write(out)
    return out
