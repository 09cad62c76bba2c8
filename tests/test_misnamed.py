"""A file under another format's name (a PDF saved as .docx, a Word 97 file renamed .docx, an OFD downloaded as
.pdf, a workbook under a .docx name): its suffix's reader refuses it, it is read as what its content is, the
report says so and carries that format; content no reader knows keeps the first refusal."""
from __future__ import annotations

import shutil

import pytest

from conftest import ROOT
from evalkit.errors import ReadError
from evalkit.ingest import ingest_paths
from evalkit.model import Paragraph
from evalkit.readers import read
from evalkit.readers.office import find_soffice

FIX = ROOT / "tests" / "fixtures"


def blocks(doc):
    return [b.text if isinstance(b, Paragraph) else b.rows for b in doc.blocks]


@pytest.mark.parametrize("src, name, content", [
    ("fixture_pdf.pdf", "自评表.docx", "pdf"),
    ("fixture_pdf.pdf", "自评表.txt", "pdf"),
    ("fixture_docx.docx", "自评表.pdf", "docx"),
    ("fixture_docx.docx", "自评表.xlsx", "docx"),
    ("fixture_xlsx.xlsx", "自评表.docx", "xlsx"),
    ("fixture_ofd.ofd", "自评表.pdf", "ofd"),
    ("office/fixture_pptx.pptx", "自评表.docx", "pptx"),
    ("fixture_docx.docx", "汇报.pptx", "docx"),
])
def test_a_misnamed_file_reads_as_its_content_with_a_warning(tmp_path, src, name, content):
    path = tmp_path / name
    shutil.copyfile(FIX / src, path)
    doc = read(path)
    assert blocks(doc) == blocks(read(FIX / src))
    assert doc.read_as == content and doc.warnings[0].startswith(f"文件扩展名是“{path.suffix}”，但内容是")


def test_a_word_97_file_renamed_docx_goes_through_libreoffice(tmp_path):
    if find_soffice() is None:
        pytest.skip("LibreOffice is needed for .doc")
    path = tmp_path / "自评表.docx"
    shutil.copyfile(FIX / "office" / "fixture_doc.doc", path)
    doc = read(path)
    assert doc.read_as == "doc" and blocks(doc) == blocks(read(FIX / "office" / "fixture_doc.doc"))
    assert "但内容是Word 97-2003 文档（.doc），已按Word 97-2003 文档（.doc）读取" in doc.warnings[0]


def test_content_no_reader_knows_keeps_the_first_refusal(tmp_path):
    path = tmp_path / "x.docx"
    path.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(ReadError, match="DOCX 文件已损坏（不是有效的 ZIP 包"):
        read(path)
    cut = tmp_path / "cut.docx"
    cut.write_bytes((FIX / "fixture_pdf.pdf").read_bytes()[:2000])      # a PDF cut short: the PDF reader fails too
    with pytest.raises(ReadError, match="DOCX 文件已损坏"):
        read(cut)


def test_the_report_row_carries_the_content_format_and_the_copy_is_one_report(tmp_path):
    shutil.copyfile(FIX / "fixture_pdf.pdf", tmp_path / "a.pdf")
    shutil.copyfile(FIX / "fixture_pdf.pdf", tmp_path / "下载.docx")
    (tmp_path / "下载.docx").write_bytes((FIX / "fixture_pdf.pdf").read_bytes() + b"\n% saved again\n")   # not byte-identical
    t = ingest_paths([tmp_path], checks=False, keep_format_copies=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["下载.docx", "format"] == "pdf" and rep.loc["a.pdf", "format"] == "pdf"
    assert sorted(rep["status"]) == ["duplicate", "ok"]


def test_a_report_saved_under_a_portals_script_name_or_none_is_read_as_its_content(tmp_path):
    """`downfile.jsp`, `getFile.do`, a name without a suffix (a portal's download, a scraper's file): before, skipped
    as other files, the reports missing without a word. Word's temporary copies, text files and a FIFO stay out."""
    import os
    fx = FIX
    shutil.copy(fx / "fixture_pdf.pdf", tmp_path / "downfile.jsp")
    shutil.copy(fx / "fixture_xlsx.xlsx", tmp_path / "P020230815123456")
    shutil.copy(fx / "fixture_docx.docx", tmp_path / "~WRL0001.tmp")
    (tmp_path / "notes.json").write_text('{"a": 1}', encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep.index) == ["P020230815123456", "downfile.jsp"]
    assert rep.loc["downfile.jsp", "format"] == "pdf" and rep.loc["P020230815123456", "format"] == "xlsx"
    assert (rep["status"] == "partial").all() and (rep["n_indicators"] > 0).all()
    assert "扩展名是“.jsp”，但内容是PDF 文件" in rep.loc["downfile.jsp", "error"]
    plain = ingest_paths([fx / "fixture_pdf.pdf"], checks=False)["indicators"]
    got = ingest_paths([tmp_path / "downfile.jsp"], checks=False)["indicators"]
    cols = ["level3", "target", "actual", "weight", "score"]
    assert got[cols].equals(plain[cols])


def test_portal_pages_under_their_servers_names_are_read_as_web_pages(tmp_path):
    """A portal's article pages as a crawler or a browser keeps their names (`t20230815_123456.shtml`, TRS's and most
    government sites'; `art_1234.jsp`, `detail.aspx`, `show.php`, `view.do`): before, skipped as other files, so a
    mirrored site gave no report. Read as web pages, without a warning (the name is what a page's should be), in a
    folder and in an archive; a server page holding no HTML (a script's text) stays out."""
    import zipfile
    page = (FIX / "fixture_html.html").read_bytes()
    (tmp_path / "site").mkdir()
    for k, name in enumerate(["t20230815_123456.shtml", "art_1234.jsp", "detail.aspx", "show.php", "view.do"]):
        (tmp_path / "site" / name).write_bytes(page + f"<!-- {k} -->".encode())    # not byte copies of each other
    (tmp_path / "site" / "api.php").write_text("<?php echo 1; ?>", encoding="utf-8")
    (tmp_path / "site" / "status.jsp").write_text("ok", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "site" / "镜像.zip", "w") as z:
        z.writestr("www/art_99.jsp", page + b"<!-- zip -->")
        z.writestr("www/robots.php", b"User-agent: *")
    t = ingest_paths([tmp_path / "site"], checks=False, keep_format_copies=True)
    rep = t["reports"].set_index("source_file")
    assert sorted(rep.index) == ["art_1234.jsp", "detail.aspx", "show.php", "t20230815_123456.shtml", "view.do",
                                 "镜像.zip!www/art_99.jsp"]
    assert list(rep["format"]) == ["html"] * 6 and (rep["status"] == "ok").all(), rep[["status", "error"]]
    plain = ingest_paths([FIX / "fixture_html.html"], checks=False)["projects"]
    got = t["projects"][t["projects"]["source_file"] == "art_1234.jsp"]
    assert list(got["project_name"]) == list(plain["project_name"]) and len(plain) > 0
    doc = read(tmp_path / "site" / "view.do")
    assert doc.read_as == "html" and not doc.warnings and any("网站服务器的页面名" in n for n in doc.notes)


def test_a_byte_copy_of_a_file_read_by_its_content_reports_that_format(tmp_path):
    """`downfile.jsp` in two zips (a portal's download sent twice): the copy's duplicate row says pdf, the format its
    bytes are, as the kept row does (before, an empty format: a member's format was its name's)."""
    import zipfile
    data = (FIX / "fixture_pdf.pdf").read_bytes()
    for name in ("附件.zip", "附件（重发）.zip"):
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            z.writestr("下载/downfile.jsp", data)
    rep = ingest_paths([tmp_path], checks=False)["reports"].set_index("source_file")
    assert sorted(rep["status"]) == ["duplicate", "partial"]
    assert list(rep["format"]) == ["pdf", "pdf"], rep["format"]
