"""Machine-readable JSON for ``routeguard check --format json`` and ``routeguard routes --format json``.

Written straight through the :mod:`json` module (never rich), with a fixed key order,
``indent=2`` and a trailing newline. ``ensure_ascii`` stays on: the output is pure ASCII, so
control characters, ANSI escapes, bidi overrides and non-ASCII text all arrive as ``\\uXXXX``
escapes (safe to ``cat`` on a terminal, identical bytes whatever the stdout encoding), and
decode back to the original strings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from routeguard_lint.model import Finding, MountInfo, RouteInfo, SuppressionKind, counted
from routeguard_lint.report._common import sort_routes, split_suppressed
from routeguard_lint.rules.base import Rule

ROUTE_STATES = ("protected", "public", "unprotected", "unverified")


def dumps(data: Any) -> str:
    """The one serialisation every JSON-ish reporter uses (JSON and SARIF)."""
    return json.dumps(data, indent=2, ensure_ascii=True, sort_keys=False, allow_nan=False) + "\n"


def finding_dict(finding: Finding) -> dict[str, Any]:
    route = None
    if finding.route_path is not None or finding.route_methods is not None:
        route = {"methods": list(finding.route_methods or ()), "path": finding.route_path}
    return {
        "rule_id": finding.rule_id,
        "name": finding.name,
        "severity": finding.severity,
        "message": finding.message,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "route": route,
        "handler": finding.handler,
        "related": [
            {"path": rel.path, "line": rel.line, "message": rel.message} for rel in finding.related
        ],
    }


def findings_json(
    findings: Iterable[Finding],
    rules: Sequence[Rule],
    *,
    version: str,
    files: int,
    suppressed: Iterable[Finding] = (),
    fixable: int = 0,
    baselined: int = 0,
    stale: int = 0,
    routes: Iterable[RouteInfo] | None = None,
) -> str:
    """Findings as JSON (the shape is schemas/check.schema.json).

    Findings are sorted by ``Finding.sort_key()``; a finding whose ``suppressed`` field is set
    is reported under ``"suppressed"`` even when it arrives in ``findings``.
    ``summary.by_rule`` has a key for every rule in ``rules`` (0 when it found nothing) plus any
    other rule id that occurs, sorted by id, and counts only unsuppressed findings.
    ``summary.files`` counts the files analysed, ``summary.files_with_findings`` those with an active
    finding; ``fixable``, ``baselined`` (left out by ``--baseline``) and ``stale_baseline`` (baseline
    entries that match nothing) are counts; ``summary.routes`` (given ``routes``) counts routes by state.
    """
    active, quiet = split_suppressed(findings, suppressed)
    counts = Counter(f.rule_id for f in active)
    rule_ids = sorted({rule.code for rule in rules} | set(counts))
    quiet_dicts = []
    for finding in quiet:
        entry = finding_dict(finding)
        entry["justification"] = finding.suppressed or ""
        entry["kind"] = SuppressionKind(finding.suppression_kind).value  # "inSource" | "external"
        quiet_dicts.append(entry)
    data = {
        "version": version,
        "findings": [finding_dict(f) for f in active],
        "suppressed": quiet_dicts,
        "summary": {
            "files": files,
            "findings": len(active),
            "by_rule": {rule_id: counts.get(rule_id, 0) for rule_id in rule_ids},
            "suppressed": len(quiet),
            "files_with_findings": len({f.path for f in active}),
            "fixable": fixable,
            "baselined": baselined,
            "stale_baseline": stale,
        },
    }
    if routes is not None:
        data["summary"]["routes"] = route_counts(routes)  # type: ignore[index]
    return dumps(data)


def route_counts(routes: Iterable[RouteInfo]) -> dict[str, int]:
    states = Counter(route.state for route in counted(routes))  # (the alternatives of one route once)
    return {"total": sum(states.values()), **{state: states.get(state, 0) for state in ROUTE_STATES}}


def route_dict(route: RouteInfo) -> dict[str, Any]:
    return {
        "methods": list(route.methods),
        "path": route.path,
        "handler": route.handler,
        "file": route.file,
        "line": route.line,
        "state": route.state,
        "protected": route.protected,
        "public": route.public,
        "public_reason": route.public_reason,
        "reason": route.reason,
        "auth": list(route.auth),
        "dependencies": [
            {"name": dep.name, "kind": dep.kind, "origin": dep.origin, "path": dep.path,
             "line": dep.line}
            for dep in route.dependencies
        ],
        "conditions": list(route.conditions),
        "alternatives": list(route.alternatives),
        "reachable": route.reachable,
        "scheme": route.scheme,
        "app": route.app,
    }


def mount_dict(mount: MountInfo) -> dict[str, Any]:
    return {
        "path": mount.path,
        "app": mount.app,
        "kind": mount.kind,
        "file": mount.file,
        "line": mount.line,
        "conditions": list(mount.conditions),
        "reachable": mount.reachable,
    }


def routes_json(routes: Iterable[RouteInfo], mounts: Iterable[MountInfo] = (), *,
                version: str | None = None) -> str:
    """The route inventory as JSON, sorted by ``RouteInfo.sort_key()`` (the shape is
    schemas/routes.schema.json); ``version``, when given, is routeguard's, as in ``check``'s JSON.

    Dependencies, auth chain and conditions keep the analyzer's order (it is meaningful:
    outermost first). ``mounts`` lists ``app.mount(...)`` targets (static files, other ASGI apps,
    and FastAPI sub-apps, whose routes are also in ``routes``), sorted by path.
    """
    ordered = sort_routes(routes)
    served = counted(ordered)  # (the alternatives of one route once)
    states = Counter(route.state for route in served)
    data: dict[str, Any] = {} if version is None else {"version": version}
    data |= {
        "routes": [route_dict(route) for route in ordered],
        "mounts": [mount_dict(m) for m in sorted(mounts, key=MountInfo.sort_key)],
        "summary": {"routes": len(served), **{state: states.get(state, 0) for state in ROUTE_STATES}},
    }
    return dumps(data)
