"""An Outlook .msg for tests, as Outlook's 另存为 writes one: a compound file (MS-CFB, version 3, 512-byte sectors;
streams under 4,096 bytes in the mini stream) holding a message (MS-OXMSG): its properties stream, subject, body,
optional HTML body, and one `__attach_version1.0_#…` storage per attachment (by value, or an attached message)."""
from __future__ import annotations

import functools
import struct
from dataclasses import dataclass, field

FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096
PT_LONG, PT_BOOLEAN, PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x000B, 0x001E, 0x001F, 0x0102, 0x000D


@dataclass
class Attachment:
    name: str
    data: bytes = b""
    mime: str = ""
    content_id: str = ""
    hidden: bool = False
    message: "Message | None" = None      # an attached message (ATTACH_EMBEDDED_MSG) instead of data
    ole: dict | None = None               # an OLE object's streams (ATTACH_OLE: a file inserted as an object) instead
    url: str = ""                         # a cloud attachment (ATTACH_BY_WEB_REFERENCE): its link, no data


@dataclass
class Message:
    subject: str = "自评材料"
    body: str = "请查收附件。"
    html: bytes | None = None
    rtf: bytes | None = None         # the RTF body, kept compressed (PidTagRtfCompressed, MS-OXRTFCP's LZFu)
    message_class: str = "IPM.Note"
    codepage: int = 936
    ansi: bool = False     # strings as PT_STRING8 in the code page (Outlook 97–2002, a mail from a non-Unicode PST)
    attachments: list[Attachment] = field(default_factory=list)


def write_msg(msg: Message) -> bytes:
    """The .msg file's bytes."""
    return compound(_message_tree(msg, top=True))


def _prop(tag_id: int, ptype: int, value: bytes = b"") -> bytes:
    return struct.pack("<IIQ", (tag_id << 16) | ptype, 6, 0)[:8] + value.ljust(8, b"\x00")


def _string(msg: Message, text: str) -> tuple[int, bytes]:
    return (PT_STRING8, text.encode(f"cp{msg.codepage}")) if msg.ansi else (PT_UNICODE, text.encode("utf-16-le"))


def _message_tree(msg: Message, top: bool) -> dict:
    tree: dict = {}
    props = [_prop(0x3FFD, PT_LONG, struct.pack("<I", msg.codepage)),
             _prop(0x3FDE, PT_LONG, struct.pack("<I", msg.codepage))]
    if not msg.ansi:                     # PidTagStoreSupportMask: STORE_UNICODE_OK
        props.append(_prop(0x340D, PT_LONG, struct.pack("<I", 0x00040000)))
    for pid, text in ((0x001A, msg.message_class), (0x0037, msg.subject), (0x1000, msg.body)):
        ptype, raw = _string(msg, text)
        tree[f"__substg1.0_{pid:04X}{ptype:04X}"] = raw
        props.append(_prop(pid, ptype, struct.pack("<I", len(raw) + (2 if ptype == PT_UNICODE else 1))))
    if msg.html is not None:
        tree["__substg1.0_10130102"] = msg.html
        props.append(_prop(0x1013, PT_BINARY, struct.pack("<I", len(msg.html))))
    if msg.rtf is not None:
        tree["__substg1.0_10090102"] = packed = _lzfu(msg.rtf)
        props.append(_prop(0x1009, PT_BINARY, struct.pack("<I", len(packed))))
    n = len(msg.attachments)
    head = struct.pack("<8xIIII", 0, n, 0, n) + (b"\x00" * 8 if top else b"")
    tree["__properties_version1.0"] = head + b"".join(props)
    if top:
        tree["__nameid_version1.0"] = {f"__substg1.0_000{k}0102": b"" for k in (2, 3, 4)}
    for k, a in enumerate(msg.attachments):
        sub: dict = {}
        aprops = [_prop(0x0E21, PT_LONG, struct.pack("<I", k)),
                  _prop(0x3705, PT_LONG, struct.pack("<I", 5 if a.message is not None else 6 if a.ole else 7 if a.url
                                                     else 1))]
        if a.hidden:
            aprops.append(_prop(0x7FFE, PT_BOOLEAN, b"\x01"))
        for pid, text in ((0x3707, a.name), (0x3001, a.name), (0x370E, a.mime), (0x3712, a.content_id), (0x370D, a.url)):
            if text:
                ptype, raw = _string(msg, text)
                sub[f"__substg1.0_{pid:04X}{ptype:04X}"] = raw
        if a.message is not None:
            sub["__substg1.0_3701000D"] = _message_tree(a.message, top=False)
        elif a.ole is not None:
            sub["__substg1.0_3701000D"] = a.ole
        elif a.url:
            pass                          # a link: no data stream
        else:
            sub["__substg1.0_37010102"] = a.data
            aprops.append(_prop(0x3701, PT_BINARY, struct.pack("<I", len(a.data))))
        sub["__properties_version1.0"] = b"\x00" * 8 + b"".join(aprops)
        tree[f"__attach_version1.0_#{k:08X}"] = sub
    return tree


@dataclass
class _Entry:
    name: str
    kind: int                      # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[int] = field(default_factory=list)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = END
    size: int = 0


def compound(tree: dict) -> bytes:
    """A compound file of `tree` (a dict: name → bytes for a stream, → dict for a storage)."""
    entries = [_Entry("Root Entry", 5)]

    def add(parent: int, items: dict) -> None:
        for name, value in items.items():
            entries.append(_Entry(name, 1 if isinstance(value, dict) else 2,
                                  b"" if isinstance(value, dict) else value))
            me = len(entries) - 1
            entries[parent].children.append(me)
            if isinstance(value, dict):
                add(me, value)
    add(0, tree)
    for e in entries:                     # each storage's children as a balanced binary tree in the spec's order
        e.child = _balanced(sorted(e.children, key=lambda i: (len(entries[i].name), entries[i].name.upper())), entries)

    mini, big = bytearray(), []
    minifat: list[int] = []
    for e in entries:
        if e.kind != 2:
            continue
        e.size = len(e.data)
        if not e.data:
            continue
        if e.size < CUTOFF:
            first = len(mini) // MINI
            count = -(-e.size // MINI)
            mini += e.data.ljust(count * MINI, b"\x00")
            minifat += [first + i + 1 for i in range(count - 1)] + [END]
            e.start = first
        else:
            big.append(e)
    sectors: list[bytes] = []
    fat: list[int] = []

    def place(data: bytes, marker: int | None = None) -> int:
        count = max(1, -(-len(data) // SECTOR))
        first = len(sectors)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
            fat.append(marker if marker is not None else (first + i + 1 if i < count - 1 else END))
        return first

    for e in big:
        e.start = place(e.data)
    root = entries[0]
    root.size = len(mini)
    root.start = place(bytes(mini)) if mini else END
    minifat_bytes = b"".join(struct.pack("<I", v) for v in minifat)
    minifat_bytes += struct.pack("<I", FREE) * ((-len(minifat)) % (SECTOR // 4))
    minifat_start = place(minifat_bytes) if minifat else END
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += _dir_entry(None) * ((-len(entries)) % (SECTOR // 128))
    dir_start = place(directory)
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    fat_first = len(sectors)
    fat += [FATSECT] * n_fat
    fat += [FREE] * (n_fat * (SECTOR // 4) - len(fat))
    table = b"".join(struct.pack("<I", v) for v in fat)
    sectors += [table[i * SECTOR:(i + 1) * SECTOR] for i in range(n_fat)]
    difat = [fat_first + i for i in range(n_fat)] + [FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, n_fat, dir_start, 0, CUTOFF,
                            minifat_start, -(-len(minifat) // (SECTOR // 4)), END, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    return header + b"".join(sectors)


def _balanced(ids: list[int], entries: list[_Entry]) -> int:
    if not ids:
        return NOSTREAM
    mid = len(ids) // 2
    me = entries[ids[mid]]
    me.left, me.right = _balanced(ids[:mid], entries), _balanced(ids[mid + 1:], entries)
    return ids[mid]


def _dir_entry(e: _Entry | None) -> bytes:
    if e is None:
        return b"\x00" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 48
    name = e.name.encode("utf-16-le") + b"\x00\x00"
    return (name.ljust(64, b"\x00") + struct.pack("<HBBIII", len(name), e.kind, 1, e.left, e.right, e.child)
            + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16 + struct.pack("<IQ", 0 if e.kind == 1 else e.start, e.size))


def looped(data: bytes, stream: str, size: int) -> bytes:
    """`data` made hostile: the first stream named `stream` kept in regular sectors says it holds `size` bytes and
    its last sector leads back to its first (a chain that never ends)."""
    out = bytearray(data)
    fats = [v for v in struct.unpack_from("<109I", out, 76) if v != FREE]
    fat = [v for s in fats for v in struct.unpack_from("<128I", out, SECTOR + s * SECTOR)]
    at = SECTOR + struct.unpack_from("<I", out, 48)[0] * SECTOR
    name = stream.encode("utf-16-le")
    while at < len(out):
        start, real = struct.unpack_from("<IQ", out, at + 116)
        if out[at:at + len(name)] == name and real >= CUTOFF:
            struct.pack_into("<Q", out, at + 120, size)
            last = start
            while fat[last] != END:
                last = fat[last]
            k = fats[last // 128]
            struct.pack_into("<I", out, SECTOR + k * SECTOR + (last % 128) * 4, start)
            return bytes(out)
        at += 128
    raise ValueError(f"no stream {stream} of {CUTOFF} bytes or more")


def write_tnef(attachments: list[tuple[str, bytes]], codepage: int = 936, long_names: bool = True,
               rtf: bytes | None = None) -> bytes:
    """winmail.dat (MS-OXTNEF), as Outlook wraps an RTF mail's attachments for other mail programs: each attachment's
    rendering record, its title in the code page, its data, and (`long_names`) its long name as a MAPI property;
    `rtf`: the body, compressed, among the message's MAPI properties (PR_RTF_COMPRESSED)."""
    def attr(level: int, tag: int, value: bytes) -> bytes:
        return struct.pack("<BII", level, tag, len(value)) + value + struct.pack("<H", sum(value) & 0xFFFF)

    out = b"\x78\x9f\x3e\x22" + struct.pack("<H", 0x1234)
    out += attr(1, 0x00089006, struct.pack("<I", 0x10000))                 # attTnefVersion
    out += attr(1, 0x00069007, struct.pack("<II", codepage, 0))            # attOemCodepage
    out += attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\x00")             # attMessageClass
    if rtf is not None:                                                       # attMsgProps: PR_RTF_COMPRESSED
        packed = _lzfu(rtf)
        out += attr(1, 0x00069003, struct.pack("<IHHII", 1, PT_BINARY, 0x1009, 1, len(packed)) + packed
                    + b"\x00" * (-len(packed) % 4))
    for name, data in attachments:
        out += attr(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF))   # attAttachRendData
        out += attr(2, 0x00018010, name.encode(f"cp{codepage}") + b"\x00")   # attAttachTitle
        out += attr(2, 0x0006800F, data)                                      # attAttachData
        if long_names:                                                        # attAttachment: PR_ATTACH_LONG_FILENAME
            text = name.encode("utf-16-le") + b"\x00\x00"
            props = struct.pack("<IHHII", 1, PT_UNICODE, 0x3707, 1, len(text)) + text + b"\x00" * (-len(text) % 4)
            out += attr(2, 0x00069005, props)
    return out


@functools.lru_cache(maxsize=8)
def _lzfu(rtf: bytes) -> bytes:
    """MS-OXRTFCP's LZFu stream of literals only (valid, and what any reader must take), once per body:
    compressed_rtf's own compressor, searching its dictionary in pure Python, takes ≈ 7 s for a 170 kB RTF."""
    from compressed_rtf.crc32 import crc32
    out, end = bytearray(), (207 + len(rtf)) & 0xFFF          # 207: the preset dictionary's length
    for i in range(0, len(rtf), 8):
        run = rtf[i:i + 8]
        out += bytes([0 if len(run) == 8 else 1 << len(run)]) + run
        if len(run) < 8:
            out += struct.pack(">H", end << 4)
    if len(rtf) % 8 == 0:
        out += b"\x01" + struct.pack(">H", end << 4)
    return struct.pack("<II4sI", len(out) + 12, len(rtf), b"LZFu", crc32(bytes(out))) + bytes(out)
