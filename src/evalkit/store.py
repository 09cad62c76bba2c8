"""Read and write the contract's tables (one Parquet file per table)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

TABLES = ("reports", "projects", "indicators", "summaries", "findings")


def load(clean_dir: str | Path = "data/clean") -> dict[str, pd.DataFrame]:
    """Load every contract table present in `clean_dir` as DataFrames, keyed by table name."""
    clean_dir = Path(clean_dir)
    out = {}
    for name in TABLES:
        p = clean_dir / f"{name}.parquet"
        if p.exists():
            out[name] = pd.read_parquet(p)
    if not out:
        raise FileNotFoundError(f"no contract tables (*.parquet) in {clean_dir}")
    return out


def write_atomic(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> Path:
    """Write all tables into a temporary sibling folder, then swap it into place.

    A crash mid-write leaves the previous dataset untouched, never half of a new one."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        for name, df in tables.items():
            df.to_parquet(tmp / f"{name}.parquet", index=False)
        old = None
        if out_dir.exists():
            for f in out_dir.iterdir():          # keep what is not ours (.gitkeep, notes) across the swap
                if f.is_file() and not (tmp / f.name).exists() and f.suffix != ".parquet":
                    shutil.copy2(f, tmp / f.name)
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
