"""A deck for tests, as a department pastes its 自评表 into its 汇报 slides (python-pptx writes it): a Word document's
paragraphs as text boxes and its tables as PowerPoint tables with the same merged cells, a new slide at each
table's title. `from_docx` is how tests/fixtures/office/fixture_pptx.pptx was made from fixture_docx.docx."""
from __future__ import annotations

import io
from pathlib import Path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
EMU_CM = 360000


def word_grid(tbl) -> list[list[tuple[int, int, int, str]]]:
    """A Word table's cells as (row, first grid column, columns spanned, text), each merged cell once: a vertically
    merged cell's continuation is (row, column, span, None)."""
    rows = []
    for r, tr in enumerate(tbl.iter(W + "tr")):
        col, row = 0, []
        for tc in tr.iterchildren(W + "tc"):
            pr = tc.find(W + "tcPr")
            span = int(pr.find(W + "gridSpan").get(W + "val")) if pr is not None and pr.find(W + "gridSpan") is not None else 1
            vm = pr.find(W + "vMerge") if pr is not None else None
            cont = vm is not None and vm.get(W + "val") in (None, "continue")
            text = "\n".join("".join(t.text or "" for t in p.iter(W + "t")) for p in tc.iterchildren(W + "p"))
            row.append((r, col, span, None if cont else text))
            col += span
        rows.append(row)
    return rows


def add_table(slide, grid: list[list[tuple[int, int, int, str | None]]], top: int = 3 * EMU_CM):
    """A PowerPoint table holding `grid` (word_grid's), merged as Word merged it."""
    from pptx.util import Pt
    ncols = max(c + s for row in grid for _, c, s, _ in row)
    shape = slide.shapes.add_table(len(grid), ncols, EMU_CM, top, 32 * EMU_CM, len(grid) * EMU_CM // 2)
    table = shape.table
    for row in grid:
        for r, c, span, text in row:
            if text is None:
                continue
            last = r
            while last + 1 < len(grid) and any(cc == c and t is None for _, cc, _, t in grid[last + 1]):
                last += 1
            cell = table.cell(r, c)
            if span > 1 or last > r:
                cell.merge(table.cell(last, c + span - 1))
            lines = text.split("\n")
            cell.text_frame.text = lines[0]
            for line in lines[1:]:
                cell.text_frame.add_paragraph().text = line
            for p in cell.text_frame.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)
    return shape


def from_docx(src: Path) -> bytes:
    """The document as a 16:9 deck: each table on its own slide under the paragraphs before it (its title), the
    paragraphs after the last table on the last slide."""
    import docx
    from pptx import Presentation
    from pptx.util import Pt
    body = docx.Document(str(src)).element.body
    prs = Presentation()
    prs.slide_width, prs.slide_height = 34 * EMU_CM, 19 * EMU_CM
    blank = prs.slide_layouts[6]
    slide, top, pending = None, EMU_CM // 2, []

    def text_box(s, text, y):
        box = s.shapes.add_textbox(EMU_CM, y, 32 * EMU_CM, EMU_CM)
        box.text_frame.text = text
        box.text_frame.paragraphs[0].runs[0].font.size = Pt(12)

    for el in body.iterchildren():
        if el.tag == W + "p":
            text = "".join(t.text or "" for t in el.iter(W + "t"))
            if text.strip():
                pending.append(text)
        elif el.tag == W + "tbl":
            if slide is None or pending:
                slide, top = prs.slides.add_slide(blank), EMU_CM // 2
                for text in pending:
                    text_box(slide, text, top)
                    top += EMU_CM
                pending = []
            grid = word_grid(el)
            add_table(slide, grid, top)
            top += len(grid) * EMU_CM // 2 + EMU_CM
    for text in pending:
        text_box(slide, text, top)
        top += EMU_CM
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
