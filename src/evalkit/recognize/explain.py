"""`evalkit inspect FILE`: the document model and how each row was read, so whoever adds a layout
sees at once which header words are missing (like a table finder's debug view)."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from evalkit.archives import located
from evalkit.members import fit_name
from evalkit.model import Document, Paragraph, Table
from evalkit.recognize.records import Decision, Extraction, Kind
from evalkit.recognize.walker import recognize
from evalkit.schema import TABLES

# Chinese names of the roles that are not contract columns
_ROLE_LABELS = {"level3": "三级指标", "op": "指标性质", "unit": "计量单位", "deviation": "偏差原因",
                "ignore": "（不读）", "due": "应评价", "done": "已评价", "project_name": "项目名称",
                "overall_score": "综合得分", "overall_grade": "综合等级", "agency": "单位",
                "execution_rate": "执行率", "budget_weight": "预算执行权重", "budget_score": "预算执行得分",
                "part": "资金来源分项"}
_COLUMN_LABELS = {c.name: c.label for t in TABLES.values() for c in t.columns}


def role_label(role: str) -> str:
    """A role or field in Chinese (the contract's label where it is a contract column)."""
    return _ROLE_LABELS.get(role) or _COLUMN_LABELS.get(role) or _COLUMN_LABELS.get(f"{role}_reason") or role


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _short(s: str, width: int = 24) -> str:
    """A cell cut to `width` display columns (… marks the cut), control characters escaped."""
    s = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in s)
    out, w = "", 0
    for ch in s:
        if w + _width(ch) > width - 1 and _width(s) > width:
            return out + "…"
        out, w = out + ch, w + _width(ch)
    return out


def _describe(d: Decision) -> str:
    """One line saying how a row was read: its kind, then roles, values or the reason."""
    if d.kind is Kind.IGNORED:
        head = f"{d.kind.value}：{d.why}"
    else:
        head = d.kind.value + (f"（{d.why}）" if d.why else "")
    if d.roles:
        parts = [f"{_short(d.cells[i], 14) or '（空）'}→{role_label(r)}" for i, r in sorted(d.roles.items())]
        unknown = [_short(c, 14) for i, c in enumerate(d.cells) if c and i not in d.roles]
        text = f"{head}；" if d.kind is Kind.IGNORED else f"{head}："
        return text + "，".join(parts) + (f"；未识别的表头词：{'、'.join(unknown)}" if unknown else "")
    if d.fields:
        return f"{head}：" + "，".join(f"{role_label(k)}={_short(str(v), 20)}" for k, v in d.fields.items())
    return head


def decisions_by_place(ex: Extraction) -> dict[tuple[int | None, int], list[Decision]]:
    out: dict[tuple[int | None, int], list[Decision]] = {}
    for d in ex.decisions:
        out.setdefault((d.table, d.row), []).append(d)
    return out


def as_json(doc: Document, ex: Extraction, table: int | None = None) -> dict:
    """The machine-readable dump: the document model, each row's decision, the records read."""
    at = decisions_by_place(ex)
    blocks = []
    n_table = n_para = 0
    for b in doc.blocks:
        if isinstance(b, Table):
            if table is None or table == n_table + 1:
                blocks.append({"type": "table", "number": n_table + 1, "page": b.page, "rows": [
                    {"row": i + 1, "cells": r, "decisions": [d.as_dict() for d in at.get((n_table, i), [])]}
                    for i, r in enumerate(b.rows)]})
            n_table += 1
        elif isinstance(b, Paragraph):
            if table is None:
                blocks.append({"type": "paragraph", "number": n_para + 1, "page": b.page, "text": b.text,
                               "decisions": [d.as_dict() for d in at.get((None, n_para), [])]})
            n_para += 1
    rep = ex.report
    return {
        "file": doc.source, "format": doc.format, "pages": doc.pages, "ocr_pages": doc.ocr_pages,
        "form_pages": doc.form_pages,
        "warnings": doc.warnings, "tables": n_table, "paragraphs": n_para, "blocks": blocks,
        "report": {k: v for k, v in vars(rep).items()},
        "projects": [{"project_name": p.project_name, "agency": p.agency, "n_indicators": len(p.indicators()),
                      **{k: getattr(p, k) for k in ("budget_initial", "budget_full_year", "executed",
                                                     "execution_rate", "budget_weight", "budget_score",
                                                     "total_score", "max_score", "grade")}}
                     for p in ex.projects],
        "summaries": ex.summaries,
        "place": dict(zip(("county", "city", "province", "source"), _where(doc, ex))),
    }


def as_text(doc: Document, ex: Extraction, table: int | None = None) -> str:
    """The human view, in Chinese: blocks in order, each table row with its cells and its reading."""
    at = decisions_by_place(ex)
    n_tables = sum(1 for _ in doc.tables())
    n_paras = sum(1 for _ in doc.paragraphs())
    out = [f"文件：{doc.source}",
           f"格式：{doc.format}    页数：{doc.pages if doc.pages is not None else '—'}    "
           f"OCR 识别页：{'、'.join(map(str, doc.ocr_pages)) or '无'}",
           f"文档结构：{n_tables} 个表格，{n_paras} 个段落"]
    out += [f"读取提示：{w}" for w in doc.warnings + [w for w in (doc.overflow_warning(),) if w]]
    out += [f"读取说明：{n}" for n in doc.notes]
    if doc.form_pages:
        out.append(f"表单填写页：第 {'、'.join(map(str, doc.form_pages))} 页的数字填在表单域或打字批注里，已按阅读器显示的内容读入")
    if doc.hidden:
        out.append(f"未读取的隐藏内容：{'、'.join(doc.hidden)}（查看、打印时不显示：隐藏、删除线、被遮盖或白色的文字）")
    n_table = n_para = 0
    for b in doc.blocks:
        if isinstance(b, Table):
            n_table += 1
            if table is not None and table != n_table:
                continue
            width = max((len(r) for r in b.rows), default=0)
            page = (f"第 {b.page} 页，" if b.page is not None else "") + (f"工作表“{b.sheet}”，" if b.sheet else "")
            out += ["", f"表格 {n_table}（{page}{len(b.rows)} 行 × {width} 列）"]
            for i, r in enumerate(b.rows):
                out.append(f"  行{i + 1:>3} | " + " | ".join(_short((c or "").replace("\n", " "), 16) for c in r))
                for d in at.get((n_table - 1, i), []):
                    out.append(f"         → {_describe(d)}")
        elif isinstance(b, Paragraph):
            n_para += 1
            if table is not None:
                continue
            page = f"（第 {b.page} 页）" if b.page is not None else ""
            out.append(f"段落{n_para:>3}{page}：{_short(b.text.replace(chr(10), ' '), 60)}")
            out += [f"         → {_describe(d)}" for d in at.get((None, n_para - 1), [])]
    if table is not None and table > n_table:
        out.append(f"没有第 {table} 个表格（共 {n_table} 个）")
    out += ["", _result(ex, doc), _place(doc, ex)]
    return "\n".join(out)


def _where(doc: Document, ex: Extraction) -> tuple:
    """(county, city, province, source): where ingest places the report (geo.place), the file's path as given."""
    from evalkit.geo import place
    return place(ex.report.agency, doc.opening_text, doc.source)


def _place(doc: Document, ex: Extraction) -> str:
    county, city, province, source = _where(doc, ex)
    names = "、".join(x for x in dict.fromkeys((province, city, county)) if x)
    if not names:
        return "所属地区：未能确定（单位名称、文件开头和文件路径都没有可识别的县区）"
    return f"所属地区：{names}（依据：{source}）" + ("" if county else "；未能确定县区")


def _year(stated: int | None, doc: Document) -> str:
    """The year as ingest dates the report: the document's, or its file name's where ingest takes that."""
    from evalkit.recognize.statements import year_from_path
    named = year_from_path(stated, doc.source, bool(doc.ocr_pages))
    if named is None:
        return str(stated or "—")
    return f"{named}（按文件名；" + (f"文件中识别为 {stated}）" if stated else "文件中没有年度）")


def _result(ex: Extraction, doc) -> str:
    rep = ex.report
    lines = [f"识别结果：{len(ex.projects)} 个项目，{len(ex.indicators)} 条指标，{len(ex.summaries)} 个汇总；"
             f"单位 {rep.agency or '—'}，年度 {_year(rep.fiscal_year, doc)}，文件类型 {doc.kind(rep.doc_kind, ex.found_anything)}，"
             f"综合得分 {rep.stated_overall_score if rep.stated_overall_score is not None else '—'}，"
             f"等级 {rep.stated_overall_grade or '—'}，落款日期 {rep.doc_date or '—'}"
             + (f"，版本标注 {rep.version_mark}" if rep.version_mark else "")]
    for n, p in enumerate(ex.projects, start=1):
        lines.append(f"  项目 {n}：{p.project_name or '（无名称）'}，{len(p.indicators())} 条指标，"
                     f"总分 {p.total_score if p.total_score is not None else '—'}，"
                     f"全年预算 {p.budget_full_year if p.budget_full_year is not None else '—'}，"
                     f"执行数 {p.executed if p.executed is not None else '—'}")
    for n, sm in enumerate(ex.summaries, start=1):
        lines.append(f"  汇总 {n}：" + "，".join(f"{role_label(k)} {v}" for k, v in sm.items() if v is not None))
    if not ex.found_anything and doc.linked:
        from evalkit.readers.links import only_links
        lines.append(f"未识别出项目自评表：{only_links(doc.format, doc.linked)}")
    elif not ex.found_anything and doc.attached:      # a PDF 包's cover: ingest reads its attachments apart
        from evalkit.model import named_list
        lines.append(f"未识别出项目自评表：报告在文件的 {len(doc.attached)} 个附件中（{named_list(doc.attached)}），"
                     "evalkit ingest 把每个附件作为单独的报告读取；查看附件请用 evalkit inspect “文件!附件名”")
    elif not ex.found_anything:
        lines.append("未识别出项目自评表、汇总表或自评结果：看上面“未使用”的行和“未识别的表头词”，"
                     "把缺少的词加到 src/evalkit/recognize/vocabulary.py")
    return "\n".join(lines)


_KIND_CLASS = {Kind.IGNORED: "ignored"}
_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:20px} .meta{color:#555;font-size:13px}
table.doc{border-collapse:collapse;margin:8px 0 20px;font-size:13px}
table.doc td{border:1px solid #bbb;padding:3px 6px;vertical-align:top;max-width:260px}
td.no{color:#888;text-align:right} td.how{border:none;color:#333;font-size:12px;max-width:420px}
tr.ignored td.c{color:#999;background:#f4f4f4} tr.header td.c{background:#e3edf7}
tr.line td.c{background:#f3faf1} tr.budget td.c{background:#fff7e0} tr.statement td.c{background:#f3eefa}
td.fed{outline:2px solid #2e7d32;background:#dff3d8 !important;font-weight:bold}
td.role{outline:2px solid #1f4e79}
td.role small{display:block;color:#1f4e79;font-weight:normal}
tr:target td{background:#fde2e1 !important} tr:target td.no{outline:3px solid #c62828}
.figures{display:block;color:#555;font-size:11px}
.finding{display:block;margin-top:3px;padding:2px 5px;border-radius:3px;color:#fff;font-size:12px}
.error{background:#c62828} .warning{background:#e08a00} .info{background:#1f77b4}
p.para{margin:4px 0;font-size:13px} p.para.used{background:#f3eefa}
"""


def _row_class(ds: list[Decision]) -> str:
    kinds = {d.kind.name for d in ds}
    if not ds or kinds <= {"IGNORED"}:
        return "ignored"
    if any(k.endswith("HEADER") for k in kinds):
        return "header"
    if kinds & {"INDICATOR", "GROUP", "TOTAL"}:
        return "line"
    if kinds & {"BUDGET_LINE", "BUDGET_TOTAL", "BUDGET_PART", "KEY_VALUE"}:
        return "budget"
    return "statement"


def _fed(cell: str, values: list) -> bool:
    """Whether a cell's text is one of the values a row gave (the cell fed that field)."""
    from evalkit.normalize import clean_text, parse_number
    c = clean_text(cell) or ""
    if not c:
        return False
    n = parse_number(c)
    for v in values:
        if v is None:
            continue
        if isinstance(v, (int, float)) and n is not None and abs(float(v) - n) < 1e-9:
            return True
        if isinstance(v, str) and clean_text(v) == c:
            return True
    return False


def as_html(doc: Document, ex: Extraction, findings=None) -> str:
    """A page showing the tables as the reader saw them: header cells with their roles, the cells that fed
    each field highlighted, every row's reading beside it, and findings pinned to their rows. All text escaped."""
    from html import escape as e
    at = decisions_by_place(ex)
    pins: dict[tuple[int, int], list] = {}
    if findings is not None and len(findings):
        for f in findings.itertuples(index=False):
            t, r = getattr(f, "loc_table", None), getattr(f, "loc_row", None)
            if t is not None and r is not None and t == t and r == r:
                pins.setdefault((int(t) - 1, int(r) - 1), []).append(f)
    out = ["<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
           f"<title>{e('读取视图：' + Path(doc.source).name)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>{e(Path(doc.source).name)}</h1>",
           f"<p class='meta'>格式 {e(doc.format)}；页数 {e(str(doc.pages or '—'))}；OCR 识别页 "
           f"{e('、'.join(map(str, doc.ocr_pages)) or '无')}；绿框：读入数据的单元格；蓝框：表头及其含义；"
           f"彩色标签：检查发现</p>"]
    out += [f"<p class='meta'>读取提示：{e(w)}</p>" for w in doc.warnings]
    n_table = n_para = 0
    for b in doc.blocks:
        if isinstance(b, Table):
            page = (f"第 {b.page} 页，" if b.page is not None else "") + (f"工作表“{b.sheet}”，" if b.sheet else "")
            out.append(f"<h2>表格 {n_table + 1}（{e(page)}{len(b.rows)} 行）</h2><table class='doc'>")
            for i, r in enumerate(b.rows):
                ds = at.get((n_table, i), [])
                values = [v for d in ds for v in d.fields.values()]
                roles = {k: v for d in ds for k, v in d.roles.items()}
                cells = []
                for j, c in enumerate(r):
                    cls = "c"
                    extra = ""
                    if j in roles:
                        cls += " role"
                        extra = f"<small>→{e(role_label(roles[j]))}</small>"
                    elif _fed(c, values):
                        cls += " fed"
                    cells.append(f"<td class='{cls}'>{e(c or '')}{extra}</td>")
                how = "<br>".join(e(_describe(d)) for d in ds)
                for f in pins.get((n_table, i), []):
                    how += (f"<span class='finding {e(str(f.severity))}'>{e(str(getattr(f, 'title', None) or f.rule))}："
                            f"{e(str(f.message))}</span>")
                    figs = getattr(f, "figure_locations", None)
                    if isinstance(figs, str) and figs:
                        how += f"<span class='figures'>所比数字：{e(figs)}</span>"
                out.append(f"<tr id='t{n_table + 1}-r{i + 1}' class='{_row_class(ds)}'><td class='no'>{i + 1}</td>{''.join(cells)}"
                           f"<td class='how'>{how}</td></tr>")
            out.append("</table>")
            n_table += 1
        elif isinstance(b, Paragraph):
            ds = at.get((None, n_para), [])
            how = "；".join(_describe(d) for d in ds)
            out.append(f"<p class='para{' used' if ds else ''}'>{e(b.text)}"
                       + (f" <small>→ {e(how)}</small>" if how else "") + "</p>")
            n_para += 1
    out.append(f"<h2>识别结果</h2><pre>{e(_result(ex, doc))}</pre></body></html>")
    return "\n".join(out)


def _read(path: Path, real: Path) -> Document:
    """The document of `real`, shown under the name the user gave (`path`)."""
    from evalkit.errors import InputError
    from evalkit.model import ReadError
    from evalkit.readers import read
    from evalkit.readers.pictures import may_read_more, when_text_gives_nothing
    try:
        doc = read(real)
        if may_read_more(doc):           # as ingest reads it: its pictures, its boxes laid out, when its text gives nothing
            doc = when_text_gives_nothing(doc, recognize(doc).gives_something, lambda d: recognize(d).gives_something)
    except ReadError as e:
        raise InputError(f"{path}: {e}") from None
    doc.source = str(path)
    return doc


def inspect_file(path: Path, table: int | None = None, json_out: bool = False) -> str:
    """Read one file and show how it was recognized (text, or JSON with `json_out`)."""
    with located(path) as real:
        doc = _read(path, real)
    ex = recognize(doc)
    if json_out:
        return json.dumps(as_json(doc, ex, table), ensure_ascii=False, indent=1, default=str)
    return as_text(doc, ex, table)


PDF_VIEW_DPI = 110       # a PDF page drawn for `--pictures` (an A4 page: 910 × 1,286 px)
MAX_VIEWS = 100          # pages drawn at most


def write_pictures(path: Path, folder: Path) -> list[Path]:
    """`evalkit inspect FILE --pictures DIR`: each page as the reader saw it, written as `<file>_第N页.png` into
    DIR: a page the OCR read as it saw it (`ocr.draw_view`: cells of ruled tables, text boxes), a PDF page read from
    its text layer with where its tables' cells and text lines were placed (`pdf_views`). A name already there gets
    （2）, （3）… (nothing is overwritten). The files written."""
    try:
        from evalkit.readers import ocr
    except ImportError:                      # without the [ocr] extra nothing is OCR'd, nothing to show of it
        ocr = None
    folder = Path(folder)
    seen: list = []
    token = ocr.SEEN.set(seen) if ocr is not None else None
    try:
        with located(path) as real:
            doc = _read(path, real)
            views = pdf_views(real, doc) if doc.format == "pdf" else []
    finally:
        if token is not None:
            ocr.SEEN.reset(token)
    views += [(view.page, ocr.draw_view(view)) for view in seen]
    views.sort(key=lambda v: v[0] or 0)
    written = []
    if views:
        folder.mkdir(parents=True, exist_ok=True)
    for k, (page, image) in enumerate(views, 1):
        stem = f"{fit_name(Path(path).stem)}_第{page}页" + (f"_{k}" if sum(p == page for p, _ in views) > 1 else "")
        for n in range(1, 1000):
            target = folder / (stem + (f"（{n}）" if n > 1 else "") + ".png")
            try:
                with open(target, "xb") as f:
                    image.save(f, "PNG")
                break
            except FileExistsError:
                continue
        written.append(target)
    return written


def pdf_views(pdf_path: Path, doc: Document, dpi: int = PDF_VIEW_DPI) -> list:
    """(page, picture) for each page of a PDF read from its text layer that gave a table or a line: the page with
    each table cell (blue) and each text line outside tables (red) drawn where the reader placed them, as
    pdfplumber's table-finder debug image shows it: a cell rebuilt wrongly (a table without rulings, two pages on
    one sheet, a worksheet's bands) shows at once. OCR'd pages are drawn by the OCR (`ocr.draw_view`)."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    skip = set(doc.ocr_pages or [])
    cells: dict[int, list] = {}
    lines: dict[int, list] = {}
    for block in doc.blocks:
        if isinstance(block, Table):
            for r, row in enumerate(block.rows):
                for c in range(len(row)):
                    loc = block.loc(r, c)
                    if loc.page and loc.bbox and loc.page not in skip:
                        cells.setdefault(loc.page, []).append(loc.bbox)
        elif isinstance(block, Paragraph) and block.page and block.bbox and block.page not in skip:
            lines.setdefault(block.page, []).append(block.bbox)
    pages = sorted(set(cells) | set(lines))[:MAX_VIEWS]
    if not pages:
        return []
    scale = dpi / 72
    out = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for n in pages:
            if n > len(pdf):
                continue
            page = pdf[n - 1]
            try:
                image = page.render(scale=scale).to_pil().convert("RGB")
            finally:
                page.close()
            draw = ImageDraw.Draw(image)
            for x0, top, x1, bottom in lines.get(n, []):
                draw.rectangle([x0 * scale, top * scale, x1 * scale, bottom * scale], outline=(230, 30, 30), width=1)
            for x0, top, x1, bottom in cells.get(n, []):
                draw.rectangle([x0 * scale, top * scale, x1 * scale, bottom * scale], outline=(0, 90, 255), width=2)
            out.append((n, image))
    finally:
        pdf.close()
    return out


def write_html(path: Path, out: Path, data_dir: Path | None = None) -> int:
    """`evalkit inspect FILE --html OUT [--dir DIR]`: the page of as_html, with the file's findings from the
    dataset (matched by content) pinned; never overwrites OUT. Returns the findings pinned."""
    from evalkit.errors import UsageError
    path, out = Path(path), Path(out)
    if out.exists():
        raise UsageError(f"{out} 已存在，为免覆盖，拒绝写入", "请换一个文件名")
    findings = None
    with located(path) as real:
        doc = _read(path, real)
        if data_dir is not None:
            from evalkit.review import file_findings
            from evalkit.store import load
            findings = file_findings(real, load(data_dir))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(as_html(doc, recognize(doc), findings), encoding="utf-8")
    return 0 if findings is None or "loc_table" not in findings else int(findings["loc_table"].notna().sum())
