"""Each file is parsed in a worker with a time and a memory limit: a parser that hangs, balloons or
crashes costs that file one `failed` row naming the limit, never the batch."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import evalkit.readers.text as text_reader
from conftest import SEEDS
from evalkit.discover import discover
from evalkit.ingest import ingest_paths
from evalkit.limits import LIMITS

real_read_text = text_reader.read_text


def misbehaving_reader(path):
    """Stands in for a library bug, chosen by the file's name; other files read normally."""
    name = path.name
    if name.startswith("hang"):
        copy = tempfile.mkdtemp(prefix="evalkit-office-")          # what a converting reader holds when killed
        (Path(copy) / "input.doc").write_bytes(b"x" * 1000)
        Path(os.environ["EVALKIT_TEST_HANG_NOTE"]).write_text(copy, encoding="utf-8")
        time.sleep(600)
    if name.startswith("balloon"):
        blocks = []
        while True:                      # grows until the worker's address-space limit stops it
            blocks.append(bytearray(256 * 2**20))
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_read_text(path)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("workers")
    for s in SEEDS[:2]:
        (d / s.name).write_bytes(s.read_bytes())
    for n in ("hang", "balloon", "crash"):
        (d / f"{n}.txt").write_text(f"{n}\n项目名称\t测试\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def tables(batch):
    mp = pytest.MonkeyPatch()
    mp.setattr(text_reader, "read_text", misbehaving_reader)   # forked workers inherit the patch
    mp.setenv("EVALKIT_TEST_HANG_NOTE", str(batch.parent / "hang-note.txt"))
    lim = dataclasses.replace(LIMITS, max_seconds=3, max_memory_mb=400)
    try:
        t0 = time.monotonic()
        t = ingest_paths([batch], checks=False, jobs=2, limits=lim)
        t["seconds"] = time.monotonic() - t0
    finally:
        mp.undo()
    return t


def test_a_worker_killed_at_its_time_limit_leaves_no_temp_files(tables, batch):
    """The hung reader made a temp folder (as LibreOffice's conversion and the OFD drawing do) and was killed: the
    folder was in the run's scratch folder, removed with it when the run ended."""
    copy = Path((batch.parent / "hang-note.txt").read_text(encoding="utf-8"))
    assert copy.name.startswith("evalkit-office-") and copy.parent.name.startswith("evalkit-workers-")
    assert not copy.exists() and not copy.parent.exists()


def row(tables, name):
    rep = tables["reports"].set_index("source_file")
    return rep.loc[name]


def test_a_hanging_parser_costs_its_file_a_time_limit_row(tables):
    r = row(tables, "hang.txt")
    assert r["status"] == "failed" and "超过 3 秒" in r["error"] and "已中止" in r["error"]
    assert tables["seconds"] < 60


def test_a_ballooning_parser_costs_its_file_a_memory_limit_row(tables):
    r = row(tables, "balloon.txt")
    assert r["status"] == "failed" and "内存" in r["error"] and "400 MB" in r["error"]


def test_a_crashing_parser_costs_its_file_a_row(tables):
    r = row(tables, "crash.txt")
    assert r["status"] == "failed" and "进程意外退出" in r["error"]


def test_the_rest_of_the_batch_is_read(tables):
    for s in SEEDS[:2]:
        assert row(tables, s.name)["status"] == "ok"
    assert len(tables["projects"]) == 5


def test_discovery_survives_deep_nesting_loops_and_odd_names(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:                                   # 200 levels, built relative to a folder fd
        for _ in range(200):
            os.mkdir("d", dir_fd=fd)
            nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as f:
            f.write(SEEDS[0].read_bytes())
    finally:
        os.close(fd)
    os.symlink(root, root / "loop")                      # a folder link to its own ancestor
    os.symlink(root / "missing.txt", root / "dangling.txt")
    os.mkfifo(root / "pipe.txt")
    (root / "name with 'quotes' and\nnewline.txt").write_bytes(SEEDS[0].read_bytes())
    with open(os.path.join(os.fsencode(root), "自评表".encode("gbk") + b".txt"), "wb") as f:
        f.write(SEEDS[1].read_bytes())
    found = {s.source_file: s.problem for s in discover([root]).sources}
    assert found["loop/"].startswith("文件夹链接指向已读过的文件夹")
    assert "失效链接" in found["dangling.txt"]
    assert "命名管道" in found["pipe.txt"]
    assert found["自评表.txt"] is None                     # GBK bytes decoded for the ledger
    assert found["name with 'quotes' and\nnewline.txt"] is None
    deep = [k for k in found if k.endswith("/d/")]
    assert len(deep) == 1 and f"超过 {LIMITS.max_depth} 层" in found[deep[0]]


def test_a_fifo_given_directly_gets_a_row_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", str(fifo), str(SEEDS[0]),
                        "--out", str(tmp_path / "o"), "--quiet"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "不是普通文件（命名管道（FIFO））" in r.stdout


def test_ocr_asks_for_the_time_its_pages_need_up_to_ten_times_the_limit(monkeypatch):
    """A small file with many pages to OCR (a bilevel scan, a garbled text PDF) outgrows its size-based limit: before
    OCR it asks for 30 s a page plus twice the time spent so far, at most 10 x max_seconds; never once at the cap."""
    from evalkit import limits
    monkeypatch.setattr(limits, "LIMITS", dataclasses.replace(LIMITS, max_seconds=120))
    limits.give_time(150)
    with pytest.raises(limits.MoreTime) as more:
        limits.ask_time(20)                               # 20 pages: 600 s
    assert (more.value.pages, 600 <= more.value.seconds < 601) == (20, True)
    with pytest.raises(limits.MoreTime) as more:
        limits.ask_time(60)
    assert more.value.seconds == 1200                     # the cap
    limits.ask_time(4)                                    # 120 s: within 150
    limits.give_time(1200)
    limits.ask_time(60)                                   # at the cap already: nothing more to give
    limits.give_time(None)
    limits.ask_time(60)                                   # outside a limited worker: no limit to raise


def test_a_pdf_whose_ocr_outgrows_its_time_limit_is_given_the_time_and_read(tmp_path):
    """lost_text.pdf (87 KB, 2 pages to OCR) under max_seconds 3: its size gives it 11.5 s; the worker asks for more
    before OCR (MoreTime) and the run parses it again with 30 s instead of a time-limit row."""
    from evalkit.ingest import time_limit
    src = Path(__file__).parent / "fixtures" / "scans" / "lost_text.pdf"
    lim = dataclasses.replace(LIMITS, max_seconds=3)
    from types import SimpleNamespace
    assert time_limit(SimpleNamespace(fmt="pdf", size=src.stat().st_size), lim) < 12
    t = ingest_paths([src], checks=False, jobs=1, limits=lim)
    rep = t["reports"].iloc[0]
    assert (rep["status"], rep["ocr_pages"], rep["n_projects"]) == ("partial", "1,2", 1), rep["error"]
    assert len(t["indicators"]) == 13
