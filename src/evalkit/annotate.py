"""`evalkit annotate FILE --out OUT.pdf`: a copy of a PDF with every finding boxed on its page and explained in a note
(an OFD: the PDF its reader drew and read, readers/ofd.py, so pages and boxes are the same).

Boxes come from the findings' `loc_page` / `loc_bbox` (the cells a finding compares); a finding
with a page but no box gets its note in the page's top margin. The original file is never
written; OUT must be a new file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evalkit import schema
from evalkit.errors import InputError, UsageError

COLORS = {"error": "c62828", "warning": "f0a30a", "info": "1f77b4"}
SEVERITY_ZH = schema.SEVERITY_ZH


@dataclass(frozen=True)
class Mark:
    """One highlight: page (1-based), box (x0, top, x1, bottom in points from the top-left) or None, and its note."""
    page: int
    bbox: tuple[float, float, float, float] | None
    title: str
    note: str
    severity: str = "warning"


def parse_bbox(text) -> tuple[float, float, float, float] | None:
    """"x0,top,x1,bottom" (the loc_bbox column) -> a tuple; None when absent or malformed."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        parts = tuple(float(v) for v in text.split(","))
    except ValueError:
        return None
    return parts if len(parts) == 4 else None


def annotate_pdf(src: str | Path, out: str | Path, marks: list[Mark]) -> int:
    """Write `out`: `src` with a coloured box and a note (Chinese text) per mark; returns the marks placed."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Rectangle, Text
    from pypdf.generic import NameObject, NumberObject, TextStringObject
    src, out = Path(src), Path(out)
    if out.exists():
        raise UsageError(f"{out} 已存在，为免覆盖，拒绝写入", "请换一个输出文件名")
    if out.resolve() == src.resolve():
        raise UsageError("输出文件不能是原文件本身", "请另给一个文件名，例如 批注_原文件名.pdf")
    try:
        reader = PdfReader(src)
        writer = PdfWriter(clone_from=reader)
    except Exception as e:  # noqa: BLE001  (pypdf raises several types for a damaged file)
        raise InputError(f"无法读取 PDF {src}（{type(e).__name__}）") from None
    placed = 0
    margin_slot: dict[int, int] = {}
    for m in marks:
        if not 1 <= m.page <= len(writer.pages):
            continue
        page = writer.pages[m.page - 1]
        box = page.mediabox
        left, top_y = float(box.left), float(box.top)
        color = COLORS.get(m.severity, COLORS["warning"])
        text = f"【{SEVERITY_ZH.get(m.severity, m.severity)}】{m.title}\n{m.note}"
        if m.bbox is not None:
            x0, top, x1, bottom = m.bbox
            rect = (left + x0 - 1.5, top_y - bottom - 1.5, left + x1 + 1.5, top_y - top + 1.5)
            frame = Rectangle(rect=rect)
            frame[NameObject("/C")] = _rgb(color)
            frame[NameObject("/BS")] = _border(2)
            frame[NameObject("/Contents")] = TextStringObject(text)
            writer.add_annotation(page_number=m.page - 1, annotation=frame)
            icon = (rect[2] + 2, rect[3] - 14, rect[2] + 16, rect[3])
        else:
            k = margin_slot.get(m.page, 0)
            margin_slot[m.page] = k + 1
            icon = (left + 20 + 18 * k, top_y - 24, left + 34 + 18 * k, top_y - 10)
        note = Text(rect=icon, text=text, open=False)
        note[NameObject("/C")] = _rgb(color)
        note[NameObject("/T")] = TextStringObject("evalkit")
        note[NameObject("/F")] = NumberObject(4)          # print the icon
        writer.add_annotation(page_number=m.page - 1, annotation=note)
        placed += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "wb") as f:
        writer.write(f)
    tmp.replace(out)
    return placed


# the formats read from a PDF drawn of them (their reader's to_pdf): the findings' pages and boxes stand on that PDF
DRAWN = {"ofd": "evalkit.readers.ofd", "xps": "evalkit.readers.xps"}


def drawn_format(name: str) -> str | None:
    """'ofd' or 'xps' when the file is annotated on the PDF its reader draws of it (DRAWN); None for a PDF."""
    from evalkit.readers import format_of
    fmt = format_of(name)
    return fmt if fmt in DRAWN else None


def annotate_file(src: str | Path, out: str | Path, marks: list[Mark]) -> int:
    """annotate_pdf on a PDF; on an OFD or XPS, on the PDF its reader draws from it, where the findings' boxes stand."""
    import importlib
    import tempfile

    from evalkit.errors import ReadError
    src = Path(src)
    fmt = drawn_format(src.name)
    if fmt is None:
        return annotate_pdf(src, out, marks)
    to_pdf = importlib.import_module(DRAWN[fmt]).to_pdf
    with tempfile.TemporaryDirectory(prefix="evalkit-annotate-") as tmp:
        drawn = Path(tmp) / f"{fmt}.pdf"
        try:
            to_pdf(src, drawn)
        except ReadError as e:              # LimitExceeded included
            raise InputError(f"无法读取 {fmt.upper()} {src.name}（{e}）") from None
        return annotate_pdf(drawn, out, marks)


def _rgb(hex6: str):
    from pypdf.generic import ArrayObject, FloatObject
    return ArrayObject([FloatObject(int(hex6[i:i + 2], 16) / 255) for i in (0, 2, 4)])


def _border(width: float):
    from pypdf.generic import DictionaryObject, NameObject, NumberObject
    return DictionaryObject({NameObject("/W"): NumberObject(width), NameObject("/S"): NameObject("/S")})


def marks_for_file(path: str | Path, tables: dict) -> list[Mark]:
    """The marks of one file's findings: the file is matched by content (SHA-256), so any copy works."""
    import pandas as pd

    from evalkit.review import file_findings
    f = file_findings(path, tables)
    if f is None:
        raise InputError(f"数据集中没有 {Path(path).name} 这份文件（按内容比对）", "请先用 evalkit ingest 读入它，再生成批注")
    marks = []
    for r in f.itertuples(index=False):
        page = getattr(r, "loc_page", None)
        if page is None or pd.isna(page):
            continue
        title = getattr(r, "title", None) or r.rule
        loc = getattr(r, "location", None)
        note = r.message + (f"（{loc}）" if isinstance(loc, str) and loc else "")
        figures = getattr(r, "figure_locations", None)
        if isinstance(figures, str) and figures:
            note += f"\n所比数字：{figures}"
        marks.append(Mark(int(page), parse_bbox(getattr(r, "loc_bbox", None)), str(title), note, str(r.severity)))
    return marks
