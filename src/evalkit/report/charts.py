"""The chart registry (`CHARTS`): one function per chart, each drawing a run's `Views` as a
16:9 matplotlib Figure; `show` draws, saves (PNG >= 200 dpi + SVG, recorded with title and
takeaway in `charts.json`, which the deck reads) and displays a chart in a notebook.

Chinese labels need a CJK font: every chart function calls `evalkit.fonts.setup_cjk_font()`.

Document text is data: every label that can hold text from a document goes through `_mt`
(control characters dropped, `$` escaped, so mathtext never reads `$\\x$` in a project name).
Absurd figures (outside `views.plausible_ranges()`) never set an axis: they are drawn at the
edge with a marker and 超出范围, and named in the note; nothing is sized by a value.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from evalkit.report import views as V
from evalkit.report.text import clean_text, html_block
from evalkit.report.views import Views, as_views
from evalkit.fonts import setup_cjk_font

__all__ = [
    "FIGSIZE", "DPI", "TITLES", "execution_rate_by_county", "score_distribution",
    "grade_counts_by_county", "execution_vs_score", "findings_by_rule_county",
    "budget_vs_execution", "execution_rate_by_project", "trend_by_year", "save_chart", "read_manifest",
    "BRIEFING_KEYS", "publish", "rule_label", "CHARTS", "Chart", "draw", "show",
]

FIGSIZE = (12.0, 6.75)   # inches, 16:9
DPI = 200                # PNG resolution: 2400 x 1350 px
MANIFEST = "charts.json"
COUNTY_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"]
LOW_COLOR, OK_COLOR = "#c62828", "#1f5f99"
STACK_COLOR = "#546e7a"  # several counties' projects on one spot of a scatter
ODD_COLOR = "#6a1b9a"    # values outside the plausible range, drawn at the chart's edge
MAX_COUNTIES = 20        # the heat map shows at most this many counties (the most findings)
UNPLACED = "（未定位）"      # the label of findings and projects placed in no county
MANY = 30                # more counties than this: the TOP_N and BOTTOM_N by the value shown, the rest summarised
TOP_N, BOTTOM_N = 12, 8
POOLED_COLOR, POOLED_Z = "#e0e0e0", 2.5   # the box of the counties not shown one by one, drawn over its points
REST_CELL = "#ececec"      # the heat map's column of the counties not shown one by one (outside the colour scale)
ZOOM_SHARE = 0.85        # the score axis starts at the grade band holding this share of the scores
DOMINANT = 5.0           # a county this many times the next one gets its own panel (own scale)
MAX_LEGEND = 10          # colour by county only up to this many counties

TITLES = {
    "execution_rate_by_county": "各县区项目预算执行率",
    "score_distribution": "项目自评得分分布",
    "grade_counts_by_county": "各县区自评等级分布（优/良/中/差）",
    "execution_vs_score": "执行率与自评得分：高分低执行",
    "findings_by_rule_county": "检查发现：按规则与县区",
    "budget_vs_execution": "各县区预算与执行金额",
    "execution_rate_by_project": "项目预算执行率",
    "trend_by_year": "历年趋势：执行率、平均得分与等级",
}
BRIEFING_KEYS = ("budget_vs_execution", "execution_rate_by_county", "score_distribution",
                 "grade_counts_by_county", "execution_vs_score", "findings_by_rule_county")


# --------------------------------------------------------------------------- helpers

def _mt(text, legend: bool = False) -> str:
    """Text for a matplotlib label, drawn literally: control characters dropped, `$` escaped
    (so an even number of dollars never switches to mathtext); for a legend label, a leading
    underscore (which matplotlib would hide) is kept visible."""
    s = clean_text(text).replace("$", r"\$")
    return " " + s if legend and s.startswith("_") else s


def _fig(title: str | None, **kw) -> tuple[Figure, plt.Axes]:
    setup_cjk_font()
    fig = plt.figure(figsize=FIGSIZE, layout="constrained", **kw)
    ax = fig.add_subplot()
    if title:
        fig.suptitle(_mt(title), fontsize=18, fontweight="bold", x=0.01, ha="left")
    return fig, ax


def _split_range(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(in range, below, above) masks of `values` against `views.plausible_ranges()[kind]`."""
    lo, hi = V.plausible_ranges()[kind]
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    below, above = (x < lo).fillna(False), (x > hi).fillna(False)
    return (~below & ~above & x.notna()), below, above


def _odd_note(n: int, what: str, kind: str) -> str:
    if not n:
        return ""
    return (f"{n}个项目{what}超出合理范围（{V.range_text(kind)}，数值异常），"
            f"以紫色标记画在图边，未计入统计。")


def _edge_marks(ax, xs, values, side: str, unit: str, axis: str = "y", max_labels: int = 6) -> None:
    """Out-of-range values drawn at the edge of `ax` (`side` 'low'/'high' of the value axis)
    with a marker and `超出范围 <value><unit>`: the value axis keeps its plausible scale."""
    xs, values = np.asarray(xs, dtype=float), np.asarray(values, dtype=float)
    if not len(values):
        return
    lim = ax.get_ylim() if axis == "y" else ax.get_xlim()
    edge = lim[1] if side == "high" else lim[0]
    pos = np.full(len(values), edge)
    if axis == "y":
        marker = "^" if side == "high" else "v"
        ax.scatter(xs, pos, marker=marker, s=80, color=ODD_COLOR, zorder=5, clip_on=False)
    else:
        marker = ">" if side == "high" else "<"
        ax.scatter(pos, xs, marker=marker, s=80, color=ODD_COLOR, zorder=5, clip_on=False)
    for i, (x, val) in enumerate(zip(xs, values)):
        if i >= max_labels:
            break
        label = f"超出范围 {V.num(val)}{unit}"
        if axis == "y":
            xy, off = (x, edge), (7, -10) if side == "high" else (22, 6)
            va = "top" if side == "high" else "bottom"
            ha = "left"
        else:
            xy, off = (edge, x), (-8 if side == "high" else 8, 6)
            va, ha = "bottom", ("right" if side == "high" else "left")
        ax.annotate(label, xy, xytext=off, textcoords="offset points", fontsize=10,
                    color=ODD_COLOR, fontweight="bold", ha=ha, va=va, annotation_clip=False,
                    zorder=6)


def _empty(ax, message: str, vw: Views | None = None) -> None:
    """A chart with nothing to draw says so (and names counties that have no project tables)."""
    if vw is not None:
        without = [c for c in vw.counties if c not in set(vw.projects["county_label"])]
        if without:
            names = "、".join(without[:6]) + ("等" if len(without) > 6 else "")
            message += f"\n（{names}没有项目自评表，只有报告或汇总数）"
    ax.text(0.5, 0.5, _mt(message), ha="center", va="center", fontsize=20, color="#666666",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)


def _pct(ax, axis="y"):
    f = FuncFormatter(lambda v, _: f"{v:g}%")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


_CODE_PREFIX = re.compile(r"^\d{6,}[A-Z]\d+-")     # a project's system code before its name: 51172322T000007299749-名称


def _short(text, n: int = 18) -> str:
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    text = _CODE_PREFIX.sub("", text)
    return text if len(text) <= n else text[: n - 1] + "…"


# a project named after the notice that allotted its funds: 关于（提前）下达2019年中央财政退役士兵安置补助资金（预算）的通知
# 鲁财社〔2019〕72号 is, on a chart, the funds it names (中央财政退役士兵安置补助资金) and, where two read alike, its 文号
_NOTICE = re.compile(r"^关于(?:提前)?(?:下达|拨付|分配|预拨|清算)(?:\d{4}年度?)?(?P<core>.+?)(?:预算)?(?:指标)?的?"
                     r"(?:补充)?通知(?P<no>.*)$")
_DOC_NUMBER = re.compile(r"(\d+)号\s*$")


def project_labels(names, years=None, n: int = 18) -> list[str]:
    """Chart labels of projects, short and telling apart: a fund notice's title as the funds it names (its 文号's
    number added where two would read alike) cut to `n` characters, then the year when `years` is given (projects
    of several years: a project once a year)."""
    names = ["" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x) for x in names]
    cores, numbers = [], []
    for name in names:
        name = _CODE_PREFIX.sub("", name)
        m = _NOTICE.match(name)
        no = _DOC_NUMBER.search(m.group("no")) if m else None
        cores.append(m.group("core") if m and m.group("core") else name)
        numbers.append(no.group(1) + "号" if no else "")
    alike: dict[str, set] = {}
    for core, name in zip(cores, names):
        alike.setdefault(core, set()).add(name)
    out = []
    for k, (core, no) in enumerate(zip(cores, numbers)):
        tail = f"·{no}" if no and len(alike[core]) > 1 else ""
        label = (core if len(core) + len(tail) <= n else core[: max(1, n - len(tail) - 1)] + "…") + tail
        year = years[k] if years is not None else None
        out.append(label + (f"（{int(year)}）" if year is not None and not pd.isna(year) else ""))
    return out


def _years_if_several(whole: pd.DataFrame, rows: pd.DataFrame):
    """`rows`' fiscal years when `whole` (the chart's projects) spans several, else None (no year on labels)."""
    return list(rows["fiscal_year"]) if V.several_years(whole) else None


def _style(ax):
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.tick_params(labelsize=12)


# a run of figures or Latin letters breaks nowhere (每0.25分 not 每0.2 | 5分); closing punctuation never starts a
# line and opening punctuation never ends one (the Chinese line-breaking rules)
_UNBREAKABLE = re.compile(r"[0-9A-Za-z.%+\-/_:≥≤<>=]+|.", re.S)
_NO_START, _NO_END = set("，。、；：？！）》」』】”’%…·"), set("（《「『【“‘")


def _wrap_units(text: str) -> list[str]:
    """`text` cut where a line may break: figures and Latin words whole, punctuation kept with its neighbour."""
    units: list[str] = []
    glue = False
    for tok in _UNBREAKABLE.findall(text):
        if units and (glue or tok[0] in _NO_START):
            units[-1] += tok
        else:
            units.append(tok)
        glue = tok[-1] in _NO_END
    return units


def _wrap(text: str, width: float = 76.0, max_lines: int = 3) -> list[str]:
    """Lines of at most `width` units (a CJK character 1, other characters ~0.55), broken between characters, never
    inside a figure or before a closing mark."""
    lines, cur, w = [], "", 0.0
    for unit in _wrap_units(text):
        if unit == "\n":
            lines.append(cur)
            cur, w = "", 0.0
            continue
        uw = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in unit)
        if cur and w + uw > width:
            lines.append(cur)
            cur, w = unit, uw
        else:
            cur, w = cur + unit, w + uw
    lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def _note(fig, text: str) -> None:
    if text:
        lines = _wrap(clean_text(text).replace("\n", " "))
        # keep a strip at the bottom free for the note: constrained layout fits the axes above
        h = 0.012 + 0.034 * len(lines)
        fig.get_layout_engine().set(rect=(0, h, 1, 1 - h))
        fig.text(0.01, 0.012, _mt("\n".join(lines)), fontsize=10.5, color="#555555", ha="left",
                 va="bottom", linespacing=1.3)


def _county_colors(labels) -> dict[str, str]:
    return {lab: COUNTY_COLORS[i % len(COUNTY_COLORS)] for i, lab in enumerate(labels)}


def _label_points(ax, xs, ys, texts, **kw):
    fig = ax.figure
    fig.canvas.draw()
    trans = ax.transData
    scale = fig.dpi / 72.0
    # the counts already written on shared spots (centred there) are avoided as the numbers placed before
    placed = [(px - 7 * scale, py - 6 * scale) for px, py in
              (trans.transform(t.get_position()) for t in ax.texts if t.get_transform() == trans)]
    offsets = [(8, 8), (8, -20), (-22, 8), (-22, -20), (10, 26), (-26, 26), (10, -36),
               (-26, -36), (28, 0), (-40, 0), (28, 40), (-40, 40), (28, -48), (-40, -48)]
    color = kw.get("color", "#b71c1c")
    for x, y, text in zip(xs, ys, texts):
        px, py = trans.transform((x, y))
        chosen = offsets[-1]
        for dx, dy in offsets:
            lx, ly = px + dx * scale, py + dy * scale
            if all(abs(lx - qx) > 20 * scale or abs(ly - qy) > 15 * scale for qx, qy in placed):
                chosen = (dx, dy)
                break
        placed.append((px + chosen[0] * scale, py + chosen[1] * scale))
        far = abs(chosen[0]) > 10 or abs(chosen[1]) > 10
        ax.annotate(_mt(text), (x, y), xytext=chosen, textcoords="offset points",
                    fontsize=kw.get("fontsize", 11), color=color, fontweight="bold",
                    ha="left", va="bottom",
                    arrowprops=dict(arrowstyle="-", color=color, lw=0.8, shrinkA=0, shrinkB=3)
                    if far else None)


def _absent(vw: Views, present, what: str) -> str:
    """`<县区>无项目执行率数据，未列出。` for counties in the data that a chart cannot show."""
    missing = [c for c in vw.counties if c not in set(present)]
    if not missing:
        return ""
    names = "、".join(missing[:6]) + ("等" if len(missing) > 6 else "")
    return f"{names}无{what}，未列出。"


def _county_ticks(labels, counts=None) -> list[str]:
    """Tick labels `县名\n(n=4)`; with many counties (rotated ticks) one line `县名（4）`."""
    many = len(labels) > 8
    out = []
    for i, lab in enumerate(labels):
        t = lab if not many or len(lab) <= 8 else _short(lab, 8)
        if counts is not None:
            t += f"（{counts[i]}）" if many else f"\n(n={counts[i]})"
        out.append(_mt(t))
    return out


def _rotate_if_many(ax, n: int) -> None:
    if n > 8:
        for lab in ax.get_xticklabels():
            lab.set_rotation(40)
            lab.set_ha("right")


# --------------------------------------------------------------------------- charts

def _city_of(vw: Views) -> pd.DataFrame:
    """county_label -> city name and city code (the division code's first 4 digits, else the name)."""
    p = vw.places
    code = p["county_key"].astype(str).where(p["county_key"].astype(str).str.fullmatch(r"\d{6,}"), None)
    city = p["city"].fillna("（市未知）")
    return pd.DataFrame({"city": city.to_numpy(), "city_key": code.str[:4].fillna(city).to_numpy()},
                        index=p["county_label"].to_numpy())


def execution_rate_by_county(vw: Views, *, reference: tuple[float, float] | None = None,
                             by: str = "value",
                             title: str | None = TITLES["execution_rate_by_county"]) -> Figure:
    """Box plot of project execution rates per county with every project as a point;
    dashed reference lines at 90 % and 100 %. Points under the lower line are red. Counties are
    sorted by median rate, lowest first (`by="value"`), or grouped by city (`by="city"`). With
    more than `MANY` counties: the `TOP_N` lowest and `BOTTOM_N` highest medians with the rest
    pooled in one grey box, or (by city) one box per city. Rates outside the plausible range are
    marked at the top or bottom edge (超出范围), not in the boxes."""
    vw = as_views(vw)
    reference = reference or (vw.low_execution, 100.0)
    fig, ax = _fig(title)
    v = vw.projects
    v = v[v["rate"].notna()]
    if v.empty:
        _empty(ax, "没有执行率数据", vw)
        return fig
    present = [c for c in vw.counties if c in set(v["county_label"])]
    if not present:                     # every project with a rate is placed in no county (a city unit's forms)
        _empty(ax, "有执行率的项目都未能确定所属县区，无法按县区比较", vw)
        return fig
    med = v[v["rate_ok"]].groupby("county_label")["rate"].median().reindex(present)
    cut, pooled, groups = "", None, []
    if by == "city":
        cities = _city_of(vw).reindex(present)
        if len(present) > MANY:  # one box per city
            lab = dict(zip(cities["city_key"], cities["city"]))
            v = v.assign(county_label=v["county_label"].map(cities["city_key"]).map(lab))
            cmed = v[v["rate_ok"]].groupby("county_label")["rate"].median()
            order = list(cmed.sort_values(kind="stable").index) + [c for c in set(lab.values()) if c not in cmed.index]
            cut = f"共{len(present)}个县区，按市合并为{len(order)}组（每箱一个市的全部项目），按执行率中位数从低到高。"
        else:
            key = pd.DataFrame({"city": cities["city_key"], "med": med})
            order = list(key.sort_values(["city", "med"], kind="stable", na_position="last").index)
            groups = [(k, list(g.index)) for k, g in key.loc[order].groupby("city", sort=False)]
            names = dict(zip(cities["city_key"], cities["city"]))
            groups = [(names[k], members) for k, members in groups]
    else:
        head, rest, tail = _rank_cut(med, ascending=True)
        order = head + tail
        if rest:
            pooled = f"其余{len(rest)}个县区"
            v = v.assign(county_label=v["county_label"].where(~v["county_label"].isin(rest), pooled))
            order = head + [pooled] + tail
            cut = (f"共{len(present)}个县区，按执行率中位数从低到高，列出最低的{len(head)}个和最高的"
                   f"{len(tail)}个，中间灰色箱为其余{len(rest)}个县区的全部项目。")
    ok, below, above = _split_range(v["rate"], "rate")
    odd, odd_high = v[below | above], v[above]
    v = v[ok]
    data = [v.loc[v["county_label"] == c, "rate"].to_numpy() for c in order]
    pos = np.arange(1, len(order) + 1)
    drawn = ax.boxplot(data, positions=pos, widths=0.5, showfliers=False, patch_artist=True,
                       boxprops=dict(facecolor="#e3ecf5", edgecolor="#5b7fa6"),
                       medianprops=dict(color="#1f3b5b", lw=2), whiskerprops=dict(color="#5b7fa6"),
                       capprops=dict(color="#5b7fa6"))
    if pooled:          # grey, and over its hundreds of points: its quartiles, whiskers and median stay visible
        k = order.index(pooled)
        drawn["boxes"][k].set_facecolor(POOLED_COLOR)
        for artist in [drawn["boxes"][k], *drawn["whiskers"][2 * k:2 * k + 2], *drawn["caps"][2 * k:2 * k + 2]]:
            artist.set_zorder(POOLED_Z + 0.1)
        drawn["medians"][k].set_zorder(POOLED_Z + 0.2)
    for i, (city, members) in enumerate(groups):  # grouped by city: a line between cities, the name above
        first = order.index(members[0]) + 1
        if i:
            ax.axvline(first - 0.5, color="#9e9e9e", lw=1.0, ls="-", zorder=1)
        ax.text(first - 0.4, 1.0, _mt(city), transform=ax.get_xaxis_transform(), ha="left", va="bottom",
                fontsize=10, color="#555555")
    rng = np.random.default_rng(0)
    low = reference[0]
    for p, c in zip(pos, order):
        g = v[v["county_label"] == c]
        jit = rng.uniform(-0.14, 0.14, len(g)) if len(g) > 1 else np.zeros(1)
        colors = np.where(g["rate"] < low, LOW_COLOR, OK_COLOR)
        filled = (g["rate_source"] != "initial_calc").to_numpy()
        # the pooled counties' points: small and under their box (hundreds of points hid its median and quartiles)
        size, z = (14, POOLED_Z) if c == pooled else (46, 3)
        ax.scatter((p + jit)[filled], g["rate"].to_numpy()[filled], c=colors[filled], s=size,
                   zorder=z, edgecolor="white", linewidth=0.6 if c != pooled else 0.3)
        if (~filled).any():
            ax.scatter((p + jit)[~filled], g["rate"].to_numpy()[~filled], facecolor="none",
                       edgecolor=colors[~filled], s=size + 6, lw=1.6 if c != pooled else 0.8, zorder=z)
    styles = [("--", "#e65100"), (":", "#2e7d32")]
    for (ls, col), ref in zip(styles, reference):
        ax.axhline(ref, ls=ls, color=col, lw=1.4, zorder=1)
        ax.text(1.0, ref, f" {ref:g}%", transform=ax.get_yaxis_transform(), va="center",
                ha="left", color=col, fontsize=12, fontweight="bold")
    counts = [len(d) + int((odd["county_label"] == c).sum()) for c, d in zip(order, data)]
    ax.set_xticks(pos, _county_ticks(order, counts))
    pad = max(0.0, (4 - len(order)) / 2)
    ax.set_xlim(0.4 - pad, len(order) + 0.6 + pad)
    _rotate_if_many(ax, len(order))
    lo = min(0.0, float(v["rate"].min()) - 5) if len(v) else 0.0
    hi = max(110.0, float(v["rate"].max()) + 5) if len(v) else 110.0
    if len(odd) > len(odd_high):
        lo = min(lo, -5.0)
    ax.set_ylim(lo, hi)
    where = {c: p for p, c in zip(pos, order)}
    odd_low = odd.drop(index=odd_high.index)
    for side, part in (("high", odd_high), ("low", odd_low)):
        _edge_marks(ax, [where[c] for c in part["county_label"]], part["rate"], side, "%")
    _pct(ax)
    ax.set_ylabel("预算执行率（%）", fontsize=13)
    ax.grid(axis="y", alpha=0.3)
    _style(ax)
    notes = [cut, f"每个点是一个项目；红点：执行率低于{low:g}%。执行率按“执行数/调整后预算”计算，缺预算时用填报值。"]
    if (v["rate_source"] == "initial_calc").any():
        notes.append("空心点：无调整后预算，按年初预算计算。")
    notes.append(_odd_note(len(odd), "执行率", "rate"))
    if not cut:
        notes.append(_absent(vw, order, "项目执行率数据"))
    _note(fig, "".join(notes))
    return fig


def _zoom_start(scores: np.ndarray, bands, share: float = ZOOM_SHARE) -> float:
    """The highest grade-band lower bound with at least `share` of `scores` at or above it (0 when
    none): the score axis starts there, so scores crowded near 100 get room."""
    if not len(scores):
        return 0.0
    for _, lo in sorted(V.normalize_bands(bands), key=lambda b: -b[1]):
        if lo > 0 and (scores >= lo).mean() >= share:
            return float(lo)
    return 0.0


def _bin_width(span: float) -> float:
    for w in (0.25, 0.5, 1.0, 2.0, 2.5, 5.0):
        if span / w <= 40:
            return w
    return float(np.ceil(span / 80))


def _placed_or_not(v: pd.DataFrame, vw: Views) -> tuple[pd.DataFrame, list[str]]:
    """Projects with the projects placed in no county labelled （未定位）, and the counties in the run's order with that
    label last: a project-level chart shows every project (a city unit's forms have no county)."""
    v = v.assign(county_label=v["county_label"].fillna(UNPLACED))
    present = set(v["county_label"])
    return v, [c for c in vw.counties if c in present] + ([UNPLACED] if UNPLACED in present else [])


def score_distribution(vw: Views, *, title: str | None = TITLES["score_distribution"]) -> Figure:
    """Histogram of project self-scores stacked by county, with the grade bands shaded. The axis
    is zoomed to the data: it starts at the grade band holding most scores (`_zoom_start`), and
    the scores below it are one bar at the left, split by grade and counted. Scores outside the
    plausible range are marked at the left or right edge (超出范围)."""
    vw = as_views(vw)
    bands = vw.bands
    fig, ax = _fig(title)
    v = vw.projects
    v = v[v["score"].notna()]
    if v.empty:
        _empty(ax, "没有自评得分数据", vw)
        return fig
    v, order = _placed_or_not(v, vw)
    ok, below, above = _split_range(v["score"], "score")
    odd_high, odd_low = v[above], v[below]
    v = v[ok]
    top = max(100.0, float(np.ceil(v["score"].max() / 5) * 5)) if len(v) else 100.0
    z0 = _zoom_start(v["score"].to_numpy(dtype=float), bands)
    width = _bin_width(top - z0) if top <= 200 else float(np.ceil(top / 80))
    low, v = v[v["score"] < z0], v[v["score"] >= z0]
    pool_w = 3 * width
    x0 = z0 - 1.7 * pool_w if len(low) else z0
    for g, lo, hi in V.band_edges(bands, top=top):
        lo, hi = max(lo, z0), min(hi, top)
        if hi <= lo:
            continue
        ax.axvspan(lo, hi, color=V.GRADE_COLORS[g], alpha=0.10, lw=0, zorder=0)
        ax.text((lo + hi) / 2, 0.985, f"{g}", transform=ax.get_xaxis_transform(), ha="center",
                va="top", fontsize=16, fontweight="bold", color=V.GRADE_COLORS[g], zorder=4)
        if lo > z0:
            ax.axvline(lo, color=V.GRADE_COLORS[g], lw=1, alpha=0.6, zorder=1)
    colors = _county_colors(order)
    bins = np.arange(z0, top + width, width)
    by_county = len(order) <= MAX_LEGEND
    if by_county:
        ax.hist([v.loc[v["county_label"] == c, "score"].to_numpy() for c in order], bins=bins,
                stacked=True, label=[_mt(c, legend=True) for c in order],
                color=[colors[c] for c in order], edgecolor="white",
                lw=0.6, zorder=2)
    else:
        ax.hist(v["score"].to_numpy(), bins=bins, color=OK_COLOR, edgecolor="white", lw=0.6, zorder=2)
    if len(low):  # the scores left of the zoom: one bar, stacked by grade, counted
        bottom = 0
        parts = []
        for g in V.GRADES:
            n = int((low["grade_eff"] == g).sum())
            if n:
                ax.bar(z0 - 1.4 * pool_w, n, width=pool_w, bottom=bottom, align="edge", color=V.GRADE_COLORS[g],
                       alpha=0.55, edgecolor="white", hatch="//", zorder=2)
                bottom += n
                parts.append(f"{g}{n}")
        rest = len(low) - bottom
        if rest:
            ax.bar(z0 - 1.4 * pool_w, rest, width=pool_w, bottom=bottom, align="edge", color="#999999",
                   alpha=0.55, edgecolor="white", hatch="//", zorder=2)
        ax.text(z0 - 0.9 * pool_w, len(low), f"{len(low)}", ha="center", va="bottom", fontsize=12, zorder=4)
        ax.axvline(z0, color="#333333", lw=1.0, ls=(0, (4, 3)), zorder=3)
    ax.set_xlim(x0, top)
    if len(low):
        ticks = [t for t in MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]).tick_values(z0, top) if z0 <= t <= top]
        ax.set_xticks([z0 - 0.9 * pool_w, *ticks], [f"<{z0:g}", *[f"{t:g}" for t in ticks]])
    ax.set_xlabel("自评得分（分）", fontsize=13)
    ax.set_ylabel("项目数", fontsize=13)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, ax.get_ylim()[1] * 1.1)  # head room for the band letters
    y_top = ax.get_ylim()[1]
    for side, part in (("high", odd_high), ("low", odd_low)):
        ys = [y_top * (0.55 - 0.09 * (i % 5)) for i in range(len(part))]
        _edge_marks(ax, ys, part["score"], side, "分", axis="x")
    ax.grid(axis="y", alpha=0.3)
    if by_county:
        ax.legend(title="县区", loc="upper left", bbox_to_anchor=(0.0 if not len(low) else 0.12, 1.0),
                  fontsize=11, title_fontsize=11, frameon=False)
    _style(ax)
    zoom = ""
    if z0 > 0:
        zoom = f"横轴从{z0:g}分起（{len(v)}个项目在此区间）"
        zoom += (f"，低于{z0:g}分的{len(low)}个项目合为左侧斜线一栏（{'、'.join(parts) or '无等级'}）。"
                 if len(low) else "。")
    _note(fig, zoom + f"等级区间：{V.bands_text(bands)}（分）。每{width:g}分一组。"
               + ("" if by_county else f"共{len(order)}个县区，合并显示。")
               + _odd_note(len(odd_high) + len(odd_low), "自评得分", "score")
               + _absent(vw, order, "项目得分数据"))
    return fig


def grade_counts_by_county(vw: Views, *, title: str | None = TITLES["grade_counts_by_county"]) -> Figure:
    """Stacked bars of project-level 优/良/中/差 counts per county, most projects first (beyond
    `MANY` counties the `TOP_N` most and `BOTTOM_N` fewest, the rest summed in the note). Missing
    grades use grade_calc (from the score); statements' counts (汇总表, 决算) are never added, a note names them."""
    vw = as_views(vw)
    bands = vw.bands
    fig, ax = _fig(title)
    gc = vw.grade_counts
    gc = gc[gc["total"] > 0]
    if gc.empty:
        _empty(ax, "没有等级数据")
        return fig
    cut = ""
    gc = gc.set_index("county_label", drop=False)
    head, rest, tail = _rank_cut(gc["total"], ascending=False)
    if rest:  # the most and the fewest projects; the rest summed in the note
        r = gc.loc[rest]
        mix = "、".join(f"{g}{int(r[g].sum())}" for g in V.GRADES)
        cut = (f"共{len(gc)}个县区，按项目数从多到少，列出最多的{len(head)}个和最少的{len(tail)}个；"
               f"其余{len(rest)}个县区合计{int(r['total'].sum())}个（{mix}）。")
    gc = gc.loc[head + tail].reset_index(drop=True)
    x = np.arange(len(gc))
    bottom = np.zeros(len(gc))
    tot = gc["total"].to_numpy()
    for g in V.GRADES:
        vals = gc[g].to_numpy()
        bars = ax.bar(x, vals, bottom=bottom, color=V.GRADE_COLORS[g], label=g, width=0.6,
                      edgecolor="white", lw=0.8)
        for rect, val, b in zip(bars, vals, bottom):
            if val and val >= 0.06 * tot.max():
                ax.text(rect.get_x() + rect.get_width() / 2, b + val / 2, f"{int(val)}",
                        ha="center", va="center", color="white", fontsize=12, fontweight="bold")
        bottom = bottom + vals
    for xi, total in zip(x, tot):
        ax.text(xi, total, f"{int(total)}", ha="center", va="bottom", fontsize=12)
    ax.set_xticks(x, _county_ticks(list(gc["county_label"])))
    _rotate_if_many(ax, len(gc))
    pad = max(0.0, (4 - len(gc)) / 2)  # a single county should not fill the whole width
    ax.set_xlim(-0.6 - pad, len(gc) - 0.4 + pad)
    ax.set_ylim(0, tot.max() * 1.12)
    ax.set_ylabel("项目数", fontsize=13)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="等级", loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=12,
              title_fontsize=12, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    _style(ax)
    v = vw.projects
    notes = [cut] if cut else []
    n_calc = int((v["grade_source"] != "stated").sum())
    if n_calc:
        notes.append(f"{n_calc}个项目未填写等级，按自评得分和等级区间（{V.bands_text(bands)}）计算。")
    st = vw.statement_counts
    st = st[st["statement_only"].astype(bool)]
    if len(st):   # statement counts are not project counts: named, not stacked
        notes.append("、".join(f"{r.county_label}（{int(r.total)}个）" for r in st.itertuples())
                     + "只有汇总表或决算说明所列等级个数，未计入本图。")
    _note(fig, "".join(notes))
    return fig


MAX_STACK_LABELS = 25   # counts written on at most this many shared spots per panel
DENSE_POINTS = 400      # more projects than this: the overview draws their density (squares), not one mark each
CELL_STEP = 2.5         # the density's squares, in percent and points: 100% and 100分 fall in one square's centre


def _coincident(v: pd.DataFrame, digits: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(projects alone on their spot, one row per spot shared by several: rate, score, n, counties,
    county): points that would hide each other are drawn once, with their count."""
    key = [v["rate"].round(digits), v["score"].round(digits)]
    n = v.groupby(key)["rate"].transform("size")
    many = v[n > 1]
    stacks = (many.groupby([many["rate"].round(digits), many["score"].round(digits)])
              .agg(n=("county_label", "size"), counties=("county_label", "nunique"), county=("county_label", "first"))
              .reset_index())
    return v[n == 1], stacks


def _apart(a, spots: pd.DataFrame, fontsize: float) -> pd.DataFrame:
    """The spots whose counts can be written without covering another's: the largest first, a spot skipped where its
    label would overlap one already kept (a row of shared spots 0.1 apart wrote its counts over each other)."""
    fig = a.figure
    box = a.get_position()
    w_in, h_in = box.width * fig.get_figwidth(), box.height * fig.get_figheight()
    (x0, x1), (y0, y1) = a.get_xlim(), a.get_ylim()
    kept: list[tuple[float, float, float]] = []
    rows = []
    for r in spots.sort_values("n", ascending=False, kind="stable").itertuples():
        half_w = (len(str(r.n)) * 0.62 + 0.4) * fontsize / 72 / 2 / w_in * (x1 - x0)   # half the label, data units
        half_h = 1.3 * fontsize / 72 / 2 / h_in * (y1 - y0)
        if all(abs(r.rate - x) >= half_w + w or abs(r.score - y) >= 2 * half_h for x, y, w in kept):
            kept.append((r.rate, r.score, half_w))
            rows.append(r.Index)
        if len(rows) >= MAX_STACK_LABELS:
            break
    return spots.loc[rows]


def _density(a, v: pd.DataFrame, xlim, ylim):
    """Squares coloured by how many projects fall in each (log scale), one centred on 100% and 100分, where most
    self-evaluations crowd."""
    from matplotlib.colors import ListedColormap, LogNorm
    cmap = ListedColormap(plt.get_cmap("Blues")(np.linspace(0.3, 1.0, 256)))   # one project still shows

    def edges(lo, hi):
        k0, k1 = np.floor((lo - 100.0) / CELL_STEP), np.ceil((hi - 100.0) / CELL_STEP)
        return 100.0 + CELL_STEP * (np.arange(k0, k1 + 1) + 0.5)
    xe, ye = edges(*xlim), edges(*ylim)
    counts, _, _ = np.histogram2d(v["rate"].to_numpy(float), v["score"].to_numpy(float), bins=[xe, ye])
    counts = np.ma.masked_less(counts.T, 1)
    return a.pcolormesh(xe, ye, counts, norm=LogNorm(vmin=1, vmax=max(2.0, float(counts.max()))), cmap=cmap,
                        linewidth=0, zorder=3)


def execution_vs_score(vw: Views, *, max_listed: int = 8,
                       title: str | None = TITLES["execution_vs_score"]) -> Figure:
    """Scatter of execution rate (x) against self-score (y), coloured by county; the
    "high score, low execution" quadrant is shaded and labelled. On the right, a zoom on the
    high-score band numbers the quadrant's projects, listed below it."""
    setup_cjk_font()
    fig = plt.figure(figsize=FIGSIZE, layout="constrained")
    gs = fig.add_gridspec(2, 2, width_ratios=[1.55, 1], height_ratios=[1, 1.05])
    ax = fig.add_subplot(gs[:, 0])
    if title:
        fig.suptitle(_mt(title), fontsize=18, fontweight="bold", x=0.01, ha="left")
    vw = as_views(vw)
    low_execution, high_score = vw.low_execution, vw.high_score
    v = vw.projects
    v = v[v["rate"].notna() & v["score"].notna()]
    if v.empty:
        _empty(ax, "没有同时有执行率和得分的项目", vw)
        return fig
    zoom = fig.add_subplot(gs[0, 1])
    side = fig.add_subplot(gs[1, 1])
    side.axis("off")
    v, order = _placed_or_not(v, vw)
    inside = _split_range(v["rate"], "rate")[0] & _split_range(v["score"], "score")[0]
    odd = v[~inside]
    v = v[inside]
    by_county = len(order) <= MAX_LEGEND
    colors = _county_colors(order) if by_county else {c: OK_COLOR for c in order}
    hl = v[(v["score"] >= high_score) & (v["rate"] < low_execution)].sort_values("rate")
    dense = len(v) > DENSE_POINTS
    cells = None
    single, stacks = _coincident(v)     # the same spots in both panels and the side's lines

    def draw(a, xlim, ylim, size, overview=False):
        nonlocal cells
        a.add_patch(plt.Rectangle((xlim[0], high_score), low_execution - xlim[0], ylim[1] - high_score,
                                  color="#ffcdd2", alpha=0.55, lw=0, zorder=0))
        a.axvline(low_execution, color="#e65100", ls="--", lw=1.2, zorder=3.5)
        a.axhline(high_score, color="#e65100", ls="--", lw=1.2, zorder=3.5)
        a.set_xlim(*xlim)
        a.set_ylim(*ylim)
        if overview and dense:   # a point per project would hide hundreds under each other: their density
            cells = _density(a, v, xlim, ylim)
            _pct(a, "x")
            a.grid(alpha=0.3)
            _style(a)
            return
        if dense:    # the zoom of a dense chart: small marks, spots grown less, so neighbours stay apart
            a.scatter(single["rate"], single["score"], s=size * 0.3, color=OK_COLOR, alpha=0.45, lw=0, zorder=3)
        elif by_county:
            for c in order:
                g = single[single["county_label"] == c]
                a.scatter(g["rate"], g["score"], s=size, color=colors[c], label=_mt(c, legend=True), alpha=0.85,
                          edgecolor="white", lw=0.6, zorder=3)
        else:
            a.scatter(single["rate"], single["score"], s=size * 0.6, color=OK_COLOR, alpha=0.6,
                      edgecolor="white", lw=0.4, zorder=3)
        if len(stacks):  # projects on the same spot: one marker with their count (one collection for all)
            cols = [colors.get(c, OK_COLOR) if k == 1 else STACK_COLOR
                    for c, k in zip(stacks["county"], stacks["counties"])]
            grow = (0.8 + 0.35 * np.sqrt(stacks["n"].to_numpy(float))) if dense else \
                (2.2 + 0.6 * np.sqrt(stacks["n"].to_numpy(float)))
            a.scatter(stacks["rate"], stacks["score"], s=size * grow,
                      color=cols, alpha=0.95, edgecolor="white", lw=0.8, zorder=4)
        shown = stacks[stacks["rate"].between(*xlim) & stacks["score"].between(*ylim)]   # the zoom shows a few
        # counts on the largest spots whose labels stay apart: hundreds of "2"s would cover the points
        fs = 9 if size < 50 else 10
        for r in _apart(a, shown, fs).itertuples():
            a.text(r.rate, r.score, str(r.n), ha="center", va="center", fontsize=fs,
                   color="white", fontweight="bold", zorder=5, clip_on=True)
        _pct(a, "x")
        a.grid(alpha=0.3)
        _style(a)

    if len(v):
        xlim = (min(0.0, float(v["rate"].min()) - 5), max(105.0, float(v["rate"].max()) + 5))
        ylim = (min(0.0, float(v["score"].min()) - 5), max(105.0, float(v["score"].max()) + 5))
    else:
        xlim, ylim = (0.0, 105.0), (0.0, 105.0)
    if len(odd):  # room at the low edges for values below the range
        xlim = (min(xlim[0], -5.0), xlim[1]) if (odd["rate"] < 0).any() else xlim
        ylim = (min(ylim[0], -5.0), ylim[1]) if (odd["score"] < 0).any() else ylim
    draw(ax, xlim, ylim, 60, overview=True)
    if cells is not None:
        bar = fig.colorbar(cells, ax=ax, shrink=0.55, pad=0.01, aspect=30)
        bar.set_label("项目数（对数刻度）", fontsize=11)
        bar.formatter = FuncFormatter(lambda x, _: f"{x:g}")
        bar.update_ticks()
    if len(odd):  # at the edge, clipped to the plausible scale, numbered, listed on the side
        ox, oy = odd["rate"].clip(*xlim).to_numpy(), odd["score"].clip(*ylim).to_numpy()
        ax.scatter(ox, oy, marker="X", s=90, color=ODD_COLOR, zorder=5, clip_on=False)
        for i, (x, y) in enumerate(zip(ox, oy), 1):
            ax.annotate(f"异{i}", (x, y), xytext=(-6 if x > sum(xlim) / 2 else 6, -6 if y > sum(ylim) / 2 else 6),
                        textcoords="offset points", fontsize=10, color=ODD_COLOR, fontweight="bold",
                        ha="right" if x > sum(xlim) / 2 else "left",
                        va="top" if y > sum(ylim) / 2 else "bottom", annotation_clip=False, zorder=6)
    ax.text(xlim[0] + 1.5, ylim[1] - 1.5, "高分低执行", fontsize=15, fontweight="bold",
            color="#b71c1c", va="top", ha="left", zorder=4)
    ax.set_xlabel("预算执行率（%）", fontsize=13)
    ax.set_ylabel("自评得分（分）", fontsize=13)
    if by_county and not dense:
        ax.legend(title="县区", loc="lower right", fontsize=11, title_fontsize=11, frameon=True,
                  framealpha=0.9)

    # zoom on the high-score band, where self-scores usually crowd
    top = v[v["score"] >= high_score]
    zx0 = float(min(top["rate"].min() if len(top) else low_execution, low_execution)) - 4
    zx1 = max(101.5, float(top["rate"].max()) + 2 if len(top) else 101.5)
    zy1 = max(100.5, float(top["score"].max()) + 0.8 if len(top) else 100.5)
    draw(zoom, (zx0, zx1), (high_score - 0.8, zy1), 46)
    zoom.set_title(f"放大：得分{high_score:g}分以上", fontsize=12, loc="left")
    zoom.tick_params(labelsize=10)
    n_stacked = len(stacks)
    n_odd_lines = (0 if not len(odd) else 1 + min(len(odd), 4) + (len(odd) > 4)) + bool(n_stacked) + 2 * dense
    max_listed = max(3, max_listed - n_odd_lines)  # the side panel holds ~10 lines
    if len(hl):  # ring the projects that are numbered and listed
        ring = hl.head(max_listed)
        ax.scatter(ring["rate"], ring["score"], s=150, facecolor="none", edgecolor="#b71c1c",
                   lw=1.4, zorder=4)
    lines = [f"高分低执行（得分≥{high_score:g}，执行率<{low_execution:g}%）：{len(hl)}个项目"]
    if len(odd):
        odd4 = odd.head(4)
        listed = [f"异{i}. {_short(r.county_label, 7)}｜{label}：{V.num(r.rate)}%，{V.num(r.score)}分"
                  for i, (r, label) in enumerate(zip(odd4.itertuples(),
                                                     project_labels(odd4["project_name"], _years_if_several(v, odd4), 10)), 1)]
        more = [f"……另有{len(odd) - 4}个，见红旗清单"] if len(odd) > 4 else []
        lines = [f"数值异常（超出合理范围，紫色×标在图边，未计入）：{len(odd)}个项目", *listed, *more] + lines
    if n_stacked:
        lines.insert(0, "圆内数字：重合在同一点的项目数（灰色：多个县区）")
    if dense:
        spot = stacks.sort_values("n", ascending=False, kind="stable").head(1)
        most = [f"最多项目重合的点：执行率{V.num(r.rate)}%、{V.num(r.score)}分，{r.n}个项目" for r in spot.itertuples()]
        lines[:0] = [f"共{len(v)}个项目，左图以方格颜色表示项目多少（颜色越深越多）", *most]
    if len(hl):
        shown = hl.head(max_listed)
        nums = [str(i) for i in range(1, len(shown) + 1)]
        _label_points(zoom, shown["rate"].to_numpy(), shown["score"].to_numpy(), nums, fontsize=11)
        labels = project_labels(shown["project_name"], _years_if_several(v, shown), 10)
        for n, r, label in zip(nums, shown.itertuples(), labels):
            lines.append(f"{n}. {_short(r.county_label, 7)}｜{label}："
                         f"{r.rate:.1f}%，{round(r.score, 2):g}分")
        if len(hl) > len(shown):
            lines.append(f"……另有{len(hl) - len(shown)}个，见红旗清单")
    else:
        lines.append("（无）")
    side.text(0.0, 1.0, _mt("\n".join(lines)), va="top", ha="left", fontsize=10.5, linespacing=1.55,
              transform=side.transAxes)
    return fig


def rule_label(rule: str, labels: Mapping[str, str] | None = None) -> str:
    """`中文标题\nrule_id` for a check rule (just the id when no title is known)."""
    labels = V.rule_titles() if labels is None else labels
    zh = labels.get(rule)
    return f"{_short(zh, 16)}\n{rule}" if zh and zh != rule else str(rule)


def findings_by_rule_county(vw: Views, *, max_rules: int = 14,
                            max_counties: int = MAX_COUNTIES, title: str | None = TITLES["findings_by_rule_county"]) -> Figure:
    """Heat map of finding counts, rules (rows, most frequent first, with severity) by county
    (columns). An empty findings table gives a chart saying 检查未发现问题."""
    fig, ax = _fig(title)
    vw = as_views(vw)
    fv = vw.findings
    if fv.empty:
        _empty(ax, "检查未发现问题")
        return fig
    fv = fv.assign(county_label=fv["county_label"].fillna(UNPLACED))
    sev_rank = {s: i for i, s in enumerate(V.SEVERITIES)}
    sev = fv.groupby("rule")["severity"].agg(lambda s: min(s, key=lambda x: sev_rank.get(x, 9)))
    counts = fv.groupby(["rule", "county_label"]).size().unstack(fill_value=0)
    for c in vw.counties:  # counties without findings stay visible as empty columns
        if c not in counts.columns:
            counts[c] = 0
    # errors first, then warnings, then info; within a severity the most frequent first
    key = pd.DataFrame({"sev": [sev_rank.get(sev[r], 9) for r in counts.index],
                        "n": -counts.sum(axis=1).to_numpy()}, index=counts.index)
    counts = counts.loc[key.sort_values(["sev", "n"], kind="stable").index]
    rest = None
    if len(counts) > max_rules:
        rest = counts.iloc[max_rules:].sum()
        counts = counts.iloc[:max_rules]
    known = vw.counties
    cols = [c for c in known if c in counts.columns] + [c for c in counts.columns if c not in set(known)]
    totals = fv.groupby("county_label").size().reindex(cols).fillna(0)   # every rule, "其他规则" included
    cols = list(totals.sort_values(ascending=False, kind="stable").index)  # most findings first
    cut, others = "", []
    if len(cols) > max_counties:  # the counties with the most findings, the others one column at the end
        others = cols[max_counties:]
        cut = f"共{len(cols)}个县区，问题最多的{max_counties}个各占一列，其余{len(others)}个合为最后一列（灰底，不参与配色）。"
        cols = cols[:max_counties]
    full = counts
    counts = counts[cols]
    labels = V.rule_titles(fv)
    ylabels = [f"[{V.SEVERITY_ZH.get(sev[r], sev[r])}] {rule_label(r, labels)}" for r in counts.index]
    if rest is not None:
        counts.loc["其他规则"] = rest[cols]
        ylabels.append("其他规则")
    m = counts.to_numpy()
    ticks = _county_ticks(cols, [int(x) for x in m.sum(axis=0)])
    if others:      # a rule whose findings all stand in the other counties keeps its row's figure
        tail = full[others].sum(axis=1)
        if rest is not None:
            tail.loc["其他规则"] = rest[others].sum()
        m = np.column_stack([m, tail.to_numpy()])
        ticks.append(_mt(_rest_label(len(others), f"{int(tail.sum())}")))
    top = max(1, m[:, :len(cols)].max())        # the colour scale: the counties shown one by one
    cmap = plt.get_cmap("Reds").with_extremes(bad=REST_CELL)
    outside = np.zeros(m.shape, dtype=bool)
    outside[:, len(cols):] = True                # the other counties' column, when there is one
    im = ax.imshow(np.ma.masked_array(m, mask=outside), cmap=cmap, aspect="auto", vmin=0, vmax=top)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j]:
                ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=12,
                        color="white" if j < len(cols) and m[i, j] > 0.55 * top else "#222222")
    ax.set_xticks(range(m.shape[1]), ticks)
    ax.set_yticks(range(len(ylabels)), [_mt(y) for y in ylabels], fontsize=11 if len(ylabels) <= 8 else 9)
    ax.tick_params(axis="x", labelsize=12, top=False, bottom=True)
    _rotate_if_many(ax, len(cols))
    for s in ax.spines.values():
        s.set_visible(False)
    cb = fig.colorbar(im, ax=ax, shrink=0.8, pad=0.01)
    cb.set_label("问题条数", fontsize=12)
    cb.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    n_err = int((fv["severity"] == "error").sum())
    _note(fig, cut + f"共{len(fv)}条：错误{n_err}条、警告{int((fv['severity'] == 'warning').sum())}条、"
               f"提示{int((fv['severity'] == 'info').sum())}条；横轴括号内为该县区问题总数。")
    return fig


def _dominant(values: pd.Series, factor: float = DOMINANT) -> int:
    """How many of the largest `values` (sorted descending) stand `factor` times above the next one
    (0, 1 or 2): those get their own panel, so the others' bars do not vanish."""
    x = values.sort_values(ascending=False).to_numpy(dtype=float)
    for k in (1, 2):
        if len(x) > k + 1 and x[k] > 0 and x[k - 1] > factor * x[k]:
            return k
    return 0


def _rank_cut(values: pd.Series, *, ascending: bool, n_top: int = TOP_N,
              n_bottom: int = BOTTOM_N, many: int = MANY) -> tuple[list, list, list]:
    """(head, rest, tail) labels of `values` (index: county labels) sorted by value: all in head
    when there are at most `many`; else the first `n_top` and the last `n_bottom`, the rest summarised."""
    order = list(values.sort_values(ascending=ascending, kind="stable", na_position="last").index)
    if len(order) <= many:
        return order, [], []
    return order[:n_top], order[n_top:len(order) - n_bottom], order[len(order) - n_bottom:]


def _rest_label(n: int, what: str) -> str:
    return f"……其余{n}个县区（{what}）"


def _budget_bars(ax, cs: pd.DataFrame, xmax: float, fs: float) -> None:
    """Budget (light) and executed (dark) bars of the rows of `cs`, top to bottom, labelled."""
    y = np.arange(len(cs))[::-1]
    ax.barh(y, cs["budget"], height=0.62, color="#c9d8e8", label="预算（调整后）")
    ax.barh(y, cs["executed"], height=0.36, color="#1f5f99", label="执行数")
    for yi, r in zip(y, cs.itertuples()):
        if not r.county_label:  # the slot of the counties left out
            continue
        col = LOW_COLOR if r.execution_rate < 90 else "#222222"
        ax.text(max(r.budget, r.executed) + xmax * 0.01, yi,
                f"{r.executed:,.2f} / {r.budget:,.2f} 万元（{r.execution_rate:.1f}%）",
                va="center", ha="left", fontsize=fs, color=col)
    ax.set_yticks(y, [_mt(c) for c in cs["county_label"]], fontsize=fs + 1)
    ax.set_ylim(-0.6, len(cs) - 0.4)
    ax.set_xlim(0, xmax * 1.42)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.grid(axis="x", alpha=0.3)
    _style(ax)


def budget_vs_execution(vw: Views, *, title: str | None = TITLES["budget_vs_execution"]) -> Figure:
    """Horizontal bars per county, largest budget on top: budget (调整后预算, light) with the
    executed amount (dark) over it, labelled with both amounts in 万元 and the execution rate.
    A county whose budget is `DOMINANT` times the next gets its own panel on its own scale; with
    more than `MANY` counties the `TOP_N` largest and `BOTTOM_N` smallest are drawn, the rest summed."""
    vw = as_views(vw)
    cs = vw.county_summary
    cs = cs[cs["budget"].notna() & (cs["budget"] > 0)].set_index("county_label", drop=False)
    if cs.empty:
        fig, ax = _fig(title)
        _empty(ax, "没有预算与执行金额数据", vw)
        return fig
    head, rest, tail = _rank_cut(cs["budget"], ascending=False)
    k = _dominant(cs["budget"])
    big, head = head[:k], head[k:]
    rows = [*head, *tail]
    n_rows = len(rows) + (1 if rest else 0)
    fs = 12 if n_rows <= 12 else (10 if n_rows <= 22 else 8.5)
    setup_cjk_font()
    fig = plt.figure(figsize=FIGSIZE, layout="constrained")
    if title:
        fig.suptitle(_mt(title), fontsize=18, fontweight="bold", x=0.01, ha="left")
    if big:
        gs = fig.add_gridspec(2, 1, height_ratios=[len(big) + 1.6, max(n_rows, 1) + 0.6])
        top_ax, ax = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
        _budget_bars(top_ax, cs.loc[big], float(cs.loc[big, "budget"].max()), fs)
        top_ax.set_title("单独刻度：预算远大于其他县区", fontsize=11, loc="left", color="#555555")
    else:
        ax = fig.add_subplot()
    shown = cs.loc[rows] if rows else cs.iloc[:0]
    if rest:  # an empty slot between the largest and the smallest, saying what is left out
        gap = pd.DataFrame([{"county_label": "", "budget": 0.0, "executed": 0.0, "execution_rate": 100.0}])
        shown = pd.concat([cs.loc[head], gap, cs.loc[tail]], ignore_index=True)
    xmax = float(shown["budget"].max()) if len(shown) else 1.0
    _budget_bars(ax, shown, xmax, fs)
    if rest:
        r = cs.loc[rest]
        yi = len(shown) - 1 - len(head)
        ax.text(0, yi, _mt(_rest_label(len(rest), f"预算合计{r['budget'].sum():,.2f}万元，执行"
                                       f"{r['executed'].sum():,.2f}万元")),
                va="center", ha="left", fontsize=fs, color="#555555")
    ax.set_xlabel("金额（万元）", fontsize=13)
    ax.legend(loc="lower right", fontsize=11, frameon=False)
    v = vw.projects
    note = ""
    if big:
        names = "、".join(big)
        times = float(cs.loc[big, "budget"].min()) / float(cs.loc[rows, "budget"].max()) if rows else 0
        note += f"{names}的预算是其余县区中最大者的{times:.0f}倍，单独画在上栏（横轴刻度不同）。"
    if rest:
        note += f"共{len(cs)}个县区，按预算从大到小，列出最大的{len(head) + len(big)}个和最小的{len(tail)}个。"
    note += "标注：执行数 / 预算（执行率），执行率低于90%标红。只计同时填报预算和执行数的项目。"
    n_odd = int((~(v["money_ok"] & v["rate_ok"])).sum())
    if n_odd:
        note += (f"{n_odd}个项目金额或执行率超出合理范围（金额{V.range_text('amount')}，执行率"
                 f"{V.range_text('rate')}，数值异常），未计入。")
    if (v["budget_source"] == "initial").any():
        note += "无调整后预算的项目按年初预算计。"
    if not rest:
        note += _absent(vw, list(cs["county_label"]), "项目金额数据")
    _note(fig, note)
    return fig


def execution_rate_by_project(vw: Views, *, max_projects: int = 30,
                              title: str | None = TITLES["execution_rate_by_project"]) -> Figure:
    """Horizontal bars of each project's execution rate (one county's profile), coloured by
    grade, with the 90 % / 100 % lines. A rate outside the plausible range gets a hatched
    bar cut at the edge (or a marker at 0) labelled 超出范围 with its value."""
    fig, ax = _fig(title)
    vw = as_views(vw)
    low_execution = vw.low_execution
    v = vw.projects
    v = v[v["rate"].notna()]
    if v.empty:
        _empty(ax, "没有执行率数据")
        return fig
    n_all = len(v)                 # more than max_projects: the lowest rates (what an analyst looks for) are shown
    v = v.sort_values("rate", kind="stable").head(max_projects)      # the lowest at the bottom
    ok, below, above = (m.to_numpy() for m in _split_range(v["rate"], "rate"))
    y = np.arange(len(v))
    rates = v["rate"].to_numpy(dtype=float)
    hi = max(115.0, float(rates[ok].max()) + 12) if ok.any() else 115.0
    colors = [V.GRADE_COLORS.get(g, "#999999") for g in v["grade_eff"]]
    ax.barh(y, np.clip(rates, 0, hi), color=colors, height=0.7)
    if above.any():  # cut at the edge: hatched, in the anomaly colour
        ax.barh(y[above], np.full(int(above.sum()), hi), height=0.7, facecolor="none",
                edgecolor=ODD_COLOR, hatch="//", lw=1.2)
    zero = (rates <= 0.5) & ~below
    if zero.any():  # a zero-length bar shows no colour: mark the grade at the axis
        ax.scatter(np.full(int(zero.sum()), 0.6), y[zero], marker="s", s=50,
                   color=[c for c, z in zip(colors, zero) if z], zorder=3, clip_on=False)
    if below.any():
        ax.scatter(np.full(int(below.sum()), 0.0), y[below], marker="<", s=70, color=ODD_COLOR,
                   zorder=4, clip_on=False)
    fs = 12 if len(v) <= 12 else (10 if len(v) <= 20 else 8.5)
    ax.set_yticks(y, [_mt(x) for x in project_labels(v["project_name"], _years_if_several(vw.projects, v), 26)],
                  fontsize=fs)
    for yi, r, is_ok, is_above in zip(y, rates, ok, above):
        if is_ok:
            ax.text(r + (2 if r > 0.5 else 2.5), yi, f"{r:.1f}%", va="center", fontsize=fs)
        elif is_above:
            ax.text(hi - 1.5, yi, f"超出范围 {V.num(r)}%", va="center", ha="right", fontsize=fs,
                    color="white", fontweight="bold",
                    bbox=dict(facecolor=ODD_COLOR, edgecolor="none", pad=1.5))
        else:
            ax.text(2.5, yi, f"超出范围 {V.num(r)}%", va="center", ha="left", fontsize=fs,
                    color=ODD_COLOR, fontweight="bold")
    ax.axvline(low_execution, color="#e65100", ls="--", lw=1.2)
    ax.axvline(100, color="#2e7d32", ls=":", lw=1.2)
    ax.set_xlim(0, hi)
    _pct(ax, "x")
    ax.set_xlabel("预算执行率（%）", fontsize=13)
    handles = [plt.Rectangle((0, 0), 1, 1, color=V.GRADE_COLORS[g]) for g in V.GRADES]
    ax.legend(handles, V.GRADES, title="等级", loc="upper left", bbox_to_anchor=(1.0, 1.0),
              fontsize=11, title_fontsize=11, frameon=False)
    _style(ax)
    shown = f"共{n_all}个项目有执行率，列出最低的{len(v)}个。" if n_all > len(v) else ""
    _note(fig, shown + f"虚线：{low_execution:g}%；点线：100%。等级未填写时按得分计算。"
               + _odd_note(int((~ok).sum()), "执行率", "rate"))
    return fig


def _line_labels(ax, x, y, texts, colors, other=None) -> None:
    """Value labels of a line's points where the line is not: below a dip, beside a slope, else above; where a
    point of the `other` line stands at the same x, on the side away from it (its label takes the other side)."""
    y = np.asarray(y, dtype=float)
    other = np.full(len(y), np.nan) if other is None else np.asarray(other, dtype=float)
    for i, (xi, yi, text, col) in enumerate(zip(x, y, texts, colors)):
        if not np.isfinite(yi):
            continue
        prev = y[i - 1] if i > 0 and np.isfinite(y[i - 1]) else None
        nxt = y[i + 1] if i + 1 < len(y) and np.isfinite(y[i + 1]) else None
        near = [v for v in (prev, nxt) if v is not None]
        if np.isfinite(other[i]):                             # the other line's point here: away from it
            off, ha, va = ((0, -10), "center", "top") if other[i] > yi else ((0, 8), "center", "bottom")
        elif near and yi < min(near):                         # a dip: below
            off, ha, va = (0, -10), "center", "top"
        elif prev is not None and nxt is not None and prev < yi < nxt:   # rising: upper left is free
            off, ha, va = (-7, 5), "right", "bottom"
        elif prev is not None and nxt is not None and prev > yi > nxt:   # falling: upper right is free
            off, ha, va = (7, 5), "left", "bottom"
        else:
            off, ha, va = (0, 8), "center", "bottom"
        ax.annotate(text, (xi, yi), xytext=off, textcoords="offset points", ha=ha, va=va, fontsize=11, color=col)


def trend_by_year(vw: Views, *, county: str | None = None,
                  title: str | None = TITLES["trend_by_year"]) -> Figure:
    """Three panels by fiscal year (`trends.by_year`): execution rate (executed / budget summed),
    mean self-score (the score axis zoomed to the data, grade bands kept) and grade mix (project
    counts solid; statement counts of reports without project tables hatched, beside them).
    For one `county`, else for the whole selection; a chart saying so when there is one year only."""
    from evalkit.report import trends
    vw = as_views(vw)
    setup_cjk_font()
    fig = plt.figure(figsize=FIGSIZE, layout="constrained")
    if title:
        fig.suptitle(_mt(title), fontsize=18, fontweight="bold", x=0.01, ha="left")
    t = trends.by_year(vw, county)
    t = t[t["county_label"] == (county or trends.REGION)]
    if not V.several_years(t):
        ax = fig.add_subplot()
        _empty(ax, "只有一个年度的数据，无法比较各年趋势" if len(t) else "没有年度数据")
        return fig
    yrs = t["fiscal_year"].to_numpy()
    x = np.arange(len(yrs))
    a1, a2, a3 = fig.subplots(1, 3)
    low = vw.low_execution
    rate = t["execution_rate"].to_numpy(dtype=float)
    a1.plot(x, rate, marker="o", color=OK_COLOR, lw=2)
    _line_labels(a1, x, rate, [f"{r:.1f}%" for r in rate], [LOW_COLOR if r < low else "#222222" for r in rate])
    a1.axhline(low, color="#e65100", ls="--", lw=1.2)
    fin = rate[np.isfinite(rate)]
    a1.set_ylim(max(0.0, min(float(fin.min()) if len(fin) else low, low) - 10), 110)
    if not len(fin):
        a1.text(0.5, 0.5, "无项目执行率数据", transform=a1.transAxes, ha="center", va="center", fontsize=13,
                color="#666666")
    _pct(a1)
    a1.set_title("预算执行率", fontsize=13, loc="left")
    score = t["mean_score"].to_numpy(dtype=float)
    stated = t["statement_avg_score"].to_numpy(dtype=float)
    both = np.concatenate([score[np.isfinite(score)], stated[np.isfinite(stated)]])
    lo = float(np.floor(both.min() / 5) * 5 - 5) if len(both) else 0.0
    lo = max(0.0, min(lo, 95.0))
    for g, blo, bhi in V.band_edges(vw.bands, top=100.0):
        blo, bhi = max(blo, lo), min(bhi, 100.5)
        if bhi > blo:
            a2.axhspan(blo, bhi, color=V.GRADE_COLORS[g], alpha=0.10, lw=0, zorder=0)
            a2.text(1.0, (blo + bhi) / 2, f" {g}", transform=a2.get_yaxis_transform(), va="center", ha="left",
                    fontsize=12, fontweight="bold", color=V.GRADE_COLORS[g])
    if np.isfinite(score).any():
        a2.plot(x, score, marker="o", color=OK_COLOR, lw=2, label="项目平均得分")
        _line_labels(a2, x, score, [f"{sc:.2f}" for sc in score], ["#222222"] * len(x), other=stated)
    if np.isfinite(stated).any():
        a2.plot(x, stated, marker="s", color="#6d4c41", lw=1.6, ls="--", label="汇总表/决算所列平均分")
        for xi, sc, mine in zip(x, stated, score):
            if np.isfinite(sc):       # away from the project average's point at the same year
                up = np.isfinite(mine) and sc > mine
                a2.annotate(f"{sc:.2f}", (xi, sc), xytext=(0, 8 if up else -10), textcoords="offset points",
                            ha="center", va="bottom" if up else "top", fontsize=10, color="#6d4c41")
    a2.set_ylim(lo, 101.5)
    a2.legend(loc="lower left", fontsize=9.5, frameon=False)
    a2.set_title("平均自评得分（分）", fontsize=13, loc="left")
    has_stat = t[[f"statement_{g}" for g in V.GRADES]].notna().any(axis=1).to_numpy()
    w = 0.38 if has_stat.any() else 0.6
    off = w / 2 if has_stat.any() else 0.0
    bottom, sbottom = np.zeros(len(x)), np.zeros(len(x))
    for g in V.GRADES:
        vals = t[g].to_numpy(dtype=float)
        a3.bar(x - off, vals, bottom=bottom, width=w, color=V.GRADE_COLORS[g], label=g, edgecolor="white")
        bottom += vals
        if has_stat.any():
            sv = t[f"statement_{g}"].fillna(0).to_numpy(dtype=float)
            a3.bar(x + off, sv, bottom=sbottom, width=w, color=V.GRADE_COLORS[g], alpha=0.5, hatch="//",
                   edgecolor="white")
            sbottom += sv
    for xi, n in zip(x, bottom):
        if n:
            a3.text(xi - off, n, f"{int(n)}", ha="center", va="bottom", fontsize=10)
    for xi, n in zip(x, sbottom):
        if n:
            a3.text(xi + off, n, f"{int(n)}", ha="center", va="bottom", fontsize=10, color="#6d4c41")
    a3.yaxis.set_major_locator(MaxNLocator(integer=True))
    a3.set_ylim(0, max(1.0, float(max(bottom.max(), sbottom.max()))) * 1.4)  # room for the legend
    a3.legend(title="等级", loc="upper left", fontsize=10, title_fontsize=10, frameon=False, ncols=2)
    a3.set_title("等级分布（项目数）", fontsize=13, loc="left")
    many = len(yrs) > 4             # 2019年2020年… ran together under a third of the slide: the years alone
    for a in (a1, a2, a3):
        a.set_xticks(x, [f"{y}" if many else f"{y}年" for y in yrs], **({"fontsize": 11} if many else {}))
        a.set_xlim(-0.6, len(x) - 0.4)
        a.grid(axis="y", alpha=0.3)
        _style(a)
    notes = [f"执行率 = 各年执行数合计 / 预算合计（虚线：{low:g}%）；平均得分按项目平均。"]
    if has_stat.any():
        notes.append("斜线柱与棕色虚线：没有项目表的报告中汇总表或决算所列的项目数和平均分，与项目表分开计。")
    if county is None and t["n_counties"].nunique() > 1:
        cover = "、".join(f"{y}年{n}个" for y, n in zip(yrs, t["n_counties"]))
        notes.append(f"各年有数据的县区数不同（{cover}），全区趋势含县区构成变化。")
    _note(fig, "".join(notes))
    return fig


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class Chart:
    """A chart of the registry: its key, Chinese title, drawing function and takeaway key."""
    key: str
    title: str
    draw: Callable[..., Figure]
    takeaway: str


CHARTS: dict[str, Chart] = {c.key: c for c in (
    Chart("budget_vs_execution", TITLES["budget_vs_execution"], budget_vs_execution, "budget_vs_execution"),
    Chart("execution_rate_by_county", TITLES["execution_rate_by_county"], execution_rate_by_county,
          "execution_rate_by_county"),
    Chart("score_distribution", TITLES["score_distribution"], score_distribution, "score_distribution"),
    Chart("grade_counts_by_county", TITLES["grade_counts_by_county"], grade_counts_by_county,
          "grade_counts_by_county"),
    Chart("execution_vs_score", TITLES["execution_vs_score"], execution_vs_score, "execution_vs_score"),
    Chart("findings_by_rule_county", TITLES["findings_by_rule_county"], findings_by_rule_county,
          "findings_by_rule_county"),
    Chart("execution_rate_by_project", TITLES["execution_rate_by_project"], execution_rate_by_project,
          "execution_rate_by_county"),
    Chart("trend_by_year", TITLES["trend_by_year"], trend_by_year, "trend_by_year"),
)}


def draw(key: str, vw, **kw) -> Figure:
    """The registry's chart `key` drawn from a run's Views (or tables)."""
    return CHARTS[key].draw(as_views(vw), **kw)


def show(vw: Views, key: str, charts_dir: str | Path | None = None, *, title: str | None = None,
         numbered: bool = False, **kw) -> None:
    """Draw chart `key`, save it into `charts_dir` (a briefing chart `numbered` 01_…) and show it with its takeaway."""
    chart = CHARTS[key]
    title = title or chart.title
    name = f"{BRIEFING_KEYS.index(key) + 1:02d}_{key}" if numbered else key
    publish(chart.draw(vw, title=title, **kw), charts_dir, name, title=title,
            takeaway=vw.takeaways.get(chart.takeaway))


# --------------------------------------------------------------------------- saving

def save_chart(fig: Figure, out_dir: str | Path, name: str, *, title: str | None = None,
               takeaway: str | None = None, dpi: int = DPI, close: bool = True) -> dict:
    """Write `name`.png (>= 200 dpi) and `name`.svg into `out_dir` at 16:9 and record them in
    `out_dir/charts.json` (name, title, takeaway, png, svg; same name replaces). Returns the entry."""
    if dpi < 200:
        raise ValueError("slide charts need at least 200 dpi")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    w, h = fig.get_size_inches()
    if abs(w / h - 16 / 9) > 0.01:
        fig.set_size_inches(FIGSIZE)
    png, svg = out / f"{name}.png", out / f"{name}.svg"
    fig.savefig(png, dpi=dpi, facecolor="white")
    fig.savefig(svg, facecolor="white", metadata={"Date": None})
    band = _title_band(fig)
    if close:
        plt.close(fig)
    entry = {"name": name, "title": clean_text(title), "takeaway": clean_text(takeaway),
             "png": png.name, "svg": svg.name, "title_band": band}
    man = out / MANIFEST
    items = [e for e in read_manifest(out) if e.get("name") != name]
    items.append(entry)
    tmp = man.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(man)
    return entry


def _title_band(fig: Figure) -> float:
    """Share of the figure's height (from the top) taken by its suptitle, 0 without one;
    the deck crops it because the slide carries the title itself."""
    st = getattr(fig, "_suptitle", None)
    if st is None or not st.get_text():
        return 0.0
    try:
        bb = st.get_window_extent(renderer=fig.canvas.get_renderer())
    except Exception:  # noqa: BLE001
        return 0.0
    frac = 1.0 - bb.y0 / fig.bbox.height + 0.004
    return round(min(max(frac, 0.0), 0.2), 4)


def read_manifest(out_dir: str | Path) -> list[dict]:
    """The charts recorded by `save_chart` in `out_dir`, in the order they were saved."""
    man = Path(out_dir) / MANIFEST
    if not man.exists():
        return []
    return json.loads(man.read_text(encoding="utf-8"))


def publish(fig: Figure, charts_dir: str | Path | None, name: str, *, title: str | None = None,
            takeaway: str | None = None, display_dpi: int = 100) -> None:
    """For notebooks: save the chart into `charts_dir` (if given, via `save_chart`), show it
    inline (when running under IPython) with its takeaway below, and close it. Returns None
    so a notebook cell ending with it prints nothing more."""
    entry = None
    if charts_dir:
        entry = save_chart(fig, charts_dir, name, title=title, takeaway=takeaway, close=False)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, Image, display
        shell = get_ipython()
    except Exception:  # noqa: BLE001
        shell = None
    if shell is not None:
        if entry is not None:  # show the file just written (no second rendering)
            display(Image(filename=str(Path(charts_dir) / entry["png"]), width=1100,
                          alt=clean_text(title or name)))
        else:
            import io
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=display_dpi, facecolor="white")
            display(Image(data=buf.getvalue(), format="png", alt=clean_text(title or name)))
        if takeaway:  # document text (county names) inside: escaped HTML, not Markdown
            display(HTML(html_block("<p><b>要点：</b>{t}</p>", t=takeaway)))
    plt.close(fig)
