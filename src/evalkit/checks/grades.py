"""The recomputed *_calc columns (grades from scores under the configured bands, see evalkit.grades)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

import pandas as pd

from evalkit.checks.config import CheckConfig, GradeBand
from evalkit.checks.numbers import HUNDRED, dec, unfixed
from evalkit import grades as scales


def grade_from_score(score: Any, bands: Iterable[GradeBand | dict | tuple] | None = None) -> str | None:
    """The band label a score falls in (highest `min` at or below it); None for no score.

    bands: GradeBand, {"min":…, "grade":…} or (min, grade); default 90 优 / 80 良 / 60 中 / 差."""
    return scales.from_score(dec(score), bands)


def _rate(ex: Any, base: Any) -> float | None:
    e, b = dec(ex), dec(base)
    if e is None or b is None or b == 0:
        return None
    return float((e * HUNDRED / b).quantize(Decimal("0.0001")))


def add_calc_columns(tables: dict[str, pd.DataFrame], config: CheckConfig | None = None) -> dict[str, pd.DataFrame]:
    """Return tables with projects' execution_rate_calc, execution_rate_initial_calc,
    total_score_calc, grade_calc (contract 优/良/中/差) and grade_calc_label (the band's own word)."""
    from evalkit.checks.config import load_config
    from evalkit.checks.data import prepare
    from evalkit.checks.rules_totals import total_score_calc

    cfg = config or load_config()
    out = dict(tables)
    if "projects" not in tables or tables["projects"] is None:
        return out
    d = prepare(tables)
    p = tables["projects"].copy()
    dp = d.projects
    p["execution_rate_calc"] = pd.array([_rate(e, b) for e, b in zip(dp["executed"], dp["budget_full_year"])],
                                        dtype="Float64").astype("float64")
    p["execution_rate_initial_calc"] = pd.array([_rate(e, b) for e, b in zip(dp["executed"], dp["budget_initial"])],
                                                dtype="Float64").astype("float64")
    calc = total_score_calc(d)
    p["total_score_calc"] = [float(unfixed(x)) if pd.notna(x) else float("nan") for x in calc]
    labels, grades = [], []
    for score, prov in zip(dp["total_score"], dp["province"]):
        c = cfg.for_province(prov if isinstance(prov, str) else None)
        lab = grade_from_score(score, c.bands)
        labels.append(lab)
        grades.append(c.contract_grade(lab) if lab else None)
    p["grade_calc"] = pd.Series(grades, dtype="str").array  # nulls stay null on pandas 2.2 too
    p["grade_calc_label"] = pd.Series(labels, dtype="str").array
    out["projects"] = p
    return out
