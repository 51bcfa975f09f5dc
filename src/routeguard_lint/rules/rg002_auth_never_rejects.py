"""RG002 auth-never-rejects: an authentication dependency that cannot reject a request."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.auth.judge import Answer, AuthState, Judgement, judgement_of, uses
from routeguard_lint.auth.missing_credential import AV
from routeguard_lint.auth.optional_auth import NodeAuth
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.model import Finding, Related
from routeguard_lint.project.index import FuncV
from routeguard_lint.routes.model import DepNode, ForgedGrant, Graph, NodeKind, Route, walk
from routeguard_lint.routes.query_values import query_credential
from routeguard_lint.rules._util import (
    construction,
    dependency_nodes,
    finding,
    func_path,
    route_label,
    skipped_check,
)
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG002",
    name="auth-never-rejects",
    summary="A dependency that reads a credential or presents itself as authentication but never rejects.",
    severity="error",
    cwe=(287,), security_severity=8.2, precision="high",
    what="""
A credential consumer through which a request with an arbitrary, forged credential reaches the handler: a
dependency that reads a credential (a `fastapi.security` scheme, an `Authorization`/API-key header or
session cookie, a credential query parameter, `request.headers[...]`, the raw token a helper extracted), or
whose name says it is the check (`auth`, `verify`, `current_user`, `permission`, `require`, ...) of what
another dependency made of one (`require_admin(user)`), and that lets such a request through on a path
whose every test holds, with nothing after it on the route rejecting it: no `raise`, no verifying library
call such as `jwt.decode`. It returns `None`, `False`, a constant user, or falls through when a check fails.
When the handler itself can still reject the request, but only on a path the analysis cannot decide (or where a
setting says so), the message says so instead of "nothing after it rejects". For a method FastAPI calls on an
object the project made (`Depends(ProjectAuth(auto_enforce=False))`), the message names that construction and
the check the object skips (`if self._auto_enforce: ...`): another construction of the class is another
dependency.

A dependency that only passes on an object made from a credential (an audit logger given the API key
another dependency looked up) consumes none and is not reported. An optional one (a request without the
credential gets `None` from it) that gives a forged credential what it gives none (a lookup that finds nothing
for it, raw or hashed: `SESSIONS.get(session)`, `await repository.get_by_token(token_hash(cookie))`; a decode
whose error it swallows into `None`) is reported only where such a request then reaches a handler that a request
without credentials reaches too and that is not public by design (RG001): there the handler serves what the
lookup stands for to anyone. Where every route it is on rejects a request without credentials further on (a
`require_*` raising on `None`, a handler answering it before any work), is public (its handler tests the
optional identity and branches) or is unverified, the lookup is legitimately optional. A function named like a
check that touches no credential at all is reported only when it is a stub that decides nothing (every `return` gives
a constant: `return True`, a fixed user), on a route that nothing authenticates (RG001), where it is the
check the code seems to make; the message says what it returns and on which routes. One that hands on a
value of the request (a path parameter it validates) is not a check, whatever its name.

A dependency whose lenient path is chosen by a setting read at run time (`if settings.api_keys: <check>`
/ `else: return None`, whichever spelling) is not reported: the route is `unverified`, naming the test. Nor is one
that hands the credential to code the analysis cannot read (`return await self.verify(token)` where `verify` is an
abstract hook the object's class does not override, a library's method): that code may reject it, and the route is
`unverified`, naming the call.

An `assert` is not a rejection: a dependency whose only check is `assert user is not None` is reported
too (the message says so).
""",
    why="""
In FastAPI a dependency protects a route only by raising (usually `HTTPException(401)`/`403`). A
dependency that returns a value on failure lets the request through: every route that relies on it is
open, while the code reads as if it were protected. An `assert` is no substitute: `python -O` (or
`PYTHONOPTIMIZE`) strips it, so the check silently disappears in production, and when it does run a failed
assert is an `AssertionError` that FastAPI answers with a 500, not a 401.
""",
    example="""
from fastapi import Depends, FastAPI

app = FastAPI()


def verify_user():
    # looks like a check, never rejects anything
    return True


@app.get("/secure")
async def secure_route(verified: bool = Depends(verify_user)):
    return {"verified": verified}
""",
    good="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def verify_user(token: str = Depends(oauth2_scheme)):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/secure")
async def secure_route(user: dict = Depends(verify_user)):
    return user


USERS: dict = {}
""",
    fix="""
Validate the credential and raise when it is missing or wrong:

```python
def get_current_user(token: str = Depends(oauth2_scheme)) -> User:
    user = users.from_token(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid credentials",
                            headers={"WWW-Authenticate": "Bearer"})
    return user
```
""",
)

_CALLABLE = (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)


def _can_reject(node: DepNode, seen: set[int]) -> bool | None:
    """True when the node or a callable below it can reject; None when something unknown is below."""
    if id(node) in seen:
        return False
    seen.add(id(node))
    if node.kind in _CALLABLE and node.rejects:
        return True
    unknown = False
    for child, _ in node.children:
        if child.kind in (NodeKind.EXTERNAL, NodeKind.UNRESOLVED) or child.calls_unknown:
            unknown = True
            continue
        if child.kind in _CALLABLE:
            result = _can_reject(child, seen)
            if result:
                return True
            if result is None:
                unknown = True
    return None if unknown else False


def _decides_nothing(func: Func) -> bool:
    """Every `return` of the function gives a constant (`True`, `"user"`, `None`, a literal of constants), or it
    has none: its answer does not depend on the request."""
    return all(ret.value is None or _constant(ret.value) for ret in func.returns)


def _constant(expr: ir.Expr) -> bool:
    if isinstance(expr, (ir.Const, ir.Str)):
        return True
    if isinstance(expr, ir.Seq):
        return all(_constant(item) for item in expr.items)
    if isinstance(expr, ir.DictE):
        return all(key is not None and _constant(key) and _constant(value) for key, value in expr.items)
    return False


def _as_none(facts: NodeAuth) -> bool:
    """An optional credential consumer (a request without the credential gets through it, on whatever paths, with
    `None` or `False`) that
    gives a forged credential what it gives none, as far as the analysis can tell: the same constant (`return
    SESSIONS.get(session)` with a value no entry holds: `None`), or what readable code looked up for it without
    telling what that is (`return await repository.get_by_token(token_hash(cookie))`: a row, `None` for a value no
    table holds). One that builds a principal from the credential (`{"sub": token}`), hands on the credential itself
    or a truthy constant for it gives a forged credential more than none; one whose value code the analysis cannot
    read decided is unverified elsewhere."""
    exit_ = facts.forged_exit
    anonymous = facts.value
    if facts.anonymous is not True or not isinstance(anonymous, AV) or anonymous.kind not in ("none", "const") or \
            exit_ is None or exit_.unread:
        return False
    if facts.gates or facts.peer or facts.state_memos or facts.alternative:
        # a request without the credential gets through only where a setting (or the client's address, a memo
        # of earlier code, another input) says so: where it is refused, a forged one still gets through
        return False
    forged = exit_.value
    if forged.kind == anonymous.kind and forged.value == anonymous.value and forged.truth() is False:
        return True  # `None` for both (a lookup of the raw credential in a table that does not hold it)
    return anonymous.kind == "none" and not exit_.implicit and forged.kind == "unk" and forged.value is None


def _as_none_reaches(node: DepNode, graph: Graph, judgement: Judgement) -> bool:
    """Some route on which a request with a forged credential reaches the handler through `node`, a consumer that
    gives such a request what it gives one without the credential (`_as_none`), is one that a request without
    credentials reaches too and that is not public by design: there the forged request meets what that one meets,
    the handler served on the identity the consumer stands for. Where its chains end is what makes an optional
    lookup legitimately optional, whatever its shape (raw or hashed): a route whose verdict rejects a request
    without credentials (a `require_*` raising on `None`, a handler answering it before any work) rejects the
    forged one the same way; a public one (by design, or its handler tests the optional identity and branches)
    lets both through on purpose; an unverified one holds code the analysis cannot read that may decide."""
    return any(judgement.of(route).state is AuthState.UNPROTECTED for route in _routes_with(node, graph)
               if id(route.root) in judgement.forged_reach or judgement.of(route).forged is Answer.REACHES)


def _consumes(node: DepNode, direct: list[DepNode], judgement: Judgement) -> str:
    """What credential the node consumes, for the message."""
    if direct:
        return "reads " + ", ".join(sorted({c.label for c in direct}))
    query = sorted(s.query_name for s in node.params if query_credential(node, s))
    if query:
        return "reads the query parameter " + ", ".join(f"'{q}'" for q in query)
    given = sorted({f"{via} (from {child.label})" for child, via in node.children if judgement.node(child).carries})
    if given:
        return "takes the credential-derived " + ", ".join(given)
    return "reads a credential from the request (itself or in a helper it hands the request to)"


def _strategy(node: DepNode, graph: Graph, judgement: Judgement) -> bool:
    """A dependant hands the request to a method of what `node` returns (`authenticator.authenticate(ws)` with
    `authenticator = Depends(authenticator_getter)`) and that call cannot be resolved: `node` supplies an
    authentication strategy chosen at run time; whether it rejects is the dependant's unverified question."""
    for route in graph.routes:
        if route.root is None:
            continue
        for parent in walk(route.root):
            for child, via in parent.children:
                if child is node and any(site.call.startswith((f"{via}.", f"{via}("))
                                         for site in judgement.unresolved.get(id(parent), ())):
                    return True
    return False


def _routes_with(node: DepNode, graph: Graph) -> list[Route]:
    return [route for route in graph.routes
            if route.root is not None and any(n is node for n in walk(route.root))]


def _after(node: DepNode, graph: Graph, judgement: Judgement) -> str:
    """What comes after a consumer that lets a forged credential through, on the routes where such a request
    reaches the handler: nothing rejects it (the handler's own code lets it through on a path whose tests all
    hold, never sees the credential, ignores what the dependency gives it, or cannot reject anything), or only the
    handler could, on a path the analysis cannot decide (or where a setting says so)."""
    roots = {id(route.root): route.root for route in _routes_with(node, graph) if route.root is not None
             and id(route.root) in judgement.forged_reach and route.root.rejects
             and judgement.node(route.root).carries and not judgement.node(route.root).forged_sure
             and _handed(route.root, node)}
    if not roots:
        return "nothing after it on the route rejects the request"
    handlers = sorted({root.label for root in roots.values()})
    more = f" (and {len(handlers) - 2} more)" if len(handlers) > 2 else ""
    gates = sorted({f"`{text}` ({where})" for root in roots.values()
                    for text, where in judgement.node(root).forged_gates})
    how = f"only where a setting says so: {' or '.join(gates[:2])}" if gates and all(
        judgement.node(root).forged_gates and not judgement.node(root).forged_unread for root in roots.values()) \
        else "on a path the analysis cannot decide"
    return f"after it only the handler ({', '.join(handlers[:2])}{more}), which gets what it returns, could " \
           f"reject the request, {how}"


def _handed(root: DepNode, node: DepNode) -> bool:
    """The handler reads what it gets from the dependency through which `node` runs (a test of it, a call it is
    handed to): its own checks may be about it. One that ignores it checks something else, if anything."""
    return any(uses(root.func, via) for child, via in root.children if any(n is node for n in walk(child)))


def _open_routes(node: DepNode, graph: Graph, judgement: Judgement) -> str:
    routes = sorted({route_label(route) for route in _routes_with(node, graph)
                     if judgement.of(route).state is AuthState.UNPROTECTED})
    more = f" (and {len(routes) - 2} more)" if len(routes) > 2 else ""
    return ", ".join(routes[:2]) + more


def _backends(graph: Graph, judgement: Judgement) -> Iterable[Finding]:
    """An AuthenticationMiddleware backend whose `authenticate` returns what a `@requires` or `request.user` check
    asks for to a request with a forged credential, on a path whose every test holds, on routes where such a request
    then reaches the handler (see `DepNode.forged_grant`)."""
    found: dict[FuncV, tuple[ForgedGrant, set[str]]] = {}
    for route in graph.routes:
        if route.root is None or id(route.root) not in judgement.forged_reach:
            continue
        for node in walk(route.root):
            grant = node.forged_grant
            if grant is not None and grant.reaches is True and grant.method is not None:
                found.setdefault(grant.method, (grant, set()))[1].add(route_label(route))
    for method, (grant, routes) in sorted(found.items(), key=lambda item: (item[0].module, item[0].qualname)):
        func = graph.index.func(method)
        if func is None:
            continue
        shown = sorted(routes)
        more = f" (and {len(shown) - 2} more)" if len(shown) > 2 else ""
        label = f"{method.module}.{method.qualname}"
        message = (f"{label}, the backend of {grant.middleware.rsplit('.', 1)[-1]}, reads a credential but lets a "
                   f"forged one through: with an arbitrary value it returns credentials (line {grant.line}) without "
                   f"raising, and {', '.join(shown[:2])}{more} then reach the handler")
        yield finding(RULE, message, graph.index.path_of(method.module), func.line, func.col,
                      func.col + 3 + len(func.name) + 1, handler=label, key=f"RG002:{label}")


def check(graph: Graph) -> Iterable[Finding]:
    judgement = judgement_of(graph)
    yield from _backends(graph, judgement)
    open_routes = {id(n) for route in graph.routes if route.root is not None
                   and judgement.of(route).state is AuthState.UNPROTECTED for n in walk(route.root)}
    for node in dependency_nodes(graph).values():
        if node.kind not in _CALLABLE or node.func is None:
            continue
        direct = [child for child, _ in node.children if child.credential]
        facts = judgement.node(node)
        func = node.func
        # the check of what another dependency made of a credential: one of its dependencies hands one on (a
        # service factory named for auth, `get_auth_service(repo, connection)`, is handed none)
        given = any(judgement.node(child).carries for child, _via in node.children)
        if direct or facts.consumes or (facts.carries and node.name_says_auth and not facts.carrier and given):
            # a credential consumer (it reads the credential, or is the check of what another dependency made of
            # it: `require_admin(user)`): RG002 when a forged credential gets through it, and through everything
            # that consumes what it returns, to the handler. A dependency that only passes on an object made from
            # a credential (`get_audit_logger(api_key)`) consumes none.
            if id(node) not in judgement.forged_reach or not facts.forged_sure or facts.forged_rejects:
                continue
            as_none = _as_none(facts)
            if as_none and not _as_none_reaches(node, graph, judgement):
                # it gives a forged credential what it gives none, and no route that such a request reaches through
                # it is one a request without credentials reaches unless by design: what comes after it decides
                continue
            what = _consumes(node, direct, judgement)
            exit_ = facts.forged_exit
            where = "falls off its end" if exit_ is None or exit_.implicit else \
                f"reaches `return {ir.show(exit_.expr, 50)}`"
            line = f" (line {exit_.line})" if exit_ is not None and exit_.line else ""
            alike = f", giving it what it gives a request without one, which reaches " \
                f"{_open_routes(node, graph, judgement)} too" if as_none else ""
            message = (f"{node.label}{construction(graph, node)} {what} but lets a forged credential "
                       f"through{alike}: "
                       f"{skipped_check(graph, node)}with an arbitrary value it {where}{line} without raising, and "
                       f"{_after(node, graph, judgement)}")
        elif node.name_says_auth and not facts.carries and id(node) in open_routes and _decides_nothing(func):
            # a stub standing in for a check: it presents itself as one and answers the same whatever the request
            # (`return True`), on a route that nothing authenticates, so the code reads as protected and is not.
            # One that hands on a value of the request (`require_workspace_id_path` returning its path
            # parameter) is a validator or an extractor, whatever its name; a helper on a route something else
            # protects is not the route's check.
            if _can_reject(node, set()) is not False or judgement.unresolved.get(id(node)):
                continue  # it can reject, or hands the request to code that cannot be read
            if _strategy(node, graph, judgement):
                continue  # it supplies the authenticator its dependant hands the request to, not a check
            what = "is named like an authentication check"
            values = sorted({ir.show(r.value, 30) for r in func.returns if r.value is not None})
            gives = f"returns {' or '.join(f'`{v}`' for v in values[:3])}" if values else "returns None"
            where = _open_routes(node, graph, judgement)
            message = (f"{node.label} can never reject a request: it {gives} whatever the request carries, and "
                       f"nothing in it, in the functions it calls or in its dependencies raises; it is the check "
                       f"its name says on {where}, which nothing else authenticates")
        else:
            continue
        if func.asserts:
            message = (f"{node.label} {what} but its only check is an assert (line {func.asserts[0]}), which "
                       f"`python -O` strips and which otherwise fails with a 500, not a 401: nothing in it, in the "
                       f"functions it calls or in its dependencies raises")
        related = tuple(Related(c.path, c.line, f"credential source: {c.label}") for c in direct
                        if c.path and c.line)
        path = func_path(graph, node)
        yield finding(RULE, message, path, func.line, func.col, func.col + 3 + len(func.name) + 1,
                      handler=node.label, related=related, key=f"RG002:{node.label}")
