"""The one way the tests drive routeguard: small projects written into tmp_path, the CLI run in-process
(`cli`, `check_json`) or as a real process (`run`, `start`, for what only a process shows: exit status on the
interpreter's way out, output encoding, signals, the environment it started with). Tests do not start
routeguard any other way (tests/test_suite.py checks it).

The tests import it as a top-level module: pytest puts tests/ on sys.path (`pythonpath` in pyproject.toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Literal, overload

import pytest
from typer.testing import CliRunner

from routeguard_lint.cli import app

REPO = Path(__file__).resolve().parent.parent


def write(root: Path, files: dict[str, str | bytes], *, top: bool = True, dedent: bool = True) -> Path:
    """Write `files` (relative name -> text or bytes) under `root`. `top`: mark `root` as the top of a
    repository (a `.git` directory), where configuration discovery stops. Text is dedented unless `dedent`
    is false; bytes are written as they are."""
    if top:
        (root / ".git").mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes((textwrap.dedent(content) if dedent else content).encode("utf-8"))
    return root


def cli(*args: str, cwd: Path | None = None, monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    """Run `routeguard ARGS` in-process: (exit code, stdout, stderr). With `cwd`, in that directory (needs
    `monkeypatch`, which also turns the facts cache off). An exception that escaped the CLI fails the test:
    the CLI turns every error into a message and exit code 2, and a bare traceback would read as exit 1."""
    if cwd is not None:
        if monkeypatch is None:
            raise TypeError("cli(cwd=...) needs monkeypatch= to change directory for the test only")
        monkeypatch.chdir(cwd)
    if monkeypatch is not None:
        monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def check_json(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, dict[str, Any]]:
    """`routeguard check --format json ARGS` in `cwd`: (exit code, the parsed report); exit 2 fails the test."""
    code, out, err = cli("check", "--format", "json", *args, cwd=cwd, monkeypatch=monkeypatch)
    assert code in (0, 1), err
    report: dict[str, Any] = json.loads(out)
    return code, report


def _environ(env: dict[str, str | None] | None) -> dict[str, str]:
    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


@overload
def run(*args: str, cwd: Path, env: dict[str, str | None] | None = ..., binary: Literal[False] = ...,
        timeout: float = ...) -> subprocess.CompletedProcess[str]: ...
@overload
def run(*args: str, cwd: Path, env: dict[str, str | None] | None = ..., binary: Literal[True],
        timeout: float = ...) -> subprocess.CompletedProcess[bytes]: ...
def run(*args: str, cwd: Path, env: dict[str, str | None] | None = None, binary: bool = False,
        timeout: float = 300) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
    """`python -m routeguard_lint ARGS` as a process in `cwd`, with `env` changing the environment (a None
    value removes the variable); output as text, or as bytes with `binary`."""
    return subprocess.run([sys.executable, "-m", "routeguard_lint", *args], cwd=cwd, capture_output=True,
                          text=not binary, env=_environ(env), timeout=timeout, check=False)


def start(*args: str, cwd: Path, env: dict[str, str | None] | None = None) -> subprocess.Popen[str]:
    """`python -m routeguard_lint ARGS` started as a process in `cwd` and left running (for the tests that
    signal or kill it); stdout and stderr are pipes."""
    return subprocess.Popen([sys.executable, "-m", "routeguard_lint", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_environ(env))
