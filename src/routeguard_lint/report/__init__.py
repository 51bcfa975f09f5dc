"""Reporters: turn findings and routes into JSON, SARIF, GitHub annotations or rich text.

Every reporter is a plain function without global state; output is sorted (by
``Finding.sort_key()`` / ``RouteInfo.sort_key()``) and byte-identical for the same input.
"""

from routeguard_lint.report.github import github_annotations
from routeguard_lint.report.json_report import findings_json, routes_json
from routeguard_lint.report.sarif import sarif_report
from routeguard_lint.report.tables import routes_csv, routes_markdown
from routeguard_lint.report.text import make_console, render_routes_table, render_text, route_summary, summary_line

__all__ = [
    "findings_json",
    "github_annotations",
    "make_console",
    "render_routes_table",
    "render_text",
    "route_summary",
    "routes_csv",
    "routes_json",
    "routes_markdown",
    "sarif_report",
    "summary_line",
]
