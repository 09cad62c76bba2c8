"""Files attached to a Word document or deck as objects (插入 → 对象 → 由文件创建, shown as an icon: the 自评表 sent
inside the report as its 附件): read by the reader of what they are, where the object stands, with the same figures
as the file read alone; the reading notes say which tables came from which attachment. Files attached to a PDF
are reports of their own: named in its notes, not read into the PDF (ingest reads them apart: test_pdf_package)."""
from __future__ import annotations

import struct

import pytest

from conftest import ROOT, seed
from evalkit.errors import LimitExceeded
from evalkit.readers import read
from evalkit.readers.embedded import attached_file, packaged
from outlookmsg import compound
from test_embedded import INDICATOR, PROJECT, RT_OLE, _built, _rows, word_with_object
from test_office import SOFFICE, needs_lo

FIXTURES = ROOT / "tests" / "fixtures"
DOCX = FIXTURES / "fixture_docx.docx"        # two projects in Word tables
PDF = FIXTURES / "fixture_pdf.pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WORD_PART = "/word/embeddings/Microsoft_Word_Document.docx"
INTRO = ("关于2023年度项目支出绩效自评情况的报告", "附件：项目支出绩效自评表（双击图标打开）")


def ole10native(name: str, data: bytes, unicode: bool = True) -> bytes:
    """An Object Packager stream as Word on Chinese Windows writes one: the label and paths in GBK, then (Office
    2007 and later) in UTF-16."""
    src = f"C:\\Users\\财务科\\Desktop\\{name}"
    temp = f"C:\\Users\\财务科\\AppData\\Local\\Temp\\{name}"
    body = (struct.pack("<H", 2) + name.encode("gb18030") + b"\x00" + src.encode("gb18030") + b"\x00"
            + struct.pack("<HHI", 0, 3, len(temp.encode("gb18030")) + 1) + temp.encode("gb18030") + b"\x00"
            + struct.pack("<I", len(data)) + data)
    if unicode:
        for text in (temp, name, src):
            body += struct.pack("<I", len(text)) + text.encode("utf-16-le")
    return struct.pack("<I", len(body)) + body


def package(name: str, data: bytes, unicode: bool = True) -> bytes:
    """The oleObject.bin of a file packed by Object Packager (ProgID Package)."""
    return compound({"\x01Ole10Native": ole10native(name, data, unicode),
                     "\x01CompObj": b"\x01\x00\xfe\xff\x03\x0a\x00\x00" + bytes(24)})


def test_a_word_document_attached_as_an_icon_is_read_where_it_stands(tmp_path):
    """fixture_docx.docx attached to a cover report (Word.Document.12, an icon): its two projects and every
    indicator line as read alone, after the cover's paragraphs; the note says which tables came from it."""
    path = word_with_object(tmp_path / "报告.docx", DOCX.read_bytes(), prog_id="Word.Document.12", before=INTRO,
                            part=WORD_PART, content_type=DOCX_TYPE, aspect="Icon")
    got, want = _built(path, "docx"), _built(DOCX, "docx")
    assert got.report["status"] == "ok" and len(got.projects) == 2
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT)
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR) and len(got.indicators) > 10
    doc = read(path)
    assert [b.text for b in doc.blocks[:2]] == list(INTRO)
    n = len(list(doc.tables()))
    assert n == len(list(read(DOCX).tables())) and n > 1
    assert doc.notes == [f"嵌入对象1（Word 文档）的内容已读取（Word 文档），为文档中的表1—表{n}"]
    assert '"嵌入对象1（Word 文档）的内容已读取' in got.report["reading_notes"]


def test_a_pdf_packed_by_object_packager_is_read_with_its_name_and_pages(tmp_path):
    """A PDF inserted as a packaged file (ProgID Package): read as the PDF alone, the figures equal; the note names
    the attachment by its Chinese name (Unicode label) and says that pages are the attachment's."""
    blob = package("2023年绩效自评表.pdf", PDF.read_bytes())
    path = word_with_object(tmp_path / "报告.docx", blob, prog_id="Package", before=INTRO, aspect="Icon")
    got, want = _built(path, "docx"), _built(PDF, "pdf")
    assert got.report["status"] == "ok" and len(got.projects) == len(want.projects) > 0
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT)
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    assert [r["loc_page"] for r in got.indicators] == [r["loc_page"] for r in want.indicators]
    note = read(path).notes[-1]
    assert note.startswith("嵌入对象1（附件“2023年绩效自评表.pdf”）的内容已读取（PDF，") and note.endswith(
        "；位置中的页码是附件的页码"), note


def test_a_package_without_unicode_names_takes_its_gbk_label_and_acrobats_object_its_pdf():
    """Word 97–2003 wrote the packaged file's name in the ANSI code page only (GBK); Acrobat's own object keeps
    the PDF as it is in a CONTENTS stream; an equation or a chart is not a document."""
    data = PDF.read_bytes()
    name, body = packaged(ole10native("自评表（定稿）.pdf", data, unicode=False)[0:])
    assert (name, body) == ("自评表（定稿）.pdf", data)
    assert attached_file(package("自评表（定稿）.pdf", data, unicode=False), "Package") == ("自评表（定稿）.pdf", ".pdf", data)
    acrobat = compound({"CONTENTS": data, "\x01CompObj": bytes(32)})
    assert attached_file(acrobat, "AcroExch.Document.DC") == (None, ".pdf", data)
    assert attached_file(acrobat, "Equation.3") is None and attached_file(DOCX.read_bytes(), "Excel.Chart.8") is None
    assert attached_file(compound({"Equation Native": bytes(64)}), "Unknown.1") is None


def test_a_packed_archive_is_a_warning_and_a_packed_picture_a_note(tmp_path):
    """An attached zip may hold the reports: the document reads with a warning saying to open and save it; an
    attached video, or a photo that is no scanned page, is no report: a note, no warning (no OCR); a cut packaged
    stream says it is incomplete, a crafted zip directory is refused before it is parsed."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("自评表.docx", DOCX.read_bytes())
    path = word_with_object(tmp_path / "a.docx", package("各单位自评表.zip", buf.getvalue()), prog_id="Package",
                            before=INTRO)
    doc = read(path)
    assert doc.warnings == ["嵌入对象1（附件“各单位自评表.zip”）是压缩包或邮件，未读取；请在 Word 中双击打开它，另存后解压再导入"]
    path = word_with_object(tmp_path / "b.docx", package("现场照片.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(5000)),
                            prog_id="Package", before=INTRO)
    doc = read(path)
    assert doc.warnings == [] and doc.notes == ["嵌入对象1（附件“现场照片.mp4”）不是报告文件（.mp4），未读取"]
    from PIL import Image
    photo = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 160, 60)).save(photo, "JPEG")      # a green site photo, page-sized
    path = word_with_object(tmp_path / "p.docx", package("验收现场.jpg", photo.getvalue()), prog_id="Package",
                            before=INTRO)
    doc = read(path)
    assert doc.warnings == [] and doc.ocr_pages == [] and doc.notes == [
        "嵌入对象1（附件“验收现场.jpg”）是图片，不像扫描的报告页面，未读取"]
    crafted = b"PK\x03\x04" + bytes(100) + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65535, 65535, 100, 4, 0)
    path = word_with_object(tmp_path / "d.docx", crafted, prog_id="Word.Document.12", before=INTRO,
                            part=WORD_PART, content_type=DOCX_TYPE)
    (warning,) = read(path).warnings                       # a directory of 65,535 entries: refused before parsing
    assert "附件 压缩包内有 65,535 个文件，超过上限" in warning and warning.startswith("文档中第 1 个嵌入对象（")
    cut = compound({"\x01Ole10Native": ole10native("自评表.pdf", PDF.read_bytes())[:6000]})
    path = word_with_object(tmp_path / "c.docx", cut, prog_id="Package", before=INTRO)
    (warning,) = read(path).warnings
    assert warning.startswith("文档中第 1 个嵌入对象（word/embeddings/oleObject1.bin）无法读取（打包的附件数据不完整（应有 ")


def test_attachments_nested_past_the_limit_are_refused(tmp_path):
    """A Word file attached inside an attachment inside an attachment (a crafted file): refused, naming the
    depth; two levels are read."""
    blob = DOCX.read_bytes()
    for k in range(2):
        blob = word_with_object(tmp_path / f"{k}.docx", blob, prog_id="Word.Document.12", before=INTRO,
                                part=WORD_PART, content_type=DOCX_TYPE).read_bytes()
    two = tmp_path / "two.docx"
    two.write_bytes(blob)
    assert len(list(read(two).tables())) == len(list(read(DOCX).tables()))
    three = word_with_object(tmp_path / "three.docx", blob, prog_id="Word.Document.12", before=INTRO,
                             part=WORD_PART, content_type=DOCX_TYPE)
    with pytest.raises(LimitExceeded, match="嵌入的附件层层嵌套，超过 2 层"):
        read(three)


def test_a_word_document_attached_on_a_slide_is_read_on_that_slide(tmp_path):
    """A deck whose second slide carries the 自评表 as an attached Word document: its tables on page 2, the
    projects as the document alone."""
    from pptx import Presentation
    from pptx.enum.shapes import PROG_ID
    from pptx.util import Cm
    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[5]).shapes.title.text = "2023年度项目支出绩效自评情况汇报"
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "附件：项目支出绩效自评表"
    slide.shapes.add_ole_object(str(DOCX), PROG_ID.DOCX, Cm(2), Cm(4), Cm(3), Cm(3))
    path = tmp_path / "汇报.pptx"
    prs.save(path)
    got, want = _built(path, "pptx"), _built(DOCX, "docx")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) == 2
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    assert {r["loc_page"] for r in got.indicators} == {2}


@needs_lo
def test_a_word_97_document_attached_and_a_doc_holding_a_packed_pdf_are_read(tmp_path):
    """A Word 97–2003 document attached as an object (Word.Document.8: the .doc's compound file as it is) reads
    through LibreOffice as the .doc alone; a .doc whose 附件 is a packaged PDF (LibreOffice keeps the object when
    it converts the .doc) reads the PDF's projects."""
    import subprocess
    doc97 = FIXTURES / "office" / "fixture_doc.doc"
    path = word_with_object(tmp_path / "报告.docx", doc97.read_bytes(), prog_id="Word.Document.8", before=INTRO,
                            aspect="Icon")
    got, want = _built(path, "docx"), _built(doc97, "doc")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) > 0
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    assert read(path).notes[-1].startswith("嵌入对象1（Word 97-2003 文档）的内容已读取（Word 文档），为文档中的表1")
    packed = word_with_object(tmp_path / "附件.docx", package("自评表.pdf", PDF.read_bytes()), prog_id="Package",
                              before=INTRO, aspect="Icon")
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "doc",
                    "--outdir", str(tmp_path), str(packed)], check=True, capture_output=True, timeout=180)
    got, want = _built(tmp_path / "附件.doc", "doc"), _built(PDF, "pdf")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) > 0
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)


def _pasted_and_attached(path, attached: bytes):
    """A report whose text holds fixture_docx.docx's paragraphs and tables and which attaches `attached` (a Word
    document) as an icon after them."""
    import copy

    import docx
    word_with_object(path, attached, prog_id="Word.Document.12", before=INTRO, part=WORD_PART,
                     content_type=DOCX_TYPE, aspect="Icon")
    d, src = docx.Document(path), docx.Document(DOCX)
    anchor = d.paragraphs[1]._p
    for el in reversed([e for e in src.element.body if e.tag.endswith(("}tbl", "}p"))]):
        anchor.addnext(copy.deepcopy(el))
    d.save(path)
    return path


def test_a_table_pasted_in_the_text_and_attached_too_counts_once(tmp_path):
    """A report whose text holds the 自评表 and which also attaches the same file as an icon: each project once
    (a project restated identically is kept once), the note pointing at the attachment's tables."""
    path = _pasted_and_attached(tmp_path / "报告.docx", DOCX.read_bytes())
    got, want = _built(path, "docx"), _built(DOCX, "docx")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) == 2
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    n = len(list(read(DOCX).tables()))
    assert read(path).notes == [f"嵌入对象1（Word 文档）的内容已读取（Word 文档），为文档中的表{n + 1}—表{2 * n}"]


def test_the_cells_of_all_attachments_count_against_one_limit(tmp_path, monkeypatch):
    """Each attachment is read under the limits of a file given alone, and their cells count together with the
    document's own: two attachments each under the cell limit but together over it refuse the document."""
    from dataclasses import replace

    import evalkit.limits
    cells = sum(len(r) for t in read(DOCX).tables() for r in t.rows)
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_cells=cells * 3 // 2))
    one = word_with_object(tmp_path / "one.docx", DOCX.read_bytes(), prog_id="Word.Document.12", before=INTRO,
                           part=WORD_PART, content_type=DOCX_TYPE)
    assert len(list(read(one).tables())) == len(list(read(DOCX).tables()))
    two = word_with_object(tmp_path / "two.docx", DOCX.read_bytes(), prog_id="Word.Document.12", before=INTRO,
                           part=WORD_PART, content_type=DOCX_TYPE, copies=2)
    with pytest.raises(LimitExceeded, match=r"文档中表格的单元格超过上限 .* 个（含嵌入对象2（Word 文档）的表格）"):
        read(two)


def _pdf_with_files(files=(), annotated=(), cover: bytes | None = None) -> bytes:
    """A PDF (`cover`, else one page of English text: Acrobat's portfolio cover) with `files` in its EmbeddedFiles
    name tree and `annotated` ones as file-attachment annotations (the paper-clip icon) on its first page."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               TextStringObject)
    from reportlab.pdfgen import canvas
    if cover is None:
        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.drawString(72, 720, "PDF Portfolio: open it in Adobe Acrobat to see the files it holds")
        c.showPage()
        c.save()
        cover = buf.getvalue()
    w = PdfWriter(clone_from=io.BytesIO(cover))
    for name, data in files:
        w.add_attachment(name, data)
    annots = ArrayObject()
    for name, data in annotated:
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
        spec = DictionaryObject({NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject(name),
                                 NameObject("/UF"): TextStringObject(name),
                                 NameObject("/EF"): DictionaryObject({NameObject("/F"): w._add_object(stream)})})
        annots.append(w._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (500, 760, 520, 780)]),
            NameObject("/FS"): w._add_object(spec)})))
    if annots:
        w.pages[0][NameObject("/Annots")] = annots
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_files_attached_to_a_pdf_are_named_in_its_notes_and_not_read_into_it(tmp_path):
    """A PDF 包 (a cover page, the reports attached) or a report PDF with files clipped to a page: an attached report
    is a report of its own (its year, its result), so it is not read into the PDF (ingest reads it apart:
    test_pdf_package): a note names each report file, another one (a video) too; the PDF's own pages read as alone."""
    path = tmp_path / "绩效自评材料.pdf"
    path.write_bytes(_pdf_with_files([("大厂县自评报告.docx", DOCX.read_bytes()), ("现场.mp4", bytes(64))],
                                     annotated=[("各乡镇自评表.zip", b"PK\x05\x06" + bytes(18))]))
    doc = read(path)
    assert doc.warnings == [] and doc.attached == ["大厂县自评报告.docx", "各乡镇自评表.zip"]
    assert doc.notes == ["PDF 中附有 2 个报告文件（“大厂县自评报告.docx”、“各乡镇自评表.zip”），其内容不在 PDF 的页面上；"
                         "evalkit ingest 把每个附件作为单独的报告读取，清单中名为“本文件名!附件名”",
                         "PDF 中附有 1 个其他文件（“现场.mp4”），不是报告文件，未读取"]
    assert _built(path, "pdf").report["status"] == "ok"
    clipped = tmp_path / "自评报告.pdf"
    clipped.write_bytes(_pdf_with_files(annotated=[("自评表.xlsx", (FIXTURES / "fixture_xlsx.xlsx").read_bytes())],
                                        cover=PDF.read_bytes()))
    got, want = _built(clipped, "pdf"), _built(PDF, "pdf")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) > 0
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    assert read(clipped).notes[-1].startswith("PDF 中附有 1 个报告文件（“自评表.xlsx”），其内容不在 PDF 的页面上；")
    assert read(PDF).warnings == [] and read(PDF).attached == []


def test_an_object_linked_to_a_file_outside_the_document_is_named_not_fetched(tmp_path):
    """粘贴链接: a worksheet linked, not embedded: the figures stay in the file it names, which is never opened
    (even when it exists): a warning names it; a linked equation says nothing. The same on a slide."""
    import docx
    from docx.oxml import parse_xml
    from pptx import Presentation
    from pptx.util import Cm
    outside = tmp_path / "自评表.xlsx"
    outside.write_bytes((FIXTURES / "fixture_xlsx.xlsx").read_bytes())
    d = docx.Document()
    d.add_paragraph(INTRO[1])
    for prog_id in ("Excel.Sheet.12", "Equation.3"):
        rid = d.part.relate_to(outside.as_uri(), RT_OLE, is_external=True)
        d.add_paragraph()._p.append(parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
            'xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:object>'
            f'<o:OLEObject Type="Link" ProgID="{prog_id}" ShapeID="_x0000_i1025" DrawAspect="Content" r:id="{rid}" '
            'UpdateMode="Always"/></w:object></w:r>'))
    path = tmp_path / "报告.docx"
    d.save(path)
    doc = read(path)
    assert list(doc.tables()) == [] and doc.warnings == [
        f"文档中第 1 个对象链接到文档外的文件（{outside.as_uri()}），数据不在文档里，未读取；请把该文件一并导入，或在源程序中断开链接后另存再导入"]
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_ole_object(str(outside), "Excel.Sheet.12", Cm(1), Cm(1), Cm(5), Cm(5))
    ole = next(slide.shapes[0]._element.iter("{http://schemas.openxmlformats.org/presentationml/2006/main}oleObj"))
    ole.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
            slide.part.relate_to(outside.as_uri(), RT_OLE, is_external=True))
    deck = tmp_path / "汇报.pptx"
    prs.save(deck)
    doc = read(deck)
    assert list(doc.tables()) == [] and doc.warnings[0].startswith(f"文档中第 1 个对象链接到文档外的文件（{outside.as_uri()}）")


def test_files_attached_to_a_workbook_are_named_and_its_sheets_read_as_before(tmp_path):
    """A 报送清单 workbook with each unit's report attached as an icon (xl/embeddings/: a packed file, a Word
    document): named in a note (by its packed name, else its part's), not read into the workbook (ingest reads them
    apart: test_pdf_package); its sheets read as the workbook alone."""
    from conftest import rezip
    xlsx = FIXTURES / "fixture_xlsx.xlsx"
    path = rezip(xlsx, tmp_path / "报送清单.xlsx", extra=[
        ("xl/embeddings/oleObject1.bin", package("城关镇自评报告.pdf", PDF.read_bytes())),
        ("xl/embeddings/Microsoft_Word_Document.docx", DOCX.read_bytes())])
    got, want = _built(path, "xlsx"), _built(xlsx, "xlsx")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) > 0
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)
    doc = read(path)
    assert doc.warnings == [] and doc.attached == ["城关镇自评报告.pdf", "Microsoft_Word_Document.docx"]
    assert doc.notes == ["工作簿中附有 2 个报告文件（“城关镇自评报告.pdf”、“Microsoft_Word_Document.docx”），其内容不在工作表上；"
                         "evalkit ingest 把每个附件作为单独的报告读取，清单中名为“本文件名!附件名”"]
    assert read(xlsx).warnings == [] and read(xlsx).attached == []


def test_a_file_attached_in_a_table_cell_is_read_after_the_table(tmp_path):
    """A 附件清单 table whose second column holds each file as an icon: the attached report read after the table,
    its figures as the file alone."""
    import docx
    from docx.oxml import parse_xml
    src = word_with_object(tmp_path / "x.docx", package("自评表.pdf", PDF.read_bytes()), prog_id="Package",
                           before=INTRO, aspect="Icon")
    d = docx.Document(src)
    obj_p = d.paragraphs[-1]._p                         # the paragraph holding the object, moved into a cell
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "附件1：项目支出绩效自评表"
    table.cell(0, 1)._tc.append(parse_xml(obj_p.xml))
    obj_p.getparent().remove(obj_p)
    path = tmp_path / "附件清单.docx"
    d.save(path)
    doc = read(path)
    assert list(doc.tables())[0].rows == [["附件1：项目支出绩效自评表", ""]]
    got, want = _built(path, "docx"), _built(PDF, "pdf")
    assert _rows(got.projects, PROJECT) == _rows(want.projects, PROJECT) and len(got.projects) > 0
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR)


PORTAL = """<html><head><meta charset="utf-8"><title>关于公开2023年度项目支出绩效自评结果的公告</title></head><body>
<nav><a href="/index.html">首页</a> <a href="/xxgk/">信息公开</a></nav>
<div class="article"><h1>关于公开2023年度项目支出绩效自评结果的公告</h1><p>现将我局2023年度项目支出绩效自评结果予以公开。</p>
<p>附件：<a href="/u/cms/www/202403/P020240315123456.pdf">1.2023年度项目支出绩效自评报告</a></p>
<p><a href="/attach/download.jsp?id=88">2.项目支出绩效自评表.xlsx</a></p>
<p><a href="/u/cms/www/202403/%E5%9B%BE%E7%89%87.jpg">现场照片</a> <a href="/xxgk/other.html">上一篇</a>
<a href="javascript:print()">打印本页.pdf</a></p>{table}</div></body></html>"""


def test_a_portal_page_saved_instead_of_its_attachments_says_to_download_them(tmp_path):
    """An article page saved from a portal whose 自评报告 are linked files: the links to report files (by the file
    name in the address, or a download script's link text) are named, not followed; with no table on the page, the
    reason given is the links (not an unknown layout); a page that holds its table too only notes them."""
    from evalkit.discover import hash_file
    from evalkit.ingest import build
    path = tmp_path / "t20240315_123456.shtml"
    path.write_text(PORTAL.format(table=""), encoding="utf-8")
    doc = read(path)
    links = "“1.2023年度项目支出绩效自评报告（P020240315123456.pdf）”、“2.项目支出绩效自评表.xlsx”"
    assert doc.linked == ["1.2023年度项目支出绩效自评报告（P020240315123456.pdf）", "2.项目支出绩效自评表.xlsx"]
    assert doc.notes == [f"网页中有 2 个附件的链接（{links}），文件不在网页里，未读取"]
    res = build(doc, path.name, hash_file(path), "html")
    assert res.report["status"] == "partial" and res.report["error"] == (
        f"{path.name}: 网页中没有自评表，只有 2 个附件的链接（{links}），文件不在网页里；请从网站下载这些附件后再导入")
    table = (FIXTURES / "fixture_html.html").read_bytes().decode("gbk")
    body = table[table.lower().index("<table"):table.lower().rindex("</table>") + 8]
    whole = tmp_path / "t2.html"
    whole.write_text(PORTAL.format(table=body), encoding="utf-8")
    res = build(read(whole), whole.name, hash_file(whole), "html")
    assert res.report["status"] == "ok" and len(res.projects) > 0 and "网页中有 2 个附件的链接" in res.report["reading_notes"]


def test_a_word_cover_letter_linking_its_attachment_says_where_the_figures_are(tmp_path):
    """A 报送函 whose 附件 is a hyperlink to a file on the writer's disk: the file is named, never opened (even when
    it exists here), and with no table read the reason given is the link."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from evalkit.discover import hash_file
    from evalkit.ingest import build
    target = tmp_path / "2023年项目支出绩效自评表.xlsx"
    target.write_bytes((FIXTURES / "fixture_xlsx.xlsx").read_bytes())
    d = docx.Document()
    d.add_paragraph("关于报送2023年度项目支出绩效自评结果的函")
    rid = d.part.relate_to(target.as_uri(), RT.HYPERLINK, is_external=True)
    p = d.add_paragraph("附件：")
    p._p.append(parse_xml(f'<w:hyperlink xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                          f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rid}">'
                          f'<w:r><w:t>项目支出绩效自评表</w:t></w:r></w:hyperlink>'))
    path = tmp_path / "报送函.docx"
    d.save(path)
    doc = read(path)
    assert doc.linked == ["2023年项目支出绩效自评表.xlsx"] and list(doc.tables()) == []
    res = build(doc, path.name, hash_file(path), "docx")
    said = "文档中没有自评表，只有 1 个附件的链接（“2023年项目支出绩效自评表.xlsx”），文件不在文档里；请找到该文件（或向报送单位索取）后一并导入"
    assert res.report["error"] == f"{path.name}: {said}"
    from evalkit.recognize.explain import inspect_file
    assert f"未识别出项目自评表：{said}" in inspect_file(path)        # inspect gives the row's reason


def test_an_attached_workbooks_places_name_its_sheet_as_an_excel_objects_do(tmp_path):
    """A workbook packed as a file: its figures' places name the sheet with the object's number, as a worksheet
    object's do (工作表“项目支出绩效自评表（嵌入对象1）” H15), the cells as Excel shows them."""
    xlsx = FIXTURES / "fixture_xlsx.xlsx"
    path = word_with_object(tmp_path / "报告.docx", package("自评表.xlsx", xlsx.read_bytes()), prog_id="Package",
                            before=INTRO, aspect="Icon")
    got, want = _built(path, "docx"), _built(xlsx, "xlsx")
    assert _rows(got.indicators, INDICATOR) == _rows(want.indicators, INDICATOR) and len(got.indicators) > 5
    assert [r["loc_cell"] for r in got.indicators] == [r["loc_cell"] for r in want.indicators]
    assert [r["loc_sheet"] for r in got.indicators] == [f"{r['loc_sheet']}（嵌入对象1）" for r in want.indicators]


def test_a_netdisk_share_written_in_a_text_or_linked_in_word_is_named(tmp_path):
    """网盘 shares in place of the files: written out in a text export (链接：… 提取码：…) or a Word hyperlink: named in
    the reading notes, never fetched; with nothing else read, the reason given is the share."""
    from evalkit.discover import hash_file
    from evalkit.ingest import build
    path = tmp_path / "说明.txt"
    path.write_text("2023年度项目支出绩效自评报告已上传至网盘。\n链接：https://pan.baidu.com/s/1AbCdEfGh?pwd=x7k2 提取码：x7k2\n"
                    "备用：https://www.alipan.com/s/Qw3rTy\n", encoding="utf-8")
    doc = read(path)
    assert doc.linked == ["百度网盘链接 https://pan.baidu.com/s/1AbCdEfGh?pwd=x7k2", "阿里云盘链接 https://www.alipan.com/s/Qw3rTy"]
    assert doc.notes[-1].startswith("文中写有 2 个网盘分享链接（“百度网盘链接 https://pan.baidu.com/s/1AbCdEfGh?pwd=x7k2”")
    res = build(doc, path.name, hash_file(path), "txt")
    assert res.report["error"].startswith(f"{path.name}: 文档中没有自评表，只有 2 个附件的链接（“百度网盘链接")
    assert read(seed("000")).linked == []
    from conftest import run_cli
    r = run_cli("inspect", str(path))
    assert r.returncode == 0 and "未识别出项目自评表：文档中没有自评表，只有 2 个附件的链接（“百度网盘链接" in r.stdout
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    d = docx.Document()
    rid = d.part.relate_to("https://share.weiyun.com/AbC123", RT.HYPERLINK, is_external=True)
    d.add_paragraph("附件：")._p.append(parse_xml(
        f'<w:hyperlink xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="{rid}">'
        f'<w:r><w:t>自评材料（微云）</w:t></w:r></w:hyperlink>'))
    d.save(tmp_path / "函.docx")
    assert read(tmp_path / "函.docx").linked == ["腾讯微云链接 https://share.weiyun.com/AbC123"]


def test_a_project_stated_twice_with_other_figures_in_one_report_is_pointed_out(tmp_path):
    """The 自评表 in the text and an attached draft with another 执行数: both read (which is right is the user's
    call), each pointing at the other (repeated_in: 本报告 表N 第1行（数字不同）) and the project_repeated warning
    on both; a report whose projects each stand once has none."""
    import io

    import docx
    from evalkit.ingest import ingest_paths
    draft = docx.Document(DOCX)
    cell = next(c for t in draft.tables for row in t.rows for c in row.cells if c.text.strip() == "65.22")
    cell.paragraphs[0].runs[0].text = "60.00"
    buf = io.BytesIO()
    draft.save(buf)
    folder = tmp_path / "in"
    folder.mkdir()
    _pasted_and_attached(folder / "报告.docx", buf.getvalue())
    t = ingest_paths([folder], None, cache_dir=False)
    p = t["projects"].set_index("location")
    twice = p[p["project_name"] == "医疗保障服务经费"]
    assert sorted(twice["executed"]) == [60.0, 65.22] and len(t["projects"]) == 3
    (first, second) = twice.index
    assert twice.loc[first, "repeated_in"] == f"本报告 {second}（数字不同）"
    assert twice.loc[second, "repeated_in"] == f"本报告 {first}（数字不同）"
    f = t["findings"][t["findings"]["rule"] == "project_repeated"]
    assert len(f) == 2 and f["message"].str.contains("以正式填报的一版为准").all()
    assert p.loc[p["project_name"] != "医疗保障服务经费", "repeated_in"].isna().all()


def test_a_deck_linking_its_tables_names_the_files(tmp_path):
    """A 汇报 deck whose slide links the 自评表 (a hyperlink on a text box to a file on the presenter's disk): the
    file is named, never opened; with nothing read, the reason given is the link."""
    from pptx import Presentation
    from pptx.util import Cm

    from evalkit.discover import hash_file

    from evalkit.ingest import build
    target = tmp_path / "项目支出绩效自评表.xlsx"
    target.write_bytes((FIXTURES / "fixture_xlsx.xlsx").read_bytes())
    prs = Presentation()
    box = prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_textbox(Cm(1), Cm(1), Cm(20), Cm(2))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = "附件：项目支出绩效自评表"
    run.hyperlink.address = target.as_uri()
    path = tmp_path / "汇报.pptx"
    prs.save(path)
    doc = read(path)
    assert doc.linked == ["项目支出绩效自评表.xlsx"] and list(doc.tables()) == []
    assert build(doc, path.name, hash_file(path), "pptx").report["error"].startswith(
        f"{path.name}: 演示文稿中没有自评表，只有 1 个附件的链接（“项目支出绩效自评表.xlsx”）")


def test_a_workbook_linking_each_units_report_names_the_files(tmp_path):
    """A 报送清单 workbook whose cells hyperlink each unit's report on the writer's disk or a 网盘 share: the files are
    named in the notes (a link to a policy page is not), never opened (the test puts one there); with nothing else
    read, the row says where the figures are."""
    from openpyxl import Workbook

    from evalkit.discover import hash_file

    from evalkit.ingest import build
    (tmp_path / "城关镇自评报告.pdf").write_bytes(PDF.read_bytes())
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "单位", "自评报告"])
    for i, (unit, target) in enumerate([("城关镇", (tmp_path / "城关镇自评报告.pdf").as_uri()),
                                         ("夏垫镇", "夏垫镇/2023年项目支出绩效自评表.xlsx"),
                                         ("祁各庄镇", "https://pan.baidu.com/s/1AbCdEfGh")], 1):
        ws.append([i, unit, "点击查看"])
        ws.cell(i + 1, 3).hyperlink = target
    ws.cell(6, 2, "政策依据").hyperlink = "http://www.gov.cn/zhengce/content/2023.htm"
    path = tmp_path / "报送清单.xlsx"
    wb.save(path)
    doc = read(path)
    named = "“城关镇自评报告.pdf”、“2023年项目支出绩效自评表.xlsx”、“百度网盘链接 https://pan.baidu.com/s/1AbCdEfGh”"
    assert doc.notes == [f"工作簿中有 3 个附件的链接（{named}），文件不在工作簿里，未读取"]
    assert build(doc, path.name, hash_file(path), "xlsx").report["error"] == (
        f"{path.name}: 工作簿中没有自评表，只有 3 个附件的链接（{named}），文件不在工作簿里；请找到这些文件（或向报送单位索取）后一并导入")
