"""The auth matrix as Markdown (to paste into a review) and as CSV (for a spreadsheet):
``routeguard routes --format markdown`` / ``--format csv``.

Both list the routes in ``RouteInfo.sort_key()`` order with the same columns as the table: methods,
path, state, handler, location and the auth chain or the reason. Neither goes through rich.

* Markdown: a GitHub-flavoured table. Paths, handlers and locations are code spans (a fence longer than
  any backtick run inside); ``|`` is escaped everywhere (GFM splits cells on it even inside code spans);
  control characters are shown as escapes (``sanitize``), so every route is one row. A summary line
  follows the table.
* CSV: RFC 4180 (``csv`` module, ``\\r\\n`` line ends), one header row, file and line in their own
  columns. A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return) is prefixed with ``'`` (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from routeguard_lint.model import RouteInfo
from routeguard_lint.report._common import sanitize, sort_routes
from routeguard_lint.report.text import _auth_cell, _state_cell, route_summary

CSV_COLUMNS = ("methods", "path", "state", "reachable", "handler", "file", "line", "auth", "reason")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _code(text: str) -> str:
    text = sanitize(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _cell(text: str) -> str:
    return sanitize(text).replace("\\", "\\\\").replace("|", "\\|")


def routes_markdown(routes: Iterable[RouteInfo]) -> str:
    ordered = sort_routes(routes)
    lines = [
        "| methods | path | state | handler | location | auth / reason |",
        "|---|---|---|---|---|---|",
    ]
    for route in ordered:
        cells = [
            _cell(",".join(route.methods)),
            _code(route.path),
            _cell(_state_cell(route)),
            _code(route.handler),
            _code(f"{route.file}:{route.line}"),
            _cell(_auth_cell(route)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(route_summary(ordered))
    return "\n".join(lines) + "\n"


def _safe(value: str) -> str:
    value = sanitize(value)
    return "'" + value if value.startswith(_FORMULA) else value


def routes_csv(routes: Iterable[RouteInfo]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for route in sort_routes(routes):
        writer.writerow([
            _safe(",".join(route.methods)),
            _safe(route.path),
            route.state,
            "true" if route.reachable else "false",
            _safe(route.handler),
            _safe(route.file),
            str(route.line),
            _safe(" -> ".join(route.auth)),
            _safe(route.reason),
        ])
    return out.getvalue()


__all__ = ["CSV_COLUMNS", "routes_csv", "routes_markdown"]
