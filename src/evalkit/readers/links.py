"""Links a document gives instead of the report files: a portal page's 附件 links, a Word letter's hyperlink to a file
on the writer's disk, a 网盘 share (百度网盘 and the like, with its 提取码) pasted into a mail, a page or a text file.
Named for the user (Document.linked), never fetched: when nothing else is read, the reason given is the links."""
from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# what a link may point to that is a report file (an attachment), not another page or a picture
LINKED_FORMATS = frozenset({"pdf", "ofd", "xps", "docx", "doc", "wps", "rtf", "odt", "uot", "xlsx", "xls", "et", "ods", "xlsb", "csv",
                            "pptx", "ppt", "dps", "odp"})
# file-sharing services reports are sent through instead of the files (their share links)
NETDISKS = {
    "pan.baidu.com": "百度网盘", "yun.baidu.com": "百度网盘", "aliyundrive.com": "阿里云盘", "alipan.com": "阿里云盘",
    "share.weiyun.com": "腾讯微云", "cloud.189.cn": "天翼云盘", "caiyun.139.com": "中国移动云盘",
    "yun.139.com": "中国移动云盘", "pan.quark.cn": "夸克网盘", "pan.xunlei.com": "迅雷云盘", "123pan.com": "123云盘",
    "jianguoyun.com": "坚果云", "wenshushu.cn": "文叔叔", "wss.ink": "文叔叔", "lanzou.com": "蓝奏云",
    "lanzoui.com": "蓝奏云", "lanzoux.com": "蓝奏云", "lanzouw.com": "蓝奏云", "lanzn.com": "蓝奏云", "115.com": "115网盘",
    "115cdn.com": "115网盘", "feijipan.com": "小飞机网盘", "pan.wps.cn": "WPS 云文档", "kdocs.cn": "金山文档",
    "docs.qq.com": "腾讯文档",
}
_URL = re.compile(r"https?://[^\s<>\"'，。；）)]+", re.I)


def netdisk(url: str) -> str | None:
    """The file-sharing service a link points to (百度网盘 …), else None."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return next((name for domain, name in NETDISKS.items() if host == domain or host.endswith("." + domain)), None)


def report_file(name: str) -> bool:
    """A file name evalkit reads as a report (or an archive of them), by its suffix."""
    from evalkit.archives import is_archive
    from evalkit.readers import format_of
    return format_of(name) in LINKED_FORMATS or is_archive(name)


def linked_name(href: str, text: str = "") -> str | None:
    """How a link that gives a report file instead of holding it is named (its text, with the file's name beside it
    when the text does not say it; a 网盘 share by its service and address), else None (another page, a picture)."""
    href, text = href.strip(), " ".join(text.split())[:80]
    if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
        return None
    if service := netdisk(href):
        return f"{service}链接 {href[:120]}"
    try:
        base = unquote(urlsplit(href).path).replace("\\", "/").rsplit("/", 1)[-1]
    except ValueError:
        return None
    if report_file(text):
        return text
    if report_file(base):
        return f"{text}（{base}）" if text and text != base else base
    return None


def hyperlinks(part) -> list[str]:
    """The targets of an Office part's hyperlinks that point outside the package (python-docx's or python-pptx's
    part), in order."""
    return [str(rel.target_ref) for rel in part.rels.values()
            if rel.is_external and str(rel.reltype).endswith("/hyperlink")]


# what holds links instead of files, in words, by its format: a portal's page, a 报送清单 workbook, a deck; else 文档
HOLDERS = {**dict.fromkeys(("html", "mhtml"), "网页"), **dict.fromkeys(("xlsx", "xls", "et", "ods", "xlsb"), "工作簿"),
           **dict.fromkeys(("pptx", "ppt", "dps", "odp"), "演示文稿")}


def holder(fmt: str | None) -> str:
    return HOLDERS.get(fmt or "", "文档")


def add_linked(doc, targets: list[str]) -> None:
    """Name in `doc` (Document.linked, a reading note) the report files and shares `targets` give instead of holding
    them."""
    names = []
    for name in (linked_name(t) for t in targets):
        if name is not None and name not in names and name not in doc.linked:
            names.append(name)
    if names:
        doc.linked += names
        doc.notes.append(linked_note(names, holder(doc.format)))


def linked_note(names: list[str], where: str) -> str:
    """The reading note naming the files a document links to instead of holding them (as only_links says it for a
    document that has nothing else)."""
    from evalkit.model import named_list
    return f"{where}中有 {len(names)} 个附件的链接（{named_list(names)}），文件不在{where}里，未读取"


def only_links(fmt: str | None, names: list[str]) -> str:
    """Why a document of format `fmt` that links its files (`names`) and holds no table gives nothing, and what to
    do: ingest's message for its row and `evalkit inspect`'s result line."""
    from evalkit.model import named_list
    where = holder(fmt)
    get = "请从网站下载这些附件后再导入" if where == "网页" else "请找到这些文件（或向报送单位索取）后一并导入"
    get = get.replace("这些附件", "该附件").replace("这些文件", "该文件") if len(names) == 1 else get
    return f"{where}中没有自评表，只有 {len(names)} 个附件的链接（{named_list(names)}），文件不在{where}里；{get}"


def shared_in_text(text: str) -> list[str]:
    """The 网盘 shares a text writes out (链接：https://pan.baidu.com/s/… 提取码：abcd), named as `linked_name` does."""
    out: list[str] = []
    for m in _URL.finditer(text):
        if netdisk(m.group()) and (name := linked_name(m.group())) not in out:
            out.append(name)
    return out
