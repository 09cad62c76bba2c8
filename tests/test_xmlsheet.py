"""Excel's XML Spreadsheet 2003 under an .xls name (what Java/.NET systems export): read as the workbook it stands for,
the same tables, cell addresses and number formats; hostile files refused."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest

from conftest import ROOT
from evalkit.discover import hash_file
from evalkit.ingest import build
from evalkit.readers import read

XLSX = ROOT / "tests" / "fixtures" / "fixture_xlsx.xlsx"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n')


def _look(cell):
    """(a hiding number format, struck, font colour, solid fill colour) of an openpyxl cell, None/False when plain."""
    font, fill = cell.font, cell.fill
    color = font.color.rgb[-6:] if font and font.color is not None and font.color.type == "rgb" else None
    solid = fill.fgColor.rgb[-6:] if fill is not None and fill.patternType == "solid" and fill.fgColor.type == "rgb" else None
    return (cell.number_format if cell.number_format == ";;;" else None, bool(font and font.strike),
            None if color in (None, "000000") else color, solid)


def _style_xml(sid, fmt, strike, color, fill) -> str:
    font = ""
    if strike or color:
        font = "<Font" + (' ss:StrikeThrough="1"' if strike else "") + (f' ss:Color="#{color}"' if color else "") + "/>"
    return (f'<Style ss:ID="{sid}">' + (f'<NumberFormat ss:Format="{escape(fmt)}"/>' if fmt != "General" else "") + font
            + (f'<Interior ss:Color="#{fill}" ss:Pattern="Solid"/>' if fill else "") + "</Style>")


def as_spreadsheetml(xlsx) -> str:
    """The workbook written as Excel 2003 saves “XML 表格”: rows and cells with ss:Index where it skips, merges as
    MergeAcross/MergeDown (covered cells left out), numbers typed with their number format as a style, and a
    cell's strike, font colour, fill and a ;;; format as its style."""
    import openpyxl
    wb = openpyxl.load_workbook(xlsx)
    styles, sheets = {}, []
    for ws in wb.worksheets:
        merged = {(m.min_row, m.min_col): (m.max_row - m.min_row, m.max_col - m.min_col) for m in ws.merged_cells.ranges}
        covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
                   for c in range(m.min_col, m.max_col + 1)} - set(merged)
        rows = []
        for row in ws.iter_rows():
            cells = []
            for cell in row:
                if (cell.row, cell.column) in covered or (cell.value is None and (cell.row, cell.column) not in merged):
                    continue
                attrs = f' ss:Index="{cell.column}"'
                down, across = merged.get((cell.row, cell.column), (0, 0))
                attrs += f' ss:MergeAcross="{across}"' * bool(across) + f' ss:MergeDown="{down}"' * bool(down)
                data = ""
                if cell.value is not None:
                    number = isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool)
                    look = _look(cell)
                    if (number and cell.number_format != "General") or look != (None, False, None, None):
                        key = (cell.number_format if number or look[0] else "General",) + look[1:]
                        sid = styles.setdefault(key, f"s{len(styles) + 21}")
                        attrs += f' ss:StyleID="{sid}"'
                    data = f'<Data ss:Type="{"Number" if number else "String"}">{escape(str(cell.value))}</Data>'
                cells.append(f"<Cell{attrs}>{data}</Cell>")
            hidden = ' ss:Hidden="1"' if ws.row_dimensions[row[0].row].hidden else ""
            if cells or hidden:
                rows.append(f'<Row ss:Index="{row[0].row}"{hidden}>{"".join(cells)}</Row>')
        options = ('<WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>'
                   + ("SheetHidden" if ws.sheet_state == "hidden" else "SheetVeryHidden") + '</Visible></WorksheetOptions>'
                   if ws.sheet_state != "visible" else "")
        from openpyxl.utils import column_index_from_string
        columns = "".join(f'<Column ss:Index="{column_index_from_string(k)}" ss:Hidden="1"/>'
                          for k, dim in sorted(ws.column_dimensions.items()) if dim.hidden)
        sheets.append(f'<Worksheet ss:Name="{escape(ws.title)}"><Table>{columns}{"".join(rows)}</Table>{options}</Worksheet>')
    style_xml = "".join(_style_xml(sid, *key) for key, sid in styles.items())
    return HEAD + f"<Styles>{style_xml}</Styles>" + "".join(sheets) + "</Workbook>\n"


def test_an_xml_spreadsheet_named_xls_reads_as_the_workbook(tmp_path):
    """The xlsx fixture saved as XML Spreadsheet 2003 under an .xls name (before: read as an empty web page): the same
    tables with the same cell addresses, and the same projects and indicator lines."""
    path = tmp_path / "导出.xls"
    path.write_text(as_spreadsheetml(XLSX), encoding="utf-8")
    got, want = read(path), read(XLSX)
    assert got.format == "xlsx" and got.warnings == []
    assert [t.rows for t in got.tables()] == [t.rows for t in want.tables()] and len(list(got.tables())) > 0
    assert [t.cells for t in got.tables()] == [t.cells for t in want.tables()]
    a, b = build(got, path.name, hash_file(path), "xlsx"), build(want, XLSX.name, hash_file(XLSX), "xlsx")
    fields = ["project_name", "budget_full_year", "executed", "execution_rate", "total_score", "loc_sheet", "loc_cell"]
    assert [[p[f] for f in fields] for p in a.projects] == [[p[f] for f in fields] for p in b.projects]
    assert [(i["level3"], i["score"], i["loc_cell"]) for i in a.indicators] == [
        (i["level3"], i["score"], i["loc_cell"]) for i in b.indicators]


def test_named_number_formats_and_skipped_cells(tmp_path):
    """Excel's named formats render as the workbook reader renders their codes (Percent as 94.75%, Fixed as the number);
    ss:Index skips rows and columns."""
    path = tmp_path / "t.xls"
    path.write_text(HEAD + '<Styles><Style ss:ID="p"><NumberFormat ss:Format="Percent"/></Style>'
                    '<Style ss:ID="f"><NumberFormat ss:Format="Fixed"/></Style></Styles>'
                    '<Worksheet ss:Name="表1"><Table>'
                    '<Row><Cell><Data ss:Type="String">执行率</Data></Cell><Cell ss:StyleID="p"><Data ss:Type="Number">'
                    '0.9475</Data></Cell></Row><Row ss:Index="3"><Cell ss:Index="2" ss:StyleID="f"><Data ss:Type="Number">'
                    '88</Data></Cell><Cell><Data ss:Type="String">万元</Data></Cell></Row></Table></Worksheet></Workbook>',
                    encoding="utf-8")
    blocks = read(path).blocks
    cells = {(a, t) for b in blocks if getattr(b, "cells", None) for ra, rt in zip(b.cells, b.rows) for a, t in zip(ra, rt) if t}
    cells |= {(b.cell, b.text) for b in blocks if getattr(b, "cell", None)}
    assert cells == {("A1", "执行率"), ("B1", "94.75%"), ("B3", "88"), ("C3", "万元")}


@pytest.mark.parametrize("body, message", [
    ('<!DOCTYPE x [<!ENTITY e "x">]>', "DTD"),
    ('<Row ss:Index="99999999"><Cell><Data ss:Type="String">x</Data></Cell></Row>', "超过上限"),
])
def test_hostile_xml_spreadsheets_are_refused(tmp_path, body, message):
    from evalkit.errors import ReadError
    path = tmp_path / "h.xls"
    if body.startswith("<!DOCTYPE"):
        path.write_text('<?xml version="1.0"?>\n' + body + HEAD.split("\n", 2)[2] + "</Workbook>", encoding="utf-8")
    else:
        path.write_text(HEAD + f'<Worksheet ss:Name="a"><Table>{body}</Table></Worksheet></Workbook>', encoding="utf-8")
    with pytest.raises(ReadError, match=message):
        read(path)
