"""Every fixture case: the analyzer's findings equal the ``# expect:`` comments exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_cases import case_dirs, case_id, case_paths, expected_findings

CASES = case_dirs()


def _fmt(items: set[tuple[str, str, int]]) -> str:
    ordered = sorted(items, key=lambda t: (t[1], t[2], t[0]))
    return "\n".join(f"  {rule} {path}:{line}" for rule, path, line in ordered) or "  (none)"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_fixture_findings(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze

    expected = expected_findings(case)
    monkeypatch.chdir(case)
    result = analyze(case_paths(case))
    # a finding an inline `# routeguard: ignore[...]`/`# noqa` suppresses is not active: no `# expect:` for it
    actual = {(f.rule_id, f.path, f.line) for f in result.findings if f.suppressed is None}
    missing = expected - actual
    unexpected = actual - expected
    assert not missing and not unexpected, (
        f"{case_id(case)}\nmissing (expected but not reported):\n{_fmt(missing)}\n"
        f"unexpected (reported but not expected):\n{_fmt(unexpected)}"
    )
