"""XLSX/XLS reader: every sheet, its title then its tables, merged ranges read once.

Sheets are read sparsely: only the cells that hold a value are kept (streamed from the sheet XML,
never a dense grid), so a 2 KB file with one value in XFD1048576 or one merge A1:XFD1048576 costs
what its content costs. See `sheet_tables` for how far-away content and huge merges are handled.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import operator
import re
import time
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import NamedTuple

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table, Unparsable
from evalkit.readers.safety import (UNZIP_ERRORS, CellBudget, check_file_size, check_no_dtd, is_encrypted_ooxml,
                                    iter_member, limits, open_zip, read_member, reason)

NOT_A_ZIP = ("XLSX 文件已损坏（不是有效的 ZIP 包，可能下载不完整，或是 .xls 文件改了扩展名），"
             "请重新下载或用 Excel 另存为 .xlsx 再导入")
RESAVE = "请用 Excel 打开后另存为 .xlsx 再导入"
ENCRYPTED = "Excel 文件已加密（设置了打开密码），无法读取；请在 Excel 中取消密码后另存再导入"
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?si[\s>/]")


@dataclass
class Sheet:
    """A sheet's cells holding a value, rendered, plus its merged ranges (0-based, inclusive)."""
    title: str
    cells: dict[tuple[int, int], str]        # (row, col) -> text; cells without a value are absent
    merges: list[tuple[int, int, int, int]]  # r0, r1, c0, c1 as the file has them
    hide_covered: bool = False               # drop values under a merge but its top-left (openpyxl/Excel)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # how it was read (side-by-side tables read apart)
    clipped: list | None = None              # the merges after clipping, set by sheet_tables
    uncached: list[tuple[int, int]] = field(default_factory=list)   # formulas saved without a value
    hidden: bool = False                     # hidden or very hidden: not shown, printed or exported by Excel
    hidden_rows: set[int] = field(default_factory=set)   # rows and columns (0-based) Excel hides: not read
    hidden_cols: set[int] = field(default_factory=set)
    # cells whose style keeps their value out of sight (struck through, number format ;;;): not read -> why, text
    unshown: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    struck_strings: int = 0     # the workbook's texts with a part struck through, left out (on its first sheet)
    struck: dict[tuple[int, int], str] = field(default_factory=dict)   # a cell's inline text struck in part -> that part


HIDING_FORMAT = re.compile(r"\s*;\s*;\s*;?\s*")    # ;;; : every section empty, Excel shows nothing


def style_hides(number_format: str, struck: bool, white: bool = False) -> str | None:
    """Why a cell's style keeps its value from being read: struck through (删除线: a cancelled figure, as in Word),
    a number format that shows nothing (;;;) or a white font on no fill (how a value is hidden in plain sight);
    None when shown."""
    if struck:
        return "删除线"
    if number_format and HIDING_FORMAT.fullmatch(number_format):
        return "格式隐藏"
    if white:
        return "白色文字"
    return None


def place(cells: dict, unshown: dict, at: tuple[int, int], text: str, why: str | None) -> None:
    """A cell's text among the sheet's cells, or among those its style keeps out of sight (`style_hides`: why)."""
    if why is None:
        cells[at] = text
    else:
        unshown[at] = (why, text)


def read_xlsx(path: Path, repair: bool = True, attachments: bool = True) -> Document:
    """Read .xlsx/.xlsm (openpyxl) or .xls (xlrd): per sheet its title, then its blocks; a workbook
    whose parts the library gives up on is opened by LibreOffice instead (`repair`, office.repair), as is one
    whose formulas were saved without their values (office.recalculated). `attachments`: name the files attached to
    its sheets (a workbook as given, not LibreOffice's copy of it nor a worksheet object in a document).

    A block whose rows each hold at most one text (titles above a table) becomes Paragraphs.
    """
    started = time.monotonic()
    path = Path(path)
    check_file_size(path)
    kind = sniff(path)
    if kind == "html":  # web systems often export an HTML table under an .xls name
        from evalkit.readers.html import read_html
        return read_html(path)
    budget = CellBudget("工作簿中有内容的单元格", "请删除无关的工作表或数据后另存再导入")
    try:
        if kind == "spreadsheetml":      # XML Spreadsheet 2003 under an .xls name (Java/.NET systems' exports)
            from evalkit.readers.xmlsheet import read_sheets
            sheets = read_sheets(path, budget)
        else:
            sheets = _xls_sheets(path, budget) if kind == "xls" else _xlsx_sheets(path, budget)
    except Unparsable as failure:
        if not repair:
            raise
        from evalkit.readers.office import repair as by_libreoffice
        repaired = by_libreoffice(path, kind, failure, started)      # its attachments named from the file as given
        if kind in ("xlsx", "xls") and attachments:
            from evalkit.readers.embedded import workbook_attachments
            _note_attached(repaired, workbook_attachments(path))
        return repaired
    blocks, warnings, notes = [], [], []
    dense = CellBudget("工作簿的表格展开后的单元格", "多半是表格旁边很远处还有零星内容，请删除后另存再导入")
    uncached = []
    shown, hidden = [s for s in sheets if not s.hidden], [s for s in sheets if s.hidden and s.cells]

    def add(sheet):
        blocks.append(Paragraph(sheet.title, sheet=sheet.title))
        blocks.extend(sheet_document_blocks(sheet, dense))
        warnings.extend(sheet.warnings)
        notes.extend(sheet.notes)
        uncached.extend(uncached_formulas(sheet))
    for sheet in shown:
        add(sheet)
    if hidden and not any(isinstance(b, Table) for b in blocks):    # the report stands only on hidden sheets
        for sheet in hidden:
            add(sheet)
        warnings.append(f"工作簿的表格只在隐藏的工作表（{'、'.join(s.title for s in hidden[:5])}"
                        f"{' 等' if len(hidden) > 5 else ''}）中，已读取；请在 Excel 中核对这些工作表是否为正式填报的内容")
        hidden = []
    struck = sum(s.struck_strings for s in sheets)
    doc = Document(source=str(path), format="xlsx", blocks=blocks, warnings=warnings, uncached_formulas=uncached,
                   hidden=[s.title for s in hidden] + [ref for s in shown for ref in hidden_parts(s)]
                   + ([f"Excel 删除线文字 {struck} 处"] if struck else []), notes=notes)
    attached = []
    if kind in ("xlsx", "xls") and attachments:     # files attached to its sheets as objects: read apart by ingest
        from evalkit.readers.embedded import workbook_attachments
        attached = workbook_attachments(path)
        _note_attached(doc, attached)
    if kind == "xlsx" and attachments:              # a 报送清单 whose cells link each unit's report file or share
        from evalkit.readers.links import add_linked
        add_linked(doc, sheet_hyperlinks(path))
    if uncached and repair and kind == "xlsx":     # formulas saved without values: computed by LibreOffice
        from evalkit.readers.office import recalculated
        copy = recalculated(path, doc, started)
        if copy is not doc:
            return _note_attached(copy, attached)  # read whole, pictures too, from LibreOffice's copy
    from evalkit.readers.pictures import holds_pictures_only, with_pages_read
    pictures_of = {"xlsx": sheet_pictures, "xls": xls_pictures}.get(kind)
    if pictures_of is not None and holds_pictures_only(doc):      # no table and no prose: a scan pasted into a sheet?
        pictures = pictures_of(path)
        if pictures:
            return with_pages_read(doc, pictures)
        from evalkit.readers.office import INSTALL_HINT, find_soffice
        if kind == "xls" and find_soffice() is None and xls_holds_pictures(path):
            doc.warnings.append(f"工作簿中只有图片（可能是粘贴的扫描件）；取出 .xls 中的图片需要 LibreOffice。{INSTALL_HINT}")
    elif pictures_of is not None:                                 # read if the text gives nothing
        doc.more_pictures = functools.partial(pictures_of, path)
    return doc


def sheet_hyperlinks(path: Path) -> list[str]:
    """The targets of the workbook's hyperlinks that point outside it (each sheet's relationships of the hyperlink
    type, TargetMode External), sheet by sheet; [] when they cannot be read (the sheets' read says why)."""
    import lxml.etree
    out = []
    try:
        with zipfile.ZipFile(path) as zf:
            parts = sorted((n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/_rels/[^/]+\.xml\.rels", n)),
                           key=lambda n: [int(d) if d.isdigit() else d for d in re.split(r"(\d+)", n)])
            parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
            for name in parts:
                root = lxml.etree.fromstring(read_member(zf, name, 16 << 20), parser)
                out += [el.get("Target") or "" for el in root if (el.get("Type") or "").endswith("/hyperlink")
                        and (el.get("TargetMode") or "") == "External"]
    except Exception:  # noqa: BLE001  (a damaged package: the sheets' read says so)
        return out
    return out


def _note_attached(doc: Document, attached: list[tuple[str, str]]) -> Document:
    """The workbook's attached files (embedded.workbook_attachments) named in its notes, its reports in `attached`."""
    if attached:
        from evalkit.readers.embedded import attached_reports, attachment_note
        said, noted = attachment_note(attached, "工作簿", "工作表上")
        doc.warnings += said
        doc.notes += noted
        doc.attached = attached_reports(attached)
    return doc


_PKG_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"     # SpreadsheetML's main namespace
_XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"


_MSODRAWINGGROUP, _CONTINUE, _EOF = 0x00EB, 0x003C, 0x000A       # BIFF8 record types (MS-XLS 2.3)
_DGG_CONTAINER, _BSTORE_CONTAINER = 0xF000, 0xF001                 # OfficeArt record types (MS-ODRAW 2.2)


def xls_holds_pictures(path: Path) -> bool:
    """Whether a BIFF .xls holds pictures: its workbook globals' drawing group has a picture store (an
    OfficeArtBStoreContainer with entries); charts and comments alone have none. Read with xlrd's OLE2 parser."""
    import io
    import mmap
    import struct

    from xlrd.compdoc import CompDoc
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mem:
            doc = CompDoc(mem, logfile=io.StringIO())
            stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except Exception:  # noqa: BLE001  (xlrd read the sheets; a stream it cannot find again holds no pictures for us)
        return False
    if not stream:
        return False
    group, pos, last = bytearray(), 0, None
    while pos + 4 <= len(stream):
        rtype, size = struct.unpack_from("<HH", stream, pos)
        if rtype == _EOF:
            break                                   # the end of the globals: sheets' drawings come after
        if rtype == _MSODRAWINGGROUP or (rtype == _CONTINUE and last == _MSODRAWINGGROUP):
            group += stream[pos + 4:pos + 4 + size]
            rtype = _MSODRAWINGGROUP
        last, pos = rtype, pos + 4 + size
    if len(group) < 8 or struct.unpack_from("<H", group, 2)[0] != _DGG_CONTAINER:
        return False
    at = 8
    while at + 8 <= len(group):                     # the container's children: FDGG, BStore, options…
        ver_inst, rtype, size = struct.unpack_from("<HHI", group, at)
        if rtype == _BSTORE_CONTAINER:
            return ver_inst >> 4 > 0                # the instance: how many pictures it stores
        at += 8 + size
    return False


def xls_pictures(path: Path) -> list[tuple[str, bytes]]:
    """The page-sized pictures of a BIFF .xls (a scan pasted into an Excel 97-2003 or WPS sheet), in their places'
    order: xlrd reads no drawings, so LibreOffice saves the workbook as .xlsx and sheet_pictures takes them from
    that copy; asked only when the text gives nothing, and only of a workbook that holds pictures. [] without
    LibreOffice or when it fails."""
    from evalkit.readers.office import converted, find_soffice
    if not xls_holds_pictures(path) or find_soffice() is None:
        return []
    try:
        with converted(path, "xls", "ole_excel") as copy:
            return sheet_pictures(copy)
    except ReadError:
        return []


def sheet_pictures(path: Path) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the page-sized pictures placed on the sheets (a scan pasted into Excel), sheet by
    sheet in the workbook's order, each sheet's from top to bottom, left to right; each picture once."""
    import posixpath

    import lxml.etree

    from evalkit.readers.pictures import page_sized
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True)

    def xml(zf, part):
        return lxml.etree.fromstring(zf.read(part), parser)

    def rels(zf, names, part) -> dict:
        folder, base = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", base + ".rels")
        if rels_part not in names:
            return {}
        out = {}
        for r in xml(zf, rels_part):
            target = r.get("Target") or ""
            if r.get("TargetMode") != "External" and target:
                out[r.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                    else posixpath.normpath(posixpath.join(folder, target)))
        return out

    found: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return []
            book_rels = rels(zf, names, "xl/workbook.xml")
            for sheet in xml(zf, "xl/workbook.xml").iter(SML + "sheet"):
                part = book_rels.get(sheet.get(_PKG_R + "id"))
                if part not in names:
                    continue
                sheet_rels = rels(zf, names, part)
                for drawing in xml(zf, part).iter(SML + "drawing"):
                    dpart = sheet_rels.get(drawing.get(_PKG_R + "id"))
                    if dpart not in names:
                        continue
                    drawing_rels = rels(zf, names, dpart)
                    placed = []
                    for anchor in xml(zf, dpart):
                        start = anchor.find(_XDR + "from")
                        at = (0, 0) if start is None else (int(start.findtext(_XDR + "row") or 0),
                                                            int(start.findtext(_XDR + "col") or 0))
                        placed += [(at, media) for blip in anchor.iter(_BLIP)
                                   if (media := drawing_rels.get(blip.get(_PKG_R + "embed"))) in names]
                    for _, media in sorted(placed):
                        if media not in seen:
                            seen.add(media)
                            found += page_sized([(media, zf.read(media))])
    except (KeyError, ValueError, zipfile.BadZipFile, lxml.etree.XMLSyntaxError) + UNZIP_ERRORS:
        return found               # a damaged drawing: the pictures found before it
    return found


def sheet_document_blocks(sheet: Sheet, dense: CellBudget) -> list[Paragraph | Table]:
    """A sheet's blocks as the document has them: a block whose rows each hold at most one text (titles
    above a table) as Paragraphs, any other as a Table; each with its sheet and cell addresses."""
    out: list[Paragraph | Table] = []
    for rows, cells in sheet_blocks(sheet, dense):
        if all(sum(1 for cell in row if cell.strip()) <= 1 for row in rows):
            out.extend(Paragraph(t, sheet=sheet.title, cell=a) for row, addr in zip(rows, cells)
                       for t, a in zip(row, addr) if t.strip())
        else:
            out.append(Table(rows, sheet=sheet.title, cells=cells))
    return out


def hidden_parts(sheet: Sheet) -> list[str]:
    """The sheet's hidden rows and columns that hold text, as Excel names them ("自评表!12:14", "自评表!H:H"):
    what the reader left out, for the report row and `inspect`."""
    parts = {**sheet.unshown, **{rc: ("删除线", text) for rc, text in sheet.struck.items() if rc not in sheet.unshown}}
    unshown = [f"{sheet.title}!{column_name(c)}{r + 1}（{why}：{text if len(text) <= 20 else text[:20] + '…'}）"
               for (r, c), (why, text) in sorted(parts.items())
               if text.strip() and r not in sheet.hidden_rows and c not in sheet.hidden_cols]
    if not (sheet.hidden_rows or sheet.hidden_cols):
        return unshown
    texts = [(r, c) for (r, c), t in sheet.cells.items() if t.strip()]
    rows = sorted({r for r, _ in texts if r in sheet.hidden_rows})
    cols = sorted({c for r, c in texts if c in sheet.hidden_cols and r not in sheet.hidden_rows})
    return ([f"{sheet.title}!{a + 1}:{b + 1}" for a, b in _union([(r, r) for r in rows])]
            + [f"{sheet.title}!{column_name(a)}:{column_name(b)}" for a, b in _union([(c, c) for c in cols])]
            + unshown)


def uncached_formulas(sheet: Sheet) -> list[str]:
    """The sheet's formula cells saved without a value, as "Sheet!B5", in row order; a cell
    hidden under a merged range (not its top-left cell) is not shown, so not listed."""
    merges = _prepare(sheet)
    index = _row_index(merges) if merges and sheet.uncached else {}
    out = []
    for r, c in sorted(sheet.uncached):
        if r in sheet.hidden_rows or c in sheet.hidden_cols:
            continue                   # not shown, not read
        m = _merge_at(index[r], c) if r in index else None
        if m is None or (r, c) == (m.anchor_r, m.anchor_c) or not sheet.hide_covered:
            out.append(f"{sheet.title}!{column_name(c)}{r + 1}")
    return out


def sniff(path: Path) -> str:
    """What the file really is (xlsx zip, xls OLE2, XML Spreadsheet 2003, or HTML), whatever its suffix says."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    from evalkit.readers.xmlsheet import is_spreadsheetml
    if is_spreadsheetml(head):
        return "spreadsheetml"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<html" in text or b"<table" in text or b"<!doctype" in text or b"<meta" in text):
        return "html"
    return "xls" if path.suffix.lower() == ".xls" else "xlsx"


def _xlsx_sheets(path: Path, budget: CellBudget) -> list[Sheet]:
    """Every worksheet, streamed cell by cell (openpyxl's read-only workbook, our cell reading)."""
    with open_zip(path, "XLSX", NOT_A_ZIP) as zf:
        try:
            check_no_dtd(zf, "XLSX")
            _check_shared_strings(zf)
            struck = _struck_strings(zf)
        except UNZIP_ERRORS as e:
            raise ReadError(f"XLSX 文件已损坏（压缩包内容无法解压：{reason(e)}），请重新下载或用 Excel 另存为 .xlsx 再导入") from None
    try:
        with open(path, "rb") as f:  # a file object: openpyxl would refuse a path by its suffix
            wb = _load_workbook(f)
            try:
                tables = {id(t): t for ws in wb.worksheets if (t := getattr(ws, "_shared_strings", None)) is not None}
                for strings in tables.values():         # one list the sheets share: the struck runs out of it
                    for i, kept in struck.items():
                        if i < len(strings):
                            strings[i] = kept
                out = []
                for ws in wb.worksheets:
                    out.append(_read_worksheet(wb, ws, budget))
                    out[-1].hidden = ws.sheet_state != "visible"
                if out:
                    out[0].struck_strings = len(struck)
                return out
            finally:
                wb.close()
    except zipfile.BadZipFile:
        raise ReadError(NOT_A_ZIP) from None
    except (LimitExceeded, ReadError, MemoryError, RecursionError):    # ingest says these itself: never a repair
        raise
    except Exception as e:
        raise Unparsable("XLSX", reason(e, path=path), RESAVE) from None


_OPENPYXL_READER = "3.1.5"    # the openpyxl whose ExcelReader.read_worksheets _excel_reader mirrors


_STRIKE_RUN = re.compile(rb"<(?:\w+:)?strike\b")


def _struck_strings(zf: zipfile.ZipFile) -> dict[int, str]:
    """The shared strings with runs struck through (rich text: 18.5 struck, 17.5 after it, in one cell), by index,
    as they read without those runs; {} when none (a byte search first: most workbooks have no struck run)."""
    info = next((i for i in zf.infolist() if i.filename.lower() == "xl/sharedstrings.xml"), None)
    if info is None:
        return {}
    data = b"".join(iter_member(zf, info))        # bounded as every member is; openpyxl holds the table too
    if not _STRIKE_RUN.search(data):
        return {}
    out, index = {}, itertools.count()

    def each(events) -> None:                   # the runs struck out of the string, as inline strings lose theirs
        i, (kept, gone) = next(index), _without_struck_runs(events)
        if gone.strip():
            out[i] = _string_text(kept)
    try:
        _each_string(BytesIO(data), each)
    except _Unusual:                            # markup openpyxl's own reader takes: read as it is, unstruck
        return {}
    return out


def _load_workbook(f):
    """openpyxl.load_workbook(f, read_only=True, data_only=True), each sheet's dimension scan (which
    we never use) done by expat stopping at the <dimension>, not by a Python-level parse of its
    first 16 KB; other openpyxl versions load as they are."""
    import openpyxl

    if openpyxl.__version__ != _OPENPYXL_READER:
        return openpyxl.load_workbook(f, read_only=True, data_only=True)
    reader = _excel_reader()(f, read_only=True, data_only=True)
    reader.read()
    return reader.wb


@functools.cache
def _excel_reader():
    """ExcelReader whose shared strings are read by expat and whose read-only worksheets are
    _sizeless_sheet()s (the class built once: openpyxl is imported lazily)."""
    from openpyxl.packaging.relationship import get_dependents, get_rels_path
    from openpyxl.reader.excel import ExcelReader

    from openpyxl.reader.strings import read_string_table
    from openpyxl.xml.constants import SHARED_STRINGS

    sheet_class = _sizeless_sheet()

    class Reader(ExcelReader):
        def read_strings(self):
            """openpyxl 3.1.5's read_strings (without rich text), the table read by _shared_strings."""
            ct = self.package.find(SHARED_STRINGS)
            if ct is not None:
                strings_path = ct.PartName[1:]
                try:
                    with self.archive.open(strings_path,) as src:
                        self.shared_strings = _shared_strings(src)
                except _Unusual:
                    with self.archive.open(strings_path,) as src:
                        self.shared_strings = read_string_table(src)

        def read_worksheets(self):
            """openpyxl 3.1.5's read-only branch of read_worksheets, the sheet class aside."""
            for sheet, rel in self.parser.find_sheets():
                if rel.target not in self.valid_files:
                    continue
                if "chartsheet" in rel.Type:
                    self.read_chartsheet(sheet, rel)
                    continue
                rels_path = get_rels_path(rel.target)
                if rels_path in self.valid_files:
                    get_dependents(self.archive, rels_path)     # unused, but parsed: its errors stand
                ws = sheet_class(self.wb, sheet.name, rel.target, self.shared_strings)
                ws.sheet_state = sheet.state
                self.wb._sheets.append(ws)

    return Reader


@functools.cache
def _sizeless_sheet():
    """ReadOnlyWorksheet whose _get_size finds the <dimension> with expat (same result, same errors)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet.dimensions import SheetDimension

    class SizelessSheet(ReadOnlyWorksheet):
        def _get_size(self):
            try:
                with self._get_source() as src:
                    dim = _dimension_element(src)
            except _Unusual:
                return super()._get_size()
            dimensions = None if dim is None else SheetDimension.from_tree(dim).boundaries
            if dimensions is not None:
                self._min_column, self._min_row, self._max_column, self._max_row = dimensions

    return SizelessSheet


class _Found(Exception):
    """Stops expat at the element parse_dimensions stops at (the element, or None)."""

    def __init__(self, element):
        self.element = element


def _dimension_element(src):
    """What parse_dimensions reads: the first <dimension> to end (as an ElementTree element), or
    None at the end of <sheetData> or of the part; an XML error met before either is raised as
    ElementTree raises it (ParseError, same message)."""
    from xml.etree.ElementTree import TreeBuilder

    tree, depth = None, 0

    def start(name, attrs):
        nonlocal tree, depth
        if tree is None and name == _XDIMENSION:
            tree = TreeBuilder()
        elif tree is None:
            return
        elif name == _XDIMENSION:
            raise _Unusual("dimension in a dimension")
        depth += 1
        tree.start(_et_name(name), _et_attrs(attrs))

    def end(name):
        nonlocal depth
        if tree is None:
            if name == _XSHEETDATA:
                raise _Found(None)
            return
        el = tree.end(_et_name(name))
        depth -= 1
        if depth == 0:
            raise _Found(tree.close())
        el.clear()        # parse_dimensions clears every element it passes, the dimension's children too

    def data(text):
        if tree is not None:
            tree.data(text)

    try:
        _parse(src, start, end, data)
    except _Found as found:
        return found.element
    return None


def _shared_strings(src) -> list[str]:
    """openpyxl's read_string_table: each <si>'s Text content, 'x005F_' removed, in order; expat
    callbacks record each <si>'s events and the usual `<si><t>…</t></si>` is read from them."""
    strings: list[str] = []
    _each_string(src, lambda events: strings.append(_string_text(events)))
    return strings


def _string_text(events: list) -> str:
    """A shared string's text from its recorded events, as openpyxl reads it."""
    return _inline_events(events).replace("x005F_", "")


def _each_string(src, each) -> None:
    """`each(events)` for every <si> of a shared-string part, its events recorded by expat in document order."""
    events: list | None = None
    depth = 0

    def start(name, attrs):
        nonlocal events, depth
        if events is not None:
            if name == _XSI:
                raise _Unusual("si in an si")
            events.append((name, attrs))
            depth += 1
        elif name == _XSI:
            events, depth = [(name, attrs)], 1

    def end(name):
        nonlocal events, depth
        if events is not None:
            events.append(None)
            depth -= 1
            if depth == 0:
                each(events)
                events = None

    def data(text):
        if events is not None:
            events.append(text)

    _parse(src, start, end, data)


def _parse(src, start, end, data) -> None:
    """Parse a part with expat set up as ElementTree's XMLParser sets it up (names 'uri}local',
    text buffered), fed in iterparse's 16 KB chunks; the callbacks run in document order up to an
    XML error, raised as ElementTree raises it (ParseError, same message). DTDs and entities
    (refused by check_no_dtd already) and undefined entities are left to openpyxl (_Unusual)."""
    import xml.parsers.expat as expat
    from xml.etree.ElementTree import ParseError

    parser = expat.ParserCreate(None, "}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    parser.DefaultHandlerExpand = _refuse_entity
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _refuse_dtd
    parser.UnparsedEntityDeclHandler = parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        while chunk := src.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as e:     # as ElementTree's XMLParser._raiseerror turns it
        err = ParseError(e)
        err.code, err.position = e.code, (e.lineno, e.offset)
        raise err from None


def _refuse_entity(text: str) -> None:
    """ElementTree resolves an entity expat hands over in its own way: leave that part to openpyxl."""
    if text.startswith("&"):
        raise _Unusual("entity")


def _check_shared_strings(zf: zipfile.ZipFile) -> None:
    """openpyxl loads the whole shared-string table first: refuse one with more strings than cells allowed."""
    lim = limits().max_cells
    for info in zf.infolist():
        if not info.filename.lower().endswith("sharedstrings.xml"):
            continue
        n, tail = 0, b""
        for chunk in iter_member(zf, info):
            window = tail + chunk   # a match ending inside `tail` was counted with the previous chunk
            n += sum(1 for m in _SHARED_STRING.finditer(window) if m.end() > len(tail))
            tail = window[-48:]
            if n > lim:
                raise LimitExceeded(f"工作簿的共享字符串表超过 {lim:,} 条，多于单元格上限（疑似恶意构造的文件）；"
                                    "请用 Excel 打开后另存再导入")


def _read_worksheet(wb, ws, budget: CellBudget) -> Sheet:
    """One worksheet's valued cells and merges: expat's callbacks and our own cell reading
    (`_expat_worksheet`), or openpyxl's cell parser for a sheet that path does not read exactly
    as openpyxl would (malformed XML, unusual markup): its result, or its error, is the old one."""
    used = budget.used
    try:
        return _expat_worksheet(_SheetContext(wb, ws), ws, budget)
    except (LimitExceeded, MemoryError, RecursionError):
        raise
    except Exception:     # openpyxl reads it again from the start: its result or its error stands
        budget.used = used
        return _openpyxl_worksheet(wb, ws, budget)


def _openpyxl_worksheet(wb, ws, budget: CellBudget) -> Sheet:
    """One worksheet's valued cells and merges, streamed: no row or cell is kept once read.

    The cell values come from openpyxl's own cell parser (shared strings, dates, booleans exactly
    as openpyxl reads them); values under a merged range other than its top-left cell are dropped,
    as Excel shows them and as openpyxl's full mode drops them.
    """
    import defusedxml.ElementTree as DET
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    row_tag, cell_tag, merge_tag, formula_tag, value_tag, inline_tag, col_tag = (
        f"{{{SHEET_MAIN_NS}}}{t}" for t in ("row", "c", "mergeCell", "f", "v", "is", "col"))
    hidden_rows: set[int] = set()
    hidden_cols: set[int] = set()
    parser = WorkSheetParser(None, ws._shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    formats: dict = {}

    def number_format(style_id) -> str:
        if style_id not in formats:
            try:
                formats[style_id] = ReadOnlyCell(ws, 1, 1, None, "n", style_id).number_format
            except (IndexError, TypeError, KeyError):
                formats[style_id] = "General"
        return formats[style_id]

    cells: dict[tuple[int, int], str] = {}
    merges: list[tuple[int, int, int, int]] = []
    uncached: list[tuple[int, int]] = []
    unshown: dict = {}
    stack: list = []
    with ws._get_source() as src:
        for event, el in DET.iterparse(src, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                stack.append(el)
                if el.tag == row_tag:
                    _start_row(parser, el.get("r"))
                    if el.get("hidden") in _TRUE:
                        hidden_rows.add(parser.row_counter - 1)
                elif el.tag == col_tag and el.get("hidden") in _TRUE:
                    _hide_columns(hidden_cols, el.get("min"), el.get("max"))
                continue
            stack.pop()
            if el.tag == cell_tag:
                cell = parser.parse_cell(el)
                if cell["value"] is not None:
                    budget.take(1, f"（工作表「{ws.title}」）")
                    fmt = number_format(cell["style_id"])
                    place(cells, unshown, (cell["row"] - 1, cell["column"] - 1), render(cell["value"], fmt),
                          style_hides(fmt, _struck(wb, cell["style_id"]), _white_on_white(wb, cell["style_id"])))
                elif el.find(formula_tag) is not None and not _cached(el, value_tag, inline_tag):
                    budget.take(1, f"（工作表「{ws.title}」）")
                    uncached.append((cell["row"] - 1, cell["column"] - 1))   # its text stays '' (unknown)
            elif el.tag == merge_tag:
                try:
                    c0, r0, c1, r1 = range_boundaries(el.get("ref") or "")
                except (ValueError, TypeError):
                    continue
                if None not in (c0, r0, c1, r1):
                    merges.append((r0 - 1, r1 - 1, c0 - 1, c1 - 1))
                    if len(merges) > limits().max_cells:
                        raise LimitExceeded(f"工作表「{ws.title}」的合并区域超过 {limits().max_cells:,} 个（疑似恶意构造的文件）；"
                                            "请用 Excel 打开后另存再导入")
            if stack and (el.tag in (cell_tag, row_tag, merge_tag) or len(stack) == 1):
                stack[-1].remove(el)   # read: memory stays one row deep, whatever the sheet's size
    return Sheet(ws.title, cells, merges, hide_covered=True, uncached=uncached, hidden_rows=hidden_rows,
                 hidden_cols=hidden_cols, unshown=unshown)


def _cached(el, value_tag: str, inline_tag: str) -> bool:
    """A formula cell `<c>` holds its computed value: a non-empty `<v>`, or an empty one under
    t="str" (how Excel and LibreOffice save a formula whose result is the empty string), or an
    inline string. A program that writes formulas without computing them (openpyxl, export
    scripts, some web systems) leaves `<v>` out or empty: the value is unknown, not empty."""
    v = el.find(value_tag)
    if v is not None and (v.text or "").strip():
        return True
    if v is not None and el.get("t") == "str":
        return True
    return el.get("t") == "inlineStr" and el.find(inline_tag) is not None


def _start_row(parser, r: str | None) -> None:
    """openpyxl's row numbering (`_row_number`) on its own parser's counters."""
    parser.row_counter, parser.col_counter = _row_number(r, parser.row_counter), 0


_TEXT = SML + "t"
_CHUNK = 16 * 1024      # what ElementTree's iterparse reads at a time


class _Unusual(Exception):
    """Markup our expat readers do not read exactly as openpyxl would: openpyxl's own code reads that part."""


class _SheetContext:
    """What reading a cell needs from openpyxl's workbook: the shared strings, the epoch, the date
    and duration styles, and each style's number format (looked up once per style id)."""

    def __init__(self, wb, ws):
        from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
        from openpyxl.utils.datetime import from_excel
        from openpyxl.worksheet._reader import _cast_number

        self.wb, self.ws = wb, ws
        self.strings = ws._shared_strings
        self.epoch = wb.epoch
        self.dates, self.durations = wb._date_formats, wb._timedelta_formats
        self.formats: dict = {}
        self.hiding: dict = {}
        # openpyxl's helpers, imported once per sheet rather than once per cell
        self.coordinate, self.range_boundaries = coordinate_to_tuple, range_boundaries
        self.cast_number, self.from_excel = _cast_number, from_excel
        self.max_merges = limits().max_cells

    def number_format(self, style_id) -> str:
        """ReadOnlyCell's number_format; 'General' for a style id the workbook lacks."""
        if style_id not in self.formats:
            from openpyxl.cell.read_only import ReadOnlyCell
            try:
                self.formats[style_id] = ReadOnlyCell(self.ws, 1, 1, None, "n", style_id).number_format
            except (IndexError, TypeError, KeyError):
                self.formats[style_id] = "General"
        return self.formats[style_id]

    def hides(self, style_id) -> str | None:
        """style_hides for a style id (looked up once per style)."""
        if style_id not in self.hiding:
            self.hiding[style_id] = style_hides(self.number_format(style_id), _struck(self.wb, style_id),
                                               _white_on_white(self.wb, style_id))
        return self.hiding[style_id]


def _is_white(color) -> bool:
    """An openpyxl colour that is white: rgb FFFFFF, the theme's background colour (theme 0, not darkened) or the
    legacy palette's white (indexed 1 or 9)."""
    if color is None:
        return False
    kind = getattr(color, "type", None)
    if kind == "rgb":
        return isinstance(color.rgb, str) and color.rgb.upper().endswith("FFFFFF")
    if kind == "theme":
        return color.theme == 0 and (color.tint or 0) > -0.05
    if kind == "indexed":
        return color.indexed in (1, 9)
    return False


def _white_on_white(wb, style_id) -> bool:
    """The style's font is white and its cell has no fill, or a white one: the value prints as nothing."""
    try:
        style = wb._cell_styles[int(style_id)]
        if not _is_white(wb._fonts[style.fontId].color):
            return False
        fill = wb._fills[style.fillId]
    except (IndexError, TypeError, KeyError, AttributeError, ValueError):
        return False
    pattern = getattr(fill, "patternType", None)
    return pattern in (None, "none") or (pattern == "solid" and _is_white(getattr(fill, "fgColor", None)))


def _struck(wb, style_id) -> bool:
    """The style's font is struck through (openpyxl's style and font tables; False for an id they lack)."""
    try:
        return bool(wb._fonts[wb._cell_styles[int(style_id)].fontId].strike)
    except (IndexError, TypeError, KeyError, AttributeError, ValueError):
        return False


_X = SML[1:-1] + "}"       # expat's name of an element in the main namespace: 'uri}local'
_XC, _XROW, _XMERGE, _XV, _XF, _XIS = (_X + t for t in ("c", "row", "mergeCell", "v", "f", "is"))
_XDIMENSION, _XSHEETDATA, _XSI = _X + "dimension", _X + "sheetData", _X + "si"
_XCOL = _X + "col"
_MAX_COLUMN = 16384             # XFD: Excel's last column


def _expat_worksheet(ctx: _SheetContext, ws, budget: CellBudget) -> Sheet:
    """The sheet parsed by expat, the parser openpyxl's own iterparse uses (same encodings, same
    errors), fed in the same 16 KB chunks; the cells read in its callbacks as parse_cell reads them,
    in document order up to a syntax error, as iterparse yields them before raising it."""
    handler = _SheetHandler(ctx, ws.title, budget)
    with ws._get_source() as src:
        _parse(src, handler.start, handler.end, handler.data)
    return Sheet(ws.title, handler.cells, handler.merges, hide_covered=True, uncached=handler.uncached,
                 hidden_rows=handler.hidden_rows, hidden_cols=handler.hidden_cols, unshown=handler.unshown,
                 struck=handler.struck)


_TRUE = ("1", "true")


def _hide_columns(hidden: set[int], first, last) -> None:
    """Columns min..max (1-based, as <col> has them) hidden; a malformed or oversized range is ignored."""
    try:
        a, b = int(first), int(last or first)
    except (TypeError, ValueError):
        return
    if 1 <= a <= b <= _MAX_COLUMN:
        hidden.update(range(a - 1, b))


def _refuse_dtd(*args):
    raise _Unusual("DTD")


class _OpenCell:
    """A `<c>` being read: its attributes and what parse_cell looks up among its direct children."""
    __slots__ = ("attrs", "depth", "value", "formula", "inline", "struck")

    def __init__(self, attrs: dict, depth: int):
        self.attrs, self.depth = attrs, depth
        self.value = None        # the text of its first <v> ('' if empty), None without one
        self.formula = False     # it has an <f>
        self.inline = None       # the text openpyxl reads from its first <is>
        self.struck = ""         # the text of its inline string's runs struck through (left out of `inline`)


class _SheetHandler:
    """expat callbacks doing what the old iterparse loop did with each row start, cell end and
    merge end; the texts parse_cell reads (first <v>, first <is>) kept as ElementTree would."""

    def __init__(self, ctx: _SheetContext, title: str, budget: CellBudget):
        self.ctx, self.title, self.budget = ctx, title, budget
        self.where = f"（工作表「{title}」）"
        self.cells: dict[tuple[int, int], str] = {}
        self.merges: list[tuple[int, int, int, int]] = []
        self.uncached: list[tuple[int, int]] = []
        self.row = self.col = self.depth = 0
        self.cell: _OpenCell | None = None
        self.text: list | None = None        # the pieces of the <v> text being read
        self.tree: list | None = None        # the events of the <is> being read
        self.tree_depth = 0
        self.merge_refs: list = []           # the ref of each open <mergeCell>
        self.hidden_rows: set[int] = set()
        self.hidden_cols: set[int] = set()
        self.unshown: dict = {}
        self.struck: dict = {}               # cells with part of their text struck through -> that part

    def start(self, name: str, attrs: dict) -> None:
        if self.text is not None:            # ElementTree's .text stops at the first child
            self._end_text()
        self.depth += 1
        if self.tree is not None:
            if name in (_XC, _XROW, _XMERGE):
                raise _Unusual(name)
            self.tree.append((name, attrs))
            self.tree_depth += 1
            return
        cell = self.cell
        if name == _XC:
            if cell is not None:
                raise _Unusual("cell in a cell")
            self.cell = _OpenCell(attrs, self.depth)
        elif name == _XROW:
            if cell is not None:
                raise _Unusual("row in a cell")
            self.row, self.col = _row_number(attrs.get("r"), self.row), 0
            if attrs.get("hidden") in _TRUE:
                self.hidden_rows.add(self.row - 1)
        elif name == _XMERGE:
            self.merge_refs.append(attrs.get("ref"))
        elif name == _XCOL and attrs.get("hidden") in _TRUE:
            _hide_columns(self.hidden_cols, attrs.get("min"), attrs.get("max"))
        elif cell is not None and self.depth == cell.depth + 1:
            if name == _XV:
                if cell.value is None:
                    cell.value, self.text = "", []
            elif name == _XF:
                cell.formula = True
            elif name == _XIS and cell.inline is None:
                self.tree, self.tree_depth = [(name, attrs)], 1

    def data(self, text: str) -> None:
        if self.text is not None:
            self.text.append(text)
        elif self.tree is not None:
            self.tree.append(text)

    def end(self, name: str) -> None:
        if self.text is not None:
            self._end_text()
        self.depth -= 1
        if self.tree is not None:
            self.tree.append(None)
            self.tree_depth -= 1
            if self.tree_depth == 0:
                events, struck = _without_struck_runs(self.tree)
                self.cell.inline, self.tree = _inline_events(events), None
                if struck:
                    self.cell.struck = struck
            return
        if name == _XC:
            cell, self.cell = self.cell, None
            self._read_cell(cell)
        elif name == _XMERGE:
            _add_merge(self.ctx, self.merges, self.merge_refs.pop(), self.title)

    def _end_text(self) -> None:
        self.cell.value, self.text = "".join(self.text), None

    def _read_cell(self, cell: _OpenCell) -> None:
        """parse_cell with data_only, then the old loop: a valued cell rendered, or an uncached formula noted."""
        ctx, attrs = self.ctx, cell.attrs
        style = attrs.get("s", 0)
        if style:
            style = int(style)
        ref = attrs.get("r")
        if ref:
            r, self.col = ctx.coordinate(ref)
        else:
            self.col += 1
            r = self.row
        c = self.col
        kind = attrs.get("t", "n")
        if kind == "inlineStr":
            value = cell.inline
        else:
            value = cell.value or None
            if value is None or kind == "str":
                pass
            elif kind == "n" and style not in ctx.dates:
                value = ctx.cast_number(value)
            else:
                value = _typed_value(ctx, value, kind, style, ref)
        if cell.struck:
            self.struck[(r - 1, c - 1)] = cell.struck
        if value is not None:
            self.budget.take(1, self.where)
            place(self.cells, self.unshown, (r - 1, c - 1),
                  value if type(value) is str and "\r" not in value else render(value, ctx.number_format(style)),
                  ctx.hides(style))
        elif cell.formula and not _has_cached_value(cell, kind):
            self.budget.take(1, self.where)
            self.uncached.append((r - 1, c - 1))   # its text stays '' (unknown)


def _has_cached_value(cell: _OpenCell, kind: str) -> bool:
    """_cached for a cell read by expat."""
    if cell.value is not None and (cell.value.strip() or kind == "str"):
        return True
    return kind == "inlineStr" and cell.inline is not None


_XT = _X + "t"


_XSTRIKE, _XR = _X + "strike", _X + "r"
_OFF = ("0", "false", "off")     # a run property turned off (<strike val="0"/>)


def _without_struck_runs(events: list) -> tuple[list, str]:
    """An <is>'s recorded events without its runs struck through (rich text: 18.5 struck, 17.5 after it), and their
    text; the events as they are when no run is struck."""
    if not any(type(e) is tuple and e[0] == _XSTRIKE for e in events):
        return events, ""
    out, gone, depth, run, in_run = [], [], 0, [], False
    for e in events:
        if in_run:
            run.append(e)
            depth += 1 if type(e) is tuple else -1 if e is None else 0
            if depth == 1:                               # the run closed
                struck = any(type(x) is tuple and x[0] == _XSTRIKE and (x[1].get("val") or "true").lower() not in _OFF
                             for x in run)
                if struck:
                    gone.append("".join(x for x in run if type(x) is str))
                else:
                    out.extend(run)
                in_run, run = False, []
            continue
        if type(e) is tuple and e[0] == _XR and depth == 1:
            in_run, run, depth = True, [e], depth + 1
            continue
        depth += 1 if type(e) is tuple else -1 if e is None else 0
        out.append(e)
    return out, "".join(gone)


def _inline_events(events: list) -> str:
    """Text.from_tree(<is> or <si>).content from the element's recorded events (a (name, attrs) start,
    a text, None for an end): read directly for the usual `<is><t>…</t></is>`, else from the
    ElementTree element the events build."""
    if len(events) >= 4 and not events[0][1] and events[1] is not None and type(events[1]) is tuple \
            and events[1][0] == _XT and events[-1] is None and events[-2] is None \
            and all(type(e) is str for e in events[2:-2]):
        return "".join(events[2:-2])
    from xml.etree.ElementTree import TreeBuilder
    tree, open_tags = TreeBuilder(), []
    for e in events:
        if e is None:
            tree.end(open_tags.pop())
        elif type(e) is str:
            tree.data(e)
        else:
            open_tags.append(_et_name(e[0]))
            tree.start(open_tags[-1], _et_attrs(e[1]))
    return _inline_text(tree.close())


def _et_name(name: str) -> str:
    """expat's 'uri}local' as ElementTree names it, '{uri}local'."""
    return "{" + name if "}" in name else name


def _et_attrs(attrs: dict) -> dict:
    return {_et_name(k): v for k, v in attrs.items()} if attrs else attrs


def _row_number(r: str | None, previous: int) -> int:
    """openpyxl's row numbering: the row's r attribute, else one below the previous row."""
    if r is None:
        return previous + 1
    try:
        return int(r)
    except ValueError:
        value = float(r)
        if not value.is_integer():
            raise ValueError(f"{r} is not a valid row number") from None
        return int(value)


def _typed_value(ctx: _SheetContext, value: str, kind: str, style, ref):
    """The value parse_cell makes of a `<v>` text of type `kind` (not inlineStr or str)."""
    if kind == "n":
        return _number(ctx, value, style, ref)
    if kind == "s":
        return ctx.strings[int(value)]
    if kind == "b":
        return bool(int(value))
    if kind == "d":
        from openpyxl.utils.datetime import from_ISO8601
        return from_ISO8601(value)
    return value          # an error such as #DIV/0!, or a type openpyxl keeps as the raw text


def _number(ctx: _SheetContext, value: str, style, ref):
    """An int or float, or under a date style the date, time or duration openpyxl makes of it."""
    value = ctx.cast_number(value)
    if style not in ctx.dates:
        return value
    try:
        return ctx.from_excel(value, ctx.epoch, timedelta=style in ctx.durations)
    except (OverflowError, ValueError):
        import warnings
        warnings.warn(f"Cell {ref} is marked as a date but the serial value {value} is outside the limits for dates. "
                      "The cell will be treated as an error.")
        return "#VALUE!"


def _inline_text(node) -> str:
    """openpyxl's Text.from_tree(node).content, read directly for the usual `<is><t>…</t></is>`."""
    if len(node) == 1 and not node.attrib:
        child = node[0]
        if child.tag == _TEXT:
            return child.text or ""
    from openpyxl.cell.text import Text
    return Text.from_tree(node).content


def _add_merge(ctx: _SheetContext, merges: list, ref: str | None, title: str) -> None:
    """A `<mergeCell ref=…>` as (r0, r1, c0, c1), 0-based; an unreadable ref is skipped."""
    try:
        c0, r0, c1, r1 = ctx.range_boundaries(ref or "")
    except (ValueError, TypeError):
        return
    if None not in (c0, r0, c1, r1):
        merges.append((r0 - 1, r1 - 1, c0 - 1, c1 - 1))
        if len(merges) > ctx.max_merges:
            raise LimitExceeded(f"工作表「{title}」的合并区域超过 {ctx.max_merges:,} 个（疑似恶意构造的文件）；"
                                "请用 Excel 打开后另存再导入")


def _xls_white_on_white(book, xf, font) -> bool:
    """xlrd's font colour is white and the cell has no fill (or a white one)."""
    if font is None or book.colour_map.get(font.colour_index) != (255, 255, 255):
        return False
    bg = xf.background
    return bg.fill_pattern == 0 or book.colour_map.get(bg.pattern_colour_index) == (255, 255, 255)


def _xls_sheets(path: Path, budget: CellBudget) -> list[Sheet]:
    """Every sheet of a BIFF .xls (xlrd), one sheet in memory at a time, rows as stored (ragged)."""
    import xlrd

    if is_encrypted_ooxml(path):
        raise ReadError(ENCRYPTED)
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, ragged_rows=True)
    except MemoryError:
        raise
    except Exception as e:
        raise Unparsable("XLS", reason(e, path=path), RESAVE) from None
    out = []
    try:
        for i in range(book.nsheets):
            sh = book.sheet_by_index(i)
            cells, unshown = {}, {}
            for r in range(sh.nrows):
                for c in range(sh.row_len(r)):
                    cell = sh.cell(r, c)
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                        continue
                    elif cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(value)
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        value = xlrd.error_text_from_code.get(value, "#ERR")
                    budget.take(1, f"（工作表「{sh.name}」）")
                    xf = book.xf_list[cell.xf_index]
                    fmt = book.format_map.get(xf.format_key)
                    font = book.font_list[xf.font_index] if xf.font_index < len(book.font_list) else None
                    place(cells, unshown, (r, c), render(value, fmt.format_str if fmt else "General"),
                          style_hides(fmt.format_str if fmt else "", bool(font and font.struck_out),
                                      _xls_white_on_white(book, xf, font)))
            merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
            out.append(Sheet(sh.name, cells, merges, hidden=bool(sh.visibility),
                             hidden_rows={r for r, info in sh.rowinfo_map.items() if info.hidden},
                             hidden_cols={c for c, info in sh.colinfo_map.items() if info.hidden}, unshown=unshown))
            book.unload_sheet(i)
    except (LimitExceeded, ReadError, MemoryError):
        raise
    except Exception as e:
        raise Unparsable("XLS", reason(e, path=path), RESAVE) from None
    finally:
        book.release_resources()
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


@functools.lru_cache(maxsize=256)
def _strip_literals(fmt: str) -> str:
    """The format without its quoted and escaped literals (cached: a workbook has a few formats)."""
    return re.sub(r'"[^"]*"|\\.', "", fmt)


@functools.lru_cache(maxsize=256)
def _percent_decimals(fmt: str) -> int:
    m = re.search(r"0\.(0+)%", _strip_literals(fmt))
    return len(m.group(1)) if m else 0


class Merge(NamedTuple):
    """A merged range after clipping (0-based, inclusive), and its top-left cell as the file has it."""
    r0: int
    r1: int
    c0: int
    c1: int
    anchor_r: int
    anchor_c: int


def sheet_tables(sheet: Sheet, dense: CellBudget | None = None) -> list[list[list[str]]]:
    """The sheet's tables as rows of cell texts (sheet_blocks without the cell addresses)."""
    return [rows for rows, _ in sheet_blocks(sheet, dense)]


def sheet_blocks(sheet: Sheet, dense: CellBudget | None = None) -> list[tuple[list[list[str]], list[list[str]]]]:
    """Split a sheet at fully blank rows into blocks; each block's merged ranges read once.

    Works on the cells holding a value, never on a grid of the whole sheet, so an empty gulf
    costs nothing: a value alone in XFD1048576 is a block of its own (one Paragraph), read like
    any other content. Merged ranges are read as the file has them, except one larger than
    LIMITS.max_span rows or columns: it is clipped to the rectangle the values occupy and to
    max_span (a merge A1:XFD1048576 over a table in A1:H40 becomes A1:H40, what Excel shows)
    and the document gets a warning.

    Each block becomes one table over its used columns, as before. Only a block wider than
    LIMITS.max_cols (far-away content on the table's rows, e.g. A5:H40 plus XFD5) is split at
    its widest runs of empty columns, as few times as needed, and the document gets a warning
    naming the rows and columns: nothing is dropped silently, no dense gulf is built. A block
    whose contiguous part is still wider than max_cols, one taller than LIMITS.max_rows, or a
    workbook whose tables add up to more than LIMITS.max_cells cells is refused (LimitExceeded).
    """
    dense = dense or CellBudget("工作簿的表格展开后的单元格")
    merges = _prepare(sheet)
    if not sheet.cells:
        return []
    bands = side_by_side(sheet.cells, merges)
    note = (f"工作表「{sheet.title}」有并排的 {len(bands)} 张表（" + "、".join(f"{column_name(a)}–{column_name(b)} 列"
                                                                  for a, b in bands)
            + "，中间隔着空列），已按从左到右分开读取")
    if len(bands) > 1 and note not in sheet.notes:      # said once, however often the sheet's blocks are asked for
        sheet.notes.append(note)
    out = []
    for a, b in bands:
        cells = {k: t for k, t in sheet.cells.items() if a <= k[1] <= b} if len(bands) > 1 else sheet.cells
        out += _band_blocks(sheet, cells, [m for m in merges if a <= m.c0 and m.c1 <= b], dense)
    return out


# side-by-side tables: two copies of a layout set next to each other on one sheet (the right one filled for another
# project), told apart from one table with a blank spacer column by the labels both sides repeat
ALIKE_LABELS = 5          # labels (text with a Chinese character and no digit) both sides hold, at least
ALIKE_SHARE = 0.25        # and that share of all labels of the two sides (Jaccard)
MAX_BANDS_TRIED = 40      # runs of used columns beyond which a sheet is scattered content, not tables side by side
_LABEL = re.compile(r"^[^0-9０-９]*[\u4e00-\u9fff][^0-9０-９]*$")


def side_by_side(cells: dict[tuple[int, int], str], merges: list[Merge]) -> list[tuple[int, int]]:
    """The sheet's column bands, left to right: one band (its used columns), or, where the used columns break at
    a fully blank column and the two sides repeat each other's labels, a band for each side (split again within
    each)."""
    used = _union([(c, c) for (_, c), t in cells.items() if t.strip()] + [(m.c0, m.c1) for m in merges])
    if len(used) < 2 or len(used) > MAX_BANDS_TRIED:      # no blank column between, or scattered content
        return [(used[0][0], used[-1][1])] if used else [(0, 0)]
    labels: dict[int, set[str]] = {}
    for (_, c), t in cells.items():
        t = "".join(t.split())
        if 2 <= len(t) <= 30 and _LABEL.match(t):
            labels.setdefault(c, set()).add(t)

    def split(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
        best, at = 0.0, None
        inside = [(c, ts) for c, ts in sorted(labels.items()) if runs[0][0] <= c <= runs[-1][1]]
        for k in range(1, len(runs)):
            left = set().union(*(ts for c, ts in inside if c < runs[k][0]))
            right = set().union(*(ts for c, ts in inside if c >= runs[k][0]))
            shared = len(left & right)
            share = shared / len(left | right) if shared else 0.0
            if shared >= ALIKE_LABELS and share >= ALIKE_SHARE and share > best:
                best, at = share, k
        if at is None:
            return [(runs[0][0], runs[-1][1])]
        return split(runs[:at]) + split(runs[at:])
    return split(used)


def _band_blocks(sheet: Sheet, cells: dict, merges: list[Merge], dense: CellBudget) -> list:
    """sheet_blocks of one column band of the sheet (`cells` and `merges` within it)."""
    lim = limits()
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in cells.items():
        by_row.setdefault(r, []).append((c, text))
    for row in by_row.values():
        row.sort()
    # a row is blank when it holds no text and is not strictly inside a vertical merge
    runs = sorted([(r, r) for r, row in by_row.items() if any(t.strip() for _, t in row)]
                  + [(m.r0 + 1, m.r1) for m in merges if m.r1 > m.r0])
    blocks: list[list[int]] = []
    for a, b in runs:
        if blocks and a <= blocks[-1][1] + 1:
            blocks[-1][1] = max(blocks[-1][1], b)
        else:
            blocks.append([a, b])
    tops = [b[0] for b in blocks]
    inside: list[list[Merge]] = [[] for _ in blocks]     # merges lying wholly within each block
    for m in merges:
        i = bisect.bisect_right(tops, m.r0) - 1
        if i >= 0 and m.r1 <= blocks[i][1]:
            inside[i].append(m)
    tables = []
    for (top, bottom), ms in zip(blocks, inside):
        if bottom - top + 1 > lim.max_rows:
            raise LimitExceeded(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行连成一个 {bottom - top + 1:,} 行的表格，"
                                f"超过上限 {lim.max_rows:,} 行；请删除无关数据后另存再导入")
        used = [(c, c) for r in range(top, bottom + 1) for c, t in by_row.get(r, ()) if t.strip()]
        used += [(m.c0, m.c1) for m in ms]
        if not used:
            continue
        groups = _column_groups(sheet, _union(used), top, bottom, lim.max_cols)
        for first, last in groups:
            dense.take((last - first + 1) * (bottom - top + 1), f"（工作表「{sheet.title}」）")
            tables.append(_block_rows(sheet, by_row, [m for m in ms if first <= m.c0 and m.c1 <= last],
                                      top, bottom, first, last))
    return [t for t in tables if t[0]]


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted intervals, overlapping or touching ones joined: the runs of used columns."""
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _column_groups(sheet: Sheet, runs, top: int, bottom: int, max_cols: int) -> list[tuple[int, int]]:
    """The block's column range, split at its widest empty-column gaps only if wider than max_cols."""
    first, last = runs[0][0], runs[-1][1]
    if last - first + 1 <= max_cols:
        return [(first, last)]

    def split(min_gap: int) -> list[tuple[int, int]]:
        groups = [[runs[0][0], runs[0][1]]]
        for (_, prev_end), (a, b) in zip(runs, runs[1:]):
            if a - prev_end - 1 >= min_gap:
                groups.append([a, b])
            else:
                groups[-1][1] = b
        return [(a, b) for a, b in groups]

    def fits(groups) -> bool:
        return all(b - a + 1 <= max_cols for a, b in groups)

    gaps = sorted({a - prev_end - 1 for (_, prev_end), (a, _) in zip(runs, runs[1:])})
    if not gaps or not fits(split(gaps[0])):
        widest = max(runs, key=lambda ab: ab[1] - ab[0])
        raise LimitExceeded(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行有一片连续 {widest[1] - widest[0] + 1:,} 列宽的内容"
                            f"（{column_name(widest[0])}–{column_name(widest[1])} 列），超过上限 {max_cols:,} 列；"
                            "请删除多余的列后另存再导入")
    lo, hi = 0, len(gaps) - 1          # the widest gap threshold that still fits: fewest splits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(split(gaps[mid])):
            lo = mid
        else:
            hi = mid - 1
    groups = split(gaps[lo])
    sheet.warnings.append(f"工作表「{sheet.title}」第 {top + 1:,}–{bottom + 1:,} 行的内容横跨 {column_name(first)}–{column_name(last)} 列"
                          f"（{last - first + 1:,} 列，中间是大片空列），超过上限 {max_cols:,} 列，已在空列处拆成 {len(groups)} 个表格读取"
                          f"（{'、'.join(f'{column_name(a)}–{column_name(b)}' for a, b in groups[:5])}{' 等' if len(groups) > 5 else ''}）；"
                          "请核对远处的内容是否误填")
    return groups


def column_name(c: int) -> str:
    """0-based column index as Excel names it (0 -> 'A', 16383 -> 'XFD')."""
    if c < 0:
        return str(c + 1)
    name = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        name = chr(65 + rem) + name
    return name


def _ref(r0: int, r1: int, c0: int, c1: int) -> str:
    return f"{column_name(c0)}{r0 + 1}:{column_name(c1)}{r1 + 1}"


def _prepare(sheet: Sheet) -> list[Merge]:
    """The sheet's merges, the huge ones clipped (see clip_merges); under `hide_covered`, values
    under a merge other than its top-left cell removed. Runs once per sheet."""
    if sheet.clipped is not None:
        return sheet.clipped
    sheet.clipped = clip_merges(sheet)
    if sheet.hide_covered and sheet.clipped:
        index = _row_index(sheet.clipped)
        for r, c in [k for k in sheet.cells if k[0] in index]:
            m = _merge_at(index[r], c)
            if m is not None and (r, c) != (m.anchor_r, m.anchor_c):
                del sheet.cells[(r, c)]
    return sheet.clipped


def clip_merges(sheet: Sheet) -> list[Merge]:
    """Merges up to LIMITS.max_span rows and columns as the file has them; a larger one (never
    written by hand: Excel users do not merge 1,000 rows) clipped to the rectangle the sheet's
    values occupy and to max_span, with a warning. Refused past max_cells merged rows in all."""
    if not sheet.merges:
        return []
    lim = limits()
    span = lim.max_span
    if sheet.cells:
        rows = [r for r, _ in sheet.cells]
        cols = [c for _, c in sheet.cells]
        top, bottom, left, right = min(rows), max(rows), min(cols), max(cols)
    else:
        top, bottom, left, right = 0, -1, 0, -1
    out, huge, work = [], [], 0
    for r0, r1, c0, c1 in dict.fromkeys(sheet.merges):
        if r1 < r0 or c1 < c0:
            continue
        if r1 - r0 + 1 <= span and c1 - c0 + 1 <= span:
            m = Merge(r0, r1, c0, c1, r0, c0)
        else:
            m = Merge(max(r0, top), min(r1, bottom, r0 + span - 1), max(c0, left), min(c1, right, c0 + span - 1), r0, c0)
            huge.append((_ref(r0, r1, c0, c1), m))
            if m.r0 > m.r1 or m.c0 > m.c1:
                continue
        work += m.r1 - m.r0 + 1
        if work > lim.max_cells:
            raise LimitExceeded(f"工作表「{sheet.title}」的合并区域过多或相互重叠（合计超过 {lim.max_cells:,} 行次），"
                                "疑似恶意构造的文件；请用 Excel 打开后另存再导入")
        out.append(m)
    if huge:
        shown = "、".join(f"{ref}（裁剪为 {_ref(m.r0, m.r1, m.c0, m.c1) if m.r0 <= m.r1 and m.c0 <= m.c1 else '空'}）"
                         for ref, m in huge[:3])
        sheet.warnings.append(f"工作表「{sheet.title}」有 {len(huge)} 个大得异常的合并区域：{shown}{' 等' if len(huge) > 3 else ''}，"
                              f"超过 {span:,} 行或列，已裁剪到有内容的范围读取（合并区域内其余单元格的内容按 Excel 的显示不读取）")
    return out


def _row_index(merges: list[Merge]) -> dict[int, tuple[list[int], list[Merge]]]:
    """Per row, the merges covering it sorted by first column (their c0 list for bisect);
    clip_merges bounded the rows they cover in all."""
    rows: dict[int, list[Merge]] = {}
    for m in merges:
        for r in range(m.r0, m.r1 + 1):
            rows.setdefault(r, []).append(m)
    out = {}
    for r, ms in rows.items():
        ms.sort(key=lambda m: (m.c0, m.c1))
        out[r] = ([m.c0 for m in ms], ms)
    return out


def _merge_at(entry: tuple[list[int], list[Merge]], c: int) -> Merge | None:
    starts, ms = entry
    i = bisect.bisect_right(starts, c) - 1
    return ms[i] if i >= 0 and ms[i].c1 >= c else None


def _block_rows(sheet: Sheet, by_row, merges: list[Merge], top: int, bottom: int, first: int,
                last: int) -> tuple[list[list[str]], list[list[str]]]:
    """Rows top..bottom, columns first..last as physical cells (each merge once, at its top-left),
    and each cell's address on the sheet ("D7"). What grid.rows_from_spans/cols_from_spans make of
    the spans, built row by row without the Span objects (a cell of each kind per grid slot).
    Hidden rows and columns are left out as Excel shows the sheet: a merge whose top row is hidden has
    its text in its first shown row; a merge is left out only when all its columns are hidden."""
    index = _row_index(merges) if merges else {}
    hidden_r, hidden_c = sheet.hidden_rows, sheet.hidden_cols
    widths: dict = {}                  # (row offset, column offset) of a merge -> its last column
    rows: list[list[tuple[int, str]]] = [[] for _ in range(bottom - top + 1)]
    seen: set = set()
    deepest = -1
    for r in range(top, bottom + 1):
        texts = dict(by_row.get(r, ()))
        starts, ms = index.get(r, ((), ()))
        out = rows[r - top]
        j, c = 0, first
        while c <= last:
            while j < len(ms) and ms[j].c1 < c:
                j += 1
            if j < len(ms) and ms[j].c0 <= c:
                m = ms[j]
                if m not in seen:
                    seen.add(m)
                    text = sheet.cells.get((m.anchor_r, m.anchor_c), "")
                    shown = next((k for k in range(m.r0, m.r1 + 1) if k not in hidden_r), m.r0) if hidden_r else m.r0
                    for k in range(m.r0 - top, m.r1 - top + 1):   # its text in its top shown row, '' below
                        rows[k].append((m.c0 - first, text if k == shown - top else ""))
                        if hidden_c:
                            widths[(k, m.c0 - first)] = m.c1
                    deepest = max(deepest, m.r1 - top)
                c = m.c1 + 1
                continue
            out.append((c - first, texts.get(c, "")))
            deepest = max(deepest, r - top)
            c += 1
    names = [column_name(c) for c in range(first, last + 1)]
    texts_out, addresses = [], []
    for i, row in enumerate(rows[:deepest + 1]):
        if hidden_r and top + i in hidden_r:
            continue
        if hidden_c:
            row = [(c, t) for c, t in row
                   if not all(x in hidden_c for x in range(c + first, widths.get((i, c), c + first) + 1))]
        row.sort(key=_first)           # stable, as rows_from_spans sorts
        texts_out.append([t for _, t in row])
        addresses.append([f"{names[c]}{top + i + 1}" for c, _ in row])
    return texts_out, addresses


_first = operator.itemgetter(0)
