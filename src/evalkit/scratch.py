"""Where evalkit writes its temporary files. The folders are named after the machine and the process that
made them, so that a later run removes the ones a killed run left behind (SIGKILL, the kernel's OOM killer:
no `finally` runs); a disk that fills up is said in Chinese with the room left where evalkit writes.

A folder is removed only when all of these hold: its name is evalkit's (`evalkit-<kind>-<host>-<pid>-…`),
it was made on this machine, its process is gone, it belongs to this user and it has not changed for
STALE_SECONDS (a run on another machine sharing the folder, or a reused pid, is never touched).
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path

STALE_SECONDS = 3600          # a folder untouched this long whose process is gone is a killed run's
SWEEP_EVERY = 600             # a process sweeps a temp folder at most this often (a Dask worker makes one a task)
_SWEPT: dict[str, float] = {}  # temp folder -> when this process last swept it (time.monotonic)
# dask: a task's file on a worker machine, which no ingest sweeps; office: LibreOffice's copy and profile where no
# run's folder holds them (`evalkit inspect` of a .doc, a Dask worker's conversion)
# unlock: the decrypted copy of a workbook encrypted with Excel's default password (readers/unlock.py); xps: an XPS
# file's copy and the PDF xpstopdf draws of it (readers/xps.py)
KINDS = ("archives", "workers", "dask", "office", "unlock", "xps")


def host_id() -> str:
    """Eight hex digits of this machine's name: short enough for the sockets made under the folder."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace"), usedforsecurity=False).hexdigest()[:8]


def prefix(kind: str) -> str:
    return f"evalkit-{kind}-{host_id()}-{os.getpid()}-"


def folder(kind: str) -> tempfile.TemporaryDirectory:
    """A new temporary folder of this process (a context manager, removed on exit); first the ones
    killed runs of this machine left in the same place are removed (once every SWEEP_EVERY seconds a process)."""
    if kind not in KINDS:
        raise ValueError(kind)
    parent, now = tempfile.gettempdir(), time.monotonic()
    if now - _SWEPT.get(parent, -SWEEP_EVERY) >= SWEEP_EVERY:
        _SWEPT[parent] = now
        sweep(parent)
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


NO_ROOM = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)   # disk full, quota, file size limit


def _existing(path: Path) -> Path:
    path = Path(path).absolute()
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def no_room(e: OSError, outputs: list, unchanged: str) -> str:
    """The Chinese line for a write that found no room: what happened, how much room is left in the
    output's and the temporary files' folders (one line per disk), and that `unchanged` is as it was."""
    from evalkit.readers.safety import human_size
    what = ("写入的文件超过了系统允许的大小（ulimit -f 或文件系统的单个文件上限）" if e.errno == errno.EFBIG
            else "磁盘配额已用完" if e.errno != errno.ENOSPC and e.errno in NO_ROOM else "磁盘空间不足")
    places, seen = [], set()
    for label, folder in [*(("输出位置", o) for o in outputs if o), ("临时文件夹 TMPDIR", tempfile.gettempdir())]:
        at = _existing(Path(folder))
        try:
            dev, free = at.stat().st_dev, shutil.disk_usage(at).free
        except OSError:
            continue
        if dev not in seen:
            seen.add(dev)
            places.append(f"{label} {at} 剩余 {human_size(free)}")
    left = f"（{'；'.join(places)}）" if places else ""
    return (f"{what}，写入中途失败{left}；{unchanged}未改动。请清理磁盘空间，或用 --out、TMPDIR 改到空间充足的磁盘后重试")
