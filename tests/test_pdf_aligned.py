"""Tables printed without rulings, rebuilt from where their text stands (readers/aligned.py): the rules on
small generated lines of glyphs, and the Word tables without borders of tests/fixtures/pages/pages_borderless.pdf
(printed by LibreOffice) read as the same tables with rulings are."""
import pytest

from conftest import ROOT
from evalkit.readers.pdf import read_pdf
from evalkit.readers.aligned import AlignedTable, RowEnd, aligned_tables, continues, regrid

PAGES = ROOT / "tests" / "fixtures" / "pages"
SIZE = 10.0
COLS = [50.0, 105.0, 160.0, 215.0]          # four columns four glyphs wide (40 pt), 15 pt apart


def glyphs(text: str, x0: float, top: float) -> list[dict]:
    """One pdfplumber char per glyph: CJK a full size wide, ASCII half."""
    out, x = [], x0
    for ch in text:
        w = SIZE if ord(ch) > 0x2E7F else SIZE / 2
        out.append({"text": ch, "x0": x, "x1": x + w, "top": top, "bottom": top + SIZE, "size": SIZE})
        x += w
    return out


def page(*lines) -> list[dict]:
    """Lines of cells, each line 14.5 pt under the one before; a cell is (column, text)."""
    chars = []
    for k, cells in enumerate(lines):
        for col, text in cells:
            chars += glyphs(text, COLS[col], 100.0 + 14.5 * k)
    return chars


def table(xs: list[float], top: float, lines: list[list[str]]) -> list[dict]:
    """Lines of cells at the columns starting at `xs` (an empty text: no cell), the first at `top`, each 14.5 pt
    under the one before."""
    return [g for k, texts in enumerate(lines) for x, t in zip(xs, texts) if t for g in glyphs(t, x, top + 14.5 * k)]


def rows(chars) -> list[list[str]]:
    tables = aligned_tables(chars, SIZE / 2)
    assert len(tables) == 1
    return tables[0].rows


def test_a_line_that_only_goes_on_with_wrapped_cells_joins_the_row_above():
    got = rows(page([(0, "项目资金"), (1, "年初预算"), (2, "全年预算"), (3, "得分")],
                    [(0, "(万元)"), (1, "数"), (2, "数")],
                    [(0, "年度资金"), (1, "5.6"), (2, "5.6"), (3, "9.25")],
                    [(0, "总额")],
                    [(0, "其他资金"), (1, "1"), (2, "1"), (3, "—")]))
    assert got == [["项目资金\n(万元)", "年初预算\n数", "全年预算\n数", "得分"],
                   ["年度资金\n总额", "5.6", "5.6", "9.25"],
                   ["其他资金", "1", "1", "—"]]


def test_a_label_that_fills_its_column_does_not_swallow_the_next_row():
    """项目名称 fills its column exactly, but the next line has a cell in a column the row above left empty, and
    figures under figures that did not wrap: a row of its own."""
    got = rows(page([(0, "项目名称"), (1, "道路养护经费")],
                    [(0, "主管部门"), (1, "交通局"), (2, "实施单位"), (3, "交通局")],
                    [(0, "分值"), (1, "10"), (2, "得分"), (3, "9")],
                    [(0, "权重"), (1, "20"), (2, "得分"), (3, "18")]))
    assert [r[0] for r in got] == ["项目名称", "主管部门", "分值", "权重"]


def test_the_last_glyph_of_a_label_merged_over_rows_stays_with_it():
    """产出指标 in a column three glyphs wide wraps before 标, which prints on the next row's line."""
    chars = []
    for k, cells in enumerate([[(0, "一级指"), (1, "三级指标"), (2, "分值"), (3, "得分")],
                               [(0, "标")],
                               [(0, "产出指"), (1, "工作人员"), (2, "10"), (3, "10")],
                               [(0, "标"), (1, "发放率"), (2, "10"), (3, "9")]]):
        for col, text in cells:
            chars += glyphs(text, COLS[col], 100.0 + 14.5 * k)
    got = rows(chars)
    assert got == [["一级指\n标", "三级指标", "分值", "得分"],
                   ["产出指\n标", "工作人员", "10", "10"],
                   ["", "发放率", "10", "9"]]


def test_a_cell_centred_beside_a_wrapped_one_is_in_its_row():
    """A figure half a line lower than the first line of a wrapped label (vertically centred cells)."""
    chars = page([(0, "名称"), (1, "目标值"), (2, "分值"), (3, "得分")])
    chars += glyphs("工作人员", COLS[0], 114.5)
    chars += glyphs("≥1人", COLS[1], 121.75) + glyphs("10", COLS[2], 121.75) + glyphs("10", COLS[3], 121.75)
    chars += glyphs("数量", COLS[0], 129.0)
    chars += glyphs("发放率", COLS[0], 143.5) + glyphs("100%", COLS[1], 143.5) + glyphs("10", COLS[2], 143.5) \
        + glyphs("9", COLS[3], 143.5)
    chars += glyphs("合格率", COLS[0], 158.0) + glyphs("100%", COLS[1], 158.0) + glyphs("10", COLS[2], 158.0) \
        + glyphs("8", COLS[3], 158.0)
    got = rows(chars)
    assert got[1] == ["工作人员\n数量", "≥1人", "10", "10"]
    assert [r[0] for r in got] == ["名称", "工作人员\n数量", "发放率", "合格率"]


def test_prose_and_a_two_column_contents_list_are_not_tables():
    prose = page(*[[(0, "通过项目的开展保障各项工作顺利完成")] for _ in range(8)])
    contents = page(*[[(0, "一、项目基本情况"), (3, str(k))] for k in range(8)])
    assert aligned_tables(prose, SIZE / 2) == []
    assert aligned_tables(contents, SIZE / 2) == []


@pytest.fixture(scope="module")
def borderless():
    return read_pdf(PAGES / "pages_borderless.pdf")


def test_word_tables_without_borders_read_whole(borderless):
    """pages_borderless.pdf has no ruling at all; its four project tables come out in the grid a Markdown export
    gives (a merged cell's text in its first row), every wrapped cell whole, the rows broken by a page break one."""
    import pdfplumber

    with pdfplumber.open(PAGES / "pages_borderless.pdf") as pdf:
        assert not any(p.edges for p in pdf.pages)
    table = next(borderless.tables())
    assert {len(r) for r in table.rows} == {9}
    rows = [[c.replace("\n", "") for c in r] for r in table.rows]
    assert rows[0][:2] == ["项目名称", "网络设备软件运行保障经费"]
    assert rows[2][0] == "项目资金(万元)"
    # 满意度指标 | 服务对象满意度指标 wrapped between words, the row's last line printed at the head of page 2
    k = rows.index(["", "满意度指标", "服务对象满意度指标", "用户使用满意度", "≥95比率", "≥95比率", "10", "10", ""])
    assert table.pages[k] == 1 and rows[k + 1][0] == "总分" and table.pages[k + 1] == 2
    assert ["", "", "", "会议椅类", "≥73把/组", "73把/组", "5", "5", ""] in rows      # ≥73 | 把/组
    assert [r[6:8] for r in rows if r[0] == "总分"] == [["100", "100"]] * 3 + [["100", "0"]]
    assert borderless.warnings == ["第 1、2、3、4 页的表格缺少框线，已按文字的对齐还原行列（合并的单元格只在首行），"
                                   "请对照原件核对"]


def test_each_cell_of_a_rebuilt_table_points_at_its_text(borderless):
    import pdfplumber

    table = next(borderless.tables())
    r = next(k for k, row in enumerate(table.rows) if row[0] == "总分")
    x0, top, x1, bottom = table.loc(r, 6).bbox
    with pdfplumber.open(PAGES / "pages_borderless.pdf") as pdf:
        page = pdf.pages[table.loc(r, 6).page - 1]
        assert page.crop((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text().strip() == "100"


def test_a_pdf_a_spreadsheet_program_made_is_not_rebuilt_from_alignment(tmp_path):
    """A sheet's cells sit a glyph apart and its text runs over empty neighbours: such a PDF without rulings is
    read as lines, as before (no 自评表: partial), not as a guessed grid, and the report says why and what to ask
    for."""
    from pypdf import PdfWriter

    w = PdfWriter(clone_from=PAGES / "pages_borderless.pdf")
    w.add_metadata({"/Creator": "Calc", "/Producer": "LibreOffice 7.4"})
    with open(tmp_path / "calc.pdf", "wb") as f:
        w.write(f)
    doc = read_pdf(tmp_path / "calc.pdf")
    assert list(doc.tables()) == []
    assert doc.warnings == ["第 1、2、3、4 页是电子表格程序打印的表格，没有框线，单元格之间的距离不足以还原行列，未作为表格读取；"
                            "请提供原始 Excel 文件，或打印时勾选“网格线”（页面设置→工作表）后重新导出 PDF"]
    assert any("网络设备软件运行保障经费" in b.text for b in doc.blocks)
    from evalkit.ingest import ingest_paths
    error = ingest_paths([tmp_path / "calc.pdf"])["reports"].iloc[0]["error"]
    assert error.index("电子表格程序打印") < error.index("未识别出项目自评表") and "先处理上面的读取问题" in error


def test_rulings_between_rows_decide_the_rows():
    """A table ruled between its rows but not between its columns (a Word style with inside horizontal borders
    only): a line under a ruling starts a row even where a wrapped word would go on; a line with no ruling above it
    goes on with its row."""
    lines = [[(0, "三级指标"), (1, "目标值"), (2, "分值"), (3, "得分")],
             [(0, "满意度"), (1, "≥95%"), (2, "10"), (3, "10")],
             [(0, "调查")],
             [(0, "合格率"), (1, "100%"), (2, "10"), (3, "9")],
             [(0, "指标"), (1, "（抽检）")],
             [(0, "及时率"), (1, "100%"), (2, "10"), (3, "8")]]
    chars = page(*lines)
    ys = [100.0 + 14.5 * k - 2 for k in (1, 2, 3, 5)]              # rulings above lines 1, 2, 3 and 5
    rules = [(y, 45.0, 260.0) for y in ys]
    assert [r[0] for r in rows(chars)] == ["三级指标", "满意度\n调查", "合格率\n指标", "及时率"]   # without the rulings
    ruled = aligned_tables(chars, SIZE / 2, rules)[0].rows
    assert ruled == [["三级指标", "目标值", "分值", "得分"], ["满意度", "≥95%", "10", "10"], ["调查", "", "", ""],
                     ["合格率\n指标", "100%\n（抽检）", "10", "9"], ["及时率", "100%", "10", "8"]]


def test_a_table_ruled_between_its_rows_only_reads_by_its_rulings():
    """pages_rowrules.pdf: Word tables with borders above, between and below their rows and none between their
    columns (pdfplumber finds no table): the rows are the rulings' bands; a label merged over rows, whose cell
    no ruling crosses, keeps the glyph and the unit it printed in the next row's band."""
    doc = read_pdf(PAGES / "pages_rowrules.pdf")
    table = next(doc.tables())
    rows = [[c.replace("\n", "") for c in r] for r in table.rows]
    assert rows[2][0] == "项目资金(万元)" and rows[3][0] == ""
    k = rows.index(["年度总体目标", "预期目标", "", "", "", "实际完成情况", "", "", ""])     # 年度|总体|目标, merged
    assert rows[k + 1][:2] == ["", "通过项目的开展，保障各项工作顺利完成。"]                    # over two rows
    assert ["", "产出指标", "数量指标", "工作人员数量", "≥1人", "=1人", "10", "10", ""] in rows
    assert ["", "", "质量指标", "足额发放率", "100%", "100%", "10", "10", ""] in rows
    assert doc.warnings == ["第 1、2 页的表格缺少框线，已按文字的对齐还原行列（合并的单元格只在首行），请对照原件核对"]



def test_a_glyph_placed_far_off_costs_nothing_more():
    """Coverage is swept over the cells' ends, not laid out per point: a hostile file's glyph at x = 10¹² costs
    what any glyph costs (a list per point of that range would not fit in memory)."""
    import tracemalloc

    chars = page([(0, "项目名称"), (1, "目标值"), (2, "分值"), (3, "得分")],
                 [(0, "工作人员"), (1, "≥1人"), (2, "10"), (3, "10")],
                 [(0, "发放率"), (1, "100%"), (2, "10"), (3, "9")])
    chars += glyphs("远", 1e12, 100.0 + 14.5 * 2)
    tracemalloc.start()
    tables = aligned_tables(chars, SIZE / 2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5_000_000 and tables and tables[0].rows[0][:4] == ["项目名称", "目标值", "分值", "得分"]


def _any_page(data) -> list[dict]:
    """Lines of cells at random columns and heights, texts of Chinese, figures, units and brackets."""
    from hypothesis import strategies as st

    words = st.text(alphabet="产出指标满意度(万元)（）%≥≤0123456789.—", min_size=1, max_size=9)
    n = data.draw(st.integers(1, 14))
    chars = []
    top = 100.0
    for _ in range(n):
        top += data.draw(st.sampled_from([7.0, 14.5, 14.5, 14.5, 29.0]))
        for col in sorted(data.draw(st.sets(st.integers(0, 3), min_size=1, max_size=4))):
            chars += glyphs(data.draw(words), COLS[col] + data.draw(st.sampled_from([0.0, 3.0, 11.0])), top)
    return chars


def test_any_layout_of_lines_gives_whole_rows_or_no_table():
    """Whatever the lines (cells that wrap, units alone on a line, rulings between some rows): no error, every row
    as wide as the table, every glyph's cell in it once."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data):
        chars = _any_page(data)
        ys = sorted({c["top"] for c in chars})
        rules = [(y - 2, data.draw(st.sampled_from([45.0, 100.0])), 260.0) for y in ys if data.draw(st.booleans())]
        for table in aligned_tables(chars, SIZE / 2, rules):
            assert table.rows and {len(r) for r in table.rows} == {table.n_cols}
            assert len(table.boxes) == len(table.rows) and all(len(b) == table.n_cols for b in table.boxes)
            text = "".join(c for r in table.rows for cell in r for c in cell if not c.isspace())
            assert len(text) <= len([c for c in chars if c["text"].strip()])

    check()


def test_a_line_that_all_goes_on_with_merged_cells_makes_no_empty_row():
    """Under a ruling that stops short of the first column (its cell merged over rows), a line holding only that
    column's text goes on with the cell above: no row of its own (an empty row broke the table's bands)."""
    chars = page([(0, "名称"), (1, "目标"), (2, "分值"), (3, "得分")],
                 [(0, "甲乙"), (1, "1"), (2, "10"), (3, "9")],
                 [(0, "丙丁"), (1, "2"), (2, "10"), (3, "8")],
                 [(0, "戊")],
                 [(0, "己"), (1, "3"), (2, "10"), (3, "7")])
    rules = [(100.0 + 14.5 * k - 2, 45.0, 260.0) for k in (1, 2, 4)] + [(100.0 + 14.5 * 3 - 2, 100.0, 260.0)]
    assert aligned_tables(chars, SIZE / 2, rules)[0].rows == [
        ["名称", "目标", "分值", "得分"], ["甲乙", "1", "10", "9"], ["丙丁\n戊", "2", "10", "8"], ["己", "3", "10", "7"]]


def laid_out(rows_of_lines, gap: float = 6.0, pitch: float = 14.5) -> list[dict]:
    """Rows of lines of cells (column, text, line offset in pitches from the row's top), rows `gap` apart: the glyphs
    of a table whose cells sit where vertical alignment puts them."""
    chars, top = [], 100.0
    for row in rows_of_lines:
        for col, text, at in row:
            chars += glyphs(text, COLS[col], top + at * pitch)
        top += (max(at for _, _, at in row) + 1) * pitch + gap
    return chars


def test_cells_centred_vertically_are_read_in_their_rows_and_a_label_in_the_first_of_its_rows():
    """Word's 单元格对齐 中部: a short cell stands beside the middle of a wrapped one (half a line down beside two lines,
    on the middle one beside three), and a label merged over rows beside the middle of them (产出指标 between the
    second and third of its four rows); read as a ruled table's grid has them (the label in its first row)."""
    got = rows(laid_out([
        [(0, "一级指标", 0), (1, "三级指标", 0), (2, "分值", 0), (3, "得分", 0)],
        [(1, "工作人员", 0), (2, "10", 0.5), (3, "10", 0.5), (1, "数量", 1)],
        [(1, "足额发放", 0), (2, "10", 0.5), (3, "9", 0.5), (1, "率", 1)],
        [(0, "产出指标", -0.5 - 6 / 29), (1, "年发放工", 0), (1, "资、保险", 1), (2, "20", 1), (3, "18", 1),
         (1, "费用", 2)],
        [(1, "及时性", 0), (2, "10", 0), (3, "10", 0)],
        [(0, "效益指标", 0), (1, "保障率", 0), (2, "15", 0), (3, "15", 0)],
    ]))
    assert got == [["一级指标", "三级指标", "分值", "得分"],
                   ["产出指标", "工作人员\n数量", "10", "10"],
                   ["", "足额发放\n率", "10", "9"],
                   ["", "年发放工\n资、保险\n费用", "20", "18"],
                   ["", "及时性", "10", "10"],
                   ["效益指标", "保障率", "15", "15"]]


def test_cells_aligned_to_the_bottom_are_read_in_their_rows_and_a_label_in_the_first_of_its_rows():
    """Word's 单元格对齐 底端: short cells beside a wrapped cell's last line, a label merged over rows beside the last
    of them (产出指标 in the row of 年发放工资费用, its three rows above it)."""
    got = rows(laid_out([
        [(0, "一级指标", 0), (1, "三级指标", 0), (2, "分值", 0), (3, "得分", 0)],
        [(1, "工作人员", 0), (1, "数量", 1), (2, "10", 1), (3, "10", 1)],
        [(1, "足额发放", 0), (1, "率", 1), (2, "10", 1), (3, "9", 1)],
        [(1, "年发放工", 0), (1, "资、保险", 1), (0, "产出指标", 2), (1, "费用", 2), (2, "20", 2), (3, "18", 2)],
        [(0, "效益指标", 0), (1, "保障率", 0), (2, "15", 0), (3, "15", 0)],
    ]))
    assert got == [["一级指标", "三级指标", "分值", "得分"],
                   ["产出指标", "工作人员\n数量", "10", "10"],
                   ["", "足额发放\n率", "10", "9"],
                   ["", "年发放工\n资、保险\n费用", "20", "18"],
                   ["效益指标", "保障率", "15", "15"]]


def test_a_remark_right_of_the_figures_is_not_taken_for_a_merged_label():
    """Centred cells: a 偏差原因 written in one row, empty cells above and below it, stays in its row, though the rows
    around it make a band centred on it (labels merged over rows stand left of their figures)."""
    got = rows(laid_out([
        [(0, "三级指标", 0), (1, "分值", 0), (2, "得分", 0), (3, "偏差原因", 0)],
        [(0, "工作人员", 0), (1, "10", 0.5), (2, "10", 0.5), (0, "数量", 1)],
        [(0, "足额发放", 0), (1, "10", 0.5), (2, "9", 0.5), (0, "率", 1)],
        [(0, "合格率", 0), (1, "10", 0), (2, "10", 0)],
        [(0, "及时性", 0), (1, "10", 0), (2, "8", 0), (3, "资金未到", 0)],
        [(0, "满意度", 0), (1, "10", 0), (2, "10", 0)],
    ]))
    assert [r[3] for r in got] == ["偏差原因", "", "", "", "资金未到", ""]


def test_bottom_aligned_rows_end_on_their_line_of_figures():
    """Bottom-aligned cells without margins: every row's first line stands a line's pitch under the last one before
    it, where 质量指标 fills its column; 社会效益 under it begins the next row (every cell of a row ends on its
    line of figures), not the rest of 质量指标."""
    got = rows(laid_out([
        [(0, "二级指标", 0), (1, "三级指标", 0), (2, "分值", 0), (3, "得分", 0)],
        [(0, "数量指标", 0), (1, "工作人员", 0), (2, "10", 0), (3, "10", 0)],
        [(0, "质量指标", 0), (1, "合格率", 0), (2, "10", 0), (3, "9", 0)],
        [(0, "社会效益", 0), (0, "指标", 1), (1, "保障率", 1), (2, "15", 1), (3, "15", 1)],
        [(0, "时效指标", 0), (1, "发放及时", 0), (1, "性", 1), (2, "10", 1), (3, "10", 1)],
    ], gap=0.0))
    assert got == [["二级指标", "三级指标", "分值", "得分"],
                   ["数量指标", "工作人员", "10", "10"],
                   ["质量指标", "合格率", "10", "9"],
                   ["社会效益\n指标", "保障率", "15", "15"],
                   ["时效指标", "发放及时\n性", "10", "10"]]


def test_cells_a_few_points_apart_are_cut_where_the_columns_start():
    """A web page printed without borders: cells half a glyph apart (less than a cell gap) and no space glyph
    between them; where the table shows its columns start, the lines are cut there too."""
    printed = [["三级指标", "分值", "得分", "偏差"], ["工作人员", "10", "10", "正常"],
               ["发放率", "10", "9", "资金未到"], ["合格率", "10", "8", "正常"]]
    assert rows(table([50.0, 95.0, 140.0, 185.0], 100.0, printed)) == printed     # 40 pt cells, 5 pt apart


def test_justified_prose_is_not_cut_at_its_widened_gaps():
    """Prose set justified widens the gaps beside figures (决算为 0.00 万元): lines of one cell, no table."""
    chars = []
    for k in range(8):
        x = 50.0
        for piece in ("支出决算为", "0.00", "万元，完成预算的", "13.68%", "。"):
            chars += glyphs(piece, x, 100.0 + 14.5 * k)
            x += sum(SIZE if ord(ch) > 0x2E7F else SIZE / 2 for ch in piece) + 6.0
    assert aligned_tables(chars, SIZE / 2) == []


def test_a_one_glyph_remark_right_of_the_figures_stays_in_its_row():
    """无 under a remark that filled its column is the next row's remark, not the rest of the remark above (a label
    merged over rows prints its last glyph so, left of the figures: 产出指|标)."""
    got = rows(page([(0, "三级指标"), (1, "分值"), (2, "得分"), (3, "偏差原因")],
                    [(0, "工作人员"), (1, "10"), (2, "8"), (3, "资金未到")],
                    [(0, "发放率"), (1, "10"), (2, "10"), (3, "无")],
                    [(0, "合格率"), (1, "10"), (2, "10"), (3, "无")]))
    assert [r[3] for r in got] == ["偏差原因", "资金未到", "无", "无"]


def test_cells_a_quarter_glyph_apart_are_cut_where_the_columns_start():
    """A web page printed by a browser without borders: each cell's text a quarter of a glyph from the next (2 px
    of spacing, 1 px of padding each side), no space glyph between them; cut where the table shows its columns."""
    chars = (quarter(0, "指标", "目标值", "实际值", "得分") + quarter(1, "工作人员", "≥10", "10", "5")
             + quarter(2, "足额发放", "100%", "100%", "5") + quarter(3, "验收合格", "≥95%", "96%", "4")
             + quarter(4, "到位率", "100%", "98%", "5"))
    assert rows(chars) == [["指标", "目标值", "实际值", "得分"], ["工作人员", "≥10", "10", "5"],
                           ["足额发放", "100%", "100%", "5"], ["验收合格", "≥95%", "96%", "4"],
                           ["到位率", "100%", "98%", "5"]]


QUARTER = [50.0, 92.5, 135.0, 177.5]          # 40 pt cells, 2.5 pt apart


def quarter(k, *texts):
    return [g for x, t in zip(QUARTER, texts) if t for g in glyphs(t, x, 100.0 + 14.5 * k)]


def test_text_spaced_out_evenly_is_not_cut_where_a_column_starts():
    """A cell of text set with its glyphs spaced apart (字间距) has the same gap between every two: one of them
    falling where a column starts is no cell gap."""
    spaced, x = [], QUARTER[1] + 5.0
    for ch in "通过实施保障":                  # 10 pt glyphs 2.5 pt apart: the fourth starts at QUARTER[2] (135.0)
        spaced += glyphs(ch, x, 100.0 + 14.5 * 2)
        x += SIZE + 2.5
    chars = (quarter(0, "指标", "目标值", "实际值", "得分") + quarter(1, "工作人员", "≥10", "10", "5")
             + quarter(2, "目标", "", "", "5") + spaced + quarter(3, "足额发放", "100%", "100%", "5")
             + quarter(4, "验收合格", "≥95%", "96%", "4") + quarter(5, "到位率", "100%", "98%", "5"))
    assert rows(chars)[2] == ["目标", "通过实施保障", "", "5"]


def test_a_label_centred_over_many_rows_whose_two_lines_fall_in_two_rows_is_one_label():
    """A browser centres a label merged over a table's rows (绩效指标, wrapped in two lines) on all of them: its first
    line stands off the centre of the row it is printed under, its second beside the next row. One label, in the
    first row it covers; the header row it stands beside keeps its own cells."""
    chars = []
    for col, text, top in [(0, "项目名称", 79.5), (1, "道路养护", 79.5), (3, "交通局", 79.5),
                           (1, "一级指标", 100.0), (2, "分值", 100.0), (3, "得分", 100.0),
                           (1, "数量指标", 120.5), (1, "完成率", 135.0), (2, "10", 127.75), (3, "10", 127.75),
                           (1, "质量指标", 155.5), (2, "10", 155.5), (3, "9", 155.5),
                           (1, "时效指标", 176.0), (1, "及时率", 190.5), (2, "20", 183.25), (3, "18", 183.25),
                           (1, "成本指标", 211.0), (2, "20", 211.0), (3, "18", 211.0),
                           (1, "满意程度", 231.5), (1, "满意率", 246.0), (2, "10", 238.75), (3, "10", 238.75),
                           (0, "总分", 266.5), (2, "70", 266.5), (3, "65", 266.5),
                           (0, "绩效", 165.0), (0, "指标", 179.5)]:    # centred on 100 … 256: the rows it covers
        chars += glyphs(text, COLS[col], top)
    assert rows(chars) == [["项目名称", "道路养护", "", "交通局"], ["绩效\n指标", "一级指标", "分值", "得分"], ["", "数量指标\n完成率", "10", "10"],
                           ["", "质量指标", "10", "9"], ["", "时效指标\n及时率", "20", "18"],
                           ["", "成本指标", "20", "18"], ["", "满意程度\n满意率", "10", "10"], ["总分", "", "70", "65"]]


def test_the_space_word_processors_put_between_chinese_and_latin_is_no_cell_gap():
    """Word and LibreOffice set a Chinese glyph and a Latin one a fifth of a glyph apart (中西文间距): a year in a
    sentence starting where a column starts is not a cell of its own."""
    line, x = [], QUARTER[1] + 0.4
    for text, after in (("完成项目", 2.1), ("2024", 0.0)):     # 完成项目 ends 2.1 pt before 135.0
        line += glyphs(text, x, 100.0 + 14.5 * 2)
        x += sum(SIZE if ord(ch) > 0x2E7F else SIZE / 2 for ch in text) + after
    chars = (quarter(0, "指标", "目标值", "实际值", "得分") + quarter(1, "工作人员", "≥10", "10", "5")
             + quarter(2, "目标", "", "", "5") + line + quarter(3, "足额发放", "100%", "100%", "5")
             + quarter(4, "验收合格", "≥95%", "96%", "4") + quarter(5, "到位率", "100%", "98%", "5"))
    assert rows(chars)[2] == ["目标", "完成项目2024", "", "5"]


def test_two_tables_of_other_columns_on_one_page_are_read_each_in_its_own():
    """A web page's tables printed one under the other: the end of one and the next, with columns of their own, on
    one page; split at the next one's title, each read in its own columns (not the page's columns of both)."""
    first = [["满意度", "≥90%", "95%", "10"], ["工作人员", "≥10", "10", "5"], ["到位率", "100%", "98%", "5"]]
    second = [["指标", "目标", "实际", "得分"], ["培训人数", "≥100人", "120人", "45"],
              ["合格率", "≥90%", "95%", "38"], ["覆盖率", "100%", "100%", "9"]]
    chars = (table([50.0, 105.0, 160.0, 215.0], 100.0, first) + glyphs("项目支出绩效自评表", 50.0, 160.0)
             + table([50.0, 125.0, 210.0, 290.0], 190.0, second))
    tables = aligned_tables(chars, SIZE / 2)
    assert [t.rows for t in tables] == [first, second]


def test_a_lines_latin_and_chinese_glyphs_share_its_baseline_not_their_tops():
    """A browser prints a line's Latin glyphs in a font whose boxes stand lower than the Chinese ones' (≤8.18 a
    quarter glyph under 万, on the same baseline): one line, whatever glyph opened it."""
    from evalkit.readers.aligned import text_lines

    def placed(text, x0, top, baseline):
        out = glyphs(text, x0, top)
        for g in out:
            g["matrix"] = (1.0, 0.0, 0.0, 1.0, g["x0"], 800.0 - baseline)
        return out

    chars = placed("产出指标", 50.0, 97.5, 107.5) + placed("≤8.18", 150.0, 102.6, 110.0) + placed("万", 175.0, 100.0, 110.0)
    lines = text_lines(chars, SIZE / 2)
    assert [[s.text for s in ln.segments] for ln in lines] == [["产出指标", "≤8.18万"]]


def test_a_centred_text_wider_than_its_column_is_that_columns():
    """Cells centred across their column: a text wider than the others there starts in the right half of the column
    before it; its centre, and its end short of the next column, say whose it is. A text starting at a column's
    start and running on (a merged cell) stays the first column's."""
    from evalkit.readers.aligned import Segment, _first_column

    cols = [(50.0, 90.0), (110.0, 150.0), (170.0, 210.0)]
    seg = lambda x0, x1: Segment(x0, x1, 100.0, 110.0, SIZE, "字" * int((x1 - x0) // SIZE))  # noqa: E731
    assert _first_column(cols, seg(100.0, 160.0)) == 1          # 服务对象满意 centred on 130
    assert _first_column(cols, seg(50.0, 140.0)) == 0           # left-aligned, merged over two columns
    assert _first_column(cols, seg(100.0, 200.0)) == 0          # runs into the next column: not centred on 1


def test_lines_closer_than_a_glyph_are_never_a_cells_wrapped_lines():
    """A wrapped cell's next line stands at least a glyph under the last (lines do not overlap): a centred cell of
    the next column, starting inside this one a few points lower, is no step of the wrapped lines' pitch."""
    from evalkit.readers.aligned import Line, Segment, _wrap_pitch

    def line(top, *cells):
        return Line(top, top + SIZE, [Segment(x0, x0 + len(t) * SIZE, top, top + SIZE, SIZE, t, c0=c, fills=f)
                                      for x0, t, c, f in cells])

    lines = [line(100.0, (50.0, "服务对象", 1, True)), line(108.0, (88.0, "满意度", 1, False)),
             line(115.0, (50.0, "满意度指", 1, True)), line(130.0, (50.0, "标", 1, False))]
    assert _wrap_pitch(lines) == 15.0


def test_a_pages_first_rows_of_other_columns_over_a_title_are_read_in_the_columns_of_the_table_they_end():
    """A project's 总分 row printed at the head of the next page, over the next project's table of other columns: too
    few lines for columns of their own, read in that table's they ran together (100 | 100 in its remark column,
    read as 100100); split off at the title (`loose`) and read again in the columns of the table they end (regrid)."""
    before = [["指标", "目标", "实际", "分值", "得分"], ["培训人数", "≥100人", "120人", "40", "40"],
              ["合格率", "≥90%", "95%", "30", "30"], ["覆盖率", "100%", "100%", "30", "30"]]
    prev = aligned_tables(table([50.0, 105.0, 160.0, 215.0, 250.0], 100.0, before), SIZE / 2)[0]
    assert prev.rows == before and not prev.loose
    head = [["总分", "", "", "100", "100"]]
    nxt = [["项目", "年初预算数", "全年预算数", "执行数"], ["年度资金总额", "5.6", "5.6", "5.18"],
           ["其中：当年", "5.6", "5.6", "5.18"], ["上年结转", "0", "0", "0"], ["其他资金", "0", "0", "0"]]
    chars = (table([50.0, 105.0, 160.0, 215.0, 250.0], 100.0, head) + glyphs("项目支出绩效自评表", 50.0, 130.0)
             + table([50.0, 130.0, 200.0, 280.0], 160.0, nxt))
    tables = aligned_tables(chars, SIZE / 2)
    assert [t.rows for t in tables[1:]] == [nxt] and tables[0].loose and not tables[1].loose
    assert [c for c in tables[0].rows[0] if c] == ["总分", "100", "100"]
    again = regrid(tables[0], prev)
    assert again.rows == head and again.n_cols == prev.n_cols
    # a table's own first rows under its title are no such rows (they fit the columns of the lines under them)
    own = aligned_tables(glyphs("项目支出绩效自评表", 50.0, 70.0) + table([50.0, 130.0, 200.0, 280.0], 100.0, nxt),
                         SIZE / 2)
    assert [t.rows for t in own] == [nxt] and not own[0].loose


def test_a_name_beside_its_label_wider_than_the_next_columns_start_makes_a_column():
    """A project's name and its agency begin between two columns the lines with the most cells show and run past
    the next one's start: before, they went into the label's column; now they make a column of their own."""
    rows_ = [("项目名称", 50.0, "网络设备软件运行保障经费", 112.0), ("主管部门", 50.0, "某县医疗保障局和其他", 112.0)]
    chars = [g for k, (label, x, name, nx) in enumerate(rows_)
             for g in glyphs(label, x, 100.0 + 29.0 * k) + glyphs(name, nx, 100.0 + 29.0 * k)]
    figures = [["年度资金总额", "5.6", "5.6", "5.18"], ["其中：当年", "5.6", "5.6", "5.18"], ["其他资金", "0", "0", "0"]]
    chars += [g for k, texts in enumerate(figures) for x, t in zip([50.0, 160.0, 215.0, 270.0], texts)
              for g in glyphs(t, x, 158.0 + 14.5 * k)]
    got = rows(chars)
    assert got[0][:2] == ["项目名称", "网络设备软件运行保障经费"] and got[1][:2] == ["主管部门", "某县医疗保障局和其他"]
    assert got[2] == ["年度资金总额", "", "5.6", "5.6", "5.18"]


def test_a_row_of_figures_on_the_next_page_does_not_go_on_with_the_last_row_of_figures():
    """A row's plain numbers never go on with another's: the next page's first row, whose first line only holds a
    label's piece in a column the last row left open (a label centred on its row, its first line above the row's
    figures), is a row of its own when both rows hold numbers in a column; a label's last glyph goes on."""
    end = RowEnd(open=frozenset({1}), text=frozenset({0, 1, 2, 3, 4}), width=5)
    prev = AlignedTable([["产出指标", "质量指标一二", "合格率", "30", "30"]], [], (0, 0, 0, 0), 5, [14.5], end)
    row = AlignedTable([["", "满意度指标", "满意率", "10", "10"]], [], (0, 0, 0, 0), 5, [29.0], end, ((1, "满意"),))
    tail = AlignedTable([["", "三", "", "", ""], ["", "", "满意率", "10", "10"]], [], (0, 0, 0, 0), 5, [14.5, 14.5],
                        end, ((1, "三"),))
    assert not continues(prev, row) and continues(prev, tail)
    header = AlignedTable([["一级指标", "二级指标", "三级指标", "分值", "得分"]], [], (0, 0, 0, 0), 5, [14.5],
                          RowEnd(open=frozenset({1}), text=frozenset({0, 1, 2, 3, 4}), width=5))
    first = AlignedTable([["", "数量", "培训人数", "15", "15"]], [], (0, 0, 0, 0), 5, [14.5], end, ((1, "数量"),))
    assert not continues(header, first)        # a figure under a header's 分值, which ended: the table's first row


def test_texts_clear_of_the_columns_that_start_together_apart_make_a_column_each():
    """A label column's pieces and the names beside them, clear of the columns the lines with the most cells show,
    bridged by a title printed over both: two columns (each where two texts or more start, the second right of where
    most of the first's end), not one (before: the names read in the labels' column, a project lost)."""
    from evalkit.readers.aligned import Line, Segment, _missed

    def line(*cells):
        segs = [Segment(x, x + SIZE * len(t), 0.0, SIZE, SIZE, t) for x, t in cells]
        return Line(0.0, SIZE, segs)

    lines = [line((34.0, "项目支出绩效自评表")), line((36.0, "项目")), line((70.0, "法律顾问经费")), line((36.0, "名称")),
             line((36.0, "主管"), (275.0, "实施单")), line((70.0, "某县某局")), line((36.0, "部门"), (275.0, "位"))]
    cols = [(136.0, 196.0), (200.0, 260.0), (275.0, 311.0)]
    assert _missed(lines, cols) == [(34.0, 68.0), (70.0, 130.0)]
    alone = [line((34.0, "项目支出绩效自评表")), line((36.0, "项目")), line((36.0, "名称"))]   # one group: one column
    assert _missed(alone, cols) == [(34.0, 124.0)]


def test_a_header_cell_half_a_glyph_from_the_next_whose_column_no_other_line_shows_is_cut_there():
    """A web page printed without borders: the remark column holds text only in the header (得分 | 偏差原因 half a
    glyph apart, no other line starting there): the two Chinese glyphs set solid but that far apart are two cells
    (before: one, the rows' scores read as the remarks)."""
    printed = [["三级指标", "分值", "得分一二", "偏差原因"], ["工作人员", "10", "10", ""],
               ["发放率", "10", "9", ""], ["合格率", "10", "8", ""]]
    assert rows(table([50.0, 110.0, 170.0, 215.0], 100.0, printed)) == printed    # 偏差原因 5 pt after 得分一二


def test_a_pages_last_lines_under_a_title_off_the_grid_above_are_a_table_of_their_own():
    """The next project's first rows at a page's foot, under its title, too few for columns of their own and off the
    columns of the table above (its name and agency where no column of that table starts): read on their own columns,
    not in the table's above (before: 网络设备经费 in the 目标 column, 某县某局 split over two)."""
    above = [["满意度", "≥90%", "95%", "10"], ["工作人员", "≥10", "10", "5"], ["到位率", "100%", "98%", "5"]]
    tail = [["项目名称", "网络设备经费", "", ""], ["主管部门", "某县某局", "实施单位", "某县某局"]]
    chars = (table([50.0, 105.0, 160.0, 215.0], 100.0, above) + glyphs("项目支出绩效自评表", 50.0, 160.0)
             + table([50.0, 118.0, 190.0, 268.0], 190.0, tail))
    tables = aligned_tables(chars, SIZE / 2)
    assert [t.rows for t in tables] == [above, tail]
