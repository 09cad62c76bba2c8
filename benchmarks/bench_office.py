"""Time the LibreOffice path of readers/office.py per format, against the bare conversion.

For each office fixture (tests/fixtures/office/fixture_<fmt>.<fmt>) and each round, interleaved so
machine load hits all alike:
  bare  `soffice --headless --convert-to docx|xlsx --outdir TMP FILE` with a fresh profile, as
        evalkit runs it (the baseline: what any LibreOffice-based reader pays);
  warm  the same call reusing one profile made beforehand (what a per-call profile costs);
  read  `read_office(path)`: copy, conversion, reading the DOCX/XLSX, temp folder removal.
Prints the median seconds per file and the ratios read/bare and bare/warm, plus the load average
(other work on the machine inflates every figure alike; the ratios are what carries over).
A .et in BIFF8 is read by xlrd without LibreOffice: its `read` is that, its `bare` what converting
it would have cost. Usage: python benchmarks/bench_office.py [ROUNDS]  (default 3)
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evalkit.readers import office  # noqa: E402

FORMATS = ["doc", "wps", "rtf", "odt", "et", "ods", "xlsb", "ppt", "dps", "odp"]
SUFFIX = {"wps": ".doc", "et": ".xls", "dps": ".ppt"}     # as read_office names the copy


def bare(soffice: str, path: Path, fmt: str, profile: Path | None) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-office-") as tmp:
        tmp = Path(tmp)
        src = tmp / ("input" + SUFFIX.get(fmt, path.suffix))
        shutil.copyfile(path, src)
        prof = profile or tmp / "profile"
        t0 = time.perf_counter()
        subprocess.run([soffice, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--norestore",
                        "--convert-to", office.TARGET[fmt], "--outdir", str(tmp / "out"), str(src)],
                       check=True, capture_output=True, timeout=600)
        dt = time.perf_counter() - t0
        if not (tmp / "out" / ("input." + office.TARGET[fmt])).is_file():
            raise SystemExit(f"soffice did not convert {path.name}")
        return dt


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    soffice = office.find_soffice()
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) not found: run `make setup` or scripts/ensure_libreoffice.sh")
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=120).stdout.strip()
    print(f"{version}; {os.cpu_count()} CPUs; {rounds} rounds; load average before: "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    files = {f: ROOT / "tests" / "fixtures" / "office" / f"fixture_{f}.{f}" for f in FORMATS}
    with tempfile.TemporaryDirectory(prefix="bench-office-warm-") as warm_dir:
        warm = Path(warm_dir) / "profile"
        bare(soffice, files["doc"], "doc", warm)                # create the shared profile once
        times: dict[str, dict[str, list[float]]] = {f: {"bare": [], "warm": [], "read": []} for f in FORMATS}
        for _ in range(rounds):
            for fmt, path in files.items():
                times[fmt]["bare"].append(bare(soffice, path, fmt, None))
                times[fmt]["warm"].append(bare(soffice, path, fmt, warm))
                t0 = time.perf_counter()
                doc = office.read_office(path)
                times[fmt]["read"].append(time.perf_counter() - t0)
                assert doc.format == fmt and any(True for _ in doc.tables())
    print(f"\n{'format':<7}{'size KB':>9}{'bare s':>9}{'warm s':>9}{'read s':>9}{'read/bare':>11}{'bare/warm':>11}")
    for fmt, t in times.items():
        b, w, r = (statistics.median(t[k]) for k in ("bare", "warm", "read"))
        note = "  (xlrd, no LibreOffice)" if fmt == "et" else ""
        print(f"{fmt:<7}{files[fmt].stat().st_size / 1024:>9.0f}{b:>9.2f}{w:>9.2f}{r:>9.2f}{r / b:>11.2f}{b / w:>11.2f}{note}")
    print("load average after: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
