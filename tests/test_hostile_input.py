"""Hostile input: routeguard never crashes on it, never loses a finding, never runs the code it reads.

Every input is built in `tmp_path` while the test runs (binary files, odd encodings, symlink loops,
FIFOs, undecodable file names): nothing hostile is committed. Each file-level failure must be exactly one
RG000 finding with the file and line, while a normal unprotected route in a sibling file is still
reported as RG001. See docs/reliability.md.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import random
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import unquote

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli_helpers
from cli_helpers import cli
from routeguard_lint import api
from routeguard_lint.api import analyze
from routeguard_lint.facts import extract as facts
from routeguard_lint.intent.config import Config
from routeguard_lint.model import Finding
from routeguard_lint.parsing import source as parse
from routeguard_lint.rules import rg001_unprotected_route, rg002_auth_never_rejects

REPO = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

SIBLING = '''\
from fastapi import FastAPI

app = FastAPI()


@app.get("/sibling")
def sibling(skip: int = 0):
    return {}
'''
SIBLING_FINDING = ("RG001", "proj/main.py", 6)


def load_benchmark(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    """Exactly these bytes (no dedent), and no repository top: the tests place `.git` themselves."""
    return cli_helpers.write(root, files, top=False, dedent=False)


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path/proj holding main.py with one unprotected route; the cwd is tmp_path; no facts cache."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    write(tmp_path / "proj", {"main.py": SIBLING})
    return tmp_path / "proj"


def findings(jobs: int = 1, paths: tuple[str, ...] = ("proj",)) -> list[Finding]:
    return analyze([Path(p) for p in paths], jobs=jobs, config=Config()).findings


def located(found: list[Finding]) -> set[tuple[str, str, int]]:
    return {(f.rule_id, f.path, f.line) for f in found}


def only_rg000(found: list[Finding], path: str) -> Finding:
    """The one RG000 finding of `path`, after checking the sibling route was still reported."""
    assert SIBLING_FINDING in located(found), found
    matching = [f for f in found if f.rule_id == "RG000" and f.path == path]
    assert len(matching) == 1, found
    return matching[0]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return cli_helpers.run(*args, cwd=cwd, env={"ROUTEGUARD_NO_CACHE": "1", "COLUMNS": "200"}, binary=True)


# ------------------------------------------------------------------------------ files that cannot be read


BAD_FILES = {
    # name: (content, line, column, message)
    "syntax_error": (b"def f(:\n    pass\n", 1, 7, "syntax error: invalid syntax"),
    "python2_print": (b'import os\nprint "x"\n', 2, 1,
                      "syntax error: Missing parentheses in call to 'print'. Did you mean print(...)?"),
    "python2_exec": (b"import os\n\nexec 'x = 1'\n", 3, 1,
                     "syntax error: Missing parentheses in call to 'exec'. Did you mean exec(...)?"),
    "python2_octal": (b"MODE = 0777\n", 1, 8, "syntax error: leading zeros in decimal integer literals are not "
                                              "permitted; use an 0o prefix for octal integers"),
    "python2_backticks": (b"x = 1\ny = `x`\n", 2, 5, "syntax error: invalid syntax"),
    "nul_byte": (b"x = 1\ny = 2\x00\n", 2, 1, "file contains NUL bytes (binary file named .py?)"),
    "binary_with_nul": (bytes(range(256)) * 4, 1, 1, "file contains NUL bytes (binary file named .py?)"),
    "binary_without_nul": (b"\x89PNG\r\n\x1a\n\xff\xd8\xff\xe0" * 8, 1, 1,
                           "cannot decode as utf-8: invalid start byte"),
    "latin1_without_cookie": (b"x = 1\nname = 'caf\xe9'\n", 2, 12, "cannot decode as utf-8: invalid continuation byte"),
    "unknown_cookie": (b"# -*- coding: klingon -*-\nx = 1\n", 1, 1, "cannot decode: unknown encoding: klingon"),
    "unknown_cookie_line_2": (b"#!/usr/bin/env python\n# -*- coding: klingon -*-\nx = 1\n", 2, 1,
                              "cannot decode: unknown encoding: klingon"),
    "cookie_not_matching_bytes": (b"# -*- coding: ascii -*-\nx = 1\nname = 'caf\xc3\xa9'\n", 3, 12,
                                  "cannot decode as ascii: ordinal not in range(128)"),
    "utf8_cookie_latin1_bytes": (b"# coding: utf-8\nname = '\xe9'\n", 2, 9,
                                 "cannot decode as utf-8: invalid continuation byte"),
    "bom_with_latin1_cookie": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", 1, 1,
                               "cannot decode: a UTF-8 byte-order mark, but a coding cookie for latin-1"),
    "vertical_tab": (b"x = 1 \x0b\n", 1, 7, "syntax error: invalid non-printable character U+000B"),
    "unterminated_string": (b'x = """never closed\n\n', 1, 5,
                            "syntax error: unterminated triple-quoted string literal (detected at line 2)"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_file_level_failure_is_one_rg000_and_the_rest_is_analysed(proj: Path, name: str) -> None:
    content, line, column, message = BAD_FILES[name]
    write(proj, {"bad.py": content})
    found = findings()
    assert len(found) == 2  # the sibling's RG001 and this RG000, nothing else
    finding = only_rg000(found, "proj/bad.py")
    assert (finding.line, finding.column) == (line, column)
    assert finding.message == f"cannot analyse proj/bad.py: {message}"


@pytest.mark.parametrize("name, source, depth", [
    ("parentheses", "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", 5000),
    ("brackets", "x = " + "[" * 5000 + "1" + "]" * 5000 + "\n", 5000),
    ("plus_chain", "x = " + " + ".join(["a"] * 100_000) + "\n", 99_999),
    ("and_chain", "x = " + " and ".join(["a"] * 10_000) + "\n", 10_002),
    ("attribute_chain", "x = a" + ".b" * 20_000 + "\n", 20_000),
    ("subscript_chain", "x = a" + "[0]" * 5000 + "\n", 5000),
    ("dotted_import", "import a" + ".b" * 100_000 + "\n", 100_000),
    ("elif_chain", "if a:\n    pass\n" + "elif a:\n    pass\n" * 5000, 5000),
])
def test_deep_nesting_is_rg000_nested_too_deeply_and_the_process_stays_healthy(
        proj: Path, name: str, source: str, depth: int) -> None:
    # LibCST's native parser overflows the C stack (the process dies) or needs minutes on these
    write(proj, {"deep.py": "import os\n\n" + source})
    limit, gc_enabled = sys.getrecursionlimit(), gc.isenabled()
    started = time.perf_counter()
    found = findings()
    assert time.perf_counter() - started < 60
    assert len(found) == 2
    finding = only_rg000(found, "proj/deep.py")
    line = 3 if name != "elif_chain" else 2 * depth + 3
    assert finding.line == line
    assert finding.message == (f"cannot analyse proj/deep.py: file is nested too deeply to analyse ({depth} levels "
                               f"at line {line}; the limit is {parse.MAX_NESTING})")
    assert (sys.getrecursionlimit(), gc.isenabled()) == (limit, gc_enabled)
    assert SIBLING_FINDING in located(findings())  # and the next run is fine


def test_many_chains_under_the_depth_limit_are_bounded_too(proj: Path) -> None:
    chain = "x = a" + ".b" * 400 + "\n"  # each ~0.1 s for LibCST; 400 of them would take a minute
    write(proj, {"chains.py": "import os\n" + chain * 400})
    started = time.perf_counter()
    finding = only_rg000(findings(), "proj/chains.py")
    assert time.perf_counter() - started < 30
    assert finding.line == 2
    assert finding.message.startswith("cannot analyse proj/chains.py: file is nested too deeply to analyse in "
                                      "bounded time (too much deeply nested code from line 2 on: ")
    assert finding.message.endswith(f"; the limit is {parse.MAX_DEEP_WORK:,})")


def test_nesting_below_the_limits_is_analysed(proj: Path) -> None:
    source = "x = " + " + ".join(["a"] * 300) + "\ny = (" + " or ".join(["b"] * 300) + ")\n"
    write(proj, {"fine.py": source + SIBLING.replace("/sibling", "/fine")})
    assert located(findings()) == {SIBLING_FINDING, ("RG001", "proj/fine.py", 8)}


def test_a_file_larger_than_max_bytes_is_rg000_too_large(proj: Path) -> None:
    size = parse.MAX_BYTES + 1
    (proj / "huge.py").write_bytes(b"#" * size)
    finding = only_rg000(findings(), "proj/huge.py")
    assert finding.line == 1
    assert finding.message == (f"cannot analyse proj/huge.py: file is too large to analyse ({size:,} bytes; "
                               f"the limit is {parse.MAX_BYTES:,})")
    assert facts.extract(b"#" * size, "x.py", "x", False).error == facts.FileError(
        f"file is too large to analyse ({size:,} bytes; the limit is {parse.MAX_BYTES:,})", 1, 1)


@pytest.mark.slow
def test_a_50000_line_file_is_analysed_in_reasonable_time(proj: Path) -> None:
    bench = load_benchmark("memory_50k")
    text = bench.generate(50_000)
    assert len(text.splitlines()) == 50_000
    (proj / "big.py").write_text(text)
    started = time.perf_counter()
    result = analyze([Path("proj/big.py")], jobs=1, config=Config())
    elapsed = time.perf_counter() - started
    routers = bench.routers(text)
    assert not [f for f in result.findings if f.rule_id == "RG000"]
    assert len(result.routes) == 2 * routers  # one protected and one open route per router
    assert sorted({r.state for r in result.routes}) == ["protected", "unprotected"]
    assert len([f for f in result.findings if f.rule_id == "RG001"]) == routers
    assert elapsed < 300, elapsed  # ~20 s on a loaded 2-core machine; minutes would be a regression


# ------------------------------------------------------------------- files that parse: encodings, line ends


ROUTE_FILE = '''"""Module doc
spanning
lines."""
from fastapi import FastAPI
total = 1 + \\
    2
app = FastAPI()

@app.get("/crlf")
def handler(skip: int = 0):
    return {"text": """multi
line"""}


@app.get("/second")
def second(skip: int = 0):
    return {}
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "lone_cr"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no_bom", "bom"])
def test_line_endings_and_bom_parse_with_exact_line_numbers(proj: Path, newline: str, bom: bytes) -> None:
    write(proj, {"routes.py": bom + ROUTE_FILE.replace("\n", newline).encode()})
    found = findings()
    assert located(found) == {SIBLING_FINDING, ("RG001", "proj/routes.py", 9), ("RG001", "proj/routes.py", 15)}
    columns = {(f.line, f.column, f.end_column) for f in found if f.path == "proj/routes.py"}
    assert columns == {(9, 1, 18), (15, 1, 20)}  # the decorator, up to the end of its line


def test_form_feeds_keep_lines_and_columns(proj: Path) -> None:
    source = "import os\n\x0c\ntotal = 1\x0c+ 2\n\x0c\n@app.get('/ff')\ndef ff(skip: int = 0):\n    return {}\n"
    write(proj, {"ff.py": "from fastapi import FastAPI\napp = FastAPI()\n" + source})
    found = [f for f in findings() if f.path == "proj/ff.py"]
    assert [(f.rule_id, f.line, f.column, f.end_column) for f in found] == [("RG001", 7, 1, 16)]


def test_latin1_file_with_its_cookie_parses(proj: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + SIBLING.replace("/sibling", "/caf\xe9")
    write(proj, {"latin.py": source.encode("latin-1")})
    found = findings()
    assert ("RG001", "proj/latin.py", 7) in located(found)
    assert [f.route_path for f in found if f.path == "proj/latin.py"] == ["/caf\xe9"]


def test_empty_and_comment_only_files_are_fine(proj: Path) -> None:
    write(proj, {"empty.py": b"", "blank.py": b"\n\n\n", "comment.py": b"# nothing here\n",
                 "__init__.py": b""})
    assert located(findings()) == {SIBLING_FINDING}


# ------------------------------------------------------------------------ the file system being hostile


def test_a_file_that_vanishes_after_discovery_is_rg000(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"vanish.py": SIBLING})
    discover = api.discover_project

    def discover_then_delete(*args, **kwargs):
        project = discover(*args, **kwargs)
        (proj / "vanish.py").unlink()
        return project

    monkeypatch.setattr(api, "discover_project", discover_then_delete)
    finding = only_rg000(findings(), "proj/vanish.py")
    assert (finding.line, finding.message) == (1, "cannot analyse proj/vanish.py: cannot read file: No such file "
                                                  "or directory")


def test_an_unreadable_file_is_rg000(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"locked.py": SIBLING})
    if IS_ROOT:  # chmod 000 does not stop root: make the open fail the way it fails for everyone else
        real_open = os.open

        def denied(path, flags, *args, **kwargs):
            if os.fspath(path).endswith("locked.py"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    else:
        (proj / "locked.py").chmod(0)
    finding = only_rg000(findings(), "proj/locked.py")
    assert (finding.line, finding.message) == (1, "cannot analyse proj/locked.py: cannot read file: Permission denied")


def test_a_directory_that_cannot_be_listed_is_rg000(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"private/routes.py": SIBLING})
    if IS_ROOT:  # root lists a chmod 000 directory anyway: fail the listing as it fails for other users
        real_scandir = os.scandir

        def denied(path="."):
            if os.fspath(path).endswith("private"):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(os, "scandir", denied)
    else:
        (proj / "private").chmod(0)
    try:
        finding = only_rg000(findings(), "proj/private")
    finally:
        (proj / "private").chmod(0o755)
    assert (finding.line, finding.message) == (1, "cannot analyse proj/private: cannot list directory: "
                                                  "Permission denied")


def test_dangling_symlink_is_rg000(proj: Path) -> None:
    (proj / "dangling.py").symlink_to(proj / "does-not-exist.py")
    finding = only_rg000(findings(), "proj/dangling.py")
    assert finding.message == "cannot analyse proj/dangling.py: cannot read file: No such file or directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="os.mkfifo: FIFOs exist on POSIX systems only")
def test_a_fifo_named_py_is_rg000_and_never_read(proj: Path) -> None:
    os.mkfifo(proj / "pipe.py")  # opening it for reading the ordinary way would block forever
    finding = only_rg000(findings(jobs=1), "proj/pipe.py")
    assert finding.message == ("cannot analyse proj/pipe.py: not a regular file (a FIFO, socket or device named "
                               ".py): not read")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="/dev/zero: a device that never ends (POSIX only)")
def test_a_device_named_py_is_rg000_and_never_read(proj: Path) -> None:
    (proj / "zero.py").symlink_to("/dev/zero")
    finding = only_rg000(findings(), "proj/zero.py")  # outside the project: not even opened
    assert finding.message.endswith("symlink points outside the project (outside the analysed paths): not read")
    if IS_ROOT:  # a device node inside the project
        os.mknod(proj / "null.py", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        finding = only_rg000(findings(), "proj/null.py")
        assert finding.message.endswith("not a regular file (a FIFO, socket or device named .py): not read")


def test_directories_named_like_python_files(proj: Path) -> None:
    write(proj, {"x.py/inner.py": SIBLING.replace("/sibling", "/inner")})
    (proj / "empty.py").mkdir()
    assert located(findings()) == {SIBLING_FINDING, ("RG001", "proj/x.py/inner.py", 6)}


def test_symlink_loops_terminate(proj: Path) -> None:
    (proj / "loop").symlink_to(proj)  # a directory loop
    (proj / "sub").mkdir()
    (proj / "sub" / "up").symlink_to(Path(".."), target_is_directory=True)
    (proj / "a.py").symlink_to("b.py")  # a file loop
    (proj / "b.py").symlink_to("a.py")
    found = findings()
    for name in ("a.py", "b.py"):
        finding = only_rg000(found, f"proj/{name}")
        assert finding.message == f"cannot analyse proj/{name}: cannot read file: Too many levels of symbolic links"
    assert len(found) == 3


def test_symlinks_out_of_the_tree(tmp_path: Path, proj: Path) -> None:
    write(tmp_path / "outside", {"routes.py": SIBLING.replace("/sibling", "/outside"),
                                 "single.py": SIBLING.replace("/sibling", "/single")})
    (proj / "outside_dir").symlink_to(tmp_path / "outside", target_is_directory=True)  # not entered
    (proj / "linked.py").symlink_to(tmp_path / "outside" / "single.py")  # a file outside: not read
    (proj / "alias.py").symlink_to("main.py")  # the same file twice: reported at the real file
    found = findings()
    assert located(found) == {SIBLING_FINDING, ("RG000", "proj/linked.py", 1)}
    assert only_rg000(found, "proj/linked.py").message == (
        "cannot analyse proj/linked.py: symlink points outside the project (outside the analysed paths): not read")


def test_undecodable_file_names(proj: Path) -> None:
    base = os.fsencode(proj)
    with open(base + b"/caf\xe9_routes.py", "wb") as handle:
        handle.write(SIBLING.replace("/sibling", "/latin").encode())
    with open(base + b"/bad\xff\xfe.py", "wb") as handle:
        handle.write(b"def broken(:\n")
    found = findings()
    name = "proj/caf\udce9_routes.py"
    assert located(found) == {SIBLING_FINDING, ("RG001", name, 6), ("RG000", "proj/bad\udcff\udcfe.py", 1)}
    code, out, err = cli("check", "proj", "--format", "json")
    assert code == 1, err
    assert {f["path"] for f in json.loads(out)["findings"]} == {"proj/main.py", name, "proj/bad\udcff\udcfe.py"}
    code, out, err = cli("check", "proj", "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"proj/main.py", "proj/caf%E9_routes.py", "proj/bad%FF%FE.py"}
    code, out, err = cli("check", "proj", "--no-color")
    assert "proj/caf\\udce9_routes.py:6:1: RG001" in out and "\udce9" not in out


# ------------------------------------------------------------------------------- internal errors of ours


def test_an_exception_in_a_rule_is_rg000_on_the_file_it_was_checking(
        proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"boom.py": SIBLING.replace("/sibling", "/boom"), "broken.py": "def broken(:\n"})
    label = rg001_unprotected_route.route_label

    def failing_label(route):
        if route.full_path == "/boom":
            raise RuntimeError("rule bug")
        return label(route)

    monkeypatch.setattr(rg001_unprotected_route, "route_label", failing_label)
    found = findings()
    failure = [f for f in found if f.rule_id == "RG000" and f.path == "proj/boom.py"]
    assert [(f.line, f.message) for f in failure] == [(6, (
        "cannot analyse proj/boom.py with rule RG001: internal error in rule RG001 unprotected-route: "
        "RuntimeError: rule bug; its findings may be incomplete (run with --debug for the traceback)"))]
    assert ("RG000", "proj/broken.py", 1) in located(found)  # RG000 itself and every other rule still ran
    code, out, err = cli("check", "proj", "--debug")
    assert code == 1
    assert "with rule RG001: internal error in rule RG001" in out
    assert "Traceback (most recent call last)" in err and "RuntimeError: rule bug" in err
    code, out, err = cli("check", "proj")
    assert (code, err) == (1, "")


def test_a_rule_failing_outside_any_file_is_rg000_on_the_project(
        proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_check(graph):
        raise ValueError("no file in sight")

    monkeypatch.setattr(rg002_auth_never_rejects, "check", broken_check)
    found = findings()
    assert SIBLING_FINDING in located(found)
    assert [(f.path, f.line, f.message) for f in found if f.rule_id == "RG000"] == [(".", 0, (
        "internal error in rule RG002 auth-never-rejects: ValueError: no file in sight; its findings for this "
        "run may be incomplete (run with --debug for the traceback)"))]


def test_an_exception_while_reading_one_file_is_rg000_for_that_file(
        proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"crashy.py": "def f():\n    x = 1\n    return x\n"})
    monkeypatch.setenv("ROUTEGUARD_PARSE", "all")  # nothing needs crashy.py parsed otherwise (tests/test_demand.py)
    visit_return = facts._Collector.visit_Return

    def failing(self, node):
        if self.f.path.endswith("crashy.py"):
            raise ZeroDivisionError("facts bug")
        return visit_return(self, node)

    monkeypatch.setattr(facts._Collector, "visit_Return", failing)
    finding = only_rg000(findings(), "proj/crashy.py")
    assert (finding.line, finding.message) == (3, "cannot analyse proj/crashy.py: internal error while analysing "
                                                  "this file: ZeroDivisionError: facts bug (run with --debug for "
                                                  "the traceback)")
    code, out, err = cli("check", "proj", "--debug")
    assert code == 1 and "ZeroDivisionError: facts bug" in err and "Traceback" in err


class PanicException(BaseException):
    """What a Rust panic inside LibCST's native parser arrives as (pyo3 derives it from BaseException)."""


def test_a_panic_in_the_native_parser_is_rg000(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj, {"panics.py": "x = 1\n"})
    monkeypatch.setenv("ROUTEGUARD_PARSE", "all")  # nothing needs panics.py parsed otherwise (tests/test_demand.py)
    parse_module = parse.cst.parse_module

    def panicking(text, *args, **kwargs):
        if text == "x = 1\n":
            raise PanicException("index out of bounds: the len is 3 but the index is 7")
        return parse_module(text, *args, **kwargs)

    monkeypatch.setattr(parse.cst, "parse_module", panicking)
    finding = only_rg000(findings(), "proj/panics.py")
    assert (finding.line, finding.message) == (1, "cannot analyse proj/panics.py: parser failed: PanicException: "
                                                  "index out of bounds: the len is 3 but the index is 7")


_ORIGINAL_FACTS_FOR = api._facts_sent  # what a worker runs


def _facts_for_that_kills_its_worker(job: api.FactsJob) -> facts.ModuleFacts | bytes:
    if job.display.endswith("kills_worker.py"):
        os._exit(70)  # what a crash in native code looks like from the outside
    return _ORIGINAL_FACTS_FOR(job)


def test_a_worker_process_that_dies_costs_only_its_own_file(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    routers = {f"r{i:02}.py": SIBLING.replace("/sibling", f"/r{i}") for i in range(api.PARALLEL_MIN_FILES + 4)}
    write(proj, {**routers, "kills_worker.py": "x = 1\n"})
    monkeypatch.setattr(api, "_facts_sent", _facts_for_that_kills_its_worker)
    found = findings(jobs=2)
    finding = only_rg000(found, "proj/kills_worker.py")
    assert finding.message == ("cannot analyse proj/kills_worker.py: the process analysing this file died (out of "
                               "memory: the bound per file is 4,096 MiB; or a crash in the parser)")
    assert located(found) >= {("RG001", f"proj/{name}", 6) for name in routers}
    assert len(found) == len(routers) + 2


# -------------------------------------------------------------------------------------- bad invocations


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("routeguard: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err[len("routeguard: error: "):-1]


@pytest.mark.parametrize("args, message", [
    (("check", "missing-dir"), "path does not exist: missing-dir"),
    (("routes", "missing-dir"), "path does not exist: missing-dir"),
    (("check", "nope\x1b[31m\nsecond"), "path does not exist: nope\\x1b[31m\\nsecond"),
    (("check", "proj", "--select", "RG999"), "unknown rule in --select: 'RG999' (see `routeguard rules`)"),
    (("check", "proj", "--ignore", "RG001,no-such-rule"),
     "unknown rule in --ignore: 'no-such-rule' (see `routeguard rules`)"),
    (("check", "proj", "--output", "no-dir/out.txt"),
     "cannot write --output no-dir/out.txt: No such file or directory"),
    (("check", "proj", "-f", "json", "--output", "proj"), "cannot write --output proj: Is a directory"),
    (("check", "proj", "-f", "sarif", "--output", "proj/main.py/x.sarif"),
     "cannot write --output proj/main.py/x.sarif: Not a directory"),
    (("routes", "proj", "-f", "json", "--output", "proj"), "cannot write --output proj: Is a directory"),
])
def test_bad_invocations_are_one_line_and_exit_2(proj: Path, args: tuple, message: str) -> None:
    assert one_line_error(*cli(*args)) == message


def test_bad_invocation_in_a_real_process(proj: Path) -> None:
    proc = run_cli("check", "missing-dir", cwd=proj.parent)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, b"", b"routeguard: error: path does not exist: "
                                                                  b"missing-dir\n")


@pytest.mark.parametrize("config, message", [
    ("[tool.routeguard]\nselect = [\n", "pyproject.toml: invalid TOML: "),
    ("[tool.routeguard]\nline-length = 3\n", "pyproject.toml: [tool.routeguard] unknown key 'line-length'"),
    ("[tool.routeguard]\nselect = ['RG999']\n", "pyproject.toml: [tool.routeguard] select: unknown rule 'RG999'"),
])
def test_bad_configuration_is_one_line_and_exit_2(proj: Path, config: str, message: str) -> None:
    write(proj.parent, {".git/HEAD": "", "pyproject.toml": config})
    assert one_line_error(*cli("check", "proj")).startswith(message)


def test_unreadable_configuration_is_one_line_and_exit_2(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(proj.parent, {"locked.toml": "select = ['RG001']\n"})
    if IS_ROOT:  # chmod 000 does not stop root
        real = os.open

        def os_open(path: str, flags: int, *args: int) -> int:
            if os.fspath(path).endswith("locked.toml"):
                raise PermissionError(13, "Permission denied")
            return real(path, flags, *args)

        monkeypatch.setattr(os, "open", os_open)
    else:
        (proj.parent / "locked.toml").chmod(0)
    message = one_line_error(*cli("check", "proj", "--config", "locked.toml"))
    assert message == "cannot read config file locked.toml: Permission denied"


# -------------------------------------------------------------------------------- safe, exact output

NASTY = '\x1b[2J[bold]red[/bold] [/]\n"quoted" \'single\' caf\xe9 \u202e\u2028 \u65e5\u672c'
NASTY_FILE = 'evil\x1b[31m[bold]\n"q\'\xe9.py'
NASTY_ROUTE = "/x" + NASTY + "/{item_id}"


@pytest.fixture
def nasty(proj: Path) -> Path:
    source = textwrap.dedent(f'''\
        from fastapi import FastAPI

        app = FastAPI()


        @app.get({NASTY_ROUTE!r})
        def nasty(item_id: int):
            return {{}}
        ''')
    write(proj, {NASTY_FILE: source, "broken\x1b[1m.py": "def broken(:\n"})
    return proj


def test_text_output_escapes_everything_a_path_or_route_can_hold(nasty: Path) -> None:
    code, out, err = cli("check", "proj", "--no-color")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    # three findings, each RG001 with a note naming its app (two apps: main.py's and the nasty file's), the
    # summary, the route counts: nothing starts a line of its own
    assert len(lines) == 7
    assert sum(line.startswith("  note: ") and "served by app " in line for line in lines) == 2
    assert "\x1b" not in out and "\u202e" not in out and "\u2028" not in out
    expected_path = "proj/evil\\x1b[31m[bold]\\n\"q'\xe9.py"
    route = "/x\\x1b[2J[bold]red[/bold] [/]\\n\"quoted\" 'single' caf\xe9 \\u202e\\u2028 \u65e5\u672c/{item_id}"
    assert f"{expected_path}:6:1: RG001 [unprotected-route] GET {route} is not authenticated" in out
    assert "proj/broken\\x1b[1m.py:1:12: RG000 [analysis-error] cannot analyse proj/broken\\x1b[1m.py" in out


def test_json_and_sarif_round_trip_the_exact_strings(nasty: Path) -> None:
    path = "proj/" + NASTY_FILE
    code, out, _ = cli("check", "proj", "--format", "json")
    assert code == 1 and out.isascii()
    data = json.loads(out)["findings"]
    nasty_finding = [f for f in data if f["rule_id"] == "RG001" and f["path"] == path]
    assert len(nasty_finding) == 1
    assert nasty_finding[0]["route"] == {"methods": ["GET"], "path": NASTY_ROUTE}
    assert NASTY_ROUTE in nasty_finding[0]["message"]
    assert "proj/broken\x1b[1m.py" in {f["path"] for f in data}
    code, out, _ = cli("check", "proj", "--format", "sarif")
    assert code == 1 and out.isascii()
    results = json.loads(out)["runs"][0]["results"]
    by_uri = {unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]): r for r in results}
    assert set(by_uri) >= {path, "proj/broken\x1b[1m.py"}
    assert NASTY_ROUTE in by_uri[path]["message"]["text"]
    code, out, _ = cli("routes", "proj", "--format", "json")
    assert NASTY_ROUTE in {r["path"] for r in json.loads(out)["routes"]}


def test_github_annotations_stay_one_line_each(nasty: Path) -> None:
    code, out, _ = cli("check", "proj", "--format", "github")
    assert code == 1
    assert len(out.splitlines()) == 3 and "\x1b" not in out
    assert all(line.startswith("::") for line in out.splitlines())


def test_routes_stderr_is_escaped(nasty: Path) -> None:
    code, out, err = cli("routes", "proj")
    assert code == 1
    assert err == ("proj/broken\\x1b[1m.py:1:12: RG000 cannot analyse proj/broken\\x1b[1m.py: syntax error: "
                   "invalid syntax\n")


@pytest.mark.slow
def test_output_is_byte_identical_across_runs_and_worker_counts(
        proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"routers/r{i:02}.py": SIBLING.replace("/sibling", f"/r{i}") for i in range(api.PARALLEL_MIN_FILES + 6)}
    files.update({"bad/nul.py": b"x = 1\x00", "bad/deep.py": "x = " + "(" * 3000 + ")" * 3000,
                  "bad/latin.py": b"s = '\xe9'\n", "bad/syntax.py": "def f(:\n", NASTY_FILE: SIBLING})
    write(proj, files)
    parallel_runs = []
    run = api.workers_pool.run

    def spy(jobs, workers, task, on_failure):  # type: ignore[no-untyped-def]
        parallel_runs.append((len(jobs), workers))
        return run(jobs, workers, task, on_failure)

    monkeypatch.setattr(api.workers_pool, "run", spy)
    for fmt in ("text", "json", "sarif", "github"):
        outputs = {cli("check", "proj", "--format", fmt, "--jobs", jobs, "--no-color")[1]
                   for jobs in ("1", "2", "1", "2")}
        assert len(outputs) == 1, fmt
    # worker processes really ran: one with --jobs 1, two with --jobs 2, every run
    assert parallel_runs == [(len(files) + 1, 1), (len(files) + 1, 2)] * 8
    code, out, _ = cli("check", "proj", "--format", "json")
    summary = json.loads(out)["summary"]
    assert (summary["by_rule"]["RG000"], summary["by_rule"]["RG001"]) == (4, len(files) - 4 + 1)


# ------------------------------------------------------------------------------ never running the code


@pytest.mark.slow
def test_the_checked_code_is_never_imported_or_run(tmp_path: Path) -> None:
    marker = tmp_path / "MARKER"
    side_effect = f"import pathlib, sys\npathlib.Path({str(marker)!r}).write_text('imported')\nsys.exit(3)\n"
    write(tmp_path / "proj", {
        "main.py": side_effect + SIBLING.replace("/sibling", "/after-exit"),
        "pkg/__init__.py": side_effect + "raise SystemExit(4)\n",
        "pkg/routes.py": "from . import helper\n" + side_effect,
        "conftest.py": side_effect, "setup.py": side_effect, "__main__.py": side_effect,
        "settings.py": f"import os\nos.remove({str(tmp_path / 'proj' / 'main.py')!r})\n",
    })
    for command, code in ((("check", "proj"), 1), (("check", "proj", "--jobs", "2", "--format", "json"), 1),
                          (("routes", "proj"), 0)):
        proc = run_cli(*command, cwd=tmp_path)
        assert proc.returncode == code, proc.stderr
        assert b"/after-exit" in proc.stdout  # read, statically, past the sys.exit()
    assert not marker.exists()
    assert (tmp_path / "proj" / "main.py").exists()


# --------------------------------------------------------------------------------------------- fuzzing

FUZZ = load_benchmark("fuzz")
# The same examples on every run (a fuzz failure must not appear at random in someone else's commit);
# benchmarks/fuzz.py explores at random, and longer.
FUZZ_SETTINGS = settings(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory):
    return FUZZ.Checker(tmp_path_factory.mktemp("fuzz"))


def assert_clean(checker) -> None:
    problems, checker.problems = checker.problems, []
    assert problems == [], problems[0]["problem"]


@pytest.mark.slow
@settings(FUZZ_SETTINGS, max_examples=25)
@given(source=hypothesmith.from_grammar())
def test_fuzz_generated_python_from_the_grammar(checker, source: str) -> None:
    checker.run({"main.py": FUZZ.HOST_APP, "gen.py": source.encode("utf-8", "surrogatepass")}, "gen.py",
                valid=True, origin="test")
    assert_clean(checker)


@pytest.mark.slow
@settings(FUZZ_SETTINGS, max_examples=15)
@given(source=hypothesmith.from_node())
def test_fuzz_generated_python_from_libcst_nodes(checker, source: str) -> None:
    checker.run({"main.py": FUZZ.HOST_APP, "gen.py": source.encode("utf-8", "surrogatepass")}, "gen.py",
                valid=True, origin="test")
    assert_clean(checker)


FIXTURE_FILES = FUZZ.fixture_files()


@pytest.mark.slow
@settings(FUZZ_SETTINGS, max_examples=50)
@given(which=st.integers(0, len(FIXTURE_FILES) - 1), seed=st.integers(0, 2**32))
def test_fuzz_mutated_fixture_apps(checker, which: int, seed: int) -> None:
    case, file = FIXTURE_FILES[which]
    files = {str(p.relative_to(case)): p.read_bytes() for p in case.rglob("*.py")}
    target = str(file.relative_to(case))
    files[target] = FUZZ.mutate(files[target], random.Random(seed))
    checker.run(files, target, valid=False, origin="test")
    assert_clean(checker)


def test_fuzz_checker_reports_what_it_should(checker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fuzz harness itself can fail: an exception escaping analyze() and an internal-error RG000 are
    both problems."""
    monkeypatch.setattr(api, "run_rules", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("escaped")))
    checker.run({"main.py": FUZZ.HOST_APP}, "main.py", valid=True, origin="self-test")
    monkeypatch.undo()
    monkeypatch.setattr(facts._Collector, "visit_Return", lambda self, node: 1 / 0)
    checker.run({"main.py": b"def f():\n    return 1\n"}, "main.py", valid=True, origin="self-test")
    problems, checker.problems = checker.problems, []
    assert [p["problem"].splitlines()[-1] for p in problems] == [
        "RuntimeError: escaped",
        "RG000 internal error: cannot analyse main.py: internal error while analysing this file: ZeroDivisionError: "
        "division by zero (run with --debug for the traceback)"]
