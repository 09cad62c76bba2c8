"""XPS and OpenXPS (Windows' 打印到 XPS): drawn into a PDF by libgxps's xpstopdf and read as that PDF.

The fixtures are fixture_pdf.pdf's pages written as the XPS writer writes them (tests/fixtures/make_xps_fixtures.py:
glyph runs with indices and advances, an obfuscated embedded font, a Canvas transform; OpenXPS's namespace; two
FixedDocuments; a scan on an ImageBrush), so each must read exactly as that PDF does.
"""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, read_columns, rezip
from evalkit.errors import LimitExceeded, ReadError
from evalkit.ingest import ingest_paths
from evalkit.model import Paragraph
from evalkit.readers import format_of, read
from evalkit.readers import xps

FIXTURES = ROOT / "tests" / "fixtures"
XPS = FIXTURES / "xps"
pytestmark = pytest.mark.skipif(xps.find_xpstopdf() is None, reason="xpstopdf (libgxps-utils) is installed by make setup")


def blocks(doc):
    return [("P", b.text) if isinstance(b, Paragraph) else ("T", b.rows, b.page) for b in doc.blocks]


@pytest.fixture(scope="module")
def pdf_doc():
    return read(FIXTURES / "fixture_pdf.pdf")


@pytest.mark.parametrize("name", ["fixture_xps.xps", "fixture_oxps.oxps", "two_documents.xps"])
def test_an_xps_print_reads_exactly_as_the_pdf_it_was_printed_from(pdf_doc, name):
    """XPS 1.0 with an obfuscated font under a Canvas transform, OpenXPS, and a sequence of two documents (all
    pages, in order): the same paragraphs, tables and pages as the PDF."""
    doc = read(XPS / name)
    assert doc.format == "xps" and doc.pages == 5 and doc.warnings == []
    assert blocks(doc) == blocks(pdf_doc)


def test_an_xps_is_ingested_as_its_pdf_and_the_same_report_counts_once(tmp_path):
    """In a zip beside the PDF it was printed from: its own row, format xps, the PDF's projects; the same report
    printed twice counts once."""
    assert format_of("报告.XPS") == "xps" and format_of("报告.oxps") == "xps"
    with zipfile.ZipFile(tmp_path / "材料.zip", "w") as z:
        z.write(XPS / "fixture_oxps.oxps", "大厂县/自评表.oxps")
    alone = ingest_paths([tmp_path / "材料.zip"], checks=False)
    rep = alone["reports"].iloc[0]
    assert rep["source_file"] == "材料.zip!大厂县/自评表.oxps" and rep["format"] == "xps" and rep["status"] == "ok"
    pdf = ingest_paths([FIXTURES / "fixture_pdf.pdf"], checks=False)
    for table in ("projects", "indicators"):
        same = read_columns(pdf[table])          # every figure and word; the places name the member
        assert alone[table][same].equals(pdf[table][same]), table
    assert len(alone["indicators"]) == 28 and alone["indicators"]["loc_page"].notna().all()
    both = ingest_paths([FIXTURES / "fixture_pdf.pdf", tmp_path / "材料.zip"], checks=False)
    status = dict(zip(both["reports"]["source_file"], both["reports"]["status"]))
    assert sorted(status.values()) == ["duplicate", "ok"] and len(both["projects"]) == 3


def test_an_xps_under_a_pdf_name_is_read_as_the_xps_it_is(tmp_path, pdf_doc):
    misnamed = tmp_path / "自评表.pdf"
    shutil.copyfile(XPS / "fixture_xps.xps", misnamed)
    doc = read(misnamed)
    assert doc.format == "xps" and blocks(doc) == blocks(pdf_doc)
    assert doc.warnings == ["文件扩展名是“.pdf”，但内容是XPS 文件，已按XPS 文件读取；请核对文件来源，或改正扩展名"]


def test_a_page_written_as_interleaved_pieces_is_joined(tmp_path, pdf_doc):
    """A streaming writer splits a part into `[0].piece` … `[n].last.piece` (OPC interleaving)."""
    path = tmp_path / "pieces.xps"
    with zipfile.ZipFile(XPS / "fixture_xps.xps") as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".fpage"):
                k = len(data) // 3
                for n, (a, b) in enumerate([(0, k), (k, 2 * k), (2 * k, len(data))]):
                    out.writestr(f"{info.filename}/[{n}]{'.last' if n == 2 else ''}.piece", data[a:b])
            else:
                out.writestr(info.filename, data)
    assert blocks(read(path)) == blocks(pdf_doc)


def test_a_printed_scan_keeps_its_image_at_its_own_resolution(tmp_path):
    """scan.xps shows scans/scan_seal.jpg (1654 × 2339, 200 dpi) on an ImageBrush: the PDF drawn for the reader (and
    its OCR) holds that image whole, over the page."""
    import pdfplumber
    out = tmp_path / "drawn" / "x.pdf"
    out.parent.mkdir()
    assert xps.to_pdf(XPS / "scan.xps", out) == 1
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        (image,) = page.images
        assert image["srcsize"] == (1654, 2339)
        assert image["x0"] == pytest.approx(0, abs=1) and image["x1"] == pytest.approx(page.width, abs=1)
        assert page.chars == []


def _rewrite(tmp_path: Path, name: str, change) -> Path:
    return rezip(XPS / "fixture_xps.xps", tmp_path / name, change)


@pytest.mark.parametrize("change, words", [
    (lambda n, d: d[:40] if n.endswith("/3.fpage") else d, "XPS 文件第 3 页的内容不是有效的 XML"),
    (lambda n, d: None if n.endswith(".odttf") else d,
     "XPS 文件不完整：缺少 1 个字体（0B7C54A1-2E9D-4F3A-8C61-5D2E9A47B013.odttf（第 1 页起）），这些文字无法显示"),
    (lambda n, d: None if n.endswith(".fdseq") else d, "XPS 文件不完整（缺少固定文档序列的内容 /FixedDocumentSequence.fdseq）"),
    (lambda n, d: None if n.endswith("/4.fpage") else d, "XPS 文件不完整（缺少第 4 页的内容 /Documents/1/Pages/4.fpage）"),
    (lambda n, d: None if n == "_rels/.rels" else d, "不是 XPS 文件（包中没有 XPS 的固定文档序列）"),
    (lambda n, d: re.sub(rb"<PageContent [^>]*/>", b"", d) if n.endswith(".fdoc") else d, "XPS 文件中没有页面"),
    (lambda n, d: re.sub(rb'Width="[^"]*"', b'Width="0"', d, count=1) if n.endswith("/2.fpage") else d,
     "XPS 文件第 2 页的页面尺寸无效（0 × 1122.52）"),
    (lambda n, d: d.replace(b"<FixedPage ", b"<Canvas ").replace(b"</FixedPage>", b"</Canvas>")
     if n.endswith("/1.fpage") else d, "XPS 文件第 1 页不是 XPS 页面（其内容是 Canvas）"),
    (lambda n, d: d.replace(b"<FixedPage ", b'<!DOCTYPE x [<!ENTITY a "b">]><FixedPage ') if n.endswith("1.fpage") else d,
     "含有 <!DOCTYPE 声明"),
])
def test_a_damaged_or_incomplete_xps_is_one_specific_error(tmp_path, change, words):
    """What xpstopdf would draw blank or without its text (a page that is no XML, a missing font) is refused,
    naming the page or font, never read with figures missing."""
    with pytest.raises((ReadError, LimitExceeded)) as e:
        read(_rewrite(tmp_path, "bad.xps", change))
    assert words in str(e.value)
    assert "请用 XPS 查看器打开后打印为 PDF" in str(e.value) or "DOCTYPE" in str(e.value)


def test_a_cut_download_and_a_page_bomb_are_refused(tmp_path, monkeypatch):
    cut = tmp_path / "cut.xps"
    cut.write_bytes((XPS / "fixture_xps.xps").read_bytes()[:20000])
    with pytest.raises(ReadError, match=r"^XPS 文件已损坏（不是有效的 ZIP 包，可能下载不完整）"):
        read(cut)
    from evalkit import limits
    monkeypatch.setattr(limits, "LIMITS", limits.Limits(max_pages=4))
    with pytest.raises(LimitExceeded, match="XPS 文件有 5 页，超过上限 4 页"):
        read(XPS / "fixture_xps.xps")


def test_without_xpstopdf_the_row_says_what_to_install_and_the_cache_reads_it_again_once_installed(tmp_path, monkeypatch):
    from evalkit.cache import tools
    with_it = tools()
    monkeypatch.setenv("EVALKIT_XPSTOPDF", str(tmp_path / "no-xpstopdf"))
    assert tools() != with_it
    t = ingest_paths([XPS / "fixture_xps.xps"], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["status"] == "failed" and rep["format"] == "xps"
    assert "读取 XPS 文件需要 libgxps 的 xpstopdf" in rep["error"] and "apt-get install libgxps-utils" in rep["error"]


def test_a_printed_scan_whose_picture_is_missing_or_a_bomb_is_refused_not_read_as_blank(tmp_path):
    """xpstopdf leaves out, without a word, an image part that is missing and one too large to decode: the page
    would read as blank (`没有文字层（可能是扫描件）`). The picture is named instead; a PNG declaring 10^10 pixels is a
    limit, its header read, nothing decoded."""
    import struct
    import zlib
    missing = rezip(XPS / "scan.xps", tmp_path / "missing.xps", lambda n, d: None if n.endswith(".jpg") else d)
    with pytest.raises(ReadError, match=r"^XPS 文件不完整：缺少 1 个图片（1\.jpg（第 1 页起）），页面上的这些图片无法显示"):
        read(missing)
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    png += struct.pack(">I", zlib.crc32(png[12:29]) & 0xFFFFFFFF) + struct.pack(">I", 0) + b"IEND"
    bomb = rezip(XPS / "scan.xps", tmp_path / "bomb.xps", lambda n, d: png if n.endswith(".jpg") else d)
    with pytest.raises(LimitExceeded, match=r"^XPS 文件第 1 页的图片 1\.jpg：图片 10,000,000,000 像素，超过上限"):
        read(bomb)


def test_a_page_xpstopdf_cannot_draw_is_refused_though_it_exits_0(tmp_path):
    """A font part that is no font: xpstopdf says "Error rendering page N" for each page using it, draws the page
    without its text and exits 0; the row names the first such page instead of reading blanks."""
    bad = _rewrite(tmp_path, "font.xps", lambda n, d: b"not a font" * 50 if n.endswith(".odttf") else d)
    with pytest.raises(ReadError) as e:
        read(bad)
    assert str(e.value).startswith("XPS 文件第 1 页无法绘制（xpstopdf 报告“Failed to load font "
                                   "/Resources/0B7C54A1-2E9D-4F3A-8C61-5D2E9A47B013.odttf”），该页的内容会丢失，未读取")
