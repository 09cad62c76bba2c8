"""Ingest: files -> documents -> recognized records -> the contract's tables, written atomically."""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evalkit.checks import add_calc_columns, load_config, run_checks
from evalkit.geo import locate
from evalkit.model import Document, ReadError
from evalkit.dept_summary import extract_dept_summary
from evalkit.normalize import parse_measure
from evalkit.readers import format_of, read
from evalkit.recognize import Extraction, recognize
from evalkit.store import write_atomic
from evalkit.tables import frame


@dataclass
class FileResult:
    """What one input file produced; `report` is its ledger row (status and error)."""
    report: dict
    projects: list[dict]
    indicators: list[dict]
    summaries: list[dict]


def discover(paths: list[Path]) -> list[tuple[Path, str]]:
    """Every readable file under the given files/folders, with its path relative to its ingest root."""
    found: list[tuple[Path, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and format_of(f):
                    found.append((f, f.relative_to(p).as_posix()))
        else:
            found.append((p, p.name))
    return found


def doc_kind(ex: Extraction, n_projects: int, has_summary: bool) -> str:
    """project_report (one project), department_report (决算/部门整体), project_tables (a bundle)."""
    if ex.report.get("mentions_department"):
        return "department_report"
    if n_projects >= 2 or (has_summary and n_projects != 1):
        return "project_tables"
    if n_projects == 0 and has_summary:
        return "department_report"
    return "project_report"


def build(doc: Document, source_file: str, sha: str, fmt: str) -> FileResult:
    """Map one document's recognized content to rows of the contract's tables."""
    ex = recognize(doc)
    rep = ex.report
    report_id = sha[:16]
    summaries = [s for s in ex.summaries if any(v is not None for v in s.values())]
    dept = extract_dept_summary(doc) if not ex.projects else None
    if dept:
        summaries.append({k: dept.get(k) for k in ("projects_due", "projects_evaluated", "funds_due",
                                                   "funds_evaluated", "avg_score", "count_you",
                                                   "count_liang", "count_zhong", "count_cha", "notes")})
        rep["agency"] = dept.get("agency") or rep["agency"]
        rep["fiscal_year"] = dept.get("fiscal_year") or rep["fiscal_year"]
        rep["mentions_department"] = True
    agency = rep["agency"]
    county, city, province = locate(agency)
    if county is None:
        head = " ".join(p.text for p, _ in zip(doc.paragraphs(), range(40)))
        county, city, province = locate(head[:2000])
    place = {"county": county, "city": city, "province": province}

    projects, indicators = [], []
    single = len(ex.projects) == 1
    for n, p in enumerate(ex.projects, start=1):
        pid = f"{report_id}-p{n:02d}"
        lines = p.indicators()
        if single:
            p.put("total_score", rep["stated_overall_score"], 1)
            if p.grade is None and rep["stated_overall_grade"]:
                p.grade, p.grade_raw = rep["stated_overall_grade"], rep["stated_overall_grade_raw"]
        name = p.project_name or (rep["project_name_hint"] if single else None)
        projects.append({
            "project_id": pid, "report_id": report_id, "source_file": source_file, **place,
            "agency": p.agency or agency, "fiscal_year": rep["fiscal_year"], "project_name": name,
            "budget_initial": p.budget_initial, "budget_full_year": p.budget_full_year,
            "executed": p.executed, "execution_rate": p.execution_rate,
            "budget_weight": p.budget_weight, "budget_score": p.budget_score,
            "total_score": p.total_score, "grade": p.grade, "grade_raw": p.grade_raw,
            "max_score": p.max_score, "has_deviation_column": p.has_deviation_column,
            "deviation_note": p.deviation_note, "execution_rate_line": p.execution_rate_line,
            "n_indicators": len(lines),
        })
        for k, i in enumerate(lines, start=1):
            t_op, t_val, t_unit = parse_measure(i.target)
            a_op, a_val, a_unit = parse_measure(i.actual)
            indicators.append({
                "project_id": pid, "source_file": source_file, "county": county, "project_name": name,
                "level1": i.level1, "level2": i.level2, "level3": i.level3, "target": i.target,
                "actual": i.actual, "target_op": t_op, "target_value": t_val, "target_unit": t_unit,
                "actual_value": a_val, "actual_unit": a_unit, "weight": i.weight, "score": i.score,
                "deviation_reason": i.deviation_reason, "actual_op": a_op, "line_no": k,
                "report_id": report_id,
            })
    found_something = bool(projects or summaries or rep["stated_overall_score"] is not None)
    problems = list(doc.warnings)
    if not found_something:
        problems.append("no project self-evaluation table, summary table or results statement recognized")
    report = {
        "report_id": report_id, "source_file": source_file, "sha256": sha, "format": fmt,
        "status": "partial" if problems else "ok",
        "error": f"{source_file}: {'; '.join(problems)}" if problems else None,
        **place, "agency": agency, "fiscal_year": rep["fiscal_year"],
        "doc_kind": doc_kind(ex, len(projects), bool(summaries)), "n_projects": len(projects),
        "stated_overall_score": rep["stated_overall_score"], "stated_overall_grade": rep["stated_overall_grade"],
        "narrative_score": rep["narrative_score"], "stated_overall_grade_raw": rep["stated_overall_grade_raw"],
        "narrative_parts": json.dumps(rep["narrative_parts"], ensure_ascii=False) if rep["narrative_parts"] else None,
        "n_indicators": len(indicators), "pages": doc.pages,
    }
    summary_rows = [{"report_id": report_id, "source_file": source_file, "agency": agency,
                     "fiscal_year": rep["fiscal_year"], **s} for s in summaries]
    return FileResult(report, projects, indicators, summary_rows)


def ingest_file(path: Path, source_file: str) -> FileResult:
    """One file, never raising: an unreadable file becomes a `failed` ledger row with the reason."""
    fmt = {"xls": "xlsx"}.get(format_of(path), format_of(path)) or path.suffix.lstrip(".").lower()
    try:
        raw = path.read_bytes()
        sha = hashlib.sha256(raw).hexdigest()
    except OSError as e:
        sha = hashlib.sha256(str(path).encode()).hexdigest()
        return _failed(source_file, sha, fmt, f"cannot open file: {e.strerror or e}")
    try:
        doc = read(path)
        return build(doc, source_file, sha, fmt)
    except ReadError as e:
        return _failed(source_file, sha, fmt, str(e))
    except Exception as e:  # a bug or an unforeseen layout must not stop the batch
        return _failed(source_file, sha, fmt, f"internal error while reading ({type(e).__name__}: {e})")


def _failed(source_file: str, sha: str, fmt: str, error: str) -> FileResult:
    return FileResult({"report_id": sha[:16], "source_file": source_file, "sha256": sha, "format": fmt,
                       "status": "failed", "error": f"{source_file}: {error}", "n_projects": 0,
                       "n_indicators": 0}, [], [], [])


def assemble(results: list[FileResult]) -> dict[str, pd.DataFrame]:
    """The contract's tables from per-file results."""
    return {
        "reports": frame("reports", [r.report for r in results]),
        "projects": frame("projects", [p for r in results for p in r.projects]),
        "indicators": frame("indicators", [i for r in results for i in r.indicators]),
        "summaries": frame("summaries", [s for r in results for s in r.summaries]),
    }


def ingest_paths(paths: list[Path], out_dir: Path | None = None, progress: bool = False,
                 checks: bool = True, config=None) -> dict[str, pd.DataFrame]:
    """Ingest files/folders; write the tables to `out_dir` (atomically) when given; return them."""
    files = discover([Path(p) for p in paths])
    results = []
    iterator = files
    if progress:
        from tqdm import tqdm
        iterator = tqdm(files, desc="ingest", unit="file", file=sys.stderr)
    for path, rel in iterator:
        results.append(ingest_file(path, rel))
    config = config or load_config()
    tables = add_calc_columns(assemble(results), config)   # *_calc columns, grade_calc under the province's bands
    tables["findings"] = run_checks(tables, config) if checks else frame("findings", [])
    if out_dir is not None:
        write_atomic(tables, out_dir)
    return tables
