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
