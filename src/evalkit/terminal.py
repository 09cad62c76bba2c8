"""What `evalkit ingest` and `evalkit check` print, from plain rows (dicts): the ingest ledger and the
findings summary. No pandas here, so an unchanged re-run prints them without importing it."""
from __future__ import annotations

from collections import Counter

LEDGER_COLUMNS = (("文件", 48, "l"), ("格式", 6, "l"), ("状态", 8, "l"), ("项目数", 6, "r"), ("指标数", 6, "r"))
SEVERITIES = ("error", "warning", "info")


def records(table, columns) -> list[dict]:
    """Rows of a pyarrow Table, a DataFrame or a store.Parts (read piece by piece) as dicts of those
    columns (absent ones None, nulls None); a list of dicts is already that."""
    if isinstance(table, list):
        return table
    if callable(getattr(table, "tables", None)):      # store.Parts: one piece in memory at a time
        return [r for piece in table.tables() for r in records(piece, columns)]
    import pyarrow as pa
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pandas(table[[c for c in columns if c in table.columns]], preserve_index=False)
    have = [c for c in columns if c in table.column_names]
    return [{c: r.get(c) for c in columns} for r in table.select(have).to_pylist()]


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def ledger_lines(rows) -> list[str]:
    """The ingest ledger: one line a file, columns aligned by display width (CJK = 2 columns), a long path cut in
    its middle (textwidth.middle). `rows`: the reports table (DataFrame or pyarrow Table) or its rows as dicts."""
    from evalkit.schema import value_label
    from evalkit.textwidth import ljust, middle, rjust
    if not isinstance(rows, list):
        rows = records(rows, LEDGER_FIELDS)
    name_cols = LEDGER_COLUMNS[0][1]

    def row(cells) -> str:
        return " ".join((ljust if a == "l" else rjust)(str(v), w) for v, (_, w, a) in zip(cells, LEDGER_COLUMNS))

    lines = [row([h for h, _, _ in LEDGER_COLUMNS]) + "  说明"]
    for r in rows:
        if r["status"] == "duplicate":
            err = (f"是 {r.get('duplicate_of_file') or ''} 的另一版本（数字不同），只计入后者"
                   if r.get("duplicate_kind") == "other_version" else
                   f"与 {r.get('duplicate_of_file') or ''} 重复，只计一次")
        else:
            err = "" if _missing(r.get("error")) else str(r["error"])
        n_p = 0 if _missing(r.get("n_projects")) else int(r["n_projects"])
        n_i = 0 if _missing(r.get("n_indicators")) else int(r["n_indicators"])
        lines.append(row([middle(r["source_file"], name_cols), r["format"], value_label("status", r["status"]), n_p, n_i])
                     + f"  {err}".rstrip())
    return lines


LEDGER_FIELDS = ("source_file", "format", "status", "n_projects", "n_indicators", "error", "duplicate_of_file",
                 "duplicate_kind")
SUMMARY_FIELDS = ("family", "rule", "severity", "report_id")


def finding_counts(rows: list[dict]) -> dict:
    """What the findings summary prints, from finding rows: the total, the reports concerned, and
    [family, rule, severity, n] per cell (small: the manifest keeps it for an unchanged re-run)."""
    keys = [(r["family"], r["rule"], r["severity"]) for r in rows]
    cells = Counter(k for k in keys if not any(_missing(x) for x in k))
    return {"n": len(rows), "reports": len({r["report_id"] for r in rows if not _missing(r["report_id"])}),
            "by_severity": {s: sum(1 for k in keys if k[2] == s) for s in SEVERITIES},
            "cells": [[fam, rule, sev, n] for (fam, rule, sev), n in sorted(cells.items())]}


def findings_summary(rows: list[dict] | dict) -> str:
    """Counts of findings by rule and severity, for the terminal (Chinese; columns by display width).
    `rows`: finding rows, or their finding_counts."""
    from evalkit.schema import SEVERITY_ZH
    from evalkit.textwidth import ljust, rjust
    c = rows if isinstance(rows, dict) else finding_counts(rows)
    if not c["n"]:
        return "检查发现：无"
    by_rule: dict[tuple, Counter] = {}
    for fam, rule, sev, n in c["cells"]:
        by_rule.setdefault((fam, rule), Counter())[sev] += n
    width = max(max((len(rule) for _, rule in by_rule), default=0), 4)
    counts = "，".join(f"{SEVERITY_ZH[s]} {c['by_severity'].get(s, 0)}" for s in SEVERITIES)
    lines = [f"检查发现 {c['n']} 条（{counts}），涉及 {c['reports']} 份报告",
             f"{rjust('类别', 4)}  {ljust('规则 rule', width)}  "
             + " ".join(rjust(f"{SEVERITY_ZH[s]} {s}", 13) for s in SEVERITIES) + f" {rjust('合计', 6)}"]
    for (fam, rule), n in sorted(by_rule.items()):
        lines.append(f"{fam:>4}  {rule:<{width}}  " + " ".join(f"{n[s]:>13}" for s in SEVERITIES)
                     + f" {sum(n[s] for s in SEVERITIES):>6}")
    return "\n".join(lines)


def printed(reports, findings) -> dict:
    """What an unchanged re-run prints (the ledger rows and the finding counts), kept in the manifest
    so that run reads no table (and imports neither pandas nor pyarrow). `reports`/`findings`: the
    run's tables (DataFrames, or store.Parts read piece by piece)."""
    ledger = [[r[c] for c in LEDGER_FIELDS] for r in records(reports, LEDGER_FIELDS)]
    return {"ledger_fields": list(LEDGER_FIELDS), "ledger": ledger,
            "findings": finding_counts(records(findings, SUMMARY_FIELDS))}


def printed_rows(kept: dict) -> list[dict]:
    """The ledger rows of printed()."""
    return [dict(zip(kept["ledger_fields"], r)) for r in kept["ledger"]]
