"""Each normalizer on real strings from the seed reports."""
import unicodedata

import pytest

from evalkit.normalize import (clean_text, grade_from_score, is_empty_mark, normalize_grade,
                               parse_measure, parse_number, parse_operator, parse_percent, parse_range,
                               strip_annotation, strip_list_prefix)


@pytest.mark.parametrize("raw, expected", [
    ("工资保 险发放准确性", "工资保险发放准确性"),              # 003: a PDF export breaks CJK words
    ("满意 度 指标", "满意度指标"),
    ("资金使用符合\n相关规定", "资金使用符合相关规定"),            # 002: a hard break inside a cell
    ("大厂回族自治县 医疗保障局", "大厂回族自治县医疗保障局"),
    ("　", None),
])
def test_clean_text_removes_whitespace_inside_cjk(raw, expected):
    assert clean_text(raw) == expected


def test_list_prefixes_dropped_from_indicator_names():
    assert strip_list_prefix("指标1:工资发放及时性") == "工资发放及时性"
    assert strip_list_prefix("指标1:指标2:") is None          # 003's empty placeholder lines
    assert strip_list_prefix("信息化建设购置设备-打印设备") == "信息化建设购置设备-打印设备"


@pytest.mark.parametrize("raw, expected", [
    ("90%-100%", (90.0, 100.0, "%")), ("90-100%", (90.0, 100.0, "%")), ("90%～100%", (90.0, 100.0, "%")),
    ("10至15万元", (10.0, 15.0, "万元")), ("3－5天", (3.0, 5.0, "天")),
    ("≥90%", None), ("95%", None), ("100-90", None), ("90%-100人", None), ("-5-5", None), ("及时", None),
])
def test_a_target_written_as_a_range_gives_both_ends_and_the_shared_unit(raw, expected):
    assert parse_range(raw) == expected


@pytest.mark.parametrize("raw, expected", [("约95%", (None, 95.0, "%")), ("95%左右", (None, 95.0, "%")),
                                           ("大约3天", (None, 3.0, "天")), ("10左右", (None, 10.0, None)),
                                           ("约定", (None, None, None))])
def test_about_a_figure_is_the_figure_without_a_sign(raw, expected):
    assert parse_measure(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("指标1工程资金金额", "工程资金金额"), ("指标2工程验收合格率", "工程验收合格率"), ("指标1项目完成及时率", "项目完成及时率"),
    ("指标2", None), ("指标 1", None), ("指标3、培训人次", "培训人次"),
    ("指标10个", "指标10个"), ("指标3项", "指标3项"), ("指标2021年度完成率", "指标2021年度完成率"), ("指标12.5", "指标12.5"),
])
def test_a_template_slot_run_into_the_name_is_dropped_and_alone_leaves_nothing(raw, expected):
    """A 河北 form writes its slot and the name in one cell (指标1工程完工率) and leaves the unused slots (指标2): the
    slot goes, a slot alone is an empty line; a count after 指标 (指标10个) or a year is not a slot."""
    assert strip_list_prefix(raw) == expected


@pytest.mark.parametrize("raw, op, rest", [
    ("≥ 95%", "≥", "95%"), ("≧90%", "≥", "90%"), (">=3", "≥", "3"), ("＞60分钟", ">", "60分钟"),
    ("＜60分钟", "<", "60分钟"), ("＝12", "=", "12"), ("=1 人", "=", "1人"), ("≤5.6 万元", "≤", "5.6万元"),
    ("大于6万人次", ">", "6万人次"), ("完成", None, "完成"),
    ("﹦72890元", "=", "72890元"), ("⩾95%", "≥", "95%"), ("⩽5万元", "≤", "5万元"), ("﹤3次", "<", "3次"),   # small/slanted forms
])
def test_operators_normalized(raw, op, rest):
    assert parse_operator(raw) == (op, rest)


@pytest.mark.parametrize("raw, expected", [
    ("≥1 人", ("≥", 1.0, "人")), ("≤5.6 万元", ("≤", 5.6, "万元")), ("65.22 万元", (None, 65.22, "万元")),
    ("≤4950 元", ("≤", 4950.0, "元")), ("100 比率", (None, 100.0, "比率")), ("≥ 万人", ("≥", None, "万人")),
    ("大于6万人次", (">", 6.0, "万人次")), ("95.62%", (None, 95.62, "%")), ("214275 人 次", (None, 214275.0, "人次")),
    ("12 月份", (None, 12.0, "月份")), ("有所提升", (None, None, None)), ("≥73 把/组", ("≥", 73.0, "把/组")),
    ("95%以上", ("≥", 95.0, "%")), ("90%（含）以上", ("≥", 90.0, "%")), ("3个工作日以内", ("≤", 3.0, "个工作日")),
    ("60分以下", ("≤", 60.0, "分")), ("≥95%以上", ("≥", 95.0, "%")), ("省级以上", (None, None, None)),
])
def test_measures_split_into_operator_value_unit(raw, expected):
    assert parse_measure(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("92.5%", 92.5), ("100.00%", 100.0), ("74.11%", 74.11), ("10", 10.0), ("0", 0.0), ("—", None), ("一", None),
])
def test_percent_strings_in_percent_units(raw, expected):
    assert parse_percent(raw) == expected


def test_numbers_with_breaks_and_separators():
    assert parse_number("25,930.0\n0") == 25930.0   # a PDF cell broken across lines
    assert parse_number("5.18") == 5.18
    assert parse_number("/") is None and is_empty_mark("/") and is_empty_mark("一")
    assert parse_number("5.18 万元") is None         # a unit makes it a measure, not a bare number


@pytest.mark.parametrize("raw, grade", [
    ("优秀", "优"), ("良好", "良"), ("中", "中"), ("合格", "中"), ("较差", "中"), ("差", "差"),
    ("不合格", "差"), ('"优秀"', "优"),
])
def test_grade_words_to_one_character(raw, grade):
    g, kept = normalize_grade(raw)
    assert g == grade and kept


def test_grade_from_score_default_and_custom_bands():
    assert [grade_from_score(s) for s in (100, 90, 89.99, 80, 79.9, 60, 59.99, 0)] == \
        ["优", "优", "良", "良", "中", "中", "差", "差"]
    assert grade_from_score(None) is None
    bands = ((85, "优"), (75, "良"), (60, "合格"), (float("-inf"), "不合格"))
    assert grade_from_score(84.9, bands) == "良" and grade_from_score(59, bands) == "不合格"


def test_weight_annotations_stripped_from_level_names():
    assert strip_annotation("产出指标(50分)") == "产出指标"
    assert strip_annotation("满意度指标(20)分") == "满意度指标"
    assert strip_annotation("数量指标:") == "数量指标"


def test_cjk_radicals_a_browser_prints_read_as_the_characters_they_stand_for():
    """Chrome maps some glyphs to the CJK Radicals Supplement (⺠ U+2EA0 for 民, ⻓ for 长, ⻚ for 页), which NFKC
    leaves alone; Unicode's EquivalentUnifiedIdeograph table folds them, as NFKC folds the Kangxi radicals."""
    from evalkit.normalize import IDEOGRAPH_FOLD, fold_ideographs

    assert fold_ideographs("居⺠健康素养 ⻓效运行 ⾸⻚ ⼀级指标") == ("居民健康素养 长效运行 首页 一级指标", 5)
    radicals = {cp: ch for cp, ch in IDEOGRAPH_FOLD.items() if 0x2E80 <= cp < 0x2F00}
    assert len(radicals) >= 100                         # Unicode 14 names an equivalent for 114 of them
    assert all(unicodedata.name(ch).startswith("CJK UNIFIED IDEOGRAPH") for ch in radicals.values())
    assert fold_ideographs("民长页")[1] == 0


@pytest.mark.parametrize("raw, expected", [
    ("88", (88.0, None)), ("88万元", (88.0, "万元")), ("88万", (88.0, "万元")), ("¥1,000", (1000.0, None)),
    ("1,000,000.00元", (1000000.0, "元")), ("12.5（万元）", (12.5, "万元")), ("12,500 (元)", (12500.0, "元")),
    ("(12.5)", (None, None)), ("12.5(人)", (None, None)), ("完成", (None, None)),
])
def test_amount_cells_with_their_unit(raw, expected):
    """A money cell's number and the unit it states, also bracketed after it (12.5（万元）, as some forms print it)."""
    from evalkit.normalize import parse_amount
    assert parse_amount(raw) == expected
