"""Scans pasted into sheets of workbooks read through a copy: an Excel 97-2003 .xls (xlrd reads no drawings, so
LibreOffice's .xlsx copy gives the pictures), an .ods LibreOffice converts, a workbook under Excel's default
password (readers/unlock.py). The pictures are found while the copy is there (pictures.settled); OCR of the
pictures is tested in test_ocr.py (here it is not asked)."""
import io
import shutil
import subprocess

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from PIL import Image

from conftest import ROOT
from evalkit.readers import office, pictures, read
from evalkit.readers.unlock import DEFAULT_PASSWORD
from evalkit.readers.xlsx import xls_holds_pictures, xls_pictures

SCAN = ROOT / "tests" / "fixtures" / "scans" / "scan_seal.jpg"
SOFFICE = office.find_soffice()
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) 不可用")


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB").tobytes()


def workbook(path, *, table=False, scan=True, comment=False):
    """An .xlsx as a bureau makes it: a title, a small logo at A1, the scanned 自评表 pasted at A3; `table`: a
    contact table of text beside it (no report: the text gives nothing); `comment`: a cell comment, no pictures."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image as XlImage
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B1"] = "附件：项目支出绩效自评表"
    if table:
        for r, (k, v) in enumerate((("填报单位", "某县财政局"), ("联系人", "张三"), ("电话", "12345")), start=2):
            ws.cell(r, 5, k), ws.cell(r, 6, v)
    if scan:
        logo = path.with_name("logo.png")
        Image.new("RGB", (200, 80), (200, 30, 30)).save(logo)
        ws.add_image(XlImage(str(SCAN)), "A3")
        ws.add_image(XlImage(str(logo)), "A1")
    if comment:
        ws["B1"].comment = Comment("请按原件填写", "财政局")
    wb.save(path)
    return path


def saved_as(src, ext, filt):
    """`src` saved by LibreOffice as `ext` beside it."""
    out = src.parent / "lo"
    subprocess.run([SOFFICE, f"-env:UserInstallation={(src.parent / 'profile').as_uri()}", "--headless",
                    "--norestore", "--convert-to", f"{ext}:{filt}", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    made = src.with_suffix("." + ext)
    shutil.move(out / made.name, made)
    return made


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    only = workbook(d / "扫描件.xlsx")
    beside = workbook(d / "联系表加扫描.xlsx", table=True)
    commented = workbook(d / "批注.xlsx", scan=False, comment=True)
    return {"xls": saved_as(only, "xls", "MS Excel 97"), "xls_table": saved_as(beside, "xls", "MS Excel 97"),
            "ods_table": saved_as(beside, "ods", "calc8"), "xls_comment": saved_as(commented, "xls", "MS Excel 97"),
            "xlsx_table": beside}


def test_an_xls_holds_pictures_only_with_a_picture_store(books):
    assert xls_holds_pictures(books["xls"]) and xls_holds_pictures(books["xls_table"])
    assert not xls_holds_pictures(books["xls_comment"])                 # a comment's drawing group stores no picture
    assert not xls_holds_pictures(ROOT / "tests" / "fixtures" / "fixture_xls.xls")


def test_the_page_sized_picture_of_an_xls_is_the_scan(books):
    found = xls_pictures(books["xls"])
    assert len(found) == 1 and pixels(found[0][1]) == pixels(SCAN.read_bytes())       # the logo is no page


def test_an_xls_of_pictures_only_goes_to_its_pictures(books, monkeypatch):
    monkeypatch.setattr(pictures, "ocr_reader", lambda: None)           # the pictures found, their reading said
    doc = read(books["xls"])
    assert [p.text for p in doc.paragraphs()][-1] == "附件：项目支出绩效自评表"
    assert any("只有 1 张整页图片" in w for w in doc.warnings), doc.warnings


@pytest.mark.parametrize("book", ["xls_table", "ods_table"])
def test_pictures_beside_text_are_kept_for_when_the_text_gives_nothing(books, book):
    """The text (a contact table) is read first; its pictures are there when ingest asks, after LibreOffice's
    copy is gone (an .ods's used to point at the removed copy: the scan was never read)."""
    doc = read(books[book])
    assert any(t.rows for t in doc.tables()) and doc.more_pictures is not None
    found = doc.more_pictures()
    assert len(found) == 1 and pixels(found[0][1]) == pixels(SCAN.read_bytes())


def test_pictures_of_a_workbook_under_the_default_password_outlive_its_decrypted_copy(books, tmp_path):
    locked = tmp_path / "保护.xlsx"
    with open(books["xlsx_table"], "rb") as f, open(locked, "wb") as out:
        OOXMLFile(f).encrypt(DEFAULT_PASSWORD, out)
    found = read(locked).more_pictures()
    assert len(found) == 1 and pixels(found[0][1]) == pixels(SCAN.read_bytes())


def test_without_libreoffice_an_xls_of_pictures_says_what_it_needs(books, no_soffice):
    doc = read(books["xls"])
    assert any("取出 .xls 中的图片需要 LibreOffice" in w for w in doc.warnings), doc.warnings
