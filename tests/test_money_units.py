"""Amounts stated in 元 (or 千元, 亿元) are read as the contract's 万元: the unit in a budget header or label cell,
or in a note above or inside the table; what the document said is kept in projects.amount_unit."""
from pathlib import Path

import pandas as pd
import pytest

from evalkit.ingest import ingest_paths
from evalkit.recognize import budget

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT / "data" / "raw").glob("002_*.txt"))      # a budget block headed 资金情况(万元), 36 and 36
TEXT = SEED.read_text(encoding="utf-8")


def in_yuan(text: str, header: str = "资金情况(元)", note: str | None = None) -> str:
    """The seed with its budget block in 元: the header cell's unit, the 年度资金总额 and 本年财政拨款 rows' amounts."""
    lines = text.split("\n")
    head = lines.index("\t资金情况(万元)")
    lines[head] = f"\t{header}"
    for label in ("\t年度资金总额：", "\t其中：本年财政拨款"):
        at = lines.index(label, head)
        assert lines[at + 1] == lines[at + 2] == "\t36"
        lines[at + 1] = lines[at + 2] = "\t360000"
    if note is not None:                             # a row of its own above the header
        lines[head:head] = [f"\t{note}", "\t"]
    return "\n".join(lines)


def project(tmp_path, text: str) -> dict:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text(text, encoding="utf-8")
    p = ingest_paths([tmp_path / "in"], out_dir=None, checks=True)["projects"]
    assert len(p) == 1
    return p.iloc[0].to_dict()


def test_the_seed_states_wanyuan_and_reads_as_before(tmp_path):
    p = project(tmp_path, TEXT)
    assert (p["budget_full_year"], p["executed"], p["amount_unit"]) == (36, 36, "万元")


@pytest.mark.parametrize("header, note", [
    ("资金情况(元)", None),                          # the unit in the block's header cell
    ("资金情况(单位：元)", None),
    ("资金情况", "单位：元"),                         # a note in the table, above the block
])
def test_amounts_in_yuan_are_read_as_wanyuan(tmp_path, header, note):
    p = project(tmp_path, in_yuan(TEXT, header, note))
    assert (p["budget_full_year"], p["executed"], p["execution_rate"]) == (36, 36, 100)
    assert p["amount_unit"] == "元"


def test_a_per_person_note_is_no_money_unit(tmp_path):
    p = project(tmp_path, in_yuan(TEXT, "资金情况", "单位：元/人"))
    assert p["budget_full_year"] == 360000 and pd.isna(p["amount_unit"])


@pytest.mark.parametrize("cell, unit", [("年初预算数（元）", "元"), ("全年预算(万元)", "万元"), ("资金（千元）", "千元"),
                                        ("执行率(%)", None), ("目标值（元/人）", None)])
def test_unit_in_a_cell(cell, unit):
    assert budget.unit_in_cell(cell) == unit


@pytest.mark.parametrize("value, unit, want", [(360000, "元", 36.0), (1234567.89, "元", 123.456789), (5, "亿元", 50000.0),
                                               (36, "万元", 36), (36, None, 36), (None, "元", None)])
def test_to_wanyuan_is_exact(value, unit, want):
    assert budget.to_wanyuan(value, unit) == want


def test_a_label_value_row_in_yuan(tmp_path):
    from evalkit.model import Document, Table
    from evalkit.recognize import recognize
    doc = Document("x.docx", "docx", [Table([["项目名称", "某项目"], ["年初预算（元）", "1200000", "全年预算数（元）", "1180000"],
                                             ["全年执行数（元）", "1000000", "执行率", "84.75%"]])])
    p = recognize(doc).projects[0]
    assert (p.budget_initial, p.budget_full_year, p.executed, p.execution_rate) == (120.0, 118.0, 100.0, 84.75)
    assert p.amount_unit == "元"


def test_a_note_above_a_table_holds_for_that_table_only():
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize
    def block(name, *amounts):
        return [["项目名称", name], ["", "年初预算数", "全年预算数", "全年执行数", "执行率"], ["合计", *amounts, "84.75%"]]
    first = block("甲项目", "1200000", "1180000", "1000000")
    second = block("乙项目", "1200", "1180", "1000")          # no note above it: 万元
    doc = Document("x.pdf", "pdf", [Paragraph("单位：元"), Table(first), Paragraph("说明"), Table(second)])
    a, b = recognize(doc).projects
    assert (a.budget_initial, a.budget_full_year, a.executed, a.amount_unit) == (120.0, 118.0, 100.0, "元")
    assert (b.budget_initial, b.budget_full_year, b.executed, b.amount_unit) == (1200, 1180, 1000, None)


@pytest.mark.parametrize("label, note", [("资金总量（元）", None), ("资金总量", "单位：元"), ("资金总量（万元）", "单位：元")])
def test_a_summary_tables_funds_in_yuan(label, note):
    from evalkit.model import Document, Paragraph, Table
    from evalkit.recognize import recognize
    rows = [["统计内容", "应评价数", "已评价数"], ["项目数量（个）", "23", "23"]]
    funds = ["5686400", "5686400"] if "万元" not in label else ["568.64", "568.64"]
    blocks = ([Paragraph(note)] if note else []) + [Table(rows + [[label, *funds]])]
    s = recognize(Document("x.pdf", "pdf", blocks)).summaries[0]
    assert (s["projects_evaluated"], s["funds_due"], s["funds_evaluated"]) == (23, 568.64, 568.64)


def _ingest(tmp_path, text: str) -> dict:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "r.txt").write_text(text, encoding="utf-8")
    return ingest_paths([tmp_path / "in"], out_dir=None, checks=True)


def _doubtful(tables) -> pd.DataFrame:
    f = tables["findings"]
    return f.loc[f["rule"] == "amount_unit_doubtful"]


def test_amounts_in_yuan_without_a_stated_unit_are_pointed_out(tmp_path):
    """元 stated nowhere: read as 万元 the budget is 36 亿元; a warning says so and what it would be in 元."""
    t = _ingest(tmp_path, in_yuan(TEXT, "资金情况"))
    p = t["projects"].iloc[0]
    assert p["budget_full_year"] == 360000 and pd.isna(p["amount_unit"])
    f = _doubtful(t)
    assert len(f) == 1 and f.iloc[0]["severity"] == "warning" and f.iloc[0]["project_id"] == p["project_id"]
    assert "全年预算360000万元（36.00亿元）" in f.iloc[0]["message"] and "应为36.0000万元" in f.iloc[0]["message"]
    assert f.iloc[0]["found"] == "360000万元（未写明单位）"
    led = t["ledger"].set_index("rule")
    assert led.at["amount_unit_doubtful", "status"] == "未通过"


@pytest.mark.parametrize("header", ["资金情况(元)", "资金情况(万元)"])
def test_a_stated_unit_raises_no_doubt(tmp_path, header):
    """Converted from 元, or stated 万元 however large: the document said its unit, so no warning."""
    t = _ingest(tmp_path, in_yuan(TEXT, header))
    assert t["projects"].iloc[0]["amount_unit"] in ("元", "万元") and _doubtful(t).empty
    assert t["ledger"].set_index("rule").at["amount_unit_doubtful", "status"] == "通过"    # checked, not skipped


def test_the_threshold_is_configurable(tmp_path):
    from evalkit.checks import load_config, run_checks
    t = _ingest(tmp_path, in_yuan(TEXT, "资金情况"))
    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text("[plausibility]\nunstated_unit_max_amount = 1000000\n", encoding="utf-8")
    f = run_checks(t, load_config(cfg_file))
    assert not (f["rule"] == "amount_unit_doubtful").any()


# 003's 医疗保障服务经费 (全年预算 88 万元): its 费用总成本 line, ≤88 万元 and 65.22 万元 with the full 10 points
SEED_003 = next((ROOT / "data" / "raw").glob("003_*.txt"))
COST_LINE = "\t成本指标\t指标 1: 费用总 成本\t≤88 万元\t65.22 万元\t10\t10\t\t"


def cost_findings(tmp_path, target: str, actual: str) -> list[str]:
    """The rules that flag that project once its cost line states `target` and `actual`."""
    text = SEED_003.read_text(encoding="utf-8")
    assert text.count(COST_LINE) == 1
    (tmp_path / "in").mkdir(parents=True)
    (tmp_path / "in" / "r.txt").write_text(text.replace(COST_LINE, f"\t成本指标\t指标 1: 费用总 成本\t{target}\t{actual}\t10\t10\t\t"),
                                           encoding="utf-8")
    t = ingest_paths([tmp_path / "in"], out_dir=None, checks=True)
    ind = t["indicators"]
    pid = ind.loc[ind["level3"].astype(str).str.contains("费用总"), "project_id"].iloc[0]
    return sorted(t["findings"].loc[t["findings"]["project_id"] == pid, "rule"])


@pytest.mark.parametrize("target, actual", [("≤880 千元", "652.2 千元"), ("≤0.88 百万元", "652200 元"), ("≤880000 元", "652.2 千元")])
def test_a_cost_line_in_other_money_units_is_checked_as_in_wanyuan(tmp_path, target, actual):
    """The checks convert every money unit the readers know (one table): 88 万元 in 千元, 百万元 or 元 raise nothing
    the 万元 line does not."""
    assert cost_findings(tmp_path, target, actual) == cost_findings(tmp_path / "wan", "≤88 万元", "65.22 万元")


@pytest.mark.parametrize("target, actual", [("≤88000 千元", "652.2 千元"), ("≤88 百万元", "65.22 万元")])
def test_a_cost_target_in_qianyuan_or_baiwanyuan_above_the_budget_is_flagged(tmp_path, target, actual):
    assert "cost_above_budget" in cost_findings(tmp_path, target, actual)


@pytest.mark.parametrize("target, actual", [("≤880 千元", "950000 元"), ("≤0.88 百万元", "950 千元")])
def test_an_actual_in_another_money_unit_is_compared_with_its_target(tmp_path, target, actual):
    """95 万元 spent against a ceiling of 88 万元, with the full 10 points: unmet, in whatever money units."""
    assert "indicator_full_score_unmet" in cost_findings(tmp_path, target, actual)


@pytest.mark.parametrize("unit, scale", [("元", 1), ("千元", 1000), ("万元", 10000), ("百万元", 10**6), ("亿元", 10**8), ("万人", 10000)])
def test_unit_key_scales_money_by_the_readers_table(unit, scale):
    from decimal import Decimal

    from evalkit.checks.numbers import unit_key
    assert unit_key(unit, {}) == (unit[-1] if unit != "万人" else "人", Decimal(scale))
