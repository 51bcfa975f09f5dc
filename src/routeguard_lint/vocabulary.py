"""The vocabulary every stage shares: FastAPI's names (the classes that make apps and routers, the route
decorators, the dependency and parameter markers), which names denote a credential, which classes are
security schemes, which library calls verify one. Every stage that asks "is this a credential?" asks here, so
the answer is the same everywhere (the route table building credential sources, the missing-credential walk,
the credential taint analysis of the rules, RG003's query parameters). Plain names and patterns: this module
imports nothing from the pipeline, so any stage can read it.

Names are compared case-insensitively; in header names `_` and `-` are the same (FastAPI converts a
`Header()` parameter's underscores to hyphens, and proxies treat them alike).
"""

from __future__ import annotations

import re
from enum import Enum


class Source(str, Enum):
    """Where a request carries a value FastAPI (or the code) reads."""

    HEADER = "headers"
    COOKIE = "cookies"
    QUERY = "query"
    SESSION = "session"  # Starlette's SessionMiddleware: a signed cookie the server itself set


# Header names that carry a credential: the usual names, `x-<anything>-<credential word>`, and a vendor's name
# for its key or token without the `x-` (`unstructured-api-key`, `openai-api-key`, `service-auth-token`; a bare
# `-key` ending only with `x-`: `idempotency-key` is no credential).
CREDENTIAL_HEADERS = re.compile(
    r"^(authorization|proxy-authorization|x-api-key|api-key|apikey|x-apikey|x-token|x-auth-token|x-access-token|"
    r"token|access-token|x-auth|x-authorization|x-api-token|api-token|x-session-token|x-key|x-secret|"
    r"password|x-password|x-.*-(token|key|secret|auth|authorization|api-key|apikey|password|passwd)|"
    r"[a-z0-9]+(-[a-z0-9]+)*-(api-key|apikey|api-token|auth-token|access-token|session-token|secret-key|"
    r"authorization|password))$")
# Cookie names that carry a credential (a session id, a token).
CREDENTIAL_COOKIES = re.compile(
    r"(session|sess|sid|token|jwt|auth|access|refresh|remember|login|credential|api[-_]?key)", re.IGNORECASE)
# ... unless the name says it carries an anti-forgery (CSRF) token: the page hands one to anyone who loads it (or
# the check compares a cookie with a header the same client sends), so it proves no identity (`X-CSRF-Token`,
# `csrftoken`, `XSRF-TOKEN`).
ANTI_FORGERY = re.compile(r"(csrf|xsrf)", re.IGNORECASE)
# Header names that carry an identity a reverse proxy or gateway in front of the app asserts after authenticating
# the user itself (forward auth: nginx `auth_request`, oauth2-proxy, Authelia, Authentik, Cloudflare Access, IAP,
# Azure App Service, Tailscale): the app takes the value as sent, so it is only as good as that proxy.
PROXY_IDENTITY_HEADERS = re.compile(
    r"^(remote-(user|role|roles|groups|email|name)|x-remote-(user|role|roles|groups|email)|"
    r"x-forwarded-(user|email|groups|preferred-username)|x-auth-request-(user|email|groups|preferred-username)|"
    r"x-webauth-(user|email|name|role|groups)|x-authentik-(username|email|groups|uid|name)|"
    r"x-authenticated-(user|userid|email|groups)|cf-access-authenticated-user-email|"
    r"x-goog-authenticated-user-(email|id)|x-ms-client-principal(-name|-id)?|tailscale-user-(login|name)|"
    r"x-pomerium-claim-[a-z0-9-]+|x-vouch-user)$")
# Query (and path) parameter names that carry a credential: `?token=`, `?api_key=`, a WebSocket ticket.
CREDENTIAL_QUERY = re.compile(
    r"(^|_)(token|access_?token|refresh_?token|id_?token|auth_?token|api_?key|apikey|api_?token|password|"
    r"passwd|pwd|secret|client_?secret|session|session_?id|sessionid|session_?token|credentials?|ticket|"
    r"ws_?ticket|auth)$",
    re.IGNORECASE)
# ... unless the name says it is something else that happens to end like one (`page_token`, `csrf_token`).
NOT_CREDENTIAL_QUERY = re.compile(r"(page|next|prev|previous|continuation|cursor|sync|pagination|csrf|max|num|"
                                  r"count|len|limit)_?(token|tokens)?$|(_count|_len|_length|_limit|_type|_name)$",
                                  re.IGNORECASE)
# The methods (or functions) of a serialiser that decode a value and encode one (`json`, `pickle`, itsdangerous'
# `URLSafeSerializer(secret)`): a query value a route decodes and whose next one it encodes with the same
# serialiser is a continuation token (`routes.query_values`).
DECODING_METHODS = frozenset({"loads"})
ENCODING_METHODS = frozenset({"dumps"})

# -- FastAPI -----------------------------------------------------------------------------------------------

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options", "trace")
APP_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends"})
SECURITY = frozenset({"fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
# Parameter types FastAPI fills with the request (or connection) itself.
REQUEST_TYPES = frozenset({"Request", "HTTPConnection", "WebSocket"})
# Parameter types FastAPI fills itself: never read from the query string.
NON_QUERY_TYPES = REQUEST_TYPES | {"Response", "BackgroundTasks", "SecurityScopes", "UploadFile"}
# The ASGI scope's items the server, Starlette and FastAPI set themselves (and the middleware Starlette ships:
# `user`/`auth`, `session`): not memos of the app's own code, whatever the project writes of them.
FRAMEWORK_SCOPE_KEYS = frozenset({
    "type", "asgi", "http_version", "spec_version", "method", "scheme", "path", "raw_path", "root_path",
    "query_string", "headers", "client", "server", "extensions", "subprotocols", "state", "app", "router",
    "route", "endpoint", "path_params", "user", "auth", "session", "fastapi_astack",
})
# fastapi's parameter functions (`x: str = Header()`), besides Depends and Security.
PARAM_FUNCS = frozenset({"Header", "Cookie", "Query", "Path", "Body", "Form", "File"})
# The URLs FastAPI serves itself, by the `FastAPI(...)` argument that sets them, with their defaults.
APP_URL_DEFAULTS = {"openapi_url": "/openapi.json", "docs_url": "/docs", "redoc_url": "/redoc",
                    "swagger_ui_oauth2_redirect_url": "/docs/oauth2-redirect"}

# A function whose name says it authenticates or authorises.
AUTH_NAME = re.compile(r"(auth|verif|current_?(active_?)?(super_?)?user|permission|login|guard|requir|"
                       r"admin_only|only_admin|check_(token|user|key|access|api)|access_control|protect)",
                       re.IGNORECASE)


def last_name(qualname: str | None) -> str:
    """The last part of a dotted name ("" for None)."""
    return qualname.rsplit(".", 1)[-1] if qualname else ""


def is_fastapi_name(qualname: str | None, names: frozenset[str] | set[str], package: str = "fastapi") -> bool:
    """`qualname` is under `package` (or starlette) and its last part is one of `names`."""
    return qualname is not None and (qualname.startswith(package + ".") or qualname.startswith("starlette.")) \
        and last_name(qualname) in names


# -- credentials ---------------------------------------------------------------------------------------------

# fastapi.security classes (matched by their last name under fastapi./starlette.).
SCHEME_NAMES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer", "HTTPBasic", "HTTPDigest",
    "HTTPBase", "APIKeyHeader", "APIKeyCookie", "APIKeyQuery", "APIKeyBase", "OpenIdConnect", "SecurityBase",
})
# A request body that carries a user's password: what a login endpoint takes.
PASSWORD_FORMS = frozenset({"OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"})
# FastAPI's own models of a credential, by their fields: `Depends()` on one (`creds: Annotated[
# HTTPBasicCredentials, Depends()]`) makes FastAPI fill it from the request (its fields become query parameters).
CREDENTIAL_MODEL_FIELDS = {"HTTPBasicCredentials": ("username", "password")}

# Library calls that raise on a bad credential (they verify a signature or a password).
VERIFYING_CALLS = re.compile(
    r"^(jwt|jose\.jwt|jose|authlib\.jose\.jwt|authlib\.jose|itsdangerous|firebase_admin\.auth|google\.oauth2\.id_token|"
    r"passlib|jwcrypto|joserfc\.jwt|pyjwt)(\..*)?\.(decode|verify\w*|loads|verify_id_token|verify_oauth2_token|"
    r"decode_complete)$")
# Library calls that verify a webhook's signature over the body (and raise when it does not match).
SIGNATURE_CALLS = re.compile(
    r"^(stripe(\..*)?\.Webhook\.construct_event|stripe(\..*)?\.WebhookSignature\.verify_header|"
    r"svix(\..*)?\.Webhook\.verify|standardwebhooks(\..*)?\.verify|"
    r"slack_sdk\.signature\.SignatureVerifier\.is_valid(_request)?|twilio\.request_validator\.RequestValidator\.validate|"
    r"github_webhooks?(\..*)?\.verify\w*)$")
# Header names that carry a webhook's signature over the body (`Stripe-Signature`, `X-Hub-Signature-256`,
# `Svix-Signature`, `X-Slack-Signature`, `X-Signature-Ed25519`, `X-Shopify-Hmac-Sha256`); not `X-Signature-Version`.
SIGNATURE_HEADERS = re.compile(
    r"^([a-z0-9]+-)*(signature|hmac)(-(sha)?(1|256|512)|-ed25519|-v[0-9]+)?$")
# Library calls that sign a token (what a login or password-recovery endpoint hands out).
TOKEN_ISSUING_CALLS = re.compile(
    r"^((jwt|jose\.jwt|jose|authlib\.jose\.jwt|authlib\.jose|joserfc\.jwt|itsdangerous|pyjwt)(\..*)?\."
    r"(encode|dumps|sign)|secrets\.token_(urlsafe|hex|bytes))$")
# Library calls that check a password against its stored hash (passlib's and pwdlib's `verify` /
# `verify_and_update`, bcrypt's `checkpw`, argon2-cffi, werkzeug's `check_password_hash`, Django's `check_password`,
# fastapi-users' password helper) or compare two secrets in constant time: what a sign-in hands the password a
# request submits to. An instance's method is named by its class (`passlib.context.CryptContext.verify`), or by
# the library call that made it (`argon2.PasswordHasher().verify`).
PASSWORD_VERIFIERS = re.compile(
    r"^((passlib|pwdlib|fastapi_users)(\.[\w.()]*)?\.(verify|verify_and_update)|bcrypt\.checkpw|"
    r"argon2(\.[\w.()]*)?\.(verify|verify_secret)|werkzeug(\.[\w.()]*)?\.check_password_hash|"
    r"django\.contrib\.auth\.hashers\.check_password|(hmac|secrets)\.compare_digest)$")
# of those, the ones that raise on a wrong password rather than answer False (argon2-cffi's)
RAISING_PASSWORD_VERIFIERS = re.compile(r"^argon2(\.[\w.()]*)?\.(verify|verify_secret)$")
# Constant-time comparisons: comparing a credential against a secret with one of these is a check.
COMPARE_DIGEST = frozenset({"hmac.compare_digest", "secrets.compare_digest"})
# A body field that holds a token the request submits to sign in (a sign-in link's token, an identity provider's
# access or ID token, Google One Tap's `credential`, a SAML or JWT-bearer `assertion`; `idToken` in camel case).
SUBMITTED_TOKEN = re.compile(r"(?i:(^|_)(token|credentials?|assertion|jwt)$)|[a-z0-9](Token|Credentials?|Assertion)$")
# HTTP clients' request calls (requests, httpx and its clients, aiohttp's session, urllib): handed a token the
# request submits, they ask its issuer (an identity provider's token-info or profile endpoint) whether it is valid.
# An instance's method is named by its class (`httpx.AsyncClient.get`) or the call that made it.
HTTP_CLIENT_CALLS = re.compile(
    r"^(requests|httpx|aiohttp|urllib3|urllib\.request)(\.[\w.()]*)?\.(get|post|request|put|patch|head|send|"
    r"urlopen|fetch)$")
# methods of an HTTP response that raise when the server refused the request (a 4xx / 5xx status)
RAISING_RESPONSE_METHODS = frozenset({"raise_for_status"})
# methods that look a value up in a store (a mapping, an ORM query, a cache): handed a token the request submits,
# what they find (or do not) decides whether the token is one the app issued
LOOKUP_METHODS = frozenset({"get", "pop", "filter", "filter_by", "where", "find_one", "get_by", "hget", "getdel",
                            "fetch_one", "fetchrow", "fetchone", "exists", "scalar", "one_or_none", "first"})

# What turns a caller away for its rate, not its identity: 429 Too Many Requests (RFC 6585), and the names and
# messages of a rate limit's refusal (`RateLimitExceeded`, `status.HTTP_429_TOO_MANY_REQUESTS`, "Too many requests")
# Python's own exceptions that report a fault of the server (its state, its code), not an answer to the client:
# uncaught, each is a 500 Internal Server Error. Raised under tests of the server's own state (`if not
# FastAPILimiter.is_initialized(): raise RuntimeError(...)`), they say nothing about who is asking.
SERVER_FAULTS = frozenset({
    "Exception", "RuntimeError", "NotImplementedError", "AssertionError", "ValueError", "TypeError", "LookupError",
    "KeyError", "IndexError", "AttributeError", "SystemError", "OSError", "IOError", "EnvironmentError",
    "ConnectionError", "TimeoutError", "ImportError", "ModuleNotFoundError", "NameError", "RecursionError",
    "MemoryError", "ArithmeticError", "ZeroDivisionError", "UnicodeError", "BufferError", "EOFError",
})
THROTTLE_STATUS = frozenset({429})
THROTTLE_NAME = re.compile(r"rate_?limit|throttl|too_?many_?requests|HTTP_429", re.IGNORECASE)
THROTTLE_TEXT = re.compile(r"\b(rate[ _-]?limit(ed|s)?( exceeded)?|too many (requests|uploads|attempts)|throttled)\b",
                           re.IGNORECASE)


def _normal_header(name: str) -> str:
    return name.lower().replace("_", "-")


def is_credential(source: Source | str, name: str | None) -> bool:
    """Whether a value read from `source` under `name` is a credential. A session is one whatever the key
    (the server signed it); a `None` name (a computed key) is not known to be one."""
    source = Source(source)
    if source is Source.SESSION:
        return True
    if name is None:
        return False
    if source is Source.HEADER:
        return CREDENTIAL_HEADERS.match(_normal_header(name)) is not None and ANTI_FORGERY.search(name) is None
    if source is Source.COOKIE:
        return CREDENTIAL_COOKIES.search(name) is not None and ANTI_FORGERY.search(name) is None
    return CREDENTIAL_QUERY.search(name) is not None and NOT_CREDENTIAL_QUERY.search(name) is None


# The name of a setting that holds a header or cookie name (`settings.USER_SESSION_COOKIE_KEY`,
# `API_KEY_HEADER_NAME`), when its value cannot be read: the name says what the header or cookie carries.
CREDENTIAL_KEY_SETTING = re.compile(r"(session|token|auth|api_?key|apikey|jwt|credential|secret|access|refresh)",
                                    re.IGNORECASE)
# A request body field that holds a refresh token (a token refresh or logout takes it in the body).
REFRESH_TOKEN_FIELD = re.compile(r"^(refresh_token|refreshtoken|refresh)$", re.IGNORECASE)


# A file name (one segment of a path) that says the file holds a credential: an environment file, a key or
# certificate store, an SSH key, a password file, or a name with a credential word (`secrets.json`, `token.txt`).
CREDENTIAL_FILE = re.compile(r"(^\.env|\.(pem|key|p12|pfx|jks|keystore|kdbx)$|id_(rsa|dsa|ecdsa|ed25519)|htpasswd|"
                             r"netrc|pgpass|passw(or)?d|shadow|private|(^|[^a-z])keys?([^a-z]|$))", re.IGNORECASE)
# The suffixes of the files a web UI is made of (pages, scripts, styles, images, fonts, manifests).
WEB_ASSET_SUFFIXES = frozenset({".html", ".htm", ".ico", ".js", ".mjs", ".css", ".map", ".png", ".svg", ".jpg",
                                ".jpeg", ".gif", ".webp", ".avif", ".woff", ".woff2", ".ttf", ".webmanifest"})


def is_credential_file(path: str) -> bool:
    """A path with a segment whose name says the file holds a credential (see `CREDENTIAL_FILE`)."""
    return any(CREDENTIAL_FILE.search(s) or is_credential_setting(s) for s in re.split(r"[/\\]", path) if s)


def is_proxy_identity(name: str) -> bool:
    """A header whose name says a proxy in front of the app sets it to the authenticated user (or role)."""
    return PROXY_IDENTITY_HEADERS.match(_normal_header(name)) is not None


def is_credential_setting(name: str) -> bool:
    """A setting (constant) whose name says it holds the name of a credential header or cookie."""
    return CREDENTIAL_KEY_SETTING.search(name) is not None and ANTI_FORGERY.search(name) is None


def is_signature_header(name: str) -> bool:
    """A header whose name says it carries a signature of the request body (see `SIGNATURE_HEADERS`)."""
    return SIGNATURE_HEADERS.match(_normal_header(name)) is not None


def is_submitted_credential(name: str) -> bool:
    """A body field or key whose name says it holds a token the request submits to sign in (`token`,
    `access_token`, `id_token`, `credential`, `magic_token`, `assertion`); not a page or CSRF token, and not an API
    key, secret or password (a key the caller asks the app to keep is no sign-in)."""
    return SUBMITTED_TOKEN.search(name) is not None and NOT_CREDENTIAL_QUERY.search(name) is None and \
        ANTI_FORGERY.search(name) is None


def is_verifying_call(qualname: str) -> bool:
    """A library call that raises when the credential it is given is missing, forged or expired."""
    return VERIFYING_CALLS.match(qualname) is not None
