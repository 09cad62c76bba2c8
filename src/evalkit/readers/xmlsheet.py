"""Excel's XML Spreadsheet 2003 (“XML 表格”, SpreadsheetML): what many Java and .NET systems export under an .xls
name (a FreeMarker template filled with the figures). Read into the same `Sheet`s as a workbook (cells rendered with
their number formats, merges from MergeAcross/MergeDown), so blocks and cell addresses are a sheet's.

Safety: the file is size-checked by the workbook reader; the XML parser refuses DTDs and entities; cells count
against the workbook's CellBudget; an ss:Index past LIMITS.max_rows/max_cols is refused."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from evalkit.model import LimitExceeded, ReadError
from evalkit.readers.safety import CellBudget, limits, reason

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
XL = "{urn:schemas-microsoft-com:office:excel}"          # WorksheetOptions: a sheet's visibility
MARK = b"urn:schemas-microsoft-com:office:spreadsheet"
# Excel's named number formats (the rest are format codes as openpyxl/xlrd give them)
NAMED_FORMATS = {"general": "General", "general number": "General", "fixed": "0.00", "standard": "#,##0.00",
                 "percent": "0.00%", "scientific": "0.00E+00", "general date": "yyyy-mm-dd h:mm",
                 "short date": "yyyy-mm-dd", "medium date": "yyyy-mm-dd", "long date": "yyyy-mm-dd",
                 "0": "0", "currency": "#,##0.00", "yes/no": "General", "true/false": "General", "on/off": "General"}


def is_spreadsheetml(head: bytes) -> bool:
    """Whether a file's first bytes are an XML Spreadsheet 2003 (its namespace near the top)."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<?xml") and MARK in head or text.startswith(b"<Workbook") and MARK in head


def read_sheets(path: Path, budget: CellBudget):
    """The worksheets of an XML Spreadsheet 2003 file as sheets.Sheet, in order."""
    import lxml.etree

    from evalkit.readers.sheets import Sheet, place, render, style_hides
    lim = limits()
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                  remove_comments=True)
    try:
        root = lxml.etree.parse(str(path), parser).getroot()
    except lxml.etree.XMLSyntaxError as e:
        raise ReadError(f"XML 表格文件已损坏，无法解析（{reason(e)}）；请用 Excel 打开后另存为 .xlsx 再导入") from None
    if root.getroottree().docinfo.internalDTD is not None or root.getroottree().docinfo.doctype:
        raise ReadError("XML 表格文件含有 DTD 声明（疑似恶意构造的文件），拒绝读取")
    formats, hides = {}, {}
    for style in root.iter(SS + "Style"):
        nf = style.find(SS + "NumberFormat")
        if nf is not None and nf.get(SS + "Format"):
            code = nf.get(SS + "Format")
            formats[style.get(SS + "ID")] = NAMED_FORMATS.get(code.lower(), code)
        font, fill = style.find(SS + "Font"), style.find(SS + "Interior")
        white = font is not None and (font.get(SS + "Color") or "").upper() == "#FFFFFF" and \
            (fill is None or (fill.get(SS + "Color") or "#FFFFFF").upper() == "#FFFFFF" or fill.get(SS + "Pattern") in (None, "None"))
        why = style_hides(formats.get(style.get(SS + "ID"), ""), font is not None and font.get(SS + "StrikeThrough") in ("1", "true"),
                          white)
        if why:
            hides[style.get(SS + "ID")] = why
    sheets = []
    for ws in root.iter(SS + "Worksheet"):
        title = ws.get(SS + "Name") or f"Sheet{len(sheets) + 1}"
        cells, merges, unshown = {}, [], {}
        table = ws.find(SS + "Table")
        r = -1
        hidden_rows, hidden_cols = set(), set()
        k = -1
        for col in ([] if table is None else table.iter(SS + "Column")):
            k = _index(col, k, lim.max_cols, "列", title)
            span = min(_int(col.get(SS + "Span")), lim.max_cols)
            if col.get(SS + "Hidden") in ("1", "true"):
                hidden_cols.update(range(k, k + span + 1))
            k += span
        for row in ([] if table is None else table.iter(SS + "Row")):
            r = _index(row, r, lim.max_rows, "行", title)
            if row.get(SS + "Hidden") in ("1", "true"):
                hidden_rows.update(range(r, r + min(_int(row.get(SS + "Span")), lim.max_rows) + 1))
            c = -1
            for cell in row.iter(SS + "Cell"):
                c = _index(cell, c, lim.max_cols, "列", title)
                across, down = _int(cell.get(SS + "MergeAcross")), _int(cell.get(SS + "MergeDown"))
                if across or down:
                    merges.append((r, r + min(down, lim.max_span), c, c + min(across, lim.max_span)))
                data = cell.find(SS + "Data")
                text = "" if data is None else "".join(data.itertext())
                if text.strip():
                    budget.take(1, f"（工作表「{title}」）")
                    style = cell.get(SS + "StyleID")
                    place(cells, unshown, (r, c), _value(text, data.get(SS + "Type"), formats.get(style), render),
                          hides.get(style))
                c += across
        visible = ws.find(f"{XL}WorksheetOptions/{XL}Visible")
        sheets.append(Sheet(title, cells, merges,
                            hidden=visible is not None and (visible.text or "").strip() in ("SheetHidden", "SheetVeryHidden"),
                            hidden_rows=hidden_rows, hidden_cols=hidden_cols, unshown=unshown))
    return sheets


def _index(el, previous: int, limit: int, what: str, title: str) -> int:
    """A row's or cell's 0-based position: its ss:Index (1-based) when given, else the one after the previous."""
    given = el.get(SS + "Index")
    at = previous + 1 if not given else _int(given) - 1
    if at < 0 or at >= limit:
        raise LimitExceeded(f"XML 表格的工作表“{title}”第 {at + 1:,} {what}超过上限 {limit:,} {what}")
    return at


def _int(value) -> int:
    try:
        return max(0, int(str(value).strip()[:9]))
    except (TypeError, ValueError):
        return 0


def _value(text: str, kind: str | None, fmt: str | None, render) -> str:
    """A cell's text as the workbook reader renders its value (numbers with the cell's number format)."""
    if kind == "Number":
        try:
            return render(float(text), fmt or "General")
        except ValueError:
            return text.strip()
    if kind == "DateTime":
        try:
            return render(dt.datetime.fromisoformat(text.strip()[:19]), fmt or "yyyy-mm-dd")
        except ValueError:
            return text.strip()
    if kind == "Boolean":
        return "TRUE" if text.strip() in ("1", "true", "TRUE") else "FALSE"
    return text
