"""evalkit report: every notebook run through papermill on the bundled data (once per session),
and what the run leaves behind — notebooks, HTML without code, charts, workbook, deck,
`latest` — plus the failure path, idempotent reruns and the lock, on tiny notebooks."""
from __future__ import annotations

import html
import json
import os
import re
import struct
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest

from evalkit.errors import NothingSelected, UsageError
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from evalkit import cli
from evalkit import report as rp
from evalkit.report import runner
from evalkit.report.xlsx import SHEET_AGENCY, SHEET_COUNTY, SHEET_FLAGS, TABLE_SHEETS

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
COUNTIES = ["曲沃县", "开江县", "绥宁县", "大厂回族自治县", "君山区", "普陀区"]


@pytest.fixture(scope="session")
def clean_dir(raw_clean):
    """data/raw ingested once into a temporary clean folder (conftest.raw_clean, shared)."""
    return raw_clean


@pytest.fixture(scope="session")
def run(clean_dir, tmp_path_factory):
    """One full report run: all four notebooks (the county profile for the largest county, to
    keep the suite fast), with in-process warnings captured."""
    out = tmp_path_factory.mktemp("reports")
    cwd = os.getcwd()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = rp.run_report(clean_dir, out, progress=False, county_profiles=1, raw_dir=RAW)
    return {"path": path, "out": out, "warnings": [str(w.message) for w in caught],
            "tables": rp.load_tables(clean_dir), "cwd": (cwd, os.getcwd())}


def test_report_leaves_the_callers_working_directory(run):
    before, after = run["cwd"]        # notebooks run two at a time: no process-wide chdir
    assert after == before


def test_run_folder_and_latest(run):
    path, out = run["path"], run["out"]
    assert path.parent == out / "all" and re.fullmatch(r"all-all-\d{8}T\d{6}Z(-\d+)?", path.name)
    for latest in (out / "all" / "latest", out / "latest"):      # the region's, and the newest of any region
        assert latest.is_symlink() and latest.resolve() == path.resolve()
    info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    assert info["status"] == "ok" and info["glyph_warnings"] == 0
    assert set(info["counties"]) == set(COUNTIES)
    assert (path / "report.log").read_text(encoding="utf-8").count(" ok ") >= 4
    assert (path / "index.html").exists()


def test_every_notebook_executed(run):
    nbs = {p.stem for p in (run["path"] / "notebooks").glob("*.ipynb")}
    assert {"00_explore", "20_cross_county", "30_regional_summary",
            "10_county_profile-大厂回族自治县"} == nbs
    for p in (run["path"] / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(p, as_version=4)
        assert nb.metadata["papermill"]["exception"] is None, p.name
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert errors == [], p.name
        params = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert params, f"{p.name}: papermill parameters not injected"


def test_no_missing_glyph_warnings(run):
    assert not [w for w in run["warnings"] if "Glyph" in w or "missing from" in w]
    for p in (run["path"] / "notebooks").glob("*.ipynb"):
        text = p.read_text(encoding="utf-8")
        assert not runner.GLYPH_WARNING.search(text), p.name
        assert "findfont" not in text, p.name


def _png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    return struct.unpack(">II", head[16:24])


def test_chart_files(run):
    charts = run["path"] / "charts"
    manifest = json.loads((charts / "charts.json").read_text(encoding="utf-8"))
    assert len(manifest) == 6
    for e in manifest:
        png, svg = charts / e["png"], charts / e["svg"]
        assert png.stat().st_size > 40_000 and svg.stat().st_size > 30_000, e["name"]
        w, h = _png_size(png)
        assert w >= 2400 and h >= 1350 and abs(w / h - 16 / 9) < 0.01
        assert e["title"] and e["takeaway"]
    county = charts / "counties" / "大厂回族自治县"
    assert len(list(county.glob("*.png"))) == 2 and len(list(county.glob("*.svg"))) == 2


def test_html_without_code_names_every_county(run):
    html = run["path"] / "html"
    assert {p.stem for p in html.glob("*.html")} == {p.stem for p in (run["path"] / "notebooks").glob("*.ipynb")}
    for name in ("30_regional_summary", "20_cross_county"):
        text = (html / f"{name}.html").read_text(encoding="utf-8")
        for c in COUNTIES:
            assert c in text, f"{name}.html does not name {c}"
        assert "charts.show(" not in text and "rp.load_tables" not in text  # no code
        assert "data:image/png;base64" in text
        assert "Traceback" not in text


# data/raw's rows as transcribed by hand (tests/truth: 8 reports, 30 projects, 255 indicator lines;
# 003's summary table and the three 部门决算 statements; the seeds' 35 findings, none for the PDFs).
WORKBOOK_ROWS = {"reports": 8, "projects": 30, "indicators": 255, "summaries": 4, "findings": 35}
# The red flags of data/raw, from the documents: 优 scores (>= 90) with a rate under 90 %, budgets
# with nothing spent, a rate stated as "10" for 100 %, totals that are not the sum of their lines.
RED_FLAGS = [
    ("医疗保障服务经费", "高分低执行"),                                   # 95.65 分, 74.11 %
    ("冀财社(2022)49号", "高分低执行"),                                   # 97.75 分, 77.5 %
    ("支付省级以上劳模及计生后遗症报销费用", "高分低执行"),               # 98.4 分, 83.6 %
    ("职工医保基金", "高分低执行"),                                       # 99 分, 87.9 % of 年初预算
    ("更新购置医保监督执法用车", "高分低执行"),                           # 98.8 分, 88.1 %
    ("冀财社(2021)150号", "零执行"),                                      # 2 万元, 0 spent
    ("家庭医生签约服务费", "零执行"),                                     # 90 万元, 0 spent
    ("冀财社[2022]178号", "零执行"),                                      # 23 万元, 0 spent
    ("冀财社(2021)179号", "执行率与金额不符"),                            # "10" for 100 %
    ("冀财社(2021)159号", "执行率与金额不符"),
    ("医保基金监管专项检查经费", "总分与分项合计不符"),                   # lines 110, 总分 100
    ("医疗保障服务能力提升", "总分与分项合计不符"),                       # lines 90, 总分 100
    # every other error finding, and the warnings an auditor acts on (flags.AUDIT_WARNINGS)
    ("“大数据+医保”平台采购项目", "预算大幅调减"),                       # 170 → 9.33 万元
    ("专项业务类——专项经费", "预算大幅调减"),                             # 32 → 8.99 万元
    ("医保基金监管专项检查经费", "预算执行得分与权重×执行率不符"),
    ("医保基金监管专项检查经费", "各行权重之和与满分不符"),
    ("医疗保障服务能力提升", "各行权重之和与满分不符"),
    ("医疗保障服务能力提升", "正文所述得分与表格不符"),
    (None, "汇总表资金总量与项目表不符"),                                 # 003's summary table, no project
    ("医保办公运行补助", "同一项目在两处填报的执行率不一致"),             # 94.75 % and 95 %
    ("冀财社(2022)49号", "成本指标金额超过项目预算"),
    ("冀财社(2022)49号", "指标与另一项目完全相同"),
    ("冀财社[2022]178号", "总成本指标远低于项目预算"),
    ("冀财社[2022]178号", "指标与另一项目完全相同"),
]


def _column(ws, field):
    """The values of a sheet's column whose header ends with `field` (headers: 中文\nfield)."""
    header = [str(c.value) for c in ws[1]]
    i = next(k for k, h in enumerate(header) if h.split("\n")[-1] == field)
    return [row[i] for row in ws.iter_rows(min_row=2, values_only=True)]


def test_workbook(run):
    wb = load_workbook(run["path"] / "summary.xlsx")
    expected = ["说明", SHEET_COUNTY, SHEET_AGENCY, SHEET_FLAGS, *TABLE_SHEETS.values()]
    assert wb.sheetnames == expected
    agencies = dict(zip(_column(wb[SHEET_AGENCY], "agency"), _column(wb[SHEET_AGENCY], "n_projects")))
    assert agencies["大厂回族自治县医疗保障局"] == 23 and sum(agencies.values()) == 30
    for table, sheet in TABLE_SHEETS.items():
        ws = wb[sheet]
        assert ws.max_row - 1 == WORKBOOK_ROWS[table], sheet
        assert ws.freeze_panes == "B2"
    counties = _column(wb[SHEET_COUNTY], "county_label")
    assert sorted(counties) == sorted(COUNTIES)
    flags = wb[SHEET_FLAGS]
    got = [(next((k for k, _ in RED_FLAGS if k and str(name).endswith(k)), name), flag)
           for name, flag in zip(_column(flags, "project_name"), _column(flags, "flag"))]
    assert sorted(got, key=str) == sorted(RED_FLAGS, key=str)
    ws = wb[TABLE_SHEETS["projects"]]
    header = [c.value for c in ws[1]]
    col = {h.split("\n")[-1]: i for i, h in enumerate(header)}
    row2 = ws[2]
    assert row2[col["budget_full_year"]].number_format == "#,##0.00"
    assert row2[col["execution_rate"]].number_format == '0.0"%"'
    assert ws[1][0].font.bold and ws[1][0].fill.fgColor.rgb.endswith("1F4E79")
    rules = [r for rng in ws.conditional_formatting for r in rng.rules]
    assert any('"优"' in (r.formula or [""])[0] for r in rules)
    assert any("<90" in (r.formula or [""])[0] for r in rules)
    sev = wb[TABLE_SHEETS["findings"]].conditional_formatting
    assert any('"错误"' in (r.formula or [""])[0] for rng in sev for r in rng.rules)


def test_deck(run):
    path = run["path"]
    manifest = json.loads((path / "charts" / "charts.json").read_text(encoding="utf-8"))
    prs = Presentation(path / "briefing.pptx")
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    slides = list(prs.slides)
    pictures = [s for s in slides if any(sh.shape_type == MSO_SHAPE_TYPE.PICTURE for sh in s.shapes)]
    assert len(pictures) == len(manifest) == 6
    assert "简报" in " ".join(sh.text_frame.text for sh in slides[0].shapes if sh.has_text_frame)
    for s, e in zip(pictures, manifest):
        text = " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame)
        assert e["title"] in text and "要点" in text
    with zipfile.ZipFile(path / "briefing.pptx") as z:
        xml = z.read("ppt/slides/slide2.xml").decode("utf-8")
    assert re.search(r'<a:latin typeface="[^"]+"/><a:ea typeface="Microsoft YaHei"/>', xml)


def test_unknown_region_fails_fast(clean_dir, tmp_path):
    with pytest.raises(UsageError, match="火星"):
        rp.run_report(clean_dir, tmp_path, region="火星", progress=False)
    assert not any(tmp_path.iterdir())


def test_empty_selection_exits_3_and_leaves_latest(clean_dir, tmp_path, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "earlier-run").mkdir()
    os.symlink("earlier-run", out / "latest")
    with pytest.raises(NothingSelected, match="湖南省 2021年度 没有报告"):
        rp.run_report(clean_dir, out, region="湖南省", year="2021", progress=False, county_profiles=False)
    rc = cli.main(["report", "--clean", str(clean_dir), "--out", str(out), "--region", "湖南省", "--year", "2030", "--quiet"])
    assert rc == 3 and "没有报告" in capsys.readouterr().err
    assert os.readlink(out / "latest") == "earlier-run"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["earlier-run", "latest"]


# ----------------------------------------------------------------------------- tiny notebooks

def _tiny_notebooks(folder: Path, failing: str | None = None) -> Path:
    """Stand-ins for the four notebooks: the real parameters cell and one cell (raising in `failing`)."""
    folder.mkdir(parents=True, exist_ok=True)
    real = runner.find_notebooks_dir()
    for name in ("00_explore", "10_county_profile", "20_cross_county", "30_regional_summary"):
        nb = nbformat.v4.new_notebook()
        params = next(c for c in nbformat.read(real / f"{name}.ipynb", as_version=4).cells
                      if "parameters" in c.metadata.get("tags", []))
        body = "print('ok', clean_dir)"
        if name == failing:
            body = "x = 1\nraise RuntimeError('boom in the briefing')"
        nb.cells = [params, nbformat.v4.new_markdown_cell("# 标题"), nbformat.v4.new_code_cell(body)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def test_failing_notebook_is_kept_and_named(clean_dir, tmp_path):
    nbs = _tiny_notebooks(tmp_path / "nbs", failing="30_regional_summary")
    out = tmp_path / "reports"
    with pytest.raises(rp.NotebookFailed) as ei:
        rp.run_report(clean_dir, out, progress=False, notebooks_dir=nbs, county_profiles=False)
    e = ei.value
    assert e.notebook == "30_regional_summary.ipynb"
    assert "30_regional_summary.ipynb" in str(e) and "cell" in str(e) and "boom in the briefing" in str(e)
    assert e.cell is not None
    kept = nbformat.read(e.output, as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and errors[0]["ename"] == "RuntimeError"
    assert not (out / "latest").exists()
    run_dir = e.output.parents[1]
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "failed"
    assert "FAILED 30_regional_summary" in (run_dir / "report.log").read_text(encoding="utf-8")


def test_cli_exit_code_on_failure(clean_dir, tmp_path, capsys, monkeypatch):
    nbs = _tiny_notebooks(tmp_path / "nbs", failing="20_cross_county")
    monkeypatch.setenv("EVALKIT_NOTEBOOKS", str(nbs))
    rc = cli.main(["report", "--clean", str(clean_dir), "--out", str(tmp_path / "r"), "--quiet",
                  "--no-county-profiles", "--region", "湖南省", "--year", "2022"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "20_cross_county.ipynb" in err and "cell" in err


def test_reruns_are_independent_and_latest_moves(clean_dir, tmp_path):
    nbs = _tiny_notebooks(tmp_path / "nbs")
    out = tmp_path / "reports"
    kw = dict(progress=False, notebooks_dir=nbs, county_profiles=False, region="湖南省", year=2022)
    first = rp.run_report(clean_dir, out, **kw)
    assert first.name.startswith("湖南省-2022-") and first.parent == out / "湖南省"
    assert (out / "latest").resolve() == (out / "湖南省" / "latest").resolve() == first.resolve()
    names = sorted(p.name for p in (first / "notebooks").iterdir())
    second = rp.run_report(clean_dir, out, keep=1, **kw)  # same inputs: a new folder, same files
    assert second != first and (out / "latest").resolve() == second.resolve()
    assert sorted(p.name for p in (second / "notebooks").iterdir()) == names
    remaining = sorted(p.name for p in (out / "湖南省").iterdir() if p.is_dir() and not p.is_symlink())
    assert remaining == [second.name]  # keep=1 pruned the older successful run
    index = (out / "index.html").read_text(encoding="utf-8")   # every run, with its region and status
    assert index.count("<tr>") == 2 and "湖南省" in index and "成功（最新）" in index


def test_lock_stops_a_concurrent_run(clean_dir, tmp_path):
    out = tmp_path / "reports"
    with runner._Lock(out / ".report.lock"):
        with pytest.raises(rp.ReportBusy):
            rp.run_report(clean_dir, out, progress=False, county_profiles=False)
    assert os.listdir(out) == [".report.lock"]


def test_cli_prints_the_report_path_once(clean_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("EVALKIT_NOTEBOOKS", str(_tiny_notebooks(tmp_path / "nbs")))
    rc = cli.main(["report", "--clean", str(clean_dir), "--out", str(tmp_path / "r"),
                   "--no-county-profiles", "--region", "湖南省", "--year", "2022"])
    got = capsys.readouterr()
    run_dir = next((tmp_path / "r" / "湖南省").glob("湖南省-2022-*"))
    assert rc == 0 and (got.out + got.err).count(str(run_dir)) == 1 and "报告已写入" in got.out


# ----------------------------------------------------------------------------- what a reader sees

def _page_text(path: Path) -> str:
    """An HTML page without its embedded images (base64 can hold any letters)."""
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8"))


def test_html_pages_titled_in_chinese_without_nan_or_escaped_markup(run):
    titles = {}
    for p in (run["path"] / "html").glob("*.html"):
        text = _page_text(p)
        titles[p.stem] = re.search(r"<title>(.*?)</title>", text).group(1)
        assert not re.match(r"\d", titles[p.stem]), p.name
        for bad in ("NaN", "<td>nan</td>", "<td>None</td>", "&lt;NA&gt;", "&lt;h1", "&lt;p&gt;", "&lt;table", "&lt;style"):
            assert bad not in text, f"{p.name}: {bad}"
        assert "Kernel is running over TCP" not in text
    assert titles["30_regional_summary"].startswith("区域绩效自评简报")
    assert titles["10_county_profile-大厂回族自治县"].startswith("县区画像：大厂回族自治县")
    # as a browser reads it (nbconvert 7.0 writes CJK text as character references)
    summary = html.unescape(_page_text(run["path"] / "html" / "30_regional_summary.html"))
    assert re.search(r"<h1[^>]*>区域绩效自评简报", summary)            # headings render as headings
    row = re.search(r"<th>普陀区</th>(.*?)</tr>", summary, re.S).group(1)   # no budget: shown as —
    assert "<td>—</td>" in row
    assert "93.25" in summary and "93.20" not in summary           # 曲沃县's score as printed


def test_report_log_has_no_kernel_warnings(run):
    log = (run["path"] / "report.log").read_text(encoding="utf-8")
    assert "ok 30_regional_summary" in log and "Kernel is running over TCP" not in log


def test_landing_page(run):
    path = run["path"]
    page = (path / "index.html").read_text(encoding="utf-8")
    assert "<title>全部地区 · 全部年度 预算绩效自评简报</title>" in page
    assert "7,113.06" in page and "87.9" in page                    # headline figures, by numbers.fmt
    manifest = json.loads((path / "charts" / "charts.json").read_text(encoding="utf-8"))
    for e in manifest:                                              # every chart as a thumbnail with its takeaway
        assert f"<img loading='lazy' src='charts/{e['png']}'" in page and e["title"] in page
    assert "<a href='html/10_county_profile-大厂回族自治县.html'>大厂回族自治县</a>" in page
    assert ">区域绩效自评简报</a>" in page and ">10_county_profile" not in page
    for export in ("summary.xlsx", "briefing.pptx"):
        assert f"<a href='{export}'>" in page


def test_reports_index_lists_runs_with_headline_figures(run):
    out, path = run["out"], run["path"]
    info = json.loads((path / "run.json").read_text(encoding="utf-8"))
    assert info["region_folder"] == "all" and info["headline"]["n_projects"] == 30
    assert info["headline"]["budget"] == pytest.approx(7113.06)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f"href='all/{path.name}/index.html'" in index and "href='all/latest/index.html'" in index
    assert "全部地区" in index and "成功（最新）" in index and "7,113.06" in index


def test_workbook_values_and_formats_in_chinese(run):
    wb = load_workbook(run["path"] / "summary.xlsx")
    assert set(_column(wb[TABLE_SHEETS["findings"]], "severity")) <= {"错误", "警告", "提示"}
    kinds = set(_column(wb[TABLE_SHEETS["reports"]], "doc_kind"))
    assert kinds and not any(re.search(r"[a-z]_[a-z]", str(k)) for k in kinds), kinds
    assert set(_column(wb[TABLE_SHEETS["reports"]], "status")) == {"成功"}
    ws = wb[TABLE_SHEETS["projects"]]
    col = {str(c.value).split("\n")[-1]: i for i, c in enumerate(ws[1])}
    assert ws[2][col["total_score"]].number_format == "0.00"      # not 0.## ("100.")
    county = wb[SHEET_COUNTY]
    ccol = {str(c.value).split("\n")[-1]: i for i, c in enumerate(county[1])}
    assert county[2][ccol["n_projects"]].number_format == "#,##0"


def test_briefing_keeps_statement_counts_apart_and_names_weights(run):
    """Issue 13: 普陀区's 44 statement counts are not added to the 30 projects; the project holding
    83 % of the budget is named; the flagged budget cut is on the red-flag list."""
    path = run["path"]
    manifest = {e["name"]: e for e in json.loads((path / "charts" / "charts.json").read_text(encoding="utf-8"))}
    grade = next(e for n, e in manifest.items() if n.endswith("grade_counts_by_county"))["takeaway"]
    assert grade.startswith("项目自评表共30个项目") and "74" not in grade and "普陀区只有汇总表或决算说明" in grade
    money = next(e for n, e in manifest.items() if n.endswith("budget_vs_execution"))["takeaway"]
    assert "“职工医保基金”一个项目决定" in money and "年初预算" in money
    text = (path / "html" / "30_regional_summary.html").read_text(encoding="utf-8")
    assert "预算大幅调减" in text and "计算所用项目" in text and "只有汇总表或决算说明的县区" in text
    assert "预算合计0.00万元" not in text                # 普陀区's unknown budget is not 0


def test_explore_shows_static_red_flags_each_linked_to_its_source_lines(run):
    """Under papermill no script runs: 00_explore's filters degrade to static tables, and every red
    flag links to the source lines around its figure (found in the ingested folder), in the notebook
    and in its sanitized HTML page."""
    nb = nbformat.read(run["path"] / "notebooks" / "00_explore.ipynb", as_version=4)
    html = [o["data"]["text/html"] for c in nb.cells for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    view = next(h for h in html if "红旗清单" in h)
    n_flags = len(rp.red_flags(rp.Views(run["tables"])))
    assert n_flags > 0 and all(f'<a href="#flag-{i}">' in view and f'<div id="flag-{i}">' in view
                               for i in range(1, n_flags + 1))
    assert "<script" not in "".join(html) and "application/vnd.jupyter.widget-view+json" not in json.dumps(nb.cells)
    assert "未设置原始文件目录" not in view and view.count("</b></td></tr>") >= n_flags   # lines found, marked
    page = (run["path"] / "html" / "00_explore.html").read_text(encoding="utf-8")
    assert '<a href="#flag-1">' in page and 'id="flag-1"' in page and "&lt;td" not in page and "&lt;a" not in page


def test_county_profile_links_each_red_flag_to_its_files_inspect_page(run):
    """The profile's red flags link to html/inspect/ pages, written only for flagged files, at the row
    the flag is about (an id on the inspect page)."""
    path = run["path"]
    inspect = path / "html" / "inspect"
    pages = json.loads((inspect / "pages.json").read_text(encoding="utf-8"))
    profile = next((path / "html").glob("10_county_profile-*.html")).read_text(encoding="utf-8")
    links = re.findall(r"href=[\"']\.\./html/inspect/([^\"'#]+)#(t\d+-r\d+)[\"']", profile)
    assert links and len(links) == profile.count("读取视图</a>")
    for page, anchor in set(links):
        assert f"id='{anchor}'" in (inspect / page).read_text(encoding="utf-8")
    flagged = set(rp.Views(run["tables"]).red_flags["source_file"])
    assert pages["pages"] and set(pages["pages"]) <= flagged
    assert {p.name for p in inspect.glob("*.html")} == set(pages["pages"].values())


def test_county_profile_lists_its_agencies(run):
    import html
    page = next((run["path"] / "html").glob("10_county_profile-*.html")).read_text(encoding="utf-8")
    profile = html.unescape(page)       # older nbconvert writes the headings' CJK as character references
    assert "3. 各部门" in profile and "大厂回族自治县医疗保障局" in profile and "项目问题数" in profile


def test_reports_count_findings_by_decision(run):
    for stem in ("30_regional_summary", "10_county_profile-*"):
        html = next((run["path"] / "html").glob(f"{stem}.html")).read_text(encoding="utf-8")
        assert "按复核结论" in html and "待复核" in html, stem


def test_a_report_folder_inside_the_inputs_is_not_read_again(run, tmp_path):
    """An analyst's folder holding the reports and evalkit's report folder (reports/, with its pages, workbook and
    charts): a re-ingest reads the reports only (00_explore's page holds a project's table and would count it
    twice; the charts would go to OCR) and says which folder it left out; a run folder given itself is left out
    too."""
    import shutil

    from evalkit.errors import InputError
    from evalkit.ingest import ingest_paths
    src = tmp_path / "材料"
    src.mkdir()
    for p in RAW.glob("*.txt"):
        shutil.copy(p, src / p.name)
    shutil.copytree(run["out"], src / "reports", symlinks=True)
    stats: dict = {}
    t = ingest_paths([src], tmp_path / "clean", checks=False, stats=stats)
    assert sorted(t["reports"]["source_file"]) == sorted(p.name for p in RAW.glob("*.txt"))
    assert len(t["projects"]) == len(run["tables"]["projects"][run["tables"]["projects"]["source_file"].str.endswith(".txt")])
    assert stats["own_outputs"] == ["reports/（evalkit 报告输出文件夹）"]
    with pytest.raises(InputError, match="1 个 evalkit 自己生成的文件夹未读"):
        ingest_paths([src / "reports" / "latest"], tmp_path / "clean2", checks=False)
