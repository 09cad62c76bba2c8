"""The briefing deck's red-flag table stays on its slide: cells cut to two lines where a slide renderer would
break them, rows as high as their text, as many rows as the slide holds; the year is shown when the flags span
several years (two reports of one project otherwise read as one flag listed twice)."""
import subprocess

import pandas as pd
import pdfplumber
import pytest
from pptx import Presentation

from evalkit.report import pptx as deck
from evalkit.report.flags import COLUMNS
from evalkit.synth.formats import soffice_path

LONG_NAME = "关于下达2019年中央财政退役士兵安置补助资金的通知鲁财社〔2019〕72号" * 2
LONG_DETAIL = ("项目「关于下达2019年省级财政退役军人职业技能培训补助资金的通知鲁财社〔2019〕147号」的8条绩效指标，"
               "连同实际完成值和得分，与2019年度的自评表逐条相同；请核对本年度的自评是否照抄了往年的结果。")


COUNTIES = [f"{c}县" for c in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"]     # one word each in the rendered PDF


def flags(n: int, *, years=(2019, 2020), name=LONG_NAME, detail=LONG_DETAIL,
          flag="绩效指标连同完成值和得分与往年逐条相同") -> pd.DataFrame:
    rows = [{"county_label": COUNTIES[i], "fiscal_year": years[i % len(years)], "project_name": f"{i:02d}{name}",
             "flag": flag, "detail": detail, "rate": 80.0, "score": 95.0,
             "grade": "优", "source_file": f"f{i}.txt", "project_id": f"p{i}"} for i in range(n)]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_a_short_cell_is_kept_whole_on_one_line():
    assert deck.fit_cell("自评93.53分，执行率80.2%", 3.333) == ("自评93.53分，执行率80.2%", 1)
    assert deck.fit_cell("", 1.7) == ("", 1)


def test_a_long_cell_is_cut_to_two_lines_ending_in_an_ellipsis():
    text, lines = deck.fit_cell(LONG_NAME, 4.6)
    assert lines == 2 and text.endswith("…") and LONG_NAME.startswith(text[:-1])
    assert len(deck.wrap_lines(text, deck._line_room(4.6, deck.FLAG_SIZE))) == 2
    wider, _ = deck.fit_cell(LONG_NAME, 5.4)
    assert len(wider) > len(text)          # a wider column keeps more of the name


def test_lines_break_between_pieces_not_inside_a_number_nor_before_closing_punctuation():
    lines = deck.wrap_lines("鲁财社〔2019〕72号，" * 6 + "执行率80.25%。", 20)
    assert len(lines) > 3
    for line in lines:
        assert not line.startswith(("，", "〕", "。", "%")) and not line.endswith("〔")
    for a, b in zip(lines, lines[1:]):
        assert not (a[-1].isdigit() and b[0].isdigit())       # 2019, 80.25 never split over two lines
    assert "".join(lines) == "鲁财社〔2019〕72号，" * 6 + "执行率80.25%。"


def test_a_code_longer_than_a_line_is_broken_anywhere_and_cut():
    code = "51172322T000007299749" * 6
    room = deck._line_room(1.9, deck.FLAG_SIZE)
    lines = deck.wrap_lines(code, room)
    assert "".join(lines) == code and len(lines) >= 6 and all(len(line) * 1.2 <= room for line in lines)
    text, lines = deck.fit_cell(code, 1.9)
    assert lines == 2 and text.endswith("…") and len(deck.wrap_lines(text, room)) == 2


def test_a_takeaway_takes_the_largest_type_it_fits_in_else_is_cut():
    width = 12.333
    assert deck.fit_text("要点：" + "执行率" * 10, width, deck.TAKEAWAY_H) == ("要点：" + "执行率" * 10, 16)
    mid = "要点：" + "预算执行率偏低" * 20                       # 143 characters: three lines at 13 points
    assert deck.fit_text(mid, width, deck.TAKEAWAY_H) == (mid, 13)
    long = "要点：" + "预算执行率偏低" * 60
    text, size = deck.fit_text(long, width, deck.TAKEAWAY_H)
    assert size == 12 and text.endswith("…") and long.startswith(text[:-1]) and len(text) > 150


def test_the_slide_takes_the_leading_rows_it_can_hold():
    cols = deck.flag_columns(flags(1))
    widths = [w for _, _, w in cols]
    rows = [[str(getattr(r, c)) for c, _, _ in cols] for r in flags(12).itertuples()]
    fitted = deck.fit_rows(rows, widths)
    room = deck.SLIDE_H - deck.FLAG_TOP - deck.FLAG_FOOT
    assert 6 <= len(fitted) < 12                       # two-line rows: not all twelve
    assert deck.row_height(1, deck.HEAD_SIZE) + sum(h for _, h in fitted) <= room
    assert [t[0] for t, _ in fitted] == COUNTIES[:len(fitted)]
    one = deck.row_height(1, deck.HEAD_SIZE) + sum(h for _, h in fitted) + fitted[0][1]
    assert one > room                                   # the next row would not have fitted
    short = [[str(getattr(r, c)) for c, _, _ in cols]
             for r in flags(12, name="网络运行维护费", detail="执行率80.2%", flag="零执行").itertuples()]
    assert len(deck.fit_rows(short, widths)) == 12


def test_the_year_column_shows_only_when_flags_span_years():
    assert [h for _, h, _ in deck.flag_columns(flags(3))] == ["县区", "年度", "项目", "红旗", "说明"]
    one = deck.flag_columns(flags(3, years=(2024,)))
    assert [h for _, h, _ in one] == ["县区", "项目", "红旗", "说明"]
    assert sum(w for _, _, w in one) == pytest.approx(sum(w for _, _, w in deck.FLAG_COLUMNS))


def test_red_flags_name_the_year_of_each_report(two_year_clean):
    from evalkit.report.views import Views
    f = Views(two_year_clean[1]).red_flags
    assert list(f.columns) == COLUMNS and str(f["fiscal_year"].dtype) == "Int64"
    assert f["fiscal_year"].notna().all() and f["fiscal_year"].nunique() > 1
    # a flag of the same project and figures in two years is two rows that say which year each is
    key = ["county_label", "project_name", "flag", "detail"]
    same = f[f.duplicated(key, keep=False)]
    assert len(same) and (same.groupby(key)["fiscal_year"].nunique() == 2).all()
    assert not f.duplicated([*key, "fiscal_year"]).any()


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice not installed")
def test_a_deck_of_long_flags_and_takeaways_renders_inside_its_slides(tmp_path):
    """LibreOffice draws the deck as PDF: a long takeaway in smaller type and cut, inside its slide; the rows the
    red-flag slide holds inside it, nothing under the footer that counts the rest."""
    from PIL import Image
    Image.new("RGB", (2400, 1350), "white").save(tmp_path / "c.png")
    takeaway = "预算合计402,659.53万元，执行385,674.45万元，总体执行率95.8%；最低的是太仆寺旗（79.0%）。" * 6
    chart = {"name": "c", "title": "各县区项目预算执行率", "takeaway": takeaway, "png": "c.png"}
    title = "内蒙古自治区呼伦贝尔市、兴安盟、通辽市、赤峰市 · 2019年、2020年、2021年、2022年、2023年、2024年预算绩效自评简报"
    out = deck.build_deck([chart], tmp_path / "d.pptx", charts_dir=tmp_path, title=title, red_flags=flags(15),
                          subtitle="118个县区 · 2000份报告 · 12000个项目 · 生成于 2026-12-07 03:00 UTC")
    shown = [sh.text_frame.text for sh in Presentation(out).slides[1].shapes
             if sh.has_text_frame and sh.text_frame.text.startswith("要点")]
    assert len(shown) == 1 and shown[0].endswith("…") and ("要点：" + takeaway).startswith(shown[0][:-1])
    tables = [sh.table for s in Presentation(out).slides for sh in s.shapes if sh.has_table]
    assert len(tables) == 1
    n = len(tables[0].rows) - 1
    subprocess.run([soffice_path(), f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=180)
    seen = []
    x0 = 72 * (0.5 + 1.7 + 0.8)                  # the 项目 column, after 县区 and 年度
    with pdfplumber.open(tmp_path / "d.pdf") as pdf:
        cover = pdf.pages[0].extract_words(extra_attrs=["size"])   # a long title in smaller type, over the subtitle
        big, small = [w for w in cover if w["size"] >= 24], [w for w in cover if w["size"] < 24]
        assert 24 <= max(w["size"] for w in big) < 40 and small
        assert max(w["bottom"] for w in big) < min(w["top"] for w in small)
        assert "".join(w["text"] for w in big).replace(" ", "") == title.replace(" ", "")
        chart_page = pdf.pages[1].extract_words()      # the takeaway, cut, stays on its slide
        assert any(w["text"].startswith("要点") for w in chart_page)
        assert max(w["bottom"] for w in chart_page) <= pdf.pages[1].height - 2
        for page in pdf.pages[2:]:
            words = page.extract_words()
            foot = next((w["top"] for w in words if w["text"].startswith("另有")), page.height)
            body = [w for w in words if w["top"] < foot]
            assert max(w["bottom"] for w in body) <= min(foot, page.height) - 2
            counties = [w for w in body if w["text"] in COUNTIES]
            seen += [w["text"] for w in counties]
            # each long name takes two lines, as its row's height was set for: no third line
            lines = {round(w["top"]) for w in body if x0 <= w["x0"] < x0 + 72 * 4.6 and w["top"] > counties[0]["top"] - 1}
            assert len(lines) == 2 * len(counties)
    assert seen == COUNTIES[:n] and n >= 6
    assert f"另有{15 - n}条" in "".join(w["text"] for w in words)


def test_tables_of_flags_show_the_year_only_when_they_span_years():
    from evalkit.report.flags import shown_columns
    from evalkit.report.inspect_pages import red_flag_table_html
    assert shown_columns(flags(2)) == [c for c in COLUMNS if c != "project_id"]
    assert "fiscal_year" not in shown_columns(flags(2, years=(2024,)))
    html = red_flag_table_html(flags(2), None)
    assert "<th>年度</th>" in html and "<td>2019</td>" in html and "<td>2020</td>" in html
    assert "<th>年度</th>" not in red_flag_table_html(flags(2, years=(2024,)), None)
