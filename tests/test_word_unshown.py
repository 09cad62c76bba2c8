"""What Word neither shows as content nor prints is not read: a content control's placeholder (“单击或点击此处输入文字。”,
shown while nothing was filled in) is an empty field, and hidden text (w:vanish) is left out and counted in
`hidden_content`."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import ROOT
from evalkit.ingest import ingest_paths
from evalkit.readers import read

DOCX = ROOT / "tests" / "fixtures" / "fixture_docx.docx"
PLACEHOLDER = "单击或点击此处输入文字。"


def with_unshown_text(path):
    """The fixture with, on the 成本指标 line scored 18.5 of 20, a content control left at its placeholder in the
    empty 偏差原因 cell and a hidden fill-in note after the score."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    d = docx.Document(DOCX)
    row = d.tables[0].rows[13]
    assert row.cells[3].text == "年发放工资、保险费用" and row.cells[8].text == ""
    row.cells[8].paragraphs[0]._p.append(parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr><w:id w:val=\"1\"/><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:rPr>"
        f"<w:rStyle w:val=\"PlaceholderText\"/></w:rPr><w:t>{PLACEHOLDER}</w:t></w:r></w:sdtContent></w:sdt>"))
    row.cells[7].paragraphs[0].add_run("（填写说明：得分保留两位小数）").font.hidden = True
    d.save(path)
    return path


def test_a_placeholder_is_no_value_and_hidden_text_is_not_read(tmp_path):
    """The tables read as the fixture's; the line's 偏差原因 stays empty, so the deduction without a reason is still
    found (before: the placeholder read as its reason, the finding lost, and the score cell unreadable); the hidden
    text is named for a reviewer (finding hidden_content)."""
    path = with_unshown_text(tmp_path / "自评.docx")
    assert [t.rows for t in read(path).tables()] == [t.rows for t in read(DOCX).tables()]
    alone = ingest_paths([DOCX], None, cache_dir=False)
    t = ingest_paths([path], None, cache_dir=False)
    line = t["indicators"].set_index("level3").loc["年发放工资、保险费用"]
    assert line["score"] == 18.5 and pd.isna(line["deviation_reason"])
    assert sorted(t["findings"]["rule"]) == sorted([*alone["findings"]["rule"], "hidden_content"])
    assert "indicator_deduction_no_reason" in set(t["findings"]["rule"])
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == ["Word 隐藏文字 1 处"]


def test_a_filled_in_content_control_is_read(tmp_path):
    """A content control whose placeholder was replaced (no showingPlcHdr) is read as any text."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    d = docx.Document(DOCX)
    d.tables[0].rows[13].cells[8].paragraphs[0]._p.append(parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr><w:id w:val=\"1\"/></w:sdtPr><w:sdtContent><w:r><w:t>人员调整，费用节约</w:t>"
        "</w:r></w:sdtContent></w:sdt>"))
    d.save(tmp_path / "填写.docx")
    rows = [t.rows for t in read(tmp_path / "填写.docx").tables()]
    assert rows[0][13][-1] == "人员调整，费用节约"


def _corrected(tmp_path):
    """The fixture with the old score 18.5 struck through and 17.5 typed after it; the line above's score 10
    underlined (an underline is not a strike)."""
    import docx
    d = docx.Document(DOCX)
    cell = d.tables[0].rows[13].cells[7]
    assert cell.text == "18.5"
    cell.paragraphs[0].runs[0].font.strike = True
    cell.paragraphs[0].add_run("17.5")
    d.tables[0].rows[12].cells[7].paragraphs[0].runs[0].font.underline = True
    d.save(tmp_path / "更正.docx")
    return tmp_path / "更正.docx"


def test_text_struck_through_is_not_read_and_is_named(tmp_path):
    """A corrected figure: the old score 18.5 struck through, 17.5 typed after it. Before, the cell read 18.517.5
    (no number: the score lost); now 17.5, and the struck text is named for a reviewer (hidden_content)."""
    t = ingest_paths([_corrected(tmp_path)], None, cache_dir=False)
    assert t["indicators"].set_index("level3").loc["年发放工资、保险费用", "score"] == 17.5
    assert (t["indicators"].set_index("level3").loc["工资发放及时性", "score"] == 10).all()
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == ["Word 删除线文字 1 处"]
    found = t["findings"][t["findings"]["rule"] == "hidden_content"]
    assert len(found) == 1 and "带删除线的文字表示已删去" in found.iloc[0]["message"]


def test_text_struck_through_in_a_pdf_of_the_document_is_not_read(tmp_path):
    """The same document printed to PDF by LibreOffice: the strike is a line across the glyphs' middle (18. and 5:
    the narrow cell wraps 18.517.5). Before, the cell read 18.517.5 again; now 17.5, the struck glyphs named by
    page; the underlined 10 (a line at the glyphs' foot) is read."""
    pdf = _soffice_pdf(_corrected(tmp_path), tmp_path)
    t = ingest_paths([pdf], None, cache_dir=False)
    assert t["reports"]["status"].iloc[0] == "ok"
    assert t["indicators"].set_index("level3").loc["年发放工资、保险费用", "score"] == 17.5
    assert (t["indicators"].set_index("level3").loc["工资发放及时性", "score"] == 10).all()
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == ["第 1 页删除线文字“18.”", "第 1 页删除线文字“5”"]
    found = t["findings"][t["findings"]["rule"] == "hidden_content"]
    assert len(found) == 1 and "带删除线的文字表示已删去" in found.iloc[0]["message"]


def _whitened(tmp_path, styled: bool = False):
    """The fixture with the old score 18.5 coloured white (prints as nothing) and 17.5 typed after it, and the
    header cell 得分 shaded black with white text; `styled`: the second table in a table style that shades its
    header row, its header cell 分值 in white (on that shading)."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import RGBColor

    d = docx.Document(DOCX)
    cell = d.tables[0].rows[13].cells[7]
    cell.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    cell.paragraphs[0].add_run("17.5")
    header = d.tables[0].rows[9].cells[7]
    assert header.text == "得分"
    header._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="000000"/>'))
    header.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    if styled:
        d.tables[1].style = "Medium Shading 1 Accent 1"
        weight = d.tables[1].rows[9].cells[6]
        assert weight.text == "分值"
        weight.paragraphs[0].runs[0].font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
    d.save(tmp_path / "白色.docx")
    return tmp_path / "白色.docx"


@pytest.mark.parametrize("as_pdf", [False, True], ids=["docx", "pdf"])
def test_white_text_on_no_fill_is_not_read_and_white_on_a_dark_cell_is(tmp_path, as_pdf):
    """The old score 18.5 coloured white (prints as nothing) with 17.5 typed after it: read 17.5, named in
    hidden_content (before: 18.517.5, the score lost); a header cell shaded black with white text is read. The same
    document printed to PDF by LibreOffice likewise (the narrow cell wraps 18.517.5: the white text is 18. and 5).
    In Word, white text in a table whose style shades it (a dark header row) is read too."""
    path = _whitened(tmp_path, styled=not as_pdf)
    if as_pdf:
        path = _soffice_pdf(path, tmp_path)
    t = ingest_paths([path], None, cache_dir=False)
    assert t["indicators"].set_index("level3").loc["年发放工资、保险费用", "score"] == 17.5
    assert len(t["indicators"]) == len(ingest_paths([DOCX], None, checks=False, cache_dir=False)["indicators"])
    assert t["indicators"]["weight"].notna().all()              # the headers 得分 and 分值 were read
    assert json.loads(t["reports"]["hidden_content"].iloc[0]) == (["第 1 页白色文字“18.”", "第 1 页白色文字“5”"] if as_pdf else ["Word 白色文字 1 处"])


def _soffice_pdf(path, tmp_path):
    import shutil
    import sys
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice (soffice) 不可用")
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    from make_page_fixtures import soffice_pdf
    return soffice_pdf(path, tmp_path)


RADICALS = {"一": "\u2f00", "二": "\u2f06", "目": "\u2f6c", "自": "\u2f83", "金": "\u2fa6", "行": "\u2f8f"}


@pytest.mark.parametrize("as_pdf", [False, True], ids=["docx", "pdf"])
def test_kangxi_radicals_in_the_text_read_as_the_common_characters(tmp_path, as_pdf):
    """Text whose 一, 二, 目, 自, 金, 行 are the look-alike Kangxi radicals (⼀ U+2F00 …), as some PDF producers and
    PDF-to-Word converters write them: before, ⼀级指标 and 项⽬名称 matched no header word and the file read as no
    自评表; now it reads as the fixture, with a reading note."""
    import docx
    d = docx.Document(DOCX)
    swap = str.maketrans(RADICALS)
    for t in [cell for table in d.tables for row in table.rows for cell in row.cells]:
        for p in t.paragraphs:
            for r in p.runs:
                r.text = r.text.translate(swap)
    d.save(tmp_path / "部首.docx")
    path = _soffice_pdf(tmp_path / "部首.docx", tmp_path) if as_pdf else tmp_path / "部首.docx"
    if as_pdf:
        import pdfplumber
        with pdfplumber.open(path) as pdf:
            assert "\u2f00级指标" in pdf.pages[0].extract_text()
    alone = ingest_paths([DOCX], None, checks=False, cache_dir=False)
    t = ingest_paths([path], None, checks=False, cache_dir=False)
    cols = ["project_name", "level1", "level2", "level3", "target", "actual", "weight", "score"]
    assert t["indicators"][cols].astype(str).values.tolist() == alone["indicators"][cols].astype(str).values.tolist()
    notes = json.loads(t["reports"]["reading_notes"].iloc[0])
    assert any(n.startswith("文字中有") and "康熙部首" in n for n in notes)


def test_labels_marked_as_required_fields_are_read(tmp_path):
    """A template that marks the fields to fill in (*项目名称, 主管部门*, 三级指标★, 得分＊): before, *项目名称 named
    no project and the marked header words no column; now the file reads as the fixture."""
    import docx
    d = docx.Document(DOCX)
    marks = {"项目名称": "*项目名称", "主管部门": "主管部门*", "三级指标": "三级指标★", "得分": "得分＊"}
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    if p.text in marks and p.runs:
                        p.runs[0].text, rest = marks[p.text], p.runs[1:]
                        for r in rest:
                            r.text = ""
    d.save(tmp_path / "必填.docx")
    alone = ingest_paths([DOCX], None, checks=False, cache_dir=False)
    t = ingest_paths([tmp_path / "必填.docx"], None, checks=False, cache_dir=False)
    cols = ["project_name", "agency", "budget_full_year", "total_score"]
    assert t["projects"][cols].astype(str).values.tolist() == alone["projects"][cols].astype(str).values.tolist()
    lines = ["level1", "level2", "level3", "weight", "score"]
    assert t["indicators"][lines].astype(str).values.tolist() == alone["indicators"][lines].astype(str).values.tolist()


def _revised(path, tracked: bool):
    """The fixture edited as a reviewer would: the 成本指标 score 18.5 changed to 17.5, the 质量指标 line deleted,
    a 满意度 line added after the 时效指标 line. `tracked`: with 修订 on (w:del, w:ins, the rows marked), as the file
    comes back from the unit; else the same edits made outright (what accepting every change gives)."""
    import copy

    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    mark = 'w:id="{}" w:author="财务科" w:date="2024-03-01T09:00:00Z"'
    d = docx.Document(DOCX)
    rows = d.tables[0].rows
    score, gone, before = rows[13].cells[7], rows[11], rows[12]
    assert (score.text, gone.cells[3].text, before.cells[3].text) == ("18.5", "足额发放率", "工资发放及时性")
    added = copy.deepcopy(before._tr)
    for t in added.iter(qn("w:t")):
        t.text = {"工资发放及时性": "人员满意度", "12次": "≥90%"}.get(t.text, t.text)
    run = score.paragraphs[0].runs[0]._r
    if not tracked:
        score.paragraphs[0].runs[0].text = "17.5"
        gone._tr.getparent().remove(gone._tr)
        before._tr.addnext(added)
    else:
        for t in run.iter(qn("w:t")):
            t.tag = qn("w:delText")
        wrap = parse_xml(f"<w:del {nsdecls('w')} {mark.format(1)}/>")
        run.addprevious(wrap)
        wrap.append(run)
        wrap.addnext(parse_xml(f"<w:ins {nsdecls('w')} {mark.format(2)}><w:r><w:t>17.5</w:t></w:r></w:ins>"))
        for n, (row, kind) in enumerate([(gone._tr, "del"), (added, "ins")], start=3):
            row.get_or_add_trPr().append(parse_xml(f"<w:{kind} {nsdecls('w')} {mark.format(n)}/>"))
            for r in list(row.iter(qn("w:r"))):
                if kind == "del":
                    for t in r.iter(qn("w:t")):
                        t.tag = qn("w:delText")
                box = parse_xml(f"<w:{kind} {nsdecls('w')} {mark.format(n + 10)}/>")
                r.addprevious(box)
                box.append(r)
        before._tr.addnext(added)
    d.save(path)
    return path


def test_tracked_changes_are_read_as_accepted_and_the_deleted_text_is_named(tmp_path):
    """A report sent back with 修订 on: the figures read are the ones accepting every change gives (17.5, the deleted
    line gone, the added line read), exactly as the same edits made outright; the note says the changes are
    pending, the deleted texts (the old score, the deleted line) are named for a reviewer (hidden_content)."""
    tracked = ingest_paths([_revised(tmp_path / "修订.docx", True)], None, cache_dir=False)
    final = ingest_paths([_revised(tmp_path / "定稿.docx", False)], None, cache_dir=False)
    keep = ["level1", "level2", "level3", "target", "actual", "weight", "score"]
    assert tracked["indicators"][keep].equals(final["indicators"][keep])
    lines = tracked["indicators"].set_index("level3")
    assert lines.loc["年发放工资、保险费用", "score"] == 17.5 and "足额发放率" not in lines.index
    assert lines.loc["人员满意度", "target"] == "≥90%"
    rep = tracked["reports"].iloc[0]
    assert json.loads(rep["hidden_content"]) == ["Word 修订中删除的文字 2 处（“质量指标 足额发放率 100% 100%…”、“18.5”）"]   # in document order
    assert ("文档中有未接受的修订（插入 2 处、删除 2 处），已按接受全部修订后的内容读取（即 Word 的“无标记”视图）；"
            "请向报送单位确认修订已定稿") in json.loads(rep["reading_notes"])
    assert (tracked["findings"]["rule"] == "hidden_content").sum() == 1
    assert final["reports"].iloc[0]["hidden_content"] is None or pd.isna(final["reports"].iloc[0]["hidden_content"])
