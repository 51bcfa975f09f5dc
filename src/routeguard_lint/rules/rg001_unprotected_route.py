"""RG001 unprotected-route: a route that no authentication protects."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.auth.judge import Answer, AuthState, judgement_of
from routeguard_lint.model import Finding, Related
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules._util import finding, route_label
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG001",
    name="unprotected-route",
    summary="A route that no dependency chain authenticates, and that is not declared public.",
    severity="error",
    cwe=(306,), security_severity=8.2, precision="high",
    what="""
A route (`@app.get`, `@router.post`, `api_route`, `add_api_route`, `websocket`, ...) whose effective
dependencies (its parameters, the decorator's `dependencies=`, its routers', every `include_router` on
the way to the app, and the app's) never reach a credential source that can reject the request. A
credential source is a `fastapi.security` scheme, an `Authorization`/API-key header or a session cookie;
"can reject" means a scheme with `auto_error=True` or code on that chain that raises.

Optional credentials (`auto_error=False`, `Header(None)`, `request.headers.get(...)`) protect a route only
if something on the chain rejects a request that carries none: a dependency that raises only for a *bad*
token and returns `None` (or anything else) when the token is missing does not count. A handler that
rejects the anonymous case itself (`if user is None: raise HTTPException(401)`) does; a handler that
branches on the optional user (`if user: ... else: ...`) serves anonymous requests on purpose and is
treated as public (optional authentication). So is a route whose optional credential reaches it only
through a dependency that checks a given credential and returns a default written in its code (`return
None`) for a missing one, when the route uses that value (hands it on, tests it); a route that ignores
the optional user gets nothing from it and is reported.

A check that runs only when a setting read at run time turns it on is not proof either way: `if
settings.api_keys: <check>` with `else: return None`, the early return `if not settings.api_keys: return
None`, and `verify(token) if settings.api_keys else None` are one program, and the route is `unverified`,
naming the test. A field of a pydantic `BaseSettings` object is such a setting (the environment may set it
when the object is made); its class default is its value only when the call that made the object passes it.

Some routes are public by design and never reported: liveness and readiness probes (a path segment `health`,
`healthz`, `health-check`, `healthcheck`, `livez`, `readyz`, `ready`, `alive`, `healthy`, `startupz` or `ping`,
sub-paths included, and a path ending in `live` or `startup` beside such a probe: `/probe/live` next to
`/probe/health`; for methods that read: a `PUT .../heartbeat` a worker sends is judged like any route),
FastAPI's own documentation, well-known discovery documents, OAuth / OpenID Connect callbacks, and credential
flows recognised by what they do: the `tokenUrl` of an OAuth2 scheme, a handler taking a password in the body
(login, registration, password reset, `OAuth2PasswordRequestForm`, or a `password` key it reads from `await
request.json()` / `await request.form()` itself), one taking an identity and issuing a token (recovery, sign-in
links), one taking a refresh token in the body and issuing a token, and a sign-in with a token the request
submits in its body (a sign-in link's token, an identity provider's access or ID token: a body field named as a
credential) that the handler, or a project function it calls, checks (a signed token's verifier such as
`jwt.decode` or google-auth's `verify_oauth2_token`, a constant-time comparison, an HTTP request to the provider,
a lookup of the token) where the check decides whether it issues a token or session (a failure that raises, or
an answer it tests; a failure swallowed by `try`/`except` or an answer only logged decides nothing); and routes
with nothing to protect: no
dependencies, and a handler that does no work, writes nothing, sets no cookie but to clear the caller's, and
answers a value written in the code or a truth value of its configuration (an "is authentication on" probe) or
clears the caller's cookie (a logout that does only that), or that takes nothing from the request and answers
one constant (`GET /` answering `{"status": "ok"}`; not a value read from the settings, computed, or chosen by a
test), or whose every path raises an HTTP error written in the code before doing any work (a deprecated endpoint
answering 400 with a pointer to its successor). A webhook that verifies a signature over the body is protected by
it. A route whose only possible
authentication is code outside the project is `unverified` (listed by `routeguard routes`), not reported.
""",
    why="""
FastAPI has no global default: a route is public unless every request to it passes through a dependency
that checks a credential. Forgetting `Depends(get_current_user)` on one handler, or including a router
without the `dependencies=` its siblings get, exposes that endpoint to anyone on the network (broken
access control, OWASP API1/API5).
""",
    example="""
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(prefix="/invoices")


@router.get("/{invoice_id}")
async def read_invoice(invoice_id: int):
    return {"id": invoice_id}


app.include_router(router)
""",
    good="""
from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
router = APIRouter(prefix="/invoices", dependencies=[Depends(oauth2_scheme)])


@router.get("/{invoice_id}")
async def read_invoice(invoice_id: int):
    return {"id": invoice_id}


app.include_router(router)
""",
    fix="""
Add an authenticating dependency to the route, or to the router or `include_router` call that every route
below should share:

```python
router = APIRouter(prefix="/invoices", dependencies=[Depends(get_current_user)])
```

If the route is meant to be public, say so (see the configuration docs) so the decision is reviewable.
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    judgement = judgement_of(graph)
    # RG001 only when a request without any credential provably reaches the handler
    found = [route for route in graph.routes if judgement.of(route).state is AuthState.UNPROTECTED and
             judgement.of(route).no_credential is Answer.REACHES]
    # a route whose path is chosen at run time is reported once, under the first of its paths that is reported
    reported = {(r.decl.file, r.decl.line, r.methods, r.apps, r.full_path) for r in found}
    for route in found:
        if any((route.decl.file, route.decl.line, route.methods, route.apps, other) in reported
               for other in route.alternatives if other < route.full_path):
            continue
        verdict = judgement.of(route)
        decl = route.decl
        related = []
        if route.root is not None:
            for child, via in route.root.children:
                if child.path and child.line:
                    related.append(Related(child.path, child.line, f"{via}: {child.label}"))
        where = _through(route.unseen) if route.reachable else _unreached(route.unseen, route.exported)
        also = f" (or {' or '.join(route.alternatives)}: its path is chosen at run time)" if route.alternatives else ""
        message = f"{route_label(route)}{also} is not authenticated{where}: {verdict.reason}"
        yield finding(RULE, message, decl.file, decl.line, decl.col, decl.end_col, route=route,
                      handler=decl.handler_name, related=tuple(sorted(set(related))),
                      key=f"RG001:{route_label(route)}",
                      severity="error" if route.reachable and not route.unseen else "warning")


def _through(unseen: tuple[str, ...]) -> str:
    """For a route its app serves only if calls the analysis does not read include its router: those calls."""
    if not unseen:
        return ""
    return f" (its app serves it only if {' and '.join(unseen)} includes its router: code the analysis does not " \
           f"read)"


def _unreached(unseen: tuple[str, ...], exported: str = "") -> str:
    """Why an unreachable route is so: only in an app built to export an OpenAPI document; never included into
    an app, when every include of its router was seen; else the includes the analysis could not read that may
    serve it."""
    if exported:
        return f" (only in an app that is never served: it is built to export an OpenAPI document, {exported})"
    if not unseen:
        return " (its router is never included into an app)"
    more = f" and {len(unseen) - 3} more" if len(unseen) > 3 else ""
    return f" (no include seen serves it; an include the analysis cannot read may: {', '.join(unseen[:3])}{more})"
