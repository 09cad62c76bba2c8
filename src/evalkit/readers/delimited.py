"""CSV reader: a self-evaluation table saved or exported as comma-separated values (or tab-, semicolon- or
bar-separated), read as Excel opens it: one sheet named after the file, split into blocks and addressed
(D7) as an .xlsx sheet is (readers/xlsx.py), so a finding points at the cell the analyst sees.

The bytes are decoded as a text export's (readers/text.py: UTF-8 with or without BOM, GB18030/GBK, Big5,
UTF-16 …; damage read with a warning); the separator is Excel's `sep=` first line when there is one, else
what csv.Sniffer finds among DELIMITERS, else the one the first lines hold most of.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from evalkit.model import Document, ReadError
from evalkit.readers.safety import CellBudget, read_text_file

DELIMITERS = ",\t;|"
SEP_LINE = re.compile(r"^\ufeff?sep=(.)\r?$")   # Excel's separator hint, the file's first line
SAMPLE_CHARS = 64 * 1024


def _excel_with(delimiter: str, quotechar: str = '"') -> type[csv.Dialect]:
    """Excel's CSV dialect with another separator (and quote)."""
    return type("ExcelWith", (csv.excel,), {"delimiter": delimiter, "quotechar": quotechar})


def dialect(text: str) -> tuple[type[csv.Dialect], str]:
    """(the dialect, the text without a `sep=` line) of a CSV text."""
    first, _, rest = text.partition("\n")
    m = SEP_LINE.match(first)
    if m:
        return _excel_with(m.group(1)), rest
    sample = text[:SAMPLE_CHARS]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        return _excel_with(found.delimiter, found.quotechar or '"'), text
    except csv.Error:                      # one column, or rows of unequal length: count the separators
        lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
        best = max(DELIMITERS, key=lambda d: sum(ln.count(d) for ln in lines))
        return _excel_with(best if any(best in ln for ln in lines) else ","), text


def read_csv(path: Path) -> Document:
    """Read a .csv file into the blocks of one sheet; ReadError (Chinese) when it cannot be read."""
    from evalkit.readers.text import decode
    from evalkit.readers.sheets import Sheet, sheet_document_blocks

    path = Path(path)
    raw = read_text_file(path, "CSV ")
    if not raw:
        raise ReadError("CSV 文件为空（0 字节）")
    text, warnings = decode(raw)
    if not text.strip():
        raise ReadError("CSV 文件只有空白字符，没有内容")
    kind, text = dialect(text)
    budget = CellBudget("CSV 文件中有内容的单元格", "请删除无关的行或列后另存再导入")
    cells: dict[tuple[int, int], str] = {}
    reader = csv.reader(io.StringIO(text, newline=""), kind)
    try:
        for r, row in enumerate(reader):
            filled = [(c, v) for c, v in enumerate(row) if v.strip()]
            budget.take(len(filled))
            cells.update(((r, c), v) for c, v in filled)
    except csv.Error as e:              # a cell past csv's field size limit, a NUL the decoder left
        why = f"有单元格超过 {csv.field_size_limit():,} 个字符" if "field limit" in str(e) else str(e)
        raise ReadError(f"CSV 文件第 {reader.line_num} 行无法按“{kind.delimiter}”分隔读取（{why}）："
                        "请在 Excel 中打开后另存为 .xlsx 再导入") from None
    if not cells:
        raise ReadError("CSV 文件中没有内容（只有分隔符）")
    sheet = Sheet(title=path.stem, cells=cells, merges=[])
    dense = CellBudget("CSV 表格展开后的单元格", "多半是表格旁边很远处还有零星内容，请删除后另存再导入")
    blocks = sheet_document_blocks(sheet, dense)
    return Document(source=str(path), format="csv", blocks=blocks, warnings=warnings + sheet.warnings)
