"""Readers turn one file into a `Document`; the format is chosen by the file's suffix.

One registry: suffix -> format, format -> "module:function". Each reader module is imported only
when a file of its format is read, so optional parts (OCR, LibreOffice) cost nothing otherwise.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from evalkit.model import Document, LimitExceeded, ReadError

SUFFIXES = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".pdf": "pdf",
    ".ofd": "ofd",          # GB/T 33190: drawn into a PDF (readers/ofd.py)
    ".xps": "xps",          # Windows' 打印到 XPS, and OpenXPS (Windows 8 and later): drawn into a PDF (readers/xps.py)
    ".oxps": "xps",
    ".docm": "docx",        # macro-enabled and template Word/Excel packages: the same XML (macros never run)
    ".dotx": "docx",
    ".dotm": "docx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xls": "xls",
    ".xlt": "xls",          # an Excel 97-2003 template: the same BIFF workbook
    ".csv": "csv",          # a table saved as comma-separated values: one sheet (readers/delimited.py)
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",       # server-side includes: most government portals' article pages (t20230815_123456.shtml)
    ".shtm": "html",
    ".xhtml": "html",
    ".mht": "mhtml",
    ".mhtml": "mhtml",
    # legacy and Chinese office formats, converted by LibreOffice (readers/office.py)
    ".doc": "doc",
    ".dot": "doc",          # Word 97-2003 and WPS templates: the same files as their documents
    ".wps": "wps",
    ".wpt": "wps",
    ".rtf": "rtf",
    ".odt": "odt",
    ".uot": "uot",          # UOF 文字 (GB/T 20916, 永中/红旗 Office: an XML file), LibreOffice's UOF filter
    ".et": "et",
    ".ett": "et",
    ".ods": "ods",
    ".xlsb": "xlsb",        # Excel's binary workbook (BIFF12 parts in a package): LibreOffice reads it
    # decks: the 自评表 pasted into a department's 汇报 slides (readers/pptx.py; the binary ones through LibreOffice)
    ".pptx": "pptx",
    ".pptm": "pptx",
    ".ppsx": "pptx",        # a slide show, a template: the same PresentationML
    ".ppsm": "pptx",
    ".potx": "pptx",
    ".potm": "pptx",
    ".ppt": "ppt",
    ".pps": "ppt",
    ".pot": "ppt",
    ".dps": "dps",          # WPS 演示 (Kingsoft Presentation): an OLE2 file of PowerPoint 97's family
    ".dpt": "dps",
    ".odp": "odp",
    # scanned pages (readers/ocr.py)
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".tif": "image",
    ".tiff": "image",
    ".jfif": "image",       # JPEG as Windows and browsers save it
    ".webp": "image",       # photos saved from WeChat and browsers
    ".heic": "image",       # iPhone photos (pillow-heif, in the [ocr] extra)
    ".heif": "image",
}
NEEDS = {".heic": "pillow_heif", ".heif": "pillow_heif"}   # a suffix whose reading needs one more module

READERS = {
    "txt": "evalkit.readers.markdown:read_text_or_markdown",   # a .txt holding Markdown tables is read as Markdown
    "md": "evalkit.readers.markdown:read_markdown",
    "docx": "evalkit.readers.docx:read_docx",
    "pdf": "evalkit.readers.pdf:read_pdf",
    "ofd": "evalkit.readers.ofd:read_ofd",
    "xps": "evalkit.readers.xps:read_xps",
    "xlsx": "evalkit.readers.xlsx:read_xlsx",
    "xls": "evalkit.readers.xlsx:read_xlsx",
    "csv": "evalkit.readers.delimited:read_csv",
    "html": "evalkit.readers.html:read_html",
    "mhtml": "evalkit.readers.html:read_mhtml",
    "doc": "evalkit.readers.office:read_office",
    "wps": "evalkit.readers.office:read_office",
    "rtf": "evalkit.readers.office:read_office",
    "odt": "evalkit.readers.office:read_office",
    "uot": "evalkit.readers.office:read_office",
    "et": "evalkit.readers.office:read_office",
    "ods": "evalkit.readers.office:read_office",
    "xlsb": "evalkit.readers.office:read_office",
    "pptx": "evalkit.readers.pptx:read_pptx",
    "ppt": "evalkit.readers.office:read_office",
    "dps": "evalkit.readers.office:read_office",
    "odp": "evalkit.readers.office:read_office",
    "image": "evalkit.readers.ocr:read_image",
}


@dataclass(frozen=True)
class Names:
    """A format in Chinese words. `label` tells it from its kin (a misnamed file's warning: 内容是Word 97-2003 文档
    （.doc）); `kind` is what a converter expected of it (不是 Word 文档); `word` what an attached file was read as
    (嵌入对象1 的内容已读取（工作簿））."""
    label: str
    kind: str
    word: str


NAMES = {
    "pdf": Names("PDF 文件", "PDF 文件", "PDF"),
    "ofd": Names("OFD 文件", "OFD 文件", "OFD"),
    "xps": Names("XPS 文件", "XPS 文件", "XPS"),
    "docx": Names("Word 文档（.docx）", "Word 文档", "Word 文档"),
    "doc": Names("Word 97-2003 文档（.doc）", "Word 文档", "Word 文档"),
    "wps": Names("WPS 文字文档（.wps）", "WPS 文字文档", "WPS 文字文档"),
    "rtf": Names("RTF 文档", "RTF 文档", "RTF 文档"),
    "odt": Names("ODT 文档", "ODF 文本文档", "ODT 文档"),
    "uot": Names("UOF 文字文档", "UOF 文字文档", "UOF 文字文档"),
    "xlsx": Names("Excel 工作簿（.xlsx）", "Excel 工作簿", "工作簿"),
    "xls": Names("Excel 97-2003 工作簿（.xls）", "Excel 工作簿", "工作簿"),
    "xlsb": Names("Excel 二进制工作簿（.xlsb）", "Excel 二进制工作簿", "工作簿"),
    "et": Names("WPS 表格文件（.et）", "WPS 表格文件", "WPS 表格"),
    "ods": Names("ODS 表格", "ODF 电子表格", "工作簿"),
    "pptx": Names("PowerPoint 演示文稿（.pptx）", "PowerPoint 演示文稿", "演示文稿"),
    "ppt": Names("PowerPoint 97-2003 演示文稿（.ppt）", "PowerPoint 演示文稿", "演示文稿"),
    "dps": Names("WPS 演示文稿（.dps）", "WPS 演示文稿", "WPS 演示文稿"),
    "odp": Names("ODP 演示文稿", "ODF 演示文稿", "演示文稿"),
    "html": Names("网页（HTML）", "网页", "网页"),
    "mhtml": Names("网页（MHT）", "网页", "网页"),
    "csv": Names("CSV 表格", "CSV 表格", "CSV 表格"),
    "txt": Names("文本文件", "文本", "文本"),
    "md": Names("Markdown 文本", "文本", "文本"),
    "image": Names("图片", "图片", "图片，OCR 识别"),
}


def names(fmt: str) -> Names:
    """The format's words; a format without an entry is named by itself."""
    return NAMES.get(fmt) or Names(fmt, fmt, fmt)


def _has(module: str | None) -> bool:
    import importlib.util
    return module is None or importlib.util.find_spec(module) is not None


# formats whose reader module (and any module the suffix needs) is part of this build; others are "other files"
SUFFIXES = {suffix: fmt for suffix, fmt in SUFFIXES.items()
            if _has(READERS[fmt].split(":")[0]) and _has(NEEDS.get(suffix))}


def format_of(path: Path | str) -> str | None:
    """The format a file name's extension says (discovery calls it for every file: no Path built)."""
    return SUFFIXES.get(os.path.splitext(os.fspath(path))[1].lower())


def reader_for(fmt: str):
    """The reader function of a format; ReadError when its module is not there (yet)."""
    target = READERS.get(fmt)
    if target is None:
        raise ReadError(f"没有 {fmt} 格式的读取器")
    module, func = target.split(":")
    try:
        return getattr(importlib.import_module(module), func)
    except ImportError as e:
        raise ReadError(f"读取 {fmt} 文件所需的组件未安装（{e.name or e}），请运行 make setup") from None


def read(path: str | Path) -> Document:
    """Read any supported file; raise ReadError with a specific message when it cannot be read. A file its
    suffix's reader refuses is read as what its content is, when that is another format (readers/sniff.py),
    with a warning; the first refusal stands when that reading fails too. An Office file encrypted with Excel's
    default password is read from a decrypted copy (readers/unlock.py)."""
    from evalkit.readers.pictures import settled
    from evalkit.readers.unlock import NOTE, decrypted
    path = Path(path)
    with decrypted(path) as plain:
        if plain is None:
            return _read(path)
        doc = settled(_read(plain))                # its pictures taken now: the copy goes with the block
        doc.source = str(path)
        doc.notes.append(NOTE)
        return doc


def _read(path: Path) -> Document:
    fmt = format_of(path)
    if fmt is None:                                 # a report under a name no reader takes (`downfile.jsp`)
        from evalkit.readers.sniff import unnamed_format
        real = unnamed_format(path)
        if real is None:
            raise ReadError(f"不支持的文件类型“{path.suffix or '无扩展名'}”")
        return _as_content(real, path, _read_as(real, path))
    try:
        return shared(folded(reader_for(fmt)(path))).number_tables()
    except LimitExceeded:
        raise
    except ReadError as refusal:
        from evalkit.readers.sniff import second_reading
        real = second_reading(fmt, path)
        if real is None:
            raise
        try:
            doc = _read_as(real, path)
        except LimitExceeded:
            raise
        except ReadError:
            raise refusal from None
    return _as_content(real, path, doc)


def _as_content(real: str, path: Path, doc: Document) -> Document:
    """A document read as what its content is (`real`), not as its name says: the warning first, then the text folded.
    A web page under its server's name (`art_1234.jsp`) is what that name should hold: a reading note, no warning."""
    from evalkit.readers.sniff import server_page, warning
    if real == "html" and server_page(path.name):
        doc.notes.append(f"文件扩展名是“{path.suffix}”（网站服务器的页面名），内容是网页，已按网页读取")
    else:
        doc.warnings.insert(0, warning(path, real))
    doc.read_as = real
    return shared(folded(doc)).number_tables()


def shared(doc: Document) -> Document:
    """The document with the 网盘 shares its text writes out (链接：https://pan.baidu.com/s/… 提取码：…: the files are
    on the service, not here) named in Document.linked and the reading notes (readers/links.py); never fetched."""
    from evalkit.readers.links import shared_in_text
    text = doc.text()
    if "://" not in text:
        return doc
    names = [n for n in shared_in_text(text) if n not in doc.linked]
    if names:
        from evalkit.model import named_list
        doc.linked += names
        doc.notes.append(f"文中写有 {len(names)} 个网盘分享链接（{named_list(names)}），文件不在这里，未读取")
    return doc


def folded(doc: Document) -> Document:
    """The document's text with Kangxi radicals and compatibility ideographs as the characters they stand for
    (normalize.fold_ideographs), full-width digits as ASCII ones (normalize.fold_digits) and no invisible format
    characters (normalize.drop_invisible: zero-width spaces, soft hyphens, bidi controls), whatever the format;
    reading notes say how many."""
    from evalkit.model import Paragraph, Table
    from evalkit.normalize import drop_invisible, fold_digits, fold_ideographs

    def fold(text: str) -> str:
        nonlocal ideographs, digits, invisible
        text, n = drop_invisible(text)
        invisible += n
        text, n = fold_ideographs(text)
        ideographs += n
        text, n = fold_digits(text)
        digits += n
        return text

    ideographs = digits = invisible = 0
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            block.text = fold(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                for i, cell in enumerate(row):
                    row[i] = fold(cell)
    if ideographs:
        doc.notes.append(f"文字中有 {ideographs} 个康熙部首或兼容汉字（如“⼀”“⽬”，某些 PDF 生成工具如此编码），已按对应的常用汉字读取")
    if invisible:
        doc.notes.append(f"文字中有 {invisible} 个不可见的格式字符（零宽空格、软连字符、文字方向控制符等，常见于网页和公众号文章），已删除")
    if digits:
        doc.notes.append(f"文字中有 {digits} 个全角数字（如“２０２２年”“９３．２５”），已按半角数字读取")
    return doc


def _read_as(fmt: str, path: Path) -> Document:
    """`path` read by `fmt`'s reader whatever its suffix (the LibreOffice formats take the format given)."""
    func = reader_for(fmt)
    if READERS[fmt].endswith(":read_office"):
        return func(path, fmt=fmt)
    return func(path)
