"""OCR boxes into text: boxes into lines and a cell's lines into its text, the recognizer's usual slips mended (a
digit's dot read as 。, a dash as 一), a 文号's year brackets (〔〕) told from （） by their glyphs' hooks."""
from __future__ import annotations

import math
import re

import numpy as np

from evalkit.readers.ocrengine import Box

_DASHES = {"一", "-", "_", "－", "—", "–", "ー", "一一", "——", "--"}
_DIGIT_DOT = re.compile(r"(?<=\d)[。·,，](?=\d{1,2}(?!\d))")   # 65。22 → 65.22 (not 1,234)


def text_lines(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped into lines (vertical overlap), top to bottom, each left to right."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        if lines:
            last = lines[-1]
            top, bottom = min(x.y0 for x in last), max(x.y1 for x in last)
            overlap = min(bottom, b.y1) - max(top, b.y0)
            if overlap > 0.5 * min(b.h, bottom - top):
                last.append(b)
                continue
        lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def join_line(line: list[Box]) -> str:
    out = ""
    prev = None
    for b in line:
        if prev is not None and b.x0 - prev.x1 > 0.8 * max(b.h, prev.h):
            out += " "
        out += b.text
        prev = b
    return out


def cell_text(boxes: list[Box]) -> str:
    text = "\n".join(join_line(line) for line in text_lines(boxes)).strip()
    return clean_text(text)


def clean_text(text: str) -> str:
    """What OCR gets wrong in a predictable way: a lone dash read as 一, a decimal point as 。, 工 as a Latin I,
    目 as 自 (项自, 预期自标), a closing ” as \\, the year brackets of a document number (文号) read as two
    different brackets, its number's 8 as &."""
    if text in _DASHES:
        return "—"
    text = _GONG_LOST.sub(r"\1工作日", _GONG.sub(lambda m: (m.group(1) or m.group(2) or "") + "工", text))
    text = _RI_AS_8.sub(r"\1日", _NOTICE.sub("通知", text))
    text = _MU_AS_ZI_GOAL.sub("目标", _MU_AS_ZI_ITEM.sub("项目", text))
    text = _QUOTE_AS_BACKSLASH.sub(r"\1”", text)
    text = _DOC_NO_YEAR.sub(_doc_no_year, _DIGIT_DOT.sub(".", text))
    return _DOC_NO_NUMBER.sub(lambda m: m.group(1) + m.group(2).replace("&", "8"), text)


# 工 read as a Latin I (≤15个I作日, 指标1：I程质量合格): only inside the words 工 makes with its neighbours (工作, 工程, 施工,
# 职工 …), never a Roman numeral of a class or phase (I类水质, I期) nor an I among Latin letters or digits
_GONG = re.compile(r"(?<=[\u4e00-\u9fff:：、，,])(\s*)I(?=\s*[作程资业艺伤龄])|(?<=[施竣开完务职员复停])(\s*)I(?![A-Za-z0-9])"
                   r"|^()I(?=\s*[作程资业艺]\s*[\u4e00-\u9fff])")   # \s*: a cell's text wraps (≤15个I\n作日)


# 工 not read at all where no other word can stand (≤20个作日: 个工作日)
_GONG_LOST = re.compile(r"(?<=个)(\s*)作日")
# 日 read 8 after 个工作 (20个工作\n8: a wrapped cell, black and white), never before a digit or a decimal point
_RI_AS_8 = re.compile(r"(?<=个工作)(\s*)8(?![\d.．%])")
# 知 read 智 (智 is 知 over 日) in 关于…的通知 followed by its 文号 (…资金的通智藏财预〔2021〕166号, black and white)
_NOTICE = re.compile(r"(?<=的)通智(?=\s*[\u4e00-\u9fff]{1,8}\s*[\[［【〔(（{｛T“\"]\s*(?:19|2[0689])\d{2})")


# 目 read 自 (its inner strokes lost: black and white): 项自持续发挥作用年限, 预期自标. 项自 opening a text or a clause is
# no word (a count's 3项自评 is: a character before it), nor 自标 after 预期/年度/绩效/总体/工作 and 指
_MU_AS_ZI_ITEM = re.compile(r"(?:^|(?<=[\s：:、，,；;。（(]))项自(?=[\u4e00-\u9fff])", re.M)
_MU_AS_ZI_GOAL = re.compile(r"(?<=[期度效体作指])自标")

# ” read \ (black and white: 补贴“一卡通\管理补助资金): a backslash closing a quotation opened on the same line, Chinese after it
_QUOTE_AS_BACKSLASH = re.compile(r"(“[^”\\\n]{1,20})\\(?=[\u4e00-\u9fff])")


# 文号 such as 蒙财教〔2023〕33号: the year's 六角括号 (GB/T 9704) come back as [2023】 or 〔2023]. A pair
# that does not match is the recognizer's; it is written 〔〕 as the standard has it. A matching pair
# ([2022], (2021)) is left as printed, offices do write those, unless the glyphs are 〔〕 (doc_no_brackets,
# on the page image, before the text gets here); so is a round pair of two widths, written (2021).
_BRACKETS = {"[": "]", "［": "］", "【": "】", "〔": "〕", "(": ")", "（": "）"}
_BRACES = set("{}｛｝")     # no office writes a 文号's year in braces: the recognizer's, always (琼财社[2020}106号)
# the closing bracket may be lost or read 入 or 厂 (black-and-white scans: 琼财社（2020106号, 蒙财社【2021入209号,
# 冀财资环（2019厂87号), the
# opening one read T or a quotation mark (滇财农T2020）238号, 新财社“2022）224号: taken only before a closing
# bracket); the year's 0 may come back 6, 8 or 9 (粤财社【2623]235号: no 文号 is of the 2600s)
_DOC_NO_YEAR = re.compile(r"([\[［【〔(（{｛T“\"])\s*((?:19|2[0689])\d{2})\s*([\]］】〕)）}｝入厂]?)"
                          r"(?=\s*第?\s*(?=[\d&]*\d)[\d&]{1,5}\s*号)")
_UNSURE_OPENING = ("T", "“", '"')
# its number holds digits only: a black-and-white scan's 8 comes back as & (滇财社【2023）15&号)
_DOC_NO_NUMBER = re.compile(r"(?<=(?:19|20)\d\d[\]］】〕)）])(\s*第?\s*)((?=[\d&]*\d)[\d&]{1,5})(?=\s*号)")


_ROUND = set("(（)）")


def _paired(opening: str, closing: str) -> bool:
    """Brackets a document prints together: a matching pair, or round ones of either width (a black-and-white
    scan's ( comes back as （: (2023) read （2023), 5 of 9 times)."""
    return opening in _BRACKETS and (_BRACKETS[opening] == closing or {opening, closing} <= _ROUND)


def _doc_no_year(m: re.Match) -> str:
    if m.group(1) in _UNSURE_OPENING and m.group(3) in ("", "入", "厂"):
        return m.group(0)
    year = "20" + m.group(2)[2:] if m.group(2)[:2] in ("26", "28", "29") else m.group(2)
    if _paired(m.group(1), m.group(3)):
        return m.group(0).replace(m.group(2), year) if _BRACKETS[m.group(1)] == m.group(3) else f"({year})"
    return f"〔{year}〕"


# The recognizer hardly ever writes 〔〕: a 文号's 六角括号 come back as a matching （） or [] (on the bench's
# stamped scans, 3 of 8; on scans of every bracket kind, 3 of 3 〔 as [ while （ ( [ 【 read right). The glyph
# tells them apart: 〔 is a straight stroke with short hooks at both ends, （ and ( a curve (its outer edge
# straight on a few rows only), [ a straight stroke with bars (its outer edge straight from end to end).
BRACKET_MIN_PX = 14       # glyphs shorter than this (in pixels) are too coarse to judge
# share of a 〔's rows on its outer edge's line, to half a pixel (〔 0.68–0.83; （ 0.2–0.45, ( up to 0.65,
# ) 0.39–0.47; [ and 【: 0.9–1)
ANGULAR_FLAT = (0.6, 0.95)
# or one of the pair straight to a fifth of a pixel on this share of its rows (〔 0.47–0.78, its 〕 in a
# black-and-white scan stepping a pixel halfway down as little as 0.32; a curve, ( or （, 0–0.3: on half
# a pixel a half-width ( is straight on 0.59–0.65 of its rows)
ANGULAR_TIGHT = 0.5
BRACKET_HOOK_PX = 1.2     # how far a 〔's ends turn in from its edge (〔: 1.9–3.7 px on 150/200-dpi scans, 1.46 in black and white; [ and 【: under 0.7)
_WIDE = re.compile(r"[\u2e80-\u9fff\uff00-\uffef〔〕【】]")


def doc_no_brackets(gray: np.ndarray, b: Box) -> Box:
    """`b` with its 文号's year brackets as printed: a pair read as （）, () or [] whose glyphs both have the
    hooks of 〔〕 and are straight, or one of them very straight (a black-and-white scan's 〕 may step a pixel
    halfway down, as curved as a （ by the half-pixel measure; a printed pair is of one kind), is written 〔〕;
    anything unclear is left as read."""
    m = _DOC_NO_YEAR.search(b.text)
    if m is None or m.group(1) == "〔" or not _paired(m.group(1), m.group(3)):
        return b
    ink, (y0, y1, x0, x1) = box_ink(gray, b)
    if not ink.any():
        return b
    blobs = column_blobs(ink)
    tall = float(np.percentile([bl[3] - bl[2] for bl in blobs], 90))
    if tall < BRACKET_MIN_PX:
        return b
    # the pair: two thin glyphs taller than the run of digits between them (the year) and over it (in black and
    # white a bracket may end on the digits' bottom row);
    # of several such runs, the one nearest where the year stands in the text (em-wide CJK, half-wide rest)
    adv = [1.0 if _WIDE.match(c) else 0.55 for c in b.text]
    at = (sum(adv[:m.start(2)]) + sum(adv[m.start(2):m.end(2)]) / 2) * ink.shape[1] / sum(adv)
    pairs = []
    for i, op in enumerate(blobs):
        for k in range(2, 6):
            if i + k + 1 >= len(blobs):
                break
            digits, cl = blobs[i + 1:i + k + 1], blobs[i + k + 1]
            dy0, dy1 = min(d[2] for d in digits), max(d[3] for d in digits)
            if all(bl[1] - bl[0] <= 0.5 * tall and bl[2] <= dy0 and bl[3] >= dy1 and bl[3] - bl[2] > dy1 - dy0
                   for bl in (op, cl)) \
                    and all(d[1] - d[0] <= 0.75 * tall for d in digits):
                pairs.append((abs((op[0] + cl[1]) / 2 - at), op, cl))
    if not pairs:
        return b
    _, opening, closing = min(pairs)
    crop = gray[y0:y1, x0:x1]
    shapes = [_bracket_shape(crop, opening, "left"), _bracket_shape(crop, closing, "right")]
    hooked = all(hooks and flat <= ANGULAR_FLAT[1] for flat, _, hooks in shapes)
    straight = all(flat >= ANGULAR_FLAT[0] for flat, _, _ in shapes) or max(t for _, t, _ in shapes) >= ANGULAR_TIGHT
    if not (hooked and straight):
        return b
    text = b.text[:m.start(1)] + "〔" + b.text[m.end(1):m.start(3)] + "〕" + b.text[m.end(3):]
    return Box(b.x0, b.y0, b.x1, b.y1, text, b.score)


def box_ink(gray: np.ndarray, b: Box) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The ink of box `b` and two pixels round it, a cell's rule line across it taken out (it joins every column), with
    the region it covers (y0, y1, x0, x1): what a glyph's shape is judged on."""
    y0, y1 = max(0, int(b.y0) - 2), min(gray.shape[0], int(math.ceil(b.y1)) + 2)
    x0, x1 = max(0, int(b.x0) - 2), min(gray.shape[1], int(math.ceil(b.x1)) + 2)
    ink = gray[y0:y1, x0:x1] < 128
    ink[ink.mean(axis=1) > 0.6] = False
    return ink, (y0, y1, x0, x1)


def column_blobs(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Runs of columns holding ink, as (x0, x1, y0, y1) with the rows their ink spans."""
    cols = ink.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], cols.astype(np.int8), [0]])))
    out = []
    for a, z in zip(edges[::2], edges[1::2]):
        rows = np.flatnonzero(ink[:, a:z].any(axis=1))
        out.append((int(a), int(z), int(rows[0]), int(rows[-1]) + 1))
    return out


def _bracket_shape(grey: np.ndarray, blob, side: str) -> tuple[float, float, bool]:
    """Of a bracket glyph (side = its outer edge; 〔 is straight along most rows and turned inwards at both
    ends): how straight its outer edge runs (the share of its rows on the stroke's line, to half a pixel and
    to a fifth) and whether both its ends turn inwards. The edge is found in each row to a fraction of a
    pixel, where the grey crosses halfway from white to the glyph's darkest (a stroke two pixels wide whose
    outer column is grey near a fixed threshold made a straight edge zigzag: 〔2023〕 read as [2023], the
    project's name lost)."""
    a, z, y0, y1 = blob
    g = grey[y0:y1, max(0, a - 2):min(grey.shape[1], z + 2)].astype(np.float32)
    if side == "right":
        g = g[:, ::-1]
    half = (float(g.min()) + 255.0) / 2
    edge = []
    for row in g:
        dark = np.flatnonzero(row < half)
        if len(dark):
            i = int(dark[0])
            edge.append(i - 1 + (row[i - 1] - half) / (row[i - 1] - row[i]) if i else 0.0)
    if len(edge) < BRACKET_MIN_PX:
        return 0.0, 0.0, False
    edge = np.asarray(edge)
    stroke = float(np.median(edge))                  # where the straight part runs
    off = np.abs(edge - stroke)
    return (float(np.mean(off <= 0.5)), float(np.mean(off <= 0.2)),
            bool(edge[0] - stroke >= BRACKET_HOOK_PX and edge[-1] - stroke >= BRACKET_HOOK_PX))
