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
