"""`briefing.pptx`: the briefing deck (python-pptx), 16:9.

A title slide, then one slide per chart (Chinese title, the chart picture, and the takeaway
computed from the data), then the first red flags as a table: each cell cut to two lines, each
row as high as its text, as many rows as the slide holds (the footer counts the rest, which the
workbook lists). Text is set in the largest type its box holds (`fit_text`), so nothing runs off
a slide or over another box. Every text run that contains CJK
characters gets an East Asian font (`<a:ea typeface=…>`), which PowerPoint and WPS use for Chinese;
Latin runs keep the Latin font.

Document text is set as plain text (python-pptx runs, never parsed), without the control
characters XML cannot hold (`_plain`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from evalkit.report.text import clean_text

EA_FONT = "Microsoft YaHei"     # East Asian typeface (微软雅黑); WPS/LibreOffice substitute
LATIN_FONT = "Calibri"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)              # left and right, for titles, charts, takeaways and the red-flag table
DARK = RGBColor(0x1F, 0x3B, 0x5B)
GREY = RGBColor(0x55, 0x55, 0x55)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")

# children of a:rPr that must come after a:ea (schema order: ... latin, ea, cs, sym, hlink...)
_AFTER_EA = ("a:cs", "a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")


def _plain(text) -> str:
    """Text for a run or cell: a str without control characters (a carriage return becomes a
    line break's worth of space; python-pptx would write them as `_x0007_` escapes)."""
    return clean_text(text).replace("\r\n", "\n").replace("\r", "\n")


def set_ea_font(run, typeface: str = EA_FONT) -> None:
    """Put `<a:ea typeface=…>` on a run's properties, in schema order (after a:latin)."""
    rPr = run._r.get_or_add_rPr()
    ea = rPr.find(qn("a:ea"))
    if ea is None:
        ea = etree.SubElement(rPr, qn("a:ea"))
        rPr.remove(ea)
        latin = rPr.find(qn("a:latin"))
        if latin is not None:
            latin.addnext(ea)
        else:
            succ = next((rPr.find(qn(t)) for t in _AFTER_EA if rPr.find(qn(t)) is not None), None)
            if succ is not None:
                succ.addprevious(ea)
            else:
                rPr.append(ea)
    ea.set("typeface", typeface)


def style_runs(text_frame, *, ea_font: str = EA_FONT) -> None:
    """East Asian font on every run of a text frame that has CJK text."""
    for p in text_frame.paragraphs:
        for r in p.runs:
            if _CJK.search(r.text or ""):
                if r.font.name is None:
                    r.font.name = LATIN_FONT
                set_ea_font(r, ea_font)


def _textbox(slide, left, top, width, height, text, *, size=18, bold=False, color=DARK,
             align=PP_ALIGN.LEFT, ea_font=EA_FONT, fit=None):
    """A text box; with `fit` (point sizes, largest first) its text on one paragraph in the largest of them the box
    holds, cut with … at the smallest (`fit_text`)."""
    if fit:
        text, size = fit_text(_plain(text).replace("\n", " "), width / Inches(1), height, fit)
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE
    lines = _plain(text).split("\n") if isinstance(text, str) else [_plain(x) for x in text]
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = align
        r = p.add_run()
        r.text = line
        r.font.size = Pt(size)
        r.font.bold = bold
        r.font.color.rgb = color
        r.font.name = LATIN_FONT
    style_runs(tf, ea_font=ea_font)
    return box


def _picture_fit(slide, image: Path, left, top, max_w, max_h, crop_top: float = 0.0):
    """Add a picture centred in the box, aspect kept; `crop_top` (0-1) trims its top band."""
    from PIL import Image  # python-pptx depends on Pillow
    with Image.open(image) as im:
        w, h = im.size
    h_vis = h * (1.0 - crop_top)
    scale = min(max_w / w, max_h / h_vis)
    pw, ph = int(w * scale), int(h_vis * scale)
    pic = slide.shapes.add_picture(str(image), left + (max_w - pw) // 2, top + (max_h - ph) // 2,
                                   Emu(pw), Emu(ph))
    if crop_top:
        pic.crop_top = crop_top
    return pic


# the red-flag table: (column, header, width in inches); 年度 only when the flags span several years
FLAG_COLUMNS = [("county_label", "县区", 1.7), ("fiscal_year", "年度", 0.8), ("project_name", "项目", 4.6),
                ("flag", "红旗", 1.9), ("detail", "说明", 3.333)]
FLAG_TOP = Inches(1.15)           # the table's top, under the slide title
FLAG_FOOT = Inches(0.8)           # room kept under the table for the "另有N条" line
FLAG_SIZE, HEAD_SIZE = 12, 13     # points
CELL_MARGIN_X, CELL_MARGIN_Y = Inches(0.1), Inches(0.05)   # python-pptx's (and PowerPoint's) cell margins
LINE_SPACING = 1.3                # a line's height in font sizes (CJK fonts set 1.2–1.3)
MAX_LINES = 2                     # a cell longer than this is cut, with "…"
TAKEAWAY_H = Inches(0.85)         # a chart slide's takeaway box, under the chart


def flag_columns(flags: pd.DataFrame) -> list[tuple[str, str, float]]:
    """FLAG_COLUMNS the flags' table shows (`flags.shown_columns`: 年度 only when they span years), the width of
    a column left out given to 项目, so the widths fill the slide's 12.333 inches inside the margins."""
    from evalkit.report.flags import shown_columns
    shown = set(shown_columns(flags))
    spare = sum(w for c, _, w in FLAG_COLUMNS if c not in shown)
    return [(c, h, w + (spare if c == "project_name" else 0)) for c, h, w in FLAG_COLUMNS if c in shown]


def _line_room(width_in: float, size: float) -> float:
    """Display columns (textwidth: a CJK character is 2) one line of a cell `width_in` wide holds at `size`
    points, a twentieth kept back for the renderer's own metrics."""
    return (Inches(width_in) - 2 * CELL_MARGIN_X) / Pt(size) * 2 * 0.95


# a line may not start with closing punctuation nor end with opening punctuation (禁则), and a run of Latin
# letters and digits is not broken: each such group is one piece a line takes whole
_PIECE = re.compile(r"[\(\[（〔【「『《“‘]*(?:[A-Za-z0-9.,%+\-/:_#&@']+|\s+|.)[)\]）〕】」』》”’，。、；：！？,.;:!?%％…]*",
                    re.S)


def _char_cols(ch: str) -> float:
    """A character's width in display columns as a slide font sets it: a CJK character 2 (one em), a Latin letter
    or digit 1.2 (CJK fonts set digits at 0.55–0.6 em)."""
    from evalkit.textwidth import char_width
    w = char_width(ch)
    return 1.2 if w == 1 else w


def _piece_width(piece: str) -> float:
    """A piece's width in display columns (`_char_cols`), a Latin run beside CJK text half a column wider on each
    side (the renderer's autospace)."""
    return sum(map(_char_cols, piece)) + (1.0 if re.search(r"[A-Za-z0-9]", piece) else 0.0)


def wrap_lines(text: str, room: float) -> list[str]:
    """`text` broken into lines of at most `room` display columns as a slide renderer breaks it: between
    pieces (_PIECE), each as wide as _piece_width says; a piece wider than a line (a long code or address) broken
    anywhere, as the renderer must."""
    lines, line, used = [], "", 0.0
    pieces = []
    for piece in _PIECE.findall(text):
        w = _piece_width(piece)
        pieces += [(ch, _char_cols(ch)) for ch in piece] if w > room else [(piece, w)]
    for piece, w in pieces:
        if line and used + w > room:
            lines.append(line)
            line, used = "", 0.0
            if piece.isspace():
                continue
        line += piece
        used += w
    return lines + [line] if line or not lines else lines


def fit_cell(text: str, width_in: float, size: float = FLAG_SIZE, max_lines: int = MAX_LINES) -> tuple[str, int]:
    """(text as shown, lines it takes): cut to `max_lines` lines of a box `width_in` wide, ending in "…"."""
    room = _line_room(width_in, size)
    lines = wrap_lines(text, room)
    if len(lines) <= max_lines:
        return text, len(lines)
    lo, hi = 0, len("".join(lines[:max_lines]))      # the longest start that fits with its "…"
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(wrap_lines(text[:mid].rstrip() + "…", room)) <= max_lines:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…", max_lines


def fit_text(text: str, width_in: float, height: int, sizes=(16, 14, 13, 12)) -> tuple[str, int]:
    """(text, size) for a text box `width_in` wide and `height` EMU high: the largest of `sizes` at which the
    whole text fits, else the smallest with the text cut to the lines that fit."""
    def lines_in(size):
        return max(1, int((height - 2 * CELL_MARGIN_Y) // (Pt(size) * LINE_SPACING)))
    for size in sizes[:-1]:
        if len(wrap_lines(text, _line_room(width_in, size))) <= lines_in(size):
            return text, size
    return fit_cell(text, width_in, sizes[-1], max_lines=lines_in(sizes[-1]))[0], sizes[-1]


def row_height(lines: int, size: float = FLAG_SIZE) -> int:
    """A table row's height (EMU) for `lines` lines at `size` points, with the cell's top and bottom margins."""
    return int(lines * Pt(size) * LINE_SPACING + 2 * CELL_MARGIN_Y)


def fit_rows(rows: list[list[str]], widths: list[float], *, room: int | None = None) -> list[tuple[list[str], int]]:
    """The leading rows that fit one slide under a header row, each cut to fit its columns: (texts, height);
    `room` is EMU, by default the slide under the title less the footer line."""
    room = SLIDE_H - FLAG_TOP - FLAG_FOOT if room is None else room
    out, used = [], row_height(1, HEAD_SIZE)
    for row in rows:
        cells = [fit_cell(t, w) for t, w in zip(row, widths)]
        h = row_height(max(n for _, n in cells))
        if used + h > room:
            break
        out.append(([t for t, _ in cells], h))
        used += h
    return out


def _flag_table(slide, cols, rows, ea_font):
    """One slide's red-flag table: a header row and `rows` (texts, height), each row as high as its text."""
    tbl = slide.shapes.add_table(len(rows) + 1, len(cols), MARGIN, FLAG_TOP, SLIDE_W - 2 * MARGIN,
                                 row_height(1, HEAD_SIZE) + sum(h for _, h in rows)).table
    tbl.rows[0].height = row_height(1, HEAD_SIZE)
    for j, (_, label, w) in enumerate(cols):
        tbl.columns[j].width = Inches(w)
        tbl.cell(0, j).text = label
    for i, (texts, h) in enumerate(rows, 1):
        tbl.rows[i].height = h
        for j, text in enumerate(texts):
            tbl.cell(i, j).text = text
    for i in range(len(rows) + 1):
        for j in range(len(cols)):
            tf = tbl.cell(i, j).text_frame
            for p in tf.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(FLAG_SIZE if i else HEAD_SIZE)
                    run.font.bold = i == 0
            style_runs(tf, ea_font=ea_font)


def build_deck(charts: Iterable[Mapping], path: str | Path, *, charts_dir: str | Path,
               title: str, subtitle: str = "", red_flags: pd.DataFrame | None = None,
               max_flags: int = 12, ea_font: str = EA_FONT) -> Path:
    """Write the deck. `charts`: entries of `charts.json` (name, title, takeaway, png)."""
    charts_dir = Path(charts_dir)
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]

    # title slide
    s = prs.slides.add_slide(blank)
    band = s.shapes.add_shape(1, 0, Inches(2.3), SLIDE_W, Inches(2.2))  # 1 = rectangle
    band.fill.solid()
    band.fill.fore_color.rgb = DARK
    band.line.fill.background()
    _textbox(s, Inches(0.8), Inches(2.45), Inches(11.7), Inches(1.2), title, bold=True,
             color=RGBColor(0xFF, 0xFF, 0xFF), ea_font=ea_font, fit=(40, 36, 32, 28, 24))
    if subtitle:
        _textbox(s, Inches(0.8), Inches(3.55), Inches(11.7), Inches(0.8), subtitle,
                 color=RGBColor(0xDD, 0xE6, 0xF0), ea_font=ea_font, fit=(18, 16, 14))

    # one slide per chart
    for entry in charts:
        png = charts_dir / entry["png"]
        s = prs.slides.add_slide(blank)
        _textbox(s, MARGIN, Inches(0.25), SLIDE_W - 2 * MARGIN, Inches(0.8), entry.get("title") or entry["name"],
                 bold=True, ea_font=ea_font, fit=(28, 24, 20))
        top, bottom = Inches(1.1), Inches(0.95)
        # the slide has the title, so the chart's own title band is cropped off
        _picture_fit(s, png, MARGIN, top, SLIDE_W - 2 * MARGIN, SLIDE_H - top - bottom,
                     crop_top=float(entry.get("title_band") or 0.0))
        if entry.get("takeaway"):     # under the chart, within the slide: smaller type for a long one, else cut
            _textbox(s, MARGIN, SLIDE_H - bottom + Inches(0.05), SLIDE_W - 2 * MARGIN, TAKEAWAY_H,
                     "要点：" + entry["takeaway"], color=GREY, ea_font=ea_font, fit=(16, 14, 13, 12))

    # red flags as a table: the first max_flags, as many as one slide holds
    if red_flags is not None and len(red_flags):
        shown = red_flags.head(max_flags)
        cols = flag_columns(shown)
        rows = fit_rows([[_plain(getattr(r, c)).replace("\n", " ") for c, _, _ in cols]
                         for r in shown.itertuples()], [w for _, _, w in cols])
        s = prs.slides.add_slide(blank)
        _textbox(s, MARGIN, Inches(0.25), SLIDE_W - 2 * MARGIN, Inches(0.8), "红旗清单", size=28, bold=True,
                 ea_font=ea_font)
        _flag_table(s, cols, rows, ea_font)
        if len(red_flags) > len(rows):
            _textbox(s, MARGIN, SLIDE_H - FLAG_FOOT, SLIDE_W - 2 * MARGIN, Inches(0.5),
                     f"另有{len(red_flags) - len(rows)}条，见 summary.xlsx 的“红旗清单”。", size=14,
                     color=GREY, ea_font=ea_font)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    prs.save(str(tmp))
    tmp.replace(path)
    return path
