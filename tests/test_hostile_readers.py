"""Hostile and broken files: each refused (or read) quickly, in bounded memory, with its own Chinese message.

Every file is generated small in tmp_path; where a real attack would need a big file (a zip that
inflates to GBs, a PDF stream of GBs, 5,000 pages), the limit is lowered instead
(`evalkit.limits.LIMITS` is read when a reader runs). Peak memory is measured with tracemalloc
(Python allocations: the grids, strings and inflated bytes an attack would pile up).
"""
from __future__ import annotations

import re
import tracemalloc
import zipfile
import zlib
from dataclasses import replace

import docx
import openpyxl
import pytest

import evalkit.limits
from conftest import ROOT, rezip
from evalkit.model import LimitExceeded, Paragraph, ReadError, Table
from evalkit.readers import read

MB = 1 << 20
PEAK = 24 * MB        # what any of these reads may allocate at its peak (Python heap)


DEFAULTS = evalkit.limits.LIMITS


def set_limits(monkeypatch, **kw):
    """The default limits with `kw` changed, for the rest of the test."""
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(DEFAULTS, **kw))


def bounded(fn, *args, peak=PEAK):
    """fn(*args) under tracemalloc: (result, or the exception it raised), asserting the peak."""
    tracemalloc.start()
    try:
        try:
            result = fn(*args)
        except Exception as e:      # noqa: BLE001 (returned for the test to assert on)
            result = e
        top = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert top < peak, f"peak {top / MB:.1f} MB"
    return result


def refused(path, exc=LimitExceeded, pattern="", peak=PEAK):
    """Read `path` expecting `exc` whose message matches `pattern`; the message never names the path."""
    err = bounded(read, path, peak=peak)
    assert isinstance(err, exc), f"expected {exc.__name__}, got {err!r}"
    message = str(err)
    assert re.search(pattern, message), message
    assert str(path.parent) not in message and path.name not in message
    return message


# ------------------------------------------------------------------ builders

@pytest.fixture
def xlsx(tmp_path):
    """A 5 x 4 table of texts v11..v54 on one sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 6):
        for c in range(1, 5):
            ws.cell(r, c, f"v{r}{c}")
    wb.save(tmp_path / "base.xlsx")
    return tmp_path / "base.xlsx"


@pytest.fixture
def docx_file(tmp_path):
    d = docx.Document()
    d.add_paragraph("正文")
    t = d.add_table(rows=2, cols=2)
    for i, cell in enumerate(c for row in t.rows for c in row.cells):
        cell.text = f"格{i}"
    d.save(tmp_path / "base.docx")
    return tmp_path / "base.docx"


def sheet_edit(transform):
    def edit(name, data):
        return transform(data) if name == "xl/worksheets/sheet1.xml" else data
    return edit


# an OLE2 file whose directory lists an EncryptedPackage stream (what Office writes for a password)
OLE2_ENCRYPTED = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1016)
                  + ("EncryptedPackage".encode("utf-16-le") + bytes(32)).ljust(64, b"\x00") + b"\x22\x00" + bytes(62))
BASE_ROWS = [[f"v{r}{c}" for c in range(1, 5)] for r in range(1, 6)]


def pdf_bytes(pages: list[bytes], filters: bytes = b"/FlateDecode", encode=zlib.compress, forms: dict | None = None) -> bytes:
    """A minimal PDF: one Helvetica font, one content stream per page (encoded by `encode`),
    optional form XObjects {number: (resources, content)} every page can draw as /X."""
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"}
    kids, n = [], 20
    xobj = b""
    for num, (res, content) in (forms or {}).items():
        objs[num] = (b"<< /Type /XObject /Subtype /Form /BBox [0 0 600 800] /Resources " + res
                     + b" /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    if forms:
        xobj = b" /XObject << /X %d 0 R >>" % max(forms)
    for content in pages:
        data = encode(content)
        objs[n] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >>"
                   + xobj + b" >> /Contents %d 0 R >>" % (n + 1))
        objs[n + 1] = b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filters) + data + b"\nendstream"
        kids.append(n)
        n += 2
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objs[num] + b"\nendobj\n"
    size = max(objs) + 1
    xref = len(out)
    out += b"xref\n0 %d\n" % size
    out += b"".join(b"%010d 00000 n \n" % offsets[i] if i in offsets else b"0000000000 65535 f \n" for i in range(size))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


TEXT = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n"


# ------------------------------------------------------------------ XLSX

def test_xlsx_with_a_broken_part_is_refused_without_naming_the_path(xlsx, tmp_path, monkeypatch):
    """openpyxl puts the file's path in its words ("could not read stylesheet from /home/…/x.xlsx"): the
    message keeps the words, not the path (for an archive member it was the staging folder's)."""
    monkeypatch.setenv("EVALKIT_SOFFICE", str(tmp_path / "no-soffice"))     # the reader's own refusal (no repair)
    bad = rezip(xlsx, tmp_path / "styles.xlsx", lambda name, d: d.replace(b'<color theme="1"/>', b'<color rgb="16385"/>')
                if name == "xl/styles.xml" else d)
    refused(bad, ReadError, r"^XLSX 文件已损坏，无法解析（ValueError: Unable to read workbook: could not read "
                            r"stylesheet from …\. This is most probably")


def test_running_out_of_memory_is_not_taken_for_a_damaged_file(xlsx, docx_file, monkeypatch):
    """MemoryError (the worker's memory limit) reaches ingest, which says so; it is no Unparsable, and no
    LibreOffice repair is started under the same limit."""
    import evalkit.readers.docx as docx_reader
    import evalkit.readers.office as office
    import evalkit.readers.xlsxparse as xlsx_reader

    def out_of_memory(*a, **k):
        raise MemoryError

    monkeypatch.setattr(office, "repair", lambda *a, **k: pytest.fail("a repair was started"))
    monkeypatch.setattr(xlsx_reader, "_load_workbook", out_of_memory)
    with pytest.raises(MemoryError):
        read(xlsx)
    monkeypatch.setattr(docx_reader, "_main_part", out_of_memory)
    with pytest.raises(MemoryError):
        read(docx_file)


def test_xlsx_value_in_xfd1048576_is_read_without_a_dense_grid(xlsx, tmp_path):
    """A 2 KB file with one value in the last cell: the table, then that value, no 17-billion-cell grid."""
    far = rezip(xlsx, tmp_path / "far.xlsx", sheet_edit(lambda d: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d).replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>\xe8\xbf\x9c\xe5\xa4\x84</t></is></c></row></sheetData>')))
    assert far.stat().st_size < 8000
    doc = bounded(read, far)
    assert doc.blocks == [Paragraph("Sheet"), Table(BASE_ROWS), Paragraph("远处")]
    assert doc.warnings == []


def test_xlsx_far_value_on_a_table_row_is_split_off_with_a_warning(xlsx, tmp_path):
    far = rezip(xlsx, tmp_path / "wide.xlsx", sheet_edit(lambda d: d.replace(
        b'</row><row r="3">', b'<c r="XFD2" t="inlineStr"><is><t>far</t></is></c></row><row r="3">')))
    doc = bounded(read, far)
    assert doc.blocks == [Paragraph("Sheet"), Table(BASE_ROWS), Paragraph("far")]
    assert len(doc.warnings) == 1 and "A–XFD 列" in doc.warnings[0] and "拆成 2 个表格" in doc.warnings[0]


def test_xlsx_merge_over_the_whole_sheet_is_clipped_to_the_values(xlsx, tmp_path):
    merged = rezip(xlsx, tmp_path / "merge.xlsx", sheet_edit(lambda d: d.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')))
    doc = bounded(read, merged)
    assert doc.blocks == [Paragraph("Sheet"), Paragraph("v11")]     # what Excel shows: one merged cell
    assert "A1:XFD1048576（裁剪为 A1:D5）" in doc.warnings[0]


def test_xlsx_merge_and_value_at_both_corners_is_refused_not_expanded(xlsx, tmp_path):
    both = rezip(xlsx, tmp_path / "both.xlsx", sheet_edit(lambda d: d.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
                         b'<mergeCells count="1"><mergeCell ref="B1:XFD1048576"/></mergeCells>')))
    # the merge, clipped to 1,000 x 1,000 cells from B1, joins the table's column A
    refused(both, LimitExceeded, r"^工作表「Sheet」第 1–1,000 行有一片连续 1,001 列宽的内容（A–ALM 列），超过上限 500 列")


def test_xlsx_cells_over_the_limit_refused(xlsx, monkeypatch):
    set_limits(monkeypatch, max_cells=10)
    refused(xlsx, LimitExceeded, r"^工作簿中有内容的单元格超过上限 10 个（工作表「Sheet」）；请删除无关的工作表或数据后另存再导入$")


def test_xlsx_shared_strings_over_the_limit_refused_before_openpyxl_loads_them(xlsx, tmp_path, monkeypatch):
    table = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + b"<si><t>s</t></si>" * 50 + b"</sst>")
    strings = rezip(xlsx, tmp_path / "sst.xlsx", extra=[("xl/sharedStrings.xml", table)])
    set_limits(monkeypatch, max_cells=30)
    refused(strings, LimitExceeded, r"^工作簿的共享字符串表超过 30 条，多于单元格上限（疑似恶意构造的文件）")


def test_xlsx_wide_contiguous_table_refused(xlsx, monkeypatch):
    set_limits(monkeypatch, max_cols=3)
    refused(xlsx, LimitExceeded, r"^工作表「Sheet」第 1–5 行有一片连续 4 列宽的内容（A–D 列），超过上限 3 列")


def test_xlsx_member_with_a_bomb_ratio_refused(xlsx, tmp_path):
    bomb = rezip(xlsx, tmp_path / "ratio.xlsx", extra=[("xl/media/zeros.bin", bytes(4 * MB))])
    assert bomb.stat().st_size < 20_000
    refused(bomb, LimitExceeded, r"^压缩包内的 xl/media/zeros\.bin 由 .* 解压为 4 MB，压缩比 [\d,]+:1，超过上限 200:1（疑似压缩炸弹）")


def test_xlsx_dtd_refused_before_parsing(xlsx, tmp_path):
    lol = rezip(xlsx, tmp_path / "lol.xlsx", lambda name, d: (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + re.sub(rb"^<\?xml[^>]*\?>", b"", d)) if name == "xl/workbook.xml" else d)
    refused(lol, ReadError, r"^XLSX 文件的 xl/workbook\.xml 含有 <!DOCTYPE 声明（DTD/实体定义），Excel 不会生成")


def test_xls_corrupt_and_encrypted(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_SOFFICE", str(tmp_path / "no-soffice"))     # the reader's own refusal (no repair)
    (tmp_path / "enc.xlsx").write_bytes(OLE2_ENCRYPTED)
    refused(tmp_path / "enc.xlsx", ReadError, r"^Excel 文件已加密（设置了打开密码）")
    (tmp_path / "bad.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    refused(tmp_path / "bad.xls", ReadError, r"^XLS 文件已损坏，无法解析（.*），请用 Excel 打开后另存为 \.xlsx 再导入$")


# ------------------------------------------------------------------ DOCX

def test_docx_zip_bomb_total_size_refused(docx_file, tmp_path, monkeypatch):
    bomb = rezip(docx_file, tmp_path / "bomb.docx", extra=[("word/media/zeros.bin", bytes(2 * MB))])
    assert bomb.stat().st_size < 60_000
    set_limits(monkeypatch, max_unzipped_bytes=1 * MB)
    refused(bomb, LimitExceeded, r"^压缩包解压后达 2\.\d MB，超过上限 1 MB（疑似压缩炸弹）；正常的 DOCX 自评报告远小于此")


def test_docx_member_with_a_bomb_ratio_refused(docx_file, tmp_path):
    bomb = rezip(docx_file, tmp_path / "ratio.docx", lambda name, d: d.replace(b"<w:body>", b"<w:body>" + b" " * (3 * MB))
                 if name == "word/document.xml" else d)
    refused(bomb, LimitExceeded, r"^压缩包内的 word/document\.xml 由 .* 解压为 3 MB，压缩比 [\d,]+:1，超过上限 200:1")


def test_docx_member_lying_about_its_size_is_read_only_as_far_as_declared(docx_file, tmp_path):
    """The central directory says 1,000 bytes; the data inflates to 3 MB: never read past 1,000."""
    liar = rezip(docx_file, tmp_path / "liar.docx", lambda name, d: d.replace(b"<w:body>", b"<w:body>" + b" " * (3 * MB))
                 if name == "word/document.xml" else d)
    raw = bytearray(liar.read_bytes())
    with zipfile.ZipFile(liar) as z:
        info = z.getinfo("word/document.xml")
    raw[info.header_offset + 22:info.header_offset + 26] = (1000).to_bytes(4, "little")     # local header
    for m in re.finditer(rb"PK\x01\x02", raw):                                             # central directory
        at = m.start()
        size = int.from_bytes(raw[at + 28:at + 30], "little")
        if raw[at + 46:at + 46 + size] == b"word/document.xml":
            raw[at + 24:at + 28] = (1000).to_bytes(4, "little")
    liar.write_bytes(bytes(raw))
    refused(liar, ReadError, r"^DOCX 文件已损坏（压缩包内容无法解压：BadZipFile: Bad CRC-32", peak=8 * MB)


def test_docx_billion_laughs_refused_before_parsing(docx_file, tmp_path):
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)) + b"]>"
    lol = rezip(docx_file, tmp_path / "lol.docx", lambda name, d: laughs + re.sub(rb"^<\?xml[^>]*\?>\s*", b"", d).replace(
        "正文".encode(), b"&lol9;") if name == "word/document.xml" else d)
    refused(lol, ReadError, r"^DOCX 文件的 word/document\.xml 含有 <!DOCTYPE 声明（DTD/实体定义），Word 不会生成这种内容，"
                            r"疑似恶意构造的文件（XML 实体炸弹/外部实体），已拒绝读取；请用 Word 打开后另存为 \.docx 再导入$")


@pytest.mark.parametrize("encoding, declared", [("utf-16", True), ("utf-7", True), ("utf-16-be", False)])
def test_docx_dtd_hidden_in_another_encoding_refused(docx_file, tmp_path, encoding, declared):
    xxe = ((f'<?xml version="1.0" encoding="{encoding}"?>' if declared else "")
           + '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">&x;</Relationships>')
    bad = rezip(docx_file, tmp_path / "xxe.docx", lambda name, d: xxe.encode(encoding) if name == "_rels/.rels" else d)
    refused(bad, ReadError, r"^DOCX 文件的 _rels/\.rels 含有 <!DOCTYPE 声明")


def test_docx_limits_on_members_size_and_cells(docx_file, monkeypatch):
    with zipfile.ZipFile(docx_file) as z:
        n = len(z.infolist())
    set_limits(monkeypatch, max_zip_members=5)
    refused(docx_file, LimitExceeded, rf"^DOCX 压缩包内有 {n} 个文件，超过上限 5 个（疑似恶意构造的文件）")
    set_limits(monkeypatch, max_file_bytes=1000)
    refused(docx_file, LimitExceeded, r"^文件大小 [\d.]+ KB，超过上限 1000 字节；")
    set_limits(monkeypatch, max_cells=3)
    refused(docx_file, LimitExceeded, r"^文档中表格的单元格超过上限 3 个；请删除无关的表格后另存再导入$")


def test_docx_central_directory_checked_before_zipfile_parses_it(tmp_path, monkeypatch):
    """The end record claims 1 entry; the directory holds 60: its size gives it away."""
    bomb = tmp_path / "dir.docx"
    with zipfile.ZipFile(bomb, "w") as z:
        for i in range(60):
            z.writestr(f"word/{'x' * 100}{i}.xml", b"")
    raw = bytearray(bomb.read_bytes())
    end = raw.rindex(b"PK\x05\x06")
    raw[end + 8:end + 12] = (1).to_bytes(2, "little") * 2          # entries on this disk, entries in all
    bomb.write_bytes(bytes(raw))
    set_limits(monkeypatch, max_zip_members=2)
    monkeypatch.setattr(zipfile, "ZipFile", None)                    # never reached
    refused(bomb, LimitExceeded, r"^DOCX 压缩包的文件目录达 [\d.]+ KB，超过 2 个文件的上限（疑似恶意构造的文件）")


def test_docx_not_a_package(tmp_path):
    (tmp_path / "old.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    refused(tmp_path / "old.docx", ReadError, r"^这是 Word 97-2003 格式（\.doc）的文件，只是扩展名为 \.docx")
    (tmp_path / "enc.docx").write_bytes(OLE2_ENCRYPTED)
    refused(tmp_path / "enc.docx", ReadError, r"^DOCX 文件已加密（设置了打开密码）")
    (tmp_path / "cut.docx").write_bytes(b"PK\x03\x04 truncated")
    refused(tmp_path / "cut.docx", ReadError, r"^DOCX 文件已损坏（不是有效的 ZIP 包，可能下载不完整）")


# ------------------------------------------------------------------ HTML

def test_html_with_characters_xml_forbids_is_read_with_a_warning(tmp_path):
    """A damaged page: control characters in the text after a <script> the reader drops. lxml kept them as
    text, then refused them when the drop moved that text (ValueError: an internal error, not a row)."""
    page = ("<html><body><script>var x;</script>\x0b说明\x00<table><tr><td>项目名称</td><td>A\x01B\ufffe</td></tr>"
            "<tr><td>预算</td><td>10</td></tr></table></body></html>")
    (tmp_path / "damaged.html").write_text(page, encoding="utf-8")
    doc = bounded(read, tmp_path / "damaged.html")
    assert doc.warnings == ["网页中有 4 个控制字符（文件可能已损坏），已删除"]
    assert [b.rows for b in doc.blocks if isinstance(b, Table)] == [[["项目名称", "AB"], ["预算", "10"]]]


def test_html_huge_spans_are_clipped(tmp_path):
    page = tmp_path / "span.html"
    page.write_text('<table><tr><td colspan="100000000" rowspan="3">甲</td><td>乙</td></tr>'
                    '<tr><td rowspan="100000000" colspan="100000">丙</td></tr><tr><td>丁</td></tr></table>', encoding="utf-8")
    doc = bounded(read, page)
    assert doc.blocks == [Table([["甲", "乙"], ["", "丙"], ["", "", "丁"]])]
    assert doc.warnings == ["网页表格中有 2 个单元格的合并跨度（colspan=100,000,000、rowspan=100,000,000）超过上限 1,000 行/列，"
                            "已按 1,000 读取；请核对这些表格"]


def test_html_limits(tmp_path, monkeypatch):
    page = tmp_path / "t.html"
    page.write_text("<table>" + "<tr><td>a</td><td>b</td></tr>" * 3 + "</table>", encoding="utf-8")
    set_limits(monkeypatch, max_cells=5)
    refused(page, LimitExceeded, r"^网页中表格的单元格超过上限 5 个；请只保存含自评表的页面后再导入$")
    set_limits(monkeypatch, max_rows=2)
    refused(page, LimitExceeded, r"^网页中有一个 3 行的表格，超过上限 2 行")
    set_limits(monkeypatch, max_text_bytes=50)
    refused(page, LimitExceeded, r"^文件大小 \d+ 字节，超过上限 50 字节；网页文件会整个读入内存")


def test_html_rowspans_cost_follows_cells_not_area(tmp_path):
    """Every cell spans 1,000 rows and columns (clipped): the grid stays as big as its cells."""
    rows = "".join("<tr>" + '<td rowspan="5000" colspan="5000">x</td>' * 20 + "</tr>" for _ in range(40))
    (tmp_path / "area.html").write_text(f"<table>{rows}</table>", encoding="utf-8")
    doc = bounded(read, tmp_path / "area.html")
    assert len(doc.blocks[0].rows) == 40


# ------------------------------------------------------------------ PDF

def test_pdf_flate_bomb_refused(tmp_path, monkeypatch):
    c = zlib.compressobj(9)
    bomb = c.compress(TEXT) + c.compress(b" " * (3 * MB)) + c.flush()
    (tmp_path / "bomb.pdf").write_bytes(pdf_bytes([TEXT], encode=lambda _: bomb))
    assert (tmp_path / "bomb.pdf").stat().st_size < 10_000
    set_limits(monkeypatch, max_pdf_stream_bytes=1 * MB)
    refused(tmp_path / "bomb.pdf", LimitExceeded,
            r"^PDF 中有一个数据流解压后超过 1 MB（疑似压缩炸弹），已停止读取；请确认文件来源，或用 PDF 工具重新导出后再导入$")


def test_pdf_corrupted_flate_bomb_refused_in_linear_time(tmp_path, monkeypatch):
    """A bad checksum sends pdfminer to its byte-by-byte (quadratic) decoder: ours is bounded and linear."""
    c = zlib.compressobj(9)
    bomb = (c.compress(TEXT) + c.compress(b" " * (3 * MB)) + c.flush())[:-4]
    (tmp_path / "crc.pdf").write_bytes(pdf_bytes([TEXT], encode=lambda _: bomb))
    set_limits(monkeypatch, max_pdf_stream_bytes=1 * MB)
    refused(tmp_path / "crc.pdf", LimitExceeded, r"^PDF 中有一个数据流解压后超过 1 MB（疑似压缩炸弹）")


def test_pdf_stream_with_only_its_checksum_damaged_is_read_whole_and_quietly(tmp_path):
    """Every byte of the stream inflates, only zlib's checksum is wrong: the page is read, and nothing is printed
    (a log line without a file name once landed in the ingest's progress bar; a fresh interpreter, as in the
    CLI, where no logging is configured and Python's last-resort handler would print it)."""
    import subprocess
    import sys
    def wrong_checksum(b: bytes) -> bytes:
        z = zlib.compress(b)
        return z[:-1] + bytes([z[-1] ^ 0xFF])
    (tmp_path / "crc.pdf").write_bytes(pdf_bytes([TEXT], encode=wrong_checksum))
    code = ("import sys; from evalkit.readers import read; "
            "print(' '.join(b.text for b in read(sys.argv[1]).blocks if hasattr(b, 'text')))")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "crc.pdf")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.strip() == "Hello"


def test_pdf_runlength_bomb_refused(tmp_path, monkeypatch):
    (tmp_path / "rl.pdf").write_bytes(pdf_bytes([TEXT], b"/RunLengthDecode", lambda _: bytes([129, 32]) * 20_000 + b"\x80"))
    set_limits(monkeypatch, max_pdf_stream_bytes=1 * MB)
    refused(tmp_path / "rl.pdf", LimitExceeded, r"^PDF 中有一个数据流解压后超过 1 MB")


def test_pdf_streams_over_the_file_budget_refused(tmp_path, monkeypatch):
    """Each page's stream fits; together they pass max_pdf_decoded_bytes."""
    page = TEXT + b"%" + b" " * (900 << 10) + b"\n"
    (tmp_path / "many.pdf").write_bytes(pdf_bytes([page] * 4))
    set_limits(monkeypatch, max_pdf_stream_bytes=1 * MB, max_pdf_decoded_bytes=3 * MB)
    refused(tmp_path / "many.pdf", LimitExceeded, r"^PDF 中的数据流解压后累计超过 3 MB（疑似压缩炸弹）")


def test_pdf_pages_over_the_limit_refused_before_any_page_is_parsed(tmp_path, monkeypatch):
    import evalkit.readers.pdf as pdf_reader

    (tmp_path / "long.pdf").write_bytes(pdf_bytes([TEXT] * 5))
    set_limits(monkeypatch, max_pages=3)

    def no_parsing(page):
        raise AssertionError("a page was parsed")

    monkeypatch.setattr(pdf_reader, "_page_chars", no_parsing)
    refused(tmp_path / "long.pdf", LimitExceeded, r"^PDF 共 5 页，超过上限 3 页；请只导出自评报告所在的页面（用 PDF 工具拆分）后再导入$")


def test_pdf_nested_forms_bomb_refused(tmp_path, monkeypatch):
    """Form Xk draws X(k-1) ten times, four levels: 10,000 draws from a 2 KB file."""
    forms = {10: (b"<< /Font << /F1 3 0 R >> >>", b"BT /F1 12 Tf 72 720 Td (A) Tj ET")}
    for k in range(1, 5):
        forms[10 + k] = (b"<< /XObject << /X %d 0 R >> >>" % (9 + k), b" ".join([b"q /X Do Q"] * 10))
    (tmp_path / "forms.pdf").write_bytes(pdf_bytes([b"/X Do " + TEXT], forms=forms))
    assert (tmp_path / "forms.pdf").stat().st_size < 3000
    set_limits(monkeypatch, max_pdf_page_objects=2000)
    refused(tmp_path / "forms.pdf", LimitExceeded, r"^PDF 第 1 页的绘图指令超过 2,000 条（正常的一页不到其十分之一")
    set_limits(monkeypatch, max_pdf_page_objects=10**9, max_pdf_page_chars=500)
    refused(tmp_path / "forms.pdf", LimitExceeded, r"^PDF 第 1 页的文字超过 500 个")


def test_pdf_over_the_file_size_limit_refused(tmp_path, monkeypatch):
    (tmp_path / "big.pdf").write_bytes(pdf_bytes([TEXT]))
    set_limits(monkeypatch, max_file_bytes=100)
    refused(tmp_path / "big.pdf", LimitExceeded, r"^文件大小 [\d.]+ 字节，超过上限 100 字节；正常的自评报告远小于此")


def test_pdf_within_limits_still_reads(tmp_path):
    (tmp_path / "ok.pdf").write_bytes(pdf_bytes([TEXT] * 2))
    doc = bounded(read, tmp_path / "ok.pdf")
    assert doc.pages == 2 and [b.text for b in doc.blocks] == ["Hello", "Hello"]


@pytest.mark.parametrize("name", ["fixture_docx.docx", "fixture_xlsx.xlsx", "office/fixture_pptx.pptx",
                                  "archives/自评材料.zip"])
def test_a_zip_whose_directory_asks_a_newer_zip_version_is_damaged_not_an_internal_error(tmp_path, name):
    """One flipped byte in a central directory entry's version-needed field (zip file version 17.6): zipfile raises
    NotImplementedError, which was let through as 读取时发生内部错误 (found by scripts/fuzz_readers.py, seed 81)."""
    from evalkit.ingest import ingest_paths
    from evalkit.readers.sniff import content_format
    data = bytearray((ROOT / "tests" / "fixtures" / name).read_bytes())
    at = data.index(b"PK\x01\x02")
    data[at + 6:at + 8] = (176).to_bytes(2, "little")
    path = tmp_path / name.rsplit("/", 1)[-1]
    path.write_bytes(bytes(data))
    assert content_format(path) is None
    rep = ingest_paths([path], checks=False)["reports"].iloc[0]
    assert rep["status"] == "failed" and "内部错误" not in rep["error"]
    assert "已损坏" in rep["error"]
