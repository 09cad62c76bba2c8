"""Families 1 and 2: execution rate, budget score, and budgets cut to fit the spending."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from evalkit.checks.config import CheckConfig
from evalkit.checks.data import Data
from evalkit.checks.findings import Finding, ids_of, make
from evalkit.checks.numbers import HUNDRED, dec, fmt, pct
from evalkit.recognize.vocabulary import BUDGET_PART_ALL, BUDGET_PART_PREFIX


def rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """executed / budget in percent, None when either is missing or the budget is 0."""
    if executed is None or budget is None or budget == 0:
        return None
    return executed * HUNDRED / budget


def as_fraction(stated: Decimal | None, calc: Decimal | None, tol: Decimal) -> bool:
    """A rate written as a fraction of one (0.93 or 1 in the 执行率 cell: an Excel formula without the percent
    format) that the amounts confirm: stated x 100 is the computed rate within the tolerance, or within what the
    stated decimals can say (0.9: 85 % to 95 %; a 1 only within the tolerance of 100 %)."""
    if stated is None or calc is None or not 0 < stated <= 1 or calc <= 1 + tol:
        return False
    exponent = stated.normalize().as_tuple().exponent
    half_unit = Decimal(5).scaleb(exponent - 1) * HUNDRED if isinstance(exponent, int) and exponent < 0 else Decimal(0)
    return abs(stated * HUNDRED - calc) <= max(tol, half_unit)


def expected_budget_score(weight: Decimal, rate_pct: Decimal, cap: bool) -> Decimal:
    """weight x rate, capped at the weight unless configured otherwise."""
    s = weight * rate_pct / HUNDRED
    return min(s, weight) if cap else s


ROUNDING_STEP = {"integer": Decimal(1), "tenth": Decimal("0.1"), "half": Decimal("0.5")}


def rounded_as_template(score: Decimal, expected: Decimal, rounding: str) -> bool:
    """Whether a stated score is the expected one rounded as the province's template rounds (half up, to its step)."""
    step = ROUNDING_STEP.get(rounding)
    return step is not None and (expected / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step == score


def check_budget(d: Data, cfg: CheckConfig) -> list[Finding]:
    """Stated rate and budget score against the money; zero/missing denominators; over-spending."""
    p = d.projects
    tol = cfg.dec("budget", "rate_tolerance")
    stol = cfg.dec("budget", "score_tolerance")
    otol = cfg.dec("budget", "over_execution_tolerance")
    cap = bool(cfg.get("budget", "cap_score_at_weight", True))
    rounding = cfg.get("budget", "score_rounding", "none")
    cut = cfg.dec("budget", "cut_ratio")
    out: list[Finding] = []
    cols = ["report_id", "project_id", "source_file", "county", "budget_initial", "budget_full_year",
            "executed", "execution_rate", "budget_weight", "budget_score",
            "execution_rate_line", "execution_rate_narrative"]
    # only rows with something to check: a money figure or a stated rate/score
    mask = p[["budget_full_year", "executed", "execution_rate", "budget_score"]].notna().any(axis=1)
    for r in p.loc[mask, cols].itertuples(index=False):
        ids = ids_of(r)
        ini, full, ex, stated = dec(r.budget_initial), dec(r.budget_full_year), dec(r.executed), dec(r.execution_rate)
        w, score = dec(r.budget_weight), dec(r.budget_score)
        calc = rate(ex, full)

        def f(rule: str, msg: str, exp: str, found: str) -> None:
            out.append(make(cfg, rule, ids, msg, exp, found))

        if full is None and ex is not None:
            f("budget_missing_denominator",
              f"未填全年预算数（执行数{fmt(ex)}万元），执行率无法按全年执行数/全年预算数核对，请补填全年预算数。",
              "全年预算数", "空")
        elif full == 0 and ((ex is not None and ex != 0) or (stated is not None and stated != 0)):
            f("budget_zero_denominator",
              f"全年预算数为0而执行数为{fmt(ex)}万元、执行率填报为{fmt(stated)}%，执行率无法计算，请核对全年预算数是否漏填。",
              "全年预算数>0", "0")
        fraction = as_fraction(stated, calc, tol)
        if fraction:
            f("execution_rate_as_fraction",
              f"执行率填报为{fmt(stated)}（小数），按全年执行数/全年预算数（{fmt(ex)}/{fmt(full)}万元）为{pct(calc)}，"
              f"数值相符；请按百分比填写（{pct(calc)}），以免被读作{fmt(stated)}%。",
              pct(calc), fmt(stated))
        elif calc is not None and stated is not None and abs(stated - calc) > tol:
            f("execution_rate_mismatch",
              f"执行率填报为{fmt(stated)}%，按全年执行数/全年预算数（{fmt(ex)}/{fmt(full)}万元）应为{pct(calc)}，请核对是否漏填或错填。",
              pct(calc), f"{fmt(stated)}%")
        if calc is not None and calc > HUNDRED + otol:
            f("execution_over_budget",
              f"全年执行数{fmt(ex)}万元超过全年预算数{fmt(full)}万元（执行率{pct(calc)}），请核对预算调整或执行数。",
              "≤100%", pct(calc))
        use = calc if calc is not None else stated
        if w is not None and score is not None and use is not None:
            exp = expected_budget_score(w, use, cap)
            if abs(score - exp) > stol and not rounded_as_template(score, exp, rounding):
                f("budget_score_mismatch",
                  f"预算执行得分填报为{fmt(score)}分，按权重{fmt(w)}×执行率{pct(use)}应为{fmt(exp, 2)}分，请核对得分。",
                  fmt(exp, 2), fmt(score))
        for other, where in ((dec(r.execution_rate_line), "指标表预算执行率行"),
                             (dec(r.execution_rate_narrative), "报告正文")):
            if stated is not None and other is not None and other != stated and not (fraction and other == stated * HUNDRED):
                f("execution_rate_conflict",
                  f"执行率在预算执行表中为{fmt(stated)}%，在{where}中为{fmt(other)}%，请统一为按全年执行数/全年预算数计算的值。",
                  f"{fmt(stated)}%", f"{fmt(other)}%")
        # family 2: a full-year budget cut far below the initial one makes the rate look high
        if ini is not None and full is not None and ini > 0 and full < ini * cut:
            init_rate = rate(ex, ini)
            f("budget_cut_inflates_rate",
              f"全年预算数{fmt(full)}万元不足年初预算{fmt(ini)}万元的{fmt(cut * HUNDRED)}%，"
              f"执行率{pct(calc if calc is not None else stated)}按年初预算计仅为{pct(init_rate)}，请说明预算调减原因。",
              f"按年初预算执行率{pct(init_rate)}", f"{pct(calc if calc is not None else stated)}")
    return out


_AMOUNT_ZH = {"budget_initial": "年初预算数", "budget_full_year": "全年预算数", "executed": "全年执行数"}


def _parts(raw) -> list[dict]:
    try:
        rows = json.loads(raw) if isinstance(raw, str) else []
    except ValueError:
        return []
    return rows if isinstance(rows, list) else []


def _stated_parts(rows: list[dict], role: str, total: Decimal) -> str:
    """The parts stating `role` other than 0, as written, and, when several do, their sum (本年财政拨款80万元、其他资金
    10万元，合计90万元)."""
    def label(r):
        return BUDGET_PART_PREFIX.sub("", str(r.get("label", ""))) or "分项"
    stated = [(label(r), dec(r[role])) for r in rows if isinstance(r, dict) and r.get(role) is not None]
    shown = [(lab, v) for lab, v in stated if v != 0] or stated[:1]
    words = "、".join(f"{lab}{fmt(v)}万元" for lab, v in shown)
    return words + (f"，合计{fmt(total)}万元" if len(shown) > 1 else "")


def check_budget_parts(d: Data, cfg: CheckConfig) -> list[Finding]:
    """The rows under the budget total (其中：本年财政拨款, 上年结转资金, 其他资金) against the total: their sum above it,
    or apart from it when a 其他资金 row makes the breakdown complete; a total left empty or 0 beside filled parts (the
    rate and every sum built on the total are then wrong)."""
    p = d.projects
    cols = [f"parts_{r}" for r in _AMOUNT_ZH]
    if p.empty or not set(cols) <= set(p.columns):
        return []
    tol = cfg.dec("budget", "parts_tolerance")
    out: list[Finding] = []
    # a float pre-filter with slack (of a province's 30,000 projects only those that may fire are parsed); the exact
    # Decimal test below decides
    mask = pd.Series(False, index=p.index)
    for role in _AMOUNT_ZH:
        total, parts = pd.to_numeric(p[role], errors="coerce"), pd.to_numeric(p[f"parts_{role}"], errors="coerce")
        mask |= (total.isna() & parts.notna() & (parts != 0)) | ((parts - total).abs() > float(tol) / 2)
    for r in p.loc[mask.fillna(False)].itertuples(index=False):
        rows = _parts(r.budget_parts)
        complete = any(isinstance(x, dict) and x.get("kind") == BUDGET_PART_ALL for x in rows)
        blank, off = [], []
        for role, zh in _AMOUNT_ZH.items():
            total, parts = dec(getattr(r, role)), dec(getattr(r, f"parts_{role}"))
            if parts is None:
                continue
            if total is None:
                if parts != 0:
                    blank.append((role, zh, parts))
            elif parts - total > tol or (complete and abs(parts - total) > tol):
                off.append((role, zh, total, parts))
        ids = ids_of(r)
        if blank:
            out.append(make(cfg, "budget_total_missing", ids,
                            "年度资金总额未填" + "、".join(zh for _, zh, _ in blank) + "，而其中各项填有金额（"
                            + "；".join(f"{zh}：{_stated_parts(rows, role, v)}" for role, zh, v in blank)
                            + "）：请补填总额行，执行率和资金汇总都按总额计算。",
                            "、".join(f"{zh}{fmt(v)}万元" for _, zh, v in blank), "空"))
        if off:
            zero = all(t == 0 for _, _, t, _ in off)
            what = "；".join(f"{zh}：{_stated_parts(rows, role, v)}，总额填{fmt(t)}万元"
                             for role, zh, t, v in off)
            msg = (f"年度资金总额填为0，而其中各项填有金额（{what}）：总额行可能漏填，按总额计算的执行率和资金汇总都不可信，请核对。"
                   if zero else f"其中各项之和与年度资金总额不符（{what}），请核对总额或分项。")
            out.append(make(cfg, "budget_parts_mismatch", ids, msg,
                            "、".join(f"{zh}{fmt(v)}万元" for _, zh, _, v in off),
                            "、".join(f"{zh}{fmt(t)}万元" for _, zh, t, _ in off)))
    return out
