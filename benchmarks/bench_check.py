"""Time `run_checks` on 2,000 reports made by replicating the five seeds under new ids.

Figures are printed as ratios against baselines measured in the same run (machine speed
cancels out): the time to build the replicated tables (copy + concat), and the 5-seed run
scaled per report. Usage: python benchmarks/bench_check.py [N_REPORTS] [CLEAN_DIR]
(CLEAN_DIR: an `evalkit ingest` output; default: ingest data/raw into a temp folder).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evalkit.checks import format_summary, load_config, run_checks  # noqa: E402

TABLES = ("reports", "projects", "indicators", "summaries")


def seed_tables(clean: Path | None) -> dict[str, pd.DataFrame]:
    """The seeds' contract tables: from an ingest output folder, else ingested now."""
    if clean is not None:
        return {t: pd.read_parquet(clean / f"{t}.parquet") for t in TABLES}
    from evalkit.ingest import ingest_paths
    with tempfile.TemporaryDirectory() as tmp:
        t = ingest_paths(sorted((ROOT / "data" / "raw").glob("*.txt")), Path(tmp), checks=False)
    return {k: t[k] for k in TABLES}


def replicate(seed: dict[str, pd.DataFrame], n_reports: int) -> dict[str, pd.DataFrame]:
    """n_reports reports: the seeds repeated with report/project ids suffixed by the copy number."""
    k = -(-n_reports // len(seed["reports"]))
    out = {}
    for name in TABLES:
        parts = []
        for i in range(k):
            df = seed[name].copy()
            for col in ("report_id", "project_id", "source_file"):
                if col in df.columns:
                    df[col] = df[col].astype("str") + f"~{i}"
            parts.append(df)
        out[name] = pd.concat(parts, ignore_index=True)
    keep = set(out["reports"]["report_id"].iloc[:n_reports])
    for name in TABLES:
        out[name] = out[name].loc[out[name]["report_id"].isin(keep)] if "report_id" in out[name] else out[name]
    pids = set(out["projects"]["project_id"])
    out["indicators"] = out["indicators"].loc[out["indicators"]["project_id"].isin(pids)]
    return out


def timed(fn, *a, repeat: int = 3):
    best, res = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn(*a)
        best = min(best, time.perf_counter() - t0)
    return best, res


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    clean = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    seed = seed_tables(clean)
    cfg = load_config()
    t_seed, f_seed = timed(run_checks, seed, cfg)
    t_build, big = timed(replicate, seed, n)
    t_big, f_big = timed(run_checks, big, cfg, repeat=1)
    n_seed = len(seed["reports"])
    per_seed = t_seed / n_seed
    per_big = t_big / n
    print(f"tables: {len(big['reports'])} reports, {len(big['projects'])} projects, "
          f"{len(big['indicators'])} indicator lines, {len(big['summaries'])} summaries")
    print(f"run_checks on {n} reports: {t_big:.2f} s ({len(f_big)} findings; "
          f"{len(f_seed)} on the {n_seed} seeds x {n // n_seed} = {len(f_seed) * (n // n_seed)})")
    print(f"  = {t_big / t_build:.1f} x the time to build the replicated tables ({t_build:.2f} s)")
    print(f"  per report: {per_big * 1000:.2f} ms vs {per_seed * 1000:.1f} ms on the {n_seed}-report run "
          f"(ratio {per_big / per_seed:.3f}: fixed costs amortized, rules vectorized)")
    print(f"  (the {n_seed}-report run itself: {t_seed * 1000:.0f} ms)")
    print(format_summary(f_big))


if __name__ == "__main__":
    main()
