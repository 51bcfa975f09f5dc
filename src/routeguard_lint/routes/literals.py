"""The elements of literal collections, read where they are written: `[a, b]`, `*spread`, `a + b`, `x or []`,
comprehensions, a dict's `.values()`/`.keys()`/`.items()`, `list(x)`, names bound to any of those and what
`name.append(x)` adds. Routers, dependencies, loop iterations and middleware exemptions are read through it."""

from __future__ import annotations

from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.project.arguments import subst
from routeguard_lint.project.index import Ctx, FuncV, Index, LiteralV

MAX_NESTING = 12  # collections built from collections (`a + b`, `[*xs]`, names bound to them) followed this deep
MAX_SHOWN = 80  # characters of an expression's text shown in a path part that cannot be told (`{?text}`)


class Item(NamedTuple):
    """An element of a collection and the context it is read in."""

    expr: ir.Expr
    ctx: Ctx


class DictItem(NamedTuple):
    """An entry of a dict literal and the context it is read in."""

    key: ir.Expr
    value: ir.Expr
    ctx: Ctx


def unbound(expr: ir.Bound) -> Item:
    """The expression an `ir.Bound` carries and the context it is to be read in."""
    ctx = expr.ctx
    assert isinstance(ctx, Ctx), "an ir.Bound is made with an index.Ctx"
    return Item(expr.expr, ctx)


def unknown_part(expr: ir.Expr) -> str:
    """A part of a path the analysis cannot tell, as the route table shows it: `{?text}`, the expression's text."""
    while isinstance(expr, ir.Bound):
        expr = expr.expr
    return "{?" + ir.show(expr, MAX_SHOWN).replace("{", "(").replace("}", ")") + "}"


class Literals:
    def __init__(self, index: Index) -> None:
        self.index = index

    def path_part(self, expr: ir.Expr | None, ctx: Ctx) -> str:
        """A path or a part of one (a prefix given to `APIRouter(prefix=)` / `include_router(prefix=)`, a route's
        path, a mount path): the string; "" when none is given (or None); else what can be read of it with
        `{?text}` standing for each part that cannot (the text of its expression): a route under it is listed
        with its path partly unknown, never silently under another path."""
        if expr is None:
            return ""
        return self._path_part(expr, ctx, 0)

    def _path_part(self, expr: ir.Expr, ctx: Ctx, depth: int) -> str:
        text = self.index.string(expr, ctx)
        if text is not None:
            return text
        while isinstance(expr, ir.Bound):
            expr, ctx = unbound(expr)
        if depth < 2 and isinstance(expr, ir.FStr):  # `f"/api/{version}"`: the parts that can be read
            return "".join(part if isinstance(part, str) else self._field(part, ctx) for part in expr.parts)
        if depth < 2 and isinstance(expr, ir.BinOp) and expr.op == "+":
            return self._path_part(expr.left, ctx, depth + 1) + self._path_part(expr.right, ctx, depth + 1)
        if depth == 0 and self.index.resolve(expr, ctx) == LiteralV(None):
            return ""  # `prefix=None`: no prefix
        return unknown_part(expr)

    def _field(self, expr: ir.Expr, ctx: Ctx) -> str:
        known = self.index.formatted(expr, ctx, "")
        return known if known is not None else unknown_part(expr)

    def items(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[ir.Expr]:
        """The elements of a literal list/tuple (following a name bound to one, and `a + b`)."""
        return [item if ictx == ctx else ir.Bound(item, ictx) for item, ictx in self.items_ctx(expr, ctx, depth)]

    def items_ctx(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[Item]:
        """The elements of a literal collection, each with the context it is read in: list/tuple/set
        literals (with `*spread`), `a + b`, `x or []`, a dict's `.values()` / `.keys()` / `.items()`
        (pairs), `list(x)` / `tuple(x)`, and names bound to any of those, across modules."""
        if expr is None or depth > MAX_NESTING:
            return []
        d = depth + 1
        if isinstance(expr, ir.Bound):
            inner = unbound(expr)
            return self.items_ctx(inner.expr, inner.ctx, d)
        if isinstance(expr, ir.Seq):
            out: list[Item] = []
            for item in expr.items:
                if isinstance(item, ir.Star):
                    out.extend(self.items_ctx(item.value, ctx, d))
                else:
                    out.append(Item(item, ctx))
            return out
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            return self.items_ctx(expr.left, ctx, d) + self.items_ctx(expr.right, ctx, d)
        if isinstance(expr, ir.Comp):
            return self._comprehension(expr, ctx, d)
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
            return self._call_items(expr, ctx, d)
        return self._bound_items(expr, ctx, d)

    def _comprehension(self, expr: ir.Comp, ctx: Ctx, depth: int) -> list[Item]:
        """`[Depends(f) for f in checks]`: the element once per item, the loop variables bound to it."""
        out: list[Item] = []
        for item, ictx in self.items_ctx(expr.iterable, ctx, depth):
            if len(expr.names) == 1:
                env: dict[str, ir.Expr] = {expr.names[0]: ir.Bound(item, ictx)}
            else:
                parts = self.items_ctx(item, ictx, depth)
                if len(parts) != len(expr.names):
                    return []  # an item whose parts cannot be told: the whole collection cannot be either
                env = {n: ir.Bound(p, pctx) for n, (p, pctx) in zip(expr.names, parts, strict=True) if n}
            element = subst(expr.elt, env)
            if element is not None:
                out.append(Item(element, ctx))
        return out

    def _call_items(self, expr: ir.Call, ctx: Ctx, depth: int) -> list[Item]:
        """`d.values()` / `.keys()` / `.items()`, `list(x)` and friends, and `__item__(xs, i)` (element i of
        each item of a collection: the facts' form of `for a, b in pairs:`)."""
        f = expr.func
        if isinstance(f, ir.Attr) and f.attr in ("values", "keys", "items") and not expr.args:
            pairs = self.dict_items(f.value, ctx, depth)
            if f.attr == "values":
                return [Item(p.value, p.ctx) for p in pairs]
            if f.attr == "keys":
                return [Item(p.key, p.ctx) for p in pairs]
            return [Item(ir.Seq("tuple", (p.key, p.value)), p.ctx) for p in pairs]
        if isinstance(f, ir.Name) and f.id in ("list", "tuple", "set", "sorted", "reversed") and len(expr.args) == 1:
            return self.items_ctx(expr.args[0], ctx, depth)
        if isinstance(f, ir.Name) and f.id == "__item__" and len(expr.args) == 2:
            position = expr.args[1].value if isinstance(expr.args[1], ir.Const) else None
            if not isinstance(position, int):
                return []
            out: list[Item] = []
            for item, ictx in self.items_ctx(expr.args[0], ctx, depth):
                parts = self.items_ctx(item, ictx, depth)
                if 0 <= position < len(parts):
                    out.append(parts[position])
            return out
        returned = self.index.returned(expr, ctx)  # `dependencies=get_dependencies()`: what it returns
        if returned is not None:
            return self.items_ctx(returned[0], returned[1], depth)
        return []

    def _bound_items(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[Item]:
        """The elements of the collection a name is bound to, and what the code then appends to it."""
        bound = self.assignment(expr, ctx)
        if bound is None:
            return []
        items = self.items_ctx(bound.expr, bound.ctx, depth)
        name = expr.id if isinstance(expr, ir.Name) else expr.attr if isinstance(expr, ir.Attr) else None
        if name and isinstance(bound.expr, (ir.Seq, ir.Comp, ir.BinOp)):  # a new list, then `.append`s
            items += self.appended(name, bound.ctx, depth)
            func = self.index.func(FuncV(ctx.module, ctx.scope)) if ctx.scope is not None else None
            if isinstance(expr, ir.Name) and func is not None and (bound.ctx.module, bound.ctx.scope) != \
                    (ctx.module, ctx.scope) and any(p.name == name for p in func.params):
                items += self.appended(name, ctx, depth)  # the caller's list, added to by this function
        return items

    def appended(self, name: str, ctx: Ctx, depth: int) -> list[Item]:
        """What `name.append(x)` / `name.extend(xs)` statements add to a list, in the scope that binds
        it; only those that always run (not in a loop or a `try`, nor under an `if` whose test may be false for
        the call being evaluated)."""
        calls: list[ir.Call] = []
        if ctx.scope is not None:
            func = self.index.func(FuncV(ctx.module, ctx.scope))
            calls = [e.call for e in (func.effects if func else ())
                     if not e.conditions or (_adds_to(e.call, name) and all(
                         self.index.test_truth(e.conditions, k, ctx, e.line) is True
                         for k in range(len(e.conditions))))]
        else:
            facts = self.index.module(ctx.module)
            calls = [site.call for site in (facts.calls if facts else ()) if site.scope is None and
                     not site.conditions and not site.in_loop]
        out: list[Item] = []
        for call in calls:
            f = call.func
            if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == name and
                    len(call.args) == 1 and not call.kwargs):
                continue
            if f.attr == "append":
                out.append(Item(call.args[0], ctx))
            elif f.attr == "extend":
                out.extend(self.items_ctx(call.args[0], ctx, depth + 1))
        return out

    def dict_items(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[DictItem]:
        """The entries of a dict literal (or a name bound to one), `**spread` ones included."""
        for _ in range(10):
            if isinstance(expr, ir.Bound):
                expr, ctx = unbound(expr)
                continue
            if isinstance(expr, ir.DictE):
                out: list[DictItem] = []
                for key, value in expr.items:
                    if key is None:
                        out.extend(self.dict_items(value, ctx, depth + 1) if depth < MAX_NESTING else [])
                    else:
                        out.append(DictItem(key, value, ctx))
                return out
            bound = self.assignment(expr, ctx)
            if bound is None:
                return []
            expr, ctx = bound
        return []

    def assignment(self, expr: ir.Expr, ctx: Ctx) -> Item | None:
        """The expression a name is assigned (see `Index.assignment`); a substituted argument is its own."""
        if isinstance(expr, ir.Bound):
            return unbound(expr)
        found = self.index.assignment(expr, ctx)
        return Item(*found) if found is not None else None


def _adds_to(call: ir.Call, name: str) -> bool:
    """`name.append(x)` / `name.extend(xs)`."""
    f = call.func
    return isinstance(f, ir.Attr) and f.attr in ("append", "extend") and isinstance(f.value, ir.Name) and \
        f.value.id == name
