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


def rows_from_spans(spans: list[Span]) -> list[list[str]]:
    """Emit each cell once per row it covers: its text in its top row, '' in the rows below."""
    if not spans:
        return []
    n_rows = max(s.r1 for s in spans) + 1
    rows: list[list[tuple[int, str]]] = [[] for _ in range(n_rows)]
    for s in spans:
        for r in range(s.r0, s.r1 + 1):
            rows[r].append((s.c0, s.text if r == s.r0 else ""))
    return [[text for _, text in sorted(row, key=lambda t: t[0])] for row in rows]


def spans_from_html_like(rows: list[list[tuple[str, int, int]]]) -> list[Span]:
    """Place (text, rowspan, colspan) cells on a grid the way HTML tables do."""
    taken: set[tuple[int, int]] = set()
    spans: list[Span] = []
    for r, row in enumerate(rows):
        c = 0
        for text, rowspan, colspan in row:
            while (r, c) in taken:
                c += 1
            rowspan, colspan = max(1, rowspan), max(1, colspan)
            rowspan = min(rowspan, len(rows) - r)
            spans.append(Span(r, r + rowspan - 1, c, c + colspan - 1, text))
            taken.update((rr, cc) for rr in range(r, r + rowspan) for cc in range(c, c + colspan))
            c += colspan
    return spans
