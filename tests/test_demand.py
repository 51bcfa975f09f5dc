"""Demand-driven parsing (parsing/relevance.py, api.OnDemandModules) gives exactly the full mode's results.

The full mode (`ROUTEGUARD_PARSE=all`) parses every file before the project-wide stages; the default
parses the files a byte scan selects and the others when a name lookup reaches them. Every fixture app is
analysed both ways and the complete results (findings with messages and columns, routes with their
dependencies, mounts, file counts) must be equal. benchmarks/demand_check.py does the same on real apps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fixture_cases import case_dirs, case_id
from routeguard_lint import api
from routeguard_lint.parsing.relevance import relevant
from routeguard_lint.parsing.source import Outline, check_shape

CASES = case_dirs()


def _analyse(path: Path, mode: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(api.PARSE_ENV, mode)
    result, graph = api.analyze_with_graph([path], jobs=1)
    return result, graph


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_demand_driven_equals_full(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    full, _ = _analyse(Path("."), "all", monkeypatch)
    lazy, _ = _analyse(Path("."), "demand", monkeypatch)
    assert lazy.findings == full.findings
    assert lazy.routes == full.routes
    assert lazy.mounts == full.mounts
    assert lazy.files == full.files


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_a_warm_run_equals_full(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm run mixes the modes: its cache holds full facts for the files an earlier run parsed on
    demand, and placeholders for the others, so other files are parsed up front than in a cold run. Any
    answer read from which files happen to be parsed (a guess from a placeholder's words) shows here."""
    monkeypatch.chdir(case)
    full, _ = _analyse(Path("."), "all", monkeypatch)
    monkeypatch.setenv(api.PARSE_ENV, "demand")
    cache_dir = tmp_path / "cache"
    cold, _ = api.analyze_with_graph([Path(".")], jobs=1, cache_dir=cache_dir)
    warm, _ = api.analyze_with_graph([Path(".")], jobs=1, cache_dir=cache_dir)
    assert (cold.findings, cold.routes) == (full.findings, full.routes)
    assert (warm.findings, warm.routes, warm.mounts, warm.files) == (full.findings, full.routes, full.mounts,
                                                                     full.files)


def _project(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    (app / "core").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "core" / "__init__.py").write_text("")
    # a settings module nothing in it marks as relevant: read only because the prefix names it
    (app / "core" / "config.py").write_text('API_PREFIX = "/api/v1"\n')
    # never looked up: stays a placeholder
    (app / "core" / "maths.py").write_text("def double(x):\n    return 2 * x\n")
    (app / "main.py").write_text(
        "from fastapi import FastAPI\n"
        "from app.core.config import API_PREFIX\n\n"
        "app = FastAPI()\n\n\n"
        '@app.get(API_PREFIX + "/items")\n'
        "def items():\n"
        "    return []\n")
    return tmp_path


def test_unrelated_files_are_not_parsed_and_lookups_parse_on_demand(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    result, graph = _analyse(Path("app"), "demand", monkeypatch)
    assert [r.path for r in result.routes] == ["/api/v1/items"]
    by_path = {facts.path: facts for facts in graph.index.modules}
    assert by_path["app/core/maths.py"].pending  # never needed, never parsed
    assert not by_path["app/core/config.py"].pending  # the prefix's lookup read it
    assert graph.index.by_name.loaded == ["app/core/config.py"]  # type: ignore[attr-defined]
    assert result.files == 5
    full, _ = _analyse(Path("app"), "all", monkeypatch)
    assert (full.findings, full.routes, full.files) == (result.findings, result.routes, result.files)


def test_an_unparsable_unrelated_file_is_still_rg000(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    (root / "app" / "broken.py").write_text("def f(:\n    pass\n")
    monkeypatch.chdir(root)
    lazy, _ = _analyse(Path("app"), "demand", monkeypatch)
    full, _ = _analyse(Path("app"), "all", monkeypatch)
    assert [(f.rule_id, f.path, f.line) for f in lazy.findings if f.rule_id == "RG000"] == [
        ("RG000", "app/broken.py", 1)]
    assert lazy.findings == full.findings


def _outline(text: str) -> Outline:
    outline = Outline()
    assert check_shape(text, outline) is None
    return outline


@pytest.mark.parametrize("text, defs", [
    ("def f(): ...\nclass C: ...\n", {"f": "def", "C": "class"}),
    ("def f(): ...\nf = cache(f)\n", {}),  # rebound by an assignment
    ("def f(): ...\ndef f(x): ...\n", {}),  # defined twice
    ("if DEBUG:\n    def f(): ...\n", {}),  # not directly in the module body
    ("def f(): ...\ntry:\n    from fast import f\nexcept ImportError:\n    pass\n", {}),
    ("def f(): ...\nfor f in range(3):\n    pass\n", {}),
    ("def f(): ...\ndel f\n", {}),
    ("def f(): ...\ndef g():\n    global f\n    f = None\n", {"g": "def"}),
    ("@register(f := make())\ndef f(): ...\n", {}),  # the walrus binds at module scope
    ("def f(): ...\nwith open('x') as f:\n    pass\n", {}),
    ("def f(): ...\ntry:\n    pass\nexcept Exception as f:\n    pass\n", {}),
    ("def f(): ...\nmatch x:\n    case [f]:\n        pass\n", {}),
    ("def f(): ...\nclass C:\n    f = 1\n", {"f": "def", "C": "class"}),  # a class body's name is not the module's
    ("def f(): ...\ndef g():\n    f = 2\n", {"f": "def", "g": "def"}),  # a function's local
])
def test_the_skim_lists_names_only_one_def_or_class_binds(text: str, defs: dict[str, str]) -> None:
    assert _outline(text).defs == defs


def test_the_skim_lists_names_class_bodies_bind() -> None:
    text = ("class A:\n    events = router\n    if X:\n        extra: int = 1\n"
            "    def method(self):\n        local = 1\n    class Inner:\n        inner = 2\n"
            "def f():\n    class Local:\n        nested = 3\n")
    assert _outline(text).class_attrs == {"events", "extra", "inner", "nested"}  # methods are not attributes


def test_the_skim_lists_attributes_written_through_names() -> None:
    text = ("settings.prefix = '/v2'\n"
            "def main(args):\n    config.api_keys = args.keys\n    counter.hits += 1\n    del cache.entry\n"
            "    print(other.value)\n    self.ready = True\n    a.b.c = 1\n")
    # (`a.b.c = 1` writes an attribute of `a.b`, not through a name)
    assert _outline(text).attr_writes == {"settings.prefix", "config.api_keys", "counter.hits", "cache.entry",
                                          "self.ready"}


def test_a_search_answered_by_the_skim_parses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`include_router(plugin.events)` on an object nothing resolves: the routers project classes hold in a
    class attribute `events` are its candidates. A module that names `events` but binds it in no class body
    (its skim says so) stays a placeholder; one whose class binds it is read. Same results as the full mode."""
    root = _project(tmp_path)
    (root / "app" / "audit.py").write_text("events = []\n\n\ndef record(x):\n    events.append(x)\n")
    (root / "app" / "plugins.py").write_text("class Plugin:\n    events = None\n")
    (root / "app" / "registry.py").write_text("registry = make_registry()\n")
    (root / "app" / "wiring.py").write_text(
        "from app.main import app\n"
        "from app.registry import registry\n\n"
        "for plugin in registry.all():\n"
        "    app.include_router(plugin.events)\n")
    monkeypatch.chdir(root)
    lazy, graph = _analyse(Path("app"), "demand", monkeypatch)
    by_path = {f.path: f for f in graph.index.modules}
    assert by_path["app/audit.py"].pending
    assert not by_path["app/plugins.py"].pending
    full, _ = _analyse(Path("app"), "all", monkeypatch)
    assert (full.findings, full.routes, full.files) == (lazy.findings, lazy.routes, lazy.files)


@pytest.mark.parametrize("text", [
    b"from fastapi import Depends\n", b"import starlette.routing\n", b"@api.post('/x')\ndef f(): ...\n",
    b"x = request.headers['Authorization']\n", b"app.mount('/static', files)\n", b"y = 1  # noqa\n",
    b"y = 1  # noqa: RG004\n", b"token = jwt.decode(t, k)\n", b"router.get('/a')(handler)\n",
])
def test_the_scan_selects_what_project_wide_scans_look_for(text: bytes) -> None:
    assert relevant(text)


@pytest.mark.parametrize("text", [
    b"import os\n\n\ndef double(x):\n    return 2 * x\n", b"amount = totals.get('x')\n",
    b"y = 1  # noqa: E501\n",
])
def test_the_scan_passes_over_plain_code(text: bytes) -> None:
    assert not relevant(text)


def test_a_file_using_a_framework_subclass_of_the_project_is_parsed(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The project-wide scans judge every raise (RG006) and every module-level scheme: `raise
    NotAuthenticated()` in a module nothing imports, the `HTTPException` subclass defined elsewhere, is read
    although its text names no framework class (parsing.relevance.framework_names)."""
    root = _project(tmp_path)
    (root / "app" / "errors.py").write_text(
        "from fastapi import HTTPException\n\n\n"
        "class NotAuthenticated(HTTPException):\n"
        "    def __init__(self):\n"
        "        super().__init__(status_code=401, detail='not authenticated')\n")
    (root / "app" / "jobs.py").write_text(
        "from app.errors import NotAuthenticated\n\n\n"
        "def check(user):\n"
        "    if user is None:\n"
        "        raise NotAuthenticated()\n")
    monkeypatch.chdir(root)
    lazy, graph = _analyse(Path("app"), "demand", monkeypatch)
    full, _ = _analyse(Path("app"), "all", monkeypatch)
    assert not {f.path: f for f in graph.index.modules}["app/jobs.py"].pending
    assert [(f.rule_id, f.path, f.line) for f in full.findings if f.rule_id == "RG006"] == [
        ("RG006", "app/errors.py", 6)]
    assert lazy.findings == full.findings


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_result_cache_after_edits_equals_a_full_run(case: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole-result cache (facts/results.py) keeps a result when only files the run never read
    changed: after an edit of every such file (new words in each), its answer is the full mode's."""
    import shutil

    from routeguard_lint.facts import results as results_cache
    from routeguard_lint.fix.apply import fixable_by_file
    from routeguard_lint.intent.config import find_config, load_config

    app = tmp_path / "app"
    shutil.copytree(case, app, ignore=shutil.ignore_patterns("__pycache__"))
    (app / ".git").mkdir(exist_ok=True)
    monkeypatch.chdir(app)
    monkeypatch.setenv(api.PARSE_ENV, "demand")
    store = tmp_path / "cache"
    config = load_config(find_config([Path(".")]))
    api.analyze_checked([Path(".")], jobs=1, config=config, cache_dir=store, fixable=fixable_by_file)
    # one entry per analysed part (a repository of separate programs is analysed service by service)
    entries = [results_cache.load(store, path.name) for path in sorted((store / results_cache.FOLDER).iterdir())]
    assert entries and all(entry is not None for entry in entries)
    unread = sorted({display for entry in entries if entry is not None for display in entry.unread})
    for i, display in enumerate(unread):
        with open(display, "a", encoding="utf-8") as handle:
            handle.write(f"\nedited_{i} = helper_{i}(1)  # a new name\n")
    cached = api.analyze_checked([Path(".")], jobs=1, config=config, cache_dir=store, fixable=fixable_by_file)
    monkeypatch.setenv(api.PARSE_ENV, "all")
    full = api.analyze([Path(".")], jobs=1, config=config)  # part by part, as `check` analyses it
    assert cached.result.findings == full.findings
    assert cached.result.routes == full.routes
    assert cached.result.mounts == full.mounts
    assert cached.result.files == full.files
    fresh = api.analyze_checked([Path(".")], jobs=1, config=config, fixable=fixable_by_file)
    assert cached.fixable(cached.result.findings) == fresh.fixable(fresh.result.findings)
