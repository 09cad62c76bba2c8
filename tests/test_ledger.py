"""The check ledger: every rule per report as 通过 / 未通过 / 无法核对, so "no finding" is never "not checked"."""
from pathlib import Path

import pandas as pd

from evalkit.checks.findings import RULES
from evalkit.checks.ledger import ABOUT_DUPLICATES, FAILED, PASSED, UNCHECKABLE, ledger, verdict
from evalkit.ingest import ingest_paths

REALDOCS = sorted((Path(__file__).resolve().parents[2] / "shared" / "realdocs").glob("*.pdf"))


def test_every_report_has_every_rule_once(seed_tables):
    led = seed_tables["ledger"]
    n_rules = len(RULES) - len(ABOUT_DUPLICATES)      # raised on duplicates' rows, about other files
    assert set(ABOUT_DUPLICATES) == {"duplicate_document", "report_other_version"}
    assert len(led) == len(seed_tables["reports"]) * n_rules
    assert not led.duplicated(["report_id", "rule"]).any()


def test_failed_rules_are_those_with_findings(seed_tables):
    led, f = seed_tables["ledger"], seed_tables["findings"]
    failed = set(map(tuple, led.loc[led["status"] == FAILED, ["report_id", "rule"]].to_numpy()))
    assert failed == set(map(tuple, f[f["rule"] != "duplicate_document"][["report_id", "rule"]].to_numpy()))
    got = led.set_index(["report_id", "rule"])["n_findings"]
    for (rid, rule), n in f.groupby(["report_id", "rule"]).size().items():
        if rule != "duplicate_document":
            assert got[(rid, rule)] == n


def test_a_rule_without_its_figures_is_not_checkable(seed_tables):
    t = {k: v.copy() for k, v in seed_tables.items()}
    t["projects"]["budget_full_year"] = pd.NA            # no document states a full-year budget now
    led = ledger(t, findings=t["findings"].iloc[0:0])
    rows = led[led["rule"] == "execution_rate_mismatch"]
    assert set(rows["status"]) == {UNCHECKABLE}
    assert PASSED in set(led.loc[led["rule"] == "grade_mismatch", "status"])


def test_a_file_that_could_not_be_read_is_not_reported_as_clean(tmp_path):
    bad = tmp_path / "坏文件.docx"
    bad.write_bytes(b"not a docx at all")
    t = ingest_paths([bad], None)
    led = t["ledger"]
    assert set(led["status"]) == {UNCHECKABLE}
    assert "未能检查" in verdict(led) and "未发现问题" not in verdict(led)


def test_statement_only_reports_say_what_could_not_be_checked(seed_tables):
    led = seed_tables["ledger"]
    clean = verdict(led, seed_tables["reports"]["report_id"].iloc[:1])
    assert "项规则" in clean


def test_a_statement_only_county_is_not_called_clean(raw_tables):
    from evalkit.report.text import takeaways
    from evalkit.report.views import Views
    rep = raw_tables["reports"]
    ids = set(rep.loc[rep["source_file"].str.endswith(".pdf"), "report_id"])
    assert len(ids) == 3
    sub = {k: (v[v["report_id"].isin(ids)] if "report_id" in v.columns else v) for k, v in raw_tables.items()}
    vw = Views(sub)
    assert vw.findings.empty
    assert "无法核对" in vw.check_verdict and "未发现问题" not in vw.check_verdict
    assert "无法核对" in takeaways(vw)["findings_by_rule_county"]
    whole = Views(raw_tables).check_verdict
    assert "项规则未通过" in whole
