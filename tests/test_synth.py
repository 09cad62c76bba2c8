"""evalkit.synth: a synthetic corpus that evalkit reads back to its own truth.

One corpus of 30 reports (txt in the five seed layouts and the 部门决算 sentence, DOCX/XLSX/HTML from
the fixture builders) with byte-identical and cross-format copies and injected inconsistencies is
generated once, ingested once, and then scored: field accuracy by the shared truth checker, the
checks' recall and precision by `score_findings`, duplicates against duplicates.csv.
"""
from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_script
from evalkit import synth

ROOT = Path(__file__).resolve().parents[1]
TRUTHCHECK = ROOT.parent / "shared" / "tools" / "truthcheck.py"
N = 30
FORMATS = "txt,docx,xlsx,html"
RATES = dict(error_rate=0.15, dup_rate=0.1, format_dup_rate=0.3, version_rate=0.15, year_copy_rate=0.1)
LAYOUTS = {"cells", "dept", "annex", "tabs", "form", "juesuan", "table"}


def covers(seed: int) -> bool:
    """The seed's 30 reports hold every layout and format, all three kinds of copy (a byte copy, another format,
    an earlier version), a report handed in again as the next year's, a text and an office report whose
    amounts are in 元 and all six injected rules (budget_parts_mismatch: a 其中 row apart from its total)."""
    items = list(synth.plan(N, seed, FORMATS.split(","), **RATES))
    rules = {f["rule"] for it in items for f in synth.expected_findings(it.rep)}
    return ({it.rep.layout for it in items} == LAYOUTS and {it.fmt for it in items} == set(FORMATS.split(","))
            and any(it.second for it in items) and any(it.byte_copy_rel for it in items)
            and any(it.earlier for it in items) and any(it.next_year for it in items)
            and any(it.fmt == "txt" and it.rep.layout == "tabs" and synth.in_yuan(it.rep) for it in items)
            and any(it.fmt in ("docx", "xlsx", "html") and synth.in_yuan(it.rep) for it in items)
            and set(synth.INJECTABLE) | {"budget_parts_mismatch"} <= rules)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    from evalkit.ingest import ingest_paths
    seed = next(s for s in range(1, 500) if covers(s))     # planning is cheap: no file is written
    out = tmp_path_factory.mktemp("synth") / "corpus"
    summary = synth.generate(N, out, seed=seed, formats=FORMATS, log=lambda *a: None, **RATES)
    ingest_paths([out / "docs"], out / "clean", progress=False, jobs=2)
    return out, summary


def test_corpus_shape(corpus):
    out, s = corpus
    assert s["reports"] == N and not s["skipped"]
    rep = pd.read_csv(out / "truth" / "reports.csv", dtype=str, keep_default_na=False)
    assert s["year_copies"] >= 1 and len(rep) == N + s["year_copies"]    # each distinct report once
    assert set(rep["doc_kind"]) == {"project_report", "department_report", "project_tables"}
    layouts = {k.split(":")[1] for k in s["by_format_layout"] if ":" in k}
    assert layouts == LAYOUTS
    assert {p.suffix for p in (out / "docs").rglob("*") if p.is_file()} == {".txt", ".docx", ".xlsx", ".html"}
    proj = pd.read_csv(out / "truth" / "projects.csv", dtype=str, keep_default_na=False)
    per_report = proj.groupby("seed").size()
    bundles = rep.loc[rep["doc_kind"] != "project_report", "seed"]
    assert per_report.reindex(bundles).dropna().between(3, 30).all()
    assert proj["fiscal_year"].nunique() >= 3 and rep["province"].nunique() >= 10
    ind = pd.read_csv(out / "truth" / "indicators.csv", dtype=str, keep_default_na=False)
    assert {"数量指标", "质量指标", "时效指标", "服务对象满意度指标"} <= set(ind["level2"])


def test_field_accuracy(corpus):
    out, _ = corpus
    r = run_script(TRUTHCHECK, "--clean", out / "clean", "--truth", out / "truth", "--min", "0.995")
    last = r.stdout.strip().splitlines()[-1]
    m = re.search(r"truthcheck: (\d+)/(\d+)", last)
    assert m, r.stdout + r.stderr
    ok, total = int(m.group(1)), int(m.group(2))
    assert total > 5000 and ok / total >= 0.995, r.stdout[-3000:]
    assert r.returncode == 0


def test_amounts_stated_in_yuan_are_read_in_every_format(corpus):
    """The corpus's reports in 元 (text and office) are read as 元 and converted: their truth is in 万元, and
    test_field_accuracy holds them to it."""
    out, _ = corpus
    p = pd.read_parquet(out / "clean" / "projects.parquet")
    r = pd.read_parquet(out / "clean" / "reports.parquet")
    fmts = set(p.loc[p["amount_unit"] == "元"].merge(r[["report_id", "format"]], on="report_id")["format"])
    assert "txt" in fmts and fmts & {"docx", "xlsx", "html"}


def test_satisfaction_targets_written_as_a_range_are_read_with_both_ends(corpus):
    """A share of the corpus's satisfaction targets are written 90-100%: read as at least 90 and at most 100, in every
    format, and held to their truth by test_field_accuracy and to the expected findings by the recall test."""
    out, _ = corpus
    i = pd.read_parquet(out / "clean" / "indicators.parquet")
    r = i.loc[i["target"].str.fullmatch(r"\d+-100%", na=False)]
    assert len(r) >= 10
    assert (r["target_op"] == "≥").all() and (r["target_value_max"] == 100).all() and (r["target_unit"] == "%").all()
    assert (r["target_value"] == r["target"].str.split("-").str[0].astype(float)).all()
    assert i.loc[~i.index.isin(r.index), "target_value_max"].isna().all()


def test_checks_recall_and_precision(corpus):
    out, _ = corpus
    got = synth.score_findings(out / "clean", out / "truth")
    assert got["recall"] >= 0.95 and got["precision"] >= 0.95, (got["missed"], got["spurious"])
    for rule in (*synth.INJECTABLE, "report_other_version", "indicators_as_earlier_year"):
        per = got["per_rule"][rule]
        assert per["expected"] >= 1, rule
        assert per["recall"] >= 0.95 and per["precision"] >= 0.95, (rule, per)
    # clean reports raise no other error or warning: every scored rule is one the truth expects
    truth = pd.read_csv(out / "truth" / "findings.csv", dtype=str, keep_default_na=False)
    assert set(got["per_rule"]) == set(truth["rule"])


def test_duplicates_marked(corpus):
    out, s = corpus
    with open(out / "truth" / "duplicates.csv", encoding="utf-8", newline="") as f:
        want = {(r["source_file"], r["duplicate_of_file"], r["kind"]) for r in csv.DictReader(f)}
    assert {k for _, _, k in want} == {"same_file", "same_report", "other_version"}
    rep = pd.read_parquet(out / "clean" / "reports.parquet")
    dup = rep[rep["status"] == "duplicate"]
    got = set(zip(dup["source_file"], dup["duplicate_of_file"], dup["duplicate_kind"]))
    assert got == want
    assert (rep["status"] == "ok").sum() == N + s["year_copies"]      # a year's copy is a report of its own


def test_same_seed_same_bytes(corpus, tmp_path):
    out, s = corpus
    again = tmp_path / "again"
    synth.generate(N, again, seed=s["seed"], formats=FORMATS, log=lambda *a: None, **RATES)

    def files(root):
        return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    a = files(out / "docs") | {Path("truth") / k: v for k, v in files(out / "truth").items()}
    b = files(again / "docs") | {Path("truth") / k: v for k, v in files(again / "truth").items()}
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    synth.generate(N, tmp_path / "other", seed=s["seed"] + 1, formats="txt", log=lambda *a: None)
    assert (tmp_path / "other" / "truth" / "projects.csv").read_bytes() != b[Path("truth") / "projects.csv"]


def test_text_generation_speed(tmp_path):
    import time
    synth.divisions()                                      # the division list is read once per process
    t = time.process_time()
    s = synth.generate(200, tmp_path / "fast", seed=5, formats="txt", log=lambda *a: None)
    cpu = time.process_time() - t
    assert s["files"] >= 200
    assert 200 / cpu >= 100, f"{200 / cpu:.0f} reports/s of CPU"   # ≥ 200/s unloaded; slack for a busy machine


def test_command_line(tmp_path, capsys):
    ap = argparse.ArgumentParser(prog="evalkit")
    sub = ap.add_subparsers(dest="cmd", required=True)
    synth.add_parser(sub)
    a = ap.parse_args(["synth", "--reports", "4", "--out", str(tmp_path / "c"), "--seed", "3", "--formats", "txt"])
    assert a.func(a) == 0
    assert "4 份报告" in capsys.readouterr().out
    assert (tmp_path / "c" / "truth" / "findings.csv").exists()
    from evalkit.errors import UsageError
    with pytest.raises(UsageError):        # the folder is not empty now: refused, not overwritten
        a.func(a)
    bad = ap.parse_args(["synth", "--reports", "2", "--out", str(tmp_path / "d"), "--formats", "txt,odt"])
    with pytest.raises(UsageError):
        bad.func(bad)


def test_a_report_can_come_with_its_scan_which_evalkit_must_join():
    """With `scan` among the formats, the second copy of a report may be its scan (…_扫描件.tif); the
    truth keeps the copy read without OCR."""
    items = [i for i in synth.plan(60, seed=3, formats=("docx", "scan"), error_rate=0.0, dup_rate=0.0,
                                    format_dup_rate=1.0) if i.second == "scan"]
    assert items
    for i in items:
        assert i.second_rel.endswith("_扫描件.tif") and i.fmt == "docx" and i.rep.rel == i.rel
    assert not [i for i in synth.plan(60, seed=3, formats=("docx", "txt"), format_dup_rate=1.0)
                if i.second == "scan"]


def test_the_first_reports_of_a_corpus_hold_the_mix_of_the_whole():
    """Format, layout and bundle size come from low-discrepancy sequences: the first 100 of 1,000 reports
    have each format × layout within 2.5 reports of a tenth of the whole, and bundles of the same mean size
    within 5 %, so a benchmark's corpora of 200 and 2,000 reports do comparable work per report."""
    import statistics
    from collections import Counter
    items = list(synth.plan(1000, seed=7, formats=("txt", "docx", "html"), error_rate=0.0, dup_rate=0.0,
                            format_dup_rate=0.0))
    whole = Counter((i.fmt, i.rep.layout) for i in items)
    first = Counter((i.fmt, i.rep.layout) for i in items[:100])
    assert len(whole) == 8                                  # txt in its six layouts, docx and html tables
    assert {k: round(abs(first[k] - n / 10), 1) for k, n in whole.items() if abs(first[k] - n / 10) > 2.5} == {}

    def bundle_mean(its):
        return statistics.mean(len(i.rep.projects) for i in its if i.rep.layout in ("tabs", "dept", "table"))
    assert 0.95 <= bundle_mean(items[:100]) / bundle_mean(items) <= 1.05


def read_back(out) -> pd.DataFrame:
    """A corpus's ingest: truthcheck gives every field of its truth (over 500), its duplicates are those the
    truth lists (some); returns the ledger."""
    from evalkit.ingest import ingest_paths
    ingest_paths([out / "docs"], out / "clean", progress=False, jobs=2)
    r = run_script(TRUTHCHECK, "--clean", out / "clean", "--truth", out / "truth")
    m = re.search(r"truthcheck: (\d+)/(\d+)", r.stdout.strip().splitlines()[-1])
    assert m and int(m.group(1)) == int(m.group(2)) > 500, r.stdout[-3000:]
    rep = pd.read_parquet(out / "clean" / "reports.parquet")
    with open(out / "truth" / "duplicates.csv", encoding="utf-8", newline="") as f:
        want = {(d["source_file"], d["duplicate_of_file"]) for d in csv.DictReader(f)}
    dup = rep[rep["status"] == "duplicate"]
    assert want and set(zip(dup["source_file"], dup["duplicate_of_file"])) == want
    return rep


def _cannot_render(fmt: str) -> str | None:
    """Why this machine cannot write and read a corpus of `fmt` (ofd, xps), or None."""
    if not synth.formats.soffice_path():
        return "LibreOffice is needed to render the reports"
    if fmt == "xps":
        from evalkit.readers.xps import find_xpstopdf
        if find_xpstopdf() is None or synth.xps_builder() is None:
            return "xpstopdf and the Noto Sans CJK font are needed (make setup installs them)"
    return None


@pytest.mark.parametrize("fmt, n, seed", [("ofd", 6, 4), ("xps", 5, 8)])
def test_a_corpus_drawn_from_pdfs_reads_back_to_its_truth(tmp_path, fmt, n, seed):
    """`--formats ofd` / `--formats xps`: LibreOffice's PDF of each report written as PDF-to-OFD converters write it,
    or as Windows' 打印到 XPS does (glyph runs, an obfuscated font subset, a Canvas transform); an ingest gives the
    truth field for field, and a report's copy beside its DOCX is the same report, kept once (the DOCX)."""
    if (why := _cannot_render(fmt)) is not None:
        pytest.skip(why)
    out = tmp_path / fmt
    s = synth.generate(n, out, seed=seed, formats=f"{fmt},docx", log=lambda *a: None, error_rate=0.0, dup_rate=0.0,
                       format_dup_rate=1.0)
    assert not s["skipped"] and {f".{fmt}", ".docx"} <= {p.suffix for p in (out / "docs").rglob("*") if p.is_file()}
    rep = read_back(out)
    assert (rep["status"] == "ok").sum() == n and fmt in set(rep["format"])


def test_a_csv_corpus_reads_back_to_its_truth(tmp_path):
    """`--formats csv,xlsx`: each report's sheet saved as Excel saves CSV (GB18030 or UTF-8 with a BOM); an
    ingest gives the truth field for field, and a report's CSV beside its workbook is the same report, kept once
    (the workbook)."""
    out = tmp_path / "csv"
    s = synth.generate(8, out, seed=6, formats="csv,xlsx", log=lambda *a: None, error_rate=0.0, dup_rate=0.0,
                       format_dup_rate=0.5)
    files = [p for p in (out / "docs").rglob("*.csv")]
    assert not s["skipped"] and files
    assert {p.read_bytes().startswith(b"\xef\xbb\xbf") for p in files} == {True, False}    # both encodings
    rep = read_back(out)
    assert (rep["status"] == "ok").sum() == 8 and "csv" in set(rep.loc[rep["status"] == "ok", "format"])
    assert "csv" in set(rep.loc[rep["status"] == "duplicate", "format"])           # a CSV copy of a workbook


def test_a_deck_corpus_reads_back_to_its_truth(tmp_path):
    """`--formats pptx,docx`: reports pasted into 汇报 decks (the DOCX's tables as slide tables); an ingest gives the
    truth field for field, the same bytes from the same seed, and a report's deck beside its Word file is the same
    report, kept once (the Word file)."""
    out = tmp_path / "pptx"
    s = synth.generate(8, out, seed=6, formats="pptx,docx", log=lambda *a: None, error_rate=0.0, dup_rate=0.0,
                       format_dup_rate=0.5)
    decks = sorted((out / "docs").rglob("*.pptx"))
    assert not s["skipped"] and decks
    again = tmp_path / "again"
    synth.generate(8, again, seed=6, formats="pptx,docx", log=lambda *a: None, error_rate=0.0, dup_rate=0.0,
                   format_dup_rate=0.5)
    assert [p.read_bytes() for p in decks] == [p.read_bytes() for p in sorted((again / "docs").rglob("*.pptx"))]
    rep = read_back(out)
    assert (rep["status"] == "ok").sum() == 8 and "pptx" in set(rep.loc[rep["status"] == "ok", "format"])
    assert "pptx" in set(rep.loc[rep["status"] == "duplicate", "format"])          # a deck of a Word report


@pytest.mark.parametrize("mode, pil_mode, compression", [("colour", "P", "tiff_adobe_deflate"),
                                                         ("grey", "L", "tiff_adobe_deflate"),
                                                         ("bw", "1", "group4")])
def test_scans_come_in_a_scanners_three_modes(tmp_path, mode, pil_mode, compression):
    """`--scan-mode`: colour (the seal red), grey (8-bit) or bw (black and white, CCITT G4, the red seal as black
    as the print: what a scanner's 黑白 mode files). The same page, the same seal, one frame a page."""
    import random

    import numpy as np
    from PIL import Image, ImageSequence
    out = tmp_path / f"{mode}.tif"
    synth.formats.scan_pdf(ROOT / "tests" / "fixtures" / "fixture_pdf.pdf", out, random.Random("scan:1"), mode)
    with Image.open(out) as im:
        assert im.n_frames == 5 and im.mode == pil_mode and im.info["compression"] == compression
        first = np.asarray(next(ImageSequence.Iterator(im)).convert("RGB")).astype(int)
    red = (first[..., 0] - first[..., 2] > 30).sum()        # the palette's reds are pale (about R − B = 49)
    black = (first.max(axis=2) < 100).sum()
    if mode == "colour":
        assert red > 1000                           # the seal
    else:
        assert red == 0
    if mode == "bw":
        assert set(np.unique(first)) == {0, 255} and black > 0


def test_synth_refuses_a_scan_mode_it_does_not_know(tmp_path):
    with pytest.raises(ValueError, match="扫描模式"):
        synth.generate(1, tmp_path / "c", formats="scan", scan_mode="sepia", log=lambda *a: None)


def test_an_injected_group_points_mismatch_is_written_and_found(tmp_path):
    """The annex layout labels its groups with their points (产出指标(50分)); an injected group_points_mismatch prints one
    label's points off its lines' sum, and the checks say so for that project (planning finds such a report cheaply)."""
    import random

    from evalkit.ingest import ingest_paths
    hit = next(it for seed in range(1, 400) for it in synth.plan(20, seed, ["txt"], error_rate=0.6)
               if any(r == "group_points_mismatch" for p in it.rep.projects for r, _ in p.injected))
    (p,) = [p for p in hit.rep.projects if any(r == "group_points_mismatch" for r, _ in p.injected)]
    doc = tmp_path / "in" / "report.txt"
    doc.parent.mkdir()
    doc.write_text(synth.TEXT_RENDER[hit.rep.layout](hit.rep, random.Random(0)), encoding="utf-8")
    ingest_paths([doc.parent], tmp_path / "out", progress=False, jobs=1)
    f = pd.read_parquet(tmp_path / "out" / "findings.parquet")
    prj = pd.read_parquet(tmp_path / "out" / "projects.parquet")
    got = f.loc[f["rule"] == "group_points_mismatch"].merge(prj[["project_id", "project_name"]], on="project_id")
    assert list(got["project_name"]) == [p.name]
    g, d = p.points_delta
    assert got.iloc[0]["message"].startswith(f"一级指标「{g}(")


def test_a_share_of_office_tables_print_a_district_forms_header_words(corpus):
    """A fifth of the office tables print a 区 form's words for the same columns (预算执行情况（万元）（10分）, 预算数(A),
    执行数(B), 执行率(B/A), 得分(10分*执行率), 年初目标值(A), 实际完成值(B)); test_field_accuracy holds them to the
    truth, so those words are read in Word, Excel and HTML as the usual ones are."""
    from evalkit.readers import read
    from evalkit.model import Table
    out, _ = corpus
    seen = set()
    for f in sorted((out / "docs").rglob("*")):
        if f.suffix in (".docx", ".xlsx", ".html") and f.suffix not in seen:
            cells = {c for b in read(f).blocks if isinstance(b, Table) for row in b.rows for c in row if c}
            if {"预算数(A)", "执行率(B/A)", "年初目标值(A)"} <= {re.sub(r"\s+", "", c) for c in cells}:
                seen.add(f.suffix)
    assert seen == {".docx", ".xlsx", ".html"}
