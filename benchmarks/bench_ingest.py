"""Ingest speed on the bundled seeds, as ratios against baselines measured in the same run.

    python benchmarks/bench_ingest.py [--repeat N]

Baselines: reading the files' bytes, and the text reader alone (file -> Document). The ratios say what
recognition, mapping and checks cost on top of reading.
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

from evalkit.ingest import ingest_paths
from evalkit.readers import read
from evalkit.recognize import recognize

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("paths", nargs="*", default=[str(p) for p in sorted((ROOT / "data/raw").glob("0*_*.txt"))])
    a = ap.parse_args()
    files = [Path(p) for p in a.paths]
    ingest_paths(files[:1], checks=False)                       # warm imports and the place lookup
    raw = timed(lambda: [f.read_bytes() for f in files], a.repeat)
    reader = timed(lambda: [read(f) for f in files], a.repeat)
    recog = timed(lambda: [recognize(read(f)) for f in files], a.repeat)
    nochecks = timed(lambda: ingest_paths(files, checks=False), a.repeat)
    with tempfile.TemporaryDirectory() as d:
        full = timed(lambda: ingest_paths(files, Path(d) / "clean"), a.repeat)
    print(f"{len(files)} files, median of {a.repeat} runs")
    print(f"  read bytes (baseline)          {raw * 1000:8.2f} ms   1.0x")
    print(f"  reader -> Document             {reader * 1000:8.2f} ms  {reader / raw:7.1f}x bytes")
    print(f"  reader + recognize             {recog * 1000:8.2f} ms  {recog / reader:7.2f}x reader")
    print(f"  ingest, no checks, no write    {nochecks * 1000:8.2f} ms  {nochecks / reader:7.2f}x reader")
    print(f"  ingest + checks + Parquet      {full * 1000:8.2f} ms  {full / reader:7.2f}x reader, "
          f"{full / len(files) * 1000:.1f} ms/file")


if __name__ == "__main__":
    main()
