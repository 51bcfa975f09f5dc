"""What a middleware does to a request without credentials: its request handler is walked with the credential
missing (missing_credential.py). A request that never reaches the next app (`call_next(request)`,
`self.app(scope, receive, send)`) is rejected: the middleware authenticates (`Role.AUTH`); one that reaches it
is handed on (`Role.OBSERVER`); one that reaches it only past a test the analysis cannot compute leaves it
undecided (`Role.UNKNOWN`, with the line of that call). An undecided one is walked again for the barest request
without credentials (its method and path only), each test of its path taken to fail: the paths for which it then
certainly reaches the next app are those meeting none of those tests (`bare_request_paths`, read per route by
`Middleware.hands_on`). The route table (routes/middleware.py) reads the registrations and exempt paths and asks
this judgement through the function `api` hands it.
"""

from __future__ import annotations

from collections.abc import Callable

from routeguard_lint.auth.missing_credential import ASSUMED, AV, Flow
from routeguard_lint.auth.optional_auth import credential_key
from routeguard_lint.facts import ir
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, InstanceV, LiteralV, is_abstract
from routeguard_lint.routes.middleware import BackendGrant, MiddlewareReader, PathTest, Role, request_method
from routeguard_lint.vocabulary import VERIFYING_CALLS, is_credential_setting


def middleware_role(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None = None
                    ) -> tuple[Role, int | None, str | None, tuple[tuple[PathTest, str], ...] | None]:
    """Walk the handler with the credential missing: does the request reach the next app? A middleware that
    hands it on only where a setting the analysis cannot read says so (it rejects it when every such setting
    enforces authentication, see `Flow.closed_gates`) is unknown, with those settings; one undecided otherwise is
    unknown with the line of a call to the next app, and the paths the barest request certainly reaches it for
    (`bare_request_paths`). A method's `self` is `made`, the object Starlette makes of the class (`self.password`
    is what its `__init__` stored)."""
    calls = reader.calls
    func = reader.index.func(fv)
    if func is None or not calls.reads_credential(fv):
        return Role.OTHER, None, None, None
    taken: list[tuple[PathTest, str]] = []
    unread: list[bool] = []
    walking: list[Flow] = []  # the walk's Flow, once made (`_walker` already walks `__init__` with `decide`)

    def decide(expr: ir.Expr, ctx: Ctx) -> bool | None:
        known = path_test_value(reader, expr, ctx)
        if known is not None and not (walking and walking[0].handed_on):
            # a test of the path is recorded (a test of the method or scope type is not), unless it comes after
            # the request was certainly handed on (`response = await call_next(request)` first): it changes only
            # what happens to the response
            bare_test_value(reader, expr, ctx, taken, unread)
        return known

    flow, env = _walker(reader, fv, made, decide)
    walking.append(flow)
    outcome = flow.run(fv, env)
    if not outcome.reached:
        hook = _abstract_hook(reader, fv, made)
        if hook is not None:
            # the request goes to a hook whose code is the override of the object's class, which the analysis could
            # not tell: a stub (`raise NotImplementedError`) rejects nothing
            return Role.UNKNOWN, hook, None, None
        rejects = calls.can_reject(fv) or reader.rejecting_return(fv) or bool(func.returns)
        return (Role.AUTH, None, None, None) if rejects else (Role.OBSERVER, None, None, None)
    # the next app reached only past tests that do not depend on the request (`if not self.password: return
    # await call_next(request)`): when every such setting enforces authentication, is it still reached?
    flow.gates_closed = True
    flow.handed_on = False
    closed = flow.run(fv, env)
    if not closed.reached and closed.seen.has(ASSUMED):
        gate = " or ".join(f"`{text}` ({where})" for text, where in closed.seen.of(ASSUMED))
        return Role.UNKNOWN, None, gate, None
    sure = [line for line, certain in outcome.reached if certain]
    if sure and taken and _reached_for_any_path(reader, fv, made):
        # it tests the path only on the way to choosing a value (a rate limit's rule): walked with each test of
        # the path left undecided (both of its branches taken), it still certainly hands the request on
        return Role.OBSERVER, None, None, None
    if sure and taken:
        # handed on past tests of the path taken to fail (`if path.startswith("/api"): <check>`): for a path they
        # hold for, the request may meet a check the walk did not take
        return Role.UNKNOWN, min(sure), None, None if unread else tuple(dict.fromkeys(taken))
    if sure:
        return Role.OBSERVER, None, None, None
    return Role.UNKNOWN, min(line for line, _sure in outcome.reached), None, bare_request_paths(reader, fv, made)


def _abstract_hook(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None) -> int | None:
    """The line of a call `self.hook(...)` in the handler whose method, for the object's class (`made`, else the
    handler's own class), is abstract (`@abstractmethod`, a body of `raise NotImplementedError`): what runs there is
    an override the walk did not read. None when there is none."""
    func = reader.index.func(fv)
    if func is None or func.class_name is None or not func.params:
        return None
    this = func.params[0].name
    cls = made.cls if made is not None and isinstance(made.cls, ClassV) else ClassV(fv.module, func.class_name)
    for call in func.calls:
        f = call.func
        if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == this):
            continue
        method = reader.index.class_attr(cls, f.attr)
        body = reader.index.func(method) if isinstance(method, FuncV) else None
        if body is not None and is_abstract(body):
            return call.line or func.line
    return None


def _reached_for_any_path(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None) -> bool:
    """The middleware certainly hands a request without credentials on whatever its path: walked with every test
    of the path undecided (the tests `bare_test_value` takes for tests of the path; the method's and the scope
    type's decided as `path_test_value` does), a call to the next app is still certainly reached."""
    def decide(expr: ir.Expr, ctx: Ctx) -> bool | None:
        if bare_test_value(reader, expr, ctx, [], []) is not None:
            return None
        return path_test_value(reader, expr, ctx)

    flow, env = _walker(reader, fv, made, decide)
    return any(sure for _line, sure in flow.run(fv, env).reached)


def _walker(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None,
            decide: Callable[[ir.Expr, Ctx], bool | None]) -> tuple[Flow, dict[str, AV]]:
    """The walk of a middleware's request handler with the credential missing, watching for the calls that hand the
    request to the next app (`call_next(request)`, `self.app(scope, receive, send)`), and what it starts with: the
    request (its first parameter), and `self` the object Starlette makes of the class (`made`)."""
    func = reader.index.func(fv)
    params = [p for p in func.params if p.kind not in ("vararg", "kwarg")] if func is not None else []
    this: str | None = None
    if func is not None and func.class_name is not None and params and params[0].name in ("self", "cls"):
        this = params[0].name
        params = params[1:]
    names = [p.name for p in params]
    request = names[0] if names else None
    onward = set(names[1:2]) if func is not None and func.name != "__call__" else set()

    def next_app(call: ir.Call) -> bool:
        f = call.func
        if isinstance(f, ir.Name) and f.id in onward:
            return True
        return isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == "self" and \
            "app" in f.attr.lower()

    flow = Flow(reader.index, reader.calls.callee, VERIFYING_CALLS, credential_key, is_credential_setting,
                next_app=next_app, decide=decide)
    env = {request: AV("obj", None, True)} if request else {}
    if this is not None and made is not None and isinstance(made.cls, ClassV):
        env[this] = flow.constructed(made.cls, made)
        flow.next_app_owner = made.cls
    return flow, env


def bare_request_paths(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None = None
                       ) -> tuple[tuple[PathTest, str], ...] | None:
    """For a middleware whose walk cannot tell whether it hands a request without credentials on (`Role.UNKNOWN`
    with no setting to name): walk it again for the barest such request, its method and path and nothing else (no
    query string, no header, no body), with each test of its path taken to fail (the path does not contain, start
    or end with the literal, nor equal it). When that request certainly reaches the next app, a request without
    credentials does, to every path for which those tests do fail: the tests so taken, as (kind, literal), for the
    route table to match each route's path against (`Middleware.hands_on`). None when it does not reach it."""
    taken: list[tuple[PathTest, str]] = []
    unread: list[bool] = []
    walking: list[Flow] = []

    def decide(expr: ir.Expr, ctx: Ctx) -> bool | None:
        if walking and walking[0].handed_on:  # a test after the request was certainly handed on (`middleware_role`)
            return path_test_value(reader, expr, ctx)
        known = bare_test_value(reader, expr, ctx, taken, unread)
        return path_test_value(reader, expr, ctx) if known is None else known

    flow, env = _walker(reader, fv, made, decide)
    walking.append(flow)
    outcome = flow.run(fv, env)
    if unread or not any(sure for _line, sure in outcome.reached):
        return None
    return tuple(dict.fromkeys(taken))


def bare_test_value(reader: MiddlewareReader, expr: ir.Expr, ctx: Ctx, taken: list[tuple[PathTest, str]],
                    unread: list[bool]) -> bool | None:
    """The value of a test for the barest request (see `bare_request_paths`): a test of its path fails (recorded in
    `taken`; `unread` gets an entry when the literal cannot be read); a test that a literal is in its query string
    (`b"shared" in scope["query_string"]`, `"debug" in request.query_params`) fails; None for any other test."""
    if isinstance(expr, ir.Not):
        inner = bare_test_value(reader, expr.value, ctx, taken, unread)
        return None if inner is None else not inner
    if isinstance(expr, ir.Compare) and len(expr.ops) == 1 and expr.ops[0] in ("in", "not in", "==", "!="):
        op, right = expr.ops[0], expr.comparators[0]
        if op in ("in", "not in") and (reader.path_base(right, ctx) is not None or _query(reader, right, ctx)):
            if reader.path_base(right, ctx) is not None:
                _take(reader, PathTest.CONTAINS, expr.left, ctx, taken, unread)
            return op == "not in"
        base = reader.path_base(expr.left, ctx)
        if base is not None:
            _take(reader, PathTest.EQUALS, right, ctx, taken, unread, base, items=op in ("in", "not in"))
            return op in ("not in", "!=")
        return None
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr in ("startswith", "endswith") \
            and len(expr.args) == 1 and not expr.kwargs:
        base = reader.path_base(expr.func.value, ctx)
        if base is None:
            return None
        start = expr.func.attr == "startswith"
        _take(reader, PathTest.STARTS if start else PathTest.ENDS, expr.args[0], ctx, taken, unread,
              base if start else "", items=True)
        return False
    return None


def _take(reader: MiddlewareReader, kind: PathTest, expr: ir.Expr, ctx: Ctx, taken: list[tuple[PathTest, str]],
          unread: list[bool], base: str = "", items: bool = False) -> None:
    """Record the test of the path against the literal(s) of `expr` taken to fail (`base`: what the path tested
    had dropped, see `MiddlewareReader.path_base`)."""
    text = reader.index.string(expr, ctx)
    values = [text] if text is not None or not items else \
        [reader.index.string(i, c) for i, c in reader.literals.items_ctx(expr, ctx)]
    if not values or any(v is None for v in values):
        unread.append(True)
        return
    taken.extend((kind, base + v if kind is not PathTest.CONTAINS else v) for v in values if v is not None)


def _query(reader: MiddlewareReader, expr: ir.Expr, ctx: Ctx, depth: int = 0) -> bool:
    """The request's query string or parameters: `scope["query_string"]` (`.get(...)`, `.decode(...)` of it),
    `request.url.query`, `request.query_params`, or a name bound to one of those."""
    if depth > 5:
        return False
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "decode":
        return _query(reader, expr.func.value, ctx, depth + 1)
    found = ir.keyed(expr)
    if found is not None and isinstance(found[1], ir.Str) and found[1].value == "query_string":
        return True
    text = ir.show(expr)
    if text.endswith((".query_params", "url.query")):
        return True
    if isinstance(expr, ir.Name):
        bound = reader.literals.assignment(expr, ctx)
        return bound is not None and not isinstance(bound.expr, ir.Name) and \
            _query(reader, bound.expr, bound.ctx, depth + 1)
    return False


def backend_grants(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None = None,
                   forged: bool = False) -> tuple[BackendGrant, ...]:
    """The returns of an AuthenticationMiddleware backend's `authenticate(self, conn)` that a request without
    credentials (`forged`: with an arbitrary, forged credential) reaches with credentials: its connection walked
    with the credential missing (forged), `self` the backend object the registration makes. Returning None (an
    anonymous user) or raising AuthenticationError grants none; a return of anything else grants the scopes of the
    `AuthCredentials([...])` it returns (unread: None)."""
    func = reader.index.func(fv)
    if func is None:
        return ()
    params = [p for p in func.params if p.kind not in ("vararg", "kwarg")]
    this: str | None = None
    if func.class_name is not None and params and params[0].name in ("self", "cls"):
        this = params[0].name
        params = params[1:]
    flow = Flow(reader.index, reader.calls.callee, VERIFYING_CALLS, credential_key, is_credential_setting,
                present=forged, decide=lambda expr, where: path_test_value(reader, expr, where))
    flow.record_tests = True
    env = {params[0].name: AV("obj", None, True)} if params else {}
    if this is not None and made is not None and isinstance(made.cls, ClassV):
        env[this] = flow.constructed(made.cls, made)
    outcome = flow.run(fv, env)
    grants = []
    for ex in outcome.exits:
        if ex.value.kind in ("none", "crash") or ex.implicit:
            continue
        grants.append(BackendGrant(ex.line, ex.sure, ex.gates, _granted_scopes(ex.expr), ex.tests,
                                   _authenticated_user(reader, ex.expr, Ctx(fv.module, func.qualname)),
                                   tuple(dict.fromkeys(u.shown() for u in ex.unread))))
    return tuple(grants)


_USERS = {"starlette.authentication.SimpleUser": True, "starlette.authentication.UnauthenticatedUser": False}


def _authenticated_user(reader: MiddlewareReader, expr: ir.Expr | None, ctx: Ctx) -> bool | None:
    """Whether the user of `return AuthCredentials([...]), User(...)` is authenticated (what
    `request.user.is_authenticated` then is): Starlette's `SimpleUser` is, `UnauthenticatedUser` is not; a project
    class says so by an `is_authenticated` it defines as a constant or a property returning one, or by the Starlette
    class it extends. None when unread."""
    user = expr.items[1] if isinstance(expr, ir.Seq) and len(expr.items) == 2 else None
    if not isinstance(user, ir.Call):
        return None
    index = reader.index
    cls = index.resolve(user.func, ctx)
    if isinstance(cls, ExternalV):
        return _USERS.get(cls.qualname)
    if not isinstance(cls, ClassV):
        return None
    found = index.class_attr(cls, "is_authenticated")
    if isinstance(found, LiteralV) and isinstance(found.value, bool):
        return found.value
    if isinstance(found, FuncV):
        func = index.func(found)
        values = {r.value.value for r in func.returns if isinstance(r.value, ir.Const)} if func is not None else set()
        if func is not None and func.returns and len(values) == 1 and \
                all(isinstance(r.value, ir.Const) for r in func.returns):
            value = values.pop()
            return value if isinstance(value, bool) else None
        return None
    for base in index.external_bases(cls):
        if base in _USERS:
            return _USERS[base]
    return None


def _granted_scopes(expr: ir.Expr | None) -> tuple[str, ...] | None:
    """The scopes of `AuthCredentials(["a", "b"])` in `return AuthCredentials([...]), user`; None when unread."""
    first = expr.items[0] if isinstance(expr, ir.Seq) and expr.items else None
    if not isinstance(first, ir.Call) or ir.show(first.func).rsplit(".", 1)[-1] != "AuthCredentials":
        return None
    arg = first.args[0] if first.args else dict(first.kwargs).get("scopes")
    if arg is None:
        return ()
    items = arg.items if isinstance(arg, ir.Seq) else (arg,)
    out = tuple(i.value for i in items if isinstance(i, ir.Str))
    return out if len(out) == len(items) else None


def path_test_value(reader: MiddlewareReader, expr: ir.Expr, ctx: Ctx) -> bool | None:
    """The value of a test on the request's path, method or ASGI scope type for an ordinary HTTP request
    to a path the middleware (or a dependency that exempts paths, auth/judge.py) does not exempt (exempt paths
    are read by the route table): `path in PUBLIC` and
    `path.startswith(...)` are false, `path not in PUBLIC` true; `scope["type"]` is "http"; the method
    (`request.method`, `.upper()` of it, `scope["method"]`) is not OPTIONS/HEAD, so a test that it is one of
    those (`== "OPTIONS"`, `in ("OPTIONS", "HEAD")`) is false, whatever it is combined with."""
    if isinstance(expr, ir.Compare) and len(expr.ops) == 1:
        op, right = expr.ops[0], expr.comparators[0]
        if reader.path_base(expr.left, ctx) is not None:
            if op in ("in", "=="):
                return False
            if op in ("not in", "!="):
                return True
            return None
        text = ir.show(expr.left)
        if isinstance(right, ir.Str) and op in ("==", "!=") and \
                (text.endswith(('["type"]', "['type']")) or text.endswith(".type")):
            return (right.value == "http") == (op == "==")
        if request_method(expr.left):
            return reader.method_test(op, right, ctx)
        return None
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Attr) and expr.func.attr == "startswith" and \
            reader.path_base(expr.func.value, ctx) is not None:
        return False
    return None
