"""The document model every reader produces and every recognizer consumes.

A document is an ordered list of blocks: paragraphs and tables. A table is a list of rows,
each a list of cell texts, one entry per physical cell as the document's markup has it:
a horizontally merged cell appears once (not repeated per grid column); a vertically merged
cell carries its text in its top row and an empty string in the rows it spans below. Cell
text keeps the document's own line breaks ('\\n'); recognizers normalize it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass
class Paragraph:
    text: str
    page: int | None = None


@dataclass
class Table:
    rows: list[list[str]]
    page: int | None = None  # first page the table sits on (PDF), else None
    conf: list[list[float | None]] | None = None   # OCR confidence per cell (same shape as rows), else None


Block = Union[Paragraph, Table]


@dataclass
class Document:
    source: str            # path as given to the reader
    format: str            # txt / docx / pdf / xlsx / html
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)   # what was read with gaps (ingest: status partial)
    ocr_pages: list[int] = field(default_factory=list)  # pages (1-based) whose text came from OCR
    uncached_formulas: list[str] = field(default_factory=list)  # "Sheet!B5": a formula saved without its value

    def paragraphs(self) -> Iterator[Paragraph]:
        return (b for b in self.blocks if isinstance(b, Paragraph))

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))

    def text(self) -> str:
        """All paragraph text in order, one paragraph a line (for statement regexes)."""
        return "\n".join(p.text for p in self.paragraphs())


from evalkit.errors import LimitExceeded, ReadError  # noqa: E402,F401  (readers import them from here)
