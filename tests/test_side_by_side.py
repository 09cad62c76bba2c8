"""Two 自评表 set side by side on one worksheet (the layout copied to the right, filled for other projects, a blank
column between): read as two tables, left first, each with the figures the layout gives alone; a blank spacer
column inside one table does not split it."""
from __future__ import annotations

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from conftest import ROOT
from evalkit.discover import hash_file
from evalkit.ingest import build
from evalkit.readers import read
from test_embedded import INDICATOR, PROJECT, _rows
from test_office import needs_lo

XLSX = ROOT / "tests" / "fixtures" / "fixture_xlsx.xlsx"
RIGHT = {"退役军人辅助性岗位经费": "城关镇退役军人服务经费", "医疗保障服务经费": "城关镇医疗救助经费"}


def _side_by_side(path, gap: int = 2):
    """fixture_xlsx's report sheet (values, merges) and a copy of it `gap` blank columns to its right whose projects
    are renamed (RIGHT)."""
    src = next(ws for ws in load_workbook(XLSX, data_only=True).worksheets if ws.sheet_state == "visible")
    wb = Workbook()
    out = wb.active
    out.title = src.title
    shift = src.max_column + gap
    for row in src.iter_rows():
        for c in row:
            if c.value is not None:
                value = c.value
                for cell in (out.cell(c.row, c.column, value),
                             out.cell(c.row, c.column + shift, RIGHT.get(value, value) if isinstance(value, str) else value)):
                    if isinstance(value, str):
                        cell.data_type = "s"       # a formula's cached error (#NAME?) copied as the text it shows
    for rng in src.merged_cells.ranges:
        out.merge_cells(str(rng))
        out.merge_cells(f"{get_column_letter(rng.min_col + shift)}{rng.min_row}:"
                        f"{get_column_letter(rng.max_col + shift)}{rng.max_row}")
    wb.save(path)
    return path, shift, src.max_column


def _built(path):
    return build(read(path), path.name, hash_file(path), "xlsx")


def test_two_tables_side_by_side_on_a_sheet_are_read_apart_left_first(tmp_path):
    """The left table's projects and then the right one's, each with every indicator line the layout gives alone;
    the right one's places name its own cells; a note says the sheet was read so."""
    path, shift, width = _side_by_side(tmp_path / "并排.xlsx")
    got, want = _built(path), _built(XLSX)
    n = len(want.projects)
    assert [p["project_name"] for p in got.projects] == [p["project_name"] for p in want.projects] + [
        RIGHT[p["project_name"]] for p in want.projects]
    assert _rows(got.projects[:n], PROJECT) == _rows(want.projects, PROJECT)
    right = [{**p, "project_name": RIGHT[p["project_name"]]} for p in want.projects]
    assert _rows(got.projects[n:], PROJECT) == _rows(right, PROJECT)
    lines = len(want.indicators)
    assert len(got.indicators) == 2 * lines > 0
    assert _rows(got.indicators[:lines], INDICATOR) == _rows(got.indicators[lines:], INDICATOR)
    kept = [f for f in INDICATOR if f != "actual"]     # the copy holds values: a formula's cached #NAME? for its text
    assert _rows(got.indicators[:lines], kept) == _rows(want.indicators, kept)
    first_right = get_column_letter(1 + shift)
    column = [column_index_from_string(coordinate_from_string(r["loc_cell"])[0]) for r in got.indicators]
    assert max(column[:lines]) <= width < shift < min(column[lines:])
    assert read(path).notes == [f"工作表「项目支出绩效自评表」有并排的 2 张表（A–{get_column_letter(width)} 列、{first_right}–"
                                f"{get_column_letter(width + shift)} 列，中间隔着空列），已按从左到右分开读取"]
    assert got.report["status"] == "ok"


def test_a_blank_spacer_column_inside_one_table_does_not_split_it(tmp_path):
    """A form with its labels in A, a narrow blank column B and the values in C: one table, each label beside its
    value (the two sides share no label)."""
    wb = Workbook()
    ws = wb.active
    rows = [("项目名称", "城关镇道路维修经费"), ("主管部门", "大厂回族自治县交通运输局"), ("实施单位", "大厂回族自治县公路站"),
            ("年初预算数（万元）", 120), ("全年预算数（万元）", 120), ("全年执行数（万元）", 110),
            ("自评得分", 92), ("自评等级", "优")]
    for r, (label, value) in enumerate(rows, 1):
        ws.cell(r, 1, label)
        ws.cell(r, 3, value)
    path = tmp_path / "表单.xlsx"
    wb.save(path)
    doc = read(path)
    tables = list(doc.tables())
    assert len(tables) == 1 and doc.notes == []
    assert [[c for c in row if c] for row in tables[0].rows][:2] == [["项目名称", "城关镇道路维修经费"],
                                                                       ["主管部门", "大厂回族自治县交通运输局"]]


@needs_lo
def test_the_two_tables_printed_to_one_pdf_page_are_read_and_an_unruled_print_is_said_once(tmp_path):
    """The sheet printed (Calc, landscape, fitted to the page's width) with its cells ruled: the page holds both
    tables, read as the workbook's four projects; printed without rulings: one partial row saying the page (once,
    although it is read as two halves) is a worksheet printed without grid lines."""
    import sys

    from openpyxl.styles import Border, Side
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    import make_page_fixtures as mpf
    path, shift, width = _side_by_side(tmp_path / "并排.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(tmp_path / "无框线.xlsx")
    thin = Side(style="thin")
    for row in ws.iter_rows(min_row=5, max_row=ws.max_row):
        for c in row:
            if c.column <= width or c.column > shift:
                c.border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.save(tmp_path / "有框线.xlsx")
    ruled = build(read(mpf.soffice_convert(tmp_path / "有框线.xlsx", "pdf", tmp_path / "out")), "x.pdf", "0" * 64, "pdf")
    assert [p["project_name"] for p in ruled.projects] == [p["project_name"] for p in _built(path).projects]
    assert len(ruled.indicators) == len(_built(path).indicators)
    bare = build(read(mpf.soffice_convert(tmp_path / "无框线.xlsx", "pdf", tmp_path / "out")), "y.pdf", "0" * 64, "pdf")
    assert bare.report["status"] == "partial" and bare.report["error"].startswith(
        "y.pdf: 第 1 页是电子表格程序打印的表格，没有框线")
