"""Archives: each report inside a .zip/.7z is its own `reports` row named `archive!member`, GBK
member names are read right, nested archives are opened, and bad archives cost one row."""
from __future__ import annotations

import sys

import pytest

from conftest import ROOT, SEEDS, run_script
from evalkit.ingest import ingest_paths

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import make_archive_fixtures as maf  # noqa: E402

ARCHIVES = ROOT / "tests" / "fixtures" / "archives"


@pytest.fixture(scope="module")
def archive_tables(tmp_path_factory):
    out = tmp_path_factory.mktemp("arc") / "clean"
    return ingest_paths([ARCHIVES], out, checks=False, keep_format_copies=True), out


def test_members_are_rows_named_archive_bang_member(archive_tables):
    rep = archive_tables[0]["reports"].set_index("source_file")
    assert sorted(rep.index) == [
        "汇总.7z!汇总/fixture_xlsx.xlsx",
        "自评材料.zip!大厂县/2022年/fixture_docx.docx",
        "自评材料.zip!大厂县/2022年/fixture_pdf.pdf",
        "自评材料.zip!大厂县/照片.jpg",
        "自评材料.zip!开江县/fixture_html.html",
        "自评材料.zip!附件.zip!附件/fixture_xls.xls",
    ]
    assert (rep.drop("自评材料.zip!大厂县/照片.jpg")["status"] == "ok").all()
    assert rep.loc["自评材料.zip!大厂县/照片.jpg", "status"] == "failed"    # a broken picture, read as a scan
    assert rep.loc["自评材料.zip!大厂县/2022年/fixture_pdf.pdf", "format"] == "pdf"


def test_archive_fixtures_match_their_truth(archive_tables):
    r = run_script(ROOT.parent / "shared" / "tools" / "truthcheck.py",
                   "--clean", archive_tables[1], "--truth", ARCHIVES / "truth", "--min", "0.99", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "truthcheck: 685/685 fields match (100.0%)" in r.stdout


def test_bad_archives_each_cost_one_row(tmp_path):
    maf.bad_archives(tmp_path / "in", SEEDS[0], SEEDS[1])
    t = ingest_paths([tmp_path / "in"], checks=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["encrypted.zip", "status"] == "failed" and "密码保护" in rep.loc["encrypted.zip", "error"]
    assert "已损坏" in rep.loc["corrupt.zip", "error"]
    assert rep.loc["bomb.zip!bomb.txt", "status"] == "failed" and "压缩炸弹" in rep.loc["bomb.zip!bomb.txt", "error"]
    assert rep.loc["bomb.zip!good.txt", "status"] == "ok"
    assert "没有可读取的报告文件" in rep.loc["pictures.zip", "error"]
    assert rep.loc["climb.zip!../../escaped.txt", "status"] == "ok"           # read, named as in the archive,
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()  # never written outside
    assert len(rep) == 6


def test_staging_folder_is_removed(tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ingest_paths([ARCHIVES / "汇总.7z"], checks=False)
    assert not list(tmp_path.glob("evalkit-archives-*"))
