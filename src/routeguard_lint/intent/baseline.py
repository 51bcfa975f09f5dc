"""Baselines: adopt routeguard on a codebase that already has findings, and report only new ones.

`routeguard check --write-baseline FILE` records the active findings; `routeguard check --baseline FILE`
reports only the findings that are not in it. An entry is the finding's fingerprint -- the same one
SARIF's `partialFingerprints` carries: the SHA-256 of the rule and the route (method and full path) or the
function it is about, never a line number -- so code that moves does not bring a baselined finding back.
Several findings with the same key (two in one function) are told apart by their order, as in SARIF.

Entries that match no current finding are *stale* (the finding was fixed, or the route renamed): they are
counted in the summary, and `--write-baseline` again drops them.

The file is JSON, sorted, one entry per finding, with the rule, path and message for the reader (only
`fingerprint` is used for matching):

    {"version": 1, "tool": "routeguard", "findings": [{"fingerprint": "...", "rule_id": "RG001", ...}]}
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from routeguard_lint.model import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or is not a routeguard baseline: one line, exit 2."""


def fingerprint_source(finding: Finding) -> str:
    """The text hashed into the fingerprint: no line numbers in it."""
    if finding.fingerprint_key:
        return finding.fingerprint_key
    return "\0".join((finding.rule_id, finding.path, finding.message))


def fingerprint(finding: Finding, occurrence: int = 0) -> str:
    text = fingerprint_source(finding)
    if occurrence:
        text = f"{text}\0{occurrence}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprints(findings: Iterable[Finding]) -> list[tuple[Finding, str]]:
    """Each finding with its fingerprint, in the given order: the second finding with the same key gets
    occurrence 1, and so on (the caller passes findings in report order)."""
    seen: Counter[str] = Counter()
    out = []
    for finding in findings:
        source = fingerprint_source(finding)
        out.append((finding, fingerprint(finding, seen[source])))
        seen[source] += 1
    return out


@dataclass(frozen=True)
class Baseline:
    path: str  # as given, for messages
    entries: frozenset[str]  # fingerprints


@dataclass(frozen=True)
class BaselineOutcome:
    findings: list[Finding]  # what remains to report (suppressed findings are kept, they are not baselined)
    matched: int  # findings left out because the baseline has them
    stale: int  # baseline entries that match no finding


def _report_order(findings: Iterable[Finding]) -> list[Finding]:
    from routeguard_lint.report._common import sort_findings

    return sort_findings(findings)


def baseline_json(findings: Iterable[Finding]) -> str:
    """The baseline file for the active (unsuppressed) findings."""
    active = [f for f in _report_order(findings) if f.suppressed is None]
    entries = [
        {"fingerprint": fp, "rule_id": f.rule_id, "path": f.path, "message": f.message}
        for f, fp in fingerprints(active)
    ]
    entries.sort(key=lambda e: (e["path"], e["rule_id"], e["message"], e["fingerprint"]))
    data = {"version": BASELINE_VERSION, "tool": "routeguard", "findings": entries}
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the baseline; the number of entries written. Raises BaselineError when it cannot."""
    text = baseline_json(findings)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot write --write-baseline {path}: {exc.strerror or exc}") from None
    return len(json.loads(text)["findings"])


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path} (create it with --write-baseline {path})") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not a routeguard baseline (invalid JSON: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a routeguard baseline (expected an object with a 'findings' array)")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data.get('version')!r} "
                            f"(expected {BASELINE_VERSION}; write it again with --write-baseline)")
    entries = set()
    for i, entry in enumerate(data["findings"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not fp:
            raise BaselineError(f"{path}: findings[{i}] has no 'fingerprint'")
        entries.add(fp)
    return Baseline(str(path), frozenset(entries))


def apply_baseline(findings: Iterable[Finding], baseline: Baseline) -> BaselineOutcome:
    """Leave out the active findings the baseline records; count what matched and the stale entries."""
    ordered = _report_order(findings)
    active = [f for f in ordered if f.suppressed is None]
    known = {id(f) for f, fp in fingerprints(active) if fp in baseline.entries}
    used = {fp for f, fp in fingerprints(active) if fp in baseline.entries}
    kept = [f for f in ordered if id(f) not in known]
    return BaselineOutcome(kept, len(known), len(baseline.entries - used))


__all__ = ["Baseline", "BaselineError", "BaselineOutcome", "apply_baseline", "baseline_json", "fingerprint",
           "fingerprint_source", "fingerprints", "load_baseline", "write_baseline"]
