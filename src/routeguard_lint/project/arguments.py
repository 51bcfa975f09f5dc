"""Call arguments bound to a function's parameters (`bind_args`), and substituted into expressions (`subst`).

The graph uses this to read what a function does *for one call*: what `UserAPIRouter(prefix="/x")`
passes on to `APIRouter.__init__` through `super().__init__(prefix=prefix, **kwargs)`, what a router
factory `make_router("/a")` builds, or what one iteration of `for r in ROUTERS:` includes. Arguments
are wrapped in `ir.Bound(expr, ctx)` so they keep being read where they were written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func

if TYPE_CHECKING:  # index.py imports this module
    from routeguard_lint.project.index import Ctx


@dataclass
class Env:
    """Parameter name -> bound expression, plus what `*args` / `**kwargs` collected."""

    names: dict[str, ir.Expr] = field(default_factory=dict)  # usually ir.Bound
    vararg: str | None = None
    kwarg: str | None = None
    extra_args: list[ir.Expr] = field(default_factory=list)  # positional arguments past the named ones
    extra_kwargs: list[tuple[str, ir.Expr]] = field(default_factory=list)  # [(keyword or "**", value)]


def bind_args(func: Func, call: ir.Call, call_ctx: Ctx, def_ctx: Ctx, skip_first: bool, defaults: bool = True) -> Env:
    """Match `call`'s arguments (read in `call_ctx`) to `func`'s parameters (defaults read in `def_ctx`; with
    `defaults=False` a parameter the call does not give stays unbound)."""
    params = list(func.params)
    if skip_first and params and params[0].kind in ("pos", "posonly"):
        params = params[1:]
    env = Env()
    positional = [p for p in params if p.kind in ("pos", "posonly")]
    keywordable = {p.name for p in params if p.kind in ("pos", "kwonly")}
    for p in params:
        if p.kind == "vararg":
            env.vararg = p.name
        elif p.kind == "kwarg":
            env.kwarg = p.name
    index = 0
    for arg in call.args:
        if isinstance(arg, ir.Star):
            env.extra_args.append(ir.Star(ir.Bound(arg.value, call_ctx)))
            index = len(positional)  # unknown length: later positionals are not matched
            continue
        if index < len(positional):
            env.names[positional[index].name] = ir.Bound(arg, call_ctx)
            index += 1
        else:
            env.extra_args.append(ir.Bound(arg, call_ctx))
    for key, value in call.kwargs:
        if key != "**" and key in keywordable:
            env.names[key] = ir.Bound(value, call_ctx)
        else:
            env.extra_kwargs.append((key, ir.Bound(value, call_ctx)))
    for p in params if defaults else ():
        if p.name not in env.names and p.kind not in ("vararg", "kwarg") and p.default is not None:
            env.names[p.name] = ir.Bound(p.default, def_ctx)
    # `**options` is the dict of the keyword arguments left over (when none is an unknown `**mapping`)
    if env.kwarg is not None and not any(key == "**" for key, _ in env.extra_kwargs):
        env.names[env.kwarg] = ir.Bound(ir.DictE(tuple((ir.Str(k), v) for k, v in env.extra_kwargs)), call_ctx)
    return env


def forward_call(call: ir.Call, env: Env, ctx: Ctx) -> ir.Call:
    """`call` (written in `ctx`, a function body) with the function's parameters replaced by `env`, and
    `*args` / `**kwargs` parameters spread into the arguments they collected."""
    args: list[ir.Expr] = []
    for arg in call.args:
        if isinstance(arg, ir.Star) and isinstance(arg.value, ir.Name) and arg.value.id == env.vararg:
            args.extend(env.extra_args)
        else:
            args.append(ir.Bound(subst(arg, env.names), ctx))
    kwargs: list[tuple[str, ir.Expr]] = []
    for key, value in call.kwargs:
        if key == "**" and isinstance(value, ir.Name) and value.id == env.kwarg:
            kwargs.extend(env.extra_kwargs)
        else:
            kwargs.append((key, ir.Bound(subst(value, env.names), ctx)))
    return ir.Call(call.func, tuple(args), tuple(kwargs), call.line, call.col)


@overload
def subst(expr: ir.Call, names: Mapping[str, ir.Expr], depth: int = 0) -> ir.Call: ...
@overload
def subst(expr: ir.Expr, names: Mapping[str, ir.Expr], depth: int = 0) -> ir.Expr: ...
@overload
def subst(expr: None, names: Mapping[str, ir.Expr], depth: int = 0) -> None: ...
@overload
def subst(expr: ir.Expr | None, names: Mapping[str, ir.Expr], depth: int = 0) -> ir.Expr | None: ...


def subst(expr: ir.Expr | None, names: Mapping[str, ir.Expr], depth: int = 0) -> ir.Expr | None:  # noqa: C901 - a flat dispatch
    """`expr` with every free `Name` found in `names` replaced by its binding."""
    if expr is None or not names or depth > 40:
        return expr
    d = depth + 1
    if isinstance(expr, ir.Name):
        return names.get(expr.id, expr)
    if isinstance(expr, ir.Attr):
        return ir.Attr(subst(expr.value, names, d), expr.attr)
    if isinstance(expr, ir.Call):
        return ir.Call(subst(expr.func, names, d), tuple(subst(a, names, d) for a in expr.args),
                       tuple((k, subst(v, names, d)) for k, v in expr.kwargs), expr.line, expr.col)
    if isinstance(expr, ir.Star):
        return ir.Star(subst(expr.value, names, d))
    if isinstance(expr, ir.Seq):
        return ir.Seq(expr.kind, tuple(subst(i, names, d) for i in expr.items))
    if isinstance(expr, ir.DictE):
        return ir.DictE(tuple((subst(k, names, d), subst(v, names, d)) for k, v in expr.items))
    if isinstance(expr, ir.Sub):
        return ir.Sub(subst(expr.value, names, d), tuple(subst(i, names, d) for i in expr.index))
    if isinstance(expr, ir.BinOp):
        return ir.BinOp(expr.op, subst(expr.left, names, d), subst(expr.right, names, d))
    if isinstance(expr, ir.FStr):
        return ir.FStr(tuple(p if isinstance(p, str) else subst(p, names, d) for p in expr.parts))
    if isinstance(expr, ir.BoolOp):
        return ir.BoolOp(expr.op, tuple(subst(v, names, d) for v in expr.values))
    if isinstance(expr, ir.IfExp):
        return ir.IfExp(subst(expr.test, names, d), subst(expr.body, names, d), subst(expr.orelse, names, d))
    if isinstance(expr, ir.Not):
        return ir.Not(subst(expr.value, names, d))
    if isinstance(expr, ir.Compare):
        return ir.Compare(subst(expr.left, names, d), expr.ops, tuple(subst(c, names, d) for c in expr.comparators))
    if isinstance(expr, ir.Comp):  # the comprehension's own variables hide outer bindings in its element
        inner = {k: v for k, v in names.items() if k not in expr.names}
        return ir.Comp(expr.kind, subst(expr.elt, inner, d), expr.names, subst(expr.iterable, names, d))
    return expr  # Str, Const, Unknown, Bound (already read elsewhere)


def free_names(expr: ir.Expr | None, out: set[str] | None = None, depth: int = 0) -> set[str]:
    """Names an expression reads (not looking inside `Bound`)."""
    out = set() if out is None else out
    if expr is None or depth > 40:
        return out
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    elif isinstance(expr, ir.Comp):  # its own loop variables are not free in its element
        free_names(expr.iterable, out, depth + 1)
        out |= free_names(expr.elt, None, depth + 1) - set(expr.names)
    else:
        for child in ir.children(expr):
            free_names(child, out, depth + 1)
    return out
