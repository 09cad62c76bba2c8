"""DOCX reader: body paragraphs and tables in document order, each merged cell read once.

Before python-docx sees the file: its size, the ZIP central directory (members, total and
per-member inflated size) and every XML part (no DTD/entity declarations) are checked, and the
tables' cells are counted against LIMITS.max_cells (see readers/safety.py).
"""
from __future__ import annotations

import functools
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table, Unparsable, named_list
from evalkit.readers.safety import CellBudget, check_file_size, check_package, not_a_package, reason
from evalkit.readers.embedded import ALT_CHUNK, OLE_OBJECT, Objects
from evalkit.readers.links import add_linked, hyperlinks
from evalkit.readers.pictures import METAFILE_TYPES, holds_pictures_only, metafiles, page_sized, with_pages_read
from evalkit.readers.symbols import glyph
from evalkit.readers.text import has_tab_rows
from evalkit.readers.xpath import xpath

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NS = (("w", W[1:-1]),)
# Run containers whose text is visible; bookmarks, comments and deleted text carry none.
_RUN_PATH = ("w:r | w:hyperlink | w:ins/w:r | w:moveTo/w:r | w:smartTag/w:r | w:fldSimple/w:r"
             " | w:customXml/w:r | w:sdt/w:sdtContent/w:r | w:sdt/w:sdtContent/w:hyperlink")
# a run's text-bearing children; a symbol-font glyph and a legacy check box field stand for ☑ or □ (symbols.py)
_RUN_INNER = "w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab | w:sym | w:fldChar/w:ffData/w:checkBox"
NOT_A_ZIP = "DOCX 文件已损坏（不是有效的 ZIP 包，可能下载不完整），请重新下载或用 Word 另存为 .docx 再导入"
LEGACY_DOC = "这是 Word 97-2003 格式（.doc）的文件，只是扩展名为 .docx；请用 Word 打开后另存为 .docx 再导入"
ENCRYPTED = "DOCX 文件已加密（设置了打开密码），无法读取；请在 Word 中取消密码后另存再导入"
NO_BODY = "DOCX 文件已损坏（压缩包里没有 Word 正文部件），请用 Word 打开后另存为 .docx 再导入"


def read_docx(path: Path, repair: bool = True) -> Document:
    """Read a .docx file into paragraphs and tables (nested tables follow their parent); a package whose
    parts python-docx gives up on is opened by LibreOffice instead (`repair`, office.repair)."""
    from docx.opc.exceptions import PackageNotFoundError

    started = time.monotonic()
    path = Path(path)
    check_file_size(path)
    _check_package(path)
    try:
        part = _main_part(path)
        body = part.element.body
    except PackageNotFoundError:
        raise ReadError(_not_a_package(path)) from None
    except (LimitExceeded, MemoryError, RecursionError):    # ingest says these itself: never a repair
        raise
    except Exception as e:  # noqa: BLE001  (KeyError, ValueError, lxml's XMLSyntaxError… from a damaged part)
        failure = Unparsable("DOCX", reason(e, path=path), "请用 Word 打开后另存为 .docx 再导入")
        if not repair:
            raise failure from None
        from evalkit.readers.office import repair as by_libreoffice
        return by_libreoffice(path, "docx", failure, started)
    budget = CellBudget("文档中表格的单元格", "请删除无关的表格后另存再导入")
    present = set()                        # one walk of the body: has it text boxes, embedded objects, chunks,
    unshown = []                           # placeholders, hidden or struck-through text?
    for el in body.iter(TEXT_BOX, OLE_OBJECT, ALT_CHUNK, SHOWING_PLACEHOLDER, VANISH, STRIKE, DSTRIKE, COLOR, *REVISION):
        if el.tag in (SHOWING_PLACEHOLDER, VANISH, STRIKE, DSTRIKE, COLOR):
            unshown.append(el)
        else:
            present.add(el.tag)
    revised = accept_revisions(body) if present & set(REVISION) else None
    hidden, struck, white = drop_unshown(unshown, shaded_table_styles(part)
                                         if any(f.tag == COLOR for f in unshown) else set())
    objects = Objects(part, budget=budget) if present & {OLE_OBJECT, ALT_CHUNK} else None
    boxes = TEXT_BOX in present
    doc = Document(source=str(path), format="docx", blocks=list(_blocks(body, budget, objects, boxes)),
                   hidden=([f"Word 隐藏文字 {hidden} 处"] if hidden else []) + ([f"Word 删除线文字 {struck} 处"] if struck else [])
                   + ([f"Word 白色文字 {white} 处"] if white else []))
    if revised is not None:
        revised.into(doc)
    doc.in_text_boxes = boxes and laid_out_in_boxes(body)
    doc.tab_rows = has_tab_rows(doc)
    if objects is not None:
        objects.into(doc)
    add_linked(doc, hyperlinks(part))     # 附件 on the writer's disk, a 网盘 share (readers/links.py)
    if holds_pictures_only(doc):              # no table and no prose: the report may be pictures of its pages
        pictures = page_pictures(part)
        if pictures:
            return with_pages_read(doc, pictures)
    else:                                     # read if the text gives nothing (pictures.when_text_gives_nothing)
        doc.more_pictures = functools.partial(page_pictures, part)
    if any(str(getattr(p, "content_type", "")) in METAFILE_TYPES for p in part.related_parts.values()):
        doc.drawings = functools.partial(drawings, part)
    return doc


_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_VML_IMAGE = "{urn:schemas-microsoft-com:vml}imagedata"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def page_pictures(part) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the pictures in the body, in their order, that are large enough to be a scanned
    page (DrawingML and VML pictures; each picture once)."""
    return page_sized(body_pictures(part))


def drawings(part) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the body's pictures that are Windows metafiles (a table pasted as EMF), in order."""
    return metafiles(body_pictures(part))


def body_pictures(part) -> list[tuple[str, bytes]]:
    """(part name, bytes) of the pictures in the body, in their order (DrawingML and VML pictures; each once)."""
    seen, found = set(), []
    for el in part.element.body.iter(_BLIP, _VML_IMAGE):
        rid = el.get(_R + "embed") if el.tag == _BLIP else el.get(_R + "id")
        target = part.related_parts.get(rid) if rid else None
        if target is None or rid in seen or not str(getattr(target, "content_type", "")).startswith("image/"):
            continue
        seen.add(rid)
        found.append((str(target.partname).lstrip("/"), target.blob))
    return found


# The main part's content type of a Word document, a macro-enabled one (.docm), a template (.dotx) and a
# macro-enabled template (.dotm): the same WordprocessingML. python-docx knows the first only and refuses the
# others ("is not a Word file"), even under a .docx name (what some systems write); their macros are never run.
WORD_MAIN_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                   "application/vnd.ms-word.document.macroEnabled.main+xml",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
                   "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")


def _part_class(content_type: str, reltype: str):
    """python-docx's part class for a part: a part of a Word document's content type that is not the package's
    main document (the DOCX an altChunk points to, a package itself) is kept as its bytes, not parsed as XML."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.part import Part
    if content_type in WORD_MAIN_TYPES and reltype != RT.OFFICE_DOCUMENT:
        return Part
    return None


def _main_part(path: Path):
    """The document part (python-docx's DocumentPart) of a Word package of any of WORD_MAIN_TYPES."""
    from docx.opc.part import PartFactory
    from docx.package import Package
    from docx.parts.document import DocumentPart
    for content_type in WORD_MAIN_TYPES:           # parts of these types are read as the document part
        PartFactory.part_type_for.setdefault(content_type, DocumentPart)
    PartFactory.part_class_selector = _part_class
    part = Package.open(str(path)).main_document_part
    if part.content_type not in WORD_MAIN_TYPES:
        raise ValueError(f"the main part is not WordprocessingML, content type is '{part.content_type}'")
    return part


def _check_package(path: Path) -> None:
    """The ZIP limits and the DTD scan, before python-docx inflates or parses anything."""
    if not zipfile.is_zipfile(path):
        raise ReadError(_not_a_package(path))
    check_package(path, "DOCX", NOT_A_ZIP, "请重新下载或用 Word 另存为 .docx 再导入")


def _not_a_package(path: Path) -> str:
    return not_a_package(path, ENCRYPTED, LEGACY_DOC) or (NO_BODY if zipfile.is_zipfile(path) else NOT_A_ZIP)


def _blocks(container, budget: CellBudget, objects: Objects | None = None, boxes: bool = False):
    """Yield Paragraph/Table blocks for a body-like element, descending into content controls; a paragraph's
    text boxes (`boxes`: the body has some) and embedded Excel worksheets (`objects`) follow its text."""
    for child in container.iterchildren():
        tag = child.tag
        if tag == W + "p":
            text = paragraph_text(child)
            if text.strip():
                yield Paragraph(text)
            if boxes:
                for box in text_boxes(child):
                    yield from _blocks(box, budget, objects, boxes)
            if objects is not None:
                yield from objects.blocks_in(child)
        elif tag == W + "tbl":
            yield from _table_blocks(child, budget, objects)
        elif tag == ALT_CHUNK and objects is not None:
            yield from objects.chunk_blocks(child)
        elif tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if tag == W + "sdt" else child
            if inner is not None:
                yield from _blocks(inner, budget, objects, boxes)


# Word's tracked changes (修订): runs inserted, deleted, moved; a table row inserted or deleted (w:trPr's w:ins, w:del)
INS, DEL, MOVE_FROM, MOVE_TO = W + "ins", W + "del", W + "moveFrom", W + "moveTo"
REVISION = (INS, DEL, MOVE_FROM, MOVE_TO)
_TEXT = (W + "t", W + "delText")


@dataclass
class Revisions:
    """A document's tracked changes, accepted as they were read: the texts deleted (or moved away) and the number of
    insertions with text."""
    deleted: list[str] = field(default_factory=list)
    inserted: int = 0

    def into(self, doc: Document) -> None:
        """A reading note saying the document was read with its changes accepted, and the deleted texts named in
        its hidden content (a reviewer judges them: the figures before the change)."""
        if not self.deleted and not self.inserted:
            return
        doc.notes.append(f"文档中有未接受的修订（插入 {self.inserted} 处、删除 {len(self.deleted)} 处），已按接受全部修订后的"
                         "内容读取（即 Word 的“无标记”视图）；请向报送单位确认修订已定稿")
        if self.deleted:
            shown = [t if len(t) <= 20 else t[:20] + "…" for t in self.deleted]
            doc.hidden.append(f"Word 修订中删除的文字 {len(self.deleted)} 处（{named_list(shown, 3)}）")


def accept_revisions(body) -> Revisions:
    """Word's tracked changes as if accepted (what Word shows with 修订 set to 无标记, and prints so): a table row
    marked deleted is taken out of the body (its cells would read as an empty row); deleted and moved-away runs are
    never read (_RUN_PATH leaves them); inserted and moved-to runs are. Returns what was changed, for the notes."""
    out = Revisions()

    def text(el) -> str:
        return "".join(t.text or "" for t in el.iter(*_TEXT)).strip()

    rows, whole = [], []                   # rows deleted (taken out once all marks are seen), rows changed whole
    for mark in list(body.iter(DEL, MOVE_FROM, INS)):
        pr = mark.getparent()
        if pr is None or any(r in whole for r in mark.iterancestors(W + "tr")):
            continue                       # inside a row deleted or inserted whole: one change, the row's
        if pr.tag == W + "trPr":
            whole.append(pr.getparent())
            if mark.tag == INS:
                out.inserted += 1
            else:
                rows.append(pr.getparent())
                if said := " ".join(filter(None, (text(tc) for tc in pr.getparent().iter(W + "tc")))):
                    out.deleted.append(said)
        elif pr.tag not in (W + "rPr", W + "pPr") and (said := text(mark)):   # not a paragraph mark's revision
            if mark.tag == INS:
                out.inserted += 1
            else:
                out.deleted.append(said)
    for row in rows:
        if row.getparent() is not None:
            row.getparent().remove(row)
    return out


SHOWING_PLACEHOLDER = W + "showingPlcHdr"
VANISH = W + "vanish"
STRIKE, DSTRIKE = W + "strike", W + "dstrike"      # text struck through: shown as deleted (95 struck, 97 after it)
_OFF = ("0", "false", "off")
COLOR, SHD, HIGHLIGHT = W + "color", W + "shd", W + "highlight"
_WHITE = ("ffffff", "white")
_NO_FILL = ("", "auto", "ffffff", "none", "clear")


def shaded_table_styles(part) -> set[str]:
    """The ids of the document's table styles that shade any part of a table (a dark header row under white text,
    as Word's built-in 网格表 styles do): white text in such a table may stand on that shading."""
    try:
        styles = part.styles.element if hasattr(part, "styles") else None
    except Exception:  # noqa: BLE001  (a damaged or missing styles part: no style shades)
        return set()
    if styles is None:
        return set()
    return {st.get(W + "styleId") for st in styles.iter(W + "style") if st.get(W + "type") == "table"
            and any((shd.get(W + "fill") or "").lower() not in _NO_FILL for shd in st.iter(SHD))}


def _white_on_white(color, run, shaded_styles: set[str] = frozenset()) -> bool:
    """A run coloured white (w:color FFFFFF, or the theme's background colour) with no dark fill under it (its own
    shading or highlight, its paragraph's, its cell's or its table's, directly or by a shading table style): text
    that prints as nothing."""
    val, theme = (color.get(W + "val") or "").lower(), (color.get(W + "themeColor") or "").lower()
    if val not in _WHITE and theme not in ("background1", "light1"):
        return False
    highlight = color.getparent().find(HIGHLIGHT)
    if highlight is not None and (highlight.get(W + "val") or "none") != "none":
        return False
    el = run
    while el is not None:
        pr = el.find(W + "rPr") if el.tag == W + "r" else el.find(W + "pPr") if el.tag == W + "p" \
            else el.find(W + "tcPr") if el.tag == W + "tc" else el.find(W + "tblPr") if el.tag == W + "tbl" else None
        shd = pr.find(SHD) if pr is not None else None
        if shd is not None and (shd.get(W + "fill") or "").lower() not in _NO_FILL:
            return False
        style = pr.find(W + "tblStyle") if pr is not None and el.tag == W + "tbl" else None
        if style is not None and style.get(W + "val") in shaded_styles:
            return False
        el = el.getparent()
    return True


def drop_unshown(flags: list, shaded_styles: set[str] = frozenset()) -> tuple[int, int, int]:
    """Remove the runs Word shows as no content: a content control still showing its placeholder (“单击或点击此处
    输入文字。”: nothing was filled in), hidden text (w:vanish: neither shown nor printed) and text struck through
    (w:strike, w:dstrike: shown as deleted, a corrected figure's old value) and white text on no fill (prints as
    nothing: a way to hide an old value); the numbers of hidden, of struck and of white runs that held text."""
    held = {VANISH: 0, STRIKE: 0, COLOR: 0}       # runs with text left out, by what left them out
    for flag in flags:
        pr = flag.getparent()
        owner = pr.getparent() if pr is not None else None
        if owner is None or (flag.tag != COLOR and flag.get(W + "val") in _OFF):
            continue
        if flag.tag == SHOWING_PLACEHOLDER and pr.tag == W + "sdtPr":
            content = owner.find(W + "sdtContent")
            for run in [] if content is None else list(content.iter(W + "r")):
                if run.getparent() is not None:
                    run.getparent().remove(run)
        elif flag.tag in held.keys() | {DSTRIKE} and pr.tag == W + "rPr" and owner.tag == W + "r" \
                and owner.getparent() is not None and (flag.tag != COLOR or _white_on_white(flag, owner, shaded_styles)):
            held[STRIKE if flag.tag == DSTRIKE else flag.tag] += bool("".join(owner.itertext()).strip())
            owner.getparent().remove(owner)
    return held[VANISH], held[STRIKE], held[COLOR]


TEXT_BOX = W + "txbxContent"
BOX_LAYOUT_MIN = 10        # text boxes holding text, at least, for a body laid out in boxes (a converter's page layout)
BOX_LAYOUT_SHARE = 0.5     # and at least this share of the body's characters in them


def laid_out_in_boxes(body) -> bool:
    """Whether the body's text stands mostly in text boxes placed on the page (a PDF-to-Word converter's “保留版式”:
    each cell's text a box of its own, the borders drawn shapes): read so, a table is a run of short paragraphs."""
    def chars(el) -> int:
        return sum(len((t.text or "").strip()) for t in el.iter(W + "t"))
    boxes = [n for n in (chars(b) for b in body.iter(TEXT_BOX)) if n]
    total = chars(body)          # (a box's text counts here too: the box is inside the body)
    return len(boxes) >= BOX_LAYOUT_MIN and sum(boxes) >= BOX_LAYOUT_SHARE * max(total, 1)


_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def text_boxes(p) -> list:
    """The text boxes anchored in a paragraph (their w:txbxContent), each once: Word writes a box twice, as a
    DrawingML shape (mc:Choice) and its VML copy (mc:Fallback); the copy is read only where there is no shape
    (older Word, WPS). A box inside a box is read with its outer box."""
    found = []
    for box in p.iter(TEXT_BOX):
        up = []
        for a in box.iterancestors():
            if a is p:
                break
            up.append(a.tag)
        if TEXT_BOX not in up:
            found.append((box, _FALLBACK in up))
    shapes = [box for box, copy in found if not copy]
    return shapes or [box for box, _ in found]


def paragraph_text(p) -> str:
    """Visible text of a w:p; w:br and w:tab come out as '\\n' and '\\t'."""
    return "".join(_run_text(r) for r in xpath(_RUN_PATH, _NS)(p))


def _run_text(el) -> str:
    """python-docx's CT_R.text / CT_Hyperlink.text (each child's str()), with the XPath compiled once."""
    if el.tag == W + "r":
        return "".join(_inner_text(e) for e in xpath(_RUN_INNER, _NS)(el))
    return "".join(_run_text(r) for r in el.iterchildren(W + "r"))


def _inner_text(e) -> str:
    if e.tag == W + "sym":                    # 插入符号: a Wingdings ☑ or □ of a choice list (□优 ☑良)
        return glyph(e.get(W + "font"), e.get(W + "char"))
    if e.tag == W + "checkBox":               # a legacy check box field (FORMCHECKBOX): Word draws it, no text
        return "☑" if _checked(e) else "□"
    return str(e)


def _checked(box) -> bool:
    """A check box field's state: w:checked (its w:val, on when left out), else its w:default."""
    for tag in ("checked", "default"):
        el = next(box.iterchildren(W + tag), None)
        if el is not None:
            return el.get(W + "val", "1" if tag == "checked" else "0") not in _OFF
    return False


def _vmerge(tc) -> str | None:
    """A cell's w:tcPr/w:vMerge/@w:val ('continue' when left out), None without w:vMerge: python-docx's
    CT_Tc.vMerge without its per-call lookups."""
    pr = next(tc.iterchildren(W + "tcPr"), None)
    vm = next(pr.iterchildren(W + "vMerge"), None) if pr is not None else None
    return None if vm is None else vm.get(W + "val", "continue")


def _table_blocks(tbl, budget: CellBudget, objects: Objects | None = None):
    """The table itself, then every table nested in its cells (depth first), then the objects its cells hold (a
    附件 list whose cells carry the files as icons)."""
    rows, nested, held = [], [], []
    for tr in _rows(tbl):
        row = []
        for tc in _cells(tr):
            texts = []
            for child in tc.iterchildren():
                if child.tag == W + "p":
                    texts.append(paragraph_text(child))
                    if objects is not None:
                        held.append(child)
                elif child.tag == W + "tbl":
                    nested.append(child)
                elif child.tag == W + "sdt":
                    inner = child.find(W + "sdtContent")
                    if inner is not None:
                        texts.extend(paragraph_text(p) for p in inner.iterchildren(W + "p"))
                        held += list(inner.iterchildren(W + "p")) if objects is not None else []
            merge = _vmerge(tc)
            continues = merge is not None and merge != "restart"
            row.append("" if continues else "\n".join(texts).strip("\n"))
        budget.take(len(row))
        rows.append(row)
    yield Table(rows)
    for child in nested:
        yield from _table_blocks(child, budget, objects)
    for p in held:
        yield from objects.blocks_in(p)


def _children(el, tag: str):
    """`tag` children of `el`, looking through content controls (w:sdt, w:customXml) that wrap them."""
    for child in el.iterchildren():
        if child.tag == W + tag:
            yield child
        elif child.tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, tag)


def _rows(tbl):
    return _children(tbl, "tr")


def _cells(tr):
    """Physical cells (w:tc) of a row, one each whatever its gridSpan."""
    return _children(tr, "tc")
