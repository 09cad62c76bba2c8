"""OFD reader (GB/T 33190, China's fixed-layout format): each page's text, rulings and images are drawn,
where the OFD places them, into a PDF that the PDF reader then reads.

OFD is a ZIP of XML parts: OFD.xml names the document, Document.xml its pages, templates and resources,
each page's Content.xml its layers of text objects (TextCode: a baseline origin and the gaps between
glyphs), path objects (AbbreviatedData: M/L/B/Q/A/C in millimetres), images and composite units, each
placed by its Boundary and CTM. Nothing is rasterised: every glyph lands in the PDF as the character the
OFD names, at its position, so the PDF reader's ruled-table finding, page stitching and furniture
rules apply unchanged, and a scanned OFD (a page that is an image) is OCR'd like a scanned PDF.

Glyphs are written in Adobe's STSong-Light CID font (no font file: PDF viewers and pdfminer know it),
each as the code pdfminer reads back as that character. A character the font's encoding cannot carry
(⑪, anything outside GBK or the BMP) is written as a stand-in, a CJK radical no report uses, and put
back in the Document's text after the PDF reader is done; only past STAND_INS distinct such characters
(or a stand-in the document itself uses) is one written as □ and named in a warning.

Safety: the package passes the ZIP checks (members, sizes, ratios) and no XML part may declare a DTD;
pages are counted against LIMITS.max_pages before any is drawn, objects and glyphs per page against the
PDF limits, composite units nest at most MAX_NESTING deep, and an image is checked for its pixel count
before it is decoded.
"""
from __future__ import annotations

import io
import math
import posixpath
import re
import shutil
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from evalkit.model import Document, LimitExceeded, Paragraph, ReadError
from evalkit.readers.pdf import GARBLED_SHARE
from evalkit.readers.safety import (UNZIP_ERRORS, check_file_size, check_no_dtd, check_pixels, limits, open_zip,
                                    read_member, reason, too_big)

MM = 72 / 25.4                 # PDF points per millimetre
FONT = "STSong-Light"          # Adobe's standard Chinese CID font: every GBK character, no font file
UNREADABLE = "□"               # what a character neither the font nor a stand-in can carry becomes
MAX_NESTING = 16               # composite units and page blocks inside each other
DEFAULT_LINE_WIDTH = 0.353     # mm: GB/T 33190's default LineWidth
MAX_REPEAT = 100_000           # a DeltaX "g N v" repeat counted at most this far
NOT_A_ZIP = "OFD 文件已损坏（不是有效的 ZIP 包，可能下载不完整），请重新下载，或用 OFD 阅读器另存后再导入"
ADVICE = "请用 OFD 阅读器（如数科 OFD、福昕 OFD）打开后另存，或导出为 PDF 再导入"

Affine = tuple[float, float, float, float, float, float]
IDENTITY: Affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[SMLQBAC]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


# stand-ins for characters the font cannot carry: CJK Radicals Supplement and ideographic description
# characters (no report writes them; ⺟ and ⻳ left out, NFKC folds them into 母 and 龟)
STAND_INS = "".join(chr(c) for c in [*range(0x2E80, 0x2EF4), *range(0x2FF0, 0x2FFC)] if chr(c) not in "⺟⻳⺚")


@dataclass
class Stats:
    """What the drawing met that the PDF cannot show as the OFD meant it: for the Document's warnings."""
    unreadable: dict[str, int] = field(default_factory=dict)   # character -> times written as □
    images_lost: dict[int, str] = field(default_factory=dict)  # page -> why an image was not drawn
    stand_in: dict[str, str] = field(default_factory=dict)     # character -> the stand-in written for it
    used: set[str] = field(default_factory=set)                # stand-in characters the document itself holds
    glyphs: int = 0
    images: int = 0
    unmapped: int = 0          # glyphs whose TextCode is U+FFFD or private-use: the producer lost the characters
    damaged: dict[str, int] = field(default_factory=dict)     # part -> XML errors recovered from (Package.damaged)
    attachments: list = field(default_factory=list)            # (name, suffix) of the files attached (Attachments.xml)

    def code(self, ch: str) -> str:
        """The code to write for `ch`: its own, a stand-in, or □ (counted) when the stand-ins have run out."""
        if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff":
            self.unmapped += 1
        code = code_for(ch)
        if code is not None:
            if ch in STAND_INS:
                self.used.add(ch)
            return code
        if ch not in self.stand_in:
            free = next((c for c in STAND_INS if c not in self.used and c not in self.stand_in.values()), None)
            if free is None:
                self.unreadable[ch] = self.unreadable.get(ch, 0) + 1
                return UNREADABLE
            self.stand_in[ch] = free
        return self.stand_in[ch]

    def restore(self, doc: Document) -> None:
        """Put the characters back for their stand-ins in the Document's text; a stand-in the document also holds
        itself cannot be told apart from the character it stands for: both become □ and are named."""
        back = {}
        for ch, sub in self.stand_in.items():
            if sub in self.used:
                for c in (ch, sub):
                    self.unreadable[c] = self.unreadable.get(c, 0) + 1
                back[ord(sub)] = UNREADABLE
            else:
                back[ord(sub)] = ch
        if not back:
            return
        for b in doc.blocks:
            if isinstance(b, Paragraph):
                b.text = b.text.translate(back)
            else:
                b.rows = [[cell.translate(back) for cell in row] for row in b.rows]


def read_ofd(path: Path) -> Document:
    """Read an .ofd file: its pages drawn into a temporary PDF (text, rulings, images) read by the PDF reader."""
    from evalkit.readers.pdf import read_drawn

    path = Path(path)
    tmp = tempfile.mkdtemp(prefix="evalkit-ofd-")
    try:
        pdf_path = Path(tmp) / "ofd.pdf"
        stats, n_pages = to_pdf(path, pdf_path)
        doc = read_drawn(pdf_path, "OFD")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    doc.source, doc.format = str(path), "ofd"
    stats.restore(doc)
    doc.warnings[:0] = _warnings(stats)
    if stats.attachments:
        from evalkit.readers.embedded import attached_reports, attachment_note
        warnings, notes = attachment_note(stats.attachments, "OFD", "OFD 的页面上")
        doc.warnings += warnings
        doc.notes += notes
        doc.attached = attached_reports(stats.attachments)
    return doc


def to_pdf(path: Path, out: Path) -> tuple[Stats, int]:
    """Draw the OFD at `path` into the PDF `out`: (what was met, number of pages). The same drawing the reader
    reads, so a finding's page and box (loc_page, loc_bbox) stand on `out` where they stood for the reader
    (`evalkit annotate` marks them there). ReadError when there is nothing to read."""
    check_file_size(path, advice="正常的自评报告远小于此，请只导出自评表所在的页面后再导入")
    zf = open_zip(path, "OFD", NOT_A_ZIP)
    try:
        check_no_dtd(zf, "OFD")
        package = Package(zf)
        stats, n_pages = draw_pdf(package, out)
        stats.damaged = dict(package.damaged)
    except (ReadError, LimitExceeded, MemoryError, RecursionError):
        raise
    except UNZIP_ERRORS as e:
        raise ReadError(f"OFD 文件已损坏（压缩包内容无法解压：{reason(e, path=path)}），{ADVICE}") from None
    finally:
        zf.close()
    if stats.glyphs == 0 and stats.images == 0:
        lost = "；".join(f"第 {p} 页：{why}" for p, why in sorted(stats.images_lost.items()))
        raise ReadError(f"OFD 的全部 {n_pages} 页都没有文字" + (f"，图像也无法读取（{lost}）" if lost else "")
                        + f"，无法读取表格；{ADVICE}")
    if stats.glyphs and stats.unmapped / stats.glyphs > GARBLED_SHARE:
        # the PDF reader would not see it: stand-ins carry these characters past its own check
        raise ReadError(f"OFD 的文字是乱码：{round(100 * stats.unmapped / stats.glyphs)}% 的字符是无法映射的字形"
                        "（U+FFFD/私用区字符，生成软件未保留文字），无法读取；请提供 Word 原件，或用原软件重新导出的 OFD 或 PDF")
    return stats, n_pages


def _warnings(stats: Stats) -> list[str]:
    out = []
    if stats.unreadable:
        n = sum(stats.unreadable.values())
        shown = "、".join(sorted(stats.unreadable)[:10]) + ("等" if len(stats.unreadable) > 10 else "")
        out.append(f"OFD 中有 {n} 个字符（{shown}）无法按原样读取，已记为 {UNREADABLE}；请对照原件核对含 {UNREADABLE} 的文字")
    if stats.damaged:
        parts = "、".join(f"{name}（{n} 处）" for name, n in sorted(stats.damaged.items())[:5])
        out.append(f"OFD 文件的 XML 有错误（{parts}；文件可能已损坏），已尽量读取，出错处之后的内容可能缺失；请对照原件核对")
    for page, why in sorted(stats.images_lost.items()):
        out.append(f"OFD 第 {page} 页的图像无法读取（{why}），其中的内容（如扫描的表格）未读取")
    return out


# ------------------------------------------------------------------ the package

def _local(tag) -> str:
    """An element's name without its namespace, or its prefix where a producer left the prefix undeclared
    (lxml keeps "ofd:Page" then); '' for comments and processing instructions."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] if isinstance(tag, str) else ""


def children(el, name: str):
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def child(el, name: str):
    for c in (el if el is not None else ()):
        if _local(c.tag) == name:
            return c
    return None


def child_text(el, name: str) -> str:
    c = child(el, name)
    return (c.text or "").strip() if c is not None else ""


class Package:
    """The OFD's ZIP members found by the paths its parts give (absolute, relative, any case, '\\')."""

    def __init__(self, zf: zipfile.ZipFile):
        from evalkit.archives import member_name      # a GBK name (no UTF-8 flag) as the XML spells it

        self.zf = zf
        self.names = {self._key(member_name(i)): i.filename for i in zf.infolist() if not i.is_dir()}
        self.damaged: dict[str, int] = {}    # part -> XML errors the parser recovered from (an undeclared prefix aside)

    @staticmethod
    def _key(name: str) -> str:
        return posixpath.normpath("/" + name.replace("\\", "/")).lstrip("/").casefold()

    def resolve(self, base: str, loc: str) -> str | None:
        """The member a location names: from the package root when it starts with '/', else from `base`'s folder
        (a producer that wrote it from the root without the slash is found too)."""
        loc = (loc or "").strip().replace("\\", "/")
        if not loc:
            return None
        tried = [loc] if loc.startswith("/") else [posixpath.join(posixpath.dirname(base), loc), loc]
        for t in tried:
            name = self.names.get(self._key(t))
            if name is not None:
                return name
        return None

    def xml(self, name: str):
        """A part parsed without entities, network or DTD (check_no_dtd refused those already)."""
        from lxml import etree

        data = read_member(self.zf, name)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 recover=True, remove_comments=True, remove_pis=True)
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as e:
            raise ReadError(f"OFD 文件的 {name} 不是有效的 XML（{reason(e)}），{ADVICE}") from None
        if root is None:
            raise ReadError(f"OFD 文件的 {name} 是空的或不是 XML，{ADVICE}")
        errors = sum(1 for e in parser.error_log if e.domain_name != "NAMESPACE" and e.level >= etree.ErrorLevels.ERROR)
        if errors:
            self.damaged[name] = errors
        return root

    def data(self, name: str) -> bytes:
        return read_member(self.zf, name)


@dataclass
class Resources:
    """What pages refer to by ID: drawing parameters, images, composite units."""
    draw_params: dict[str, object] = field(default_factory=dict)
    media: dict[str, tuple[str, str]] = field(default_factory=dict)       # ID -> (member, format)
    units: dict[str, object] = field(default_factory=dict)                # ID -> CompositeGraphicUnit element

    def load(self, package: Package, name: str) -> None:
        root = package.xml(name)
        base_dir = (root.get("BaseLoc") or "").strip()
        for el in root.iter():
            tag = _local(el.tag)
            rid = (el.get("ID") or "").strip()
            if not rid:
                continue
            if tag == "DrawParam":
                self.draw_params.setdefault(rid, el)
            elif tag == "CompositeGraphicUnit":
                self.units.setdefault(rid, el)
            elif tag == "MultiMedia":
                file = child_text(el, "MediaFile")
                member = (package.resolve(name, posixpath.join(base_dir, file)) if base_dir and not file.startswith("/")
                          else None) or package.resolve(name, file)
                if member:
                    self.media.setdefault(rid, (member, (el.get("Format") or el.get("Type") or "").strip()))


@dataclass
class PageRef:
    number: int
    member: str | None
    box: tuple[float, float, float, float]


@dataclass
class Body:
    """One document of the OFD: its pages, templates and resources."""
    pages: list[PageRef]
    templates: dict[str, str]          # TemplatePage ID -> member
    resources: Resources
    parsed: dict[str, object] = field(default_factory=dict)   # template member -> its parsed XML (once per file)
    attachments: list = field(default_factory=list)           # (name, suffix) of the files attached to it


def _documents(package: Package) -> list[Body]:
    """OFD.xml -> each DocBody's Document.xml (an OFD may bundle several: a report and its annexes), in order:
    pages, templates, public and document resources. Pages are numbered on through the documents."""
    entry = package.resolve("", "OFD.xml")
    if entry is None:
        raise ReadError(f"OFD 文件已损坏（压缩包里没有 OFD.xml 入口文件），{ADVICE}")
    root = package.xml(entry)
    bodies, first = [], 1
    for body in children(root, "DocBody") or [None]:
        bodies.append(_document(package, entry, body, first))
        first += len(bodies[-1].pages)
        if first - 1 > limits().max_pages:
            raise LimitExceeded(f"OFD 共 {first - 1:,} 页以上，超过上限 {limits().max_pages:,} 页；"
                                "请只导出自评报告所在的页面后再导入")
    return bodies


def _document(package: Package, entry: str, body, first: int) -> Body:
    doc_name = package.resolve(entry, child_text(body, "DocRoot"))
    if doc_name is None:
        raise ReadError(f"OFD 文件已损坏（OFD.xml 指向的文档 {child_text(body, 'DocRoot') or '（未填写）'} 不在压缩包中），{ADVICE}")
    doc = package.xml(doc_name)
    common = child(doc, "CommonData")
    default_box = _box(child_text(child(common, "PageArea"), "PhysicalBox")) or (0.0, 0.0, 210.0, 297.0)
    resources = Resources()
    for tag in ("PublicRes", "DocumentRes"):
        for el in children(common, tag):
            name = package.resolve(doc_name, el.text or "")
            if name:
                resources.load(package, name)
    templates = {}
    for el in children(common, "TemplatePage"):
        name = package.resolve(doc_name, el.get("BaseLoc") or "")
        if name:
            templates[(el.get("ID") or "").strip()] = name
    refs = [el for el in child(doc, "Pages") if _local(el.tag) == "Page"] if child(doc, "Pages") is not None else []
    lim = limits().max_pages
    if len(refs) > lim:
        raise LimitExceeded(f"OFD 共 {len(refs):,} 页，超过上限 {lim:,} 页；请只导出自评报告所在的页面后再导入")
    if not refs:
        raise ReadError(f"OFD 文件中没有页面（{doc_name} 的页面列表是空的），{ADVICE}")
    pages = [PageRef(i, package.resolve(doc_name, el.get("BaseLoc") or ""), default_box)
             for i, el in enumerate(refs, first)]
    return Body(pages, templates, resources, attachments=_attachments(package, doc_name, doc))


def _attachments(package: Package, doc_name: str, doc) -> list[tuple[str, str]]:
    """(name, suffix) of the files the document's Attachments.xml lists (an 电子公文's 附件 kept as files): named
    in the reading notes (embedded.attachment_note); ingest reads each as a report of its own (attached_data)."""
    return [(name, suffix) for name, suffix, _ in _attachment_list(package, doc_name, doc)]


def _attachment_list(package: Package, doc_name: str, doc) -> list[tuple[str, str, str | None]]:
    """_attachments, each with the package member holding it (None: the list names a file not in the package); a
    list that cannot be read names nothing."""
    listed = package.resolve(doc_name, child_text(doc, "Attachments"))
    if not child_text(doc, "Attachments") or listed is None:
        return []
    try:
        root = package.xml(listed)
    except ReadError:
        return []
    out = []
    for el in children(root, "Attachment"):
        loc = child_text(el, "FileLoc")
        name = (el.get("Name") or "").strip() or Path(loc.replace("\\", "/")).name or f"附件{len(out) + 1}"
        fmt = (el.get("Format") or "").strip().lower().lstrip(".")
        suffix = Path(name).suffix.lower() or (f".{fmt}" if fmt else Path(loc).suffix.lower())
        out.append((name if Path(name).suffix else name + suffix, suffix, package.resolve(listed, loc)))
    return out


def may_have_attachments(path: Path) -> bool:
    """Whether the OFD package holds an attachment list (a member named Attachments.xml, where GB/T 33190 writers
    put it): its zip directory's bytes only (safety.member_names), so discovery asks it of every OFD."""
    from evalkit.readers.safety import member_names
    return any(n.replace("\\", "/").rsplit("/", 1)[-1].casefold() == "attachments.xml" for n in member_names(path) or ())


def attached_data(path: Path) -> list[tuple[str, bytes | None, str | None]]:
    """(name, bytes, problem) of each file the OFD's documents attach (Attachments.xml), each under the unzip
    bound; a file the list names but the package lacks has its problem (Chinese) instead of bytes. Raises ReadError
    for a package that cannot be opened (the OFD's own read says that)."""
    check_file_size(path, advice="正常的自评报告远小于此，请只导出自评表所在的页面后再导入")
    zf = open_zip(path, "OFD", NOT_A_ZIP)
    out: list[tuple[str, bytes | None, str | None]] = []
    try:
        check_no_dtd(zf, "OFD")
        package = Package(zf)
        entry = package.resolve("", "OFD.xml")
        if entry is None:
            return []
        for body in children(package.xml(entry), "DocBody"):
            doc_name = package.resolve(entry, child_text(body, "DocRoot"))
            if doc_name is None:
                continue
            for name, _, member in _attachment_list(package, doc_name, package.xml(doc_name)):
                if member is None:
                    out.append((name, None, "OFD 的附件清单列出了这个文件，但 OFD 包中没有它，未读取"))
                    continue
                try:
                    out.append((name, package.data(member), None))
                except ReadError as e:
                    out.append((name, None, str(e)))
                except UNZIP_ERRORS as e:
                    out.append((name, None, f"OFD 包中的附件无法解压（{reason(e, path=path)}），未读取"))
    finally:
        zf.close()
    return out


# ------------------------------------------------------------------ numbers and transforms

def _numbers(text: str | None, n: int | None = None) -> list[float] | None:
    """The finite numbers of an attribute; None when fewer than `n` (or a non-finite one among the first `n`)."""
    values = [float(v) for v in _NUMBER.findall(text or "")]
    if n is not None:
        if len(values) < n:
            return None
        values = values[:n]
    return values if all(math.isfinite(v) for v in values) else None


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    v = _numbers(text, 4)
    return None if v is None else (v[0], v[1], v[2], v[3])


def _float(text: str | None, default: float) -> float:
    v = _numbers(text, 1)
    return v[0] if v else default


def compose(outer: Affine, inner: Affine) -> Affine:
    """`inner` first, then `outer` (row-vector convention of PDF and OFD: x' = a x + c y + e)."""
    A, B, C, D, E, F = outer
    a, b, c, d, e, f = inner
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Affine, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def placement(el) -> Affine:
    """An object's space into its parent's: its CTM, then the move to its Boundary's origin."""
    box = _box(el.get("Boundary")) or (0.0, 0.0, 0.0, 0.0)
    ctm = _numbers(el.get("CTM"), 6)
    a, b, c, d, e, f = ctm if ctm else IDENTITY
    return (a, b, c, d, e + box[0], f + box[1])


def deltas(text: str | None, limit: int) -> list[float | None]:
    """A DeltaX/DeltaY list with "g N v" (N times v) expanded, at most `limit` values (None: not given)."""
    out: list[float | None] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens) and len(out) < limit:
        if tokens[i] == "g" and i + 2 < len(tokens):
            count, value = _numbers(tokens[i + 1], 1), _numbers(tokens[i + 2], 1)
            if count and value:
                out += [value[0]] * int(min(max(count[0], 0), MAX_REPEAT, limit - len(out)))
            i += 3
            continue
        v = _numbers(tokens[i], 1)
        out.append(v[0] if v else None)
        i += 1
    return out


# ------------------------------------------------------------------ characters

@lru_cache(maxsize=None)
def _font_codes() -> tuple[object, object]:
    from pdfminer.cmapdb import CMapDB
    return CMapDB.get_cmap("UniGB-UCS2-H"), CMapDB.get_unicode_map("Adobe-GB1", vertical=False)


def _read_back(code: str) -> str | None:
    """What pdfminer reads for `code` written in the font: its CID by the encoding, then the CID's character."""
    enc, uni = _font_codes()
    cids = list(enc.decode(code.encode("utf-16-be", "surrogatepass")))
    if len(cids) != 1:
        return None
    try:
        return uni.get_unichr(cids[0])
    except KeyError:
        return None


@lru_cache(maxsize=None)
def _reverse() -> dict[str, str]:
    """Character -> the code that reads back as it, for characters whose own code reads back as another
    (U+00B7 '·' is written as U+30FB); built once, on the first such character."""
    out: dict[str, str] = {}
    for cp in range(0x20, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        back = _read_back(chr(cp))
        if back and back != chr(cp):
            out.setdefault(back, chr(cp))
    return out


@lru_cache(maxsize=8192)
def code_for(ch: str) -> str | None:
    """The code to write so that the PDF reader reads `ch`; None when the font cannot carry it."""
    if ch in ("\u00a0", "\t", "\u2002", "\u2003", "\u2009"):
        return " "
    if len(ch) == 1 and ord(ch) < 0x10000 and _read_back(ch) == ch:
        return ch
    return _reverse().get(ch)


# ------------------------------------------------------------------ drawing

class PageDrawer:
    """Draws one OFD page's objects on a reportlab canvas, page millimetres (y down) into PDF points (y up)."""

    def __init__(self, canvas, package: Package, res: Resources, number: int, box, stats: Stats):
        self.c, self.package, self.res, self.number, self.stats = canvas, package, res, number, stats
        x0, y0, w, h = box
        self.page: Affine = (MM, 0.0, 0.0, -MM, -x0 * MM, (h + y0) * MM)   # OFD page mm -> PDF points
        self.objects = self.glyphs = 0
        self._text = None                      # the text object being drawn (reportlab's PDFTextObject)
        lim = limits()
        self.max_objects, self.max_glyphs = lim.max_pdf_page_objects, lim.max_pdf_page_chars

    def layers(self, root) -> None:
        content = child(root, "Content")
        for layer in children(content, "Layer"):
            self.walk(list(layer), IDENTITY, 0)

    def walk(self, elements, m: Affine, depth: int) -> None:
        for el in elements:
            tag = _local(el.tag)
            if not tag:
                continue
            self.objects += 1
            if self.objects > self.max_objects:
                raise LimitExceeded(f"OFD 第 {self.number} 页的图形对象超过 {self.max_objects:,} 个（疑似恶意构造的文件）；"
                                    f"{ADVICE}")
            if tag == "TextObject":
                self.text(el, compose(m, placement(el)))
            elif tag == "PathObject":
                self.path(el, compose(m, placement(el)))
            elif tag == "ImageObject":
                self.image(el, compose(m, placement(el)))
            elif depth >= MAX_NESTING:
                continue
            elif tag == "PageBlock":
                self.walk(list(el), m, depth + 1)
            elif tag == "CompositeObject":
                content = child(self.res.units.get((el.get("ResourceID") or "").strip()), "Content")
                if content is not None:
                    self.walk(list(content), compose(m, placement(el)), depth + 1)

    # text ---------------------------------------------------------------
    def text(self, el, m: Affine) -> None:
        size = _float(el.get("Size"), 0.0)
        if size <= 0:
            return
        hscale = _float(el.get("HScale"), 1.0) or 1.0
        # glyph space (y up, one unit = the font size) into page points: the object's transform, y flipped
        full = compose(self.page, m)
        x = y = 0.0
        self._text = None                      # one BT…ET for the object's glyphs, begun at the first
        for code in children(el, "TextCode"):
            raw = code.text or ""
            chars = [ch for ch in raw if unicodedata.category(ch) != "Cc" or ch == "\t"]
            x = _float(code.get("X"), x)
            y = _float(code.get("Y"), y)
            if not chars:
                continue
            dx = deltas(code.get("DeltaX"), len(chars) - 1)
            dy = deltas(code.get("DeltaY"), len(chars) - 1)
            for i, ch in enumerate(chars):
                given = dx[i] if i < len(dx) else None
                if not ch.isspace():
                    self._glyph(ch, full, x, y, size, hscale, given)
                x += given if given is not None else _advance(ch, size)
                y += dy[i] if i < len(dy) and dy[i] is not None else 0.0
        if self._text is not None:
            self.c.drawText(self._text)

    def _glyph(self, ch: str, full: Affine, x: float, y: float, size: float, hscale: float, step: float | None) -> None:
        """One character at its origin; its width stretched to `step` (the OFD's gap to the next one) so that the
        PDF reader sees the spacing the OFD's font had, not STSong's (a digit there is narrower: '2022 年')."""
        self.glyphs += 1
        if self.glyphs > self.max_glyphs:
            raise LimitExceeded(f"OFD 第 {self.number} 页的字符超过 {self.max_glyphs:,} 个（疑似恶意构造的文件）；{ADVICE}")
        code = self.stats.code(ch)
        a, b, c, d, _, _ = full
        ex, ey = apply(full, x, y)
        natural = _width(code)
        stretch = hscale
        if step is not None and natural > 0 and size > 0 and 0.3 <= step / (size * natural) <= 3:
            stretch = step / (size * natural)
        matrix = (a * size * stretch, b * size * stretch, -c * size, -d * size, ex, ey)
        if not all(_drawable(v) for v in matrix) or abs(matrix[0] * matrix[3] - matrix[1] * matrix[2]) < 1e-9:
            return
        if self._text is None:
            self._text = self.c.beginText()
            self._text.setFont(FONT, 1)
        self._text.setTextTransform(*matrix)
        self._text.textOut(code)
        self.stats.glyphs += 1

    # paths ---------------------------------------------------------------
    def _param(self, el, attr: str, child_name: str | None = None):
        """An attribute or child of the object, else of its DrawParam chain (Relative), else None."""
        seen = set()
        node = el
        while node is not None:
            if child_name:
                found = child(node, child_name)
                if found is not None:
                    return found
            elif node.get(attr) is not None:
                return node.get(attr)
            ref = (node.get("DrawParam") if node is el else node.get("Relative")) or ""
            ref = ref.strip()
            if not ref or ref in seen:
                return None
            seen.add(ref)
            node = self.res.draw_params.get(ref)
        return None

    def path(self, el, m: Affine) -> None:
        if (el.get("Visible") or "").strip().lower() == "false":
            return
        stroke = (el.get("Stroke") or "true").strip().lower() != "false"
        fill = (el.get("Fill") or "false").strip().lower() == "true"
        if not (stroke or fill):
            return
        full = compose(self.page, m)
        segments = _path_segments(child_text(el, "AbbreviatedData"))
        if not segments:
            return
        c = self.c
        width = _float(self._param(el, "LineWidth"), DEFAULT_LINE_WIDTH)
        scale = math.sqrt(abs(full[0] * full[3] - full[1] * full[2])) or MM
        points = [apply(full, pts[i], pts[i + 1]) for _, pts in segments for i in range(0, len(pts), 2)]
        if not all(_drawable(v) for xy in points for v in xy):
            return                                   # a path placed at infinity (a damaged number): nothing to see
        c.setLineWidth(min(max(width * scale, 0.0), FAR) if math.isfinite(width * scale) else DEFAULT_LINE_WIDTH * MM)
        _set_color(c, self._param(el, "", "StrokeColor"), stroke=True)
        _set_color(c, self._param(el, "", "FillColor"), stroke=False)
        p = c.beginPath()
        for op, pts in segments:
            xy = [apply(full, pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]
            if op == "M":
                p.moveTo(*xy[0])
            elif op == "L":
                p.lineTo(*xy[0])
            elif op == "B":
                p.curveTo(*xy[0], *xy[1], *xy[2])
            elif op == "C":
                p.close()
        c.drawPath(p, stroke=1 if stroke else 0, fill=1 if fill else 0)

    # images ---------------------------------------------------------------
    def image(self, el, m: Affine) -> None:
        from PIL import Image

        rid = (el.get("ResourceID") or "").strip()
        found = self.res.media.get(rid)
        if found is None:
            self.stats.images_lost.setdefault(self.number, f"资源 {rid or '（未填写）'} 不在文件中")
            return
        member, fmt = found
        try:
            data = self.package.data(member)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im = Image.open(io.BytesIO(data))
            with im:
                check_pixels(im.size)
                im.load()
                picture = im.convert("RGB") if im.mode not in ("1", "L", "RGB") else im.copy()
        except LimitExceeded:
            raise
        except Image.DecompressionBombError:
            raise LimitExceeded(too_big(None)) from None
        except Image.UnidentifiedImageError:
            self.stats.images_lost.setdefault(self.number, f"{fmt or '未知'}格式，无法识别的图像数据")
            return
        except Exception as e:  # noqa: BLE001  (PIL: truncated or damaged data)
            self.stats.images_lost.setdefault(self.number, f"{fmt or '未知'}格式，{reason(e)}")
            return
        from reportlab.lib.utils import ImageReader

        full = compose(self.page, m)
        # the image fills the object's unit square, its first row at y = 0 (OFD) = the square's top
        a, b, c, d, e, f = compose(full, (1.0, 0.0, 0.0, -1.0, 0.0, 1.0))
        if not all(_drawable(v) for v in (a, b, c, d, e, f)) or abs(a * d - b * c) < 1e-9:
            self.stats.images_lost.setdefault(self.number, "图像的位置或大小无效")
            return
        self.c.saveState()
        self.c.transform(a, b, c, d, e, f)
        self.c.drawImage(ImageReader(picture), 0, 0, 1, 1)
        self.c.restoreState()
        self.stats.images += 1


@lru_cache(maxsize=8192)
def _width(code: str) -> float:
    """The glyph's advance in the font, in font sizes."""
    from reportlab.pdfbase import pdfmetrics
    return pdfmetrics.stringWidth(code, FONT, 1)


FAR = 1e6   # points (350 m): a coordinate past this comes from a damaged number; nothing there is on the page


def _drawable(v: float) -> bool:
    return math.isfinite(v) and abs(v) < FAR


def _advance(ch: str, size: float) -> float:
    """A glyph's advance when DeltaX does not give it: full width for CJK, half otherwise."""
    return size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.5


def _set_color(c, el, stroke: bool) -> None:
    """An OFD colour (Value "r g b" 0-255, one grey value, or four CMYK) on the canvas; black without one."""
    values = _numbers(el.get("Value") if el is not None else "") or []
    values = [min(max(v, 0.0), 255.0) / 255 for v in values]
    setter_rgb = c.setStrokeColorRGB if stroke else c.setFillColorRGB
    if len(values) == 3:
        setter_rgb(*values)
    elif len(values) == 1:
        setter_rgb(values[0], values[0], values[0])
    elif len(values) >= 4:
        (c.setStrokeColorCMYK if stroke else c.setFillColorCMYK)(*values[:4])
    else:
        setter_rgb(0, 0, 0)


_ARITY = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def _path_segments(data: str) -> list[tuple[str, list[float]]]:
    """AbbreviatedData as moves, lines, cubic curves and closes (S is a move, Q a cubic, an arc its chord)."""
    tokens = _PATH_TOKEN.findall(data or "")
    out: list[tuple[str, list[float]]] = []
    cur = (0.0, 0.0)
    start = cur
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op not in _ARITY:
            i += 1
            continue
        n = _ARITY[op]
        args = [float(t) for t in tokens[i + 1:i + 1 + n] if t not in _ARITY]
        i += 1 + len(args)
        if len(args) < n or not all(math.isfinite(v) for v in args):
            continue
        if op in ("S", "M"):
            out.append(("M", args))
            cur = start = (args[0], args[1])
        elif op == "L":
            out.append(("L", args))
            cur = (args[0], args[1])
        elif op == "B":
            out.append(("B", args))
            cur = (args[4], args[5])
        elif op == "Q":
            (x0, y0), (qx, qy), (x, y) = cur, (args[0], args[1]), (args[2], args[3])
            out.append(("B", [x0 + 2 / 3 * (qx - x0), y0 + 2 / 3 * (qy - y0), x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y), x, y]))
            cur = (x, y)
        elif op == "A":
            out.append(("L", args[5:7]))
            cur = (args[5], args[6])
        elif op == "C":
            out.append(("C", []))
            cur = start
    if out and out[0][0] != "M":
        out.insert(0, ("M", [0.0, 0.0]))
    return out


def draw_pdf(package: Package, out: Path) -> tuple[Stats, int]:
    """Every page of the OFD's documents drawn into `out`: (what was met, number of pages)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas as rl_canvas

    bodies = _documents(package)
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    stats = Stats(attachments=[a for body in bodies for a in body.attachments])
    c = rl_canvas.Canvas(str(out), pageCompression=1, invariant=1)
    for body in bodies:
        for ref in body.pages:
            _draw_page(c, package, body, ref, stats)
    c.save()
    return stats, sum(len(b.pages) for b in bodies)


def _draw_page(c, package: Package, body: Body, ref: PageRef, stats: Stats) -> None:
    """One page: its size, background templates, its layers, foreground templates."""
    if ref.member is None:
        raise ReadError(f"OFD 文件已损坏（第 {ref.number} 页的内容文件不在压缩包中），{ADVICE}")
    root = package.xml(ref.member)
    box = _box(child_text(child(root, "Area"), "PhysicalBox")) or ref.box
    if not (0 < box[2] < 10_000 and 0 < box[3] < 10_000):
        raise ReadError(f"OFD 第 {ref.number} 页的页面尺寸无效（{box[2]} × {box[3]} 毫米），{ADVICE}")
    c.setPageSize((box[2] * MM, box[3] * MM))
    drawer = PageDrawer(c, package, _page_resources(package, body, root, ref.member), ref.number, box, stats)
    templates = [(t, (t.get("ZOrder") or "Background").strip()) for t in children(root, "Template")]
    for t, order in templates:
        if order != "Foreground":
            _template(drawer, package, body, t)
    drawer.layers(root)
    for t, order in templates:
        if order == "Foreground":
            _template(drawer, package, body, t)
    c.showPage()


def _page_resources(package: Package, body: Body, root, member: str) -> Resources:
    """The document's resources with the page's own (PageRes) before them; the document's alone without any."""
    names = [n for n in (package.resolve(member, el.text or "") for el in children(root, "PageRes")) if n]
    if not names:
        return body.resources
    res = Resources()
    for name in names:
        res.load(package, name)
    for kind in ("draw_params", "media", "units"):
        for rid, value in getattr(body.resources, kind).items():
            getattr(res, kind).setdefault(rid, value)
    return res


def _template(drawer: PageDrawer, package: Package, body: Body, ref) -> None:
    member = body.templates.get((ref.get("TemplateID") or "").strip())
    if member:
        if member not in body.parsed:          # every page may name it: parsed once, not once a page
            body.parsed[member] = package.xml(member)
        drawer.layers(body.parsed[member])
