"""OAuth / OpenID Connect callbacks recognised by what they do, whatever their path.

The identity provider sends the browser back to the callback with a one-time authorization code in the query
(`?code=...&state=...`; OAuth 1.0a: `?oauth_token=...&oauth_verifier=...`). The callback exchanges that code
with the provider's token endpoint, server to server, and then signs the user in (issues a token, sets a
session cookie) or sends the browser on (a redirect). The code is the credential, and the provider is what
checks it: a request without one, or with a forged one, gets nothing from the exchange. Such a route is
public by design.

A handler is a callback when:

* it takes the code from the request: a query, form or body parameter named `code` / `oauth_verifier` (or
  `request.query_params.get("code")`);
* it hands the code (or a value made from it) to a token request: a dict or URL of token-request parameters
  (`{"code": code, "client_secret": ...}`, `grant_type`, `redirect_uri`; OAuth 1.0a's `oauth_verifier=` in the
  access-token URL), or an OAuth client's code-exchange method (`fetch_token(code=code)`, `get_access_token(
  code, ...)`, `acquire_token_by_authorization_code(code, ...)`), itself or in a project function it hands the
  code to (its parameter bound to it);
* and it signs the user in or sends the browser on: it issues a token or session, or a return is a redirect.

A route that takes a `code` and only looks it up (an invitation code, a stored token read back by `state`) is
none of this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routeguard_lint.facts import ir
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, Index
from routeguard_lint.routes.model import ParamKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from routeguard_lint.facts.extract import Func
    from routeguard_lint.routes.model import DepNode

# the request parameters that carry the one-time authorization code (OAuth 2.0 RFC 6749 4.1.2; OAuth 1.0a 6.2.3)
CODE_PARAMS = frozenset({"code", "oauth_verifier", "authorization_code", "auth_code"})
# the other parameters of a token request (RFC 6749 4.1.3; OAuth 1.0a 6.3.1): with the code, the exchange
TOKEN_REQUEST_PARTNERS = frozenset({"client_secret", "grant_type", "redirect_uri", "client_id", "code_verifier",
                                    "oauth_token"})
# OAuth clients' code-exchange methods (authlib, requests-oauthlib, httpx-oauth, MSAL, fastapi-sso, pysaml2 /
# python3-saml for the SAML response): each sends the code to the provider's token endpoint
EXCHANGE_METHODS = frozenset({"fetch_token", "fetch_access_token", "get_access_token", "authorize_access_token",
                              "acquire_token_by_authorization_code", "acquire_token_by_auth_code_flow",
                              "exchange_code", "exchange_code_for_token", "verify_and_process",
                              "get_access_token_from_code", "request_access_token"})
REDIRECTS = frozenset({"starlette.responses.RedirectResponse", "fastapi.responses.RedirectResponse"})
MAX_DEPTH = 3


def _names_in(expr: object, depth: int = 0) -> set[str]:
    """The plain names read in `expr` (a list of expressions too)."""
    if depth > 30 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return set()
    if isinstance(expr, (tuple, list)):
        return {n for item in expr for n in _names_in(item, depth + 1)}
    if isinstance(expr, ir.Name):
        return {expr.id}
    if isinstance(expr, ir.Bound):
        return set()
    return {n for part in ir.children(expr) for n in _names_in(part, depth + 1)} if isinstance(expr, _EXPRS) else set()


_EXPRS = (ir.Attr, ir.Str, ir.FStr, ir.Const, ir.Call, ir.Star, ir.Seq, ir.DictE, ir.Sub, ir.BinOp, ir.Compare,
          ir.BoolOp, ir.Not, ir.IfExp, ir.Comp, ir.Unknown)


def _walk(expr: object, depth: int = 0) -> list[ir.Expr]:
    """Every expression inside `expr` (a list of expressions too), `expr` first."""
    if depth > 30 or expr is None or not isinstance(expr, (tuple, list, *_EXPRS, ir.Name)):
        return []
    if isinstance(expr, (tuple, list)):
        return [e for item in expr for e in _walk(item, depth + 1)]
    return [expr, *(e for part in ir.children(expr) for e in _walk(part, depth + 1))]


class CodeExchange:
    """Memoised answers: does a function exchange an authorization code it is handed?"""

    def __init__(self, index: Index, calls: Calls) -> None:
        self.index = index
        self.calls = calls
        # (function, the parameters holding the code) -> what exchanges it ("" when nothing does)
        self._exchanges: dict[tuple[FuncV, frozenset[str]], str] = {}

    def callback(self, root: DepNode, issues_token: Callable[[FuncV], bool]) -> str | None:
        """Why the route's handler is an OAuth callback, or None."""
        func = root.func
        if func is None or root.func_module is None:
            return None
        fv = FuncV(root.func_module, func.qualname)
        taken = {source.param.name: source.query_name for source in root.params
                 if source.kind in (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY, ParamKind.FORM, ParamKind.BODY)
                 and source.query_name.lower() in CODE_PARAMS}
        requests = {s.param.name for s in root.params if s.kind is ParamKind.REQUEST}
        for bind in func.binds:
            if requests and _query_read(bind.value, requests):
                taken[bind.name] = "code"
        if not taken:
            return None
        how = self._exchange(fv, func, frozenset(taken), 0)
        if not how:
            return None
        if issues_token(fv):
            then = "signs the user in"
        elif self._redirects(fv, func):
            then = "redirects the browser"
        else:
            return None
        name = sorted(taken)[0]
        return f"OAuth callback: exchanges the authorization code '{taken[name]}' from the request with the " \
               f"identity provider ({how}) and {then}"

    def _exchange(self, fv: FuncV, func: Func, holders: frozenset[str], depth: int) -> str:
        key = (fv, holders)
        if key in self._exchanges:
            return self._exchanges[key]
        self._exchanges[key] = ""
        found = self._exchange_walk(fv, func, holders, depth)
        self._exchanges[key] = found
        return found

    def _exchange_walk(self, fv: FuncV, func: Func, holders: frozenset[str], depth: int) -> str:
        code = set(holders)
        for _round in range(2):  # the names bound to a value made from the code (source order, loops twice)
            for bind in func.binds:
                if bind.name not in code and _names_in(bind.value) & code:
                    code.add(bind.name)
        exprs: list[object] = [*func.calls, *(b.value for b in func.binds), *(r.value for r in func.returns)]
        for expr in _walk(exprs):
            if isinstance(expr, ir.DictE) and _dict_exchanges(expr, code):
                return "a token request with the code"
            if isinstance(expr, ir.FStr) and _url_exchanges(expr, code):
                return "a token request URL with the code"
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            handed = [arg for arg in (*call.args, *(v for _k, v in call.kwargs)) if _names_in(arg) & code]
            if not handed:
                continue
            f = call.func
            target = self.calls.callee(call, ctx, func)
            if not isinstance(target, FuncV):
                # an OAuth client's exchange method, or a library call given the code as `code=`
                if (isinstance(f, ir.Attr) and f.attr in EXCHANGE_METHODS) or \
                        any(k in CODE_PARAMS for k, v in call.kwargs if _names_in(v) & code):
                    return f"`{ir.show(f, 60)}`"
                continue
            callee = self.index.func(target) if target != fv else None
            if callee is None or depth >= MAX_DEPTH:
                continue
            bound = _bound_params(call, callee, code)
            if bound:
                inner = self._exchange(target, callee, bound, depth + 1)
                if inner:
                    return inner if inner.startswith("`") else f"`{ir.show(f, 60)}`: {inner}"
        return ""

    def _redirects(self, fv: FuncV, func: Func) -> bool:
        ctx = Ctx(fv.module, func.qualname)
        for ret in func.returns:
            value = ret.value
            if isinstance(value, ir.Name):
                value = next((b.value for b in reversed(func.binds) if b.name == value.id), value)
            if isinstance(value, ir.Call):
                target = self.calls.callee(value, ctx, func)
                if isinstance(target, ExternalV) and target.qualname in REDIRECTS:
                    return True
        return False


def _query_read(expr: ir.Expr, requests: set[str]) -> bool:
    """`request.query_params.get("code")` / `request.query_params["code"]`."""
    found = ir.keyed(expr)
    if found is None:
        return False
    base, key = found
    return isinstance(base, ir.Attr) and base.attr == "query_params" and isinstance(base.value, ir.Name) and \
        base.value.id in requests and isinstance(key, ir.Str) and key.value.lower() in CODE_PARAMS


def _dict_exchanges(expr: ir.DictE, code: set[str]) -> bool:
    """`{"code": code, "client_secret": ..., ...}`: the code as a parameter of a token request."""
    keys = {k.value: v for k, v in expr.items if isinstance(k, ir.Str)}
    carried = [k for k, v in keys.items() if k in CODE_PARAMS and _names_in(v) & code]
    return bool(carried) and bool(set(keys) & TOKEN_REQUEST_PARTNERS)


def _url_exchanges(expr: ir.FStr, code: set[str]) -> bool:
    """`f"...?code={code}&client_secret=..."`, `f"...?oauth_verifier={verifier}&oauth_token={token}"`."""
    parts = expr.parts
    carried = False
    names: set[str] = set()
    for i, part in enumerate(parts):
        if not isinstance(part, str):
            continue
        for piece in part.replace("?", "&").split("&"):
            if "=" in piece:
                names.add(piece.split("=", 1)[0])
        if part.endswith("=") and i + 1 < len(parts) and not isinstance(parts[i + 1], str) and \
                _names_in(parts[i + 1]) & code:
            tail = part.replace("?", "&").rsplit("&", 1)[-1][:-1]
            carried = carried or tail in CODE_PARAMS
    return carried and bool(names & TOKEN_REQUEST_PARTNERS)


def _bound_params(call: ir.Call, callee: Func, code: set[str]) -> frozenset[str]:
    """The parameters of `callee` that receive a value made from the code in `call` (positional arguments in
    order, after `self` / `cls` of a method called on an object; keyword arguments by name)."""
    params = [p for p in callee.params if p.kind in ("posonly", "pos")]
    if params and callee.class_name and params[0].name in ("self", "cls") and isinstance(call.func, ir.Attr):
        params = params[1:]
    out: set[str] = set()
    for i, arg in enumerate(call.args):
        if isinstance(arg, ir.Star):
            break
        if i < len(params) and _names_in(arg) & code:
            out.add(params[i].name)
    names = {p.name for p in callee.params}
    out.update(k for k, v in call.kwargs if k in names and _names_in(v) & code)
    return frozenset(out)
