"""evalkit.charts and evalkit.fonts: every chart renders Chinese with a CJK font (no missing
glyphs), is 16:9, saves PNG >= 200 dpi and SVG, and copes with empty or null-heavy tables."""
from __future__ import annotations

import json
import re
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
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


def many_counties(seed_tables, n: int = 100, province: str = "四川省", dominant: bool = True) -> dict:
    """The seeds' projects spread over `n` real counties of `province` (division codes resolve, so
    cities are known): each county gets a few of them with its own budget scale, execution and
    score shifts (fixed seed); with `dominant`, the first county's money is 300 times larger."""
    import numpy as np
    from evalkit import synth
    places = [d for d in synth.divisions() if d[3] == province][:n]
    base = seed_tables["projects"]
    base = base[base["total_score"].notna() & base["budget_full_year"].gt(0)].reset_index(drop=True)
    rng = np.random.default_rng(13)
    reps, rows = [], []
    for i, (code, county, city, prov) in enumerate(places):
        rid = f"m{i:03d}"
        reps.append({"report_id": rid, "source_file": f"{rid}.txt", "county": county, "city": city,
                     "province": prov, "fiscal_year": 2023, "doc_kind": "project_tables", "status": "ok"})
        scale = 10 ** rng.uniform(-0.5, 1.0) * (300 if dominant and i == 0 else 1)
        exec_f = rng.uniform(0.55, 1.0) if i % 4 == 0 else 1.0
        drop = rng.choice([0.0, 0.0, 0.5, 1.0, 2.0, 5.0])
        pick = rng.choice(len(base), size=int(rng.integers(2, 9)), replace=False)
        for j, k in enumerate(pick):
            b = base.iloc[k]
            full = round(float(b["budget_full_year"]) * scale, 2)
            executed = round(min(float(b["executed"]) / float(b["budget_full_year"]), 1.0) * exec_f * full, 2)
            rows.append({"project_id": f"{rid}-{j}", "report_id": rid, "source_file": f"{rid}.txt",
                         "county": county, "city": city, "province": prov, "fiscal_year": 2023,
                         "project_name": b["project_name"], "budget_initial": full, "budget_full_year": full,
                         "executed": executed, "execution_rate_calc": executed / full * 100,
                         "total_score": round(max(40.0, float(b["total_score"]) - drop), 2)})
    return {"projects": pd.DataFrame(rows), "reports": pd.DataFrame(reps)}


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
        "trend_by_year": c.trend_by_year(t),
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
    assert bars == [(95.0, 0.25, 1)]          # axis zoomed to 90-100: 95 in the bin [95, 95.25); the None left out
    assert hist.get_xlim() == (90.0, 100.0)
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


def test_thirty_counties_are_all_drawn_sorted_by_the_value_shown():
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
    box, bars = charts.execution_rate_by_county(vw), charts.budget_vs_execution(vw)
    try:
        for fig in (box, bars):
            assert "共30个县区" not in _texts(fig)
        ticks = [t.get_text().split("（")[0] for t in box.axes[0].get_xticklabels()]
        assert ticks == [f"样例{i:02d}县" for i in range(30)]     # lowest median rate first
        ylabels = [t.get_text() for t in bars.axes[0].get_yticklabels()]
        assert ylabels == [f"样例{i:02d}县" for i in range(29, -1, -1)]   # the largest budget on top
        assert _overlapping(bars, bars.axes[0].get_yticklabels()) == []
    finally:
        plt.close("all")


def _overlapping(fig, labels) -> list:
    """Pairs of texts (tick labels, counts) whose drawn boxes overlap."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in labels if t.get_text()]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:]
            if ba.overlaps(bb) and ba.intersection(ba, bb).width * ba.intersection(ba, bb).height > 4]


@pytest.fixture(scope="module")
def hundred(seed_tables):
    return rp.Views(many_counties(seed_tables, 100))


def test_hundred_counties_show_top_and_bottom_with_the_rest_summarised(hundred):
    cs = hundred.county_summary.set_index("county_label")
    box, bars, grades_ = (charts.execution_rate_by_county(hundred), charts.budget_vs_execution(hundred),
                          charts.grade_counts_by_county(hundred))
    try:
        for fig in (box, bars, grades_):
            text = _texts(fig)
            assert "共100个县区" in text and "其余" in text
        # bars: the dominant county alone on top (own scale), then the 12 largest and 8 smallest budgets
        top, main = bars.axes
        assert [t.get_text() for t in top.get_yticklabels()] == [cs["budget"].idxmax()]
        shown = [t.get_text() for t in main.get_yticklabels()]            # top to bottom
        by_budget = list(cs["budget"].sort_values(ascending=False).index)
        assert shown[:charts.TOP_N - 1] == by_budget[1:charts.TOP_N]
        assert shown[-charts.BOTTOM_N:] == by_budget[-charts.BOTTOM_N:]
        assert "其余80个县区" in _texts(bars)
        assert _overlapping(bars, main.get_yticklabels()) == []
        assert main.get_xlim()[1] < cs["budget"].max() / 10        # the others keep a readable scale
        # box plot: the pooled box sits between the lowest and the highest medians
        ticks = [t.get_text() for t in box.axes[0].get_xticklabels()]
        assert len(ticks) == charts.TOP_N + charts.BOTTOM_N + 1 and ticks[charts.TOP_N].startswith("其余80个县区")
        # … grey, and drawn over its points and its median over the box (hundreds of points hid both)
        from matplotlib.colors import to_hex
        ax = box.axes[0]
        (grey,) = [p for p in ax.patches if to_hex(p.get_facecolor()) == charts.POOLED_COLOR]
        at = charts.TOP_N + 1
        points = [c for c in ax.collections if len(c.get_offsets()) and abs(c.get_offsets()[:, 0].mean() - at) < 0.2]
        assert points and all(c.get_zorder() < grey.get_zorder() for c in points)
        median = [ln for ln in ax.lines if len(ln.get_xdata()) == 2 and abs(np.mean(ln.get_xdata()) - at) < 0.01
                  and ln.get_ydata()[0] == ln.get_ydata()[1] and ln.get_linewidth() == 2]
        assert median and median[0].get_zorder() > grey.get_zorder()
        assert len([t for t in grades_.axes[0].get_xticklabels() if t.get_text()]) == charts.TOP_N + charts.BOTTOM_N
    finally:
        plt.close("all")


def test_counties_grouped_by_city(hundred, seed_tables):
    fig = charts.execution_rate_by_county(hundred, by="city")
    cities = set(hundred.places["city"])
    ticks = [t.get_text().split("（")[0] for t in fig.axes[0].get_xticklabels()]
    plt.close(fig)
    assert set(ticks) == cities and len(ticks) == len(cities)           # one box per city
    vw = rp.Views(many_counties(seed_tables, 24, dominant=False))
    fig = charts.execution_rate_by_county(vw, by="city")
    ticks = [t.get_text().split("（")[0] for t in fig.axes[0].get_xticklabels()]
    text = _texts(fig)
    plt.close(fig)
    city = vw.places.set_index("county_label")["city"]
    seq = [city[t] for t in ticks]
    assert seq == sorted(seq, key=seq.index) and len(set(seq)) > 1     # each city's counties together
    assert all(c in text for c in set(seq))                              # city names drawn above


def test_dominant_county_is_drawn_in_its_own_panel(tables):
    fig = charts.budget_vs_execution(tables)
    try:
        top, main = fig.axes
        assert [t.get_text() for t in top.get_yticklabels()] == ["君山区"]
        assert "君山区" not in [t.get_text() for t in main.get_yticklabels()]
        assert main.get_xlim()[1] < 5924.6 / 5 and "单独画在上栏" in _texts(fig)
    finally:
        plt.close(fig)


def test_score_axis_is_zoomed_with_the_grade_bands_kept(tables):
    vw = rp.Views(tables)
    scores = vw.projects["score"].dropna()
    fig = charts.score_distribution(vw)
    try:
        ax = fig.axes[0]
        lo, hi = ax.get_xlim()
        assert 85 < lo < 90 and hi == 100.0                              # not 0-100
        below = int((scores < 90).sum())
        assert below and f"低于90分的{below}个项目" in _texts(fig)
        heights = sum(b.get_height() for c in ax.containers for b in c)
        assert heights == len(scores)                                    # every score drawn once
        assert "优" in _texts(fig) and "等级区间" in _texts(fig)
    finally:
        plt.close(fig)


def test_projects_on_the_same_spot_are_counted(tables):
    v = rp.Views(tables).projects
    v = v[v["rate"].notna() & v["score"].notna()]
    n = int(((v["rate"].round(1) == 100) & (v["score"].round(1) == 100)).sum())
    assert n > 1
    fig = charts.execution_vs_score(tables)
    try:
        counts = [t.get_text() for t in fig.axes[0].texts]
        assert str(n) in counts and "重合在同一点的项目数" in _texts(fig)
    finally:
        plt.close(fig)


def test_a_row_of_shared_spots_writes_only_the_counts_that_stay_apart():
    """Pairs of projects on spots 0.1 apart (95.0 %, 95.1 % … at 99分) and 20 on 100 %/100分: the 20 is written, and no
    count covers another (before, ten 2s were written over each other)."""
    rates = [95 + i / 10 for i in range(10) for _ in range(2)] + [100.0] * 20
    scores = [99.0] * 20 + [100.0] * 20
    projects = pd.DataFrame({"project_id": [f"p{i}" for i in range(40)], "report_id": "r", "source_file": "r.txt",
                             "county": "某县", "province": "四川省", "fiscal_year": 2023, "project_name": "项目",
                             "budget_full_year": 100.0, "executed": rates, "execution_rate_calc": rates,
                             "total_score": scores})
    reports = pd.DataFrame([{"report_id": "r", "source_file": "r.txt", "county": "某县", "province": "四川省",
                             "fiscal_year": 2023, "doc_kind": "project_tables", "status": "ok"}])
    fig = charts.execution_vs_score(rp.Views({"projects": projects, "reports": reports}))
    try:
        for ax in fig.axes[:2]:
            counts = [t for t in ax.texts if t.get_text().isdigit()]
            assert "20" in [t.get_text() for t in counts]
            assert _overlapping(fig, counts) == []
        assert any(t.get_text() == "2" for t in fig.axes[0].texts)      # the overview still counts a pair
    finally:
        plt.close(fig)


def test_many_projects_are_drawn_as_their_density_with_the_most_crowded_spot_said(hundred):
    """Over DENSE_POINTS projects the overview colours squares by how many projects each holds (every project in
    one square, 100 %/100分 at a square's centre) instead of hundreds of marks on each other; the side says how many
    share the most crowded spot, and the zoom's counts do not cover each other."""
    v = hundred.projects
    v = v[v["rate"].notna() & v["score"].notna()]
    assert len(v) > charts.DENSE_POINTS
    fig = charts.execution_vs_score(hundred)
    try:
        main, zoom = fig.axes[0], fig.axes[1]
        (mesh,) = [c for c in main.collections if isinstance(c, matplotlib.collections.QuadMesh)]
        assert mesh.get_array().sum() == len(v)
        xe = mesh.get_coordinates()[0, :, 0]
        assert np.isclose(xe, 100 - charts.CELL_STEP / 2).any() and np.isclose(xe, 100 + charts.CELL_STEP / 2).any()
        assert not [c for c in main.collections if len(c.get_offsets()) > 50]       # no mark per project there
        spot = v.groupby([v["rate"].round(1), v["score"].round(1)]).size()
        (rate, score), n = spot.idxmax(), spot.max()
        assert f"共{len(v)}个项目" in _texts(fig)
        assert f"最多项目重合的点：执行率{rate:g}%、{score:g}分，{n}个项目" in _texts(fig)
        counts = [t for t in zoom.texts if t.get_text().isdigit() and t.get_color() == "white"]   # not the numbers
        assert len(counts) > 3 and _overlapping(fig, counts) == []
        numbers = [t for t in zoom.texts if t.get_color() == "#b71c1c"]      # the listed projects' numbers
        r = fig.canvas.get_renderer()
        assert numbers and not [(n.get_text(), c.get_text()) for n in numbers for c in counts
                                if n.get_window_extent(r).overlaps(c.get_window_extent(r))]
    finally:
        plt.close(fig)


def test_figures_by_year_keep_projects_and_statements_apart(two_year_clean):
    from evalkit.report import trends
    vw = rp.Views(two_year_clean[1])
    t = trends.by_year(vw)
    dc = t[t["county_label"] == "大厂回族自治县"].set_index("fiscal_year")
    assert list(dc.index) == [2021, 2022] and list(dc["n_projects"]) == [16, 23]
    assert dc.loc[2022, "execution_rate_change"] == pytest.approx(
        dc.loc[2022, "execution_rate"] - dc.loc[2021, "execution_rate"])
    p = vw.projects
    p22 = p[(p["county_label"] == "大厂回族自治县") & (p["fiscal_year"] == 2022)]
    assert dc.loc[2022, "execution_rate"] == pytest.approx(p22["executed"].sum() / p22["budget"].sum() * 100)
    statement_only = set(vw.counties) - set(p["county_label"])
    assert len(statement_only) == 1
    so = t[t["county_label"] == statement_only.pop()]
    assert len(so) == 2 and (so["n_projects"] == 0).all() and so["statement_projects"].gt(0).all()
    assert so["execution_rate"].isna().all() and so["mean_score_change"].isna().all()
    region = t[t["county_label"] == trends.REGION].set_index("fiscal_year")
    years = sorted(set(p["fiscal_year"]) | set(vw["reports"]["fiscal_year"]))
    assert list(region.index) == years
    assert region["n_projects"].sum() == len(p)
    assert trends.spans_years(vw)


def test_counties_each_in_a_different_year_are_no_trend(tables):
    from evalkit.report import trends
    vw = rp.Views(tables)            # the seeds: five counties, three different years, one each
    assert len(trends.years(vw)) > 1 and not trends.spans_years(vw)


def test_trend_chart_for_the_region_and_for_a_county(two_year_clean, tmp_path):
    vw = rp.Views(two_year_clean[1])
    region = charts.trend_by_year(vw)
    county = charts.trend_by_year(vw, county="大厂回族自治县")
    single = charts.trend_by_year(vw, county="绥宁县")
    try:
        assert len(region.axes) == 3 and len(county.axes) == 3
        assert [t.get_text() for t in county.axes[0].get_xticklabels()] == ["2021年", "2022年"]
        assert "52.4%" in _texts(county) and "74.8%" in _texts(county)
        assert "汇总表/决算所列平均分" in _texts(region) and "县区构成变化" in _texts(region)
        assert "只有一个年度" in _texts(single)
        entry = charts.save_chart(county, tmp_path, "trend_by_year", title="趋势")
        assert "trend" in entry["png"]
    finally:
        plt.close("all")


def test_trend_score_labels_of_the_two_lines_never_overlap(tables, monkeypatch):
    """The project average's label and the statement average's at the same year stand on either side of their
    points (corpus 168's 2023: 97.73 and 98.64 printed as 97.7398.64), each with two decimals (97.7 beside 97.73);
    six years are ticked by the year alone (2019年2020年… ran together)."""
    from evalkit.report import trends
    years = list(range(2019, 2025))
    frame = pd.DataFrame({"county_label": trends.REGION, "fiscal_year": years,
                          "execution_rate": [97.1, 96.7, 97.0, 95.7, 93.6, 94.4],
                          "mean_score": [97.33, 98.04, 97.69, 97.70, 97.73, 97.96],
                          "statement_avg_score": [np.nan, np.nan, np.nan, 94.85, 98.64, 97.45], "n_counties": 20,
                          **{g: 10.0 for g in rp.GRADES}, **{f"statement_{g}": np.nan for g in rp.GRADES}})
    monkeypatch.setattr(trends, "by_year", lambda vw, county=None: frame)
    fig = charts.trend_by_year(rp.Views(tables))
    try:
        fig.canvas.draw()
        ax = fig.axes[1]
        labels = [t for t in ax.texts if re.fullmatch(r"\d+\.\d\d", t.get_text())]
        assert sorted(t.get_text() for t in labels) == sorted(
            ["97.33", "98.04", "97.69", "97.70", "97.73", "97.96", "94.85", "98.64", "97.45"])
        boxes = [t.get_window_extent() for t in labels]
        assert not [(labels[i].get_text(), labels[j].get_text()) for i in range(len(boxes))
                    for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]
        assert [t.get_text() for t in ax.get_xticklabels()] == [str(y) for y in years]
    finally:
        plt.close(fig)


def test_workbook_has_a_year_over_year_sheet_when_years_differ(two_year_clean, tmp_path):
    import openpyxl
    from evalkit.report.xlsx import SHEET_YEARS, write_workbook
    path = write_workbook(rp.Views(two_year_clean[1]), tmp_path / "summary.xlsx")
    ws = openpyxl.load_workbook(path)[SHEET_YEARS]
    head = [c.value.split("\n")[0] for c in ws[1]]
    assert head[:2] == ["县区", "年度"] and "执行率较上年（百分点）" in head
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    dc = [r for r in rows if r[0] == "大厂回族自治县"]
    assert [r[1] for r in dc] == [2021, 2022] and [r[3] for r in dc] == [16, 23]
    one_year = rp.Views({"projects": pd.DataFrame({"project_id": ["a"], "report_id": ["r"], "county": ["甲县"],
                                                   "fiscal_year": [2023], "total_score": [90.0]})})
    path = write_workbook(one_year, tmp_path / "one.xlsx")
    assert SHEET_YEARS not in openpyxl.load_workbook(path).sheetnames


def test_heat_map_columns_sorted_by_findings(tables):
    vw = rp.Views(tables)
    fig = charts.findings_by_rule_county(vw, max_rules=3)      # most findings fall under 其他规则
    ticks = [t.get_text().split("\n")[0] for t in fig.axes[0].get_xticklabels()]
    plt.close(fig)
    totals = vw.findings.groupby("county_label").size()
    n = [int(totals.get(c, 0)) for c in ticks]
    assert n == sorted(n, reverse=True) and sum(n) == len(vw.findings)


def test_heat_map_sums_the_counties_it_does_not_show_in_a_last_column(tables):
    """With more counties than columns, the others are one grey column at the end: a rule whose findings all stand in
    them kept an empty row before (budget_parts_mismatch on a 143-county corpus), and their count was nowhere."""
    vw = rp.Views(tables)
    per_county = vw.findings.groupby("county_label").size().sort_values(ascending=False, kind="stable")
    assert len(per_county) > 2
    fig = charts.findings_by_rule_county(vw, max_counties=2)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    rest = len(per_county) - 2
    assert len(ticks) == 3 and ticks[-1] == f"……其余{rest}个县区（{int(per_county.iloc[2:].sum())}）"
    grid = ax.images[0].get_array()
    assert grid.mask[:, -1].all() and not grid.mask[:, :-1].any()      # outside the colour scale
    assert int(grid.data[:, -1].sum()) == int(per_county.iloc[2:].sum())
    plt.close(fig)


def test_two_year_dataset_keeps_statements_apart_flags_every_error_and_shows_no_nan(two_year_clean):
    """Issue 13 points 1, 2 and 4 on two years with a statement-only county: its statement counts stay
    out of the project figures and get a profile of their own; every error finding is a red flag;
    the tables a reader sees show "—", never NaN."""
    from evalkit.report.flags import flagged_findings
    t = two_year_clean[1]
    vw = rp.Views(t)
    h = vw.headline
    st = vw.statement_counts
    only = st[st["statement_only"].astype(bool)]
    assert len(only) == 1
    county = only["county_label"].iloc[0]
    assert h["n_projects"] == len(vw.projects) and county in h["statement_only"]["counties"]
    gc = vw.grade_counts
    assert county not in set(gc["county_label"]) and int(gc["total"].sum()) == len(vw.projects)
    text = rp.headline_text(h)
    assert f"另有{county}" in text and "未计入以上项目统计" in text
    assert t["reports"]["fiscal_year"].dropna().nunique() >= 2
    sub = rp.Views(rp.filter_tables(t, region=county))
    profile = rp.headline_text(sub.headline)
    assert "没有项目自评表" in profile and "0.00万元" not in profile
    flags = vw.red_flags
    errors = flagged_findings(vw.findings)
    errors = errors[errors["severity"] == "error"]
    assert len(errors) and set(errors["project_id"].dropna()) <= set(flags["project_id"].dropna())
    shown = rp.county_summary_zh(vw.county_summary)
    assert shown.isin(["—"]).any().any()                       # the statement-only county's budget
    assert not shown.astype(str).apply(lambda c: c.str.contains("nan|NaN|None|<NA>")).any().any()


def test_a_county_report_over_two_years_names_each_rows_year(two_year_clean, tmp_path):
    """大厂回族自治县 reported in two years: its profile's project table and red-flag table, and the deck's red-flag
    slide, each say the year of every row (a project is one row a year)."""
    import lxml.html
    from pptx import Presentation
    run = rp.run_report(two_year_clean[0], tmp_path, region="大厂回族自治县", progress=False)
    page = lxml.html.parse(str(run / "html" / "10_county_profile-大厂回族自治县.html"))
    tables = list(page.iter("table"))

    def head(t):
        return [th.text_content().strip() for th in t.iter("th")]
    projects = next(t for t in tables if "执行（万元）" in head(t) and "等级来源" in head(t))
    at = head(projects).index("年度") - 1            # the index column (项目名称) is a th of its own in each row
    years = {tr.findall("td")[at].text_content().strip() for tr in projects.findall(".//tbody/tr")}
    assert years == {"2021", "2022"}
    flags = next(t for t in tables if head(t)[:3] == ["年度", "项目", "红旗"])
    flag_years = {tr.findall("td")[0].text_content() for tr in flags.findall(".//tbody/tr")}
    assert flag_years and flag_years <= years
    deck = Presentation(run / "briefing.pptx")
    table = next(sh.table for s in deck.slides for sh in s.shapes if sh.has_table)
    assert [c.text for c in table.rows[0].cells][:2] == ["县区", "年度"]


def test_project_labels_name_the_funds_a_notice_allots_and_tell_alike_ones_apart():
    names = ["关于下达2019年中央财政退役士兵安置补助资金的通知鲁财社〔2019〕72号",
             "关于下达2019年省级财政退役士兵安置补助资金的通知鲁财社〔2019〕147号",
             "关于下达2019年省级财政退役士兵安置补助资金的通知鲁财社〔2019〕31号",
             "关于提前下达2022年中央财政医疗救助补助资金预算的通知冀财社〔2021〕159号",
             "51172322T000007299749-专项业务类——专项经费", "网络运行维护费"]
    assert charts.project_labels(names) == [
        "中央财政退役士兵安置补助资金", "省级财政退役士兵安置补助…·147号", "省级财政退役士兵安置补助资金·31号",
        "中央财政医疗救助补助资金", "专项业务类——专项经费", "网络运行维护费"]
    assert charts.project_labels(names[:2], years=[2019, 2020], n=10) == ["中央财政退役士兵安…（2019）",
                                                                          "省级财政退役士兵安…（2020）"]


def test_a_county_with_many_projects_shows_its_lowest_rates_and_each_ones_year(two_year_clean):
    """More projects than the chart holds: the lowest rates are the ones drawn (they were dropped), the note says
    how many; over two years each label carries its year, so a project's two bars are told apart."""
    t = two_year_clean[1]
    vw = rp.Views(rp.filter_tables(t, region="大厂回族自治县"))
    v = vw.projects[vw.projects["rate"].notna()]
    fig = charts.execution_rate_by_project(vw, max_projects=5)
    labels = [x.get_text() for x in fig.axes[0].get_yticklabels()]
    assert len(labels) == 5 and all(x.endswith(("（2021）", "（2022）")) for x in labels)
    drawn = sorted(float(b.get_width()) for b in fig.axes[0].patches[:5])
    assert drawn == pytest.approx(sorted(v["rate"].nsmallest(5).clip(upper=115)))
    assert f"共{len(v)}个项目有执行率，列出最低的5个" in "".join(x.get_text() for x in fig.texts)
    plt.close(fig)


def test_a_project_placed_in_no_county_is_still_drawn_and_said(tmp_path):
    """A city unit's form (the published 廊坊市食品工程学校 form: county unknown) scored 98 with 86.2 % spent: the score
    histogram and the score-against-rate scatter draw it as （未定位）, the takeaways say it is a high-score low-spending
    project without naming a county (before: IndexError in the takeaways, the histogram and the county box plot)."""
    from pathlib import Path

    import evalkit
    from evalkit.ingest import ingest_paths
    from evalkit.report.views import Views
    form = Path(__file__).resolve().parent / "fixtures" / "published" / "廊坊食品工程学校2019暖通改造.txt"
    ingest_paths([form], tmp_path / "clean", progress=False, jobs=1)
    vw = Views(evalkit.load(tmp_path / "clean"))
    assert vw.projects["county_label"].isna().all()
    assert vw.takeaways["execution_vs_score"] == "1个项目自评90分以上但执行率低于90%（高分低执行）。"
    fig = charts.draw("execution_vs_score", vw)
    points = [tuple(p) for a in fig.axes for c in a.collections for p in c.get_offsets()]
    assert any(abs(x - 86.2) < 0.01 and y == 98 for x, y in points)
    for key in charts.CHARTS:
        plt.close(charts.draw(key, vw))
    plt.close("all")


def test_a_charts_note_breaks_its_lines_between_words_not_inside_a_figure():
    """A note wrapped every 76 units broke 每0.25分一组 into 每0.2 | 5分一组 (a bin of 0.2 read at a glance) and could
    start a line with a closing mark; figures stay whole, marks stay with their words, and nothing is lost."""
    text = ("横轴从90分起（965个项目在此区间），低于90分的79个项目合为左侧斜线一栏（优1、良58、中19、差1）。"
            "等级区间：优≥90，良80-90，中60-80，差<60（分）。每0.25分一组。共140个县区，合并显示。")
    lines = charts._wrap(text)
    assert "".join(lines) == text and len(lines) == 2
    assert all(not re.search(r"[\d.]$", a) or not re.match(r"[\d.]", b) for a, b in zip(lines, lines[1:]))
    assert not any(line[0] in "，。、；：）”" or line[-1] in "（“" for line in lines)
    assert all(sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in line) <= 76 for line in lines)
