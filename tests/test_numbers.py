"""What a reader sees in numbers and on the terminal: one format rule per unit with "—" for missing,
Chinese tables, the ledger aligned by display width, and the CLI's help and version in Chinese."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evalkit import cli, terminal
from evalkit.checks import format_summary
from evalkit.report import numbers
from evalkit.report.text import county_summary_zh, display_table, headline_text
from evalkit.textwidth import width


@pytest.mark.parametrize("value, unit, shown", [
    (5924.6, "万元", "5,924.60"), (0.5, "万元", "0.50"), (87.9421, "%", "87.9"), (1234.5, "%", "1234.5"),
    (93.25, "分", "93.25"), (100, "分", "100.00"), (1204, "个", "1,204"), (3.0, "个", "3"),
    (None, "万元", "—"), (math.nan, "%", "—"), (pd.NA, "分", "—"), (np.float64("nan"), "个", "—"),
    (math.inf, "万元", "—"), ("优", None, "优"),
])
def test_one_rule_per_unit(value, unit, shown):
    assert numbers.fmt(value, unit) == shown


def test_unit_suffix_and_excel_formats_follow_the_same_decimals():
    assert numbers.fmt(87.94, "%", suffix=True) == "87.9%" and numbers.fmt(8, "万元", suffix=True) == "8.00万元"
    assert numbers.excel_format("分") == "0.00" and numbers.excel_format("%") == '0.0"%"'
    assert numbers.excel_format("万元") == "#,##0.00" and numbers.excel_format(None) is None


def test_display_table_has_chinese_headers_values_and_no_nan():
    df = pd.DataFrame({"severity": ["error", "info"], "doc_kind": ["project_report", None],
                       "budget_full_year": [1234.5, np.nan], "total_score": [93.25, pd.NA]})
    out = display_table(df)
    assert list(out.columns) == ["严重程度", "文件类型", "全年预算（万元）", "填报总分"]
    assert out.values.tolist() == [["错误", "项目自评报告", "1,234.50", "93.25"], ["提示", "—", "—", "—"]]
    assert not out.isin(["nan", "NaN", "None", "<NA>"]).any().any()


def test_county_summary_shows_dash_for_unknown_budget(raw_tables):
    from evalkit.report import Views
    zh = county_summary_zh(Views(raw_tables).county_summary)
    assert zh.loc["普陀区", "预算（万元）"] == "—"                   # 决算 paragraphs only: unknown, not 0
    assert zh.loc["曲沃县", "平均得分"] == "93.25"                  # as printed, never 93.20
    assert not zh.isin(["nan", "NaN", "None", "<NA>"]).any().any()


def test_headline_text_formats_by_unit():
    h = {"n_reports": 2, "n_counties": 1, "n_projects": 2, "budget": 1234.5, "executed": None,
         "execution_rate": None, "median_rate": 87.94, "mean_score": 93.25,
         "grades": {"优": 2, "良": 0, "中": 0, "差": 0}, "n_findings": 0, "n_errors": 0}
    t = headline_text(h)
    assert "预算合计1,234.50万元，执行—万元" in t and "中位数87.9%" in t and "93.25分" in t


def test_ledger_columns_align_by_display_width():
    reports = pd.DataFrame({
        "source_file": ["普陀区规划和自然资源局2024年度部门决算.pdf", "a.txt", "很长很长很长很长很长很长很长很长很长很长很长的文件名.docx"],
        "format": ["pdf", "txt", "docx"], "status": ["ok", "failed", "partial"],
        "n_projects": [0, pd.NA, 3], "n_indicators": [12, pd.NA, 30], "error": [None, "无法读取", None]})
    lines = terminal.ledger_lines(reports)

    def cells(line: str) -> list[str]:      # the line cut at the columns' display positions
        out, col, pos = [], 0, 0
        for _, w, _ in terminal.LEDGER_COLUMNS:
            start = pos
            while col < w and pos < len(line):
                col += width(line[pos])
                pos += 1
            assert col == w, (line, w)                       # no column boundary inside a wide character
            out.append(line[start:pos].strip())
            col, pos = 0, pos + 1                            # the one space between columns
        return out

    assert cells(lines[0]) == ["文件", "格式", "状态", "项目数", "指标数"]
    assert cells(lines[1]) == ["普陀区规划和自然资源局2024年度部门决算.pdf", "pdf", "成功", "0", "12"]
    assert cells(lines[2]) == ["a.txt", "txt", "失败", "0", "0"] and lines[2].endswith("无法读取")
    assert cells(lines[3])[1:] == ["docx", "部分读取", "3", "30"]   # a long name is cut, not shifting the rest
    # cut in its middle: the start of the path and the end that tells a folder's files apart both stay
    assert cells(lines[3])[0].startswith("很长很长") and "…" in cells(lines[3])[0] and cells(lines[3])[0].endswith("长的文件名.docx")


def test_a_long_path_is_cut_in_its_middle_by_display_width():
    from evalkit.textwidth import middle
    path = "内蒙古自治区/乌兰察布市/兴和县/00146_2019年度兴和县文化广电和旅游局项目支出绩效自评表_扫描件.tif"
    shown = middle(path, 48)
    assert width(shown) <= 48 and width(shown) >= 47 and "…" in shown
    assert shown.startswith("内蒙古自治区") and shown.endswith("自评表_扫描件.tif")
    assert middle("a.txt", 48) == "a.txt" and middle("短路径/a.txt", 12) == "短路径/a.txt"
    assert middle("a\nb" * 30, 10).count("\n") == 0          # control characters shown escaped, never printed


def test_findings_summary_in_chinese():
    f = pd.DataFrame({"family": [1, 1, 3], "rule": ["execution_rate_mismatch", "execution_rate_mismatch", "x"],
                      "severity": ["error", "error", "warning"], "report_id": ["r1", "r2", "r1"]})
    s = format_summary(f)
    assert s.startswith("检查发现 3 条（错误 2，警告 1，提示 0），涉及 2 份报告")
    header, *rows = s.splitlines()[1:]
    assert all(width(r) == width(header) for r in rows), s


def test_cli_help_is_chinese_with_english_and_has_a_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("evalkit ")
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out = capsys.readouterr().out
    assert "用法 (usage)" in out and "选项 (options)" in out and "显示本帮助并退出 (show this help and exit)" in out
    assert "数据集文件夹 (dataset folder)" in out
    with pytest.raises(SystemExit) as e:
        cli.main(["report"])
    assert e.value.code == 2 and "缺少必需的参数：--clean" in capsys.readouterr().err
