"""Files attached to a PDF (PDF 附件): the document's EmbeddedFiles name tree and pages' file-attachment annotations.
An Acrobat PDF 包 (portfolio) is a cover page with the reports attached, each a report of its own (its year, its
result): read into the PDF they would take the PDF's, so ingest reads each as an input of its own (`x.pdf!a.docx`,
pdflist.expand_pdf) and the PDF's reading notes name them."""
from __future__ import annotations

import itertools
import mmap
import re
from pathlib import Path

MAX_FILES = 200          # files attached to one PDF; a portfolio of a county's reports holds dozens
MAX_NODES = 10_000       # name-tree nodes visited (a tree whose kids loop is cut there)


def attached_files(doc, pages) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, suffix) of each file attached to the pdfminer document `doc`, each stream once, in the document's
    order (name tree, then the annotations of `pages`, its pdfminer PDFPages), its bytes not decoded; and warnings
    for what could not be told."""
    found, warnings = _attached(doc, pages)
    return [(name, suffix) for name, suffix, _ in found], warnings


def may_have_attachments(path: Path) -> bool:
    """Whether the PDF's bytes name an attached file's stream (`/EmbeddedFile`, which a stream's dictionary keeps in
    plain text: streams are never inside object streams) or a file-attachment annotation: a scan of the file, no
    parse, so discovery asks it of every PDF."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return mm.find(b"/EmbeddedFile") >= 0 or mm.find(b"/FileAttachment") >= 0
    except (OSError, ValueError):        # an empty file cannot be mapped
        return False


def attached_data(path: Path, max_pages: int) -> list[tuple[str, bytes | None, str | None]]:
    """(name, bytes, problem) of each file attached to the PDF at `path` (attached_files' order), decoded under the
    readers' PDF stream limits; a file that cannot be decoded has its problem (Chinese) instead of bytes. Raises
    what pdfminer raises for a PDF it cannot open (the PDF's own read says that)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    from evalkit.errors import ReadError
    from evalkit.readers.pdfstreams import decoded_budget, install_limits
    from evalkit.readers.safety import reason
    install_limits()
    out: list[tuple[str, bytes | None, str | None]] = []
    with open(path, "rb") as f, decoded_budget():
        doc = PDFDocument(PDFParser(f))
        found, _ = _attached(doc, itertools.islice(PDFPage.create_pages(doc), max_pages))
        for name, _suffix, stream in found:
            try:
                out.append((name, *_decoded(stream)))
            except (MemoryError, RecursionError):
                raise
            except ReadError as e:        # over the stream limits: said as the reader says it
                out.append((name, None, str(e)))
            except Exception as e:  # noqa: BLE001  (a damaged stream costs that attachment)
                out.append((name, None, f"PDF 附件的数据无法解码（{reason(e)}），未读取"))
    return out


def _decoded(stream) -> tuple[bytes | None, str | None]:
    """(bytes, None) of an attached file's stream, or (None, the problem) when pdfminer's lenient decoding gave
    nothing of a stream that has bytes (not what its filter says: damaged) or less than the size the PDF records."""
    from pdfminer.pdftypes import resolve1
    raw = len(stream.rawdata or b"") if getattr(stream, "data", None) is None else None
    data = stream.get_data()
    if raw and not data:
        return None, "PDF 附件的数据已损坏，无法解压，未读取"
    if not data:
        return None, "PDF 附件是空的（0 字节，PDF 可能已损坏），未读取；请向报送单位索取完整的文件"
    params = resolve1(stream.get("Params"))
    size = resolve1(params.get("Size")) if isinstance(params, dict) else None
    if isinstance(size, int) and size > len(data):
        return None, f"PDF 附件的数据不完整（应有 {size:,} 字节，只有 {len(data):,} 字节），未读取"
    return data, None


def _attached(doc, pages) -> tuple[list[tuple[str, str, object]], list[str]]:
    """attached_files, each with its pdfminer stream."""
    from pdfminer.pdftypes import resolve1

    found: list[tuple[str, str, object]] = []
    seen: set = set()
    warnings: list[str] = []

    def take(ref, key_name: str | None) -> None:
        from pdfminer.pdftypes import PDFStream
        spec = resolve1(ref)
        if not isinstance(spec, dict):
            return
        files = resolve1(spec.get("EF"))
        if not isinstance(files, dict):
            return                      # a file specification naming a file outside the PDF: never fetched
        ref = files.get("UF") or files.get("F")
        stream = resolve1(ref)
        if not isinstance(stream, PDFStream):
            return
        key = getattr(ref, "objid", None) or id(stream)
        if key in seen:
            return
        seen.add(key)
        name = _name(spec) or key_name or f"附件{len(found) + 1}"
        if len(found) >= MAX_FILES:
            if len(seen) == MAX_FILES + 1:
                warnings.append(f"PDF 附有超过 {MAX_FILES} 个文件，只列出了前 {MAX_FILES} 个")
            return
        found.append((name, _suffix(name, stream), stream))

    names = resolve1(doc.catalog.get("Names"))
    stack = [resolve1(names.get("EmbeddedFiles"))] if isinstance(names, dict) else []
    visited = 0
    while stack and visited < MAX_NODES:
        node = stack.pop()
        visited += 1
        if not isinstance(node, dict):
            continue
        pairs = resolve1(node.get("Names"))
        if isinstance(pairs, list):
            for k in range(0, len(pairs) - 1, 2):
                key = resolve1(pairs[k])
                take(pairs[k + 1], _text(key))
        kids = resolve1(node.get("Kids"))
        if isinstance(kids, list):
            stack += [resolve1(kid) for kid in reversed(kids)]
    for page in pages:
        annots = resolve1(page.annots)
        for annot in annots if isinstance(annots, list) else []:
            annot = resolve1(annot)
            if isinstance(annot, dict) and getattr(resolve1(annot.get("Subtype")), "name", None) == "FileAttachment":
                take(annot.get("FS"), None)
    return found, warnings


def _name(spec: dict) -> str | None:
    """The file's name as the PDF keeps it (UF: Unicode; F: PDFDocEncoding or UTF-16), its folder dropped."""
    from pdfminer.pdftypes import resolve1
    for key in ("UF", "F", "DOS", "Unix"):
        text = _text(resolve1(spec.get(key)))
        if text:
            base = re.split(r"[\\/]", text)[-1].strip()
            if base:
                return base
    return None


def _text(value) -> str | None:
    from pdfminer.utils import decode_text
    if isinstance(value, bytes):
        return decode_text(value) if value else None
    return value if isinstance(value, str) and value else None


def _suffix(name: str, stream) -> str:
    """The file's format by its name, else by the MIME type the PDF gives it (/Subtype), else none."""
    suffix = Path(name).suffix.lower()
    if suffix:
        return suffix
    kind = getattr(stream.get("Subtype"), "name", "") or ""
    return {"application/pdf": ".pdf", "application/zip": ".zip"}.get(kind.replace("#2F", "/").lower(), "")
