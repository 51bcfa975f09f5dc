"""Helpers shared by the tests that drive the CLI in-process on small projects built in tmp_path."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from routeguard_lint.cli import app


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(exist_ok=True)  # the top of the "repository": configuration discovery stops here
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def cli(*args: str, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict]:
    code, out, err = cli("check", "--format", "json", *args, cwd=cwd, monkeypatch=monkeypatch)
    assert code in (0, 1), err
    return code, json.loads(out)
