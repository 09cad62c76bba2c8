"""HTML reader: a saved web page's tables (rowspan/colspan read once) and the text around them.

Safety: a page over LIMITS.max_text_bytes is refused before it is read; rowspan/colspan are
clipped to LIMITS.max_span and to the table's rows; a table over LIMITS.max_rows rows or a page
whose tables yield over LIMITS.max_cells cells is refused (LimitExceeded).
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table
from evalkit.readers.grid import rows_from_spans, spans_from_html_like
from evalkit.readers.safety import CellBudget, limits, read_bounded, reason
from evalkit.readers.xpath import xpath

IGNORED = ("nav", "script", "style", "header", "footer", "noscript", "template", "head")
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
         "main", "aside", "blockquote", "pre", "dl", "dt", "dd", "form", "center", "address",
         "figure", "figcaption", "hr", "caption", "body", "html", "fieldset", "legend", "table"}
# Chinese pages declare gb2312 but routinely use GBK/GB18030 characters beyond it.
# what a declared charset (a page's meta, a MIME parameter, a code page as cpNNN) really holds: GB2312/GBK pages are
# written in GB18030's range, Big5 ones with HKSCS characters; also for mail (mail.codec)
ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                    "cp936": "gb18030", "euc-cn": "gb18030", "cp20936": "gb18030", "cp54936": "gb18030",
                    "hz-gb-2312": "hz", "big5": "big5hkscs", "cp950": "big5hkscs", "cp65001": "utf-8"}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")


def read_html(path: Path) -> Document:
    """Read a saved HTML page in its declared encoding; nav/script/style/header/footer (and their
    ARIA roles navigation/banner/contentinfo) ignored."""
    path = Path(path)
    lim = limits()
    raw = read_bounded(path, min(lim.max_text_bytes, lim.max_file_bytes), "网页文件")
    sources: list[str] = []
    frames: list[str] = []
    text = decode_html(raw)
    doc = html_document(text, path, "html", images=sources, frames=frames)
    from evalkit.readers.pictures import holds_pictures_only, with_pages_read
    from evalkit.readers.webpage import FOLDER_SUFFIXES, shown_pictures
    if not any(isinstance(b, Table) for b in doc.blocks):   # a frameset: Excel's 网页 of a workbook, a page in frames
        _read_frames(doc, path, text, frames, lim.max_text_bytes - len(raw))
    if sources and not holds_pictures_only(doc):   # read if the text gives nothing (a portal's boilerplate around)
        doc.more_pictures = lambda: shown_pictures(path, sources, lim.max_file_bytes, lim.max_pages)[0]
    elif sources:                                  # no table and no prose: the report may be the page's pictures
        pictures, missing = shown_pictures(path, sources, lim.max_file_bytes, lim.max_pages)
        if pictures:
            return with_pages_read(doc, pictures)
        if missing:
            doc.warnings.append(f"网页正文只有图片，其中 {missing} 张不在网页旁的“{path.stem}{FOLDER_SUFFIXES[0]}”文件夹中"
                                "（网页另存为“网页，仅HTML”或复制时漏了文件夹）；请连同该文件夹一起导入，或另存为 PDF 后再导入")
    return doc


def _read_frames(doc: Document, path: Path, text: str, frames: list[str], limit_bytes: int) -> None:
    """Add to a page without a table the blocks of the frames it shows from its own folder (`x.files/sheet001.htm`),
    each Excel sheet's named after its tab; a frame without a table (the tab strip, a menu) adds nothing."""
    from evalkit.readers.webpage import FOLDER_SUFFIXES, frame_sources, framed_pages
    lim = limits()
    shown = frame_sources(text, frames, lim.max_pages)
    if not shown:
        return
    pages, missing = framed_pages(path, shown, limit_bytes, lim.max_pages)
    for sheet, data in pages:
        try:
            framed = html_document(decode_html(data), path, doc.format)
        except LimitExceeded:
            raise
        except ReadError:
            continue
        if any(isinstance(b, Table) for b in framed.blocks):
            for b in framed.blocks:
                b.sheet = sheet                 # Paragraph and Table both carry their sheet
            doc.blocks += framed.blocks
            doc.hidden += [h.replace("网页表格中", f"工作表“{sheet}”中", 1) if sheet else h for h in framed.hidden]
    if missing:
        doc.warnings.append(f"网页的内容在框架（工作表）中，其中 {missing} 个不在网页旁的“{path.stem}{FOLDER_SUFFIXES[1]}”文件夹中"
                            "（复制时漏了文件夹）；请连同该文件夹一起导入，或用 Excel 打开后另存为 XLSX 再导入")


def read_mhtml(path: Path) -> Document:
    """A web page saved as one file (.mht/.mhtml: "网页，单个文件", a MIME message): its HTML part, decoded
    from its transfer encoding (quoted-printable, base64) and charset, read as a saved page."""
    import email
    import email.policy

    path = Path(path)
    lim = limits()
    raw = read_bounded(path, min(lim.max_text_bytes, lim.max_file_bytes), "网页文件")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html, charset = mhtml_html(msg)
    # the part's own charset wins over a <meta> the page may no longer match
    doc, failure = None, None
    try:
        doc = html_document(decode_html(html, charset), path, "mhtml")
    except LimitExceeded:
        raise
    except ReadError as e:
        failure = e                         # a page of nothing but pictures: they may be its content
    if doc is None or not any(isinstance(b, Table) for b in doc.blocks):
        tables = _frame_tables(msg, path)   # Excel's 单个文件网页: a frameset, the sheets in their own parts
        if tables:
            doc = doc or Document(source=str(path), format="mhtml")
            doc.blocks += tables
            failure = None
    from evalkit.readers.pictures import holds_pictures_only, page_sized, with_pages_read

    def pictures():
        return page_sized([(str(p.get("Content-Location") or p.get_filename() or f"图片{k}"), p.get_payload(decode=True) or b"")
                           for k, p in enumerate(msg.walk(), 1) if p.get_content_maintype() == "image"])
    if doc is None or holds_pictures_only(doc):     # no table and no prose: the report may be pictures of it
        found = pictures()
        if found:
            return with_pages_read(doc or Document(source=str(path), format="mhtml"), found)
        if failure is not None:
            raise failure
    else:                                           # read if the text gives nothing
        doc.more_pictures = pictures
    return doc


def _frame_tables(msg, path: Path) -> list:
    """The blocks of the message's other HTML parts that hold a table, in order: the sheets of a workbook saved
    by Excel as one web page (the first part is a frameset listing them: only they are read, named after their tabs;
    the tab strip is no content), a page's frames."""
    from urllib.parse import unquote, urlsplit

    from evalkit.readers.webpage import frame_sources
    lim = limits()
    parts = [p for p in msg.walk() if p.get_content_type() == "text/html"]
    if not parts:
        return []

    def base(address) -> str:
        return unquote(urlsplit(str(address or "")).path).replace("\\", "/").rsplit("/", 1)[-1].lower()
    head = decode_html(parts[0].get_payload(decode=True) or b"", parts[0].get_content_charset())
    sheets = {base(src): name for src, name in frame_sources(head, [], lim.max_pages) if name is not None}
    out: list = []
    for part in parts[1:lim.max_pages + 1]:
        sheet = sheets.get(base(part.get("Content-Location")))
        if sheets and sheet is None:
            continue
        try:
            blocks = html_document(decode_html(part.get_payload(decode=True) or b"", part.get_content_charset()),
                                   path, "mhtml").blocks
        except LimitExceeded:
            raise
        except ReadError:
            continue
        if any(isinstance(b, Table) for b in blocks):
            for b in blocks:
                b.sheet = sheet
            out += blocks
    return out


def mhtml_html(msg) -> tuple[bytes, str | None]:
    """(the HTML part's bytes, its charset) of an MHT message (bytes or a parsed message); ReadError without one."""
    if isinstance(msg, bytes):
        import email
        import email.policy
        msg = email.message_from_bytes(msg, policy=email.policy.default)
    part = next((p for p in msg.walk() if p.get_content_type() == "text/html"), None)
    if part is None:
        raise ReadError("MHT 网页文件中没有网页正文（text/html 部分）；请用浏览器打开后另存为“网页，全部”或 PDF 再导入")
    return part.get_payload(decode=True) or b"", part.get_content_charset()


_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def html_document(text: str, path: Path, fmt: str, images: list | None = None, frames: list | None = None) -> Document:
    """The Document of a page's decoded text; `images` (a list) gets the page's <img src>, `frames` its
    <frame>/<iframe> src, in order."""
    import lxml.etree
    import lxml.html

    lim = limits()
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    # lxml's HTML parser keeps a character XML forbids (a control character, U+FFFE) as text, then refuses it
    # when a tree edit moves that text (ValueError): a damaged page, cleaned before parsing
    text, controls = _NOT_XML_CHAR.subn("", text)
    if not text.strip():
        raise ReadError("HTML 文件是空的，没有可读取的内容；请重新保存网页（另存为“网页，全部”）后再导入")
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as e:
        raise ReadError(f"HTML 文件无法解析（{reason(e)}），请用浏览器打开后重新另存为网页再导入") from None
    classes = _styled_classes(root, _HIDDEN_STYLE), _styled_classes(root, _STRUCK_STYLE)   # before <style> goes
    chrome = list(root.iter(*IGNORED)) + root.xpath("//*[@role='navigation' or @role='banner' or @role='contentinfo']")
    for el in chrome:
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    hidden = _drop_hidden_cells(root, *classes)
    _controls_as_shown(root)
    linked = linked_files(root)
    if images is not None:
        images.extend(str(el.get("src") or "") for el in root.iter("img"))
    if frames is not None:
        frames.extend(str(el.get("src") or "") for el in root.iter("frame", "iframe"))
    budget = CellBudget("网页中表格的单元格", "请只保存含自评表的页面后再导入")
    try:
        blocks = list(_flow(root, budget))
    except RecursionError:
        raise LimitExceeded("网页的标签嵌套过深（疑似恶意构造的文件），无法读取；请用浏览器打开后另存为 PDF 再导入") from None
    doc = Document(source=str(path), format=fmt, blocks=blocks, hidden=hidden, linked=linked)
    if linked:
        from evalkit.readers.links import holder, linked_note
        doc.notes.append(linked_note(linked, holder(fmt)))
    if controls:
        doc.warnings.append(f"网页中有 {controls} 个控制字符（文件可能已损坏），已删除")
    if budget.clipped:
        shown = "、".join(dict.fromkeys(budget.clipped[:3]))
        doc.warnings.append(f"网页表格中有 {len(budget.clipped)} 个单元格的合并跨度（{shown}{' 等' if len(budget.clipped) > 3 else ''}）"
                            f"超过上限 {lim.max_span:,} 行/列，已按 {lim.max_span:,} 读取；请核对这些表格")
    return doc


def linked_files(root) -> list[str]:
    """The report files a page links to instead of holding them (a portal article's 附件:
    `<a href="/…/P020230815.pdf">自评报告</a>`, a download script whose link text names the file, a 网盘 share),
    each once, as readers/links.py names them (a share written out as text: readers.shared)."""
    from evalkit.readers.links import linked_name
    out: list[str] = []
    for a in root.iter("a"):
        name = linked_name(str(a.get("href") or ""), a.text_content())
        if name is not None and name not in out:
            out.append(name)
    return out


def declared_encoding(raw: bytes) -> str | None:
    """The charset a page declares (BOM, <meta charset>, http-equiv content-type, <?xml?>)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return name
    head = raw[:8192]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(raw: bytes, charset: str | None = None) -> str:
    """Decode with `charset` (a MIME part's) or the page's declared one (GB2312/GBK read as GB18030),
    else UTF-8, else GB18030."""
    name = known_encoding(charset) or known_encoding(declared_encoding(raw))
    if name:
        text = raw.decode(name, errors="replace")
        return text[1:] if text.startswith("\ufeff") else text
    for candidate in ("utf-8", "gb18030"):
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def known_encoding(name: str | None) -> str | None:
    """An encoding's name as Python knows it (GB2312/GBK as GB18030), None when it is none Python has."""
    if not name:
        return None
    name = ENCODING_ALIASES.get(name.lower(), name.lower())
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _flow(root, budget: CellBudget):
    """Blocks in document order: text runs between block boundaries become Paragraphs."""
    buf: list[str] = []

    def flush():
        text = _WS.sub(" ", "".join(buf)).strip()
        buf.clear()
        return [Paragraph(text)] if text else []

    def walk(el):
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "table" and not _is_layout(child):
                yield from flush()
                yield from _table_blocks(child, budget)
            elif tag == "br":
                yield from flush()
            elif tag in BLOCK or tag in ("tr", "td", "th", "tbody", "thead", "tfoot"):
                yield from flush()
                if child.text:
                    buf.append(child.text)
                yield from walk(child)
                yield from flush()
            else:
                if child.text:
                    buf.append(child.text)
                yield from walk(child)
            if child.tail:
                buf.append(child.tail)

    body = root.find("body")
    top = body if body is not None else root
    if top.text:
        buf.append(top.text)
    yield from walk(top)
    yield from flush()


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_STRUCK_STYLE = re.compile(r"text-decoration(-line)?\s*:[^;]*line-through", re.I)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CSS_CLASS = re.compile(r"^\s*(?:[a-z0-9]*)\.([\w-]+)\s*$", re.I)


def _styled_classes(root, pattern) -> set[str]:
    """The classes a <style> sheet gives a declaration matching `pattern` (.xl66 {text-decoration:line-through}, as
    Excel writes a struck cell when it saves a workbook as a web page); simple selectors only (td.xl66, .xl66)."""
    found = set()
    for style in root.iter("style"):
        sheet = re.sub(r"/\*.*?\*/|<!--|-->", " ", "".join(style.itertext()), flags=re.S)   # Excel wraps it in <!-- -->
        for selectors, body in _CSS_RULE.findall(sheet):
            if pattern.search(body):
                found.update(m.group(1) for sel in selectors.split(",") if (m := _CSS_CLASS.match(sel)))
    return found


def _styled(el, pattern, classes: set[str]) -> bool:
    """The element's own style attribute, or one of its classes, matches."""
    return bool(pattern.search(el.get("style") or "")) or bool(classes and classes & set((el.get("class") or "").split()))


def _drop_hidden_cells(root, hidden_classes: set[str] = frozenset(), struck_classes: set[str] = frozenset()) -> list[str]:
    """Table rows and cells a browser does not show (display:none or visibility:hidden, in their style or their
    class: the rows and columns hidden in a workbook Excel saved as a web page) are left out, as the hidden rows and
    columns of a workbook are, and so is text struck through (<del>, <s>, <strike>, text-decoration:line-through);
    what held text is named for the report row."""
    counts = []
    for tags in (("tr",), ("td", "th")):          # rows first: a hidden row's cells go with it
        n = 0
        for el in [el for el in root.iter(*tags) if _styled(el, _HIDDEN_STYLE, hidden_classes)]:
            n += _shows(el)
            el.drop_tree()
        counts.append(n)
    rows, cells = counts
    struck = 0                                    # text shown as deleted (a corrected figure's old value, 18.5 struck
    for el in [el for el in root.iter() if isinstance(el.tag, str)           # before 17.5), as in Word
               and (el.tag in ("del", "s", "strike") or _styled(el, _STRUCK_STYLE, struck_classes))]:
        if el.getparent() is not None:
            struck += _shows(el)
            _drop_keeping_tail(el)
    return ([f"网页表格中隐藏的 {rows} 行"] if rows else []) + ([f"网页表格中隐藏的 {cells} 个单元格"] if cells else []) \
        + ([f"网页删除线文字 {struck} 处"] if struck else [])


def _shows(el) -> bool:
    """The element shows something: text, or a form box with a value (a system's page puts figures there)."""
    return bool("".join(el.itertext()).strip()) or bool(el.xpath(".//input[normalize-space(@value)]|.//textarea|.//select"))


def _drop_keeping_tail(el) -> None:
    """A struck element's text out; a struck table cell stays as an empty cell (the columns keep their places)."""
    if el.tag in ("td", "th"):
        tail = el.tail
        for child in list(el):
            el.remove(child)
        el.text, el.tail = None, tail
    else:
        el.drop_tree()


_NO_TEXT_INPUTS = {"hidden", "password", "file", "image", "submit", "reset", "button", "color", "range"}


def _controls_as_shown(root) -> None:
    """Form controls as the browser shows them: a system's 自评表 page holds its figures in (read-only) text boxes
    (`<input value="88.00">`, an attribute, not text), its grade in a drop-down (only the chosen `<option>` shows,
    not 优良中差 run together) or in ticked boxes (`<input type=radio checked>优` as ☑优)."""
    from evalkit.grades import MARKED, UNMARKED

    for el in list(root.iter("input", "select")):
        if el.getparent() is None:
            continue
        if el.tag == "select":
            options = list(el.iter("option"))
            chosen = next((o for o in options if o.get("selected") is not None), options[0] if options else None)
            shown = "" if chosen is None else _WS.sub(" ", chosen.text_content()).strip()
        else:
            kind = (el.get("type") or "text").strip().lower()
            if kind in ("checkbox", "radio"):
                shown = MARKED[0] if el.get("checked") is not None else UNMARKED[0]
            elif kind in _NO_TEXT_INPUTS:
                shown = ""
            else:
                shown = el.get("value") or ""
        el.tail = shown + (el.tail or "")
        el.drop_tree()


def _rows_of(table):
    return xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")(table)


def _is_layout(table) -> bool:
    """A one-cell-per-row table that wraps paragraphs or other tables is page layout, not data."""
    rows = _rows_of(table)
    if not rows or any(len(xpath("./td | ./th")(tr)) != 1 for tr in rows):
        return False
    return bool(xpath(".//table | .//p | .//div")(table))


def _span(cell, name: str) -> int:
    """A rowspan/colspan attribute as an int >= 1 (clipped later, in spans_from_html_like)."""
    value = str(cell.get(name, "1")).strip()[:12]   # no 10,000-digit integers
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _table_blocks(table, budget: CellBudget):
    """The table, then each table nested in its cells."""
    lim = limits()
    trs = _rows_of(table)
    if len(trs) > lim.max_rows:
        raise LimitExceeded(f"网页中有一个 {len(trs):,} 行的表格，超过上限 {lim.max_rows:,} 行；"
                            "请只保存含自评表的页面后再导入")
    nested: list = []
    grid = []
    for tr in trs:
        grid.append([(cell_text(td, nested), _span(td, "rowspan"), _span(td, "colspan"))
                     for td in xpath("./td | ./th")(tr)])
    rows = rows_from_spans(spans_from_html_like(grid, lim.max_span, budget))
    if rows:
        cap = table.find("caption")
        if cap is not None:
            text = _WS.sub(" ", cap.text_content()).strip()
            if text:
                yield Paragraph(text)
        yield Table(rows)
    for t in nested:
        yield from _table_blocks(t, budget)


def cell_text(td, nested: list) -> str:
    """A cell's own text with <br>/block children as '\\n'; nested tables collected, not inlined."""
    parts: list[str] = []

    def walk(el):
        if el.text:
            parts.append(el.text)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "table":
                nested.append(child)
            elif tag == "br":
                parts.append("\n")
            elif tag in BLOCK:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            else:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(td)
    lines = (_WS.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
