"""`evalkit inspect`: the document model and each row's reading, on a seed and the xlsx/docx fixtures."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "raw" / "000_4437187f700bfd5f.txt"
FIXTURES = ROOT / "tests" / "fixtures"


def _dump(capsys, path: Path, *args: str) -> dict:
    assert main(["inspect", str(path), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def _rows(dump: dict, table: int) -> dict[int, dict]:
    t = next(b for b in dump["blocks"] if b["type"] == "table" and b["number"] == table)
    return {r["row"]: r for r in t["rows"]}


def _one(row: dict) -> dict:
    assert len(row["decisions"]) == 1, row
    return row["decisions"][0]


def test_seed_rows_decisions(capsys):
    d = _dump(capsys, SEED)
    assert (d["format"], d["tables"]) == ("txt", 8)
    para = next(b for b in d["blocks"] if b["type"] == "paragraph" and b["number"] == 2)
    assert _one(para)["kind"] == "project" and _one(para)["fields"] == {"project_name": "医保办公运行补助"}
    budget = _rows(d, 2)
    assert _one(budget[3]) == {"kind": "key_value", "label": "标签-数值", "cells": budget[3]["decisions"][0]["cells"],
                               "roles": {}, "fields": {"budget_initial": 8.0}, "why": None}
    assert _one(budget[5])["kind"] == "ignored"                          # 实际到位资金: no vocabulary for it
    ind = _rows(d, 8)
    header = _one(ind[2])
    assert header["kind"] == "indicator_header"
    assert header["roles"] == {"0": "level1", "1": "level2", "2": "level3", "3": "weight", "4": "target",
                               "5": "actual", "6": "ignore", "7": "score", "8": "deviation"}
    line = _one(ind[3])
    assert line["kind"] == "budget_line" and line["fields"]["execution_rate"] == "95%" and line["why"] == "按位置"
    line = _one(ind[5])
    assert line["kind"] == "indicator"
    assert line["fields"] == {"level1": "产出指标", "level2": "数量指标", "level3": "医保政策宣传单", "target": "2",
                              "actual": "1万张", "weight": 12.5, "score": 6.25, "deviation_reason": "因工作实际情况调整"}
    assert d["report"]["stated_overall_score"] == 93.25 and d["projects"][0]["n_indicators"] == 7
    assert d["place"] == {"county": "曲沃县", "city": "临汾市", "province": "山西省", "source": "单位名称"}


def test_seed_text_view_of_one_table(capsys):
    assert main(["inspect", str(SEED), "--table", "8"]) == 0
    out = capsys.readouterr().out
    assert "表格 8（10 行 × 9 列）" in out and "表格 2（" not in out and "段落  1" not in out
    assert "→ 表头·指标表：" in out and "完成率→（不读）" in out and "指标得分→得分" in out
    assert "→ 预算执行行（按位置）" in out
    assert "识别结果：1 个项目，7 条指标" in out
    assert "落款日期 2022-02" in out                    # seed 000 is dated 2022年2月 (no day)
    assert "所属地区：山西省、临汾市、曲沃县（依据：单位名称）" in out


def test_inspect_says_where_the_report_is_placed_and_from_what(tmp_path, capsys):
    # the agency misread (no such county), the file filed under its county: placed by the path, as ingest does
    folder = tmp_path / "广东省" / "韶关市" / "浈江区"
    folder.mkdir(parents=True)
    f = folder / "自评表.txt"
    f.write_text(SEED.read_text(encoding="utf-8").replace("曲沃县", "淡江区"), encoding="utf-8")
    assert main(["inspect", str(f)]) == 0
    assert "所属地区：广东省、韶关市、浈江区（依据：文件路径）" in capsys.readouterr().out
    g = tmp_path / "别处.txt"
    g.write_text(SEED.read_text(encoding="utf-8").replace("曲沃县", "淡江区"), encoding="utf-8")
    assert main(["inspect", str(g)]) == 0
    assert "所属地区：未能确定" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["fixture_xlsx.xlsx", "fixture_docx.docx"])
def test_office_fixture_rows_decisions(capsys, name):
    d = _dump(capsys, FIXTURES / name, "--table", "1")
    assert [b["number"] for b in d["blocks"]] == [1]                     # --table: that table only
    rows = _rows(d, 1)
    assert _one(rows[1])["fields"] == {"project_name": "退役军人辅助性岗位经费"}
    header = _one(rows[3])
    assert header["kind"] == "budget_header"
    assert header["roles"] == {"2": "budget_initial", "3": "budget_full_year", "4": "executed",
                               "5": "budget_weight", "6": "execution_rate", "7": "budget_score"}
    assert _one(rows[4])["kind"] == "budget_total" and _one(rows[4])["fields"]["executed"] == 5.18
    part = _one(rows[5])                                                # 其中：当年财政拨款, after the total
    assert part["kind"] == "budget_part" and part["fields"]["part"] == "其中：当年财政拨款"
    assert part["fields"]["executed"] == 5.18
    assert _one(rows[10])["kind"] == "indicator_header"
    assert _one(rows[14])["fields"]["level3"] == "年发放工资、保险费用"
    assert _one(rows[18])["kind"] == "total"
    assert _one(rows[18])["fields"] == {"total_score": 97.75, "max_score": 100.0}


def test_unknown_header_words_are_named(tmp_path, capsys):
    f = tmp_path / "new.md"
    f.write_text("| 考核项目 | 考核内容 | 目标 | 实际 | 分值 | 得分 |\n|---|---|---|---|---|---|\n"
                 "| 产出 | 培训 | 10 | 10 | 5 | 5 |\n", encoding="utf-8")
    assert main(["inspect", str(f)]) == 0
    out = capsys.readouterr().out
    assert "像指标表表头，但缺少指标名称列" in out and "未识别的表头词：考核项目、考核内容、目标、实际" in out
    assert "未识别出项目自评表" in out


def test_missing_file_is_a_usage_error(tmp_path, capsys):
    assert main(["inspect", str(tmp_path / "nope.docx")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_inspect_html_highlights_fed_cells_and_pins_findings(seed_clean, tmp_path):
    """The page shows each table row with its reading; the cells that fed fields are marked, and the
    dataset's findings for this file sit on the row they are about; document text is escaped."""
    import re
    import subprocess
    import sys

    from conftest import seed
    from evalkit import load
    src = seed("003")
    clean = seed_clean[0]
    out = tmp_path / "view.html"
    r = subprocess.run([sys.executable, "-m", "evalkit", "inspect", str(src), "--html", str(out),
                        "--dir", str(clean)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    t = load(clean)
    rid = t["reports"].loc[t["reports"]["source_file"] == src.name, "report_id"].iloc[0]
    f = t["findings"][(t["findings"]["report_id"] == rid) & t["findings"]["loc_table"].notna()]
    assert len(f) and page.count("class='finding ") == len(f)
    one = f.iloc[0]
    rows = re.findall(r"<tr id='t\d+-r(\d+)' class='[a-z]+'><td class='no'>\1</td>(.*?)</tr>", page)
    tables = page.split("<h2>表格 ")[1:]
    block = tables[int(one["loc_table"]) - 1]
    row = re.search(rf"<td class='no'>{int(one['loc_row'])}</td>(.*?)</tr>", block).group(1)
    assert one["message"][:10] in row
    assert rows and page.count("class='c fed'") > 50 and "→一级指标" in page
    again = subprocess.run([sys.executable, "-m", "evalkit", "inspect", str(src), "--html", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "拒绝写入" in again.stderr


def test_inspect_html_escapes_document_text(tmp_path):
    from evalkit.readers import read
    from evalkit.recognize import recognize
    from evalkit.recognize.explain import as_html
    p = tmp_path / "x.txt"
    p.write_text("项目名称\t<script>alert(1)</script>\n一级指标\t二级指标\t三级指标\t分值\t得分\n", encoding="utf-8")
    doc = read(p)
    page = as_html(doc, recognize(doc))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_report_inside_an_archive_is_inspected_by_its_ledger_name(tmp_path, capsys, monkeypatch):
    """`ingest` names an archive's reports `自评材料.zip!大厂县/2022年/x.docx`; inspect takes that name (nested
    archives too), reads the member from a temp folder it removes, and, given the archive itself, says what
    it holds."""
    import tempfile
    stage = tmp_path / "tmp"
    stage.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(stage))
    archive = FIXTURES / "archives" / "自评材料.zip"
    spec = f"{archive}!大厂县/2022年/fixture_docx.docx"
    dump = _dump(capsys, Path(spec))
    assert dump["file"] == spec and dump["format"] == "docx" and dump["tables"] >= 2
    nested = _dump(capsys, Path(f"{archive}!附件.zip!附件/fixture_xls.xls"))
    assert nested["tables"] >= 2
    assert list(stage.iterdir()) == []
    assert main(["inspect", str(archive)]) == 2
    err = capsys.readouterr().err
    assert f"{archive} 是压缩包，其中的报告文件：{archive}!大厂县/2022年/fixture_docx.docx、" in err
    assert f"{archive}!附件.zip!附件/fixture_xls.xls" in err
    assert main(["inspect", f"{archive}!大厂县/没有.pdf"]) == 2
    assert f"压缩包 {archive} 中没有 大厂县/没有.pdf；其中的报告文件：" in capsys.readouterr().err
    assert list(stage.iterdir()) == []


def test_a_file_is_inspected_by_the_name_the_ledger_shows(tmp_path, capsys):
    """`unzip` on Linux leaves GBK names (bytes) the ledger shows decoded, and a GBK name beside the same name in UTF-8
    is shown `报告（2）.txt`: before, `evalkit inspect` found no file by either name. Each name the ledger shows now
    opens the file read under it (the same projects), a folder's GBK name too."""
    import os
    import shutil

    from evalkit.ingest import ingest_paths
    seeds = sorted((ROOT / "data" / "raw").glob("0*_*.txt"))
    folder = os.fsencode(tmp_path) + b"/" + "曲沃县".encode("gbk")
    os.mkdir(folder)
    shutil.copy(seeds[0], folder + b"/" + "报告.txt".encode("gbk"))
    shutil.copy(seeds[1], folder + "/报告.txt".encode())
    shutil.copy(seeds[2], folder + b"/" + "说明.txt".encode("gbk"))
    tables = ingest_paths([tmp_path], checks=False)
    names = sorted(tables["reports"]["source_file"])
    assert names == ["曲沃县/报告.txt", "曲沃县/报告（2）.txt", "曲沃县/说明.txt"]
    projects = tables["projects"]
    for name in names:
        dump = _dump(capsys, tmp_path / name)
        assert ([p["project_name"] for p in dump["projects"]]
                == projects.loc[projects["source_file"] == name, "project_name"].tolist()), name
    assert main(["inspect", str(tmp_path / "曲沃县" / "报告（3）.txt")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_inspect_pictures_draws_a_pdf_page_as_its_text_layer_was_read(tmp_path, capsys):
    """`--pictures` on a PDF read from its text layer: each page with its table cells in blue and its lines outside
    tables in red, drawn where the reader placed them (here a table without rulings, rebuilt from its text): the box
    of 总分's 得分 cell on page 2 holds that figure's ink."""
    import numpy as np
    from PIL import Image

    from evalkit.readers.pdf import read_pdf
    from evalkit.recognize.explain import PDF_VIEW_DPI

    pdf = FIXTURES / "pages" / "pages_borderless.pdf"
    assert main(["inspect", str(pdf), "--pictures", str(tmp_path / "图")]) == 0
    assert "已写入" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "图").iterdir()) == [f"pages_borderless_第{n}页.png" for n in range(1, 6)]
    table = next(read_pdf(pdf).tables())
    r = next(k for k, row in enumerate(table.rows) if row[0] == "总分" and table.pages[k] == 2)
    loc = table.loc(r, 7)
    img = np.asarray(Image.open(tmp_path / "图" / "pages_borderless_第2页.png").convert("RGB"))
    k = PDF_VIEW_DPI / 72
    x0, top, x1, bottom = (round(v * k) for v in loc.bbox)
    blue = (img[..., 2] > 200) & (img[..., 0] < 60)
    assert blue[top - 2:top + 3, x0:x1].any() and blue[top:bottom, x0 - 2:x0 + 3].any()   # its box drawn
    ink = img[top + 3:bottom - 2, x0 + 3:x1 - 2].min(axis=2) < 100
    assert ink.sum() > 20                                                                  # around its figure
    first = np.asarray(Image.open(tmp_path / "图" / "pages_borderless_第1页.png").convert("RGB"))
    red = (first[..., 0] > 200) & (first[..., 2] < 80) & (first[..., 1] < 80)
    assert red.sum() > 200                                             # the title lines above the first table
