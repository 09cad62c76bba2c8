"""Versions of one report: a corrected report (更正), a resubmission or a draft beside the final text, of the
same agency, year and projects but with other figures. Counting both counts each project twice; one is kept,
chosen by what the files say (version words in the name or title, then the date printed in them).
A project reported in two reports that are not versions of one another (a bureau's bundle of tables and the
agency's own report) is pointed out (`repeats`), not dropped: neither file is the other."""
from __future__ import annotations

import hashlib
import json
import posixpath
from collections import Counter
from dataclasses import dataclass
from functools import cmp_to_key

from evalkit.identity import PROJECT_FIGURES
from evalkit.recognize.statements import iso_date, version_of

# the figures whose differences a dropped version's note lists, with their Chinese names
FIGURES = (("budget_initial", "年初预算"), ("budget_full_year", "全年预算"), ("executed", "执行数"),
           ("execution_rate", "执行率"), ("total_score", "总分"), ("grade", "等级"), ("n_indicators", "指标数"))
INDICATOR_FIELDS = ("level1", "level2", "level3", "target", "actual", "weight", "score")
SUMMARY_FIGURES = (("projects_due", "应评价项目数"), ("projects_evaluated", "已评价项目数"), ("funds_due", "应评价资金"),
                   ("funds_evaluated", "已评价资金"), ("avg_score", "平均得分"), ("count_you", "优"),
                   ("count_liang", "良"), ("count_zhong", "中"), ("count_cha", "差"))
MAX_LISTED = 3


def _bare(s) -> str:
    return "".join(str(s or "").split())


def _digest(key, short: bool = False) -> str:
    """A key (a list of names and figures, or a text) as a hash; `short`: its first 24 hex digits, for the
    per-project keys each parked file keeps."""
    text = key if isinstance(key, str) else json.dumps(key, ensure_ascii=False, default=str)
    h = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return h[:24] if short else h


def version_key(r) -> str | None:
    """Same place, agency, year and project names (for a report stating only a summary of its results, a 部门决算:
    the same place, agency and year): versions of one report, whose figures may differ. None for a failed file,
    or one without an agency, a year or a name for each project."""
    rep = r.report
    if rep.get("status") in ("failed", "duplicate") or not (r.projects or r.summaries):
        return None
    names = sorted(_bare(p.get("project_name")) for p in r.projects) or ["（汇总）"]
    if not rep.get("agency") or rep.get("fiscal_year") is None or not all(names):
        return None
    key = [rep.get(k) for k in ("province", "county", "agency", "fiscal_year")] + names
    return _digest(key)


@dataclass(frozen=True)
class Stated:
    """What a file says about its own version: words in its name or bracketed in its title, and its date."""
    direction: int             # 1 a later version (更正, 定稿), -1 an earlier one (初稿), 0 not said
    number: int                # v2, 第二版: 2; 0 when none
    word: str | None           # the words that said so, for the note
    where: str | None          # 文件名 or 标题
    date: tuple | None         # (year, month, day or None) printed in the document

    @classmethod
    def of(cls, report: dict) -> "Stated":
        name = posixpath.basename(str(report.get("source_file") or "").replace("!", "/"))
        stem = name.rsplit(".", 1)[0]
        title = report.get("version_mark")
        d, n, word = version_of(stem)
        where = "文件名" if word else None
        td, tn, tword = version_of(title)
        if not d and td:
            d, where, word = td, "标题", tword
        if tn > n:
            n, where, word = tn, "标题", tword
        return cls(d, n, word, where, _date(report.get("doc_date")))


def _date(s) -> tuple | None:
    if not s:
        return None
    parts = [int(x) for x in str(s).split("-")]
    return (parts[0], parts[1], parts[2] if len(parts) > 2 else None)


def _date_cmp(a: tuple | None, b: tuple | None) -> int:
    """1 if a is later than b, -1 if earlier, 0 when equal or not comparable (a missing date, or a
    month printed without its day in the same month as the other's)."""
    if a is None or b is None:
        return 0
    if a[:2] != b[:2]:
        return 1 if a[:2] > b[:2] else -1
    if a[2] is None or b[2] is None or a[2] == b[2]:
        return 0
    return 1 if a[2] > b[2] else -1


def compare(a: Stated, b: Stated) -> tuple[int, str]:
    """(1 if a is the later version, -1 if b is, 0 if the files do not say) and what decided it."""
    if a.direction != b.direction:
        return (1 if a.direction > b.direction else -1), "words"
    if a.number != b.number:
        return (1 if a.number > b.number else -1), "number"
    c = _date_cmp(a.date, b.date)
    return c, ("date" if c else "none")


def why(kept: Stated, dropped: Stated) -> str:
    """Why the kept file is taken as the later version, in the words of the note."""
    c, by = compare(kept, dropped)
    if c > 0 and by == "words":
        if kept.direction > 0:
            return f"所留文件的{kept.where}标有“{kept.word}”"
        return f"本文件的{dropped.where}标有“{dropped.word}”"
    if c > 0 and by == "number":
        return f"所留文件的{kept.where}（{kept.word}）版本号较新"
    if c > 0 and by == "date":
        return f"所留文件落款日期 {iso_date(kept.date)} 晚于本文件的 {iso_date(dropped.date)}"   # both dated: compared
    return "文件名、标题和落款日期都不能说明哪份在后，暂按较完整的一份计入，请核对后把不用的一份移出输入目录"


def shown(x) -> str:
    """A figure as the notes write it: 空 for none, a float without float noise or trailing zeros (12345.67)."""
    if x is None or x != x:
        return "空"
    if isinstance(x, float):
        return f"{x:.4f}".rstrip("0").rstrip(".")
    return str(x)


def differences(dropped, kept) -> str:
    """Where a dropped version's figures differ from the kept one's: 「project」field a→b, at most
    MAX_LISTED of them, and the count of indicator lines that differ."""
    theirs = {_bare(p.get("project_name")): p for p in kept.projects}
    found = []
    for p in dropped.projects:
        q = theirs.get(_bare(p.get("project_name")), {})
        for col, label in FIGURES:
            a, b = p.get(col), q.get(col)
            if shown(a) != shown(b):
                found.append(f"「{p.get('project_name')}」{label} {shown(a)}→{shown(b)}")
    for n, (s, t) in enumerate(zip(dropped.summaries, kept.summaries), start=1):
        for col, label in SUMMARY_FIGURES:
            if shown(s.get(col)) != shown(t.get(col)):
                found.append(f"汇总{'' if len(dropped.summaries) == 1 else n}{label} {shown(s.get(col))}→{shown(t.get(col))}")

    def lines(r) -> Counter:
        return Counter(json.dumps([_bare(i.get("project_name")), *(shown(i.get(k)) for k in INDICATOR_FIELDS)],
                                  ensure_ascii=False) for i in r.indicators)
    mine, other = lines(dropped), lines(kept)
    changed = max(sum((mine - other).values()), sum((other - mine).values()))
    parts = []
    if found:
        more = f"，前 {MAX_LISTED} 处" if len(found) > MAX_LISTED else ""
        parts.append(f"{len(found)} 处数字不同{more}：" + "；".join(found[:MAX_LISTED]))
    if changed:
        parts.append(f"约 {changed} 条指标行不同")
    return "，".join(parts) or "数字相同，只有文字不同"


def other_versions(results: list, version, load, keep_rank) -> dict[int, tuple[int, str]]:
    """{index of a dropped version: (index of the kept one, note)} over `results` (FileResults or parked
    ones; `version(r)` their version_key, `load(r)` the whole FileResult, `keep_rank` the completeness
    order of duplicates). The later version is kept; where the files do not say, the most complete."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(results):
        k = version(r)
        if k is not None:
            groups.setdefault(k, []).append(i)
    out: dict[int, tuple[int, str]] = {}
    for idx in groups.values():
        if len(idx) < 2:
            continue
        stated = {i: Stated.of(results[i].report) for i in idx}

        def order(i: int, j: int) -> int:
            c, _ = compare(stated[i], stated[j])
            if c:
                return -c                                  # the later version first
            a, b = keep_rank(results[i]), keep_rank(results[j])
            return -1 if a < b else (1 if a > b else 0)
        ranked = sorted(idx, key=cmp_to_key(order))
        k = ranked[0]
        kept = load(results[k])
        for i in ranked[1:]:
            note = f"{why(stated[k], stated[i])}；与所留版本相比，{differences(load(results[i]), kept)}"
            out[i] = (k, note)
    return out


# ---- one project in two reports -------------------------------------------------------------------
def project_keys(r) -> tuple[tuple[str, tuple, str], ...]:
    """(identity, figures, place) of each project of a live report: identity = place, agency, year and name (empty
    when the name or year is missing); figures = its budgets, execution and total score; place = where its table
    starts (the project's location)."""
    if r.report.get("status") not in ("ok", "partial"):
        return ()
    out = []
    for p in r.projects:
        name = _bare(p.get("project_name"))
        ident = [p.get(k) for k in ("province", "county", "agency", "fiscal_year")] + [name]
        figures = tuple(shown(p.get(k)) for k in PROJECT_FIGURES)
        out.append(("" if not name or p.get("fiscal_year") is None else _digest(ident, short=True), figures,
                    str(p.get("location") or "")))
    return tuple(out)


def _agree(a: tuple, b: tuple) -> bool | None:
    """Whether two projects' figures agree where both state them; None when they state none in common."""
    both = [(x, y) for x, y in zip(a, b) if "空" not in (x, y)]
    return all(x == y for x, y in both) if both else None


def repeats(results: list, keys) -> dict[int, dict[int, str]]:
    """{result index: {project index: the other places that report the same project}} for live reports whose
    project (same place, agency, year and name) another live report holds too, or the same report a second time
    with other figures (its text and an attached copy: a project restated identically is read once); `keys(r)` =
    project_keys, empty for a report that is not counted. Each other file (本报告 and the place, for the same
    report) is followed by （数字一致） or （数字不同）: its figures against these, where both state them."""
    seen: dict[str, list[tuple[int, int, tuple, str]]] = {}
    for i, r in enumerate(results):
        for j, (ident, figures, *at) in enumerate(keys(r)):
            if ident:
                seen.setdefault(ident, []).append((i, j, figures, at[0] if at else ""))
    out: dict[int, dict[int, str]] = {}
    for members in seen.values():
        if len(members) < 2:
            continue
        for i, j, figures, _ in members:
            others: dict[str, list] = {}
            for k, m, theirs, where in members:
                if k != i:
                    others.setdefault(results[k].report["source_file"], []).append(_agree(figures, theirs))
                elif m != j:
                    others.setdefault(f"本报告 {where or f'第 {m + 1} 个项目'}", []).append(_agree(figures, theirs))
            out.setdefault(i, {})[j] = "；".join(
                src + ("（数字不同）" if False in agree else "（数字一致）" if True in agree else "")
                for src, agree in sorted(others.items()))
    return out


# ---- a project whose indicator lines are an earlier year's ------------------------------------------
def line_keys(r) -> tuple[tuple[str, object, str], ...]:
    """(identity without the year, year, digest of the indicator lines) of each project of a live report: the
    lines' names, targets, actual values, weights and scores. Identity empty when the name or year is missing or
    the project has no lines."""
    if r.report.get("status") not in ("ok", "partial"):
        return ()
    lines: dict = {}
    for ind in r.indicators:     # one string a line, its fields apart, whitespace dropped (cheap: thousands a corpus)
        lines.setdefault(ind.get("project_id"), []).append(
            "".join("\x1f".join(str(ind.get(k)) for k in INDICATOR_FIELDS).split()))
    out = []
    for p in r.projects:
        name, mine = _bare(p.get("project_name")), sorted(lines.get(p.get("project_id"), []))
        ident = [p.get(k) for k in ("province", "county", "agency")] + [name]
        usable = name and p.get("fiscal_year") is not None and mine
        out.append(("" if not usable else _digest(ident, short=True), p.get("fiscal_year"),
                    _digest("\n".join(mine), short=True) if usable else ""))
    return tuple(out)


def earlier_copies(results: list, keys) -> dict[int, dict[int, str]]:
    """{result index: {project index: the earlier year's files}} for projects of live reports whose indicator
    lines, every one of them, are those of the same project (place, agency, name) in the latest earlier year
    that has them: the year's self-evaluation was probably copied. `keys(r)` = line_keys, empty for a report
    that is not counted."""
    seen: dict[str, list[tuple[object, str, int, int]]] = {}
    for i, r in enumerate(results):
        for j, (ident, year, digest) in enumerate(keys(r)):
            if ident:
                seen.setdefault(ident, []).append((year, digest, i, j))
    out: dict[int, dict[int, str]] = {}
    for members in seen.values():
        if len({y for y, _, _, _ in members}) < 2:
            continue
        for year, digest, i, j in members:
            same = [(y, k) for y, d, k, _ in members if d == digest and y < year]
            if not same:
                continue
            last = max(y for y, _ in same)
            files = sorted({results[k].report["source_file"] for y, k in same if y == last})
            out.setdefault(i, {})[j] = "；".join(f"{f}（{last}年度）" for f in files)
    return out
