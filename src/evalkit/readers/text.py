"""Text exports of DOCX/PDF reports (Apache Tika and row-per-line tab exports) into a Document.

Two table flavours occur, often in one file:
(a) one cell per line, each cell line led by a tab, rows separated by blank lines; a line
    without a leading tab right after a cell line continues that cell (a hard break inside it);
(b) one row per line, cells separated by tabs (leading tabs mark empty first cells).
`[bookmark: …]` and `[image: …]` markers carry no content and are dropped.
"""
from __future__ import annotations

import re
from pathlib import Path

from evalkit.model import Document, Paragraph, ReadError, Table

MARKER = re.compile(r"\[(?:bookmark|image|link):[^\]]*\]")
CELL_LINE = re.compile(r"^( *)\t([^\t]*)$")   # flavour (a): optional spaces, one tab, the cell
MD_PREFIX = re.compile(r"^\s*#+\s*|\*\*")


def _decode(raw: bytes, path: Path) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ReadError(f"{path.name}: not a text file in UTF-8 or GB18030")


def parse_text(text: str, source: str = "<text>") -> Document:
    """Split an exported text into paragraphs and tables (see module docstring)."""
    doc = Document(source=source, format="txt")
    rows: list[list[str]] = []       # rows of the table being built
    row: list[str] = []              # flavour (a) row being built
    last_kind = None                 # 'cell', 'row', 'blank', 'text'

    def end_row():
        nonlocal row
        if row:
            rows.append(row)
            row = []

    def end_table():
        nonlocal rows
        end_row()
        if rows:
            doc.blocks.append(Table(rows=rows))
            rows = []

    for raw_line in text.splitlines():
        line = MARKER.sub("", raw_line.rstrip("\r\n"))
        if raw_line.strip() and not line.strip() and "\t" not in line:
            continue                                  # a line holding only markers
        m = CELL_LINE.match(line)
        if m:
            if m.group(1):                            # ' \t…': the export lost a row break here
                end_row()
            row.append(m.group(2).strip())
            last_kind = "cell"
        elif "\t" in line and line.strip():
            end_row()
            rows.append([c.strip() for c in line.split("\t")])
            last_kind = "row"
        elif not line.strip():
            end_row()
            last_kind = "blank"
        else:
            clean = MD_PREFIX.sub("", line).strip()
            if last_kind == "cell" and row:           # a hard line break inside the cell
                row[-1] = f"{row[-1]}\n{clean}" if row[-1] else clean
                continue
            end_table()
            if clean:
                doc.blocks.append(Paragraph(text=clean))
            last_kind = "text"
    end_table()
    return doc


def read_text(path: Path) -> Document:
    """Read a .txt export; raise ReadError when it holds nothing."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot open: {e.strerror}") from e
    if not raw.strip():
        raise ReadError("empty file: no text to read")
    if b"\x00" in raw[:4096]:
        raise ReadError("binary content in a .txt file (NUL bytes): not a text export")
    doc = parse_text(_decode(raw, path), source=str(path))
    if not doc.blocks:
        raise ReadError("no paragraphs or tables found in the text")
    return doc
