"""Content packed inside a Word document rather than written in its text, read where the document shows it:
- worksheets embedded as objects (粘贴为“Microsoft Excel 工作表 对象”): Word shows a picture of the sheet; the
  figures are in the workbook inside the .docx (`word/embeddings/`), read as that workbook, the sheet it shows;
- files attached as objects (插入 → 对象 → 由文件创建, mostly 显示为图标: the 自评表 sent inside the report as its
  附件): a Word document or deck, a PDF (Acrobat's object), any file Windows' Object Packager packed (ProgID Package),
  read by the reader of what it is, at the object's place; the reading notes say which tables came from it;
- alternative-format chunks (`w:altChunk`): web systems write their Word exports as an HTML (or MHT, text, DOCX)
  part that Word converts on opening; python-docx sees an empty body. The part is read by its own reader."""
from __future__ import annotations

import io
import re
import struct
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, named_list

OLE_OBJECT = "{urn:schemas-microsoft-com:office:office}OLEObject"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# Excel.Sheet.12 (an .xlsx inside), .8 (an Excel 97 workbook), Excel.SheetMacroEnabled.12, WPS 表格's ET/KET.Sheet …;
# not Excel.Chart, Word.Document, Equation.3, Visio, Package (attached files: `attached_file`)
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
    notes: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)   # the attachments' pages read by OCR
    attached: list = field(default_factory=list)          # (words for the attachment, its Document), for the notes
    budget: object = None        # the document's CellBudget: its objects' cells count with its own tables'

    def _charge(self, blocks: list, what: str) -> list:
        """The blocks, their table cells taken from the document's budget (many objects are one document)."""
        if self.budget is not None:
            self.budget.take(sum(len(r) for b in blocks if hasattr(b, "rows") for r in b.rows), f"（含{what}）")
        return blocks

    def blocks_in(self, el) -> list:
        """The blocks of every Excel object inside `el` (a paragraph), in order."""
        out = []
        for ole in el.iter(OLE_OBJECT):
            rid = ole.get(_R + "id") or ""
            if self.linked(self.part, rid, ole.get("ProgID")):
                continue
            out += self.object_blocks(self.part.related_parts.get(rid), ole.get("ProgID"))
        return out

    def linked(self, part, rid: str, prog_id: str | None) -> bool:
        """Whether the object is linked to a file outside the document (粘贴链接: the figures stay in that file, the
        document shows their picture): a worksheet or a document so linked is a warning naming the file, never
        fetched; a linked equation or chart says nothing."""
        rel = part.rels.get(rid) if part is not None and rid else None
        if rel is None or not rel.is_external:
            return False
        if not _NOT_DOCUMENT.search(str(prog_id or "")):
            self.number += 1
            where = str(rel.target_ref)
            self.warnings.append(f"文档中第 {self.number} 个对象链接到文档外的文件（{where}），数据不在文档里，未读取；"
                                 "请把该文件一并导入，或在源程序中断开链接后另存再导入")
        return True

    def object_blocks(self, target, prog_id: str | None) -> list:
        """The blocks of one embedded object's part (`target`): a worksheet's (the sheet it shows), an attached
        file's (`attached_blocks`); none for an equation, a chart, a drawing."""
        if target is None:
            return []
        if not (SHEET_PROGID.match(str(prog_id or ""))
                or any(t in str(getattr(target, "content_type", "")) for t in SHEET_TYPES)):
            return self.attached_blocks(target.blob, prog_id, str(target.partname).lstrip("/"))
        self.number += 1
        return self._read(target.blob, str(target.partname).lstrip("/"))

    def attached_blocks(self, blob: bytes, prog_id: str | None, part_name: str) -> list:
        """The blocks of a file attached as an object, read by the reader of its format (a Word attachment that is
        itself a scan is OCR'd as one); a file of another kind is noted, an archive or mail a warning."""
        try:
            found = attached_file(blob, prog_id)
        except ReadError as e:
            self.number += 1
            self.warnings.append(f"文档中第 {self.number} 个嵌入对象（{part_name}）无法读取（{e}）；"
                                 f"请在 {self.app} 中双击打开它，另存后一并导入")
            return []
        if found is None:
            return []
        return self.file_blocks(*found)

    def file_blocks(self, name: str | None, suffix: str, data: bytes) -> list:
        """The blocks of one attached file (`name` as the document keeps it, if it does; `suffix` its format)."""
        global _depth
        self.number += 1
        n = self.number
        what = f"嵌入对象{n}（附件“{name}”）" if name else f"嵌入对象{n}（{attached_kind(suffix)}）"
        from evalkit.archives import is_archive
        from evalkit.readers import format_of, read
        fmt = format_of("attached" + suffix)
        if fmt is None:
            if is_archive(name or suffix):
                self.warnings.append(f"{what}是压缩包或邮件，未读取；请在 {self.app} 中双击打开它，另存后解压再导入")
            else:
                self.notes.append(f"{what}不是报告文件（{suffix or '无扩展名'}），未读取")
            return []
        if fmt == "image":                 # a scanned page, as the document's own pictures: not a photo, not an icon
            from evalkit.readers.pictures import looks_like_paper, page_sized
            if not (page_sized([(name or "图片", data)]) and looks_like_paper(data)):
                self.notes.append(f"{what}是图片，不像扫描的报告页面，未读取")
                return []
        if _depth >= MAX_CHUNK_DEPTH:
            raise LimitExceeded(f"文档中嵌入的附件层层嵌套，超过 {MAX_CHUNK_DEPTH} 层（{what}；疑似恶意构造的文件）")
        with tempfile.TemporaryDirectory(prefix="evalkit-attached-") as d:
            path = Path(d) / f"attached{suffix}"
            path.write_bytes(data)
            _depth += 1
            try:
                sub = read(path)
            except LimitExceeded as e:
                raise type(e)(f"{what}：{e}") from None
            except ReadError as e:
                self.warnings.append(f"{what}无法读取（{e}）；请在 {self.app} 中双击打开它，另存后一并导入")
                return []
            finally:
                _depth -= 1
        self.warnings += [f"{what}：{w}" for w in sub.warnings]
        self.notes += [f"{what}：{x}" for x in sub.notes if READ_APART not in x]
        if sub.attached:                      # a PDF 包 attached to a document: its files are not inputs of their own
            self.warnings.append(f"{what}中还附有 {len(sub.attached)} 个报告文件（{named_list(sub.attached)}），未读取；"
                                 f"请在 {self.app} 中双击打开它另存，再把其中的附件另存出来一并导入")
        self.hidden += [f"{what}：{x}" for x in sub.hidden]
        for b in sub.blocks:                  # an attached workbook's sheets, named as an Excel object's are
            if b.sheet is not None:
                b.sheet = f"{b.sheet}（嵌入对象{n}）"
        self.uncached_formulas += [f"{sheet}（嵌入对象{n}）!{cell}" for sheet, _, cell in
                                   (ref.rpartition("!") for ref in sub.uncached_formulas)]
        self.ocr_pages += sub.ocr_pages
        self.attached.append((what, sub))
        return self._charge(sub.blocks, f"{what}的表格")

    def into(self, doc: Document) -> Document:
        """The document with what reading its objects gathered: warnings, notes, hidden content, and for each
        attached file which of the document's tables came from it (tables are numbered in reading order)."""
        doc.warnings += self.warnings
        doc.uncached_formulas += self.uncached_formulas
        doc.hidden += self.hidden
        doc.notes += self.notes
        doc.ocr_pages = sorted(set(doc.ocr_pages) | set(self.ocr_pages))
        from evalkit.readers import names
        numbers = {id(t): k for k, t in enumerate(doc.tables(), 1)}
        for what, sub in self.attached:
            got = [numbers[id(b)] for b in sub.blocks if id(b) in numbers]
            pages = f"，{sub.pages} 页" if sub.pages and sub.format in ("pdf", "ofd", "xps", "image") else ""
            where = (f"为文档中的表{got[0]}" + (f"—表{got[-1]}" if len(got) > 1 else "") if got else "其中没有表格")
            doc.notes.append(f"{what}的内容已读取（{names(sub.format).word}{pages}），{where}"
                             + ("；位置中的页码是附件的页码" if pages and self.app == "Word" else ""))
        return doc

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
                sub = read_xlsx(path, repair=False, attachments=False)
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
        return self._charge(blocks, f"嵌入对象{n}的表格")


_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# an OLE object's streams that say what document it is: Word 97, PowerPoint 97, Excel 97 (not a chart's data)
_CFB_DOCUMENTS = (("WordDocument", ".doc"), ("PowerPoint Document", ".ppt"), ("Workbook", ".xls"), ("Book", ".xls"))
_NOT_DOCUMENT = re.compile(r"Chart|Graph|Equation|Visio|Paint|Picture|Bitmap|Media|Sound|Video", re.I)


def attached_kind(suffix: str) -> str:
    """What an attached file of that suffix is, in words (its format's label without the suffix: Word 97-2003 文档)."""
    from evalkit.readers import format_of, names
    fmt = format_of("x" + suffix)
    return re.sub(r"（\.\w+）$", "", names(fmt).label) if fmt else (suffix or "文件")


def attached_file(blob: bytes, prog_id: str | None = None) -> tuple[str | None, str, bytes] | None:
    """The file an embedded object holds, as (its name when the object keeps it, its suffix, its bytes); None for
    an object that is not a document (an equation, a chart, a drawing, a picture). By the bytes, not the ProgID
    alone: WPS and old Office write their own ProgIDs for the same objects."""
    if _NOT_DOCUMENT.search(str(prog_id or "")):
        return None
    if blob[:4] == b"PK\x03\x04":
        suffix = package_suffix(blob)
        return None if suffix in (None, ".zip") else (None, suffix, blob)
    if blob[:5] == b"%PDF-":
        return None, ".pdf", blob
    if blob[:8] != _CFB:
        return None
    import olefile
    try:
        ole = olefile.OleFileIO(io.BytesIO(blob))
    except Exception as e:  # noqa: BLE001  (olefile raises OSError, and struct/index errors on a damaged directory)
        raise ReadError(f"对象数据已损坏：{e}") from None
    try:
        return stored_file(ole.exists, lambda name: ole.openstream(name).read(), blob)
    except ReadError:
        raise
    except Exception as e:  # noqa: BLE001  (a stream olefile cannot follow: a cut or looping chain)
        raise ReadError(f"对象数据已损坏：{e}") from None
    finally:
        ole.close()


def stored_file(exists, stream, whole: bytes | None = None) -> tuple[str | None, str, bytes] | None:
    """As `attached_file`, for an OLE object's storage given by `exists(name)` and `stream(name)` -> bytes: a file
    Object Packager packed, an Office 2007 document inside an Office 97 object, Acrobat's PDF; with `whole` (the
    storage as a compound file of its own) an Office 97 document, which is that file."""
    if exists("\x01Ole10Native"):
        name, data = packaged(stream("\x01Ole10Native"))
        base = re.split(r"[\\/]", name)[-1].strip()
        suffix = Path(base).suffix.lower()
        if data[:4] == b"PK\x03\x04" and suffix in ("", ".bin"):
            suffix = package_suffix(data) or suffix
        return base or None, suffix, data
    if exists("Package"):                              # an Office 2007 document inside an Office 97 file
        data = stream("Package")
        suffix = package_suffix(data)
        return None if suffix is None else (None, suffix, data)
    if exists("CONTENTS"):                             # Acrobat's object: the PDF as it is
        data = stream("CONTENTS")
        return (None, ".pdf", data) if data[:5] == b"%PDF-" else None
    if whole is not None:
        for name, suffix in _CFB_DOCUMENTS:
            if exists(name):
                return None, suffix, whole
    return None


def packaged(data: bytes) -> tuple[str, bytes]:
    """(name, bytes) of the file in an Object Packager stream (\\x01Ole10Native): size, flags, the label and the
    path in the ANSI code page (GBK on Chinese Windows), 8 bytes, a temporary path, the file's size and bytes;
    Office 2007 and later add the temporary path, label and path in UTF-16, whose label is taken when there."""
    def cstring(i: int) -> tuple[bytes, int]:
        j = data.index(b"\x00", i)
        return data[i:j], j + 1
    try:
        label, i = cstring(6)
        _, i = cstring(i)
        _, i = cstring(i + 8)
        (size,) = struct.unpack_from("<I", data, i)
    except (ValueError, struct.error):
        raise ReadError("打包的附件数据不完整") from None
    i += 4
    body = data[i:i + size]
    if len(body) < size:
        raise ReadError(f"打包的附件数据不完整（应有 {size} 字节，只有 {len(body)} 字节）")
    i += size
    names = []
    try:
        for _ in range(3):
            (n,) = struct.unpack_from("<I", data, i)
            names.append(data[i + 4:i + 4 + 2 * n].decode("utf-16-le"))
            i += 4 + 2 * n
    except (struct.error, UnicodeDecodeError):
        names = []
    name = names[1].rstrip("\x00") if len(names) == 3 and names[1].strip("\x00") else label.decode("gb18030", "replace")
    return name, body


def package_suffix(blob: bytes) -> str | None:
    """The suffix of a zip by what it holds: an Office Open XML package by its main part (.docx, .pptx, .xlsx), an
    OpenDocument by its mimetype (.odt, .ods, .odp), else .zip; None for bytes that are no zip."""
    from evalkit.readers.safety import BAD_ZIP, check_directory
    check_directory(io.BytesIO(blob), "附件")       # a directory of millions of entries: refused, not parsed
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:80] if "mimetype" in names else b""
    except (*BAD_ZIP, OSError, KeyError):
        return None
    for part, suffix in (("word/document.xml", ".docx"), ("ppt/presentation.xml", ".pptx"), ("xl/workbook.xml", ".xlsx")):
        if part in names:
            return suffix
    for kind, suffix in ((b"text", ".odt"), (b"spreadsheet", ".ods"), (b"presentation", ".odp")):
        if mimetype.startswith(b"application/vnd.oasis.opendocument." + kind):
            return suffix
    return ".zip"


READ_APART = "evalkit ingest 把每个附件作为单独的报告读取"


def attachment_note(files: list[tuple[str, str]], holder: str = "PDF", place: str = "PDF 的页面上",
                    advice: str | None = None) -> tuple[list[str], list[str]]:
    """(warnings, notes) naming the files attached to a PDF, an OFD or a workbook, which are not read into it (each
    may be a report of its own: its year, its result). Those ingest reads as reports of their own (`advice` None: a
    PDF's, an OFD's, a workbook's, archives.expand_attached) are a note; with `advice` (files nothing takes out) a
    warning, since their figures are not `place`. Other files (a photo, a drawing) a note."""
    reports = attached_reports(files)
    others = [n for n, _ in files if n not in reports]
    holder += " " if holder[-1].isascii() else ""            # PDF 中附有, 工作簿中附有
    place = (" " if place[0].isascii() else "") + place
    warnings, notes = [], []
    if reports and advice is None:
        notes.append(f"{holder}中附有 {len(reports)} 个报告文件（{named_list(reports)}），其内容不在{place}；"
                     f"{READ_APART}，清单中名为“本文件名!附件名”")
    elif reports:
        advice = advice.replace("它们", "它") if len(reports) == 1 else advice
        warnings.append(f"{holder}中附有 {len(reports)} 个文件（{named_list(reports)}），其内容不在{place}，未读取；{advice}")
    if others:
        notes.append(f"{holder}中附有 {len(others)} 个其他文件（{named_list(others)}），不是报告文件，未读取")
    return warnings, notes


def attached_reports(files: list[tuple[str, str]]) -> list[str]:
    """The names of the attached files (name, suffix) that evalkit reads as reports, or archives of them."""
    from evalkit.archives import is_archive
    from evalkit.readers import format_of
    return [n for n, suffix in files if format_of("x" + suffix) is not None or is_archive("x" + suffix)]


def workbook_attachments(path: Path) -> list[tuple[str, str]]:
    """(name, suffix) of the files attached as objects to a workbook's sheets (workbook_files)."""
    return [(name, suffix) for name, suffix, _, _ in workbook_files(path)]


def workbook_files(path: Path) -> list[tuple[str, str, bytes | None, str | None]]:
    """(name, suffix, bytes, problem) of the files attached as objects to a workbook's sheets (a packed file, a PDF, a
    Word document or deck shown as an icon: a 报送清单 with each unit's report attached): an xlsx's xl/embeddings/
    parts, read under the unzip bound, or an Excel 97 (WPS) workbook's object storages (MBD…). Each is named as it
    was packed, else by its part (`oleObject1.pdf`); a workbook not packed by name is a chart's data or a sheet
    object, not an attachment. Each is a report of its own, which ingest reads apart (archives.expand_attached)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return []
    found = _xls_objects(path) if head == _CFB else _xlsx_objects(path)
    return [(name or part + suffix, suffix, data, problem) for part, name, suffix, data, problem in found
            if problem is not None or not (name is None and suffix in (".xlsx", ".xls"))]


def _xlsx_objects(path: Path) -> list[tuple[str, str | None, str, bytes | None, str | None]]:
    """(part's stem, name, suffix, bytes, problem) of each object in an xlsx's xl/embeddings/."""
    from evalkit.readers.safety import read_member
    out = []
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.startswith("xl/embeddings/") or info.filename.endswith("/"):
                    continue
                part = Path(info.filename)
                try:
                    found = attached_file(read_member(zf, info.filename))
                except ReadError as e:
                    out.append((part.stem, part.name, "", None, str(e)))
                    continue
                if found is not None:
                    out.append((part.stem, *found, None))
    except (zipfile.BadZipFile, OSError):
        return []
    return out


def _xls_objects(path: Path) -> list[tuple[str, str | None, str, bytes | None, str | None]]:
    """(storage's name, name, suffix, bytes, problem) of each object an Excel 97 workbook keeps in a storage of its
    own (MBD0001A2B3…: what Excel and WPS write for 插入 → 对象)."""
    import olefile
    out = []
    try:
        with olefile.OleFileIO(str(path)) as ole:
            for entry in ole.listdir(streams=False, storages=True):
                if len(entry) != 1 or not entry[0].upper().startswith("MBD"):
                    continue
                at = entry
                try:
                    found = stored_file(lambda name: ole.exists(at + [name]),
                                        lambda name: ole.openstream(at + [name]).read())
                except ReadError as e:
                    out.append((at[0], at[0], "", None, str(e)))
                    continue
                if found is not None:
                    out.append((at[0], *found, None))
    except Exception:  # noqa: BLE001  (olefile's errors on a damaged compound file: the workbook's own read says so)
        return []
    return out


# the workbook formats whose attached files discovery takes out (archives.attaching; model.holder_word names the
# holder 工作簿): an xlsx, and an Excel 97 or WPS workbook (an xlsx under an .xls or .et name is read as the xlsx)
HOLDING_WORKBOOKS = ("xlsx", "xls", "et")


def workbook_may_attach(path: Path) -> bool:
    """Whether a workbook has objects other than a chart's data: an xlsx's zip directory (its bytes, safety.member_names)
    lists xl/embeddings/ parts that are no workbook, an Excel 97 (WPS) workbook's directory object storages (MBD…);
    so discovery asks it of every workbook."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
        if head == _CFB:
            import olefile
            with olefile.OleFileIO(str(path)) as ole:
                return any(len(e) == 1 and e[0].upper().startswith("MBD")
                           for e in ole.listdir(streams=False, storages=True))
        from evalkit.readers.safety import member_names
        return any(n.startswith("xl/embeddings/") and not n.endswith(("/", ".xlsx", ".xls"))
                   for n in member_names(path) or ())
    except Exception:  # noqa: BLE001  (a damaged workbook: its own read says so)
        return False


def active_sheet(path: Path, kind: str) -> str | None:
    """The name of the sheet a workbook opens on (what an embedded object shows); None when it cannot be told."""
    try:
        if kind == "xlsx":
            import lxml.etree

            from evalkit.readers.xlsxparse import SML
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
