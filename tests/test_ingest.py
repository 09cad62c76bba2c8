"""Ingest as a user runs it: folders, bad files, atomic output, the command line and evalkit.load."""
import subprocess
import sys

import pandas as pd

import evalkit
from evalkit.ingest import ingest_paths
from conftest import SEEDS


def test_unreadable_file_fails_alone_and_batch_goes_on(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for s in SEEDS[:2]:
        (batch / s.name).write_bytes(s.read_bytes())
    (batch / "broken.txt").write_bytes(b"\x00\x01\x02 binary junk")
    (batch / "empty.txt").write_bytes(b"")
    (batch / "fake.docx").write_bytes(b"this is not a zip archive")
    tables = ingest_paths([batch], tmp_path / "clean")
    rep = tables["reports"].set_index("source_file")
    assert rep.loc["broken.txt", "status"] == "failed"
    assert "不是文本" in rep.loc["broken.txt", "error"] and "broken.txt" in rep.loc["broken.txt", "error"]
    assert rep.loc["empty.txt", "status"] == "failed" and "空文件" in rep.loc["empty.txt", "error"]
    assert rep.loc["fake.docx", "status"] == "failed"
    assert (rep.loc[[s.name for s in SEEDS[:2]], "status"] == "ok").all()
    assert len(tables["projects"]) == 1 + 4           # 000 has one project, 001 four
    assert set(pd.read_parquet(tmp_path / "clean" / "reports.parquet")["source_file"]) == set(rep.index)


def test_text_without_tables_is_partial_with_reason(tmp_path):
    f = tmp_path / "memo.txt"
    f.write_text("关于开展绩效自评工作的通知\n请各单位按时报送。\n", encoding="utf-8")
    rep = ingest_paths([f])["reports"].iloc[0]
    assert rep["status"] == "partial" and "未识别出" in rep["error"]


def test_failed_write_leaves_previous_dataset(tmp_path, monkeypatch):
    out = tmp_path / "clean"
    ingest_paths(SEEDS[:1], out)
    before = pd.read_parquet(out / "projects.parquet")

    def boom(self, *a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    try:
        ingest_paths(SEEDS, out)
    except OSError:
        pass
    monkeypatch.undo()
    after = pd.read_parquet(out / "projects.parquet")
    assert after.equals(before)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".clean.tmp")]


def test_cli_ingest_prints_ledger_and_load_reads_it(tmp_path):
    out = tmp_path / "clean"
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", *map(str, SEEDS), "--out", str(out), "--quiet"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "003_7cec67b54d9192d1.txt" in r.stdout and "30 个项目" in r.stdout
    tables = evalkit.load(out)
    assert set(tables) >= {"reports", "projects", "indicators", "summaries", "findings"}
    assert len(tables["indicators"]) == 255


def test_cli_rejects_missing_path(tmp_path):
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "找不到输入" in r.stderr and str(tmp_path / "nope") in r.stderr


def test_batches_give_the_tables_of_one_batch(tmp_path):
    """Ingest in batches of four files (rows parked on disk, each batch checked and spooled as
    Parquet, streamed into the dataset) writes the tables of one batch; a byte copy in a later
    batch than its original is still a duplicate, a failed file keeps its row."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for s in SEEDS:
        (corpus / s.name).write_bytes(s.read_bytes())
    (corpus / "zz_copy.txt").write_bytes(SEEDS[0].read_bytes())     # batch 2; its original is in batch 1
    (corpus / "broken.txt").write_bytes(b"\x00\x01 binary junk")
    cache = tmp_path / "cache"            # parsed once
    stats_one, stats_many = {}, {}
    one = ingest_paths([corpus], tmp_path / "one", cache_dir=cache, jobs=1, batch=1000, stats=stats_one)
    many = ingest_paths([corpus], tmp_path / "many", cache_dir=cache, jobs=1, batch=4, stats=stats_many,
                        want=("reports", "findings"))
    assert list(many) == ["reports", "findings"]
    assert stats_one["rows"] == stats_many["rows"] and stats_many["rows"]["indicators"] > 0
    written, one_written = evalkit.load(tmp_path / "many"), evalkit.load(tmp_path / "one")
    assert set(written) == set(one)
    for name in one:
        pd.testing.assert_frame_equal(written[name], one_written[name], check_exact=True, obj=name)
    for name in many:
        pd.testing.assert_frame_equal(many[name], one_written[name], check_exact=True, obj=name)
    rep = many["reports"].set_index("source_file")
    assert rep.loc["zz_copy.txt", "status"] == "duplicate" and rep.loc["zz_copy.txt", "duplicate_of_file"] == SEEDS[0].name
    assert rep.loc["broken.txt", "status"] == "failed"
    assert many["findings"]["report_id"].nunique() > 1          # findings from both batches, in one order
