"""Discover: the inputs walked into one `Source` per file (archives expanded, volumes joined, a web page's folder
given to its page), each with the problem seen without opening it (a dangling link, a download not finished, a
format never read, evalkit's own output, a system folder) as a Chinese message; then each file hashed, streamed."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from evalkit import limits as _limits
from evalkit.archives import (NOT_REPORT_PREFIXES, archive_format, attaching, container_word, content_archive, expand,
                              is_archive, readable, unique_name, unnamed_archive)
from evalkit.members import ArchiveProblem
from evalkit.pdflist import listing_pdfs
from evalkit.readers import SUFFIXES, format_of, webpage
from evalkit.readers.safety import os_reason
from evalkit.readers.sniff import unnamed_format
from evalkit.volumes import join_volumes, no_first_volume, old_style_first, split_zip_last, volume_name, volume_of


@dataclass
class Source:
    """One input found by `discover`: where to open it, the name it is reported under, and any
    problem seen without opening it (a dangling link, a FIFO, a loop) as a Chinese message."""
    path: Path
    source_file: str
    fmt: str | None
    size: int | None = None
    problem: str | None = None
    sha256: str | None = None
    stamp: tuple | None = None   # (size, mtime) just before it was hashed: changed_since_hashed


CHANGED_WHILE_READ = ("文件在读取过程中被改动（可能仍在复制或保存中），记录的哈希值与读到的内容可能不符，本次不采用；"
                      "请在文件写完后重新运行 evalkit ingest")


def file_stamp(path: Path) -> tuple | None:
    """A file's size and modification time, to tell whether it changed while read (None: gone)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns      # no inode: a network share (CIFS noserverino) may number a file anew


def changed_since_hashed(s: Source) -> bool:
    """The file was written to (or replaced) after it was hashed: its rows might not be of the bytes the
    ledger's sha256 names (a copy still in progress when the run began), as tar's "file changed as we read it"."""
    return s.stamp is not None and file_stamp(s.path) != s.stamp


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    skipped: int = 0          # files of other types (images, notes …), not reports
    skipped_types: dict[str, int] = field(default_factory=dict)   # suffix -> files of it skipped in the folders
    own_outputs: list[str] = field(default_factory=list)   # evalkit's own folders met on the way (own_output)
    page_folders: list[str] = field(default_factory=list)  # a saved page's folders: their pictures are the page's
    given_twice: list[str] = field(default_factory=list)   # inputs reached again through another input: read once
    system_folders: list[str] = field(default_factory=list)  # recycle bins and the like (SYSTEM_FOLDERS): not walked


# A download still going on (or broken off): the browser's or download tool's temporary name, the report's own before it.
DOWNLOADING = {".crdownload": "Chrome、Edge、360、QQ 等浏览器", ".part": "Firefox 浏览器", ".partial": "IE 或旧版 Edge 浏览器",
               ".opdownload": "Opera 浏览器", ".download": "Safari 浏览器", ".td": "迅雷",
               ".baiduyun.downloading": "百度网盘", ".downloading": "下载工具"}


def unfinished_download(name: str) -> tuple[str, str] | None:
    """(the report's name, what is downloading it) for a download tool's temporary file of a report
    (`自评表.pdf.crdownload`, `自评表.pdf.td`), else None."""
    low = name.lower()
    for suffix, tool in DOWNLOADING.items():
        inner = name[: len(name) - len(suffix)]
        if low.endswith(suffix) and (format_named(inner) is not None or is_archive(inner)):
            return inner, tool
    return None


def _downloading(path: Path, source_file: str) -> Source | None:
    """A failed row for a report still being downloaded (it is not there yet: the run must say so, not skip it)."""
    found = unfinished_download(path.name)
    if found is None:
        return None
    inner, tool = found
    suffix = display_name(path.name[len(inner):])
    return Source(path, source_file, format_named(inner) or _archive_fmt(Path(inner)),
                  problem=f"文件尚未下载完成（{tool}的临时文件“{suffix}”），内容不完整，未读取；"
                          f"请等“{display_name(inner)}”下载完成（或重新下载）后再运行")


# Document formats evalkit does not read whose files hold reports: a row saying what to export them as, not a
# silent skip (the report would be missing without a word).
NOT_READ = {
    ".numbers": "这是 Apple Numbers 表格，evalkit 不直接读取；请在 Numbers 中导出为 Excel（.xlsx）或 PDF 后再导入",
    ".pages": "这是 Apple Pages 文稿，evalkit 不直接读取；请在 Pages 中导出为 Word（.docx）或 PDF 后再导入",
    ".ceb": "这是方正阿帕比电子文档（.ceb），evalkit 不直接读取；请用 Apabi Reader 打印或另存为 PDF 后再导入",
    ".sep": "这是书生电子公文（.sep），evalkit 不直接读取；请用书生阅读器打印为 PDF 或导出为 OFD 后再导入",
    ".gd": "这是书生电子公文（.gd），evalkit 不直接读取；请用书生阅读器打印为 PDF 或导出为 OFD 后再导入",
    # 永中 Office (信创 desktops): its own integrated format, and UOF 表格/演示 (GB/T 20916; UOF 文字 .uot is read)
    ".eio": "这是永中 Office 文档（.eio），evalkit 不直接读取；请在永中 Office 中另存为 Word、Excel 格式或 PDF 后再导入",
    ".uos": "这是 UOF 电子表格（.uos），evalkit 不直接读取；请在永中 Office 或 WPS 中另存为 Excel 格式（.xlsx）或 PDF 后再导入",
    ".uop": "这是 UOF 演示文稿（.uop），evalkit 不直接读取；请在永中 Office 或 WPS 中另存为 PowerPoint 格式（.pptx）或 PDF 后再导入",
}


def not_read(name: str) -> tuple[str, str] | None:
    """(format label, what to do) for a document format evalkit does not read (NOT_READ), else None."""
    suffix = os.path.splitext(name)[1].lower()
    return (suffix[1:], NOT_READ[suffix]) if suffix in NOT_READ else None


def named_not_read(path: Path, source_file: str, size: int | None = None) -> Source | None:
    """The failed row of a file that holds a report evalkit does not read (NOT_READ) or not yet (a download still
    going on): said, never skipped as a file of another type."""
    if (other := not_read(path.name)) is not None:
        return Source(path, source_file, other[0], size, problem=other[1])
    return _downloading(path, source_file)
REPORTS_LOCK = ".report.lock"      # the lock `evalkit report` keeps in its --out folder (report/runner.py takes it)


# Folders Windows and macOS keep on a drive, never a report's: a recycle bin holds deleted (older) copies of reports
# under names like `$R3X9ABC.docx`, which would count as reports of their own.
SYSTEM_FOLDERS = {"$recycle.bin": "Windows 回收站，其中是已删除的文件", "recycler": "Windows 回收站，其中是已删除的文件",
                  "system volume information": "Windows 系统文件夹", "__macosx": "macOS 压缩时附带的资源文件"}
SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}    # not even counted among the files of other types


def own_output(folder: Path) -> str | None:
    """What evalkit wrote there, when a folder is its own output: a report folder (its pages, workbook and
    charts would read as reports: a project counted again, charts OCR'd), one run of it, or a dataset. None
    for any other folder; only a few names are looked at."""
    try:
        if (folder / REPORTS_LOCK).is_file():
            return "evalkit 报告输出文件夹"
        for name, key, kind in (("run.json", "region_folder", "evalkit 报告的一次运行"),
                                ("manifest.json", "evalkit_dataset", "evalkit 数据集")):
            f = folder / name
            if f.is_file() and f.stat().st_size < 1 << 22 and key in json.loads(f.read_text(encoding="utf-8")):
                return kind
    except (OSError, ValueError, TypeError):     # unreadable, not JSON, JSON that is no object: not ours
        return None
    return None


def display_name(name: str) -> str:
    """A file name as text: undecodable bytes (GBK names left by unzip) decoded as GB18030 where
    that works, else shown as \\xNN escapes; always valid Unicode for the tables."""
    raw = os.fsencode(name)
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def format_named(name: str) -> str | None:
    """The format a file's name gives, as a report row names it (None: not a report format)."""
    return reported_format(format_of(name))


def reported_format(fmt: str | None) -> str | None:
    """The format a report row gives: a workbook is xlsx whether .xls or .xlsx."""
    return {"xls": "xlsx"}.get(fmt, fmt)


def root_names(roots: list[Path]) -> list[str | None]:
    """Each input's name in the ledger: its own name, or with as many of its parent folders as tell it from another
    input of that name (`曲沃县/2023`, `开江县/2023`: before, both read `2023/自评表.docx`); None for an input given
    again (the same path)."""
    from collections import defaultdict

    parts = [Path(os.path.abspath(r)).parts for r in roots]
    depth = [1] * len(roots)

    def name(i: int) -> str:
        return "/".join(display_name(x) for x in parts[i][-depth[i]:] if x != os.sep) or display_name(str(roots[i]))

    names = [name(i) for i in range(len(roots))]
    while True:                                  # (a shell glob may give thousands of files: no pair of them compared)
        holders = defaultdict(set)
        for i, n in enumerate(names):
            holders[n].add(parts[i])
        grown = [i for i, n in enumerate(names) if len(holders[n]) > 1 and depth[i] < len(parts[i])]
        if not grown:
            break
        for i in grown:
            depth[i] += 1
            names[i] = name(i)
    first: dict[tuple, int] = {}
    return [names[i] if first.setdefault(parts[i], i) == i else None for i in range(len(roots))]


def discover(paths: list[Path], limits=None, stage: Path | None = None) -> Discovery:
    """Every report file under the given files/folders, named relative to its root.

    Walks iteratively (no recursion limit), follows folder links once (a loop is reported, not
    followed), never opens anything but archives, the first 2 KB of a regular file whose name says no format
    (a report saved as `downfile.jsp`, readers/sniff.unnamed_format) and PDFs, OFDs and workbooks (scanned for
    attached files): FIFOs, devices, dangling links, unreadable folders and folders nested deeper than the limit
    each become a Source with a problem. Archives (.zip/.7z/.rar) are opened into `stage` (see archives.py), and the
    files attached to a PDF, OFD or workbook taken out there beside it (archives.attaching); without `stage` both
    are skipped."""
    with listing_pdfs():                          # one process lists the PDFs' attachments
        return _discover(paths, limits, stage)


def _discover(paths: list[Path], limits=None, stage: Path | None = None) -> Discovery:
    lim = limits or _limits.LIMITS
    out = Discovery()

    read_as: dict[tuple, tuple[int, str]] = {}    # a file's identity -> the input and name it was read as

    def add_volumes(volume1: Path, source_file: str) -> None:
        """A 分卷 set (`x.7z.001`…, `x.part1.rar`…, `x.z01`…) read as the archive it makes, named `x.7z`, `x.rar`, `x.zip`."""
        try:
            joined = join_volumes(volume1, stage / "volumes" / str(len(out.sources)), lim)
        except (ArchiveProblem, OSError) as e:
            out.sources.append(Source(volume1, source_file, _archive_fmt(Path(source_file)),
                                      problem=str(e) if isinstance(e, ArchiveProblem) else f"无法读取分卷（{os_reason(e)}）"))
            return
        add(joined, source_file)

    def missing_first(path: Path, source_file: str, base: str) -> Source:
        return Source(path, source_file, _archive_fmt(Path(base)),
                      problem=no_first_volume(display_name(volume_name(path.name, 1))))

    def add(path: Path, source_file: str, given: bool = False, fmt: str | None = None, archive: str | None = None) -> None:
        """`archive`: the archive format of a file whose name says none (archives.content_archive)."""
        if multi and (key := _file_identity(path)) is not None:
            at = read_as.setdefault(key, (current, source_file))
            if at[0] != current:                  # the same file through another input (a folder and a file in it)
                out.given_twice.append(f"{source_file}（即 {at[1]}）")
                return
        if given and stage is not None and archive is None:
            archive = unnamed_archive(path)          # `downfile.jsp` given by name, holding a zip of the reports
        if (archive or is_archive(path.name)) and stage is not None:
            kind = archive or _archive_fmt(path)
            src = _source(path, source_file, lim)
            if src.problem is not None:
                out.sources.append(Source(path, source_file, kind, src.size, src.problem))
                return
            try:
                members, skipped = expand(path, stage / str(len(out.sources)), readable, lim, fmt=archive)
            except ArchiveProblem as e:
                out.sources.append(Source(path, source_file, kind, src.size, str(e)))
                return
            except Exception as e:  # noqa: BLE001  (one archive a library chokes on costs its row, not the run)
                out.sources.append(Source(path, source_file, kind, src.size,
                                          f"读取压缩包时发生内部错误（{type(e).__name__}: {e}），"
                                          "请把文件报告给 evalkit 维护者"))
                return
            out.skipped += skipped
            if not members:
                word = "邮件" if archive == "msg" else container_word(path.name)
                out.sources.append(Source(path, source_file, kind, src.size,
                                          f"{word}中没有可读取的报告文件（{skipped} 个其他文件）"))
            add_members(path, source_file, members)
            return
        src = _source(path, source_file, lim, given=given, fmt=fmt)
        out.sources.append(src)
        if stage is not None and src.problem is None and (kind := attaching(path, src.fmt)) is not None:
            try:                       # a PDF 包's files, an OFD 公文's 附件, a 报送清单's icons: inputs of their own
                members, skipped = expand(path, stage / str(len(out.sources)), readable, lim, fmt=kind)
            except Exception as e:  # noqa: BLE001  (its attachments cost one row, the file itself is read)
                word = container_word("x." + kind)
                out.sources.append(Source(path, f"{source_file}!（附件）", None, problem=(
                    f"读取{' ' * word[0].isascii()}{word}时发生内部错误（{type(e).__name__}: {e}），请把文件报告给 evalkit 维护者")))
                return
            out.skipped += skipped
            add_members(path, source_file, members)

    def add_members(path: Path, source_file: str, members: list) -> None:
        """The reports an archive holds (or a PDF, an OFD or a workbook has attached), each an input named
        `source_file!member`."""
        for m in members:
            name = f"{source_file}!{m.name}"
            if m.problem is not None:
                out.sources.append(Source(path, name, format_named(m.name), problem=m.problem))
            else:
                out.sources.append(_source(m.staged, name, lim))

    roots = [Path(p) for p in paths]
    multi = len(roots) > 1
    names = root_names(roots) if multi else [display_name(r.name) for r in roots]
    seen: dict = {}                               # a folder's (device, inode) -> the input it was walked in
    sets_read: set = set()                        # the first volumes of the 分卷 sets given (a shell's x.part*.rar: once)
    for current, (root, label) in enumerate(zip(roots, names)):
        if label is None:                         # the same path given twice
            out.given_twice.append(display_name(str(root)))
            continue
        prefix = label + "/" if multi and root.is_dir() else ""
        if not root.is_dir():
            # a volume, or the archive that names a set: old-style RAR's x.rar (its first), a split zip's x.zip (its last)
            vol = volume_of(root.name) or ((root.name, 1) if old_style_first(root) or split_zip_last(root) else None)
            if stage is not None and vol is not None:
                first = root.with_name(volume_name(root.name, 1))    # any volume given (x.part*.rar): the set once
                if vol[1] != 1 and not first.is_file():
                    out.sources.append(missing_first(root, label, vol[0]))
                elif (key := _dev_ino(first)) not in sets_read:
                    sets_read.add(key)
                    at = label[: len(label) - len(display_name(root.name))]
                    add_volumes(first, at + display_name(vol[0]))     # named as the archive: `x.7z`
            else:
                add(root, label, given=True)
            continue
        if (kind := own_output(root)) is not None:
            out.own_outputs.append(f"{label}/（{kind}）")
            continue
        key = _dev_ino(root)
        if key in seen:                           # walked already, inside another input
            out.given_twice.append(f"{label}/")
            continue
        seen[key] = current
        stack = [(root, "", 0, False)]
        while stack:
            folder, rel, depth, pages = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as e:
                out.sources.append(Source(folder, prefix + (rel or "."), None,
                                          problem=f"无法读取文件夹（{os_reason(e)}），其中的文件未处理"))
                continue
            for e in entries:
                name = rel + display_name(e.name)
                if e.name.startswith(NOT_REPORT_PREFIXES):
                    continue
                try:
                    is_dir = e.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    key = _dev_ino(Path(e.path))
                    if e.name.casefold() in SYSTEM_FOLDERS:      # a USB stick's recycle bin: deleted files, not reports
                        out.system_folders.append(f"{prefix}{name}/（{SYSTEM_FOLDERS[e.name.casefold()]}）")
                    elif (kind := own_output(Path(e.path))) is not None:
                        out.own_outputs.append(f"{prefix}{name}/（{kind}）")
                    elif key in seen and seen[key] != current:      # another input, given before this one
                        out.given_twice.append(f"{prefix}{name}/")
                    elif key in seen:
                        out.sources.append(Source(Path(e.path), prefix + name + "/", None,
                                                  problem="文件夹链接指向已读过的文件夹（循环链接），未重复读取"))
                    elif depth + 1 > lim.max_depth:
                        out.sources.append(Source(Path(e.path), prefix + name + "/", None,
                                                  problem=f"文件夹嵌套超过 {lim.max_depth} 层，更深的内容未读取"))
                    else:
                        seen[key] = current
                        page = webpage.page_of(Path(e.path))
                        if page is not None:
                            out.page_folders.append(f"{prefix}{name}/（网页 {display_name(page.name)} 的图片和框架页）")
                        stack.append((Path(e.path), name + "/", depth + 1, page is not None))
                    continue
                if (said := named_not_read(Path(e.path), prefix + name)) is not None:   # a .ceb, a .crdownload
                    out.sources.append(said)
                    continue
                if pages and webpage.is_part(e.name):          # a saved page's picture or frame: read through it
                    out.skipped += 1
                    continue
                if stage is not None and split_zip_last(Path(e.path)):         # read with its x.z01…
                    continue
                if stage is not None and (vol := volume_of(e.name)) is not None:   # 分卷: the set once, from volume 1
                    if vol[1] == 1:
                        add_volumes(Path(e.path), prefix + rel + display_name(vol[0]))
                    elif not any(Path(folder, volume_name(e.name, k)).is_file() for k in range(1, vol[1])):
                        out.sources.append(missing_first(Path(e.path), prefix + name, vol[0]))   # the set's one row
                    continue
                if format_named(e.name) is None and not (stage is not None and is_archive(e.name)):
                    if e.name.casefold() in SYSTEM_FILES:          # Windows' thumbnails and folder settings
                        continue
                    real = _unnamed(e)                            # a report saved as `downfile.jsp`: read as what it is
                    packed = _unnamed(e, content_archive) if real is None and stage is not None else None   # …or a zip of them
                    if packed is not None:
                        add(Path(e.path), prefix + name, archive=packed)
                    elif real is None:
                        out.skipped += 1
                        kind = os.path.splitext(e.name)[1].lower() or "无扩展名"
                        out.skipped_types[kind] = out.skipped_types.get(kind, 0) + 1
                    else:
                        add(Path(e.path), prefix + name, fmt=reported_format(real))
                    continue
                add(Path(e.path), prefix + name)
    out.sources.sort(key=lambda s: s.source_file)
    used: set[str] = set()             # two names one on screen: a GBK name unzip left beside the same name in UTF-8
    for s in out.sources:
        s.source_file = unique_name(s.source_file, used, key=str)
    return out


def _unnamed(entry: os.DirEntry, tell=unnamed_format) -> str | None:
    """unnamed_format (or `tell`: archives.content_archive) of a regular file met in a folder (a FIFO or a device is
    never opened); None when it cannot be told (unreadable, a ZIP directory over the limits: the file stays one of
    the other types)."""
    try:
        st = entry.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            return None
        return tell(Path(entry.path))
    except Exception:  # noqa: BLE001  (a guess: whatever stops it leaves the file as it was, skipped)
        return None


def _archive_fmt(path: Path) -> str:
    return archive_format(path.name)


def _file_identity(p: Path):
    """One file however it is reached: device and inode, with size and modification time (a network share that gives
    no real inode numbers must not make two files one); None when unknown."""
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if st.st_ino else None


def _dev_ino(p: Path):
    try:
        st = p.stat()
        return st.st_dev, st.st_ino
    except OSError:
        return None



def _source(path: Path, source_file: str, lim, given: bool = False, fmt: str | None = None) -> Source:
    """A Source for one path, with the problem a stat shows (never opening it); `fmt`: what its content is, for a
    file whose name says no format."""
    fmt = fmt or format_named(path.name)
    try:
        st = path.stat()
    except OSError as e:
        if path.is_symlink():
            why = "符号链接循环" if e.errno == errno.ELOOP else "链接指向的文件不存在（失效链接）"
            return Source(path, source_file, fmt, problem=why)
        return Source(path, source_file, fmt, problem=f"无法访问（{os_reason(e)}）")
    if stat.S_ISDIR(st.st_mode):
        return Source(path, source_file, fmt, problem="是文件夹")
    if not stat.S_ISREG(st.st_mode):
        kind = "命名管道（FIFO）" if stat.S_ISFIFO(st.st_mode) else "套接字" if stat.S_ISSOCK(st.st_mode) else "设备文件"
        return Source(path, source_file, fmt, problem=f"不是普通文件（{kind}），未读取")
    if given and (said := named_not_read(path, source_file, st.st_size)) is not None:
        return said
    if fmt is None and given and not is_archive(path.name) and (real := unnamed_format(path)) is not None:
        fmt = reported_format(real)
    if fmt is None and given and not is_archive(path.name):
        return Source(path, source_file, None, st.st_size,
                      problem=f"不支持的文件类型“{display_name(path.suffix) or '无扩展名'}”"
                              f"（支持 {', '.join(sorted(set(SUFFIXES)))}）")
    if st.st_size == 0:
        return Source(path, source_file, fmt, 0, problem="空文件（0 字节），请重新下载")
    if st.st_size > lim.max_file_bytes:
        return Source(path, source_file, fmt, st.st_size,
                      problem=f"文件大小 {st.st_size / 2**20:.0f} MB 超过上限 {lim.max_file_bytes / 2**20:.0f} MB，未读取"
                              "（可用 EVALKIT_LIMIT_MAX_FILE_BYTES 调整）")
    if not os.access(path, os.R_OK):
        return Source(path, source_file, fmt, st.st_size, problem="没有读取权限")
    return Source(path, source_file, fmt, st.st_size)


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes, streamed (constant memory whatever the size); a web page saved with its folder
    of pictures: of the page and those pictures (readers/webpage.py), which are part of what it shows."""
    with open(path, "rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    if format_named(os.fspath(path)) == "html":
        return webpage.identity(Path(path), sha)
    return sha
