"""Ingest: files -> documents -> recognized records -> the contract's tables, written atomically.

Steps: discover (walk the inputs, one `Source` per file, problems found without opening it)
-> hash (streamed) -> parse each distinct content once, in worker processes with a time and
memory limit, each result parked on disk as it comes (`Spool`) -> identity (byte-identical copies
and the same report in two formats kept once) -> tables and checks by batch of whole reports,
spooled as Parquet -> write (store.write_atomic streams the batches). Memory holds one batch and
a ledger row per file, whatever the size of the corpus (TMPDIR holds the spool)."""
from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import stat
import sys
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from evalkit import limits as _limits
from evalkit.archives import (ARCHIVE_SUFFIXES, NOT_REPORT_PREFIXES, ArchiveProblem, archive_format, attaching,
                              container_word, content_archive, expand, is_archive, join_volumes, listing_pdfs,
                              no_first_volume, old_style_first, readable, split_zip_last, unique_name, unnamed_archive,
                              volume_name, volume_of)
from evalkit.errors import FilesFailed, InputError
from evalkit.model import Document, Loc, ReadError
from evalkit.readers import SUFFIXES, format_of, read, webpage
from evalkit.readers.office import TARGET as CONVERTED
from evalkit.readers.pictures import may_read_more, when_text_gives_nothing
from evalkit.readers.safety import os_reason
from evalkit.readers.sniff import unnamed_format
from evalkit.scratch import folder as scratch_folder

if TYPE_CHECKING:   # pandas, the checks and the recognizers are imported where used: an unchanged re-run needs none
    import pandas as pd


@dataclass
class FileResult:
    """What one input file produced; `report` is its ledger row (status and error)."""
    report: dict
    projects: list[dict]
    indicators: list[dict]
    summaries: list[dict]
    cacheable: bool = False   # what the parser returned (not a time-out or a crash): the same next time


def ocr_figures(doc: Document) -> str | None:
    """The OCR'd cells that hold a figure (JSON: text, value, confidence, and the cell's page, table, row
    and column as a figure's `loc_fields` name them), so a check can point a reviewer at each figure read
    from a doubtful cell; None for a document not OCR'd."""
    from evalkit.normalize import parse_number
    cells = []
    for t in doc.tables():
        if not t.conf:
            continue
        for r, (row, crow) in enumerate(zip(t.rows, t.conf)):
            for c, (text, conf) in enumerate(zip(row, crow)):
                value = parse_number(text) if conf is not None else None
                if value is not None:
                    at = t.loc(r, c)
                    cells.append([text, value, round(float(conf), 3), at.page, at.table, at.row, at.col])
    return json.dumps(cells, ensure_ascii=False) if cells else None


def project_place(agency: str | None, report_agency: str | None, place: dict) -> dict:
    """A project's county, city and province: the report's, unless its own agency (实施单位) names another county
    without doubt (a 汇编 of several counties' tables in one file: 茂南区医疗保障局 in a file opening with 天峻县's)."""
    if not agency or agency == report_agency:
        return place
    from evalkit.geo import locate
    county, city, province = locate(agency)
    if county is None or county == place["county"] or (city is None and province is None):
        return place
    return {"county": county, "city": city, "province": province}


def build(doc: Document, source_file: str, sha: str, fmt: str, ex=None) -> FileResult:
    """Map one document's recognized content (`ex`, recognized here unless given) to rows of the contract's tables."""
    from evalkit.geo import place
    from evalkit.normalize import parse_measure
    from evalkit.recognize import recognize
    from evalkit.recognize.explain import role_label
    ex = ex if ex is not None else recognize(doc)
    rep = ex.report
    report_id = sha[:16]
    # from the document itself; the file's path is applied later, by `placed_by_path` (never cached)
    county, city, province, place_source = place(rep.agency, doc.opening_text)
    place = {"county": county, "city": city, "province": province}

    member = source_file.split("!", 1)[1] if "!" in source_file else None
    held = {"member": member, "container": container_word(source_file.split("!", 1)[0])} if member else {}

    def where(loc) -> dict:
        if loc is None:
            return {"loc_member": member, "location": Loc(**held).words() if member else None}
        return dataclasses.replace(loc, **held).columns()

    def where_each(field_locs: dict) -> str | None:
        """loc_fields: JSON, figure -> where it was read (Loc fields, `column`: its column's name)."""
        out = {}
        for name, (loc, role) in field_locs.items():
            d = dataclasses.replace(loc, **held).as_dict()
            if role:
                d["column"] = role_label(role)
            out[name] = d
        return json.dumps(out, ensure_ascii=False, separators=(",", ":")) if out else None

    projects, indicators = [], []
    for n, p in enumerate(ex.projects, start=1):
        pid = f"{report_id}-p{n:02d}"
        lines = p.indicators()
        own = project_place(p.agency, rep.agency, place)
        projects.append({
            "project_id": pid, "report_id": report_id, "source_file": source_file, **own,
            "agency": p.agency, "fiscal_year": p.fiscal_year or rep.fiscal_year, "project_name": p.project_name,
            "budget_initial": p.budget_initial, "budget_full_year": p.budget_full_year,
            "executed": p.executed, "execution_rate": p.execution_rate,
            "budget_weight": p.budget_weight, "budget_score": p.budget_score,
            "total_score": p.total_score, "grade": p.grade, "grade_raw": p.grade_raw,
            "max_score": p.max_score, "has_deviation_column": p.has_deviation_column,
            "deviation_note": p.deviation_note, "execution_rate_line": p.execution_rate_line,
            "amount_unit": p.amount_unit,
            "n_indicators": len(lines), **where(p.loc), "loc_fields": where_each(p.field_locs),
        })
        for k, i in enumerate(lines, start=1):
            t_op, t_val, t_unit = parse_measure(i.target)
            a_op, a_val, a_unit = parse_measure(i.actual)
            indicators.append({
                "project_id": pid, "source_file": source_file, "county": own["county"], "project_name": p.project_name,
                "level1": i.level1, "level2": i.level2, "level3": i.level3, "target": i.target,
                "actual": i.actual, "target_op": t_op, "target_value": t_val, "target_unit": t_unit,
                "actual_value": a_val, "actual_unit": a_unit, "weight": i.weight, "score": i.score,
                "deviation_reason": i.deviation_reason, "actual_op": a_op, "line_no": k,
                "report_id": report_id, **where(i.loc), "loc_fields": where_each(i.field_locs),
            })
    overflow = doc.overflow_cells()
    problems = list(doc.warnings) + [w for w in (doc.overflow_warning(overflow),) if w]
    unshown = [loc.words() for loc in overflow]
    bare = [p.project_name or f"第 {n} 个项目" for n, p in enumerate(ex.projects, start=1)
            if not p.indicators() and p.total_score is None]
    if bare:    # a self-evaluation table gives indicator lines or a total score: its columns were not understood
        named = "、".join(f"“{b}”" for b in bare[:5]) + (f" 等 {len(bare)} 个项目" if len(bare) > 5 else "")
        problems.append(f"{named}的自评表没有读到绩效指标和总分（表头词汇缺失，或表格的一部分印在别的页面上）；"
                        "请用 evalkit inspect 查看各行的读法")
    unnamed = [n for n, p in enumerate(ex.projects, start=1) if not p.project_name and (p.indicators() or
                                                                                       p.total_score is not None)]
    if unnamed:  # no 项目名称 read: the project's tables are not told apart (several read as one), nor its rows keyed
        which = "、".join(map(str, unnamed[:10])) + (f" 等 {len(unnamed)} " if len(unnamed) > 10 else " ")
        problems.append(f"第 {which}个项目没有读到项目名称（“项目名称”一栏未识别：文字被单元格截断，"
                        "或是新的表头词汇），文件中的几张自评表可能被读成了一个项目；请用 evalkit inspect 查看各行的读法")
    if not ex.found_anything and doc.linked:     # a portal's article page saved instead of its attachments
        from evalkit.readers.links import only_links
        problems.append(only_links(doc.format, doc.linked))
    elif not ex.found_anything and not doc.attached:   # (a PDF 包's cover: its reports are read apart, a note says)
        # a reading problem said above comes first: it is the likelier cause
        problems.append("未识别出项目自评表、汇总表或自评结果段落（" + ("先处理上面的读取问题；仍未识别时，" if problems else "")
                        + "可能是新的版式，请对照 README“新增版式”补充表头词汇）")
    report = {
        "report_id": report_id, "source_file": source_file, "sha256": sha, "format": fmt,
        "status": "partial" if problems else "ok",
        "error": f"{source_file}: {'; '.join(problems)}" if problems else None,
        **place, "agency": rep.agency, "fiscal_year": rep.fiscal_year,
        "doc_kind": doc.kind(rep.doc_kind, ex.found_anything),
        "n_projects": len(projects),
        "stated_overall_score": rep.stated_overall_score, "stated_overall_grade": rep.stated_overall_grade,
        "narrative_score": rep.narrative_score, "stated_overall_grade_raw": rep.stated_overall_grade_raw,
        "narrative_parts": json.dumps(rep.narrative_parts, ensure_ascii=False) if rep.narrative_parts else None,
        "place_source": place_source, "doc_date": rep.doc_date, "version_mark": rep.version_mark,
        "n_indicators": len(indicators), "pages": doc.pages,
        "ocr_pages": ",".join(map(str, doc.ocr_pages)) or None,
        "form_pages": ",".join(map(str, doc.form_pages)) or None,
        "reading_notes": json.dumps(doc.notes, ensure_ascii=False) if doc.notes else None,
        "ocr_cells": ocr_figures(doc),
        "uncached_formulas": json.dumps(doc.uncached_formulas, ensure_ascii=False) if doc.uncached_formulas else None,
        "hidden_content": json.dumps(doc.hidden, ensure_ascii=False) if doc.hidden else None,
        "unshown_figures": json.dumps(unshown, ensure_ascii=False) if unshown else None,
    }
    summary_rows = [{"summary_id": f"{report_id}-s{n:02d}", "report_id": report_id, "source_file": source_file,
                     "agency": rep.agency, "fiscal_year": rep.fiscal_year, **s,
                     **where(ex.summary_locs[n - 1] if n - 1 < len(ex.summary_locs) else None)}
                    for n, s in enumerate(ex.summaries, start=1)]
    return FileResult(report, projects, indicators, summary_rows)



# ----------------------------------------------------------------------------- discover

# which copy of a report in several formats is kept: native structure first, converted and OCR'd last
FORMAT_RANK = ("docx", "xlsx", "html", "mhtml", "md", "txt", "csv", "doc", "wps", "odt", "uot", "rtf", "et", "ods", "xlsb",
               "pptx", "ppt", "dps", "odp", "pdf", "ofd", "xps", "image")


@dataclass
class Source:
    """One input found by `discover`: where to open it, the name it is reported under, and any
    problem seen without opening it (a dangling link, a FIFO, a loop) as a Chinese message."""
    path: Path
    source_file: str
    fmt: str | None
    size: int | None = None
    problem: str | None = None
    sha256: str | None = None
    stamp: tuple | None = None   # (size, mtime) just before it was hashed: changed_since_hashed


CHANGED_WHILE_READ = ("文件在读取过程中被改动（可能仍在复制或保存中），记录的哈希值与读到的内容可能不符，本次不采用；"
                      "请在文件写完后重新运行 evalkit ingest")


def _stamp(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns      # no inode: a network share (CIFS noserverino) may number a file anew


def changed_since_hashed(s: Source) -> bool:
    """The file was written to (or replaced) after it was hashed: its rows might not be of the bytes the
    ledger's sha256 names (a copy still in progress when the run began), as tar's "file changed as we read it"."""
    return s.stamp is not None and _stamp(s.path) != s.stamp


@dataclass
class Discovery:
    sources: list[Source] = field(default_factory=list)
    skipped: int = 0          # files of other types (images, notes …), not reports
    skipped_types: dict[str, int] = field(default_factory=dict)   # suffix -> files of it skipped in the folders
    own_outputs: list[str] = field(default_factory=list)   # evalkit's own folders met on the way (own_output)
    page_folders: list[str] = field(default_factory=list)  # a saved page's folders: their pictures are the page's
    given_twice: list[str] = field(default_factory=list)   # inputs reached again through another input: read once
    system_folders: list[str] = field(default_factory=list)  # recycle bins and the like (SYSTEM_FOLDERS): not walked


# A download still going on (or broken off): the browser's or download tool's temporary name, the report's own before it.
DOWNLOADING = {".crdownload": "Chrome、Edge、360、QQ 等浏览器", ".part": "Firefox 浏览器", ".partial": "IE 或旧版 Edge 浏览器",
               ".opdownload": "Opera 浏览器", ".download": "Safari 浏览器", ".td": "迅雷",
               ".baiduyun.downloading": "百度网盘", ".downloading": "下载工具"}


def unfinished_download(name: str) -> tuple[str, str] | None:
    """(the report's name, what is downloading it) for a download tool's temporary file of a report
    (`自评表.pdf.crdownload`, `自评表.pdf.td`), else None."""
    low = name.lower()
    for suffix, tool in DOWNLOADING.items():
        inner = name[: len(name) - len(suffix)]
        if low.endswith(suffix) and (_fmt_of(inner) is not None or is_archive(inner)):
            return inner, tool
    return None


def _downloading(path: Path, source_file: str) -> Source | None:
    """A failed row for a report still being downloaded (it is not there yet: the run must say so, not skip it)."""
    found = unfinished_download(path.name)
    if found is None:
        return None
    inner, tool = found
    suffix = display_name(path.name[len(inner):])
    return Source(path, source_file, _fmt_of(inner) or _archive_fmt(Path(inner)),
                  problem=f"文件尚未下载完成（{tool}的临时文件“{suffix}”），内容不完整，未读取；"
                          f"请等“{display_name(inner)}”下载完成（或重新下载）后再运行")


# Document formats evalkit does not read whose files hold reports: a row saying what to export them as, not a
# silent skip (the report would be missing without a word).
NOT_READ = {
    ".numbers": "这是 Apple Numbers 表格，evalkit 不直接读取；请在 Numbers 中导出为 Excel（.xlsx）或 PDF 后再导入",
    ".pages": "这是 Apple Pages 文稿，evalkit 不直接读取；请在 Pages 中导出为 Word（.docx）或 PDF 后再导入",
    ".ceb": "这是方正阿帕比电子文档（.ceb），evalkit 不直接读取；请用 Apabi Reader 打印或另存为 PDF 后再导入",
    ".sep": "这是书生电子公文（.sep），evalkit 不直接读取；请用书生阅读器打印为 PDF 或导出为 OFD 后再导入",
    ".gd": "这是书生电子公文（.gd），evalkit 不直接读取；请用书生阅读器打印为 PDF 或导出为 OFD 后再导入",
    # 永中 Office (信创 desktops): its own integrated format, and UOF 表格/演示 (GB/T 20916; UOF 文字 .uot is read)
    ".eio": "这是永中 Office 文档（.eio），evalkit 不直接读取；请在永中 Office 中另存为 Word、Excel 格式或 PDF 后再导入",
    ".uos": "这是 UOF 电子表格（.uos），evalkit 不直接读取；请在永中 Office 或 WPS 中另存为 Excel 格式（.xlsx）或 PDF 后再导入",
    ".uop": "这是 UOF 演示文稿（.uop），evalkit 不直接读取；请在永中 Office 或 WPS 中另存为 PowerPoint 格式（.pptx）或 PDF 后再导入",
}


def not_read(name: str) -> tuple[str, str] | None:
    """(format label, what to do) for a document format evalkit does not read (NOT_READ), else None."""
    suffix = os.path.splitext(name)[1].lower()
    return (suffix[1:], NOT_READ[suffix]) if suffix in NOT_READ else None


def named_not_read(path: Path, source_file: str, size: int | None = None) -> Source | None:
    """The failed row of a file that holds a report evalkit does not read (NOT_READ) or not yet (a download still
    going on): said, never skipped as a file of another type."""
    if (other := not_read(path.name)) is not None:
        return Source(path, source_file, other[0], size, problem=other[1])
    return _downloading(path, source_file)
REPORTS_LOCK = ".report.lock"      # the lock `evalkit report` keeps in its --out folder (report/runner.py takes it)


# Folders Windows and macOS keep on a drive, never a report's: a recycle bin holds deleted (older) copies of reports
# under names like `$R3X9ABC.docx`, which would count as reports of their own.
SYSTEM_FOLDERS = {"$recycle.bin": "Windows 回收站，其中是已删除的文件", "recycler": "Windows 回收站，其中是已删除的文件",
                  "system volume information": "Windows 系统文件夹", "__macosx": "macOS 压缩时附带的资源文件"}
SYSTEM_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}    # not even counted among the files of other types


def own_output(folder: Path) -> str | None:
    """What evalkit wrote there, when a folder is its own output: a report folder (its pages, workbook and
    charts would read as reports: a project counted again, charts OCR'd), one run of it, or a dataset. None
    for any other folder; only a few names are looked at."""
    try:
        if (folder / REPORTS_LOCK).is_file():
            return "evalkit 报告输出文件夹"
        for name, key, kind in (("run.json", "region_folder", "evalkit 报告的一次运行"),
                                ("manifest.json", "evalkit_dataset", "evalkit 数据集")):
            f = folder / name
            if f.is_file() and f.stat().st_size < 1 << 22 and key in json.loads(f.read_text(encoding="utf-8")):
                return kind
    except (OSError, ValueError, TypeError):     # unreadable, not JSON, JSON that is no object: not ours
        return None
    return None


def placed_by_path(r: FileResult) -> FileResult:
    """A result whose document names no county (or a shared one without its city) placed by its file's path
    (geo.by_path), in the coordinating process: results are cached by content, and the same content may come
    back under another path, so a place read from a path is never part of what is cached."""
    rep = r.report
    if rep.get("status") not in ("ok", "partial"):
        return r
    from evalkit.geo import by_path
    found = by_path(rep.get("county"), rep.get("city"), rep.get("province"), rep["source_file"])
    if found is None:
        return r
    county, city, province = found
    rep.update(county=county, city=city, province=province, place_source="文件路径")
    for row in (*r.projects, *r.summaries):
        row.update({k: v for k, v in (("county", county), ("city", city), ("province", province)) if k in row})
    for row in r.indicators:
        row["county"] = county
    return r


def display_name(name: str) -> str:
    """A file name as text: undecodable bytes (GBK names left by unzip) decoded as GB18030 where
    that works, else shown as \\xNN escapes; always valid Unicode for the tables."""
    raw = os.fsencode(name)
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def _fmt_of(name: str) -> str | None:
    return _reported(format_of(name))


def _reported(fmt: str | None) -> str | None:
    """The format a report row gives: a workbook is xlsx whether .xls or .xlsx."""
    return {"xls": "xlsx"}.get(fmt, fmt)


def root_names(roots: list[Path]) -> list[str | None]:
    """Each input's name in the ledger: its own name, or with as many of its parent folders as tell it from another
    input of that name (`曲沃县/2023`, `开江县/2023`: before, both read `2023/自评表.docx`); None for an input given
    again (the same path)."""
    from collections import defaultdict

    parts = [Path(os.path.abspath(r)).parts for r in roots]
    depth = [1] * len(roots)

    def name(i: int) -> str:
        return "/".join(display_name(x) for x in parts[i][-depth[i]:] if x != os.sep) or display_name(str(roots[i]))

    names = [name(i) for i in range(len(roots))]
    while True:                                  # (a shell glob may give thousands of files: no pair of them compared)
        holders = defaultdict(set)
        for i, n in enumerate(names):
            holders[n].add(parts[i])
        grown = [i for i, n in enumerate(names) if len(holders[n]) > 1 and depth[i] < len(parts[i])]
        if not grown:
            break
        for i in grown:
            depth[i] += 1
            names[i] = name(i)
    first: dict[tuple, int] = {}
    return [names[i] if first.setdefault(parts[i], i) == i else None for i in range(len(roots))]


def discover(paths: list[Path], limits=None, stage: Path | None = None) -> Discovery:
    """Every report file under the given files/folders, named relative to its root.

    Walks iteratively (no recursion limit), follows folder links once (a loop is reported, not
    followed), never opens anything but archives, the first 2 KB of a regular file whose name says no format
    (a report saved as `downfile.jsp`, readers/sniff.unnamed_format) and PDFs, OFDs and workbooks (scanned for
    attached files): FIFOs, devices, dangling links, unreadable folders and folders nested deeper than the limit
    each become a Source with a problem. Archives (.zip/.7z/.rar) are opened into `stage` (see archives.py), and the
    files attached to a PDF, OFD or workbook taken out there beside it (archives.attaching); without `stage` both
    are skipped."""
    with listing_pdfs():                          # one process lists the PDFs' attachments
        return _discover(paths, limits, stage)


def _discover(paths: list[Path], limits=None, stage: Path | None = None) -> Discovery:
    lim = limits or _limits.LIMITS
    out = Discovery()

    read_as: dict[tuple, tuple[int, str]] = {}    # a file's identity -> the input and name it was read as

    def add_volumes(volume1: Path, source_file: str) -> None:
        """A 分卷 set (`x.7z.001`…, `x.part1.rar`…, `x.z01`…) read as the archive it makes, named `x.7z`, `x.rar`, `x.zip`."""
        try:
            joined = join_volumes(volume1, stage / "volumes" / str(len(out.sources)), lim)
        except (ArchiveProblem, OSError) as e:
            out.sources.append(Source(volume1, source_file, _archive_fmt(Path(source_file)),
                                      problem=str(e) if isinstance(e, ArchiveProblem) else f"无法读取分卷（{os_reason(e)}）"))
            return
        add(joined, source_file)

    def missing_first(path: Path, source_file: str, base: str) -> Source:
        return Source(path, source_file, _archive_fmt(Path(base)),
                      problem=no_first_volume(display_name(volume_name(path.name, 1))))

    def add(path: Path, source_file: str, given: bool = False, fmt: str | None = None, archive: str | None = None) -> None:
        """`archive`: the archive format of a file whose name says none (archives.content_archive)."""
        if multi and (key := _file_identity(path)) is not None:
            at = read_as.setdefault(key, (current, source_file))
            if at[0] != current:                  # the same file through another input (a folder and a file in it)
                out.given_twice.append(f"{source_file}（即 {at[1]}）")
                return
        if given and stage is not None and archive is None:
            archive = unnamed_archive(path)          # `downfile.jsp` given by name, holding a zip of the reports
        if (archive or is_archive(path.name)) and stage is not None:
            kind = archive or _archive_fmt(path)
            src = _source(path, source_file, lim)
            if src.problem is not None:
                out.sources.append(Source(path, source_file, kind, src.size, src.problem))
                return
            try:
                members, skipped = expand(path, stage / str(len(out.sources)), readable, lim, fmt=archive)
            except ArchiveProblem as e:
                out.sources.append(Source(path, source_file, kind, src.size, str(e)))
                return
            except Exception as e:  # noqa: BLE001  (one archive a library chokes on costs its row, not the run)
                out.sources.append(Source(path, source_file, kind, src.size,
                                          f"读取压缩包时发生内部错误（{type(e).__name__}: {e}），"
                                          "请把文件报告给 evalkit 维护者"))
                return
            out.skipped += skipped
            if not members:
                word = "邮件" if archive == "msg" else container_word(path.name)
                out.sources.append(Source(path, source_file, kind, src.size,
                                          f"{word}中没有可读取的报告文件（{skipped} 个其他文件）"))
            add_members(path, source_file, members)
            return
        src = _source(path, source_file, lim, given=given, fmt=fmt)
        out.sources.append(src)
        if stage is not None and src.problem is None and (kind := attaching(path, src.fmt)) is not None:
            try:                       # a PDF 包's files, an OFD 公文's 附件, a 报送清单's icons: inputs of their own
                members, skipped = expand(path, stage / str(len(out.sources)), readable, lim, fmt=kind)
            except Exception as e:  # noqa: BLE001  (its attachments cost one row, the file itself is read)
                word = container_word("x." + kind)
                out.sources.append(Source(path, f"{source_file}!（附件）", None, problem=(
                    f"读取{' ' * word[0].isascii()}{word}时发生内部错误（{type(e).__name__}: {e}），请把文件报告给 evalkit 维护者")))
                return
            out.skipped += skipped
            add_members(path, source_file, members)

    def add_members(path: Path, source_file: str, members: list) -> None:
        """The reports an archive holds (or a PDF, an OFD or a workbook has attached), each an input named
        `source_file!member`."""
        for m in members:
            name = f"{source_file}!{m.name}"
            if m.problem is not None:
                out.sources.append(Source(path, name, _fmt_of(m.name), problem=m.problem))
            else:
                out.sources.append(_source(m.staged, name, lim))

    roots = [Path(p) for p in paths]
    multi = len(roots) > 1
    names = root_names(roots) if multi else [display_name(r.name) for r in roots]
    seen: dict = {}                               # a folder's (device, inode) -> the input it was walked in
    sets_read: set = set()                        # the first volumes of the 分卷 sets given (a shell's x.part*.rar: once)
    for current, (root, label) in enumerate(zip(roots, names)):
        if label is None:                         # the same path given twice
            out.given_twice.append(display_name(str(root)))
            continue
        prefix = label + "/" if multi and root.is_dir() else ""
        if not root.is_dir():
            # a volume, or the archive that names a set: old-style RAR's x.rar (its first), a split zip's x.zip (its last)
            vol = volume_of(root.name) or ((root.name, 1) if old_style_first(root) or split_zip_last(root) else None)
            if stage is not None and vol is not None:
                first = root.with_name(volume_name(root.name, 1))    # any volume given (x.part*.rar): the set once
                if vol[1] != 1 and not first.is_file():
                    out.sources.append(missing_first(root, label, vol[0]))
                elif (key := _dev_ino(first)) not in sets_read:
                    sets_read.add(key)
                    at = label[: len(label) - len(display_name(root.name))]
                    add_volumes(first, at + display_name(vol[0]))     # named as the archive: `x.7z`
            else:
                add(root, label, given=True)
            continue
        if (kind := own_output(root)) is not None:
            out.own_outputs.append(f"{label}/（{kind}）")
            continue
        key = _dev_ino(root)
        if key in seen:                           # walked already, inside another input
            out.given_twice.append(f"{label}/")
            continue
        seen[key] = current
        stack = [(root, "", 0, False)]
        while stack:
            folder, rel, depth, pages = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
            except OSError as e:
                out.sources.append(Source(folder, prefix + (rel or "."), None,
                                          problem=f"无法读取文件夹（{os_reason(e)}），其中的文件未处理"))
                continue
            for e in entries:
                name = rel + display_name(e.name)
                if e.name.startswith(NOT_REPORT_PREFIXES):
                    continue
                try:
                    is_dir = e.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    key = _dev_ino(Path(e.path))
                    if e.name.casefold() in SYSTEM_FOLDERS:      # a USB stick's recycle bin: deleted files, not reports
                        out.system_folders.append(f"{prefix}{name}/（{SYSTEM_FOLDERS[e.name.casefold()]}）")
                    elif (kind := own_output(Path(e.path))) is not None:
                        out.own_outputs.append(f"{prefix}{name}/（{kind}）")
                    elif key in seen and seen[key] != current:      # another input, given before this one
                        out.given_twice.append(f"{prefix}{name}/")
                    elif key in seen:
                        out.sources.append(Source(Path(e.path), prefix + name + "/", None,
                                                  problem="文件夹链接指向已读过的文件夹（循环链接），未重复读取"))
                    elif depth + 1 > lim.max_depth:
                        out.sources.append(Source(Path(e.path), prefix + name + "/", None,
                                                  problem=f"文件夹嵌套超过 {lim.max_depth} 层，更深的内容未读取"))
                    else:
                        seen[key] = current
                        page = webpage.page_of(Path(e.path))
                        if page is not None:
                            out.page_folders.append(f"{prefix}{name}/（网页 {display_name(page.name)} 的图片和框架页）")
                        stack.append((Path(e.path), name + "/", depth + 1, page is not None))
                    continue
                if (said := named_not_read(Path(e.path), prefix + name)) is not None:   # a .ceb, a .crdownload
                    out.sources.append(said)
                    continue
                if pages and webpage.is_part(e.name):          # a saved page's picture or frame: read through it
                    out.skipped += 1
                    continue
                if stage is not None and split_zip_last(Path(e.path)):         # read with its x.z01…
                    continue
                if stage is not None and (vol := volume_of(e.name)) is not None:   # 分卷: the set once, from volume 1
                    if vol[1] == 1:
                        add_volumes(Path(e.path), prefix + rel + display_name(vol[0]))
                    elif not any(Path(folder, volume_name(e.name, k)).is_file() for k in range(1, vol[1])):
                        out.sources.append(missing_first(Path(e.path), prefix + name, vol[0]))   # the set's one row
                    continue
                if _fmt_of(e.name) is None and not (stage is not None and is_archive(e.name)):
                    if e.name.casefold() in SYSTEM_FILES:          # Windows' thumbnails and folder settings
                        continue
                    real = _unnamed(e)                            # a report saved as `downfile.jsp`: read as what it is
                    packed = _unnamed(e, content_archive) if real is None and stage is not None else None   # …or a zip of them
                    if packed is not None:
                        add(Path(e.path), prefix + name, archive=packed)
                    elif real is None:
                        out.skipped += 1
                        kind = os.path.splitext(e.name)[1].lower() or "无扩展名"
                        out.skipped_types[kind] = out.skipped_types.get(kind, 0) + 1
                    else:
                        add(Path(e.path), prefix + name, fmt=_reported(real))
                    continue
                add(Path(e.path), prefix + name)
    out.sources.sort(key=lambda s: s.source_file)
    used: set[str] = set()             # two names one on screen: a GBK name unzip left beside the same name in UTF-8
    for s in out.sources:
        s.source_file = unique_name(s.source_file, used, key=str)
    return out


def _unnamed(entry: os.DirEntry, tell=unnamed_format) -> str | None:
    """unnamed_format (or `tell`: archives.content_archive) of a regular file met in a folder (a FIFO or a device is
    never opened); None when it cannot be told (unreadable, a ZIP directory over the limits: the file stays one of
    the other types)."""
    try:
        st = entry.stat()
        if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
            return None
        return tell(Path(entry.path))
    except Exception:  # noqa: BLE001  (a guess: whatever stops it leaves the file as it was, skipped)
        return None


def _archive_fmt(path: Path) -> str:
    return archive_format(path.name)


def _file_identity(p: Path):
    """One file however it is reached: device and inode, with size and modification time (a network share that gives
    no real inode numbers must not make two files one); None when unknown."""
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if st.st_ino else None


def _dev_ino(p: Path):
    try:
        st = p.stat()
        return st.st_dev, st.st_ino
    except OSError:
        return None



def _source(path: Path, source_file: str, lim, given: bool = False, fmt: str | None = None) -> Source:
    """A Source for one path, with the problem a stat shows (never opening it); `fmt`: what its content is, for a
    file whose name says no format."""
    fmt = fmt or _fmt_of(path.name)
    try:
        st = path.stat()
    except OSError as e:
        if path.is_symlink():
            why = "符号链接循环" if e.errno == errno.ELOOP else "链接指向的文件不存在（失效链接）"
            return Source(path, source_file, fmt, problem=why)
        return Source(path, source_file, fmt, problem=f"无法访问（{os_reason(e)}）")
    if stat.S_ISDIR(st.st_mode):
        return Source(path, source_file, fmt, problem="是文件夹")
    if not stat.S_ISREG(st.st_mode):
        kind = "命名管道（FIFO）" if stat.S_ISFIFO(st.st_mode) else "套接字" if stat.S_ISSOCK(st.st_mode) else "设备文件"
        return Source(path, source_file, fmt, problem=f"不是普通文件（{kind}），未读取")
    if given and (said := named_not_read(path, source_file, st.st_size)) is not None:
        return said
    if fmt is None and given and not is_archive(path.name) and (real := unnamed_format(path)) is not None:
        fmt = _reported(real)
    if fmt is None and given and not is_archive(path.name):
        return Source(path, source_file, None, st.st_size,
                      problem=f"不支持的文件类型“{display_name(path.suffix) or '无扩展名'}”"
                              f"（支持 {', '.join(sorted(set(SUFFIXES)))}）")
    if st.st_size == 0:
        return Source(path, source_file, fmt, 0, problem="空文件（0 字节），请重新下载")
    if st.st_size > lim.max_file_bytes:
        return Source(path, source_file, fmt, st.st_size,
                      problem=f"文件大小 {st.st_size / 2**20:.0f} MB 超过上限 {lim.max_file_bytes / 2**20:.0f} MB，未读取"
                              "（可用 EVALKIT_LIMIT_MAX_FILE_BYTES 调整）")
    if not os.access(path, os.R_OK):
        return Source(path, source_file, fmt, st.st_size, problem="没有读取权限")
    return Source(path, source_file, fmt, st.st_size)


def hash_file(path: Path) -> str:
    """SHA-256 of a file's bytes, streamed (constant memory whatever the size); a web page saved with its folder
    of pictures: of the page and those pictures (readers/webpage.py), which are part of what it shows."""
    with open(path, "rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    if _fmt_of(os.fspath(path)) == "html":
        return webpage.identity(Path(path), sha)
    return sha


# ----------------------------------------------------------------------------- parse (in a worker)

def ingest_file(path: Path, source_file: str, sha: str | None = None, fmt: str | None = None) -> FileResult:
    """One file, never raising: an unreadable file becomes a `failed` ledger row with the reason."""
    fmt = fmt or _fmt_of(path.name) or path.suffix.lstrip(".").lower()
    if sha is None:
        try:
            sha = hash_file(path)
        except OSError as e:
            return _failed(source_file, None, fmt, f"无法打开文件（{os_reason(e)}）")
    try:
        doc = read(path)
        if doc.read_as:                  # its content is another format than its name says: reported as that
            fmt = _reported(doc.read_as)
        ex = None
        if may_read_more(doc):          # text beside page-sized pictures, text in boxes: read those if it gives nothing
            from evalkit.recognize import recognize
            ex = recognize(doc)
            more = when_text_gives_nothing(doc, ex.gives_something, lambda d: recognize(d).gives_something)
            if more is not doc:
                doc, ex = more, None
        return build(doc, source_file, sha, fmt, ex)
    except ReadError as e:
        return _failed(source_file, sha, fmt, str(e))
    except _limits.MoreTime:
        raise                             # the run gives the file the time its OCR needs (collect)
    except MemoryError:
        return _failed(source_file, sha, fmt, f"解析时内存超过上限 {_limits.LIMITS.max_memory_mb} MB，已放弃"
                                             "（可用 EVALKIT_LIMIT_MAX_MEMORY_MB 调整）")
    except RecursionError:
        return _failed(source_file, sha, fmt, "文件结构嵌套过深，无法解析")
    except Exception as e:  # a bug or an unforeseen layout must not stop the batch
        return _failed(source_file, sha, fmt, f"读取时发生内部错误（{type(e).__name__}: {e}），请把文件报告给 evalkit 维护者")


def _source_id(source_file: str) -> str:
    return "f" + hashlib.sha256(source_file.encode("utf-8")).hexdigest()[:15]


def _failed(source_file: str, sha: str | None, fmt: str | None, error: str) -> FileResult:
    rid = sha[:16] if sha else _source_id(source_file)
    return FileResult({"report_id": rid, "source_file": source_file, "sha256": sha, "format": fmt,
                       "status": "failed", "error": f"{source_file}: {error}", "n_projects": 0,
                       "n_indicators": 0}, [], [], [])


def ocr_threads(jobs: int, workers: int) -> int:
    """OCR threads per worker: the run's --jobs cores shared among its workers (--jobs 1 is one
    core, OCR included; a single scan given 2 jobs gets both cores' threads)."""
    return max(1, jobs // max(1, workers))


_CACHE = None   # the run's parse cache in a worker process (parse_file stores what it parsed)


def parse_file(path: Path, source_file: str, sha: str | None = None, fmt: str | None = None,
               seconds: float | None = None) -> FileResult:
    """ingest_file in a worker, its result stored in the run's parse cache there (in parallel, not
    by the coordinating process one file after another). `seconds`: its time limit, which OCR may ask to raise
    (limits.MoreTime); None: the limit is final."""
    res = timed_ingest(path, source_file, sha, fmt, seconds)
    if _CACHE is not None and sha is not None:
        res.cacheable = True          # what the parser returned: a time-out or a crash never gets here
        _CACHE.put(sha, fmt, res)
    return res


def timed_ingest(path: Path, source_file: str, sha: str | None, fmt: str | None, seconds: float | None) -> FileResult:
    """ingest_file within `seconds` (see parse_file); run by the local pool's and Dask's workers."""
    _limits.give_time(seconds)
    try:
        return ingest_file(path, source_file, sha, fmt)
    finally:
        _limits.give_time(None)


def _init_worker(lim, workers: int = 1, threads: int | None = None, cache=None, scratch: str | None = None) -> None:
    """The run's limits for the readers, and a cap on the worker's address space: a parser that
    balloons gets MemoryError, not the host's OOM killer. OCR gets `threads` threads (the worker's
    share of the run's cores; EVALKIT_OCR_THREADS overrides). `cache`: where parse_file stores.
    `scratch`: the run's folder for the readers' temp files (tempfile's and TMPDIR for LibreOffice), which
    the run removes whole: a worker killed at its time limit cannot leave its copies behind."""
    global _CACHE
    _limits.LIMITS = lim
    _CACHE = cache
    if scratch:
        tempfile.tempdir = scratch
        os.environ["TMPDIR"] = scratch
    if threads is None and workers > 1:
        threads = 1
    if threads:
        os.environ.setdefault("EVALKIT_OCR_THREADS", str(threads))
    _limits.cap_memory(lim.max_memory_mb)


OCR_SECONDS_PER_MB = 100.0   # a scanned page is ~0.2-0.4 MB and takes 5-25 s to OCR on 2 cores
# files whose pages may be scans (pasted into Word or onto slides, too)
OCR_FORMATS = ("pdf", "ofd", "xps", "image", "docx", "doc", "wps", "uot", "pptx", "ppt", "dps", "odp")


def time_limit(s: Source, lim) -> float:
    """Seconds one file may take: max_seconds, plus time in proportion to the size of files that
    may need OCR (PDFs, images), since a 20-page scan needs minutes; at most 10 x max_seconds."""
    if s.fmt in OCR_FORMATS and s.size:
        return round(min(10 * lim.max_seconds, lim.max_seconds + OCR_SECONDS_PER_MB * s.size / 2**20), 1)
    return lim.max_seconds


def timeout_error(seconds: float) -> str:
    return f"解析超过 {seconds:g} 秒仍未完成，已中止（可用 EVALKIT_LIMIT_MAX_SECONDS 调整）"


def crash_error(exitcode, lim) -> str:
    return f"解析进程意外退出（退出码 {exitcode}，多为内存超过上限 {lim.max_memory_mb} MB 或解析库崩溃）"


def collect(fut, source_file: str, sha: str | None, fmt: str | None, seconds: float, lim, again=None) -> FileResult:
    """A parse future's FileResult (local pool or a Dask worker's); a time-out, a dead worker or a
    result that could not be sent back becomes the file's `failed` row. A file whose OCR asked for more time
    (limits.MoreTime) is parsed again through `again(seconds)` (a new future, its limit final)."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired
    try:
        res = fut.result()
    except _limits.MoreTime as more:
        if again is None:
            return _failed(source_file, sha, fmt, timeout_error(seconds))
        return collect(again(more.seconds), source_file, sha, fmt, more.seconds, lim)
    except FutureTimeout:
        return _failed(source_file, sha, fmt, timeout_error(seconds))
    except ProcessExpired as e:
        return _failed(source_file, sha, fmt, crash_error(e.exitcode, lim))
    except Exception as e:  # noqa: BLE001  (result could not be sent back, pool error)
        return _failed(source_file, sha, fmt, f"解析进程出错（{type(e).__name__}: {e}）")
    res.cacheable = True
    return res


def parse_sources(sources: list[Source], jobs: int | None = None, progress: bool = False,
                  limits=None) -> list[FileResult]:
    """Parse each source in a worker process (pebble pool) with the time and memory limits;
    a worker that hangs, crashes or is killed costs its file a `failed` row, never the batch.
    Results in the order given."""
    got = {id(s): r for s, r in iter_parsed(sources, jobs, progress, limits)}
    return [got[id(s)] for s in sources]


# OCR, a PDF's pages or LibreOffice's conversion (readers/office.py): seconds a file
SLOW_FORMATS = (*OCR_FORMATS, *sorted(CONVERTED))


def longest_first(sources: list[Source]) -> list[Source]:
    """The sources in the order to hand them out: likely slowest first (slow formats, then by size),
    so that no worker is left with a long file once the others have run out of work."""
    return sorted(sources, key=lambda s: (s.fmt not in SLOW_FORMATS, -(s.size or 0)))


def _preload() -> None:
    """The reading modules, imported before the pool forks: each worker inherits them instead of
    importing them itself (this module imports them lazily, for the unchanged re-run)."""
    import importlib
    for name in ("evalkit.geo", "evalkit.normalize", "evalkit.recognize", "evalkit.recognize.explain"):
        importlib.import_module(name)


@contextmanager
def worker_pool(**options):
    """A pebble ProcessPool that a stopped run (an error, Ctrl-C, SIGTERM, its consumer gone) stops at once:
    pebble's own exit closes the pool and waits for every file still scheduled, minutes of OCR."""
    from pebble import ProcessPool
    pool = ProcessPool(**options)
    try:
        yield pool
    except BaseException:
        pool.stop()          # pending files dropped, running workers terminated (and waited for)
        pool.join()
        raise
    pool.close()
    pool.join()


def iter_parsed(sources: list[Source], jobs: int | None = None, progress: bool = False, limits=None,
                cache=None):
    """(source, FileResult) pairs, likely slowest files first (`longest_first`), each as its worker
    finishes: a result handed on is no longer held here, so a caller that parks it on disk keeps
    memory flat. With `cache` (a ParseCache) each worker stores what it parsed."""
    lim = limits or _limits.LIMITS
    jobs = max(1, jobs or os.cpu_count() or 1)
    if not sources:
        return
    sources = longest_first(sources)
    _preload()
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(sources), desc="ingest", unit="file", file=sys.stderr)
    workers = min(jobs, len(sources))
    if cache is not None:
        cache.prepare()                  # old versions pruned once, here, before the workers write
    with scratch_folder("workers") as scratch, \
            worker_pool(max_workers=workers, initializer=_init_worker,
                        initargs=(lim, workers, ocr_threads(jobs, workers), cache, scratch)) as pool:
        futures = [pool.schedule(parse_file, args=(s.path, s.source_file, s.sha256, s.fmt, time_limit(s, lim)),
                                 timeout=time_limit(s, lim)) for s in sources]
        for n, s in enumerate(sources):
            fut, futures[n] = futures[n], None       # a collected future would keep its result alive

            def again(seconds, s=s):
                return pool.schedule(parse_file, args=(s.path, s.source_file, s.sha256, s.fmt, None), timeout=seconds)
            yield s, collect(fut, s.source_file, s.sha256, s.fmt, time_limit(s, lim), lim, again)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()


# ----------------------------------------------------------------------------- spool

BATCH_FILES = 100   # files whose rows are built and checked together; EVALKIT_INGEST_BATCH overrides


def batch_size(n: int | None = None) -> int:
    """Files per batch: the argument, else EVALKIT_INGEST_BATCH, else BATCH_FILES (at least 1)."""
    return max(1, int(n or os.environ.get("EVALKIT_INGEST_BATCH") or BATCH_FILES))


@dataclass
class Parked:
    """A parsed file while the run goes on: its ledger row and identity in memory, its rows on disk.
    The row is kept pickled: one compact object a file rather than dozens scattered over the heap
    among the parse results that came and went (which kept the process growing with the corpus)."""
    packed: bytes         # the ledger row (the FileResult's report), pickled
    key: str | None       # content_key: the same report in another format
    at: int               # offset of the pickled FileResult in the spool
    near: tuple | None = None   # near_key: the same report where OCR misread a character
    version: str | None = None  # versions.version_key: another version of the same report
    projects: tuple = ()        # versions.project_keys: each project's identity and figures
    repeats: dict | None = None  # project index -> the other reports holding that project (set by the run)
    lines: tuple = ()           # versions.line_keys: each project's identity without the year and its lines
    earlier: dict | None = None  # project index -> the earlier year's files with the same lines (set by the run)

    @property
    def report(self) -> dict:
        import pickle
        return pickle.loads(self.packed)


class Spool:
    """FileResults parked in one temp file (pickled one after another) until their batch is built,
    so memory holds a ledger row per file whatever the size of the corpus."""

    def __init__(self, folder: Path | None):
        if folder is not None:
            self.path = Path(folder) / "results.spool"
            self.f = open(self.path, "w+b")

    @classmethod
    def reader(cls, f) -> "Spool":
        """The spool as another process sees it: `load` only, from an open file."""
        sp = cls(None)
        sp.f = f
        return sp

    def park(self, r: FileResult) -> Parked:
        import pickle
        self.f.seek(0, os.SEEK_END)
        at = self.f.tell()
        pickle.dump(r, self.f, protocol=pickle.HIGHEST_PROTOCOL)
        from evalkit.versions import line_keys, project_keys, version_key
        return Parked(pickle.dumps(r.report, protocol=pickle.HIGHEST_PROTOCOL), content_key(r), at, near_key(r),
                      version_key(r), project_keys(r), lines=line_keys(r))

    def load(self, r: Parked | FileResult) -> FileResult:
        """The whole FileResult of a parked file (a duplicate's or failed file's row is already whole)."""
        import pickle
        if not isinstance(r, Parked):
            return r
        self.f.seek(r.at)
        res = pickle.load(self.f)
        res.report = r.report          # the ledger row as identity left it
        for j, where in (r.repeats or {}).items():
            res.projects[j]["repeated_in"] = where
        for j, where in (r.earlier or {}).items():
            res.projects[j]["same_as_earlier"] = where
        return res

    def close(self) -> None:
        self.f.close()


# ----------------------------------------------------------------------------- identity

def _duplicate(source: Source | FileResult, kept: FileResult, kind: str, report_id: str,
               note: str | None = None) -> FileResult:
    """A `duplicate` ledger row: the file's identity and which report it repeats, nothing counted (the date
    and version word it prints are kept: what a version was judged by)."""
    rep = source.report if hasattr(source, "report") else {
        "source_file": source.source_file, "sha256": source.sha256, "format": source.fmt}
    fmt = rep["format"] or (kept.report.get("format") if kind == "same_file" else None)   # a byte copy: what it holds
    return FileResult({"report_id": report_id, "source_file": rep["source_file"], "sha256": rep["sha256"],
                       "format": fmt, "status": "duplicate", "error": None,
                       "duplicate_of": kept.report["report_id"], "duplicate_kind": kind,
                       "duplicate_of_file": kept.report["source_file"], "duplicate_note": note,
                       "doc_date": rep.get("doc_date"), "version_mark": rep.get("version_mark"),
                       "n_projects": 0, "n_indicators": 0}, [], [], [])


PROJECT_FIGURES = ("budget_initial", "budget_full_year", "executed", "total_score")
SUMMARY_FIGURES = ("projects_evaluated", "funds_evaluated", "avg_score", "count_you", "count_liang", "count_zhong",
                   "count_cha")
NEAR_MIN_FIGURES = 3      # figures a report needs before they can tell it from another
NEAR_SIMILARITY = 0.9     # share of the text (agency, project names) an OCR'd copy shares with its original
# An OCR'd copy whose text is alike may also have misread or lost (under a seal) a figure or two: still the same report
# when, project by project in the document's order, this share of the figures both copies read is equal
NEAR_FIGURE_SHARE = 0.9


def _num(x):
    return None if x is None or x != x else round(float(x), 4)


def _summary_figures(r: FileResult) -> list[str]:
    return sorted(json.dumps([_num(s.get(k)) for k in SUMMARY_FIGURES]) for s in r.summaries)   # as text, sortable


def content_key(r: FileResult) -> str | None:
    """What makes two files the same report whatever their format: agency, year, project names and
    figures (or the summary figures); None for a file with nothing recognized."""
    if r.report.get("status") == "failed" or not (r.projects or r.summaries):
        return None
    projects = sorted(json.dumps([str(p.get("project_name") or ""), *(_num(p.get(k)) for k in PROJECT_FIGURES),
                                  p.get("n_indicators") or 0])
                      for p in r.projects)          # as text: None and numbers never compared
    key = [r.report.get("agency"), r.report.get("fiscal_year"), projects, _summary_figures(r)]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False, default=str).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Near:
    """What a scan shares with its original when OCR misread a character of a name (〔2024〕 as （2024）, 缮 dropped),
    a figure (a digit, one lost under a seal) or a whole project: near_key's."""
    digest: str              # the province, county, year and every figure, exactly
    text: str                # the agency and the project names, in the figures' order: alike
    loose: str               # the province, county, year and number of summaries: where to look
    agency: str
    names: tuple             # the project names, in the document's order
    projects: tuple          # each project's figures (PROJECT_FIGURES), in the document's order
    summaries: tuple         # each summary's figures (SUMMARY_FIGURES)
    version: bool            # the file states a version (更正, 初稿, v2): never joined by its figures alike
    date: tuple | None       # the date it prints: two copies printing other dates are not joined so either


def near_key(r: FileResult) -> Near | None:
    """The file's Near (above); None with fewer than NEAR_MIN_FIGURES figures."""
    if r.report.get("status") == "failed" or not (r.projects or r.summaries):
        return None
    projects = [[_num(p.get(k)) for k in PROJECT_FIGURES] for p in r.projects]
    summaries = [[_num(s.get(k)) for k in SUMMARY_FIGURES] for s in r.summaries]
    if sum(v is not None for f in projects + summaries for v in f) < NEAR_MIN_FIGURES:
        return None
    names = tuple("".join(str(p.get("project_name") or "").split()) for p in r.projects)
    named = sorted((json.dumps(f), n) for f, n in zip(projects, names))     # as text: None never compared
    figures = [f for f, _ in named] + sorted(json.dumps(f) for f in summaries)
    place = [r.report.get(k) for k in ("province", "county", "fiscal_year")]     # two counties' agencies differ by little
    digest = hashlib.sha256(json.dumps([place, figures], ensure_ascii=False, default=str).encode()).hexdigest()
    agency = str(r.report.get("agency") or "")
    from evalkit.versions import Stated
    stated = Stated.of(r.report)
    return Near(digest, "\n".join([agency] + [n for _, n in named]),
                json.dumps([place, len(summaries)], ensure_ascii=False, default=str), agency, names,
                tuple(tuple(f) for f in projects), tuple(tuple(f) for f in summaries),
                bool(stated.direction or stated.number), stated.date)


def figures_alike(a: tuple, b: tuple) -> bool:
    """Two copies' figures (per project or summary, in the same order) the same report's, a misread or lost one or
    two aside: at least NEAR_MIN_FIGURES read alike by both and NEAR_FIGURE_SHARE of those both read."""
    if len(a) != len(b):
        return False
    pairs = [(x, y) for fa, fb in zip(a, b) for x, y in zip(fa, fb) if x is not None and y is not None]
    same = sum(x == y for x, y in pairs)
    return same >= NEAR_MIN_FIGURES and same >= NEAR_FIGURE_SHARE * len(pairs)


def _lines(agency: str, names: tuple) -> str:
    """A copy's agency and project names, a line each: the text two copies are compared by (near_alike)."""
    return "\n".join((agency,) + names)


def aligned(read: Near, kept: Near) -> tuple[int, ...] | None:
    """`kept`'s projects that `read`'s are, in order, when `read` is `kept` read by OCR with a misread or lost figure
    or two (figures_alike) and names alike (near_alike): all of them, or all but the one OCR lost (its name under a
    seal: `read` has one project fewer); None when it is not."""
    n, m = len(read.projects), len(kept.projects)
    if len(read.summaries) != len(kept.summaries) or m not in (n, n + 1):
        return None
    mine, text = read.projects + read.summaries, _lines(read.agency, read.names)
    for idx in [tuple(range(m))] if m == n else [tuple(x for x in range(m) if x != k) for k in range(m)]:
        if figures_alike(mine, tuple(kept.projects[x] for x in idx) + kept.summaries) and near_alike(
                text, _lines(kept.agency, tuple(kept.names[x] for x in idx))):
            return idx
    return None


def ocr_differences(read: Near, kept: Near, limit: int = 3) -> str | None:
    """Where a scan differs from the kept copy, for the auditor: its text (near_differences), the figures it read
    otherwise, project by project (「项目」执行数 空（所留文件 78.77）), a project it did not find; None when alike.
    A scan joined through a third copy (not aligned with this one) is compared by its text alone."""
    from evalkit.versions import FIGURES, SUMMARY_FIGURES as SUMMARY_LABELS, shown
    idx = aligned(read, kept)
    names = kept.names if idx is None else tuple(kept.names[x] for x in idx)
    parts = []
    if read.names != names or read.agency != kept.agency:
        parts.append(near_differences(_lines(read.agency, read.names), _lines(kept.agency, names)))
    if idx is not None:
        labels = {**dict(FIGURES), **dict(SUMMARY_LABELS)}
        rows = [(f"「{names[n]}」", PROJECT_FIGURES, fa, kept.projects[x])
                for n, (fa, x) in enumerate(zip(read.projects, idx))]
        rows += [("汇总", SUMMARY_FIGURES, fa, fb) for fa, fb in zip(read.summaries, kept.summaries)]
        found = [f"{what}{labels.get(k, k)} {shown(a)}（所留文件 {shown(b)}）"
                 for what, keys, fa, fb in rows for k, a, b in zip(keys, fa, fb) if a != b]
        if found:
            more = f"，前 {limit} 处" if len(found) > limit else ""
            parts.append(f"数字识别不同（{len(found)} 处{more}）：" + "；".join(found[:limit]))
        lost = [kept.names[x] for x in range(len(kept.projects)) if x not in idx]
        if lost:
            parts.append("未识别出项目" + "、".join(f"「{x}」" for x in lost) + "（可能被印章压住）")
    return "；".join(parts) or None


def near_alike(a: str, b: str) -> bool:
    """Two copies' text (near_key) alike enough to be one report read twice."""
    import difflib
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= NEAR_SIMILARITY


def near_differences(read: str, kept: str, context: int = 4, limit: int = 3) -> str:
    """Where a scan's text (near_key) differs from the kept copy's, for the auditor: 「…read…」→「…kept…」
    with a few characters around each difference, at most `limit` of them."""
    import difflib
    ops = [op for op in difflib.SequenceMatcher(None, read, kept, autojunk=False).get_opcodes() if op[0] != "equal"]
    parts = []
    for tag, i1, i2, j1, j2 in ops[:limit]:
        a = read[max(0, i1 - context):i2 + context].replace("\n", " ")
        b = kept[max(0, j1 - context):j2 + context].replace("\n", " ")
        parts.append(f"「{a}」→「{b}」")
    more = f"，前 {limit} 处" if len(ops) > limit else ""
    return f"识别文字与所留文件不同（{len(ops)} 处{more}）：" + "；".join(parts)


def _keep_rank(r: FileResult):
    rep = r.report
    fmt = rep.get("format")
    return (rep.get("status") != "ok", bool(rep.get("ocr_pages")), -(rep.get("n_indicators") or 0),
            FORMAT_RANK.index(fmt) if fmt in FORMAT_RANK else len(FORMAT_RANK), rep["source_file"])


def same_report_duplicates(results: list, key=content_key, near=near_key) -> list:
    """Files that hold the same report in another format (a DOCX and its PDF, a PDF and its scan): the
    most complete copy is kept (read without OCR first), the others become `duplicate` rows pointing at
    it. The same content (`key`: content_key) is one report; so is an OCR'd file whose figures equal
    another's and whose text is alike (`near`: near_key), kind same_report_ocr, and one whose figures are alike
    too, project by project (a seal hid one, OCR misread a digit: figures_alike), unless a copy states its
    version or another date. Parked results carry both keys. Two files read without OCR are never joined
    by the looser tests."""
    keys, nears = [key(r) for r in results], [near(r) for r in results]
    parent = list(range(len(results)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    exact: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k is not None:
            parent[i] = root(exact.setdefault(k, i))
    native: dict[int, bool] = {}                         # exact group -> holds a file read without OCR
    by_figures: dict[str, list[tuple[int, str]]] = {}
    ocr = [bool(r.report.get("ocr_pages")) for r in results]
    for i, r in enumerate(results):
        ri = root(i)
        native[ri] = native.get(ri, False) or (keys[i] is not None and not ocr[i])
        if ri == i and nears[i] is not None:             # one member of each exact group
            by_figures.setdefault(nears[i].digest, []).append((i, nears[i].text))
    for members in by_figures.values():
        for n, (i, text_i) in enumerate(members):
            for j, text_j in members[n + 1:]:
                ri, rj = root(i), root(j)
                if ri == rj or (native[ri] and native[rj]):   # never two files read without OCR
                    continue
                if near_alike(text_i, text_j):
                    parent[rj] = ri
                    native[ri] = native[ri] or native[rj]
    # an OCR'd copy that also misread or lost a figure, or a project (a seal over its name), read against a copy read
    # without OCR (a file stating its version or printing another date is left to versions.py, which weighs it)
    by_place: dict[str, list[int]] = {}
    for i in range(len(results)):
        if nears[i] is not None and not nears[i].version:
            by_place.setdefault(nears[i].loose, []).append(i)
    for members in by_place.values():
        for n, i in enumerate(members):
            for j in members[n + 1:]:
                ri, rj = root(i), root(j)
                a, b = nears[i], nears[j]
                if ri == rj or (native[ri] and native[rj]) or not (ocr[i] or ocr[j]) or (
                        a.date is not None and b.date is not None and a.date != b.date):
                    continue
                if len(a.projects) == len(b.projects):
                    alike = aligned(a, b) is not None
                else:        # one project fewer: only the OCR'd copy may have lost it, beside one read without OCR
                    short, long = (i, j) if len(a.projects) < len(b.projects) else (j, i)
                    alike = ocr[short] and not ocr[long] and aligned(nears[short], nears[long]) is not None
                if alike:
                    parent[rj] = ri
                    native[ri] = native[ri] or native[rj]
    groups: dict[int, list[int]] = {}
    for i in range(len(results)):
        groups.setdefault(root(i), []).append(i)
    out = list(results)
    for idx in groups.values():
        if len(idx) < 2:
            continue
        ranked = sorted(idx, key=lambda i: _keep_rank(results[i]))
        k = ranked[0]
        kept = results[k]
        for i in ranked[1:]:
            if keys[k] is not None and keys[i] == keys[k]:
                out[i] = _duplicate(results[i], kept, "same_report", results[i].report["report_id"])
            else:
                note = ocr_differences(nears[i], nears[k])
                out[i] = _duplicate(results[i], kept, "same_report_ocr", results[i].report["report_id"], note)
    return out


def latest_versions(results: list, spool: "Spool") -> list:
    """Versions of one report (versions.py): the later one is kept, the others become `duplicate` rows of
    kind other_version whose note says why and where their figures differ; so do the copies of a dropped
    version (its byte copies, its other formats), pointing at the kept one too."""
    from evalkit.versions import other_versions
    dropped = other_versions(results, lambda r: getattr(r, "version", None), spool.load, _keep_rank)
    out = list(results)
    by_id = {}
    for i, (k, note) in dropped.items():
        out[i] = _duplicate(results[i], results[k], "other_version", results[i].report["report_id"], note)
        by_id[results[i].report["report_id"]] = (results[k], note)
    for i, r in enumerate(results if by_id else ()):
        if isinstance(r, Parked):          # counted files are parked; duplicates are whole rows
            continue
        if r.report.get("duplicate_of") in by_id:
            kept, note = by_id[r.report["duplicate_of"]]
            out[i] = _duplicate(r, kept, "other_version", r.report["report_id"], note)
    return out


def mark_repeats(results: list) -> None:
    """A project that another counted report holds too (versions.repeats): its row names the other files
    (`repeated_in`, set when the spool hands the file back), for the project_repeated warning."""
    from evalkit.versions import repeats
    for i, found in repeats(results, lambda r: r.projects if isinstance(r, Parked) else ()).items():
        results[i].repeats = found


def mark_earlier_copies(results: list) -> None:
    """A project whose indicator lines are those of the same project in an earlier year (versions.earlier_copies):
    its row names that year's files (`same_as_earlier`), for the indicators_as_earlier_year warning."""
    from evalkit.versions import earlier_copies
    for i, found in earlier_copies(results, lambda r: r.lines if isinstance(r, Parked) else ()).items():
        results[i].earlier = found


# ----------------------------------------------------------------------------- the run

def assemble(results: list[FileResult]) -> dict[str, pd.DataFrame]:
    """The contract's tables from per-file results."""
    from evalkit.tables import frame
    return {
        "reports": frame("reports", [r.report for r in results]),
        "projects": frame("projects", [p for r in results for p in r.projects]),
        "indicators": frame("indicators", [i for r in results for i in r.indicators]),
        "summaries": frame("summaries", [s for r in results for s in r.summaries]),
    }


def chunk_tables(results: list[FileResult], config, checks: bool = True) -> dict[str, pd.DataFrame]:
    """One batch's tables: rows, *_calc columns (grade_calc under each province's bands), findings
    and ledger. Every check is about one report, so batches of whole reports give the run's rows."""
    from evalkit.checks import add_calc_columns, run_checks
    from evalkit.checks.ledger import ledger as check_ledger
    from evalkit.tables import frame
    tables = add_calc_columns(assemble(results), config)
    tables["findings"] = run_checks(tables, config) if checks else frame("findings", [])
    tables["ledger"] = check_ledger(tables) if checks else frame("ledger", [])
    return tables


# ----------------------------------------------------------------------------- batches

TAIL_FILES_PER_WORKER = 20   # below this many files a worker would cost more to start than it saves


def tail_workers(n_files: int, jobs: int | None) -> int:
    """Processes that build and check the batches: the run's --jobs (all cores with Dask, whose
    workers are idle by then), fewer when there are too few files to share."""
    cores = max(1, jobs or os.cpu_count() or 1)
    return max(1, min(cores, n_files // TAIL_FILES_PER_WORKER))


BATCH_ROWS = 5000   # indicator and project rows a batch holds at most (unless one file has more)


def split_batches(results: list, batch: int, workers: int = 1, rows=None) -> list[list]:
    """Consecutive batches, as even as the files allow: at most `batch` files and about BATCH_ROWS
    rows each (`rows(r)`: a file's rows; memory holds the same whatever the reports' sizes; a
    larger file is a batch of its own), their number a multiple of the workers (every core gets
    an equal share of the run's last step)."""
    n = len(results)
    if not n:
        return [[]]
    weights = [rows(r) for r in results] if rows is not None else [1] * n
    total = sum(weights)
    k = max(-(-n // batch), -(-total // BATCH_ROWS) if rows is not None else 1, 1)
    if workers > 1:
        k = min(n, -(-k // workers) * workers)
    out, cur, acc, i = [], [], 0, 1
    for n_before, (r, w) in enumerate(zip(results, weights)):
        # cut at the next share of the rows, unless the files left would no longer fit in the batches
        # left (a batch of one file more than `batch` would be built alone, after the others)
        even = acc + w / 2 > total * i / k and n - n_before <= (k - i) * batch
        if cur and (even or len(cur) >= batch):
            out.append(cur)
            cur, i = [], i + 1
        cur.append(r)
        acc += w
    return out + [cur]


def file_rows(r) -> int:
    """A parsed file's rows in the tables (its ledger row, projects, indicators)."""
    rep = r.report
    return 1 + int(rep.get("n_projects") or 0) + int(rep.get("n_indicators") or 0)


def _build_batch(spool_path: str, items: list, config, checks: bool, folder: str, index: int) -> dict:
    """One batch's tables built in a worker: its files read back from the spool, every table but the
    findings written as a Parquet piece; returns the findings and, per table, (piece, rows)."""
    with open(spool_path, "rb") as f:
        spool = Spool.reader(f)
        part = chunk_tables([spool.load(r) for r in items], config, checks)
    from evalkit.store import Parts
    out: dict = {"findings": part.pop("findings")}
    for name, df in part.items():
        piece = Parts(Path(folder) / name)
        piece.add(df, index)
        out[name] = (piece.files[0], piece.rows)
    return out


def built_batches(chunks: list[list], spool: Spool, config, checks: bool, folder: Path, workers: int):
    """Each batch's tables, in batch order: built by `workers` processes (forked once all files
    are parsed), or here with one; a batch whose process dies is built here instead."""
    if workers <= 1:
        for chunk in chunks:
            yield chunk_tables([spool.load(r) for r in chunk], config, checks)
        return
    import evalkit.checks  # noqa: F401  (imported once here, inherited by the forked workers)
    import pyarrow.parquet  # noqa: F401  (each batch is forked afresh: it must not import these again)
    spool.f.flush()
    with worker_pool(max_workers=workers, max_tasks=1) as pool:     # a fresh fork a batch: no growth
        futures = [pool.schedule(_build_batch, args=(str(spool.path), chunk, config, checks,
                                                      str(folder / "pieces"), i))
                   for i, chunk in enumerate(chunks)]
        for i, chunk in enumerate(chunks):
            fut, futures[i] = futures[i], None
            try:
                yield fut.result()
            except Exception:  # noqa: BLE001  (a dead or failing worker: this process builds the batch)
                yield chunk_tables([spool.load(r) for r in chunk], config, checks)


def ingest_paths(paths: list[Path], out_dir: Path | None = None, progress: bool = False,
                 checks: bool = True, config=None, jobs: int | None = None,
                 limits=None, keep_format_copies: bool = False, cache_dir: Path | None | bool = None,
                 rebuild: bool = False, stats: dict | None = None, layout: str = "auto",
                 dask=None, batch: int | None = None, want=None, read=None) -> dict[str, pd.DataFrame]:
    """Ingest files/folders; write the tables to `out_dir` (atomically) when given; return them.

    An unchanged re-run (same files, config, options and code as the run that wrote the intact
    dataset at `out_dir`: incremental.py) parses and writes nothing: the tables are read back from
    the dataset, left as it was, and `stats["unchanged"]` is True; `rebuild` always rebuilds.
    `read(out_dir, names, manifest)` reads them (default store.load: DataFrames; the CLI reads
    pyarrow Tables so that path never imports pandas).

    Parsed files are cached (cache.py) in `cache_dir`, by default `.<out>.cache` beside `out_dir`
    (no cache without `out_dir`, or with cache_dir=False): an unchanged file is not parsed again;
    `rebuild` parses everything (and refreshes the cache). `stats` (a dict) receives the counts,
    and `rows`, each table's row count.

    Memory stays flat: parsed files are parked on disk as they come, then built and checked
    `batch` files at a time (batch_size()), each batch's tables spooled as Parquet and streamed
    into the dataset. `want`: the tables to return (default all; the CLI asks for reports and
    findings only, so a big corpus is never read back whole).

    Byte-identical copies are always counted once; the same report in several formats too,
    unless `keep_format_copies` (to compare readers on one report). `layout`: store.write_atomic's.
    `dask`: a scheduler address (or a LocalCluster/Client) to parse on instead of local processes.
    Raises InputError when no report file is found and FilesFailed when every file failed:
    in both cases `out_dir` is left as it was."""
    from evalkit.store import check_out_dir
    paths = [Path(p) for p in paths]
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise InputError(f"找不到输入：{'、'.join(missing)}", "请检查路径是否正确、磁盘是否已挂载")
    if out_dir is not None:
        check_out_dir(out_dir, paths)       # refuse early, before any parsing
    lim = limits or _limits.LIMITS
    if cache_dir is None and out_dir is not None:
        cache_dir = Path(out_dir).absolute().parent / f".{Path(out_dir).name}.cache"
    from evalkit.cache import ParseCache, parser_version
    version = parser_version(lim)
    cache = ParseCache(cache_dir, version) if cache_dir else None
    with scratch_folder("archives") as stage:
        return _ingest(paths, out_dir, Path(stage), lim=lim, progress=progress, checks=checks, config=config,
                       jobs=jobs, keep_format_copies=keep_format_copies, cache=cache, rebuild=rebuild,
                       stats=stats if stats is not None else {}, layout=layout, dask=dask,
                       batch=batch_size(batch), want=want, version=version, read=read)


def _ingest(paths: list[Path], out_dir: Path | None, stage: Path, *, lim, progress: bool, checks: bool,
            config, jobs: int | None, keep_format_copies: bool, cache, rebuild: bool,
            stats: dict, layout: str = "auto", dask=None, batch: int = BATCH_FILES,
            want=None, version: str = "", read=None) -> dict[str, pd.DataFrame]:
    """The steps of one run: discover -> hash -> (unchanged: read the dataset back and stop) ->
    cache or parse (parked on disk) -> identity -> tables and checks by batch (spooled) -> write."""
    (stage / "archives").mkdir()
    found = discover(paths, lim, stage / "archives")
    if found.own_outputs:
        stats["own_outputs"] = found.own_outputs
    if found.page_folders:
        stats["page_folders"] = found.page_folders
    if found.given_twice:
        stats["given_twice"] = found.given_twice
    if found.system_folders:
        stats["system_folders"] = found.system_folders
    if found.skipped:
        stats["skipped"] = {"n": found.skipped, "types": found.skipped_types}
    if not found.sources:
        own = f"，{len(found.own_outputs)} 个 evalkit 自己生成的文件夹未读" if found.own_outputs else ""
        raise InputError(f"在 {'、'.join(map(str, paths))} 中没有找到可读取的报告文件"
                         f"（{found.skipped} 个其他类型的文件被跳过{own}）",
                         f"支持 {', '.join(sorted(set(SUFFIXES) | set(ARCHIVE_SUFFIXES)))}；数据集未改动")
    results, todo, dups = hash_sources(found.sources)
    signature = None
    if out_dir is not None:
        from evalkit.incremental import run_signature
        signature = run_signature(found.sources, inputs=paths, skipped=found.skipped, parser=version,
                                  config=config, checks=checks, keep_format_copies=keep_format_copies,
                                  layout=layout)
        if not rebuild:
            kept = read_unchanged(out_dir, signature, want, read)
            if kept is not None:
                tables, rows = kept
                stats.update(files=len(found.sources), parsed=0, from_cache=len(todo), unchanged=True, rows=rows)
                return tables
    return _build(paths, found, results, todo, dups, out_dir, stage, lim=lim, progress=progress, checks=checks,
                  config=config, jobs=jobs, keep_format_copies=keep_format_copies, cache=cache, rebuild=rebuild,
                  stats=stats, layout=layout, dask=dask, batch=batch, want=want, signature=signature)


def hash_sources(sources: list[Source]) -> tuple[list, list[Source], list[Source]]:
    """Hash each source (a file that cannot be read gets its problem): the failed rows, the distinct
    contents to parse, and the byte-identical copies of one of them."""
    results: list = []
    first_by_sha: dict[str, Source] = {}
    todo: list[Source] = []
    dups: list[Source] = []
    for s in sources:
        if s.problem is None:
            try:
                s.stamp = _stamp(s.path)
                s.sha256 = hash_file(s.path)
            except OSError as e:
                s.problem = f"无法读取文件（{os_reason(e)}）"
        if s.problem is not None:
            results.append(_failed(s.source_file, None, s.fmt, s.problem))
        elif s.sha256 in first_by_sha:
            dups.append(s)
        else:
            first_by_sha[s.sha256] = s
            todo.append(s)
    return results, todo, dups


def read_unchanged(out_dir: Path, signature: dict, want, read=None):
    """(tables, row counts) from the dataset at `out_dir` when a run of this signature wrote it and it
    is intact, read under its lock and left untouched; None when it must be rebuilt."""
    from evalkit.incremental import DERIVED, matching_manifest
    from evalkit.store import dataset_lock
    if not Path(out_dir).is_dir():
        return None
    with dataset_lock(out_dir, write=False):
        manifest = matching_manifest(out_dir, signature)
        if manifest is None:
            return None
        names = [n for n in (DERIVED if want is None else want) if n in manifest["tables"]]
        tables = (read or _load_frames)(Path(out_dir), names, manifest)
    return tables, {n: int(manifest["tables"][n]["rows"]) for n in DERIVED}


def _load_frames(out_dir: Path, names: list[str], manifest: dict) -> dict:
    """The tables as DataFrames (checksums were verified just before, under the same lock)."""
    from evalkit.store import load
    return load(out_dir, verify=False, lock=False, tables=names)


def _build(paths: list[Path], found: Discovery, results: list, todo: list[Source], dups: list[Source],
           out_dir: Path | None, stage: Path, *, lim, progress: bool, checks: bool, config, jobs: int | None, keep_format_copies: bool,
           cache, rebuild: bool, stats: dict, layout: str, dask, batch: int, want,
           signature: dict | None) -> dict[str, pd.DataFrame]:
    """Parse what the cache does not hold, build and check the tables by batch, write the dataset."""
    import pandas as pd

    from evalkit.checks import load_config
    from evalkit.checks.findings import in_order
    from evalkit.store import Parts, load, write_atomic
    spool = Spool(stage)
    try:
        parsed: list[Parked] = []
        misses = todo
        if cache is not None and not rebuild:
            misses = []
            for s in todo:
                c = cache.get(s.sha256, s.fmt, s.source_file)
                if c is None:
                    misses.append(s)
                else:
                    parsed.append(spool.park(placed_by_path(c)))
        n_cached = len(parsed)
        if dask is not None:
            from evalkit.distributed import iter_on_dask
            fresh = iter_on_dask(misses, dask, progress=progress, limits=lim)
        else:
            fresh = iter_parsed(misses, jobs=jobs, progress=progress, limits=lim, cache=cache)
        unsettled = 0         # time-outs and crashed workers: the machine's doing, tried again next run
        with closing(fresh):  # stopped here: its pool and temporary folders go now, not when the traceback does
            for s, r in fresh:
                if changed_since_hashed(s):
                    if cache is not None:
                        cache.drop(s.sha256, s.fmt)      # what a worker stored may be of the new bytes
                    r = _failed(s.source_file, s.sha256, s.fmt, CHANGED_WHILE_READ)   # not cacheable: read next run
                if cache is not None and r.cacheable and dask is not None:    # local workers stored theirs
                    cache.put(s.sha256, s.fmt, r)
                unsettled += not r.cacheable
                parsed.append(spool.park(placed_by_path(r)))
        stats.update(files=len(found.sources), parsed=len(misses), from_cache=n_cached, unchanged=False)
        by_sha = {r.report["sha256"]: r for r in parsed}
        for s in dups:
            rid = f"{s.sha256[:16]}-{hashlib.sha256(s.source_file.encode('utf-8')).hexdigest()[:6]}"
            results.append(_duplicate(s, by_sha[s.sha256], "same_file", rid))
        if keep_format_copies:
            results = parsed + results
        else:
            results = latest_versions(same_report_duplicates(parsed, key=lambda r: r.key, near=lambda r: r.near)
                                      + results, spool)
            mark_repeats(results)
        mark_earlier_copies(results)
        results.sort(key=lambda r: r.report["source_file"])
        config = config or load_config()
        status = [r.report.get("status") for r in results]
        if out_dir is not None and all(st == "failed" for st in status if st != "duplicate"):
            tables = chunk_tables([spool.load(r) for r in results], config, checks)   # no rows: small
            err = FilesFailed(f"全部 {len(status)} 个文件都读取失败，数据集 {out_dir} 未改动",
                              "失败原因见上方清单")
            err.tables = tables
            raise err
        workers = tail_workers(len(results), jobs if dask is None else None)
        chunks = split_batches(results, batch, workers, rows=file_rows)
        if len(chunks) == 1:           # one batch: its tables are the run's, kept in memory
            tables = chunk_tables([spool.load(r) for r in chunks[0]], config, checks)
        else:
            tables, findings = {}, []
            with closing(built_batches(chunks, spool, config, checks, stage / "parts", workers)) as built:
                for part in built:
                    findings.append(part.pop("findings"))     # a few per report, ordered across batches below
                    for name, piece in part.items():
                        parts = tables.setdefault(name, Parts(stage / "parts" / name))
                        parts.adopt(*piece) if isinstance(piece, tuple) else parts.add(piece)
                    del part
            found_rows = [f for f in findings if len(f)] or findings[:1]
            tables["findings"] = in_order(pd.concat(found_rows, ignore_index=True)) if len(found_rows) > 1 \
                else found_rows[0]
    finally:
        spool.close()
    stats["rows"] = {name: len(t) for name, t in tables.items()}
    if out_dir is not None:
        counts: dict[str, int] = {}
        for st in status:
            counts[str(st)] = counts.get(str(st), 0) + 1
        meta = {"inputs": [str(Path(p).absolute()) for p in paths],
                "files": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
                "skipped_other_types": found.skipped, "skipped_types": found.skipped_types,
                "skipped_evalkit_outputs": found.own_outputs, "skipped_system_folders": found.system_folders,
                "web_page_folders": found.page_folders, "given_twice": found.given_twice, "parsed": len(misses), "from_cache": n_cached,
                "signature": signature, "unsettled": unsettled}
        if checks:
            from evalkit.terminal import printed
            meta["printed"] = printed(tables["reports"], tables["findings"])
        write_atomic(tables, out_dir, inputs=paths, meta=meta, layout=layout)
    names = list(tables) if want is None else [n for n in want if n in tables]
    if all(isinstance(tables[n], pd.DataFrame) for n in names):
        return {n: tables[n] for n in names}
    if out_dir is not None:
        return load(out_dir, tables=names)
    return {n: tables[n] if isinstance(tables[n], pd.DataFrame) else tables[n].to_pandas() for n in names}
