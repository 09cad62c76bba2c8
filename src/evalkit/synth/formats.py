"""A drawn report written as DOCX, XLSX, CSV, HTML or slides (the fixtures' builders), then printed to PDF by
LibreOffice, drawn as OFD or XPS, or scanned (a turned, stamped TIFF) for the OCR reader."""
from __future__ import annotations

import csv
import importlib.util
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from functools import lru_cache
from decimal import Decimal
from pathlib import Path

from evalkit.synth.draw import Report
from evalkit.synth.layouts import TEMPLATE_SHARE, TEXT_RENDER, group_weights, in_yuan, money_text, optional_rows
from evalkit.synth.vocab import trim


# ------------------------------------------------------------------------------ office formats

RENDERED_LATER = ("pdf", "ofd", "xps", "scan")   # written from LibreOffice's PDFs after the plan: no byte copy of them


def _fixture_module(filename: str, name: str):
    """A private instance of tests/fixtures/<filename> (a source checkout's), or None when it is not there. The
    fixtures' folder is on the import path while it runs, as when it runs as a script: a maker may import a sibling's
    writers (make_xps_fixtures takes make_ofd_fixtures' glyph runs and zip writer)."""
    path = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / filename
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up while it executes
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(mod)
    except Exception:
        sys.modules.pop(spec.name, None)
        raise
    finally:
        sys.path.remove(str(path.parent))
    return mod


@lru_cache(maxsize=1)
def ofd_builder():
    """tests/fixtures/make_ofd_fixtures.py (its PDF-to-OFD writer `plain`), or None when the file is not there."""
    return _fixture_module("make_ofd_fixtures.py", "_evalkit_synth_ofd")


@lru_cache(maxsize=1)
def xps_builder():
    """tests/fixtures/make_xps_fixtures.py (its PDF-to-XPS writer `convert`, as Windows' XPS writer writes them), or
    None when the file, fontTools or the Noto Sans CJK font it subsets is not there."""
    if importlib.util.find_spec("fontTools") is None:
        return None
    mod = _fixture_module("make_xps_fixtures.py", "_evalkit_synth_xps")
    return mod if mod is not None and mod.NOTO.is_file() else None


# (row, column) of make_fixtures.project_cells' header cells -> the words a 区 form prints there (区商务局's 2020 form:
# the block's title stating its points, 预算数(A) | 执行数(B) | 执行率(B/A) | 得分(20分*执行率), 年初目标值(A) |
# 实际完成值(B)); the columns and the truth stay as they are
OTHER_WORDS = {(2, 0): "预算执行情况\n(万元)\n({bw}分)", (2, 3): "预算数(A)", (2, 4): "执行数(B)", (2, 6): "执行率(B/A)",
               (2, 7): "得分\n({bw}分*执行率)", (9, 4): "年初目标值(A)", (9, 5): "实际完成值(B)"}


@lru_cache(maxsize=1)
def fixture_builders():
    """A private instance of tests/fixtures/make_fixtures.py (its DOCX/XLSX/HTML builders), with
    `project_cells` wrapped to write each line's deviation reason; None when the file is not there."""
    mod = _fixture_module("make_fixtures.py", "_evalkit_synth_fixtures")
    if mod is None:
        return None
    base = mod.project_cells

    def project_cells(p, inds):
        cells = base(p, inds)
        top = 9
        for c in cells:
            i = c.r - top - 1
            if c.c == 8 and 0 <= i < len(inds) and inds[i].get("reason"):
                c.text = inds[i]["reason"]
        words = random.Random(f"{p['project_name']}{p['total_score']}|words").random() < TEMPLATE_SHARE
        for c in cells:
            if c.r == 8 and c.c == 1 and p.get("goal"):
                c.text = p["goal"]
            if words and (c.r, c.c) in OTHER_WORDS:     # a 区 form's words for the same columns (its own draw)
                c.text = OTHER_WORDS[(c.r, c.c)].format(bw=p["budget_weight"])
            if c.r == 2 and c.c == 0 and p.get("yuan"):
                c.text = c.text.replace("万元", "元")       # 项目资金\n(元): the amounts below are in 元
        return cells

    mod.project_cells = project_cells
    mod.docx_table = _fast_docx_table(mod)
    return mod


def _fast_docx_table(mod):
    """make_fixtures.docx_table's table (Table Grid, fixed widths, rows that never split, merges as
    gridSpan/vMerge), written as one XML fragment: python-docx's cell()/merge() walk the whole grid
    on every call, minutes for a 30-project bundle."""
    from xml.sax.saxutils import escape

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    widths = [int(round(cm * 567)) for cm in mod.COL_CM]     # twentieths of a point

    def para(text: str) -> str:
        if not text:
            return "<w:p/>"
        runs = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(t)}</w:t>' for t in text.split("\n"))
        return f"<w:p><w:r>{runs}</w:r></w:p>"

    def docx_table(d, cells):
        n = mod.n_rows(cells)
        at = {}
        for c in cells:
            for rr in range(c.r, c.r + c.rowspan):
                at[(rr, c.c)] = (c, rr == c.r)
        out = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
               '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
               'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>']
        out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
        out.append("</w:tblGrid>")
        for r in range(n):
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            col = 0
            while col < mod.NCOLS:
                c, top = at.get((r, col), (None, True))
                span = c.colspan if c is not None else 1
                props = f'<w:tcW w:w="{sum(widths[col:col + span])}" w:type="dxa"/>'
                if span > 1:
                    props += f'<w:gridSpan w:val="{span}"/>'
                if c is not None and c.rowspan > 1:
                    props += '<w:vMerge w:val="restart"/>' if top else "<w:vMerge/>"
                text = c.text if (c is not None and top) else ""
                out.append(f"<w:tc><w:tcPr>{props}</w:tcPr>{para(text)}</w:tc>")
                col += span
            out.append("</w:tr>")
        out.append("</w:tbl>")
        tbl = parse_xml("".join(out))
        body = d.element.body
        body.insert(len(body) - 1, tbl)           # before the section properties
        return tbl

    return docx_table


def _fixture_rows(rep: Report):
    """The fixture builders' project dicts and indicator lines; amounts in 元 where the report states them so
    (`in_yuan`: the budget block's header then says (元); the truth stays in 万元)."""
    projects, inds = [], {}
    yuan = in_yuan(rep)
    for p in rep.projects:
        d = {"project_name": p.name, "agency": p.agency, "execution_rate": trim(p.rate), "yuan": yuan,
             "budget_initial": money_text(p.initial, yuan), "budget_full_year": money_text(p.full, yuan),
             "executed": money_text(p.executed, yuan),
             "budget_weight": trim(p.bw), "budget_score": trim(p.bs), "total_score": trim(p.total), "goal": p.goal}
        projects.append(d)
        lines = [{"level1": ln.level1, "level2": ln.level2, "level3": ln.level3, "target": ln.target,
                  "actual": ln.actual, "weight": trim(ln.weight), "score": trim(ln.score), "reason": ln.reason}
                 for ln in p.lines]
        inds[p.name] = _as_template_left(lines, group_weights(p), random.Random(f"{p.name}{p.total}|office"))
    return projects, (lambda d: inds[d["project_name"]])


def _as_template_left(lines: list[dict], points: dict[str, Decimal], own: random.Random) -> list[dict]:
    """A share of the tables keep the template as the published forms do (their own draws): level-1 cells holding
    only the group's points ((50分)), or the numbered slots run into the names (指标1工程完工率) with an unused slot
    (指标2) and a …… row after each group's lines, or the optional 效益 lines not taken (生态效益（可选项）) printed
    without figures (optional_rows). The truth is the lines as drawn."""
    points_only, slots = own.random() < TEMPLATE_SHARE, own.random() < TEMPLATE_SHARE
    optional_at, optional = optional_rows([d["level1"] for d in lines], own)
    if points_only:
        lines = [dict(d, level1=f"（{trim(points[d['level1']])}分）") for d in lines]
    out, k = [], 0
    for i, d in enumerate(lines):
        k = 1 if i == 0 or (d["level1"], d["level2"]) != (lines[i - 1]["level1"], lines[i - 1]["level2"]) else k + 1
        out.append(dict(d, level3=f"指标{k}{d['level3']}") if slots else d)
        empty = dict(d, target="", actual="", weight="", score="", reason="")
        if slots and (i + 1 == len(lines) or (lines[i + 1]["level1"], lines[i + 1]["level2"]) != (d["level1"], d["level2"])):
            out += [dict(empty, level3=f"指标{k + 1}"), dict(empty, level3="……")]
        if i == optional_at:
            out += [dict(empty, level3=unused) for unused in optional]
    return out


FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def _normalize_zip(path: Path, year: int) -> None:
    """Rewrite an OOXML zip with fixed member times and document dates: same content, same bytes."""
    stamp = f"{year + 1}-03-01T00:00:00Z"
    with zipfile.ZipFile(path) as z:
        members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + stamp.encode() + m.group(3), data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_now(rep: Report, fmt: str, path: Path, rng) -> bool:
    """Write a text or office file of the report; False for a format rendered later (PDF, OFD, scans)."""
    if fmt == "txt":
        path.write_text(TEXT_RENDER[rep.layout](rep, rng), encoding="utf-8")
    elif fmt in ("docx", "xlsx", "html", "csv", "pptx"):
        render_office(rep, fmt, path)
    else:
        return False
    return True


def render_office(rep: Report, fmt: str, path: Path) -> None:
    mod = fixture_builders()
    projects, inds_of = _fixture_rows(rep)
    year = str(rep.year)
    if fmt == "docx":
        mod.build_docx(projects, inds_of, rep.agency, year, nested=False).save(path)
        _normalize_zip(path, rep.year)
    elif fmt == "pptx":            # the DOCX's paragraphs and tables as slides, as a department pastes them into a deck
        tmp = path.with_name(path.name + ".docx")
        try:
            mod.build_docx(projects, inds_of, rep.agency, year, nested=False).save(tmp)
            path.write_bytes(_fixture_module("pptxfile.py", "_evalkit_synth_pptx").from_docx(tmp))
        finally:
            tmp.unlink(missing_ok=True)
        _normalize_zip(path, rep.year)
    elif fmt == "xlsx":
        mod.build_xlsx(path, projects, inds_of, rep.agency, year)
        _normalize_zip(path, rep.year)
    elif fmt == "csv":             # the workbook's sheet saved as CSV: GB18030 (Excel on Chinese Windows) or UTF-8 with a BOM
        render_csv(path, lambda p: mod.build_xlsx(p, projects, inds_of, rep.agency, year),
                   "gb18030" if zlib.crc32(path.name.encode("utf-8")) % 2 else "utf-8-sig")
    elif fmt == "html":
        mod.build_html(path, projects, inds_of, rep.agency, year)
        raw = path.read_bytes().decode("gbk").replace("开江县人民政府", f"{rep.county}人民政府")
        path.write_bytes(raw.encode("gbk"))
    else:
        raise ValueError(fmt)


def render_csv(path: Path, build_xlsx, encoding: str) -> None:
    """The sheet `build_xlsx(path)` writes, saved as Excel saves a sheet as CSV (values as shown, a merged
    range's value in its top-left cell)."""
    import openpyxl
    tmp = path.with_name(path.name + ".xlsx")
    try:
        build_xlsx(tmp)
        ws = openpyxl.load_workbook(tmp, data_only=True).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        tmp.unlink(missing_ok=True)
    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)


def soffice_path() -> str | None:
    from evalkit.readers.office import find_soffice
    return find_soffice()


def ocr_available() -> bool:
    """evalkit reads scans: its OCR reader is built (readers/ocr.py) and its engine installed."""
    from evalkit.readers import SUFFIXES
    return ".tif" in SUFFIXES and importlib.util.find_spec("rapidocr_onnxruntime") is not None


def render_pdfs(jobs: list[tuple[Report, Path]], scan_jobs: list[tuple[Report, Path]],
                ofd_jobs: list[tuple[Report, Path]] = (), scan_mode: str = "colour",
                xps_jobs: list[tuple[Report, Path]] = ()) -> None:
    """DOCX -> PDF with one LibreOffice run; scans: the PDF's pages as images in an image-only PDF; OFD: the PDF's
    glyph runs and rulings as OFD objects (tests/fixtures/make_ofd_fixtures.py, as PDF-to-OFD converters write them);
    XPS: as Glyphs and Paths with an obfuscated font subset (tests/fixtures/make_xps_fixtures.py, as Windows' 打印到
    XPS writes them)."""
    exe = soffice_path()
    ofd_jobs, xps_jobs = list(ofd_jobs), list(xps_jobs)
    with tempfile.TemporaryDirectory(prefix="evalkit-synth-") as tmp:
        tmp = Path(tmp)
        src = []
        for k, (rep, _) in enumerate(jobs + scan_jobs + ofd_jobs + xps_jobs):
            d = tmp / f"r{k:05d}.docx"
            render_office(rep, "docx", d)
            src.append(d)
        for i in range(0, len(src), 50):
            _to_pdf(exe, src[i:i + 50], tmp)
        for k, (rep, out) in enumerate(jobs):
            shutil.move(str(tmp / f"r{k:05d}.pdf"), out)
        for k, (rep, out) in enumerate(scan_jobs, start=len(jobs)):
            scan_pdf(tmp / f"r{k:05d}.pdf", out, random.Random(f"scan:{rep.idx}"), scan_mode)
        if ofd_jobs:
            to_ofd = ofd_builder().plain
            for k, (rep, out) in enumerate(ofd_jobs, start=len(jobs) + len(scan_jobs)):
                to_ofd(tmp / f"r{k:05d}.pdf", out)
        if xps_jobs:
            first = len(jobs) + len(scan_jobs) + len(ofd_jobs)
            xps_builder().convert([(tmp / f"r{k:05d}.pdf", out) for k, (_, out) in enumerate(xps_jobs, start=first)])


def _to_pdf(exe: str, docs: list[Path], tmp: Path) -> None:
    """One LibreOffice run (a private profile) converting `docs` to PDF next to them; a crash (LibreOffice
    now and then aborts while starting) is run once more, for all of them (a PDF it was writing may be cut)."""
    from evalkit.readers.office import crashed, remove_pipe
    profile = tmp / "profile"
    for attempt in (1, 2):
        try:
            proc = subprocess.run([exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
                                   "pdf", "--outdir", str(tmp), *map(str, docs)], capture_output=True, timeout=600,
                                  env=dict(os.environ, TMPDIR=str(tmp)))   # its temp files go with the folder
        finally:
            remove_pipe(profile)        # left behind by a crash
        if proc.returncode == 0 or attempt == 2 or not crashed(proc.returncode):
            proc.check_returncode()
            return
        shutil.rmtree(profile, ignore_errors=True)


SCAN_MODES = ("colour", "grey", "bw")     # a scanner's 彩色, 灰度 and 黑白 modes
BW_AT = 160                                # 黑白: darker than this is black (the red seal too, as the print)


def scan_pdf(pdf: Path, out: Path, rng, mode: str = "colour") -> None:
    """A scan of the printed PDF: a multi-page TIFF (one frame a page, the way office scanners file
    them), 150 dpi, each page slightly turned and soft, the 公章 in red on the first page. `mode` grey: 8-bit
    grey frames; bw: black and white (CCITT G4), the seal as black as the print."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter
    doc = pdfium.PdfDocument(str(pdf))
    pages = []
    for k, page in enumerate(doc):
        img = page.render(scale=150 / 72).to_pil().convert("RGB")
        if k == 0:
            w, h = img.size
            r = int(w * 0.09)
            cx, cy = int(w * rng.uniform(0.55, 0.8)), int(h * rng.uniform(0.12, 0.3))
            stamp = Image.new("RGBA", img.size, (0, 0, 0, 0))
            d = ImageDraw.Draw(stamp)
            d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(220, 30, 30, 150), width=max(3, r // 14))
            d.regular_polygon((cx, cy, r // 4), 5, fill=(220, 30, 30, 150))
            img = Image.alpha_composite(img.convert("RGBA"), stamp).convert("RGB")
        img = img.rotate(rng.uniform(-0.8, 0.8), expand=False, fillcolor=(255, 255, 255), resample=Image.BILINEAR)
        pages.append(img.filter(ImageFilter.GaussianBlur(0.4)).quantize(colors=32))   # a scanner's palette
    doc.close()
    compression = "tiff_deflate"
    if mode == "grey":
        pages = [p.convert("L") for p in pages]
    elif mode == "bw":
        pages = [p.convert("L").point(lambda v: 255 if v >= BW_AT else 0).convert("1") for p in pages]
        compression = "group4"
    pages[0].save(out, format="TIFF", compression=compression, dpi=(150, 150), save_all=True,
                  append_images=pages[1:])
