"""Readers turn one file into a `Document`; the format is chosen by the file's suffix."""
from __future__ import annotations

from pathlib import Path

from evalkit.model import Document, ReadError

SUFFIXES = {
    ".txt": "txt",
    ".docx": "docx",
    ".pdf": "pdf",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".html": "html",
    ".htm": "html",
}


def format_of(path: Path) -> str | None:
    return SUFFIXES.get(Path(path).suffix.lower())


def read(path: str | Path) -> Document:
    """Read any supported file; raise ReadError with a specific message when it cannot be read."""
    path = Path(path)
    fmt = format_of(path)
    if fmt is None:
        raise ReadError(f"unsupported file type '{path.suffix}'")
    if fmt == "txt":
        from evalkit.readers.text import read_text
        return read_text(path)
    if fmt == "docx":
        from evalkit.readers.docx import read_docx
        return read_docx(path)
    if fmt == "pdf":
        from evalkit.readers.pdf import read_pdf
        return read_pdf(path)
    if fmt in ("xlsx", "xls"):
        from evalkit.readers.xlsx import read_xlsx
        return read_xlsx(path)
    if fmt == "html":
        from evalkit.readers.html import read_html
        return read_html(path)
    raise ReadError(f"no reader for format {fmt}")
