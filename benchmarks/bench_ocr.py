"""OCR reader: seconds per page and field accuracy at 150/200/300 dpi, against the bare rapidocr call.

For each resolution the pages of tests/fixtures/scans/scan_report.pdf (the image-only scan of the
PDF fixture) are rendered once, then read twice, alternately, in the same run (machine load
cancels out in the ratio; one untimed warm-up read per resolution for each):

- ours: `evalkit.readers.ocr.read_page` (seal out, orientation, deskew, OCR, ruled-table grid,
  missed dashes) then `ingest.build`; fields compared with the scan's truth (projects and
  indicators of the projects whose pages were read);
- bare: `RapidOCR()(image)` with the package's defaults (boxes and texts, no table; it scales
  a page down to 2000 px before detection, ours to 2400 px);
  its "text recall" is the share of the truth's indicator values (target/actual/weight/score)
  found verbatim as one of its box texts, for comparison.

    python benchmarks/bench_ocr.py [--pages 3] [--dpi 150 200 300] [--repeat 1]

Page 3 holds one whole project (医疗保障服务经费). Pages 1-2 or 4-5 hold one project each across
a page break; pass e.g. `--pages 1 2`. Keep it small: each page costs seconds at 200 dpi.
"""
from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from evalkit.ingest import build  # noqa: E402
from evalkit.readers import ocr, ocrengine  # noqa: E402

SCAN = ROOT / "tests" / "fixtures" / "scans" / "scan_report.pdf"
TRUTH = ROOT / "tests" / "fixtures" / "scans" / "truth"
PROJECT_FIELDS = ["fiscal_year", "budget_initial", "budget_full_year", "executed", "execution_rate",
                  "budget_weight", "budget_score", "total_score", "grade", "county"]
INDICATOR_FIELDS = ["level1", "level2", "level3", "target", "actual", "weight", "score"]


def same(t, g) -> bool:
    if t == "" or t is None:
        return g is None or g is pd.NA or (isinstance(g, float) and g != g)
    if g is None or g is pd.NA:
        return False
    try:
        return abs(float(t) - float(g)) < 0.005
    except ValueError:
        return unicodedata.normalize("NFKC", str(t)) == unicodedata.normalize("NFKC", str(g))


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(s)).split())


def score_fields(res, truth_p: pd.DataFrame, truth_i: pd.DataFrame) -> tuple[int, int]:
    """Matching fields of the projects read, against the truth rows of those projects."""
    ok = total = 0
    got_p = {p["project_name"]: p for p in res.projects}
    names = [n for n in truth_p["project_name"] if n in got_p] or list(truth_p["project_name"])
    for _, t in truth_p[truth_p["project_name"].isin(names)].iterrows():
        g = got_p.get(t["project_name"], {})
        for f in PROJECT_FIELDS:
            total += 1
            ok += same(t[f], g.get(f))
    for name in names:
        want = truth_i[truth_i["project_name"] == name]
        got = [i for i in res.indicators if i["project_name"] == name]
        for k, (_, t) in enumerate(want.iterrows()):
            g = got[k] if k < len(got) else {}
            for f in INDICATOR_FIELDS:
                total += 1
                ok += same(t[f], g.get(f))
    return ok, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="+", default=[3])
    ap.add_argument("--dpi", type=int, nargs="+", default=[150, 200, 300])
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()

    import pypdfium2 as pdfium
    from rapidocr_onnxruntime import RapidOCR

    bare = RapidOCR()
    ocrengine.engine()       # both engines built before timing
    truth_p = pd.read_csv(TRUTH / "projects.csv", dtype=str, keep_default_na=False)
    truth_i = pd.read_csv(TRUTH / "indicators.csv", dtype=str, keep_default_na=False)
    truth_p, truth_i = truth_p[truth_p["seed"] == SCAN.name], truth_i[truth_i["seed"] == SCAN.name]
    wanted_values = {norm(v) for f in ("target", "actual", "weight", "score") for v in truth_i[f] if v}

    pdf = pdfium.PdfDocument(str(SCAN))
    rows = []
    for dpi in a.dpi:
        images = {p: ocr.render_pdf_page(pdf, p, dpi) for p in a.pages}
        warm = next(iter(images.values()))      # onnxruntime's first run at a new size is slow
        ocr.read_page(warm, 0)
        bare(warm.convert("RGB") if warm.mode != "RGB" else warm)
        t_ours = t_bare = 0.0
        results, bare_texts = [], set()
        for _ in range(a.repeat):
            results = []
            for p, img in images.items():
                t0 = time.perf_counter()
                results.append(ocr.read_page(img, p))
                t1 = time.perf_counter()
                res, _ = bare(img.convert("RGB") if img.mode != "RGB" else img)
                t2 = time.perf_counter()
                t_ours += t1 - t0
                t_bare += t2 - t1
                bare_texts |= {norm(text) for _, text, _ in (res or [])}
        doc = ocr._document(str(SCAN), "pdf", results, len(pdf))
        fr = build(doc, SCAN.name, "0" * 64, "pdf")
        ok, total = score_fields(fr, truth_p, truth_i)
        names = {p["project_name"] for p in fr.projects}
        want_here = {norm(v) for f in ("target", "actual", "weight", "score")
                     for v in truth_i[truth_i["project_name"].isin(names)][f] if v} or wanted_values
        recall = len(want_here & bare_texts) / len(want_here)
        n = len(a.pages) * a.repeat
        size = "×".join(map(str, next(iter(images.values())).size))
        rows.append((dpi, size, t_ours / n, t_bare / n, ok, total, recall))
        del images
    pdf.close()
    print(f"pages {a.pages} of {SCAN.name}, {a.repeat} run(s) each; seconds per page")
    print(f"{'dpi':>4} {'pixels':>10} {'ours s':>8} {'bare s':>8} {'ours/bare':>9} {'fields':>10} {'bare text recall':>17}")
    for dpi, size, so, sb, ok, total, recall in rows:
        print(f"{dpi:>4} {size:>10} {so:8.1f} {sb:8.1f} {so / sb:9.2f} {ok:>4}/{total:<4} {ok / total:5.1%}"
              f" {recall:>10.1%}")


if __name__ == "__main__":
    main()
