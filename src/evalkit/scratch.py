"""evalkit's temporary folders, named after the machine and the process that made them, so that a later
run removes the ones a killed run left behind (SIGKILL, the kernel's OOM killer: no `finally` runs).

A folder is removed only when all of these hold: its name is evalkit's (`evalkit-<kind>-<host>-<pid>-…`),
it was made on this machine, its process is gone, it belongs to this user and it has not changed for
STALE_SECONDS (a run on another machine sharing the folder, or a reused pid, is never touched).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 3600          # a folder untouched this long whose process is gone is a killed run's
KINDS = ("archives", "workers")


def host_id() -> str:
    """Eight hex digits of this machine's name: short enough for the sockets made under the folder."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[:8]


def prefix(kind: str) -> str:
    return f"evalkit-{kind}-{host_id()}-{os.getpid()}-"


def folder(kind: str) -> tempfile.TemporaryDirectory:
    """A new temporary folder of this process (a context manager, removed on exit); first the ones
    killed runs of this machine left in the same place are removed."""
    if kind not in KINDS:
        raise ValueError(kind)
    sweep()
    return tempfile.TemporaryDirectory(prefix=prefix(kind), ignore_cleanup_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:               # PermissionError: another user's process, alive
        return True
    return True


def sweep(parent: str | Path | None = None, stale: float = STALE_SECONDS, now: float | None = None) -> list[Path]:
    """Remove the folders of killed evalkit runs of this machine from `parent` (default: the temp folder);
    returns those removed. POSIX only (elsewhere os.kill(pid, 0) is no liveness test)."""
    if os.name != "posix":
        return []
    parent = Path(parent or tempfile.gettempdir())
    pattern = re.compile(rf"evalkit-(?:{'|'.join(KINDS)})-{host_id()}-(\d+)-[A-Za-z0-9_]+")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return removed
    for d in entries:
        m = pattern.fullmatch(d.name)
        if not m:
            continue
        try:
            st = d.lstat()
        except OSError:
            continue
        if (not os.path.isdir(d) or d.is_symlink() or (hasattr(os, "getuid") and st.st_uid != os.getuid())
                or now - st.st_mtime < stale or int(m.group(1)) == os.getpid() or _alive(int(m.group(1)))):
            continue
        shutil.rmtree(d, ignore_errors=True)
        if not d.exists():
            removed.append(d)
    return removed
