"""Route states on the public-by-design fixtures (tests/fixtures/public/), which the `# expect:` markers cannot
say: a `public` and an `unverified` route both have no finding. Each entry: fixture case -> {(method, path):
(state, words its reason must contain)}. The protected and unprotected verdicts of these cases are also checked
against real FastAPI (the auth oracle, as tests/test_auth_oracle.py does for tests/fixtures/auth/)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from routeguard_lint.auth.judge import Answer, AuthState, Verdict, judgement_of

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "public"
ORACLE = Path(__file__).resolve().parent / "oracle" / "auth_requests.py"

STATES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "library_model_methods": {
        # a method written in the body of a project model whose base is a library's (pydantic's BaseModel), called
        # on a dependency's value declared with it: read, so the branch on the optional session decides
        ("GET", "/login"): ("public", "optional authentication: the handler branches on 'user_id'"),
        ("GET", "/profile"): ("protected", "app.dependencies.require_session"),
    },
    "login_shapes": {
        # the password comes in a class FastAPI fills from the request (its fields are query parameters)
        ("POST", "/auth/login/swagger"): ("public", "credential flow (login or sign-up): takes 'password' (a field of "
                                                    "fastapi.security.HTTPBasicCredentials"),
        ("POST", "/auth/form-login"): ("public", "credential flow (login or sign-up): takes 'password' (a field of "
                                                 "app.security.PasswordForm"),
        # a dependency the analysis cannot read does not make a login anything else
        ("POST", "/auth/login"): ("public", "credential flow (login or sign-up): takes 'password' (in the body) "
                                            "and issues a token"),
        # ... but a password change that issues nothing stays undecided behind it
        ("POST", "/users/{username}/password"): ("unverified", "`self.on_limit(request)`"),
        ("GET", "/auth/login-history"): ("unprotected", ""),
    },
    "token_signins": {
        # a token the request submits in its body, checked (a project verifier that decodes it and raises, an HTTP
        # request to the identity provider whose failure rejects, google-auth, a JWKS-verified JWT) before the
        # handler issues its own token or session
        ("POST", "/auth/magic-link/verify"): ("public", "checked with `jwt.decode` (through "
                                                        "`AuthService.verify_magic_token` -> `decode_token`)"),
        ("POST", "/auth/magic-link/switch"): ("public", "sign-in with a token the request submits in its body"),
        ("POST", "/auth/facebook-login"): ("public", "checked with `httpx.AsyncClient.get` (through "
                                                     "`facebook.profile`)"),
        ("POST", "/auth/linkedin"): ("public", "checked with `httpx.get` (through `linkedin_userinfo`)"),
        ("POST", "/auth/google"): ("public", "`google.oauth2.id_token.verify_oauth2_token`"),
        ("POST", "/auth/apple"): ("public", "checked with `jwt.decode` (through `verify_apple_token`)"),
        # stored without a check, a swallowed check, an answer only logged, a lookup that issues nothing
        ("POST", "/auth/device-login"): ("unprotected", ""),
        ("POST", "/auth/magic-link/lenient"): ("unprotected", ""),
        ("POST", "/auth/facebook-login/unchecked"): ("unprotected", ""),
        ("POST", "/auth/magic-link/revoke"): ("unprotected", ""),
        ("POST", "/auth/magic-link/peek"): ("unprotected", ""),
        # a provider's API key the caller hands the app to keep, checked with the provider: not a sign-in
        ("POST", "/integrations/provider-key"): ("unprotected", ""),
    },
    "oauth_callbacks": {
        ("GET", "/github-auth"): ("public", "OAuth callback: exchanges the authorization code 'code'"),
        # the code handed to a method of a project object that builds the token request
        ("GET", "/google/oauth-tokens"): ("public", "(`google.exchange`: a token request with the code) and "
                                                    "redirects"),
        ("GET", "/twitter/oauth-tokens"): ("public", "'oauth_verifier' from the request with the identity provider "
                                                     "(a token request URL with the code)"),
        ("GET", "/google/stored-tokens"): ("unprotected", ""),
        ("GET", "/invites/redeem"): ("unprotected", ""),
    },
    "nothing_served": {
        # a constant alone, the handler taking nothing from the request
        ("GET", "/"): ("public", "it answers a value written in the code, the same for every caller"),
        # a truth value of a secret read from the environment or its `_FILE`: whether a password is set
        ("GET", "/api/auth/status"): ("public", "a value written in the code or a truth value of the configuration"),
        ("POST", "/auth/logout"): ("public", "and clears the caller's cookie 'session'"),
        ("POST", "/auth/sign-out"): ("public", "and clears the caller's cookie 'session'"),
        ("POST", "/auth/logout-revoke"): ("unprotected", ""),
        ("POST", "/auth/logout-everywhere"): ("unprotected", ""),
        ("GET", "/auth/exists"): ("unprotected", ""),
        ("GET", "/api/setup"): ("unprotected", ""),
        ("POST", "/admin/maintenance"): ("unprotected", ""),
        ("POST", "/admin/log-level"): ("unprotected", ""),
    },
    "oauth_callback_responses": {
        # the whole redirect URL handed to an OAuth client's exchange method; an "account connected" page
        ("GET", "/sync/drive/oauth2callback"): ("public", "exchanges the authorization response (`str(request.url)`"
                                                          ", the redirect carrying the code) from the request with "
                                                          "the identity provider (`flow.fetch_token`) and answers "
                                                          "with a page"),
        # the code read where it is used, in the token request
        ("GET", "/sync/git/oauth2callback"): ("public", "exchanges the authorization code 'code' from the request "
                                                        "with the identity provider (a token request with the code)"),
        # the URL handed to a project function that parses the code out of it and builds the token request
        ("GET", "/sync/box/oauth2callback"): ("public", "(`providers.box.complete`: a token request with the code) "
                                                        "and redirects"),
        ("GET", "/sync/drive/connection"): ("unprotected", ""),
        ("GET", "/visits/record"): ("unprotected", ""),
    },
    "static_files": {
        # a file of the UI at a path written in the code: the same bytes for everyone
        ("GET", "/favicon.ico"): ("public", "static page: app.web_ui.favicon answers a file of the UI at a path fixed"),
        ("GET", "/fallback_file.html"): ("public", "a file of the UI at a path fixed in the code"),
        ("GET", "/index.html"): ("public", "a file of the UI at a path fixed in the code"),
        ("GET", "/ui-config.js"): ("unprotected", ""),
        ("GET", "/backup"): ("unprotected", ""),
        ("GET", "/logo.ico"): ("unprotected", ""),
        ("GET", "/{rest_of_path:path}"): ("unprotected", ""),
    },
    "signin_unknown_url": {
        # `next(v for k, v in headers if k == "Location")`: a generator the facts keep as unknown picks the URL
        ("GET", "/saml/login"): ("public", "sign-in start: sends the browser to the identity provider "
                                           "(`saml_client().prepare_for_authenticate`; the URL picked from it by code"),
        ("GET", "/saml/login-logged"): ("unprotected", ""),
        ("GET", "/saml/login-and-users"): ("unprotected", ""),
    },
}


def _verdicts(case: str, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], Verdict]:
    from routeguard_lint.api import analyze_with_graph

    monkeypatch.chdir(FIXTURES / case)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    judgement = judgement_of(graph)
    return {(method, route.full_path): judgement.of(route) for route in graph.routes if route.reachable
            for method in route.methods}


@pytest.mark.parametrize("case", sorted(STATES))
def test_public_states(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    got = _verdicts(case, monkeypatch)
    wrong = []
    for key, (state, words) in STATES[case].items():
        verdict = got.get(key)
        if verdict is None:
            wrong.append(f"{key}: no such route")
        elif str(verdict.state) != state or words not in verdict.reason:
            wrong.append(f"{key}: {verdict.state} ({verdict.reason}), expected {state} with {words!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.slow  # imports the fixture app with real FastAPI in a subprocess
@pytest.mark.parametrize("case", sorted(STATES))
def test_public_cases_decided_verdicts_match_fastapi(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    judged = {(m, re.sub(r"\{[^}]+\}", "1", p)): v for (m, p), v in _verdicts(case, monkeypatch).items()
              if v.state in (AuthState.PROTECTED, AuthState.UNPROTECTED)}
    assert judged, f"{case}: no protected or unprotected route to check"
    wanted = [{"method": m, "path": p} for m, p in sorted(judged)]
    proc = subprocess.run([sys.executable, str(ORACLE), str(FIXTURES / case)], input=json.dumps(wanted),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"oracle failed on {case}:\n{proc.stderr}"
    wrong = []
    for answer in json.loads(proc.stdout):
        verdict = judged[(answer["method"], answer["path"])]
        for key, said in (("none", verdict.no_credential), ("forged", verdict.forged)):
            got = answer[key]
            rejected = got == "closed" or (isinstance(got, int) and 400 <= got < 500)
            reached = got == "accepted" or (isinstance(got, int) and 200 <= got < 300)
            if not (rejected if said is Answer.REJECTED else reached if said is Answer.REACHES else True):
                wrong.append(f"  {answer['method']} {answer['path']}: routeguard says {verdict.state} ({key}: "
                             f"{said}), FastAPI answered {got!r}")
    assert not wrong, f"{case}\n" + "\n".join(wrong)
