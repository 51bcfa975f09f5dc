"""The test suite's own rules: one way to run the CLI (tests/cli_helpers.py), no `sys.path` edits (pytest's
`pythonpath` puts tests/ on the path), and CI runs the slow tests too."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
SOURCES = sorted(TESTS.glob("*.py"))


def test_no_test_edits_sys_path() -> None:
    offenders = [p.name for p in SOURCES if re.search(r"sys\.path\.(insert|append|extend)\(|sys\.path\s*[+]?=",
                                                      p.read_text(encoding="utf-8"))]
    assert offenders == [] and [p.name for p in SOURCES if p.name == "test_suite.py"] == ["test_suite.py"]


def test_the_cli_runs_as_a_process_only_through_cli_helpers() -> None:
    starts_the_cli = re.compile(r"""["']-m["'],\s*["']routeguard_lint["']""")
    offenders = [p.name for p in SOURCES
                 if p.name != "cli_helpers.py" and starts_the_cli.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    assert starts_the_cli.search((TESTS / "cli_helpers.py").read_text(encoding="utf-8"))  # the pattern matches


def test_ci_runs_the_slow_tests() -> None:
    """`-m "not slow"` is the inner loop; .ci/run's main pytest run selects nothing away."""
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    main_runs = [line for line in script.splitlines() if '"$venv/bin/python" -m pytest' in line]
    assert main_runs and all(" -m " not in line.split("pytest", 1)[1] for line in main_runs), main_runs
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^markers = \[\n\s+"slow:', config, re.MULTILINE)
    addopts = re.search(r"^addopts = (.*)$", config, re.MULTILINE)
    assert addopts is None or "slow" not in addopts.group(1)  # no default deselection


def test_the_cli_tests_run_routeguard_as_a_process() -> None:
    """.ci/run runs test_cli.py again with the lowest dependency versions (click 8.0's test runner cannot
    keep stderr apart): it starts routeguard only as a process."""
    source = (TESTS / "test_cli.py").read_text(encoding="utf-8")
    imported = re.search(r"^from cli_helpers import (.+)$", source, re.MULTILINE)
    assert imported is not None and set(imported.group(1).replace(" ", "").split(",")) <= {"REPO", "run", "write"}
    assert "CliRunner" not in source
