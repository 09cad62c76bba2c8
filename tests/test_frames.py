"""A workbook Excel saved as a web page (工作簿.htm, a frameset, beside 工作簿.files/ with a page per sheet, the tab
strip and filelist.xml) is one report read from its sheets, placed by the tab names; a page in frames likewise. A frame
address never leads out of the page's own folder."""
from __future__ import annotations

import hashlib
import re
import shutil
import zipfile

from conftest import ROOT, run_cli
from evalkit.discover import hash_file
from evalkit.ingest import ingest_paths
from evalkit.readers import read
from evalkit.readers.webpage import frame_sources

PAGE = ROOT / "tests" / "fixtures" / "fixture_html.html"     # a GBK page with a self-evaluation table
TABLES = re.findall(r"<table[^>]*>(.*?)</table>", PAGE.read_bytes().decode("gbk"), re.S)   # two projects


def _sheet(stem: str, rows: str) -> str:
    """A sheet page as Excel writes it: the main-file link, the script sending a lone visitor to the frameset, one table."""
    return ("<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\">\n<head>\n"
            "<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">\n<meta name=ProgId content=Excel.Sheet>\n"
            f"<link id=Main-File rel=Main-File href=\"../{stem}.htm\">\n<link rel=File-List href=filelist.xml>\n"
            f"<script language=\"JavaScript\">\n<!--\nif (window.name!=\"frSheet\")\n window.location.replace(\"../{stem}.htm\");\n"
            "//-->\n</script>\n</head>\n<body link=blue vlink=purple>\n"
            f"<table border=0 cellpadding=0 cellspacing=0 style='border-collapse:collapse'>\n{rows}\n</table>\n</body>\n</html>\n")


def excel_web_page(folder, stem: str, sheets: list[tuple[str, str]]):
    """`stem.htm` and `stem.files/` as Excel's “另存为 网页” writes a workbook of several sheets (GB2312, names GBK)."""
    files = folder / f"{stem}.files"
    files.mkdir(parents=True, exist_ok=True)
    listed = "".join(f"  <x:ExcelWorksheet>\n   <x:Name>{name}</x:Name>\n"
                     f"   <x:WorksheetSource HRef=\"{stem}.files/sheet{k:03d}.htm\"/>\n  </x:ExcelWorksheet>\n"
                     for k, (name, _) in enumerate(sheets, 1))
    (folder / f"{stem}.htm").write_bytes((
        "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\"\n"
        "xmlns:x=\"urn:schemas-microsoft-com:office:excel\" xmlns=\"http://www.w3.org/TR/REC-html40\">\n<head>\n"
        "<meta name=\"Excel Workbook Frameset\">\n<meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">\n"
        f"<meta name=ProgId content=Excel.Sheet>\n<link rel=File-List href=\"{stem}.files/filelist.xml\">\n"
        + "".join(f"<link id=\"shLink\" href=\"{stem}.files/sheet{k:03d}.htm\">\n" for k in range(1, len(sheets) + 1))
        + f"<!--[if gte mso 9]><xml>\n <x:ExcelWorkbook>\n  <x:ExcelWorksheets>\n{listed}  </x:ExcelWorksheets>\n"
        f"  <x:Stylesheet HRef=\"{stem}.files/stylesheet.css\"/>\n  <x:ActiveSheet>1</x:ActiveSheet>\n"
        " </x:ExcelWorkbook>\n</xml><![endif]-->\n</head>\n"
        "<frameset rows=\"*,39\" border=0 width=0 frameborder=no framespacing=0>\n"
        f" <frame src=\"{stem}.files/sheet001.htm\" name=\"frSheet\">\n"
        f" <frame src=\"{stem}.files/tabstrip.htm\" name=\"frTabs\" marginwidth=0 marginheight=0>\n"
        " <noframes>\n  <body>\n   <p>此网页使用了框架，但您的浏览器不支持框架。</p>\n  </body>\n </noframes>\n</frameset>\n</html>\n"
    ).encode("gbk"))
    for k, (_, rows) in enumerate(sheets, 1):
        (files / f"sheet{k:03d}.htm").write_bytes(_sheet(stem, rows).encode("gbk"))
    tabs = "".join(f"<td bgcolor=\"#FFFFFF\" nowrap><b><small><small>&nbsp;<a href=\"sheet{k:03d}.htm\" target=\"frSheet\">"
                   f"<font face=\"宋体\" color=\"#000000\">{name}</font></a>&nbsp;</small></small></b></td>"
                   for k, (name, _) in enumerate(sheets, 1))
    (files / "tabstrip.htm").write_bytes(
        f"<html><head><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\">"
        f"<link id=Main-File rel=Main-File href=\"../{stem}.htm\"></head>"
        f"<body topmargin=0 leftmargin=0 bgcolor=\"#808080\"><table border=0 cellspacing=1><tr>{tabs}</tr></table></body></html>"
        .encode("gbk"))
    (files / "filelist.xml").write_text(
        "<xml xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n"
        f" <o:MainFile HRef=\"../{stem}.htm\"/>\n <o:File HRef=\"stylesheet.css\"/>\n <o:File HRef=\"tabstrip.htm\"/>\n"
        + "".join(f" <o:File HRef=\"sheet{k:03d}.htm\"/>\n" for k in range(1, len(sheets) + 1)) + "</xml>\n")
    (files / "stylesheet.css").write_text("tr {mso-height-source:auto;}\n")
    return folder / f"{stem}.htm"


TITLE = "<tr><td colspan=9>项目支出绩效自评表</td></tr><tr><td colspan=9>（2024年度）</td></tr>"
SHEETS = [("填报说明", "<tr><td>本表由项目单位填报，金额单位：万元</td></tr>"),
          ("投资建设", TITLE + TABLES[0]), ("医保平台", TITLE + TABLES[1])]


def test_a_workbook_saved_as_a_web_page_is_one_report_on_its_named_sheets(tmp_path):
    """The fixture's two project tables on the second and third of three sheets of an Excel web page: one row, the
    frameset's, with the projects and indicators the page alone gives, each figure placed on its project's sheet; the
    sheets, tab strip and file list are not reports of their own."""
    alone = ingest_paths([PAGE], None, checks=False, cache_dir=False)
    docs = tmp_path / "docs"
    excel_web_page(docs, "绩效自评", SHEETS)
    stats: dict = {}
    t = ingest_paths([docs], tmp_path / "clean", checks=False, cache_dir=False, stats=stats)
    assert t["reports"]["source_file"].tolist() == ["绩效自评.htm"]
    assert t["reports"]["status"].tolist() == ["ok"]
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()
    money = ["agency", "fiscal_year", "budget_full_year", "executed", "execution_rate", "total_score", "grade"]
    assert t["projects"][money].astype(str).values.tolist() == alone["projects"][money].astype(str).values.tolist()
    ours = t["indicators"][["level3", "target_value", "actual_value", "weight", "score"]]
    theirs = alone["indicators"][["level3", "target_value", "actual_value", "weight", "score"]]
    assert len(ours) > 5 and ours.astype(str).values.tolist() == theirs.astype(str).values.tolist()
    names = t["projects"].set_index("project_id")["project_name"]
    sheets = {names[p][-4:]: set(g["loc_sheet"]) for p, g in t["indicators"].groupby("project_id")}
    assert sheets == {"全县政府性投资建设"[-4:]: {"投资建设"}, "平台采购项目"[-4:]: {"医保平台"}}, sheets
    assert stats["page_folders"] == ["绩效自评.files/（网页 绩效自评.htm 的图片和框架页）"]


def test_an_excel_web_page_reads_its_sheets_in_tab_order_with_their_names(tmp_path):
    """read() of the frameset: the blocks of every sheet holding a table, tab order, each block on its tab's sheet;
    the tab strip's table (the tab names) and the no-frames paragraph add no table."""
    page = excel_web_page(tmp_path, "工作簿", SHEETS)
    doc = read(page)
    tables = [b for b in doc.blocks if hasattr(b, "rows")]
    assert [t.sheet for t in tables] == ["填报说明", "投资建设", "医保平台"]
    assert tables[0].rows == [["本表由项目单位填报，金额单位：万元"]]
    assert tables[1].rows[0][0] == "项目支出绩效自评表" and tables[1].rows[2][0] == "项目名称"
    assert "全县政府性投资建设" in tables[1].rows[2][1] and "平台采购项目" in tables[2].rows[2][1]
    assert not doc.warnings
    r = run_cli("inspect", page)
    out = r.stdout
    assert r.returncode == 0 and "表格 2（工作表“投资建设”，18 行 × 9 列）" in out and "表格 3（工作表“医保平台”" in out


def test_an_excel_web_page_copied_without_its_folder_says_so(tmp_path):
    """The frameset alone (its folder left behind): one row that says the sheets are missing and how to bring them."""
    page = excel_web_page(tmp_path / "src", "工作簿", SHEETS)
    alone = shutil.copy(page, tmp_path / "工作簿.htm")
    doc = read(alone)
    assert any("其中 3 个不在网页旁的“工作簿.files”文件夹中" in w for w in doc.warnings), doc.warnings
    t = ingest_paths([alone], None, checks=False, cache_dir=False)
    assert t["reports"]["status"].tolist() != ["ok"]
    assert "其中 3 个不在网页旁的“工作簿.files”文件夹中" in t["reports"]["error"].iloc[0]


def test_a_frame_address_never_leaves_the_pages_folder(tmp_path):
    """Frames at ../, an absolute path, file: and web addresses, and a link inside the folder that points out of
    it: none is read (a page beside holding a table stays a report of its own, read once)."""
    docs = tmp_path / "docs"
    excel_web_page(tmp_path, "外面", SHEETS)
    outside = tmp_path / "外面.files" / "sheet002.htm"
    (docs / "页.files").mkdir(parents=True)
    (docs / "页.files" / "link.htm").symlink_to(outside)
    shutil.copy(PAGE, docs / "另一页.html")
    srcs = ["../外面.files/sheet002.htm", str(outside), f"file://{outside}", "http://example.com/s.htm",
            "页.files/../../外面.files/sheet002.htm", "页.files/link.htm", "另一页.html"]
    (docs / "页.htm").write_text("<html><frameset>" + "".join(f"<frame src='{s}'>" for s in srcs)
                                + "</frameset></html>", encoding="utf-8")
    assert frame_sources((docs / "页.htm").read_text(encoding="utf-8"), srcs, 30) == [(s, None) for s in srcs]
    assert not any(hasattr(b, "rows") for b in read(docs / "页.htm").blocks)
    t = ingest_paths([docs], None, checks=False, cache_dir=False)
    assert sorted(t["reports"]["source_file"]) == ["另一页.html", "页.htm"]
    framed = t["reports"].set_index("source_file")["report_id"]
    assert set(t["projects"]["report_id"]) == {framed["另一页.html"]} and len(t["projects"]) == 2


def test_a_page_in_frames_shows_its_frames_table(tmp_path):
    """A browser's “网页，全部” of a portal page whose 自评表 is in an <iframe> (saved as 页_files/saved_resource.html):
    one report with the fixture's projects, the framed page not a row of its own."""
    alone = ingest_paths([PAGE], None, checks=False, cache_dir=False)
    (tmp_path / "页_files").mkdir()
    shutil.copy(PAGE, tmp_path / "页_files" / "saved_resource.html")
    (tmp_path / "页.html").write_text("<html><body><h1>某县人民政府</h1><p>绩效信息公开</p>"
                                      "<iframe src='页_files/saved_resource.html'></iframe></body></html>", encoding="utf-8")
    t = ingest_paths([tmp_path], None, checks=False, cache_dir=False)
    assert t["reports"]["source_file"].tolist() == ["页.html"]
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()
    assert len(t["indicators"]) == len(alone["indicators"])


def test_a_sheet_changed_is_a_new_page(tmp_path):
    """The frameset's identity includes its sheets: a sheet edited changes the content key (cache, duplicates)."""
    page = excel_web_page(tmp_path, "工作簿", SHEETS)
    before = hash_file(page)
    assert before != hashlib.sha256(page.read_bytes()).hexdigest()
    sheet = tmp_path / "工作簿.files" / "sheet003.htm"
    sheet.write_bytes(sheet.read_bytes().replace("（2024年度）".encode("gbk"), "（2023年度）".encode("gbk")))
    assert hash_file(page) != before


def test_an_excel_web_page_in_a_zip_is_one_report(tmp_path):
    """The frameset and its folder zipped: one row `x.zip!工作簿.htm` with the sheets' two projects."""
    src = tmp_path / "src"
    excel_web_page(src, "工作簿", SHEETS)
    z = tmp_path / "网页.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in sorted(src.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(src).as_posix())
    t = ingest_paths([z], None, checks=False, cache_dir=False)
    assert t["reports"]["source_file"].tolist() == ["网页.zip!工作簿.htm"]
    assert t["reports"]["status"].tolist() == ["ok"]
    assert len(t["projects"]) == 2 and set(t["indicators"]["loc_sheet"]) == {"投资建设", "医保平台"}


def test_frame_sources_stay_bounded_on_a_hostile_page():
    """Thousands of sheet entries: at most `most` + 1 are returned, and no sheet name is taken from far away."""
    text = "<x:ExcelWorksheet><x:Name>远处</x:Name>" + " " * 10_000 + "<x:WorksheetSource HRef='a.htm'/>" \
        + "<x:WorksheetSource HRef='b.htm'/>" * 5000
    got = frame_sources(text, [], 30)
    assert len(got) == 31 and got[0] == ("a.htm", None)


def test_rows_and_cells_excel_hid_on_a_sheet_page_are_left_out(tmp_path):
    """Excel writes a hidden row as <tr style='display:none'> and a hidden column's cells as <td style='display:none'>
    (and an empty display:none row for column widths): the sheet reads as the fixture's table, the row names them."""
    hidden_line = ("<tr height=0 style='display:none'><td></td><td>产出指标</td><td>旧：数量指标</td><td>已删除的指标</td>"
                   "<td>≥1</td><td>0</td><td>10</td><td>0</td><td></td></tr>")
    widths = "<tr height=0 style='display:none'>" + "<td width=64></td>" * 9 + "</tr>"
    rows = TABLES[0].replace("<tr>", "<tr><td style='display:none'>校验</td>")
    k = rows.index("<tr>", rows.index("三级指标"))
    page = excel_web_page(tmp_path, "工作簿", [("投资建设", TITLE + rows[:k] + hidden_line + rows[k:] + widths)])
    doc = read(page)
    want = [t for t in read(excel_web_page(tmp_path / "b", "工作簿", [("投资建设", TITLE + TABLES[0])])).tables()]
    assert [t.rows for t in doc.tables()] == [t.rows for t in want]
    assert doc.hidden == ["工作表“投资建设”中隐藏的 1 行", f"工作表“投资建设”中隐藏的 {rows.count('校验')} 个单元格"]
