"""The text-export reader: both table flavours, markers, in-cell breaks."""
from evalkit.model import Paragraph, Table
from evalkit.readers.text import parse_text, read_text
from conftest import seed


def tables(doc):
    return [b for b in doc.blocks if isinstance(b, Table)]


def test_cell_per_line_rows_split_on_blank_lines():
    doc = parse_text("标题\n\n\t一级指标\n\t二级指标\n\n\t产出指标\n\t数量指标\n\n正文\n")
    assert [type(b) for b in doc.blocks] == [Paragraph, Table, Paragraph]
    assert tables(doc)[0].rows == [["一级指标", "二级指标"], ["产出指标", "数量指标"]]


def test_row_per_line_with_leading_tabs_keeps_empty_cells():
    doc = parse_text("项目名称\t聘请法律顾问\t\n\t年度资金总额\t1\t1\n")
    assert tables(doc)[0].rows == [["项目名称", "聘请法律顾问", ""], ["", "年度资金总额", "1", "1"]]


def test_bookmarks_dropped_and_cell_continuation_joined():
    doc = parse_text("[bookmark: _Toc1]一、概况\n\n\t绩\n效\n\t一级指标\n\n")
    assert doc.blocks[0].text == "一、概况"
    assert tables(doc)[0].rows == [["绩\n效", "一级指标"]]


def test_seed_000_budget_table_read_as_rows():
    doc = read_text(seed("000"))
    budget = next(t for t in tables(doc) if t.rows[0][:2] == ["项目", "行次"])
    assert budget.rows[-1][:3] == ["预算执行率(%)", "(7)=(4)/(2)", "94.75"]


def test_seed_002_space_tab_line_starts_a_new_row():
    doc = read_text(seed("002"))
    t = next(t for t in tables(doc) if t.rows[0][0].startswith("绩"))
    assert t.rows[-2][-1] == "95.62%"          # the satisfaction line ends without a score
    assert t.rows[-1][0] == "总分"


def test_seed_003_flavour_b_rows():
    doc = read_text(seed("003"))
    first = tables(doc)[0]
    assert first.rows[0][:2] == ["项目名称", "退役军人辅助性岗位经费"]
    assert any(r[:2] == ["", "年度资金总额"] for r in first.rows)
