"""OAuth / OpenID Connect callbacks recognised by what they do, whatever their path.

The identity provider sends the browser back to the callback with a one-time authorization code in the query
(`?code=...&state=...`; OAuth 1.0a: `?oauth_token=...&oauth_verifier=...`). The callback exchanges that code
with the provider's token endpoint, server to server, and then signs the user in (issues a token, sets a
session cookie) or sends the browser on (a redirect). The code is the credential, and the provider is what
checks it: a request without one, or with a forged one, gets nothing from the exchange. Such a route is
public by design.

A handler is a callback when:

* it takes the authorization response from the request: the code, as a query, form or body parameter named
  `code` / `oauth_verifier` or read as `request.query_params.get("code")` / `["code"]` (bound to a name or
  written where it is used), or the whole redirect the provider sent, which carries the code: `request.url`,
  `request.query_params` (also as `str(request.url)`, `dict(request.query_params)`);
* it hands that value (or one made from it) to a token request: a dict or URL of token-request parameters
  (`{"code": code, "client_secret": ...}`, `grant_type`, `redirect_uri`; OAuth 1.0a's `oauth_verifier=` in the
  access-token URL), or an OAuth client's code-exchange method (`fetch_token(code=code)`,
  `fetch_token(authorization_response=str(request.url))`, `get_access_token(code, ...)`,
  `acquire_token_by_auth_code_flow(flow, dict(request.query_params))`), itself or in a project function it hands
  the value to (its parameter bound to it);
* and it signs the user in, sends the browser on, or only says it is done: it issues a token or session, or a
  return is a redirect, or every return is a page or message written in the code (`HTMLResponse(PAGE)`, the
  "account connected" page of a callback that stores the tokens for later use).

A part of the request URL that is not the response (`request.url.path`, `request.query_params.get("state")`)
carries no code.

A route that takes a `code` and only looks it up (an invitation code, a stored token read back by `state`) is
none of this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routeguard_lint.auth.answered import constant
from routeguard_lint.facts import ir
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, Index, InstanceV
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
# library exchange calls whose method name says nothing alone: Dropbox's `DropboxOAuth2Flow(...).finish(query)`
EXCHANGE_CALLS = frozenset({"dropbox.DropboxOAuth2Flow.finish", "dropbox.oauth.DropboxOAuth2Flow.finish"})
REDIRECTS = frozenset({"starlette.responses.RedirectResponse", "fastapi.responses.RedirectResponse"})
# the parts of the request that are the whole redirect the provider sent (its query holds the code)
RESPONSE_PARTS = frozenset({"url", "query_params"})
# conversions that keep the whole value (`str(request.url)`, `dict(request.query_params)`)
WHOLE_CONVERSIONS = frozenset({"str", "dict"})
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
        # (function, the parameters holding the code, the request parameters) -> what exchanges it ("" when
        # nothing does)
        self._exchanges: dict[tuple[FuncV, frozenset[str], frozenset[str]], str] = {}

    def callback(self, root: DepNode, issues_token: Callable[[FuncV], bool]) -> str | None:
        """Why the route's handler is an OAuth callback, or None."""
        func = root.func
        if func is None or root.func_module is None:
            return None
        fv = FuncV(root.func_module, func.qualname)
        taken = {source.param.name: source.query_name for source in root.params
                 if source.kind in (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY, ParamKind.FORM, ParamKind.BODY)
                 and source.query_name.lower() in CODE_PARAMS}
        requests = frozenset(s.param.name for s in root.params if s.kind is ParamKind.REQUEST)
        read = _response_reads([*func.calls, *(b.value for b in func.binds)], requests)
        if not taken and not read:
            return None
        how = self._exchange(fv, func, frozenset(taken), requests, 0)
        if not how:
            return None
        if issues_token(fv):
            then = "signs the user in"
        elif self._redirects(fv, func):
            then = "redirects the browser"
        elif self._answers_constant(fv, func):
            then = "answers with a page or message written in the code"
        else:
            return None
        keyed = next((found[1] for found in map(ir.keyed, read) if found and isinstance(found[1], ir.Str)), None)
        if taken:
            what = f"the authorization code '{taken[sorted(taken)[0]]}'"
        elif isinstance(keyed, ir.Str):
            what = f"the authorization code '{keyed.value}'"
        else:
            what = f"the authorization response (`{ir.show(read[0], 40)}`, the redirect carrying the code)"
        return f"OAuth callback: exchanges {what} from the request with the identity provider ({how}) and {then}"

    def _exchange(self, fv: FuncV, func: Func, holders: frozenset[str], requests: frozenset[str],
                  depth: int) -> str:
        key = (fv, holders, requests)
        if key in self._exchanges:
            return self._exchanges[key]
        self._exchanges[key] = ""
        found = self._exchange_walk(fv, func, holders, requests, depth)
        self._exchanges[key] = found
        return found

    def _exchange_walk(self, fv: FuncV, func: Func, holders: frozenset[str], requests: frozenset[str],
                       depth: int) -> str:
        code = set(holders)

        def carries(expr: object) -> bool:
            return bool(_names_in(expr) & code) or bool(_response_reads(expr, requests))

        for _round in range(2):  # the names bound to a value made from the code (source order, loops twice)
            for bind in func.binds:
                if bind.name not in code and carries(bind.value):
                    code.add(bind.name)
        exprs: list[object] = [*func.calls, *(b.value for b in func.binds), *(r.value for r in func.returns)]
        for expr in _walk(exprs):
            if isinstance(expr, ir.DictE) and _dict_exchanges(expr, carries):
                return "a token request with the code"
            if isinstance(expr, ir.FStr) and _url_exchanges(expr, carries):
                return "a token request URL with the code"
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            handed = [arg for arg in (*call.args, *(v for _k, v in call.kwargs)) if carries(arg)]
            if not handed:
                continue
            f = call.func
            target = self.calls.callee(call, ctx, func)
            if not isinstance(target, FuncV):
                # an OAuth client's exchange method, or a library call given the code as `code=`
                if (isinstance(f, ir.Attr) and f.attr in EXCHANGE_METHODS) or \
                        self._library_method(f, ctx) in EXCHANGE_CALLS or \
                        any(k in CODE_PARAMS for k, v in call.kwargs if carries(v)):
                    return f"`{ir.show(f, 60)}`"
                continue
            callee = self.index.func(target) if target != fv else None
            if callee is None or depth >= MAX_DEPTH:
                continue
            bound = _bound_params(call, callee, carries)
            if bound:
                inner = self._exchange(target, callee, bound, frozenset(), depth + 1)
                if inner:
                    return inner if inner.startswith("`") else f"`{ir.show(f, 60)}`: {inner}"
        return ""

    def _library_method(self, f: ir.Expr, ctx: Ctx) -> str:
        """`auth_flow.finish` of `auth_flow = DropboxOAuth2Flow(...)`: the library class's method, by name."""
        if not isinstance(f, ir.Attr):
            return ""
        owner = self.index.resolve(f.value, ctx)
        if isinstance(owner, InstanceV) and isinstance(owner.cls, ExternalV):
            return f"{owner.cls.qualname}.{f.attr}"
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

    def _answers_constant(self, fv: FuncV, func: Func) -> bool:
        """Every `return` of the handler is a value written in the code (`HTMLResponse(PAGE)`, a message): it
        hands the caller nothing the exchange got."""
        ctx = Ctx(fv.module, func.qualname)
        return bool(func.returns) and all(ret.value is not None and constant(ret.value, self.calls, ctx, func)
                                          for ret in func.returns)


def _query_read(expr: ir.Expr, requests: frozenset[str]) -> bool:
    """`request.query_params.get("code")` / `request.query_params["code"]`."""
    found = ir.keyed(expr)
    if found is None:
        return False
    base, key = found
    return isinstance(base, ir.Attr) and base.attr == "query_params" and isinstance(base.value, ir.Name) and \
        base.value.id in requests and isinstance(key, ir.Str) and key.value.lower() in CODE_PARAMS


def _whole_response(expr: object, requests: frozenset[str]) -> bool:
    """`request.url`, `request.query_params`: the redirect the provider sent, whole."""
    return isinstance(expr, ir.Attr) and expr.attr in RESPONSE_PARTS and isinstance(expr.value, ir.Name) and \
        expr.value.id in requests


def _response_reads(expr: object, requests: frozenset[str], depth: int = 0) -> list[ir.Expr]:
    """The reads of the authorization response from the request inside `expr` (a list of expressions too): the
    code (`request.query_params.get("code")`) or the whole redirect (`request.url`, `request.query_params`, also
    converted: `str(request.url)`); a part of it (`request.url.path`, `request.query_params.get("state")`)
    is none."""
    if not requests or depth > 30 or expr is None or not isinstance(expr, (tuple, list, *_EXPRS, ir.Name)):
        return []
    if isinstance(expr, (tuple, list)):
        return [r for item in expr for r in _response_reads(item, requests, depth + 1)]
    if _query_read(expr, requests) or _whole_response(expr, requests):
        return [expr]
    if isinstance(expr, ir.Call) and isinstance(expr.func, ir.Name) and expr.func.id in WHOLE_CONVERSIONS and \
            len(expr.args) == 1 and _whole_response(expr.args[0], requests):
        return [expr]
    if isinstance(expr, ir.Attr) and _whole_response(expr.value, requests):
        return []  # `request.url.path`, `request.query_params.get`: a part, not the response
    if isinstance(expr, ir.Sub) and _whole_response(expr.value, requests):
        return _response_reads(list(expr.index), requests, depth + 1)
    return [r for part in ir.children(expr) for r in _response_reads(part, requests, depth + 1)]


def _dict_exchanges(expr: ir.DictE, carries: Callable[[object], bool]) -> bool:
    """`{"code": code, "client_secret": ..., ...}`: the code as a parameter of a token request."""
    keys = {k.value: v for k, v in expr.items if isinstance(k, ir.Str)}
    carried = [k for k, v in keys.items() if k in CODE_PARAMS and carries(v)]
    return bool(carried) and bool(set(keys) & TOKEN_REQUEST_PARTNERS)


def _url_exchanges(expr: ir.FStr, carries: Callable[[object], bool]) -> bool:
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
                carries(parts[i + 1]):
            tail = part.replace("?", "&").rsplit("&", 1)[-1][:-1]
            carried = carried or tail in CODE_PARAMS
    return carried and bool(names & TOKEN_REQUEST_PARTNERS)


def _bound_params(call: ir.Call, callee: Func, carries: Callable[[object], bool]) -> frozenset[str]:
    """The parameters of `callee` that receive a value made from the code in `call` (positional arguments in
    order, after `self` / `cls` of a method called on an object; keyword arguments by name)."""
    params = [p for p in callee.params if p.kind in ("posonly", "pos")]
    if params and callee.class_name and params[0].name in ("self", "cls") and isinstance(call.func, ir.Attr):
        params = params[1:]
    out: set[str] = set()
    for i, arg in enumerate(call.args):
        if isinstance(arg, ir.Star):
            break
        if i < len(params) and carries(arg):
            out.add(params[i].name)
    names = {p.name for p in callee.params}
    out.update(k for k, v in call.kwargs if k in names and carries(v))
    return frozenset(out)
