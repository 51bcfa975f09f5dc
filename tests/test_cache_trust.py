"""The facts cache cannot lie or run code: planted, corrupt, foreign and special entries are ignored;
its folder must be the user's own; it stays out of the project; it is bounded and can be cleaned."""

from __future__ import annotations

import compileall
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import run
from routeguard_lint.api import analyze
from routeguard_lint.facts import cache
from routeguard_lint.facts.extract import extract
from routeguard_lint.intent.config import Config

APP = '''from fastapi import FastAPI

app = FastAPI()


@app.get("/items")
def items(skip: int = 0):
    return []
'''


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "p"
    project.mkdir()
    (project / "main.py").write_text(APP)
    return project


def _run(cwd: Path, env: dict[str, str | None], *args: str) -> subprocess.CompletedProcess[str]:
    return run(*args, cwd=cwd, env={**env, "ROUTEGUARD_NO_CACHE": None}, timeout=120)


def _rules(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return [(f["rule_id"], f["path"]) for f in json.loads(result.stdout)["findings"]]


def _main_key() -> str:
    return cache.key_for(APP.encode(), "main.py", "main", False)


def _findings(project: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    monkeypatch.chdir(project)
    result = analyze([Path(".")], cache_dir=store, config=Config())
    return [(f.rule_id, f.path, f.line) for f in result.findings]


EXPECTED = [("RG001", "main.py", 6)]


class _Planted:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_is_not_run_and_the_result_is_right(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, store, marker = _project(tmp_path), tmp_path / "cache", tmp_path / "ran"
    key = _main_key()
    (store / key[:2]).mkdir(parents=True, mode=0o700)
    store.chmod(0o700)
    (store / key[:2] / key).write_bytes(pickle.dumps(_Planted(marker)))
    pickle.loads(pickle.dumps(_Planted(tmp_path / "control")))  # the payload really would run
    assert (tmp_path / "control").exists()
    assert _findings(project, store, monkeypatch) == EXPECTED
    assert not marker.exists()
    # and the bad entry was replaced by a good one
    assert cache.load(store, key) is not None


def test_every_single_bit_flip_is_rejected() -> None:
    key = _main_key()
    blob = cache.dumps(key, extract(APP.encode(), "main.py", "main", False))
    assert cache.loads(key, blob) is not None
    rng = random.Random(10)
    for _ in range(3000):
        bit = rng.randrange(len(blob) * 8)
        flipped = bytearray(blob)
        flipped[bit // 8] ^= 1 << (bit % 8)
        assert cache.loads(key, bytes(flipped)) is None, bit


def test_truncated_foreign_and_unknown_type_entries_are_rejected() -> None:
    key = _main_key()
    blob = cache.dumps(key, extract(APP.encode(), "main.py", "main", False))
    for cut in range(0, len(blob), max(1, len(blob) // 200)):
        assert cache.loads(key, blob[:cut]) is None
    assert cache.loads("0" * 64, blob) is None  # an entry of another key (renamed or copied)
    # a well-formed entry (right header, right checksum) naming a type outside the registry
    payload = json.dumps(["system", "touch /tmp/x"]).encode()
    import hashlib

    forged = b"%s %s %s %d\n" % (cache.FORMAT, key.encode(), hashlib.sha256(payload).hexdigest().encode(),
                                 len(payload)) + payload
    assert cache.loads(key, forged) is None
    # right format but not a module's facts
    payload = json.dumps(["Name", "x"]).encode()
    forged = b"%s %s %s %d\n" % (cache.FORMAT, key.encode(), hashlib.sha256(payload).hexdigest().encode(),
                                 len(payload)) + payload
    assert cache.loads(key, forged) is None


def test_a_bit_flipped_entry_on_disk_is_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    assert _findings(project, store, monkeypatch) == EXPECTED
    entry = store / _main_key()[:2] / _main_key()
    blob = bytearray(entry.read_bytes())
    blob[-10] ^= 0x04
    entry.write_bytes(bytes(blob))
    assert _findings(project, store, monkeypatch) == EXPECTED


def test_round_trip_is_exact_for_every_fixture_file() -> None:
    root = Path(__file__).parent / "fixtures"
    files = sorted(root.rglob("*.py"))[:300]
    assert files
    for path in files:
        facts = extract(path.read_bytes(), path.name, path.stem, False)
        back = cache.loads("k", cache.dumps("k", facts))
        assert back == facts, path
        assert repr(back) == repr(facts), path  # == takes True for 1 and -0.0 for 0.0; repr does not


def _forged(key: str, value: object) -> bytes:
    return cache.framed(cache.FORMAT, key, json.dumps(value).encode())


def test_equal_values_are_stored_once_and_stay_exact() -> None:
    source = b"""\
def f(a, b):
    if a.user is None and b == -0.0:
        x = Depends(get_user)
        y = Depends(get_user)
        z = (True, 1, 1.0, 0.0, -0.0, b"k", ...)
        return z
    raise HTTPException(401)
"""
    facts = extract(source, "m.py", "m", False)
    blob = cache.dumps("k", facts)
    assert blob.count(b'"get_user"') == 1  # the second Depends(get_user) and the block's tests are references
    back = cache.loads("k", blob)
    assert back is not None
    assert repr(back) == repr(facts)
    binds = {bind.name: bind for bind in back.functions["f"].binds}
    assert binds["x"].conditions is binds["y"].conditions  # one tuple, shared as the walker shares it
    consts = binds["z"].value.items  # type: ignore[attr-defined]
    assert [type(c.value) for c in consts] == [bool, int, float, float, float, bytes, type(...)]
    assert repr(consts[4].value) == "-0.0"


def test_forged_references_and_tags_are_rejected() -> None:
    good = json.loads(cache.dumps("k", extract(APP.encode(), "main.py", "main", False)).split(b"\n", 1)[1])
    assert cache.loads("k", _forged("k", good)) is not None
    for bad in ({"r": 10**6}, {"r": True}, {"r": "0"}, {"system": ["touch /tmp/x"]}, {"t": [1], "d": []},
                {"d": [1]}, {"d": [[1], 2]}, {"n": ["NoSuchEnum", 1]}, {"Name": "abc"},
                {"ModuleFacts": list(range(30))}):
        forged = {"ModuleFacts": [*good["ModuleFacts"][:4], {"d": ["x", bad]}]}
        assert cache.loads("k", _forged("k", forged)) is None, bad
    assert cache.loads("k", _forged("k", {"t": [1, 2]})) is None  # well-formed, not a module's facts


def _lie_for_main() -> object:
    return extract(b"x = 1\n", "main.py", "main", False)  # facts without the route: would hide RG001


@pytest.mark.parametrize("component", ["routeguard", "libcst", "python"])
def test_an_entry_of_another_version_is_not_used(component: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    store.mkdir(mode=0o700)
    real = _main_key()
    with monkeypatch.context() as patched:
        cache.code_fingerprint.cache_clear()
        if component == "routeguard":
            patched.setattr(cache, "__version__", "0.0.1")
        elif component == "libcst":
            import importlib.metadata

            patched.setattr(importlib.metadata, "version", lambda name: "1.1.0")
        else:
            impl = sys.implementation
            fake = type("Impl", (), {"name": impl.name, "version": type("V", (), {"major": 3, "minor": 99})()})
            patched.setattr(sys, "implementation", fake)
        foreign = _main_key()
        assert foreign != real
        assert cache.store(store, foreign, _lie_for_main())  # type: ignore[arg-type]
        # under the foreign version the lie is what a run sees (the test can fail) ...
        assert _findings(project, store, monkeypatch) == []
    cache.code_fingerprint.cache_clear()
    assert _main_key() == real
    # ... under this one it is not
    assert _findings(project, store, monkeypatch) == EXPECTED


def test_the_key_covers_content_path_module_and_package() -> None:
    base = cache.key_for(b"x = 1\n", "a.py", "a", False)
    assert base == cache.key_for(b"x = 1\n", "a.py", "a", False)
    assert len({base, cache.key_for(b"x = 2\n", "a.py", "a", False), cache.key_for(b"x = 1\n", "b.py", "a", False),
                cache.key_for(b"x = 1\n", "a.py", "b", False), cache.key_for(b"x = 1\n", "a.py", "a", True)}) == 5


def test_a_sourceless_install_is_fingerprinted_by_its_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    codes = []
    for number, body in enumerate(("def f():\n    return 1\n", "def f():\n    return 2\n")):
        root = tmp_path / f"build{number}"
        (root / "rgsourceless").mkdir(parents=True)
        (root / "rgsourceless" / "__init__.py").write_text("")
        (root / "rgsourceless" / "mod.py").write_text(body)
        compileall.compile_dir(root, legacy=True, quiet=1)
        for source in root.rglob("*.py"):
            source.unlink()
        shutil.rmtree(root / "rgsourceless" / "__pycache__", ignore_errors=True)
        monkeypatch.syspath_prepend(str(root))
        for name in [m for m in sys.modules if m.startswith("rgsourceless")]:
            del sys.modules[name]
        import importlib

        importlib.invalidate_caches()
        codes.append(cache._module_code("rgsourceless.mod"))
        monkeypatch.undo()
    assert codes[0] != codes[1]  # same file names, different code: different fingerprints


def test_a_world_writable_or_foreign_folder_is_not_used(tmp_path: Path) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    store.mkdir()
    store.chmod(0o777)
    result = _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "check", ".", "--format", "json")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [(f"routeguard: warning: cache not used: {store} is writable by other "
                                           f"users (mode 0777)")]
    assert list(store.iterdir()) == []
    if os.getuid() == 0:  # root can give the folder away
        store.chmod(0o700)
        os.chown(store, 65534, 65534)
        result = _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "check", ".", "--format", "json")
        assert result.stderr.splitlines() == [f"routeguard: warning: cache not used: {store} is owned by another user"]
        assert list(store.iterdir()) == []


def test_folders_are_created_0700_whatever_the_umask(tmp_path: Path) -> None:
    project, store = _project(tmp_path), tmp_path / "deep" / "cache"
    code = ("import os, sys; os.umask(0); from routeguard_lint.cli import main; "
            "sys.argv = ['routeguard', 'check', '.']; main()")
    env = {**os.environ, "ROUTEGUARD_CACHE_DIR": str(store)}
    subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, timeout=120, check=False)
    folders = [store, *[p for p in store.rglob("*") if p.is_dir()]]
    assert len(folders) >= 2
    assert {oct(p.stat().st_mode & 0o777) for p in folders} == {"0o700"}
    assert {oct(p.stat().st_mode & 0o777) for p in store.rglob("*") if p.is_file()} == {"0o600"}


def test_a_fifo_entry_does_not_hang(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    key = _main_key()
    (store / key[:2]).mkdir(parents=True)
    store.chmod(0o700)
    os.mkfifo(store / key[:2] / key)
    result = _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "check", ".", "--format", "json")
    assert result.returncode == 1
    assert _rules(result) == [("RG001", "main.py")]


def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    project, home = _project(tmp_path), tmp_path / "home"
    home.mkdir()
    env = {"XDG_CACHE_HOME": "relative-cache", "HOME": str(home), "ROUTEGUARD_CACHE_DIR": ""}
    result = _run(project, env, "check", ".")
    assert result.returncode == 1
    assert sorted(p.name for p in project.iterdir()) == ["main.py"]
    assert list((home / ".cache" / "routeguard").rglob("*/*"))
    assert cache.default_dir() != Path("relative-cache") / "routeguard"


def test_pruning_removes_the_oldest_entries_first(tmp_path: Path) -> None:
    store = tmp_path / "cache"
    facts = extract(APP.encode(), "main.py", "main", False)
    keys = [f"{i:02x}" + "0" * 62 for i in range(10)]
    for age, key in enumerate(keys):
        assert cache.store(store, key, facts)
        os.utime(cache._entry(store, key), (1_000_000 + age, 1_000_000 + age))
    size = cache._entry(store, keys[0]).stat().st_size
    assert cache.prune(store, limit=size * 100) == 0
    removed = cache.prune(store, limit=size * 5)
    assert removed == 6  # down to 80 % of the bound: 4 entries
    assert [cache.load(store, key) is not None for key in keys] == [False] * 6 + [True] * 4


def test_the_size_bound_is_applied_after_a_run(tmp_path: Path) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    for i in range(5):
        (project / f"m{i}.py").write_text(f"x = {i}\n" * 200)
    _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "check", ".")
    total = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    assert len(list(store.rglob("*/*"))) == 6 + 1  # 6 files' facts, 1 result (facts/results.py)
    (project / "m0.py").write_text("x = 'changed'\n")  # a run that writes an entry applies the bound
    _run(project, {"ROUTEGUARD_CACHE_DIR": str(store), "ROUTEGUARD_CACHE_MAX_BYTES": str(total // 2)}, "check", ".")
    assert sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) <= total // 2


def test_cache_clean(tmp_path: Path) -> None:
    project, store = _project(tmp_path), tmp_path / "cache"
    _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "check", ".")
    assert list(store.rglob("*/*"))
    result = _run(project, {"ROUTEGUARD_CACHE_DIR": str(store)}, "cache", "clean")
    assert result.returncode == 0
    assert result.stderr == f"routeguard: removed 2 cache entries from {store}\n"  # facts, result
    assert not store.exists()
