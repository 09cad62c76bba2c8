"""Turn cells placed on a grid (with row/column spans) into the model's physical-cell rows."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Span:
    """One physical cell: grid rows r0..r1 and columns c0..c1 inclusive."""
    r0: int
    r1: int
    c0: int
    c1: int
    text: str


def rows_from_spans(spans: list[Span], below="", every: bool = False) -> list[list]:
    """Emit each cell once per row it covers: its text in its top row, `below` in the rows below ('' for text;
    `every`: its value in each row, as a merged cell's box). The same for any value a Span carries as its text
    (an OCR cell's confidence, its box, whether a seal lies over it), in the same order."""
    if not spans:
        return []
    n_rows = max(s.r1 for s in spans) + 1
    rows: list[list[tuple[int, object]]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.r0, s.r1 + 1):
            rows[r].append((s.c0, s.text if every or r == s.r0 else below))
    return [[text for _, text in sorted(row, key=lambda t: t[0])] for row in rows]


def cols_from_spans(spans: list[Span]) -> list[list[int]]:
    """The grid column (c0) of each cell rows_from_spans emits, in the same order: for cell addresses."""
    if not spans:
        return []
    n_rows = max(s.r1 for s in spans) + 1
    rows: list[list[int]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.r0, s.r1 + 1):
            rows[r].append(s.c0)
    return [sorted(row) for row in rows]


def spans_from_html_like(rows: list[list[tuple[str, int, int]]], max_span: int | None = None,
                         budget=None) -> list[Span]:
    """Place (text, rowspan, colspan) cells on a grid the way HTML tables do.

    A span is clipped to `max_span` (default LIMITS.max_span) and a rowspan to the rows left in
    the table, so colspan=100000000 is one cell, not a hundred million. The slots a rowspan holds
    in the rows below are kept as column intervals: the cost follows the cells, never the area.
    `budget` (a safety.CellBudget) counts the cells the table yields, one per row a cell covers,
    and refuses the document past LIMITS.max_cells; spans clipped to max_span are noted in
    budget.clipped.
    """
    from evalkit.readers.safety import CellBudget, limits

    if max_span is None:
        max_span = limits().max_span
    if budget is None:
        budget = CellBudget("表格的单元格")
    n_rows = len(rows)
    taken: dict[int, list[tuple[int, int]]] = {}   # row -> column intervals held by rowspans from above
    spans: list[Span] = []
    for r, row in enumerate(rows):
        held = sorted(taken.pop(r, ()))
        i, c = 0, 0
        for text, rowspan, colspan in row:
            while i < len(held):                      # skip the slots rowspans from above hold
                a, b = held[i]
                if b < c:
                    i += 1
                elif a <= c:
                    c, i = b + 1, i + 1
                else:
                    break
            if rowspan > max_span or colspan > max_span:
                budget.clipped.append(f"rowspan={rowspan:,}" if rowspan > max_span else f"colspan={colspan:,}")
            rowspan = min(max(1, rowspan), max_span, n_rows - r)
            colspan = min(max(1, colspan), max_span)
            budget.take(rowspan)
            spans.append(Span(r, r + rowspan - 1, c, c + colspan - 1, text))
            for rr in range(r + 1, r + rowspan):
                taken.setdefault(rr, []).append((c, c + colspan - 1))
            c += colspan
    return spans


def merged_units(n_rows: int, n_cols: int, open_right, open_down) -> list[list[tuple[int, int]]]:
    """The unit cells of a ruled grid grouped into merged cells: unit (r, c) joins (r, c+1) where
    `open_right(r, c)` (no rule between them) and (r+1, c) where `open_down(r, c)`. Groups come in
    the order of their first unit (row-major), each listing its units."""
    parent = list(range(n_rows * n_cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and open_right(r, c):
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and open_down(r, c):
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    return sorted(groups.values(), key=min)
