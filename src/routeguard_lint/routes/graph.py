"""The route graph: apps, routers, includes, routes with full paths, and their dependency trees.

Built from the project index alone (no LibCST here). Three steps:

1. find the router objects (`FastAPI(...)`, `APIRouter(...)` and subclasses), route declarations
   (decorators, `add_api_route`, websockets) and edges (`include_router`, `mount`);
2. expand each route through every chain of includes up to an app: full path + the dependencies every
   level contributes, each with its provenance;
3. build the dependency tree of each route (`DepNode`s, shared between routes). Whether a route is
   protected is the auth judgement's question (auth/judge.py), asked of this table afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routeguard_lint.auth.calls import Calls, mentions_auth_state
from routeguard_lint.auth.vocabulary import (
    PASSWORD_FORMS,
    SCHEME_NAMES,
    Source,
    is_credential,
)
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, ModuleFacts, Param
from routeguard_lint.project.binding import bind_args, forward_call, free_names, subst
from routeguard_lint.project.callbacks import implied_calls
from routeguard_lint.project.index import (
    MAX_CALL_DEPTH,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    LiteralV,
    ParamV,
    UnknownV,
    Value,
    options,
    qualified_name,
)
from routeguard_lint.routes import limits
from routeguard_lint.routes.middleware import MiddlewareReader

if TYPE_CHECKING:
    from routeguard_lint.auth.judge import Judgement

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
APP_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends"})
SECURITY = frozenset({"fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})
NON_QUERY_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket", "Response", "BackgroundTasks",
                             "SecurityScopes", "UploadFile"})
PARAM_FUNCS = frozenset({"Header", "Cookie", "Query", "Path", "Body", "Form", "File"})

APP_URL_DEFAULTS = {"openapi_url": "/openapi.json", "docs_url": "/docs", "redoc_url": "/redoc",
                    "swagger_ui_oauth2_redirect_url": "/docs/oauth2-redirect"}
HEALTH_SEGMENTS = frozenset({"health", "healthz", "livez", "readyz", "ping", "health-check", "healthcheck"})


def _external_name(value: Value) -> str | None:
    return value.qualname if isinstance(value, ExternalV) else None


def _last(qualname: str | None) -> str:
    return qualname.rsplit(".", 1)[-1] if qualname else ""


def _outside(value: Value) -> bool:
    """A value the project's own code does not define and FastAPI's stack does not explain."""
    if isinstance(value, InstanceV):
        if value.cls is None:
            return True
        value = value.cls
    if isinstance(value, ExternalV):
        return value.qualname.split(".")[0] not in ("fastapi", "starlette", "pydantic", "builtins", "typing",
                                                    "typing_extensions")
    return isinstance(value, UnknownV)


def is_fastapi_name(qualname: str | None, names: frozenset[str] | set[str], package: str = "fastapi") -> bool:
    return bool(qualname) and (qualname.startswith(package + ".") or qualname.startswith("starlette.")) \
        and _last(qualname) in names


def _calls_in(expr: object, depth: int = 0) -> Iterator[ir.Call]:
    """Every call in an expression, outermost first (bounded depth)."""
    if depth > 12 or expr is None:
        return
    if isinstance(expr, ir.Call):
        yield expr
        yield from _calls_in(expr.func, depth + 1)
        for arg in expr.args:
            yield from _calls_in(arg, depth + 1)
        for _key, value in expr.kwargs:
            yield from _calls_in(value, depth + 1)
    elif isinstance(expr, (ir.Attr, ir.Star)):
        yield from _calls_in(expr.value, depth + 1)
    elif isinstance(expr, ir.Seq):
        for item in expr.items:
            yield from _calls_in(item, depth + 1)


# --------------------------------------------------------------------------------------------- records


@dataclass
class DepRef:
    """A dependency declared somewhere, not yet resolved."""

    expr: ir.Expr | None  # the callable expression (the `x` of `Depends(x)`), None for `Depends()`
    ctx: Ctx
    origin: str  # provenance, e.g. "APIRouter(dependencies=)" or "parameter current_user"
    path: str
    line: int
    annotation: ir.Expr | None = None  # for `Depends()`: the annotation is the dependency
    scopes: tuple = ()
    security: bool = False
    cbv: object = None  # a ClassV: the class-based view whose instance the method gets as `self`


@dataclass
class Include:
    parent: tuple
    child: tuple
    prefix: str
    deps: list[DepRef]
    path: str
    line: int
    conditions: tuple
    mount: bool = False
    env: object = None  # for a router made by a factory call: (factory qualname, module, binding.Env)


@dataclass
class OpaqueInclude:
    """`include_router(x)` where `x` is not a router the analysis can read (a library's, say)."""

    parent: tuple
    prefix: str
    deps: list
    label: str
    path: str
    line: int
    col: int
    end_col: int
    conditions: tuple


@dataclass
class MountDecl:
    """`app.mount(path, something)`: a sub-application, static files or another ASGI app."""

    owner: tuple
    prefix: str
    label: str
    kind: str  # "app" (a FastAPI sub-app, its routes are listed) | "router" | "static" | "wsgi" | "asgi" | "unresolved"
    path: str
    line: int
    conditions: tuple


@dataclass
class Mount:
    path: str  # full path of the mount point
    label: str
    kind: str
    file: str
    line: int
    conditions: tuple
    reachable: bool


@dataclass
class RouterNode:
    key: tuple
    kind: str  # "app" | "router"
    module: str
    path: str
    line: int
    prefix: str = ""
    deps: list[DepRef] = field(default_factory=list)
    included_by: list[Include] = field(default_factory=list)
    creation: tuple | None = None  # (call, ctx, cls) that made it, to re-read it for one factory call


@dataclass
class RouteDecl:
    router: tuple
    methods: tuple
    path: str
    handler: FuncV | None
    handler_name: str
    deps: list[DepRef]
    file: str
    line: int
    col: int
    end_col: int
    websocket: bool = False
    opaque: bool = False  # stands for the unknown routes of a router the analysis cannot read
    guards: tuple = ()  # (label, path, line) of decorators under the route decorator that check auth


@dataclass
class DepNode:
    """One node of a dependency tree: a callable FastAPI runs, or a credential source."""

    id: tuple
    label: str  # qualified display name
    kind: str  # function | class | instance | scheme | external | unresolved | header | cookie | request | query
    path: str | None = None
    line: int | None = None
    children: list = field(default_factory=list)  # [(DepNode, via)]
    credential: bool = False  # this node is itself a credential source
    rejects: bool = False  # this node itself can reject the request
    optional: bool = False  # a scheme with auto_error=False, or an optional credential header
    func: Func | None = None
    func_module: str | None = None
    params: list = field(default_factory=list)  # [(Param, classification)] for callables
    scheme_class: str | None = None
    token_url: str | None = None
    name_says_auth: bool = False
    calls_unknown: bool = False
    websocket_only: bool = True
    password_form: bool = False  # OAuth2PasswordRequestForm or a subclass: marks a login endpoint
    # Best-effort qualified name of a callable outside the project (external/unresolved nodes), e.g.
    # "fastapi_users.FastAPIUsers.current_user" for `users.current_user()`; matched by `auth-dependencies`.
    qualname: str | None = None


@dataclass
class Route:
    decl: RouteDecl
    methods: tuple
    full_path: str
    deps: list[DepRef]  # every declared dependency, outermost level first
    conditions: tuple
    reachable: bool
    root: DepNode | None = None  # the handler as a dependant, children = all effective deps
    mounted: bool = False
    apps: tuple = ()  # keys of the apps the route is served through, innermost first
    opaque: bool = False  # stands for the unknown routes of a router the analysis cannot read


@dataclass
class Graph:
    index: Index
    routers: dict
    routes: list[Route]
    nodes: dict  # id -> DepNode
    token_urls: list
    mounts: list = field(default_factory=list)  # [Mount]
    intent: object = None  # what declared intent (config, inline directives) did; set by api.analyze
    auth: Judgement | None = None  # the auth judgement of the routes (auth/judge.py); set by api.build


# ---------------------------------------------------------------------------------------- the builder


AUTH_NAME = re.compile(r"(auth|verif|current_?(active_?)?(super_?)?user|permission|login|guard|requir|"
                       r"admin_only|only_admin|check_(token|user|key|access|api)|access_control|protect)",
                       re.IGNORECASE)


class GraphBuilder:
    def __init__(self, index: Index):
        self.index = index
        self.routers: dict[tuple, RouterNode] = {}
        self.decls: list[RouteDecl] = []
        self.nodes: dict[tuple, DepNode] = {}
        self._building: set = set()
        self.calls = Calls(index)
        self._calls_by_name: dict | None = None
        self._pending_words: dict[str, list[ModuleFacts]] | None = None  # see _load_pending
        self._args_memo: dict = {}
        self.opaque: list[OpaqueInclude] = []
        self.mount_decls: list[MountDecl] = []
        self._deferred: list = []
        self.middleware = MiddlewareReader(self)

    # -- step 1: routers, routes, includes -----------------------------------------------------------
    def router_of(self, value: Value) -> RouterNode | None:
        if not isinstance(value, InstanceV):
            return None
        if value.key in self.routers:
            return self.routers[value.key]
        kind = self._router_kind(value.cls)
        if kind is None:
            return None
        facts = self.index.module(value.module)
        ctx = Ctx(value.module, value.scope)
        node = RouterNode(value.key, kind, value.module, facts.path if facts else value.module, value.call.line)
        self.routers[value.key] = node
        cls = value.cls
        if isinstance(cls, ExternalV) and cls.qualname not in APP_CLASSES and cls.qualname not in ROUTER_CLASSES:
            cls = self.index.materialize(cls)  # a library's router class (its __init__, its own routes)
        node.creation = (value.call, ctx, cls)
        node.prefix, node.deps = self._router_args(value.call, ctx, cls, kind, node.path)
        if kind == "app":  # FastAPI(middleware=[Middleware(AuthMiddleware, ...)])
            for item, ictx in self._items_ctx(value.call.kwarg("middleware"), ctx):
                if isinstance(item, ir.Call) and _last(_external_name(self.index.resolve(item.func, ictx))) \
                        == "Middleware" and item.args:
                    self.middleware.add(node.key, self.index.resolve(item.args[0], ictx), item.args[0], ictx,
                                        "FastAPI(middleware=)", node.path, item.line or node.line, item.kwargs)
        return node

    def _router_args(self, call: ir.Call, ctx: Ctx, cls: object, kind: str, path: str) -> tuple[str, list]:
        """The prefix and dependencies a `FastAPI(...)` / `APIRouter(...)` (or subclass) call ends up with."""
        call, ctx, owner = self._effective_call(call, ctx, cls)
        prefix = (self.index.string(call.kwarg("prefix"), ctx) or "") if kind == "router" else ""
        deps: list[DepRef] = []
        plain = f"{owner or ('FastAPI' if kind == 'app' else 'APIRouter')}(dependencies=)"
        for item, ictx in self._items_ctx(call.kwarg("dependencies"), ctx):
            origin = f"{ictx.scope} dependencies" if owner and ictx.scope and \
                ictx.scope.endswith(".__init__") else plain
            ref = self._depends_call(item, ictx, origin, self.index.path_of(ictx.module), call.line)
            if ref is not None:
                deps.append(ref)
        return prefix, deps

    def _effective_call(self, call: ir.Call, ctx: Ctx, cls: object) -> tuple[ir.Call, Ctx, str | None]:
        """For a project subclass of APIRouter/FastAPI: the call its `__init__` finally makes to FastAPI's
        class (`super().__init__(..., dependencies=[...], **kwargs)`), the caller's arguments bound to
        `__init__`'s parameters. Other calls come back unchanged."""
        owner_name = None
        for _ in range(6):
            if not isinstance(cls, ClassV):
                break
            init = self.index.class_attr(cls, "__init__")
            func = self.index.func(init) if isinstance(init, FuncV) else None
            if func is None or func.class_name is None:
                break
            init_ctx = Ctx(init.module, func.qualname)
            super_call = None
            for inner in func.calls:
                f = inner.func
                if isinstance(f, ir.Attr) and f.attr == "__init__":
                    if isinstance(f.value, ir.Call) and ir.dotted(f.value.func) == "super":
                        super_call = inner
                        break
                    base = self.index.resolve(f.value, init_ctx)
                    if isinstance(base, (ClassV, ExternalV)):
                        # `APIRouter.__init__(self, ...)`: drop the explicit self
                        super_call = ir.Call(f, inner.args[1:], inner.kwargs, inner.line, inner.col)
                        break
            if super_call is None:
                break
            env = bind_args(func, call, ctx, Ctx(init.module), skip_first=True)
            call = forward_call(super_call, env, init_ctx)
            ctx = init_ctx
            owner_name = owner_name or _last(cls.name)
            owner = ClassV(init.module, func.class_name)
            nxt = None
            cdef = self.index.cls(owner)
            for base_expr in (cdef.bases if cdef else []):
                value = self.index.resolve(base_expr, Ctx(owner.module))
                if isinstance(value, (ClassV, ExternalV)):
                    nxt = value
                    break
            cls = nxt
        return call, ctx, owner_name

    def _router_kind(self, cls: object) -> str | None:
        if isinstance(cls, ExternalV):
            if cls.qualname in APP_CLASSES:
                return "app"
            if cls.qualname in ROUTER_CLASSES:
                return "router"
            cls = self.index.materialize(cls)  # a library's APIRouter subclass, when its source is readable
            if not isinstance(cls, ClassV):
                return None
        if isinstance(cls, ClassV):
            bases = set(self.index.external_bases(cls))
            if bases & APP_CLASSES:
                return "app"
            if bases & ROUTER_CLASSES:
                return "router"
        return None

    def _dep_list(self, expr: ir.Expr | None, ctx: Ctx, origin: str, path: str, line: int) -> list[DepRef]:
        out: list[DepRef] = []
        for item, ictx in self._items_ctx(expr, ctx):
            ref = self._depends_call(item, ictx, origin, path, line)
            if ref is not None:
                out.append(ref)
        return out

    def _items(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[ir.Expr]:
        """The elements of a literal list/tuple (following a name bound to one, and `a + b`)."""
        return [item if ictx == ctx else ir.Bound(item, ictx) for item, ictx in self._items_ctx(expr, ctx, depth)]

    def _items_ctx(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[tuple[ir.Expr, Ctx]]:
        """The elements of a literal collection, each with the context it is read in: list/tuple/set
        literals (with `*spread`), `a + b`, `x or []`, a dict's `.values()` / `.keys()` / `.items()`
        (pairs), `list(x)` / `tuple(x)`, and names bound to any of those, across modules."""
        if expr is None or depth > 12:
            return []
        d = depth + 1
        if isinstance(expr, ir.Bound):
            return self._items_ctx(expr.expr, expr.ctx, d)  # type: ignore[arg-type]
        if isinstance(expr, ir.Seq):
            out: list[tuple[ir.Expr, Ctx]] = []
            for item in expr.items:
                if isinstance(item, ir.Star):
                    out.extend(self._items_ctx(item.value, ctx, d))
                else:
                    out.append((item, ctx))
            return out
        if isinstance(expr, ir.BinOp) and expr.op == "+":
            return self._items_ctx(expr.left, ctx, d) + self._items_ctx(expr.right, ctx, d)
        if isinstance(expr, ir.Comp):
            # `[Depends(f) for f in checks]`: the element once per item, the loop variables bound to it
            out = []
            for item, ictx in self._items_ctx(expr.iterable, ctx, d):
                if len(expr.names) == 1:
                    env = {expr.names[0]: ir.Bound(item, ictx)}
                else:
                    parts = self._items_ctx(item, ictx, d)
                    if len(parts) != len(expr.names):
                        return []  # an item whose parts cannot be told: the whole collection cannot be either
                    env = {n: ir.Bound(p, pctx) for n, (p, pctx) in zip(expr.names, parts) if n}
                out.append((subst(expr.elt, env), ctx))
            return out
        if isinstance(expr, ir.IfExp):
            # `[Depends(auth)] if secured else []`: the branch the (bound) condition selects; when it cannot
            # be told, neither (a dependency that may be absent protects nothing)
            test = self.index.truth(expr.test, ctx)
            return [] if test is None else self._items_ctx(expr.body if test else expr.orelse, ctx, d)
        if isinstance(expr, ir.BoolOp) and expr.op == "or":
            for value in expr.values:
                items = self._items_ctx(value, ctx, d)
                if items:
                    return items
            return []
        if isinstance(expr, ir.Call):
            f = expr.func
            if isinstance(f, ir.Attr) and f.attr in ("values", "keys", "items") and not expr.args:
                pairs = self._dict_items(f.value, ctx, d)
                if f.attr == "values":
                    return [(v, c) for _k, v, c in pairs]
                if f.attr == "keys":
                    return [(k, c) for k, _v, c in pairs]
                return [(ir.Seq("tuple", (k, v)), c) for k, v, c in pairs]
            if isinstance(f, ir.Name) and f.id in ("list", "tuple", "set", "sorted", "reversed") and \
                    len(expr.args) == 1:
                return self._items_ctx(expr.args[0], ctx, d)
            if isinstance(f, ir.Name) and f.id == "__item__" and len(expr.args) == 2:
                # element i of each item of a collection (`for a, b in pairs:`)
                index = expr.args[1].value if isinstance(expr.args[1], ir.Const) else -1
                out = []
                for item, ictx in self._items_ctx(expr.args[0], ctx, d):
                    parts = self._items_ctx(item, ictx, d)
                    if 0 <= index < len(parts):  # type: ignore[operator]
                        out.append(parts[index])  # type: ignore[index]
                return out
            return []
        bound = self._binding(expr, ctx)
        if bound is not None:
            items = self._items_ctx(bound[0], bound[1], d)
            name = expr.id if isinstance(expr, ir.Name) else expr.attr if isinstance(expr, ir.Attr) else None
            if name and isinstance(bound[0], (ir.Seq, ir.Comp, ir.BinOp)):  # a new list, then `.append`s
                items += self._appended(name, bound[1], d)
            return items
        return []

    def _appended(self, name: str, ctx: Ctx, depth: int) -> list[tuple[ir.Expr, Ctx]]:
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
                out.extend(self._items_ctx(call.args[0], ctx, depth + 1))
        return out

    def _dict_items(self, expr: ir.Expr, ctx: Ctx, depth: int) -> list[tuple]:
        """(key, value, ctx) of a dict literal (or a name bound to one)."""
        for _ in range(10):
            if isinstance(expr, ir.Bound):
                expr, ctx = expr.expr, expr.ctx  # type: ignore[assignment]
                continue
            if isinstance(expr, ir.DictE):
                out = []
                for key, value in expr.items:
                    if key is None:
                        out.extend(self._dict_items(value, ctx, depth + 1) if depth < 12 else [])
                    else:
                        out.append((key, value, ctx))
                return out
            bound = self._binding(expr, ctx)
            if bound is None:
                return []
            expr, ctx = bound
        return []

    def _binding(self, expr: ir.Expr, ctx: Ctx) -> tuple[ir.Expr, Ctx] | None:
        """The expression a name is bound to (see `Index.binding`); a substituted argument is its own."""
        if isinstance(expr, ir.Bound):
            return expr.expr, expr.ctx  # type: ignore[return-value]
        return self.index.binding(expr, ctx)

    def _depends_call(self, item: ir.Expr, ctx: Ctx, origin: str, path: str, line: int) -> DepRef | None:
        if not isinstance(item, ir.Call):
            return None
        callee = _external_name(self.index.resolve(item.func, ctx))
        if callee not in DEPENDS and callee not in SECURITY:
            return None
        scopes = tuple(self.index.string(s, ctx) or ir.show(s) for s in self._items(item.kwarg("scopes"), ctx))
        return DepRef(item.arg(0, "dependency"), ctx, origin, path, item.line or line, scopes=scopes,
                      security=callee in SECURITY)

    def collect(self) -> None:
        for facts in self.index.modules:
            self._collect_module(facts)
        # library modules read while resolving the project's includes declare routes too (a library's
        # `get_auth_router()` builds its router); they may pull in more modules, up to the loader's bound
        done: set = set()
        while True:
            todo = sorted(m for m in self.index.lib_modules if m not in done)
            if not todo:
                break
            for name in todo:
                done.add(name)
                facts = self.index.module(name)
                if facts is not None:
                    self._collect_module(facts)
        # routes a router class declares on `self` (in `__init__`, say): once per instance the project makes
        deferred, self._deferred = self._deferred, None
        for kind, facts, item, cls_v in deferred or ():
            for node, env in self._instances(cls_v):
                if kind == "decorated":
                    self._decorated(facts, item, env)
                else:
                    self._call_site(facts, subst(item.call, env), Ctx(facts.module, item.scope), item.conditions,
                                    item.col, item.end_col, getattr(item, "loop_vars", ()))

    def _collect_module(self, facts: ModuleFacts) -> None:
        if facts.error:
            return
        for func in facts.functions.values():
            if func.decorators:
                cls_v = self._on_self(func.decorators, Ctx(facts.module, func.parent))
                if cls_v is not None:
                    self._deferred.append(("decorated", facts, func, cls_v))
                else:
                    self._decorated(facts, func)
        for site in facts.calls:
            ctx = Ctx(facts.module, site.scope)
            f = site.call.func
            cls_v = self._self_router_class(f.value, ctx) if isinstance(f, ir.Attr) and site.scope else None
            if cls_v is not None:
                self._deferred.append(("call", facts, site, cls_v))
                continue
            self._call_site(facts, site.call, ctx, site.conditions, site.col, site.end_col,
                            getattr(site, "loop_vars", ()))

    def _on_self(self, decorators: list, ctx: Ctx) -> ClassV | None:
        if ctx.scope is None:
            return None
        for dec in decorators:
            call = dec.expr
            if isinstance(call, ir.Call) and isinstance(call.func, ir.Attr) and (
                    call.func.attr in HTTP_METHODS or call.func.attr in ("api_route", "websocket", "route")):
                found = self._self_router_class(call.func.value, ctx)
                if found is not None:
                    return found
        return None

    def _self_router_class(self, expr: ir.Expr, ctx: Ctx) -> ClassV | None:
        """The router class when `expr` is the `self` of one of its methods (`self.add_api_route(...)`,
        `@self.get(...)` in `__init__`)."""
        if not isinstance(expr, ir.Name) or ctx.scope is None:
            return None
        value = self.index.resolve(expr, ctx)
        if not isinstance(value, ParamV):
            return None
        func = self.index.func(FuncV(value.module, value.func))
        if func is None or func.class_name is None or not func.params or func.params[0].name != value.name:
            return None
        cls_v = ClassV(value.module, func.class_name)
        return cls_v if self._router_kind(cls_v) else None

    def _instances(self, cls_v: ClassV) -> list[tuple[RouterNode, dict]]:
        """The routers made from `cls_v` (or a subclass), each with a substitution for `self` and for its
        `__init__` parameters (the arguments that instance was made with)."""
        out = []
        init = self.index.class_attr(cls_v, "__init__")
        init_func = self.index.func(init) if isinstance(init, FuncV) else None
        for node in list(self.routers.values()):
            if node.creation is None or not isinstance(node.creation[2], ClassV) or \
                    cls_v not in self.index.mro(node.creation[2]):
                continue
            call, ctx, _cls = node.creation
            kind = node.key[0] if node.key else None
            if kind == "global":
                me: ir.Expr = ir.Bound(ir.Name(node.key[2]), Ctx(node.key[1]))
            elif kind == "local":
                me = ir.Bound(ir.Name(node.key[3]), Ctx(node.key[1], node.key[2]))
            else:
                me = ir.Bound(call, ctx)
            names = {}
            if init_func is not None:
                names = dict(bind_args(init_func, call, ctx, Ctx(init.module), skip_first=True).names)
            names["self"] = me
            out.append((node, names))
        return out

    def _decorated(self, facts: ModuleFacts, func: Func, env: dict | None = None) -> None:
        ctx = Ctx(facts.module, func.parent)
        for dec in func.decorators:
            call = subst(dec.expr, env) if env else dec.expr
            if not isinstance(call, ir.Call) or not isinstance(call.func, ir.Attr):
                continue
            method = call.func.attr
            if method == "middleware":  # @app.middleware("http"), once per calling context (like routes)
                added: set = set()
                for cctx in self.contexts(ctx, free_names(call)):
                    for owner in self._routers_at(call.func.value, cctx):
                        if owner.kind == "app" and owner.key not in added:
                            added.add(owner.key)
                            self.middleware.add(owner.key, FuncV(facts.module, func.qualname), None, cctx,
                                                f"@{ir.show(call)}", facts.path, dec.line)
                continue
            if method not in HTTP_METHODS and method not in ("api_route", "websocket", "route"):
                continue
            seen: set = set()
            # a decorator inside a function (a router factory) is read once per call of that function
            for cctx in self.contexts(ctx, free_names(call)):
                routers = self._routers_at(call.func.value, cctx)
                if not routers:
                    continue
                path = self._path_string(call.arg(0, "path"), cctx)
                if path is None:
                    path = ir.show(call.arg(0, "path")) or "?"
                websocket = method == "websocket"
                if websocket:
                    methods: tuple = ("WEBSOCKET",)
                elif method in ("api_route", "route"):
                    methods = self._methods(call.kwarg("methods"), cctx) or ("GET",)
                else:
                    methods = (method.upper(),)
                deps = self._dep_list(call.kwarg("dependencies"), cctx, "route decorator dependencies=",
                                      facts.path, dec.line)
                view = self._cbv_class(facts, func)
                if view is not None:
                    deps = [DepRef(None, Ctx(view.module), f"class-based view {view.name}", facts.path, dec.line,
                                   cbv=view), *deps]
                # decorators below the route decorator wrap what the router registers
                below = func.decorators[func.decorators.index(dec) + 1:]
                guards = tuple(g for g in (self._auth_decorator(d, ctx) for d in below) if g is not None)
                for router in routers:
                    if (router.key, methods, path) in seen:
                        continue
                    seen.add((router.key, methods, path))
                    self.decls.append(RouteDecl(router.key, methods, path, FuncV(facts.module, func.qualname),
                                                f"{facts.module}.{func.qualname}", deps, facts.path, dec.line,
                                                dec.col, dec.end_col, websocket, guards=guards))

    def _path_string(self, expr: ir.Expr | None, ctx: Ctx) -> str | None:
        """A route path: a constant string, or an app's own URL setting (`app.swagger_ui_oauth2_redirect_url`,
        `app.openapi_url`, ...: the value given to `FastAPI(...)` or FastAPI's default)."""
        text = self.index.string(expr, ctx)
        if text is not None or not isinstance(expr, ir.Attr) or expr.attr not in APP_URL_DEFAULTS:
            return text
        node = self.router_of(self.index.resolve(expr.value, ctx))
        if node is None or node.kind != "app" or node.creation is None:
            return None
        call, cctx, _cls = node.creation
        given = call.kwarg(expr.attr)
        return self.index.string(given, cctx) if given is not None else APP_URL_DEFAULTS[expr.attr]

    def _decorator_call(self, facts: ModuleFacts, call: ir.Call, ctx: Ctx, col: int, end_col: int) -> None:
        """`app.get("/x")(handler)` and `app.middleware("http")(func)`: a route decorator applied by hand."""
        dec_call = call.func
        assert isinstance(dec_call, ir.Call) and isinstance(dec_call.func, ir.Attr)
        method = dec_call.func.attr
        if method not in HTTP_METHODS and method not in ("api_route", "websocket", "middleware"):
            return
        target = self.index.resolve_at(call.args[0], ctx, call.line)
        if not isinstance(target, FuncV):
            return
        routers = self._routers_at(dec_call.func.value, ctx)
        if method == "middleware":
            for owner in routers:
                if owner.kind == "app":
                    self.middleware.add(owner.key, target, call.args[0], ctx, f"{ir.show(dec_call)}(...)",
                                        facts.path, call.line)
            return
        if not routers:
            return
        path = self._path_string(dec_call.arg(0, "path"), ctx)
        if path is None:
            path = ir.show(dec_call.arg(0, "path")) or "?"
        if method == "websocket":
            methods: tuple = ("WEBSOCKET",)
        elif method == "api_route":
            methods = self._methods(dec_call.kwarg("methods"), ctx) or ("GET",)
        else:
            methods = (method.upper(),)
        deps = self._dep_list(dec_call.kwarg("dependencies"), ctx, "route decorator dependencies=", facts.path,
                              call.line)
        for router in routers:
            self.decls.append(RouteDecl(router.key, methods, path, target, f"{target.module}.{target.qualname}",
                                        deps, facts.path, call.line, col, end_col, method == "websocket"))

    def _methods(self, expr: ir.Expr | None, ctx: Ctx) -> tuple:
        out = []
        for item in self._items(expr, ctx):
            text = self.index.string(item, ctx)
            if text:
                out.append(text.upper())
        return tuple(sorted(set(out)))

    def _call_site(self, facts: ModuleFacts, call: ir.Call, ctx: Ctx, conditions: tuple, site_col: int = 1,
                   site_end: int = 1, loop_vars: tuple = ()) -> None:
        f = call.func
        if isinstance(f, ir.Call) and isinstance(f.func, ir.Attr) and len(call.args) == 1:
            for cctx in self.contexts(ctx, free_names(call)):
                self._decorator_call(facts, call, cctx, site_col, site_end)
            return
        if not isinstance(f, ir.Attr) or f.attr not in ("include_router", "add_api_route", "mount",
                                                        "add_api_websocket_route", "add_route", "add_middleware"):
            return
        for cctx in self.contexts(ctx, free_names(call)):
            owners = self._routers_at(f.value, cctx)
            if not owners:
                continue
            for env in self._iterations(call, loop_vars, cctx):
                one = self.index.spread_kwargs(subst(call, env) if env else call, cctx)
                for owner in owners:
                    self._one_call(facts, one, owner, cctx, conditions, site_col, site_end)

    def contexts(self, ctx: Ctx, names: set, depth: int = 0) -> list[Ctx]:
        """The contexts to read code written in function `ctx.scope` in: when the function has parameters
        (`def register(app): app.include_router(...)`), one context per call of the function in the
        project, that call's arguments bound (`Ctx.env`; the callers' own parameters bound the same way, up
        to index.MAX_CALL_DEPTH); else, or when nothing calls it, `ctx` itself. `names`: what the code
        reads (unused for now: every parameter counts)."""
        if ctx.scope is None or depth >= MAX_CALL_DEPTH:
            return [ctx]
        key = ("contexts", ctx, depth)
        if key in self._args_memo:
            return self._args_memo[key]
        self._args_memo[key] = [ctx]  # cycle guard (recursive functions)
        out: list[Ctx] = []
        func = self.index.func(FuncV(ctx.module, ctx.scope))
        if func is not None and not ctx.env:
            # any parameter counts, not only those `names` reads: the body's locals are made per call too
            # (`router = APIRouter(prefix=prefix)` then `@router.get(...)`)
            params = {p.name for p in func.params}
            fv = FuncV(ctx.module, func.qualname)
            if params and self.index.self_class(ParamV(ctx.module, func.qualname, func.params[0].name)) \
                    is not None and params == {func.params[0].name}:
                params = set()  # only `self`: read once, as the class's own code
            if params:
                for call, cctx in self._callers(fv, func):
                    for outer in self.contexts(cctx, free_names(call), depth + 1):
                        method = func.class_name is not None and isinstance(call.func, ir.Attr) and \
                            self.index.self_class(ParamV(ctx.module, func.qualname, func.params[0].name)) \
                            is not None
                        inner = self.index.call_env(fv, func, call, outer, skip_first=method)
                        if inner not in out:
                            out.append(inner)
                        if len(out) >= 64:
                            break
        result = out or [ctx]
        self._args_memo[key] = result
        return result

    def _one_call(self, facts: ModuleFacts, call: ir.Call, owner: RouterNode, ctx: Ctx, conditions: tuple,
                  site_col: int, site_end: int) -> None:
        f = call.func
        assert isinstance(f, ir.Attr)
        if f.attr == "add_middleware":
            if owner.kind == "app" and not any(mw.app == owner.key and mw.file == facts.path and mw.line == call.line
                                               for mw in self.middleware.found):  # once per app, whatever context
                target = call.arg(0, "middleware_class")
                self.middleware.add(owner.key, self.index.resolve(target, ctx), target, ctx,
                                    f"{ir.show(f.value)}.add_middleware({ir.show(target)})", facts.path, call.line,
                                    tuple(kv for kv in call.kwargs if kv[0] != "**"))
            return
        if f.attr == "include_router":
            arg = call.arg(0, "router")
            value = self.index.resolve(arg, ctx)
            children = [n for n in (self.router_of(o) for o in options(value)) if n is not None]
            if len(children) > 1:  # `a if flag else b`: each alternative is included
                for child in children:
                    self._include(facts, call, owner, child, ctx, conditions, arg)
                return
            child = children[0] if children else None
            if child is None and self.index.library is not None:
                child = self.router_of(self.index.resolve_lib(arg, ctx))  # a router a library builds
            prefix = self.index.string(call.kwarg("prefix"), ctx) or ""
            deps = self._dep_list(call.kwarg("dependencies"), ctx, "include_router(dependencies=)",
                                  facts.path, call.line)
            if child is None:
                shown = ir.show(arg) if arg is not None else \
                    next((f"**{ir.show(v)}" for k, v in call.kwargs if k == "**"), None)  # an unknown mapping
                if shown is not None:
                    self.opaque.append(OpaqueInclude(owner.key, prefix, deps, shown, facts.path, call.line,
                                                     site_col, site_end, conditions))
                return
            self._include(facts, call, owner, child, ctx, conditions, arg)
        elif f.attr == "mount":
            target = call.arg(1, "app")
            prefix = self.index.string(call.arg(0, "path"), ctx)
            if prefix is not None:
                prefix = prefix.rstrip("/")  # as Starlette's Mount keeps it: `mount("/", sub)` serves `/x`
            value = self.index.resolve(target, ctx)
            child = self.router_of(value)
            if child is not None and child.kind == "app" and child.key != owner.key:
                child.included_by.append(Include(owner.key, child.key, prefix or "", [], facts.path, call.line,
                                                 conditions, mount=True))
            self.mount_decls.append(MountDecl(owner.key, prefix if prefix is not None else
                                              ir.show(call.arg(0, "path")) or "?",
                                              self._mount_label(value, target), self._mount_kind(value, child),
                                              facts.path, call.line, conditions))
        else:
            path = self._path_string(call.arg(0, "path"), ctx)
            endpoint = self.index.resolve(call.arg(1, "endpoint"), ctx)
            if path is None and not isinstance(endpoint, FuncV):
                # re-registration by a helper (`router.add_api_route(route.path, route.endpoint)` in a
                # class-based-view decorator, say): nothing to say about routes it makes from runtime values
                return
            if path is None:
                path = ir.show(call.arg(0, "path")) or "?"
            websocket = f.attr == "add_api_websocket_route"
            if websocket:
                methods: tuple = ("WEBSOCKET",)
            else:
                methods = self._methods(call.kwarg("methods"), ctx) or ("GET",)
            deps = self._dep_list(call.kwarg("dependencies"), ctx, "add_api_route(dependencies=)", facts.path,
                                  call.line)
            handler = endpoint if isinstance(endpoint, FuncV) else None
            name = f"{endpoint.module}.{endpoint.qualname}" if handler else ir.show(call.arg(1, "endpoint"))
            self.decls.append(RouteDecl(owner.key, methods, path, handler, name, deps, facts.path, call.line,
                                        site_col, site_end, websocket))

    def _include(self, facts: ModuleFacts, call: ir.Call, owner: RouterNode, child: RouterNode, ctx: Ctx,
                 conditions: tuple, arg: ir.Expr | None) -> None:
        if child.key == owner.key:
            return
        prefix = self.index.string(call.kwarg("prefix"), ctx) or ""
        deps = self._dep_list(call.kwarg("dependencies"), ctx, "include_router(dependencies=)", facts.path,
                              call.line)
        inc = Include(owner.key, child.key, prefix, deps, facts.path, call.line, conditions,
                      env=self._factory_env(arg, ctx))
        if not any(i.parent == inc.parent and i.path == inc.path and i.line == inc.line and i.prefix == inc.prefix
                   for i in child.included_by):  # the same include read in several calling contexts
            child.included_by.append(inc)

    def _mount_kind(self, value: Value, child: RouterNode | None) -> str:
        if child is not None:
            return "app" if child.kind == "app" else "router"
        cls = value.cls if isinstance(value, InstanceV) else value
        name = cls.qualname if isinstance(cls, ExternalV) else None
        if isinstance(cls, ClassV):
            bases = self.index.external_bases(cls)
            name = bases[0] if bases else None
        if name and _last(name) == "StaticFiles":
            return "static"
        if name and _last(name) in ("WSGIMiddleware",):
            return "wsgi"
        if isinstance(value, (InstanceV, ExternalV, ClassV, FuncV)):
            return "asgi"
        return "unresolved"

    def _mount_label(self, value: Value, expr: ir.Expr | None) -> str:
        if isinstance(value, InstanceV):
            if value.key and value.key[0] in ("global", "local"):
                return ".".join(str(k) for k in value.key[1:3 if value.key[0] == "global" else 4] if k)
            made_by = qualified_name(value.cls)
            if made_by is not None:
                return f"{made_by}(...)"
        return qualified_name(value) or ir.show(expr)

    # -- routers reached through parameters, loops and factories --------------------------------------
    def _routers_at(self, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> list[RouterNode]:
        """The routers/apps an expression can be: itself, or, for a parameter (`def register(app):
        app.include_router(...)`), whatever the function's callers pass."""
        value = self.index.resolve(expr, ctx)
        out: list[RouterNode] = []
        for option in options(value):  # `app if flag else router`: each alternative
            node = self.router_of(option)
            if node is not None and node not in out:
                out.append(node)
        if out:
            return out
        if isinstance(value, ParamV) and depth < 3 and not ctx.env:
            # a parameter of a function read without a calling context: whatever its callers pass
            for cctx in self.contexts(Ctx(value.module, value.func), {value.name}):
                if cctx.env:
                    out.extend(n for n in self._routers_at(expr, cctx, depth + 1) if n not in out)
            return out
        return []

    def _callers(self, fv: FuncV, func: Func) -> list[tuple[ir.Call, Ctx]]:
        if self._load_pending(func.name):
            self._calls_by_name = None  # newly parsed modules may hold call sites of `func`
        if self._calls_by_name is None:
            table: dict[str, list] = {}
            for facts in self.index.modules:
                for owner in facts.functions.values():
                    octx = Ctx(facts.module, owner.qualname)
                    for call in owner.calls:
                        name = call.func.id if isinstance(call.func, ir.Name) else \
                            call.func.attr if isinstance(call.func, ir.Attr) else None
                        if name:
                            table.setdefault(name, []).append((call, octx))
                        self._implied(call, owner.assigns, octx, table)
                # module level: the recorded call sites and the right-hand sides of assignments, with the
                # calls nested in them (`app = create_app(load())`, `app.include_router(make_router("/a"))`)
                tops = [site.call for site in facts.calls if site.scope is None] + \
                    [expr for expr in facts.assigns.values() if isinstance(expr, ir.Call)]
                seen_calls: set = set()
                for top in tops:
                    for call in _calls_in(top):
                        f = call.func
                        name = f.id if isinstance(f, ir.Name) else f.attr if isinstance(f, ir.Attr) else None
                        if name and id(call) not in seen_calls:
                            seen_calls.add(id(call))
                            table.setdefault(name, []).append((call, Ctx(facts.module)))
                            self._implied(call, facts.assigns, Ctx(facts.module), table)
            self._calls_by_name = table
        out = []
        for call, cctx in self._calls_by_name.get(func.name, ())[:200]:
            if self.index.resolve(call.func, cctx) == fv:
                out.append((call, cctx))
        return out

    def _implied(self, call: ir.Call, assigns: dict, ctx: Ctx, table: dict) -> None:
        """Record the calls the framework makes to callbacks an application is given (`FastAPI(lifespan=f)`
        calls `f(app)`), as call sites of those callbacks."""
        if call.kwargs:
            for name, implied in implied_calls(call, assigns):
                if self._router_kind(self.index.resolve(call.func, ctx)) == "app":
                    table.setdefault(name, []).append((implied, ctx))

    def _load_pending(self, name: str) -> bool:
        """Parse the modules not parsed yet (demand-driven mode, `ModuleFacts.pending`) whose text mentions
        `name`: the call sites of a function are looked up by its name, so these are the only files that can
        hold one. True when any was parsed."""
        if self._pending_words is None:
            self._pending_words = {}
            for facts in self.index.modules:
                if facts.pending:
                    for word in set(facts.words.split()):
                        self._pending_words.setdefault(word, []).append(facts)
        loaded = False
        for facts in self._pending_words.pop(name, ()):
            if facts.pending:
                self.index.by_name.get(facts.module, facts).functions  # noqa: B018 - the read parses it
                loaded = True
        return loaded

    def _iterations(self, call: ir.Call, loop_vars: tuple, ctx: Ctx) -> list[dict]:
        """One substitution per iteration of the enclosing `for` loops whose variables the call uses,
        when they loop over a literal collection (`for r in [a.router, b.router]`, `for r in ROUTERS`,
        `for name, r in ROUTERS.items()`); `[{}]` when none do."""
        if not loop_vars:
            return [{}]
        needed = free_names(call)
        chosen = []
        for names, iterable in reversed(loop_vars):
            if needed & set(n for n in names if n):
                chosen.append((names, iterable))
                needed |= free_names(iterable)
        envs: list[dict] = [{}]
        for names, iterable in reversed(chosen):
            grown: list[dict] = []
            for env in envs:
                items = self._items_ctx(subst(iterable, env) if env else iterable, ctx)
                if not items:
                    grown.append(env)
                    continue
                for item, ictx in items:
                    new = dict(env)
                    if len(names) == 1:
                        new[names[0]] = ir.Bound(item, ictx)
                    else:
                        parts = self._items_ctx(item, ictx)
                        for i, name in enumerate(names):
                            if name and i < len(parts):
                                new[name] = ir.Bound(parts[i][0], parts[i][1])
                    grown.append(new)
            envs = grown[:256]
        return envs

    def _factory_env(self, expr: ir.Expr | None, ctx: Ctx):
        """For a router made by a project function (`make_router("/a")`, or a name bound to such a
        call): that call's arguments bound to the function's parameters."""
        for _ in range(8):
            if expr is None:
                return None
            if isinstance(expr, ir.Bound):
                expr, ctx = expr.expr, expr.ctx  # type: ignore[assignment]
                continue
            if isinstance(expr, ir.Call):
                callee = self.index.resolve(expr.func, ctx)
                func = self.index.func(callee) if isinstance(callee, FuncV) else None
                if func is None or not func.params or func.class_name is not None:
                    return None
                env = bind_args(func, expr, ctx, Ctx(callee.module), skip_first=False)
                return (func.qualname, callee.module, env)
            if isinstance(expr, (ir.Name, ir.Attr)):
                bound = self._binding(expr, ctx)
                if bound is None:
                    return None
                expr, ctx = bound
                continue
            return None
        return None

    def _node_args(self, node: RouterNode, env) -> tuple[str, list]:
        """A router's prefix and dependencies, re-read for one factory call when it was made inside
        that factory from its parameters."""
        if env is None or node.creation is None:
            return node.prefix, node.deps
        call, ctx, cls = node.creation
        qualname, module, bound = env
        if ctx.module != module or ctx.scope != qualname:
            return node.prefix, node.deps
        key = (node.key, id(env))
        if key not in self._args_memo:
            self._args_memo[key] = self._router_args(subst(call, bound.names), ctx, cls, node.kind, node.path)
        return self._args_memo[key]

    # -- middleware -----------------------------------------------------------------------------------
    def middleware_nodes(self, route: Route) -> list[tuple[DepNode, str]]:
        """The authenticating middleware of every app the route is served through (a mounted app's parent
        middleware included), unless it exempts the route's path."""
        out = []
        for mw in self.middleware.found:
            if mw.kind not in ("auth", "unknown") or mw.app not in route.apps or mw.exempts(route.full_path):
                continue
            label = f"middleware {mw.label}"
            if mw.kind == "unknown":
                node = self._leaf(("middleware??", mw.label), label + " (whether it hands a request without "
                                  "credentials on to the app depends on a value the analysis cannot compute)",
                                  "unresolved", mw.def_path or mw.file, mw.undecided_at or mw.def_line or mw.line)
            elif mw.unknown_exemptions:
                node = self._leaf(("middleware?", mw.label), label + " (exempts paths the analysis cannot read)",
                                  "unresolved", mw.def_path or mw.file, mw.def_line or mw.line)
            else:
                node = self._leaf(("middleware", mw.label), label, "middleware", mw.def_path or mw.file,
                                  mw.def_line or mw.line)
                node.credential = node.rejects = True
            out.append((node, mw.origin))
        return out

    # -- class-based views and guard decorators ------------------------------------------------------
    def _cbv_class(self, facts: ModuleFacts, func: Func) -> ClassV | None:
        """The class of a method route when a class-based-view decorator (`@cbv(router)` of fastapi-utils /
        fastapi-restful, or a project decorator built the same way) makes FastAPI inject an instance of it
        as `self`; None otherwise."""
        if func.class_name is None:
            return None
        cls_v = ClassV(facts.module, func.class_name)
        key = ("cbv-class", cls_v)
        if key not in self._args_memo:
            cdef = facts.classes.get(func.class_name)
            found = False
            for dec in (cdef.decorators if cdef else []):
                expr = dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr
                value = self.index.resolve(expr, Ctx(facts.module))
                if isinstance(value, ExternalV):
                    found = value.qualname.split(".")[0] in ("fastapi_utils", "fastapi_restful") and \
                        _last(value.qualname) == "cbv"
                elif isinstance(value, FuncV):
                    found = self._injects_class(value)
                if found:
                    break
            self._args_memo[key] = cls_v if found else None
        return self._args_memo[key]

    def _injects_class(self, fv: FuncV) -> bool:
        """A project decorator (factory) that, itself or through the functions it defines and calls, makes
        `Depends(<a parameter>)`: it turns the decorated class into the endpoints' `self` dependency."""
        seen: set = set()
        todo = [(fv, 0)]
        while todo and len(seen) < 40:
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
                if _external_name(callee) in DEPENDS and call.args and \
                        isinstance(self.index.resolve(call.args[0], ctx), ParamV):
                    return True
                if isinstance(callee, FuncV) and depth < 4:
                    todo.append((callee, depth + 1))
            for nested in func.nested:
                if depth < 4:
                    todo.append((FuncV(current.module, nested), depth + 1))
        return False

    def _cbv_node(self, cls_v: ClassV) -> DepNode:
        """The view class as the dependency FastAPI resolves for `self`: its annotated class attributes
        (what `get_type_hints` sees, `_private` and `ClassVar` ones left out) and its `__init__` parameters."""
        key = ("cbv", cls_v)
        node = self.nodes.get(key)
        if node is not None:
            return node
        cdef = self.index.cls(cls_v)
        node = DepNode(key, f"{cls_v.module}.{cls_v.name}", "class", self.index.path_of(cls_v.module),
                       cdef.line if cdef else None)
        self.nodes[key] = node
        done: set = set()
        for owner in self.index.mro(cls_v):
            odef = self.index.cls(owner)
            if odef is None:
                continue
            octx = Ctx(owner.module)
            for name, (annotation, line) in getattr(odef, "annotations", {}).items():
                if name in done or name.startswith("_"):
                    continue
                done.add(name)
                if "ClassVar" in ir.show(annotation):
                    continue
                default = odef.attrs.get(name)
                if isinstance(default, ir.Unknown):
                    default = None
                param = Param(name, "kwonly", annotation, default, line, 1)
                self._param_child(node, param, octx, f"{owner.name}.{name}", self.index.path_of(owner.module))
        init = self.index.class_attr(cls_v, "__init__")
        func = self.index.func(init) if isinstance(init, FuncV) else None
        if func is not None:
            # parameter defaults and annotations are evaluated where the `def` is, not in its body
            ictx = Ctx(init.module, func.parent)
            for param in func.params[1:]:
                if param.kind not in ("vararg", "kwarg"):
                    self._param_child(node, param, ictx, f"__init__ {param.name}", self.index.path_of(init.module))
            node.rejects = self.can_reject(init)
        return node

    def _param_child(self, node: DepNode, param: Param, ctx: Ctx, via: str, path: str) -> None:
        kind, payload = self.classify_param(param, ctx)
        node.params.append((param, (kind, payload)))
        if kind == "depends":
            node.children.append((self.dep_node(payload), via))
        elif kind in ("header", "cookie") and payload["credential"]:
            src = self._leaf(("cred", node.id, param.name), f"{kind.capitalize()} {payload['alias']!r}", kind,
                             path, param.line)
            src.credential = True
            src.optional = payload["optional"]
            node.children.append((src, via))

    def _auth_decorator(self, dec, ctx: Ctx) -> tuple | None:
        """A decorator on a handler that enforces authentication: Starlette's `@requires(...)` (with
        AuthenticationMiddleware), or a project decorator whose wrapper reads a credential (request headers,
        cookies, session, `request.user`) and can raise. One that only logs or times is not."""
        expr = dec.expr
        value = self.index.resolve(expr.func if isinstance(expr, ir.Call) else expr, ctx)
        name = _external_name(value)
        if name in ("starlette.authentication.requires", "fastapi.authentication.requires"):
            scopes = ", ".join(ir.show(a) for a in expr.args) if isinstance(expr, ir.Call) else ""
            return (f"@requires({scopes})", self.index.path_of(ctx.module), dec.line)
        if not isinstance(value, FuncV):
            return None
        # `@login_required` returns the wrapper; `@require_role("admin")` returns the decorator first
        wrapper: Value = value
        if isinstance(expr, ir.Call):
            wrapper = self.index.call_result(value)
        for _ in range(2):
            if not isinstance(wrapper, FuncV):
                return None
            if self._guards(wrapper):
                args = f"({', '.join(ir.show(a) for a in expr.args)})" if isinstance(expr, ir.Call) else ""
                label = f"@{value.module}.{value.qualname}{args}"
                return (label, self.index.path_of(wrapper.module), self.index.func(wrapper).line)
            wrapper = self.index.call_result(wrapper)
        return None

    def _guards(self, fv: FuncV) -> bool:
        """The function reads a credential (itself or in a project function it calls) and can reject."""
        return self.calls.guards(fv)

    # -- step 2: expand through includes ----------------------------------------------------------------
    def _unique_decls(self) -> None:
        """One declaration per (router, methods, path, handler, site): a call site read in several calling
        contexts that all reach the same router declares its route once."""
        seen: set = set()
        out = []
        for decl in self.decls:
            key = (decl.router, decl.methods, decl.path, decl.handler_name, decl.file, decl.line, decl.opaque)
            if key not in seen:
                seen.add(key)
                out.append(decl)
        self.decls = out
        seen = set()
        mounts = []
        for md in self.mount_decls:
            key = (md.owner, md.prefix, md.label, md.path, md.line)
            if key not in seen:
                seen.add(key)
                mounts.append(md)
        self.mount_decls = mounts

    def expand_routes(self) -> list[Route]:
        self._unique_decls()
        routes: list[Route] = []
        library = self.index.library
        for decl in self.decls:
            router = self.routers[decl.router]
            in_library = library is not None and decl.file in library.paths  # type: ignore[attr-defined]
            ways = 0
            for full, deps, conds, reachable, mounted, apps in self._up(router, decl.path, [], (), frozenset(),
                                                                        False, ()):
                ways += 1
                limits.check(ways, len(routes), decl.file, decl.line)
                if in_library:
                    # a route a library declares: listed where the project includes it, and only then
                    site = self._project_site(router, library.paths, set())  # type: ignore[union-attr]
                    if not reachable or site is None:
                        continue
                    decl = RouteDecl(decl.router, decl.methods, decl.path, decl.handler, decl.handler_name,
                                     decl.deps, site[0], site[1], site[2], site[3], decl.websocket, decl.opaque,
                                     decl.guards)
                routes.append(Route(decl, decl.methods, full, deps + decl.deps, conds, reachable, mounted=mounted,
                                    apps=apps, opaque=decl.opaque))
        return routes

    def _project_site(self, node: RouterNode, library_paths: set, seen: set) -> tuple | None:
        """(file, line, col, end_col) of the first include of `node` (or of a router it is included in)
        written in the project."""
        if node.key in seen:
            return None
        seen.add(node.key)
        for inc in node.included_by:
            if inc.path not in library_paths:
                return inc.path, inc.line, 1, 2
            found = self._project_site(self.routers[inc.parent], library_paths, seen)
            if found is not None:
                return found
        return None

    def add_opaque_decls(self) -> None:
        """One stand-in route per include of a router the analysis cannot read: `* <prefix>/*`."""
        for inc in self.opaque:
            self.decls.append(RouteDecl(inc.parent, ("*",), inc.prefix + "/*", None, inc.label, inc.deps, inc.path,
                                        inc.line, inc.col, inc.end_col, opaque=True))

    def mounts(self) -> list[Mount]:
        out = []
        for md in self.mount_decls:
            owner = self.routers[md.owner]
            for full, _deps, conds, reachable, _m, _apps in self._up(owner, md.prefix, [], md.conditions,
                                                                      frozenset(), False, ()):
                out.append(Mount(full, md.label, md.kind, md.path, md.line, conds, reachable))
        return sorted(out, key=lambda m: (m.path, m.file, m.line, m.label))

    def _up(self, node: RouterNode, path: str, deps: list, conds: tuple, seen: frozenset, mounted: bool,
            apps: tuple):
        """Every way up from `node` to a root: (full path, dependencies outermost first, include
        conditions, reaches an app, went through a mount, the apps passed on the way, innermost first).
        `path` and `deps` are what lies below `node` (its own prefix and dependencies not yet added)."""
        if node.kind == "app":
            apps = (*apps, node.key)
        if not node.included_by or node.key in seen:
            yield node.prefix + path, node.deps + deps, conds, node.kind == "app", mounted, apps
            return
        seen = seen | {node.key}
        for inc in node.included_by:
            prefix, own = self._node_args(node, inc.env)
            parent = self.routers[inc.parent]
            if inc.mount:
                # a mounted sub-app keeps its own dependencies, not the parent's (its middleware does apply)
                for full, _d, more, reachable, _m, up in self._up(parent, inc.prefix + prefix + path, [],
                                                                  conds + inc.conditions, seen, True, apps):
                    yield full, own + deps, more, reachable, True, up
            else:
                yield from self._up(parent, inc.prefix + prefix + path, inc.deps + own + deps,
                                    conds + inc.conditions, seen, mounted, apps)

    # -- step 3: dependency trees ---------------------------------------------------------------------
    def dep_node(self, ref: DepRef) -> DepNode:
        if isinstance(ref.cbv, ClassV):
            return self._cbv_node(ref.cbv)
        target_expr = ref.expr
        ctx = ref.ctx
        if target_expr is None:  # Depends(): the annotation is the dependency
            target_expr = self._annotation_type(ref.annotation, ctx)
        if target_expr is None:
            return self._leaf(("unresolved", "Depends()"), "Depends() without a usable annotation", "unresolved",
                              ref.path, ref.line)
        value = self.index.resolve(target_expr, ctx)
        return self.node_for_value(value, target_expr, ctx, ref.path, ref.line)

    def node_for_value(self, value: Value, expr: ir.Expr, ctx: Ctx, path: str, line: int) -> DepNode:
        if self.index.library is not None and _outside(value):
            found = self.index.resolve_lib(expr, ctx)  # the library's source, when it is installed
            if isinstance(found, (FuncV, ClassV)) or (isinstance(found, InstanceV) and
                                                      isinstance(found.cls, ClassV)):
                value = found
        if isinstance(value, FuncV):
            return self._callable_node(value, "function")
        if isinstance(value, ClassV):
            scheme = self._scheme_class(value)
            if scheme:
                return self._leaf(("schemeclass", value), f"{value.module}.{value.name}", "external", path, line)
            return self._class_node(value)
        if isinstance(value, InstanceV):
            scheme = self._scheme_class(value.cls)
            if scheme:
                return self._scheme_node(value, scheme)
            if isinstance(value.cls, ClassV):
                call = self.index.class_attr(value.cls, "__call__")
                if isinstance(call, FuncV):
                    return self._callable_node(call, "instance", instance=value)
            if value.cls is None:
                # a call we could not follow (e.g. an unknown factory)
                node = self._leaf(("unresolved", ir.show(value.call)), ir.show(value.call), "unresolved", path,
                                  line)
                if node.qualname is None:
                    node.qualname = self._outside_name(value.call.func, Ctx(value.module, value.scope))
                return node
            if isinstance(value.cls, ExternalV):
                return self._external_leaf(value.cls.qualname, value.cls.qualname + "(...)", path, line)
        if isinstance(value, ExternalV):
            return self._external_leaf(value.qualname, value.qualname, path, line)
        node = self._leaf(("unresolved", ir.show(expr)), ir.show(expr), "unresolved", path, line)
        if node.qualname is None:  # `security.access_token_required` on an object a library class made
            node.qualname = self._outside_name(expr, ctx)
        return node

    def _param_value(self, param: Param, ctx: Ctx) -> Param:
        """`param` with a default that is a name bound to a call (`user: str = AUTHENTICATED`, with
        `AUTHENTICATED = Depends(...)` in some module) replaced by that call, its parts read where the
        call is written."""
        default = param.default
        if not isinstance(default, (ir.Name, ir.Attr)):
            return param
        bound = self._binding(default, ctx)
        if bound is None or not isinstance(bound[0], ir.Call):
            return param
        call, cctx = bound
        here = ir.Call(ir.Bound(call.func, cctx), tuple(ir.Bound(a, cctx) for a in call.args),
                       tuple((k, ir.Bound(v, cctx)) for k, v in call.kwargs), call.line, call.col)
        return Param(param.name, param.kind, param.annotation, here, param.line, param.col)

    def _external_leaf(self, qualname: str, label: str, path: str | None, line: int | None) -> DepNode:
        fastapi_own = qualname.split(".")[0] in ("fastapi", "starlette", "builtins", "typing", "pydantic")
        node = self._leaf(("external", label), label, "fastapi" if fastapi_own else "external", path, line)
        node.password_form = _last(qualname) in PASSWORD_FORMS
        node.qualname = qualname
        return node

    def _outside_name(self, func: ir.Expr, ctx: Ctx) -> str | None:
        """`Ext.method` for a method call on an object an external class made (generic or not): with
        `users = FastAPIUsers[User, int](...)`, `users.current_user` is `fastapi_users.FastAPIUsers.current_user`."""
        if isinstance(func, ir.Sub):
            value = self.index.resolve(func.value, ctx)
            return value.qualname if isinstance(value, ExternalV) else None
        if not isinstance(func, ir.Attr):
            return None
        base = self.index.resolve(func.value, ctx)
        if isinstance(base, InstanceV):
            cls = base.cls
            if cls is None and isinstance(base.call.func, ir.Sub):
                cls = self.index.resolve(base.call.func.value, Ctx(base.module, base.scope))
            if isinstance(cls, ExternalV):
                return f"{cls.qualname}.{func.attr}"
        return None

    def _leaf(self, key: tuple, label: str, kind: str, path: str | None, line: int | None) -> DepNode:
        node = self.nodes.get(key)
        if node is None:
            node = DepNode(key, label, kind, path, line)
            self.nodes[key] = node
        return node

    def _scheme_class(self, cls: object) -> str | None:
        if isinstance(cls, ExternalV):
            if is_fastapi_name(cls.qualname, SCHEME_NAMES):
                return _last(cls.qualname)
            return None
        if isinstance(cls, ClassV):
            for base in self.index.external_bases(cls):
                if is_fastapi_name(base, SCHEME_NAMES):
                    return _last(base)
        return None

    def _scheme_node(self, inst: InstanceV, scheme: str) -> DepNode:
        key = ("scheme", inst.key)
        node = self.nodes.get(key)
        if node is not None:
            return node
        ctx = Ctx(inst.module, inst.scope)
        auto_error = inst.call.kwarg("auto_error")
        optional = isinstance(auto_error, ir.Const) and auto_error.value is False
        if auto_error is not None and not isinstance(auto_error, ir.Const):
            value = self.index.resolve(auto_error, ctx)
            optional = isinstance(value, LiteralV) and value.value is False
        name = next((k for k in reversed(inst.key) if isinstance(k, str)), scheme) \
            if inst.key and inst.key[0] != "call" else scheme
        label = f"{inst.module}.{name}" if name != scheme else scheme
        label = f"{label} ({scheme}{', auto_error=False' if optional else ''})"
        node = DepNode(key, label, "scheme", self.index.path_of(inst.module), inst.call.line, credential=True,
                       rejects=not optional, optional=optional, scheme_class=scheme)
        token = inst.call.kwarg("tokenUrl") if scheme in ("OAuth2PasswordBearer",) else None
        if scheme == "OAuth2PasswordBearer" and token is None and inst.call.args:
            token = inst.call.args[0]
        if token is not None:
            node.token_url = self.index.string(token, ctx)
        self.nodes[key] = node
        return node

    def _class_node(self, cls_v: ClassV) -> DepNode:
        init = self.index.class_attr(cls_v, "__init__")
        if isinstance(init, FuncV):
            return self._callable_node(init, "class", label=f"{cls_v.module}.{cls_v.name}")
        key = ("class", cls_v)
        node = self.nodes.get(key)
        if node is None:
            cls = self.index.cls(cls_v)
            node = DepNode(key, f"{cls_v.module}.{cls_v.name}", "class", self.index.path_of(cls_v.module),
                           cls.line if cls else None)
            ext = self.index.external_bases(cls_v)
            node.password_form = any(_last(b) in PASSWORD_FORMS for b in ext)
            if any(not (b.startswith("pydantic") or b.startswith("builtins") or b.startswith("typing")
                        or b.startswith("dataclasses")) for b in ext):
                node.calls_unknown = True
            self.nodes[key] = node
        return node

    def _callable_node(self, fv: FuncV, kind: str, instance: InstanceV | None = None,
                       label: str | None = None) -> DepNode:
        key = ("callable", fv)
        node = self.nodes.get(key)
        if node is not None:
            return node
        func = self.index.func(fv)
        facts = self.index.module(fv.module)
        node = DepNode(key, label or f"{fv.module}.{fv.qualname}", kind, facts.path if facts else None,
                       func.line if func else None, func=func, func_module=fv.module)
        self.nodes[key] = node
        if func is None:
            node.kind = "unresolved"
            return node
        node.name_says_auth = bool(AUTH_NAME.search(func.name if func.name not in ("__call__", "__init__")
                                                    else (func.class_name or "")))
        # parameter defaults and annotations are evaluated in the scope around the `def` (in `def auth(key: str =
        # Security(key))` the default is the module's `key`), never in the function's own body
        def_ctx = Ctx(fv.module, func.parent)
        params = func.params
        if self.index.is_library(fv.module) and (func.decorators or any(
                p.kind in ("vararg", "kwarg") for p in params)):
            # a library callable whose signature is made at runtime (`@with_signature(...)`,
            # `*args, **kwargs`): what FastAPI injects is not readable here
            node.calls_unknown = True
        if func.class_name is not None and params and params[0].name in ("self", "cls"):
            params = params[1:]
        has_request = False
        for param in params:
            param = self._param_value(param, def_ctx)
            cls = self.classify_param(param, def_ctx)
            node.params.append((param, cls))
            kind_, payload = cls
            if kind_ == "depends":
                child = self.dep_node(payload)
                node.children.append((child, param.name))
            elif kind_ in ("header", "cookie") and payload["credential"]:
                src = self._leaf(("cred", fv, param.name), f"{kind_.capitalize()} {payload['alias']!r}", kind_,
                                 node.path, param.line)
                src.credential = True
                src.optional = payload["optional"]
                node.children.append((src, param.name))
            elif kind_ == "request":
                has_request = True
        if has_request or func.credential_reads:
            for read in func.credential_reads:
                key_ = read.key
                if key_ is None:
                    continue
                if is_credential(Source(read.source), key_):
                    src = self._leaf(("read", fv, read.source, key_), f"request.{read.source}[{key_!r}]",
                                     "session" if read.source == "session" else "request", node.path, read.line)
                    src.credential = True
                    node.children.append((src, f"request.{read.source}"))
        if any(mentions_auth_state(c) for r in func.raises for c in r.conditions):
            # `if not request.user.is_authenticated: raise ...`: what AuthenticationMiddleware's backend set
            src = self._leaf(("authstate", fv), "request.user (set by AuthenticationMiddleware)", "request-user",
                             node.path, func.line)
            src.credential = True
            node.children.append((src, "request.user"))
        node.rejects = self.can_reject(fv)
        return node

    # -- parameters ------------------------------------------------------------------------------------
    def _annotation_type(self, annotation: ir.Expr | None, ctx: Ctx) -> ir.Expr | None:
        """`T` for `T`, `Annotated[T, ...]` and aliases of those."""
        for _ in range(5):
            if annotation is None:
                return None
            if isinstance(annotation, ir.Sub) and _external_name(self.index.resolve(annotation.value, ctx)) \
                    in ANNOTATED and annotation.index:
                return annotation.index[0]
            bound = self._binding(annotation, ctx) if isinstance(annotation, (ir.Name, ir.Attr)) else None
            if bound is not None and isinstance(bound[0], ir.Sub):
                annotation, ctx = bound
                continue
            return annotation
        return annotation

    def _annotated_meta(self, annotation: ir.Expr | None, ctx: Ctx) -> tuple[list[ir.Expr], Ctx, ir.Expr | None]:
        """Metadata of `Annotated[T, m1, m2]` (following module-level aliases), its context, and T."""
        for _ in range(5):
            if annotation is None:
                return [], ctx, None
            if isinstance(annotation, ir.Sub):
                if _external_name(self.index.resolve(annotation.value, ctx)) in ANNOTATED and annotation.index:
                    return list(annotation.index[1:]), ctx, annotation.index[0]
                # Optional[Annotated[...]] and friends are rare; stop here
                return [], ctx, annotation
            if isinstance(annotation, (ir.Name, ir.Attr)):
                bound = self._binding(annotation, ctx)
                if bound is not None and isinstance(bound[0], ir.Sub):
                    annotation, ctx = bound
                    continue
            return [], ctx, annotation
        return [], ctx, annotation

    def _param_func(self, expr: ir.Expr | None, ctx: Ctx) -> str | None:
        if isinstance(expr, ir.Call):
            name = _external_name(self.index.resolve(expr.func, ctx))
            if name in DEPENDS:
                return "Depends"
            if name in SECURITY:
                return "Security"
            if name and (name.startswith("fastapi.") and _last(name) in PARAM_FUNCS):
                return _last(name)
        return None

    def classify_param(self, param: Param, ctx: Ctx) -> tuple[str, object]:
        """How FastAPI fills a parameter: ("depends", DepRef) | ("header"/"cookie", info) | ("query", info) |
        ("explicit-query", info) | ("path"/"body"/"form"/"request"/"special"/"other", None)."""
        meta, meta_ctx, base = self._annotated_meta(param.annotation, ctx)
        markers: list[tuple[str, ir.Call, Ctx]] = []
        for m in meta:
            kind = self._param_func(m, meta_ctx)
            if kind:
                markers.append((kind, m, meta_ctx))  # type: ignore[arg-type]
        kind = self._param_func(param.default, ctx)
        if kind:
            markers.append((kind, param.default, ctx))  # type: ignore[arg-type]
        if param.kind in ("vararg", "kwarg"):
            return "other", None
        for kind, call, cctx in markers:
            if kind in ("Depends", "Security"):
                scopes = tuple(self.index.string(s, cctx) or ir.show(s) for s in self._items(call.kwarg("scopes"),
                                                                                            cctx))
                ref = DepRef(call.arg(0, "dependency"), cctx, f"parameter {param.name}",
                             self.index.path_of(ctx.module), param.line, annotation=base, scopes=scopes,
                             security=kind == "Security")
                if ref.expr is None:
                    ref.ctx = meta_ctx if base is not None and meta else ctx
                return "depends", ref
        for kind, call, cctx in markers:
            if kind in ("Header", "Cookie"):
                alias = self.index.string(call.kwarg("alias"), cctx)
                name = (alias or (param.name.replace("_", "-") if kind == "Header" else param.name)).lower()
                default = call.arg(0, "default")
                optional = (default is not None and not (isinstance(default, ir.Const) and default.value is ...)) \
                    or (param.default is not None and call is not param.default) or self._optional_type(base)
                cred = is_credential(Source.HEADER if kind == "Header" else Source.COOKIE, name)
                return kind.lower(), {"alias": name, "credential": cred, "optional": optional}
            if kind == "Query":
                return "explicit-query", {}
            if kind == "Path":
                return "path", None
            return kind.lower(), None  # body / form / file
        type_name = self._type_name(base, meta_ctx if meta else ctx)
        if type_name in REQUEST_TYPES:
            return "request", None
        if type_name in NON_QUERY_TYPES:
            return "special", None
        if type_name in PASSWORD_FORMS:
            return "password-form", None
        if type_name == "__model__":
            return "body", None
        return "query", {"type": type_name}

    def _optional_type(self, annotation: ir.Expr | None) -> bool:
        if isinstance(annotation, ir.BinOp) and annotation.op == "|":
            return "None" in ir.show(annotation)
        if isinstance(annotation, ir.Sub) and ir.dotted(annotation.value) in ("Optional", "typing.Optional"):
            return True
        return False

    def _type_name(self, annotation: ir.Expr | None, ctx: Ctx) -> str | None:
        """The simple name of a parameter's type: fastapi/starlette names, "__model__" for project classes."""
        if annotation is None:
            return None
        if isinstance(annotation, ir.Sub):
            head = ir.dotted(annotation.value) or ""
            if _last(head) in ("Optional",) and annotation.index:
                return self._type_name(annotation.index[0], ctx)
            if _last(head) == "Union" and annotation.index:
                names = [self._type_name(i, ctx) for i in annotation.index
                         if not (isinstance(i, ir.Const) and i.value is None)]
                return names[0] if names else None
            return _last(head) or None
        if isinstance(annotation, ir.BinOp) and annotation.op == "|":
            for side in (annotation.left, annotation.right):
                if not (isinstance(side, ir.Const) and side.value is None):
                    return self._type_name(side, ctx)
            return None
        if isinstance(annotation, ir.Str):
            return _last(annotation.value.split("[")[0].strip())
        value = self.index.resolve(annotation, ctx)
        if isinstance(value, ExternalV):
            return _last(value.qualname)
        if isinstance(value, ClassV):
            for base in self.index.external_bases(value):
                if _last(base) in PASSWORD_FORMS:
                    return _last(base)
            return "__model__"
        return ir.dotted(annotation)

    # -- rejection -------------------------------------------------------------------------------------
    def can_reject(self, fv: FuncV) -> bool:
        """Whether the function raises (itself or through the project functions it calls)."""
        return self.calls.can_reject(fv)

    def _callee(self, call: ir.Call, ctx: Ctx, func: Func) -> Value:
        return self.calls.callee(call, ctx, func)


# ------------------------------------------------------------------------------------------ tree walks


def has_credential(node: DepNode, seen: set | None = None) -> bool:
    seen = set() if seen is None else seen
    if node.credential:
        return True
    if id(node) in seen:
        return False
    seen.add(id(node))
    return any(has_credential(child, seen) for child, _ in node.children)


def walk(node: DepNode, seen: set | None = None):
    """Every node of the tree under `node` (each once)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child, _ in node.children:
        yield from walk(child, seen)


# ------------------------------------------------------------------------------------------ entry point


def build_graph(index: Index) -> Graph:
    builder = GraphBuilder(index)
    builder.collect()
    builder.add_opaque_decls()
    routes = builder.expand_routes()
    for route in routes:
        decl = route.decl
        if decl.handler is not None:
            handler_node = builder._callable_node(decl.handler, "function")
        else:
            handler_node = builder._leaf(("handler", decl.handler_name), decl.handler_name, "unresolved",
                                         decl.file, decl.line)
        root = DepNode(("route", decl.file, decl.line, route.full_path, route.methods), decl.handler_name, "route",
                       decl.file, decl.line)
        root.func = handler_node.func
        root.func_module = handler_node.func_module
        root.params = handler_node.params
        root.credential = handler_node.credential
        root.rejects = handler_node.rejects
        root.children = list(handler_node.children)
        for ref in route.deps:
            root.children.append((builder.dep_node(ref), ref.origin))
        if route.opaque:
            root.children.append((handler_node, "router"))
        for label, path, line in decl.guards:
            guard = builder._leaf(("guard", label), label, "decorator", path, line)
            guard.credential = guard.rejects = True
            root.children.append((guard, "decorator"))
        for node, via in builder.middleware_nodes(route):
            root.children.append((node, via))
        route.root = root
        if not decl.websocket:
            for node in walk(root):
                node.websocket_only = False
    token_urls = _token_urls(builder)
    return Graph(index, builder.routers, routes, builder.nodes, token_urls, mounts=builder.mounts())


def _token_urls(builder: GraphBuilder) -> list[str]:
    """tokenUrl of every OAuth2PasswordBearer declared at module level in the project."""
    urls: list[str] = []
    for facts in builder.index.modules:
        for name, expr in facts.assigns.items():
            if not isinstance(expr, ir.Call):
                continue
            value = builder.index.resolve(ir.Name(name), Ctx(facts.module))
            if isinstance(value, InstanceV) and builder._scheme_class(value.cls):
                node = builder._scheme_node(value, builder._scheme_class(value.cls) or "")
                if node.token_url:
                    urls.append(node.token_url)
    for node in builder.nodes.values():
        if node.token_url and node.token_url not in urls:
            urls.append(node.token_url)
    return sorted(set(urls))
