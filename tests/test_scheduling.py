"""docs/scheduling.md works as written: its cron line, read from the doc, run the way cron runs it
(`env -i`: only HOME, LOGNAME, SHELL and PATH=/usr/bin:/bin) in a fresh HOME holding a one-report
dataset and a stand-in for the installed `.venv/bin/evalkit`, exits 0 and writes its log."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scheduling.md"
SEED_HUNAN_2024 = "002_434d573ee1fc889f.txt"       # 绥宁县, 湖南省, 2024: matches the documented --region/--year


def cron_command(doc: Path = DOC) -> str:
    """The command part of the first crontab entry in the doc's ```cron block (after the five time fields)."""
    block = re.search(r"```cron\n(.*?)```", doc.read_text(encoding="utf-8"), re.S).group(1)
    line = next(ln for ln in block.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    fields = line.split(None, 5)
    assert len(fields) == 6 and "%" not in fields[5], line      # cron turns % into newlines
    return fields[5]


def test_cron_line_parses_and_creates_its_log_folder():
    cmd = cron_command()
    assert "flock -n" in cmd and "mkdir -p" in cmd and "/var/log" not in cmd
    assert re.search(r">> \"\$HOME/logs/report.log\" 2>&1$", cmd)


@pytest.mark.skipif(not (shutil.which("flock") and Path("/usr/bin/env").exists()), reason="needs util-linux flock")
def test_documented_cron_line_runs_in_a_clean_environment(tmp_path):
    home = tmp_path / "srv-evalkit"
    (home / "data" / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw" / SEED_HUNAN_2024, home / "data" / "raw")
    bin_dir = home / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    evalkit = bin_dir / "evalkit"         # the installed console script, pointing at this checkout
    evalkit.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT / 'src'} exec {sys.executable} -m evalkit.cli \"$@\"\n")
    evalkit.chmod(0o755)
    env = ["HOME=" + str(home), "LOGNAME=evalkit", "SHELL=/bin/sh", "PATH=/usr/bin:/bin"]
    r = subprocess.run(["/usr/bin/env", "-i", *env, "/bin/sh", "-c", cron_command()],
                       cwd="/", capture_output=True, text=True, timeout=900)
    log = home / "logs" / "report.log"
    text = log.read_text(encoding="utf-8") if log.exists() else ""
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n{text[-3000:]}"
    assert r.stdout == "" and r.stderr == ""                   # everything went to the log
    assert SEED_HUNAN_2024 in text and "报告已写入" in text
    latest = home / "reports" / "湖南省" / "latest"
    assert latest.is_symlink() and json.loads((latest / "run.json").read_text(encoding="utf-8"))["status"] == "ok"
    assert (home / "reports" / "index.html").is_file()
