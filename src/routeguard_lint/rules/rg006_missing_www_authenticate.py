"""RG006 missing-www-authenticate: a 401 HTTPException without a WWW-Authenticate header."""

from __future__ import annotations

from collections.abc import Iterable

from routeguard_lint.facts import ir
from routeguard_lint.model import Finding
from routeguard_lint.project.index import ClassV, Ctx, ExternalV, FuncV, LiteralV
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules import _span
from routeguard_lint.rules._taint import walk_ir
from routeguard_lint.rules._util import at, finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG006",
    name="missing-www-authenticate",
    summary="A 401 Unauthorized HTTPException raised without a WWW-Authenticate header.",
    severity="warning",
    precision="high",
    what="""
`raise HTTPException(status_code=401, ...)` (also `status.HTTP_401_UNAUTHORIZED`, `HTTPStatus.UNAUTHORIZED`,
a positional status code, `fastapi.HTTPException`, `starlette.exceptions.HTTPException`) whose `headers=` is
missing, `None`, or a dict without a `WWW-Authenticate` key. The exception may be built where it is raised
or earlier and raised by name (`credentials_exception = HTTPException(...)` at module level or in the
function), or returned by a project helper that is raised (`raise unauthorized("...")`); a project subclass
of `HTTPException` whose `__init__` passes a 401 to `super().__init__` counts too. The finding is on the
line where the `HTTPException(...)` call is written, once per call however often it is raised. A `headers=`
value that cannot be read statically (`headers=self.headers`, `**kwargs`) is given the benefit of the doubt,
and so is every 401 when the project registers an exception handler that mentions `WWW-Authenticate`. A 403
Forbidden needs no challenge and is not reported.
""",
    why="""
RFC 9110 (section 15.5.2, formerly RFC 7235) requires a 401 response to carry a `WWW-Authenticate`
challenge that says how to authenticate. Without it, clients and libraries that implement the standard
(browsers for Basic auth, OAuth2 client libraries, API gateways, retry-with-credentials logic) cannot
tell which scheme to use, and some treat the response as malformed. FastAPI's own security schemes add
the header; a hand-written 401 in a dependency usually forgets it, so the API answers differently for
"no token" (scheme, with header) and "bad token" (dependency, without).
""",
    example="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token")
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return user


USERS: dict = {}
""",
    good="""
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def get_current_user(token: str = Depends(oauth2_scheme)):
    user = USERS.get(token)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return user


@app.get("/me")
def me(user: dict = Depends(get_current_user)):
    return user


USERS: dict = {}
""",
    fix="""
Name the scheme in the challenge (`Bearer` for OAuth2/JWT tokens, `Basic` for HTTP Basic, or a custom
scheme name for API keys):

```python
raise HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Invalid token",
    headers={"WWW-Authenticate": "Bearer"},
)
```
""",
)

HTTP_EXCEPTIONS = frozenset({"fastapi.HTTPException", "fastapi.exceptions.HTTPException",
                             "starlette.exceptions.HTTPException", "starlette.HTTPException"})
WWW_AUTH = "www-authenticate"


class _Checker:
    def __init__(self, graph: Graph):
        self.index = graph.index

    def is_http_exception(self, func: ir.Expr | None, ctx: Ctx) -> bool:
        value = self.index.resolve(func, ctx)
        return isinstance(value, ExternalV) and value.qualname in HTTP_EXCEPTIONS

    def is_401(self, expr: ir.Expr | None, ctx: Ctx) -> bool:
        if expr is None:
            return False
        if isinstance(expr, ir.Const):
            return expr.value == 401
        if isinstance(expr, ir.Attr) and expr.attr in ("HTTP_401_UNAUTHORIZED", "UNAUTHORIZED"):
            return True
        value = self.index.resolve(expr, ctx)
        if isinstance(value, LiteralV):
            return value.value == 401
        if isinstance(value, ExternalV):
            return value.qualname.rsplit(".", 1)[-1] in ("HTTP_401_UNAUTHORIZED", "UNAUTHORIZED")
        return False

    def has_challenge(self, headers: ir.Expr | None, ctx: Ctx, depth: int = 0) -> bool | None:
        """True when `headers` has a WWW-Authenticate key, False when it has none, None when unknown."""
        if headers is None or (isinstance(headers, ir.Const) and headers.value is None):
            return False
        if depth > 8:
            return None
        if isinstance(headers, ir.DictE):
            unknown = False
            for key, _value in headers.items:
                if key is None:
                    unknown = True  # {**base, ...}
                    continue
                text = self.index.string(key, ctx)
                if text is None:
                    unknown = True
                elif text.lower() == WWW_AUTH:
                    return True
            return None if unknown else False
        if isinstance(headers, ir.Call) and ir.dotted(headers.func) == "dict":
            if any(k == "**" for k, _ in headers.kwargs) or headers.args:
                return None
            return False  # dict(a=...) cannot spell WWW-Authenticate
        if isinstance(headers, ir.Name):
            bound = self._assigned(headers.id, ctx)
            if bound is not None:
                return self.has_challenge(bound[0], bound[1], depth + 1)
        return None

    def _assigned(self, name: str, ctx: Ctx) -> tuple[ir.Expr, Ctx] | None:
        return self.index.assignment(ir.Name(name), ctx)

    def unchallenged(self, call: ir.Call, ctx: Ctx) -> bool:
        """A 401 HTTPException(...) call without a WWW-Authenticate header (known statically)."""
        if any(isinstance(a, ir.Star) for a in call.args) or any(k == "**" for k, _ in call.kwargs):
            return False
        if not self.is_401(call.arg(0, "status_code"), ctx):
            return False
        return self.has_challenge(call.arg(2, "headers"), ctx) is False

    def raised_call(self, exc: ir.Expr | None, ctx: Ctx) -> tuple[ir.Call, Ctx] | None:
        """The `HTTPException(...)` call a raise statement raises, and where it is written."""
        if isinstance(exc, ir.Name):
            bound = self._assigned(exc.id, ctx)
            if bound is None:
                return None
            exc, ctx = bound
        if isinstance(exc, ir.Call):
            if self.is_http_exception(exc.func, ctx):
                return exc, ctx
            value = self.index.resolve(exc.func, ctx)
            if isinstance(value, ClassV):
                return self._subclass_init(value)
            if isinstance(value, FuncV):
                return self._factory(value)
        return None

    def _factory(self, fv: FuncV) -> tuple[ir.Call, Ctx] | None:
        """`raise unauthorized("...")` where `def unauthorized(detail): return HTTPException(401, detail)`."""
        func = self.index.func(fv)
        if func is None:
            return None
        ctx = Ctx(fv.module, func.qualname)
        for ret in func.returns:
            value, where = ret.value, ctx
            if isinstance(value, ir.Name):
                bound = self._assigned(value.id, ctx)
                if bound is None:
                    continue
                value, where = bound
            if isinstance(value, ir.Call) and self.is_http_exception(value.func, where):
                return value, where
        return None

    def _subclass_init(self, cls_v: ClassV) -> tuple[ir.Call, Ctx] | None:
        if not any(b in HTTP_EXCEPTIONS for b in self.index.external_bases(cls_v)):
            return None
        init = self.index.class_attr(cls_v, "__init__")
        func = self.index.func(init) if isinstance(init, FuncV) else None
        if func is None or not isinstance(init, FuncV):
            return None
        for call in func.calls:
            f = call.func
            if isinstance(f, ir.Attr) and f.attr == "__init__" and isinstance(f.value, ir.Call) and \
                    ir.dotted(f.value.func) == "super":
                return call, Ctx(init.module, func.qualname)
        return None


def _handler_adds_challenge(graph: Graph) -> bool:
    """An exception handler in the project that writes a WWW-Authenticate header itself."""
    registered: set[str] = set()  # names passed to add_exception_handler(...) anywhere
    for facts in graph.index.modules:
        for site in facts.calls:
            f = site.call.func
            if isinstance(f, ir.Attr) and f.attr == "add_exception_handler":
                registered.update(ir.dotted(a) or "" for a in site.call.args)
    for facts in graph.index.modules:
        for func in facts.functions.values():
            handler = func.name in registered or any(
                isinstance(d.expr, ir.Call) and isinstance(d.expr.func, ir.Attr)
                and d.expr.func.attr == "exception_handler" for d in func.decorators)
            if not handler:
                continue
            exprs = [*func.calls, *(r.value for r in func.returns), *func.assigns.values()]
            for expr in exprs:
                for node in walk_ir(expr):
                    if isinstance(node, ir.Str) and WWW_AUTH in node.value.lower():
                        return True
    return False


def check(graph: Graph) -> Iterable[Finding]:
    if _handler_adds_challenge(graph):
        return
    checker = _Checker(graph)
    seen: set[tuple[str, int]] = set()
    found: list[tuple[str, int, str]] = []
    for facts in graph.index.modules:
        if facts.error:
            continue
        for qualname, func in facts.functions.items():
            ctx = Ctx(facts.module, qualname)
            for raise_ in func.raises:
                target = checker.raised_call(raise_.exc, ctx)
                if target is None:
                    continue
                call, where = target
                if not checker.unchallenged(call, where):
                    continue
                path = graph.index.path_of(where.module)
                line = call.line or raise_.line
                if (path, line) in seen:
                    continue
                seen.add((path, line))
                found.append((path, line, where.scope or ""))
    for path, line, scope in sorted(found):
        message = ("401 Unauthorized raised without a WWW-Authenticate header: RFC 9110 requires the challenge "
                   "(e.g. headers={\"WWW-Authenticate\": \"Bearer\"}) so clients know how to authenticate")
        yield finding(RULE, message, path, **at(_span.raise_statement(graph, path, line)), handler=scope or None,
                      key=f"RG006:{path}:{scope}")
