"""A report saved as CSV (Excel's 另存为 CSV: GBK on Chinese Windows, UTF-8 with a BOM, a `sep=` line, tabs) is
read as the sheet it came from: the xlsx fixture's first sheet written as CSV reaches that fixture's truth."""
import csv

import openpyxl
import pandas as pd
import pytest

from conftest import ROOT
from evalkit.ingest import ingest_paths
from evalkit.readers import format_of, read
from evalkit.readers.delimited import dialect
from test_layouts import INDICATOR_FIELDS, PROJECT_FIELDS, same

FIXTURES = ROOT / "tests" / "fixtures"
SEED = "fixture_xlsx.xlsx"


def sheet_rows() -> list[list[str]]:
    """The fixture's report sheet as Excel shows it (a merged range's value in its top-left cell only)."""
    ws = openpyxl.load_workbook(FIXTURES / SEED, data_only=True).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


def write(path, encoding="utf-8-sig", delimiter=",", sep_line=False):
    with open(path, "w", encoding=encoding, newline="") as f:
        if sep_line:
            f.write(f"sep={delimiter}\r\n")
        csv.writer(f, delimiter=delimiter).writerows(sheet_rows())
    return path


VARIANTS = {"utf8_bom.csv": {}, "gbk.csv": {"encoding": "gbk"}, "semicolon.csv": {"encoding": "utf-8", "delimiter": ";", "sep_line": True},
            "tabs_utf16.csv": {"encoding": "utf-16", "delimiter": "\t"}}


@pytest.fixture(scope="module")
def csv_tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csv")
    for name, kw in VARIANTS.items():
        write(folder / name, **kw)
    return ingest_paths([folder], None, keep_format_copies=True)


def truth(table: str) -> pd.DataFrame:
    t = pd.read_csv(FIXTURES / "truth" / f"{table}.csv", dtype=str, keep_default_na=False)
    return t[t["seed"] == SEED]


@pytest.mark.parametrize("name", VARIANTS)
def test_a_csv_export_of_the_report_sheet_reaches_its_truth(csv_tables, name):
    rep = csv_tables["reports"].set_index("source_file")
    assert rep.loc[name, "status"] == "ok" and rep.loc[name, "format"] == "csv"
    got_p = csv_tables["projects"][csv_tables["projects"]["source_file"] == name]
    want_p = truth("projects")
    assert len(got_p) == len(want_p) > 0
    for _, t in want_p.iterrows():
        g = got_p[got_p["project_name"] == t["project_name"]].iloc[0]
        assert not {f: (t[f], g[f]) for f in PROJECT_FIELDS if not same(t[f], g[f])}, t["project_name"]
    got_i = csv_tables["indicators"][csv_tables["indicators"]["source_file"] == name]
    want_i = truth("indicators")
    assert list(got_i["level3"]) == list(want_i["level3"])
    for (_, t), (_, g) in zip(want_i.iterrows(), got_i.iterrows()):
        assert not {f: (t[f], g[f]) for f in INDICATOR_FIELDS if not same(t[f], g[f])}, t["level3"]


def test_a_figure_is_located_at_the_cell_excel_shows(csv_tables):
    """Each indicator's score cell is addressed as Excel addresses the CSV (sheet = file name, D7), and the CSV
    holds the score there."""
    rows = sheet_rows()
    ind = csv_tables["indicators"]
    ind = ind[ind["source_file"] == "utf8_bom.csv"]
    assert len(ind) == len(truth("indicators")) and ind["loc_sheet"].eq("utf8_bom").all()
    for cell, score, where in zip(ind["loc_cell"], ind["score"], ind["location"]):
        assert where == f"工作表“utf8_bom” {cell}"
        value = rows[int(cell[1:]) - 1][ord(cell[0]) - ord("A")]        # the fixture is narrower than column Z
        assert same(value, score), (cell, value, score)


def test_the_same_report_in_four_encodings_is_counted_once(tmp_path):
    for name, kw in VARIANTS.items():
        write(tmp_path / name, **kw)
    t = ingest_paths([tmp_path], None)
    status = t["reports"].set_index("source_file")["status"]
    assert sorted(status) == ["duplicate"] * 3 + ["ok"]
    assert len(t["projects"]) == len(truth("projects"))


@pytest.mark.parametrize("text, sep", [("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"),
                                       ("sep=|\na|b\n", "|"), ("项目名称\n某项目\n", ",")])
def test_the_separator_is_found(text, sep):
    kind, rest = dialect(text)
    assert kind.delimiter == sep and not rest.startswith("sep=")


def test_csv_is_a_known_format_and_an_empty_separator_only_or_huge_cell_file_fails_in_chinese(tmp_path):
    from evalkit.errors import ReadError
    assert format_of(tmp_path / "x.CSV") == "csv"
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "commas.csv").write_text(",,,\n,,\n", encoding="utf-8")
    (tmp_path / "huge_cell.csv").write_text('项目名称,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    for name, words in (("empty.csv", "CSV 文件为空"), ("commas.csv", "没有内容"),
                        ("huge_cell.csv", "CSV 文件第 1 行无法按“,”分隔读取（有单元格超过 131,072 个字符）")):
        with pytest.raises(ReadError, match=words):
            read(tmp_path / name)
