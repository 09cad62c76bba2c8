"""Each reader on its generated fixture (tests/fixtures/make_fixtures.py) and on the failure files."""
from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.model import Document, Paragraph, ReadError, Table
from evalkit.readers import read
from evalkit.readers.html import decode_html, declared_encoding
from evalkit.readers.pdf import check_text_layer
from evalkit.readers.pdfpage import PageContent, PageTable
from evalkit.readers.pdfstitch import stitch
from evalkit.readers.sheets import number_text, render

FIX = Path(__file__).parent / "fixtures"
BAD = FIX / "bad"


def squeeze(s: str) -> str:
    return "".join(s.split())


def project_tables(doc: Document) -> dict[str, list[list[str]]]:
    return {squeeze(t.rows[0][1]): t.rows for t in doc.tables() if t.rows and t.rows[0][0] == "项目名称"}


@pytest.fixture(scope="module")
def docx_doc():
    return read(FIX / "fixture_docx.docx")


@pytest.fixture(scope="module")
def pdf_doc():
    return read(FIX / "fixture_pdf.pdf")


@pytest.fixture(scope="module")
def xlsx_doc():
    return read(FIX / "fixture_xlsx.xlsx")


@pytest.fixture(scope="module")
def html_doc():
    return read(FIX / "fixture_html.html")


# ------------------------------------------------------------------ DOCX

def test_docx_blocks_in_order_and_bookmark_ignored(docx_doc):
    kinds = [type(b).__name__ for b in docx_doc.blocks]
    assert kinds[:4] == ["Paragraph", "Paragraph", "Paragraph", "Table"]
    assert [p.text for p in docx_doc.blocks[:3]] == ["大厂回族自治县医疗保障局", "项目支出绩效自评表", "（2022年度）"]
    assert docx_doc.format == "docx"


def test_docx_merged_cells_read_once(docx_doc):
    rows = project_tables(docx_doc)["退役军人辅助性岗位经费"]
    assert rows[0] == ["项目名称", "退役军人辅助性岗位经费"]            # gridSpan 8: one cell
    assert rows[1] == ["主管部门", "大厂回族自治县医疗保障局", "实施单位", "大厂回族自治县医疗保障局"]
    assert rows[2][0] == "项目资金\n(万元)"                             # in-cell line break kept
    assert rows[3] == ["", "年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25"]  # vMerge continuation ''
    header = rows.index(next(r for r in rows if "一级指标" in r))
    assert rows[header][:4] == ["绩效指标", "一级指标", "二级指标", "三级指标"]
    assert rows[header + 1][:4] == ["", "产出指标", "数量指标", "工作人员数量"]
    assert rows[header + 2][:4] == ["", "", "质量指标", "足额发放率"]     # level1 continues below
    assert rows[-1] == ["总分", "100", "97.75", ""]


def test_docx_nested_table_follows_parent(docx_doc):
    tables = list(docx_doc.tables())
    assert len(tables) == 4
    assert tables[2].rows == [["填报单位（盖章）", "负责人签字"]]        # parent keeps its own text
    assert tables[3].rows == [["签名", "日期"]]


def test_docx_inline_content_control_and_break(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    para = d.add_paragraph("金额")
    para._p.append(parse_xml('<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                             "<w:sdtContent><w:r><w:t>25,930.00</w:t></w:r></w:sdtContent></w:sdt>"))
    para.add_run("万元\n合计")                                 # a w:br inside the run
    d.save(tmp_path / "f.docx")
    assert read(tmp_path / "f.docx").blocks == [Paragraph("金额25,930.00万元\n合计")]


def test_docx_corrupt_raises(tmp_path):
    legacy = tmp_path / "old.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(ReadError, match=r"^这是 Word 97-2003 格式（\.doc）的文件，只是扩展名为 \.docx"):
        read(legacy)
    with pytest.raises(ReadError, match=r"^DOCX 文件已损坏（不是有效的 ZIP 包"):
        read(BAD / "corrupt.docx")


# ------------------------------------------------------------------ PDF

def test_pdf_tables_stitched_across_pages(pdf_doc):
    tables = list(pdf_doc.tables())
    assert len(tables) == 3                                  # five page fragments, three tables
    assert pdf_doc.pages == 5
    names = [squeeze(t.rows[0][1]) for t in tables]
    assert names == ["网络设备软件运行保障经费", "医疗保障服务经费", "退役军人辅助性岗位经费"]
    assert [t.page for t in tables] == [1, 3, 4]
    assert tables[0].rows[-1] == ["总分", "100", "100", ""]   # several rows spilled onto page 2
    assert tables[2].rows[-1] == ["总分", "100", "97.75", ""]  # only the 总分 row spilled onto page 5


def test_pdf_cells_match_the_docx_rendering(pdf_doc, docx_doc):
    pdf_tables, docx_tables = project_tables(pdf_doc), project_tables(docx_doc)
    for name, rows in docx_tables.items():
        got = pdf_tables[name]
        assert [[squeeze(c) for c in r] for r in got] == [[squeeze(c) for c in r] for r in rows], name


def test_pdf_keeps_in_cell_line_breaks(pdf_doc):
    rows = project_tables(pdf_doc)["退役军人辅助性岗位经费"]
    assert rows[2][0] == "项目资金\n(万元)"
    assert "≤5.6万\n元" in [c for r in rows for c in r]      # wrapped by the narrow column


def test_pdf_paragraphs_outside_tables_with_pages(pdf_doc):
    paras = list(pdf_doc.paragraphs())
    assert (paras[0].text, paras[0].page) == ("大厂回族自治县医疗保障局", 1)
    assert ("填报人：王刚 联系方式：8366688", 5) in [(p.text, p.page) for p in paras]
    assert not any("三级指标" in p.text for p in paras)


@pytest.mark.parametrize("name, message", [
    ("encrypted.pdf", r"^PDF 已加密，需要密码才能打开"),
    ("corrupt.pdf", r"^PDF 文件已损坏，无法打开（"),
])
def test_pdf_failures_raise_specific_errors(name, message):
    with pytest.raises(ReadError, match=message):
        read(BAD / name)


@pytest.mark.parametrize("path, message", [
    (BAD / "garbled.pdf", r"^PDF 的文字层是乱码：\d+% 的字符是无法映射的字形编码（cid:NNN）"),
    # page 1 garbled, page 2 in outlines: the garbled layer is all the text there is
    (FIX / "scans" / "lost_text.pdf", r"^PDF 的文字层是乱码：\d+% 的字符是无法映射的字形编码（cid:NNN）"),
])
def test_a_text_layer_ocr_cannot_replace_is_refused_as_garbled(monkeypatch, path, message):
    import evalkit.readers.pdf as pdf_reader
    monkeypatch.setattr(pdf_reader, "_ocr", lambda: None)        # the [ocr] extra not installed
    with pytest.raises(ReadError, match=message):
        read(path)


def test_text_in_outlines_without_ocr_says_so(monkeypatch, tmp_path):
    """A PDF whose text is curves (page 2 of lost_text.pdf alone) without the OCR extra: named, not “a scan”."""
    import pypdfium2 as pdfium

    import evalkit.readers.pdf as pdf_reader
    monkeypatch.setattr(pdf_reader, "_ocr", lambda: None)
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(FIX / "scans" / "lost_text.pdf")), [1])
    out.save(str(tmp_path / "outlines.pdf"))
    with pytest.raises(ReadError, match=r"^PDF 的文字已转为曲线（第 1 页，没有文字层），无法读取表格；安装 OCR 组件"):
        read(tmp_path / "outlines.pdf")


def test_a_page_of_outlines_is_told_from_a_blank_page_and_a_scan():
    from types import SimpleNamespace as Page

    from evalkit.readers.pdf import _unreadable as unreadable
    assert unreadable(Page(images=[], curves=[{}] * 176), "", None) == "outlines"
    assert unreadable(Page(images=[], curves=[{}] * 3), "", None) is None          # a blank page with a rule or two
    assert unreadable(Page(images=[{}], curves=[]), "", None) == "scan"
    assert unreadable(Page(images=[], curves=[]), "(cid:1)(cid:2)", None) is None    # without OCR: the layer as it is


def test_scanned_pdf_without_ocr_names_the_missing_text_layer(monkeypatch):
    import evalkit.readers.pdf as pdf_reader
    monkeypatch.setattr(pdf_reader, "_ocr", lambda: None)        # the [ocr] extra not installed
    with pytest.raises(ReadError, match=r"^PDF 的全部 1 页都没有文字层（可能是扫描件）"):
        read(BAD / "scanned.pdf")


def test_text_layer_check_on_extracted_text():
    check_text_layer(["项目支出绩效自评表 (cid:12)"], 1)   # a stray glyph code is fine
    with pytest.raises(ReadError, match="PDF 的全部 3 页都没有文字层"):
        check_text_layer(["", " \n", ""], 3)
    with pytest.raises(ReadError, match="U\\+FFFD"):
        check_text_layer(["\ufffd\ufffd\ufffd总分"], 1)


def _page(number, *items, height=800.0):
    return PageContent(number, height, [(top, item.bbox[3] if isinstance(item, PageTable) else top + 12, item)
                                        for top, item in items])


def _ptable(rows, page, top, bottom, n_cols=3, x0=50.0, x1=500.0):
    return (top, PageTable(rows, page, (x0, top, x1, bottom), n_cols, lead_height=20.0))


def test_stitch_rules():
    head = [["一级指标", "二级指标", "得分"]]
    footer = lambda n: (780.0, Paragraph(f"某某局2022年度部门决算 第{n}页", n))  # noqa: E731
    pages = [
        _page(1, (10.0, Paragraph("标题", 1)), _ptable(head + [["产出指标", "数量指标", "10"]], 1, 600, 700),
              footer(1)),
        _page(2, (20.0, Paragraph("2", 2)),    # a page number at the top does not block stitching
              _ptable(head + [["效益指标", "社会效益指标", "15"]], 2, 60, 690), footer(2)),  # header dropped
        _page(3, _ptable([["总分", "100"]], 3, 60, 80, n_cols=2), footer(3)),  # same edges, fewer columns
        _page(4, _ptable(head, 4, 60, 300)),     # page 3's table ended with room to spare: a new table
        _page(5, (30.0, Paragraph("附件2", 5)), _ptable(head, 5, 100, 700)),  # text first: a new table
    ]
    blocks = stitch(pages)
    tables = [b for b in blocks if isinstance(b, Table)]
    assert [t.page for t in tables] == [1, 4, 5]
    assert tables[0].rows == head + [["产出指标", "数量指标", "10"], ["效益指标", "社会效益指标", "15"], ["总分", "100"]]
    assert sum(isinstance(b, Paragraph) and "部门决算" in b.text for b in blocks) == 3   # footers kept as text


# ------------------------------------------------------------------ XLSX

def test_xlsx_sheets_titles_and_split_tables(xlsx_doc):
    paras = [b.text for b in xlsx_doc.blocks if isinstance(b, Paragraph)]
    assert paras[0] == "项目支出绩效自评表"                   # the sheet's title first
    assert "填报说明" in paras and "金额单位：万元" in paras     # the second sheet
    assert len(list(xlsx_doc.tables())) == 2                  # blank rows split the two projects


def test_xlsx_merged_ranges_match_docx(xlsx_doc, docx_doc):
    assert project_tables(xlsx_doc) == project_tables(docx_doc)


def test_xlsx_numbers_and_percents(xlsx_doc):
    rows = project_tables(xlsx_doc)
    assert rows["退役军人辅助性岗位经费"][3][2:8] == ["5.6", "5.6", "5.18", "10", "92.5%", "9.25"]
    assert rows["医疗保障服务经费"][3][6] == "74.11%"


def test_number_rendering():
    assert number_text(5.6000000000000005) == "5.6"
    assert number_text(0.1 + 0.2) == "0.3"
    assert number_text(100.0) == "100"
    assert number_text(7) == "7"
    assert render(0.925, "0.00%") == "92.50%"
    assert render(0.925, "0.0%") == "92.5%"
    assert render(1, "0%") == "100%"
    assert render(25930.0, "#,##0.00") == "25930"
    assert render(None) == ""


def test_xlsx_corrupt_raises(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ReadError, match="XLSX 文件已损坏"):
        read(bad)


# ------------------------------------------------------------------ HTML

def test_html_gbk_decoded_and_chrome_ignored(html_doc):
    text = "\n".join(p.text for p in html_doc.paragraphs())
    cells = "\n".join(c for t in html_doc.tables() for r in t.rows for c in r)
    assert html_doc.blocks[0] == Paragraph("开江县医疗保障局")
    for chrome in ("首页", "政务公开", "脚本文字", "开江县人民政府网", "主办单位"):
        assert chrome not in text and chrome not in cells
    rows = project_tables(html_doc)["51172322T000007299749-达州市开江县医疗保障局“大数据+医保”平台采购项目"]
    assert rows[0][1] == "51172322T000007299749-达州市开江县医疗保障局“大数据+医保”平台采购项目"


def test_html_rowspan_colspan(html_doc):
    rows = project_tables(html_doc)["51172323T000009017753-全县政府性投资建设"]
    assert rows[1] == ["主管部门", "开江县医疗保障局", "实施单位", "开江县医疗保障局"]
    assert rows[2][0] == "项目资金\n(万元)"
    assert rows[3] == ["", "年度资金总额", "0.00", "10.00", "10.00", "10", "100.00%", "10"]
    header = rows.index(next(r for r in rows if "一级指标" in r))
    assert rows[header + 1] == ["", "产出指标", "数量指标", "监督检查医药机构次数", "≥200次", "206", "20", "20", ""]
    assert rows[header + 2][:4] == ["", "", "时效指标", "支付完成时间"]
    assert rows[-1] == ["总分", "100", "100", ""]


def test_html_declared_encodings():
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>' \
           '<body><p>朱镕基</p></body></html>'
    raw = page.encode("gb18030")                             # 镕 is GBK, not GB2312
    assert declared_encoding(raw) == "gb2312"
    assert "朱镕基" in decode_html(raw)
    assert declared_encoding(b'<meta charset="GBK">') == "gbk"
    assert declared_encoding("\ufeff<p>x</p>".encode("utf-8")) == "utf-8"
    assert "医保" in decode_html("<p>医保</p>".encode("utf-8"))         # undeclared UTF-8
    assert "医保" in decode_html("<p>医保</p>".encode("gb18030"))       # undeclared GBK


def test_html_nested_and_layout_tables(tmp_path):
    page = ("<html><body><div role='navigation'>栏目导航</div><table><tr><td><p>正文</p><table><tr><td rowspan='2'>甲</td><td>乙</td></tr>"
            "<tr><td>丙<table><tr><td>内</td></tr></table></td></tr></table></td></tr></table></body></html>")
    path = tmp_path / "p.html"
    path.write_text(page, encoding="utf-8")
    doc = read(path)
    assert doc.blocks == [Paragraph("正文"), Table([["甲", "乙"], ["", "丙"]]), Table([["内"]])]


def test_xls_reads_like_xlsx(xlsx_doc):
    xls = read(FIX / "fixture_xls.xls")                       # xlrd path: one project a sheet
    assert xls.format == "xlsx"
    assert [b.text for b in xls.paragraphs()][:3] == ["自评表1", "项目支出绩效自评表", "（2022年度）"]
    assert project_tables(xls) == project_tables(xlsx_doc)


def test_spreadsheet_sniffed_by_content(tmp_path):
    renamed = tmp_path / "renamed.xls"                        # an .xlsx under an .xls name
    renamed.write_bytes((FIX / "fixture_xlsx.xlsx").read_bytes())
    assert project_tables(read(renamed)) == project_tables(read(FIX / "fixture_xlsx.xlsx"))
    exported = tmp_path / "export.xls"                        # an HTML table saved as .xls
    exported.write_bytes('<html><meta charset="gbk"><table><tr><td colspan="2">自评表</td></tr>'
                         '<tr><td>得分</td><td>97.75</td></tr></table></html>'.encode("gbk"))
    assert list(read(exported).tables())[0].rows == [["自评表"], ["得分", "97.75"]]


def test_xls_corrupt_raises(tmp_path):
    bad = tmp_path / "bad.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 truncated")
    with pytest.raises(ReadError, match="XLS 文件已损坏"):
        read(bad)


def test_merged_units_groups_grid_cells_without_a_rule_between_them():
    from evalkit.readers.grid import merged_units
    # 2 x 3 grid: (0,0)-(0,1) joined across, (0,2)-(1,2) joined down, the rest alone
    groups = merged_units(2, 3, lambda r, c: (r, c) == (0, 0), lambda r, c: (r, c) == (0, 2))
    assert groups == [[(0, 0), (0, 1)], [(0, 2), (1, 2)], [(1, 0)], [(1, 1)]]
    assert merged_units(1, 1, lambda r, c: True, lambda r, c: True) == [[(0, 0)]]


def _overprint(src: Path, out: Path, shifts) -> Path:
    """src with every page's content drawn again at each shift (points): how a printer driver fakes bold."""
    from pypdf import PdfReader, PdfWriter, Transformation

    w = PdfWriter(clone_from=src)
    for i, page in enumerate(w.pages):
        for dx, dy in shifts:
            page.merge_transformed_page(PdfReader(src).pages[i], Transformation().translate(dx, dy))
    w.write(out)
    return out


@pytest.mark.parametrize("shifts", [[(0.4, 0)], [(0.3, 0), (0, 0.3), (0.3, 0.3)]], ids=["twice", "four_times"])
def test_glyphs_overprinted_to_fake_bold_are_read_once(pdf_doc, tmp_path, shifts):
    """Text drawn two or four times, shifted under a point (項項目目名名称称 as it was read), reads as the PDF
    drawn once: the same tables and lines; a PDF drawn once has no overprinted glyph."""
    import pdfplumber
    from evalkit.readers.pdfclean import overprinted

    path = _overprint(FIX / "fixture_pdf.pdf", tmp_path / "bold.pdf", shifts)
    with pdfplumber.open(path) as pdf:
        assert "项项目目" in pdf.pages[0].extract_text()
        assert overprinted(pdf.pages[0].chars) >= len(pdf.pages[0].chars) // 2
    with pdfplumber.open(FIX / "fixture_pdf.pdf") as pdf:
        assert all(overprinted(page.chars) == 0 for page in pdf.pages)
    doc = read(path)
    assert [t.rows for t in doc.tables()] == [t.rows for t in pdf_doc.tables()]
    assert [p.text for p in doc.paragraphs()] == [p.text for p in pdf_doc.paragraphs()]
    assert doc.notes == ["第 1、2、3、4、5 页的文字重复绘制（打印驱动模拟加粗），已按一次读入"] and pdf_doc.notes == []


@pytest.mark.parametrize("angle,grey", [(45, 0.85), (30, 0.0), (0, 0.85)], ids=["slanted_grey", "slanted_black", "level_grey"])
def test_a_watermark_across_the_page_stays_out_of_the_cells(pdf_doc, tmp_path, angle, grey):
    """内部资料仅供参考 over every page, slanted (in any colour) or level in pale grey at 36 pt: before, its glyphs
    landed in the cells they crossed (项目名称 | 参\\n网络设备…) and split tables; now the PDF reads as without it."""
    import pdfplumber
    from pdfbits import watermarked

    path = watermarked(FIX / "fixture_pdf.pdf", tmp_path / "wm.pdf", "内部资料仅供参考", angle, grey=grey)
    with pdfplumber.open(path) as pdf:
        assert sum(c["text"] == "参" for c in pdf.pages[0].chars) == 4
    doc = read(path)
    assert [t.rows for t in doc.tables()] == [t.rows for t in pdf_doc.tables()]
    assert [p.text for p in doc.paragraphs()] == [p.text for p in pdf_doc.paragraphs()]
    assert doc.notes == ["第 1、2、3、4、5 页的水印文字“内部资料仅供参考”未读入（斜排或大号浅色，不属于表格）"]
    if angle == 45:                                    # the report row keeps the record
        from evalkit.ingest import ingest_file
        import json
        assert json.loads(ingest_file(path, path.name).report["reading_notes"]) == doc.notes


def test_a_figure_typed_over_correction_fluid_reads_as_shown(pdf_doc, tmp_path):
    """An editor's correction: a white box over the 得分 10, then 8 typed on it; a black box (a redaction) over the
    分值 10. Before, the cell read 810 (budget_score 810.0) and the blacked-out 10 was read; now each cell reads
    what a viewer shows (8, empty) and the hidden figures are named in hidden_content."""
    import json
    from pdfbits import with_boxes
    from evalkit.ingest import ingest_file

    path = with_boxes(FIX / "fixture_pdf.pdf", tmp_path / "whiteout.pdf", 0,
                      [(433, 209, 449, 223, 1, "8"), (320, 209, 340, 223, 0)])
    doc = read(path)
    assert doc.hidden == ["第 1 页白色方块下的文字“10”", "第 1 页黑色方块下的文字“10”"]
    tables, before_tables = list(doc.tables()), list(pdf_doc.tables())
    row, before = tables[0].rows[3], before_tables[0].rows[3]
    assert before[1:] == ["年度资金\n总额", "26", "26", "26", "10", "100%", "10"]
    assert row[1:] == ["年度资金\n总额", "26", "26", "26", "", "100%", "8"]
    assert [t.rows for t in tables[1:]] == [t.rows for t in before_tables[1:]]
    got = ingest_file(path, path.name)
    assert got.projects[0]["budget_score"] == 8 and got.projects[0]["budget_weight"] is None
    assert json.loads(got.report["hidden_content"]) == doc.hidden


def test_a_box_drawn_under_its_text_hides_nothing(pdf_doc, tmp_path):
    """A shaded cell is a box drawn before its text (white, a pale grey, or black under white text): the text is
    read as before, nothing is hidden."""
    from pdfbits import with_boxes

    path = with_boxes(FIX / "fixture_pdf.pdf", tmp_path / "shaded.pdf", 0,
                      [(46, 212, 539, 241, 1), (433, 213, 449, 223, 0.98), (320, 213, 340, 223, 0)], over=False)
    doc = read(path)
    assert doc.hidden == [] and [t.rows for t in doc.tables()] == [t.rows for t in pdf_doc.tables()]


def test_a_strike_is_a_line_across_the_middle_of_its_glyphs_from_edge_to_edge():
    """18.5 struck (a line at mid-height from its first glyph's left to its last's right) is struck; an underline
    (at the glyphs' foot), a cell's border through them (running past them) and a thin box struck across 17.5
    (how Word draws it) are told apart."""
    from types import SimpleNamespace
    from evalkit.readers.pdfclean import struck_chars

    def glyphs(text, x, top):
        return [{"text": t, "x0": x + 5 * i, "x1": x + 5 * i + 5, "top": top, "bottom": top + 10} for i, t in enumerate(text)]

    old, new, kept = glyphs("18.5", 100, 100), glyphs("17.5", 100, 120), glyphs("20", 100, 140)
    line = lambda x0, x1, y: {"x0": x0, "x1": x1, "top": y, "bottom": y}
    page = SimpleNamespace(chars=old + new + kept, lines=[line(100, 120, 106.5), line(100, 110, 150.5), line(60, 300, 146)],
                           rects=[{"x0": 100, "x1": 120, "top": 125.5, "bottom": 126.3, "width": 20, "height": 0.8}])
    got = struck_chars(page)
    assert ["".join(c["text"] for c in cs) for cs in got] == ["18.5", "17.5"]
    page.rects = []
    assert ["".join(c["text"] for c in cs) for cs in struck_chars(page)] == ["18.5"]


def test_a_strike_is_told_from_an_underline_by_the_baseline():
    """A CJK font whose box reaches far below its baseline (a 10 pt glyph boxed 160–175, baseline at 170): its
    underline, 1.5 pt under the baseline, lies 77 % down the box, where a strike would lie in a tighter box; by the
    baseline (pdfplumber's matrix) it is below it, and a line 3 pt above it strikes."""
    from types import SimpleNamespace
    from evalkit.readers.pdfclean import struck_chars

    height, base = 842.0, 170.0
    chars = [{"text": t, "x0": 100 + 5 * i, "x1": 105 + 5 * i, "top": 160.0, "bottom": 175.0, "size": 10.0,
              "y1": height - 160.0, "matrix": (10, 0, 0, 10, 100 + 5 * i, height - base)} for i, t in enumerate("95")]
    line = lambda y: {"x0": 100, "x1": 110, "top": y, "bottom": y}            # noqa: E731
    underline = SimpleNamespace(chars=chars, lines=[line(base + 1.5)], rects=[])
    assert (base + 1.5 - 160) / 15 < 0.8 and struck_chars(underline) == []
    strike = SimpleNamespace(chars=chars, lines=[line(base - 3)], rects=[])
    assert ["".join(c["text"] for c in cs) for cs in struck_chars(strike)] == ["95"]


def test_a_large_black_title_is_not_a_watermark():
    from evalkit.readers.pdfclean import watermark_chars

    body = [{"text": "字", "size": 10.0, "matrix": (1, 0, 0, 1, 0, 0), "non_stroking_color": (0,), "ncs": "DeviceGray"}] * 1
    chars = [dict(c) for c in body * 40] + [{"text": "表", "size": 22.0, "matrix": (1, 0, 0, 1, 0, 0),
                                            "non_stroking_color": (0.0, 0.0, 0.0), "ncs": "DeviceRGB"}]
    assert watermark_chars(chars) == set()
    pale = dict(chars[-1], non_stroking_color=(0.8, 0.8, 0.8))
    turned = dict(chars[0], matrix=(0.7071, 0.7071, -0.7071, 0.7071, 0, 0))
    upright90 = dict(chars[0], matrix=(0, 1, -1, 0, 0, 0))                  # a cell's text turned a quarter
    assert watermark_chars(chars + [pale, turned, upright90]) == {id(pale), id(turned)}


SYSTEM_PAGE = """<html><head><meta charset="utf-8"><title>项目支出绩效自评表</title></head><body>
<h3>某某县农业农村局 2023年度项目支出绩效自评表</h3>
<form><input type="hidden" name="token" value="abc123">
<table border="1">
<tr><td>项目名称</td><td colspan="6"><input type="text" readonly value="高标准农田建设"></td></tr>
<tr><td>主管部门</td><td colspan="6"><input readonly value="某某县农业农村局"></td></tr>
<tr><td>项目资金（万元）</td><td>年初预算数</td><td>全年预算数</td><td>全年执行数</td><td>分值</td><td>执行率</td><td>得分</td></tr>
<tr><td>年度资金总额</td><td><input value="500.00"></td><td><input value="480.00"></td><td><input value="456.00"></td>
<td><input value="10"></td><td><input value="95%"></td><td><input value="9.5"></td></tr>
<tr><td>一级指标</td><td>二级指标</td><td>三级指标</td><td>年度指标值</td><td>实际完成值</td><td>分值</td><td>得分</td></tr>
<tr><td>产出指标</td><td>数量指标</td><td>建设面积</td><td><input value="≥1000亩"></td><td><input value="1050亩"></td>
<td><input value="50"></td><td><input value="48"></td></tr>
<tr><td>效益指标</td><td>社会效益指标</td><td>群众满意度</td><td><input value="≥90%"></td><td><input value="93%"></td>
<td><input value="40"></td><td><input value="37"></td></tr>
<tr><td>总分</td><td colspan="4"></td><td>100</td><td><input value="94.5"></td></tr>
<tr><td>自评等级</td><td colspan="6">{grade}</td></tr>
</table></form></body></html>"""
GRADE_CONTROLS = {
    "select": '<select name="g"><option>优</option><option selected>良</option><option>中</option><option>差</option></select>',
    "radio": '<input type="radio" name="g">优 <input type="radio" name="g" checked>良 <input type="radio" name="g">中',
}


@pytest.mark.parametrize("control", sorted(GRADE_CONTROLS))
def test_a_systems_page_with_its_figures_in_form_boxes_is_read_as_shown(tmp_path, control):
    """A 绩效 system's page saved as HTML: figures in read-only text boxes (an attribute, not text), the grade in a
    drop-down or radio buttons. Before, every figure was empty and the grade the first option (优)."""
    from evalkit.ingest import ingest_file

    path = tmp_path / "page.html"
    path.write_text(SYSTEM_PAGE.replace("{grade}", GRADE_CONTROLS[control]), encoding="utf-8")
    res = ingest_file(path, path.name)
    (p,) = res.projects
    assert (p["project_name"], p["budget_full_year"], p["executed"], p["execution_rate"], p["total_score"],
            p["grade"]) == ("高标准农田建设", 480.0, 456.0, 95.0, 94.5, "良")
    assert [(i["level3"], i["actual"], i["weight"], i["score"]) for i in res.indicators] == \
        [("建设面积", "1050亩", 50.0, 48.0), ("群众满意度", "93%", 40.0, 37.0)]
    assert "abc123" not in "".join(b.text for b in read(path).paragraphs())


def test_struck_text_in_a_web_page_is_not_read_and_is_named(tmp_path):
    """<s>18.5</s>17.5 in a score cell: the corrected figure, not 18.517.5; named in hidden_content."""
    from evalkit.ingest import ingest_file

    page = SYSTEM_PAGE.replace("{grade}", "良").replace('<td><input value="48"></td>', "<td><s>48</s>46</td>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    res = ingest_file(path, path.name)
    assert [i["score"] for i in res.indicators] == [46.0, 37.0]
    assert res.report["hidden_content"] == '["网页删除线文字 1 处"]'


@pytest.mark.parametrize("how", ["inline_span", "class_rule", "hidden_class"])
def test_text_struck_or_hidden_by_css_in_a_web_page_is_not_read(tmp_path, how):
    """What a browser shows as deleted or does not show, by a style rather than a tag: a span styled
    text-decoration:line-through in the score cell (46, not 4846); a whole line's cells of a class the page's style
    sheet strikes (td.xl66, as Excel writes a struck cell when saving a workbook as a web page), or a row of a class
    it hides (visibility:hidden): the line is not read. Each is named in hidden_content."""
    from evalkit.ingest import ingest_file

    page = SYSTEM_PAGE.replace("{grade}", "良")
    line = page[page.index("<tr><td>效益指标"):page.index("<tr><td>总分")]
    if how == "inline_span":
        page = page.replace('<td><input value="48"></td>', '<td><span style="text-decoration: line-through">48</span>46</td>')
    elif how == "class_rule":
        page = page.replace("</title>", "</title><style>\n<!--/* Excel */\ntd.xl66 { color: red; text-decoration: line-through }\n-->\n</style>")
        page = page.replace(line, line.replace("<td>", '<td class="xl66">'))
    else:
        page = page.replace("</title>", "</title><style>.xl70, .old {visibility: hidden}</style>")
        page = page.replace(line, line.replace("<tr>", '<tr class="old">'))
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    res = ingest_file(path, path.name)
    if how == "inline_span":
        assert [i["score"] for i in res.indicators] == [46.0, 37.0]
        assert res.report["hidden_content"] == '["网页删除线文字 1 处"]'
    else:
        assert [i["level3"] for i in res.indicators] == ["建设面积"]
        assert res.report["hidden_content"] == ('["网页删除线文字 7 处"]' if how == "class_rule" else '["网页表格中隐藏的 1 行"]')
