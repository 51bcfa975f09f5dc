"""RG003 credential-in-query: a credential parameter FastAPI reads from the query string."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph, ParamKind, path_parameters, walk
from routeguard_lint.routes.query_values import query_credential
from routeguard_lint.rules._util import finding, func_path
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG003",
    name="credential-in-query",
    summary="A token, API key, password or session parameter that FastAPI reads from the query string.",
    severity="error",
    cwe=(598,), security_severity=5.3, precision="high",
    what="""
A parameter of a route handler or of a dependency whose name says it carries a credential (`token`,
`access_token`, `api_key`, `apikey`, `password`, `secret`, `session`, ...) and that FastAPI fills from
the query string: a plain `str` (or unannotated, or optional) parameter with no `Depends(scheme)`,
`Header()`, `Cookie()`, `Form()` or `Body()`. Path parameters, websocket endpoints and parameters that
ask for `Query()` explicitly are left alone, and so is a continuation token: an optional value the function only
tests for presence and decodes (`serializer.loads(token)`), whose decoded value it never matches or looks up,
whose next value it encodes with the same serialiser (`serializer.dumps(...)`), on a function that has a
credential of its own (a paged log read's `?token=`); and a selector among the caller's own records: a value
whose every use is a presence test or an argument of a call that also takes the caller's identity from a
credential dependency (`store.list(owner=user, session_id=session_id)`, a chat's `session_id`).
""",
    why="""
Query strings end up in access logs, proxy logs, browser history and `Referer` headers, so a credential
sent there leaks. It is also usually a mistake: the tutorial's `def get_current_user(token: str)` was
meant to read the bearer token, and the scheme (with its `WWW-Authenticate` challenge and OpenAPI
security entry) is never involved.
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()


def get_current_user(token: str):
    user = SESSIONS.get(token)
    if user is None:
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return user


SESSIONS: dict = {}
""",
    good="""
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]):
    user = SESSIONS.get(token)
    if user is None:
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return user


SESSIONS: dict = {}
""",
    fix="""
Read the credential with a security scheme (or an explicit header):

```python
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]):
    ...
```
""",
)

STRING_TYPES = (None, "str", "SecretStr", "Any")


def check(graph: Graph) -> Iterable[Finding]:
    seen: set[tuple[str, int, str]] = set()
    for route in graph.routes:
        if route.root is None or route.decl.websocket:
            continue
        path_params = path_parameters(route.full_path)
        for node in walk(route.root):
            if node.func is None or node.websocket_only:
                continue
            for source in node.params:
                param = source.param
                if source.kind is not ParamKind.QUERY or param.name in path_params:
                    continue
                if not query_credential(node, source):
                    continue
                if source.type_name not in STRING_TYPES:
                    continue
                path = func_path(graph, node)
                key = (path, param.line, param.name)
                if key in seen:
                    continue
                seen.add(key)
                where = "route handler" if node is route.root else "dependency"
                message = (f"parameter '{param.name}' of {where} {node.label} is read from the query string: "
                           f"credentials in URLs leak into logs and history; read it with a security scheme "
                           f"(Depends(oauth2_scheme)) or Header()")
                yield finding(RULE, message, path, param.line, param.col, param.col + len(param.name),
                              handler=node.label, key=f"RG003:{node.label}:{param.name}")
