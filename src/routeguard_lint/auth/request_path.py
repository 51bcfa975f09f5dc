"""Tests of the request's path decided per route: `"/alerts/event" in request.url.path`,
`request.url.path.endswith("/cloudwatch")`, `path.startswith("/public")`, `path == "/health"`, `path in PUBLIC`.

A dependency (or a helper it calls, any number of calls down) that tests the request's path behaves differently per
route, but the walk of a dependency is shared by every route that takes it. The first walk records the tests of the
path it met and could not decide (`PathChecks.read`, `PATH_TESTS`); the judgement then reads each such test
on every route's resolved full path (`PathCheck.on`): a test no request to the route can meet is false for it, one
every request meets is true, and the routes that agree on every test are walked again with those values
(`auth/judge.py`). A route path with parameters is the set of paths its parameters can make (a parameter is one or
more characters other than `/`, a `{name:path}` one any characters), so a test is decided only when it holds for all
of them or for none; a path the analysis could not read (`{?...}`) decides nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routeguard_lint.facts import ir
from routeguard_lint.project.index import Ctx
from routeguard_lint.routes.middleware import MiddlewareReader, PathTest

_PARAM = re.compile(r"\{([^}]*)\}")

# a test of the path against literals: it holds when the path meets `kind` with any of them
PathKey = tuple[PathTest, tuple[str, ...]]


@dataclass(frozen=True)
class PathCheck:
    """A test of the request's path read from the source: `test`, negated (`not in`, `!=`) or not."""

    test: PathKey
    negated: bool = False


class PathChecks:
    """Reads tests of the request's path (as `MiddlewareReader` reads a middleware's), once per expression."""

    def __init__(self, reader: MiddlewareReader) -> None:
        self.reader = reader
        self._read: dict[tuple[int, Ctx], tuple[ir.Expr, PathCheck | None]] = {}

    def read(self, expr: ir.Expr, ctx: Ctx) -> PathCheck | None:
        """The test `expr` makes of the request's path, or None (not such a test, or its literals cannot be read)."""
        if not isinstance(expr, (ir.Compare, ir.Call)):
            return None
        key = (id(expr), ctx)
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = (expr, self._check(expr, ctx))  # (the expression kept alive with its id)
        return found[1]

    def _check(self, expr: ir.Expr, ctx: Ctx) -> PathCheck | None:
        reader = self.reader
        if isinstance(expr, ir.Compare) and len(expr.ops) == 1 and expr.ops[0] in ("in", "not in", "==", "!="):
            op, left, right = expr.ops[0], expr.left, expr.comparators[0]
            negated = op in ("not in", "!=")
            if op in ("in", "not in") and reader.path_base(right, ctx) == "" and not reader.within_app(right, ctx):
                literal = reader.index.string(left, ctx)  # `"/admin/" in request.url.path`
                return PathCheck((PathTest.CONTAINS, (literal,)), negated) if literal is not None else None
            base = reader.path_base(left, ctx)
            if base is None or reader.within_app(left, ctx):
                return None
            if op in ("==", "!="):
                literal = reader.index.string(right, ctx)
                return PathCheck((PathTest.EQUALS, (base + literal,)), negated) if literal is not None else None
            if reader.index.string(right, ctx) is not None:
                return None  # `path in "/a/b"`: a substring of the literal, not one of its items
            items = self._literals(right, ctx)
            return PathCheck((PathTest.EQUALS, tuple(base + i for i in items)), negated) if items else None
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and \
                expr.func.attr in ("startswith", "endswith") and len(expr.args) == 1 and not expr.kwargs:
            base = reader.path_base(expr.func.value, ctx)
            if base is None or reader.within_app(expr.func.value, ctx):
                return None
            items = self._literals(expr.args[0], ctx)
            if not items:
                return None
            if expr.func.attr == "startswith":
                return PathCheck((PathTest.STARTS, tuple(base + i for i in items)))
            return PathCheck((PathTest.ENDS, items))
        return None

    def _literals(self, expr: ir.Expr, ctx: Ctx) -> tuple[str, ...]:
        """The string `expr` is, or the strings of the collection it is; () when one cannot be read."""
        text = self.reader.index.string(expr, ctx)
        if text is not None:
            return (text,)
        items = [self.reader.index.string(i, c) for i, c in self.reader.literals.items_ctx(expr, ctx)]
        return tuple(i for i in items if i is not None) if items and None not in items else ()


def on(test: PathKey, template: str) -> bool | None:
    """The value of `test` for every request to a route whose path is `template`: True when each path the template
    makes meets it, False when none does, None when that depends on the path parameters (or the path is unknown)."""
    if "{?" in template:
        return None
    kind, literals = test
    values = [_on(kind, literal, template) for literal in literals]
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _on(kind: PathTest, literal: str, template: str) -> bool | None:
    chunks = _PARAM.split(template)  # static text at even indices, parameters at odd ones
    statics = chunks[0::2]
    if len(chunks) == 1:
        meets = {PathTest.CONTAINS: literal in template, PathTest.EQUALS: template == literal,
                 PathTest.STARTS: template.startswith(literal), PathTest.ENDS: template.endswith(literal)}
        return meets[kind]
    if (kind is PathTest.CONTAINS and any(literal in s for s in statics)) or \
            (kind is PathTest.STARTS and statics[0].startswith(literal)) or \
            (kind is PathTest.ENDS and statics[-1].endswith(literal)):
        return True
    tokens: list[str | bool] = []
    for i, chunk in enumerate(chunks):
        if i % 2:
            tokens.append(chunk.partition(":")[2].strip() == "path")  # a parameter: True when it may hold "/"
        else:
            tokens.extend(chunk)
    start = kind in (PathTest.EQUALS, PathTest.STARTS)
    end = kind in (PathTest.EQUALS, PathTest.ENDS)
    return None if _possible(tokens, literal, start, end) else False


def _possible(tokens: list[str | bool], literal: str, start: bool, end: bool) -> bool:
    """Whether some path the template `tokens` makes (a character, or a parameter: True when it may hold "/" and be
    empty, as `{p:path}`; False for one or more characters other than "/") holds `literal`, at its start (`start`)
    and/or at its end (`end`). States: (index of the next token, inside that parameter having made a character)."""
    n = len(tokens)

    def closed(states: set[tuple[int, bool]]) -> set[tuple[int, bool]]:
        todo = list(states)
        while todo:
            i, inside = todo.pop()
            # a parameter may end here (a path one may be empty)
            if (inside or (i < n and tokens[i] is True)) and (i + 1, False) not in states:
                states.add((i + 1, False))
                todo.append((i + 1, False))
        return states

    states = {(0, False)} if start else \
        {(i, False) for i in range(n + 1)} | {(i, True) for i, t in enumerate(tokens) if isinstance(t, bool)}
    states = closed(states)
    for ch in literal:
        following: set[tuple[int, bool]] = set()
        for i, inside in states:
            if i >= n:
                continue
            token = tokens[i]
            if isinstance(token, bool):
                if ch != "/" or token:
                    following.add((i, True))
            elif not inside and token == ch:
                following.add((i + 1, False))
        states = closed(following)
        if not states:
            return False
    return (n, False) in states if end else True
