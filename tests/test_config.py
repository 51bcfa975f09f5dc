"""Configuration: `[tool.routeguard]` / routeguard.toml, its discovery, its errors, and what each key does."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from cli_helpers import check_json, cli, write
from routeguard_lint.api import analyze
from routeguard_lint.intent.config import Config, ConfigError, find_config, load_config, path_pattern

OPEN_APP = '''\
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/stripe")
async def stripe_webhook(request: Request, skip: int = 0):
    return {"received": len(await request.body())}


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"id": item_id}
'''


def found(data: dict) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["path"], f["line"]) for f in data["findings"]]


def routes(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, dict]:
    code, out, err = cli("routes", "--format", "json", *args, cwd=cwd, monkeypatch=monkeypatch)
    assert code == 0, err
    return {f"{','.join(r['methods'])} {r['path']}": r for r in json.loads(out)["routes"]}


# ------------------------------------------------------------------------------------------ errors


def config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], *args: str) -> str:
    write(tmp_path, {"main.py": OPEN_APP, **files})
    code, out, err = cli("check", *args, cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("routeguard: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    return err[len("routeguard: error: "):-1]


def test_unknown_key_names_the_file_table_and_key(tmp_path, monkeypatch):
    message = config_error(tmp_path, monkeypatch, {"pyproject.toml": """\
        [tool.routeguard]
        pubic = [{ path = "/webhooks/stripe", reason = "signed payload" }]
        """})
    assert message == "pyproject.toml: [tool.routeguard] unknown key 'pubic' (did you mean 'public'?)"


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path, monkeypatch):
    message = config_error(tmp_path, monkeypatch, {"pyproject.toml": "[tool.routeguard]\nline-length = 3\n"})
    assert message == ("pyproject.toml: [tool.routeguard] unknown key 'line-length' "
                       "(known keys: public, auth-dependencies, exclude, select, ignore, fail-on-unverified, "
                       "respect-gitignore, include-tests)")


def test_routeguard_toml_keys_are_top_level(tmp_path, monkeypatch):
    message = config_error(tmp_path, monkeypatch, {"routeguard.toml": "auth_dependencies = ['x.y']\n"})
    assert message == "routeguard.toml: unknown key 'auth_dependencies' (did you mean 'auth-dependencies'?)"


def test_invalid_toml_names_the_line(tmp_path, monkeypatch):
    message = config_error(tmp_path, monkeypatch, {"pyproject.toml": """\
        [project]
        name = "shop"

        [tool.routeguard]
        select = ["RG001"]
        ignore = RG003
        """})
    assert message.startswith("pyproject.toml: invalid TOML: ")
    assert message.endswith("(at line 6, column 10)")


@pytest.mark.parametrize("toml, expected", [
    ('[tool.routeguard]\npublic = [{ path = "/x" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: 'reason' is required: say why this route needs no "
     "authentication"),
    ('[tool.routeguard]\npublic = [{ path = "/x", reason = "  " }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: 'reason' is required: say why this route needs no "
     "authentication"),
    ('[tool.routeguard]\npublic = [{ path = "/x", reason = "r" }, { reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[1]: 'path' is required: the route path or a glob, e.g. "
     "\"/webhooks/*\""),
    ('[tool.routeguard]\npublic = [{ path = "x", reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: path 'x' must start with '/'"),
    ('[tool.routeguard]\npublic = [{ path = "/x", method = ["GET"], reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: unknown key 'method' (did you mean 'methods'?)"),
    ('[tool.routeguard]\npublic = [{ path = "/x", methods = ["FETCH"], reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: unknown method 'FETCH' (expected one of GET, POST, PUT, "
     "PATCH, DELETE, HEAD, OPTIONS, TRACE, WEBSOCKET)"),
    ('[tool.routeguard]\npublic = [{ path = "/x", methods = [], reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: 'methods' is empty (leave it out to mean every method)"),
    ('[tool.routeguard]\npublic = [{ path = "/x", methods = "GET", reason = "r" }]\n',
     "pyproject.toml: [tool.routeguard] public[0]: 'methods' must be an array of strings, got a string"),
    ('[tool.routeguard]\npublic = ["/x"]\n',
     "pyproject.toml: [tool.routeguard] public[0]: must be a table { path = ..., reason = ... }, got a string"),
    ('[tool.routeguard]\npublic = "/x"\n',
     "pyproject.toml: [tool.routeguard] 'public' must be an array of tables "
     "({ path = ..., methods = [...], reason = ... }), got a string"),
    ('[tool.routeguard]\nselect = ["RG001", "RG999"]\n',
     "pyproject.toml: [tool.routeguard] select: unknown rule 'RG999' (see `routeguard rules`)"),
    ('[tool.routeguard]\nignore = ["credential-in-url"]\n',
     "pyproject.toml: [tool.routeguard] ignore: unknown rule 'credential-in-url' (see `routeguard rules`)"),
    ('[tool.routeguard]\nignore = "RG003"\n',
     "pyproject.toml: [tool.routeguard] 'ignore' must be an array of strings, got a string"),
    ('[tool.routeguard]\nexclude = ["migrations", 3]\n',
     "pyproject.toml: [tool.routeguard] 'exclude' must be an array of strings, got an array with non-string "
     "items"),
    ('[tool.routeguard]\nauth-dependencies = ["fastapi_users.FastAPIUsers.current_user()"]\n',
     "pyproject.toml: [tool.routeguard] auth-dependencies: 'fastapi_users.FastAPIUsers.current_user()' is not "
     "a dotted qualified name (e.g. 'mypkg.auth.require_user')"),
    ('[tool]\nrouteguard = 1\n',
     "pyproject.toml: [tool.routeguard] must be a table, got an integer"),
])
def test_bad_values_are_errors_naming_the_key(tmp_path, monkeypatch, toml, expected):
    assert config_error(tmp_path, monkeypatch, {"pyproject.toml": toml}) == expected


def test_config_option_errors(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "pyproject.toml": "[project]\nname = 'x'\n", "bad.toml": "",
                     "conf/x": ""})
    (tmp_path / "latin1.toml").write_bytes(b"# caf\xe9\n")
    cases = {
        "missing.toml": "config file not found: missing.toml",
        "conf": "config file is a directory: conf",
        "latin1.toml": "latin1.toml: not UTF-8 text (byte 5)",
        "pyproject.toml": "pyproject.toml: no [tool.routeguard] table",
    }
    for option, expected in cases.items():
        code, out, err = cli("check", "--config", option, cwd=tmp_path, monkeypatch=monkeypatch)
        assert (code, out, err) == (2, "", f"routeguard: error: {expected}\n")
    # an empty routeguard.toml is a valid, empty configuration
    code, out, err = cli("check", "--config", "bad.toml", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 1 and err == ""


def test_unreadable_config_file(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "locked.toml": "select = ['RG001']\n"})
    real = os.open

    def os_open(path, flags, *args):  # type: ignore[no-untyped-def]
        if os.fspath(path).endswith("locked.toml"):
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", os_open)  # chmod 000 does not stop root
    code, out, err = cli("check", "--config", "locked.toml", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, out, err) == (2, "", "routeguard: error: cannot read config file locked.toml: Permission denied\n")


def test_routes_command_reports_config_errors_too(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "routeguard.toml": "select = 1\n"})
    code, out, err = cli("routes", cwd=tmp_path, monkeypatch=monkeypatch)
    assert (code, out) == (2, "")
    assert err == "routeguard: error: routeguard.toml: 'select' must be an array of strings, got an integer\n"


def test_analyze_raises_config_error(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "pyproject.toml": "[tool.routeguard]\npubic = []\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^pyproject.toml: \[tool.routeguard\] unknown key 'pubic'"):
        analyze([Path(".")])
    assert analyze([Path(".")], config=Config()).findings  # an explicit Config() skips discovery


# --------------------------------------------------------------------------------------- discovery


def test_discovery_walks_up_from_the_first_path_to_the_repository_top(tmp_path, monkeypatch):
    write(tmp_path, {
        "pyproject.toml": "[tool.routeguard]\nignore = ['RG003']\n",
        "services/api/pyproject.toml": "[project]\nname = 'api'\n",  # no [tool.routeguard]: keep walking
        "services/api/app/main.py": OPEN_APP,
    })
    assert find_config([tmp_path / "services/api/app/main.py"]) == tmp_path / "pyproject.toml"
    assert find_config([tmp_path / "services/api/app"]) == tmp_path / "pyproject.toml"
    (tmp_path / "services/api/routeguard.toml").write_text("ignore = ['RG002']\n")
    assert find_config([tmp_path / "services/api/app"]) == tmp_path / "services/api/routeguard.toml"
    # a repository boundary below the configured directory stops the walk
    (tmp_path / "services/api/routeguard.toml").unlink()
    (tmp_path / "services/api/.git").mkdir()
    assert find_config([tmp_path / "services/api/app"]) is None
    # no paths: from the current directory
    monkeypatch.chdir(tmp_path / "services")
    assert find_config([]) == tmp_path / "pyproject.toml"


def test_routeguard_toml_wins_over_pyproject_in_the_same_directory(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.routeguard]\nignore = ['RG003']\n",
                     "routeguard.toml": "ignore = ['RG002']\n"})
    assert find_config([tmp_path]) == tmp_path / "routeguard.toml"
    assert load_config(find_config([tmp_path])).ignore == ("RG002",)


def test_config_in_a_parent_directory_is_used_and_shown_by_its_path(tmp_path, monkeypatch):
    write(tmp_path, {"app/main.py": OPEN_APP, "pyproject.toml": """\
        [tool.routeguard]
        public = [{ path = "/webhooks/stripe", methods = ["POST"], reason = "signed payload" }]
        """})
    data = routes(tmp_path / "app", monkeypatch)
    assert data["POST /webhooks/stripe"]["public_reason"] == \
        f"declared public in {(tmp_path / 'pyproject.toml').as_posix()}: signed payload"
    data = routes(tmp_path, monkeypatch, "app")
    assert data["POST /webhooks/stripe"]["public_reason"] == "declared public in pyproject.toml: signed payload"


def test_explicit_config_file_replaces_discovery(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP,
                     "pyproject.toml": "[tool.routeguard]\nselect = ['RG003']\n",
                     "ci/routeguard.toml": """\
                         public = [{ path = "/webhooks/stripe", methods = ["POST"], reason = "signed payload" }]
                         """})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, found(data)) == (0, [])  # pyproject.toml: only RG003
    code, data = check_json(tmp_path, monkeypatch, "--config", "ci/routeguard.toml")
    assert (code, found(data)) == (1, [("RG001", "main.py", 11)])


# ----------------------------------------------------------------------------------------- public


@pytest.mark.parametrize("glob, path, expected", [
    ("/webhooks/stripe", "/webhooks/stripe", True),
    ("/webhooks/stripe", "/webhooks/stripe/", True),  # trailing slashes do not matter
    ("/webhooks/stripe/", "/webhooks/stripe", True),
    ("/webhooks/stripe", "/webhooks/stripe2", False),
    ("/webhooks/stripe", "/api/webhooks/stripe", False),
    ("/webhooks/*", "/webhooks/stripe", True),
    ("/webhooks/*", "/webhooks/stripe/events", False),  # `*` stays within one segment
    ("/webhooks/*", "/webhooks", False),
    ("/webhooks/**", "/webhooks", True),  # `**`: zero or more segments
    ("/webhooks/**", "/webhooks/a/b/c", True),
    ("/webhooks/**", "/webhooksx", False),
    ("/**/health", "/health", True),
    ("/**/health", "/v1/internal/health", True),
    ("/**", "/", True),
    ("/", "/", True),
    ("/", "/x", False),
    ("/assets/*.css", "/assets/site.css", True),
    ("/assets/*.css", "/assets/site.css.map", False),
    ("/assets/*.css", "/assets/sitexcss", False),  # `.` is literal
    ("/items/{id}", "/items/{item_id}", True),  # any parameter name
    ("/items/{id}", "/items/42", True),  # or any literal segment
    ("/items/{id}", "/items/{item_id}/reviews", False),
    ("/files/{p}", "/files/{file_path:path}", True),
    ("/items/[a]", "/items/[a]", True),  # regex and fnmatch metacharacters are literal
    ("/items/[a]", "/items/a", False),
])
def test_public_path_globs(glob, path, expected):
    from routeguard_lint.intent.config import _normalise

    assert bool(path_pattern(glob).match(_normalise(path))) is expected


def test_public_entries_make_routes_public_and_silence_rg001(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "pyproject.toml": """\
        [tool.routeguard]
        public = [
            { path = "/webhooks/stripe", methods = ["post"], reason = "signed payload" },
            { path = "/items/{id}", reason = "the catalogue is public" },
        ]
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, data["findings"]) == (0, [])
    # what the entries silenced stays visible as suppressed, from the configuration ("external")
    assert sorted((f["rule_id"], f["route"]["path"], f["kind"], f["justification"]) for f in data["suppressed"]) == [
        ("RG001", "/items/{item_id}", "external", "declared public in pyproject.toml: the catalogue is public"),
        ("RG001", "/webhooks/stripe", "external", "declared public in pyproject.toml: signed payload"),
    ]
    states = {key: (r["state"], r["public"], r["public_reason"], r["reason"])
              for key, r in routes(tmp_path, monkeypatch).items()}
    assert states == {
        "POST /webhooks/stripe": ("public", True, "declared public in pyproject.toml: signed payload",
                                  "declared public in pyproject.toml: signed payload"),
        "GET /items/{item_id}": ("public", True, "declared public in pyproject.toml: the catalogue is public",
                                 "declared public in pyproject.toml: the catalogue is public"),
    }


def test_public_entry_needs_every_method_of_a_route(tmp_path, monkeypatch):
    write(tmp_path, {
        "main.py": """\
            from fastapi import FastAPI

            app = FastAPI()


            @app.api_route("/reports", methods=["GET", "POST"])
            def reports(skip: int = 0):
                return []
            """,
        "pyproject.toml": """\
            [project]
            name = "x"

            [tool.routeguard]
            public = [
                { path = "/reports", methods = ["GET"], reason = "the GET half" },
            ]
            """})
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 1
    assert [(f["rule_id"], f["path"], f["line"], f["column"], f["message"]) for f in data["findings"]] == [
        ("RG001", "main.py", 6, 1,
         "GET,POST /reports is not authenticated: it has no dependencies, so nothing checks a credential"),
        ("RG011", "pyproject.toml", 6, 1,
         'public entry { path = "/reports", methods = ["GET"] } matches no route: its path matches GET,POST '
         "/reports, but a route is public only when every one of its methods is listed"),
    ]
    assert data["findings"][1]["severity"] == "warning"


def test_stale_entries_point_at_their_own_lines(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "pyproject.toml": """\
        [tool.other]
        path = "/gone"

        [[tool.routeguard.public]]
        path = "/webhooks/stripe"
        methods = ["POST"]
        reason = "signed payload"

        [[tool.routeguard.public]]
        path = "/gone"
        reason = "removed in 2.0"

        [[tool.routeguard.public]]
        path = '/webhook/stripe'
        reason = "typo"

        [[tool.routeguard.public]]
        path = "/gone"
        methods = ["GET"]
        reason = "the same path twice"
        """})
    code, data = check_json(tmp_path, monkeypatch)
    assert code == 1
    assert [(f["rule_id"], f["line"], f["message"]) for f in data["findings"] if f["rule_id"] == "RG011"] == [
        ("RG011", 10, 'public entry { path = "/gone" } matches no route: remove it, or correct the path'),
        ("RG011", 14, 'public entry { path = "/webhook/stripe" } matches no route: '
                      "did you mean '/webhooks/stripe'?"),
        ("RG011", 18, 'public entry { path = "/gone", methods = ["GET"] } matches no route: '
                      "remove it, or correct the path"),
    ]


def test_public_does_not_downgrade_an_authenticated_route(tmp_path, monkeypatch):
    write(tmp_path, {
        "main.py": """\
            from fastapi import Depends, FastAPI
            from fastapi.security import HTTPBearer

            app = FastAPI()
            bearer = HTTPBearer()


            @app.get("/me")
            def me(credentials=Depends(bearer)):
                return {}
            """,
        "routeguard.toml": 'public = [{ path = "/me", reason = "was public once" }]\n'})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, found(data)) == (0, [])  # the entry matches a route: not stale either
    assert routes(tmp_path, monkeypatch)["GET /me"]["state"] == "protected"


# ------------------------------------------------------------------------------- auth-dependencies

AUTH_LIB_APP = '''\
import uuid

from corp_sso.fastapi import require_employee
from fastapi import Depends, FastAPI
from fastapi_users import FastAPIUsers
import mylib

users = FastAPIUsers[dict, uuid.UUID](get_user_manager, [auth_backend])
current_user = users.current_user(active=True)
plain = FastAPIUsers(get_user_manager, [auth_backend])

app = FastAPI()


@app.get("/me")
def me(user=Depends(current_user)):
    return user


@app.get("/plain")
def plain_user(user=Depends(plain.current_user())):
    return user


@app.get("/directory", dependencies=[Depends(require_employee)])
def directory(skip: int = 0):
    return []


@app.get("/scoped")
def scoped(user=Depends(mylib.check(scope="read"))):
    return user


@app.get("/open")
def open_route(skip: int = 0):
    return []
'''


def test_auth_dependencies_protect_routes_with_provenance(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": AUTH_LIB_APP})
    before = routes(tmp_path, monkeypatch)
    # fastapi-users' current_user is judged from the documented model shipped with routeguard
    assert {k: r["state"] for k, r in before.items()} == {
        "GET /me": "protected", "GET /plain": "protected", "GET /directory": "unverified",
        "GET /scoped": "unverified", "GET /open": "unprotected"}
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.routeguard]
        auth-dependencies = [
            "fastapi_users.FastAPIUsers.current_user",
            "corp_sso.fastapi.require_employee",
            "mylib.check",
        ]
        """))
    after = routes(tmp_path, monkeypatch)
    summary = {k: (r["state"], r["auth"], r["reason"]) for k, r in after.items()}
    declared = "(declared in config: auth-dependencies in pyproject.toml)"
    documented = "(documented behaviour of fastapi_users.FastAPIUsers.current_user: https://fastapi-users.github.io/fastapi-users/latest/usage/current-user/)"
    assert summary == {
        "GET /me": ("protected", ["users.current_user(active=True)"],
                    f"authenticated by users.current_user(active=True) {documented}"),
        "GET /plain": ("protected", ["plain.current_user()"],
                       f"authenticated by plain.current_user() {documented}"),
        "GET /directory": ("protected", ["corp_sso.fastapi.require_employee"],
                           f"authenticated by corp_sso.fastapi.require_employee {declared}"),
        "GET /scoped": ("protected", ["mylib.check(...)"], f"authenticated by mylib.check(...) {declared}"),
        "GET /open": ("unprotected", [], "it has no dependencies, so nothing checks a credential"),
    }


def test_auth_dependencies_match_the_name_routeguard_shows(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": AUTH_LIB_APP,
                     "routeguard.toml": 'auth-dependencies = ["users.current_user"]\n'})
    states = {k: r["state"] for k, r in routes(tmp_path, monkeypatch).items()}
    assert states["GET /me"] == "protected"
    assert states["GET /directory"] == "unverified"  # `corp_sso...require_employee` is another name


def test_auth_dependency_deep_in_the_tree(tmp_path, monkeypatch):
    write(tmp_path, {
        "main.py": """\
            from fastapi import Depends, FastAPI
            from vendor.auth import session_user

            app = FastAPI()


            def current_account(user=Depends(session_user)):
                return user["account"]


            @app.get("/account")
            def account(account=Depends(current_account)):
                return account
            """,
        "routeguard.toml": 'auth-dependencies = ["vendor.auth.session_user"]\n'})
    route = routes(tmp_path, monkeypatch)["GET /account"]
    assert (route["state"], route["auth"]) == ("protected", ["main.current_account", "vendor.auth.session_user"])


# ------------------------------------------------------------------------------ exclude, select, ignore

RULES_APP = '''\
from fastapi import FastAPI

app = FastAPI()


@app.get("/search")
def search(q: str, token: str):
    return []
'''


def test_exclude_merges_with_the_command_line(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": OPEN_APP, "scripts/seed.py": OPEN_APP, "tools/gen.py": OPEN_APP,
                     "pyproject.toml": '[tool.routeguard]\nexclude = ["scripts"]\n'})
    _, data = check_json(tmp_path, monkeypatch)
    assert sorted({f["path"] for f in data["findings"]}) == ["main.py", "tools/gen.py"]
    _, data = check_json(tmp_path, monkeypatch, "--exclude", "tools")
    assert sorted({f["path"] for f in data["findings"]}) == ["main.py"]


def test_select_and_ignore_from_config_and_cli_overrides(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": RULES_APP})
    _, data = check_json(tmp_path, monkeypatch)
    assert found(data) == [("RG001", "main.py", 6), ("RG003", "main.py", 7)]

    (tmp_path / "pyproject.toml").write_text('[tool.routeguard]\nignore = ["credential-in-query"]\n')
    _, data = check_json(tmp_path, monkeypatch)
    assert found(data) == [("RG001", "main.py", 6)]
    _, data = check_json(tmp_path, monkeypatch, "--ignore", "RG001")  # replaces the configured ignore
    assert found(data) == [("RG003", "main.py", 7)]

    (tmp_path / "pyproject.toml").write_text('[tool.routeguard]\nselect = ["RG003"]\n')
    _, data = check_json(tmp_path, monkeypatch)
    assert found(data) == [("RG003", "main.py", 7)]
    _, data = check_json(tmp_path, monkeypatch, "--select", "RG001")
    assert found(data) == [("RG001", "main.py", 6)]


def test_rg000_runs_whatever_the_configuration_says(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": RULES_APP, "broken.py": "def f(:\n",
                     "pyproject.toml": '[tool.routeguard]\nselect = ["RG003"]\nignore = ["RG000"]\n'})
    code, data = check_json(tmp_path, monkeypatch)
    assert (code, found(data)) == (1, [("RG000", "broken.py", 1), ("RG003", "main.py", 7)])
    monkeypatch.chdir(tmp_path)
    assert [f.rule_id for f in analyze([Path(".")]).findings] == ["RG000", "RG003"]


def test_config_dataclass_rule_codes():
    assert Config(select=("RG001", "RG003"), ignore=("RG003",)).rule_codes() == ["RG001", "RG000"]
    assert Config(select=("RG001",)).rule_codes(["RG002"], None) == ["RG002", "RG000"]
    codes = Config(ignore=("RG001",)).rule_codes(None, ["RG002"])  # --ignore replaces the configured ignore
    assert "RG001" in codes and "RG002" not in codes and "RG012" in codes


def test_auth_dependency_factory_with_optional_arguments(tmp_path, monkeypatch):
    """A factory in `auth-dependencies` can say which keyword arguments make what it returns optional."""
    write(tmp_path, {
        "main.py": """\
            from fastapi import Depends, FastAPI
            from corp_auth import Auth

            auth = Auth()
            app = FastAPI()


            @app.get("/me")
            def me(user=Depends(auth.require_user())):
                return user


            @app.get("/feed")
            def feed(user=Depends(auth.require_user(allow_anonymous=True))):
                return {"user": user}
            """,
        "routeguard.toml": 'auth-dependencies = [{ name = "corp_auth.Auth.require_user", '
                           'optional = { allow_anonymous = true } }]\n'})
    states = {k: r["state"] for k, r in routes(tmp_path, monkeypatch).items()}
    assert states == {"GET /me": "protected", "GET /feed": "unverified"}


def test_auth_dependency_table_errors(tmp_path, monkeypatch):
    write(tmp_path, {"main.py": "x = 1\n",
                     "routeguard.toml": 'auth-dependencies = [{ name = "a.b", optionl = { x = 1 } }]\n'})
    code, out, err = cli("check", ".", cwd=tmp_path, monkeypatch=monkeypatch)
    assert code == 2
    assert "auth-dependencies[1]: unknown key 'optionl'" in err
