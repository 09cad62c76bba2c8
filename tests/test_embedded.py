"""Excel worksheets embedded in a Word document as objects (word/embeddings/): read as the workbook they are, the
sheet Word shows, at the object's place; the figures equal those of the same workbook read alone."""
from __future__ import annotations

import pytest

from conftest import ROOT
from evalkit.discover import hash_file
from evalkit.ingest import build
from evalkit.readers import read

FIXTURES = ROOT / "tests" / "fixtures"
XLSX = FIXTURES / "fixture_xlsx.xlsx"       # sheets 项目支出绩效自评表 (active) and 填报说明
XLS = FIXTURES / "fixture_xls.xls"          # sheets 自评表1 (selected) and 自评表2, a project each
PROJECT = ["project_name", "fiscal_year", "budget_initial", "budget_full_year", "executed", "execution_rate",
           "total_score", "grade", "agency"]
INDICATOR = ["level1", "level2", "level3", "target", "actual", "weight", "score"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE_TYPE = "application/vnd.openxmlformats-officedocument.oleObject"
RT_PACKAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/package"
RT_OLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject"
RT_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


def word_with_object(path, blob, prog_id="Excel.Sheet.12", before=("附件：项目支出绩效自评表",), after=(),
                     part=None, content_type=None, aspect="Content", copies=1):
    """A .docx as Word saves a worksheet pasted as an object: a w:object run (a VML picture of the sheet, its
    EMF preview, and an o:OLEObject pointing to the workbook in word/embeddings/). Another object: its `part` name
    and `content_type` (an OLE object's .bin by default), `aspect` Icon for a file shown as an icon, `copies`
    objects of the one part."""
    import docx
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    d = docx.Document()
    for t in before:
        d.add_paragraph(t)
    package = d.part.package
    xlsx = prog_id.endswith(".12") and part is None
    part = part or ("/word/embeddings/Microsoft_Excel_Worksheet.xlsx" if xlsx else "/word/embeddings/oleObject1.bin")
    content_type = content_type or (XLSX_TYPE if xlsx else OLE_TYPE)
    obj = Part(PackURI(part), content_type, blob, package)
    pic = Part(PackURI("/word/media/image1.emf"), "image/x-emf", b"\x01\x00\x00\x00EMF preview", package)
    rid_obj = d.part.relate_to(obj, RT_OLE if content_type == OLE_TYPE else RT_PACKAGE)
    rid_pic = d.part.relate_to(pic, RT_IMAGE)
    run = parse_xml(
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<w:object w:dxaOrig="9000" w:dyaOrig="6000">'
        '<v:shape id="_x0000_i1025" type="#_x0000_t75" style="width:450pt;height:300pt" o:ole="">'
        f'<v:imagedata r:id="{rid_pic}" o:title=""/></v:shape>'
        f'<o:OLEObject Type="Embed" ProgID="{prog_id}" ShapeID="_x0000_i1025" DrawAspect="{aspect}" '
        f'ObjectID="_1780000001" r:id="{rid_obj}"/></w:object></w:r>')
    for k in range(copies):                       # the object shown `copies` times (one part)
        d.add_paragraph()._p.append(run if k == 0 else parse_xml(run.xml))
    for t in after:
        d.add_paragraph(t)
    d.save(path)
    return path


def _built(path, fmt):
    return build(read(path), path.name, hash_file(path), fmt)


def _rows(res, fields):
    return [tuple(str(r.get(f)) for f in fields) for r in res]


def test_an_embedded_xlsx_reads_as_the_workbook_alone(tmp_path):
    """The xlsx fixture pasted into Word as an object: the same project and indicator lines as the workbook read
    alone; places name the sheet and cell Excel shows on double-click; the instructions sheet (not shown) is not
    read, and the object's EMF preview is not sent to OCR."""
    path = word_with_object(tmp_path / "自评报告.docx", XLSX.read_bytes())
    got, want = _built(path, "docx"), _built(XLSX, "xlsx")
    assert got.report["status"] == "ok" and len(got.projects) == len(want.projects) == 2
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT)
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR) and len(got.indicators) > 5
    sheet = "项目支出绩效自评表（嵌入对象1）"
    assert {r["loc_sheet"] for r in got.indicators} == {sheet}
    assert [r["loc_cell"] for r in got.indicators] == [r["loc_cell"] for r in want.indicators]
    assert got.indicators[0]["location"].startswith(f"工作表“{sheet}” ")
    doc = read(path)
    assert doc.ocr_pages == [] and doc.blocks[0].text == "附件：项目支出绩效自评表"
    shown = {b.sheet for b in doc.blocks[1:]}
    assert shown == {sheet}, shown                                            # 填报说明 is not shown by the object


def test_an_embedded_excel_97_object_reads_the_sheet_it_shows(tmp_path):
    """An Excel 97 worksheet object (Excel.Sheet.8: an OLE2 workbook as oleObject1.bin): the sheet it opens on
    (自评表1) is read, the other sheet's project is not."""
    path = word_with_object(tmp_path / "自评报告.docx", XLS.read_bytes(), prog_id="Excel.Sheet.8")
    got, whole = _built(path, "docx"), _built(XLS, "xlsx")
    assert len(whole.projects) == 2
    first = [p for p in whole.projects if p["loc_sheet"] == "自评表1"]
    assert _rows(got.projects, PROJECT) == _rows(first, PROJECT)
    assert {r["loc_sheet"] for r in got.indicators} == {"自评表1（嵌入对象1）"}


def test_text_around_an_embedded_sheet_keeps_its_order(tmp_path):
    """Paragraphs before and after the object stay where they are: the object's blocks between them."""
    path = word_with_object(tmp_path / "x.docx", XLSX.read_bytes(), before=("一、项目概况",), after=("二、自评结论",))
    texts = [getattr(b, "text", None) for b in read(path).blocks]
    assert texts[0] == "一、项目概况" and texts[-1] == "二、自评结论" and len(texts) > 3


def test_a_damaged_embedded_sheet_is_a_warning_not_a_failure(tmp_path):
    """An object whose workbook is damaged (a cut-off ZIP) or no workbook at all: the document is read with a
    warning naming the object and what to do; other objects (an equation) are not tables and say nothing."""
    path = word_with_object(tmp_path / "x.docx", XLSX.read_bytes()[:3000], before=("附件",))
    doc = read(path)
    assert any(w.startswith("文档中第 1 个嵌入的 Excel 表格（word/embeddings/Microsoft_Excel_Worksheet.xlsx）无法读取")
               for w in doc.warnings), doc.warnings
    path = word_with_object(tmp_path / "y.docx", b"not a workbook at all", before=("附件",))
    assert any("不是可识别的工作簿" in w for w in read(path).warnings)
    path = word_with_object(tmp_path / "z.docx", b"\x00" * 64, prog_id="Equation.3", before=("附件",))
    assert read(path).warnings == []


def test_an_embedded_sheet_counts_against_the_cell_limit(tmp_path, monkeypatch):
    """The embedded workbook is read under the same limits as one given alone: over the cell limit the document
    is refused, naming the object."""
    from dataclasses import replace

    import evalkit.limits
    from evalkit.errors import LimitExceeded
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_cells=20))
    path = word_with_object(tmp_path / "x.docx", XLSX.read_bytes())
    with pytest.raises(LimitExceeded, match=r"文档中第 1 个嵌入的 Excel 表格（word/embeddings/Microsoft_Excel_Worksheet\.xlsx）"):
        read(path)


RT_CHUNK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"
PAGE = FIXTURES / "fixture_html.html"          # a GBK page with a self-evaluation table
DOCX = FIXTURES / "fixture_docx.docx"


def word_with_chunk(path, blob, content_type, name, before=("附件：",)):
    """A .docx as web systems write their exports: the body an w:altChunk pointing to a part in another format
    (Word converts it on opening), after a paragraph."""
    import docx
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    d = docx.Document()
    for t in before:
        d.add_paragraph(t)
    rid = d.part.relate_to(Part(PackURI(f"/word/{name}"), content_type, blob, d.part.package), RT_CHUNK)
    chunk = parse_xml('<w:altChunk xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                      f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rid}"/>')
    d.element.body.insert(len(d.element.body) - 1, chunk)       # before w:sectPr
    d.save(path)
    return path


def _mht(page: bytes) -> bytes:
    import base64
    return (b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: text/html; charset=gbk\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(page) + b"\r\n--b--\r\n")


@pytest.mark.parametrize("kind", ["html", "mht", "docx"])
def test_a_word_export_made_of_an_alt_chunk_reads_as_its_content(tmp_path, kind):
    """A system's Word export whose body is one w:altChunk (HTML, MHT or a DOCX part: python-docx sees an empty
    body): the projects and indicator lines of the content read alone, after the paragraph before it."""
    src, blob, ctype, name = {
        "html": (PAGE, PAGE.read_bytes(), "text/html", "afchunk.htm"),
        "mht": (PAGE, _mht(PAGE.read_bytes()), "message/rfc822", "afchunk.mht"),
        "docx": (DOCX, DOCX.read_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                 "afchunk.docx")}[kind]
    path = word_with_chunk(tmp_path / "导出.docx", blob, ctype, name)
    got, want = _built(path, "docx"), _built(src, src.suffix.lstrip("."))
    assert len(got.projects) == len(want.projects) > 0
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT)
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    doc = read(path)
    assert doc.blocks[0].text == "附件：" and doc.warnings == []        # read by evalkit, not repaired by LibreOffice


def test_an_alt_chunk_of_text_or_an_unread_format(tmp_path):
    """A plain-text chunk is read as paragraphs; an RTF chunk (LibreOffice's work) is a warning naming it."""
    path = word_with_chunk(tmp_path / "t.docx", "自评得分：95.65分\n等级：优\n".encode("gb18030"), "text/plain", "a.txt")
    assert [b.text for b in read(path).blocks] == ["附件：", "自评得分：95.65分", "等级：优"]
    path = word_with_chunk(tmp_path / "r.docx", rb"{\rtf1 x}", "application/rtf", "a.rtf")
    doc = read(path)
    assert any("application/rtf" in w and "word/a.rtf" in w for w in doc.warnings), doc.warnings


def test_chunks_nested_past_two_levels_are_refused(tmp_path):
    """A DOCX chunk holding a DOCX chunk holding another …: refused at the third level (a package that holds
    itself would never end)."""
    from evalkit.errors import LimitExceeded
    ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    blob = DOCX.read_bytes()
    for k in range(3):
        blob = word_with_chunk(tmp_path / f"n{k}.docx", blob, ctype, "afchunk.docx").read_bytes()
    assert len(list(read(tmp_path / "n1.docx").tables())) == len(list(read(DOCX).tables()))
    with pytest.raises(LimitExceeded, match="超过 2 层"):
        read(tmp_path / "n2.docx")
