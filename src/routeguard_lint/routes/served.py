"""Apps (and routers) built only to export an OpenAPI document, never served.

A documentation script builds an app with every router included, writes `app.openapi()` (or `get_openapi(routes=
router.routes)`) to a file, and never serves it (frigate's `generate_api_auth_spec.build_app()`, phoenix's
`get_openapi_schema()`). Its routes are not routes of any running app: listed as served they double the table and
the app's own dependencies (or their absence) are judged as if requests met them.

Decided by what the code does with the object, conservatively: the object is bound to a local name of a plain
function (a module-level app can be named by an ASGI server, `uvicorn module:app`), and every use of that name is
one that cannot serve it:

* building it: a method call on it (`app.include_router(...)`, `app.add_middleware(...)`), other than calling it;
* exporting its document: `app.openapi()`, `get_openapi(routes=app.routes)` (at least one of these must be seen);
* reading it: an attribute other than the ones that hand its routes or its ASGI stack on (`router`, `routes`,
  `middleware_stack`), iterating over `app.routes`;
* passing it to a function of the project whose parameter is used only so (followed MAX_HOPS calls deep);
* returning it from a function of a script (a module that runs `if __name__ == "__main__":`), every call of
  which in the project binds the result to a local name used only so (no call at all: an ASGI server's
  `--factory` may serve it, so it is served).

Anything else (passing it to an unknown callable such as `uvicorn.run`, storing it, putting it in a collection,
using it in a nested function, mounting `app.router`) keeps it served.
"""

from __future__ import annotations

from collections.abc import Iterator

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, Index
from routeguard_lint.routes.contexts import Contexts
from routeguard_lint.routes.model import RouterKey, RouterNode

MAX_HOPS = 3  # functions an app is passed to or returned from, followed
HANDS_ON = frozenset({"router", "routes", "middleware_stack", "build_middleware_stack", "__call__"})
OPENAPI_FUNCTIONS = frozenset({"fastapi.openapi.utils.get_openapi"})


class Served:
    def __init__(self, index: Index, calling: Contexts) -> None:
        self.index = index
        self.calling = calling

    def exported(self, roots: list[RouterNode]) -> dict[RouterKey, str]:
        """For each of `roots` (routers and apps nothing includes) made only to export an OpenAPI document: how
        it is exported (the call and where)."""
        out: dict[RouterKey, str] = {}
        for node in roots:
            key = node.key
            if len(key) < 4 or key[0] != "local" or not all(isinstance(part, str) for part in key[1:4]):
                continue
            module, scope, name = str(key[1]), str(key[2]), str(key[3])
            evidence: list[str] = []
            if self._only_exported(module, scope, name, evidence, 0):
                out[key] = evidence[0] if evidence else ""
        return {key: how for key, how in out.items() if how}

    def _only_exported(self, module: str, scope: str, name: str, evidence: list[str], hops: int) -> bool:
        """Every use of local `name` in function `scope` of `module` is one that cannot serve the object."""
        func = self.index.func(FuncV(module, scope))
        if func is None or func.class_name is not None or hops > MAX_HOPS:
            return False
        facts = self.index.module(module)
        if facts is None or name in facts.global_assigns:
            return False
        if any(self._nested_reads(module, nested, name) for nested in func.nested):
            return False  # a closure holds it
        ctx = Ctx(module, scope)
        path = facts.path
        for call in func.calls:
            if not self._call_use(call, name, ctx, path, evidence, hops):
                return False
        for bind in func.binds:
            if bind.name == name or not _reads(bind.value, name):
                continue
            if not _harmless_read(bind.value, name):
                return False
        escapes = False
        for ret in func.returns:
            if ret.value is None or not _reads(ret.value, name):
                continue
            if isinstance(ret.value, ir.Name):
                escapes = True
            elif not _harmless_read(ret.value, name):
                return False
        return not escapes or self._returned_only_exported(module, func, evidence, hops)

    def _nested_reads(self, module: str, qualname: str, name: str) -> bool:
        func = self.index.func(FuncV(module, qualname))
        if func is None:
            return True
        exprs: Iterator[ir.Expr] = (e for e in (*func.calls, *(b.value for b in func.binds),
                                                *(r.value for r in func.returns if r.value is not None)))
        return any(name in _names(expr) for expr in exprs) or \
            any(self._nested_reads(module, inner, name) for inner in func.nested)

    def _call_use(self, call: ir.Call, name: str, ctx: Ctx, path: str, evidence: list[str], hops: int) -> bool:
        """The uses of `name` directly in `call` (not in the calls nested in it: those are calls of their own)."""
        f = call.func
        if _reads(f, name):
            if isinstance(f, ir.Attr) and _rooted(f.value, name):
                if f.attr == "openapi" and isinstance(f.value, ir.Name):
                    evidence.append(f"`{ir.show(call)}` ({path}:{call.line})")
                elif f.attr in HANDS_ON:
                    return False
            else:
                return False  # `app(scope, receive, send)`, `[app][0].x()`
        arguments = [(i, None, a) for i, a in enumerate(call.args)] + [(None, k, v) for k, v in call.kwargs]
        for position, keyword, arg in arguments:
            if not _reads(arg, name):
                continue
            if isinstance(arg, ir.Name):
                if not self._passed(call, position, keyword, ctx, evidence, hops):
                    return False
            elif isinstance(arg, ir.Attr) and isinstance(arg.value, ir.Name) and arg.attr in HANDS_ON:
                callee = self.index.resolve(call.func, ctx)
                if arg.attr == "routes" and isinstance(callee, ExternalV) and callee.qualname in OPENAPI_FUNCTIONS:
                    evidence.append(f"`{ir.show(call)}` ({path}:{call.line})")
                else:
                    return False
            elif not _harmless_read(arg, name):
                return False
        return True

    def _passed(self, call: ir.Call, position: int | None, keyword: str | None, ctx: Ctx, evidence: list[str],
                hops: int) -> bool:
        """The object passed to a plain function of the project, whose parameter is used only so."""
        callee = self.index.resolve(call.func, ctx)
        if not isinstance(callee, FuncV) or self.index.is_library(callee.module):
            return False
        func = self.index.func(callee)
        if func is None or func.class_name is not None:
            return False
        param = None
        if keyword is not None and keyword != "**":
            param = next((p for p in func.params if p.name == keyword and p.kind not in ("vararg", "kwarg")), None)
        elif position is not None and not any(isinstance(a, ir.Star) for a in call.args[:position + 1]):
            positional = [p for p in func.params if p.kind in ("pos", "posonly")]
            param = positional[position] if position < len(positional) else None
        return param is not None and self._only_exported(callee.module, callee.qualname, param.name, evidence,
                                                         hops + 1)

    def _returned_only_exported(self, module: str, func: Func, evidence: list[str], hops: int) -> bool:
        """A function returning the object: a script's, and every call of it in the project binds the result to a
        local name used only so."""
        facts = self.index.module(module)
        if facts is None or func.parent is not None or not facts.main_guard:
            return False
        callers = self.calling.callers(FuncV(module, func.qualname), func)
        if not callers:
            return False  # nothing in the project calls it: something else may serve what it makes
        for call, cctx in callers:
            caller = self.index.func(FuncV(cctx.module, cctx.scope)) if cctx.scope else None
            if caller is None:
                return False
            bound = [b.name for b in caller.binds if b.value == call]
            used = [c for c in caller.calls if isinstance(c.func, ir.Attr) and c.func.value == call]
            if len(bound) == 1 and not used:
                if not self._only_exported(cctx.module, caller.qualname, bound[0], evidence, hops + 1):
                    return False
            elif not bound and used and all(c.func.attr == "openapi" for c in used if isinstance(c.func, ir.Attr)):
                evidence.extend(f"`{ir.show(c)}` ({self.index.path_of(cctx.module)}:{c.line})" for c in used)
            else:
                return False
        return True


def _names(expr: ir.Expr, depth: int = 0) -> set[str]:
    """Every name an expression reads, inside nested calls too."""
    out: set[str] = set()
    if depth > 40:
        return out
    if isinstance(expr, ir.Name):
        out.add(expr.id)
    for child in ir.children(expr):
        out |= _names(child, depth + 1)
    return out


def _reads(expr: ir.Expr, name: str, depth: int = 0) -> bool:
    """`expr` reads `name` outside the calls in it (each call is a use of its own: `Func.calls` holds the calls
    nested in others too)."""
    if depth > 40:
        return True
    if isinstance(expr, ir.Name):
        return expr.id == name
    if isinstance(expr, ir.Call):
        return False
    return any(_reads(child, name, depth + 1) for child in ir.children(expr))


def _rooted(expr: ir.Expr, name: str) -> bool:
    """`name`, or an attribute chain on it (`app`, `app.router`)."""
    while isinstance(expr, ir.Attr):
        expr = expr.value
    return isinstance(expr, ir.Name) and expr.id == name


def _harmless_read(expr: ir.Expr, name: str) -> bool:
    """A read of `name` that hands nothing on: an attribute other than those handing its routes or ASGI stack on
    (`app.title`), iterating over its routes (`for route in app.routes`)."""
    if isinstance(expr, ir.Star):
        return isinstance(expr.value, ir.Attr) and _is_name(expr.value.value, name) and expr.value.attr == "routes"
    if isinstance(expr, ir.Attr):
        return _is_name(expr.value, name) and expr.attr not in HANDS_ON
    return not _reads(expr, name)


def _is_name(expr: ir.Expr, name: str) -> bool:
    return isinstance(expr, ir.Name) and expr.id == name
