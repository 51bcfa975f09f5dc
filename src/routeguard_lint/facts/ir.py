"""A tiny, picklable expression language: the part of Python expressions the analysis reasons about.

LibCST nodes are converted into these immutable values once, in the worker that parsed the file, so the
rest of the pipeline never touches LibCST and per-module facts can be pickled and cached.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from types import EllipsisType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type only: the context is made and read by project/, after facts/
    from routeguard_lint.project.index import Ctx


@dataclass(frozen=True, slots=True)
class Name:
    id: str


@dataclass(frozen=True, slots=True)
class Attr:
    value: Expr
    attr: str


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class FStr:
    parts: tuple[str | Expr, ...]  # literal text and formatted values


@dataclass(frozen=True, slots=True)
class Const:
    value: ConstValue


@dataclass(frozen=True, slots=True)
class Call:
    func: Expr
    args: tuple[Expr, ...]  # positional arguments; a *starred argument is Star(expr)
    kwargs: tuple[tuple[str, Expr], ...]  # ((name, Expr), ...); **kwargs is ("**", Expr)
    line: int
    col: int

    def kwarg(self, name: str) -> Expr | None:
        for key, value in self.kwargs:
            if key == name:
                return value
        return None

    def arg(self, index: int, name: str | None = None) -> Expr | None:
        """Positional argument `index`, or keyword `name`."""
        if name is not None:
            value = self.kwarg(name)
            if value is not None:
                return value
        if index < len(self.args) and not isinstance(self.args[index], Star):
            return self.args[index]
        return None


@dataclass(frozen=True, slots=True)
class Star:
    value: Expr


@dataclass(frozen=True, slots=True)
class Seq:
    kind: str  # "list" | "tuple" | "set"
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class DictE:
    items: tuple[tuple[Expr | None, Expr], ...]  # ((key, value), ...); the key is None for a **spread


@dataclass(frozen=True, slots=True)
class Sub:
    value: Expr
    index: tuple[Expr, ...]  # subscript elements


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # "+", "|", "%", ...
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Compare:
    left: Expr
    ops: tuple[str, ...]  # ("==", "!=", "is", "is not", "in", "not in", "<", ...)
    comparators: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    value: Expr


@dataclass(frozen=True, slots=True)
class IfExp:
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Comp:
    """`[elt for names in iterable]` (also a set or generator, `kind` says which): one `for` clause and no
    `if`; comprehensions with more clauses are `Unknown`. `names` are the loop targets ("" for a part
    that is not a plain name); they are local to the comprehension, as in Python 3."""

    kind: str  # "list" | "set" | "gen" | "dict"
    elt: Expr
    names: tuple[str, ...]
    iterable: Expr


@dataclass(frozen=True, slots=True)
class Unknown:
    code: str  # short source text, for messages only
    # the names an expression the language does not model reads (a comprehension with several clauses: what its
    # iterables, tests and element read, not its own loop variables): what its value is computed from
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Bound:
    """`expr` to be read in another context (an `index.Ctx`): made by the graph when it substitutes a
    caller's argument for a parameter, or a loop item for a loop variable. Never produced by `facts`."""

    expr: Expr
    ctx: Ctx


ConstValue = int | float | complex | bool | bytes | EllipsisType | None

Expr = (Name | Attr | Str | FStr | Const | Call | Star | Seq | DictE | Sub | BinOp | Compare | BoolOp | Not | IfExp
        | Comp | Unknown | Bound)


def dotted(expr: Expr | None) -> str | None:
    """`a.b.c` for Name/Attr chains, else None."""
    parts: list[str] = []
    while isinstance(expr, Attr):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


def keyed(expr: Expr | None) -> tuple[Expr, Expr] | None:
    """(holder, key) of a lookup by key: `holder.get(key, ...)` or `holder[key]`."""
    if isinstance(expr, Call) and isinstance(expr.func, Attr) and expr.func.attr == "get" and expr.args:
        return expr.func.value, expr.args[0]
    if isinstance(expr, Sub) and len(expr.index) == 1:
        return expr.value, expr.index[0]
    return None


def children(expr: Expr) -> tuple[Expr, ...]:
    """The expressions directly inside `expr`, in source order; none for a `Bound` (it is read in another
    context, so its insides are not part of this expression's)."""
    if isinstance(expr, (Attr, Star, Not)):
        return (expr.value,)
    if isinstance(expr, Call):
        return (expr.func, *expr.args, *(value for _, value in expr.kwargs))
    if isinstance(expr, (Seq, BoolOp)):
        return expr.items if isinstance(expr, Seq) else expr.values
    if isinstance(expr, DictE):
        return tuple(part for key, value in expr.items for part in (key, value) if part is not None)
    if isinstance(expr, Sub):
        return (expr.value, *expr.index)
    if isinstance(expr, BinOp):
        return (expr.left, expr.right)
    if isinstance(expr, FStr):
        return tuple(part for part in expr.parts if not isinstance(part, str))
    if isinstance(expr, IfExp):
        return (expr.test, expr.body, expr.orelse)
    if isinstance(expr, Compare):
        return (expr.left, *expr.comparators)
    if isinstance(expr, Comp):
        return (expr.elt, expr.iterable)
    return ()  # Name, Str, Const, Unknown, Bound


def show(expr: Expr | None, limit: int = 80) -> str:
    """Readable source-like text for messages."""
    text = _show(expr)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_index(expr: Expr) -> str:
    """A subscript element: `a:b` for the `slice(a, b, c)` a slice is made into."""
    if isinstance(expr, Call) and isinstance(expr.func, Name) and expr.func.id == "slice" and len(expr.args) == 3:
        parts = ["" if isinstance(a, Const) and a.value is None else _show(a) for a in expr.args]
        return f"{parts[0]}:{parts[1]}" + (f":{parts[2]}" if parts[2] else "")
    return _show(expr)


def _show(expr: Expr | None) -> str:  # noqa: C901 - a flat dispatch
    if expr is None:
        return ""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return f"{_show(expr.value)}.{expr.attr}"
    if isinstance(expr, Str):
        return repr(expr.value)
    if isinstance(expr, FStr):
        inner = "".join(p if isinstance(p, str) else "{" + _show(p) + "}" for p in expr.parts)
        return f"f{inner!r}"
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Call):
        args = [_show(a) for a in expr.args] + [f"{k}={_show(v)}" if k != "**" else f"**{_show(v)}"
                                                 for k, v in expr.kwargs]
        return f"{_show(expr.func)}({', '.join(args)})"
    if isinstance(expr, Star):
        return "*" + _show(expr.value)
    if isinstance(expr, Seq):
        inner = ", ".join(_show(i) for i in expr.items)
        return {"list": f"[{inner}]", "tuple": f"({inner})", "set": f"{{{inner}}}"}[expr.kind]
    if isinstance(expr, Sub):
        return f"{_show(expr.value)}[{', '.join(_show_index(i) for i in expr.index)}]"
    if isinstance(expr, BinOp):
        return f"{_show(expr.left)} {expr.op} {_show(expr.right)}"
    if isinstance(expr, Compare):
        out = _show(expr.left)
        for op, comp in zip(expr.ops, expr.comparators, strict=False):
            out += f" {op} {_show(comp)}"
        return out
    if isinstance(expr, BoolOp):
        return f" {expr.op} ".join(_show(v) for v in expr.values)
    if isinstance(expr, Not):  # (`not not x`, the `else` of `if not x:`, is x's truth: shown as `x`)
        return _show(expr.value.value) if isinstance(expr.value, Not) else "not " + _show(expr.value)
    if isinstance(expr, IfExp):
        return f"{_show(expr.body)} if {_show(expr.test)} else {_show(expr.orelse)}"
    if isinstance(expr, DictE):
        return "{...}"
    if isinstance(expr, Comp):
        inner = f"{_show(expr.elt)} for {', '.join(n or '_' for n in expr.names)} in {_show(expr.iterable)}"
        return {"list": f"[{inner}]", "set": f"{{{inner}}}", "gen": f"({inner})"}.get(expr.kind, f"{{{inner}}}")
    if isinstance(expr, Unknown):
        return expr.code
    if isinstance(expr, Bound):
        return _show(expr.expr)
    return "?"


def _reducer(cls: type) -> Any:
    """Pickle by constructor arguments (frozen dataclasses' default setstate is slow), read by one
    `attrgetter` per class rather than a generator of `getattr`s per object."""
    names = cls.__match_args__  # type: ignore[attr-defined]  # every class here is a dataclass
    read = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda self: (cls, (read(self),))
    return lambda self: (cls, read(self))


for _cls in (Name, Attr, Str, FStr, Const, Call, Star, Seq, DictE, Sub, BinOp, Compare, BoolOp, Not, IfExp,
             Comp, Unknown):
    _cls.__reduce__ = _reducer(_cls)  # type: ignore[method-assign]  # deliberately replaced, once per class
