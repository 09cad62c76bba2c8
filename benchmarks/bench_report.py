"""Time a report's data work on 200 counties and 12,000 projects: today's code (the branch point
with `main`, exported with `git archive`) against this checkout, in the same run.

The dataset: ../shared/seeds (else data/raw seeds) ingested once with the checks, then the five
reports copied under new ids onto 200 real counties (names, cities, provinces and division codes
from cpca's table), 60 projects each. Each side runs in its own process and does what one
`evalkit report` asks of it: notebook 30 (takeaways, headline, county table, red flags), notebook
20 (takeaways, county table, grade counts, findings by place, projects) and the export step
(headline, county table, red flags); `--charts` also draws the six briefing charts in notebook 30.

Usage: python benchmarks/bench_report.py [--counties 200] [--projects 12000] [--base REF] [--charts]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("reports", "projects", "indicators", "summaries", "findings")


# --------------------------------------------------------------------------- the dataset

def _counties(n: int) -> list[tuple[str, str, str, str]]:
    """n real counties (code, county, city, province) spread over the division table."""
    import cpca
    names = {str(a.adcode)[:6]: a.name for a in cpca.ad_2_addr_dict.values()}
    codes = sorted(c for c, a in ((str(a.adcode)[:6], a) for a in cpca.ad_2_addr_dict.values())
                   if a.rank == 2 and c[:4] + "00" in names and c[:2] + "0000" in names)
    step = max(1, len(codes) // n)
    out = []
    for c in codes[::step][:n]:
        city = names[c[:4] + "00"]
        prov = names[c[:2] + "0000"]
        out.append((c, names[c], prov if city == "市辖区" else city, prov))
    return out


def build(dest: Path, n_counties: int, n_projects: int) -> dict:
    """Write the replicated tables into `dest` (plain parquet files); return their sizes."""
    import pandas as pd
    sys.path.insert(0, str(ROOT / "src"))
    from evalkit.ingest import ingest_paths
    seeds = sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) or \
        sorted((ROOT / "data" / "raw").glob("0*_*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        seed = ingest_paths(seeds, Path(tmp) / "clean", progress=False)
    per_copy = len(seed["projects"])
    copies = -(-n_projects // per_copy)
    places = _counties(n_counties)
    out = {t: [] for t in TABLES}
    n_rep = len(seed["reports"])
    for i in range(copies):
        rid = {r: f"{r}-{i}" for r in seed["reports"]["report_id"]}
        pid = {p: f"{p}-{i}" for p in seed["projects"]["project_id"]}
        place = {r: places[(i * n_rep + j) % len(places)] for j, r in enumerate(seed["reports"]["report_id"])}
        for t in TABLES:
            df = seed[t].copy()
            if "report_id" in df.columns:
                df["report_id"] = df["report_id"].map(rid).where(df["report_id"].notna(), None)
            if "project_id" in df.columns:
                old = df["project_id"]
                df["project_id"] = old.map(pid).where(old.notna(), None)
            if "finding_id" in df.columns:
                df["finding_id"] = df["finding_id"].astype(str) + f"-{i}"
            if "duplicate_of" in df.columns:
                df["duplicate_of"] = df["duplicate_of"].map(rid)
            if "source_file" in df.columns:
                df["source_file"] = f"c{i}/" + df["source_file"].astype(str)
            if t in ("reports", "projects"):
                key = seed[t]["report_id"]
                for col, k in (("county", 1), ("city", 2), ("province", 3)):
                    df[col] = [place[r][k] if r in place else None for r in key]
            elif t == "indicators" and "county" in df.columns:
                rep_of = seed["projects"].set_index("project_id")["report_id"]
                df["county"] = [place.get(rep_of.get(p), (None, None))[1] for p in seed[t]["project_id"]]
            out[t].append(df)
    dest.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for t in TABLES:
        df = pd.concat(out[t], ignore_index=True)
        if t == "projects":
            df = df.head(n_projects)
        df.to_parquet(dest / f"{t}.parquet")
        sizes[t] = len(df)
    return sizes


# --------------------------------------------------------------------------- one side

def work(data: Path, side: str, charts: bool) -> dict:
    """Load the tables, then time the data work of one report run with the code on sys.path."""
    import pandas as pd
    raw = {t: pd.read_parquet(data / f"{t}.parquet") for t in TABLES}
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t0 = time.perf_counter()
    if side == "old":
        from evalkit import analysis as an
        from evalkit import charts as ch
        tables = an.complete_tables(raw, run_checks=False)
        t = an.filter_tables(tables)
        # notebook 30
        an.takeaways(t), an.headline(t), an.county_summary(t), an.red_flags(t)
        if charts:
            for fig in (ch.budget_vs_execution(t["projects"], t["reports"]),
                        ch.execution_rate_by_county(t["projects"], t["reports"]),
                        ch.score_distribution(t["projects"], t["reports"]),
                        ch.grade_counts_by_county(t["projects"], t["summaries"], t["reports"]),
                        ch.execution_vs_score(t["projects"], t["reports"]),
                        ch.findings_by_rule_county(t["findings"], t["reports"], t["projects"])):
                plt.close(fig)
        t1 = time.perf_counter()
        # notebook 20
        an.takeaways(t), an.county_summary(t), an.grade_counts(t), an.findings_view(t), an.project_view(t)
        # export step
        an.headline(t), an.county_summary(t), an.red_flags(t)
        n = len(an.counties(t))
    else:
        from evalkit import report as rp
        from evalkit.report import charts as ch
        tables = rp.complete_tables(raw, run_checks=False)
        t = rp.filter_tables(tables)
        vw = rp.Views(t)                               # notebook 30
        vw.takeaways, vw.headline, vw.county_summary, vw.red_flags
        if charts:
            for key in ch.BRIEFING_KEYS:
                plt.close(ch.draw(key, vw))
        t1 = time.perf_counter()
        vw = rp.Views(t)                               # notebook 20 (its own kernel)
        vw.takeaways, vw.county_summary, vw.grade_counts, vw.findings, vw.projects
        vw = rp.Views(t)                               # export step
        vw.headline, vw.county_summary, vw.red_flags
        n = len(vw.counties)
    t2 = time.perf_counter()
    return {"side": side, "briefing_30": round(t1 - t0, 3), "total": round(t2 - t0, 3), "counties": n}


def _side(data: Path, side: str, src: Path, charts: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, __file__, "--worker", side, "--data", str(data)] + (["--charts"] if charts else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=str(src.parent))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counties", type=int, default=200)
    ap.add_argument("--projects", type=int, default=12000)
    ap.add_argument("--base", help="git ref of today's code (default: the merge base with main)")
    ap.add_argument("--charts", action="store_true", help="also draw the six briefing charts")
    ap.add_argument("--worker", choices=("old", "new"), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        print(json.dumps(work(Path(a.data), a.worker, a.charts)))
        return
    base = a.base or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=ROOT, capture_output=True,
                                    text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        sizes = build(tmp / "data", a.counties, a.projects)
        print(f"dataset: {sizes} in {time.perf_counter() - t0:.1f}s")
        old_root = tmp / "base"
        old_root.mkdir()
        arch = subprocess.run(["git", "archive", base, "src/evalkit"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old_root)], input=arch.stdout, check=True)
        old = _side(tmp / "data", "old", old_root / "src", a.charts)
        new = _side(tmp / "data", "new", ROOT / "src", a.charts)
    print(f"today's code ({base[:10]}): notebook 30 {old['briefing_30']:.2f}s, whole run {old['total']:.2f}s "
          f"({old['counties']} counties)")
    print(f"this checkout:           notebook 30 {new['briefing_30']:.2f}s, whole run {new['total']:.2f}s "
          f"({new['counties']} counties)")
    print(f"speed-up: notebook 30 {old['briefing_30'] / new['briefing_30']:.1f}x, "
          f"whole run {old['total'] / new['total']:.1f}x")


if __name__ == "__main__":
    main()
