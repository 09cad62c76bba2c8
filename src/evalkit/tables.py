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
        "report_id": S, "source_file": S, "agency": S, "fiscal_year": I, "projects_due": F,
        "projects_evaluated": F, "funds_due": F, "funds_evaluated": F, "avg_score": F,
        "count_you": F, "count_liang": F, "count_zhong": F, "count_cha": F, "notes": S,
    },
    "findings": {
        "finding_id": S, "rule": S, "severity": S, "report_id": S, "project_id": S, "source_file": S,
        "message": S, "expected": S, "found": S,
    },
}


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
