"""Saved e-mails (.eml, as Foxmail, Outlook, Thunderbird and web mail save them): reports arrive as attachments, so a
message is opened like an archive (archives.expand): each report attachment is a member named `邮件.eml!自评表.xlsx`;
an attached message (a forwarded mail) is a nested one; Outlook's winmail.dat (tnef.py) gives the attachments it
holds. The body and the pictures shown in it (signatures, logos) are not reports. Standard library `email` only."""
from __future__ import annotations

import email
import re
import email.header
import email.policy
import email.utils

from evalkit import tnef
from evalkit.archives import unique_name

SUFFIX = ".eml"
# charsets Chinese mail clients declare for names, and the Windows code pages Outlook writes 8-bit strings in
# (cpNNN: a .msg's PT_STRING8, a winmail.dat's titles), and the codec that reads what they really write
ENCRYPTED_TYPES = ("application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted")
ENCRYPTED = "邮件已加密（S/MIME 或 PGP），无法读取附件；请在邮件客户端中解密后把附件另存再导入"


BODY_NAME = "邮件正文.html"
BODY_RTF = "邮件正文.rtf"                             # Outlook's RTF body (outlook.py)
BODY_NAMES = {BODY_NAME.lower(), BODY_RTF.lower()}   # the body read as a report when no report is attached


def attachments(raw: bytes) -> tuple[list[tuple[str, bytes]], tuple[str, bytes] | None] | str:
    """((file name, bytes) of every attachment in order, attached messages as `主题.eml`, names made unique with
    （2）, （3）…; the HTML body as (BODY_NAME, a UTF-8 page) when it holds a table, else the RTF body a winmail.dat
    holds (BODY_RTF) when that does, else None), or a Chinese reason (str) when the message cannot be opened
    (encrypted)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if msg.get_content_type() in ENCRYPTED_TYPES:
        return ENCRYPTED
    out: list[tuple[str, bytes]] = []
    used: set[str] = {BODY_NAME.lower()}
    body = rtf = None
    for part, in_body in _parts(msg):
        if body is None and part.get_content_type() == "text/html" and _filename(part) is None:
            body = _body_page(part)
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else None
            if inner is None:
                continue
            name = _filename(part) or f"{_subject(inner) or '附带的邮件'}.eml"
            data = inner.as_bytes()
        else:
            name = _filename(part)
            tnef_part = part.get_content_type() == tnef.TYPE or (name or "").lower() == tnef.NAME
            if (not name and not tnef_part) or _inline_picture(part, in_body):
                continue                          # the body, or a picture shown in it
            data = part.get_payload(decode=True) or b""
            if tnef_part and (inner := tnef.unwrapped(data)) is not None:
                out += [(unique_name(n, used), d) for n, d in inner[0]]  # Outlook's winmail.dat: its attachments
                rtf = rtf or inner[1]                                    # …and its RTF body holding a table
                continue
            name = name or tnef.NAME
        out.append((unique_name(name, used), data))
    return out, (rtf if body is None else (BODY_NAME, body))


# what QQ 邮箱, 网易邮箱 and other web mail write into a mail's body for a file sent as a download link (超大附件, 文件中转站):
# the file stays on the provider's server, not in the mail
LARGE_ATTACHMENT = re.compile(r"超大附件|文件中转站|ftnExs_download|large-attachment-download", re.I)
LARGE_ATTACHMENTS = ("邮件中的附件是超大附件（邮箱服务商的下载链接，文件不在邮件里），无法从邮件读取；"
                     "请在邮箱中打开这封邮件，从链接下载附件（链接通常有有效期），再导入下载的文件")


def body_text(raw: bytes) -> str:
    """A MIME mail's text parts (plain and HTML, not its files), decoded, one after another: where a mail without
    files says why (archives._links_instead)."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return "\n".join(decode(part.get_payload(decode=True) or b"", part.get_content_charset())
                     for part, _ in _parts(msg) if part.get_content_maintype() == "text" and _filename(part) is None)


def referenced_message(links: list[str]) -> str:
    """Why a mail whose attachments are links (Outlook's cloud attachments, files on a share) gives no file."""
    shown = "、".join(links[:5]) + (f" 等 {len(links)} 个" if len(links) > 5 else "")
    return (f"邮件中的附件是云附件或共享位置上文件的链接（{shown}），文件不在邮件里，无法从邮件读取；"
            "请打开链接下载文件（或向发件人索取），再导入下载的文件")


def shared_message(names: list[str]) -> str:
    from evalkit.model import named_list
    return (f"邮件中没有附件，只有网盘分享链接（{named_list(names)}），文件不在邮件里，无法从邮件读取；"
            "请打开链接下载文件（注意提取码和有效期），再导入下载的文件")


def _body_page(part) -> bytes | None:
    """The HTML body as a page in UTF-8 when it holds a table (a 自评表 pasted into the mail), else None."""
    from evalkit.readers.html import decode_html
    raw = part.get_payload(decode=True) or b""
    if b"<table" not in raw.lower():
        return None
    html = decode_html(raw, part.get_content_charset())
    return ('<meta charset="utf-8">' + html).encode("utf-8")


def _parts(msg, in_body: bool = False):
    """(leaf part, whether it is a resource of an HTML body: a multipart/related's part after its first) in order;
    an attached message is one part (opened as a nested member), not descended into."""
    if msg.get_content_type() == "message/rfc822" or not msg.is_multipart():
        yield msg, in_body
        return
    related = msg.get_content_type() == "multipart/related"
    for k, p in enumerate(msg.get_payload()):
        yield from _parts(p, in_body or (related and k > 0))


def _inline_picture(part, in_body: bool) -> bool:
    """A picture the body shows (a signature, a logo, a pasted screenshot): a resource of the HTML body, inline,
    or referenced by Content-ID and not said to be an attachment."""
    if part.get_content_maintype() != "image":
        return False
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return in_body or disposition == "inline" or (disposition != "attachment" and part.get("Content-ID") is not None)


def _filename(part) -> str | None:
    """The attachment's name as the sender's client wrote it: RFC 2231 (filename*=gbk''…), RFC 2047
    (=?GBK?B?…?=, gb2312 read as GB18030), or raw GBK/UTF-8 bytes in the header; only its last path part."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        value = _raw_header(part, header)
        if value is None:
            continue
        raw = email.message_from_string(f"{header}: {value}\n\n").get_param(param, header=header)
        if raw is None:
            continue
        if isinstance(raw, tuple):                                       # RFC 2231
            charset, _, text = raw
            name = decode(text.encode("latin-1", "replace"), charset)
        else:
            name = _words(email.utils.unquote(raw))
        name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().strip("\x00")
        if name:
            return name
    return None


def _raw_header(msg, name: str) -> str | None:
    """A header's value as written, each byte one character (U+0000–U+00FF), so its bytes can be read in the
    charset they are in (the parser keeps 8-bit bytes as surrogates)."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value).encode("ascii", "surrogateescape").decode("latin-1").replace("\r\n", "\n")
    return None


def _words(value: str) -> str:
    """A header value (one character a byte) with RFC 2047 encoded words decoded, and raw 8-bit bytes read as
    UTF-8 or GB18030."""
    out = []
    for data, charset in email.header.decode_header(value):
        if isinstance(data, str):
            data = data.encode("latin-1", "replace")
        out.append(decode(data, charset))
    return "".join(out)


def codec(charset: str | None) -> str | None:
    """The codec that reads what a declared charset (a MIME parameter's, a code page as cpNNN) really holds, None
    for one Python does not know: the HTML reader's (one alias table for pages and mail)."""
    from evalkit.readers.html import known_encoding
    return known_encoding(charset)


def decode(data: bytes, charset: str | None) -> str:
    """Name bytes in their declared charset, else as an archive's undeclared names are read (UTF-8, GB18030)."""
    from evalkit.archives import decode_name
    if (name := codec(charset)) is not None:
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            pass
    return decode_name(data) or data.decode("utf-8", "replace")


def _subject(msg) -> str:
    return file_name(_words(" ".join((_raw_header(msg, "subject") or "").split())))


def file_name(subject: str) -> str:
    """A mail's subject as the name of the attached mail's member: no path or reserved characters, 60 at most."""
    return "".join(c if c not in '/\\:*?"<>|\r\n\t' else "_" for c in subject.strip())[:60]
