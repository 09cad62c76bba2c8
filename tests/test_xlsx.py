"""The workbook writer on a generated table: every row styled and every formula-like text kept as
text, far below the first rows (each column's style is shared, not recomputed per cell); a table
longer than a sheet continues on numbered sheets.
The reader's streamed cell parsing: values, dates, strings, formulas and row numbering as openpyxl
reads them, and the markup it leaves to openpyxl's own parser."""
import datetime as dt
import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import MAC_EPOCH

from evalkit.model import ReadError
from evalkit.readers import sheets, xlsxparse
from evalkit.readers import xlsx as reader
from evalkit.readers.safety import CellBudget
from evalkit.report import xlsx


def test_every_row_keeps_its_style_and_formula_like_text_stays_text(tmp_path):
    n = 400
    df = pd.DataFrame({"project_name": [f"项目{i}" for i in range(n)],
                       "budget": [1234.5 + i for i in range(n)],
                       "message": ["普通说明"] * n})
    df.loc[0, "project_name"] = "=HYPERLINK(\"http://x\",\"点\")"
    df.loc[n - 1, "message"] = "+1+2 网络设备"
    df.loc[n // 2, "budget"] = None
    wb = xlsx.new_workbook(tmp_path / "t.xlsx")
    xlsx.write_sheet(wb, "表", df)
    wb.close()
    ws = load_workbook(tmp_path / "t.xlsx")["表"]
    last = n + 1
    assert ws.cell(row=2, column=1).value.startswith("=HYPERLINK") and ws.cell(row=2, column=1).data_type == "s"
    assert ws.cell(row=2, column=1).quotePrefix and ws.cell(row=last, column=3).quotePrefix
    assert ws.cell(row=last, column=3).data_type == "s" and ws.cell(row=last, column=3).value == "+1+2 网络设备"
    assert not ws.cell(row=3, column=1).quotePrefix          # the mark is the cell's own, not copied down
    for row in (2, 3, n // 2 + 2, last):
        assert ws.cell(row=row, column=1).font.name == xlsx.FONT
        assert ws.cell(row=row, column=2).number_format == xlsx.FMT_MONEY
    assert ws.cell(row=n // 2 + 2, column=2).value is None
    assert ws.max_row == last


def test_a_table_longer_than_a_sheet_continues_on_numbered_sheets_with_header_styles_and_decisions(
        seed_tables, tmp_path, monkeypatch):
    # Excel holds 1,048,576 rows a sheet; a national corpus's indicators can pass that
    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 7)
    from evalkit import review
    path = xlsx.write_workbook(seed_tables, tmp_path / "summary.xlsx")
    wb = load_workbook(path)
    base = xlsx.TABLE_SHEETS["indicators"]
    n = len(seed_tables["indicators"])
    parts = [wb[t] for t in wb.sheetnames if t == base or t.startswith(base[:31 - 5] + " (")]
    assert len(parts) == -(-n // 7) > 2 and parts[1].title == f"{base} (2)"
    assert [ws.max_row - 1 for ws in parts] == [7] * (len(parts) - 1) + [n - 7 * (len(parts) - 1)]
    header = [c.value for c in parts[0][1]]
    names = [str(h).split("\n")[-1] for h in header]
    key = names.index("project_id"), names.index("line_no")
    got = []
    for ws in parts:
        assert [c.value for c in ws[1]] == header and ws.freeze_panes == "B2"
        assert ws.cell(row=2, column=1).font.name == xlsx.FONT
        got += [(r[key[0]], r[key[1]]) for r in ws.iter_rows(min_row=2, values_only=True)]
    want = set(zip(seed_tables["indicators"]["project_id"], seed_tables["indicators"]["line_no"]))
    assert len(got) == n and set(got) == want                       # every row once, in one of the parts
    findings = [wb[t] for t in wb.sheetnames if t.startswith(xlsx.TABLE_SHEETS["findings"][:20])]
    assert len(findings) > 1
    for ws in findings:                                            # each part keeps its decision drop-down
        assert ws.data_validations.dataValidation[0].formula1 == '"' + ",".join(review.DECISIONS) + '"'
    # a decision filled in on a continuation sheet is imported like one on the first
    second = findings[1]
    cols = [str(c.value).split("\n")[-1] for c in second[1]]
    second.cell(row=2, column=cols.index(review.DECISION_COL) + 1, value="确认")
    findings[0].cell(row=2, column=cols.index(review.DECISION_COL) + 1, value="排除")
    wb.save(path)
    got = review.read_workbook(path).set_index("fingerprint")["decision"]
    fp = cols.index("fingerprint") + 1
    assert got.to_dict() == {second.cell(row=2, column=fp).value: "确认", findings[0].cell(row=2, column=fp).value: "排除"}


# ------------------------------------------------------------------ reading: the streamed cell reader

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def cells_of(path, sheet=0) -> dict:
    """The sheet's cells as {'A1': text} (what read_xlsx builds its tables from)."""
    s = xlsxparse.xlsx_sheets(path, CellBudget("单元格"))[sheet]
    return {f"{sheets.column_name(c)}{r + 1}": t for (r, c), t in s.cells.items()}


def styled_book(tmp_path, epoch=None):
    """An openpyxl workbook whose A1.. carry the number formats; the style id of each format."""
    wb = Workbook()
    if epoch:
        wb.epoch = epoch
    formats = ["0.00%", "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm:ss", "[h]:mm:ss"]
    for i, fmt in enumerate(formats, 1):
        wb.active.cell(1, i, 0.5).number_format = fmt
    wb.save(tmp_path / "styled.xlsx")
    with zipfile.ZipFile(tmp_path / "styled.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    return {fmt: int(re.search(rf'<c r="{chr(64 + i)}1"[^>]*? s="(\d+)"', sheet).group(1))
            for i, fmt in enumerate(formats, 1)}


def with_sheet(tmp_path, rows: str, merges: str = "", strings: str | None = None, name="raw.xlsx"):
    """styled.xlsx with its sheet XML replaced by `rows` (and a shared-string table `strings`)."""
    src, dst = tmp_path / "styled.xlsx", tmp_path / name
    sheet = f'<worksheet xmlns="{MAIN}"><dimension ref="A1"/><sheetData>{rows}</sheetData>{merges}</worksheet>'
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode("utf-8")
            elif strings is not None and info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode())
            elif strings is not None and info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", f'<Relationship Id="rIdS" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                                                         "</Relationships>".encode())
            zout.writestr(info.filename, data)
        if strings is not None:
            zout.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
    return dst


def test_values_render_as_openpyxl_reads_them_percent_dates_times_durations_booleans_errors(tmp_path):
    wb = Workbook()
    ws = wb.active
    values = [(0.12345, "0.00%"), (0.5, "0%"), (45000.5, "yyyy-mm-dd hh:mm:ss"), (45000, "yyyy-mm-dd"),
              (0.25, "hh:mm:ss"), (1.75, "[h]:mm:ss"), (1234.5000000001, "#,##0.00"), (True, None), (False, None),
              ("#DIV/0!", None), (dt.datetime(2024, 3, 1, 8, 30), None), ("a\r\nb", None)]
    for i, (v, fmt) in enumerate(values, 1):
        cell = ws.cell(1, i, v)
        if fmt:
            cell.number_format = fmt
    ws.cell(2, 1, CellRichText([TextBlock(InlineFont(b=True), "富"), "文本"]))
    wb.save(tmp_path / "v.xlsx")
    assert cells_of(tmp_path / "v.xlsx") == {
        "A1": "12.35%", "B1": "50%", "C1": "2023-03-15 12:00:00", "D1": "2023-03-15", "E1": "06:00:00",
        "F1": "1 day, 18:00:00", "G1": "1234.5", "H1": "TRUE", "I1": "FALSE", "J1": "#DIV/0!",
        "K1": "2024-03-01 08:30:00", "L1": "a\nb", "A2": "富文本"}


def test_1904_epoch_and_out_of_range_date_serials(tmp_path):
    st = styled_book(tmp_path, epoch=MAC_EPOCH)
    date = st["yyyy-mm-dd"]
    path = with_sheet(tmp_path, f'<row r="1"><c r="A1" s="{date}"><v>0</v></c><c r="B1" s="{date}"><v>45000</v></c>'
                                f'<c r="C1" s="{date}"><v>59</v></c><c r="D1" s="{date}"><v>1e10</v></c></row>')
    with pytest.warns(UserWarning, match="outside the limits for dates"):
        got = cells_of(path)
    assert got == {"A1": "00:00:00", "B1": "2027-03-16", "C1": "1904-02-29", "D1": "#VALUE!"}
    st = styled_book(tmp_path)          # the 1900 epoch: Excel's phantom 1900-02-29 shifts serials below 61
    path = with_sheet(tmp_path, f'<row r="1"><c r="A1" s="{st["yyyy-mm-dd"]}"><v>59</v></c>'
                                f'<c r="B1" s="{st["yyyy-mm-dd"]}"><v>61</v></c></row>')
    assert cells_of(path) == {"A1": "1900-02-28", "B1": "1900-03-01"}


def test_shared_strings_rich_runs_phonetics_and_escapes(tmp_path):
    styled_book(tmp_path)
    strings = ('<si><t>普通</t></si>'
               '<si><r><rPr><b/></rPr><t>粗</t></r><r><t xml:space="preserve"> 体 </t></r>'
               '<rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></si>'
               '<si><t>a_x005F_x000D_b</t></si><si><t/></si><si><t>注<!-- c -->释</t></si>')
    rows = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDE")) + '<c r="F1" t="s"><v>-1</v></c>'
    assert cells_of(with_sheet(tmp_path, f'<row r="1">{rows}</row>', strings=strings)) == {
        "A1": "普通", "B1": "粗 体 ", "C1": "a_x000D_b", "D1": "", "E1": "注释", "F1": "注释"}
    nested = '<si><t>外</t><si><t>内</t></si></si><si>直接<t>c</t>尾</si><si><t>d</t><t>e</t></si>'   # read by openpyxl
    four = "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD"))
    assert cells_of(with_sheet(tmp_path, f'<row r="1">{four}</row>', strings=nested, name="nested.xlsx")) == {
        "A1": "内", "B1": "外", "C1": "c", "D1": "e"}


def test_inline_strings_formulas_with_and_without_cached_values(tmp_path):
    styled_book(tmp_path)
    rows = ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c><c r="B1"><f>1+1</f></c><c r="C1"><f>1+1</f><v></v></c>'
            '<c r="D1" t="str"><f>""</f><v></v></c><c r="E1" t="str"><f>"x"</f><v>x</v></c><c r="F1"><f/><v/></c>'
            '<c r="G1" t="inlineStr"><is><r><t>多</t></r><r><rPr><i/></rPr><t>段</t></r></is></c>'
            '<c r="H1" t="inlineStr"><is/></c><c r="I1"><v/></c><c r="J1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
            '<c r="K1" t="inlineStr"><is><t/></is></c><c r="L1" t="inlineStr"><is><t>一</t></is></c></row>')
    sheet = xlsxparse.xlsx_sheets(with_sheet(tmp_path, rows), CellBudget("单元格"))[0]
    assert {sheets.column_name(c): t for (_, c), t in sheet.cells.items()} == {
        "A": "2", "E": "x", "G": "多段", "H": "", "J": "#DIV/0!", "K": "", "L": "一"}
    assert sheet.uncached == [(0, 1), (0, 2), (0, 5)]     # D1: t="str" with an empty <v> is a computed ''""


def test_rows_and_cells_without_r_follow_openpyxl_numbering(tmp_path):
    styled_book(tmp_path)
    rows = ('<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>5</v></c><c><v>6</v></c></row>'
            '<row r="4"/><row><c><v>9</v></c></row><row r="7.0"><c><v>7</v></c></row>')
    assert cells_of(with_sheet(tmp_path, rows)) == {"A1": "1", "B1": "2", "E1": "5", "F1": "6", "A5": "9", "A7": "7"}


def test_values_under_a_merge_are_hidden_and_a_long_row_is_read_whole(tmp_path):
    styled_book(tmp_path)
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>合并</t></is></c><c r="B1"><v>7</v></c><c r="C1"><v>3</v></c></row>'
            '<row r="2"><c r="A2"><v>8</v></c><c r="C2"><v>4</v></c></row>')
    path = with_sheet(tmp_path, rows, '<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>', name="m.xlsx")
    sheet = xlsxparse.xlsx_sheets(path, CellBudget("单元格"))[0]
    assert sheet.merges == [(0, 1, 0, 1)] and len(sheet.cells) == 5
    assert sheets.sheet_blocks(sheet) == [([["合并", "3"], ["", "4"]], [["A1", "C1"], ["A2", "C2"]])]
    long_row = "".join(f'<c r="{sheets.column_name(c)}3"><v>{c}</v></c>' for c in range(9000))   # freed as it is read
    sheet = xlsxparse.xlsx_sheets(with_sheet(tmp_path, f'<row r="3">{long_row}</row>'), CellBudget("单元格"))[0]
    assert len(sheet.cells) == 9000 and sheet.cells[(2, 8999)] == "8999" and sheet.cells[(2, 0)] == "0"


@pytest.mark.parametrize("rows, encoding, expected, by_openpyxl", [
    ('<row r="1"><c r="A1"><v>1</v><c r="B1"><v>2</v></c></c></row>', "utf-8", {"A1": "1", "B1": "2"}, True),
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t><row r="5"/></is></c><c><v>2</v></c></row>', "utf-8",
     {"A1": "x", "B5": "2"}, True),                     # a row inside a cell renumbers the cells after it
    ('<row r="1"><c r="A1" t="inlineStr"><is><t>中文</t></is></c></row>', "utf-16", {"A1": "中文"}, False),
])
def test_unusual_markup_reads_as_openpyxl_reads_it(tmp_path, monkeypatch, rows, encoding, expected, by_openpyxl):
    styled_book(tmp_path)
    path = with_sheet(tmp_path, rows)
    if encoding != "utf-8":     # expat, the parser openpyxl uses, decodes it: no need to hand it over
        xml = f'<?xml version="1.0" encoding="{encoding.upper()}"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist()}
        members["xl/worksheets/sheet1.xml"] = xml.encode(encoding)
        with zipfile.ZipFile(path, "w") as z:
            for n, d in members.items():
                z.writestr(n, d)
    calls = []
    monkeypatch.setattr(xlsxparse, "_openpyxl_worksheet", lambda *a, _f=xlsxparse._openpyxl_worksheet: calls.append(1) or _f(*a))
    assert cells_of(path) == expected and bool(calls) == by_openpyxl


def test_a_broken_sheet_fails_with_openpyxls_message(tmp_path):
    styled_book(tmp_path)
    path = with_sheet(tmp_path, '<row r="1"><c r="A1" t="s"><v>5</v></c></row>')
    with pytest.raises(ReadError, match=r"^XLSX 文件已损坏，无法解析（IndexError: list index out of range），"):
        reader.read_xlsx(path, repair=False)


def test_cells_before_a_syntax_error_count_against_the_limit_as_iterparse_yields_them(tmp_path, monkeypatch):
    import evalkit.limits
    from dataclasses import replace
    from evalkit.model import LimitExceeded
    monkeypatch.setattr(evalkit.limits, "LIMITS", replace(evalkit.limits.LIMITS, max_cells=10))
    styled_book(tmp_path)
    cells = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 21))
    over = with_sheet(tmp_path, cells + '<row r="21"><c r="A21"></row>', name="over.xlsx")
    with pytest.raises(LimitExceeded, match=r"^工作簿中有内容的单元格超过上限 10 个（工作表「Sheet」）"):
        reader.read_xlsx(over)
    broken = with_sheet(tmp_path, cells[:200] + '<row r="21"><c r="A21"></row>' + cells, name="broken.xlsx")
    with pytest.raises(ReadError, match=r"^XLSX 文件已损坏，无法解析（ParseError: not well-formed \(invalid token\): line 1, column \d+），"):
        reader.read_xlsx(broken, repair=False)


@pytest.mark.parametrize("head, tail, error", [
    ('<dimension ref="junk"/>', "", r"ValueError: Unable to read workbook: could not read worksheets from "),
    ('<dimension ref="A1" foo="x"/>', "", r"TypeError: SheetDimension.__init__\(\) got an unexpected keyword argument 'foo'"),
    ("<dimension><ref>A1:C3</ref></dimension>", "", r"TypeError: .*SheetDimension'>.ref should be <class 'str'> but value is"),
    ('<sheetPr><x></sheetPr><dimension ref="A1"/>', "", r"ParseError: mismatched tag: line 1, column \d+"),
    ("", '<dimension ref="junk"/>', None),                  # after <sheetData>: openpyxl never reaches it
    ('<dimension xmlns:q="urn:q" q:x="1" ref="A1:B2"/>', "", None),
])
def test_the_dimension_openpyxl_scans_at_load_fails_or_passes_as_before(tmp_path, head, tail, error):
    styled_book(tmp_path)
    path = with_sheet(tmp_path, '<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["xl/worksheets/sheet1.xml"] = (f'<worksheet xmlns="{MAIN}">{head}<sheetData><row r="1"><c r="A1"><v>1</v></c>'
                                           f'</row></sheetData>{tail}</worksheet>').encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    if error is None:
        assert cells_of(path) == {"A1": "1"}
    else:
        with pytest.raises(ReadError, match=rf"^XLSX 文件已损坏，无法解析（{error}"):
            reader.read_xlsx(path, repair=False)
