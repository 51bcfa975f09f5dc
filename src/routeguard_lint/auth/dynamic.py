"""Where the request (or a credential) is handed to code the analysis cannot read.

A dependency that passes the request to a plugin looked up at run time (`plugins.get(slug).get_current_user
(request)`), to `getattr(...)(request)` or to a library whose source is not installed may reject a request
without credentials there, or may not: the answer is unknown, and the route is `unverified`, naming that
call. Calls are followed interprocedurally with the arguments bound: a project (or installed library)
function that receives the request is read in turn, with its own parameter standing for the request.
Standard-library and framework calls (logging, `isinstance`, Starlette's own classes) are known not to
authenticate anything.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from routeguard_lint.facts import ir
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import (
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    ParamV,
    Value,
)
from routeguard_lint.vocabulary import TOKEN_ISSUING_CALLS, is_verifying_call

MAX_CALL_DEPTH = 4
KNOWN = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "typing_extensions", "builtins", "sqlalchemy",
                   "sqlmodel", "structlog", "logfire", "sentry_sdk", "loguru", "anyio", "asyncio"})
# parts of the request that carry its credentials
_CARRIERS = frozenset({"headers", "cookies", "scope", "query_params", "session"})


@dataclass(frozen=True)
class Site:
    """A call that hands the request (or a credential) to code that cannot be resolved."""

    call: str  # the call as written, shortened
    path: str
    line: int
    why: str


def _known(qualname: str) -> bool:
    top = qualname.split(".")[0]
    return top in KNOWN or top in sys.stdlib_module_names


def _carries(expr: ir.Expr | None, names: frozenset[str]) -> bool:
    if isinstance(expr, ir.Bound):
        expr = expr.expr
    if isinstance(expr, ir.Star):
        expr = expr.value
    if isinstance(expr, ir.Name):
        return expr.id in names
    if isinstance(expr, ir.Attr) and expr.attr in _CARRIERS:
        return isinstance(expr.value, ir.Name) and expr.value.id in names
    return False


class Dynamic:
    def __init__(self, index: Index, calls: Calls) -> None:
        self.index = index
        self.calls = calls
        self._memo: dict[tuple[FuncV, frozenset[str]], tuple[Site, ...]] = {}

    def sites(self, fv: FuncV, names: frozenset[str], depth: int = 0) -> tuple[Site, ...]:
        """The unresolvable calls `fv` (or what it calls) hands one of its parameters `names` to."""
        key = (fv, names)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = ()  # recursion guard
        func = self.index.func(fv)
        if func is None or not names:
            return ()
        ctx = Ctx(fv.module, func.qualname)
        path = self.index.path_of(fv.module)
        out: list[Site] = []
        for call in func.calls:
            args = [*call.args, *(value for _key, value in call.kwargs)]
            if not any(_carries(a, names) for a in args):
                continue
            target = self.calls.callee(call, ctx, func)
            if isinstance(target, FuncV):
                callee = self.index.func(target)
                if callee is None:
                    out.append(Site(ir.show(call, 80), path, call.line, "its definition cannot be read"))
                    continue
                if depth >= MAX_CALL_DEPTH:
                    continue
                skip = callee.class_name is not None and bool(callee.params) and \
                    callee.params[0].name in ("self", "cls")
                env = bind_args(callee, call, ctx, Ctx(target.module), skip_first=skip)
                bound = frozenset(name for name, expr in env.names.items() if _carries(expr, names))
                out.extend(self.sites(target, bound, depth + 1))
                continue
            if self._container_method(call, ctx):
                continue
            why = self._why(target, call, ctx)
            if why is not None:
                out.append(Site(ir.show(call, 80), path, call.line, why))
        found = tuple(sorted(set(out), key=lambda s: (s.path, s.line, s.call)))
        self._memo[key] = found
        return found

    SAFE_DECORATORS = frozenset({"functools", "contextlib", "typing", "typing_extensions", "abc", "dataclasses",
                                 "builtins", "fastapi", "starlette", "pydantic"})

    def decorator_site(self, fv: FuncV) -> Site | None:
        """A decorator FastAPI's view of the function depends on and the analysis cannot read
        (`@with_signature(...)` rewriting the signature at run time); None when every decorator is known."""
        func = self.index.func(fv)
        if func is None or not func.decorators:
            return None
        ctx = Ctx(fv.module, func.parent) if hasattr(func, "parent") else Ctx(fv.module)
        for dec in func.decorators:
            expr = dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr
            value = self.index.resolve(expr, ctx)
            if isinstance(value, FuncV | ClassV):
                continue
            if isinstance(value, ExternalV) and value.qualname.split(".")[0] in self.SAFE_DECORATORS | \
                    set(sys.stdlib_module_names):
                continue
            if isinstance(expr, ir.Name) and expr.id in ("staticmethod", "classmethod", "property"):
                continue
            return Site(f"@{ir.show(dec.expr, 80)}", self.index.path_of(fv.module), dec.line,
                        "a decorator the analysis cannot read makes the signature FastAPI sees")
        return None

    def _container_method(self, call: ir.Call, ctx: Ctx) -> bool:
        """`TOKENS.get(token)`, `KEYS[...]`: a method of a dict, list or set the project writes literally."""
        f = call.func
        if not isinstance(f, ir.Attr) or not isinstance(f.value, (ir.Name, ir.Attr)):
            return False
        bound = self.index.assignment(f.value, ctx)
        if bound is None:
            return False
        expr = bound[0]
        if isinstance(expr, ir.Bound):
            expr = expr.expr
        if isinstance(expr, (ir.DictE, ir.Seq)):
            return True
        return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and \
            expr.func.id in ("dict", "set", "list", "frozenset", "defaultdict", "OrderedDict")

    def _library_member(self, call: ir.Call, ctx: Ctx) -> ExternalV | None:
        """`obj.method(...)` where `obj` is an instance of a library class the project constructed
        (`templates = Jinja2Templates(...)`): the library's method, named by its class. Only one attribute
        deep: what hangs off such an object at run time (`app.state.backend.check(...)`) stays unknown."""
        f = call.func
        if not isinstance(f, ir.Attr):
            return None
        owner = self.index.resolve(f.value, ctx)
        if isinstance(owner, InstanceV) and isinstance(owner.cls, ExternalV):
            return ExternalV(f"{owner.cls.qualname}.{f.attr}")
        return None

    def _why(self, target: Value, call: ir.Call, ctx: Ctx) -> str | None:
        """Why a call's target is unknown; None when it is known not to authenticate."""
        member = self._library_member(call, ctx)
        if member is not None:  # `templates.TemplateResponse(request, ...)`: a method of a library object
            target = member
        if isinstance(target, ExternalV):
            if is_verifying_call(target.qualname) or TOKEN_ISSUING_CALLS.match(target.qualname):
                return None  # understood: it raises on a bad credential (the missing-credential walk models it)
            if _known(target.qualname):
                if target.qualname in ("builtins.getattr",):
                    return "a callable looked up by name at run time"
                return None
            return f"{target.qualname} is library code the analysis cannot read"
        if isinstance(target, ClassV):
            return None  # a project class without __init__: builds an object
        if isinstance(target, InstanceV):
            cls = target.cls
            if isinstance(cls, ExternalV) and _known(cls.qualname):
                return None
            return "a value only known at run time (the result of a call the analysis cannot follow)"
        if isinstance(target, ParamV):
            return f"a callable passed in as parameter '{target.name}'"
        f = call.func
        if isinstance(f, ir.Call) and ir.dotted(f.func) == "getattr":
            return "a callable looked up by name with getattr()"
        return "a value only known at run time (a registry or plugin lookup, a dynamic attribute)"
