"""A web page saved as one file (.mht by Internet Explorer / WPS, .mhtml by Chrome and Edge: a MIME
message) reads as the same page saved as .html: its HTML part is decoded from quoted-printable or base64
and from the part's charset; one without an HTML part fails alone with a message."""
from __future__ import annotations

import base64
import quopri
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart

import pandas as pd
import pytest

from conftest import ROOT
from evalkit.ingest import ingest_paths

PAGE = ROOT / "tests" / "fixtures" / "fixture_html.html"   # a GBK page with nav, script and a self-evaluation table


def web_archive(html: str, charset: str, encoding: str) -> bytes:
    """What a browser writes: multipart/related, the page first (in `charset`, with `encoding` as its
    transfer encoding: quoted-printable or base64), then a picture of the page."""
    msg = MIMEMultipart("related", type="text/html")
    msg["Subject"] = "项目支出绩效自评表"
    msg["Snapshot-Content-Location"] = "http://czj.example.gov.cn/zwgk/2024/zp.html"
    # Internet Explorer labels GBK pages gb2312 (and — is not in GB 2312): the bytes are GBK's
    raw = html.encode("gbk" if charset == "gb2312" else charset)
    page = MIMENonMultipart("text", "html", charset=charset)
    if encoding == "quoted-printable":
        page.set_payload(quopri.encodestring(raw).decode("ascii"))
    else:
        page.set_payload(base64.encodebytes(raw).decode("ascii"))
    page["Content-Transfer-Encoding"] = encoding
    page["Content-Location"] = "http://czj.example.gov.cn/zwgk/2024/zp.html"
    msg.attach(page)
    logo = MIMEImage(b"\x89PNG\r\n\x1a\n not really a png", "png")
    logo["Content-Location"] = "http://czj.example.gov.cn/logo.png"
    msg.attach(logo)
    return msg.as_bytes()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("mht")
    html = PAGE.read_bytes().decode("gbk")
    (d / "page.html").write_bytes(PAGE.read_bytes())
    (d / "ie.mht").write_bytes(web_archive(html, "gb2312", "quoted-printable"))
    (d / "chrome.mhtml").write_bytes(web_archive(html, "utf-8", "base64"))
    (d / "pictures_only.mht").write_bytes(MIMEImage(b"\x89PNG\r\n\x1a\n", "png").as_bytes())
    return ingest_paths([d], checks=False, keep_format_copies=True)


@pytest.mark.parametrize("name", ["ie.mht", "chrome.mhtml"])
def test_a_web_archive_reads_as_the_page_saved_as_html(pages, name):
    rep = pages["reports"].set_index("source_file")
    assert rep.loc[name, "status"] == "ok" and rep.loc[name, "format"] == "mhtml"
    assert rep.loc[name, "agency"] == rep.loc["page.html", "agency"] and pd.notna(rep.loc[name, "agency"])
    for table, cols in (("projects", ["project_name", "budget_full_year", "executed", "execution_rate", "total_score",
                                      "grade"]),
                        ("indicators", ["level1", "level2", "level3", "target", "actual", "weight", "score"])):
        t = pages[table]
        got = t.loc[t["source_file"] == name, cols].reset_index(drop=True)
        want = t.loc[t["source_file"] == "page.html", cols].reset_index(drop=True)
        assert len(want) > 0
        pd.testing.assert_frame_equal(got, want, obj=f"{name} {table}")


def test_a_web_archive_without_a_page_fails_alone_and_says_why(pages):
    rep = pages["reports"].set_index("source_file")
    assert rep.loc["pictures_only.mht", "status"] == "failed"
    assert "没有网页正文" in rep.loc["pictures_only.mht", "error"]


def _workbook_mht(path, head: str = "", tab_strip: str = "<a href='sheet001.htm'>自评表</a>"):
    """Excel's 单个文件网页 of a one-sheet workbook: a frameset (with `head` in its <head>), the sheet (the fixture page)
    and the tab strip, each an HTML part."""
    msg = MIMEMultipart("related", type="text/html")
    for name, html in (("Book.htm", f"<html><head>{head}</head><frameset rows='*,39'>"
                                    "<frame src='Book.files/sheet001.htm'><frame src='Book.files/tabstrip.htm'></frameset></html>"),
                       ("Book.files/sheet001.htm", PAGE.read_bytes().decode("gbk")),
                       ("Book.files/tabstrip.htm", f"<html><body>{tab_strip}</body></html>")):
        part = MIMENonMultipart("text", "html", charset="utf-8")
        part.set_payload(base64.encodebytes(html.encode("utf-8")).decode("ascii"))
        part["Content-Transfer-Encoding"] = "base64"
        part["Content-Location"] = f"file:///C:/Book/{name}"
        msg.attach(part)
    path.write_bytes(msg.as_bytes())
    return path


def test_a_workbook_saved_by_excel_as_one_web_page_reads_its_sheets(tmp_path):
    """Excel's 单个文件网页 (.mht) of a workbook: the first HTML part is a frameset with a tab strip, each sheet an
    HTML part of its own. The sheets' tables are read, in order (before: the frameset alone, nothing recognized)."""
    from evalkit.readers import read
    got, want = read(_workbook_mht(tmp_path / "Book.mht")), read(PAGE)
    assert [t.rows for t in got.tables()] == [t.rows for t in want.tables()] and len(list(want.tables())) > 0


def test_an_excel_single_file_web_page_names_its_sheets_and_skips_the_tab_strip(tmp_path):
    """The frameset lists the sheets (x:ExcelWorksheets): each sheet's tables carry its tab name, and the tab strip's
    table (the tab names, as Excel writes it) is not read."""
    from evalkit.readers import read
    listed = ("<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet><x:Name>自评表</x:Name>"
              "<x:WorksheetSource HRef=\"Book.files/sheet001.htm\"/></x:ExcelWorksheet></x:ExcelWorksheets>"
              "</x:ExcelWorkbook></xml><![endif]-->")
    path = _workbook_mht(tmp_path / "Book.mht", listed,
                         "<table><tr><td><a href='sheet001.htm'>自评表</a></td></tr></table>")
    got, want = read(path), read(PAGE)
    assert [t.rows for t in got.tables()] == [t.rows for t in want.tables()]
    assert {t.sheet for t in got.tables()} == {"自评表"}
