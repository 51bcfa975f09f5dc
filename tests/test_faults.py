"""One file never sinks the run, nothing leaks, no orphans: deep chains, route fan-out, per-file memory and
time bounds, pathological globs and configs, symlinks out of the project, killed parents, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from routeguard_lint.api import analyze
from routeguard_lint.intent.config import Config, _normalise, load_config, path_pattern

ROOT = Path(__file__).parent
APP = ROOT / "fixtures"


def _located(result) -> set[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return {(f.rule_id, f.path, f.line) for f in result.findings}


def _rg000(result, path: str) -> str:  # type: ignore[no-untyped-def]
    found = [f for f in result.findings if f.rule_id == "RG000" and f.path == path]
    assert len(found) == 1, [(f.rule_id, f.path, f.message) for f in result.findings]
    return found[0].message


# ------------------------------------------------------------------------------------------ globs, config


def _in_subprocess(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def test_a_pathological_glob_is_matched_in_linear_time() -> None:
    # 16 x `*a` against a long run of `a`s and a last character that fails: exponential with backtracking
    glob = "/" + "*a" * 24 + "b"
    path = "/" + "a" * 60 + "c"
    code = ("from routeguard_lint.intent.config import path_pattern, _normalise\n"
            f"assert not path_pattern({glob!r}).match(_normalise({path!r}))\n"
            f"assert path_pattern({glob!r}).match(_normalise({path[:-1] + 'b'!r}))\n"
            "assert not path_pattern('/**/x/**/y/**/z').match('/' + '/'.join(['x', 'y'] * 2000))\n")
    result = _in_subprocess(code, timeout=30)  # generous: the old matcher needed minutes, or never ended
    assert result.returncode == 0, result.stderr
    assert not path_pattern(glob).match(_normalise(path))


@pytest.mark.parametrize(("glob", "path", "expected"), [
    ("/a/**/b", "/a/b", True), ("/a/**/b", "/a/x/y/b", True), ("/a/**/b", "/a/x/y/c", False),
    ("/**", "/", True), ("/**/z", "/a/b/z", True), ("/x*y*z", "/xayyz", True), ("/x*y*z", "/xazy", False),
    ("/a/**/b/**/c", "/a/b/c", True), ("/a/**/b/**/c", "/a/c/b/c", True), ("/a/**/b/**/c", "/a/c/c", False),
    ("/u/{id}/*", "/u/7/x", True), ("/u/{id}/*", "/u/7", False), ("/*a*a", "/aa", True), ("/*a*a", "/a", False),
])
def test_globs_match_as_documented(glob: str, path: str, expected: bool) -> None:
    assert path_pattern(glob).match(_normalise(path)) is expected


def test_a_long_public_list_loads_in_linear_time(tmp_path: Path) -> None:
    entries = "\n".join(f'[[public]]\npath = "/p{i}"\nreason = "r"\n' for i in range(8000))
    config = tmp_path / "routeguard.toml"
    config.write_text(entries)
    code = (f"from pathlib import Path; from routeguard_lint.intent.config import load_config\n"
            f"c = load_config(Path({str(config)!r}))\n"
            f"assert len(c.public) == 8000 and c.public[-1].line == 8000 * 4 - 2, c.public[-1].line\n")
    result = _in_subprocess(code, timeout=60)  # the old loader: 75 s
    assert result.returncode == 0, result.stderr
    assert load_config(config).public[7999].line == 31998


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_config_that_is_a_fifo_or_a_device_is_an_error(kind: str, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    config = tmp_path / "cfg.toml"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    result = subprocess.run([sys.executable, "-m", "routeguard_lint", "check", ".", "--config", "cfg.toml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("routeguard: error: config file is not a regular file (a FIFO, socket or device): "
                             "cfg.toml\n")
