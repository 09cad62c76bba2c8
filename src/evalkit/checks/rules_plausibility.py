"""Family 7: cost targets against the budget, duplicated or copied lines, grades against spending."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import NamedTuple

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, field_locs, ids_of, make
from evalkit.checks.grades import grade_from_score
from evalkit.checks.numbers import HUNDRED, dec, fmt, pct, text, to_wanyuan, unfixed
from evalkit.checks.rules_budget import rate
from evalkit.schema import FROM_PATH
from evalkit.schema import label as schema_label


def _has(s: pd.Series, words: list[str]) -> pd.Series:
    pat = "|".join(map(re.escape, words))
    return s.astype("str").str.contains(pat, na=False) if pat else pd.Series(False, index=s.index)


def check_costs(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Money cost targets above the full-year budget, or total-cost targets far below it (元 vs 万元 converted)."""
    ind = d.indicators
    if ind.empty:
        return []
    cost = (_has(ind["level2"], ["成本"]) | _has(ind["level3"], ["成本"])) & ind["target_value"].notna()
    cost &= ~_has(ind["level3"], cfg.get("plausibility", "per_unit_words", [])) & \
        ~_has(ind["target_unit"], ["/"])
    aliases = cfg.get("indicators", "unit_aliases", {})
    above = cfg.dec("plausibility", "cost_above_budget_tolerance")
    below = cfg.dec("plausibility", "cost_far_below_ratio")
    units = ind["target_unit"].astype("object").where(ind["target_unit"].notna(), None)
    factor = {u: to_wanyuan(Decimal(1), u, aliases) for u in set(units[cost])}
    amt_f = ind["target_value"] * units.map(lambda u: float(factor[u]) if factor.get(u) is not None else float("nan"))
    budget = pd.to_numeric(ind["project_id"].map(
        d.projects.drop_duplicates("project_id").set_index("project_id")["budget_full_year"]), errors="coerce")
    total_line = _has(ind["level3"], cfg.get("plausibility", "total_cost_words", []))
    cost &= ((amt_f > budget * (1 + float(above)) * 0.999) | (total_line & (amt_f < budget * float(below) * 1.001))).fillna(False)
    sub, budget, total_line = ind.loc[cost], budget.loc[cost], total_line.loc[cost]
    if sub.empty:
        return []
    out: list[Finding] = []
    for r, b, is_total in zip(sub.itertuples(index=False), budget, total_line):
        bud = dec(b)
        amt = to_wanyuan(dec(r.target_value), r.target_unit, aliases)
        if bud is None or amt is None or bud <= 0:
            continue
        ids, name = ids_of(r), text(r.level3)
        if amt > bud * (1 + above):
            out.append(make(cfg, "cost_above_budget", ids,
                            f"成本指标「{name}」目标值{text(r.target)}（{fmt(amt)}万元）超过项目全年预算{fmt(bud)}万元，请核对是否照抄其他项目或单位错误。",
                            f"≤{fmt(bud)}万元", f"{fmt(amt)}万元", r.indicator_key))
        elif is_total and amt < bud * below:
            out.append(make(cfg, "cost_far_below_budget", ids,
                            f"总成本指标「{name}」目标值{text(r.target)}（{fmt(amt)}万元）不足项目全年预算{fmt(bud)}万元的{fmt(below * HUNDRED)}%，请核对是否照抄其他项目或单位错误（元/万元）。",
                            f"≥{fmt(bud * below)}万元", f"{fmt(amt)}万元", r.indicator_key))
    return out


def _line_key(ind: pd.DataFrame) -> pd.Series:
    strip = lambda s: s.astype("str").fillna("").str.replace(r"\s", "", regex=True)
    return strip(ind["level3"]) + "\x1f" + strip(ind["target"])


def check_duplicates(d: Data, cfg: CheckConfig) -> list[Finding]:
    """The same indicator (level-3 name and target) twice in a project; whole indicator sets copied between projects."""
    ind = d.indicators.loc[d.indicators["level3"].notna()]
    out: list[Finding] = []
    if ind.empty:
        return out
    key = _line_key(ind)
    dup = pd.concat([ind["project_id"], key], axis=1).duplicated()
    for r in ind.loc[dup].itertuples(index=False):
        out.append(make(cfg, "indicator_duplicate", ids_of(r),
                        f"指标「{text(r.level3)}」（目标值{text(r.target)}）在本项目中重复出现（此处为{text(r.level2) or text(r.level1)}），请删除重复行或改为本级应有的指标。",
                        "不重复", f"{text(r.level2)}/{text(r.level3)}", r.indicator_key))
    # copied indicator sets between projects of one report
    min_lines = int(cfg.get("plausibility", "copied_min_lines", 3))
    # order-independent signature per project: count and two sums of 64-bit line hashes
    # (vectorized); equal signatures are then confirmed on the sorted lines themselves
    h = pd.util.hash_pandas_object(key, index=False).to_numpy(dtype="uint64")
    sig = pd.DataFrame({"project_id": ind["project_id"], "report_id": ind["report_id"],
                        "h1": (h >> 33).astype("int64"), "h2": (h & 0xFFFFFFFF).astype("int64")},
                       index=ind.index)
    gb = sig.groupby("project_id", sort=False)
    sigs = gb.agg(report_id=("report_id", "first"), h1=("h1", "sum"), h2=("h2", "sum"), n=("h1", "size"))
    sigs = sigs.loc[sigs["n"] >= min_lines]
    sigs = sigs.loc[sigs.duplicated(["report_id", "h1", "h2", "n"], keep=False)]
    lines = {pid: "\x1e".join(sorted(k)) for pid, k in
             key.loc[ind["project_id"].isin(sigs.index)].groupby(ind["project_id"], sort=False)}
    sigs = sigs.assign(k=[lines[pid] for pid in sigs.index])
    proj = d.projects.drop_duplicates("project_id").set_index("project_id")
    pinfo = d.project_ids()
    for (_, _), grp in sigs.groupby(["report_id", "k"], sort=False):
        if len(grp) < 2:
            continue
        first = grp.index[0]
        b0 = dec(proj.at[first, "budget_full_year"]) if first in proj.index else None
        for pid in grp.index[1:]:
            if pid not in proj.index:
                continue
            b = dec(proj.at[pid, "budget_full_year"])
            if b == b0:
                continue
            out.append(make(cfg, "indicators_copied", pinfo[pid],
                            f"本项目（全年预算{fmt(b)}万元）的{int(grp.at[pid, 'n'])}条绩效指标与「{text(proj.at[first, 'project_name'])}」（全年预算{fmt(b0)}万元）逐条相同，请核对是否照抄了其他项目的目标。",
                            "本项目自己的指标", f"同{first}"))
    return out


def check_spending(d: Data, cfg: CheckConfig) -> list[Finding]:
    """优 with low execution; a (high) score on a project that spent nothing."""
    out: list[Finding] = []
    p = d.projects
    # float pre-filter with slack; the exact Decimal test below decides
    lim_max = max(float(cfg.for_province(x).get("plausibility", "excellent_min_execution"))
                  for x in [None, *cfg.profiles])
    rt_f = (p["executed"] / p["budget_full_year"].where(p["budget_full_year"] != 0) * 100).fillna(p["execution_rate"])
    cand = (p["executed"] == 0) | (rt_f < lim_max + 1)
    cand &= p["total_score"].notna() | p["grade"].notna()
    for r in p.loc[cand.fillna(False)].itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        ex, full = dec(r.executed), dec(r.budget_full_year)
        if (ex is None or ex == 0) and (dec(getattr(r, "parts_executed", None)) or 0) > 0:
            continue        # the total row left at 0 beside the parts' spending: budget_parts_mismatch says so
        rt = rate(ex, full)
        if rt is None:
            rt = dec(r.execution_rate)
        rank = c.grade_rank(text(r.grade_raw) or text(r.grade))
        stated_grade = rank is not None
        if rank is None:
            rank = c.grade_rank(grade_from_score(r.total_score, c.bands))
        ids = ids_of(r)
        lim = c.dec("plausibility", "excellent_min_execution")
        if rank == 0 and rt is not None and rt < lim:
            how = "评为" if stated_grade else "按总分应评为"
            out.append(make(c, "excellent_low_execution", ids,
                            f"项目{how}「优」（总分{fmt(dec(r.total_score))}分），但预算执行率仅{pct(rt)}，低于{fmt(lim)}%，请说明资金未执行的原因及评分依据。",
                            f"执行率≥{fmt(lim)}%", pct(rt)))
        total = dec(r.total_score)
        zmax = c.dec("plausibility", "zero_spend_max_score")
        if ex is not None and ex == 0 and total is not None and total >= zmax:
            out.append(make(c, "score_without_spending", ids,
                            f"项目全年执行数为0，总分却为{fmt(total)}分，请核对产出和效益指标的完成情况及得分。",
                            f"<{fmt(zmax)}", fmt(total)))
    return out


AMOUNTS = ("budget_full_year", "budget_initial", "executed")


def check_amount_units(d: Data, cfg: CheckConfig) -> list[Finding]:
    """An amount of a project whose document states no money unit, so large that it is probably in 元: read
    as the contract's 万元 it is 10,000 times too large and swamps every total it enters."""
    p = d.projects
    if p.empty or "amount_unit" not in p.columns:
        return []
    lim_min = min(float(cfg.for_province(x).get("plausibility", "unstated_unit_max_amount"))
                  for x in [None, *cfg.profiles])
    big = p[list(AMOUNTS)].apply(pd.to_numeric, errors="coerce").max(axis=1) >= lim_min
    cand = big & p["amount_unit"].isna()
    out: list[Finding] = []
    for r in p.loc[cand.fillna(False)].itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        lim = c.dec("plausibility", "unstated_unit_max_amount")
        col, amount = max(((k, dec(getattr(r, k))) for k in AMOUNTS if dec(getattr(r, k)) is not None),
                          key=lambda kv: kv[1])
        if amount < lim:
            continue
        what = schema_label(col, with_unit=False)
        out.append(make(c, "amount_unit_doubtful", ids_of(r),
                        f"文件未写明金额单位，按万元读得{what}{fmt(amount)}万元（{fmt(amount / 10000, 2)}亿元），"
                        f"对一个项目而言过大；若原文以元为单位，应为{fmt(amount / 10000, 4)}万元。请对照原件核对金额单位。",
                        f"<{fmt(lim)}万元，或写明单位", f"{fmt(amount)}万元（未写明单位）"))
    return out


DUPLICATE_WHAT = {   # by reports.duplicate_kind (identity.same_report_duplicates)
    "same_file": "与该文件内容完全相同（字节一致）",
    "same_report": "是同一份报告的另一种格式（单位、年度、项目和数字都相同）",
    "same_report_ocr": "是同一份报告的扫描件（年度相同，单位、项目名称和各项数字与之相同，或仅有个别字、个别数字识别不同）",
}


def check_identity(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A file that repeats another (a byte copy, or the same report in another format) is counted
    once; the ledger keeps it as `duplicate`, and this note names both files."""
    rep = d.reports
    dup = rep.loc[rep["status"].astype("object") == "duplicate"]
    out: list[Finding] = []
    for r in dup.itertuples(index=False):
        note = text(getattr(r, "duplicate_note", None))
        ids = ids_of(r)          # the county of the report it repeats
        if text(r.duplicate_kind) == "other_version":
            out.append(make(cfg, "report_other_version", ids,
                            f"文件 {text(r.source_file)} 与 {text(r.duplicate_of_file)} 是同一单位、同一年度、同样项目的"
                            f"两个版本，只计入后者（{note}）。",
                            f"只计入一个版本（{text(r.duplicate_of)}）", text(r.source_file)))
            continue
        what = DUPLICATE_WHAT.get(text(r.duplicate_kind), DUPLICATE_WHAT["same_report"])
        out.append(make(cfg, "duplicate_document", ids,
                        f"文件 {text(r.source_file)} {what}：{text(r.duplicate_of_file)}，只计入一次，"
                        f"如需核对请以后者为准。" + (f"{note}。" if note else ""),
                        f"只出现一次（{text(r.duplicate_of)}）", text(r.source_file)))
    return out


def check_repeated_projects(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A project (same place, agency, year and name) that another counted report holds too, e.g. a bureau's
    bundle of tables and the agency's own report, or the same report twice with other figures (its text and an
    attached copy): both count in the totals, so both are pointed out; which to keep is the reader's call."""
    p = d.projects
    out: list[Finding] = []
    for r in p.loc[p["repeated_in"].notna()].itertuples(index=False):
        where = text(r.repeated_in)
        year = f"{int(r.fiscal_year)}年度" if pd.notna(r.fiscal_year) else ""
        advice = ("请核对是否同一项目（如正文和附件中的两版自评表），以正式填报的一版为准。" if where.startswith("本报告")
                  else "请核对是否同一项目，必要时把多余的文件移出输入目录。")
        out.append(make(cfg, "project_repeated", ids_of(r),
                        f"项目「{text(r.project_name)}」（{text(r.agency)}，{year}）也填报在 {where} 中，汇总时计入两次；"
                        + advice, "只在一份报告中", where))
    return out


def check_earlier_copies(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A project whose indicator lines (at least copied_min_lines), actual values and scores included, are the same
    project's of an earlier year: the year's self-evaluation was probably copied rather than done."""
    p = d.projects
    if p.empty or "same_as_earlier" not in p.columns:
        return []
    out: list[Finding] = []
    for r in p.loc[p["same_as_earlier"].notna()].itertuples(index=False):
        c = cfg.for_province(text(r.province) or None)
        n = int(r.n_indicators) if pd.notna(r.n_indicators) else 0
        if n < int(c.get("plausibility", "copied_min_lines", 3)):
            continue
        where = text(r.same_as_earlier)
        year = f"{int(r.fiscal_year)}年度" if pd.notna(r.fiscal_year) else ""
        out.append(make(c, "indicators_as_earlier_year", ids_of(r),
                        f"项目「{text(r.project_name)}」（{text(r.agency)}，{year}）的{n}条绩效指标，连同实际完成值和得分，"
                        f"与 {where} 逐条相同；请核对本年度的自评是否照抄了往年的结果。",
                        "本年度自己的完成情况", where))
    return out


def _with_results(d: Data) -> pd.DataFrame:
    """The counted reports (ok, partial) that gave projects or summaries: those a place or a year is asked of."""
    rep = d.reports
    live = rep["status"].astype("object").isin(["ok", "partial"])
    with_results = pd.to_numeric(rep["n_projects"], errors="coerce").fillna(0).gt(0)
    if "report_id" in d.summaries.columns:
        with_results |= rep["report_id"].isin(d.summaries["report_id"])
    return rep.loc[live & with_results]


def check_places(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A report with results that evalkit could not put in one county: its county name is shared by
    several divisions and the document does not say which (place_ambiguous), or it names no county
    (county_unknown). Such a report counts in the totals but in no county's figures; it is pointed
    out, never guessed. A place read from the file's path, not its text, is noted (county_from_path)."""
    from evalkit.geo import candidates
    out: list[Finding] = []
    for r in _with_results(d).itertuples(index=False):
        county, city, province = text(r.county), text(r.city), text(r.province)
        ids = ids_of(r)
        agency = text(r.agency) or "（未识别）"
        if text(getattr(r, "place_source", None)) == FROM_PATH:
            where = "、".join(x for x in dict.fromkeys((province, city, county)) if x)
            out.append(make(cfg, "county_from_path", ids,
                            f"文件的单位名称（{agency}）和开头文字没有写明县区，按文件路径归入{where}；请核对原件。",
                            "文件写明所属县区", f"按文件路径：{county}"))
            continue
        if not county:
            known = city or province
            out.append(make(cfg, "county_unknown", ids,
                            f"未能从单位名称（{agency}）和文件开头确定所属县区"
                            + (f"（只识别到{province}{city if city != province else ''}）" if known else "")
                            + "，本报告计入总数，但不计入任何县区的统计；请核对原件，必要时在单位名称中写明县区。",
                            "所属县区", "未确定"))
            continue
        if city:
            continue
        places = [(c, p) for c, p in candidates(county) if not province or p == province]
        if len(places) < 2:
            continue
        where = "、".join(f"{p}{c}" if c and c != p else p for c, p in places)
        out.append(make(cfg, "place_ambiguous", ids,
                        f"县区名称“{county}”在{where}都有，文件的单位名称（{agency}）和开头文字没有写明是哪一个，"
                        "本报告的地市和省份留空（不猜测）；简报中，数据里只有一个同名县区时本报告并入其统计。请核对原件。",
                        "写明所属地市", f"{county}（{len(places)} 处同名）"))
    return out


def check_years(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A report with results dated by its file's name (year_from_path: ingest.dated_by_path), and one whose document
    states another year than its file's name (year_differs_from_path): a report filed under the wrong year, or
    last year's handed in again."""
    from evalkit.recognize.statements import path_year
    out: list[Finding] = []
    for r in _with_results(d).itertuples(index=False):
        ids = ids_of(r)
        name = text(r.source_file).replace("!", "/").rsplit("/", 1)[-1]
        named = path_year(text(r.source_file))
        if named is None or pd.isna(r.fiscal_year):
            continue
        if text(getattr(r, "year_source", None)) == FROM_PATH:
            out.append(make(cfg, "year_from_path", ids,
                            f"文件中没有读到年度（或扫描件识别出的年度与文件名不同，见读取说明），按文件名“{name}”"
                            f"（或其所在文件夹）归入{named}年度；请核对原件。",
                            "文件写明年度", f"按文件名：{named}年度"))
        elif int(r.fiscal_year) != named:
            out.append(make(cfg, "year_differs_from_path", ids,
                            f"文件写明的年度是{int(r.fiscal_year)}年度，文件名“{name}”（或其所在文件夹）却是{named}年度，"
                            f"本报告按文件写明的{int(r.fiscal_year)}年度计入；请核对是否放错了文件，或把往年的报告当作本年度报送。",
                            f"{named}年度", f"{int(r.fiscal_year)}年度"))
    return out


def _listing(d: Data, cfg: CheckConfig, column: str, rule: str, message: str, expected: str, found: str,
             more: str) -> list[Finding]:
    """One finding per report whose `column` (a JSON list) names something: `message` with {shown} (the first 8,
    `more` after them with {n}), `found` with {n}."""
    import json
    out: list[Finding] = []
    rep = d.reports
    if column not in rep:
        return out
    for r in rep.loc[rep[column].notna()].itertuples(index=False):
        items = json.loads(getattr(r, column)) if text(getattr(r, column)) else []
        if not items:
            continue
        shown = "、".join(items[:8]) + (more.format(n=len(items)) if len(items) > 8 else "")
        out.append(make(cfg, rule, dict(report_id=text(r.report_id) or None, source_file=text(r.source_file) or None,
                                        county=text(r.county) or None),
                        message.format(shown=shown), expected, found.format(n=len(items))))
    return out


def check_formulas(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A workbook saved by a program that does not compute formulas (an export script, some web
    systems) holds formulas without values; those LibreOffice could not compute either (office.recalculated)
    are unknown, not empty, so a reviewer must open the file in Excel/WPS and save it again."""
    return _listing(d, cfg, "uncached_formulas", "formula_without_value",
                    "{shown} 是公式，但文件中没有保存计算结果，这些数字无法读出（不是空白）；"
                    "请用 Excel 或 WPS 打开后保存再导入，或核对原件。",
                    "公式有计算结果", "{n} 个公式无结果", " 等 {n} 个单元格")


def check_unshown(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A figure too wide for its Excel column prints as "####": a PDF or scan of the sheet has lost it
    (`reports.unshown_figures`). It is missing, not empty: the totals it enters cannot be checked."""
    return _listing(d, cfg, "unshown_figures", "figure_not_shown",
                    "{shown} 显示为“####”（数字超出 Excel 列宽，导出或打印时被 # 号代替），这些数字无法读出（不是空白），"
                    "相关的总分、权重核对因此不全；请索取加宽该列后重新导出的文件，或 Excel 原件。",
                    "数字完整显示", "{n} 处显示为####", " 等 {n} 处")


def check_instructions(d: Data, cfg: CheckConfig) -> list[Finding]:
    """The template's filling instructions left where the text they ask for belongs (对照年度目标，说明…(100字以内)):
    the self-evaluation was published before it was written (`projects.instructions_left`)."""
    import json
    out: list[Finding] = []
    p = d.projects                       # prepare() gives it every contract column, instructions_left too
    for r in p.loc[p["instructions_left"].notna()].itertuples(index=False):
        items = json.loads(r.instructions_left) if text(r.instructions_left) else []
        if items:
            shown = "、".join(f"“{x}”" for x in items[:3]) + (f"等 {len(items)} 处" if len(items) > 3 else "")
            out.append(make(cfg, "template_instructions_left", ids_of(r),
                            f"自评表中仍是模板的填写说明，没有填写内容：{shown}；请补写后再报送。",
                            "填写的内容", f"{len(items)} 处填写说明"))
    return out


def check_hidden(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Hidden sheets, rows and columns holding text, Word's hidden text and its tracked deletions, are what the author
    hid or took out: not shown, printed or read (`reports.hidden_content`). An old version kept out of sight is
    harmless; an indicator line hidden rather than deleted is for a reviewer to judge, in the original with the
    hiding undone."""
    return _listing(d, cfg, "hidden_content", "hidden_content",
                    "文件中有隐藏的内容（{shown}），查看、打印时不显示（带删除线的文字表示已删去，白色或黑色方块下的文字表示已涂改或遮盖，"
                    "Word 修订中删除的文字是尚未接受的修改前内容），未读取；"
                    "请打开原件取消隐藏，核对其中是否有应计入的内容（如隐藏而未删除的指标行、改正前后的数字）。",
                    "无隐藏内容", "{n} 处隐藏内容", " 等 {n} 处")


_OCR_FIELDS = {"budget_initial": "年初预算数", "budget_full_year": "全年预算数", "executed": "全年执行数",
               "execution_rate": "执行率", "budget_score": "预算执行得分", "total_score": "总分"}


def check_ocr_confidence(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A project figure or an indicator's weight/score read from a cell OCR read with low confidence is
    pointed out, with the cell's text, confidence and page: the cell the figure's `loc_fields` name (a
    dataset written before cells had places: a low-confidence cell of the report holding the same value). A 执行率
    or 总分 that confidently read figures give exactly is not (`_corroborated`)."""
    import json
    out: list[Finding] = []
    low_at = float(cfg.get("ocr", "low_confidence", 0.9))
    rep = d.reports.loc[d.reports["ocr_cells"].notna()]
    sums = None                     # project_id -> its line scores' sum (millionths), worked out when needed
    for r in rep.itertuples(index=False):
        at_cell: dict[tuple, _Doubtful] = {}
        by_value: dict[float, _Doubtful] = {}
        sealed_text: dict[str, int] = {}      # a text cell under a black seal (a project's name) -> its page
        for cell_text, value, conf, page, *place in json.loads(r.ocr_cells):
            place, sealed = place[:3], bool(place[3:4] and place[3])     # (datasets written before have no seal flag)
            if value is None:
                sealed_text.setdefault(re.sub(r"\s+", "", str(cell_text)), page)
                continue
            if conf >= low_at and not sealed:
                continue
            shown = _Doubtful(re.sub(r"\s*\n\s*", "", str(cell_text)), conf, page, sealed)   # wrapped as one: 19.44
            if place:
                at_cell[(page, *place)] = shown
            elif value not in by_value or conf < by_value[value].conf:
                by_value[value] = shown
        if not at_cell and not by_value and not sealed_text:
            continue

        def hit(row, col, locs):
            v = getattr(row, col, None)
            if v is None or pd.isna(v):
                return None
            if at_cell:
                w = locs.get(col) or {}
                return at_cell.get((w.get("page"), w.get("table"), w.get("row"), w.get("col")))
            return by_value.get(float(v))

        def locs_of(row):
            return field_locs(getattr(row, "loc_fields", None)) if at_cell else {}

        ind = d.indicators.loc[d.indicators["report_id"] == r.report_id]
        lines = [(i, col, label, hit(i, col, locs_of(i))) for i in ind.itertuples(index=False)
                 for col, label in (("weight", "分值"), ("score", "得分"))]
        doubtful_scores = {i.project_id for i, col, _, h in lines if h and col == "score"}
        for p in d.projects.loc[d.projects["report_id"] == r.report_id].itertuples(index=False):
            name = text(p.project_name)
            if (page := sealed_text.get(re.sub(r"\s+", "", name))) is not None and name:
                out.append(make(cfg, "ocr_low_confidence", ids_of(p),
                                f"项目名称「{name}」由扫描件识别（第{page}页），黑白扫描中印章压在这个单元格上，章下的笔画"
                                "无法识别，名称（尤其文号和数字）可能有误，跨年度和跨文件比对同一项目时可能对不上，请对照原件核对。",
                                "单元格未被印章遮挡", f"项目名称={name}（{UNDER_SEAL}）", f"{p.project_id}#project_name"))
            locs = locs_of(p)
            low = {col: h for col in _OCR_FIELDS if (h := hit(p, col, locs))}
            if "total_score" in low and sums is None:
                from evalkit.checks.rules_totals import total_score_calc
                sums = dict(zip(d.projects["project_id"], total_score_calc(d)))
            line_sum = None if p.project_id in doubtful_scores or sums is None else sums.get(p.project_id)
            for col, label in _OCR_FIELDS.items():
                h = low.get(col)
                if h and not _corroborated(p, col, h.text, low, line_sum):
                    out.append(h.finding(cfg, ids_of(p), f"项目「{text(p.project_name)}」", label, low_at,
                                         f"{p.project_id}#{col}"))
        for i, col, label, h in lines:
            if h:
                out.append(h.finding(cfg, ids_of(i), f"指标「{text(i.level3)}」", label, low_at, i.indicator_key))
    return out


class _Doubtful(NamedTuple):
    """An OCR'd cell a figure may be read from, doubtful: its text as shown, the recognizer's confidence, its page,
    whether a black seal lies over it (its print unseen where the seal's ink is)."""
    text: str
    conf: float
    page: int
    sealed: bool

    def finding(self, cfg: CheckConfig, ids: dict, subject: str, label: str, low_at: float, key) -> Finding:
        """ocr_low_confidence on the figure `label` of `subject` (项目「…」, 指标「…」) read from this cell."""
        why = ("黑白扫描中印章压在这个单元格上，章下的笔画无法识别，数字可能缺位或有误" if self.sealed
               else f"置信度 {self.conf:.2f}，低于 {low_at:.2f}")
        return make(cfg, "ocr_low_confidence", ids,
                    f"{subject}的{label}“{self.text}”由扫描件识别（第{self.page}页），{why}，请对照原件核对。",
                    "单元格未被印章遮挡" if self.sealed else f"置信度≥{low_at:.2f}",
                    f"{label}={self.text}（{UNDER_SEAL if self.sealed else f'{self.conf:.2f}'}）", key)


UNDER_SEAL = "印章下"
_FOUND = re.compile(rf"^(.+?)=(.*)（({UNDER_SEAL}|[\d.]+)）$")


def doubtful_figure(found: str) -> tuple[str, str, str] | None:
    """(label, text, why: 印章下 or the confidence) from an ocr_low_confidence finding's `found`, as `_Doubtful`
    and the project-name case write it (全年执行数=2.100（印章下）); None for other text."""
    m = _FOUND.match(found)
    return m.groups() if m else None


def _corroborated(p, col: str, shown: str, low: dict, line_sum) -> bool:
    """A doubtful OCR'd figure that figures read with confidence give exactly, to the digits it shows: a 执行率
    that 全年执行数 / 全年预算数 rounds to, a 总分 that the line scores add up to (`line_sum`, in millionths; None
    when a line score is doubtful too). Nothing is left to compare with the scan (a misread one disagrees, and
    execution_rate_mismatch or total_score_mismatch says so)."""
    places = len(m.group(1)) if (m := re.search(r"\.(\d+)", shown)) else 0
    if col == "execution_rate":
        stated, full = dec(p.execution_rate), dec(p.budget_full_year)
        if stated is None or full is None or full <= 0 or "executed" in low or "budget_full_year" in low:
            return False
        calc = rate(dec(p.executed), full)
        return calc is not None and abs(calc - stated) <= Decimal(5).scaleb(-places - 1)
    if col == "total_score":
        stated = dec(p.total_score)
        return (stated is not None and "budget_score" not in low and line_sum is not None
                and unfixed(line_sum) == stated)
    return False
