"""RG008 optional-token-unchecked: a dependency that uses an optional credential without rejecting `None`."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.auth.judge import Judgement, judgement_of
from routeguard_lint.auth.missing_credential import Exit, Outcome
from routeguard_lint.auth.optional_auth import optional_use
from routeguard_lint.facts import ir
from routeguard_lint.model import Finding, Related
from routeguard_lint.routes.model import DepNode, Graph, NodeKind, Route, walk
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
    code="RG008",
    name="optional-token-unchecked",
    summary="A dependency reads an optional credential (auto_error=False, Header(None)) and lets a request "
            "without it through while still using it.",
    severity="error",
    cwe=(287,), security_severity=7.5, precision="medium",
    what="""
A dependency that takes a credential FastAPI does not require: a security scheme created with
`auto_error=False` (`OAuth2PasswordBearer`, `HTTPBearer`, `APIKeyHeader`, ...), an optional credential
`Header()`/`Cookie()` (`Header(None)`, `str | None = Header(default=None)`), or
`request.headers.get("Authorization")`. When the request does not carry the credential, FastAPI passes
`None`. The rule reports the dependency when:

* it can reject a request (it raises somewhere, for instance on a bad signature or a disabled user), so it
  looks like an authentication check, and
* with the credential set to `None`, some path reaches a `return` without passing a `raise`, and what
  it returns is built from the missing credential (`return lookup_session(token)`, a user looked up with
  it), or the function simply falls off its end and returns `None`.

The analysis follows the function body in source order: `if token is None: raise ...`,
`if not token: raise ...`, `if api_key not in KEYS: raise ...`, `jwt.decode(token, ...)` inside a `try`
whose `except` raises, and project helpers that raise for `None` all count as rejecting. A dependency
that is optional on purpose — it returns `None` (or an explicit anonymous value) for the missing case
before touching the credential — is not reported: the routes that use its value are public (optional
authentication), and RG001 reports the ones that ignore it.

When the missing credential gets through only past a test of the configuration (a value read from the
environment or a settings object, not from the request: `if not verifier.enabled: return {}` ahead of
`if token is None: raise ...`), the dependency is not a plain optional credential: with the setting off it
rejects a request without one. The routes behind it are unverified, naming that setting, and RG008 reports
the dependency as a warning that names the setting too, so that a configuration able to turn authentication
off is a decision someone made, not an accident. A dependency with a path that lets the missing credential
through whatever the configuration says is reported as an error, as above.

A dependency shared by several routes is judged on each: a path that lets the missing credential through only
for some request paths (`if request.url.path.startswith("/store/"): return guest`, in it or in a helper it
calls) counts only on the routes whose path can meet it, and the message names them. A dependency that hands
the request or the credential to code the analysis cannot read (an abstract hook the object's class does not
override) is not reported: what that code does with `None` cannot be told, and the route is unverified.
""",
    why="""
`auto_error=False` moves the "no credential" case from FastAPI into your code. If the dependency only
validates a token *when there is one*, a client that simply omits the `Authorization` header skips the
validation entirely: the route receives `None` (or whatever a lookup returns for `None`) instead of a
401. Worse, handing `None` to a lookup can match real records: a SQL `WHERE token = :token` with `None`
becomes `token IS NULL` and returns the first user who never set one (authentication bypass, OWASP
API2). The route still *looks* protected because the dependency does raise on a bad token.
""",
    example="""
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


async def get_current_user(token: str | None = Depends(oauth2_scheme)):
    if token:
        try:
            payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
        return payload["sub"]
    # no token: falls through and returns None


@app.get("/me")
async def me(user: str = Depends(get_current_user)):
    return {"user": user}


SECRET_KEY = open("/run/secrets/jwt").read()
""",
    good="""
import jwt
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)


async def get_current_user(token: str | None = Depends(oauth2_scheme)):
    if token is None:
        raise HTTPException(status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return payload["sub"]


@app.get("/me")
async def me(user: str = Depends(get_current_user)):
    return {"user": user}


SECRET_KEY = open("/run/secrets/jwt").read()
""",
    fix="""
Reject the missing credential first (this is usually why `auto_error=False` was chosen: a custom 401):

```python
async def get_current_user(token: str | None = Depends(oauth2_scheme)) -> User:
    if token is None:
        raise HTTPException(status_code=401, detail="Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"})
    ...
```

If anonymous access is intended, make it explicit — `if token is None: return None`, annotate the result
`User | None` — and handle `None` in every route that uses the dependency. Otherwise use the scheme with
`auto_error=True` (the default).
""",
)

_CALLABLE = (NodeKind.FUNCTION, NodeKind.CLASS, NodeKind.INSTANCE)


def _routes_of(graph: Graph) -> dict[int, list[Route]]:
    """The routes each node (by id) is on."""
    out: dict[int, list[Route]] = {}
    for route in graph.routes:
        if route.root is not None:
            for node in walk(route.root):
                on = out.setdefault(id(node), [])
                if not on or on[-1] is not route:
                    on.append(route)
    return out


def _uses(node: DepNode, routes: list[Route], judgement: Judgement) -> list[tuple[Exit, list[Route]]]:
    """The exits of `node`'s optional-credential walk that use the missing credential, each with the routes it is
    met on, judged per route where the routes differ (a route walked again knowing its path's tests: `if
    request.url.path.startswith("/shared/"): return guest` two calls down is taken on some of them only)."""
    outcomes: dict[int, tuple[Outcome, list[Route]]] = {}
    for route in routes:
        outcome = judgement.node_on(route, node).optional_outcome
        if outcome is not None:
            outcomes.setdefault(id(outcome), (outcome, []))[1].append(route)
    return [(ex, on) for outcome, on in outcomes.values() for ex in optional_use(outcome)]


def _on(routes: list[Route], every: list[Route]) -> str:
    """` on <routes>` when the use is met on some of the node's routes only."""
    shown = sorted({route_label(route) for route in routes})
    if not shown or len({id(r) for r in routes}) >= len(every):
        return ""
    more = f" (and {len(shown) - 2} more)" if len(shown) > 2 else ""
    return f" on {', '.join(shown[:2])}{more}"


def check(graph: Graph) -> Iterable[Finding]:
    judgement = judgement_of(graph)
    routes_of = _routes_of(graph)
    for node in dependency_nodes(graph).values():
        if node.kind not in _CALLABLE or node.func is None:
            continue
        if not node.rejects:
            continue  # a dependency that can never reject is RG002's
        if judgement.unresolved.get(id(node)):
            # it hands the request or the credential to code the analysis cannot read (an abstract hook the
            # object's class does not override, a registry): whether that code rejects a missing credential cannot
            # be told; its routes are unverified, naming the call
            continue
        routes = routes_of.get(id(node), [])
        found = _uses(node, routes, judgement)
        if not found:
            continue
        uses = [ex for ex, _on_routes in found]
        func = node.func
        sources = [(child, via) for child, via in node.children
                   if child.credential
                   and child.kind in (NodeKind.SCHEME, NodeKind.HEADER, NodeKind.COOKIE, NodeKind.REQUEST)
                   and (child.optional or child.kind is NodeKind.REQUEST)]
        what = ", ".join(sorted({child.label if child.kind is NodeKind.REQUEST else f"{via} ({child.label})"
                                 for child, via in sources})) or "an optional credential"
        # a use reached only past tests of the configuration (`if not verifier.enabled: return {}`): the missing
        # credential is let in only when a setting says so; the routes are unverified, naming it
        open_uses = [ex for ex in uses if not ex.gates]
        gates = sorted({gate for ex in uses for gate in ex.gates}) if not open_uses else []
        on = _on([r for ex, rs in found if bool(ex.gates) is bool(gates) for r in rs], routes)
        first = min(open_uses or uses, key=lambda ex: ex.line)
        if first.implicit:
            outcome = f"falls off its end (line {first.line}) and returns None to the route"
        else:
            outcome = f"reaches `return {ir.show(first.expr, 60)}` (line {first.line}) with a value built " \
                      f"from the missing credential"
        if gates:
            shown = " or ".join(f"`{text}` ({where})" for text, where in gates[:2])
            shown += f" (and {len(gates) - 2} more)" if len(gates) > 2 else ""
            message = (f"{node.label}{construction(graph, node)} reads the optional credential {what} and lets a "
                       f"request without it through only when a setting says so: when it is missing{on} and {shown} "
                       f"holds, a test of the configuration, the function {outcome}; otherwise it rejects the "
                       f"request. The routes behind it are unverified for that reason; make sure that setting "
                       f"cannot turn authentication off in production (or declare those routes public)")
        else:
            message = (f"{node.label}{construction(graph, node)} reads the optional credential {what} but does not "
                       f"reject a request without it: {skipped_check(graph, node)}when it is missing{on}, the function "
                       f"{outcome}; raise 401 when it is None (or return None "
                       f"explicitly if anonymous access is intended)")
        related = tuple(sorted({Related(c.path, c.line, f"optional credential: {c.label}") for c, _ in sources
                                if c.path and c.line}))
        path = func_path(graph, node)
        yield finding(RULE, message, path, func.line, func.col, func.col + 3 + len(func.name) + 1,
                      handler=node.label, related=related, key=f"RG008:{node.label}",
                      severity="warning" if gates else None)
