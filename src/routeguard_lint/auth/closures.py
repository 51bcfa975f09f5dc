"""Constants a closure sees from the factory that made it.

`def current_user(*, optional=False): async def dep(token=...): if token is None: if optional: return None; raise
...` — the inner `dep` reads `optional`, a parameter of the enclosing factory. When every call of the factory in
the project gives that parameter the same literal value (the default counts for a call that does not pass it),
the walk of `dep` may use that value: a request without credentials then meets `raise`, not `return None`.
When calls disagree, or pass something that is not a literal, or no call is seen, the name stays unknown.
"""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.index import Ctx, FuncV, Index

MAX_SITES = 200
_MISSING = object()


def _literal(expr: ir.Expr | None) -> object:
    if isinstance(expr, ir.Bound):
        expr = expr.expr
    if isinstance(expr, ir.Const):
        return expr.value
    if isinstance(expr, ir.Str):
        return expr.value
    return _MISSING


def _add(table: dict[str, list[tuple[ir.Call, Ctx]]], expr: ir.Expr | None, ctx: Ctx) -> None:
    if isinstance(expr, ir.Call):
        f = expr.func
        key = f.id if isinstance(f, ir.Name) else f.attr if isinstance(f, ir.Attr) else None
        if key:
            table.setdefault(key, []).append((expr, ctx))


def _calls_in(expr: ir.Expr | None, depth: int) -> list[ir.Call]:
    """The calls in an expression (`Depends(viewer())`: both; `router.get("/", dependencies=[require(...)])`:
    both), outermost first."""
    if isinstance(expr, ir.Seq) and depth <= 6:
        return [call for item in expr.items for call in _calls_in(item, depth + 1)]
    if not isinstance(expr, ir.Call) or depth > 6:
        return []
    out = [expr]
    for arg in (*expr.args, *(value for _key, value in expr.kwargs)):
        out.extend(_calls_in(arg, depth + 1))
    return out


class Closures:
    def __init__(self, index: Index) -> None:
        self.index = index
        self._by_name: dict[str, list[tuple[ir.Call, Ctx]]] | None = None
        self._aliases: dict[str, set[str]] = {}
        self._memo: dict[FuncV, dict[str, object]] = {}

    def _calls(self, name: str) -> list[tuple[ir.Call, Ctx]]:
        if self._by_name is None:
            table: dict[str, list[tuple[ir.Call, Ctx]]] = {}
            aliases: dict[str, set[str]] = {}  # `from f import make as m`: "make" -> {"m"}
            for facts in self.index.modules:
                if facts.pending:
                    continue
                for local, ref in facts.imports.items():
                    if ref.name is not None and local != ref.name:
                        aliases.setdefault(ref.name, set()).add(local)
                for site in facts.calls:
                    f = site.call.func
                    key = f.id if isinstance(f, ir.Name) else f.attr if isinstance(f, ir.Attr) else None
                    if key:
                        table.setdefault(key, []).append((site.call, Ctx(facts.module, site.scope)))
                for expr in facts.assigns.values():
                    _add(table, expr, Ctx(facts.module))
                for func in facts.functions.values():
                    for call in func.calls:  # `dep = current_user(optional=True)` in a function body
                        _add(table, call, Ctx(facts.module, func.qualname))
                    for param in func.params:  # `user = Depends(viewer())`: defaults are read around the `def`
                        for call in _calls_in(param.default, 0):
                            _add(table, call, Ctx(facts.module, func.parent))
                    # `@router.get("/", dependencies=[require_authorization("read", None)])`: a decorator is
                    # evaluated around the `def` too, its calls with it
                    for dec in func.decorators:
                        for call in _calls_in(dec.expr, 0)[1:]:
                            _add(table, call, Ctx(facts.module, func.parent))
            self._by_name = table
            self._aliases = aliases
        # a call of the function under a name it is imported as is its call too (`_agreed` resolves each call)
        return [*self._by_name.get(name, []), *(site for alias in sorted(self._aliases.get(name, ()))
                                                for site in self._by_name.get(alias, []))]

    def constants(self, fv: FuncV, func: Func) -> dict[str, object]:
        """Free variables of the nested function `fv` that are parameters of an enclosing function, with the one
        literal value every call of that function gives them."""
        if fv in self._memo:
            return self._memo[fv]
        self._memo[fv] = {}
        out: dict[str, object] = {}
        parent = func.parent
        depth = 0
        while parent is not None and depth < 3:
            depth += 1
            outer_fv = FuncV(fv.module, parent)
            outer = self.index.func(outer_fv)
            if outer is None:
                break
            for param in outer.params:
                if param.kind in ("vararg", "kwarg") or param.name in out:
                    continue
                value = self._agreed(outer_fv, outer, param.name)
                if value is not _MISSING:
                    out[param.name] = value
            parent = outer.parent
        self._memo[fv] = out
        return out

    def _agreed(self, fv: FuncV, func: Func, name: str) -> object:
        seen: set[tuple[int, int, str]] = set()
        values: list[object] = []
        for call, ctx in self._calls(func.name)[:MAX_SITES]:
            key = (call.line, call.col, ctx.module)
            if key in seen:
                continue
            seen.add(key)
            if self.index.resolve(call.func, ctx) != fv:
                continue
            if any(isinstance(a, ir.Star) for a in call.args) or any(k == "**" for k, _v in call.kwargs):
                return _MISSING  # `f(*args)`, `f(**opts)`: what it passes is not written here
            env = bind_args(func, call, ctx, Ctx(fv.module, func.parent), skip_first=False)
            value = _literal(env.names.get(name))
            if value is _MISSING:
                return _MISSING
            values.append(value)
        if not values or any(v != values[0] or type(v) is not type(values[0]) for v in values):
            return _MISSING
        return values[0]
