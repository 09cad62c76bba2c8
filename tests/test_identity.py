"""A document is counted once: byte-identical copies and the same report in two formats
(a DOCX and the PDF rendered from it) get `duplicate` rows, add nothing, and keep every key unique."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SEEDS
from evalkit import report as rp
from evalkit.ingest import ingest_paths
from evalkit.tables import KEYS, key_violations

FIXTURES = ROOT / "tests" / "fixtures"
SHARED_TRUTH = ROOT.parent / "shared" / "truth"


def pdf_source_docx(dest: Path) -> Path:
    """The DOCX that tests/fixtures/fixture_pdf.pdf was rendered from (make_fixtures.build_docx on the
    same three projects of the truth), i.e. the same report in a second format."""
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_fixtures as mf
    finally:
        sys.path.pop(0)
    projects, indicators, _ = mf.load_truth(SHARED_TRUTH)
    seed, names = mf.PLAN["fixture_pdf.pdf"]
    chosen = [next(p for p in projects if p["seed"] == seed and p["project_name"] == n) for n in names]
    def inds_of(p):
        return [i for i in indicators if i["seed"] == seed and i["project_name"] == p["project_name"]]
    mf.build_docx(chosen, inds_of, chosen[0]["agency"], chosen[0]["fiscal_year"], nested=False).save(dest)
    return dest


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Seeds, a renamed copy of each seed in a sub-folder, and a DOCX+PDF pair of one report."""
    root = tmp_path_factory.mktemp("identity") / "in"
    (root / "copies").mkdir(parents=True)
    for s in SEEDS:
        shutil.copy(s, root / s.name)
        shutil.copy(s, root / "copies" / f"副本 {s.name}")
    shutil.copy(FIXTURES / "fixture_pdf.pdf", root / "pair.pdf")
    pdf_source_docx(root / "pair.docx")
    return root


@pytest.fixture(scope="module")
def mixed(corpus, tmp_path_factory):
    return ingest_paths([corpus], tmp_path_factory.mktemp("identity_out") / "clean")


def test_every_key_is_unique_and_every_foreign_key_resolves(mixed):
    assert key_violations(mixed) == []
    for name, cols in KEYS.items():
        if name in mixed:          # reviews: only in a dataset that has decisions
            assert not mixed[name].duplicated(list(cols)).any(), name


def test_byte_copies_are_duplicate_rows_pointing_at_the_kept_file(mixed):
    rep = mixed["reports"].set_index("source_file")
    for s in SEEDS:
        copy, kept = rep.loc[f"copies/副本 {s.name}"], rep.loc[s.name]
        assert copy["status"] == "duplicate" and copy["duplicate_kind"] == "same_file"
        assert copy["duplicate_of"] == kept["report_id"] and copy["report_id"] != kept["report_id"]
        assert copy["n_projects"] == 0 and kept["status"] == "ok"
    assert set(mixed["projects"]["report_id"]) & set(rep.loc[rep["status"] == "duplicate", "report_id"]) == set()


def test_a_duplicate_row_is_placed_with_the_report_it_repeats(mixed):
    """Its county, city, province, agency and year are the kept report's: a region's report counts it there, and
    its duplicate note is that county's finding, not an unplaced one."""
    rep = mixed["reports"].set_index("source_file")
    cols = ["county", "city", "province", "agency", "fiscal_year"]
    for dup, kept in [*((f"copies/副本 {s.name}", s.name) for s in SEEDS), ("pair.pdf", "pair.docx")]:
        assert rep.loc[dup, cols].tolist() == rep.loc[kept, cols].tolist() and rep.loc[dup, "county"]
    notes = mixed["findings"][mixed["findings"]["rule"] == "duplicate_document"]
    assert notes["county"].tolist() == rep.loc[notes["source_file"], "county"].tolist()
    county = rep.loc[SEEDS[0].name, "county"]
    there = rp.filter_tables(mixed, region=county)
    assert (there["reports"]["status"] == "duplicate").sum() == 1
    assert (there["findings"]["rule"] == "duplicate_document").sum() == 1
    assert rp.Views(there).headline["n_duplicates"] == 1


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory):
    """A region's folders with files that cannot be read: one beside a seed in 开江县, one and its copy alone in
    宣汉县, one in a folder that names no county."""
    root = tmp_path_factory.mktemp("broken")
    docs = root / "docs"
    kj, xh = docs / "四川省" / "达州市" / "开江县", docs / "四川省" / "达州市" / "宣汉县"
    for d in (kj, xh, docs / "收件箱"):
        d.mkdir(parents=True)
    shutil.copy(SEEDS[1], kj / SEEDS[1].name)
    (kj / "损坏的自评表.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    (xh / "损坏的自评表.docx").write_bytes(b"PK\x03\x04 not a zip at all, but not the same")
    (xh / "损坏的自评表 (1).docx").write_bytes(b"PK\x03\x04 not a zip at all, but not the same")
    (docs / "收件箱" / "损坏的自评表.xlsx").write_bytes(b"\x00" * 64)
    return ingest_paths([docs], root / "clean")


def test_a_file_that_failed_is_placed_by_its_folder(broken_files):
    """A region's report lists the files of its folders that could not be read; a failed file in a folder that
    names no county stays unplaced."""
    t = broken_files
    rep = t["reports"].set_index("source_file")
    bad = rep.loc["四川省/达州市/开江县/损坏的自评表.docx"]
    assert bad["status"] == "failed" and (bad["county"], bad["city"], bad["province"]) == ("开江县", "达州市", "四川省")
    assert bad["place_source"] == "文件路径"
    assert rep.loc["收件箱/损坏的自评表.xlsx", "status"] == "failed"
    assert pd.isna(rep.loc["收件箱/损坏的自评表.xlsx", "county"])
    there = rp.filter_tables(t, region="开江县")
    assert rp.Views(there).headline["n_failed_reports"] == 1
    assert set(there["reports"]["source_file"]) == {"四川省/达州市/开江县/损坏的自评表.docx",
                                                     f"四川省/达州市/开江县/{SEEDS[1].name}"}
    listed = rp.unread_files(there["reports"])        # the regional brief's note on files not fully read
    assert len(listed) == 1 and listed[0].startswith("四川省/达州市/开江县/损坏的自评表.docx（失败：")


def test_a_failed_file_alone_in_its_county_makes_no_county(broken_files):
    """Its region's report lists it (once: its copy is a duplicate), but the brief's counties (and their count)
    are those with something read."""
    rep = broken_files["reports"].set_index("source_file")
    xh = "四川省/达州市/宣汉县/"
    assert sorted(rep.loc[[xh + "损坏的自评表.docx", xh + "损坏的自评表 (1).docx"], "status"]) == ["duplicate", "failed"]
    vw = rp.Views(rp.filter_tables(broken_files, region="达州市"))
    assert vw.counties == ["开江县"] and vw.headline["n_counties"] == 1
    assert vw.headline["n_failed_reports"] == 2 and len(rp.unread_files(vw["reports"])) == 2
    assert list(vw.county_summary["county_label"]) == ["开江县"]


def test_same_report_in_docx_and_pdf_is_kept_once(mixed):
    rep = mixed["reports"].set_index("source_file")
    docx, pdf = rep.loc["pair.docx"], rep.loc["pair.pdf"]
    assert docx["status"] == "ok" and docx["n_projects"] == 3          # the DOCX (richer format) is kept
    assert pdf["status"] == "duplicate" and pdf["duplicate_kind"] == "same_report"
    assert pdf["duplicate_of"] == docx["report_id"]
    names = mixed["projects"].loc[mixed["projects"]["source_file"].isin(["pair.docx", "pair.pdf"]), "project_name"]
    assert sorted(names) == sorted(["网络设备软件运行保障经费", "医疗保障服务经费", "退役军人辅助性岗位经费"])


def test_findings_are_the_seeds_own_plus_one_note_per_duplicate(mixed, seed_tables):
    """…and the three projects of seed 003 that the DOCX+PDF pair (fixture_pdf.pdf: three of 003's tables)
    reports too, pointed out on both sides (project_repeated)."""
    seed_ids = set(seed_tables["reports"]["report_id"])
    f = mixed["findings"]
    notes = f[f["rule"] == "duplicate_document"]
    assert len(notes) == len(SEEDS) + 1 and set(notes["severity"]) == {"info"}
    copy_note = notes[notes["source_file"] == f"copies/副本 {SEEDS[0].name}"]["message"].iloc[0]
    assert "字节一致" in copy_note and SEEDS[0].name in copy_note
    pair_note = notes[notes["source_file"] == "pair.pdf"]["message"].iloc[0]
    assert "另一种格式" in pair_note and "pair.docx" in pair_note
    repeated = f[f["rule"] == "project_repeated"]
    seed_003 = SEEDS[3].name
    assert sorted(repeated["source_file"]) == sorted(["pair.docx"] * 3 + [seed_003] * 3)
    assert all("pair.docx（数字一致）" in m for m in repeated.loc[repeated["source_file"] == seed_003, "message"])
    cols = ["finding_id", "rule", "severity", "message"]
    mine = f[f["report_id"].isin(seed_ids) & (f["rule"] != "project_repeated")][cols]
    mine = mine.sort_values("finding_id").reset_index(drop=True)
    alone = seed_tables["findings"][cols].sort_values("finding_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone, check_dtype=False)
    assert not (f["rule"].isin(["total_score_mismatch", "weight_sum_mismatch"])
                & ~f["report_id"].isin(seed_ids)).any()         # no false sums from doubled rows


def test_regional_summary_figures_do_not_change_with_copies(tmp_path, seed_tables):
    folder = tmp_path / "in"
    folder.mkdir()
    for s in SEEDS:
        shutil.copy(s, folder / s.name)
        shutil.copy(s, folder / f"copy-{s.name}")
    t = ingest_paths([folder])
    got, want = rp.headline(t), rp.headline(seed_tables)
    for k in ("n_counties", "n_reports", "n_projects", "budget", "executed", "grades", "n_errors"):
        assert got[k] == want[k], k


def test_ids_are_stable_across_runs_and_copies(corpus, mixed, seed_tables):
    again = ingest_paths([corpus], checks=False)
    cols = ["source_file", "report_id", "status", "duplicate_of"]
    pd.testing.assert_frame_equal(again["reports"][cols], mixed["reports"][cols])
    assert list(again["projects"]["project_id"]) == list(mixed["projects"]["project_id"])
    # the kept seeds have the ids they have when ingested alone
    assert set(seed_tables["projects"]["project_id"]) <= set(mixed["projects"]["project_id"])


# ------------------------------------------------------------------ a scan of a report read elsewhere
# A scan's OCR may misread a character of a name (〔2021〕 as （2021）, 缮 dropped): the copy is still
# the same report when the year and every figure are equal and the text is alike (near_key).

def _parsed(seed: Path):
    from evalkit.ingest import parse_file, placed_by_path
    return placed_by_path(parse_file(seed, seed.name))


def _scanned(r, name: str, misread=None, ocr: bool = True):
    """`r` as another file holds it: read by OCR (ocr_pages set), its names passed through `misread`."""
    import copy
    s = copy.deepcopy(r)
    s.report.update(source_file=name, report_id=f"scan-{name}", format="image" if ocr else "docx",
                    ocr_pages="1" if ocr else None)
    for p in s.projects:
        p["project_name"] = misread(p["project_name"]) if misread else p["project_name"]
    return s


def _kinds(results):
    from evalkit.identity import same_report_duplicates
    out = same_report_duplicates(results)
    return {r.report["source_file"]: (r.report["status"], r.report.get("duplicate_kind"),
                                      r.report.get("duplicate_of_file")) for r in out}


def _bracket(name: str) -> str:            # 冀财社(2021)179号 read as 冀财社〔2021〕179号
    return name.replace("(", "〔").replace(")", "〕")


def test_a_scan_whose_ocr_misread_a_bracket_is_the_same_report():
    orig = _parsed(SEEDS[3])                   # 23 projects, 文号 such as 冀财社(2021)179号
    assert any("(2021)" in p["project_name"] for p in orig.projects)
    got = _kinds([_scanned(orig, "a_扫描件.tif", _bracket), orig])
    assert got["a_扫描件.tif"] == ("duplicate", "same_report_ocr", SEEDS[3].name)
    assert got[SEEDS[3].name][0] == "ok"       # the copy read without OCR is kept, though listed second


def test_the_ledger_and_the_finding_say_where_the_scan_reads_otherwise(tmp_path):
    from evalkit.checks import load_config, run_checks
    from evalkit.identity import same_report_duplicates
    from evalkit.ingest import assemble
    orig = _parsed(SEEDS[1])                   # 4 projects; OCR reads a character of the first name as 口
    first = orig.projects[0]["project_name"]
    scan = _scanned(orig, "c.tif", lambda n: n.replace(first[2], "口", 1) if n == first else n)
    out = same_report_duplicates([orig, scan])
    note = out[1].report["duplicate_note"]
    assert note.startswith("识别文字与所留文件不同（1 处）") and "口" in note and first[2] in note
    tables = assemble(out)
    assert tables["reports"].set_index("source_file").loc["c.tif", "duplicate_note"] == note
    f = run_checks(tables, load_config())
    msg = f.loc[f["rule"] == "duplicate_document", "message"].iloc[0]
    assert "扫描件" in msg and note in msg and SEEDS[1].name in msg


def test_two_scans_with_different_misreads_are_both_the_original():
    orig = _parsed(SEEDS[1])                   # 4 projects
    drop = lambda n: n[:3] + n[4:]             # one character lost
    got = _kinds([orig, _scanned(orig, "b1.tif", drop), _scanned(orig, "b2.tif", lambda n: n + "号")])
    assert got["b1.tif"][:2] == got["b2.tif"][:2] == ("duplicate", "same_report_ocr")
    assert got["b1.tif"][2] == got["b2.tif"][2] == SEEDS[1].name


def test_files_read_without_ocr_are_never_joined_by_alike_names():
    orig = _parsed(SEEDS[3])
    got = _kinds([orig, _scanned(orig, "renamed.docx", _bracket, ocr=False)])
    assert got["renamed.docx"][0] == "ok" and got[SEEDS[3].name][0] == "ok"


def test_a_scan_with_other_names_many_other_figures_or_another_place_is_another_report():
    orig = _parsed(SEEDS[3])                   # 23 projects
    figures = _scanned(orig, "figures.tif", _bracket)
    for p in figures.projects:                 # every project's executed another: not misreads
        p["executed"] = (p["executed"] or 0) + 1
    named = _scanned(orig, "names.tif", lambda n: "另一项目" + n[::-1])
    elsewhere = _scanned(orig, "county.tif", _bracket)      # a neighbour county's agency, the same figures
    elsewhere.report["county"] = orig.report["county"][:-1] + "西" + orig.report["county"][-1:]
    got = _kinds([orig, figures, named, elsewhere])
    assert {got[k][0] for k in ("figures.tif", "names.tif", "county.tif", SEEDS[3].name)} == {"ok"}


def test_a_scan_that_misread_a_figure_and_a_name_is_still_the_same_report():
    """A seal over a cell hides a figure (read as empty), OCR misreads a digit and a 文号's brackets: the scan of a
    report read from its DOCX was counted a second time (every project twice). Its text alike and its figures alike
    in the document's order, it is the DOCX's scan; the note names what it read otherwise."""
    from evalkit.identity import NEAR_FIGURE_SHARE
    orig = _parsed(SEEDS[3])                   # 23 projects, 文号 such as 冀财社(2021)179号
    scan = _scanned(orig, "盖章_扫描件.tif", _bracket)
    first, second = scan.projects[0], scan.projects[1]
    hidden, misread = first["executed"], second["total_score"]
    first["executed"], second["total_score"] = None, misread - 8          # 98.5 read as 90.5
    got = _kinds([_scanned(orig, "更正_扫描件.tif", _bracket), scan, orig])
    assert got["盖章_扫描件.tif"] == ("duplicate", "same_report_ocr", SEEDS[3].name)
    note = same_report_duplicates_note(orig, scan)
    assert note.startswith("识别文字与所留文件不同（") and "数字识别不同（2 处）" in note
    assert f"执行数 空（所留文件 {hidden:g}）" in note and f"总分 {misread - 8:g}（所留文件 {misread:g}）" in note
    assert NEAR_FIGURE_SHARE >= 0.9


def test_the_note_writes_a_large_figure_in_full():
    """12345.67 万元 read as 12345.61: both written whole in the note (a 6-digit %g format wrote 12345.7)."""
    orig = _parsed(SEEDS[3])
    orig.projects[0]["executed"] = 12345.67
    scan = _scanned(orig, "大额_扫描件.tif", _bracket)
    scan.projects[0]["executed"] = 12345.61
    assert "执行数 12345.61（所留文件 12345.67）" in same_report_duplicates_note(orig, scan)


def same_report_duplicates_note(orig, scan) -> str:
    from evalkit.identity import same_report_duplicates
    out = same_report_duplicates([orig, scan])
    assert out[1].report["status"] == "duplicate"
    return out[1].report["duplicate_note"]


def test_a_scan_that_lost_a_project_under_a_seal_is_still_the_same_report():
    """The seal over a project's name: OCR finds one project fewer (and may lose a figure besides). Against the copy
    read without OCR it is that report; the note names the project it did not find. A scan holding one project
    more than the other copy is not joined (the extra project would be lost with it)."""
    orig = _parsed(SEEDS[1])                   # 4 projects
    lost = orig.projects[2]["project_name"]
    scan = _scanned(orig, "少一项_扫描件.tif")
    del scan.projects[2]
    scan.projects[0]["executed"] = None
    got = _kinds([scan, orig])
    assert got["少一项_扫描件.tif"] == ("duplicate", "same_report_ocr", SEEDS[1].name) and got[SEEDS[1].name][0] == "ok"
    note = same_report_duplicates_note(orig, scan)
    assert f"未识别出项目「{''.join(lost.split())}」" in note and "数字识别不同（1 处）" in note
    fewer = _scanned(orig, "原件少一项.docx", ocr=False)      # read without OCR, one project fewer than the scan
    del fewer.projects[2]
    more = _scanned(orig, "多一项_扫描件.tif")
    got = _kinds([fewer, more])
    assert got["原件少一项.docx"][0] == got["多一项_扫描件.tif"][0] == "ok"


def test_a_scan_stating_another_version_or_date_is_not_joined_by_alike_figures():
    """更正 in its name (or another printed date): figures that differ may be the correction, not misreads; the
    versions rule weighs what the files say, so the looser test stays out."""
    orig = _parsed(SEEDS[3])
    corrected = _scanned(orig, "自评表（更正）_扫描件.tif", _bracket)
    corrected.projects[0]["executed"] = (corrected.projects[0]["executed"] or 0) + 1
    dated = _scanned(orig, "另一日期_扫描件.tif", _bracket)
    dated.projects[1]["executed"] = (dated.projects[1]["executed"] or 0) + 1
    orig.report["doc_date"], dated.report["doc_date"] = "2022-03-01", "2022-04-15"
    got = _kinds([orig, corrected, dated])
    assert {got[k][0] for k in ("自评表（更正）_扫描件.tif", "另一日期_扫描件.tif", SEEDS[3].name)} == {"ok"}


def test_two_files_read_without_ocr_are_never_joined_by_alike_figures():
    orig = _parsed(SEEDS[3])
    other = _scanned(orig, "其他.docx", _bracket, ocr=False)
    other.projects[0]["executed"] = None
    got = _kinds([orig, other])
    assert got["其他.docx"][0] == "ok" and got[SEEDS[3].name][0] == "ok"


def test_a_report_with_too_few_figures_is_matched_only_exactly():
    from evalkit.identity import NEAR_MIN_FIGURES, near_key
    orig = _parsed(SEEDS[0])
    few = _scanned(orig, "few.tif", _bracket)
    for p in few.projects:
        p.update(budget_initial=None, budget_full_year=None, executed=None, total_score=None)
    few.projects[0]["executed"] = 1.0
    assert NEAR_MIN_FIGURES > 1 and near_key(few) is None
    assert near_key(orig) is not None


# ------------------------------------------------------------------ a 汇编: several reports in one file

def test_a_compilation_of_several_counties_and_years_gives_each_project_its_own(tmp_path):
    """A city bureau's 汇编: the self-evaluation tables of several agencies, counties and years one after another in one
    file. Each project takes the county its own agency names and the year its own table's title states (before,
    every project took the first report's county and the file's most stated year); a file of one year keeps it."""
    import pandas as pd

    from evalkit import synth
    from evalkit.ingest import ingest_paths
    synth.generate(24, tmp_path / "corpus", seed=3, formats=["txt"], error_rate=0, dup_rate=0, format_dup_rate=0,
                   version_rate=0, year_copy_rate=0, log=lambda *a: None)
    truth = pd.read_csv(tmp_path / "corpus" / "truth" / "projects.csv", dtype=str, keep_default_na=False)
    tables = truth[truth["seed"].str.contains("项目支出绩效自评表")]
    places = tables.groupby("seed")[["county", "fiscal_year"]].first().sort_index()
    picked: list[str] = []                  # three reports of three counties, of at least two years
    for seed, (county, year) in places.iterrows():
        chosen = places.loc[picked]
        if county in set(chosen["county"]) or (len(picked) == 2 and set(chosen["fiscal_year"]) == {year}):
            continue
        picked.append(seed)
        if len(picked) == 3:
            break
    assert len(picked) == 3 and places.loc[picked, "fiscal_year"].nunique() >= 2
    files = {p.name: p for p in (tmp_path / "corpus" / "docs").rglob("*.txt")}
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "汇编.txt").write_text("\n\n".join(files[s].read_text(encoding="utf-8") for s in picked),
                                             encoding="utf-8")
    got = ingest_paths([tmp_path / "in"], checks=False)["projects"]
    want = truth[truth["seed"].isin(picked)]
    assert sorted(zip(got["project_name"], got["county"], got["fiscal_year"].astype(str))) == \
        sorted(zip(want["project_name"], want["county"], want["fiscal_year"]))
    # one agency's two years, the second copied from the first (照抄上年) under its own year's title: both kept
    text, year = files[picked[0]].read_text(encoding="utf-8"), int(places.loc[picked[0], "fiscal_year"])
    title = f"( {year} 年度 )"
    assert title in text
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "两年.txt").write_text(text + "\n\n" + text.replace(title, f"( {year + 1} 年度 )"),
                                             encoding="utf-8")
    two = ingest_paths([tmp_path / "two"], checks=False)["projects"]
    n = int((want["seed"] == picked[0]).sum())
    assert sorted(two["fiscal_year"].value_counts().to_dict().items()) == [(year, n), (year + 1, n)]


def test_two_blank_templates_with_as_many_lines_are_two_files(tmp_path):
    """Two unnamed forms without a figure (a template published unfilled, the same form filled in but left without
    name, year and total) once had the same content key (no agency, year, name nor figure; 2 lines each): the second
    was a duplicate of the first. Nothing tells them apart, so neither is the other; the same blank file twice is
    still one (a byte copy)."""
    head = "一级指标\t二级指标\t三级指标\t分值\t得分\n"
    (tmp_path / "a.txt").write_text(head + "产出指标\t数量指标\t必要性\t5\t\n\t\t可行性\t5\t\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(head + "产出指标\t数量指标\t必要性\t5\t5\n\t\t可行性\t5\t4\n", encoding="utf-8")
    shutil.copy(tmp_path / "a.txt", tmp_path / "a_copy.txt")
    reports = ingest_paths([tmp_path], out_dir=None, checks=False)["reports"].set_index("source_file")
    status = {Path(k).name: v for k, v in reports["status"].items()}
    assert status["b.txt"] != "duplicate" and status["a.txt"] != "duplicate" and status["a_copy.txt"] == "duplicate"
