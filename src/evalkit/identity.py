"""Identity: which files hold the same report, kept once. Byte-identical copies, the same report in another format
(content_key), an OCR'd copy that misread a character or a figure (near_key, aligned), other versions and copies
handed in again (versions.py): the most complete copy is kept, the others become `duplicate` rows pointing at it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.results import FileResult, Parked

if TYPE_CHECKING:
    from evalkit.discover import Source
    from evalkit.results import Spool


# which copy of a report in several formats is kept: native structure first, converted and OCR'd last
FORMAT_RANK = ("docx", "xlsx", "html", "mhtml", "md", "txt", "csv", "doc", "wps", "odt", "uot", "rtf", "et", "ods", "xlsb",
               "pptx", "ppt", "dps", "odp", "pdf", "ofd", "xps", "image")


def duplicate_row(source: Source | FileResult, kept: FileResult, kind: str, report_id: str,
                  note: str | None = None) -> FileResult:
    """A `duplicate` ledger row: the file's identity and which report it repeats, nothing counted (the date
    and version word it prints are kept: what a version was judged by). It is that report's copy, so it has its
    place, agency and year (PLACE_OF_KEPT): a region's report, a county's findings and the dataset's partitions
    hold it with the report it repeats."""
    rep = source.report if hasattr(source, "report") else {
        "source_file": source.source_file, "sha256": source.sha256, "format": source.fmt}
    of = kept.report              # a Parked result unpickles its row on each access
    fmt = rep["format"] or (of.get("format") if kind == "same_file" else None)   # a byte copy: what it holds
    return FileResult({"report_id": report_id, "source_file": rep["source_file"], "sha256": rep["sha256"],
                       "format": fmt, "status": "duplicate", "error": None,
                       "duplicate_of": of["report_id"], "duplicate_kind": kind,
                       "duplicate_of_file": of["source_file"], "duplicate_note": note,
                       "doc_date": rep.get("doc_date"), "version_mark": rep.get("version_mark"),
                       **{k: of.get(k) for k in PLACE_OF_KEPT},
                       "n_projects": 0, "n_indicators": 0}, [], [], [])


# what a duplicate row takes from the report it repeats
PLACE_OF_KEPT = ("county", "city", "province", "agency", "fiscal_year", "place_source", "year_source")


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
    figures (or the summary figures); None for a file with nothing recognized, or nothing that tells it from
    another (two blank templates, unnamed and without a figure, are not one report for having as many lines)."""
    if r.report.get("status") == "failed" or not (r.projects or r.summaries):
        return None
    if not (r.summaries or r.report.get("agency") or r.report.get("fiscal_year")
            or any(p.get("project_name") or any(_num(p.get(k)) is not None for k in PROJECT_FIGURES) for p in r.projects)):
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


def ocr_differences(read: Near, kept: Near, idx: tuple[int, ...] | None, limit: int = 3) -> str | None:
    """Where a scan differs from the kept copy, for the auditor: its text (near_differences), the figures it read
    otherwise, project by project (「项目」执行数 空（所留文件 78.77）), a project it did not find; None when alike.
    `idx` is `aligned(read, kept)`; a scan joined through a third copy (None: not aligned with this one) is compared
    by its text alone."""
    from evalkit.versions import FIGURES, SUMMARY_FIGURES as SUMMARY_LABELS, shown
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
    alignment: dict[tuple[int, int], tuple | None] = {}   # (read, kept) -> aligned(), each pair worked out once

    def align(i: int, k: int):
        if (i, k) not in alignment:
            alignment[i, k] = aligned(nears[i], nears[k])
        return alignment[i, k]

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
                    alike = align(i, j) is not None
                else:        # one project fewer: only the OCR'd copy may have lost it, beside one read without OCR
                    short, long = (i, j) if len(a.projects) < len(b.projects) else (j, i)
                    alike = ocr[short] and not ocr[long] and align(short, long) is not None
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
                out[i] = duplicate_row(results[i], kept, "same_report", results[i].report["report_id"])
            else:
                note = ocr_differences(nears[i], nears[k], align(i, k))
                out[i] = duplicate_row(results[i], kept, "same_report_ocr", results[i].report["report_id"], note)
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
        out[i] = duplicate_row(results[i], results[k], "other_version", results[i].report["report_id"], note)
        by_id[results[i].report["report_id"]] = (results[k], note)
    for i, r in enumerate(results if by_id else ()):
        if isinstance(r, Parked):          # counted files are parked; duplicates are whole rows
            continue
        if r.report.get("duplicate_of") in by_id:
            kept, note = by_id[r.report["duplicate_of"]]
            out[i] = duplicate_row(r, kept, "other_version", r.report["report_id"], note)
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
