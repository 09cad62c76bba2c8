"""Command line: `evalkit ingest`, `evalkit check`, `evalkit report`, `evalkit inspect`.

Every user error is an `EvalkitError` (evalkit.errors), caught once in `main`: one Chinese line
naming the file or option and what to do, and the documented exit code (0 done, 1 files failed,
2 usage/input error, 3 nothing selected); `--debug` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

from evalkit.errors import EXIT_OK, EXIT_USAGE, EvalkitError, FilesFailed, Stopped, UsageError
from evalkit.terminal import ledger_lines


def _print_ledger(reports) -> None:
    print("\n".join(ledger_lines(reports)))


def _config(a):
    if not (a.config or a.profile):
        return None
    from evalkit.checks import load_config
    return load_config(a.config, a.profile)


def other_types(skipped: dict) -> str:
    """The files not read, by suffix, the most frequent first (six at most), and those inside archives, mails, PDFs."""
    types = sorted(skipped["types"].items(), key=lambda kv: (-kv[1], kv[0]))
    words = [f"{suffix} {n} 个" for suffix, n in types[:6]] + (["其他类型 " + str(sum(n for _, n in types[6:])) + " 个"]
                                                                if types[6:] else [])
    inside = skipped["n"] - sum(skipped["types"].values())
    return "、".join(words + ([f"压缩包、邮件或 PDF 的附件、网页附属文件夹内 {inside} 个"] if inside else []))


def cmd_ingest(a) -> int:
    from evalkit.ingest import ingest_paths
    from evalkit.terminal import SUMMARY_FIELDS, finding_counts, findings_summary, records
    # batches are spooled through pyarrow: its default allocator keeps freed pages for reuse, so the
    # process would grow with the number of batches; the system allocator gives them back. Set before
    # pyarrow is imported (an unchanged re-run never imports it).
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if "pyarrow" in sys.modules:            # imported already (evalkit called in-process): set it directly
        import pyarrow as pa
        pa.set_memory_pool(pa.system_memory_pool())
    t0 = time.perf_counter()
    config = _config(a)
    stats: dict = {}
    try:
        tables = ingest_paths([Path(p) for p in a.paths], Path(a.out), progress=not a.quiet,
                              checks=not a.no_checks, config=config, jobs=a.jobs,
                              keep_format_copies=a.keep_format_copies, rebuild=a.rebuild, stats=stats,
                              layout=a.layout, dask=a.dask, want=("reports", "findings"), read=_read_kept)
    except FilesFailed as e:
        _print_ledger(e.tables["reports"])
        raise
    _print_ledger(tables["reports"])
    from collections import Counter

    from evalkit.schema import value_label
    counts = dict(Counter(r["status"] for r in records(tables["reports"], ("status",))).most_common())
    shown = "，".join(f"{value_label('status', k)} {v}" for k, v in counts.items())
    found = tables["findings"]          # the counts themselves on an unchanged re-run (_read_kept)
    found = found if isinstance(found, dict) else finding_counts(records(found, SUMMARY_FIELDS))
    n_findings = found["n"]
    done = ("输入未变，数据集保持不变：未解析、未重写" if stats.get("unchanged") else
            f"解析 {stats.get('parsed', 0)} 个，{stats.get('from_cache', 0)} 个未变、取自缓存")
    print(f"{sum(counts.values())} 个文件（{shown}）；"
          f"{stats['rows']['projects']} 个项目，{stats['rows']['indicators']} 条指标，"
          f"{stats['rows']['summaries']} 个汇总，{n_findings} 条复核发现 "
          f"-> {a.out}，用时 {time.perf_counter() - t0:.2f} 秒（{done}）")
    if stats.get("page_folders"):
        print("网页的附属文件夹（其中的图片和框架页随网页读取，不单独计为报告）：" + "、".join(stats["page_folders"]))
    if skipped := stats.get("skipped"):          # what was not read, so a format evalkit lacks is seen, not missed
        print(f"另有 {skipped['n']} 个文件不是报告格式，未读取：{other_types(skipped)}")
    if twice := stats.get("given_twice"):       # `dir dir/*` gives as many as the folder holds: the first ten shown
        more = f" 等共 {len(twice)} 个（全部见 manifest.json 的 given_twice）" if len(twice) > 10 else ""
        print("以下输入已在其他输入中出现（同一文件或文件夹），只读取一次：" + "、".join(twice[:10]) + more)
    if stats.get("system_folders"):
        print("未读取系统文件夹：" + "、".join(stats["system_folders"]))
    if stats.get("own_outputs"):
        print("未读取 evalkit 自己生成的文件夹（其中的网页、工作簿和图表不是报告）：" + "、".join(stats["own_outputs"]))
    if not a.no_checks and n_findings:
        print(findings_summary(found))
    failed = counts.get("failed", 0)
    if failed:
        print(f"注意：{failed} 个文件读取失败（见上表“说明”列），其余文件已写入数据集。", file=sys.stderr)
        if a.strict:
            raise FilesFailed(f"{failed} 个文件读取失败（--strict）", "数据集已写入；去掉 --strict 则失败文件不影响退出码")
    return EXIT_OK


def _read_kept(out_dir: Path, names: list[str], manifest: dict) -> dict:
    """What an unchanged re-run prints: from the manifest when the run that wrote it kept it there
    (no table read, no pyarrow), else the tables' columns (_read_arrow)."""
    kept = manifest.get("printed")
    if kept and kept.get("ledger_fields") and set(names) <= {"reports", "findings"}:
        from evalkit.terminal import printed_rows
        return {"reports": printed_rows(kept), "findings": kept["findings"]}
    return _read_arrow(out_dir, names, manifest)


def _read_arrow(out_dir: Path, names: list[str], manifest: dict) -> dict:
    """The columns the ledger and the summary print, of the kept tables of an unchanged re-run, as
    pyarrow Tables: pyarrow.parquet only (pyarrow.dataset and pandas would double the start-up)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from evalkit.terminal import LEDGER_FIELDS, SUMMARY_FIELDS
    out = {}
    for n in names:
        entry = manifest["tables"][n]
        files = sorted(entry["files"]) if entry.get("layout") == "partitioned" else [entry["file"]]
        pieces = []
        for f in files:
            pf = pq.ParquetFile(out_dir / f)       # not read_table: that goes through pyarrow.dataset
            have = pf.schema_arrow.names
            cols = [c for c in {"reports": LEDGER_FIELDS, "findings": SUMMARY_FIELDS}.get(n, have) if c in have]
            pieces.append(pf.read(columns=cols))
        out[n] = pa.concat_tables(pieces, promote_options="permissive") if len(pieces) > 1 else pieces[0]
    return out


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
    from evalkit.annotate import annotate_file, drawn_format, marks_for_file
    from evalkit.store import load
    drawn = drawn_format(Path(a.file).name)
    if drawn is None and Path(a.file).suffix.lower() != ".pdf":
        raise UsageError("evalkit annotate 只能为 PDF、OFD 或 XPS 文件加批注", "其他格式请用 evalkit inspect FILE --html 查看")
    from evalkit.archives import located
    with located(Path(a.file)) as real:          # a PDF inside an archive is named as the ledger names it
        marks = marks_for_file(real, load(a.dir))
        n = annotate_file(real, a.out, marks)
    print(f"已在 {a.out} 中标出 {n} 条检查发现" + (f"（{drawn.upper()} 已转为 PDF，批注标在 PDF 上）" if drawn else "")
          + ("" if n else "（这份文件没有带页码的检查发现）"))
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
    try:
        info = json.loads((out / "run.json").read_text(encoding="utf-8"))
        took = f"，用时 {info['seconds']:.0f} 秒"
    except (OSError, ValueError, KeyError, TypeError):
        took = ""
    print(f"报告已写入 {out}{took}（{out.parent.name}/latest 指向本次运行；全部运行见 {out.parent.parent / 'index.html'}）")
    return EXIT_OK


def cmd_inspect(a) -> int:
    from evalkit.recognize.explain import inspect_file
    if a.pictures:
        from evalkit.recognize.explain import write_pictures
        written = write_pictures(Path(a.file), Path(a.pictures))
        if not written:
            print(f"{a.file} 没有读出表格或文字的页面（PDF、扫描件和图片才有页面图），没有图片可写")
        for p in written:
            print(f"读取时看到的页面（蓝框：表格单元格，红框：文字框或表格外的文字行）已写入 {p}")
        return EXIT_OK
    if a.html:
        from evalkit.recognize.explain import write_html
        n = write_html(Path(a.file), Path(a.html), Path(a.dir) if a.dir else None)
        print(f"读取视图已写入 {a.html}" + (f"（标出 {n} 条检查发现）" if n else ""))
        return EXIT_OK
    print(inspect_file(Path(a.file), table=a.table, json_out=a.json))
    return EXIT_OK


EPILOG = """退出码 (exit codes)：0 完成 (done)；1 有文件读取失败（全部失败，或加 --strict 时任一失败）或有笔记本
运行失败 (files or a notebook failed)；2 用法或输入错误 (usage or input error)；3 所选范围没有报告
(nothing selected)。--debug 显示错误的 Python 调用栈 (traceback)。"""

ARGPARSE_ZH = (   # argparse's own messages, in Chinese with the original kept
    (r"the following arguments are required: (.*)", "缺少必需的参数：{0}"),
    (r"unrecognized arguments: (.*)", "无法识别的参数：{0}"),
    (r"argument (.*?): invalid choice: (.*)", "参数 {0} 的值无效：{1}"),
    (r"argument (.*?): expected one argument", "参数 {0} 需要一个值"),
    (r"argument (.*?): invalid (\w+) value: (.*)", "参数 {0} 的值 {2} 不是有效的 {1}"),
)


class ChineseParser(argparse.ArgumentParser):
    """argparse in Chinese: section titles, -h/--help, usage and its error messages."""

    def __init__(self, *args, **kw):
        kw.setdefault("add_help", False)
        kw.setdefault("formatter_class", ChineseHelpFormatter)
        super().__init__(*args, **kw)
        self._positionals.title = "参数 (arguments)"
        self._optionals.title = "选项 (options)"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示本帮助并退出 (show this help and exit)")

    def error(self, message: str):
        for pattern, zh in ARGPARSE_ZH:
            m = re.fullmatch(pattern, message)
            if m:
                message = zh.format(*m.groups()) + f" ({message})"
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：{message}\n")


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法 (usage): " if prefix is None else prefix)


def _version() -> str:
    from evalkit import __version__
    return f"evalkit {__version__}（预算绩效自评分析工具 · Python {sys.version.split()[0]}）"


def parser(command: str | None = None) -> argparse.ArgumentParser:
    ap = ChineseParser(prog="evalkit", epilog=EPILOG,
                       description="预算绩效自评表：读取、核对、建库、生成简报 "
                                   "(budget-performance self-evaluations into tidy, checked tables and briefings)")
    ap.add_argument("--version", action="version", version=_version(),
                    help="显示版本号并退出 (show the version and exit)")
    ap.add_argument("--debug", action="store_true", help="出错时显示调用栈 (show tracebacks)")
    sub = ap.add_subparsers(dest="cmd", required=True, title="命令 (commands)", metavar="命令")
    p = sub.add_parser("ingest", help="读取报告文件或文件夹，写成数据集 (read reports into the contract's Parquet tables)",
                       epilog=EPILOG)
    p.add_argument("paths", nargs="+", help="报告文件或文件夹 (files or folders)")
    p.add_argument("--out", required=True,
                   help="数据集文件夹：新建、空的，或以前的 evalkit 数据集（原子替换；含其他内容的文件夹会被拒绝） "
                        "(dataset folder: new, empty, or an earlier evalkit dataset)")
    p.add_argument("--no-checks", action="store_true", help="不运行检查 (skip the checks; findings stays empty)")
    p.add_argument("--config", help="检查配置文件，默认为内置的 checks.toml (checks configuration file)")
    p.add_argument("--profile", help="检查配置方案，如省份名 (checks profile, e.g. a province name)")
    p.add_argument("--jobs", type=int, help="解析文件的进程数，默认为全部核心 (worker processes; default: all cores)")
    p.add_argument("--keep-format-copies", action="store_true",
                   help="同一报告的每种格式都保留；默认 DOCX 与 PDF 版只计一次 (keep every format of one report)")
    p.add_argument("--rebuild", action="store_true",
                   help="重新解析每个文件；默认未变的文件取自缓存 .<out>.cache (parse every file again)")
    p.add_argument("--strict", action="store_true",
                   help="任一文件失败即以 1 退出，数据集仍会写入 (exit 1 when any file failed)")
    p.add_argument("--dask", metavar="地址",
                   help="在 Dask 集群上解析，如 tcp://10.0.0.5:8786，见 README：集群解析 (parse on a Dask cluster)")
    p.add_argument("--layout", choices=("auto", "single", "partitioned"), default="auto",
                   help="存储方式：每表一个 Parquet 文件，或按省/年分区；auto 按规模选择 "
                        "(storage: one file a table, or partitioned by province/year)")
    p.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bar)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)
    c = sub.add_parser("check", help="重新检查已建好的数据集 (recompute findings for an ingested dataset)", epilog=EPILOG)
    c.add_argument("dir", help="数据集文件夹 (dataset folder)")
    c.add_argument("--config", help="检查配置文件 (checks configuration file)")
    c.add_argument("--profile", help="检查配置方案 (checks profile)")
    c.add_argument("--write", action="store_true", help="把检查发现写回数据集 (store the findings back into DIR)")
    c.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    c.set_defaults(func=cmd_check)
    q = sub.add_parser("sql", help="用 SQL 查询数据集 (SQL over a dataset, DuckDB; views: reports, projects, "
                                   "indicators, summaries, findings)", epilog=EPILOG)
    q.add_argument("dir", help="数据集文件夹 (dataset folder)")
    q.add_argument("query", help='SQL 语句 (query)，如 "SELECT county, avg(total_score) FROM projects GROUP BY county"')
    q.add_argument("--csv", help="结果写入此 CSV 文件，不覆盖已有文件 (write the result to this CSV file)")
    q.add_argument("--max-rows", type=int, default=60, help="最多显示的行数，默认 60 (rows printed)")
    q.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    q.set_defaults(func=cmd_sql)
    an = sub.add_parser("annotate", help="为 PDF 生成批注副本：每条检查发现在其页面上框出并附说明 "
                                         "(an annotated copy of a PDF with its findings)")
    an.add_argument("file", help="PDF 文件 (the PDF)")
    an.add_argument("--dir", default="data/clean", help="数据集文件夹（默认 data/clean） (dataset folder)")
    an.add_argument("--out", required=True, help="批注后的 PDF（不能已存在） (the annotated PDF, must not exist)")
    an.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    an.set_defaults(func=cmd_annotate)
    rv = sub.add_parser("review", help="复核结论：从 summary.xlsx 导入（review import），或列出（review list） "
                                       "(reviewers' decisions on findings)")
    rsub = rv.add_subparsers(dest="review_cmd", required=True, title="命令 (commands)", metavar="命令")
    ri = rsub.add_parser("import", help="把 summary.xlsx“检查发现”表中填写的复核结论（确认/排除/已整改）存入数据集 "
                                        "(import the decisions from a workbook)")
    ri.add_argument("workbook", help="填好复核结论的 summary.xlsx (the workbook)")
    ri.add_argument("--dir", default="data/clean", help="数据集文件夹（默认 data/clean） (dataset folder)")
    ri.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ri.set_defaults(func=cmd_review_import)
    rl = rsub.add_parser("list", help="列出复核结论，以及已消失（已解决）的发现 (list decisions and resolved findings)")
    rl.add_argument("dir", nargs="?", default="data/clean", help="数据集文件夹（默认 data/clean） (dataset folder)")
    rl.add_argument("--all", action="store_true", help="也列出待复核的发现 (also the open findings)")
    rl.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    rl.set_defaults(func=cmd_review_list)
    r = sub.add_parser("report", help="生成简报：运行笔记本，写入 reports/<地区>/<地区>-<年度>-<时间>/ "
                                      "(generate the report)", epilog=EPILOG)
    r.add_argument("--clean", required=True, help="数据集文件夹 (dataset folder)")
    r.add_argument("--out", default="reports", help="报告文件夹，默认 reports (reports folder)")
    r.add_argument("--region", help="省、市或县区（名称或区划代码），默认全部 (region; default: all)")
    r.add_argument("--year", help="年度：2022、2021-2023 或 2022,2024，默认全部 (years; default: all)")
    r.add_argument("--keep", type=int, help="同一地区年度只保留最新的 N 次成功运行 (keep the N newest successful runs)")
    r.add_argument("--workers", type=int, help="同时运行的笔记本数，默认 2 (notebooks run at once)")
    r.add_argument("--county-profiles", default="all", metavar="all|flagged|none",
                   help="县区画像：all 全部（默认）；flagged 只为有红旗或错误级发现的县区生成（省级 100 多个县区时用）；"
                        "none 不生成 (county profiles: all, flagged or none)")
    r.add_argument("--no-county-profiles", action="store_true", help="同 --county-profiles none (same as none)")
    r.add_argument("--quiet", action="store_true", help="不显示进度条 (no progress bar)")
    r.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    r.set_defaults(func=cmd_report)
    i = sub.add_parser("inspect", help="显示一个文件如何被读取：表格、段落和每行的识别结果 "
                                       "(show how one file is read)", epilog=EPILOG)
    i.add_argument("file", help="报告文件 (the file)")
    i.add_argument("--table", type=int, help="只显示第 N 个表（从 1 起） (only table N, 1-based)")
    i.add_argument("--json", action="store_true", help="输出 JSON (machine-readable dump)")
    i.add_argument("--html", metavar="输出文件",
                   help="写一个网页：标出每个字段来自的单元格和检查发现 (write a page with the cells and findings)")
    i.add_argument("--dir", help="数据集文件夹，其中此文件的检查发现会被标出 (dataset whose findings are pinned)")
    i.add_argument("--pictures", metavar="文件夹",
                   help="把读取的每页画出表格单元格和文字框，存为 PNG：OCR 识别的页（去印章、转正、拉直后），"
                        "PDF 文字层的页 (each page as the reader saw it, with its cells and text boxes)")
    i.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    i.set_defaults(func=cmd_inspect)
    if command not in sub.choices:   # evalkit synth (a synthetic corpus with its truth): imported only when it may run
        from evalkit import synth
        synth.add_parser(sub)
    return ap


def _command(argv: list[str] | None) -> str | None:
    """The command word of the arguments (the first that is not an option)."""
    args = sys.argv[1:] if argv is None else argv
    return next((x for x in args if not x.startswith("-")), None)


STOP_SIGNALS = ("SIGTERM", "SIGHUP")   # a scheduler's stop or time-out (systemd, timeout, cron's kill), a closed terminal


def _stop(signum, frame) -> None:
    """Ctrl-C's KeyboardInterrupt, or Stopped; not inside logging, whose locks are os.fork's hooks in this process
    (pebble forking a worker): Python drops an exception raised there ("Exception ignored in _releaseLock") and the
    run would go on, so the signal is sent again 50 ms later."""
    if frame is not None and frame.f_code.co_filename == logging.__file__:
        threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
        return
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _default_in_child() -> None:
    """A forked child (a parse or batch worker) dies of the stop signals as before: its parent stops it."""
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is _stop:
            signal.signal(sig, signal.SIG_DFL)
    if signal.getsignal(signal.SIGINT) is _stop:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_FORK_HOOKED = False


def stop_on_signals() -> dict:
    """SIGTERM and SIGHUP raise `Stopped` in the main thread, as Ctrl-C raises KeyboardInterrupt: the
    command unwinds (worker pools stopped, temporary folders removed) instead of dying where it stood.
    A signal already ignored (nohup) stays ignored. Returns the handlers it replaced."""
    global _FORK_HOOKED
    old: dict = {}
    if threading.current_thread() is not threading.main_thread():
        return old
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            old[sig] = signal.signal(sig, _stop)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:     # not where it is ignored (a background job)
        old[signal.SIGINT] = signal.signal(signal.SIGINT, _stop)
    if old and not _FORK_HOOKED and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_default_in_child)
        _FORK_HOOKED = True
    return old


def main(argv: list[str] | None = None) -> int:
    a = parser(_command(argv)).parse_args(argv)
    debug = getattr(a, "debug", False) or os.environ.get("EVALKIT_DEBUG") == "1"
    replaced = stop_on_signals()
    try:
        return a.func(a)
    except EvalkitError as e:
        if debug:
            raise
        print(f"evalkit {a.cmd}: {e}", file=sys.stderr)
        return e.exit_code
    except Stopped as e:
        print(f"evalkit {a.cmd}: 收到终止信号 {signal.Signals(e.signum).name}，已停止；"
              f"临时文件和工作进程已清理，数据集未改动", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print(f"evalkit {a.cmd}: 已中断，数据集未改动", file=sys.stderr)
        return 130
    except BrokenPipeError:                 # `evalkit ingest … | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as e:                    # after BrokenPipeError, one of them
        from evalkit import scratch
        if e.errno not in scratch.NO_ROOM or debug:
            raise
        unchanged = "上一次成功的报告（latest）" if a.cmd == "report" else "数据集"
        print(f"evalkit {a.cmd}: {scratch.no_room(e, [getattr(a, 'out', None)], unchanged)}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        for sig, handler in replaced.items():     # in-process callers (tests, notebooks) get theirs back
            signal.signal(sig, handler)


def exit_now(code: int) -> None:
    """End the process as a normal exit would, minus the interpreter's and C++'s teardown.

    Native thread pools (Arrow's Parquet scanner, DuckDB) can still be winding down when Python
    finalizes; the process then aborts (SIGABRT, "terminate called without an active exception";
    apache/arrow#34314, #39862) after the work is done, and a scheduled run reads a finished
    command as failed. So: threads joined and executors shut down, exit hooks run (logging,
    temporary folders), output flushed, then `os._exit`."""
    try:
        shutdown = getattr(threading, "_shutdown", None)   # what Py_FinalizeEx calls first
        if shutdown is not None:
            shutdown()
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):                 # a closed pipe: nothing left to save
                pass
        os._exit(code if isinstance(code, int) else 1)


def exit_code(e: SystemExit, stderr=None) -> int:
    """The exit status Python gives a SystemExit (argparse's --help and usage errors, sys.exit("…")):
    None 0, an int itself, anything else printed to stderr and 1."""
    if e.code is None or isinstance(e.code, int):
        return e.code or 0
    print(e.code, file=stderr or sys.stderr)
    return 1


def run(argv: list[str] | None = None) -> None:
    """The `evalkit` command and `python -m evalkit`: `main`, then `exit_now` with its code."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = exit_code(e)
    exit_now(code)


if __name__ == "__main__":
    run()
