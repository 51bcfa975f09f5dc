"""A warm run after an edit gives what a cold run gives: the facts cache (facts/cache.py: the unchanged
files' facts are read back) and the result cache (facts/results.py: reused only when nothing the stored run
read changed) never serve anything stale, whichever module changes and whatever it changes in another
module's verdict. Each edit below is checked warm (the same cache folder throughout) against a run with no
cache at all, and against what the edit must do, so that a stale answer cannot pass for a right one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_helpers import REPO, run, write
from routeguard_lint import api
from routeguard_lint.fix.apply import fixable_by_file
from routeguard_lint.intent.config import find_config, load_config

APP = {
    "pyproject.toml": '[project]\nname = "incr"\nversion = "0"\n',
    "app/__init__.py": "",
    "app/settings.py": """\
        import os

        API_PREFIX = "/api"
        AUTO_ERROR = True
        SECRET = os.environ["SECRET"]
        """,
    "app/deps.py": """\
        import jwt
        from fastapi import Depends, HTTPException
        from fastapi.security import OAuth2PasswordBearer

        from app.settings import AUTO_ERROR, SECRET

        oauth2 = OAuth2PasswordBearer(tokenUrl="token", auto_error=AUTO_ERROR)


        def require_user(token: str | None = Depends(oauth2)) -> dict:
            if token is None:
                raise HTTPException(status_code=401, detail="no token", headers={"WWW-Authenticate": "Bearer"})
            return jwt.decode(token, SECRET, algorithms=["HS256"])
        """,
    "app/items.py": """\
        from fastapi import APIRouter, Depends

        from app.deps import require_user

        router = APIRouter(dependencies=[Depends(require_user)])


        @router.get("/items")
        def list_items(skip: int = 0) -> list[str]:
            return []
        """,
    "app/main.py": """\
        from fastapi import FastAPI

        from app import items
        from app.settings import API_PREFIX

        app = FastAPI()
        app.include_router(items.router, prefix=API_PREFIX)


        @app.get("/health")
        def health(skip: int = 0) -> dict[str, str]:
            return {"ok": "yes"}
        """,
}

OPEN_ROUTER = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/open")
def open_route(skip: int = 0) -> str:
    return "anyone"
"""


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def _states(checked: api.Checked) -> dict[str, str]:
    return {route.path: route.state for route in checked.result.routes}


def _check(store: Path | None) -> api.Checked:
    paths = [Path(".")]
    return api.analyze_checked(paths, jobs=1, config=load_config(find_config(paths)), cache_dir=store,
                               fixable=fixable_by_file)


def _warm_equals_cold(store: Path) -> api.Checked:
    warm = _check(store)
    cold = _check(None)
    assert warm.result == cold.result
    assert warm.fixable(warm.result.findings) == cold.fixable(cold.result.findings)
    return warm


# (what the edit does, the edit, the route states it must give)
EDITS: list[tuple[str, Callable[[Path], None], dict[str, str]]] = [
    ("nothing yet", lambda p: None, {"/api/items": "protected", "/health": "public"}),
    ("the dependency's body stops raising (the scheme still rejects)",
     lambda p: _replace(p / "app/deps.py", 'raise HTTPException(status_code=401, detail="no token", '
                                           'headers={"WWW-Authenticate": "Bearer"})', "return {}"),
     {"/api/items": "protected", "/health": "public"}),
    ("a constant in a module the route module never imports lets a missing token through",
     lambda p: _replace(p / "app/settings.py", "AUTO_ERROR = True", "AUTO_ERROR = False"),
     {"/api/items": "unprotected", "/health": "public"}),
    ("the prefix constant imported by another module changes",
     lambda p: _replace(p / "app/settings.py", 'API_PREFIX = "/api"', 'API_PREFIX = "/v2"'),
     {"/v2/items": "unprotected", "/health": "public"}),
    ("the dependency raises again: every line below it moves",
     lambda p: _replace(p / "app/deps.py", "return {}", 'raise HTTPException(\n            status_code=401, '
                                                         'headers={"WWW-Authenticate": "Bearer"})'),
     {"/v2/items": "protected", "/health": "public"}),
    ("a new module with an open router, included by the app",
     lambda p: (write(p, {"app/open.py": OPEN_ROUTER}, top=False),
                _replace(p / "app/main.py", "from app import items", "from app import items, open"),
                _replace(p / "app/main.py", "app.include_router(items.router, prefix=API_PREFIX)",
                         "app.include_router(items.router, prefix=API_PREFIX)\napp.include_router(open.router)")),
     {"/v2/items": "protected", "/health": "public", "/open": "unprotected"}),
    ("a comment only, in the route module",
     lambda p: (p / "app/items.py").write_text((p / "app/items.py").read_text() + "# reviewed\n"),
     {"/v2/items": "protected", "/health": "public", "/open": "unprotected"}),
    ("the open router's module removed, and its include",
     lambda p: ((p / "app/open.py").unlink(),
                _replace(p / "app/main.py", "from app import items, open", "from app import items"),
                _replace(p / "app/main.py", "\napp.include_router(open.router)", "")),
     {"/v2/items": "protected", "/health": "public"}),
    ("the route module's router loses its dependency",
     lambda p: _replace(p / "app/items.py", "APIRouter(dependencies=[Depends(require_user)])", "APIRouter()"),
     {"/v2/items": "unprotected", "/health": "public"}),
]


@pytest.mark.parametrize("parse", ["demand", "all"])
def test_warm_after_each_edit_equals_a_cold_run(parse: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = write(tmp_path / "p", APP)
    monkeypatch.chdir(project)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("ROUTEGUARD_PARSE", parse)
    store = tmp_path / "cache"
    for what, edit, states in EDITS:
        edit(project)
        warm = _warm_equals_cold(store)
        assert _states(warm) == states, what
        again = _check(store)  # and the entry the warm run stored stands for the edited tree
        assert again.result == warm.result, what


FIXTURES = REPO / "tests" / "fixtures"
# multi-file fixture apps; each of their files is edited in turn
EDITED_FIXTURES = ["deps/bigger_applications", "evaluation/routers_through_parameters",
                   "callables/imports_and_reexports", "auth/state_memo_shared"]
FILE_EDITS: dict[str, Callable[[str], str]] = {
    "lines moved": lambda text: "\n\n" + text,
    "comment appended": lambda text: text + "\n# edited\n",
    "raises removed": lambda text: text.replace("raise ", "print "),
    "first string changed": lambda text: text.replace('"/', '"/x', 1),
}


@pytest.mark.slow
@pytest.mark.parametrize("fixture", EDITED_FIXTURES)
def test_warm_after_edits_of_fixture_apps_equals_cold(fixture: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / fixture, project, ignore=shutil.ignore_patterns("__pycache__"))
    (project / ".git").mkdir()
    monkeypatch.chdir(project)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    store = tmp_path / "cache"
    baseline = _warm_equals_cold(store).result
    changed = 0
    for path in sorted(project.rglob("*.py")):
        original = path.read_text()
        for name, edit in FILE_EDITS.items():
            text = edit(original)
            if text == original:
                continue
            path.write_text(text)
            result = _warm_equals_cold(store).result
            changed += result != baseline
            path.write_text(original)
            assert _warm_equals_cold(store).result == baseline, (path, name)  # and back again
    assert changed  # some edits changed what is reported: the comparisons were not all of one result


def test_cli_warm_after_an_edit_is_byte_identical_to_no_cache(tmp_path: Path) -> None:
    project = write(tmp_path / "p", APP)
    env = {"ROUTEGUARD_CACHE_DIR": str(tmp_path / "cache"), "ROUTEGUARD_NO_CACHE": None, "VIRTUAL_ENV": None}
    args = ["check", ".", "--format", "json"]
    first = run(*args, cwd=project, env=env, binary=True)
    for _, edit, _ in EDITS[1:3]:  # the dependency stops raising, then the scheme stops rejecting
        edit(project)
    warm = run(*args, cwd=project, env=env, binary=True)
    plain = run(*args, "--no-cache", cwd=project, env=env, binary=True)
    assert warm.stdout == plain.stdout and warm.returncode == plain.returncode
    rules = [[f["rule_id"] for f in json.loads(out.stdout)["findings"]] for out in (first, warm)]
    assert rules == [[], ["RG001"]]
