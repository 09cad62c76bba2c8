"""Legacy, Chinese and binary office formats (.doc .wps .rtf .odt / .et .ods .xlsb / .ppt .dps .odp) through LibreOffice.

Each file is converted with `soffice --headless --convert-to docx|xlsx|pptx` in a private temp folder
and the result read by `read_docx` / `read_xlsx` / `read_pptx`; the Document keeps the original's format.

Safety, because the files are untrusted and ingest converts several at once in worker processes:
  * argv lists only, never a shell; the input is first copied into the temp folder under a fixed
    name (`input.<ext>`), so neither a name starting with '-' nor any other name reaches soffice,
    and LibreOffice writes no lock file next to the user's original;
  * a user profile per call (`-env:UserInstallation=file:///<temp>/profile`), so parallel
    conversions never share a profile or the single-instance pipe;
  * a time limit below LIMITS.max_seconds (the worker would otherwise be killed first and leave
    soffice behind); on timeout the whole process group (soffice script, oosplash, soffice.bin)
    is killed;
  * the temp folder is removed whatever happens, and so is the single-instance socket soffice makes in /tmp
    for the profile (a killed or crashed soffice leaves it behind);
  * a run that crashes (SIGABRT/SIGSEGV/SIGBUS: LibreOffice now and then aborts while starting on a
    fresh profile) is tried once more on a new profile within the same time limit; a file that
    crashes it twice is a failed row saying so.

Shortcuts that need no LibreOffice: a `.et` that is a BIFF8 workbook (what Kingsoft ET usually
writes) is read by xlrd like `.xls`; any of these names holding a DOCX/XLSX zip or an HTML page
(web systems export those under .doc) is read by the matching reader.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

from evalkit import limits as _limits
from evalkit.model import Document, LimitExceeded, ReadError, Table, Unparsable
from evalkit.readers.safety import BAD_ZIP, check_file_size, check_package

WRITER = {"doc", "wps", "rtf", "odt", "uot"}   # converted to docx (.uot: UOF 文字, China's office standard)
CALC = {"et", "ods", "xlsb"}                   # converted to xlsx (.xlsb: Excel's binary workbook, BIFF12 parts)
IMPRESS = {"ppt", "dps", "odp"}                # converted to pptx (LibreOffice Impress)
TARGET = {**{f: "docx" for f in WRITER}, **{f: "xlsx" for f in CALC}, **{f: "pptx" for f in IMPRESS}}
PPTX_FILTER = "Impress MS PowerPoint 2007 XML"
FILTER = {"docx": "docx:MS Word 2007 XML", "xlsx": "xlsx:Calc MS Excel 2007 XML", "pptx": f"pptx:{PPTX_FILTER}",
          "pdf": "pdf"}      # (LibreOffice picks the PDF export of the document's kind: Writer's, Impress's)
# What the content is decides the conversion: the target (a .doc that is really a BIFF workbook
# becomes xlsx), the name the copy gets in the temp folder (Kingsoft's OLE2 files under the Microsoft
# suffix of the same family) and the import filter, forced so that LibreOffice never falls back to
# importing a damaged file as plain text (it would "succeed" with binary garbage).
WORD97, EXCEL97, EXCEL_BINARY, POWERPOINT97 = "MS Word 97", "MS Excel 97", "Calc MS Excel 2007 Binary", "MS PowerPoint 97"
BY_KIND = {"ole_word": ("docx", ".doc", WORD97), "rtf": ("docx", ".rtf", "Rich Text Format"),
           "odf_text": ("docx", ".odt", "writer8"), "uof_text": ("docx", ".uot", "UOF text"),
           "ole_excel": ("xlsx", ".xls", EXCEL97),
           "odf_sheet": ("xlsx", ".ods", "calc8"), "xlsb": ("xlsx", ".xlsb", EXCEL_BINARY),
           "ole_powerpoint": ("pptx", ".ppt", POWERPOINT97), "odf_presentation": ("pptx", ".odp", "impress8"),
           # repair (below): a DOCX/XLSX/XLS its own reader gave up on, opened and saved again
           "repair_docx": ("docx", ".docx", "MS Word 2007 XML"),
           "repair_xlsx": ("xlsx", ".xlsx", "Calc MS Excel 2007 XML"), "repair_xls": ("xlsx", ".xls", EXCEL97),
           "repair_pptx": ("pptx", ".pptx", PPTX_FILTER),
           # recalculated (below): an XLSX whose formulas were saved without their values, opened and saved again
           "recalc_xlsx": ("xlsx", ".xlsx", "Calc MS Excel 2007 XML"),
           # laid_out (below): a word-processing file whose text stands in positioned text boxes, printed to PDF
           **{f"layout_{fmt}": ("pdf", suffix, infilter) for fmt, suffix, infilter in (
               ("docx", ".docx", "MS Word 2007 XML"), ("doc", ".doc", WORD97), ("wps", ".doc", WORD97),
               ("odt", ".odt", "writer8"), ("rtf", ".rtf", "Rich Text Format"), ("uot", ".uot", "UOF text"),
               ("pptx", ".pptx", PPTX_FILTER), ("ppt", ".ppt", POWERPOINT97), ("dps", ".ppt", POWERPOINT97),
               ("odp", ".odp", "impress8"))},
           # drawings_read (below): a Windows metafile (a table copied from Excel as a picture) drawn into a PDF
           "drawing_emf": ("pdf", ".emf", None), "drawing_wmf": ("pdf", ".wmf", None)}
REPAIR_MIN_SECONDS = 2.0    # a repair or recalculation is tried only with this much of the file's time limit left
# a damaged OLE2 or ZIP file: the filter of its suffix's family (LibreOffice may still recover it)
DAMAGED = {"ole_damaged": {"doc": WORD97, "wps": WORD97, "et": EXCEL97, "ppt": POWERPOINT97, "dps": POWERPOINT97},
           "zip_damaged": {"doc": "MS Word 2007 XML", "wps": "MS Word 2007 XML", "odt": "writer8",
                           "ods": "calc8", "et": "Calc MS Excel 2007 XML", "xlsb": EXCEL_BINARY,
                           "ppt": PPTX_FILTER, "dps": PPTX_FILTER, "odp": "impress8"}}
BY_FORMAT = {"doc": ".doc", "wps": ".wps", "rtf": ".rtf", "odt": ".odt", "uot": ".uot", "et": ".xls", "ods": ".ods", "xlsb": ".xlsb",
             "ppt": ".ppt", "dps": ".ppt", "odp": ".odp"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

INSTALL_HINT = ("请安装 LibreOffice：sudo apt-get update && sudo apt-get install -y --no-install-recommends "
                "libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui fonts-noto-cjk"
                "（较旧的系统用 libreoffice-writer libreoffice-calc libreoffice-impress；或运行 make setup；"
                "也可用环境变量 EVALKIT_SOFFICE 指定 soffice 的路径）")
IMPRESS_HINT = ("请安装其演示文稿组件：sudo apt-get install -y --no-install-recommends libreoffice-impress-nogui"
                "（较旧的系统用 libreoffice-impress；或运行 make setup）")
# soffice outside PATH (macOS app bundle, the upstream .deb/.rpm under /opt)
KNOWN_PATHS = ("/Applications/LibreOffice.app/Contents/MacOS/soffice",
               "/opt/libreoffice/program/soffice")


def read_office(path: Path, fmt: str | None = None) -> Document:
    """Read a .doc/.wps/.rtf/.odt/.uot/.et/.ods/.xlsb/.ppt/.dps/.odp file (`fmt`: which, when its suffix does not say: a Word 97 file under
    a .docx name); ReadError (Chinese message) when it cannot be read."""
    from evalkit.readers import format_of
    path = Path(path)
    fmt = fmt or format_of(path)          # by the suffix: a template (.dot, .wpt, .ett) as its document
    if fmt not in TARGET:
        raise ReadError(f"不支持的文件类型“{path.suffix or '无扩展名'}”")
    size = check_file_size(path)
    if not size:
        raise ReadError(f"空文件（0 字节），不是有效的 .{fmt} 文件")
    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError as e:
        raise ReadError(f"无法读取文件（{e.strerror or type(e).__name__}）") from None

    kind = sniff(path, head)
    if kind == "docx":
        from evalkit.readers.docx import read_docx
        return _as(read_docx(path), path, fmt)
    if kind == "xlsx":
        from evalkit.readers.xlsx import read_xlsx
        return _as(read_xlsx(path), path, fmt)
    if kind == "pptx":
        from evalkit.readers.pptx import read_pptx
        return _as(read_pptx(path), path, fmt)
    if kind == "html":    # web systems export HTML under .doc/.xls names
        from evalkit.readers.html import read_html
        return _as(read_html(path), path, fmt)
    if kind == "wordml":  # …and Word 2003 XML (a FreeMarker template) under .doc names
        from evalkit.readers.wordxml import read_wordml
        return _as(read_wordml(path), path, fmt)
    if kind == "spreadsheetml":   # …and Excel 2003 XML under .xls/.et names
        from evalkit.readers.xlsx import read_xlsx
        return _as(read_xlsx(path), path, fmt)
    if kind == "ole_excel":
        # Kingsoft ET is normally BIFF8 in an OLE2 file: xlrd reads it like .xls, without LibreOffice.
        from evalkit.readers.xlsx import read_xlsx
        try:
            return _as(read_xlsx(path, repair=False), path, fmt)
        except (LimitExceeded, MemoryError):
            raise
        except Exception:  # noqa: BLE001  (an ET-only variant xlrd does not know: LibreOffice may)
            pass
    if kind == "encrypted":
        raise ReadError("文件有打开密码（加密的 Office 文档），无法读取；请去掉密码后另存再导入")
    if kind in ("odf_text", "odf_sheet", "odf_presentation", "xlsb"):
        _check_package(path, {"odf_text": "ODT", "odf_sheet": "ODS", "odf_presentation": "ODP", "xlsb": "XLSB"}[kind])
    if kind == "unknown":
        raise ReadError(f"不是有效的 .{fmt} 文件：内容不是{_kind(fmt)}，也不是 RTF、DOCX/XLSX/PPTX、ODF、UOF 或网页"
                        "（文件已损坏或扩展名有误）")
    return _as(convert_and_read(path, fmt, kind), path, fmt)


def sniff(path: Path, head: bytes) -> str:
    """What the file holds, whatever its suffix: docx / xlsx / pptx / html / wordml / spreadsheetml (read directly),
    ole_word / ole_excel / ole_powerpoint / ole_other / ole_damaged (OLE2 compound file), rtf, odf_text / odf_sheet /
    odf_presentation, xlsb, unknown."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                mime = _head_of(z, "mimetype") if "mimetype" in names else b""
        except (*BAD_ZIP, OSError, KeyError):
            return "zip_damaged"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "ppt/presentation.xml" in names:
            return "pptx"
        if b"opendocument.text" in mime:
            return "odf_text"
        if b"opendocument.spreadsheet" in mime:
            return "odf_sheet"
        if b"opendocument.presentation" in mime:
            return "odf_presentation"
        return "zip_damaged" if "content.xml" in names else "unknown"
    if head.startswith(OLE2):
        return _ole_kind(path)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{\\rtf"):
        return "rtf"
    from evalkit.readers.wordxml import is_wordml
    from evalkit.readers.xmlsheet import is_spreadsheetml
    if is_wordml(head):
        return "wordml"
    if is_spreadsheetml(head):
        return "spreadsheetml"
    if b"<uof:UOF" in head and b"vnd.uof.text" in head:     # UOF 1.0 (GB/T 20916-2007): one XML file
        return "uof_text"
    low = text.lower()
    if low.startswith(b"<") and any(t in low for t in (b"<html", b"<table", b"<!doctype html", b"<meta")):
        return "html"
    return "unknown"


def _ole_kind(path: Path) -> str:
    """Which Office family an OLE2 compound file belongs to, by its streams (xlrd's parser)."""
    import io
    import mmap

    from xlrd.compdoc import CompDoc
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mem:
            names = {d.name for d in CompDoc(mem, logfile=io.StringIO()).dirlist}
    except Exception:  # noqa: BLE001  (a damaged directory: LibreOffice may still recover the file)
        return "ole_damaged"
    if "EncryptedPackage" in names:       # a password-protected DOCX/XLSX
        return "encrypted"
    if "WordDocument" in names:
        return "ole_word"
    if "Workbook" in names or "Book" in names:
        return "ole_excel"
    if "PowerPoint Document" in names:    # PowerPoint 97-2003, WPS 演示
        return "ole_powerpoint"
    return "ole_other"     # e.g. Microsoft Works .wps (a CONTENTS stream), which LibreOffice reads


def _head_of(z: zipfile.ZipFile, name: str) -> bytes:
    with z.open(name) as f:
        return f.read(100)


def _check_package(path: Path, kind: str) -> None:
    """The ZIP-bomb and DTD checks DOCX/XLSX get, before LibreOffice inflates an ODF or XLSB package."""
    try:
        check_package(path, kind, f"{kind} 文件已损坏（不是有效的压缩包）", "请重新下载或用 LibreOffice 或 WPS 打开后另存再导入")
    except ReadError as e:
        e.args = (str(e).replace(f"用 {kind} 打开", "用 LibreOffice 或 WPS 打开"),)
        raise


def _as(doc: Document, path: Path, fmt: str) -> Document:
    doc.source, doc.format = str(path), fmt
    return doc


# ----------------------------------------------------------------------------- LibreOffice

def find_soffice() -> str | None:
    """The soffice to run: $EVALKIT_SOFFICE, else soffice/libreoffice on PATH, else a known place."""
    env = os.environ.get("EVALKIT_SOFFICE")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in KNOWN_PATHS if os.path.isfile(p) and os.access(p, os.X_OK)), None)


def has_impress(soffice: str) -> bool:
    """Whether this LibreOffice can open decks: Debian's split packages put Writer (libswlo.so) and Impress (libsdlo.so)
    in one program folder, each from its own package; other layouts (macOS's bundle, the upstream packages) carry
    every module. scripts/ensure_libreoffice.sh tells it the same way."""
    folder = Path(os.path.realpath(soffice)).parent
    return not (folder / "libswlo.so").exists() or (folder / "libsdlo.so").exists()


def convert_timeout(max_seconds: float | None = None) -> float:
    """Seconds one conversion may take: the per-file limit minus a margin for reading the result
    (20 %, at most 10 s), so soffice is stopped here before the worker itself is killed."""
    total = _limits.LIMITS.max_seconds if max_seconds is None else max_seconds
    return max(0.1, total - min(10.0, 0.2 * total))


def seconds_now() -> float:
    """Seconds a converter started now may run: convert_timeout, and in a limited worker no more than what the file's
    limit leaves (less the same margin), so the converter is stopped before the worker is killed and leaves it."""
    left = _limits.time_left()
    return convert_timeout() if left is None else min(convert_timeout(), left - min(10.0, 0.2 * max(left, 0)))


@contextmanager
def converted(path: Path, fmt: str, kind: str = "", timeout: float | None = None):
    """LibreOffice's DOCX/XLSX copy of `path` (see convert), in a temp folder removed on leaving (named as `scratch`
    names them: one a killed process left goes with a later run's sweep)."""
    from evalkit import scratch
    with scratch.folder("office") as tmp:
        yield convert(path, fmt, Path(tmp), timeout=timeout, kind=kind)


def _read_copy(out: Path) -> Document:
    """LibreOffice's copy read by the reader of its format; never sent to LibreOffice again (a repair of its
    own output could only fail the same way, a second conversion later)."""
    if out.suffix == ".docx":
        from evalkit.readers.docx import read_docx
        return read_docx(out, repair=False)
    if out.suffix == ".pptx":
        from evalkit.readers.pptx import read_pptx
        return read_pptx(out, repair=False)
    from evalkit.readers.xlsx import read_xlsx
    return read_xlsx(out, repair=False, attachments=False)


def convert_and_read(path: Path, fmt: str, kind: str = "", timeout: float | None = None) -> Document:
    """Convert with LibreOffice in a temp folder, read the result (pictures settled), remove the folder; the one way
    a file goes through LibreOffice: to be read (read_office), repaired (repair) or computed (recalculated)."""
    from evalkit.readers.pictures import settled
    with converted(path, fmt, kind, timeout=timeout) as out:
        try:
            return settled(_read_copy(out))
        except LimitExceeded:
            raise
        except ReadError as e:
            raise ReadError(f"LibreOffice 转换后的 {out.suffix[1:].upper()} 无法读取（{e}）") from None


def _time_for_libreoffice(started: float) -> float | None:
    """The seconds a second reading through LibreOffice (repair, recalculated) may take of the file's limit, counted
    from `started`; None without LibreOffice or with under REPAIR_MIN_SECONDS left."""
    left = convert_timeout() - (time.monotonic() - started)
    return left if find_soffice() is not None and left >= REPAIR_MIN_SECONDS else None


def repair(path: Path, fmt: str, failure: Unparsable, started: float) -> Document:
    """A DOCX/XLSX/XLS whose reader gave up on its parts (`failure`), opened and saved again by LibreOffice, as
    the message asks the user to do in Word or Excel, and read; the Document says so in its warnings (the
    report is `partial`: figures to check against the original). Without LibreOffice, without time left
    (the file's limit, counted from `started`), or when LibreOffice fails too: `failure`, noting the try."""
    from evalkit.readers.sniff import content_format

    left = _time_for_libreoffice(started)
    if left is None:
        raise failure
    if content_format(path) not in (None, fmt):
        raise failure        # not a damaged file: another format under this name, which readers.read reads as such
    try:
        doc = convert_and_read(path, fmt, f"repair_{fmt}", timeout=left)
    except LimitExceeded:
        raise
    except ReadError:
        raise Unparsable(failure.kind, failure.why, failure.advice, repaired_too=True) from None
    doc.warnings.insert(0, f"{failure.kind} 文件内部结构有误，无法直接解析（{failure.why}），已由 LibreOffice 修复后读取；"
                           "请对照原件核对数值")
    doc.source = str(path)          # the format stays the reader's, as for a file it reads itself
    return doc


LAID_OUT = "已按 LibreOffice 排版后的页面读取（位置中的页码为排版后的页码），请对照原件核对"


def in_boxes(fmt: str) -> str:
    """Why a document is read as laid out: its tables are text boxes (a word-processing file) or shapes (a deck)."""
    if fmt in IMPRESS | {"pptx"}:
        return "幻灯片上的表格是用文本框和线条画成的（不是 PowerPoint 表格），文字中没有自评表"
    return "文档的文字在定位的文本框中（PDF 转 Word 时“保留版式”的结果，表格没有成为 Word 表格），文字中没有自评表"


def laid_out(doc: Document) -> Document:
    """A word-processing document whose text stands in positioned text boxes (`Document.in_text_boxes`: a PDF-to-Word
    converter's page layout, each cell's text a box of its own) read as its pages are laid out: LibreOffice prints
    it to PDF and the PDF reader finds the tables there, ruled or aligned. Called when its text gives nothing; without
    LibreOffice, or when it fails, `doc` with a warning saying so."""
    from evalkit.readers.pdf import read_pdf
    fmt = doc.format
    if f"layout_{fmt}" not in BY_KIND:
        return doc
    why, soffice = in_boxes(fmt), find_soffice()
    if soffice is None:
        doc.warnings.append(f"{why}；按排版后的页面读取需要 LibreOffice，本机没有。{INSTALL_HINT}")
        return doc
    if BY_KIND[f"layout_{fmt}"][2] in (PPTX_FILTER, POWERPOINT97, "impress8") and not has_impress(soffice):
        doc.warnings.append(f"{why}；按排版后的页面读取需要 LibreOffice 的演示文稿组件（Impress），本机没有。{IMPRESS_HINT}")
        return doc
    timeout = seconds_now()
    if timeout < REPAIR_MIN_SECONDS:
        doc.warnings.append(f"{why}；单个文件的时限已将用完，未能按排版后的页面读取（可用 EVALKIT_LIMIT_MAX_SECONDS 调整）")
        return doc
    try:
        with converted(Path(doc.source), fmt, f"layout_{fmt}", timeout=timeout) as out:
            pages = read_pdf(out)
    except LimitExceeded:
        raise
    except ReadError as e:
        doc.warnings.append(f"{why}；按 LibreOffice 排版后的页面读取也未成功（{e}）")
        return doc
    from evalkit.readers import folded, shared
    pages = shared(folded(pages)).number_tables()         # as readers.read gives any document
    pages.source, pages.format = doc.source, fmt
    pages.notes = doc.notes + [f"{why}；{LAID_OUT}"] + pages.notes
    pages.warnings = doc.warnings + pages.warnings
    pages.hidden, pages.linked = doc.hidden + pages.hidden, doc.linked + pages.linked
    return pages


MAX_DRAWINGS = 50     # metafiles converted for one document at most (each is one LibreOffice run)


def drawings_read(doc: Document, drawings: list[tuple]) -> Document:
    """A document whose text gives nothing but which shows Windows metafiles (EMF/WMF: a table copied from Excel as a
    picture, 复制为图片 or 选择性粘贴为图元文件; PIL cannot draw them here, so no OCR) with what they hold: each drawn
    into a PDF page by LibreOffice (its text stays text; a metafile whose text is glyph codes gives a garbled page,
    which the PDF reader OCRs), the pages joined in order and read by the PDF reader; page N is the document's N-th
    such picture. Without LibreOffice, or when every one fails, `doc` with a warning saying so."""
    from PIL import Image

    from evalkit import scratch
    from evalkit.readers import folded, shared
    from evalkit.readers.pdf import read_pdf
    what = f"文档中没有文字表格，只有 {len(drawings)} 张矢量图片（EMF/WMF 图元文件：从 Excel“复制为图片”或选择性粘贴为图元文件的表格）"
    if find_soffice() is None:
        doc.warnings.append(f"{what}，读取其中的文字需要 LibreOffice，本机没有。{INSTALL_HINT}")
        return doc
    lost, parts, slides = [], [], []
    with scratch.folder("office") as tmp:
        for k, (name, data, *at) in enumerate(drawings[:MAX_DRAWINGS], 1):
            try:
                with Image.open(io.BytesIO(data)) as im:
                    suffix = "." + im.format.lower()
            except Exception:  # noqa: BLE001  (metafiles() told it already)
                suffix = ".emf"
            src = Path(tmp) / f"drawing{k}{suffix}"
            src.write_bytes(data)
            timeout = seconds_now()
            if timeout < REPAIR_MIN_SECONDS:
                lost.append(f"第 {k} 张矢量图片（{name}）：单个文件的时限已将用完，未读取")
                break
            try:
                with converted(src, suffix[1:], f"drawing{suffix.replace('.', '_')}", timeout=timeout) as out:
                    page = Path(tmp) / f"{k}.pdf"
                    shutil.copyfile(out, page)
                    parts.append(page)
                    slides.append(at[0] if at else None)         # a deck's picture: the slide it stands on
            except LimitExceeded:
                raise
            except ReadError as e:
                lost.append(f"第 {k} 张矢量图片（{name}）无法转换（{e}），其中的内容未读取")
        if not parts:
            doc.warnings.append(f"{what}，由 LibreOffice 读取其中的文字未成功：" + "；".join(lost))
            return doc
        joined = Path(tmp) / "drawings.pdf"
        join_pdfs(parts, joined)
        read = shared(folded(read_pdf(joined)))
    if len(drawings) > MAX_DRAWINGS:
        lost.append(f"另有 {len(drawings) - MAX_DRAWINGS} 张矢量图片超过上限 {MAX_DRAWINGS} 张，未读取")
    on_slides = all(n is not None for n in slides)
    for b in read.blocks if on_slides else ():      # each picture's text on its slide, as the deck's own blocks
        b.page = slides[b.page - 1] if b.page else None
        if isinstance(b, Table):
            b.pages = b.cell_pages = None
    blocks = list(doc.blocks)
    note = (f"文档中的 {len(parts)} 张矢量图片（EMF/WMF 图元文件）由 LibreOffice 转为 PDF 后读取其中的文字，"
            + ("位置中的页码为图片所在幻灯片的页码" if on_slides else "位置中的“第 N 页”指读出的第 N 张这样的图片"))
    return dataclasses.replace(doc, blocks=blocks + read.blocks, pages=doc.pages or read.pages,
                               ocr_pages=sorted(set(doc.ocr_pages) | set(read.ocr_pages)),
                               warnings=doc.warnings + read.warnings + lost,
                               notes=doc.notes + [note] + read.notes).number_tables()


def join_pdfs(parts: list[Path], out: Path) -> None:
    """PDFs as one, in order (one is copied as it is): the pages of several conversions read as one document."""
    if len(parts) == 1:
        shutil.copyfile(parts[0], out)
        return
    from pypdf import PdfWriter
    writer = PdfWriter()
    for p in parts:
        writer.append(str(p))
    with open(out, "wb") as f:
        writer.write(f)


# what LibreOffice saves for a formula it could not compute (Excel's error values; its own Err:5xx codes)
FORMULA_ERROR = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|SPILL!|CALC!)|Err:\d{3}")


def recalculated(path: Path, doc: Document, started: float) -> Document:
    """A workbook whose formulas were saved without their values (`doc.uncached_formulas`: a program that writes
    formulas and leaves the computing to Excel, an export script, a web system) opened and saved by LibreOffice,
    which computes them as Excel does on opening, and read from that copy; the reading notes name the cells. A
    formula LibreOffice cannot compute either (an error: a link to another workbook, a function it lacks) stays
    unknown and listed. Without LibreOffice, or the file's time, or when the conversion fails: `doc` as read."""
    left = _time_for_libreoffice(started)
    if left is None:
        return doc
    try:
        copy = convert_and_read(path, "xlsx", "recalc_xlsx", timeout=left)
    except (ReadError, LimitExceeded) as e:
        why = "超时" if isinstance(e, LimitExceeded) else "失败"
        doc.notes.append(f"公式没有保存计算结果，由 LibreOffice 计算{why}，这些单元格按无法读出处理")
        return doc
    wanted = set(doc.uncached_formulas)
    errors = {f"{b.sheet}!{ref}" for b in copy.tables() if b.cells
              for row, refs in zip(b.rows, b.cells) for text, ref in zip(row, refs)
              if ref and f"{b.sheet}!{ref}" in wanted and FORMULA_ERROR.fullmatch((text or "").strip())}
    errors |= {f"{b.sheet}!{b.cell}" for b in copy.paragraphs() if b.cell and f"{b.sheet}!{b.cell}" in wanted
               and FORMULA_ERROR.fullmatch(b.text.strip())}
    computed = [ref for ref in doc.uncached_formulas if ref not in errors]
    shown = "、".join(computed[:8]) + (f" 等 {len(computed)} 个单元格" if len(computed) > 8 else "")
    copy.notes.insert(0, f"公式没有保存计算结果（{shown}），已由 LibreOffice 按公式计算后读取"
                         + (f"；{len(errors)} 个公式计算出错，仍无法读出" if errors else ""))
    copy.uncached_formulas = [ref for ref in doc.uncached_formulas if ref in errors]
    copy.source, copy.format = doc.source, doc.format
    return copy


def convert(path: Path, fmt: str, workdir: Path, timeout: float | None = None, kind: str = "") -> Path:
    """Run `soffice --headless --convert-to` on a copy of `path` inside `workdir`; the converted
    file's path. ReadError when LibreOffice is missing or fails, LimitExceeded on timeout."""
    soffice = find_soffice()
    if soffice is None:
        raise ReadError(f"读取 .{fmt} 文件需要 LibreOffice，但本机没有找到 soffice。{INSTALL_HINT}")
    ext, suffix, infilter = BY_KIND.get(kind) or (TARGET[fmt], BY_FORMAT[fmt], DAMAGED.get(kind, {}).get(fmt))
    if ext == "pptx" and not has_impress(soffice):
        raise ReadError(f"读取 .{fmt} 文件需要 LibreOffice 的演示文稿组件（Impress），本机的 LibreOffice 没有。{IMPRESS_HINT}")
    src = workdir / ("input" + suffix)
    outdir, profile = workdir / "out", workdir / "profile"
    outdir.mkdir()
    try:
        shutil.copyfile(path, src)
    except OSError as e:
        raise ReadError(f"无法复制文件以便转换（{e.strerror or type(e).__name__}）") from None
    argv = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
            "--nologo", "--nodefault", "--nolockcheck", "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to", FILTER[ext], "--outdir", str(outdir), str(src)]
    env = dict(os.environ, HOME=str(workdir), TMPDIR=str(workdir), SAL_USE_VCLPLUGIN="svp")
    limit = convert_timeout() if timeout is None else timeout
    started = time.monotonic()
    out = outdir / ("input." + ext)
    try:
        for attempt in (1, 2):
            code, stdout, stderr = _run(argv, workdir, env, limit - (time.monotonic() - started), fmt, limit)
            if code == 0 and out.is_file() and out.stat().st_size > 0:
                return out
            # LibreOffice now and then aborts while starting on a fresh profile (SIGABRT, "Fatal exception:
            # Signal 6"): such a crash is tried once more on a new profile, in the time left
            if attempt == 1 and crashed(code) and limit - (time.monotonic() - started) > RETRY_MIN_SECONDS:
                shutil.rmtree(profile, ignore_errors=True)
                shutil.rmtree(outdir, ignore_errors=True)
                outdir.mkdir()
                continue
            break
    finally:
        remove_pipe(profile)
    detail = _detail(stdout, stderr, code, time.monotonic() - started)
    again = "；LibreOffice 中途崩溃，换新配置重试一次仍失败" if attempt == 2 else ""
    raise ReadError(f"LibreOffice 无法转换该 .{fmt} 文件（文件损坏、加密或不是{_kind(fmt)}{again}）：{detail}")


def _run(argv: list[str], workdir: Path, env: dict, seconds: float, fmt: str, limit: float
         ) -> tuple[int | None, bytes, bytes]:
    """One soffice run in its own process group, killed whole on timeout: (exit code, stdout, stderr)."""
    try:
        return run_group(argv, workdir, env, seconds)
    except OSError as e:
        raise ReadError(f"无法启动 LibreOffice（{argv[0]}：{e.strerror or type(e).__name__}）。{INSTALL_HINT}") from None
    except subprocess.TimeoutExpired:
        raise LimitExceeded(f"LibreOffice 转换 .{fmt} 文件超过 {limit:g} 秒仍未完成，已终止其全部进程"
                            f"（单个文件时限 {_limits.LIMITS.max_seconds:g} 秒，可用 EVALKIT_LIMIT_MAX_SECONDS 调整）") from None


def run_group(argv: list[str], workdir: Path, env: dict, seconds: float, memory_mb: int | None = None
              ) -> tuple[int | None, bytes, bytes]:
    """A converter program (soffice, xpstopdf) run in its own process group, the whole group killed when it is done
    or past `seconds` (subprocess.TimeoutExpired then; OSError when it cannot start): (exit code, stdout, stderr).
    `memory_mb`: its address space capped at that (a program that balloons fails alone, wherever it was started)."""
    cap = None
    if memory_mb is not None and os.name == "posix":
        import resource

        def cap() -> None:             # never above a cap the process has already (a worker's, an admin's ulimit)
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_mb * 2**20 if hard == resource.RLIM_INFINITY else min(hard, memory_mb * 2**20)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=str(workdir), env=env, start_new_session=True,   # its own process group, killed as one
                            preexec_fn=cap)
    try:
        stdout, stderr = proc.communicate(timeout=max(0.05, seconds))
    except BaseException:          # the timeout included
        _kill_group(proc)
        proc.communicate()
        raise
    finally:
        _kill_group(proc)        # anything the launcher left behind in its group
    return proc.returncode, stdout, stderr


def pipe_of(profile: Path) -> list[Path]:
    """Where soffice puts the single-instance socket of this profile: OSL_PIPE_<uid>_SingleOfficeIPC_<MD5 of
    the profile's URL in UTF-16, its bytes in unpadded hex> in /tmp, or /var/tmp when /tmp is not writable."""
    if not hasattr(os, "getuid"):
        return []           # Windows: a named pipe, gone with the process
    digest = hashlib.md5(profile.as_uri().encode("utf-16-le"), usedforsecurity=False).digest()
    name = f"OSL_PIPE_{os.getuid()}_SingleOfficeIPC_" + "".join(format(b, "x") for b in digest)
    return [Path(d) / name for d in ("/tmp", "/var/tmp")]


def remove_pipe(profile: Path) -> None:
    """Remove the socket a killed or crashed soffice left for our private profile (soffice removes it only when
    it exits normally; each timed-out file would otherwise leave one in /tmp). Only a socket of ours, by that
    exact name: the profile is unique to one conversion, so no other process can be using it."""
    for p in pipe_of(profile):
        try:
            st = p.lstat()
            if stat.S_ISSOCK(st.st_mode) and st.st_uid == os.getuid():
                p.unlink()
        except OSError:
            pass


RETRY_MIN_SECONDS = 1.0     # a crashed conversion is tried again only with at least this much time left
_CRASH_SIGNALS = {signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS}


def crashed(code: int | None) -> bool:
    """soffice died of a crash signal: -N when killed itself, 128+N when its launcher script reports it."""
    return code is not None and (-code in _CRASH_SIGNALS or code - 128 in _CRASH_SIGNALS)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def _kind(fmt: str) -> str:
    from evalkit.readers import names
    return " " + names(fmt).kind


def _detail(stdout: bytes, stderr: bytes, code: int | None, seconds: float) -> str:
    lines = [ln.strip() for ln in (stderr + b"\n" + stdout).decode("utf-8", "replace").splitlines()]
    lines = [ln for ln in lines if ln and "javaldx" not in ln and not ln.startswith("convert ")]
    said = "；".join(lines)[:300]
    said = f"LibreOffice 报告“{said}”" if said else "没有生成转换结果"
    return f"{said}（退出码 {code}，用时 {seconds:.1f} 秒）"
