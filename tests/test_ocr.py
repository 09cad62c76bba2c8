"""OCR reader: the scan fixtures (tests/fixtures/scans, made by make_scan_fixtures.py) reach their
truth; the seal, the landscape page and the two-frame TIFF are read; confidences and ocr_pages are
set; pixel bombs and broken images are refused with a Chinese message.

OCR is slow (seconds per page): every scan is read once per session (`scans`)."""
from __future__ import annotations

import copy
import hashlib
import json
import re
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("rapidocr_onnxruntime")

from conftest import ROOT, SEEDS  # noqa: E402
from evalkit.errors import LimitExceeded, ReadError  # noqa: E402
from evalkit.discover import hash_file  # noqa: E402
from evalkit.ingest import assemble, build
from evalkit.model import Table  # noqa: E402
from evalkit.readers import format_of  # noqa: E402
from evalkit.readers import ocr, ocrengine, ocrgrid, ocrprep, ocrtext  # noqa: E402
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same  # noqa: E402

SCANS = ROOT / "tests" / "fixtures" / "scans"
FILES = ["scan_report.pdf", "scan_pages.tif", "scan_seal.jpg", "scan_turned.png"]
MIN_SHARE = 0.95

sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import make_scan_fixtures as msf  # noqa: E402


def read(name: str):
    path = SCANS / name
    return ocr.ocr_pdf(path) if path.suffix == ".pdf" else ocr.read_image(path)


# Every page image `scans` OCR'd, by its pixels' digest: a test that reads the same page again
# (the same file, the same rendering) takes the result instead of OCR-ing it a second time.
PAGE_RESULTS: dict[str, object] = {}


def _digest(img) -> str:
    a = np.asarray(img)
    return f"{a.shape}:{a.dtype}:" + hashlib.sha256(a.tobytes()).hexdigest()


@pytest.fixture(scope="session")
def scans():
    """Each scan OCR'd once: {name: (Document, FileResult)} and the assembled tables."""
    real = ocr.read_page

    def recording(img, page_no):
        res = real(img, page_no)
        PAGE_RESULTS[_digest(img)] = copy.deepcopy(res)      # before _document extends its tables
        return res

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "read_page", recording)
        docs = {name: read(name) for name in FILES}
    results = {name: build(doc, name, hash_file(SCANS / name), "pdf" if name.endswith(".pdf") else "image")
               for name, doc in docs.items()}
    return docs, results, assemble(list(results.values()))


def struth(name):
    return pd.read_csv(SCANS / "truth" / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", FILES)
def test_each_scan_recovers_its_truth(scans, name):
    tables = scans[2]
    want_p = struth("projects")[struth("projects")["seed"] == name]
    got_p = tables["projects"][tables["projects"]["source_file"] == name]
    assert sorted(got_p["project_name"]) == sorted(want_p["project_name"])
    ok = total = 0
    wrong = []
    for _, t in want_p.iterrows():
        g = got_p[got_p["project_name"] == t["project_name"]].iloc[0]
        for f in PROJECT_FIELDS:
            total += 1
            ok += same(t[f], g[f])
            if not same(t[f], g[f]):
                wrong.append((t["project_name"], f, t[f], g[f]))
    want_i = struth("indicators")[struth("indicators")["seed"] == name]
    got_i = tables["indicators"][tables["indicators"]["source_file"] == name]
    assert len(got_i) == len(want_i)
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        for f in ["level3"] + INDICATOR_FIELDS:
            total += 1
            ok += same(t[f], g[f])
            if not same(t[f], g[f]):
                wrong.append((t["level3"], f, t[f], g[f]))
    assert ok / total >= MIN_SHARE, wrong


def test_scans_are_ok_rows_with_their_kind(scans):
    rep = scans[2]["reports"].set_index("source_file")
    want = struth("reports").set_index("seed")
    for name in FILES:
        assert rep.loc[name, "status"] == "ok", rep.loc[name, "error"]
        assert rep.loc[name, "doc_kind"] == want.loc[name, "doc_kind"]
        assert rep.loc[name, "agency"] == want.loc[name, "agency"]
        assert str(rep.loc[name, "fiscal_year"]) == want.loc[name, "fiscal_year"]


def test_figures_under_the_red_seal_are_read(scans):
    """The stamp sits on the 年度资金总额 row (全年执行 65.22, 分值 10) of scan_seal.jpg."""
    p = scans[2]["projects"].set_index("source_file").loc["scan_seal.jpg"]
    assert (p["budget_full_year"], p["executed"], p["budget_weight"]) == (88, 65.22, 10)
    table = next(scans[0]["scan_seal.jpg"].tables())
    row = next(r for r in table.rows if r and r[-1] == "7.41")
    assert row[-6:] == ["88", "88", "65.22", "10", "74.11%", "7.41"]
    # page 1 of the PDF carries a seal too
    p1 = scans[2]["projects"]
    p1 = p1[(p1["source_file"] == "scan_report.pdf") & (p1["project_name"] == msf.PROJECTS[1])].iloc[0]
    assert (p1["executed"], p1["budget_weight"], p1["execution_rate"]) == (26, 10, 100)


def test_seal_removal_keeps_the_print_under_it():
    from PIL import Image, ImageDraw
    page = Image.new("L", (600, 400), 255)
    draw = ImageDraw.Draw(page)
    draw.rectangle((100, 150, 500, 160), fill=0)
    draw.rectangle((295, 50, 305, 350), fill=0)
    stamped = np.asarray(msf.stamp(page, (300, 200)))
    assert (np.abs(stamped.astype(int) - np.asarray(page.convert("RGB")).astype(int)).max(axis=2) > 60).mean() > 0.05
    clean = ocrprep.remove_seal(stamped)
    base = np.asarray(page)
    assert (clean[base == 0] < 100).mean() > 0.98        # black print under the stamp stays black
    assert (clean[base == 255] > 200).mean() > 0.99      # the stamp itself is gone


def test_landscape_pages_are_read(scans):
    """scan_turned.png is page 4 turned 270°, page 4 of scan_report.pdf is turned 90°."""
    ind = scans[2]["indicators"]
    want = struth("indicators")
    for name in ("scan_turned.png", "scan_report.pdf"):
        got = ind[(ind["source_file"] == name) & (ind["project_name"] == msf.PROJECTS[4])]
        assert list(got["level3"]) == list(want[(want["seed"] == name) & (want["project_name"] == msf.PROJECTS[4])]["level3"])
        assert list(got["score"]) == [10, 10, 10, 18.5, 15, 15, 10]
    doc = scans[0]["scan_turned.png"]
    table = next(doc.tables())
    assert table.rows[0][0] == "项目名称"       # read the right way up


def _centre(bbox: str) -> tuple[float, float]:
    x0, y0, x1, y1 = map(float, bbox.split(","))
    return (x0 + x1) / 2, (y0 + y1) / 2


def test_scanned_pdf_boxes_are_in_pdf_points_on_the_cell(scans):
    """scan_report.pdf is fixture_pdf.pdf printed and scanned at 200 dpi: the OCR box of each score
    cell, in PDF points, is on the text layer's box of the same cell (page 4 scanned in landscape);
    image files have no PDF points, so no box."""
    from evalkit.readers import read
    src = build(read(ROOT / "tests" / "fixtures" / "fixture_pdf.pdf"), "fixture_pdf.pdf", "0" * 64, "pdf")
    want = pd.DataFrame(src.indicators).drop_duplicates(["project_name", "level3"]).set_index(["project_name", "level3"])
    ind = scans[2]["indicators"]
    got = ind[ind["source_file"] == "scan_report.pdf"]
    assert got["loc_bbox"].notna().all()
    page_w = 595.0                                   # fixture_pdf.pdf is A4 portrait
    near = checked = 0
    for r in got.itertuples():
        if (r.project_name, r.level3) not in want.index:
            continue
        w = want.loc[(r.project_name, r.level3)]
        assert r.loc_page == w["loc_page"]
        x0, y0, x1, y1 = map(float, w["loc_bbox"].split(","))
        if r.loc_page == 4:                          # the scan turned the page a quarter counter-clockwise
            x0, y0, x1, y1 = y0, page_w - x1, y1, page_w - x0
        cx, cy = _centre(r.loc_bbox)
        checked += 1
        near += (x0 - 6 <= cx <= x1 + 6) and (y0 - 6 <= cy <= y1 + 6)
    assert checked >= 20 and near / checked >= 0.9, (near, checked)
    assert ind.loc[ind["source_file"] != "scan_report.pdf", "loc_bbox"].isna().all()


def test_ocr_boxes_map_back_through_turn_and_deskew():
    """A point marked on a page image, turned a quarter and straightened as prepare() does, maps back
    to where it was; boxes_to_points scales pixels by points per pixel (72 / dpi)."""
    import cv2
    from evalkit.model import Paragraph
    img = np.zeros((300, 500), np.uint8)
    img[40, 420] = 255                               # x=420, y=40
    turned = np.ascontiguousarray(np.rot90(img, 1))
    m = cv2.getRotationMatrix2D((turned.shape[1] / 2, turned.shape[0] / 2), 1.5, 1.0)
    y, x = np.argwhere(turned == 255)[0]
    px, py = m @ np.array([x + 0.5, y + 0.5, 1.0])
    turn = ocrprep.Turn(500, 300, 1, tuple(float(v) for v in m.ravel()))
    bx, by = turn.to_image(px, py)
    assert abs(bx - 420.5) < 0.01 and abs(by - 40.5) < 0.01
    for k in (2, 3):
        t = np.ascontiguousarray(np.rot90(img, k))
        y, x = np.argwhere(t == 255)[0]
        assert np.allclose(ocrprep.Turn(500, 300, k).to_image(x + 0.5, y + 0.5), (420.5, 40.5))
    page = ocr.PageResult(1, 500, 300, [(0, 0, Paragraph("总分", page=1, bbox=(100, 200, 300, 250)))], ocrprep.Turn(500, 300))
    assert ocr.boxes_to_points(page, 72 / 200, 72 / 200).items[0][2].bbox == (36.0, 72.0, 108.0, 90.0)
    page = ocr.PageResult(1, 500, 300, [(0, 0, Paragraph("总分", page=1, bbox=(100, 200, 300, 250)))], ocrprep.Turn(500, 300))
    assert ocr.boxes_to_points(page, None).items[0][2].bbox is None


def test_table_continued_on_the_next_frame_is_one_table(scans):
    doc = scans[0]["scan_pages.tif"]
    tables = list(doc.tables())
    assert len(tables) == 1 and tables[0].page == 1
    assert any(r[:1] == ["总分"] for r in tables[0].rows)
    assert doc.pages == 2 and doc.ocr_pages == [1, 2]


def test_confidences_and_ocr_pages(scans):
    docs = scans[0]
    assert docs["scan_report.pdf"].ocr_pages == [1, 2, 3, 4, 5] and docs["scan_report.pdf"].pages == 5
    assert docs["scan_seal.jpg"].ocr_pages == [1] and docs["scan_seal.jpg"].format == "image"
    n = 0
    for doc in docs.values():
        for t in doc.tables():
            assert t.conf is not None and [len(r) for r in t.conf] == [len(r) for r in t.rows]
            for row, conf in zip(t.rows, t.conf):
                for text, c in zip(row, conf):
                    if text:
                        assert c is not None and 0.0 <= c <= 1.0
                        n += 1
                    else:
                        assert c is None
    assert n > 200
    assert all(b.page in docs["scan_report.pdf"].ocr_pages for b in docs["scan_report.pdf"].blocks)


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height grey pixels (the data is a few bytes)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_pixel_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(200_000, 200_000))           # 40 gigapixels in 100 bytes
    with pytest.raises(LimitExceeded) as e:
        ocr.read_image(bomb)
    assert "像素" in str(e.value) and "bomb" not in str(e.value)
    from PIL import Image
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)       # the limit is read when reading
    small = tmp_path / "small.png"
    Image.new("L", (100, 100), 255).save(small)
    with pytest.raises(LimitExceeded, match="100×100"):
        ocr.read_image(small)


def test_a_tiff_with_a_damaged_page_directory_fails_alone_with_a_chinese_message(tmp_path):
    """PIL walks every page directory to count a TIFF's pages; one without its width and height raised
    TypeError ("Missing dimensions"): an internal error, before any OCR."""
    from PIL import Image
    path = tmp_path / "两页.tif"
    first, second = Image.new("L", (40, 30), 255), Image.new("L", (40, 30), 0)
    first.save(path, save_all=True, append_images=[second])
    data = bytearray(path.read_bytes())
    order = "little" if data[:2] == b"II" else "big"
    at = int.from_bytes(data[4:8], order)                                          # the first directory
    at = int.from_bytes(data[at + 2 + 12 * int.from_bytes(data[at:at + 2], order):][:4], order)   # the second
    for k in range(int.from_bytes(data[at:at + 2], order)):
        entry = at + 2 + 12 * k
        if int.from_bytes(data[entry:entry + 2], order) in (256, 257):             # ImageWidth, ImageLength
            data[entry:entry + 2] = (65000 + k).to_bytes(2, order)
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as e:
        ocr.read_image(path)
    message = str(e.value)         # PIL's words differ by version ("Missing dimensions" in 11, int(None) in 10)
    assert message.startswith("多页图片的页目录已损坏，无法确定页数（TypeError: ")
    assert message.endswith("）；请重新扫描，或用看图软件打开后另存再导入")


def test_broken_images_fail_with_a_chinese_message(tmp_path):
    bad = tmp_path / "照片.jpg"
    bad.write_bytes(b"\xff\xd8\xff not a report")
    with pytest.raises(ReadError, match="图片") as e:
        ocr.read_image(bad)
    assert str(tmp_path) not in str(e.value)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ReadError):
        ocr.read_image(empty)


def test_image_suffixes_are_registered():
    for name in ("a.jpg", "a.JPEG", "a.png", "a.tif", "a.tiff"):
        assert format_of(Path(name)) == "image"


def test_table_without_ruled_lines_from_box_alignment():
    """The budget block of page 3 with its ruled lines erased: rows by y, columns by x."""
    img = msf.render(2).crop((100, 380, 1560, 900))
    gray = np.asarray(img).copy()
    horiz, vert = ocrgrid.line_masks(gray, 30, long=True)
    gray[(horiz | vert) > 0] = 255
    blocks = ocr.ocr_page_image(gray, 3)
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1 and tables[0].page == 3
    rows = [[c for c in r if c] for r in tables[0].rows]
    assert ["年度资金\n总额", "88", "88", "65.22", "10", "74.11%", "7.41"] in rows   # wrapped text joined
    # 实际完成情况 under 分值 and 执行率 does not join the two columns; a third line of words is the next row's
    # (its dashes too faint to read): the same rules as the PDF text layer's (readers/aligned.py)
    assert ["项目资金\n(万元)", "年初预算\n数", "全年预算\n数", "全年执行\n数", "分值", "执行率", "得分"] in rows
    assert [["其中：当\n年财政拨\n款", "88", "88", "65.22"], ["上年结转\n资金"], ["其他资金"]] == \
        rows[rows.index(["其中：当\n年财政拨\n款", "88", "88", "65.22"]):][:3]
    assert [len(r) for r in tables[0].conf] == [len(r) for r in tables[0].rows]


def test_box_drawn_across_a_cell_border_is_cut_there():
    """Two figures close to a thin border that the detector took as one box go to their cells."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (400, 80), 255)
    d = ImageDraw.Draw(img)
    for x in (10, 200, 390):
        d.line((x, 10, x, 70), fill=0, width=2)
    for y in (10, 70):
        d.line((10, y, 390, y), fill=0, width=2)
    font = msf._font(32)
    d.text((120, 22), "26.5", font=font, fill=0)
    d.text((208, 22), "88", font=font, fill=0)
    gray = np.asarray(img).copy()
    grid = ocrgrid.Grid([10.0, 70.0], [10.0, 200.0, 390.0], [[0, 1]], [(0, 0, 0, 0), (0, 0, 1, 1)])
    merged = ocrengine.Box(115, 18, 250, 62, "26.588", 0.9)
    table, used = grid.fill([merged], gray, 34)
    assert used == {0}
    assert table.rows == [["26.5", "88"]]
    assert all(0 <= c <= 1 for c in table.conf[0])


def _ruled(gaps=(), stroke=None):
    """A ruled table: a first row of one cell over the width, a second row of two cells; `gaps` (x0, x1)
    cut out of the line between the rows (where a red seal's ring crossed it), `stroke` (x, y0, y1)
    a character's stroke inside the first row."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (1000, 400), 255)
    d = ImageDraw.Draw(img)
    for y in (100, 200, 300):
        d.line((100, y, 900, y), fill=0, width=3)
    for x in (100, 900):
        d.line((x, 100, x, 300), fill=0, width=3)
    d.line((500, 200, 500, 300), fill=0, width=3)
    for x0, x1 in gaps:
        d.rectangle((x0, 195, x1, 205), fill=255)
    if stroke:
        x, y0, y1 = stroke
        d.line((x, y0, x, y1), fill=0, width=3)
    (grid,) = ocrgrid.find_tables(np.asarray(img).copy(), 27.0)
    return sorted(grid.spans)


def test_a_row_line_broken_off_the_table_by_a_seal_still_divides_the_rows():
    """The piece of the line between two gaps is joined to nothing; it still counts as the line."""
    assert _ruled(gaps=[(600, 615), (850, 870)]) == [(0, 0, 0, 1), (1, 1, 0, 0), (1, 1, 1, 1)]


def test_a_stroke_inside_a_cell_on_a_column_line_does_not_split_the_cell():
    assert _ruled(gaps=[(600, 615), (850, 870)], stroke=(500, 135, 165)) == [(0, 0, 0, 1), (1, 1, 0, 0), (1, 1, 1, 1)]


def test_a_row_line_under_an_opaque_stamp_is_judged_where_it_can_be_seen():
    """A stamp printed over the line between the rows hides most of it; the part left on view is a
    line, so the rows stay apart. Without a stamp the same gap is no line: the cells are merged."""
    from PIL import Image, ImageDraw

    def grid_of(stamp_colour):
        img = Image.new("RGB", (1000, 400), (255, 255, 255))
        d = ImageDraw.Draw(img)
        for y in (100, 200, 300):
            d.line((100, y, 900, y), fill=(0, 0, 0), width=3)
        for x in (100, 900):
            d.line((x, 100, x, 300), fill=(0, 0, 0), width=3)
        d.line((500, 200, 500, 300), fill=(0, 0, 0), width=3)
        d.rectangle((560, 150, 800, 250), fill=stamp_colour)        # drawn over the line, opaque
        gray, hidden = ocrprep.seal(np.asarray(img))
        (grid,) = ocrgrid.find_tables(gray, 27.0, hidden)
        return sorted(grid.spans)

    assert grid_of((174, 122, 122)) == [(0, 0, 0, 1), (1, 1, 0, 0), (1, 1, 1, 1)]     # red stamp
    assert grid_of((255, 255, 255)) == [(0, 1, 0, 1), (1, 1, 0, 0)]                    # the line is gone


def test_a_column_line_under_a_stamps_star_still_divides_the_cells():
    """A seal's star (red ink at 150/255 over the print, as `synth` stamps its scans) covers the middle
    of the line between 执行率 and 得分 in a header row: the pieces above and below it are shorter than
    a stroke-proof line, and once the cells were merged (执行得分率; the execution rate and budget score
    read as nothing). The same line cut by white paper instead is no line."""
    from PIL import Image, ImageDraw

    def grid_of(stamp):
        img = Image.new("RGB", (1000, 400), (255, 255, 255))
        d = ImageDraw.Draw(img)
        for y in (100, 180, 240):
            d.line((100, y, 900, y), fill=(0, 0, 0), width=2)
        for x in (100, 500, 900):
            d.line((x, 100, x, 240), fill=(0, 0, 0), width=2)
        if stamp:
            ink = Image.new("RGBA", img.size, (0, 0, 0, 0))
            ImageDraw.Draw(ink).regular_polygon((505, 152, 27), 5, fill=(220, 30, 30, 150))
            img = Image.alpha_composite(img.convert("RGBA"), ink).convert("RGB")
        else:
            d.regular_polygon((505, 152, 27), 5, fill=(255, 255, 255))
        gray, hidden = ocrprep.seal(np.asarray(img))
        (grid,) = ocrgrid.find_tables(gray, 27.0, hidden)
        return sorted(grid.spans)

    assert grid_of(stamp=True) == [(0, 0, 0, 0), (0, 0, 1, 1), (1, 1, 0, 0), (1, 1, 1, 1)]
    assert grid_of(stamp=False) == [(0, 0, 0, 1), (1, 1, 0, 0), (1, 1, 1, 1)]


@pytest.mark.parametrize("name, row_above, header, budget", [
    ("seal_star_column.png", ["主管部门", "衡东县财政局", "实施单位", "衡东县财政局"],
     ["全年执行数", "分值", "执行率", "得分"], ["14.12", "10", "99.02%", "9.9"]),
    ("seal_ring_row.png", ["主管部门", "泗洪县卫生健康局", "实施单位", "泗洪县卫生健康局"],
     ["全年执行数", "分值", "执行率", "得分"], ["77.31", "10", "87.85%", "8.79"]),
])
def test_ruled_lines_under_a_stamp_still_divide_the_cells(name, row_above, header, budget):
    """make_scan_fixtures.seal_over_lines: synthetic scans whose stamp covers a ruled line, the star the line
    between 执行率 and 得分 (once 执行得分率, the rate and the budget score read as nothing), the ring the
    line under 主管部门's row (once 泗洪县卫生健康局执行率 there, the budget row one column off)."""
    from PIL import Image
    page = ocr.read_page(Image.open(SCANS / name), 1)
    (table,) = [it for _, _, it in page.items if hasattr(it, "rows")]
    rows = [[re.sub(r"\s", "", c) for c in row] for row in table.rows]
    assert rows[1] == row_above
    assert rows[2][-4:] == header
    assert rows[3][-4:] == budget


def test_a_seal_a_black_and_white_scan_made_black_leaves_the_cells_it_crosses():
    """seal_black.tif (make_scan_fixtures.black_seals): in a black-and-white scan the red seal is as black as the
    print, its ring through the budget's header and its star over 分值. Found by its shape and taken out of the
    picture the lines are found in, the lines it cut divide the cells again (once 分值 执行率 was one cell,
    the budget row's 10 and 99.55% in it); its ring is left for the recognizer (whited out, 全年执行 lost a
    stroke and read 全年丸行); the page counts the cells it lies over."""
    from PIL import Image
    page = ocr.read_page(Image.open(SCANS / "seal_black.tif"), 1)
    (table,) = [it for _, _, it in page.items if hasattr(it, "rows")]
    rows = [[re.sub(r"\s", "", c) for c in row] for row in table.rows]
    assert rows[2][-4:] == ["全年执行数", "分值", "执行率", "得分"]
    assert rows[3][-6:] == ["8.89", "8.89", "8.85", "10", "99.55%", "9.96"]
    assert page.sealed >= 4


def test_a_column_line_a_black_seals_ring_runs_along_over_a_crossing_divides_its_cells_again():
    """seal_along_column.tif (make_scan_fixtures.seal_along_column): the ring's side runs down the line between 分值
    and 执行率 from above the header's top line, over their crossing; whited out, the line's piece in the header row
    was gone and the run of ring and line did not end at a line across, so it was not joined: 分值 执行率 read as one
    header cell, and the budget row's 执行率 and 得分 one column off (得分 = 90.33, no 执行率)."""
    doc = read("seal_along_column.tif")
    (table,) = doc.tables()
    rows = [[re.sub(r"\s", "", c) for c in row] for row in table.rows]
    head = [row for row in rows if "年初预算数" in row][0]
    budget = [row for row in rows if "年度资金总额" in row][0]
    assert len(head) == len(budget) and head[-2:] == ["执行率", "得分"] and budget[-3:] == ["10", "90.33%", "9.03"]
    (p,) = build(doc, "seal_along_column.tif", hash_file(SCANS / "seal_along_column.tif"), "image").projects
    assert (p["budget_weight"], p["execution_rate"], p["budget_score"]) == (10, 90.33, 9.03)


def test_a_black_seal_over_a_table_makes_the_scan_partial_and_says_what_to_ask_for():
    """What a black seal lies over cannot be seen: the report is `partial`, its warning names the page and
    asks for a colour scan. A page without a seal (scan_pages.tif, black and white too) has no such warning."""
    doc = read("seal_black_text.tif")             # the seal's own name along its ring, black too
    (said,) = [w for w in doc.warnings if "印章压在表格上" in w]
    assert said.startswith("第 1 页") and "彩色扫描件" in said
    result = build(doc, "seal_black_text.tif", hash_file(SCANS / "seal_black_text.tif"), "image")
    assert result.report["status"] == "partial"
    (table,) = doc.tables()
    rows = [[re.sub(r"\s", "", c) for c in row] for row in table.rows]
    budget = [row for row in rows if "年度资金总额" in row][0]
    assert budget[2:4] == ["88", "88"] and budget[-2:] == ["74.11%", "7.41"]    # beside the seal: read
    # the figures read from cells whose text the seal lies over are flagged (what a check points out), not those
    # beside it: the 全年预算数 88s, though the ring's edge enters their cells far right of them
    under = [[cell for cell, sealed in zip(row, flags) if sealed and cell] for row, flags in zip(rows, table.sealed)]
    assert under[rows.index(budget)] == budget[4:6] and budget[4].startswith("68") and budget[5].startswith("10")
    assert under[rows.index(budget) + 1][0] == "65.22"
    listed = [(re.sub(r"\s", "", c[0]), c[1]) for c in json.loads(result.report["ocr_cells"]) if c[7]]
    assert [t for t, v in listed if v is not None] == ["65.22"]                    # the figures under it
    assert {budget[4], budget[5]} <= {t for t, v in listed if v is None}          # and its text cells (value null)
    from PIL import Image, ImageSequence
    for name in ("scan_pages.tif", "scan_turned.png"):    # black and white, and grey, without a seal
        with Image.open(SCANS / name) as im:
            for frame in ImageSequence.Iterator(im):
                assert ocrprep.grey_seal(np.asarray(frame.convert("L")))[1] is None


def _sealed_grid(level: int, size: int = 1400):
    """A ruled grid with figures in black, and a seal (ring and star) drawn at grey `level` over its lines and
    a figure, the way ink over ink prints: the darker of the two."""
    from PIL import Image, ImageDraw
    page = Image.new("L", (size, size), 255)
    d = ImageDraw.Draw(page)
    for y in (200, 300, 400, 500):
        d.line((100, y, 800, y), fill=0, width=2)
    for x in (100, 350, 600, 800):
        d.line((x, 200, x, 500), fill=0, width=2)
    d.rectangle((400, 330, 470, 370), fill=0)              # "a figure" under the ring
    seal = Image.new("L", page.size, 255)
    s = ImageDraw.Draw(seal)
    s.ellipse((340, 240, 600, 500), outline=level, width=9)
    s.regular_polygon((470, 370, 32), 5, fill=level)
    return np.minimum(np.asarray(page), np.asarray(seal))


def test_a_grey_seal_is_taken_out_and_the_print_under_it_kept():
    """A red seal scanned in grey (灰度) is lighter than the print: found by its ring, its ink whited out, the
    black under it kept, so the lines and figures read as on a colour scan, and nothing is said."""
    gray = _sealed_grid(150)
    out, hidden = ocrprep.grey_seal(gray)
    assert hidden is not None and hidden[240:260, 440:500].any()
    assert (out[gray == 150] == 255).all()                      # the seal's ink
    assert (out[gray == 0] == 0).all()                          # the print, under it too
    assert ocrprep.without_seal(out, hidden) is out                 # nothing left dark where it lay


def test_lines_a_black_seal_cut_are_whole_again_and_text_is_not_joined():
    """A black seal (the same grid, the seal as dark as the print): whited out of the lines' picture, the ring and
    star cut every line they crossed; a run of ink and hidden pixels with a piece of line at both ends is the line
    again (the grid is the grid without a seal); a stroke that ends at the seal on one side is not made longer."""
    gray = _sealed_grid(0)
    out, hidden = ocrprep.grey_seal(gray)
    assert (out[gray == 0] == 0).sum() < (gray == 0).sum()      # the star whited out; the ring kept for OCR
    clean = ocrprep.without_seal(out, hidden)
    (sealed,) = ocrgrid.find_tables(clean, 27.0, hidden)
    (plain,) = ocrgrid.find_tables(_sealed_grid(255), 27.0, None)
    assert sealed.spans == plain.spans and len(plain.spans) == 9
    assert np.allclose(sealed.xs, plain.xs, atol=3) and np.allclose(sealed.ys, plain.ys, atol=3)
    lines = np.zeros((50, 400), np.uint8)
    lines[20, :150] = 255                                       # a line that stops at the seal
    ink, cut = lines.copy(), np.zeros(lines.shape, bool)
    cut[15:25, 150:180] = True
    ink[20, 180:200] = 255                                      # a short mark past it: not a line
    assert not ocrgrid._under_seal(lines, ink, cut)[20, 150:200].any()
    lines[20, 180:400] = ink[20, 180:400] = 255                 # the line goes on past the seal
    assert ocrgrid._under_seal(lines, ink, cut)[20, :].all()


def test_lines_a_stamp_cut_off_inside_a_table_are_not_a_table_of_their_own():
    """seal_cut_off.png (make_scan_fixtures.seal_over_lines): the star and the ring cut the lines round the
    实施单位 cell off the rest of the grid. They count to the table's lines; once they were also a second
    table, its cells (实施单位 | 五寨县卫生健康局) read again as an indicator line of the project."""
    from PIL import Image
    gray, _, hidden = ocrprep.prepare_with_turn(Image.open(SCANS / "seal_cut_off.png"))
    (grid,) = ocrgrid.find_tables(gray, 27.0, hidden)
    # 项目名称 | the name; 主管部门 | the office | 实施单位 | the office
    assert sorted(s for s in grid.spans if s[0] <= 1) == [(0, 0, 0, 0), (0, 0, 1, 7), (1, 1, 0, 0), (1, 1, 1, 3),
                                                          (1, 1, 4, 4), (1, 1, 5, 7)]


def test_a_column_line_a_stamp_hides_within_a_row_is_judged_by_the_rows_beside_it():
    """A seal's star (red ink at 150/255) hides the line between two cells of a one-line row from its top to
    its bottom: nothing of it can be seen there. The rows above and below have the line: so has this row (once
    its cells merged, 100 | 10 read 10010). Where the row above is one cell over the line's place, the hidden
    edge is no line either."""
    from PIL import Image, ImageDraw

    def grid_of(first_row_merged):
        img = Image.new("RGB", (800, 300), (255, 255, 255))
        d = ImageDraw.Draw(img)
        for y in (60, 100, 140, 180):
            d.line((100, y, 700, y), fill=(0, 0, 0), width=2)
        for x in (100, 500, 700):
            d.line((x, 60, x, 180), fill=(0, 0, 0), width=2)
        d.line((300, 100 if first_row_merged else 60, 300, 180), fill=(0, 0, 0), width=2)
        ink = Image.new("RGBA", img.size, (0, 0, 0, 0))
        ImageDraw.Draw(ink).regular_polygon((300, 120, 27), 5, fill=(220, 30, 30, 150))
        img = Image.alpha_composite(img.convert("RGBA"), ink).convert("RGB")
        gray, hidden = ocrprep.seal(np.asarray(img))
        (grid,) = ocrgrid.find_tables(gray, 27.0, hidden)
        return sorted(s for s in grid.spans if s[0] == 1)       # the row under the star

    assert grid_of(first_row_merged=False) == [(1, 1, 0, 0), (1, 1, 1, 1), (1, 1, 2, 2)]
    assert grid_of(first_row_merged=True) == [(1, 1, 0, 1), (1, 1, 2, 2)]


def test_a_stamps_grey_edge_over_a_row_is_no_column_line():
    """seal_ring_edge.png (make_scan_fixtures.py): a synthetic scan's stamp ring crosses the project-name
    row; its edge, pink turned grey, once drew a column line there and cut the name in two cells."""
    from PIL import Image
    gray, _, hidden = ocrprep.prepare_with_turn(Image.open(SCANS / "seal_ring_edge.png"))
    grid = ocrgrid.find_tables(gray, 27.0, hidden)[0]
    first_row = [s for s in grid.spans if s[0] == 0]
    assert first_row == [(0, 0, 0, 0), (0, 0, 1, len(grid.xs) - 2)]       # 项目名称 | the name, one cell


def test_doc_no_year_brackets_are_read_as_printed():
    """doc_no_brackets.png (make_scan_fixtures.py): 文号 rows of scans made like the bench's, one kind of
    year bracket each. The recognizer reads the first two 〔〕 as （） and []; the glyph's hooks give them
    back, and the other kinds stay as printed."""
    from PIL import Image
    img, y, got = Image.open(SCANS / "doc_no_brackets.png"), 25, []
    for _, pair, (left, top, right, bottom) in msf.DOC_NO_BRACKETS:
        page = ocr.read_page(img.crop((0, y, right - left, y + bottom - top)), 1)
        y += bottom - top + 25
        text = "\n".join(cell for _, _, it in page.items if hasattr(it, "rows") for row in it.rows for cell in row)
        got.append("".join(re.search(r"财社(.)\d{4}(.)\d+号", text).groups()))
    assert got == [pair for _, pair, _ in msf.DOC_NO_BRACKETS]


def test_a_piece_cut_off_a_box_over_its_neighbours_last_character_is_not_read_twice():
    """Boxes as the detector drew them on a bench scan (seed 7, 00008, page 2): the 三级指标's box began
    over the last character of the 二级指标 beside it; cut at the cell border, that piece (满) was
    read again and the label came out 服务对象满满意度指标."""
    boxes = [ocrengine.Box(288, 155, 399, 179, "服务对象满", 0.99), ocrengine.Box(386, 153, 567, 179, "病社会公众满意度", 0.93),
             ocrengine.Box(287, 182, 376, 213, "意度指标", 0.99)]
    piece, rest = ocrengine.Box(386, 153, 397, 179, "满", 0.9), ocrengine.Box(403, 153, 567, 179, "社会公众满意度", 0.98)
    assert ocrgrid._read_already(piece, boxes, 1)
    assert not ocrgrid._read_already(rest, boxes, 1)
    assert not ocrgrid._read_already(ocrengine.Box(386, 185, 397, 210, "8", 0.9), boxes[:2], 1)   # a figure of its own


def test_a_bracket_too_small_to_judge_is_left_as_read():
    crop = np.full((12, 200), 255, np.uint8)
    box = ocrengine.Box(0, 0, 200, 12, "财社[2020]100号", 0.9)
    assert ocrtext.doc_no_brackets(crop, box) is box


def _reuse_scans_pages(monkeypatch):
    """ocr.read_page takes the result `scans` got for the same pixels (OCR is deterministic: the same image gives
    the same boxes), numbered as the page asked, else OCRs; returns the page numbers asked."""
    real, asked = ocr.read_page, []

    def read_page(img, page_no):
        asked.append(page_no)
        seen = PAGE_RESULTS.get(_digest(img))
        if seen is None:
            return real(img, page_no)
        got = copy.deepcopy(seen)
        got.number = page_no
        return got

    monkeypatch.setattr(ocr, "read_page", read_page)      # forked ingest workers inherit it
    return asked


@pytest.mark.parametrize("suffix", [".jfif", ".webp"])
def test_a_scan_saved_as_jfif_or_webp_reads_as_the_jpeg(scans, tmp_path, monkeypatch, suffix):
    """The same pixels under the names Windows, WeChat and browsers give saved photos: found by discovery, read
    as the JPEG is (lossless copies of its decoded pixels: the OCR result `scans` got is taken, not redone).
    (.bmp stays unread: in report archives it is a picture, not a scan.)"""
    from PIL import Image
    src = SCANS / "scan_seal.jpg"
    path = tmp_path / f"扫描件{suffix}"
    if suffix == ".jfif":
        path.write_bytes(src.read_bytes())
    else:
        Image.open(src).save(path, **({"lossless": True, "method": 0} if suffix == ".webp" else {}))
    assert format_of(path) == "image"
    asked = _reuse_scans_pages(monkeypatch)
    doc = ocr.read_image(path)
    want = scans[0]["scan_seal.jpg"]
    assert asked == [1] and doc.ocr_pages == want.ocr_pages
    assert _contents(doc.blocks) == _contents(want.blocks)


def test_an_iphone_photo_in_heic_is_read():
    """scan_phone.heic (make_scan_fixtures.phone_photo): the head of scan_seal.jpg as an iPhone saves photos."""
    pytest.importorskip("pillow_heif")
    assert format_of("IMG_0001.HEIC") == "image"
    doc = ocr.read_image(SCANS / "scan_phone.heic")
    (table,) = doc.tables()
    assert table.rows[0] == ["项目名称", "医疗保障服务经费"] and doc.ocr_pages == [1]
    assert ["", "年度资金\n总额", "88", "88", "65.22", "10", "74.11%", "7.41"] in table.rows


def test_ocr_pdf_reads_only_the_pages_asked_for(scans, monkeypatch):
    asked = _reuse_scans_pages(monkeypatch)     # page 2 was OCR'd by `scans`: the same pixels, its result
    doc = ocr.ocr_pdf(SCANS / "scan_report.pdf", [2, 9])       # 9: not in the PDF, ignored
    assert asked == [2]
    assert doc.ocr_pages == [2] and doc.pages == 5 and doc.format == "pdf"
    assert {b.page for b in doc.blocks} == {2}
    table = next(doc.tables())
    assert table.rows[-1][:3] == ["总分", "100", "100"]


def test_a_mixed_pdf_is_ocrd_only_on_its_scanned_page_and_reads_like_the_text_pdf(scans, tmp_path, monkeypatch):
    """(From test_formats.py: its scanned page is page 2 of scan_report.pdf, OCR'd by `scans`.)"""
    from evalkit.ingest import ingest_paths
    from test_formats import _two_pages
    _reuse_scans_pages(monkeypatch)
    mixed = _two_pages(tmp_path, SCANS / "scan_report.pdf")                      # page 2 scanned
    text = _two_pages(tmp_path, ROOT / "tests" / "fixtures" / "fixture_pdf.pdf")   # page 2 with its text layer
    got, want = (ingest_paths([p], checks=False) for p in (mixed, text))
    assert got["reports"]["ocr_pages"].iloc[0] == "2" and pd.isna(want["reports"]["ocr_pages"].iloc[0])
    cols = ["project_name", "budget_full_year", "executed", "total_score"]
    pd.testing.assert_frame_equal(got["projects"][cols], want["projects"][cols])
    icols = ["level1", "level2", "level3", "target", "actual", "weight", "score"]
    pd.testing.assert_frame_equal(got["indicators"][icols], want["indicators"][icols])


def test_pages_whose_producer_lost_the_text_are_read_from_their_picture_like_the_text_pdf(tmp_path):
    """lost_text.pdf: page 1 of the fixture PDF with a text layer of unmapped glyph codes (refused before: “文字层是乱码”),
    page 2 with its text turned into outlines (no characters: before, “没有文字层”). Both are rendered and OCR'd;
    the report says why and reads as the fixture's own first two pages."""
    from evalkit.ingest import ingest_paths
    from test_formats import _two_pages
    got = ingest_paths([SCANS / "lost_text.pdf"], checks=False)
    want = ingest_paths([_two_pages(tmp_path, ROOT / "tests" / "fixtures" / "fixture_pdf.pdf")], checks=False)
    rep = got["reports"].iloc[0]
    assert (rep["status"], rep["ocr_pages"], rep["n_projects"]) == ("partial", "1,2", 1)
    assert rep["error"] == ("lost_text.pdf: 第 1 页的文字层是乱码（字体缺少字符映射），已按页面图像识别（OCR）; "
                            "第 2 页的文字已转为曲线（没有文字层），已按页面图像识别（OCR）")
    cols = ["project_name", "budget_initial", "budget_full_year", "executed", "execution_rate", "total_score"]
    pd.testing.assert_frame_equal(got["projects"][cols], want["projects"][cols])
    icols = ["level1", "level2", "level3", "target", "actual", "weight", "score"]
    assert len(got["indicators"]) == 13
    pd.testing.assert_frame_equal(got["indicators"][icols], want["indicators"][icols])


def test_a_doc_no_bracket_whose_stroke_straddles_two_pixel_columns_is_read_as_printed():
    """doc_no_zigzag.png (make_scan_fixtures.py): 浙财资环〔2023〕186号, whose 〔's straight stroke is two pixels
    wide with the outer one grey near 128: the edge judged at a fixed threshold zigzagged, the glyph was taken
    for [, and the project's name (the truth's key for all its indicators) read 浙财资环[2023]186号."""
    from PIL import Image
    page = ocr.read_page(Image.open(SCANS / "doc_no_zigzag.png"), 1)
    (table,) = [it for _, _, it in page.items if hasattr(it, "rows")]
    assert table.rows[0][1].endswith("浙财资环〔2023〕186号")


def test_a_doc_no_bracket_in_a_black_and_white_scan_is_read_as_printed():
    """doc_no_black_and_white.tif (make_scan_fixtures.black_seals): 豫财教〔2024〕233号 scanned black and white, its
    〕's upper hook turning in 1.46 px (the grey scans' 1.9 or more); read （2024）, the project lost its name."""
    from PIL import Image
    page = ocr.read_page(Image.open(SCANS / "doc_no_black_and_white.tif"), 1)
    (table,) = [it for _, _, it in page.items if hasattr(it, "rows")]
    assert table.rows[0][1].endswith("豫财教〔2024〕233号")


def test_a_doc_no_pair_with_one_clear_hooked_bracket_is_read_as_printed():
    """doc_no_step.png (make_scan_fixtures.py): 桂财社〔2021〕13号 in a black-and-white scan; its 〔 is straight to a
    fifth of a pixel on 70 % of its rows, its 〕 hooked but its edge steps a pixel halfway down (straight to half a
    pixel on half its rows, as a curve). Both had to be straight: read （2021）, the project (the truth's key of its
    12 indicators) lost its name."""
    from PIL import Image
    page = ocr.read_page(Image.open(SCANS / "doc_no_step.png"), 1)
    (table,) = [it for _, _, it in page.items if hasattr(it, "rows")]
    assert table.rows[0][1].endswith("桂财社〔2021〕13号")


def test_a_doc_no_bracket_ending_on_the_digits_bottom_row_is_judged():
    """doc_no_bottom.png (make_scan_fixtures.py): 财社〔2019〕100号 scanned black and white, the recognizer's box
    reading （2019）; the 〔 ends on the digits' bottom row, and a bracket had to reach below them: no pair was
    found and the name kept （2019）."""
    from PIL import Image
    gray = np.asarray(Image.open(SCANS / "doc_no_bottom.png"))
    box = ocrengine.Box(*msf.DOC_NO_BOTTOM_BOX, "关于下达2020年补助资金的通知财社（2019）100号", 0.97)
    assert ocrtext.doc_no_brackets(gray, box).text.endswith("财社〔2019〕100号")
    gone = gray.copy()
    gone[:, 389:443] = 255           # the year's digits taken away: no pair, left as read
    assert ocrtext.doc_no_brackets(gone, box) is box


@pytest.mark.parametrize("read, want", [
    ("关于下达补助资金的通知蒙财教[2023】33号", "关于下达补助资金的通知蒙财教〔2023〕33号"),   # seen in a synthetic scan
    ("财预〔2022]第12号", "财预〔2022〕第12号"),
    ("的通知琼财社[2020}106号", "的通知琼财社〔2020〕106号"),   # seen in a synthetic scan
    ("琼财社{2020}106号", "琼财社〔2020〕106号"),      # braces: never printed so
    ("的通知琼财社（2020106号", "的通知琼财社〔2020〕106号"),   # the closing one lost (a black-and-white scan)
    ("的通知蒙财社【2021入209号", "的通知蒙财社〔2021〕209号"),   # read 入 (a black-and-white scan)
    ("于2020年（2020）印发", "于2020年（2020）印发"),    # no 文号: left alone
    ("冀财社[2022]178号", "冀财社[2022]178号"),      # a matching pair is printed so: left alone
    ("冀财社(2021)150号", "冀财社(2021)150号"),
    ("冀财社（2021)150号", "冀财社(2021)150号"),    # round of two widths: printed (), its ( read （ (black and white)
    ("冀财社(2021）150号", "冀财社(2021)150号"),
    ("见附表[2023】", "见附表[2023】"),              # not a document number
    ("的通知滇财社【2023）15&号", "的通知滇财社〔2023〕158号"),   # 8 read & (a black-and-white scan)
    ("的通知滇财农T2020）238号", "的通知滇财农〔2020〕238号"),    # 〔 read T (a black-and-white scan)
    ("型号T2020238号", "型号T2020238号"),              # T without a closing bracket: left alone
    ("的通知新财社“2022）224号", "的通知新财社〔2022〕224号"),   # 〔 read “ (a black-and-white scan)
    ("他说“2022年”12号", "他说“2022年”12号"),        # a quotation, no closing bracket: left alone
    ("的通知粤财社【2623]235号", "的通知粤财社〔2023〕235号"),   # 0 read 6 (a black-and-white scan)
    ("冀财社[2823]178号", "冀财社[2023]178号"),
    ("2623年12号", "2623年12号"),                      # no bracket: left alone
    ("资金的通智藏财预〔2021〕166号", "资金的通知藏财预〔2021〕166号"),   # 知 read 智 (a black-and-white scan)
    ("资金的通智藏财预（2621）166号", "资金的通知藏财预（2021）166号"),
    ("的通智能化改造", "的通智能化改造"),              # no 文号 after: left alone
    ("20个工作8", "20个工作日"),                      # 日 read 8 (a black-and-white scan)
    ("20个工作\n8", "20个工作\n日"),                  # … in a wrapped cell (seen so)
    ("20个工作8.5小时", "20个工作8.5小时"),
    ("≤20个作日", "≤20个工作日"),                      # 工 lost (a black-and-white scan)
    ("≤20个\n作日", "≤20个\n工作日"),                  # … in a wrapped cell
    ("合作日程", "合作日程"),
    ("冀财社(2021)1&0号", "冀财社(2021)180号"),
    ("财社〔2023〕&号", "财社〔2023〕&号"),            # no digit: not a number read wrong
    ("R&D经费（2023）12号", "R&D经费（2023）12号"),   # an & elsewhere stays
    ("65。22", "65.22"),
    ("一", "—"),
    ("≤15个I\n作日", "≤15个工\n作日"),            # seen in two synthetic scans (a wrapped cell)
    ("≤15个I作日", "≤15个工作日"),
    ("I程质量合格率", "工程质量合格率"),
    ("指标1：I程质量合格", "指标1：工程质量合格"),      # after a template's slot (a scan of the 天长 form)
    ("等级：I级", "等级：I级"),
    ("施I进度", "施工进度"),
    ("职I满意度", "职工满意度"),
    ("I类水质达标率", "I类水质达标率"),              # a Roman numeral stays
    ("达到I类", "达到I类"),
    ("I期工程", "I期工程"),
    ("PHI值", "PHI值"),
    ("项自持续发挥作用年限", "项目持续发挥作用年限"),   # 目 read 自 (a black-and-white scan, corpus seed 152)
    ("指标1：项自完成率", "指标1：项目完成率"),
    ("预期自标", "预期目标"),                        # … in a header (seen so, same corpus)
    ("年度总体自标", "年度总体目标"),
    ("完成3项自评工作", "完成3项自评工作"),          # a count's 项 before 自评: left alone
    ("各项自查", "各项自查"),
    ("独自标注", "独自标注"),
    ("惠民惠农补贴“一卡通\\管理补助资金", "惠民惠农补贴“一卡通”管理补助资金"),   # ” read \ (corpus seed 101, black and white)
    ("路径C:\\数据\\表", "路径C:\\数据\\表"),                 # no quotation: a backslash stays
    ("的通知冀财资环（2019厂87号", "的通知冀财资环〔2019〕87号"),   # 〕 read 厂 (corpus seed 101, black and white)
    ("（2019厂区）87号", "（2019厂区）87号"),
])
def test_ocr_text_fixes_what_the_recognizer_gets_wrong_predictably(read, want):
    assert ocrtext.clean_text(read) == want


def _two_rows(right_col: list[tuple[float, float, str]]):
    """A 2 × 2 ruled grid whose right column is one cell over both rows (the line between its rows not
    found), its left column two cells; boxes (top, bottom, text) put in the right column."""
    grid = ocrgrid.Grid(ys=[0.0, 40.0, 80.0], xs=[0.0, 100.0, 200.0], cell_of=[[0, 1], [2, 1]],
                    spans=[(0, 0, 0, 0), (0, 1, 1, 1), (1, 1, 0, 0)])
    boxes = [ocrengine.Box(10, 10, 60, 30, "表头", 0.99), ocrengine.Box(10, 50, 60, 70, "合计", 0.99)]
    boxes += [ocrengine.Box(110, y0, 160, y1, text, 0.98) for y0, y1, text in right_col]
    table, _ = grid.fill(boxes, None, text_h=20)
    return table.rows


def test_a_figure_below_a_header_in_one_merged_cell_goes_to_its_own_row():
    # 得分 over 10 read as one cell "得分 10": the figure is the row below's (seen in a synthetic scan)
    assert _two_rows([(10, 30, "得分"), (50, 70, "10")]) == [["表头", "得分"], ["合计", "10"]]


def test_a_label_wrapped_over_a_merged_cell_stays_one_cell():
    assert _two_rows([(10, 30, "项目资"), (50, 70, "金(万元)")]) == [["表头", "项目资\n金(万元)"], ["合计", ""]]
    # a figure astride the row line is not placed in either row's band: one cell
    assert _two_rows([(10, 30, "得分"), (32, 52, "10")]) == [["表头", "得分\n10"], ["合计", ""]]


def _contents(blocks) -> list:
    """Each block's rows (a table) or text (a paragraph): what a document says, for comparing two readings."""
    return [getattr(b, "rows", None) or b.text for b in blocks]


def _word_with_pictures(path, *pictures, text=("附件：",)):
    """A Word document of a few paragraphs and the given pictures (files), as a bureau pastes a scan into Word."""
    import docx
    d = docx.Document()
    for t in text:
        d.add_paragraph(t)
    for pic in pictures:
        d.add_picture(str(pic))
    d.save(path)
    return path


def test_a_scan_pasted_into_word_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """A DOCX whose table is a picture (scan_seal.jpg pasted into Word, after a small logo): the picture is OCR'd
    as the scan is (the same pixels: `scans`' result is taken), the logo is not, and the rows are the scan's; the
    reading notes say that its pages are the pictures (Word has none of its own)."""
    from PIL import Image

    from evalkit.readers import read
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (200, 30, 30)).save(logo)
    path = _word_with_pictures(tmp_path / "自评表.docx", logo, SCANS / "scan_seal.jpg")
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(path)
    want = scans[0]["scan_seal.jpg"]
    assert asked == [1] and doc.ocr_pages == [1] and doc.format == "docx"
    assert [b.text for b in doc.blocks[:1]] == ["附件："]
    assert _contents(doc.blocks[1:]) == _contents(want.blocks)
    assert doc.notes == ["文档中的 1 张整页图片由 OCR 识别，位置中的“第 N 页”指文档中第 N 张这样的图片"]
    res = build(doc, path.name, hash_file(path), "docx")
    got = {p["project_name"] for p in res.projects}
    assert got == set(struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"])


def test_a_scan_pasted_onto_a_slide_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """A 汇报 deck whose 自评表 is a picture (scan_seal.jpg on its second slide under its title, a small logo beside):
    the picture is OCR'd as the scan is, as the slide's page (locations name slide 2), the logo is not, and the
    projects are the scan's."""
    from PIL import Image
    from pptx import Presentation
    from pptx.util import Cm

    from evalkit.readers import read
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (200, 30, 30)).save(logo)
    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[6]).shapes.add_textbox(Cm(1), Cm(5), Cm(20), Cm(2)).text_frame.text = "汇报"
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    slide.shapes.add_textbox(Cm(1), Cm(0.5), Cm(20), Cm(1)).text_frame.text = "附件：项目支出绩效自评表"
    slide.shapes.add_picture(str(logo), Cm(22), Cm(0.5), Cm(2))
    slide.shapes.add_picture(str(SCANS / "scan_seal.jpg"), Cm(2), Cm(2), height=Cm(16))
    path = tmp_path / "汇报.pptx"
    prs.save(path)
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(path)
    want = scans[0]["scan_seal.jpg"]
    assert asked == [2] and doc.ocr_pages == [2] and doc.pages == 2 and doc.format == "pptx"
    assert [b.text for b in doc.blocks[:2]] == ["汇报", "附件：项目支出绩效自评表"]
    assert _contents(doc.blocks[2:]) == _contents(want.blocks) and {b.page for b in doc.blocks[1:]} == {2}
    res = build(doc, path.name, hash_file(path), "pptx")
    got = {p["project_name"] for p in res.projects}
    assert got == set(struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"])
    assert {r["loc_page"] for r in res.indicators} == {2} and res.indicators[0]["location"].startswith("第2页 表1 ")


def _wmf(width: int = 20000, height: int = 28000) -> bytes:
    """A placeable Windows metafile of a page's size (1,000 × 1,400 px at 72 dpi for PIL), drawing nothing."""
    import struct
    head = struct.pack("<IHhhhhHI", 0x9AC6CDD7, 0, 0, 0, width, height, 1440, 0)
    check = 0
    for (word,) in struct.iter_unpack("<H", head[:20]):
        check ^= word
    return head + struct.pack("<H", check) + struct.pack("<HHHIHIH", 1, 9, 0x0300, 12, 0, 3, 0) + struct.pack("<IH", 3, 0)


def test_a_drawing_or_a_damaged_picture_beside_a_scan_does_not_fail_the_document(scans, tmp_path, monkeypatch):
    """A Word document of pictures: a page-sized metafile (a drawing LibreOffice or PowerPoint saved as WMF, which
    PIL sizes but cannot draw here) is no scan and is not sent to OCR; a picture cut off mid-file is a warning
    naming it; the scan beside them is read as alone (before: the whole file failed on either)."""
    import docx

    from evalkit.readers import read
    from evalkit.readers.pictures import page_sized
    assert page_sized([("a.wmf", _wmf())]) == []
    scan = (SCANS / "scan_seal.jpg").read_bytes()
    d = docx.Document()
    d.add_paragraph("附件：")
    for name, data in (("cut.jpg", scan[:len(scan) // 3]), ("scan.jpg", scan)):
        path = tmp_path / name
        path.write_bytes(data)
        d.add_picture(str(path))
    d.save(tmp_path / "扫描件.docx")
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(tmp_path / "扫描件.docx")
    assert asked == [1] and doc.ocr_pages == [1]
    assert _contents(doc.blocks[1:]) == _contents(scans[0]["scan_seal.jpg"].blocks)
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("文档中的第 1 张图片（word/media/image1.jpg）无法读取（")


def test_a_word_document_with_a_text_table_never_goes_to_ocr(tmp_path, monkeypatch):
    """Pictures beside a table in the text (a photo of the site, a seal) are not read: the text is the report."""
    import docx

    from evalkit.readers import read
    monkeypatch.setattr(ocr, "read_page", lambda *a: pytest.fail("OCR was asked"))
    d = docx.Document()
    d.add_table(rows=2, cols=2).cell(0, 0).text = "项目名称"
    d.add_picture(str(SCANS / "scan_seal.jpg"))
    d.save(tmp_path / "x.docx")
    doc = read(tmp_path / "x.docx")
    assert doc.ocr_pages == [] and len(list(doc.tables())) == 1


def test_a_web_page_saved_as_one_file_whose_table_is_a_picture_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """A portal's page publishing the self-evaluation as a picture, saved as .mht (the picture inside, base64): the
    picture is OCR'd as the scan is; a small icon beside it is not."""
    import base64
    import io

    from PIL import Image

    from evalkit.readers import read
    icon = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 90, 200)).save(icon, "PNG")

    def part(kind, name, data):
        return (f"------=_Part\r\nContent-Type: {kind}\r\nContent-Transfer-Encoding: base64\r\n"
                f"Content-Location: {name}\r\n\r\n{base64.encodebytes(data).decode()}\r\n")
    page = "<html><body><h3>2022年度项目支出绩效自评表</h3><img src='icon.png'><img src='scan.jpg'></body></html>"
    mht = ('MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_Part"\r\n\r\n'
           + part("text/html; charset=utf-8", "page.html", page.encode()) + part("image/png", "icon.png", icon.getvalue())
           + part("image/jpeg", "scan.jpg", (SCANS / "scan_seal.jpg").read_bytes()) + "------=_Part--\r\n")
    path = tmp_path / "公开.mht"
    path.write_text(mht, encoding="ascii")
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(path)
    want = scans[0]["scan_seal.jpg"]
    assert asked == [1] and doc.ocr_pages == [1] and doc.format == "mhtml"
    assert _contents(doc.blocks[1:]) == _contents(want.blocks)
    assert doc.blocks[0].text == "2022年度项目支出绩效自评表"


def test_a_prose_report_with_site_photos_is_read_as_text(tmp_path, monkeypatch):
    """A self-evaluation written as prose (no table) with a photo of the site: the text is the report, the photo is
    not sent to OCR."""
    from evalkit.readers import read
    monkeypatch.setattr(ocr, "read_page", lambda *a: pytest.fail("OCR was asked"))
    prose = ("一、项目基本情况。本项目年初预算88万元，全年执行65.22万元，预算执行率74.11%。" * 8,
             "二、绩效目标完成情况。自评得分95.65分，等级为优。")
    path = _word_with_pictures(tmp_path / "自评报告.docx", SCANS / "scan_seal.jpg", text=prose)
    doc = read(path)
    assert doc.ocr_pages == [] and [b.text for b in doc.blocks] == list(prose)


def test_a_pixel_bomb_pasted_into_word_is_refused_before_decoding(tmp_path, monkeypatch):
    """A picture whose header claims 60,000 × 60,000 pixels inside a DOCX: the file fails with the pixel limit's
    message, naming the picture, and nothing is decoded or sent to OCR."""
    import io

    import docx
    from docx.shared import Inches

    from evalkit.readers import read
    monkeypatch.setattr(ocr, "read_page", lambda *a: pytest.fail("OCR was asked"))
    d = docx.Document()
    d.add_paragraph("附件")
    d.add_picture(io.BytesIO(_png_header(60_000, 60_000)), width=Inches(5))
    d.save(tmp_path / "bomb.docx")
    with pytest.raises(LimitExceeded, match=r"文档中的第 1 张图片（word/media/image1\.png）：图片 3,600,000,000 像素，超过上限"):
        read(tmp_path / "bomb.docx")


def _scan_page(folder, body):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "公开.html").write_text(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>", encoding="utf-8")
    return folder / "公开.html"


def test_a_page_saved_complete_whose_table_is_pictures_is_one_report_read_from_its_folder(scans, tmp_path, monkeypatch):
    """A portal's page publishing the self-evaluation as a picture, saved “网页，全部” (公开.html + 公开_files/ with the
    scan, a logo and a stylesheet): one row, the page's, with the scan's projects, read through the page (before:
    three rows, the page 未识别, the scan alone and the logo OCR'd)."""
    from PIL import Image

    from evalkit.ingest import ingest_paths
    docs = tmp_path / "docs"
    _scan_page(docs, "<img src='公开_files/logo.png'><h3>2022年度项目支出绩效自评表</h3><p><img src='公开_files/a1.jpg'></p>")
    (docs / "公开_files").mkdir()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(docs / "公开_files" / "logo.png")
    (docs / "公开_files" / "a1.jpg").write_bytes((SCANS / "scan_seal.jpg").read_bytes())
    (docs / "公开_files" / "style.css").write_text("body{}")
    _reuse_scans_pages(monkeypatch)          # (in the forked worker: what it was asked stays there)
    t = ingest_paths([docs], None, checks=False, cache_dir=False, jobs=1)
    assert t["reports"][["source_file", "format", "status"]].values.tolist() == [["公开.html", "html", "ok"]]
    want = struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"]
    assert set(t["projects"]["project_name"]) == set(want)
    assert set(t["indicators"]["loc_page"]) == {1} and t["indicators"]["location"].str.startswith("第1页 表").all()


def test_a_page_whose_table_is_a_data_uri_picture_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """A page (a CMS article) with the table pasted as a data: picture: read as the scan is, no folder needed."""
    import base64

    from evalkit.readers import read
    data = base64.b64encode((SCANS / "scan_seal.jpg").read_bytes()).decode()
    page = _scan_page(tmp_path, f"<p>附件：</p><img src='data:image/jpeg;base64,{data}'>")
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(page)
    want = scans[0]["scan_seal.jpg"]
    assert asked == [1] and doc.ocr_pages == [1] and doc.format == "html"
    assert _contents(doc.blocks[1:]) == _contents(want.blocks)


def test_a_scan_pasted_into_a_sheet_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """A workbook whose sheet holds a title and the scanned table as a picture (scan_seal.jpg placed at A3, a small
    logo at A1): the picture is OCR'd as the scan is, the logo is not; a sheet with a table of text never is."""
    import openpyxl
    from openpyxl.drawing.image import Image as XlImage
    from PIL import Image

    from evalkit.readers import read
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (200, 30, 30)).save(logo)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B1"] = "附件：项目支出绩效自评表"
    ws.add_image(XlImage(str(SCANS / "scan_seal.jpg")), "A3")
    ws.add_image(XlImage(str(logo)), "A1")
    wb.save(tmp_path / "扫描件.xlsx")
    asked = _reuse_scans_pages(monkeypatch)
    doc = read(tmp_path / "扫描件.xlsx")
    want = scans[0]["scan_seal.jpg"]
    assert asked == [1] and doc.ocr_pages == [1] and doc.format == "xlsx"
    assert _contents(b for b in doc.blocks if b.page == 1) == _contents(want.blocks)
    ws["B2"], ws["C2"] = "项目名称", "预算执行率"          # a table in the text: the picture is a photo beside it
    wb.save(tmp_path / "有表.xlsx")
    monkeypatch.setattr(ocr, "read_page", lambda *a: pytest.fail("OCR was asked"))
    assert read(tmp_path / "有表.xlsx").ocr_pages == []


def test_a_scan_pasted_into_an_excel_97_sheet_is_read_as_the_scan(scans, tmp_path, monkeypatch):
    """The same workbook saved as Excel 97-2003 (.xls, as WPS and old Excel keep them): xlrd reads no pictures, so
    the scan is taken from LibreOffice's .xlsx copy and OCR'd as the scan is; the projects are the scan's."""
    from evalkit.ingest import ingest_file
    from evalkit.readers.office import find_soffice
    from test_sheet_pictures import saved_as, workbook
    if find_soffice() is None:
        pytest.skip("LibreOffice (soffice) 不可用")
    path = saved_as(workbook(tmp_path / "扫描件.xlsx", table=True), "xls", "MS Excel 97")
    asked = _reuse_scans_pages(monkeypatch)
    res = ingest_file(path, path.name)
    want = struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"]
    assert asked == [1] and res.report["ocr_pages"] == "1" and res.report["status"] == "ok"
    assert {p["project_name"] for p in res.projects} == set(want)


COVER = ("关于报送2022年度项目支出绩效自评材料的函。根据市财政局关于开展2022年度预算绩效自评工作的通知要求，"
         "我单位认真组织开展了项目支出绩效自评工作，对照年初设定的绩效目标逐项进行了核查，现将自评表报送如下，"
         "请审阅。联系人：办公室，联系电话见附件。特此函告。") * 2


def test_a_scan_after_a_cover_letter_is_read_when_the_letter_gives_nothing(scans, tmp_path, monkeypatch):
    """A Word file of a cover letter (well over 300 characters, no table, no stated result) and the scanned table
    pasted after it: the letter gives nothing, so the scan is OCR'd (ingest and inspect alike) and gives the
    scan's projects; the letter's paragraphs come first."""
    from evalkit.ingest import ingest_file
    from evalkit.recognize.explain import inspect_file
    path = _word_with_pictures(tmp_path / "报送函.docx", SCANS / "scan_seal.jpg", text=(COVER,))
    asked = _reuse_scans_pages(monkeypatch)
    res = ingest_file(path, path.name)
    want = struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"]
    assert asked == [1] and res.report["ocr_pages"] == "1" and res.report["status"] == "ok"
    assert {p["project_name"] for p in res.projects} == set(want)
    shown = inspect_file(path)
    assert all(name in shown for name in want)


def test_a_portal_page_with_boilerplate_around_its_pictures_is_read_through_them(scans, tmp_path, monkeypatch):
    """A government portal's article saved complete: a layout table of links, the site's footer text (over 300
    characters) and the 自评表 as a picture in its folder. The text gives nothing, so the picture is OCR'd."""
    from evalkit.ingest import ingest_file
    links = "".join(f"<tr><td><a href='/n{k}'>通知公告{k}</a></td><td>2023-0{k}-01</td></tr>" for k in range(1, 6))
    page = (f"<table class='list'>{links}</table><div class='article'><h3>2022年度项目支出绩效自评表</h3>"
            "<img src='公开_files/a1.jpg'></div><div class='foot'>" + "主办单位：某县人民政府办公室 地址：某县某路1号 " * 12
            + "</div>")
    path = _scan_page(tmp_path, page)
    (tmp_path / "公开_files").mkdir()
    (tmp_path / "公开_files" / "a1.jpg").write_bytes((SCANS / "scan_seal.jpg").read_bytes())
    asked = _reuse_scans_pages(monkeypatch)
    res = ingest_file(path, path.name)
    want = struth("projects").loc[struth("projects")["seed"] == "scan_seal.jpg", "project_name"]
    assert asked == [1] and {p["project_name"] for p in res.projects} == set(want)


def test_a_prose_report_with_site_photos_never_sends_them_to_ocr(tmp_path, monkeypatch):
    """A prose report whose text gives nothing recognizable, with a colour photo of the site beside it: the photo
    does not look like a printed page, so it is not read, by ingest either."""
    from evalkit.ingest import ingest_file
    monkeypatch.setattr(ocr, "read_page", lambda *a: pytest.fail("OCR was asked"))
    from PIL import Image
    photo = Image.effect_mandelbrot((1600, 1200), (-2.0, -1.2, 1.0, 1.2), 60)
    photo = Image.merge("RGB", (photo.point(lambda v: 40 + v // 3), photo.point(lambda v: 90 + v // 2),
                                photo.point(lambda v: 200 - v // 4)))          # greens and blues: no page
    photo.save(tmp_path / "现场.jpg")
    prose = ("一、项目基本情况。本项目年初预算88万元，全年执行65.22万元，预算执行率74.11%。" * 8,
             "二、绩效目标完成情况。自评得分95.65分，等级为优。")
    path = _word_with_pictures(tmp_path / "自评报告.docx", tmp_path / "现场.jpg", text=prose)
    res = ingest_file(path, path.name)
    assert res.report["ocr_pages"] is None and res.report["status"] == "partial"


def searchable_copy(src, dest):
    """`src` with an invisible text layer on each page, as a scanner's “可搜索 PDF” or Acrobat's OCR adds it: lines of
    text (render mode 3) over the page picture, no ruled table; the pages render to the same pixels."""
    import io

    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=(w, h))
        text = c.beginText(60, h - 80)
        text.setTextRenderMode(3)
        text.setFont("STSong-Light", 10)
        for line in ("项目支出绩效自评表", "项目名称 扫描仪识别的文字 主管部门", "年度指标值 实际完成值 分值 得分 100 95"):
            text.textLine(line)
        c.drawText(text)
        c.save()
        page.merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    with open(dest, "wb") as f:
        writer.write(f)
    return dest


def test_a_searchable_scan_is_read_from_its_picture_not_its_ocr_layer(scans, tmp_path, monkeypatch):
    """scan_report.pdf with an invisible OCR layer on every page: each page is OCR'd as the scan it is, giving the
    scan's tables (before: the layer's lines were read as the page's text, no table, no project)."""
    import pdfplumber

    from evalkit.readers import read as read_any
    path = searchable_copy(SCANS / "scan_report.pdf", tmp_path / "可搜索.pdf")
    with pdfplumber.open(path) as pdf:
        assert all("扫描仪识别的文字" in page.extract_text() for page in pdf.pages)
    _reuse_scans_pages(monkeypatch)
    got, want = read_any(path), scans[0]["scan_report.pdf"]
    assert got.ocr_pages == want.ocr_pages == [1, 2, 3, 4, 5]
    assert [t.rows for t in got.tables()] == [t.rows for t in want.tables()] and len(list(got.tables())) > 0
    assert not any("扫描仪识别的文字" in b.text for b in got.blocks if hasattr(b, "text"))


def test_a_scan_with_a_blank_page_is_ocrd_not_refused_for_want_of_text(scans, tmp_path, monkeypatch):
    """Page 2 of scan_report.pdf and a blank page (no picture, no text): before, the blank page made the PDF “not all
    scanned” and it was refused (`没有文字层`); now its scanned page is read."""
    import pypdfium2 as pdfium

    from evalkit.readers import read as read_any
    asked = _reuse_scans_pages(monkeypatch)
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(SCANS / "scan_report.pdf")), [1])
    out.new_page(595, 842)
    out.save(str(tmp_path / "带空白页.pdf"))
    doc = read_any(tmp_path / "带空白页.pdf")
    assert asked == [1] and doc.ocr_pages == [1] and doc.pages == 2
    assert next(doc.tables()).rows[-1][:3] == ["总分", "100", "100"]


def test_a_scan_with_a_caption_printed_over_it_is_read_when_its_text_gives_nothing(tmp_path):
    """Page 1 of scan_report.pdf with a caption and a page number printed over it in text (a portal's stamp, Word's
    “附件2” above a pasted scan): the page has text, so it was no scan; its text gave no table and no project. It is
    OCR'd as the scan it is when the text gives nothing (Document.more_pages)."""
    import io

    import pypdfium2 as pdfium
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from evalkit.ingest import ingest_paths
    from evalkit.readers import read as read_any
    one = pdfium.PdfDocument.new()
    one.import_pages(pdfium.PdfDocument(str(SCANS / "scan_report.pdf")), [0])
    one.save(str(tmp_path / "one.pdf"))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "one.pdf"))
    page = writer.pages[0]
    w, h = float(page.mediabox.width), float(page.mediabox.height)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(w, h))
    c.setFont("STSong-Light", 9)
    c.drawString(30, h - 18, "附件2：项目支出绩效自评表（扫描件）")
    c.drawString(w / 2 - 20, 12, "第 1 页 共 1 页")
    c.save()
    page.merge_page(PdfReader(io.BytesIO(buf.getvalue())).pages[0])
    path = tmp_path / "附件2.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    doc = read_any(path)
    assert doc.ocr_pages == [] and doc.more_pages == [1] and not list(doc.tables())
    t = ingest_paths([path], checks=False)
    rep, proj = t["reports"].iloc[0], t["projects"]
    assert (rep["status"], rep["ocr_pages"], rep["n_projects"]) == ("ok", "1", 1), rep["error"]
    want = pd.read_csv(SCANS / "truth" / "projects.csv", dtype=str).query("seed == 'scan_report.pdf'").iloc[0]
    assert proj["project_name"].iloc[0] == want["project_name"]
    assert float(proj["budget_full_year"].iloc[0]) == float(want["budget_full_year"])
    assert len(t["indicators"]) >= 8


def test_a_text_pdf_with_a_page_sized_picture_keeps_its_text(tmp_path):
    """Visible text over a full-page background picture (a letterhead, a watermark) is the page's text: no OCR."""
    import io

    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from evalkit.readers import read as read_any
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    picture = io.BytesIO()
    Image.new("RGB", (600, 840), (250, 248, 240)).save(picture, "PNG")
    c = canvas.Canvas(str(tmp_path / "信笺.pdf"), pagesize=(595, 842))
    c.drawImage(ImageReader(io.BytesIO(picture.getvalue())), 0, 0, 595, 842)
    c.setFont("STSong-Light", 12)
    c.drawString(72, 760, "2024年度项目支出绩效自评报告")
    c.save()
    doc = read_any(tmp_path / "信笺.pdf")
    assert doc.ocr_pages == [] and any("绩效自评报告" in b.text for b in doc.blocks if hasattr(b, "text"))


def photographed(page_rgb: np.ndarray, corners, pad: float = 0.1) -> np.ndarray:
    """The page as a phone photographs it at an angle: its corners moved to `corners` (fractions of its width and
    height), on a darker desk around it."""
    import cv2
    h, w = page_rgb.shape[:2]
    p = int(pad * max(h, w))
    desk = np.full((h + 2 * p, w + 2 * p, 3), (90, 80, 70), np.uint8)
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]),
                                    np.float32([[p + a * w, p + b * h] for a, b in corners]))
    return cv2.warpPerspective(page_rgb, m, (desk.shape[1], desk.shape[0]), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)


def test_a_page_photographed_at_an_angle_reads_as_the_scan(scans, tmp_path):
    """Page 1 of scan_report.pdf photographed from below (the top edge 76 % of the bottom one, on a desk): the sheet
    is mapped back to a rectangle and reads as the scan's page 1, the project's budget line and its indicator lines
    on that page (before: no ruled table found, no project)."""
    import pypdfium2 as pdfium
    from PIL import Image
    pdf = pdfium.PdfDocument(str(SCANS / "scan_report.pdf"))
    try:
        page = np.asarray(ocr.render_pdf_page(pdf, 1).convert("RGB"))
    finally:
        pdf.close()
    photo = photographed(page, [(0.12, 0.02), (0.88, 0.02), (1.0, 0.98), (0.0, 0.98)])
    Image.fromarray(photo).save(tmp_path / "拍照.jpg", quality=92)
    gray, turn, _ = ocrprep.prepare_with_turn(Image.open(tmp_path / "拍照.jpg"))
    assert turn.warp is not None
    got = build(ocr.read_image(tmp_path / "拍照.jpg"), "拍照.jpg", hash_file(tmp_path / "拍照.jpg"), "image")
    want = scans[1]["scan_report.pdf"]
    name = got.projects[0]["project_name"] if got.projects else None
    first = next(p for p in want.projects if p["project_name"] == name)
    fields = ["budget_full_year", "executed", "execution_rate"]        # its total stands on page 2
    assert [got.projects[0][f] for f in fields] == [first[f] for f in fields]
    lines = ["level3", "target", "actual", "weight", "score"]
    mine = [[i[f] for f in lines] for i in want.indicators if i["project_id"] == first["project_id"]]
    theirs = [[i[f] for f in lines] for i in got.indicators]        # page 1's lines: the table goes on overleaf
    assert len(theirs) >= 10 and theirs == mine[:len(theirs)]


def test_a_scan_is_not_unwarped_and_a_warp_maps_boxes_back():
    """A straight or merely rotated scan keeps its pixels (deskew's job); a warped page's point maps back onto the
    photo through the inverse of the homography used."""
    import cv2
    from PIL import Image
    for name in ("scan_seal.jpg", "scan_turned.png"):
        assert ocrprep.prepare_with_turn(Image.open(SCANS / name))[1].warp is None
    m = cv2.getPerspectiveTransform(np.float32([[10, 20], [900, 0], [1000, 1300], [0, 1250]]),
                                    np.float32([[0, 0], [950, 0], [950, 1280], [0, 1280]]))
    turn = ocrprep.Turn(1000, 1300, warp=tuple(float(v) for v in m.ravel()))
    assert np.allclose(turn.to_image(950, 1280), (1000, 1300), atol=0.01)
    assert np.allclose(turn.to_image(0, 0), (10, 20), atol=0.01)
    assert np.allclose(ocrprep.Turn(2000, 2600, scale=2.0).to_image(950, 1280), (475, 640))   # read enlarged 2×


def test_a_page_of_small_print_is_read_enlarged(scans, tmp_path):
    """Page 1 of scan_report.pdf at 45 % (a screenshot, a page scanned at 90 dpi: print about 15 px high): read again
    from the picture enlarged, it gives the scan's budget line and indicator lines (before: the execution figures
    and the project's budget were lost, cells merged)."""
    import pypdfium2 as pdfium
    from PIL import Image
    pdf = pdfium.PdfDocument(str(SCANS / "scan_report.pdf"))
    try:
        page = ocr.render_pdf_page(pdf, 1)
    finally:
        pdf.close()
    page.resize((round(page.width * 0.45), round(page.height * 0.45)), Image.LANCZOS).save(tmp_path / "截图.png")
    got = build(ocr.read_image(tmp_path / "截图.png"), "截图.png", hash_file(tmp_path / "截图.png"), "image")
    want = scans[1]["scan_report.pdf"]
    first = next(p for p in want.projects if p["project_name"] == got.projects[0]["project_name"])
    fields = ["budget_full_year", "executed", "execution_rate"]
    assert [got.projects[0][f] for f in fields] == [first[f] for f in fields]
    lines = ["level3", "target", "actual", "weight", "score"]
    mine = [[i[f] for f in lines] for i in want.indicators if i["project_id"] == first["project_id"]]
    theirs = [[i[f] for f in lines] for i in got.indicators]
    assert len(theirs) >= 10 and theirs == mine[:len(theirs)]


def test_inspect_pictures_shows_each_ocr_page_as_the_ocr_saw_it(tmp_path):
    """`evalkit inspect FILE --pictures DIR`: one PNG per OCR'd page, the prepared page (the seal taken out) with the
    table cells in blue and the text boxes in red, written beside a file of that name already there, never over it;
    a text export has no page to draw (a PDF's text-layer pages: test_inspect). (A one-row strip: the page is OCR'd here, the view is taken inside the OCR.)"""
    from PIL import Image

    from conftest import run_cli
    (tmp_path / "看图").mkdir()
    (tmp_path / "看图" / "seal_ring_edge_第1页.png").write_bytes(b"mine")
    r = run_cli("inspect", SCANS / "seal_ring_edge.png", "--pictures", tmp_path / "看图")
    assert r.returncode == 0 and "seal_ring_edge_第1页（2）.png" in r.stdout
    assert (tmp_path / "看图" / "seal_ring_edge_第1页.png").read_bytes() == b"mine"
    img = np.asarray(Image.open(tmp_path / "看图" / "seal_ring_edge_第1页（2）.png").convert("RGB"))
    gray = ocrprep.prepare_with_turn(Image.open(SCANS / "seal_ring_edge.png"))[0]
    assert img.shape[:2] == gray.shape
    blue = (img[..., 2] > 200) & (img[..., 0] < 60)
    red = (img[..., 0] > 200) & (img[..., 2] < 80) & (img[..., 1] < 80)
    assert blue.sum() > 5_000 and red.sum() > 5_000
    text = run_cli("inspect", SEEDS[0], "--pictures", tmp_path / "无")                  # a text export: no page
    assert "没有图片可写" in text.stdout and not (tmp_path / "无").exists()


def test_a_long_screenshot_is_read_in_page_sized_pieces(scans, tmp_path):
    """Pages 1, 2, 3 and 5 of scan_report.pdf straightened and stacked 1,400 px wide (a phone's 长截图 of the table,
    8,300 px tall): cut into pieces at ruled lines and read as pages, the table going on over them. Both projects'
    budget lines and the first project's 13 indicator lines read as the scan gives them (before: the picture was
    shrunk to 2,400 px tall, 400 px wide, and the first project's name and figures were lost)."""
    import pypdfium2 as pdfium
    from PIL import Image
    pdf = pdfium.PdfDocument(str(SCANS / "scan_report.pdf"))
    try:
        parts = []
        for k in (1, 2, 3, 5):
            page = Image.fromarray(ocrprep.prepare(ocr.render_pdf_page(pdf, k)))
            page = page.crop((int(page.width * 0.08), int(page.height * 0.06), int(page.width * 0.92), int(page.height * 0.94)))
            parts.append(page.resize((1400, round(page.height * 1400 / page.width)), Image.LANCZOS))
    finally:
        pdf.close()
    long = Image.new("L", (1400, sum(p.height for p in parts)), 255)
    y = 0
    for p in parts:
        long.paste(p, (0, y))
        y += p.height
    long.save(tmp_path / "长截图.png")
    doc = ocr.read_image(tmp_path / "长截图.png")
    assert len(doc.ocr_pages) >= 4
    got = build(doc, "长截图.png", hash_file(tmp_path / "长截图.png"), "image")
    want = scans[1]["scan_report.pdf"]
    fields = ["project_name", "budget_full_year", "executed", "execution_rate"]
    assert [[p[f] for f in fields] for p in got.projects] == [[p[f] for f in fields] for p in want.projects][:2]
    assert got.projects[0]["total_score"] == want.projects[0]["total_score"]
    lines = ["level3", "target", "actual", "weight", "score"]
    first = [[i[f] for f in lines] for i in want.indicators if i["project_id"] == want.projects[0]["project_id"]]
    assert [[i[f] for f in lines] for i in got.indicators if i["project_id"] == got.projects[0]["project_id"]] == first


def test_a_long_picture_is_cut_at_ruled_lines_kept_on_both_sides():
    """The cuts fall on a table's ruled line (in the last quarter before a page's height), the line in both pieces;
    every piece is at most a page and a bit tall."""
    from PIL import Image
    arr = np.full((6000, 1000), 255, np.uint8)
    arr[::130, 50:950] = 0                       # a ruled line every 130 px across the table
    pieces = ocr._pieces(Image.fromarray(arr))
    assert len(pieces) >= 4 and all(p.height <= 1.15 * 1414 + 4 for p in pieces)
    for a, b in zip(pieces, pieces[1:]):
        assert (np.asarray(a)[-4:] == 0).any() and (np.asarray(b)[:4] == 0).any()
    assert sum(p.height for p in pieces) <= 6000 + 4 * len(pieces)


def test_a_seal_over_the_tables_corner_is_no_perspective():
    """A bench scan's seal ring over the table's top-right corner bulged its outline into a quadrilateral with a
    slanted top side, and the page was warped (its table then read wrong): a side that is no straight edge along
    its length is not a page seen at an angle. A table photographed at an angle still is."""
    import cv2

    def table():
        page = np.full((1754, 1241), 255, np.uint8)
        for y in range(180, 1600, 60):
            cv2.line(page, (100, y), (1140, y), 0, 2)
        for x in (100, 300, 600, 900, 1140):
            cv2.line(page, (x, 180), (x, 1560), 0, 2)
        return page
    sealed = table()
    cv2.circle(sealed, (1050, 170), 110, 60, 6)          # the ring over the corner
    assert ocrprep._unwarp(sealed)[1] is None
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [1241, 0], [1241, 1754], [0, 1754]]),
                                    np.float32([[120, 30], [1120, 30], [1241, 1720], [0, 1720]]))
    assert ocrprep._unwarp(cv2.warpPerspective(table(), m, (1241, 1754), borderValue=255))[1] is not None


def _page_table(rows, ys, xs, spans, page_h):
    """An OCR'd ruled table as `Grid.fill` gives it: `spans` (r0, r1, c0, c1, text) in grid units."""
    from evalkit.readers.grid import Span, rows_from_spans
    spans = [Span(*s) for s in spans]
    rects = [Span(s.r0, s.r1, s.c0, s.c1, tuple(float(v) for v in (xs[s.c0], ys[s.r0], xs[s.c1 + 1], ys[s.r1 + 1])))
             for s in spans]
    conf = [Span(s.r0, s.r1, s.c0, s.c1, 0.99 if s.text else None) for s in spans]
    cells = rows_from_spans(rects, every=True)
    table = ocrgrid.PageTable(rows_from_spans(spans), rows_from_spans(conf, below=None), (xs[0], ys[0], xs[-1], ys[-1]),
                              len(xs) - 1, cells, [list(r) for r in cells])
    return ocr.PageResult(1, 1000, page_h, [(ys[0], ys[-1], table)])


def test_a_group_label_printed_below_the_page_break_is_the_last_rows_too():
    """A 一级/二级 label merged over the last row of a page and the first of the next, printed in the lower
    part only (LibreOffice, as in 2 of 40 synthetic stamped scans): the row before the break was read in the
    group above it (社会公众满意度 under 效益指标 / 可持续影响指标, in truth 满意度指标 / 服务对象满意度指标)."""
    xs = [100, 200, 300, 450, 600, 700]
    prev = _page_table(None, [700, 750, 800, 850, 900], xs, [
        (0, 3, 0, 0, "绩效指标"), (0, 0, 1, 1, "一级指标"), (0, 0, 2, 2, "二级指标"), (0, 0, 3, 3, "三级指标"),
        (0, 0, 4, 4, "分值"), (1, 2, 1, 1, "效益指标"), (1, 1, 2, 2, "社会效益指标"), (1, 1, 3, 3, "道路优良路率"),
        (1, 1, 4, 4, "10"), (2, 2, 2, 2, "可持续影响指标"), (2, 2, 3, 3, "长效管理机制"), (2, 2, 4, 4, "20"),
        (3, 3, 1, 1, ""), (3, 3, 2, 2, ""), (3, 3, 3, 3, "社会公众满意度"), (3, 3, 4, 4, "4")], 1000)
    nxt = _page_table(None, [60, 110, 160], [x + 8 for x in xs], [
        (0, 0, 0, 0, ""), (0, 0, 1, 1, "满意度指标"), (0, 0, 2, 2, "服务对象满意度指标"), (0, 0, 3, 3, "受益群众满意度"),
        (0, 0, 4, 4, "6"), (1, 1, 0, 3, "总分"), (1, 1, 4, 4, "100")], 1000)
    nxt.number = 2
    (table,) = ocr._document("scan.tif", "image", [prev, nxt], 2).tables()
    assert table.rows[3] == ["", "满意度指标", "服务对象满意度指标", "社会公众满意度", "4"]
    assert table.rows[4] == ["", "满意度指标", "服务对象满意度指标", "受益群众满意度", "6"]
    assert table.rows[2][:3] == ["", "", "可持续影响指标"]      # a row whose label goes on from above keeps it


def test_an_empty_cell_that_goes_on_from_above_takes_no_label_from_the_next_page():
    """The last row's 一级 cell is the lower part of 效益指标 (merged from the row above): the next page's
    满意度指标 starts a group of its own."""
    xs = [100, 200, 300, 450, 600, 700]
    prev = _page_table(None, [700, 750, 800, 850], xs, [
        (0, 2, 0, 0, "绩效指标"), (0, 0, 1, 1, "一级指标"), (0, 0, 2, 2, "二级指标"), (0, 0, 3, 3, "三级指标"),
        (0, 0, 4, 4, "分值"), (1, 2, 1, 1, "效益指标"), (1, 1, 2, 2, "社会效益指标"), (1, 1, 3, 3, "道路优良路率"),
        (1, 1, 4, 4, "10"), (2, 2, 2, 2, ""), (2, 2, 3, 3, "长效管理机制"), (2, 2, 4, 4, "20")], 1000)
    nxt = _page_table(None, [60, 110], xs, [
        (0, 0, 0, 0, ""), (0, 0, 1, 1, "满意度指标"), (0, 0, 2, 2, "服务对象满意度指标"), (0, 0, 3, 3, "受益群众满意度"),
        (0, 0, 4, 4, "6")], 1000)
    nxt.number = 2
    (table,) = ocr._document("scan.tif", "image", [prev, nxt], 2).tables()
    assert table.rows[2] == ["", "", "", "长效管理机制", "20"]


def test_a_column_line_in_one_row_only_through_a_text_box_is_a_stroke():
    """A header row barely taller than its text: the upright strokes of 指 and 标 meet both row lines and were taken for
    column lines there only (一级指标 read 一级 | 旨 | 际, the header 11 cells over rows of 5, every line read by content
    and its weight lost). A column line ruled in that one row alone, through a text box, is no line: its cells are one.
    A line ruled in other rows too still cuts a box drawn across it (test above)."""
    # columns 0..3; row 0 (the header) has extra lines at xs[1] and xs[2] inside 一级指标; row 1 has only the real ones
    grid = ocrgrid.Grid([10.0, 50.0, 90.0], [10.0, 60.0, 75.0, 120.0, 300.0],
                        [[0, 1, 2, 3], [4, 4, 4, 5]],
                        [(0, 0, 0, 0), (0, 0, 1, 1), (0, 0, 2, 2), (0, 0, 3, 3), (1, 1, 0, 2), (1, 1, 3, 3)])
    boxes = [ocrengine.Box(15, 15, 115, 45, "一级指标", 0.95), ocrengine.Box(130, 15, 200, 45, "二级指标", 0.95),
             ocrengine.Box(15, 55, 80, 85, "（20分）", 0.95), ocrengine.Box(130, 55, 160, 85, "5", 0.95)]
    table, used = grid.fill(boxes, None, 30)
    assert used == {0, 1, 2, 3}
    assert [[c for c in row if c] for row in table.rows] == [["一级指标", "二级指标"], ["（20分）", "5"]]
    assert grid.spans == [(0, 0, 0, 2), (0, 0, 3, 3), (1, 1, 0, 2), (1, 1, 3, 3)]


def _sign(bars: int, point: str, size: int = 30) -> np.ndarray:
    """A comparison sign drawn alone in a cell: a chevron pointing `point` ('right': ≥, 'left': ≤, 'none': two
    strokes side by side) over `bars` flat bars."""
    from PIL import Image, ImageDraw
    img = Image.new("L", (4 * size, 3 * size), 255)
    d = ImageDraw.Draw(img)
    x0, y0, w, h = 1.5 * size, 0.8 * size, 0.7 * size, 0.6 * size
    if point == "right":
        d.line((x0, y0, x0 + w, y0 + h / 2, x0, y0 + h), fill=0, width=3)
    elif point == "left":
        d.line((x0 + w, y0, x0, y0 + h / 2, x0 + w, y0 + h), fill=0, width=3)
    else:
        d.line((x0, y0, x0, y0 + h), fill=0, width=3)
        d.line((x0 + w, y0, x0 + w, y0 + h), fill=0, width=3)
    for k in range(bars):
        y = y0 + h + 0.25 * size + k * 0.25 * size
        d.line((x0, y, x0 + w, y), fill=0, width=3)
    return np.asarray(img).copy()


@pytest.mark.parametrize("bars, point, sign", [(1, "right", "≥"), (1, "left", "≤"), (2, "right", "≧"), (2, "left", "≦")])
def test_a_comparison_sign_alone_in_a_cell_is_read(bars, point, sign):
    """≥ alone in a 指标性质 cell: the recognizer has no glyph for it (N, V, Λ or nothing), and the target lost its
    sign (a 成本 line's ≤20万元 read 20万元 is a floor, 18万元 unmet). A chevron over one or two bars is the sign."""
    g = _sign(bars, point)
    assert ocrgrid.lone_ink(g, (0, 0, g.shape[1], g.shape[0]), 30)[0] == sign


def test_other_ink_over_a_bar_is_no_comparison_sign():
    g = _sign(1, "none")
    ink = (g < 128).astype(np.uint8)
    import cv2
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    parts = [stats[k] for k in range(1, n)]
    x0, y0 = min(s[0] for s in parts), min(s[1] for s in parts)
    x1, y1 = max(s[0] + s[2] for s in parts), max(s[1] + s[3] for s in parts)
    assert ocrgrid.comparison_sign(ink[y0:y1, x0:x1], parts, x0, y0, 30) is None


def _printed(text: str, size: int = 26) -> tuple[np.ndarray, ocrengine.Box]:
    """`text` printed black on white as a black-and-white scan shows it, and the box around its ink."""
    from PIL import Image, ImageDraw, ImageFont
    from evalkit.fonts import find_cjk_font
    img = Image.new("L", (10 * size, 3 * size), 255)
    ImageDraw.Draw(img).text((size, size), text, font=ImageFont.truetype(str(find_cjk_font().path), size), fill=0)
    g = np.where(np.asarray(img) < 128, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(g < 128)
    return g, ocrengine.Box(float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1), "", 0.9)


@pytest.mark.parametrize("printed, read, kept", [("≥55台", "255台", "≥55台"), ("≤20万元", "220万元", "≤20万元"),
                                                 ("255台", "255台", "255台"), ("2500元", "2500元", "2500元")])
def test_a_sign_before_a_figure_read_as_2_is_the_sign(printed, read, kept):
    """The recognizer reads ≥ before a figure as 2 (a scan's ≥55台 came out 255台: a floor of 55 a floor of 255, the
    actual 55 unmet). A first glyph of a chevron over a bar is the sign; a printed 2 (one stroke) stays a 2."""
    g, box = _printed(printed)
    box.text = read
    assert ocrgrid.leading_sign(g, box, box.h).text == kept
