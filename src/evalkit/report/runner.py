"""`evalkit report`: run the notebook suite on the clean tables and export the briefing.

    run_report("data/clean", "reports", region=<省>, year=2022) -> reports/<省>/<省>-2022-<ts>/

A run is named steps on a `ReportParams`: `plan` (check the selection, build the Views, list the
notebook jobs and check their parameters; writes nothing), then under the reports folder's lock
`start` (run folder, dataset snapshot), `execute` (papermill), `render` (HTML), `export` (workbook,
deck from the same Views) and `finalize` (index, run.json, `latest`, pruning).

One run = one folder `reports/<region>/<region>-<year>-<UTC timestamp>/` holding
- `notebooks/`  the executed notebooks (papermill, Python API, kernel python3; each of the `workers`
                threads keeps one warm kernel and runs its notebooks in it, see report/kernels.py):
                00_explore, 20_cross_county, 30_regional_summary, 10_county_profile-<县区> …
                (the notebooks ship inside the package: evalkit/notebooks/)
- `html/`       each notebook as HTML without code (nbconvert, exclude_input), `index.html` links all
- `charts/`     the briefing charts (PNG 200 dpi + SVG, 16:9, `charts.json` with titles/takeaways);
                `charts/counties/<县区>/` for the county profiles
- `summary.xlsx`, `briefing.pptx`, `report.log`, `run.json` (parameters, timings, status, headline)
- `index.html`  the landing page: headline figures, chart thumbnails, county pages by name, exports
and `reports/<region>/latest` is switched (atomically) to the region's newest successful run
(`reports/latest` to the newest successful run of any region); `reports/index.html` lists every run.

A notebook that raises keeps its executed copy (with the traceback) in `notebooks/`, the
run is marked failed in run.json, `latest` is left alone, and `NotebookFailed` is raised
naming the notebook and the cell. A run stopped midway (Ctrl-C, SIGTERM) ends its kernels, keeps
what it wrote with run.json `stopped`, and leaves `latest` alone. Runs are independent (a new folder each time, nothing
read from earlier runs), so a scheduled job can repeat safely; a lock file stops two runs
from writing into the same reports folder at once.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from evalkit.errors import EXIT_FAILED, Busy, DatasetError, EvalkitError, NothingSelected, UsageError
from evalkit.report import selection as sel
from evalkit.report.views import Views

__all__ = ["run_report", "ReportParams", "Plan", "plan", "execute", "render", "export", "finalize",
           "check_parameters", "NotebookFailed", "ReportBusy", "find_notebooks_dir", "NOTEBOOKS"]

NOTEBOOKS = ("30_regional_summary", "20_cross_county", "10_county_profile", "00_explore")
NO_CHARTS = {"00_explore"}   # notebooks without a charts_dir parameter
TITLES = {"30_regional_summary": "区域绩效自评简报", "20_cross_county": "跨县区比较",
          "10_county_profile": "县区画像", "00_explore": "数据探索"}   # page titles, without file numbers
KERNEL = "python3"
STOP_WAIT = 30      # seconds a stopped run waits for each notebook thread to close its killed kernel
GLYPH_WARNING = re.compile(r"Glyph \d+ .*missing from (current )?font", re.I)
log = logging.getLogger("evalkit.report")
# --county-profiles: which counties get a profile notebook (a province has 100+: `flagged` keeps the run short)
COUNTY_PROFILES = {"all": "全部县区", "flagged": "有红旗或错误级检查问题的县区", "none": "不生成县区简报"}


class NotebookFailed(EvalkitError):
    """A notebook raised while executing. The executed notebook (with the error) is kept."""
    exit_code = EXIT_FAILED

    def __init__(self, notebook: str, cell: int | None, exec_count: int | None, error: str,
                 output: Path, source: str = "", others: Iterable[str] = ()):
        self.notebook, self.cell, self.exec_count, self.error = notebook, cell, exec_count, error
        self.output, self.source, self.others = output, source, list(others)
        where = f"第 {cell} 个单元格（cell {cell}" if cell is not None else "任何单元格运行之前（before any cell ran"
        where += f"，In [{exec_count}]）" if exec_count is not None else "）"
        first = source.strip().splitlines()[0][:80] if source.strip() else ""
        msg = f"笔记本 {notebook} 在{where}出错：{error}"
        if first:
            msg += f"\n  该单元格开头：{first}"
        msg += f"\n  含错误信息的已执行笔记本：{output}"
        if self.others:
            msg += "\n  另有失败：" + "、".join(self.others)
        super().__init__(msg)


class ReportBusy(Busy):
    """Another report run holds the lock on this reports folder."""


@dataclass
class _Job:
    notebook: str              # source notebook stem, e.g. 10_county_profile
    stem: str                  # output stem, e.g. 10_county_profile-<县区>
    parameters: dict           # the notebook's own parameters; clean_dir/charts_dir are added per run
    charts: str | None = None  # charts sub-folder of the run (None: the notebook writes no chart files)
    label: str = ""            # the county a profile is about (its display name)
    seconds: float = 0.0
    status: str = "pending"    # ok / failed
    error: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers

def find_notebooks_dir(explicit: str | Path | None = None) -> Path:
    """The notebook sources: `explicit`, $EVALKIT_NOTEBOOKS, else the ones shipped in the package."""
    for c in (explicit, os.environ.get("EVALKIT_NOTEBOOKS"), Path(__file__).resolve().parents[1] / "notebooks"):
        if c and (Path(c) / "30_regional_summary.ipynb").is_file():
            return Path(c).resolve()
    raise UsageError("找不到报告用的 notebooks（30_regional_summary.ipynb）",
                     "请重新安装 evalkit，或设置 EVALKIT_NOTEBOOKS 指向 notebooks 文件夹")


class _Lock:
    """The reports folder's lock (filelock: works on every platform); a second run refuses."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = None

    def __enter__(self):
        from filelock import FileLock, Timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(self.path), timeout=0)
        try:
            self.lock.acquire()
        except Timeout:
            raise ReportBusy(f"另一个 evalkit report 正在写入 {self.path.parent}（锁文件 {self.path}）",
                             "请等它结束后再运行") from None
        return self

    def __exit__(self, *exc):
        self.lock.release()


def snapshot_dataset(clean_dir: Path, dest: Path) -> Path:
    """Hard-link (else copy) the dataset into the run folder under the dataset's lock, so every
    notebook reads one generation even if an ingest replaces the dataset meanwhile."""
    from evalkit.store import copy_dataset, dataset_lock
    with dataset_lock(clean_dir, write=False):
        copy_dataset(clean_dir, dest)
    return dest


def _kernel_manager_class(log_path):
    """An AsyncKernelManager whose kernels write their own stdout/stderr into the run log,
    not onto the user's terminal (keeps the progress display clean). `log_path` is the log, or a
    function giving the log of the run now using the kernel (pooled kernels outlive a run)."""
    from jupyter_client import AsyncKernelManager

    src = str(Path(__file__).resolve().parents[2])   # the folder holding this evalkit package

    class _LoggingKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            super().__init__(**kw)
            ipc = ipc_address()
            if ipc is not None:     # no TCP port to lose to another process between choosing and binding it
                self.transport, self.ip, self.cache_ports = "ipc", ipc, False

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if callable(log_path):
                fh = _pump_into(log_path)
            else:
                fh = open(log_path, "ab")  # the child keeps its own copy of the descriptor
            try:
                env = dict(kw.get("env") or os.environ)   # the kernel imports this very evalkit
                env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
                kw["env"] = env
                kw["stdout"] = fh
                kw["stderr"] = fh
                if any("ipykernel" in str(a) for a in kernel_cmd):   # no "running over TCP" warnings in the log
                    kernel_cmd = [*kernel_cmd, "--IPKernelApp.log_level=ERROR"]
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                fh.close()

    return _LoggingKernelManager


def ipc_address() -> str | None:
    """A socket path prefix of this kernel's own in Jupyter's private runtime folder: kernels talk over
    Unix sockets, so two processes starting kernels at once cannot take each other's TCP port (the
    kernel then dies before replying to kernel_info: CI of stop 29). None on Windows or where the path
    would pass the 107-byte limit of a socket's name; TCP then."""
    if os.name != "posix":
        return None
    import uuid
    from jupyter_core.paths import jupyter_runtime_dir
    folder = Path(jupyter_runtime_dir())
    ip = str(folder / f"evalkit-{uuid.uuid4().hex[:16]}")
    if len(os.fsencode(ip)) + 3 > 100:         # "-N" is appended per socket
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return ip if os.access(folder, os.W_OK | os.X_OK) else None     # a read-only home (a hardened service): TCP


def _pump_into(current_log):
    """The write end of a pipe for a kernel's stdout/stderr; a thread appends what comes out of it
    to `current_log()` (the log of the run using the kernel now) until the kernel exits."""
    import threading
    r, w = os.pipe()

    def pump() -> None:
        with os.fdopen(r, "rb", buffering=0) as src:
            while chunk := src.read(65536):
                path = current_log()
                if path is not None:
                    with open(path, "ab") as fh:
                        fh.write(chunk)

    threading.Thread(target=pump, name="evalkit-kernel-log", daemon=True).start()
    return os.fdopen(w, "wb", buffering=0)


def _atomic_symlink(target_name: str, link: Path) -> None:
    tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target_name, tmp)
    if link.exists() and not link.is_symlink():
        raise DatasetError(f"{link} 已存在且不是符号链接，evalkit 不会覆盖它", "请移走它，之后的运行会重建该链接")
    os.replace(tmp, link)


def _glyph_warnings(nb) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if isinstance(text, list):
                text = "".join(text)
            for line in str(text).splitlines():
                if GLYPH_WARNING.search(line):
                    found.append(line.strip())
    return found


# What a page may keep of the notebooks' HTML (headings, paragraphs, lists, tables, links): nbconvert's
# own clean_html allows neither headings, paragraphs nor table headers and shows them as escaped text.
HTML_TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div",
                       "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre",
                       "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
                       "tr", "u", "ul"})
_WITH_BODY = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>", re.S | re.I)
HTML_ATTRIBUTES = {"*": ["class", "id", "title"], "a": ["href", "title"], "td": ["colspan", "rowspan"],
                   "th": ["colspan", "rowspan"]}


def clean_html(element) -> str:
    """Sanitize notebook HTML for a page: the tags above kept, anything else (script, style, iframe,
    event handlers, javascript: links) removed, never shown as escaped markup."""
    import bleach
    text = element.decode() if isinstance(element, bytes) else str(element)
    text = _WITH_BODY.sub("", text)          # their content is code, not text: dropped whole
    return bleach.clean(text, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, strip=True, strip_comments=True)


def html_exporter():
    """The page exporter (no code, sanitized); one per render step: its templates compile once."""
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, sanitize_html=True)  # defence in depth: no live markup from outputs
    exporter.register_filter("clean_html", clean_html)
    return exporter


def _to_html(nb, path: Path, title: str, exporter=None) -> None:
    body, _ = (exporter or html_exporter()).from_notebook_node(nb, resources={"metadata": {"name": title}})
    path.write_text(body, encoding="utf-8")


def page_title(job: _Job) -> str:
    """A notebook page's Chinese title, without the file number: 区域绩效自评简报, 县区画像：普陀区."""
    t = TITLES.get(job.notebook, job.notebook)
    return f"{t}：{job.label}" if job.label else t


# ----------------------------------------------------------------------------- the steps

@dataclass
class ReportParams:
    """What one `evalkit report` run is asked for (see run_report for each field)."""
    clean_dir: Path
    out_dir: Path = Path("reports")
    region: str | None = None
    years: object = None
    progress: bool = True
    notebooks_dir: Path | None = None
    raw_dir: Path | None = None
    county_profiles: str | bool | int | Iterable[str] = "all"
    grade_bands: dict | None = None
    low_execution: float = 90.0
    high_score: float = 90.0
    keep: int | None = None
    timeout: int = 600
    workers: int | None = None


@dataclass
class Plan:
    """A checked run: the selection's Views, labels and notebook jobs; `run_dir` once started."""
    params: ReportParams
    nb_dir: Path
    views: Views
    region_name: str
    years_name: str
    folder: str
    jobs: list[_Job]
    region_folder: str = "all"   # reports/<region_folder>/ holds the region's runs and its `latest`
    t_start: float = field(default_factory=time.monotonic)
    run_dir: Path | None = None
    data_dir: Path | None = None
    log_path: Path | None = None
    glyphs: list[str] = field(default_factory=list)
    profiled: list[str] = field(default_factory=list)    # counties with a profile notebook
    profiles_note: str = ""                               # which were left out and why, for the log and index

    @property
    def counties(self) -> list[str]:
        return self.views.counties

    @property
    def skipped_profiles(self) -> list[str]:
        return [c for c in self.counties if c not in set(self.profiled)]


def flagged_counties(vw: Views) -> list[str]:
    """Counties with at least one red flag or one error-level finding (not dismissed), in the Views' order."""
    hit = set(vw.red_flags["county_label"].dropna())
    f = vw.findings
    if len(f):
        hit |= set(f.loc[f["severity"].astype("object") == "error", "county_label"].dropna())
    return [c for c in vw.counties if c in hit]


def profile_counties(vw: Views, wanted) -> tuple[list[str], str]:
    """The counties that get a profile, and a sentence naming those left out: `wanted` is a mode of
    COUNTY_PROFILES, True/False, N (the N with most projects) or county labels."""
    if isinstance(wanted, str):
        mode = wanted.strip().lower()
        if mode not in COUNTY_PROFILES:
            raise UsageError(f"--county-profiles 的值“{wanted}”无效",
                             "可选：" + "；".join(f"{k}（{v}）" for k, v in COUNTY_PROFILES.items()))
        chosen = vw.counties if mode == "all" else flagged_counties(vw) if mode == "flagged" else []
        how = COUNTY_PROFILES[mode]
    elif isinstance(wanted, int) and not isinstance(wanted, bool):
        sizes = vw.projects["county_label"].value_counts()
        chosen = sorted(vw.counties, key=lambda c: -int(sizes.get(c, 0)))[:wanted]
        how = f"项目最多的 {wanted} 个县区"
    else:
        chosen = sel.pick(vw.counties, wanted)
        how = "全部县区" if wanted is True else "不生成县区简报" if not wanted else "指定的县区"
    left = [c for c in vw.counties if c not in set(chosen)]
    note = f"县区简报：{how}，生成 {len(chosen)} 个"
    if left:
        shown = "、".join(left[:20]) + (f" 等 {len(left)} 个" if len(left) > 20 else "")
        note += f"；未生成 {len(left)} 个（{shown}）"
    return list(chosen), note


def skip_iri_grammars() -> None:
    """Before nbformat/papermill load jsonschema: make its optional `rfc3987_syntax` import fail, so it
    does not compile ~35 Earley grammars (2–4 s of CPU a process) for the `iri` formats that no
    notebook schema uses (python-jsonschema#1428). Called by the report steps only: kernels and the
    user's own code are untouched."""
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None     # `import rfc3987_syntax` raises ImportError; jsonschema skips it


def check_parameters(nb_path: Path, parameters: Mapping) -> None:
    """UsageError (Chinese) when `parameters` names one the notebook's parameters cell does not declare."""
    skip_iri_grammars()
    import papermill as pm
    declared = set(pm.inspect_notebook(str(nb_path)))
    unknown = sorted(set(parameters) - declared)
    if unknown:
        raise UsageError(f"笔记本 {nb_path.name} 没有参数 {'、'.join(unknown)}（它的参数：{'、'.join(sorted(declared)) or '无'}）",
                         "请在该笔记本标记为 parameters 的单元格中声明这些参数，或改用与 evalkit 同版本的笔记本")


def plan(p: ReportParams) -> Plan:
    """Check the selection and the notebooks, compute the Views once and list the jobs; writes nothing."""
    from evalkit.fonts import setup_cjk_font
    nb_dir = find_notebooks_dir(p.notebooks_dir)
    setup_cjk_font()            # no CJK font (or a bad EVALKIT_CJK_FONT): say so before any work
    tables = sel.load_tables(p.clean_dir)  # DatasetError without a dataset
    try:
        t = sel.filter_tables(tables, region=p.region, years=p.years)
        region_name = sel.region_label(tables["reports"], p.region, tables)
    except ValueError as e:
        raise UsageError(str(e), "请用 --region 指定数据中已有的省、市或县区") from None
    years_name = sel.years_label(p.years)
    if t["reports"].empty:
        raise NothingSelected(f"{region_name} {years_name} 没有报告，未生成简报",
                              "reports/latest 保持不变；请检查 --region 和 --year")
    vw = Views(t, p.grade_bands, p.low_execution, p.high_score)
    places = vw.places.set_index("county_label")
    profile_for, profiles_note = profile_counties(vw, p.county_profiles)
    common = {"grade_bands": p.grade_bands, "low_execution": float(p.low_execution),
              "high_score": float(p.high_score)}
    yp = sel.years_param(p.years)
    jobs = [_Job("30_regional_summary", "30_regional_summary", {**common, "region": p.region, "years": yp}, "."),
            # 20 draws the same six comparisons as the briefing: shown in its HTML, not written twice
            _Job("20_cross_county", "20_cross_county", {**common, "region": p.region, "years": yp})]
    for c in profile_for:   # the county by its division code: two counties sharing a name stay apart
        key = places.at[c, "county_key"] if c in places.index else c
        jobs.append(_Job("10_county_profile", f"10_county_profile-{sel.slug(c)}",
                         {**common, "county": key, "years": yp, "inspect_dir": None}, f"counties/{sel.slug(c)}",
                         label=str(c)))
    jobs.append(_Job("00_explore", "00_explore", {"raw_dir": str(p.raw_dir) if p.raw_dir else None,
                                                  "interactive": False,   # no browser: static tables
                                                  "region": p.region, "years": yp}))
    for job in jobs:
        paths = {"clean_dir": None} | ({} if job.notebook in NO_CHARTS else {"charts_dir": None})
        check_parameters(nb_dir / f"{job.notebook}.ipynb", {**job.parameters, **paths})
    everywhere = p.region is None or (isinstance(p.region, str) and p.region.strip() in sel.ALL_REGION)
    region_folder = sel.slug('all' if everywhere else region_name)
    folder = f"{region_folder}-{sel.years_slug(p.years)}"
    return Plan(p, nb_dir, vw, region_name, years_name, folder, jobs, region_folder=region_folder,
                profiled=profile_for, profiles_note=profiles_note)


def start(pl: Plan) -> Plan:
    """Create the run folder (under the lock) with a snapshot of the dataset; fill in the jobs' paths."""
    out_dir = pl.params.out_dir / pl.region_folder
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = f"{pl.folder}-{stamp}"
    run = out_dir / base
    n = 2
    while run.exists():
        run = out_dir / f"{base}-{n}"
        n += 1
    for sub in ("notebooks", "html", "charts"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    pl.run_dir = run
    pl.data_dir = snapshot_dataset(pl.params.clean_dir, run / "data")   # every notebook reads this generation
    pl.log_path = run / "report.log"
    for job in pl.jobs:
        job.parameters = {"clean_dir": str(pl.data_dir), **job.parameters}
        if "inspect_dir" in job.parameters:
            job.parameters["inspect_dir"] = str((run / "html" / "inspect").resolve())
        if job.notebook not in NO_CHARTS:
            job.parameters["charts_dir"] = str((run / "charts" / job.charts).resolve()) if job.charts else None
    return pl


def inspect_pages(pl: Plan) -> dict:
    """html/inspect/: the inspect view of each file with a red flag in a profiled county, which the
    profiles link to (only flagged files, at most inspect_pages.MAX_FILES: each page re-reads its file)."""
    from evalkit.report.inspect_pages import write_pages
    keys = {str(j.parameters.get("county")) for j in pl.jobs if j.notebook == "10_county_profile"}
    flags = pl.views.red_flags
    if not keys or flags.empty:
        return write_pages(pl.views.tables, flags.iloc[:0], None, pl.run_dir / "html")
    label_key = pl.views.places.set_index("county_label")["county_key"].astype(str)
    mine = flags[flags["county_label"].map(label_key).isin(keys) | flags["county_label"].isin(keys)]
    m = write_pages(pl.views.tables, mine, pl.params.raw_dir, pl.run_dir / "html")
    log.info("inspect pages: %d written, %d skipped", len(m["pages"]), len(m["skipped"]))
    return m


def execute(pl: Plan, bar=None) -> list[_Job]:
    """Run every notebook job with papermill: `workers` threads, each keeping one warm kernel
    (report/kernels.py) that runs its notebooks in turn, or kernels kept from earlier runs of this
    process (report/kernel_pool.py, opt-in); failures are recorded, not raised."""
    import queue
    import threading

    skip_iri_grammars()

    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    from evalkit.report.kernels import WarmKernel
    p, run = pl.params, pl.run_dir
    km_class = _kernel_manager_class(pl.log_path)
    workers = max(1, min(p.workers or min(2, os.cpu_count() or 1), len(pl.jobs)))
    log.info("evalkit report: clean=%s region=%s year=%s -> %s", pl.data_dir, pl.region_name, pl.years_name, run)
    log.info("counties: %s; notebooks: %s", "、".join(pl.counties) or "-", ", ".join(j.stem for j in pl.jobs))
    log.info("%s", pl.profiles_note)

    def one(job: _Job, kernel: WarmKernel) -> _Job:
        src = pl.nb_dir / f"{job.notebook}.ipynb"
        dst = run / "notebooks" / f"{job.stem}.ipynb"
        log.info("run %s %s", job.stem, json.dumps(job.parameters, ensure_ascii=False))
        t0 = time.monotonic()
        try:
            kernel.run(str(src), str(dst), parameters=job.parameters, progress_bar=False,
                       # the kernel's working directory, set when it starts: papermill's cwd=
                       # chdir()s the whole process, which races between worker threads
                       resources={"metadata": {"path": str(run)}},
                       start_timeout=120, execution_timeout=p.timeout)
            job.status = "ok"
        except PapermillExecutionError as e:
            job.status = "failed"
            job.error = {"cell": e.cell_index, "exec_count": e.exec_count,
                         "error": f"{e.ename}: {e.evalue}", "source": e.source}
        except Exception as e:  # kernel died, timeout ...
            job.status = "failed"
            job.error = {"cell": None, "exec_count": None, "error": f"{type(e).__name__}: {e}", "source": ""}
        job.seconds = round(time.monotonic() - t0, 2)
        interrupted = job.error.get("error", "").startswith("KeyboardInterrupt")   # Ctrl-C reached the kernel too
        if job.status != "ok" and (halt.is_set() or interrupted):   # its kernel was ended: the run is stopping
            job.status, job.error = "stopped", {}
            log.info("stopped %s after %.1fs", job.stem, job.seconds)
        elif job.status == "ok":
            log.info("ok %s in %.1fs", job.stem, job.seconds)
        else:
            log.error("FAILED %s in %.1fs at cell %s: %s", job.stem, job.seconds,
                      job.error["cell"], job.error["error"])
            if p.progress:
                tqdm.write(f"evalkit report：{job.stem} 在第 {job.error['cell']} 个单元格（cell）出错："
                           f"{job.error['error']}", file=sys.stderr)
        return job

    halt = threading.Event()     # the run is stopping: its kernels are being ended
    todo: queue.Queue = queue.Queue()
    for job in pl.jobs:
        todo.put(job)
    done: queue.Queue = queue.Queue()

    def drain(kernel: WarmKernel) -> None:
        while True:
            try:
                job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(one(job, kernel))
            except BaseException as e:   # never leave the main thread waiting for this job
                job.status, job.error = "failed", {"cell": None, "exec_count": None,
                                                   "error": f"{type(e).__name__}: {e}", "source": ""}
                done.put(job)

    kernels: list[WarmKernel] = []

    def worker() -> None:
        kernel = WarmKernel(km_class, KERNEL, run)   # this thread's kernel, on this thread's loop
        kernels.append(kernel)
        try:
            drain(kernel)
        finally:
            kernel.close()

    from evalkit.report.kernel_pool import pool
    kept = pool()
    if kept is not None:        # kernels kept from earlier runs in this process (keep_warm)
        finish = kept.start(workers, _kernel_manager_class, KERNEL, pl.log_path, run, drain)
        threads = []
    else:
        # kernels are separate processes; the threads here only wait on them
        threads = [threading.Thread(target=worker, name=f"nb{i}", daemon=True) for i in range(workers)]
        for t in threads:
            t.start()
    try:
        for _ in pl.jobs:
            job = done.get()
            if bar is not None:
                bar.set_postfix_str(job.stem)
                bar.update(1)
    except BaseException:        # Ctrl-C, SIGTERM: no new notebook; the running ones' kernels ended and closed
        halt.set()
        while not todo.empty():
            todo.get_nowait()
        for kernel in kernels:
            kernel.kill()
        for t in threads:
            t.join(timeout=STOP_WAIT)
        raise
    for t in threads:
        t.join()
    if kept is not None:
        finish()
    return pl.jobs


def render(pl: Plan, bar=None) -> None:
    """Each executed notebook as HTML without code (html/<stem>.html); missing-glyph warnings logged."""
    skip_iri_grammars()
    import nbformat
    exporter = html_exporter()
    for job in pl.jobs:
        dst = pl.run_dir / "notebooks" / f"{job.stem}.ipynb"
        if dst.exists():
            nb = nbformat.read(dst, as_version=4)
            g = _glyph_warnings(nb)
            if g:
                log.warning("%s: %d missing-glyph warnings, e.g. %s", job.stem, len(g), g[0])
                pl.glyphs += g
            _to_html(nb, pl.run_dir / "html" / f"{job.stem}.html", f"{page_title(job)} · {pl.region_name} · {pl.years_name}", exporter)
        if bar is not None:
            bar.set_postfix_str(f"html {job.stem}")
            bar.update(1)


def export(pl: Plan, bar=None) -> None:
    """summary.xlsx and briefing.pptx from the plan's Views and the briefing charts."""
    from evalkit.report.charts import read_manifest
    from evalkit.report.pptx import build_deck
    from evalkit.report.xlsx import write_workbook
    run, vw = pl.run_dir, pl.views
    write_workbook(vw, run / "summary.xlsx", meta={"地区": pl.region_name, "年度": pl.years_name,
                                                   "数据目录": str(pl.data_dir)})
    log.info("wrote summary.xlsx")
    if bar is not None:
        bar.set_postfix_str("summary.xlsx")
        bar.update(1)
    charts_dir = run / "charts"
    manifest = read_manifest(charts_dir)
    h = vw.headline
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    build_deck(manifest, run / "briefing.pptx", charts_dir=charts_dir,
               title=f"{pl.region_name} · {pl.years_name}预算绩效自评简报",
               subtitle=f"{h['n_counties']}个县区 · {h['n_reports']}份报告 · {h['n_projects']}个项目 · 生成于 {stamp}",
               red_flags=vw.red_flags)
    log.info("wrote briefing.pptx (%d chart slides)", len(manifest))
    if bar is not None:
        bar.set_postfix_str("briefing.pptx")
        bar.update(1)


def write_run(pl: Plan, status: str) -> dict:
    """The run's run.json (parameters, headline, each notebook's status and time) and its index.html; what they say."""
    from evalkit.report import pages
    p = pl.params
    info = {
        "status": status,
        "region": p.region, "region_label": pl.region_name, "region_folder": pl.region_folder,
        "year": p.years, "years_label": pl.years_name,
        "clean_dir": str(pl.data_dir), "counties": pl.counties,
        "county_keys": list(pl.views.places["county_key"]),
        "county_profiles": pl.profiled, "county_profiles_skipped": pl.skipped_profiles,
        "county_profiles_note": pl.profiles_note,
        "parameters": {"grade_bands": p.grade_bands, "low_execution": p.low_execution, "high_score": p.high_score},
        "headline": pages.headline_figures(pl.views.headline),
        "notebooks": [{"stem": j.stem, "notebook": j.notebook, "title": page_title(j), "status": j.status,
                       "seconds": j.seconds, **({"error": {k: v for k, v in j.error.items() if k != "source"}}
                                                if j.error else {})} for j in pl.jobs],
        "glyph_warnings": len(pl.glyphs),
        "seconds": round(time.monotonic() - pl.t_start, 2),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    pages.write_run_index(pl.run_dir, info)
    (pl.run_dir / "run.json").write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return info


def finalize(pl: Plan) -> Path:
    """index.html and run.json; then NotebookFailed, or the region's `latest` switched and older runs
    pruned; reports/index.html lists every run either way."""
    from evalkit.report import pages
    p, run = pl.params, pl.run_dir
    failed = [j for j in pl.jobs if j.status != "ok"]
    info = write_run(pl, "failed" if failed else "ok")
    if failed:
        pages.write_reports_index(p.out_dir)
        first = failed[0]
        log.error("run failed; latest not updated")
        raise NotebookFailed(first.stem + ".ipynb", first.error.get("cell"),
                             first.error.get("exec_count"), first.error.get("error", ""),
                             run / "notebooks" / f"{first.stem}.ipynb", first.error.get("source", ""),
                             others=[j.stem + ".ipynb" for j in failed[1:]])
    _atomic_symlink(run.name, run.parent / "latest")
    _atomic_symlink(f"{run.parent.name}/{run.name}", p.out_dir / "latest")
    log.info("done in %.1fs; %s -> %s", info["seconds"], run.parent / "latest", run.name)
    if p.keep:
        _prune(run.parent, run, p.keep)
    pages.write_reports_index(p.out_dir)
    return run


# ----------------------------------------------------------------------------- main entry

def run_report(clean_dir: str | Path, out_dir: str | Path = "reports", region: str | None = None,
               year=None, progress: bool = True, *, notebooks_dir: str | Path | None = None,
               raw_dir: str | Path | None = None, county_profiles: str | bool | int | Iterable[str] = "all",
               grade_bands: dict | None = None, low_execution: float = 90.0,
               high_score: float = 90.0, keep: int | None = None,
               timeout: int = 600, workers: int | None = None) -> Path:
    """Run the notebooks for a region (name or division code; None = all) and years into a new folder
    under `out_dir` and return it; the fields are ReportParams' (county_profiles: "all", "flagged", "none", True/False, N or labels)."""
    clean_dir = Path(clean_dir).resolve()
    if raw_dir is None and (clean_dir.parent / "raw").is_dir():
        raw_dir = clean_dir.parent / "raw"
    p = ReportParams(clean_dir, Path(out_dir).resolve(), region, year, progress,
                     Path(notebooks_dir) if notebooks_dir else None, Path(raw_dir) if raw_dir else None,
                     county_profiles, grade_bands, low_execution, high_score, keep, timeout, workers)
    return run(p)


def run(p: ReportParams) -> Path:
    """plan, then under the reports folder's lock: start, execute, render, export, finalize."""
    from tqdm.auto import tqdm
    pl = plan(p)
    from evalkit.discover import REPORTS_LOCK     # the name ingest knows a report folder by (discover.own_output)
    with _Lock(p.out_dir / REPORTS_LOCK):
        start(pl)
        handler = logging.FileHandler(pl.log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        # progress=True shows the bar on a terminal only (tqdm's disable=None: off when not a TTY)
        bar = tqdm(total=len(pl.jobs) * 2 + 2, desc="生成报告", unit="步",
                   disable=None if p.progress else True, file=sys.stderr, dynamic_ncols=True)
        try:
            try:
                inspect_pages(pl)
                execute(pl, bar)
                render(pl, bar)
                export(pl, bar)
            finally:
                bar.close()
            return finalize(pl)
        except KeyboardInterrupt:            # Ctrl-C or a stop signal: the folder says what it holds
            stopped(pl)
            raise
        finally:
            log.removeHandler(handler)
            handler.close()


def stopped(pl: Plan) -> None:
    """run.json and index.html of a run stopped before its end (status `stopped`, the notebooks not run
    said so), listed in reports/index.html; `latest` stays where it was."""
    from evalkit.report import pages
    for job in pl.jobs:
        if job.status == "pending":
            job.status = "stopped"
    write_run(pl, "stopped")
    pages.write_reports_index(pl.params.out_dir)
    log.error("run stopped; latest not updated")


def _prune(out_dir: Path, run: Path, keep: int) -> None:
    """Delete older successful runs of the same region-year, keeping the newest `keep`."""
    from evalkit.report.pages import RUN_NAME
    m = RUN_NAME.fullmatch(run.name)
    if not m:
        return
    same = sorted((p for p in out_dir.iterdir()
                   if p.is_dir() and not p.is_symlink() and (o := RUN_NAME.fullmatch(p.name)) and o.group(1) == m.group(1)),
                  key=lambda p: p.name)
    for old in same[:-keep] if keep > 0 else []:
        if old == run:
            continue
        try:
            status = json.loads((old / "run.json").read_text(encoding="utf-8")).get("status")
        except (OSError, ValueError):
            status = None
        if status == "ok":
            shutil.rmtree(old, ignore_errors=True)
            log.info("pruned %s", old.name)
