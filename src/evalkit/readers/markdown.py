"""Markdown reader: what pandoc, markitdown, MinerU, Docling or PyMuPDF4LLM made of a report.

Tables come in four shapes, often in one file:
(a) pipe tables, with or without leading/trailing pipes and alignment rows, `\\|` for a pipe inside a
    cell and `<br>` for a line break; also bare pipe-separated text (no alignment row);
(b) grid tables (`+---+---+`, pandoc), cells spanning rows and columns included;
(c) HTML `<table>` blocks (MinerU, pandoc's fallback), read by the HTML reader's table code;
(d) nothing else: headings, list items and text lines become paragraphs (`#`, `**`, `>`, bullets
    stripped; images, HTML comments and rules dropped).

A pipe table cannot say that a cell is merged, so converters write merged cells one of three ways;
each is turned back into the model's physical cells (see model.py):
- repeated in every grid position it covers (Docling): a run of equal label text collapses to one
  cell, horizontally, and vertically ('' below) down the label columns left of the indicator name;
  figures ('10' '10', '12次' '12次') stay apart unless their header cell is merged over them too;
- left empty (PyMuPDF4LLM, pandoc): kept as is, an empty cell reads like a merged one;
- dropped, so the row's remaining cells shift left (markitdown): a short row under a header is
  padded on the left by as many cells as puts its labels and figures under the matching headers.
"""
from __future__ import annotations

import html as _html
import re
import unicodedata
from pathlib import Path

from evalkit.recognize import budget, indicator_table
from evalkit.recognize import vocabulary as V
from evalkit.model import Document, LimitExceeded, Paragraph, ReadError, Table
from evalkit.normalize import clean_text, is_empty_mark, parse_measure, parse_number
from evalkit.readers.grid import Span, rows_from_spans
from evalkit.readers.safety import CellBudget, human_size, limits, read_text_file

ENV_HINT = "（确属报告时可用环境变量 EVALKIT_LIMIT_{} 调高上限）"

# ---------------------------------------------------------------- inline text

_INLINE = re.compile(
    r"\\([!-/:-@\[-`{-~])"                      # backslash escape of ASCII punctuation
    r"|<br\s*/?\s*>"                              # line break
    r"|<!--(?:(?!<!--)[\s\S])*?-->"                # comment
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # other inline tags: dropped, their text kept
    r"|&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"   # entity
    r"|\*\*|__|~~")                               # strong emphasis, strike-through markers
# Each attempt of these stops at the next opening character, so a hostile line costs linear time.
_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
_LINK = re.compile(r"(?<!\\)\[([^\[\]\n]*)\]\([^()\n]*\)")
_CODE_SPAN = re.compile(r"(?<![`\\])`([^`\n]+)`(?!`)")


MAX_INLINE = 100_000         # characters of one cell or line whose inline markup is undone
_INLINE_TRIGGER = re.compile(r"[\\<&*_~]")


def _group1(m: re.Match) -> str:
    return m.group(1)


def _inline_sub(m: re.Match) -> str:
    if m.group(1) is not None:
        return m.group(1)
    s = m.group(0)
    if s.startswith("&"):
        return _html.unescape(s)
    if s[:3].lower() == "<br":
        return "\n"
    return ""


def inline_text(s: str) -> str:
    """Markdown inline markup -> plain text: escapes undone, <br> -> '\\n', tags, images and
    emphasis markers dropped, links kept as their text; each line stripped, blank lines dropped."""
    if not s:
        return ""
    if len(s) > MAX_INLINE:                     # no real cell or line is this long: kept as written
        return "\n".join(line.strip() for line in s.split("\n") if line.strip())
    if "![" in s:                               # each pattern only where its opening can occur
        s = _IMAGE.sub("", s)
    if "](" in s:
        s = _LINK.sub(_group1, s)
    if "`" in s:
        s = _CODE_SPAN.sub(_group1, s)
    if _INLINE_TRIGGER.search(s):
        s = _INLINE.sub(_inline_sub, s)
    lines = (line.strip() for line in s.replace("\u00a0", " ").split("\n"))
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- line kinds

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(?!#)\s*")
_BULLET = re.compile(r"\s*[-*+•]\s+(?:\[[ xX]\]\s+)?")
_QUOTE = re.compile(r"\s*>\s?")
_DELIM_CELL = re.compile(r":?-+:?")
_HTML_TABLE_OPEN = re.compile(r"<table[\s>/]", re.I)
_HTML_TABLE_CLOSE = re.compile(r"</table\s*>", re.I)
_COMMENT_LINE = re.compile(r"^\s*<!--.*-->\s*$")
_PIPE_TOKEN = re.compile(r"\\.|\|")


def _has_pipe(line: str) -> bool:
    """A pipe that is not escaped."""
    i = line.find("|")
    while i >= 0:
        n = 0
        while i - n - 1 >= 0 and line[i - n - 1] == "\\":
            n += 1
        if n % 2 == 0:
            return True
        i = line.find("|", i + 1)
    return False


def split_pipe_row(line: str, outer: bool = True) -> list[str]:
    """One pipe-table line -> its raw cell texts ('\\|' is a pipe in a cell). With `outer` a leading
    and a trailing pipe are the row's borders (GFM: optional); in a table written without outer
    pipes every pipe separates two cells, so '|a|b|' is ['', 'a', 'b', '']."""
    s = line.strip()
    cells: list[str] = []
    buf: list[str] = []
    pos = 0
    for m in _PIPE_TOKEN.finditer(s):
        buf.append(s[pos:m.start()])
        pos = m.end()
        if m.group(0) == "|":
            cells.append("".join(buf))
            buf = []
        elif m.group(0) == "\\|":
            buf.append("|")
        else:
            buf.append(m.group(0))          # other escapes are undone with the inline markup
    buf.append(s[pos:])
    cells.append("".join(buf))
    if outer and s.startswith("|"):
        cells = cells[1:]
    if outer and len(cells) > 1 and s.endswith("|") and not s.endswith("\\|"):
        cells = cells[:-1]
    return cells


def _is_delimiter(cells: list[str], index: int) -> bool:
    """An alignment row (|---|:--:|); anywhere but the second line it needs a 3-dash cell."""
    parts = [c.strip() for c in cells]
    filled = [p for p in parts if p]
    if not filled or not all(_DELIM_CELL.fullmatch(p) for p in filled):
        return False
    return index == 1 or any(p.count("-") >= 3 for p in filled)


def _is_grid_border(line: str) -> bool:
    """'+---+===+' (string tests, no regex: a 20 MB border costs one pass)."""
    s = line.strip()
    return (len(s) >= 3 and s[0] == "+" and s[-1] == "+" and "++" not in s
            and not s.strip("+-=:") and ("-" in s or "=" in s))


def _is_rule(line: str) -> bool:
    """A thematic break or setext underline: '---', '***', '___', '===' (spaces allowed)."""
    s = line.strip()
    if len(s) < 3 or s[0] not in "-*_=":
        return False
    s = s.replace(" ", "").replace("\t", "")
    return len(s) >= 3 and not s.strip(s[0])


# ---------------------------------------------------------------- detection

def looks_like_markdown(text: str) -> bool:
    """True when a text's tables are Markdown: a pipe table (an alignment row under a pipe line,
    three lines in a row that start with a pipe, or three pipe-separated lines with the same
    number of pipes), a grid table or an HTML <table>; and its table lines are at least as many
    as its tab-separated lines (the tables of plain-text exports)."""
    md_lines = tab_lines = 0
    evidence = False
    run_lead = run_same = 0
    prev_count = -1
    lines = text.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        if "\t" in line and s:
            tab_lines += 1
        if _HTML_TABLE_OPEN.search(line):
            evidence = True
            md_lines += 1 + len(re.findall(r"<tr[\s>]", line, re.I))
            continue
        if _is_grid_border(s):
            md_lines += 1
            if i + 1 < len(lines) and lines[i + 1].strip()[:1] in ("|", "+"):
                evidence = True
            continue
        if not (s and _has_pipe(s)):
            run_lead = run_same = 0
            prev_count = -1
            continue
        md_lines += 1
        count = s.count("|")
        if prev_count >= 0 and _is_delimiter(split_pipe_row(s), 1):
            evidence = True
        run_lead = run_lead + 1 if s.startswith("|") else 0
        run_same = run_same + 1 if count == prev_count else 1
        if run_lead >= 3 or (run_same >= 3 and count >= 2):
            evidence = True
        prev_count = count
    return evidence and md_lines >= tab_lines


# ---------------------------------------------------------------- limits

class _Budget:
    """Columns, rows and cells of one document against the limits in force (read at call time)."""

    def __init__(self):
        lim = limits()
        self.max_cols, self.max_rows, self.max_span = lim.max_cols, lim.max_rows, lim.max_span
        self.cells = CellBudget("Markdown 文件中表格的单元格", "请只保留含自评表的部分后再导入")

    def cols(self, n: int) -> None:
        if n > self.max_cols:
            raise LimitExceeded(f"Markdown 表格有 {n:,} 列，超过上限 {self.max_cols:,} 列（疑似恶意构造的文件），未读取"
                                + ENV_HINT.format("MAX_COLS"))

    def rows(self, n: int) -> None:
        if n > self.max_rows:
            raise LimitExceeded(f"Markdown 表格超过 {self.max_rows:,} 行的上限，未读取" + ENV_HINT.format("MAX_ROWS"))

    def add(self, n: int) -> None:
        self.cells.take(n)


# ---------------------------------------------------------------- merged cells

NUMERIC_ROLES = {"weight", "score", "budget_initial", "budget_full_year", "executed", "execution_rate",
                 "budget_weight", "budget_score"}


def _header(row: list[str]):
    """('indicator'|'budget', role per column) when the row is a header the recognizer reads, else None."""
    cells = [clean_text(c) or "" for c in row]
    if any(parse_number(c) is not None for c in cells if c):
        return None
    roles = indicator_table.header_roles(cells)
    if indicator_table.is_header(roles):
        return "indicator", roles
    broles = budget.header_roles(cells)
    if budget.is_header(broles):
        return "budget", broles
    return None


def _first_value_col(kind: str, roles: list) -> int:
    """Columns left of this one hold labels: the indicator name column, the first budget figure."""
    if kind == "indicator":
        for want in ("level3", "level2"):
            if want in roles:
                return roles.index(want)
        return 0
    cols = [i for i, r in enumerate(roles) if r]
    return min(cols) if cols else 0


def _label_like(t: str) -> bool:
    """Words rather than a figure: not a number, not an empty mark, not a short measure ('≥1人')."""
    if not t or is_empty_mark(t) or parse_number(t) is not None:
        return False
    c = clean_text(t) or ""
    return not (len(c) <= 12 and parse_measure(c)[1] is not None)


def _collapse_h(t: str, c0: int, c1: int, own, hdr) -> bool:
    """Whether a run of equal cells c0..c1 is one merged cell."""
    if own is not None:                         # a header row: its words
        return _label_like(t)
    if hdr is not None and any(h0 <= c0 and c1 <= h1 for h0, h1 in hdr[2] if h1 > h0):
        return True                             # under a merged header cell: its cells merge too
    if not _label_like(t):
        return False
    if c1 - c0 == 1 and not (V.TOTAL_LABEL.match(V.key(t)) or V.is_level1(t) or V.is_level2(t)):
        if hdr is not None and hdr[0] == "indicator":
            return False                        # two value columns saying the same ('合格' '合格')
        if hdr is None and len(clean_text(t) or "") <= 4:
            return False                        # no header to tell: a short word may be two values
    return True


def collapse_repeats(rows: list[list[str]], ctx: dict | None = None) -> list[list[str]]:
    """A full grid whose merged cells are repeated in each position (Docling) -> physical cells.

    `ctx` carries the last header from one table to the next of a document: a table continued on
    the next page (as wide, without its header) is read under the header of the one before."""
    spans: list[Span] = []
    open_: dict[tuple[int, int], Span] = {}
    ctx = {} if ctx is None else ctx
    hdr = ctx.get("hdr") if ctx.get("width") == len(rows[0]) else None   # (kind, roles, groups)
    for r, row in enumerate(rows):
        own = _header(row)
        if row and V.key(row[0]) == "项目名称":
            hdr = None                          # a new project's table: no header above it counts
        groups: list[tuple[int, int, str]] = []
        c = 0
        while c < len(row):
            t = row[c]
            end = c
            while t and end + 1 < len(row) and row[end + 1] == t:
                end += 1
            if end > c and _collapse_h(t, c, end, own, hdr):
                groups.append((c, end, t))
            else:
                groups.extend((k, k, row[k]) for k in range(c, end + 1))
            c = end + 1
        limit = _first_value_col(hdr[0], hdr[1]) if hdr is not None else None
        new_open: dict[tuple[int, int], Span] = {}
        left_cont = True
        for c0, c1, t in groups:
            prev = open_.get((c0, c1))
            cont = (prev is not None and t and prev.text == t and left_cont and own is None
                    and _label_like(t) and (limit is None or c1 < limit))
            if cont:
                prev.r1 = r
                new_open[(c0, c1)] = prev
            else:
                s = Span(r, r, c0, c1, t)
                spans.append(s)
                new_open[(c0, c1)] = s
            left_cont = bool(cont)
        open_ = new_open
        if own is not None:
            hdr = (own[0], own[1], [(c0, c1) for c0, c1, _ in groups])
    ctx["hdr"], ctx["width"] = hdr, len(rows[0])
    return rows_from_spans(spans)


def _fit(cells: list[str], roles: list, label_col: int | None) -> float:
    """How well a row's cells sit under a header's columns: figures under figure columns, level
    labels under level columns, the row's first words where the row above has its first words."""
    if len(cells) > len(roles) and any(cells[len(roles):]):
        return float("-inf")
    s = 0.0
    first = next((i for i, c in enumerate(cells) if c), None)
    if label_col is not None and first == label_col and _label_like(cells[first]):
        s += 0.5
    for c, role in zip(cells, roles):
        if not c:
            continue
        if role in NUMERIC_ROLES:
            s += 1 if (parse_number(c) is not None or is_empty_mark(c)) else -1
        elif role == "level1":
            s += 1 if V.is_level1(c) else -1
        elif role == "level2":
            s += 1 if (V.is_level2(c) or V.is_level1(c) or (V.level_name(c) or "").endswith("指标")) else -1
        elif role == "level3":
            s += 0.5 if _label_like(c) and not V.is_level2(c) else -0.5
    return s


MAX_SHIFT = 32      # cells a row may have lost to merges on its left (a real header has about ten)


def realign_shifted(rows: list[list[str]]) -> list[list[str]]:
    """Rows whose merged cells were dropped (markitdown): a short row with figures under a header
    gets empty cells on the left, as many as fit its cells best under the header's columns."""
    out: list[list[str]] = []
    hdr = None
    label_col = None                     # where the row above has its first words
    for row in rows:
        own = _header(row)
        if own is not None:
            hdr, label_col = own, None
            out.append(row)
            continue
        filled = [c for c in row if c]
        if hdr is not None and len(row) < len(hdr[1]) and filled:
            total = V.TOTAL_LABEL.match(V.key(filled[0])) or V.OVERALL_SCORE_LABEL.match(V.key(filled[0]))
            deficit = len(hdr[1]) - len(row)
            if (not total and deficit <= MAX_SHIFT
                    and any(parse_number(c) is not None or is_empty_mark(c) for c in filled)):
                best_k, best = 0, _fit(row, hdr[1], label_col)
                for k in range(1, deficit + 1):
                    f = _fit([""] * k + row, hdr[1], label_col)
                    if f > best:
                        best_k, best = k, f
                row = [""] * best_k + row
        first = next((i for i, c in enumerate(row) if c), None)
        label_col = first if first is not None and _label_like(row[first]) else None
        out.append(row)
    return out


def physical_rows(rows: list[list[str]], ctx: dict | None = None) -> list[list[str]]:
    """Rows of a Markdown table (converter-written) -> the model's physical cells: a full grid has
    its repeated merged cells collapsed, a ragged one its shifted rows realigned."""
    rows = [r for r in rows if r]
    if not rows:
        return rows
    widths = {len(r) for r in rows}
    if len(widths) == 1:
        return collapse_repeats(rows, ctx)
    if ctx is not None:
        ctx.clear()
    return realign_shifted(rows)


# ---------------------------------------------------------------- pipe tables

def _outer_pipes(lines: list[str]) -> bool:
    """Whether a table is written with outer pipes: its alignment row says (it never starts with an
    empty cell), else its first line."""
    for line in lines[:2]:
        if _is_delimiter(split_pipe_row(line), 1):
            return line.strip().startswith("|")
    return lines[0].strip().startswith("|")


def _pipe_table(lines: list[str], budget: _Budget, ctx: dict | None = None) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in lines:
        budget.cols(line.count("|") - 1)       # before splitting: a 100,000-column line costs nothing
    outer = _outer_pipes(lines)
    for i, line in enumerate(lines):
        cells = split_pipe_row(line, outer)
        if _is_delimiter(cells, i):
            continue
        budget.cols(len(cells))
        budget.add(len(cells))
        rows.append([inline_text(c) for c in cells])
        budget.rows(len(rows))
    return physical_rows(rows, ctx)


# ---------------------------------------------------------------- grid tables

_FILLER = "\0"
GRID_MAX_WIDTH = 20_000     # display columns; a wider "grid table" is read by its pipes alone


def _width_narrow(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _width_ambiguous_wide(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def _width_chars(ch: str) -> int:
    return 1


def _canvas(lines: list[str], width) -> list[str] | None:
    """Lines laid out in display columns (a wide character followed by a filler); None unless all
    lines come out equally wide."""
    out = []
    for line in lines:
        if line.isascii() or width is _width_chars:
            out.append(line)
            continue
        out.append("".join(ch + _FILLER if width(ch) == 2 else ch for ch in line))
    return out if len({len(x) for x in out}) == 1 else None


class _TooLong(Exception):
    pass


def _grid_cells(g: list[str]):
    """docutils' grid-table scan: the cells as (top, left, bottom, right) on the canvas, or None
    (not a well-formed grid, or a scan costing more than a few passes over its area)."""
    H, W = len(g), len(g[0])
    if g[0][:1] != "+" or g[-1][:1] != "+":
        return None
    steps = [4 * H * W + 1000]

    def spend(n: int) -> None:
        steps[0] -= n
        if steps[0] < 0:
            raise _TooLong

    def scan_left(top, left, bottom, right) -> bool:
        """The bottom edge back to the bottom-left corner, then the left edge up."""
        if g[bottom][left] != "+":
            return False
        spend(right - left + bottom - top)
        if g[bottom][left + 1:right].strip("-=+:"):
            return False
        return all(g[r][left] in "|+" for r in range(top + 1, bottom))

    def scan_down(top, left, right):
        for bottom in range(top + 1, H):
            spend(1)
            ch = g[bottom][right]
            if ch == "+":
                if scan_left(top, left, bottom, right):
                    return bottom
            elif ch != "|":
                return None
        return None

    def scan(top, left):
        row = g[top]
        prev = left
        right = row.find("+", left + 1)
        while right != -1:
            spend(right - prev)
            if row[prev + 1:right].strip("-=:"):
                return None                 # the top edge ends before this corner
            bottom = scan_down(top, left, right)
            if bottom is not None:
                return bottom, right
            prev, right = right, row.find("+", right + 1)
        return None

    cells = []
    seen = set()
    corners = [(0, 0)]
    while corners:
        top, left = corners.pop()
        if (top, left) in seen or top >= H - 1 or left >= W - 1:
            continue
        seen.add((top, left))
        try:
            found = scan(top, left)
        except _TooLong:
            return None
        if found is None:
            continue
        bottom, right = found
        cells.append((top, left, bottom, right))
        corners.extend([(bottom, left), (top, right)])
    area = sum((b - t) * (r - l) for t, l, b, r in cells)
    if not cells or area != (H - 1) * (W - 1):
        return None
    return cells


def _cell_lines_text(lines: list[str]) -> str:
    """A grid cell's lines: a trailing backslash is a hard line break, a blank line a paragraph
    break, other line ends are soft (a space)."""
    out: list[str] = []
    cur = ""
    for line in lines:
        s = line.strip()
        if not s:
            if cur:
                out.append(cur)
                cur = ""
            continue
        hard = s.endswith("\\") and not s.endswith("\\\\")
        s = s[:-1].rstrip() if hard else s
        cur = f"{cur} {s}" if cur else s
        if hard:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return inline_text("\n".join(out))


def _grid_table(lines: list[str], budget: _Budget) -> list[list[str]]:
    lines = [line.strip() for line in lines]
    budget.cols(max(line.count("+") for line in lines) - 1)
    widths = (_width_narrow, _width_ambiguous_wide, _width_chars)
    if max(len(line) for line in lines) > GRID_MAX_WIDTH:
        widths = ()
    for width in widths:
        g = _canvas(lines, width)
        if g is None:
            continue
        cells = _grid_cells(g)
        if cells is None:
            continue
        tops = sorted({t for t, _, _, _ in cells} | {len(g) - 1})
        lefts = sorted({lft for _, lft, _, _ in cells} | {len(g[0]) - 1})
        ri = {y: i for i, y in enumerate(tops)}
        ci = {x: i for i, x in enumerate(lefts)}
        if any(b not in ri or r not in ci for _, _, b, r in cells):
            continue
        budget.cols(len(lefts) - 1)
        budget.rows(len(tops) - 1)
        budget.add(len(cells))
        spans = []
        for t, lft, b, r in sorted(cells):
            text = _cell_lines_text([g[y][lft + 1:r].replace(_FILLER, "") for y in range(t + 1, b)])
            r0, c0 = ri[t], ci[lft]
            r1 = min(ri[b] - 1, r0 + budget.max_span - 1)
            c1 = min(ci[r] - 1, c0 + budget.max_span - 1)
            spans.append(Span(r0, r1, c0, c1, text))
        return rows_from_spans(spans)
    return _ragged_grid(lines, budget)


_PARTIAL_BORDER = re.compile(r"\+[-=:]{3,}\+")


def _ragged_grid(lines: list[str], budget: _Budget) -> list[list[str]]:
    """A grid table whose borders do not line up (typed by hand, or widths counted differently):
    each run of '|' lines between borders is one row, split at its pipes, lines joined per column."""
    rows: list[list[str]] = []
    block: list[list[str]] = []

    def flush():
        if block:
            n = max(len(b) for b in block)
            cols = [[b[i] if i < len(b) else "" for b in block] for i in range(n)]
            rows.append([_cell_lines_text(col) for col in cols])
            budget.add(n)
            budget.rows(len(rows))
            block.clear()

    for line in lines:
        if line.startswith("+") or _PARTIAL_BORDER.search(line):
            flush()                             # a border, or one under some columns (a rowspan beside)
        elif line.startswith("|"):
            budget.cols(line.count("|") - 1)
            block.append(split_pipe_row(line))
    flush()
    return physical_rows(rows)


# ---------------------------------------------------------------- HTML blocks

def _html_blocks(chunk: str, budget: _Budget) -> list:
    """An HTML fragment (tables and the text around them) through the HTML reader's code, which
    clips spans to LIMITS.max_span and counts the cells against the same budget."""
    import lxml.etree
    import lxml.html

    from evalkit.readers.html import IGNORED, _flow

    if not chunk.strip():
        return []
    try:
        root = lxml.html.document_fromstring(chunk)
    except Exception:          # lxml refuses some fragments (only comments, a stray encoding declaration)
        text = inline_text(chunk)
        return [Paragraph(line) for line in text.split("\n") if line]
    for el in list(root.iter(*IGNORED)) + list(root.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        if el.getparent() is not None:
            el.drop_tree()
    for table in root.iter("table"):
        trs = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
        budget.rows(len(trs))
        for tr in trs:
            width = 0
            for td in tr.xpath("./td | ./th"):
                try:
                    width += min(max(1, int(str(td.get("colspan", "1")).strip() or 1)), budget.max_span)
                except ValueError:
                    width += 1
            budget.cols(width)
    try:
        return list(_flow(root, budget.cells))
    except RecursionError:
        raise LimitExceeded("Markdown 中 HTML 表格的标签嵌套过深（疑似恶意构造的文件），无法读取") from None


# ---------------------------------------------------------------- document

def _text_blocks(lines: list[str], budget: _Budget, first_line: int = 1) -> list:
    """Plain text lines (a code block, a text export saved as .md) read as the text reader reads them."""
    from evalkit.readers.text import parse_text

    blocks = parse_text("\n".join(lines), first_line=first_line).blocks
    for b in blocks:
        if isinstance(b, Table):
            budget.rows(len(b.rows))
            for row in b.rows:
                budget.cols(len(row))
                budget.add(len(row))
    return blocks


def _paragraph_text(line: str) -> str:
    m = _HEADING.match(line)
    s = line
    if m:
        s = line[m.end():].rstrip()
        body = s.rstrip("#")
        if body != s and (not body or body[-1].isspace()):
            s = body                            # closing hashes: '## 标题 ##'
    for pat in (_QUOTE, _BULLET):       # '> > text', '- - text': a few levels, no nested quantifier
        for _ in range(8):
            m = pat.match(s)
            if not m:
                break
            s = s[m.end():]
    return inline_text(s)


def parse_markdown(text: str, source: str = "<markdown>", fmt: str = "md") -> Document:
    """Split a Markdown text into paragraphs and tables (see module docstring)."""
    doc = Document(source=source, format=fmt)
    budget = _Budget()
    ctx: dict = {}                               # the last table header, for a table continued below
    lines = text.splitlines()
    n = len(lines)
    i = 0

    def para(line: str) -> None:
        for part in _paragraph_text(line).split("\n"):
            if part:
                doc.blocks.append(Paragraph(part, line=i + 1))

    def table(rows: list[list[str]]) -> None:
        rows = [r for r in rows if any(c for c in r)]
        if rows:
            doc.blocks.append(Table(rows))

    while i < n:
        line = lines[i]
        s = line.strip()
        if not s or _COMMENT_LINE.match(line):
            i += 1
            continue
        m = _FENCE.match(line)
        if m:                                     # fenced code: a text export's lines (tab tables too)
            fence = m.group(1)
            j = i + 1
            while j < n and not lines[j].strip().startswith(fence[0] * len(fence)):
                j += 1
            doc.blocks.extend(_text_blocks(lines[i + 1:j], budget, first_line=i + 2))
            i = j + 1
            continue
        if _HTML_TABLE_OPEN.search(line):
            depth, j = 0, i
            while j < n:
                depth += len(_HTML_TABLE_OPEN.findall(lines[j])) - len(_HTML_TABLE_CLOSE.findall(lines[j]))
                j += 1
                if depth <= 0:
                    break
            doc.blocks.extend(_html_blocks("\n".join(lines[i:j]), budget))
            i = j
            continue
        if _is_grid_border(s) and i + 1 < n and lines[i + 1].strip()[:1] in ("|", "+"):
            j = i + 1
            while j < n and lines[j].strip()[:1] in ("|", "+"):
                j += 1
            table(_grid_table(lines[i:j], budget))
            i = j
            continue
        if _has_pipe(s):
            j = i
            while j < n and lines[j].strip() and _has_pipe(lines[j]) and not _HTML_TABLE_OPEN.search(lines[j]):
                j += 1
            run = lines[i:j]
            single = len(run) == 1 and s.startswith("|") and s.endswith("|") and s.count("|") >= 3
            if len(run) >= 2 or single:
                table(_pipe_table(run, budget, ctx))
                i = j
                continue
        if _is_rule(line) or _is_grid_border(s):
            i += 1                                # a rule or a setext underline
            continue
        para(line)
        i += 1
    return doc


# ---------------------------------------------------------------- files

def read_markdown(path: Path) -> Document:
    """Read a .md file (any converter's flavour); ReadError (Chinese) when it cannot be read."""
    from evalkit.readers.text import decode

    path = Path(path)
    raw = read_text_file(path, "Markdown ")
    if not raw:
        raise ReadError("Markdown 文件为空（0 字节）")
    try:
        text, warnings = decode(raw)
    except LimitExceeded:
        raise
    except ReadError as e:
        raise ReadError(str(e).replace("扩展名却是 .txt", f"扩展名却是 {path.suffix or '.md'}")
                        .replace("重新导出为 UTF-8 编码的 .txt", "重新导出为 UTF-8 编码的 Markdown")) from None
    if not text.strip():
        raise ReadError("Markdown 文件只有空白字符，没有文字")
    doc = parse_markdown(text, source=str(path))
    if not any(isinstance(b, Table) for b in doc.blocks) and "\t" in text:
        plain = _text_blocks(text.splitlines(), _Budget())     # a tab-separated text export named .md
        if any(isinstance(b, Table) for b in plain):
            doc.blocks = plain
    if not doc.blocks:
        raise ReadError("Markdown 文件中没有找到段落或表格（只有空行、注释或图片）")
    doc.warnings.extend(warnings)
    return doc


def read_text_or_markdown(path: Path) -> Document:
    """A .txt file: read as Markdown when its tables are Markdown (a converter's output saved as
    .txt), else exactly as the plain-text reader reads it."""
    from evalkit.readers.text import decode, read_text

    path = Path(path)
    try:
        raw = read_text_file(path, "文本")
        text, warnings = decode(raw) if raw else ("", [])
    except ReadError:
        return read_text(path)                    # the plain-text reader says what is wrong, its way
    if not looks_like_markdown(text):
        return read_text(path)
    doc = parse_markdown(text, source=str(path))
    if not doc.blocks:
        return read_text(path)
    doc.warnings.extend(warnings)
    return doc
