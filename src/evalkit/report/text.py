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


def _fmt(x, unit):
    return fmt(x, unit)


def headline_text(h: Mapping) -> str:
    """The headline numbers (aggregates.headline) as a short Chinese paragraph."""
    if not h["n_reports"]:
        return "所选地区和年度没有报告，以下图表为空。"
    g = h["grades"]
    txt = (f"共{h['n_counties']}个县区、{h['n_reports']}份报告、{h['n_projects']}个项目；"
           f"预算合计{_fmt(h['budget'], MONEY)}万元，执行{_fmt(h['executed'], MONEY)}万元，"
           f"总体执行率{_fmt(h['execution_rate'], RATE)}%，项目执行率中位数{_fmt(h['median_rate'], RATE)}%；"
           f"平均自评得分{_fmt(h['mean_score'], SCORE)}分。")
    extra = sum(g.values()) - h["n_projects"]
    head = "等级" if extra <= 0 else f"等级（{h['n_projects']}个项目表，另含汇总表所列{extra}个项目）"
    txt += f"{head}：优{g['优']}个、良{g['良']}个、中{g['中']}个、差{g['差']}个"
    if h.get("n_grade_calc"):
        txt += f"，其中{h['n_grade_calc']}个项目未填等级，按得分计算"
    txt += f"。检查发现问题{h['n_findings']}条，其中错误{h['n_errors']}条。"
    if h.get("n_anomalies"):
        txt += f"{h['n_anomalies']}个项目数值异常（超出合理范围），未计入以上统计，见红旗清单。"
    return txt


def takeaways(vw: Views, bands=None, low_execution: float = 90.0, high_score: float = 90.0) -> dict[str, str]:
    """One Chinese sentence per briefing chart (keys = chart keys); implausible figures named, not counted."""
    vw = as_views(vw, bands, low_execution, high_score)
    v_all, v, cs = vw.projects, vw.plausible, vw.county_summary
    low, high = vw.low_execution, vw.high_score

    def odd(col: str, what: str) -> str:
        n = int((~v_all[col]).sum())
        return f"另有{n}个项目{what}数值异常（超出合理范围），未计入。" if n else ""

    out: dict[str, str] = {}
    rated = cs[cs["median_rate"].notna()]
    n_low = int((v["rate"] < low).sum())
    if len(rated):
        worst = rated.sort_values("median_rate").iloc[0]
        out["execution_rate_by_county"] = (
            f"{int(v['rate'].notna().sum())}个项目中{n_low}个执行率低于{low:g}%；"
            f"执行率中位数最低的是{worst['county_label']}（{worst['median_rate']:.1f}%）。")
    else:
        out["execution_rate_by_county"] = "所选范围内没有可比较的执行率数据。"
    out["execution_rate_by_county"] += odd("rate_ok", "执行率")

    sc = v["score"].dropna()
    if len(sc):
        top = vw.bands[0]
        n_top = int((sc >= top[1]).sum())
        lowest = v.loc[v["score"].idxmin()]
        out["score_distribution"] = (
            f"{len(sc)}个项目中{n_top}个（{n_top / len(sc) * 100:.0f}%）自评得分在{top[1]:g}分及以上；"
            f"最低{lowest['score']:g}分（{lowest['county_label']}）。")
    else:
        out["score_distribution"] = "所选范围内没有自评得分数据。"
    out["score_distribution"] += odd("score_ok", "自评得分")

    gc = vw.grade_counts
    tot = {k: int(gc[k].sum()) for k in GRADES}
    if gc["total"].sum():
        s = f"共{int(gc['total'].sum())}个项目：优{tot['优']}、良{tot['良']}、中{tot['中']}、差{tot['差']}"
        bad = gc[(gc["中"] + gc["差"]) > 0]
        if len(bad):
            w = bad.assign(k=bad["中"] + bad["差"]).sort_values("k", ascending=False).iloc[0]
            s += f"；中、差等级最多的是{w['county_label']}（{int(w['k'])}个）"
        n_calc = int((v["grade_source"] != "stated").sum())
        if n_calc:
            s += f"；{n_calc}个项目未填等级，按得分计算"
        out["grade_counts_by_county"] = s + "。"
    else:
        out["grade_counts_by_county"] = "所选范围内没有等级数据。"

    hl = v[(v["score"] >= high) & (v["rate"] < low)]
    if len(hl):
        c = hl["county_label"].value_counts()
        out["execution_vs_score"] = (
            f"{len(hl)}个项目自评{high:g}分以上但执行率低于{low:g}%（高分低执行），"
            f"{c.index[0]}最多（{int(c.iloc[0])}个）。")
    else:
        out["execution_vs_score"] = f"没有自评{high:g}分以上而执行率低于{low:g}%的项目。"

    fv = vw.findings
    if len(fv):
        titles = rule_titles(fv)
        err = fv[fv["severity"] == "error"]
        r = fv["rule"].value_counts()
        c = fv["county_label"].dropna().value_counts()
        s = (f"共{len(fv)}条问题（错误{len(err)}条）；最多的是“{rule_title(r.index[0], titles)}”"
             f"（{int(r.iloc[0])}条）")
        if len(c):
            s += f"，{c.index[0]}最多（{int(c.iloc[0])}条）"
        out["findings_by_rule_county"] = s + "。"
    else:
        out["findings_by_rule_county"] = vw.check_verdict + "。"

    h = vw.headline
    money = cs[cs["execution_rate"].notna()]
    if len(money):
        w = money.sort_values("execution_rate").iloc[0]
        out["budget_vs_execution"] = (
            f"预算合计{h['budget']:,.2f}万元，执行{h['executed']:,.2f}万元，总体执行率{h['execution_rate']:.1f}%；"
            f"最低的是{w['county_label']}（{w['execution_rate']:.1f}%）。")
    else:
        out["budget_vs_execution"] = "所选范围内没有预算与执行金额数据。"
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
    "summary_projects": "汇总表已评项目数", "summary_avg_score": "汇总表平均得分",
    "n_anomalies": "数值异常项目数",
}


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
    """The headline figures as a one-column table (数值), each by its unit's rule."""
    g = h["grades"]
    rows = {
        "县区数": fmt(h["n_counties"], COUNT), "报告数": fmt(h["n_reports"], COUNT),
        "项目数": fmt(h["n_projects"], COUNT),
        "预算合计（万元）": fmt(h["budget"], MONEY), "执行合计（万元）": fmt(h["executed"], MONEY),
        "总体执行率（%）": fmt(h["execution_rate"], RATE), "执行率中位数（%）": fmt(h["median_rate"], RATE),
        f"执行率低于{low_execution:g}%的项目": fmt(h["n_low_rate"], COUNT),
        "高分低执行项目": fmt(h["n_high_low"], COUNT),
        "平均自评得分": fmt(h["mean_score"], SCORE), "优/良/中/差": f"{g['优']}/{g['良']}/{g['中']}/{g['差']}",
        "检查发现（错误）": f"{fmt(h['n_findings'], COUNT)}（{fmt(h['n_errors'], COUNT)}）",
        "数值异常项目（未计入统计）": fmt(h.get("n_anomalies"), COUNT),
    }
    return pd.DataFrame({"数值": rows})
