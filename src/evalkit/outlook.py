"""Outlook's saved mails (.msg: a compound file of MS-OXMSG properties, read with olefile): opened as a .eml is
(mail.py), with the same answer: each attachment by value, an attached message (a mail forwarded as an item) as a
nested mail `主题.msg`, the body when it holds a table (its HTML; else its RTF, compressed-rtf, read by LibreOffice
as an .rtf), or a Chinese reason for a mail that cannot be opened."""
from __future__ import annotations

import io
import re
import struct
from email.message import EmailMessage

from evalkit import mail
from evalkit.archives import unique_name
from evalkit.readers.safety import reason

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"      # a compound file's first bytes (.msg, and .doc/.xls)
MAX_DEPTH = 8                                         # attached messages inside attached messages
_ATTACH = re.compile(r"__attach_version1\.0_#([0-9A-Fa-f]{8})$")
_EMBEDDED = 5                                         # PidTagAttachMethod ATTACH_EMBEDDED_MSG (1: by value)
_OLE = 6                                              # ATTACH_OLE: a file inserted into an RTF mail as an object
_BY_REFERENCE = (2, 4, 7)                             # a link: to a share (…BY_REFERENCE, …_ONLY), a cloud (WEB_)
# properties stream header bytes (MS-OXMSG 2.4): the mail, a mail attached to it, an attachment
_HEADER = {"top": 32, "embedded": 24, "attachment": 8}


class OutlookProblem(Exception):
    """The .msg cannot be read as an Outlook mail (damaged, cut short, not a mail)."""


def attachments(raw: bytes) -> tuple[list[tuple[str, bytes]], tuple[str, bytes] | None] | str:
    """As `mail.attachments`: ((name, bytes) of each attachment, attached mails as `主题.msg`, names unique; the body
    holding a table as (邮件正文.html, a UTF-8 page) or (邮件正文.rtf, its RTF), else None), or a Chinese reason (an
    encrypted mail)."""
    import olefile
    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))    # bytes under 1,536 would be taken for a file name
    except Exception as e:     # olefile raises OSError, and struct/index errors on a cut directory
        raise _damaged(e) from None
    with ole:
        if not ole.exists("__substg1.0_001A001F") and not ole.exists("__substg1.0_001A001E"):
            raise OutlookProblem("文件是 Office 复合文档，但不是 Outlook 邮件（没有邮件类型）；"
                                 "如是 Word 或 Excel 文件，请改正扩展名后再导入")
        try:
            return _message(_Store(ole, len(raw)), [], "top", 0)
        except OutlookProblem:
            raise
        except Exception as e:  # noqa: BLE001  (a stream or property cut or out of place: any parser error)
            raise _damaged(e) from None


def body_text(raw: bytes) -> str:
    """The mail's plain-text body (PidTagBody), '' when it has none or it cannot be read: where a mail without
    files says why (a 超大附件's link, a 网盘 share)."""
    import olefile
    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except Exception:  # noqa: BLE001  (attachments() said what is wrong with the file)
        return ""
    with ole:
        try:
            store = _Store(ole, len(raw))
            return _text(store, [], 0x1000, _codepage(_props(store, [], "top"))) or ""
        except Exception:  # noqa: BLE001
            return ""


def referenced(raw: bytes) -> list[str]:
    """The mail's attachments that are links, not files (“name” and where it is): Outlook's cloud attachments
    (OneDrive, SharePoint: ATTACH_BY_WEB_REFERENCE) and files attached by reference to a share (ATTACH_BY_REFERENCE,
    …_ONLY); [] when it has none or it cannot be read (attachments() said so)."""
    import olefile
    try:
        ole = olefile.OleFileIO(io.BytesIO(raw))
    except Exception:  # noqa: BLE001
        return []
    out = []
    with ole:
        try:
            store = _Store(ole, len(raw))
            page = _codepage(_props(store, [], "top"))
            for sub in _attachment_storages(store, []):
                if _int(_props(store, sub, "attachment"), 0x3705) not in _BY_REFERENCE:
                    continue
                where = next((t for pid in (0x370D, 0x3708) if (t := _text(store, sub, pid, page))), "")
                name = next((t for pid in (0x3707, 0x3704, 0x3001) if (t := _text(store, sub, pid, page))), "")
                name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or where.rsplit("/", 1)[-1]
                if where or name:
                    out.append(f"“{name}” {where[:120]}".strip() if name else where[:120])
        except Exception:  # noqa: BLE001
            return out
    return out


def _damaged(e: Exception) -> OutlookProblem:
    return OutlookProblem(f"Outlook 邮件文件已损坏或不完整（{reason(e, 80)}），无法读取附件；"
                          "请在 Outlook 中重新另存为 .msg 或 .eml 后再导入")


class _Store:
    """The compound file, read stream by stream within a budget: a stream's sectors are the file's, so what a
    well-made mail holds is at most its size; a hostile one (a sector chain that loops) is refused, not inflated."""

    def __init__(self, ole, size: int):
        self.ole, self.left = ole, 2 * size
        self.attached: dict[tuple[str, ...], list[tuple[int, list[str]]]] = {}   # storage -> its attachment storages
        for entry in ole.listdir(streams=False, storages=True):
            if m := _ATTACH.match(entry[-1]):
                self.attached.setdefault(tuple(entry[:-1]), []).append((int(m.group(1), 16), entry))

    def exists(self, path: list[str]) -> bool:
        return self.ole.exists("/".join(path))

    def stream(self, path: list[str]) -> bytes | None:
        name = "/".join(path)
        if not self.ole.exists(name):
            return None
        size = self.ole.get_size(name)
        if size > self.left:
            raise OutlookProblem("Outlook 邮件文件内部的长度有误（疑似损坏或恶意构造的文件），无法读取附件")
        self.left -= size
        return self.ole.openstream(name).read(size) if size else b""


def _message(ole: _Store, at: list[str], kind: str, depth: int):
    """The attachments and table body of the mail stored at `at` (the root, or an attached message's storage)."""
    props = _props(ole, at, kind)
    page = _codepage(props)
    cls = (_text(ole, at, 0x001A, page) or "").upper()
    found = _attachment_storages(ole, at)
    if cls.startswith("IPM.NOTE.SMIME"):
        if "MULTIPARTSIGNED" in cls and found:     # signed, not encrypted: the MIME entity is the one attachment
            return mail.attachments(ole.stream(found[0] + ["__substg1.0_37010102"]) or b"")
        return mail.ENCRYPTED
    out: list[tuple[str, bytes]] = []
    used: set[str] = set(mail.BODY_NAMES)
    for sub in found:
        aprops = _props(ole, sub, "attachment")
        name = next((t for pid in (0x3707, 0x3704, 0x3001) if (t := _text(ole, sub, pid, page))), "")
        name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
        inner = sub + ["__substg1.0_3701000D"]
        if _int(aprops, 0x3705) == _EMBEDDED or (_int(aprops, 0x3705) is None
                                                  and ole.exists(inner + ["__properties_version1.0"])):
            if depth + 1 > MAX_DEPTH:
                raise OutlookProblem(f"邮件附带的邮件嵌套超过 {MAX_DEPTH} 层（疑似恶意构造的文件），无法读取附件")
            subject = mail.file_name(_text(ole, inner, 0x0037, page) or "") or name or "附带的邮件"
            data = _as_mime(_message(ole, inner, "embedded", depth + 1), subject)
            out.append((unique_name(f"{subject}.msg", used), data))
            continue
        if _int(aprops, 0x3705) == _OLE:
            if found_file := _ole_file(ole, inner):
                inside, suffix, data = found_file
                named = inside or name or f"嵌入对象{suffix}"
                if not named.lower().endswith(suffix):
                    named += suffix
                out.append((unique_name(named, used), data))
            continue
        data = ole.stream(sub + ["__substg1.0_37010102"])
        if data is None or not name:
            continue                          # a link to a file elsewhere
        mime = (_text(ole, sub, 0x370E, page) or "").lower()
        picture = mime.startswith("image/") or name.lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".bmp"))
        if picture and (_int(aprops, 0x7FFE) or _text(ole, sub, 0x3712, page)):
            continue                          # a picture the body shows (a signature, a logo): hidden or by Content-ID
        out.append((unique_name(name, used), data))
    return out, _body(ole, at, props)


def _ole_file(ole: _Store, at: list[str]):
    """The file an ATTACH_OLE attachment's object holds (embedded.stored_file: a packed file, a PDF, an Office 2007
    document); None for another object (an Office 97 document is a storage of this file: not read)."""
    from evalkit.model import ReadError
    from evalkit.readers.embedded import stored_file
    try:
        return stored_file(lambda name: ole.exists(at + [name]), lambda name: ole.stream(at + [name]) or b"")
    except ReadError:
        return None


def _as_mime(found, subject: str) -> bytes:
    """An attached Outlook message as a MIME mail of its attachments and table body (expanded as a nested mail)."""
    if isinstance(found, str):                # encrypted: said when the nested mail is opened
        return (b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\n")
    items, body = found
    m = EmailMessage()
    m["Subject"] = subject
    m.set_content("")
    if body is not None and body[0] == mail.BODY_NAME:
        m.add_alternative(body[1].decode("utf-8"), subtype="html")
    elif body is not None and not items:     # an RTF body holding the table: attached, the mail's only file
        items = [body]
    for name, data in items:
        m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(m)


def _body(ole: _Store, at: list[str], props: dict) -> tuple[str, bytes] | None:
    """The body holding a table: its HTML (PidTagHtml) as a UTF-8 page, else its RTF (PidTagRtfCompressed: what
    Outlook keeps for an RTF mail, and for many HTML ones, the HTML wrapped in it) to be read as an .rtf; else None."""
    raw = ole.stream(at + ["__substg1.0_10130102"])
    charset = _codepage(props, (0x3FDE,))          # PidTagInternetCodepage: the HTML's own
    if raw is None and (text := ole.stream(at + ["__substg1.0_1013001F"])) is not None:
        raw, charset = text.decode("utf-16-le", "replace").rstrip("\x00").encode("utf-8"), "utf-8"
    if raw is not None:
        if b"<table" not in raw.lower():
            return None
        from evalkit.readers.html import decode_html
        return mail.BODY_NAME, ('<meta charset="utf-8">' + decode_html(raw, charset)).encode("utf-8")
    packed = ole.stream(at + ["__substg1.0_10090102"])
    return None if packed is None else rtf_body(packed)


def rtf_body(packed: bytes) -> tuple[str, bytes] | None:
    """A mail's compressed RTF body (PidTagRtfCompressed, in a .msg or a winmail.dat) as (邮件正文.rtf, its RTF) when
    it holds a table, else None."""
    import compressed_rtf
    try:
        rtf = compressed_rtf.decompress(packed)
    except Exception:  # noqa: BLE001  (a damaged body: the attachments are still the mail's; the body is a fallback)
        return None
    return (mail.BODY_RTF, rtf) if rtf.lstrip().startswith(b"{\\rtf") and b"\\trowd" in rtf else None


def _attachment_storages(ole: _Store, at: list[str]) -> list[list[str]]:
    """The attachment storages right under `at`, in their numbers' order."""
    return [entry for _, entry in sorted(ole.attached.get(tuple(at), []))]


def _props(ole: _Store, at: list[str], kind: str) -> dict[int, bytes]:
    """Fixed-size property values of the object at `at` (property id → its 8 value bytes)."""
    raw = ole.stream(at + ["__properties_version1.0"]) or b""
    out = {}
    for pos in range(_HEADER[kind], len(raw) - 15, 16):
        tag = struct.unpack_from("<I", raw, pos)[0]
        out[tag >> 16] = raw[pos + 8:pos + 16]
    return out


def _int(props: dict[int, bytes], pid: int) -> int | None:
    return struct.unpack_from("<I", props[pid])[0] if pid in props else None


def _codepage(props: dict[int, bytes], pids=(0x3FFD, 0x3FDE)) -> str | None:
    """The codec of the mail's 8-bit strings: PidTagMessageCodepage, else PidTagInternetCodepage (mail.codec)."""
    for pid in pids:
        if (n := _int(props, pid)) is not None and (name := mail.codec(f"cp{n}")) is not None:
            return name
    return None


def _text(ole: _Store, at: list[str], pid: int, codepage: str | None) -> str | None:
    """A string property: Unicode (PT_UNICODE), else 8-bit (PT_STRING8) in the mail's code page, else as an
    archive's undeclared names are read (UTF-8, GB18030)."""
    raw = ole.stream(at + [f"__substg1.0_{pid:04X}001F"])
    if raw is not None:
        return raw.decode("utf-16-le", "replace").split("\x00", 1)[0]
    raw = ole.stream(at + [f"__substg1.0_{pid:04X}001E"])
    if raw is None:
        return None
    return mail.decode(raw.split(b"\x00", 1)[0], codepage)
