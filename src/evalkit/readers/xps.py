"""XPS and OpenXPS (.xps, .oxps): what Windows' 打印到 XPS (Microsoft XPS Document Writer) saves when a report is
"printed" without a printer; Windows 8 and later save OpenXPS by default.

Each FixedDocument of the package is drawn into a PDF by libgxps's `xpstopdf` (its glyphs keep their text: the
Glyphs' UnicodeString becomes the PDF's ToUnicode map; embedded and obfuscated fonts, images, rulings as XPS draws
them), the documents' PDFs joined in order, and the PDF reader reads that: the same tables, stitching, OCR of a
printed scan. `evalkit annotate` marks findings on the same PDF (to_pdf). xpstopdf runs in its own process group,
killed whole at the file's time limit; the package passes the ZIP-bomb and DTD checks before it sees it.
"""
from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

from evalkit import limits as _limits
from evalkit.model import Document, LimitExceeded, ReadError
from evalkit.readers.safety import UNZIP_ERRORS, check_file_size, check_no_dtd, open_zip, read_member, reason

ADVICE = "请用 XPS 查看器打开后打印为 PDF（Microsoft Print to PDF）再导入"
NOT_A_ZIP = f"XPS 文件已损坏（不是有效的 ZIP 包，可能下载不完整），{ADVICE}"
INSTALL_HINT = ("读取 XPS 文件需要 libgxps 的 xpstopdf，本机没有找到；请运行 make setup（Debian/Ubuntu：apt-get install "
                "libgxps-utils；也可用环境变量 EVALKIT_XPSTOPDF 指定其路径），或" + ADVICE[1:])
# the type of the package's relationship to its FixedDocumentSequence, in XPS 1.0 and OpenXPS (…/fixedrepresentation)
START = re.compile(r"/fixedrepresentation$")
_GLIB = re.compile(r"^\*\* \(xpstopdf:\d+\): [A-Z]+ \*\*: [\d:.]+: ")   # GLib's prefix of a message
_PAGE_ERROR = re.compile(r"^Error rendering page (?P<page>\d+): (?P<why>.*)$")
_PIECE = re.compile(r"^(?P<part>.+)/\[(?P<n>\d+)\](?P<last>\.last)?\.piece$", re.IGNORECASE)


def find_xpstopdf() -> str | None:
    """The xpstopdf to run: $EVALKIT_XPSTOPDF (when it is an executable file), else xpstopdf on PATH."""
    env = os.environ.get("EVALKIT_XPSTOPDF")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    return shutil.which("xpstopdf")


def read_xps(path: Path) -> Document:
    """Read an .xps/.oxps file: its documents drawn into one temporary PDF, read by the PDF reader."""
    from evalkit import scratch
    from evalkit.readers.pdf import read_drawn

    path = Path(path)
    with scratch.folder("xps") as tmp:
        pdf_path = Path(tmp) / "xps.pdf"
        to_pdf(path, pdf_path)
        doc = read_drawn(pdf_path, "XPS")
    doc.source, doc.format = str(path), "xps"
    return doc


def to_pdf(path: Path, out: Path) -> int:
    """Draw the XPS at `path` into the PDF `out` (every FixedDocument, in order): its number of pages. The PDF the
    reader reads, so a finding's page and box stand on `out` (`evalkit annotate` marks them there)."""
    check_file_size(path, advice="正常的自评报告远小于此，请只打印自评表所在的页面后再导入")
    zf = open_zip(path, "XPS", NOT_A_ZIP)
    try:
        check_no_dtd(zf, "XPS")
        pages = document_pages(zf)
    except (ReadError, LimitExceeded, MemoryError, RecursionError):
        raise
    except UNZIP_ERRORS as e:
        raise ReadError(f"XPS 文件已损坏（压缩包内容无法解压：{reason(e, path=path)}），{ADVICE}") from None
    finally:
        zf.close()
    total = sum(pages)
    lim = _limits.LIMITS
    if total == 0:
        raise ReadError(f"XPS 文件中没有页面，无法读取；{ADVICE}")
    if total > lim.max_pages:
        raise LimitExceeded(f"XPS 文件有 {total:,} 页，超过上限 {lim.max_pages:,} 页；请只打印自评表所在的页面后再导入")
    program = find_xpstopdf()
    if program is None:
        raise ReadError(INSTALL_HINT)
    work = out.parent / "xpstopdf"
    work.mkdir()
    try:
        _convert(program, path, work, pages, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return total


def _convert(program: str, path: Path, work: Path, pages: list[int], out: Path) -> None:
    """xpstopdf on each FixedDocument of `path` (`pages`: each one's number of pages) in `work`, the PDFs joined
    into `out`; ReadError naming the document or page it could not draw, LimitExceeded past the time limit."""
    from evalkit.readers.office import join_pdfs, run_group, seconds_now
    lim = _limits.LIMITS
    src = work / "input.xps"                   # a name of ours: no user's name reaches argv
    shutil.copyfile(path, src)
    limit, started = max(seconds_now(), 1.0), time.monotonic()
    parts, before = [], 0
    for n, count in enumerate(pages, 1):
        before, first = before + count, before
        if count == 0:
            continue
        part = work / f"{n}.pdf"
        argv = [program, f"--document={n}", str(src), str(part)]
        env = dict(os.environ, HOME=str(work), TMPDIR=str(work))
        try:
            code, _, stderr = run_group(argv, work, env, limit - (time.monotonic() - started), lim.max_memory_mb)
        except subprocess.TimeoutExpired:
            raise LimitExceeded(f"xpstopdf 转换 XPS 文件超过 {limit:g} 秒仍未完成，已终止"
                                f"（单个文件时限 {lim.max_seconds:g} 秒，可用 EVALKIT_LIMIT_MAX_SECONDS 调整）") from None
        except OSError as e:
            raise ReadError(f"无法启动 xpstopdf（{program}：{e.strerror or type(e).__name__}）。{INSTALL_HINT}") from None
        said = [_GLIB.sub("", ln) for ln in stderr.decode("utf-8", "replace").strip().splitlines() if ln.strip()]
        if failed := next((m for ln in said if (m := _PAGE_ERROR.match(ln))), None):
            # xpstopdf goes on past a page it cannot draw (a font it cannot load) and exits 0: the page would be blank
            why = failed["why"].split(": ", 1)[-1] if failed["why"].startswith("Error rendering page") else failed["why"]
            raise ReadError(f"XPS 文件第 {first + int(failed['page'])} 页无法绘制（xpstopdf 报告“{why[:200]}”），"
                            f"该页的内容会丢失，未读取；{ADVICE}")
        if code != 0 or not part.is_file() or part.stat().st_size == 0:
            detail = f"xpstopdf 报告“{said[-1][:200]}”" if said else "没有生成转换结果"
            if code is not None and code < 0:
                detail += f"，异常退出（信号 {-code}：文件结构异常，或超过内存上限 {lim.max_memory_mb:,} MB）"
            else:
                detail += f"，退出码 {code}"
            raise ReadError(f"XPS 文件无法转换（第 {n} 个文档：{detail}），文件可能已损坏；{ADVICE}")
        parts.append(part)
    join_pdfs(parts, out)


def document_pages(zf: zipfile.ZipFile) -> list[int]:
    """The number of pages of each FixedDocument in the package's FixedDocumentSequence, in order (the package's
    start part found by its relationship, XPS 1.0 or OpenXPS; parts written as interleaved pieces joined). Every
    page is parsed first: xpstopdf draws a page it cannot parse as blank and a glyph whose font is missing as
    nothing, without failing, so a figure would be lost without a word; either is a ReadError naming the page."""
    package = _Package(zf)
    start, start_raw = next(((t, raw) for typ, t, raw in package.relations("") if START.search(typ)), (None, None))
    if start is None:
        raise ReadError(f"不是 XPS 文件（包中没有 XPS 的固定文档序列），{ADVICE}")
    root = package.xml(package.part(start, "固定文档序列", start_raw))
    if _local(root.tag) == "FixedDocument":        # a package that starts at its one document
        documents = [(start, root)]
    elif _local(root.tag) == "FixedDocumentSequence":
        documents = [(package.part(package.target(start, el.get("Source")), "文档", el.get("Source")), None)
                     for el in root if _local(el.tag) == "DocumentReference"]
        documents = [(name, package.xml(name)) for name, _ in documents]
    else:
        raise ReadError(f"不是 XPS 文件（起始部分是 {_local(root.tag)}，不是固定文档序列），{ADVICE}")
    counts, number, missing = [], 0, {"字体": {}, "图片": {}}
    for name, doc in documents:
        pages = [el.get("Source") for el in doc if _local(el.tag) == "PageContent"]
        for page in pages:
            number += 1
            fonts, images = package.lacking(package.part(package.target(name, page), f"第 {number} 页", page), number)
            for kind, found in (("字体", fonts), ("图片", images)):
                for uri in found:
                    missing[kind].setdefault(uri, number)
        counts.append(len(pages))
    for kind, what in (("字体", "这些文字"), ("图片", "页面上的这些图片")):
        if lost := missing[kind]:
            shown = "、".join(f"{posixpath.basename(f)}（第 {n} 页起）" for f, n in list(lost.items())[:3])
            raise ReadError(f"XPS 文件不完整：缺少 {len(lost)} 个{kind}（{shown}），{what}无法显示，未读取；{ADVICE}")
    return counts


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Package:
    """The package's parts by name (any case; a part written as interleaved pieces `[0].piece`…`[n].last.piece`)."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names: dict[str, list[str]] = {}
        pieces: dict[str, list[tuple[int, str]]] = {}
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/").lstrip("/")
            m = _PIECE.match(name)
            if m:
                pieces.setdefault(m["part"].casefold(), []).append((int(m["n"]), info.filename))
            else:
                self.names[name.casefold()] = [info.filename]
        for part, found in pieces.items():
            self.names.setdefault(part, [n for _, n in sorted(found)])

    def target(self, base: str, target: str | None) -> str:
        """The part a reference names, relative to `base` (or from the root): its key, whether it is there or not."""
        target = (target or "").split("#", 1)[0].replace("\\", "/")
        if not target.startswith("/"):
            target = posixpath.join(posixpath.dirname("/" + base), target)
        return posixpath.normpath(target).lstrip("/").casefold()

    def part(self, name: str, what: str, written: str | None) -> str:
        """`name` when the package has it; else a ReadError saying the file is incomplete (`what`, referred to as
        `written`, is missing)."""
        if name not in self.names:
            raise ReadError(f"XPS 文件不完整（缺少{what}的内容 {written or '（未指明）'}），文件可能已损坏；{ADVICE}")
        return name

    def data(self, name: str) -> bytes:
        return b"".join(read_member(self.zf, n) for n in self.names[name])

    def xml(self, name: str, what: str | None = None):
        from lxml import etree
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        what = what or f"/{name}"
        try:
            root = etree.fromstring(self.data(name), parser)
        except etree.XMLSyntaxError as e:
            raise ReadError(f"XPS 文件{what}的内容不是有效的 XML（{reason(e)}），文件可能已损坏；{ADVICE}") from None
        if root is None:
            raise ReadError(f"XPS 文件{what}的内容是空的，文件可能已损坏；{ADVICE}")
        return root

    def lacking(self, page: str, number: int) -> tuple[list[str], list[str]]:
        """The fonts the page's glyphs use and the images its brushes show that the package lacks, as written (a page
        that is no XML, or of no size: ReadError naming it; an image over the pixel limit: LimitExceeded)."""
        fonts, images = [], []
        root = self.xml(page, f"第 {number} 页")
        if _local(root.tag) != "FixedPage":
            raise ReadError(f"XPS 文件第 {number} 页不是 XPS 页面（其内容是 {_local(root.tag)}），文件可能已损坏；{ADVICE}")
        try:
            size = float(root.get("Width") or "nan"), float(root.get("Height") or "nan")
        except ValueError:
            size = (float("nan"),) * 2
        if not all(0 < v < 1e6 for v in size):
            raise ReadError(f"XPS 文件第 {number} 页的页面尺寸无效（{root.get('Width')} × {root.get('Height')}），"
                            f"文件可能已损坏；{ADVICE}")
        for el in root.iter():
            tag = _local(el.tag)
            uri = el.get("FontUri") if tag == "Glyphs" else el.get("ImageSource") if tag == "ImageBrush" else None
            if not uri or uri.startswith("{"):              # none, or a markup extension (a resource's key)
                continue
            found = self.target(page, uri)
            lost = fonts if tag == "Glyphs" else images
            if found not in self.names:
                if uri not in lost:
                    lost.append(uri)
            elif tag == "ImageBrush":
                self._check_image(found, number)
        return fonts, images

    def _check_image(self, name: str, number: int) -> None:
        """An image over the pixel limit (its header read, nothing decoded): xpstopdf would leave it out of the page
        without a word, or spend the file's memory on it. An image PIL cannot tell (HD Photo) is left to xpstopdf."""
        from PIL import Image

        from evalkit.readers.safety import check_pixels, too_big
        try:
            with self.zf.open(self.names[name][0]) as f, Image.open(f) as im:
                size = im.size
        except Image.DecompressionBombError as e:     # PIL refuses it at open: its message gives the pixel count
            pixels = re.search(r"\((\d+) pixels\)", str(e))
            raise LimitExceeded(f"XPS 文件第 {number} 页的图片 {posixpath.basename(name)}："
                                f"{too_big(int(pixels[1]) if pixels else None)}") from None
        except Exception:  # noqa: BLE001  (not a format PIL reads, or damaged: xpstopdf decides)
            return
        try:
            check_pixels(size)
        except (ReadError, LimitExceeded) as e:
            raise type(e)(f"XPS 文件第 {number} 页的图片 {posixpath.basename(name)}：{e}") from None

    def relations(self, part: str) -> list[tuple[str, str, str]]:
        """(type, target part, target as written) of `part`'s relationships ("" for the package's own)."""
        folder, base = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", base + ".rels").casefold()
        if rels not in self.names:
            return []
        return [(el.get("Type") or "", self.target(part, el.get("Target")), el.get("Target") or "") for el in self.xml(rels)
                if el.get("TargetMode") != "External"]
