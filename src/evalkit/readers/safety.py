"""Checks that run before a reader hands a file to a parser: size, ZIP bombs, XML DTDs, cell budgets.

Every check reads `evalkit.limits.LIMITS` when it runs (not at import), so a test or a caller can
swap the limits with `monkeypatch.setattr(evalkit.limits, "LIMITS", replace(LIMITS, ...))`.
Messages are Chinese, say what is wrong and what to do, and never name the file (ingest does).
"""
from __future__ import annotations

import codecs
import lzma
import os
import re
import stat
import struct
import zipfile
import zlib
from pathlib import PurePosixPath

import evalkit.limits
from evalkit.errors import LimitExceeded, ReadError

CHUNK = 1 << 20
_DTD_MARKERS = ("<!DOCTYPE", "<!ENTITY")
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ENCRYPTED_OOXML = "EncryptedPackage".encode("utf-16-le")   # stream name inside a password-protected DOCX/XLSX


def limits():
    """The limits in force now (a module attribute, so tests can replace it)."""
    return evalkit.limits.LIMITS


def os_reason(e: OSError) -> str:
    """Why a file or folder could not be opened, in Chinese (for the parentheses of a message)."""
    import errno
    return {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "文件不存在",
            errno.EISDIR: "这是一个文件夹", errno.ELOOP: "符号链接循环", errno.ENAMETOOLONG: "路径过长",
            errno.EIO: "磁盘读写错误"}.get(e.errno, e.strerror or type(e).__name__)


def reason(e: BaseException, limit: int = 160, path=None) -> str:
    """'Type: message' of a parser's exception, shortened, for the parentheses of a message; the file's
    path, which some libraries put in their words (openpyxl, PIL), as "…": the caller names the file."""
    text = str(e) if path is None else str(e).replace(str(path), "…")
    text = " ".join(text.split())
    text = text if len(text) <= limit else text[:limit] + "…"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def human_size(n: float) -> str:
    """1536 -> '1.5 KB', 3 * 2**20 -> '3 MB': one decimal at most, no trailing '.0'."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{int(n)} 字节"


# ------------------------------------------------------------------ whole file

def check_file_size(path, limit: int | None = None, advice: str | None = None) -> int:
    """The file's size from os.stat, refused over `limit` (default: LIMITS.max_file_bytes)."""
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise ReadError("找不到文件（可能已被移动或删除）") from None
    except OSError as e:
        raise ReadError(f"无法读取文件（{e.strerror or e}）") from None
    limit = limits().max_file_bytes if limit is None else limit
    if size > limit:
        raise LimitExceeded(f"文件大小 {human_size(size)}，超过上限 {human_size(limit)}；"
                            + (advice or "正常的自评报告远小于此，请确认文件无误，过大的文件请拆分后再导入"))
    return size


def read_bounded(path, limit: int, what: str) -> bytes:
    """The whole file, refused over `limit` bytes (checked on the stat size and again while reading)."""
    check_file_size(path, limit, f"{what}会整个读入内存，请只保存含自评表的页面或另存为 PDF/DOCX 后再导入")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise ReadError(f"无法读取文件（{e.strerror or e}）") from None
    if len(data) > limit:   # grew since stat
        raise LimitExceeded(f"文件大小超过上限 {human_size(limit)}")
    return data


def is_encrypted_ooxml(path) -> bool:
    """A password-protected DOCX/XLSX: an OLE2 file with an 'EncryptedPackage' stream (a directory
    entry: 128-byte aligned, the UTF-16 name then its length, 34, at byte 64 of the entry)."""
    name = _ENCRYPTED_OOXML + b"\x00\x00"
    offset, tail = 0, b""
    with open(path, "rb") as f:
        if f.read(8) != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            return False
        f.seek(0)
        while chunk := f.read(CHUNK):        # CHUNK is a multiple of 128: entries never straddle
            window = tail + chunk
            start = offset - len(tail)
            i = window.find(name)
            while i >= 0:
                if (start + i) % 128 == 0 and window[i + 64:i + 66] == b"\x22\x00":
                    return True
                i = window.find(name, i + 1)
            offset += len(chunk)
            tail = window[-128:]
    return False


# ------------------------------------------------------------------ ZIP packages (DOCX, XLSX)

# what zipfile raises for a central directory it cannot take: damaged or cut (BadZipFile, EOFError, ValueError), a
# version-needed field past what it extracts (NotImplementedError "zip file version 17.6": one flipped byte), a Zip64
# record it refuses (LargeZipFile)
BAD_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError)


def open_zip(path, kind: str, corrupt: str) -> zipfile.ZipFile:
    """Open a DOCX/XLSX package after checking its central directory against the limits.

    Checked before zipfile parses the central directory: its entry count and size (end record).
    Checked before any member is inflated: the number of members, the total declared
    uncompressed size, and each member's compression ratio (members above 1 MB). Python's
    zipfile never inflates a member past its declared size (and fails its CRC if the data is
    longer), so the declared sizes checked here bound what python-docx/openpyxl will read.
    `corrupt` is the message for a file that is not a ZIP archive at all.
    """
    lim = limits()
    _check_directory_size(path, kind, lim)
    try:
        zf = zipfile.ZipFile(path)
    except BAD_ZIP:
        raise ReadError(corrupt) from None
    except OSError as e:
        raise ReadError(f"无法读取文件（{e.strerror or e}）") from None
    try:
        infos = zf.infolist()
        if len(infos) > lim.max_zip_members:
            raise _too_many_members(kind, len(infos), lim)
        total = sum(i.file_size for i in infos)
        if total > lim.max_unzipped_bytes:
            raise LimitExceeded(f"压缩包解压后达 {human_size(total)}，超过上限 {human_size(lim.max_unzipped_bytes)}"
                                f"（疑似压缩炸弹）；正常的 {kind} 自评报告远小于此，请确认文件来源")
        for i in infos:
            if i.file_size > 1 << 20:
                ratio = i.file_size / max(i.compress_size, 1)
                if ratio > lim.max_zip_ratio:
                    raise LimitExceeded(f"压缩包内的 {i.filename} 由 {human_size(i.compress_size)} 解压为 "
                                        f"{human_size(i.file_size)}，压缩比 {ratio:,.0f}:1，超过上限 "
                                        f"{lim.max_zip_ratio}:1（疑似压缩炸弹）；请确认文件来源")
    except BaseException:
        zf.close()
        raise
    return zf


def _check_directory_size(path, kind: str, lim) -> None:
    """Refuse a central directory too big for max_zip_members before zipfile parses it (it builds
    a ZipInfo for every entry first: a 100 MB directory is millions of them). `path`: a file's, or a file object
    (a package held in memory: a file attached inside a document)."""
    try:
        if hasattr(path, "read"):
            end = zipfile._EndRecData(path)
        else:
            with open(path, "rb") as f:
                end = zipfile._EndRecData(f)   # the end-of-central-directory record (zip64 aware)
    except (OSError, AttributeError, struct.error):
        return                                 # zipfile reports what is wrong with the file
    if end:
        _check_end_record(end, kind, lim)


def _check_end_record(end, kind: str, lim) -> None:
    """_check_directory_size on an end record already read (zipfile._EndRecData's)."""
    entries, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if entries > lim.max_zip_members:
        raise _too_many_members(kind, entries, lim)
    if size > lim.max_zip_members * 1024:      # entries miscounted: the directory's size says more
        raise LimitExceeded(f"{kind} 压缩包的文件目录达 {human_size(size)}，超过 {lim.max_zip_members:,} 个文件的上限"
                            f"（疑似恶意构造的文件）；请用 {_app(kind)} 打开后另存再导入")


def member_names(path) -> list[str] | None:
    """The member names a zip's central directory lists, read straight from its bytes (no ZipInfo per entry: what
    discovery asks of every workbook and OFD); None for a file that is no zip or whose directory cannot be read or
    is over the member limits (check_directory: the file's own read says so). Names not flagged UTF-8 are decoded
    as UTF-8 with replacement: for telling parts by their ASCII paths."""
    lim = limits()
    try:
        with open(path, "rb") as f:
            end = zipfile._EndRecData(f)
            if not end:
                return None
            _check_end_record(end, "ZIP", lim)
            size = end[zipfile._ECD_SIZE]
            at = end[zipfile._ECD_LOCATION] - size
            if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
                at -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
            if at < 0:
                return None
            f.seek(at)
            directory = f.read(size)
    except (OSError, AttributeError, struct.error, LimitExceeded):
        return None
    names, i = [], 0
    while i + 46 <= len(directory) and directory[i:i + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", directory, i + 28)
        names.append(directory[i + 46:i + 46 + n].decode("utf-8", "replace"))
        i += 46 + n + m + k
    return names


def check_directory(source, kind: str) -> None:
    """`_check_directory_size` under the current limits, for a package given by its path or as a file object."""
    _check_directory_size(source, kind, limits())


def _too_many_members(kind: str, n: int, lim) -> LimitExceeded:
    return LimitExceeded(f"{kind} 压缩包内有 {n:,} 个文件，超过上限 {lim.max_zip_members:,} 个"
                         f"（疑似恶意构造的文件）；请用 {_app(kind)} 打开后另存再导入")


def read_member(zf: zipfile.ZipFile, name: str, limit: int | None = None) -> bytes:
    """One member's bytes, read with a bound whatever its header declares."""
    limit = limits().max_unzipped_bytes if limit is None else limit
    with zf.open(name) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(f"压缩包内的 {name} 解压后超过 {human_size(limit)}（疑似压缩炸弹）；请确认文件来源")
    return data


def iter_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
    """A member's bytes in chunks, never more than its declared size (zipfile enforces it)."""
    with zf.open(info) as f:
        while chunk := f.read(CHUNK):
            yield chunk


def content_types(zf: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    """([Content_Types].xml defaults by extension, overrides by part name without the leading '/')."""
    import defusedxml.ElementTree as DET

    try:
        raw = read_member(zf, "[Content_Types].xml", 16 << 20)
    except KeyError:
        return {}, {}
    try:
        root = DET.fromstring(raw, forbid_dtd=True)
    except Exception:
        return {}, {}   # the DTD scan or the parser that follows reports it
    defaults, overrides = {}, {}
    for el in root:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Default":
            defaults[(el.get("Extension") or "").lower()] = el.get("ContentType") or ""
        elif tag == "Override":
            overrides[(el.get("PartName") or "").lstrip("/")] = el.get("ContentType") or ""
    return defaults, overrides


def xml_members(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members an OOXML reader parses as XML: *.xml, *.rels, and any part typed as XML."""
    defaults, overrides = content_types(zf)
    out = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename
        base = PurePosixPath(name).name
        ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""   # '.rels' has extension 'rels'
        ctype = overrides.get(name) or defaults.get(ext, "")
        if ext in ("xml", "rels", "vml") or "xml" in ctype.lower():
            out.append(info)
    return out


def check_no_dtd(zf: zipfile.ZipFile, kind: str) -> None:
    """Refuse a package whose XML parts declare a DTD or entities (XXE, billion laughs).

    Word and Excel never write a DTD, so any <!DOCTYPE or <!ENTITY is refused before lxml sees
    it. Each part is scanned in its own encoding (BOM, byte pattern or XML declaration, as an XML
    parser would detect it), so a UTF-16 or UTF-7 part cannot hide the declaration.
    """
    for info in xml_members(zf):
        marker = _find_dtd(iter_member(zf, info), info.filename, kind)
        if marker:
            raise ReadError(f"{kind} 文件的 {info.filename} 含有 {marker} 声明（DTD/实体定义），{_app(kind)} 不会生成"
                            f"这种内容，疑似恶意构造的文件（XML 实体炸弹/外部实体），已拒绝读取；"
                            f"请用 {_app(kind)} 打开后另存为 .{kind.lower()} 再导入")


def check_package(path, kind: str, corrupt: str, advice: str) -> None:
    """A package's ZIP limits and DTD scan (open_zip, check_no_dtd), before its library or LibreOffice inflates or
    parses anything: `corrupt`, the message for a file that is no ZIP; `advice`, what to do when a part cannot be
    inflated."""
    with open_zip(path, kind, corrupt) as zf:
        try:
            check_no_dtd(zf, kind)
        except UNZIP_ERRORS as e:
            raise ReadError(f"{kind} 文件已损坏（压缩包内容无法解压：{reason(e)}），{advice}") from None


def not_a_package(path, encrypted: str, legacy: str) -> str | None:
    """Why a file named as an OOXML package (.docx, .pptx) is none, when its first bytes say: missing; an OLE2 file,
    a package with an open password (`encrypted`) or a 97-2003 file (`legacy`). None otherwise."""
    if not os.path.exists(path):
        return "找不到文件（可能已被移动或删除）"
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return encrypted if is_encrypted_ooxml(path) else legacy
    return None


def _app(kind: str) -> str:
    """The program whose files these are, for 'open it in X and save again'."""
    return {"DOCX": "Word", "XLSX": "Excel", "PPTX": "PowerPoint", "ODT": "LibreOffice 或 WPS", "ODS": "LibreOffice 或 WPS",
            "OFD": "OFD 阅读器（如数科 OFD、福昕 OFD）", "附件": "原程序"}.get(kind, kind)


# exceptions zipfile raises for a member it cannot inflate: a bad CRC or header (BadZipFile), a deflate, LZMA
# or bzip2 stream that breaks off or lies (zlib.error, LZMAError, OSError, EOFError), encryption (RuntimeError),
# an unknown method (NotImplementedError)
UNZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, RuntimeError,
                NotImplementedError, ValueError)


def xml_encoding(head: bytes) -> str:
    """The Python codec an XML parser would read these bytes with (BOM, first bytes, declaration)."""
    for bom, name in ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                      (codecs.BOM_UTF8, "utf-8-sig"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")):
        if head.startswith(bom):
            return name
    for start, name in ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                        (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"), (b"\x4c\x6f\xa7\x94", "cp037")):
        if head.startswith(start):
            if name == "cp037":   # EBCDIC: the declaration, read in EBCDIC, names the variant
                m = _XML_DECL_ENCODING.match(head[:512].decode("cp037", "replace").encode("ascii", "replace"))
                return m.group(1).decode("ascii") if m else name
            return name
    if b"\x00" in head[:4]:   # UTF-16 without BOM or declaration: the NULs' side tells the byte order
        return "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"
    m = _XML_DECL_ENCODING.match(head[:512])
    return m.group(1).decode("ascii") if m else "utf-8"


def _find_dtd(chunks, part: str, kind: str) -> str | None:
    """The first DTD marker in a part's bytes, scanned chunk by chunk in the part's encoding."""
    it = iter(chunks)
    first = next(it, b"")
    name = xml_encoding(first)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ReadError(f"{kind} 文件的 {part} 使用了无法识别的编码 {name}，无法做安全检查，已拒绝读取；"
                        f"请用 {_app(kind)} 打开后另存再导入") from None

    def pieces():
        yield first
        yield from it

    if codec in ("utf-8", "utf-8-sig", "ascii"):
        markers = [m.encode("ascii") for m in _DTD_MARKERS]
        decode = None
    else:
        markers = list(_DTD_MARKERS)
        decode = codecs.getincrementaldecoder(codec)(errors="replace").decode
    keep = max(len(m) for m in markers) - 1
    tail = markers[0][:0]
    for piece in pieces():
        text = decode(piece) if decode else piece
        window = tail + text
        for m in markers:
            if m in window:
                return m if isinstance(m, str) else m.decode("ascii")
        tail = window[-keep:]
    return None


# ------------------------------------------------------------------ cells

class CellBudget:
    """Counts the cells a document produces and refuses the document past LIMITS.max_cells."""

    def __init__(self, what: str, advice: str = "请删除无关的表格或数据后另存再导入"):
        """`what` names the cells counted, e.g. '文档中表格的单元格'."""
        self.limit = limits().max_cells
        self.used = 0
        self.what, self.advice = what, advice
        self.clipped: list[str] = []     # spans clipped to LIMITS.max_span, e.g. 'colspan=100000000'

    def take(self, n: int, where: str = "") -> None:
        self.used += n
        if self.used > self.limit:
            raise LimitExceeded(f"{self.what}超过上限 {self.limit:,} 个{where}；{self.advice}")


# ------------------------------------------------------------------ bounded inflation

def inflate_bounded(data: bytes, limit: int) -> bytes:
    """zlib.decompress(data) that stops past `limit` output bytes (raises LimitExceeded).

    Same result and the same zlib.error as zlib.decompress for a stream that fits: trailing
    bytes after the end of the stream are ignored, a truncated stream is an error.
    """
    d = zlib.decompressobj()
    out = d.decompress(data, limit + 1)
    if len(out) > limit:
        raise StreamTooLarge(limit)
    if not d.eof:
        raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
    return out


class StreamTooLarge(LimitExceeded):
    """One compressed stream that inflates past its limit (a compression bomb)."""

    def __init__(self, limit: int, message: str | None = None):
        self.limit = limit
        super().__init__(message or f"文件中的一个压缩数据流解压后超过 {human_size(limit)}（疑似压缩炸弹），已停止读取；"
                                    "请确认文件来源，或重新导出后再导入")


# ------------------------------------------------------------------ images

def check_pixels(size: tuple[int, int]) -> None:
    """LimitExceeded when width × height is over PIL's Image.MAX_IMAGE_PIXELS (read now): before an image
    (a scan, an OFD's picture) is decoded."""
    from PIL import Image

    w, h = size
    cap = Image.MAX_IMAGE_PIXELS
    if w <= 0 or h <= 0:
        raise ReadError("图片的宽或高为 0，无法读取")
    if cap and w * h > cap:
        raise LimitExceeded(too_big(w * h, w, h))


def too_big(pixels: int | None, w: int | None = None, h: int | None = None) -> str:
    from PIL import Image

    dims = f"{w}×{h} 像素" if w else (f"{pixels:,} 像素" if pixels else "像素数")
    return (f"图片 {dims}，超过上限 {Image.MAX_IMAGE_PIXELS:,} 像素（疑似解压炸弹，或分辨率过高）；"
            "正常的扫描页（A4、300 dpi）约 900 万像素，请降低分辨率后再导入")


# ------------------------------------------------------------------ text files

def read_text_file(path, what: str) -> bytes:
    """A text file's bytes (txt, Markdown, CSV), within the text size limit (read at call time: workers get the run's limits)."""
    limit = limits().max_text_bytes
    hint = "（确属报告时可用环境变量 EVALKIT_LIMIT_MAX_TEXT_BYTES 调高上限）"
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ReadError(f"这是一个文件夹，不是{what}文件")
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(f"不是普通文件（可能是管道或设备文件），不能作为{what}读取")
        if st.st_size > limit:
            raise LimitExceeded(f"{what}文件过大（{human_size(st.st_size)}），超过上限 {human_size(limit)}，未读取{hint}")
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise ReadError(f"无法打开{what}文件（{os_reason(e)}）") from e
    if len(raw) > limit:
        raise LimitExceeded(f"{what}文件过大（超过上限 {human_size(limit)}），未读取{hint}")
    return raw
