"""Workbooks encrypted with Excel's default password (保护工作簿, 建议只读) are read; a password of the file's own is
one failed row saying so (readers/unlock.py)."""
import tempfile
from pathlib import Path

import msoffcrypto
import pandas as pd
import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from conftest import ROOT
from evalkit.errors import ReadError
from evalkit.ingest import ingest_paths
from evalkit.readers import read
from evalkit.readers.unlock import DEFAULT_PASSWORD, NOTE, decrypted
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

FIXTURES = ROOT / "tests" / "fixtures"
PROTECTED_XLS = FIXTURES / "locked" / "保护工作簿.xls"      # LibreOffice's, structure protected: VelvetSweatshop


def encrypted(src: Path, dest: Path, password: str) -> Path:
    """`src` (a DOCX/XLSX) encrypted as Office 2010+ does (Agile, AES), under `password`."""
    with open(src, "rb") as f, open(dest, "wb") as out:
        OOXMLFile(f).encrypt(password, out)
    return dest


def truth(table):
    t = pd.read_csv(FIXTURES / "truth" / f"{table}.csv", dtype=str, keep_default_na=False)
    return t[t["seed"] == "fixture_xlsx.xlsx"]


def test_the_fixture_is_encrypted_with_the_default_password():
    with open(PROTECTED_XLS, "rb") as f:
        book = msoffcrypto.OfficeFile(f)
        assert book.is_encrypted()
        book.load_key(password=DEFAULT_PASSWORD)         # raises when the password is another


def test_a_protected_xls_is_read_ok_without_libreoffice(tmp_path, no_soffice):
    tables = ingest_paths([PROTECTED_XLS], tmp_path / "clean", checks=False)
    rep = tables["reports"].iloc[0]
    assert rep["status"] == "ok", rep["error"]
    got = tables["projects"].set_index("project_name")
    want = truth("projects")
    assert sorted(got.index) == sorted(want["project_name"]) and len(want) == 2
    for _, t in want.iterrows():
        g = got.loc[t["project_name"]]
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    got_i, want_i = tables["indicators"], truth("indicators")
    assert list(got_i["level3"]) == list(want_i["level3"]) and len(want_i) == 15
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]


def test_the_document_names_the_original_and_notes_the_decryption():
    doc = read(PROTECTED_XLS)
    assert doc.source == str(PROTECTED_XLS) and doc.format == "xlsx" and NOTE in doc.notes and not doc.warnings


@pytest.mark.parametrize("name", ["默认密码.xlsx", "默认密码.docx"])
def test_an_ooxml_file_under_the_default_password_reads_as_the_plain_one(tmp_path, name):
    plain = FIXTURES / ("fixture_xlsx.xlsx" if name.endswith("xlsx") else "fixture_docx.docx")
    locked = encrypted(plain, tmp_path / name, DEFAULT_PASSWORD)
    assert locked.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    got, want = read(locked), read(plain)
    assert [b.rows for b in got.tables()] == [b.rows for b in want.tables()]
    assert [p.text for p in got.paragraphs()] == [p.text for p in want.paragraphs()]
    assert got.source == str(locked) and NOTE in got.notes


@pytest.mark.parametrize("name, app", [("有密码.xlsx", "Excel"), ("有密码.docx", "Word")])
def test_a_password_of_its_own_is_one_failed_row_saying_so(tmp_path, name, app):
    plain = FIXTURES / ("fixture_xlsx.xlsx" if name.endswith("xlsx") else "fixture_docx.docx")
    (tmp_path / "in").mkdir()
    locked = encrypted(plain, tmp_path / "in" / name, "1234")
    with pytest.raises(ReadError, match=rf"^文件设置了打开密码（加密的 {app} 文档），无法读取；请在 {app} 中取消密码"):
        read(locked)
    tables = ingest_paths([tmp_path / "in"], checks=False)
    rep = tables["reports"].iloc[0]
    assert rep["status"] == "failed" and "设置了打开密码" in rep["error"]


def test_a_plain_workbook_is_not_copied(tmp_path):
    for plain in (FIXTURES / "fixture_xls.xls", FIXTURES / "fixture_xlsx.xlsx", FIXTURES / "fixture_docx.docx"):
        with decrypted(plain) as copy:
            assert copy is None
        assert NOTE not in read(plain).notes


def test_the_decrypted_copy_is_gone_after_reading(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    with decrypted(PROTECTED_XLS) as copy:
        assert copy.is_file() and copy.name == PROTECTED_XLS.name and copy.read_bytes() != PROTECTED_XLS.read_bytes()
    read(PROTECTED_XLS)
    assert list(private.iterdir()) == []
