"""Every format reaches the same tables: the fixtures rendered from truth, plus the bad files, in one batch."""
import pandas as pd
import pytest

from conftest import ROOT
from evalkit.ingest import ingest_paths
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def fixture_tables(tmp_path_factory):
    files = sorted(FIXTURES.glob("fixture_*")) + [FIXTURES / "bad"]   # the format fixtures, not the archives of them
    return ingest_paths(files, tmp_path_factory.mktemp("fx") / "clean", keep_format_copies=True)


def ftruth(name):
    return pd.read_csv(FIXTURES / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fmt", ["docx", "pdf", "xlsx", "xls", "html"])
def test_each_format_recovers_its_truth(fixture_tables, fmt):
    stem = f"fixture_{fmt}"
    got_p = fixture_tables["projects"][fixture_tables["projects"]["source_file"].str.startswith(stem + ".")]
    want_p = ftruth("projects")[ftruth("projects")["seed"].str.startswith(stem + ".")]
    assert len(got_p) == len(want_p) > 0
    for _, t in want_p.iterrows():
        g = got_p[got_p["project_name"] == t["project_name"]].iloc[0]
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    got_i = fixture_tables["indicators"][fixture_tables["indicators"]["source_file"].str.startswith(stem + ".")]
    want_i = ftruth("indicators")[ftruth("indicators")["seed"].str.startswith(stem + ".")]
    assert list(got_i["level3"]) == list(want_i["level3"])
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]


@pytest.mark.parametrize("name, words", [
    ("bad/scanned.pdf", "没有文字层"), ("bad/garbled.pdf", "文字层是乱码"),
    ("bad/encrypted.pdf", "PDF 已加密，需要密码才能打开"), ("bad/corrupt.docx", "DOCX 文件已损坏"),
    ("bad/corrupt.pdf", "PDF 文件已损坏"),
])
def test_bad_files_fail_alone_with_specific_error(fixture_tables, name, words):
    rep = fixture_tables["reports"].set_index("source_file")
    assert rep.loc[name, "status"] == "failed" and words in rep.loc[name, "error"] and name in rep.loc[name, "error"]
    assert (rep.loc[[i for i in rep.index if i.startswith("fixture_")], "status"] == "ok").all()


def test_xls_reported_as_spreadsheet_format(fixture_tables):
    rep = fixture_tables["reports"].set_index("source_file")
    assert rep.loc["fixture_xls.xls", "format"] == "xlsx" and rep.loc["fixture_pdf.pdf", "format"] == "pdf"


def test_department_pdfs_summaries_and_report_rows(tmp_path):
    pdfs = sorted((ROOT / "data" / "raw").glob("0?_putuo_*.pdf"))
    t = ingest_paths(pdfs, checks=False)
    rep = t["reports"].set_index(t["reports"]["source_file"].str[:2])
    want = pd.read_csv(ROOT / "tests" / "truth" / "reports.csv", dtype=str, keep_default_na=False)
    for _, w in want[want["seed"].str.endswith(".pdf")].iterrows():
        r = rep.loc[w["seed"][:2]]
        for f in ["county", "city", "province", "fiscal_year", "doc_kind"]:
            assert same(w[f], r[f]), (w["seed"], f)
        assert r["n_projects"] == 0 and r["status"] == "ok"
        s = t["summaries"][t["summaries"]["report_id"] == r["report_id"]].iloc[0]
        for f, col in [("summary_projects_evaluated", "projects_evaluated"), ("summary_funds_evaluated", "funds_evaluated"),
                       ("count_you", "count_you"), ("count_cha", "count_cha"), ("summary_avg_score", "avg_score")]:
            assert same(w[f], s[col]), (w["seed"], f, w[f], s[col])


def test_pdf_with_a_scanned_page_is_partial_and_says_which(tmp_path):
    import pypdfium2 as pdfium
    mixed = pdfium.PdfDocument.new()
    text = pdfium.PdfDocument(str(FIXTURES / "fixture_pdf.pdf"))
    scan = pdfium.PdfDocument(str(FIXTURES / "bad" / "scanned.pdf"))
    mixed.import_pages(text, [0])
    mixed.import_pages(scan, [0])
    mixed.save(str(tmp_path / "mixed.pdf"))
    rep = ingest_paths([tmp_path / "mixed.pdf"], checks=False)["reports"].iloc[0]
    assert rep["status"] == "partial"
    assert "第 2 页（共 2 页）没有文字层" in rep["error"] and "mixed.pdf" in rep["error"]
