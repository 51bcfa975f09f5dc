"""RG002 and RG008 say what happens, not what a name suggests: which object a method runs for (the construction
and its arguments), which check that object skips, and what comes after the dependency on the route."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _messages(case: str, rule: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from routeguard_lint.api import analyze

    monkeypatch.chdir(FIXTURES / case)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    return [f.message for f in analyze([Path(".")]).findings if f.rule_id == rule]


def test_a_forged_credential_let_through_by_one_construction_names_it_and_what_follows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`ProjectAuth(auto_enforce=False)` skips `if self._auto_enforce: await membership.enforce()`; the handler
    checks the membership only where SERVICE_AUTH says so: "nothing after it rejects" would overstate it."""
    [message] = _messages("rg002/construction_flags", "RG002", monkeypatch)
    assert message == (
        "app.auth.ProjectAuth.__call__, for the object `ProjectAuth(auto_enforce=False)` (app/main.py:18), reads "
        "HTTPBearer (HTTPBearer, auto_error=False) but lets a forged credential through: the check at line 31 runs "
        "only if `self._auto_enforce`, false for this object, so with an arbitrary value it reaches `return "
        "membership` (line 32) without raising, and after it only the handler (app.main.services), which gets what "
        "it returns, could reject the request, only where a setting says so: `SERVICE_AUTH` (app/main.py:21; "
        "SERVICE_AUTH is `os.environ.get('APP_SERVICE_AUTH') == '1'` (app/main.py:9))")


def test_an_optional_credential_unchecked_by_one_construction_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    [message] = _messages("rg002/construction_flags", "RG008", monkeypatch)
    assert message.startswith(
        "app.auth.ProjectAuth.__call__, for the object `ProjectAuth(auto_enforce=False)` (app/main.py:18), reads the "
        "optional credential token (HTTPBearer (HTTPBearer, auto_error=False)) but does not reject a request "
        "without it: the check at line 31 runs only if `self._auto_enforce`, false for this object, so when it is "
        "missing, the function reaches `return membership` (line 32)")


def test_a_consumer_nothing_after_which_rejects_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = _messages("rg002/never_rejects", "RG002", monkeypatch)
    assert messages and all(m.endswith("without raising, and nothing after it on the route rejects the request")
                            for m in messages)


def test_a_stub_check_is_described_by_what_it_returns_and_where(monkeypatch: pytest.MonkeyPatch) -> None:
    [message] = _messages("seeds/verify_user", "RG002", monkeypatch)
    assert message == (
        "main.verify_user can never reject a request: it returns `True` whatever the request carries, and nothing "
        "in it, in the functions it calls or in its dependencies raises; it is the check its name says on GET "
        "/secure, which nothing else authenticates")
