"""Time each reader against the bare library call on the same files, in one run.

    python benchmarks/bench_readers.py [--repeat 3] [--real data/raw] [--no-camelot-raster]

Prints per format: seconds per file (DOCX/XLSX/HTML) or per page (PDF) for the evalkit reader
and for the bare library call, their ratio, and for PDFs the tables found and the share of the
fixture's cells read right by evalkit (pdfplumber), camelot lattice (vector engine) and camelot
lattice (default 'combined' raster+vector engine).
"""
from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections import Counter
from pathlib import Path

from evalkit.readers import read
from evalkit.readers.grid import Span, merged_units, rows_from_spans

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"


def timed(fn, repeat: int):
    """Median wall time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


# ------------------------------------------------------------------ bare library calls

def bare_docx(path):
    import docx
    d = docx.Document(str(path))
    return [[c.text for c in row.cells] for t in d.tables for row in t.rows] + [p.text for p in d.paragraphs]


def bare_xlsx(path):
    import openpyxl
    wb = openpyxl.load_workbook(path, data_only=True)
    return [[c.value for c in row] for ws in wb.worksheets for row in ws.iter_rows()]


def bare_html(path):
    import lxml.html
    root = lxml.html.fromstring(Path(path).read_bytes())
    return [[td.text_content() for td in tr.xpath("./td|./th")] for tr in root.iter("tr")], root.text_content()


def bare_pdfplumber(path):
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        return [(p.extract_tables(), p.extract_text()) for p in pdf.pages]


def camelot_tables(path, engine: str):
    """camelot lattice tables as physical-cell rows (spans rebuilt from the cell edge flags)."""
    import camelot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = camelot.read_pdf(str(path), pages="all", flavor="lattice", engine=engine)
    return [(t.page, camelot_rows(t)) for t in tables]


def camelot_rows(table) -> list[list[str]]:
    cells = table.cells
    n_r, n_c = len(cells), len(cells[0]) if cells else 0
    groups = merged_units(n_r, n_c, lambda r, c: not cells[r][c].right, lambda r, c: not cells[r][c].bottom)
    spans = []
    for members in groups:
        rs, cs = [m[0] for m in members], [m[1] for m in members]
        text = "\n".join(cells[r][c].text.strip() for r, c in sorted(members) if cells[r][c].text.strip())
        spans.append(Span(min(rs), max(rs), min(cs), max(cs), text))
    return rows_from_spans(spans)


# ------------------------------------------------------------------ accuracy against the fixture

def squeeze(s: str) -> str:
    return "".join(s.split())


def expected_tables() -> dict[str, list[list[str]]]:
    """The project tables the DOCX fixture holds (the PDF fixture renders the same projects)."""
    doc = read(FIX / "fixture_docx.docx")
    out = {}
    for t in doc.tables():
        if t.rows and t.rows[0][0] == "项目名称":
            out[squeeze(t.rows[0][1])] = t.rows
    return out


def group_by_project(fragments: list[list[list[str]]]) -> dict[str, list[list[str]]]:
    """Join page fragments' rows to the project named by the last 项目名称 row seen."""
    out, current = {}, None
    for rows in fragments:
        for row in rows:
            if len(row) > 1 and squeeze(row[0]) == "项目名称":
                current = squeeze(row[1])
                out[current] = []
            if current is not None:
                out[current].append(row)
    return out


def cells_right(expected: dict, found: dict) -> tuple[int, int, int, int]:
    """(cells matched, cells expected, rows matched, rows expected), whitespace ignored."""
    c_ok = c_all = r_ok = r_all = 0
    for name, rows in expected.items():
        got = found.get(name, [])
        want_cells = Counter(squeeze(c) for row in rows for c in row if squeeze(c))
        got_cells = Counter(squeeze(c) for row in got for c in row if squeeze(c))
        c_ok += sum((want_cells & got_cells).values())
        c_all += sum(want_cells.values())
        want_rows = Counter(tuple(squeeze(c) for c in row) for row in rows)
        got_rows = Counter(tuple(squeeze(c) for c in row) for row in got)
        r_ok += sum((want_rows & got_rows).values())
        r_all += sum(want_rows.values())
    return c_ok, c_all, r_ok, r_all


# ------------------------------------------------------------------ main

def line(label, reader_s, bare_s, unit, extra=""):
    ratio = reader_s / bare_s if bare_s else float("nan")
    print(f"  {label:44s} reader {reader_s:8.4f} s/{unit}   bare {bare_s:8.4f} s/{unit}   ratio {ratio:5.2f}{extra}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--real", type=Path, default=ROOT / "data" / "raw", help="folder with real PDFs to time too")
    ap.add_argument("--fixtures-only", action="store_true", help="skip the real PDFs")
    ap.add_argument("--no-camelot-raster", action="store_true", help="skip the slow raster engine")
    a = ap.parse_args()
    if a.fixtures_only:
        a.real = None
    try:
        import camelot  # noqa: F401  (optional: pip install -e '.[bench]')
        has_camelot = True
    except ImportError:
        has_camelot = False
        print("camelot-py is not installed (pip install -e '.[bench]'): camelot rows skipped")

    print("DOCX / XLSX / HTML (seconds per file, median of", a.repeat, "runs)")
    for path, bare in ((FIX / "fixture_docx.docx", bare_docx), (FIX / "fixture_xlsx.xlsx", bare_xlsx),
                       (FIX / "fixture_html.html", bare_html)):
        r, _ = timed(lambda: read(path), a.repeat)
        b, _ = timed(lambda: bare(path), a.repeat)
        line(path.name, r, b, "file")

    print("PDF (seconds per page; bare = pdfplumber extract_tables + extract_text)")
    expected = expected_tables()
    pdfs = [FIX / "fixture_pdf.pdf"] + (sorted(a.real.glob("*.pdf")) if a.real else [])
    for path in pdfs:
        r, doc = timed(lambda: read(path), a.repeat)
        pages = doc.pages
        b, _ = timed(lambda: bare_pdfplumber(path), a.repeat)
        line(f"{path.name} ({pages} p)", r / pages, b / pages, "page", f"   tables {len(list(doc.tables()))}")
        engines = ["vector"] + ([] if a.no_camelot_raster else ["combined"]) if has_camelot else []
        cam = {}
        for engine in engines:
            c, tables = timed(lambda: camelot_tables(path, engine), 1)
            cam[engine] = tables
            print(f"  {'':44s} camelot lattice engine={engine:8s} {c / pages:8.4f} s/page   "
                  f"ratio to reader {c / r:5.2f}   tables {len(tables)} (per page, unstitched)")
        if path.parent == FIX:
            found = {squeeze(t.rows[0][1]): t.rows for t in doc.tables() if t.rows and t.rows[0][0] == "项目名称"}
            ok = cells_right(expected, found)
            print(f"  {'':44s} cells right: evalkit {ok[0]}/{ok[1]} ({ok[0] / ok[1]:.0%}), rows {ok[2]}/{ok[3]}")
            for engine, tables in cam.items():
                ok = cells_right(expected, group_by_project([rows for _, rows in tables]))
                print(f"  {'':44s} cells right: camelot {engine} {ok[0]}/{ok[1]} ({ok[0] / ok[1]:.0%}), "
                      f"rows {ok[2]}/{ok[3]}")


if __name__ == "__main__":
    main()
