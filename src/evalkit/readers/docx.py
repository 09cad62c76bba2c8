"""DOCX reader: body paragraphs and tables in document order, each merged cell read once."""
from __future__ import annotations

import zipfile
from pathlib import Path

from evalkit.model import Document, Paragraph, ReadError, Table

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Run containers whose text is visible; bookmarks, comments and deleted text carry none.
_RUN_PATH = ("w:r | w:hyperlink | w:ins/w:r | w:moveTo/w:r | w:smartTag/w:r | w:fldSimple/w:r"
             " | w:customXml/w:r | w:sdt/w:sdtContent/w:r | w:sdt/w:sdtContent/w:hyperlink")


def read_docx(path: Path) -> Document:
    """Read a .docx file into paragraphs and tables (nested tables follow their parent)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(path)
    try:
        body = docx.Document(str(path)).element.body
    except PackageNotFoundError:
        raise ReadError(_not_a_package(path)) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise ReadError(f"corrupt DOCX: {e}") from None
    except Exception as e:  # lxml XMLSyntaxError and friends from a damaged part
        raise ReadError(f"corrupt DOCX: {type(e).__name__}: {e}") from None
    return Document(source=str(path), format="docx", blocks=list(_blocks(body)))


def _not_a_package(path: Path) -> str:
    if not path.exists():
        return f"file not found: {path}"
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "not a DOCX: a Word 97-2003 binary document (.doc) under a .docx name"
    if not zipfile.is_zipfile(path):
        return "corrupt DOCX: not a zip archive (truncated or not a Word 2007+ file)"
    return "corrupt DOCX: no Word document part in the archive"


def _blocks(container):
    """Yield Paragraph/Table blocks for a body-like element, descending into content controls."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == W + "p":
            text = paragraph_text(child)
            if text.strip():
                yield Paragraph(text)
        elif tag == W + "tbl":
            yield from _table_blocks(child)
        elif tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if inner is not None:
                yield from _blocks(inner)


def paragraph_text(p) -> str:
    """Visible text of a w:p; w:br and w:tab come out as '\\n' and '\\t'."""
    return "".join(r.text for r in p.xpath(_RUN_PATH))


def _table_blocks(tbl):
    """The table itself, then every table nested in its cells (depth first)."""
    rows, nested = [], []
    for tr in _rows(tbl):
        row = []
        for tc in _cells(tr):
            texts = []
            for child in tc.iterchildren():
                if child.tag == W + "p":
                    texts.append(paragraph_text(child))
                elif child.tag == W + "tbl":
                    nested.append(child)
                elif child.tag == W + "sdt":
                    inner = child.find(W + "sdtContent")
                    if inner is not None:
                        texts.extend(paragraph_text(p) for p in inner.iterchildren(W + "p"))
            merge = tc.vMerge
            continues = merge is not None and merge != "restart"
            row.append("" if continues else "\n".join(texts).strip("\n"))
        rows.append(row)
    yield Table(rows)
    for child in nested:
        yield from _table_blocks(child)


def _children(el, tag: str):
    """`tag` children of `el`, looking through content controls (w:sdt, w:customXml) that wrap them."""
    for child in el.iterchildren():
        if child.tag == W + tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _rows(tbl):
    return _children(tbl, "tr")


def _cells(tr):
    """Physical cells (w:tc) of a row, one each whatever its gridSpan."""
    return _children(tr, "tc")
