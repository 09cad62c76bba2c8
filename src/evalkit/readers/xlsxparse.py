"""An .xlsx workbook's worksheets read cell by cell, never as a dense grid: openpyxl's read-only workbook for the
package and styles, the sheet XML streamed by expat (openpyxl's own parser where a sheet is unusual), shared strings
checked before they are loaded; struck-through and white-on-white text, hidden rows and columns, formulas saved
without a value kept apart. Each sheet a `Sheet` (readers/sheets.py)."""
from __future__ import annotations

import functools
import itertools
import re
import zipfile
from io import BytesIO
from pathlib import Path

from evalkit.model import LimitExceeded, ReadError, Unparsable
from evalkit.readers.safety import UNZIP_ERRORS, CellBudget, check_no_dtd, iter_member, limits, open_zip, reason
from evalkit.readers.sheets import Sheet, place, render, style_hides

NOT_A_ZIP = ("XLSX 文件已损坏（不是有效的 ZIP 包，可能下载不完整，或是 .xls 文件改了扩展名），"
             "请重新下载或用 Excel 另存为 .xlsx 再导入")
RESAVE = "请用 Excel 打开后另存为 .xlsx 再导入"
SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"     # SpreadsheetML's main namespace
SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?si[\s>/]")


def xlsx_sheets(path: Path, budget: CellBudget) -> list[Sheet]:
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
            n += sum(1 for m in SHARED_STRING.finditer(window) if m.end() > len(tail))
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
