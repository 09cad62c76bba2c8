"""Archives in volumes: 7-Zip's `x.7z.001`…, RAR's `x.part1.rar`… (and the old `x.r00`), a split zip's `x.z01`…
with its directory in `x.zip`: which volumes make a set (`volume_set`, a missing one or a set past the size limit an
ArchiveProblem), joined in order into one archive to open (`join_volumes`; a split zip's offsets rebased)."""
from __future__ import annotations

import glob
import re
import shutil
import struct
from pathlib import Path

from evalkit.members import ArchiveProblem, a_file, fit_name
from evalkit.readers.safety import CHUNK

VOLUME = re.compile(r"^(?P<base>.+\.(?:7z|zip))\.(?P<n>\d{3})$", re.IGNORECASE)
RAR_VOLUME = re.compile(r"^(?P<stem>.+)(?P<part>\.part)(?P<n>\d{1,4})(?P<rar>\.rar)$", re.IGNORECASE)
OLD_RAR_VOLUME = re.compile(r"^(?P<stem>.+)\.(?P<letter>[rs])(?P<n>\d{2})$", re.IGNORECASE)
ZIP_PART = re.compile(r"^(?P<stem>.+)\.(?P<z>z)(?P<n>\d{2,3})$", re.IGNORECASE)


def volume_of(name: str) -> tuple[str, int] | None:
    """(the archive's name, the volume's number) for `x.7z.002`, `x.part2.rar` or `x.r00` (-> `x.rar`, volume 2),
    else None (`x.rar` itself is a volume 1 only beside its `x.r00`: old_style_first)."""
    if m := VOLUME.match(name):
        return m.group("base"), int(m.group("n"))
    if m := RAR_VOLUME.match(name):
        return m.group("stem") + m.group("rar"), int(m.group("n"))
    if m := OLD_RAR_VOLUME.match(name):
        return m.group("stem") + ".rar", (m.group("letter").lower() == "s") * 100 + int(m.group("n")) + 2
    if m := ZIP_PART.match(name):
        return m.group("stem") + ".zip", int(m.group("n"))
    return None


def volume_name(name: str, n: int) -> str:
    """The name of volume `n` of the set the volume `name` belongs to (its digits as wide as theirs)."""
    if m := RAR_VOLUME.match(name):
        return f"{m.group('stem')}{m.group('part')}{n:0{len(m.group('n'))}d}{m.group('rar')}"
    if m := VOLUME.match(name):
        return f"{m.group('base')}.{n:03d}"
    if (m := ZIP_PART.match(name)) or name.lower().endswith(".zip"):                 # x.z01, or x.zip itself
        return f"{m.group('stem') if m else name[:-4]}.{m.group('z') if m else 'z'}{n:02d}"
    stem = m.group("stem") if (m := OLD_RAR_VOLUME.match(name)) else name[:-4]       # x.r00, or x.rar itself
    return f"{stem}.rar" if n == 1 else f"{stem}.{'rs'[(n - 2) // 100]}{(n - 2) % 100:02d}"


def no_first_volume(volume: str, inside: bool = False) -> str:
    """The message for a set whose first volume (named `volume`) is not there; `inside`: in an archive."""
    return (f"分卷压缩包缺少第 1 卷（{volume}），无法解压；"
            + ("请把全部分卷放在同一文件夹中压缩后再导入" if inside else "请把全部分卷放在同一文件夹后再运行"))


def old_style_first(path: Path) -> bool:
    """Whether `path` (`x.rar`) is the first of RAR's old-style volumes: its `x.r00` beside it."""
    return path.suffix.lower() == ".rar" and not RAR_VOLUME.match(path.name) and a_file(path.with_name(
        volume_name(path.name, 2)))


def split_zip_last(path: Path) -> bool:
    """Whether `path` (`x.zip`) is the last part of a split zip: its `x.z01` beside it (read with its set)."""
    return path.suffix.lower() == ".zip" and a_file(path.with_name(volume_name(path.name, 1)))


def volume_set(first: Path, lim) -> list[Path]:
    """The volumes of the set whose first volume is `first`, in order; ArchiveProblem when `first` is not volume 1,
    a volume is missing before the last one there, or they are together over the file limit."""
    found = (first.name, 1) if old_style_first(first) else volume_of(first.name)
    if found is None or found[1] != 1:
        raise ArchiveProblem(f"{first.name} 不是分卷压缩包的第 1 卷")
    base, parts = found[0], []
    while (part := first.with_name(volume_name(first.name, len(parts) + 1))).is_file():
        parts.append(part)
    if VOLUME.match(first.name):
        pattern = glob.escape(base) + ".[0-9][0-9][0-9]"
    elif RAR_VOLUME.match(first.name):
        pattern = glob.escape(base[:-4]) + ".[pP][aA][rR][tT]*[0-9]" + glob.escape(base[-4:])
    elif ZIP_PART.match(first.name):
        pattern = glob.escape(base[:-4]) + ".[zZ][0-9][0-9]*"
    else:                                     # old style: x.r00…
        pattern = glob.escape(base[:-4]) + ".[rRsS][0-9][0-9]"
    later = sorted(n for x in first.parent.glob(pattern)
                   if (v := volume_of(x.name)) and v[0] == base and (n := v[1]) > len(parts))
    if later:
        have = "第 1 卷" if len(parts) == 1 else f"第 1–{len(parts)} 卷"
        raise ArchiveProblem(f"分卷压缩包 {base} 缺少第 {len(parts) + 1} 卷（有{have}和第 {later[0]} 卷），无法解压；"
                             "请补齐全部分卷后再运行")
    if ZIP_PART.match(first.name):            # a split zip ends with x.zip, its central directory
        if not a_file(last := first.with_name(base)):
            raise ArchiveProblem(f"分卷压缩包 {base} 缺少最后一卷 {base}（有 {first.name} 起的 {len(parts)} 卷），无法解压；"
                                 "请补齐全部分卷后再运行")
        parts.append(last)
    total = sum(part.stat().st_size for part in parts)
    if total > lim.max_file_bytes:
        raise ArchiveProblem(f"分卷压缩包 {base} 的 {len(parts)} 卷合计 {total / 2**20:.0f} MB，超过上限 "
                             f"{lim.max_file_bytes / 2**20:.0f} MB，未读取")
    return parts


def join_volumes(first: Path, folder: Path, lim) -> Path:
    """The archive to open for the set whose first volume is `first`: 7-Zip's volumes joined in order into
    `folder/x.7z`; a RAR's first volume itself (expand_rar reads the rest beside it). ArchiveProblem as volume_set."""
    parts = volume_set(first, lim)
    if not (VOLUME.match(first.name) or ZIP_PART.match(first.name)):         # a RAR's
        return first
    folder.mkdir(parents=True, exist_ok=True)
    joined = folder / fit_name(volume_of(first.name)[0])
    starts = []
    with open(joined, "wb") as out:
        for part in parts:
            starts.append(out.tell())
            with open(part, "rb") as f:
                shutil.copyfileobj(f, out, CHUNK)
    if ZIP_PART.match(first.name):
        _rebase_split_zip(joined, starts)
    return joined


def _rebase_split_zip(joined: Path, starts: list[int]) -> None:
    """A split zip's parts joined (`starts`: where each begins): its central directory's offsets, each counted from
    its own part (APPNOTE 8.5), made the joined file's and its end record a single part's, in place, so zipfile
    reads it. ArchiveProblem for a Zip64 split (not rebased) or a part count the end record does not match."""
    size = joined.stat().st_size
    with open(joined, "r+b") as f:
        f.seek(max(0, size - 65557))                      # the end record: 22 bytes and a comment of up to 64 KB
        tail_at = f.tell()
        tail = f.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            raise ArchiveProblem("分卷 zip 的最后一卷没有 zip 目录（可能下载不完整），无法解压；请重新下载全部分卷")
        _, disk, cd_disk, _, n_total, cd_size, cd_offset = struct.unpack_from("<IHHHHII", tail, at)
        if 0xFFFF in (disk, cd_disk, n_total) or 0xFFFFFFFF in (cd_size, cd_offset) or disk != len(starts) - 1 \
                or cd_disk >= len(starts):
            raise ArchiveProblem(f"分卷 zip 的目录与 {len(starts)} 个分卷对不上（或是 Zip64 分卷），无法解压；"
                                 "请解压后重新压缩为单个文件再导入")
        cd_at = starts[cd_disk] + cd_offset
        f.seek(cd_at)
        cd = bytearray(f.read(cd_size))
        pos = 0
        while pos + 46 <= len(cd) and cd[pos:pos + 4] == b"PK\x01\x02":
            n, m, k, part = struct.unpack_from("<HHHH", cd, pos + 28)
            offset = struct.unpack_from("<I", cd, pos + 42)[0]
            if part >= len(starts) or offset == 0xFFFFFFFF:
                raise ArchiveProblem("分卷 zip 的目录指向不存在的分卷（或是 Zip64 分卷），无法解压；请重新下载全部分卷")
            struct.pack_into("<H", cd, pos + 34, 0)           # its part: the one joined file
            struct.pack_into("<I", cd, pos + 42, starts[part] + offset)
            pos += 46 + n + m + k
        f.seek(cd_at)
        f.write(cd)
        f.seek(tail_at + at + 4)
        f.write(struct.pack("<HHHHII", 0, 0, n_total, n_total, cd_size, cd_at))


def volumes_of(archive: Path) -> Path | None:
    """The first volume of `archive` (`x.7z` -> `x.7z.001`, `x.rar` -> `x.part1.rar`) when only its volumes are
    there, or `x.z01` for a split zip's `x.zip`."""
    if a_file(archive):                      # a split zip's last part: its set from x.z01
        return archive.with_name(volume_name(archive.name, 1)) if split_zip_last(archive) else None
    if archive.suffix.lower() == ".rar":
        firsts = (archive.with_name(f"{archive.stem}.part{'1'.zfill(w)}{archive.suffix}") for w in range(1, 5))
    else:
        firsts = (archive.with_name(archive.name + ".001"),)
    return next((first for first in firsts if a_file(first)), None)
