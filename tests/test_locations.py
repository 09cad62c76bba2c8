"""Readers record where each cell and paragraph stands: line, table/row/column, sheet cell, page and box."""
from pathlib import Path

import pytest

from conftest import SEEDS
from evalkit.readers import read

FIX = Path(__file__).resolve().parent / "fixtures"
REALDOCS = sorted((Path(__file__).resolve().parents[2] / "shared" / "realdocs").glob("*.pdf"))


def _find(doc, text):
    """(table, r, c) of the first cell whose text contains `text`."""
    for t in doc.tables():
        for r, row in enumerate(t.rows):
            for c, cell in enumerate(row):
                if text in cell:
                    return t, r, c
    raise AssertionError(text)


def test_text_cells_point_at_their_line():
    path = SEEDS[0]
    doc = read(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    n = 0
    for t in doc.tables():
        for r, row in enumerate(t.rows):
            for c, cell in enumerate(row):
                if cell and "\n" not in cell:
                    loc = t.loc(r, c)
                    assert cell in lines[loc.line - 1], (cell, loc)
                    n += 1
    assert n > 50
    p = next(doc.paragraphs())
    assert p.text in lines[p.loc().line - 1]


def test_tables_are_numbered_in_reading_order():
    doc = read(FIX / "fixture_docx.docx")
    assert [t.index for t in doc.tables()] == list(range(1, len(list(doc.tables())) + 1))
    t, r, c = _find(doc, "年度资金总额")
    loc = t.loc(r, c)
    assert (loc.table, loc.row, loc.col) == (t.index, r + 1, c + 1)
    assert loc.words() == f"表{t.index} 第{r + 1}行 第{c + 1}列"


@pytest.mark.parametrize("name", ["fixture_xlsx.xlsx", "fixture_xls.xls"])
def test_spreadsheet_cells_carry_their_address(name):
    import openpyxl
    doc = read(FIX / name)
    t, r, c = _find(doc, "年度资金总额")
    loc = t.loc(r, c)
    assert loc.sheet and loc.cell and loc.words().startswith(f"工作表“{loc.sheet}” {loc.cell}")
    if name.endswith(".xlsx"):
        ws = openpyxl.load_workbook(FIX / name)[loc.sheet]
        assert "年度资金总额" in str(ws[loc.cell].value)
        t2, r2, c2 = _find(doc, "5.6")
        assert str(ws[t2.loc(r2, c2).cell].value) in ("5.6", "5.60")


def test_pdf_rows_know_their_page_and_box():
    import pdfplumber
    doc = read(FIX / "fixture_pdf.pdf")
    t = next(doc.tables())
    assert t.pages and t.pages[0] == 1 and t.pages[-1] == 2          # the table runs over the page break
    last = len(t.rows) - 1
    c = next(i for i, cell in enumerate(t.rows[last]) if cell.strip())
    loc = t.loc(last, c)
    with pdfplumber.open(FIX / "fixture_pdf.pdf") as pdf:
        page = pdf.pages[loc.page - 1]
        x0, top, x1, bottom = loc.bbox
        words = page.within_bbox((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text()
    assert t.rows[last][c].split("\n")[0][:4] in words.replace("\n", "")


@pytest.mark.skipif(not REALDOCS, reason="realdocs not present")
def test_pdf_paragraph_page_is_where_it_is_printed():
    import pdfplumber
    path = REALDOCS[0]
    doc = read(path)
    p = next(p for p in doc.paragraphs() if "绩效自评" in p.text and "项目" in p.text)
    with pdfplumber.open(path) as pdf:
        text = pdf.pages[p.page - 1].extract_text().replace(" ", "").replace("\n", "")
        crop = pdf.pages[p.page - 1].within_bbox(p.bbox).extract_text().replace(" ", "")
    assert p.text.replace(" ", "")[:12] in text
    assert crop and crop[:6] in p.text.replace(" ", "")
    assert p.loc().words() == f"第{p.page}页"


# ------------------------------------------------------------------ locations on the contract's rows

def test_every_project_indicator_summary_and_finding_has_a_location(raw_tables):
    for name in ("projects", "indicators", "summaries", "findings"):
        df = raw_tables[name]
        assert len(df) and df["location"].notna().all(), (name, df.loc[df["location"].isna()].head())


def test_text_indicator_lines_point_at_their_score(raw_tables):
    """An indicator row points at its line's score cell: the text line holding that score."""
    import re
    from conftest import RAW
    ind = raw_tables["indicators"].dropna(subset=["score"])
    ind = ind[ind["source_file"].str.endswith(".txt")]
    checked = 0
    for r in ind.groupby("source_file").head(6).itertuples(index=False):
        line = (RAW / r.source_file).read_text(encoding="utf-8").splitlines()[int(r.loc_line) - 1]
        assert float(r.score) in {float(x) for x in re.findall(r"\d+(?:\.\d+)?", line)}, (r.level3, r.score, line)
        checked += 1
    assert checked >= 20


@pytest.mark.skipif(not REALDOCS, reason="realdocs not present")
def test_department_results_paragraph_page_is_where_it_is_printed(raw_tables):
    import pdfplumber
    from conftest import RAW
    s = raw_tables["summaries"]
    s = s[s["source_file"].str.endswith(".pdf")]
    assert len(s) == 3
    for r in s.itertuples(index=False):
        with pdfplumber.open(RAW / r.source_file) as pdf:
            text = pdf.pages[int(r.loc_page) - 1].extract_text().replace(" ", "").replace("\n", "")
        assert "绩效自评" in text and f"{r.avg_score:g}" in text, (r.source_file, r.loc_page)
        assert r.location == f"第{int(r.loc_page)}页"


def test_spreadsheet_indicator_points_at_its_score_cell(tmp_path):
    import openpyxl
    from evalkit.ingest import ingest_paths
    t = ingest_paths([FIX / "fixture_xlsx.xlsx"], None, checks=True)
    ws = openpyxl.load_workbook(FIX / "fixture_xlsx.xlsx")
    ind = t["indicators"]
    assert ind["loc_cell"].notna().all()
    for r in ind.head(8).itertuples(index=False):
        assert float(ws[r.loc_sheet][r.loc_cell].value) == r.score, r
    p = t["projects"].iloc[0]
    assert ws[p.loc_sheet][p.loc_cell].value == "项目名称"


def test_pdf_indicator_box_holds_its_score(tmp_path):
    import pdfplumber
    from evalkit.ingest import ingest_paths
    t = ingest_paths([FIX / "fixture_pdf.pdf"], None)
    ind = t["indicators"].dropna(subset=["score", "loc_bbox"])
    assert len(ind) > 10
    with pdfplumber.open(FIX / "fixture_pdf.pdf") as pdf:
        for r in ind.head(10).itertuples(index=False):
            x0, top, x1, bottom = (float(v) for v in r.loc_bbox.split(","))
            crop = pdf.pages[int(r.loc_page) - 1].within_bbox((x0 - 1, top - 1, x1 + 1, bottom + 1)).extract_text()
            assert f"{r.score:g}" in crop.replace(" ", ""), (r.level3, r.score, crop)


def test_archive_members_are_named(tmp_path):
    import zipfile
    from evalkit.ingest import ingest_paths
    z = tmp_path / "报告.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(SEEDS[0], "县/" + SEEDS[0].name)
    t = ingest_paths([z], None)
    p = t["projects"].iloc[0]
    assert p["loc_member"] == "县/" + SEEDS[0].name and p["location"].startswith("压缩包内 县/")


def test_findings_point_at_every_figure_they_compare(raw_tables):
    """A total-score finding lists both figures it compares, and its location names the column of the
    stated total: the text line there holds the figure the finding says was found."""
    import re
    from conftest import RAW
    f = raw_tables["findings"]
    tot = f[(f["rule"] == "total_score_mismatch") & f["source_file"].str.endswith(".txt")]
    assert len(tot)
    for r in tot.itertuples(index=False):
        assert "填报总分：" in r.figure_locations and "各行得分：" in r.figure_locations, r.figure_locations
        assert re.search(r"第\d+–\d+行 得分列", r.figure_locations), r.figure_locations
        assert r.location.split("（")[0].endswith("得分列"), r.location
        line = (RAW / r.source_file).read_text(encoding="utf-8").splitlines()[int(r.loc_line) - 1]
        assert float(r.found) in {float(x) for x in re.findall(r"\d+(?:\.\d+)?", line)}, (r.found, line)
    rate = f[f["rule"] == "execution_rate_mismatch"]
    assert len(rate)
    for r in rate.itertuples(index=False):
        assert all(k in r.figure_locations for k in ("填报执行率：", "执行数：", "全年预算：")), r.figure_locations
    compares = f[f["rule"].isin(["total_score_mismatch", "weight_sum_mismatch", "execution_rate_mismatch",
                                 "indicator_deduction_met", "budget_score_mismatch"])]
    assert compares["figure_locations"].notna().all()


def test_figure_locations_name_the_cells_they_were_read_from():
    """Each figure a spreadsheet project or indicator line states knows its own cell (loc_fields)."""
    import json
    import openpyxl
    from evalkit.ingest import ingest_paths
    from evalkit.normalize import parse_number
    t = ingest_paths([FIX / "fixture_xlsx.xlsx"], None, checks=False)
    ws = openpyxl.load_workbook(FIX / "fixture_xlsx.xlsx")
    checked = 0
    for table, fields in (("projects", ("total_score", "budget_full_year", "executed")), ("indicators", ("weight", "score"))):
        for r in t[table].head(12).itertuples(index=False):
            at = json.loads(r.loc_fields)
            for name in fields:
                if name in at and getattr(r, name) == getattr(r, name):
                    cell = ws[at[name]["sheet"]][at[name]["cell"]].value
                    assert parse_number(str(cell)) == getattr(r, name), (name, at[name], cell)
                    checked += 1
    assert checked >= 30


def test_fingerprints_do_not_depend_on_locations(seed_tables):
    """The same findings with every location taken away keep their ids and fingerprints."""
    from evalkit.checks import run_checks
    from evalkit.checks.findings import LOC_COLUMNS
    bare = {k: v.drop(columns=[c for c in (*LOC_COLUMNS, "loc_fields") if c in v.columns])
            for k, v in seed_tables.items() if k in ("reports", "projects", "indicators", "summaries")}
    again = run_checks(bare)
    f = seed_tables["findings"]
    assert set(again["fingerprint"]) == set(f["fingerprint"]) and set(again["finding_id"]) == set(f["finding_id"])
    assert again["figure_locations"].isna().all() and f["figure_locations"].notna().any()
