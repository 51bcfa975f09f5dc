"""`routeguard check --fix` / `--diff`: the safe autofixes for RG003, RG005 and RG006.

Each case under tests/fix_fixtures/<rule>/<case>/ is a small app in `before/` and what `--fix` must turn it
into in `after/` (identical to `before/` for the cases that must not be fixed). `expect.toml` lists the
fixable findings that must remain, with (part of) the reason the fix gives for leaving each one.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import shutil
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from cli_helpers import cli
from routeguard_lint.fix import apply as fixmod
from routeguard_lint.fix import codemod
from routeguard_lint.fix import plan as fixplan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIX_FIXTURES = Path(__file__).resolve().parent / "fix_fixtures"
FIXABLE = {"RG003", "RG005", "RG006"}


def fix_cases() -> list[Path]:
    return sorted(p for p in FIX_FIXTURES.glob("*/*") if (p / "before").is_dir())


CASES = fix_cases()
IDS = [f"{c.parent.name}/{c.name}" for c in CASES]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(root).parts and "__pycache__" not in p.parts}


def copy_app(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    (dest / ".git").mkdir()  # the project's top: no configuration is looked for above it
    return dest


def remaining_expected(case: Path) -> list[dict]:
    path = case / "expect.toml"
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        return tomllib.load(handle).get("remaining", [])


def fixable_findings(stdout: str) -> set[tuple[str, str]]:
    report = json.loads(stdout)
    return {(f["rule_id"], f"{f['path']}:{f['line']}") for f in report["findings"]
            if f["rule_id"] in FIXABLE and not f.get("suppressed")}


def test_the_cases_exist() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert (case / "after").is_dir(), f"{case}: no after/"
    # each rule has cases that are fixed and cases that must stay byte-identical
    for rule in ("rg003", "rg005", "rg006"):
        changed = [tree(c / "before") != tree(c / "after") for c in CASES if c.parent.name == rule]
        assert True in changed and False in changed, rule


def test_the_main_fixture_harness_does_not_see_these_cases() -> None:
    from fixture_cases import case_dirs

    assert not any(FIX_FIXTURES in case.parents for case in case_dirs())
    conftest = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
    assert '"fix_fixtures/*"' in conftest


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fix_writes_exactly_after_and_a_second_run_changes_nothing(case: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = tree(case / "before"), tree(case / "after")
    project = copy_app(case / "before", tmp_path / "app")
    expected = remaining_expected(case)
    rule = case.parent.name.upper()

    # there is something to fix (rg005/after_rg003: the RG005 appears once the RG003 fix made the token a
    # scheme credential, and a single --fix run carries on until nothing more is fixed)
    code, out, err = cli("check", "--format", "json", ".", cwd=project, monkeypatch=monkeypatch)
    assert fixable_findings(out), f"{case}: no fixable finding"

    code, out, err = cli("check", "--fix", "--format", "json", ".", cwd=project, monkeypatch=monkeypatch)
    assert code in (0, 1), err
    assert tree(project) == after  # byte for byte, every file, nothing added or removed
    # what remains of the fixable rules is exactly what the case says cannot be fixed, and why
    assert fixable_findings(out) == {(r["rule"], r["at"]) for r in expected}
    for item in expected:
        prefix = f"routeguard: not fixed: {item['at']}: {item['rule']} "
        line = next((x for x in err.splitlines() if x.startswith(prefix)), None)
        assert line is not None, err
        assert item["reason"] in line, line
    if before != after:
        summary = next(x for x in err.splitlines() if x.startswith("routeguard: fixed "))
        assert f"{rule}: " in summary, summary
    else:
        assert "routeguard: nothing to fix" in err

    # idempotent: a second run changes nothing and fixes nothing more
    code2, out2, err2 = cli("check", "--fix", "--format", "json", ".", cwd=project, monkeypatch=monkeypatch)
    assert tree(project) == after
    assert "routeguard: nothing to fix" in err2
    assert fixable_findings(out2) == fixable_findings(out)
    assert not [f for f in fixable_findings(out2) if f[0] == rule and f not in {(r["rule"], r["at"])
                                                                                 for r in expected}]
    # the fixed app is valid Python
    for name, data in after.items():
        if name.endswith(".py"):
            compile(data, name, "exec", dont_inherit=True)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_diff_prints_the_fix_and_writes_nothing(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before, after = tree(case / "before"), tree(case / "after")
    project = copy_app(case / "before", tmp_path / "app")
    code, out, err = cli("check", "--diff", ".", cwd=project, monkeypatch=monkeypatch)
    assert tree(project) == before
    expected = "".join(
        "".join(difflib.unified_diff(before[name].decode().splitlines(keepends=True),
                                     after[name].decode().splitlines(keepends=True),
                                     fromfile=f"a/{name}", tofile=f"b/{name}"))
        for name in sorted(before) if before[name] != after[name])
    assert out == expected
    assert code == (1 if before != after else 0), err
    assert ("routeguard: would fix " in err) == (before != after)


# ------------------------------------------------------------------------------------------ details


TOKEN_APP = '''\
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2_scheme)) -> str:
    if token != "u-" + "alice":
        raise HTTPException(status_code=401, detail="Invalid token"){noqa}
    return token


@app.get("/me")
def me(user: str = Depends(current_user)):
    return {{"user": user}}
'''


def write_app(root: Path, text: str, *, newline: str = "\n", encoding: str = "utf-8", bom: bool = False) -> Path:
    root.mkdir()
    (root / ".git").mkdir()
    data = text.replace("\n", newline).encode(encoding)
    (root / "main.py").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return root / "main.py"


def test_line_endings_bom_and_encoding_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "# -*- coding: latin-1 -*-\n# caf\xe9\n" + TOKEN_APP.format(noqa="")
    crlf = write_app(tmp_path / "crlf", text, newline="\r\n", encoding="latin-1")
    cli("check", "--fix", ".", cwd=crlf.parent, monkeypatch=monkeypatch)
    data = crlf.read_bytes()
    assert b'headers={"WWW-Authenticate": "Bearer"})\r\n' in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"# caf\xe9\r\n" in data  # still latin-1

    bom = write_app(tmp_path / "bom", TOKEN_APP.format(noqa=""), bom=True)
    cli("check", "--fix", ".", cwd=bom.parent, monkeypatch=monkeypatch)
    assert bom.read_bytes().startswith(b"\xef\xbb\xbffrom fastapi")
    assert b'"WWW-Authenticate": "Bearer"' in bom.read_bytes()


def test_suppressed_and_unselected_findings_are_not_fixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suppressed = write_app(tmp_path / "noqa", TOKEN_APP.format(noqa="  # noqa: RG006"))
    original = suppressed.read_bytes()
    code, out, err = cli("check", "--fix", ".", cwd=suppressed.parent, monkeypatch=monkeypatch)
    assert suppressed.read_bytes() == original and "nothing to fix" in err

    unselected = write_app(tmp_path / "select", TOKEN_APP.format(noqa=""))
    original = unselected.read_bytes()
    code, out, err = cli("check", "--fix", "--select", "RG001", ".", cwd=unselected.parent, monkeypatch=monkeypatch)
    assert unselected.read_bytes() == original and "nothing to fix" in err


def test_a_fix_whose_result_does_not_compile_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = write_app(tmp_path / "app", TOKEN_APP.format(noqa=""))
    original = main.read_bytes()
    real_compiles = fixplan._compiles
    monkeypatch.setattr(fixplan, "_compiles", lambda text, path: "WWW-Authenticate" not in text and
                        real_compiles(text, path))
    code, out, err = cli("check", "--fix", ".", cwd=main.parent, monkeypatch=monkeypatch)
    assert main.read_bytes() == original
    assert "not fixed: main.py:10: RG006 internal error: the fixed source does not" in err, err
    code, out, err = cli("check", "--diff", ".", cwd=main.parent, monkeypatch=monkeypatch)
    assert out == "" and code == 0


def test_nothing_is_written_over_a_file_that_changed_meanwhile(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    main = write_app(tmp_path / "app", TOKEN_APP.format(noqa=""))
    monkeypatch.chdir(main.parent)
    outcome = fixmod.run_fixes([Path(".")])
    assert list(outcome.changes) == ["main.py"]
    main.write_text(TOKEN_APP.format(noqa="") + "# edited meanwhile\n", encoding="utf-8")
    done = fixmod.write_changes(outcome)
    assert (done.written, done.failed) == ([], [("main.py", "it changed after it was analysed; not written")])
    assert main.read_text(encoding="utf-8").endswith("# edited meanwhile\n")


def test_rules_lists_the_three_as_fixable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, out, err = cli("rules", cwd=tmp_path, monkeypatch=monkeypatch)
    fixable = {line.split()[0] for line in out.splitlines() if " fixable " in line}
    assert fixable == FIXABLE


# ------------------------------------------------------------------------------ layout of insertions


def _call(code: str) -> cst.Call:
    return cst.parse_expression(code)


HEADERS = cst.Arg(keyword=cst.Name("headers"), value=cst.parse_expression("{}"),
                  equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                        whitespace_after=cst.SimpleWhitespace("")))


@pytest.mark.parametrize("before, after", [
    ("f()", "f(headers={})"),
    ("f(401)", "f(401, headers={})"),
    ("f(401, 'x')", "f(401, 'x', headers={})"),
    ("f(\n    a=1,\n    b=2,\n)", "f(\n    a=1,\n    b=2,\n    headers={},\n)"),
    ("f(\n    a=1,\n    b=2\n)", "f(\n    a=1,\n    b=2,\n    headers={}\n)"),
    ("f(\n    a=1,\n)", "f(\n    a=1,\n    headers={},\n)"),
    ("f(  # why\n    a=1,  # one\n    b=2,  # two\n)",
     "f(  # why\n    a=1,  # one\n    b=2,  # two\n    headers={},\n)"),
    ("f(a=1,\n  b=2)", "f(a=1,\n  b=2,\n  headers={})"),
])
def test_append_arg_follows_the_call_layout(before: str, after: str) -> None:
    done = codemod.append_arg(_call(before), HEADERS)
    assert cst.Module([]).code_for_node(done) == after


def test_append_arg_refuses_a_layout_it_cannot_follow() -> None:
    assert codemod.append_arg(_call("f(a=1  # one\n)"), HEADERS) is None


@pytest.mark.parametrize("before, after", [
    ("{}", '{"k": "v"}'),
    ('{"a": 1}', '{"a": 1, "k": "v"}'),
    ('{\n    "a": 1,\n}', '{\n    "a": 1,\n    "k": "v",\n}'),
    ('{\n    "a": 1,  # note\n    "b": 2,  # more\n}',
     '{\n    "a": 1,  # note\n    "b": 2,  # more\n    "k": "v",\n}'),
])
def test_append_dict_follows_the_dict_layout(before: str, after: str) -> None:
    element = cst.DictElement(cst.parse_expression('"k"'), cst.parse_expression('"v"'))
    done = codemod.append_dict(cst.parse_expression(before), element)
    assert cst.Module([]).code_for_node(done) == after


@pytest.mark.parametrize("before, after", [
    ("from fastapi import FastAPI, HTTPException\n", "from fastapi import Depends, FastAPI, HTTPException\n"),
    ("from fastapi import FastAPI, status\n", "from fastapi import Depends, FastAPI, status\n"),
    ("from fastapi import APIRouter\n", "from fastapi import APIRouter, Depends\n"),
    ("from fastapi import (\n    APIRouter,\n    HTTPException,\n)\n",
     "from fastapi import (\n    APIRouter,\n    Depends,\n    HTTPException,\n)\n"),
    ("from fastapi import (\n    APIRouter,\n    Body,\n)\n",
     "from fastapi import (\n    APIRouter,\n    Body,\n    Depends,\n)\n"),
    ("from fastapi import status, FastAPI\n", "from fastapi import status, FastAPI, Depends\n"),
])
def test_add_import_name_keeps_the_import_sorted_and_formatted(before: str, after: str) -> None:
    statement = cst.parse_statement(before)
    done = codemod.add_import_name(statement.body[0], "Depends")
    assert cst.Module([statement.with_changes(body=[done])]).code == after


def test_a_new_import_goes_into_its_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = textwrap.dedent('''\
        """Service keys."""

        import os

        from fastapi import FastAPI, HTTPException, Security
        from fastapi.security import APIKeyHeader

        app = FastAPI()
        api_key_header = APIKeyHeader(name="X-Key")
        SERVICE_KEY = os.environ["SERVICE_KEY"]


        def verify(key: str = Security(api_key_header)) -> str:
            if key != SERVICE_KEY:
                raise HTTPException(status_code=403)
            return key


        @app.get("/x", dependencies=[Security(verify)])
        def x():
            return {}
    ''')
    main = write_app(tmp_path / "app", text)
    cli("check", "--fix", ".", cwd=main.parent, monkeypatch=monkeypatch)
    fixed = main.read_text(encoding="utf-8")
    assert fixed.startswith('"""Service keys."""\n\nimport os\nimport secrets\n\nfrom fastapi import')
    assert "    if not secrets.compare_digest(key.encode(), SERVICE_KEY.encode()):\n" in fixed


def test_diff_of_a_file_without_a_final_newline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = ('from fastapi import FastAPI, HTTPException\n\napp = FastAPI()\n\n\n@app.get("/x")\ndef x():\n'
            '    raise HTTPException(status_code=401)')
    main = write_app(tmp_path / "app", text)
    code, out, err = cli("check", "--diff", ".", cwd=main.parent, monkeypatch=monkeypatch)
    assert code == 1
    assert out.endswith('-    raise HTTPException(status_code=401)\n\\ No newline at end of file\n'
                        '+    raise HTTPException(status_code=401, headers={"WWW-Authenticate": "Bearer"})\n'
                        '\\ No newline at end of file\n')
    cli("check", "--fix", ".", cwd=main.parent, monkeypatch=monkeypatch)
    assert main.read_text(encoding="utf-8").endswith('headers={"WWW-Authenticate": "Bearer"})')


# ------------------------------------------------------------------------- the node a finding reported

TWO_ON_ONE_LINE = '''\
from fastapi import FastAPI
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


@app.get("/pair")
def pair(token: str, api_token: str):
    return {}
'''


def test_each_fix_rewrites_the_node_its_finding_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two RG003 findings on one line: each finding's span names its own parameter, and FileFix.sites gives the
    fix exactly that node (not whatever the line holds)."""
    from routeguard_lint.api import analyze_with_graph
    from routeguard_lint.fix.codemod import FileFix, Project

    main = write_app(tmp_path / "app", TWO_ON_ONE_LINE)
    monkeypatch.chdir(main.parent)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    result, graph = analyze_with_graph([Path(".")])
    found = sorted((f for f in result.findings if f.rule_id == "RG003"), key=lambda f: f.column)
    assert [(f.line, f.column, f.end_column) for f in found] == [(9, 10, 15), (9, 22, 31)]
    project = Project(graph)
    file = FileFix(project, project.by_path["main.py"], main.read_text(encoding="utf-8"))
    names = [[site.node.name.value for site in file.sites(file.scan.params, f)
              if isinstance(site.node, cst.Param)] for f in found]
    assert names == [["token"], ["api_token"]]
    # a finding that names only a line (a rule that reports column 1) gets every candidate on the line
    whole_line = dataclasses.replace(found[0], column=1, end_column=2)
    assert sorted(s.node.name.value for s in file.sites(file.scan.params, whole_line)
                  if isinstance(s.node, cst.Param)) == ["api_token", "token"]


TRICKY = '''"""A module docstring
over two lines."""
# a header comment
import os; import sys


@decorator(
    "arg",  # a comment inside
)
# a comment between the decorator and the def
async def handler(token: str = Query(None), *, other=(1,
        2)) -> None:
    if token == os.environ["TOKEN"]:
        raise HTTPException(status_code=401)
    text = """a string
with lines"""; check(text == "x")


class Box:
\tdef method(self, secret=Header(None)):
\t\treturn (secret
\t\t\t== "x")
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_sites_of_the_statements_a_fix_needs_are_those_of_the_whole_module(newline: str) -> None:
    # the autofixes scan only the top-level statements holding their findings' lines (positions of the whole
    # module cost ten times its parse); each site must be where a scan of the whole module puts it
    text = TRICKY.replace("\n", newline)
    module = cst.parse_module(text)
    whole = codemod.Scan(cst.MetadataWrapper(module, unsafe_skip_copy=True).resolve(cst.metadata.PositionProvider))
    module.visit(whole)
    for line in range(1, text.count(newline) + 2):
        statements = codemod._statements_at(module, text, [line])
        assert statements is not None
        positions: dict[cst.CSTNode, cst.metadata.CodeRange] = {}
        for statement, anchor, first in statements:
            positions.update(codemod._positions_of(module, statement, anchor, first))
        scoped = codemod.Scan(positions)
        for statement, _, _ in statements:
            statement.visit(scoped)
        for kind in ("params", "calls", "compares"):
            mine = [(s.node, s.lines, s.scope, s.start) for s in getattr(scoped, kind)]
            expected = [(s.node, s.lines, s.scope, s.start) for s in getattr(whole, kind) if line in s.lines]
            assert [m for m in mine if line in m[1]] == expected, (line, kind)
    assert len(whole.params) == 4 and len(whole.compares) == 3
