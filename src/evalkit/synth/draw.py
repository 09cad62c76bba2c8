"""The reports drawn (`Generator`): a report's agency, year, projects, budgets, indicator lines and scores, clean by
construction or carrying one injected inconsistency (the findings it should raise: truth.expected_findings)."""
from __future__ import annotations

import bisect
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from evalkit.geo import MUNICIPALITIES
from evalkit.synth.vocab import (D0, D1, D100, DEPT_PARTS, ECO, ECON, ELIGIBLE, FORM_SYSTEM, GENERIC_PROJECTS,
                                 GENERIC_QUANTITY, GOALS, GRADE_WORDS_SH, NEXT_GRADE, PROVINCE_ABBR, Q2, QUALITY,
                                 QUAL_SHORTFALL, REASONS, SATISFACTION, SECTORS, SINGLE_LAYOUTS, SUSTAIN, TIMELY,
                                 divisions, excellent_min_execution, grade_of, q2, trim)


RANGE_SHARE = 0.2      # satisfaction targets written as a range (90-100%) rather than ≥90%

# ------------------------------------------------------------------------------ model

@dataclass
class Line:
    level1: str
    level2: str
    level3: str
    op: str                     # ≥ ≤ = or 定性 / '' (split-cell layouts show it in its own cell)
    value: str
    unit: str
    actual: str
    weight: Decimal | None
    score: Decimal | None
    kind: str                   # floor (≥/= numeric), ceil (≤ numeric), qual, cost
    tv: Decimal | None = None   # target value (numeric kinds)
    reason: str = ""

    @property
    def target(self) -> str:
        return f"{self.op}{self.value}{self.unit}"


@dataclass
class Project:
    name: str
    agency: str
    topic: str
    initial: Decimal | None
    full: Decimal | None
    executed: Decimal | None
    rate: Decimal | None              # stated execution rate (percent)
    bw: Decimal | None
    bs: Decimal | None
    lines: list[Line]
    total: Decimal | None = None      # stated total
    grade: str | None = None          # stated grade (one character), layouts that state one
    goal: str = ""
    injected: list[tuple[str, str]] = field(default_factory=list)   # (rule, detail)
    # the 其中：财政拨款 row's figure that differs from the total's: (initial / full / executed, by how much)
    part_delta: tuple[str, Decimal] | None = None
    # a level-1 group label stating points its lines do not add up to: (group, by how much)
    points_delta: tuple[str, Decimal] | None = None

    def part(self, role: str) -> Decimal | None:
        """The figure the 其中 (财政拨款) row under the budget total states: the total's, unless injected otherwise."""
        v = getattr(self, role)
        if v is not None and self.part_delta and self.part_delta[0] == role:
            return v + self.part_delta[1]
        return v

    def calc_total(self) -> Decimal:
        return (self.bs or D0) + sum((ln.score or D0 for ln in self.lines), D0)

    def calc_rate(self) -> Decimal | None:
        if self.full in (None, D0) or self.executed is None:
            return None
        return self.executed * D100 / self.full


@dataclass
class Report:
    idx: int
    layout: str                       # cells dept annex tabs form juesuan table
    fmt: str
    code: str
    county: str
    city: str
    province: str
    agency: str
    sector: str
    year: int
    projects: list[Project]
    doc_kind: str
    overall_score: Decimal | None = None
    overall_grade: str | None = None
    narrative_score: Decimal | None = None
    parts: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    summary: dict | None = None
    statement: dict | None = None     # juesuan: the 绩效自评 sentence's figures
    rel: str = ""                     # path under docs/


# ------------------------------------------------------------------------------ generation

COST_KINDS = ("total", "unit", "part", "overrun")
_WEIGHT_DEC = [Decimal(i) for i in range(101)]


def pick(rng, seq):
    """rng.choice without its per-call overhead (the generator's hot path draws ~100 a report)."""
    return seq[int(rng.random() * len(seq))]


def rand_int(rng, a: int, b: int) -> int:
    """rng.randint(a, b), cheaply."""
    return a + int(rng.random() * (b - a + 1))


# What sets a report's size (its format, its layout, the number of projects of a bundle) is drawn from Weyl
# sequences (start + idx × an irrational step, mod 1) rather than at random: any first N reports then hold the
# mix of the whole corpus, so corpora of 200 and 2,000 reports do comparable work per report (random draws
# left the first 200 of seed 7's 2,000 text reports with 11 % fewer rows a report, and a benchmark of 10× the
# reports measured 11.2× the work). The three steps are rationally independent, so the draws do not follow
# one another; everything else about a report stays random.
_STEPS = {"format": (math.sqrt(5) - 1) / 2, "layout": math.sqrt(2) - 1, "projects": math.sqrt(3) - 1}


@lru_cache(maxsize=None)
def _start(seed, name: str) -> float:
    return random.Random(f"{seed}:{name}:start").random()


def spread(seed, name: str, idx: int) -> float:
    """The idx-th value in [0, 1) of the seed's low-discrepancy sequence `name` (see _STEPS)."""
    return (_start(seed, name) + idx * _STEPS[name]) % 1.0


def weighted(u: float, seq, cum_weights):
    """The item of seq whose share of the cumulative weights holds u in [0, 1) (random.choices' rule)."""
    return seq[min(bisect.bisect(cum_weights, u * cum_weights[-1]), len(seq) - 1)]


def _bundle_size(u: float) -> int:
    """Projects in a bundle: 3 plus an exponential of mean 6 (at the quantile u), at most 30."""
    return min(30, 3 + int(-6 * math.log(1.0 - u)))


def _pick(rng, seq, k: int) -> list:
    """k distinct items of seq (fewer if seq is shorter); cheap for the common k <= 1."""
    if k <= 0:
        return []
    if k == 1:
        return [seq[int(rng.random() * len(seq))]]
    return rng.sample(seq, k=min(k, len(seq)))

class Generator:
    """Builds one report's content from its own RNG (so one report's choices never shift another's)."""

    def __init__(self, seed: int, error_rate: float):
        self.seed = seed
        self.error_rate = error_rate
        self.places = divisions()

    def report(self, idx: int, layout: str, fmt: str) -> Report:
        rng = random.Random(f"{self.seed}:{idx}:report")
        code, county, city, province = pick(rng, self.places)
        sector = pick(rng, list(SECTORS))
        if layout == "juesuan" and rng.random() < 0.5:
            sector = "财政"
        sec = SECTORS[sector]
        prefix = province if province in MUNICIPALITIES else ""
        agency = prefix + county + pick(rng, sec["agencies"])
        year = pick(rng, [2019, 2020, 2021, 2021, 2022, 2022, 2023, 2023, 2024, 2024])
        if layout in SINGLE_LAYOUTS:
            n = 1
        elif layout == "juesuan":
            n = 0
        elif fmt == "scan":
            n = pick(rng, [1, 1, 2, 3])             # a scanned, stamped table or two, not a bundle
        else:
            n = _bundle_size(spread(self.seed, "projects", idx))
        split = layout == "dept"
        names = self._project_names(rng, sector, n, year, province, code, layout)
        projects = [self.project(rng, sector, agency, name, layout, split) for name in names]
        doc_kind = {"cells": "project_report", "annex": "project_report", "form": "project_report",
                    "dept": "department_report", "juesuan": "department_report"}.get(
            layout, "project_tables" if n > 1 else "project_report")
        rep = Report(idx, layout, fmt, code, county, city, province, agency, sector, year, projects, doc_kind)
        for p in projects:
            if rng.random() < self.error_rate:
                self.inject(rng, rep, p)
        self.finish(rng, rep)
        return rep

    # -- names -----------------------------------------------------------------------------
    def _project_names(self, rng, sector, n, year, province, code, layout) -> list[str]:
        sec = SECTORS[sector]
        pool = sec["projects"] + rng.sample(GENERIC_PROJECTS, k=min(len(GENERIC_PROJECTS), 8))
        rng.shuffle(pool)
        out, used = [], set()
        abbr = PROVINCE_ABBR.get(province[:3] if province.startswith("黑龙江") or province.startswith("内蒙古") else province[:2], "")
        for i in range(n):
            if i < len(pool) and rng.random() < 0.85:
                name = pool[i]
            else:
                level = pick(rng, ["中央财政", "省级财政", "中央", "省级"])
                topic = pick(rng, sec["projects"]).replace("经费", "").replace("资金", "").replace("补助", "")
                name = (f"关于下达{year}年{level}{topic}补助资金的通知{abbr}财{sec['dept']}〔{year - rand_int(rng, 0, 1)}〕"
                        f"{rand_int(rng, 8, 260)}号")
            if layout == "dept" and rng.random() < 0.5:
                name = f"{code[:6]}{str(year)[2:]}T{rng.randrange(10 ** 14, 10 ** 15)}-{name}"
            base, k = name, 2
            while name in used:
                name = f"{base}（{'二三四五六七八九'[min(k - 2, 7)]}期）" if k < 10 else f"{base}{k}"
                k += 1
            used.add(name)
            out.append(name)
        return out

    # -- one project -----------------------------------------------------------------------
    def project(self, rng, sector, agency, name, layout, split) -> Project:
        x = rng.random()
        tier = "strong" if x < 0.78 else "moderate" if x < 0.95 else "weak"
        full = self._amount(rng)
        if layout == "form":
            return self._form_project(rng, sector, agency, name, full, tier)
        r = rng.random()
        if layout == "annex":
            initial = None
        elif r < 0.58:
            initial = full
        elif r < 0.83:
            initial = self._round_like(full * Decimal(str(rng.uniform(0.8, 1.3))), full)
        elif r < 0.93 or layout in ("cells",):
            initial = D0 if layout != "cells" else full
        else:
            initial = None if layout in ("tabs", "table") else D0
        rate_pct = self._rate(rng, tier)
        executed = full if rate_pct == D100 else q2(full * rate_pct / D100)
        if executed <= 0:
            executed = Q2
        p = Project(name=name, agency=agency, topic=re.sub(r"(经费|资金|项目|费用|补助|补贴)$", "", name)[:14],
                    initial=initial, full=full, executed=executed, rate=None, bw=Decimal(10), bs=None, lines=[])
        p.lines = self._lines(rng, sector, p, tier, split, layout)
        self._set_budget(p)
        # 优 with a low execution rate is a finding of its own: spend more, or score lower
        low = excellent_min_execution()
        if p.calc_rate() < low and grade_of(p.calc_total()) == "优":
            p.executed = q2(full * Decimal(rand_int(rng, min(99, int(low) + 2), 99)) / D100)
            self._set_budget(p)
        p.goal = pick(rng, GOALS).format(topic=p.topic)
        return p

    @staticmethod
    def _set_budget(p: Project) -> None:
        calc = p.calc_rate()
        p.rate = q2(calc)
        p.bs = q2(min(p.bw * calc / D100, p.bw))

    @staticmethod
    def _amount(rng) -> Decimal:
        x = 10 ** rng.uniform(0.2, 3.3)
        if rng.random() < 0.4:
            return Decimal(max(1, round(x)))
        return q2(Decimal(str(x)))

    @staticmethod
    def _round_like(x: Decimal, like: Decimal) -> Decimal:
        return Decimal(max(1, int(x))) if like == like.to_integral_value() else q2(x)

    @staticmethod
    def _rate(rng, tier) -> Decimal:
        if tier == "strong":
            return D100 if rng.random() < 0.6 else q2(Decimal(str(rng.uniform(88, 100))))
        if tier == "moderate":
            return D100 if rng.random() < 0.3 else q2(Decimal(str(rng.uniform(78, 100))))
        return q2(Decimal(str(rng.uniform(50, 95))))

    def _weights(self, rng, total: int, k: int) -> list[Decimal]:
        if k == 1:
            return [Decimal(total)]
        if total == 50 and k == 4 and rng.random() < 0.3:
            return [Decimal("12.5")] * 4
        unit = 5 if total // 5 >= k and rng.random() < 0.75 else 1
        slots = total // unit
        shares = [rng.random() + 0.35 for _ in range(k)]
        scale = (slots - k) / sum(shares)
        parts = [1 + int(x * scale) for x in shares]          # each at least one unit
        parts[int(rng.random() * k)] += slots - sum(parts)     # the rounding remainder somewhere
        return [_WEIGHT_DEC[x * unit] for x in parts]

    def _lines(self, rng, sector, p: Project, tier, split, layout) -> list[Line]:
        sec = SECTORS[sector]
        deduct_p = {"strong": 0.04, "moderate": 0.3, "weak": 0.65}[tier]
        share_lo = {"strong": 0.85, "moderate": 0.65, "weak": 0.4}[tier]
        used: set[str] = set()
        specs = []   # (level1, level2, maker)
        quantity = sec["quantity"] + GENERIC_QUANTITY[:2]
        r = rng.random
        for item in _pick(rng, quantity, 1 if r() < 0.4 else 2 if r() < 0.67 else 3):
            specs.append(("产出指标", "数量指标", ("count",) + item))
        for name, pct in _pick(rng, QUALITY, 1 if r() < 0.67 else 2):
            specs.append(("产出指标", "质量指标", ("rate", name, pct)))
        for item in _pick(rng, TIMELY, 1 if r() < 0.67 else 2):
            specs.append(("产出指标", "时效指标", ("timely",) + item))
        x = r()
        for kind in _pick(rng, COST_KINDS, 0 if x < 0.25 else 1 if x < 0.75 else 2):
            specs.append(("产出指标", "成本指标", ("cost", kind)))
        n_out = len(specs)
        ben = []
        soc = _pick(rng, sec["social"], 1 if r() < 0.67 else 2)
        for name, how in soc:
            ben.append(("效益指标", "社会效益指标", ("benefit", name, how)))
        if rng.random() < 0.25:
            ben.append(("效益指标", "经济效益指标", ("benefit",) + pick(rng, ECON)))
        if rng.random() < 0.1:
            ben.append(("效益指标", "生态效益指标", ("benefit",) + pick(rng, ECO)))
        if rng.random() < 0.7:
            ben.append(("效益指标", "可持续影响指标", ("benefit",) + pick(rng, SUSTAIN)))
        ben = ben[:3]
        specs += ben
        sats = _pick(rng, SATISFACTION, 1 if r() < 0.8 else 2)
        specs += [("满意度指标", "服务对象满意度指标", ("sat", s)) for s in sats]
        weights = (self._weights(rng, 50, n_out) + self._weights(rng, 30, len(ben))
                   + self._weights(rng, 10, len(sats)))
        lines = []
        for (l1, l2, spec), w in zip(specs, weights):
            ln = self._line(rng, p, l1, l2, spec, w, split)
            if ln.level3 in used:
                ln.level3 = ln.level3 + "（" + l2[:2] + "）"
            used.add(ln.level3)
            if rng.random() < deduct_p:
                self._deduct(rng, ln, share_lo, split)
            lines.append(ln)
        return lines

    def _line(self, rng, p: Project, l1, l2, spec, w: Decimal, split) -> Line:
        kind = spec[0]

        def floor(name, value, unit, actual, op="≥"):
            return Line(l1, l2, name, op, trim(value), unit, f"{trim(actual)}{unit}", w, w, "floor", tv=value)

        def qual(name, word):
            if split:
                word2 = pick(rng, ["好", "优", "高"])
                return Line(l1, l2, name, "定性", word2, "", word2, w, w, "qual")
            return Line(l1, l2, name, "", word, "", word if rng.random() < 0.8 else pick(rng, ["已完成", "达到预期"]),
                        w, w, "qual")

        if kind == "count":
            _, name, unit, lo, hi = spec
            n = Decimal(rand_int(rng, lo, hi))
            if n > 1000 and rng.random() < 0.6:
                n = Decimal(int(n) // 100 * 100)
            op = "=" if rng.random() < 0.15 else "≥"
            extra = D0 if op == "=" or rng.random() < 0.6 else Decimal(rand_int(rng, 1, max(1, int(n) // 10 + 1)))
            return floor(name, n, unit, n + extra, op)
        if kind in ("rate", "sat"):
            name = spec[1]
            pct = Decimal(spec[2]) if kind == "rate" else Decimal(pick(rng, [85, 90, 90, 95]))
            actual = pct if rng.random() < 0.5 or pct == D100 else Decimal(rand_int(rng, int(pct), 100))
            if rng.random() < 0.2 and actual < D100:
                actual = actual + Decimal(rand_int(rng, 1, 9)) / 10 if actual < 99 else actual
            if kind == "sat" and pct < D100 and random.Random(f"{p.name}{name}{w}").random() < RANGE_SHARE:
                # written as a range (90-100%): its own draw, so the corpus's other figures stay as they were
                return Line(l1, l2, name, "", f"{trim(pct)}-100", "%", f"{trim(actual)}%", w, w, "floor", tv=pct)
            return floor(name, pct, "%", actual)
        if kind == "timely":
            name, how = spec[1], spec[2]
            if how == "rate":
                pct = Decimal(spec[3])
                return floor(name, pct, "%", Decimal(rand_int(rng, int(pct), 100)))
            if how.startswith("qual:"):
                return qual(name, how[5:])
            unit = {"month": "月", "day": "天", "workday": "个工作日"}[how]
            n = Decimal(spec[3]) if how == "month" else Decimal(pick(rng, [int(spec[3]), 15, 20, 7, 5]))
            act = n if rng.random() < 0.6 else max(D1, n - rand_int(rng, 1, max(1, int(n) // 3)))
            return Line(l1, l2, name, "≤", trim(n), unit, f"{trim(act)}{unit}", w, w, "ceil", tv=n)
        if kind == "cost":
            how = spec[1]
            full, ex = p.full, p.executed
            if how == "total":
                name = pick(rng, ["项目总成本", "总成本", "费用总成本", "项目支出总额"])
                return Line(l1, l2, name, "≤", trim(full), "万元", f"{trim(ex)}万元", w, w, "cost", tv=full)
            if how == "unit":
                name, unit, lo, hi = pick(rng, [("人均补助标准", "元/人", 200, 3000), ("单位采购成本", "元/台", 2000, 9000),
                                                 ("每场次活动成本", "元", 500, 5000), ("平均培训成本", "元/人次", 100, 800)])
                n = Decimal(rand_int(rng, lo, hi) // 10 * 10)
                act = n if rng.random() < 0.6 else n - Decimal(rand_int(rng, 1, int(n) // 10)) // 10 * 10
                return Line(l1, l2, name, "≤", trim(n), unit, f"{trim(act)}{unit}", w, w, "ceil", tv=n)
            if how == "part":
                name = pick(rng, ["培训成本", "宣传资料印制成本", "设备购置成本", "维护成本", "劳务成本"])
                cap = q2(full * Decimal(str(rng.uniform(0.15, 0.6))))
                if cap <= Q2:
                    cap = full
                act = q2(cap * Decimal(str(rng.uniform(0.8, 1.0))))
                return Line(l1, l2, name, "≤", trim(cap), "万元", f"{trim(act)}万元", w, w, "cost", tv=cap)
            return Line(l1, l2, "项目超支额", "=", "0", "万元", "0万元", w, w, "cost", tv=D0)
        if kind == "benefit":
            name, how = spec[1], spec[2]
            if how.startswith("qual:"):
                return qual(name, how[5:])
            if how == "rate":
                pct = Decimal(pick(rng, [85, 90, 95, 98]))
                return floor(name, pct, "%", Decimal(rand_int(rng, int(pct), 100)))
            if how in ("ceil_rate", "ceil_rate_small"):
                cap = Decimal(pick(rng, [1, 2, 3, 5])) if how == "ceil_rate_small" else Decimal(pick(rng, [5, 10]))
                act = q2(cap * Decimal(str(rng.uniform(0.2, 0.9))))
                act = act.quantize(Decimal("0.1"))
                if act <= 0:
                    act = Decimal("0.1")
                return Line(l1, l2, name, "≤", trim(cap), "%", f"{trim(act)}%", w, w, "ceil", tv=cap)
            if how == "year":
                n = Decimal(pick(rng, [1, 2, 3, 5, 8, 10]))
                return floor(name, n, "年", n)
        raise ValueError(spec)

    def _deduct(self, rng, ln: Line, share_lo: float, split: bool) -> None:
        """Miss the target: a floor line scores weight x achieved share; a qualitative one loses points."""
        w = ln.weight
        if ln.kind == "floor" and ln.tv is not None and ln.tv >= 2:
            share = Decimal(str(rng.uniform(share_lo, 0.97)))
            if ln.unit == "%":
                act = (ln.tv * share).quantize(Decimal("0.1"))
            else:
                act = Decimal(int(ln.tv * share))
            if act <= 0 or act >= ln.tv:
                return
            ln.actual = f"{trim(act)}{ln.unit}"
            ln.score = q2(w * act / ln.tv)
            ln.reason = pick(rng, REASONS)
        elif ln.kind == "qual":
            lost = q2(w * Decimal(str(rng.uniform(0.05, 1 - share_lo + 0.05))))
            lost = max(Decimal("0.5"), (lost * 2).quantize(D1) / 2)
            if lost >= w:
                return
            ln.score = w - lost
            ln.actual = "中" if split else pick(rng, QUAL_SHORTFALL)      # 定性: 好/中/差
            ln.reason = pick(rng, REASONS)

    def _form_project(self, rng, sector, agency, name, full, tier) -> Project:
        """Seed 004's form: 计划安排资金 and 实际支出 (no full-year budget, no rate), 定量目标 lines
        without weights, and the 评价指标体系 (项目决策/项目管理/项目绩效) that carries the score."""
        sec = SECTORS[sector]
        executed = q2(full * self._rate(rng, tier) / D100)
        lines = []
        qty = rng.sample(sec["quantity"], k=min(2, len(sec["quantity"])))
        plan = [("项目产出指标", "数量指标", q) for q in qty]
        for l1, l2, (qname, unit, lo, hi) in plan:
            n = Decimal(rand_int(rng, lo, hi))
            lines.append(Line(l1, l2, qname, "", trim(n), unit, f"{trim(n + rand_int(rng, 0, 3))}{unit}", None, None, "form"))
        for l1, l2, nm in [("项目产出指标", "质量指标", pick(rng, QUALITY)[0]),
                           ("项目产出指标", "时效指标", "全年任务在年底完成"),
                           ("项目产出指标", "成本指标", "控制支出在预算内"),
                           ("项目效益指标", "社会效益指标", pick(rng, sec["social"])[0]),
                           ("项目效益指标", "服务对象满意度指标", pick(rng, SATISFACTION))]:
            lines.append(Line(l1, l2, nm, "", "100", "%", "100%", None, None, "form"))
        lost_p = {"strong": 0.08, "moderate": 0.3, "weak": 0.6}[tier]
        l1 = l2 = ""
        for (a, _, b, _, c, w, _, _) in FORM_SYSTEM:
            l1, l2 = a or l1, b or l2
            w = Decimal(w)
            score = w
            if rng.random() < lost_p and w >= 2:
                score = w - Decimal(rand_int(rng, 1, int(w) - 1 if w > 2 else 1))
            lines.append(Line(l1, l2, c, "", "", "", "", w, score, "system"))
        p = Project(name=name, agency=agency, topic=name, initial=full, full=None, executed=executed, rate=None,
                    bw=None, bs=None, lines=lines)
        p.goal = pick(rng, GOALS).format(topic=name)
        return p

    # -- injections ------------------------------------------------------------------------
    def inject(self, rng, rep: Report, p: Project) -> None:
        layout = rep.layout
        options = [r for r in ELIGIBLE.get(layout, ()) if not p.injected]
        if not options:
            return
        # a stated grade is rare (one-project layouts): give it the weight to show up at all
        rule = rng.choices(options, weights=[4 if r == "grade_mismatch" else 1 for r in options])[0]
        if rule == "total_score_mismatch":
            calc = p.calc_total()
            for delta in rng.sample([Decimal(x) for x in ("0.5", "1", "2", "3", "5", "-0.5", "-1", "-2", "-3", "-5")], 10):
                t = calc + delta
                if t <= 100 and t >= 0 and grade_of(t, rep.province) == grade_of(calc, rep.province):
                    p.total = t
                    p.injected.append((rule, f"总分填报{trim(t)}，各行得分之和{trim(calc)}"))
                    return
        elif rule == "execution_rate_mismatch":
            calc = p.calc_rate()
            cands = []
            if p.initial and p.initial != p.full:
                cands.append(q2(p.executed * D100 / p.initial))                # rate against the initial budget
            if calc == D100:
                cands.append(Decimal(10))                                      # 100 written as 10 (seed 003)
            cands.append(q2(calc - Decimal(rand_int(rng, 2, 15))))
            cands.append(q2(min(D100, calc + Decimal(rand_int(rng, 2, 9)))))
            for wrong in cands:
                if abs(wrong - calc) > 1 and D0 <= wrong <= D100:
                    p.rate = wrong
                    p.injected.append((rule, f"执行率填报{trim(wrong)}%，应为{trim(q2(calc))}%"))
                    return
        elif rule == "grade_mismatch":
            p.grade = "wrong"          # resolved in finish(), once the total is final
            p.injected.append((rule, ""))
        elif rule == "indicator_full_score_unmet":
            cands = [ln for ln in p.lines if ln.kind == "floor" and ln.tv is not None and ln.tv >= 2
                     and ln.score == ln.weight]
            if cands:
                ln = pick(rng, cands)
                share = Decimal(str(rng.uniform(0.5, 0.95)))
                act = (ln.tv * share).quantize(Decimal("0.1")) if ln.unit == "%" else Decimal(int(ln.tv * share))
                if D0 < act < ln.tv:
                    ln.actual = f"{trim(act)}{ln.unit}"
                    ln.reason = ""
                    p.injected.append((rule, f"「{ln.level3}」目标{ln.target}，完成{ln.actual}，得满分{trim(ln.score)}"))
                    return
        elif rule == "budget_parts_mismatch":
            roles = [r for r in (("full", "executed") if layout == "annex" else ("initial", "full", "executed"))
                     if getattr(p, r)]       # the annex's budget states no 年初预算
            if roles:
                role = pick(rng, roles)
                v = getattr(p, role)
                d = max(Decimal("0.1"), (v * Decimal(str(rng.uniform(0.05, 0.3)))).quantize(Decimal("0.01")))
                d = d if rng.random() < 0.5 or d >= v else -d
                p.part_delta = (role, d)
                zh = {"initial": "年初预算数", "full": "全年预算数", "executed": "全年执行数"}[role]
                p.injected.append((rule, f"其中财政拨款行{zh}{trim(v + d)}，总额行{trim(v)}"))
                return
        elif rule == "group_points_mismatch":
            groups = sorted({ln.level1 for ln in p.lines if ln.weight is not None})
            if groups:
                g = pick(rng, groups)
                d = Decimal(pick(rng, [-10, -5, 5, 10]))
                total = sum((ln.weight for ln in p.lines if ln.level1 == g), D0)
                if total + d > 0:
                    p.points_delta = (g, d)
                    p.injected.append((rule, f"「{g}」标注{trim(total + d)}分，其下各行权重合计{trim(total)}分"))
                    return
        elif rule == "weight_sum_mismatch":
            cands = [ln for ln in p.lines if ln.weight is not None and ln.score == ln.weight and ln.weight >= 4]
            if cands:
                ln = pick(rng, cands)
                d = Decimal(pick(rng, [-3, -2, -1, 1, 2, 3, 5]))
                if ln.weight + d >= 2:
                    old, before = ln.weight, p.calc_total()
                    ln.weight = ln.score = ln.weight + d
                    after = p.calc_total()
                    if after > 100 or grade_of(after, rep.province) != grade_of(before, rep.province):  # same grade
                        ln.weight = ln.score = old
                        return
                    p.injected.append((rule, f"「{ln.level3}」权重{trim(old)}改为{trim(ln.weight)}，权重合计{trim(100 + d)}"))
                    return

    # -- report-level figures --------------------------------------------------------------
    def finish(self, rng, rep: Report) -> None:
        sh = rep.province == "上海市"
        for p in rep.projects:
            if p.total is None:
                p.total = p.calc_total()
            if rep.layout in ("cells", "form"):
                g = grade_of(p.total, rep.province)
                if p.grade == "wrong":
                    g2 = NEXT_GRADE[g]
                    if g2 == "优" and (p.calc_rate() or D100) < excellent_min_execution():
                        g2 = "中"
                    p.grade = g2
                    p.injected[-1] = ("grade_mismatch", f"总分{trim(p.total)}应为{g}，填报{g2}")
                else:
                    p.grade = g
            else:
                p.grade = None
        if rep.layout in ("cells", "form"):
            p = rep.projects[0]
            rep.overall_score, rep.overall_grade = p.total, p.grade
        elif rep.layout == "dept":
            parts = []
            for label, mx in DEPT_PARTS:
                mx = Decimal(mx)
                lost = D0 if rng.random() < 0.6 else q2(mx * Decimal(str(rng.uniform(0.02, 0.25))))
                parts.append((label, mx, mx - lost))
            rep.parts = parts
            rep.overall_score = sum((s for _, _, s in parts), D0)
            rep.narrative_score = rep.overall_score
        elif rep.layout == "annex":
            p = rep.projects[0]
            parts = [("资金管理", p.bw, p.bs)]
            groups: dict[str, list] = {}
            for ln in p.lines:
                g = groups.setdefault(ln.level2, [D0, D0])
                g[0] += ln.weight
                g[1] += ln.score
            parts += [(k, v[0], v[1]) for k, v in groups.items()]
            rep.parts = parts
            rep.narrative_score = sum((s for _, _, s in parts), D0)
        elif rep.layout == "tabs" and rng.random() < 0.75:
            counts = Counter(grade_of(p.total, rep.province) for p in rep.projects)
            rep.summary = dict(projects_due=len(rep.projects), projects_evaluated=len(rep.projects),
                               funds_due=sum((p.full for p in rep.projects), D0),
                               funds_evaluated=sum((p.executed for p in rep.projects), D0),
                               counts={g: counts.get(g, 0) for g in "优良中差"})
        elif rep.layout == "juesuan":
            n = pick(rng, [1, 2, 3, 4, 5, 6, 8, 12, 15, 20, 26, 39])
            scores = []
            for _ in range(n):
                r = rng.random()
                s = Decimal(100) if r < 0.45 else q2(Decimal(str(rng.uniform(90, 99.9) if r < 0.9 else rng.uniform(70, 90))))
                scores.append(s)
            counts = Counter(grade_of(s, rep.province) for s in scores)
            rep.statement = dict(n=n, funds=q2(Decimal(str(10 ** rng.uniform(1.5, 3.8)))),
                                 avg=q2(sum(scores, D0) / n), counts={g: counts.get(g, 0) for g in "优良中差"},
                                 words=GRADE_WORDS_SH if sh or rng.random() < 0.5 else {"优": "优", "良": "良", "中": "中", "差": "差"})
