"""Review decisions: stable fingerprints, import from the workbook, kept across re-ingests, resolved when gone."""
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from openpyxl import Workbook

from conftest import SEEDS
from evalkit import review, store
from evalkit.errors import UsageError
from evalkit.ingest import ingest_paths


def _workbook(path, findings, decisions):
    """A findings sheet as the report writes it (header "中文\\ncolumn"), with decisions filled in."""
    wb = Workbook()
    ws = wb.active
    ws.title = "检查发现 findings"
    ws.append(["规则\nrule", "问题说明\nmessage", "指纹\nfingerprint", "复核结论\nreview_decision", "说明\nreview_note"])
    for row in findings.itertuples(index=False):
        dec, note = decisions.get(row.fingerprint, (None, None))
        ws.append([row.rule, row.message, row.fingerprint, dec, note])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("review")
    docs = root / "docs"
    docs.mkdir()
    for p in SEEDS[:4]:
        shutil.copy2(p, docs / p.name)
    return root, docs


def test_fingerprints_do_not_depend_on_run_order_or_names(seed_tables, tmp_path):
    docs = tmp_path / "d"
    docs.mkdir()
    for i, p in enumerate(reversed(SEEDS)):              # other names, other order
        shutil.copy2(p, docs / f"z{i}_{p.name}")
    t = ingest_paths([docs], None)
    a = seed_tables["findings"]
    assert set(t["findings"]["fingerprint"]) == set(a["fingerprint"])
    assert a["fingerprint"].notna().all() and a["fingerprint"].is_unique


def test_review_round_trip_survives_reingest(corpus, tmp_path):
    root, docs = corpus
    clean = root / "clean"
    t = ingest_paths([docs], clean)
    f = t["findings"].reset_index(drop=True)
    assert len(f) >= 3
    keep, drop, fixed = f.loc[0, "fingerprint"], f.loc[1, "fingerprint"], f.loc[2, "fingerprint"]
    wb = _workbook(tmp_path / "summary.xlsx", f, {keep: ("确认", "属实"), drop: ("排除", "模板差异，非问题"),
                                                  fixed: ("已整改", None)})
    r = subprocess.run([sys.executable, "-m", "evalkit", "review", "import", str(wb), "--dir", str(clean)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "已导入 3 条复核结论" in r.stdout
    # re-ingest the same files plus a new one: the decisions stay
    shutil.copy2(SEEDS[4], docs / SEEDS[4].name)
    t2 = ingest_paths([docs], clean)
    got = store.load(clean)["reviews"].set_index("fingerprint")
    assert got.loc[drop, "decision"] == "排除" and got.loc[drop, "note"] == "模板差异，非问题"
    assert got.loc[keep, "decision"] == "确认" and pd.isna(got.loc[fixed, "note"])
    assert len(t2["reports"]) == 5
    act = review.active(t2["findings"], store.load(clean)["reviews"])
    assert drop not in set(act["fingerprint"]) and keep in set(act["fingerprint"])
    out = subprocess.run([sys.executable, "-m", "evalkit", "review", "list", str(clean)], capture_output=True, text=True)
    assert out.returncode == 0 and "[排除]" in out.stdout and "模板差异" in out.stdout


def test_decision_on_a_finding_that_is_gone_is_resolved(seed_tables):
    t = dict(seed_tables)
    gone = review.merge(None, pd.DataFrame([{"fingerprint": "deadbeef", "decision": "已整改", "note": "已改正",
                                             "source": "x.xlsx"}]))
    d = review.decisions({**t, "reviews": gone})
    row = d[d["fingerprint"] == "deadbeef"].iloc[0]
    assert row["status"] == review.STATUS_RESOLVED
    assert (d["status"] == review.STATUS_OPEN).sum() == len(t["findings"])


def test_bad_decision_word_is_refused_with_its_row(seed_tables, tmp_path):
    f = seed_tables["findings"]
    wb = _workbook(tmp_path / "s.xlsx", f, {f["fingerprint"].iloc[0]: ("同意", None)})
    with pytest.raises(UsageError, match="第2行“同意”"):
        review.read_workbook(wb)


def test_check_write_keeps_reviews(seed_tables, tmp_path):
    d = store.write_atomic({**seed_tables, "reviews": review.merge(None, pd.DataFrame(
        [{"fingerprint": seed_tables["findings"]["fingerprint"].iloc[0], "decision": "排除", "note": "n",
          "source": "s"}]))}, tmp_path / "ds")
    r = subprocess.run([sys.executable, "-m", "evalkit", "check", str(d), "--write"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert len(store.load(d)["reviews"]) == 1


def test_workbook_round_trip_keeps_decisions_and_drops_dismissed_red_flags(tmp_path):
    """Fill decisions in the report's own summary.xlsx, import them, re-ingest with a new file, regenerate:
    the decisions are still there and the dismissed finding makes no red flag."""
    from openpyxl import load_workbook

    from evalkit.report.flags import FROM_FINDINGS
    from evalkit.report.xlsx import SHEET_DISMISSED, TABLE_SHEETS, write_workbook
    docs = tmp_path / "docs"
    docs.mkdir()
    for p in SEEDS[:4]:
        shutil.copy2(p, docs / p.name)
    clean = tmp_path / "clean"
    ingest_paths([docs], clean)
    book = write_workbook(store.load(clean), tmp_path / "summary.xlsx")
    wb = load_workbook(book)
    ws = wb[TABLE_SHEETS["findings"]]
    names = [str(c.value).split("\n")[-1] for c in ws[1]]
    i_rule, i_fp, i_pid = names.index("rule"), names.index("fingerprint"), names.index("project_id")
    i_dec, i_note = names.index(review.DECISION_COL), names.index(review.NOTE_COL)
    assert ws.data_validations.dataValidation[0].formula1 == '"确认,排除,已整改"'
    flag_rule = next(r for r in FROM_FINDINGS)
    rows = [r for r in ws.iter_rows(min_row=2) if r[i_rule].value in FROM_FINDINGS]
    assert rows, "the seeds raise reconciliation findings"
    target = rows[0]
    dismissed_fp, dismissed_pid = target[i_fp].value, target[i_pid].value
    flag_name = FROM_FINDINGS[target[i_rule].value][0]
    target[i_dec].value, target[i_note].value = "排除", "口径差异，已与单位核实"
    wb.save(book)
    before = store.load(clean)
    from evalkit.report.flags import red_flags
    from evalkit.report.views import Views
    assert any((f.flag == flag_name) and (f.project_id == dismissed_pid) for f in red_flags(Views(before)).itertuples())
    assert review.import_workbook(clean, book)["matched"] == 1
    shutil.copy2(SEEDS[4], docs / SEEDS[4].name)
    ingest_paths([docs], clean)
    after = store.load(clean)
    assert len(after["reports"]) == 5
    assert after["reviews"].set_index("fingerprint").loc[dismissed_fp, "decision"] == "排除"
    flags = red_flags(Views(after))
    assert not any((f.flag == flag_name) and (f.project_id == dismissed_pid) for f in flags.itertuples())
    book2 = write_workbook(after, tmp_path / "summary2.xlsx")
    wb2 = load_workbook(book2)
    ws2 = wb2[TABLE_SHEETS["findings"]]
    got = {r[i_fp].value: (r[i_dec].value, r[i_note].value) for r in ws2.iter_rows(min_row=2)}
    assert got[dismissed_fp] == ("排除", "口径差异，已与单位核实")
    listed = [[c.value for c in r] for r in wb2[SHEET_DISMISSED].iter_rows(min_row=2)]
    assert any("口径差异，已与单位核实" in row for row in listed)
    del flag_rule
    # the reports count it by decision and list it apart with its reason, in its own county only
    from evalkit.report import Views as RV, decision_text, filter_tables, set_apart
    counts = RV(after).headline["reviews"]
    assert counts["排除"] == 1 and counts["待复核"] == len(after["findings"]) - 1
    assert "排除1条" in decision_text(counts) and "待复核" in decision_text(counts)
    apart = set_apart(after)
    assert list(apart["理由"]) == ["口径差异，已与单位核实"] and list(apart["复核结论"]) == ["排除"]
    prj = after["projects"].set_index("project_id")
    mine = prj.loc[dismissed_pid, "county"]
    other = next(c for c in after["reports"]["county"].dropna().unique() if c != mine)
    assert len(set_apart(filter_tables(after, region=mine))) == 1
    assert set_apart(filter_tables(after, region=other)).empty
    assert "排除" not in RV(filter_tables(after, region=other)).headline["reviews"]
