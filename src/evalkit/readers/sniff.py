"""What a file holds, by its first bytes: for a file its own suffix's reader refused (a PDF saved under a
.docx name, a Word 97 file renamed .docx, an OFD downloaded as .pdf), so it is read as what it is.

Only formats with a signature are told: PDF, OFD, the Office families (office.sniff: OOXML, OLE2 Word and
Excel, RTF, ODF, HTML) and the image formats the OCR reads. A ZIP's directory is checked against the
limits before zipfile lists it (safety.open_zip's first check).
"""
from __future__ import annotations

import zipfile
from pathlib import Path


# what each format's reader reads itself whatever the suffix (its own content sniffing): no second try then
READS = {"docx": {"docx"}, "xlsx": {"xlsx", "xls", "html"}, "xls": {"xlsx", "xls", "html"}, "pptx": {"pptx"},
         **{f: {"docx", "xlsx", "pptx", "html", "doc", "xls", "rtf", "odt", "uot", "ods", "xlsb", "ppt", "odp"}
            for f in ("doc", "wps", "rtf", "odt", "uot", "et", "ods", "xlsb", "ppt", "dps", "odp")},
         "pdf": {"pdf"}, "ofd": {"ofd"}, "xps": {"xps"}, "image": {"image"}, "html": {"html"}, "mhtml": {"html"},
         "txt": set(), "md": set(), "csv": set()}
_OFFICE = {"docx": "docx", "xlsx": "xlsx", "odf_text": "odt", "uof_text": "uot", "odf_sheet": "ods", "ole_word": "doc",
           "ole_excel": "xls", "rtf": "rtf", "html": "html", "wordml": "doc", "spreadsheetml": "xls", "xlsb": "xlsb",
           "pptx": "pptx", "ole_powerpoint": "ppt", "odf_presentation": "odp"}


def content_format(path: Path) -> str | None:
    """The format the content proves (a key of readers.READERS), or None when it proves none this module knows."""
    from evalkit.readers.office import sniff as office_sniff
    from evalkit.readers.safety import BAD_ZIP, check_directory

    try:
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError:
        return None
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if (head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*"))
            or (head[:4] == b"RIFF" and head[8:12] == b"WEBP") or (head[:2] == b"BM" and head[6:10] == b"\0\0\0\0")
            or (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"))):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        check_directory(path, "ZIP")     # a directory of millions of entries: refused, not listed
        try:
            with zipfile.ZipFile(path) as z:
                names = [n.replace("\\", "/").lstrip("/").casefold() for n in z.namelist()]
                if "ofd.xml" in names:
                    return "ofd"
                if any(n.endswith((".fdseq", ".fpage")) or "fpage/[" in n for n in names):   # XPS, OpenXPS
                    return "xps"
        except (*BAD_ZIP, OSError):
            return None
    return _OFFICE.get(office_sniff(Path(path), head))


# formats told by a signature no text file has: a file without a known suffix that holds one is a report to read
SIGNED = {"pdf", "ofd", "xps", "docx", "xlsx", "xls", "doc", "rtf", "odt", "uot", "ods", "xlsb", "pptx", "ppt", "odp"}


def may_be_signed(head: bytes, name: str = "") -> bool:
    """Whether a file's first bytes can open one of the SIGNED formats (PDF, ZIP-packed OFD/Office/ODF, OLE2 Office,
    RTF, Office 2003 XML), or a web page under a server page's `name`: worth taking out of an archive for
    content_format to tell."""
    from evalkit.readers.office import OLE2
    return (b"%PDF-" in head[:1024] or head.startswith((b"PK\x03\x04", OLE2, b"{\\rtf", b"<?xml"))
            or (server_page(name) and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")))


def editor_copy(name: str) -> bool:
    """Whether a name is Word's own temporary or backup copy (`~WRL0001.tmp`, .bak, .wbk, .asd): never a report."""
    return name.startswith("~") or name.lower().endswith((".tmp", ".bak", ".wbk", ".asd"))


# the names a web server gives its pages (a portal's article `art_1234.jsp`, `detail.do?id=…` saved, a crawler's mirror):
# one holding HTML is a web page, read as one without a warning (an .html file by another name)
SERVER_PAGES = (".jsp", ".jspx", ".asp", ".aspx", ".php", ".do", ".action", ".cgi", ".jhtml", ".nsf")


def server_page(name: str) -> bool:
    return name.lower().endswith(SERVER_PAGES)


def unnamed_format(path: Path) -> str | None:
    """What a file without a report's suffix holds, when that is a report format told by its signature: a portal's
    download saved as `downfile.jsp`, `getFile.do` or without a suffix; or a web page under a server page's name
    (`art_1234.jsp`). Not Word's own copies (editor_copy)."""
    if editor_copy(Path(path).name):
        return None
    real = content_format(path)
    return real if real in SIGNED or (real == "html" and server_page(Path(path).name)) else None


def second_reading(fmt: str, path: Path) -> str | None:
    """The format to read `path` as after its suffix's reader (`fmt`) refused it: what the content is, when that
    is another format and not one the refusing reader reads itself; else None (its refusal stands)."""
    real = content_format(path)
    if real is None or real == fmt or real in READS.get(fmt, set()):
        return None
    return real


def warning(path: Path, real: str) -> str:
    from evalkit.readers import names
    name = names(real).label
    return f"文件扩展名是“{Path(path).suffix or '无'}”，但内容是{name}，已按{name}读取；请核对文件来源，或改正扩展名"
