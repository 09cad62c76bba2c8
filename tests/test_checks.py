"""Checks: every rule where it fires and where it must not, on hand-made tables and on the seeds."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pandas as pd
import pytest

from evalkit.errors import ConfigError

from evalkit.checks import (COLUMNS, RULES, add_calc_columns, format_summary, grade_from_score,
                            load_config, run_checks)
from evalkit.checks.numbers import achievement
from evalkit.normalize import parse_measure, parse_range

CFG = load_config()

# ----------------------------------------------------------------------------- builders


def proj(**kw) -> dict:
    """A consistent project: 100 万元 budget fully spent, budget line 10/10, total 100."""
    base = dict(project_id="R1-p01", report_id="R1", source_file="r1.txt", county="某县",
                province="某省", project_name="测试项目", budget_initial=100.0,
                budget_full_year=100.0, executed=100.0, execution_rate=100.0, budget_weight=10.0,
                budget_score=10.0, total_score=100.0, grade=None, grade_raw=None,
                has_deviation_column=True, max_score=None)
    base.update(kw)
    return base


def line(level3, target, actual, weight, score, level1="产出指标", level2="数量指标", pid="R1-p01", **kw) -> dict:
    top, tv, tu = parse_measure(target)
    aop, av, au = parse_measure(actual)
    row = dict(project_id=pid, source_file="r1.txt", county="某县", project_name="测试项目",
               level1=level1, level2=level2, level3=level3, target=target, actual=actual,
               target_op=top, target_value=tv, target_unit=tu, actual_op=aop, actual_value=av,
               actual_unit=au, weight=weight, score=score, deviation_reason=None)
    row.update(kw)
    return row


def standard_lines(pid="R1-p01") -> list[dict]:
    """产出 50 / 效益 30 / 满意度 10, all met and full: consistent with proj()."""
    return [
        line("宣传次数", "≥5次", "5次", 10, 10, pid=pid),
        line("宣传单", "≥2万张", "2万张", 10, 10, pid=pid),
        line("达标率", "≥98%", "98%", 10, 10, level2="质量指标", pid=pid),
        line("及时性", "≤12月", "12月", 10, 10, level2="时效指标", pid=pid),
        line("办公成本", "≤1万元", "1万元", 10, 10, level2="成本指标", pid=pid),
        line("知晓率", "≥90%", "95%", 15, 15, level1="效益指标", level2="社会效益指标", pid=pid),
        line("管理机制", "健全", "健全", 15, 15, level1="效益指标", level2="可持续影响指标", pid=pid),
        line("满意度", "≥90%", "95%", 10, 10, level1="满意度指标", level2="服务对象满意度指标", pid=pid),
    ]


def tables(projects=None, indicators=None, reports=None, summaries=None) -> dict[str, pd.DataFrame]:
    projects = projects if projects is not None else [proj()]
    if indicators is None:
        indicators = [l for p in projects for l in standard_lines(p["project_id"])]
    if reports is None:
        rids = dict.fromkeys(p["report_id"] for p in projects)
        reports = [dict(report_id=r, source_file=f"{r}.txt", county="某县", province="某省",
                        doc_kind="project_tables") for r in rids]
    return {"reports": pd.DataFrame(reports), "projects": pd.DataFrame(projects),
            "indicators": pd.DataFrame(indicators), "summaries": pd.DataFrame(summaries or [])}


def rules(t, cfg=CFG) -> list[str]:
    return sorted(run_checks(t, cfg)["rule"])


def only(t, rule, cfg=CFG) -> pd.DataFrame:
    f = run_checks(t, cfg)
    return f[f["rule"] == rule]


# ------------------------------------------------------------------------ config, grades


def test_config_defaults_and_profiles(tmp_path):
    assert CFG.dec("budget", "rate_tolerance") == Decimal("0.5")
    assert CFG.get("totals", "standard_weights") == {"预算执行率": 10, "产出": 50, "效益": 30, "满意度": 10}
    sh = CFG.for_province("上海市")
    assert [b.grade for b in sh.bands] == ["优", "良", "合格", "不合格"]
    assert CFG.for_province("河北省") is CFG                      # no profile: the defaults
    assert load_config(profile="上海市").bands[2].grade == "合格"  # forced profile
    with pytest.raises(ConfigError, match="可选：上海市"):
        load_config(profile="火星省")
    over = tmp_path / "my.toml"
    over.write_text('[budget]\nrate_tolerance = 2\n[profiles."某省".grades]\n'
                    'bands = [{min = 85, grade = "优"}, {min = 0, grade = "差"}]\n', encoding="utf-8")
    c = load_config(over)
    assert c.dec("budget", "rate_tolerance") == 2 and c.dec("budget", "score_tolerance") == Decimal("0.1")
    assert grade_from_score(86, c.for_province("某省").bands) == "优"


def test_severity_is_configurable(tmp_path):
    t = tables([proj(budget_initial=0, budget_full_year=12, executed=12, execution_rate=10)])
    over = tmp_path / "sev.toml"
    over.write_text('[severity]\nexecution_rate_mismatch = "warning"\n', encoding="utf-8")
    assert list(run_checks(t, load_config(over))["severity"]) == ["warning"]


def test_every_rule_has_a_family_severity_and_title():
    assert len(RULES) >= 30
    for r in RULES.values():
        assert r.family in range(1, 8) and r.severity in ("error", "warning", "info") and r.title


def test_every_rule_is_documented_with_its_family_and_severity():
    from pathlib import Path
    doc = (Path(__file__).resolve().parents[1] / "docs" / "checks.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULES.values() if f"| {r.family} | {r.id} | {r.severity} |" not in doc]
    assert missing == []
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"{len(RULES)} rules" in readme


@pytest.mark.parametrize("score,grade", [(100, "优"), (90, "优"), (89.99, "良"), (80, "良"),
                                         (79.999, "中"), (60, "中"), (59.9, "差"), (0, "差"),
                                         (None, None), (float("nan"), None), ("93.25", "优")])
def test_grade_from_score_default_bands(score, grade):
    assert grade_from_score(score) == grade
    assert grade_from_score(score, CFG.bands) == grade


def test_grade_from_score_other_scales():
    sh = load_config(profile="上海市").bands
    assert grade_from_score(70, sh) == "合格" and grade_from_score(59, sh) == "不合格"
    assert grade_from_score(75, [(80, "一等"), (70, "二等"), (60, "三等"), (0, "四等")]) == "二等"
    assert grade_from_score(0.1 + 0.2, [(0.3, "达标"), (0, "未达标")]) == "达标"  # exact decimals


@pytest.mark.parametrize("target,actual,ceiling,status", [
    ("≥95%", "95%", False, "met"), ("≥95%", "≥95%", False, "met"), ("≥95%", "90%", False, "unmet"),
    ("≥50万元", "大于50万元", False, "met"), ("≤10%", "≤10%", True, "met"), ("≤20%", "<20%", False, "met"),
    ("<1人", "0", False, "met"), ("≤5.6万元", "5.18", True, "met"), ("≤834元", "833.33", True, "met"),
    ("=1台", "100%", False, None), ("≥3次", "100%", False, None), ("2", "1万张", False, "unmet"),
    ("≤4950元", "0.5万元", True, "unmet"), ("≤4950元", "0.49万元", True, "met"), ("12月份", "12月", False, "met"),
    ("≥95%", "≤95%", False, None), ("及时", "100%", False, None), ("=7台", "8台", False, "met"),
])
def test_achievement(target, actual, ceiling, status):
    a = achievement(*parse_measure(target), *parse_measure(actual), ceiling=ceiling,
                    aliases=CFG.get("indicators", "unit_aliases"))
    assert a.status == status


@pytest.mark.parametrize("target,actual,ceiling,status,share", [
    ("90%-100%", "95%", False, "met", 1), ("90%-100%", "85%", False, "unmet", "0.9444"),
    ("10-15万元", "12万元", True, "met", 1), ("10-15万元", "20万元", True, "unmet", "0.75"),   # before: ≤10, unmet
    ("10至15万元", "150000元", True, "met", 1), ("3－5天", "6天", False, "unmet", "0.8333"),
])
def test_a_target_written_as_a_range_is_met_between_its_ends(target, actual, ceiling, status, share):
    """90%-100% and 10-15万元 (a cost line, read as a ceiling when unsigned: 10) are met anywhere between their ends;
    outside, the share of the end missed."""
    lo, hi, unit = parse_range(target)
    a = achievement("≥", lo, unit, *parse_measure(actual), ceiling=ceiling, target_max=hi,
                    aliases=CFG.get("indicators", "unit_aliases"))
    assert a.status == status
    assert round(a.share, 4) == Decimal(str(share))


# ------------------------------------------------------------------ a consistent report


def test_consistent_report_has_no_findings():
    t = tables([proj(grade="优", grade_raw="优秀")])
    assert run_checks(t).empty
    out = run_checks(t)
    assert list(out.columns[:9]) == COLUMNS[:9]


def test_empty_and_partial_tables_do_not_crash():
    assert run_checks({}).empty
    assert run_checks({"projects": pd.DataFrame([proj()])}).empty
    t = tables([proj(budget_full_year=None, executed=None, execution_rate=None, total_score=None)],
               indicators=[])
    assert run_checks(t).empty


# ------------------------------------------------------------------- family 1: budget


def test_execution_rate_mismatch_fires_on_stated_10_for_100_percent():
    f = only(tables([proj(budget_initial=0, budget_full_year=12, executed=12, execution_rate=10)]),
             "execution_rate_mismatch")
    assert len(f) == 1 and f.iloc[0]["expected"] == "100.00%" and f.iloc[0]["found"] == "10%"
    assert f.iloc[0]["severity"] == "error" and "执行率填报为10%" in f.iloc[0]["message"]


@pytest.mark.parametrize("ex,full,stated", [(5.18, 5.6, 0.925), (5.18, 5.6, 0.93), (5.18, 5.6, 0.9), (12, 12, 1)])
def test_a_rate_written_as_a_fraction_the_amounts_confirm_is_said_once_not_an_error(ex, full, stated):
    t = tables([proj(budget_initial=full, budget_full_year=full, executed=ex, execution_rate=stated,
                     execution_rate_line=round(stated * 100, 4), budget_score=None, budget_weight=None, total_score=None)])
    f = only(t, "execution_rate_as_fraction")
    assert len(f) == 1 and f.iloc[0]["severity"] == "info" and f.iloc[0]["found"] == f"{stated:g}"
    assert f"执行率填报为{stated:g}（小数）" in f.iloc[0]["message"]
    assert not {"execution_rate_mismatch", "execution_rate_conflict"} & set(rules(t))


@pytest.mark.parametrize("ex,full,stated", [(12, 12, 10), (7.2, 12, 1), (5.18, 5.6, 0.8), (0.05, 10, 0.5)])
def test_a_small_rate_the_amounts_do_not_confirm_as_a_fraction_is_read_as_stated(ex, full, stated):
    """10 for 100 %, 1 for 60 %, 0.8 for 92.5 %: mismatches; 0.5 for 0.5 %: right as a percent."""
    t = tables([proj(budget_initial=full, budget_full_year=full, executed=ex, execution_rate=stated,
                     budget_score=None, budget_weight=None, total_score=None)])
    assert "execution_rate_as_fraction" not in rules(t)
    assert ("execution_rate_mismatch" in rules(t)) == (stated != 0.5)


@pytest.mark.parametrize("ex,stated", [(7.58, 94.75), (1.995, 100), (12.54, 84), (11.98, 88)])
def test_execution_rate_within_tolerance_does_not_fire(ex, stated):
    b = {7.58: 8, 1.995: 2, 12.54: 15, 11.98: 13.6}[ex]
    t = tables([proj(budget_initial=b, budget_full_year=b, executed=ex, execution_rate=stated,
                     budget_score=None, budget_weight=None, total_score=None)])
    assert "execution_rate_mismatch" not in rules(t)


def test_budget_score_against_weight_times_rate():
    # 003 医保基金监管专项检查经费: 5.7/6 = 95 %, score stated 10, expected 9.5
    f = only(tables([proj(budget_full_year=6, budget_initial=6, executed=5.7, execution_rate=95, budget_score=10)]),
             "budget_score_mismatch")
    assert len(f) == 1 and f.iloc[0]["expected"] == "9.50" and f.iloc[0]["found"] == "10"
    # 000: 9.5 stated vs 10 x 94.75 % = 9.475 -> within 0.1
    t = tables([proj(budget_full_year=8, budget_initial=8, executed=7.58, execution_rate=94.75, budget_score=9.5,
                     total_score=99.5)])
    assert "budget_score_mismatch" not in rules(t)


@pytest.mark.parametrize("rounding, stated, finding", [
    ("none", 9, True), ("integer", 9, False), ("tenth", 9, True), ("tenth", 8.6, False), ("half", 8.5, False),
    ("half", 9, True), ("integer", 8, True),
])
def test_a_province_that_rounds_budget_scores_is_told_apart_from_a_wrong_score(rounding, stated, finding):
    """The published 廊坊 form: 37.24 of 43.2 spent (86.2 %), weight 10, budget score stated 9 = 8.62 rounded to an
    integer. score_rounding names how the province's template rounds (half up); the default keeps it a finding."""
    t = tables([proj(budget_initial=43.2, budget_full_year=43.2, executed=37.24, execution_rate=86.2,
                     budget_score=stated, total_score=None)])
    cfg = load_config()
    cfg.settings["budget"]["score_rounding"] = rounding
    assert ("budget_score_mismatch" in rules(t, cfg)) is finding


def test_an_unknown_score_rounding_is_a_config_error(tmp_path):
    bad = tmp_path / "checks.toml"
    bad.write_text('[budget]\nscore_rounding = "ceiling"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert "integer" in str(e.value) + str(getattr(e.value, "hint", ""))


def test_budget_score_capped_at_weight():
    t = tables([proj(executed=120, execution_rate=120, budget_score=10)])
    assert "budget_score_mismatch" not in rules(t)
    assert "execution_over_budget" in rules(t)
    cfg = load_config()
    cfg.settings["budget"]["cap_score_at_weight"] = False
    assert "budget_score_mismatch" in rules(t, cfg)


def test_zero_and_missing_denominator_are_findings_not_crashes():
    t = tables([proj(budget_full_year=0, executed=5, execution_rate=100, budget_score=10)])
    f = run_checks(t)
    assert "budget_zero_denominator" in set(f["rule"]) and "execution_rate_mismatch" not in set(f["rule"])
    t = tables([proj(budget_full_year=None, execution_rate=None)])
    assert "budget_missing_denominator" in rules(t)
    t = tables([proj(budget_full_year=0, executed=0, execution_rate=None, budget_score=None, budget_weight=None,
                     total_score=90)])
    assert "budget_zero_denominator" not in rules(t)   # nothing was spent, nothing to divide


def test_execution_rate_conflict_between_budget_table_and_indicator_line():
    # 000: budget table 94.75 %, indicator line and narrative 95 %
    t = tables([proj(budget_full_year=8, budget_initial=8, executed=7.58, execution_rate=94.75,
                     execution_rate_line=95, budget_score=9.5, total_score=99.5)])
    f = only(t, "execution_rate_conflict")
    assert len(f) == 1 and f.iloc[0]["expected"] == "94.75%" and f.iloc[0]["found"] == "95%"
    t = tables([proj(execution_rate_line=100)])
    assert "execution_rate_conflict" not in rules(t)


# ---------------------------------------------------------- family 2: budget cut to fit


def test_budget_cut_far_below_initial_fires():
    # 001 大数据+医保: 170 -> 9.33, all spent, stated 100 %
    t = tables([proj(budget_initial=170, budget_full_year=9.33, executed=9.33)])
    f = only(t, "budget_cut_inflates_rate")
    assert len(f) == 1 and "5.49%" in f.iloc[0]["expected"]


@pytest.mark.parametrize("ini,full", [(0, 12), (None, 2), (776.41, 547.5), (100, 50)])
def test_budget_added_or_mildly_cut_does_not_fire(ini, full):
    t = tables([proj(budget_initial=ini, budget_full_year=full, executed=full)])
    assert "budget_cut_inflates_rate" not in rules(t)


# ----------------------------------------------------------- family 3: totals, weights


def test_total_not_sum_of_lines_and_weights_over_100():
    # 003 医保基金监管专项检查经费: 产出 60 + 效益 30 + 满意度 10 + 预算 10 = 110, total stated 100
    lines = standard_lines() + [line("单位成本", "≤400元", "400元", 10, 10, level2="成本指标")]
    f = run_checks(tables(indicators=lines))
    got = dict(zip(f["rule"], zip(f["expected"], f["found"])))
    assert got["total_score_mismatch"] == ("110", "100")
    assert got["weight_sum_mismatch"] == ("100", "110")
    assert got["group_weight_nonstandard"] == ("50", "60")
    assert (f.loc[f["rule"] == "group_weight_nonstandard", "severity"] == "warning").all()


def test_stated_maximum_replaces_100():
    t = tables([proj(max_score=110, total_score=110)],
               indicators=standard_lines() + [line("单位成本", "≤400元", "400元", 10, 10, level2="成本指标")])
    assert "weight_sum_mismatch" not in rules(t)


def test_weight_without_score():
    # 002: 满意度 line weight 20, score empty, total 100
    lines = standard_lines()
    lines[-1] = line("满意度", "≥85%", "95.62%", 10, None, level1="满意度指标(20)分", level2="服务对象满意度指标")
    f = run_checks(tables(indicators=lines))
    assert "weight_without_score" in set(f["rule"]) and "total_score_mismatch" in set(f["rule"])
    assert "另有1行有权重无得分" in f.loc[f["rule"] == "total_score_mismatch", "message"].iloc[0]
    t = tables([proj(budget_score=None, total_score=90)])
    assert "weight_without_score" in rules(t)


def test_a_score_column_left_empty_throughout_is_one_finding_not_one_per_line():
    """A form sent before it was filled in (青神县's 工资性支出, 2023): every line and the budget line have a weight, none
    a score, no total: one scores_not_filled, no weight_without_score per line."""
    lines = [dict(r, score=None) for r in standard_lines()]
    f = run_checks(tables([proj(budget_score=None, total_score=None)], indicators=lines))
    assert list(f["rule"]) == ["scores_not_filled"]
    assert f.iloc[0]["message"].startswith("自评表的得分一栏整栏未填（8行指标和预算执行行只有权重，总分也未填）")
    # one line scored: the others' missing scores are each a finding, as before
    lines[0] = dict(lines[0], score=10)
    assert set(rules(tables([proj(budget_score=None, total_score=None)], indicators=lines))) == {"weight_without_score"}


def test_a_total_over_lines_without_scores_is_one_finding_not_one_per_line():
    """A form printing only the total its system computed (吉林's 专项经费绩效评价表 has no score column): a total, every
    line a weight and no score: one line_scores_absent naming the total, no weight_without_score per line, no
    total_score_mismatch."""
    lines = [dict(r, score=None) for r in standard_lines()]
    f = run_checks(tables([proj(budget_score=None, total_score=91.5)], indicators=lines))
    assert list(f["rule"]) == ["line_scores_absent"]
    assert f.iloc[0]["message"].startswith("自评表只填了总分91.5分，8行指标和预算执行行只有权重、没有得分")
    lines[0] = dict(lines[0], score=10)        # one line scored: the others' missing scores are each a finding
    assert "line_scores_absent" not in set(rules(tables([proj(budget_score=None, total_score=91.5)], indicators=lines)))


def test_instructions_left_in_a_form_are_one_warning_naming_them():
    left = json.dumps(["对照年度目标,说明相关任务目标的完成情况(100字以内)", "结合自评情况,分析存在的问题及原因。(200字以内)"],
                      ensure_ascii=False)
    f = run_checks(tables([proj(instructions_left=left)]))
    assert list(f["rule"]) == ["template_instructions_left"] and f.iloc[0]["severity"] == "warning"
    assert "“对照年度目标,说明相关任务目标的完成情况(100字以内)”、“结合自评情况" in f.iloc[0]["message"]
    assert f.iloc[0]["found"] == "2 处填写说明"


def test_group_annotations_and_implied_level1_are_read():
    lines = standard_lines()
    for l in lines:
        l["level1"] = {"产出指标": "产出指标(50分)", "效益指标": "效益指标(30分)"}.get(l["level1"], l["level1"])
    lines[5]["level1"] = None   # a missing 一级指标 cell: implied by 社会效益指标
    assert run_checks(tables(indicators=lines)).empty


def test_local_template_is_one_info_not_per_group_warnings():
    # 004: 项目决策 20 / 项目管理 25 / 项目绩效 55, no budget line
    lines = [line("目标内容", None, None, 20, 20, level1="项目决策", level2="项目目标"),
             line("资金使用", None, None, 25, 25, level1="项目管理", level2="资金管理"),
             line("产出数量", None, None, 55, 54, level1="项目绩效", level2="项目产出", deviation_reason="x")]
    f = run_checks(tables([proj(budget_weight=None, budget_score=None, total_score=99)], indicators=lines))
    assert list(f["rule"]) == ["template_nonstandard"] and f.iloc[0]["severity"] == "info"


# ------------------------------------------------------------- family 4: indicator scores


def _one(l, **pk):
    lines = standard_lines()
    lines[0] = l
    return run_checks(tables([proj(**pk)], indicators=lines))


def test_full_score_on_unmet_target():
    f = _one(line("宣传次数", "≥5次", "3次", 10, 10), total_score=100)
    assert list(f["rule"]) == ["indicator_full_score_unmet"] and f.iloc[0]["severity"] == "error"
    assert "目标值为≥5次、实际完成值为3次" in f.iloc[0]["message"]


def test_deduction_on_met_target():
    # 003 退役军人: ≤5.6万元, actual 5.18, 18.5 of 20
    f = _one(line("年发放工资", "≤5.6万元", "5.18", 10, 8.5, level2="成本指标"), total_score=98.5)
    assert list(f["rule"]) == ["indicator_deduction_met"]


def test_proportional_deduction_with_reason_is_clean_and_without_reason_is_info():
    # 003 医疗保障服务经费: ≥17名, 14名, 8.24 of 10 (= 14/17 x 10)
    l = line("服务人数", "≥17名", "14名", 10, 8.24, deviation_reason="人员流动")
    assert _one(l, total_score=98.24).empty
    l = line("服务人数", "≥17名", "14名", 10, 8.24)
    assert list(_one(l, total_score=98.24)["rule"]) == ["indicator_deduction_no_reason"]
    assert _one(l, total_score=98.24, has_deviation_column=False).empty     # layout has no such column
    assert _one(l, total_score=98.24, deviation_note="资金年末下达，结转下年").empty  # table-level reason


def test_score_not_proportional_is_info_and_rule_is_configurable():
    l = line("服务人数", "≥20名", "10名", 10, 9, deviation_reason="人员流动")
    f = _one(l, total_score=99)
    assert list(f["rule"]) == ["indicator_score_not_proportional"] and f.iloc[0]["expected"] == "5.00"
    cfg = load_config()
    cfg.settings["indicators"]["scoring_rule"] = "deduct"
    assert run_checks(tables([proj(total_score=99)], indicators=[l] + standard_lines()[1:]), cfg).empty


def test_score_above_weight():
    f = _one(line("宣传次数", "≥5次", "5次", 10, 12), total_score=102)
    assert "indicator_score_over_weight" in set(f["rule"])


def test_full_score_where_actual_says_not_done():
    f = _one(line("签约服务人数", "≥45000人", "未完成", 10, 10))
    assert list(f["rule"]) == ["indicator_text_unmet_scored"]
    # 003 150号: 未完成 scored 0 with a reason -> clean; 已完成 full -> clean
    assert _one(line("应补尽补率", "≥100%", "未完成", 10, 0, deviation_reason="资金用途受限"), total_score=90).empty
    assert _one(line("应补尽补率", "≥100%", "已完成", 10, 10)).empty


def test_incomparable_units_never_fire():
    # 003 164号: =1台 / 100%
    assert _one(line("打印设备", "=1台", "100%", 10, 10)).empty


# --------------------------------------------------------- family 5: grades and summaries


def test_grade_mismatch():
    f = run_checks(tables([proj(total_score=85, budget_score=10, grade="优", grade_raw="优秀")],
                          indicators=[l | {"score": l["weight"]} for l in standard_lines()[:-1]]
                          + [line("满意度", "≥90%", "80%", 10, 0, level1="满意度指标", level2="服务对象满意度指标",
                                  deviation_reason="x")]))
    g = f[f["rule"] == "grade_mismatch"]
    assert len(g) == 1 and g.iloc[0]["expected"] == "良" and g.iloc[0]["found"] == "优秀"
    assert "grade_mismatch" not in rules(tables([proj(total_score=100, grade="优", grade_raw="优秀")]))


def test_grade_scale_of_a_province_profile():
    lines = standard_lines()
    lines[5] = line("知晓率", "≥90%", "50%", 15, 0, level1="效益指标", level2="社会效益指标", deviation_reason="x")
    lines[6] = line("管理机制", "健全", "健全", 15, 0, level1="效益指标", level2="可持续影响指标", deviation_reason="x")
    lines[0] = line("宣传次数", "≥5次", "0次", 10, 0, deviation_reason="x")
    sh = proj(province="上海市", total_score=60, grade="中", grade_raw="合格")
    t = tables([sh], indicators=lines,
               reports=[dict(report_id="R1", source_file="r1.txt", province="上海市")])
    assert "grade_mismatch" not in rules(t)
    t["projects"].loc[0, "grade_raw"] = "不合格"
    assert "grade_mismatch" in rules(t)
    out = add_calc_columns(t)["projects"].iloc[0]
    assert out["grade_calc"] == "中" and out["grade_calc_label"] == "合格"
    t["projects"]["province"] = None                      # the report's province decides
    assert add_calc_columns(t)["projects"].iloc[0]["grade_calc_label"] == "合格"
    assert "grade_mismatch" in rules(t)


def test_report_grade_mismatch():
    rep = [dict(report_id="R1", source_file="r1.txt", province="某省", doc_kind="project_report",
                stated_overall_score=88, stated_overall_grade="优")]
    f = run_checks(tables([proj(total_score=88, budget_score=10)], reports=rep,
                          indicators=[l | {"score": l["weight"]} for l in standard_lines()[:-1]]
                          + [line("满意度", "≥90%", "80%", 10, -2 + 0, level1="满意度指标",
                                  level2="服务对象满意度指标", deviation_reason="x")]))
    assert "report_grade_mismatch" in set(f["rule"])


def _summary_case(**s):
    ps = [proj(project_id=f"R1-p{i:02d}", budget_full_year=b, budget_initial=b, executed=e,
               execution_rate=round(e / b * 100, 2), budget_score=round(10 * e / b, 2),
               total_score=round(90 + 10 * e / b, 2)) for i, (b, e) in enumerate([(10, 10), (20, 18), (5, 0)], 1)]
    ps[2]["total_score"] = 0
    lines = [l for p in ps[:2] for l in standard_lines(p["project_id"])]
    lines += [l | {"score": 0, "actual": "未完成", "actual_value": None, "deviation_reason": "未执行"}
              for l in standard_lines("R1-p03")]
    base = dict(report_id="R1", source_file="r1.txt", projects_due=3, projects_evaluated=3, funds_due=35,
                funds_evaluated=35, count_you=2, count_liang=None, count_zhong=None, count_cha=1)
    return tables(ps, indicators=lines, summaries=[base | s])


def test_summary_consistent_is_clean():
    f = _summary_case()
    assert not any(r.startswith("summary_") for r in rules(f))


def test_summary_funds_follow_the_tables_own_notes():
    note = ("1. 资金总量的应评价数为所有项目的“项目支出绩效自评表”中“全年预算数”的总和；"
            "已评价数为所有项目的“项目支出绩效自评表”中“全年执行数”的总和。")
    f = only(_summary_case(notes=note), "summary_funds_mismatch")
    assert len(f) == 1 and f.iloc[0]["expected"] == "28" and f.iloc[0]["found"] == "35"
    assert "已评价" in f.iloc[0]["message"]
    assert only(_summary_case(notes=note, funds_evaluated=28), "summary_funds_mismatch").empty


def test_summary_counts_and_average():
    f = run_checks(_summary_case(projects_evaluated=4, count_you=3, avg_score=90))
    got = set(f["rule"])
    assert {"summary_count_mismatch", "summary_grade_count_mismatch", "summary_avg_mismatch"} <= got
    assert run_checks(_summary_case(avg_score=66.33))["rule"].ne("summary_avg_mismatch").all()


def test_summary_without_project_tables_is_checked_against_itself():
    # 普陀区 部门决算: 39 projects, all 优, average 99.33, no project tables attached
    base = dict(report_id="R9", source_file="r9.pdf", projects_evaluated=39, funds_evaluated=4415.48,
                avg_score=99.33, count_you=39, count_liang=0, count_zhong=0, count_cha=0)
    rep = [dict(report_id="R9", source_file="r9.pdf", province="上海市", doc_kind="department_report")]
    t = {"reports": pd.DataFrame(rep), "summaries": pd.DataFrame([base])}
    assert run_checks(t).empty
    f = run_checks(t | {"summaries": pd.DataFrame([base | {"count_you": 38}])})
    assert list(f["rule"]) == ["summary_count_mismatch"]
    f = run_checks(t | {"summaries": pd.DataFrame([base | {"avg_score": 85}])})
    assert list(f["rule"]) == ["summary_avg_mismatch"] and f.iloc[0]["expected"] == "90.00-100.00"


# ------------------------------------------------------------------ family 6: narrative


def _narr(**r):
    rep = dict(report_id="R1", source_file="r1.txt", province="某省", doc_kind="project_report") | r
    return tables([proj()], reports=[rep])


def test_narrative_score_differs_from_table():
    # 002: narrative parts sum to 97, table total 100
    f = only(_narr(narrative_score=97), "narrative_score_mismatch")
    assert len(f) == 1 and (f.iloc[0]["expected"], f.iloc[0]["found"]) == ("100", "97")
    assert only(_narr(narrative_score=100, stated_overall_score=100), "narrative_score_mismatch").empty
    # 001: a department's own score is another kind than its project tables' totals
    assert only(_narr(narrative_score=92.13, stated_overall_score=92.13, doc_kind="department_report"),
                "narrative_score_mismatch").empty
    assert len(only(_narr(narrative_score=92.13, stated_overall_score=93, doc_kind="department_report"),
                    "narrative_score_mismatch")) == 1


def test_narrative_parts():
    parts = [{"label": "数量指标", "max": 20, "score": 19}, {"label": "满意度指标", "max": 10, "score": 12},
             {"label": "决策依据", "max": 6, "score": 6}]
    f = run_checks(_narr(narrative_parts=json.dumps(parts, ensure_ascii=False)))
    assert set(f["rule"]) == {"narrative_part_over_max", "narrative_part_mismatch"}
    mm = f[f["rule"] == "narrative_part_mismatch"].iloc[0]
    assert (mm["expected"], mm["found"]) == ("20", "19")
    assert run_checks(_narr(narrative_parts="not json")).empty


# --------------------------------------------------------------- family 7: plausibility


def test_cost_target_above_budget_and_far_below():
    lines = standard_lines()
    lines[4] = line("总成本", "≤24万元", "已完成", 10, 10, level2="成本指标")   # 003 49号: budget 2
    f = run_checks(tables([proj(budget_initial=0, budget_full_year=2, executed=2)], indicators=lines))
    assert "cost_above_budget" in set(f["rule"])
    lines[4] = line("总成本", "≤2万元", "未完成", 10, 0, level2="成本指标", deviation_reason="x")  # 178号: budget 23
    f = run_checks(tables([proj(budget_full_year=23, budget_initial=23, executed=23, total_score=90)], indicators=lines))
    assert "cost_far_below_budget" in set(f["rule"])
    # 元 vs 万元: 43950元 = 4.395万元 of a 10万元 budget; unit costs are never "far below"
    lines[4] = line("总成本", "≤43950元", "≤43950元", 10, 10, level2="成本指标")
    lines[3] = line("单一成本", "≤1800元", "≤1800元", 10, 10, level2="成本指标")
    assert run_checks(tables([proj(budget_full_year=10, budget_initial=10, executed=10)], indicators=lines)).empty


def test_duplicate_line_in_one_project():
    lines = standard_lines()
    lines[-1] = line("宣传次数", "≥5次", "5次", 10, 10, level1="满意度指标", level2="服务对象满意度指标")
    f = run_checks(tables(indicators=lines))
    assert list(f["rule"]) == ["indicator_duplicate"]
    lines[-1] = line("宣传次数", "≥6次", "6次", 10, 10, level1="满意度指标", level2="服务对象满意度指标")
    assert run_checks(tables(indicators=lines)).empty   # same name, other target: two items


def test_indicators_copied_between_projects():
    a, b = proj(project_id="R1-p01"), proj(project_id="R1-p02", budget_full_year=50, budget_initial=50, executed=50)
    lines = standard_lines("R1-p01") + standard_lines("R1-p02")
    f = run_checks(tables([a, b], indicators=lines))
    assert list(f["rule"]) == ["indicators_copied"] and f.iloc[0]["project_id"] == "R1-p02"
    b["budget_full_year"] = b["budget_initial"] = b["executed"] = 100     # same budget: a twin, not a copy
    assert run_checks(tables([a, b], indicators=lines)).empty


def test_excellent_with_low_execution_and_score_without_spending():
    t = tables([proj(executed=74.11, execution_rate=74.11, budget_score=7.41, total_score=97.41)])
    f = only(t, "excellent_low_execution")
    assert len(f) == 1 and f.iloc[0]["found"] == "74.11%"
    t = tables([proj(executed=85, execution_rate=85, budget_score=8.5, total_score=98.5)])
    assert "excellent_low_execution" not in rules(t)
    t = tables([proj(executed=0, execution_rate=0, budget_score=0, total_score=90)])
    assert "score_without_spending" in rules(t)
    lines = [l | {"score": 0, "actual": "未完成", "actual_value": None, "deviation_reason": "未执行"} for l in standard_lines()]
    t = tables([proj(executed=0, execution_rate=0, budget_score=0, total_score=0)], indicators=lines)
    assert run_checks(t).empty                        # 003 家庭医生/150号: spent nothing, scored 0


# --------------------------------------------------------------------- output, summary


def test_findings_table_shape_ids_and_summary():
    t = tables([proj(budget_initial=0, budget_full_year=12, executed=12, execution_rate=10)])
    f = run_checks(t)
    assert f["finding_id"].is_unique and f["finding_id"].equals(run_checks(t)["finding_id"])  # stable ids
    for c in ("finding_id", "rule", "severity", "report_id", "project_id", "source_file", "message", "expected", "found"):
        assert c in f.columns
    assert f["expected"].dtype == pd.Series(dtype="str").dtype and f.iloc[0]["source_file"] == "r1.txt"  # pandas 3: str, 2.2: object
    s = format_summary(f)
    assert "execution_rate_mismatch" in s and "错误 1" in s
    assert format_summary(run_checks({})) == "检查发现：无"


def test_add_calc_columns():
    t = tables([proj(budget_initial=170, budget_full_year=9.33, executed=9.33, total_score=100)])
    p = add_calc_columns(t)["projects"].iloc[0]
    assert p["execution_rate_calc"] == 100 and p["execution_rate_initial_calc"] == pytest.approx(5.4882)
    assert p["total_score_calc"] == 100 and p["grade_calc"] == "优"


def test_many_reports_run_fast():
    """300 one-project reports, each budget 100 万元 with the standard lines (90 points), stating a
    rate of 90 %, a budget score of 9 and a total of 100, but executing 90 - k 万元 (k = i % 20)."""
    import time
    t = tables([proj(project_id=f"R{i}-p01", report_id=f"R{i}", executed=90 - i % 20, execution_rate=90,
                     budget_score=9) for i in range(300)])
    t0 = time.perf_counter()
    f = run_checks(t)
    assert time.perf_counter() - t0 < 10
    k = {r: sorted({int(p.split("-")[0][1:]) % 20 for p in f.loc[f["rule"] == r, "project_id"]})
         for r in set(f["rule"])}
    assert f.groupby("rule").size().to_dict() == {
        "total_score_mismatch": 300,       # 90 + 9 = 99 against a stated 100, in every report
        "execution_rate_mismatch": 285,    # 90 - k against 90 beyond 0.5 points: k >= 1 (19 in 20)
        "budget_score_mismatch": 270,      # 10 x (90 - k) % against 9 beyond 0.1 points: k >= 2
        "excellent_low_execution": 135,    # 优 (100) with a rate under 80 %: k >= 11
    }
    assert k == {"total_score_mismatch": list(range(20)), "execution_rate_mismatch": list(range(1, 20)),
                 "budget_score_mismatch": list(range(2, 20)), "excellent_low_execution": list(range(11, 20))}
    one = f[(f["project_id"] == "R17-p01")].set_index("rule")   # executed 73: rate 73 %, budget score 7.3
    assert (one.loc["execution_rate_mismatch", "expected"], one.loc["execution_rate_mismatch", "found"]) == ("73.00%", "90%")
    assert (one.loc["budget_score_mismatch", "expected"], one.loc["budget_score_mismatch", "found"]) == ("7.30", "9")
    assert (one.loc["total_score_mismatch", "expected"], one.loc["total_score_mismatch", "found"]) == ("99", "100")
    assert one.loc["excellent_low_execution", "found"] == "73.00%"
    assert f["finding_id"].is_unique and set(f["severity"]) == {"error", "warning"}


# ------------------------------------------------------------------------- the seeds
# Expected findings per seed and rule, read against the documents (see the issue note).

SEED_EXPECTED = {
    ("000", "budget_missing_denominator"): 0,
    ("001", "budget_cut_inflates_rate"): 2,          # 170 -> 9.33, 32 -> 8.99
    ("001", "template_nonstandard"): 2,              # 成本指标 as a level-1 group
    ("001", "group_weight_nonstandard"): 4,          # 产出 60 / 效益 20 in two tables
    ("002", "total_score_mismatch"): 1,              # 总分 100, lines 90 + one unscored
    ("002", "weight_sum_mismatch"): 1,               # 10 + 50 + 30 + 20 = 110
    ("002", "weight_without_score"): 1,              # 满意度 20 分, 得分 empty
    ("002", "group_weight_nonstandard"): 1,          # 满意度指标(20)分 vs 10
    ("002", "narrative_score_mismatch"): 1,          # 正文 97 vs 表 100
    ("003", "execution_rate_mismatch"): 2,           # 179号, 159号: "10" for 100 %
    ("003", "budget_score_mismatch"): 1,             # 专项检查: 10 vs 9.5
    ("003", "total_score_mismatch"): 1,              # 专项检查: lines 110, 总分 100
    ("003", "weight_sum_mismatch"): 1,
    ("003", "indicator_deduction_met"): 1,           # 退役军人 ≤5.6万元 / 5.18: 18.5 of 20
    ("003", "excellent_low_execution"): 2,           # 74.11 %, 77.5 % graded 优 by the summary
    ("003", "cost_above_budget"): 1,                 # 49号: ≤24万元 of a 2 万元 budget
    ("003", "cost_far_below_budget"): 1,             # 178号: ≤2万元 of 23 万元
    ("003", "indicator_duplicate"): 1,               # 家庭医生: 签约服务人数 twice
    ("003", "indicators_copied"): 2,                 # 49号 = 159号, 178号 = 150号
    ("003", "budget_cut_inflates_rate"): 0,          # 0 -> 12 etc. are additions, not cuts
    ("003", "summary_grade_count_mismatch"): 0,      # 20 优 / 3 差 is right
    ("004", "budget_missing_denominator"): 1,        # only 计划安排资金
    ("004", "template_nonstandard"): 1,              # 项目决策/管理/绩效
    ("004", "grade_mismatch"): 0,                    # 99 -> 优, stated 优秀
    ("000", "execution_rate_conflict"): 1,           # budget table 94.75 % vs indicator line 95 %
    ("003", "summary_funds_mismatch"): 1,            # 已评价 568.64 vs Σ 全年执行数 425.395 (its own note)
    ("003", "indicator_deduction_no_reason"): 1,     # 服务人数 14/17 名, 8.24 of 10, no reason
}


@pytest.fixture(scope="module")
def seed_findings(seed_tables):
    t = {k: seed_tables[k] for k in ("reports", "projects", "indicators", "summaries")}
    f = run_checks(t)
    return f.assign(seed=f["source_file"].str[:3]), t


@pytest.mark.parametrize("key", sorted(SEED_EXPECTED))
def test_seed_findings_by_rule(seed_findings, key):
    f, _ = seed_findings
    seed, rule = key
    assert ((f["seed"] == seed) & (f["rule"] == rule)).sum() == SEED_EXPECTED[key]


# Every error in the seeds, as (seed, rule, the project name's last 13 characters), read against
# the documents (the comments of SEED_EXPECTED); 000, 001 and 004 have none.
SEED_ERRORS = sorted([
    ("002", "narrative_score_mismatch", "医疗保障服务能力提升"),       # 正文 97 vs 表 100
    ("002", "total_score_mismatch", "医疗保障服务能力提升"),           # 总分 100, lines 90 + one unscored
    ("002", "weight_sum_mismatch", "医疗保障服务能力提升"),            # 10 + 50 + 30 + 20 = 110
    ("003", "budget_score_mismatch", "医保基金监管专项检查经费"),      # 10 vs 9.5
    ("003", "execution_rate_mismatch", "冀财社(2021)179号"),           # "10" for 100 %
    ("003", "execution_rate_mismatch", "冀财社(2021)159号"),
    ("003", "summary_funds_mismatch", ""),                            # 568.64 vs Σ 425.395 (no project)
    ("003", "total_score_mismatch", "医保基金监管专项检查经费"),       # lines 110, 总分 100
    ("003", "weight_sum_mismatch", "医保基金监管专项检查经费"),
])


def _errors(f, projects):
    names = projects.set_index("project_id")["project_name"]
    err = f[f["severity"] == "error"]
    return sorted((s[:3], r, (names.get(p) or "")[-13:] if isinstance(p, str) else "")
                  for s, r, p in zip(err["source_file"], err["rule"], err["project_id"]))


def test_seed_errors_are_exactly_the_documents_errors(seed_findings):
    f, t = seed_findings
    assert _errors(f, t["projects"]) == SEED_ERRORS
    # 20 of 003's 23 tables carry no error at all
    err = f[f["severity"] == "error"]
    bad = set(err.loc[err["seed"] == "003", "project_id"].dropna())
    assert len(set(t["projects"].loc[t["projects"]["source_file"].str.startswith("003"), "project_id"]) - bad) == 20


def test_seed_run_matches_ingest_findings(seed_tables):
    """The findings ingest wrote hold the documents' findings (not merely what run_checks says)."""
    f = seed_tables["findings"]
    assert f["finding_id"].is_unique
    got = f.assign(seed=f["source_file"].str[:3]).groupby(["seed", "rule"]).size().to_dict()
    assert {k: got.get(k, 0) for k in SEED_EXPECTED} == SEED_EXPECTED
    assert _errors(f, seed_tables["projects"]) == SEED_ERRORS


# ------------------------------------------------ the seeds' hand-made truth (no ingest)

SUMMARY_NOTE_003 = ("1. 资金总量的应评价数为所有项目的“项目支出绩效自评表”中“全年预算数”的总和；已评价数为所有项目的"
                    "“项目支出绩效自评表”中“全年执行数”的总和。2. 严格按照实际确定项目评价分数……3. 绩效评价等级根据绩效自评"
                    "得分划分四档：90（含）-100分为优、80（含）-90分为良、60（含）-80分为中、60分以下为差。")
PARTS_002 = [("决策依据", 6, 6), ("决策过程", 2, 2), ("绩效目标", 4, 4), ("资金分配", 6, 6), ("资金管理", 17, 17),
             ("组织管理", 5, 5), ("数量指标", 23, 22), ("质量指标", 27, 25), ("满意度指标", 10, 10)]


@pytest.fixture(scope="module")
def truth_findings():
    """run_checks on tests/truth_tables.py's transcription, with what the documents state beyond it."""
    truth_tables = pytest.importorskip("truth_tables")
    if not truth_tables.truth_available():
        pytest.skip("no truth CSVs")
    t = {k: v.copy() for k, v in truth_tables.tables().items() if k != "findings"}
    ind = t["indicators"]
    for side in ("target", "actual"):
        parsed = [parse_measure(x) if isinstance(x, str) else (None, None, None) for x in ind[side]]
        ind[f"{side}_op"] = [p[0] for p in parsed]
        ind[f"{side}_value"] = pd.array([p[1] for p in parsed], dtype="Float64")
        ind[f"{side}_unit"] = [p[2] for p in parsed]
    p = t["projects"]
    seed = p["source_file"].str[:3]
    p["has_deviation_column"] = seed.isin(["000", "003"])            # 偏差原因 columns in these layouts
    p["execution_rate_line"] = p["execution_rate"].where(seed != "000", 95.0)   # 000's 预算执行率 line: 95%
    p["deviation_note"] = None                                          # 003 150号/178号/家庭医生: header note
    for key in ("(2021)150号", "[2022]178号", "家庭医生签约服务费"):
        p.loc[p["project_name"].str.contains(key, regex=False), "deviation_note"] = "偏差原因栏表头已说明"
    ind.loc[ind["project_name"].str.startswith("医保办公运行补助") & (ind["score"] < ind["weight"]),
            "deviation_reason"] = "因工作实际情况调整"
    t["summaries"]["notes"] = SUMMARY_NOTE_003
    r = t["reports"]
    r["narrative_parts"] = None
    r.loc[r["source_file"].str.startswith("002"), "narrative_parts"] = json.dumps(
        [dict(label=a, max=b, score=c) for a, b, c in PARTS_002], ensure_ascii=False)
    f = run_checks(t)
    names = p.set_index("project_id")["project_name"]
    return f.assign(seed=f["source_file"].str[:3], name=f["project_id"].map(names).fillna(""))


def _short(name: str) -> str:
    """A 003 notice-named project by its number ('(2021)159号'), others by their name."""
    m = re.search(r"[(\[]\d{4}[)\]]\d+号$", name)
    return m.group(0) if m else name


def _hits(f, rule):
    sel = f["rule"] == rule
    return sorted((s, _short(n)) for s, n in zip(f.loc[sel, "seed"], f.loc[sel, "name"]))


def test_truth_family_1_2(truth_findings):
    f = truth_findings
    assert _hits(f, "execution_rate_mismatch") == [("003", "(2021)159号"), ("003", "(2021)179号")]
    assert _hits(f, "budget_score_mismatch") == [("003", "医保基金监管专项检查经费")]
    assert _hits(f, "execution_rate_conflict") == [("000", "医保办公运行补助")]
    assert [s for s, _ in _hits(f, "budget_cut_inflates_rate")] == ["001", "001"]
    assert _hits(f, "budget_missing_denominator") == [("004", "职工医保基金")]


def test_truth_family_3_4(truth_findings):
    f = truth_findings
    assert _hits(f, "total_score_mismatch") == [("002", "医疗保障服务能力提升"), ("003", "医保基金监管专项检查经费")]
    assert _hits(f, "weight_sum_mismatch") == [("002", "医疗保障服务能力提升"), ("003", "医保基金监管专项检查经费")]
    assert _hits(f, "weight_without_score") == [("002", "医疗保障服务能力提升")]
    assert _hits(f, "indicator_deduction_met") == [("003", "退役军人辅助性岗位经费")]
    assert _hits(f, "indicator_deduction_no_reason") == [("003", "医疗保障服务经费")]
    for rule in ("indicator_full_score_unmet", "indicator_text_unmet_scored", "indicator_score_over_weight"):
        assert _hits(f, rule) == []


def test_truth_family_5_6_7(truth_findings):
    f = truth_findings
    sm = f[f["rule"] == "summary_funds_mismatch"]
    assert len(sm) == 1 and (sm.iloc[0]["expected"], sm.iloc[0]["found"]) == ("425.395", "568.64")
    assert _hits(f, "summary_grade_count_mismatch") == [] and _hits(f, "grade_mismatch") == []
    assert _hits(f, "narrative_score_mismatch") == [("002", "医疗保障服务能力提升")]
    assert _hits(f, "narrative_part_mismatch") == [] and _hits(f, "narrative_part_over_max") == []
    assert _hits(f, "cost_above_budget") == [("003", "(2022)49号")]
    assert _hits(f, "cost_far_below_budget") == [("003", "[2022]178号")]
    assert _hits(f, "indicator_duplicate") == [("003", "家庭医生签约服务费")]
    assert _hits(f, "indicators_copied") == [("003", "(2022)49号"), ("003", "[2022]178号")]
    assert _hits(f, "excellent_low_execution") == [("003", "(2022)49号"), ("003", "医疗保障服务经费")]
    assert _hits(f, "score_without_spending") == []


def test_a_group_label_stating_points_its_lines_do_not_add_up_to_is_a_warning():
    """产出指标（50分） over lines weighing 20 + 20: the form's own arithmetic disagrees (the 得分表's 目标任务（15分）
    likewise at level 2); labels whose lines add up, a year in brackets, a group with a line of no weight: none."""
    lines = standard_lines()
    out = [dict(r, level1="产出指标（50分）") for r in lines if r["level1"] == "产出指标"]
    rest = [r for r in lines if r["level1"] != "产出指标"]
    assert "group_points_mismatch" not in rules(tables(indicators=out + rest))          # 50 as labelled
    short = [dict(out[0], weight=out[0]["weight"] - 10, score=min(out[0]["score"], out[0]["weight"] - 10))] + out[1:]
    f = run_checks(tables(indicators=short + rest))
    (m,) = f.loc[f["rule"] == "group_points_mismatch"].to_dict("records")
    assert m["severity"] == "warning" and (m["expected"], m["found"]) == ("50", "40")
    assert m["message"].startswith("一级指标「产出指标（50分）」标注50分，其下")
    lv2 = [dict(r, level2=r["level2"] + "（5分）") if r["level2"] == "数量指标" else r for r in lines]
    assert "group_points_mismatch" in rules(tables(indicators=lv2))
    year = [dict(r, level1="产出指标(2021)") if r["level1"] == "产出指标" else r for r in lines]
    assert "group_points_mismatch" not in rules(tables(indicators=year))


def _form_scored_under_group_points(tmp_path, quantity_points: int) -> pd.DataFrame:
    """A form whose indicator table has no weight column: its lines weigh what their groups' labels state (湖北 广水:
    数量指标15分 over one line scored 15)."""
    from evalkit.ingest import ingest_paths
    rows = ["项目名称\t局域网维护", "项目资金来源\t合计（万元）\t执行数（万元）\t执行率", "\t5.5\t5.5\t100%",
            "项目权重\t评价内容\t分值\t自评分",
            "项目决策10分\t决策依据\t10\t10",
            "一级指标\t二级指标\t指标名称\t年初指标值\t年终完成值\t自评分",
            f"产出指标50分\t数量指标{quantity_points}分\t采购设备\t10台套\t10台套\t30",
            "\t质量指标20分\t验收合格率\t100%\t100%\t20",
            "效益指标30分\t社会效益指标30分\t办公速度\t明显提高\t明显提高\t30",
            "满意度指标10分\t服务对象满意度指标10分\t干部职工满意度\t≥90%\t95%\t10",
            "总分\t\t\t\t\t100"]
    f = tmp_path / f"form{quantity_points}.txt"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    found = ingest_paths([f], out_dir=None, checks=True)["findings"]
    return found.loc[found["source_file"].str.endswith(f.name)]


def test_lines_without_weights_weigh_the_points_their_group_states(tmp_path):
    """Before, the weights added up to the 共性 table's 10 alone (weight_sum_mismatch: 10 against 100). The groups' stated
    points stand for their unweighted lines, once a group: 10 + 30 + 20 + 30 + 10 = 100; a group stating 35 makes 105."""
    assert "weight_sum_mismatch" not in set(_form_scored_under_group_points(tmp_path, 30)["rule"])
    f = _form_scored_under_group_points(tmp_path, 35)
    assert list(f.loc[f["rule"] == "weight_sum_mismatch", "message"]) == [
        "各行权重（含预算执行；未列权重的指标按其分组标注的分值计）相加为105分，与满分100分不符，请核对权重设置。"]
