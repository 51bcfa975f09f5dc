"""The elements of literal collections, read where they are written: `[a, b]`, `*spread`, `a + b`, `x or []`,
comprehensions, a dict's `.values()`/`.keys()`/`.items()`, `list(x)`, names bound to any of those and what
`name.append(x)` adds. Routers, dependencies, loop iterations and middleware exemptions are read through it.

It also tells a collection that is certainly empty (`Literals.empty`: `[]`, `exclude or []` with `exclude` None for
the call being evaluated, a list made empty and added to only in loops that never run) from one whose items it
cannot read, and so the body of a `for` loop over such a collection, which never runs (`Literals.never_runs`).
"""

from __future__ import annotations

from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Bind, Func, ModuleFacts, is_marker
from routeguard_lint.project.arguments import free_names, subst
from routeguard_lint.project.index import Ctx, FuncV, Index, LiteralV, UnionV
from routeguard_lint.project.scan import ModuleScan

MAX_NESTING = 12  # collections built from collections (`a + b`, `[*xs]`, names bound to them) followed this deep
MAX_SHOWN = 80  # characters of an expression's text shown in a path part that cannot be told (`{?text}`)
# A path (or prefix) chosen at run time between known strings (`"/v1" if c else ""`, `if c: p = "/a"` / `else: p
# = ""`) is one path per alternative, each with its tests, up to this many alternatives; past it, one path with
# `{?text}` standing for the choice
MAX_PATH_CHOICES = 4
_CHOICE_NESTING = 4  # choices within choices (a chosen name bound to a conditional expression, ...) followed this deep
# methods that only read the collection they are called on: a call of any other method may add to it
_READS = frozenset({"copy", "count", "index", "get", "keys", "values", "items", "issubset", "issuperset", "isdisjoint",
                    "union", "intersection", "difference", "symmetric_difference", "__contains__", "__len__",
                    "__iter__"})
# builtins that read a collection handed to them without changing it
_READERS = frozenset({"len", "list", "tuple", "set", "frozenset", "sorted", "reversed", "any", "all", "sum", "min",
                      "max", "enumerate", "zip", "iter", "bool", "str", "repr", "isinstance"})
_EMPTY_MAKERS = frozenset({"list", "tuple", "set", "frozenset", "dict"})  # called with nothing: an empty one
_COPIES = frozenset({"list", "tuple", "set", "frozenset", "sorted", "reversed"})  # of one collection: its items


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


class PathChoice(NamedTuple):
    """One alternative of a path or path part (a prefix, a route's path, a mount path): its text, the tests (source
    text) under which the program takes it, and its pattern: the text with the choice it is one alternative of
    written as a token naming that choice (`{!site}`), the same for every alternative of it (the alternatives of
    one route are the routes whose paths have the same pattern); the text itself for a path that is no choice."""

    text: str
    tests: tuple[str, ...]
    pattern: str


_Alternative = tuple[str, tuple[ir.Expr, ...]]  # a text and the tests (expressions) that choose it


class Literals:
    def __init__(self, index: Index) -> None:
        self.index = index
        # a name (of a module, or an attribute) -> where code may change the collection it holds: (module,
        # function, line) of a call of a method other than a read on it, or None for a line not known (a
        # rebinding of an attribute of that name outside `__init__`, an item stored, a `global` assignment)
        self._changes: dict[str, list[tuple[str, str | None, int | None]]] = {}
        self._change_scan = ModuleScan(index, self._add_changes)

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

    def path_choices(self, expr: ir.Expr | None, ctx: Ctx, site: str) -> list[PathChoice]:
        """A path or part of one (see `path_part`) that the program chooses at run time between strings it can
        read (`"/v1" if settings.VERSIONED else ""`, a name bound under `if`/`else`, a value chosen by a lookup
        with a run-time key, and strings built from those): each alternative with the tests that choose it, its
        pattern naming the choice by `site` (where it is written: the alternatives of one choice, and only they,
        share it). Every other path, and a choice of more than MAX_PATH_CHOICES alternatives, is one `path_part`
        with no test."""
        if expr is not None:
            found = self._choices(expr, ctx, 0)
            if len(found) == 1:
                return [PathChoice(found[0][0], (), found[0][0])]
            if 1 < len(found) <= MAX_PATH_CHOICES:
                token = "{!" + site + ":" + "|".join(text for text, _ in found) + "}"  # (one factory call's)
                return [PathChoice(text, tuple(ir.show(t) for t in tests), token) for text, tests in found]
        text = self.path_part(expr, ctx)
        return [PathChoice(text, (), text)]

    def _choices(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[_Alternative]:
        """The alternatives of a path part, each with the tests (expressions) that choose it; a part that is no
        choice is itself (its text, or `{?text}`)."""
        while isinstance(expr, ir.Bound):
            expr, ctx = unbound(expr)
        known = self.index.string(expr, ctx)
        if known is not None:
            return [(known, ())]
        if depth < _CHOICE_NESTING:
            if isinstance(expr, ir.IfExp):
                test = self.index.truth(expr.test, ctx)
                if test is not None:
                    return self._choices(expr.body if test else expr.orelse, ctx, depth + 1)
                return _tagged(self._choices(expr.body, ctx, depth + 1), expr.test) + \
                    _tagged(self._choices(expr.orelse, ctx, depth + 1), ir.Not(expr.test))
            if isinstance(expr, ir.Name):
                bound = self._bound_choices(expr.id, ctx, depth)
                if bound is not None:
                    return bound
            if isinstance(expr, (ir.Name, ir.Attr)) and isinstance(self.index.resolve(expr, ctx), UnionV):
                assigned = self.assignment(expr, ctx)  # `prefix = "/v1" if c else ""`: the test names the choice
                if assigned is not None and isinstance(assigned.expr, (ir.IfExp, ir.FStr, ir.BinOp)):
                    return self._choices(assigned.expr, assigned.ctx, depth + 1)
            if isinstance(expr, ir.FStr):
                parts: list[list[_Alternative]] = [[(part, ())] if isinstance(part, str) else
                                                   self._field_choices(part, ctx, depth) for part in expr.parts]
                return _product(parts)
            if isinstance(expr, ir.BinOp) and expr.op == "+":
                return _product([self._choices(expr.left, ctx, depth + 1), self._choices(expr.right, ctx, depth + 1)])
            if isinstance(expr, (ir.Name, ir.Attr, ir.Call, ir.Sub)):
                found = self._union_choices(expr, ctx)
                if found is not None:
                    return found
        return [(self._path_part(expr, ctx, 0 if depth == 0 else 2), ())]

    def _field_choices(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[_Alternative]:
        """An f-string field of a path: its text (formatted), else its alternatives."""
        known = self.index.formatted(expr, ctx, "")
        return [(known, ())] if known is not None else self._choices(expr, ctx, depth + 1)

    def _bound_choices(self, name: str, ctx: Ctx, depth: int) -> list[_Alternative] | None:
        """A name bound under `if`/`else` (in a function or at module level): each binding the program may leave
        it with (not those under a test that is false here), with its tests; the one before the `if`s with the
        negation of theirs. None when the name has one binding that counts."""
        found = self.index.branches(ctx, name)
        if found is None:
            return self._chained_choices(name, ctx, depth)
        binds, bctx = found
        chosen: list[tuple[ir.Expr, tuple[ir.Expr, ...]]] = []
        for bind in binds:
            truths = [self.index.test_truth(bind.conditions, k, bctx, bind.line) for k in range(len(bind.conditions))]
            if False in truths:
                continue
            chosen.append((bind.value, tuple(c for c, t in zip(bind.conditions, truths, strict=True) if t is None)))
        out: list[_Alternative] = []
        for i, (value, tests) in enumerate(chosen):
            if not tests and i + 1 < len(chosen):  # it stays when none of the later ones runs
                tests = tuple(ir.Not(later[0] if len(later) == 1 else ir.BoolOp("and", later))
                              for _, later in chosen[i + 1:] if later)
            out.extend((text, (*tests, *more)) for text, more in self._choices(value, bctx, depth + 1))
        return out or None

    def _chained_choices(self, name: str, ctx: Ctx, depth: int) -> list[_Alternative] | None:
        """`prefix = "/api"` then `if c: prefix = prefix + "/v1"` (or `prefix += "/v1"`), in a function or at
        module level: from the last binding under no test, each later one (under an `if`, made from the value
        before it) taken or not, in order, as Python runs them. None when the name is not bound so (or a binding
        is in a loop or `try`, or past MAX_PATH_CHOICES alternatives)."""
        found = self._binding_chain(name, ctx)
        if found is None:
            return None
        binds, bctx = found
        start = max((i for i, b in enumerate(binds) if not b.conditions), default=0)
        chain = binds[start:]
        if len(chain) < 2 or chain[0].conditions or name in free_names(chain[0].value) or \
                any(is_marker(c) for b in chain for c in b.conditions):
            return None
        alternatives = self._choices(chain[0].value, bctx, depth + 1)
        for bind in chain[1:]:
            truths = [self.index.test_truth(bind.conditions, k, bctx, bind.line) for k in range(len(bind.conditions))]
            if False in truths:
                continue
            tests = tuple(c for c, t in zip(bind.conditions, truths, strict=True) if t is None)
            if any("{?" in text for text, _ in alternatives):
                return None  # (a value made from a part that cannot be told)
            taken = [(text, (*before, *tests, *more)) for value, before in alternatives
                     for text, more in self._choices(subst(bind.value, {name: ir.Str(value)}), bctx, depth + 1)]
            kept = [(text, (*before, ir.Not(_conjunction(tests)))) for text, before in alternatives] if tests else []
            alternatives = _product([kept + taken])
            if not alternatives or len(alternatives) > MAX_PATH_CHOICES:
                return None
        return alternatives

    def _binding_chain(self, name: str, ctx: Ctx) -> tuple[list[Bind], Ctx] | None:
        """Every binding of `name` in the scope `ctx` sees it in (the innermost function binding it, else the
        module's bindings when some are under an `if`), in source order, and the context to read them in."""
        for func in self.index.scopes(ctx):
            if name in func.assigns:
                return [b for b in func.binds if b.name == name], Ctx(ctx.module, func.qualname, ctx.env, ctx.depth)
            if ctx.bound(func.qualname, name) is not None or any(p.name == name for p in func.params):
                return None
        facts = self.index.module(ctx.module)
        if facts is None or name not in facts.branches:
            return None
        return facts.branches[name], Ctx(ctx.module)

    def _union_choices(self, expr: ir.Expr, ctx: Ctx) -> list[_Alternative] | None:
        """An expression whose value is one of several strings (or None, no path) the analysis can read, chosen
        in a way that gives no test to name (a lookup with a run-time key, say): each, under the test that it is
        that string."""
        value = self.index.resolve(expr, ctx)
        if not isinstance(value, UnionV) or len(value.options) > MAX_PATH_CHOICES:
            return None
        out: list[_Alternative] = []
        for option in value.options:
            if not isinstance(option, LiteralV) or not (option.value is None or isinstance(option.value, str)):
                return None
            out.append((option.value or "", (ir.Compare(expr, ("==",), (ir.Str(option.value) if option.value is not
                                                                            None else ir.Const(None),)),)))
        return out

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

    # -- collections certainly empty ---------------------------------------------------------------------
    def empty(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> bool:
        """Whether the collection `expr` is certainly empty when read in `ctx` (the arguments of the calls being
        evaluated bound): `[]`, `()`, `{}`, `set()`, `list(x)` of an empty `x`, `a + b` of empty ones, a
        comprehension over an empty collection, `x or []` where `x` is false (None) for the call, a conditional
        expression whose test is told or whose both branches are empty, and a name or attribute bound to one when
        no code that may run adds to it (`Literals.changed`). False when it may have items or cannot be told."""
        if expr is None or depth > MAX_NESTING:
            return False
        d = depth + 1
        if isinstance(expr, ir.Bound):
            inner = unbound(expr)
            return self.empty(inner.expr, inner.ctx, d)
        if isinstance(expr, ir.Seq):
            return all(isinstance(i, ir.Star) and self.empty(i.value, ctx, d) for i in expr.items)
        if isinstance(expr, ir.DictE):
            return all(k is None and self.empty(v, ctx, d) for k, v in expr.items)
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            return self.empty(expr.left, ctx, d) and self.empty(expr.right, ctx, d)
        if isinstance(expr, ir.Comp):
            return self.empty(expr.iterable, ctx, d)
        if isinstance(expr, ir.IfExp):
            test = self.index.truth(expr.test, ctx)
            if test is not None:
                return self.empty(expr.body if test else expr.orelse, ctx, d)
            return self.empty(expr.body, ctx, d) and self.empty(expr.orelse, ctx, d)
        if isinstance(expr, ir.BoolOp) and expr.op == "or" and expr.values:
            # the first true value, else the last: empty when each before the last is false
            return all(self.index.truth(v, ctx) is False or self.empty(v, ctx, d) for v in expr.values[:-1]) and \
                self.empty(expr.values[-1], ctx, d)
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and not expr.kwargs:
            if expr.func.id in _EMPTY_MAKERS and not expr.args:
                return True
            return expr.func.id in _COPIES and len(expr.args) == 1 and not isinstance(expr.args[0], ir.Star) and \
                self.empty(expr.args[0], ctx, d)
        return isinstance(expr, (ir.Name, ir.Attr)) and self._bound_empty(expr, ctx, d)

    def _bound_empty(self, expr: ir.Name | ir.Attr, ctx: Ctx, depth: int) -> bool:
        found = self.assignment(expr, ctx)
        if found is None or found.expr is expr or not self.empty(found.expr, found.ctx, depth):
            return False
        facts = self.index.module(found.ctx.module) if found.ctx.scope is None else None
        if isinstance(expr, ir.Name) and facts is not None and expr.id in facts.branches:
            return False  # a module's name bound more than once, under tests: the last binding may not run
        return not self.changed(expr, found.ctx, depth)

    def never_runs(self, func: Func, line: int, ctx: Ctx, depth: int = 0) -> bool:
        """Whether the statement at `line` of `func` (read in `ctx`) is in the body of a `for` loop over a collection
        that is certainly empty: it never runs. (A statement on the line of the `for` itself may be its collection
        or a one-line body: not told.)"""
        return any(start < line < end and self.empty(iterable, ctx, depth + 1)
                   for start, (end, iterable) in func.for_loops.items())

    def changed(self, expr: ir.Name | ir.Attr, where: Ctx, depth: int) -> bool:
        """Whether code that may run can add to the collection a name or attribute holds, made where `where` reads
        its value: a local (or parameter) of a function, by a call of a method other than a read on it, an item
        stored, a rebinding, or a hand-off to a call other than a builtin that reads it, in that function
        (unless in the body of a loop that never runs, in `where`) or in one nested in it; a module's name or an
        attribute (`self.patterns`), by such a method call anywhere in the project (except in the body of a loop
        that never runs in the function that made the value, in `where`), a rebinding outside that function, an
        item stored or a `global` assignment. A list handed to a call is not followed there (as
        `auth.missing_credential.Flow.list_changed` does not)."""
        name = expr.id if isinstance(expr, ir.Name) else expr.attr
        func = self.index.func(FuncV(where.module, where.scope)) if where.scope is not None else None
        if isinstance(expr, ir.Name) and func is not None and \
                (name in func.assigns or any(p.name == name for p in func.params)):
            return self._local_changed(name, func, where, depth)
        if self._change_scan.open(name):  # (True: a module that may change it cannot be parsed)
            return True
        for module, scope, line in self._changes.get(name, ()):
            if line is None or func is None or (module, scope) != (where.module, where.scope) or \
                    not self.never_runs(func, line, where, depth):
                return True
        return False

    def _local_changed(self, name: str, func: Func, where: Ctx, depth: int) -> bool:
        binds = [b for b in func.binds if b.name == name]
        if len(binds) == 1 and binds[0].conditions and not (
                any(p.name == name for p in func.params) and self.index.never_rebound(func, name, where)):
            return True  # bound under a test (or in a loop) that may not hold: the value read may be another
        if len(binds) > 1 or \
                any(t == name or t.startswith(f"{name}[") or t.startswith(f"{name}.") for t in func.stores) or \
                any(w.target == name for w in func.item_writes):
            return True
        for call in func.calls:
            if isinstance(call.func, ir.Attr) and isinstance(call.func.value, ir.Name) and \
                    call.func.value.id == name and call.func.attr not in _READS and \
                    not self.never_runs(func, call.line, where, depth):
                return True
            if _hands(call, name) and not (isinstance(call.func, ir.Name) and call.func.id in _READERS) and \
                    not (isinstance(call.func, ir.Attr) and call.func.attr == "join"):
                return True
        nested = list(func.nested)
        facts = self.index.module(where.module)
        while nested and facts is not None:
            inner = facts.functions.get(nested.pop())
            if inner is None:
                continue
            nested.extend(inner.nested)
            if name in inner.nonlocal_assigns or any(
                    isinstance(c.func, ir.Attr) and isinstance(c.func.value, ir.Name) and c.func.value.id == name and
                    c.func.attr not in _READS for c in inner.calls) or any(_hands(c, name) for c in inner.calls):
                return True
        return False

    def _add_changes(self, facts: ModuleFacts) -> None:
        for site in facts.calls:
            f = site.call.func
            if isinstance(f, ir.Attr) and f.attr not in _READS and isinstance(f.value, (ir.Name, ir.Attr)):
                target = f.value.id if isinstance(f.value, ir.Name) else f.value.attr
                self._changes.setdefault(target, []).append((facts.module, site.scope, site.call.line))
        unknown: list[str] = [*facts.attr_writes, *facts.global_assigns]
        for func in facts.functions.values():
            unknown.extend(func.attr_writes)
            unknown.extend(func.sets_self)
            unknown.extend(func.nonlocal_assigns)
            unknown.extend(t.split("[", 1)[0] for t in func.stores)
        for text in unknown:
            self._changes.setdefault(text.rsplit(".", 1)[-1], []).append((facts.module, None, None))

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
        name = expr.id if isinstance(expr, ir.Name) else expr.attr if isinstance(expr, ir.Attr) else None
        if name and bound.ctx.scope is None and name in free_names(bound.expr):
            return self._rebound_items(name, bound.ctx, depth)  # `ROUTERS = ROUTERS + [...]`, `ROUTERS += [...]`
        items = self.items_ctx(bound.expr, bound.ctx, depth)
        if name and isinstance(bound.expr, (ir.Seq, ir.Comp, ir.BinOp)):  # a new list, then `.append`s
            items += self.appended(name, bound.ctx, depth)
            func = self.index.func(FuncV(ctx.module, ctx.scope)) if ctx.scope is not None else None
            if isinstance(expr, ir.Name) and func is not None and (bound.ctx.module, bound.ctx.scope) != \
                    (ctx.module, ctx.scope) and any(p.name == name for p in func.params):
                items += self.appended(name, ctx, depth)  # the caller's list, added to by this function
        return items

    def _rebound_items(self, name: str, ctx: Ctx, depth: int) -> list[Item]:
        """The elements of a module-level collection rebound from its own value (`ROUTERS = [a]`, then `ROUTERS +=
        [b]` or `ROUTERS = ROUTERS + [b]`): each binding that always runs, in order, reading the collection before
        it (those under an `if`, which may not run, add nothing), then what `.append` adds."""
        found = self._binding_chain(name, ctx)
        if found is None:
            return []
        binds, bctx = found
        start = max((i for i, b in enumerate(binds) if not b.conditions and name not in free_names(b.value)),
                    default=None)
        if start is None:
            return []
        items = self.items_ctx(binds[start].value, bctx, depth + 1)
        for bind in binds[start + 1:]:
            if bind.conditions:
                continue
            before = ir.Seq("list", tuple(item if ictx == bctx else ir.Bound(item, ictx) for item, ictx in items))
            items = self.items_ctx(subst(bind.value, {name: before}), bctx, depth + 1)
        return items + self.appended(name, bctx, depth)

    def appended(self, name: str, ctx: Ctx, depth: int) -> list[Item]:
        """What `name.append(x)` / `name.extend(xs)` statements add to a list, in the scope that binds
        it; only those that always run (not in a loop, an `except` handler or a `try`'s `else:`, nor under an `if`
        whose test may be false for the call being evaluated). A statement in a `try` body runs on the way through
        it that raises nothing, the one the code is written for (`try: from app.api import auth;
        routers.append((auth.router, ...)) except ImportError: log(...)`)."""
        calls: list[ir.Call] = []
        if ctx.scope is not None:
            func = self.index.func(FuncV(ctx.module, ctx.scope))
            calls = [e.call for e in (func.effects if func else ())
                     if not e.conditions or (_adds_to(e.call, name) and all(
                         _try_body(e.conditions[k]) or self.index.test_truth(e.conditions, k, ctx, e.line) is True
                         for k in range(len(e.conditions))))]
        else:
            facts = self.index.module(ctx.module)
            calls = [site.call for site in (facts.calls if facts else ()) if site.scope is None and
                     not site.conditions and not site.in_loop]
        out: list[Item] = []
        for call in calls:
            f = call.func
            if _hands(call, name) and depth < MAX_NESTING:
                out.extend(self._added_by_callee(call, name, ctx, depth))
            if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == name and
                    len(call.args) == 1 and not call.kwargs):
                continue
            if f.attr == "append":
                out.append(Item(call.args[0], ctx))
            elif f.attr == "extend":
                out.extend(self.items_ctx(call.args[0], ctx, depth + 1))
        return out

    def _added_by_callee(self, call: ir.Call, name: str, ctx: Ctx, depth: int) -> list[Item]:
        """What a project function handed the list `name` (`register(routers)`, a function, not a method) adds to
        it: the parameter that receives it read as `appended` reads a list, in the function's body with the call's
        arguments bound (`def register(lst, extra): lst.extend(extra)`). Python passes the list itself, so what
        the function appends is in the caller's list afterwards."""
        callee = self.index.resolve(call.func, ctx, depth + 1)
        if not isinstance(callee, FuncV):
            return []
        func = self.index.func(callee)
        if func is None or func.class_name is not None or any(isinstance(a, ir.Star) for a in call.args):
            return []
        positional = [p.name for p in func.params if p.kind in ("posonly", "pos")]
        receives = [positional[i] for i, a in enumerate(call.args)
                    if i < len(positional) and isinstance(a, ir.Name) and a.id == name]
        receives += [k for k, v in call.kwargs if isinstance(v, ir.Name) and v.id == name and
                     any(p.name == k and p.kind in ("pos", "kwonly") for p in func.params)]
        if len(receives) != 1:
            return []
        body = self.index.call_env(callee, func, call, ctx)
        return self.appended(receives[0], body, depth + 1)

    def conditional_items(self, expr: ir.Expr, ctx: Ctx) -> list[tuple[Item, tuple[str, ...]]] | None:
        """The items of a list made by a name's binding and added to by `name.append(x)` / `name.extend(xs)`, when
        some of them are added under `if` tests that cannot be told for the call being evaluated (`if
        os.getenv("EXTRA") == "1": routers.append((extra.router, "/extra"))`): such a statement may run, so its
        item is there, under those tests (source text). Each item with its tests, in the order of the statements;
        the binding's own items and those that always run under none. None when no item is added so (`items_ctx`
        reads the list then)."""
        name = expr.id if isinstance(expr, ir.Name) else None
        bound = self.assignment(expr, ctx) if name else None
        if name is None or bound is None or not isinstance(bound.expr, ir.Seq) or \
                (bound.ctx.module, bound.ctx.scope) != (ctx.module, ctx.scope):
            return None
        added = self._appended_under(name, bound.ctx)
        if not any(tests for _call, tests in added):
            return None
        none: tuple[str, ...] = ()
        out = [(item, none) for item in self.items_ctx(bound.expr, bound.ctx)]
        for call, tests in added:
            f = call.func
            assert isinstance(f, ir.Attr)
            if f.attr == "append":
                out.append((Item(call.args[0], bound.ctx), tests))
            else:
                out.extend((item, tests) for item in self.items_ctx(call.args[0], bound.ctx, 1))
        return out

    def _appended_under(self, name: str, ctx: Ctx) -> list[tuple[ir.Call, tuple[str, ...]]]:
        """The `name.append(x)` / `name.extend(xs)` statements of the scope `ctx` that may run, each with the text of
        the `if` tests around it that cannot be told (none for one that always runs): not those in a loop, an
        `except` handler, a `try`'s `else:` or a `match` case, nor under a test false for the call being
        evaluated. A `try` body's statement runs on the path that raises nothing (see `appended`). A function's
        statements only."""
        func = self.index.func(FuncV(ctx.module, ctx.scope)) if ctx.scope is not None else None
        if func is None:
            return []  # (a module's statements: `appended` reads those that always run)
        out: list[tuple[ir.Call, tuple[str, ...]]] = []
        for effect in func.effects:
            call, line, conditions = effect.call, effect.line, effect.conditions
            if not _adds_to(call, name) or len(call.args) != 1 or call.kwargs:
                continue
            tests: list[str] = []
            for k, test in enumerate(conditions):
                if _try_body(test):
                    continue
                truth = None if is_marker(test) else self.index.test_truth(conditions, k, ctx, line)
                if truth is False or is_marker(test):
                    break
                if truth is None:
                    tests.append(ir.show(test, 120))
            else:
                out.append((call, tuple(tests)))
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


def _tagged(alternatives: list[_Alternative], test: ir.Expr) -> list[_Alternative]:
    """`alternatives`, each taken only when `test` holds as well."""
    return [(text, (test, *tests)) for text, tests in alternatives]


def _product(parts: list[list[_Alternative]]) -> list[_Alternative]:
    """The strings made by joining one alternative of each part, with the tests of all: those whose tests
    contradict each other (`c` and `not c`, the same choice met twice) left out, those of the same text as one
    (taken under either's tests: written as an `or`). Past MAX_PATH_CHOICES, as many as it had then (the caller
    then makes the path one `{?text}`)."""
    out: list[_Alternative] = [("", ())]
    for part in parts:
        joined: dict[str, tuple[ir.Expr, ...]] = {}
        for text, tests in out:
            for more_text, more in part:
                combined = (*tests, *(t for t in more if not any(ir.show(t) == ir.show(u) for u in tests)))
                if _contradicts(combined):
                    continue
                key = text + more_text
                if key in joined:  # the same text either way
                    prior = joined[key]
                    joined[key] = (ir.BoolOp("or", (_conjunction(prior), _conjunction(combined))),) \
                        if prior and combined else ()
                else:
                    joined[key] = combined
        out = list(joined.items())
        if len(out) > MAX_PATH_CHOICES:
            return out
    return out


def _conjunction(tests: tuple[ir.Expr, ...]) -> ir.Expr:
    return tests[0] if len(tests) == 1 else ir.BoolOp("and", tests)


def _contradicts(tests: tuple[ir.Expr, ...]) -> bool:
    """A test and its negation among `tests`."""
    shown = {ir.show(t) for t in tests}
    return any(isinstance(t, ir.Not) and ir.show(t.value) in shown for t in tests)


def contradicts(conditions: tuple[str, ...]) -> bool:
    """A test and its negation (source text: `c` and `not c` / `not (c)`) among `conditions`: the conditions
    of a path chosen by one test at two places (a prefix and the route's path) taken one way and the other."""
    shown = set(conditions)
    return any(c.startswith("not ") and (c[4:] in shown or (c[4:].startswith("(") and c[5:-1] in shown))
               for c in conditions)


def _try_body(test: ir.Expr) -> bool:
    """The marker of a `try` body among a statement's conditions (facts.extract.try_marker)."""
    return isinstance(test, ir.Unknown) and test.code.startswith("<try:")


def _adds_to(call: ir.Call, name: str) -> bool:
    """`name.append(x)` / `name.extend(xs)`."""
    f = call.func
    return isinstance(f, ir.Attr) and f.attr in ("append", "extend") and isinstance(f.value, ir.Name) and \
        f.value.id == name


def _hands(call: ir.Call, name: str) -> bool:
    """Whether `call` is handed the object `name` holds itself (an argument that is the name)."""
    args = [a.value if isinstance(a, ir.Star) else a for a in call.args] + [v for _k, v in call.kwargs]
    return any(isinstance(a, ir.Name) and a.id == name for a in args)
