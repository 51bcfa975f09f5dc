"""Modules resolved like Python's import system, end to end: the whole project is analysed, only the given
paths are reported, test code stays out, namespace packages never collide (fixtures under
tests/fixtures/modules/)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from cli_helpers import cli
from routeguard_lint.api import analyze
from routeguard_lint.files.discovery import discover_project
from routeguard_lint.intent.config import ConfigError, load_config

MODULES = Path(__file__).resolve().parent / "fixtures" / "modules"
PARTIAL = MODULES / "partial_paths"
NAMESPACES = MODULES / "namespace_packages"
IN_PACKAGE = MODULES / "namespace_in_package"

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
    with pytest.raises(ConfigError, match=r"'include-tests' must be true or false, got a string"):
        load_config(config)
    config.write_text("[tool.routeguard]\ninclude-tests = true\n")
    assert load_config(config).include_tests is True


# ------------------------------------------------------------------------------- names scoped as in Python


def index_of(root: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    from routeguard_lint.api import build_project

    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(root)
    return build_project([Path(".")], libraries=False)[0].index


def where(value) -> tuple[str, str | None]:
    """(kind, module the value is defined or created in)."""
    from routeguard_lint.project.index import ClassV, FuncV, InstanceV, ModuleV

    if isinstance(value, InstanceV):
        return "instance", value.module
    if isinstance(value, (FuncV, ClassV)):
        return type(value).__name__, f"{value.module}.{getattr(value, 'qualname', getattr(value, 'name', ''))}"
    if isinstance(value, ModuleV):
        return "module", value.name
    return type(value).__name__, None


ROUTER = "from fastapi import APIRouter\nrouter = APIRouter()\n"


def test_a_function_local_import_binds_in_that_function_only(tmp_path: Path, monkeypatch) -> None:
    from routeguard_lint.facts import ir
    from routeguard_lint.project.index import Ctx

    index = index_of(tmp_path, {
        "app/__init__.py": "",
        "app/admin.py": ROUTER,
        "app/main.py": ROUTER + "def register(app):\n    from app.admin import router\n    app.include_router(router)\n"
                                "def other():\n    return router\n"
                                "def aliased():\n    import app.admin as admin\n    return admin.router\n"
                                "def dotted():\n    import app.admin\n    return app.admin.router\n",
    }, monkeypatch)
    name = ir.Name("router")
    assert where(index.resolve(name, Ctx("app.main", "register"))) == ("instance", "app.admin")
    assert where(index.resolve(name, Ctx("app.main", "other"))) == ("instance", "app.main")
    assert where(index.resolve(name, Ctx("app.main"))) == ("instance", "app.main")
    attr = ir.Attr(ir.Name("admin"), "router")
    assert where(index.resolve(attr, Ctx("app.main", "aliased"))) == ("instance", "app.admin")
    assert where(index.resolve(ir.Name("app"), Ctx("app.main", "dotted"))) == ("module", "app")
    dotted = ir.Attr(ir.Attr(ir.Name("app"), "admin"), "router")
    assert where(index.resolve(dotted, Ctx("app.main", "dotted"))) == ("instance", "app.admin")


def test_star_imports_respect_all_and_underscores(tmp_path: Path, monkeypatch) -> None:
    from routeguard_lint.facts import ir
    from routeguard_lint.project.index import Ctx

    index = index_of(tmp_path, {
        "app/__init__.py": "",
        "app/deps/__init__.py": "from .auth import *\nfrom .scopes import *\n",
        "app/deps/auth.py": "__all__ = ['require_user']\ndef require_user(): ...\ndef optional_user(): ...\n",
        "app/deps/scopes.py": "def require_scope(): ...\ndef _private(): ...\n",
        "app/main.py": "from app.deps import require_user, optional_user, require_scope, _private\n"
                       "from app.deps import *\n",
    }, monkeypatch)
    ctx = Ctx("app.main")
    assert where(index.resolve(ir.Name("require_user"), ctx)) == ("FuncV", "app.deps.auth.require_user")
    assert where(index.resolve(ir.Name("require_scope"), ctx)) == ("FuncV", "app.deps.scopes.require_scope")
    assert where(index.resolve(ir.Name("optional_user"), ctx))[0] == "UnknownV"  # not in auth.__all__
    assert where(index.resolve(ir.Name("_private"), ctx))[0] == "UnknownV"  # no __all__: no underscores
    assert where(index.resolve(ir.Name("require_scope"), Ctx("app.deps"))) == ("FuncV",
                                                                                "app.deps.scopes.require_scope")


def test_re_exports_and_relative_imports_from_the_files_own_package(tmp_path: Path, monkeypatch) -> None:
    from routeguard_lint.facts import ir
    from routeguard_lint.project.index import Ctx

    index = index_of(tmp_path, {  # namespace packages: no __init__.py but the re-exporting one
        "pkg/api/__init__.py": "from .routes.items import router as items_router\nfrom . import routes\n",
        "pkg/api/routes/items.py": ROUTER + "from ..deps import current_user\nfrom ...models.items import Item\n",
        "pkg/api/deps.py": "def current_user(): ...\n",
        "pkg/models/items.py": "class Item: ...\n",
        "pkg/main.py": "from pkg.api import items_router, routes\nimport pkg.api.routes.items\n"
                       "import pkg.models.items as item_models\n",
    }, monkeypatch)
    main = Ctx("pkg.main")
    assert where(index.resolve(ir.Name("items_router"), main)) == ("instance", "pkg.api.routes.items")
    assert where(index.resolve(ir.Name("routes"), main)) == ("module", "pkg.api.routes")
    dotted = ir.Attr(ir.Attr(ir.Attr(ir.Attr(ir.Name("pkg"), "api"), "routes"), "items"), "router")
    assert where(index.resolve(dotted, main)) == ("instance", "pkg.api.routes.items")
    assert where(index.resolve(ir.Attr(ir.Name("item_models"), "Item"), main)) == ("ClassV", "pkg.models.items.Item")
    items = Ctx("pkg.api.routes.items")
    assert where(index.resolve(ir.Name("current_user"), items)) == ("FuncV", "pkg.api.deps.current_user")
    assert where(index.resolve(ir.Name("Item"), items)) == ("ClassV", "pkg.models.items.Item")


def test_an_installed_or_standard_package_wins_over_a_namespace_folder_of_its_name() -> None:
    from routeguard_lint.files.layout import importable_namespaces

    search = [p for p in sys.path if p]
    assert importable_namespaces({"json", "json.tools", "pytest", "myapp", "myapp.api"}, search) == {
        "myapp", "myapp.api"}
    # inside a regular package (`routeguard_lint` is installed): found through the package, never hidden
    assert importable_namespaces({"routeguard_lint.plain", "routeguard_lint.plain.x"}, search) == {
        "routeguard_lint.plain", "routeguard_lint.plain.x"}


def test_a_star_import_binds_only_what_the_module_exports(tmp_path: Path, monkeypatch) -> None:
    from routeguard_lint.facts import ir
    from routeguard_lint.project.index import Ctx

    index = index_of(tmp_path, {
        "app/__init__.py": "",
        "app/settings.py": "__all__ = ['PUBLIC_KEY']\nPUBLIC_KEY = 'pk'\nSECRET_KEY = 'sk'\n",
        "app/main.py": "from app.settings import *\n",
    }, monkeypatch)
    ctx = Ctx("app.main")
    bound = index.assignment(ir.Name("PUBLIC_KEY"), ctx)
    assert bound is not None and isinstance(bound[0], ir.Str) and bound[0].value == "pk"
    assert index.assignment(ir.Name("SECRET_KEY"), ctx) is None
    assert where(index.resolve(ir.Name("SECRET_KEY"), ctx))[0] == "UnknownV"


def test_an_import_of_a_library_never_makes_a_folder_inside_a_package_an_import_root(monkeypatch) -> None:
    # `from feedback import Client` (an installed library) names `server/routes/feedback.py` too; the folder
    # is inside the regular package `server`, so it is never a path entry: every file keeps its package name
    monkeypatch.chdir(IN_PACKAGE)
    project = discover_project([Path(".")])
    assert [root.path for root in project.roots] == [IN_PACKAGE]
    assert {f.display: f.module for f in project.files}["server/routes/feedback.py"] == "server.routes.feedback"
    assert routes(IN_PACKAGE, monkeypatch) == {
        ("GET", "/api/options/models", "unprotected", "server/routes/public.py"),
        ("POST", "/api/conversations/{conversation_id}/submit-feedback", "protected", "server/routes/feedback.py"),
    }


def test_a_namespace_package_inside_a_regular_package_is_found_through_it(tmp_path: Path, monkeypatch) -> None:
    # polar's integrations/plain/ has `___init__.py` (a typo): a namespace package inside a regular one.
    # Run as `python -m routeguard_lint` from the project, the project itself is on sys.path.
    monkeypatch.syspath_prepend(str(tmp_path))
    index_of(tmp_path, {
        "app/__init__.py": "",
        "app/integrations/__init__.py": "",
        "app/integrations/plain/___init__.py": "",
        "app/integrations/plain/endpoints.py": "from fastapi import APIRouter\nrouter = APIRouter()\n"
                                               "@router.post('/cards')\ndef cards(): ...\n",
        "app/main.py": "from fastapi import FastAPI\nimport app.integrations.plain.endpoints\n"
                       "application = FastAPI()\n"
                       "application.include_router(app.integrations.plain.endpoints.router, prefix='/plain')\n",
    }, monkeypatch)
    result = analyze([Path(".")])
    assert [(r.path, r.file, r.reachable) for r in result.routes] == [
        ("/plain/cards", "app/integrations/plain/endpoints.py", True)]


SYS_PATH = ".".join(("sys", "path"))  # spelled apart: the suite's own code never edits the import path


@pytest.mark.parametrize("code, folder", [
    ("{SP}.insert(0, os.path.abspath(os.path.dirname(os.path.dirname(__file__))))", ("backend",)),
    ("{SP}.append(str(Path(__file__).resolve().parents[1]))", ("backend",)),
    ("{SP}.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'backend'))", ("backend",)),
    ("{SP}.append(str(Path(__file__).parent.parent))", ("backend",)),
    ("here = os.path.dirname(os.path.realpath(__file__))\n{SP}.insert(0, os.path.join(here, '..'))", ("backend",)),
    ("if BASE not in {SP}:\n    {SP}.insert(0, BASE)\nBASE = 1", None),  # not a path computed from __file__
    ("{SP}.insert(0, os.getcwd())", None),  # the working directory is not known
    ("{SP}.insert(0, os.path.join(os.path.dirname(__file__), '../../..'))", None),  # above the project root
    ("{SP}.insert(0, str(Path(__file__).parents[5]))", None),
    ("def setup():\n    root = Path(__file__).parent.parent\n    {SP}.insert(0, str(root))", ("backend",)),
])
def test_the_folders_the_code_puts_on_sys_path_are_computed_from_file(code: str,
                                                                     folder: tuple[str, ...] | None) -> None:
    from routeguard_lint.files.syspath import inserted_folders

    source = f"import os\nimport sys\nfrom pathlib import Path\n{code.format(SP=SYS_PATH)}\n".encode()
    assert inserted_folders(source, ("backend", "server", "app.py")) == ([folder] if folder else [])


def test_a_package_folder_the_code_puts_on_sys_path_gives_its_modules_a_second_name(monkeypatch) -> None:
    case = MODULES / "syspath_inserted_package"
    monkeypatch.chdir(case)
    project = discover_project([Path(".")])
    assert {f.module for f in project.files} >= {"backend.server.app", "backend.server.reports", "main"}
    assert ("server.security", "backend.server.security") in project.aliases
    assert ("server", "backend.server") in project.aliases
    assert not any(alias == "main" for alias, _name in project.aliases)  # a name a file has keeps its file
