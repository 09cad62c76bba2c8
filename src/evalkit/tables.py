"""Column schemas of the contract's tables, so every table has its columns and types even when empty."""
from __future__ import annotations

import pandas as pd

F, I, S, B = "Float64", "Int64", "string", "boolean"

SCHEMAS: dict[str, dict[str, str]] = {
    "reports": {
        "report_id": S, "source_file": S, "sha256": S, "format": S, "status": S, "error": S,
        "county": S, "city": S, "province": S, "agency": S, "fiscal_year": I, "doc_kind": S,
        "n_projects": I, "stated_overall_score": F, "stated_overall_grade": S, "narrative_score": F,
        "stated_overall_grade_raw": S, "narrative_parts": S, "n_indicators": I, "pages": I,
        "duplicate_of": S, "duplicate_kind": S, "duplicate_of_file": S,
        "ocr_pages": S, "ocr_cells": S, "uncached_formulas": S,
    },
    "projects": {
        "project_id": S, "report_id": S, "source_file": S, "county": S, "city": S, "province": S,
        "agency": S, "fiscal_year": I, "project_name": S, "budget_initial": F, "budget_full_year": F,
        "executed": F, "execution_rate": F, "execution_rate_calc": F, "execution_rate_initial_calc": F,
        "budget_weight": F, "budget_score": F, "total_score": F, "total_score_calc": F, "grade": S,
        "grade_raw": S, "grade_calc": S, "max_score": F, "has_deviation_column": B, "n_indicators": I,
        "deviation_note": S, "execution_rate_line": F,
    },
    "indicators": {
        "project_id": S, "source_file": S, "county": S, "project_name": S, "level1": S, "level2": S,
        "level3": S, "target": S, "actual": S, "target_op": S, "target_value": F, "target_unit": S,
        "actual_value": F, "actual_unit": S, "weight": F, "score": F, "deviation_reason": S,
        "actual_op": S, "line_no": I, "report_id": S,
    },
    "summaries": {
        "summary_id": S, "report_id": S, "source_file": S, "agency": S, "fiscal_year": I, "projects_due": F,
        "projects_evaluated": F, "funds_due": F, "funds_evaluated": F, "avg_score": F,
        "count_you": F, "count_liang": F, "count_zhong": F, "count_cha": F, "notes": S,
    },
    "findings": {
        "finding_id": S, "rule": S, "severity": S, "report_id": S, "project_id": S, "source_file": S,
        "message": S, "expected": S, "found": S,
    },
}


# Primary and foreign keys of each table (docs/contract.md states them; tests assert them).
KEYS: dict[str, tuple[str, ...]] = {
    "reports": ("report_id",),
    "projects": ("project_id",),
    "indicators": ("project_id", "line_no"),
    "summaries": ("summary_id",),
    "findings": ("finding_id",),
}
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {   # table: [(column, parent table, parent column)]
    "projects": [("report_id", "reports", "report_id")],
    "indicators": [("project_id", "projects", "project_id"), ("report_id", "reports", "report_id")],
    "summaries": [("report_id", "reports", "report_id")],
    "findings": [("report_id", "reports", "report_id"), ("project_id", "projects", "project_id")],
    "reports": [("duplicate_of", "reports", "report_id")],
}


def key_violations(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Broken keys in a dataset: repeated primary keys and foreign keys with no parent row."""
    out = []
    for name, cols in KEYS.items():
        df = tables.get(name)
        if df is None or df.empty:
            continue
        n = int(df.duplicated(list(cols)).sum())
        if n:
            out.append(f"{name}: {n} repeated ({', '.join(cols)})")
        if df[list(cols)].isna().any().any():
            out.append(f"{name}: null in the key ({', '.join(cols)})")
    for name, fks in FOREIGN_KEYS.items():
        df = tables.get(name)
        if df is None or df.empty:
            continue
        for col, parent, pcol in fks:
            if col not in df.columns or parent not in tables:
                continue
            vals = df[col].dropna()
            missing = set(vals) - set(tables[parent][pcol].dropna())
            if missing:
                out.append(f"{name}.{col}: {len(missing)} values not in {parent}.{pcol}")
    return out


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """A DataFrame of `rows` with the table's schema: contract columns first, typed, extras kept."""
    schema = SCHEMAS[name]
    df = pd.DataFrame(rows)
    for col in schema:
        if col not in df.columns:
            df[col] = None
    extra = [c for c in df.columns if c not in schema]
    df = df[list(schema) + extra]
    for col, dtype in schema.items():
        if dtype in (F, I):
            df[col] = pd.to_numeric(df[col], errors="coerce")
            if dtype == I:
                df[col] = df[col].round().astype(I)
            else:
                df[col] = df[col].astype(F)
        else:
            df[col] = df[col].astype(dtype)
    return df.reset_index(drop=True)
