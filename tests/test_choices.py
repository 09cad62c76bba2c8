"""A grade chosen on a form by ticking a box (□优 ☑良 □中 □差): the word ticked is the grade, whether the boxes are
typed characters, symbols Word inserts from Wingdings (w:sym), legacy check box fields (FORMCHECKBOX) or check box
content controls; none ticked (or two) states no grade. Before, the first word of the list was taken: 优."""
from __future__ import annotations

import pytest
from docx import Document as Docx
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from evalkit import grades
from evalkit.ingest import ingest_file
from pdfbits import cjk_font, descriptor, ucs2

W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
CHOICES = ("优", "良", "中", "差")


@pytest.mark.parametrize("text,rank", [
    ("☑优 □良 □中 □差", 0), ("□优 ☑良 □中 □差", 1), ("□优 √良 □中 □差", 1), ("优□ 良■ 中□ 差□", 1),
    ("( )优 (√)良 ( )中 ( )差", 1), ("（√）优秀 （ ）良好 （ ）合格 （ ）不合格", 0), ("□合格 ☑不合格", 3),
    ("□优 □良 □中 □差", None), ("☑优 ☑良 □中 □差", None), ("优", 0), ("良好", 1), ("优（95分）", None),
    ("口优 良 口中 口差", 1), ("口优 √良 口中 口差", 1), ("口优口良口中口差", None), ("□优 良", None),
    ("优良中差", None), ("优秀、良好、合格、不合格", None), ("优√良中差", 1), ("优 良√ 中 差", 1), ("优 □良 ☑中 □差", 2)])
def test_the_word_ticked_in_a_choice_list_is_the_grade(text, rank):
    assert grades.rank(text) == rank
    assert grades.rank(text, lenient=True) == (0 if text == "优（95分）" else rank)


def _box(paragraph, how: str, ticked: bool) -> None:
    """One box before a grade word, as Word stores it."""
    if how == "text":
        paragraph.add_run("☑" if ticked else "□")
    elif how == "symbol":                                    # 插入符号 → Wingdings 2
        run = paragraph.add_run()
        sym = OxmlElement("w:sym")
        sym.set(qn("w:font"), "Wingdings 2")
        sym.set(qn("w:char"), "F052" if ticked else "F0A3")
        run._r.append(sym)
    elif how == "field":                                     # 开发工具 → 旧式窗体 → 复选框
        state = '<w:checked/>' if ticked else ''
        paragraph._p.append(parse_xml(
            f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val=""/><w:enabled/>'
            f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="0"/>{state}</w:checkBox>'
            '</w:ffData></w:fldChar></w:r>'))
        paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> FORMCHECKBOX '
                                      '</w:instrText></w:r>'))
        paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'))
        paragraph._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    else:                                                    # 开发工具 → 复选框内容控件
        paragraph._p.append(parse_xml(
            f'<w:sdt {nsdecls("w")} {W14}><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(ticked)}"/>'
            '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" '
            'w14:font="MS Gothic"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r>'
            f'<w:t>{"☒" if ticked else "☐"}</w:t></w:r></w:sdtContent></w:sdt>'))


def _report(path, how: str, ticked: str | None):
    """A one-project 自评表 whose 自评等级 is a choice list with `ticked` ticked (None: no box ticked)."""
    d = Docx()
    d.add_paragraph("某某县财政局")
    d.add_paragraph("项目支出绩效自评表（2023年度）")
    rows = [["项目名称", "农村道路养护"], ["主管部门", "某某县交通运输局"],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "养护里程", "≥100公里", "120公里", "50", "48"],
            ["效益指标", "社会效益指标", "群众满意度", "≥90%", "95%", "50", "47"],
            ["总分", "", "", "", "", "100", "95"], ["自评等级", ""]]
    t = d.add_table(rows=len(rows), cols=7)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    cell = t.cell(len(rows) - 1, 1)
    p = cell.paragraphs[0]
    for word in CHOICES:
        _box(p, how, word == ticked)
        p.add_run(word + " ")
    d.save(path)
    return path


@pytest.mark.parametrize("how", ["text", "symbol", "field", "content_control"])
def test_a_grade_ticked_on_a_word_form_is_read(tmp_path, how):
    res = ingest_file(_report(tmp_path / f"{how}.docx", how, "良"), f"{how}.docx")
    (project,) = res.projects
    assert project["total_score"] == 95 and project["grade"] == "良"
    raw = project["grade_raw"]                       # the list as the file has it, its boxes as characters
    assert raw[0] in grades.UNMARKED and raw[1] == "优" and raw[2] in grades.MARKED and raw[3] == "良"
    none = ingest_file(_report(tmp_path / f"{how}_none.docx", how, None), f"{how}_none.docx")
    assert none.projects[0]["grade"] is None


def _pdf_choice_list(path):
    """One line 评价等级：£优 R良 £中 £差 where £ and R are drawn in Wingdings 2 (a box and a ticked box), the words in
    a CID font: how a Word form with 插入符号 boxes prints to PDF when the font has no Unicode map."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    page = w.add_blank_page(595, 842)
    cjk = cjk_font(w)
    dings = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/TrueType"),
                              NameObject("/BaseFont"): NameObject("/Wingdings2"),
                              NameObject("/FontDescriptor"): descriptor(w, "Wingdings2")})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
        {NameObject("/F1"): cjk, NameObject("/F2"): w._add_object(dings)})})
    ops = ["BT", "/F1 12 Tf", "72 700 Td", f"{ucs2('评价等级：')} Tj"]
    for word, box in (("优", "\\243"), ("良", "R"), ("中", "\\243"), ("差", "\\243")):
        ops += ["/F2 12 Tf", f"({box}) Tj", "/F1 12 Tf", f"{ucs2(word)} Tj", "( ) Tj"]
    ops.append("ET")
    content = DecodedStreamObject()
    content.set_data("\n".join(ops).encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(content)
    w.write(path)
    return path


def test_a_grade_ticked_with_wingdings_boxes_in_a_pdf_is_read(tmp_path):
    """The PDF's symbol-font codes (R and £ in Wingdings2) read as the boxes they draw, so the choice list says 良."""
    import pdfplumber
    from evalkit.readers.pdf import read_pdf

    path = _pdf_choice_list(tmp_path / "form.pdf")
    with pdfplumber.open(path) as pdf:                      # what pdfplumber alone reads: the codes
        assert "R良" in "".join(pdf.pages[0].extract_text().split())
    line = "".join(next(read_pdf(path).paragraphs()).text.split())
    assert line == "评价等级：□优☑良□中□差"
    assert grades.rank(line.split("：")[1]) == 1


def test_a_ticked_list_as_ocr_reads_it_gives_the_ticked_grade():
    """A printed □优 ☑良 □中 □差 scanned: where the OCR reads the empty boxes as 口 (and drops the ticked one, or reads it
    as √) the grade is 良; where it loses every box (优良中差, as evalkit's OCR reads this strip) the list states no
    grade. Never the first word, 优, which is what such a cell gave before."""
    import os

    import matplotlib
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from evalkit.fonts import find_cjk_font
    from evalkit.readers import ocrengine

    cjk = ImageFont.truetype(str(find_cjk_font().path), 40)
    symbols = ImageFont.truetype(os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data/fonts/ttf/DejaVuSans.ttf"), 40)
    for tick in ("☑", "√"):
        img = Image.new("L", (900, 120), 255)
        draw, x = ImageDraw.Draw(img), 20
        for word in CHOICES:
            draw.text((x, 40), tick if word == "良" else "□", font=symbols, fill=0)
            draw.text((x + 45, 40), word, font=cjk, fill=0)
            x += 125
        read = "".join(b.text for b in sorted(ocrengine.run_ocr(np.asarray(img)), key=lambda b: b.x0))
        assert read.replace("口", "") == "优良中差" or "√良" in read, read
        assert grades.rank(read) == (1 if "口" in read or "√" in read else None), read   # never the first word
