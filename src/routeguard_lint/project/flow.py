"""The values a function's locals hold at one statement of its body, for one call, as straight-line Python
computes them: a parameter holds the call's argument until the body rebinds it, a rebinding under an `if` whose
test can be told runs or not, one whose test cannot be told makes two alternatives (each with the test taken
one way). `Index.resolve` reads a local by its bindings at the end of the function; code that reads a local
between its bindings (`super().add_api_route(path, ...)`, then `path = path + "/"`, then the same call again)
needs its value where it is read.

Loops and `try` blocks are not straight-line code: a local bound inside one is left to `Index.resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import product
from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Bind, Func, is_marker
from routeguard_lint.project.arguments import free_names, subst
from routeguard_lint.project.index import Ctx, Index

MAX_ALTERNATIVES = 8  # alternatives of the values one statement reads (past it: left to Index.resolve)
MAX_DEPTH = 16  # bindings read through to evaluate one binding

# the tests an alternative assumes: (source text of the test, whether it holds)
Tests = frozenset[tuple[str, bool]]


class Alternative(NamedTuple):
    tests: Tests
    value: ir.Expr


def _assumption(test: ir.Expr) -> tuple[str, bool]:
    return (ir.show(test.value, 200), False) if isinstance(test, ir.Not) else (ir.show(test, 200), True)


def _consistent(tests: Tests) -> bool:
    return not any((text, not holds) in tests for text, holds in tests)


def _same(a: ir.Expr, b: ir.Expr) -> bool:
    return ir.show(a, 200) == ir.show(b, 200)


def _negates(a: ir.Expr, b: ir.Expr) -> bool:
    """`not x` and `x`: the test of an `if` and of its `else`."""
    return (isinstance(a, ir.Not) and _same(a.value, b)) or (isinstance(b, ir.Not) and _same(b.value, a))


def _shared(a: tuple[ir.Expr, ...], b: tuple[ir.Expr, ...]) -> int:
    """How many outer tests two statements share (they are in the same `if` bodies that far)."""
    k = 0
    while k < len(a) and k < len(b) and _same(a[k], b[k]):
        k += 1
    return k


def show_tests(tests: Tests) -> tuple[str, ...]:
    """Assumed tests as source text, sorted: `x` or `not (x)`."""
    return tuple(text if holds else f"not ({text})" for text, holds in sorted(tests))


class Straight:
    """The locals of `func` for one call: `params` binds its parameters (usually `ir.Bound` arguments);
    `ctx` is where the body's other names are read (the function, the call's bindings in its env)."""

    def __init__(self, index: Index, func: Func, params: Mapping[str, ir.Expr], ctx: Ctx) -> None:
        self.index = index
        self.func = func
        self.params = dict(params)
        self.ctx = ctx
        self.binds: dict[str, list[Bind]] = {}
        for bind in func.binds:
            self.binds.setdefault(bind.name, []).append(bind)
        self._memo: dict[tuple[str, int, tuple[str, ...]], list[Alternative] | None] = {}

    # -- what a statement reads ----------------------------------------------------------------------
    def expr_at(self, expr: ir.Expr, line: int, conditions: tuple[ir.Expr, ...],
                depth: int = 0) -> list[Alternative] | None:
        """`expr` written at `line` (under the `if` tests `conditions`), with the locals and parameters it reads
        replaced by what they hold there: one alternative per consistent combination of their values; None when
        there are too many, or when a local it reads is bound in a loop or `try` block."""
        if depth > MAX_DEPTH:
            return None
        names = sorted(n for n in free_names(expr) if n in self.binds or n in self.params)
        per_name: list[list[tuple[str, Alternative]]] = []
        for name in names:
            values = self._value(name, line, conditions, depth + 1)
            if values is None:
                return None
            per_name.append([(name, v) for v in values])
        out: list[Alternative] = []
        for combo in product(*per_name):
            tests: Tests = frozenset().union(*(v.tests for _, v in combo))
            if not _consistent(tests):
                continue
            out.append(Alternative(tests, subst(expr, {name: v.value for name, v in combo})))
            if len(out) > MAX_ALTERNATIVES:
                return None
        return out

    def truth(self, test: ir.Expr, line: int, conditions: tuple[ir.Expr, ...], depth: int = 0) -> bool | None:
        """Whether `test`, evaluated at `line`, holds: the same answer for every alternative of what it reads,
        else None."""
        alternatives = self.expr_at(test, line, conditions, depth)
        if not alternatives:
            return None
        truths = {self.index.truth(a.value, self.ctx) for a in alternatives}
        return truths.pop() if len(truths) == 1 else None

    def tests_at(self, conditions: tuple[ir.Expr, ...], line: int) -> tuple[bool, tuple[str, ...]]:
        """For a statement at `line` under the `if` tests `conditions`: whether it may run for this call (no test
        is false), and the tests that cannot be told (source text). Block markers (loops, `try`) count as
        neither."""
        undecided: list[str] = []
        for k, test in enumerate(conditions):
            if is_marker(test):
                continue
            holds = self.truth(test, self._test_line(conditions, k, line), conditions[:k])
            if holds is False:
                return False, ()
            if holds is None:
                undecided.append(ir.show(test))
        return True, tuple(undecided)

    def bound(self, expr: ir.Expr) -> ir.Expr:
        """An expression `expr_at` made, to be read anywhere: in this function's context."""
        return ir.Bound(expr, self.ctx)

    # -- one local --------------------------------------------------------------------------------------
    def _value(self, name: str, line: int, conditions: tuple[ir.Expr, ...], depth: int) -> list[Alternative] | None:
        key = (name, line, tuple(ir.show(c, 200) for c in conditions))
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # (a binding cannot read itself: lines only go back)
        found = self._value_uncached(name, line, conditions, depth)
        self._memo[key] = found
        return found

    def _value_uncached(self, name: str, line: int, conditions: tuple[ir.Expr, ...],
                        depth: int) -> list[Alternative] | None:
        start = self.params.get(name)
        states: list[Alternative] = [Alternative(frozenset(), start if start is not None else ir.Name(name))]
        for bind in self.binds.get(name, ()):
            if bind.line >= line:
                break
            if any(is_marker(c) for c in bind.conditions):
                return None  # bound in a loop or `try` block: not straight-line code
            k = _shared(bind.conditions, conditions)
            if k < len(bind.conditions) and k < len(conditions) and _negates(bind.conditions[k], conditions[k]):
                continue  # the other branch of an `if` the statement is in
            assumed: list[tuple[str, bool]] = []
            skipped = False
            for j in range(k, len(bind.conditions)):
                test = bind.conditions[j]
                holds = self.truth(test, self._test_line(bind.conditions, j, bind.line), bind.conditions[:j],
                                   depth + 1)
                if holds is False:
                    skipped = True
                    break
                if holds is None:
                    assumed.append(_assumption(test))
            if skipped:
                continue
            values = self.expr_at(bind.value, bind.line, bind.conditions, depth + 1)
            if values is None:
                return None
            ran = [Alternative(v.tests | frozenset(assumed), v.value) for v in values]
            if not assumed:
                states = ran
                continue
            # it may not have run: the earlier values stay, under the test taken the other way (with several
            # tests that cannot be told, "not all of them" is no single test: the earlier values stay as they are)
            other: Tests = frozenset({(assumed[0][0], not assumed[0][1])}) if len(assumed) == 1 else frozenset()
            states = [s for s in ran if _consistent(s.tests)] + \
                [Alternative(s.tests | other, s.value) for s in states if _consistent(s.tests | other)]
            if len(states) > MAX_ALTERNATIVES:
                return None
        return states

    def _test_line(self, conditions: tuple[ir.Expr, ...], k: int, line: int) -> int:
        """Where the test `conditions[k]` around code at `line` is evaluated: before every binding inside its
        `if` statement (either branch)."""
        test = conditions[k]
        first = line
        for bind in self.func.binds:
            if bind.line >= first:
                break
            if len(bind.conditions) > k and _shared(bind.conditions, conditions) >= k and \
                    (_same(bind.conditions[k], test) or _negates(bind.conditions[k], test)):
                first = bind.line
        return first


def calls_in(func: Func) -> Iterable[tuple[ir.Call, int, tuple[ir.Expr, ...]]]:
    """The calls `func` makes as statements (`super().add_api_route(...)`, `return self.f(...)`), in source
    order, with their line and `if` tests."""
    found = [(e.call, e.line, e.conditions) for e in func.effects] + \
        [(r.value, r.line, r.conditions) for r in func.returns if isinstance(r.value, ir.Call)]
    return sorted(found, key=lambda item: item[1])
