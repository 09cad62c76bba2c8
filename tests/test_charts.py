"""evalkit.charts and evalkit.fonts: every chart renders Chinese with a CJK font (no missing
glyphs), is 16:9, saves PNG >= 200 dpi and SVG, and copes with empty or null-heavy tables."""
from __future__ import annotations

import json
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import truth_tables  # noqa: E402
from evalkit import fonts  # noqa: E402
from evalkit import report as rp  # noqa: E402
from evalkit.report import charts  # noqa: E402


def _png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def tables(seed_tables):
    return rp.complete_tables(seed_tables, run_checks=False)


def build_all(t):
    """Every chart function once, in the way the notebooks call them."""
    c = charts
    return {
        "execution_rate_by_county": c.execution_rate_by_county(t),
        "score_distribution": c.score_distribution(t),
        "grade_counts_by_county": c.grade_counts_by_county(t),
        "execution_vs_score": c.execution_vs_score(t),
        "findings_by_rule_county": c.findings_by_rule_county(t),
        "budget_vs_execution": c.budget_vs_execution(t),
        "execution_rate_by_project": c.execution_rate_by_project(t),
    }


def _texts(fig):
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_cjk_font_registered():
    family = fonts.setup_cjk_font()
    assert family
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    f = fonts.active_font()
    assert f.path.is_file()
    from matplotlib import font_manager
    assert any(e.name == family for e in font_manager.fontManager.ttflist)


def test_bad_font_override_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("EVALKIT_CJK_FONT", "/nonexistent/font.ttf")
    with pytest.raises(fonts.CJKFontNotFound, match="EVALKIT_CJK_FONT"):
        fonts.find_cjk_font()


def test_every_chart_renders_without_missing_glyphs(tables, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figs = build_all(tables)
        tk = rp.takeaways(tables)
        for name, fig in figs.items():
            assert tuple(fig.get_size_inches()) == charts.FIGSIZE
            charts.save_chart(fig, tmp_path, name, title=charts.TITLES[name], takeaway=tk.get(name))
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing from" in str(w.message)]
    assert glyph == []
    for name in figs:
        png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
        w, h = _png_size(png)
        assert w >= 200 * 12 and h >= int(200 * 6.75)       # >= 200 dpi at 12 x 6.75 in
        assert abs(w / h - 16 / 9) < 0.01
        assert png.stat().st_size > 30_000 and svg.stat().st_size > 20_000
        assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    man = json.loads((tmp_path / "charts.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in man] == list(figs)
    assert all(0 < e["title_band"] < 0.15 for e in man)


def test_charts_label_counties_and_thresholds(tables):
    figs = build_all(tables)
    try:
        box = _texts(figs["execution_rate_by_county"])
        assert all(c in box for c in ["曲沃县", "开江县", "绥宁县", "大厂回族自治县", "君山区"])
        assert "90%" in box and "100%" in box
        assert "高分低执行" in _texts(figs["execution_vs_score"])
        assert all(g in _texts(figs["score_distribution"]) for g in "优良中差")
        assert all(g in _texts(figs["grade_counts_by_county"]) for g in "优良中差")
        heat = _texts(figs["findings_by_rule_county"])
        assert "总分与各行得分之和不符" in heat or "total_score_mismatch" in heat
        assert "万元" in _texts(figs["budget_vs_execution"])
    finally:
        plt.close("all")


def test_high_score_low_execution_projects_are_listed(tables):
    fig = charts.execution_vs_score(tables)
    text = _texts(fig)
    plt.close(fig)
    assert "5个项目" in text and "医疗保障服务经费" in text


def test_empty_and_null_inputs():
    empty = rp.complete_tables({}, run_checks=False)
    figs = build_all(empty)
    for fig in figs.values():
        assert "没有" in _texts(fig) or "未发现" in _texts(fig)
    plt.close("all")
    nulls = pd.DataFrame({"project_id": ["a", "b"], "report_id": ["r", "r"], "county": ["甲县", "甲县"],
                          "project_name": ["一", "二"], "total_score": [None, 95.0]})
    figs = build_all({"projects": nulls})
    for name in ("execution_rate_by_county", "budget_vs_execution", "execution_rate_by_project",
                 "execution_vs_score"):
        assert "没有" in _texts(figs[name]), name      # nothing to draw: the chart says so
    hist = figs["score_distribution"].axes[0]
    assert "没有" not in _texts(figs["score_distribution"])
    assert sum(bar.get_height() for c in hist.containers for bar in c) == 1  # the one score
    bars = [(bar.get_x(), bar.get_width(), bar.get_height()) for c in hist.containers for bar in c
            if bar.get_height()]
    assert bars == [(95.0, 2.5, 1)]           # 95 in the 2.5-point bin [95, 97.5); the None left out
    plt.close("all")


def test_grade_chart_counts_projects_and_names_statement_only_counties(tmp_path):
    t = truth_tables.tables()
    fig = charts.grade_counts_by_county(t)
    text = _texts(fig)
    heights = sum(bar.get_height() for c in fig.axes[0].containers for bar in c)
    plt.close(fig)
    assert heights == 30                       # project counts only, not 普陀区's 44 statement counts
    assert "普陀区（44个）只有汇总表或决算说明所列等级个数，未计入本图" in text


def test_save_chart_rejects_low_dpi(tmp_path):
    fig = charts.budget_vs_execution({})
    with pytest.raises(ValueError):
        charts.save_chart(fig, tmp_path, "x", dpi=100)
    plt.close(fig)


def test_many_counties_are_capped_and_say_so():
    rows, reps = [], []
    for i in range(30):
        c = f"样例{i:02d}县"
        reps.append({"report_id": f"r{i}", "source_file": f"r{i}.txt", "county": c, "city": "样例市",
                     "province": "样例省"})
        for j in range(2):
            rows.append({"project_id": f"r{i}-{j}", "report_id": f"r{i}", "county": c, "city": "样例市",
                         "province": "样例省", "project_name": f"项目{j}", "budget_full_year": 10.0 + i,
                         "executed": 5.0 + i, "execution_rate_calc": (5.0 + i) / (10.0 + i) * 100,
                         "total_score": 60.0 + i})
    vw = rp.Views({"projects": pd.DataFrame(rows), "reports": pd.DataFrame(reps)})
    for fig in (charts.execution_rate_by_county(vw), charts.budget_vs_execution(vw),
                charts.grade_counts_by_county(vw)):
        text = _texts(fig)
        assert "共30个县区" in text and f"{charts.MAX_COUNTIES}个" in text
        ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()
                 if "样例" in t.get_text()]
        assert len(ticks) == charts.MAX_COUNTIES
    plt.close("all")
