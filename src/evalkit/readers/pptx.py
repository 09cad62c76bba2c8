"""PowerPoint decks (.pptx and its slide-show, template and macro-enabled kin): the 自评表 a department pastes into
its 汇报 slides, read slide by slide (a slide is a page).

On each shown slide the shapes are read top to bottom, left to right (groups in place): a table's cells (each merged
cell once, as the model says), a text frame's paragraphs, an embedded Excel worksheet as the sheet it shows
(readers/embedded.py). Hidden slides and hidden shapes are not shown, so not read (named in `hidden`); speaker notes
and charts are not the report. A deck of pictures only (a scanned table pasted on slides) is read by OCR.
Before python-pptx sees the package: its size, the ZIP limits and the DTD scan (readers/safety.py), as for a DOCX.
"""
from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table, Unparsable
from evalkit.readers.docx import BOX_LAYOUT_MIN
from evalkit.readers.embedded import Objects
from evalkit.readers.links import add_linked, hyperlinks
from evalkit.readers.pictures import holds_pictures_only, metafiles, page_sized, with_pages_read
from evalkit.readers.safety import CellBudget, check_file_size, check_package, not_a_package, reason

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_SHAPES = {P + "sp", P + "grpSp", P + "graphicFrame", P + "cxnSp", P + "pic"}
# the main part of a deck, a macro-enabled one (.pptm), a slide show (.ppsx, .ppsm) and a template (.potx, .potm): the
# same PresentationML; python-pptx knows the first two only
PRESENTATION_TYPES = (
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml",
    "application/vnd.ms-powerpoint.presentationml.template.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.template.macroEnabled.main+xml")
NOT_A_ZIP = "PPTX 文件已损坏（不是有效的 ZIP 包，可能下载不完整），请重新下载或用 PowerPoint 另存为 .pptx 再导入"
LEGACY_PPT = "这是 PowerPoint 97-2003 格式（.ppt）的文件，只是扩展名为 .pptx；请用 PowerPoint 打开后另存为 .pptx 再导入"
ENCRYPTED = "PPTX 文件已加密（设置了打开密码），无法读取；请在 PowerPoint 中取消密码后另存再导入"
NO_DECK = "PPTX 文件已损坏（压缩包里没有演示文稿部件），请用 PowerPoint 打开后另存为 .pptx 再导入"
ROW_BAND = 228600            # EMU (1/4 inch): shapes whose tops differ by less stand on one line, read left to right
_TABLE_URI = "http://schemas.openxmlformats.org/drawingml/2006/table"
_OLE_URI = "http://schemas.openxmlformats.org/presentationml/2006/ole"
# graphic frames that are not the report's table, named in the reading notes so an auditor knows they were not read
_NOT_READ = {"http://schemas.openxmlformats.org/drawingml/2006/chart": "图表",
             "http://schemas.microsoft.com/office/drawing/2014/chartex": "图表",
             "http://schemas.openxmlformats.org/drawingml/2006/diagram": "SmartArt 图形"}


def read_pptx(path: Path, repair: bool = True) -> Document:
    """Read a deck into paragraphs and tables, slide by slide (`Paragraph.page`/`Table.page`: the slide's number); a
    package whose parts python-pptx gives up on is opened by LibreOffice instead (`repair`, office.repair)."""
    import time
    started = time.monotonic()
    path = Path(path)
    check_file_size(path)
    _check_package(path)
    budget = CellBudget("演示文稿中表格的单元格", "请删除无关的幻灯片后另存再导入")
    walk = _Walk(budget, Objects(None, app="PowerPoint", budget=budget))
    blocks = []
    try:
        slides = list(_presentation(path).slides)
        for n, slide in enumerate(slides, 1):
            walk.objects.part = slide.part
            if slide._element.get("show") in ("0", "false"):
                if _has_text(slide._element):
                    walk.hidden.append(f"隐藏的第{n}张幻灯片")
                continue
            walk.links += hyperlinks(slide.part)
            for shape in _in_reading_order(_members(slide.shapes)):
                blocks += _shape_blocks(shape, n, walk)
            if slide.has_notes_slide and (slide.notes_slide.notes_text_frame is not None
                                          and slide.notes_slide.notes_text_frame.text.strip()):
                walk.skipped.setdefault("演讲者备注", []).append(n)
    except (LimitExceeded, MemoryError, RecursionError):
        raise
    except Exception as e:  # noqa: BLE001  (KeyError, ValueError, lxml's XMLSyntaxError… from a damaged part)
        if isinstance(e, ValueError) and "not a PowerPoint file" in str(e):
            raise ReadError(NO_DECK) from None
        failure = Unparsable("PPTX", reason(e, path=path), "请用 PowerPoint 打开后另存为 .pptx 再导入")
        if not repair:
            raise failure from None
        from evalkit.readers.office import repair as by_libreoffice
        return by_libreoffice(path, "pptx", failure, started)
    hidden = walk.hidden + ([f"PowerPoint 删除线文字 {walk.struck} 处"] if walk.struck else [])
    doc = Document(source=str(path), format="pptx", blocks=blocks, pages=len(slides), hidden=hidden)
    doc.notes += [f"第 {'、'.join(map(str, sorted(set(pages))))} 页的{what}（{len(pages)} 处）未读取：不是自评表的内容"
                  for what, pages in walk.skipped.items()]
    walk.objects.into(doc)
    add_linked(doc, walk.links)     # a slide's hyperlinks to the 自评表 on the presenter's disk
    # a table drawn as text boxes and lines (a PDF page turned into shapes, a converter's PDF-to-PPT): no table, a
    # slide crowded with boxes; read as Impress lays the slides out when the text gives nothing (office.laid_out)
    doc.in_text_boxes = (not any(isinstance(b, Table) for b in blocks)
                         and max(walk.boxes.values(), default=0) >= BOX_LAYOUT_MIN)
    if holds_pictures_only(doc):          # no table and no prose: the report may be pictures of its pages
        if pictures := page_sized(walk.pictures):
            return with_pages_read(doc, pictures)
    elif walk.pictures:                   # sized and read if the text gives nothing (pictures.when_text_gives_nothing)
        doc.more_pictures = functools.partial(page_sized, walk.pictures)
    if walk.pictures:                     # a table pasted as a metafile: its drawn text, read if nothing else gives
        doc.drawings = functools.partial(metafiles, walk.pictures)
    return doc


def _presentation(path: Path):
    """python-pptx's Presentation of a package of any of PRESENTATION_TYPES."""
    from pptx.opc.package import PartFactory
    from pptx.package import Package
    from pptx.parts.presentation import PresentationPart
    for content_type in PRESENTATION_TYPES:
        PartFactory.part_type_for.setdefault(content_type, PresentationPart)
    part = Package.open(str(path)).main_document_part
    if part.content_type not in PRESENTATION_TYPES:
        raise ValueError(f"not a PowerPoint file, content type is '{part.content_type}'")
    return part.presentation


def _members(shapes) -> list:
    """The shapes of a slide or group as python-pptx wraps them, and those PowerPoint wraps in mc:AlternateContent (a
    text box holding an equation, ink), which python-pptx leaves out: its first mc:Choice holding shapes (what
    PowerPoint shows), else its mc:Fallback."""
    out = []
    for el in shapes._spTree.iterchildren():
        if el.tag == MC + "AlternateContent":
            branches = [b for b in el if b.tag in (MC + "Choice", MC + "Fallback")]
            shown = next((b for b in branches if any(c.tag in _SHAPES for c in b)), None)
            out += [shapes._shape_factory(c) for c in (shown if shown is not None else ()) if c.tag in _SHAPES]
        elif el.tag in _SHAPES:
            out.append(shapes._shape_factory(el))
    return out


def _in_reading_order(shapes) -> list:
    """Top to bottom in bands of ROW_BAND, then left to right; a shape whose place is unknown keeps its place in
    the shape tree after the placed ones."""
    def key(item):
        i, shape = item
        top, left = _place(shape)
        return (top is None, (top or 0) // ROW_BAND, left or 0, i)
    return [s for _, s in sorted(enumerate(shapes), key=key)]


def _place(shape) -> tuple[int | None, int | None]:
    try:
        return shape.top, shape.left          # a placeholder's is its layout's when the slide does not set it
    except Exception:  # noqa: BLE001  (a damaged transform, a placeholder whose layout is gone)
        return None, None


@dataclass
class _Walk:
    """What reading the slides gathers besides their blocks."""
    budget: CellBudget
    objects: Objects
    pictures: list = field(default_factory=list)     # (part name, bytes, slide) of every picture, for OCR
    hidden: list = field(default_factory=list)       # hidden slides and shapes with text
    struck: int = 0                                  # runs of struck-through text left out
    links: list = field(default_factory=list)        # the slides' hyperlinks to outside the deck (readers/links.py)
    skipped: dict = field(default_factory=dict)      # what is not read (图表, SmartArt 图形, 演讲者备注) -> its slides
    boxes: dict = field(default_factory=dict)        # slide -> its shapes holding text (a table drawn in boxes: many)


def _shape_blocks(shape, n: int, walk: _Walk) -> list:
    """The blocks one shape shows on slide `n` (a group: its shapes', in reading order); a picture goes to
    `walk.pictures`, a hidden shape with text to `walk.hidden`."""
    el = shape._element
    c_nv = next(el.iter(P + "cNvPr"), None)
    if c_nv is not None and c_nv.get("hidden") in ("1", "true"):
        if _has_text(el):
            walk.hidden.append(f"第{n}张幻灯片上隐藏的形状“{c_nv.get('name') or ''}”")
        return []
    tag = el.tag
    if tag == P + "grpSp":
        out = []
        for inner in _in_reading_order(_members(shape.shapes)):
            out += _shape_blocks(inner, n, walk)
        return out
    if tag == P + "graphicFrame":
        data = next(el.iter(A + "graphicData"), None)
        uri = data.get("uri") if data is not None else None
        if uri == _TABLE_URI:
            return [_table(tbl, n, walk) for tbl in data.iter(A + "tbl")]
        if uri == _OLE_URI:
            ole = next((o for o in data.iter(P + "oleObj") if o.get(_R + "id")), None)
            if ole is not None and walk.objects.linked(shape.part, ole.get(_R + "id"), ole.get("progId")):
                return []
            if ole is not None:
                ocr = len(walk.objects.ocr_pages)
                found = walk.objects.object_blocks(_target(shape.part, ole.get(_R + "id")), ole.get("progId"))
                for b in found:             # on its slide: an attached PDF's own pages are not the deck's
                    b.page = n
                    if isinstance(b, Table):
                        b.pages = b.cell_pages = None
                if len(walk.objects.ocr_pages) > ocr:
                    walk.objects.ocr_pages[ocr:] = [n]
                return found
        if uri in _NOT_READ:               # a chart, a diagram (SmartArt): not the report's table, noted
            walk.skipped.setdefault(_NOT_READ[uri], []).append(n)
        return []
    if tag == P + "pic":
        blip = next(el.iter(A + "blip"), None)
        target = _target(shape.part, blip.get(_R + "embed") if blip is not None else None)
        if target is not None and str(getattr(target, "content_type", "")).startswith("image/"):
            walk.pictures.append((str(target.partname).lstrip("/"), target.blob, n))
        return []
    body = next(el.iter(P + "txBody"), None)    # a text box, a placeholder, an autoshape with text
    if body is None:
        return []
    out = [Paragraph(text, page=n) for text in (_paragraph_text(p, walk) for p in body.iter(A + "p")) if text.strip()]
    if out:
        walk.boxes[n] = walk.boxes.get(n, 0) + 1
    return out


def _target(part, rid: str | None):
    """The part a relationship of `part` points to; None for no such relationship, or one pointing outside the
    package (a linked picture or object: not in the file, never fetched)."""
    try:
        return part.related_part(rid) if rid and rid in part.rels and not part.rels[rid].is_external else None
    except (KeyError, ValueError):
        return None


def _table(tbl, n: int, walk: _Walk) -> Table:
    """A DrawingML table: a horizontally merged cell once, a vertically merged one empty below its first row."""
    rows = []
    for tr in tbl.iter(A + "tr"):
        row = []
        for tc in tr.iter(A + "tc"):
            if tc.get("hMerge") in ("1", "true"):
                continue
            row.append("" if tc.get("vMerge") in ("1", "true") else
                       "\n".join(_paragraph_text(p, walk) for p in tc.iter(A + "p")).strip())
        walk.budget.take(len(row), f"（第{n}张幻灯片）")
        rows.append(row)
    return Table(rows, page=n)


def _paragraph_text(p, walk: _Walk) -> str:
    """A DrawingML paragraph's text as shown: runs and fields (a date, a slide number) in order, a line break as
    '\\n'; a run struck through (删除线: a figure crossed out and typed again beside it) is left out and counted, as
    Word's is."""
    parts = []
    for child in p:
        if child.tag in (A + "r", A + "fld"):
            t = child.find(A + "t")
            pr = child.find(A + "rPr")
            if pr is not None and pr.get("strike") in ("sngStrike", "dblStrike") and t is not None and (t.text or "").strip():
                walk.struck += 1
                continue
            parts.append(t.text or "" if t is not None else "")
        elif child.tag == A + "br":
            parts.append("\n")
    return "".join(parts)


def _has_text(el) -> bool:
    return any((t.text or "").strip() for t in el.iter(A + "t"))


def _check_package(path: Path) -> None:
    """The ZIP limits and the DTD scan, before python-pptx inflates or parses anything."""
    if not zipfile.is_zipfile(path):
        raise ReadError(not_a_package(path, ENCRYPTED, LEGACY_PPT) or NOT_A_ZIP)
    check_package(path, "PPTX", NOT_A_ZIP, "请重新下载或用 PowerPoint 另存为 .pptx 再导入")
