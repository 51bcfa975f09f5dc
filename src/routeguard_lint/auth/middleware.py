"""What a middleware does to a request without credentials: its request handler is walked with the credential
missing (missing_credential.py). A request that never reaches the next app (`call_next(request)`,
`self.app(scope, receive, send)`) is rejected: the middleware authenticates (`Role.AUTH`); one that reaches it
is handed on (`Role.OBSERVER`); one that reaches it only past a test the analysis cannot compute leaves it
undecided (`Role.UNKNOWN`, with the line of that call). The route table (routes/middleware.py) reads the
registrations and exempt paths and asks this judgement through the function `api` hands it.
"""

from __future__ import annotations

from routeguard_lint.auth.missing_credential import AV, Flow
from routeguard_lint.auth.optional_auth import credential_key
from routeguard_lint.facts import ir
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, InstanceV, LiteralV
from routeguard_lint.routes.middleware import BackendGrant, MiddlewareReader, Role, request_method
from routeguard_lint.vocabulary import VERIFYING_CALLS, is_credential_setting


def middleware_role(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None = None
                    ) -> tuple[Role, int | None, str | None]:
    """Walk the handler with the credential missing: does the request reach the next app? A middleware that
    hands it on only where a setting the analysis cannot read says so (it rejects it when every such setting
    enforces authentication, see `Flow.closed_gates`) is unknown, with those settings. A method's `self` is
    `made`, the object Starlette makes of the class (`self.password` is what its `__init__` stored)."""
    calls = reader.calls
    func = reader.index.func(fv)
    if func is None or not calls.reads_credential(fv):
        return Role.OTHER, None, None
    params = [p for p in func.params if p.kind not in ("vararg", "kwarg")]
    this: str | None = None
    if func.class_name is not None and params and params[0].name in ("self", "cls"):
        this = params[0].name
        params = params[1:]
    names = [p.name for p in params]
    request = names[0] if names else None
    onward = set(names[1:2]) if func.name != "__call__" else set()

    def next_app(call: ir.Call) -> bool:
        f = call.func
        if isinstance(f, ir.Name) and f.id in onward:
            return True
        return isinstance(f, ir.Attr) and isinstance(f.value, ir.Name) and f.value.id == "self" and \
            "app" in f.attr.lower()

    flow = Flow(reader.index, calls.callee, VERIFYING_CALLS, credential_key, is_credential_setting, next_app=next_app,
                decide=lambda expr, where: path_test_value(reader, expr, where))
    env = {request: AV("obj", None, True)} if request else {}
    if this is not None and made is not None and isinstance(made.cls, ClassV):
        env[this] = flow.constructed(made.cls, made)
    outcome = flow.run(fv, env)
    if not outcome.reached:
        rejects = calls.can_reject(fv) or reader.rejecting_return(fv) or bool(func.returns)
        return (Role.AUTH, None, None) if rejects else (Role.OBSERVER, None, None)
    # the next app reached only past tests that do not depend on the request (`if not self.password: return
    # await call_next(request)`): when every such setting enforces authentication, is it still reached?
    flow.gates_closed = True
    closed = flow.run(fv, env)
    if not closed.reached and closed.assumed:
        gate = " or ".join(f"`{text}` ({where})" for text, where in dict.fromkeys(closed.assumed))
        return Role.UNKNOWN, None, gate
    if any(sure for _line, sure in outcome.reached):
        return Role.OBSERVER, None, None
    return Role.UNKNOWN, min(line for line, _sure in outcome.reached), None


def backend_grants(reader: MiddlewareReader, fv: FuncV, made: InstanceV | None = None) -> tuple[BackendGrant, ...]:
    """The returns of an AuthenticationMiddleware backend's `authenticate(self, conn)` that a request without
    credentials reaches with credentials: its connection walked with the credential missing, `self` the backend
    object the registration makes. Returning None (an anonymous user) or raising AuthenticationError grants none;
    a return of anything else grants the scopes of the `AuthCredentials([...])` it returns (unread: None)."""
    func = reader.index.func(fv)
    if func is None:
        return ()
    params = [p for p in func.params if p.kind not in ("vararg", "kwarg")]
    this: str | None = None
    if func.class_name is not None and params and params[0].name in ("self", "cls"):
        this = params[0].name
        params = params[1:]
    flow = Flow(reader.index, reader.calls.callee, VERIFYING_CALLS, credential_key, is_credential_setting,
                decide=lambda expr, where: path_test_value(reader, expr, where))
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
                                   _authenticated_user(reader, ex.expr, Ctx(fv.module, func.qualname))))
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
