"""Worksheets embedded in a Word document as objects (粘贴为“Microsoft Excel 工作表 对象”): Word shows a picture of
the sheet; the figures are in the workbook packed inside the .docx (`word/embeddings/`). Each is read as the workbook
it is, the sheet Word shows (the workbook's active sheet), at the object's place in the text."""
from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import LimitExceeded, Paragraph, ReadError

OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_SML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# Excel.Sheet.12 (an .xlsx inside), .8 (an Excel 97 workbook), Excel.SheetMacroEnabled.12, WPS 表格's ET/KET.Sheet …;
# not Excel.Chart, Word.Document, Equation.3, Visio, Package
SHEET_PROGID = re.compile(r"^(?:Excel|K?ET|WPS)\.Sheet", re.I)
SHEET_TYPES = ("spreadsheetml", "ms-excel")     # a part's content type that is a workbook
_MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0": "xls"}


@dataclass
class Objects:
    """The embedded worksheets of one document part, read as the walker meets them (numbered in order)."""
    part: object
    number: int = 0
    warnings: list[str] = field(default_factory=list)
    uncached_formulas: list[str] = field(default_factory=list)

    def blocks_in(self, el) -> list:
        """The blocks of every Excel object inside `el` (a paragraph), in order."""
        out = []
        for ole in el.iter(OLE_OBJECT):
            target = self.part.related_parts.get(ole.get(_R + "id") or "")
            if target is None or not (SHEET_PROGID.match(str(ole.get("ProgID") or ""))
                                      or any(t in str(getattr(target, "content_type", "")) for t in SHEET_TYPES)):
                continue              # an equation, a chart, a Visio drawing, a packaged file: not a table
            self.number += 1
            out += self._read(target.blob, str(target.partname).lstrip("/"))
        return out

    def _read(self, blob: bytes, name: str) -> list:
        from evalkit.readers.xlsx import read_xlsx
        n = self.number
        kind = _MAGIC.get(blob[:4])
        if kind is None:
            self.warnings.append(f"文档中第 {n} 个嵌入的 Excel 表格（{name}）不是可识别的工作簿，未读取；"
                                 "请在 Word 中双击打开它，另存为 .xlsx 后一并导入")
            return []
        with tempfile.TemporaryDirectory(prefix="evalkit-embedded-") as d:
            path = Path(d) / f"object.{kind}"
            path.write_bytes(blob)
            try:
                sub = read_xlsx(path, repair=False)
                shown = active_sheet(path, kind)
            except LimitExceeded as e:
                raise type(e)(f"文档中第 {n} 个嵌入的 Excel 表格（{name}）：{e}") from None
            except ReadError as e:
                self.warnings.append(f"文档中第 {n} 个嵌入的 Excel 表格（{name}）无法读取（{e}）；"
                                     "请在 Word 中双击打开它，另存为 .xlsx 后一并导入")
                return []
        label = {}
        blocks = []
        for b in sub.blocks:
            if shown is not None and b.sheet != shown:
                continue                       # a sheet the object does not show
            if isinstance(b, Paragraph) and b.cell is None and b.text == b.sheet:
                continue                       # read_xlsx's sheet title: Word shows no tab
            b.sheet = label.setdefault(b.sheet, f"{b.sheet}（嵌入对象{n}）")
            blocks.append(b)
        self.warnings += [f"嵌入对象{n}：{w}" for w in sub.warnings]
        for ref in sub.uncached_formulas:
            sheet, _, cell = ref.rpartition("!")
            if shown is None or sheet == shown:
                self.uncached_formulas.append(f"{label.get(sheet, sheet)}!{cell}")
        return blocks


def active_sheet(path: Path, kind: str) -> str | None:
    """The name of the sheet a workbook opens on (what an embedded object shows); None when it cannot be told."""
    try:
        if kind == "xlsx":
            import lxml.etree
            with zipfile.ZipFile(path) as zf:
                root = lxml.etree.fromstring(zf.read("xl/workbook.xml"),
                                             lxml.etree.XMLParser(resolve_entities=False, no_network=True))
            names = [s.get("name") for s in root.iter(_SML + "sheet")]
            view = next(root.iter(_SML + "workbookView"), None)
            tab = int(view.get("activeTab", 0)) if view is not None else 0
            return names[tab] if 0 <= tab < len(names) else None
        import xlrd
        book = xlrd.open_workbook(str(path), on_demand=True)
        try:
            sheets = [book.sheet_by_index(i) for i in range(book.nsheets)]
            shown = next((s for s in sheets if s.sheet_visible), None) or next((s for s in sheets if s.sheet_selected), None)
            return shown.name if shown is not None else None
        finally:
            book.release_resources()
    except Exception:  # noqa: BLE001  (a workbook read_xlsx read but whose view is damaged: every sheet is read)
        return None
