"""Every importable fixture case: routeguard's route inventory equals what FastAPI itself builds.

The oracle (tests/oracle/fastapi_inventory.py) imports the app in a subprocess and lists
(methods, full path, scheme-in-dependency-tree) for every route; routeguard must find the same set
statically.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_cases import ORACLE_SCRIPT, case_config, case_dirs, case_id, case_paths

pytestmark = pytest.mark.slow  # imports each fixture app with real FastAPI in a subprocess

CASES = [c for c in case_dirs() if case_config(c).get("oracle", True) is not False]


def run_oracle(case: Path) -> set[tuple[tuple[str, ...], str, bool]]:
    proc = subprocess.run(
        [sys.executable, str(ORACLE_SCRIPT), str(case)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"oracle failed on {case_id(case)}:\n{proc.stderr}"
    data = json.loads(proc.stdout)
    return {(tuple(r["methods"]), r["path"], bool(r["scheme"])) for r in data["routes"]}


def _fmt(items: set[tuple[tuple[str, ...], str, bool]]) -> str:
    return "\n".join(
        f"  {','.join(m):20} {p}  scheme={s}" for m, p, s in sorted(items, key=lambda t: (t[1], t[0]))
    ) or "  (none)"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_route_inventory_matches_fastapi(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = run_oracle(case)

    from routeguard_lint.api import analyze

    monkeypatch.chdir(case)
    result = analyze(case_paths(case))
    # Routers never included into an app are not served by FastAPI, so the oracle cannot see them.
    # A stand-in for the routes of a router that cannot be told (method `*`) is no route FastAPI lists.
    ours = {
        (tuple(r.methods), r.path, r.scheme)
        for r in result.routes
        if getattr(r, "reachable", True) and tuple(r.methods) != ("*",)
    }
    # A route included under an `if` (or in one branch of an if/else) is listed with its condition; the
    # import runs one branch only, so such a route may be absent at runtime. Every route FastAPI has must
    # still be found, and every unconditional one must exist.
    conditional = {
        (tuple(r.methods), r.path, r.scheme)
        for r in result.routes
        if getattr(r, "reachable", True) and getattr(r, "conditions", ())
    }
    # An unverified route's dependency could not be read, so whether a scheme is in its tree is not known:
    # its method and path must still match.
    unverified = {(tuple(r.methods), r.path) for r in result.routes if r.state == "unverified"}
    # A route judged from a documented auth-library model (models/libraries.toml) whose dependency's signature is
    # made at run time (fastapi-users' `@with_signature`): the model says nothing about the scheme behind it.
    unverified |= {(tuple(r.methods), r.path) for r in result.routes if "(documented behaviour of " in r.reason}
    oracle = {(m, p, None if (m, p) in unverified else s) for m, p, s in oracle}
    ours = {(m, p, None if (m, p) in unverified else s) for m, p, s in ours}
    conditional = {(m, p, None if (m, p) in unverified else s) for m, p, s in conditional}
    # A path part routeguard cannot compute is shown as `{?expression}`: it matches any text FastAPI has there
    # (each such route must match one of FastAPI's, and may stand for several).
    partly = {route for route in ours if "{?" in route[1]}
    matched = {route for route in oracle for pattern in partly if _fits(route, pattern)}
    extra = {r for r in ours - oracle - conditional
             if not (r in partly and any(_fits(o, r) for o in oracle))}
    missing = oracle - ours - matched
    assert not missing and not extra, (
        f"{case_id(case)}\nonly in FastAPI:\n{_fmt(missing)}\nonly in routeguard:\n{_fmt(extra)}"
    )
    # A route whose path is chosen at run time is listed once per alternative path (each under its conditions); it is
    # one route of the app: the import takes one alternative, which must be among them.
    for r in result.routes:
        if r.alternatives and getattr(r, "reachable", True):
            scheme = None if (tuple(r.methods), r.path) in unverified else r.scheme
            paths = (r.path, *r.alternatives)
            assert any(any(o[0] == tuple(r.methods) and o[2] == scheme and _fits(o, (o[0], p, o[2])) for o in oracle)
                       for p in paths), f"{case_id(case)}: FastAPI has none of {paths} ({','.join(r.methods)})"


def _fits(route: tuple[tuple[str, ...], str, bool | None], pattern: tuple[tuple[str, ...], str, bool | None]) -> bool:
    """FastAPI's route `route` is routeguard's `pattern` whose path has parts it cannot tell (`{?text}`)."""
    if route[0] != pattern[0] or route[2] != pattern[2]:
        return False
    parts = re.split(r"\{\?[^}]*\}", pattern[1])
    return re.fullmatch(".*".join(re.escape(p) for p in parts), route[1]) is not None


def test_a_partly_unknown_path_fits_the_paths_it_may_be() -> None:
    assert _fits((("GET",), "/v2/items", False), (("GET",), "{?config_value('API')}/items", False))
    assert _fits((("GET",), "/api/v3/x", False), (("GET",), "/api/{?VERSION}/x", False))
    assert not _fits((("GET",), "/api/v3/y", False), (("GET",), "/api/{?VERSION}/x", False))
    assert not _fits((("POST",), "/v2/items", False), (("GET",), "{?p}/items", False))
    assert not _fits((("GET",), "/v2/items", True), (("GET",), "{?p}/items", False))
