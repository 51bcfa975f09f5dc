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
from collections.abc import Callable
from dataclasses import dataclass

from routeguard_lint.auth.provided import ProvidedValues, dependency_of
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Bind, Func
from routeguard_lint.project.arguments import bind_args
from routeguard_lint.project.calls import Calls, scheme_read
from routeguard_lint.project.index import (
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    ParamV,
    Value,
    is_abstract,
    options,
)
from routeguard_lint.routes.declarations import ROUTE_DECORATORS
from routeguard_lint.vocabulary import (
    APP_CLASSES,
    ROUTER_CLASSES,
    TOKEN_ISSUING_CALLS,
    Source,
    is_credential,
    is_verifying_call,
)

MAX_CALL_DEPTH = 4
# (uvicorn: the ASGI server's helpers, `uvicorn.protocols.utils.get_path_with_query_string(request.scope)`)
KNOWN = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "typing_extensions", "builtins", "sqlalchemy",
                   "sqlmodel", "structlog", "logfire", "sentry_sdk", "loguru", "anyio", "asyncio", "uvicorn"})
# parts of the request that carry its credentials
_CARRIERS = frozenset({"headers", "cookies", "scope", "query_params", "session"})


@dataclass(frozen=True)
class Site:
    """A call that hands the request (or a credential) to code that cannot be resolved."""

    call: str  # the call as written, shortened
    path: str
    line: int
    why: str
    value: bool = False  # what is handed on is a credential's value read from the request, not the request

    def handed(self) -> str:
        """`the request is handed to `call` (path:line): why`, for a reason."""
        what = "a credential read from the request is" if self.value else "the request is"
        return f"{what} handed to `{self.call}` ({self.path}:{self.line}): {self.why}"


def _credential_read(expr: ir.Expr, names: frozenset[str]) -> bool:
    """`request.headers.get("authorization")`, `request.cookies["session"]`, `websocket.query_params.get(
    "token")` on a request among `names`, with a literal key that names a credential."""
    holder, key = ir.keyed(expr) or (None, None)
    if not (isinstance(holder, ir.Attr) and holder.attr in ("headers", "cookies", "query_params") and
            isinstance(holder.value, ir.Name) and holder.value.id in names and isinstance(key, ir.Str)):
        return False
    source = {"headers": Source.HEADER, "cookies": Source.COOKIE, "query_params": Source.QUERY}[holder.attr]
    return is_credential(source, key.value if source is not Source.QUERY else key.value.replace("-", "_"))


def _reads_value(expr: object, names: frozenset[str], values: set[str], depth: int = 0) -> bool:
    """`expr` reads a credential from a request among `names`, or computes with a local in `values` that
    holds one (`auth_header.split(" ")[1]`, `token or ""`, `f"Bearer {token}"`). What a call makes of one
    (`decode(token)`) is not the credential's value any more."""
    if depth > 12 or expr is None:
        return False
    if isinstance(expr, ir.Name):
        return expr.id in values
    if isinstance(expr, (ir.Call, ir.Sub)) and _credential_read(expr, names):
        return True
    if isinstance(expr, ir.Call):
        f = expr.func
        return isinstance(f, ir.Attr) and f.attr in _VALUE_METHODS and _reads_value(f.value, names, values, depth + 1)
    if isinstance(expr, ir.Sub):
        return _reads_value(expr.value, names, values, depth + 1)
    if isinstance(expr, ir.IfExp):
        return any(_reads_value(e, names, values, depth + 1) for e in (expr.body, expr.orelse))
    if isinstance(expr, ir.BoolOp):
        return any(_reads_value(e, names, values, depth + 1) for e in expr.values)
    if isinstance(expr, ir.BinOp):
        return any(_reads_value(e, names, values, depth + 1) for e in (expr.left, expr.right))
    if isinstance(expr, ir.FStr):
        return any(_reads_value(e, names, values, depth + 1) for e in expr.parts if not isinstance(e, str))
    if isinstance(expr, ir.Star):
        return _reads_value(expr.value, names, values, depth + 1)
    return False


# methods that compute a credential's value from another (`header.removeprefix("Bearer ")`)
_VALUE_METHODS = frozenset({"strip", "lstrip", "rstrip", "split", "rsplit", "partition", "rpartition", "removeprefix",
                            "removesuffix", "replace", "lower", "encode", "decode", "get"})


def credential_values(binds: list[Bind], names: frozenset[str]) -> frozenset[str]:
    """The locals of a function that hold a credential's value: bound to a credential read from a request among
    `names` (`auth_header = req.headers.get("Authorization", "")`), or to a value computed from one."""
    values: set[str] = set()
    for _ in range(4):
        before = len(values)
        for bind in binds:
            if bind.name not in values and "." not in bind.name and _reads_value(bind.value, names, values):
                values.add(bind.name)
        if len(values) == before:
            break
    return frozenset(values)


# the builtin containers a literal or an argument-less constructor call makes
_CONTAINERS: dict[str, type] = {"list": list, "tuple": tuple, "set": set, "dict": dict, "frozenset": frozenset}


def _known(qualname: str) -> bool:
    top = qualname.split(".")[0]
    return top in KNOWN or top in sys.stdlib_module_names


def _carries(expr: ir.Expr | None, names: frozenset[str]) -> bool:
    if isinstance(expr, ir.Bound):
        expr = expr.expr
    if isinstance(expr, ir.Star):
        expr = expr.value
    if isinstance(expr, ir.Call) and ir.dotted(expr.func) == "dict" and len(expr.args) == 1 and not expr.kwargs:
        expr = expr.args[0]  # `dict(request.headers)`: the same headers, copied
    if isinstance(expr, ir.Bound):
        expr = expr.expr
    if isinstance(expr, ir.Name):
        return expr.id in names
    if isinstance(expr, ir.Attr) and expr.attr in _CARRIERS:
        return isinstance(expr.value, ir.Name) and expr.value.id in names
    return False


def _unbound(expr: ir.Expr) -> ir.Expr:
    return expr.expr if isinstance(expr, ir.Bound) else expr


class Dynamic:
    def __init__(self, index: Index, calls: Calls,
                 reaches: Callable[[FuncV, int, frozenset[str]], bool] | None = None) -> None:
        """`reaches(fv, line, inputs)`: whether a request without credentials can get to `line` of `fv` when
        `inputs` hold the request or its credential (the missing-credential walk's answer); a call it never
        gets to hands nothing on."""
        self.index = index
        self.calls = calls
        self.reaches = reaches
        self._memo: dict[tuple[FuncV, frozenset[str], frozenset[str], ClassV | None], tuple[Site, ...]] = {}
        self.provided = ProvidedValues(index)

    def handed(self, module: str, qualname: str, call: ir.Call, value: bool) -> Site | None:
        """The site of a call in `module`.`qualname` that the missing-credential walk saw hand the request (or,
        `value`, only a credential's value) to something it could not read (see `HANDED`); None when the
        call is known not to authenticate."""
        func = self.index.func(FuncV(module, qualname))
        if func is None:
            return None
        ctx = Ctx(module, qualname)
        target = self.calls.callee(call, ctx, func)
        callee = self.index.func(target) if isinstance(target, FuncV) else None
        why = f"{target.module}.{target.qualname} is abstract: the override that runs is the object's class's, " \
            f"chosen at run time" if isinstance(target, FuncV) and callee is not None and is_abstract(callee) \
            else None if isinstance(target, FuncV) else self._why(target, call, ctx)
        return None if why is None else Site(ir.show(call, 80), self.index.path_of(module), call.line, why, value)

    def sites(self, fv: FuncV, names: frozenset[str], depth: int = 0,
              requests: frozenset[str] | None = None, this: ClassV | None = None) -> tuple[Site, ...]:
        """The unresolvable calls `fv` (or what it calls) hands one of its parameters `names` to (`requests`:
        those that hold the request itself, the others a credential's value; None: all of them). `this`: the
        class of the object `fv` is a method of, when it is known (the object FastAPI calls it on)."""
        requests = names if requests is None else requests & names
        key = (fv, names, requests, this)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = ()  # recursion guard
        func = self.index.func(fv)
        if func is None or not names:
            return ()
        ctx = Ctx(fv.module, func.qualname)
        path = self.index.path_of(fv.module)
        out: list[Site] = []
        values = (credential_values(func.binds, names) | self._scheme_values(func, ctx, requests)) - names
        carried = names | values
        for call in func.calls:
            call = self.calls.offloaded(call, ctx) or call  # `to_thread.run_sync(check, headers)`: `check(headers)`
            args = [*call.args, *(value for _key, value in call.kwargs)]
            enclosed = self._enclosed(call, fv, func, ctx, carried)
            if not enclosed and not any(_carries(a, carried) or _credential_read(a, names) for a in args):
                continue
            if self.reaches is not None and \
                    not self.reaches(fv, call.line, frozenset(n for n in names if "." not in n)):
                continue  # on no path a request without credentials takes (after `if not token: return None`)
            value = not any(_carries(a, requests) for a in args)  # only a credential's value is handed on
            target = self.calls.callee(call, ctx, func)
            methods = self._provided_methods(call, target, fv, func)
            if isinstance(target, FuncV) or methods:
                own = this if this is not None and isinstance(call.func, ir.Attr) and \
                    isinstance(call.func.value, ir.Name) and func.params and \
                    call.func.value.id == func.params[0].name else None  # `self.verify(token)`
                for method in methods or ([target] if isinstance(target, FuncV) else []):
                    out.extend(self._project_sites(call, method, ctx, path, names, carried, requests, enclosed, depth,
                                                   own))
                continue
            if self._container_method(call, ctx):
                continue
            why = self._why(target, call, ctx)
            if why is not None:
                out.append(Site(ir.show(call, 80), path, call.line, why, value))
        found = tuple(sorted(set(out), key=lambda s: (s.path, s.line, s.call)))
        self._memo[key] = found
        return found

    def _scheme_values(self, func: Func, ctx: Ctx, requests: frozenset[str]) -> frozenset[str]:
        """The locals bound to what a `fastapi.security` scheme object called with the request gives (`token = await
        oauth2_scheme(request)`): the credential it read, or the None of a missing one (`auto_error=False`)."""
        out: set[str] = set()
        for bind in func.binds:
            value = bind.value
            if "." not in bind.name and isinstance(value, ir.Call) and \
                    any(_carries(a, requests) for a in value.args) and \
                    scheme_read(value, self.calls.callee(value, ctx, func)):
                out.add(bind.name)
        return frozenset(out)

    def _project_sites(self, call: ir.Call, target: FuncV, ctx: Ctx, path: str, names: frozenset[str],
                       carried: frozenset[str], requests: frozenset[str], enclosed: frozenset[str],
                       depth: int, this: ClassV | None = None) -> list[Site]:
        """The sites of a project function a call hands the request on to, read with its arguments bound.
        `this`: the class of the object the call is made on (`self.verify(token)` of a known object)."""
        callee = self.index.func(target)
        if callee is None:
            return [Site(ir.show(call, 80), path, call.line, "its definition cannot be read")]
        if is_abstract(callee):
            unwritten = this is not None and isinstance(call.func, ir.Attr) and \
                self.index.class_attr(this, call.func.attr) == target
            return [Site(ir.show(call, 80), path, call.line, abstract_reason(target, this if unwritten else None))]
        if depth >= MAX_CALL_DEPTH:
            return []
        skip = callee.class_name is not None and bool(callee.params) and callee.params[0].name in ("self", "cls")
        env = bind_args(callee, call, ctx, Ctx(target.module), skip_first=skip)
        bound = frozenset(name for name, expr in env.names.items()
                          if _carries(expr, carried) or _credential_read(_unbound(expr), names)) | enclosed
        return list(self.sites(target, bound, depth + 1, frozenset(
            name for name, expr in env.names.items() if _carries(expr, requests)) | (enclosed & requests)))

    def _provided_methods(self, call: ir.Call, target: Value, fv: FuncV, func: Func) -> list[FuncV]:
        """`auth_handler(request)` where `auth_handler = Depends(get_auth_handler)` and every object that function
        returns is of a project class (see `auth.provided`): the method each of those classes runs; or the
        function it returns on every path."""
        f = call.func
        param = f if isinstance(f, ir.Name) else f.value if isinstance(f, ir.Attr) else None
        if not isinstance(param, ir.Name) or (isinstance(f, ir.Name) and not isinstance(target, ParamV)):
            return []
        factory = dependency_of(self.index, fv, func, param.id)
        if factory is not None and isinstance(f, ir.Name):
            returned = self.provided.function_of(factory)  # the dependency hands a function over: that runs
            if returned is not None:
                return [returned]
        provided = self.provided.of(factory) if factory is not None else None
        if provided is None:
            return []
        name = f.attr if isinstance(f, ir.Attr) else "__call__"
        methods = [self.index.class_attr(choice.cls, name) for choice in provided.choices]
        return [m for m in methods if isinstance(m, FuncV)] if all(isinstance(m, FuncV) for m in methods) else []

    def _enclosed(self, call: ir.Call, fv: FuncV, func: Func, ctx: Ctx, carried: frozenset[str]) -> frozenset[str]:
        """The names of `carried` a function nested in `func` sees when `call` calls it (`def process(): check(
        request.headers)` in the handler, then `process()` or `to_thread.run_sync(process)`): Python's closures
        read the enclosing function's variables, which the nested function does not bind itself."""
        if not carried or not isinstance(call.func, ir.Name):
            return frozenset()
        target = self.calls.callee(call, ctx, func)
        if not isinstance(target, FuncV) or target.module != fv.module:
            return frozenset()
        nested = self.index.func(target)
        if nested is None or nested.parent != func.qualname:
            return frozenset()
        own = {p.name for p in nested.params} | set(nested.assigns)
        return frozenset(name for name in carried if name not in own and "." not in name)

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
            if self._declares_route(expr, ctx):
                continue
            return Site(f"@{ir.show(dec.expr, 80)}", self.index.path_of(fv.module), dec.line,
                        "a decorator the analysis cannot read makes the signature FastAPI sees")
        return None

    def _declares_route(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """`@router.get("/user")` on a function that is also a dependency (`Depends(get_current_user)`): a route
        decorator of FastAPI's app or router class (or a subclass that leaves it as FastAPI's) registers the
        function and hands it back unchanged, so FastAPI's view of it as a dependency is its own signature."""
        if not isinstance(expr, ir.Attr) or expr.attr not in ROUTE_DECORATORS:
            return False
        owners = options(self.index.resolve(expr.value, ctx))
        for owner in owners:
            if not isinstance(owner, InstanceV):
                return False
            cls = owner.cls
            if isinstance(cls, ExternalV) and cls.qualname in APP_CLASSES | ROUTER_CLASSES:
                continue
            if not isinstance(cls, ClassV) or not (APP_CLASSES | ROUTER_CLASSES) & set(self.index.external_bases(cls)):
                return False
        return bool(owners)

    def _container_method(self, call: ir.Call, ctx: Ctx) -> bool:
        """`TOKENS.get(token)`, `self.connections.append(websocket)`: a method of a dict, list or set the project
        writes literally (a module or local name, or an attribute its class's `__init__` sets): builtin code that
        neither rejects a request nor reads a credential."""
        f = call.func
        if not isinstance(f, ir.Attr) or not isinstance(f.value, (ir.Name, ir.Attr)):
            return False
        bound = self.index.assignment(f.value, ctx)
        expr = bound[0] if bound is not None else self._own_attribute(f.value, ctx)
        if expr is None:
            return False
        if isinstance(expr, ir.Bound):
            expr = expr.expr
        if bound is None:  # an attribute of `self`: only the container type's own methods are known
            kind = _CONTAINERS.get(expr.kind) if isinstance(expr, ir.Seq) else dict if isinstance(expr, ir.DictE) \
                else _CONTAINERS.get(expr.func.id) if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) \
                and not expr.args and not expr.kwargs else None
            return kind is not None and not f.attr.startswith("_") and hasattr(kind, f.attr)
        if isinstance(expr, (ir.DictE, ir.Seq)):
            return True
        return isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and \
            expr.func.id in ("dict", "set", "list", "frozenset", "defaultdict", "OrderedDict")

    def _own_attribute(self, expr: ir.Expr, ctx: Ctx) -> ir.Expr | None:
        """`self.attr` in a method: what the class's `__init__` assigns to it (None when the class sets it
        elsewhere only)."""
        if not (isinstance(expr, ir.Attr) and isinstance(expr.value, ir.Name) and ctx.scope is not None):
            return None
        func = self.index.func(FuncV(ctx.module, ctx.scope))
        if func is None or func.class_name is None or not func.params or func.params[0].name != expr.value.id:
            return None
        for owner in self.index.mro(ClassV(ctx.module, func.class_name)):
            cdef = self.index.cls(owner)
            assigned = cdef.instance_attrs.get(expr.attr) if cdef is not None else None
            if assigned is not None:
                method = self.index.func(FuncV(owner.module, assigned.function))
                return assigned.value if method is not None and method.name == "__init__" else None
        return None

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
        if isinstance(owner, ParamV):  # `self.session.execute(...)`, `session: AsyncSession` in `__init__`
            declared = self.index.declared_library_class(owner)
            if declared is not None:
                return ExternalV(f"{declared.qualname}.{f.attr}")
        return None

    def why(self, target: Value, call: ir.Call, ctx: Ctx) -> str | None:
        """Why the code a call of something other than a project function runs cannot be read (`target`: what
        `call.func` resolves to), as a site says it; None when it is known not to authenticate (the standard
        library, the framework, a builtin container's method)."""
        if self._container_method(call, ctx):
            return None
        return self._why(target, call, ctx)

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
                    # `getattr(request, "user", None)` reads an attribute, like `request.user`; only a name
                    # computed at run time may fetch something the analysis cannot know
                    name = call.arg(1, "name")
                    return None if isinstance(name, ir.Str) else "a callable looked up by name at run time"
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


def abstract_reason(target: FuncV, unwritten_in: ClassV | None) -> str:
    """Why a call of the abstract method `target` cannot be told: the override that runs is chosen at run time
    by the object's class, or `unwritten_in`, the object's known class, does not override it."""
    name = f"{target.module}.{target.qualname}"
    if unwritten_in is None:
        return f"{name} is abstract: the override that runs is the object's class's, chosen at run time"
    return f"{name} is abstract and {unwritten_in.name}, the object's class, does not override it (an abstract " \
        f"class cannot be made; a body that raises NotImplementedError fails every request)"
