"""Kernels kept between report runs in one process (opt-in with `keep_warm`: a test suite runs many
reports per process; each later run skips the kernel start and the imports, ≈ 5 s of CPU a kernel).

Each kept kernel belongs to one thread (its asyncio loop is that thread's) that runs, per report run,
the function draining that run's notebooks (report/kernels.py resets the namespace between them).
Its own stdout/stderr go to the log of the run using it; a change of the environment starts a new
kernel; at exit every kernel is shut down. Without `keep_warm` each run starts and stops its own.
"""
from __future__ import annotations

import atexit
import os
import queue
import threading
from pathlib import Path


class _Slot:
    """One thread owning one WarmKernel across report runs; a run hands it the function that drains
    the run's jobs. Its kernel's own stdout/stderr go to the log of the run now using it."""

    def __init__(self, km_class_for, kernel_name: str, n: int):
        self.log_path: Path | None = None
        self.env: dict | None = None
        from evalkit.report.kernels import WarmKernel
        self.kernel = WarmKernel(km_class_for(self.current_log), kernel_name, Path.cwd())
        self.inbox: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name=f"evalkit-kernel-{n}", daemon=True)
        self.thread.start()

    def current_log(self) -> Path | None:
        return self.log_path

    def _loop(self) -> None:
        while True:
            item = self.inbox.get()
            if item is None:
                self.kernel.close()
                return
            fn, env, finished = item
            try:
                if env != self.env:          # a kernel's environment is fixed when it starts
                    self.kernel.close()
                    self.env = env
                fn(self.kernel)
            finally:
                finished.set()


class KernelPool:
    """Warm kernels kept between `run_report` calls in one process (opt-in, see `keep_warm`): a later
    run skips the kernel start and the imports. Kernels are shut down at exit."""

    def __init__(self, ignore_env=()):
        self.ignore_env = frozenset(ignore_env)
        self._idle: list[_Slot] = []
        self._all: list[_Slot] = []
        self._lock = threading.Lock()
        atexit.register(self.close)

    def env(self) -> dict:
        return {k: v for k, v in os.environ.items() if k not in self.ignore_env}

    def start(self, n: int, km_class_for, kernel_name: str, log_path: Path, cwd: Path, drain):
        """Start `drain(kernel)` on `n` pooled kernels at once (cwd: where the next notebook runs);
        returns the function that waits for them and gives the kernels back to the pool."""
        with self._lock:
            slots = [self._idle.pop() for _ in range(min(n, len(self._idle)))]
            while len(slots) < n:
                slot = _Slot(km_class_for, kernel_name, len(self._all))
                self._all.append(slot)
                slots.append(slot)
        env = self.env()
        done = []
        for slot in slots:
            slot.log_path = log_path
            slot.kernel.cwd = Path(cwd)
            finished = threading.Event()
            done.append(finished)
            slot.inbox.put((drain, env, finished))

        def finish() -> None:
            for finished in done:
                finished.wait()
            with self._lock:
                self._idle.extend(slots)
        return finish

    def close(self) -> None:
        """Shut every pooled kernel down (each on its own thread)."""
        with self._lock:
            slots, self._all, self._idle = self._all, [], []
        for slot in slots:
            slot.inbox.put(None)
        for slot in slots:
            slot.thread.join(timeout=30)


_POOL: KernelPool | None = None


def keep_warm(ignore_env=()) -> KernelPool:
    """Keep report kernels between runs in this process (test suites, long-lived callers); a change
    of os.environ, except the names in `ignore_env`, starts fresh kernels."""
    global _POOL
    if _POOL is None:
        _POOL = KernelPool(ignore_env)
    return _POOL


def pool() -> KernelPool | None:
    return _POOL
