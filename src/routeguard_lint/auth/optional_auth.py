"""Optional credentials: which dependencies let a request without any credential through.

`anonymous_requests(graph)` runs in the auth judgement, before routes are decided. For every node it
records (in a `NodeAuth`, not in the route table) `anonymous`:

* `None`  — nothing below it carries a credential;
* `False` — a request without credentials is rejected here or below (a scheme with `auto_error=True`, a
  required `Header()`/`Cookie()` that FastAPI answers with 422, or code that raises when the credential
  is `None`);
* `True`  — such a request gets through (every credential below is optional — `auto_error=False`,
  `Header(None)`, `request.headers.get(...)` — and no code on the way raises for a missing one).

For callables whose credentials are all optional the function body is walked with the missing values
set to `None` (see `missing_credential.py`); `value` is what it then returns (`None`, an object, unknown),
which the dependants above receive. `guard` marks a node whose own code rejects the anonymous request.

Separately, `optional_outcome` holds, for a callable that reads an optional credential directly, the
walk with just those parameters missing: RG008 reports the ones whose missing credential reaches a
`return` that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from routeguard_lint.auth.answered import answered
from routeguard_lint.auth.body_credentials import body_worlds
from routeguard_lint.auth.libraries import Methods
from routeguard_lint.auth.missing_credential import (
    AV,
    FORGED,
    HANDED,
    MIDDLEWARE,
    MISSING,
    NONE,
    PATH_TESTS,
    REQUEST,
    RESOLVED,
    STATE_TESTS,
    UNRUN,
    WEBSOCKET,
    Exit,
    Flow,
    Inst,
    Items,
    Memo,
    Outcome,
    Peer,
    Unread,
    Walked,
    join,
    names_in,
)
from routeguard_lint.auth.own_session import own_session
from routeguard_lint.auth.request_path import PathKey
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Bind, Func, is_marker
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import ClassV, Ctx, FuncV, Index
from routeguard_lint.routes.model import NodeKind, ParamKind, path_parameters, walk
from routeguard_lint.routes.query_values import query_credential
from routeguard_lint.vocabulary import (
    VERIFYING_CALLS,
    Source,
    is_credential,
    is_credential_setting,
)

if TYPE_CHECKING:
    from routeguard_lint.auth.libraries import Match
    from routeguard_lint.routes.model import DepNode, Route

_CALLABLE = (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE, NodeKind.ROUTE)


@dataclass
class NodeAuth:
    """What one dependency node does to a request that carries no credential.

    `anonymous`: None = no credential below it, True = such a request gets through, False = rejected here or
    below. `value`: what it then returns. `guard`: its own code rejects the request. `exits`: the returns it
    reaches. `optional_outcome`: the walk with only its own optional credentials missing (RG008)."""

    anonymous: bool | None = None
    value: object = None
    guard: bool = False
    exits: tuple[Exit, ...] = ()
    optional_outcome: Outcome | None = field(default=None)
    # it receives the request, reads a credential from it (itself or in a function it hands the request to)
    # and rejects the request when that credential is missing
    request_guard: bool = False
    # A request with a forged credential (see `_forged`): whether a credential reaches this node, whether it
    # rejects such a request on every path, lets it through on a path whose every test holds, and what it
    # then returns.
    carries: bool = False
    # it consumes a credential itself: reads one from a scheme, header, cookie, query parameter or the request,
    # or takes the raw credential a helper extracted (not an object another dependency made from it)
    consumes: bool = False
    forged_rejects: bool = False
    forged_sure: bool = False
    forged_value: object = None
    forged_exit: Exit | None = None
    # a request with a forged credential gets through only on paths chosen by tests the analysis cannot decide
    # and that do not depend on the request (`if not ok and not DEBUG_MODE: raise ...`): (source text, "path:line");
    # the paths that `forged_unread` decides aside
    forged_gates: tuple[tuple[str, str], ...] = ()
    # a request with a forged credential gets through on paths chosen by what code the analysis cannot read made of
    # the credential (`elif await keys.verify_api_key(token): return ...`, a key store made at run time): that code
    forged_unread: tuple[Unread, ...] = ()
    # optional request inputs (query / header / cookie parameters not named like a credential) without which the
    # request without credentials is rejected: it gets through only by supplying one of them
    alternative: tuple[str, ...] = ()
    # `request.state` memos (attribute -> the functions that set it) that alone let a request without
    # credentials through: it passes only if that code ran first (`if hasattr(request.state, "user"): return ...`)
    state_memos: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # a request without credentials gets through only on paths chosen by tests the analysis cannot decide and
    # that do not depend on the request (`if not require_login(): return None`): (source text, "path:line")
    gates: tuple[tuple[str, str], ...] = ()
    # a websocket handler that, for such a request, does nothing: every path that serves (accepts, sends, calls
    # anything) runs only when a value made from the credential is there (`if token: ...`); the connection is
    # never accepted, which the client sees as a refusal
    idle: bool = False
    # an HTTP route handler that such a request gets through only on paths answering a constant before any work
    # (`auth.answered`): the lines of those returns (the request is answered, not served)
    answered: tuple[int, ...] = ()
    # what middleware stored for the request that its walk read (`request.state.user (set by <middleware>)`):
    # what a middleware made of the request's credential, handed on (carried, not consumed here)
    middleware: tuple[str, ...] = ()
    # a class dependency that keeps the request on the object it makes for a method of the object to read a
    # credential from (see `_carries_request`): carried, not consumed here; a dependant that takes the object
    # consumes it
    carrier: bool = False
    # calls the walk followed through what the object holds (see `Outcome.settled`), lines that never ran for it,
    # and the project functions those calls reached with the parameters the request reached
    settled: frozenset[tuple[str, int, str]] = frozenset()
    unrun: frozenset[tuple[str, int]] = frozenset()
    handed: tuple[tuple[str, str, ir.Call, bool], ...] = ()
    # a route handler reading the credential itself whose every change acts on what it made of that credential
    # and runs only when it is there (`auth.own_session`): why, for a request without credentials
    own_session: str | None = None
    # `_held`, once asked: (whether its object holds callables, whether they read a credential)
    held: tuple[bool | None] | None = None
    # a route handler that reads a credential itself and branches on what it made of it (see `_own_branch`):
    # the name tested and the name it is made from ("": the credential itself, read by a call; None: bound under
    # tests of the missing credential)
    branch: tuple[str, str | None] | None = None
    # the tests of the request's path its walks met and could not decide (`PATH_TESTS`): the judgement
    # decides them per route (auth/request_path.py)
    path_tests: frozenset[PathKey] = frozenset()
    # a request without credentials gets through only where a test of the client's network address the analysis
    # cannot decide holds (`if _is_local(request): return HOST_TOKEN`): those tests (see `peer_tests`)
    peer: tuple[Peer, ...] = ()


def credential_key(source: str, key: str) -> bool:
    return is_credential(Source(source), key)


Decide = Callable[[ir.Expr, Ctx], bool | None]


def make_flow(index: Index, present: bool = False, assumed: Decide | None = None, decide: Decide | None = None,
              unread_middleware: tuple[str, ...] | None = None) -> Flow:
    """`assumed`: the truth of settings the walked routes' paths already took (see `Flow.assumed`). `decide`: the
    value of tests known for every request walked (see `Flow`: a dependency's tests of the request path, for
    the routes whose path it does not exempt). `unread_middleware`: see `Flow.unread_middleware`."""
    flow = Flow(index, Calls(index).callee, VERIFYING_CALLS, credential_key,
                credential_setting=is_credential_setting, present=present, decide=decide)
    flow.assumed = assumed
    flow.unread_middleware = unread_middleware
    return flow


def anonymous_requests(index: Index, routes: list[Route], libraries: Mapping[int, Match] | None = None,
                       flow: Flow | None = None, assumed: Decide | None = None, decide: Decide | None = None,
                       kept: Mapping[int, NodeAuth] | None = None) -> dict[int, NodeAuth]:
    """`NodeAuth` of every node of every route's dependency tree, by `id(node)`. `libraries`: the nodes that
    are documented library dependencies (by `id(node)`): one that lets a request without credentials through
    hands its dependants `None`, one that rejects it rejects it. `flow`: the walk of requests without
    credentials to use, whose `reaches` the caller reads afterwards. `assumed`: settings the routes' paths
    already took, for the walk of forged credentials (`flow` has its own); `decide`: see `make_flow`. `kept`: the
    nodes whose answers an earlier walk already gave (nothing below them is walked again), by `id(node)`."""
    flow = make_flow(index, decide=decide) if flow is None else flow
    reads = Calls(index)
    out: dict[int, NodeAuth] = dict(kept or {})
    for key, found in (libraries or {}).items():
        if found.methods is not None:  # an object whose methods check the credential: see Walk._call
            made = AV("obj", found.methods, True)
            out[key] = NodeAuth(anonymous=True, value=made, carries=True, consumes=True, forged_value=made,
                                forged_sure=True)
            continue
        out[key] = NodeAuth(anonymous=not found.rejects_missing, value=None if found.rejects_missing else MISSING,
                            gates=found.undecided)
    # a handler's or dependency's parameter named in a route's path is read from the path, never missing (the
    # caller writes the URL): not a query credential (`/agent_sessions/{session_id}`)
    paths: dict[int, frozenset[str]] = {}
    for route in routes:
        names = path_parameters(route.full_path)
        for node in walk(route.root) if route.root is not None and names else ():
            paths[id(node)] = paths.get(id(node), frozenset()) | names
    for route in routes:
        if route.root is not None:
            _anonymous(route.root, flow, reads, out, paths)
    forged = make_flow(index, present=True, assumed=assumed, decide=decide, unread_middleware=flow.unread_middleware)
    forged.path_checks = flow.path_checks
    forged.share(flow)
    seen = {key for key, found in (libraries or {}).items() if found.methods is not None} | set(kept or ())
    for route in routes:
        if route.root is not None:
            _forged(route.root, forged, reads, out, seen)
    return out


_SOURCES = (NodeKind.SCHEME, NodeKind.HEADER, NodeKind.COOKIE, NodeKind.REQUEST, NodeKind.SESSION)


def _forged(node: DepNode, flow: Flow, reads: Calls, out: dict[int, NodeAuth], seen: set[int]) -> NodeAuth:
    """What a request with an arbitrary, forged credential gets from `node` (walked with the credentials its
    dependencies hand it, the request's own credential reads giving the forged value)."""
    facts = out.setdefault(id(node), NodeAuth())
    if id(node) in seen:
        return facts
    seen.add(id(node))
    if node.credential and node.kind in _SOURCES:
        facts.carries = facts.consumes = True
        facts.forged_value = FORGED
        facts.forged_sure = True  # a scheme or a header parameter takes any value
        return facts
    if node.kind not in _CALLABLE or node.func is None or node.func_module is None:
        return facts
    below = [(_forged(child, flow, reads, out, seen), child, via) for child, via in node.children]
    creds = [(b, via) for b, _child, via in below if b.carries]
    fv = FuncV(node.func_module, node.func.qualname)
    params = {s.param.name for s in node.params}
    requests = _requests(node)
    query = {s.param.name: FORGED for s in node.params if query_credential(node, s)}
    provided = _provided(node, flow)
    own_reads = bool(requests) and (_reads_request(node, fv, reads) or _held(node, flow, reads, facts) is True)
    facts.carrier = not own_reads and _carries_request(node, flow, reads, requests)
    reads_request = own_reads or facts.carrier
    # what a middleware made of the request's credential (`request.state.user`): carried, not consumed here
    stored = flow.reads_middleware_value(fv)
    if not creds and not query and not reads_request and not stored and not (requests and provided):
        return facts
    facts.consumes = bool(query) or own_reads or any(
        b.carrier or (isinstance(b.forged_value, AV) and b.forged_value.kind == "forged") for b, _via in creds)
    env: dict[str, AV] = {**_closure(node, flow), **provided, **query, **requests}
    env.update({via: b.forged_value for b, via in creds if via in params and isinstance(b.forged_value, AV)})
    outcome = _run(node, fv, flow, env)
    if outcome.seen.has(PATH_TESTS):
        facts.path_tests = facts.path_tests.union(outcome.seen.of(PATH_TESTS))
    facts.carries = True
    facts.forged_rejects = not outcome.passes or _idle(node, outcome, reads)
    sure = [ex for ex in outcome.exits if ex.sure]
    if not facts.forged_rejects and not sure:
        plain = [ex for ex in outcome.exits if not ex.unread]
        facts.forged_gates = gates(Outcome(exits=plain)) if plain else ()
        facts.forged_unread = tuple(dict.fromkeys(u for ex in outcome.exits for u in ex.unread))
        if facts.forged_unread:  # the settings that let it through a helper besides
            facts.forged_gates = tuple(dict.fromkeys([*facts.forged_gates,
                                                      *(g for ex in outcome.exits for g in ex.opened)]))
    facts.forged_sure = bool(sure)
    facts.forged_exit = sure[0] if sure else None
    value: AV | None = None
    for ex in outcome.exits:
        value = join(value, ex.value)
    facts.forged_value = _instance(node, flow, env) if node.kind is NodeKind.CLASS else \
        (value.tainted() if value is not None else None)
    return facts


def _requests(node: DepNode) -> dict[str, AV]:
    """The request (or websocket connection) parameters of a callable, as what a request carrying no credential
    (or a forged one) gives them."""
    return {s.param.name: WEBSOCKET if s.type_name == "WebSocket" else REQUEST
            for s in node.params if s.kind is ParamKind.REQUEST}


def _provided(node: DepNode, flow: Flow) -> dict[str, AV]:
    """The parameters of a callable filled by a project function that returns one of the project's objects
    (`auth_handler = Depends(get_auth_handler)`), bound to those objects (see `auth.provided`), or one of its
    functions (`get_permissions = Depends(get_permissions_getter)`), bound to that function."""
    out: dict[str, AV] = {}
    for child, via in node.children:
        if child.kind is NodeKind.FUNCTION and child.func is not None and child.func_module is not None and \
                not child.credential:
            fv = FuncV(child.func_module, child.func.qualname)
            found = flow.provided.of(fv)
            if found is not None:
                out[via] = AV("obj", found, False)
                continue
            returned = flow.provided.function_of(fv)  # a function it hands over (`return _get_permissions`)
            if returned is not None:
                out[via] = AV("obj", returned, False)
    return out


def _closure(node: DepNode, flow: Flow) -> dict[str, AV]:
    """What the factory call that made the node's closure passed (`current_user(optional=True)`): its literal
    arguments, bound to the factory's parameters the closure reads. For a method FastAPI calls on an object
    (`__call__` of `Depends(ProxyAuth(auto_enforce=True))`) or on the object it makes of a class that inherits
    its `__init__`: `self`, that object (see `Flow.constructed`)."""
    out = {name: NONE if value is None else AV("const", value) for name, value in node.closure}
    this = _self(node, flow)
    if this is not None:
        out[this[0]] = this[1]
    return out


def _self(node: DepNode, flow: Flow) -> tuple[str, AV] | None:
    func = node.func
    if func is None or func.class_name is None or not func.params or func.params[0].name != "self":
        return None
    if node.kind is NodeKind.INSTANCE and node.instance is not None and isinstance(node.instance.cls, ClassV):
        return "self", flow.constructed(node.instance.cls, node.instance)
    if node.kind is NodeKind.CLASS and node.cls is not None and node.func_module is not None and \
            ClassV(node.func_module, func.qualname.rpartition(".")[0]) != node.cls:
        return "self", flow.constructed(node.cls, None)
    return None


def _optional_source(node: DepNode) -> bool:
    """A credential source that lets a request without the credential through."""
    if not node.credential:
        return False
    if node.kind is NodeKind.SCHEME or node.kind in (NodeKind.HEADER, NodeKind.COOKIE):
        return node.optional
    return node.kind is NodeKind.REQUEST


def _anonymous(node: DepNode, flow: Flow, reads: Calls, out: dict[int, NodeAuth],
               paths: Mapping[int, frozenset[str]]) -> NodeAuth:
    found = out.get(id(node))
    if found is not None:
        return found
    facts = out[id(node)] = NodeAuth()  # a cycle leaves the node at None
    if node.credential and node.kind in (NodeKind.SCHEME, NodeKind.HEADER, NodeKind.COOKIE, NodeKind.REQUEST):
        facts.anonymous = _optional_source(node)
        facts.value = MISSING
        return facts
    if node.kind not in _CALLABLE or node.func is None or node.func_module is None:
        return facts
    creds: list[tuple[NodeAuth, DepNode, str]] = []
    for child, via in node.children:
        below = _anonymous(child, flow, reads, out, paths)
        if below.anonymous is not None:
            creds.append((below, child, via))
    fv = FuncV(node.func_module, node.func.qualname)
    requests = _requests(node)
    in_path = paths.get(id(node), frozenset())
    if not creds:
        _reads_itself(node, fv, flow, reads, requests, facts, in_path)
        return facts
    params = {s.param.name for s in node.params}
    direct = [(child, via) for _b, child, via in creds if _optional_source(child)]
    # what a request without credentials hands it besides its own optional credentials: the `None` of an auth
    # library's optional user (`current_user(optional=True)`), which RG008's walk must see missing too
    missing = {via: MISSING for b, child, via in creds if via in params and b.value is MISSING
               and not _optional_source(child)}
    if direct and node.kind is not NodeKind.ROUTE:
        env = {**_closure(node, flow), **_missing_query_credentials(node, in_path), **missing}
        env.update({via: MISSING for _c, via in direct if via in params})
        facts.optional_outcome = flow.run(fv, env)
    if any(b.anonymous is False for b, _c, _v in creds):
        facts.anonymous = False
        return facts
    env = {**_closure(node, flow), **_provided(node, flow), **_missing_query_credentials(node, in_path), **requests}
    env.update({via: b.value for b, _c, via in creds if via in params and isinstance(b.value, AV)})
    outcome = _run(node, fv, flow, env)
    _keep_followed(facts, outcome, flow.index)
    if outcome.passes and outcome.seen.has(STATE_TESTS):
        facts.state_memos = _state_memos(fv, flow, env, outcome.seen.of(STATE_TESTS))
    if outcome.passes:
        facts.alternative = _alternative_inputs(node, fv, flow, env)
        if facts.alternative and facts.optional_outcome is not None:
            # the missing credential is used only on the paths another input opens: RG008 asks about the
            # request that carries neither
            absent = {name: MISSING for name in _optional_inputs(node)[:4]}
            direct_env = {**_closure(node, flow), **_missing_query_credentials(node, in_path), **missing}
            direct_env.update({via: MISSING for _c, via in direct if via in params})
            facts.optional_outcome = flow.run(fv, {**direct_env, **absent})
    facts.idle = _idle(node, outcome, reads)
    facts.anonymous = outcome.passes and not facts.idle
    if node.kind is NodeKind.ROUTE and direct and facts.anonymous and outcome.walk is not None:
        facts.branch = _own_branch(node.func, outcome.walk, frozenset(requests))
        if facts.branch is None:
            facts.own_session = own_session(node, outcome, flow, reads)
    facts.answered = _answered(node, outcome) if facts.idle else ()
    facts.guard = not facts.anonymous
    # it calls a checking method of a credential object a library made from the request (`Authorize.jwt_required()`)
    facts.request_guard = facts.guard and not node.rejects and any(
        isinstance(b.value, AV) and isinstance(b.value.value, Methods) for b, _c, _v in creds)
    # a setting that turns the check off (unless another request input is what opens it, `alternative`)
    facts.peer = peer_tests(outcome)
    facts.gates = gates(outcome) or (_closed_gates(node, fv, flow, env)
                                     if facts.anonymous and not facts.alternative else ())
    facts.exits = tuple(outcome.exits)
    facts.value = _instance(node, flow, env) if node.kind is NodeKind.CLASS else outcome.value().tainted()
    return facts


def _reads_itself(node: DepNode, fv: FuncV, flow: Flow, reads: Calls, requests: dict[str, AV],
                  facts: NodeAuth, in_path: frozenset[str]) -> None:
    """A callable with no credential below it that reads one FastAPI does not model as one: the request
    itself (here or in a helper it is handed to), query parameters named like a credential (`?token=`, a
    WebSocket ticket)."""
    query = _missing_query_credentials(node, in_path)
    provided = _provided(node, flow)
    bodies = body_worlds(node, flow.index)  # a refresh token in an optional body field (auth/body_credentials.py)
    held = _held(node, flow, reads, facts) if requests else None
    own_reads = _reads_request(node, fv, reads) or held is True
    stored = flow.reads_middleware_value(fv)
    facts.carrier = not own_reads and _carries_request(node, flow, reads, requests)
    if _required_query_credential(node, in_path) and node.rejects:
        facts.anonymous = False  # FastAPI answers 422 without it; the function checks a given one
        facts.guard = facts.request_guard = True
    elif query or bodies or (requests and (provided or own_reads)) or stored or facts.carrier or held is not None:
        # (what a middleware stored for the request is what it made of the request's credential)
        reads_it = bool(query) or bool(bodies) or own_reads or stored or facts.carrier
        for body in bodies or [{}]:  # each way a request without credentials may send its body
            env = {**_closure(node, flow), **provided, **query, **requests, **body}
            outcome = _run(node, fv, flow, env)
            if outcome.passes and not _idle(node, outcome, reads):
                break
        _keep_followed(facts, outcome, flow.index)
        facts.middleware = tuple(sorted(outcome.seen.of(MIDDLEWARE)))
        if not outcome.passes or _idle(node, outcome, reads):
            facts.anonymous = False
            facts.guard = facts.request_guard = True
            facts.idle = outcome.passes
            facts.answered = _answered(node, outcome) if facts.idle else ()
            return
        facts.gates = gates(outcome) or _closed_gates(node, fv, flow, env)
        facts.peer = peer_tests(outcome)
        if node.kind is NodeKind.ROUTE and reads_it and outcome.walk is not None:
            facts.branch = _own_branch(node.func, outcome.walk, frozenset(requests))
            if facts.branch is None and not facts.gates:
                facts.own_session = own_session(node, outcome, flow, reads)
        if node.kind is not NodeKind.ROUTE and (reads_it or facts.gates):
            # it lets a request without the credential through, handing on what it returns
            facts.anonymous = True
            facts.exits = tuple(outcome.exits)
            facts.value = _instance(node, flow, env) if node.kind is NodeKind.CLASS else outcome.value().tainted()


def _held(node: DepNode, flow: Flow, reads: Calls, facts: NodeAuth) -> bool | None:
    """For a method FastAPI calls on an object: whether what its constructor stored on it that the walk can call
    (a project function or class, a list of classes: `PermissionDependency([IsAuthenticated])`,
    `RateLimiter(callback=on_limit)`) reads a credential from the request (a method of such a class, or such a
    function, itself or in what it calls); None when it stores nothing of the kind. Kept in `facts`."""
    if facts.held is None:
        facts.held = (_holds(node, flow, reads),)
    return facts.held[0]


def _holds(node: DepNode, flow: Flow, reads: Calls) -> bool | None:
    this = _self(node, flow)
    if this is None or not isinstance(this[1].value, Inst):
        return None
    found: list[FuncV | ClassV] = []
    holds = False
    for _name, value in this[1].value.attrs:
        items = value.value.items if isinstance(value.value, Items) else (value,)
        holds = holds or isinstance(value.value, (Items, FuncV, ClassV))
        found.extend(item.value for item in items if isinstance(item.value, (FuncV, ClassV)))
        # objects of project classes a list holds (`backends=[JWTBackend(SECRET), APIKeyBackend()]`): their class
        found.extend(item.value.cls for item in items if isinstance(item.value, Inst) and item is not value)
    if not holds:
        return None
    for target in found[:8]:
        if isinstance(target, FuncV) and reads.reads_request(target):
            return True
        if isinstance(target, ClassV):
            for owner in flow.index.mro(target):
                cls = flow.index.cls(owner)
                if cls is not None and any(reads.reads_request(FuncV(owner.module, qualname))
                                           for qualname in cls.methods.values()):
                    return True
    return False


def _keep_followed(facts: NodeAuth, outcome: Outcome, index: Index) -> None:
    """What the walk of a node followed through what its object holds (see `RESOLVED`), and the tests of the
    request's path it met."""
    seen = outcome.seen
    if seen.has(PATH_TESTS):
        facts.path_tests = facts.path_tests.union(seen.of(PATH_TESTS))
    if seen.has(RESOLVED) or seen.has(UNRUN) or seen.has(HANDED):
        facts.settled = outcome.settled(index)
        facts.unrun = frozenset(seen.of(UNRUN))
        facts.handed = tuple(seen.of(HANDED).values())


def _reads_request(node: DepNode, fv: FuncV, reads: Calls) -> bool:
    """The callable reads a credential from the request, itself or in a function it calls (`Calls.reads_request`),
    or is the `__call__` of a subclass of a `fastapi.security` scheme (`super().__call__(request)` reads it)."""
    return (node.kind is NodeKind.INSTANCE and node.scheme_class is not None) or reads.reads_request(fv)


def _carries_request(node: DepNode, flow: Flow, reads: Calls, requests: dict[str, AV]) -> bool:
    """A class dependency whose `__init__` keeps the request on the object it makes (`self.req = req`), a method of
    which reads a credential from the request (`self.req.cookies.get(...)`): the object is how the request's
    credential reaches the code that checks it (`auth_jwt.get_subject()` in a dependant), so the object is
    handed on as what a request without credentials (or with a forged one) makes of it."""
    if node.kind is not NodeKind.CLASS or not requests or node.func is None or node.func_module is None:
        return False
    made = _instance(node, flow, requests).value
    if not isinstance(made, Inst) or not any(value in requests.values() for _name, value in made.attrs):
        return False
    for owner in flow.index.mro(made.cls):
        cls = flow.index.cls(owner)
        if cls is not None and any(reads.reads_request(FuncV(owner.module, qualname))
                                   for name, qualname in cls.methods.items() if name != "__init__"):
            return True
    return False


def _instance(node: DepNode, flow: Flow, env: dict[str, AV]) -> AV:
    """What a class dependency hands its dependants: the object its `__init__` makes for this request (see
    `Flow.instance`). The node's label names the class (`module.Class`), which may inherit `__init__`."""
    if node.func is None or node.func_module is None:
        return AV("obj", None, True)
    init = FuncV(node.func_module, node.func.qualname)
    if node.cls is not None:
        return flow.instance(node.cls, init, env)
    cls = ClassV(node.func_module, node.func.class_name or "")
    module, _, name = node.label.rpartition(".")
    while module and flow.index.module(module) is None:
        module, _, head = module.rpartition(".")
        name = f"{head}.{name}"
    if module and flow.index.cls(ClassV(module, name)) is not None:
        cls = ClassV(module, name)
    return flow.instance(cls, init, env)


def _run(node: DepNode, fv: FuncV, flow: Flow, env: dict[str, AV]) -> Outcome:
    """The walk of a node's function; a route handler's returned response is what the client gets."""
    with _responding(node, fv, flow):
        return flow.run(fv, env, inputs=_request_inputs(node))


def _closed_gates(node: DepNode, fv: FuncV, flow: Flow, env: dict[str, AV]) -> tuple[tuple[str, str], ...]:
    """See `Flow.closed_gates` (with a route handler's returned response being what the client gets)."""
    with _responding(node, fv, flow):
        return flow.closed_gates(fv, env, _request_inputs(node))


# parameters FastAPI fills with what the client sent
_CLIENT_VALUES = (ParamKind.HEADER, ParamKind.COOKIE, ParamKind.QUERY, ParamKind.EXPLICIT_QUERY, ParamKind.PATH,
                  ParamKind.BODY, ParamKind.FORM, ParamKind.FILE, ParamKind.PASSWORD_FORM)


def with_path_value(node: DepNode, flow: Flow, name: str) -> Outcome | None:
    """The walk of a callable FastAPI hands the path parameter `name` to, for a request whose path carries a value
    the client made up for it (`FORGED`) and no credential. Its other client inputs (and what dependencies that
    read the request give it) are the client's too: values the walk does not know, made from the request; what a
    dependency that reads nothing of the request gives it is the server's (see `_request_inputs`)."""
    if node.kind not in _CALLABLE or node.func is None or node.func_module is None:
        return None
    settled = {via for child, via in node.children if _request_free(child, 0)}
    chosen = AV("unk", None, True)
    env: dict[str, AV] = {s.param.name: chosen for s in node.params
                          if s.kind in _CLIENT_VALUES or (s.kind is ParamKind.DEPENDS and s.param.name not in settled)}
    env.update({**_closure(node, flow), **_provided(node, flow), **_requests(node), name: FORGED})
    return _run(node, FuncV(node.func_module, node.func.qualname), flow, env)


def _request_inputs(node: DepNode) -> frozenset[str] | None:
    """The parameters of a callable FastAPI calls whose values may come from the request: all of them (None)
    but those a dependency fills that takes nothing from the request (`service = Depends(get_service)`, with
    `def get_service(): return Service.get_instance()`). What such a dependency returns is the same for every
    request, so a test of it (`if service.config.api_keys:`) is a setting the walk cannot decide, as a module's
    `settings.api_keys` is, not a test of the request."""
    if node.func is None:
        return None
    settled = {via for child, via in node.children if _request_free(child, 0)}
    if not settled:
        return None
    return frozenset(p.name for p in node.func.params if p.name not in settled)


def _request_free(node: DepNode, depth: int) -> bool:
    """A project function FastAPI calls that reads nothing of the request: each of its parameters (if any) is
    filled by another such function."""
    if node.kind is not NodeKind.FUNCTION or node.func is None or node.credential or node.exempts is not None \
            or node.path_test is not None or depth > 4:
        return False
    filled = {via: child for child, via in node.children}
    return all(s.kind is ParamKind.DEPENDS and s.param.name in filled and _request_free(filled[s.param.name],
                                                                                             depth + 1)
               for s in node.params) and len(node.params) == len(node.func.params)


@contextmanager
def _responding(node: DepNode, fv: FuncV, flow: Flow) -> Iterator[None]:
    """While a route handler is walked, `flow.responding` names it: what it returns is the response."""
    if node.kind is not NodeKind.ROUTE:
        yield
        return
    flow.responding = fv
    try:
        yield
    finally:
        flow.responding = None


def _idle(node: DepNode, outcome: Outcome, reads: Calls) -> bool:
    """A websocket handler that gets through the walk doing nothing on every path (see `Exit.idle`): the
    connection is never accepted, so the client is refused. An HTTP handler that gets through only on paths
    that answer a constant without serving anything (see `auth.answered`)."""
    return node.kind is NodeKind.ROUTE and outcome.passes and \
        (all(ex.idle for ex in outcome.exits) if node.websocket_only else answered(node, outcome, reads))


def _answered(node: DepNode, outcome: Outcome) -> tuple[int, ...]:
    """The lines of an HTTP handler's returns that answer without serving (see `_idle`)."""
    return () if node.websocket_only else tuple(sorted({ex.line for ex in outcome.exits}))


def peer_tests(outcome: Outcome) -> tuple[Peer, ...]:
    """The tests of the client's network address that alone let a request through a walked function: every exit
    is reached only where one holds (`Exit.peer`); () when one is not."""
    if not outcome.passes or not all(ex.peer for ex in outcome.exits):
        return ()
    return tuple(dict.fromkeys(test for ex in outcome.exits for test in ex.peer))


def gates(outcome: Outcome) -> tuple[tuple[str, str], ...]:
    """The tests that alone let a request through a walked function: every exit is reached only where a test
    the analysis cannot decide and that does not depend on the request allows it; () when one is not."""
    if not outcome.passes or not all(ex.gates for ex in outcome.exits):
        return ()
    return tuple(dict.fromkeys(gate for ex in outcome.exits for gate in ex.gates))


def _state_memos(fv: FuncV, flow: Flow, env: dict[str, AV], tested: Mapping[str, frozenset[tuple[str, str]]]
                 ) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`tested`: the `request.state` memos the walk of `fv` tested that other code also sets. When, walked
    again as a request on which nothing set them, `fv` rejects, only a memo left by code that ran first lets
    a request without credentials through, so whether it does is the question of what that code checked."""
    flow.state_absent = True
    try:
        passes = flow.run(fv, env).passes
    finally:
        flow.state_absent = False
    if passes:
        return ()
    return tuple((attr, tuple(sorted(writers))) for attr, writers in sorted(tested.items()))


def _optional_inputs(node: DepNode) -> list[str]:
    """Optional query, header and cookie parameters of a callable that are not named like a credential: what
    a request may or may not carry."""
    out = []
    for source in node.params:
        param, kind = source.param, source.kind
        if kind in (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY):
            if query_credential(node, source):
                continue
        elif kind in (ParamKind.HEADER, ParamKind.COOKIE):
            if source.credential:
                continue
        else:
            continue
        default = param.default
        if isinstance(default, ir.Call):
            default = default.arg(0, "default")
        if isinstance(default, ir.Const) and default.value is None:
            out.append(param.name)
    return out


def _alternative_inputs(node: DepNode, fv: FuncV, flow: Flow, env: dict[str, AV]) -> tuple[str, ...]:
    """A dependency that lets a request without credentials through only on paths guarded by another request
    input (`if token: ... elif usr: ... else: raise 401`): walked again with those inputs absent too, it rejects.
    That input is then an alternative credential; the ones whose presence alone opens a path are returned."""
    inputs = _optional_inputs(node)[:4]
    if not inputs:
        return ()
    absent = {name: MISSING for name in inputs}
    if flow.run(fv, {**env, **absent}).passes:
        return ()
    if len(inputs) == 1:
        return tuple(inputs)
    opening = [name for name in inputs
               if flow.run(fv, {**env, **{k: v for k, v in absent.items() if k != name}}).passes]
    return tuple(opening or inputs)


def _missing_query_credentials(node: DepNode, in_path: frozenset[str] = frozenset()) -> dict[str, AV]:
    """Optional query parameters named like a credential: an anonymous request does not send them either.
    `in_path`: parameters a route's path names (read from the path)."""
    env: dict[str, AV] = {}
    for source in node.params:
        param = source.param
        if param.name in in_path or not query_credential(node, source):
            continue
        default = param.default
        if isinstance(default, ir.Call):
            default = default.arg(0, "default")
        if isinstance(default, ir.Const) and default.value is None:
            env[param.name] = MISSING
    return env


def _required_query_credential(node: DepNode, in_path: frozenset[str] = frozenset()) -> bool:
    """A required query parameter named like a credential (`token: str`); not one a route's path names."""
    for source in node.params:
        param = source.param
        if param.name not in in_path and query_credential(node, source):
            default = param.default
            if isinstance(default, ir.Call):
                default = default.arg(0, "default")
            if default is None or (isinstance(default, ir.Const) and default.value is ...):
                return True
    return False


def optional_params(root: DepNode, nodes: dict[int, NodeAuth]) -> list[str]:
    """Parameters of a route handler fed by a dependency that lets anonymous requests through. Not one that
    lets them through only when they carry another input (`alternative`, itself or below it): a request with
    neither is rejected, and what the handler receives is what that input opened (`if token: ... elif usr:
    ... else: raise 401`), not "no user"."""
    def opened_by_input(child: DepNode) -> bool:
        return any(id(n) in nodes and nodes[id(n)].alternative for n in walk(child))

    return sorted({via for child, via in root.children if id(child) in nodes and nodes[id(child)].anonymous is True
                   and any(s.param.name == via for s in root.params) and not opened_by_input(child)})


def branches_on(func: Func | None, names: list[str]) -> tuple[str, str | None] | None:
    """The first name of `names` an `if` test of `func` looks at, on a path that returns, raises, binds or stores an
    item (`out["notes"] = ...`), or else the first name `func` binds to what one of them opens, absent without it
    (`wallet = await lookup(key) if key else None`), with the name it is made from."""
    if func is None or not names:
        return None
    made = _made_from(func, set(names))
    tests = [*func.block_tests(), *(c for w in func.item_writes for c in w.conditions)]
    for wanted in (set(names), set(made)):
        for test in tests:
            if is_marker(test):
                continue
            hit = _presence_tested(test, wanted)
            if hit:
                first = sorted(hit)[0]
                return first, made.get(first)
    return None


def _own_branch(func: Func | None, walked: Walked, requests: frozenset[str]) -> tuple[str, str | None] | None:
    """A route handler that reads a credential itself, walked for a request without credentials (`walked`):
    the first name it tests (see `branches_on`) that holds what it made of the credential, false for that
    request. Such a name is bound where the walk got only to false values (`user = None`), and otherwise only
    under tests of a value made from the missing credential, which that request fails (`if token: data =
    decode(token); if data is not None and ...: user = lookup(data["id"])`, nested as deep as it likes), to a
    value computed by a call that is no read of the request (a lookup, a decode); or it is bound, wherever it
    is bound, to such a computed value made from the missing credential (`user = lookup(token) if token else
    None`). The
    credential itself (`token = request.headers.get(...)`, `if token: ...`) is not such a name: a handler that
    only tests its presence has checked nothing."""
    if func is None:
        return None
    seeds = walked.missing
    made: dict[str, str | None] = {}
    by_name: dict[str, list[Bind]] = {}
    for bind in func.binds:
        if "." not in bind.name and "[" not in bind.name:
            by_name.setdefault(bind.name, []).append(bind)
    for name, binds in by_name.items():
        if name in walked.truthy:
            continue
        if name in seeds:
            # bound to a value made from the missing credential: computed from it by a call, on every binding
            if all(_computes(b.value, requests) for b in binds):
                made[name] = next(iter(sorted((names_in([b.value for b in binds]) & seeds) - {name})), "")
            continue
        cut = [b for b in binds if b.line in walked.cut]
        if cut and len(cut) < len(binds) and any(_computes(b.value, requests) for b in cut):
            made[name] = None
    if not made:
        return None
    found = branches_on(func, sorted(made))
    return (found[0], made.get(found[0])) if found is not None else None


def _computes(expr: ir.Expr, requests: frozenset[str], depth: int = 0) -> bool:
    """`expr` calls something that is not a read of the request (`request.cookies.get(...)`)."""
    if depth > 12:
        return False
    if isinstance(expr, ir.Call):
        root = expr.func
        while isinstance(root, (ir.Attr, ir.Call, ir.Sub)):
            root = root.value if isinstance(root, (ir.Attr, ir.Sub)) else root.func
        if not (isinstance(root, ir.Name) and root.id in requests):
            return True
    return any(_computes(child, requests, depth + 1) for child in ir.children(expr))


def _made_from(func: Func, names: set[str]) -> dict[str, str]:
    """Local names `func` binds, once, to a value that is None when one of `names` is missing: `lookup(key) if
    key else None` (or `if isinstance(key, str)`), `key and lookup(key)`; each with the name it comes from. Not
    any value computed with it (`rows = select(owner=key)`, then `if not rows: raise 404` tests a resource)."""
    made: dict[str, str] = {}
    bound: dict[str, int] = {}
    for bind in func.binds:
        bound[bind.name] = bound.get(bind.name, 0) + 1
    for bind in func.binds:
        if bind.name in names or bound[bind.name] > 1:
            continue
        source = _absent_without(bind.value, names)
        if source is not None:
            made[bind.name] = source
    return made


def _absent_without(value: object, names: set[str]) -> str | None:
    if isinstance(value, ir.IfExp) and isinstance(value.orelse, ir.Const) and value.orelse.value is None:
        test = value.test
        hit = _presence_tested(test, names)
        if isinstance(test, ir.Call) and ir.dotted(test.func) == "isinstance" and test.args and \
                isinstance(test.args[0], ir.Name) and test.args[0].id in names:
            hit = {test.args[0].id}
        hit &= names_in(value.body)
        return sorted(hit)[0] if hit else None
    if isinstance(value, ir.BoolOp) and value.op == "and" and len(value.values) > 1:
        hit = _presence_tested(value.values[0], names) & names_in(value.values[-1])
        return sorted(hit)[0] if hit else None
    return None


def branches_on_user(root: DepNode) -> str | None:
    """`request.user.is_authenticated` when the route handler tests it (an `if`, or a conditional expression it
    binds or returns: `user = request.user.object if request.user.is_authenticated else None`) on its request
    parameter: what Starlette's AuthenticationMiddleware sets, false for a request without credentials. A
    handler that branches on it without rejecting serves both: optional authentication."""
    func = root.func
    requests = {s.param.name for s in root.params if s.kind is ParamKind.REQUEST}
    if func is None or not requests:
        return None
    tests: list[ir.Expr] = [t for t in func.block_tests() if not is_marker(t)]
    tests += _conditional_tests([*(b.value for b in func.binds),
                                 *(r.value for r in func.returns if r.value is not None)])
    for test in tests:
        found = _user_tested(test, requests)
        if found is not None:
            return found
    return None


def _conditional_tests(exprs: list[ir.Expr], depth: int = 0) -> list[ir.Expr]:
    """The tests of the conditional expressions (`a if test else b`) inside `exprs`."""
    out: list[ir.Expr] = []
    for expr in exprs:
        if depth > 12:
            continue
        if isinstance(expr, ir.IfExp):
            out.append(expr.test)
        out += _conditional_tests(list(ir.children(expr)), depth + 1)
    return out


def _user_tested(test: ir.Expr, requests: set[str], depth: int = 0) -> str | None:
    """`<request>.user.is_authenticated` inside `test`, shown; None when it is not there."""
    if depth > 12:
        return None
    if isinstance(test, ir.Attr) and test.attr == "is_authenticated" and isinstance(test.value, ir.Attr) and \
            test.value.attr == "user" and isinstance(test.value.value, ir.Name) and test.value.value.id in requests:
        return ir.show(test)
    for child in ir.children(test):
        found = _user_tested(child, requests, depth + 1)
        if found is not None:
            return found
    return None


def _presence_tested(test: object, wanted: set[str], depth: int = 0) -> set[str]:
    """The names of `wanted` whose presence `test` looks at: `if user`, `if not user`, `user is None`,
    `user == None`, parts of `and` / `or`. `if user.is_admin` looks at an attribute of the user, which a request
    without credentials never gets to (it is not a branch on "no user")."""
    if depth > 8:
        return set()
    if isinstance(test, ir.Name):
        return {test.id} & wanted
    if isinstance(test, ir.Not):
        return _presence_tested(test.value, wanted, depth + 1)
    if isinstance(test, ir.BoolOp):
        out: set[str] = set()
        for part in test.values:
            out |= _presence_tested(part, wanted, depth + 1)
        return out
    if isinstance(test, ir.Compare) and len(test.ops) == 1 and test.ops[0] in ("is", "is not", "==", "!="):
        left, right = test.left, test.comparators[0]
        for a, b in ((left, right), (right, left)):
            if isinstance(a, ir.Name) and a.id in wanted and isinstance(b, ir.Const) and b.value is None:
                return {a.id}
    if isinstance(test, ir.Call) and ir.dotted(test.func) == "bool" and test.args:
        return _presence_tested(test.args[0], wanted, depth + 1)
    return set()


def optional_use(outcome: Outcome | None) -> list[Exit]:
    """The exits of an optional-credential walk that hand on something made from the missing credential
    (or fall off the end): the credential was used without checking for `None`."""
    if outcome is None:
        return []
    out: list[Exit] = []
    for ex in outcome.exits:
        if isinstance(ex.value.value, Memo):
            continue  # what earlier code stored on the request (`return request.state.user`), not the credential
        if ex.implicit or (ex.expr is not None and ex.value.taint and (ex.value.kind in ("obj", "unk") or
                                                          (ex.value.kind == "const" and ex.value.truth()))):
            out.append(ex)
    return out
