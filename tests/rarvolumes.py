"""A RAR 5 writer for tests: files stored (not compressed) across volumes named as WinRAR names them
(`x.part1.rar`, `x.part2.rar`…), built from the format's published description (rarlab.com/technote.htm),
since no RAR writer is installed here. Only what the tests need: stored files, UTF-8 names, no CRC of the data."""
from __future__ import annotations

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


def write_volumes(folder: Path, base: str, files: dict[str, bytes], volume_bytes: int,
                  digits: int = 1) -> list[Path]:
    """`files` stored in volumes `base.part1.rar`… of about `volume_bytes` of data each (a file cut where a volume
    fills up, as WinRAR does); returns the volumes' paths in order."""
    volumes: list[list[bytes]] = [[]]
    room = volume_bytes
    for name, data in files.items():
        at, first = 0, True
        while True:
            part = data[at:at + max(room, 1)] if at < len(data) else b""
            at += len(part)
            after = at < len(data)
            volumes[-1].append(file_header(name, len(data), len(part), not first, after) + part)
            room -= len(part)
            first = False
            if not after:
                break
            volumes.append([])
            room = volume_bytes
    paths = []
    for k, parts in enumerate(volumes):
        path = folder / f"{base}.part{k + 1:0{digits}d}.rar"
        path.write_bytes(SIGNATURE + main_header(k) + b"".join(parts) + end_header(k == len(volumes) - 1))
        paths.append(path)
    return paths


def write_archive(path: Path, files: dict[str, bytes]) -> Path:
    """`files` stored in one RAR 5 archive (not a volume)."""
    body = b"".join(file_header(name, len(data), len(data), False, False) + data for name, data in files.items())
    path.write_bytes(SIGNATURE + block(1, 0, vint(0)) + body + end_header(True))
    return path
