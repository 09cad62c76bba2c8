"""Every format reaches the same tables: the fixtures rendered from truth, plus the bad files, in one batch."""
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, rezip
from evalkit.ingest import ingest_paths
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def fixture_tables(tmp_path_factory):
    # the format fixtures, not the archives of them; the bad files but garbled.pdf, which OCR reads (test_ocr.py's
    # lost_text.pdf holds it as its page 1) and which without OCR is refused (test_readers.py)
    bad = tmp_path_factory.mktemp("fx") / "bad"
    bad.mkdir()
    for f in (FIXTURES / "bad").iterdir():
        if f.name != "garbled.pdf":
            (bad / f.name).symlink_to(f)
    files = sorted(FIXTURES.glob("fixture_*")) + [bad]
    return ingest_paths(files, bad.parent / "clean", keep_format_copies=True)


def ftruth(name):
    return pd.read_csv(FIXTURES / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("fmt", ["docx", "pdf", "xlsx", "xls", "html", "ofd"])
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
    assert rep.loc["fixture_ofd.ofd", "format"] == "ofd"


def test_department_pdfs_summaries_and_report_rows(raw_tables):
    t = raw_tables                       # data/raw ingested once per session (the PDFs among the seeds)
    assert sorted(t["reports"].loc[t["reports"]["source_file"].str.endswith(".pdf"), "source_file"]) == [
        p.name for p in sorted((ROOT / "data" / "raw").glob("0?_putuo_*.pdf"))]
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


def test_a_scan_without_readable_text_is_partial_and_says_so(fixture_tables):
    rep = fixture_tables["reports"].set_index("source_file").loc["bad/scanned.pdf"]
    assert rep["status"] == "partial" and "OCR 未识别出文字" in rep["error"] and rep["ocr_pages"] == "1"


def _two_pages(tmp_path, second_from: str) -> Path:
    """Page 1 of the fixture PDF (text) followed by page 2 of `second_from`."""
    import pypdfium2 as pdfium
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(FIXTURES / "fixture_pdf.pdf")), [0])
    out.import_pages(pdfium.PdfDocument(str(second_from)), [1])
    path = tmp_path / f"{Path(second_from).stem}-mixed.pdf"
    out.save(str(path))
    return path


# test_a_mixed_pdf_is_ocrd_only_on_its_scanned_page_and_reads_like_the_text_pdf is in test_ocr.py:
# its scanned page is page 2 of scan_report.pdf, which test_ocr's `scans` has OCR'd already.


def test_without_ocr_a_scanned_page_is_named_in_a_warning(tmp_path, monkeypatch):
    import evalkit.readers.pdf as pdf_reader
    monkeypatch.setattr(pdf_reader, "_ocr", lambda: None)          # forked workers inherit it
    mixed = _two_pages(tmp_path, FIXTURES / "scans" / "scan_report.pdf")
    rep = ingest_paths([mixed], checks=False)["reports"].iloc[0]
    assert rep["status"] == "partial"
    assert "第 2 页（共 2 页）没有文字层" in rep["error"] and "evalkit[ocr]" in rep["error"]


WORD_TYPES = {   # the main part's content type of a macro-enabled document, a template, a macro-enabled template
    "docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}


def _as_word_type(src: Path, dst: Path, content_type: str) -> Path:
    """`src` with its main part declared as `content_type`."""
    plain = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return rezip(src, dst, lambda name, data: data.replace(plain, content_type.encode())
                 if name == "[Content_Types].xml" else data)


def test_macro_enabled_and_template_packages_read_as_their_plain_twins(tmp_path):
    """.docm/.dotx/.dotm (python-docx refuses them: "is not a Word file"), a macro-enabled package under a .docx
    name (what some systems write), and an Excel template: the same tables as the plain file, status ok (no
    repair, no LibreOffice). Each alone: in one run they are the same report, kept once."""
    import openpyxl
    files = {}
    for ext, content_type in WORD_TYPES.items():
        files[f"word.{ext}"] = lambda dst, ct=content_type: _as_word_type(FIXTURES / "fixture_docx.docx", dst, ct)
    files["named.docx"] = lambda dst: _as_word_type(FIXTURES / "fixture_docx.docx", dst, WORD_TYPES["docm"])

    def template(dst):
        wb = openpyxl.load_workbook(FIXTURES / "fixture_xlsx.xlsx")
        wb.template = True
        wb.save(dst)
    files["book.xltx"] = template
    cols = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score", "grade"]
    plain = ingest_paths([FIXTURES / "fixture_docx.docx", FIXTURES / "fixture_xlsx.xlsx"], checks=False,
                         keep_format_copies=True)
    for name, make in files.items():
        d = tmp_path / name.replace(".", "_")
        d.mkdir()
        make(d / name)
        t = ingest_paths([d], checks=False)
        rep = t["reports"].iloc[0]
        assert rep["status"] == "ok" and rep["format"] == ("xlsx" if name.endswith("xltx") else "docx"), rep["error"]
        twin = "fixture_xlsx.xlsx" if name.endswith("xltx") else "fixture_docx.docx"
        got = t["projects"][cols].reset_index(drop=True)
        want = plain["projects"].loc[plain["projects"]["source_file"] == twin, cols].reset_index(drop=True)
        assert len(want) == 2
        pd.testing.assert_frame_equal(got, want, obj=name)


def _with_units(src: Path, out: Path) -> Path:
    """The DOCX fixture with its amounts written in 元 with the sign and separators (5.6 -> ¥56,000元) and its
    weights and scores with 分 (10 -> 10分), as many bureaus type them into the form."""
    from docx import Document as Docx

    from evalkit.normalize import parse_number

    d = Docx(src)
    for t in d.tables:
        mode = None
        for row in t.rows:
            cells = list(dict.fromkeys(c._tc for c in row.cells))           # merged cells once
            texts = ["".join(p.text for p in _paragraphs(tc)) for tc in cells]
            if any("年度资金" in x for x in texts):
                mode = "money"
            elif any("三级指标" in x for x in texts):
                mode = "lines"
                continue
            for k, (tc, text) in enumerate(zip(cells, texts)):
                v = parse_number(text)
                if v is None or "%" in text:
                    continue
                if mode == "money" and k in (2, 3, 4):
                    new = f"¥{v * 10000:,.0f}元"
                elif (mode == "money" and k in (5, 7)) or mode == "lines" and k >= len(cells) - 3:
                    new = f"{text}分"
                else:
                    continue
                _set(tc, new)
            if mode == "money" and any("年度资金" in x for x in texts):
                mode = None
    d.save(out)
    return out


def _paragraphs(tc):
    from docx.oxml.ns import qn
    return [type("P", (), {"text": "".join(t.text or "" for t in p.iter(qn("w:t")))})() for p in tc.iter(qn("w:p"))]


def _set(tc, text: str) -> None:
    from docx.oxml.ns import qn
    ts = list(tc.iter(qn("w:t")))
    ts[0].text = text
    for t in ts[1:]:
        t.text = ""


def test_figures_typed_with_their_units_read_as_the_plain_fixture(tmp_path):
    """¥56,000元 under a 万元 header is 5.6 万元; 10分 is 10: the DOCX fixture with units typed into its cells reads
    to the fixture's truth (before, every such figure was empty and the row said nothing)."""
    from evalkit.ingest import ingest_file

    path = _with_units(FIXTURES / "fixture_docx.docx", tmp_path / "fixture_docx.docx")
    res = ingest_file(path, "fixture_docx.docx")
    assert res.report["status"] == "ok"
    want_p = ftruth("projects")[ftruth("projects")["seed"] == "fixture_docx.docx"]
    assert len(res.projects) == len(want_p) > 0
    for _, t in want_p.iterrows():
        g = next(p for p in res.projects if p["project_name"] == t["project_name"])
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    want_i = ftruth("indicators")[ftruth("indicators")["seed"] == "fixture_docx.docx"]
    assert [i["level3"] for i in res.indicators] == list(want_i["level3"])
    for (_, t), g in zip(want_i.iterrows(), res.indicators):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]
    from docx import Document as Docx
    typed = [c.text for t in Docx(path).tables for r in t.rows for c in r.cells]
    assert "¥56,000元" in typed and "10分" in typed and "9.25分" in typed
