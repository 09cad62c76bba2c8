"""Annotated PDF copies: each finding boxed where its figure is printed, the original untouched."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.annotate import Mark, annotate_pdf, marks_for_file
from evalkit.errors import InputError, UsageError
from evalkit.readers import read

REALDOCS = sorted((Path(__file__).resolve().parents[2] / "shared" / "realdocs").glob("*.pdf"))
pytestmark = pytest.mark.skipif(not REALDOCS, reason="realdocs not present")


def _red(png, box=None, scale=2):
    a = np.asarray(png.convert("RGB")).astype(int)
    red = (a[:, :, 0] > 150) & (a[:, :, 1] < 90) & (a[:, :, 2] < 90)
    if box is None:
        return int(red.sum())
    x0, top, x1, bottom = (int(v * scale) for v in box)
    return int(red[top - 8:bottom + 8, x0 - 8:x1 + 8].sum())


def test_box_is_drawn_where_the_paragraph_is_printed(tmp_path):
    import pypdfium2 as pdfium
    src = REALDOCS[0]
    before = src.read_bytes()
    p = next(p for p in read(src).paragraphs() if "绩效自评" in p.text and "项目" in p.text)
    out = tmp_path / "批注.pdf"
    assert annotate_pdf(src, out, [Mark(p.page, p.bbox, "测试", "结果段落", "error")]) == 1
    assert src.read_bytes() == before
    page = pdfium.PdfDocument(str(out))[p.page - 1]
    img = page.render(scale=2, draw_annots=True).to_pil()
    plain = pdfium.PdfDocument(str(src))[p.page - 1].render(scale=2).to_pil()
    assert _red(plain) == 0
    assert _red(img, p.bbox) > 500 and _red(img, p.bbox) == _red(img)     # all the red is around the box


def test_refuses_to_overwrite(tmp_path):
    out = tmp_path / "x.pdf"
    out.write_bytes(b"mine")
    with pytest.raises(UsageError, match="拒绝写入"):
        annotate_pdf(REALDOCS[0], out, [])
    assert out.read_bytes() == b"mine"
    with pytest.raises(UsageError):
        annotate_pdf(REALDOCS[0], REALDOCS[0], [])


def test_marks_come_from_the_files_findings_by_content(tmp_path):
    import hashlib
    sha = hashlib.sha256(REALDOCS[0].read_bytes()).hexdigest()
    tables = {
        "reports": pd.DataFrame({"report_id": ["r1", "r2"], "sha256": [sha, "0" * 64]}),
        "findings": pd.DataFrame({"report_id": ["r1", "r1", "r2"], "rule": ["a", "b", "c"],
                                  "severity": ["error", "warning", "error"], "message": ["甲", "乙", "丙"],
                                  "loc_page": [27, None, 3], "loc_bbox": ["10,20,30,40", None, None],
                                  "location": ["第27页", None, None]}),
    }
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(REALDOCS[0].read_bytes())             # another name, same content
    marks = marks_for_file(copy, tables)
    assert marks == [Mark(27, (10.0, 20.0, 30.0, 40.0), "a", "甲（第27页）", "error")]
    with pytest.raises(InputError, match="没有"):
        marks_for_file(REALDOCS[1], tables)


def test_a_pdf_inside_an_archive_is_annotated_by_its_ledger_name(tmp_path, capsys):
    from evalkit.cli import main
    from evalkit.ingest import ingest_paths
    archive = Path(__file__).resolve().parent / "fixtures" / "archives" / "自评材料.zip"
    before = archive.read_bytes()
    t = ingest_paths([archive], tmp_path / "clean")
    name = "自评材料.zip!大厂县/2022年/fixture_pdf.pdf"
    rid = t["reports"].set_index("source_file").loc[name, "report_id"]
    paged = t["findings"][(t["findings"]["report_id"] == rid) & t["findings"]["loc_page"].notna()]
    assert len(paged)
    out = tmp_path / "批注.pdf"
    assert main(["annotate", f"{archive}!大厂县/2022年/fixture_pdf.pdf", "--dir", str(tmp_path / "clean"),
                 "--out", str(out)]) == 0
    assert f"已在 {out} 中标出 {len(paged)} 条检查发现" in capsys.readouterr().out
    assert read(out).pages == 5                      # the member's five pages, boxes added
    assert archive.read_bytes() == before


def test_an_ofd_or_xps_is_annotated_on_its_drawn_pdf_with_the_boxes_of_the_pdf_it_was_made_from(tmp_path, capsys):
    """fixture_ofd.ofd and xps/fixture_xps.xps are fixture_pdf.pdf's pages as OFD and XPS: their findings are boxed
    on the PDF the reader drew, at the places the same findings have on the PDF itself (within 2 points: the XPS's
    page size and glyphs are drawn in its own units and font metrics)."""
    from pypdf import PdfReader

    from evalkit.cli import main
    from evalkit.ingest import ingest_paths
    fixtures = Path(__file__).resolve().parent / "fixtures"
    boxes = {}
    from evalkit.readers.xps import find_xpstopdf
    for name in ("fixture_pdf.pdf", "fixture_ofd.ofd") + (("xps/fixture_xps.xps",) if find_xpstopdf() else ()):
        src = fixtures / name
        t = ingest_paths([src], tmp_path / name / "clean")
        out = tmp_path / f"批注_{Path(name).name}.pdf"
        assert main(["annotate", str(src), "--dir", str(tmp_path / name / "clean"), "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert ("OFD 已转为 PDF" in printed) == name.endswith(".ofd")
        assert ("XPS 已转为 PDF" in printed) == name.endswith(".xps")
        assert t["findings"]["loc_page"].notna().any()
        reader = PdfReader(out)
        assert len(reader.pages) == 5
        boxes[name] = sorted((k, *(round(float(v)) for v in a.get_object()["/Rect"]))
                             for k, p in enumerate(reader.pages) for a in (p.get("/Annots") or [])
                             if a.get_object()["/Subtype"] == "/Square")
    assert boxes["fixture_ofd.ofd"] == boxes["fixture_pdf.pdf"] and len(boxes["fixture_pdf.pdf"]) > 0
    if "xps/fixture_xps.xps" in boxes:
        drawn = boxes["xps/fixture_xps.xps"]
        assert len(drawn) == len(boxes["fixture_pdf.pdf"])
        assert all(a[0] == b[0] and max(abs(x - y) for x, y in zip(a[1:], b[1:])) <= 2
                   for a, b in zip(drawn, boxes["fixture_pdf.pdf"]))
