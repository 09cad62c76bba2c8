"""PowerPoint decks (readers/pptx.py): the 自评表 a department pastes into its 汇报 slides, read slide by slide as
the slides show it; .ppt, WPS 演示 and .odp through LibreOffice Impress (their truth: test_office)."""
import shutil
import sys

import pytest
from pptx import Presentation
from pptx.util import Cm

from conftest import ROOT, page_parts, read_columns
from evalkit.errors import ReadError
from evalkit.ingest import ingest_paths
from evalkit.model import Table
from evalkit.readers import read
from evalkit.readers.office import find_soffice, has_impress

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from pptxfile import add_table, word_grid  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
DECK = FIX / "office" / "fixture_pptx.pptx"
needs_lo = pytest.mark.skipif(find_soffice() is None or not has_impress(find_soffice()),
                              reason="LibreOffice (soffice) 或其演示文稿组件（Impress）不可用")


def contents(doc):
    return [b.rows if isinstance(b, Table) else b.text for b in doc.blocks]


def word_tables():
    """fixture_docx.docx's tables as word_grid gives them: two 自评表 and the signature table."""
    import docx
    body = docx.Document(str(FIX / "fixture_docx.docx")).element.body
    return [word_grid(t) for t in body.iterchildren("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tbl")]


def deck(*slides) -> Presentation:
    """A 16:9 deck; each slide a list of ("text", str, top_cm) / ("table", grid, top_cm) placed as listed."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Cm(34), Cm(19)
    for shapes in slides:
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        for kind, what, top in shapes:
            if kind == "text":
                box = slide.shapes.add_textbox(Cm(1), Cm(top), Cm(32), Cm(1))
                box.text_frame.text = what
            else:
                add_table(slide, what, Cm(top))
    return prs


def save(prs, path):
    prs.save(path)
    return path


def test_each_slide_is_a_page_and_each_merged_cell_is_read_once():
    """The deck made from fixture_docx.docx reads as the Word document's tables, merged cells as the model says
    (once across, empty below), each block on the slide it stands on."""
    doc = read(DECK)
    assert doc.format == "pptx" and doc.pages == 3 and not doc.warnings and not doc.hidden
    word = read(FIX / "fixture_docx.docx")
    assert [b.rows for b in doc.tables()][:2] == [[[c.replace("\n", "") for c in r] for r in b.rows]
                                                 for b in word.tables()][:2]
    assert [(type(b).__name__, b.page) for b in doc.blocks][:5] == [
        ("Paragraph", 1), ("Paragraph", 1), ("Paragraph", 1), ("Table", 1), ("Paragraph", 2)]
    t = ingest_paths([DECK], checks=False)
    ind = t["indicators"].set_index("level3")
    assert ind.loc["服务对象满意度", "location"].tolist() == ["第1页 表1 第17行 第8列", "第2页 表2 第18行 第8列"]


def test_shapes_are_read_where_they_stand_not_in_the_order_they_were_drawn(tmp_path):
    """A title drawn after the table but placed above it, a note in a group below: read top to bottom."""
    grid = word_tables()[0]
    prs = deck([("table", grid, 3), ("text", "项目支出绩效自评表（2022年度）", 1)])
    slide = prs.slides[0]
    group = slide.shapes.add_group_shape()
    note = group.shapes.add_textbox(Cm(1), Cm(17), Cm(10), Cm(1))
    note.text_frame.text = "填报人：王刚"
    doc = read(save(prs, tmp_path / "汇报.pptx"))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert doc.blocks[0].text == "项目支出绩效自评表（2022年度）" and doc.blocks[2].text == "填报人：王刚"


def test_hidden_slides_and_shapes_are_not_read_and_are_named(tmp_path):
    """A slide hidden in the show (an old version of the table kept in the deck) and a hidden text box carry no
    figures into the tables; reports.hidden_content names them, as hidden sheets are named."""
    first, second, _ = word_tables()
    old = [[(r, c, s, (t.replace("95.65", "80.00") if t else t)) for r, c, s, t in row] for row in second]
    prs = deck([("table", first, 2)], [("table", old, 2)], [("table", second, 2)])
    prs.slides[1]._element.set("show", "0")
    box = prs.slides[2].shapes.add_textbox(Cm(1), Cm(17), Cm(10), Cm(1))
    box.text_frame.text = "自评得分 80 分"
    box._element.nvSpPr.cNvPr.set("hidden", "1")
    path = save(prs, tmp_path / "汇报.pptx")
    doc = read(path)
    assert doc.hidden == ["隐藏的第2张幻灯片", f"第3张幻灯片上隐藏的形状“{box.name}”"]
    assert len(list(doc.tables())) == 2 and "自评得分 80 分" not in [p.text for p in doc.paragraphs()]
    t = ingest_paths([path], checks=False)
    assert sorted(t["projects"]["total_score"].astype(str)) == ["95.65", "97.75"]
    assert "隐藏的第2张幻灯片" in t["reports"].iloc[0]["hidden_content"]


def test_an_excel_worksheet_embedded_in_a_slide_is_read_as_the_sheet_it_shows(tmp_path):
    """粘贴为“Microsoft Excel 工作表 对象”: the slide shows a picture, the figures are the workbook's, read as
    fixture_xlsx.xlsx reads alone, placed on its slide."""
    from pptx.enum.shapes import PROG_ID
    prs = deck([("text", "附件：项目支出绩效自评表", 1)])
    prs.slides[0].shapes.add_ole_object(str(FIX / "fixture_xlsx.xlsx"), PROG_ID.XLSX, Cm(1), Cm(3), Cm(20), Cm(12))
    path = save(prs, tmp_path / "汇报.pptx")
    t = ingest_paths([path], checks=False)
    alone = ingest_paths([FIX / "fixture_xlsx.xlsx"], checks=False)
    assert t["reports"].iloc[0]["status"] == "ok", t["reports"].iloc[0]["error"]
    cols = ["project_name", "total_score", "grade", "budget_full_year", "executed"]
    assert t["projects"][cols].astype(str).values.tolist() == alone["projects"][cols].astype(str).values.tolist()
    assert len(t["indicators"]) == len(alone["indicators"]) == 15
    assert t["indicators"].iloc[0]["location"].startswith("第1页 工作表“")


def test_a_deck_saved_as_a_slide_show_or_template_reads_as_the_deck(tmp_path):
    """.ppsx (放映) and .potx (模板) hold the same slides under another main-part type, which python-pptx refuses."""
    import zipfile
    for suffix, kind in ((".ppsx", "slideshow"), (".potx", "template")):
        out = tmp_path / f"汇报{suffix}"
        with zipfile.ZipFile(DECK) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "[Content_Types].xml":
                    data = data.replace(b"presentationml.presentation.main+xml", f"presentationml.{kind}.main+xml".encode())
                dst.writestr(info, data)
        doc = read(out)
        assert doc.format == "pptx" and contents(doc) == contents(read(DECK)), suffix


def test_a_package_that_is_not_a_deck_is_said_so(tmp_path):
    bad = tmp_path / "空.pptx"
    import zipfile
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("hello.txt", "你好")
    with pytest.raises(ReadError, match="PPTX 文件已损坏"):
        read(bad)
    (tmp_path / "半截.pptx").write_bytes(DECK.read_bytes()[:5000])
    t = ingest_paths([tmp_path / "半截.pptx"], checks=False)
    assert t["reports"].iloc[0]["status"] == "failed" and "PPTX 文件已损坏" in t["reports"].iloc[0]["error"]


@needs_lo
def test_a_ppt_under_a_pptx_name_and_a_pptx_under_a_ppt_name_are_read_as_what_they_are(tmp_path):
    """Save-as mistakes both ways: PowerPoint 97's file named .pptx goes through LibreOffice; a .pptx named .ppt is
    read directly."""
    shutil.copyfile(FIX / "office" / "fixture_ppt.ppt", tmp_path / "旧.pptx")
    shutil.copyfile(DECK, tmp_path / "新.ppt")
    old, new = read(tmp_path / "旧.pptx"), read(tmp_path / "新.ppt")
    assert old.read_as == "ppt" and "PowerPoint 97-2003 演示文稿（.ppt）" in old.warnings[0]
    assert new.format == "ppt" and contents(new) == contents(read(DECK))
    assert [b.rows for b in old.tables()][:2] == [b.rows for b in read(DECK).tables()][:2]


def test_a_deck_of_other_content_gives_no_project_and_no_error(tmp_path):
    """A 汇报 deck with bullets, a chart and speaker notes: the bullets read, nothing recognized, never an internal
    error; the chart and the notes are not read, and the reading notes say so."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    prs = deck([("text", "一、项目基本情况", 1), ("text", "二、绩效目标完成情况", 3)])
    data = CategoryChartData()
    data.categories = ["产出", "效益", "满意度"]
    data.add_series("得分", (48, 28, 9))
    prs.slides[0].shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Cm(2), Cm(5), Cm(16), Cm(10), data)
    prs.slides[0].notes_slide.notes_text_frame.text = "讲到这里说明：自评得分 85 分"
    doc = read(save(prs, tmp_path / "汇报.pptx"))
    assert contents(doc) == ["一、项目基本情况", "二、绩效目标完成情况"]
    assert doc.notes == ["第 1 页的图表（1 处）未读取：不是自评表的内容",          # said, for the auditor
                         "第 1 页的演讲者备注（1 处）未读取：不是自评表的内容"]


def _without_slide_type(name, data):
    """[Content_Types].xml without the first slide's override (what some generators write): python-pptx then takes
    the slide for a part of no known type and fails."""
    import re
    return re.sub(rb'<Override PartName="/ppt/slides/slide1.xml"[^>]*/>', b"", data) if name == "[Content_Types].xml" else data


@needs_lo
def test_a_deck_python_pptx_gives_up_on_is_repaired_by_libreoffice_and_reads_the_same_projects(tmp_path):
    from conftest import rezip
    (tmp_path / "in").mkdir()
    bad = rezip(DECK, tmp_path / "in" / "汇报.pptx", _without_slide_type)
    t = ingest_paths([bad], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["status"] == "partial" and rep["error"] == (
        "汇报.pptx: PPTX 文件内部结构有误，无法直接解析（AttributeError: 'Part' object has no attribute 'slide'），"
        "已由 LibreOffice 修复后读取；请对照原件核对数值")
    intact = ingest_paths([DECK], checks=False)
    cols = ["project_name", "total_score", "grade", "budget_full_year", "executed", "execution_rate"]
    assert t["projects"][cols].astype(str).values.tolist() == intact["projects"][cols].astype(str).values.tolist()
    assert t["indicators"]["level3"].tolist() == intact["indicators"]["level3"].tolist()


def test_without_libreoffice_a_damaged_deck_fails_naming_the_damage(tmp_path, no_soffice):
    from conftest import rezip
    bad = rezip(DECK, tmp_path / "汇报.pptx", _without_slide_type)
    with pytest.raises(ReadError) as e:
        read(bad)
    assert str(e.value) == ("PPTX 文件已损坏，无法解析（AttributeError: 'Part' object has no attribute 'slide'），"
                            "请用 PowerPoint 打开后另存为 .pptx 再导入")


def test_a_slide_declaring_entities_is_refused_before_parsing(tmp_path):
    from conftest import rezip
    evil = rezip(DECK, tmp_path / "lol.pptx", lambda name, d: d.replace(
        b"?>", b'?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1) if name == "ppt/slides/slide1.xml" else d)
    with pytest.raises(ReadError, match=r"^PPTX 文件的 ppt/slides/slide1\.xml 含有 <!DOCTYPE 声明.*PowerPoint 不会生成这种内容"):
        read(evil)


@pytest.mark.parametrize("password, want", [("VelvetSweatshop", "ok"), ("1234", "failed")])
def test_an_encrypted_deck_is_read_under_the_default_password_and_said_under_its_own(tmp_path, password, want):
    from msoffcrypto.format.ooxml import OOXMLFile
    (tmp_path / "in").mkdir()
    with open(DECK, "rb") as f, open(tmp_path / "in" / "加密.pptx", "wb") as out:
        OOXMLFile(f).encrypt(password, out)
    t = ingest_paths([tmp_path / "in"], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["status"] == want
    if want == "failed":
        assert "文件设置了打开密码（加密的 PowerPoint 文档），无法读取；请在 PowerPoint 中取消密码" in rep["error"]
    else:
        assert len(t["projects"]) == 2


def test_a_deck_downloaded_without_its_name_is_read_as_a_deck(tmp_path):
    """A portal's `downfile.jsp` holding the deck: told by its content, as a PDF or DOCX download is."""
    shutil.copyfile(DECK, tmp_path / "downfile.jsp")
    t = ingest_paths([tmp_path], checks=False)
    rep = t["reports"].iloc[0]
    assert rep["source_file"] == "downfile.jsp" and rep["format"] == "pptx" and len(t["projects"]) == 2


def test_a_libreoffice_without_impress_says_which_package_reads_decks(tmp_path, monkeypatch):
    """Debian's LibreOffice comes in parts: one with Writer and Calc only converts documents and workbooks; a .ppt
    is then a failed row naming the missing part, not LibreOffice's own 'no export filter'."""
    program = tmp_path / "libreoffice" / "program"
    program.mkdir(parents=True)
    (program / "libswlo.so").touch()
    fake = program / "soffice"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("EVALKIT_SOFFICE", str(fake))
    with pytest.raises(ReadError) as e:
        read(FIX / "office" / "fixture_ppt.ppt")
    assert str(e.value).startswith("读取 .ppt 文件需要 LibreOffice 的演示文稿组件（Impress），本机的 LibreOffice 没有。")
    assert "libreoffice-impress-nogui" in str(e.value)
    (program / "libsdlo.so").touch()
    with pytest.raises(ReadError, match="LibreOffice 无法转换该 .ppt 文件"):
        read(FIX / "office" / "fixture_ppt.ppt")


def test_a_picture_linked_from_outside_the_deck_is_neither_fetched_nor_an_error(tmp_path):
    """插入图片 → 链接到文件: the slide names a file or an address outside the package; nothing is fetched, the rest
    of the deck reads."""
    import re

    from conftest import rezip
    from PIL import Image
    img = tmp_path / "scan.png"
    Image.new("RGB", (1200, 1600), (250, 250, 250)).save(img)
    prs = deck([("text", "附件：项目支出绩效自评表", 1)])
    prs.slides[0].shapes.add_picture(str(img), Cm(1), Cm(3))
    path = save(prs, tmp_path / "linked.pptx")
    linked = rezip(path, tmp_path / "汇报.pptx", lambda name, d: re.sub(
        rb'Target="\.\./media/image1\.png"', b'Target="file:///etc/passwd" TargetMode="External"', d)
        if name == "ppt/slides/_rels/slide1.xml.rels" else d)
    doc = read(linked)
    assert contents(doc) == ["附件：项目支出绩效自评表"] and doc.more_pictures is None and not doc.warnings


def test_a_shape_powerpoint_wraps_in_alternate_content_is_read(tmp_path):
    """PowerPoint wraps a text box holding an equation (and ink) in mc:AlternateContent, which python-pptx leaves out
    of a slide's shapes: read from its mc:Choice, once (not again from its mc:Fallback)."""
    from lxml import etree
    prs = deck([("text", "附件：项目支出绩效自评表", 1)])
    slide = prs.slides[0]
    box = slide.shapes.add_textbox(Cm(1), Cm(3), Cm(20), Cm(1))
    box.text_frame.text = "自评得分 = 95.65 分"
    el = box._element
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    alt = etree.SubElement(el.getparent(), f"{{{mc}}}AlternateContent", nsmap={"mc": mc})
    el.getparent().remove(el)
    choice = etree.SubElement(alt, f"{{{mc}}}Choice", Requires="a14")
    choice.append(el)
    fallback = etree.SubElement(alt, f"{{{mc}}}Fallback")
    fallback.append(etree.fromstring(etree.tostring(el)))
    doc = read(save(prs, tmp_path / "公式.pptx"))
    assert contents(doc) == ["附件：项目支出绩效自评表", "自评得分 = 95.65 分"]


def test_a_figure_struck_through_in_a_cell_is_not_read_and_is_counted(tmp_path):
    """A score crossed out (删除线) with the corrected one typed beside it, as in Word: the struck figure is not read,
    the row takes the other, reports.hidden_content counts it; text struck elsewhere too."""
    first = word_tables()[0]
    prs = deck([("text", "项目支出绩效自评表", 1), ("table", first, 2)])
    table = next(s for s in prs.slides[0].shapes if s.has_table).table
    total = next(r for r in range(len(table.rows)) if table.cell(r, 0).text == "总分")
    cell = next(c for c in table.rows[total].cells if c.text == "97.75")
    para = cell.text_frame.paragraphs[0]
    old = para.runs[0]
    old.text = "90.00"
    old.font._rPr.set("strike", "sngStrike")
    para.add_run().text = "97.75"
    path = save(prs, tmp_path / "汇报.pptx")
    doc = read(path)
    assert doc.hidden == ["PowerPoint 删除线文字 1 处"]
    t = ingest_paths([path], checks=False)
    assert t["projects"]["total_score"].tolist() == [97.75]
    assert "删除线文字 1 处" in t["reports"].iloc[0]["hidden_content"]


def drawn_deck(src, out):
    """`src` (a PDF) as slides whose tables are drawn: each glyph run a text box, each ruling a thin filled rectangle
    (a PDF page turned into shapes, as PDF-to-PPT converters and “粘贴为形状” give them); no PowerPoint table."""
    import pdfplumber
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Pt
    prs = Presentation()
    with pdfplumber.open(src) as pdf:
        prs.slide_width, prs.slide_height = Pt(pdf.pages[0].width), Pt(pdf.pages[0].height)
        for page in pdf.pages:
            slide = prs.slides.add_slide(prs.slide_layouts[6])
            runs, bars = page_parts(page)
            for r in runs:
                size = r[0]["size"]
                box = slide.shapes.add_textbox(Pt(r[0]["x0"]), Pt(r[0]["top"] - size * 0.15),
                                               Pt(r[-1]["x1"] - r[0]["x0"] + 2), Pt(size * 1.3))
                frame = box.text_frame
                frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
                frame.word_wrap, frame.auto_size = False, MSO_AUTO_SIZE.NONE
                run = frame.paragraphs[0].add_run()
                run.text, run.font.size, run.font.name = "".join(c["text"] for c in r), Pt(size), "Noto Sans CJK SC"
            for x, y, cx, cy in bars:
                bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Pt(x), Pt(y), Pt(cx), Pt(cy))
                bar.fill.solid()
                bar.fill.fore_color.rgb = RGBColor(0, 0, 0)
                bar.line.fill.background()
    prs.save(out)
    return out


def test_a_table_drawn_as_text_boxes_on_slides_is_read_as_the_slides_are_laid_out(tmp_path):
    """fixture_pdf.pdf's pages as slides of text boxes and ruling bars. Before, 566 paragraphs and no 自评表; now the
    text giving nothing, LibreOffice Impress lays the slides out as PDF pages and the PDF reader reads them: the same
    projects and indicator lines as the PDF."""
    soffice = find_soffice()
    if soffice is None or not has_impress(soffice):
        pytest.skip("LibreOffice Impress is needed (make setup installs it)")
    path = drawn_deck(FIX / "fixture_pdf.pdf", tmp_path / "汇报.pptx")
    doc = read(path)
    assert doc.in_text_boxes and not any(isinstance(b, Table) for b in doc.blocks)
    got = ingest_paths([path], checks=False)
    want = ingest_paths([FIX / "fixture_pdf.pdf"], checks=False)
    for table in ("projects", "indicators"):
        same = read_columns(want[table])
        assert got[table][same].equals(want[table][same]), table
    rep = got["reports"].iloc[0]
    assert rep["status"] == "ok" and rep["format"] == "pptx"
    assert "幻灯片上的表格是用文本框和线条画成的（不是 PowerPoint 表格），文字中没有自评表；已按 LibreOffice 排版后的页面读取" \
        in rep["reading_notes"]
    assert not read(FIX / "office" / "fixture_pptx.pptx").in_text_boxes     # a deck with real tables


def test_a_table_pasted_on_slides_as_metafiles_is_read_on_its_slides(tmp_path):
    """fixture_pdf.pdf's first two pages as EMF pictures on slides 2 and 3 (复制为图片 pasted into a deck): read
    through LibreOffice as in Word, the figures placed on the slide their picture stands on."""
    soffice = find_soffice()
    if soffice is None:
        pytest.skip("LibreOffice is needed (make setup installs it)")
    prs = deck([("text", "汇报", 1)])
    for page in ("page1.emf", "page2.emf"):
        prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_picture(str(FIX / "drawings" / page), Cm(1), Cm(1), Cm(18))
    t = ingest_paths([save(prs, tmp_path / "汇报.pptx")], checks=False)
    assert t["projects"]["project_name"].tolist() == ["网络设备软件运行保障经费"] and len(t["indicators"]) == 13
    assert t["indicators"]["location"].iloc[0].startswith("第2页 表1 ")
    assert "位置中的页码为图片所在幻灯片的页码" in t["reports"].iloc[0]["reading_notes"]
