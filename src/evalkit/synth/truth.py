"""The corpus's truth in the format of ../shared/truth/ (truthcheck.py scores an ingest against it), and the checks'
recall and precision against its findings (`score_findings`)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from evalkit import grades as scales
from evalkit.synth.draw import Report
from evalkit.synth.vocab import D0, TRUTH_REPORT_COLS, fixed2, trim


# ------------------------------------------------------------------------------ truth

def truth_rows(rep: Report) -> tuple[list, list, dict]:
    """The report's rows of projects.csv and indicators.csv (lists in column order) and of reports.csv."""
    seed = Path(rep.rel).name
    projects, indicators = [], []
    year = str(rep.year)
    for p in rep.projects:
        projects.append([seed, rep.county, year, p.agency, p.name,
                         fixed2(p.initial) if rep.layout == "dept" else trim(p.initial), trim(p.full),
                         trim(p.executed), trim(p.rate), trim(p.bw), trim(p.bs), trim(p.total), p.grade or ""])
        # annex writes `产出指标(50分)`: the checker ignores such annotations
        indicators += [[seed, rep.county, p.name, ln.level1, ln.level2, ln.level3, f"{ln.op}{ln.value}{ln.unit}",
                        ln.actual, trim(ln.weight), trim(ln.score)] for ln in p.lines]
    r = {c: "" for c in TRUTH_REPORT_COLS}
    r.update(seed=seed, county=rep.county, city=rep.city, province=rep.province, agency=rep.agency,
             fiscal_year=str(rep.year), doc_kind=rep.doc_kind, n_project_tables=str(len(rep.projects)),
             stated_overall_score=trim(rep.overall_score), stated_overall_grade=rep.overall_grade or "",
             narrative_score=trim(rep.narrative_score))
    if rep.summary:
        s = rep.summary
        r.update(summary_projects_due=str(s["projects_due"]), summary_projects_evaluated=str(s["projects_evaluated"]),
                 summary_funds_due=trim(s["funds_due"]), summary_funds_evaluated=trim(s["funds_evaluated"]))
        for g, col in scales.COUNT_COLUMNS.items():
            r[col] = str(s["counts"][g]) if s["counts"][g] else ""
    if rep.statement:
        s = rep.statement
        r.update(summary_projects_evaluated=str(s["n"]), summary_funds_evaluated=fixed2(s["funds"]),
                 summary_avg_score=fixed2(s["avg"]))
        for g, col in scales.COUNT_COLUMNS.items():
            r[col] = str(s["counts"][g])
    return projects, indicators, r


STANDARD_GROUPS = {"产出指标": 50, "效益指标": 30, "满意度指标": 10}


def expected_findings(rep: Report) -> list[dict]:
    """What the checks should say about this report: each injection and the findings that follow from it."""
    out = []
    for p in rep.projects:
        for rule, detail in p.injected:
            row = {"source_file": rep.rel, "seed": Path(rep.rel).name, "project_name": p.name, "rule": rule,
                   "kind": "injected", "detail": detail}
            out.append(row)
            if rule == "grade_mismatch":
                out.append(row | {"project_name": "", "rule": "report_grade_mismatch", "kind": "consequence"})
            if rule == "weight_sum_mismatch" and rep.layout != "form":
                sums: dict[str, Decimal] = {}
                for ln in p.lines:
                    sums[ln.level1] = sums.get(ln.level1, D0) + ln.weight
                for g, std in STANDARD_GROUPS.items():
                    if sums.get(g, D0) != std:
                        out.append(row | {"rule": "group_weight_nonstandard", "kind": "consequence",
                                          "detail": f"{g}权重合计{trim(sums.get(g, D0))}，标准{std}"})
    return out


# ------------------------------------------------------------------------------ scoring the checks

def score_findings(dataset_dir, truth_dir) -> dict:
    """Recall and precision of the checks: the dataset's findings against DIR/truth/findings.csv.

    A finding is keyed by (source_file, project_name — '' for report-level findings, rule), counted
    with multiplicity. Scored: every rule the truth expects, and every error/warning rule found
    (a clean report must raise none); info findings of rules the truth never expects (e.g.
    `template_nonstandard` on seed 004's form) are listed under `unscored`."""
    import pandas as pd
    dataset_dir, truth_dir = Path(dataset_dir), Path(truth_dir)
    found = pd.read_parquet(dataset_dir / "findings.parquet")
    projects = pd.read_parquet(dataset_dir / "projects.parquet")
    names = dict(zip(projects["project_id"].astype(str), projects["project_name"].astype(str)))
    truth = pd.read_csv(truth_dir / "findings.csv", dtype=str, keep_default_na=False)

    def pname(pid) -> str:
        return "" if pid is None or str(pid) in ("", "None", "nan", "<NA>") else names.get(str(pid), str(pid))

    got = Counter((str(r.source_file), pname(r.project_id), str(r.rule)) for r in found.itertuples(index=False))
    want = Counter((r.source_file, r.project_name, r.rule) for r in truth.itertuples(index=False))
    severity = dict(zip(found["rule"].astype(str), found["severity"].astype(str)))
    scored = set(want_rule for _, _, want_rule in want) | {k[2] for k in got if severity.get(k[2]) in ("error", "warning")}
    per_rule, unscored = {}, Counter()
    tp_all = exp_all = found_all = 0
    missed, spurious = [], []
    for rule in sorted(scored | {k[2] for k in got}):
        if rule not in scored:
            unscored[rule] = sum(v for k, v in got.items() if k[2] == rule)
            continue
        w = Counter({k: v for k, v in want.items() if k[2] == rule})
        g = Counter({k: v for k, v in got.items() if k[2] == rule})
        tp = sum((w & g).values())
        ne, nf = sum(w.values()), sum(g.values())
        per_rule[rule] = {"expected": ne, "found": nf, "tp": tp, "recall": tp / ne if ne else 1.0,
                          "precision": tp / nf if nf else 1.0}
        missed += [k for k in (w - g).elements()]
        spurious += [k for k in (g - w).elements()]
        tp_all, exp_all, found_all = tp_all + tp, exp_all + ne, found_all + nf
    return {"recall": tp_all / exp_all if exp_all else 1.0, "precision": tp_all / found_all if found_all else 1.0,
            "per_rule": per_rule, "unscored": dict(unscored), "expected": exp_all, "found": found_all,
            "missed": missed[:50], "spurious": spurious[:50]}
