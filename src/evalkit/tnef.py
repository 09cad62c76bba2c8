"""winmail.dat (MS-OXTNEF): Outlook, sending an RTF mail, wraps its attachments in one file that other mail
programs (Foxmail, Thunderbird, web mail) show as `winmail.dat`; the reports are inside, and so is the RTF body (a
自评表 pasted into the mail). Read in one pass over the attributes, each value sliced once: a hostile file costs its
size, never more (tnefparse, the library, slices the rest of the file at every attribute and reads 8-bit names as
UTF-8)."""
from __future__ import annotations

import re
import struct

SIGNATURE = b"\x78\x9f\x3e\x22"
NAME = "winmail.dat"
TYPE = "application/ms-tnef"
# a winmail.dat saved out of its mail (winmail (2).dat, as a mail program names a second one): opened as an archive
_SAVED = re.compile(r"(?:^|/)winmail[^/]*\.dat$", re.I)
_MESSAGE, _ATTACHMENT, _RENDERING, _TITLE, _DATA, _PROPS, _CODEPAGE = 1, 2, 0x9002, 0x8010, 0x800F, 0x9005, 0x9007
_MESSAGE_PROPS = 0x9003          # attMsgProps: the message's MAPI properties (its RTF body among them)
# MAPI property types: fixed value sizes in a TNEF property list (each padded to 4 bytes); the rest are counted
_FIXED = {0x0002: 4, 0x0003: 4, 0x0004: 4, 0x000A: 4, 0x000B: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8, 0x0014: 8,
          0x0040: 8, 0x0048: 16}
_VARIABLE = {0x001E, 0x001F, 0x0102, 0x000D}
_MULTI = 0x1000


def saved_alone(name: str) -> bool:
    """Whether a file (or member) name is a winmail.dat saved out of its mail."""
    return _SAVED.search(name) is not None


def unwrapped(data: bytes) -> tuple[list[tuple[str, bytes]], tuple[str, bytes] | None] | None:
    """The attachments a mail's winmail.dat holds and its body when that holds a table (outlook.rtf_body), or None
    when it is not TNEF or cannot be read (kept as it is)."""
    try:
        return contents(data)
    except ValueError:
        return None


def contents(data: bytes) -> tuple[list[tuple[str, bytes]], tuple[str, bytes] | None]:
    """(name, bytes) of each attachment with data, in order, and the RTF body holding a table as (邮件正文.rtf, its
    RTF), else None; ValueError for a file that is not TNEF or is cut."""
    if not data.startswith(SIGNATURE):
        raise ValueError("不是 TNEF")
    pos, codepage, found, body = 6, None, [], None
    while pos < len(data):
        if pos + 9 > len(data):
            raise ValueError("TNEF 文件不完整")
        level, tag, length = struct.unpack_from("<BII", data, pos)
        start, end = pos + 9, pos + 9 + length
        if end + 2 > len(data):
            raise ValueError("TNEF 文件不完整")
        pos, kind = end + 2, tag & 0xFFFF
        if kind == _CODEPAGE and length >= 4:
            codepage = struct.unpack_from("<I", data, start)[0]
        elif level == _MESSAGE and kind == _MESSAGE_PROPS and (packed := _property(data[start:end], 0x1009)):
            from evalkit.outlook import rtf_body       # PR_RTF_COMPRESSED
            body = rtf_body(packed[1])
        elif level == _ATTACHMENT and kind == _RENDERING:
            found.append({})                     # an attachment's first attribute
        elif level == _ATTACHMENT and found:
            if kind == _TITLE:
                found[-1]["title"] = data[start:end].split(b"\x00", 1)[0]
            elif kind == _DATA:
                found[-1]["data"] = data[start:end]
            elif kind == _PROPS and (long := _property(data[start:end], 0x3707)):     # PR_ATTACH_LONG_FILENAME
                ptype, value = long
                text = (value.decode("utf-16-le", "replace") if ptype == 0x001F
                        else _decode(value, codepage)).split("\x00", 1)[0].strip()
                found[-1]["long"] = text or None
    out = []
    for a in found:
        if "data" not in a:
            continue                             # an embedded message or an OLE object: no file data
        name = a.get("long") or _decode(a.get("title", b""), codepage)
        out.append((name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "附件", a["data"]))
    return out, body


def _decode(raw: bytes, codepage: int | None) -> str:
    """An 8-bit name in the file's code page, read as a .msg's are (mail.decode)."""
    from evalkit import mail
    return mail.decode(raw, f"cp{codepage}" if codepage else None)


def _property(props: bytes, wanted: int) -> tuple[int, bytes] | None:
    """(type, value) of the counted-size property `wanted` (a string or binary: PR_ATTACH_LONG_FILENAME 0x3707,
    PR_RTF_COMPRESSED 0x1009) in a MAPI property list, or None (absent, or a list this reader cannot walk)."""
    try:
        count, pos = struct.unpack_from("<I", props, 0)[0], 4
        for _ in range(min(count, len(props) // 4)):
            ptype, pid = struct.unpack_from("<HH", props, pos)
            pos += 4
            if pid >= 0x8000:                    # a named property: its GUID, then an id or a name
                pos += 16
                named_kind = struct.unpack_from("<I", props, pos)[0]
                pos += 4
                if named_kind == 0:
                    pos += 4
                else:
                    n = struct.unpack_from("<I", props, pos)[0]
                    pos += 4 + n + (-n % 4)
            base, values = ptype & ~_MULTI, 1
            if ptype & _MULTI or base in _VARIABLE:
                values = struct.unpack_from("<I", props, pos)[0]
                pos += 4
            for _ in range(min(values, len(props))):
                if base in _FIXED:
                    size, value = _FIXED[base], None
                elif base in _VARIABLE:
                    size = struct.unpack_from("<I", props, pos)[0]
                    pos += 4
                    value = props[pos:pos + size]
                else:
                    return None
                if pid == wanted and value is not None:
                    return base, value
                pos += size + (-size % 4)
                if pos > len(props):
                    return None
    except struct.error:
        return None
    return None
