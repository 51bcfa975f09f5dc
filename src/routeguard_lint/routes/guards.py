"""What a route's decorators add: a class-based-view decorator (`@cbv(router)`) makes FastAPI inject the
view class as `self`; a decorator under the route decorator may enforce authentication (`@requires(...)`,
a project `@login_required` whose wrapper reads a credential and can reject)."""

from __future__ import annotations

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Decorator, Func, ModuleFacts
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, ParamV, Value, external_name
from routeguard_lint.routes.model import Guard
from routeguard_lint.vocabulary import DEPENDS, last_name

MAX_DECORATOR_FUNCTIONS = 40  # functions of a class-based-view decorator looked into
MAX_DECORATOR_DEPTH = 4  # calls and nested functions followed from the decorator


class Guards:
    def __init__(self, index: Index, calls: Calls) -> None:
        self.index = index
        self.calls = calls
        self._cbv_memo: dict[ClassV, ClassV | None] = {}

    def cbv_class(self, facts: ModuleFacts, func: Func) -> ClassV | None:
        """The class of a method route when a class-based-view decorator (`@cbv(router)` of fastapi-utils /
        fastapi-restful, or a project decorator built the same way) makes FastAPI inject an instance of it
        as `self`; None otherwise."""
        if func.class_name is None:
            return None
        cls_v = ClassV(facts.module, func.class_name)
        if cls_v not in self._cbv_memo:
            cdef = facts.classes.get(func.class_name)
            found = False
            for dec in (cdef.decorators if cdef else []):
                expr = dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr
                value = self.index.resolve(expr, Ctx(facts.module))
                if isinstance(value, ExternalV):
                    found = value.qualname.split(".")[0] in ("fastapi_utils", "fastapi_restful") and \
                        last_name(value.qualname) == "cbv"
                elif isinstance(value, FuncV):
                    found = self._injects_class(value)
                if found:
                    break
            self._cbv_memo[cls_v] = cls_v if found else None
        return self._cbv_memo[cls_v]

    def _injects_class(self, fv: FuncV) -> bool:
        """A project decorator (factory) that, itself or through the functions it defines and calls, makes
        `Depends(<a parameter>)`: it turns the decorated class into the endpoints' `self` dependency."""
        seen: set[FuncV] = set()
        todo = [(fv, 0)]
        while todo and len(seen) < MAX_DECORATOR_FUNCTIONS:
            current, depth = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            func = self.index.func(current)
            if func is None:
                continue
            ctx = Ctx(current.module, func.qualname)
            for call in func.calls:
                callee = self.index.resolve(call.func, ctx)
                if external_name(callee) in DEPENDS and call.args and \
                        isinstance(self.index.resolve(call.args[0], ctx), ParamV):
                    return True
                if isinstance(callee, FuncV) and depth < MAX_DECORATOR_DEPTH:
                    todo.append((callee, depth + 1))
            for nested in func.nested:
                if depth < MAX_DECORATOR_DEPTH:
                    todo.append((FuncV(current.module, nested), depth + 1))
        return False

    def auth_decorator(self, dec: Decorator, ctx: Ctx) -> Guard | None:
        """A decorator on a handler that enforces authentication: Starlette's `@requires(...)` (with
        AuthenticationMiddleware), or a project decorator whose wrapper reads a credential (request headers,
        cookies, session, `request.user`) and can raise. One that only logs or times is not."""
        expr = dec.expr
        value = self.index.resolve(expr.func if isinstance(expr, ir.Call) else expr, ctx)
        name = external_name(value)
        if name in ("starlette.authentication.requires", "fastapi.authentication.requires"):
            scopes = ", ".join(ir.show(a) for a in expr.args) if isinstance(expr, ir.Call) else ""
            return Guard(f"@requires({scopes})", self.index.path_of(ctx.module), dec.line,
                         required_scopes(expr) if isinstance(expr, ir.Call) else None, requires=True)
        if not isinstance(value, FuncV):
            return None
        # `@login_required` returns the wrapper; `@require_role("admin")` returns the decorator first
        wrapper: Value = value
        if isinstance(expr, ir.Call):
            wrapper = self.index.call_result(value)
        for _ in range(2):
            if not isinstance(wrapper, FuncV):
                return None
            func = self.index.func(wrapper)
            if func is not None and self.calls.guards(wrapper):
                args = f"({', '.join(ir.show(a) for a in expr.args)})" if isinstance(expr, ir.Call) else ""
                return Guard(f"@{value.module}.{value.qualname}{args}", self.index.path_of(wrapper.module), func.line)
            wrapper = self.index.call_result(wrapper)
        return None


def required_scopes(call: ir.Call) -> tuple[str, ...] | None:
    """The scopes `@requires("a")` / `@requires(["a", "b"])` / `@requires(scopes=[...])` requires; None when they
    are not literal strings."""
    arg = call.args[0] if call.args else dict(call.kwargs).get("scopes")
    items = arg.items if isinstance(arg, ir.Seq) else (arg,)
    out = tuple(i.value for i in items if isinstance(i, ir.Str))
    return out if len(out) == len(items) and out else None
