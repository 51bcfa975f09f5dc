"""The auth judgement: for every route of the route table, what a request meets on its way to the handler.

Input: the route table (`routes.model.Graph`: routes, their dependency trees, middleware). Output: a
`Judgement`, its own plain data: a `Verdict` per route (state, reason, the chain that authenticates it) and
a `NodeAuth` per dependency node (what a request without credentials gets from it). Nothing in the route
table is written to.

States (`AuthState`):

* `protected`: something on the chain rejects a request without a credential and checks a given one;
* `public`: declared so, or public by design (a login endpoint, a liveness probe, an optional-auth handler);
* `unverified`: the only possible authentication is code the analysis cannot read; the reason names it;
* `unprotected`: a request without a credential provably reaches the handler. RG001 reports only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

from routeguard_lint.auth.answered import serves_nothing
from routeguard_lint.auth.capability import Capabilities, reads_param
from routeguard_lint.auth.dynamic import Dynamic, Site
from routeguard_lint.auth.libraries import Match, match, shipped
from routeguard_lint.auth.middleware import middleware_role, path_test_value
from routeguard_lint.auth.missing_credential import Exit, Flow, Outcome, names_in, refuses
from routeguard_lint.auth.optional_auth import (
    Decide,
    NodeAuth,
    anonymous_requests,
    branches_on,
    branches_on_user,
    make_flow,
    optional_params,
)
from routeguard_lint.auth.public import Public
from routeguard_lint.auth.request_path import PathChecks, PathKey, on
from routeguard_lint.auth.settings import Identity, SettingTests
from routeguard_lint.auth.signature import Signatures
from routeguard_lint.auth.state_memo import StateMemo
from routeguard_lint.auth.static_page import StaticPages
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import ClassV, Ctx, FuncV
from routeguard_lint.routes.literals import Literals
from routeguard_lint.routes.middleware import MiddlewareReader
from routeguard_lint.routes.model import Child, NodeKind, ParamKind, walk
from routeguard_lint.vocabulary import Source, is_credential, is_proxy_identity

if TYPE_CHECKING:
    from routeguard_lint.routes.model import DepNode, Graph, Route



_CALLABLE = (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)


class AuthState(str, Enum):
    PROTECTED = "protected"
    PUBLIC = "public"
    UNVERIFIED = "unverified"
    UNPROTECTED = "unprotected"

    def __str__(self) -> str:
        return self.value


class Answer(str, Enum):
    """What a request meets on its way to the handler."""

    REJECTED = "rejected"  # on every path
    # on every path rejected, or answered with a response written in the code before the handler did any work
    # (`auth.answered`): what the client gets may be a 2xx, but nothing the route protects is served
    ANSWERED = "answered"
    REACHES = "reaches"  # the handler, on some path
    UNKNOWN = "unknown"  # the path goes through code the analysis cannot resolve

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    state: AuthState
    reason: str
    no_credential: Answer = Answer.UNKNOWN  # (a) a request that carries no credential
    forged: Answer = Answer.UNKNOWN  # (b) a request that carries an arbitrary, forged credential
    public_reason: str | None = None
    chain: tuple[str, ...] = ()  # labels of the nodes that authenticate the route, outermost first
    scheme: bool = False  # a fastapi.security scheme is in the route's dependency tree


@dataclass
class Judgement:
    """The verdict on every route of one route table, and what each dependency node does to a request
    without credentials."""

    verdicts: dict[int, Verdict] = field(default_factory=dict)  # id(route) -> verdict
    nodes: dict[int, NodeAuth] = field(default_factory=dict)  # id(DepNode) -> its answers
    token_urls: tuple[str, ...] = ()
    # id(DepNode) -> the calls it hands the request or a credential to that cannot be resolved
    unresolved: dict[int, tuple[Site, ...]] = field(default_factory=dict)
    # id(DepNode) -> the documented auth-library model it matches (models/libraries.toml)
    libraries: dict[int, Match] = field(default_factory=dict)
    # id(DepNode) of every node of a route that a request with a forged credential certainly reaches the
    # handler of (every credential consumer on it lets such a request through on a path whose tests all hold)
    forged_reach: frozenset[int] = frozenset()
    # id(route) -> the answers of its nodes as its own walk gave them, for a route walked again knowing its path's
    # tests (`_settled`): a dependency shared by routes may let a request without credentials through on some
    # paths only (RG008 asks per route)
    route_nodes: dict[int, dict[int, NodeAuth]] = field(default_factory=dict)

    def of(self, route: Route) -> Verdict:
        return self.verdicts[id(route)]

    def node(self, node: DepNode) -> NodeAuth:
        return self.nodes.get(id(node)) or NodeAuth()

    def node_on(self, route: Route, node: DepNode) -> NodeAuth:
        """What `node` does on `route`: its own walk's answer where the route was walked again, else the first."""
        own = self.route_nodes.get(id(route))
        return (own.get(id(node)) if own is not None else None) or self.node(node)

    def declared(self, overrides: dict[int, Verdict]) -> Judgement:
        """A copy with some verdicts replaced (what declared intent decides)."""
        if not overrides:
            return self
        return replace(self, verdicts={**self.verdicts, **overrides})


def judgement_of(graph: Graph) -> Judgement:
    """The judgement `api` set on the route table (`Graph.auth`)."""
    judgement = graph.auth
    assert isinstance(judgement, Judgement), "the routes are judged (api.build) before anything reads the verdicts"
    return judgement


def judge(graph: Graph) -> Judgement:
    """The verdict on every route of `graph`. A route whose tree chooses a dependency between alternatives at
    run time (an ALTERNATIVES node) is judged once per choice, each on its own copy of the tree (`worlds`), and
    the answers are combined (`combined`)."""
    worlds: dict[int, list[tuple[Tests, Route]] | None] = {}
    judged: list[Route] = []
    for route in graph.routes:
        if route.root is not None and any(n.kind is NodeKind.ALTERNATIVES for n in walk(route.root)):
            choices = choose(route.root, {}, frozenset())
            worlds[id(route)] = None if len(choices) > MAX_WORLDS else \
                [(tests, replace(route, root=root)) for tests, root in choices]
            judged.extend(world for _tests, world in worlds[id(route)] or ())
        else:
            judged.append(route)
    # documented library dependencies first: what they do to a request without credentials is what the
    # dependencies that take their value receive (`user = Depends(users.current_user(optional=True))`)
    libraries = _library_matches(judged)
    reader = MiddlewareReader(graph.index, Calls(graph.index), Literals(graph.index), middleware_role)
    path_tests = _path_tests(graph, reader)
    checks = PathChecks(reader)
    flow = make_flow(graph.index, decide=path_tests, unread_middleware=graph.unread_middleware)
    flow.path_checks = checks.read
    nodes = anonymous_requests(graph.index, judged, libraries, flow, decide=path_tests)
    judgement = Judgement(nodes=nodes, token_urls=tuple(graph.token_urls), libraries=libraries)
    calls = Calls(graph.index)
    context = Context(Dynamic(graph.index, calls, flow.reaches), Public(graph.index, calls, graph.routes),
                      StateMemo(graph.index, calls), calls, Signatures(graph.index, calls), StaticPages(calls),
                      Capabilities(graph.index, lambda: _capability_flow(graph, flow, path_tests)))
    for route in judged:
        if route.root is None:
            continue
        for node in walk(route.root):
            if id(node) not in judgement.unresolved:
                judgement.unresolved[id(node)] = _dynamic_sites(node, context.dynamic, judgement.node(node))
    reach: set[int] = set()
    for route in judged:
        if route.root is not None and forged_reaches(route.root, judgement):
            reach.update(id(n) for n in walk(route.root))
    judgement.forged_reach = frozenset(reach)
    settled = _settled(graph, [w for ws in worlds.values() for w in ws or ()] +
                       [((), route) for route in judged if id(route) not in worlds], judgement, libraries, flow,
                       path_tests, checks)
    for route in graph.routes:
        if id(route) not in worlds and (own := settled.get(id(route))) is not None:
            judgement.route_nodes[id(route)] = own.nodes
        if id(route) in worlds:
            judged_worlds = worlds[id(route)]
            verdict = combined(route, [(tests, decide(world, settled.get(id(world), judgement), context))
                                       for tests, world in judged_worlds]) \
                if judged_worlds is not None else _too_many(route)
        else:
            verdict = decide(route, settled.get(id(route), judgement), context)
        if route.opaque and verdict.state is AuthState.UNVERIFIED:
            verdict = replace(verdict, reason=f"the routes of {route.decl.handler_name} are unknown: it is not a "
                                              f"router the analysis can read (a library's, or a value only known at "
                                              f"run time) ({route.decl.file}:{route.decl.line})")
        judgement.verdicts[id(route)] = verdict
    _handler_choices(graph.routes, judgement.verdicts)
    return judgement


def _capability_flow(graph: Graph, flow: Flow, path_tests: Decide | None) -> Flow:
    """A walk of its own for `Capabilities` (what it walks is not a request without credentials: the lines it
    gets to are not the ones `flow.reaches` answers for), reading what `flow` read of the project."""
    out = make_flow(graph.index, decide=path_tests, unread_middleware=graph.unread_middleware)
    out.path_checks = flow.path_checks
    out.share(flow)
    return out


def _settled(graph: Graph, worlds: list[tuple[Tests, Route]], judgement: Judgement, libraries: dict[int, Match],
             flow: Flow, path_tests: Decide | None, checks: PathChecks) -> dict[int, Judgement]:
    """For each route (each choice of a route's dependencies) whose tree's walks depend on what is known of it
    alone, the judgement with its tree walked again knowing it, by `id(world)`:
    * the settings that never change once the app runs that its choices' tests say (`if settings.AUTH_ENABLED:
      auth = Auth0(...)`): a later test of the same setting on the same path (the resolver's `if not
      settings.AUTH_ENABLED: return system`) is then decided;
    * the tests of the request's path its walks met and could not decide (`NodeAuth.path_tests`, `"/alerts/event" in
      request.url.path` in a helper two calls down), decided on the route's path (`auth.request_path.on`): a test
      no request to the route meets is false for it (`if ALLOW_MESH and "/alerts/event" in path: return ...` lets
      nothing through there, whatever the setting).
    Routes for which both say the same are walked together."""
    settings = SettingTests(graph.index, flow.environment)
    groups: dict[tuple[frozenset[tuple[Identity, bool]], frozenset[tuple[PathKey, bool]]], list[Route]] = {}
    for tests, world in worlds:
        if world.root is None:
            continue
        said: dict[Identity, bool] = {}
        for test in tests:
            for identity, value in settings.assumed(test.text, test.path, test.line).items():
                if said.setdefault(identity, value) != value:
                    break  # two choices on one path that contradict each other: nothing is taken
            else:
                continue
            said = {}
            break
        met = {t for node in walk(world.root) for t in judgement.node(node).path_tests}
        paths = frozenset((t, known) for t in met if (known := on(t, world.full_path)) is not None)
        if said or paths:
            groups.setdefault((frozenset(said.items()), paths), []).append(world)
    out: dict[int, Judgement] = {}
    tested: dict[int, bool] = {}
    for (said_items, path_items), members in groups.items():
        said = dict(said_items)

        def assumed(expr: ir.Expr, ctx: Ctx, said: dict[Identity, bool] = said) -> bool | None:
            identity = settings.identity(expr, ctx)
            return said.get(identity) if identity is not None else None

        decided = _decided(path_tests, checks, dict(path_items)) if path_items else path_tests
        # knowing only the path: what no test of the path below a node decides is as the first walk found it
        kept = None if said else {id(n): judgement.nodes[id(n)] for w in members if w.root is not None
                                  for n in walk(w.root)
                                  if id(n) in judgement.nodes and not _path_tested(n, judgement, tested, set())}
        again = make_flow(graph.index, assumed=assumed if said else None, decide=decided,
                          unread_middleware=graph.unread_middleware)
        again.share(flow)
        nodes = anonymous_requests(graph.index, members, libraries, again, assumed=assumed if said else None,
                                   decide=decided, kept=kept)
        taken = replace(judgement, nodes={**judgement.nodes, **nodes})
        roots = {id(w.root) for w in members}
        reach = {id(w.root) for w in members if w.root is not None and forged_reaches(w.root, taken)}
        taken = replace(taken, forged_reach=(judgement.forged_reach - roots) | reach)
        out.update((id(w), taken) for w in members)
    return out


def _path_tested(node: DepNode, judgement: Judgement, memo: dict[int, bool], seen: set[int]) -> bool:
    """A walk of `node` or of a node of its tree met a test of the request's path it could not decide."""
    known = memo.get(id(node))
    if known is not None:
        return known
    if id(node) in seen:
        return True  # (a cycle: walked again)
    seen.add(id(node))
    found = bool(judgement.node(node).path_tests) or \
        any(_path_tested(child, judgement, memo, seen) for child, _via in node.children)
    memo[id(node)] = found
    return found


def _decided(path_tests: Decide | None, checks: PathChecks, values: dict[PathKey, bool]) -> Decide:
    """`path_tests`, and the tests of the request's path whose value `values` says (see `_settled`)."""

    def decided(expr: ir.Expr, ctx: Ctx) -> bool | None:
        known = path_tests(expr, ctx) if path_tests is not None else None
        if known is not None:
            return known
        check = checks.read(expr, ctx)
        value = values.get(check.test) if check is not None else None
        return None if check is None or value is None else value != check.negated

    return decided


def _path_tests(graph: Graph, reader: MiddlewareReader) -> Decide | None:
    """The value of the tests of the request's path in a dependency that exempts some paths before its check
    (`if request.url.path in EXEMPT_PATHS: return`, see `DepNode.exempts`), for the requests its node is walked
    for: those to routes whose path it does not exempt (each other route has a node of its own, which runs none
    of its code). They are read as a middleware's are (`auth.middleware.path_test_value`)."""
    exempting = {FuncV(n.func_module, n.func.qualname) for n in graph.nodes.values()
                 if n.exempts is not None and n.func is not None and n.func_module is not None}
    if not exempting:
        return None

    def tested(expr: ir.Expr, ctx: Ctx) -> bool | None:
        if ctx.scope is None or FuncV(ctx.module, ctx.scope) not in exempting:
            return None
        return path_test_value(reader, expr, ctx)

    return tested


def _library_matches(routes: list[Route]) -> dict[int, Match]:
    """The nodes of the routes' trees that are documented auth-library dependencies, by `id(node)`."""
    models = shipped()
    libraries: dict[int, Match] = {}
    for route in routes:
        for node in walk(route.root) if route.root is not None else ():
            if node.kind in (NodeKind.EXTERNAL, NodeKind.UNRESOLVED, *_CALLABLE) and id(node) not in libraries:
                found = match(node, models)
                if found is not None:
                    libraries[id(node)] = found
    return libraries


def _handler_choices(routes: list[Route], verdicts: dict[int, Verdict]) -> None:
    """Routes whose endpoint is one of several functions chosen by a test the analysis cannot decide
    (`if is_auth: handler = authed` / `else: handler = anonymous`; each listed with the condition naming its
    function) are one route of the running app. When one alternative lets a request without credentials
    through and another does not, that is not proven for the route: each alternative is unverified, naming
    what each function gets."""
    groups: dict[tuple[str, int, tuple[str, ...], str], list[Route]] = {}
    for route in routes:
        if route.decl.conditions:
            groups.setdefault((route.decl.file, route.decl.line, route.methods, route.full_path), []).append(route)
    for members in groups.values():
        states = {verdicts[id(r)].state for r in members}
        if len(members) < 2 or len(states) < 2 or AuthState.UNPROTECTED not in states:
            continue
        shown = "; ".join(f"if {' and '.join(r.decl.conditions)}: {verdicts[id(r)].state}" for r in members[:4])
        more = f" (and {len(members) - 4} more)" if len(members) > 4 else ""
        for route in members:
            verdicts[id(route)] = Verdict(
                AuthState.UNVERIFIED, f"whether a request without credentials is rejected depends on which function "
                f"the endpoint ({route.decl.file}:{route.decl.line}) is at run time, chosen by a test the analysis "
                f"cannot decide: {shown}{more}", Answer.UNKNOWN, Answer.UNKNOWN,
                scheme=verdicts[id(route)].scheme)


# ------------------------------------------------------------------------------------------- choices

# Combinations of run-time choices a route is judged under; past it the route is unverified.
MAX_WORLDS = 16


@dataclass(frozen=True)
class Test:
    """The test under which a run-time choice takes one alternative (source text), and where the choice is made."""

    text: str
    path: str | None = None
    line: int | None = None


Tests = tuple[Test, ...]


def shown(tests: Tests) -> str:
    return " and ".join(t.text for t in tests)


def choose(node: DepNode, memo: dict[int, list[tuple[Tests, DepNode]]], stack: frozenset[int]
           ) -> list[tuple[Tests, DepNode]]:
    """Each tree `node` can be at run time, with the tests that choose it: an ALTERNATIVES node is each of its
    alternatives, a node above one is a copy of itself per combination of its children's choices (the copies
    are new objects, so what the judgement learns about them is kept apart); a node with no choice below it is
    itself. Stops growing past MAX_WORLDS (the caller then gives up)."""
    found = memo.get(id(node))
    if found is not None:
        return found
    if id(node) in stack:
        return [((), node)]
    inner = stack | {id(node)}
    if node.kind is NodeKind.ALTERNATIVES:
        out = [(joined, chosen) for child, test in node.children for tests, chosen in choose(child, memo, inner)
               if (joined := _joined((Test(test, node.path, node.line),), tests)) is not None]
    else:
        combos: list[tuple[Tests, list[Child]]] = [((), [])]
        changed = False
        for child, via in node.children:
            options = choose(child, memo, inner)
            changed = changed or len(options) != 1 or options[0][1] is not child
            combos = [(joined, [*children, Child(chosen, via)]) for tests, children in combos
                      for more, chosen in options if (joined := _joined(tests, more)) is not None][:MAX_WORLDS + 1]
        out = [(tests, replace(node, children=children)) for tests, children in combos] if changed else [((), node)]
    memo[id(node)] = out = out[:MAX_WORLDS + 1]
    return out


def _joined(tests: Tests, more: Tests) -> Tests | None:
    """The tests of one world made of two parts' choices; None when they take one choice both ways (a test and its
    negation, `c` and `not (c)`, made at the same place: one run of the program decides it once, as for a
    dependency override made under `if c:` that several dependencies of the route meet). A test met again is kept
    once."""
    out = list(tests)
    for test in more:
        if test in out:
            continue
        negated = test.text[5:-1] if test.text.startswith("not (") and test.text.endswith(")") else f"not ({test.text})"
        if Test(negated, test.path, test.line) in out:
            return None
        out.append(test)
    return tuple(out)


def _alternatives_sites(route: Route) -> str:
    assert route.root is not None
    sites = sorted({f"`{n.label.split('`')[1]}` ({n.path}:{n.line})" if n.line else f"`{n.label.split('`')[1]}`"
                    for n in walk(route.root) if n.kind is NodeKind.ALTERNATIVES and n.label.count("`") >= 2})
    return listed(sites)


def _added_middleware(route: Route) -> str | None:
    """When every run-time choice in the route's tree is whether a middleware is added (`if auth_string is not None:
    @app.middleware("http") ...`): those middleware, "the middleware `m` (added by `@app.middleware('http')`,
    path:line)"; else None."""
    assert route.root is not None
    choices = [n for n in walk(route.root) if n.kind is NodeKind.ALTERNATIVES]
    if not choices or any(n.added_middleware is None for n in choices):
        return None
    sites = sorted({f"{n.added_middleware[:-1]}, {n.path}:{n.line})" if n.line and n.added_middleware.endswith(")")
                    else f"{n.added_middleware}" for n in choices if n.added_middleware is not None})
    return "the middleware " + listed(sites)


def _made_overrides(route: Route) -> str | None:
    """When every run-time choice in the route's tree is whether an app's dependency override is made (`if
    settings.DEV: app.dependency_overrides[auth] = fake`): "the dependency override `write` (path:line)"; else None."""
    assert route.root is not None
    choices = [n for n in walk(route.root) if n.kind is NodeKind.ALTERNATIVES]
    if not choices or any(n.override is None for n in choices):
        return None
    sites = sorted({n.override for n in choices if n.override is not None})
    return f"the dependency override{'s' if len(sites) > 1 else ''} " + listed(sites)


def _too_many(route: Route) -> Verdict:
    return Verdict(AuthState.UNVERIFIED, f"the route's dependencies are chosen at run time between more than "
                   f"{MAX_WORLDS} combinations of alternatives ({_alternatives_sites(route)})")


_UNKNOWN_PREFIX = "whether a request without credentials is rejected cannot be told: "


def combined(route: Route, verdicts: list[tuple[Tests, Verdict]]) -> Verdict:
    """The verdict on a route judged once per run-time choice of its dependencies: protected when every
    choice is, unprotected (or public) when every choice is, else unverified, naming the tests that choose and
    what each choice gets."""
    states = {v.state for _t, v in verdicts}
    first = verdicts[0][1]
    scheme = any(v.scheme for _t, v in verdicts)
    where = _alternatives_sites(route)
    # a middleware added under a test (`if auth_string is not None: @app.middleware("http") ...`) is in front of
    # the route or not: said so, rather than as a dependency chosen at run time
    middleware = _added_middleware(route) or _made_overrides(route)
    made = middleware is not None and not middleware.startswith("the middleware")
    if len(states) == 1 and first.state is not AuthState.UNVERIFIED:
        forged = {v.forged for _t, v in verdicts}
        answer = forged.pop() if len(forged) == 1 else Answer.UNKNOWN
        if first.state is AuthState.PROTECTED:
            head = f"with or without {middleware} it is authenticated" if middleware else \
                f"every dependency {where} may be at run time authenticates"
            reason = f"{head}: " + "; ".join(
                f"if {shown(tests)}: {v.reason.removeprefix('authenticated by ')}" for tests, v in verdicts)
            chain = (f"each alternative of {where}: " + " / ".join(" -> ".join(v.chain) for _t, v in verdicts),)
            return Verdict(AuthState.PROTECTED, reason, Answer.REJECTED, answer, chain=chain, scheme=scheme)
        head = f"with or without {middleware}" if middleware else f"whichever dependency {where} is at run time"
        return replace(first, reason=f"{head}: {first.reason}", forged=answer, scheme=scheme)
    listed_ = "; ".join(f"if {shown(tests)}: {v.state}" +
                        (f" ({v.reason.removeprefix(_UNKNOWN_PREFIX)})" if v.state is AuthState.UNVERIFIED else "")
                        for tests, v in verdicts[:4])
    more = f" (and {len(verdicts) - 4} more)" if len(verdicts) > 4 else ""
    values = sorted({v for n in walk(route.root) if n.kind is NodeKind.ALTERNATIVES for v in n.test_values}) \
        if middleware and route.root is not None else []
    named = f" ({'; '.join(values[:3])})" if values else ""
    which = f"whether {middleware} is made, which a test the analysis cannot decide chooses" if made else \
        f"whether {middleware} is in front of it, which a test the analysis cannot decide chooses{named}" \
        if middleware else f"which dependency {where} is at run time, chosen by a test the analysis cannot decide"
    return Verdict(AuthState.UNVERIFIED, f"whether a request without credentials is rejected depends on {which}: "
                   f"{listed_}{more}",
                   Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)


# ------------------------------------------------------------------------------------------- chains


def auth_chain(node: DepNode, judgement: Judgement, seen: set[int] | None = None) -> list[DepNode] | None:
    """A chain from `node` down to a credential source on which something can reject, or None.

    A dependency that raises protects every credential below it (it may check the user another
    dependency produced); a route handler that raises only counts for credentials it reads itself, so a
    `404` in the handler does not make an optional token look checked. A node that lets a request without
    any credential through (it only rejects a *bad* optional credential) protects nothing; a handler whose
    own code rejects such a request (`if user is None: raise ...`) protects the optional credentials below it.
    """
    seen = set() if seen is None else seen
    if id(node) in seen:
        return None
    seen.add(id(node))
    if node.credential and node.rejects:
        return [node]
    library = judgement.libraries.get(id(node))
    if library is not None and library.rejects_missing:
        return [node]
    facts = judgement.node(node)
    if facts.request_guard:
        return [node]
    if facts.idle:
        # a websocket handler that serves nothing unless a dependency handed it a value made from a credential
        for child, _ in node.children:
            path = _cred_path(child, set(), judgement) or ([child] if judgement.node(child).anonymous is True else None)
            if path:
                return [node, *path]
    if node.rejects and facts.anonymous is not True:
        for child, _ in node.children:
            path = [child] if node.kind is NodeKind.ROUTE and child.credential else \
                _cred_path(child, set(), judgement) if node.kind is not NodeKind.ROUTE or facts.guard else None
            if path:
                return [node, *path]
    for child, _ in node.children:
        sub = auth_chain(child, judgement, seen)
        if sub:
            return [node, *sub]
    return None


def _cred_path(node: DepNode, seen: set[int], judgement: Judgement) -> list[DepNode] | None:
    """A path from `node` down to a credential source: a scheme, header, cookie or request read, a documented
    library dependency (which reads one itself), or a dependency that reads one from the request itself and
    hands on what a request without it gets (`request.cookies.get(settings.SESSION_COOKIE)`: a key the
    analysis computes, so no source node of its own)."""
    facts = judgement.node(node)
    if node.credential or id(node) in judgement.libraries or \
            ((facts.consumes or facts.middleware or facts.carrier) and facts.anonymous is True):
        return [node]
    if id(node) in seen:
        return None
    seen.add(id(node))
    for child, _ in node.children:
        sub = _cred_path(child, seen, judgement)
        if sub:
            return [node, *sub]
    return None


# ------------------------------------------------------------------------------------------ decisions


@dataclass(frozen=True)
class Context:
    """What the judgement reads the project with."""

    dynamic: Dynamic
    public: Public
    state: StateMemo
    calls: Calls
    signatures: Signatures
    static: StaticPages
    capabilities: Capabilities


def _authenticated(root: DepNode, chain: list[DepNode], judgement: Judgement, scheme: bool) -> Verdict:
    """The verdict of a route whose chain rejects a request without credentials."""
    # keep the handler when its own code is what rejects a request without credentials
    if chain[0] is root and len(chain) > 1 and not judgement.node(root).guard:
        chain = chain[1:]
    labels = tuple(n.label for n in chain)
    authenticated = "authenticated by " + " -> ".join(labels)
    stored = sorted({m for n in chain for m in judgement.node(n).middleware})
    if stored:  # it tests what a middleware made of the request's credential
        authenticated += f", which tests {listed(stored, 2)}"
    library = judgement.libraries.get(id(chain[-1]))
    if library is not None:
        authenticated += f" (documented behaviour of {library.model.name}: {library.model.source})"
    answered = judgement.node(root).answered
    rejected = Answer.ANSWERED if answered else Answer.REJECTED
    if answered:
        lines = ", ".join(str(n) for n in answered)
        authenticated += f"; a request without credentials is otherwise answered with a response written in " \
                         f"the code, before the handler does any work ({root.path}:{lines})"
    granted = [n.forged_grant.why for n in chain if n.forged_grant is not None and n.forged_grant.reaches]
    if id(root) in judgement.forged_reach and granted:
        # (a) rejected, (b) reaches through what the AuthenticationMiddleware's backend grants a forged credential
        return Verdict(AuthState.PROTECTED, f"{authenticated}; but {granted[0]}: one with an arbitrary forged value "
                       f"reaches the handler", rejected, Answer.REACHES, chain=labels, scheme=scheme)
    if id(root) in judgement.forged_reach:
        # (a) rejected, (b) reaches: the state says what a request without credentials meets; the consumer
        # that lets a forged credential through is RG002's finding
        return Verdict(AuthState.PROTECTED, f"{authenticated}; but nothing on the route verifies a credential: one "
                       f"with an arbitrary forged value reaches the handler (RG002)", rejected,
                       Answer.REACHES, chain=labels, scheme=scheme)
    unknown = forged_unknown(root, judgement)
    gated = list(unknown.gates)
    if unknown.unread:
        # (a) rejected, (b) decided by code the analysis cannot read: unverified, naming it (and any setting that
        # lets a forged credential through besides)
        unread = list(unknown.unread)
        more = f" (and {len(unread) - 2} more)" if len(unread) > 2 else ""
        also = f"; it also gets through where a test the analysis cannot decide, which does not depend on the " \
               f"request, says so: {'; '.join(gated[:2])}" if gated else ""
        also += f" (and {len(gated) - 2} more)" if len(gated) > 2 else ""
        return Verdict(AuthState.UNVERIFIED, f"a request without credentials is rejected ({authenticated}); whether "
                       f"one with a forged credential is rejected depends on what code the analysis cannot read "
                       f"makes of it: " + "; ".join(unread[:2]) + more + also, rejected, Answer.UNKNOWN,
                       scheme=scheme)
    if gated:
        # (a) rejected, (b) decided by a setting: protected needs both, so the route is unverified, naming it
        more = f" (and {len(gated) - 2} more)" if len(gated) > 2 else ""
        return Verdict(AuthState.UNVERIFIED, f"a request without credentials is rejected ({authenticated}); one "
                       f"with a forged credential gets through only on a path chosen by a test the analysis cannot "
                       f"decide, which does not depend on the request: " + "; ".join(gated[:2]) + more,
                       rejected, Answer.UNKNOWN, scheme=scheme)
    return Verdict(AuthState.PROTECTED, authenticated, rejected, rejected, chain=labels, scheme=scheme)


def _unknown_dependencies(deps: list[DepNode], judgement: Judgement) -> list[str]:
    """Why the dependencies' answer is unknown: unreadable dependencies and calls handing the request on."""
    unknown = sorted({_unknown_node(n) for n in deps
                      if (n.kind in (NodeKind.EXTERNAL, NodeKind.UNRESOLVED) or n.calls_unknown)
                      and id(n) not in judgement.libraries})
    unknown += sorted({f"`{site.call}` ({site.path}:{site.line}): {site.why}" if site.call.startswith("@")
                       else site.handed()
                       for n in deps for site in judgement.unresolved.get(id(n), ())})
    return unknown


def _unread_passes(nodes: list[DepNode], judgement: Judgement) -> list[str]:
    """Callables a request without credentials gets through only where code the analysis cannot read let it on
    (every exit of their walk is past such code: `jwt.decode(token, ...)` of a token the analysis cannot tie to
    the credential), with that code."""
    out: set[str] = set()
    for node in nodes:
        facts = judgement.node(node)
        if facts.anonymous is True and facts.exits and all(ex.unread for ex in facts.exits):
            shown = "; ".join(dict.fromkeys(u.shown() for ex in facts.exits for u in ex.unread))
            out.add(f"{node.label} lets it through only where {shown}")
    return sorted(out)


def _openapi_scheme(root: DepNode, nodes: list[DepNode]) -> bool:
    """A fastapi.security scheme is in the route's dependencies, as OpenAPI lists them: the declared ones (FastAPI
    builds the document without the app's `dependency_overrides`)."""
    if root.openapi_scheme is not None:
        return root.openapi_scheme
    return any(n.kind is NodeKind.SCHEME or n.scheme_class is not None for n in nodes)


def decide(route: Route, judgement: Judgement, context: Context) -> Verdict:
    root = route.root
    assert root is not None
    judgement = _fresh_request(root, judgement, context)
    nodes = list(walk(root))
    scheme = _openapi_scheme(root, nodes)
    chain = auth_chain(root, judgement)
    if chain:
        return _authenticated(root, chain, judgement, scheme)
    signed = context.public.signature([n for n in nodes if n.kind in (NodeKind.ROUTE, *_CALLABLE)])
    handed = context.signatures.handed(route) if not signed else None
    if handed and handed.verified is None:  # a signature handed to code the analysis cannot read
        return Verdict(AuthState.UNVERIFIED, _UNKNOWN_PREFIX + "; ".join(handed.unknown[:2]) +
                       (f" (and {len(handed.unknown) - 2} more)" if len(handed.unknown) > 2 else ""),
                       Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    signed = signed or (handed.verified if handed else None)
    if signed:
        return Verdict(AuthState.PROTECTED, f"signed payload: {signed}", Answer.REJECTED, Answer.REJECTED,
                       chain=(signed,), scheme=scheme)
    capability = _capability(route, nodes) or context.capabilities.protected(route, nodes)
    if capability:
        return Verdict(AuthState.PROTECTED, capability, Answer.REJECTED, Answer.REJECTED, chain=(capability,),
                       scheme=scheme)
    reason = context.public.reason(route, judgement.token_urls)
    if reason:
        return Verdict(AuthState.PUBLIC, reason, Answer.REACHES, Answer.REACHES, public_reason=reason, scheme=scheme)
    deps = [n for n in nodes if n is not root]
    unknown = _unknown_dependencies(deps, judgement) + _unread_passes([*deps, root], judgement)
    if not unknown and not any(n.credential for n in deps) and not _proxy_identities(deps, context.calls):
        # nothing but the handler could authenticate: a credential flow or an OAuth step is public by design
        reason = context.public.flow_reason(route) or context.static.reason(route) or \
            serves_nothing(root, context.calls)
        if reason:
            return Verdict(AuthState.PUBLIC, reason, Answer.REACHES, Answer.REACHES, public_reason=reason,
                           scheme=scheme)
    if root.func is None and not route.opaque:
        unknown.append(f"cannot read the handler {route.decl.handler_name} ({route.decl.file}:{route.decl.line})")
    unknown += sorted({site.handed()
                       for site in judgement.unresolved.get(id(root), ())})
    if unknown:
        more = f" (and {len(unknown) - 3} more)" if len(unknown) > 3 else ""
        return Verdict(AuthState.UNVERIFIED, "whether a request without credentials is rejected cannot be told: " +
                       "; ".join(unknown[:3]) + more, Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    undecided = _undecided([*deps, root], judgement, scheme)
    if undecided is not None:
        return undecided
    reason = _branches_on_missing(root, judgement, deps)
    if reason:
        return Verdict(AuthState.PUBLIC, reason, Answer.REACHES, Answer.REACHES, public_reason=reason, scheme=scheme)
    designed = _alternative(deps, judgement, scheme) or _state_memo(deps, judgement, scheme) or \
        _optional(root, judgement, scheme)
    if designed is not None:
        return designed
    trusted = _proxy_identities([*deps, root], context.calls)
    if trusted:
        return Verdict(AuthState.UNVERIFIED, "whether a request without credentials is rejected depends on a proxy "
                       "in front of the app that authenticates the user and sets the identity headers read here: " +
                       "; ".join(trusted[:2]) + (f" (and {len(trusted) - 2} more)"
                       if len(trusted) > 2 else "") + "; the app takes them as sent, so a request that reaches it "
                       "directly can carry any identity", Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    rejecting = _unproven_rejections(deps, judgement)
    if rejecting:
        more = f" (and {len(rejecting) - 2} more)" if len(rejecting) > 2 else ""
        return Verdict(AuthState.UNVERIFIED, "whether a request without credentials is rejected cannot be told: " +
                       "; ".join(rejecting[:2]) + more, Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    return _reached(route, nodes, judgement, context, scheme)


def _reached(route: Route, nodes: list[DepNode], judgement: Judgement, context: Context, scheme: bool) -> Verdict:
    """A request without credentials reaches the handler: public when the handler only sends it to sign in, or
    checks the password it submits and signs it in (its optional credentials, a sign-in already under way or a
    session the sign-in replaces, change nothing), else unprotected."""
    start = context.public.sign_in_start(route) or context.public.password_sign_in(route)
    if start is not None:
        return Verdict(AuthState.PUBLIC, start, Answer.REACHES, Answer.REACHES, public_reason=start, scheme=scheme)
    root = route.root
    assert root is not None
    deps = [n for n in nodes if n is not root]
    # (b): certain when nothing on the route reads a credential, or every consumer lets a forged one through;
    # a dependency that checks a given credential (and only lets a missing one through) may reject it
    # (`@requires` whose backend lets a request without credentials through checks a credential it is given)
    forged = Answer.REACHES if id(root) in judgement.forged_reach or \
        not any(judgement.node(n).carries or n.kind is NodeKind.DECORATOR for n in deps) else Answer.UNKNOWN
    return Verdict(AuthState.UNPROTECTED, explain_unprotected(route, nodes, judgement), Answer.REACHES,
                   forged, scheme=scheme)


def _branches_on_missing(root: DepNode, judgement: Judgement, deps: list[DepNode]) -> str | None:
    """Optional authentication: the handler branches on what a request without credentials gives it (the `None`
    of an optional dependency, or `request.user.is_authenticated` as AuthenticationMiddleware set it, unless its
    backend authenticates such a request: then the test holds for it, see `DependencyTrees._user_check`)."""
    branch = branches_on(root.func, optional_params(root, judgement.nodes))
    if branch:
        name, source = branch
        made = f" (made from '{source}')" if source else ""
        return f"optional authentication: the handler branches on '{name}'{made}, which is None for a request " \
               f"without credentials"
    own = judgement.node(root).branch  # what the handler made of a credential it reads itself
    if own:
        name, source = own
        made = f"made from '{source}'" if source else "made from the credential" if source == "" else \
            "set only where a value made from the credential is there"
        return f"optional authentication: the handler reads the credential itself and branches on '{name}' " \
               f"({made}), which is None for a request without credentials"
    if judgement.node(root).own_session:
        return judgement.node(root).own_session
    user = branches_on_user(root) if not any(n.kind is NodeKind.DECORATOR and n.path_test for n in deps) else None
    if user:
        return f"optional authentication: the handler branches on '{user}', which Starlette's " \
               f"AuthenticationMiddleware sets false for a request without credentials"
    return None


def _explicit_default(exit_: Exit) -> bool:
    """A `return` of a value written in the code (`None`, `""`, `False`), not made from the credential."""
    value = exit_.value
    return not exit_.implicit and exit_.expr is not None and not value.taint and value.kind in ("none", "const") \
        and value.truth() is False


def uses(func: Func | None, name: str) -> bool:
    """`func`'s body reads the parameter `name` (in a call, a test, a binding or a returned value)."""
    if func is None:
        return False
    exprs: list[object] = [*func.calls, *(r.value for r in func.returns), *(b.value for b in func.binds)]
    for sites in (func.returns, func.raises, func.binds, func.effects):
        for site in sites:
            exprs.extend(site.conditions)
    return name in names_in(exprs)


def optional_by_construction(root: DepNode, judgement: Judgement) -> str | None:
    """Every credential of the route reaches the handler only through a dependency that lets a request
    without it through on purpose: it checks a given credential (it can reject) and, for a missing one, returns
    a default written in its code (`return None`, `return ""`) rather than anything made from the credential.
    The handler then receives "no user" by construction: optional authentication, public. (A dependency that
    hands the missing credential on, or falls off its end, is RG008's; a handler that cannot work with the
    default rejects the request itself and is protected.) Library models documented as optional are not
    counted here: what they return is described, not read."""
    found: list[DepNode] = []

    def by_construction(node: DepNode) -> bool:
        facts = judgement.node(node)
        return node.kind in _CALLABLE and node.func is not None and node.rejects and facts.anonymous is True \
            and id(node) not in judgement.libraries and bool(facts.exits) and \
            all(_explicit_default(ex) for ex in facts.exits)

    def covered(node: DepNode, seen: frozenset[int]) -> bool | None:
        """True: every credential below goes through such a dependency; False: one does not; None: none below."""
        if id(node) in seen:
            return None
        if node.credential:
            return False
        answers: list[bool | None] = []
        for child, via in node.children:
            if by_construction(child):
                # the optional user must be used (handed on, tested): a dependant that ignores it gains nothing
                # from it, and what it serves is served to everyone
                answers.append(uses(node.func, via))
                found.append(child)
            else:
                answers.append(covered(child, seen | {id(node)}))
        if any(a is False for a in answers):
            return False
        return True if any(answers) else None

    if covered(root, frozenset()) is not True or not found:
        return None
    node = found[0]
    shown = sorted({ir.show(ex.expr, 20) for ex in judgement.node(node).exits if ex.expr is not None})
    return f"{node.label} returns {' or '.join(shown)} for a request without credentials and checks a given one"


def shown_gates(gates: tuple[tuple[str, str], ...]) -> str:
    """"`test` (path:line) or ...": a gate's place may go on to say what a local it reads is bound to ("path:line;
    name is `value` (path:line)", see `missing_credential._Walk._settings_in`), said once for all of them."""
    said: set[str] = set()
    out = []
    for text, where in gates:
        place, *named = where.split("; ")
        fresh = [n for n in named if n not in said]
        said.update(named)
        out.append(f"`{text}` ({'; '.join([place, *fresh])})")
    return " or ".join(out)


def _gated(deps: list[DepNode], judgement: Judgement) -> str:
    """The dependencies that let a request without credentials through only where a setting or other test the
    analysis cannot decide says so (`if not require_login(): return None`), with those tests and where."""
    out = sorted({f"{shown_gates(facts.gates)} for {n.label}"
                  for n in deps for facts in (judgement.node(n),)
                  if (facts.anonymous is True or n.kind is NodeKind.ROUTE) and facts.gates})
    more = f" (and {len(out) - 2} more)" if len(out) > 2 else ""
    return "; ".join(out[:2]) + more


def _undecided(nodes: list[DepNode], judgement: Judgement, scheme: bool) -> Verdict | None:
    """Unverified: a request without credentials gets through only on a path chosen by a setting, or by a test of
    the client's network address, that the analysis cannot decide."""
    gated = _gated(nodes, judgement)
    if gated:
        return Verdict(AuthState.UNVERIFIED, "a request without credentials gets through only on a path chosen by a "
                       "test the analysis cannot decide, which does not depend on the request: " + gated,
                       Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    peer = _peer_gated(nodes, judgement)
    if peer:
        return Verdict(AuthState.UNVERIFIED, "a request without credentials gets through only where a test of the "
                       "client's network address holds, which the analysis cannot decide and a client does not "
                       "choose as it chooses a header (a request from the same machine, or through a proxy on it): "
                       + peer, Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)
    return None


def _peer_gated(deps: list[DepNode], judgement: Judgement) -> str:
    """The dependencies that let a request without credentials through only where a test of the client's network
    address holds (`NodeAuth.peer`), with those tests."""
    out = sorted({f"{'; '.join(t.shown() for t in facts.peer[:2])} for {n.label}"
                  for n in deps for facts in (judgement.node(n),)
                  if (facts.anonymous is True or n.kind is NodeKind.ROUTE) and facts.peer})
    more = f" (and {len(out) - 2} more)" if len(out) > 2 else ""
    return "; ".join(out[:2]) + more


def _fresh_request(root: DepNode, judgement: Judgement, context: Context) -> Judgement:
    """The judgement as this route's requests meet it: a dependency that lets a request without credentials
    through only on a `request.state` memo (`state_memos`) rejects it when no code that runs before it on this
    route (a middleware, another dependency, what they call) can set the memo: `request.state` is the
    request's own, and what other routes' handlers or the dependency itself after authenticating set is not
    there yet."""
    nodes = list(walk(root))
    memo_nodes = [n for n in nodes if judgement.node(n).state_memos]
    if not memo_nodes:
        return judgement
    fresh: dict[int, NodeAuth] = {}
    for node in memo_nodes:
        earlier = {FuncV(n.func_module, n.func.qualname) for n in nodes
                   if n is not node and n is not root and n.kind in _CALLABLE and n.func is not None
                   and n.func_module is not None}
        facts = judgement.node(node)
        if not any(context.state.may_be_set(frozenset(writers), earlier) for _attr, writers in facts.state_memos):
            fresh[id(node)] = replace(facts, anonymous=False, guard=True, state_memos=(), exits=(), gates=(),
                                      alternative=())
    return replace(judgement, nodes={**judgement.nodes, **fresh}) if fresh else judgement


def _state_memo(deps: list[DepNode], judgement: Judgement, scheme: bool) -> Verdict | None:
    """Unverified: only a `request.state` memo set by code that may have run first lets the request through."""
    memos = _state_memo_reasons(deps, judgement)
    if not memos:
        return None
    more = f" (and {len(memos) - 2} more)" if len(memos) > 2 else ""
    return Verdict(AuthState.UNVERIFIED, "a request without credentials gets through only when code that ran before "
                   "has set " + "; ".join(memos[:2]) + more, Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)


def _state_memo_reasons(deps: list[DepNode], judgement: Judgement) -> list[str]:
    """`request.state.user` memos that alone let a request without credentials through a dependency, each with
    the dependency and the code that sets the memo (which the analysis does not tie to the request's order)."""
    out: set[str] = set()
    for node in deps:
        for attr, writers in judgement.node(node).state_memos:
            names = ", ".join(f"{module}.{qualname}" if module != "?" else qualname for module, qualname in writers[:3])
            out.add(f"request.state.{attr} for {node.label} (it is set by {names})")
    return sorted(out)


def _proxy_identities(deps: list[DepNode], calls: Calls) -> list[str]:
    """Dependencies (or the handler) that can refuse a request and read an identity header that a reverse proxy or
    gateway in front of the app sets once it has authenticated the user (`remote-user`, `X-Forwarded-Email`;
    forward auth): the app authenticates nobody itself, and whether the route is protected is the proxy's
    doing, which the code does not show."""
    out: set[str] = set()
    for node in deps:
        if node.kind not in (NodeKind.ROUTE, *_CALLABLE) or node.func is None:
            continue
        # a required `Header()` parameter FastAPI itself refuses a request without (422)
        names = {source.alias or source.param.name for source in node.params
                 if source.kind is ParamKind.HEADER and (node.rejects or not source.optional)
                 and is_proxy_identity(source.alias or source.param.name)}
        if node.rejects and node.func_module is not None:
            names |= calls.identity_headers(FuncV(node.func_module, node.func.qualname))
        if names:
            shown = " and ".join(f"'{name}'" for name in sorted(names)[:2])
            out.add(f"{node.label} decides on {shown}{_where(node)}")
    return sorted(out)


def _unproven_rejections(deps: list[DepNode], judgement: Judgement) -> list[str]:
    """Dependencies that refuse unauthenticated requests (`raise Unauthorized()`, a 401) on a condition the
    missing-credential walk could not decide: with them on the route, that a request without credentials
    reaches the handler is not proven, so the route is not called unprotected (RG001 needs proof)."""
    out: list[str] = []
    for node in deps:
        if node.kind not in _CALLABLE or node.func is None or not node.rejects:
            continue
        if judgement.node(node).anonymous is True:
            continue  # the walk shows a request without credentials gets through it
        for raised in node.func.raises:
            if refuses(raised.exc):
                where = f"{node.path}:{raised.line}" if node.path else f"line {raised.line}"
                out.append(f"{node.label} refuses requests (`raise {ir.show(raised.exc, 40)}` at {where}) on a "
                           f"condition the analysis cannot tie to the request's credentials")
                break
    return sorted(set(out))


def forged_reaches(root: DepNode, judgement: Judgement) -> bool:
    """A request with an arbitrary credential certainly reaches the handler: a credential reaches it, every
    node on the way that sees the credential lets it through on a path whose tests all hold, and nothing on
    the route is code or a check the analysis cannot follow (a middleware, a guard decorator, a library)."""
    carries = False
    for node in walk(root):
        if node.forged_grant is not None and node.forged_grant.reaches is True:
            carries = True  # its AuthenticationMiddleware backend grants a forged credential what it asks for
            continue
        if node.kind in (NodeKind.MIDDLEWARE, NodeKind.DECORATOR, NodeKind.EXTERNAL, NodeKind.UNRESOLVED,
                         NodeKind.REQUEST_USER) or node.calls_unknown:
            return False
        facts = judgement.node(node)
        if node is root:
            if facts.carries and facts.forged_rejects:
                return False  # the handler verifies the credential itself and rejects a forged one
            continue  # else its own code runs once the request has reached it
        if not facts.carries:
            continue
        carries = True
        if facts.forged_rejects or not facts.forged_sure:
            return False
    return carries


@dataclass(frozen=True)
class ForgedUnknown:
    """Why what a request with a forged credential meets cannot be told, though one without is rejected: the
    settings that alone let it through some consumer (`gates`), and the code the analysis cannot read that
    decides whether a consumer lets it through (`unread`), each with its consumer."""

    gates: tuple[str, ...] = ()
    unread: tuple[str, ...] = ()


def forged_unknown(root: DepNode, judgement: Judgement) -> ForgedUnknown:
    """As `forged_reaches`, but where some consumer lets a forged credential through only on paths chosen by tests
    that do not depend on the request (`if not ok and not DEBUG_MODE: raise ...`), or on paths chosen by what code
    the analysis cannot read made of the credential (`elif await keys.verify(token): return user`). Nothing when a
    consumer rejects such a request on every path (a readable check: `jwt.decode`, a project function that raises,
    a lookup in the project's own table), when the route holds code or a check the analysis cannot follow (said
    elsewhere), or when a consumer lets it through on a path the analysis cannot tell anything about and none is
    decided by unreadable code."""
    gates: set[str] = set()
    unread: dict[str, set[str]] = {}  # the code shown -> the consumers it decides for
    undecided = False
    for node in walk(root):
        if node.forged_grant is not None and node.forged_grant.reaches is None:
            # its AuthenticationMiddleware backend lets a forged credential through where code it cannot read, or
            # a setting, says so
            if node.forged_grant.setting:
                gates.add(f"{node.forged_grant.why}, for {node.label}")
            else:
                unread.setdefault(node.forged_grant.why, set()).add(node.label)
            continue
        if node.kind in (NodeKind.MIDDLEWARE, NodeKind.DECORATOR, NodeKind.EXTERNAL, NodeKind.UNRESOLVED,
                         NodeKind.REQUEST_USER) or node.calls_unknown:
            return ForgedUnknown()
        facts = judgement.node(node)
        if node is root:
            if facts.carries and facts.forged_rejects:
                return ForgedUnknown()
            continue
        if not facts.carries or facts.forged_sure:
            continue
        if facts.forged_rejects:
            return ForgedUnknown()
        told = [u for u in facts.forged_unread if not _past_undecided(u.where, node, judgement)]
        for u in told:
            unread.setdefault(u.shown(), set()).add(node.label)
        if facts.forged_gates:
            gates.add(shown_gates(facts.forged_gates) + f" for {node.label}")
        elif not told:
            undecided = True
    if unread:
        return ForgedUnknown(tuple(sorted(gates)), tuple(f"{shown}, for {listed(sorted(labels), 2)}"
                                                        for shown, labels in sorted(unread.items())))
    return ForgedUnknown() if undecided else ForgedUnknown(tuple(sorted(gates)))


def _past_undecided(where: str, node: DepNode, judgement: Judgement) -> bool:
    """Whether the unreadable call at `where` ("path:line"), whose value `node` tests on the walk of a forged
    credential, is written in a dependency `node` itself depends on that consumes the credential first and lets a
    forged one through only on paths the analysis cannot tell anything about (`forged_unknown`'s undecided
    consumer: `permission(token=Depends(bearer))` testing the claims the bearer made past its own verification).
    FastAPI runs that dependency before `node`, so a forged credential meets its verification first; `node` sees
    only what it let through and can only reject more, so its test tells no more than that dependency's
    verification does."""
    path, _, line = where.rpartition(":")
    if not line.isdigit():
        return False
    for inner in walk(node):
        if inner is node or inner.func is None or inner.path != path or \
                not inner.func.line <= int(line) <= inner.func.end_line:
            continue
        facts = judgement.node(inner)
        if facts.carries and not facts.forged_sure and not facts.forged_rejects and not facts.forged_gates and \
                not facts.forged_unread:
            return True
    return False


def _capability(route: Route, nodes: list[DepNode]) -> str | None:
    """A path that carries a secret (`/checkout/{client_secret}`): a request without it does not reach this
    route at all, and a forged one is rejected when something on the route can reject."""
    segments = route.full_path.split("/")
    secret = [name for i, name in ((i, s[1:-1].split(":")[0]) for i, s in enumerate(segments)
                                   if s.startswith("{") and s.endswith("}"))
              if is_credential(Source.QUERY, name) and not _item_id(name, segments[i - 1] if i else "")]
    if not secret:
        return None
    # FastAPI hands the path parameter to the handler and to each dependency with a parameter of that name; what
    # rejects an unknown secret is one of those that reads it (`if os.path.isfile(page): return ... raise 404` in a
    # handler that never reads `token` rejects every request alike, or none)
    if not any(n.rejects and n.func is not None and reads_param(n.func, secret[0])
               for n in nodes if n.kind in (NodeKind.ROUTE, *_CALLABLE)):
        return None
    return f"capability URL: the path parameter '{secret[0]}' is a secret the route looks up and rejects when unknown"


def _item_id(name: str, collection: str) -> bool:
    """`{session_id}` after `/agent_sessions`, `{api_key_id}` after `/api-keys`: the identifier of an item of the
    collection the path names, a resource the route looks up, not a secret that grants access."""
    stem = name.lower().removesuffix("id").rstrip("_")
    words = collection.lower().replace("-", "_").rstrip("s")
    return bool(stem) and name.lower().endswith("id") and words.endswith(stem)


def _optional(root: DepNode, judgement: Judgement, scheme: bool) -> Verdict | None:
    optional = optional_by_construction(root, judgement)
    if not optional:
        return None
    reason = f"optional authentication: {optional}"
    return Verdict(AuthState.PUBLIC, reason, Answer.REACHES, Answer.UNKNOWN, public_reason=reason, scheme=scheme)


def _alternative(deps: list[DepNode], judgement: Judgement, scheme: bool) -> Verdict | None:
    """Unverified: a dependency rejects a request without credentials unless it supplies another input (an
    alternative credential the analysis cannot judge); the reason names the input and the dependency."""
    alternative = sorted({f"{n.label} rejects it unless it carries " +
                          " or ".join(f"'{name}'" for name in judgement.node(n).alternative) +
                          f" ({_param_kinds(n, judgement.node(n).alternative)}" +
                          (f", {n.path}:{n.line})" if n.path and n.line else ")")
                          for n in deps if judgement.node(n).alternative})
    if not alternative:
        return None
    more = f" (and {len(alternative) - 2} more)" if len(alternative) > 2 else ""
    return Verdict(AuthState.UNVERIFIED, "a request without credentials is rejected unless it supplies another "
                   "input the analysis cannot judge as a credential: " + "; ".join(alternative[:2]) + more,
                   Answer.UNKNOWN, Answer.UNKNOWN, scheme=scheme)


def _param_kinds(node: DepNode, names: tuple[str, ...]) -> str:
    kinds = {source.param.name: source.kind for source in node.params}
    shown = {ParamKind.QUERY: "a query parameter", ParamKind.EXPLICIT_QUERY: "a query parameter",
             ParamKind.HEADER: "a header", ParamKind.COOKIE: "a cookie"}
    return ", ".join(sorted({shown.get(kinds[name], "a request input") if name in kinds else "a request input"
                             for name in names}))


def _where(node: DepNode) -> str:
    return f" ({node.path}:{node.line})" if node.path and node.line else ""


def _unknown_node(node: DepNode) -> str:
    if node.kind is NodeKind.EXTERNAL:
        return f"cannot read {node.label}: neither the project nor an installed library defines it{_where(node)}"
    if node.calls_unknown:
        return f"{node.label} has a signature made at run time{_where(node)}"
    if node.unknown_why:
        return f"{node.label}{_where(node)}: {node.unknown_why}"
    if node.kind is NodeKind.UNRESOLVED and (node.label.startswith("middleware ") or node.path_test):
        return f"{node.label}{_where(node)}"
    return f"cannot resolve {node.label}{_where(node)}"




def _dynamic_sites(node: DepNode, dynamic: Dynamic, facts: NodeAuth) -> tuple[Site, ...]:
    """Unresolvable calls a dependency hands the request or one of its credentials to. Those the walk of the node
    followed through what its object holds (`self.callback(request)`, a method of an item of `self.permissions`,
    see `missing_credential.RESOLVED`) are resolved for this node, and the calls in the code they reach that hand the
    request on to code the analysis cannot read are named instead; a call on a line that never runs for it (the
    body of a loop over an empty list) hands nothing on."""
    if node.kind not in (NodeKind.ROUTE, *_CALLABLE) or node.func is None or node.func_module is None:
        return ()
    fv = FuncV(node.func_module, node.func.qualname)
    decorated = dynamic.decorator_site(fv) if node.kind is not NodeKind.ROUTE else None
    if decorated is not None:
        return (decorated,)
    carriers = {id(child) for child, _via in node.children if child.credential}
    names = frozenset(s.param.name for s in node.params
                      if s.kind is ParamKind.REQUEST or (s.kind in (ParamKind.HEADER, ParamKind.COOKIE)
                                                         and s.credential)) | \
        frozenset(via for child, via in node.children if id(child) in carriers)
    this = node.instance.cls if node.instance is not None and isinstance(node.instance.cls, ClassV) else \
        node.cls if node.kind is NodeKind.CLASS else None
    sites = dynamic.sites(fv, names, requests=frozenset(s.param.name for s in node.params
                                                       if s.kind is ParamKind.REQUEST), this=this)
    if not facts.settled and not facts.unrun and not facts.handed:
        return sites
    settled = facts.settled
    found = [site for site in sites
             if (site.path, site.line, site.call) not in settled and (site.path, site.line) not in facts.unrun]
    found.extend(site for module, qualname, call, value in facts.handed
                 if (site := dynamic.handed(module, qualname, call, value)) is not None)
    return tuple(sorted(set(found), key=lambda s: (s.path, s.line, s.call)))


MAX_LISTED = 4


def listed(labels: list[str], limit: int = MAX_LISTED) -> str:
    """`a, b, c, d and 7 more`: a long dependency chain named without flooding the message."""
    if len(labels) <= limit + 1:
        return ", ".join(labels)
    return f"{', '.join(labels[:limit])} and {len(labels) - limit} more"


def explain_unprotected(route: Route, nodes: list[DepNode], judgement: Judgement) -> str:
    why = _explain_unprotected(route, nodes, judgement)
    if route.http_only:
        one = len(route.http_only) == 1
        why += f"; the middleware {listed(list(route.http_only))} {'checks' if one else 'check'} HTTP requests " \
            f"only, and a websocket connection passes {'it' if one else 'them'} untouched"
    return why


def _explain_unprotected(route: Route, nodes: list[DepNode], judgement: Judgement) -> str:
    deps = [n for n in nodes if n is not route.root]
    if not deps:
        return "it has no dependencies, so nothing checks a credential"
    libraries = judgement.libraries
    optional = sorted({n.label for n in deps if id(n) in libraries and libraries[id(n)].optional})
    if optional:
        return f"{listed(optional)} lets a request without credentials through (documented: the dependency " \
               f"then returns None), and the handler does not reject it"
    objects = {libraries[id(n)].methods for n in deps if id(n) in libraries and libraries[id(n)].methods}
    if objects:
        checks = ", ".join(sorted({m for o in objects if o for m in o.rejects}))
        return f"{listed(sorted({o.cls for o in objects if o}))} is injected, but nothing on the way to the handler " \
               f"calls a method of it that checks the credential ({checks})"
    granted = sorted({n.label for n in deps if n.kind is NodeKind.DECORATOR and n.path_test})
    if granted:  # `@requires` whose AuthenticationMiddleware backend grants the scopes without a credential
        return listed(granted)
    creds = [n for n in deps if n.credential]
    callables = [n for n in deps if n.kind in (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE) or n.path_test]
    names = listed(sorted({n.label for n in callables})) or "none"
    passes = [n for n in callables if n.rejects and judgement.node(n).anonymous is True]
    # one that can raise but lets a forged credential through on a path whose tests all hold (it raises only for
    # some values, a revoked token, or the raise is in a hook its object's class replaced) rejects no bad one
    forging = sorted({n.label for n in passes
                      if judgement.node(n).forged_sure and not judgement.node(n).forged_rejects})
    lenient = sorted({n.label for n in passes} - set(forging))
    if lenient:
        verb = "rejects a bad credential but lets" if len(lenient) == 1 else "reject a bad credential but let"
        return f"{listed(lenient)} {verb} a request without one through (the credential is optional and " \
               f"nothing raises when it is missing)"
    if forging:
        verb = "lets" if len(forging) == 1 else "let"
        return f"{listed(forging)} {verb} a request without a credential through, and one with an arbitrary " \
               f"credential too (the credential is optional and nothing raises when it is missing or made up)"
    if creds:
        optional_creds = [n for n in creds if n.optional]
        what = listed(sorted({n.label for n in creds}))
        if optional_creds and len(optional_creds) == len(creds):
            return f"its credential ({what}) is optional and nothing rejects a missing or bad one " \
                   f"(dependencies seen: {names})"
        return f"it reads a credential ({what}) but nothing on that chain rejects a bad one " \
               f"(dependencies seen: {names})"
    passing = sorted({n.label for n in callables
                      if judgement.node(n).anonymous is True and not judgement.node(n).carrier})
    if passing:  # a credential it reads itself (a query token, the request's headers)
        verb = "reads a credential but lets" if len(passing) == 1 else "read a credential but let"
        return f"{listed(passing)} {verb} a request without one through, and the handler serves it"
    carriers = sorted({n.label for n in callables if judgement.node(n).carrier})
    if carriers:
        return f"{listed(carriers)} keeps the request for a method that reads its credential, but nothing on the " \
               f"way to the handler calls such a method (dependencies seen: {names})"
    return f"no dependency reaches a credential source (dependencies seen: {names})"


__all__ = ["Answer", "AuthState", "Judgement", "NodeAuth", "Outcome", "Verdict", "auth_chain", "decide", "judge",
           "uses"]
