"""GitHub Actions workflow commands (``routeguard check --format github``).

One line per finding::

    ::error file=app/main.py,line=3,col=5,endLine=3,endColumn=20,title=RG001 unprotected-route::message

Escaping follows the runner's own rules (``toCommandValue``/``escapeData``/``escapeProperty``
in actions/toolkit): ``%`` -> ``%25``, CR -> ``%0D``, LF -> ``%0A`` everywhere, and in property
values also ``:`` -> ``%3A`` and ``,`` -> ``%2C``. Other non-printable characters (ESC, bidi
overrides ...) are shown as Python escapes (``\\x1b``) because GitHub's log viewer renders ANSI.
Suppressed findings (``Finding.suppressed`` set) are skipped. Findings with ``line < 1`` carry
only ``file=``. ``file=`` is relative to the repository root (``prefix``, as for SARIF), so annotations
land on the right file when routeguard runs from a subdirectory.
"""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.report._common import sanitize, sort_findings

GITHUB_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def _clean(text: str) -> str:
    # CR/LF are encoded by the escape functions; everything else non-printable is made visible.
    if text.isprintable():
        return text
    return "".join(ch if ch in "\r\n" else sanitize(ch) for ch in text)


def escape_data(text: str) -> str:
    return _clean(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, prefix: str = "") -> str:
    from routeguard_lint.report.sarif import rebase

    level = GITHUB_LEVELS.get(finding.severity, "warning")
    props = [("file", rebase(finding.path, prefix))]
    if finding.line >= 1:
        props.append(("line", str(finding.line)))
        if finding.column >= 1:
            props.append(("col", str(finding.column)))
        if finding.end_line >= 1:
            end_line = max(finding.end_line, finding.line)
            props.append(("endLine", str(end_line)))
            if finding.column >= 1 and finding.end_column >= 1:
                end_column = finding.end_column
                if end_line == finding.line:
                    end_column = max(end_column, finding.column)
                props.append(("endColumn", str(end_column)))
    props.append(("title", f"{finding.rule_id} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{level} {rendered}::{escape_data(finding.message)}"


def github_annotations(findings: Iterable[Finding], prefix: str = "") -> str:
    """Workflow commands, one per unsuppressed finding, sorted; trailing newline unless empty.
    ``prefix``: the cwd relative to the repository root (``sarif.root_prefix``)."""
    lines = [annotation(f, prefix) for f in sort_findings(findings) if f.suppressed is None]
    return "".join(line + "\n" for line in lines)
