"""What the 00_explore notebook shows: filter choices (region, year, county), the red flags with a
click-through to the lines of the source document around each flagged figure, and tables that are
sortable and searchable (itables) in JupyterLab but plain HTML under papermill, where no script runs.

Document text is data: every cell and excerpt line goes through `text.html_text`.
"""
from __future__ import annotations

import html as _html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from evalkit.report.flags import flag_name
from evalkit.report.selection import filter_tables, parse_years
from evalkit.report.text import html_block, html_text
from evalkit.report.views import Views

LOC_COLUMNS = ("loc_page", "loc_table", "loc_row", "loc_line", "loc_sheet", "loc_cell", "loc_member",
               "loc_bbox", "location")
TEXT_FORMATS = {".txt", ".md", ".markdown"}   # excerpts by text line; other formats by table row or page
ALL = "全部"          # the filters' "all" choice; its value "" (falsy: no restriction; None would show blank)
FLAG_HEADERS = {"county_label": "县区", "fiscal_year": "年度", "project_name": "项目名称", "flag": "红旗", "detail": "说明",
                "rate": "执行率（%）", "score": "自评得分", "grade": "等级", "location": "位置",
                "source_file": "来源文件", "excerpt": "原文"}
PROJECT_HEADERS = {"county_label": "县区", "fiscal_year": "年度", "project_name": "项目名称",
                   "budget": "预算（万元）", "executed": "执行（万元）", "rate": "执行率（%）",
                   "score": "自评得分", "grade_eff": "等级", "source_file": "来源文件"}
# DataTables' own words (search box, paging, counts) in Chinese
DATATABLES_ZH = {
    "search": "搜索：", "lengthMenu": "每页 _MENU_ 行", "info": "第 _START_–_END_ 行，共 _TOTAL_ 行",
    "infoEmpty": "没有数据", "infoFiltered": "（从 _MAX_ 行中筛选）", "zeroRecords": "没有匹配的行",
    "emptyTable": "没有数据", "loadingRecords": "加载中…", "processing": "处理中…",
}


# --------------------------------------------------------------------------- filters

@dataclass(frozen=True)
class Choices:
    """The values the filters offer: (label, value) pairs, (ALL, "") first."""
    regions: list[tuple[str, str]]
    years: list[tuple[str, int | str]]
    counties: list[tuple[str, str]]


def choices(tables: Mapping[str, pd.DataFrame], region=None) -> Choices:
    """Provinces and cities of the data, its fiscal years, and the counties within `region`."""
    rep = tables["reports"]
    regions: list[tuple[str, str]] = [(ALL, "")]
    for level in ("province", "city"):
        for v in sorted(rep[level].dropna().astype(str).unique()) if level in rep else []:
            if (v, v) not in regions:
                regions.append((v, v))
    years = [(ALL, "")] + [(f"{int(y)}年度", int(y)) for y in sorted(rep["fiscal_year"].dropna().unique())]
    within = filter_tables(tables, region=region) if region else tables
    cf = Views(within).places
    counties = [(ALL, "")] + [(str(lab), str(key) if isinstance(key, str) and key else str(name))
                                for lab, key, name in zip(cf["county_label"], cf["county_key"], cf["county"])]
    return Choices(regions, years, counties)


def select(tables: Mapping[str, pd.DataFrame], region=None, year=None, county=None) -> dict[str, pd.DataFrame]:
    """The tables restricted to the filters' values (county within region, then year); None = all."""
    t = filter_tables(tables, region=region, years=year)
    return filter_tables(t, region=county) if county else t


def scope_text(region=None, year=None, county=None) -> str:
    """The filters in one Chinese phrase: 山西省 · 2022年度 · 全部县区."""
    ys = parse_years(year)
    return " · ".join([str(region) if region else "全部地区",
                       f"{'、'.join(map(str, ys))}年度" if ys else "全部年度",
                       str(county) if county else "全部县区"])


# --------------------------------------------------------------------------- where a flag points

def flag_locations(flags: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The red flags with the place of the figure each is about (loc_* and location): the finding the
    flag came from when it came from one (a file's own finding when the flag has no project), else
    the project's own table."""
    from evalkit.report.views import rule_titles
    out = flags.reset_index(drop=True).copy()
    fnd = tables["findings"]
    titles = rule_titles(fnd) if len(fnd) else {}
    by_project = (fnd.dropna(subset=["project_id"]).drop_duplicates(["project_id", "rule"])
                  .set_index(["project_id", "rule"]))
    of_file = fnd[fnd["project_id"].isna()]
    of_file = (of_file.assign(_flag=[flag_name(r, titles) for r in of_file["rule"]])
               .drop_duplicates(["source_file", "_flag"]).set_index(["source_file", "_flag"]))
    flag_rules: dict[str, set] = {}
    for r in fnd["rule"].dropna().unique():
        flag_rules.setdefault(flag_name(r, titles), set()).add(r)
    prj = tables["projects"].drop_duplicates("project_id").set_index("project_id")
    rows = []
    for pid, flag, file in zip(out["project_id"], out["flag"], out["source_file"]):
        src = None
        if pid is None or (not isinstance(pid, str) and pd.isna(pid)):
            if (file, flag) in of_file.index:
                src = of_file.loc[(file, flag)]
        else:
            rule = next((r for r in sorted(flag_rules.get(flag, ())) if (pid, r) in by_project.index), None)
            if rule is not None:
                src = by_project.loc[(pid, rule)]
            elif pid in prj.index:
                src = prj.loc[pid]
        rows.append({c: (src[c] if src is not None and c in src.index else None) for c in LOC_COLUMNS})
    locs = pd.DataFrame(rows, columns=list(LOC_COLUMNS), index=out.index)
    return pd.concat([out.drop(columns=[c for c in LOC_COLUMNS if c in out.columns]), locs], axis=1)


# --------------------------------------------------------------------------- excerpts

@dataclass
class Excerpt:
    """Lines of a source document around one place; `note` says why there are none."""
    source_file: str
    location: str = ""
    lines: list[tuple[str, str, bool]] = field(default_factory=list)   # (label, text, is the place)
    note: str = ""


def _num(x) -> int | None:
    return None if x is None or pd.isna(x) else int(x)


def _str(x) -> str | None:
    return None if x is None or (not isinstance(x, str) and pd.isna(x)) or str(x) == "" else str(x)


def raw_root(clean_dir, raw_dir=None) -> Path | None:
    """Where the source files are: raw_dir when given, else the one folder the dataset was ingested from
    (its manifest's inputs) while it still exists; None when unknown."""
    if raw_dir is not None:
        return Path(raw_dir)
    import json
    try:
        inputs = json.loads((Path(clean_dir) / "manifest.json").read_text(encoding="utf-8")).get("inputs") or []
    except (OSError, ValueError, AttributeError):
        return None
    return Path(inputs[0]) if len(inputs) == 1 and Path(inputs[0]).is_dir() else None


def source_path(raw_dir, source_file) -> tuple[Path | None, str]:
    """The file under raw_dir that `source_file` names, or None and the reason in Chinese.
    source_file is data: a path leading outside raw_dir is never opened."""
    if raw_dir is None:
        return None, "未设置原始文件目录（raw_dir），无法显示原文"
    name = _str(source_file)
    if name is None:
        return None, "没有来源文件"
    if "!" in name:
        return None, f"原文在压缩包内，可用 evalkit inspect '{Path(raw_dir) / name}' 查看"
    root = Path(raw_dir).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        return None, f"来源文件“{name}”不在原始文件目录之内，不读取"
    if not path.is_file():
        return None, f"原始文件目录中没有“{name}”"
    return path, ""


@lru_cache(maxsize=16)
def _text_lines(path: Path, mtime: float) -> tuple[str, ...]:
    from evalkit.limits import LIMITS
    from evalkit.readers.text import decode
    with open(path, "rb") as f:
        raw = f.read(LIMITS.max_text_bytes + 1)
    return tuple(decode(raw)[0].splitlines())


@lru_cache(maxsize=8)
def _document(path: Path, mtime: float):
    from evalkit.readers import read
    return read(path)


@lru_cache(maxsize=32)
def _pdf_page_lines(path: Path, mtime: float, page: int) -> tuple[tuple[str, tuple], ...]:
    """The text lines of one PDF page with their boxes (pdfplumber): one page read, not the document."""
    import pdfplumber
    with pdfplumber.open(path) as pdf:
        if not 1 <= page <= len(pdf.pages):
            return ()
        return tuple((ln["text"], (ln["x0"], ln["top"], ln["x1"], ln["bottom"]))
                     for ln in pdf.pages[page - 1].extract_text_lines())


def _page_excerpt(ex: Excerpt, page: int, lines, loc: Mapping, before: int, after: int) -> Excerpt:
    """Lines (text, box) of a page around the one nearest the location's box; the page's first lines without one."""
    box = _str(loc.get("loc_bbox"))
    b = None
    if box:
        from evalkit.annotate import parse_bbox
        b = parse_bbox(box)
    at = 0 if b is None else min(range(len(lines)), key=lambda i: abs((lines[i][1] or (0, 1e9))[1] - b[1]))
    for i in _window(len(lines), at, before, after if b else after + 4):
        ex.lines.append((f"第{page}页", lines[i][0], b is not None and i == at))
    return ex


def _cells(row) -> str:
    return " │ ".join(" ".join(str(c).split()) for c in row if str(c).strip())


def _window(n: int, at: int, before: int, after: int) -> range:
    return range(max(0, at - before), min(n, at + after + 1))


def excerpt(raw_dir, source_file, loc: Mapping, before: int = 2, after: int = 4) -> Excerpt:
    """The lines of `source_file` (under raw_dir) around the place `loc` (loc_* columns): text lines
    for text files, table rows for tables, the paragraphs of a page for a PDF page."""
    ex = Excerpt(str(source_file), _str(loc.get("location")) or "")
    path, why = source_path(raw_dir, source_file)
    if path is None:
        ex.note = why
        return ex
    line, table, row = _num(loc.get("loc_line")), _num(loc.get("loc_table")), _num(loc.get("loc_row"))
    page, sheet, cell = _num(loc.get("loc_page")), _str(loc.get("loc_sheet")), _str(loc.get("loc_cell"))
    try:
        mtime = path.stat().st_mtime
        if line and path.suffix.lower() in TEXT_FORMATS:
            lines = _text_lines(path, mtime)
            if line > len(lines):
                ex.note = f"文件只有{len(lines)}行，没有第{line}行（文件可能已更改）"
            for i in _window(len(lines), line - 1, before, after):
                ex.lines.append((f"第{i + 1}行", lines[i].rstrip(), i + 1 == line))
            return ex
        if page and not table and path.suffix.lower() == ".pdf":
            lines = _pdf_page_lines(path, mtime, page)
            if lines:
                return _page_excerpt(ex, page, lines, loc, before, after)
        doc = _document(path, mtime)
    except Exception as e:           # a file that cannot be read any more: say so, never fail the notebook
        ex.note = f"无法读取原文：{e}"
        return ex
    tabs = list(doc.tables())
    if sheet and cell and not table:  # a spreadsheet cell: the table on that sheet holding it
        for t in tabs:
            if t.sheet == sheet and t.cells:
                hit = next((r for r, cs in enumerate(t.cells) if cell in (cs or [])), None)
                if hit is not None:
                    table, row = t.index, hit + 1
                    break
    if table:
        t = next((t for t in tabs if t.index == table), None)
        if t is None:
            ex.note = f"文件中没有表{table}（文件可能已更改）"
            return ex
        at = (row or 1) - 1
        for r in _window(len(t.rows), at, before, after):
            ex.lines.append((f"表{table} 第{r + 1}行", _cells(t.rows[r]), r == at and row is not None))
        return ex
    if page:
        paras = [(p.text, p.bbox) for p in doc.paragraphs() if p.page == page]
        if not paras:
            ex.note = f"第{page}页没有可显示的文字"
            return ex
        return _page_excerpt(ex, page, paras, loc, before, after)
    ex.note = "没有记录位置，无法定位原文"
    return ex


_MARK = ' style="background:#fff3cd;font-weight:bold"'


def _tabs(text: str) -> str:
    """A text-export line whose cells are tab-separated, its cells joined by │ (tabs are invisible)."""
    return " │ ".join(p.strip() for p in text.split("\t") if p.strip()) if "\t" in text else text


def _bold(html: str, on: bool) -> str:
    return f"<b>{html}</b>" if on and html else html


def excerpt_html(ex: Excerpt) -> str:
    """The excerpt as an HTML block: the place, then the lines (the flagged one marked); all text escaped."""
    head = html_block("<b>{src}</b>{sep}{loc}", tag="div", src=ex.source_file,
                      sep="，" if ex.location else "", loc=ex.location)
    body = "".join(
        f'<tr{_MARK if hit else ""}>'
        f'<td style="white-space:nowrap;color:#666;padding-right:1em">{html_text(label)}</td>'
        f'<td style="text-align:left;white-space:pre-wrap">{_bold(html_text(_tabs(text)), hit)}</td></tr>'
        for label, text, hit in ex.lines)
    note = f'<div style="color:#a61b1b">{html_text(ex.note)}</div>' if ex.note else ""
    table = (f'<table class="tex2jax_ignore mathjax_ignore" style="font-size:90%">{body}</table>'
             if body else "")
    return head + note + table


def _details(summary: str, inner: str) -> str:
    return f'<details><summary style="cursor:pointer;color:#1f5fa8">{_html.escape(summary)}</summary>{inner}</details>'


def _flag_excerpts(vw: Views, raw_dir, before: int, after: int,
                   limit: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The red flags with their locations, and the excerpt as HTML of each of the first `limit` (all
    when None; each source file read once)."""
    flags = flag_locations(vw.red_flags, vw.tables)
    parts = [""] * len(flags)
    shown = flags if limit is None else flags.iloc[:limit]
    for _, group in shown.groupby("source_file", sort=False, dropna=False):
        for i, r in group.iterrows():
            parts[i] = excerpt_html(excerpt(raw_dir, r["source_file"], r, before, after))
    return flags, parts


def flags_with_excerpts(vw: Views, raw_dir, before: int = 2, after: int = 4) -> pd.DataFrame:
    """The red flags with Chinese headers, every text cell escaped, and a 原文 cell that opens (click)
    the lines of the source document around the flagged figure (for JupyterLab)."""
    flags, parts = _flag_excerpts(vw, raw_dir, before, after)
    flags["excerpt"] = [_details("查看原文", h) for h in parts]
    return html_frame(flags[list(FLAG_HEADERS)], html_columns=("excerpt",)).rename(columns=FLAG_HEADERS)


def flags_with_links(vw: Views, raw_dir, before: int = 2, after: int = 4,
                     limit: int | None = None) -> tuple[pd.DataFrame, str]:
    """The red flags as in flags_with_excerpts, but the 原文 cell links (#flag-N) to its excerpt in the
    section returned with them: for the report's HTML, whose sanitizer keeps links and ids, not <details>.
    Excerpts are made for the first `limit` flags only (STATIC_ROWS: those the static table shows; a
    province's thousands of flags made a 14 MB notebook of excerpts no row linked to)."""
    limit = STATIC_ROWS if limit is None else limit
    flags, parts = _flag_excerpts(vw, raw_dir, before, after, limit)
    flags["excerpt"] = [f'<a href="#flag-{i + 1}">原文 {i + 1}</a>' if i < limit else "—" for i in range(len(flags))]
    section = "".join(
        f'<div id="flag-{i + 1}">'
        + html_block("<b>{n}. {county} · {name} · {flag}</b>", tag="div", n=i + 1, county=r["county_label"],
                     name=r["project_name"], flag=r["flag"])
        + part + "</div>"
        for i, (part, (_, r)) in enumerate(zip(parts[:limit], flags.iloc[:limit].iterrows())))
    frame = html_frame(flags[list(FLAG_HEADERS)], html_columns=("excerpt",)).rename(columns=FLAG_HEADERS)
    return frame, (f"<div><b>红旗的原文</b>（原始文件中该数字所在位置前后几行，加粗的是该行）</div>{section}"
                   if section else "")


# --------------------------------------------------------------------------- tables

def html_frame(df: pd.DataFrame, html_columns=()) -> pd.DataFrame:
    """The frame with every text cell escaped (html_text) but `html_columns`, missing values as "—":
    safe to show with HTML allowed (itables' allow_html, DataFrame.to_html(escape=False))."""
    out = df.copy()
    for c in out.columns:
        if c in html_columns:
            continue
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            continue
        out[c] = [("—" if v is None or (not isinstance(v, str) and pd.isna(v)) else html_text(v)) for v in out[c]]
    return out


def _number(x) -> str:
    return "—" if pd.isna(x) else f"{x:,.2f}".rstrip("0").rstrip(".")


STATIC_ROWS = 200   # rows a static table shows (the report's HTML); JupyterLab's tables show all


def static_html(df: pd.DataFrame, caption: str = "", limit: int = STATIC_ROWS) -> str:
    """A plain HTML table (no script) of the first `limit` rows: for papermill runs and the exported
    HTML, whose sanitizer keeps table/tr/td/b/a/div only (no th, thead, p, style). Cells must be
    escaped (html_frame)."""
    def cell(v, c):
        if isinstance(v, str):
            return v
        return _number(v) if pd.api.types.is_float_dtype(df[c]) else ("—" if pd.isna(v) else html_text(v))
    head = "<tr>" + "".join(f"<td><b>{html_text(c)}</b></td>" for c in df.columns) + "</tr>"
    rows = "".join("<tr>" + "".join(f"<td>{cell(v, c)}</td>" for v, c in zip(r, df.columns)) + "</tr>"
                   for r in df.head(limit).itertuples(index=False))
    cap = f"<div><b>{_html.escape(caption)}</b>（{len(df)}行）</div>" if caption else ""
    more = (f"<div>只显示前{limit}行；在 JupyterLab 中打开本笔记本（make lab）可搜索、排序全部{len(df)}行。</div>"
            if len(df) > limit else "")
    return f'<div class="tex2jax_ignore mathjax_ignore">{cap}<table class="dataframe">{head}{rows}</table>{more}</div>'


def interactive_available() -> bool:
    """Whether itables and ipywidgets are installed (the `lab` extra)."""
    import importlib.util
    return all(importlib.util.find_spec(m) is not None for m in ("itables", "ipywidgets"))


def init_interactive() -> bool:
    """Load the DataTables library into the notebook (offline: nothing is fetched); False without itables."""
    if not interactive_available():
        return False
    import itables
    itables.init_notebook_mode(all_interactive=False, connected=False)
    return True


def table_html(df: pd.DataFrame, interactive: bool, caption: str = "") -> str:
    """A table (cells escaped by html_frame) as HTML: a sortable, searchable DataTable (itables, its
    library loaded by init_interactive) when `interactive`, else static HTML."""
    if not interactive:
        return static_html(df, caption)
    import itables
    from itables import JavascriptFunction
    out = df.copy()
    for c in out.columns:   # numbers as text DataTables still sorts as numbers; a missing one empty, shown "—"
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = ["" if pd.isna(x) else _number(x) for x in out[c]]
    dash = JavascriptFunction("function (data, type) { return type === 'display' && (data === '' || data === null)"
                              " ? '\u2014' : data; }")
    return itables.to_html_datatable(
        out, caption=caption or None, allow_html=True, connected=False, language=DATATABLES_ZH,
        classes="display compact", maxBytes=0, showIndex=False, columnDefs=[{"targets": "_all", "render": dash}],
        layout={"topStart": None, "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"})  # search always


def show(df: pd.DataFrame, interactive: bool, caption: str = "") -> None:
    """Display table_html(df, interactive, caption) in the notebook."""
    from IPython.display import HTML, display
    display(HTML(table_html(df, interactive, caption)))


def project_table(vw: Views) -> pd.DataFrame:
    """The projects of the selection with Chinese headers, text cells escaped."""
    p = vw.projects
    cols = [c for c in PROJECT_HEADERS if c in p.columns]
    return html_frame(p[cols].reset_index(drop=True)).rename(columns=PROJECT_HEADERS)


def view_html(tables: Mapping[str, pd.DataFrame], raw_dir, interactive: bool, region=None, year=None,
              county=None) -> str:
    """One view of the selection as HTML: its scope, the red flags with their excerpts, the projects."""
    t = select(tables, region, year, county)
    vw = Views(t)
    if interactive:
        flags, section = flags_with_excerpts(vw, raw_dir), ""
        how = "点“查看原文”显示原始文件中该处前后几行"
    else:
        flags, section = flags_with_links(vw, raw_dir)
        how = "点“原文”跳到原始文件中该处前后几行"
    name = vw.counties[0] if county and len(vw.counties) == 1 else county   # a division code -> its label
    head = html_block("范围：<b>{scope}</b>；{n_p}个项目，{n_f}条红旗（{how}）",
                      scope=scope_text(region, year, name), n_p=len(vw.projects), n_f=len(flags), how=how)
    return "\n".join([head, table_html(flags, interactive, "红旗清单"),
                      table_html(project_table(vw), interactive, "项目"), section])


def render(tables: Mapping[str, pd.DataFrame], raw_dir, interactive: bool, region=None, year=None,
           county=None) -> None:
    """Display view_html in the notebook."""
    from IPython.display import HTML, display
    display(HTML(view_html(tables, raw_dir, interactive, region, year, county)))


def initial(ch: Choices, region=None, years=None) -> tuple[Choices, str, object, str]:
    """The filters' starting values for the notebook's parameters (region may name a county, years a
    range): options added where the choices lack them."""
    region = region or ""
    regions, year_opts, county = list(ch.regions), list(ch.years), ""
    if region and not any(v == region for _, v in regions):
        hit = next((v for lab, v in ch.counties if region in (lab, v)), None)
        if hit is not None:
            county, region = hit, ""
        else:
            regions.append((str(region), str(region)))
    ys = parse_years(years)
    year = ""
    if ys:
        year = ys[0] if len(ys) == 1 else years
        if not any(v == year for _, v in year_opts):
            from evalkit.report.selection import years_label
            year_opts.append((years_label(years), year))
    return Choices(regions, year_opts, ch.counties), region, year, county


def explorer(tables: Mapping[str, pd.DataFrame], raw_dir, region=None, years=None):
    """The filter bar (地区, 年度, 县区 drop-downs) above an output that `render` fills on every change;
    the notebook's region/years parameters are the starting values."""
    import ipywidgets as w
    ch, region, year, county = initial(choices(tables), region, years)
    style = {"description_width": "initial"}
    reg = w.Dropdown(options=ch.regions, value=region, description="地区", style=style)
    yr = w.Dropdown(options=ch.years, value=year, description="年度", style=style)
    cty = w.Dropdown(options=choices(tables, region).counties, value=county, description="县区", style=style)
    out = w.Output()

    def refresh(*_):   # the output replaced as a whole (no capture: works from any thread, testable)
        html = view_html(tables, raw_dir, True, reg.value, yr.value, cty.value)
        out.outputs = ({"output_type": "display_data", "metadata": {},
                        "data": {"text/html": html, "text/plain": scope_text(reg.value, yr.value, cty.value)}},)

    def region_changed(change):
        cty.unobserve(refresh, "value")
        cty.options = choices(tables, change["new"]).counties
        cty.value = ""
        cty.observe(refresh, "value")
        refresh()

    reg.observe(region_changed, "value")
    yr.observe(refresh, "value")
    cty.observe(refresh, "value")
    refresh()
    return w.VBox([w.HBox([reg, yr, cty]), out])
