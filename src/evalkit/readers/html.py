"""HTML reader: a saved web page's tables (rowspan/colspan read once) and the text around them."""
from __future__ import annotations

import codecs
import re
from pathlib import Path

from evalkit.model import Document, Paragraph, ReadError, Table
from evalkit.readers.grid import rows_from_spans, spans_from_html_like

IGNORED = ("nav", "script", "style", "header", "footer", "noscript", "template", "head")
BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article",
         "main", "aside", "blockquote", "pre", "dl", "dt", "dd", "form", "center", "address",
         "figure", "figcaption", "hr", "caption", "body", "html", "fieldset", "legend", "table"}
# Chinese pages declare gb2312 but routinely use GBK/GB18030 characters beyond it.
ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                    "cp936": "gb18030", "euc-cn": "gb18030", "hz-gb-2312": "hz", "big5": "big5hkscs"}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")


def read_html(path: Path) -> Document:
    """Read a saved HTML page in its declared encoding; nav/script/style/header/footer (and their
    ARIA roles navigation/banner/contentinfo) ignored."""
    import lxml.etree
    import lxml.html

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ReadError(f"cannot read HTML file: {e}") from None
    text = decode_html(raw)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise ReadError("empty HTML file")
    try:
        root = lxml.html.document_fromstring(text)
    except Exception as e:
        raise ReadError(f"unparseable HTML: {type(e).__name__}: {e}") from None
    chrome = list(root.iter(*IGNORED)) + root.xpath("//*[@role='navigation' or @role='banner' or @role='contentinfo']")
    for el in chrome:
        if el.getparent() is not None:
            el.drop_tree()
    for el in list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    return Document(source=str(path), format="html", blocks=list(_flow(root)))


def declared_encoding(raw: bytes) -> str | None:
    """The charset a page declares (BOM, <meta charset>, http-equiv content-type, <?xml?>)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return name
    head = raw[:8192]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(raw: bytes) -> str:
    """Decode with the declared charset (GB2312/GBK read as GB18030), else UTF-8, else GB18030."""
    name = declared_encoding(raw)
    if name:
        name = ENCODING_ALIASES.get(name, name)
        try:
            codecs.lookup(name)
        except LookupError:
            name = None
    if name:
        text = raw.decode(name, errors="replace")
        return text[1:] if text.startswith("\ufeff") else text
    for candidate in ("utf-8", "gb18030"):
        try:
            return raw.decode(candidate)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def _flow(root):
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
                yield from _table_blocks(child)
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


def _rows_of(table):
    return table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")


def _is_layout(table) -> bool:
    """A one-cell-per-row table that wraps paragraphs or other tables is page layout, not data."""
    rows = _rows_of(table)
    if not rows or any(len(tr.xpath("./td | ./th")) != 1 for tr in rows):
        return False
    return bool(table.xpath(".//table | .//p | .//div"))


def _span(cell, name: str) -> int:
    try:
        return max(1, int(str(cell.get(name, "1")).strip() or 1))
    except ValueError:
        return 1


def _table_blocks(table):
    """The table, then each table nested in its cells."""
    nested: list = []
    grid = []
    for tr in _rows_of(table):
        grid.append([(cell_text(td, nested), _span(td, "rowspan"), _span(td, "colspan"))
                     for td in tr.xpath("./td | ./th")])
    rows = rows_from_spans(spans_from_html_like(grid))
    if rows:
        cap = table.find("caption")
        if cap is not None:
            text = _WS.sub(" ", cap.text_content()).strip()
            if text:
                yield Paragraph(text)
        yield Table(rows)
    for t in nested:
        yield from _table_blocks(t)


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
