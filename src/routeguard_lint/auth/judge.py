"""The auth judgement: for every route of the route table, what a request meets on its way to the handler.

Input: the route table (`routes.graph.Graph`: routes, their dependency trees, middleware). Output: a
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

from routeguard_lint.auth.missing_credential import Outcome
from routeguard_lint.auth.optional_auth import (
    NodeAuth,
    anonymous_requests,
    branches_on,
    optional_params,
)
from routeguard_lint.routes.graph import walk

if TYPE_CHECKING:
    from routeguard_lint.routes.graph import DepNode, Graph, Route

HEALTH_SEGMENTS = frozenset({"health", "healthz", "livez", "readyz", "ping", "health-check", "healthcheck"})


class AuthState(str, Enum):
    PROTECTED = "protected"
    PUBLIC = "public"
    UNVERIFIED = "unverified"
    UNPROTECTED = "unprotected"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Verdict:
    state: AuthState
    reason: str
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

    def of(self, route: Route) -> Verdict:
        return self.verdicts[id(route)]

    def node(self, node: DepNode) -> NodeAuth:
        return self.nodes.get(id(node)) or NodeAuth()

    def declared(self, overrides: dict[int, Verdict]) -> Judgement:
        """A copy with some verdicts replaced (what declared intent decides)."""
        if not overrides:
            return self
        return replace(self, verdicts={**self.verdicts, **overrides})


def judge(graph: Graph) -> Judgement:
    """The verdict on every route of `graph`."""
    nodes = anonymous_requests(graph)
    judgement = Judgement(nodes=nodes, token_urls=tuple(graph.token_urls))
    for route in graph.routes:
        verdict = decide(route, judgement)
        if route.opaque and verdict.state is AuthState.UNVERIFIED:
            verdict = replace(verdict, reason=f"the routes of {route.decl.handler_name} are unknown: the analysis "
                                              f"cannot read that router (its source is not available)")
        judgement.verdicts[id(route)] = verdict
    return judgement


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
    facts = judgement.node(node)
    if node.rejects and facts.anonymous is not True:
        for child, _ in node.children:
            path = [child] if node.kind == "route" and child.credential else \
                _cred_path(child, set()) if node.kind != "route" or facts.guard else None
            if path:
                return [node, *path]
    for child, _ in node.children:
        sub = auth_chain(child, judgement, seen)
        if sub:
            return [node, *sub]
    return None


def _cred_path(node: DepNode, seen: set[int]) -> list[DepNode] | None:
    if node.credential:
        return [node]
    if id(node) in seen:
        return None
    seen.add(id(node))
    for child, _ in node.children:
        sub = _cred_path(child, seen)
        if sub:
            return [node, *sub]
    return None


# ------------------------------------------------------------------------------------------ decisions


def decide(route: Route, judgement: Judgement) -> Verdict:
    root = route.root
    assert root is not None
    nodes = list(walk(root))
    scheme = any(n.kind == "scheme" for n in nodes)
    chain = auth_chain(root, judgement)
    if chain:
        # keep the handler when its own code is what rejects a request without credentials
        if chain[0] is root and len(chain) > 1 and not judgement.node(root).guard:
            chain = chain[1:]
        labels = tuple(n.label for n in chain)
        return Verdict(AuthState.PROTECTED, "authenticated by " + " -> ".join(labels), chain=labels, scheme=scheme)
    reason = public_reason(route, judgement.token_urls)
    if reason:
        return Verdict(AuthState.PUBLIC, reason, public_reason=reason, scheme=scheme)
    branch = branches_on(root.func, optional_params(root, judgement.nodes))
    if branch:
        reason = f"optional authentication: the handler branches on '{branch}', which is None for a request " \
                 f"without credentials"
        return Verdict(AuthState.PUBLIC, reason, public_reason=reason, scheme=scheme)
    unknown = [n for n in nodes if n is not root and (n.kind in ("external", "unresolved") or n.calls_unknown)]
    if unknown:
        return Verdict(AuthState.UNVERIFIED, "its only possible authentication is outside the analysed code: " +
                       ", ".join(sorted({n.label for n in unknown})), scheme=scheme)
    return Verdict(AuthState.UNPROTECTED, explain_unprotected(route, nodes, judgement), scheme=scheme)


def explain_unprotected(route: Route, nodes: list[DepNode], judgement: Judgement) -> str:
    deps = [n for n in nodes if n is not route.root]
    if not deps:
        return "it has no dependencies, so nothing checks a credential"
    creds = [n for n in deps if n.credential]
    callables = [n for n in deps if n.kind in ("function", "class", "instance")]
    names = ", ".join(sorted({n.label for n in callables})) or "none"
    lenient = sorted({n.label for n in callables if n.rejects and judgement.node(n).anonymous is True})
    if lenient:
        verb = "rejects a bad credential but lets" if len(lenient) == 1 else "reject a bad credential but let"
        return f"{', '.join(lenient)} {verb} a request without one through (the credential is optional and " \
               f"nothing raises when it is missing)"
    if creds:
        optional = [n for n in creds if n.optional]
        what = ", ".join(sorted({n.label for n in creds}))
        if optional and len(optional) == len(creds):
            return f"its credential ({what}) is optional and nothing rejects a missing or bad one " \
                   f"(dependencies seen: {names})"
        return f"it reads a credential ({what}) but nothing on that chain rejects a bad one " \
               f"(dependencies seen: {names})"
    return f"no dependency reaches a credential source (dependencies seen: {names})"


def public_reason(route: Route, token_urls: tuple[str, ...] | list[str]) -> str | None:
    path = route.full_path
    norm = "/" + path.strip("/")
    for url in token_urls:
        if url is not None and norm == "/" + url.strip("/"):
            return "login endpoint (the tokenUrl of an OAuth2 scheme)"
    root = route.root
    if root is not None:
        for _param, (kind, _payload) in root.params:
            if kind == "password-form":
                return "login endpoint (takes OAuth2PasswordRequestForm)"
        for child, _via in root.children:
            if child.password_form:
                return "login endpoint (takes OAuth2PasswordRequestForm)"
    last = [s for s in path.split("/") if s][-1:] or [""]
    if last[0].lower() in HEALTH_SEGMENTS:
        return f"liveness endpoint (/{last[0]})"
    return None


__all__ = ["AuthState", "Judgement", "NodeAuth", "Outcome", "Verdict", "auth_chain", "decide", "judge"]
