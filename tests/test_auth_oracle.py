"""The auth oracle: every protected/unprotected verdict on the auth fixtures, checked against real FastAPI.

For each case under tests/fixtures/auth/, routeguard's verdicts are read statically; then
tests/oracle/auth_requests.py imports the app in a subprocess and calls every route through TestClient
without a credential and with a forged one. For every `protected` or `unprotected` route, each of the two
requests routeguard says is rejected must get a 4xx (or a websocket closed before it is accepted), each it
says reaches the handler a 2xx (or an accepted websocket), and each it says is answered with a response the
handler wrote before doing any work (`Answer.ANSWERED`) a 2xx to 4xx, never an error. A `protected` route
whose forged request reaches the handler is one where nothing verifies the credential (RG002 reports the
consumer).
`public` and `unverified` routes are not asserted (the first by design, the second by definition).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_cases import FIXTURES_DIR, case_config

pytestmark = pytest.mark.slow  # imports each fixture app with real FastAPI in a subprocess

ORACLE = Path(__file__).resolve().parent / "oracle" / "auth_requests.py"
CASES = sorted(p for p in (FIXTURES_DIR / "auth").iterdir()
               if p.is_dir() and case_config(p).get("oracle", True) is not False)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _rejected(status: object) -> bool:
    return status == "closed" or (isinstance(status, int) and 400 <= status < 500)


def _reached(status: object) -> bool:
    return status == "accepted" or (isinstance(status, int) and 200 <= status < 300)


def _answered(status: object) -> bool:
    """An answer the handler wrote before doing any work (`Answer.ANSWERED`): a response, not an error."""
    return isinstance(status, int) and 200 <= status < 500


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_auth_verdicts_match_fastapi(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.auth.judge import Answer, AuthState, judgement_of

    monkeypatch.chdir(case)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    _result, graph = analyze_with_graph([Path(".")])
    judgement = judgement_of(graph)
    judged = {}
    for route in graph.routes:
        verdict = judgement.of(route)
        if route.reachable and verdict.state in (AuthState.PROTECTED, AuthState.UNPROTECTED):
            for method in route.methods:
                judged[(method, _concrete(route.full_path))] = verdict
    assert judged, f"{case.name}: no protected or unprotected route to check"
    wanted = [{"method": m, "path": p} for m, p in sorted(judged)]
    proc = subprocess.run([sys.executable, str(ORACLE), str(case)], input=json.dumps(wanted), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"oracle failed on {case.name}:\n{proc.stderr}"
    wrong = []
    for answer in json.loads(proc.stdout):
        verdict = judged[(answer["method"], answer["path"])]
        for key, said in (("none", verdict.no_credential), ("forged", verdict.forged)):
            got = answer[key]
            ok = _rejected(got) if said is Answer.REJECTED else _reached(got) if said is Answer.REACHES else \
                _answered(got) if said is Answer.ANSWERED else True
            if not ok:
                wrong.append(f"  {answer['method']} {answer['path']}: routeguard says {verdict.state} "
                             f"({key}: {said}), FastAPI answered {got!r} to a request with "
                             f"{'no' if key == 'none' else 'a forged'} credential")
    assert not wrong, f"{case.name}\n" + "\n".join(wrong)


def test_every_auth_case_has_an_oracle_or_a_reason() -> None:
    for case in (FIXTURES_DIR / "auth").iterdir():
        if case.is_dir() and case_config(case).get("oracle", True) is False:
            assert case_config(case).get("oracle_reason"), f"{case.name}: say why the oracle cannot run it"
