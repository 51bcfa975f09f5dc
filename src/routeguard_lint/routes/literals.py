"""The elements of literal collections, read where they are written: `[a, b]`, `*spread`, `a + b`, `x or []`,
comprehensions, a dict's `.values()`/`.keys()`/`.items()`, `list(x)`, names bound to any of those and what
`name.append(x)` adds. Routers, dependencies, loop iterations and middleware exemptions are read through it."""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.project.binding import subst
from routeguard_lint.project.index import Ctx, FuncV, Index


class Literals:
    def __init__(self, index: Index) -> None:
        self.index = index

    def items(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[ir.Expr]:
        """The elements of a literal list/tuple (following a name bound to one, and `a + b`)."""
        return [item if ictx == ctx else ir.Bound(item, ictx) for item, ictx in self.items_ctx(expr, ctx, depth)]

    def items_ctx(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[tuple[ir.Expr, Ctx]]:
        """The elements of a literal collection, each with the context it is read in: list/tuple/set
        literals (with `*spread`), `a + b`, `x or []`, a dict's `.values()` / `.keys()` / `.items()`
        (pairs), `list(x)` / `tuple(x)`, and names bound to any of those, across modules."""
        if expr is None or depth > 12:
            return []
        d = depth + 1
        if isinstance(expr, ir.Bound):
            return self.items_ctx(expr.expr, expr.ctx, d)  # type: ignore[arg-type]
        if isinstance(expr, ir.Seq):
            out: list[tuple[ir.Expr, Ctx]] = []
            for item in expr.items:
                if isinstance(item, ir.Star):
                    out.extend(self.items_ctx(item.value, ctx, d))
                else:
                    out.append((item, ctx))
            return out
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            return self.items_ctx(expr.left, ctx, d) + self.items_ctx(expr.right, ctx, d)
        if isinstance(expr, ir.Comp):
            # `[Depends(f) for f in checks]`: the element once per item, the loop variables bound to it
            out = []
            for item, ictx in self.items_ctx(expr.iterable, ctx, d):
                if len(expr.names) == 1:
                    env = {expr.names[0]: ir.Bound(item, ictx)}
                else:
                    parts = self.items_ctx(item, ictx, d)
                    if len(parts) != len(expr.names):
                        return []  # an item whose parts cannot be told: the whole collection cannot be either
                    env = {n: ir.Bound(p, pctx) for n, (p, pctx) in zip(expr.names, parts) if n}
                out.append((subst(expr.elt, env), ctx))
            return out
        if isinstance(expr, ir.IfExp):
            # `[Depends(auth)] if secured else []`: the branch the (bound) condition selects; when it cannot
            # be told, neither (a dependency that may be absent protects nothing)
            test = self.index.truth(expr.test, ctx)
            return [] if test is None else self.items_ctx(expr.body if test else expr.orelse, ctx, d)
        if isinstance(expr, ir.BoolOp) and expr.op == "or":
            for value in expr.values:
                items = self.items_ctx(value, ctx, d)
                if items:
                    return items
            return []
        if isinstance(expr, ir.Call):
            f = expr.func
            if isinstance(f, ir.Attr) and f.attr in ("values", "keys", "items") and not expr.args:
                pairs = self.dict_items(f.value, ctx, d)
                if f.attr == "values":
                    return [(v, c) for _k, v, c in pairs]
                if f.attr == "keys":
                    return [(k, c) for k, _v, c in pairs]
                return [(ir.Seq("tuple", (k, v)), c) for k, v, c in pairs]
            if isinstance(f, ir.Name) and f.id in ("list", "tuple", "set", "sorted", "reversed") and \
                    len(expr.args) == 1:
                return self.items_ctx(expr.args[0], ctx, d)
            if isinstance(f, ir.Name) and f.id == "__item__" and len(expr.args) == 2:
                # element i of each item of a collection (`for a, b in pairs:`)
                index = expr.args[1].value if isinstance(expr.args[1], ir.Const) else -1
                out = []
                for item, ictx in self.items_ctx(expr.args[0], ctx, d):
                    parts = self.items_ctx(item, ictx, d)
                    if 0 <= index < len(parts):  # type: ignore[operator]
                        out.append(parts[index])  # type: ignore[index]
                return out
            return []
        bound = self.binding(expr, ctx)
        if bound is not None:
            items = self.items_ctx(bound[0], bound[1], d)
            name = expr.id if isinstance(expr, ir.Name) else expr.attr if isinstance(expr, ir.Attr) else None
            if name and isinstance(bound[0], (ir.Seq, ir.Comp)):
                items += self.appended(name, bound[1], d)
            return items
        return []

    def appended(self, name: str, ctx: Ctx, depth: int) -> list[tuple[ir.Expr, Ctx]]:
        """What `name.append(x)` / `name.extend(xs)` statements add to a list, in the scope that binds
        it; only those that always run (not under an `if`, in a loop or a `try`)."""
        calls: list[ir.Call] = []
        if ctx.scope is not None:
            func = self.index.func(FuncV(ctx.module, ctx.scope))
            calls = [e.call for e in (func.effects if func else ()) if not e.conditions]
        else:
            facts = self.index.module(ctx.module)
            calls = [site.call for site in (facts.calls if facts else ()) if site.scope is None and
                     not site.conditions and not site.in_loop]
        out: list[tuple[ir.Expr, Ctx]] = []
        for call in calls:
            f = call.func
            if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == name and
                    len(call.args) == 1 and not call.kwargs):
                continue
            if f.attr == "append":
                out.append((call.args[0], ctx))
            elif f.attr == "extend":
                out.extend(self.items_ctx(call.args[0], ctx, depth + 1))
        return out

    def dict_items(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[tuple]:
        """(key, value, ctx) of a dict literal (or a name bound to one)."""
        for _ in range(10):
            if isinstance(expr, ir.Bound):
                expr, ctx = expr.expr, expr.ctx  # type: ignore[assignment]
                continue
            if isinstance(expr, ir.DictE):
                out = []
                for key, value in expr.items:
                    if key is None:
                        out.extend(self.dict_items(value, ctx, depth + 1) if depth < 12 else [])
                    else:
                        out.append((key, value, ctx))
                return out
            bound = self.binding(expr, ctx)
            if bound is None:
                return []
            expr, ctx = bound
        return []

    def binding(self, expr: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx] | None:
        """The expression a name is bound to (see `Index.binding`); a substituted argument is its own."""
        if isinstance(expr, ir.Bound):
            return expr.expr, expr.ctx  # type: ignore[return-value]
        return self.index.binding(expr, ctx)
