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


BBox = tuple[float, float, float, float]   # x0, top, x1, bottom in PDF points from the page's top-left (pdfplumber's)


def container_word(name: str) -> str:
    """What holds a member, in words (Loc.container, messages): 邮件 for a saved e-mail (.eml, .msg, winmail.dat),
    PDF 的附件 (OFD 的附件, 工作簿的附件) for a file attached to a PDF (an OFD, a workbook), else 压缩包."""
    word = holder_word(name)
    return f"{word}的附件" if word == "工作簿" else f"{word} 的附件" if word in ("PDF", "OFD") else word


def holder_word(name: str) -> str:
    """The file that holds members, in words: 邮件, PDF, OFD, 工作簿 or 压缩包."""
    from evalkit.tnef import saved_alone
    low = name.lower()
    if low.endswith((".pdf", ".ofd")):
        return low[-3:].upper()
    from evalkit.readers import format_of
    from evalkit.readers.embedded import HOLDING_WORKBOOKS
    if format_of(low) in HOLDING_WORKBOOKS:
        return "工作簿"
    return "邮件" if low.endswith((".eml", ".msg")) or saved_alone(name) else "压缩包"


def named_list(names: list[str], limit: int = 5) -> str:
    """“a”、“b” … 等 N 个: file names in a message (an archive's, a PDF's or a mail's files, links, shares)."""
    shown = "、".join(f"“{n}”" for n in names[:limit])
    return shown + (f" 等 {len(names)} 个" if len(names) > limit else "")


@dataclass(frozen=True)
class Loc:
    """Where a figure stands in its document; None where the format has no such place."""
    page: int | None = None      # PDF page, 1-based
    table: int | None = None     # the table's number in the document, 1-based
    row: int | None = None       # row within the table, 1-based
    col: int | None = None       # column (physical cell) within the row, 1-based
    line: int | None = None      # text line, 1-based (txt, Markdown)
    sheet: str | None = None     # worksheet (XLSX/XLS/ODS)
    cell: str | None = None      # cell address on that sheet, e.g. "D7"
    member: str | None = None    # path inside an archive (a saved e-mail; a file attached to a PDF, OFD, workbook)
    bbox: BBox | None = None
    container: str | None = None  # what holds `member`, in words: 压缩包 (the default), 邮件, PDF 的附件

    def words(self, column: str | None = None) -> str:
        """The place in Chinese words: 第3页 表2 第5行 第4列, 工作表“项目1” D7, 文本第37行; with
        `column` (the column's name, 得分) the column is named: 第3页 表2 第5行 得分列."""
        parts = []
        if self.member:
            word = self.container or "压缩包"
            parts.append(f"{word} {self.member}" if word.endswith("附件") else f"{word}内 {self.member}")
        if self.page:
            parts.append(f"第{self.page}页")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.cell:
            parts.append(self.cell)
        else:
            if self.table:
                parts.append(f"表{self.table}")
            if self.row:
                parts.append(f"第{self.row}行")
            if self.col and not column:
                parts.append(f"第{self.col}列")
        if column and (self.cell or self.col):
            parts.append(f"{column}列")
        if self.line:
            parts.append(f"（文本第{self.line}行）" if (self.table or self.row) else f"文本第{self.line}行")
        return " ".join(parts).replace(" （", "（")

    def columns(self) -> dict:
        """The contract's loc_* columns and `location`."""
        return {"loc_page": self.page, "loc_table": self.table, "loc_row": self.row, "loc_line": self.line,
                "loc_sheet": self.sheet, "loc_cell": self.cell, "loc_member": self.member,
                "loc_bbox": None if self.bbox is None else ",".join(f"{v:.1f}" for v in self.bbox),
                "location": self.words() or None}

    def as_dict(self) -> dict:
        """The fields that are set, for JSON (bbox as a list)."""
        return {k: (list(v) if k == "bbox" else v) for k, v in vars(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> "Loc":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if known.get("bbox") is not None:
            known["bbox"] = tuple(known["bbox"])
        return cls(**known)


@dataclass
class Paragraph:
    text: str
    page: int | None = None
    line: int | None = field(default=None, compare=False)  # first text line (txt, Markdown)
    bbox: BBox | None = field(default=None, compare=False)  # PDF text layer or OCR box
    sheet: str | None = field(default=None, compare=False)  # spreadsheets: the sheet and cell the text stands in
    cell: str | None = field(default=None, compare=False)

    def loc(self) -> Loc:
        return Loc(page=self.page, line=self.line, bbox=self.bbox, sheet=self.sheet, cell=self.cell)


@dataclass
class Table:
    rows: list[list[str]]
    page: int | None = None  # first page the table sits on (PDF), else None
    conf: list[list[float | None]] | None = None   # OCR confidence per cell (same shape as rows), else None
    sealed: list[list[bool]] | None = field(default=None, compare=False)   # OCR'd cells a black seal lies over
    index: int | None = field(default=None, compare=False)  # the table's number in the document (Document.number_tables)
    sheet: str | None = field(default=None, compare=False)  # worksheet name (spreadsheets)
    pages: list[int | None] | None = field(default=None, compare=False)  # page of each row, for tables that run over pages
    lines: list[list[int | None]] | None = field(default=None, compare=False)  # text line of each cell (same shape as rows)
    cells: list[list[str | None]] | None = field(default=None, compare=False)  # sheet address of each cell ("D7")
    bboxes: list[list[BBox | None]] | None = field(default=None, compare=False)  # box of each cell (PDF, OCR)
    # page of each cell where a row's cells stand on several pages (a worksheet printed in column bands)
    cell_pages: list[list[int | None]] | None = field(default=None, compare=False)

    def loc(self, r: int, c: int | None = None) -> Loc:
        """The place of row r (0-based) or of its cell c: what the readers recorded, else the position."""
        page = self.page
        if self.pages and r < len(self.pages) and self.pages[r]:
            page = self.pages[r]
        at = 0 if c is None else c

        def pick(grid):
            if not grid or r >= len(grid) or not grid[r]:
                return None
            row = grid[r]
            return row[at] if at < len(row) else row[-1]
        page = pick(self.cell_pages) or page
        return Loc(page=page, table=self.index, row=r + 1, col=None if c is None else c + 1, line=pick(self.lines),
                   sheet=self.sheet, cell=pick(self.cells), bbox=pick(self.bboxes))


Block = Union[Paragraph, Table]


@dataclass
class Document:
    source: str            # path as given to the reader
    format: str            # txt / docx / pdf / xlsx / html
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)  # what was read with gaps (ingest: status partial)
    ocr_pages: list[int] = field(default_factory=list)  # pages (1-based) whose text came from OCR
    uncached_formulas: list[str] = field(default_factory=list)  # "Sheet!B5": a formula saved without its value
    hidden: list[str] = field(default_factory=list)  # hidden sheets, rows, columns with content: not read ("表!5:6")
    read_as: str | None = None  # the format its content was read as, when its suffix said another (readers.read)
    # () -> [(name, bytes)]: the page-sized pictures a document with text also holds (a scan after a cover letter,
    # a portal page's boilerplate around pictures of the table), read only when the text gives nothing
    # (pictures.when_text_gives_nothing)
    more_pictures: object = field(default=None, compare=False, repr=False)
    # PDF pages whose few lines of text lie on a page-sized picture (a scan with a caption, a portal's stamp or page
    # number printed over it): OCR'd as scans when the text gives nothing, like more_pictures
    more_pages: list[int] = field(default_factory=list)
    # the text stands in positioned text boxes (a PDF-to-Word converter's page layout): when it gives nothing, the
    # pages as LibreOffice lays them out are read instead (office.laid_out, from pictures.when_text_gives_nothing)
    in_text_boxes: bool = False
    # rows typed as tab-separated paragraphs (a table pasted from Excel as plain text, Word's 表格转换成文本): when the
    # text gives nothing, each run of them is read as a table, as a text export's (text.tab_tables)
    tab_rows: bool = False
    # () -> [(name, bytes)]: the Windows metafiles (EMF/WMF) the document shows: a table copied from Excel as a
    # picture (复制为图片, 选择性粘贴为图元文件) holds its text as drawn text; read through LibreOffice when the text
    # and the page pictures give nothing (office.drawings_read)
    drawings: object = field(default=None, compare=False, repr=False)
    # PDF pages whose figures were typed into form fields or typewriter notes, read as shown (readers/pdfforms.py)
    form_pages: list[int] = field(default_factory=list)
    # what a reader left out or read once, as the reader saw it (a watermark, overprinted glyphs): no gap, a record
    notes: list[str] = field(default_factory=list)
    # report files a web page links to but does not hold (a portal article's 附件 links): named, and when nothing is
    # recognized the reason given (ingest.build)
    linked: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)   # report files attached to a PDF, OFD or xlsx: read apart by ingest

    def kind(self, recognized: str, found_anything: bool) -> str:
        """The document's doc_kind: `recognized` (what its words say), or `attachments` for a cover holding nothing
        but its attached reports (a PDF 包: not counted as a report; its attachments are, read apart)."""
        return "attachments" if self.attached and not found_anything else recognized

    def paragraphs(self) -> Iterator[Paragraph]:
        return (b for b in self.blocks if isinstance(b, Paragraph))

    def tables(self) -> Iterator[Table]:
        return (b for b in self.blocks if isinstance(b, Table))

    def number_tables(self) -> "Document":
        """Give each table its number in reading order (1-based), for locations."""
        for i, t in enumerate(self.tables(), 1):
            t.index = i
        return self

    def overflow_cells(self) -> list[Loc]:
        """The table cells showing "####" in place of a figure too wide for its column (normalize.is_overflow)."""
        from evalkit.normalize import is_overflow
        return [t.loc(r, c) for t in self.tables() for r, row in enumerate(t.rows)
                for c, cell in enumerate(row) if is_overflow(cell)]

    def overflow_warning(self, cells: list[Loc] | None = None) -> str | None:
        """The warning that names them (`cells`: overflow_cells, when the caller has them; status partial: the
        figures are in no form the file shows)."""
        cells = self.overflow_cells() if cells is None else cells
        if not cells:
            return None
        where = "、".join(loc.words() for loc in cells[:5]) + (f" 等 {len(cells)} 处" if len(cells) > 5 else "")
        return (f"{where}显示为“####”（数字超出 Excel 列宽，导出或打印时被 # 号代替），这些数字无法读取；"
                "请在 Excel 中加宽该列后重新导出，或提供 Excel 原件")

    def text(self) -> str:
        """All paragraph text in order, one paragraph a line (for statement regexes)."""
        return "\n".join(p.text for p in self.paragraphs())

    def opening_text(self) -> str:
        """The first 40 paragraphs, at most 2,000 characters: where a report names its agency and place."""
        return " ".join(p.text for p, _ in zip(self.paragraphs(), range(40)))[:2000]


from evalkit.errors import LimitExceeded, ReadError, Unparsable  # noqa: E402,F401  (readers import them from here)
