"""RG000 analysis-error: a file routeguard could not read or parse."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules._util import finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG000",
    name="analysis-error",
    summary="A file could not be read or parsed, so its routes and dependencies were not checked.",
    severity="error",
    precision="very-high",
    what="""
A Python file under the analysed paths that routeguard could not read (permissions, a file that vanished,
a directory that cannot be listed, a FIFO or device named `.py`), decode (bad bytes for its encoding, a
wrong coding cookie, NUL bytes) or parse (a syntax error, Python 2 code), or that is beyond the resource
bounds (larger than 5 MB, nested more than 500 levels deep); also an internal error of routeguard on one
file or in one rule. The rest of the project is still analysed. See docs/reliability.md.
""",
    why="""
A linter that silently skips what it cannot read reports a clean result for code it never looked at. A
route declared in a file that does not parse is a route nobody checked: routeguard makes that visible
and exits non-zero instead.
""",
    example="""
# file: app/users.py
from fastapi import APIRouter

router = APIRouter()


@router.get("/users/{id}"
def read_user(id: int): ...
""",
    good="""
# file: app/users.py
from fastapi import APIRouter

router = APIRouter()


@router.get("/users/{id}")
def read_user(id: int): ...
""",
    fix="""
Fix the file so that Python can parse it (run `python -m py_compile FILE`), or exclude it explicitly with
`--exclude` if it is not part of the application (generated or vendored code).
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    for facts in graph.index.modules:
        if facts.error is None:
            continue
        error = facts.error
        yield finding(RULE, f"cannot analyse {facts.path}: {error.message}", facts.path, error.line, error.column,
                      error.column + 1, key=f"RG000:{facts.path}")
