"""The whole-result cache (facts/results.py): an unchanged re-run reads the stored result, identical to
what an analysis gives; any change in anything the run read or was asked for is a miss."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import REPO, run, write
from routeguard_lint import api
from routeguard_lint.facts import results as results_cache
from routeguard_lint.fix.apply import fixable_by_file
from routeguard_lint.intent.config import Config, find_config, load_config

SHOP = REPO / "examples" / "shop"


class Counting:
    """Counts the analyses `api.analyze_checked` runs (a hit runs none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.calls = 0
        real = api.analyze_with_graph

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(api, "analyze_with_graph", counted)

    def check(self, store: Path, *, paths: list[Path] | None = None, config: Config | None = None,
              select: list[str] | None = None, excludes: tuple[str, ...] = ()) -> tuple[api.Checked, bool]:
        """One `check`: what it reports and whether it was analysed (a miss)."""
        before = self.calls
        config = config if config is not None else load_config(find_config(paths or [Path(".")]))
        checked = api.analyze_checked(paths or [Path(".")], excludes=excludes, jobs=1, select=select,
                                      config=config, cache_dir=store, fixable=fixable_by_file)
        return checked, self.calls > before


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / ".git").mkdir()
    monkeypatch.chdir(copy)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    return copy


def _same(a: api.Checked, b: api.Checked) -> None:
    assert a.result == b.result
    assert a.fixable(a.result.findings) == b.fixable(b.result.findings)


def test_unchanged_rerun_is_a_hit_with_the_same_result(shop: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    cold, missed = counting.check(store)
    assert missed
    warm, missed = counting.check(store)
    assert not missed
    _same(cold, warm)
    assert sum(warm.fixable(warm.result.findings).values()) >= 2
    assert counting.calls == 1  # the fixable count came from the entry too
    plain = api.analyze_checked([Path(".")], jobs=1, config=load_config(find_config([Path(".")])),
                                fixable=fixable_by_file)
    _same(plain, warm)  # and both are what no cache gives


@pytest.mark.parametrize("change", ["edit", "add", "remove", "config", "code", "select", "exclude",
                                    "environment", "cwd", "path"])
def test_any_change_of_an_input_is_a_miss(change: str, shop: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    counting.check(store)
    assert not counting.check(store)[1]
    kwargs: dict[str, Any] = {}
    some = sorted(shop.rglob("*.py"))[-1]
    if change == "edit":
        some.write_text(some.read_text() + "\nX = 1\n")
    elif change == "add":
        (some.parent / "extra.py").write_text("X = 1\n")
    elif change == "remove":
        some.unlink()
    elif change == "config":
        (shop / "pyproject.toml").write_text('[tool.routeguard]\nignore = ["RG004"]\n')
    elif change == "code":
        monkeypatch.setattr(results_cache, "code_fingerprint", lambda: "another build")
        monkeypatch.setattr(results_cache, "_fingerprint", lambda: "another build")  # the same all run long
    elif change == "select":
        kwargs["select"] = ["RG001", "RG000"]
    elif change == "exclude":
        kwargs["excludes"] = (some.name,)
    elif change == "environment":
        monkeypatch.setenv("ROUTEGUARD_PARSE", "all")
    elif change == "cwd":
        monkeypatch.chdir(shop.parent)
        kwargs["paths"] = [Path(shop.name)]
    elif change == "path":
        kwargs["paths"] = [Path("."), Path(".")]
    changed, missed = counting.check(store, **kwargs)
    assert missed
    # and the result is what a run without the cache gives for the new inputs
    config = load_config(find_config(kwargs.get("paths") or [Path(".")]))
    plain = api.analyze_checked(kwargs.get("paths") or [Path(".")], excludes=kwargs.get("excludes", ()), jobs=1,
                                select=kwargs.get("select"), config=config, fixable=fixable_by_file)
    _same(plain, changed)
    assert not counting.check(store, **kwargs)[1]  # the new entry is used next time


def test_edit_back_and_forth_never_serves_the_other_version(shop: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    first, _ = counting.check(store)
    route = next(p for p in sorted(shop.rglob("*.py")) if b"@router." in p.read_bytes())
    original = route.read_text()
    route.write_text(original.replace("@router.", "@router_gone_", 1))
    second, missed = counting.check(store)
    assert missed and second.result != first.result
    route.write_text(original)  # same size class, back to the first content
    third, missed = counting.check(store)
    assert missed
    assert third.result == first.result


def _library_project(root: Path, body: str) -> Path:
    """A project whose route depends on an installed library, in a virtualenv inside the project."""
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    write(root, {
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/lib/python3.11/site-packages/authlib_x/__init__.py": body,
        "main.py": """
            from fastapi import Depends, FastAPI
            from authlib_x import current_user

            app = FastAPI()


            @app.get("/me")
            def me(user=Depends(current_user)):
                return user
            """,
    })
    return site


def test_a_changed_or_new_library_module_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "p"
    protected = '''
        from fastapi import HTTPException, Request

        def current_user(request: Request):
            if not request.headers.get("authorization"):
                raise HTTPException(401)
            return 1
        '''
    site = _library_project(project, protected)
    monkeypatch.chdir(project)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    first, _ = counting.check(store)
    assert not counting.check(store)[1]
    library = site / "authlib_x" / "__init__.py"
    library.write_text("def current_user():\n    return None\n")
    second, missed = counting.check(store)
    assert missed
    assert [r.state for r in second.result.routes] != [r.state for r in first.result.routes]
    assert not counting.check(store)[1]
    # a module that was looked for and not found appears: a miss too
    looked_for = [name for name, answer in results_cache.load(
        store, results_cache.invocation_key([Path(".")], (), None, load_config(find_config([Path(".")])))
    ).libraries.lookups]
    assert "authlib_x" in looked_for


def test_a_module_that_appears_on_the_path_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "p"
    write(project, {
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/lib/python3.11/site-packages/.keep": "",
        "main.py": """
            from fastapi import Depends, FastAPI
            from authlib_y import current_user

            app = FastAPI()


            @app.get("/me")
            def me(user=Depends(current_user)):
                return user
            """,
    })
    monkeypatch.chdir(project)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    counting.check(store)
    assert not counting.check(store)[1]
    write(project, {".venv/lib/python3.11/site-packages/authlib_y.py": "def current_user():\n    return 1\n"})
    assert counting.check(store)[1]


def test_a_damaged_entry_is_a_miss(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    first, _ = counting.check(store)
    (entry,) = (store / results_cache.FOLDER).iterdir()
    blob = entry.read_bytes()
    for damaged in (blob[:-10], blob.replace(b'"RG0', b'"RG9', 1), b"", blob.replace(b'["Finding"', b'["Config"', 1)):
        entry.write_bytes(damaged)
        again, missed = counting.check(store)
        assert missed
        _same(first, again)


def test_a_baseline_subset_replans_only_when_a_file_differs(shop: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    counting.check(store)
    warm, _ = counting.check(store)
    fresh = api.analyze_checked([Path(".")], jobs=1, config=load_config(find_config([Path(".")])),
                                fixable=fixable_by_file)
    findings = warm.result.findings
    fixable = [f for f in findings if f.rule_id in {"RG003", "RG005", "RG006"}]
    alone = [f for f in fixable if sum(g.path == f.path for g in fixable) == 1]
    assert alone
    calls = counting.calls
    for drop in alone:
        subset = [f for f in findings if f is not drop]  # a whole file's fixable findings gone: no replanning
        assert warm.fixable(subset) == fresh.fixable(subset)
    assert warm.fixable([]) == {}
    assert counting.calls == calls
    # a file whose fixable findings differ from those planned is planned again, from a fresh analysis
    for drop in fixable:
        subset = [f for f in findings if f is not drop]
        assert warm.fixable(subset) == fresh.fixable(subset)
    assert counting.calls <= calls + 1  # analysed at most once, then kept
    again, missed = counting.check(store)
    assert not missed and again.planned
    again.planned[next(iter(again.planned))] = [["another finding"], {"RG003": 7}]
    assert again.fixable(findings) == fresh.fixable(findings)
    assert again.graph is not None


def test_unstable_results_are_not_stored(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.facts import workers

    real = api._facts_sent  # what a worker runs

    def dies(job: api.FactsJob) -> Any:
        if job.display.endswith("main.py"):
            import os
            os._exit(1)
        return real(job)
    monkeypatch.setattr(api, "_facts_sent", dies)
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    first, _ = counting.check(store)
    assert any(f.message.endswith(workers.died_message()) or workers.died_message() in f.message
               for f in first.result.findings)
    assert counting.check(store)[1]  # not stored: analysed again
    assert not (store / results_cache.FOLDER).exists() or not list((store / results_cache.FOLDER).iterdir())


@pytest.mark.slow  # twelve runs of routeguard as a process
def test_cli_output_is_byte_identical_cold_and_warm(tmp_path: Path) -> None:
    env = {"ROUTEGUARD_CACHE_DIR": str(tmp_path / "cache"), "ROUTEGUARD_NO_CACHE": None}
    for args in (["check", ".", "--format", "json"], ["check", ".", "--no-color"], ["check", ".", "--statistics"],
                 ["check", ".", "--format", "sarif"]):
        cold = run(*args, cwd=SHOP, env=env, binary=True)
        warm = run(*args, cwd=SHOP, env=env, binary=True)
        plain = run(*args, "--no-cache", cwd=SHOP, env=env, binary=True)
        assert cold.stdout == warm.stdout == plain.stdout and cold.returncode == warm.returncode == plain.returncode


UNREAD_APP = {
    "main.py": """
        from fastapi import Depends, FastAPI, HTTPException
        from settings import PREFIX

        app = FastAPI()


        class NotAllowed(HTTPException):
            pass


        def user():
            raise NotAllowed(401)


        @app.get(PREFIX + "/items")
        def items(u=Depends(user)):
            return []
        """,
    "settings.py": "PREFIX = '/api'\n",
    "tools/report.py": "def total(rows):\n    return sum(rows)\n",
}


@pytest.mark.parametrize("edit, reused", [
    ("def average(rows):\n    return sum(rows) / len(rows)\n", True),  # a file nothing read: the result stands
    ("# NotAllowed\n", False),  # now names a framework subclass of the project: it would be parsed
    ("from fastapi import HTTPException\n", False),  # relevant now: parsed eagerly
    ("def broken(:\n", False),  # RG000 now
])
def test_a_change_to_a_file_the_run_never_read(edit: str, reused: bool, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    project = write(tmp_path / "p", UNREAD_APP)
    monkeypatch.chdir(project)
    monkeypatch.delenv("ROUTEGUARD_PARSE", raising=False)
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    first, _ = counting.check(store)
    entry = results_cache.load(store, results_cache.invocation_key(
        [Path(".")], (), None, load_config(find_config([Path(".")]))))
    assert entry is not None and entry.unread == ["tools/report.py"] and "NotAllowed" in entry.asked
    report = project / "tools" / "report.py"
    report.write_text(report.read_text() + edit)
    second, missed = counting.check(store)
    assert missed is not reused
    plain = api.analyze_checked([Path(".")], jobs=1, config=load_config(find_config([Path(".")])),
                                fixable=fixable_by_file)
    _same(plain, second)
    assert not counting.check(store)[1]  # the entry now stands for the new content
    if reused:
        assert second.result == first.result


def test_a_change_to_a_file_read_on_demand_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = write(tmp_path / "p", UNREAD_APP)
    monkeypatch.chdir(project)
    monkeypatch.delenv("ROUTEGUARD_PARSE", raising=False)
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    counting.check(store)
    (project / "settings.py").write_text("PREFIX = '/v2'\n")
    second, missed = counting.check(store)
    assert missed
    assert [r.path for r in second.result.routes] == ["/v2/items"]


def test_a_run_during_which_the_code_changed_is_not_stored(shop: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The code fingerprint is read when the run starts; if routeguard's files differ when the result would be
    stored (an editable install edited mid-run: modules imported later are the new code), what the run computed
    may be either code's, and it is not stored under the key of either."""
    counting = Counting(monkeypatch)
    store = tmp_path / "cache"
    results_cache.code_fingerprint.cache_clear()
    started = results_cache.code_fingerprint()
    monkeypatch.setattr(results_cache, "_fingerprint", lambda: "edited " + started)
    assert counting.check(store)[1]
    assert counting.check(store)[1]  # not stored: analysed again
    assert not (store / results_cache.FOLDER).exists() or not list((store / results_cache.FOLDER).iterdir())
    monkeypatch.setattr(results_cache, "_fingerprint", lambda: started)
    assert counting.check(store)[1]
    assert not counting.check(store)[1]  # stored, then read
