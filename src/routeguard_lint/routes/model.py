"""The route table's plain data: what discovery finds (routers, route declarations, includes, mounts), what
expansion makes of it (routes with full paths) and each route's dependency tree (`DepNode`s), gathered in
the `Graph` the later stages read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func, Param
from routeguard_lint.project.arguments import Env
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, Index, InstanceV
from routeguard_lint.routes.literals import PathChoice

# The identity of a router: the allocation site of the `FastAPI(...)` / `APIRouter(...)` call that made it
# (`InstanceV.key`: ("global", module, name), ("local", module, function, name) or ("call", ...)).
RouterKey = tuple[object, ...]
# The identity of a dependency-tree node (one node per callable, scheme instance or credential source).
NodeId = tuple[object, ...]


class KindEnum(str, Enum):
    """A kind that is also its string value (the JSON output writes it), formatted as its value."""

    def __str__(self) -> str:
        return str(self.value)


class RouterKind(KindEnum):
    APP = "app"  # FastAPI(...): a root; routes reachable only through an app are served
    ROUTER = "router"  # APIRouter(...)


class MountKind(KindEnum):
    """What `app.mount(path, x)` mounts."""

    APP = "app"  # a FastAPI sub-app: its routes are listed
    ROUTER = "router"
    STATIC = "static"
    WSGI = "wsgi"
    ASGI = "asgi"
    UNRESOLVED = "unresolved"


class NodeKind(KindEnum):
    """What a `DepNode` stands for."""

    ROUTE = "route"  # the root of a route's tree: the handler as a dependant
    FUNCTION = "function"
    CLASS = "class"
    INSTANCE = "instance"  # an instance of a class with `__call__`
    SCHEME = "scheme"  # an instance of a fastapi.security class
    FASTAPI = "fastapi"  # a callable of FastAPI's own stack (fastapi, starlette, pydantic, ...)
    EXTERNAL = "external"  # a callable of another library
    UNRESOLVED = "unresolved"  # a callable the analysis cannot tell
    HEADER = "header"  # credential sources
    COOKIE = "cookie"
    REQUEST = "request"  # `request.headers[...]` read in the body
    SESSION = "session"
    REQUEST_USER = "request-user"  # `request.user`, set by AuthenticationMiddleware
    MIDDLEWARE = "middleware"  # an authenticating middleware in front of the route
    DECORATOR = "decorator"  # a guard decorator under the route decorator
    # one of several dependencies, chosen at run time by a test the analysis cannot decide (`a if c else b`):
    # each child is one alternative, its `via` the test under which FastAPI gets it
    ALTERNATIVES = "alternatives"


class ParamKind(KindEnum):
    """How FastAPI fills a parameter."""

    DEPENDS = "depends"  # Depends(...) / Security(...)
    HEADER = "header"
    COOKIE = "cookie"
    QUERY = "query"  # a plain parameter FastAPI reads from the query string
    EXPLICIT_QUERY = "explicit-query"  # Query(...)
    PATH = "path"
    BODY = "body"
    FORM = "form"
    FILE = "file"
    REQUEST = "request"  # Request / HTTPConnection / WebSocket
    SPECIAL = "special"  # Response, BackgroundTasks, SecurityScopes, UploadFile
    PASSWORD_FORM = "password-form"  # OAuth2PasswordRequestForm (a login endpoint)
    OTHER = "other"  # *args / **kwargs


@dataclass
class DepRef:
    """A dependency declared somewhere, not yet resolved."""

    expr: ir.Expr | None  # the callable expression (the `x` of `Depends(x)`), None for `Depends()`
    ctx: Ctx
    origin: str  # provenance, e.g. "APIRouter(dependencies=)" or "parameter current_user"
    path: str
    line: int
    annotation: ir.Expr | None = None  # for `Depends()`: the annotation is the dependency
    scopes: tuple[str, ...] = ()
    security: bool = False
    cbv: ClassV | None = None  # the class-based view whose instance the method gets as `self`
    # the dependencies of a router that is one of several alternatives of one binding, made with different
    # dependencies (`if c: api = APIRouter(dependencies=[...])` / `else: api = APIRouter()`): each choice's
    # tests and the dependencies it adds; `expr` is then the name of the binding (for display only)
    choices: tuple[Choice, ...] = ()


class Choice(NamedTuple):
    """One alternative of a run-time choice between lists of dependencies: the tests (source text) under which
    it is taken, and its dependencies."""

    tests: tuple[str, ...]
    deps: tuple[DepRef, ...]


@dataclass(frozen=True)
class ParamSource:
    """How FastAPI fills one parameter of a dependency or handler, and what it reads it from."""

    param: Param
    kind: ParamKind
    dependency: DepRef | None = None  # DEPENDS: the dependency
    alias: str | None = None  # HEADER / COOKIE: the (lower-case) header or cookie name; EXPLICIT_QUERY: its alias
    credential: bool = False  # HEADER / COOKIE: the name says it carries a credential
    optional: bool = False  # HEADER / COOKIE: a request without it is accepted
    type_name: str | None = None  # QUERY, REQUEST: the simple name of the annotation

    @property
    def query_name(self) -> str:
        """The name a query parameter is read by: `Query(alias="token")`'s alias, else the parameter's name."""
        return self.alias or self.param.name


@dataclass(frozen=True)
class FactoryCall:
    """A call of a project function that makes a router (`make_router("/a")`): its arguments bound."""

    qualname: str
    module: str
    env: Env


@dataclass(frozen=True)
class Creation:
    """The call that made a router, to re-read it for one factory call."""

    call: ir.Call
    ctx: Ctx
    cls: ClassV | ExternalV | None


@dataclass
class Include:
    parent: RouterKey
    child: RouterKey
    prefix: str
    deps: list[DepRef]
    path: str
    line: int
    conditions: tuple[str, ...]  # source text of the `if` tests around it
    mount: bool = False
    env: FactoryCall | None = None  # for a router made by a factory call
    # for a prefix that is one alternative of a run-time choice (`prefix="/v1" if c else ""`), the choice's
    # token (`literals.PathChoice.pattern`); its tests are in `conditions`. None: the prefix itself
    pattern: str | None = None
    # the child's route objects put into the parent's list (`parent.routes.extend(child.routes)`): an app's
    # middleware stays with the app, it is not in the way of a request to the copies
    copy: bool = False
    # the router handed to a call the analysis does not read (`app.generate_and_include_versioned_routers(r)`,
    # a library's method of the parent): that call, "`call text` (file:line)"; it may include it (its text is in
    # `conditions`). Empty for an include the analysis read
    unseen: str = ""


@dataclass
class OpaqueInclude:
    """`include_router(x)` where `x` is not a router the analysis can read (a library's, say)."""

    parent: RouterKey
    prefix: str
    deps: list[DepRef]
    label: str
    path: str
    line: int
    col: int
    end_col: int
    conditions: tuple[str, ...]  # source text of the `if` tests around it


@dataclass
class MountDecl:
    """`app.mount(path, something)`: a sub-application, static files or another ASGI app."""

    owner: RouterKey
    prefix: str
    label: str
    kind: MountKind
    path: str
    line: int
    conditions: tuple[str, ...]  # source text of the `if` tests around it
    pattern: str | None = None  # for a path chosen at run time: the choice's token (PathChoice.pattern)


@dataclass
class Mount:
    path: str  # full path of the mount point
    label: str
    kind: MountKind
    file: str
    line: int
    conditions: tuple[str, ...]  # source text of the `if` tests around it
    reachable: bool


@dataclass(frozen=True)
class Variant:
    """One alternative of a binding a router node stands for (`if c: api = APIRouter(...)` / `else: api =
    APIRouter(...)`): the tests under which the name holds it, the call that made it and its dependencies."""

    tests: tuple[str, ...]
    creation: Creation
    deps: tuple[DepRef, ...]


@dataclass
class RouterNode:
    key: RouterKey
    kind: RouterKind
    module: str
    path: str
    line: int
    prefix: str = ""
    deps: list[DepRef] = field(default_factory=list)
    # a prefix chosen at run time (`APIRouter(prefix="/v1" if c else "")`): each alternative (`prefix` is then
    # the first); empty for a prefix that is no choice
    prefixes: tuple[PathChoice, ...] = ()
    included_by: list[Include] = field(default_factory=list)
    creation: Creation | None = None
    # when the node stands for the alternatives of one binding made alike but for their dependencies (the
    # program makes one of them): each alternative; `deps` then holds those they share and one choice between
    # the rest (`DepRef.choices`)
    variants: list[Variant] = field(default_factory=list)
    name: str | None = None  # the name of the binding, for a node with variants
    # includes of this router into something the analysis cannot tell is a router or app
    # (`registry.include_router(router)`), each as "`call text` (file:line)": it may be served through them
    unseen_parents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Override:
    """`app.dependency_overrides[original] = replacement` (or `.update({original: replacement})`, or the mapping
    assigned): FastAPI calls `replacement` wherever a route of the app depends on `original`, at any depth of its
    dependencies. `original` and `replacement` are read in `ctx`; `replacement` None when the mapping's entries
    cannot be read (then `original` is None too). `conditions`: the `if` tests around the write the analysis
    cannot decide (source text); the override is made only when they hold."""

    app: RouterKey
    original: ir.Expr | None
    replacement: ir.Expr | None
    ctx: Ctx
    conditions: tuple[str, ...]
    file: str
    line: int
    shown: str  # the write as written, `app.dependency_overrides[get_user] = fake_user`
    # the line of the first write of the same function (or module body) under the same tests: where the choice they
    # share is made (`if settings.DEV:` then several writes: one test, decided once)
    decided: int = 0


@dataclass(frozen=True)
class Guard:
    """A decorator under a route decorator that enforces authentication (`@requires(...)`, say)."""

    label: str
    path: str
    line: int
    # `@requires(...)`: the scopes it requires, when they are literal strings (None when they cannot be read)
    scopes: tuple[str, ...] | None = None
    requires: bool = False  # Starlette's `@requires`: what it checks is what AuthenticationMiddleware's backend set


@dataclass
class RouteDecl:
    router: RouterKey
    methods: tuple[str, ...]
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
    guards: tuple[Guard, ...] = ()  # decorators under the route decorator that check auth
    # when the handler is one of several alternatives: which one it is; when the path is one alternative of a
    # run-time choice (`@r.get("/a" if c else "/b")`): its tests
    conditions: tuple[str, ...] = ()
    pattern: str | None = None  # for a path chosen at run time: the choice's token (PathChoice.pattern)
    # the context the declaration was read in, when it binds the parameters of the function the handler is
    # defined in (a router factory called with arguments): the handler's parameter defaults are read there
    ctx: Ctx | None = None
    # source text of the `if` tests the registration is written under (`if not assets: @app.get("/ui") ...`, an
    # `add_api_route` call under `if`) that the analysis cannot tell to hold: the app has the route only when they
    # do (as for includes and mounts)
    registered_under: tuple[str, ...] = ()


class Child(NamedTuple):
    """An edge of a dependency tree: the dependency and how the parent declares it (a parameter name,
    "APIRouter(dependencies=)", "decorator", ...)."""

    node: DepNode
    via: str


@dataclass(frozen=True)
class Exemptions:
    """The request paths a dependency lets through untouched (`if request.url.path in EXEMPT_PATHS: return`), read
    as a middleware's are (`MiddlewareReader.exemptions`)."""

    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    # paths let through only when another test holds too, which the analysis cannot decide (`if
    # path.startswith("/") and segment in request.app.cameras: return`): (paths, prefixes, that test's text)
    conditional: tuple[tuple[frozenset[str], tuple[str, ...], str], ...] = ()
    unknown: str | None = None  # a test of the path whose paths cannot be read (its text)
    within_app: bool = False  # the paths are paths within the route's app (`scope["path"]` less `root_path`)

    def exempts(self, path: str) -> bool:
        return path in self.exact or any(path.startswith(p) for p in self.prefixes)

    def conditionally(self, path: str) -> str | None:
        """The test (source text) the analysis cannot decide under which the path is let through, or None."""
        for exact, prefixes, test in self.conditional:
            if path in exact or any(path.startswith(p) for p in prefixes):
                return test
        return None

    def undecided(self, path: str) -> str | None:
        """For a path it does not exempt, why the analysis cannot tell whether it is let through (the test that
        alone decides it); None when it is not (the check runs for it)."""
        test = self.conditionally(path)
        if test is not None:
            return f"it lets this path through when `{test}`, which the analysis cannot decide"
        if self.unknown is not None:
            return f"it lets the paths `{self.unknown}` accepts through, which the analysis cannot read"
        return None


@dataclass(frozen=True)
class ForgedGrant:
    """What the AuthenticationMiddleware backend behind a `@requires` or `request.user` check gives a request with a
    forged credential, when that is not a refusal: `reaches` True when its `authenticate` certainly returns what
    the check asks for (credentials with the scopes, an authenticated user), None when code the analysis cannot
    read (`setting` False) or a setting (`setting` True) decides; `why` says where."""

    reaches: bool | None
    why: str
    setting: bool = False
    backend: str = ""  # the backend object, as written (`TrustingBackend()`), and the middleware's label
    middleware: str = ""
    method: FuncV | None = None  # its `authenticate`
    line: int = 0  # the return that grants it


@dataclass
class DepNode:
    """One node of a dependency tree: a callable FastAPI runs, or a credential source."""

    id: NodeId
    label: str  # qualified display name
    kind: NodeKind
    path: str | None = None
    line: int | None = None
    children: list[Child] = field(default_factory=list)
    credential: bool = False  # this node is itself a credential source
    rejects: bool = False  # this node itself can reject the request
    optional: bool = False  # a scheme with auto_error=False, or an optional credential header
    func: Func | None = None
    func_module: str | None = None
    params: list[ParamSource] = field(default_factory=list)  # for callables
    scheme_class: str | None = None
    token_url: str | None = None
    name_says_auth: bool = False
    calls_unknown: bool = False
    websocket_only: bool = True
    password_form: bool = False  # OAuth2PasswordRequestForm or a subclass: marks a login endpoint
    # Best-effort qualified name of a callable outside the project (external/unresolved nodes), e.g.
    # "fastapi_users.FastAPIUsers.current_user" for `users.current_user()`; matched by `auth-dependencies`.
    qualname: str | None = None
    # for a closure a factory call made (`current_user(optional=True)`): the literal arguments of that call bound
    # to the factory's parameters, (name, value) sorted; the node is one per such call, not per function
    closure: tuple[tuple[str, object], ...] = ()
    # for a call the analysis cannot follow (`users.current_user(optional=not REQUIRED)`): its keyword arguments
    # as (name, value, source text), the value the literal the argument evaluates to, `...` when it cannot be told
    arguments: tuple[tuple[str, object, str], ...] = ()
    # what FastAPI calls, as Python sees it: for an INSTANCE node the object (its construction, arguments and
    # all: `ProxyAuth(auto_enforce=True)` and `ProxyAuth(auto_enforce=False)` are two nodes), for a CLASS node
    # the class it instantiates (a subclass inheriting `__init__` is a node of its own)
    instance: InstanceV | None = None
    cls: ClassV | None = None
    # for a callable that lets some request paths through before its check (`if request.url.path in EXEMPT_PATHS:
    # return`): those paths (routes/middleware.py reads them as a middleware's); the node stands for the routes
    # whose path it does not exempt, and each other route has a node of its own (`DependencyTrees.route_root`)
    exempts: Exemptions | None = None
    # for such a route's own node: what the dependency does on this route's path (it is exempt, or let through on
    # a test the analysis cannot decide): the node runs no code of the dependency (its dependencies still run)
    path_test: str | None = None
    # for an ALTERNATIVES node that stands for a middleware added under `if` tests (itself or no middleware): the
    # middleware's name and how it is added, "`label` (added by `origin`)"
    added_middleware: str | None = None
    # for an ALTERNATIVES node that stands for a dependency an app overrides under `if` tests
    # (`app.dependency_overrides[dep] = other`): the write, "`write` (path:line)"
    override: str | None = None
    # for a route's root whose dependencies an app's `dependency_overrides` changed: whether a fastapi.security scheme
    # is among the dependencies it declares (what OpenAPI lists, read from the declared ones, not the overrides)
    openapi_scheme: bool | None = None
    # for such a node: what the locals its test reads are bound to, "name is `value` (path:line)"
    test_values: tuple[str, ...] = ()
    # for an UNRESOLVED node whose code is known not to be what runs (the object's `__call__` or bound method is
    # abstract and its class does not override it): why, shown instead of "cannot resolve"
    unknown_why: str | None = None
    # for a `@requires` or `request.user` check (DECORATOR, REQUEST_USER) behind an AuthenticationMiddleware: what
    # its backend gives a request with a forged credential, when it may let it through (None: it refuses it)
    forged_grant: ForgedGrant | None = None


@dataclass
class Route:
    decl: RouteDecl
    methods: tuple[str, ...]
    full_path: str
    deps: list[DepRef]  # every declared dependency, outermost level first
    conditions: tuple[str, ...]  # source text of the `if` tests around it
    reachable: bool
    root: DepNode | None = None  # the handler as a dependant, children = all effective deps
    mounted: bool = False
    apps: tuple[RouterKey, ...] = ()  # keys of the apps the route is served through, innermost first
    app_paths: tuple[str, ...] = ()  # for each of `apps`, the route's path within that app (mount prefix left out)
    opaque: bool = False  # stands for the unknown routes of a router the analysis cannot read
    # for a route no include seen reaches an app with: the includes the analysis cannot read that may still
    # serve it ("`call text` (file:line)"), its own router's into an unknown parent and any of unknown routers;
    # for a route reached through a call the analysis does not read (`Include.unseen`): those calls
    unseen: tuple[str, ...] = ()
    # the full path with each part chosen at run time between known strings written as the token naming that
    # choice (`literals.PathChoice.pattern`): routes of one declaration, app and pattern are alternatives of one
    # route, each under its tests (in `conditions`)
    pattern: str = ""
    # for such a route: the full paths of the other alternatives (the app has the route under one of them)
    alternatives: tuple[str, ...] = ()
    # for a route reached only through an app (or router) built to export an OpenAPI document and never served
    # (routes/served.py): how it is exported ("`app.openapi()` (file:line)"); the route is not reachable
    exported: str = ""
    # for a websocket route: the authenticating middleware of its apps that handles HTTP requests only
    # (`Middleware.http_only`), which a websocket connection passes untouched: "`label` (path:line)"
    http_only: tuple[str, ...] = ()

    def path_in(self, app: RouterKey) -> str:
        """The route's path as the app `app` sees it (`scope["path"]` less `scope["root_path"]`)."""
        return next((p for k, p in zip(self.apps, self.app_paths, strict=False) if k == app), self.full_path)


@dataclass(frozen=True)
class AppSite:
    """An app's identity when the project makes several (routes/apps.py): a label, and the place it names."""

    label: str
    path: str
    line: int


@dataclass
class Graph:
    index: Index
    routers: dict[RouterKey, RouterNode]
    routes: list[Route]
    nodes: dict[NodeId, DepNode]
    token_urls: list[str]
    mounts: list[Mount] = field(default_factory=list)
    apps: dict[RouterKey, AppSite] = field(default_factory=dict)  # by app key, when there are several apps
    # the middleware (qualified names) of any app whose request handler the analysis does not read (see
    # `routes.middleware.Middleware.unread`)
    unread_middleware: tuple[str, ...] = ()
    # What the later stages made of this table, set by `api` on a copy (`dataclasses.replace`): the route table
    # does not know their types. The auth judgement (an `auth.judge.Judgement`, read with
    # `auth.judge.judgement_of`) and what declared intent (config, inline directives) did.
    auth: object = None
    intent: object = None


# ------------------------------------------------------------------------------------------ tree walks


_PATH_PARAMETER = re.compile(r"{([A-Za-z_][A-Za-z0-9_]*)(:[^}]*)?}")


def path_parameters(path: str) -> frozenset[str]:
    """The names of a path template's parameters (`/items/{item_id}`, `/files/{p:path}`)."""
    return frozenset(m.group(1) for m in _PATH_PARAMETER.finditer(path))


def has_credential(node: DepNode, seen: set[int] | None = None) -> bool:
    seen = set() if seen is None else seen
    if node.credential:
        return True
    if id(node) in seen:
        return False
    seen.add(id(node))
    return any(has_credential(child, seen) for child, _ in node.children)


def walk(node: DepNode, seen: set[int] | None = None) -> Iterator[DepNode]:
    """Every node of the tree under `node` (each once)."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child, _ in node.children:
        yield from walk(child, seen)
