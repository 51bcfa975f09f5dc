"""The route table's plain data: what discovery finds (routers, route declarations, includes, mounts), what
expansion makes of it (routes with full paths) and each route's dependency tree (`DepNode`s), gathered in
the `Graph` the later stages read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.index import Ctx, FuncV, Index

if TYPE_CHECKING:
    from routeguard_lint.auth.judge import Judgement


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


# ------------------------------------------------------------------------------------------ tree walks


def has_credential(node: DepNode, seen: set | None = None) -> bool:
    seen = set() if seen is None else seen
    if node.credential:
        return True
    if id(node) in seen:
        return False
    seen.add(id(node))
    return any(has_credential(child, seen) for child, _ in node.children)


def walk(node: DepNode, seen: set | None = None) -> Iterator[DepNode]:
    """Every node of the tree under `node` (each once)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child, _ in node.children:
        yield from walk(child, seen)
