"""The system parts `make setup` installs with apt (scripts/ensure_*.sh sharing scripts/apt.sh)."""
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fake_apt(tmp_path: Path) -> tuple[Path, Path]:
    """A bare PATH whose apt-get logs what it is asked (and installs nothing), with apt-cache knowing every package."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in ("sh", "bash", "cat", "date", "mktemp", "rm", "grep"):
        found = shutil.which(tool)
        if found:
            (bin_ / tool).symlink_to(found)
    log = tmp_path / "apt.log"
    (bin_ / "apt-get").write_text(f"#!/bin/sh\necho \"$*\" >> '{log}'\n")
    (bin_ / "apt-cache").write_text("#!/bin/sh\nexit 0\n")
    (bin_ / "id").write_text("#!/bin/sh\necho 0\n")                 # as root: apt-get runs without sudo
    for f in ("apt-get", "apt-cache", "id"):
        (bin_ / f).chmod(0o755)
    return bin_, log


def test_parts_missing_together_share_one_apt_update(tmp_path):
    bin_, log = _fake_apt(tmp_path)
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    env = {"PATH": str(bin_), "HOME": str(tmp_path), "EVALKIT_APT_STAMP": str(stamp)}
    for part in ("xpstopdf", "libarchive"):
        r = subprocess.run(["bash", str(ROOT / "scripts" / f"ensure_{part}.sh")], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    assert [c for c in calls if c.startswith("update")] == ["update -qq"]
    installs = [c.split()[-1] for c in calls if c.startswith("install")]
    assert installs[0] == "libgxps-utils" and "libarchive13" in installs


def test_a_script_run_alone_updates_before_it_installs(tmp_path):
    bin_, log = _fake_apt(tmp_path)
    r = subprocess.run(["bash", str(ROOT / "scripts" / "ensure_xpstopdf.sh")], capture_output=True, text=True,
                       env={"PATH": str(bin_), "HOME": str(tmp_path)}, timeout=60)
    assert r.returncode == 0
    assert log.read_text().splitlines()[:2] == ["update -qq", "install -y -qq --no-install-recommends libgxps-utils"]


def test_ensure_system_is_quiet_when_everything_is_there(tmp_path):
    if not (shutil.which("xpstopdf") and shutil.which("soffice")):
        import pytest
        pytest.skip("this machine lacks a part: the script would install it")
    r = subprocess.run(["bash", str(ROOT / "scripts" / "ensure_system.sh")], capture_output=True, text=True,
                       env={**os.environ, "TMPDIR": str(tmp_path)}, timeout=120)
    assert r.returncode == 0 and r.stderr == ""
    assert list(tmp_path.iterdir()) == []                       # its stamp went with it
