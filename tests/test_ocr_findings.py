"""A figure read by OCR from a low-confidence cell raises `ocr_low_confidence`, pointing at the cell."""
from __future__ import annotations

import json

import pandas as pd

from evalkit.checks import load_config, run_checks
from evalkit.ingest import build, ocr_figures
from evalkit.model import Document, Paragraph, Table


def scan(rows, conf) -> Document:
    """A one-page scan holding one 自评表 of these cells, OCR'd with these confidences."""
    return Document("scan.jpg", "image", [Paragraph("项目支出绩效自评表", 1), Table(rows, 1, conf)], pages=1,
                    ocr_pages=[1])


def checked(doc: Document):
    """(what ingest builds of the document, the checks' findings on it)."""
    res = build(doc, "scan.jpg", "ab" * 32, "image")
    t = {"reports": pd.DataFrame([res.report]), "projects": pd.DataFrame(res.projects),
         "indicators": pd.DataFrame(res.indicators), "summaries": pd.DataFrame(res.summaries)}
    return res, run_checks(t, load_config())


def ocr_doc(conf_executed: float) -> Document:
    rows = [["项目名称", "测试项目", "", ""],
            ["", "年初预算数", "全年预算数", "全年执行数"],
            ["年度资金总额", "10", "10", "9.5"]]
    conf = [[0.99, 0.99, None, None], [None, 0.99, 0.99, 0.99], [0.99, 0.99, 0.98, conf_executed]]
    return scan(rows, conf)


def test_ocr_figures_lists_the_figure_cells_with_confidence_and_page():
    cells = json.loads(ocr_figures(ocr_doc(0.42)))
    # text, value, confidence, then the cell's page, table, row and column as loc_fields name them, and no seal over it
    assert ["9.5", 9.5, 0.42, 1, None, 3, 4, 0] in cells and all(c[1] is not None for c in cells)
    assert ocr_figures(Document("a.txt", "txt", [Table([["1"]])])) is None


def test_a_low_confidence_figure_is_pointed_out_and_a_confident_one_is_not():
    def findings(conf):
        _, f = checked(ocr_doc(conf))
        return f[f["rule"] == "ocr_low_confidence"]
    low = findings(0.42)
    assert len(low) == 1
    msg = low["message"].iloc[0]
    assert "全年执行数“9.5”" in msg and "第1页" in msg and "0.42" in msg and "对照原件" in msg
    assert findings(0.97).empty


def test_a_figure_under_a_black_seal_is_pointed_out_whatever_its_confidence():
    """A black-and-white scan's seal over a cell: its print under the seal's ink unseen (the ring through the 9 of
    9.34 read .34, confidently). The figure is pointed out as under the seal; the same cell without a seal is not."""
    def findings(sealed: bool):
        doc = ocr_doc(0.99)
        doc.blocks[1].sealed = [[False] * 4, [False] * 4, [False, False, False, sealed]]
        res, f = checked(doc)
        return res, f[f["rule"] == "ocr_low_confidence"]
    res, low = findings(True)
    assert ["9.5", 9.5, 0.99, 1, None, 3, 4, 1] in json.loads(res.report["ocr_cells"])
    (msg,) = low["message"]
    assert "全年执行数“9.5”" in msg and "印章压在这个单元格上" in msg and "置信度" not in msg
    assert low["found"].tolist() == ["全年执行数=9.5（印章下）"]
    assert findings(False)[1].empty


def test_a_project_name_under_a_black_seal_is_pointed_out_and_is_no_red_flag_note():
    """A name a seal's ring crossed (通知 read 避为, 〔2018〕 read 2018]) does not match the project's other years or
    files: pointed out as read under the seal; the same name beside the seal is not. A red flag's note on doubtful
    scan figures does not list the name."""
    from evalkit.report.flags import ocr_doubts

    def findings(sealed: bool):
        doc = ocr_doc(0.99)
        doc.blocks[1].sealed = [[False, sealed, False, False], [False] * 4, [False] * 4]
        res, f = checked(doc)
        return res, f[f["rule"] == "ocr_low_confidence"]
    res, low = findings(True)
    assert ["测试项目", None, 0.99, 1, None, 1, 2, 1] in json.loads(res.report["ocr_cells"])
    (msg,) = low["message"]
    assert msg.startswith("项目名称「测试项目」由扫描件识别（第1页），黑白扫描中印章压在这个单元格上")
    assert low["found"].tolist() == ["项目名称=测试项目（印章下）"]
    assert ocr_doubts(low) == {}
    res, low = findings(False)
    assert low.empty and all(c[1] is not None for c in json.loads(res.report["ocr_cells"]))


def test_cells_listed_before_seals_were_flagged_are_still_checked():
    """A dataset written before `ocr_cells` flagged sealed cells (seven fields a cell) is checked as it was."""
    res, _ = checked(ocr_doc(0.42))
    t = {"reports": pd.DataFrame([res.report]), "projects": pd.DataFrame(res.projects),
         "indicators": pd.DataFrame(res.indicators), "summaries": pd.DataFrame(res.summaries)}
    t["reports"]["ocr_cells"] = json.dumps([c[:7] for c in json.loads(res.report["ocr_cells"])])
    f = run_checks(t, load_config())
    (msg,) = f.loc[f["rule"] == "ocr_low_confidence", "message"]
    assert "全年执行数“9.5”" in msg and "0.42" in msg


def test_the_finding_is_about_the_figures_own_cell_not_another_cell_of_the_same_value():
    """A doubtful cell elsewhere holding the same value (a note's 9.5, another project's 100%) is not the
    figure's: on 24 synthetic scans a project's total 100 was pointed at another project's 执行率 “100%”."""
    def findings(conf_executed, conf_note):
        doc = ocr_doc(conf_executed)
        doc.blocks.append(Table([["附注", "9.5"]], 1, [[0.99, conf_note]]))
        _, f = checked(doc.number_tables())
        return f[f["rule"] == "ocr_low_confidence"]
    assert findings(0.99, 0.3).empty
    (msg,) = findings(0.5, 0.99)["message"]
    assert "全年执行数“9.5”" in msg and "0.50" in msg


def test_a_wrapped_figure_is_quoted_as_one():
    rows = [["项目名称", "测试项目", "", ""], ["", "年初预算数", "全年预算数", "全年执行数"],
            ["年度资金总额", "10", "10", "19.4\n4"]]
    conf = [[0.99, 0.99, None, None], [None, 0.99, 0.99, 0.99], [0.99, 0.99, 0.98, 0.5]]
    _, f = checked(scan(rows, conf))
    (msg,) = f.loc[f["rule"] == "ocr_low_confidence", "message"]
    assert "全年执行数“19.44”" in msg


def test_a_missing_figure_in_the_typed_tables_is_skipped_not_an_error():
    """As ingest types them (nullable floats: a figure not stated is pd.NA, e.g. the score here),
    the rule still points at the doubtful cell (it raised 'boolean value of NA is ambiguous')."""
    from evalkit.ingest import assemble
    t = assemble([build(ocr_doc(0.42), "scan.jpg", "ab" * 32, "image")])
    assert t["projects"]["total_score"].isna().all()
    f = run_checks(t, load_config())
    assert (f["rule"] == "ocr_low_confidence").sum() == 1


def _rate_findings(rate: str, conf_rate: float, conf_executed: float = 0.99) -> pd.DataFrame:
    rows = [["项目名称", "测试项目", "", "", ""],
            ["", "年初预算数", "全年预算数", "全年执行数", "执行率"],
            ["年度资金总额", "10", "10", "9.5", rate]]
    conf = [[0.99, 0.99, None, None, None], [None, 0.99, 0.99, 0.99, 0.99],
            [0.99, 0.99, 0.98, conf_executed, conf_rate]]
    return checked(scan(rows, conf))[1]


def test_a_doubtful_rate_that_confident_amounts_give_exactly_is_not_pointed_out():
    """9.5 / 10 is 95 %: a 执行率 read “95%” or “95.0%” with low confidence has nothing left to check; one the
    amounts do not give (“96%”: a misread 5, or a wrong figure) is pointed out, beside the mismatch."""
    for shown in ("95%", "95.0%", "95.00%"):
        f = _rate_findings(shown, 0.51)
        assert not (f["rule"] == "ocr_low_confidence").any(), shown
    f = _rate_findings("96%", 0.51)
    assert "执行率“96%”" in f.loc[f["rule"] == "ocr_low_confidence", "message"].iloc[0]
    assert (f["rule"] == "execution_rate_mismatch").any()
    f = _rate_findings("95.3%", 0.51)         # within the mismatch tolerance, but not what the amounts give
    assert (f["rule"] == "ocr_low_confidence").sum() == 1
    f = _rate_findings("95%", 0.51, conf_executed=0.6)   # the amount is doubtful too: both pointed out
    assert (f["rule"] == "ocr_low_confidence").sum() == 2


def _total_findings(total: str, conf_total: float, conf_line: float = 0.99) -> pd.DataFrame:
    rows = [["项目名称", "测试项目", "", "", "", ""],
            ["", "年初预算数", "全年预算数", "全年执行数", "", ""],
            ["年度资金总额", "10", "10", "9.5", "", ""],
            ["一级指标", "二级指标", "三级指标", "指标值", "分值", "得分"],
            ["产出指标", "数量指标", "培训人数", "100人", "50", "48"],
            ["效益指标", "社会效益指标", "群众满意度", "≥90%", "50", "45.5"],
            ["总分", "", "", "", "100", total]]
    c = 0.99
    conf = [[c] * 6, [c] * 6, [c] * 6, [c] * 6, [c, c, c, c, c, conf_line], [c] * 6, [c, c, c, c, c, conf_total]]
    res, f = checked(scan(rows, conf))
    assert res.projects and len(res.indicators) == 2
    return f


def test_a_doubtful_total_that_confident_line_scores_add_up_to_is_not_pointed_out():
    def doubtful(f):
        return f.loc[f["rule"] == "ocr_low_confidence", "message"].tolist()
    assert doubtful(_total_findings("93.5", 0.5)) == []
    assert ["总分“98.5”" in m for m in doubtful(_total_findings("98.5", 0.5))] == [True]
    both = doubtful(_total_findings("93.5", 0.5, conf_line=0.5))     # a line score doubtful too: both
    assert len(both) == 2 and any("总分“93.5”" in m for m in both)
