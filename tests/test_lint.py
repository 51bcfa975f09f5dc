"""The project's own code under its own configuration (pyproject.toml): ruff and mypy, as CI runs them; and the
version, written once."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import pytest

import routeguard_lint
from cli_helpers import REPO

TOOLS = {
    "ruff": [sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "benchmarks"],
    "mypy": [sys.executable, "-m", "mypy", "--no-incremental"],  # files and options: [tool.mypy]
}


@pytest.mark.slow
@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_the_code_is_clean_under_the_projects_configuration(tool: str) -> None:
    proc = subprocess.run(TOOLS[tool], cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, f"{tool} reports problems:\n{proc.stdout}{proc.stderr}"


def test_the_version_has_one_source() -> None:
    assert importlib.metadata.version("routeguard-lint") == routeguard_lint.__version__
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert "\nversion =" not in pyproject.split("[project]", 1)[1].split("\n[", 1)[0]
