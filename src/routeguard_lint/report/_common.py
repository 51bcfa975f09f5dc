"""Helpers every reporter shares: a total, deterministic finding order and text sanitising.

Nothing here keeps state between calls.
"""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding, RouteInfo

#: SARIF / GitHub level for each model severity; anything unknown is treated as a warning.
SARIF_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def sarif_level(severity: str) -> str:
    return SARIF_LEVELS.get(severity, "warning")


def finding_order(finding: Finding) -> tuple[object, ...]:
    """``Finding.sort_key()`` extended with every remaining field, so the order is total.

    Two findings that tie on ``sort_key()`` but differ elsewhere (severity, end position,
    related locations ...) would otherwise keep their input order, and shuffled input would
    give different output.
    """
    return (
        finding.sort_key(),
        finding.end_line,
        finding.end_column,
        finding.name,
        finding.severity,
        finding.handler or "",
        finding.related,
        finding.fingerprint_key,
        finding.suppressed or "",
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in report order, exact duplicates dropped."""
    return sorted(set(findings), key=finding_order)


def split_suppressed(
    findings: Iterable[Finding], suppressed: Iterable[Finding] = ()
) -> tuple[list[Finding], list[Finding]]:
    """Partition into (active, suppressed), both sorted.

    A finding counts as suppressed when it is passed in ``suppressed`` or when its own
    ``suppressed`` field (the justification) is set, so callers may hand over
    ``result.findings`` unfiltered.
    """
    active: list[Finding] = []
    quiet: list[Finding] = list(suppressed)
    for finding in findings:
        (quiet if finding.suppressed is not None else active).append(finding)
    quiet_set = set(quiet)
    return [f for f in sort_findings(active) if f not in quiet_set], sort_findings(quiet)


def route_order(route: RouteInfo) -> tuple[object, ...]:
    """``RouteInfo.sort_key()`` extended with every remaining field, so the order is total."""
    deps = tuple((d.name, d.kind, d.origin, d.path or "", d.line or 0) for d in route.dependencies)
    return (route.sort_key(), route.column, route.state, route.reason, route.auth,
            route.public_reason or "", deps, route.conditions, route.reachable, route.scheme)


def sort_routes(routes: Iterable[RouteInfo]) -> list[RouteInfo]:
    return sorted(routes, key=route_order)


def _escape_char(ch: str) -> str:
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return "\\t"
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def sanitize(text: str) -> str:
    """Make user-derived text safe to print on a terminal, on one line.

    Every character ``str.isprintable()`` rejects -- C0/C1 controls (ESC, so ANSI sequences),
    DEL, newlines and tabs, bidi overrides and other format characters, line/paragraph
    separators, lone surrogates -- is replaced by its Python escape (``\\x1b``, ``\\u202e``, ``\\n``).
    Rich markup is *not* handled here: reporters never pass user text through the markup parser.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape_char(ch) for ch in text)
