"""The contract lives in schema.py: docs, typed frames, checks and the workbook read it from there."""
from pathlib import Path

import pandas as pd

from evalkit import schema, tables
from evalkit.checks import data as check_data
from evalkit import report as rp
from evalkit.report import xlsx as export_xlsx

ROOT = Path(__file__).resolve().parents[1]


def test_contract_doc_is_generated_from_the_schema():
    text = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert schema.render_into(text) == text, "run: python -m evalkit.schema --write docs/contract.md"
    assert "| `budget_full_year` | Float64 | 万元 | 全年预算 |" in text


def test_every_table_has_its_key_columns_and_parent_tables():
    for name, t in schema.TABLES.items():
        assert set(t.key) <= set(t.names), name
        for col, parent, pcol in t.foreign_keys:
            assert col in t.names and pcol in schema.TABLES[parent].names


def test_empty_frame_has_contract_columns_and_dtypes():
    df = tables.frame("projects", [])
    assert list(df.columns) == list(schema.TABLES["projects"].names)
    assert str(df["budget_full_year"].dtype) == "Float64" and str(df["fiscal_year"].dtype) == "Int64"


def test_frame_types_strings_and_keeps_nulls():
    df = tables.frame("findings", [{"finding_id": "x", "project_id": None, "rule": "r"}])
    assert df.loc[0, "project_id"] is pd.NA and df.loc[0, "finding_id"] == "x"


def test_stages_read_columns_from_the_schema():
    assert rp.CONTRACT_COLUMNS["projects"] == schema.TABLES["projects"].names
    assert set(check_data.PROJECT_COLS) >= {"budget_full_year", "executed", "total_score"}
    assert set(check_data.PROJECT_COLS) - {"execution_rate_narrative"} <= set(schema.TABLES["projects"].names)
    assert export_xlsx.LABELS["budget_initial"] == "年初预算（万元）"
    assert export_xlsx.LABELS["execution_rate_calc"] == "计算执行率（%）"
    assert {"budget_initial", "executed", "funds_due"} <= schema.MONEY
    assert "execution_rate" in schema.RATES and "total_score" in schema.SCORES


def test_label_falls_back_to_the_name():
    assert schema.label("no_such_column") == "no_such_column"
    assert schema.label("budget_initial", with_unit=False) == "年初预算"
