"""The facts cache only ever makes runs faster: same result, invalidated by content, robust to junk."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cli_helpers import run
from routeguard_lint.api import analyze
from routeguard_lint.facts import cache

APP = '''
from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def items(skip: int = 0):
    return []
'''


def _run(cwd: Path, cache_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("check", ".", "--format", "json", *extra, cwd=cwd,
               env={"ROUTEGUARD_CACHE_DIR": str(cache_dir), "ROUTEGUARD_NO_CACHE": None})


def _facts_entries(store: Path) -> list[Path]:
    """The per-file entries (the whole-result entries of facts/results.py live in `results/`)."""
    return [p for p in store.glob("*/*") if p.parent.name != "results"]


def test_cached_run_is_identical_and_content_invalidates(tmp_path: Path) -> None:
    project, store = tmp_path / "p", tmp_path / "cache"
    project.mkdir()
    (project / "main.py").write_text(APP)
    first = _run(project, store)
    entries = _facts_entries(store)
    assert len(entries) == 1  # one file, one entry
    second = _run(project, store)
    assert first.returncode == second.returncode == 1
    assert first.stdout == second.stdout
    # an edit changes the key: the new route is seen, not the cached facts
    (project / "main.py").write_text(APP.replace('"/items"', '"/orders"'))
    third = _run(project, store)
    paths = [f["route"]["path"] for f in json.loads(third.stdout)["findings"]]
    assert paths == ["/orders"]
    assert len(_facts_entries(store)) == 2


def test_corrupt_entries_are_ignored(tmp_path: Path) -> None:
    project, store = tmp_path / "p", tmp_path / "cache"
    project.mkdir()
    (project / "main.py").write_text(APP)
    baseline = _run(project, store).stdout
    for entry in store.glob("*/*"):
        entry.write_bytes(b"not a pickle")
    assert _run(project, store).stdout == baseline


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    project, store = tmp_path / "p", tmp_path / "cache"
    project.mkdir()
    (project / "main.py").write_text(APP)
    _run(project, store, "--no-cache")
    assert not store.exists()


def test_analyze_with_and_without_cache_agree(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent / "examples" / "shop")
    plain = analyze([Path(".")])
    cold = analyze([Path(".")], cache_dir=tmp_path)
    warm = analyze([Path(".")], cache_dir=tmp_path)
    assert plain.findings == cold.findings == warm.findings
    assert plain.routes == cold.routes == warm.routes


def test_key_depends_on_content_path_and_module() -> None:
    base = cache.key_for(b"x = 1\n", "a.py", "a", False)
    assert base == cache.key_for(b"x = 1\n", "a.py", "a", False)
    assert base != cache.key_for(b"x = 2\n", "a.py", "a", False)
    assert base != cache.key_for(b"x = 1\n", "b.py", "a", False)
    assert base != cache.key_for(b"x = 1\n", "a.py", "b", False)


def test_key_depends_on_the_layout_of_the_fact_classes_the_process_loaded() -> None:
    """A process whose fact classes differ from the files on disk (imported before an edit to `facts/`)
    must not write entries under the key of the code now on disk: the loaded layout is part of the key."""
    import subprocess
    import sys

    script = """
import dataclasses, sys
from routeguard_lint.facts import extract
if sys.argv[1] == "edited":
    fields = [(f.name, f.type, f) for f in dataclasses.fields(extract.ModuleFacts)]
    edited = dataclasses.make_dataclass("ModuleFacts", [*fields, ("added", int, dataclasses.field(default=0))])
    edited.__module__ = extract.__name__
    extract.ModuleFacts = edited
from routeguard_lint.facts import cache
print(cache.key_for(b"x = 1\\n", "a.py", "a", False))
"""
    keys = [subprocess.run([sys.executable, "-c", script, which], capture_output=True, text=True, check=True)
            .stdout.strip() for which in ("as-on-disk", "edited", "as-on-disk")]
    assert keys[0] == keys[2] == cache.key_for(b"x = 1\n", "a.py", "a", False)
    assert keys[1] != keys[0]


def test_a_worker_sends_the_payload_it_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's facts travel to the parent as the cache payload it has just written (`store` returns it),
    and decode to the facts computed without a cache; without a cache, or when the entry cannot be
    written, the worker encodes the same payload itself, so that the parent gets the same objects (equal
    immutable values shared) with or without a cache. Only facts the codec cannot encode are sent as they are."""
    from routeguard_lint.api import FactsJob, _facts_for, _facts_sent, _received
    from routeguard_lint.facts.extract import ModuleFacts

    (tmp_path / "main.py").write_text(APP)
    job = FactsJob(str(tmp_path / "main.py"), "main.py", "main", False, tmp_path / "cache", False)
    sent = _facts_sent(job)
    assert isinstance(sent, bytes)
    [entry] = _facts_entries(tmp_path / "cache")
    assert entry.read_bytes().endswith(b"\n" + sent)  # the entry's payload itself
    plain = _facts_for(FactsJob(job.path, job.display, job.module, False, None, False))
    assert _received(sent) == plain and plain.functions and not plain.pending
    assert _facts_sent(FactsJob(job.path, job.display, job.module, False, None, False)) == sent
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    unwritable = _facts_sent(FactsJob(job.path, job.display, job.module, False, tmp_path / "blocked", False))
    assert unwritable == sent
    def refuse(facts: ModuleFacts) -> bytes:
        raise TypeError("cannot cache a set")
    monkeypatch.setattr(cache, "encode_payload", refuse)
    unencodable = _facts_sent(FactsJob(job.path, job.display, job.module, False, None, False))
    assert isinstance(unencodable, ModuleFacts) and unencodable == plain
    monkeypatch.undo()
    assert cache.store(tmp_path / "blocked", "0" * 64, plain) is None
