"""Chinese text of the report: document text made safe for HTML, the headline paragraph,
one takeaway sentence per briefing chart and the county table's Chinese headers.

Document text is data: `clean_text`, `html_text` and `html_block` are what the notebooks use
to show names from the documents (escaped, outside MathJax).
"""
from __future__ import annotations

import html as _html
import math
import re
from collections.abc import Mapping

import pandas as pd

from evalkit.report.numbers import COUNT, MONEY, RATE, SCORE, fmt, table
from evalkit.report.views import GRADES, Views, as_views, rule_title, rule_titles

# C0/C1 control characters except tab, newline, carriage return: XML (xlsx, pptx, svg) cannot
# hold them, fonts have no glyph for them, and they carry no meaning in a project name.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value) -> str:
    """Document text as a plain str without control characters ('' for None/NA/NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return _CONTROL_RE.sub("", str(value))


def html_text(value) -> str:
    """Document text escaped for HTML, with `$` and `\\` as character references (no MathJax)."""
    return (_html.escape(clean_text(value), quote=True)
            .replace("$", "&#36;").replace("\\", "&#92;"))


def html_block(template: str, /, tag: str = "div", **values) -> str:
    """Our markup `template` with `{name}` fields filled by escaped document text, marked to skip MathJax."""
    body = template.format(**{k: html_text(v) for k, v in values.items()})
    return f'<{tag} class="tex2jax_ignore mathjax_ignore">{body}</{tag}>'


def _basis(n: int, total: int, what: str) -> str:
    """The denominator and coverage of an aggregate: `按全部30个项目计算` or `按28个有预算和执行数的项目计算，共30个`."""
    return f"按全部{total}个项目计算" if n == total else f"按{n}个{what}的项目计算，共{total}个"


def _grades_text(g: Mapping, unit: str = "个") -> str:
    return "、".join(f"{k}{g[k]}{unit}" for k in GRADES)


def statement_figures(st: Mapping) -> str:
    """`已评项目44个，资金5,189.42万元，平均得分99.4分，等级优44个、…` from headline['statement_only']."""
    figs = ["已评项目数未披露" if pd.isna(st.get("projects")) else f"已评项目{fmt(st['projects'], COUNT)}个"]
    if not pd.isna(st.get("funds")):
        figs.append(f"资金{fmt(st['funds'], MONEY)}万元")
    if not pd.isna(st.get("avg_score")):
        figs.append(f"平均得分{fmt(st['avg_score'], SCORE)}分")
    figs.append("等级" + _grades_text(st["grades"]))
    return "，".join(figs)


def statement_only_text(st: Mapping) -> str:
    """The statements of counties without project tables (headline['statement_only']) as prose, or ''."""
    if not st.get("counties"):
        return ""
    return f"{'、'.join(st['counties'])}只有汇总表或决算说明（没有项目自评表），所列{statement_figures(st)}"


def dominance_text(d: Mapping | None) -> str:
    """A note when one project holds more than half of the budget total (headline['dominant']), or ''."""
    if not d:
        return ""
    initial = d.get("rate_source") == "initial_calc"
    txt = (f"总体执行率主要由{d['county_label']}的“{d['project_name']}”一个项目决定：其预算{fmt(d['budget'], MONEY)}万元"
           + ("（年初预算，未填全年预算）" if initial else "")
           + f"占预算合计{fmt(d['total'], MONEY)}万元的{fmt(d['share'], RATE)}%，执行率{fmt(d['rate'], RATE)}%"
           + ("（按年初预算计算）" if initial else ""))
    if not pd.isna(d.get("rate_without")):
        txt += f"；不计该项目，总体执行率为{fmt(d['rate_without'], RATE)}%"
    return txt + "。"


def headline_text(h: Mapping) -> str:
    """The headline numbers (aggregates.headline) as a short Chinese paragraph: project figures with
    their denominators, the statements of statement-only counties apart, a note on a dominant project."""
    if not h["n_reports"]:
        return "所选地区和年度没有报告，以下图表为空。"
    n = h["n_projects"]
    st = h.get("statement_only") or {}
    if not n:
        txt = f"共{h['n_counties']}个县区、{h['n_reports']}份报告，没有项目自评表。"
        if st.get("counties"):
            txt += f"汇总表或决算说明所列（按文件原文，未经项目表核对）：{statement_figures(st)}。"
        else:
            txt += "预算、执行、得分和等级均未披露。"
    else:
        txt = f"共{h['n_counties']}个县区、{h['n_reports']}份报告、{n}个项目（项目自评表）；"
        cover = {k: h.get(k, n) for k in ("n_money", "n_rated", "n_scored")}
        full = all(c == n for c in cover.values())
        figs = []
        if cover["n_money"]:
            figs.append(f"预算合计{fmt(h['budget'], MONEY)}万元，执行{fmt(h['executed'], MONEY)}万元，总体执行率{fmt(h['execution_rate'], RATE)}%"
                        + ("" if full else f"（{_basis(cover['n_money'], n, '同时填报预算和执行数')}）"))
        else:
            figs.append("预算与执行金额未披露")
        if cover["n_rated"]:
            figs.append(f"项目执行率中位数{fmt(h['median_rate'], RATE)}%"
                        + ("" if full else f"（{_basis(cover['n_rated'], n, '有执行率')}）"))
        if cover["n_scored"]:
            figs.append(f"平均自评得分{fmt(h['mean_score'], SCORE)}分"
                        + ("" if full else f"（{_basis(cover['n_scored'], n, '有得分')}）"))
        else:
            figs.append("自评得分未披露")
        txt += "；".join(figs) + (f"（以上均{_basis(n, n, '')}）" if full else "") + "。"
        txt += dominance_text(h.get("dominant"))
        txt += "项目等级：" + _grades_text(h["grades"])
        if h.get("n_grade_calc"):
            txt += f"，其中{h['n_grade_calc']}个项目未填等级，按得分计算"
        txt += "。"
        if st.get("counties"):
            txt += "另有" + statement_only_text(st) + "，未计入以上项目统计。"
        if h.get("n_unplaced"):
            txt += (f"{h['n_reports']}份报告中有{h['n_unplaced']}份（{h['n_unplaced_projects']}个项目）未能确定所属县区："
                    "计入以上合计，不计入县区对比，见检查发现“未能确定所属县区”。")
    if h.get("n_old_versions"):
        txt += f"另有{h['n_old_versions']}份文件是同一报告数字不同的旧版本，只计入较新的一份，见检查发现“同一报告有数字不同的两个版本”。"
    if h.get("n_repeated_projects"):
        txt += (f"有{h['n_repeated_projects']}条项目记录与另一份报告中（或同一报告另一处）的同一项目重复，以上合计中计入两次，"
                f"见检查发现“{rule_title('project_repeated')}”。")
    if h.get("n_year_copies"):
        txt += (f"有{h['n_year_copies']}个项目的绩效指标连同完成值和得分与往年逐条相同，疑似照抄往年自评，"
                f"见检查发现“{rule_title('indicators_as_earlier_year')}”。")
    if h["n_findings"] or not h.get("check_verdict"):
        txt += f"检查发现问题{h['n_findings']}条，其中错误{h['n_errors']}条。"
    else:
        txt += h["check_verdict"] + "。"
    if h.get("n_anomalies"):
        txt += f"{h['n_anomalies']}个项目数值异常（超出合理范围），未计入以上统计，见红旗清单。"
    return txt


def takeaways(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0) -> dict[str, str]:
    """One Chinese sentence per briefing chart (keys = chart keys), each with its denominator;
    implausible figures named, not counted. With one county, no cross-county wording."""
    vw = as_views(vw, bands, low_execution, high_score)
    v_all, v, cs = vw.projects, vw.plausible, vw.county_summary
    low, high = vw.low_execution, vw.high_score
    single = len(vw.places) <= 1
    n = len(v)
    h = vw.headline

    def odd(col: str, what: str) -> str:
        k = int((~v_all[col]).sum())
        return f"另有{k}个项目{what}数值异常（超出合理范围），未计入。" if k else ""

    def no_projects(what: str) -> str:
        only = h["statement_only"]["counties"]
        return f"所选范围内没有项目{what}数据" + (f"（{'、'.join(only)}只有汇总表或决算说明）" if only else "") + "。"

    out: dict[str, str] = {}
    rated = v[v["rate"].notna()]
    n_low = int((rated["rate"] < low).sum())
    if len(rated):
        s = f"{len(rated)}个有执行率的项目中{n_low}个低于{low:g}%" + ("" if len(rated) == n else f"（共{n}个项目）")
        if single:
            w = rated.loc[rated["rate"].idxmin()]
            s += f"；执行率中位数{fmt(rated['rate'].median(), RATE)}%，最低的项目是“{w['project_name']}”（{fmt(w['rate'], RATE)}%）。"
        else:
            worst = cs[cs["median_rate"].notna()].sort_values("median_rate").iloc[0]
            s += f"；执行率中位数最低的是{worst['county_label']}（{fmt(worst['median_rate'], RATE)}%）。"
        out["execution_rate_by_county"] = s
    else:
        out["execution_rate_by_county"] = no_projects("执行率")
    out["execution_rate_by_county"] += odd("rate_ok", "执行率")

    sc = v["score"].dropna()
    if len(sc):
        top = vw.bands[0]
        n_top = int((sc >= top[1]).sum())
        lowest = v.loc[v["score"].idxmin()]
        who = f"“{lowest['project_name']}”" if single else lowest["county_label"]
        out["score_distribution"] = (
            f"{len(sc)}个有得分的项目中{n_top}个（{n_top / len(sc) * 100:.0f}%）自评得分在{top[1]:g}分及以上"
            + ("" if len(sc) == n else f"（共{n}个项目）")
            + f"；最低{fmt(lowest['score'], SCORE)}分（{who}）。")
    else:
        out["score_distribution"] = no_projects("自评得分")
    out["score_distribution"] += odd("score_ok", "自评得分")

    gc = vw.grade_counts
    tot = {k: int(gc[k].sum()) for k in GRADES}
    st = statement_only_text(h["statement_only"])
    if gc["total"].sum():
        s = f"项目自评表共{int(gc['total'].sum())}个项目：" + _grades_text(tot, "")
        bad = gc[(gc["中"] + gc["差"]) > 0]
        if len(bad) and not single:
            w = bad.assign(k=bad["中"] + bad["差"]).sort_values("k", ascending=False).iloc[0]
            s += f"；中、差等级最多的是{w['county_label']}（{int(w['k'])}个）"
        n_calc = int((v["grade_source"] != "stated").sum())
        if n_calc:
            s += f"；{n_calc}个项目未填等级，按得分计算"
        s += "。"
        if st:
            s += f"另有{st}，未与项目表合计。"
        out["grade_counts_by_county"] = s
    else:
        out["grade_counts_by_county"] = (st + "。") if st else "所选范围内没有等级数据。"

    hl = v[(v["score"] >= high) & (v["rate"] < low)]
    if len(hl):
        c = hl["county_label"].dropna().value_counts()      # a project placed in no county has no label to name
        out["execution_vs_score"] = (
            f"{len(hl)}个项目自评{high:g}分以上但执行率低于{low:g}%（高分低执行）"
            + ("。" if single or not len(c) else f"，{c.index[0]}最多（{int(c.iloc[0])}个）。"))
    elif len(rated) and len(sc):
        out["execution_vs_score"] = f"没有自评{high:g}分以上而执行率低于{low:g}%的项目。"
    else:
        out["execution_vs_score"] = no_projects("执行率和得分")

    fv = vw.findings
    if len(fv):
        titles = rule_titles(fv)
        err = fv[fv["severity"] == "error"]
        r = fv["rule"].value_counts()
        c = fv["county_label"].dropna().value_counts()
        s = (f"共{len(fv)}条问题（错误{len(err)}条）；最多的是“{rule_title(r.index[0], titles)}”"
             f"（{int(r.iloc[0])}条）")
        if len(c) and not single:
            s += f"，{c.index[0]}最多（{int(c.iloc[0])}条）"
        out["findings_by_rule_county"] = s + "。"
    else:
        out["findings_by_rule_county"] = vw.check_verdict + "。"

    money = cs[cs["execution_rate"].notna()]
    if h["n_money"]:
        s = (f"预算合计{fmt(h['budget'], MONEY)}万元，执行{fmt(h['executed'], MONEY)}万元，总体执行率{fmt(h['execution_rate'], RATE)}%"
             f"（{_basis(h['n_money'], n, '同时填报预算和执行数')}）")
        if len(money) > 1 and not single:
            w = money.sort_values("execution_rate").iloc[0]
            s += f"；最低的是{w['county_label']}（{fmt(w['execution_rate'], RATE)}%）"
        s += "。" + dominance_text(h["dominant"])
        n_init = h["n_initial_basis"] - (1 if h["dominant"] and h["dominant"].get("rate_source") == "initial_calc" else 0)
        if n_init:
            s += f"{'另有' if h['dominant'] else ''}{n_init}个项目未填全年预算，按年初预算计算。"
        if h["statement_only"]["counties"]:
            s += f"{'、'.join(h['statement_only']['counties'])}只有汇总表或决算说明，其金额未计入合计。"
        out["budget_vs_execution"] = s
    else:
        out["budget_vs_execution"] = no_projects("预算与执行金额")
    n_money = int((~(v_all["money_ok"] & v_all["rate_ok"])).sum())
    if n_money:
        out["budget_vs_execution"] += f"另有{n_money}个项目金额或执行率数值异常（超出合理范围），未计入。"
    return out


COUNTY_SUMMARY_ZH = {
    "county_label": "县区", "province": "省份", "city": "地市", "county_key": "区划代码", "n_reports": "报告数",
    "n_projects": "项目数", "budget": "预算（万元）", "executed": "执行（万元）",
    "execution_rate": "总体执行率（%）", "median_rate": "执行率中位数（%）",
    "n_low_rate": "执行率<90%项目数", "mean_score": "平均得分", "min_score": "最低得分",
    "n_findings": "问题数", "n_errors": "错误数", "fiscal_years": "年度",
    "n_money": "有预算和执行数的项目数", "n_rated": "有执行率的项目数", "n_scored": "有得分的项目数",
    "summary_projects": "汇总表已评项目数", "summary_funds": "汇总表已评资金（万元）",
    "summary_avg_score": "汇总表平均得分",
    "n_anomalies": "数值异常项目数", "n_lines": "指标条数", "quantified_share": "量化指标占比（%）",
}


AGENCY_SUMMARY_ZH = {
    "county_label": "县区", "agency": "部门", "n_projects": "项目数", "budget": "预算（万元）", "executed": "执行（万元）",
    "execution_rate": "总体执行率（%）", "n_rated": "有执行率的项目数", "n_low_rate": "执行率<90%项目数",
    "mean_score": "平均得分", "n_findings": "项目问题数", "n_errors": "其中错误数",
}


PROJECT_YEARS_ZH = {
    "county_label": "县区", "agency": "部门", "project_name": "项目", "fiscal_year": "年度", "budget": "预算（万元）",
    "rate": "执行率（%）", "score": "得分", "grade_eff": "等级", "rate_change": "执行率较上年（百分点）",
    "score_change": "得分较上年", "same_as_earlier": "指标与往年逐条相同",
}


def project_years_zh(table: pd.DataFrame, with_county: bool = True) -> pd.DataFrame:
    """trends.project_years for readers: Chinese headers, figures by `numbers.fmt`, 项目 as the index."""
    df = table if with_county else table.drop(columns="county_label")
    return display_table(df, PROJECT_YEARS_ZH, index="project_name")


def agency_summary_zh(summary: pd.DataFrame, low_execution: float = 90.0, with_county: bool = True) -> pd.DataFrame:
    """agency_summary for readers: Chinese headers, figures by `numbers.fmt`, 部门 as the index (县区 kept
    as a column when `with_county`)."""
    names = dict(AGENCY_SUMMARY_ZH)
    names["n_low_rate"] = f"执行率<{low_execution:g}%项目数"
    df = summary if with_county else summary.drop(columns="county_label")
    return display_table(df, names, index="agency")


def county_summary_zh(summary: pd.DataFrame, low_execution: float = 90.0) -> pd.DataFrame:
    """county_summary for readers: Chinese headers, figures by `numbers.fmt` ("—" where unknown), 县区 as the index."""
    names = dict(COUNTY_SUMMARY_ZH)
    names["n_low_rate"] = f"执行率<{low_execution:g}%项目数"
    return display_table(summary, names, index="county_label")


def display_table(df: pd.DataFrame, labels: Mapping[str, str] | None = None, *, index: str | None = None,
                  units: Mapping[str, str | None] | None = None, unit: str | None = None) -> pd.DataFrame:
    """A table as a reader sees it: every figure by its unit's rule (`unit` for all columns, else
    `units`, else the column's own), "—" for missing, coded values (severity, doc_kind, status) and
    headers in Chinese (`labels`, else the contract's labels), index names too."""
    from evalkit.schema import LABELS
    names = {**{c: LABELS[c] for c in df.columns if isinstance(c, str) and c in LABELS}, **(labels or {})}
    if unit is not None:
        units = {c: unit for c in df.columns}
    out = table(df, units, names)
    out.columns.name = names.get(df.columns.name, df.columns.name)
    out.index.names = [names.get(n, n) for n in df.index.names]
    if index is not None:
        out = out.set_index(names.get(index, index))
    return out


def headline_table(h: Mapping, low_execution: float = 90.0) -> pd.DataFrame:
    """The headline figures as a one-column table (数值), each by its unit's rule, each aggregate
    with its coverage (projects that had the figure / all projects), statements apart."""
    g, n = h["grades"], h["n_projects"]
    st, dom = h.get("statement_only") or {}, h.get("dominant")

    def of(k):                                     # projects that had the figure / all projects
        return f"{fmt(h.get(k, n), COUNT)}/{fmt(n, COUNT)}"

    rows = {
        "县区数": fmt(h["n_counties"], COUNT), "报告数": fmt(h["n_reports"], COUNT),
        "项目数（项目自评表）": fmt(n, COUNT),
        "预算合计（万元）": fmt(h["budget"], MONEY), "执行合计（万元）": fmt(h["executed"], MONEY),
        "总体执行率（%）": fmt(h["execution_rate"], RATE), "　计算所用项目（有预算和执行数/全部）": of("n_money"),
        "执行率中位数（%）": fmt(h["median_rate"], RATE), "　计算所用项目（有执行率/全部）": of("n_rated"),
        f"执行率低于{low_execution:g}%的项目": fmt(h["n_low_rate"], COUNT),
        "高分低执行项目": fmt(h["n_high_low"], COUNT),
        "平均自评得分": fmt(h["mean_score"], SCORE), "　计算所用项目（有得分/全部）": of("n_scored"),
        "项目等级 优/良/中/差": "/".join(str(g[k]) for k in GRADES),
    }
    if dom:
        rows["占预算合计一半以上的项目"] = (f"{dom['county_label']}：{clean_text(dom['project_name'])}"
                                  f"（{fmt(dom['share'], RATE)}%）")
    if st.get("counties"):
        rows["只有汇总表或决算说明的县区"] = "、".join(st["counties"])
        rows["　其所列已评项目数（不计入项目数）"] = fmt(st.get("projects"), COUNT)
        rows["　其所列等级 优/良/中/差"] = "/".join(str(st["grades"][k]) for k in GRADES)
    rows["检查发现（错误）"] = f"{fmt(h['n_findings'], COUNT)}（{fmt(h['n_errors'], COUNT)}）"
    rows["数值异常项目（未计入统计）"] = fmt(h.get("n_anomalies"), COUNT)
    return pd.DataFrame({"数值": rows})


STATEMENT_ZH = {
    "county_label": "县区", "agency": "单位", "fiscal_year": "年度", "projects_due": "应评项目数",
    "projects_evaluated": "已评项目数", "funds_due": "应评资金（万元）", "funds_evaluated": "已评资金（万元）",
    "avg_score": "平均得分", "count_you": "优", "count_liang": "良", "count_zhong": "中", "count_cha": "差",
    "location": "位置", "source_file": "来源文件",
}


STATEMENT_UNITS = {"projects_due": COUNT, "projects_evaluated": COUNT, "funds_due": MONEY,
                   "funds_evaluated": MONEY, "avg_score": SCORE, "count_you": COUNT, "count_liang": COUNT,
                   "count_zhong": COUNT, "count_cha": COUNT, "fiscal_year": None}


def statements_zh(vw: Views) -> pd.DataFrame:
    """The statements (汇总表, 决算 paragraphs) one row each, as stated, with Chinese headers: the figures
    a county without project tables has, shown instead of empty project charts."""
    vw = as_views(vw)
    s = vw["summaries"]
    s = s.assign(county_label=vw.labels(s.merge(vw["reports"][["report_id", "county", "city", "province"]]
                                                 .drop_duplicates("report_id"), on="report_id", how="left")
                                         .set_axis(s.index)))
    cols = [c for c in STATEMENT_ZH if c in s.columns]
    return display_table(s[cols], STATEMENT_ZH, index="county_label", units=STATEMENT_UNITS)


def unread_files(reports: pd.DataFrame) -> list[str]:
    """The files not fully read (partial, failed), each once in Chinese: `路径（失败：原因）`. A row's error
    starts with its path (results.file_error); it is not repeated."""
    from evalkit.results import error_reason
    from evalkit.schema import value_label
    bad = reports[reports["status"].isin(["partial", "failed"])]
    out = []
    for path, status, err in zip(bad["source_file"], bad["status"], bad["error"]):
        path, why = clean_text(path), clean_text(err)
        why = error_reason(path, why)
        out.append(f"{path}（{value_label('status', status)}" + (f"：{why}" if why else "") + "）")
    return out
