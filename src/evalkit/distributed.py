"""Parse files on a Dask distributed cluster (`evalkit ingest --dask ADDRESS`): the same pure step as local workers.

Each task carries the file's bytes (workers need no shared filesystem and see archive members
staged on the client) and parses them in a child process with the run's time and memory limits,
so a hang, a balloon or a crash costs that file one `failed` row; a worker that dies costs the
files it held, never the run.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from evalkit import limits as _limits
from evalkit.errors import UsageError


def _client(address):
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--dask 需要 Dask distributed", "请安装可选组件：pip install 'evalkit[dask]'（make setup 已包含）") from None
    if not isinstance(address, str):      # a LocalCluster or Client object (tests, notebooks)
        return address if hasattr(address, "submit") else Client(address)
    try:
        return Client(address, timeout=os.environ.get("EVALKIT_DASK_CONNECT_TIMEOUT", "20s"))
    except (OSError, TimeoutError) as e:
        raise UsageError(f"无法连接 Dask 调度器 {address}（{type(e).__name__}）",
                         "请确认已启动 dask scheduler 和 dask worker，地址形如 tcp://10.0.0.5:8786") from None


_POOL = None   # one warm pebble pool per Dask worker process, when the worker may have children


def _pool(lim):
    """The worker's pool of limited parse processes, or None where the worker is a daemon process."""
    global _POOL
    import multiprocessing
    if multiprocessing.current_process().daemon:
        return None
    if _POOL is None:
        from pebble import ProcessPool

        from evalkit.ingest import _init_worker
        try:
            from distributed import get_worker
            n = max(1, get_worker().state.nthreads)
        except (ImportError, ValueError, AttributeError):
            n = 1
        _POOL = ProcessPool(max_workers=n, initializer=_init_worker, initargs=(lim, n))
    return _POOL


def parse_task(name: str, data: bytes, sha: str | None, fmt: str | None, seconds: float, lim):
    """On a worker: write the bytes to a private temp file and parse it in a limited child process.

    Warm pool when the worker is not a daemon (DASK_DISTRIBUTED__WORKER__DAEMON=False), else one
    subprocess per file (daemon processes may not fork pools)."""
    import pickle
    import subprocess

    from evalkit.ingest import _failed, collect, crash_error, ingest_file, timeout_error
    with tempfile.TemporaryDirectory(prefix="evalkit-dask-") as d:
        path = Path(d) / ("document" + Path(name.split("!")[-1]).suffix.lower())
        path.write_bytes(data)
        pool = _pool(lim)
        if pool is not None:
            fut = pool.schedule(ingest_file, args=(path, name, sha, fmt), timeout=seconds)
            return collect(fut, name, sha, fmt, seconds, lim)
        job, out = Path(d) / "job.pkl", Path(d) / "result.pkl"
        job.write_bytes(pickle.dumps((path, name, sha, fmt, lim, out)))
        try:
            r = subprocess.run([sys.executable, "-m", "evalkit.distributed", str(job)], timeout=seconds,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            return _failed(name, sha, fmt, timeout_error(seconds))
        if r.returncode != 0 or not out.is_file():
            return _failed(name, sha, fmt, crash_error(r.returncode, lim))
        res = pickle.loads(out.read_bytes())
        res.cacheable = True
        return res


def _child(job: str) -> int:
    """The child: limits first (as local workers have), then the pure parse step, result pickled to a file."""
    import pickle

    from evalkit.ingest import _init_worker, ingest_file
    path, name, sha, fmt, lim, out = pickle.loads(Path(job).read_bytes())
    _init_worker(lim, 1)
    res = ingest_file(path, name, sha, fmt)
    Path(out).write_bytes(pickle.dumps(res))
    return 0


def parse_on_dask(sources, address, progress: bool = False, limits=None) -> list:
    """FileResults of `sources` parsed on the cluster at `address`, in the order given."""
    by_name = {s.source_file: r for s, r in iter_on_dask(sources, address, progress, limits)}
    return [by_name[s.source_file] for s in sources]


def iter_on_dask(sources, address, progress: bool = False, limits=None, window: int | None = None):
    """(source, FileResult) pairs as the cluster finishes them. At most `window` files are in flight
    (default EVALKIT_DASK_WINDOW, else 8 per worker thread, at least 16), so neither this machine nor
    the cluster holds the bytes or results of the whole corpus at once."""
    from distributed import as_completed

    from evalkit.ingest import _failed, time_limit
    lim = limits or _limits.LIMITS
    if not sources:
        return
    client = _client(address)
    own = isinstance(address, str)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(sources), desc="ingest (dask)", unit="file", file=sys.stderr)
    if window is None:
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # noqa: BLE001  (a client without workers yet)
            threads = 0
        window = int(os.environ.get("EVALKIT_DASK_WINDOW") or max(16, 8 * threads))
    todo = iter(enumerate(sources))
    futures: dict = {}
    pending = as_completed()

    def fill() -> list:
        """Submit files until `window` are in flight; a file that cannot be read is its failed row at once."""
        unread = []
        while len(futures) < window:
            nxt = next(todo, None)
            if nxt is None:
                break
            i, s = nxt
            try:
                data = Path(s.path).read_bytes()
            except OSError as e:
                unread.append((s, _failed(s.source_file, s.sha256, s.fmt, f"无法读取文件（{e.strerror}）")))
                continue
            fut = client.submit(parse_task, s.source_file, data, s.sha256, s.fmt, time_limit(s, lim), lim,
                                pure=False, key=f"evalkit-parse-{i}-{s.sha256 or i}")
            futures[fut] = s
            pending.add(fut)
        return unread

    try:
        done = fill()
        while done or futures:
            for s, r in done:
                yield s, r
                if bar is not None:
                    bar.update(1)
            done = []
            if futures:
                fut = next(pending)
                s = futures.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:  # noqa: BLE001  (KilledWorker, a lost connection, a pickling error)
                    kind = type(e).__name__
                    why = "Dask 工作进程在解析时退出（多为内存不足）" if kind == "KilledWorker" else f"Dask 任务出错（{kind}）"
                    res = _failed(s.source_file, s.sha256, s.fmt, why)
                fut.release()
                done = [(s, res)] + fill()
    finally:
        if bar is not None:
            bar.close()
        if own:
            client.close()


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1]))
