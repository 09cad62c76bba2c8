"""Each of the five seed layouts, ingested, against the hand-transcribed truth (tests/truth)."""
import math

import pandas as pd
import pytest

from conftest import TRUTH

PROJECT_FIELDS = ["fiscal_year", "budget_initial", "budget_full_year", "executed", "execution_rate",
                  "budget_weight", "budget_score", "total_score", "grade", "county"]
INDICATOR_FIELDS = ["level1", "level2", "target", "actual", "weight", "score"]


def same(t, g):
    if t == "" or t is None:
        return g is None or g is pd.NA or (isinstance(g, float) and math.isnan(g))
    if g is None or g is pd.NA:
        return False
    try:
        return abs(float(t) - float(g)) < 0.005
    except ValueError:
        return str(t) == str(g)


def truth(name):
    return pd.read_csv(TRUTH / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_layout_projects_match_truth(seed_tables, prefix):
    got = seed_tables["projects"]
    got = got[got["source_file"].str.startswith(prefix)]
    want = truth("projects")
    want = want[want["seed"].str.startswith(prefix)]
    assert len(got) == len(want)
    for _, t in want.iterrows():
        g = got[got["project_name"] == t["project_name"]] if len(want) > 1 else got
        assert len(g) == 1, t["project_name"]
        g = g.iloc[0]
        bad = {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}
        assert not bad, (t["project_name"], bad)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_layout_indicators_match_truth(seed_tables, prefix):
    got = seed_tables["indicators"]
    got = got[got["source_file"].str.startswith(prefix)]
    want = truth("indicators")
    want = want[want["seed"].str.startswith(prefix)]
    assert len(got) == len(want)
    if prefix != "004":     # 004's project name is the report's own words; matched by position below
        assert list(got["level3"]) == list(want["level3"])
    for (_, t), (_, g) in zip(want.iterrows(), got.iterrows()):
        bad = {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}
        assert not bad, (t["level3"], bad)


def test_reports_match_truth(seed_tables):
    rep = seed_tables["reports"].set_index(seed_tables["reports"]["source_file"].str[:3])
    want = truth("reports")
    for _, t in want[want["seed"].str.endswith(".txt")].iterrows():
        g = rep.loc[t["seed"][:3]]
        for f in ["county", "city", "province", "fiscal_year", "doc_kind", "stated_overall_score",
                  "stated_overall_grade", "narrative_score"]:
            assert same(t[f], g[f]), (t["seed"], f, t[f], g[f])
        assert int(g["n_projects"]) == int(t["n_project_tables"])


def test_003_summary_table_grade_counts(seed_tables):
    s = seed_tables["summaries"]
    s = s[s["source_file"].str.startswith("003")].iloc[0]
    assert (s["projects_due"], s["projects_evaluated"], s["funds_due"], s["count_you"], s["count_cha"]) == \
        (23, 23, 568.64, 20, 3)
    assert pd.isna(s["count_liang"]) and pd.isna(s["count_zhong"])      # empty cells stay null


def test_003_shifted_rows_read_by_content(seed_tables):
    ind = seed_tables["indicators"]
    row = ind[(ind["level3"] == "软件维护成本")].iloc[0]                 # label in the wrong column
    assert (row["level2"], row["target"], row["weight"], row["score"]) == ("成本指标", "≤4.86万元", 5, 5)
    row = ind[ind["level3"] == "提升医保信息化水平"].iloc[0]           # 164号: level 1 implied by level 2
    assert row["level1"] == "效益指标"


def test_000_budget_block_wins_over_indicator_line(seed_tables):
    p = seed_tables["projects"]
    p = p[p["source_file"].str.startswith("000")].iloc[0]
    assert p["execution_rate"] == 94.75 and p["budget_score"] == 9.5
    assert p["total_score"] == 93.25 and p["grade"] == "优" and p["grade_raw"] == "优秀"


def test_calc_columns_recomputed_not_copied(seed_tables):
    p = seed_tables["projects"].set_index("project_name")
    row = p.loc["关于提前下达2022年省级财政医疗救助补助资金的通知冀财社(2021)179号"]
    assert row["execution_rate"] == 10 and row["execution_rate_calc"] == 100   # stated 10 kept as stated
    assert pd.isna(row["execution_rate_initial_calc"])                         # initial budget 0
    row = p.loc["医疗保障服务经费"]
    assert row["total_score_calc"] == pytest.approx(95.65) and row["grade_calc"] == "优"


def test_indicator_measures_split(seed_tables):
    ind = seed_tables["indicators"]
    row = ind[ind["level3"] == "救助对象"].iloc[0]            # 001: 指标性质/指标值/度量单位 joined
    assert (row["target"], row["target_op"], row["target_value"], row["target_unit"]) == ("≥6万人次", "≥", 6, "万人次")
    assert (row["actual_op"], row["actual_value"], row["actual_unit"]) == (">", 6, "万人次")


def test_places_from_division_dataset(seed_tables):
    rep = seed_tables["reports"].set_index("county")
    assert rep.loc["大厂回族自治县", "city"] == "廊坊市" and rep.loc["大厂回族自治县", "province"] == "河北省"


def test_reason_written_into_deviation_header_kept_as_project_note(seed_tables):
    p = seed_tables["projects"].set_index("project_name")
    assert p.loc["家庭医生签约服务费", "deviation_note"].startswith("截至目前")
    assert pd.isna(p.loc["聘请法律顾问", "deviation_note"])


def test_summary_notes_and_budget_line_rate_recorded(seed_tables):
    s = seed_tables["summaries"]
    notes = s[s["source_file"].str.startswith("003")].iloc[0]["notes"]
    assert "已评价数为所有项目" in notes and notes.count("\n") == 2
    p = seed_tables["projects"]
    assert p[p["source_file"].str.startswith("000")].iloc[0]["execution_rate_line"] == 95


def test_narrative_parts_labelled(seed_tables):
    import json
    r = seed_tables["reports"].set_index(seed_tables["reports"]["source_file"].str[:3])
    parts = json.loads(r.loc["002", "narrative_parts"])
    assert parts[0] == {"label": "决策依据", "max": 6.0, "score": 6.0} and len(parts) == 9
    assert [p["label"] for p in json.loads(r.loc["001", "narrative_parts"])][-1] == "绩效结果运用"
