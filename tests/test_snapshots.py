"""Per fixture case, the exact text of every finding (rule, span, message, suppression) and the diff of the safe
autofixes, pinned in tests/snapshots/<topic>/<case>.snap. test_fixtures.py checks which (rule, file, line) are
reported; these pin how: a change of wording, of a column or of a fix shows here as a diff to review.

    pytest tests/test_snapshots.py --update-snapshots   # rewrite them after an intended change
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_cases import case_dirs, case_id, case_paths
from routeguard_lint import rules
from routeguard_lint.api import analyze
from routeguard_lint.fix.apply import run_fixes, unified_diff
from routeguard_lint.model import Finding
from snapshots import SNAPSHOTS_DIR, assert_snapshot

CASES = case_dirs()


def render(findings: list[Finding], fix_diff: str | None) -> str:
    lines = []
    for f in findings:
        span = f"{f.line}:{f.column}-{f.end_line}:{f.end_column}"
        lines.append(f"{f.rule_id} {f.path}:{span} [{f.severity}]")
        lines.append(f"    {f.message}")
        if f.suppressed is not None:
            lines.append(f"    suppressed: {f.suppressed}")
    if not findings:
        lines.append("(no findings)")
    if fix_diff is not None:
        lines.append("")
        lines.append("--- fix diff ---")
        lines.append(fix_diff.rstrip("\n") if fix_diff else "(nothing fixed)")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_fixture_snapshot(case: Path, monkeypatch: pytest.MonkeyPatch, update_snapshots: bool) -> None:
    monkeypatch.chdir(case)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    findings = analyze(case_paths(case)).findings
    fixable = [f for f in findings if f.suppressed is None and rules.fixer(f.rule_id) is not None]
    fix_diff = unified_diff(run_fixes(case_paths(case))) if fixable else None  # in memory: nothing is written
    assert_snapshot(f"{case_id(case)}.snap", render(findings, fix_diff), update=update_snapshots)


def test_every_snapshot_belongs_to_a_case() -> None:
    cases = {f"{case_id(c)}.snap" for c in CASES}
    stale = sorted(p.relative_to(SNAPSHOTS_DIR).as_posix() for p in SNAPSHOTS_DIR.rglob("*.snap")
                   if p.relative_to(SNAPSHOTS_DIR).as_posix() not in cases)
    assert not stale, f"snapshots of cases that no longer exist (delete them): {stale}"
