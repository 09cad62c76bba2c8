"""Mutate the test fixtures and ingest the copies: every file must cost at most its own row, with a specific Chinese
message. Prints the failed and partial rows grouped by message and exits 1 when any row is an internal error
(读取时发生内部错误) or the ingest itself fails.

    python scripts/fuzz_readers.py [--seed S] [--copies N] [--jobs J] [--keep DIR]

Byte mutations (flipped bytes, a cut, a random chunk, a zeroed run) of every fixture format, and for DOCX/XLSX packages
mutations of their XML (numbers in attributes, duplicated rows and cells, cell references) inside a valid zip; for OFD
packages odd placement values (NaN, 1e308, empty, a repeat of a billion), objects repeated or dropped, other IDs; for
XPS pages (xpstopdf draws them) odd origins, sizes, transforms and path data, glyph runs repeated or dropped; an
Outlook .msg and a winmail.dat are made by tests/outlookmsg.py and mutated as bytes, and so is the compound file of a
PDF attached to a Word report as an object (inside a valid .docx); a PDF 包 (a Word report and a workbook attached
to a PDF) is mutated as bytes. The
bugs of session 16 (a zip member zlib refused ended the run; control characters in HTML; a TIFF's damaged page
directory) were found this way; each has its own test now. Slow formats (LibreOffice, OCR) make a run take minutes.
"""
from __future__ import annotations

import argparse
import io
import random
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "tests"))      # tests/outlookmsg.py writes the .msg and winmail.dat it mutates
SOURCES = [FIX / "fixture_docx.docx", FIX / "fixture_xlsx.xlsx", FIX / "fixture_xls.xls", FIX / "fixture_pdf.pdf",
           FIX / "fixture_html.html", FIX / "archives" / "自评材料.zip", FIX / "archives" / "汇总.7z",
           FIX / "office" / "fixture_odt.odt", FIX / "office" / "fixture_ods.ods", FIX / "office" / "fixture_rtf.rtf",
           FIX / "markdown" / "md_mineru.md", FIX / "pages" / "pages_rowbreak.pdf", FIX / "scans" / "scan_pages.tif",
           ROOT / "data" / "raw" / "003_7cec67b54d9192d1.txt", FIX / "fixture_ofd.ofd", FIX / "ofd" / "quirks.ofd",
           FIX / "office" / "fixture_xlsb.xlsb", FIX / "office" / "fixture_pptx.pptx", FIX / "xps" / "fixture_xps.xps"]
XML_PACKAGES = [FIX / "fixture_docx.docx", FIX / "fixture_xlsx.xlsx", FIX / "office" / "fixture_pptx.pptx"]
OFD_PACKAGES = [FIX / "fixture_ofd.ofd", FIX / "ofd" / "quirks.ofd"]
XPS_PACKAGES = [FIX / "xps" / "fixture_xps.xps", FIX / "xps" / "fixture_oxps.oxps"]
ODD_NUMBERS = ["nan", "inf", "-1e308", "1e308", "", "g", "g 999999999 1e308", "0 0 0 0", "1 2", "-5", "0", "1e-300"]
INTERNAL = "内部错误"


def mutate_bytes(data: bytes, rnd: random.Random) -> tuple[str, bytes]:
    d = bytearray(data)
    kind = rnd.choice(["flip", "cut", "chunk", "zero"])
    if kind == "flip":
        for _ in range(rnd.randint(1, 20)):
            p = rnd.randrange(len(d))
            d[p] = rnd.randrange(256)
    elif kind == "cut":
        d = d[:rnd.randrange(len(d))]
    elif kind == "chunk":
        p = rnd.randrange(len(d))
        q = min(len(d), p + rnd.randint(1, 2000))
        d[p:q] = bytes(rnd.randrange(256) for _ in range(q - p))
    else:
        p = rnd.randrange(len(d))
        q = min(len(d), p + rnd.randint(1, 5000))
        d[p:q] = bytes(q - p)
    return kind, bytes(d)


def mutate_xml(xml: str, rnd: random.Random) -> str:
    """Numbers in attributes, duplicated rows/cells/paragraphs, other cell references: still well-formed XML."""
    for _ in range(rnd.randint(1, 12)):
        kind = rnd.choice(["number", "repeat", "ref"])
        if kind == "number":
            found = list(re.finditer(r'(\w+:?\w*)="(\d+)"', xml))
            if found:
                m = rnd.choice(found)
                xml = xml[:m.start(2)] + rnd.choice(["0", "1", "99", "500", "16384", "40"]) + xml[m.end(2):]
        elif kind == "repeat":
            found = list(re.finditer(r"<(w:tc|w:tr|row|c|w:p)\b[^>]*>.*?</\1>", xml, re.S))[:200]
            if found:
                m = rnd.choice(found)
                xml = xml[:m.end()] + m.group(0) * rnd.randint(1, 5) + xml[m.end():]
        else:
            found = list(re.finditer(r'(ref|sqref)="([A-Z]+\d+(:[A-Z]+\d+)?)"', xml))
            if found:
                m = rnd.choice(found)
                xml = xml[:m.start(2)] + rnd.choice(["A1:XFD1048576", "A1:Z500", "B2:C3", "A1:A1"]) + xml[m.end(2):]
    return xml


def mutate_ofd_xml(xml: str, rnd: random.Random) -> str:
    """Odd values in the numeric attributes an OFD places things with, objects repeated or dropped, other IDs."""
    for _ in range(rnd.randint(1, 12)):
        kind = rnd.choice(["number", "repeat", "drop", "ref"])
        if kind == "number":
            found = list(re.finditer(r'(Boundary|CTM|DeltaX|DeltaY|X|Y|Size|LineWidth|PhysicalBox)="([^"]*)"', xml))
            if found:
                m = rnd.choice(found)
                xml = xml[:m.start(2)] + rnd.choice(ODD_NUMBERS) + xml[m.end(2):]
        elif kind in ("repeat", "drop"):
            found = list(re.finditer(r"<ofd:(TextObject|PathObject|PageBlock|TextCode)\b[^>]*>.*?</ofd:\1>", xml, re.S))[:300]
            if found:
                m = rnd.choice(found)
                xml = xml[:m.end()] + (m.group(0) * rnd.randint(1, 5) if kind == "repeat" else "") + xml[m.end():]
                if kind == "drop":
                    xml = xml[:m.start()] + xml[m.end():]
        else:
            found = list(re.finditer(r'(ResourceID|TemplateID|DrawParam|Relative|ID)="(\d+)"', xml))
            if found:
                m = rnd.choice(found)
                xml = xml[:m.start(2)] + rnd.choice(["0", "30", "40", "20", "21", "7", ""]) + xml[m.end(2):]
    return xml


def rezipped(path: Path, rnd: random.Random, wanted, mutate) -> bytes:
    """The package at `path` rewritten (a valid zip), each member whose name `wanted` picks mutated half the time by
    `mutate(name, bytes) -> bytes`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if wanted(info.filename) and rnd.random() < 0.5:
                data = mutate(info.filename, data)
            zout.writestr(info.filename, data)
    return buf.getvalue()


def mutate_ofd(path: Path, rnd: random.Random) -> bytes:
    def mutate(_name: str, data: bytes) -> bytes:
        encoding = "gb18030" if b'encoding="GB18030"' in data[:100] else "utf-8"
        return mutate_ofd_xml(data.decode(encoding), rnd).encode(encoding)
    return rezipped(path, rnd, lambda name: name.lower().endswith(".xml"), mutate)


def mutate_xps_xml(xml: str, rnd: random.Random) -> str:
    """Odd values in the attributes an XPS page places and sizes things with (xpstopdf draws what it is given),
    glyph runs and paths repeated or dropped."""
    for _ in range(rnd.randint(1, 12)):
        kind = rnd.choice(["number", "repeat", "drop"])
        if kind == "number":
            found = list(re.finditer(r'(OriginX|OriginY|FontRenderingEmSize|Indices|RenderTransform|StrokeThickness|'
                                     r'Data|Width|Height|Viewbox|Viewport)="([^"]*)"', xml))
            if found:
                m = rnd.choice(found)
                xml = xml[:m.start(2)] + rnd.choice(ODD_NUMBERS + ["1e9,0,0,1e9,0,0", "M 0,0 L 1e308,1e308", ";;;,"]) + xml[m.end(2):]
        else:
            found = list(re.finditer(r"<(Glyphs|Path)\b[^>]*/>", xml))[:300]
            if found:
                m = rnd.choice(found)
                if kind == "repeat":
                    xml = xml[:m.end()] + m.group(0) * rnd.randint(1, 50) + xml[m.end():]
                else:
                    xml = xml[:m.start()] + xml[m.end():]
    return xml


def mutate_xps(path: Path, rnd: random.Random) -> bytes:
    return rezipped(path, rnd, lambda name: name.endswith(".fpage"),
                    lambda _name, data: mutate_xps_xml(data.decode("utf-8"), rnd).encode("utf-8"))


def mutate_package(path: Path, rnd: random.Random) -> bytes:
    def mutate(name: str, data: bytes) -> bytes:      # the parts a reader walks (drawn after the coin, as always)
        if not any(t in name for t in ("document", "sheet", "sharedStrings", "styles", "workbook")):
            return data
        return mutate_xml(data.decode("utf-8"), rnd).encode("utf-8")
    return rezipped(path, rnd, lambda name: name.endswith(".xml"), mutate)


def outlook_mail() -> bytes:
    """An Outlook .msg (tests/outlookmsg.py) with a workbook, a signature picture, an attached mail and an HTML body."""
    from outlookmsg import Attachment, Message, write_msg
    inner = Message(subject="转发", attachments=[Attachment("附表.xls", (FIX / "fixture_xls.xls").read_bytes())])
    return write_msg(Message(subject="自评", html=(FIX / "fixture_html.html").read_bytes(), attachments=[
        Attachment("自评表.xlsx", (FIX / "fixture_xlsx.xlsx").read_bytes()),
        Attachment("image001.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", "image001"),
        Attachment("转发", message=inner)]))


def attached_object(blob: bytes, rnd: random.Random) -> bytes:
    """A Word report with a file attached as an object (tests/test_attached.py): Object Packager's compound file
    around the PDF fixture, mutated as bytes inside a valid .docx."""
    from test_attached import INTRO, package
    from test_embedded import word_with_object
    _, mutated = mutate_bytes(blob, rnd)
    with tempfile.TemporaryDirectory() as d:
        return word_with_object(Path(d) / "x.docx", mutated, prog_id="Package", before=INTRO, aspect="Icon").read_bytes()


def corpus(folder: Path, seed: int, copies: int) -> int:
    rnd = random.Random(seed)
    n = 0
    made = [(src.stem, src.suffix, src.read_bytes()) for src in SOURCES] + [("报送", ".msg", outlook_mail())]
    from outlookmsg import write_tnef
    made.append(("winmail", ".dat", write_tnef([("自评表.xlsx", (FIX / "fixture_xlsx.xlsx").read_bytes())])))
    for stem, suffix, data in made:
        for i in range(copies):
            kind, mutated = mutate_bytes(data, rnd)
            (folder / f"{stem}_{kind}_{i}{suffix}").write_bytes(mutated)
            n += 1
    for src in XML_PACKAGES:
        for i in range(copies):
            (folder / f"{src.stem}_xml_{i}{src.suffix}").write_bytes(mutate_package(src, rnd))
            n += 1
    from test_attached import package
    packed = package("自评表.pdf", (FIX / "fixture_pdf.pdf").read_bytes())
    for i in range(copies):
        (folder / f"附件对象_{i}.docx").write_bytes(attached_object(packed, rnd))
        n += 1
    from test_attached import _pdf_with_files
    portfolio = _pdf_with_files([("大厂县自评报告.docx", (FIX / "fixture_docx.docx").read_bytes())],
                                annotated=[("自评表.xlsx", (FIX / "fixture_xlsx.xlsx").read_bytes())])
    for i in range(copies):               # a PDF 包: its attachments are taken out at discovery, in a process of their own
        kind, mutated = mutate_bytes(portfolio, rnd)
        (folder / f"PDF包_{kind}_{i}.pdf").write_bytes(mutated)
        n += 1
    for src in OFD_PACKAGES:
        for i in range(copies * 3):
            (folder / f"{src.stem}_xml_{i}{src.suffix}").write_bytes(mutate_ofd(src, rnd))
            n += 1
    for src in XPS_PACKAGES:
        for i in range(copies * 2):
            (folder / f"{src.stem}_xml_{i}{src.suffix}").write_bytes(mutate_xps(src, rnd))
            n += 1
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copies", type=int, default=8, help="mutated copies of each fixture (default 8)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="write the corpus and dataset here (kept), not in a temp folder")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="evalkit-fuzz-") as tmp:
        work = a.keep or Path(tmp)
        docs = work / "docs"
        docs.mkdir(parents=True, exist_ok=True)
        n = corpus(docs, a.seed, a.copies)
        r = subprocess.run([sys.executable, "-m", "evalkit", "ingest", str(docs), "--out", str(work / "clean"),
                            "--jobs", str(a.jobs), "--quiet", "--rebuild"], capture_output=True, text=True)
        print(f"{n} mutated files (seed {a.seed}); ingest exit code {r.returncode}")
        if not (work / "clean" / "reports.parquet").exists() and not (work / "clean" / "manifest.json").exists():
            print(r.stdout[-3000:], r.stderr[-3000:], sep="\n")
            return 1
        import pandas as pd

        from evalkit.store import load
        rep = load(work / "clean", tables=["reports"])["reports"]
        print(rep["status"].value_counts().to_string())
        bad = rep[rep["status"].isin(["failed", "partial"])]
        shape = bad["error"].astype(str).str.split(": ", n=1).str[-1].str.replace(r"\d+", "N", regex=True).str[:110]
        for msg, group in bad.groupby(shape):
            print(f"{len(group):4d}  {msg}  ({group['source_file'].iloc[0]})")
        internal = rep[rep["error"].astype(str).str.contains(INTERNAL, na=False)]
        if len(internal):
            print(f"\n{len(internal)} internal errors:")
            print(pd.Series(internal["error"].values).to_string())
        return 1 if len(internal) or r.returncode not in (0, 1) else 0


if __name__ == "__main__":
    sys.exit(main())
