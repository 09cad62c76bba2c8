"""Family 4: each indicator's score against whether its target was met."""
from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, ids_of, make
from evalkit.checks.numbers import FIXED, Achievement, achievement, dec, fixed, fmt, text, truthy

KEY = ["target_op", "target_value", "target_unit", "actual_op", "actual_value", "actual_unit", "target_value_max",
       "ceiling"]


def achievements(ind: pd.DataFrame, cfg: CheckConfig) -> pd.Series:
    """Achievement per row, computed once per distinct (target, actual, ceiling) combination."""
    words = cfg.get("indicators", "ceiling_level2", ["成本"])
    pat = "|".join(map(re.escape, words)) or "$^"
    ceiling = (ind["level2"].astype("str").str.contains(pat, na=False)
               | ind["level3"].astype("str").str.contains(pat, na=False))
    k = ind[KEY[:-1]].assign(ceiling=ceiling).astype("object")
    k = k.where(k.notna(), None)
    aliases = cfg.get("indicators", "unit_aliases", {})
    memo: dict[tuple, Achievement] = {}
    out = []
    for t in k.itertuples(index=False, name=None):
        a = memo.get(t)
        if a is None:
            a = memo[t] = achievement(*t[:6], ceiling=bool(t[7]), aliases=aliases, target_max=t[6])
        out.append(a)
    return pd.Series(out, index=ind.index, dtype="object")


def check_indicators(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Full score on unmet / 未完成, deduction on met, score above weight, missing reasons, proportionality."""
    ind = d.indicators
    scored = ind.loc[ind["weight"].notna() & ind["score"].notna()]
    if scored.empty:
        return []
    tol = cfg.dec("indicators", "score_tolerance")
    ptol = cfg.dec("indicators", "proportional_tolerance")
    rule = cfg.get("indicators", "scoring_rule", "proportional")
    unmet_pat = "|".join(map(re.escape, cfg.get("indicators", "unmet_words", [])))
    says_unmet = scored["actual"].astype("str").str.contains(unmet_pat, na=False) if unmet_pat else \
        pd.Series(False, index=scored.index)
    ach = achievements(scored, cfg)
    status = pd.Series([a.status for a in ach], index=scored.index, dtype="object")
    w_fx, s_fx, tol_fx = fixed(scored["weight"]), fixed(scored["score"]), int(tol * FIXED)
    full = (s_fx >= w_fx - tol_fx).fillna(False)
    proj = d.projects.drop_duplicates("project_id").set_index("project_id")
    has_col = scored["project_id"].map(proj["has_deviation_column"]).map(truthy).astype(bool)
    # only rows where some rule can fire go through the per-row (exact Decimal) logic
    cand = ((s_fx > w_fx + tol_fx).fillna(False) | (says_unmet & full) | (status == "unmet")
            | ((status == "met") & ~full) | (~full & has_col))
    scored, ach, says_unmet, has_col = scored.loc[cand], ach.loc[cand], says_unmet.loc[cand], has_col.loc[cand]
    note = scored["project_id"].map(proj["deviation_note"]).map(lambda x: bool(text(x).strip()))
    out: list[Finding] = []
    for r, a, unmet_text, hc, pn in zip(scored.itertuples(index=False), ach, says_unmet, has_col, note):
        w, s = dec(r.weight), dec(r.score)
        ids, key, name = ids_of(r), r.indicator_key, text(r.level3)
        tgt, act = text(r.target), text(r.actual)
        full = s >= w - tol
        flagged = False

        def f(rule_id: str, msg: str, exp: str, found: str) -> None:
            out.append(make(cfg, rule_id, ids, msg, exp, found, key))

        if s > w + tol:
            f("indicator_score_over_weight",
              f"指标「{name}」得分{fmt(s)}分超过其权重{fmt(w)}分，请核对得分。", f"≤{fmt(w)}", fmt(s))
            flagged = True
        if unmet_text and full and w > 0:
            f("indicator_text_unmet_scored",
              f"指标「{name}」实际完成值为「{act}」，却得满分{fmt(s)}分，请按完成情况扣分或更正完成值。",
              f"<{fmt(w)}", fmt(s))
            flagged = True
        elif a.status == "unmet" and full and w > 0:
            f("indicator_full_score_unmet",
              f"指标「{name}」目标值为{tgt}、实际完成值为{act}，未达目标却得满分{fmt(s)}分，请核对完成值或扣分。",
              f"<{fmt(w)}", fmt(s))
            flagged = True
        elif a.status == "met" and not full:
            f("indicator_deduction_met",
              f"指标「{name}」目标值为{tgt}、实际完成值为{act}，已达目标却只得{fmt(s)}分（权重{fmt(w)}分），请说明扣分理由或更正得分。",
              fmt(w), fmt(s))
            flagged = True
        if not flagged and a.status == "unmet" and not full:
            exp = None
            if rule == "proportional" and a.share is not None:
                exp = w * min(a.share, Decimal(1))
            elif rule == "all_or_nothing":
                exp = Decimal(0)
            if exp is not None and abs(s - exp) > ptol:
                f("indicator_score_not_proportional",
                  f"指标「{name}」目标值为{tgt}、实际完成值为{act}，按完成比例应得{fmt(exp, 2)}分，填报{fmt(s)}分，请说明评分依据。",
                  fmt(exp, 2), fmt(s))
        if (not full and hc and not pn and not text(r.deviation_reason).strip()
                and a.status != "met"):
            f("indicator_deduction_no_reason",
              f"指标「{name}」扣{fmt(w - s)}分（得{fmt(s)}分/权重{fmt(w)}分），但未填偏差原因分析，请补充原因及改进措施。",
              "偏差原因", "空")
    return out
