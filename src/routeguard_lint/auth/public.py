"""Routes that are public by design, recognised by what they are or do, and routes protected by a signature.

* liveness and readiness probes: a path segment `health`, `healthz`, `ready`, `readyz`, `livez`, `ping`, ...
  (sub-paths included: `/health/db`, `/health/ready`), and a path ending in `live` or `startup` beside such a
  probe (`/probe/live` where `/probe/health` is a route too: alone, those words name other things);
* well-known discovery documents (`/.well-known/openid-configuration`, `/.well-known/jwks.json`), also under
  a prefix (an issuer's path, a mounted app: RFC 8414, OpenID Connect discovery);
* FastAPI's own documentation: a handler that serves `get_openapi(...)` / `app.openapi()`, the Swagger UI or
  ReDoc page, or the Swagger OAuth2 redirect;
* logins, whatever else is on the route: a handler that takes a password (in the body, the query, or a class
  FastAPI fills from the request for it: `Annotated[HTTPBasicCredentials, Depends()]`, a model under `Depends()`)
  and issues a token or session; also, where a request without credentials reaches the handler past the optional
  credentials the route reads, a handler that checks the password the request submits against its stored hash and
  issues a token or session (auth/password_check.py);
* credential flows: a handler that takes a password in the request body (login, registration, password reset,
  `OAuth2PasswordRequestForm`, or a `password` key of `await request.json()` / `await request.form()`),
  a POST to the `tokenUrl` of an OAuth2 scheme (another method on that path is another endpoint), one that
  takes an identity (an email, a user name) and issues a token or session (password recovery, magic links), or
  one that takes a refresh token or a one-time code (`verification_code`, `otp`, ...) in the request body and
  hands it to a call (token refresh, e-mail verification: the body value is the credential it checks, whoever
  checks it); and a sign-in with a token the request submits in its body (a sign-in link's token, an identity
  provider's access or ID token), checked where the check decides whether a token or session is issued
  (auth/password_check.py, `TOKEN`);
* OAuth / OpenID Connect callbacks: a path segment `callback` (`oauth-callback`, `sso-callback`, ...), where the
  identity provider sends the browser back with an authorisation code, or, whatever the path, a handler that
  exchanges that code with the provider and signs the user in or redirects (auth/oauth_callback.py);
* sign-in starts: a handler that builds an authorization request (an OAuth / OIDC / SAML client's
  authorization API, such as authlib's `authorize_redirect`, or a URL or dict with `client_id` and
  `response_type`, `redirect_uri` or `scope`, and no token-request parameter) and returns it, as a redirect or
  in the response, and nothing else besides the request's own path and query parameters handed back as sent (a
  status code named by the framework's constants is a constant; optional
  credentials the route reads, such as a sign-in already under way, change nothing: a request without them is
  sent to sign in); an OAuth server's authorization endpoint (the handler, or a function it
  calls, takes `response_type`, `client_id` and `redirect_uri` and answers with a redirect); and a handler
  that sets a pre-authentication session cookie: one that a later step (a route whose dependencies read that
  cookie) exchanges for a session cookie or token of its own.

A webhook that verifies a signature over the request body (an HMAC computed over it and compared, with
`hmac.compare_digest`, against a header; or a signature-verifying library call such as Stripe's
`Webhook.construct_event`) rejects forged and unsigned requests: it is protected by that signature.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from routeguard_lint.auth.libraries import signature_verifier
from routeguard_lint.auth.oauth_callback import CodeExchange
from routeguard_lint.auth.password_check import TOKEN, PasswordCheck
from routeguard_lint.auth.provided import ProvidedValues, dependency_of
from routeguard_lint.auth.static_page import status_constant
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import Func
from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Ctx, ExternalV, FuncV, Index, InstanceV
from routeguard_lint.routes.model import NodeKind, ParamKind, walk
from routeguard_lint.vocabulary import (
    COMPARE_DIGEST,
    CREDENTIAL_MODEL_FIELDS,
    REFRESH_TOKEN_FIELD,
    SIGNATURE_CALLS,
    TOKEN_ISSUING_CALLS,
    last_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from routeguard_lint.routes.model import DepNode, Route

HEALTH_SEGMENTS = frozenset({"health", "healthz", "livez", "readyz", "ping", "health-check", "healthcheck",
                             "ready", "readiness", "liveness", "heartbeat", "_health", "health_check", "healthy",
                             "alive", "startupz"})
# the last segment of a liveness or start-up probe's path (`/probe/live`, `/startup`) that names other things
# too (`/matches/live`, `/companies/startup`): a probe when a health probe sits beside it, under the same path
SIBLING_PROBE_SEGMENTS = frozenset({"live", "startup"})
# methods that change state: a probe reads (Kubernetes' and load balancers' probes send GET), so a `PUT
# /task-instances/{id}/heartbeat` a worker sends to record that it is alive, or a POST to
# `/connections/{id}/health`, is an endpoint like any other
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OAUTH_SEGMENTS = frozenset({"callback", "oauth-callback", "oauth_callback", "oauth2-redirect", "auth-callback",
                            "sso-callback", "oidc-callback"})
DOCS_CALLS = frozenset({"fastapi.openapi.utils.get_openapi", "fastapi.openapi.docs.get_swagger_ui_html",
                        "fastapi.openapi.docs.get_redoc_html",
                        "fastapi.openapi.docs.get_swagger_ui_oauth2_redirect_html",
                        # Scalar's API reference page for FastAPI (scalar-fastapi; the package re-exports it)
                        "scalar_fastapi.get_scalar_api_reference",
                        "scalar_fastapi.scalar_fastapi.get_scalar_api_reference"})
PASSWORD_FIELD = re.compile(r"^(password|passwd|pwd|new_password|password1|plain_password|raw_password)$",
                            re.IGNORECASE)
REFRESH_FIELD = REFRESH_TOKEN_FIELD
# one-time codes sent to the user (e-mail verification, a sign-in or confirmation code): not a bare `code` or
# `token`, which name many other things
CODE_FIELD = re.compile(r"^(verification_code|verification_token|verify_code|verify_token|confirmation_code|"
                        r"confirmation_token|activation_code|activation_token|otp|otp_code|one_time_code|"
                        r"one_time_password|email_code|email_token|email_verification_token)$", re.IGNORECASE)
# a body value named only `token` or `code`: a one-time credential when the handler keeps only its digest
ISSUED_FIELD = re.compile(r"^(token|code)$", re.IGNORECASE)
# the modules whose functions make a digest of a value (a one-time token's, to look it up by)
DIGEST_MODULES = ("hashlib.", "hmac.")
IDENTITY_FIELD = re.compile(r"^(email|e_mail|username|user_name|login|phone|email_address)$", re.IGNORECASE)
MAX_CALL_DEPTH = 4
# key-derivation functions that hash a password with a salt
PASSWORD_HASHES = frozenset({"hashlib.pbkdf2_hmac", "hashlib.scrypt", "bcrypt.hashpw", "bcrypt.kdf"})
# the authorization-request APIs of OAuth / OpenID Connect / SAML clients (authlib, httpx-oauth, fastapi-sso,
# requests-oauthlib, MSAL, pysaml2, fief-client's `auth_url`): each builds the URL that sends the browser to the
# identity provider
AUTHORIZE_METHODS = frozenset({"authorize_redirect", "create_authorization_url", "authorization_url",
                               "get_authorization_url", "get_authorize_url", "get_login_redirect",
                               "get_authorization_request_url", "initiate_auth_code_flow",
                               "prepare_for_authenticate", "auth_url"})
# the parameters of an OAuth 2.0 authorization request (RFC 6749 4.1.1): `client_id` with one of the others; a
# token request (`client_secret`, `code`, `grant_type`) is the server-to-server exchange, not a redirect
AUTHORIZE_PARAMS = frozenset({"response_type", "redirect_uri", "scope"})
# library calls that return a sign-in request to send the browser to, whose method names alone say too little
# (python3-saml's `login()` builds the SAML AuthnRequest and returns the identity provider's SSO URL with it)
AUTHORIZE_CALLS = frozenset({"onelogin.saml2.auth.OneLogin_Saml2_Auth.login"})
_AUTHORIZE_CALL_NAMES = frozenset(name.rpartition(".")[2] for name in AUTHORIZE_CALLS)
# a CAS login request (CAS protocol 2.1): the CAS server's `/login` with the `service` to come back to
CAS_LOGIN = re.compile(r"/login\?(?:[^#]*&)?service=")
TOKEN_REQUEST_PARAMS = frozenset({"client_secret", "grant_type", "code"})
AUTHORIZATION_ENDPOINT_PARAMS = frozenset({"response_type", "client_id", "redirect_uri"})
REDIRECTS = frozenset({"starlette.responses.RedirectResponse", "fastapi.responses.RedirectResponse"})


def how_read(method: str) -> str:
    return f"`await request.{method}()`"


def _body_keys(root: DepNode) -> list[tuple[str, str]]:
    """The keys a handler reads from the request body it parses itself (`data = await request.json()`, then
    `data.get("password")` or `data["password"]`; `form = await request.form()`): (key, "json" / "form")."""
    func = root.func
    if func is None:
        return []
    requests = {s.param.name for s in root.params if s.kind is ParamKind.REQUEST}
    bodies: dict[str, str] = {}
    for bind in func.binds:
        value = bind.value
        if isinstance(value, ir.Call) and isinstance(value.func, ir.Attr) and value.func.attr in ("json", "form") \
                and isinstance(value.func.value, ir.Name) and value.func.value.id in requests and not value.args:
            bodies[bind.name] = value.func.attr
    if not bodies:
        return []
    out: list[tuple[str, str]] = []
    for call in func.calls:
        f = call.func
        if isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Name) and f.value.id in bodies \
                and call.args and isinstance(call.args[0], ir.Str):
            out.append((call.args[0].value, bodies[f.value.id]))
    exprs: list[object] = [*func.calls, *(r.value for r in func.returns), *(b.value for b in func.binds)]
    for sites in (func.returns, func.raises, func.binds, func.effects):
        exprs.extend(site.conditions for site in sites)
    for value in _subscripts(exprs):
        if isinstance(value.value, ir.Name) and value.value.id in bodies and len(value.index) == 1 and \
                isinstance(value.index[0], ir.Str):
            out.append((value.index[0].value, bodies[value.value.id]))
    return out


def _names(expr: ir.Expr, depth: int = 0) -> set[str]:
    """The names read inside an expression."""
    if isinstance(expr, ir.Name):
        return {expr.id}
    if depth > 40:
        return set()
    out: set[str] = set()
    for child in ir.children(expr):
        out |= _names(child, depth + 1)
    return out


def _subscripts(expr: object, depth: int = 0) -> list[ir.Sub]:
    """The subscriptions (`data["password"]`) inside expressions."""
    if depth > 30 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return []
    if isinstance(expr, (tuple, list)):
        return [s for item in expr for s in _subscripts(item, depth + 1)]
    out = [expr] if isinstance(expr, ir.Sub) else []
    for slot in getattr(expr, "__slots__", ()):
        out.extend(_subscripts(getattr(expr, slot, None), depth + 1))
    return out


def _mentions(expr: object, direct: set[str], models: set[str], field: str, depth: int = 0) -> bool:
    """`expr` is, or holds, the body value: a parameter of `direct` (or an attribute of it: `token.strip()`), a
    model parameter of `models` handed whole, or its attribute `field` (`body.refresh_token`)."""
    if depth > 30 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return False
    if isinstance(expr, (tuple, list)):
        return any(_mentions(item, direct, models, field, depth + 1) for item in expr)
    if isinstance(expr, ir.Name):
        return expr.id in direct or expr.id in models
    if isinstance(expr, ir.Attr) and isinstance(expr.value, ir.Name):
        return expr.value.id in direct or (expr.value.id in models and expr.attr == field)
    return any(_mentions(getattr(expr, slot, None), direct, models, field, depth + 1)
               for slot in getattr(expr, "__slots__", ()))


def _digest(target: object) -> bool:
    """A library call that makes a digest (`hashlib.sha256`, `hmac.new`), not one that hashes a password with a
    salt (a sign-up's `hashlib.pbkdf2_hmac`)."""
    return isinstance(target, ExternalV) and target.qualname.startswith(DIGEST_MODULES) and \
        target.qualname not in PASSWORD_HASHES


def _nodes(expr: object, depth: int = 0) -> list[object]:
    """Every ir node inside `expr` (a list of expressions)."""
    if depth > 30 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return []
    if isinstance(expr, (tuple, list)):
        return [n for item in expr for n in _nodes(item, depth + 1)]
    out: list[object] = [expr]
    for slot in getattr(expr, "__slots__", ()):
        out.extend(_nodes(getattr(expr, slot, None), depth + 1))
    return out


def _cas_login(expr: ir.Str | ir.FStr) -> bool:
    """A CAS login request: a URL to the CAS server's `/login` with the `service` to return to."""
    text = expr.value if isinstance(expr, ir.Str) else "".join(p for p in expr.parts if isinstance(p, str))
    return CAS_LOGIN.search(text) is not None


def _query_authorizes(expr: ir.Str | ir.FStr) -> bool:
    """A URL whose query carries an authorization request: `client_id=` with `response_type=`,
    `redirect_uri=` or `scope=`, and no token-request parameter."""
    text = expr.value if isinstance(expr, ir.Str) else "".join(p for p in expr.parts if isinstance(p, str))
    if "?" not in text and not isinstance(expr, ir.FStr):
        return False
    names = set(re.findall(r"[?&]([A-Za-z_]+)=", text))
    return "client_id" in names and bool(names & AUTHORIZE_PARAMS) and not names & TOKEN_REQUEST_PARAMS


def _dict_authorizes(expr: ir.DictE) -> bool:
    """A dict of authorization-request parameters (to be URL-encoded): `client_id` with `response_type`,
    `redirect_uri` or `scope`, and no token-request parameter."""
    keys = {k.value for k, _v in expr.items if isinstance(k, ir.Str)}
    return "client_id" in keys and bool(keys & AUTHORIZE_PARAMS) and not keys & TOKEN_REQUEST_PARAMS


def _holds(expr: object, derived: set[str], marks: dict[object, str], depth: int = 0) -> bool:
    """`expr` holds an authorization request (a marked expression) or a name bound to one."""
    if depth > 30 or expr is None or isinstance(expr, (str, int, float, bool, bytes)):
        return False
    if isinstance(expr, (tuple, list)):
        return any(_holds(item, derived, marks, depth + 1) for item in expr)
    if expr in marks or (isinstance(expr, ir.Name) and expr.id in derived):
        return True
    return any(_holds(getattr(expr, slot, None), derived, marks, depth + 1) for slot in getattr(expr, "__slots__", ()))


def _only_from(expr: ir.Expr, derived: set[str], marks: dict[object, str],
               constant: Callable[[ir.Expr], bool] | None = None) -> bool:
    """`expr` carries the authorization request and nothing the handler read or computed besides constants (a
    literal, or what `constant` says is one: `status.HTTP_302_FOUND`): `RedirectResponse(url)`,
    `Message(message=url)`, `{"authorization_url": url}`, the request itself."""
    if expr in marks or (isinstance(expr, ir.Name) and expr.id in derived):
        return True
    if isinstance(expr, (ir.Str, ir.Const)) or (constant is not None and constant(expr)):
        return True
    if isinstance(expr, ir.FStr):
        return all(isinstance(p, str) or _only_from(p, derived, marks, constant) for p in expr.parts) and \
            _holds(expr, derived, marks)
    if isinstance(expr, ir.DictE):
        return all(k is not None and _only_from(v, derived, marks, constant) for k, v in expr.items) and \
            _holds(expr, derived, marks)
    if isinstance(expr, ir.Call):
        args = [*expr.args, *(v for k, v in expr.kwargs if k != "**")]
        return len(args) == len(expr.args) + len(expr.kwargs) and \
            all(_only_from(a, derived, marks, constant) for a in args) and _holds(args, derived, marks)
    return False


def _picked_by_unknown(func: Func, derived: set[str], marks: dict[object, str]) -> set[str]:
    """The local names bound to what code the facts keep as unknown picks from the authorization request
    (`redirect_url = next(v for k, v in headers if k == "Location")`): the name bound to a value made of unknown
    code and constants alone, when the last name bound before it to a value holding the request (`headers`) is
    read by nothing the analysis sees (no call, binding, return, raise or test): only the unknown code reads it.
    Empty when that name is read by code the analysis sees (the unknown code need not be what carries it)."""
    read: set[str] = set()
    exprs: list[object] = [*func.calls, *(r.value for r in func.returns), *(b.value for b in func.binds),
                           *(e.call for e in func.effects), *(r.exc for r in func.raises)]
    for sites in (func.returns, func.raises, func.binds, func.effects):
        exprs.extend(site.conditions for site in sites)
    for node in _nodes(exprs):
        if isinstance(node, ir.Name):
            read.add(node.id)
    picked: set[str] = set()
    for bind in func.binds:
        if bind.name in derived or not _unknown_only(bind.value):
            continue
        holder = max((b for b in func.binds if b.name in derived and b.line <= bind.line and b is not bind),
                     key=lambda b: b.line, default=None)
        if holder is not None and holder.name not in read:
            picked.add(bind.name)
    return picked


def _unknown_only(expr: ir.Expr) -> bool:
    """`expr` is code the facts keep as unknown (`<GeneratorExp>`), or a call of it (`next(<...>)`), with
    constants besides: nothing the handler read or computed."""
    if isinstance(expr, ir.Unknown):
        return True
    if isinstance(expr, ir.Call):
        args = [*expr.args, *(v for k, v in expr.kwargs if k != "**")]
        return len(args) == len(expr.args) + len(expr.kwargs) and any(_unknown_only(a) for a in args) and \
            all(_unknown_only(a) or isinstance(a, (ir.Str, ir.Const)) for a in args)
    return False


def _segments(path: str) -> list[str]:
    """The literal segments of a route's path, lower-cased. A path the analysis could not compute is shown as
    its source text (`f'{ISSUER}/health'`): its quotes are not part of a segment, and a segment holding an
    unknown value (`{ISSUER}`, a path parameter) is left out."""
    return [s.strip("'\"").lower() for s in path.split("/") if s.strip("'\"") and "{" not in s]


def _parent(path: str) -> str:
    """The path a route's path is under (`/probe` of `/probe/live/`), lower-cased."""
    return path.rstrip("/").rsplit("/", 1)[0].lower()


class Public:
    def __init__(self, index: Index, calls: Calls, routes: Sequence[Route] = ()) -> None:
        self.index = index
        self.calls = calls
        self.routes = routes
        # function -> (the cookie keys it sets, itself or in what it calls; whether it signs a token)
        self._issued: dict[FuncV, tuple[frozenset[str], bool]] = {}
        self._cookie_reads: dict[FuncV, frozenset[str]] = {}
        # cookie key -> the routes whose dependencies read that cookie (computed once, when first asked)
        self._readers: dict[str, list[Route]] | None = None
        self.provided = ProvidedValues(index)
        self._issues: dict[FuncV, bool] = {}
        # (function, call depth, whether its caller can reject) -> `_signature_check`'s answer, kept only when
        # no function was skipped as already visited below it (so it is the same from any route)
        self._signatures: dict[tuple[FuncV, int, bool], str | None] = {}
        self._authorizes: dict[FuncV, bool] = {}
        self._endpoints: dict[FuncV, str | None] = {}
        self._visited_skips = 0
        # (id of a call, where it is read) -> (the call, `_library_name`'s answer): each route's walk asks again
        self._library_names: dict[tuple[int, Ctx], tuple[ir.Call, str | None]] = {}
        self.exchange = CodeExchange(index, calls)
        self.password = PasswordCheck(index, calls, self._library_name, PASSWORD_FIELD)
        # handler -> the health segment of a path it is registered on (computed once, when first asked)
        self._probes: dict[FuncV, str] | None = None
        self._probe_parents: dict[str, str] | None = None

    # -- public by design ------------------------------------------------------------------------------
    def reason(self, route: Route, token_urls: tuple[str, ...] | list[str]) -> str | None:
        """Public whatever else is on the route: a login endpoint, a probe, the API docs."""
        path = route.full_path
        norm = "/" + path.strip("/")
        # a token request is a POST (RFC 6749, 3.2); another method on the same path is another endpoint
        if "POST" in route.methods:
            for url in token_urls:
                if url is not None and norm == "/" + url.strip("/"):
                    return "login endpoint (the tokenUrl of an OAuth2 scheme)"
        root = route.root
        if root is not None:
            login = self._sign_in(root)
            if login is not None:
                return login
        segments = _segments(path)
        reads = not CHANGING_METHODS.intersection(route.methods)
        health = [s for s in segments if s in HEALTH_SEGMENTS] if reads else []
        if health:
            return f"liveness/readiness endpoint (/{health[0]})"
        beside = self._beside_probe(route.full_path) if reads else None
        if beside is not None:
            return f"liveness/readiness endpoint (/{segments[-1]}, beside the probe {beside})"
        probe = self._probe_handler(route) if reads else None
        if probe is not None:
            return f"liveness/readiness endpoint: its handler also serves {probe}"
        if ".well-known" in segments:  # under an issuer's or a mounted app's prefix too (RFC 8414, OIDC discovery)
            return "well-known discovery document (RFC 8615: /.well-known/...)"
        if root is not None and root.func is not None and root.func_module is not None and \
                self._serves_docs(FuncV(root.func_module, root.func.qualname), 0, set()):
            return "API documentation (FastAPI's OpenAPI schema / docs page)"
        if root is not None and root.func is not None and root.func_module is not None:
            endpoint = self._authorization_endpoint(FuncV(root.func_module, root.func.qualname))
            if endpoint is not None:
                return f"OAuth authorization endpoint: {endpoint} takes an authorization request " \
                       f"(response_type, client_id, redirect_uri) and answers with a redirect"
        return None

    def _sign_in(self, root: DepNode) -> str | None:
        """A login endpoint by what its handler takes or does."""
        if any(source.kind is ParamKind.PASSWORD_FORM for source in root.params) or \
                any(child.password_form for child, _via in root.children):
            return "login endpoint (takes OAuth2PasswordRequestForm)"
        return self._login(root)

    def _probe_handler(self, route: Route) -> str | None:
        """The health path (`/healthcheck`) the route's handler is also registered on (`@app.get("/healthcheck")`
        stacked on `@app.get("/")`): the same probe, whatever the other paths say."""
        handler = route.decl.handler
        if handler is None:
            return None
        return self._probe_paths()[0].get(handler)

    def _probe_paths(self) -> tuple[dict[FuncV, str], dict[str, str]]:
        """The health path each probe handler is registered on, and the parent paths whose last segment is a
        health segment (`/probe` of `/probe/health`) -> that probe's path (computed once, when first asked)."""
        if self._probes is None or self._probe_parents is None:
            self._probes, self._probe_parents = {}, {}
            for other in self.routes:
                segments = _segments(other.full_path)
                found = [s for s in segments if s in HEALTH_SEGMENTS]
                if found and other.decl.handler is not None and not CHANGING_METHODS.intersection(other.methods):
                    self._probes.setdefault(other.decl.handler, other.full_path)
                if segments and segments[-1] in HEALTH_SEGMENTS:
                    self._probe_parents.setdefault(_parent(other.full_path), other.full_path)
        return self._probes, self._probe_parents

    def _beside_probe(self, path: str) -> str | None:
        """The health probe beside a path whose last segment names a probe only among probes (`/probe/live`
        beside `/probe/health`), or None."""
        segments = _segments(path)
        if not segments or segments[-1] not in SIBLING_PROBE_SEGMENTS or \
                path.rstrip("/").rsplit("/", 1)[-1].lower() != segments[-1]:
            return None
        return self._probe_paths()[1].get(_parent(path))

    def flow_reason(self, route: Route) -> str | None:
        """Public when nothing on the route reads a credential: a credential flow (login, registration,
        password reset or recovery) or an OAuth / OpenID Connect step."""
        root = route.root
        segments = _segments(route.full_path)
        if root is not None and root.func is not None and root.func_module is not None:
            fv = FuncV(root.func_module, root.func.qualname)
            inputs = self._inputs(root)
            password = next((name for name, where in inputs if where == "body" and PASSWORD_FIELD.match(name)), None)
            if password is not None:
                return f"credential flow (login, registration or password reset): takes '{password}' in the " \
                       f"request body"
            read = next(((key, how) for key, how in _body_keys(root) if PASSWORD_FIELD.match(key)), None)
            if read is not None:
                return f"credential flow (login, registration or password reset): reads '{read[0]}' from the " \
                       f"request body ({how_read(read[1])})"
            identity = next((f"'{name}' ({where})" for name, where in inputs if IDENTITY_FIELD.match(name)), None)
            if identity is not None and self.issues_token(fv):
                return f"credential flow (password recovery or sign-in link): takes {identity} and issues a token"
            token = self._body_token_flow(root, inputs)
            if token is not None:
                return token
            signed = self.password.submitted_sign_in(root, self.issues_token, TOKEN) or \
                self.password.verification(root)
            if signed is not None:
                return signed
        oauth = [s for s in segments if s in OAUTH_SEGMENTS]
        if oauth:
            return f"OAuth / OpenID Connect callback (/{oauth[0]})"
        if root is not None:
            callback = self.exchange.callback(root, self.issues_token)
            if callback is not None:
                return callback
        start = self.sign_in_start(route)
        if start is not None:
            return start
        if root is not None and root.func is not None and root.func_module is not None:
            step = self._presession(route, FuncV(root.func_module, root.func.qualname))
            if step is not None:
                return step
        return None

    def _body_token_flow(self, root: DepNode, inputs: list[tuple[str, str]]) -> str | None:
        """A refresh token or a one-time code in the body is the credential the flow checks: the handler must
        hand it on (to the lookup or verification); one it never reads checks nothing. A bare `token` or `code`
        names many things; one the handler keeps only the digest of, looks up by it and rejects the request over
        is a secret the server issued (an e-mail verification or reset token)."""
        for name, where in inputs:
            if where != "body" or not (REFRESH_FIELD.match(name) or CODE_FIELD.match(name)):
                continue
            handed = self._handed(root, name)
            if handed is None:
                continue
            flow = "token refresh" if REFRESH_FIELD.match(name) else "e-mail verification or one-time code"
            return f"credential flow ({flow}): takes '{name}' in the request body and hands it to `{handed}`"
        for name, where in inputs if root.rejects else ():
            if where != "body" or not ISSUED_FIELD.match(name):
                continue
            hashed = self._hashed(root, name)
            if hashed is not None:
                return f"credential flow (e-mail verification or one-time token): takes '{name}' in the request " \
                       f"body and looks it up by its digest (`{hashed}`)"
        return None

    def sign_in_start(self, route: Route) -> str | None:
        """The handler starts a sign-in: every return is the authorization request it builds (a redirect to the
        identity provider or to the server's own login page, or that URL in a response) and nothing else. What a
        request without credentials meets there is a login page, whatever optional credentials the route reads
        (a sign-in already under way)."""
        root = route.root
        if root is None or root.func is None or root.func_module is None:
            return None
        # the path and query parameters the request itself supplies: echoing them back (`provider=provider`)
        # serves nothing the app holds
        echoed = frozenset(s.param.name for s in root.params
                           if s.kind in (ParamKind.PATH, ParamKind.QUERY, ParamKind.EXPLICIT_QUERY))
        start = self._authorization_start(FuncV(root.func_module, root.func.qualname), echoed)
        if start is None:
            return None
        return f"sign-in start: sends the browser to the identity provider ({start}) and returns nothing else"

    def password_sign_in(self, route: Route) -> str | None:
        """The handler checks the password the request submits and issues a token or session
        (auth/password_check.py): a request without credentials that reaches it meets that check, whatever
        optional credentials the route reads (a session the sign-in replaces)."""
        root = route.root
        if root is None:
            return None
        return self.password.sign_in(root, self.issues_token)

    def _login(self, root: DepNode) -> str | None:
        """A login by what it does: the handler takes a password (in the body, the query, or a class FastAPI
        fills from the request for it) and issues a token or starts a session. Public whatever else is on the
        route: a request without credentials is what a login is for."""
        if root.func is None or root.func_module is None or self._identifies(root):
            return None
        taken = [(name, f"in the {where}") for name, where in self._inputs(root) if where != "path"]
        taken += [(name, f"in {how_read(how)}") for name, how in _body_keys(root)]
        taken += self._dependency_fields(root)
        password = next(((name, where) for name, where in taken if PASSWORD_FIELD.match(name)), None)
        if password is None or not self.issues_token(FuncV(root.func_module, root.func.qualname)):
            return None
        return f"credential flow (login or sign-up): takes '{password[0]}' ({password[1]}) and issues a token or " \
               f"session"

    def _identifies(self, root: DepNode) -> bool:
        """A dependency of the route reads a credential or an identity a proxy set (a role check on `remote-role`,
        a session cookie): the route serves someone already identified (a password change that re-issues the
        session), not a sign-in."""
        for node in walk(root):
            if node is root:
                continue
            if node.credential:
                return True
            if node.func is not None and node.func_module is not None:
                fv = FuncV(node.func_module, node.func.qualname)
                if self.calls.identity_headers(fv) or self.calls.reads_request(fv):
                    return True
        return False

    def _dependency_fields(self, root: DepNode) -> list[tuple[str, str]]:
        """(name, where) of what the classes the handler depends on take from the request: FastAPI calls the
        class with the request's values (`form: LoginForm = Depends()`; `Annotated[HTTPBasicCredentials,
        Depends()]`), so a model's fields, or its `__init__`'s parameters, are the route's parameters."""
        out: list[tuple[str, str]] = []
        for child, _via in root.children:
            where = f"a field of {child.label}, a dependency FastAPI fills from the request"
            if child.kind is NodeKind.CLASS and child.func is not None:
                out.extend((source.param.name, where) for source in child.params
                           if source.kind in (ParamKind.BODY, ParamKind.FORM, ParamKind.QUERY,
                                              ParamKind.EXPLICIT_QUERY))
            elif child.kind is NodeKind.CLASS and child.cls is not None:
                for owner in self.index.mro(child.cls):
                    cdef = self.index.cls(owner)
                    if cdef is not None:
                        out.extend((name, where) for name in cdef.annotations)
            elif child.kind is NodeKind.FASTAPI and child.qualname is not None:
                out.extend((name, where) for name in CREDENTIAL_MODEL_FIELDS.get(last_name(child.qualname), ()))
        return out

    def _handed(self, root: DepNode, name: str) -> str | None:
        """The call the handler hands the body value `name` to (as an argument, or the body model holding it),
        directly or through the locals bound from it: `service.refresh(refresh_token=body.refresh_token)`,
        `TOKENS.pop(token)`, `token = body.refresh_token` then `Refresh(refresh_token=token or "")`; None when it
        never does."""
        calls = self._handing(root, name)
        return ir.show(calls[0].func, 60) if calls else None

    def _hashed(self, root: DepNode, name: str) -> str | None:
        """The call that hashes the body value `name` (see `_handing`): a `hashlib` / `hmac` digest of it, or a
        project function that makes one of its argument (`_hash_token(body.token)`); None when none does. A value
        the server keeps only the digest of and looks up by it is a secret it issued, whatever its name."""
        func = root.func
        if func is None or root.func_module is None:
            return None
        ctx = Ctx(root.func_module, func.qualname)
        for call in self._handing(root, name):
            target = self.calls.callee(call, ctx, func)
            if _digest(target) or (isinstance(target, FuncV) and self._digests(target)):
                return ir.show(call.func, 60)
        return None

    def _digests(self, fv: FuncV) -> bool:
        """A project function that makes a digest (`return hashlib.sha256(token.encode()).hexdigest()`)."""
        func = self.index.func(fv)
        if func is None:
            return False
        ctx = Ctx(fv.module, func.qualname)
        return any(_digest(self.calls.callee(call, ctx, func)) for call in func.calls)

    def _handing(self, root: DepNode, name: str) -> list[ir.Call]:
        """The handler's calls that take the body value `name` (a body parameter, or the field of a body model
        parameter), directly or through the locals bound from it, in source order."""
        func = root.func
        if func is None or root.func_module is None:
            return []
        ctx = Ctx(root.func_module, func.qualname)
        direct: set[str] = set()
        models: set[str] = set()
        for source in root.params:
            if source.kind not in (ParamKind.BODY, ParamKind.FORM):
                continue
            param = source.param.name
            if param == name:
                direct.add(param)
            elif name in self.index.model_fields(source.param.annotation, ctx):
                models.add(param)
        if not direct and not models:
            return []
        for bind in func.binds:  # in source order: a local bound from the value holds it (`token = body.token`)
            if _mentions(bind.value, direct, models, name):
                direct.add(bind.name)
        return [call for call in func.calls
                if any(_mentions(arg, direct, models, name) for arg in (*call.args, *(v for _k, v in call.kwargs)))]

    # -- OAuth / SSO sign-in starts -----------------------------------------------------------------------
    def _authorization_start(self, fv: FuncV, echoed: frozenset[str] = frozenset()) -> str | None:
        """What builds the authorization request when every return of the handler is that request (a redirect
        to the identity provider, or the URL in a response) and nothing else (constants, and the request's own
        path and query parameters, `echoed`, handed back as sent): the handler starts a sign-in."""
        func = self.index.func(fv)
        if func is None or not func.returns:
            return None
        ctx = Ctx(fv.module, func.qualname)
        marks = self._authorization_marks(fv, func, ctx)
        if not marks:
            return None
        derived = self._derived(func, marks)

        assigned = {b.name for b in func.binds}

        def constant(expr: ir.Expr) -> bool:
            if isinstance(expr, ir.Name) and expr.id in echoed and expr.id not in assigned:
                return True
            return status_constant(self.index, expr, ctx)

        if all(ret.value is not None and _only_from(ret.value, derived, marks, constant) for ret in func.returns):
            return next(iter(marks.values()))
        picked = _picked_by_unknown(func, derived, marks)
        if picked and all(ret.value is not None and _only_from(ret.value, derived | picked, marks, constant)
                          for ret in func.returns):
            return f"{next(iter(marks.values()))}; the URL picked from it by code the analysis keeps as unknown"
        return None

    def _authorization_marks(self, fv: FuncV, func: Func, ctx: Ctx, depth: int = 0) -> dict[object, str]:
        """The expressions of `func` that build an authorization request: a call to an OAuth or SSO
        client's authorization API (or to a project function that returns such a request), a URL or dict of
        authorization-request parameters."""
        marks: dict[object, str] = {}
        for call in func.calls:
            target = self.calls.callee(call, ctx, func)
            if isinstance(target, FuncV):
                if target != fv and self._returns_authorization(target, depth + 1):
                    marks[call] = f"`{ir.show(call.func, 60)}`"
            elif isinstance(call.func, ir.Attr) and (call.func.attr in AUTHORIZE_METHODS or
                                                     self._library_authorize(call.func, ctx)):
                marks[call] = f"`{ir.show(call.func, 60)}`"
        for expr in _nodes([*func.calls, *(b.value for b in func.binds), *(r.value for r in func.returns)]):
            if isinstance(expr, (ir.Str, ir.FStr)) and _query_authorizes(expr):
                marks[expr] = "a URL with client_id"
            elif isinstance(expr, (ir.Str, ir.FStr)) and _cas_login(expr):
                marks[expr] = "a CAS login URL with service"
            elif isinstance(expr, ir.DictE) and _dict_authorizes(expr):
                marks[expr] = "the parameters of an authorization request"
        return marks

    def _library_authorize(self, method: ir.Attr, ctx: Ctx) -> bool:
        """`method` is a library object's method that returns a sign-in request (`AUTHORIZE_CALLS`), read on an
        object the code made (`auth = OneLogin_Saml2_Auth(req, settings)`, also returned by a project function)."""
        if method.attr not in _AUTHORIZE_CALL_NAMES:
            return False
        owner = self.index.resolve(method.value, ctx)
        return isinstance(owner, InstanceV) and isinstance(owner.cls, ExternalV) and \
            f"{owner.cls.qualname}.{method.attr}" in AUTHORIZE_CALLS

    def _returns_authorization(self, fv: FuncV, depth: int) -> bool:
        """A project function one of whose returns is an authorization request it builds."""
        if fv in self._authorizes:
            return self._authorizes[fv]
        self._authorizes[fv] = False
        func = self.index.func(fv)
        found = False
        if func is not None and depth <= MAX_CALL_DEPTH:
            ctx = Ctx(fv.module, func.qualname)
            marks = self._authorization_marks(fv, func, ctx, depth)
            if marks:
                derived = self._derived(func, marks)
                found = any(ret.value is not None and _holds(ret.value, derived, marks) for ret in func.returns)
        self._authorizes[fv] = found
        return found

    def _derived(self, func: Func, marks: dict[object, str]) -> set[str]:
        """The local names bound (in source order, loops read twice) to a value holding an authorization
        request or such a name."""
        derived: set[str] = set()
        for _round in range(2):
            for bind in func.binds:
                if bind.name not in derived and _holds(bind.value, derived, marks):
                    derived.add(bind.name)
        return derived

    def _authorization_endpoint(self, fv: FuncV) -> str | None:
        """The handler, or a project function it calls, that takes the parameters of an OAuth authorization
        request and returns a redirect: the authorization endpoint of an OAuth server (RFC 6749 3.1), which
        authenticates the user itself (a login page, a session) before it redirects back with a code."""
        if fv in self._endpoints:
            return self._endpoints[fv]
        self._endpoints[fv] = None
        func = self.index.func(fv)
        found: str | None = None
        if func is not None:
            ctx = Ctx(fv.module, func.qualname)
            candidates = [(fv, func)]
            for call in func.calls:
                target = self.calls.callee(call, ctx, func)
                callee = self.index.func(target) if isinstance(target, FuncV) and target != fv else None
                if callee is not None and isinstance(target, FuncV):
                    candidates.append((target, callee))
            for target, callee in candidates:
                if {p.name for p in callee.params} >= AUTHORIZATION_ENDPOINT_PARAMS and \
                        self._redirects(target, callee):
                    found = callee.qualname
                    break
        self._endpoints[fv] = found
        return found

    def _redirects(self, fv: FuncV, func: Func) -> bool:
        ctx = Ctx(fv.module, func.qualname)
        for ret in func.returns:
            value = ret.value
            if isinstance(value, ir.Call):
                target = self.calls.callee(value, ctx, func)
                if isinstance(target, ExternalV) and target.qualname in REDIRECTS:
                    return True
        return False

    # -- sign-in starts that open a pre-authentication session ---------------------------------------------
    def _presession(self, route: Route, fv: FuncV) -> str | None:
        """The handler sets a session cookie that a later step of the sign-in exchanges: a route whose
        dependencies read that cookie (and refuse a request without it) sets a different session cookie or
        signs a token. Such a cookie only admits its holder to the rest of the sign-in: the route that sets it
        is the start of the sign-in (it sends a code, or redirects to the identity provider), public by design."""
        keys, _token = self.issued(fv)
        for key in sorted(keys):
            for reader in self._routes_reading(key):
                if reader is route or reader.root is None or reader.root.func is None or \
                        reader.root.func_module is None:
                    continue
                later_keys, later_token = self.issued(FuncV(reader.root.func_module, reader.root.func.qualname))
                if later_token or later_keys - {key}:
                    methods = ",".join(reader.methods)
                    return f"sign-in start: sets the pre-authentication session cookie '{key}', which a later " \
                           f"step ({methods} {reader.full_path}) exchanges for a session of its own"
        return None

    def issued(self, fv: FuncV, depth: int = 0) -> tuple[frozenset[str], bool]:
        """The cookie keys `fv` sets (`response.set_cookie(key, ...)`, itself or in a project function it calls;
        a key is its string value, or its source text when it is computed at run time), and whether it signs
        a token."""
        if fv in self._issued:
            return self._issued[fv]
        self._issued[fv] = (frozenset(), False)
        func = self.index.func(fv)
        keys: set[str] = set()
        token = False
        if func is not None and depth <= MAX_CALL_DEPTH:
            ctx = Ctx(fv.module, func.qualname)
            for call in func.calls:
                target = self.calls.callee(call, ctx, func)
                if not isinstance(target, FuncV):
                    target = self._provided_method(fv, func, call) or target
                if isinstance(target, FuncV):
                    if target != fv:
                        more, signs = self.issued(target, depth + 1)
                        keys |= more
                        token = token or signs
                elif isinstance(call.func, ir.Attr) and call.func.attr == "set_cookie":
                    key = next((v for k, v in call.kwargs if k == "key"), call.args[0] if call.args else None)
                    if key is not None:
                        keys.add(self._key(key, ctx))
                elif isinstance(target, ExternalV) and TOKEN_ISSUING_CALLS.match(target.qualname):
                    token = True
        found = (frozenset(keys), token)
        self._issued[fv] = found
        return found

    def _provided_method(self, fv: FuncV, func: Func, call: ir.Call) -> FuncV | None:
        """`service.set_cookie(...)` on a `Depends(get_service)` parameter: the method of the one project class
        whose object `get_service` returns."""
        f = call.func
        if not (isinstance(f, ir.Attr) and isinstance(f.value, ir.Name)):
            return None
        dependency = dependency_of(self.index, fv, func, f.value.id)
        provided = self.provided.of(dependency) if dependency is not None else None
        if provided is None or len({choice.cls for choice in provided.choices}) != 1:
            return None
        method = self.index.class_attr(provided.choices[0].cls, f.attr)
        return method if isinstance(method, FuncV) else None

    def _key(self, expr: ir.Expr, ctx: Ctx) -> str:
        text = self.index.string(expr, ctx)
        return text.lower() if text is not None else ir.show(expr, 80)

    def _routes_reading(self, key: str) -> list[Route]:
        if self._readers is None:
            readers: dict[str, list[Route]] = {}
            for route in self.routes:
                if route.root is None:
                    continue
                found: set[str] = set()
                for node in walk(route.root):
                    if node is route.root:
                        continue
                    found.update(s.alias or s.param.name.lower() for s in node.params if s.kind is ParamKind.COOKIE)
                    if node.func is not None and node.func_module is not None:
                        found |= self._reads_cookies(FuncV(node.func_module, node.func.qualname))
                for name in found:
                    readers.setdefault(name, []).append(route)
            self._readers = readers
        return self._readers.get(key, [])

    def _reads_cookies(self, fv: FuncV) -> frozenset[str]:
        """The cookie keys a dependency reads from the request (`request.cookies.get(key)`, `[key]`)."""
        if fv in self._cookie_reads:
            return self._cookie_reads[fv]
        func = self.index.func(fv)
        keys: set[str] = set()
        if func is not None:
            ctx = Ctx(fv.module, func.qualname)
            for call in func.calls:
                f = call.func
                if isinstance(f, ir.Attr) and f.attr == "get" and isinstance(f.value, ir.Attr) and \
                        f.value.attr == "cookies" and call.args:
                    keys.add(self._key(call.args[0], ctx))
            for sub in _subscripts([*func.calls, *(b.value for b in func.binds), *(r.value for r in func.returns)]):
                if isinstance(sub.value, ir.Attr) and sub.value.attr == "cookies" and len(sub.index) == 1:
                    keys.add(self._key(sub.index[0], ctx))
        found = frozenset(keys)
        self._cookie_reads[fv] = found
        return found

    def _serves_docs(self, fv: FuncV, depth: int, seen: set[FuncV]) -> bool:
        """The handler (or what it calls) builds the OpenAPI schema or a docs page."""
        func = self.index.func(fv)
        if func is None or fv in seen or depth > 3:
            return False
        seen.add(fv)
        ctx = Ctx(fv.module, func.qualname)
        for call in func.calls:
            target = self.calls.callee(call, ctx, func)
            if isinstance(target, ExternalV) and target.qualname in DOCS_CALLS:
                return True
            if isinstance(call.func, ir.Attr) and call.func.attr == "openapi" and not call.args:
                return True
            if isinstance(target, FuncV) and self._serves_docs(target, depth + 1, seen):
                return True
        return False

    def _inputs(self, root: DepNode) -> list[tuple[str, str]]:
        """(name, where) of what the handler takes: body model fields, form and body parameters, path and query
        parameters."""
        out: list[tuple[str, str]] = []
        if root.func_module is None or root.func is None:
            return out
        ctx = Ctx(root.func_module, root.func.qualname)
        for source in root.params:
            param = source.param
            if source.kind in (ParamKind.BODY, ParamKind.FORM):
                fields = self.index.model_fields(param.annotation, ctx)
                out.extend((name, "body") for name in fields)
                out.append((param.name, "body"))
            elif source.kind in (ParamKind.QUERY, ParamKind.EXPLICIT_QUERY, ParamKind.PATH):
                out.append((param.name, source.kind.value))
        return out

    def issues_token(self, fv: FuncV, depth: int = 0) -> bool:
        """The function (or a project function it calls) signs a token or starts a session."""
        if fv in self._issues:
            return self._issues[fv]
        self._issues[fv] = False
        func = self.index.func(fv)
        found = False
        if func is not None and func.session_writes:
            found = True  # `request.session["user"] = ...`: SessionMiddleware signs it into the session cookie
        elif func is not None and depth <= MAX_CALL_DEPTH:
            ctx = Ctx(fv.module, func.qualname)
            targets = [self.calls.callee(call, ctx, func) for call in func.calls]
            # a function that hashes a password draws its salt from `secrets.token_hex()`: kept, not handed out
            hashes = any(isinstance(t, ExternalV) and t.qualname in PASSWORD_HASHES for t in targets)
            for call, target in zip(func.calls, targets, strict=True):
                if isinstance(call.func, ir.Attr) and call.func.attr == "set_cookie":
                    found = True
                    break
                if isinstance(target, ExternalV) and TOKEN_ISSUING_CALLS.match(target.qualname) and \
                        not (hashes and target.qualname.startswith("secrets.")):
                    found = True
                    break
                if isinstance(target, FuncV) and target != fv and self.issues_token(target, depth + 1):
                    found = True
                    break
        self._issues[fv] = found
        return found

    # -- signed payloads -------------------------------------------------------------------------------
    def signature(self, nodes: list[DepNode]) -> str | None:
        """`verifies a signature ... (file:line)` when a function on the route checks one and can reject."""
        for node in nodes:
            if node.func is None or node.func_module is None:
                continue
            fv = FuncV(node.func_module, node.func.qualname)
            where = self._signature_check(fv, 0, set())
            if where is not None:
                return where
        return None

    def _signature_check(self, fv: FuncV, depth: int, seen: set[FuncV], caller_rejects: bool = False) -> str | None:
        """Where `fv` (or a function it calls, arguments bound) checks a signature in a way that rejects a bad
        one: a library verifier documented to raise (or whose result the code tests), or `hmac.new` +
        `compare_digest` in a function that can reject, or that returns the comparison to a caller that can
        (`if not signature_matches(...): raise ...`)."""
        key = (fv, depth, caller_rejects)
        if key in self._signatures:
            return self._signatures[key]
        if depth > MAX_CALL_DEPTH:
            return None
        if fv in seen:
            self._visited_skips += 1
            return None
        seen.add(fv)
        skips = self._visited_skips
        found = self._signature_walk(fv, depth, seen, caller_rejects)
        if self._visited_skips == skips:
            self._signatures[key] = found
        return found

    def _signature_walk(self, fv: FuncV, depth: int, seen: set[FuncV], caller_rejects: bool) -> str | None:
        func = self.index.func(fv)
        if func is None:
            return None
        ctx = Ctx(fv.module, func.qualname)
        path = self.index.path_of(fv.module)
        hmac_made = False
        compare_line = None
        rejects = self.calls.can_reject(fv)
        for call in func.calls:
            target = self.calls.callee(call, ctx, func)
            name = target.qualname if isinstance(target, ExternalV) else ""
            if not name:
                name = self._library_name(call, ctx) or ""
            if SIGNATURE_CALLS.match(name):
                return f"verifies the payload signature with {name} ({path}:{call.line})"
            verifier = signature_verifier(name) if name else None
            if verifier is not None and (verifier.raises or rejects):
                return f"verifies the payload signature with {name} ({path}:{call.line}; {verifier.source})"
            if name in ("hmac.new", "hmac.digest", "hmac.HMAC"):
                hmac_made = True
            if name in COMPARE_DIGEST:
                compare_line = call.line
            if isinstance(target, FuncV) and target != fv:
                found = self._signature_check(target, depth + 1, seen, rejects)
                if found is not None:
                    return found
        if hmac_made and compare_line is not None and (rejects or (caller_rejects and self._returns_compare(func))):
            return f"verifies an HMAC signature over the request body with hmac.compare_digest ({path}:{compare_line})"
        return None

    def _returns_compare(self, func: Func) -> bool:
        """A `return` of the function hands its caller the result of a constant-time comparison."""
        for ret in func.returns:
            value = ret.value
            if isinstance(value, ir.Call) and (ir.dotted(value.func) or "").rsplit(".", 1)[-1] == "compare_digest":
                return True
        return False

    def _library_name(self, call: ir.Call, ctx: Ctx) -> str | None:
        """`obj.method` where `obj` is an instance of a library class (`Webhook(secret).verify`,
        `load_pem_public_key(...).verify`): the library class or factory's dotted name plus the method."""
        key = (id(call), ctx)
        known = self._library_names.get(key)
        if known is None:
            known = self._library_names[key] = (call, self._library_name_of(call, ctx))
        return known[1]

    def _library_name_of(self, call: ir.Call, ctx: Ctx) -> str | None:
        f = call.func
        if not isinstance(f, ir.Attr):
            return None
        base = self.index.resolve(f.value, ctx)
        if isinstance(base, InstanceV):
            cls = base.cls
            if isinstance(cls, ExternalV):
                return f"{cls.qualname}.{f.attr}"
            if cls is None and isinstance(base.call.func, (ir.Name, ir.Attr)):
                made_by = self.index.resolve(base.call.func, Ctx(base.module, base.scope))
                if isinstance(made_by, ExternalV):
                    return f"{made_by.qualname}().{f.attr}"
        return None
