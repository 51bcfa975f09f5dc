"""File discovery and module naming."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeguard_lint.files.discovery import DiscoveryError, discover, discover_project
from routeguard_lint.files.layout import (
    UNIMPORTABLE,
    RootKind,
    absolute_imports,
    find_project_root,
)


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")


def modules(files) -> dict[str, str]:
    return {f.display: f.module for f in files}


def unique(files) -> dict[str, str]:
    """display -> module, asserting that no two files share a module name."""
    names = [f.module for f in files if f.error is None]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    return modules(files)


def test_plain_package_names_walk_up_through_init_files(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "app/__init__.py", "app/api/__init__.py", "app/api/users.py", "app/main.py")
    monkeypatch.chdir(tmp_path)
    found = unique(discover([Path("app")]))
    assert found == {"app/__init__.py": "app", "app/api/__init__.py": "app.api", "app/api/users.py": "app.api.users",
                     "app/main.py": "app.main"}


def test_src_layout_and_namespace_packages(tmp_path: Path, monkeypatch) -> None:
    # src/ layout with a namespace package (no __init__.py anywhere): one name, relative to src/
    touch(tmp_path, "pyproject.toml", "src/myproj/api/routes.py", "src/myproj/main.py", "scripts/seed.py")
    monkeypatch.chdir(tmp_path)
    project = discover_project([Path(".")])
    assert unique(project.files) == {"src/myproj/api/routes.py": "myproj.api.routes",
                                     "src/myproj/main.py": "myproj.main", "scripts/seed.py": "scripts.seed"}
    assert {"myproj", "myproj.api", "scripts"} <= project.namespaces
    assert [(r.rel, r.kind) for r in project.roots] == [(("src",), RootKind.SRC), ((), RootKind.PROJECT)]


def test_namespace_packages_with_the_same_file_names_never_share_a_name(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pkg/models/chats.py", "pkg/routers/chats.py", "pkg/routers/users.py", "pkg/models/users.py",
          "pkg/main.py")
    monkeypatch.chdir(tmp_path)
    project = discover_project([Path(".")])
    assert unique(project.files) == {
        "pkg/main.py": "pkg.main", "pkg/models/chats.py": "pkg.models.chats", "pkg/models/users.py": "pkg.models.users",
        "pkg/routers/chats.py": "pkg.routers.chats", "pkg/routers/users.py": "pkg.routers.users"}
    assert project.namespaces == {"pkg", "pkg.models", "pkg.routers"}


def test_a_file_given_directly_is_named_and_reported_alone(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "service/__init__.py", "service/main.py", "service/other.py")
    monkeypatch.chdir(tmp_path)
    files = discover([Path("service/main.py")])
    # the whole project is analysed; only the given file is reported
    assert [(f.display, f.module, f.reported) for f in files] == [
        ("service/__init__.py", "service", False), ("service/main.py", "service.main", True),
        ("service/other.py", "service.other", False)]


def test_project_root_is_the_nearest_marker_above_the_given_paths(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "repo/backend/pyproject.toml", "repo/backend/app/__init__.py",
          "repo/backend/app/api/routes/items.py",
          "repo/backend/app/main.py", "repo/other/x.py")
    (tmp_path / "repo/.git").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    project = discover_project([Path("backend/app/api/routes/items.py")])
    assert project.root == tmp_path / "repo/backend"
    assert unique(project.files) == {"backend/app/__init__.py": "app", "backend/app/api/routes/items.py":
                                     "app.api.routes.items", "backend/app/main.py": "app.main"}
    project = discover_project([Path("backend/app/api"), Path("other")])  # common ancestor: repo/ (.git)
    assert project.root == tmp_path / "repo"
    assert modules(project.files)["backend/app/main.py"] == "app.main"  # backend/ is a nested project
    assert find_project_root([tmp_path / "repo/backend/app"], tmp_path) == tmp_path / "repo/backend"


def test_no_marker_anywhere_the_common_ancestor_is_the_project(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "a/one.py", "a/b/two.py")
    assert find_project_root([tmp_path / "a/b/two.py", tmp_path / "a/one.py"], tmp_path) == tmp_path / "a"
    # a package given alone is imported by its name: the project is the folder above it
    touch(tmp_path, "a/app/__init__.py", "a/app/core/__init__.py")
    assert find_project_root([tmp_path / "a/app/core"], tmp_path) == tmp_path / "a"


def test_a_folder_whose_code_imports_its_children_by_top_level_names_is_the_project(tmp_path: Path) -> None:
    """No marker anywhere, and the given folder holds a stray `__init__.py`, but its code imports what it holds as
    top-level packages (`from backend.server.routers import items`): it runs with itself on the path, so it is
    the project (the folder above it, with whatever else is there, is not analysed)."""
    touch(tmp_path, "downloads/other/x.py", "downloads/cognita/__init__.py", "downloads/cognita/backend/__init__.py",
          "downloads/cognita/backend/server/__init__.py", "downloads/cognita/backend/server/routers.py")
    (tmp_path / "downloads/cognita/backend/server/app.py").write_text("from backend.server.routers import router\n")
    assert find_project_root([tmp_path / "downloads/cognita"], tmp_path) == tmp_path / "downloads/cognita"
    # imported by its own name (`from cognita.backend import ...`): a package, the project is above it
    (tmp_path / "downloads/cognita/backend/server/app.py").write_text("from cognita.backend.server import routers\n")
    assert find_project_root([tmp_path / "downloads/cognita"], tmp_path) == tmp_path / "downloads"


def test_inside_another_projects_tests_the_cwd_or_the_given_path_is_the_project(tmp_path: Path) -> None:
    # fixture apps of a test suite: tests/fixtures/case/ belongs to no project above tests/
    touch(tmp_path, "pyproject.toml", "tests/fixtures/case/app/api/x.py")
    case = tmp_path / "tests/fixtures/case"
    assert find_project_root([case], case) == case
    assert find_project_root([case / "app/api"], case) == case  # the cwd holds the given path
    assert find_project_root([case / "app/api"], tmp_path) == case / "app/api"
    touch(tmp_path, "tests/fixtures/other/pyproject.toml")
    assert find_project_root([tmp_path / "tests/fixtures/other"], tmp_path) == tmp_path / "tests/fixtures/other"


def test_folders_holding_top_level_packages_are_found_from_the_imports(tmp_path: Path, monkeypatch) -> None:
    # full-stack-fastapi-template from its repository root: backend/app is imported as `app`
    touch(tmp_path, "pyproject.toml", "backend/app/__init__.py", "backend/app/core/__init__.py",
          "backend/app/core/config.py", "scripts/release.py")
    (tmp_path / "backend/app/main.py").write_text("import os\nfrom app.core.config import settings\n")
    monkeypatch.chdir(tmp_path)
    project = discover_project([Path(".")])
    assert unique(project.files) == {
        "backend/app/__init__.py": "app", "backend/app/core/__init__.py": "app.core",
        "backend/app/core/config.py": "app.core.config", "backend/app/main.py": "app.main",
        "scripts/release.py": "scripts.release"}
    assert (("backend",), RootKind.IMPORTED) in [(r.rel, r.kind) for r in project.roots]


def test_a_sibling_service_with_a_package_of_the_same_name_is_another_program(tmp_path: Path, monkeypatch) -> None:
    # two services of one repository, each run with its own folder on sys.path, each with a package `app`
    touch(tmp_path, "pyproject.toml", "backend/app/__init__.py", "worker/app/__init__.py", "backend/app/db.py",
          "worker/app/jobs.py", "shared/util.py")
    (tmp_path / "backend/app/main.py").write_text("from app.db import engine\n")
    (tmp_path / "worker/app/main.py").write_text("from app.jobs import queue\n")
    monkeypatch.chdir(tmp_path)
    # the worker analysed: its `app` is worker/app, the backend (another program) is left out
    assert unique(discover_project([Path("worker")]).files) == {
        "worker/app/__init__.py": "app", "worker/app/jobs.py": "app.jobs", "worker/app/main.py": "app.main",
        "shared/util.py": "shared.util"}
    # the whole repository: both stay, the first folder found keeps the name (as before)
    found = unique(discover_project([Path(".")]).files)
    assert found["backend/app/main.py"] == "app.main"
    assert found["worker/app/main.py"] == "worker.app.main"


def test_a_project_nested_in_the_given_folder_is_the_program_analysed(tmp_path: Path, monkeypatch) -> None:
    # lessons of one repository, each a program with a package `app`; lesson 2's project (its packaging file) is a
    # level down, and the folder given holds none
    touch(tmp_path, ".git", "lesson1/pyproject.toml", "lesson1/app/__init__.py", "lesson1/app/main.py",
          "lesson2/backend/pyproject.toml", "lesson2/backend/app/__init__.py", "lesson2/backend/app/main.py",
          "lesson2/notes.py")
    monkeypatch.chdir(tmp_path)
    found = unique(discover_project([Path("lesson2")]).files)
    assert found == {"lesson2/backend/app/__init__.py": "app", "lesson2/backend/app/main.py": "app.main",
                     "lesson2/notes.py": "lesson2.notes"}
    # the whole repository: both stay, the first project found keeps the name (as before)
    found = unique(discover_project([Path(".")]).files)
    assert found["lesson1/app/main.py"] == "app.main"
    assert found["lesson2/backend/app/main.py"] == "lesson2.backend.app.main"


def test_imports_of_the_standard_library_or_fastapi_never_make_an_import_root(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "docs/json/__init__.py", "docs/fastapi/x.py")
    (tmp_path / "main.py").write_text("import json\nfrom fastapi import FastAPI\n")
    monkeypatch.chdir(tmp_path)
    assert unique(discover([Path(".")]))["docs/json/__init__.py"] == "docs.json"


def test_an_import_root_is_never_a_folder_inside_a_regular_package(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "pkg/__init__.py", "pkg/inner/helpers/__init__.py", "pkg/inner/pyproject.toml")
    (tmp_path / "pkg/inner/__init__.py").write_text("from helpers import x\n")  # a sys.path hack, not a layout
    monkeypatch.chdir(tmp_path)
    assert unique(discover([Path(".")]))["pkg/inner/helpers/__init__.py"] == "pkg.inner.helpers"


@pytest.mark.parametrize("config, files, expected", [
    ('[tool.setuptools]\npackage-dir = {"" = "lib"}\n', ["lib/proj/a.py"], "proj.a"),
    ('[tool.setuptools.packages.find]\nwhere = ["code"]\n', ["code/proj/a.py"], "proj.a"),
    ('[tool.setuptools]\npackage-dir = {"proj" = "source"}\n', ["source/a.py"], "proj.a"),
    ('[tool.hatch.build.targets.wheel]\npackages = ["python/proj"]\n', ["python/proj/a.py"], "proj.a"),
    ('[tool.poetry]\npackages = [{ include = "proj", from = "lib" }]\n', ["lib/proj/a.py"], "proj.a"),
    ('[tool.pytest.ini_options]\npythonpath = ["server"]\n', ["server/proj/a.py"], "proj.a"),
])
def test_packaging_configuration_names_import_roots(tmp_path: Path, monkeypatch, config, files, expected) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    touch(tmp_path, *files)
    monkeypatch.chdir(tmp_path)
    assert unique(discover([Path(".")]))[files[0]] == expected


def test_setup_cfg_and_setup_py_name_import_roots(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "setup.cfg").write_text("[options]\npackage_dir =\n    =lib\n")
    touch(tmp_path, "lib/proj/a.py")
    monkeypatch.chdir(tmp_path)
    assert unique(discover([Path(".")]))["lib/proj/a.py"] == "proj.a"
    (tmp_path / "setup.cfg").unlink()
    (tmp_path / "setup.py").write_text("setup(package_dir={'': 'lib'}, packages=find_packages('lib'))\n")
    assert unique(discover([Path(".")]))["lib/proj/a.py"] == "proj.a"


def test_names_python_cannot_import_are_unique_and_unreachable(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "my-app/main.py", "my_app/main.py", "versions/1a2b_init.py", "pkg.py",
          "pkg/__init__.py", "class/x.py")
    monkeypatch.chdir(tmp_path)
    found = unique(discover([Path(".")]))
    assert found["my_app/main.py"] == "my_app.main"
    assert found["pkg/__init__.py"] == "pkg"  # a package wins over a module of the same name, as in Python
    for display in ("my-app/main.py", "versions/1a2b_init.py", "pkg.py", "class/x.py"):
        assert found[display].startswith(UNIMPORTABLE + "."), (display, found[display])


def test_test_code_is_left_out_unless_asked_for(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "app/main.py", "app/test_main.py", "app/main_test.py", "conftest.py",
          "tests/test_api.py", "tests/helpers.py", "test/x.py", "app/testing.py")
    monkeypatch.chdir(tmp_path)
    assert sorted(modules(discover([Path(".")]))) == ["app/main.py", "app/testing.py"]
    everything = discover([Path(".")], include_tests=True)
    assert len(everything) == 8 and {f.display for f in everything if f.is_test} == {
        "app/test_main.py", "app/main_test.py", "conftest.py", "tests/test_api.py", "tests/helpers.py", "test/x.py"}
    # test code given explicitly is analysed: a test folder, a test file
    given = discover([Path("tests")])
    assert {f.display for f in given if f.reported} == {"tests/test_api.py", "tests/helpers.py"}
    assert "app/main.py" in {f.display for f in given}  # the project it belongs to, too
    assert {f.display for f in discover([Path("app/test_main.py")]) if f.reported} == {"app/test_main.py"}


def test_every_file_of_a_mixed_project_gets_one_unique_name(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "src/proj/__init__.py", "src/proj/api/v1/items.py", "src/proj/api/v2/items.py",
          "proj/items.py", "services/auth/main.py", "services/billing/main.py", "a/b/c/__init__.py", "a/b/c.py",
          "docs/conf.py", "migrations/env.py")
    monkeypatch.chdir(tmp_path)
    found = unique(discover([Path(".")]))
    assert found["src/proj/api/v1/items.py"] == "proj.api.v1.items"
    assert found["services/auth/main.py"] == "services.auth.main"
    assert found["src/proj/__init__.py"] == "proj"
    # `proj` is the regular package in src/: its submodules are found there only, as Python does
    assert found["proj/items.py"].startswith(UNIMPORTABLE + ".")
    assert found["a/b/c/__init__.py"] == "a.b.c" and found["a/b/c.py"].startswith(UNIMPORTABLE + ".")


def test_a_regular_package_wins_over_a_namespace_portion_found_first(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "pyproject.toml", "app/stray.py", "backend/app/__init__.py", "backend/app/core.py")
    (tmp_path / "backend/app/main.py").write_text("from app.core import settings\n")
    monkeypatch.chdir(tmp_path)
    found = unique(discover([Path(".")]))
    assert found["backend/app/core.py"] == "app.core"
    assert found["app/stray.py"].startswith(UNIMPORTABLE + ".")  # `app` is backend/app, stray.py is not in it


def test_skipped_directories(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py", ".git/hooks/x.py", ".venv/lib/x.py", "venv/x.py", "node_modules/x.py",
          "build/x.py", "dist/x.py", ".tox/x.py", ".nox/x.py", "__pycache__/x.py", "lib/site-packages/x.py",
          "custom-env/pyvenv.cfg", "custom-env/lib/x.py", "pkg.egg-info/x.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([Path(".")])] == ["app/main.py"]


def test_excludes_match_paths_and_names(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py", "app/generated/models.py", "tests/test_app.py", "app/settings_local.py")
    monkeypatch.chdir(tmp_path)
    found = [f.display for f in discover([Path(".")], excludes=("app/generated", "tests", "*_local.py"))]
    assert found == ["app/main.py"]


def test_paths_are_posix_relative_and_sorted(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "b.py", "a/z.py", "a/b.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([tmp_path])] == ["a/b.py", "a/z.py", "b.py"]


def test_the_same_file_given_twice_is_analysed_once(tmp_path: Path, monkeypatch) -> None:
    touch(tmp_path, "app/main.py")
    monkeypatch.chdir(tmp_path)
    assert [f.display for f in discover([Path("app"), Path("app/main.py"), Path(".")])] == ["app/main.py"]


def test_missing_path(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DiscoveryError, match="path does not exist: nope"):
        discover([Path("nope")])


def test_absolute_imports_are_read_with_a_byte_scan() -> None:
    source = (b"import os, app.core.config as cfg\nfrom app.api import deps\n  from .local import x\n"
              b"def f():\n    import polar.auth\n# import not_code\nx = 'import nothing'\nfrom importlib import y\n")
    assert absolute_imports(source) == {"os", "app.core.config", "app.api", "polar.auth", "importlib"}
