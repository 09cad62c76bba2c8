"""evalkit.report (selection, views, aggregates, flags, text): region/year filtering, effective figures, county aggregates, red flags,
takeaways — on the ingested seeds and on the truth tables (which add 普陀区's summary-only
reports)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import truth_tables
from evalkit import report as rp
from evalkit.report.charts import BRIEFING_KEYS

COUNTIES = {"曲沃县", "开江县", "绥宁县", "大厂回族自治县", "君山区"}


@pytest.fixture(scope="module")
def seeds(seed_tables):
    return rp.complete_tables(seed_tables, run_checks=False)


@pytest.fixture(scope="module")
def truth():
    return truth_tables.tables()


def test_complete_tables_adds_missing_tables_and_columns():
    t = rp.complete_tables({"projects": pd.DataFrame({"project_id": ["p1"], "county": ["A县"]})},
                           run_checks=False)
    assert set(rp.CONTRACT_COLUMNS) <= set(t)
    assert t["findings"].empty and list(t["findings"].columns)[:3] == ["finding_id", "rule", "severity"]
    assert "execution_rate_calc" in t["projects"].columns


def test_parse_years():
    assert rp.parse_years(None) is None and rp.parse_years("all") is None and rp.parse_years("全部") is None
    assert rp.parse_years(2022) == [2022]
    assert rp.parse_years("2022") == [2022]
    assert rp.parse_years("2021-2023") == [2021, 2022, 2023]
    assert rp.parse_years("2024,2022") == [2022, 2024]
    assert rp.parse_years([2024, 2022, 2022]) == [2022, 2024]
    assert rp.years_label(None) == "全部年度" and rp.years_label("2021-2022") == "2021-2022年度"


def test_filter_by_province_city_county_and_year(seeds):
    hn = rp.filter_tables(seeds, region="湖南省")
    assert set(hn["reports"]["county"]) == {"绥宁县", "君山区"}
    assert set(hn["projects"]["county"]) == {"绥宁县", "君山区"}
    assert set(hn["indicators"]["project_id"]) <= set(hn["projects"]["project_id"])
    assert set(hn["findings"]["report_id"]) <= set(hn["reports"]["report_id"])
    assert set(rp.filter_tables(seeds, region="湖南")["reports"]["county"]) == {"绥宁县", "君山区"}
    assert set(rp.filter_tables(seeds, region="岳阳市")["reports"]["county"]) == {"君山区"}
    assert len(rp.filter_tables(seeds, region="大厂回族自治县")["projects"]) == 23
    y = rp.filter_tables(seeds, region="湖南省", years=2022)
    assert set(y["reports"]["county"]) == {"君山区"}
    assert len(rp.filter_tables(seeds, region=None, years=None)["projects"]) == 30
    assert set(rp.filter_tables(seeds, years="2021-2022")["reports"]["fiscal_year"]) == {2021, 2022}


def test_unknown_region_names_the_known_places(seeds):
    with pytest.raises(ValueError, match="湖南省"):
        rp.filter_tables(seeds, region="火星省")


def test_project_view_fallbacks(seeds):
    v = rp.project_view(seeds).set_index("project_name")
    # 冀财社(2021)179号: stated 10 %, figures give 100 % -> the recomputed rate wins
    p = v.loc[v.index.str.contains("179号")].iloc[0]
    assert p["execution_rate"] == 10 and p["rate"] == pytest.approx(100) and p["rate_source"] == "calc"
    # 君山区 states no full-year budget: rate from the initial budget, flagged as such
    j = v.loc["职工医保基金"]
    assert j["rate_source"] == "initial_calc" and j["rate"] == pytest.approx(5209.71 / 5924.6 * 100, rel=1e-3)
    assert j["budget"] == pytest.approx(5924.6) and j["budget_source"] == "initial"
    # grades: stated where the document has one, else grade_calc
    assert v.loc["职工医保基金", "grade_source"] == "stated"
    assert (v["grade_source"] == "calc").sum() == 28
    assert set(v["grade_eff"]) <= set(rp.GRADES)


def test_grade_for_and_bands():
    assert rp.grade_for(90) == "优" and rp.grade_for(89.99) == "良" and rp.grade_for(0) == "差"
    assert rp.grade_for(None) is None and rp.grade_for(float("nan")) is None
    bands = {"优": 95, "良": 85, "中": 70, "差": 0}
    assert rp.grade_for(94, bands) == "良"
    assert rp.bands_text() == "优≥90，良80-90，中60-80，差<60"
    with pytest.raises(ValueError):
        rp.normalize_bands({"A": 90})


def test_county_summary(seeds):
    cs = rp.county_summary(seeds).set_index("county_label")
    assert set(cs.index) == COUNTIES
    d = cs.loc["大厂回族自治县"]
    assert d["n_projects"] == 23
    assert d["budget"] == pytest.approx(568.64) and d["executed"] == pytest.approx(425.395)
    assert d["execution_rate"] == pytest.approx(425.395 / 568.64 * 100)
    assert d["差"] == 3 and d["优"] == 20
    assert cs.loc["曲沃县", "execution_rate"] == pytest.approx(94.75)
    assert cs["n_findings"].sum() == len(seeds["findings"])
    zh = rp.county_summary_zh(rp.county_summary(seeds))
    assert zh.index.name == "县区" and "总体执行率（%）" in zh.columns


def test_county_summary_counts_indicator_lines_and_the_share_with_a_number_as_target(seeds):
    """量化指标占比: seed 000 (曲沃县) has 7 lines, 4 with a number as target (5, 2, 98, 95) and 3 without
    (及时, 家喻户晓, 健全); every county's figures agree with its own indicator rows."""
    cs = rp.county_summary(seeds).set_index("county_label")
    assert cs.loc["曲沃县", "n_lines"] == 7 and cs.loc["曲沃县", "quantified_share"] == pytest.approx(400 / 7)
    ind = seeds["indicators"]
    for county, rows in ind.groupby("county"):
        assert cs.loc[county, "n_lines"] == len(rows)
        assert cs.loc[county, "quantified_share"] == pytest.approx(rows["target_value"].notna().mean() * 100)
    zh = rp.county_summary_zh(rp.county_summary(seeds))
    assert zh.loc["曲沃县", "量化指标占比（%）"] == "57.1" and zh.loc["曲沃县", "指标条数"] == "7"


def test_agency_summary_splits_a_county_by_agency_weakest_execution_first(seeds):
    """大厂's 23 projects given to two agencies: the agencies' figures add up to the county's, each is
    computed from its own projects, and the lower execution rate comes first."""
    t = {k: v.copy() for k, v in seeds.items()}
    p = t["projects"]
    dachang = p.index[p["county"] == "大厂回族自治县"]
    p.loc[dachang[:10], "agency"] = "大厂回族自治县卫生健康局"
    vw = rp.Views(t)
    a = rp.agency_summary(vw)
    d = a[a["county_label"] == "大厂回族自治县"].set_index("agency")
    assert list(d.index) == sorted(d.index, key=lambda g: d.at[g, "execution_rate"])
    assert d["n_projects"].to_dict() == {"大厂回族自治县卫生健康局": 10, "大厂回族自治县医疗保障局": 13}
    cs = rp.county_summary(vw).set_index("county_label").loc["大厂回族自治县"]
    for col in ("budget", "executed", "n_low_rate", "优", "差"):
        assert d[col].sum() == pytest.approx(cs[col]), col
    v = vw.plausible
    health = v[(v["county_label"] == "大厂回族自治县") & (v["agency"] == "大厂回族自治县卫生健康局")]
    assert d.at["大厂回族自治县卫生健康局", "mean_score"] == pytest.approx(health["score"].mean())
    assert d["n_findings"].sum() == v.loc[v["county_label"] == "大厂回族自治县", "n_findings"].sum()
    zh = rp.agency_summary_zh(a, with_county=False)
    assert zh.index.name == "部门" and "总体执行率（%）" in zh.columns and "县区" not in zh.columns


def test_grade_counts_keep_project_and_statement_counts_apart(truth):
    gc = rp.grade_counts(truth).set_index("county_label")
    assert "普陀区" not in gc.index                     # statements only: no project counts
    assert gc["total"].sum() == 30 and gc.loc["大厂回族自治县", "total"] == 23
    st = rp.statement_counts(truth).set_index("county_label")
    assert st.loc["普陀区", "优"] == 44 and bool(st.loc["普陀区", "statement_only"])
    assert not bool(st.loc["大厂回族自治县", "statement_only"])   # has project tables too


def test_duplicate_county_names_get_the_city():
    reports = pd.DataFrame({"report_id": ["a", "b"], "source_file": ["a.pdf", "b.pdf"],
                            "county": ["普陀区", "普陀区"], "city": ["上海市", "舟山市"],
                            "province": ["上海市", "浙江省"]})
    labels = set(rp.county_frame({"reports": reports})["county_label"])
    assert labels == {"普陀区（上海市）", "普陀区（舟山市）"}


def test_red_flags(seeds):
    f = rp.red_flags(seeds)
    hl = f[f["flag"] == "高分低执行"]
    assert {"医疗保障服务经费", "职工医保基金"} <= set(hl["project_name"])
    assert (hl["score"] >= 90).all() and (hl["rate"] < 90).all()
    assert len(f[f["flag"] == "零执行"]) == 3
    assert len(f[f["flag"] == "执行率与金额不符"]) == 2
    assert f["source_file"].notna().all()
    assert list(f["flag"]) == sorted(f["flag"], key=rp.FLAG_ORDER.index)


def test_headline_and_takeaways(seeds):
    h = rp.headline(seeds)
    assert h["n_counties"] == 5 and h["n_projects"] == 30
    assert h["budget"] == pytest.approx(7113.06, abs=0.01)
    assert sum(h["grades"].values()) == 30 and h["n_grade_calc"] == 28
    text = rp.headline_text(h)
    assert "30个项目" in text and "按得分计算" in text
    tk = rp.takeaways(seeds)
    assert set(tk) == set(BRIEFING_KEYS)
    assert all(isinstance(s, str) and s.endswith("。") for s in tk.values())
    assert "君山区" in tk["execution_rate_by_county"]
    assert "5个项目" in tk["execution_vs_score"]


def test_empty_tables_do_not_break_anything():
    t = rp.complete_tables({}, run_checks=False)
    assert rp.county_summary(t).empty and rp.red_flags(t).empty and rp.grade_counts(t).empty
    h = rp.headline(t)
    assert h["n_projects"] == 0 and math.isnan(h["execution_rate"])
    tk = rp.takeaways(t)
    assert tk["findings_by_rule_county"] == "没有可核对的报告。"     # nothing checked is not "no problem"


def test_nullable_and_missing_values(seeds):
    """pandas nullable dtypes (<NA>) and all-null columns flow through."""
    t = dict(seeds)
    p = t["projects"].copy()
    p["total_score"] = pd.array([pd.NA] * len(p), dtype="Float64")
    p["grade"] = pd.array([pd.NA] * len(p), dtype="string")
    t["projects"] = p
    v = rp.project_view(t)
    assert (v["score_source"].dropna() == "calc").all()
    assert v["grade_eff"].notna().sum() >= 29
    assert np.isfinite(rp.county_summary(t)["mean_score"].dropna()).all()


# --------------------------------------------------------------------------- issue 13: groupings, denominators, flags

def _small(budgets, executed, scores=None, county="甲县"):
    """A one-report table set with projects of the given budgets / executed (万元) and scores."""
    n = len(budgets)
    scores = scores or [95.0] * n
    reports = pd.DataFrame({"report_id": ["r1"], "source_file": ["r1.txt"], "status": ["ok"], "format": ["txt"],
                            "county": [county], "city": ["乙市"], "province": ["丙省"], "fiscal_year": [2024]})
    projects = pd.DataFrame({"project_id": [f"p{i}" for i in range(n)], "report_id": "r1", "source_file": "r1.txt",
                             "county": county, "city": "乙市", "province": "丙省", "fiscal_year": 2024,
                             "project_name": [f"项目{i}" for i in range(n)], "budget_full_year": budgets,
                             "executed": executed, "total_score": scores})
    return rp.complete_tables({"reports": reports, "projects": projects}, run_checks=False)


def test_headline_keeps_statement_counts_out_of_project_counts(truth):
    h = rp.headline(truth)
    assert h["n_projects"] == 30 and sum(h["grades"].values()) == 30      # not 30 + 普陀区's 44
    so = h["statement_only"]
    assert so["counties"] == ["普陀区"] and so["projects"] == 44 and so["grades"]["优"] == 44
    text = rp.headline_text(h)
    assert "30个项目" in text and "74" not in text
    assert "普陀区只有汇总表或决算说明" in text and "未计入以上项目统计" in text
    tk = rp.takeaways(truth)["grade_counts_by_county"]
    assert tk.startswith("项目自评表共30个项目") and "未与项目表合计" in tk


def test_statement_only_county_profile_says_what_was_extracted(truth):
    t = rp.filter_tables(truth, region="普陀区")
    vw = rp.Views(t)
    h = vw.headline
    assert h["n_projects"] == 0 and math.isnan(h["budget"]) and math.isnan(h["execution_rate"])
    text = rp.headline_text(h)
    assert "没有项目自评表" in text and "已评项目44个" in text and "平均得分99.35分" in text
    assert "0.00万元" not in text and "预算合计" not in text and "问题0条" not in text
    cs = vw.county_summary.set_index("county_label")
    assert math.isnan(cs.loc["普陀区", "budget"]) and cs.loc["普陀区", "summary_projects"] == 44
    assert cs.loc["普陀区", "优"] == 0 and cs.loc["普陀区", "n_money"] == 0
    assert len(rp.statements_zh(vw)) == 3
    tk = vw.takeaways
    assert tk["budget_vs_execution"] == "所选范围内没有项目预算与执行金额数据（普陀区只有汇总表或决算说明）。"
    assert not any("最低的是" in s for s in tk.values())


def test_one_county_takeaways_use_no_cross_county_wording(seeds):
    tk = rp.takeaways(rp.filter_tables(seeds, region="大厂回族自治县"))
    assert "执行率中位数100.0%，最低的项目是" in tk["execution_rate_by_county"]
    assert not any("最低的是大厂" in s or "大厂回族自治县最多" in s for s in tk.values())
    multi = rp.takeaways(seeds)
    assert "执行率中位数最低的是君山区（87.9%）" in multi["execution_rate_by_county"]


def test_aggregates_state_their_denominators():
    vw = rp.Views(_small([100.0, 50.0, None], [90.0, 50.0, 10.0]))     # the third project has no budget
    h = vw.headline
    assert (h["n_projects"], h["n_money"], h["n_rated"]) == (3, 2, 2)
    text = rp.headline_text(h)
    assert "总体执行率93.3%（按2个同时填报预算和执行数的项目计算，共3个）" in text
    assert "（按2个同时填报预算和执行数的项目计算，共3个）" in vw.takeaways["budget_vs_execution"]
    cs = vw.county_summary.iloc[0]
    assert (cs["n_projects"], cs["n_money"], cs["n_rated"], cs["n_scored"]) == (3, 2, 2, 3)
    full = rp.headline_text(rp.headline(_small([100.0, 50.0], [90.0, 50.0])))
    assert "（以上均按全部2个项目计算）" in full


def test_a_project_over_half_the_budget_is_named(seeds):
    vw = rp.Views(seeds)
    d = vw.headline["dominant"]
    assert d["project_name"] == "职工医保基金" and d["county_label"] == "君山区"
    assert d["share"] == pytest.approx(5924.60 / 7113.06 * 100) and d["rate_source"] == "initial_calc"
    text = rp.headline_text(vw.headline)
    assert "“职工医保基金”一个项目决定" in text and "83.3%" in text and "年初预算" in text
    assert "职工医保基金" in vw.takeaways["budget_vs_execution"]
    assert rp.headline(_small([100.0, 90.0, 80.0], [100.0, 90.0, 80.0]))["dominant"] is None
    assert rp.headline(_small([100.0], [90.0]))["dominant"] is None      # one project is no "dominance"


def test_red_flags_list_every_error_and_the_audit_warnings(seeds):
    f = rp.red_flags(seeds)
    cut = f[f["flag"] == "预算大幅调减"]
    assert len(cut) == 2 and set(cut["county_label"]) == {"开江县"}
    assert any("170万元" in d and "9.33万元" in d for d in cut["detail"])
    fv = rp.findings_view(seeds)
    flagged = fv[(fv["severity"] == "error") | fv["rule"].isin(rp.AUDIT_WARNINGS)]
    titles = rp.rule_titles(fv)
    from evalkit.report.flags import flag_name
    keys = set(zip(f["project_id"].fillna(f["source_file"]), f["flag"]))
    for r in flagged.itertuples():
        assert (r.project_id if isinstance(r.project_id, str) else r.source_file,
                flag_name(r.rule, titles)) in keys, r.rule
    assert "一级指标权重与标准结构不符" not in set(f["flag"])      # a template note is no red flag
    report_level = f[f["project_id"].isna()]
    assert list(report_level["flag"]) == ["汇总表资金总量与项目表不符"]
    assert list(report_level["county_label"]) == ["大厂回族自治县"]
    assert list(f["flag"]) == sorted(f["flag"], key=rp.FLAG_ORDER.index)


def test_a_red_flag_on_figures_read_from_a_doubtful_scan_cell_says_so(seeds):
    """A flag a misread scan may have raised (a black seal's ring through a digit) names the doubtful figures, so
    the scan is checked before the bureau is asked; the project's other flags and other projects' are unchanged."""
    before = rp.red_flags(seeds)
    pid = before.loc[before["flag"] == "预算大幅调减", "project_id"].iloc[0]
    doubt = pd.DataFrame([{"finding_id": "ocr1", "rule": "ocr_low_confidence", "severity": "warning",
                           "project_id": pid, "found": "全年执行数=2.100（印章下）", "message": "…"},
                          {"finding_id": "ocr2", "rule": "ocr_low_confidence", "severity": "warning",
                           "project_id": pid, "found": "执行率=10%（0.85）", "message": "…"}])
    t = dict(seeds, findings=pd.concat([seeds["findings"], doubt], ignore_index=True))
    after = rp.red_flags(t)
    assert len(after) == len(before)
    mine = after["project_id"] == pid
    assert after.loc[mine, "detail"].str.startswith("【扫描件识别存疑】").all()     # first: a slide's cell shows two lines
    assert after.loc[mine, "detail"].str.endswith("；存疑数字：全年执行数“2.100”在印章下、执行率“10%”置信度0.85，请先对照原件").all()
    assert (after.loc[mine, "detail"].str.len() > before.loc[before["project_id"] == pid, "detail"].str.len().to_numpy()).all()
    assert after.loc[~mine, "detail"].tolist() == before.loc[before["project_id"] != pid, "detail"].tolist()


def test_statements_without_stated_counts_stay_unknown():
    t = _small([], [])
    t["summaries"] = rp.ensure_columns("summaries", pd.DataFrame({"summary_id": ["s1"], "report_id": ["r1"],
                                                                  "count_you": [3.0]}))
    h = rp.headline(t)
    assert h["statement_only"]["counties"] == ["甲县"] and math.isnan(h["statement_only"]["projects"])
    text = rp.headline_text(h)
    assert "已评项目数未披露" in text and "等级优3个" in text


def test_a_whole_department_table_is_no_project_in_the_statistics(seeds):
    """A 部门整体支出绩效自评表's table (scope department) is left out of the project figures (counts, grades, money),
    while a finding on it still makes a red flag."""
    t = {k: v.copy() for k, v in seeds.items()}
    p = t["projects"]
    row = p[p["county"] == "曲沃县"].iloc[[0]].assign(project_id="D1-p01", project_name="部门整体支出", scope="department",
                                                     total_score=98.0, budget_full_year=1000.0, executed=10.0)
    t["projects"] = pd.concat([p, row], ignore_index=True)
    f = t["findings"]
    t["findings"] = pd.concat([f, f.iloc[[0]].assign(finding_id="x1", project_id="D1-p01", rule="total_score_mismatch",
                                                     severity="error", found="98", expected="90")], ignore_index=True)
    before, after = rp.county_summary(seeds).set_index("county_label"), rp.county_summary(t).set_index("county_label")
    assert after.loc["曲沃县", "n_projects"] == before.loc["曲沃县", "n_projects"]
    assert after.loc["曲沃县", "budget"] == pytest.approx(before.loc["曲沃县", "budget"])
    assert "部门整体支出" not in set(rp.project_view(t)["project_name"])
    flags = rp.red_flags(t)
    assert "部门整体支出" in set(flags.loc[flags["flag"] == "总分与分项合计不符", "project_name"])
