"""Parse files on a Dask distributed cluster (`evalkit ingest --dask ADDRESS`): the same pure step as local workers.

Each task carries the file's bytes (workers need no shared filesystem and see archive members
staged on the client) and parses them in a child process with the run's time and memory limits,
so a hang, a balloon or a crash costs that file one `failed` row. Files travel in batches (one task
parses ~1 s of text files: per-file tasks cost more in scheduling than parsing); a worker that dies
costs its batch one more try, one file a task, so only the file that kills a worker again is lost.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from evalkit import limits as _limits
from evalkit import scratch
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


def _stage(folder: Path, name: str, data) -> Path:
    """The file's bytes in `folder` under a neutral name with its (archive member's) suffix, which
    picks the reader; a saved web page with its pictures ({page name: bytes, picture names: bytes},
    `_items`) under their own names, so the page finds its folder."""
    folder.mkdir(exist_ok=True)
    if isinstance(data, dict):
        page, *pictures = data
        for rel in pictures:
            dest = folder.joinpath(*(p for p in rel.split("/") if p not in ("", ".", "..")))
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data[rel])
        path = folder / Path(page).name
        path.write_bytes(data[page])
        return path
    path = folder / ("document" + Path(name.split("!")[-1]).suffix.lower())
    path.write_bytes(data)
    return path


def parse_batch(items: list, lim) -> list:
    """On a worker: parse a batch of files, each as `parse_task` would (its own limits, its own failed
    row), the batch's files queued on the warm pool at once; FileResults in the order given."""
    pool = _pool(lim)
    if pool is None:
        return [parse_task(*item, lim) for item in items]
    from evalkit.ingest import collect
    with scratch.folder("dask") as d:
        futures, paths = [], []
        for k, (name, data, sha, fmt, seconds) in enumerate(items):
            paths.append(_stage(Path(d) / str(k), name, data))
            futures.append(_schedule(pool, paths[-1], name, sha, fmt, seconds))
        return [collect(fut, name, sha, fmt, seconds, lim, _again(pool, path, name, sha, fmt))
                for fut, path, (name, _, sha, fmt, seconds) in zip(futures, paths, items)]


def _schedule(pool, path: Path, name: str, sha, fmt, seconds: float, final: bool = False):
    """One file on the worker's pool within `seconds` (which its OCR may ask to raise unless `final`)."""
    from evalkit.ingest import timed_ingest
    return pool.schedule(timed_ingest, args=(path, name, sha, fmt, None if final else seconds), timeout=seconds)


def _again(pool, path: Path, name: str, sha, fmt):
    return lambda seconds: _schedule(pool, path, name, sha, fmt, seconds, final=True)


def parse_task(name: str, data: bytes, sha: str | None, fmt: str | None, seconds: float, lim):
    """On a worker: write the bytes to a private temp file and parse it in a limited child process.

    Warm pool when the worker is not a daemon (DASK_DISTRIBUTED__WORKER__DAEMON=False), else one
    subprocess per file (daemon processes may not fork pools)."""
    import pickle
    import subprocess

    from evalkit.ingest import _failed, collect, crash_error, timeout_error
    with scratch.folder("dask") as d:
        path = _stage(Path(d), name, data)
        pool = _pool(lim)
        if pool is not None:
            fut = _schedule(pool, path, name, sha, fmt, seconds)
            return collect(fut, name, sha, fmt, seconds, lim, _again(pool, path, name, sha, fmt))
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


BATCH_FILES = 24            # at most this many files a task: ~1 s of text files on one core
BATCH_BYTES = 8 * 2**20     # and at most this many bytes (memory: window x batch)


def batches(sources, threads: int, size: int | None = None) -> list[list]:
    """The sources cut into tasks, in the order to submit them: slow formats first, one a task
    (`ingest.SLOW_FORMATS`), then the others largest first, up to `size` files (default
    EVALKIT_DASK_BATCH, else enough for four tasks a worker thread, at most BATCH_FILES) and
    BATCH_BYTES. Per-file tasks spend more on scheduling and transfer than on parsing a text file;
    the last tasks shrink (a share of what is left, down to a quarter) so that the workers
    finish together."""
    from evalkit.ingest import SLOW_FORMATS, longest_first
    fixed = int(size or os.environ.get("EVALKIT_DASK_BATCH") or 0)
    threads = max(1, threads)
    size = fixed or max(1, min(BATCH_FILES, -(-len(sources) // (4 * threads))))
    ordered = longest_first(sources)
    out = [[s] for s in ordered if s.fmt in SLOW_FORMATS]
    rest = [s for s in ordered if s.fmt not in SLOW_FORMATS]
    cur, nbytes, least = [], 0, max(1, size // 4)
    for i, s in enumerate(rest):
        cap = size if fixed else max(least, min(size, -(-(len(rest) - i + len(cur)) // (2 * threads))))
        if cur and (len(cur) >= cap or nbytes + (s.size or 0) > BATCH_BYTES):
            out.append(cur)
            cur, nbytes = [], 0
        cur.append(s)
        nbytes += s.size or 0
    return out + ([cur] if cur else [])


def iter_on_dask(sources, address, progress: bool = False, limits=None, window: int | None = None,
                 batch: int | None = None):
    """(source, FileResult) pairs as the cluster finishes them, a batch of files a task (`batches`).
    At most `window` tasks are in flight (default EVALKIT_DASK_WINDOW, else 3 a worker thread, at
    least 4), so neither this machine nor the cluster holds the bytes or results of the whole corpus.
    A batch lost with its worker is tried again one file a task: only the file that kills a worker
    again gets its `failed` row."""
    from distributed import as_completed

    lim = limits or _limits.LIMITS
    if not sources:
        return
    client = _client(address)
    own = isinstance(address, str)
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(sources), desc="ingest (dask)", unit="file", file=sys.stderr)
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # noqa: BLE001  (a client without workers yet)
        threads = 0
    if window is None:
        window = int(os.environ.get("EVALKIT_DASK_WINDOW") or max(4, 3 * threads))
    todo = list(reversed(batches(sources, threads, batch)))   # popped from the end
    futures: dict = {}
    pending = as_completed()
    n, run = 0, os.urandom(4).hex()      # task keys unique to this run: two runs may share a cluster

    def fill() -> list:
        """Submit batches until `window` are in flight; a file that cannot be read is its failed row at once."""
        nonlocal n
        unread = []
        while len(futures) < window and todo:
            group = todo.pop()
            items, sent = _items(group, lim, unread)
            if not items:
                continue
            n += 1
            fut = client.submit(parse_batch, items, lim, pure=False, key=f"evalkit-parse-{run}-{n}")
            futures[fut] = sent
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
                done = _collect_batch(fut, futures.pop(fut), todo)
                fut.release()
            done += fill()
    finally:
        if bar is not None:
            bar.close()
        if own:
            client.close()


def _items(group, lim, unread: list) -> tuple[list, list]:
    """A batch's task arguments (name, bytes, sha, format, seconds) and its sources; unreadable files
    go to `unread` as their failed rows."""
    from evalkit.ingest import _failed, time_limit
    from evalkit.readers import webpage
    items, sent = [], []
    for s in group:
        try:
            data = Path(s.path).read_bytes()
            if s.fmt == "html" and (pictures := webpage.folder_files(Path(s.path))):   # what the page shows
                data = {Path(s.path).name: data, **pictures}
        except OSError as e:
            unread.append((s, _failed(s.source_file, s.sha256, s.fmt, f"无法读取文件（{e.strerror}）")))
            continue
        items.append((s.source_file, data, s.sha256, s.fmt, time_limit(s, lim)))
        sent.append(s)
    return items, sent


def _collect_batch(fut, sent: list, todo: list) -> list:
    """A finished task's (source, result) pairs. A batch lost whole (its worker died, the result could
    not be sent) puts its files back one a task, to find the culprit; a file alone gets its failed row."""
    from evalkit.ingest import _failed
    try:
        return list(zip(sent, fut.result()))
    except Exception as e:  # noqa: BLE001  (KilledWorker, a lost connection, a pickling error)
        if len(sent) > 1:
            todo.extend([s] for s in reversed(sent))
            return []
        kind = type(e).__name__
        why = "Dask 工作进程在解析时退出（多为内存不足）" if kind == "KilledWorker" else f"Dask 任务出错（{kind}）"
        return [(sent[0], _failed(sent[0].source_file, sent[0].sha256, sent[0].fmt, why))]


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1]))
