"""RAR 5 and RAR 4 writers for tests: files stored (not compressed) across volumes named as WinRAR names them
(`x.part1.rar`, `x.part2.rar`…), built from the formats' published descriptions (rarlab.com/technote.htm; RAR 4:
unrar's technote.txt), since no RAR writer is installed here. Only what the tests need: stored files; RAR 5 with
UTF-8 names and no CRC of the data, RAR 4 with names in GBK and the data's CRC."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"Rar!\x1a\x07\x01\x00"


def vint(n: int) -> bytes:
    """RAR 5's variable-length integer: 7 bits a byte, low bits first, the high bit saying more follows."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def block(kind: int, flags: int, body: bytes, data_size: int | None = None) -> bytes:
    """A header: CRC32, size, type, flags, the data size when a data area follows, then the type's fields."""
    fields = vint(kind) + vint(flags | (0x0002 if data_size is not None else 0))
    if data_size is not None:
        fields += vint(data_size)
    fields += body
    head = vint(len(fields)) + fields
    return zlib.crc32(head).to_bytes(4, "little") + head


def main_header(volume: int) -> bytes:
    """The archive header of volume `volume` (0 = the first): a volume, numbered after the first."""
    return block(1, 0, vint(0x0001 | (0x0002 if volume else 0)) + (vint(volume) if volume else b""))


def file_header(name: str, size: int, part: int, before: bool, after: bool) -> bytes:
    """A stored file's header for `part` of its bytes; `before`/`after`: the data continues from/into a volume."""
    raw = name.encode("utf-8")
    body = (vint(0) + vint(size) + vint(0x20) + vint(0) + vint(0)   # no flags, size, attributes, store, Windows
            + vint(len(raw)) + raw)
    return block(2, (0x0008 if before else 0) | (0x0010 if after else 0), body, data_size=part)


def end_header(last: bool) -> bytes:
    return block(5, 0, vint(0 if last else 0x0001))


def split(files: dict[str, bytes], volume_bytes: int) -> list[list[tuple[str, bytes, bytes, bool, bool]]]:
    """The files cut where each volume of about `volume_bytes` of data fills up, as WinRAR cuts them: per volume,
    (name, the whole file, its part here, continued from the volume before, continued in the next)."""
    volumes: list[list] = [[]]
    room = volume_bytes
    for name, data in files.items():
        at, first = 0, True
        while True:
            part = data[at:at + max(room, 1)]
            at += len(part)
            after = at < len(data)
            volumes[-1].append((name, data, part, not first, after))
            room -= len(part)
            first = False
            if not after:
                break
            volumes.append([])
            room = volume_bytes
    return volumes


def write_volumes(folder: Path, base: str, files: dict[str, bytes], volume_bytes: int,
                  digits: int = 1) -> list[Path]:
    """`files` stored in volumes `base.part1.rar`… of about `volume_bytes` of data each; their paths in order."""
    volumes = split(files, volume_bytes)
    paths = []
    for k, parts in enumerate(volumes):
        path = folder / f"{base}.part{k + 1:0{digits}d}.rar"
        body = b"".join(file_header(name, len(data), len(part), before, after) + part
                        for name, data, part, before, after in parts)
        path.write_bytes(SIGNATURE + main_header(k) + body + end_header(k == len(volumes) - 1))
        paths.append(path)
    return paths


def write_archive(path: Path, files: dict[str, bytes]) -> Path:
    """`files` stored in one RAR 5 archive (not a volume)."""
    body = b"".join(file_header(name, len(data), len(data), False, False) + data for name, data in files.items())
    path.write_bytes(SIGNATURE + block(1, 0, vint(0)) + body + end_header(True))
    return path


# RAR 4 (RAR 2.9/3.x's format, WinRAR's "RAR" option): fixed-width little-endian headers, each with the low 16 bits
# of its CRC32; names in the ANSI code page (GBK on a Chinese Windows) when they fit it.
RAR4_MARK = b"Rar!\x1a\x07\x00"


def rar4_block(kind: int, flags: int, body: bytes, add: int | None = None) -> bytes:
    extra = b"" if add is None else struct.pack("<I", add)        # the data's size, after the header
    head = bytes([kind]) + struct.pack("<HH", flags | (0x8000 if extra else 0), 7 + len(extra) + len(body)) + extra + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def write_rar4_volumes(folder: Path, base: str, files: dict[str, bytes], volume_bytes: int,
                       encoding: str = "gbk") -> list[Path]:
    """`files` stored in RAR 4 volumes `base.part1.rar`… (the data CRC of a file's last part is the whole file's,
    of the others their own part's, as WinRAR writes them)."""
    volumes = split(files, volume_bytes)
    paths = []
    for k, parts in enumerate(volumes):
        blocks = []
        for name, data, part, before, after in parts:
            raw = name.replace("/", "\\").encode(encoding)
            # unpacked size, Windows, CRC, time, version 2.9, stored, the name's length, attributes, the name
            head = struct.pack("<IBIIBBHI", len(data), 2, zlib.crc32(part if after else data), 0, 29, 0x30, len(raw), 0x20)
            flags = (0x01 if before else 0) | (0x02 if after else 0)       # continued from / in the next volume
            blocks.append(rar4_block(0x74, flags, head + raw, add=len(part)) + part)
        path = folder / f"{base}.part{k + 1}.rar"
        main = rar4_block(0x73, 0x0001 | 0x0010 | (0x0100 if k == 0 else 0), b"\0" * 6)   # volume, new names, first
        end = rar4_block(0x7B, 0 if k == len(volumes) - 1 else 0x0001, b"")      # the next volume follows, or not
        path.write_bytes(RAR4_MARK + main + b"".join(blocks) + end)
        paths.append(path)
    return paths
