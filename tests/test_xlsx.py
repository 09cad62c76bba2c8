"""The workbook writer on a generated table: every row styled and every formula-like text kept as
text, far below the first rows (the style of row 2 is copied down, not recomputed per cell)."""
import pandas as pd
from openpyxl import Workbook, load_workbook

from evalkit.report import xlsx


def test_every_row_keeps_its_style_and_formula_like_text_stays_text(tmp_path):
    n = 400
    df = pd.DataFrame({"project_name": [f"项目{i}" for i in range(n)],
                       "budget": [1234.5 + i for i in range(n)],
                       "message": ["普通说明"] * n})
    df.loc[0, "project_name"] = "=HYPERLINK(\"http://x\",\"点\")"
    df.loc[n - 1, "message"] = "+1+2 网络设备"
    df.loc[n // 2, "budget"] = None
    wb = Workbook()
    xlsx.write_sheet(wb, "表", df)
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["表"]
    last = n + 1
    assert ws.cell(row=2, column=1).value.startswith("=HYPERLINK") and ws.cell(row=2, column=1).data_type == "s"
    assert ws.cell(row=2, column=1).quotePrefix and ws.cell(row=last, column=3).quotePrefix
    assert ws.cell(row=last, column=3).data_type == "s" and ws.cell(row=last, column=3).value == "+1+2 网络设备"
    assert not ws.cell(row=3, column=1).quotePrefix          # the mark is the cell's own, not copied down
    for row in (2, 3, n // 2 + 2, last):
        assert ws.cell(row=row, column=1).font.name == xlsx.BODY_FONT.name
        assert ws.cell(row=row, column=2).number_format == xlsx.FMT_MONEY
    assert ws.cell(row=n // 2 + 2, column=2).value is None
    assert ws.max_row == last
