"""Command line: `evalkit ingest`, `evalkit check`, `evalkit report`, `evalkit inspect`.

Every user error is an `EvalkitError` (evalkit.errors), caught once in `main`: one Chinese line
naming the file or option and what to do, and the documented exit code (0 done, 1 files failed,
2 usage/input error, 3 nothing selected); `--debug` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

from evalkit.errors import EXIT_OK, EvalkitError, FilesFailed, UsageError


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _cut(s: str, width: int) -> str:
    """`s` cut and padded to `width` display columns (control characters shown escaped)."""
    s = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in s)
    out, w = "", 0
    for ch in s:
        cw = _width(ch)
        if w + cw > width:
            break
        out, w = out + ch, w + cw
    return out + " " * (width - w)


def _print_ledger(reports) -> None:
    import pandas as pd
    print(f"{_cut('文件', 48)} {_cut('格式', 6)} {_cut('状态', 9)} {'项目':>4} {'指标':>6}  说明")
    for r in reports.itertuples():
        if r.status == "duplicate":
            err = f"与 {getattr(r, 'duplicate_of_file', '')} 重复，只计一次"
        else:
            err = "" if pd.isna(r.error) else str(r.error)
        print(f"{_cut(str(r.source_file), 48)} {_cut(str(r.format), 6)} {_cut(str(r.status), 9)} "
              f"{int(r.n_projects or 0):6d} {int(r.n_indicators or 0):8d}  {err}")


def _config(a):
    if not (a.config or a.profile):
        return None
    from evalkit.checks import load_config
    return load_config(a.config, a.profile)


def cmd_ingest(a) -> int:
    import pyarrow as pa

    from evalkit.ingest import ingest_paths
    # batches are spooled through pyarrow: its default allocator keeps freed pages for reuse, so the
    # process would grow with the number of batches; the system allocator gives them back
    pa.set_memory_pool(pa.system_memory_pool())
    t0 = time.perf_counter()
    config = _config(a)
    stats: dict = {}
    try:
        tables = ingest_paths([Path(p) for p in a.paths], Path(a.out), progress=not a.quiet,
                              checks=not a.no_checks, config=config, jobs=a.jobs,
                              keep_format_copies=a.keep_format_copies, rebuild=a.rebuild, stats=stats,
                              layout=a.layout, dask=a.dask, want=("reports", "findings"))
    except FilesFailed as e:
        _print_ledger(e.tables["reports"])
        raise
    rep = tables["reports"]
    _print_ledger(rep)
    counts = rep["status"].value_counts().to_dict()
    print(f"{len(rep)} 个文件（{'，'.join(f'{k} {v}' for k, v in counts.items())}）；"
          f"{stats['rows']['projects']} 个项目，{stats['rows']['indicators']} 条指标，"
          f"{stats['rows']['summaries']} 个汇总，{len(tables['findings'])} 条复核发现 "
          f"-> {a.out}，用时 {time.perf_counter() - t0:.2f} 秒"
          f"（解析 {stats.get('parsed', 0)} 个，{stats.get('from_cache', 0)} 个未变、取自缓存）")
    if not a.no_checks and len(tables["findings"]):
        from evalkit.checks import format_summary
        print(format_summary(tables["findings"]))
    failed = counts.get("failed", 0)
    if failed:
        print(f"注意：{failed} 个文件读取失败（见上表“说明”列），其余文件已写入数据集。", file=sys.stderr)
        if a.strict:
            raise FilesFailed(f"{failed} 个文件读取失败（--strict）", "数据集已写入；去掉 --strict 则失败文件不影响退出码")
    return EXIT_OK


def cmd_sql(a) -> int:
    from evalkit.sql import query
    df = query(a.dir, a.query)
    if a.csv:
        out = Path(a.csv)
        if out.exists():
            raise UsageError(f"{out} 已存在，为免覆盖，拒绝写入", "请换一个文件名")
        df.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"{len(df)} 行已写入 {out}")
    else:
        import pandas as pd
        with pd.option_context("display.max_rows", a.max_rows, "display.max_columns", None, "display.width", 200):
            print(df.to_string(index=False, max_rows=a.max_rows) if len(df) else "（没有结果）")
        print(f"（{len(df)} 行）", file=sys.stderr)
    return EXIT_OK


def cmd_review_import(a) -> int:
    from evalkit.review import import_workbook
    c = import_workbook(a.dir, a.workbook)
    print(f"已导入 {c['imported']} 条复核结论（其中 {c['matched']} 条对应当前的检查发现，"
          f"{c['unmatched']} 条的发现已不再出现）；数据集中共有 {c['total']} 条复核结论。")
    return EXIT_OK


def cmd_review_list(a) -> int:
    from evalkit.review import format_list
    from evalkit.store import load
    print(format_list(load(a.dir), show_open=a.all))
    return EXIT_OK


def cmd_annotate(a) -> int:
    from evalkit.annotate import annotate_pdf, marks_for_file
    from evalkit.store import load
    if Path(a.file).suffix.lower() != ".pdf":
        raise UsageError("evalkit annotate 只能为 PDF 文件加批注", "其他格式请用 evalkit inspect FILE --html 查看")
    marks = marks_for_file(a.file, load(a.dir))
    n = annotate_pdf(a.file, a.out, marks)
    print(f"已在 {a.out} 中标出 {n} 条检查发现" + ("" if n else "（这份文件没有带页码的检查发现）"))
    return EXIT_OK


def cmd_check(a) -> int:
    from evalkit.checks import format_summary, run_checks
    from evalkit.checks.ledger import ledger as check_ledger
    from evalkit.store import dataset_lock, layout_of, load, write_atomic
    t0 = time.perf_counter()
    config = _config(a)
    if not Path(a.dir).is_dir():
        from evalkit.errors import InputError
        raise InputError(f"数据集文件夹 {a.dir} 不存在", "请先运行 evalkit ingest 生成数据集")
    if a.write:   # read, recompute and write back under one lock: an ingest cannot slip in between
        with dataset_lock(a.dir):
            tables = load(a.dir, lock=False)
            findings = run_checks(tables, config)
            tables["findings"] = findings
            tables["ledger"] = check_ledger(tables)
            write_atomic(tables, a.dir, lock=False, layout=layout_of(a.dir))
    else:
        tables = load(a.dir)
        findings = run_checks(tables, config)
    print(format_summary(findings))
    print(f"{len(findings)} 条复核发现，用时 {time.perf_counter() - t0:.2f} 秒")
    return EXIT_OK


def year_arg(text: str | None) -> str | None:
    """--year: 2022, 2022年, 2021-2023, 2022,2024; anything else is a UsageError."""
    if text is None:
        return None
    s = re.sub(r"\s*年度?", "", text.strip())
    if s in ("", "all", "全部"):
        return None
    if re.fullmatch(r"\d{4}(\s*[-–~至]\s*\d{4})?|\d{4}([,，;；\s]+\d{4})*", s):
        return s
    raise UsageError(f"--year 的值“{text}”不是年度", "请写成 2022、2021-2023 或 2022,2024")


def cmd_report(a) -> int:
    from evalkit.report import run_report
    out = run_report(a.clean, a.out, region=a.region, year=year_arg(a.year), progress=not a.quiet,
                     keep=a.keep, workers=a.workers, county_profiles="none" if a.no_county_profiles else a.county_profiles)
    print(f"报告已写入 {out}")
    return EXIT_OK


def cmd_inspect(a) -> int:
    from evalkit.recognize.explain import inspect_file
    if a.html:
        from evalkit.recognize.explain import write_html
        n = write_html(Path(a.file), Path(a.html), Path(a.dir) if a.dir else None)
        print(f"读取视图已写入 {a.html}" + (f"（标出 {n} 条检查发现）" if n else ""))
        return EXIT_OK
    print(inspect_file(Path(a.file), table=a.table, json_out=a.json))
    return EXIT_OK


EPILOG = """exit codes / 退出码: 0 done 完成; 1 files failed 有文件读取失败 (all, or any with --strict) or a
notebook failed; 2 usage or input error 用法或输入错误; 3 nothing selected 所选范围没有报告.
--debug shows the Python traceback of an error."""


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="evalkit", description="预算绩效自评 reports into tidy, checked tables",
                                 epilog=EPILOG)
    ap.add_argument("--debug", action="store_true", help="show tracebacks (显示错误的调用栈)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("ingest", help="read reports (files or folders) into the contract's Parquet tables",
                       epilog=EPILOG)
    p.add_argument("paths", nargs="+")
    p.add_argument("--out", required=True,
                   help="dataset folder: new, empty, or an earlier evalkit dataset (replaced atomically; "
                        "a folder holding anything else is refused)")
    p.add_argument("--no-checks", action="store_true", help="skip the checks (findings stays empty)")
    p.add_argument("--config", help="checks configuration file (default: the bundled checks.toml)")
    p.add_argument("--profile", help="checks profile, e.g. a province name")
    p.add_argument("--jobs", type=int, help="worker processes parsing files (default: all cores)")
    p.add_argument("--keep-format-copies", action="store_true",
                   help="keep every format of one report (default: the same report as DOCX and PDF is counted once)")
    p.add_argument("--rebuild", action="store_true",
                   help="parse every file again (default: unchanged files come from the cache .<out>.cache)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any file failed (the dataset is still written)")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="parse on a Dask cluster, e.g. tcp://10.0.0.5:8786 (see README: 集群解析)")
    p.add_argument("--layout", choices=("auto", "single", "partitioned"), default="auto",
                   help="storage: one Parquet file a table, or partitioned by province/year (auto: by size)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)
    c = sub.add_parser("check", help="recompute findings for an ingested dataset", epilog=EPILOG)
    c.add_argument("dir")
    c.add_argument("--config")
    c.add_argument("--profile")
    c.add_argument("--write", action="store_true", help="store the findings back into DIR")
    c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    c.set_defaults(func=cmd_check)
    q = sub.add_parser("sql", help="SQL over a dataset (DuckDB; views: reports, projects, indicators, summaries, findings)",
                       epilog=EPILOG)
    q.add_argument("dir")
    q.add_argument("query", help='e.g. "SELECT county, avg(total_score) FROM projects GROUP BY county"')
    q.add_argument("--csv", help="write the result to this CSV file (never overwrites)")
    q.add_argument("--max-rows", type=int, default=60, help="rows printed (default 60)")
    q.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    q.set_defaults(func=cmd_sql)
    an = sub.add_parser("annotate", help="为 PDF 生成批注副本：每条检查发现在其页面上框出并附说明")
    an.add_argument("file")
    an.add_argument("--dir", default="data/clean", help="数据集文件夹（默认 data/clean）")
    an.add_argument("--out", required=True, help="批注后的 PDF（不能已存在）")
    an.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    an.set_defaults(func=cmd_annotate)
    rv = sub.add_parser("review", help="复核结论：从 summary.xlsx 导入（review import），或列出（review list）")
    rsub = rv.add_subparsers(dest="review_cmd", required=True)
    ri = rsub.add_parser("import", help="把 summary.xlsx“检查发现”表中填写的复核结论（确认/排除/已整改）存入数据集")
    ri.add_argument("workbook")
    ri.add_argument("--dir", default="data/clean", help="数据集文件夹（默认 data/clean）")
    ri.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ri.set_defaults(func=cmd_review_import)
    rl = rsub.add_parser("list", help="列出复核结论，以及已消失（已解决）的发现")
    rl.add_argument("dir", nargs="?", default="data/clean")
    rl.add_argument("--all", action="store_true", help="也列出待复核的发现")
    rl.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    rl.set_defaults(func=cmd_review_list)
    r = sub.add_parser("report", help="run the notebooks into reports/<region>-<year>-<timestamp>/", epilog=EPILOG)
    r.add_argument("--clean", required=True)
    r.add_argument("--out", default="reports")
    r.add_argument("--region")
    r.add_argument("--year", help="2022, 2021-2023 or 2022,2024 (default: all years)")
    r.add_argument("--keep", type=int, help="keep only the N newest successful runs")
    r.add_argument("--workers", type=int, help="notebooks run at once (default 2)")
    r.add_argument("--county-profiles", default="all", metavar="all|flagged|none",
                   help="county profile notebooks: all (default), flagged (counties with a red flag or an "
                        "error-level finding: for a province of 100+ counties) or none")
    r.add_argument("--no-county-profiles", action="store_true", help="same as --county-profiles none")
    r.add_argument("--quiet", action="store_true")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_report)
    i = sub.add_parser("inspect", help="show how one file is read: its tables, paragraphs and each row's reading "
                                       "(显示每行的识别结果)", epilog=EPILOG)
    i.add_argument("file")
    i.add_argument("--table", type=int, help="only table N (1-based, as numbered in the output)")
    i.add_argument("--json", action="store_true", help="machine-readable dump")
    i.add_argument("--html", metavar="OUT", help="write a page: cells that fed each field highlighted, findings pinned")
    i.add_argument("--dir", help="dataset whose findings for this file are pinned (matched by content)")
    i.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    i.set_defaults(func=cmd_inspect)
    from evalkit import synth
    synth.add_parser(sub)        # evalkit synth: a synthetic corpus with its truth
    return ap


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    debug = getattr(a, "debug", False) or os.environ.get("EVALKIT_DEBUG") == "1"
    try:
        return a.func(a)
    except EvalkitError as e:
        if debug:
            raise
        print(f"evalkit {a.cmd}: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print(f"evalkit {a.cmd}: 已中断，数据集未改动", file=sys.stderr)
        return 130
    except BrokenPipeError:                 # `evalkit ingest … | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
