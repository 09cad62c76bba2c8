"""Shared test data, built once per session (per xdist worker), and how the suite is spread over
xdist workers.

The expensive inputs are built once and shared by every test that only reads them:
`seed_clean`/`seed_tables` (the five seeds ingested), `raw_clean`/`raw_tables` (data/raw: the
seeds and the three real 部门决算 PDFs, ingested once — the report run and the department-PDF
test read it). Under `pytest -n N --dist loadfile` (the default, see pyproject.toml) each test
module runs whole on one worker, so a fixture only its module uses (an OCR'd scan set, a report
run, an ingested corpus) is built once; a session fixture several modules use is built at most
once per worker. Modules are sent heaviest first. (`--dist loadgroup` is not used: under pytest 9
the xdist_group mark no longer reaches the node id xdist 3.8 schedules by, so every worker built
every expensive fixture.)"""
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
TRUTH = ROOT / "tests" / "truth"
SEEDS = sorted(RAW.glob("0*_*.txt"))

# onnxruntime's default thread pool spins on every core; with several xdist workers (and other
# jobs) on a small machine one OCR thread per process is faster and leaves the results alike.
# Set before any test imports evalkit.readers.ocr; inherited by ingest's worker processes.
os.environ.setdefault("EVALKIT_OCR_THREADS", "1")

# Test modules import nbformat (papermill's jsonschema): keep out the optional rfc3987_syntax grammars
# as `evalkit report` does (seconds of CPU per worker, see report.runner.skip_iri_grammars).
from evalkit.report.runner import skip_iri_grammars  # noqa: E402

skip_iri_grammars()

# Report runs in one test process share their kernels (report/kernel_pool.py): each later run skips
# ≈ 5 s of kernel start and imports per kernel. PYTEST_CURRENT_TEST changes per test, and
# EVALKIT_NOTEBOOKS is read by the runner only: neither is worth a new kernel.
from evalkit.report.kernel_pool import keep_warm  # noqa: E402

keep_warm(ignore_env={"PYTEST_CURRENT_TEST", "EVALKIT_NOTEBOOKS"})


def pytest_sessionfinish(session):
    """The kept kernels are shut down with the session (atexit would do it too, later)."""
    from evalkit.report.kernel_pool import pool
    if pool() is not None:
        pool().close()


# The heaviest modules first (wall seconds per module under -n 2 on 2 shared cores), so the
# longest groups start at once and the small ones fill the gaps.
HEAVY_FIRST = ["test_ocr.py", "test_incremental.py", "test_report.py", "test_output_safety.py",
               "test_charts.py", "test_checks.py", "test_properties.py", "test_office.py", "test_review.py",
               "test_bad_corpus.py", "test_kernels.py", "test_dask.py", "test_dept_summary.py", "test_cache.py",
               "test_scheduling.py", "test_dataset_safety.py", "test_synth.py", "test_numbers.py",
               "test_pages.py", "test_locations.py", "test_formats.py", "test_analysis.py", "test_ingest.py"]

def run_cli(*args, env=None):
    """`python -m evalkit ARGS` run in this process (a subprocess costs ≈ 1 CPU-s to start and import):
    exit code, stdout and stderr as subprocess.run(text=True) gives them, warnings printed as a fresh
    interpreter prints them. For tests where the process itself (a kill, a lock held by another
    process, what a fresh process imports, `--debug`'s uncaught traceback) is not what is tested."""
    import contextlib
    import io
    import subprocess
    import warnings
    from evalkit import cli
    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.resetwarnings()              # the interpreter's defaults, not pytest's
            for cat in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", cat)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            try:
                rc = cli.main(argv)
            except SystemExit as e:               # argparse: usage errors, --help
                rc = cli.exit_code(e, err)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return subprocess.CompletedProcess(["evalkit", *argv], int(rc), out.getvalue(), err.getvalue())


_SCRIPT_RUNNER = """import runpy, sys
from evalkit.cli import exit_code, exit_now
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
    code = 0
except SystemExit as e:
    code = exit_code(e)
exit_now(code)
"""


def rezip(src, dst, edit=lambda name, data: data, extra=()):
    """Copy a ZIP package (DOCX, XLSX, ODF) member by member through edit(name, data) -> bytes, or None to leave
    the member out, adding `extra` (name, bytes) members."""
    import zipfile
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in extra:
            zout.writestr(name, data)
    return dst


def read_columns(df) -> list[str]:
    """A table's columns that say what was read, for comparing two files' readings: not its ids, its file's name or
    the places in the file (loc_*, location)."""
    return [c for c in df.columns if c not in ("project_id", "report_id", "source_file") and not c.startswith("loc")]


def page_parts(page) -> tuple[list[list[dict]], list[tuple[float, float, float, float]]]:
    """A pdfplumber page as a converter taking it apart writes it: its glyph runs (chars on one line, of one size,
    a gap under the size apart), and each ruling as the bar a filled rectangle draws (x, y, width, height in points
    from the top left): what the drawn-table tests build Word text boxes and slide shapes from."""
    runs: list[list[dict]] = []
    for ch in page.chars:
        last = runs[-1][-1] if runs else None
        if last and abs(last["top"] - ch["top"]) < 0.5 and last["size"] == ch["size"] \
                and 0 <= ch["x0"] - last["x1"] < ch["size"]:
            runs[-1].append(ch)
        else:
            runs.append([ch])
    bars = []
    for ln in page.lines:
        x0, x1, t, b, w = ln["x0"], ln["x1"], ln["top"], ln["bottom"], ln.get("linewidth", 0.5)
        bars.append((x0, t - w / 2, x1 - x0, w) if x1 - x0 >= b - t else (x0 - w / 2, t, w, b - t))
    return runs, bars


def run_script(script, *args, timeout=300):
    """`python SCRIPT ARGS` in a fresh process, ended by `cli.exit_now` as the `evalkit` command is:
    Arrow's thread pools cannot then abort it (SIGABRT) in the interpreter's teardown after it printed
    its result (truthcheck reads Parquet)."""
    import subprocess
    return subprocess.run([sys.executable, "-c", _SCRIPT_RUNNER, str(script), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def no_soffice(tmp_path, monkeypatch):
    """A machine without LibreOffice: an empty PATH, no EVALKIT_SOFFICE, no known install place."""
    from evalkit.readers import office
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("EVALKIT_SOFFICE", raising=False)
    monkeypatch.setattr(office, "KNOWN_PATHS", ())
    assert office.find_soffice() is None


@pytest.fixture()
def folder(tmp_path):
    """A writable copy of the five seeds (tests that change, add or remove input files)."""
    import shutil
    d = tmp_path / "raw"
    d.mkdir()
    for s in SEEDS:
        shutil.copy(s, d / s.name)
    return d


@pytest.fixture(scope="session")
def seed_clean(tmp_path_factory):
    """The five seeds ingested once (checks included) into a clean folder; do not write to it."""
    from evalkit.ingest import ingest_paths
    out = tmp_path_factory.mktemp("clean") / "clean"
    tables = ingest_paths(SEEDS, out, progress=False)
    return out, tables


@pytest.fixture(scope="session")
def seed_tables(seed_clean):
    """The five seeds ingested once per test session (checks included)."""
    return seed_clean[1]


def _once_per_run(tmp_path_factory, name: str) -> tuple[Path, object]:
    """(folder, lock) for a dataset every xdist worker of this run shares: the first worker to take the
    lock builds it, the others wait and read it (without xdist: a folder of this session)."""
    import fcntl
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        base = tmp_path_factory.mktemp(name)
    else:                                   # the workers' temp folders share this parent
        base = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
        base.mkdir(exist_ok=True)
    fh = open(base / ".build.lock", "w")
    fcntl.flock(fh, fcntl.LOCK_EX)
    return base, fh


@pytest.fixture(scope="session")
def raw_clean(tmp_path_factory):
    """data/raw (the seeds and the three real PDFs) ingested once per run (≈ 11 CPU-s; one worker
    builds it, the others read it) into a clean folder, read by the report run and by every test
    that needs the PDFs' rows; do not write to it."""
    from evalkit.ingest import ingest_paths
    base, lock = _once_per_run(tmp_path_factory, "raw_clean")
    out = base / "clean"
    try:
        if not (base / "built").exists():
            ingest_paths([RAW], out, progress=False)
            (base / "built").touch()
    finally:
        lock.close()
    assert (out / "projects.parquet").exists()
    return out


@pytest.fixture(scope="session")
def raw_tables(raw_clean):
    from evalkit import load
    return load(raw_clean)


def previous_year(text: str, drop_every: int = 0) -> str:
    """A seed's text as the report of the year before: every `20xx 年` one year earlier and, with
    `drop_every` k, every k-th project table (`# 项目支出绩效自评表` section) left out, so the
    year's counts, rates and scores differ from the seed's."""
    text = re.sub(r"(?<!\d)(20[12]\d)(?=\s*年)", lambda m: str(int(m.group(1)) - 1), text)
    if drop_every:
        head, *tables = re.split(r"(?m)^(?=# 项目支出绩效自评表)", text)
        text = head + "".join(t for i, t in enumerate(tables, 1) if i % drop_every)
    return text


TWO_YEAR_COPIES = {"000_": 0, "001_": 0, "003_": 3}   # seed -> drop_every for its earlier year


def statement_only_report(seed: int = 13) -> str:
    """A synthetic 部门决算 (`evalkit.synth`'s juesuan layout, as the 普陀区 realdocs) whose only
    results are one 绩效自评 sentence: project count, funds, average score and grade counts."""
    import random
    from evalkit import synth
    rep = synth.Generator(seed, error_rate=0.0).report(0, "juesuan", "txt")
    return synth.render_juesuan(rep, random.Random(f"{seed}:0:render"))


@pytest.fixture(scope="session")
def two_year_clean(tmp_path_factory):
    """(clean_dir, tables): the five seeds, three of them also as the year before (大厂回族自治县
    with every third project left out), and a county with statements only (a synthetic 部门决算,
    in both years), ingested once (a few seconds: text only); do not write to it."""
    import shutil
    from evalkit.ingest import ingest_paths
    base = tmp_path_factory.mktemp("two_year")
    docs = base / "docs"
    docs.mkdir()
    for s in SEEDS:
        shutil.copy(s, docs / s.name)
    for prefix, drop in TWO_YEAR_COPIES.items():
        src = seed(prefix)
        text = previous_year(src.read_text(encoding="utf-8"), drop)
        (docs / f"{src.stem}_上年.txt").write_text(text, encoding="utf-8")
    statement = statement_only_report()
    (docs / "900_部门决算.txt").write_text(statement, encoding="utf-8")
    (docs / "900_部门决算_上年.txt").write_text(previous_year(statement), encoding="utf-8")
    out = base / "clean"
    tables = ingest_paths([docs], out, progress=False)
    return out, tables


def seed(prefix: str) -> Path:
    return next(p for p in SEEDS if p.name.startswith(prefix))


def _module(item) -> str:
    return item.nodeid.partition("::")[0].rsplit("/", 1)[-1]


def pytest_collection_modifyitems(config, items):
    """Heaviest modules first (xdist's loadfile sends the files in collection order)."""
    rank = {name: i for i, name in enumerate(HEAVY_FIRST)}
    items.sort(key=lambda it: rank.get(_module(it), len(rank)))
