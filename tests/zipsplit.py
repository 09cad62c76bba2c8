"""A split zip for tests (`x.z01`, `x.z02`…, the last part `x.zip`), as Bandizip, WinRAR and Info-ZIP's `zip -s`
write one (APPNOTE 8.5): the signature PK\\x07\\x08, the members' records cut into parts of `part_bytes`, and in the
last part the central directory, each entry's offset counted from the start of the part its record begins in."""
from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path


def write_split_zip(folder: Path, stem: str, files: dict[str, bytes], part_bytes: int) -> list[Path]:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    whole = buf.getvalue()
    end = whole.rfind(b"PK\x05\x06")
    n_total, cd_size, cd_at = struct.unpack_from("<HII", whole, end + 10)
    stream = b"PK\x07\x08" + whole[:cd_at]
    cuts = [stream[i:i + part_bytes] for i in range(0, len(stream), part_bytes)]
    last = len(cuts) - 1                       # the last part holds the records' tail and the directory
    cd = bytearray(whole[cd_at:cd_at + cd_size])
    pos = 0
    while pos < len(cd):
        n, m, k = struct.unpack_from("<HHH", cd, pos + 28)
        at = struct.unpack_from("<I", cd, pos + 42)[0] + 4
        struct.pack_into("<H", cd, pos + 34, at // part_bytes)
        struct.pack_into("<I", cd, pos + 42, at % part_bytes)
        pos += 46 + n + m + k
    tail = cuts[last]
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", last, last, n_total, n_total, cd_size, len(tail), 0)
    paths = []
    for i, cut in enumerate(cuts[:last]):
        paths.append(folder / f"{stem}.z{i + 1:02d}")
        paths[-1].write_bytes(cut)
    paths.append(folder / f"{stem}.zip")
    paths[-1].write_bytes(tail + bytes(cd) + eocd)
    return paths
