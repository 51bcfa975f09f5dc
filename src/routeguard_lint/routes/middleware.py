"""Authentication done by middleware, before any route runs.

An app's middleware sees every request to it (and to the apps mounted under it). A middleware protects
the routes behind it only when its request handler (`dispatch` of a `BaseHTTPMiddleware` subclass, an
`@app.middleware("http")` function, or `__call__` of a plain ASGI class) reads a credential (an
`Authorization`/API-key header, a session cookie, `request.session`, `request.user`), itself or in a project
function it calls, and a request that carries no credential never reaches the next app (`call_next(request)`,
`self.app(scope, receive, send)`): the handler is walked with the credential missing, a judgement of the
auth stage (auth/middleware.py) that `api` hands to the route table's builder.
One that hands such a request on is an observer, whatever else it does (logs or audits the header, copies
the token to `request.state`, re-raises what the app raised, rejects only a malformed header); one whose
walk cannot tell (the next app is reached only past a test on a value the analysis cannot compute) is
unknown, and the routes behind it are unverified, except those whose path meets none of the path tests past which
the barest request without credentials certainly reaches the next app (`Middleware.bare_paths`). Paths it lets
through untouched are exempt when they are literal: `if request.url.path in PUBLIC_PATHS: return await
call_next(request)`, `path.startswith("/public")`, `if path not in PUBLIC: <reject>`. A path test joined with
another test the analysis cannot decide (nested `if`s, `and`) lets the paths through only when that test holds:
the routes behind it are unverified, naming it. A dependency's exempt paths are read the same way
(`MiddlewareReader.exemptions`, for `DependencyTrees`).

Starlette's `AuthenticationMiddleware` only sets `request.user`; routes are protected by what checks it
(`@requires(...)`, `if not request.user.is_authenticated: raise ...`), which the graph handles; here it is
recorded so that those checks can name it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Return, is_marker
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import (
    BoundParam,
    ClassV,
    Ctx,
    ExternalV,
    FuncV,
    Index,
    InstanceV,
    LiteralV,
    Value,
    qualified_name,
)
from routeguard_lint.routes.literals import Literals
from routeguard_lint.routes.model import Exemptions, RouterKey

AUTHENTICATION_MIDDLEWARE = "AuthenticationMiddleware"
# the packages whose middleware the analysis knows without reading it: none sets `request.state`
_FRAMEWORK = ("starlette.", "fastapi.")
MAX_HELPERS = 3  # checks a handler delegates to (call statements), how deep their exempt paths are read
_PARAM = re.compile(r"\{[^}]*\}")
REJECT_STATUS = re.compile(r"(^|\D)(401|403)(\D|$)|UNAUTHORIZED|FORBIDDEN")


class Role(str, Enum):
    """What a middleware does to a request without credentials."""

    AUTH = "auth"  # rejects it before the next app
    AUTHENTICATION = "authentication"  # Starlette's AuthenticationMiddleware: sets request.user, never rejects
    OBSERVER = "observer"  # reads a credential but hands such a request on
    UNKNOWN = "unknown"  # reads a credential; whether it hands such a request on cannot be told
    OTHER = "other"  # reads no credential


class PathTest(str, Enum):
    """A test of the request's path against a literal (`Middleware.bare_paths`)."""

    CONTAINS = "contains"  # `"/ws/" in path`
    EQUALS = "equals"  # `path == "/x"`, `path in {...}`
    STARTS = "starts with"  # `path.startswith("/x")`
    ENDS = "ends with"  # `path.endswith("/x")`


_MEETS: dict[PathTest, Callable[[str, str], bool]] = {
    PathTest.CONTAINS: lambda path, literal: literal in path,
    PathTest.EQUALS: lambda path, literal: path == literal,
    PathTest.STARTS: str.startswith,
    PathTest.ENDS: str.endswith,
}


@dataclass
class Middleware:
    app: RouterKey  # key of the app it is added to
    label: str  # qualified name of the middleware class or function
    origin: str  # how it was added: "app.add_middleware(...)", "@app.middleware('http')", "FastAPI(middleware=)"
    file: str  # where it was added
    line: int
    def_path: str | None = None  # where its request handler is defined
    def_line: int | None = None
    kind: Role = Role.OTHER
    undecided_at: int | None = None  # for Role.UNKNOWN: the line of the call to the next app it may reach
    # for Role.UNKNOWN: the settings under which it hands a request without credentials on, when it rejects one
    # otherwise (`if SESSION_API_KEY and key != SESSION_API_KEY: ...`): "`test` (path:line)"
    gate: str | None = None
    paths: Exemptions = field(default_factory=Exemptions)  # the paths it lets through untouched
    backend: str | None = None  # AuthenticationMiddleware(backend=...)
    # what its backend's `authenticate` returns to a request without credentials: the returns that give it
    # credentials (see `BackendGrant`); None when the backend's `authenticate` cannot be read
    grants: tuple[BackendGrant, ...] | None = ()
    # what it returns to a request with a forged credential (the same walk, the credential an arbitrary value)
    forged: tuple[BackendGrant, ...] | None = ()
    backend_path: str | None = None  # where the backend's `authenticate` is defined
    backend_line: int | None = None
    backend_method: FuncV | None = None  # the backend's `authenticate`, when it can be read
    # source text of the `if` tests the registration is written under (`if os.getenv("SECURE"): add_middleware`):
    # the app has it only when they hold
    conditions: tuple[str, ...] = ()
    # what the function's locals those tests read are bound to: "name is `value` (path:line)"
    values: tuple[str, ...] = ()
    # for Role.UNKNOWN: the barest request without credentials (its method and path, no query string, header or
    # body) certainly reaches the next app when none of these tests of its path holds (auth/middleware.py,
    # `bare_request_paths`); None when that is not known
    bare_paths: tuple[tuple[PathTest, str], ...] | None = None
    # a `BaseHTTPMiddleware` (an `@app.middleware("http")` function, a class whose request handler is `dispatch`):
    # Starlette hands every connection that is not an HTTP request (a websocket) straight on to the next app, so it
    # stands in front of no websocket route
    http_only: bool = False
    # its request handler is code the analysis does not read (a library's other than Starlette's and FastAPI's
    # own, or one that cannot be found): what it does to the request (`request.state`) is not known
    unread: bool = False
    # a `BaseHTTPMiddleware` class whose name a class decorator binds to something else (`@websocket_aware` returning
    # a wrapper class that runs `dispatch` for websocket connections too): what a websocket connection meets is what
    # the decorator made, "`@decorator` (path:line)"; None when every decorator hands the class back
    websocket_unread: str | None = None

    def exempts(self, path: str) -> bool:
        return self.paths.exempts(path)

    def hands_on(self, path: str) -> bool:
        """For Role.UNKNOWN: a request without credentials to the route path `path` reaches the next app on some
        path through the handler: the barest one does when its path meets none of `bare_paths`, and its path
        parameters can be chosen so (each is taken to be a segment no literal holds)."""
        return self.bare_paths is not None and self.path_met(path) is None

    def path_met(self, path: str) -> str | None:
        """The first of `bare_paths` the route path `path` meets, as text (`starts with "/api"`), or None."""
        probe = _PARAM.sub("\0", path)
        for kind, literal in self.bare_paths or ():
            if _MEETS[kind](probe, literal):
                return f"{kind.value} {literal!r}"
        return None


# Whether a middleware's request handler rejects a request without credentials (and, for Role.UNKNOWN, the
# line of the call to the next app it may reach): the auth stage's judgement (auth/middleware.py), which
# `api` hands to the route table's builder.
# `InstanceV`: the object Starlette makes of a middleware class (`cls(app, **options)`), None for a function.
@dataclass(frozen=True)
class BackendGrant:
    """A `return` of an AuthenticationMiddleware backend's `authenticate` that a request without credentials
    reaches with credentials (`return AuthCredentials(["authenticated"]), SimpleUser("default")`)."""

    line: int
    sure: bool  # every test on the way holds for such a request
    gates: tuple[tuple[str, str], ...]  # settings the analysis cannot read that choose the way: (text, "path:line")
    scopes: tuple[str, ...] | None  # the scopes it grants, None when they cannot be read
    # tests of the request on the way that the analysis cannot compute for one without credentials (`conn.client.host
    # in TRUSTED_HOSTS`): (text, "path:line"); with none and neither `sure` nor `gates`, code on the way may raise
    tests: tuple[tuple[str, str], ...] = ()
    # whether the user it returns is authenticated (`request.user.is_authenticated`): `SimpleUser(...)` is,
    # `UnauthenticatedUser()` is not; None when that cannot be read
    user: bool | None = None
    # on the walk of a forged credential: code the analysis cannot read that decided the way here, from what it made
    # of the credential (`await api_keys.lookup(token)`), shown as "`call` (path:line): why"
    unread: tuple[str, ...] = ()


# What an AuthenticationMiddleware backend's `authenticate` (walked with the credential missing, or `forged`, `self`
# the object the registration makes) grants: the auth stage's judgement (auth/middleware.py, `backend_grants`).
BackendReader = Callable[["MiddlewareReader", FuncV, InstanceV | None, bool], tuple[BackendGrant, ...]]
MiddlewareRole = Callable[["MiddlewareReader", FuncV, InstanceV | None],
                          tuple[Role, int | None, str | None, tuple[tuple["PathTest", str], ...] | None]]


@dataclass
class _Scan:
    exact: set[str] = field(default_factory=set)
    prefixes: list[str] = field(default_factory=list)
    unknown: bool = False
    within_app: bool = False
    conditional: list[tuple[frozenset[str], tuple[str, ...], str]] = field(default_factory=list)
    unknown_test: str | None = None  # the first test that made `unknown`

    def read(self) -> Exemptions:
        return Exemptions(frozenset(self.exact), tuple(self.prefixes), tuple(self.conditional),
                          (self.unknown_test or "a test of the path") if self.unknown else None, self.within_app)


class MiddlewareReader:
    """Reads middleware registrations (route discovery calls `add` for each) and what each one's request
    handler does to a request without credentials."""

    def __init__(self, index: Index, calls: Calls, literals: Literals, role: MiddlewareRole,
                 backend: BackendReader | None = None) -> None:
        self.index = index
        self.calls = calls
        self.literals = literals
        self.role = role
        self.backend = backend
        self.found: list[Middleware] = []
        self._dependencies: dict[tuple[FuncV, tuple[BoundParam, ...]], Exemptions | None] = {}
        self.exempting: set[FuncV] = set()  # the dependencies that exempt request paths (`exemptions`)
        self._predicates: set[FuncV] = set()  # the functions `_predicate_paths` is reading (recursion)

    # -- registrations -----------------------------------------------------------------------------
    def add(self, app_key: RouterKey, value: Value, target: ir.Expr | None, ctx: Ctx, origin: str, file: str,
            line: int, options: tuple[tuple[str, ir.Expr], ...] = (), conditions: tuple[str, ...] = (),
            http_only: bool = False, values: tuple[str, ...] = ()) -> None:
        """`value` is the middleware class or function (`target` its expression, for messages); `options`
        the keyword arguments it is added with; `conditions` the tests it is added under (`values`: what the locals
        they read are bound to); `http_only`: a function `@app.middleware("http")` adds (Starlette wraps it in a
        `BaseHTTPMiddleware`)."""
        mw = Middleware(app_key, self._label(value, target), origin, file, line, conditions=conditions,
                        values=values)
        handler = self._handler(value)
        # a class whose request handler is `dispatch` (none of its own `__call__`) is a `BaseHTTPMiddleware`: its
        # `__call__` passes a websocket connection on untouched
        mw.http_only = http_only or (isinstance(value, ClassV) and handler is not None and
                                     handler.qualname.rsplit(".", 1)[-1] == "dispatch" and
                                     not isinstance(self.index.class_attr(value, "__call__"), FuncV))
        if mw.http_only and not http_only and isinstance(value, ClassV):
            mw.websocket_unread = self._rebinding_decorator(value)
            mw.http_only = mw.websocket_unread is None
        name = value.qualname if isinstance(value, ExternalV) else None
        if isinstance(value, ClassV):
            bases = self.index.external_bases(value)
            if any(b.rsplit(".", 1)[-1] == AUTHENTICATION_MIDDLEWARE for b in bases):
                name = AUTHENTICATION_MIDDLEWARE
        if name and name.rsplit(".", 1)[-1] == AUTHENTICATION_MIDDLEWARE:
            mw.kind = Role.AUTHENTICATION
            for key, expr in options:
                if key == "backend":
                    backend = self.index.resolve(expr, ctx)
                    mw.backend = self._label(backend, expr)
                    if self.backend is not None:
                        self._backend(mw, backend)
            self.found.append(mw)
            return
        mw.unread = not mw.label.startswith(_FRAMEWORK) and (handler is None or self.index.is_library(handler.module))
        if handler is not None:
            func = self.index.func(handler)
            mw.def_path = self.index.path_of(handler.module)
            mw.def_line = func.line if func else None
            made = self._made(value, target, options, ctx, line)
            mw.kind, mw.undecided_at, mw.gate, mw.bare_paths = self.role(self, handler, made)
            if mw.kind is Role.AUTH or mw.gate or mw.bare_paths is not None:
                # a handler nested in the function whose call adds it sees that call's arguments; a method sees
                # the object Starlette makes of the class with the options (`self.excluded_paths`)
                nested = ctx.scope is not None and handler.module == ctx.module and \
                    handler.qualname.startswith(ctx.scope + ".")
                env = ctx.env if nested else ()
                if made is not None and func is not None and func.class_name is not None and func.params:
                    env = (BoundParam(func.qualname, func.params[0].name, ir.Bound(made.call, ctx)),)
                mw.paths = self._exemptions(handler, env).read()
        self.found.append(mw)

    def _rebinding_decorator(self, cls: ClassV) -> str | None:
        """A decorator of the class that binds its name to something other than the class (Python binds the name
        to what the decorator returns): "`@decorator` (path:line)". A decorator from the standard library, or a
        function of the project or of a library that returns the class it is given (`return cls`, a registry's),
        hands the class back."""
        cdef = self.index.cls(cls)
        if cdef is None:
            return None
        here = Ctx(cls.module)
        for dec in cdef.decorators:
            target = self.index.resolve(dec.expr.func if isinstance(dec.expr, ir.Call) else dec.expr, here)
            if isinstance(target, ExternalV) and target.qualname.split(".")[0] in sys.stdlib_module_names:
                continue
            if isinstance(target, FuncV) and not isinstance(dec.expr, ir.Call):
                applied = ir.Call(dec.expr, (ir.Name(cls.name),), (), dec.line, dec.col)
                if self.index.call_result(target, 0, applied, here) == cls:
                    continue
            return f"`@{ir.show(dec.expr, 80)}` ({self.index.path_of(cls.module)}:{dec.line})"
        return None

    def _backend(self, mw: Middleware, backend: Value) -> None:
        """What the backend object's `authenticate` grants a request without credentials (`mw.grants`)."""
        assert self.backend is not None
        method = self.index.class_attr(backend.cls, "authenticate") \
            if isinstance(backend, InstanceV) and isinstance(backend.cls, ClassV) else None
        func = self.index.func(method) if isinstance(method, FuncV) else None
        if not isinstance(method, FuncV) or func is None:
            mw.grants = mw.forged = None
            return
        mw.backend_path, mw.backend_line = self.index.path_of(method.module), func.line
        mw.backend_method = method
        made = backend if isinstance(backend, InstanceV) else None
        mw.grants = self.backend(self, method, made, False)
        mw.forged = self.backend(self, method, made, True)

    def _made(self, value: Value, target: ir.Expr | None, options: tuple[tuple[str, ir.Expr], ...], ctx: Ctx,
              line: int) -> InstanceV | None:
        """The object Starlette makes of a middleware class when it builds the app: `cls(app, **options)`, the
        options read where the registration is written."""
        if not isinstance(value, ClassV) or target is None:
            return None
        made = self.index.resolve(ir.Call(target, (ir.Unknown("app"),), options, line, 0), ctx)
        return made if isinstance(made, InstanceV) and made.cls == value else None

    def _label(self, value: Value, expr: ir.Expr | None) -> str:
        named: object = value.cls if isinstance(value, InstanceV) and value.cls is not None else value
        return qualified_name(named) or ir.show(expr)

    def _handler(self, value: Value) -> FuncV | None:
        if isinstance(value, FuncV):
            return value
        if isinstance(value, ClassV):
            for method in ("dispatch", "__call__"):
                found = self.index.class_attr(value, method)
                if isinstance(found, FuncV):
                    return found
        return None

    def exemptions(self, fv: FuncV, env: tuple[BoundParam, ...] = ()) -> Exemptions | None:
        """The request paths a dependency lets through before its check (a bare `return` under a test of the
        request's path, with no rejection before it: `if request.url.path in EXEMPT_PATHS: return`), read as a
        check a middleware delegates to is; None when it tests no path. `env`: what the call that made a closure
        bound."""
        key = (fv, env)
        if key in self._dependencies:
            return self._dependencies[key]
        self._dependencies[key] = None
        func = self.index.func(fv)
        if func is None or not any(self._mentions_path(c) for r in func.returns for c in r.conditions):
            return None
        scan = self._exemptions(fv, env, helper=1)
        found = scan.read() if scan.exact or scan.prefixes or scan.conditional or scan.unknown else None
        self._dependencies[key] = found
        if found is not None:
            self.exempting.add(fv)
        return found

    # -- what the handler does ---------------------------------------------------------------------
    def rejecting_return(self, fv: FuncV) -> bool:
        func = self.index.func(fv)
        if func is None:
            return False
        ctx = Ctx(fv.module, func.qualname)
        return any(self.is_reject_response(r.value, ctx) for r in func.returns)

    def is_reject_response(self, expr: ir.Expr | None, ctx: Ctx) -> bool:
        if isinstance(expr, ir.Name):  # `response = JSONResponse(..., status_code=401); return response`
            bound = self.literals.assignment(expr, ctx)
            expr = bound.expr if bound else expr
        if not isinstance(expr, ir.Call):
            return False
        callee = self.index.resolve(expr.func, ctx)
        name = callee.qualname if isinstance(callee, ExternalV) else \
            f"{callee.module}.{callee.name}" if isinstance(callee, ClassV) else ""
        if not name.endswith("Response"):
            return False
        status = expr.kwarg("status_code")
        if status is None and len(expr.args) > 1 and not isinstance(expr.args[1], ir.Star):
            status = expr.args[1]
        if status is None:
            return False
        value = self.index.resolve(status, ctx)
        text = str(value.value) if isinstance(value, LiteralV) else ir.show(status)
        return bool(REJECT_STATUS.search(text))

    def _exemptions(self, fv: FuncV, env: tuple[BoundParam, ...] = (), scan: _Scan | None = None,
                    helper: int = 0) -> _Scan:
        """The paths the handler lets through untouched. `helper` > 0: `fv` is a check the handler (or a check
        it calls) delegates to as a call statement (`await check(request)`), `helper` calls deep: its bare `return`
        (or `return None`) under a path test, with no rejection before it in that branch, hands the request back
        to the handler unchecked, like the handler's own `call_next(request)` under that test (`return await
        verify_admin(...)`, or a `return` after `if bad: raise`, is another check)."""
        scan = _Scan() if scan is None else scan
        func = self.index.func(fv)
        if func is None:
            return scan
        ctx = Ctx(fv.module, func.qualname, env)

        def runs(line: int) -> bool:  # not in the body of a loop over a collection certainly empty
            return not func.for_loops or not self.literals.never_runs(func, line, ctx)

        delegated = [(e, callee) for e in func.effects
                     if (callee := self._raises(e.call, ctx)) is not None and runs(e.line)]
        rejects = [(r.line, r.conditions) for r in func.raises if runs(r.line)] + \
            [(r.line, r.conditions) for r in func.returns if self.is_reject_response(r.value, ctx) and runs(r.line)] + \
            [(e.line, e.conditions) for e, _callee in delegated]  # `verify_api_key(header)`
        call_next = {p.name for p in func.params[1:] if p.kind not in ("vararg", "kwarg")} if not helper else set()
        for ret in func.returns:
            if not runs(ret.line):
                continue
            passes = _unchecked_return(ret, rejects) if helper else isinstance(ret.value, ir.Call) and \
                isinstance(ret.value.func, ir.Name) and ret.value.func.id in call_next
            if passes:  # a request let through: the path tests it is under (positively) exempt paths
                self._passed(ret.conditions, ctx, scan)
        for _line, conditions in rejects:  # a rejection under `path not in PUBLIC` exempts PUBLIC
            for cond in conditions:
                self._path_test(cond, ctx, scan, positive=False)
        if helper < MAX_HELPERS:
            # the first check every request meets (a call statement under no `if`): a later one is met only by
            # the requests it let through, so what that one skips exempts nothing from it
            first = min(((e.line, callee) for e, callee in delegated
                         if all(is_marker(c) for c in e.conditions)), key=lambda item: item[0], default=None)
            if first is not None:
                self._exemptions(first[1], (), scan, helper + 1)
        return scan

    def _passed(self, conditions: tuple[ir.Expr, ...], ctx: Ctx, scan: _Scan) -> None:
        """A request let through under `conditions`: the paths its tests of the path (positively) exempt. When
        they are joined (nested `if`s, `and`) with another test the analysis cannot decide, the paths are let
        through only when that test holds (`conditional`); with one that an ordinary request never meets (its
        method is OPTIONS, a preflight), none is, and one that it always meets (`method != "OPTIONS"`) is no
        condition."""
        parts = [part for cond in conditions if not is_marker(cond) for part in _conjuncts(cond)]
        paths = [part for part in parts if self._reads_path(part, ctx)]
        ordinary = {id(part): self._ordinary(part, ctx) for part in parts}
        if any(value is False for value in ordinary.values()):
            return
        others = [part for part in parts if not self._reads_path(part, ctx) and ordinary[id(part)] is None]
        if len(paths) == 1 and not others:  # (`path in PUBLIC and request.method != "OPTIONS"`)
            self._path_test(paths[0], ctx, scan, positive=True)
            return
        if not paths or not others:
            for cond in conditions:
                self._path_test(cond, ctx, scan, positive=True)
            return
        sub = _Scan()
        for part in paths:
            self._path_test(part, ctx, sub, positive=True)
        scan.within_app = scan.within_app or sub.within_app
        if sub.unknown:
            scan.unknown = True
            scan.unknown_test = scan.unknown_test or sub.unknown_test
        if sub.exact or sub.prefixes:
            scan.conditional.append((frozenset(sub.exact), tuple(sub.prefixes),
                                     " and ".join(ir.show(part, 80) for part in others)))

    def _ordinary(self, test: ir.Expr, ctx: Ctx) -> bool | None:
        """The value of a test of the request's method for an ordinary request (not a preflight), or None."""
        if isinstance(test, ir.Not):
            inner = self._ordinary(test.value, ctx)
            return None if inner is None else not inner
        if isinstance(test, ir.Compare) and len(test.ops) == 1 and request_method(test.left):
            return self.method_test(test.ops[0], test.comparators[0], ctx)
        return None

    def method_test(self, op: str, right: ir.Expr, ctx: Ctx) -> bool | None:
        """`method == "OPTIONS"`, `method in ("OPTIONS", "HEAD")` (and the negations) for an ordinary request:
        False (True); None when the test names another method (a GET is exempt too) or cannot be read."""
        if op in ("==", "!="):
            values = [self.index.string(right, ctx)]
        elif op in ("in", "not in"):
            values = [self.index.string(i, c) for i, c in self.literals.items_ctx(right, ctx)]
        else:
            return None
        if not values or any(v is None or v.upper() not in PREFLIGHT for v in values):
            return None
        return op in ("!=", "not in")

    def _reads_path(self, test: ir.Expr, ctx: Ctx) -> bool:
        """A test `_path_test` reads: the request path compared (`path in PUBLIC`, `path == "/x"`) or tested for a
        prefix (`path.startswith(...)`)."""
        if isinstance(test, ir.Not):
            return self._reads_path(test.value, ctx)
        if isinstance(test, ir.Compare) and len(test.ops) == 1:
            return self.path_base(test.left, ctx) is not None
        return isinstance(test, ir.Call) and isinstance(test.func, ir.Attr) and test.func.attr == "startswith" and \
            self.path_base(test.func.value, ctx) is not None

    def _raises(self, call: ir.Call, ctx: Ctx) -> FuncV | None:
        """The project function a call statement of the handler is to, when it has a `raise` of its own (a
        check the handler delegates: the paths it is skipped for are exempt like those of a `raise`)."""
        callee = self.index.resolve(call.func, ctx)
        func = self.index.func(callee) if isinstance(callee, FuncV) else None
        return callee if isinstance(callee, FuncV) and func is not None and func.raises else None

    def _path_test(self, cond: ir.Expr, ctx: Ctx, scan: _Scan, positive: bool) -> None:
        if isinstance(cond, ir.Not):
            self._path_test(cond.value, ctx, scan, not positive)
            return
        if isinstance(cond, ir.BoolOp):
            if (cond.op == "or") == positive:  # `a or b` taken / `not (a and b)` rejected: each exempts
                for value in cond.values:
                    self._path_test(value, ctx, scan, positive)
            return
        if isinstance(cond, ir.Compare) and len(cond.ops) == 1:
            base = self.path_base(cond.left, ctx)
            if base is not None:
                scan.within_app = scan.within_app or self._within_app(cond.left, ctx)
                op = cond.ops[0]
                if (op in ("in", "==") and positive) or (op in ("not in", "!=") and not positive):
                    self._collect(cond.comparators[0], ctx, scan, base, exact=True, single=op in ("==", "!="),
                                  test=cond)
                return
            if cond.ops[0] in ("in", "not in") and self.path_base(cond.comparators[0], ctx) is not None:
                # `"/admin/" in path`: a part of the path; a rejection under it exempts no path, a request let
                # through under it leaves paths the exact/prefix lists cannot hold
                if (cond.ops[0] == "in") == positive:
                    _unknown(scan, cond)
                return
        if isinstance(cond, ir.Call) and isinstance(cond.func, ir.Attr) and cond.func.attr == "startswith" \
                and cond.args:
            base = self.path_base(cond.func.value, ctx)
            if base is not None:
                scan.within_app = scan.within_app or self._within_app(cond.func.value, ctx)
                if positive:
                    self._collect(cond.args[0], ctx, scan, base, exact=False, single=False, test=cond)
                return
        helper = self._predicate(cond, ctx) if isinstance(cond, ir.Call) else None
        if helper is not None:  # `if self._should_exclude(request): return await call_next(request)`
            assert isinstance(cond, ir.Call)
            self._predicate_paths(cond, helper[0], helper[1], scan, positive)
        elif self._mentions_path(cond):
            _unknown(scan, cond)  # `any(path.startswith(p) for p in ...)`, a regex match, ...

    def _predicate(self, call: ir.Call, ctx: Ctx) -> tuple[FuncV, Ctx] | None:
        """A test that calls a project function handed the request or its path (`self._should_exclude(request)`,
        `is_public(request.url.path)`): the function and its body's context for this call (its arguments bound, a
        method's `self` the object it is called on). None for any other call."""
        handed = [a for a in (*call.args, *(v for _k, v in call.kwargs))]
        if not any(self._mentions_request(a, ctx) for a in handed):
            return None
        callee = self.index.resolve(call.func, ctx)
        func = self.index.func(callee) if isinstance(callee, FuncV) else None
        if not isinstance(callee, FuncV) or func is None or func.has_yield:
            return None
        method = func.class_name is not None and isinstance(call.func, ir.Attr) and bool(func.params) and \
            func.params[0].name in ("self", "cls")
        env = self.index.call_env(callee, func, call, ctx, skip_first=method)
        # a check of the credential (`if await self.valid_token(request): return await call_next(request)`) is
        # not a test of the path: the walk decides it
        tests = [part for ret in func.returns for cond in (*ret.conditions, *((ret.value,) if ret.value else ()))
                 if not is_marker(cond) for part in _conjuncts(cond)]
        if not any(self._reads_path(part, env) or self._mentions_path(part) for part in tests):
            return None
        return callee, env

    def _mentions_request(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """The request (a handler's first parameter, `request`, `scope`, `conn`) or its path."""
        if self.path_base(expr, ctx) is not None:
            return True
        names = set(re.findall(r"\w+", ir.show(expr, 200)))
        return bool(names & {"request", "req", "scope", "conn", "connection"})

    def _predicate_paths(self, call: ir.Call, fv: FuncV, ctx: Ctx, scan: _Scan, positive: bool) -> None:
        """The paths a request is let through for when the test is a call of a project function (`_predicate`):
        where it returns a true value (`positive`; a false one under `not`), under the tests of the path it is
        under or as the test of the path it returns (`return path in self.exclude_paths`). What cannot be read that
        way (a true value returned under no test of the path, a test under `not`, a function walked already) makes
        the paths unknown: the routes behind it are unverified, naming the call, never protected by a reading that
        missed the paths it lets through."""
        func = self.index.func(fv)
        if func is None or not positive or fv in self._predicates or len(self._predicates) >= MAX_HELPERS:
            _unknown(scan, call)
            return
        self._predicates.add(fv)
        try:
            for ret in func.returns:
                value = ret.value
                if value is None or (isinstance(value, ir.Const) and not value.value):
                    continue  # a false value (an `if` that fails lets the request meet the check)
                parts = [part for cond in ret.conditions if not is_marker(cond) for part in _conjuncts(cond)]
                if not isinstance(value, ir.Const):
                    parts.extend(_conjuncts(value))
                if any(self._ordinary(part, ctx) is False for part in parts):
                    continue  # (only a preflight request gets there)
                if not any(self._reads_path(part, ctx) or (isinstance(part, ir.Call) and
                                                           self._predicate(part, ctx) is not None) for part in parts):
                    _unknown(scan, call)  # a true value whatever the path, or under tests of something else
                    continue
                self._passed(tuple(parts), ctx, scan)
        finally:
            self._predicates.discard(fv)

    def _collect(self, expr: ir.Expr, ctx: Ctx, scan: _Scan, base: str, exact: bool, single: bool,
                 test: ir.Expr) -> None:
        text = self.index.string(expr, ctx)
        items: list[str | None] = [text] if text is not None else []
        if text is None and not single:
            items = [self.index.string(i, c) for i, c in self.literals.items_ctx(expr, ctx)]
        if not items or any(i is None for i in items):
            _unknown(scan, test)
            return
        for item in items:
            if item is None:
                continue
            if exact:
                scan.exact.add(base + item)
            else:
                scan.prefixes.append(base + item)

    def path_base(self, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> str | None:
        """For an expression holding the request path: the prefix it has dropped (`path.removeprefix("/v1")`
        -> "/v1", the path itself -> ""); None when it is not the request path."""
        if depth > 5:
            return None
        text = ir.show(expr)
        if text.endswith("url.path") or text.endswith('scope["path"]') or text.endswith("scope['path']"):
            return ""
        found = ir.keyed(expr)  # `scope.get("path", "")`
        if found is not None and isinstance(found[1], ir.Str) and found[1].value == "path" and \
                ir.show(found[0]).endswith("scope"):
            return ""
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "removeprefix" \
                and expr.args:
            inner = self.path_base(expr.func.value, ctx, depth + 1)
            if _root_path(expr.args[0]):  # `path.removeprefix(scope["root_path"])`: the path within the app
                return inner
            cut = self.index.string(expr.args[0], ctx)
            return inner + cut if inner is not None and cut is not None else None
        sliced = self._root_cut(expr, ctx)
        if sliced is not None:  # `path[len(root_path):]`: the path within the app, as `path.removeprefix(root_path)`
            return self.path_base(sliced, ctx, depth + 1)
        if isinstance(expr, ir.Name):
            bases = {self.path_base(value, where, depth + 1) for value, where in self._bindings(expr, ctx)}
            return bases.pop() if len(bases) == 1 else None
        return None

    def _bindings(self, name: ir.Name, ctx: Ctx) -> list[tuple[ir.Expr, Ctx]]:
        """What a name may be bound to where it is read: its one binding, or each of those a test chooses
        between (`relative = path[len(root):]` / `else: relative = path`); [] when it is bound to itself (`x = x`)
        or to nothing known."""
        found = self.index.branches(ctx, name.id)
        if found is not None:
            binds, where = found
            values = [(b.value, where) for b in binds]
        else:
            bound = self.literals.assignment(name, ctx)
            values = [(bound.expr, bound.ctx)] if bound is not None else []
        return [] if any(isinstance(v, ir.Name) and v.id == name.id for v, _w in values) else values

    def _root_cut(self, expr: ir.Expr, ctx: Ctx) -> ir.Expr | None:
        """For `path[len(root_path):]` (the app's `root_path`, the mount prefix, or a name bound to it): `path`."""
        if not (isinstance(expr, ir.Sub) and len(expr.index) == 1 and isinstance(expr.index[0], ir.Call)):
            return None
        bounds = expr.index[0]
        if ir.show(bounds.func) != "slice" or len(bounds.args) != 3 or \
                not all(isinstance(b, ir.Const) and b.value is None for b in bounds.args[1:]):
            return None
        size = bounds.args[0]
        if not (isinstance(size, ir.Call) and ir.show(size.func) == "len" and len(size.args) == 1):
            return None
        root = size.args[0]
        if isinstance(root, ir.Name):
            bound = self.literals.assignment(root, ctx)
            root = bound.expr if bound is not None else root
        return expr.value if _root_path(root) else None

    def within_app(self, expr: ir.Expr, ctx: Ctx) -> bool:
        """A request path less the app's `root_path` (the mount prefix), as a path within the app."""
        return self._within_app(expr, ctx)

    def _within_app(self, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> bool:
        """A request path less the app's `root_path` (the mount prefix), as a path within the app."""
        if depth > 5:
            return False
        if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "removeprefix" \
                and expr.args:
            return _root_path(expr.args[0]) or self._within_app(expr.func.value, ctx, depth + 1)
        if self._root_cut(expr, ctx) is not None:
            return True
        if isinstance(expr, ir.Name):
            return any(self._within_app(value, where, depth + 1) for value, where in self._bindings(expr, ctx))
        return False

    def _mentions_path(self, expr: ir.Expr) -> bool:
        text = ir.show(expr, 400)
        return "url.path" in text or "path" in re.findall(r"\w+", text)


def _unknown(scan: _Scan, test: ir.Expr) -> None:
    scan.unknown = True
    scan.unknown_test = scan.unknown_test or ir.show(test, 80)


def _conjuncts(test: ir.Expr) -> list[ir.Expr]:
    """The parts of an `and` (each of which holds where the whole does), or the test itself."""
    if isinstance(test, ir.BoolOp) and test.op == "and":
        return [part for value in test.values for part in _conjuncts(value)]
    return [test]


PREFLIGHT = frozenset({"OPTIONS", "HEAD"})


def request_method(expr: ir.Expr) -> bool:
    """The request's method: `request.method`, `request.method.upper()` / `.lower()`, `scope["method"]`."""
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in ("upper", "lower") and \
            not expr.args:
        expr = expr.func.value
    text = ir.show(expr)
    return text.endswith((".method", '["method"]', "['method']"))


def _unchecked_return(ret: Return, rejects: list[tuple[int, tuple[ir.Expr, ...]]]) -> bool:
    """A check's bare `return` (or `return None`) that no rejection before it in its branch guards (one written
    earlier under the tests the `return` is under, and maybe more)."""
    if ret.value is not None and not isinstance(ret.value, ir.Const):
        return False
    mine = [ir.show(c) for c in ret.conditions]
    return not any(line < ret.line and [ir.show(c) for c in conds[:len(mine)]] == mine for line, conds in rejects)


def _root_path(expr: ir.Expr) -> bool:
    """`scope["root_path"]`, `scope.get("root_path", "")`, `request.scope["root_path"]`: the mount prefix of the
    app a request reached."""
    found = ir.keyed(expr)
    return found is not None and isinstance(found[1], ir.Str) and found[1].value == "root_path"
