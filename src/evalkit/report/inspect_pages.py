"""The inspect views a report links its red flags to: the `evalkit inspect --html` page of each
flagged file (only those: a page re-reads its file), with an anchor at the row each flag is about."""
from __future__ import annotations

import hashlib
from collections import namedtuple
import json
from html import escape
from pathlib import Path

import pandas as pd

from evalkit import scratch
from evalkit.report.flags import flag_name
from evalkit.report.numbers import is_missing

_Flag = namedtuple("_Flag", "project_id source_file flag")
SUBDIR = "inspect"                 # under the run's html/
MANIFEST = "pages.json"
MAX_FILES = 60                     # a run re-reads at most this many flagged files


def row_anchor(table, row) -> str | None:
    """The id of a table row on an inspect page (explain.as_html): t2-r13 (both 1-based)."""
    return None if pd.isna(table) or pd.isna(row) else f"t{int(table)}-r{int(row)}"


def flag_key(f) -> str:
    """A red flag's key in pages.json: its project (its file for a report-level flag) and its name."""
    about = f.project_id if isinstance(f.project_id, str) and f.project_id else f"file:{f.source_file}"
    return f"{about}|{f.flag}"


def _page_name(source_file: str) -> str:
    """A safe, unique file name for a source file's page (the name is data: never a path)."""
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in Path(source_file).name)[:60]
    return f"{stem}-{hashlib.sha1(source_file.encode('utf-8')).hexdigest()[:8]}.html"


def _file_of(raw_dir: Path, source_file: str) -> Path | None:
    """The raw file a dataset row came from, inside raw_dir, or for a report inside an archive
    (`a.zip!folder/x.docx`) that name under raw_dir, its archive inside raw_dir; else None. A name the ledger shows
    decoded from GBK, or as `报告（2）.txt`, is the file read under it (archives.on_disk)."""
    from evalkit.archives import on_disk, split_member
    root = raw_dir.resolve()
    path = on_disk(root / source_file).resolve()
    if path.is_relative_to(root) and path.is_file():
        return path
    found = split_member(str(root / source_file)) if "!" in source_file else None
    return root / source_file if found is not None and found[0].resolve().is_relative_to(root) else None


def anchors(flags: pd.DataFrame, tables: dict) -> list[str | None]:
    """Per red flag, the row its page opens at: the finding's first figure for a flag from a finding,
    else the start of the project's table."""
    prj = tables["projects"].drop_duplicates("project_id").set_index("project_id")
    fnd = tables.get("findings")
    by_flag = {}
    if fnd is not None and len(fnd) and "loc_table" in fnd.columns:
        from evalkit.report.views import rule_titles
        titles = rule_titles(fnd)
        for f in fnd.itertuples(index=False):
            a = row_anchor(f.loc_table, f.loc_row)
            if a:
                by_flag.setdefault(flag_key(_Flag(f.project_id, f.source_file, flag_name(f.rule, titles))), a)
    out = []
    for f in flags.itertuples(index=False):
        a = by_flag.get(flag_key(f))
        if a is None and f.project_id in prj.index and "loc_table" in prj.columns:
            a = row_anchor(prj.at[f.project_id, "loc_table"], prj.at[f.project_id, "loc_row"])
        out.append(a)
    return out


def write_pages(tables: dict, flags: pd.DataFrame, raw_dir: Path | None, html_dir: Path,
                max_files: int = MAX_FILES) -> dict:
    """html_dir/inspect/<file>.html for each flagged file found in raw_dir (OCR'd scans left out: reading
    them again costs seconds a page), and pages.json: source_file -> page, "project_id|flag" -> anchor."""
    from evalkit.archives import find_member, readable
    from evalkit.discover import hash_file
    from evalkit.limits import LIMITS
    from evalkit.recognize.explain import _read, as_html
    from evalkit.recognize.walker import recognize
    from evalkit.review import active
    out = html_dir / SUBDIR
    manifest = {"pages": {}, "anchors": {}, "skipped": {}}
    if raw_dir is None or flags is None or flags.empty:
        return manifest
    rep = tables["reports"].drop_duplicates("source_file").set_index("source_file")
    fnd = active(tables["findings"], tables.get("reviews"))
    for flag, a in zip(flags.itertuples(index=False), anchors(flags, tables)):
        if a:
            manifest["anchors"][flag_key(flag)] = a
    opened: dict = {}                   # archive -> its members, taken out once for the whole run
    with scratch.folder("archives") as tmp:
        stage = Path(tmp)
        for sf in dict.fromkeys(flags["source_file"].dropna().astype(str)):
            if len(manifest["pages"]) >= max_files:
                manifest["skipped"][sf] = f"超过每次最多 {max_files} 个文件"
                continue
            r = rep.loc[sf] if sf in rep.index else None
            if r is not None and isinstance(r.get("ocr_pages"), str) and r.get("ocr_pages"):
                manifest["skipped"][sf] = "扫描件（OCR 识别），未重新识别"
                continue
            path = _file_of(Path(raw_dir), sf)
            if path is None:
                manifest["skipped"][sf] = "原始文件不在原始目录中"
                continue
            sha = None if r is None else r.get("sha256")
            try:
                # a report inside an archive is taken out for its page; each archive is opened once per run
                real = path if path.is_file() else find_member(str(path), stage, readable, LIMITS, opened)
                if isinstance(sha, str) and hash_file(real) != sha:
                    manifest["skipped"][sf] = "原始文件的内容已变"
                    continue
                doc = _read(sf, real)
            except Exception as e:  # noqa: BLE001  (a file that no longer reads gets no page, the run goes on)
                manifest["skipped"][sf] = f"无法读取（{e}）"
                continue
            mine = fnd[fnd["report_id"] == r.get("report_id")] if r is not None else None
            out.mkdir(parents=True, exist_ok=True)
            name = _page_name(sf)
            (out / name).write_text(as_html(doc, recognize(doc), mine), encoding="utf-8")
            manifest["pages"][sf] = name
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def read_manifest(inspect_dir: str | Path | None) -> dict:
    p = Path(inspect_dir) / MANIFEST if inspect_dir else None
    if p is None or not p.is_file():
        return {"pages": {}, "anchors": {}, "skipped": {}}
    return json.loads(p.read_text(encoding="utf-8"))


def red_flag_table_html(flags: pd.DataFrame, inspect_dir: str | Path | None) -> str:
    """The red-flag table as HTML, each flag linked to its file's inspect page at its row; all text escaped.
    Links are relative to a page in the run's html/ (or notebooks/) folder."""
    from evalkit.report.flags import shown_columns
    m = read_manifest(inspect_dir)
    years = "fiscal_year" in shown_columns(flags)
    head = "".join(f"<th>{escape(h)}</th>" for h in (("年度",) if years else ()) + ("项目", "红旗", "说明", "来源文件", "原文"))
    rows = []
    for f in flags.itertuples(index=False):
        sf = "" if f.source_file is None or f.source_file != f.source_file else str(f.source_file)
        page = m["pages"].get(sf)
        if page:
            anchor = m["anchors"].get(flag_key(f))
            href = f"../html/{SUBDIR}/{page}" + (f"#{anchor}" if anchor else "")
            link = f"<a href='{escape(href, quote=True)}'>读取视图</a>"
        else:
            link = escape(m["skipped"].get(sf, "—"))
        cells = ([f.fiscal_year] if years else []) + [f.project_name, f.flag, f.detail, sf]
        rows.append("<tr>" + "".join(f"<td>{escape('' if is_missing(c) else str(c))}</td>" for c in cells)
                    + f"<td>{link}</td></tr>")
    return f"<table class='dataframe'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
