"""The recognition strategies on short hand-written rows: indicator table, budget block, summary
table, key-value rows, statements, and the walker's decisions."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from evalkit.model import Document, Paragraph, Table
from evalkit.normalize import annotation_points, strip_annotation
from evalkit.recognize import Kind, recognize
from evalkit.recognize import budget, indicator_table, key_value, statements, summary_table
from evalkit.recognize import vocabulary as V

IND_HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def read_form(name: str, rows: list[list[str]], fmt: str = "docx"):
    """The Extraction of one table: a 项目名称 row naming `name`, then `rows`."""
    return recognize(Document(source="x", format=fmt, blocks=[Table([["项目名称", name]] + rows)]).number_tables())


def test_a_sign_read_as_a_digit_in_the_kind_column_is_left_out_of_the_target():
    """A scan's 指标性质 cell: ﹦ read as 1 made the target 172890元 for ﹦72890元; a digit alone there is no sign."""
    h = indicator_table.read_header(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "实际完成值", "分值", "得分"])
    line = indicator_table.read_line(["产出指标", "数量指标", "卫片执法补助经费", "1", "72890", "元", "72890", "10", "9"], h)
    assert (line.target, line.actual) == ("72890元", "72890")
    line = indicator_table.read_line(["产出指标", "数量指标", "卫片执法补助经费", "≥", "72890", "元", "72890", "10", "9"], h)
    assert line.target == "≥72890元"


def test_a_title_over_the_budget_columns_is_no_column():
    """四川's 部门预算项目支出绩效自评表 (大英县, 2023): 年度预算数（万元） titles the block and is a character from 年初预算数.
    Read as that column, 年初预算 beside it lost its role and the total row's figures shifted (执行数 lost, 执行率 10)."""
    h = budget.read_header(["预算执行情况(10分)", "年度预算数(万元)", "年初预算", "调整后预算数", "预算执行数", "预算执行率",
                            "权重", "得分", "原因"])
    assert h == {"budget_initial": 2, "budget_full_year": 3, "executed": 4, "execution_rate": 5, "budget_weight": 6,
                 "budget_score": 7}
    got = budget.read_total_units(["", "总额", "0.00", "3.36", "3.36", "100.00%", "10", "10", "1.预算执行率=…"], h)
    assert {k: v for k, (v, _) in got.items()} == {"budget_initial": 0.0, "budget_full_year": 3.36, "executed": 3.36,
                                                   "execution_rate": 100.0, "budget_weight": 10.0, "budget_score": 10.0}
    # alone, 年度预算数 is the year's budget; a word a character from a header word takes its role only where no word of
    # the row names it (全年执行率 is the rate, not 全年执行数), and never a 决算 word (a 部门决算's 预算数 | 决算数 tables)
    assert budget.read_header(["项目", "年度预算数", "执行数", "执行率"]) == {"budget_full_year": 1, "executed": 2,
                                                                       "execution_rate": 3}
    assert budget.read_header(["项目", "全年预算数", "全年执行数", "全年执行率"])["execution_rate"] == 3
    assert budget.read_header(["项目", "预算数", "决算数", "预算数", "决算数"]) is None
    assert budget.header_roles(["全年预算数", "全年决算数"]) == ["budget_full_year", None]


def test_the_points_a_budget_blocks_title_states_are_its_weight_where_no_column_states_one():
    """A 区 form (区商务局, 2020): `预算执行情况（万元）（20分） | | 预算数（A） | 执行数（B） | 执行率（B/A） |
    得分（20分*执行率）`, no 分值 column; its weight was lost (the form's 20 + 60 + 40 points unchecked). A 分值 figure wins."""
    header = ["预算执行情况（万元）（20分）", "", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）"]
    (p,) = read_form("服务贸易发展资金", [header, ["", "年度财政资金总额", "285.84", "285.84", "100%", "20"]]).projects
    assert (p.budget_full_year, p.executed, p.execution_rate, p.budget_weight, p.budget_score) == (285.84, 285.84, 100.0,
                                                                                                   20.0, 20.0)
    assert budget.title_points(header, budget.read_header(header)) == 20.0
    assert budget.title_points(["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数"], {}) is None
    stated = read_form("服务贸易发展资金", [header[:5] + ["分值", "得分"],
                                     ["", "年度财政资金总额", "285.84", "285.84", "100%", "10", "10"]]).projects[0]
    assert stated.budget_weight == 10.0


def test_a_total_row_whose_figures_stand_under_their_words_is_read_where_they_stand():
    """A black-and-white scan whose seal covers 执行率 (the header cell read as #... 率, no role): the total row's five
    figures matched the five roles read, so they were read in the header's order though they stood under their words
    (年初预算 454.23 for an empty cell, 执行数 10, 分值 100). Read where they stand; the percentage under the unread
    header is the rate."""
    cols = budget.read_header(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "#... 率", "得分"])
    assert "execution_rate" not in cols
    got = budget.read_total_units(["", "年度资金总额", "", "454.23", "454.23", "10", "100 %", "10"], cols)
    assert {k: v for k, (v, _) in got.items()} == {"budget_full_year": 454.23, "executed": 454.23, "budget_weight": 10.0,
                                                   "execution_rate": 100.0, "budget_score": 10.0}
    # figures that do not stand under their words (an export that dropped the empty cells) keep the header's order
    got = budget.read_total_units(["年度资金总额", "120", "130", "128", "10", "98.46%", "9.8"],
                                  {"budget_initial": 2, "budget_full_year": 3, "executed": 4, "budget_weight": 6,
                                   "execution_rate": 7, "budget_score": 9})
    assert {k: v for k, (v, _) in got.items()} == {"budget_initial": 120.0, "budget_full_year": 130.0, "executed": 128.0,
                                                   "budget_weight": 10.0, "execution_rate": 98.46, "budget_score": 9.8}


# ---- indicator table ---------------------------------------------------------------------------
def test_indicator_header_columns():
    h = indicator_table.read_header(IND_HEADER)
    assert h.cols == {"level1": 0, "level2": 1, "level3": 2, "target": 3, "actual": 4, "weight": 5,
                      "score": 6, "deviation": 7}
    assert h.roleless == set() and h.after_level3 == ["target", "actual", "weight", "score", "deviation"]


@pytest.mark.parametrize("words", [
    ["一级指标", "二级指标", "三级指标", "计划值", "全年完成值", "指标分值", "得分", "未完成原因"],
    ["一级指标", "二级指标", "三级指标", "年度计划值", "实际达到值", "标准分", "得分", "原因分析"],
    ["一级指标", "二级指标", "三级指标", "计划完成值", "完成数", "指标权重", "自评得分", "改进措施"],
])
def test_indicator_header_words_templates_use(words):
    """Header words of other templates (计划值, 全年完成值, 指标分值, 标准分 …) name the same columns."""
    assert indicator_table.read_header(words).cols == {"level1": 0, "level2": 1, "level3": 2, "target": 3, "actual": 4,
                                                       "weight": 5, "score": 6, "deviation": 7}


def test_header_words_with_one_character_misread_name_their_columns():
    """OCR under a seal read 标 as 示 (三级指示, 年度指示值): the header still names its columns."""
    words = ["一级指标", "二级指标", "三级指示", "年度指示值", "实际完成直", "分值", "得分", "偏差原因分析"]
    assert indicator_table.read_header(words).cols == {"level1": 0, "level2": 1, "level3": 2, "target": 3, "actual": 4,
                                                       "weight": 5, "score": 6, "deviation": 7}
    assert budget.read_header(["项目资金", "", "年初预算效", "全年预算数", "全年执行效", "分值", "执行率", "得分"]) == {
        "budget_initial": 2, "budget_full_year": 3, "executed": 4, "budget_weight": 5, "execution_rate": 6,
        "budget_score": 7}


FULL_BUDGET = {"budget_initial": 2, "budget_full_year": 3, "executed": 4, "budget_weight": 5, "execution_rate": 6,
               "budget_score": 7}


@pytest.mark.parametrize("weight,rate,score,cols", [
    ("值", "执行率", "得分", FULL_BUDGET),               # a black seal's ring over 分 (black-and-white scans)
    ("", "执行率", "得分", FULL_BUDGET),                 # the whole word under it
    ("久", "执行率", "得分", FULL_BUDGET),               # one character left, read as another
    ("分值", "行", "得", FULL_BUDGET),                   # two words half read, after the last one read
    ("", "执行率", "备注", {k: v for k, v in FULL_BUDGET.items() if k not in ("budget_weight", "budget_score")}
     | {"budget_weight": 5}),                            # a word of its own is no half-read 得分
    ("值值值", "执行率", "得分", {k: v for k, v in FULL_BUDGET.items() if k != "budget_weight"}),   # nor a longer one
])
def test_a_budget_header_half_read_under_a_seal_takes_the_templates_columns(weight, rate, score, cols):
    """The national template's budget block (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分): a header cell a
    seal's ring left half read between columns read in that order takes the template's role there. Before, 5 of 20
    black-and-white scans lost their budget weight (and two their rate or score) though the figures under it read."""
    assert budget.read_header(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", weight, rate, score]) == cols


@pytest.mark.parametrize("cell", ["四级指标",      # as near 一级/二级/三级指标: no one word
                                  "预算执行额",    # as near 预算执行数 (executed) and 预算执行率 (rate)
                                  "分直", "得份",  # under four characters: one misread is too much
                                  "三级指示说明"])  # a word's length differs
def test_a_misread_header_word_near_no_single_word_names_no_column(cell):
    assert V.role_of(cell, V.INDICATOR_HEADER) is None and V.role_of(cell, V.BUDGET_HEADER) is None


def test_a_short_header_word_misread_is_read_in_a_row_that_is_a_header_already():
    """公值 for 分值: two characters are read near only in a row the exact words make a header, for a role no
    other column has; 得值 is as near 分值 as 得分."""
    h = indicator_table.read_header(["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "公值", "得分"])
    assert h.cols["weight"] == 5 and h.roleless == set()
    assert budget.read_header(["年初预算数", "全年预算数", "全年执行数", "公值", "执行率", "得公"]) == {
        "budget_initial": 0, "budget_full_year": 1, "executed": 2, "budget_weight": 3, "execution_rate": 4,
        "budget_score": 5}
    h = indicator_table.read_header(["三级指标", "年度指标值", "实际完成值", "分值", "公值", "得值"])
    assert h.cols["weight"] == 3 and h.roleless == {4, 5}                   # taken already; as near two words
    assert V.role_of("公值", V.INDICATOR_HEADER) is None                     # alone: one character is too much
    assert indicator_table.read_header(["三级指标", "公值", "得公"]) is None  # no exact value word: no header


def test_indicator_header_refuses_figures_and_prose():
    assert indicator_table.read_header(["三级指标", "指标值", "10", "得分"]) is None       # states a figure
    assert indicator_table.read_header(["项目名称", "某某项目"]) is None
    assert indicator_table.read_header(["三级指标", "备注"]) is None                       # one value role is not enough


def test_group_weight_before_the_name_gives_way_to_the_line_weight():
    h = indicator_table.read_header(["一级指标", "分值", "二级指标", "三级指标", "指标值", "实际值", "分值", "得分"])
    assert h.cols["weight"] == 6


def test_header_note_is_the_text_after_the_deviation_title():
    assert indicator_table.header_note("偏差原因分析及改进措施因疫情推迟") == "因疫情推迟"
    assert indicator_table.header_note("偏差原因分析及改进措施") is None


def test_line_read_by_position():
    h = indicator_table.read_header(IND_HEADER)
    line = indicator_table.read_line(["产出指标", "数量指标", "培训人数", "≥100人", "120人", "10", "10", ""], h)
    assert (line.level1, line.level2, line.level3, line.target, line.actual, line.weight, line.score) == \
        ("产出指标", "数量指标", "培训人数", "≥100人", "120人", "10", "10")
    assert line.how == "按位置"


def test_shifted_line_read_by_content():
    h = indicator_table.read_header(IND_HEADER)
    # an export dropped the empty level cells: the name sits in the level-1 column
    line = indicator_table.read_line(["培训人数", "≥100人", "120人", "10", "9", "未达标"], h)
    assert line.how == "按内容"
    assert (line.level3, line.target, line.actual, line.weight, line.score, line.deviation) == \
        ("培训人数", "≥100人", "120人", "10", "9", "未达标")


def test_a_line_one_label_cell_short_is_read_by_content():
    """Two label cells merged over rows drawn as one box (LibreOffice's print of a web page): the row holds one cell
    fewer, its level-2 label in the name's column and the target where the name belongs; by position it read 服务对象
    满意度 as the group, ≥90% as the name and the weight as the actual value."""
    h = indicator_table.read_header(IND_HEADER)
    line = indicator_table.read_line(["", "服务对象满意度", "≥90%", "90.7%", "6", "6", ""], h)
    assert line.how == "按内容"
    assert (line.level3, line.target, line.actual, line.weight, line.score) == ("服务对象满意度", "≥90%", "90.7%", "6", "6")


def test_a_shifted_line_under_a_level_2_label_takes_the_next_label_for_its_name():
    """可持续影响指标 | 满意度 | ≥90% …: a level-2 label is never a level-1 label's parent, so the word after it (满意度,
    also a level-1 word) is the indicator's name; the level 1 comes from the rows above."""
    h = indicator_table.read_header(IND_HEADER)
    line = indicator_table.read_line(["可持续影响指标", "满意度", "≥90%", "未完成", "10", "0"], h)
    assert (line.level1, line.level2, line.level3, line.target, line.actual, line.weight, line.score) == \
        (None, "可持续影响指标", "满意度", "≥90%", "未完成", "10", "0")


def test_a_level_label_its_narrow_cell_cut_on_paper_is_read_where_it_stands():
    """A worksheet's cell not wrapped prints what fits: 可持续影响指, 服务对象满意. Not known as labels, the rows were
    read by content, their name taken for the label and every value one column to the left (the weight as the
    actual value, the score as the deviation), status ok. The start of a label (four glyphs or more) stands where
    the header says, as printed."""
    h = indicator_table.read_header(["绩效指标"] + IND_HEADER)
    line = indicator_table.read_line(["", "", "可持续影响指", "项目持续发挥", "≥8年", "8年", "20", "20", ""], h)
    assert line.how == "按位置"
    assert (line.level1, line.level2, line.level3, line.target, line.actual, line.weight, line.score) == \
        ("", "可持续影响指", "项目持续发挥", "≥8年", "8年", "20", "20")
    line = indicator_table.read_line(["", "满意度指", "服务对象满意", "社会公众满意", "≥90%", "90.1%", "10", "10", ""], h)
    assert (line.level1, line.level2, line.level3, line.actual, line.weight) == \
        ("满意度指", "服务对象满意", "社会公众满意", "90.1%", "10")


@pytest.mark.parametrize("text,cut", [("可持续影响指", True), ("服务对象满意", True), ("社会效益指", True),
                                      ("项目产出指", True), ("满意度指", True),
                                      ("满意", False), ("数量指", False),            # too short to tell
                                      ("可持续影响指标", False), ("满意度", False),  # whole labels
                                      ("培训人数", False), ("项目持续发挥", False)])
def test_a_cut_level_label_is_the_start_of_a_known_one(text, cut):
    assert V.is_cut_level_label(text) is cut


def test_levels_carry_and_imply_the_standard_group():
    levels = indicator_table.Levels()
    h = indicator_table.read_header(IND_HEADER)
    levels.follow(indicator_table.read_line(["产出指标：", "数量指标", "a", "1", "1", "1", "1", ""], h))
    assert (levels.level1, levels.level2) == ("产出指标", "数量指标")
    levels.follow(indicator_table.read_line(["", "社会效益指标", "b", "1", "1", "1", "1", ""], h))
    assert (levels.level1, levels.level2) == ("效益指标", "社会效益指标")   # the hierarchy fills level 1


def test_budget_line_by_name_or_group():
    assert indicator_table.is_budget_line("预算执行率", None)
    assert indicator_table.is_budget_line("资金到位", "预算执行情况(10分)")
    assert not indicator_table.is_budget_line("培训人数", "产出指标")


def test_total_row_reads_the_score_column_not_the_last_number():
    """The 总分 row's score comes from the score column; a trailing figure (完成率) is not the total."""
    h = indicator_table.read_header(IND_HEADER[:7] + ["完成率"])
    assert indicator_table.read_total(["总分", "", "", "", "", "100", "95", "98.5"], h) == (95.0, 100.0)


def test_total_row_of_merged_cells_falls_back_to_its_numbers():
    h = indicator_table.read_header(IND_HEADER)
    assert indicator_table.read_total(["总分", "100", "97.75", ""], h) == (97.75, 100.0)
    assert indicator_table.read_total(["总分", "97.75"], h) == (97.75, None)


def test_the_one_figure_of_a_total_row_is_the_weights_total_when_no_line_states_a_score():
    """合计 | 100 | (得分 empty) under lines that state weights and no score (a form not filled in): 100 is the
    maximum, not a total score of 100 (before: a 优 project that was never scored, or a total_score_mismatch of 100
    against the lines' 60)."""
    header = ["一级指标", "二级指标", "三级指标", "指标值", "完成值", "权重", "得分", "未完成原因分析"]

    def read(score: str) -> tuple:
        rows = [["项目名称", "工资性支出"], header, ["产出指标", "数量指标", "覆盖率", "100%", "", "60", score, ""],
                ["效益指标", "社会效益指标", "保障率", "100%", "", "40", score, ""], ["合计", "100", "", ""]]
        (p,) = recognize(Document(source="x", format="docx", blocks=[Table(rows)]).number_tables()).projects
        return p.total_score, p.max_score
    assert read("") == (None, 100.0)
    # scored lines (30 + 30): the 100 beside an empty score cell is still the weights' total, not a total of 100
    assert read("30") == (None, 100.0)


def test_a_header_printed_over_two_rows_is_joined_column_by_column():
    """A published 云南 form (丽江市古城区, 2020): 年度指标值 merged over the 指标性质 | 指标值 | 度量单位 cells under it,
    实际完成值, 分值 and 得分 over two rows; neither row alone is a header, so no line was read. Joined, the lower
    row's word where it has one: every line, its operator (﹦, the small form) and its score."""
    rows = [["绩效指标", "", "", "", "年度指标值", "", "", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["", "一级 指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"],
            ["", "产出指标", "数量指标", "卫片执法补助经费", "﹦", "72890", "元", "72890", "10.00", "9.00", ""],
            ["", "效益指标", "社会效益指标", "违法行为责停率", "≥", "95", "%", "95", "30.00", "27.00", ""],
            ["总分", "", "", "", "", "", "", "", "100", "93", ""]]
    ex = read_form("卫片执法补助经费", rows)
    (p,) = ex.projects
    assert [(i.level1, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()] == [
        ("产出指标", "卫片执法补助经费", "﹦72890元", "72890", 10.0, 9.0), ("效益指标", "违法行为责停率", "≥95%", "95", 30.0, 27.0)]
    assert p.total_score == 93.0
    header = next(d for d in ex.decisions if d.kind is Kind.INDICATOR_HEADER)
    assert header.cells[:7] == ["绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"]
    assert "两行" in header.why
    assert [d.kind for d in ex.decisions][2] is Kind.IGNORED       # the lower row, taken into the header


def test_a_header_whole_in_its_top_row_is_refined_by_the_row_under_it():
    """A published 云南 form (永德县明朗中学, 2022) whose top row is a header alone (一级指标 … 年度指标值 … 得分), the
    row under it splitting 年度指标值 into 指标性质 | 指标值 | 度量单位: joined, not read as a line named 指标性质. Its
    operators ≧ and ═ (a box-drawing double line for =), its level-2 label 服务对象满意度指标等, and its 其他需要说明事项
    row above the 总分 row (no indicator) are read as the form means them."""
    rows = [["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "", "", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
            ["", "", "", "", "指标性质", "指标值", "度量单位", "", "", "", ""],
            ["", "产出指标", "数量指标", "学生受资助人数", "≧", "735", "人次", "735", "10", "10", ""],
            ["", "效益指标", "社会效益指标", "政策知晓率", "═", "100", "%", "98%", "10", "9", ""],
            ["", "满意度指标", "服务对象满意度指标等", "学生满意度", "≧", "95", "%", "100%", "10", "10", ""],
            ["其他需要说明事项", "无"],
            ["总分", "100", "96", "优"]]
    ex = read_form("义务教育营养改善计划专项资金", rows)
    (p,) = ex.projects
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()] == [
        ("产出指标", "数量指标", "学生受资助人数", "≧735人次", "735", 10.0, 10.0),
        ("效益指标", "社会效益指标", "政策知晓率", "═100%", "98%", 10.0, 9.0),
        ("满意度指标", "服务对象满意度指标等", "学生满意度", "≧95%", "100%", 10.0, 10.0)]
    assert (p.total_score, p.max_score, p.grade) == (96.0, 100.0, "优")
    header = next(d for d in ex.decisions if d.kind is Kind.INDICATOR_HEADER)
    assert header.cells[4:7] == ["指标性质", "指标值", "度量单位"] and "两行" in header.why
    note = next(d for d in ex.decisions if d.cells and d.cells[0] == "其他需要说明事项")
    assert note.kind is Kind.IGNORED and "说明栏" in note.why
    assert V.level_name("服务对象满意度指标等") == "服务对象满意度指标" and V.is_level2("服务对象满意度指标等")


def test_template_slots_in_the_name_cell_neither_end_the_table_nor_make_lines():
    """A published 河北 form (廊坊市食品工程学校, 2019) keeps the template's numbered slots: 指标1工程完工率 (slot and name
    in one cell), unused slots 指标2 and …… alone in their rows, a group with only empty slots (生态效益指标 | 指标1). Before,
    the first 指标2 row ended the table: one line read of nine."""
    rows = [IND_HEADER,
            ["产出指标", "数量指标", "指标1工程资金金额", "43.2", "37.24", "10", "9", "已完工，剩余3%尾款未付"],
            ["", "", "指标2", "", "", "", "", ""],
            ["", "", "……", "", "", "", "", ""],
            ["", "质量指标", "指标1工程完工率", "100", "100", "10", "10", ""],
            ["", "", "指标2工程验收合格率", "100", "100", "10", "10", ""],
            ["效益指标", "生态效益指标", "指标1", "", "", "", "", ""],
            ["", "", "指标2", "", "", "", "", ""],
            ["效益指标", "可持续影响指标", "指标1长期使用性", "100", "100", "10", "10", ""],
            ["总分", "", "", "", "40", "39", "", ""]]
    ex = read_form("暖通改造经费", rows)
    (p,) = ex.projects
    assert [(i.level2, i.level3, i.score) for i in p.indicators()] == [
        ("数量指标", "工程资金金额", 9.0), ("质量指标", "工程完工率", 10.0), ("质量指标", "工程验收合格率", 10.0),
        ("可持续影响指标", "长期使用性", 10.0)]
    assert p.total_score == 39.0
    assert Kind.TABLE_END not in [d.kind for d in ex.decisions]


def test_a_group_cell_holding_only_its_weight_is_no_label():
    """A published 安徽 form (天长市水利局, 2022) prints its level-1 labels as pictures: the cells keep only （50分） and
    （30分）. Read as labels they pushed each line into the wrong columns (名称 （50分）, 目标值 数量指标); as empty
    cells the level-2 labels imply the groups (数量指标 → 产出指标, 经济效益指标 → 效益指标)."""
    rows = [["年度绩效指标完成情况"] + IND_HEADER,
            ["", "（50分）", "数量指标", "指标1：完成中型灌区节水改造项目数量", "1", "1", "10", "10", ""],
            ["", "", "质量指标", "指标1：工程质量合格", "", "", "10", "10", ""],
            ["", "（30分）", "经济效益指标", "指标1：全市安全度汛", "", "", "10", "10", ""],
            ["总分", "", "", "", "", "", "30", "30", ""]]
    ex = read_form("水旱灾害防御经费", rows)
    (p,) = ex.projects
    assert [(i.level1, i.level2, i.level3, i.target, i.weight, i.score) for i in p.indicators()] == [
        ("产出指标", "数量指标", "完成中型灌区节水改造项目数量", "1", 10.0, 10.0),
        ("产出指标", "质量指标", "工程质量合格", None, 10.0, 10.0),
        ("效益指标", "经济效益指标", "全市安全度汛", None, 10.0, 10.0)]


def test_a_score_table_takes_each_lines_weight_from_the_points_its_label_states():
    """A 湖南 部门整体支出绩效评价得分表 (岳阳, 2017): 一级指标 | 二级指标 | 三级指标 | 得分 only, every label stating its
    points (部门决策（25分）, 相关性（5分）). Before, no header (one value column) and no line; now a department-scope
    table whose lines weigh what their labels state, its total the 总分 row's."""
    rows = [["一级指标", "二级指标", "三级指标", "得分"],
            ["部门决策（25分）", "目标任务（15分）", "相关性（5分）", "5"],
            ["", "", "明确性（5分）", "5"],
            ["", "预算编制（10分）", "测算依据（5分）", "2"],
            ["综合管理（30分）", "资金管理（15分）", "资金使用合规（10分）", "10"],
            ["总分", "", "", "22"]]
    doc = Document(source="x", format="docx", blocks=[Paragraph("2017年部门整体支出绩效评价得分表"),
                                                      Paragraph("部门名称：岳阳市城市管理监督指挥中心"), Table(rows)])
    ex = recognize(doc.number_tables())
    (p,) = ex.projects
    assert [(i.level1, i.level2, i.level3, i.weight, i.score) for i in p.indicators()] == [
        ("部门决策（25分）", "目标任务（15分）", "相关性", 5.0, 5.0), ("部门决策（25分）", "目标任务（15分）", "明确性", 5.0, 5.0),
        ("部门决策（25分）", "预算编制（10分）", "测算依据", 5.0, 2.0), ("综合管理（30分）", "资金管理（15分）", "资金使用合规", 10.0, 10.0)]
    assert (p.total_score, p.scope, p.project_name, p.agency) == (22.0, "department", "部门整体支出", "岳阳市城市管理监督指挥中心")
    # a header with a weight column keeps its own: the points in a name are then part of it
    h = indicator_table.read_header(["一级指标", "二级指标", "三级指标", "分值", "得分"])
    assert indicator_table.name_points("相关性（5分）", h) == ("相关性（5分）", None)
    assert indicator_table.read_header(["三级指标", "得分"]) is None        # one level and a score: no header


SICHUAN_FORM = [   # the 四川 项目支出绩效评价表 (共性指标 30, 特性指标 70) as a 2017 report's annex prints it, filled
    ["一级指标", "二级指标", "三级指标", "分值", "得分"],
    ["项目决策（20分）", "科学决策（10分）", "必要性（政策依据）", "5", "5"],
    ["", "", "可行性（政策完善）", "5", "5"],
    ["", "绩效目标（10）", "明确性", "5", "5"],
    ["项目管理（10分）", "项目执行（3分）", "执行规范", "3", "2"],
    ["项目绩效（特性指标70分）", "项目完成（20）", "完成数量", "5", "5"],
    ["", "项目效益（50分）", "经济效益（可选项）", "40", "40"],
    ["", "", "社会效益（可选项）", "", ""],
    ["", "", "生态效益（可选项）", "", ""],
    ["", "", "可持续效益（可选项）", "", ""],
    ["", "", "公平效率（可选项）", "", ""],
    ["", "", "服务对象满意度", "10", "10"],
    ["总分", "", "", "78", "77"]]


def test_group_labels_of_a_provinces_own_template_are_read_by_the_points_they_state():
    """The 四川 template's groups (科学决策（10分）, 绩效目标（10）, 项目执行（3分）, 项目完成（20）) are no standard level
    labels: before, each such row was read by content (名称 科学决策（10分）, 偏差原因 5) and its line lost. A label in a
    level column stating its points after its words is a group label; 特性指标70分 is the points of 项目绩效."""
    (p,) = read_form("四川项目", SICHUAN_FORM).projects
    got = [(i.level1, i.level2, i.level3, i.weight, i.score) for i in p.indicators()]
    assert got == [
        ("项目决策（20分）", "科学决策（10分）", "必要性（政策依据）", 5.0, 5.0),
        ("项目决策（20分）", "科学决策（10分）", "可行性（政策完善）", 5.0, 5.0),
        ("项目决策（20分）", "绩效目标（10）", "明确性", 5.0, 5.0),
        ("项目管理（10分）", "项目执行（3分）", "执行规范", 3.0, 2.0),
        ("项目绩效（特性指标70分）", "项目完成（20）", "完成数量", 5.0, 5.0),
        ("项目绩效（特性指标70分）", "项目效益（50分）", "经济效益（可选项）", 40.0, 40.0),
        ("项目绩效（特性指标70分）", "项目效益（50分）", "服务对象满意度", 10.0, 10.0)]
    assert p.total_score == 77.0
    assert annotation_points("项目绩效（特性指标70分）") == Decimal(70) and strip_annotation("（特性指标70分）") is None
    # a long text or one with figures before its brackets is a name, not a group (in a level column, a shifted row)
    assert not indicator_table._group_points("建成区绿化覆盖率达到规划要求（10分）")
    assert not indicator_table._group_points("2023年度（10分）") and not indicator_table._group_points("（10分）")


def test_a_run_of_unused_optional_lines_is_no_line_and_does_not_end_the_table():
    """The template lists 效益 lines marked （可选项）, one taken: the five left without figures were read as lines without
    figures (社会效益, 生态效益: level words) or ended the table (可持续效益, three rows of text without a line after two
    of them), losing 服务对象满意度 and the 总分 row. An optional line without figures is an option not taken; a run of
    single texts in one column is looked over for the line after it."""
    (p,) = read_form("四川项目", SICHUAN_FORM).projects
    names = [i.level3 for i in p.indicators()]
    assert "社会效益（可选项）" not in names and "公平效率（可选项）" not in names and names[-1] == "服务对象满意度"
    # the same run of texts with no line after it is text below the table: the table ends there
    rows = SICHUAN_FORM[:-2] + [["注：可选项由项目单位选择填报", "", "", "", ""], ["表中分值不得修改", "", "", "", ""]]
    (p,) = read_form("四川项目", rows).projects
    assert [i.level3 for i in p.indicators()][-1] == "经济效益（可选项）" and p.total_score is None


GUANGSHUI_FORM = [   # 湖北 广水市财政预算支出项目绩效目标自评表 (2019): a 共性 table, then the indicator table, 自评分 | 复核分
    ["填报日期：2020年2月18日", "", "", "自评总分：69", "", "单位领导审签：", "", ""],
    ["项目名称", "办公局域网维护费", "", "", "项目实施单位", "广水市城投公司", "", ""],
    ["项目资金来源", "中央（万元）", "省、地（万元）", "本级（万元）", "其他（万元）", "合计（万元）", "执行数（万元）", "执行率"],
    ["", "", "", "5.5", "", "5.5", "5.5", "100%"],
    ["项目权重", "评价内容", "分值", "自评分", "复核分", "评价标准及依据", "", ""],
    ["项目决策2分", "决策依据", "2", "2", "", "有项目年度工作计划或有上级文件或审批报告计2分，没有不得分。", "", ""],
    ["项目管理13分", "财务制度", "3", "3", "", "1、单位财务管理制度1分；2、项目管理制度1分；3、有制度执行佐证资料1分。", "", ""],
    ["", "运行监管", "4", "3", "", "1、运行监管记录3分；2、填报《项目支出绩效监控表》1分。没有不得分。", "", ""],
    ["项目绩效85分", "项目年度目标1：对机关局域网络改造升级，提高信息化办公速度。", "", "", "", "", "", ""],
    ["", "一级指标", "二级指标", "指标名称（三级指标）", "年初指标值", "年终完成值", "自评分", "复核分"],
    ["", "产出指标40分", "数量指标15分", "采购设备", "10台套", "10台套", "15", "14"],
    ["", "", "质量指标12分", "改善运行状况", "便于信息化应用", "便捷、快速运用", "12", ""]]


def test_a_form_scoring_in_a_self_evaluation_column_beside_the_reviewers():
    """湖北 广水's form (2019): 自评分 is the score, 复核分 the reviewer's (not read); 年终完成值 the actual; 项目权重 the
    column of the 共性 groups (项目决策2分), 评价内容 their lines' names; labels state points without brackets
    (产出指标40分); the 项目年度目标 written inside the table is no line; 自评总分：69 among the heading row's fields is
    the score; the one row of figures under 项目资金来源 | … | 合计 | 执行数 | 执行率 is the budget. Before: nothing."""
    ex = recognize(Document(source="x", format="docx", blocks=[Table(GUANGSHUI_FORM)]).number_tables())
    (p,) = ex.projects
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()] == [
        ("项目决策2分", None, "决策依据", None, None, 2.0, 2.0),
        ("项目管理13分", None, "财务制度", None, None, 3.0, 3.0),
        ("项目管理13分", None, "运行监管", None, None, 4.0, 3.0),
        ("产出指标40分", "数量指标15分", "采购设备", "10台套", "10台套", None, 15.0),
        ("产出指标40分", "质量指标12分", "改善运行状况", "便于信息化应用", "便捷、快速运用", None, 12.0)]
    assert (p.budget_full_year, p.executed, p.execution_rate) == (5.5, 5.5, 100.0)
    assert ex.report.stated_overall_score == 69.0
    assert V.is_level1("产出指标40分") and V.level_name("数量指标15分") == "数量指标"
    assert annotation_points("项目管理13分") == Decimal(13) and annotation_points("满意度指标") is None
    # a bare figure beside 总分 in a row of no fields is no overall score (a table's 总分 | 95 row outside a table)
    assert statements.overall_in_pairs(["总分", "95", "说明"]) is None
    assert statements.overall_in_pairs(["填报日期：2020年2月18日", "自评总分", "69", "单位领导审签："]) == 69.0


def test_the_hunan_department_template_levels_are_level_words():
    """The 湖南 部门整体支出绩效评价评分表 (岳阳, 2019: 投 入(15分) | 预算配置(15分) | 财政供养人员控制率 | 评分标准 | 分值 |
    自评得分): 投入 is a level-1 word and the 评分标准 column is not read. Before, the first line was read by content
    (名称 投入(15分), 偏差原因 55)."""
    rows = [["一级指标", "二级指标", "三级指标", "评分标准", "分值", "自评得分", "扣分原因和其他说明"],
            ["投 入(15分)", "预算配置(15分)", "财政供养人员控制率", "以100%为标准。在职人员控制率≦100%，计5分", "5", "5", ""],
            ["", "", "重点支出安排率", "重点支出安排率≥90%，计5分；80%（含）-90%，计4分", "5", "4", ""],
            ["过 程(40分)", "预算执行(15分)", "预算调整率", "预算调整率=0，计3分", "3", "3", ""]]
    (p,) = read_form("部门整体", rows).projects
    assert [(i.level1, i.level2, i.level3, i.target, i.weight, i.score) for i in p.indicators()] == [
        ("投入(15分)", "预算配置(15分)", "财政供养人员控制率", None, 5.0, 5.0),
        ("投入(15分)", "预算配置(15分)", "重点支出安排率", None, 5.0, 4.0),
        ("过程(40分)", "预算执行(15分)", "预算调整率", None, 3.0, 3.0)]
    assert V.is_level1("投入") and V.is_level2("预算配置") and V.is_level2("职责履行") and V.is_level2("履职效益")


def test_a_row_of_text_between_lines_does_not_end_the_table():
    """A scan of the 河北 form: the table finder split a wrapped name (指标1工程完 | 工率) and a slot (指 | 际2, from 指标2)
    into rows of their own, and read …… as ·.... Before, the first such row ended the table (3 lines of 9); now a
    single text under a line in the name column is the rest of its name, a one-character name without figures is
    no line, and a single text is a heading below the table only where no line follows it."""
    rows = [IND_HEADER,
            ["产出指标", "数量指标", "指标1工程资金金额", "43.2", "37.24", "10", "9", ""],
            ["", "", "指", "际2", "", "", "", ""],
            ["", "质量指标", "指标1工程完", "100", "100", "10", "10", ""],
            ["", "", "工率", "", "", "", "", ""],
            ["", "", "·....", "", "", "", "", ""],
            ["", "时效指标", "指标1项目完成及时率", "100", "100", "10", "10", ""],
            ["总分", "", "", "", "", "30", "29", ""],
            ["注：一级指标分值统一设置", "", "", "", "", "", "", ""]]
    grid = [["项目名称", "暖通改造经费"]] + rows
    scan = Table(grid, conf=[[0.9] * len(r) for r in grid])       # an OCR'd table: its cells' confidences
    ex = recognize(Document(source="x", format="image", blocks=[scan]).number_tables())
    (p,) = ex.projects
    assert [(i.level3, i.weight) for i in p.indicators()] == [("工程资金金额", 10.0), ("工程完工率", 10.0),
                                                              ("项目完成及时率", 10.0)]
    # typed, the same row is text inside the table (a name left without figures), not the rest of the name above
    (typed,) = recognize(Document(source="x", format="docx", blocks=[Table(grid)]).number_tables()).projects
    assert [i.level3 for i in typed.indicators()] == ["工程资金金额", "工程完", "项目完成及时率"]
    assert p.total_score == 29.0
    kinds = {tuple(d.cells[2:4]) if len(d.cells) > 3 else tuple(d.cells): d for d in ex.decisions}
    assert kinds[("工率", "")].kind is Kind.INDICATOR and "续行" in kinds[("工率", "")].why
    assert kinds[("指", "际2")].kind is Kind.IGNORED and kinds[("·....", "")].kind is Kind.IGNORED
    # a single text with no line after it is still the table's end (a note below it)
    rows2 = rows[:2] + [["", "", "以下空白", "", "", "", "", ""], ["", "", "", "", "", "", "", ""]]
    ex2 = read_form("暖通改造经费", rows2)
    assert Kind.TABLE_END in [d.kind for d in ex2.decisions]


def test_a_form_heading_its_score_and_stating_one_budget_and_its_spending():
    """A 湖北 学生资助项目绩效目标自评表 (the template 湖北工程学院 published): the score stands in the heading row beside the
    date (填报日期：… | 总分：94.14分); the budget block has one budget (预算数（A） | 执行数（B） | 执行率（B/A） | 得分（20分*执行率）)
    and its total row is 年度财政资金总额. Before, neither the score nor the money was read."""
    rows = [["填报日期：2022年3月10日", "总分：94.14分"],
            ["项目名称", "湖北工程学院2021年学生资助项目"],
            ["预算执行情况（万元）（20分）", "预算数（A）", "执行数（B）", "执行率（B/A）", "得分（20分*执行率）"],
            ["年度财政资金总额", "1500", "1480", "98.67%", "19.73"],
            ["一级指标", "二级指标", "三级指标", "年初目标值（A）", "实际完成值（B）", "得分"],
            ["产出指标（40分）", "数量", "国家奖学金人数", "12人", "12人", "5"]]
    ex = recognize(Document(source="x", format="docx", blocks=[Table(rows)]).number_tables())
    (p,) = ex.projects
    assert (p.total_score, p.budget_full_year, p.executed, p.execution_rate, p.budget_score) == (94.14, 1500.0, 1480.0,
                                                                                                  98.67, 19.73)
    assert statements.overall_in_pairs(["总分", "100分", "90分"]) is None          # a table's 总分 row: several figures
    assert statements.overall_in_pairs(["总分", "94分"]) is None


def test_a_report_s_target_table_with_its_progress_column_gives_its_lines():
    """A published 四川 自评报告 (大英县, 2020) lists its targets with their progress: 指标值 | 实施进度 (已完成100%), no
    weights or scores. Before, one value column: no header, no line; 实施进度 is the actual. Its 时效 line's target is
    a range of months (1-12月)."""
    rows = [["绩效指标", "一级指标", "二级指标", "三级指标", "指标值", "实施进度"],
            ["", "项目决策", "数量指标", "宣传次数", "至少全年完成2次宣传", "已完成100%"],
            ["", "", "时效指标", "全年", "1-12月", "已完成100%"],
            ["", "项目效益", "社会效益指标", "提升全县消费者维权意识", "不断提升", "已完成100%"],
            ["", "满意度指标", "满意度指标", "群众满意度", "90%", "已完成100%"]]
    ex = read_form("双心及文明城市创建专项资金", rows, fmt="html")
    (p,) = ex.projects
    assert [(i.level2, i.level3, i.target, i.actual) for i in p.indicators()] == [
        ("数量指标", "宣传次数", "至少全年完成2次宣传", "已完成100%"), ("时效指标", "全年", "1-12月", "已完成100%"),
        ("社会效益指标", "提升全县消费者维权意识", "不断提升", "已完成100%"), ("满意度指标", "群众满意度", "90%", "已完成100%")]


def test_a_two_row_header_in_word_stands_over_the_lower_row_at_both_ends(tmp_path):
    """In Word the merged cells are one cell each (绩效指标 | (一级…三级) | 年度指标值 | 实际完成值 | 分值 | 得分 | 偏差: 7
    cells over 11), the cells merged down empty in the lower row: the top's cells go where the lower row is empty at
    its ends, the lower row's words between them."""
    from docx import Document as Docx

    from evalkit.readers import read
    d = Docx()
    t = d.add_table(rows=5, cols=11)
    t.cell(0, 0).text, t.cell(0, 1).text = "项目名称", "卫片执法补助经费"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "绩效指标"
    t.cell(1, 1).merge(t.cell(1, 3))
    t.cell(1, 4).merge(t.cell(1, 6)).text = "年度指标值"
    for c, w in ((7, "实际完成值"), (8, "分值"), (9, "得分"), (10, "偏差原因分析及改进措施")):
        t.cell(1, c).merge(t.cell(2, c)).text = w
    for c, w in enumerate(["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位"], start=1):
        t.cell(2, c).text = w
    for r, line in ((3, ["产出指标", "数量指标", "卫片执法补助经费", "﹦", "72890", "元", "72890", "10.00", "9.00"]),
                    (4, ["满意度指标", "服务对象满意度指标", "满意度", "≥", "95", "%", "95", "10.00", "9.00"])):
        for c, w in enumerate(line, start=1):
            t.cell(r, c).text = w
    d.save(tmp_path / "two_rows.docx")
    doc = read(tmp_path / "two_rows.docx")
    assert len(next(doc.tables()).rows[1]) == 7                 # the merged cells, once each
    (p,) = recognize(doc).projects
    assert [(i.level1, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()] == [
        ("产出指标", "卫片执法补助经费", "﹦72890元", "72890", 10.0, 9.0), ("满意度指标", "满意度", "≥95%", "95", 10.0, 9.0)]


def test_two_rows_that_are_no_header_together_stay_apart():
    """年度总体目标 | 预期目标 | 实际完成情况 over a row of goals: no header, and the goals' row is left as it was."""
    assert indicator_table.read_header_two_rows(["年度总体目标", "预期目标", "实际完成情况"], ["", "完成培训", "已完成"]) is None
    assert indicator_table.read_header_two_rows(IND_HEADER, ["产出指标", "数量指标", "人数", "≥5人", "5人", "10", "10"]) is None


@pytest.mark.parametrize("label", ["项目名称", "专项名称", "资金名称", "转移支付名称", "项目（资金）名称"])
def test_the_labels_a_form_names_its_project_by(label):
    """专项名称 and 资金名称 (transfer-payment and special-fund forms) name the project as 项目名称 does, in a cell or a
    paragraph."""
    rows = [[label, "农业技术推广补助资金"], IND_HEADER, ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "100", "95", ""]]
    (p,) = recognize(Document(source="x", format="docx", blocks=[Table(rows)]).number_tables()).projects
    assert p.project_name == "农业技术推广补助资金"
    if "（" not in label:                 # a paragraph's label is matched as written
        assert statements.paragraph_field(f"{label}：农业技术推广补助资金") == ("project", "农业技术推广补助资金")


def test_a_paragraph_of_several_labels_gives_each_its_own_value():
    """A form's signature line (填报单位（公章）：延边州商务局  单位负责人：张三, a 吉林 evaluation form saved from its web
    system) and a heading line (项目名称：…  实施单位：…): the next label ends the value; before, the agency read
    延边州商务局单位负责人：张三 and the project's name took the agency with it."""
    assert statements.paragraph_fields("填报单位（公章）：延边州商务局  单位负责人：张三") == [("agency", "延边州商务局")]
    assert statements.paragraph_fields("项目名称：农村公路养护   实施单位：某县交通运输局") == [
        ("project", "农村公路养护"), ("agency", "某县交通运输局")]
    assert statements.paragraph_fields("实施单位：某县 交通运输局") == [("agency", "某县交通运输局")]   # no label after
    doc = Document(source="x", format="docx", blocks=[
        Paragraph("项目名称：农村公路养护   实施单位：某县交通运输局"),
        Table([IND_HEADER, ["产出指标", "数量指标", "养护里程", "≥100公里", "120公里", "100", "95", ""]])])
    (p,) = recognize(doc.number_tables()).projects
    assert (p.project_name, p.agency) == ("农村公路养护", "某县交通运输局")
    rows = [["项目名称", "农村公路养护"], IND_HEADER, ["产出指标", "数量指标", "养护里程", "≥100公里", "120公里", "100", "95", ""],
            ["填报单位（盖章）：某县交通运输局    填报人：李四    联系电话：0738-1234567"]]    # the same in a merged cell
    (p,) = recognize(Document(source="x", format="docx", blocks=[Table(rows)]).number_tables()).projects
    assert p.agency == "某县交通运输局"


def test_the_templates_filling_instructions_left_in_a_form_are_kept_with_its_project():
    """A form published unfilled (青神县 2023): its prose cells still hold the template's instructions, each an imperative
    sentence ending in its length limit; a filled cell, or the 原因 header's numbered note, is none."""
    rows = [["项目名称", "工资性支出"],
            ["项目基本情况", "1.项目年度目标完成情况", "项目年度目标", "年度目标完成情况"],
            ["", "", "保障工资及时足额发放。", "对照年度目标,说明相关任务目标的完成情况(100字以内)"],
            IND_HEADER, ["产出指标", "数量指标", "覆盖率", "100%", "100%", "60", "60", ""], ["合计", "100", "100", ""],
            ["评价结论", "结合自评情况,说明项目自评总分,说明项目实施取得的成效或成果。(200字以内)"],
            ["存在问题", "部分人员信息更新不及时。"],
            ["改进措施", "1.预算执行率=预算执行数/调整后预算数,未达到90%的需说明原因(100字以内);2.年中发生预算调整的应单独说明理由"]]
    ex = recognize(Document(source="x", format="docx", blocks=[Table(rows)]).number_tables())
    (p,) = ex.projects
    assert p.instructions_left == ["对照年度目标,说明相关任务目标的完成情况(100字以内)",
                                   "结合自评情况,说明项目自评总分,说明项目实施取得的成效或成果。(200字以内)"]
    assert sum(1 for d in ex.decisions if d.why and d.why.startswith("模板的填写说明未替换")) == 2


def test_a_whole_department_form_is_the_departments_table_not_a_project_without_a_name():
    """部门整体支出绩效自评表 states no 项目名称: its table is named 部门整体支出 with scope department (before: a
    project without a name, the file partial with “没有读到项目名称”)."""
    rows = [["部门（单位）名称", "开江县财政局"],
            ["年度绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["", "产出指标", "数量指标", "预算编制单位数", "≥50个", "52个", "50", "50"],
            ["", "满意度指标", "服务对象满意度指标", "预算单位满意度", "≥90%", "95%", "50", "48"], ["总分", "", "", "", "", "", "100", "98"]]
    doc = Document(source="x", format="docx", blocks=[Paragraph("部门整体支出绩效自评表"), Paragraph("（2023年度）"),
                                                      Table(rows)]).number_tables()
    ex = recognize(doc)
    (p,) = ex.projects
    assert (p.project_name, p.scope, p.agency, p.total_score) == ("部门整体支出", "department", "开江县财政局", 98.0)
    assert ex.report.doc_kind == "department_report"
    doc.blocks[0] = Paragraph("项目支出绩效自评表")            # a project's form without its name stays unnamed
    (p,) = recognize(doc).projects
    assert (p.project_name, p.scope) == (None, "project")


# ---- budget block ------------------------------------------------------------------------------
BUDGET_HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]


def test_a_row_number_column_is_neither_label_nor_figure():
    """序号 | 一级指标 | …: before, the numbers shifted every line (三级指标 '1', 年度指标值 '产出指标'); a 总分 merged
    over the row's first cells stays a total; a row of only its number is nothing."""
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize

    header = ["序号", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    lines = [["1", "产出指标", "数量指标", "培训人数", "≥100人", "120人", "50", "45"],
             ["（2）", "", "质量指标", "合格率", "≥90%", "95%", "10", "10"],
             ["3、", "效益指标", "社会效益指标", "满意度", "≥90%", "95%", "30", "28"], ["4"] + [""] * 7]
    for total in (["", "总分", "", "", "", "", "90", "83"], ["总分", "", "", "", "", "", "90", "83"]):
        rows = [["项目名称", "测试项目"], header, *lines, total]
        (p,) = recognize(Document(source="x", format="docx", blocks=[Paragraph("某县2023年度项目支出绩效自评表"),
                                                                     Table(rows)]).number_tables()).projects
        assert (p.total_score, p.max_score) == (83.0, 90.0)
        assert [(i.level1, i.level2, i.level3, i.target, i.weight, i.score) for i in p.indicators()] == [
            ("产出指标", "数量指标", "培训人数", "≥100人", 50.0, 45.0), ("产出指标", "质量指标", "合格率", "≥90%", 10.0, 10.0),
            ("效益指标", "社会效益指标", "满意度", "≥90%", 30.0, 28.0)]


def test_labels_with_outline_numbers_are_read_without_them():
    """一、产出指标 | （一）数量指标 | 1.培训人数: before, the numbered level labels made the row unreadable by position
    and it came out shifted (三级指标 '一、产出指标'); a 1.5 inside a name is no number."""
    from evalkit.model import Document, Paragraph, Table
    from evalkit.normalize import strip_outline
    from evalkit.recognize import recognize

    assert [strip_outline(s) for s in ("一、产出指标", "（一）数量指标", "1.培训人数", "(3)合格率", "1.5万元以上项目", "一级指标")] \
        == ["产出指标", "数量指标", "培训人数", "合格率", "1.5万元以上项目", "一级指标"]
    rows = [["项目名称", "测试项目"], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["一、产出指标", "（一）数量指标", "1.培训人数", "≥100人", "120人", "50", "45"],
            ["", "", "2、1.5万元以上项目数", "≥3个", "3个", "10", "10"],
            ["二、效益指标", "（一）社会效益指标", "1.满意度", "≥90%", "95%", "30", "28"], ["总分", "", "", "", "", "90", "83"]]
    (p,) = recognize(Document(source="x", format="docx", blocks=[Paragraph("某县2023年度项目支出绩效自评表"),
                                                                 Table(rows)]).number_tables()).projects
    assert [(i.level1, i.level2, i.level3, i.weight, i.score) for i in p.indicators()] == [
        ("产出指标", "数量指标", "培训人数", 50.0, 45.0), ("产出指标", "数量指标", "1.5万元以上项目数", 10.0, 10.0),
        ("效益指标", "社会效益指标", "满意度", 30.0, 28.0)]


@pytest.mark.parametrize("row", [["预算执行", "预算执行率", "预算执行率", "100%", "90%", "10", "9"],
                                 ["预算执行率", "预算执行率", "预算执行率", "100%", "90%", "10", "9"],
                                 ["预算执行率", "100%", "90%", "10", "9"]], ids=["group", "repeated", "merged"])
def test_the_budget_line_under_any_of_its_labels_reads_its_own_figures(row):
    """预算执行率 as level 1 and 2, or merged over the name columns: before, the line was read by content with its
    figures one place off (执行率 100, 权重 90, 得分 10)."""
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize

    rows = [["项目名称", "测试项目"], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"], row,
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "50", "45"],
            ["效益指标", "社会效益指标", "满意度", "≥90%", "95%", "40", "38"], ["总分", "", "", "", "", "100", "92"]]
    (p,) = recognize(Document(source="x", format="docx", blocks=[Paragraph("某县2023年度项目支出绩效自评表"),
                                                                 Table(rows)]).number_tables()).projects
    assert (p.execution_rate, p.budget_weight, p.budget_score, p.total_score) == (90.0, 10.0, 9.0, 92.0)
    assert [i.level3 for i in p.indicators()] == ["培训人数", "满意度"]


def test_a_level_label_merged_over_the_name_columns_is_its_own_group():
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize

    rows = [["项目名称", "测试项目"], ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "50", "45"],
            ["效益指标", "社会效益指标", "满意度", "≥90%", "95%", "40", "38"], ["满意度指标", "≥90%", "96%", "10", "9"],
            ["总分", "", "", "", "", "100", "92"]]
    (p,) = recognize(Document(source="x", format="docx", blocks=[Paragraph("某县2023年度项目支出绩效自评表"),
                                                                 Table(rows)]).number_tables()).projects
    assert [(i.level1, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()][-1] == \
        ("满意度指标", "满意度指标", "≥90%", "96%", 10.0, 9.0)


def test_budget_header():
    assert budget.read_header(BUDGET_HEADER) == {"budget_initial": 2, "budget_full_year": 3, "executed": 4,
                                                 "budget_weight": 5, "execution_rate": 6, "budget_score": 7}
    assert budget.read_header(["年初预算数", "120", "全年预算数", "118"]) is None      # label-value row
    assert budget.read_header(["年初预算数", "分值"]) is None


def test_budget_total_in_header_order_and_with_gaps():
    cols = budget.read_header(BUDGET_HEADER)
    full = budget.read_total(["", "年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25"], cols)
    assert full == {"budget_initial": 5.6, "budget_full_year": 5.6, "executed": 5.18, "budget_weight": 10.0,
                    "execution_rate": 92.5, "budget_score": 9.25}
    gaps = budget.read_total(["", "合计", "5.6", "", "5.18", "—", "", "—"], cols)
    assert gaps == {"budget_initial": 5.6, "executed": 5.18}
    assert budget.read_total(["", "其中：当年财政拨款", "5.6", "5.6", "5.18"], cols) is None


def test_a_total_label_printed_on_over_the_empty_cell_beside_it_is_the_total_row():
    """A worksheet's label runs on over the empty 年初预算数 cell and its print is split there (年度资金总 | 额): the
    row was no total row, the project without its budget; the two pieces make the label, the cell stays empty."""
    cols = budget.read_header(["项目资金(万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    assert budget.read_total(["", "年度资金总", "额", "156", "127.92", "10", "82%", "8.2"], cols) == \
        {"budget_full_year": 156.0, "executed": 127.92, "budget_weight": 10.0, "execution_rate": 82.0,
         "budget_score": 8.2}
    assert budget.read_total(["", "年度资金总", "100", "156", "127.92", "10", "82%", "8.2"], cols) is None


def test_budget_figures_written_with_their_unit():
    """88万元 and 1,000,000元 in the cells: the number as written and the unit its cell states; 10分 a score."""
    cols = budget.read_header(BUDGET_HEADER)
    got = budget.read_total_units(["", "年度资金总额", "88万元", "¥1,000,000.00元", "900,000元", "10分", "90%", "9分"], cols)
    assert got == {"budget_initial": (88.0, "万元"), "budget_full_year": (1000000.0, "元"), "executed": (900000.0, "元"),
                   "budget_weight": (10.0, None), "execution_rate": (90.0, None), "budget_score": (9.0, None)}
    assert key_value.read_pairs_units(["全年预算数", "1.2亿元", "执行率", "95%"]) == \
        [("budget_full_year", 1.2, "亿元"), ("execution_rate", 95.0, None)]
    assert key_value.read_pairs_units(["年初预算", "88万", "全年执行数", "0.5亿"]) == \
        [("budget_initial", 88.0, "万元"), ("executed", 0.5, "亿元")]


@pytest.mark.parametrize("label, unit, full", [("资金\n(万元)", "万元", 5.6), ("资金（元）", "元", 0.00056)])
def test_the_unit_of_a_budget_label_printed_under_its_total_row_applies_to_the_total(label, unit, full):
    """A budget label merged over the block's rows, printed without rulings, falls in pieces beside them: 项目 beside
    the total row, 资金(万元) beside the next; its unit is the total's (before: no unit, 元 read as 万元)."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        [""] + BUDGET_HEADER[1:],
        ["项目", "年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25"],
        [label, "其中：当年财政拨款", "5.6", "5.6", "5.18", "—", "", "—"],
    ]))
    p = recognize(doc).projects[0]
    assert (p.amount_unit, p.budget_full_year) == (unit, full)
    beside = recognize(_doc(Paragraph("项目名称：培训项目"), Table([      # a unit right of the amounts is no label's
        [""] + BUDGET_HEADER[1:],
        ["项目", "年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25"],
        ["", "其中：当年财政拨款", "5.6", "5.6", "5.18", "—", "", "单位：元"],
    ]))).projects[0]
    assert (beside.amount_unit, beside.budget_full_year) == (None, 5.6)


@pytest.mark.parametrize("here, below", [("(万元)", ""), ("(万", "元)")])
def test_the_unit_a_budget_labels_piece_states_beside_the_total_is_the_totals(here, below):
    """项目资金 over the header row, its (万元) beside the total row, or cut there as (万 | 元)."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        ["项目资金"] + BUDGET_HEADER[1:],
        [here, "年度资金总额", "56000", "56000", "51800", "10", "92.5%", "9.25"],
        [below, "其中：当年财政拨款", "56000", "56000", "51800", "—", "", "—"],
    ]))
    p = recognize(doc).projects[0]
    assert (p.amount_unit, p.budget_full_year) == ("万元", 56000.0)


def test_the_blocks_own_label_beside_a_row_left_of_the_level_1_column_is_no_level_1_label():
    """绩效指标, the label merged over the whole indicator block left of 一级指标, printed beside one of its rows (centred
    on the block, no rulings): not that row's level-1 group (before: 一级指标=绩效指标 for the rows below it)."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        [""] + IND_HEADER,
        ["", "产出指标", "数量指标", "培训人数", "≥100人", "120人", "30", "30", ""],
        ["绩效\n指标", "", "质量指标", "合格率", "≥90%", "95%", "30", "30", ""],
        ["", "效益指标", "社会效益指标", "覆盖率", "100%", "100%", "30", "30", ""],
        ["绩效", "", "", "知晓率", "100%", "100%", "5", "5", ""],         # its lines beside two rows
        ["指标", "", "", "到位率", "100%", "100%", "5", "5", ""],
    ]))
    ex = recognize(doc)
    assert [(i.level1, i.level2, i.level3) for _, i in ex.indicators] == [
        ("产出指标", "数量指标", "培训人数"), ("产出指标", "质量指标", "合格率"), ("效益指标", "社会效益指标", "覆盖率"),
        ("效益指标", "社会效益指标", "知晓率"), ("效益指标", "社会效益指标", "到位率")]


def test_a_label_printed_in_two_lines_around_its_value_as_three_paragraphs_names_the_project():
    """项目 | 全民健身活动经费 | 名称: a table's first row alone at a page's foot without rulings, its label's two lines
    around the name centred between them, read as three paragraphs (before: the project lost, its lines given to
    the project before); 主管 | 某局 | 部门 is no such label, nor a value that is a label itself."""
    table = Table([[""] + BUDGET_HEADER[1:], ["", "年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25"]])
    ex = recognize(_doc(Paragraph("项目"), Paragraph("全民健身活动经费"), Paragraph("名称"), table))
    assert [p.project_name for p in ex.projects] == ["全民健身活动经费"]
    assert next(d.why for d in ex.decisions if d.kind is Kind.PROJECT) == "标签分在值的上下两行（项目|名称）"
    ex = recognize(_doc(Paragraph("实施"), Paragraph("某县文化局"), Paragraph("单位"), Paragraph("项目名称：培训项目"), table))
    assert [(p.project_name, p.agency) for p in ex.projects] == [("培训项目", "某县文化局")]
    ex = recognize(_doc(Paragraph("项目"), Paragraph("项目名称"), Paragraph("名称"), Paragraph("项目名称：培训项目"), table))
    assert [p.project_name for p in ex.projects] == ["培训项目"]


def test_a_budget_header_whose_words_a_break_cut_over_two_rows_is_read_whole():
    """wkhtmltopdf's print of a web page: a ruling drawn across the header row after a page break cut 执行 | 率 (the
    rest under the header) or 全年执行 | 数 (the start over it): read on, the header names every column (before: the
    execution rate, or the amount executed, lost with status ok)."""
    total = ["", "年度资金总额", "90", "90", "81", "10", "90%", "9"]
    under = recognize(_doc(Paragraph("项目名称：培训项目"), Table([
        ["项目资金(万元)", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行", "得分"],
        ["", "", "", "", "", "", "率", ""], total]))).projects[0]
    over = recognize(_doc(Paragraph("项目名称：培训项目"), Table([
        ["项目资金(万元)", "", "", "", "全年执行", "", "执行", ""],
        ["", "", "年初预算数", "全年预算数", "数", "分值", "率", "得分"], total]))).projects[0]
    for p in (under, over):
        assert (p.budget_full_year, p.executed, p.execution_rate, p.budget_score, p.amount_unit) == \
            (90.0, 81.0, 90.0, 9.0, "万元")


# ---- summary table -----------------------------------------------------------------------------
def test_summary_table_rows():
    header = summary_table.read_header(["项目", "应评价", "已评价", "备注"])
    assert header == (1, 2)
    assert summary_table.read_row(["项目个数（个）", "12", "11", ""], header) == \
        {"projects_due": 12.0, "projects_evaluated": 11.0}
    assert summary_table.read_row(["资金（万元）", "300", "280.5"], header) == \
        {"funds_due": 300.0, "funds_evaluated": 280.5}
    assert summary_table.read_row(["资金（万元）", "3,000,000元", "280.5万元"], header) == \
        {"funds_due": 300.0, "funds_evaluated": 280.5}
    assert summary_table.read_row(["评价结果", "其中：良好", "3"], header) == {"count_liang": 3.0}
    assert summary_table.read_row(["平均得分", "", "91.2"], header) == {"avg_score": 91.2}
    assert summary_table.read_row(["填表人", "张三"], header) == {}
    assert summary_table.read_header(["应评价", "备注"]) is None


def test_summary_notes_then_the_table_ends():
    notes, over = summary_table.read_note("说明：按财政部模板", None)
    assert (notes, over) == ("说明：按财政部模板", False)
    notes, over = summary_table.read_note("1. 资金单位为万元", notes)
    assert notes.endswith("1. 资金单位为万元") and not over
    assert summary_table.read_note("二、其他事项", notes) == (notes, True)


# ---- key-value rows ----------------------------------------------------------------------------
def test_label_value_pairs_skip_row_references():
    assert key_value.read_pairs(["年初预算", "(1)", "120", "全年预算数", "118", "执行率", "未填"]) == \
        [("budget_initial", 120.0), ("budget_full_year", 118.0), ("execution_rate", None)]
    assert key_value.read_pairs(["主管部门", "某某局"]) == []


def test_a_label_and_its_value_in_one_cell():
    """年初预算数（万元）：120 in one cell, as Word forms write it: before, not read at all."""
    assert key_value.read_pairs_units(["年初预算数（万元）：120", "全年预算数：1,000,000元", "执行率: 95%", "备注：无"]) == \
        [("budget_initial", 120.0, None), ("budget_full_year", 1000000.0, "元"), ("execution_rate", 95.0, None)]
    assert key_value.split_labelled(["主管部门：某某局", "全年执行数：90"]) == ["主管部门：某某局", "全年执行数", "90"]


def test_form_labels_with_their_values_in_one_cell():
    """项目名称：…, 实施单位：…, 总分：83分, 自评等级：良, each in one cell: before, the project had no name, agency,
    total or grade. The value takes an empty cell's place: the cells right of it keep their columns."""
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize

    assert key_value.split_labelled(["项目名称：测试项目", "", "x"]) == ["项目名称", "测试项目", "x"]
    rows = [["项目名称：测试项目", "", "实施单位：某县财政局", ""],
            ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "50", "45"],
            ["效益指标", "社会效益指标", "满意度", "≥90%", "95%", "40", "38"], ["总分：83分", "", "", "", "", "", ""],
            ["自评等级：良"]]
    (p,) = recognize(Document(source="x", format="docx", blocks=[Paragraph("某县2023年度项目支出绩效自评表"),
                                                                 Table(rows)]).number_tables()).projects
    assert (p.project_name, p.agency, p.total_score, p.grade, len(p.indicators())) == ("测试项目", "某县财政局", 83.0, "良", 2)


def test_labelled_value():
    assert key_value.labelled_value(["主管部门", "甲局", "实施单位", "乙中心"], V.AGENCY_LABEL) == "乙中心"
    assert key_value.labelled_value(["实施单位", "填报单位"], V.AGENCY_LABEL) is None


# ---- statements --------------------------------------------------------------------------------
def test_overall_fields_and_sentences():
    assert statements.overall_field(["绩效自评综合得分", "96.5"]) == ("score", 96.5)
    assert statements.overall_field(["评价等次", "优秀"]) == ("grade", ("优", "优秀"))
    assert statements.overall_field(["评价等次", "优秀", "备注"]) is None
    assert statements.overall_from_text("项目总得分为92分，评价等级为“良好”。其他。") == (92.0, "良", "良好")
    assert statements.overall_from_text("没有得分") == (None, None, None)


@pytest.mark.parametrize("text,year", [
    ("二〇二二年度项目支出绩效自评表", 2022), ("（二O二三年度）", 2023), ("２０２２年度", 2022),
    ("2023年项目支出绩效自评表", 2023), ("2023年部门决算", 2023),
    ("填报日期：2024年3月15日", None), ("二〇二四年三月十五日", None),
])
def test_the_fiscal_year_written_in_chinese_full_width_or_without_du(text, year):
    """A year in Chinese (二〇二二年度) or full-width digits, or 2023年 before the title's words: the report's
    year; a date's year (2024年3月) is no fiscal year."""
    assert statements.fiscal_year(text) == year


@pytest.mark.parametrize("text", ["君山区2022年职工医保基金支出为5209.71万元", "君山区二〇二二年职工医保基金支出为5209.71万元",
                                  "二O二二年度职工医保基金绩效目标"])
def test_a_project_named_only_in_prose_is_found_whatever_digits_write_its_year(text):
    """A report whose table names no project takes the name its prose states (2022年职工医保基金支出): with the year in
    Chinese (二〇二二年, as 公文 write dates) the name was lost (null), and with it the project's key field."""
    assert statements.project_name_hint(text) == "职工医保基金"


def test_narrative_parts_and_fields():
    parts = statements.narrative_parts([Paragraph("（一）项目决策。满分20分，自评得分18分。"),
                                        Paragraph("（二）项目过程：满分20分，自评得分19分")])
    assert [(p["label"], p["max"], p["score"]) for p in parts] == [("项目决策", 20.0, 18.0), ("项目过程", 20.0, 19.0)]
    assert statements.fiscal_year("项目支出绩效自评表（2022年度）\n2021年度预算") == 2022
    assert statements.paragraph_field("实施单位：某某中心-01") == ("agency", "某某中心")
    assert statements.paragraph_field("项目名称： 某 项目") == ("project", "某项目")
    # a paragraph's labels are the form's (PROJECT_LABELS, AGENCY_LABEL), one list for cells and paragraphs
    assert statements.paragraph_field("项目实施单位：某某局") == ("agency", "某某局")
    assert statements.paragraph_field("★转移支付项目名称：某资金") == ("project", "某资金")
    assert statements.paragraph_field("说明：项目名称不详") is None and statements.paragraph_field("填报日期：2020年") is None


# ---- the hierarchy is one piece of vocabulary, used by the checks too ----------------------------
def test_checks_use_the_vocabulary_hierarchy():
    from evalkit.checks import load_config
    from evalkit.checks.rules_totals import level1_group
    cfg = load_config()
    assert "level2_parent" not in cfg.settings["totals"]
    assert V.implied_level1("数量指标") == "产出指标"
    assert level1_group("", "数量指标", cfg) == "产出"
    assert level1_group("", "服务对象满意度指标（10分）", cfg) == "满意度"
    assert level1_group("", "项目目标", cfg) == ""


def test_old_level2_parent_setting_is_named_as_moved(tmp_path):
    from evalkit.checks import load_config
    from evalkit.errors import ConfigError
    f = tmp_path / "c.toml"
    f.write_text('[totals.level2_parent]\n"数量指标" = "产出"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="已移除.*vocabulary"):
        load_config(f)


# ---- the walker --------------------------------------------------------------------------------
def _doc(*blocks) -> Document:
    return Document("mem.txt", "txt", list(blocks))


def test_walker_records_each_rows_reading_and_the_total_from_the_score_column():
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        IND_HEADER[:7] + ["完成率"],
        ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "90", "85", "100%"],
        ["", "", "……", "", "", "", "", ""],
        ["总分", "", "", "", "", "100", "95", "98.5"],
        ["填表人", "张三"],
    ]))
    ex = recognize(doc)
    kinds = [(d.table, d.row, d.kind) for d in ex.decisions]
    assert kinds == [(None, 0, Kind.PROJECT), (0, 0, Kind.INDICATOR_HEADER), (0, 1, Kind.INDICATOR),
                     (0, 2, Kind.IGNORED), (0, 3, Kind.TOTAL), (0, 4, Kind.IGNORED)]
    assert ex.decisions[1].roles[7] == "ignore" and ex.decisions[2].why == "按位置"
    p = ex.projects[0]
    assert (p.project_name, p.total_score, p.max_score) == ("培训项目", 95.0, 100.0)
    assert [i.level3 for _, i in ex.indicators] == ["培训人数"]


def test_total_row_with_a_grade_after_the_score_gives_the_projects_grade():
    """总分 | 100 | 87.6 | 优 (the 部门整体支出绩效自评表's last row): the grade written after the score is the
    project's, with its cell; a row without one leaves the grade to the report's sentence."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        IND_HEADER[:7] + ["偏差原因"],
        ["产出指标", "数量指标", "培训人数", "≥100人", "120人", "90", "85", ""],
        ["总分", "", "", "", "", "100", "87.6", "优秀"],
    ]), Paragraph("总得分为87.6分，评为良。"))
    ex = recognize(doc)
    p = ex.projects[0]
    assert (p.total_score, p.grade, p.grade_raw) == (87.6, "优", "优秀")
    assert p.field_locs["grade"][0].col == 8 and ex.decisions[-1].fields["grade"] == "优"
    doc.blocks[1].rows[2][7] = ""
    assert recognize(doc).projects[0].grade == "良"


def test_single_project_takes_the_documents_result_and_name():
    doc = _doc(Paragraph("2023年度农村道路养护资金绩效自评报告"), Paragraph("总得分为88分，评为良。"),
               Table([IND_HEADER, ["产出指标", "数量指标", "养护里程", "10公里", "10公里", "100", "88", ""]]))
    ex = recognize(doc)
    p = ex.projects[0]
    assert (p.project_name, p.total_score, p.grade) == ("农村道路养护资金", 88.0, "良")
    assert ex.report.doc_kind == "project_report" and ex.report.fiscal_year == 2023


def test_department_paragraph_when_no_project_table():
    doc = _doc(Paragraph("某某局2024年度部门决算"),
               Paragraph("组织对2024年度项目开展绩效自评，绩效自评的2024年度项目3个，涉及预算金额120.5万元，平均得分95.5分。"))
    ex = recognize(doc)
    assert ex.report.doc_kind == "department_report" and ex.report.agency == "某某局"
    assert ex.summaries == [{"projects_due": None, "projects_evaluated": 3, "funds_due": None,
                             "funds_evaluated": 120.5, "avg_score": 95.5, "count_you": None,
                             "count_liang": None, "count_zhong": None, "count_cha": None, "notes": None}]


@pytest.mark.parametrize("title", ["部门（单位）整体支出绩效自评表", "部门(单位)整体支出绩效自评表", "部门整体支出绩效自评报告",
                                   "单位整体支出绩效自评表"])
def test_a_department_overall_evaluation_is_a_department_report(title):
    """The 部门（单位）整体支出绩效自评表 (财政部's template) is a department's evaluation, not one project's."""
    doc = _doc(Paragraph(title), Paragraph("（2023年度）"), Table([
        IND_HEADER, ["产出指标", "数量指标", "预算编制完成率", "100%", "100%", "20", "20", ""]]))
    assert recognize(doc).report.doc_kind == "department_report"
    doc.blocks[0] = Paragraph("项目支出绩效自评表")
    assert recognize(doc).report.doc_kind == "project_report"


def test_a_row_holding_only_the_rest_of_a_deviation_reason_goes_on_with_the_line_above():
    """A row cut by a page break that the reader did not join leaves the rest of its 偏差原因 alone in a row of its
    own: it is the line above's, not a note under the table (which ended it: the next lines and the total lost)."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        IND_HEADER[:7] + ["偏差原因分析及改进措施"],
        ["产出指标", "数量指标", "培训人数", "≥100人", "90人", "50", "45", "资金下达较晚，已与财政部门沟通加快拨"],
        ["", "", "", "", "", "", "", "付。"],
        ["", "质量指标", "合格率", "≥90%", "95%", "40", "40", ""],
        ["总分", "", "", "", "", "90", "85", ""],
    ]))
    ex = recognize(doc)
    p = ex.projects[0]
    assert [(i.level3, i.deviation_reason) for _, i in ex.indicators] == [
        ("培训人数", "资金下达较晚，已与财政部门沟通加快拨付。"), ("合格率", None)]
    assert p.total_score == 85.0
    assert [d.kind for d in ex.decisions if d.table == 0][2] is Kind.INDICATOR


def test_group_labels_cut_mid_word_over_two_rows_are_joined():
    """LibreOffice's export of a web page cuts a label merged over two rows mid-word at a page break: 满意度 | 服务对象满
    beside one line, 指标 | 意度指标 beside the next. Joined where the parts make a known label and the rest alone is
    none, both lines are read in that group (before: by content, the group's rest as a name, the weight 96)."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        IND_HEADER,
        ["效益指标", "社会效益指标", "覆盖率", "≥98%", "99%", "30", "30", ""],
        ["满意度", "服务对象满", "群众满意度", "≥85%", "96%", "5", "5", ""],
        ["指标", "意度指标", "社会公众满意度", "≥95%", "99%", "5", "5", ""],
        ["总分", "", "", "", "", "40", "40", ""],
    ]))
    ex = recognize(doc)
    assert [(i.level1, i.level2, i.level3, i.actual, i.weight) for _, i in ex.indicators] == [
        ("效益指标", "社会效益指标", "覆盖率", "99%", 30.0),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "96%", 5.0),
        ("满意度指标", "服务对象满意度指标", "社会公众满意度", "99%", 5.0)]
    assert "分页截断" in ex.decisions[3].why


@pytest.mark.parametrize("upper, lower", [
    (["产出指标", "数量指标"], ["效益指标", "社会效益指标"]),     # two groups, each whole
    (["满意度", "服务对象"], ["指标", ""]),                       # the rest makes no label of level 2: 1 only
    (["产出", "数量"], ["", "质量指标"]),                        # 产出 and 数量 stand for their groups; 质量指标 is one
])
def test_cut_labels_only_where_the_rest_alone_is_no_label_and_the_join_is_one(upper, lower):
    h = indicator_table.read_header(IND_HEADER)
    row = lambda labels: labels + ["名称", "1", "1", "5", "5", ""]  # noqa: E731
    got = indicator_table.cut_labels(row(upper), row(lower), h)
    assert got == ([0] if upper[0] == "满意度" else [])


def test_a_label_wrapped_over_two_rows_of_a_table_narrower_than_its_header_is_joined():
    """A print without rulings whose table goes on on the next page without the block label's column (7 cells under
    a header of 8): the 二级 label centred over two rows and wrapped in its cell (服务对象满意 over 度指标) made the
    first row read by content with the label as the name and every value a column to the left, the second a line
    named 度指标. The pieces in one of the row's first columns make the label: joined, both lines read right."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        ["绩效指标"] + IND_HEADER,
        ["", "效益指标", "社会效益指标", "覆盖率", "≥98%", "99%", "30", "30", ""],
    ]), Table([
        ["满意度指标", "服务对象满意", "社会公众满意度", "≥90%", "90.5%", "5", "5"],
        ["", "度指标", "受益对象满意度", "≥90%", "90%", "5", "5"],
        ["总分", "", "", "", "", "40", "40"],
    ]))
    ex = recognize(doc)
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for _, i in ex.indicators][1:] == [
        ("满意度指标", "服务对象满意度指标", "社会公众满意度", "≥90%", "90.5%", 5.0, 5.0),
        ("满意度指标", "服务对象满意度指标", "受益对象满意度", "≥90%", "90%", 5.0, 5.0)]
    h = indicator_table.read_header(["绩效指标"] + IND_HEADER)
    assert indicator_table.cut_labels(["满意度指标", "服务对象满意", "名称"], ["", "度指标", "名称"], h) == [1]
    assert indicator_table.cut_labels(["满意度指标", "服务对象满意", "名称"], ["", "10", "名称"], h) == []


def test_the_same_group_restated_keeps_its_level_2_label():
    """A worksheet's print draws a group's merged label again on the next page, beside an empty 二级 cell: the group
    restated keeps its 二级 label (before: 质量指标 lost for the line); a new group starts without one."""
    doc = _doc(Paragraph("项目名称：培训项目"), Table([
        IND_HEADER,
        ["产出指标", "质量指标", "问题整改率", "≥95%", "98%", "5", "5", ""],
        ["产出指标", "", "培训合格率", "≥90%", "90%", "20", "20", ""],
        ["效益指标", "", "满意度", "≥90%", "95%", "10", "10", ""],
    ]))
    ex = recognize(doc)
    assert [(i.level1, i.level2) for _, i in ex.indicators] == [
        ("产出指标", "质量指标"), ("产出指标", "质量指标"), ("效益指标", None)]


def test_a_report_typed_with_full_width_digits_reads_as_typed_with_ascii_ones(tmp_path):
    """全角 input mode: ２０２２年２月, 综合得分９３．２５分, a row of ．．．．． kept empty. Before, the overall score, grade
    and date were lost, and the placeholder row ended the indicator table (six lines and a total gone)."""
    from conftest import SEEDS
    from evalkit.ingest import ingest_paths
    fw = str.maketrans("0123456789.", "０１２３４５６７８９．")
    for seed in SEEDS:
        (tmp_path / seed.name).write_text(seed.read_text(encoding="utf-8").translate(fw), encoding="utf-8")
    cols = {"reports": ["stated_overall_score", "stated_overall_grade", "doc_date", "narrative_score"],
            "projects": ["project_name", "total_score", "grade", "budget_full_year", "executed"],
            "indicators": ["level1", "level2", "level3", "target", "actual", "weight", "score"]}
    got, want = ingest_paths(sorted(tmp_path.iterdir()), checks=False), ingest_paths(SEEDS, checks=False)
    for table, names in cols.items():
        pd.testing.assert_frame_equal(got[table][names].reset_index(drop=True), want[table][names].reset_index(drop=True))
    assert any("全角数字" in n for n in got["reports"]["reading_notes"].dropna())


def test_invisible_format_characters_inside_words_are_dropped(tmp_path):
    """Zero-width spaces, BOMs, soft hyphens, word joiners, bidi controls (web editors, text copied from WeChat
    articles) inside words, and no-break spaces between characters: before, 16 % of the seeds' fields matched."""
    import random
    from conftest import SEEDS
    from evalkit.ingest import ingest_paths
    rng = random.Random(1)
    for seed in SEEDS:
        out = []
        for ch in seed.read_text(encoding="utf-8"):
            out.append(ch)
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < 0.15:
                out.append(rng.choice(["\u200b", "\ufeff", "\u00ad", "\u200c", "\u2060", "\u202e", "\u00a0"]))
        (tmp_path / seed.name).write_text("".join(out), encoding="utf-8")
    cols = {"reports": ["stated_overall_score", "stated_overall_grade", "doc_date", "narrative_score", "agency"],
            "projects": ["project_name", "county", "total_score", "grade", "budget_full_year", "executed"],
            "indicators": ["level1", "level2", "level3", "weight", "score"]}
    got, want = ingest_paths(sorted(tmp_path.iterdir()), checks=False), ingest_paths(SEEDS, checks=False)
    for table, names in cols.items():
        pd.testing.assert_frame_equal(got[table][names].reset_index(drop=True), want[table][names].reset_index(drop=True))
    assert not got["projects"]["project_name"].str.contains("[\u200b\ufeff\u00ad\u200c\u2060\u202e]").any()
    assert any("不可见的格式字符" in n for n in got["reports"]["reading_notes"].dropna())


@pytest.mark.parametrize("line, year", [("（2024年度）", 2024), ("( 2022 年度 )", 2022), ("（二〇二三年度）", 2023),
                                        ("2024年度茂南区医疗保障局项目支出绩效自评表", 2024),
                                        ("2024年医疗保障能力提升项目绩效自评报告", 2024),
                                        ("二、2023年度绩效目标完成情况", None), ("2023年度部门决算", None),
                                        ("本项目2022年度预算执行率为92.5%，全年执行数为5.18万元，较上年有所提高，详见自评表", None)])
def test_a_heading_year_is_a_titles_own_line(line, year):
    from evalkit.recognize.statements import heading_year
    assert heading_year(line) == year


def test_an_unused_optional_line_beside_its_group_label_is_no_line():
    """A print that repeats a merged 二级 label at a page's head puts it beside the template's unused optional line
    (经济效益指标 | 生态效益（可选项） | | | |): two texts, no figure, read as a line before. Taken, with figures, it is one."""
    rows = [IND_HEADER, ["效益指标", "经济效益指标", "带动相关产业发展", "有效带动", "达到预期", "6", "6", ""],
            ["", "经济效益指标", "生态效益（可选\n项）", "", "", "", "", ""],
            ["", "", "可持续效益（可选项）", "长期", "长期", "4", "4", ""]]
    (p,) = read_form("安全生产专项经费", rows).projects
    assert [(i.level3, i.weight) for i in p.indicators()] == [("带动相关产业发展", 6.0), ("可持续效益（可选项）", 4.0)]


JILIN_FORM = """<html><head><meta charset="utf-8"></head><body><div>长吉图发展战略专项经费绩效评价表</div><table>
<tr><td rowspan="2">一级指标</td><td rowspan="2">权重</td><td rowspan="2">二级指标</td><td rowspan="2">分值</td>
<td rowspan="2">三级指标</td><td rowspan="2">计量单位</td><td rowspan="2"><p>目标值</p><p>(标准)</p></td>
<td rowspan="2">分值</td><td colspan="2">采集数据项</td><td rowspan="2">指标值</td></tr>
<tr><td>数据项1</td><td>数据项2</td></tr>
<tr><td rowspan="3">预算绩效</td><td rowspan="3">100</td><td rowspan="2">预算管理</td><td rowspan="2">75</td>
<td>预算执行进度（7月）</td><td>%</td><td>40%</td><td>7</td><td>42.5</td><td>100</td><td>42.5%</td></tr>
<tr><td>项目预算资金是否被核减</td><td>是/否</td><td>否</td><td>25</td><td>否</td><td>/</td><td>否</td></tr>
<tr><td>财务管理</td><td>25</td><td>用款计划差错率</td><td>%</td><td>0%</td><td>7</td><td>0</td><td>10</td><td>0%</td></tr>
<tr><td>总分</td><td>100</td><td>得分</td><td>91.5</td><td colspan="7"> </td></tr></table>
<p>填报单位（公章）：延边州商务局 单位负责人：张三</p></body></html>"""


def test_a_special_fund_form_with_data_item_columns_reads_its_lines_where_its_header_says(tmp_path):
    """吉林's 专项经费绩效评价表: 采集数据项 merged over 数据项1 | 数据项2 (the columns right of it one further than the
    top row counts them), 分值 after 二级指标 the group's and after the name the line's, 指标值 right of 目标值 the
    value achieved, a unit column of % or 是/否 not written again after a target that states it, no score column, and
    the project named by the title. Before: every line read by content, 指标值 a second target, no project name."""
    from evalkit.readers import read
    path = tmp_path / "评价表.html"
    path.write_text(JILIN_FORM, encoding="utf-8")
    (p,) = recognize(read(path)).projects
    assert p.project_name == "长吉图发展战略专项经费" and p.agency == "延边州商务局"
    assert p.total_score == 91.5
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()] == [
        ("预算绩效", "预算管理", "预算执行进度（7月）", "40%", "42.5%", 7.0, None),
        ("预算绩效", "预算管理", "项目预算资金是否被核减", "否", "否", 25.0, None),
        ("预算绩效", "财务管理", "用款计划差错率", "0%", "0%", 7.0, None)]


def test_a_title_names_the_fund_its_form_evaluates_where_the_table_names_no_project():
    assert statements.project_name_hint("长吉图发展战略专项经费绩效评价表\n一级指标") == "长吉图发展战略专项经费"
    assert statements.project_name_hint("\n2022年度农村公路养护专项资金绩效自评表\n") == "农村公路养护专项资金"
    assert statements.project_name_hint("某县教育局项目资金绩效自评表\n") is None      # an agency's funds: no project
    assert statements.project_name_hint("附件：\n关于报送专项经费绩效评价表的说明\n") is None


def test_an_agency_title_with_its_year_names_no_project_but_a_fund_after_it_does():
    title = "2024年度茂南区医疗保障局项目支出绩效自评表\n"
    assert statements.project_name_hint(title) is None
    assert statements.project_name_hint(title + "2024年度职工医保基金支出绩效目标完成情况") == "职工医保基金"
    assert statements.project_name_hint("2023年度乡村振兴衔接项目支出绩效自评表") == "乡村振兴衔接项目"


def _cell(text, rows=1, cols=1):
    return f'<td rowspan="{rows}" colspan="{cols}">{text}</td>'


def test_a_yes_or_no_block_reads_its_one_data_item_and_adds_the_points_of_each_example_row(tmp_path):
    """The same system's 项目效果 block: 采集数据项 over 数据项1 | 理由 (no 指标值: the one data item is the value achieved,
    理由 the examples asked for a 是), each line's name merged over one row per example, 5 points a row: the line weighs
    their sum; a line without examples (是否有违反外事纪律事件发生 | … | 10 | 否 | /) its own. Before: read by content, the
    group label as the name, the rows of points dropped as scan fragments."""
    from evalkit.readers import read
    head = ("".join(_cell(w, 2) for w in ["一级指标", "权重", "二级指标", "分值", "三级指标", "计量单位", "目标值(标准)", "分值"])
            + _cell("采集数据项", 1, 3))
    rows = [f"<tr>{head}</tr>", f"<tr>{_cell('数据项1')}{_cell('理由', 1, 2)}</tr>",
            "<tr>" + _cell("项目效果", 4) + _cell("25", 4) + _cell("社会效益", 4) + _cell("20", 4)
            + _cell("是否加强对外政策、信息、技术、业务交流", 3) + _cell("是/否", 3) + _cell("是", 3) + _cell("5")
            + _cell("是", 3) + _cell("①举办交流会2次", 1, 2) + "</tr>",
            f"<tr>{_cell('5')}{_cell('②发布信息12条', 1, 2)}</tr>", f"<tr>{_cell('5')}{_cell('③接待来访1次', 1, 2)}</tr>",
            "<tr>" + "".join(_cell(w) for w in ["是否有违反外事纪律事件发生", "是/否", "否", "10", "否"]) + _cell("/", 1, 2) + "</tr>",
            "<tr>" + "".join(_cell(w) for w in ["总分", "100", "得分", "25"]) + _cell(" ", 1, 7) + "</tr>"]
    path = tmp_path / "外事出国项目专项经费绩效评价表.html"
    path.write_text('<html><head><meta charset="utf-8"></head><body><p>外事出国项目专项经费绩效评价表</p><table>'
                    + "".join(rows) + "</table></body></html>", encoding="utf-8")
    (p,) = recognize(read(path)).projects
    assert p.project_name == "外事出国项目专项经费"
    assert [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight) for i in p.indicators()] == [
        ("项目效果", "社会效益", "是否加强对外政策、信息、技术、业务交流", "是", "是", 15.0),
        ("项目效果", "社会效益", "是否有违反外事纪律事件发生", "否", "否", 10.0)]
    assert V.is_level2("产出数量") and V.is_level2("产出时效")        # the 项目产出 block's groups
