"""Typed frames of the contract's tables (columns from schema.py) and their key checks."""
from __future__ import annotations

import pandas as pd

from evalkit.schema import FOREIGN_KEYS, KEYS, SCHEMAS, F, I  # noqa: F401  (re-exported: the contract lives in schema.py)


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
    """A DataFrame of `rows` with the table's schema: contract columns first, typed, extras kept.

    Columns are converted apart and the frame built once (a column set at a time cost more than the rows)."""
    schema = SCHEMAS[name]
    df = pd.DataFrame(rows)
    cols: dict[str, pd.Series] = {}
    for col, dtype in schema.items():
        s = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index, dtype="object")
        if dtype in (F, I):
            s = pd.to_numeric(s, errors="coerce")
            s = s.round().astype(I) if dtype == I else s.astype(F)
        else:
            s = s.astype(dtype)
        cols[col] = s
    for col in df.columns:
        if col not in schema:
            cols[col] = df[col]
    return pd.DataFrame(cols, index=df.index).reset_index(drop=True)
