"""Grade words of every scale and score bands, from evalkit.grades."""
import pytest

from evalkit import grades


@pytest.mark.parametrize("word,expected", [
    ("优", "优"), ("优秀", "优"), ("一等", "优"), ("A", "优"),
    ("良好", "良"), ("二等", "良"),
    ("合格", "中"), ("较差", "中"), ("中等", "中"), ("三等", "中"),
    ("不合格", "差"), ("四等", "差"), ("差", "差"),
    ("不合格等次", "差"),          # longest word first: 不合格 is not 合格
    ("优秀等次", "优"),
])
def test_contract_grade_of_words_in_any_scale(word, expected):
    assert grades.contract(word) == expected


def test_strict_rank_rejects_prose_and_letters_inside_words():
    assert grades.rank("评为良") is None and grades.rank("BAD") is None
    assert grades.rank("评为良", lenient=True) == 1
    assert grades.rank("BAD", lenient=True) is None


@pytest.mark.parametrize("cell,expected", [
    (" 优 秀 ", ("优", "优秀")), ("“良好”", ("良", "良好")), ("优（95分）", ("优", "优（95分）")),
    ("", (None, None)), (None, (None, None)), ("待定", (None, "待定")),
])
def test_normalize_a_grade_cell(cell, expected):
    assert grades.normalize(cell) == expected


def test_from_score_default_and_other_scales():
    assert [grades.from_score(s) for s in (100, 90, 89.99, 80, 60, 59.99, 0, -3)] == \
        ["优", "优", "良", "良", "中", "差", "差", "差"]
    sh = [(90, "优"), (80, "良"), (60, "合格"), (0, "不合格")]
    assert grades.from_score(70, sh) == "合格" and grades.from_score(59, sh) == "不合格"
    assert grades.from_score(0.1 + 0.2, [(0.3, "达标"), (0, "未达标")]) == "达标"    # exact decimals
    assert grades.from_score(None) is None and grades.from_score("x") is None


def test_band_text_and_ranges():
    assert grades.band_text() == "优≥90，良80-90，中60-80，差<60"
    assert grades.band_ranges() == [("优", 90.0, 100.0), ("良", 80.0, 90.0), ("中", 60.0, 80.0), ("差", 0.0, 60.0)]


def test_word_pattern_finds_grades_in_prose():
    import re
    m = re.search(rf"为“?({grades.WORD_PATTERN})”?的项目", "绩效评级为“不合格”的项目0个")
    assert m and m.group(1) == "不合格"
