"""RG005 timing-unsafe-compare: a credential compared with `==`/`!=` against a configured secret."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules import _span
from routeguard_lint.rules._compare import comparisons
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG005",
    name="timing-unsafe-compare",
    summary="A credential compared with == or != against a secret, instead of secrets.compare_digest.",
    severity="warning",
    cwe=(208,), security_severity=5.3, precision="medium",
    what="""
A credential (a value that comes from a security scheme, a credential header or cookie, the password
form or `request.headers[...]`; see RG004 for how it is followed) compared with `==` or `!=` against a
secret the deployment provides: `os.environ[...]` / `os.getenv(...)`, an attribute of a pydantic
`BaseSettings` object or of a configuration object (`settings.API_KEY`, `config.token`), or a module
constant computed at import time (`API_KEY = os.environ["API_KEY"]`, `API_KEY = load_key()`).

Comparisons with values from the database or the request (`user.api_key`, `row.token`), with `None` or
`""`, and comparisons inside `secrets.compare_digest` are not reported. When the other side is a literal
the comparison is RG004 instead (reported once, as RG004).
""",
    why="""
`==` on strings returns as soon as two characters differ, so the time a rejection takes grows with the
length of the correct prefix. An attacker who can send many requests and measure response times can
recover a shared secret such as an API key or a service token character by character, without ever
seeing it. The risk depends on the network noise, but the fix costs nothing.
""",
    example="""
import os

from fastapi import Depends, FastAPI, Header, HTTPException

app = FastAPI()
API_KEY = os.environ["API_KEY"]


def verify_key(x_api_key: str = Header()):
    if x_api_key != API_KEY:
        raise HTTPException(status_code=403, detail="Invalid API key")


@app.get("/reports", dependencies=[Depends(verify_key)])
def reports():
    return []
""",
    good="""
import os
import secrets

from fastapi import Depends, FastAPI, Header, HTTPException

app = FastAPI()
API_KEY = os.environ["API_KEY"]


def verify_key(x_api_key: str = Header()):
    if not secrets.compare_digest(x_api_key.encode(), API_KEY.encode()):
        raise HTTPException(status_code=403, detail="Invalid API key")


@app.get("/reports", dependencies=[Depends(verify_key)])
def reports():
    return []
""",
    fix="""
Compare in constant time (both sides as `str` of ASCII or both as `bytes`):

```python
import secrets


def verify_key(x_api_key: str = Header()):
    if not secrets.compare_digest(x_api_key.encode(), API_KEY.encode()):
        raise HTTPException(status_code=403, detail="Invalid API key")
```
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    found = comparisons(graph)
    hardcoded = {(c.path, c.line) for c in found if c.kind == "literal"}
    seen: set[tuple[str, int]] = set()
    for cmp in found:
        if cmp.kind != "secret" or cmp.op not in ("==", "!=") or (cmp.path, cmp.line) in hardcoded or \
                (cmp.path, cmp.line) in seen:
            continue
        seen.add((cmp.path, cmp.line))
        message = (f"timing-unsafe comparison: {cmp.credential} is compared with '{cmp.op}' against "
                   f"{cmp.origin.what}; '{cmp.op}' stops at the first differing character, so response times "
                   f"leak the secret. Use secrets.compare_digest()")
        where = _span.comparison(graph, cmp.path, cmp.line, cmp.op, cmp.credential, other_side=False)
        yield finding(RULE, message, cmp.path, **at(where), handler=cmp.function or None,
                      key=f"RG005:{cmp.function or cmp.path}:{cmp.credential}")
