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
from pathlib import Path
from urllib.parse import unquote, urlsplit

from evalkit.readers import SUFFIXES, format_of

FOLDER_SUFFIXES = ("_files", ".files")
PAGE_SUFFIXES = tuple(s for s, fmt in SUFFIXES.items() if fmt == "html")
FOLDER_FILES = 2000        # files of a page's folder looked at (hashed, found): a page shows tens, not thousands
_DATA_URI = re.compile(r"data:(image/[\w.+-]+)?((?:;[\w=.+-]*)*),", re.I)


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
    """A file a page shows as a picture (what OCR reads); a page folder's other files are looked at as usual."""
    return format_of(name) == "image"


def folder_pictures(page: Path) -> list[tuple[str, Path]]:
    """(name relative to the page's folder, path) of every picture in the page's folders, sorted, at most
    FOLDER_FILES files looked at; links are not followed."""
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
                if is_picture(f) and p.is_file() and not p.is_symlink():
                    out.append((p.relative_to(page.parent).as_posix(), p))
    return out


def identity(page: Path, page_sha: str) -> str:
    """The page's content key: its bytes' SHA-256 alone, or with its folder's pictures (their names and bytes)
    when it has them, so a picture changed or added is a new page for the cache, the duplicates and a re-run."""
    pictures = folder_pictures(page)
    if not pictures:
        return page_sha
    h = hashlib.sha256(b"evalkit saved web page\n" + page_sha.encode("ascii") + b"\n")
    for name, p in pictures:
        with open(p, "rb") as f:
            h.update(name.encode("utf-8") + b"\0" + hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def folder_files(page: Path) -> dict[str, bytes]:
    """The page's folder pictures as {name relative to the page's parent: bytes}: what a remote worker needs
    beside the page to read it as this machine does."""
    return {name: p.read_bytes() for name, p in folder_pictures(page)}


def shown_pictures(page: Path, sources: list[str], limit_bytes: int, max_pages: int) -> tuple[list[tuple[str, bytes]], int]:
    """(the page-sized pictures the page shows, in its order, each once; how many of its pictures are missing).
    A picture is an <img src> inside the page's own folders (a ../ or absolute path, a link out of the folder and
    a web address are never followed) or a data: URI. More than `max_pages` page-sized pictures: one over is
    returned (the OCR reader refuses it by the page limit)."""
    from evalkit.model import LimitExceeded
    from evalkit.readers.pictures import page_sized
    from evalkit.readers.safety import read_bounded
    roots = [f.resolve() for f in folders_of(page)]
    own = {(page.stem + suffix).lower() for suffix in FOLDER_SUFFIXES}
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
            url = urlsplit(src)
            rel = unquote(url.path).replace("\\", "/")
            if url.scheme or url.netloc or not is_picture(rel):
                continue
            try:
                real = (base / rel).resolve()
            except (OSError, RuntimeError):
                continue
            if not any(real.is_relative_to(r) for r in roots):
                parts = [p for p in rel.split("/") if p not in ("", ".")]
                missing += (bool(parts) and parts[0].lower() in own and ".." not in parts   # its folder was not
                            and not os.path.lexists(base / rel))                           # saved, or not copied
                continue
            if not real.is_file():
                missing += 1
                continue
            key = real
            name = real.relative_to(base).as_posix() if real.is_relative_to(base) else real.name
            if key in seen:
                continue
            data = read_bounded(real, limit_bytes, "网页中的图片")
        if key in seen:
            continue
        seen.add(key)
        out += page_sized([(name, data)])
        if len(out) > max_pages:
            break
    return out, missing

