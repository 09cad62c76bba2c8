"""Versions of one report (evalkit/versions.py): a corrected report beside the original, a resubmission, a draft
beside the final text. Same agency, year and projects, other figures: counted once, the later version."""
from pathlib import Path

import pandas as pd
import pytest

from evalkit.ingest import ingest_paths
from evalkit.readers import read
from evalkit.recognize.statements import doc_date, version_mark, version_of
from evalkit.tables import key_violations

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT / "data" / "raw").glob("002_*.txt"))      # one project; dated 2025年3月28日 under its title
ORIGINAL = SEED.read_text(encoding="utf-8")


def corrected(text: str = ORIGINAL, date: str | None = None, title: str | None = None, name: str | None = None) -> str:
    """The seed with its 年度资金总额 row's execution changed (36 -> 35, 100% -> 97.22%), as a corrected
    version would; optionally another date line, title or project name."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.strip() == "年度资金总额：")
    assert lines[at + 2].strip() == "36" and lines[at + 4].strip() == "100%"
    lines[at + 2], lines[at + 4] = "\t35", "\t97.22%"
    out = "\n".join(lines)
    return redate(out, date, title, name)


def redate(text: str, date: str | None = None, title: str | None = None, name: str | None = None) -> str:
    if date:
        text = text.replace("\n2025年3月28日\n", f"\n{date}\n", 1)
    if title:
        text = text.replace("\n2024年医疗保障能力提升项目绩效自评报告\n", f"\n{title}\n", 1)
    if name:
        text = text.replace("\t项目名称\n\t医疗保障服务能力提升\n", f"\t项目名称\n\t{name}\n", 1)
    return text


def ingest(folder: Path, files: dict[str, str]) -> dict[str, pd.DataFrame]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    tables = ingest_paths([folder], out_dir=None, checks=True)
    assert key_violations(tables) == []
    return tables


def row(tables, name: str) -> dict:
    rep = tables["reports"]
    hit = rep[rep["source_file"] == name]
    assert len(hit) == 1, name
    return hit.iloc[0].to_dict()


def project_rows(tables) -> pd.DataFrame:
    p = tables["projects"]
    return p[p["project_name"] == "医疗保障服务能力提升"]


def version_finding(tables, name: str) -> dict:
    f = tables["findings"]
    hit = f[(f["rule"] == "report_other_version") & (f["source_file"] == name)]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


def test_a_corrected_report_named_so_is_counted_once_as_the_later_version(tmp_path):
    t = ingest(tmp_path / "in", {"绥宁县医保局2024年自评报告（更正）.txt": corrected(),
                                 "绥宁县医保局2024年自评报告.txt": ORIGINAL})
    new, old = row(t, "绥宁县医保局2024年自评报告（更正）.txt"), row(t, "绥宁县医保局2024年自评报告.txt")
    assert new["status"] == "ok"
    assert (old["status"], old["duplicate_kind"], old["duplicate_of"]) == ("duplicate", "other_version", new["report_id"])
    p = project_rows(t)
    assert len(p) == 1 and p.iloc[0]["executed"] == 35 and p.iloc[0]["execution_rate"] == 97.22
    f = version_finding(t, "绥宁县医保局2024年自评报告.txt")
    assert f["severity"] == "warning"
    assert "文件名标有“更正”" in f["message"]
    assert "「医疗保障服务能力提升」执行数 36→35" in f["message"] and "执行率 100→97.22" in f["message"]
    # the ledger has no row of the dropped version, the kept one's rows count once
    assert not (t["ledger"]["report_id"] == old["report_id"]).any()


def test_the_later_date_printed_decides_when_no_name_says(tmp_path):
    # b.txt is the later version: undecided, a.txt would be kept (first by name)
    t = ingest(tmp_path / "in", {"a.txt": ORIGINAL, "b.txt": corrected(date="2025年4月15日")})
    assert row(t, "b.txt")["doc_date"] == "2025-04-15" and row(t, "a.txt")["doc_date"] == "2025-03-28"
    assert row(t, "b.txt")["status"] == "ok" and row(t, "a.txt")["duplicate_kind"] == "other_version"
    assert "所留文件落款日期 2025-04-15 晚于本文件的 2025-03-28" in version_finding(t, "a.txt")["message"]
    assert project_rows(t).iloc[0]["executed"] == 35


def test_a_draft_loses_to_the_unmarked_text(tmp_path):
    t = ingest(tmp_path / "in", {"a（征求意见稿）.txt": corrected(), "b.txt": ORIGINAL})
    assert row(t, "b.txt")["status"] == "ok"
    assert "本文件的文件名标有“征求意见稿”" in version_finding(t, "a（征求意见稿）.txt")["message"]
    assert project_rows(t).iloc[0]["executed"] == 36


def test_a_version_word_bracketed_in_the_title_counts(tmp_path):
    t = ingest(tmp_path / "in", {"a.txt": ORIGINAL,
                                 "b.txt": corrected(title="2024年医疗保障能力提升项目绩效自评报告（修订版）")})
    assert row(t, "b.txt")["version_mark"] == "修订版"
    assert row(t, "b.txt")["status"] == "ok" and row(t, "a.txt")["status"] == "duplicate"
    assert "所留文件的标题标有“修订”" in version_finding(t, "a.txt")["message"]


def test_versions_the_files_do_not_order_keep_one_and_say_so(tmp_path):
    t = ingest(tmp_path / "in", {"a.txt": ORIGINAL, "b.txt": corrected()})
    assert len(project_rows(t)) == 1
    kept = t["reports"][t["reports"]["status"] == "ok"]
    assert set(kept["source_file"]) & {"a.txt", "b.txt"} == {"a.txt"}
    assert "都不能说明哪份在后" in version_finding(t, "b.txt")["message"]


def test_copies_of_a_dropped_version_point_at_the_kept_one(tmp_path):
    t = ingest(tmp_path / "in", {"old.txt": ORIGINAL, "old_copy.txt": ORIGINAL, "new（更正）.txt": corrected()})
    new = row(t, "new（更正）.txt")
    for name in ("old.txt", "old_copy.txt"):
        r = row(t, name)
        assert (r["status"], r["duplicate_kind"], r["duplicate_of"]) == ("duplicate", "other_version", new["report_id"])
    assert len(project_rows(t)) == 1


def test_other_projects_of_the_same_agency_and_year_are_not_versions(tmp_path):
    t = ingest(tmp_path / "in", {"a.txt": ORIGINAL, "b.txt": corrected(name="医疗保障信息化建设")})
    assert set(t["reports"]["status"]) == {"ok"}
    assert set(t["projects"]["project_name"]) == {"医疗保障服务能力提升", "医疗保障信息化建设"}
    assert not (t["findings"]["rule"] == "report_other_version").any()


def test_a_cached_rerun_decides_the_same(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ORIGINAL, encoding="utf-8")
    (folder / "b（更正）.txt").write_text(corrected(), encoding="utf-8")
    stats: dict = {}
    first = ingest_paths([folder], out_dir=tmp_path / "clean", checks=True)
    (folder / "c.txt").write_text(ORIGINAL.replace("黄秋元", "黄秋元 "), encoding="utf-8")   # one more copy, parsed alone
    again = ingest_paths([folder], out_dir=tmp_path / "clean", checks=True, stats=stats)
    assert stats["from_cache"] == 2 and stats["parsed"] == 1
    rep = again["reports"].set_index("source_file")
    assert rep.loc["b（更正）.txt", "status"] == "ok"
    assert rep.loc["a.txt", "duplicate_kind"] == "other_version"
    assert rep.loc["c.txt", "duplicate_kind"] == "other_version"   # the same content as a.txt, so the older version too
    assert rep.loc["a.txt", "duplicate_note"] == first["reports"].set_index("source_file").loc["a.txt", "duplicate_note"]


# ---- what the document says of its date and version ------------------------------------------------

def doc_of(tmp_path, text: str):
    p = tmp_path / "doc.txt"
    p.write_text(text, encoding="utf-8")
    return read(p)


@pytest.mark.parametrize("text, want", [
    ("报告\n\n二〇二五年三月二十八日\n", "2025-03-28"),                 # the 落款 in Chinese numerals
    ("报告\n2024年12月31日前完成\n正文\n2025年1月5日\n", "2025-01-05"),    # a date in a sentence is not the 落款
    ("填报日期：2023.3.1\n正文\n2025年1月5日\n", "2023-03-01"),           # a labelled field wins over a line alone
    ("报告\n2022年2月\n", "2022-02"),                                     # only the month printed
    ("报告\n2024年2月30日\n", None),                                       # no such day
    ("报告\n正文里只有截至2024年12月31日的数字。\n", None),
])
def test_the_date_a_document_is_signed_or_filled_in(tmp_path, text, want):
    assert doc_date(doc_of(tmp_path, text)) == want


def test_the_seeds_dates_are_read_as_printed(seed_tables):
    got = dict(zip(seed_tables["reports"]["source_file"].str[:3], seed_tables["reports"]["doc_date"]))
    assert got["000"] == "2022-02" and got["002"] == "2025-03-28" and got["003"] == "2023-03-01"
    assert pd.isna(got["001"]) and pd.isna(got["004"])


@pytest.mark.parametrize("words, want", [
    ("自评报告（更正）", (1, 0, "更正")),
    ("自评报告-定稿v2", (1, 2, "定稿、v2")),
    ("自评报告（征求意见稿）", (-1, 0, "征求意见稿")),
    ("自评报告第二版", (0, 2, "第二版")),
    ("老旧设备更新项目自评报告", (0, 0, None)),      # 更新 names projects: not a version word
    ("report (1)", (0, 0, None)),                    # a browser's second download says nothing of versions
])
def test_version_words(words, want):
    assert version_of(words) == want


def test_a_version_word_counts_only_bracketed_in_the_opening_lines(tmp_path):
    assert version_mark(doc_of(tmp_path, "自评报告（更正版）\n正文\n")) == "更正版"
    assert version_mark(doc_of(tmp_path, "自评报告\n我们修订了管理办法（修订）并落实。\n")) is None   # a sentence
    assert version_mark(doc_of(tmp_path, "自评报告\n" + "正文\n" * 8 + "（修订）\n")) is None


def test_a_corrected_department_report_stating_only_its_summary_counts_once(tmp_path):
    from conftest import statement_only_report
    text = statement_only_report()
    assert "平均得分96.03分" in text
    t = ingest(tmp_path / "in", {"决算.txt": text, "决算（更正）.txt": text.replace("平均得分96.03分", "平均得分95.03分")})
    assert row(t, "决算（更正）.txt")["status"] == "ok"
    assert row(t, "决算.txt")["duplicate_kind"] == "other_version"
    assert list(t["summaries"]["avg_score"]) == [95.03]
    assert "汇总平均得分 96.03→95.03" in version_finding(t, "决算.txt")["message"]


# ---- one project in two reports that are not versions of one another ---------------------------------

def bundle_and_single(executed_delta=0):
    """A bureau's bundle of project tables (synth's tabs layout) and one of its projects in its own report
    (annex layout), the same agency and year; the single report's execution changed by `executed_delta`."""
    import copy
    import random
    from evalkit import synth
    bundle = synth.Generator(11, error_rate=0.0).report(1, "tabs", "txt")
    single = copy.deepcopy(bundle)
    single.layout, single.doc_kind, single.projects = "annex", "project_report", [copy.deepcopy(bundle.projects[1])]
    single.projects[0].executed += executed_delta
    return (bundle, single, synth.TEXT_RENDER["tabs"](bundle, random.Random(1)),
            synth.TEXT_RENDER["annex"](single, random.Random(2)))


def test_a_project_in_a_bundle_and_in_its_own_report_is_pointed_out_in_both(tmp_path):
    bundle, single, a, b = bundle_and_single()
    t = ingest(tmp_path / "in", {"bundle.txt": a, "single.txt": b})
    assert set(t["reports"]["status"]) == {"ok"}                    # neither is a copy or version: both count
    name = single.projects[0].name
    p = t["projects"]
    assert list(p.loc[p["project_name"] == name, "repeated_in"]) == ["single.txt（数字一致）", "bundle.txt（数字一致）"]
    assert p.loc[p["project_name"] != name, "repeated_in"].isna().all()
    f = t["findings"][t["findings"]["rule"] == "project_repeated"]
    assert sorted(f["source_file"]) == ["bundle.txt", "single.txt"] and set(f["severity"]) == {"warning"}
    msg = dict(zip(f["source_file"], f["message"]))
    assert msg["bundle.txt"].startswith(f"项目「{name}」（{bundle.agency}，{bundle.year}年度）也填报在 single.txt（数字一致） 中")


def test_a_repeated_project_with_other_figures_says_so(tmp_path):
    _, single, a, b = bundle_and_single(executed_delta=1)
    t = ingest(tmp_path / "in", {"bundle.txt": a, "single.txt": b})
    p = t["projects"]
    assert p.loc[p["source_file"] == "single.txt", "repeated_in"].tolist() == ["bundle.txt（数字不同）"]


def test_a_dropped_version_or_copy_repeats_nothing(tmp_path):
    t = ingest(tmp_path / "in", {"a.txt": ORIGINAL, "a_copy.txt": ORIGINAL, "b（更正）.txt": corrected()})
    assert t["projects"]["repeated_in"].isna().all()
    assert not (t["findings"]["rule"] == "project_repeated").any()


def test_a_file_added_later_marks_the_cached_reports_project_too(tmp_path):
    _, single, a, b = bundle_and_single()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "bundle.txt").write_text(a, encoding="utf-8")
    first = ingest_paths([folder], out_dir=tmp_path / "clean", checks=True)
    assert first["projects"]["repeated_in"].isna().all()
    (folder / "single.txt").write_text(b, encoding="utf-8")
    stats: dict = {}
    again = ingest_paths([folder], out_dir=tmp_path / "clean", checks=True, stats=stats)
    assert (stats["from_cache"], stats["parsed"]) == (1, 1)
    p = again["projects"]
    assert p.loc[p["source_file"] == "bundle.txt", "repeated_in"].dropna().tolist() == ["single.txt（数字一致）"]


def test_the_briefing_headline_says_how_many_old_versions_and_repeated_projects(tmp_path):
    from evalkit.report.aggregates import headline
    from evalkit.report.text import headline_text
    _, _, a, b = bundle_and_single()
    t = ingest(tmp_path / "in", {"bundle.txt": a, "single.txt": b, "v.txt": ORIGINAL, "v（更正）.txt": corrected()})
    h = headline(t)
    assert (h["n_old_versions"], h["n_repeated_projects"], h["n_reports"]) == (1, 2, 3)
    txt = headline_text(h)
    assert "另有1份文件是同一报告数字不同的旧版本，只计入较新的一份" in txt
    assert "有2条项目记录与另一份报告中（或同一报告另一处）的同一项目重复，以上合计中计入两次" in txt
    plain = headline_text(headline(ingest(tmp_path / "plain", {"v.txt": ORIGINAL})))
    assert "旧版本" not in plain and "重复" not in plain and "照抄" not in plain


# ---- a year's self-evaluation copied from an earlier year ------------------------------------------

def next_year(text: str = ORIGINAL, year: int = 2024) -> str:
    """The seed (of `year`) as the agency's report for the next year: every year made the next, its date a
    year later, nothing else."""
    return text.replace(f"{year + 1}年3月28日", f"{year + 2}年3月28日").replace(f"{year}年", f"{year + 1}年")


def earlier_finding(tables) -> pd.DataFrame:
    f = tables["findings"]
    return f[f["rule"] == "indicators_as_earlier_year"]


def test_a_year_whose_lines_are_the_last_years_is_pointed_out(tmp_path):
    """The 2025 report repeats 2024's lines, actual values and scores: both count (different years), and the
    2025 project names the 2024 file; the 2024 one names nothing."""
    t = ingest(tmp_path / "in", {"2024.txt": ORIGINAL, "2025.txt": next_year()})
    p = project_rows(t).set_index("fiscal_year")
    assert sorted(p.index) == [2024, 2025] and set(t["reports"]["status"]) == {"ok"}
    assert p.at[2025, "same_as_earlier"] == "2024.txt（2024年度）" and pd.isna(p.at[2024, "same_as_earlier"])
    f = earlier_finding(t)
    n = int(p.at[2025, "n_indicators"])
    assert len(f) == 1 and f.iloc[0]["project_id"] == p.at[2025, "project_id"] and f.iloc[0]["severity"] == "warning"
    assert f"的{n}条绩效指标" in f.iloc[0]["message"] and "2024.txt（2024年度）" in f.iloc[0]["message"]
    led = t["ledger"]
    assert set(led.loc[led["rule"] == "indicators_as_earlier_year", "status"]) == {"通过", "未通过"}
    from evalkit.report.aggregates import headline
    from evalkit.report.text import headline_text
    h = headline(t)
    assert h["n_year_copies"] == 1 and "有1个项目的绩效指标连同完成值和得分与往年逐条相同，疑似照抄往年自评" in headline_text(h)


def test_one_actual_value_changed_is_no_copy(tmp_path):
    changed = next_year().replace("\t101.07%\n", "\t100.52%\n", 1)       # the 基本医保参保人数 line's actual value
    assert changed != next_year()
    t = ingest(tmp_path / "in", {"2024.txt": ORIGINAL, "2025.txt": changed})
    p = project_rows(t)
    assert len(p) == 2 and p["same_as_earlier"].isna().all() and earlier_finding(t).empty


def test_the_latest_earlier_year_is_named_and_a_cached_rerun_says_the_same(tmp_path):
    files = {"2024.txt": ORIGINAL, "2025.txt": next_year(), "2026.txt": next_year(next_year(), 2025)}
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    ingest_paths([folder], out_dir=tmp_path / "clean", checks=True)
    (folder / "2024.txt").unlink()                      # the 2024 report gone: 2025 names nothing now
    stats: dict = {}
    t = ingest_paths([folder], out_dir=tmp_path / "clean", checks=True, stats=stats)
    assert stats["parsed"] == 0
    p = project_rows(t).set_index("fiscal_year")["same_as_earlier"]
    assert pd.isna(p.get(2025)) and p[2026] == "2025.txt（2025年度）"


def test_a_project_reported_in_two_years_is_listed_with_its_changes(tmp_path):
    """The county profile's 连续多年的项目: seed 002 for 2024 and, spending 30 of 36 万元, for 2025: one row a
    year, the rate's change from 2024 (-16.67 points), the score's (0), and the 2024 file its lines repeat."""
    from evalkit import report as rp
    from evalkit.report import trends
    later = next_year().replace("\t36\n\t36\n\t10\n\t100%", "\t36\n\t30\n\t10\n\t83.33%", 1)
    assert later != next_year()
    t = ingest(tmp_path / "in", {"2024.txt": ORIGINAL, "2025.txt": later, "other.txt": redate(ORIGINAL, name="另一项目")})
    py = trends.project_years(rp.Views(t))
    assert list(py["fiscal_year"]) == [2024, 2025] and set(py["project_name"]) == {"医疗保障服务能力提升"}
    assert py["rate_change"].iloc[1] == pytest.approx(30 / 36 * 100 - 100, abs=1e-3) and py["score_change"].iloc[1] == 0
    assert pd.isna(py["rate_change"].iloc[0]) and py["same_as_earlier"].iloc[1] == "2024.txt（2024年度）"
    zh = rp.project_years_zh(py, with_county=False)
    assert zh.index.name == "项目" and list(zh["执行率较上年（百分点）"]) == ["—", "-16.7"]
    assert trends.project_years(rp.Views(ingest(tmp_path / "one", {"2024.txt": ORIGINAL}))).empty


def test_the_workbook_lists_a_project_reported_in_two_years(tmp_path):
    """summary.xlsx's 连续多年项目: the project's two years with the rate's change and the file the 2025 lines
    repeat; no such sheet when no project spans years."""
    import openpyxl

    from evalkit import report as rp
    from evalkit.report.xlsx import SHEET_PROJECT_YEARS, write_workbook
    later = next_year().replace("\t36\n\t36\n\t10\n\t100%", "\t36\n\t30\n\t10\n\t83.33%", 1)
    t = ingest(tmp_path / "in", {"2024.txt": ORIGINAL, "2025.txt": later, "other.txt": redate(ORIGINAL, name="另一项目")})
    ws = openpyxl.load_workbook(write_workbook(rp.Views(t), tmp_path / "summary.xlsx"))[SHEET_PROJECT_YEARS]
    head = [c.value.split("\n")[0] for c in ws[1]]
    rows = [dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=2)]
    assert [(r["项目"], r["年度"]) for r in rows] == [("医疗保障服务能力提升", 2024), ("医疗保障服务能力提升", 2025)]
    assert rows[0]["执行率较上年（百分点）"] is None and rows[1]["执行率较上年（百分点）"] == pytest.approx(-16.667, abs=1e-3)
    assert rows[1]["指标与往年逐条相同"] == "2024.txt（2024年度）"
    one = write_workbook(rp.Views(ingest(tmp_path / "one", {"2024.txt": ORIGINAL})), tmp_path / "one.xlsx")
    assert SHEET_PROJECT_YEARS not in openpyxl.load_workbook(one).sheetnames
