"""Word's XML Document 2003 under a .doc name (what Java systems export from a FreeMarker template): read without
LibreOffice, as the .docx it stands for; merged cells and section wrappers as Word 2003 writes them; hostile files
refused."""
from __future__ import annotations

import re
import zipfile

import pytest

from conftest import ROOT
from evalkit.discover import hash_file
from evalkit.ingest import build, ingest_paths
from evalkit.readers import read

DOCX = ROOT / "tests" / "fixtures" / "fixture_docx.docx"
NS = ('xmlns:w="http://schemas.microsoft.com/office/word/2003/wordml" '
      'xmlns:wx="http://schemas.microsoft.com/office/word/2003/auxHint"')
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<?mso-application progid="Word.Document"?>\n'


def as_word_2003(docx) -> str:
    """The .docx's body as Word 2003 saves “Word XML 文档”: the 2003 namespace, w:vmerge, inside a wx:sect."""
    body = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    body = re.search(r"<w:body>(.*)</w:body>", body, re.S).group(1)
    body = re.sub(r"<w:sectPr.*?</w:sectPr>", "", body, flags=re.S).replace("w:vMerge", "w:vmerge")
    return HEAD + f"<w:wordDocument {NS}><w:body><wx:sect>{body}</wx:sect></w:body></w:wordDocument>"


def test_a_word_2003_xml_named_doc_reads_as_the_docx_it_stands_for(tmp_path):
    """The .docx fixture saved as Word 2003 XML under a .doc name (before: refused as “not a Word document”): the
    same tables and paragraphs, the same projects and indicator lines, read without LibreOffice."""
    path = tmp_path / "导出.doc"
    path.write_text(as_word_2003(DOCX), encoding="utf-8")
    got, want = read(path), read(DOCX)
    assert [getattr(b, "rows", None) or b.text for b in got.blocks] == [getattr(b, "rows", None) or b.text
                                                                         for b in want.blocks]
    a, b = build(got, path.name, hash_file(path), "doc"), build(want, DOCX.name, hash_file(DOCX), "docx")
    fields = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score"]
    assert [[p[f] for f in fields] for p in a.projects] == [[p[f] for f in fields] for p in b.projects]
    assert len(a.indicators) == len(b.indicators) > 5
    t = ingest_paths([path], None, checks=False, cache_dir=False)
    assert t["reports"][["format", "status"]].values.tolist() == [["doc", "ok"]]


def test_word_2003_merged_cells_and_wrappers(tmp_path):
    """A table written by hand as Word 2003 does: gridSpan, vmerge restart/continue, paragraphs inside
    wx:sub-section and wx:pBdrGroup, a line break in a cell."""
    def tc(text, pr=""):
        return f"<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"
    span, restart = '<w:gridSpan w:val="2"/>', '<w:vmerge w:val="restart"/>'
    table = ("<w:tbl>"
             f"<w:tr>{tc('项目名称')}{tc('农村道路养护', span)}</w:tr>"
             f"<w:tr>{tc('产出指标', restart)}{tc('数量指标')}{tc('10公里')}</w:tr>"
             f"<w:tr>{tc('', '<w:vmerge/>')}{tc('质量指标')}"
             "<w:tc><w:p><w:r><w:t>合格</w:t><w:br/><w:t>（验收）</w:t></w:r></w:p></w:tc></w:tr></w:tbl>")
    xml = (HEAD + f"<w:wordDocument {NS}><w:body><wx:sect><wx:sub-section><wx:pBdrGroup>"
           "<w:p><w:r><w:t>2023年度项目支出绩效自评表</w:t></w:r></w:p></wx:pBdrGroup>"
           f"{table}</wx:sub-section></wx:sect></w:body></w:wordDocument>")
    (tmp_path / "t.doc").write_text(xml, encoding="utf-8")
    doc = read(tmp_path / "t.doc")
    assert [getattr(b, "rows", None) or b.text for b in doc.blocks] == [
        "2023年度项目支出绩效自评表",
        [["项目名称", "农村道路养护"], ["产出指标", "数量指标", "10公里"], ["", "质量指标", "合格\n（验收）"]]]


def test_a_word_2003_xml_named_docx_is_read_as_what_it_is(tmp_path):
    """The same file under a .docx name: the DOCX reader refuses it, the content says Word 2003 XML, it is read."""
    path = tmp_path / "导出.docx"
    path.write_text(as_word_2003(DOCX), encoding="utf-8")
    doc = read(path)
    assert len(list(doc.tables())) == len(list(read(DOCX).tables())) and doc.read_as == "doc"


def test_a_word_2003_xml_with_a_dtd_is_refused(tmp_path):
    from evalkit.errors import ReadError
    (tmp_path / "x.doc").write_text('<?xml version="1.0"?>\n<!DOCTYPE w [<!ENTITY e "boom">]>\n'
                                    f'<w:wordDocument {NS}><w:body><w:p><w:r><w:t>&e;</w:t></w:r></w:p></w:body>'
                                    "</w:wordDocument>", encoding="utf-8")
    with pytest.raises(ReadError, match="DTD"):
        read(tmp_path / "x.doc")
