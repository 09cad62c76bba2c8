"""`evalkit sql DIR "SELECT …"`: DuckDB over a dataset, one view per table, reading only what a query needs.

The tables are registered as pyarrow datasets (so a filter on province/year prunes partitions),
and DuckDB's file access is switched off before the query runs: a query reads the dataset and
nothing else, and cannot write or copy files.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.errors import DatasetError, UsageError
from evalkit.store import TABLES, dataset_lock, read_manifest


def _duckdb():
    try:
        import duckdb
    except ImportError:
        raise UsageError("evalkit sql 需要 DuckDB", "请安装可选组件：pip install 'evalkit[sql]'（make setup 已包含）") from None
    return duckdb


def datasets(data_dir: str | Path) -> dict:
    """table name -> pyarrow dataset over its file or partitions (store.arrow_dataset)."""
    from evalkit.store import arrow_dataset
    d = Path(data_dir)
    manifest = read_manifest(d)
    names = list(manifest["tables"]) if manifest else [t for t in TABLES if (d / f"{t}.parquet").is_file()]
    out = {n: arrow_dataset(d, n, manifest["tables"][n] if manifest else None) for n in names}
    if not out:
        raise DatasetError(f"{d} 里没有 evalkit 数据表（*.parquet）", "请先运行 evalkit ingest 生成数据集")
    return out


def query(data_dir: str | Path, sql: str) -> pd.DataFrame:
    """The result of one SQL query over the dataset's tables (views named reports, projects, …)."""
    duckdb = _duckdb()
    d = Path(data_dir)
    if not d.is_dir():
        raise DatasetError(f"数据集文件夹 {d} 不存在", "请先运行 evalkit ingest 生成数据集")
    with dataset_lock(d, write=False):
        con = duckdb.connect(":memory:")
        try:
            views = datasets(d)
            for name, dset in views.items():
                con.register(name, dset)
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            try:
                return con.execute(sql).df()
            except duckdb.Error as e:
                msg = str(e).split("\n")[0]
                raise UsageError(f"SQL 查询出错：{msg}",
                                 f"可用的表：{'、'.join(views)}；只能读取数据集，不能读写其他文件") from None
        finally:
            con.close()
