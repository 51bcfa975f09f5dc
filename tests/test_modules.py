"""Modules resolved like Python's import system, end to end: the whole project is analysed, only the given
paths are reported, test code stays out, namespace packages never collide (fixtures under
tests/fixtures/modules/)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_helpers import cli

from routeguard_lint.api import analyze
from routeguard_lint.files.discovery import discover_project
from routeguard_lint.intent.config import ConfigError, load_config

MODULES = Path(__file__).resolve().parent / "fixtures" / "modules"
PARTIAL = MODULES / "partial_paths"
NAMESPACES = MODULES / "namespace_packages"

Route = tuple[str, str, str, str]  # method(s), full path, state, file


def routes(cwd: Path, monkeypatch: pytest.MonkeyPatch, *paths: str) -> set[Route]:
    code, out, err = cli("routes", "--format", "json", "--no-cache", *paths, cwd=cwd, monkeypatch=monkeypatch)
    assert code in (0, 1), err
    return {(",".join(r["methods"]), r["path"], r["state"], r["file"]) for r in json.loads(out)["routes"]}


def check(cwd: Path, monkeypatch: pytest.MonkeyPatch, *paths: str) -> tuple[int, set[tuple[str, str, int]]]:
    code, out, err = cli("check", "--format", "json", "--no-cache", *paths, cwd=cwd, monkeypatch=monkeypatch)
    assert code in (0, 1), err
    return code, {(f["rule_id"], f["path"], f["line"]) for f in json.loads(out)["findings"]}


WHOLE = {
    ("GET", "/api/v1/items/", "protected", "app/api/routes/items.py"),
    ("GET", "/api/v1/items/stats", "unprotected", "app/api/routes/items.py"),
    ("GET", "/api/v1/users/", "protected", "app/api/routes/users.py"),
    ("DELETE", "/api/v1/users/{user_id}", "protected", "app/api/routes/users.py"),
}


def test_the_whole_project_lists_every_application_route_and_no_test_route(monkeypatch) -> None:
    assert routes(PARTIAL, monkeypatch) == WHOLE  # tests/ declares /fake-login and /debug: not the app's


@pytest.mark.parametrize("given, files", [
    ("app/api/routes/users.py", {"app/api/routes/users.py"}),
    ("app/api/routes/items.py", {"app/api/routes/items.py"}),
    ("app/api", {"app/api/routes/items.py", "app/api/routes/users.py"}),
    ("app/api/routes", {"app/api/routes/items.py", "app/api/routes/users.py"}),
    ("app/core", set()),
])
def test_a_part_of_the_project_gets_the_verdicts_of_the_whole_and_lists_its_own_routes(monkeypatch, given,
                                                                                      files) -> None:
    # users.py is protected only by the include in app/api/main.py, mounted under /api/v1 by app/main.py:
    # checked alone it still is; `app/api` does not make every route unreachable
    assert routes(PARTIAL, monkeypatch, given) == {r for r in WHOLE if r[3] in files}


def test_check_reports_only_on_the_given_paths(monkeypatch) -> None:
    assert check(PARTIAL, monkeypatch, "app/api/routes/users.py") == (0, set())
    assert check(PARTIAL, monkeypatch, "app/api/routes/items.py") == (1, {("RG001", "app/api/routes/items.py", 13)})
    assert check(PARTIAL, monkeypatch, "app/core", "app/api/routes/users.py") == (0, set())
    assert check(PARTIAL, monkeypatch) == (1, {("RG001", "app/api/routes/items.py", 13)})


def test_paths_given_from_outside_the_project_find_its_root(monkeypatch) -> None:
    # from the folder above: the project is partial_paths/ (its pyproject.toml), imports resolve against it
    found = routes(MODULES, monkeypatch, "partial_paths/app/api/routes/users.py")
    assert found == {(m, p, s, "partial_paths/" + f) for m, p, s, f in WHOLE if f.endswith("users.py")}


def test_every_file_of_the_fixture_projects_has_one_module_name(monkeypatch) -> None:
    monkeypatch.chdir(PARTIAL)
    project = discover_project([Path(".")], include_tests=True)
    assert project.root == PARTIAL
    names = {f.display: f.module for f in project.files}
    assert len(set(names.values())) == len(names)
    assert names["app/api/routes/items.py"] == "app.api.routes.items"
    assert names["tests/conftest.py"] == "tests.conftest"
    monkeypatch.chdir(NAMESPACES)
    project = discover_project([Path(".")])
    assert {f.display: f.module for f in project.files} == {
        "pkg/auth.py": "pkg.auth", "pkg/main.py": "pkg.main", "pkg/models/chats.py": "pkg.models.chats",
        "pkg/models/users.py": "pkg.models.users", "pkg/routers/chats.py": "pkg.routers.chats",
        "pkg/routers/users.py": "pkg.routers.users"}
    assert project.namespaces == {"pkg", "pkg.models", "pkg.routers"}


def test_namespace_packages_keep_each_route_on_its_own_file_and_prefix(monkeypatch) -> None:
    assert routes(NAMESPACES, monkeypatch) == {
        ("GET", "/admin/chats/export/schema", "unprotected", "pkg/models/chats.py"),
        ("GET", "/chats/", "protected", "pkg/routers/chats.py"),
        ("POST", "/chats/{chat_id}/messages", "protected", "pkg/routers/chats.py"),
        ("GET", "/users/count", "unprotected", "pkg/routers/users.py"),
        ("GET", "/users/me", "protected", "pkg/routers/users.py"),
    }


def test_include_tests_analyses_and_reports_test_code(tmp_path: Path, monkeypatch) -> None:
    project = tmp_path / "proj"
    shutil.copytree(PARTIAL, project)
    assert check(project, monkeypatch) == (1, {("RG001", "app/api/routes/items.py", 13)})
    with (project / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write("\n[tool.routeguard]\ninclude-tests = true\n")
    # test code is then analysed like the rest: its apps and what its functions include are seen
    assert check(project, monkeypatch) == (1, {("RG001", "app/api/routes/items.py", 13),
                                               ("RG001", "tests/conftest.py", 6), ("RG001", "tests/test_items.py", 8)})
    assert {("GET", "/fake-login", "unprotected", "tests/conftest.py"),
            ("GET", "/api/v1/items/debug", "unprotected", "tests/test_items.py")} <= routes(project, monkeypatch)


def test_test_code_given_explicitly_is_analysed(monkeypatch) -> None:
    monkeypatch.chdir(PARTIAL)
    result = analyze([Path("tests/conftest.py")])
    assert [(r.path, r.file) for r in result.routes] == [("/fake-login", "tests/conftest.py")]
    assert result.files == 1


def test_include_tests_must_be_a_boolean(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.routeguard]\ninclude-tests = "yes"\n')
    with pytest.raises(ConfigError, match=r"'include-tests' must be a boolean, got a string"):
        load_config(config)
    config.write_text("[tool.routeguard]\ninclude-tests = true\n")
    assert load_config(config).include_tests is True
