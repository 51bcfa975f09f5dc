"""RG004 hardcoded-credential: a credential checked against a value written in the source, or a literal
JWT signing key."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules import _span
from routeguard_lint.rules._compare import comparisons
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG004",
    name="hardcoded-credential",
    summary="A token, API key or password checked against a literal in the code, or a literal JWT key.",
    severity="error",
    cwe=(798,), security_severity=7.5, precision="medium",
    what="""
Two things:

1. A credential compared with a value written in the source: a string or bytes literal, a local variable,
   module constant (also imported from a `config` module) or plain class attribute holding one, or a
   collection of literals (`token not in {"key-1", "key-2"}`). The comparison may be `==`, `!=`, `in`,
   `not in`, or `secrets.compare_digest` / `hmac.compare_digest`.
2. A literal passed as the key of `jwt.encode` / `jwt.decode` (PyJWT, python-jose `jose.jwt` / `jose.jws`,
   authlib `authlib.jose.jwt`, joserfc), directly or through a constant.

A value is a credential because of where it comes from, not its name: a parameter filled by a
`fastapi.security` scheme (the token string, `HTTPAuthorizationCredentials.credentials`,
`HTTPBasicCredentials.password`), a credential `Header()`/`Cookie()`, the password of
`OAuth2PasswordRequestForm`, `request.headers["Authorization"]` / `request.cookies.get("session")`, a
query-string parameter that RG003 reports as a credential, or a dependency or helper function that passes
one on. It is followed through assignments, tuple unpacking
(`scheme, _, token = authorization.partition(" ")`), string operations (`.split()`, `.strip()`,
`.encode()`, `[7:]`), base64 decoding and calls into project functions. Comparisons with values that are
not secrets (`""`, `"Bearer"`, `"basic"`, `"null"`) and claims of a decoded token (`payload["type"] ==
"access"` is a policy check) are not reported. The finding is on the comparison's (or JWT call's) line.
""",
    why="""
A credential in the source is shared by everyone who can read the repository, a container image, a wheel
or a stack trace, and it cannot be rotated without a release. Whoever has it is authenticated as the
service (or, for a JWT key, can mint a token for any user id and any scope, and the server will accept
it). Tutorial code like `if token != "secrettoken"` also means every deployment accepts the same token.
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    if token != "secrettoken":
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return "user"


@app.get("/me")
def me(user: str = Depends(get_current_user)):
    return {"user": user}
""",
    good="""
import os
import secrets

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

API_TOKEN = os.environ["API_TOKEN"]


def get_current_user(token: str = Depends(oauth2_scheme)):
    if not secrets.compare_digest(token.encode(), API_TOKEN.encode()):
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return "user"


@app.get("/me")
def me(user: str = Depends(get_current_user)):
    return {"user": user}
""",
    fix="""
Load secrets from the environment or a secret store (pydantic `BaseSettings`, `os.environ`), compare them
with `secrets.compare_digest`, and prefer per-user credentials stored hashed over one shared token:

```python
class Settings(BaseSettings):
    api_token: SecretStr
    jwt_secret: SecretStr


def get_current_user(token: str = Depends(oauth2_scheme), settings: Settings = Depends(get_settings)):
    if not secrets.compare_digest(token, settings.api_token.get_secret_value()):
        raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
```

Rotate any secret that has been committed: it is in the history for good.
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    seen: set[tuple[str, int]] = set()
    for cmp in comparisons(graph):
        if cmp.kind != "literal" or (cmp.path, cmp.line) in seen:
            continue
        seen.add((cmp.path, cmp.line))
        if cmp.op == "jwt-key":
            message = (f"hard-coded JWT key: the key passed to {cmp.credential}() is {cmp.origin.what}; anyone who "
                       f"can read the code can sign tokens for any user. Load it from the environment or a secret "
                       f"store")
            key = f"RG004:{cmp.function or cmp.path}:jwt"
        else:
            how = "compare_digest()" if cmp.op == "compare_digest" else f"'{cmp.op}'"
            message = (f"hard-coded credential: {cmp.credential} is checked with {how} against {cmp.origin.what}; "
                       f"anyone who can read the code can authenticate. Load the secret from configuration "
                       f"(environment, secret store) instead")
            key = f"RG004:{cmp.function or cmp.path}:{cmp.credential}"
        where = _span.comparison(graph, cmp.path, cmp.line, cmp.op, cmp.credential, other_side=True)
        yield finding(RULE, message, cmp.path, **at(where), handler=cmp.function or None, key=key)
