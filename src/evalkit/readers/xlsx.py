"""XLSX/XLS reader: every sheet, its title then its tables, merged ranges read once.

Sheets are read sparsely: only the cells that hold a value are kept (streamed from the sheet XML,
never a dense grid), so a 2 KB file with one value in XFD1048576 or one merge A1:XFD1048576 costs
what its content costs. See `sheet_tables` for how far-away content and huge merges are handled.
"""
from __future__ import annotations

import functools
import re
import time
import zipfile
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table, Unparsable
from evalkit.readers.safety import UNZIP_ERRORS, CellBudget, check_file_size, is_encrypted_ooxml, read_member, reason
from evalkit.readers.sheets import (Sheet, hidden_parts, place, render, sheet_document_blocks, style_hides,
                                    uncached_formulas)
from evalkit.readers.xlsxparse import RESAVE, SML, xlsx_sheets

ENCRYPTED = "Excel 文件已加密（设置了打开密码），无法读取；请在 Excel 中取消密码后另存再导入"


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
            sheets = _xls_sheets(path, budget) if kind == "xls" else xlsx_sheets(path, budget)
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
