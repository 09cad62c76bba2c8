"""The rows under a budget total that break it down (其中：本年财政拨款 | 上年结转资金 | 其他资金): read with their kind
and amounts, summed into parts_* columns, and checked against the total (budget_parts_mismatch, budget_total_missing)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from evalkit.checks import load_config, run_checks
from evalkit.cli import main
from evalkit.model import Document, Paragraph, Table
from evalkit.recognize import Kind, recognize
from evalkit.recognize import budget
from evalkit.recognize import vocabulary as V

HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]

# A published 项目支出绩效自评表 (池州市贵池区棠溪镇人民政府, 2022年度) as its DOCX reads, cell by cell: the total row
# was left at 0 while the 其中：本年财政拨款 row states the money; its indicator lines add up to 90.
GUICHI = """附件：
项目支出绩效自评表
（2022年度）
项目名称\t委托业务项目
主管部门\t219-池州市贵池区棠溪镇人民政府\t实施单位\t219001-池州市贵池区棠溪镇人民政府
项目资金（万元）\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率\t得分
\t年度资金总额：\t0\t0\t0\t10\t0\t0
\t其中：本年财政拨款\t90\t89.974\t89.974
\t上年结转资金
\t其他资金
年度总体目标\t预期目标\t实际完成情况
\t本项目共申请预算资金90万元。\t本项目共完成预算资金89.97万元。
绩效指标\t一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施
\t产出指标（50分）\t数量指标\t基建工程委托业务项目数量\t≥50个\t50\t8\t8
\t\t质量指标\t委托业务报告合格率\t≥100百分比\t100\t8\t8
\t\t\t经费支出合规性\t严格执行相关制度规定\t达成预期指标\t8\t8
\t\t时效指标\t提交报告及时性\t在项目计划完成时间内完成\t达成预期指标\t8\t8
\t\t成本指标\t项目总成本\t≤90万元\t90\t8\t8
\t\t\t单项业务成本\t符合相关规定\t达成预期指标\t10\t10
\t效益指标（30分）\t社会效益指标\t对维护基建市场公平的影响程度\t效果明显\t达成预期指标\t10\t10
\t\t生态效益指标\t对控制基建项目成本影响程度\t效果明显\t达成预期指标\t10\t10
\t\t可持续影响指标\t对推动基建项目“四项制度”健全和落实的持续性影响\t效果明显\t达成预期指标\t10\t10
\t满意度指标（10分）\t满意度指标\t公众满意度\t≥95%\t98%\t10\t10
总分\t\t\t\t100\t90
"""


@pytest.mark.parametrize("label, kind", [
    ("其中：本年财政拨款", "fiscal"), ("其中:当年财政拨款", "fiscal"), ("财政资金", "fiscal"), ("上年结转资金", "carryover"),
    ("结转结余", "carryover"), ("其他资金(万元)", "other"), ("其它", "other"), ("财政专户管理资金", "special_account"),
    ("单位资金", "unit"), ("其中：中央财政资金", "level"), ("省级资金", "level"), ("一般公共预算", "fund"),
])
def test_part_labels_name_their_kind(label, kind):
    assert V.budget_part(label)[0] == kind


@pytest.mark.parametrize("label", ["年度资金总额", "合计", "项目资金", "其中", "财政", "其他指标"])
def test_other_labels_are_no_part(label):
    assert V.budget_part(label) is None


def test_a_part_row_stands_as_its_total_does():
    """The header has two label columns (项目资金 | blank), the rows one: the total, every column filled, is read in
    order; the part under it, its 分值 and 得分 cells a dash, is read where the total's figures stood, not one
    column off (全年预算 = 5.18, no 执行数)."""
    cols = budget.read_header(HEADER)
    total = ["年度资金总额", "5.6", "5.6", "5.18", "10", "92.5%", "9.25", ""]
    part = ["其中：当年财政拨款", "5.6", "5.6", "5.18", "—", "", "—", ""]
    at = budget.total_shift(total, cols)
    assert at == (0, -1)
    kind, label, got = budget.read_part(part, cols, at)
    assert (kind, label) == ("fiscal", "其中：当年财政拨款")
    assert {k: v for k, (v, _) in got.items()} == {"budget_initial": 5.6, "budget_full_year": 5.6, "executed": 5.18}
    assert budget.read_part(["", "年度资金总额", "1", "1", "1"], cols) is None


def test_parts_add_up_without_counting_a_part_of_a_part_twice():
    f = {"budget_full_year": 80.0, "executed": 70.0}
    assert budget.part_sums([("fiscal", "财政拨款", f), ("carryover", "上年结转资金", {"budget_full_year": 20.0}),
                             ("other", "其他资金", {})]) == {"budget_full_year": 100.0, "executed": 70.0}
    # 中央资金 and 省级资金 break 财政拨款 down: beside it they are not added again; alone they are the fiscal money
    assert budget.part_sums([("fiscal", "财政拨款", f), ("level", "中央资金", {"budget_full_year": 50.0}),
                             ("level", "省级资金", {"budget_full_year": 30.0})]) == {"budget_full_year": 80.0, "executed": 70.0}
    assert budget.part_sums([("level", "中央资金", {"budget_full_year": 50.0}),
                             ("level", "省级资金", {"budget_full_year": 30.1})]) == {"budget_full_year": 80.1}
    # rows that do not say how they add up: no sum
    assert budget.part_sums([("fiscal", "财政拨款", f), ("fiscal", "财政资金", f)]) is None
    assert budget.part_sums([("level", "中央资金", f), ("fund", "一般公共预算", f)]) is None


def _doc(rows: list[list[str]]) -> Document:
    return Document(source="x.docx", format="docx", blocks=[Table([["项目名称", "测试项目"], HEADER] + rows)]).number_tables()


def test_the_walker_reads_the_parts_under_the_total_and_records_each_row():
    ex = recognize(_doc([["", "年度资金总额", "100", "100", "90", "10", "90%", "9"],
                         ["", "其中：财政拨款", "80", "80", "72", "—", "", "—"],
                         ["", "上年结转资金", "20", "20", "18", "—", "", "—"],
                         ["", "其他资金", "", "", "", "—", "", "—"],
                         ["年度总体目标", "完成"]]))
    (p,) = ex.projects
    assert p.budget_full_year == 100.0 and p.executed == 90.0
    assert [(k, lab, fig) for k, lab, fig in p.budget_parts] == [
        ("fiscal", "其中：财政拨款", {"budget_initial": 80.0, "budget_full_year": 80.0, "executed": 72.0}),
        ("carryover", "上年结转资金", {"budget_initial": 20.0, "budget_full_year": 20.0, "executed": 18.0}),
        ("other", "其他资金", {})]
    kinds = [d.kind for d in ex.decisions]
    assert kinds.count(Kind.BUDGET_PART) == 3
    assert kinds[kinds.index(Kind.BUDGET_PART) + 3] is not Kind.BUDGET_PART     # 年度总体目标 ends the block


def test_a_budget_block_restated_brings_its_own_parts():
    """The same budget block in the report and in its 附件: the parts are the last block's, not twice each."""
    block = [HEADER, ["", "年度资金总额", "100", "100", "90", "10", "90%", "9"],
             ["", "其中：财政拨款", "100", "100", "90", "—", "", "—"]]
    doc = Document(source="x.docx", format="docx",
                   blocks=[Table([["项目名称", "测试项目"]] + block), Table(block)]).number_tables()
    (p,) = recognize(doc).projects
    assert [lab for _, lab, _ in p.budget_parts] == ["其中：财政拨款"]


@pytest.fixture(scope="module")
def guichi(tmp_path_factory):
    d = tmp_path_factory.mktemp("guichi")
    (d / "in").mkdir()
    (d / "in" / "贵池区棠溪镇2022年度项目支出绩效自评表.txt").write_text(GUICHI, encoding="utf-8")
    assert main(["ingest", str(d / "in"), "--out", str(d / "out"), "--quiet"]) == 0
    return {t: pd.read_parquet(d / "out" / f"{t}.parquet") for t in ("projects", "findings")}


def test_a_total_row_left_at_zero_is_kept_as_stated_and_its_parts_summed(guichi):
    (p,) = guichi["projects"].to_dict("records")
    assert (p["budget_initial"], p["budget_full_year"], p["executed"]) == (0.0, 0.0, 0.0)     # as the document states
    assert (p["parts_budget_initial"], p["parts_budget_full_year"], p["parts_executed"]) == (90.0, 89.974, 89.974)
    parts = json.loads(p["budget_parts"])
    assert [(x["label"], x["kind"]) for x in parts] == [("其中：本年财政拨款", "fiscal"), ("上年结转资金", "carryover"),
                                                        ("其他资金", "other")]


def test_a_total_row_left_at_zero_beside_its_parts_is_one_error_not_zero_spending(guichi):
    f = guichi["findings"]
    assert set(f["rule"]) == {"budget_parts_mismatch"}          # its lines add up to its 90: nothing else to say
    (r,) = f.to_dict("records")
    assert r["severity"] == "error"
    assert r["message"].startswith("年度资金总额填为0，而其中各项填有金额（年初预算数：本年财政拨款90万元，总额填0万元；")
    assert "总额行可能漏填" in r["message"]
    assert r["expected"] == "年初预算数90万元、全年预算数89.974万元、全年执行数89.974万元"
    assert r["location"] == "表1 第4行 全年预算列（文本第7行）"        # the total row, where the 0 stands


def test_the_briefing_counts_the_money_of_a_total_left_at_zero_from_its_parts(guichi):
    """The project view and the county sums take the parts' money where the total row states 0 (贵池: 89.974 万元
    budgeted and spent, not 0), the rate too; the stated 0 stays in executed_stated, the sources say parts."""
    from evalkit.report.aggregates import county_summary
    from evalkit.report.views import Views
    prj = guichi["projects"]
    vw = Views({"projects": prj, "findings": guichi["findings"]})
    (r,) = vw.projects.to_dict("records")
    assert (r["budget"], r["executed"], r["executed_stated"]) == (89.974, 89.974, 0.0)
    assert (r["budget_source"], r["executed_source"], r["rate_source"], r["rate"]) == (
        "parts", "parts", "parts_calc", 100.0)
    cs = county_summary(vw)
    assert (cs["budget"].sum(), cs["executed"].sum()) == (89.974, 89.974)


def _checked(**kw) -> pd.DataFrame:
    base = dict(project_id="R1-p01", report_id="R1", source_file="r1.txt", county="某县", province="某省",
                project_name="测试项目", budget_initial=100.0, budget_full_year=100.0, executed=90.0,
                execution_rate=90.0, total_score=None)
    base.update(kw)
    t = {"reports": pd.DataFrame([{"report_id": "R1", "source_file": "r1.txt", "province": "某省"}]),
         "projects": pd.DataFrame([base]), "indicators": pd.DataFrame(), "summaries": pd.DataFrame()}
    f = run_checks(t, load_config())
    return f[f["rule"].str.startswith("budget_parts") | (f["rule"] == "budget_total_missing")]


def _parts(*rows) -> str:
    return json.dumps([{"label": lab, "kind": kind, **fig} for lab, kind, fig in rows], ensure_ascii=False)


def test_parts_above_the_total_are_an_error():
    f = _checked(parts_budget_full_year=120.0, budget_parts=_parts(("其中：财政拨款", "fiscal", {"budget_full_year": 120.0})))
    assert list(f["rule"]) == ["budget_parts_mismatch"]
    assert "全年预算数：财政拨款120万元，总额填100万元" in f.iloc[0]["message"]


def test_parts_below_the_total_are_an_error_only_when_a_catch_all_row_makes_them_complete():
    """其中：财政拨款 80 of 100 alone says only part of the money; with 其他资金 listed the 20 are unaccounted for."""
    alone = _parts(("其中：财政拨款", "fiscal", {"budget_full_year": 80.0}))
    assert _checked(parts_budget_full_year=80.0, budget_parts=alone).empty
    complete = _parts(("其中：财政拨款", "fiscal", {"budget_full_year": 80.0}), ("其他资金", "other", {}))
    f = _checked(parts_budget_full_year=80.0, budget_parts=complete)
    assert list(f["rule"]) == ["budget_parts_mismatch"] and f.iloc[0]["found"] == "全年预算数100万元"
    # within the tolerance (0.01 万元): the same
    assert _checked(parts_budget_full_year=100.005, budget_parts=complete).empty


def test_parts_stating_an_amount_the_total_leaves_empty_are_a_warning():
    f = _checked(executed=None, execution_rate=None, parts_executed=88.5,
                 budget_parts=_parts(("其中：财政拨款", "fiscal", {"executed": 80.0}), ("上年结转资金", "carryover", {"executed": 8.5})))
    assert list(f["rule"]) == ["budget_total_missing"] and f.iloc[0]["severity"] == "warning"
    assert "全年执行数：财政拨款80万元、上年结转资金8.5万元，合计88.5万元" in f.iloc[0]["message"]


def test_a_whole_department_forms_breakdown_by_income_is_read_under_its_title():
    """A 部门整体支出绩效自评表 titles its breakdown (按收入性质分： | … | 按支出性质分：) and puts the two side by side:
    the title row does not end the parts, the income parts (一般公共预算 1,150 + 政府性基金预算 200) add up to the total,
    the 基本支出 | 项目支出 cells beside them are not taken as a part's figures."""
    rows = [["部门（单位）名称", "某县财政局"], HEADER,
            ["", "年度资金总额", "1200", "1350", "1300", "10", "96.30%", "9.63"],
            ["", "按收入性质分：", "", "", "", "按支出性质分：", "", ""],
            ["", "其中：一般公共预算", "1000", "1150", "1110", "其中：基本支出", "800", "790"],
            ["", "政府性基金预算", "200", "200", "190", "项目支出", "550", "510"],
            ["", "单位资金", "", "", "", "", "", ""],
            ["年度绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
            ["", "产出指标", "数量指标", "预算编制单位数", "≥50个", "52个", "90", "88"], ["总分", "", "", "", "", "", "100", "97.63"]]
    doc = Document(source="x", format="docx", blocks=[Paragraph("部门整体支出绩效自评表"), Table(rows)]).number_tables()
    ex = recognize(doc)
    (p,) = ex.projects
    assert [(lab, fig) for _, lab, fig in p.budget_parts] == [
        ("其中：一般公共预算", {"budget_initial": 1000.0, "budget_full_year": 1150.0, "executed": 1110.0}),
        ("政府性基金预算", {"budget_initial": 200.0, "budget_full_year": 200.0, "executed": 190.0}), ("单位资金", {})]
    assert budget.part_sums(p.budget_parts) == {"budget_initial": 1200.0, "budget_full_year": 1350.0,
                                                "executed": 1300.0}
    assert "分项的标题" in next(d for d in ex.decisions if d.cells[1:2] == ["按收入性质分："]).why
