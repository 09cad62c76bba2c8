"""Content packed inside a Word document rather than written in its text, read where the document shows it:
- worksheets embedded as objects (粘贴为“Microsoft Excel 工作表 对象”): Word shows a picture of the sheet; the
  figures are in the workbook inside the .docx (`word/embeddings/`), read as that workbook, the sheet it shows;
- alternative-format chunks (`w:altChunk`): web systems write their Word exports as an HTML (or MHT, text, DOCX)
  part that Word converts on opening; python-docx sees an empty body. The part is read by its own reader."""
from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import LimitExceeded, Paragraph, ReadError

OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Excel.Sheet.12 (an .xlsx inside), .8 (an Excel 97 workbook), Excel.SheetMacroEnabled.12, WPS 表格's ET/KET.Sheet …;
# not Excel.Chart, Word.Document, Equation.3, Visio, Package
SHEET_PROGID = re.compile(r"^(?:Excel|K?ET|WPS)\.Sheet", re.I)
SHEET_TYPES = ("spreadsheetml", "ms-excel")     # a part's content type that is a workbook
_MAGIC = {b"PK\x03\x04": "xlsx", b"\xd0\xcf\x11\xe0": "xls"}


ALT_CHUNK = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}altChunk"
MAX_CHUNK_DEPTH = 2          # a chunk's DOCX holding chunks: two levels, never a package that holds itself
_depth = 0


@dataclass
class Objects:
    """The embedded worksheets and alternative-format chunks of one document part, read as the walker meets them
    (numbered in order)."""
    part: object
    number: int = 0
    warnings: list[str] = field(default_factory=list)
    uncached_formulas: list[str] = field(default_factory=list)
    app: str = "Word"            # the program that shows the objects (PowerPoint for a deck's), for the advice

    def blocks_in(self, el) -> list:
        """The blocks of every Excel object inside `el` (a paragraph), in order."""
        out = []
        for ole in el.iter(OLE_OBJECT):
            out += self.object_blocks(self.part.related_parts.get(ole.get(_R + "id") or ""), ole.get("ProgID"))
        return out

    def object_blocks(self, target, prog_id: str | None) -> list:
        """The blocks of one embedded object's part (`target`) when it is a worksheet, else none: an equation, a
        chart, a Visio drawing, a packaged file is not a table."""
        if target is None or not (SHEET_PROGID.match(str(prog_id or ""))
                                  or any(t in str(getattr(target, "content_type", "")) for t in SHEET_TYPES)):
            return []
        self.number += 1
        return self._read(target.blob, str(target.partname).lstrip("/"))

    def chunk_blocks(self, el) -> list:
        """The blocks of a w:altChunk's part, read by the reader of what it is (HTML, MHT, text, DOCX)."""
        global _depth
        target = self.part.related_parts.get(el.get(_R + "id") or "")
        if target is None:
            return []
        blob, kind = target.blob, str(getattr(target, "content_type", "")).lower()
        name = str(target.partname).lstrip("/")
        from evalkit.readers.html import decode_html, html_document, mhtml_html
        try:
            if blob[:4] == b"PK\x03\x04":
                if _depth >= MAX_CHUNK_DEPTH:
                    raise LimitExceeded(f"Word 文档中嵌套的文档片段（{name}）超过 {MAX_CHUNK_DEPTH} 层（疑似恶意构造的文件）")
                from evalkit.readers.docx import read_docx
                with tempfile.TemporaryDirectory(prefix="evalkit-chunk-") as d:
                    path = Path(d) / "chunk.docx"
                    path.write_bytes(blob)
                    _depth += 1
                    try:
                        sub = read_docx(path, repair=False)
                    finally:
                        _depth -= 1
            elif "rfc822" in kind or "multipart" in kind or name.lower().endswith((".mht", ".mhtml")):
                html, charset = mhtml_html(blob)
                sub = html_document(decode_html(html, charset), Path(name), "docx")
            elif "html" in kind or "xml" in kind or name.lower().endswith((".htm", ".html", ".xhtml")):
                sub = html_document(decode_html(blob), Path(name), "docx")
            elif kind.startswith("text/plain") or name.lower().endswith(".txt"):
                from evalkit.readers.text import decode
                text, warnings = decode(blob)
                self.warnings += warnings
                return [Paragraph(line.strip()) for line in text.splitlines() if line.strip()]
            else:
                self.warnings.append(f"文档中有一段 {kind or '未知格式'} 格式的内容（{name}，Word 打开时转换显示），未读取；"
                                     "请用 Word 打开后另存为 .docx 或 PDF 再导入")
                return []
        except LimitExceeded:
            raise
        except ReadError as e:
            self.warnings.append(f"文档中的内容片段（{name}）无法读取（{e}）；请用 Word 打开后另存为 .docx 或 PDF 再导入")
            return []
        self.warnings += sub.warnings
        self.uncached_formulas += sub.uncached_formulas
        return sub.blocks

    def _read(self, blob: bytes, name: str) -> list:
        from evalkit.readers.xlsx import read_xlsx
        n = self.number
        kind = _MAGIC.get(blob[:4])
        if kind is None:
            self.warnings.append(f"文档中第 {n} 个嵌入的 Excel 表格（{name}）不是可识别的工作簿，未读取；"
                                 f"请在 {self.app} 中双击打开它，另存为 .xlsx 后一并导入")
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
                                     f"请在 {self.app} 中双击打开它，另存为 .xlsx 后一并导入")
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

            from evalkit.readers.xlsx import SML
            with zipfile.ZipFile(path) as zf:
                root = lxml.etree.fromstring(zf.read("xl/workbook.xml"),
                                             lxml.etree.XMLParser(resolve_entities=False, no_network=True))
            names = [s.get("name") for s in root.iter(SML + "sheet")]
            view = next(root.iter(SML + "workbookView"), None)
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
