"""A repository of services (issue 9 §1): nested projects that are programs of their own (each run with its own
folder on `sys.path`, each importing a package of a name another one holds too) are analysed each as its own
program, still rooted where the shared folders they import are visible, and the results merged; a project
without such services is analysed as one, as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import cli, write
from routeguard_lint.api import analyze, analyze_checked
from routeguard_lint.files.discovery import Program, discover_project, programs_of
from routeguard_lint.files.layout import RootKind, import_roots, name_files, separate_programs

Files = dict[str, str]


def service(name: str, prefix: str) -> Files:
    """A service run from its own folder: its `routes` package imported by that top-level name, and the
    repository's `shared` package imported from the folder above it."""
    return {
        f"{name}/pyproject.toml": f'[project]\nname = "{name}"\n',
        f"{name}/main.py": f"""
            from fastapi import Depends, FastAPI

            from routes.api import router
            from shared.security import operator

            app = FastAPI()
            app.include_router(router, prefix="/{prefix}", dependencies=[Depends(operator)])
        """,
        f"{name}/routes/__init__.py": "",
        f"{name}/routes/api.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/items")
            def items():
                return []
        """,
    }


SHARED: Files = {
    "shared/__init__.py": "",
    "shared/security.py": """
        import os

        from fastapi import Depends, HTTPException
        from fastapi.security import HTTPBearer

        bearer = HTTPBearer()

        def operator(token=Depends(bearer)):
            if token.credentials != os.environ["API_TOKEN"]:
                raise HTTPException(status_code=401)
            return "operator"
    """,
}


def read_from(files: dict[tuple[str, ...], str]):
    return lambda rel: files.get(rel, "").encode()


def test_nested_projects_importing_names_they_both_hold_are_separate_programs() -> None:
    files = {
        ("users", "main.py"): "from routes.accounts import router\n",
        ("users", "routes", "accounts.py"): "from shared.models import User\n",
        ("carts", "main.py"): "from routes.items import router\nfrom models import Cart\n",
        ("carts", "models.py"): "",
        ("carts", "routes", "items.py"): "",
        # imports what it holds through its own folder's name: a package imported from its parent
        ("shared", "models", "user.py"): "from shared.models.base import Base\n",
        ("shared", "models", "base.py"): "",
        # holds `routes` too, but never imports it by that name
        ("docs", "routes", "x.py"): "import os\n",
    }
    nested = [("users",), ("carts",), ("shared",), ("docs",)]
    assert separate_programs(sorted(files), nested, read_from(files)) == (("carts",), ("users",))
    # one service alone, or services whose top-level names differ, are not separate programs
    assert separate_programs(sorted(files), [("users",), ("shared",)], read_from(files)) == ()
    renamed = {k: v.replace("routes", "carts_routes") if k[0] == "carts" else v for k, v in files.items()}
    renamed = {(k[0], "carts_routes", *k[2:]) if k[1:2] == ("routes",) and k[0] == "carts" else k: v
               for k, v in renamed.items()}
    assert separate_programs(sorted(renamed), nested, read_from(renamed)) == ()
    # a regular package's folder is never a path entry, whatever packaging file it holds
    packaged = {**files, ("users", "__init__.py"): ""}
    assert separate_programs(sorted(packaged), nested, read_from(packaged)) == ()


def test_each_service_is_its_own_program_and_every_file_is_reported_once(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {**service("users", "users"), **service("carts", "carts"), **SHARED, "tools/run.py": ""})
    monkeypatch.chdir(tmp_path)
    whole = discover_project([Path(".")])
    assert whole.services == (("carts",), ("users",))
    parts = programs_of(whole)
    assert parts == [Program(("carts",), whole.services), Program(("users",), whole.services),
                     Program(None, whole.services)]
    reported: list[str] = []
    for part in parts:
        project = discover_project([Path(".")], program=part)
        reported += [f.display for f in project.files if f.reported]
        names = {f.display: f.module for f in project.files}
        if part.service is not None:
            other = "users" if part.service == ("carts",) else "carts"
            assert not any(name.startswith(f"{other}/") for name in names)  # the other service is left out
            assert names[f"{part.service[0]}/routes/api.py"] == "routes.api"  # its own `routes`
            assert names["shared/security.py"] == "shared.security"
    assert sorted(reported) == sorted(f.display for f in whole.files)
    # a path inside one service: only that service's part reports anything
    inside = discover_project([Path("carts/routes")])
    assert programs_of(inside) == []  # its project is the service's own (its packaging file)
    repo_part = discover_project([Path("."), Path("tools")])
    assert len(programs_of(repo_part)) == 3


def test_services_analysed_together_give_what_each_gives_alone(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {**service("users", "users"), **service("carts", "carts"), **SHARED})
    monkeypatch.chdir(tmp_path)
    result = analyze([Path(".")])
    assert [(r.path, r.state, r.reachable) for r in result.routes] == [
        ("/carts/items", "protected", True), ("/users/items", "protected", True)]
    assert result.files == 8  # each file counted once
    store = tmp_path / ".routeguard_cache"
    first = analyze_checked([Path(".")], cache_dir=store)
    again = analyze_checked([Path(".")], cache_dir=store)
    assert again.result == first.result == analyze_checked([Path(".")]).result
    assert [(r.path, r.state) for r in again.result.routes] == [("/carts/items", "protected"),
                                                                ("/users/items", "protected")]
    # a service's result is its own entry: a change there is seen, the other's entry still serves
    (tmp_path / "carts/main.py").write_text((tmp_path / "carts/main.py").read_text().replace(
        ', dependencies=[Depends(operator)]', ''))
    changed = analyze_checked([Path(".")], cache_dir=store)
    assert [(r.path, r.state == "protected") for r in changed.result.routes] == [("/carts/items", False),
                                                                                 ("/users/items", True)]
    assert changed.result == analyze_checked([Path(".")]).result
    # no longer separate programs (one service's package renamed): one analysis again, never a stale part
    (tmp_path / "users/routes").rename(tmp_path / "users/users_routes")
    (tmp_path / "users/main.py").write_text((tmp_path / "users/main.py").read_text().replace(
        "from routes.api", "from users_routes.api"))
    assert discover_project([Path(".")]).services == ()
    merged = analyze_checked([Path(".")], cache_dir=store)
    assert [(r.path, r.state == "protected") for r in merged.result.routes] == [("/carts/items", False),
                                                                                ("/users/items", True)]
    assert merged.result == analyze_checked([Path(".")]).result


def test_a_nested_project_importing_itself_by_its_folder_name_is_no_import_root() -> None:
    files = {
        ("backend", "shared", "managers", "tokens.py"): "from shared.settings import KEY\n",
        ("backend", "shared", "settings.py"): "import os\n",
        ("backend", "users", "main.py"): "from managers.tokens import decode\nfrom shared.managers import tokens\n",
        ("backend", "users", "managers", "tokens.py"): "",
        # a project folder holding its package of the same name is a path entry
        ("libs", "auth", "auth", "core.py"): "from auth.keys import KEY\n",
        ("libs", "auth", "auth", "keys.py"): "",
    }
    nested = [("backend", "shared"), ("backend", "users"), ("libs", "auth")]
    roots, _ = import_roots(Path("/nowhere"), sorted(files), nested, read_from(files))
    assert [(r.kind, r.rel) for r in roots] == [
        (RootKind.PROJECT, ()), (RootKind.NESTED, ("backend", "users")), (RootKind.NESTED, ("libs", "auth")),
        (RootKind.IMPORTED, ("backend",))]
    naming = name_files(sorted(files), roots)
    assert naming.names[("backend", "shared", "managers", "tokens.py")] == "shared.managers.tokens"
    assert naming.names[("backend", "users", "managers", "tokens.py")] == "managers.tokens"


def test_fixes_in_a_repository_of_services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`check --diff` fixes each part from its own analysis, as `check` reports it: the shared file once."""
    write(tmp_path, {**service("users", "users"), **service("carts", "carts"), **SHARED})
    code, out, err = cli("check", ".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "Found 1 finding (RG006: 1) in 1 file (8 analysed). 1 fixable with --fix." in out
    code, out, err = cli("check", "--diff", ".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("+++")] == ["+++ b/shared/security.py"]
