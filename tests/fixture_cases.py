"""Discovery of the fixture cases under tests/fixtures/<topic>/<case>/ and their inline expectations.

A case is a directory directly under a topic directory that holds at least one ``.py`` file (at any
depth). Expectations are comments on the line the finding is reported on::

    @router.get("/items")  # expect: RG001
    def get_current_user(token: str):  # expect: RG002, RG003

``# ok`` marks a line where a tempting false positive must stay silent; it adds nothing to the
expected set (the comparison is exact, so silence is checked anyway).
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES_DIR = TESTS_DIR / "fixtures"
ORACLE_SCRIPT = TESTS_DIR / "oracle" / "fastapi_inventory.py"

EXPECT_RE = re.compile(r"#\s*expect:\s*(RG\d{3}(?:\s*,\s*RG\d{3})*)")
RULE_RE = re.compile(r"RG\d{3}")


def case_dirs() -> list[Path]:
    cases = []
    for topic in sorted(p for p in FIXTURES_DIR.iterdir() if p.is_dir()):
        for case in sorted(p for p in topic.iterdir() if p.is_dir()):
            if any(case.rglob("*.py")):
                cases.append(case)
    return cases


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def case_config(case: Path) -> dict[str, Any]:
    cfg = case / "case.toml"
    if cfg.is_file():
        with cfg.open("rb") as fh:
            return tomllib.load(fh)
    return {}


def case_paths(case: Path) -> list[Path]:
    """The paths a case is analysed with, relative to it: `paths` in case.toml (a service folder of a
    repository-like case), else the case itself."""
    return [Path(p) for p in case_config(case).get("paths", ["."])]


def _comments(source: str) -> list[tuple[int, str]]:
    """(line, comment text) for every comment; falls back to a line scan for unparsable files."""
    try:
        return [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        out = []
        for lineno, line in enumerate(source.splitlines(), start=1):
            idx = line.find("# expect:")
            if idx >= 0:
                out.append((lineno, line[idx:]))
        return out


CONFIG_FILES = ("pyproject.toml", "routeguard.toml")  # a case's own routeguard configuration


def expected_findings(case: Path) -> set[tuple[str, str, int]]:
    """{(rule_id, path relative to the case dir in POSIX form, line)} from ``# expect:`` comments.

    Besides the ``.py`` files, a case's ``pyproject.toml``/``routeguard.toml`` may carry them (TOML
    comments are ``#`` too): findings about the configuration (a stale ``public`` entry) land there.
    """
    expected: set[tuple[str, str, int]] = set()
    for py in sorted(case.rglob("*.py")):
        rel = py.relative_to(case).as_posix()
        source = py.read_text(encoding="utf-8")
        for lineno, comment in _comments(source):
            m = EXPECT_RE.search(comment)
            if m:
                for rule in RULE_RE.findall(m.group(1)):
                    expected.add((rule, rel, lineno))
    for name in CONFIG_FILES:
        config = case / name
        if not config.is_file():
            continue
        for lineno, line in enumerate(config.read_text(encoding="utf-8").splitlines(), start=1):
            m = EXPECT_RE.search(line)
            if m:
                for rule in RULE_RE.findall(m.group(1)):
                    expected.add((rule, name, lineno))
    return expected
