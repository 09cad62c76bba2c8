"""Read and write an evalkit dataset: one Parquet file per contract table plus `manifest.json`.

Data is sacred, so writing follows four rules:
- evalkit writes only into a folder that is missing, empty, or already an evalkit dataset
  (a manifest, or only the contract's Parquet files as written before manifests existed);
  anything else is refused, never emptied; so is a folder that overlaps an input folder.
- the new dataset is written in full into a sibling temp folder, every file fsynced, the
  manifest last, then swapped in with one atomic exchange (Linux `renameat2(RENAME_EXCHANGE)`),
  so at every moment the path holds a complete dataset, the old one or the new one;
- one lock (`.<name>.lock` beside the folder) covers every write and every read;
- what a killed run left (`.<name>.tmp-*`, `.<name>.old-*`) is removed by the next writer.
"""
from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from evalkit.errors import Busy, DatasetError

TABLES = ("reports", "projects", "indicators", "summaries", "findings")
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# placeholders a user or a repo keeps in the folder; carried across the swap, never refused
HARMLESS = {".gitkeep", ".keep", ".DS_Store", "Thumbs.db", "desktop.ini"}
LOCK_WAIT_S = float(os.environ.get("EVALKIT_LOCK_TIMEOUT", "600"))


# ----------------------------------------------------------------------------- locking

def lock_path(data_dir: str | Path) -> Path:
    d = Path(data_dir).absolute()
    return d.parent / f".{d.name}.lock"


@contextmanager
def dataset_lock(data_dir: str | Path, timeout: float | None = None, write: bool = True):
    """Hold the dataset's lock: writers wait up to `timeout` s (default EVALKIT_LOCK_TIMEOUT, 600),
    then raise Busy. A reader of a folder it cannot write (a read-only share) goes on unlocked."""
    from filelock import FileLock, Timeout
    path = lock_path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path), timeout=LOCK_WAIT_S if timeout is None else timeout)
        lock.acquire()
    except Timeout:
        raise Busy(f"数据集 {data_dir} 正被另一个 evalkit 进程写入（锁文件 {path}）",
                   "请等它结束后再运行") from None
    except OSError:
        if write:
            raise DatasetError(f"无法在 {path.parent} 创建锁文件", "请检查该文件夹的写权限") from None
        yield
        return
    try:
        yield
    finally:
        lock.release()


# ----------------------------------------------------------------------------- what a folder is

def classify(folder: str | Path) -> tuple[str, list[str]]:
    """('missing'|'empty'|'dataset'|'foreign'|'file', foreign entry names) for an output folder."""
    p = Path(folder)
    if not p.exists() and not p.is_symlink():
        return "missing", []
    if not p.is_dir():
        return "file", [p.name]
    names = [e.name for e in os.scandir(p)]
    ours = {f"{t}.parquet" for t in TABLES} | {MANIFEST}
    foreign = [n for n in names if n not in ours and n not in HARMLESS]
    if foreign:
        return "foreign", sorted(foreign)
    if MANIFEST in names:
        return "dataset", []
    for t in TABLES:   # a dataset written before manifests: the contract's Parquet files, as files
        q = p / f"{t}.parquet"
        if q.exists() and not q.is_file():
            return "foreign", [q.name]
    return ("dataset" if any(n.endswith(".parquet") for n in names) else "empty"), []


def check_out_dir(out_dir: str | Path, inputs: list[str | Path] = ()) -> None:
    """Raise DatasetError unless `out_dir` may be (re)written by evalkit: see the module docstring."""
    out = Path(out_dir).absolute().resolve()
    for i in inputs:
        inp = Path(i).absolute().resolve()
        if out == inp or inp in out.parents or out in inp.parents:
            raise DatasetError(f"输出文件夹 {out_dir} 与输入 {i} 重叠",
                               "请把 --out 指向输入文件夹之外的新文件夹，例如 data/clean")
    kind, foreign = classify(out_dir)
    if kind == "file":
        raise DatasetError(f"输出路径 {out_dir} 是一个文件，不是文件夹", "请换一个 --out")
    if kind == "foreign":
        shown = "、".join(foreign[:5]) + ("……" if len(foreign) > 5 else "")
        raise DatasetError(f"输出文件夹 {out_dir} 里有不属于 evalkit 数据集的内容（{shown}），为免误删，拒绝写入",
                           "请指定一个新的或空的文件夹作为 --out")


# ----------------------------------------------------------------------------- reading

def read_manifest(data_dir: str | Path) -> dict | None:
    p = Path(data_dir) / MANIFEST
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DatasetError(f"数据集清单 {p} 无法读取（{e}）", "请重新运行 evalkit ingest") from None


def load(clean_dir: str | Path = "data/clean", verify: bool = True, lock: bool = True) -> dict[str, pd.DataFrame]:
    """Every contract table in `clean_dir`, keyed by name; with a manifest, each file is checked
    against its recorded checksum and row count (DatasetError when it differs).
    `lock=False` for a caller that already holds the dataset's lock."""
    clean_dir = Path(clean_dir)
    if not clean_dir.is_dir():
        raise DatasetError(f"数据集文件夹 {clean_dir} 不存在", "请先运行 evalkit ingest 生成数据集")
    if lock:
        with dataset_lock(clean_dir, write=False):
            return load(clean_dir, verify, lock=False)
    manifest = read_manifest(clean_dir)
    out = {}
    names = list(manifest["tables"]) if manifest else [t for t in TABLES
                                                          if (clean_dir / f"{t}.parquet").exists()]
    for name in names:
        p = clean_dir / f"{name}.parquet"
        if manifest:
            want = manifest["tables"][name]
            if not p.is_file():
                raise DatasetError(f"数据集 {clean_dir} 缺少表 {p.name}", "请重新运行 evalkit ingest")
            if verify and _sha256(p) != want["sha256"]:
                raise DatasetError(f"数据集 {clean_dir} 的 {p.name} 与清单记录的校验值不符（文件被改动或损坏）",
                                   "请重新运行 evalkit ingest")
        try:
            out[name] = pd.read_parquet(p)
        except Exception as e:  # noqa: BLE001  (pyarrow raises several types for a bad file)
            raise DatasetError(f"无法读取 {p}（{type(e).__name__}）", "请重新运行 evalkit ingest") from None
        if manifest and len(out[name]) != want["rows"]:
            raise DatasetError(f"数据集 {clean_dir} 的 {p.name} 行数与清单不符", "请重新运行 evalkit ingest")
    if not out:
        raise DatasetError(f"{clean_dir} 里没有 evalkit 数据表（*.parquet）", "请先运行 evalkit ingest 生成数据集")
    return out


# ----------------------------------------------------------------------------- writing

def write_atomic(tables: dict[str, pd.DataFrame], out_dir: str | Path, *, inputs: list = (),
                 meta: dict | None = None, lock: bool = True) -> Path:
    """Write `tables` as the dataset at `out_dir`, replacing the previous one in one atomic step.

    Refuses (DatasetError) an `out_dir` that holds anything else or overlaps `inputs`."""
    out_dir = Path(out_dir)
    if lock:
        with dataset_lock(out_dir):
            return write_atomic(tables, out_dir, inputs=inputs, meta=meta, lock=False)
    check_out_dir(out_dir, inputs)
    parent = out_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())        # mkdtemp makes 0700; a dataset gets the user's umask
        manifest = {"evalkit_dataset": FORMAT_VERSION, "evalkit_version": _version(),
                    "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    **(meta or {}), "tables": {}}
        for name, df in tables.items():
            p = tmp / f"{name}.parquet"
            df.to_parquet(p, index=False)
            _fsync(p)
            manifest["tables"][name] = {"file": p.name, "rows": int(len(df)), "sha256": _sha256(p)}
        if out_dir.is_dir():
            for n in HARMLESS:                 # placeholders stay where the user put them
                if (out_dir / n).is_file():
                    shutil.copy2(out_dir / n, tmp / n)
        m = tmp / MANIFEST                     # written last: its presence means the folder is complete
        m.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync(m)
        _fsync(tmp)
        if not out_dir.exists():
            os.rename(tmp, out_dir)
        elif not _exchange(tmp, out_dir):
            old = parent / f".{out_dir.name}.old-{os.getpid()}"   # no atomic exchange here: two renames
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            tmp = old
        _fsync(parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if tmp.exists():
        shutil.rmtree(tmp, ignore_errors=True)  # the previous dataset, now swapped out
    return out_dir


def _clean_leftovers(out_dir: Path) -> None:
    """Remove temp and swapped-out folders of killed runs (we hold the lock: nobody else writes)."""
    parent = out_dir.absolute().parent
    for prefix in (f".{out_dir.name}.tmp-", f".{out_dir.name}.old-"):
        for p in parent.glob(prefix + "*"):
            if p.is_dir() and not p.is_symlink():
                kind, _ = classify(p)
                if kind in ("dataset", "empty"):
                    shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):      # EINVAL/ENOSYS/EOPNOTSUPP: the filesystem cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass                      # some filesystems refuse fsync on a directory
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("evalkit")
    except Exception:  # noqa: BLE001  (running from a source tree without metadata)
        return "0+unknown"
