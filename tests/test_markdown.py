"""Markdown reader: each converter's way of writing a table reaches the model's physical cells.

Short hand-written samples per style (the cells a reader of the Document sees), the converter-style
fixtures (tests/fixtures/markdown, made by make_markdown_fixtures.py) against their truth, the
plain-text seeds still read as before, and hostile input bounded by the limits.
"""
import dataclasses
import re
import time

import pandas as pd
import pytest

import evalkit.limits
from conftest import ROOT, SEEDS
from evalkit.errors import LimitExceeded, ReadError
from evalkit.model import Paragraph, Table
from evalkit.readers.markdown import (looks_like_markdown, parse_markdown, read_markdown,
                                      read_text_or_markdown)
from evalkit.readers.text import decode, read_text
from evalkit.recognize import recognize
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

MD = ROOT / "tests" / "fixtures" / "markdown"
CJK = re.compile(r"[\u4e00-\u9fff]")


def tables(text: str) -> list[list[list[str]]]:
    return [b.rows for b in parse_markdown(text).blocks if isinstance(b, Table)]


def paragraphs(text: str) -> list[str]:
    return [b.text for b in parse_markdown(text).blocks if isinstance(b, Paragraph)]


@pytest.fixture
def limits(monkeypatch):
    """Swap the limits in force (readers read evalkit.limits.LIMITS when they run)."""
    def set_(**kw):
        monkeypatch.setattr(evalkit.limits, "LIMITS", dataclasses.replace(evalkit.limits.LIMITS, **kw))
    return set_


# ---------------------------------------------------------------- pipe tables

def test_gfm_pipe_table_escapes_alignment_and_line_breaks():
    text = ("| 项目名称 | 测试项目 |\n"
            "|:---|---:|\n"
            "| 指标 \\| 说明 | 第一行<br>第二行 |\n"
            "| **粗体** | \\*不是强调\\* &amp; 其他 |\n")
    assert tables(text) == [[["项目名称", "测试项目"], ["指标 | 说明", "第一行\n第二行"],
                             ["粗体", "*不是强调* & 其他"]]]


def test_pipe_table_without_outer_pipes_keeps_leading_and_trailing_empty_cells():
    text = ("项目名称|测试项目||\n"
            "---|---|---|---\n"
            "|年度资金总额|5.6|\n")
    assert tables(text) == [[["项目名称", "测试项目", "", ""], ["", "年度资金总额", "5.6", ""]]]


def test_pipe_separated_text_without_alignment_row():
    text = "项目名称|测试项目|||\n年度资金总额|5.6|5.6|5.18|\n"
    assert tables(text) == [[["项目名称", "测试项目", "", "", ""], ["年度资金总额", "5.6", "5.6", "5.18", ""]]]


def test_a_pipe_in_prose_stays_a_paragraph():
    assert paragraphs("得分为 95 | 优秀\n") == ["得分为 95 | 优秀"]
    assert not looks_like_markdown("第一段\n得分为 95 | 优秀\n第三段\n")


# ---------------------------------------------------------------- grid tables

def test_grid_table_with_spans_and_wide_characters():
    text = ("+-----------+-----------------+\n"
            "| 项目名称  | 测试项目        |\n"
            "+===========+========+========+\n"
            "| 项目资金\\ | 年初   | 全年   |\n"
            "| (万元)    +--------+--------+\n"
            "|           | 5.6    | 5.6    |\n"
            "+-----------+--------+--------+\n")
    assert tables(text) == [[["项目名称", "测试项目"], ["项目资金\n(万元)", "年初", "全年"], ["", "5.6", "5.6"]]]


def test_grid_table_widths_counted_other_ways():
    wide_quotes = ("+------------+------+\n"
                   "| “大数据”   | 5.6  |\n"           # ambiguous-width quotes counted as two columns
                   "+------------+------+\n")
    by_chars = ("+------+------+\n"
                "| 项目名称 | 5.6  |\n"              # every character counted as one column
                "+------+------+\n"
                "| 项目   | 10   |\n"
                "+------+------+\n")
    assert tables(wide_quotes) == [[["“大数据”", "5.6"]]]
    assert tables(by_chars) == [[["项目名称", "5.6"], ["项目", "10"]]]


def test_grid_table_whose_borders_do_not_line_up_is_read_by_its_pipes():
    text = ("+----------+------+\n"
            "| 项目名称 | 测试项目 |\n"
            "+----------+------+\n"
            "| 年度资金总额 | 5.6 |\n"
            "+----------+------+\n")
    assert tables(text) == [[["项目名称", "测试项目"], ["年度资金总额", "5.6"]]]


# ---------------------------------------------------------------- HTML tables

def test_html_table_inside_markdown_uses_spans():
    text = ("表1 项目资金\n\n"
            '<html><body><table><tr><td rowspan="2">项目资金</td><td colspan="2">预算</td></tr>'
            "<tr><td>5.6</td><td>5.18</td></tr></table></body></html>\n\n"
            "说明文字\n")
    doc = parse_markdown(text)
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    assert tables(text) == [[["项目资金", "预算"], ["", "5.6", "5.18"]]]


# ---------------------------------------------------------------- merged cells, three ways

DOCLING = """\
| 项目名称 | 测试项目 | 测试项目 | 测试项目 | 测试项目 | 测试项目 |
|:---------|:---------|:---------|:---------|:---------|:---------|
| 项目资金 | 年初预算数 | 全年预算数 | 全年执行数 | 得分 | 得分 |
| 项目资金 | 5.6 | 5.6 | 5.18 | 9.25 | 9.25 |

| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |
|---|---|---|---|---|---|---|---|
| 绩效指标 | 产出指标 | 数量指标 | 人数 | 12次 | 12次 | 10 | 10 |
| 绩效指标 | 产出指标 | 质量指标 | 合格率 | 合格 | 合格 | 10 | 10 |
| 绩效指标 | 效益指标 | 质量指标 | 满意度 | ≥90% | 95% | 10 | 10 |
| 总分 | 总分 | 总分 | 总分 | 总分 | 总分 | 100 | 98 |
"""


def test_docling_repeated_merged_cells_collapse_to_physical_cells():
    budget, indicators = tables(DOCLING)
    assert budget == [["项目名称", "测试项目"],
                      ["项目资金", "年初预算数", "全年预算数", "全年执行数", "得分"],
                      ["", "5.6", "5.6", "5.18", "9.25"]]      # 得分 merged over two columns: so is 9.25
    assert indicators == [
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["", "产出指标", "数量指标", "人数", "12次", "12次", "10", "10"],    # equal figures stay apart
        ["", "", "质量指标", "合格率", "合格", "合格", "10", "10"],          # so do equal target/actual words
        ["", "效益指标", "质量指标", "满意度", "≥90%", "95%", "10", "10"],  # a new level 1 starts a new level 2
        ["总分", "100", "98"]]


def test_docling_table_continued_on_the_next_page_is_read_under_the_header_before():
    more = ("\n<!-- page break -->\n\n"
            "| 绩效指标 | 产出指标 | 时效指标 | 及时率 | 按时完成任务 | 按时完成任务 | 10 | 10 |\n"
            "|---|---|---|---|---|---|---|---|\n"
            "| 绩效指标 | 产出指标 | 时效指标 | 完成率 | 按时完成任务 | 按时完成任务 | 10 | 10 |\n")
    assert tables(DOCLING + more)[-1] == [
        ["绩效指标", "产出指标", "时效指标", "及时率", "按时完成任务", "按时完成任务", "10", "10"],
        ["", "", "", "完成率", "按时完成任务", "按时完成任务", "10", "10"]]
    assert tables(more)[-1][0] == ["绩效指标", "产出指标", "时效指标", "及时率", "按时完成任务", "10", "10"]


def test_pymupdf4llm_empty_merged_cells_are_kept():
    text = "|项目名称|测试项目|||\n|---|---|---|---|\n|项目资金<br>(万元)|年初预算数|全年预算数||\n||5.6|5.6||\n"
    assert tables(text) == [[["项目名称", "测试项目", "", ""], ["项目资金\n(万元)", "年初预算数", "全年预算数", ""],
                             ["", "5.6", "5.6", ""]]]


MARKITDOWN = """\
| 项目名称 | 测试项目 |
| --- | --- |
| 绩效指标 | 一级指标 | 二级指标 | 三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分 |
| 产出指标 | 数量指标 | 人数 | ≥10人 | 12人 | 10 | 10 |
| 质量指标 | 合格率 | 100% | 100% | 10 | 10 |
| 及时率 | 100% | 100% | 10 | 10 |
| 满意度指标 | 服务对象满意度 | 满意度 | ≥90% | 95% | 10 | 9 |
| 总分 | 100 | 98 |
"""


def test_markitdown_shifted_rows_are_realigned_under_the_header():
    assert tables(MARKITDOWN) == [[
        ["项目名称", "测试项目"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
        ["", "产出指标", "数量指标", "人数", "≥10人", "12人", "10", "10"],
        ["", "", "质量指标", "合格率", "100%", "100%", "10", "10"],
        ["", "", "", "及时率", "100%", "100%", "10", "10"],
        ["", "满意度指标", "服务对象满意度", "满意度", "≥90%", "95%", "10", "9"],
        ["总分", "100", "98"]]]


@pytest.mark.parametrize("text", [DOCLING, MARKITDOWN], ids=["docling", "markitdown"])
def test_recognizer_reads_the_indicators_of_each_style(text):
    p = recognize(parse_markdown(text)).projects[0]
    lines = [(i.level1, i.level2, i.level3, i.target, i.actual, i.weight, i.score) for i in p.indicators()]
    assert lines[0] == ("产出指标", "数量指标", "人数", lines[0][3], lines[0][4], 10.0, 10.0)
    assert [x[2] for x in lines] == (["人数", "合格率", "满意度"] if text is DOCLING else ["人数", "合格率", "及时率", "满意度"])
    assert all(x[0] and x[1] for x in lines)
    if text is MARKITDOWN:
        assert lines[-1][:2] == ("满意度指标", "服务对象满意度")
    assert p.total_score == 98


# ---------------------------------------------------------------- text around the tables

def test_headings_emphasis_lists_and_markup_become_plain_paragraphs():
    text = ("# 大厂回族自治县医疗保障局 #\n"
            "开江县医疗保障局\n==========\n"
            "**项目支出绩效自评表**\n"
            "- 列表项\n"
            "> 引用\n"
            "![图](a.png)\n"
            "<!-- image -->\n"
            "---\n"
            "[链接文字](http://example.com)\n"
            "1. 编号保留\n"
            "```\n代码里的文字\n```\n")
    assert paragraphs(text) == ["大厂回族自治县医疗保障局", "开江县医疗保障局", "项目支出绩效自评表", "列表项",
                                "引用", "链接文字", "1. 编号保留", "代码里的文字"]


def test_tab_separated_export_named_md_is_read_as_text(tmp_path):
    f = tmp_path / "export.md"
    f.write_text("项目名称\t测试项目\n年度资金总额\t5.6\t5.6\n", encoding="utf-8")
    assert [b.rows for b in read_markdown(f).tables()] == [[["项目名称", "测试项目"], ["年度资金总额", "5.6", "5.6"]]]


# ---------------------------------------------------------------- fixtures against their truth

STYLES = ["pandoc_pipe", "pandoc_grid", "docling", "pymupdf4llm", "markitdown", "dropped", "mineru", "pipe_text"]


@pytest.fixture(scope="module")
def md_tables(tmp_path_factory):
    """The Markdown fixtures ingested once, with .txt read by read_text_or_markdown (as the registry will)."""
    import evalkit.readers
    from evalkit.ingest import ingest_paths
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(evalkit.readers.READERS, "txt", "evalkit.readers.markdown:read_text_or_markdown")
        return ingest_paths([MD], tmp_path_factory.mktemp("md") / "clean", keep_format_copies=True, checks=False)


def mtruth(name):
    return pd.read_csv(MD / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("style", STYLES)
def test_each_converter_style_recovers_its_truth(md_tables, style):
    stem = f"md_{style}."
    rep = md_tables["reports"]
    assert (rep[rep["source_file"].str.startswith(stem)]["status"] == "ok").all()
    got_p = md_tables["projects"][md_tables["projects"]["source_file"].str.startswith(stem)]
    want_p = mtruth("projects")[mtruth("projects")["seed"].str.startswith(stem)]
    assert len(got_p) == len(want_p) > 0
    for _, t in want_p.iterrows():
        g = got_p[got_p["project_name"] == t["project_name"]].iloc[0]
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    got_i = md_tables["indicators"][md_tables["indicators"]["source_file"].str.startswith(stem)]
    want_i = mtruth("indicators")[mtruth("indicators")["seed"].str.startswith(stem)]
    assert list(got_i["level3"]) == list(want_i["level3"])
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]


def test_markdown_txt_fixture_is_markdown_and_read_as_such():
    f = MD / "md_pipe_text.txt"
    assert looks_like_markdown(f.read_text(encoding="utf-8"))
    doc = read_text_or_markdown(f)
    assert doc.format == "md" and len(recognize(doc).projects) == 2
    assert not recognize(read_text(f)).projects           # what the plain-text reader makes of it


def test_fixture_styles_hold_what_they_claim():
    text = {s: next(MD.glob(f"md_{s}.*")).read_text(encoding="utf-8") for s in STYLES}
    assert "| 绩效指标        | 产出指标" in text["docling"]          # merged cells repeated
    assert "||年度资金总额|" in text["pymupdf4llm"] and "<br>" in text["pymupdf4llm"]
    assert "\n| 产出指标 |" in text["markitdown"] and "| 总分 |  |" in text["markitdown"]   # rowspans dropped
    assert "\n| 产出指标 |" in text["dropped"] and "| 总分 | 100 |" in text["dropped"]       # colspans too
    assert "<table>" in text["mineru"] and 'rowspan="' in text["mineru"]
    assert "+===" in text["pandoc_grid"] and "|           +---" in text["pandoc_grid"]
    assert "\n|年度资金总额|" in text["pipe_text"]


# ---------------------------------------------------------------- plain-text seeds unchanged

@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_text_exports_are_not_markdown_and_read_as_before(seed):
    text, _ = decode(seed.read_bytes())
    assert not looks_like_markdown(text)
    assert read_text_or_markdown(seed) == read_text(seed)


def test_txt_errors_are_the_text_readers(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError) as a:
        read_text(empty)
    with pytest.raises(ReadError) as b:
        read_text_or_markdown(empty)
    assert str(a.value) == str(b.value)


# ---------------------------------------------------------------- errors and hostile input

def test_read_errors_are_chinese(tmp_path):
    cases = {"empty.md": b"", "blank.md": b"  \n\n", "pdf.md": b"%PDF-1.7\n" + bytes(range(256)) * 4}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "dir.md").mkdir()
    for name in [*cases, "dir.md"]:
        with pytest.raises(ReadError) as e:
            read_markdown(tmp_path / name)
        assert CJK.search(str(e.value)) and ".txt" not in str(e.value), (name, str(e.value))


def test_100000_columns_refused_before_splitting(tmp_path, limits):
    f = tmp_path / "wide.md"
    f.write_text("|" + "a|" * 100_000 + "\n|" + "-|" * 100_000 + "\n", encoding="utf-8")
    t = time.monotonic()
    for reader in (read_markdown, read_text_or_markdown):
        with pytest.raises(LimitExceeded, match="列.*超过上限"):
            reader(f)
    assert time.monotonic() - t < 10


@pytest.mark.parametrize("text", [
    "+" + "---+" * 600 + "\n|" + "   |" * 600 + "\n+" + "---+" * 600 + "\n",        # grid table
    "<table><tr>" + "<td>x</td>" * 600 + "</tr></table>\n",                          # HTML table
    "<table><tr><td colspan='400'>x</td><td colspan='400'>y</td></tr></table>\n",    # HTML spans
], ids=["grid", "html", "html-spans"])
def test_too_many_columns_in_grid_and_html_tables(text):
    with pytest.raises(LimitExceeded, match="列"):
        parse_markdown(text)


def test_cell_and_row_limits(limits):
    table = "\n".join("|" + "x|" * 20 for _ in range(20))
    limits(max_cells=100)
    with pytest.raises(LimitExceeded, match="单元格"):
        parse_markdown(table)
    limits(max_cells=10_000, max_rows=10)
    with pytest.raises(LimitExceeded, match="行"):
        parse_markdown(table)


@pytest.mark.parametrize("line", [
    "[" * 20_000_000,                                  # link openings: each scan stops at the next
    "<a " * 6_500_000,                                 # tag openings
    ("x" * 40_000 + "|") * 499,                        # 499 pipes, 20 MB of cell text
    "+" + "-" * 6_500_000 + "+\n|" + "x" * 6_500_000 + "|\n+" + "-" * 6_500_000 + "+",
], ids=["brackets", "tags", "wide-cells", "grid-border"])
def test_huge_lines_stay_bounded(tmp_path, line):
    f = tmp_path / "line.md"
    f.write_text(line + "\n", encoding="utf-8")
    t = time.monotonic()
    read_markdown(f)
    assert time.monotonic() - t < 30


def test_over_the_text_size_limit_is_refused(tmp_path, limits):
    f = tmp_path / "big.md"
    f.write_bytes(b"a" * 2048)
    limits(max_text_bytes=1024)
    for reader in (read_markdown, read_text_or_markdown):
        with pytest.raises(LimitExceeded, match="超过上限"):
            reader(f)
