"""Never worse than before: the dataset is replaced only by a complete new one, only evalkit's own
files are touched, a killed run leaves the previous dataset readable, and one lock orders writers."""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import evalkit
from conftest import SEEDS, run_cli
from evalkit.errors import Busy, DatasetError
from evalkit.store import MANIFEST, dataset_lock, load, write_atomic

CLI = [sys.executable, "-m", "evalkit"]


def run(*args, env=None, timeout=180):
    """`evalkit ARGS` in another process: for the lock held by this one."""
    e = {**os.environ, **(env or {})}
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=e)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A dataset of two seeds written by the CLI; tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("ds") / "clean"
    r = run_cli("ingest", *SEEDS[:2], "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    return out


def copy_dataset(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    for p in src.iterdir():
        (dest / p.name).write_bytes(p.read_bytes())
    return dest


def test_manifest_records_version_inputs_rows_and_checksums(dataset):
    m = json.loads((dataset / MANIFEST).read_text(encoding="utf-8"))
    assert m["evalkit_dataset"] == 1 and m["evalkit_version"] and m["written_at"]
    assert m["files"] == {"ok": 2}
    assert m["tables"]["projects"]["rows"] == len(pd.read_parquet(dataset / "projects.parquet")) == 5
    assert all(len(t["sha256"]) == 64 for t in m["tables"].values())


def test_load_refuses_a_changed_table(dataset, tmp_path):
    d = copy_dataset(dataset, tmp_path / "clean")
    df = pd.read_parquet(d / "projects.parquet")
    df.iloc[:1].to_parquet(d / "projects.parquet")
    with pytest.raises(DatasetError, match="校验值不符"):
        evalkit.load(d)


def test_dataset_written_before_manifests_is_still_recognised(dataset, tmp_path):
    d = copy_dataset(dataset, tmp_path / "clean")
    (d / MANIFEST).unlink()
    assert len(evalkit.load(d)["projects"]) == 5
    r = run_cli("ingest", SEEDS[0], "--out", d, "--quiet")
    assert r.returncode == 0, r.stderr
    assert (d / MANIFEST).is_file() and len(evalkit.load(d)["projects"]) == 1


@pytest.mark.parametrize("extra", ["notes.docx", "sub/", "other.parquet"])
def test_out_with_foreign_content_is_refused_and_untouched(tmp_path, extra):
    out = tmp_path / "mine"
    out.mkdir()
    if extra.endswith("/"):
        (out / extra).mkdir()
        (out / extra / "keep.txt").write_text("mine")
    else:
        (out / extra).write_text("mine")
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    r = run_cli("ingest", SEEDS[0], "--out", out, "--quiet")
    assert r.returncode == 2 and "拒绝写入" in r.stderr and extra.rstrip("/") in r.stderr
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_out_inside_or_around_an_input_is_refused(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    for out in (tmp_path / "data", raw, raw / "clean"):
        r = run_cli("ingest", raw, "--out", out, "--quiet")
        assert r.returncode == 2 and "重叠" in r.stderr, out
    assert [p.name for p in raw.iterdir()] == [SEEDS[0].name]


def test_no_input_files_exits_2_and_all_failed_exits_1_dataset_untouched(dataset, tmp_path):
    d = copy_dataset(dataset, tmp_path / "clean")
    before = snapshot(d)
    empty = tmp_path / "unmounted"
    empty.mkdir()
    r = run_cli("ingest", empty, "--out", d, "--quiet")
    assert r.returncode == 2 and "没有找到可读取的报告文件" in r.stderr and "数据集未改动" in r.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"\x00\x01\x02 binary junk")
    (bad / "b.docx").write_bytes(b"not a zip")
    r = run_cli("ingest", bad, "--out", d, "--quiet")
    assert r.returncode == 1 and "全部 2 个文件都读取失败" in r.stderr and "b.docx" in r.stdout
    r = run_cli("ingest", tmp_path / "nope", "--out", d, "--quiet")
    assert r.returncode == 2 and "找不到输入" in r.stderr
    assert snapshot(d) == before


def test_some_failed_writes_and_strict_exits_1(tmp_path):
    batch = tmp_path / "in"
    batch.mkdir()
    (batch / SEEDS[0].name).write_bytes(SEEDS[0].read_bytes())
    (batch / "broken.docx").write_bytes(b"not a zip")
    r = run_cli("ingest", batch, "--out", tmp_path / "a", "--quiet")
    assert r.returncode == 0 and "1 个文件读取失败" in r.stderr
    r = run_cli("ingest", batch, "--out", tmp_path / "b", "--quiet", "--strict")
    assert r.returncode == 1 and "--strict" in r.stderr
    assert len(evalkit.load(tmp_path / "b")["reports"]) == 2


def test_output_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic({"reports": pd.DataFrame({"report_id": ["a"]})}, tmp_path / "clean")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "clean").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "clean" / "reports.parquet").stat().st_mode) == 0o644


def test_placeholder_files_survive_the_swap(tmp_path):
    out = tmp_path / "clean"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    write_atomic({"reports": pd.DataFrame({"report_id": ["a"]})}, out)
    write_atomic({"reports": pd.DataFrame({"report_id": ["b"]})}, out)
    assert (out / ".gitkeep").exists() and list(load(out)["reports"]["report_id"]) == ["b"]


def test_a_second_writer_waits_then_refuses(dataset, tmp_path):
    d = copy_dataset(dataset, tmp_path / "clean")
    before = snapshot(d)
    with dataset_lock(d):
        r = run("ingest", SEEDS[0], "--out", d, "--quiet", env={"EVALKIT_LOCK_TIMEOUT": "1"})
        assert r.returncode == 2 and "正被另一个 evalkit 进程写入" in r.stderr
        r = run("check", d, "--write", env={"EVALKIT_LOCK_TIMEOUT": "1"})
        assert r.returncode == 2
        with pytest.raises(Busy):
            _other_process_write(d)
    assert snapshot(d) == before
    r = run_cli("check", d, "--write")                    # free again: goes through
    assert r.returncode == 0, r.stderr


def _other_process_write(d: Path):
    """Another process trying to write while this one holds the lock (flock is per open file)."""
    code = ("import os,sys; os.environ['EVALKIT_LOCK_TIMEOUT']='1'\n"
            "import pandas as pd\nfrom evalkit.store import write_atomic\nfrom evalkit.errors import Busy\n"
            f"try:\n    write_atomic({{'reports': pd.DataFrame({{'report_id': ['x']}})}}, {str(d)!r})\n"
            "except Busy:\n    sys.exit(7)\n")
    rc = subprocess.run([sys.executable, "-c", code], timeout=60).returncode
    if rc == 7:
        raise Busy("busy")


# ----------------------------------------------------------------------------- kill test

def _writer_loop(out: str, ready) -> None:
    """Child: replace the dataset again and again with alternating generations (never returns)."""
    gens = [{"reports": pd.DataFrame({"report_id": [f"g{g}-{i}" for i in range(200)], "n": range(200)}),
             "projects": pd.DataFrame({"project_id": [f"g{g}-p{i}" for i in range(500)], "v": [g] * 500})}
            for g in (1, 2)]
    ready.set()
    k = 0
    while True:
        write_atomic(gens[k % 2], out)
        k += 1


def test_sigkill_at_any_moment_leaves_a_complete_dataset(tmp_path):
    out = tmp_path / "clean"
    write_atomic({"reports": pd.DataFrame({"report_id": ["g0-0"], "n": [0]}),
                  "projects": pd.DataFrame({"project_id": ["g0-p0"], "v": [0]})}, out)
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(8)
    for attempt in range(20):
        ready = ctx.Event()
        p = ctx.Process(target=_writer_loop, args=(str(out), ready))
        p.start()
        assert ready.wait(30)
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        t = load(out)                              # complete, checksums match the manifest
        rep, prj = t["reports"], t["projects"]
        gen = rep["report_id"].iloc[0].split("-")[0]
        assert (rep["report_id"].str.startswith(gen + "-")).all(), attempt
        assert (prj["project_id"].str.startswith(gen + "-")).all(), attempt
        assert len(rep) == {"g0": 1, "g1": 200, "g2": 200}[gen]
    write_atomic({"reports": pd.DataFrame({"report_id": ["last"]})}, out)    # the next run cleans up
    assert sorted(p.name for p in tmp_path.iterdir()) == [".clean.lock", "clean"]


def _small_dataset(out: Path) -> bytes:
    write_atomic({"reports": pd.DataFrame({"report_id": ["before"]})}, out)
    return (out / MANIFEST).read_bytes()


def _no_room_left_behind(out: Path) -> None:
    assert not list(out.parent.glob(f".{out.name}.tmp-*"))                     # no half-written dataset
    assert not list(out.parent.glob(f".{out.name}.cache/**/.tmp-*"))           # nor cache entry


@pytest.fixture()
def small_disk(tmp_path):
    """A 96 KB file system (tmpfs; root only): the seeds' dataset does not fit."""
    disk = tmp_path / "disk"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(disk)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_full_disk_is_one_chinese_line_exit_2_and_the_previous_dataset_stays(small_disk):
    out = small_disk / "clean"
    before = _small_dataset(out)
    r = run("ingest", *SEEDS, "--out", out, "--quiet")
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.strip().splitlines()                                    # no traceback
    assert line.startswith("evalkit ingest: 磁盘空间不足") and f"输出位置 {small_disk / 'clean'} 剩余" in line
    assert "数据集未改动" in line
    assert (out / MANIFEST).read_bytes() == before
    _no_room_left_behind(out)


def _file_size_limit(nbytes: int):
    def limit() -> None:
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)       # a write past the limit fails (EFBIG), the process lives
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


def test_a_file_size_limit_is_said_and_the_previous_dataset_stays(tmp_path):
    out = tmp_path / "clean"
    before = _small_dataset(out)
    r = subprocess.run([*CLI, "ingest", *map(str, SEEDS), "--out", str(out), "--quiet"], capture_output=True,
                       text=True, timeout=180, preexec_fn=_file_size_limit(24_000))
    assert r.returncode == 2, r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert "写入的文件超过了系统允许的大小" in line and "数据集未改动" in line
    assert (out / MANIFEST).read_bytes() == before
    _no_room_left_behind(out)
