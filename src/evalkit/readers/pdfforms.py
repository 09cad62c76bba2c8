"""Filled PDF forms: figures typed into form fields (AcroForm widgets) or onto the page with a typewriter tool
(FreeText annotations) are not in the page's content, which is all pdfplumber reads: a filled template read
as it stands gives its tables with every figure empty. Such pages are flattened first (pdfium draws each
field and typed note into the page as a viewer shows it), on a copy in memory; the file is never written.

What is flattened is what a reader sees on screen: widgets and typewriter notes that are not Hidden, NoView or
Invisible, printable or not (a field filled by a tool that sets no Print flag is still the form's figure). A
signature field (its picture and signer's name are not the form's content), a push button (打印, 提交) and every
other annotation (comments, highlights, stamps, links) are left out of the copy.
"""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

from evalkit.model import ReadError

INVISIBLE, HIDDEN, NOVIEW = 1, 2, 32     # annotation flags (PDF 32000-1, 12.5.3) of what a viewer does not show
PUSHBUTTON = 1 << 16                     # a button field's flag (Ff) for a push button (12.7.4.2.1)


def _resolve(obj):
    from pdfminer.pdftypes import resolve1
    return resolve1(obj)


def _name(obj) -> str:
    """A PDF name as a string ('' for anything else)."""
    obj = _resolve(obj)
    return getattr(obj, "name", obj.decode("latin-1") if isinstance(obj, bytes) else "") or ""


def _inherited(field: dict, key: str, depth: int = 0):
    """A field's value or type, inherited from its parent fields (PDF 32000-1, 12.7.3.1)."""
    while isinstance(field, dict) and depth < 32:
        if key in field:
            return _resolve(field[key])
        field, depth = _resolve(field.get("Parent")), depth + 1
    return None


def _filled(annot: dict) -> bool:
    """A shown form field holding a value, or a shown typewriter note."""
    flags = _resolve(annot.get("F")) or 0
    if not isinstance(flags, int) or flags & (INVISIBLE | HIDDEN | NOVIEW):
        return False
    kind = _name(annot.get("Subtype"))
    if kind == "FreeText":
        return bool(annot.get("AP") or _resolve(annot.get("Contents")))
    field_type = _name(_inherited(annot, "FT"))
    if kind != "Widget" or field_type == "Sig":
        return False
    if field_type == "Btn" and isinstance(bits := _inherited(annot, "Ff"), int) and bits & PUSHBUTTON:
        return False
    value = _inherited(annot, "V")
    if isinstance(value, bytes):
        return bool(value.strip())
    return bool(_name(value)) and _name(value) != "Off"      # a ticked box (a name other than Off)


def filled_pages(pdf) -> list[int]:
    """The pages (1-based) of an open pdfplumber PDF holding a filled form field or a typewriter note."""
    pages = []
    for page in pdf.pages:
        annots = _resolve(page.page_obj.annots) or []
        if isinstance(annots, list) and any(_filled(a) for a in map(_resolve, annots) if isinstance(a, dict)):
            pages.append(page.page_number)
    return pages


def edited_copy(source, edit) -> bytes:
    """A copy of a PDF (a path, or bytes in a BytesIO) as pdfium saves it once `edit(document)` has changed it in
    memory; the file is never written. pdfium's error opening it is raised as it is."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(source.getvalue() if isinstance(source, BytesIO) else str(source))
    try:
        edit(doc)
        out = BytesIO()
        doc.save(out)
        return out.getvalue()
    finally:
        doc.close()


def flattened(path: Path, pages: list[int]) -> bytes:
    """The PDF with the form fields and typewriter notes of `pages` drawn into them as shown (pdfium)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    def flatten(doc) -> None:
        doc.init_forms()                      # before any page is loaded: pdfium draws fields lacking an appearance
        form = doc.formenv.raw if doc.formenv is not None else None
        for number in pages:
            page = doc[number - 1]
            try:
                for k in reversed(range(raw.FPDFPage_GetAnnotCount(page.raw))):
                    annot = raw.FPDFPage_GetAnnot(page.raw, k)
                    kind = raw.FPDFAnnot_GetSubtype(annot)
                    no_content = (kind == raw.FPDF_ANNOT_WIDGET and form is not None
                                  and raw.FPDFAnnot_GetFormFieldType(form, annot) in (raw.FPDF_FORMFIELD_SIGNATURE,
                                                                                    raw.FPDF_FORMFIELD_PUSHBUTTON))
                    raw.FPDFPage_CloseAnnot(annot)
                    if kind not in (raw.FPDF_ANNOT_WIDGET, raw.FPDF_ANNOT_FREETEXT) or no_content:
                        raw.FPDFPage_RemoveAnnot(page.raw, k)
                # the raw call (pypdfium2 4.x had no PdfPage.flatten): its FLATTEN_FAIL is ours to word
                if raw.FPDFPage_Flatten(page.raw, raw.FLAT_NORMALDISPLAY) == raw.FLATTEN_FAIL:
                    raise ReadError(f"PDF 第 {number} 页的表单域无法展开，请在阅读器中“打印为 PDF”后再导入")
            finally:
                page.close()

    try:
        return edited_copy(path, flatten)
    except pdfium.PdfiumError as e:
        raise ReadError(f"PDF 含填写的表单域，但无法展开（{e}），请在阅读器中“打印为 PDF”后再导入") from None
