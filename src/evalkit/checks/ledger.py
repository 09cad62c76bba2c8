"""The check ledger: for each report, every rule as passed, failed, or not checkable (its figures are missing).

So a report whose tables could not be read says "N 项规则无法核对", never "未发现问题"."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from evalkit.checks.findings import RULES

PASSED, FAILED, UNCHECKABLE = "通过", "未通过", "无法核对"
STATUSES = (PASSED, FAILED, UNCHECKABLE)


def _stated_column(df: pd.DataFrame, c: str) -> np.ndarray:
    """Rows of `df` whose column `c` states something (not null; an empty string states nothing)."""
    mask = df[c].notna()
    if df[c].dtype == object or str(df[c].dtype).startswith(("string", "str")):
        mask &= df[c].astype("string").fillna("").str.strip().ne("")
    return mask.to_numpy(dtype=bool)


def checkable(tables: dict[str, pd.DataFrame]) -> dict[str, set]:
    """rule -> the report_ids where its figures are stated (each column tested once, the rules'
    `needs` combined on arrays: the rules share most of their columns)."""
    columns: dict[tuple[str, str], np.ndarray] = {}
    report_ids: dict[str, np.ndarray] = {}
    stated: dict[tuple, set] = {}

    def ids_stating(t: str, cols: tuple[str, ...]) -> set:
        """report_ids with at least one row of table `t` stating every one of `cols`."""
        df = tables.get(t)
        if df is None or df.empty or "report_id" not in df.columns or any(c not in df.columns for c in cols):
            return set()
        if t not in report_ids:
            report_ids[t] = df["report_id"].to_numpy(dtype=object, na_value=None)
        mask = np.ones(len(df), dtype=bool)
        for c in cols:
            if (t, c) not in columns:
                columns[(t, c)] = _stated_column(df, c)
            mask &= columns[(t, c)]
        return set(report_ids[t][mask]) - {None}

    out = {}
    for rule in RULES.values():
        ok: set = set()
        for alt in rule.needs.split("|"):
            by_table: dict[str, list[str]] = {}
            for ref in alt.split():
                t, c = ref.split(".")
                by_table.setdefault(t, []).append(c)
            sets = []
            for t, cols in by_table.items():
                key = (t, tuple(cols))
                if key not in stated:
                    stated[key] = ids_stating(*key)
                sets.append(stated[key])
            ok |= set.intersection(*sets) if sets else set()
        out[rule.id] = ok
    return out


def ledger(tables: dict[str, pd.DataFrame], findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (report, rule): status 通过/未通过/无法核对 and the number of findings.

    Reports that failed to parse or are duplicates of another file get no rows of their own."""
    rep = tables.get("reports")
    if rep is None or rep.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ("report_id", "rule", "status")}
                            ).assign(n_findings=pd.Series(dtype="Int64"))
    findings = tables.get("findings") if findings is None else findings
    ids = rep.loc[~rep["status"].isin(["duplicate"]), "report_id"].dropna().tolist()
    unread = set(rep.loc[rep["status"] == "failed", "report_id"].dropna())      # nothing of it could be checked
    can = checkable(tables)
    counts: Counter = Counter()
    if findings is not None and not findings.empty:
        counts = Counter(zip(findings["report_id"], findings["rule"]))
    rows = []
    for rid in ids:
        for rule in RULES:
            if rule in ABOUT_DUPLICATES:
                continue             # about other files, not this report's figures
            n = int(counts.get((rid, rule), 0))
            status = FAILED if n else PASSED if rid in can[rule] and rid not in unread else UNCHECKABLE
            rows.append((rid, rule, status, n))
    df = pd.DataFrame(rows, columns=["report_id", "rule", "status", "n_findings"])
    return df.astype({"report_id": "string", "rule": "string", "status": "string", "n_findings": "Int64"})


# Rules raised on a duplicate's row about the file it repeats: no report of the ledger has them.
ABOUT_DUPLICATES = {"duplicate_document", "report_other_version"}

# Rules about the file itself (formulas, OCR, its place), always checkable: they say nothing about the figures.
FILE_RULES = {r.id for r in RULES.values() if r.needs == "reports.report_id"}


def summary(led: pd.DataFrame, report_ids=None, figures_only: bool = True) -> dict:
    """Counts of rule results over some reports: {通过: n, 未通过: n, 无法核对: n}, for prose
    (figures_only: without the rules about the file itself)."""
    d = led if report_ids is None else led[led["report_id"].isin(set(report_ids))]
    if figures_only:
        d = d[~d["rule"].isin(FILE_RULES)]
    vc = d["status"].value_counts()
    return {s: int(vc.get(s, 0)) for s in STATUSES}


def verdict(led: pd.DataFrame, report_ids=None) -> str:
    """The sentence a profile prints instead of a bare "未发现问题"."""
    c = summary(led, report_ids)
    if not any(c.values()):
        return "没有可核对的报告"
    if c[FAILED]:
        return f"{c[FAILED]} 项规则未通过，{c[PASSED]} 项通过，{c[UNCHECKABLE]} 项规则无法核对（缺少所需数字）"
    if not c[PASSED]:
        return f"{c[UNCHECKABLE]} 项规则无法核对（缺少所需数字），未能检查，不能视为没有问题"
    return f"检查未发现问题（{c[PASSED]} 项规则通过，{c[UNCHECKABLE]} 项规则无法核对）"
