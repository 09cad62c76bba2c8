"""An Excel binary workbook (.xlsb) for tests, as Excel writes one (MS-XLSB): a package whose parts are BIFF12
records (a type and a size as 7-bit varints, then the payload): the workbook's sheet list, each sheet's rows of
cells (numbers as doubles, text as shared strings) and merged ranges. LibreOffice cannot write .xlsb."""
from __future__ import annotations

import io
import struct
import zipfile

# record types (MS-XLSB 2.3.2)
ROW_HDR, CELL_REAL, CELL_ISST = 0, 5, 7
BEGIN_SHEET, END_SHEET, BEGIN_BOOK, END_BOOK = 129, 130, 131, 132
BEGIN_SHEETS, END_SHEETS, BUNDLE_SH = 143, 144, 156
BEGIN_DATA, END_DATA, WS_DIM = 145, 146, 148
MERGE, BEGIN_MERGES, END_MERGES = 176, 177, 178
BEGIN_SST, SST_ITEM, END_SST = 159, 19, 160
COL_INFO, BEGIN_COL_INFOS, END_COL_INFOS = 60, 390, 391
STATE = {"visible": 0, "hidden": 1, "veryHidden": 2}     # BrtBundleSh's hsState
BOOK_VIEW, BEGIN_BOOK_VIEWS, END_BOOK_VIEWS = 158, 135, 136

_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
{sheets}<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>
</Types>"""
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>')


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _record(kind: int, payload: bytes = b"") -> bytes:
    return _varint(kind) + _varint(len(payload)) + payload


def _wide(text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<I", len(raw) // 2) + raw


def write_xlsb(sheets: dict[str, list[list]], merges: dict[str, list[tuple[int, int, int, int]]] | None = None,
               states: dict[str, str] | None = None, hidden_rows: dict[str, set[int]] | None = None,
               hidden_cols: dict[str, set[int]] | None = None) -> bytes:
    """The .xlsb bytes of `sheets` (name → rows of cells: str, int/float, or None for an empty cell); `merges`:
    name → (first row, last row, first column, last column), counted from 0; `states`: name → hidden or
    veryHidden; hidden rows and columns by sheet name, counted from 0."""
    merges, states, hidden_rows, hidden_cols = merges or {}, states or {}, hidden_rows or {}, hidden_cols or {}
    strings: list[str] = []
    index: dict[str, int] = {}
    parts: dict[str, bytes] = {}
    for n, (name, rows) in enumerate(sheets.items(), start=1):
        body = bytearray(_record(BEGIN_SHEET))
        width = max((len(r) for r in rows), default=1)
        body += _record(WS_DIM, struct.pack("<IIII", 0, max(len(rows) - 1, 0), 0, max(width - 1, 0)))
        if hidden_cols.get(name):
            body += _record(BEGIN_COL_INFOS)
            for c in sorted(hidden_cols[name]):      # coldx in 1/256 of a character; fHidden, fUserSet
                body += _record(COL_INFO, struct.pack("<IIIIH", c, c, 10 * 256, 0, 0b11))
            body += _record(END_COL_INFOS)
        body += _record(BEGIN_DATA)
        for r, row in enumerate(rows):
            dy_zero = 0x10 if r in hidden_rows.get(name, ()) else 0        # fDyZero: the row is hidden
            body += _record(ROW_HDR, struct.pack("<IIHBBBI", r, 0, 300, 0, dy_zero, 0, 1) + struct.pack("<II", 0, width - 1))
            for c, value in enumerate(row):
                if value is None:
                    continue
                cell = struct.pack("<II", c, 0)
                if isinstance(value, str):
                    if value not in index:
                        index[value] = len(strings)
                        strings.append(value)
                    body += _record(CELL_ISST, cell + struct.pack("<I", index[value]))
                else:
                    body += _record(CELL_REAL, cell + struct.pack("<d", float(value)))
        body += _record(END_DATA)
        if merges.get(name):
            body += _record(BEGIN_MERGES, struct.pack("<I", len(merges[name])))
            for r0, r1, c0, c1 in merges[name]:
                body += _record(MERGE, struct.pack("<IIII", r0, r1, c0, c1))
            body += _record(END_MERGES)
        body += _record(END_SHEET)
        parts[f"xl/worksheets/sheet{n}.bin"] = bytes(body)
    sst = _record(BEGIN_SST, struct.pack("<II", len(strings), len(strings)))
    sst += b"".join(_record(SST_ITEM, b"\x00" + _wide(s)) for s in strings) + _record(END_SST)
    parts["xl/sharedStrings.bin"] = sst
    # the window opens on the first shown sheet (Excel never has a hidden sheet active; LibreOffice shows it then)
    active = next((k for k, name in enumerate(sheets) if states.get(name, "visible") == "visible"), 0)
    view = struct.pack("<iiiiiIII", 0, 0, 20000, 12000, 600, active, active, 0b111000)
    book = _record(BEGIN_BOOK) + _record(BEGIN_BOOK_VIEWS) + _record(BOOK_VIEW, view) + _record(END_BOOK_VIEWS)
    book += _record(BEGIN_SHEETS)
    book += b"".join(_record(BUNDLE_SH, struct.pack("<II", STATE[states.get(name, "visible")], n) + _wide(f"rId{n}")
                             + _wide(name))
                     for n, name in enumerate(sheets, start=1))
    book += _record(END_SHEETS) + _record(END_BOOK)
    parts["xl/workbook.bin"] = book
    sheet_types = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.bin" '
                          f'ContentType="application/vnd.ms-excel.worksheet"/>\n' for n in range(1, len(sheets) + 1))
    book_rels = "".join(f'<Relationship Id="rId{n}" Type="{_REL}worksheet" Target="worksheets/sheet{n}.bin"/>'
                        for n in range(1, len(sheets) + 1))
    book_rels += f'<Relationship Id="rIdS" Type="{_REL}sharedStrings" Target="sharedStrings.bin"/>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _TYPES.format(sheets=sheet_types))
        z.writestr("_rels/.rels", _RELS.format(f'<Relationship Id="rId1" Type="{_REL}officeDocument" '
                                               'Target="xl/workbook.bin"/>'))
        z.writestr("xl/_rels/workbook.bin.rels", _RELS.format(book_rels))
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def from_xlsx(path) -> bytes:
    """An .xlsx's sheets as .xlsb: values (as saved: formulas need their cached values), merged ranges, sheet states,
    hidden rows and columns."""
    import openpyxl
    from openpyxl.utils import column_index_from_string
    wb = openpyxl.load_workbook(path)
    sheets = {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}
    merges = {ws.title: [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
              for ws in wb}
    rows = {ws.title: {k - 1 for k, d in ws.row_dimensions.items() if d.hidden} for ws in wb}
    cols = {ws.title: {column_index_from_string(k) - 1 for k, d in ws.column_dimensions.items() if d.hidden} for ws in wb}
    return write_xlsb(sheets, merges, {ws.title: ws.sheet_state for ws in wb}, rows, cols)
