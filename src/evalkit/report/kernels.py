"""Warm kernels: each report worker keeps one Jupyter kernel and runs its notebooks in it one after
another, so a run pays the kernel start and the pandas/matplotlib/evalkit imports once per worker,
not once per notebook (≈ 5 s of CPU each).

Between notebooks the kernel's namespace is reset (`%reset -f`), its figures closed and its working
directory put back; imported modules stay loaded, which is the point. A kernel that died or timed
out is shut down and the next notebook gets a fresh one.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE = "evalkit-warm"
START_ATTEMPTS = 2
# papermill writes the whole output notebook at every cell's start and end (≈ 50 writes of a county profile whose
# charts make it 0.6 MB, ≈ 0.2 s of its 2.3 s); between cells it is now written at most this often, and always
# when the notebook ends or fails (papermill's notebook_complete)
SAVE_EVERY = 5.0
log = logging.getLogger("evalkit.report")


def failed_to_start(e: BaseException) -> bool:
    """nbclient's errors for a kernel that never answered its first request (died, or silent until
    the start timeout): raised before any cell is sent."""
    return isinstance(e, RuntimeError) and str(e).startswith(("Kernel died before replying",
                                                               "Kernel didn't respond"))


def reset_code(cwd: Path) -> str:
    """What runs in a reused kernel before the next notebook's first cell."""
    return ("get_ipython().run_line_magic('reset', '-f')\n"
            "import gc as _gc, os as _os\n"
            "import matplotlib.pyplot as _plt\n"
            "_plt.close('all')\n"
            f"_os.chdir({json.dumps(str(cwd))})\n"
            "_gc.collect()\n"
            "del _gc, _os, _plt\n")


class _Client(PapermillNotebookClient):
    """papermill's client, which first resets a reused kernel and always closes its own channels."""

    def __init__(self, nb_man, reset: str | None = None, **kw):
        super().__init__(nb_man, **kw)
        self._reset = reset

    def papermill_execute_cells(self):
        if self._reset:
            reply = self.wait_for_reply(self.kc.execute(self._reset, silent=True, store_history=False))
            if reply is None or reply["content"].get("status") != "ok":
                raise RuntimeError("复用内核的重置失败（reset of a reused kernel failed）")
        return super().papermill_execute_cells()


def throttle_saves(nb_man, every: float = SAVE_EVERY) -> None:
    """Make `nb_man.save` write at most once every `every` seconds (papermill calls it twice a cell); deleting the
    instance attribute afterwards restores the real save for the notebook's final write."""
    real, last = nb_man.save, [time.monotonic()]

    def save(**kwargs):
        if time.monotonic() - last[0] >= every:
            real(**kwargs)
            last[0] = time.monotonic()

    nb_man.save = save


class WarmEngine(NBClientEngine):
    """NBClientEngine on a caller's kernel manager (`km=`): the kernel outlives the notebook."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        kwargs = remove_args(["input_path"], **kwargs)
        safe = remove_args(["timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(safe, timeout=execution_timeout or kwargs.get("timeout"),
                             startup_timeout=start_timeout, kernel_name=kernel_name,
                             log=logger, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file)
        client = _Client(nb_man, **final)
        throttle_saves(nb_man)
        try:
            return client.execute()
        finally:
            del nb_man.save       # the class's own save again: the finished notebook is written in full
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One kernel kept by one worker thread (its asyncio loop is that thread's): `run` executes a
    notebook in it; `close` shuts it down. Use it from the thread that made it."""

    def __init__(self, km_class, kernel_name: str, cwd: Path):
        self.km_class, self.kernel_name, self.cwd = km_class, kernel_name, Path(cwd)
        self.km = None
        self.used = 0

    def run(self, src: str, dst: str, **pm_kwargs):
        """Execute one notebook; a new kernel that dies before its first reply is started once more
        (no cell has run yet, so nothing runs twice)."""
        for attempt in range(START_ATTEMPTS):
            fresh = self.km is None
            try:
                return self._run(src, dst, **pm_kwargs)
            except Exception as e:
                if not (fresh and failed_to_start(e)) or attempt + 1 == START_ATTEMPTS:
                    raise
                log.warning("内核启动失败（%s），重新启动一次：%s", e, Path(src).name)

    def _run(self, src: str, dst: str, **pm_kwargs):
        import papermill as pm
        if self.km is None:
            self.km, self.used = self.km_class(kernel_name=self.kernel_name), 0
        reset = reset_code(self.cwd) if self.used else None
        self.used += 1
        try:
            return pm.execute_notebook(src, dst, engine_name=ENGINE, kernel_name=self.kernel_name,
                                       km=self.km, reset=reset, **pm_kwargs)
        except Exception as e:
            from papermill.exceptions import PapermillExecutionError
            if not isinstance(e, PapermillExecutionError) or not self._alive():
                self.close()          # timeout, dead kernel ...: the next notebook gets a new one
            raise

    def _alive(self) -> bool:
        from jupyter_client.utils import run_sync
        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def kill(self) -> None:
        """End the kernel's process from another thread (a stopped run): the notebook running in it
        fails at once, and the thread that owns it closes it (connection file and sockets removed)."""
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def close(self) -> None:
        if self.km is None:
            return
        from jupyter_client.utils import run_sync
        km, self.km = self.km, None
        try:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:
            pass
