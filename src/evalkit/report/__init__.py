"""The report: selection, per-run views, aggregates, red flags, Chinese text, charts, exports, runner.

`from evalkit import report as rp` gives the names the notebooks use (each defined in one
submodule, re-exported here); `from evalkit.report import charts` the chart registry.
"""
from evalkit.report.aggregates import agency_summary, county_summary, grade_counts, headline, statement_counts, trace
from evalkit.report.decisions import decision_text, set_apart
from evalkit.report.flags import AUDIT_WARNINGS, FLAG_ORDER, red_flags, shown_columns
from evalkit.report.inspect_pages import red_flag_table_html
from evalkit.report.runner import NotebookFailed, ReportBusy, ReportParams, run_report
from evalkit.report.selection import (CONTRACT_COLUMNS, complete_tables, ensure_columns, filter_tables,
                                      load_tables, match_region, parse_years, region_label, years_label)
from evalkit.report.numbers import fmt
from evalkit.report.text import (agency_summary_zh, clean_text, county_summary_zh, display_table, headline_table, headline_text,
                                 html_block, html_text, project_years_zh, statements_zh, takeaways,
                                 unread_files)
from evalkit.report.views import (GRADE_COLORS, GRADES, SEVERITIES, SEVERITY_ZH, Views, as_views, band_edges,
                                  bands_text, counties, county_frame, default_bands, findings_view, grade_for,
                                  normalize_bands, plausible_ranges, plausible_view, project_view, range_text,
                                  rule_title, rule_titles)

__all__ = [
    "agency_summary", "county_summary", "grade_counts", "headline", "statement_counts", "trace",
    "AUDIT_WARNINGS", "FLAG_ORDER", "red_flags", "shown_columns", "red_flag_table_html", "decision_text", "set_apart",
    "NotebookFailed",
    "ReportBusy", "ReportParams", "run_report", "CONTRACT_COLUMNS", "complete_tables", "ensure_columns",
    "filter_tables", "load_tables", "match_region", "parse_years", "region_label", "years_label",
    "agency_summary_zh", "clean_text", "county_summary_zh", "display_table", "fmt", "headline_table", "headline_text", "html_block", "html_text", "project_years_zh", "statements_zh", "takeaways", "unread_files",
    "GRADE_COLORS", "GRADES", "SEVERITIES", "SEVERITY_ZH", "Views", "as_views", "band_edges", "bands_text",
    "counties", "county_frame", "default_bands", "findings_view", "grade_for", "normalize_bands",
    "plausible_ranges", "plausible_view", "project_view", "range_text", "rule_title", "rule_titles",
]
