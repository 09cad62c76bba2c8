"""Family 3: line scores against the total, weights against the maximum and the standard structure."""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, ids_of, make
from evalkit.checks.numbers import FIXED, dec, fixed, fmt, text, unfixed
from evalkit.normalize import annotation_points
from evalkit.recognize.vocabulary import implied_level1

_ANNOT = re.compile(r"[（(][^）)]*[)）]|\d+(\.\d+)?分|[:：\s]")


def level1_group(level1: str, level2: str, cfg: CheckConfig) -> str:
    """The standard group (产出/效益/满意度/...) of a level-1 name, or the cleaned name itself."""
    name = _ANNOT.sub("", text(level1)).rstrip("分")
    if not name:
        l2 = _ANNOT.sub("", text(level2))
        name = implied_level1(l2) or ""       # the standard hierarchy (recognize.vocabulary)
        if not name:
            return ""
    for key, group in cfg.get("totals", "group_aliases", {}).items():
        if key in name:
            return group
    return name


def project_sums(d: Data) -> pd.DataFrame:
    """Per project: sum of stated indicator scores and weights (exact), line counts."""
    ind = d.indicators
    g = pd.DataFrame({"project_id": ind["project_id"], "s": fixed(ind["score"]), "w": fixed(ind["weight"])})
    gb = g.groupby("project_id", sort=False)
    agg = gb[["s", "w"]].sum(min_count=1).rename(columns={"s": "score_sum", "w": "weight_sum"})
    agg["n_scored"] = gb["s"].count()
    return agg


def total_score_calc(d: Data, sums: pd.DataFrame | None = None) -> pd.Series:
    """Sum of the stated line scores (budget line + indicators) per project, in millionths."""
    sums = project_sums(d) if sums is None else sums
    p = d.projects
    ind = p["project_id"].map(sums["score_sum"]).astype("Int64")
    bud = fixed(p["budget_score"])
    both = ind.fillna(0) + bud.fillna(0)
    return both.where(ind.notna() | bud.notna())


def _label_points(ind: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """The lines' level-1 and level-2 labels and the points each states (产出指标（50分） -> 50, else NA), each label
    read once."""
    l1, l2 = ind["level1"].astype("object"), ind["level2"].astype("object")
    p1, p2 = (col.map({v: annotation_points(v) for v in pd.unique(col)}) for col in (l1, l2))
    return l1, l2, p1, p2


def unweighted_group_points(d: Data) -> pd.Series:
    """Per project, in millionths: the points stated by the labels of groups whose lines state no weight (湖北 广水:
    数量指标15分 over a line scored 15, the template sharing a group's points among its lines) — what those lines
    weigh together, counted once per group (its level-2 label's points, else its level-1 label's)."""
    ind = d.indicators
    if ind.empty or ind["weight"].notna().all():
        return pd.Series(dtype="Int64")
    l1, l2, p1, p2 = _label_points(ind)
    frame = pd.DataFrame({"project_id": ind["project_id"], "l1": l1.fillna(""), "l2": l2.fillna(""),
                          "p": p2.where(p2.notna(), p1), "weighted": ind["weight"].notna()})
    frame["key"] = frame["l2"].where(p2.notna(), "")
    groups = frame.loc[frame["p"].notna()].groupby(["project_id", "l1", "key"], sort=False)
    stated = groups.agg(p=("p", "first"), weighted=("weighted", "any"), n=("p", "nunique"))
    stated = stated.loc[~stated["weighted"] & (stated["n"] == 1)]
    if stated.empty:
        return pd.Series(dtype="Int64")
    return fixed(stated["p"]).groupby(level="project_id").sum()


def check_totals(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Stated total vs sum of lines; weights vs maximum; weight without score."""
    out: list[Finding] = []
    sums = project_sums(d)
    p = d.projects
    calc = total_score_calc(d, sums)
    wsum = p["project_id"].map(sums["weight_sum"]).astype("Int64")
    bw = fixed(p["budget_weight"])
    gp = p["project_id"].map(unweighted_group_points(d)).astype("Int64")
    wsum = (wsum.fillna(0) + gp.fillna(0)).where(wsum.notna() | gp.notna())
    wtot = (wsum.fillna(0) + bw.fillna(0)).where(wsum.notna() | bw.notna())
    tol = cfg.dec("totals", "score_sum_tolerance")
    wtol = cfg.dec("totals", "weight_sum_tolerance")
    default_max = cfg.dec("totals", "default_max_score")
    missing = d.indicators["weight"].notna() & d.indicators["score"].isna()
    n_missing = d.indicators.loc[missing].groupby("project_id").size()
    total_fx = fixed(p["total_score"])
    max_fx = fixed(p["max_score"]).fillna(int(default_max * FIXED))
    bad_total = ((total_fx - calc).abs() > int(tol * FIXED)).fillna(False)
    bad_weight = ((wtot - max_fx).abs() > int(wtol * FIXED)).fillna(False)
    # a project without indicator lines cannot be reconciled (a recognition gap, not a document error)
    has_lines = p["project_id"].isin(sums.index)
    bad_total &= has_lines
    bad_weight &= has_lines
    no_budget_score = p["budget_weight"].notna() & p["budget_score"].isna()
    # the score column left empty from top to bottom (a form sent before it was filled in): one finding, not one
    # weight_without_score per line
    scored = p["project_id"].map(sums["n_scored"]).fillna(0) > 0
    unscored = has_lines & ~scored & p["budget_score"].isna() & p["project_id"].isin(n_missing.index)
    blank = unscored & p["total_score"].isna()
    # a total and no line's score (a form that prints only the total its system computed: 吉林's 专项经费绩效评价表 has
    # no score column): one finding that the total cannot be reconciled, not one weight_without_score per line
    total_only = unscored & p["total_score"].notna()
    no_budget_score &= ~unscored
    missing &= ~d.indicators["project_id"].isin(set(p.loc[unscored, "project_id"]))
    for r in p.loc[total_only].itertuples(index=False):
        n = int(n_missing.get(r.project_id, 0))
        out.append(make(cfg, "line_scores_absent", ids_of(r),
                        f"自评表只填了总分{fmt(dec(r.total_score))}分，{n}行指标{'和预算执行行' if pd.notna(r.budget_weight) else ''}"
                        "只有权重、没有得分（表中没有或未填各行得分）：总分无法按各行得分核对，请向填报单位索取各行得分。",
                        "各行得分", "空"))
    for r in p.loc[blank].itertuples(index=False):
        n = int(n_missing.get(r.project_id, 0))
        out.append(make(cfg, "scores_not_filled", ids_of(r),
                        f"自评表的得分一栏整栏未填（{n}行指标{'和预算执行行' if pd.notna(r.budget_weight) else ''}只有权重，"
                        "总分也未填）：自评尚未完成，不能计入得分统计，请补填后再报送。", "各行得分", "空"))
    flagged = (bad_total | bad_weight | no_budget_score).to_numpy(dtype=bool)
    for i in flagged.nonzero()[0]:
        r = p.iloc[i]
        ids = ids_of(r)
        nm = int(n_missing.get(r["project_id"], 0)) + int(bool(no_budget_score.iat[i]))
        if bad_total.iat[i]:
            total, c = dec(r["total_score"]), unfixed(calc.iat[i])
            extra = f"（另有{nm}行有权重无得分）" if nm else ""
            out.append(make(cfg, "total_score_mismatch", ids,
                            f"总分填报为{fmt(total)}分，各行得分（含预算执行）相加为{fmt(c)}分{extra}，请核对总分或各行得分。",
                            fmt(c), fmt(total)))
        if bad_weight.iat[i]:
            wt, mx = unfixed(wtot.iat[i]), unfixed(max_fx.iat[i])
            by_group = "；未列权重的指标按其分组标注的分值计" if pd.notna(gp.iat[i]) else ""
            out.append(make(cfg, "weight_sum_mismatch", ids,
                            f"各行权重（含预算执行{by_group}）相加为{fmt(wt)}分，与满分{fmt(mx)}分不符，请核对权重设置。",
                            fmt(mx), fmt(wt)))
        if no_budget_score.iat[i]:
            out.append(make(cfg, "weight_without_score", ids,
                            f"预算执行行有权重{fmt(dec(r['budget_weight']))}分但未填得分，请补填得分。",
                            "得分", "空"))
    ind = d.indicators.loc[missing]
    for r in ind.itertuples(index=False):
        out.append(make(cfg, "weight_without_score", ids_of(r),
                        f"指标「{text(r.level3)}」有权重{fmt(dec(r.weight))}分但未填得分，请补填得分（总分据此无法核对）。",
                        "得分", "空", r.indicator_key))
    out += _group_weights(d, cfg)
    out += _group_points(d, cfg)
    return out


def _group_points(d: Data, cfg: CheckConfig) -> list[Finding]:
    """A group label stating its points (产出指标（50分）, 目标任务（15分）) whose lines' weights add up to another sum:
    the form's own arithmetic disagrees. A group is its standard group (level1_group: a line whose 一级指标 cell is
    empty belongs to the group its 二级指标 implies); groups with a line of no weight are left to weight_without_score."""
    ind = d.indicators
    if ind.empty:
        return []
    l1, l2, p1, p2 = _label_points(ind)
    if p1.isna().all() and p2.isna().all():
        return []
    pairs = {(a, b): level1_group(a, b, cfg) for a, b in set(zip(l1, l2))}
    frame = pd.DataFrame({"project_id": ind["project_id"], "group": [pairs[(a, b)] for a, b in zip(l1, l2)],
                          "sub": [_ANNOT.sub("", text(b)) for b in l2], "weight": ind["weight"],
                          "l1": l1, "l2": l2, "p1": p1, "p2": p2})
    tol = cfg.dec("totals", "group_weight_tolerance")
    pinfo = d.project_ids()
    out: list[Finding] = []
    for word, keys, label, pts in (("一级", ["project_id", "group"], "l1", "p1"),
                                   ("二级", ["project_id", "group", "sub"], "l2", "p2")):
        stated_in = frame[pts].notna().groupby([frame[k] for k in keys], sort=False).transform("any")
        labelled = frame.loc[stated_in]                                  # the groups a label states points for
        for key, whole in labelled.groupby(keys, sort=False):
            stated = set(whole[pts].dropna())
            if len(stated) != 1 or whole["weight"].isna().any() or key[0] not in pinfo or not key[1]:
                continue
            (points,) = stated
            total = sum((Decimal(str(w)) for w in whole["weight"]), Decimal(0))
            if abs(total - points) > tol:
                written = whole.loc[whole[pts].notna(), label].iloc[0]
                out.append(make(cfg, "group_points_mismatch", pinfo[key[0]],
                                f"{word}指标「{written}」标注{fmt(points)}分，其下{len(whole)}行指标的权重相加为"
                                f"{fmt(total)}分，请核对各行权重或分组标注。", fmt(points), fmt(total)))
    return out


def group_weight_table(d: Data, cfg: CheckConfig) -> pd.DataFrame:
    """Per project and standard group: weight sum in millionths (wide: one column per group)."""
    ind = d.indicators.loc[d.indicators["weight"].notna(), ["project_id", "level1", "level2", "weight"]]
    if ind.empty:
        return pd.DataFrame()
    pairs = ind[["level1", "level2"]].drop_duplicates()
    names = {(a, b): level1_group(a, b, cfg) for a, b in zip(pairs["level1"], pairs["level2"])}
    group = pd.Series([names[(a, b)] for a, b in zip(ind["level1"], ind["level2"])], index=ind.index)
    gw = pd.DataFrame({"project_id": ind["project_id"], "group": group, "w": fixed(ind["weight"])})
    return gw.groupby(["project_id", "group"], sort=False)["w"].sum().unstack("group")


def _group_weights(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Level-1 group weights against the standard 10/50/30/10 (warning), or one info for local templates."""
    std = {k: Decimal(str(v)) for k, v in cfg.get("totals", "standard_weights", {}).items()}
    tol = cfg.dec("totals", "group_weight_tolerance")
    wide = group_weight_table(d, cfg)
    if wide.empty:
        return []
    proj = d.projects.drop_duplicates("project_id").set_index("project_id")
    wide = wide.loc[wide.index.isin(proj.index)]
    odd_cols = [c for c in wide.columns if c not in std]
    odd = wide[odd_cols].notna().any(axis=1) if odd_cols else pd.Series(False, index=wide.index)
    out: list[Finding] = []
    pinfo = d.project_ids()
    for pid, row in wide.loc[odd].iterrows():
        weights = {g: unfixed(v) for g, v in row.items() if pd.notna(v)}
        desc = "、".join(f"{g or '（空）'}{fmt(v)}分" for g, v in weights.items())
        out.append(make(cfg, "template_nonstandard", pinfo[pid],
                        f"一级指标为{desc}，不是标准的产出/效益/满意度结构，权重未按标准结构核对，请确认所用模板。",
                        "产出/效益/满意度", "、".join(weights)))
    normal = wide.loc[~odd]
    tol_fx = int(tol * FIXED)
    budget_w = fixed(proj["budget_weight"])
    for g, sw in std.items():
        sw_fx = int(sw * FIXED)
        if g in normal.columns:
            have = normal[g].fillna(0)
        elif g == "预算执行率":
            have = normal.index.to_series().map(budget_w)
        else:
            have = pd.Series(0, index=normal.index, dtype="Int64")
        bad = (have - sw_fx).abs() > tol_fx
        if g == "预算执行率":
            bad &= have.notna()
        for pid in normal.index[bad.fillna(False).to_numpy(dtype=bool)]:
            v = unfixed(have.at[pid])
            out.append(make(cfg, "group_weight_nonstandard", pinfo[pid],
                            f"一级指标「{g}」权重合计{fmt(v)}分，标准结构为{fmt(sw)}分，请核对权重分配是否符合当地模板。",
                            fmt(sw), fmt(v)))
    return out
