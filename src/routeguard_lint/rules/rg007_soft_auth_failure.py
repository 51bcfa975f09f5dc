"""RG007 soft-auth-failure: an auth check that fails by returning a body instead of raising."""

from __future__ import annotations

import re
from collections.abc import Iterable

from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Return
from routeguard_lint.model import Finding
from routeguard_lint.project.index import ExternalV, LiteralV
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules import _span
from routeguard_lint.rules._taint import SECRET_CARRIERS, FuncFlow, credential_taint, func_key, walk_ir
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG007",
    name="soft-auth-failure",
    summary="An authentication or authorization check that fails by returning a body instead of raising.",
    severity="error",
    cwe=(636,), security_severity=7.5, precision="medium",
    what="""
A route handler or dependency with a branch taken when an auth check fails, that *returns* instead of
raising: a dict with an error key (`{"error": "Not allowed"}`, `{"detail": ...}`), an error message
(`{"message": "Unauthorized"}`), a false flag (`{"success": False}`) or an error status in the body
(`{"status": 403}`), or a `JSONResponse`/`Response` with such a body and no status code of 400 or more.

The branch is an auth check when its condition tests an auth value: the parameter filled by an
authentication dependency (one whose name says so, such as `verify_user` or `get_current_user`, or that
reads a credential), a credential itself (see RG004 for how credentials are followed), the claims of a
decoded token, or the result of a function called with a credential (`user = lookup(token)`), including
comparisons and attributes of those (`if not user.is_admin`). The `else` of such an `if`, a return
that follows an `if` whose body returned, and the `except` of a `try` whose body verifies a credential
(`payload = jwt.decode(token, ...)`) count too. Redirects (`RedirectResponse("/login")`), returns
with a 4xx/5xx `status_code`, and non-error results on an anonymous branch (`if user is None: return
public_items`) are left alone. The finding is on the `return` line.
""",
    why="""
FastAPI only stops a request when a dependency raises. A dependency that returns an error dict hands that
dict to the route as if it were the user, and the route runs anyway: the seed tutorial's `verify_user`
pattern protects nothing. In a handler, returning `{"error": "Not allowed"}` answers `200 OK`: clients,
retry logic, caches, API gateways, rate limiters and monitoring all see a success, failed logins are not
counted as failures, and the OpenAPI schema documents no 401/403.
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def verify_user(token: str = Depends(oauth2_scheme)) -> bool:
    return token in TOKENS


@app.get("/secure")
async def secure_route(verified: bool = Depends(verify_user)):
    if not verified:
        return {"error": "Not allowed"}
    return {"message": "Only verified users."}


TOKENS: set = set()
""",
    good="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def verify_user(token: str = Depends(oauth2_scheme)) -> bool:
    return token in TOKENS


@app.get("/secure")
async def secure_route(verified: bool = Depends(verify_user)):
    if not verified:
        raise HTTPException(status_code=403, detail="Not allowed")
    return {"message": "Only verified users."}


TOKENS: set = set()
""",
    fix="""
Raise in the dependency, so the route never runs for a failed check:

```python
def verify_user(token: str = Depends(oauth2_scheme)) -> User:
    user = users.from_token(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"})
    return user
```

If a handler must build the response itself, give it the right status:
`return JSONResponse({"detail": "Not allowed"}, status_code=403)`.
""",
)

RESPONSES = frozenset({"JSONResponse", "ORJSONResponse", "UJSONResponse", "Response", "PlainTextResponse",
                       "HTMLResponse"})
ERROR_KEYS = frozenset({"error", "errors", "err", "error_message", "error_code", "error_description", "detail"})
MESSAGE_KEYS = frozenset({"message", "msg", "status", "result", "reason", "description", "detail"})
FLAG_KEYS = frozenset({"success", "ok", "authenticated", "authorized", "authorised", "allowed", "valid",
                       "verified", "permitted", "access", "logged_in"})
STATUS_KEYS = frozenset({"status_code", "code", "status", "http_status"})
ERROR_TEXT = re.compile(
    r"not (allowed|authori[sz]ed|authenticated|permitted|logged[ -]in|verified|valid)|unauthori[sz]ed|"
    r"unauthenticated|forbidden|denied|invalid|expired|missing|fail|error|no (access|permission)|permission|"
    r"wrong|incorrect|bad (token|credential|password|key)|(login|authentication|authorization) required|"
    r"please log ?in|must be (logged|authenticated)|access (is )?restricted", re.IGNORECASE)
HTTP_STATUS_NAMES = {"UNAUTHORIZED": 401, "FORBIDDEN": 403, "OK": 200, "BAD_REQUEST": 400, "NOT_FOUND": 404}


def _status_value(expr: ir.Expr | None, flow: FuncFlow) -> int | None:
    if expr is None:
        return None
    if isinstance(expr, ir.Const) and isinstance(expr.value, int) and not isinstance(expr.value, bool):
        return expr.value
    value = flow.index.resolve(expr, flow.ctx)
    if isinstance(value, LiteralV) and isinstance(value.value, int):
        return value.value
    name = value.qualname.rsplit(".", 1)[-1] if isinstance(value, ExternalV) else \
        expr.attr if isinstance(expr, ir.Attr) else ""
    m = re.match(r"HTTP_(\d{3})_", name)
    if m:
        return int(m.group(1))
    return HTTP_STATUS_NAMES.get(name)


def _error_dict(expr: ir.Expr | None, flow: FuncFlow) -> str | None:
    """Why a returned dict reads as an error, or None."""
    if not isinstance(expr, ir.DictE):
        return None
    for key, value in expr.items:
        if not isinstance(key, ir.Str):
            continue
        name = key.value.lower()
        empty = value is None or (isinstance(value, ir.Const) and value.value in (None, False)) or \
            (isinstance(value, ir.Str) and not value.value.strip())
        if name in ERROR_KEYS and not empty:
            return f"an error body ({key.value!r})"
        if name in MESSAGE_KEYS and isinstance(value, ir.Str) and ERROR_TEXT.search(value.value):
            return f"an error message ({value.value!r})"
        if name in FLAG_KEYS and isinstance(value, ir.Const) and value.value is False:
            return f"a failure flag ({key.value!r}: False)"
        if name in STATUS_KEYS:
            status = _status_value(value, flow)
            if status is not None and status >= 400:
                return f"an error status in the body ({status})"
    return None


def _soft_response(expr: ir.Expr | None, flow: FuncFlow, depth: int = 0) -> str | None:
    """How a return value answers an auth failure softly (a description), or None."""
    if expr is None or depth > 3:
        return None
    if isinstance(expr, ir.Name):
        bound = flow.assigned(expr.id)
        return _soft_response(bound, flow, depth + 1) if bound is not None else None
    reason = _error_dict(expr, flow)
    if reason:
        return reason
    if isinstance(expr, ir.Call):
        callee = flow.index.resolve(expr.func, flow.ctx)
        if not (isinstance(callee, ExternalV) and callee.qualname.split(".")[0] in ("fastapi", "starlette")
                and callee.qualname.rsplit(".", 1)[-1] in RESPONSES):
            return None
        status_expr = expr.arg(1, "status_code")
        status = _status_value(status_expr, flow)
        if status_expr is not None and status is None:
            return None  # a status we cannot read: give it the benefit of the doubt
        if status is not None and status >= 400:
            return None
        content = expr.arg(0, "content")
        if isinstance(content, ir.Name):
            content = flow.assigned(content.id) or content
        inner = _error_dict(content, flow)
        if inner is None and isinstance(content, ir.Str) and ERROR_TEXT.search(content.value):
            inner = f"an error message ({content.value!r})"
        if inner is None:
            return None
        name = callee.qualname.rsplit(".", 1)[-1]
        return f"a {name} with {inner} and status {status or 200}"
    return None


NEGATED = {"==": "!=", "!=": "==", "is": "is not", "is not": "is", "in": "not in", "not in": "in"}


def _negate(cond: ir.Expr) -> ir.Expr:
    """`not (a == b)` reads better as `a != b` in a message."""
    if isinstance(cond, ir.Not) and isinstance(cond.value, ir.Compare) and len(cond.value.ops) == 1 and \
            cond.value.ops[0] in NEGATED:
        inner = cond.value
        return ir.Compare(inner.left, (NEGATED[inner.ops[0]],), inner.comparators)
    if isinstance(cond, ir.Not) and isinstance(cond.value, ir.Not):
        return cond.value.value
    return cond


def _auth_condition(conds: tuple[ir.Expr, ...], flow: FuncFlow) -> ir.Expr | None:
    for cond in conds:
        if isinstance(cond, ir.Unknown):
            continue  # a try/loop marker
        if flow.tainted(cond) and not _match_holds(cond):
            return cond
    return None


def _match_holds(cond: ir.Expr) -> bool:
    """A test that holds when the check succeeded: two values found equal (`wallet.id == payment.wallet_id`),
    alone or joined with `and` to presence tests (`wallet and wallet.id == ...`). A return under it is the
    success branch, whatever words its body holds (a payment whose status is "failed")."""
    parts = cond.values if isinstance(cond, ir.BoolOp) and cond.op == "and" else (cond,)
    matched = False
    for part in parts:
        if isinstance(part, ir.Compare) and part.ops == ("==",) and \
                not any(isinstance(side, (ir.Const, ir.Str)) for side in (part.left, *part.comparators)):
            matched = True
        elif not isinstance(part, (ir.Name, ir.Attr)):
            return False
    return matched


# Calls that take any string and check nothing: quoting a credential for a URL (to send it on to another service)
# raises for no credential, so an `except` after it is no failed check.
_TRANSFORMS = frozenset({"urllib.parse.quote", "urllib.parse.quote_plus", "urllib.parse.unquote",
                         "urllib.parse.unquote_plus", "urllib.parse.urlencode", "urllib.parse.quote_from_bytes",
                         "builtins.str", "builtins.repr", "builtins.len", "builtins.format", "builtins.bool",
                         "html.escape", "shlex.quote"})


def _verifies(expr: ir.Expr | None, flow: FuncFlow) -> ir.Call | None:
    """A call in `expr` that checks a credential (one of its arguments is a credential or decoded claims)."""
    for node in walk_ir(expr):
        if isinstance(node, ir.Call):
            callee = flow.index.resolve(node.func, flow.ctx)
            if isinstance(callee, ExternalV) and callee.qualname in _TRANSFORMS:
                continue
            args = [a.value if isinstance(a, ir.Star) else a for a in node.args] + [v for _, v in node.kwargs]
            if any(flow.kind(a) in SECRET_CARRIERS for a in args):
                return node
    return None


def _except_branch(conds: tuple[ir.Expr, ...], flow: FuncFlow) -> ir.Expr | None:
    """In `except` of a `try` whose body verifies a credential (`jwt.decode(token, ...)`): that call."""
    for cond in conds:
        if not (isinstance(cond, ir.Unknown) and cond.code.startswith("<except:")):
            continue
        body = "<try:" + cond.code[len("<except:"):]
        entries = [(b.value, b.conditions) for b in flow.func.binds] + \
            [(e.call, e.conditions) for e in flow.func.effects]
        for value, where in entries:
            if any(isinstance(c, ir.Unknown) and c.code == body for c in where):
                call = _verifies(value, flow)
                if call is not None:
                    return call
    return None


def _failure_branch(ret: Return, returns: list[Return], flow: FuncFlow) -> ir.Expr | None:
    """The auth condition that makes `ret` a failure branch, or None."""
    cond = _auth_condition(ret.conditions, flow)
    if cond is not None:
        return cond
    call = _except_branch(ret.conditions, flow)
    if call is not None:
        return ir.Unknown(f"{ir.show(call, 50)} raised")
    # `if ok: return data` followed by `return {"error": ...}`: the second return is the else branch
    depth = len(ret.conditions)
    for other in returns:
        if other.line >= ret.line or len(other.conditions) != depth + 1 or \
                tuple(other.conditions[:depth]) != tuple(ret.conditions):
            continue
        last = other.conditions[-1]
        if isinstance(last, ir.Unknown) or _soft_response(other.value, flow) is not None:
            continue
        if flow.tainted(last):
            return ir.Not(last)
    return None


def check(graph: Graph) -> Iterable[Finding]:
    flows = credential_taint(graph)
    handlers = {r.decl.handler for r in graph.routes if r.decl.handler is not None}
    seen: set[tuple[str, int]] = set()
    for node in flows.dep_nodes:
        fv = func_key(node)
        if fv is None or fv not in flows.funcs:
            continue
        flow = flows.flow(fv)
        func = flow.func
        path = graph.index.path_of(fv.module)
        returns = list(func.returns)
        for ret in returns:
            reason = _soft_response(ret.value, flow)
            if reason is None:
                continue
            cond = _failure_branch(ret, returns, flow)
            if cond is None or (path, ret.line) in seen:
                continue
            seen.add((path, ret.line))
            label = f"{fv.module}.{fv.qualname}"
            cond = _negate(cond)
            if fv in handlers:
                message = (f"route handler {label} answers a failed auth check (`{ir.show(cond, 60)}`) with "
                           f"{reason} instead of raising HTTPException(401/403): the client gets 200 OK")
            else:
                message = (f"dependency {label} answers a failed auth check (`{ir.show(cond, 60)}`) with "
                           f"{reason} instead of raising: FastAPI goes on and runs the route, which receives "
                           f"the error as the dependency's value")
            yield finding(RULE, message, path, **at(_span.return_statement(graph, path, ret.line)), handler=label,
                          key=f"RG007:{label}")



