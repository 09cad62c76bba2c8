"""Document text is data, never markup or code; absurd figures never blow up a report.

One hostile dataset per session — the seeds ingested, then edited with pandas: project names
that are HTML (`<img onerror>`, `<script>`), mathtext (`$\\x$`), a control character, text
starting with = + - @, a score of 1e9, a negative budget, an execution rate of 10 000 %, and a
county with a report but no projects — and one `evalkit report` run on it. The run must finish
with bounded kernel memory; its HTML shows the text escaped; summary.xlsx holds it as text
(no formula cells); the charts draw it literally and keep absurd values at the edge, flagged.
"""
from __future__ import annotations

import ast
import re
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from evalkit import report as rp

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
if not SEEDS.is_dir():
    SEEDS = ROOT / "data" / "raw"

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '<script>alert("x")</script>'
MATH = r"$\x$ 项目"
BELL = "退役军人\x07辅助性岗位经费"
FORMULAS = ['=HYPERLINK("http://evil.example","点击")', "+1+2 网络设备", "-3 通用办公设备", "@SUM(1) 咨询服务"]
EMPTY_COUNTY = "空县<script>alert(3)</script>"
FINDING = "<img src=x onerror=alert(2)>"
KERNEL_RSS_LIMIT_MB = 1500


def build_hostile(clean: Path, out: Path) -> dict[str, pd.DataFrame]:
    """The ingested seeds in `clean`, edited into the hostile dataset written to `out`."""
    t = {name: pd.read_parquet(clean / f"{name}.parquet")
         for name in ("reports", "projects", "indicators", "summaries", "findings")}
    p = t["projects"].copy()
    by_county = {c: list(p.index[p["county"] == c]) for c in p["county"].unique()}
    dachang = by_county["大厂回族自治县"]
    i = by_county["曲沃县"][0]                                     # high score, low execution:
    p.loc[i, "project_name"] = IMG                                # listed in the red flags
    p.loc[i, "executed"] = float(p.loc[i, "budget_full_year"]) / 2
    p.loc[i, ["execution_rate", "execution_rate_calc"]] = 50.0
    p.loc[by_county["开江县"][0], "project_name"] = SCRIPT
    p.loc[by_county["绥宁县"][0], "project_name"] = MATH
    p.loc[dachang[0], "project_name"] = BELL
    for i, name in zip(dachang[2:6], FORMULAS):
        p.loc[i, "project_name"] = name
    p.loc[dachang[6], "total_score"] = 1e9                       # absurd score
    i = dachang[7]                                                # negative budget
    p.loc[i, ["budget_full_year", "budget_initial"]] = -50.0
    p.loc[i, "execution_rate_calc"] = float(p.loc[i, "executed"]) / -50.0 * 100
    i = dachang[8]                                                # 10 000 % executed
    p.loc[i, "executed"] = float(p.loc[i, "budget_full_year"]) * 100
    p.loc[i, ["execution_rate", "execution_rate_calc"]] = 10000.0
    t["projects"] = p
    r = t["reports"].copy()
    r.loc[r.index[0], "agency"] = "=1+1单位"
    extra = {c: pd.NA for c in r.columns}
    extra.update(report_id="empty0000", source_file="empty.txt", format="txt", status="ok",
                 county=EMPTY_COUNTY, city="临汾市", province="山西省", agency="@空单位",
                 fiscal_year=2022, doc_kind="决算报告", n_projects=0)
    t["reports"] = pd.concat([r, pd.DataFrame([extra]).astype(r.dtypes.to_dict())], ignore_index=True)
    f = t["findings"].copy()
    if len(f):
        f.loc[f.index[0], "message"] = FINDING
    t["findings"] = f
    out.mkdir(parents=True, exist_ok=True)
    for name, df in t.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
    return t


@pytest.fixture(scope="session")
def hostile(tmp_path_factory, seed_clean):
    """The seeds ingested once (conftest.seed_clean, when data/raw's seeds are SEEDS' bytes),
    edited into the hostile dataset."""
    from conftest import SEEDS as RAW_SEEDS
    from evalkit.ingest import ingest_paths
    base = tmp_path_factory.mktemp("hostile")
    seeds_clean = seed_clean[0]
    if {p.name: p.read_bytes() for p in SEEDS.iterdir()} != {p.name: p.read_bytes() for p in RAW_SEEDS}:
        seeds_clean = base / "seeds_clean"                  # other seeds: ingest them here
        ingest_paths([SEEDS], seeds_clean, progress=False)
    clean = base / "data" / "clean"
    tables = build_hostile(seeds_clean, clean)
    return {"clean": clean, "tables": tables}


@pytest.fixture(scope="session")
def hostile_run(hostile, tmp_path_factory):
    """The report run in a fresh process, so the peak RSS of its children is the kernels' alone
    (this test process's own children, e.g. OCR workers of other tests, are not counted). One
    kernel runs all four notebooks in turn (workers=1): one kernel start and import less, and the
    kernel whose memory is bounded is the one that ran them all."""
    import json
    import subprocess
    out = tmp_path_factory.mktemp("hostile_reports")
    code = ("import json, resource, sys\nfrom evalkit.report import run_report\n"
            "p = run_report(sys.argv[1], sys.argv[2], progress=False, county_profiles=1, workers=1)\n"
            "print(json.dumps({'path': str(p), 'rss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
            "from evalkit.cli import exit_now\nexit_now(0)\n")      # no teardown abort by Arrow's threads
    r = subprocess.run([sys.executable, "-c", code, str(hostile["clean"]), str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])     # kernels are children of that process
    return {"path": Path(res["path"]), "rss_mb": res["rss_kb"] / 1024}


# --------------------------------------------------------------------------- the report run

def test_run_finishes_with_bounded_kernel_memory(hostile_run):
    path = hostile_run["path"]
    assert (path / "run.json").exists() and (path / "summary.xlsx").exists()
    assert hostile_run["rss_mb"] < KERNEL_RSS_LIMIT_MB, f"kernel peak RSS {hostile_run['rss_mb']:.0f} MB"


def _html_pages(path: Path) -> list[Path]:
    pages = sorted((path / "html").glob("*.html")) + [path / "index.html"]
    assert len(pages) >= 5
    return pages


class _LiveTags(HTMLParser):
    """What a browser would run: event-handler attributes and <script> bodies."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.handlers, self.scripts, self.imgs, self._in_script = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.handlers += [(tag, k, v) for k, v in attrs if k.lower().startswith("on")]
        if tag == "img":
            self.imgs.append(dict(attrs).get("src"))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_html_shows_document_text_escaped(hostile_run):
    seen_escaped = set()
    for page in _html_pages(hostile_run["path"]):
        html = page.read_text(encoding="utf-8")
        live = _LiveTags()
        live.feed(html)
        # nbconvert's own scripts (require.js, MathJax config) are fine; nothing from the documents
        assert [h for h in live.handlers if "alert" in (h[2] or "")] == [], page.name
        assert [sc for sc in live.scripts if "alert(" in sc] == [], page.name
        assert "x" not in live.imgs, page.name
        assert "<script>alert" not in html and "<img src=x" not in html, page.name
        if "&lt;script&gt;alert" in html:
            seen_escaped.add("script")
        if "&lt;img src=x onerror=alert(1)&gt;" in html:
            seen_escaped.add("img")
    assert seen_escaped == {"script", "img"}  # the names are shown, as text


class _MathText(HTMLParser):
    """Text with a `$` and whether MathJax would skip it (an ancestor with tex2jax_ignore, or
    pre/code/script/style/textarea, which MathJax never typesets)."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}
    SKIP = {"pre", "code", "script", "style", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.found = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        cls = dict(attrs).get("class") or ""
        self.stack.append((tag, tag in self.SKIP or "tex2jax_ignore" in cls.split()))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if "$" in data:
            self.found.append((data.strip()[:60], any(skip for _, skip in self.stack)))


def test_html_dollar_text_is_not_typeset(hostile_run):
    """`$\\x$` is shown where MathJax is told to keep out (tex2jax_ignore), never as math."""
    shown = 0
    for page in (hostile_run["path"] / "html").glob("*.html"):
        parser = _MathText()
        parser.feed(page.read_text(encoding="utf-8"))
        typeset = [text for text, skipped in parser.found if not skipped]
        assert typeset == [], page.name
        shown += sum("$\\x$" in text for text, _ in parser.found)
    assert shown >= 1


def test_workbook_keeps_document_text_as_text(hostile_run):
    from openpyxl import load_workbook
    wb = load_workbook(hostile_run["path"] / "summary.xlsx")
    formulas, texts = [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    formulas.append((ws.title, c.coordinate, c.value))
                if isinstance(c.value, str):
                    texts.append(c.value)
    assert formulas == []
    assert "=0万元" in texts and "=1人" in texts
    assert FORMULAS[0] in texts and "=1+1单位" in texts and "@空单位" in texts
    assert "退役军人辅助性岗位经费" in texts  # the control character dropped, the rest kept
    assert IMG in texts and SCRIPT in texts
    ws = wb["项目 projects"]
    header = [c.value.split("\n")[-1] for c in ws[1]]
    col = header.index("total_score") + 1
    scores = [ws.cell(row=i, column=col) for i in range(2, ws.max_row + 1)]
    assert any(c.data_type == "n" and c.value == 1e9 for c in scores)  # numbers stay numbers
    flags = wb["红旗清单"]
    assert any(c.value == "数值异常" for row in flags.iter_rows() for c in row)


def test_charts_exist_and_deck_is_plain_text(hostile_run):
    charts_dir = hostile_run["path"] / "charts"
    pngs = list(charts_dir.glob("*.png"))
    assert len(pngs) >= 6 and all(p.stat().st_size > 20_000 for p in pngs)
    with zipfile.ZipFile(hostile_run["path"] / "briefing.pptx") as z:
        for name in z.namelist():
            if name.endswith(".xml"):
                data = z.read(name)
                assert b"\x07" not in data
                assert b"<script>" not in data


# --------------------------------------------------------------------------- units, no kernels

def test_aggregates_bound_absurd_values(hostile):
    t = rp.complete_tables(hostile["tables"], run_checks=False)
    v = rp.project_view(t)
    assert v["anomaly"].notna().sum() == 3
    h = rp.headline(t)
    assert 0 <= h["mean_score"] <= 100 and 0 <= h["median_rate"] <= 200
    cs = rp.county_summary(t).set_index("county_label")
    assert cs.loc[EMPTY_COUNTY, "n_projects"] == 0
    d = cs.loc["大厂回族自治县"]
    assert 0 <= d["execution_rate"] <= 200 and d["mean_score"] <= 100 and d["budget"] > 0
    f = rp.red_flags(t)
    odd = f[f["flag"] == "数值异常"]
    assert len(odd) == 3 and odd["detail"].str.contains("超出").all()
    assert "数值异常" in rp.takeaways(t)["score_distribution"]


def test_charts_draw_text_literally_and_absurd_values_at_the_edge(hostile):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from evalkit.report import charts
    t = rp.complete_tables(hostile["tables"], run_checks=False)
    vw = rp.Views({k: t[k] for k in ("projects", "reports")})
    figs = {
        "score": charts.score_distribution(vw),
        "box": charts.execution_rate_by_county(vw),
        "scatter": charts.execution_vs_score(vw),
        "money": charts.budget_vs_execution(vw),
        "project": charts.execution_rate_by_project(vw, max_projects=40),
    }
    try:
        for name, fig in figs.items():
            fig.canvas.draw()  # mathtext would raise on `\x`
            for ax in fig.axes:
                lo, hi = sorted(ax.get_xlim())
                assert hi - lo < 1e4, (name, ax.get_xlim())
                lo, hi = sorted(ax.get_ylim())
                assert hi - lo < 1e4, (name, ax.get_ylim())
            texts = [x for x in fig.findobj(matplotlib.text.Text) if x.get_text()]
            for x in texts:
                s = x.get_text()
                assert "\x07" not in s
                if "$" in s:  # every dollar escaped: drawn as a dollar sign, not as math
                    assert x._preprocess_math(s)[1] is False, s
        assert any("超出" in x.get_text() for x in figs["score"].findobj(matplotlib.text.Text))
        assert any("超出" in x.get_text() for x in figs["box"].findobj(matplotlib.text.Text))
        shown = " ".join(x.get_text() for x in figs["project"].findobj(matplotlib.text.Text))
        assert "$" in shown and "x" in shown
    finally:
        plt.close("all")


def test_xlsx_cells_unit(tmp_path):
    from openpyxl import load_workbook
    from evalkit.report.xlsx import new_workbook, write_sheet
    wb = new_workbook(tmp_path / "x.xlsx")
    df = pd.DataFrame({"project_name": ["=1+1", "+2", "-3", "@4", "a\x00b\x1fc", "正常"],
                       "score": [1.5, -2.0, 1e9, float("nan"), 0.0, 3.0]})
    write_sheet(wb, "t", df)
    wb.close()
    ws = load_workbook(tmp_path / "x.xlsx")["t"]
    vals = [(c.value, c.data_type) for c in ws["A"][1:]]
    assert vals == [("=1+1", "s"), ("+2", "s"), ("-3", "s"), ("@4", "s"), ("abc", "s"), ("正常", "s")]
    assert [c.value for c in ws["B"][1:]] == [1.5, -2.0, 1e9, None, 0.0, 3.0]


def test_pptx_text_without_control_characters(tmp_path):
    from evalkit.report.pptx import build_deck
    flags = pd.DataFrame({"county_label": ["甲县\x0b"], "project_name": [BELL], "flag": ["数值异常"],
                          "detail": ["=1\x00"]})
    out = build_deck([], tmp_path / "d.pptx", charts_dir=tmp_path, title="标题\x1b", subtitle="a\x07b",
                     red_flags=flags)
    from pptx import Presentation
    text = " ".join(sh.text_frame.text if sh.has_text_frame else
                    " ".join(c.text for row in sh.table.rows for c in row.cells)
                    for s in Presentation(out).slides for sh in s.shapes if sh.has_text_frame or sh.has_table)
    assert "退役军人辅助性岗位经费" in text and "标题" in text and "=1" in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_x00", text)


@pytest.mark.parametrize("value", ['a"b', "a'b", "a\nb = 1\nimport os", 'x\\"; import os; "',
                                   "湖南省\r\n\"'''", "\x00\x07", "}{", "a\\nb"])
def test_papermill_injects_parameters_as_literals(value):
    """papermill writes the parameters cell with its Python translator: every string (and
    dict keys, lists) must come back exactly, as one assignment per parameter."""
    from papermill.translators import PythonTranslator
    params = {"region": value, "county": value, "year": [2022, 2024], "grade_bands": {value: 90.0},
              "clean_dir": "/tmp/" + value, "low_execution": 90.0, "charts_dir": None}
    code = PythonTranslator.codify(params)
    tree = ast.parse(code)
    assert all(isinstance(n, ast.Assign) for n in tree.body) and len(tree.body) == len(params)
    ns: dict = {}
    exec(compile(tree, "<parameters>", "exec"), {}, ns)
    assert ns == params


def test_notebook_parameters_cells_accept_hostile_values(tmp_path):
    """The real notebooks, parameterised the way the runner does it: the injected cell parses
    and yields the values unchanged."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook
    from evalkit.report.runner import find_notebooks_dir
    value = 'x"\n\'; import os; os.system("echo pwned") #'
    sources = sorted(find_notebooks_dir().glob("*.ipynb"))
    assert len(sources) == 4
    for src in sources:
        nb = load_notebook_node(str(src))
        nb = parameterize_notebook(nb, {"region": value, "county": value, "years": value, "year": value})
        cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        ns: dict = {}
        exec(compile(cell.source, "<injected>", "exec"), {}, ns)
        assert {k: ns[k] for k in ("region", "county", "years", "year") if k in ns} == \
            {k: value for k in ("region", "county", "years", "year") if k in ns}
        assert "os" not in ns and "pwned" not in "".join(map(str, ns.values())).replace(value, "")


def test_html_block_escapes_values_not_the_template():
    out = rp.html_block("<b>{name}</b>：{n}个", name=SCRIPT + MATH + "\x07&", n=3)
    assert out.startswith('<div class="tex2jax_ignore mathjax_ignore"><b>&lt;script&gt;')
    assert "<script>" not in out and "$" not in out and "\\" not in out and "\x07" not in out
    assert "&#36;&#92;x&#36;" in out and "&amp;" in out and "3个" in out
    assert rp.clean_text(None) == "" and rp.clean_text(float("nan")) == "" and rp.clean_text("a\x1bb\n") == "ab\n"


def test_plausible_ranges_come_from_the_checks_config():
    from evalkit.checks import load_config
    rg = rp.plausible_ranges()
    assert rg["score"] == (0.0, float(load_config().get("totals", "default_max_score", 100)))
    assert rg["rate"][0] == 0.0 and rg["rate"][1] >= 100 and rg["amount"][0] == 0.0


def test_absurd_summary_counts_add_nothing():
    t = {"reports": pd.DataFrame({"report_id": ["r"], "county": ["甲县"], "source_file": ["a"]}),
         "summaries": pd.DataFrame({"report_id": ["r"], "count_you": [float("inf")],
                                    "count_liang": [-3.0], "count_zhong": [2.0]})}
    st = rp.statement_counts(rp.complete_tables(t, run_checks=False))
    assert st.loc[0, ["优", "良", "中", "差"]].tolist() == [0, 0, 2, 0]
