"""Checks: recompute every figure, reconcile every total, flag what an auditor would ask about.

`run_checks(tables)` returns the contract's `findings` table; `load_config` reads checks.toml
(thresholds, tolerances, grade bands, standard weights, province profiles)."""
from __future__ import annotations

import pandas as pd

from evalkit.checks.config import CheckConfig, GradeBand, load_config
from evalkit.checks.data import Data, prepare
from evalkit.checks.findings import COLUMNS, RULES, Finding, Rule, add_fingerprints, add_locations, to_frame
from evalkit.checks.grades import add_calc_columns, grade_from_score
from evalkit.checks.rules_budget import check_budget, check_budget_parts
from evalkit.checks.rules_grades import check_grades, check_summaries
from evalkit.checks.rules_indicators import check_indicators
from evalkit.checks.rules_narrative import check_narrative
from evalkit.checks.rules_plausibility import check_amount_units, check_costs, check_duplicates, check_earlier_copies, check_formulas, check_hidden, check_identity, check_instructions, check_ocr_confidence, check_places, check_years, check_repeated_projects, check_spending, check_unshown
from evalkit.checks.rules_totals import check_totals

__all__ = ["CheckConfig", "GradeBand", "Finding", "Rule", "RULES", "COLUMNS", "load_config",
           "run_checks", "format_summary", "add_calc_columns", "grade_from_score"]

# Rule groups that read per-row config themselves (grades, summaries, narrative, spending)
# versus those run once per province profile on that province's rows.
_PER_PROFILE = (check_budget, check_budget_parts, check_totals, check_indicators, check_costs, check_duplicates)
_PER_ROW = (check_grades, check_summaries, check_narrative, check_spending, check_amount_units, check_identity,
            check_repeated_projects, check_earlier_copies, check_formulas, check_unshown, check_hidden,
            check_ocr_confidence, check_places, check_years, check_instructions)


def _subset(d: Data, report_ids: set) -> Data:
    return Data(d.reports.loc[d.reports["report_id"].isin(report_ids)],
                d.projects.loc[d.projects["report_id"].isin(report_ids)],
                d.indicators.loc[d.indicators["report_id"].isin(report_ids)],
                d.summaries.loc[d.summaries["report_id"].isin(report_ids)])


def run_checks(tables: dict[str, pd.DataFrame], config: CheckConfig | None = None) -> pd.DataFrame:
    """All rules over the contract tables (reports/projects/indicators/summaries) -> findings table.

    Each report is checked under its province's profile unless the config forces one."""
    cfg = config or load_config()
    d = prepare(tables)
    findings: list[Finding] = []
    prov = d.projects["province"].astype("object").where(d.projects["province"].notna(), None)
    profiled = {p for p in prov.unique() if p in cfg.profiles} if cfg.profile is None else set()
    if not profiled:
        for rule in _PER_PROFILE:
            findings += rule(d, cfg)
    else:
        rid_by_prov = d.projects.groupby(prov.fillna(""), sort=False)["report_id"].agg(set)
        default_ids = set().union(*[v for k, v in rid_by_prov.items() if k not in profiled]) if len(rid_by_prov) else set()
        groups = [(cfg, default_ids)] + [(cfg.for_province(p), rid_by_prov[p]) for p in profiled]
        orphan = d.indicators["report_id"].isna()
        for c, ids in groups:
            if not ids and not (c is cfg and orphan.any()):
                continue
            sub = _subset(d, ids)
            if c is cfg and orphan.any():  # indicators whose project is unknown: default profile
                sub.indicators = pd.concat([sub.indicators, d.indicators.loc[orphan]])
            for rule in _PER_PROFILE:
                findings += rule(sub, c)
    for rule in _PER_ROW:
        findings += rule(d, cfg)
    return add_locations(add_fingerprints(to_frame(findings), d), d)


def format_summary(findings: pd.DataFrame) -> str:
    """Counts of findings by rule and severity, for the terminal (terminal.py: the CLI prints the same
    from pyarrow rows on an unchanged re-run)."""
    from evalkit.terminal import SUMMARY_FIELDS, findings_summary, records
    if findings is None or findings.empty:
        return findings_summary([])
    return findings_summary(records(findings, SUMMARY_FIELDS))
