"""dept_summary on the three real 部门决算 PDFs (figures from ../shared/truth/reports.csv)."""
from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.recognize.statements import dept_summary as extract_dept_summary
from evalkit.model import Document, Paragraph
from evalkit.readers import read

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

# file: (agency, projects_evaluated, funds_evaluated, avg_score, 优, 良, 合格, 不合格)
TRUTH = {
    "01_putuo_guihua_ziranziyuan_2024_juesuan.pdf": ("上海市普陀区规划和自然资源局", 39, 4415.48, 99.33, 39, 0, 0, 0),
    "02_putuo_shehuigongzuobu_2024_juesuan.pdf": ("中共上海市普陀区委社会工作部", 1, 175.52, 100.00, 1, 0, 0, 0),
    "03_putuo_caizhengju_2024_juesuan.pdf": ("上海市普陀区财政局", 4, 598.42, 99.43, 4, 0, 0, 0),
}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_real_department_reports(name):
    got = extract_dept_summary(read(RAW / name))
    agency, n, funds, avg, you, liang, zhong, cha = TRUTH[name]
    assert got == {
        "agency": agency, "fiscal_year": 2024, "projects_due": None, "funds_due": None,
        "projects_evaluated": n, "funds_evaluated": pytest.approx(funds), "avg_score": pytest.approx(avg),
        "count_you": you, "count_liang": liang, "count_zhong": zhong, "count_cha": cha,
    }


def _doc(*lines):
    return Document("x.pdf", "pdf", [Paragraph(line) for line in lines])


def test_figures_on_the_line_after_their_labels():
    doc = _doc("第一部分 某某区卫生健康委员会概况",
               "全过程绩效管理实施情况：编报绩效目标的 年度项目 个，涉及预算金额",
               "2023 12",
               "万元；绩效自评",
               "1,200.50",
               "的 年度项目 个，涉及预算金额 万元，平均得分 分（其中，绩效评级为",
               "2023 12 1,200.50 91.5",
               "优 的项目 个；绩效评级为 良 的项目 个；绩效评级为 合格 的项目 个；绩效评级",
               "“ ” 9 “ ” 2 “ ” 1",
               "为 不合格 的项目 个。",
               "“ ” 0")
    got = extract_dept_summary(doc)
    assert got["agency"] == "某某区卫生健康委员会"
    assert (got["fiscal_year"], got["projects_evaluated"], got["funds_evaluated"], got["avg_score"]) == (2023, 12, 1200.5, 91.5)
    assert (got["count_you"], got["count_liang"], got["count_zhong"], got["count_cha"]) == (9, 2, 1, 0)


def test_no_statement_gives_none():
    assert extract_dept_summary(_doc("某某局2024年度部门决算", "一、收入支出决算总体情况说明")) is None


def test_real_text_layer_with_figures_after_labels():
    """03's text layer read with pdfplumber's default 3 pt line tolerance: figures trail their labels."""
    import pdfplumber

    name = "03_putuo_caizhengju_2024_juesuan.pdf"
    with pdfplumber.open(RAW / name) as pdf:
        lines = [line for page in pdf.pages for line in (page.extract_text() or "").split("\n")]
    assert "2024 4 598.42 99.43" in lines                      # the layout this test is about
    got = extract_dept_summary(_doc(*lines))
    agency, n, funds, avg, you, liang, zhong, cha = TRUTH[name]
    assert (got["agency"], got["fiscal_year"], got["projects_evaluated"], got["funds_evaluated"],
            got["avg_score"]) == (agency, 2024, n, funds, avg)
    assert (got["count_you"], got["count_liang"], got["count_zhong"], got["count_cha"]) == (you, liang, zhong, cha)


def test_same_line_variant_wording():
    doc = _doc("某某县教育局2023年度部门决算",
               "开展绩效自评的项目15个，涉及预算金额320.5万元，平均分88.2分，其中评价等级为优秀的项目6个，"
               "为良好的项目7个，为合格的项目2个，为不合格的项目0个。")
    got = extract_dept_summary(doc)
    assert got["agency"] == "某某县教育局" and got["fiscal_year"] == 2023
    assert (got["projects_evaluated"], got["funds_evaluated"], got["avg_score"]) == (15, 320.5, 88.2)
    assert (got["count_you"], got["count_liang"], got["count_zhong"], got["count_cha"]) == (6, 7, 2, 0)


def test_figure_wrapped_away_from_its_unit():
    doc = _doc("第一部分 某某区民政局概况",
               "编报绩效目标的2024年度项目6个，涉及预算金额812.3",   # 812.3 | 万元 split by the wrap
               "万元；绩效自评的2024年度项目6个，涉及预算金额812.3万元，平均得分96.5分（其中，绩效评级为",
               "“优”的项目5个；绩效评级为“良”的项目1个；绩效评级为“合格”的项目0个；绩效评级为“不合格”的项目0个。")
    got = extract_dept_summary(doc)
    assert (got["fiscal_year"], got["projects_evaluated"], got["funds_evaluated"], got["avg_score"]) == (2024, 6, 812.3, 96.5)
    assert (got["count_you"], got["count_liang"], got["count_zhong"], got["count_cha"]) == (5, 1, 0, 0)


def test_a_department_whose_place_name_holds_a_count_word():
    """个旧市 opens the sentence with 个, the word a count's figure is paired with: it is part of a name, no count."""
    text = ("个旧市财政局2024年度预算绩效管理工作开展情况如下：编报绩效目标的2024年度项目26个，涉及预算金额152.17万元；"
            "绩效自评的2024年度项目26个，涉及预算金额152.17万元，平均得分96.32分（其中，绩效评级为“优”的项目24个；"
            "绩效评级为“良”的项目1个；绩效评级为“合格”的项目1个；绩效评级为“不合格”的项目0个。）")
    got = extract_dept_summary(_doc(text))
    assert got is not None
    assert (got["projects_evaluated"], got["funds_evaluated"], got["avg_score"]) == (26, 152.17, 96.32)
    assert (got["count_you"], got["count_liang"], got["count_zhong"], got["count_cha"]) == (24, 1, 1, 0)


@pytest.mark.parametrize("year", ["2023", "二〇二三", "二O二三", "二○二三"])
def test_a_cover_dating_its_year_in_chinese_gives_the_department_and_the_year(year):
    """A 部门决算's cover `上海市普陀区民政局 二〇二三年度部门决算`: before, the department was named
    `上海市普陀区民政局二〇二三` and the year was not read from the title."""
    from evalkit.recognize import statements
    lines = ["上海市普陀区民政局", f"{year}年度部门决算", "目录"]
    assert statements.dept_agency(lines) == "上海市普陀区民政局"
    assert statements._title_year([f"上海市普陀区民政局{year}年度部门决算"]) == 2023
