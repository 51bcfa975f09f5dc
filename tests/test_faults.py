"""One file never sinks the run, nothing leaks, no orphans: deep chains, route fan-out, per-file memory and
time bounds, pathological globs and configs, symlinks out of the project, killed parents, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_helpers import run, start
from routeguard_lint import api
from routeguard_lint.api import analyze
from routeguard_lint.facts.extract import ModuleFacts
from routeguard_lint.intent.config import Config, _normalise, load_config, path_pattern

ROOT = Path(__file__).parent
APP = ROOT / "fixtures"


def _located(result) -> set[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return {(f.rule_id, f.path, f.line) for f in result.findings}


def _rg000(result, path: str) -> str:  # type: ignore[no-untyped-def]
    found = [f for f in result.findings if f.rule_id == "RG000" and f.path == path]
    assert len(found) == 1, [(f.rule_id, f.path, f.message) for f in result.findings]
    return found[0].message


# ------------------------------------------------------------------------------------------ globs, config


def _in_subprocess(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False)


def test_a_pathological_glob_is_matched_in_linear_time() -> None:
    # 16 x `*a` against a long run of `a`s and a last character that fails: exponential with backtracking
    glob = "/" + "*a" * 24 + "b"
    path = "/" + "a" * 60 + "c"
    code = ("from routeguard_lint.intent.config import path_pattern, _normalise\n"
            f"assert not path_pattern({glob!r}).match(_normalise({path!r}))\n"
            f"assert path_pattern({glob!r}).match(_normalise({path[:-1] + 'b'!r}))\n"
            "assert not path_pattern('/**/x/**/y/**/z').match('/' + '/'.join(['x', 'y'] * 2000))\n")
    result = _in_subprocess(code, timeout=30)  # generous: the old matcher needed minutes, or never ended
    assert result.returncode == 0, result.stderr
    assert not path_pattern(glob).match(_normalise(path))


@pytest.mark.parametrize("glob, path, expected", [
    ("/a/**/b", "/a/b", True), ("/a/**/b", "/a/x/y/b", True), ("/a/**/b", "/a/x/y/c", False),
    ("/**", "/", True), ("/**/z", "/a/b/z", True), ("/x*y*z", "/xayyz", True), ("/x*y*z", "/xazy", False),
    ("/a/**/b/**/c", "/a/b/c", True), ("/a/**/b/**/c", "/a/c/b/c", True), ("/a/**/b/**/c", "/a/c/c", False),
    ("/u/{id}/*", "/u/7/x", True), ("/u/{id}/*", "/u/7", False), ("/*a*a", "/aa", True), ("/*a*a", "/a", False),
])
def test_globs_match_as_documented(glob: str, path: str, expected: bool) -> None:
    assert path_pattern(glob).match(_normalise(path)) is expected


def test_a_long_public_list_loads_in_linear_time(tmp_path: Path) -> None:
    entries = "\n".join(f'[[public]]\npath = "/p{i}"\nreason = "r"\n' for i in range(8000))
    config = tmp_path / "routeguard.toml"
    config.write_text(entries)
    code = (f"from pathlib import Path; from routeguard_lint.intent.config import load_config\n"
            f"c = load_config(Path({str(config)!r}))\n"
            f"assert len(c.public) == 8000 and c.public[-1].line == 8000 * 4 - 2, c.public[-1].line\n")
    result = _in_subprocess(code, timeout=60)  # the old loader: 75 s
    assert result.returncode == 0, result.stderr
    assert load_config(config).public[7999].line == 31998


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_config_that_is_a_fifo_or_a_device_is_an_error(kind: str, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("x = 1\n")
    config = tmp_path / "cfg.toml"
    if kind == "fifo":
        os.mkfifo(config)
    else:
        config.symlink_to("/dev/zero")
    result = run("check", ".", "--config", "cfg.toml", cwd=tmp_path, timeout=60)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("routeguard: error: config file is not a regular file (a FIFO, socket or device): "
                             "cfg.toml\n")


# ------------------------------------------------------------------------------- deep chains, fan-out


def _depends_chain(n: int) -> str:
    lines = ["from fastapi import Depends, FastAPI", "", "deep_app = FastAPI()", "", "", "def d0():", "    return 1"]
    for i in range(1, n):
        lines += ["", "", f"def d{i}(x=Depends(d{i - 1})):", "    return x"]
    lines += ["", "", "@deep_app.get('/deep')", f"def deep(x=Depends(d{n - 1})):", "    return x", ""]
    return "\n".join(lines)


def _include_chain(n: int) -> str:
    lines = ["from fastapi import APIRouter, FastAPI", "", "chain_app = FastAPI()"]
    lines += [f"r{i} = APIRouter()" for i in range(n)]
    lines += ["", "", "@r0.get('/leaf')", "def leaf(depth: int = 1):", "    return depth", ""]
    lines += [f"r{i}.include_router(r{i - 1})" for i in range(1, n)]
    lines += [f"chain_app.include_router(r{n - 1})", ""]
    return "\n".join(lines)


def _fan_out(levels: int) -> str:
    lines = ["from fastapi import APIRouter, FastAPI", "", "fan_app = FastAPI()"]
    lines += [f"r{i} = APIRouter()" for i in range(levels + 1)]
    lines += ["", "", "@r0.get('/f')", "def f(fan: int = 1):", "    return fan", ""]
    for i in range(1, levels + 1):
        lines += [f"r{i}.include_router(r{i - 1}, prefix='/a')", f"r{i}.include_router(r{i - 1}, prefix='/b')"]
    lines += [f"fan_app.include_router(r{levels})", ""]
    return "\n".join(lines)


REAL_APP = ROOT.parent / "examples" / "shop"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled multi-file example app, and its findings analysed alone."""
    import shutil

    target = tmp_path / "shop"
    shutil.copytree(REAL_APP, target, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(target)
    return target


def _baseline() -> set[tuple[str, str, int]]:
    found = _located(analyze([Path(".")], config=Config()))
    assert len(found) >= 5  # a real app with findings to lose
    return found


def test_deep_depends_and_include_chains_beside_a_real_app_keep_every_finding(shop: Path) -> None:
    before = _baseline()
    (shop / "deep_depends.py").write_text(_depends_chain(400))
    (shop / "deep_include.py").write_text(_include_chain(1000))
    result = analyze([Path(".")], config=Config())
    found = _located(result)
    assert before <= found  # nothing of the real app is lost
    # and the chains themselves are analysed: their routes are there, judged
    assert ("RG001", "deep_depends.py", 1606) in found
    assert ("RG001", "deep_include.py", 1006) in found
    assert not [f for f in result.findings if f.rule_id == "RG000"]


@pytest.mark.slow
def test_a_chain_deeper_than_the_bound_is_rg000_naming_it(shop: Path) -> None:
    before = _baseline()
    (shop / "deeper.py").write_text(_depends_chain(15_000))
    result = analyze([Path(".")], config=Config())
    assert _rg000(result, "deeper.py") == (
        "cannot analyse deeper.py: definitions nested too deeply to analyse (a chain of Depends, include_router "
        "or calls that needs more than 40,000 nested steps): this file is not analysed")
    assert before <= _located(result)


def test_an_include_router_fan_out_is_capped_and_reported(shop: Path) -> None:
    before = _baseline()
    (shop / "fan.py").write_text(_fan_out(17))  # 131,072 routes uncapped
    result = analyze([Path(".")], config=Config())
    assert _rg000(result, "fan.py") == (
        "cannot analyse fan.py: the include_router calls that reach a route declared here expand to more than "
        "1,000 routes (the cap on route expansion): the routes of this file are not analysed")
    assert before | {("RG000", "fan.py", 24)} == _located(result)
    assert not [r for r in result.routes if r.file == "fan.py"]


# ------------------------------------------------------------------------------ memory and time per file


def _flat_list(path: Path, items: int) -> None:
    path.write_text("x = [" + "1, " * items + "]\n")  # 400,000 items: 1.2 MB, 1.6 GB and 78 s to analyse


def _cli(cwd: Path, *args: str, env: dict[str, str | None] | None = None,
         timeout: float = 300) -> subprocess.CompletedProcess[str]:
    # every file parsed (ROUTEGUARD_PARSE=all): these tests put the bounds on files nothing else needs parsed
    return run("check", ".", "--no-cache", *args, cwd=cwd, env={"ROUTEGUARD_PARSE": "all", **(env or {})},
               timeout=timeout)


@pytest.mark.slow  # a 400,000-item file analysed until its worker runs out of memory
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_file_past_the_memory_bound_is_rg000_and_the_run_goes_on(jobs: str, shop: Path) -> None:
    before = _baseline()
    _flat_list(shop / "flat.py", 400_000)
    result = _cli(shop, "--jobs", jobs, "--format", "json", env={"ROUTEGUARD_WORKER_MEMORY_MB": "300"})
    found = {(f["rule_id"], f["path"], f["line"]) for f in json.loads(result.stdout)["findings"]}
    assert result.returncode == 1, result.stderr
    assert found == before | {("RG000", "flat.py", 1)}
    message = next(f["message"] for f in json.loads(result.stdout)["findings"] if f["path"] == "flat.py")
    assert "out of memory" in message and "bound per file" in message


@pytest.mark.slow  # parses a 256 KiB file
def test_a_big_file_parsed_on_demand_goes_to_a_bounded_worker(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Demand-driven mode parses a file late, when a lookup reaches it. A small one is parsed in the run's
    process; one past `ON_DEMAND_IN_PROCESS_BYTES` goes to a bounded worker like every eagerly parsed file."""
    from routeguard_lint.files.discovery import SourceFile

    big, small = tmp_path / "big.py", tmp_path / "small.py"
    big.write_text('PREFIX = "/big"\nTABLE = [' + "1, " * (api.ON_DEMAND_IN_PROCESS_BYTES // 3 + 10) + "]\n")
    small.write_text('PREFIX = "/small"\n')
    files = [SourceFile(big, "big.py", "big", False), SourceFile(small, "small.py", "small", False)]
    sent: list[str] = []
    run = api.workers_pool.run

    def spy(jobs: list[api.FactsJob], workers: int, task: Callable[[api.FactsJob], ModuleFacts],
            on_failure: Callable[[api.FactsJob, str], ModuleFacts]) -> list[ModuleFacts]:
        sent.extend(job.display for job in jobs)
        return run(jobs, workers, task, on_failure)

    monkeypatch.setattr(api.workers_pool, "run", spy)
    load = api._on_demand_loader(files, None)
    for f in files:
        facts = load(ModuleFacts(path=f.display, module=f.module, is_package=False))
        assert facts.error is None and "PREFIX" in facts.assigns
    assert sent == ["big.py"]


@pytest.mark.slow  # waits for the time bound
def test_a_file_past_the_time_bound_is_rg000_and_the_run_goes_on(shop: Path) -> None:
    before = _baseline()
    _flat_list(shop / "flat.py", 400_000)
    started = time.monotonic()
    result = _cli(shop, "--jobs", "1", env={"ROUTEGUARD_FILE_TIMEOUT": "3"})
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert ("flat.py:1:1: RG000 [analysis-error] cannot analyse flat.py: analysing this file took longer than 3 s "
            "(the bound per file): stopped") in result.stdout
    assert len([line for line in result.stdout.splitlines() if ": RG" in line]) == len(before) + 1


# ---------------------------------------------------------------------------------- orphans and Ctrl-C


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _busy_project(root: Path) -> Path:
    """Enough files for two workers, and one that keeps a worker busy for a long time."""
    root.mkdir()
    for i in range(30):
        (root / f"m{i:02}.py").write_text(f"x{i} = {i}\n")
    _flat_list(root / "slow.py", 400_000)
    return root


def _start(root: Path, jobs: str) -> tuple[subprocess.Popen[str], set[int]]:
    process = start("check", ".", "--no-cache", "--jobs", jobs, cwd=root)
    deadline = time.monotonic() + 60
    children: set[int] = set()
    while time.monotonic() < deadline and not children:
        time.sleep(0.2)
        children = _children(process.pid)
    assert children, "no worker process started"
    time.sleep(0.5)
    return process, _children(process.pid) | children


@pytest.mark.slow  # real processes, killed while busy
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_killing_the_parent_leaves_no_worker_behind(jobs: str, tmp_path: Path) -> None:
    process, workers = _start(_busy_project(tmp_path / "p"), jobs)
    assert workers
    process.kill()  # SIGKILL: the parent cannot clean up
    process.wait(10)
    deadline = time.monotonic() + 5
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers)
    process.stdout.close()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]


@pytest.mark.slow  # a real process, interrupted while busy
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigint_prints_one_line_exits_130_and_leaves_no_worker(tmp_path: Path) -> None:
    process, workers = _start(_busy_project(tmp_path / "p"), "2")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, out, err) == (130, "", "routeguard: interrupted\n")
    deadline = time.monotonic() + 5
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers)


# ------------------------------------------------------------------------------------ nothing leaks


SECRET_APP = '''from fastapi import FastAPI

app = FastAPI()


@app.get("/open")
def open_route(skip: int = 0):
    return []
'''


@pytest.mark.parametrize("target", [pytest.param("/proc/self/environ", marks=pytest.mark.slow), "outside"])
def test_a_symlink_to_outside_the_project_is_rg000_without_content(target: str, tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "main.py").write_text(SECRET_APP)
    if target == "outside":
        secret = tmp_path / "secret.py"
        secret.write_text('TOKEN = "s3cr3t-value"\nx = (\n')  # also a syntax error: a code frame would show it
        target = str(secret)
    (project / "settings.py").symlink_to(target)
    inside = project / "real.py"
    inside.write_text("y = 1\n")
    (project / "alias.py").symlink_to(inside)  # inside the project: read as before
    env: dict[str, str | None] = {"ROUTEGUARD_NO_CACHE": "1", "LEAKY_SECRET": "s3cr3t-value"}
    for fmt in ("text", "json", "sarif"):
        result = run("check", ".", "--format", fmt, cwd=project, env=env, timeout=120)
        assert result.returncode == 1
        assert "s3cr3t" not in result.stdout + result.stderr
    assert ("settings.py:1:1: RG000 [analysis-error] cannot analyse settings.py: symlink points outside the project "
            "(outside the analysed paths): not read") in run("check", ".", cwd=project, env=env, timeout=120).stdout


FIXABLE_APP = '''from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")


def current_user(token: str = Depends(oauth2_scheme)) -> str:
    if not token:
        raise HTTPException(status_code=401, detail="Invalid token")
    return token


@app.get("/me")
def me(user: str = Depends(current_user)):
    return {"user": user}
'''
FIXED_MARK = b'"WWW-Authenticate"'


def _fix(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("check", "--fix", ".", *args, cwd=cwd, env={"ROUTEGUARD_NO_CACHE": "1"}, timeout=120)


def test_fix_keeps_hard_links_and_never_writes_outside(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "main.py").write_text(FIXABLE_APP)
    os.link(project / "main.py", tmp_path / "other-name.py")
    outside = tmp_path / "outside.py"
    outside.write_text(FIXABLE_APP.replace("/me", "/outside"))
    (project / "linked.py").symlink_to(outside)
    result = _fix(project)
    assert FIXED_MARK in (project / "main.py").read_bytes()
    assert (project / "main.py").stat().st_ino == (tmp_path / "other-name.py").stat().st_ino
    assert (tmp_path / "other-name.py").read_bytes() == (project / "main.py").read_bytes()
    assert outside.read_text() == FIXABLE_APP.replace("/me", "/outside")
    assert result.stderr.splitlines()[0] == "routeguard: fixed 1 finding in 1 file (RG006: 1): main.py"


def test_fix_keeps_the_final_lone_cr(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "main.py").write_bytes(FIXABLE_APP.replace("\n", "\r").encode())
    _fix(project)
    data = (project / "main.py").read_bytes()
    assert FIXED_MARK in data
    assert data.endswith(b"}\r") and b"\n" not in data


def test_a_fix_that_fails_part_way_lists_what_changed_and_what_did_not(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.fix import apply as fixmod

    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (project / name).write_text(FIXABLE_APP.replace("/me", f"/{name[0]}"))
    monkeypatch.chdir(project)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    outcome = fixmod.run_fixes([Path(".")])
    assert sorted(outcome.changes) == ["a.py", "b.py", "c.py"]
    (project / "b.py").write_text(FIXABLE_APP + "# edited meanwhile\n")
    real = fixmod._write_one

    def denied_for_c(path, *args):  # type: ignore[no-untyped-def]
        if path == "c.py":
            raise PermissionError(13, "Permission denied")  # chmod does not stop root
        return real(path, *args)

    monkeypatch.setattr(fixmod, "_write_one", denied_for_c)
    done = fixmod.write_changes(outcome)
    assert fixmod.write_summary(done) == [
        "routeguard: changed: a.py",
        "routeguard: not changed: b.py: it changed after it was analysed; not written",
        "routeguard: not changed: c.py: Permission denied",
    ]
    assert FIXED_MARK in (project / "a.py").read_bytes()
    assert FIXED_MARK not in (project / "c.py").read_bytes()


def test_an_interrupted_fix_lists_what_changed_and_what_did_not(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.fix import apply as fixmod

    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (project / name).write_text(FIXABLE_APP.replace("/me", f"/{name[0]}"))
    monkeypatch.chdir(project)
    monkeypatch.setenv("ROUTEGUARD_NO_CACHE", "1")
    outcome = fixmod.run_fixes([Path(".")])
    real = fixmod._write_one

    def interrupted_at_b(path, *args):  # type: ignore[no-untyped-def]
        if path == "b.py":
            raise KeyboardInterrupt
        return real(path, *args)

    monkeypatch.setattr(fixmod, "_write_one", interrupted_at_b)
    done = fixmod.write_changes(outcome)
    assert isinstance(done.interrupted, KeyboardInterrupt)
    assert fixmod.write_summary(done) == [
        "routeguard: changed: a.py",
        "routeguard: not changed: b.py: interrupted before it was written",
        "routeguard: not changed: c.py: interrupted before it was written",
    ]


def test_fix_and_diff_escape_file_names(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".git").mkdir()
    name = "evil\x1b[31mred.py"
    (project / name).write_text(FIXABLE_APP)
    diff = run("check", "--diff", ".", cwd=project, env={"ROUTEGUARD_NO_CACHE": "1"}, timeout=120)
    assert "\x1b" not in diff.stdout + diff.stderr
    assert "--- a/evil\\x1b[31mred.py" in diff.stdout
    fixed = _fix(project)
    assert "\x1b" not in fixed.stdout + fixed.stderr
    assert "evil\\x1b[31mred.py" in fixed.stderr
