"""Incremental ingest: an unchanged re-run parses nothing, a changed or added file is parsed alone,
a removed file's rows disappear, `--rebuild` parses everything, and a new parser version or new
limits invalidate the cache."""
from __future__ import annotations

import dataclasses
import shutil

import pandas as pd

import evalkit.cache as cache_mod
from conftest import SEEDS
from evalkit.ingest import ingest_paths
from evalkit.limits import LIMITS
from evalkit.store import load


def run(folder, out, **kw):
    stats = {}
    t = ingest_paths([folder], out, stats=stats, **kw)
    assert stats.pop("rows") == {name: len(df) for name, df in t.items()}
    return t, stats


def test_unchanged_rerun_parses_nothing_and_gives_the_same_tables(folder, tmp_path):
    out = tmp_path / "clean"
    cold, s1 = run(folder, out)
    warm, s2 = run(folder, out, rebuild=False)
    assert s1 == {"files": 5, "parsed": 5, "from_cache": 0, "unchanged": False}
    assert s2 == {"files": 5, "parsed": 0, "from_cache": 5, "unchanged": True}   # the dataset read back
    for name in ("reports", "projects", "indicators", "summaries", "findings"):
        pd.testing.assert_frame_equal(load(out)[name], warm[name])
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace('"signature"', '"was"'))
    warm, s3 = run(folder, out)          # a dataset it cannot trust: rebuilt, every file from the cache
    assert s3 == {"files": 5, "parsed": 0, "from_cache": 5, "unchanged": False}
    for name in ("reports", "projects", "indicators", "summaries", "findings"):
        pd.testing.assert_frame_equal(cold[name], warm[name])


def test_changed_added_and_removed_files(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out)
    changed = folder / SEEDS[0].name
    changed.write_bytes(changed.read_bytes() + "\n备注：已核对。\n".encode("utf-8"))
    removed = folder / SEEDS[1].name
    removed.unlink()
    shutil.copy(SEEDS[1], folder / "renamed.txt")       # same content under a new name: from the cache
    t, stats = run(folder, out)
    assert stats == {"files": 5, "parsed": 1, "from_cache": 4, "unchanged": False}
    rep = t["reports"].set_index("source_file")
    assert SEEDS[1].name not in rep.index and set(t["projects"]["source_file"]) >= {"renamed.txt"}
    assert not (t["projects"]["source_file"] == SEEDS[1].name).any()
    assert rep.loc["renamed.txt", "status"] == "ok"


def test_rebuild_parses_everything(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out)
    _, stats = run(folder, out, rebuild=True)
    assert stats["parsed"] == 5 and stats["from_cache"] == 0


def test_new_parser_version_or_limits_invalidate_the_cache(folder, tmp_path, monkeypatch):
    out = tmp_path / "clean"
    run(folder, out)
    _, stats = run(folder, out, limits=dataclasses.replace(LIMITS, max_pages=LIMITS.max_pages - 1))
    assert stats["parsed"] == 5
    monkeypatch.setattr(cache_mod, "READING_CODE", cache_mod.READING_CODE[:-1])   # other code, other version
    _, stats = run(folder, out)
    assert stats["parsed"] == 5
    versions = [d.name for d in (tmp_path / ".clean.cache").iterdir()]
    assert len(versions) == 1                      # other versions' entries are removed


def test_a_damaged_cache_entry_is_a_miss(folder, tmp_path):
    out = tmp_path / "clean"
    run(folder, out)
    for p in (tmp_path / ".clean.cache").rglob("*.pkl"):
        p.write_bytes(b"not a pickle")
    shutil.rmtree(out)                   # else the unchanged re-run would not even look at the cache
    t, stats = run(folder, out)
    assert stats["parsed"] == 5 and len(t["projects"]) == 30


def test_timeouts_are_not_cached(tmp_path, monkeypatch):
    import time

    import evalkit.readers.text as text_reader
    d = tmp_path / "raw"
    d.mkdir()
    shutil.copy(SEEDS[0], d / "slow.txt")
    shutil.copy(SEEDS[1], d / SEEDS[1].name)
    real = text_reader.read_text
    monkeypatch.setattr(text_reader, "read_text",
                        lambda p: time.sleep(60) if p.name == "slow.txt" else real(p))   # a machine under load
    lim = dataclasses.replace(LIMITS, max_seconds=5)    # the other file's parse (0.1 s) fits even under load
    t, _ = run(d, tmp_path / "clean", limits=lim, checks=False)
    assert t["reports"].set_index("source_file").loc["slow.txt", "status"] == "failed"
    monkeypatch.setattr(text_reader, "read_text", real)
    t, stats = run(d, tmp_path / "clean", limits=lim, checks=False)
    assert stats["parsed"] == 1 and stats["from_cache"] == 1          # only the timed-out file again
    assert not stats["unchanged"]            # same inputs, but a time-out is the machine's, not the file's
    assert (t["reports"]["status"] == "ok").all()


def _read_once_installed(tmp_path, monkeypatch, name: str, soffice, said: str) -> None:
    """office/`name` beside a seed, read with EVALKIT_SOFFICE=`soffice` (a LibreOffice missing, or missing a part):
    its row fails saying `said`; read again with the machine's LibreOffice, it is parsed again (not the cached
    failure) and gives its two projects."""
    from conftest import ROOT
    d = tmp_path / "raw"
    d.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "office" / name, d)
    shutil.copy(SEEDS[0], d)
    monkeypatch.setenv("EVALKIT_SOFFICE", str(soffice))
    t, _ = run(d, tmp_path / "clean", checks=False)
    rep = t["reports"].set_index("source_file")
    assert rep.loc[name, "status"] == "failed" and said in rep.loc[name, "error"]
    monkeypatch.delenv("EVALKIT_SOFFICE")
    t, stats = run(d, tmp_path / "clean", checks=False)
    assert stats["parsed"] == 2 and not stats["unchanged"]
    assert (t["reports"]["status"] == "ok").all()
    assert len(t["projects"][t["projects"]["source_file"] == name]) == 2


def test_a_deck_that_failed_for_want_of_impress_is_read_once_it_is_installed(tmp_path, monkeypatch):
    """Debian's LibreOffice without its Impress package: a .ppt fails saying which package reads it; once that is
    installed, the same command reads the deck rather than give back the cached failure."""
    import pytest

    from evalkit.readers.office import find_soffice, has_impress
    if find_soffice() is None or not has_impress(find_soffice()):
        pytest.skip("LibreOffice 的演示文稿组件（Impress）不可用")
    program = tmp_path / "libreoffice" / "program"          # Writer and Calc's parts, not Impress's
    program.mkdir(parents=True)
    (program / "libswlo.so").touch()
    (program / "soffice").write_text("#!/bin/sh\nexit 1\n")
    (program / "soffice").chmod(0o755)
    _read_once_installed(tmp_path, monkeypatch, "fixture_ppt.ppt", program / "soffice", "演示文稿组件（Impress）")


def test_a_file_that_failed_for_want_of_libreoffice_is_read_once_it_is_installed(tmp_path, monkeypatch):
    """The failure said 'install LibreOffice'; after installing it the same command must read the file,
    not give back the cached failure (the tools present are part of the parser version)."""
    import pytest

    from evalkit.readers.office import find_soffice
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) 不可用")
    _read_once_installed(tmp_path, monkeypatch, "fixture_doc.doc", tmp_path / "not-installed", "需要 LibreOffice")
