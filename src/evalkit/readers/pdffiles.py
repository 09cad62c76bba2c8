"""Files attached to a PDF (PDF 附件): the document's EmbeddedFiles name tree and pages' file-attachment annotations.
An Acrobat PDF 包 (portfolio) is a cover page with the reports attached, each a report of its own (its year, its
result): read into the PDF they would take the PDF's, so they are named for the user to save and import instead."""
from __future__ import annotations

import re
from pathlib import Path

MAX_FILES = 200          # files attached to one PDF; a portfolio of a county's reports holds dozens
MAX_NODES = 10_000       # name-tree nodes visited (a tree whose kids loop is cut there)


def attached_files(doc, pages) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, suffix) of each file attached to the pdfminer document `doc`, each stream once, in the document's
    order (name tree, then the annotations of `pages`, its pdfminer PDFPages), its bytes not decoded; and warnings
    for what could not be told."""
    from pdfminer.pdftypes import resolve1

    found: list[tuple[str, str]] = []
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
        found.append((name, _suffix(name, stream)))

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
