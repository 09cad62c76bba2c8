"""The corpus: which reports in which formats (`plan`), their duplicates, versions and copies handed in again, written
with their truth (`generate`), and `evalkit synth` (`add_parser`)."""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

from evalkit.synth.formats import (RENDERED_LATER, SCAN_MODES, fixture_builders, ocr_available, ofd_builder,
                                   render_office, render_pdfs, soffice_path, write_now, xps_builder)
from evalkit.synth.draw import Generator, Report, spread, weighted
from evalkit.synth.layouts import render_tabs
from evalkit.synth.truth import expected_findings, truth_rows
from evalkit.synth.vocab import (ALL_FORMATS, DEFAULT_FORMATS, DUPLICATE_COLS, FINDING_COLS, FORMAT_WEIGHT,
                                 SINGLE_LAYOUTS, TRUTH_INDICATOR_COLS, TRUTH_PROJECT_COLS, TRUTH_REPORT_COLS,
                                 TXT_LAYOUTS)


# ------------------------------------------------------------------------------ the corpus

def _file_name(rep: Report, ext: str) -> str:
    kind = {"cells": "项目支出绩效自评报告", "annex": "项目绩效自评报告", "form": "项目绩效评价报告",
            "dept": "部门决算", "juesuan": "部门决算", "tabs": "项目支出绩效自评表", "table": "项目支出绩效自评表"}[rep.layout]
    name = f"{rep.idx:05d}_{rep.year}年度{rep.agency}{kind}"
    if rep.layout in SINGLE_LAYOUTS:
        name = f"{rep.idx:05d}_{rep.year}年度{rep.projects[0].name}{kind}"
    name = re.sub(r"[\\/:*?\"<>|.\s]", "", name)[:80]
    return f"{name}.{ext}"


def kept_first(fmt: str) -> int:
    """Where ingest ranks a copy in this format among one report's copies (identity.FORMAT_RANK: the lower is kept;
    a scan is an image), so the truth names the file ingest keeps."""
    from evalkit.identity import FORMAT_RANK
    return FORMAT_RANK.index("image" if fmt == "scan" else fmt)


def _folder(rep: Report) -> str:
    if rep.city == rep.province:
        return f"{rep.province}/{rep.county}"
    return f"{rep.province}/{rep.city}/{rep.county}"


@dataclass
class Planned:
    """One report of the corpus and its files: `rel` in `fmt`; a second format and a byte copy, if any.
    `rep.rel` is the copy evalkit keeps (the truth's file)."""
    rep: Report
    fmt: str
    rel: str
    second: str | None = None
    second_rel: str | None = None
    byte_copy_rel: str | None = None
    earlier: Report | None = None       # an earlier version (other figures) written at earlier_rel; rep.rel says 更正
    earlier_rel: str | None = None
    next_year: Report | None = None     # the report copied as the next year's (its own file and truth)


VERSION_FORMATS = ("txt", "docx", "xlsx", "csv", "html")   # an earlier version is written beside the corrected one


def earlier_version(rep: Report) -> Report | None:
    """The report as first published, before its correction: the first project's execution 1 万元 (or 10 %)
    higher; None for a report without an execution figure to change."""
    import copy
    for n, p in enumerate(rep.projects):
        if p.executed is not None:
            old = copy.deepcopy(rep)
            q = old.projects[n]
            q.executed = (q.executed + max(Decimal(1), (q.executed / 10).quantize(Decimal(1)))).quantize(q.executed)
            return old
    return None


def copied_as_next_year(rep: Report) -> Report | None:
    """The report handed in again as the next year's, every indicator line, actual value and score unchanged
    (only the year differs): None for a report with a project of fewer than three lines, or none."""
    import copy
    if not rep.projects or any(len(p.lines) < 3 for p in rep.projects):
        return None
    new = copy.deepcopy(rep)
    new.year = rep.year + 1
    return new


def year_copy_findings(rep: Report) -> list[dict]:
    """indicators_as_earlier_year for each project of a report copied from the year before."""
    return [{"source_file": rep.rel, "seed": Path(rep.rel).name, "project_name": p.name,
             "rule": "indicators_as_earlier_year", "kind": "year_copy", "detail": f"与{rep.year - 1}年度逐条相同"}
            for p in rep.projects]


def plan(n_reports: int, seed: int = 0, formats=tuple(f for f in DEFAULT_FORMATS.split(",")),
         error_rate: float = 0.08, dup_rate: float = 0.04, format_dup_rate: float = 0.05,
         version_rate: float = 0.03, year_copy_rate: float = 0.02):
    """The corpus `generate` writes, report by report, without writing it (cheap: ~1 ms a report):
    what each report holds, its truth (`truth_rows`, `expected_findings`) and its files."""
    gen = Generator(seed, error_rate)
    draw = random.Random(f"{seed}:plan")
    formats = list(formats)
    fmt_cum = list(accumulate(FORMAT_WEIGHT[f] for f in formats))
    layouts, layout_w = zip(*TXT_LAYOUTS)
    layout_cum = list(accumulate(layout_w))
    for i in range(1, n_reports + 1):
        fmt = weighted(spread(seed, "format", i), formats, fmt_cum)
        layout = weighted(spread(seed, "layout", i), layouts, layout_cum) if fmt == "txt" else "table"
        rep = gen.report(i, layout, fmt)
        ext = {"scan": "tif"}.get(fmt, fmt)
        rel = f"{_folder(rep)}/{_file_name(rep, ext)}"
        if fmt == "scan":
            rel = rel[:-4] + "_扫描件.tif"
        item = Planned(rep, fmt, rel)
        rep.rel = rel
        # the same report in a second format: the truth follows the copy evalkit keeps
        if layout == "table" and fmt != "scan" and draw.random() < format_dup_rate:
            choices = [f for f in ("docx", "xlsx", "csv", "html", "txt", "pptx", "pdf", "ofd", "xps", "scan")
                       if f != fmt and (f in formats or f == "txt")]
            if choices:
                item.second = draw.choice(choices)
                stem = Path(rel).name.split('.')[0]
                item.second_rel = (f"{_folder(rep)}/{stem}_扫描件.tif" if item.second == "scan" else   # a scan of the report
                                   f"{_folder(rep)}/{stem}_{item.second}版.{item.second}")
                rep.rel = min((fmt, rel), (item.second, item.second_rel), key=lambda x: kept_first(x[0]))[1]
        if draw.random() < dup_rate and fmt not in RENDERED_LATER:
            stem, ext = rep.rel.rsplit(".", 1)
            item.byte_copy_rel = f"{stem}_副本.{ext}"
        # a corrected report beside the one first published (its own draw: the other choices stay as they were)
        if (fmt in VERSION_FORMATS and not item.second and random.Random(f"{seed}:{i}:version").random() < version_rate
                and (old := earlier_version(rep)) is not None):
            stem, ext = rel.rsplit(".", 1)
            item.earlier, item.earlier_rel = old, rel
            item.rel = rep.rel = f"{stem}（更正）.{ext}"
            if item.byte_copy_rel:
                item.byte_copy_rel = f"{stem}（更正）_副本.{ext}"
        # the report handed in again, unchanged, as the next year's (its own draw)
        if (fmt in VERSION_FORMATS and not item.second and item.earlier is None
                and random.Random(f"{seed}:{i}:nextyear").random() < year_copy_rate
                and (nxt := copied_as_next_year(rep)) is not None):
            nxt.rel = f"{_folder(nxt)}/{_file_name(nxt, fmt)}"
            item.next_year = nxt
        yield item


def generate(n_reports: int, out: Path, seed: int = 0, formats: str | list[str] = DEFAULT_FORMATS,
             error_rate: float = 0.08, dup_rate: float = 0.04, format_dup_rate: float = 0.05,
             version_rate: float = 0.03, year_copy_rate: float = 0.02, log=print, scan_mode: str = "colour") -> dict:
    """Write the corpus and its truth; return a summary (counts, skipped formats, seconds). `scan_mode`: how the
    scans are saved (SCAN_MODES)."""
    t0 = time.perf_counter()
    out = Path(out)
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ALL_FORMATS]
    if bad:
        raise ValueError(f"不认识的格式 {', '.join(bad)}")
    if scan_mode not in SCAN_MODES:
        raise ValueError(f"不认识的扫描模式 {scan_mode}")
    skipped = {}
    if any(f in formats for f in ("docx", "xlsx", "csv", "html", "pptx", *RENDERED_LATER)) and fixture_builders() is None:
        for f in ("docx", "xlsx", "csv", "html", "pptx", *RENDERED_LATER):
            if f in formats:
                skipped[f] = "tests/fixtures/make_fixtures.py (the office builders) not found"
    if any(f in formats for f in RENDERED_LATER) and not soffice_path():
        for f in RENDERED_LATER:
            skipped.setdefault(f, "LibreOffice (soffice) not installed") if f in formats else None
    if "ofd" in formats and "ofd" not in skipped and ofd_builder() is None:
        skipped["ofd"] = "tests/fixtures/make_ofd_fixtures.py (the PDF-to-OFD writer) not found"
    if "xps" in formats and "xps" not in skipped and xps_builder() is None:
        skipped["xps"] = ("tests/fixtures/make_xps_fixtures.py (the PDF-to-XPS writer), fontTools or the Noto Sans CJK "
                          "font it embeds not found")
    if "xps" in formats and "xps" not in skipped:
        from evalkit.readers.xps import find_xpstopdf
        if find_xpstopdf() is None:
            skipped["xps"] = "no xpstopdf here (libgxps-utils: make setup installs it): XPS files could not be read"
    if "scan" in formats and "scan" not in skipped and not ocr_available():
        skipped["scan"] = "no OCR here (evalkit's readers/ocr.py or rapidocr-onnxruntime missing): scans could not be read"
    for f, why in skipped.items():
        log(f"synth: skipping {f}: {why}")
    formats = [f for f in formats if f not in skipped]
    if not formats:
        raise ValueError("所选格式在本机都无法生成（原因见上方 skipping 提示）")
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    docs, truth = out / "docs", out / "truth"
    docs.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)

    t_proj, t_ind, t_rep, t_find, t_dup, placed = [], [], [], [], [], []
    later = {f: [] for f in RENDERED_LATER}     # (report, path) to write from LibreOffice's PDF, by format
    made: set[Path] = set()
    counts = Counter()
    for item in plan(n_reports, seed, formats, error_rate, dup_rate, format_dup_rate, version_rate, year_copy_rate):
        rep, fmt = item.rep, item.fmt
        rng = random.Random(f"{seed}:{rep.idx}:render")
        folder = docs / _folder(rep)
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        path = docs / item.rel
        if not write_now(rep, fmt, path, rng):
            later[fmt].append((rep, path))
        counts[f"{fmt}:{rep.layout}"] += 1
        if item.second:
            cpath = docs / item.second_rel
            if item.second == "txt":
                cpath.write_text(render_tabs(rep, rng, with_extras=False), encoding="utf-8")
            elif item.second in later:
                later[item.second].append((rep, cpath))
            else:
                render_office(rep, item.second, cpath)
            dropped = item.second_rel if rep.rel == item.rel else item.rel
            t_dup.append({"source_file": dropped, "duplicate_of_file": rep.rel, "kind": "same_report"})
            counts["format_copies"] += 1
        if item.earlier is not None:                     # VERSION_FORMATS: written at once
            write_now(item.earlier, fmt, docs / item.earlier_rel, random.Random(f"{seed}:{rep.idx}:render"))
            t_dup.append({"source_file": item.earlier_rel, "duplicate_of_file": rep.rel, "kind": "other_version"})
            counts["earlier_versions"] += 1
        if item.byte_copy_rel:
            shutil.copyfile(docs / rep.rel, docs / item.byte_copy_rel)
            t_dup.append({"source_file": item.byte_copy_rel, "duplicate_of_file": rep.rel, "kind": "same_file"})
            counts["byte_copies"] += 1
        def count(one: Report) -> None:                  # a report of its own in the truth
            p_rows, i_rows, r_row = truth_rows(one)
            placed.append((one.rel, one.province, p_rows))
            t_proj.extend(p_rows)
            t_ind.extend(i_rows)
            t_rep.append(r_row)
            t_find.extend(expected_findings(one))
        count(rep)
        if item.next_year is not None:                   # VERSION_FORMATS: written at once, rendered alike
            write_now(item.next_year, fmt, docs / item.next_year.rel, random.Random(f"{seed}:{rep.idx}:render"))
            t_find += year_copy_findings(item.next_year)
            counts["year_copies"] += 1
            count(item.next_year)
    t_render = time.perf_counter()
    if any(later.values()):
        log(f"synth: rendering {len(later['pdf'])} PDF, {len(later['ofd'])} OFD, {len(later['xps'])} XPS and "
            f"{len(later['scan'])} scans with LibreOffice …")
        render_pdfs(later["pdf"], later["scan"], later["ofd"], scan_mode, later["xps"])
    t_find += repeated_findings(placed)
    for d in t_dup:
        t_find.append({"source_file": d["source_file"], "seed": Path(d["source_file"]).name, "project_name": "",
                       "rule": "report_other_version" if d["kind"] == "other_version" else "duplicate_document",
                       "kind": d["kind"], "detail": f"重复：{d['duplicate_of_file']}"})
    _write_csv(truth / "projects.csv", TRUTH_PROJECT_COLS, t_proj)
    _write_csv(truth / "indicators.csv", TRUTH_INDICATOR_COLS, t_ind)
    _write_csv(truth / "reports.csv", TRUTH_REPORT_COLS, t_rep)
    _write_csv(truth / "findings.csv", FINDING_COLS, t_find)
    _write_csv(truth / "duplicates.csv", DUPLICATE_COLS, t_dup)
    secs = time.perf_counter() - t0
    summary = {"seed": seed, "reports": n_reports, "files": sum(1 for _ in docs.rglob("*") if _.is_file()),
               "projects": len(t_proj), "indicators": len(t_ind), "findings_expected": len(t_find),
               "injected": sum(1 for f in t_find if f["kind"] == "injected"), "duplicates": len(t_dup),
               "formats": formats, "skipped": skipped, "by_format_layout": dict(sorted(counts.items())),
               "rates": {"error_rate": error_rate, "dup_rate": dup_rate, "format_dup_rate": format_dup_rate,
                         "version_rate": version_rate, "year_copy_rate": year_copy_rate},
               "year_copies": counts["year_copies"],
               **({"scan_mode": scan_mode} if scan_mode != "colour" else {}),
               "seconds": round(secs, 3), "seconds_text_and_office": round(t_render - t0, 3)}
    (truth / "README.md").write_text(TRUTH_README.format(seed=seed, n=n_reports), encoding="utf-8")
    stable = {k: v for k, v in summary.items() if not k.startswith("seconds")}   # same seed, same bytes
    (truth / "manifest.json").write_text(json.dumps(stable, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
    return summary


TRUTH_README = """# Truth for a synthetic corpus (evalkit synth, seed {seed}, {n} reports)

Written with the documents in ../docs, in the conventions of the shared reference truth
(../shared/truth/README.md): text as written without whitespace, numbers as stated (null where
the document states none), grades as one character, `seed` = the document's file name.

- `projects.csv`, `indicators.csv`, `reports.csv`: one row per distinct report, under the copy
  evalkit keeps; score an ingest with `truthcheck.py --clean DATASET --truth THIS_FOLDER`.
- `duplicates.csv`: files evalkit should mark `duplicate` (`same_file`: byte-identical copy;
  `same_report`: the same report in another format, its scan included — evalkit says `same_report_ocr`
  where its OCR misread a character of a name; `other_version`: the report as first published, beside its
  correction `…（更正）` with another execution figure) and the kept file they repeat.
- `findings.csv`: findings the checks should raise. `kind` = `injected` (an inconsistency written
  into that project on purpose, `detail` says what), `consequence` (a finding that follows from an
  injection, e.g. `group_weight_nonstandard` after a changed weight, `report_grade_mismatch` after a
  wrong grade in a one-project report), `same_file`/`same_report` (`duplicate_document`), `other_version`
  (`report_other_version`), `year_copy` (`indicators_as_earlier_year`: a report handed in again unchanged as the
  next year's, a report of its own in reports.csv).
  Reports without an injection are built to raise no error or warning. Score a dataset with
  `evalkit.synth.score_findings(DATASET, THIS_FOLDER)`.
- `manifest.json`: seed, counts, rates, formats (and any skipped, with the reason).
"""


def repeated_findings(placed: list) -> list[dict]:
    """project_repeated for each project (place, agency, year, name) that two reports of the corpus both hold:
    drawn by chance (a county's agency and year drawn twice with a project in common), expected like an
    injection's consequence. `placed`: (file, province, its projects.csv rows) per kept report."""
    by: dict[tuple, list] = {}
    for rel, province, rows in placed:
        for seed, county, year, agency, name, *_ in rows:
            by.setdefault((province, county, agency, year, "".join(name.split())), []).append((rel, seed, name))
    return [{"source_file": rel, "seed": seed, "project_name": name, "rule": "project_repeated",
             "kind": "consequence", "detail": "同一项目也在另一份报告中"}
            for members in by.values() if len({m[0] for m in members}) > 1 for rel, seed, name in members]


def _write_csv(path: Path, cols: list[str], rows: list) -> None:
    """Rows as dicts, or as lists already in the columns' order."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerows([r[c] for c in cols] if isinstance(r, dict) else r for r in rows)


# ------------------------------------------------------------------------------ command line

def add_parser(subparsers) -> argparse.ArgumentParser:
    """`evalkit synth`: register the subcommand on cli.py's subparsers (sets func=cmd_synth)."""
    p = subparsers.add_parser("synth", help="生成带标准答案的合成报告语料，用于规模测试 (write a synthetic corpus with its truth)",
                              description="预算绩效自评 reports in the reference layouts, with their truth, "
                                          "duplicates and injected inconsistencies (see evalkit.synth)")
    _arguments(p)
    p.set_defaults(func=cmd_synth)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reports", type=int, required=True, help="how many reports (distinct documents) to write")
    p.add_argument("--out", required=True, help="new or empty folder: DIR/docs (the corpus) and DIR/truth")
    p.add_argument("--seed", type=int, default=0, help="same seed, same files (default 0)")
    p.add_argument("--formats", default=DEFAULT_FORMATS,
                   help=f"comma-separated, of {','.join(ALL_FORMATS)} (default {DEFAULT_FORMATS}); "
                        "pdf, ofd and xps need LibreOffice, xps also xpstopdf, scan an OCR reader")
    p.add_argument("--scan-mode", choices=SCAN_MODES, default="colour",
                   help="how scans are saved: colour (the red seal red), grey, or bw (black and white, CCITT G4: the "
                        "seal as black as the print)")
    p.add_argument("--error-rate", type=float, default=0.08, help="share of projects with one injected inconsistency")
    p.add_argument("--dup-rate", type=float, default=0.04, help="share of reports also written as a byte-identical copy")
    p.add_argument("--format-dup-rate", type=float, default=0.05,
                   help="share of table reports also written in a second format")
    p.add_argument("--version-rate", type=float, default=0.03,
                   help="share of reports written twice: as first published and as corrected (（更正）, other figures)")
    p.add_argument("--year-copy-rate", type=float, default=0.02,
                   help="share of reports handed in again, unchanged, as the next year's (照抄上年: a report of its own)")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def cmd_synth(a) -> int:
    from evalkit.errors import UsageError
    if a.reports < 1:
        raise UsageError("--reports 须为正整数", "例如 --reports 100")
    try:
        s = generate(a.reports, Path(a.out), seed=a.seed, formats=a.formats, error_rate=a.error_rate,
                     dup_rate=a.dup_rate, format_dup_rate=a.format_dup_rate, version_rate=a.version_rate,
                     year_copy_rate=a.year_copy_rate, scan_mode=a.scan_mode)
    except FileExistsError:
        raise UsageError(f"输出文件夹 {a.out} 已存在且不为空，synth 不会覆盖其中的文件", "请换一个新的或空的 --out 文件夹") from None
    except ValueError as e:
        raise UsageError(f"--formats 有误：{e}", f"可选 {','.join(ALL_FORMATS)}，用逗号分隔") from None
    rate = s["reports"] / s["seconds_text_and_office"] if s["seconds_text_and_office"] else 0
    copies = f"，另有 {s['year_copies']} 份照抄上年" if s["year_copies"] else ""
    print(f"{s['reports']} 份报告{copies}（{s['files']} 个文件，{s['duplicates']} 个重复），{s['projects']} 个项目，"
          f"{s['indicators']} 条指标，注入 {s['injected']} 处不一致 -> {a.out}（{s['seconds']:.2f} 秒，"
          f"{rate:.0f} 份/秒）")
    for f, why in s["skipped"].items():
        print(f"未生成 {f}：{why}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m evalkit.synth …`, the same options as `evalkit synth`."""
    from evalkit.errors import EvalkitError
    import evalkit.synth
    ap = argparse.ArgumentParser(prog="python -m evalkit.synth", description=evalkit.synth.__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    _arguments(ap)
    a = ap.parse_args(argv)
    try:
        return cmd_synth(a)
    except EvalkitError as e:
        print(f"evalkit synth: {e}", file=sys.stderr)
        return e.exit_code

