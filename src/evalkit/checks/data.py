"""The four input tables, with every column the rules read present (null when absent)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evalkit import schema

# The contract's columns (schema.py), plus the figures ingest adds for the checks only.
REPORT_COLS = list(schema.TABLES["reports"].names)
PROJECT_COLS = list(schema.TABLES["projects"].names) + ["execution_rate_narrative"]
INDICATOR_COLS = list(schema.TABLES["indicators"].names)
SUMMARY_COLS = list(schema.TABLES["summaries"].names)
NUMERIC = schema.NUMERIC | {"execution_rate_narrative"}
NOTE_ALIASES = ("notes", "note", "raw_notes", "notes_raw", "remarks")


@dataclass
class Data:
    """Checked tables: indicators carry their project's report_id, projects their province."""
    reports: pd.DataFrame
    projects: pd.DataFrame
    indicators: pd.DataFrame
    summaries: pd.DataFrame

    def project_ids(self) -> dict[str, dict]:
        """project_id -> its identifying fields (report, source, county), built once per call site."""
        p = self.projects
        cols = [p[c].astype("object").where(p[c].notna(), None) for c in
                ("project_id", "report_id", "source_file", "county")]
        return {pid: dict(report_id=rid, project_id=pid, source_file=sf, county=ct)
                for pid, rid, sf, ct in zip(*cols)}


def _ensure(df: pd.DataFrame | None, cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame() if df is None else df.reset_index(drop=True)
    missing = {c: pd.Series([None] * len(df), dtype="float64" if c in NUMERIC else "object")
               for c in cols if c not in df.columns}
    if missing:
        df = df.assign(**missing)
    for c in cols:
        if c in NUMERIC and not pd.api.types.is_numeric_dtype(df[c]):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def prepare(tables: dict[str, pd.DataFrame]) -> Data:
    """Fill absent columns, attach report_id/province to projects and indicators."""
    reports = _ensure(tables.get("reports"), REPORT_COLS)
    projects = _ensure(tables.get("projects"), PROJECT_COLS)
    summaries = tables.get("summaries")
    if summaries is not None and "notes" not in summaries.columns:
        for alias in NOTE_ALIASES[1:]:
            if alias in summaries.columns:
                summaries = summaries.rename(columns={alias: "notes"})
                break
    summaries = _ensure(summaries, SUMMARY_COLS)
    indicators = _ensure(tables.get("indicators"), INDICATOR_COLS)
    if len(reports) and len(projects):  # the profile follows the report's province
        prov = reports.drop_duplicates("report_id").set_index("report_id")["province"]
        projects["province"] = projects["report_id"].map(prov).fillna(projects["province"])
    link = projects.drop_duplicates("project_id").set_index("project_id")
    indicators["report_id"] = indicators["project_id"].map(link["report_id"])
    indicators["province"] = indicators["project_id"].map(link["province"])
    if "line_no" in indicators and indicators["line_no"].isna().all():
        indicators["line_no"] = indicators.groupby("project_id", sort=False).cumcount() + 1
    indicators["indicator_key"] = (indicators["project_id"].astype("str") + "#"
                                   + indicators["line_no"].astype("Int64").astype("str"))
    return Data(reports, projects, indicators, summaries)
