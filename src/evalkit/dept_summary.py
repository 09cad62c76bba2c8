"""The self-evaluation summary a 部门决算 states in one sentence (绩效自评的N年度项目M个，涉及预算金额
F万元，平均得分S分（其中，绩效评级为"优"的项目a个；…"不合格"的项目d个）), as `summaries` fields.

Some PDF text layers put the figures on the line after their labels, so the sentence is read
as two ordered streams, label slots and numbers, and paired in order rather than by position.
"""
from __future__ import annotations

import re

from evalkit import grades
from evalkit.model import Document

NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_NOISE = re.compile(r"[\s“”\"'‘’「」『』]+")
ANCHOR = re.compile(r"绩效自评的?(?:年度)?(?:项目)")
# Places in the label text where the sentence puts a figure, in the order they occur.
SLOT = re.compile(r"平均得?分(?=分)|年度|万元|个")
_PART_ONE = re.compile(r"第一部分(.+?)概况")
MAX_LINES = 16  # the statement never runs longer than this many lines of a page


def labels(text: str) -> str:
    """Text without figures, whitespace and quotes: the same for both PDF line layouts."""
    return _NOISE.sub("", NUMBER.sub("", text))


def extract_dept_summary(doc: Document) -> dict | None:
    """Summary fields plus `agency` and `fiscal_year`; None when the document states no such sentence."""
    lines = [line for p in doc.paragraphs() for line in p.text.split("\n")]
    start = _anchor_line(lines)
    if start is None:
        return None
    # A figure wrapped away from its unit sits on the line before: start there if the pairing
    # from the anchor's own line gives implausible values.
    for first in range(start, max(-1, start - 3), -1):
        fields = _read_statement(lines[first:start + MAX_LINES])
        if fields is not None:
            break
    else:
        return None
    fields["agency"] = agency_name(lines)
    if fields.get("fiscal_year") is None:
        fields["fiscal_year"] = _title_year(lines)
    return fields


def _anchor_line(lines: list[str]) -> int | None:
    """Index of the line where the 绩效自评…项目 clause begins (it may wrap mid-word)."""
    offsets, parts = [], []
    pos = 0
    for line in lines:
        lab = labels(line)
        offsets.append(pos)
        parts.append(lab)
        pos += len(lab)
    joined = "".join(parts)
    m = ANCHOR.search(joined)
    if not m:
        return None
    idx = 0
    for i, off in enumerate(offsets):
        if off <= m.start():
            idx = i
    return idx


def _read_statement(lines: list[str]) -> dict | None:
    """Pair the label slots with the numbers in order, then keep the 绩效自评 clause's figures;
    None when the pairing gives a fractional count, an impossible year or an average over 100."""
    text = "\n".join(lines)
    lab = labels(text)
    anchor = ANCHOR.search(lab)
    if not anchor:
        return None
    slots = list(SLOT.finditer(lab))
    numbers = [n.group(0).replace(",", "") for n in NUMBER.finditer(text)]
    out = {"projects_due": None, "funds_due": None, "projects_evaluated": None, "funds_evaluated": None,
           "avg_score": None, "count_you": None, "count_liang": None, "count_zhong": None,
           "count_cha": None, "fiscal_year": None}
    for slot, value in zip(slots, numbers):
        if slot.start() < anchor.start():
            continue
        kind = slot.group(0)
        before = lab[max(anchor.start(), slot.start() - 8):slot.start()]
        if kind in ("年度", "个") and "." in value:
            return None   # years and counts are whole numbers: the pairing is off
        if kind == "年度" and out["fiscal_year"] is None:
            if not 1990 <= int(value) <= 2100:
                return None
            out["fiscal_year"] = int(value)
        elif kind == "万元" and out["funds_evaluated"] is None:
            out["funds_evaluated"] = float(value)
        elif kind.startswith("平均") and out["avg_score"] is None:
            if float(value) > 100:
                return None
            out["avg_score"] = float(value)
        elif kind == "个":
            grade = _grade_key(before)
            if grade is None and out["projects_evaluated"] is None:
                out["projects_evaluated"] = int(float(value))
            elif grade is not None and out[grade] is None:
                out[grade] = int(float(value))
                if all(out[k] is not None for k in ("count_you", "count_liang", "count_zhong", "count_cha")):
                    break  # the last grade of the scale ends the statement
    if out["projects_evaluated"] is None and out["avg_score"] is None:
        return None
    return out


def _grade_key(before: str) -> str | None:
    """Which grade count a 个 slot holds, from the words just before it (为"优"的项目)."""
    m = re.search(rf"为({grades.WORD_PATTERN})的?项目$", before)
    g = grades.contract(m.group(1)) if m else None
    return grades.COUNT_COLUMNS[g] if g else None


def agency_name(lines: list[str]) -> str | None:
    """The department's full name: from 第一部分 X概况, else the cover title before 年度部门决算."""
    squeezed = [re.sub(r"\s+", "", line) for line in lines]
    for line in squeezed:
        m = _PART_ONE.search(line)
        if m:
            return m.group(1)
    cover = ""
    for line in squeezed[:8]:
        cover += line
        m = re.search(r"^(.+?)(?:\d{4})?年度?部门决算", cover)
        if m:
            return re.sub(r"\d{4}$", "", m.group(1))
    return None


def _title_year(lines: list[str]) -> int | None:
    for line in lines[:40]:
        m = re.search(r"(20\d{2})\s*年度?部门决算", re.sub(r"\s+", "", line))
        if m:
            return int(m.group(1))
    return None
