"""XLSX/XLS reader: every sheet, its title then its tables, merged ranges read once."""
from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from evalkit.model import Document, Paragraph, ReadError, Table
from evalkit.readers.grid import Span, rows_from_spans


@dataclass
class Sheet:
    """A sheet as a dense grid of rendered strings plus its merged ranges (0-based, inclusive)."""
    title: str
    grid: list[list[str]]
    merges: list[tuple[int, int, int, int]]  # r0, r1, c0, c1


def read_xlsx(path: Path) -> Document:
    """Read .xlsx/.xlsm (openpyxl) or .xls (xlrd): per sheet its title, then its blocks.

    A block whose rows each hold at most one text (titles above a table) becomes Paragraphs.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(f"file not found: {path}")
    kind = sniff(path)
    if kind == "html":  # web systems often export an HTML table under an .xls name
        from evalkit.readers.html import read_html
        return read_html(path)
    sheets = _xls_sheets(path) if kind == "xls" else _xlsx_sheets(path)
    blocks = []
    for sheet in sheets:
        blocks.append(Paragraph(sheet.title))
        for rows in sheet_tables(sheet):
            if all(sum(1 for cell in row if cell.strip()) <= 1 for row in rows):
                blocks.extend(Paragraph(t) for row in rows for t in row if t.strip())
            else:
                blocks.append(Table(rows))
    return Document(source=str(path), format="xlsx", blocks=blocks)


def sniff(path: Path) -> str:
    """What the file really is (xlsx zip, xls OLE2, or HTML), whatever its suffix says."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<html" in text or b"<table" in text or b"<!doctype" in text or b"<meta" in text):
        return "html"
    return "xls" if path.suffix.lower() == ".xls" else "xlsx"


def _xlsx_sheets(path: Path) -> list[Sheet]:
    import openpyxl

    try:
        with open(path, "rb") as f:  # a file object: openpyxl would refuse a path by its suffix
            wb = openpyxl.load_workbook(f, data_only=True)
    except zipfile.BadZipFile:
        raise ReadError("corrupt XLSX: not a zip archive (truncated, or an .xls saved as .xlsx)") from None
    except Exception as e:
        raise ReadError(f"corrupt XLSX: {type(e).__name__}: {e}") from None
    out = []
    for ws in wb.worksheets:
        n_rows, n_cols = _used_extent(ws)
        grid = [[render(c.value, c.number_format) for c in row]
                for row in ws.iter_rows(min_row=1, min_col=1, max_row=n_rows, max_col=n_cols)] if n_rows else []
        merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        out.append(Sheet(ws.title, grid, merges))
    return out


def _used_extent(ws) -> tuple[int, int]:
    """Last row/column holding a value or a merge: styled blank cells can stretch max_row to 1048576."""
    cells = getattr(ws, "_cells", None)
    if cells is None:
        return ws.max_row, ws.max_column
    keys = [k for k, c in cells.items() if c.value is not None]
    keys += [(m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    if not keys:
        return 0, 0
    return max(k[0] for k in keys), max(k[1] for k in keys)


def _xls_sheets(path: Path) -> list[Sheet]:
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except Exception as e:
        raise ReadError(f"corrupt XLS: {type(e).__name__}: {e}") from None
    out = []
    for sh in book.sheets():
        grid = []
        for r in range(sh.nrows):
            row = []
            for c in range(sh.ncols):
                cell = sh.cell(r, c)
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                    value = None
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif cell.ctype == xlrd.XL_CELL_ERROR:
                    value = xlrd.error_text_from_code.get(value, "#ERR")
                fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
                row.append(render(value, fmt.format_str if fmt else "General"))
            grid.append(row)
        merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
        out.append(Sheet(sh.name, grid, merges))
    return out


def render(value, number_format: str | None = "General") -> str:
    """A cell value as the text a reader needs: numbers without float noise, percents as shown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        fmt = number_format or "General"
        if "%" in _strip_literals(fmt):
            return f"{value * 100:.{_percent_decimals(fmt)}f}%"
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def number_text(value: float) -> str:
    """Shortest plain decimal of a number, rounding away binary float noise (5.6000000001 -> 5.6)."""
    if isinstance(value, int):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    text = f"{value:.12g}" if abs(value) < 1e15 else f"{value:.15g}"
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _strip_literals(fmt: str) -> str:
    return re.sub(r'"[^"]*"|\\.', "", fmt)


def _percent_decimals(fmt: str) -> int:
    m = re.search(r"0\.(0+)%", _strip_literals(fmt))
    return len(m.group(1)) if m else 0


def sheet_tables(sheet: Sheet) -> list[list[list[str]]]:
    """Split a sheet at fully blank rows into blocks; each block's merged ranges read once."""
    grid, merges = sheet.grid, sheet.merges
    n_rows = len(grid)
    inside = set()  # rows strictly inside a vertical merge never split a block
    for r0, r1, _, _ in merges:
        inside.update(range(r0 + 1, r1 + 1))
    blank = [not any(cell.strip() for cell in row) and r not in inside for r, row in enumerate(grid)]
    tables, r = [], 0
    while r < n_rows:
        if blank[r]:
            r += 1
            continue
        start = r
        while r < n_rows and not blank[r]:
            r += 1
        tables.append(_block_rows(grid, merges, start, r - 1))
    return [t for t in tables if t]


def _block_rows(grid, merges, top: int, bottom: int) -> list[list[str]]:
    covered: dict[tuple[int, int], tuple[int, int, int, int]] = {}
    for m in merges:
        r0, r1, c0, c1 = m
        if r0 >= top and r1 <= bottom:
            for rr in range(r0, r1 + 1):
                for cc in range(c0, c1 + 1):
                    covered[(rr, cc)] = m
    used_cols = [c for c in range(max(len(row) for row in grid[top:bottom + 1]))
                 if any(c < len(grid[r]) and grid[r][c].strip() for r in range(top, bottom + 1))
                 or any(k[1] == c and top <= k[0] <= bottom for k in covered)]
    if not used_cols:
        return []
    first, last = min(used_cols), max(used_cols)
    spans, seen = [], set()
    for r in range(top, bottom + 1):
        for c in range(first, last + 1):
            m = covered.get((r, c))
            if m is None:
                text = grid[r][c] if c < len(grid[r]) else ""
                spans.append(Span(r - top, r - top, c - first, c - first, text))
            elif m not in seen:
                seen.add(m)
                r0, r1, c0, c1 = m
                spans.append(Span(r0 - top, r1 - top, max(c0, first) - first, min(c1, last) - first,
                                  grid[r0][c0]))
    return rows_from_spans(spans)
