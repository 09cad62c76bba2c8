"""`briefing.pptx`: the briefing deck (python-pptx), 16:9.

A title slide, then one slide per chart (Chinese title, the chart picture, and a one-line
takeaway computed from the data), then the red-flag list as a table. Every text run that
contains CJK characters gets an East Asian font (`<a:ea typeface=…>`), which PowerPoint and
WPS use for Chinese; Latin runs keep the Latin font.

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
             align=PP_ALIGN.LEFT, ea_font=EA_FONT):
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
    _textbox(s, Inches(0.8), Inches(2.45), Inches(11.7), Inches(1.2), title, size=40, bold=True,
             color=RGBColor(0xFF, 0xFF, 0xFF), ea_font=ea_font)
    if subtitle:
        _textbox(s, Inches(0.8), Inches(3.55), Inches(11.7), Inches(0.8), subtitle, size=18,
                 color=RGBColor(0xDD, 0xE6, 0xF0), ea_font=ea_font)

    # one slide per chart
    margin = Inches(0.5)
    for entry in charts:
        png = charts_dir / entry["png"]
        s = prs.slides.add_slide(blank)
        _textbox(s, margin, Inches(0.25), SLIDE_W - 2 * margin, Inches(0.8),
                 entry.get("title") or entry["name"], size=28, bold=True, ea_font=ea_font)
        top, bottom = Inches(1.1), Inches(0.95)
        # the slide has the title, so the chart's own title band is cropped off
        _picture_fit(s, png, margin, top, SLIDE_W - 2 * margin, SLIDE_H - top - bottom,
                     crop_top=float(entry.get("title_band") or 0.0))
        if entry.get("takeaway"):
            text = "要点：" + entry["takeaway"]
            _textbox(s, margin, SLIDE_H - bottom + Inches(0.1), SLIDE_W - 2 * margin, Inches(0.7),
                     text, size=16 if len(text) <= 56 else 14, color=GREY, ea_font=ea_font)

    # red flags as a table
    if red_flags is not None and len(red_flags):
        s = prs.slides.add_slide(blank)
        _textbox(s, margin, Inches(0.25), SLIDE_W - 2 * margin, Inches(0.8), "红旗清单", size=28,
                 bold=True, ea_font=ea_font)
        rows = red_flags.head(max_flags)
        cols = [("county_label", "县区", 1.8), ("project_name", "项目", 5.0), ("flag", "红旗", 1.9),
                ("detail", "说明", 3.6)]
        tbl = s.shapes.add_table(len(rows) + 1, len(cols), margin, Inches(1.15),
                                 SLIDE_W - 2 * margin, Inches(0.4) * (len(rows) + 1)).table
        for j, (_, label, w) in enumerate(cols):
            tbl.columns[j].width = Inches(w)
            tbl.cell(0, j).text = _plain(label)
        for i, r in enumerate(rows.itertuples(), 1):
            for j, (col, _, _) in enumerate(cols):
                text = _plain(getattr(r, col)).replace("\n", " ")
                tbl.cell(i, j).text = text if len(text) <= 34 else text[:33] + "…"
        for i in range(len(rows) + 1):
            for j in range(len(cols)):
                tf = tbl.cell(i, j).text_frame
                for p in tf.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(12 if i else 13)
                        run.font.bold = i == 0
                style_runs(tf, ea_font=ea_font)
        if len(red_flags) > max_flags:
            _textbox(s, margin, SLIDE_H - Inches(0.8), SLIDE_W - 2 * margin, Inches(0.5),
                     f"另有{len(red_flags) - max_flags}条，见 summary.xlsx 的“红旗清单”。", size=14,
                     color=GREY, ea_font=ea_font)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    prs.save(str(tmp))
    tmp.replace(path)
    return path
