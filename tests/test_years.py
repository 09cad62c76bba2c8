"""A report's fiscal year from its file's name when the document gives none, or when a scan's year was misread."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from conftest import ROOT, seed
from evalkit.ingest import ingest_paths
from evalkit.recognize.statements import path_year


@pytest.mark.parametrize("path,year", [
    ("河北省/张家口市/怀安县/00032_2023年度怀安县民政局项目支出绩效自评表_扫描件.tif", 2023),   # the title as its name
    ("2021年项目支出绩效自评/某县/自评表.pdf", 2021),          # the nearest folder that states one
    ("材料.zip!2022年度/2021年度自评表.docx", 2021),          # the member's own name before its folder
    ("二〇二二年度自评表.pdf", 2022),
    ("公开/（2021年度）.xlsx", 2021),
    ("2024年公开/2023年度绩效自评.pdf", 2023),
    ("2024年公开/自评表.pdf", None),                         # a year of publishing, not the year evaluated
    ("a/2022年度及2023年度自评.pdf", None),                   # two years: none guessed
    ("2019-2023年度自评/自评表.pdf", None),                   # a span of years
    ("2021、2022年度绩效自评.xlsx", None),
    ("12023年度.pdf", None),
    ("自评表/20230315.pdf", None),
])
def test_the_year_a_files_name_states_as_a_title(path, year):
    assert path_year(path) == year


def _yearless(text: str) -> str:
    return re.sub(r"20\d\d(\s*年)", r"本\1", text)


def test_a_report_without_a_year_is_dated_by_its_files_name_and_says_so(tmp_path):
    """Its report, projects and summaries take the name's year; the finding says so; moved to a folder without
    one, the cached result is not dated by its old name."""
    docs = tmp_path / "docs"
    (docs / "2022年度自评").mkdir(parents=True)
    (docs / "2022年度自评" / "君山区自评表.txt").write_text(_yearless(seed("004").read_text(encoding="utf-8")),
                                                         encoding="utf-8")
    out = tmp_path / "clean"
    t = ingest_paths([docs], out)
    rep = t["reports"].iloc[0]
    assert (rep["fiscal_year"], rep["year_source"]) == (2022, "文件路径")
    assert t["projects"]["fiscal_year"].tolist() == [2022] * len(t["projects"]) and len(t["projects"])
    f = t["findings"].set_index("rule")
    assert f.loc["year_from_path", "severity"] == "info"
    assert "按文件名“君山区自评表.txt”（或其所在文件夹）归入2022年度" in f.loc["year_from_path", "message"]
    shutil.move(docs / "2022年度自评", docs / "自评")
    stats: dict = {}
    moved = ingest_paths([docs], out, stats=stats)
    assert stats["from_cache"] == 1 and stats["parsed"] == 0
    assert pd.isna(moved["reports"]["fiscal_year"].iloc[0]) and pd.isna(moved["reports"]["year_source"].iloc[0])
    assert moved["projects"]["fiscal_year"].isna().all()
    assert "year_from_path" not in set(moved["findings"]["rule"])


def test_a_year_the_document_states_is_kept_and_a_name_saying_another_is_pointed_out(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(seed("004"), docs / "2023年度君山区财政局项目支出绩效自评表.txt")    # seed 004 evaluates 2022
    shutil.copy(seed("000"), docs / "2021年度绩效自评报告.txt")                       # seed 000: 2021, as named
    t = ingest_paths([docs], tmp_path / "clean")
    rep = t["reports"].set_index("source_file")
    assert rep["fiscal_year"].to_dict() == {"2021年度绩效自评报告.txt": 2021,
                                            "2023年度君山区财政局项目支出绩效自评表.txt": 2022}
    assert set(rep["year_source"]) == {"文档"}
    f = t["findings"][t["findings"]["rule"].str.startswith("year_")]
    assert f["rule"].tolist() == ["year_differs_from_path"] and f["severity"].tolist() == ["warning"]
    assert f["source_file"].tolist() == ["2023年度君山区财政局项目支出绩效自评表.txt"]
    assert "文件写明的年度是2022年度，文件名“2023年度君山区财政局项目支出绩效自评表.txt”（或其所在文件夹）却是2023年度" in f["message"].iloc[0]


def test_a_scans_year_that_differs_from_its_name_is_taken_from_the_name_and_noted(tmp_path):
    """OCR read the scan's title year (2024); its name says 2023: a seal's ring over a digit reads 2022 as 2027, so
    the name is taken, what OCR read kept in the reading notes."""
    pytest.importorskip("rapidocr_onnxruntime")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(ROOT / "tests" / "fixtures" / "scans" / "doc_no_black_and_white.tif",
                docs / "2023年度项目支出绩效自评表.tif")
    t = ingest_paths([docs], tmp_path / "clean")
    rep = t["reports"].iloc[0]
    assert rep["ocr_pages"] == "1"
    assert (rep["fiscal_year"], rep["year_source"]) == (2023, "文件路径")
    assert set(t["projects"]["fiscal_year"]) == {2023}
    assert any("扫描件识别出的年度是2024年度" in n and "已按文件名计入2023年度" in n
               for n in json.loads(rep["reading_notes"]))
    assert "year_from_path" in set(t["findings"]["rule"])


def test_inspect_shows_the_year_as_ingest_dates_the_report(tmp_path, capsys):
    from evalkit.cli import main
    folder = tmp_path / "2022年度自评"
    folder.mkdir()
    (folder / "君山区自评表.txt").write_text(_yearless(seed("004").read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copy(seed("004"), folder / "君山区自评表（原件）.txt")     # states 2022 itself
    assert main(["inspect", str(folder / "君山区自评表.txt")]) == 0
    assert "年度 2022（按文件名；文件中没有年度）" in capsys.readouterr().out
    assert main(["inspect", str(folder / "君山区自评表（原件）.txt")]) == 0
    out = capsys.readouterr().out
    assert "年度 2022，" in out and "按文件名" not in out
