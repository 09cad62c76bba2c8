"""Archives (.zip, .7z, .rar): each report inside becomes its own input, named `archive.zip!folder/name.docx`.

Members are copied out, one at a time and byte-counted, into a staging folder the run removes at
the end, under the zip-bomb limits (declared and real uncompressed size, compression ratio,
member count); names are ours (`<n>/<basename>`), so a member called `../../etc/x` can never be
written outside the staging folder. Member names without the UTF-8 flag are decoded as GBK/GB18030
when they are not plain UTF-8 (what Windows zip tools write for Chinese names). An encrypted or
corrupt archive is one failed input; nested archives are opened up to `MAX_NESTING` levels.
"""
from __future__ import annotations

import functools
import itertools
import lzma
import os
import re
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

from evalkit import tnef
from evalkit.members import NAME_BYTES, ArchiveProblem, Member, a_file, fit_name
from evalkit.model import container_word, holder_word  # noqa: F401  (the words for what holds members)
from evalkit.pdflist import expand_pdf
from evalkit.readers import format_of
from evalkit.readers.embedded import HOLDING_WORKBOOKS
from evalkit.readers.safety import BAD_ZIP, CHUNK, UNZIP_ERRORS, reason
from evalkit.readers.sniff import editor_copy, may_be_signed, server_page, unnamed_format
from evalkit.volumes import (RAR_VOLUME, ZIP_PART, join_volumes, no_first_volume, old_style_first, volume_name,
                             volume_of, volume_set, volumes_of)

# tar archives, as Linux servers, data exports and IT departments hand them over (the standard library's tarfile)
TAR_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".tbz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")
# a disc image (.iso: a 光盘 of materials imaged to share it), read by libarchive like a RAR
# a saved e-mail (.eml, Outlook's .msg): its attachments (mail.py, outlook.py)
ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".eml", ".msg", ".iso") + TAR_SUFFIXES
MAX_NESTING = 3
_MIME_HEAD = re.compile(rb"\s*[!-9;-~]+:")   # a MIME message's first header (a mail saved as text under .msg)


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES) or tnef.saved_alone(name)     # Outlook's winmail.dat, saved


def archive_format(name: str) -> str:
    """The format column of an archive's own row: its suffix (`zip`, `7z`, `rar`, `eml`, `msg`), `tar` for the tar
    family."""
    low = name.lower()
    if tnef.saved_alone(low):
        return "tnef"
    return "tar" if low.endswith(TAR_SUFFIXES) else low.rsplit(".", 1)[-1]


def download_name(name: str) -> bool:
    """Whether a name is what a download gets when the server does not name the file: no suffix (`P020230815…`), a
    server page's (`downfile.jsp`, `getFile.do`), the URL's query (`download.jsp?id=12`), `.bin`, or digits. Only
    such files are opened as archives by content: a `.jar`, `.apk` or `.whl` is a zip too, and never a report's."""
    suffix = os.path.splitext(name)[1].lower()
    return (not suffix or server_page(name) or suffix == ".bin" or suffix[1:].isdigit()
            or any(c in name for c in "?=&"))


def content_archive(path: Path) -> str | None:
    """The archive a file under a download's name (download_name) holds, by its first bytes (a portal's attachment
    saved as `downfile.jsp` or without a suffix, that is a zip of the reports): `zip`, `7z`, `rar`, `tar` or `msg`;
    None for anything else, an Office or OFD package among them (readers/sniff reads those as reports; a damaged one
    is not an archive of reports either). Checked after sniff.unnamed_format found no report format."""
    if not download_name(Path(path).name):
        return None
    from evalkit.outlook import SIGNATURE
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return None
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if head[257:262] == b"ustar":
        return "tar"
    if head.startswith(b"PK\x03\x04"):
        try:
            from evalkit.readers.safety import check_directory
            check_directory(path, "ZIP")     # a directory of millions of entries: not listed
            with zipfile.ZipFile(path) as z:
                names = {n.lower() for n in z.namelist()}
        except Exception:  # noqa: BLE001  (a damaged zip, one over the limits: stays a file of another type)
            return None
        return None if names & {"[content_types].xml", "mimetype", "ofd.xml"} else "zip"
    if head.startswith(SIGNATURE):
        try:
            import olefile
            with olefile.OleFileIO(str(path)) as ole:
                top = {entry[0] for entry in ole.listdir(streams=True, storages=True)}
        except Exception:  # noqa: BLE001  (a damaged compound file: stays a file of another type)
            return None
        return "msg" if "__properties_version1.0" in top and any(n.startswith("__substg1.0_") for n in top) else None
    return None


_ARCHIVE_HEADS = (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07")


def _may_hold(head: bytes, name: str) -> bool:
    """Whether a member named no report format is worth taking out whole to judge: its first bytes may be a report
    (sniff.may_be_signed), or, under a download's name, an archive of reports (content_archive)."""
    return may_be_signed(head, name) or (download_name(name.rsplit("/", 1)[-1])
                                         and (head.startswith(_ARCHIVE_HEADS) or head[257:262] == b"ustar"))


def _holds_reports(dest: Path) -> bool:
    """A member named no report format, taken out: a report (sniff.unnamed_format) or an archive of them."""
    return unnamed_format(dest) is not None or content_archive(dest) is not None


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's name as text: UTF-8 when flagged, else the raw bytes as UTF-8 or GB18030; its folders parted by
    `/` (some Windows tools write `\\`: decoded first, a GBK character may hold that byte)."""
    if info.flag_bits & 0x800:
        return info.filename.replace("\\", "/")
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename.replace("\\", "/")
    return (decode_name(raw) or info.filename).replace("\\", "/")


def decode_name(raw: bytes) -> str | None:
    """Member-name bytes without a declared encoding: UTF-8, else GB18030 (what Chinese Windows tools
    write); None when neither reads them."""
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


# names never read as reports, in a folder or an archive: hidden files (macOS's ._ companions among them) and the
# owner files Word, Excel and WPS keep beside an open document (~$报告.docx, 162 bytes of user name)
NOT_REPORT_PREFIXES = (".", "~$")


def _wanted(name: str, supported) -> bool:
    base = name.rsplit("/", 1)[-1]
    if not base or base.startswith(NOT_REPORT_PREFIXES) or name.startswith("__MACOSX/"):
        return False
    return supported(base) or is_archive(base) or volume_of(base) is not None     # a 分卷 set's volume: joined


# A member's name as its staged file: the file system takes 255 bytes (3 a Chinese character in UTF-8: 85 characters,
# where Windows takes 255 characters); room is left for what is added to it (a saved page's `.files` folder).


def _safe_base(name: str) -> str:
    """The member's base name as a file name of ours: no separators or control characters, at most NAME_BYTES
    (a long name cut in its stem, its suffix kept: the suffix says how it is read)."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", name.rsplit("/", 1)[-1]) or "member"
    return fit_name(base)


def _check_totals(n_members: int, declared: int, lim, word: str = "压缩包") -> None:
    """The archive-wide bomb limits, on what its directory declares (before anything is inflated)."""
    if n_members > lim.max_zip_members:
        raise ArchiveProblem(f"{word}内有 {n_members} 个文件，超过上限 {lim.max_zip_members}")
    if declared > lim.max_unzipped_bytes:
        raise ArchiveProblem(f"{word}解压后共 {declared / 2**20:.0f} MB，超过上限 "
                             f"{lim.max_unzipped_bytes / 2**20:.0f} MB（疑似压缩炸弹）")


def _copy_bounded(src, dest: Path, limit: int, what: str) -> int:
    """Copy a stream to `dest`, refusing once more than `limit` bytes come out (a lying header)."""
    n = 0
    with open(dest, "wb") as out:
        while True:
            chunk = src.read(CHUNK)
            if not chunk:
                return n
            n += len(chunk)
            if n > limit:
                raise ArchiveProblem(f"{what}解压后超过 {limit / 2**20:.0f} MB 上限（疑似压缩炸弹）")
            out.write(chunk)


def member_problem(e: Exception, raw_name: str = "", name: str = "") -> str:
    """The Chinese message for a member zipfile cannot inflate (UNZIP_ERRORS); the library's words in brackets,
    the member named there as we read its name (zipfile shows a GBK name as cp437: '┤≤│º╧╪/…')."""
    text = str(e)
    if isinstance(e, NotImplementedError) or "compression" in text:
        why = "使用了不支持的压缩方式，请用常见工具（WinRAR、7-Zip 或系统自带）重新压缩后导入"
    elif "CRC" in text:
        why = "数据校验不符，文件已损坏，请重新下载"
    elif isinstance(e, (zlib.error, lzma.LZMAError, EOFError)) or "data stream" in text:
        why = "压缩数据已损坏或不完整，无法解压，请重新下载"
    else:
        why = "成员数据已损坏，无法取出，请重新下载"
    detail = reason(e).replace(raw_name, name) if raw_name and name else reason(e)
    return f"无法从压缩包中取出：{why}（{detail}）"


def expand_zip(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report files in a zip, copied into `stage`; (members, skipped other files)."""
    try:
        zf = zipfile.ZipFile(path)
    except BAD_ZIP:
        raise ArchiveProblem("ZIP 压缩包已损坏或不完整，请重新下载") from None
    except OSError as e:
        raise ArchiveProblem(f"无法打开压缩包（{e.strerror or e}）") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if any(i.flag_bits & 0x1 for i in infos):
            raise ArchiveProblem("压缩包有密码保护，无法读取；请解压后再导入")
        _check_totals(len(infos), sum(i.file_size for i in infos), lim)
        members, skipped, total = [], 0, 0
        for n, info in enumerate(infos):
            name = member_name(info)
            wanted = _wanted(name, supported)
            if not wanted and not _signed_head(zf, info, name, lim):
                skipped += 1
                continue
            if info.compress_size and info.file_size > 2**20 and info.file_size / info.compress_size > lim.max_zip_ratio:
                members.append(Member(name, None, f"压缩比 {info.file_size / info.compress_size:.0f}:1 异常"
                                                  f"（上限 {lim.max_zip_ratio}:1），疑似压缩炸弹，未解压"))
                continue
            dest = stage / str(n)
            dest.mkdir(parents=True, exist_ok=True)
            dest = dest / _safe_base(name)
            try:
                with zf.open(info) as src:
                    total += _copy_bounded(src, dest, min(lim.max_file_bytes, lim.max_unzipped_bytes - total),
                                           f"成员 {name} ")
            except ArchiveProblem as e:
                members.append(Member(name, None, str(e)))
                dest.unlink(missing_ok=True)
                continue
            except UNZIP_ERRORS as e:
                members.append(Member(name, None, member_problem(e, info.filename, name)))
                dest.unlink(missing_ok=True)
                continue
            if not wanted and not _holds_reports(dest):     # a name that says no format: kept if its bytes do
                dest.unlink(missing_ok=True)
                skipped += 1
                continue
            members.append(Member(name, dest))
        return members, skipped


def _may_be_unnamed(name: str, size: int, lim) -> bool:
    """Whether a member whose name says no report format (a portal's `downfile.jsp`, no suffix) is worth its first
    bytes: not a nested archive, a Mac companion or Word's own copy, nor empty or over the file limit."""
    base = name.rsplit("/", 1)[-1]
    return not (not base or base.startswith(NOT_REPORT_PREFIXES) or editor_copy(base) or name.startswith("__MACOSX/")
                or is_archive(base) or not 0 < size <= lim.max_file_bytes)


def _signed_head(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, lim) -> bool:
    """Whether a member whose name says no report format starts as a PDF, OFD or Office file does, so it is taken out
    and sniffed whole (readers/sniff.unnamed_format)."""
    if not _may_be_unnamed(name, info.file_size, lim):
        return False
    try:
        with zf.open(info) as f:
            head = f.read(1024)
    except Exception:  # noqa: BLE001  (a member that cannot be read says nothing: left as another file)
        return False
    return _may_hold(head, name)


class _Staged:
    """One 7z member as py7zr writes it (its Py7zIO interface): appended to our staged file, byte-counted. No file is
    held open between writes: py7zr never says when a member is done, and an archive may hold thousands."""

    def __init__(self, stage: "_SevenZipStage", name: str, dest: Path, sniff: bool = False):
        self.stage, self.name, self.dest, self.n, self.at = stage, name, dest, 0, 0
        self.head = bytearray() if sniff else None     # a member named no format: its first bytes, to judge it by
        self.dropped = False                           # judged no report: the rest of its bytes are let go
        dest.touch()

    def write(self, s) -> int:
        if self.dropped:
            return len(s)
        if self.head is not None:
            self.head += s
            if len(self.head) >= 1024:
                self.settle()
            return len(s)
        self.n += len(s)
        self.stage.total += len(s)
        lim = self.stage.lim
        limit = min(lim.max_file_bytes, lim.max_unzipped_bytes)
        if self.n > limit or self.stage.total > lim.max_unzipped_bytes:
            raise ArchiveProblem(f"成员 {self.name} 解压后超过 {limit / 2**20:.0f} MB 上限（疑似压缩炸弹）")
        with open(self.dest, "ab") as f:
            return f.write(s)

    def settle(self) -> None:
        """A member named no format judged by its first bytes (readers/sniff.may_be_signed): kept, or let go."""
        head, self.head = bytes(self.head or b""), None
        if _may_hold(head, self.name):
            self.write(head)
        else:
            self.dropped = True

    def read(self, size: int | None = None) -> bytes:
        with open(self.dest, "rb") as f:
            f.seek(self.at)
            data = f.read() if size is None else f.read(size)
        self.at += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        self.at = {0: 0, 1: self.at, 2: self.n}[whence] + offset
        return self.at

    def flush(self) -> None:
        pass

    def close(self) -> None:          # py7zr ≥ 1.1 calls it when the member is done: nothing is held open
        pass

    def size(self) -> int:
        return self.n


class _SevenZipStage:
    """py7zr's writer factory: each wanted member written straight to `stage/<n>/<our name>`, never under its own
    path (which may be longer than the file system takes). `targets`: the members py7zr will hand over; `unsafe`:
    names that climb out of the folder (py7zr refuses the whole archive for one), left out and said."""

    def __init__(self, stage: Path, wanted: list[str], lim, sniff_from: int | None = None):
        from py7zr.exceptions import Bad7zFile
        from py7zr.helpers import get_sanitized_output_path

        self.root = (stage / "_7z").absolute()     # never made: py7zr hands each member's path under it, as a name
        self.stage, self.lim, self.total, self.names = stage, lim, 0, wanted
        self.slot: dict[str, int] = {}             # the path py7zr gives create() -> index in `wanted`
        self.targets, self.unsafe = [], set()
        seen: dict[str, int] = {}
        for n, name in enumerate(wanted):
            try:
                get_sanitized_output_path(name, self.root)
            except Bad7zFile:
                self.unsafe.add(n)
                continue
            k = seen.get(name)                     # py7zr writes a name's later copies as name_0, name_1…
            seen[name] = 0 if k is None else k + 1
            outname = name if k is None else f"{name}_{k}"
            self.slot[get_sanitized_output_path(outname, self.root).as_posix()] = n
            if k is None:
                self.targets.append(name)
        self.written: dict[int, _Staged] = {}
        self.sniff_from = len(wanted) if sniff_from is None else sniff_from   # from here on: members named no format
        self.extra = 0                             # members py7zr hands over that we did not ask for

    def create(self, filename: str) -> _Staged:
        n = self.slot.get(Path(filename).as_posix())
        name = Path(filename).name if n is None else self.names[n]    # its own name, not py7zr's `name_0`
        if n is None:                              # not a member we asked for (py7zr would not hand one): kept apart
            self.extra += 1
            n = len(self.names) + self.extra
        dest = self.stage / str(n)
        dest.mkdir(parents=True, exist_ok=True)
        self.written[n] = _Staged(self, name, dest / _safe_base(name), sniff=self.sniff_from <= n < len(self.names))
        return self.written[n]


def expand_7z(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report files in a .7z (py7zr), copied into `stage`."""
    try:
        import py7zr
    except ImportError:
        raise ArchiveProblem("读取 .7z 需要 py7zr 组件，请运行 make setup（或 pip install 'evalkit[7z]'）") from None
    try:
        z = py7zr.SevenZipFile(path, mode="r")
    except py7zr.exceptions.PasswordRequired:
        raise ArchiveProblem("压缩包有密码保护，无法读取；请解压后再导入") from None
    except Exception as e:  # noqa: BLE001  (py7zr raises several types for a damaged archive)
        raise ArchiveProblem(f"7z 压缩包已损坏或不完整（{type(e).__name__}），请重新下载") from None
    with z:
        if z.needs_password():
            raise ArchiveProblem("压缩包有密码保护，无法读取；请解压后再导入")
        infos = [i for i in z.list() if not i.is_directory]
        _check_totals(len(infos), sum(int(i.uncompressed or 0) for i in infos), lim)
        wanted = [i.filename for i in infos if _wanted(i.filename, supported)]
        skipped = len(infos) - len(wanted)
        maybe = [i.filename for i in infos if not _wanted(i.filename, supported)     # `downfile.jsp`: by its bytes
                 and _may_be_unnamed(i.filename, int(i.uncompressed or 0), lim)]
        staged = _SevenZipStage(stage, wanted + maybe, lim, sniff_from=len(wanted))
        try:
            if staged.targets:
                z.extract(path=staged.root, targets=staged.targets, factory=staged)
        except ArchiveProblem:
            raise
        except Exception as e:  # noqa: BLE001
            raise ArchiveProblem(f"无法解压 7z 压缩包，数据已损坏或不完整，请重新下载（{type(e).__name__}: {e}）") from None
    members = []
    for n, name in enumerate(wanted):
        if n in staged.unsafe:
            members.append(Member(name, None, "压缩包内的路径指向压缩包之外（以 / 开头或含 ..），不安全，未解压"))
        elif n in staged.written:
            members.append(Member(name, staged.written[n].dest))
        else:
            members.append(Member(name, None, "压缩包内的文件缺失，未能取出"))
    for n, name in enumerate(maybe, len(wanted)):
        if (file := staged.written.get(n)) is None:
            continue
        if file.head is not None:                  # shorter than the bytes it is judged by
            file.settle()
        if file.dropped or not _holds_reports(file.dest):
            file.dest.unlink(missing_ok=True)
            continue
        members.append(Member(name, file.dest))
        skipped -= 1
    return members, skipped


def _libarchive_error():
    """libarchive-c's ArchiveError, or ArchiveProblem saying what to install (the [archives] extra)."""
    try:
        from libarchive.exception import ArchiveError
    except (ImportError, OSError):     # OSError: the libarchive shared library itself is missing
        raise ArchiveProblem("读取 .rar 和 .iso 需要 libarchive-c 组件和系统的 libarchive 库，请运行 make setup"
                             "（或 pip install 'evalkit[archives]'）") from None
    return ArchiveError


def expand_rar(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report files in a .rar (RAR 4 and 5, read by the system's libarchive through libarchive-c),
    copied into `stage`: the headers are listed first, for the limits, before anything is written.
    The first volume of WinRAR's 分卷 (`x.part1.rar`) is read with the volumes beside it, as one archive."""
    archive_error = _libarchive_error()

    def problem(e: Exception) -> ArchiveProblem:
        text = str(e).lower()
        if "encrypt" in text or "passphrase" in text or "password" in text:
            return ArchiveProblem("压缩包有密码保护，无法读取；请解压后再导入")
        return ArchiveProblem(f"RAR 压缩包已损坏或不完整（{str(e).split(' (errno')[0]}），请重新下载")

    # the format from the signature, never guessed: a stored .zip inside would make libarchive read a zip
    with open(path, "rb") as f:
        head = f.read(8)
    fmt = "rar5" if head.startswith(b"Rar!\x1a\x07\x01\x00") else "rar" if head.startswith(b"Rar!\x1a\x07\x00") else None
    if fmt is None:
        raise ArchiveProblem("文件名是 .rar，但内容不是 RAR 压缩包（可能下载不完整，或是改了后缀的其他文件）")
    first = RAR_VOLUME.match(path.name) and volume_of(path.name)[1] == 1 or old_style_first(path)
    volumes = volume_set(path, lim) if first else [path]

    def cut(got: int, size: int) -> str:
        where = (f"下一卷中，而下一卷缺失或已损坏（这里有 {len(volumes)} 卷：{volumes[0].name} 至 {volumes[-1].name}）；"
                 "请重新下载全部分卷后再运行" if len(volumes) > 1
                 else "分卷压缩包的下一卷中，这里只有这一卷；请把全部分卷放在同一文件夹后再运行")
        return f"压缩包中的这个文件不完整（取出 {got} 字节，应有 {size} 字节）：它接续在" + where

    return _expand_libarchive(volumes, fmt, stage, supported, lim, archive_error, problem, cut,
                              "RAR 压缩包是空的或已损坏（没有读出任何文件），请重新下载")


ISO_MAGIC_AT = 0x8001        # ISO 9660's volume descriptor: "CD001" after the 32 KB system area (UDF's too)


def expand_iso(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report files on a disc image (.iso: a 光盘 of materials imaged to share it; ISO 9660 with Joliet or Rock
    Ridge names, read by libarchive like a RAR), copied into `stage`."""
    archive_error = _libarchive_error()
    with open(path, "rb") as f:
        f.seek(ISO_MAGIC_AT)
        magic = f.read(5)
    if magic != b"CD001":
        raise ArchiveProblem("文件名是 .iso，但内容不是 ISO 9660 光盘镜像（可能下载不完整，或是 UDF 等其他格式的镜像）；"
                             "请在 Windows 中打开镜像，把其中的文件复制出来后再导入")

    def problem(e: Exception) -> ArchiveProblem:
        return ArchiveProblem(f"光盘镜像已损坏或不完整（{str(e).split(' (errno')[0]}），请重新制作或下载")

    def cut(got: int, size: int) -> str:
        return f"光盘镜像中的这个文件不完整（取出 {got} 字节，应有 {size} 字节）：镜像文件不完整，请重新制作或下载"

    return _expand_libarchive([path], "iso9660", stage, supported, lim, archive_error, problem, cut,
                              "光盘镜像中没有文件（或已损坏）")


def _expand_libarchive(volumes: list[Path], fmt: str, stage: Path, supported, lim, archive_error, problem, cut,
                       empty: str) -> tuple[list[Member], int]:
    """The report files of an archive libarchive reads (`fmt`: rar, rar5, iso9660), its `volumes` in order as one:
    the headers listed first, for the limits, before anything is written; then each entry judged as it comes.
    `problem(e)`: the ArchiveProblem of a libarchive error; `cut(got, size)`: the message of a member that comes out
    shorter than its header says; `empty`: the message when no file is listed."""
    infos, broken = [], None
    try:
        with _libarchive_reader(volumes, fmt) as arc:
            for e in arc:       # the headers (the data skipped): the limits are checked before anything is written
                if _is_file(e):
                    infos.append((_text_name(e.pathname), int(e.size or 0)))
    except archive_error as e:
        broken = problem(e)          # a cut download: the members before the cut are still whole
    if not infos:
        raise broken or ArchiveProblem(empty)
    _check_totals(len(infos), sum(size for _, size in infos), lim)
    members: list[Member] = []
    total = skipped = 0
    try:
        # each entry judged as it comes (not from the listing: past a damaged volume, reading the data finds members
        # that skipping over it did not)
        with _libarchive_reader(volumes, fmt) as arc:
            for e in arc:
                name = _text_name(e.pathname)
                if not _is_file(e):
                    continue
                unnamed = not _wanted(name, supported)
                if unnamed and not _may_be_unnamed(name, int(e.size or 0), lim):
                    skipped += 1
                    continue
                blocks = e.get_blocks(CHUNK)
                if unnamed:                                   # `downfile.jsp`: judged by its first bytes, then all
                    head = next(blocks, b"")
                    if not _may_hold(head, name):
                        skipped += 1
                        continue
                    blocks = itertools.chain([head], blocks)
                dest = stage / str(len(members))
                dest.mkdir(parents=True, exist_ok=True)
                dest = dest / _safe_base(name)
                limit = min(lim.max_file_bytes, lim.max_unzipped_bytes - total)
                try:
                    got = _copy_bounded(_Blocks(blocks), dest, limit, f"成员 {name} ")
                    total += got
                    if e.size is not None and got < e.size:     # its data runs on into a volume not read with it
                        raise ArchiveProblem(cut(got, e.size))
                except ArchiveProblem as err:
                    members.append(Member(name, None, str(err)))
                    dest.unlink(missing_ok=True)
                    continue
                if unnamed and not _holds_reports(dest):
                    dest.unlink(missing_ok=True)
                    skipped += 1
                    continue
                members.append(Member(name, dest))
    except archive_error as e:
        if not members:
            raise problem(e) from None
        # what came out whole is kept; the rest is one row saying where the archive breaks
        members.append(Member("（其余文件）", None, f"压缩包从此处起无法读取，其余文件未能取出：{problem(e)}"))
    return members, skipped


_TAR_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)   # a cut or damaged stream (and tarfile.TarError)


def expand_tar(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report files in a tar archive (plain, gzip, bzip2 or xz), copied into `stage` in one pass over the stream
    (a compressed tar is never read twice): the member count and the sizes the headers declare are checked as they
    come, regular files only (links and devices never followed). A cut download keeps the members before the cut."""
    import tarfile

    try:
        tf = tarfile.open(path, mode="r|*", encoding="utf-8", errors="surrogateescape")
    except tarfile.CompressionError:
        raise ArchiveProblem("TAR 压缩包使用了不支持的压缩方式，请解压后重新打包为 .zip 再导入") from None
    except (tarfile.TarError,) + _TAR_ERRORS:
        raise ArchiveProblem("TAR 压缩包已损坏或不完整（或不是 TAR 文件），请重新下载") from None
    members: list[Member] = []
    n = skipped = total = declared = 0
    try:
        with tf:
            for info in tf:
                if not info.isreg():
                    continue
                n += 1
                declared += info.size
                _check_totals(n, declared, lim)
                name = _tar_name(info.name)
                unnamed = not _wanted(name, supported)
                if unnamed and not _may_be_unnamed(name, info.size, lim):
                    skipped += 1
                    continue
                src = data = tf.extractfile(info)
                if unnamed:                                   # `downfile.jsp`: judged by its first bytes, then all
                    head = data.read(1024)
                    if not _may_hold(head, name):
                        skipped += 1
                        continue
                    src = _Blocks(itertools.chain([head], iter(functools.partial(data.read, CHUNK), b"")))
                dest = stage / str(len(members))
                dest.mkdir(parents=True, exist_ok=True)
                dest = dest / _safe_base(name)
                try:
                    got = _copy_bounded(src, dest, min(lim.max_file_bytes, lim.max_unzipped_bytes - total),
                                        f"成员 {name} ")
                except ArchiveProblem as e:
                    members.append(Member(name, None, str(e)))
                    dest.unlink(missing_ok=True)
                    continue
                except (tarfile.TarError,) + _TAR_ERRORS:
                    members.append(Member(name, None, "压缩包在这个文件处中断（下载不完整或已损坏），未能完整取出；请重新下载"))
                    dest.unlink(missing_ok=True)
                    raise
                total += got
                if unnamed and not _holds_reports(dest):
                    dest.unlink(missing_ok=True)
                    skipped += 1
                    continue
                members.append(Member(name, dest))
    except (tarfile.TarError,) + _TAR_ERRORS as e:
        cut = ArchiveProblem(f"TAR 压缩包已损坏或不完整（{reason(e)}），请重新下载")
        if not members:
            raise cut from None
        members.append(Member("（其余文件）", None, f"压缩包从此处起无法读取，其余文件未能取出：{cut}"))
    return members, skipped


def _tar_name(name: str) -> str:
    """A tar member's name as text: a PAX header's is UTF-8; an old header's bytes UTF-8, else GB18030 (a tar made on
    Chinese Windows); read by tarfile with surrogateescape, so undecodable bytes are there to decode again."""
    while name.startswith(("./", "/")):      # `tar -C folder .` writes ./大厂县/…; an absolute name is read as relative
        name = name[1:].lstrip("/") if name.startswith("/") else name[2:]
    if not any("\udc80" <= ch <= "\udcff" for ch in name):
        return name
    raw = name.encode("utf-8", "surrogateescape")
    decoded = decode_name(raw)
    return decoded if decoded is not None else raw.decode("utf-8", errors="replace")


def expand_mail(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    """The report attachments of a saved e-mail, copied into `stage`: an Outlook compound file (outlook.attachments)
    or a MIME message (mail.attachments) by its first bytes, whichever suffix it has."""
    from evalkit import mail, outlook
    from evalkit.model import ReadError
    from evalkit.readers.safety import read_bounded
    try:
        raw = read_bounded(path, lim.max_file_bytes, "邮件文件")
    except ReadError as e:
        raise ArchiveProblem(str(e)) from None
    try:
        if raw.startswith(outlook.SIGNATURE):
            found = outlook.attachments(raw)
            if not isinstance(found, str) and found[1] is None and not any(_wanted(n, supported) for n, _ in found[0]):
                _links_instead(outlook.body_text(raw), outlook.referenced(raw))
        elif archive_format(path.name) == "tnef":
            inner = tnef.unwrapped(raw)
            if inner is None:
                raise ArchiveProblem("winmail.dat 不是有效的 Outlook 附件包（TNEF），可能已损坏或不完整；"
                                     "请让发件人以 HTML 或纯文本格式重发邮件，或把附件另存后再导入")
            found = inner
        elif path.name.lower().endswith(".msg") and not _MIME_HEAD.match(raw[:200]):
            raise ArchiveProblem("文件不是 Outlook 邮件格式（不是 Office 复合文档），可能已损坏或不完整；"
                                 "请在 Outlook 中重新另存为 .msg 或 .eml 后再导入")
        else:
            found = mail.attachments(raw)
            if not isinstance(found, str) and found[1] is None and not any(_wanted(n, supported) for n, _ in found[0]):
                _links_instead(mail.body_text(raw))
    except outlook.OutlookProblem as e:
        raise ArchiveProblem(str(e)) from None
    except RecursionError:
        raise ArchiveProblem("邮件的结构嵌套过深（疑似恶意构造的文件），无法读取附件") from None
    del raw
    if isinstance(found, str):
        raise ArchiveProblem(found)
    found, body = found
    if body is not None and not any(_wanted(name, supported) for name, _ in found):
        found.append(body)       # no report attached: the table pasted into the mail (邮件正文.html or .rtf) is the report
    _check_totals(len(found), sum(len(data) for _, data in found), lim, "邮件")
    return _staged_attachments([(name, data, None) for name, data in found], stage, supported, lim)


def _staged_attachments(found: list[tuple[str, bytes | None, str | None]], stage: Path, supported,
                        lim) -> tuple[list[Member], int]:
    """(members, files skipped) of the attachments of a mail, a PDF, an OFD or a workbook given as (name, bytes,
    problem): each report file written into `stage` under a name of ours, one with a problem (or over the file size
    limit) a member saying so, other files counted as skipped."""
    members, skipped = [], 0
    for n, (name, data, problem) in enumerate(found):
        if not _wanted(name, supported):
            skipped += 1
            continue
        if problem is not None or data is None:
            members.append(Member(name, None, problem or "附件的数据无法读取，未读取"))
            continue
        if len(data) > lim.max_file_bytes:
            members.append(Member(name, None, f"附件 {len(data) / 2**20:.0f} MB，超过上限 {lim.max_file_bytes / 2**20:.0f} MB，未读取"))
            continue
        dest = stage / str(n)
        dest.mkdir(parents=True, exist_ok=True)
        dest = dest / _safe_base(name)
        dest.write_bytes(data)
        members.append(Member(name, dest))
    return members, skipped


# A PDF 包 (files attached to a PDF), an 电子公文 OFD with its 附件 as files, a 报送清单 workbook with each unit's
# report attached to its sheet as an icon: each attachment is a report of its own (its year, its result), read as a
# member of the file (`x.pdf!a.docx`) beside the file itself, whose pages are read as any PDF's (sheets as any
# workbook's). Discovery asks `attaching` of every PDF, OFD and xlsx: a scan of the bytes (PDF) or of the zip
# directory; only a file that names attachments is parsed for them.


def attaching(path: Path, fmt: str | None = None) -> str | None:
    """'pdf', 'ofd' or 'xlsx' when `path`, a PDF, an OFD or a workbook by its name (or `fmt`, what its content is),
    has files attached (expand's format for them); None for any other file."""
    fmt = fmt or format_of(path.name)
    if fmt == "pdf":
        from evalkit.readers.pdffiles import may_have_attachments
    elif fmt == "ofd":
        from evalkit.readers.ofd import may_have_attachments
    elif fmt in HOLDING_WORKBOOKS:
        from evalkit.readers.embedded import workbook_may_attach as may_have_attachments
        fmt = "xlsx"
    else:
        return None
    return fmt if may_have_attachments(path) else None


def expand_attached(path: Path, stage: Path, supported, lim, fmt: str) -> tuple[list[Member], int]:
    """The report files attached to a PDF, an OFD or a workbook (`fmt`), copied into `stage`; none when the file
    cannot be opened (its own read says why), one member saying so when they are more than the limits allow."""
    from evalkit.readers import embedded, ofd, pdffiles
    try:
        if fmt == "xlsx":
            found = [(name, data, problem) for name, _, data, problem in embedded.workbook_files(path)]
        else:
            found = pdffiles.attached_data(path, lim.max_pages) if fmt == "pdf" else ofd.attached_data(path)
    except (MemoryError, RecursionError):
        raise
    except Exception:  # noqa: BLE001  (a PDF or OFD that cannot be opened: its own row says so)
        return [], 0
    try:
        _check_totals(len(found), sum(len(d or b"") for _, d, _ in found), lim, container_word("x." + fmt))
    except ArchiveProblem as e:
        return [Member(f"（{len(found)} 个附件）", None, str(e))], 0
    return _staged_attachments(found, stage, supported, lim)


def expand_ofd(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    return expand_attached(path, stage, supported, lim, "ofd")


def expand_workbook(path: Path, stage: Path, supported, lim) -> tuple[list[Member], int]:
    return expand_attached(path, stage, supported, lim, "xlsx")


def _links_instead(text: str, referenced: list[str] = ()) -> None:
    """A mail with no report in it that gives links instead: attachments that are links (`referenced`: Outlook's
    cloud attachments), 超大附件 (the provider's download links) or a 网盘 share in its text: ArchiveProblem saying so
    and how to get the files."""
    from evalkit import mail
    from evalkit.readers.links import shared_in_text
    if referenced:
        raise ArchiveProblem(mail.referenced_message(list(referenced)))
    if mail.LARGE_ATTACHMENT.search(text):
        raise ArchiveProblem(mail.LARGE_ATTACHMENTS)
    if shared := shared_in_text(text):
        raise ArchiveProblem(mail.shared_message(shared))


@contextmanager
def _libarchive_reader(volumes: list[Path], fmt: str):
    """libarchive reading `volumes` in order as one archive (archive_read_open_filenames, which libarchive-c does not
    wrap): the names passed as the file system's bytes, so a Chinese name opens in the C locale too (cron)."""
    from ctypes import POINTER, c_char_p, c_int, c_size_t

    from libarchive import ffi
    from libarchive.read import ArchiveRead, new_archive_read
    open_filenames = getattr(ffi, "read_open_filenames", None) or ffi.ffi(
        "read_open_filenames", [ffi.c_archive_p, POINTER(c_char_p), c_size_t], c_int, ffi.check_int)
    names = (c_char_p * (len(volumes) + 1))(*(os.fsencode(v) for v in volumes), None)
    with new_archive_read(fmt) as archive_p:
        open_filenames(archive_p, names, CHUNK)
        yield ArchiveRead(archive_p)


def _is_file(entry) -> bool:
    """A RAR entry with content of its own: not a folder, nor a link (never followed)."""
    return not (entry.isdir or entry.issym or entry.islnk)


def _text_name(name) -> str:
    """A RAR member's name as text: libarchive gives bytes for a name it cannot convert, which in a RAR 4
    archive from a Chinese Windows is GBK (WinRAR writes the ANSI code page when the name fits it)."""
    if isinstance(name, str):
        return name
    decoded = decode_name(name)
    return decoded if decoded is not None else name.decode("utf-8", errors="replace")


class _Blocks:
    """A file-like read() over libarchive's blocks, for _copy_bounded."""

    def __init__(self, blocks):
        self._it = iter(blocks)

    def read(self, _n: int = -1) -> bytes:
        return next(self._it, b"")


def expand(path: Path, stage: Path, supported, lim, depth: int = 0, fmt: str | None = None) -> tuple[list[Member], int]:
    """Every report file in an archive, nested archives opened (names joined with '!'); `fmt`: what it is, when its
    name does not say (content_archive)."""
    stage.mkdir(parents=True, exist_ok=True)
    fn = {"7z": expand_7z, "rar": expand_rar, "eml": expand_mail, "msg": expand_mail, "tnef": expand_mail,
          "tar": expand_tar, "iso": expand_iso, "pdf": expand_pdf, "ofd": expand_ofd, "xlsx": expand_workbook
          }.get(fmt or archive_format(path.name), expand_zip)
    members, skipped = fn(path, stage, supported, lim)
    members = [Member(m.name.replace("\\", "/"), m.staged, m.problem) for m in members]   # a 7z or RAR made so, too
    members, skipped = _parts_beside_their_pages(members, skipped)
    used: set[str] = set()
    members = [Member(unique_name(m.name, used), m.staged, m.problem) for m in members]
    members = _volume_sets(members, stage, lim)
    out = []
    for i, m in enumerate(members):
        if m.staged is not None and (is_archive(m.name) or (kind := unnamed_archive(m.staged)) is not None):
            if depth + 1 >= MAX_NESTING:
                out.append(Member(m.name, None, f"压缩包嵌套超过 {MAX_NESTING} 层，未继续解压"))
                continue
            try:
                inner, sk = expand(m.staged, stage / f"n{i}", supported, lim, depth + 1,
                                   fmt=None if is_archive(m.name) else kind)
            except ArchiveProblem as e:
                out.append(Member(m.name, None, str(e)))
                continue
            skipped += sk
            out += [Member(f"{m.name}!{x.name}", x.staged, x.problem) for x in inner]
        else:
            out.append(m)
            if m.staged is None or (kind := attaching(m.staged, format_of(m.name))) is None:
                continue
            if depth + 1 >= MAX_NESTING:              # a PDF 包's files: read beside it, as an archive's members
                out.append(Member(f"{m.name}!（附件）", None, f"{container_word('x.' + kind)}嵌套超过 {MAX_NESTING} 层，未读取"))
                continue
            inner, sk = expand(m.staged, stage / f"n{i}", supported, lim, depth + 1, fmt=kind)
            skipped += sk
            out += [Member(f"{m.name}!{x.name}", x.staged, x.problem) for x in inner]
    return out, skipped


def _volume_sets(members: list[Member], stage: Path, lim) -> list[Member]:
    """分卷 inside an archive (a 网盘's folder downloaded as one zip, a mail's attachments): each set one member named
    as the archive it makes (`folder/x.rar`, opened as a nested archive), its volumes staged side by side under
    names of ours and read together; a set without its first volume or with a gap is one member saying so."""
    sets: dict[tuple[str, str], dict[int, Member]] = {}
    for m in members:
        folder, _, base = m.name.rpartition("/")
        if m.staged is not None and (v := volume_of(base)) is not None:
            sets.setdefault((folder, v[0]), {})[v[1]] = m
    lasts: dict[tuple[str, str], Member] = {}
    for m in members:                        # a set's archive-named member: old-style x.rar (first), split x.zip (last)
        folder, _, base = m.name.rpartition("/")
        if m.staged is None or (folder, base) not in sets:
            continue
        if any(ZIP_PART.match(v.name.rpartition("/")[2]) for v in sets[(folder, base)].values()):
            lasts[(folder, base)] = m        # a split zip's last part: x.zip after its x.z01…
        elif 1 not in sets[(folder, base)]:
            sets[(folder, base)][1] = m
    if not sets:
        return members
    grouped = {id(m) for volumes in sets.values() for m in volumes.values()} | {id(m) for m in lasts.values()}
    out = [m for m in members if id(m) not in grouped]
    for k, ((folder, base), volumes) in enumerate(sets.items()):
        name = f"{folder}/{base}" if folder else base
        if 1 not in volumes:
            low = volumes[min(volumes)].name
            out.append(Member(low, None, no_first_volume(volume_name(low.rpartition("/")[2], 1), inside=True)))
            continue
        place = stage / f"v{k}"
        place.mkdir(parents=True, exist_ok=True)
        stem, dot, ext = base.rpartition(".")                # x, rar | 7z | zip
        stem = stem if len(stem.encode("utf-8")) <= NAME_BYTES - 20 else "分卷"
        width = len(str(max(volumes)))
        split_zip = ZIP_PART.match(volumes[1].name.rpartition("/")[2]) is not None
        ours = {n: f"{stem}.z{n:02d}" if split_zip else f"{stem}.part{n:0{width}d}.{ext}" if ext.lower() == "rar"
                else f"{stem}.{ext}.{n:03d}" for n in volumes}
        for n, m in volumes.items():
            os.replace(m.staged, place / ours[n])
        if (folder, base) in lasts:
            os.replace(lasts[(folder, base)].staged, place / f"{stem}.{ext}")
        try:
            out.append(Member(name, join_volumes(place / ours[1], place / "joined", lim)))
        except ArchiveProblem as e:
            out.append(Member(name, None, str(e)))
    return out


def unique_name(name: str, used: set[str], key=str.lower) -> str:
    """`name`, or `folder/name（2）.ext`… when an earlier member has that name (a zip or 7z may hold two files of one
    name, a mail two attachments: the ledger's names are keys, and `evalkit inspect 'a.zip!x'` must find one).
    `key`: what makes two names one (by default case, as Windows, where archives and mail are made, has it)."""
    folder, slash, base = name.rpartition("/")
    stem, dot, suffix = base.rpartition(".")
    if not (dot and stem):
        stem, suffix = base, ""
    else:
        suffix = "." + suffix
    candidate, k = name, 1
    while key(candidate) in used:
        k += 1
        candidate = f"{folder}{slash}{stem}（{k}）{suffix}"
    used.add(key(candidate))
    return candidate


def _parts_beside_their_pages(members: list[Member], skipped: int) -> tuple[list[Member], int]:
    """A saved web page's pictures and framed pages (`x_files/…` beside `x.html` in the archive) staged in a folder
    beside the page, as they were saved, so the page reads them (readers/webpage.py); they are not members of their own."""
    from evalkit.readers.webpage import FOLDER_SUFFIXES, is_part
    pages = {}
    for m in members:
        if m.staged is not None and format_of(m.name) == "html":
            folder, _, base = m.name.rpartition("/")
            stem = base.rsplit(".", 1)[0]
            for suffix in FOLDER_SUFFIXES:
                pages[f"{folder}/{stem}{suffix}".lower().lstrip("/")] = (m, suffix)
    if not pages:
        return members, skipped
    out = []
    for m in members:
        parts = m.name.split("/")
        page = next(((k, pages[d]) for k in range(1, len(parts))
                     if (d := "/".join(parts[:k]).lower()) in pages), None) if is_part(m.name) else None
        if page is None:
            out.append(m)
            continue
        k, (owner, suffix) = page
        if m.staged is not None:       # a picture that could not be taken out keeps its row
            dest = owner.staged.parent.joinpath(owner.staged.stem + suffix, *(_safe_base(p) for p in parts[k:]))
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(m.staged, dest)
            skipped += 1
        else:
            out.append(m)
    return out, skipped


def readable(name: str) -> bool:
    """Whether a member's name is a format evalkit reads (what `expand` takes out besides nested archives)."""
    return format_of(name) is not None


# 分卷 (an archive split in volumes, what 网盘 and QQ size limits make people send). 7-Zip's `x.7z.001`, `x.7z.002`…
# (or `x.zip.001`…) are the archive's bytes cut in pieces: joined in order they are the archive itself. WinRAR's
# `x.part1.rar`, `x.part2.rar`… (`part01` from ten volumes) are each a RAR of their own whose members run on into the
# next: libarchive reads them together where they are (expand_rar); so are the old style's `x.rar`, `x.r00`, `x.r01`…
# (`x.s00` after `x.r99`: RAR 2's names, still WinRAR's option). A split zip (Bandizip's, WinRAR's or Info-ZIP's
# `x.z01`, `x.z02`…, its last part `x.zip`) is joined too, its central directory's offsets (each counted from its own
# part) made the joined file's. Each set is named in the ledger as the archive it makes, `x.7z`, `x.rar`, `x.zip`.
_MADE_UNIQUE = re.compile(r"^(?P<stem>.+)（(?P<k>\d+)）(?P<suffix>\.[^.]*)?$")


def on_disk(path: Path) -> Path:
    """The file or folder a ledger name stands for: the path itself, or the one `evalkit ingest` showed so: a name in
    GBK bytes (left by `unzip` on Linux) shown decoded, the k-th of names shown alike shown `报告（k）.txt`
    (discover.discover's order: by name, the later first). The path as given when nothing matches."""
    from evalkit.discover import display_name
    at = Path(path.anchor) if path.anchor else Path(".")
    for comp in path.parts[1 if path.anchor else 0:]:
        if comp in (".", ".."):
            at = at / comp
            continue
        try:
            names = sorted(os.listdir(at), reverse=True)
        except OSError:
            return path
        alike = [n for n in names if display_name(n) == comp]
        if not alike and (m := _MADE_UNIQUE.match(comp)):
            base = m.group("stem") + (m.group("suffix") or "")
            alike = [n for n in names if display_name(n) == base][int(m.group("k")) - 1:]
        if not alike:
            return path
        at = at / alike[0]
    return at


def split_member(spec: str) -> tuple[Path, str] | None:
    """(the archive file, the member's name inside it) of a ledger name like `自评材料.zip!大厂县/2022年/x.docx`
    (nested: `a.zip!b.zip!c.pdf`, the member `b.zip!c.pdf`); None when no '!'-prefix of it is an archive file."""
    parts = spec.split("!")
    for i in range(1, len(parts)):
        archive = on_disk(Path("!".join(parts[:i])))
        if is_archive(archive.name) and (a_file(archive) or volumes_of(archive) is not None) \
                or unnamed_archive(archive) is not None or (a_file(archive) and attaching(archive) is not None):
            return archive, "!".join(parts[i:])
    return None


def unnamed_archive(path: Path) -> str | None:
    """content_archive of a file whose name says no format and whose content is no report (`downfile.jsp` holding a
    zip), as ingest's discovery tells it; None for any other path."""
    if is_archive(path.name) or format_of(path.name) is not None or not a_file(path) or unnamed_format(path) is not None:
        return None
    return content_archive(path)


def find_member(spec: str, stage: Path, supported, lim, opened: dict | None = None) -> Path:
    """The file a ledger name like `自评材料.zip!大厂县/2022年/x.docx` (nested: `a.zip!b.zip!c.pdf`) stands for,
    taken out of its archive into `stage`. `opened` (archive -> members) keeps what was taken out, so a caller
    looking up many members opens each archive once. ArchiveProblem (Chinese) when the archive cannot be
    opened or the member is not in it (the message lists what is) or cannot be taken out."""
    found = split_member(spec)
    if found is None:
        raise ArchiveProblem(f"找不到文件 {spec}")
    archive, wanted = found
    opened = {} if opened is None else opened
    key = archive.resolve()
    if key not in opened:
        opened[key] = _members_of(archive, stage / str(len(opened)), supported, lim)
    members = opened[key]
    for m in members:
        if m.name == wanted:
            if m.problem is not None:
                raise ArchiveProblem(f"{spec}: {m.problem}")
            return m.staged
    raise ArchiveProblem(f"{holder_word(archive.name)} {archive} 中没有 {wanted}；{listing(archive, members)}")


def _members_of(archive: Path, place: Path, supported, lim) -> list[Member]:
    """What `archive` holds, opened into `place` as ingest opens it: a set's volumes joined first (`x.7z` of
    x.7z.001…, the x.zip of a split zip)."""
    first = volumes_of(archive)
    if first is None:
        return expand(archive, place, supported, lim, fmt=unnamed_archive(archive) or attaching(archive))[0]
    return expand(join_volumes(first, place / "joined", lim), place, supported, lim)[0]


def listing(archive: Path, members: list[Member]) -> str:
    """'其中的报告文件：a.zip!x.docx、…' (the first 20), for a message naming what an archive holds."""
    if not members:
        return "其中没有可读取的报告文件"
    return "其中的报告文件：" + "、".join(f"{archive}!{m.name}" for m in members[:20]) + (" 等" if len(members) > 20 else "")


@contextmanager
def located(path: Path):
    """The file a command given one file (inspect, annotate) reads for `path`: itself, or the report inside an
    archive it names as the ledger does (`自评材料.zip!大厂县/2022年/x.docx`), taken out into a temp folder
    removed on leaving. InputError (Chinese) for a missing file, or an archive itself (listing what it holds)."""
    from evalkit import scratch
    from evalkit.errors import InputError
    from evalkit.limits import LIMITS
    path = on_disk(Path(path))               # as the ledger shows it: a GBK name decoded, `报告（2）.txt`
    given = a_file(path)
    if given and not is_archive(path.name) and unnamed_archive(path) is None:
        yield path
        return
    if not given and "!" not in str(path):
        raise InputError(f"找不到文件 {path}", "请检查路径；压缩包中的文件写作 压缩包.zip!文件夹/文件名")
    with scratch.folder("archives") as stage:
        try:
            if given:                # an archive itself: say what it holds
                held = listing(path, _members_of(path, Path(stage), readable, LIMITS))
                word = container_word(path.name)
                raise InputError(f"{path} 是{word}，{held}", "请指定其中的一个报告文件，写法同 ingest 清单："
                                 + ("'邮件.eml!附件名'" if word == "邮件" else "'压缩包.zip!文件夹/文件名'"))
            member = find_member(str(path), Path(stage), readable, LIMITS)
        except ArchiveProblem as e:
            raise InputError(str(e)) from None
        yield member
