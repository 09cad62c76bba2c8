"""A workbook's hidden sheets (an old version kept out of sight, a drop-down list), rows (a deleted indicator line) and
columns (a check column) are not what Excel shows, prints or exports: they are not read, and the report row names them
(`hidden_content`); a workbook whose table stands only on a hidden sheet is read from it, with a warning. The same in
.xlsx, Excel 2003 XML, .xls and .xlsb."""
from __future__ import annotations

import json
import sys

import pandas as pd
import pytest

from conftest import ROOT, run_cli
from evalkit.ingest import ingest_paths
from evalkit.readers import read

XLSX = ROOT / "tests" / "fixtures" / "fixture_xlsx.xlsx"
FIELDS = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score", "loc_sheet", "loc_cell"]


def with_hidden_sheets(path):
    """The fixture with, before its sheets, a hidden older copy of its table (every figure above 50 lowered by 7) and
    after them a very hidden drop-down list (优/良/中/差)."""
    import openpyxl
    wb = openpyxl.load_workbook(XLSX)
    old = wb.copy_worksheet(wb.worksheets[0])
    old.title = "旧版"
    for row in old.iter_rows():
        for c in row:
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and c.value > 50:
                c.value -= 7
    old.sheet_state = "hidden"
    wb.move_sheet(old, offset=-len(wb.sheetnames) + 1)
    lists = wb.create_sheet("下拉选项")
    for k, word in enumerate("优良中差", 1):
        lists.cell(k, 1, word)
    lists.sheet_state = "veryHidden"
    wb.save(path)
    return path


def with_hidden_lines(path):
    """The fixture with a hidden indicator line inserted as row 16 (inside the merged 产出指标 and 绩效指标 cells)
    and a hidden check column J beside the first indicator table."""
    import openpyxl
    wb = openpyxl.load_workbook(XLSX)
    ws = wb.worksheets[0]
    ranges = list(ws.merged_cells.ranges)
    for m in ranges:
        ws.unmerge_cells(str(m))
    ws.insert_rows(16)
    for m in ranges:
        if m.min_row >= 16:
            m.shift(row_shift=1)
        elif m.max_row >= 16:
            m.expand(down=1)
        ws.merge_cells(str(m))
    for col, value in zip("CDEFGHI", ["质量指标", "旧：足额发放率（2021年）", "100%", "90%", 10, 5, "已删除"]):
        ws[f"{col}16"] = value
    ws.row_dimensions[16].hidden = True
    ws["J14"] = "校验"
    for r in range(15, 23):
        ws[f"J{r}"] = "一致"
    ws.column_dimensions["J"].hidden = True
    wb.save(path)
    return path


def _xml(tmp_path, make):
    from test_xmlsheet import as_spreadsheetml
    path = tmp_path / "导出.xls"
    path.write_text(as_spreadsheetml(make(tmp_path / "src.xlsx")), encoding="utf-8")
    return path


def _xls(tmp_path, make):
    """Saved by LibreOffice as Excel 97 (.xls: the sheets', rows' and columns' visibility in BIFF, read by xlrd)."""
    from evalkit.readers.office import find_soffice
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed (make setup installs it)")
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    try:
        from make_office_fixtures import soffice_convert
    finally:
        sys.path.pop(0)
    soffice_convert(make(tmp_path / "src.xlsx"), "xls:MS Excel 97", tmp_path / "自评.xls")
    return tmp_path / "自评.xls"


def _xlsx(tmp_path, make):
    return make(tmp_path / "自评.xlsx")


def _xlsb(tmp_path, make):
    """Written as an Excel binary workbook (.xlsb: the visibility in BIFF12 records), read through LibreOffice."""
    from evalkit.readers.office import find_soffice
    from xlsbfile import from_xlsx
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed (make setup installs it)")
    path = tmp_path / "自评.xlsb"
    path.write_bytes(from_xlsx(make(tmp_path / "src.xlsx")))
    return path


SAVED_AS = pytest.mark.parametrize("save", [_xlsx, _xml, _xls, _xlsb], ids=["xlsx", "xml2003", "xls", "xlsb"])
# cell formats (strike-through, ;;;): the test's .xlsb writer writes no styles
FORMATTED_AS = pytest.mark.parametrize("save", [_xlsx, _xml, _xls], ids=["xlsx", "xml2003", "xls"])


@SAVED_AS
def test_hidden_sheets_are_not_read_and_are_named(tmp_path, save):
    """The fixture's two projects, with the figures and places the fixture alone gives (before: four projects, the
    hidden copy's with wrong totals and their findings); the row names the hidden sheets and is not partial."""
    path = save(tmp_path, with_hidden_sheets)
    alone = ingest_paths([XLSX], None, checks=False, cache_dir=False)
    t = ingest_paths([path], None, cache_dir=False)
    assert t["projects"][FIELDS].astype(str).values.tolist() == alone["projects"][FIELDS].astype(str).values.tolist()
    assert len(t["indicators"]) == len(alone["indicators"]) and set(t["indicators"]["loc_sheet"]) == {"项目支出绩效自评表"}
    rep = t["reports"].iloc[0]
    assert json.loads(rep["hidden_content"]) == ["旧版", "下拉选项"] and rep["status"] == "ok"
    assert not t["findings"]["rule"].isin(["total_score_mismatch", "weight_sum_mismatch"]).any()
    hidden = t["findings"].loc[t["findings"]["rule"] == "hidden_content"]
    assert len(hidden) == 1 and "文件中有隐藏的内容（旧版、下拉选项）" in hidden["message"].iloc[0]
    assert hidden["severity"].iloc[0] == "info"


@SAVED_AS
def test_hidden_rows_and_columns_are_not_read_and_are_named(tmp_path, save):
    """The tables read as the fixture's (the hidden line and check column left out; before: one more indicator
    line, scored 5 of 10, and a tenth column), the same indicators; the row names the hidden row and column."""
    path = save(tmp_path, with_hidden_lines)
    assert [t.rows for t in read(path).tables()] == [t.rows for t in read(XLSX).tables()]
    alone = ingest_paths([XLSX], None, checks=False, cache_dir=False)
    t = ingest_paths([path], None, checks=False, cache_dir=False)
    lines = ["level1", "level2", "level3", "target", "actual", "weight", "score"]
    assert t["indicators"][lines].astype(str).values.tolist() == alone["indicators"][lines].astype(str).values.tolist()
    assert t["projects"]["total_score"].tolist() == alone["projects"]["total_score"].tolist()
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == ["项目支出绩效自评表!16:16", "项目支出绩效自评表!J:J"]


def test_a_merge_whose_top_row_is_hidden_shows_its_text_in_its_first_shown_row():
    """A1:A3 merged (产出指标) with row 1 hidden: its text stands in row 2, as Excel shows it; column C hidden."""
    from evalkit.readers.sheets import Sheet, sheet_blocks
    sheet = Sheet("表", {(0, 0): "产出指标", (0, 1): "旧", (1, 1): "数量", (2, 1): "质量", (1, 2): "x", (2, 2): "y"},
                  [(0, 2, 0, 0)], hide_covered=True, hidden_rows={0}, hidden_cols={2})
    assert sheet_blocks(sheet) == [([["产出指标", "数量"], ["", "质量"]], [["A2", "B2"], ["A3", "B3"]])]


def test_a_table_only_on_a_hidden_sheet_is_read_with_a_warning(tmp_path):
    """A cover sheet shown, the 自评表 hidden: the hidden sheet is read (its projects), the row is partial and says why."""
    import openpyxl
    wb = openpyxl.load_workbook(XLSX)
    for ws in wb.worksheets:
        ws.sheet_state = "hidden"
    cover = wb.create_sheet("封面", 0)
    cover["A1"] = "2024年度项目支出绩效自评"
    wb.active = 0
    wb.save(tmp_path / "封面.xlsx")
    alone = ingest_paths([XLSX], None, checks=False, cache_dir=False)
    t = ingest_paths([tmp_path / "封面.xlsx"], None, checks=False, cache_dir=False)
    assert t["projects"]["project_name"].tolist() == alone["projects"]["project_name"].tolist()
    rep = t["reports"].iloc[0]
    assert rep["status"] == "partial" and "工作簿的表格只在隐藏的工作表（项目支出绩效自评表、填报说明）中，已读取" in rep["error"]
    assert pd.isna(rep["hidden_content"])


def test_inspect_names_the_hidden_sheets(tmp_path):
    """`evalkit inspect` says which sheets were left out, and shows none of their rows."""
    path = with_hidden_sheets(tmp_path / "自评.xlsx")
    out = run_cli("inspect", path).stdout
    assert "未读取的隐藏内容：旧版、下拉选项" in out and "工作表“旧版”" not in out
    assert [t.sheet for t in read(path).tables()] == [t.sheet for t in read(XLSX).tables()]


def with_struck_line(path):
    """The fixture with its indicator line 稳定性 (row 20) struck through, as a cancelled line is marked in Excel,
    a note in the 偏差原因 cell above it formatted ;;; and one below it in white (both shown as nothing), and the
    header 一级指标 in white on black (shown)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    wb = openpyxl.load_workbook(XLSX)
    ws = wb.worksheets[0]
    for col in "CDEFGH":
        ws[f"{col}20"].font = Font(strike=True)
    ws["I19"] = "旧说明：未达标"
    ws["I19"].number_format = ";;;"
    ws["I21"] = "白字备注"                          # white on no fill: prints as nothing
    ws["I21"].font = Font(color="FFFFFF")
    ws["B14"].fill = PatternFill("solid", fgColor="000000")       # the header 一级指标 white on black: shown
    ws["B14"].font = Font(color="FFFFFF")
    wb.save(path)
    return path


@FORMATTED_AS
def test_cells_struck_through_or_formatted_to_show_nothing_are_not_read_and_are_named(tmp_path, save):
    """Before, the struck line was read as an indicator (15 of 15) and the ;;; note as 保障率's reason; now the
    line is left out like a hidden one, the note too, and each cell is named with what it held."""
    path = save(tmp_path, with_struck_line)
    alone = ingest_paths([XLSX], None, checks=False, cache_dir=False)
    t = ingest_paths([path], None, checks=False, cache_dir=False)
    assert "稳定性" in set(alone["indicators"]["level3"]) and "稳定性" not in set(t["indicators"]["level3"])
    assert len(t["indicators"]) == len(alone["indicators"]) - 1
    assert pd.isna(t["indicators"].set_index("level3").loc["保障率", "deviation_reason"])
    sheet = "项目支出绩效自评表"
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == [
        f"{sheet}!I19（格式隐藏：旧说明：未达标）", f"{sheet}!C20（删除线：可持续影响指标）", f"{sheet}!D20（删除线：稳定性）",
        f"{sheet}!E20（删除线：≥100%）", f"{sheet}!F20（删除线：≥100%）", f"{sheet}!G20（删除线：15）", f"{sheet}!H20（删除线：15）",
        f"{sheet}!I21（白色文字：白字备注）"]
    first = t["indicators"][t["indicators"]["project_name"] == "退役军人辅助性岗位经费"].set_index("level3")
    assert pd.isna(first.loc["服务对象满意度", "deviation_reason"])


@pytest.mark.parametrize("shared", [False, True], ids=["inline", "shared_strings"])
def test_part_of_a_cell_struck_through_is_not_read(tmp_path, shared):
    """One cell holding 18.5 struck and 17.5 after it (rich text, as openpyxl writes it inline or Excel in its
    shared strings): read 17.5 (before: 18.517.5, the score lost), the struck part named."""
    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    wb = openpyxl.load_workbook(XLSX, rich_text=True)
    ws = wb.worksheets[0]
    assert ws["H18"].value == 18.5
    ws["H18"] = CellRichText([TextBlock(InlineFont(strike=True), "18.5"), " 17.5"])
    path = tmp_path / "更正.xlsx"
    wb.save(path)
    if shared:
        path = _as_shared_strings(path, tmp_path / "共享.xlsx")
    t = ingest_paths([path], None, checks=False, cache_dir=False)
    first = t["indicators"][t["indicators"]["project_name"] == "退役军人辅助性岗位经费"].set_index("level3")
    assert first.loc["年发放工资、保险费用", "score"] == 17.5
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == \
        (["Excel 删除线文字 1 处"] if shared else ["项目支出绩效自评表!H18（删除线：18.5）"])


def _as_shared_strings(src, out):
    """The workbook with its cell H18's inline rich text moved into a shared-string table (as Excel stores it)."""
    import re
    import zipfile
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    m = re.search(r'<c r="H18"([^>]*) t="inlineStr"><is>(.*?)</is></c>', sheet)
    sheet = sheet.replace(m.group(0), f'<c r="H18"{m.group(1)} t="s"><v>0</v></c>')
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{ns}" count="1" uniqueCount="1"><si>{m.group(2)}</si></sst>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"</Relationships>", (
        b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return out
