"""Ingest on a Dask LocalCluster: the same tables as local workers, and a hostile file costs only its row."""
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from evalkit.ingest import ingest_paths  # noqa: E402
from conftest import SEEDS  # noqa: E402

FIX = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as c:
        yield c


def test_dask_ingest_gives_the_same_tables_as_local_workers(cluster, seed_tables, tmp_path):
    t = ingest_paths(SEEDS, tmp_path / "clean", dask=cluster, cache_dir=False)
    for name in ("reports", "projects", "indicators", "summaries", "findings"):
        a = t[name].drop(columns=[c for c in ("error",) if c in t[name]]).astype(str).reset_index(drop=True)
        b = seed_tables[name].drop(columns=[c for c in ("error",) if c in seed_tables[name]]).astype(str)
        assert a.equals(b.reset_index(drop=True)), name
    assert (tmp_path / "clean" / "manifest.json").is_file()


def test_dask_ingest_by_address_with_a_bad_file(cluster, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_bytes(SEEDS[0].read_bytes())
    (docs / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    t = ingest_paths([docs], None, dask=cluster.scheduler_address)
    rep = t["reports"].set_index("source_file")
    assert rep.loc["a.txt", "status"] == "ok" and len(t["projects"]) > 0
    assert rep.loc["broken.docx", "status"] == "failed" and rep.loc["broken.docx", "error"]


def test_unreachable_scheduler_is_a_usage_error(tmp_path):
    from evalkit.errors import UsageError
    with pytest.raises(UsageError, match="无法连接 Dask 调度器"):
        ingest_paths(SEEDS[:1], None, dask="tcp://127.0.0.1:9")
