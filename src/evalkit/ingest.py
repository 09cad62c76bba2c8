"""Ingest: files -> documents -> recognized records -> the contract's tables, written atomically.

Steps: discover (discover.py: walk the inputs, one `Source` per file, problems found without opening it)
-> hash (streamed) -> parse each distinct content once, in worker processes with a time and
memory limit, each result parked on disk as it comes (results.py: `Spool`) -> identity (identity.py:
byte-identical copies and the same report in two formats kept once) -> tables and checks by batch of whole reports,
spooled as Parquet -> write (store.write_atomic streams the batches). Memory holds one batch and
a ledger row per file, whatever the size of the corpus (TMPDIR holds the spool)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
import tempfile
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit import limits as _limits
from evalkit.archives import ARCHIVE_SUFFIXES, container_word
from evalkit.discover import (CHANGED_WHILE_READ, Discovery, Source, changed_since_hashed, discover, file_stamp,
                              format_named, hash_file, reported_format)
from evalkit.errors import FilesFailed, InputError
from evalkit.identity import (duplicate_row, latest_versions, mark_earlier_copies, mark_repeats,
                              same_report_duplicates)
from evalkit.model import Document, Loc, ReadError
from evalkit.readers import SUFFIXES, read
from evalkit.readers.office import TARGET as CONVERTED
from evalkit.readers.pictures import may_read_more, when_text_gives_nothing
from evalkit.readers.safety import os_reason
from evalkit.results import FileResult, Parked, Spool, file_error
from evalkit.schema import FROM_DOCUMENT, FROM_PATH
from evalkit.scratch import folder as scratch_folder

if TYPE_CHECKING:   # pandas, the checks and the recognizers are imported where used: an unchanged re-run needs none
    import pandas as pd


def ocr_figures(doc: Document) -> str | None:
    """The OCR'd cells that hold a figure (JSON: text, value, confidence, the cell's page, table, row and column as
    a figure's `loc_fields` name them, and 1 where a black seal lies over the cell), and the text cells a black seal
    lies over (value null: a project's name), so a check can point a reviewer at each figure or name read from a
    doubtful cell; None for a document not OCR'd."""
    from evalkit.normalize import parse_number
    cells = []
    for t in doc.tables():
        if not t.conf:
            continue
        sealed = t.sealed or []
        for r, (row, crow) in enumerate(zip(t.rows, t.conf)):
            for c, (text, conf) in enumerate(zip(row, crow)):
                value = parse_number(text) if conf is not None else None
                under = int(r < len(sealed) and c < len(sealed[r]) and sealed[r][c])
                if value is not None or (under and conf is not None and text.strip()):
                    at = t.loc(r, c)
                    cells.append([text, value, round(float(conf), 3), at.page, at.table, at.row, at.col, under])
    return json.dumps(cells, ensure_ascii=False) if cells else None


def _parts_columns(parts: list) -> dict:
    """The budget total's parts as the projects table holds them: each amount summed (recognize.budget.part_sums)
    and the rows themselves as JSON."""
    from evalkit.recognize.budget import part_sums
    if not parts:
        return {}
    sums = part_sums(parts) or {}
    rows = [{"label": label, "kind": kind, **{k: v for k, v in fig.items() if v is not None}} for kind, label, fig in parts]
    return {**{f"parts_{k}": v for k, v in sums.items()},
            "budget_parts": json.dumps(rows, ensure_ascii=False, separators=(",", ":"))}


def project_place(agency: str | None, report_agency: str | None, place: dict) -> dict:
    """A project's county, city and province: the report's, unless its own agency (实施单位) names another county
    without doubt (a 汇编 of several counties' tables in one file: 茂南区医疗保障局 in a file opening with 天峻县's)."""
    if not agency or agency == report_agency:
        return place
    from evalkit.geo import locate
    county, city, province = locate(agency)
    if county is None or county == place["county"] or (city is None and province is None):
        return place
    return {"county": county, "city": city, "province": province}


def build(doc: Document, source_file: str, sha: str, fmt: str, ex=None) -> FileResult:
    """Map one document's recognized content (`ex`, recognized here unless given) to rows of the contract's tables."""
    from evalkit.geo import place
    from evalkit.normalize import parse_measure, parse_target
    from evalkit.recognize import recognize
    from evalkit.recognize.explain import role_label
    ex = ex if ex is not None else recognize(doc)
    rep = ex.report
    report_id = sha[:16]
    # from the document itself; the file's path is applied later, by `placed_by_path` (never cached)
    county, city, province, place_source = place(rep.agency, doc.opening_text)
    place = {"county": county, "city": city, "province": province}

    member = source_file.split("!", 1)[1] if "!" in source_file else None
    held = {"member": member, "container": container_word(source_file.split("!", 1)[0])} if member else {}

    def where(loc) -> dict:
        if loc is None:
            return {"loc_member": member, "location": Loc(**held).words() if member else None}
        return dataclasses.replace(loc, **held).columns()

    def where_each(field_locs: dict) -> str | None:
        """loc_fields: JSON, figure -> where it was read (Loc fields, `column`: its column's name)."""
        out = {}
        for name, (loc, role) in field_locs.items():
            d = dataclasses.replace(loc, **held).as_dict()
            if role:
                d["column"] = role_label(role)
            out[name] = d
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")) if out else None

    projects, indicators = [], []
    for n, p in enumerate(ex.projects, start=1):
        pid = f"{report_id}-p{n:02d}"
        lines = p.indicators()
        own = project_place(p.agency, rep.agency, place)
        projects.append({
            "project_id": pid, "report_id": report_id, "source_file": source_file, **own,
            "agency": p.agency, "fiscal_year": p.fiscal_year or rep.fiscal_year, "project_name": p.project_name,
            "budget_initial": p.budget_initial, "budget_full_year": p.budget_full_year,
            "executed": p.executed, "execution_rate": p.execution_rate,
            "budget_weight": p.budget_weight, "budget_score": p.budget_score,
            "total_score": p.total_score, "grade": p.grade, "grade_raw": p.grade_raw,
            "max_score": p.max_score, "has_deviation_column": p.has_deviation_column,
            "deviation_note": p.deviation_note, "execution_rate_line": p.execution_rate_line,
            "amount_unit": p.amount_unit, **_parts_columns(p.budget_parts), "scope": p.scope,
            "instructions_left": json.dumps(p.instructions_left, ensure_ascii=False) if p.instructions_left else None,
            "n_indicators": len(lines), **where(p.loc), "loc_fields": where_each(p.field_locs),
        })
        for k, i in enumerate(lines, start=1):
            t_op, t_val, t_unit, t_max = parse_target(i.target)      # 90%-100%: ≥ 90, at most 100
            a_op, a_val, a_unit = parse_measure(i.actual)
            indicators.append({
                "project_id": pid, "source_file": source_file, "county": own["county"], "project_name": p.project_name,
                "level1": i.level1, "level2": i.level2, "level3": i.level3, "target": i.target,
                "actual": i.actual, "target_op": t_op, "target_value": t_val, "target_unit": t_unit,
                "actual_value": a_val, "actual_unit": a_unit, "weight": i.weight, "score": i.score,
                "deviation_reason": i.deviation_reason, "actual_op": a_op, "target_value_max": t_max, "line_no": k,
                "report_id": report_id, **where(i.loc), "loc_fields": where_each(i.field_locs),
            })
    overflow = doc.overflow_cells()
    problems = list(doc.warnings) + [w for w in (doc.overflow_warning(overflow),) if w]
    unshown = [loc.words() for loc in overflow]
    bare = [p.project_name or f"第 {n} 个项目" for n, p in enumerate(ex.projects, start=1)
            if not p.indicators() and p.total_score is None]
    if bare:    # a self-evaluation table gives indicator lines or a total score: its columns were not understood
        named = "、".join(f"“{b}”" for b in bare[:5]) + (f" 等 {len(bare)} 个项目" if len(bare) > 5 else "")
        problems.append(f"{named}的自评表没有读到绩效指标和总分（表头词汇缺失，或表格的一部分印在别的页面上）；"
                        "请用 evalkit inspect 查看各行的读法")
    unnamed = [n for n, p in enumerate(ex.projects, start=1) if not p.project_name and (p.indicators() or
                                                                                       p.total_score is not None)]
    if unnamed:  # no 项目名称 read: the project's tables are not told apart (several read as one), nor its rows keyed
        which = "、".join(map(str, unnamed[:10])) + (f" 等 {len(unnamed)} " if len(unnamed) > 10 else " ")
        problems.append(f"第 {which}个项目没有读到项目名称（“项目名称”一栏未识别：文字被单元格截断，"
                        "或是新的表头词汇），文件中的几张自评表可能被读成了一个项目；请用 evalkit inspect 查看各行的读法")
    if not ex.found_anything and doc.linked:     # a portal's article page saved instead of its attachments
        from evalkit.readers.links import only_links
        problems.append(only_links(doc.format, doc.linked))
    elif not ex.found_anything and not doc.attached:   # (a PDF 包's cover: its reports are read apart, a note says)
        # a reading problem said above comes first: it is the likelier cause
        problems.append("未识别出项目自评表、汇总表或自评结果段落（" + ("先处理上面的读取问题；仍未识别时，" if problems else "")
                        + "可能是新的版式，请对照 README“新增版式”补充表头词汇）")
    report = {
        "report_id": report_id, "source_file": source_file, "sha256": sha, "format": fmt,
        "status": "partial" if problems else "ok",
        "error": file_error(source_file, "; ".join(problems)) if problems else None,
        **place, "agency": rep.agency, "fiscal_year": rep.fiscal_year,
        "doc_kind": doc.kind(rep.doc_kind, ex.found_anything),
        "n_projects": len(projects),
        "stated_overall_score": rep.stated_overall_score, "stated_overall_grade": rep.stated_overall_grade,
        "narrative_score": rep.narrative_score, "stated_overall_grade_raw": rep.stated_overall_grade_raw,
        "narrative_parts": json.dumps(rep.narrative_parts, ensure_ascii=False) if rep.narrative_parts else None,
        "place_source": place_source, "year_source": FROM_DOCUMENT if rep.fiscal_year is not None else None,
        "doc_date": rep.doc_date, "version_mark": rep.version_mark,
        "n_indicators": len(indicators), "pages": doc.pages,
        "ocr_pages": ",".join(map(str, doc.ocr_pages)) or None,
        "form_pages": ",".join(map(str, doc.form_pages)) or None,
        "reading_notes": json.dumps(doc.notes, ensure_ascii=False) if doc.notes else None,
        "ocr_cells": ocr_figures(doc),
        "uncached_formulas": json.dumps(doc.uncached_formulas, ensure_ascii=False) if doc.uncached_formulas else None,
        "hidden_content": json.dumps(doc.hidden, ensure_ascii=False) if doc.hidden else None,
        "unshown_figures": json.dumps(unshown, ensure_ascii=False) if unshown else None,
    }
    summary_rows = [{"summary_id": f"{report_id}-s{n:02d}", "report_id": report_id, "source_file": source_file,
                     "agency": rep.agency, "fiscal_year": rep.fiscal_year, **s,
                     **where(ex.summary_locs[n - 1] if n - 1 < len(ex.summary_locs) else None)}
                    for n, s in enumerate(ex.summaries, start=1)]
    return FileResult(report, projects, indicators, summary_rows)



def placed_by_path(r: FileResult) -> FileResult:
    """A result whose document names no county (or a shared one without its city) placed by its file's path
    (geo.by_path), in the coordinating process: results are cached by content, and the same content may come
    back under another path, so a place read from a path is never part of what is cached. A file that failed is
    placed by its path too: a region's report lists the files of its folders that could not be read."""
    rep = r.report
    if rep.get("status") not in ("ok", "partial", "failed"):
        return r
    from evalkit.geo import by_path
    found = by_path(rep.get("county"), rep.get("city"), rep.get("province"), rep["source_file"])
    if found is None:
        return r
    county, city, province = found
    rep.update(county=county, city=city, province=province, place_source=FROM_PATH)
    for row in (*r.projects, *r.summaries):
        row.update({k: v for k, v in (("county", county), ("city", city), ("province", province)) if k in row})
    for row in r.indicators:
        row["county"] = county
    return r


def dated_by_path(r: FileResult) -> FileResult:
    """A result dated by its file's name or folders (statements.path_year) where its document states no year, or where
    its year was read by OCR and the name states another (a seal's ring over the title's 2022 read 2027): applied
    in the coordinating process, as `placed_by_path`, since the same content may come back under another name."""
    from evalkit.recognize.statements import year_from_path
    rep = r.report
    if rep.get("status") not in ("ok", "partial", "failed"):
        return r
    stated = rep.get("fiscal_year")
    year = year_from_path(stated, rep["source_file"], bool(rep.get("ocr_pages")))
    if year is None:
        return r
    rep.update(fiscal_year=year, year_source=FROM_PATH)
    if stated is not None:       # what the scan read is kept in the notes, the finding points there
        notes = json.loads(rep["reading_notes"]) if rep.get("reading_notes") else []
        notes.append(f"扫描件识别出的年度是{stated}年度，与文件名（或其所在文件夹）的{year}年度不同；"
                     f"识别的年份数字可能有误（印章、污损），已按文件名计入{year}年度")
        rep["reading_notes"] = json.dumps(notes, ensure_ascii=False)
    for row in (*r.projects, *r.summaries):
        if row.get("fiscal_year") is None or row.get("fiscal_year") == stated:   # (a compilation's other years kept)
            row["fiscal_year"] = year
    return r


def from_path(r: FileResult) -> FileResult:
    """What a file's path adds to its result: its place and its year where the document does not give them."""
    return dated_by_path(placed_by_path(r))


# ----------------------------------------------------------------------------- parse (in a worker)

def ingest_file(path: Path, source_file: str, sha: str | None = None, fmt: str | None = None) -> FileResult:
    """One file, never raising: an unreadable file becomes a `failed` ledger row with the reason."""
    fmt = fmt or format_named(path.name) or path.suffix.lstrip(".").lower()
    if sha is None:
        try:
            sha = hash_file(path)
        except OSError as e:
            return _failed(source_file, None, fmt, f"无法打开文件（{os_reason(e)}）")
    try:
        doc = read(path)
        if doc.read_as:                  # its content is another format than its name says: reported as that
            fmt = reported_format(doc.read_as)
        ex = None
        if may_read_more(doc):          # text beside page-sized pictures, text in boxes: read those if it gives nothing
            from evalkit.recognize import recognize
            ex = recognize(doc)
            more = when_text_gives_nothing(doc, ex.gives_something, lambda d: recognize(d).gives_something)
            if more is not doc:
                doc, ex = more, None
        return build(doc, source_file, sha, fmt, ex)
    except ReadError as e:
        return _failed(source_file, sha, fmt, str(e))
    except _limits.MoreTime:
        raise                             # the run gives the file the time its OCR needs (collect)
    except MemoryError:
        return _failed(source_file, sha, fmt, f"解析时内存超过上限 {_limits.LIMITS.max_memory_mb} MB，已放弃"
                                             "（可用 EVALKIT_LIMIT_MAX_MEMORY_MB 调整）")
    except RecursionError:
        return _failed(source_file, sha, fmt, "文件结构嵌套过深，无法解析")
    except Exception as e:  # a bug or an unforeseen layout must not stop the batch
        return _failed(source_file, sha, fmt, f"读取时发生内部错误（{type(e).__name__}: {e}），请把文件报告给 evalkit 维护者")


def _source_id(source_file: str) -> str:
    return "f" + hashlib.sha256(source_file.encode("utf-8")).hexdigest()[:15]


def _failed(source_file: str, sha: str | None, fmt: str | None, error: str) -> FileResult:
    rid = sha[:16] if sha else _source_id(source_file)
    return FileResult({"report_id": rid, "source_file": source_file, "sha256": sha, "format": fmt,
                       "status": "failed", "error": file_error(source_file, error), "n_projects": 0,
                       "n_indicators": 0}, [], [], [])


def ocr_threads(jobs: int, workers: int) -> int:
    """OCR threads per worker: the run's --jobs cores shared among its workers (--jobs 1 is one
    core, OCR included; a single scan given 2 jobs gets both cores' threads)."""
    return max(1, jobs // max(1, workers))


_CACHE = None   # the run's parse cache in a worker process (parse_file stores what it parsed)


def parse_file(path: Path, source_file: str, sha: str | None = None, fmt: str | None = None,
               seconds: float | None = None) -> FileResult:
    """ingest_file in a worker, its result stored in the run's parse cache there (in parallel, not
    by the coordinating process one file after another). `seconds`: its time limit, which OCR may ask to raise
    (limits.MoreTime); None: the limit is final."""
    res = timed_ingest(path, source_file, sha, fmt, seconds)
    if _CACHE is not None and sha is not None:
        res.cacheable = True          # what the parser returned: a time-out or a crash never gets here
        _CACHE.put(sha, fmt, res)
    return res


def timed_ingest(path: Path, source_file: str, sha: str | None, fmt: str | None, seconds: float | None) -> FileResult:
    """ingest_file within `seconds` (see parse_file); run by the local pool's and Dask's workers."""
    _limits.give_time(seconds)
    try:
        return ingest_file(path, source_file, sha, fmt)
    finally:
        _limits.give_time(None)


def _init_worker(lim, workers: int = 1, threads: int | None = None, cache=None, scratch: str | None = None) -> None:
    """The run's limits for the readers, and a cap on the worker's address space: a parser that
    balloons gets MemoryError, not the host's OOM killer. OCR gets `threads` threads (the worker's
    share of the run's cores; EVALKIT_OCR_THREADS overrides). `cache`: where parse_file stores.
    `scratch`: the run's folder for the readers' temp files (tempfile's and TMPDIR for LibreOffice), which
    the run removes whole: a worker killed at its time limit cannot leave its copies behind."""
    global _CACHE
    _limits.LIMITS = lim
    _CACHE = cache
    if scratch:
        tempfile.tempdir = scratch
        os.environ["TMPDIR"] = scratch
    if threads is None and workers > 1:
        threads = 1
    if threads:
        os.environ.setdefault("EVALKIT_OCR_THREADS", str(threads))
    _limits.cap_memory(lim.max_memory_mb)


OCR_SECONDS_PER_MB = 100.0   # a scanned page is ~0.2-0.4 MB and takes 5-25 s to OCR on 2 cores
# files whose pages may be scans (pasted into Word or onto slides, too)
OCR_FORMATS = ("pdf", "ofd", "xps", "image", "docx", "doc", "wps", "uot", "pptx", "ppt", "dps", "odp")


def time_limit(s: Source, lim) -> float:
    """Seconds one file may take: max_seconds, plus time in proportion to the size of files that
    may need OCR (PDFs, images), since a 20-page scan needs minutes; at most 10 x max_seconds."""
    if s.fmt in OCR_FORMATS and s.size:
        return round(min(10 * lim.max_seconds, lim.max_seconds + OCR_SECONDS_PER_MB * s.size / 2**20), 1)
    return lim.max_seconds


def timeout_error(seconds: float) -> str:
    return f"解析超过 {seconds:g} 秒仍未完成，已中止（可用 EVALKIT_LIMIT_MAX_SECONDS 调整）"


def crash_error(exitcode, lim) -> str:
    return f"解析进程意外退出（退出码 {exitcode}，多为内存超过上限 {lim.max_memory_mb} MB 或解析库崩溃）"


def collect(fut, source_file: str, sha: str | None, fmt: str | None, seconds: float, lim, again=None) -> FileResult:
    """A parse future's FileResult (local pool or a Dask worker's); a time-out, a dead worker or a
    result that could not be sent back becomes the file's `failed` row. A file whose OCR asked for more time
    (limits.MoreTime) is parsed again through `again(seconds)` (a new future, its limit final)."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired
    try:
        res = fut.result()
    except _limits.MoreTime as more:
        if again is None:
            return _failed(source_file, sha, fmt, timeout_error(seconds))
        return collect(again(more.seconds), source_file, sha, fmt, more.seconds, lim)
    except FutureTimeout:
        return _failed(source_file, sha, fmt, timeout_error(seconds))
    except ProcessExpired as e:
        return _failed(source_file, sha, fmt, crash_error(e.exitcode, lim))
    except Exception as e:  # noqa: BLE001  (result could not be sent back, pool error)
        return _failed(source_file, sha, fmt, f"解析进程出错（{type(e).__name__}: {e}）")
    res.cacheable = True
    return res


def parse_sources(sources: list[Source], jobs: int | None = None, progress: bool = False,
                  limits=None) -> list[FileResult]:
    """Parse each source in a worker process (pebble pool) with the time and memory limits;
    a worker that hangs, crashes or is killed costs its file a `failed` row, never the batch.
    Results in the order given."""
    got = {id(s): r for s, r in iter_parsed(sources, jobs, progress, limits)}
    return [got[id(s)] for s in sources]


# OCR, a PDF's pages or LibreOffice's conversion (readers/office.py): seconds a file
SLOW_FORMATS = (*OCR_FORMATS, *sorted(CONVERTED))


def longest_first(sources: list[Source]) -> list[Source]:
    """The sources in the order to hand them out: likely slowest first (slow formats, then by size),
    so that no worker is left with a long file once the others have run out of work."""
    return sorted(sources, key=lambda s: (s.fmt not in SLOW_FORMATS, -(s.size or 0)))


def _preload() -> None:
    """The reading modules, imported before the pool forks: each worker inherits them instead of
    importing them itself (this module imports them lazily, for the unchanged re-run)."""
    import importlib
    for name in ("evalkit.geo", "evalkit.normalize", "evalkit.recognize", "evalkit.recognize.explain"):
        importlib.import_module(name)


@contextmanager
def worker_pool(**options):
    """A pebble ProcessPool that a stopped run (an error, Ctrl-C, SIGTERM, its consumer gone) stops at once:
    pebble's own exit closes the pool and waits for every file still scheduled, minutes of OCR."""
    from pebble import ProcessPool
    pool = ProcessPool(**options)
    try:
        yield pool
    except BaseException:
        pool.stop()          # pending files dropped, running workers terminated (and waited for)
        pool.join()
        raise
    pool.close()
    pool.join()


def iter_parsed(sources: list[Source], jobs: int | None = None, progress: bool = False, limits=None,
                cache=None):
    """(source, FileResult) pairs, likely slowest files first (`longest_first`), each as its worker
    finishes: a result handed on is no longer held here, so a caller that parks it on disk keeps
    memory flat. With `cache` (a ParseCache) each worker stores what it parsed."""
    lim = limits or _limits.LIMITS
    jobs = max(1, jobs or os.cpu_count() or 1)
    if not sources:
        return
    sources = longest_first(sources)
    _preload()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(sources), desc="ingest", unit="file", file=sys.stderr)
    workers = min(jobs, len(sources))
    if cache is not None:
        cache.prepare()                  # old versions pruned once, here, before the workers write
    with scratch_folder("workers") as scratch, \
            worker_pool(max_workers=workers, initializer=_init_worker,
                        initargs=(lim, workers, ocr_threads(jobs, workers), cache, scratch)) as pool:
        futures = [pool.schedule(parse_file, args=(s.path, s.source_file, s.sha256, s.fmt, time_limit(s, lim)),
                                 timeout=time_limit(s, lim)) for s in sources]
        for n, s in enumerate(sources):
            fut, futures[n] = futures[n], None       # a collected future would keep its result alive

            def again(seconds, s=s):
                return pool.schedule(parse_file, args=(s.path, s.source_file, s.sha256, s.fmt, None), timeout=seconds)
            yield s, collect(fut, s.source_file, s.sha256, s.fmt, time_limit(s, lim), lim, again)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()


# ----------------------------------------------------------------------------- the run

def assemble(results: list[FileResult]) -> dict[str, pd.DataFrame]:
    """The contract's tables from per-file results."""
    from evalkit.tables import frame
    return {
        "reports": frame("reports", [r.report for r in results]),
        "projects": frame("projects", [p for r in results for p in r.projects]),
        "indicators": frame("indicators", [i for r in results for i in r.indicators]),
        "summaries": frame("summaries", [s for r in results for s in r.summaries]),
    }


def chunk_tables(results: list[FileResult], config, checks: bool = True) -> dict[str, pd.DataFrame]:
    """One batch's tables: rows, *_calc columns (grade_calc under each province's bands), findings
    and ledger. Every check is about one report, so batches of whole reports give the run's rows."""
    from evalkit.checks import add_calc_columns, run_checks
    from evalkit.checks.ledger import ledger as check_ledger
    from evalkit.tables import frame
    tables = add_calc_columns(assemble(results), config)
    tables["findings"] = run_checks(tables, config) if checks else frame("findings", [])
    tables["ledger"] = check_ledger(tables) if checks else frame("ledger", [])
    return tables


# ----------------------------------------------------------------------------- batches

BATCH_FILES = 100   # files whose rows are built and checked together; EVALKIT_INGEST_BATCH overrides


def batch_size(n: int | None = None) -> int:
    """Files per batch: the argument, else EVALKIT_INGEST_BATCH, else BATCH_FILES (at least 1)."""
    return max(1, int(n or os.environ.get("EVALKIT_INGEST_BATCH") or BATCH_FILES))


TAIL_FILES_PER_WORKER = 20   # below this many files a worker would cost more to start than it saves


def tail_workers(n_files: int, jobs: int | None) -> int:
    """Processes that build and check the batches: the run's --jobs (all cores with Dask, whose
    workers are idle by then), fewer when there are too few files to share."""
    cores = max(1, jobs or os.cpu_count() or 1)
    return max(1, min(cores, n_files // TAIL_FILES_PER_WORKER))


BATCH_ROWS = 5000   # indicator and project rows a batch holds at most (unless one file has more)


def split_batches(results: list, batch: int, workers: int = 1, rows=None) -> list[list]:
    """Consecutive batches, as even as the files allow: at most `batch` files and about BATCH_ROWS
    rows each (`rows(r)`: a file's rows; memory holds the same whatever the reports' sizes; a
    larger file is a batch of its own), their number a multiple of the workers (every core gets
    an equal share of the run's last step)."""
    n = len(results)
    if not n:
        return [[]]
    weights = [rows(r) for r in results] if rows is not None else [1] * n
    total = sum(weights)
    k = max(-(-n // batch), -(-total // BATCH_ROWS) if rows is not None else 1, 1)
    if workers > 1:
        k = min(n, -(-k // workers) * workers)
    out, cur, acc, i = [], [], 0, 1
    for n_before, (r, w) in enumerate(zip(results, weights)):
        # cut at the next share of the rows, unless the files left would no longer fit in the batches
        # left (a batch of one file more than `batch` would be built alone, after the others)
        even = acc + w / 2 > total * i / k and n - n_before <= (k - i) * batch
        if cur and (even or len(cur) >= batch):
            out.append(cur)
            cur, i = [], i + 1
        cur.append(r)
        acc += w
    return out + [cur]


def file_rows(r) -> int:
    """A parsed file's rows in the tables (its ledger row, projects, indicators)."""
    rep = r.report
    return 1 + int(rep.get("n_projects") or 0) + int(rep.get("n_indicators") or 0)


def _build_batch(spool_path: str, items: list, config, checks: bool, folder: str, index: int) -> dict:
    """One batch's tables built in a worker: its files read back from the spool, every table but the
    findings written as a Parquet piece; returns the findings and, per table, (piece, rows)."""
    with open(spool_path, "rb") as f:
        spool = Spool.reader(f)
        part = chunk_tables([spool.load(r) for r in items], config, checks)
    from evalkit.store import Parts
    out: dict = {"findings": part.pop("findings")}
    for name, df in part.items():
        piece = Parts(Path(folder) / name)
        piece.add(df, index)
        out[name] = (piece.files[0], piece.rows)
    return out


def built_batches(chunks: list[list], spool: Spool, config, checks: bool, folder: Path, workers: int):
    """Each batch's tables, in batch order: built by `workers` processes (forked once all files
    are parsed), or here with one; a batch whose process dies is built here instead."""
    if workers <= 1:
        for chunk in chunks:
            yield chunk_tables([spool.load(r) for r in chunk], config, checks)
        return
    import evalkit.checks  # noqa: F401  (imported once here, inherited by the forked workers)
    import pyarrow.parquet  # noqa: F401  (each batch is forked afresh: it must not import these again)
    spool.f.flush()
    with worker_pool(max_workers=workers, max_tasks=1) as pool:     # a fresh fork a batch: no growth
        futures = [pool.schedule(_build_batch, args=(str(spool.path), chunk, config, checks,
                                                      str(folder / "pieces"), i))
                   for i, chunk in enumerate(chunks)]
        for i, chunk in enumerate(chunks):
            fut, futures[i] = futures[i], None
            try:
                yield fut.result()
            except Exception:  # noqa: BLE001  (a dead or failing worker: this process builds the batch)
                yield chunk_tables([spool.load(r) for r in chunk], config, checks)


def ingest_paths(paths: list[Path], out_dir: Path | None = None, progress: bool = False,
                 checks: bool = True, config=None, jobs: int | None = None,
                 limits=None, keep_format_copies: bool = False, cache_dir: Path | None | bool = None,
                 rebuild: bool = False, stats: dict | None = None, layout: str = "auto",
                 dask=None, batch: int | None = None, want=None, read=None) -> dict[str, pd.DataFrame]:
    """Ingest files/folders; write the tables to `out_dir` (atomically) when given; return them.

    An unchanged re-run (same files, config, options and code as the run that wrote the intact
    dataset at `out_dir`: incremental.py) parses and writes nothing: the tables are read back from
    the dataset, left as it was, and `stats["unchanged"]` is True; `rebuild` always rebuilds.
    `read(out_dir, names, manifest)` reads them (default store.load: DataFrames; the CLI reads
    pyarrow Tables so that path never imports pandas).

    Parsed files are cached (cache.py) in `cache_dir`, by default `.<out>.cache` beside `out_dir`
    (no cache without `out_dir`, or with cache_dir=False): an unchanged file is not parsed again;
    `rebuild` parses everything (and refreshes the cache). `stats` (a dict) receives the counts,
    and `rows`, each table's row count.

    Memory stays flat: parsed files are parked on disk as they come, then built and checked
    `batch` files at a time (batch_size()), each batch's tables spooled as Parquet and streamed
    into the dataset. `want`: the tables to return (default all; the CLI asks for reports and
    findings only, so a big corpus is never read back whole).

    Byte-identical copies are always counted once; the same report in several formats too,
    unless `keep_format_copies` (to compare readers on one report). `layout`: store.write_atomic's.
    `dask`: a scheduler address (or a LocalCluster/Client) to parse on instead of local processes.
    Raises InputError when no report file is found and FilesFailed when every file failed:
    in both cases `out_dir` is left as it was."""
    from evalkit.store import check_out_dir
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise InputError(f"找不到输入：{'、'.join(missing)}", "请检查路径是否正确、磁盘是否已挂载")
    if out_dir is not None:
        check_out_dir(out_dir, paths)       # refuse early, before any parsing
    lim = limits or _limits.LIMITS
    if cache_dir is None and out_dir is not None:
        cache_dir = Path(out_dir).absolute().parent / f".{Path(out_dir).name}.cache"
    from evalkit.cache import ParseCache, parser_version
    version = parser_version(lim)
    cache = ParseCache(cache_dir, version) if cache_dir else None
    with scratch_folder("archives") as stage:
        return _ingest(paths, out_dir, Path(stage), lim=lim, progress=progress, checks=checks, config=config,
                       jobs=jobs, keep_format_copies=keep_format_copies, cache=cache, rebuild=rebuild,
                       stats=stats if stats is not None else {}, layout=layout, dask=dask,
                       batch=batch_size(batch), want=want, version=version, read=read)


def _ingest(paths: list[Path], out_dir: Path | None, stage: Path, *, lim, progress: bool, checks: bool,
            config, jobs: int | None, keep_format_copies: bool, cache, rebuild: bool,
            stats: dict, layout: str = "auto", dask=None, batch: int = BATCH_FILES,
            want=None, version: str = "", read=None) -> dict[str, pd.DataFrame]:
    """The steps of one run: discover -> hash -> (unchanged: read the dataset back and stop) ->
    cache or parse (parked on disk) -> identity -> tables and checks by batch (spooled) -> write."""
    (stage / "archives").mkdir()
    found = discover(paths, lim, stage / "archives")
    if found.own_outputs:
        stats["own_outputs"] = found.own_outputs
    if found.page_folders:
        stats["page_folders"] = found.page_folders
    if found.given_twice:
        stats["given_twice"] = found.given_twice
    if found.system_folders:
        stats["system_folders"] = found.system_folders
    if found.skipped:
        stats["skipped"] = {"n": found.skipped, "types": found.skipped_types}
    if not found.sources:
        own = f"，{len(found.own_outputs)} 个 evalkit 自己生成的文件夹未读" if found.own_outputs else ""
        raise InputError(f"在 {'、'.join(map(str, paths))} 中没有找到可读取的报告文件"
                         f"（{found.skipped} 个其他类型的文件被跳过{own}）",
                         f"支持 {', '.join(sorted(set(SUFFIXES) | set(ARCHIVE_SUFFIXES)))}；数据集未改动")
    results, todo, dups = hash_sources(found.sources)
    signature = None
    if out_dir is not None:
        from evalkit.incremental import run_signature
        signature = run_signature(found.sources, inputs=paths, skipped=found.skipped, parser=version,
                                  config=config, checks=checks, keep_format_copies=keep_format_copies,
                                  layout=layout)
        if not rebuild:
            kept = read_unchanged(out_dir, signature, want, read)
            if kept is not None:
                tables, rows = kept
                stats.update(files=len(found.sources), parsed=0, from_cache=len(todo), unchanged=True, rows=rows)
                return tables
    return _build(paths, found, results, todo, dups, out_dir, stage, lim=lim, progress=progress, checks=checks,
                  config=config, jobs=jobs, keep_format_copies=keep_format_copies, cache=cache, rebuild=rebuild,
                  stats=stats, layout=layout, dask=dask, batch=batch, want=want, signature=signature)


def hash_sources(sources: list[Source]) -> tuple[list, list[Source], list[Source]]:
    """Hash each source (a file that cannot be read gets its problem): the failed rows, the distinct
    contents to parse, and the byte-identical copies of one of them."""
    results: list = []
    first_by_sha: dict[str, Source] = {}
    todo: list[Source] = []
    dups: list[Source] = []
    for s in sources:
        if s.problem is None:
            try:
                s.stamp = file_stamp(s.path)
                s.sha256 = hash_file(s.path)
            except OSError as e:
                s.problem = f"无法读取文件（{os_reason(e)}）"
        if s.problem is not None:
            results.append(from_path(_failed(s.source_file, None, s.fmt, s.problem)))
        elif s.sha256 in first_by_sha:
            dups.append(s)
        else:
            first_by_sha[s.sha256] = s
            todo.append(s)
    return results, todo, dups


def read_unchanged(out_dir: Path, signature: dict, want, read=None):
    """(tables, row counts) from the dataset at `out_dir` when a run of this signature wrote it and it
    is intact, read under its lock and left untouched; None when it must be rebuilt."""
    from evalkit.incremental import DERIVED, matching_manifest
    from evalkit.store import dataset_lock
    if not Path(out_dir).is_dir():
        return None
    with dataset_lock(out_dir, write=False):
        manifest = matching_manifest(out_dir, signature)
        if manifest is None:
            return None
        names = [n for n in (DERIVED if want is None else want) if n in manifest["tables"]]
        tables = (read or _load_frames)(Path(out_dir), names, manifest)
    return tables, {n: int(manifest["tables"][n]["rows"]) for n in DERIVED}


def _load_frames(out_dir: Path, names: list[str], manifest: dict) -> dict:
    """The tables as DataFrames (checksums were verified just before, under the same lock)."""
    from evalkit.store import load
    return load(out_dir, verify=False, lock=False, tables=names)


def _build(paths: list[Path], found: Discovery, results: list, todo: list[Source], dups: list[Source],
           out_dir: Path | None, stage: Path, *, lim, progress: bool, checks: bool, config, jobs: int | None, keep_format_copies: bool,
           cache, rebuild: bool, stats: dict, layout: str, dask, batch: int, want,
           signature: dict | None) -> dict[str, pd.DataFrame]:
    """Parse what the cache does not hold, build and check the tables by batch, write the dataset."""
    import pandas as pd

    from evalkit.checks import load_config
    from evalkit.checks.findings import in_order
    from evalkit.store import Parts, load, write_atomic
    spool = Spool(stage)
    try:
        parsed: list[Parked] = []
        misses = todo
        if cache is not None and not rebuild:
            misses = []
            for s in todo:
                c = cache.get(s.sha256, s.fmt, s.source_file)
                if c is None:
                    misses.append(s)
                else:
                    parsed.append(spool.park(from_path(c)))
        n_cached = len(parsed)
        if dask is not None:
            from evalkit.distributed import iter_on_dask
            fresh = iter_on_dask(misses, dask, progress=progress, limits=lim)
        else:
            fresh = iter_parsed(misses, jobs=jobs, progress=progress, limits=lim, cache=cache)
        unsettled = 0         # time-outs and crashed workers: the machine's doing, tried again next run
        with closing(fresh):  # stopped here: its pool and temporary folders go now, not when the traceback does
            for s, r in fresh:
                if changed_since_hashed(s):
                    if cache is not None:
                        cache.drop(s.sha256, s.fmt)      # what a worker stored may be of the new bytes
                    r = _failed(s.source_file, s.sha256, s.fmt, CHANGED_WHILE_READ)   # not cacheable: read next run
                if cache is not None and r.cacheable and dask is not None:    # local workers stored theirs
                    cache.put(s.sha256, s.fmt, r)
                unsettled += not r.cacheable
                parsed.append(spool.park(from_path(r)))
        stats.update(files=len(found.sources), parsed=len(misses), from_cache=n_cached, unchanged=False)
        by_sha = {r.report["sha256"]: r for r in parsed}
        for s in dups:
            rid = f"{s.sha256[:16]}-{hashlib.sha256(s.source_file.encode('utf-8')).hexdigest()[:6]}"
            results.append(duplicate_row(s, by_sha[s.sha256], "same_file", rid))
        if keep_format_copies:
            results = parsed + results
        else:
            results = latest_versions(same_report_duplicates(parsed, key=lambda r: r.key, near=lambda r: r.near)
                                      + results, spool)
            mark_repeats(results)
        mark_earlier_copies(results)
        results.sort(key=lambda r: r.report["source_file"])
        config = config or load_config()
        status = [r.report.get("status") for r in results]
        if out_dir is not None and all(st == "failed" for st in status if st != "duplicate"):
            tables = chunk_tables([spool.load(r) for r in results], config, checks)   # no rows: small
            err = FilesFailed(f"全部 {len(status)} 个文件都读取失败，数据集 {out_dir} 未改动",
                              "失败原因见上方清单")
            err.tables = tables
            raise err
        workers = tail_workers(len(results), jobs if dask is None else None)
        chunks = split_batches(results, batch, workers, rows=file_rows)
        if len(chunks) == 1:           # one batch: its tables are the run's, kept in memory
            tables = chunk_tables([spool.load(r) for r in chunks[0]], config, checks)
        else:
            tables, findings = {}, []
            with closing(built_batches(chunks, spool, config, checks, stage / "parts", workers)) as built:
                for part in built:
                    findings.append(part.pop("findings"))     # a few per report, ordered across batches below
                    for name, piece in part.items():
                        parts = tables.setdefault(name, Parts(stage / "parts" / name))
                        parts.adopt(*piece) if isinstance(piece, tuple) else parts.add(piece)
                    del part
            found_rows = [f for f in findings if len(f)] or findings[:1]
            tables["findings"] = in_order(pd.concat(found_rows, ignore_index=True)) if len(found_rows) > 1 \
                else found_rows[0]
    finally:
        spool.close()
    stats["rows"] = {name: len(t) for name, t in tables.items()}
    if out_dir is not None:
        counts: dict[str, int] = {}
        for st in status:
            counts[str(st)] = counts.get(str(st), 0) + 1
        meta = {"inputs": [str(Path(p).absolute()) for p in paths],
                "files": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
                "skipped_other_types": found.skipped, "skipped_types": found.skipped_types,
                "skipped_evalkit_outputs": found.own_outputs, "skipped_system_folders": found.system_folders,
                "web_page_folders": found.page_folders, "given_twice": found.given_twice, "parsed": len(misses), "from_cache": n_cached,
                "signature": signature, "unsettled": unsettled}
        if checks:
            from evalkit.terminal import printed
            meta["printed"] = printed(tables["reports"], tables["findings"])
        write_atomic(tables, out_dir, inputs=paths, meta=meta, layout=layout)
    names = list(tables) if want is None else [n for n in want if n in tables]
    if all(isinstance(tables[n], pd.DataFrame) for n in names):
        return {n: tables[n] for n in names}
    if out_dir is not None:
        return load(out_dir, tables=names)
    return {n: tables[n] if isinstance(tables[n], pd.DataFrame) else tables[n].to_pandas() for n in names}
