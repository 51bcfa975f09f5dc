"""A route handler whose only changes act on what the caller's own credential names: an own-session logout.

polar's `GET /v1/auth/logout` looks the session cookie up (`user_session = await auth_service.authenticate(
session, request)`: the token hashed and queried, `None` without a cookie) and hands the result to
`get_logout_response`, which deletes it only `if user_session is not None` and clears the cookie. A request
without credentials gets its cookie cleared and nothing else; a request with one deletes the session that
credential names, its own. Nothing a stranger could not do to himself: public by design.

The handler reads the credential itself (nothing on the route could authenticate) and the walk of a request
without credentials gets through. It is such a route when, over the handler and the project functions it calls
(followed a few calls deep, each argument's origin bound to the parameter it reaches):

* every call statement that does work (not a read of the request, logging, a pure computation or a response
  built, see `auth.answered`; not clearing a cookie on a response, `set_cookie(key, "")` / `max_age=0` /
  `delete_cookie`, or the caller's `request.session`) is on a line the walk of a request without credentials
  never reached (a test of a value made from the missing credential was false, or the walk ended before: a
  `return` in the `except` of a failed decode), in the handler or in the function it is in, as that walk
  went through it;
* and acts on a value made from the credential: its receiver or an argument is a name bound (directly or
  through other names) to what a call computed from the credential (a lookup, a decode), not the raw
  credential read (`redis.set(f"session:{token}", ...)` plants a session a stranger names);
* no function on the way writes an attribute, an item or a global (`Func.stores`), or a `nonlocal`; a delete
  written `del SESSIONS[key]` is such a store, left to a reviewer;
* and the handler answers nothing read from stored data: each `return` is a value written in the code, a
  setting (`settings.FRONTEND_BASE_URL`), a response made of those, a local bound only to such values, or
  the result of a project function that answers the same way (its parameters bound to such values).

A logout keyed by something the request chooses (`DELETE /sessions/{sid}` deleting `sid` under `if user:`)
acts on no value made from the credential and stays a finding, as does one that deletes without a test (the
walk of a request without credentials reaches the deletion).
"""

from __future__ import annotations

from routeguard_lint.auth.answered import _cleared, _response_made, _session_of, no_work, shared_stores
from routeguard_lint.auth.missing_credential import Flow, Outcome, Walked, names_in
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import ClassV, Ctx, FuncV, LiteralV
from routeguard_lint.routes.model import DepNode, NodeKind, ParamKind

MAX_DEPTH = 4  # project calls followed from the handler
MAX_ANSWER_DEPTH = 12  # steps of the expression an answer is made of (names, calls, arguments)
_CREDENTIAL_PARTS = frozenset({"cookies", "headers", "session"})
_COOKIE_METHODS = frozenset({"set_cookie", "delete_cookie"})


class _Scan:
    def __init__(self, flow: Flow, calls: Calls) -> None:
        self.flow = flow
        self.calls = calls
        self.acted: list[str] = []  # the changes found, each under a test of the credential
        self.cleared = False
        self.steps = 0
        self.evaluating: set[tuple[int, str]] = set()  # names of functions whose bindings `plain` is reading

    def function(self, fv: FuncV, func: Func, ctx: Ctx, requests: frozenset[str], handed: frozenset[str],
                 walks: list[Walked] | None, depth: int, constructing: bool = False,
                 carried: frozenset[str] = frozenset()) -> bool:
        """`handed`: `func`'s parameters bound to values made from the credential; `walks`: the walks of a
        request without credentials through `func` (None: that request never calls it here). `constructing`:
        `func` is the `__init__` of an object being made (`raise TokenError(msg=...)`): what it sets on `self`,
        and the `super().__init__(...)` it calls, change only that new object. `carried`: its parameters bound to
        the credential or a value of it (made by a call or not)."""
        self.steps += 1
        own = ("self.",) if constructing else ()
        if self.steps > 60 or func.has_yield or func.attr_writes or func.nonlocal_assigns or shared_stores(func) \
                or func.session_writes or any("." in b.name and not b.name.startswith(own) for b in func.binds):
            return False
        made = self._made(func, ctx, requests, handed)
        touched = _touched(func, requests, made | carried)
        effects = {(e.call.line, e.call.col) for e in func.effects}
        for call in func.calls:
            target = self.calls.callee(call, ctx, func)
            reached = walks is not None and (not walks or any(w.reaches(call.line) for w in walks))
            if isinstance(target, FuncV):
                callee = self.calls.index.func(target)
                if callee is None or depth >= MAX_DEPTH:
                    return False
                bound = self._bound(call, callee, made)
                inner = self.calls.index.call_env(target, callee, call, ctx)
                below = list(self.flow.walked.get(target, ())) if reached else None
                below_requests = self._bound(call, callee, requests)
                # `Cls(...)` (its `__init__`), or a constructor's `super().__init__(...)`
                made_here = target.qualname.endswith(".__init__") and \
                    (not (isinstance(call.func, ir.Attr) and call.func.attr == "__init__") or
                     (constructing and _on_self(call.func.value)))
                if not self.function(target, callee, inner, below_requests, bound, below, depth + 1, made_here,
                                     self._bound(call, callee, touched, requests)):
                    return False
                continue
            if constructing and isinstance(f := call.func, ir.Attr) and _on_self(f.value):
                continue  # `super().__init__(...)` of a library base class: the new object made
            f = call.func
            if isinstance(f, ir.Attr) and (f.attr in _COOKIE_METHODS or _session_of(f, requests)):
                if not self._clears(call, func, ctx, requests):
                    return False
                self.cleared = True
                continue
            if no_work(call, self.calls, ctx, func, requests, 0, reads=True):
                continue
            if (call.line, call.col) not in effects:
                # a value computed: from the credential (`get_authorization_scheme_param(authorization)`, a query
                # of the session it names, `select(UserSession)` in a binding made with its hash), or an object
                # made (a response model); anything else (`n = OTHER.pop(sid)`) may be a change no credential chose
                made_of = call.func.value if isinstance(call.func, ir.Sub) else call.func  # `Model[Any](...)`
                if names_in(call) & touched or _credential_read(call, requests) or _text_method(call) or \
                        any(b.line == call.line and names_in(b.value) & touched for b in func.binds) or \
                        isinstance(self.calls.index.resolve(made_of, ctx), ClassV):
                    continue
                return False
            if reached or not (names_in(call) & made):
                return False  # a change a request without credentials makes, or one not keyed by the credential
            self.acted.append(ir.show(call, 60))
        return True

    def _made(self, func: Func, ctx: Ctx, requests: frozenset[str], handed: frozenset[str]) -> set[str]:
        """The names of `func` bound to what a call computed from the credential (or handed such a value)."""
        made = set(handed)
        for _ in range(4):
            before = len(made)
            for bind in func.binds:
                if "." in bind.name or "[" in bind.name or bind.name in made:
                    continue
                if names_in(bind.value) & made or self._computed(bind.value, func, ctx, requests):
                    made.add(bind.name)
            if len(made) == before:
                break
        return made

    def _computed(self, expr: ir.Expr, func: Func, ctx: Ctx, requests: frozenset[str], depth: int = 0) -> bool:
        """`expr` calls something on a credential read from the request: a project function handed the request
        that reads a credential (`auth_service.authenticate(session, request)`), or a call taking
        `request.cookies.get(...)` (not that read itself)."""
        if depth > 12:
            return False
        if isinstance(expr, ir.Call) and not _request_read(expr, requests):
            target = self.calls.callee(expr, ctx, func)
            args = [*expr.args, *(v for _k, v in expr.kwargs)]
            if isinstance(target, FuncV) and names_in(args) & requests and self.calls.reads_request(target):
                return True
            if any(_credential_read(a, requests) for a in args):
                return True
        return any(self._computed(c, func, ctx, requests, depth + 1) for c in ir.children(expr))

    def _bound(self, call: ir.Call, callee: Func, names: set[str] | frozenset[str],
               requests: frozenset[str] = frozenset()) -> frozenset[str]:
        """The parameters of `callee` whose argument at `call` mentions one of `names` (or, with `requests`, reads
        a credential from the request: `get_bearer(request.headers.get("Authorization"))`)."""
        params = [p.name for p in callee.params]
        if params and params[0] in ("self", "cls") and isinstance(call.func, ir.Attr):
            params = params[1:]

        def given(arg: ir.Expr) -> bool:
            return bool(names_in(arg) & names) or (bool(requests) and _credential_read(arg, requests))

        out = {params[i] for i, arg in enumerate(call.args) if i < len(params) and not isinstance(arg, ir.Star)
               and given(arg)}
        out |= {k for k, v in call.kwargs if k is not None and k in params and given(v)}
        return frozenset(out)

    def _clears(self, call: ir.Call, func: Func, ctx: Ctx, requests: frozenset[str]) -> bool:
        """A cookie cleared: `_cleared` of `auth.answered` for a response made here or handed to the handler, or
        `set_cookie` whose value or lifetime is bound (through the parameters of the function it is in) to an
        empty string, None or 0."""
        specials = frozenset(p.name for p in func.params)
        if _cleared(call, func, specials, requests, self.calls, ctx) is not None:
            return True
        f = call.func
        if not (isinstance(f, ir.Attr) and f.attr == "set_cookie"):
            return False
        for arg in (call.arg(1, "value"), call.arg(2, "max_age"), call.arg(3, "expires")):
            value = self.calls.index.resolve(arg, ctx) if isinstance(arg, ir.Name) else None
            if isinstance(value, LiteralV) and value.value in ("", None, 0):
                return True
        return False

    def plain(self, expr: ir.Expr | None, func: Func, ctx: Ctx, plain_params: frozenset[str], depth: int) -> bool:
        """`expr` holds nothing read from stored data or the request (see the module)."""
        if expr is None or isinstance(expr, (ir.Const, ir.Str)) or depth > MAX_ANSWER_DEPTH:
            return depth <= MAX_ANSWER_DEPTH
        again = (func, ctx, plain_params, depth + 1)
        if isinstance(expr, ir.Name):
            if expr.id in plain_params:
                return True
            binds = [b.value for b in func.binds if b.name == expr.id]
            key = (id(func), expr.id)
            if binds and key in self.evaluating:
                return True  # `response = self._set_cookie(request, response, "", 0)`: its other bindings decide
            if binds:
                self.evaluating.add(key)
                try:
                    return all(self.plain(v, *again) for v in binds)
                finally:
                    self.evaluating.discard(key)
            return not any(p.name == expr.id for p in func.params) and expr.id not in func.assigns
        if isinstance(expr, ir.Attr):
            root: ir.Expr = expr
            while isinstance(root, ir.Attr):
                root = root.value
            # a setting: an attribute of a module-level object (not of a local or a parameter), or of a value
            # that is itself plain (`res.code` of a status constant handed in)
            if isinstance(root, ir.Name) and root.id in plain_params:
                return True
            return isinstance(root, ir.Name) and root.id not in func.assigns and \
                not any(p.name == root.id for p in func.params) and not any(b.name == root.id for b in func.binds)
        if isinstance(expr, ir.Call):
            args = [*expr.args, *(v for _k, v in expr.kwargs)]
            if _response_made(expr, self.calls, ctx, func):
                return all(self.plain(a, *again) for a in args)
            target = self.calls.callee(expr, ctx, func)
            if not isinstance(target, (FuncV, ClassV)):  # a class the project writes no `__init__` for
                made = expr.func.value if isinstance(expr.func, ir.Sub) else expr.func  # `Model[Any](...)`
                target = self.calls.index.resolve(made, ctx)
            if isinstance(target, ClassV) or (isinstance(target, FuncV) and target.qualname.endswith(".__init__")):
                # an object of a project class made of plain values (a response model); its `__init__`, if the
                # project writes one, changes nothing but the new object
                init = self.calls.index.func(target) if isinstance(target, FuncV) else None
                return all(self.plain(a, *again) for a in args) and (
                    init is None or (isinstance(target, FuncV) and self.function(
                        target, init, self.calls.index.call_env(target, init, expr, ctx), frozenset(), frozenset(),
                        None, MAX_DEPTH - 1, True)))
            callee = self.calls.index.func(target) if isinstance(target, FuncV) else None
            if callee is None or not isinstance(target, FuncV):
                return False
            params = [p.name for p in callee.params]
            if params and params[0] in ("self", "cls") and isinstance(expr.func, ir.Attr):
                params = params[1:]
            passed = {params[i] for i in range(min(len(params), len(expr.args)))} | {k for k, _v in expr.kwargs}
            kept = frozenset({params[i] for i, a in enumerate(expr.args)
                              if i < len(params) and not isinstance(a, ir.Star) and self.plain(a, *again)} |
                             {k for k, v in expr.kwargs if k is not None and self.plain(v, *again)} |
                             {p.name for p in callee.params if p.name not in passed and p.default is not None and
                              self.plain(p.default, callee, Ctx(target.module, callee.parent), frozenset(),
                                         depth + 1)})
            inner = self.calls.index.call_env(target, callee, expr, ctx)
            return bool(callee.returns) and all(self.plain(r.value, callee, inner, kept, depth + 1)
                                                for r in callee.returns)
        return False


def _on_self(expr: ir.Expr) -> bool:
    """`self` or `super()`: the object a constructor is making."""
    return (isinstance(expr, ir.Name) and expr.id == "self") or \
        (isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id == "super" and not expr.args)


# methods of a text a value bound or tested may be computed with (`secret.encode("ascii")` of a setting)
_TEXT_METHODS = frozenset({"encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "startswith",
                           "endswith", "removeprefix", "removesuffix", "split", "rsplit"})


def _text_method(call: ir.Call) -> bool:
    """`name.encode("ascii")`: a method of a text called with values written in the code."""
    return isinstance(call.func, ir.Attr) and call.func.attr in _TEXT_METHODS and \
        isinstance(call.func.value, (ir.Name, ir.Attr)) and not call.kwargs and \
        all(isinstance(a, (ir.Const, ir.Str)) for a in call.args)


def _touched(func: Func, requests: frozenset[str], given: set[str] | frozenset[str]) -> set[str]:
    """The names of `func` bound to the credential read from the request or to a value of it (`given`: those
    known already), through other names."""
    names = set(given)
    for _ in range(4):
        before = len(names)
        names.update(b.name for b in func.binds if "." not in b.name and "[" not in b.name and
                     (names_in(b.value) & names or _credential_read(b.value, requests)))
        if len(names) == before:
            break
    return names


def _request_read(call: ir.Call, requests: frozenset[str]) -> bool:
    root: ir.Expr = call.func
    while isinstance(root, (ir.Attr, ir.Call, ir.Sub)):
        root = root.value if isinstance(root, (ir.Attr, ir.Sub)) else root.func
    return isinstance(root, ir.Name) and root.id in requests


def _credential_read(expr: ir.Expr, requests: frozenset[str], depth: int = 0) -> bool:
    """`expr` reads a header, a cookie or the session of the request."""
    if depth > 12:
        return False
    if isinstance(expr, ir.Attr) and expr.attr in _CREDENTIAL_PARTS and isinstance(expr.value, ir.Name) and \
            expr.value.id in requests:
        return True
    return any(_credential_read(c, requests, depth + 1) for c in ir.children(expr))


def own_session(node: DepNode, outcome: Outcome, flow: Flow, calls: Calls) -> str | None:
    """Why the route handler `node` (which reads the credential itself; `outcome`: its walk for a request
    without credentials) changes only what the caller's own credential names (see the module), or None."""
    func, module = node.func, node.func_module
    walked = outcome.walk
    if node.kind is not NodeKind.ROUTE or node.websocket_only or func is None or module is None or \
            walked is None or not outcome.passes:
        return None
    fv = FuncV(module, func.qualname)
    ctx = Ctx(module, func.qualname)
    requests = frozenset(s.param.name for s in node.params if s.kind is ParamKind.REQUEST)
    scan = _Scan(flow, calls)
    if not requests or not scan.function(fv, func, ctx, requests, frozenset(), [walked], 0) or not scan.acted:
        return None
    if not all(scan.plain(r.value, func, ctx, frozenset(), 0) for r in func.returns):
        return None
    cleared = "; it clears the caller's cookie" if scan.cleared else ""
    return f"own session: every change the handler makes ({'; '.join(scan.acted[:2])}) acts on what it made " \
           f"of the request's credential and runs only when that is there; a request without credentials " \
           f"changes nothing{cleared}"
