"""Text boxes in Word documents (文本框: titles, stamps' text, whole tables placed by PDF-to-Word converters): read
where they are anchored, each once although Word writes every box twice (a DrawingML shape and its VML copy)."""
from __future__ import annotations

import copy

from conftest import ROOT, page_parts, read_columns
from evalkit.discover import hash_file
from evalkit.ingest import build
from evalkit.readers import read

FIXTURE = ROOT / "tests" / "fixtures" / "fixture_docx.docx"
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def boxed(*contents, vml_only=False):
    """A w:p anchoring one text box holding `contents` (w:p / w:tbl elements), as Word 2010+ writes it (a wps shape
    in mc:Choice, its VML copy in mc:Fallback), or as older Word and WPS write it (VML only)."""
    from docx.oxml import parse_xml

    vml = ('<w:pict><v:shape style="width:400pt;height:300pt"><v:textbox><w:txbxContent/></v:textbox>'
           '</v:shape></w:pict>')
    shape = ('<w:drawing><wp:anchor><a:graphic><a:graphicData '
             'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp><wps:txbx>'
             '<w:txbxContent/></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>')
    run = vml if vml_only else (f'<mc:AlternateContent><mc:Choice Requires="wps">{shape}</mc:Choice>'
                                f'<mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent>')
    p = parse_xml(f'<w:p {NS}><w:r>{run}</w:r></w:p>')
    for box in p.iter(W + "txbxContent"):
        for c in contents:
            box.append(copy.deepcopy(c))
    return p


def _text_paragraph(text):
    from docx.oxml import parse_xml
    return parse_xml(f'<w:p {NS}><w:r><w:t>{text}</w:t></w:r></w:p>')


def _fixture_with_tables_boxed(path, vml_only=False):
    """fixture_docx.docx with every top-level table moved into a text box anchored where the table stood."""
    import docx
    d = docx.Document(str(FIXTURE))
    body = d.element.body
    for tbl in list(body.iterchildren(W + "tbl")):
        p = boxed(tbl, vml_only=vml_only)
        tbl.addprevious(p)
        body.remove(tbl)
    d.save(path)
    return path


def _rows(rows, fields):
    return [tuple(str(r.get(f)) for f in fields) for r in rows]


def test_tables_in_text_boxes_read_as_the_same_tables_in_the_text(tmp_path):
    """The fixture's tables each in a text box (Word 2010+: shape and VML copy): the same projects and indicator
    lines as the fixture, each table read once."""
    fields = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score", "grade"]
    path = _fixture_with_tables_boxed(tmp_path / "boxed.docx")
    got, want = build(read(path), "boxed.docx", hash_file(path), "docx"), build(read(FIXTURE), "f.docx", "0" * 64, "docx")
    assert len(got.projects) == len(want.projects) > 0
    assert _rows(got.projects, fields) == _rows(want.projects, fields)
    assert _rows(got.indicators, ["level3", "target", "actual", "score"]) == _rows(want.indicators, ["level3", "target", "actual", "score"])
    assert len(list(read(path).tables())) == len(list(read(FIXTURE).tables()))


def test_a_box_written_only_as_vml_is_read(tmp_path):
    """Older Word and WPS write the VML box alone: it is read (the same tables as the fixture)."""
    path = _fixture_with_tables_boxed(tmp_path / "vml.docx", vml_only=True)
    assert [t.rows for t in read(path).tables()] == [t.rows for t in read(FIXTURE).tables()]


def test_text_in_a_box_follows_its_anchor_paragraph(tmp_path):
    """A statement in a text box (自评得分 beside the signature) comes after the paragraph anchoring it, once."""
    import docx
    d = docx.Document()
    d.add_paragraph("一、自评结论")
    anchor = d.add_paragraph("单位（盖章）")
    anchor._p.append(boxed(_text_paragraph("自评得分：95.65分，等级：优"))[0])     # the box's run, in this paragraph
    d.add_paragraph("二、问题")
    d.save(tmp_path / "x.docx")
    texts = [b.text for b in read(tmp_path / "x.docx").blocks]
    assert texts == ["一、自评结论", "单位（盖章）", "自评得分：95.65分，等级：优", "二、问题"]


# ------------------------------------------------------------------ a PDF converted to Word keeping its page layout

def page_layout_docx(src, out):
    """`src` (a PDF) as PDF-to-Word converters write it when told to keep the page layout (保留版式): each glyph run
    an absolutely placed text box (DrawingML, relative to the page), each ruling a thin filled rectangle, one
    paragraph a page anchoring them, a page break between; no Word table anywhere."""
    import docx
    import pdfplumber
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml
    from docx.shared import Pt
    from xml.sax.saxutils import escape
    emu, n = 12700, [100]

    def anchor(x, y, w, h, body):
        n[0] += 1
        return (f'<w:r {NS}><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
                f'relativeHeight="{n[0]}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
                f'<wp:positionH relativeFrom="page"><wp:posOffset>{int(x * emu)}</wp:posOffset></wp:positionH>'
                f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(y * emu)}</wp:posOffset></wp:positionV>'
                f'<wp:extent cx="{max(1, int(w * emu))}" cy="{max(1, int(h * emu))}"/><wp:wrapNone/>'
                f'<wp:docPr id="{n[0]}" name="Shape {n[0]}"/><a:graphic><a:graphicData '
                f'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">{body}</a:graphicData>'
                f'</a:graphic></wp:anchor></w:drawing></w:r>')

    def shape(w, h, fill, inner=""):
        return (f'<wps:wsp><wps:cNvSpPr{" txBox=%s1%s" % (chr(34), chr(34)) if inner else ""}/><wps:spPr><a:xfrm>'
                f'<a:off x="0" y="0"/><a:ext cx="{int(w * emu)}" cy="{int(h * emu)}"/></a:xfrm><a:prstGeom prst="rect">'
                f'<a:avLst/></a:prstGeom>{fill}<a:ln><a:noFill/></a:ln></wps:spPr>{inner}'
                f'<wps:bodyPr wrap="none" lIns="0" tIns="0" rIns="0" bIns="0"/></wps:wsp>')

    def text_box(run):
        size, w = run[0]["size"], run[-1]["x1"] - run[0]["x0"] + 2
        text = escape("".join(c["text"] for c in run))
        inner = (f'<wps:txbx><w:txbxContent><w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr><w:r><w:rPr>'
                 f'<w:rFonts w:ascii="Noto Sans CJK SC" w:eastAsia="Noto Sans CJK SC" w:hAnsi="Noto Sans CJK SC"/>'
                 f'<w:sz w:val="{round(size * 2)}"/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
                 f'</w:txbxContent></wps:txbx>')
        return anchor(run[0]["x0"], run[0]["top"] - size * 0.15, w, size * 1.3, shape(w, size * 1.3, "<a:noFill/>", inner))

    def bar(x, y, cx, cy):
        return anchor(x, y, cx, cy, shape(cx, cy, '<a:solidFill><a:srgbClr val="000000"/></a:solidFill>'))

    d = docx.Document()
    with pdfplumber.open(src) as pdf:
        d.sections[0].page_width, d.sections[0].page_height = Pt(pdf.pages[0].width), Pt(pdf.pages[0].height)
        for k, page in enumerate(pdf.pages):
            runs, bars = page_parts(page)
            p = d.add_paragraph()
            for xml in [text_box(r) for r in runs] + [bar(*b) for b in bars]:
                p._p.append(parse_xml(xml))
            if k < len(pdf.pages) - 1:
                p.add_run().add_break(WD_BREAK.PAGE)
    d.save(out)
    return out


def test_a_pdf_converted_to_word_keeping_its_layout_is_read_as_its_pages(tmp_path):
    """fixture_pdf.pdf through a converter's 保留版式: no Word table, each cell's text a box of its own. Before,
    the boxes read as 482 short paragraphs and the file as no 自评表; now, the text giving nothing, LibreOffice lays
    the pages out and the PDF reader reads them: the same projects and indicator lines as the PDF, a note saying
    how the figures were read, their places on the laid-out pages."""
    from evalkit.ingest import ingest_paths
    from evalkit.readers.office import find_soffice
    if find_soffice() is None:
        import pytest
        pytest.skip("LibreOffice is needed (make setup installs it)")
    path = page_layout_docx(ROOT / "tests" / "fixtures" / "fixture_pdf.pdf", tmp_path / "转换.docx")
    doc = read(path)
    assert doc.in_text_boxes and list(doc.tables()) == []
    got = ingest_paths([path], checks=False)
    want = ingest_paths([ROOT / "tests" / "fixtures" / "fixture_pdf.pdf"], checks=False)
    for table in ("projects", "indicators"):
        same = read_columns(want[table])
        assert got[table][same].equals(want[table][same]), table
    rep = got["reports"].iloc[0]
    assert rep["status"] == "ok" and rep["format"] == "docx"
    assert ("文档的文字在定位的文本框中（PDF 转 Word 时“保留版式”的结果，表格没有成为 Word 表格），文字中没有自评表；"
            "已按 LibreOffice 排版后的页面读取（位置中的页码为排版后的页码），请对照原件核对") in rep["reading_notes"]
    assert got["indicators"]["location"].iloc[0].startswith("第1页 表1 ")


def test_a_layout_in_boxes_without_libreoffice_says_what_it_needs(tmp_path, no_soffice):
    path = page_layout_docx(ROOT / "tests" / "fixtures" / "fixture_pdf.pdf", tmp_path / "转换.docx")
    from evalkit.ingest import ingest_file
    res = ingest_file(path, path.name)
    assert res.report["status"] == "partial" and not len(res.projects)
    assert "文档的文字在定位的文本框中" in res.report["error"] and "需要 LibreOffice" in res.report["error"]


def test_a_few_boxes_beside_the_text_are_not_a_page_layout(tmp_path):
    """A title and a stamp's text in boxes over a report written in the text: read as before, never laid out."""
    import docx
    d = docx.Document(FIXTURE)
    for text in ("大厂回族自治县医疗保障局（章）", "2023年3月"):
        d.element.body.insert(0, boxed(_text_paragraph(text)))
    d.save(tmp_path / "章.docx")
    assert not read(tmp_path / "章.docx").in_text_boxes


# ------------------------------------------------------------------ a table pasted from Excel as plain text

def _pasted_as_text(path, indent_prose: bool = False):
    """fixture_docx.docx with every table turned into paragraphs whose cells are separated by tabs (what pasting an
    Excel range into Word as 只保留文本 gives, and Word's 表格转换成文本); `indent_prose`: prose paragraphs indented
    with a tab too, as people type them."""
    import docx
    src = read(FIXTURE)
    d = docx.Document()
    for b in src.blocks:
        if hasattr(b, "rows"):
            for r in b.rows:
                d.add_paragraph("\t".join(c.replace("\n", "") for c in r))
        else:
            d.add_paragraph(("\t" if indent_prose else "") + b.text)
    d.save(path)
    return path


def test_a_table_pasted_as_tab_separated_text_is_read_as_the_table(tmp_path):
    """Before, the paragraphs read as prose and the file as no 自评表; now, the text giving nothing, each run of
    tab-separated paragraphs is a table, read as a text export's: the same projects and lines as the Word tables."""
    from evalkit.ingest import ingest_paths
    path = _pasted_as_text(tmp_path / "粘贴.docx", indent_prose=True)
    doc = read(path)
    assert doc.tab_rows and list(doc.tables()) == []
    got, want = ingest_paths([path], checks=False), ingest_paths([FIXTURE], checks=False)
    for table in ("projects", "indicators"):
        same = read_columns(want[table])
        assert got[table][same].equals(want[table][same]), table
    rep = got["reports"].iloc[0]
    assert rep["status"] == "ok" and "以制表符分隔的文字（从 Excel 粘贴为纯文本、或 Word“表格转换成文本”的结果）" in rep["reading_notes"]


def test_prose_indented_with_tabs_is_not_a_table(tmp_path):
    """A tab before a paragraph's first word is an indent: a report of indented prose has no tab rows, and a run of
    such paragraphs among tab rows is left prose."""
    import docx
    from evalkit.readers.text import tab_tables
    d = docx.Document()
    for text in ("\t一、项目基本情况", "\t本项目年度预算 26 万元，已全部执行。", "\t二、绩效目标完成情况", "\t各项指标均已完成。"):
        d.add_paragraph(text)
    d.save(tmp_path / "正文.docx")
    doc = read(tmp_path / "正文.docx")
    assert not doc.tab_rows and tab_tables(doc).blocks == doc.blocks


# ------------------------------------------------------------------ a table pasted as a metafile

def word_with_metafiles(path, metafiles, caption="附件：项目支出绩效自评表（从 Excel 复制为图片）"):
    """A Word document showing each file of `metafiles` as a picture (image/x-emf parts: what pasting an Excel range
    copied 复制为图片, or 选择性粘贴 → 图片（增强型图元文件）, leaves in the document), after a caption."""
    import io

    import docx
    from docx.opc.packuri import PackURI
    from docx.shared import Cm
    from PIL import Image
    d = docx.Document()
    d.add_paragraph(caption)
    for k in range(len(metafiles)):
        stand_in = io.BytesIO()
        Image.new("RGB", (100 + k, 140), "white").save(stand_in, "PNG")   # a distinct part each, swapped below
        d.add_picture(stand_in, width=Cm(16))
    for rel in d.part.rels.values():
        if "image" in rel.reltype:
            part = rel.target_part
            k = int(str(part.partname).rsplit("image", 1)[1].split(".")[0])
            part._blob = metafiles[k - 1].read_bytes()
            part._content_type = "image/x-emf"
            part.partname = PackURI(f"/word/media/image{k}.emf")
    d.save(path)
    return path


def test_a_table_pasted_as_a_metafile_is_read_from_its_drawn_text(tmp_path):
    """fixture_pdf.pdf's first two pages (the first project's table) as EMF pictures in a Word document. Before,
    nothing: PIL cannot draw a metafile here, so no OCR either, and the row said no 自评表; now LibreOffice draws each
    into a PDF page whose text is text, and the project reads as in the PDF, its places on the pictures."""
    from evalkit.ingest import ingest_paths
    from evalkit.readers.office import find_soffice
    if find_soffice() is None:
        import pytest
        pytest.skip("LibreOffice is needed (make setup installs it)")
    drawings = ROOT / "tests" / "fixtures" / "drawings"
    path = word_with_metafiles(tmp_path / "复制为图片.docx", [drawings / "page1.emf", drawings / "page2.emf"])
    doc = read(path)
    assert doc.drawings is not None and [n for n, _ in doc.drawings()] == ["word/media/image1.emf", "word/media/image2.emf"]
    got = ingest_paths([path], checks=False)
    want = ingest_paths([ROOT / "tests" / "fixtures" / "fixture_pdf.pdf"], checks=False)
    first = want["projects"]["project_id"].iloc[0]
    same = read_columns(want["indicators"])
    assert got["indicators"][same].equals(want["indicators"].loc[want["indicators"]["project_id"] == first, same])
    keep = ["project_name", "budget_initial", "budget_full_year", "executed", "execution_rate", "total_score", "grade"]
    assert got["projects"][keep].equals(want["projects"][keep].iloc[:1])
    rep = got["reports"].iloc[0]
    assert rep["status"] == "ok" and "文档中的 2 张矢量图片（EMF/WMF 图元文件）由 LibreOffice 转为 PDF 后读取其中的文字，位置中的“第 N 页”指读出的第 N 张" \
        in rep["reading_notes"]
    assert got["indicators"]["location"].iloc[0].startswith("第1页 表1 ")


def test_a_metafile_without_libreoffice_says_what_it_needs(tmp_path, no_soffice):
    from evalkit.ingest import ingest_file
    path = word_with_metafiles(tmp_path / "图.docx", [ROOT / "tests" / "fixtures" / "drawings" / "page2.emf"])
    res = ingest_file(path, path.name)
    assert res.report["status"] == "partial"
    assert "只有 1 张矢量图片（EMF/WMF 图元文件" in res.report["error"] and "需要 LibreOffice" in res.report["error"]


def test_each_second_reading_is_tried_until_one_gives_a_table(tmp_path):
    """Tab-aligned sign-off lines (填报人\\t联系电话) make the document look like tab rows, but those give no 自评表;
    the metafiles after them do. Before, only the first reading there was would have been tried."""
    import docx
    from evalkit.ingest import ingest_paths
    from evalkit.readers.office import find_soffice
    if find_soffice() is None:
        import pytest
        pytest.skip("LibreOffice is needed (make setup installs it)")
    path = word_with_metafiles(tmp_path / "签字.docx", [ROOT / "tests" / "fixtures" / "drawings" / "page1.emf",
                                                         ROOT / "tests" / "fixtures" / "drawings" / "page2.emf"])
    d = docx.Document(path)
    for line in ("填报人：王刚\t联系电话：8366680", "审核人：李明\t填报日期：2023年3月1日", "单位负责人：张华\t（盖章）"):
        d.add_paragraph(line)
    d.save(path)
    doc = read(path)
    assert doc.tab_rows and doc.drawings is not None
    got = ingest_paths([path], checks=False)
    assert got["projects"]["project_name"].tolist() == ["网络设备软件运行保障经费"] and len(got["indicators"]) > 10
    assert "矢量图片" in got["reports"].iloc[0]["reading_notes"]
