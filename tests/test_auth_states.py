"""Route states on the auth fixtures whose point is the state itself (public / unverified / protected), which the
`# expect:` markers cannot say: a `public` or `unverified` route has no finding either way, and the auth oracle
(tests/test_auth_oracle.py) checks only `protected` / `unprotected` verdicts against FastAPI.
Each entry: fixture case -> {(method, path): (state, words its reason must contain)}."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "auth"

STATES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "context_manager_clients": {
        # `async with IdentityProvider(...) as idp:`: `idp` is what `__aenter__` returns, the provider itself
        ("GET", "/reports"): ("protected", "app.deps.api_client -> Header 'x-api-token'"),
        # `async with httpx.AsyncClient() as client:`: the client, whose `get` is the library's
        ("GET", "/profile"): ("unverified", "httpx.AsyncClient.get is library code the analysis cannot read"),
    },
    "backend_unread": {
        ("GET", "/notes"): ("unverified", "what the backend `getattr(backends, "),
        # `if not request.user.is_authenticated: raise ...` trusts the same unreadable backend
        ("GET", "/profile"): ("unverified", "what the backend `getattr(backends, "),
    },
    "user_check_backend": {
        # `if not request.user.is_authenticated: raise ...`, judged by the AuthenticationMiddleware's backend
        ("GET", "/desk/me"): ("protected", "request.user (set by AuthenticationMiddleware)"),
        ("GET", "/desk/settings"): ("protected", "app.desk.signed_in -> request.user"),
        # the backend's guest user is authenticated: the test holds for every request without credentials
        ("GET", "/guest/drafts"): ("unprotected", "`app.backends.GuestBackend.authenticate` returns an authenticated "
                                                  "user to a request without credentials (app/backends.py:42)"),
        ("GET", "/team/boards"): ("unverified", "if settings.open_access: unprotected; if not (settings.open_access): "
                                                "protected"),
        ("GET", "/profile"): ("unverified", "no AuthenticationMiddleware is seen in front of this route to set it"),
        # the backend's visitor is a project class whose `is_authenticated` property is false
        ("GET", "/visit/orders"): ("protected", "request.user (set by AuthenticationMiddleware)"),
    },
    "backend_request_tests": {
        # the backend returns credentials to requests from trusted hosts, a test of the request it cannot compute
        ("GET", "/desktop/notes"): ("unverified", "returns credentials with the scopes it requires (app/backend.py:12) "
                                                  "past a test of the request the analysis cannot compute for one "
                                                  "without credentials: `conn.client is not None and conn.client.host "
                                                  "in settings.trusted_hosts` (app/backend.py:12)"),
        ("DELETE", "/desktop/notes"): ("protected", "@requires(['authenticated', 'admin'])"),
        # ... and its user for those hosts is authenticated: the handler's `request.user.is_authenticated` test too
        ("GET", "/desktop/drafts"): ("unverified", "returns an authenticated user (app/backend.py:12) past a test of "
                                                   "the request"),
        # the session of a request without credentials is empty, `len("".split("Bearer ")) == 2` is false, and a
        # `client_id` without the Authorization header raises KeyError: no path grants it anything
        ("GET", "/chats"): ("protected", "@requires('authenticated')"),
    },
    "backend_anonymous_mode": {
        # AuthenticationMiddleware's backend returns credentials to every request when `settings.anonymous_mode`
        ("GET", "/api/chats"): ("unverified", "if settings.anonymous_mode: unprotected; if not "
                                              "(settings.anonymous_mode): protected"),
        # the scope that path does not grant
        ("DELETE", "/api/users"): ("protected", "@requires('admin')"),
    },
    "settings_chosen_object": {
        # `if settings.AUTH_ENABLED: auth = TokenAuth() else: auth = MockAuth()`: a pydantic-settings field the
        # environment sets, so its class default does not pick the object
        ("GET", "/items"): ("unverified", "if settings.AUTH_ENABLED: protected; if not settings.AUTH_ENABLED: "
                                          "unprotected"),
        ("GET", "/strict"): ("protected", "app.auth.TokenAuth.get_user"),
    },
    "library_auth0": {
        ("GET", "/me"): ("protected", "fastapi_auth0.Auth0.get_user"),
        # the object was made with `auto_error=settings.AUTH0_STRICT`, read from the environment
        ("GET", "/configured"): ("unverified", "`auto_error=settings.AUTH0_STRICT`"),
    },
    "secret_or_compare": {
        # `not SECRET or not compare_digest(...)`: true whatever SECRET is, for a missing or forged header
        ("POST", "/hooks/{account_id}"): ("protected", "request.headers['x-hook-secret-token']"),
        ("POST", "/events"): ("unverified", "`not HOOK_SECRET`"),
    },
    "csrf_middleware": {
        # the middleware refuses an unsafe request without the session cookie, hands a safe one on: which one
        # depends on the method, unknown to the middleware's one judgement for every route
        ("POST", "/admin/purge"): ("unverified", "middleware app.csrf.UnsafeNeedsSession"),
    },
    "unreached_dynamic": {
        # the token is handed to a backend chosen at run time only after `if not token: return None`
        ("POST", "/visits"): ("public", "optional authentication: app.identity.tracked_user returns None"),
        # ... here before anything looks at it: a request without credentials gets to the unreadable call
        ("POST", "/greetings"): ("unverified", "`BACKENDS[backend_name()].resolve(token)`"),
        # a request without one is refused before the call; a forged token goes to the backend, whose answer decides
        ("GET", "/account"): ("unverified", "whether one with a forged credential is rejected depends on what code "
                                            "the analysis cannot read makes of it: `BACKENDS[backend_name()].resolve("
                                            "token)` (app/identity.py:17)"),
        # a service token is compared with the configured key first: a forged one is refused before the backend
        ("GET", "/service"): ("protected", "app.identity.service_user"),
    },
    "state_memo_fresh": {
        # request.state.user is set by the dependency after authenticating and by another route's handler:
        # nothing that runs before the test on this route sets it
        ("GET", "/me"): ("protected", "app.auth.current_user"),
        # another dependency of the route reaches a writer
        ("GET", "/relay"): ("unverified", "request.state.user for app.auth.current_user"),
        # a middleware reaches a writer (through a helper): it runs before every route
        ("GET", "/members"): ("unverified", "request.state.member for app.auth.current_member"),
    },
    "config_gated_checks": {
        # the handler's check returns True `if not config.REQUIRE_AUTH`: the setting is named
        ("POST", "/chat"): ("unverified", "`not config.REQUIRE_AUTH` (app/checks.py:11) for app.main.chat"),
        # the returned 401 response refuses the request
        ("GET", "/usage"): ("protected", "app.main.usage"),
        # the middleware's helper raises only `if config.SESSION_KEY and key != config.SESSION_KEY`
        ("POST", "/sandbox/execute"): ("unverified", "middleware app.sandbox.check_session (it rejects a request "
                                                     "without credentials unless `not config.SESSION_KEY` "
                                                     "(app/checks.py:24)"),
        ("GET", "/sandbox/alive"): ("public", "liveness/readiness endpoint (/alive)"),
    },
    "websocket_close": {
        # `await ws.close(code=1008)` on a missing token, then `if token:` in the handler
        ("WEBSOCKET", "/message/ws"): ("protected", "app.auth.ws_token"),
        ("WEBSOCKET", "/ticket/ws"): ("protected", "app.auth.ws_ticket"),
        # nothing closes, but the handler serves only `if user is not None`: never accepted without a token
        ("WEBSOCKET", "/feed/ws"): ("protected", "app.main.feed -> app.auth.maybe_user"),
        ("WEBSOCKET", "/lobby/ws"): ("unprotected", "lets a request without one through"),
        ("WEBSOCKET", "/notes/ws"): ("public", "optional authentication"),
    },
    "websocket_handshake_helper": {
        # the handshake helper closes the client (`return await websocket.close(...)`) when `auth_string` is set and
        # the first message's token is missing; it lets the client on only where the setting is unset
        ("WEBSOCKET", "/events/out"): ("unverified", "`auth_string` (app/sockets.py:30; auth_string is "
                                                     "`secret.get_secret_value() if secret else None` (app/sockets.py:"
                                                     "25); secret is `get_settings().api_auth_string` (app/sockets.py:"
                                                     "24)) or `auth_string` (app/sockets.py:42) for "),
        ("WEBSOCKET", "/workers/connect"): ("protected", "app.api.workers.connect"),
        ("WEBSOCKET", "/events/status"): ("unprotected", "nothing checks a credential"),
    },
    "websocket_falsy_helper": {
        # the helper's None for a missing ticket, then `if ...: return` before anything is sent: refused, not optional
        ("WEBSOCKET", "/streams/jobs"): ("protected", "app.streams.jobs"),
        ("WEBSOCKET", "/streams/board"): ("protected", "app.streams.board"),
        ("WEBSOCKET", "/streams/feed"): ("public", "optional authentication"),
        ("WEBSOCKET", "/streams/status"): ("unprotected", "nothing checks a credential"),
    },
    "middleware_under_local_test": {
        # the tests that choose whether the middleware are there read locals: what they are bound to is said
        ("GET", "/flows"): ("unverified", "chooses (auth_string is `settings.API_AUTH_STRING.value()` (app/server.py:"
                                          "43); service_key is `settings.SERVICE_KEY.value()` (app/server.py:61)): "
                                          "if auth_string is not None and service_key: protected"),
        ("DELETE", "/admin/storage"): ("protected", "app.security.require_admin_key"),
    },
    "optional_by_construction": {
        ("GET", "/articles"): ("public", "optional authentication: app.security._optional_user returns None"),
        ("GET", "/feed"): ("protected", "app.security._user"),
        ("GET", "/keyed"): ("unprotected", ""),
        ("GET", "/drafts"): ("unprotected", ""),
    },
    "library_optional_setting": {
        # current_user(optional=not REQUIRE_AUTHENTICATION): the setting decides whether it lets requests through
        ("GET", "/datasets"): ("unverified", "`optional=not REQUIRE_AUTHENTICATION` (app/main.py:8)"),
        ("GET", "/settings"): ("protected", "fastapi_users.current_user(active=True, optional=STRICT)"),
    },
    "credential_object_methods": {
        ("GET", "/user"): ("protected", "app.main.user"),
        ("GET", "/agents"): ("protected", "app.auth.check_auth"),
        # `if env == "PROD": Authorize.jwt_required()`: the setting decides
        ("GET", "/projects"): ("unverified", "`env == 'PROD'` (app/auth.py:15; env is `os.environ.get('ENV', 'DEV')` "
                                             "(app/auth.py:13)) for app.auth.check_in_production"),
        ("POST", "/validate-key"): ("unprotected", "fastapi_jwt_auth.AuthJWT is injected, but nothing"),
    },
    "class_dependency_methods": {
        # `auth: Auth = Depends()`: the method runs with the `self` __init__ built from the request
        ("GET", "/direct"): ("protected", "app.main.direct -> app.auth.Auth"),
        ("GET", "/via"): ("protected", "app.main.checked -> app.auth.Auth"),
        ("GET", "/describe"): ("unprotected", ""),
    },
    "setting_argument": {
        # a helper's `if allow_anonymous: return ...` with the caller passing a setting read at run time: the
        # evaluator knows only one of the setting's returns (`return False`), which must not decide it
        ("GET", "/chat"): ("unverified", "`anonymous_access_enabled(tenant_id='default')` (app/main.py:34)"),
        # a setting whose every return is known is read
        ("GET", "/members"): ("protected", "app.main.member"),
    },
    "checker_object": {
        # `check = KeyChecker(key); return await check(request)`: __call__ -> self._key() raises without a key
        ("GET", "/wallet"): ("protected", "app.keys.require_wallet_key"),
        ("POST", "/wallet/settle"): ("protected", "app.keys.require_admin_key"),
        ("GET", "/wallet/echo"): ("protected", "forged value reaches the handler (RG002)"),
    },
    "factory_flags": {
        # `if optional: return None` with optional=False at every call of the factory (default included)
        ("GET", "/me"): ("protected", "app.security.current_user._user"),
        ("GET", "/profile"): ("protected", "app.security.current_user._user"),
        ("GET", "/feed"): ("public", "optional authentication: app.security.viewer._viewer returns None"),
        # another call of the same factory passes optional=True: each closure is judged with its own call's value
        ("GET", "/maybe"): ("public", "optional authentication: app.security.current_user._user returns None"),
    },
    "alternative_credential": {
        # `if token: ... elif account and ...: ... else: raise 401`: the query parameter opens the only other path
        ("GET", "/wallet"): ("unverified", "unless it carries 'account' (a query parameter"),
        ("GET", "/keys/wallet"): ("protected", "app.accounts.account_by_token_or_key"),
        # the handler tests the account again: no optional authentication, a request with neither input is
        # rejected before it gets there
        ("POST", "/wallet/withdraw"): ("unverified", "unless it carries 'account' (a query parameter"),
    },
    "optional_key_derived": {
        # the handler branches on what its optional key opened (`wallet = lookup(key) if key else None`)
        ("GET", "/payments/{payment_hash}"): ("public", "branches on 'wallet' (made from 'x_api_key')"),
    },
    "token_url_methods": {
        # only the POST to the tokenUrl is the login; GET and PATCH on that path are behind the scheme
        ("POST", "/api/v1/auth"): ("public", "tokenUrl"),
        ("GET", "/api/v1/auth"): ("protected", "app.security.current_account"),
        ("PATCH", "/api/v1/auth"): ("protected", "app.security.current_account"),
    },
    "state_memo": {
        # `if hasattr(request.state, "user"): return request.state.user`, set only by that function on success
        ("GET", "/me"): ("protected", "app.auth.current_user"),
        ("GET", "/tenant"): ("protected", "app.auth.tenant"),
        # ... but a middleware sets `request.state.account` for every request
        ("GET", "/account"): ("unprotected", ""),
    },
    "scope_memo": {
        # `if cached := request.scope.get(KEY): return cached`, `KEY` stored only by that function on success
        ("GET", "/me"): ("protected", "app.security.require -> app.security.TokenBearer.__call__"),
        # `if "tenant" in request.scope: return request.scope["tenant"]`, the same
        ("GET", "/tenant"): ("protected", "app.security.tenant"),
        # ... but a pure ASGI middleware stores `scope["account"]` for every request
        ("GET", "/account"): ("unprotected", ""),
        # "route" is FastAPI's own scope item: there on every routed request
        ("GET", "/routed"): ("unprotected", ""),
    },
    "scope_alias": {
        # middleware store the items through a name bound to the scope (`s = request.scope`, `sc = scope`)
        ("GET", "/account"): ("unprotected", ""),
        ("GET", "/tenant"): ("unprotected", ""),
        # ... the dependency alone stores its memo (through `memo = request.scope`): absent on the way in
        ("GET", "/me"): ("protected", "app.security.subject -> app.security.bearer (HTTPBearer, auto_error=False)"),
    },
    "scope_dispatch": {
        # `request.scope["account"] = "guest"` in a dispatch, for a request without an Authorization header
        ("GET", "/catalog"): ("unprotected", ""),
        # `request.scope["session_user"] = ...` only under `if token is not None:` (a session cookie): absent
        ("GET", "/profile"): ("protected", "app.security.session_user -> app.security.bearer (HTTPBearer, "
                                           "auto_error=False)"),
    },
    "state_no_writer": {
        # `getattr(request.state, "token", None)`: nothing sets it, no middleware in front could: the default
        ("GET", "/me"): ("protected", "app.security.current_user -> app.security.bearer (HTTPBearer, "
                                      "auto_error=False)"),
        # a lifespan's state gives every request `request.state.tenant`
        ("GET", "/tenant"): ("unverified", "request.state.tenant for app.security.current_tenant (it is set by "
                                           "app.main.lifespan, if it is a lifespan"),
        # a middleware sets it with `setattr(request.state, "visitor", "guest")` for every request
        ("GET", "/visits"): ("unprotected", ""),
    },
    "state_library_middleware": {
        # ... but a library's middleware in front may set it
        ("GET", "/me"): ("unverified", "request.state.token for app.main.current_user (it is set by no project code; "
                                       "a library middleware in front may: gatewaykit.GatewayTokenMiddleware)"),
        ("GET", "/keys"): ("protected", "app.main.bearer_user -> app.main.bearer (HTTPBearer, auto_error=False)"),
    },
    "jwt_unknown_token": {
        # `jwt.decode(token, ...)` of a token a helper looked up (not the request's credential): not known
        ("GET", "/kiosk/orders"): ("unverified", "app.auth.current_user lets it through only where `jwt.decode(token, "
                                                 "SECRET, algorithms=['HS256'])`"),
        ("GET", "/orders"): ("protected", "app.auth.bearer_user -> app.auth.bearer (HTTPBearer, auto_error=False)"),
    },
    "state_memo_shared": {
        # the memo is also set by another dependency (after a gateway check): open only if that code let it on
        ("GET", "/reports"): ("unverified", "request.state.user for app.auth.current_user (it is set by "
                                            "app.auth.current_user, app.auth.trust_gateway)"),
        ("GET", "/status"): ("unprotected", ""),
    },
    "misread_heuristics": {
        # `if v.is_admin:` looks at an attribute of what the dependency returned, not at whether there is a user
        ("GET", "/stats"): ("unprotected", ""),
        # a 404 for a missing resource is not authentication
        ("POST", "/invoices/{invoice_id}/cancel"): ("unprotected", ""),
        ("POST", "/events"): ("protected", "app.deps.signed_event"),
        # `owner = await owner_for_key(x_api_key) if ... else None`, then `if owner and owner.id == ...`: the
        # handler decides on what its optional key opened
        ("GET", "/invoices/{invoice_id}"): ("public", "branches on 'owner' (made from 'x_api_key')"),
    },
    "strategy_from_state": {
        # the authenticator comes from app.state at run time; the handler closes the socket with 4001
        ("WEBSOCKET", "/ws/connect"): ("unverified", "`authenticator.authenticate(websocket)`"),
        ("WEBSOCKET", "/ws/echo"): ("unprotected", ""),
    },
    "webhook_signatures": {
        # a project helper that returns the comparison to a handler that raises when it is False
        ("POST", "/chat/events"): ("protected", "hmac.compare_digest"),
        ("POST", "/chat/unsigned"): ("unprotected", ""),
    },
    "chosen_dependencies": {
        # a dependency chosen at run time by a setting the analysis cannot read: each alternative is judged
        ("GET", "/me"): ("unverified", "which dependency `current_user` (app/security.py:33) is at run time, "
                                       "chosen by a test the analysis cannot decide: if settings.AUTH_REQUIRED: "
                                       "protected; if not (settings.AUTH_REQUIRED): unprotected"),
        ("GET", "/reports/daily"): ("unverified", "`guard` (app/reports.py:10) is at run time"),
        ("GET", "/operations"): ("protected", "if settings.ADMIN_ONLY: app.security.require_admin"),
        # decided tests and factory arguments: only the alternative taken counts
        ("GET", "/strict"): ("protected", "app.security.require_user"),
        ("GET", "/demo"): ("unprotected", ""),
        ("GET", "/account"): ("protected", "app.security.require_user"),
        ("GET", "/preview"): ("unprotected", ""),
    },
    "conditional_defs": {
        # `if not settings.AUTH_ENABLED: def authenticated(): ...` / `else: def authenticated(ok=Depends(...))`:
        # the name is bound by the def that runs, each is an alternative
        ("GET", "/items"): ("unverified", "which dependency `authenticated` (app/security.py:21) is at run time, "
                                          "chosen by a test the analysis cannot decide: if not settings.AUTH_ENABLED: "
                                          "unprotected; if settings.AUTH_ENABLED: protected"),
        ("GET", "/reports/daily"): ("unverified", "`guard` (app/reports.py:11) is at run time"),
        # a def and an assignment of the same name, one of them under the `if`
        ("GET", "/me"): ("unverified", "`current_user` (app/security.py:72) is at run time"),
        ("GET", "/members"): ("unverified", "`member` (app/security.py:79) is at run time"),
        # the same where no def name repeats in the module (the scan starts at the first def under an `if`)
        ("GET", "/audit-trail"): ("unverified", "`auditor` (app/audit.py:14) is at run time"),
        ("GET", "/audit/log"): ("unverified", "`gate` (app/gates.py:12) is at run time"),
        # `def f(...)` then `if settings.DEV_BYPASS: f = open_access`: the def stays one of the alternatives
        ("GET", "/profile"): ("unverified", "`signed_in` (app/bypass.py:17) is at run time, chosen by a test the "
                                            "analysis cannot decide: if otherwise: protected; if "
                                            "settings.DEV_BYPASS: unprotected"),
        ("GET", "/ops/jobs"): ("unverified", "`ops_guard` (app/gates.py:32) is at run time"),
        ("GET", "/admin/stats"): ("unverified", "`guard` (app/reports.py:37) is at run time, chosen by a test the "
                                                "analysis cannot decide: if otherwise: unprotected; if "
                                                "settings.AUTH_ENABLED: protected"),
        # decided tests, and a later unconditional def: only the def that binds the name counts
        ("GET", "/strict"): ("protected", "app.security.strict_user@33 -> app.security._check"),
        ("GET", "/demo"): ("unprotected", ""),
        ("GET", "/read"): ("unprotected", ""),
    },
    "opaque_credential_calls": {
        # a credential's value (not the request) handed to code the analysis cannot read
        ("POST", "/bot/events"): ("unverified", "a credential read from the request is handed to "
                                                "`bot_adapter().process_activity(body, token)` (app/main.py:14)"),
        ("GET", "/plugin/{kind}"): ("unverified", "`VERIFIERS[kind](x_api_key)` (app/main.py:20)"),
        # the handler verifies it itself: no "forged credential reaches the handler" in the reason
        ("GET", "/session"): ("protected", "authenticated by app.main.session -> request.headers['authorization']"),
        ("GET", "/audited"): ("unprotected", ""),
    },
    "config_early_return": {
        # `if not config.login_configured(): return None` before the check: configuration read at run time
        ("PUT", "/feedback"): ("unverified", "`not config.login_configured()` (app/auth.py:23) for "
                                             "app.auth.current_user"),
        # ... tested in the helper the dependency hands the token to
        ("GET", "/history"): ("unverified", "`not config.login_configured()` (app/auth.py:50) for "
                                            "app.auth.delegated_user"),
        # a refusal only when a run-time setting says so
        ("GET", "/inbox"): ("unverified", "`config.ENFORCE_TOKENS` (app/auth.py:44) for app.auth.enforced_user"),
        # constants the evaluator reads: followed
        ("GET", "/settings"): ("protected", "app.auth.strict_user"),
        ("GET", "/demo"): ("unprotected", ""),
    },
    "conditional_middleware": {
        # an authenticating middleware added under a run-time test: protected only when the test holds; said as
        # whether the middleware is there, not as a dependency chosen at run time
        ("GET", "/agents"): ("unverified", "depends on whether the middleware `app.middleware.PasswordMiddleware` "
                                           "(added by `app.add_middleware(PasswordMiddleware)`, app/main.py:16) is in "
                                           "front of it, which a test the analysis cannot decide chooses: if "
                                           "os.getenv('SERVER_SECURE') == 'true' or '--secure' in sys.argv: protected; "
                                           "if not ("),
        # the mounted app's own middleware (a header named for a password) protects it either way
        ("GET", "/admin/users"): ("protected", "with or without the middleware `app.middleware.PasswordMiddleware` "
                                               "(added by `app.add_middleware(PasswordMiddleware)`, app/main.py:16) "
                                               "it is authenticated: if os.getenv('SERVER_SECURE') == 'true' or "
                                               "'--secure' in sys.argv: middleware "
                                               "app.middleware.AdminPasswordMiddleware"),
        ("GET", "/status"): ("unprotected", ""),
    },
    "gated_verifier": {
        # the dependency hands the request to a helper that refuses only in the configured authentication mode
        ("GET", "/projects"): ("unverified", "a test the analysis cannot decide, which does not depend on the request: "
                                             "`self._bearer_auth_configured()` (app/verifier.py:21)"),
        ("GET", "/secrets"): ("protected", "app.main.strict_user"),
        ("GET", "/client-spec"): ("unprotected", ""),
    },
    "factory_app_arguments": {
        # `FastAPI(dependencies=[...] if enforce_key else [])` in a factory: each app is read with its own call's
        # arguments, the default for a call that passes none
        ("GET", "/items"): ("protected", "app.security.require_key.key_checker"),
        ("GET", "/status"): ("protected", "app.security.require_key.key_checker"),
        ("GET", "/demo/items"): ("unprotected", "it has no dependencies"),
        ("GET", "/demo/status"): ("unprotected", "it has no dependencies"),
    },
    "csrf_token_header": {
        # a CSRF token (header or cookie) proves no identity: the middleware and the double-submit check
        # are no authentication
        ("POST", "/notes"): ("protected", "app.main.require_key"),
        ("POST", "/feedback"): ("unprotected", "it has no dependencies"),
        ("POST", "/settings"): ("unprotected", "no dependency reaches a credential source"),
    },
    "proxy_identity_headers": {
        # identity headers a forward-auth proxy sets: refused without them, but the app takes them as sent
        ("DELETE", "/events/{event_id}"): ("unverified", "app.identity.require_role.role_checker decides on "
                                                         "'remote-role' (app/identity.py:13)"),
        ("GET", "/me"): ("unverified", "app.identity.forwarded_email decides on 'x-forwarded-email'"),
        # an optional display-name header refuses nothing
        ("GET", "/greeting"): ("unprotected", "no dependency reaches a credential source"),
        ("GET", "/keys"): ("protected", "app.main.require_key"),
        # a password in the body of a route a role checker guards is no sign-in: not public by design
        ("POST", "/users"): ("unverified", "app.identity.require_role.role_checker decides on 'remote-role'"),
        # a password change that re-issues the session behind the role check is no sign-in either
        ("PUT", "/users/{username}/password"): ("unverified", "app.identity.require_role.role_checker decides on "
                                                              "'remote-role'"),
    },
    "body_refresh_token": {
        # the refresh token of an optional body field (or a cookie named by a setting) is the credential the
        # handler tests: a request without either is refused
        ("POST", "/auth/refresh"): ("protected", "app.main.refresh"),
        ("POST", "/auth/logout-all"): ("protected", "app.main.logout_all"),
        ("POST", "/auth/revoke"): ("unprotected", ""),
    },
    "password_middleware": {
        # the middleware checks the password only when `self.password` is set: the reason names what `__init__`
        # stored there and where
        ("GET", "/api/notes"): ("unverified", "middleware app.auth.PasswordAuthMiddleware (it rejects a request "
                                              "without credentials unless `not self.password` (app/auth.py:21; "
                                              "self.password is `get_secret_from_env('APP_PASSWORD')` "
                                              "(app/auth.py:15))"),
        # the paths the registration's `excluded_paths=[...]` option exempts are handed on whatever the setting
        ("GET", "/"): ("unprotected", ""),
        ("GET", "/api/config"): ("unprotected", ""),
        ("GET", "/health"): ("public", "liveness"),
    },
    "correlated_settings": {
        # the object is chosen `if settings.AUTH_ENABLED`, and the resolver's bypass tests the same field (through
        # `config.settings`): on the path where the token object was chosen, the bypass is not taken
        ("GET", "/items"): ("unverified", "chosen by a test the analysis cannot decide: if settings.AUTH_ENABLED: "
                                          "protected; if not settings.AUTH_ENABLED: unprotected"),
        # ... but another setting is not decided by that choice
        ("GET", "/demo"): ("unverified", "if settings.AUTH_ENABLED: unverified (a request without credentials gets "
                                         "through only on a path chosen by a test the analysis cannot decide, which "
                                         "does not depend on the request: `config.settings.DEMO_MODE` "
                                         "(app/resolver.py:20)"),
        ("GET", "/version"): ("unprotected", ""),
    },
    "forged_unreadable_lookup": {
        # HTTPBearer refuses a request without credentials; a forged token fails the JWT check and goes to a key store
        # made at run time: whether it is refused is that store's answer (and `APP_AUTHENTICATE=false` takes any)
        ("GET", "/brains"): ("unverified", "whether one with a forged credential is rejected depends on what code the "
                                           "analysis cannot read makes of it: `key_store().active_keys(api_key)` "
                                           "(app/keys.py:15): a value only known at run time (a registry or plugin "
                                           "lookup, a dynamic attribute), for app.auth.AuthBearer.__call__; it also "
                                           "gets through where a test the analysis cannot decide, which does not "
                                           "depend on the request, says so: `os.environ.get('APP_AUTHENTICATE') == "
                                           "'false'` (app/auth.py:43)"),
        ("GET", "/keys"): ("unverified", "`key_store().active_keys(api_key)` (app/keys.py:15): a value only known at "
                                         "run time (a registry or plugin lookup, a dynamic attribute), for "
                                         "app.auth.api_key_user"),
        # what routeguard reads rejects a forged credential: jwt.decode, another dependency that decodes it first,
        # a project table an unknown key is not in
        ("GET", "/profile"): ("protected", "app.auth.token_user"),
        ("GET", "/reports"): ("protected", "app.auth.token_user"),
        ("GET", "/report-keys"): ("protected", "app.auth.report_reader"),
        # ... and a lookup through a library it knows (`db: Database`, a NewType of sqlite3.Connection)
        ("GET", "/sessions"): ("protected", "app.auth.session_user"),
    },
    "forged_lookup_result": {
        # the handler's test of a looked-up row (`board.status != "public"`) refuses no forged token: its status is
        # the row's, not the model's class default; the token goes to the key store, whose answer decides
        ("POST", "/boards/{board_id}/subscribe"): ("unverified", "`key_store().active_keys(api_key)` (app/keys.py:13)"
                                                                 ": a value only known at run time (a registry or "
                                                                 "plugin lookup, a dynamic attribute), for "
                                                                 "app.auth.current_user"),
        ("POST", "/boards/{board_id}/follow"): ("protected", "app.auth.token_user"),
        # a forged token reaches the handler of a public board (the auth oracle checks it)
        ("POST", "/boards/{board_id}/join"): ("protected", "one with an arbitrary forged value reaches the handler"),
        # ... also when the lookup's one readable return is a placeholder whose status is written in the code
        ("POST", "/boards/{board_id}/watch"): ("protected", "one with an arbitrary forged value reaches the handler"),
    },
    "debug_bypass": {
        # HTTPBasic refuses a request without credentials; a wrong password gets through where DEBUG_MODE says so:
        # (b) depends on a setting, so the route is not protected, and the reason names the setting and its source
        ("GET", "/bots"): ("unverified", "one with a forged credential gets through only on a path chosen by a test "
                                         "the analysis cannot decide, which does not depend on the request: "
                                         "`not DEBUG_MODE` (app/auth.py:15; DEBUG_MODE is "
                                         "`os.getenv('APP_DEBUG_MODE', False)` (app/config.py:4)) for "
                                         "app.auth.checked_unless_debug"),
        ("GET", "/accounts"): ("unverified", "`DEBUG_MODE` (app/auth.py:21; DEBUG_MODE is"),
        ("GET", "/orders"): ("protected", "app.auth.always_checked"),
    },
    "signature_libraries": {
        ("POST", "/hooks/mail"): ("protected", "standardwebhooks.webhooks.Webhook.verify"),
        ("POST", "/hooks/payments"): ("protected", "stripe.Webhook.construct_event"),
        ("POST", "/hooks/orders"): ("protected", "polar.webhooks.validate_event"),
        ("POST", "/hooks/chat"): ("protected", "SignatureVerifier.is_valid"),
        ("POST", "/hooks/alerts"): ("protected", "load_pem_public_key.verify"),
        ("POST", "/hooks/unchecked"): ("unprotected", ""),
        # the project's gateway a Depends(...) parameter holds: its method calls Stripe's verifier
        ("POST", "/hooks/billing"): ("protected", "stripe.Webhook.construct_event (app/main.py:70)"),
    },
    "answered_before_work": {
        # paths that answer a constant before any work (a body that is not JSON, a switched-off hook) are no way
        # past the secret-token check that guards the rest
        ("POST", "/bots/{account_id}"): ("protected", "otherwise answered with a response written in the code, "
                                                      "before the handler does any work (app/main.py:20)"),
        ("POST", "/switchable/{account_id}"): ("protected", "before the handler does any work (app/main.py:31)"),
        # the constant answer comes after queueing the payload, after a helper that empties the queue, or
        # carries what the request sent
        ("POST", "/dropping/{account_id}"): ("unprotected", ""),
        ("POST", "/relay/{account_id}"): ("unprotected", ""),
        ("POST", "/echo/{account_id}"): ("unprotected", ""),
    },
    "static_pages": {
        # a single-page app's shell read at start-up (in the app factory, or at import), and the redirect to it
        ("GET", "/ui/"): ("public", "static page: app.main.create_app.serve_ui_index answers an HTML page fixed at "
                                    "start-up; it does no work and reads no stored data (app/main.py:29)"),
        ("GET", "/ui/index.html"): ("public", "app.main.create_app.serve_ui_index answers an HTML page"),
        ("GET", "/ui"): ("public", "answers a redirect to a URL fixed at start-up (and the request's own root path)"),
        ("GET", "/about"): ("public", "static page: app.pages.about answers an HTML page fixed at start-up"),
        # not pages: the configuration as text, HTML made of stored data, of the request, or embedding a key
        ("GET", "/config.txt"): ("unprotected", ""),
        ("GET", "/visits.html"): ("unprotected", ""),
        ("GET", "/greeting.html"): ("unprotected", ""),
        ("GET", "/embed.html"): ("unprotected", ""),
        ("GET", "/where.html"): ("unprotected", ""),
    },
    "signature_handed": {
        # the signature header's value and the raw body handed to a processor looked up at run time
        ("POST", "/billing/webhook"): ("unverified", "the signature (header `stripe-signature`) and the request body "
                                                     "are handed to `processor.process(payload, stripe_signature)` "
                                                     "(app/main.py:15): a value only known at run time"),
        ("POST", "/git/webhook"): ("unverified", "(header `x-hub-signature-256`) and the request body are handed to "
                                                 "`processor.process(request.body(), signature)` (app/main.py:23)"),
        ("POST", "/declared/webhook"): ("unverified", "`self.processor.process(payload, signature)` "
                                                      "(app/processors.py:"),
        ("POST", "/state/webhook"): ("unverified", "(header `x-slack-signature`)"),
        # the processor's class is the project's: its method verifies an HMAC of the body and raises
        ("POST", "/payments/webhook"): ("protected", "hmac.compare_digest (app/processors.py:21)"),
        ("POST", "/svix/webhook"): ("protected", "hmac.compare_digest (app/processors.py:21)"),
        # one of two project classes, chosen by a setting: only one verifies
        ("POST", "/switched/webhook"): ("unverified", "whose object is chosen at run time: "
                                                      "app.processors.SignedProcessor.process verifies it; "
                                                      "app.processors.Recorder.process does not verify it"),
        # look-alikes: a header named for a signature's version; a signature that is only recorded
        ("POST", "/audit/webhook"): ("unprotected", ""),
        ("POST", "/logged/webhook"): ("unprotected", ""),
    },
    "bare_request_middleware": {
        # the middleware's own tests (a websocket upgrade path, a legacy redirect) never turn on the token: judged
        # by the route's own dependency
        ("GET", "/notes/"): ("protected", "app.deps.current_user"),
        # a path ending in "/watch" meets the redirect's test, which the barest request was walked past
        ("GET", "/notes/{note_id}/watch"): ("unverified", "this path ends with '/watch'"),
        ("GET", "/office/admin/users"): ("unverified", "this path contains '/admin/'"),
    },
    "path_guarded_middleware": {
        # the key is checked under `path.startswith(API_PREFIX)`: not an exemption, a check for those paths
        ("GET", "/api/v1/items"): ("unverified", "this path starts with '/api/v1'"),
    },
    "middleware_helper_state": {
        # the middleware stores the credential through a helper method; the other writer of `request.state.token`
        # sets it on a request it makes itself, which no route's dependency sees
        ("GET", "/api/chats/"): ("protected", "app.auth.current_user"),
        ("DELETE", "/api/chats/{chat_id}"): ("protected", "app.auth.current_user"),
    },
    "password_signin": {
        # a form sign-in behind an optional pending sign-in and session: the password meets `compare_digest`
        # through two project functions, a failed check answers the form again
        ("POST", "/login"): ("public", "sign-in: checks the password the request submits (`form.password.data`) "
                                       "with `hmac.compare_digest` (through `authenticate` -> `verify_password`)"),
        # the password grant raises on a wrong password; the handler reads a bearer token itself for the exchange
        ("POST", "/token"): ("public", "sign-in: checks the password the request submits (`form.password`)"),
    },
    "path_gated_helper": {
        # the verifier's helper lets a request without a key through when a setting is on and the path holds
        # "/events/ingest": no request to these routes meets that test, so the check runs for every one
        ("GET", "/items"): ("protected", "app.auth.verifier.Verifier.__call__"),
        ("GET", "/items/{item_id}"): ("protected", "app.auth.verifier.Verifier.__call__"),
        # every request to these meets it: whether it gets through is the setting's
        ("POST", "/events/ingest"): ("unverified", "`os.environ.get('ALLOW_MESH_INGESTION', 'false') == 'true'`"),
        ("POST", "/events/ingest/{source}"): ("unverified", "ALLOW_MESH_INGESTION"),
        # some do ("/events/ingest", event_id = "ingest"): the setting decides for those
        ("GET", "/events/{event_id}"): ("unverified", "ALLOW_MESH_INGESTION"),
    },
    "empty_exemption_loop": {
        # made with no exclude list: the loops over the (certainly empty) patterns never run, the check always does
        ("GET", "/system/user/list"): ("protected", "app.security.PreAuth.__call__"),
        ("DELETE", "/system/user/{user_id}"): ("protected", "app.security.PreAuth.__call__"),
        ("GET", "/jobs/running"): ("protected", "app.security.require_token.check"),
        # made with one: patterns built at run time, prefixes of a loop the analysis does not read item by item
        ("GET", "/captcha/settings"): ("unverified", "`path in ignore_paths`"),
        ("GET", "/status/details"): ("unverified", "`request.url.path.startswith(prefix)`"),
    },
    "verified_claims_permission": {
        # the bearer verifies first; the permission test of its claims is met only past that verification
        ("GET", "/api/records/summary"): ("protected", "app.bearer.JWTBearer.__call__"),
        ("GET", "/api/records/{record_id}"): ("protected", "app.bearer.JWTBearer.__call__"),
        ("DELETE", "/api/records/{record_id}"): ("protected", "app.bearer.JWTBearer.__call__"),
    },
}


@pytest.mark.parametrize("case", sorted(STATES))
def test_route_states(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze_with_graph

    monkeypatch.chdir(FIXTURES / case)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    got = {}
    for route in graph.routes:
        verdict = graph.auth.of(route)
        for method in route.methods:
            got[(method, route.full_path)] = (str(verdict.state), verdict.reason)
    wrong = []
    for key, (state, words) in STATES[case].items():
        if key not in got:
            wrong.append(f"{key}: no such route")
            continue
        if got[key][0] != state or words not in got[key][1]:
            wrong.append(f"{key}: {got[key][0]} ({got[key][1]}), expected {state} with {words!r}")
    assert not wrong, "\n".join(wrong)


def test_long_dependency_lists_are_capped() -> None:
    from routeguard_lint.auth.judge import listed

    labels = [f"app.deps.step{i}" for i in range(12)]
    assert listed(labels) == "app.deps.step0, app.deps.step1, app.deps.step2, app.deps.step3 and 8 more"
    assert listed(labels[:5]) == ", ".join(labels[:5])  # "and 1 more" would be no shorter
    assert listed([]) == ""


def test_a_handler_that_verifies_the_credential_itself_is_not_said_to_let_a_forged_one_through(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler reads the header and hands it to a project function that raises for an unknown session: a
    forged credential is rejected there, so neither the reason nor the forged answer says it reaches the
    handler (the read itself takes any value; the handler is its consumer)."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.judge import Answer

    monkeypatch.chdir(FIXTURES / "opaque_credential_calls")
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    verdict = next(graph.auth.of(r) for r in graph.routes if r.full_path == "/session")
    assert str(verdict.state) == "protected"
    assert "forged" not in verdict.reason
    assert verdict.forged is Answer.REJECTED


def test_a_route_with_more_combinations_of_choices_than_judged_is_unverified(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five dependencies each chosen between two alternatives by a run-time setting: 32 combinations, more than
    `MAX_WORLDS`; the route is unverified, naming where the choices are made, not judged on a subset."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.judge import MAX_WORLDS

    assert MAX_WORLDS < 2 ** 5
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    deps = ["import os", "from fastapi import Depends, FastAPI, Header, HTTPException", "",
            "def strict(x_token: str = Header()):", "    if x_token != os.environ['TOKEN']:",
            "        raise HTTPException(401)", "", "def lenient():", "    return None", ""]
    params = []
    for i in range(5):
        deps.append(f"dep{i} = strict if os.environ.get('FLAG{i}') else lenient")
        params.append(f"d{i}=Depends(dep{i})")
    deps += ["", "app = FastAPI()", "", "@app.get('/x')", f"def x({', '.join(params)}):", "    return {}"]
    (app / "main.py").write_text("\n".join(deps) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    (route,) = graph.routes
    verdict = graph.auth.of(route)
    assert str(verdict.state) == "unverified"
    assert f"more than {MAX_WORLDS} combinations" in verdict.reason
    assert "`dep0` (app/main.py:11)" in verdict.reason


def test_an_alternative_that_cannot_be_resolved_keeps_the_test_that_chooses_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`strict if setting else <a plugin loaded at run time>`: the whole value is unknown, but the route's reason
    names the test and says what each alternative gets (the plugin one: what cannot be resolved)."""
    from routeguard_lint.api import analyze_with_graph

    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "main.py").write_text(
        "import importlib\nimport os\n\nfrom fastapi import Depends, FastAPI, Header, HTTPException\n\n\n"
        "def strict(x_token: str = Header()):\n    if x_token != os.environ['TOKEN']:\n"
        "        raise HTTPException(401)\n\n\n"
        "dep = strict if os.environ.get('STRICT') else importlib.import_module(os.environ['PLUGIN']).dep\n"
        "app = FastAPI()\n\n\n@app.get('/x')\ndef x(user=Depends(dep)):\n    return {}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    (route,) = graph.routes
    verdict = graph.auth.of(route)
    assert str(verdict.state) == "unverified"
    assert "which dependency `dep` (app/main.py:12) is at run time" in verdict.reason
    assert "if os.environ.get('STRICT'): protected; if not (os.environ.get('STRICT')): unverified (cannot resolve" \
        in verdict.reason


def test_a_wrong_password_let_through_by_a_setting_leaves_only_the_forged_answer_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`if not ok and not DEBUG_MODE: raise 401` behind HTTPBasic: a request without credentials is rejected
    whatever the setting (a), one with a wrong password only when DEBUG_MODE is off (b)."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.judge import Answer

    monkeypatch.chdir(FIXTURES / "debug_bypass")
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    verdicts = {r.full_path: graph.auth.of(r) for r in graph.routes}
    for path in ("/bots", "/accounts"):
        assert (verdicts[path].no_credential, verdicts[path].forged) == (Answer.REJECTED, Answer.UNKNOWN)
    assert (verdicts["/orders"].no_credential, verdicts["/orders"].forged) == (Answer.REJECTED, Answer.REJECTED)


def test_a_forged_credential_handed_to_code_that_cannot_be_read_leaves_only_the_forged_answer_unknown(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A request without credentials is refused by HTTPBearer (a); whether a forged one is depends on a key store
    made at run time (b). A consumer that rejects a forged credential by code routeguard reads keeps (b) rejected."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.judge import Answer

    monkeypatch.chdir(FIXTURES / "forged_unreadable_lookup")
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    assert graph.auth is not None
    verdicts = {r.full_path: graph.auth.of(r) for r in graph.routes}
    for path in ("/brains", "/keys"):
        assert (verdicts[path].no_credential, verdicts[path].forged) == (Answer.REJECTED, Answer.UNKNOWN)
    for path in ("/profile", "/reports", "/report-keys", "/sessions"):
        assert (verdicts[path].no_credential, verdicts[path].forged) == (Answer.REJECTED, Answer.REJECTED)


def test_a_chosen_alternatives_test_is_read_as_the_settings_it_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    """`SettingTests.assumed` reads what a choice's test says of settings that never change once the app runs, by
    what the names resolve to: `settings.AUTH_ENABLED` written in app/auth.py and `config.settings.AUTH_ENABLED`
    in app/resolver.py are one setting; `not (x)` and the parts of an `and` are read, anything else says nothing;
    a test that contradicts itself says nothing either."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.optional_auth import make_flow
    from routeguard_lint.auth.settings import SettingTests
    from routeguard_lint.facts import ir
    from routeguard_lint.project.index import Ctx

    monkeypatch.chdir(FIXTURES / "correlated_settings")
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    tests = SettingTests(graph.index, make_flow(graph.index).environment)
    enabled = tests.identity(ir.Attr(ir.Attr(ir.Name("config"), "settings"), "AUTH_ENABLED"),
                             Ctx("app.resolver", "Resolver.resolve"))
    demo = tests.identity(ir.Attr(ir.Name("settings"), "DEMO_MODE"), Ctx("app.auth"))
    assert enabled is not None and demo is not None and enabled != demo
    assert tests.assumed("settings.AUTH_ENABLED", "app/auth.py", 22) == {enabled: True}
    assert tests.assumed("not (settings.AUTH_ENABLED) and not settings.DEMO_MODE and ready()", "app/auth.py", 0) \
        == {enabled: False, demo: False}
    assert tests.assumed("settings.AUTH_ENABLED and not settings.AUTH_ENABLED", "app/auth.py", 0) == {}
    assert tests.assumed("not (settings.AUTH_ENABLED or settings.DEMO_MODE)", "app/auth.py", 0) == {}
    assert tests.assumed("auth", "app/auth.py", 0) == {}  # a module-level name bound under `if`: not one value
    assert tests.assumed("settings.AUTH_ENABLED", "app/nowhere.py", 0) == {}
