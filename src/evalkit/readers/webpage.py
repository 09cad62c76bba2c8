"""A web page saved complete (a browser's “网页，全部”, Word's “网页”): `page.html` beside its folder `page_files/`
(Chrome, Edge, Firefox, 360) or `page.files/` (IE and Word in Chinese). The folder belongs to the page: its pictures
are read through the page when they are what it shows (a portal publishing the 自评表 as pictures), and are never
reports of their own (a logo, a QR code or one page of a three-picture table OCR'd alone)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from evalkit.readers import SUFFIXES, format_of

FOLDER_SUFFIXES = ("_files", ".files")
PAGE_SUFFIXES = tuple(s for s, fmt in SUFFIXES.items() if fmt == "html")
FOLDER_FILES = 2000        # files of a page's folder looked at (hashed, found): a page shows tens, not thousands
_DATA_URI = re.compile(r"data:(image/[\w.+-]+)?((?:;[\w=.+-]*)*),", re.I)
FRAMESET_HEAD = 2 * 2**20  # an Excel workbook page lists its sheets in its head: the first 2 MB are looked at
_SHEET_SPAN = 4000         # a sheet's name stands a few lines before its WorksheetSource
_SHEET_OPEN = re.compile(r"<x:ExcelWorksheet\b", re.I)
_SHEET_NAME = re.compile(r"<x:Name>([^<]*)</x:Name>", re.I)
_SHEET_SOURCE = re.compile(r"""<x:WorksheetSource\s+HRef\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s/>]+))""", re.I)


def folders_of(page: Path) -> list[Path]:
    """The page's own folders that exist beside it."""
    out = []
    for suffix in FOLDER_SUFFIXES:
        folder = page.parent / (page.stem + suffix)
        if folder.is_dir():
            out.append(folder)
    return out


def page_of(folder: Path) -> Path | None:
    """The saved page a folder belongs to (`x_files/` or `x.files/` with `x.htm(l)` beside it), else None."""
    name = folder.name
    for suffix in FOLDER_SUFFIXES:
        if len(name) > len(suffix) and name.lower().endswith(suffix):
            stem = name[:-len(suffix)]
            for ext in PAGE_SUFFIXES + tuple(s.upper() for s in PAGE_SUFFIXES):
                page = folder.parent / (stem + ext)
                if page.is_file():
                    return page
    return None


def is_picture(name: str) -> bool:
    """A file a page shows as a picture (what OCR reads)."""
    return format_of(name) == "image"


def is_part(name: str) -> bool:
    """A file of a page's folder that the page shows, a picture or a framed page (an Excel sheet, a tab strip, Word's
    header.htm): read through the page, never a report of its own; the folder's other files are looked at as usual."""
    return format_of(name) in ("image", "html")


def folder_parts(page: Path) -> list[tuple[str, Path]]:
    """(name relative to the page's parent, path) of every picture and framed page in the page's folders, sorted, at
    most FOLDER_FILES files looked at; links are not followed."""
    out = []
    seen = 0
    for folder in folders_of(page):
        for top, dirs, files in os.walk(folder):
            dirs.sort()
            for f in sorted(files):
                seen += 1
                if seen > FOLDER_FILES:
                    return out
                p = Path(top) / f
                if is_part(f) and p.is_file() and not p.is_symlink():
                    out.append((p.relative_to(page.parent).as_posix(), p))
    return out


def identity(page: Path, page_sha: str) -> str:
    """The page's content key: its bytes' SHA-256 alone, or with its folder's pictures and framed pages (their names
    and bytes) when it has them, so one changed or added is a new page for the cache, the duplicates and a re-run."""
    parts = folder_parts(page)
    if not parts:
        return page_sha
    h = hashlib.sha256(b"evalkit saved web page\n" + page_sha.encode("ascii") + b"\n")
    for name, p in parts:
        with open(p, "rb") as f:
            h.update(name.encode("utf-8") + b"\0" + hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def folder_files(page: Path) -> dict[str, bytes]:
    """The page's folder pictures and framed pages as {name relative to the page's parent: bytes}: what a remote
    worker needs beside the page to read it as this machine does."""
    return {name: p.read_bytes() for name, p in folder_parts(page)}


def _own_file(page: Path, roots: list[Path], src: str) -> tuple[Path | None, bool]:
    """(the file an address of the page names inside the page's own folders, else None; whether it names a file of
    its own folder that is not there). A web address, an absolute or ../ path out of the folders is never followed."""
    url = urlsplit(src)
    rel = unquote(url.path).replace("\\", "/")
    if url.scheme or url.netloc:
        return None, False
    base = page.parent.resolve()
    try:
        real = (base / rel).resolve()
    except (OSError, RuntimeError):
        return None, False
    if not any(real.is_relative_to(r) for r in roots):
        own = {(page.stem + suffix).lower() for suffix in FOLDER_SUFFIXES}
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        return None, (bool(parts) and parts[0].lower() in own and ".." not in parts   # its folder was not saved,
                      and not os.path.lexists(base / rel))                           # or not copied
    if not real.is_file():
        return None, True
    return real, False


def shown_pictures(page: Path, sources: list[str], limit_bytes: int, max_pages: int) -> tuple[list[tuple[str, bytes]], int]:
    """(the page-sized pictures the page shows, in its order, each once; how many of its pictures are missing).
    A picture is an <img src> inside the page's own folders (a ../ or absolute path, a link out of the folder and
    a web address are never followed) or a data: URI. More than `max_pages` page-sized pictures: one over is
    returned (the OCR reader refuses it by the page limit)."""
    from evalkit.model import LimitExceeded
    from evalkit.readers.pictures import page_sized
    from evalkit.readers.safety import read_bounded
    roots = [f.resolve() for f in folders_of(page)]
    base = page.parent.resolve()
    out: list[tuple[str, bytes]] = []
    seen: set = set()
    missing = 0
    for k, src in enumerate(sources, 1):
        src = (src or "").strip()
        if not src:
            continue
        if len(seen) >= FOLDER_FILES:
            break                                  # a page shows tens of pictures: the rest are not looked at
        m = _DATA_URI.match(src)
        if m:
            if not m.group(1) or ";base64" not in m.group(2).lower():
                continue
            if len(src) * 3 // 4 > limit_bytes:
                raise LimitExceeded(f"网页中内嵌的第 {k} 张图片超过上限 {limit_bytes / 2**20:.0f} MB")
            try:
                data = base64.b64decode(src[m.end():])
            except (binascii.Error, ValueError):
                continue
            name = f"内嵌图片{k}"
            key = hashlib.sha256(data).digest()
        else:
            if not is_picture(unquote(urlsplit(src).path)):
                continue
            real, lost = _own_file(page, roots, src)
            missing += lost
            if real is None or real in seen:
                continue
            key = real
            name = real.relative_to(base).as_posix() if real.is_relative_to(base) else real.name
            data = read_bounded(real, limit_bytes, "网页中的图片")
        if key in seen:
            continue
        seen.add(key)
        out += page_sized([(name, data)])
        if len(out) > max_pages:
            break
    return out, missing


def frame_sources(text: str, frames: list[str], most: int) -> list[tuple[str, str | None]]:
    """(address, sheet name or None) of what a frameset page shows in its frames, at most `most` + 1: a workbook Excel
    saved as a web page lists its sheets (x:ExcelWorksheets, names kept; its tab strip is no content), any other page
    its <frame>/<iframe>."""
    head = text[:FRAMESET_HEAD]
    sheets = []
    for m in _SHEET_SOURCE.finditer(head):
        if len(sheets) > most:
            break
        opened = [o.start() for o in _SHEET_OPEN.finditer(head, max(0, m.start() - _SHEET_SPAN), m.start())]
        name = _SHEET_NAME.search(head, opened[-1], m.start()) if opened else None
        sheets.append((html_unescape(next(g for g in m.groups() if g is not None)),
                       (html_unescape(name.group(1)).strip() or None) if name else None))
    return sheets or [(src, None) for src in frames if src.strip()][:most + 1]


def framed_pages(page: Path, sources: list[tuple[str, str | None]], limit_bytes: int,
                 max_frames: int) -> tuple[list[tuple[str | None, bytes]], int]:
    """(sheet name or None, bytes) of each frame the page shows from its own folders, in order, each once, at most
    `max_frames`, all together within `limit_bytes`; and how many are missing (the folder not copied with the page)."""
    from evalkit.model import LimitExceeded
    from evalkit.readers.safety import read_bounded
    roots = [f.resolve() for f in folders_of(page)]
    out, seen, missing, total = [], set(), 0, 0
    for src, sheet in sources:
        if format_of(unquote(urlsplit(src).path)) != "html":
            continue
        real, lost = _own_file(page, roots, src.strip())
        missing += lost
        if real is None or real in seen:
            continue
        seen.add(real)
        if len(out) >= max_frames:
            raise LimitExceeded(f"网页的框架（工作表）超过 {max_frames} 个，未读取；请另存为 XLSX 或 PDF 后再导入")
        data = read_bounded(real, limit_bytes - total, "网页的框架页")
        total += len(data)
        out.append((sheet, data))
    return out, missing
