"""`evalkit report`: run the notebook suite on the clean tables and export the briefing.

    run_report("data/clean", "reports", region="湖南省", year=2022) -> reports/湖南省-2022-<ts>/

One run = one folder `reports/<region>-<year>-<UTC timestamp>/` holding
- `notebooks/`  the executed notebooks (papermill, Python API, one process, kernel python3):
                00_explore, 20_cross_county, 30_regional_summary, 10_county_profile-<县区> …
- `html/`       each notebook as HTML without code (nbconvert, exclude_input), `index.html` links all
- `charts/`     the briefing charts (PNG 200 dpi + SVG, 16:9, `charts.json` with titles/takeaways);
                `charts/cross_county/`, `charts/counties/<县区>/` for the other notebooks
- `summary.xlsx`, `briefing.pptx`, `report.log`, `run.json` (parameters, timings, status)
and `reports/latest` is switched (atomically) to the newest successful run.

A notebook that raises keeps its executed copy (with the traceback) in `notebooks/`, the
run is marked failed in run.json, `latest` is left alone, and `NotebookFailed` is raised
naming the notebook and the cell. Runs are independent (a new folder each time, nothing
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from evalkit import analysis as an
from evalkit.errors import EXIT_FAILED, Busy, DatasetError, EvalkitError, NothingSelected, UsageError

__all__ = ["run_report", "NotebookFailed", "ReportBusy", "find_notebooks_dir", "NOTEBOOKS"]

NOTEBOOKS = ("30_regional_summary", "20_cross_county", "10_county_profile", "00_explore")
KERNEL = "python3"
GLYPH_WARNING = re.compile(r"Glyph \d+ .*missing from (current )?font", re.I)
log = logging.getLogger("evalkit.report")


class NotebookFailed(EvalkitError):
    """A notebook raised while executing. The executed notebook (with the error) is kept."""
    exit_code = EXIT_FAILED

    def __init__(self, notebook: str, cell: int | None, exec_count: int | None, error: str,
                 output: Path, source: str = "", others: Iterable[str] = ()):
        self.notebook, self.cell, self.exec_count, self.error = notebook, cell, exec_count, error
        self.output, self.source, self.others = output, source, list(others)
        where = f"cell {cell}" if cell is not None else "before any cell ran"
        if exec_count is not None:
            where += f" (In [{exec_count}])"
        first = source.strip().splitlines()[0][:80] if source.strip() else ""
        msg = f"notebook {notebook} failed at {where}: {error}"
        if first:
            msg += f"\n  cell starts: {first}"
        msg += f"\n  executed notebook with the traceback: {output}"
        if self.others:
            msg += "\n  also failed: " + ", ".join(self.others)
        super().__init__(msg)


class ReportBusy(Busy):
    """Another report run holds the lock on this reports folder."""


@dataclass
class _Job:
    notebook: str              # source notebook stem, e.g. 10_county_profile
    stem: str                  # output stem, e.g. 10_county_profile-曲沃县
    parameters: dict
    seconds: float = 0.0
    status: str = "pending"    # ok / failed
    error: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers

def find_notebooks_dir(explicit: str | Path | None = None) -> Path:
    """The notebook sources: `explicit`, $EVALKIT_NOTEBOOKS, the repo's notebooks/ (next to
    src/), or ./notebooks."""
    cands = [explicit, os.environ.get("EVALKIT_NOTEBOOKS"),
             Path(__file__).resolve().parents[2] / "notebooks", Path.cwd() / "notebooks"]
    for c in cands:
        if c and (Path(c) / "30_regional_summary.ipynb").is_file():
            return Path(c).resolve()
    raise UsageError("找不到报告用的 notebooks（30_regional_summary.ipynb）",
                     "请在源码目录中运行，或设置 EVALKIT_NOTEBOOKS 指向 notebooks 文件夹")


def _slug(text: str) -> str:
    """Folder-safe name that keeps Chinese: 湖南省 -> 湖南省, 'a/b c' -> a_b_c."""
    s = re.sub(r"[\\/:*?\"<>|\s]+", "_", str(text)).strip("._")
    return s or "all"


def _year_slug(year) -> str:
    ys = an.parse_years(year)
    if not ys:
        return "all"
    if len(ys) > 1 and ys == list(range(ys[0], ys[-1] + 1)):
        return f"{ys[0]}-{ys[-1]}"
    return "_".join(map(str, ys))


def _year_param(year):
    """What the notebooks get: None, one int, or a list of ints."""
    ys = an.parse_years(year)
    if ys is None:
        return None
    return ys[0] if len(ys) == 1 else ys


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
    """Copy the dataset the run reads into the run folder, under the dataset's lock, so every
    notebook sees one generation even if an ingest replaces the dataset meanwhile (hard links:
    evalkit never rewrites a dataset file in place)."""
    from evalkit.store import MANIFEST, TABLES, dataset_lock
    dest.mkdir(parents=True, exist_ok=True)
    with dataset_lock(clean_dir, write=False):
        for name in [f"{t}.parquet" for t in TABLES] + [MANIFEST]:
            src = clean_dir / name
            if src.is_file():
                try:
                    os.link(src, dest / name)
                except OSError:
                    shutil.copy2(src, dest / name)
    return dest


def _kernel_manager_class(log_path: Path):
    """An AsyncKernelManager whose kernels write their own stdout/stderr into the run log,
    not onto the user's terminal (keeps the progress display clean)."""
    from jupyter_client import AsyncKernelManager

    class _LoggingKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            fh = open(log_path, "ab")  # the child keeps its own copy of the descriptor
            try:
                kw["stdout"] = fh
                kw["stderr"] = fh
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                fh.close()

    return _LoggingKernelManager


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


def _to_html(nb, path: Path, title: str) -> None:
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, sanitize_html=True)  # defence in depth: no live markup from outputs
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    path.write_text(body, encoding="utf-8")


def _index_html(run: Path, title: str, jobs: list[_Job], extras: list[tuple[str, str]]) -> None:
    import html as h
    items = []
    for j in jobs:
        mark = "" if j.status == "ok" else " <b style='color:#c62828'>（失败）</b>"
        items.append(f"<li><a href='html/{h.escape(j.stem)}.html'>{h.escape(j.stem)}</a>"
                     f"（<a href='notebooks/{h.escape(j.stem)}.ipynb'>ipynb</a>）{mark}</li>")
    extra = "".join(f"<li><a href='{h.escape(href)}'>{h.escape(label)}</a></li>" for href, label in extras)
    (run / "index.html").write_text(
        f"<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>{h.escape(title)}</title>"
        f"<body style='font-family:sans-serif;max-width:60em;margin:2em auto'>"
        f"<h1>{h.escape(title)}</h1><h2>笔记本</h2><ul>{''.join(items)}</ul>"
        f"<h2>导出</h2><ul>{extra}</ul></body></html>", encoding="utf-8")


# ----------------------------------------------------------------------------- main entry

def run_report(clean_dir: str | Path, out_dir: str | Path = "reports", region: str | None = None,
               year=None, progress: bool = True, *, notebooks_dir: str | Path | None = None,
               raw_dir: str | Path | None = None, county_profiles: bool | int | Iterable[str] = True,
               grade_bands: dict | None = None, low_execution: float = 90.0,
               high_score: float = 90.0, keep: int | None = None,
               timeout: int = 600, workers: int | None = None) -> Path:
    """Run the notebooks on `clean_dir` for a region (province/city/county, None = all) and
    year(s) (None = all) into a new folder under `out_dir`; return that folder.

    county_profiles: True = a 10_county_profile notebook per county in the region, an int N =
    the N counties with the most projects, a list = those counties, False = none.
    keep: after a successful run, delete all but the newest `keep` runs of the same
    region-year (None keeps everything). workers: notebooks run at once (threads in this
    process, each driving its own kernel); default min(2, CPUs). Raises NotebookFailed (see module docstring),
    ReportBusy, UsageError for an unknown region, NothingSelected for an empty selection
    (latest untouched), DatasetError for a missing dataset."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    from tqdm.auto import tqdm

    t_start = time.monotonic()
    if workers is None:
        workers = max(1, min(2, os.cpu_count() or 1))
    clean_dir = Path(clean_dir).resolve()
    out_dir = Path(out_dir).resolve()
    nb_dir = find_notebooks_dir(notebooks_dir)
    from evalkit.fonts import setup_cjk_font
    setup_cjk_font()            # no CJK font (or a bad EVALKIT_CJK_FONT): say so before any work
    tables = an.load_tables(clean_dir)  # DatasetError without a dataset
    try:
        an.match_region(tables["reports"], region)  # unknown region -> ValueError naming the places
        t = an.filter_tables(tables, region=region, years=year)
    except ValueError as e:
        raise UsageError(str(e), "请用 --region 指定数据中已有的省、市或县区") from None
    if t["reports"].empty:
        raise NothingSelected(f"{an.region_label(tables['reports'], region)} {an.years_label(year)} 没有报告，未生成简报",
                              "reports/latest 保持不变；请检查 --region 和 --year")
    region_name = an.region_label(tables["reports"], region)
    years_name = an.years_label(year)
    if raw_dir is None and (clean_dir.parent / "raw").is_dir():
        raw_dir = clean_dir.parent / "raw"
    counties = an.counties(t)
    if county_profiles is True:
        profile_for = counties
    elif county_profiles is False or county_profiles is None:
        profile_for = []
    elif isinstance(county_profiles, int):
        sizes = an.project_view(t)["county_label"].value_counts()
        profile_for = sorted(counties, key=lambda c: -int(sizes.get(c, 0)))[:county_profiles]
    else:
        profile_for = [c for c in county_profiles]

    with _Lock(out_dir / ".report.lock"):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        matched = an.match_region(tables["reports"], region)  # canonical name: 湖南 -> 湖南省
        base = f"{_slug(matched[1] if matched else 'all')}-{_year_slug(year)}-{stamp}"
        run = out_dir / base
        n = 2
        while run.exists():
            run = out_dir / f"{base}-{n}"
            n += 1
        for sub in ("notebooks", "html", "charts"):
            (run / sub).mkdir(parents=True, exist_ok=True)
        clean_dir = snapshot_dataset(clean_dir, run / "data")   # every notebook reads this generation
        log_path = run / "report.log"
        handler = logging.FileHandler(log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        try:
            return _run(run, out_dir, clean_dir, nb_dir, raw_dir, region, year, t, tables,
                        region_name, years_name, counties, profile_for, grade_bands,
                        low_execution, high_score, keep, timeout, progress, log_path, t_start,
                        workers, pm, PapermillExecutionError, tqdm)
        finally:
            log.removeHandler(handler)
            handler.close()


def _run(run, out_dir, clean_dir, nb_dir, raw_dir, region, year, t, tables, region_name,
         years_name, counties, profile_for, grade_bands, low_execution, high_score, keep,
         timeout, progress, log_path, t_start, workers, pm, PapermillExecutionError,
         tqdm) -> Path:
    charts_dir = run / "charts"
    common = {"clean_dir": str(clean_dir), "grade_bands": grade_bands,
              "low_execution": float(low_execution), "high_score": float(high_score)}
    yp = _year_param(year)
    jobs = [
        _Job("30_regional_summary", "30_regional_summary",
             {**common, "region": region, "year": yp, "charts_dir": str(charts_dir)}),
        # 20 draws the same six comparisons as the briefing (same region and years), so its
        # charts are shown in its HTML but not written twice into charts/.
        _Job("20_cross_county", "20_cross_county",
             {**common, "region": region, "years": yp, "charts_dir": None}),
    ]
    for c in profile_for:
        county_name = an.county_frame(t).set_index("county_label").loc[c, "county"] \
            if c in set(an.county_frame(t)["county_label"]) else c
        jobs.append(_Job("10_county_profile", f"10_county_profile-{_slug(c)}",
                         {**common, "county": county_name, "year": yp,
                          "charts_dir": str(charts_dir / "counties" / _slug(c))}))
    jobs.append(_Job("00_explore", "00_explore",
                     {"clean_dir": str(clean_dir), "raw_dir": str(raw_dir) if raw_dir else None,
                      "region": region, "years": yp}))

    log.info("evalkit report: clean=%s region=%s year=%s -> %s", clean_dir, region_name, years_name, run)
    log.info("counties: %s; notebooks: %s", "、".join(counties) or "-", ", ".join(j.stem for j in jobs))
    steps = len(jobs) * 2 + 2
    # progress=True shows the bar on a terminal only (tqdm's disable=None: off when not a TTY,
    # so cron/systemd logs get the summary line instead of carriage-return noise)
    bar = tqdm(total=steps, desc="evalkit report", unit="step", disable=None if progress else True,
               file=sys.stderr, dynamic_ncols=True)
    km_class = _kernel_manager_class(log_path)
    glyphs: list[str] = []
    def execute(job: _Job) -> _Job:
        src = nb_dir / f"{job.notebook}.ipynb"
        dst = run / "notebooks" / f"{job.stem}.ipynb"
        log.info("run %s %s", job.stem, json.dumps(job.parameters, ensure_ascii=False))
        t0 = time.monotonic()
        try:
            pm.execute_notebook(str(src), str(dst), parameters=job.parameters,
                                kernel_name=KERNEL, progress_bar=False,
                                # the kernel's working directory, set per kernel: papermill's cwd=
                                # chdir()s the whole process, which races between worker threads
                                resources={"metadata": {"path": str(run)}},
                                start_timeout=120, execution_timeout=timeout,
                                kernel_manager_class=km_class)
            job.status = "ok"
        except PapermillExecutionError as e:
            job.status = "failed"
            job.error = {"cell": e.cell_index, "exec_count": e.exec_count,
                         "error": f"{e.ename}: {e.evalue}", "source": e.source}
        except Exception as e:  # kernel died, timeout, bad parameters ...
            job.status = "failed"
            job.error = {"cell": None, "exec_count": None,
                         "error": f"{type(e).__name__}: {e}", "source": ""}
        job.seconds = round(time.monotonic() - t0, 2)
        if job.status == "ok":
            log.info("ok %s in %.1fs", job.stem, job.seconds)
        else:
            log.error("FAILED %s in %.1fs at cell %s: %s", job.stem, job.seconds,
                      job.error["cell"], job.error["error"])
            if progress:
                tqdm.write(f"evalkit report: {job.stem} failed at cell {job.error['cell']}: "
                           f"{job.error['error']}", file=sys.stderr)
        return job

    try:
        if workers > 1 and len(jobs) > 1:
            # kernels are separate processes; the threads here only wait on them
            from concurrent.futures import ThreadPoolExecutor, as_completed
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nb") as ex:
                futures = [ex.submit(execute, j) for j in jobs]
                for f in as_completed(futures):
                    bar.set_postfix_str(f.result().stem)
                    bar.update(1)
        else:
            for job in jobs:
                bar.set_postfix_str(job.stem)
                execute(job)
                bar.update(1)

        # HTML without code, for every notebook that produced an output file
        import nbformat
        for job in jobs:
            dst = run / "notebooks" / f"{job.stem}.ipynb"
            bar.set_postfix_str(f"html {job.stem}")
            if dst.exists():
                nb = nbformat.read(dst, as_version=4)
                g = _glyph_warnings(nb)
                if g:
                    log.warning("%s: %d missing-glyph warnings, e.g. %s", job.stem, len(g), g[0])
                    glyphs += g
                _to_html(nb, run / "html" / f"{job.stem}.html", f"{job.stem} · {region_name} · {years_name}")
            bar.update(1)

        # exports
        bar.set_postfix_str("summary.xlsx")
        from evalkit.export_xlsx import write_workbook
        write_workbook(t, run / "summary.xlsx", bands=grade_bands, low_execution=low_execution,
                       high_score=high_score, meta={"地区": region_name, "年度": years_name,
                                                    "数据目录": str(clean_dir)})
        log.info("wrote summary.xlsx")
        bar.update(1)
        bar.set_postfix_str("briefing.pptx")
        from evalkit.charts import read_manifest
        from evalkit.export_pptx import build_deck
        manifest = read_manifest(charts_dir)
        h = an.headline(t, grade_bands, low_execution, high_score)
        stamp_local = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        build_deck(manifest, run / "briefing.pptx", charts_dir=charts_dir,
                   title=f"{region_name} · {years_name}预算绩效自评简报",
                   subtitle=f"{h['n_counties']}个县区 · {h['n_reports']}份报告 · {h['n_projects']}个项目"
                            f" · 生成于 {stamp_local}",
                   red_flags=an.red_flags(t, grade_bands, low_execution, high_score))
        log.info("wrote briefing.pptx (%d chart slides)", len(manifest))
        bar.update(1)
    finally:
        bar.close()

    failed = [j for j in jobs if j.status != "ok"]
    extras = [("summary.xlsx", "summary.xlsx（数据表）"), ("briefing.pptx", "briefing.pptx（简报）"),
              ("charts/", "charts/（PNG、SVG）"), ("report.log", "report.log（运行日志）")]
    _index_html(run, f"{region_name} · {years_name} 预算绩效自评", jobs, extras)
    info = {
        "status": "failed" if failed else "ok",
        "region": region, "region_label": region_name, "year": year, "years_label": years_name,
        "clean_dir": str(clean_dir), "counties": counties,
        "parameters": {"grade_bands": grade_bands, "low_execution": low_execution, "high_score": high_score},
        "notebooks": [{"stem": j.stem, "notebook": j.notebook, "status": j.status,
                       "seconds": j.seconds, **({"error": {k: v for k, v in j.error.items() if k != "source"}}
                                                if j.error else {})} for j in jobs],
        "glyph_warnings": len(glyphs),
        "seconds": round(time.monotonic() - t_start, 2),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (run / "run.json").write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str),
                                  encoding="utf-8")
    if failed:
        first = failed[0]
        log.error("run failed; latest not updated")
        raise NotebookFailed(first.stem + ".ipynb", first.error.get("cell"),
                             first.error.get("exec_count"), first.error.get("error", ""),
                             run / "notebooks" / f"{first.stem}.ipynb", first.error.get("source", ""),
                             others=[j.stem + ".ipynb" for j in failed[1:]])
    _atomic_symlink(run.name, out_dir / "latest")
    log.info("done in %.1fs; %s -> %s", info["seconds"], out_dir / "latest", run.name)
    if keep:
        _prune(out_dir, run, keep)
    if progress:
        print(f"evalkit report: {run}  ({info['seconds']:.0f}s; latest -> {run.name})", file=sys.stderr)
    return run


def _prune(out_dir: Path, run: Path, keep: int) -> None:
    """Delete older successful runs of the same region-year, keeping the newest `keep`."""
    m = re.match(r"(.*)-\d{8}T\d{6}Z(?:-\d+)?$", run.name)
    if not m:
        return
    same = sorted((p for p in out_dir.iterdir()
                   if p.is_dir() and not p.is_symlink() and p.name.startswith(m.group(1) + "-")
                   and re.fullmatch(re.escape(m.group(1)) + r"-\d{8}T\d{6}Z(?:-\d+)?", p.name)),
                  key=lambda p: p.name)
    for old in same[:-keep] if keep > 0 else []:
        if old == run:
            continue
        try:
            status = json.loads((old / "run.json").read_text(encoding="utf-8")).get("status")
        except Exception:  # noqa: BLE001
            status = None
        if status == "ok":
            shutil.rmtree(old, ignore_errors=True)
            log.info("pruned %s", old.name)


def main(argv: list[str] | None = None) -> int:
    """`python -m evalkit.report …` is `evalkit report …` (one parser, in cli.py)."""
    from evalkit.cli import main as cli_main
    return cli_main(["report", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
