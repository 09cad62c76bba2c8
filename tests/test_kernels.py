"""Warm kernels (report/kernels.py): one kernel runs a worker's notebooks in turn, each starting clean."""
import json
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from evalkit.report.kernels import WarmKernel
from evalkit.report.runner import KERNEL, _kernel_manager_class


def _nb(path, *cells):
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return str(path)


def _out(path) -> dict:
    nb = nbformat.read(str(path), as_version=4)
    texts = [o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    return json.loads("".join(texts).strip().splitlines()[-1])


@pytest.fixture
def kernel(tmp_path):
    k = WarmKernel(_kernel_manager_class(tmp_path / "log.txt"), KERNEL, tmp_path)
    yield k
    k.close()


REPORT = "import json, os, sys\nprint(json.dumps({'pid': os.getpid(), 'x': 'x' in globals(), 'cwd': os.getcwd(), 'pandas': 'pandas' in sys.modules}))"


def test_second_notebook_runs_in_the_same_kernel_with_a_clean_namespace(kernel, tmp_path):
    first = _nb(tmp_path / "a.ipynb", "import pandas\nimport os\nx = 1\nos.chdir('/')", REPORT)
    second = _nb(tmp_path / "b.ipynb", REPORT)
    kernel.run(first, str(tmp_path / "a.out.ipynb"), resources={"metadata": {"path": str(tmp_path)}}, progress_bar=False)
    kernel.run(second, str(tmp_path / "b.out.ipynb"), resources={"metadata": {"path": str(tmp_path)}}, progress_bar=False)
    a, b = _out(tmp_path / "a.out.ipynb"), _out(tmp_path / "b.out.ipynb")
    assert a["pid"] == b["pid"]                        # one kernel for both
    assert a["x"] and not b["x"]                       # the first notebook's names are gone
    assert b["cwd"] == str(tmp_path)                   # and its chdir undone
    assert b["pandas"]                                 # imports stay warm: the point of reusing it


def test_a_failing_cell_keeps_the_kernel_and_the_next_notebook_runs(kernel, tmp_path):
    from papermill.exceptions import PapermillExecutionError
    bad = _nb(tmp_path / "bad.ipynb", "import os\nprint(os.getpid())", "raise ValueError('坏')")
    with pytest.raises(PapermillExecutionError):
        kernel.run(bad, str(tmp_path / "bad.out.ipynb"), progress_bar=False)
    good = _nb(tmp_path / "good.ipynb", REPORT)
    kernel.run(good, str(tmp_path / "good.out.ipynb"), progress_bar=False)
    assert not _out(tmp_path / "good.out.ipynb")["x"]


def test_the_output_notebook_is_written_when_it_ends_not_at_every_cell(kernel, tmp_path, monkeypatch):
    """papermill writes the whole output notebook at each cell's start and end (a county profile's charts make it
    0.6 MB, twice a cell): within SAVE_EVERY seconds only the final writes happen, and they hold every output;
    a failing notebook is written with its error too."""
    import papermill.engines
    from papermill.exceptions import PapermillExecutionError
    writes = []
    real = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, path: (writes.append(path), real(nb, path)))
    cells = [f"print({i})" for i in range(12)]
    kernel.run(_nb(tmp_path / "a.ipynb", *cells), str(tmp_path / "a.out.ipynb"), progress_bar=False)
    nb = nbformat.read(str(tmp_path / "a.out.ipynb"), as_version=4)
    assert [c.outputs[0]["text"].strip() for c in nb.cells] == [str(i) for i in range(12)]
    assert 1 <= len(writes) <= 3            # notebook start and end (papermill: 2 + 2 a cell, 26 here)
    writes.clear()
    with pytest.raises(PapermillExecutionError):
        kernel.run(_nb(tmp_path / "bad.ipynb", *cells[:5], "raise ValueError('坏')", "print('never')"),
                   str(tmp_path / "bad.out.ipynb"), progress_bar=False)
    bad = nbformat.read(str(tmp_path / "bad.out.ipynb"), as_version=4)
    outs = [o for c in bad.cells if c.cell_type == "code" for o in c.outputs]
    assert [o.get("text", o.get("ename", "")).strip() for o in outs] == ["0", "1", "2", "3", "4", "ValueError"]
    assert len(writes) <= 4


def test_a_dead_kernel_is_replaced_for_the_next_notebook(kernel, tmp_path):
    first = _nb(tmp_path / "a.ipynb", REPORT)
    kernel.run(first, str(tmp_path / "a.out.ipynb"), progress_bar=False)
    pid = _out(tmp_path / "a.out.ipynb")["pid"]
    dies = _nb(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    with pytest.raises(Exception):
        kernel.run(dies, str(tmp_path / "dies.out.ipynb"), progress_bar=False, start_timeout=60)
    kernel.run(first, str(tmp_path / "c.out.ipynb"), progress_bar=False)
    assert _out(tmp_path / "c.out.ipynb")["pid"] != pid


def test_report_process_skips_the_iri_grammars_and_still_validates_notebooks():
    """jsonschema's optional rfc3987_syntax compiles Earley grammars on import (seconds a process);
    the report steps keep it out, and nbformat still validates (no notebook schema uses `iri`)."""
    import subprocess
    code = ("import sys\nfrom evalkit.report.runner import check_parameters, find_notebooks_dir\n"
            "check_parameters(find_notebooks_dir() / '30_regional_summary.ipynb', {})\n"
            "import nbformat\n"
            "nb = nbformat.read(str(find_notebooks_dir() / '30_regional_summary.ipynb'), as_version=4)\n"
            "nbformat.validate(nb)\n"
            "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'code'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('invalid caught')\n"
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is None)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ["invalid", "caught", "True"]



def _run_notebooks(folder, body):
    """The four notebooks as their real parameters cell and `body`."""
    from evalkit.report import runner
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("00_explore", "10_county_profile", "20_cross_county", "30_regional_summary"):
        params = next(c for c in nbformat.read(runner.find_notebooks_dir() / f"{name}.ipynb", as_version=4).cells
                      if "parameters" in c.metadata.get("tags", []))
        nb = new_notebook(cells=[params, new_code_cell(body)])
        nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, str(folder / f"{name}.ipynb"))
    return folder


def _executed(clean, out, nbs):
    """A report run's notebooks executed (runner steps plan, start, execute): its run folder and
    what each notebook printed."""
    from evalkit.report import runner
    pl = runner.plan(runner.ReportParams(clean, out, progress=False, county_profiles=False, workers=1,
                                         notebooks_dir=nbs))
    runner.start(pl)
    runner.execute(pl)
    assert [j.status for j in pl.jobs] == ["ok"] * len(pl.jobs)
    return pl.run_dir, [_out(p) for p in sorted((pl.run_dir / "notebooks").glob("*.ipynb"))]


def test_a_kept_kernel_serves_the_next_run_with_a_clean_namespace(seed_clean, tmp_path, monkeypatch):
    """keep_warm (the suite's setting): a second report run in this process runs in the first run's
    kernel, without the first run's names and in its own folder; the kernel's own output goes to the
    log of the run using it; another environment gets another kernel."""
    import time
    from evalkit.report.kernel_pool import keep_warm
    keep_warm()
    clean = seed_clean[0]
    nb1 = _run_notebooks(tmp_path / "nb1", "import os, sys\nx = 1\nos.chdir('/')\n"
                                           "print('紧要输出', file=sys.__stderr__, flush=True)\n" + REPORT)
    nb2 = _run_notebooks(tmp_path / "nb2", REPORT)
    first, a = _executed(clean, tmp_path / "r1", nb1)
    second, b = _executed(clean, tmp_path / "r2", nb2)
    assert len({o["pid"] for o in a + b}) == 1                 # one kernel for both runs
    assert all(o["x"] for o in a) and not any(o["x"] for o in b)
    assert {o["cwd"] for o in b} == {str(second)}
    for _ in range(50):                                        # the kernel's stderr, through a pipe
        if "紧要输出" in (first / "report.log").read_text(encoding="utf-8"):
            break
        time.sleep(0.1)
    assert "紧要输出" in (first / "report.log").read_text(encoding="utf-8")
    log2 = second / "report.log"                               # none: nothing was written for it
    assert not log2.exists() or "紧要输出" not in log2.read_text(encoding="utf-8")
    monkeypatch.setenv("EVALKIT_CJK_FONT", "/no/such/font.ttf")   # read by the kernel's evalkit
    _, c = _executed(clean, tmp_path / "r3", nb2)
    assert {o["pid"] for o in c} != {a[0]["pid"]} and len({o["pid"] for o in c}) == 1


def test_kernels_started_at_once_talk_over_their_own_unix_sockets(tmp_path):
    """Two kernels starting together (two report workers, or two processes) must not share a port or
    a socket: each gets its own socket path, the notebooks run, and closing removes the sockets."""
    import glob
    import os
    import threading
    if os.name != "posix":
        pytest.skip("Unix sockets only on POSIX")
    nb = _nb(tmp_path / "a.ipynb", REPORT)
    kernels = [WarmKernel(_kernel_manager_class(tmp_path / "log.txt"), KERNEL, tmp_path) for _ in range(2)]
    errors = []

    def go(i):
        try:
            kernels[i].run(nb, str(tmp_path / f"out{i}.ipynb"), progress_bar=False)
        except Exception as e:     # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ips = [k.km.ip for k in kernels]
    assert [k.km.transport for k in kernels] == ["ipc", "ipc"] and len(set(ips)) == 2
    assert all(glob.glob(ip + "-*") for ip in ips)               # the sockets exist while they run
    assert _out(tmp_path / "out0.ipynb")["pid"] != _out(tmp_path / "out1.ipynb")["pid"]
    for k in kernels:
        k.close()
    assert not any(glob.glob(ip + "-*") for ip in ips)


def _dying_first(tmp_path, deaths):
    """The report's kernel manager whose first `deaths` kernels exit at once (as one that lost its
    port does), counting every launch."""
    base = _kernel_manager_class(tmp_path / "log.txt")

    class Dying(base):
        launches = 0

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            Dying.launches += 1
            if Dying.launches <= deaths:
                kernel_cmd = [sys.executable, "-c", "import sys; sys.exit(1)"]
            return await super()._async_launch_kernel(kernel_cmd, **kw)
    return Dying


def test_a_kernel_that_dies_before_its_first_reply_is_started_once_more(tmp_path, caplog):
    km_class = _dying_first(tmp_path, deaths=1)
    k = WarmKernel(km_class, KERNEL, tmp_path)
    try:
        with caplog.at_level("WARNING", logger="evalkit.report"):
            k.run(_nb(tmp_path / "a.ipynb", REPORT), str(tmp_path / "a.out.ipynb"), progress_bar=False)
    finally:
        k.close()
    assert km_class.launches == 2
    assert not _out(tmp_path / "a.out.ipynb")["x"]
    assert any("内核启动失败" in r.getMessage() for r in caplog.records)


def test_a_kernel_that_never_starts_fails_after_the_second_try(tmp_path):
    km_class = _dying_first(tmp_path, deaths=99)
    k = WarmKernel(km_class, KERNEL, tmp_path)
    with pytest.raises(RuntimeError, match="Kernel died"):
        k.run(_nb(tmp_path / "a.ipynb", REPORT), str(tmp_path / "a.out.ipynb"), progress_bar=False)
    assert km_class.launches == 2 and k.km is None


def test_a_runtime_folder_it_cannot_write_falls_back_to_tcp(tmp_path, monkeypatch):
    """A service whose home is read-only: no socket can be made there, so the kernels use TCP and still run."""
    import os
    from evalkit.report.runner import ipc_address
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(ro))
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: str(path) != str(ro) and real(path, mode, **kw))
    assert ipc_address() is None
    k = WarmKernel(_kernel_manager_class(tmp_path / "log.txt"), KERNEL, tmp_path)
    try:
        k.run(_nb(tmp_path / "a.ipynb", REPORT), str(tmp_path / "a.out.ipynb"), progress_bar=False)
        assert k.km.transport == "tcp"
    finally:
        k.close()
    assert not _out(tmp_path / "a.out.ipynb")["x"]
