"""Paths of several projects in one run (issue 9 §1): each path is analysed within the project it belongs
to, with that project's root, import roots and configuration, and the reports are merged. Given together,
the projects give exactly what each gives alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import cli, write
from routeguard_lint.api import analyze
from routeguard_lint.files.discovery import DiscoveryError, project_groups
from routeguard_lint.model import Result

# both services call their package `app`, as generated services do
SERVICE = {
    "app/__init__.py": "",
    "app/security.py": """
        import os

        from fastapi import Depends, HTTPException
        from fastapi.security import HTTPBearer

        bearer = HTTPBearer()

        def current_user(token=Depends(bearer)):
            if token.credentials != os.environ["API_TOKEN"]:
                raise HTTPException(status_code=401)
            return "user"
    """,
    "app/main.py": """
        from fastapi import APIRouter, Depends, FastAPI

        from app.security import current_user

        app = FastAPI()
        router = APIRouter(prefix="/{name}")

        @router.get("/me")
        def me(user=Depends(current_user)):
            return user

        @router.get("/open")
        def open_route(skip: int = 0):  # expect: RG001
            return {{}}

        app.include_router(router)
    """,
}


def service(name: str, config: str = "") -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {f"{name}/{rel}": text.replace("{name}", name).replace("{{}}", "{}")
                                     for rel, text in SERVICE.items()}
    files[f"{name}/pyproject.toml"] = f"[project]\nname = '{name}'\n{config}"
    return files


# a checkout of a library beside the projects: its `fastapi` package is not the projects' FastAPI
FASTAPI_CHECKOUT: dict[str, str | bytes] = {
    "fastapi/pyproject.toml": "[project]\nname = 'fastapi'\n",
    "fastapi/fastapi/__init__.py": "class FastAPI:\n    pass\n\nclass APIRouter:\n    pass\n",
}

PUBLIC_OPEN = """
[tool.routeguard]
public = [{ path = "/billing/open", reason = "the billing status page is public" }]
"""


def _shape(result: Result) -> tuple[list[tuple[str, str, int, str, str]], list[tuple[tuple[str, ...], str, str, str]],
                                   int]:
    return ([(f.rule_id, f.path, f.line, f.message, f.suppressed or "") for f in result.findings],
            [(r.methods, r.path, r.file, r.state) for r in result.routes], result.files)


def _alone_and_together(root: Path, monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    monkeypatch.chdir(root)
    alone = [_shape(analyze([Path(name)])) for name in names]
    together = _shape(analyze([Path(name) for name in names]))
    assert sorted(together[0]) == sorted(f for one in alone for f in one[0])
    assert sorted(together[1]) == sorted(r for one in alone for r in one[1])
    assert together[2] == sum(one[2] for one in alone)
    for one in alone:
        assert one[1], "each project alone finds its routes"


def test_sibling_projects_given_together_give_what_each_gives_alone(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each with its own configuration (billing declares its open route public), beside a checkout of a
    library whose package is called `fastapi`: analysed as one project rooted at their common folder, that
    checkout was project code and no route was found."""
    write(tmp_path, {**service("accounts"), **service("billing", PUBLIC_OPEN), **FASTAPI_CHECKOUT}, top=False)
    _alone_and_together(tmp_path, monkeypatch, "accounts", "billing")
    result = analyze([Path("accounts"), Path("billing")])
    assert [(r.path, r.state) for r in result.routes] == [
        ("/accounts/me", "protected"), ("/accounts/open", "unprotected"),
        ("/billing/me", "protected"), ("/billing/open", "public")]
    assert [(f.rule_id, f.path, f.line, f.suppressed) for f in result.findings if f.rule_id == "RG001"] == [
        ("RG001", "accounts/app/main.py", 13, None),
        ("RG001", "billing/app/main.py", 13, "declared public in billing/pyproject.toml: the billing status page is "
                                             "public")]


def test_two_services_of_a_monorepo_each_with_its_own_pyproject(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """One repository (.git at the top), two services that both name their package `app`: given together
    each keeps its own `app` (as one project, one of them was renamed through the repository root and its
    imports of `app.security` met the other's)."""
    write(tmp_path, {**service("services/accounts"), **service("services/billing", PUBLIC_OPEN)}, top=True)
    for main in tmp_path.glob("services/*/app/main.py"):  # the route paths as in the sibling case
        main.write_text(main.read_text().replace("/services/", "/"))
    _alone_and_together(tmp_path, monkeypatch, "services/accounts", "services/billing")
    result = analyze([Path("services/accounts"), Path("services/billing")])
    assert [(r.path, r.state, r.file) for r in result.routes] == [
        ("/accounts/me", "protected", "services/accounts/app/main.py"),
        ("/accounts/open", "unprotected", "services/accounts/app/main.py"),
        ("/billing/me", "protected", "services/billing/app/main.py"),
        ("/billing/open", "public", "services/billing/app/main.py")]


def test_check_across_projects_exit_code_and_route_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {**service("accounts"), **service("billing", PUBLIC_OPEN), **FASTAPI_CHECKOUT}, top=False)
    code, out, err = cli("check", "accounts", "billing", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1
    assert "accounts/app/main.py:13:1: RG001" in out
    assert "4 routes: 2 protected, 1 public, 1 unprotected, 0 unverified" in out
    code, out, err = cli("check", "--select", "RG001", "billing", "accounts/app/security.py", cwd=tmp_path,
                         monkeypatch=monkeypatch)
    assert (code, err) == (0, "")  # billing's open route is public by its own configuration
    assert "2 routes: 1 protected, 1 public, 0 unprotected, 0 unverified" in out
    code, out, err = cli("routes", "billing", "accounts", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0
    assert [line.split("\t")[:3] for line in out.splitlines()[1:]] == [
        ["GET", "/accounts/me", "protected"], ["GET", "/accounts/open", "unprotected"],
        ["GET", "/billing/me", "protected"], ["GET", "/billing/open", "public"]]


def test_fail_on_unverified_and_verbose_per_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One project's `fail-on-unverified` makes the run fail on its unverified routes; `--verbose` names
    every project's configuration."""
    files = {**service("accounts"), **service("billing", "[tool.routeguard]\nfail-on-unverified = true\n")}
    for name in ("accounts", "billing"):  # `me` depends on what a plugin registry holds: unverified
        files[f"{name}/app/main.py"] = str(files[f"{name}/app/main.py"]).replace(
            "def me(user=Depends(current_user))", "def me(user=Depends(plugins.current_user))").replace(
            "from app.security import current_user", "from app import plugins")
    write(tmp_path, files, top=False)
    code, out, err = cli("check", "--select", "RG002", "-v", "accounts", "billing", cwd=tmp_path,
                         monkeypatch=monkeypatch)
    assert code == 1
    assert "1 unverified route fail the run (fail-on-unverified): GET /billing/me (" in err
    assert "routeguard: configurations (one per project): none found, billing/pyproject.toml" in err
    assert "2 routes: 0 protected, 0 public, 1 unprotected, 1 unverified" in cli(
        "check", "--select", "RG002", "accounts", "billing/app/security.py", cwd=tmp_path, monkeypatch=monkeypatch)[1]
    # accounts' configuration does not fail on unverified routes, billing's only covers its own
    assert cli("check", "--select", "RG002", "accounts", "billing/app/security.py", cwd=tmp_path,
               monkeypatch=monkeypatch)[0] == 0
    assert cli("check", "--select", "RG002", "--fail-on-unverified", "accounts", "billing/app/security.py",
               cwd=tmp_path, monkeypatch=monkeypatch)[0] == 1


def test_project_groups() -> None:
    """Grouping only: by each path's own project root, in the order given; a group inside a folder given
    in another joins it; paths with no project marker above them (a test suite's fixture apps) stay one
    group as before."""
    fixtures = Path(__file__).resolve().parent / "fixtures"
    repo = fixtures.parent.parent
    cases = [fixtures / "evaluation" / "mount_paths", fixtures / "rg001" / "http_methods"]
    assert project_groups(cases, cwd=repo) == [cases]
    layout = fixtures / "layouts" / "src_layout"  # a project of its own (its pyproject.toml)
    assert project_groups([*cases, layout], cwd=repo) == [cases, [layout]]
    assert project_groups([repo / "src", repo / "benchmarks"], cwd=repo) == [[repo / "src", repo / "benchmarks"]]
    assert project_groups([*cases, repo], cwd=repo) == [[repo, *cases]]
    with pytest.raises(DiscoveryError, match="path does not exist: nope"):
        project_groups([Path("nope")], cwd=repo)


def test_project_groups_of_siblings_and_nested_services(tmp_path: Path) -> None:
    write(tmp_path, {**service("a"), **service("b"), **service("repo/svc")}, top=False)
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / "tools").mkdir()
    a, b, svc, tools = tmp_path / "a", tmp_path / "b/app/main.py", tmp_path / "repo/svc", tmp_path / "repo/tools"
    assert project_groups([b, a, a / "app"], cwd=tmp_path) == [[b], [a, a / "app"]]
    assert project_groups([svc, tools], cwd=tmp_path) == [[svc], [tools]]
    # the repository's folder covers the service inside it: one analysis, as for the repository alone
    assert project_groups([svc, tmp_path / "repo"], cwd=tmp_path) == [[tmp_path / "repo", svc]]


def test_fixes_across_projects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixable count, `--diff` and `--fix` each cover every project, each fixed from its own analysis."""
    write(tmp_path, {**service("accounts"), **service("billing"), **FASTAPI_CHECKOUT}, top=False)
    code, out, err = cli("check", "accounts", "billing", cwd=tmp_path, monkeypatch=monkeypatch)
    assert "Found 6 findings (RG001: 2, RG005: 2, RG006: 2) in 4 files (6 analysed). 4 fixable with --fix." in out
    code, out, err = cli("check", "--diff", "accounts", "billing", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1
    assert [line for line in out.splitlines() if line.startswith("+++")] == [
        "+++ b/accounts/app/security.py", "+++ b/billing/app/security.py"]
    assert "would fix 4 findings in 2 files (RG005: 2, RG006: 2)" in err
    code, out, err = cli("check", "--fix", "billing", "accounts", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1  # the two RG001 remain
    for name in ("accounts", "billing"):
        assert "secrets.compare_digest" in (tmp_path / name / "app" / "security.py").read_text()
    assert "Found 2 findings (RG001: 2) in 2 files (6 analysed)." in out
