"""Document-level statements: the overall score and grade, the narrative's part scores, the year and
agency, and the results paragraph of a 部门决算 (read from prose, not from a table's columns)."""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

from evalkit import grades
from evalkit.model import Document
from evalkit.normalize import WS, clean_text, close_cjk_gaps, normalize_grade, parse_number
from evalkit.recognize import vocabulary as V


# ---- the overall result -----------------------------------------------------------------------
def overall_field(filled: list[str]) -> tuple[str, object] | None:
    """A form row stating the report's result: 绩效自评综合得分 | 99 -> ('score', 99.0),
    评价等次 | 优秀 -> ('grade', ('优', '优秀')); None for any other row."""
    if len(filled) != 2:
        return None
    k = V.key(filled[0])
    if V.OVERALL_SCORE_LABEL.match(k) and parse_number(filled[1]) is not None:
        return "score", parse_number(filled[1])
    if V.OVERALL_GRADE_LABEL.match(k):
        g, raw = normalize_grade(filled[1])
        if g:
            return "grade", (g, raw)
    return None


def overall_in_pairs(filled: list[str]) -> float | None:
    """The score a form's heading row states beside other fields (填报日期：2022年3月10日 | 总分 | 95.5分): a 总分 or
    综合得分 label, its value written with 分 or among fields written with colons, and no other figure in the row (a
    table's 总分 row states several)."""
    for i, (label, value) in enumerate(zip(filled, filled[1:])):
        k = V.key(label)
        if (V.OVERALL_SCORE_LABEL.match(k) or V.TOTAL_LABEL.match(k)) and (n := parse_number(value)) is not None:
            others = filled[:i] + filled[i + 2:]
            # its value written with 分, or a bare figure among fields written 填报日期：… | 单位领导审签： (湖北 广水)
            fields = any("：" in c or ":" in c for c in others)
            if others and (value.endswith("分") or fields) and not any(parse_number(c) is not None for c in others):
                return n
    return None


def overall_from_text(text: str) -> tuple[float | None, str | None, str | None]:
    """(score, grade, grade as written) of the first sentence stating the overall score (总得分为95分，评为优)."""
    text = close_cjk_gaps(text)
    for pat in V.OVERALL_SENTENCES:
        m = pat.search(text)
        if m:
            sentence_end = text.find("。", m.end())
            g = V.GRADE_IN_SENTENCE.search(text, m.end(), sentence_end if sentence_end > 0 else len(text))
            grade, raw = normalize_grade(g.group(1)) if g else (None, None)
            return float(m.group(1)), grade, raw
    return None, None, None


def narrative_parts(paragraphs) -> list[dict]:
    """Part scores the narrative states: （满分X分，自评得分Y分） or '…得分Y分' per item, with their labels."""
    full, plain = [], []
    for p in paragraphs:
        t = close_cjk_gaps(p.text)
        head = V.PART_LABEL.match(t)
        for m in V.PART_FULL.finditer(t):
            full.append({"label": head.group(1) if head else None, "max": float(m.group(1)), "score": float(m.group(2))})
        if not V.PART_FULL.search(t):
            for m in V.PART_SCORE.finditer(t):
                before = V.PART_LABEL_BEFORE.findall(t[:m.start()])
                label = head.group(1) if head else (before[0] if before else None)
                plain.append({"label": label, "max": None, "score": float(m.group(1))})
    return full or plain


# ---- what the document is about -----------------------------------------------------------------
def fiscal_year(all_text: str) -> int | None:
    """The year most often stated: (2023年度) in titles, else 2023年度 (or 2023年项目支出绩效…), else 2023年1月起;
    written in full-width digits (２０２３) or in Chinese (二〇二三年度) too."""
    all_text = arabic_years(unicodedata.normalize("NFKC", all_text))
    years = [int(y) for y in V.YEAR_TABLE.findall(all_text)]
    years = years or [int(y) for y in V.YEAR_ANY.findall(all_text)] or [int(y) for y in V.YEAR_SPAN.findall(all_text)]
    return Counter(years).most_common(1)[0][0] if years else None


def path_year(source_file: str) -> int | None:
    """The year a file's name states as its title does (2022年度…自评表, 2023年项目支出绩效…), else its nearest folder's
    (an archive's member names first); None when none does, or the nearest that does states two different years."""
    for part in reversed(re.split(r"[/\\!]", source_file)):
        text = arabic_years(unicodedata.normalize("NFKC", part))
        years = {int(y) for y in V.YEAR_IN_NAME.findall(text)} | {int(y) for y in V.YEAR_TABLE.findall(text)}
        if years:
            return years.pop() if len(years) == 1 and not V.YEARS_IN_NAME.search(text) else None
    return None


def year_from_path(stated: int | None, source_file: str, ocr: bool) -> int | None:
    """The year the file's name gives (path_year) where the document's own is not taken: it states none, or its year
    was read by OCR (`ocr`) and the name states another (a seal's ring over a digit); None: keep `stated`."""
    year = path_year(source_file)
    if year is None or year == stated or (stated is not None and not ocr):
        return None
    return year


def heading_year(text: str) -> int | None:
    """The year a table's or report's title states on a line of its own: (2024年度), （二〇二四年度）, or a title
    that starts with it (2024年度茂南区医疗保障局项目支出绩效自评表); None for other text."""
    if len(text) > 40:
        return None
    text = arabic_years(unicodedata.normalize("NFKC", text))
    m = V.YEAR_TABLE.search(text) or V.YEAR_TITLE.match(text)
    return int(m.group(1)) if m else None


def arabic_years(text: str) -> str:
    """Years written digit by digit in Chinese (二〇二三年, 二O二三年度) in Arabic digits, the rest as it was."""
    return V.CN_YEAR.sub(lambda m: str(cn_int(m.group(1).replace("O", "〇").replace("Ｏ", "〇"))), text)


def project_name_hint(all_text: str) -> str | None:
    """A project name the prose states (2023年度XX资金绩效…) or a title line gives (XX专项经费绩效评价表), for a document
    whose table names none."""
    for m in V.PROJECT_FROM_TEXT.finditer(clean_text(all_text) or ""):
        if not agency_projects(m.group(1)):
            return m.group(1)
    for line in title_lines(all_text.splitlines()):
        if m := V.PROJECT_FROM_TITLE.match(clean_text(WS.sub("", line)) or ""):
            return m.group(1)
    return None


def agency_projects(name: str) -> bool:
    """An agency's projects (茂南区医疗保障局项目 in 2024年度茂南区医疗保障局项目支出绩效自评表), not one project's name."""
    return name.endswith("项目") and bool(V.AGENCY_LIKE.match(name[:-2]))


def title_lines(lines) -> list[str]:
    """The opening lines that may be a title: the first TITLE_LINES that hold text, each of a title's length and no
    sentence (one ending in 。)."""
    opening = [t for t in lines if t.strip()][:V.TITLE_LINES]
    return [t for t in opening if len(t) <= V.TITLE_MAX and "。" not in t]


def mentions_department(text: str) -> bool:
    return bool(V.DEPARTMENT_WORDS.search(text))


def agency_like(text: str | None) -> bool:
    """A cell or paragraph that is an agency's name (…局, …中心): counted, the most frequent one wins."""
    return bool(text) and bool(V.AGENCY_LIKE.match(text))


def paragraph_fields(text: str) -> list[tuple[str, str]]:
    """Every field of a paragraph holding several labels on one line (项目名称：…  实施单位：…, 填报单位（公章）：…
    单位负责人：…), in order."""
    return [f for part in V.NEXT_LABEL.split(text) if (f := paragraph_field(part))]


def paragraph_field(text: str) -> tuple[str, str] | None:
    """('project', name) or ('agency', name) from a 项目名称：… / 实施单位：… paragraph."""
    m = V.PARA_KV.match(text)
    label = V.key(m.group(1)) if m else ""
    value = V.NEXT_LABEL.split(m.group(2), maxsplit=1)[0] if m else ""
    if V.is_project_label(label):
        return "project", clean_text(value)
    if V.AGENCY_LABEL.match(label):
        return "agency", agency_name(clean_text(value))
    return None


def agency_name(value: str) -> str:
    """A labelled agency without the codes a budget system prints around it (219001-…人民政府, …局-01)."""
    return V.AGENCY_CODE.sub("", V.AGENCY_SUFFIX.sub("", value)) or value


# ---- the document's date and version ---------------------------------------------------------
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}


def cn_int(s: str) -> int | None:
    """A number printed in digits or Chinese numerals: 二〇二五 -> 2025 (digit by digit), 二十八 -> 28."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        if len(tens) > 1 or len(ones) > 1 or any(c not in _CN_DIGIT for c in tens + ones):
            return None
        return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[ones] if ones else 0)
    if not s or any(c not in _CN_DIGIT for c in s):
        return None
    return int("".join(str(_CN_DIGIT[c]) for c in s))


def _valid(y, m, d=None) -> tuple[int, int, int | None] | None:
    import datetime
    given = d is not None
    y, m, d = cn_int(y), cn_int(m), (cn_int(d) if given else None)
    if y is None or m is None or (given and d is None):
        return None
    try:
        datetime.date(y, m, d or 1)
    except ValueError:
        return None
    return y, m, d


def iso_date(date: tuple[int, int, int | None]) -> str:
    """(year, month, day or None) as YYYY-MM-DD, or YYYY-MM without a day."""
    y, m, d = date
    return f"{y:04d}-{m:02d}" + (f"-{d:02d}" if d is not None else "")


def doc_date(doc: Document) -> str | None:
    """The date the document was filled in or signed, as printed (YYYY-MM-DD, or YYYY-MM where only the
    month is): the latest labelled 填报日期 field, else the last paragraph that is a date alone (the 落款)."""
    labelled, alone = [], None
    paragraphs = [p.text for p in doc.paragraphs()]
    rows = [line for t in doc.tables() for r in t.rows if "日期" in (line := " ".join(filter(None, r)))]
    for line in [x for x in paragraphs if "日期" in x] + rows:          # only a labelled line is searched
        for pat in V.DATE_FULL:
            for m in pat.finditer(line):
                if V.DATE_LABEL.search(line[max(0, m.start() - 12):m.start()]) and (d := _valid(*m.groups())):
                    labelled.append(d)
    if labelled:
        return iso_date(max(labelled, key=lambda d: (d[0], d[1], d[2] or 0)))
    for line in reversed(paragraphs):                                  # the last short line that is a date
        if len(line) > 40 or "年" not in line and not any(s in line for s in ".-/．／"):
            continue
        bare = re.sub(r"\s+", "", line)
        if bare and len(bare) <= 16:
            m = next((m for pat in V.DATE_FULL if (m := pat.fullmatch(bare))), None) or V.DATE_MONTH.match(bare)
            if m and (d := _valid(*m.groups())):
                alone = d
                break
    return iso_date(alone) if alone else None


def version_mark(doc: Document) -> str | None:
    """A version word bracketed in the title lines (（更正）, 【修订版】, (第二版)): which version of a report
    this document says it is. A sentence (one ending in 。) is no title."""
    for text in title_lines(p.text for p in doc.paragraphs()):
        for m in V.VERSION_IN_TITLE.finditer(text):
            if version_of(m.group(1))[2]:
                return re.sub(r"\s+", "", m.group(1))
    return None


def version_of(words: str | None) -> tuple[int, int, str | None]:
    """(direction, number, the words) of what a file name or title says of its version: direction 1 for a
    later version (更正, 修订, 定稿 …), -1 for an earlier one (初稿, 征求意见稿 …), 0 for none; number from
    v2, 第二版, 三稿 (0 for none); the matched words joined by 、, None when nothing matched."""
    words = words or ""
    later, earlier = V.VERSION_LATER.findall(words), V.VERSION_EARLIER.findall(words)
    number, numbered = 0, []
    for m in V.VERSION_NUMBER.finditer(words):
        n = cn_int(next(g for g in m.groups() if g)) or 0
        if n:
            number = max(number, n)
            numbered.append(m.group(0))
    said = "、".join(dict.fromkeys(later + earlier + numbered)) or None
    return (bool(later) and not earlier) - (bool(earlier) and not later), number, said


# ---- the 部门决算 results paragraph --------------------------------------------------------------
# 绩效自评的N年度项目M个，涉及预算金额F万元，平均得分S分（其中，绩效评级为"优"的项目a个；…）.
# Some PDF text layers put the figures on the line after their labels, so the sentence is read as
# two ordered streams, label slots and numbers, and paired in order rather than by position.
NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_NOISE = re.compile(r"[\s“”\"'‘’「」『』]+")
MAX_LINES = 16  # the statement never runs longer than this many lines of a page


def labels(text: str) -> str:
    """Text without figures, whitespace and quotes: the same for both PDF line layouts."""
    return _NOISE.sub("", NUMBER.sub("", text))


def dept_summary(doc: Document) -> dict | None:
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
    fields["agency"] = dept_agency(lines)
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
    m = V.DEPT_ANCHOR.search("".join(parts))
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
    anchor = V.DEPT_ANCHOR.search(lab)
    if not anchor:
        return None
    slots = list(V.DEPT_SLOT.finditer(lab))
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
                if all(out[k] is not None for k in grades.COUNT_COLUMNS.values()):
                    break  # the last grade of the scale ends the statement
    if out["projects_evaluated"] is None and out["avg_score"] is None:
        return None
    return out


def _grade_key(before: str) -> str | None:
    """Which grade count a 个 slot holds, from the words just before it (为"优"的项目)."""
    m = V.DEPT_GRADE_COUNT.search(before)
    g = grades.contract(m.group(1)) if m else None
    return grades.COUNT_COLUMNS[g] if g else None


def dept_agency(lines: list[str]) -> str | None:
    """The department's full name: from 第一部分 X概况, else the cover title before 年度部门决算."""
    squeezed = [arabic_years(re.sub(r"\s+", "", line)) for line in lines]
    for line in squeezed:
        m = V.DEPT_PART_ONE.search(line)
        if m:
            return m.group(1)
    cover = ""
    for line in squeezed[:8]:
        cover += line
        m = V.DEPT_COVER.search(cover)
        if m:
            return re.sub(r"\d{4}$", "", m.group(1))
    return None


def _title_year(lines: list[str]) -> int | None:
    for line in lines[:40]:
        m = V.DEPT_TITLE_YEAR.search(arabic_years(re.sub(r"\s+", "", line)))
        if m:
            return int(m.group(1))
    return None

