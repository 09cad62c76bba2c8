"""00_explore's logic (report/explore.py) on the seeds: filter choices, red flags pointing at the figure
they are about, source excerpts read by location (never outside raw_dir), escaped tables; and `make lab`'s
notebook copies (evalkit/lab.py)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from evalkit import lab
from evalkit import report as rp
from evalkit.report import explore as ex

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _in(text: str, html: str) -> bool:
    """`text` in itables' output, which writes its data as JSON (non-ASCII as \\uXXXX) or as JavaScript."""
    return text in html or json.dumps(text)[1:-1] in html


@pytest.fixture(scope="module")
def vw(seed_tables):
    return rp.Views(rp.complete_tables(seed_tables))


def test_choices_offer_the_datas_places_years_and_the_counties_within_a_region(seed_tables):
    t = rp.complete_tables(seed_tables)
    ch = ex.choices(t)
    assert ch.regions[0] == ch.years[0] == ch.counties[0] == (ex.ALL, "")      # "" (no restriction), not None
    assert {"山西省", "湖南省", "临汾市"} <= {v for _, v in ch.regions}
    assert [v for _, v in ch.years[1:]] == sorted(set(t["reports"]["fiscal_year"].dropna().astype(int)))
    hunan = ex.choices(t, "湖南省").counties[1:]
    assert {lab for lab, _ in hunan} == {"君山区", "绥宁县"}
    assert all(re.fullmatch(r"\d{6}", code) for _, code in hunan)          # counties chosen by division code


def test_select_narrows_by_region_year_and_county(seed_tables):
    t = rp.complete_tables(seed_tables)
    code = dict(ex.choices(t, "湖南省").counties)["绥宁县"]
    s = ex.select(t, region="湖南省", year=None, county=code)
    assert set(s["reports"]["county"]) == {"绥宁县"}
    assert set(ex.select(t, year=2022)["reports"]["fiscal_year"]) == {2022}
    assert ex.scope_text("湖南省", 2024, "绥宁县") == "湖南省 · 2024年度 · 绥宁县"
    assert ex.scope_text() == "全部地区 · 全部年度 · 全部县区"


def test_initial_filters_follow_the_notebook_parameters(seed_tables):
    t = rp.complete_tables(seed_tables)
    ch = ex.choices(t)
    _, region, year, county = ex.initial(ch, "绥宁县", "2024")
    assert region == "" and year == 2024 and county == dict(ch.counties)["绥宁县"]   # a county goes to 县区
    ch2, region, year, _ = ex.initial(ch, "湖南省", "2021-2024")
    assert region == "湖南省" and year == "2021-2024" and ("2021-2024年度", "2021-2024") in ch2.years


def test_a_flag_from_a_finding_points_at_that_findings_figure(vw):
    flags = ex.flag_locations(vw.red_flags, vw.tables)
    f = vw.tables["findings"]
    mism = flags[flags["flag"] == "总分与分项合计不符"]
    assert len(mism)
    for _, r in mism.iterrows():
        src = f[(f["project_id"] == r["project_id"]) & (f["rule"] == "total_score_mismatch")].iloc[0]
        assert r["location"] == src["location"] and r["loc_line"] == src["loc_line"]
    # a flag of the figures' own (高分低执行) points at its project's table
    p = vw.tables["projects"].set_index("project_id")
    own = flags[flags["flag"] == "高分低执行"].iloc[0]
    assert own["location"] == p.loc[own["project_id"], "location"]
    assert flags["location"].notna().all()


def test_excerpt_shows_the_source_lines_around_the_flagged_figure(vw):
    flags = ex.flag_locations(vw.red_flags, vw.tables)
    for _, r in flags.iterrows():
        e = ex.excerpt(RAW, r["source_file"], r)
        assert e.note == "" and e.lines, (r["project_name"], e.note)
        hit = [text for _, text, at in e.lines if at]
        assert len(hit) == 1
        lines = (RAW / r["source_file"]).read_text(encoding="utf-8").splitlines()
        assert hit[0] == lines[int(r["loc_line"]) - 1].rstrip()       # the very line the location names
    # the project of the flag, not another one whose name shares a prefix (issue 13)
    r = flags[flags["flag"] == "零执行"].iloc[0]
    hit = next(text for _, text, at in ex.excerpt(RAW, r["source_file"], r).lines if at)
    assert "".join(hit.split()).endswith("".join(str(r["project_name"]).split())[-6:])


def test_excerpt_of_a_pdf_page_reads_that_page_and_a_missing_table_is_named():
    pdf = "01_putuo_guihua_ziranziyuan_2024_juesuan.pdf"    # its 绩效自评 statement stands on page 27
    e = ex.excerpt(RAW, pdf, {"loc_page": 27, "location": "第27页"})
    assert e.note == "" and e.lines and all(label == "第27页" for label, _, _ in e.lines)
    assert any("平均得分" in t for _, t, _ in e.lines)
    seed = "000_4437187f700bfd5f.txt"                       # a table the file does not have (file changed)
    assert "没有表999" in ex.excerpt(RAW, seed, {"loc_table": 999, "loc_row": 1}).note


def test_excerpt_never_reads_outside_raw_dir_and_says_why(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "secret.txt").write_text("密码\n", encoding="utf-8")
    e = ex.excerpt(tmp_path / "raw", "../secret.txt", {"loc_line": 1})
    assert e.lines == [] and "不在原始文件目录之内" in e.note
    assert "未设置原始文件目录" in ex.excerpt(None, "a.txt", {"loc_line": 1}).note
    assert "没有“gone.txt”" in ex.excerpt(tmp_path / "raw", "gone.txt", {"loc_line": 1}).note
    assert "压缩包" in ex.excerpt(tmp_path / "raw", "a.zip!x.docx", {}).note


def test_raw_root_defaults_to_the_folder_the_dataset_was_ingested_from(seed_clean, tmp_path):
    assert ex.raw_root(seed_clean[0], tmp_path) == tmp_path                # given: used as is
    assert ex.raw_root(seed_clean[0]) is None                              # ingested from five files: no one folder
    (tmp_path / "raw").mkdir()
    (tmp_path / "manifest.json").write_text(json.dumps({"inputs": [str(tmp_path / "raw")]}), encoding="utf-8")
    assert ex.raw_root(tmp_path) == tmp_path / "raw"
    (tmp_path / "raw").rmdir()                                             # moved away since: unknown
    assert ex.raw_root(tmp_path) is None and ex.raw_root(tmp_path / "nowhere") is None


def test_document_text_in_excerpts_and_tables_is_escaped(tmp_path):
    (tmp_path / "r.txt").write_text("前\n<script>alert(1)</script> $x$\n后\n", encoding="utf-8")
    e = ex.excerpt(tmp_path, "r.txt", {"loc_line": 2, "location": "文本第2行"})
    html = ex.excerpt_html(e)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&#36;x&#36;" in html
    assert [t for _, t, at in e.lines if at] == ["<script>alert(1)</script> $x$"]
    (tmp_path / "t.txt").write_text("项目名称\t医疗\t\t\n", encoding="utf-8")      # tab-separated cells
    assert "<b>项目名称 │ 医疗</b></td>" in ex.excerpt_html(ex.excerpt(tmp_path, "t.txt", {"loc_line": 1}))
    df = ex.html_frame(pd.DataFrame({"名称": ["<b>甲</b>", None], "得分": [93.25, float("nan")]}))
    assert list(df["名称"]) == ["&lt;b&gt;甲&lt;/b&gt;", "—"] and df["得分"].dtype == "float64"
    static = ex.static_html(df, "表")
    assert "&lt;b&gt;甲" in static and "93.25" in static and "NaN" not in static and "—" in static


def test_flags_with_excerpts_give_every_flag_a_click_through(vw):
    out = ex.flags_with_excerpts(vw, RAW)
    assert list(out.columns) == list(ex.FLAG_HEADERS.values())
    assert len(out) == len(vw.red_flags)
    assert out["原文"].str.startswith("<details>").all() and out["原文"].str.contains("查看原文").all()
    assert out["原文"].str.contains('style="background:#fff3cd').all()        # the flagged line marked


def test_static_flags_link_to_an_excerpt_section_the_report_sanitizer_keeps(vw):
    frame, section = ex.flags_with_links(vw, RAW)
    n = len(vw.red_flags)
    assert list(frame["原文"]) == [f'<a href="#flag-{i}">原文 {i}</a>' for i in range(1, n + 1)]
    assert all(f'<div id="flag-{i}">' in section for i in range(1, n + 1))
    from evalkit.report.runner import clean_html                # what the report's HTML page keeps
    page = clean_html(ex.static_html(frame, "红旗清单") + section)
    assert 'href="#flag-1"' in page and 'id="flag-1"' in page
    assert not re.search(r"&lt;/?(a|div|td|tr|b)\b", page)          # (its html5lib still escapes the tbody it adds)


def test_static_flags_make_excerpts_only_for_the_rows_the_static_table_shows(vw):
    # a province's thousands of flags: excerpts past the rows shown (no row links to them) are not made
    n = len(vw.red_flags)
    assert n >= 3
    frame, section = ex.flags_with_links(vw, RAW, limit=2)
    assert len(frame) == n and list(frame["原文"][:2]) == ['<a href="#flag-1">原文 1</a>', '<a href="#flag-2">原文 2</a>']
    assert set(frame["原文"][2:]) == {"—"}
    assert section.count('<div id="flag-') == 2 and 'id="flag-3"' not in section
    table = ex.static_html(frame, "红旗清单", limit=2)
    assert table.count('href="#flag-') == 2 and f"全部{n}行" in table


def test_interactive_tables_are_sortable_searchable_and_chinese():
    pytest.importorskip("itables")
    df = ex.html_frame(pd.DataFrame({"名称": ["<i>乙</i>", "甲"], "执行率（%）": [1234.5, float("nan")]}))
    html = ex.table_html(df, True, "项目")

    def has(text):
        return _in(text, html)
    assert has("搜索：") and has("没有匹配的行") and '"topEnd": "search"' in html      # Chinese, search box always
    assert not re.search(r"import[^;]*https?://", html)                                  # offline: nothing fetched
    assert has("&lt;i&gt;乙&lt;/i&gt;") and "<i>乙" not in html                          # escaped once, not twice
    assert has("1,234.5") and (has("'—'") or "'\\u2014'" in html)                       # missing shown "—"
    assert "<table" in ex.table_html(df, False) and "<script" not in ex.table_html(df, False)


def test_explorer_filters_are_three_chinese_dropdowns_and_redraw_the_view(seed_tables):
    pytest.importorskip("ipywidgets")
    t = rp.complete_tables(seed_tables)
    box = ex.explorer(t, RAW)
    reg, yr, cty = box.children[0].children
    out = box.children[1]
    assert [d.description for d in (reg, yr, cty)] == ["地区", "年度", "县区"]
    assert [d.label for d in (reg, yr, cty)] == [ex.ALL] * 3                 # "全部" shown, not a blank box
    html = out.outputs[0]["data"]["text/html"]
    assert "全部地区 · 全部年度 · 全部县区" in html and "查看原文" in html
    reg.value = "湖南省"                                   # the 县区 list follows the region
    assert {lab for lab, _ in cty.options[1:]} == {"君山区", "绥宁县"} and cty.value == "" and cty.label == ex.ALL
    cty.value = dict(cty.options)["君山区"]
    html = out.outputs[0]["data"]["text/html"]
    assert "湖南省 · 全部年度 · 君山区" in html and _in("职工医保基金", html) and not _in("医疗保障服务能力提升", html)


def test_lab_copies_point_at_the_data_use_the_project_kernel_and_keep_existing_copies(tmp_path):
    dest = tmp_path / "notebooks"
    written = lab.copy_notebooks(dest, tmp_path / "data" / "clean", tmp_path / "data" / "raw")
    src = rp.runner.find_notebooks_dir()
    assert {p.name for p in written} == {p.name for p in src.glob("*.ipynb")}
    nb = nbformat.read(dest / "00_explore.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "evalkit"
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert "clean_dir = '../data/clean'  # evalkit ingest --out 的目录" in params.source
    assert "raw_dir = '../data/raw'" in params.source and "interactive = True" in params.source
    # the packaged notebook is untouched, and a copy the analyst edited is kept
    assert nbformat.read(src / "00_explore.ipynb", as_version=4).metadata["kernelspec"]["name"] == "python3"
    (dest / "00_explore.ipynb").write_text("mine", encoding="utf-8")
    assert lab.copy_notebooks(dest, tmp_path / "data" / "clean") == []
    assert (dest / "00_explore.ipynb").read_text(encoding="utf-8") == "mine"
