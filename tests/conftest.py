import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
TRUTH = ROOT / "tests" / "truth"
SEEDS = sorted(RAW.glob("0*_*.txt"))


@pytest.fixture(scope="session")
def seed_tables(tmp_path_factory):
    """The five seeds ingested once per test session (checks included)."""
    from evalkit.ingest import ingest_paths
    out = tmp_path_factory.mktemp("clean")
    tables = ingest_paths(SEEDS, out / "clean", progress=False)
    return tables


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))
