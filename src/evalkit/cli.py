"""Command line: `evalkit ingest`, `evalkit check`, `evalkit report`."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _print_ledger(reports) -> None:
    import pandas as pd
    print(f"{'file':48s} {'format':6s} {'status':8s} {'projects':>8s} {'indicators':>10s}  error")
    for r in reports.itertuples():
        err = "" if pd.isna(r.error) else str(r.error)
        print(f"{str(r.source_file)[:48]:48s} {str(r.format):6s} {str(r.status):8s} "
              f"{int(r.n_projects or 0):8d} {int(r.n_indicators or 0):10d}  {err}")


def cmd_ingest(a) -> int:
    from evalkit.ingest import ingest_paths
    missing = [p for p in a.paths if not Path(p).exists()]
    if missing:
        print(f"evalkit ingest: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    config = None
    if a.config or a.profile:
        from evalkit.checks import load_config
        config = load_config(a.config, a.profile)
    tables = ingest_paths([Path(p) for p in a.paths], Path(a.out), progress=not a.quiet,
                          checks=not a.no_checks, config=config)
    rep = tables["reports"]
    _print_ledger(rep)
    counts = rep["status"].value_counts().to_dict()
    print(f"{len(rep)} files ({', '.join(f'{v} {k}' for k, v in counts.items())}); "
          f"{len(tables['projects'])} projects, {len(tables['indicators'])} indicators, "
          f"{len(tables['summaries'])} summaries, {len(tables['findings'])} findings "
          f"-> {a.out} in {time.perf_counter() - t0:.2f} s")
    if not a.no_checks and len(tables["findings"]):
        from evalkit.checks import format_summary
        print(format_summary(tables["findings"]))
    return 1 if counts.get("failed", 0) == len(rep) and len(rep) else 0


def cmd_check(a) -> int:
    from evalkit.checks import format_summary, load_config, run_checks
    from evalkit.store import load, write_atomic
    t0 = time.perf_counter()
    tables = load(a.dir)
    findings = run_checks(tables, load_config(a.config, a.profile))
    print(format_summary(findings))
    print(f"{len(findings)} findings in {time.perf_counter() - t0:.2f} s")
    if a.write:
        tables["findings"] = findings
        write_atomic(tables, a.dir)
    return 0


def cmd_report(a) -> int:
    from evalkit.report import NotebookFailed, ReportBusy, run_report
    try:
        out = run_report(a.clean, a.out, region=a.region, year=a.year, progress=not a.quiet,
                         keep=a.keep, workers=a.workers, county_profiles=not a.no_county_profiles)
    except NotebookFailed as e:
        print(f"evalkit report: {e}", file=sys.stderr)
        return 1
    except (ReportBusy, ValueError, FileNotFoundError) as e:
        print(f"evalkit report: {e}", file=sys.stderr)
        return 2
    print(f"report written to {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="evalkit", description="预算绩效自评 reports into tidy, checked tables")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ingest", help="read reports (files or folders) into the contract's Parquet tables")
    p.add_argument("paths", nargs="+")
    p.add_argument("--out", required=True, help="folder for the tables (replaced atomically)")
    p.add_argument("--no-checks", action="store_true", help="skip the checks (findings stays empty)")
    p.add_argument("--config", help="checks configuration file (default: the bundled checks.toml)")
    p.add_argument("--profile", help="checks profile, e.g. a province name")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_ingest)
    c = sub.add_parser("check", help="recompute findings for an ingested dataset")
    c.add_argument("dir")
    c.add_argument("--config")
    c.add_argument("--profile")
    c.add_argument("--write", action="store_true", help="store the findings back into DIR")
    c.set_defaults(func=cmd_check)
    r = sub.add_parser("report", help="run the notebooks into reports/<region>-<year>-<timestamp>/")
    r.add_argument("--clean", required=True)
    r.add_argument("--out", default="reports")
    r.add_argument("--region")
    r.add_argument("--year", help="2022, 2021-2023 or 2022,2024 (default: all years)")
    r.add_argument("--keep", type=int, help="keep only the N newest successful runs")
    r.add_argument("--workers", type=int, help="notebooks run at once (default 2)")
    r.add_argument("--no-county-profiles", action="store_true", help="skip the per-county profile notebooks")
    r.add_argument("--quiet", action="store_true")
    r.set_defaults(func=cmd_report)
    return ap


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    try:
        return a.func(a)
    except BrokenPipeError:                 # `evalkit ingest … | head`: the reader left, not an error
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
