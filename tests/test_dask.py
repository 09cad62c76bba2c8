"""Ingest on a Dask LocalCluster: the same tables as local workers, and a hostile file costs only its row."""
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from conftest import SEEDS  # noqa: E402

from evalkit.ingest import ingest_paths  # noqa: E402


def _cluster(daemon: bool, n: int):
    import dask
    from distributed import LocalCluster
    with dask.config.set({"distributed.worker.daemon": daemon}):
        # no dashboard; the scheduler's HTTP endpoint on a free port (by default 8787, taken when two clusters overlap)
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                            scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=40)


@pytest.fixture(scope="module")
def cluster():
    """Workers with daemon off: each keeps a warm pool of limited parse processes."""
    with _cluster(False, 2) as c:
        yield c


def _docs(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(SEEDS[0].read_bytes())
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    return docs


def _check_bad_file_row(t):
    rep = t["reports"].set_index("source_file")
    assert rep.loc["a.txt", "status"] == "ok" and len(t["projects"]) > 0
    assert rep.loc["broken.docx", "status"] == "failed" and "docx" in rep.loc["broken.docx", "error"].lower()


def test_dask_ingest_gives_the_same_tables_as_local_workers(cluster, seed_tables, tmp_path):
    t = ingest_paths(SEEDS, tmp_path / "clean", dask=cluster, cache_dir=False)
    for name in ("reports", "projects", "indicators", "summaries", "findings"):
        a = t[name].astype(str).reset_index(drop=True)
        b = seed_tables[name].astype(str).reset_index(drop=True)
        assert a.equals(b), name
    assert (tmp_path / "clean" / "manifest.json").is_file()


def test_dask_ingest_by_address_with_a_bad_file(cluster, tmp_path):
    _check_bad_file_row(ingest_paths([_docs(tmp_path)], None, dask=cluster.scheduler_address))


def test_daemon_workers_parse_in_a_subprocess(tmp_path):
    with _cluster(True, 1) as c:
        _check_bad_file_row(ingest_paths([_docs(tmp_path)], None, dask=c))


def test_unreachable_scheduler_is_a_usage_error(monkeypatch):
    from evalkit.errors import UsageError
    monkeypatch.setenv("EVALKIT_DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(UsageError, match="无法连接 Dask 调度器"):
        ingest_paths(SEEDS[:1], None, dask="tcp://127.0.0.1:9")


def test_dask_keeps_a_window_of_files_in_flight(cluster, tmp_path):
    """With two tasks in flight at a time every file still comes back once, whatever the order."""
    from evalkit.distributed import iter_on_dask
    from evalkit.discover import discover
    found = discover([Path(s) for s in SEEDS] + [_docs(tmp_path) / "broken.docx"])
    got = {s.source_file: r.report["status"] for s, r in iter_on_dask(found.sources, cluster, window=2)}
    assert sorted(got) == sorted(s.source_file for s in found.sources)
    assert got["broken.docx"] == "failed" and list(got.values()).count("ok") == len(SEEDS)


def test_files_are_batched_with_slow_formats_alone_first_and_shrinking_tasks_last():
    from evalkit.distributed import BATCH_BYTES, batches
    from evalkit.discover import Source
    txt = [Source(Path(f"{i}.txt"), f"{i}.txt", "txt", 10_000 + i) for i in range(50)]
    pdf = Source(Path("scan.pdf"), "scan.pdf", "pdf", 10_000)
    got = batches(txt[:20] + [pdf] + txt[20:], threads=2)
    assert got[0] == [pdf] and sorted(s.source_file for b in got for s in b) == sorted(
        s.source_file for s in txt + [pdf])
    sizes = [len(b) for b in got[1:]]
    assert sizes[0] == 7 == max(sizes)                        # 50 / (4 tasks x 2 threads), rounded up
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1    # the last tasks shrink
    assert got[1][0] is txt[-1]                                # the largest file first
    tasks = batches(txt * 4, threads=2)                       # 200 files: the tail stops at a quarter
    assert len(tasks[0]) == 24 and min(map(len, tasks)) == 6
    big = [Source(Path(f"{i}.txt"), f"{i}.txt", "txt", BATCH_BYTES // 3) for i in range(7)]
    assert [len(b) for b in batches(big, threads=1, size=24)] == [3, 3, 1]


def test_a_batch_whose_worker_dies_costs_only_the_culprit(tmp_path, monkeypatch):
    """The whole batch is lost with its worker; its files go again one a task, and only the file that
    kills its worker again gets a failed row."""
    import dask

    import evalkit.distributed as dist
    from evalkit.discover import discover

    def killer(items, lim):                   # pickled by value: runs on the worker
        import os
        if any(name.endswith("killer.txt") for name, *_ in items):
            os._exit(1)
        from evalkit.distributed import parse_batch
        return parse_batch(items, lim)

    monkeypatch.setattr(dist, "parse_batch", killer)
    docs = tmp_path / "docs"
    docs.mkdir()
    for s in SEEDS:
        (docs / s.name).write_bytes(s.read_bytes())
    (docs / "killer.txt").write_bytes(SEEDS[0].read_bytes())
    found = discover([docs])
    # a task dies with its first worker; one task a worker at a time, so no other file shares its fate
    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0}):
        with _cluster(False, 2) as c:
            got = {s.source_file: r for s, r in dist.iter_on_dask(found.sources, c, batch=len(found.sources))}
            # every death has been seen by the scheduler (it failed a task); closing while a nanny restarts its
            # worker fails inside distributed ("can only join a started process"): wait for both workers first
            from distributed import Client
            with Client(c) as client:
                client.wait_for_workers(2, timeout=120)
    assert sorted(got) == sorted(s.source_file for s in found.sources)
    assert got["killer.txt"].report["status"] == "failed" and "Dask 工作进程" in got["killer.txt"].report["error"]
    assert all(r.report["status"] == "ok" for name, r in got.items() if name != "killer.txt")
