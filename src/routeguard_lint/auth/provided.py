"""What a `Depends(f)` parameter holds: the object `f` returns, when that is one of the project's classes.

`auth_handler: AuthHandler = Depends(get_auth_handler)` receives what `get_auth_handler()` returns. When every
`return` of `f` makes an object of a project class (`return JWTAuthLocal()` under `if settings.auth_type ==
AuthType.JWT_LOCAL:`, `return NOOPAuth()` otherwise), calling the parameter (`await auth_handler(request)`)
runs the `__call__` of one of those classes, chosen by the tests around the returns. Each alternative is then
judged on its own (see `missing_credential`), and a route that one lets through and another rejects is
unverified, naming the test that chooses.
"""

from __future__ import annotations

from dataclasses import dataclass

from routeguard_lint.auth.settings import EnvironmentFields
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, is_marker
from routeguard_lint.project.index import ClassV, Ctx, FuncV, Index, InstanceV

MAX_CHOICES = 6
_DEPENDS = frozenset({"Depends", "fastapi.Depends", "Security", "fastapi.Security", "params.Depends"})


@dataclass(frozen=True, slots=True)
class Choice:
    test: str  # the tests around the `return` that chooses it ("" when none: what is returned otherwise)
    cls: ClassV
    line: int  # of the `return`


@dataclass(frozen=True, slots=True)
class Provided:
    """`AV.value` of a parameter filled with what a project function returns: the objects it may be."""

    function: str  # `module.qualname` of the function, for reasons
    path: str
    choices: tuple[Choice, ...]

    def where(self, choice: Choice) -> str:
        return f"{self.path}:{choice.line}"


def dependency_of(index: Index, fv: FuncV, func: Func, name: str) -> FuncV | None:
    """The project function a parameter's `Depends(f)` (its default, or `Annotated[T, Depends(f)]`) names."""
    for param in func.params:
        if param.name != name:
            continue
        ctx = Ctx(fv.module, func.parent) if func.parent else Ctx(fv.module)
        candidates: list[tuple[ir.Expr, Ctx]] = []
        if param.default is not None:
            candidates.append((param.default, ctx))
        annotation, where = index.type_alias(param.annotation, ctx) if param.annotation is not None else (None, ctx)
        if isinstance(annotation, ir.Sub) and ir.dotted(annotation.value) in ("Annotated", "typing.Annotated"):
            candidates.extend((meta, where) for meta in annotation.index[1:])
        for expr, ctx in candidates:
            if isinstance(expr, ir.Call) and ir.dotted(expr.func) in _DEPENDS and expr.args:
                target = index.resolve(expr.args[0], ctx)
                return target if isinstance(target, FuncV) else None
    return None


class ProvidedValues:
    """Memoised `Provided` values of the project's dependency functions."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.environment = EnvironmentFields(index)
        self._memo: dict[FuncV, Provided | None] = {}
        self._functions: dict[FuncV, FuncV | None] = {}  # `function_of`

    def of(self, fv: FuncV) -> Provided | None:
        """The objects `fv` returns, each with the tests that choose it; None unless every return it may reach
        makes an object of a project class (and it does not fall off its end)."""
        if fv in self._memo:
            return self._memo[fv]
        self._memo[fv] = None
        func = self.index.func(fv)
        if func is None or func.has_yield:
            return None
        ctx = Ctx(fv.module, func.qualname)
        returns = [r for r in func.returns if not any(self._never(c, ctx) for c in r.conditions)]
        if not returns or len(returns) > MAX_CHOICES or any(is_marker(c) for r in returns for c in r.conditions) or \
                any(not is_marker(c) for c in returns[-1].conditions):
            return None  # it may fall off the end (None), or a return sits in a loop / try block
        choices: list[Choice] = []
        earlier: list[str] = []
        for ret in returns:
            value = self.index.resolve(ret.value, ctx) if ret.value is not None else None
            if not (isinstance(value, InstanceV) and isinstance(value.cls, ClassV)):
                return None
            tests = [ir.show(c, 60) for c in ret.conditions if not is_marker(c)]
            # an `elif` repeats the earlier tests negated: the choice is named by its own test
            own = [t for t in tests if not (t.startswith("not ") and t[4:] in earlier)]
            earlier.extend(tests)
            choices.append(Choice(" and ".join(own), value.cls, ret.line))
        found = Provided(f"{fv.module}.{fv.qualname}", self.index.path_of(fv.module), tuple(choices))
        self._memo[fv] = found
        return found

    def function_of(self, fv: FuncV) -> FuncV | None:
        """The project function `fv` returns on every path (`def get_checker(repo=Depends(Repo)): async def
        check(user): ...; return check`): what calling the parameter it fills runs, its free variables the
        dependency's own. None when a return gives anything else, or it may fall off its end."""
        if fv in self._functions:
            return self._functions[fv]
        self._functions[fv] = None
        func = self.index.func(fv)
        if func is None or func.has_yield or not func.returns or \
                any(not is_marker(c) for c in func.returns[-1].conditions):
            return None
        ctx = Ctx(fv.module, func.qualname)
        found = {self.index.resolve(r.value, ctx) if r.value is not None else None for r in func.returns}
        value = found.pop() if len(found) == 1 else None
        result = value if isinstance(value, FuncV) else None
        self._functions[fv] = result
        return result

    def _never(self, test: ir.Expr, ctx: Ctx) -> bool:
        """`test` is false whenever the function runs: the evaluator can tell, and it reads no setting the
        environment may change (a `BaseSettings` field's class default is not its value)."""
        if is_marker(test) or any(self.environment.read_at_run_time(part, ctx) for part in _attributes(test)):
            return False
        return self.index.truth(test, ctx) is False


def _attributes(expr: object, depth: int = 0) -> list[ir.Attr]:
    """The attribute reads inside an expression."""
    if depth > 20 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return []
    if isinstance(expr, (tuple, list)):
        return [a for item in expr for a in _attributes(item, depth + 1)]
    out = [expr] if isinstance(expr, ir.Attr) else []
    for slot in getattr(expr, "__slots__", ()):
        out.extend(_attributes(getattr(expr, slot, None), depth + 1))
    return out
