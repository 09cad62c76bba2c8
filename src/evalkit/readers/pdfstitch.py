"""Tables continued over a page break stitched into one (see `stitch`): a table that ends its page continues in one
that starts the next (a landscape or /Rotate 90 page included: geometry compared per page size and from each table's
own left edge); header rows repeated on the new page dropped; a row broken across the break joined back into one
(`_broken_row`); a group label merged over the break and printed in its lower part only labels the rows above it too
(`_label_on_next_page`); running headers, page numbers and print titles left out."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from evalkit.model import Paragraph, Table
from evalkit.normalize import HAS_DIGIT, WS, strip_list_prefix
from evalkit.readers.aligned import AlignedTable, continues, regrid
from evalkit.readers.pdfpage import EDGE_TOL, CellGeom, PageContent, PageTable, aligned_page_table
from evalkit.recognize.vocabulary import OPTIONAL_NOTE

# a template's optional line, left unused at the top of a page (生态效益（可选项）): a row of its own
OPTIONAL_LINE = re.compile(r"[^（(]{2,12}" + OPTIONAL_NOTE.pattern)

MARGIN_SHARE = 0.08      # top/bottom band of a page where running headers/page numbers sit
SHORT_CELL = 6             # characters: a header word or a label, not a sentence
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(\d{1,4}|第\s*\d+\s*页.*|\d+\s*/\s*\d+)[-—–\s]*$")
_FIGURE = re.compile(r"[\s\d.,%+\-−—–/]+")   # a cell holding a figure (or a dash) only


def _in_band(top: float, height: float) -> bool:
    """A line at this height sits in the page's top or bottom band, where running headers and page numbers are."""
    return top < height * MARGIN_SHARE or top > height * (1 - MARGIN_SHARE)


def _shape(text: str) -> str:
    """A line with its digits as # and no spaces: the same running header on every page (第 1 页, 第 2 页)."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def running_lines(pages: list[PageContent]) -> set[str]:
    """Top/bottom-band lines (digits blanked) that recur on 3+ pages: running headers and footers."""
    counts: Counter = Counter()
    for page in pages:
        counts.update({_shape(item.text) for top, _, item in page.items
                       if isinstance(item, Paragraph) and _in_band(top, page.height)})
    return {text for text, n in counts.items() if n >= 3}


def _is_furniture(top: float, item, height: float, running: set[str]) -> bool:
    """A page number or running header/footer line in the page's top or bottom band."""
    if not isinstance(item, Paragraph) or not _in_band(top, height):
        return False
    return bool(_PAGE_NUMBER.match(item.text)) or _shape(item.text) in running


def _continues(prev: PageTable, nxt: PageTable, body_bottom: float, h: int = 0) -> bool:
    """Same table across a page break: the first fragment stopped because the next row did not
    fit (little room left under it; the next row follows `h` repeated header rows), and both
    have the same outer edges or grid columns. body_bottom: the lowest content edge on pages
    of prev's size (the bottom margin)."""
    no_room = body_bottom - prev.bbox[3] <= nxt.lead(h) + 2 * EDGE_TOL
    same_edges = abs(prev.bbox[0] - nxt.bbox[0]) <= 2 * EDGE_TOL and abs(prev.bbox[2] - nxt.bbox[2]) <= 2 * EDGE_TOL
    return no_room and (same_edges or prev.n_cols == nxt.n_cols)


def _on_grid_of(prev: PageTable, nxt: PageTable, body_bottom: float) -> PageTable:
    """A page's few first lines read on their own columns (aligned `loose`: a table of other columns under them) put
    in the columns of the table they go on with from the page before, when they do (`_continues`)."""
    if nxt.aligned is None or not nxt.aligned.loose or prev.aligned is None:
        return nxt
    again = regrid(nxt.aligned, prev.aligned)
    moved = aligned_page_table(again, nxt.page) if again is not None else None
    return moved if moved is not None and _continues(prev, moved, body_bottom) else nxt


def stitch(pages: list[PageContent]) -> list:
    """Blocks in order; a table that ends its page and one that starts the next are joined:
    header rows repeated on the new page dropped, a row broken across the page break made one
    row again (see `_broken_row`)."""
    running = running_lines(pages)
    bodies = [[k for k, (top, _, item) in enumerate(page.items) if not _is_furniture(top, item, page.height, running)]
              for page in pages]
    bodies = _without_print_titles(pages, bodies)
    for i in range(len(pages) - 1):
        bodies[i + 1] = _without_clipped_head(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
        # (a line under the table that the next page's first row holds is a clipped copy before it is an overflow)
        bodies[i] = _without_clipped_label(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
        bodies[i] = _with_overflow(pages[i], bodies[i], pages[i + 1], bodies[i + 1])
    bottoms: dict[int, float] = {}   # per page size (portrait/landscape): the body's bottom margin
    for page, body in zip(pages, bodies):
        low = max((page.items[k][1] for k in body), default=0.0)
        bottoms[round(page.height)] = max(bottoms.get(round(page.height), 0.0), low)
    blocks: list = []
    open_table: Table | None = None     # the last table, if it was the last thing on its page
    open_geom: PageTable | None = None
    open_last: list[tuple[CellGeom, Loc | None]] = []   # its last row's cells and where their text is
    open_cut = False                    # that last row is itself the rest of a row cut by a page break
    prev_height = 0
    for page, body in zip(pages, bodies):
        for k, (top, _, item) in enumerate(page.items):
            if isinstance(item, _Clipped):
                continue
            if isinstance(item, PageTable) and body and k == body[0] and open_geom is not None:
                item = _on_grid_of(open_geom, item, bottoms.get(prev_height, 0.0))
            if not isinstance(item, PageTable):
                blocks.append(item)
            elif body and k == body[0] and open_table is not None and _continues(
                    open_geom, item, bottoms.get(prev_height, 0.0), repeated_header(open_table.rows, item.rows)):
                open_last, open_cut = _extend(open_table, open_geom, open_last, open_cut, item,
                                              bottoms.get(prev_height, 0.0))
                open_geom = item
            else:
                open_table = Table([list(r) for r in item.rows], page=item.page, pages=[item.page] * len(item.rows),
                                   bboxes=[list(b) for b in item.boxes] if item.boxes else None)
                open_geom = item
                open_last, open_cut = _last_cells(item, 0, 0, {}), False
                blocks.append(open_table)
        if not body or not isinstance(page.items[body[-1]][2], PageTable):
            open_table = open_geom = None
            open_last, open_cut = [], False
        prev_height = round(page.height)
    return blocks


@dataclass
class _Clipped:
    """A merged label's text printed under its table's last ruled row (`_without_clipped_label`): not read there."""
    text: str


def _with_overflow(page: PageContent, body: list[int], nxt: PageContent, nxt_body: list[int]) -> list[int]:
    """The lines under the page's last table that `_overflow` found inside a cell open at its foot, when they end
    the page and a table starts the next (the rows the cell is merged over went on there): read in that cell, the
    table reaching down to them; `body` without them. Elsewhere they stay paragraphs."""
    tables = [k for k in body if isinstance(page.items[k][2], PageTable)]
    if not tables or not nxt_body or not isinstance(nxt.items[nxt_body[0]][2], PageTable):
        return body
    k = tables[-1]
    table = page.items[k][2]
    tail = [j for j in body if j > k]
    mine = {id(para): cell for cell, para in table.overflow}
    if not tail or not all(id(page.items[j][2]) in mine for j in tail):
        return body
    for j in tail:
        para = page.items[j][2]
        cell = mine[id(para)]
        cell.text = f"{cell.text}\n{para.text}" if cell.text else para.text
        cell.text_bottom = max(cell.text_bottom or 0.0, para.bbox[3])
        table.rows[cell.r0][cell.idx] = cell.text
    return _read_elsewhere(page, body, tail, table)


def _without_clipped_label(page: PageContent, body: list[int], nxt: PageContent, nxt_body: list[int]) -> list[int]:
    """A label merged over rows that run on over the page break, its cell open at the page's foot (a worksheet's
    print), is drawn where its centre falls: under the table's last ruled row, a line of its own that kept the
    table from ending its page, and again in the next page's first row. That line is left out (the next page
    has its text) and the table reaches down to it; `body` without it."""
    tables = [k for k in body if isinstance(page.items[k][2], PageTable)]
    if not tables or not nxt_body or not isinstance(nxt.items[nxt_body[0]][2], PageTable):
        return body
    k, head = tables[-1], nxt.items[nxt_body[0]][2]
    tail = [j for j in body if j > k]
    first_row = _label_shapes(head.rows[0]) if head.rows else set()
    if not tail or not _label_lines(page, tail, first_row):
        return body
    return _read_elsewhere(page, body, tail, page.items[k][2])


def _head(page: PageContent, body: list[int]) -> list[int]:
    """The page's lines of text before its first table (all of `body` where it has none)."""
    out = []
    for k in body:
        if isinstance(page.items[k][2], PageTable):
            break
        out.append(k)
    return out


def _opening(page: PageContent, k: int) -> str:
    """The shape of the first cell of the table at item k (how it starts)."""
    rows = page.items[k][2].rows
    return _shape(next((c for c in rows[0] if c.strip()), "")) if rows else ""


def _without_print_titles(pages: list[PageContent], bodies: list[list[int]]) -> list[list[int]]:
    """A worksheet printed with 打印标题 (print titles: its title rows repeated at the head of every page) has them,
    on the pages after the first, above the rest of a table that ran over the break, where they kept it apart. The
    lines before a page's first table that are the first page's first lines, at the same heights, are not the body
    (they stay in the text, as running headers do) when that table does not start as the first page's does (项目名称
    | …: a new project's table under its own title, which a document with a project a page repeats as well)."""
    if not pages or not bodies:
        return bodies
    head0 = _head(pages[0], bodies[0])
    first = [(_shape(pages[0].items[k][2].text), pages[0].items[k][0]) for k in head0
             if isinstance(pages[0].items[k][2], Paragraph)]
    opening = _opening(pages[0], bodies[0][len(head0)]) if len(head0) < len(bodies[0]) else None
    out = [bodies[0]]
    for page, body in zip(pages[1:], bodies[1:]):
        head = _head(page, body)
        same = 0                         # the head's first lines that are the first page's, at the same heights
        for k, (text, top) in zip(head, first):
            if not (isinstance(page.items[k][2], Paragraph) and _shape(page.items[k][2].text) == text
                    and abs(page.items[k][0] - top) <= EDGE_TOL):
                break
            same += 1
        if not same or len(head) == len(body) or _opening(page, body[len(head)]) == opening:
            out.append(body)
        else:
            out.append(body[same:])
    return out


def _without_clipped_head(prev: PageContent, prev_body: list[int], page: PageContent, body: list[int]) -> list[int]:
    """The other half of `_without_clipped_label`: a label merged over rows that run on over the page break, whose
    centre fell above the break, is drawn again by a worksheet's print (LibreOffice Calc), clipped, over the next
    page's first table (where the cell's centre puts it, in the top margin or over the page's edge): a line of its own
    that kept that table from going on with the page before. Such lines before the table, each the text of a cell of
    the page before's last table open at its foot (that cell has its text), are left out; `body` without them."""
    tables = [k for k in prev_body if isinstance(prev.items[k][2], PageTable)]
    head = _head(page, body)
    if not tables or len(head) == len(body):
        return body
    last = prev.items[tables[-1]][2]
    end = len(last.rows) - 1
    open_texts = _label_shapes([c.text for c in last.cells if c.r1 == end and c.open_bottom])
    if not head or not _label_lines(page, head, open_texts):
        return body
    return _read_elsewhere(page, body, head)


def _read_elsewhere(page: PageContent, body: list[int], lines: list[int], table: PageTable | None = None) -> list[int]:
    """`body` without the page's `lines`, which are no lines of their own (`_Clipped`: a cell holds their text);
    `table`, whose last row's cell it is, reaching down to them."""
    for j in lines:
        top, bottom, item = page.items[j]
        page.items[j] = (top, bottom, _Clipped(item.text))
    if table is not None:
        table.bbox = (*table.bbox[:3], max(page.items[j][1] for j in lines))
    return [j for j in body if j not in lines]


def _label_shapes(texts: list[str]) -> set[str]:
    """The shapes of cells' texts and of each of their lines (a label of three lines cut after its second: 年度 | 总体
    above the break, 目标 under it, each part's copy a line on the other page)."""
    return {_shape(t) for text in texts if text.strip() for t in (text, *text.splitlines()) if t.strip()}


def _label_lines(page: PageContent, lines: list[int], labels: set[str]) -> bool:
    """The page's items `lines` are lines of text, each a label of `labels` (shapes) or all of them one together (a
    label of two lines: 项目资金 | (元))."""
    items = [page.items[j][2] for j in lines]
    if not all(isinstance(item, Paragraph) for item in items):
        return False
    return all(_shape(item.text) in labels for item in items) or _shape("".join(i.text for i in items)) in labels


Loc = tuple[int, int]     # a cell's text in a stitched table: (row, index in the row)


def _extend(table: Table, prev: PageTable, prev_last: list, prev_cut: bool, nxt: PageTable,
            body_bottom: float) -> tuple[list, bool]:
    """Append page table `nxt` to `table` (whose last fragment is `prev`); return the cells of
    the table's new last row with their locations, and whether that row is the rest of a cut
    row (nxt held nothing else: a row running over three pages or more)."""
    h = repeated_header(table.rows, nxt.rows)
    if prev.aligned is not None and nxt.aligned is not None:     # no cells to join by: the text's rows' ends
        return _extend_aligned(table, prev.aligned, nxt, h)
    pairs = _broken_row(prev, prev_last, nxt, h, body_bottom, prev_cut)
    joined: dict[tuple[int, int], Loc] = {}
    start = h
    if pairs is None:
        body = 0 if prev.page == table.page else repeated_header(table.rows, prev.rows)   # prev's first own row
        for (r, i), b, drawn_on in _label_on_next_page(prev, prev_last, nxt, h, body):
            table.rows[r][i] = b.text
            if drawn_on:                 # one merged cell drawn on over the break, one label: not again below
                nxt.rows[b.r0][b.idx], b.text = "", ""
        moved = _merged_over_break(prev, prev_last, nxt, h)
        for (r, i), b in moved:
            if WS.sub("", b.text) != WS.sub("", table.rows[r][i]):   # (a worksheet's print draws it whole in both)
                table.rows[r][i] = f"{table.rows[r][i]}\n{b.text}"
            nxt.rows[b.r0][b.idx], b.text = "", ""
        if h < len(nxt.rows) - 1 and not any(c.strip() for c in nxt.rows[h]):
            start = h + 1                # an empty rest (a cut row's, whose text all stayed above; a merged cell's
            #                              whose text went up): no row of its own
    else:
        for loc, cell in pairs:
            if loc is None:
                continue
            r, i = loc
            if cell.text:
                table.rows[r][i] = f"{table.rows[r][i]}\n{cell.text}" if table.rows[r][i] else cell.text
            joined[(cell.r0, cell.idx)] = (r, i)
        start = h + 1
    offset = len(table.rows) - start
    _append_rows(table, nxt, start)
    return _last_cells(nxt, offset, start, joined), pairs is not None and start == len(nxt.rows)


def _append_rows(table: Table, nxt: PageTable, start: int) -> None:
    """The rows of page table `nxt` from `start` on appended to `table`, with their page and cell boxes."""
    table.rows.extend(list(row) for row in nxt.rows[start:])
    if table.pages is not None:
        table.pages.extend([nxt.page] * (len(nxt.rows) - start))
    if table.bboxes is not None:
        table.bboxes.extend(list(b) for b in (nxt.boxes[start:] if nxt.boxes else [[]] * (len(nxt.rows) - start)))


def _extend_aligned(table: Table, prev: AlignedTable, nxt: PageTable, h: int) -> tuple[list, bool]:
    """`_extend` for tables rebuilt from alignment: the next page's first row goes into the last row when its first
    line goes on with that row's cells (aligned.continues), cell by cell."""
    start = h
    if not h and continues(prev, nxt.aligned):
        last = table.rows[-1]
        for c, text in enumerate(nxt.rows[0]):
            if text and c < len(last):
                last[c] = f"{last[c]}\n{text}" if last[c] else text
        start = 1
    _append_rows(table, nxt, start)
    return [], False


def _last_cells(t: PageTable, offset: int, start: int, joined: dict) -> list[tuple[CellGeom, Loc | None]]:
    """The cells of t's last row, each with where its text now sits in the stitched table:
    rows from `start` on were appended at `offset`; the row before, if joined, went into
    the cells `joined` names; a cell starting in a dropped header row has no place (None)."""
    last = len(t.rows) - 1
    out = []
    for c in t.cells:
        if c.r1 == last:
            out.append((c, (offset + c.r0, c.idx) if c.r0 >= start else joined.get((c.r0, c.idx))))
    return out


def _edges(c: CellGeom, t: PageTable) -> tuple[float, float]:
    """A cell's left and right edges measured from its table's left edge (a landscape page may place
    the table elsewhere)."""
    return c.x0 - t.bbox[0], c.x1 - t.bbox[0]


def _same_edges(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[0] - b[0]) <= 2 * EDGE_TOL and abs(a[1] - b[1]) <= 2 * EDGE_TOL


def _label_on_next_page(prev: PageTable, prev_last: list, nxt: PageTable, h: int,
                        body: int) -> list[tuple[Loc, CellGeom, bool]]:
    """Group labels printed on the next page: a cell merged over rows (一级/二级指标) that starts at the
    foot of a page and goes on over the break is drawn in two parts, and its text, centred, may fall
    in the lower part only. The upper part is then an empty cell covering the last row, starting
    below the page's first own row `body` (one starting there may go on from the page before), in a
    column that holds cells merged over rows, under which the next page's first row (after repeated
    headers) starts a cell with the same edges and text: the upper part gets that text, so the rows
    on the first page are read in their group. A column right of such a cell is a group inside that
    group (二级 inside 一级): its empty cell at the break with a label under it is the same split, even
    where no other cell of that column spans rows. (Locations in the stitched table, the lower part's
    cell, and whether the upper part is drawn open at the break: then they are one cell, and the label
    moves up rather than being copied, so the next page's first row is read in the same group, not as a
    new one; LibreOffice closes every cell at a break, and an empty header cell there keeps a copy only.)"""
    if not any(a.text for a, _ in prev_last):
        return []
    below = [c for c in nxt.cells if c.r0 == h and c.text]
    out = []
    outer_right = None          # the right edge of the last cell given its label: the group this one is inside
    told = _cut_told(prev_last)
    for a, loc in prev_last:
        if a.text or loc is None or a.r0 <= body or (told and not a.open_bottom):
            continue
        edges = _edges(a, prev)
        inner = outer_right is not None and abs(edges[0] - outer_right) <= EDGE_TOL
        if not inner and not any(_same_edges(edges, m) for m in (*prev.merged, *nxt.merged)):
            continue
        b = next((c for c in below if _same_edges(edges, _edges(c, nxt))), None)
        if b is not None:
            out.append((loc, b, a.open_bottom))
            outer_right = edges[1]
    return out


def _cut_told(prev_last: list) -> bool:
    """The page break's rulings tell the cells going on from those that end: a browser closes the cells of the row
    before the break and leaves open only a cell merged over rows beyond it (Word leaves all open, LibreOffice
    closes all)."""
    return len({a.open_bottom for a, _ in prev_last}) == 2


def _merged_over_break(prev: PageTable, prev_last: list, nxt: PageTable, h: int) -> list[tuple[Loc, CellGeom]]:
    """A cell merged over rows on both sides of the break with text in both parts (a browser prints 项目资金 above
    the break and （万元） under it): where the rulings tell it (`_cut_told`), an open cell holding text over a cell of
    the same edges starting the next page's first row with text; where they do not (LibreOffice closes all), a cell
    merged over rows on the page before whose rest is the only text of the next page's first row (年度总体 | 目标).
    (Where the upper part's text is, with the lower part, whose text goes there.)"""
    below = [c for c in nxt.cells if c.r0 == h and c.text]
    told = _cut_told(prev_last)
    if not told and len(below) != 1:
        return []
    out = []
    for a, loc in prev_last:
        if a.text and loc is not None and (a.open_bottom if told else a.r0 < a.r1):
            b = next((c for c in below if _same_edges(_edges(a, prev), _edges(c, nxt))), None)
            if b is not None:
                out.append((loc, b))
    return out


def _unit_of(figure: str, rest: str) -> bool:
    """`rest` is the unit a figure's cell wrapped onto its next line (≤410.62 | 万元): a figure, then text without one."""
    return bool(figure) and figure[-1].isdigit() and not HAS_DIGIT.search(rest)


def repeated_header(rows: list[list[str]], nxt: list[list[str]]) -> int:
    """How many of the next page's first rows repeat the table's first rows (Word's 重复标题行)."""
    h = 0
    while h < min(len(rows), len(nxt)) and nxt[h] == rows[h] and any(c.strip() for c in rows[0]):
        h += 1
    return h


def _broken_row(prev: PageTable, prev_last: list, nxt: PageTable, h: int, body_bottom: float,
                prev_cut: bool = False) -> list | None:
    """Whether row `h` of `nxt` (the first after any repeated header rows) is the rest of the row
    that ends `prev`, cut by the page break; if so, each of its cells with the stitched table's
    cell it continues (a list of (Loc, CellGeom)), else None.

    Both rows must have the same cells (the same column edges, measured from the table's left
    edge: a landscape page may place the table elsewhere), and the continuation's text must
    sit under cells whose text ran to the foot of the page (full), or whose last line filled their width (wrapped:
    a cell centred vertically, as LibreOffice sets a web page's cells, leaves room under its part's text), or that
    ended in a figure whose unit it is (`_unit_of`), or that were empty there; a figure under a header word or a
    label (SHORT_CELL characters at most) is a new row's.
    Then:
    - drawn open (Word): no ruling under the previous row's cells, nor over the continuation's
      (a repeated header row above it draws one);
    - drawn closed (LibreOffice draws a ruling at both sides of the cut, just as between two
      rows): the previous table reached the page's foot (within two text lines), the
      continuation has text, some cell the previous row starts (not one merged from above)
      has text while its continuation is empty (it finished on page N: a new row fills its
      own cells, its 分值 and 得分); and the first of those cells, the row's label, either was
      cut mid-paragraph (its last line fills the cell's width and ends in a character text can
      break after, not a figure) and goes on, or finished, and then every continued cell
      continues text, not a figure (a figure never runs on) nor an empty cell. A new row whose
      first cells are empty because they are vertically merged from above fills its own
      label under a label that ended short, or its figures under figures: it stays a row.
    - the previous row is itself the rest of a cut row, alone on its page (`prev_cut`): its
      cells that finished did so on the page before; reaching the foot again, it runs on.
    Where the break's rulings tell the cells going on from those that end (`_cut_told`: a browser, which moves a
    row that does not fit to the next page whole), the row ended. Two rows cut by the page break that no ruling
    tells apart stay ambiguous: a new row with
    text only under cells whose text reached the page's foot, none of them figures, the
    previous row's label empty in it, is joined.
    """
    if not prev_last or not nxt.cells or _cut_told(prev_last):    # rulings that tell: the closed cells ended
        return None
    below = sorted((c for c in nxt.cells if c.r0 <= h <= c.r1), key=lambda c: c.x0)
    above = sorted(prev_last, key=lambda t: t[0].x0)
    if not below or len(below) != len(above) or any(c.r0 != h for c in below):
        return None
    if not all(_same_edges(_edges(a, prev), _edges(b, nxt)) for (a, _), b in zip(above, below)):
        return None
    pairs = [(a, loc, b) for (a, loc), b in zip(above, below)]
    if any(b.text and (not strip_list_prefix(b.text) or OPTIONAL_LINE.fullmatch(WS.sub("", b.text))) for _, _, b in pairs):
        return None                # a template's numbered slot alone (指标2) or optional line (生态效益（可选项）)
        #                            starts a row: it continues no text
    if any(b.text and (loc is None or (a.text and not (a.full or a.wrapped or _unit_of(a.text, b.text)))
                       or (_FIGURE.fullmatch(b.text) and 0 < len(WS.sub("", a.text)) <= SHORT_CELL))
           # (a figure goes on no header word or label: a new row's; a long text may end on the next page in a figure)
           for a, loc, b in pairs):
        return None
    drawn_open = all(a.open_bottom for a, _, _ in pairs) and (h > 0 or all(b.open_top for _, _, b in pairs))
    if not drawn_open:
        size = max((a.size for a, _, _ in pairs), default=0.0) or 10.0
        at_foot = body_bottom - prev.bbox[3] <= 2 * size + 2 * EDGE_TOL
        if prev_cut:
            return [(loc, b) for _, loc, b in pairs] if at_foot and any(b.text for _, _, b in pairs) else None
        last = len(prev.rows) - 1
        own = [(a, b) for a, _, b in pairs if a.text and a.r0 == last]   # cells the cut row starts
        finished = any(not b.text for _, b in own)
        if not (at_foot and finished and any(b.text for _, _, b in pairs)):
            return None
        label_above, label_below = own[0]
        if label_below.text:           # the label goes on: only if it was cut mid-paragraph
            if not label_above.wrapped:
                return None
        elif any(b.text and (not a.text or (_FIGURE.fullmatch(a.text) and HAS_DIGIT.search(b.text))) for a, _, b in pairs):
            return None                # text under an empty cell, a figure under a figure: a new row's own cells
            #                            (a figure's unit, 万元, goes on under it)
    return [(loc, b) for _, loc, b in pairs]
