"""The pipeline, end to end: files -> facts -> index -> route graph -> rules -> findings and routes.

`analyze()` is what the CLI and the tests call. Facts are computed in worker processes when there are
enough files to pay for them; the result is identical for any number of workers.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from routeguard_lint import rules as rules_pkg
from routeguard_lint.auth.judge import judge, judgement_of
from routeguard_lint.auth.middleware import backend_grants, middleware_role
from routeguard_lint.facts import cache
from routeguard_lint.facts import results as results_cache
from routeguard_lint.facts import workers as workers_pool
from routeguard_lint.facts.extract import FileError, ModuleFacts, extract, skim
from routeguard_lint.files.discovery import (
    Project,
    SourceFile,
    discover_project,
    mentions_fastapi,
    programs_of,
    project_groups,
)
from routeguard_lint.files.layout import importable_namespaces
from routeguard_lint.intent.config import Config, find_config, load_config
from routeguard_lint.intent.suppress import config_ignored, declare, declared_public_findings, suppress
from routeguard_lint.model import DependencyInfo, Finding, MountInfo, Result, RouteInfo
from routeguard_lint.parsing.relevance import framework_names, relevant
from routeguard_lint.parsing.source import ParseFailure, no_gc, read_source
from routeguard_lint.project.index import Index
from routeguard_lint.project.library import LibraryLoader, project_site_packages
from routeguard_lint.routes.apps import name_apps
from routeguard_lint.routes.build import build_graph
from routeguard_lint.routes.limits import RouteExpansionLimit
from routeguard_lint.routes.model import Graph, Route

if TYPE_CHECKING:
    from routeguard_lint.rules.base import Rule

PARALLEL_MIN_FILES = 24
T = TypeVar("T")
# `ROUTEGUARD_PARSE=all` parses every file before the project-wide stages run. By default only the files
# `parsing.relevance` selects are, and the others when a name lookup reaches them (OnDemandModules): the
# results are the same (tests/test_demand.py), the full mode is the reference that test compares against.
PARSE_ENV = "ROUTEGUARD_PARSE"


def demand_driven() -> bool:
    return os.environ.get(PARSE_ENV, "").strip().lower() != "all"


@dataclass(frozen=True, slots=True)
class FactsJob:
    """One file for `_facts_for` to analyse (sent to a worker process)."""

    path: str
    display: str
    module: str
    is_package: bool
    cache_dir: Path | None
    demand: bool  # a placeholder will do for a file nothing needs yet (OnDemandModules)

    @classmethod
    def of(cls, f: SourceFile, cache_dir: Path | None, demand: bool) -> FactsJob:
        return cls(str(f.path), f.display, f.module, f.is_package, cache_dir, demand)


def _facts_for(job: FactsJob) -> ModuleFacts:
    return _facts_and_payload(job)[0]


def _facts_and_payload(job: FactsJob) -> tuple[ModuleFacts, bytes | None]:
    """A file's facts, and the cache payload of them when this call stored them (else None)."""
    path, display, module, is_package, cache_dir, demand = (job.path, job.display, job.module, job.is_package,
                                                            job.cache_dir, job.demand)
    try:
        data = read_source(path)  # a regular file of at most parse.MAX_BYTES, or ParseFailure
    except ParseFailure as exc:
        facts = ModuleFacts(path=display, module=module, is_package=is_package)
        facts.error = FileError(exc.message, exc.line, exc.column)
        return facts, None
    if cache_dir is None:
        return _compute(data, display, module, is_package, demand), None
    key = cache.key_for(data, display, module, is_package)
    cached = cache.load(cache_dir, key)
    if cached is not None and (demand or not cached.pending):
        return cached, None
    if cached is not None:  # a placeholder of these very bytes (the key holds their digest): skimmed already
        facts = extract(data, display, module, is_package, shape_checked=True)
    else:
        facts = _compute(data, display, module, is_package, demand)
    # a placeholder too: a warm run then skips the syntax check
    return facts, cache.store(cache_dir, key, facts)


def _facts_sent(job: FactsJob) -> ModuleFacts | bytes:
    """`_facts_for` in a worker process. The facts travel to the parent encoded as a cache payload (bytes,
    which `_received` decodes), the one just stored or, without a cache, one encoded here: the parent
    decodes that several times faster than it unpickles the objects themselves, and the facts it gets are
    the same objects (equal immutable values shared) whether or not a cache is used."""
    facts, payload = _facts_and_payload(job)
    if payload is None:
        try:
            payload = cache.encode_payload(facts)
        except (TypeError, ValueError, RecursionError):
            return facts  # not encodable: pickled by the pipe instead
    return payload


def _received(result: ModuleFacts | bytes) -> ModuleFacts:
    """The facts a worker sent (`_facts_sent`)."""
    return cache.from_payload(result) if isinstance(result, bytes) else result


def _failed(job: FactsJob, message: str) -> ModuleFacts:
    facts = ModuleFacts(path=job.display, module=job.module, is_package=job.is_package)
    facts.error = FileError(message, 1, 1)
    return facts


def _compute(data: bytes, display: str, module: str, is_package: bool, demand: bool) -> ModuleFacts:
    """Facts of one file, or (demand-driven) a placeholder when nothing needs it parsed yet."""
    if demand and not relevant(data):
        stub = skim(data, display, module, is_package)
        if stub is not None:
            return stub
    return extract(data, display, module, is_package)


class OnDemandModules(dict[str, ModuleFacts]):
    """The index's modules by name (`Index.by_name`), where a placeholder (`ModuleFacts.pending`) stands
    behind a `_Pending` handle: its name, path and size are known, and the first read of anything else
    parses the file and fills the placeholder in place. So a lookup that only names a module (`import pkg.sub`,
    a package's submodule as an attribute) parses nothing, one that reads a binding parses that module, and
    the index and the route graph call the same lookups as in the full mode. Filled in place, the module is
    complete for `Index.modules` and every alias too."""

    def __init__(self, mapping: dict[str, ModuleFacts], load: Callable[[ModuleFacts], ModuleFacts]):
        super().__init__()
        self._load = load
        self._keys: dict[int, list[str]] = {}
        self.loaded: list[str] = []  # display paths parsed on demand, in order (tests, benchmarks)
        # names looked for in the text of unparsed modules (the route graph's search for a function's
        # callers): a placeholder whose words meet none of them was never read (facts/results.py)
        self.asked: set[str] = set()
        handles: dict[int, _Pending] = {}
        for key, facts in mapping.items():
            if facts.pending:
                self._keys.setdefault(id(facts), []).append(key)
                # a handle that reads like the facts (see _Pending)
                facts = handles.setdefault(id(facts), _Pending(facts, self))  # type: ignore[assignment]
            dict.__setitem__(self, key, facts)

    def fill(self, stub: ModuleFacts) -> ModuleFacts:
        if stub.pending:
            full = self._load(stub)
            for spec in fields(ModuleFacts):
                setattr(stub, spec.name, getattr(full, spec.name))
            stub.pending = False
            self.loaded.append(stub.path)
            for key in self._keys.pop(id(stub), ()):
                dict.__setitem__(self, key, stub)  # later lookups get the facts themselves
        return stub


class _Pending:
    """Stands for a module not parsed yet; see OnDemandModules."""

    __slots__ = ("_owner", "_stub")
    _KNOWN = frozenset({"path", "module", "is_package", "lines", "pending", "sole_defs", "class_attrs",
                        "attrs_written"})

    def __init__(self, stub: ModuleFacts, owner: OnDemandModules):
        self._stub = stub
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        if name in _Pending._KNOWN:
            return getattr(self._stub, name)
        return getattr(self._owner.fill(self._stub), name)


def _hint_order(files: list[SourceFile]) -> list[SourceFile]:
    """Big files and files that mention FastAPI first, so workers stay busy; every file is analysed."""
    def weight(f: SourceFile) -> tuple[bool, int]:
        try:
            size = f.path.stat().st_size
            head = read_source(f.path, head=65536)
        except (OSError, ParseFailure):
            return (False, 0)
        return (mentions_fastapi(head), size)
    return sorted(files, key=weight, reverse=True)


def collect_facts(files: list[SourceFile], jobs: int | None = None, cache_dir: Path | None = None,
                  isolate: bool = True, demand: bool = False) -> list[ModuleFacts]:
    """Facts for every file, in `files` order; `cache_dir` (see cache.py) reuses earlier results.

    Files not in the cache are analysed in child processes (facts/workers.py: a memory and a time bound
    per file, a worker that dies costs only its file), one of them when `jobs` is 1 or the project is
    small; `isolate=False` analyses them in this process instead (no bounds: for callers that trust
    their input). `demand`: placeholders for the files nothing needs parsed yet (see OnDemandModules)."""
    if cache_dir is not None:
        cache_dir = cache.prepare(cache_dir)  # None (after one warning) when the folder is not safe
    unreadable = {f.display: _unreadable(f, f.error) for f in files if f.error}
    readable = [f for f in files if f.display not in unreadable]
    cached = _cache_hits(readable, cache_dir, demand) if cache_dir is not None else {}
    readable = [f for f in readable if f.display not in cached]
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if len(readable) < PARALLEL_MIN_FILES:
        workers = 1
    if not isolate:
        by_display = {f.display: _facts_for(FactsJob.of(f, cache_dir, demand)) for f in readable}
    else:
        order = _hint_order(readable) if workers > 1 else readable
        work = [FactsJob.of(f, cache_dir, demand) for f in order]
        if work:
            _warm_up()
        with no_gc():  # the facts arriving from the workers are long-lived and acyclic: nothing to collect
            results = workers_pool.run(work, workers, _facts_sent, _failed)
            by_display = {f.display: _received(sent) for f, sent in zip(order, results, strict=True)}
    if readable and cache_dir is not None:
        cache.prune(cache_dir)
    by_display.update(unreadable)
    by_display.update(cached)
    return [by_display[f.display] for f in files]


_WARM_UP = b"""import os
from fastapi import Depends

@decorator(x=1)
async def f(a: int = Depends(g), *args, b=None, **kw) -> str:
    if a and not b or a == "x" and a[0] is None:
        raise E(f"{a!r}")
    for i in [1, 2]:
        x = {"k": i, **kw}
    return a.b.c(*args, key=lambda: 1)

class C(Base, metaclass=M):
    y: int = 2
"""


@lru_cache(maxsize=1)
def _warm_up() -> None:
    """Analyse a small module here, once, before workers are forked: the parser's and the walker's lazy
    set-up (a few hundred milliseconds) is then inherited by every worker instead of redone in each."""
    extract(_WARM_UP, "<warm-up>", "warm_up", False)


def _cache_hits(files: list[SourceFile], cache_dir: Path, demand: bool = False) -> dict[str, ModuleFacts]:
    """Facts already in the cache, loaded here: sending them through worker processes would cost a
    pickling round trip each. Misses (and unreadable files) are left to `_facts_for`; so are placeholders
    when every file is to be parsed. The collector is paused meanwhile: every loaded object survives, and
    collections triggered by the allocations would rescan all of them again and again."""
    hits: dict[str, ModuleFacts] = {}
    with no_gc():
        for f in files:
            try:
                data = read_source(f.path)
            except (ParseFailure, OSError):
                continue
            facts = cache.load(cache_dir, cache.key_for(data, f.display, f.module, f.is_package))
            if facts is not None and (demand or not facts.pending):
                hits[f.display] = facts
    return hits


def _unreadable(f: SourceFile, error: str) -> ModuleFacts:
    facts = ModuleFacts(path=f.display, module=f.module, is_package=False)
    facts.error = FileError(error, 1, 1)
    return facts


def build(paths: list[Path], *, excludes: tuple[str, ...] = (), include_tests: bool = False, jobs: int | None = None,
          cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None, libraries: bool = True,
          gitignore: bool = True) -> Graph:
    """The route graph of the whole project `paths` belong to (files/discovery.py); see `build_project`."""
    return build_project(paths, excludes=excludes, include_tests=include_tests, jobs=jobs, cache_dir=cache_dir,
                         overlay=overlay, libraries=libraries, gitignore=gitignore)[0]


def build_project(paths: list[Path], *, excludes: tuple[str, ...] = (), include_tests: bool = False,
                  jobs: int | None = None, cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None,
                  libraries: bool = True, gitignore: bool = True) -> tuple[Graph, Project]:
    """The route graph of the whole project `paths` belong to, and the project (which files are under
    `paths`). `overlay`: file contents (by display path) to analyse instead of what is on disk (the
    autofixes analyse their rewritten sources before anything is written). `gitignore`: skip what
    .gitignore files list."""
    try:
        project, files, facts, cache_dir = _collect(paths, excludes, jobs, cache_dir, overlay, gitignore,
                                                    include_tests)
        return deep(_graph, paths, project, files, facts, libraries, cache_dir), project
    finally:
        gc.unfreeze()  # see _settle()


def _collect(paths: list[Path], excludes: tuple[str, ...], jobs: int | None, cache_dir: Path | None,
             overlay: dict[str, bytes] | None, gitignore: bool = True, include_tests: bool = False,
             project: Project | None = None) -> tuple[Project, list[SourceFile], list[ModuleFacts], Path | None]:
    if project is None:
        project = discover_project(paths, excludes, include_tests, gitignore=gitignore)
    files = list(project.files)
    demand = demand_driven()
    if cache_dir is not None:
        cache_dir = cache.prepare(cache_dir)  # None (after one warning) when the folder is not safe
    facts = collect_facts(files, jobs, cache_dir, demand=demand)
    if demand:
        facts = _widen(files, facts, jobs, cache_dir)
    if overlay:
        facts = [extract(overlay[f.display], f.display, f.module, f.is_package) if f.display in overlay else fa
                 for f, fa in zip(files, facts, strict=True)]
    _settle()
    return project, files, facts, cache_dir


def _widen(files: list[SourceFile], facts: list[ModuleFacts], jobs: int | None,
           cache_dir: Path | None) -> list[ModuleFacts]:
    """Parse the placeholders that name a framework subclass or factory of the project (see
    `relevance.framework_names`), until no new such name appears."""
    facts = list(facts)
    names: set[str] = set()
    while True:
        new = framework_names(facts, names)
        fresh, names = new - names, new
        if not fresh:
            return facts
        picked = [i for i, fa in enumerate(facts) if fa.pending and not fresh.isdisjoint(fa.words.split())]
        if not picked:
            return facts
        for i, fa in zip(picked, collect_facts([files[i] for i in picked], jobs, cache_dir), strict=True):
            facts[i] = fa


# A file parsed on demand is parsed in this process when it is small; past this size it goes to a bounded
# worker like the eagerly parsed files (facts/workers.py), so that no file, needed late or not, can take the
# run's memory or time: parsing costs about 560 bytes of memory per source byte, so this keeps an in-process
# parse under ~150 MB.
ON_DEMAND_IN_PROCESS_BYTES = 256 * 1024


def _on_demand_loader(files: list[SourceFile], cache_dir: Path | None) -> Callable[[ModuleFacts], ModuleFacts]:
    by_display = {f.display: f for f in files}

    def load(stub: ModuleFacts) -> ModuleFacts:
        f = by_display[stub.path]
        job = FactsJob.of(f, cache_dir, False)
        try:
            size = f.path.stat().st_size
        except OSError:
            size = 0
        if size > ON_DEMAND_IN_PROCESS_BYTES:
            return _received(workers_pool.run([job], 1, _facts_sent, _failed)[0])
        return _facts_for(job)
    return load


def _settle() -> None:
    """Move everything alive now (the facts above all) out of the collector's sight: it lives until the end
    of the run, and every full collection of the later stages would otherwise traverse it again. The
    collector stays on for what those stages allocate (off for the whole run costs +55 % peak memory).
    `analyze_with_graph()` hands them back (`gc.unfreeze`) when it returns, so a long-lived caller leaks nothing."""
    gc.freeze()


# Route graphs and rules follow chains of definitions (Depends, include_router, calls) recursively. They
# run in a thread with a large stack and recursion limit, so that deep real-world chains are followed;
# a chain deeper still (or a fan-out past routes/limits.py) costs only the file that holds it: it is
# reported as RG000 and the graph is built again without it, at most MAX_CONTAINED times.
DEEP_STACK = 512 * 1024 * 1024
DEEP_RECURSION = 40_000
MAX_CONTAINED = 20


def deep(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a thread with a `DEEP_STACK` stack and a recursion limit of `DEEP_RECURSION`."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:
            box["error"] = exc

    try:
        old_size = threading.stack_size(DEEP_STACK)
    except (ValueError, RuntimeError):  # a platform that cannot: run here, with the limit as it is
        return fn(*args)
    try:
        thread = threading.Thread(target=target, name="routeguard-analysis", daemon=True)
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, DEEP_RECURSION))
        thread.start()
    finally:
        threading.stack_size(old_size)
    try:
        thread.join()
    finally:
        if not thread.is_alive():
            sys.setrecursionlimit(old_limit)
    if "error" in box:
        error = box.pop("error")
        raise error
    return box["value"]


def _search_path(paths: list[Path], project: Project) -> list[str]:
    """Where installed libraries are looked for (project/library.py)."""
    return project_site_packages([project.root, *paths]) + [p for p in sys.path if p]


def _graph(paths: list[Path], project: Project, files: list[SourceFile], facts: list[ModuleFacts],
           libraries: bool, cache_dir: Path | None = None) -> Graph:
    search = _search_path(paths, project)
    library = LibraryLoader(search) if libraries else None
    namespaces = importable_namespaces(project.namespaces, search)
    load = _on_demand_loader(files, cache_dir) if any(fa.pending for fa in facts) else None
    for attempt in range(MAX_CONTAINED + 1):
        try:
            index = Index(facts, namespaces, library=library, aliases=project.aliases)
            if load is not None:  # placeholders are parsed when a lookup reads them
                index.by_name = OnDemandModules(index.by_name, load)
            table = build_graph(index, middleware_role, backend_grants)
            return replace(table, auth=judge(table))  # the route table, and the auth judgement of its routes
        except (RecursionError, RouteExpansionLimit) as exc:
            if attempt == MAX_CONTAINED:
                raise
            blame = _contain(exc, facts)
            del exc
            if blame is None:
                raise
            facts = [blame if fa.path == blame.path else fa for fa in facts]
    raise AssertionError("unreachable")


def _contain(exc: BaseException, facts: list[ModuleFacts]) -> ModuleFacts | None:
    """The facts that replace those of the file to blame for `exc`: no content, an RG000 error."""
    path: str | None
    if isinstance(exc, RouteExpansionLimit):
        path, line = exc.path, exc.line
        message = (f"{exc.what} expand to more than {exc.cap:,} routes (the cap on route expansion): the "
                   f"routes of this file are not analysed")
    else:
        path, line = _deepest_file(exc, facts)
        message = (f"definitions nested too deeply to analyse (a chain of Depends, include_router or calls "
                   f"that needs more than {DEEP_RECURSION:,} nested steps): this file is not analysed")
    old = next((fa for fa in facts if fa.path == path and fa.error is None), None)
    if old is None:
        return None
    blamed = ModuleFacts(path=old.path, module=old.module, is_package=old.is_package)
    blamed.lines = old.lines
    blamed.error = FileError(message, max(line, 1), 1)
    return blamed


def _deepest_file(exc: BaseException, facts: list[ModuleFacts]) -> tuple[str | None, int]:
    """The project file that the most frames of `exc`'s traceback were working on (a runaway recursion
    repeats the frames of the chain that caused it), and line 1 (the chain has no single line)."""
    paths = {fa.path for fa in facts if fa.error is None}
    modules = {fa.module: fa.path for fa in facts if fa.error is None}
    counts: Counter[str] = Counter()
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if not frame.f_globals.get("__name__", "").startswith("routeguard_lint"):
            continue
        here: set[str] = set()
        for value in frame.f_locals.values():
            for attr in ("path", "file", "module"):
                try:
                    found = getattr(value, attr, None)
                except Exception:
                    continue
                found = modules.get(found, found) if attr == "module" and isinstance(found, str) else found
                if isinstance(found, str) and found in paths:
                    here.add(found)
        counts.update(here)
    if not counts:
        return None, 0
    path = max(counts, key=lambda p: (counts[p], p))
    return path, 1


def run_rules(graph: Graph, select: Iterable[str] | None = None, *, phase: str = "graph",
              errors: list[str] | None = None) -> list[Finding]:
    """The findings of the selected rules of one phase: "graph" (most rules), or "after-suppression"
    (rules that judge the suppressions themselves: they run once `suppress` has recorded what it did).

    A rule that raises does not end the run: what it found before is kept, and the failure is an RG000
    finding on the file it was checking (when its traceback shows one), else on the project ("."). The
    traceback is appended to `errors`."""
    wanted = set(select) if select is not None else None
    findings: list[Finding] = []
    library = getattr(graph.index, "library", None)
    library_paths = library.paths if library is not None and library.paths else ()
    for module in rules_pkg.MODULES:
        if wanted is not None and module.RULE.code not in wanted:
            continue
        if getattr(module, "PHASE", "graph") != phase:
            continue
        try:
            for found in module.check(graph):
                findings.append(found)
        except Exception as exc:  # a bug in one rule: report it, keep every other finding
            findings.append(_rule_failure(module.RULE, exc, library_paths))
            if errors is not None:
                errors.append(f"rule {module.RULE.code} {module.RULE.name}:\n{traceback.format_exc()}")
    if library_paths:  # nothing to fix inside installed libraries
        findings = [f for f in findings if f.path not in library_paths]
    unique = {(f.rule_id, f.path, f.line, f.column, f.message): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


def _rule_failure(rule: Rule, exc: Exception, library_paths: Collection[str]) -> Finding:
    from routeguard_lint.rules import rg000_analysis_error
    from routeguard_lint.rules._util import finding

    path, line = _culprit(exc, library_paths)
    what = f"internal error in rule {rule.code} {rule.name}: {type(exc).__name__}: {exc}"
    if path is None:
        message = f"{what}; its findings for this run may be incomplete (run with --debug for the traceback)"
        return finding(rg000_analysis_error.RULE, message, ".", 0, 0, 0, key=f"RG000:{rule.code}")
    message = (f"cannot analyse {path} with rule {rule.code}: {what}; its findings may be incomplete "
               f"(run with --debug for the traceback)")
    return finding(rg000_analysis_error.RULE, message, path, line, 1, 2, key=f"RG000:{rule.code}:{path}")


def _culprit(exc: Exception, library_paths: Collection[str]) -> tuple[str | None, int]:
    """The project file (and line) a failing rule was looking at: the innermost route, route declaration,
    dependency or module among the local variables of routeguard's own frames in the traceback."""
    from routeguard_lint.routes.model import DepNode, RouteDecl

    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames):
        if not frame.f_globals.get("__name__", "").startswith("routeguard_lint"):
            continue
        for value in frame.f_locals.values():
            if isinstance(value, Route):
                value = value.decl
            path: str | None
            if isinstance(value, RouteDecl):
                path, line = value.file, value.line
            elif isinstance(value, DepNode):
                path, line = value.path, value.line or 1
            elif isinstance(value, ModuleFacts):
                path, line = value.path, 1
            else:
                continue
            if isinstance(path, str) and path and path not in library_paths:
                return path, max(int(line or 1), 1)
    return None, 0


def route_info(route: Route, graph: Graph) -> RouteInfo:
    decl = route.decl
    verdict = judgement_of(graph).of(route)
    deps: list[DependencyInfo] = []
    if route.root is not None:
        for child, via in route.root.children:
            deps.append(DependencyInfo(child.label, child.kind.value, via, child.path, child.line))
    return RouteInfo(
        methods=tuple(route.methods), path=route.full_path, handler=decl.handler_name, file=decl.file,
        line=decl.line, column=decl.col, state=verdict.state.value, public_reason=verdict.public_reason,
        auth=verdict.chain, reason=verdict.reason, dependencies=tuple(deps), conditions=route.conditions,
        reachable=route.reachable, scheme=verdict.scheme,
        app=graph.apps[route.apps[-1]].label if route.apps and route.apps[-1] in graph.apps else None,
        alternatives=route.alternatives,
    )


# ------------------------------------------------------------------------- several projects in one run
# Paths of different projects given together (`routeguard check services/api services/billing`, sibling
# checkouts) are analysed project by project (`project_groups`), each within its own root with its own
# configuration, one after the other: the facts cache is shared, the memory of one project's analysis is
# freed before the next starts (the peak is that of the largest project, not of their sum), and each
# project's result is cached on its own. The reports are merged and sorted as one.

# The configuration and the rules to run (None: the configuration's) for the paths of one project;
# the CLI applies its options to the configuration each project's paths find.
Configure = Callable[[list[Path]], tuple[Config, list[str] | None]]


def _settings(paths: list[Path], config: Config | None, select: Iterable[str] | None,
              configure: Configure | None) -> tuple[Config, list[str] | None]:
    if configure is not None:
        return configure(paths)
    return (config if config is not None else load_config(find_config(paths)),
            list(select) if select is not None else None)


def merge_results(results: list[Result]) -> Result:
    """The results of several projects as one: findings, routes and mounts in their sort order (a
    finding two projects both report, such as a rule failure on ".", once), the file counts summed."""
    findings = sorted({(f.sort_key(), f.rule_id): f for r in reversed(results) for f in r.findings}.values(),
                      key=Finding.sort_key)
    return Result(findings=findings, routes=sorted((x for r in results for x in r.routes), key=RouteInfo.sort_key),
                  files=sum(r.files for r in results),
                  mounts=sorted((m for r in results for m in r.mounts), key=MountInfo.sort_key),
                  internal_errors=[e for r in results for e in r.internal_errors])


def analyze(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
            select: Iterable[str] | None = None, config: Config | None = None,
            cache_dir: Path | None = None, configure: Configure | None = None) -> Result:
    """Analyse `paths`, project by project (`project_groups`); see `analyze_with_graph()`. `configure`:
    the configuration and rules for each project's paths (else `config` and `select` for every project,
    `config` None: the one each project's paths find)."""
    results = []
    for group in project_groups(paths):
        group_config, group_select = _settings(group, config, select, configure)
        for project in project_parts(group, tuple(excludes) + group_config.exclude, group_config):
            results.append(analyze_with_graph(group, excludes=excludes, jobs=jobs, select=group_select,
                                              config=group_config, cache_dir=cache_dir, project=project)[0])
    return results[0] if len(results) == 1 else merge_results(results)


def project_parts(paths: list[Path], excludes: tuple[str, ...], config: Config) -> list[Project]:
    """The project `paths` belong to, as discovered, or, when nested projects of it are programs of their own
    (`Project.services`), its parts (`programs_of`): each service with its own import roots first and the other
    services left out, then the rest. Each file is reported by one part; their results are merged as those of
    several projects are."""
    project = discover_project(paths, excludes, config.include_tests, gitignore=config.respect_gitignore)
    parts = programs_of(project)
    if not parts:
        return [project]
    return [discover_project(paths, excludes, config.include_tests, gitignore=config.respect_gitignore,
                             program=part) for part in parts]


def analyze_with_graph(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
                       select: Iterable[str] | None = None, config: Config | None = None,
                       cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None,
                       project: Project | None = None) -> tuple[Result, Graph]:
    """Analyse `paths` (of one project: `analyze` and `analyze_checked` take paths of several, see
    `project_groups`): the result, and the route graph it was read from. `config` None: the
    configuration found by walking up from the first path (`find_config`; raises `ConfigError` when it
    is invalid), `Config()` for none. `select` None: the configuration's `select`/`ignore`; `excludes`
    add to its `exclude`. `cache_dir`: reuse per-file facts from there (cache.py); None computes
    everything afresh. `overlay`: see `build()`. `project`: the project as `discover_project` found it for
    these arguments (by default it is discovered here)."""
    if config is None:
        config = load_config(find_config(paths))
    try:
        project, files, facts, cache_dir = _collect(paths, tuple(excludes) + config.exclude, jobs, cache_dir,
                                                    overlay, config.respect_gitignore, config.include_tests,
                                                    project)
        return deep(_finish, paths, project, files, facts, config, select, cache_dir)
    finally:
        gc.unfreeze()  # see _settle()


def _finish(paths: list[Path], project: Project, files: list[SourceFile], facts: list[ModuleFacts],
            config: Config, select: Iterable[str] | None, cache_dir: Path | None = None) -> tuple[Result, Graph]:
    graph = _graph(paths, project, files, facts, True, cache_dir)
    wanted = list(select) if select is not None else config.rule_codes()
    # rules the configuration's `ignore` turned off still run: their findings are reported as suppressed
    # (SARIF kind "external", with the configuration as the reason), never as findings
    ignored = [code for code in config.ignore if code not in wanted and (config.select is None or
                                                                          code in config.select)]
    intent = declare(graph, config)  # declared intent: route states, before the rules
    judged = replace(graph, intent=intent)  # the judgement before the declarations (suppressed RG001s)
    graph = replace(graph, auth=judgement_of(graph).declared(intent.verdicts), intent=intent)
    errors = [f"{facts.path}:\n{facts.traceback}" for facts in graph.index.modules
              if getattr(facts, "traceback", None)]
    findings = run_rules(graph, wanted, errors=errors)
    findings = suppress(findings, intent, set(wanted))  # inline suppressions, after the rules
    if "RG001" in wanted:
        findings += declared_public_findings(judged, intent)
    findings += run_rules(graph, wanted, phase="after-suppression", errors=errors)
    if ignored:
        extra = run_rules(graph, ignored) + run_rules(graph, ignored, phase="after-suppression")
        findings += config_ignored([f for f in extra if f.rule_id != "RG000"], config, set(ignored))
    # the whole project was analysed; what is reported is what lies under the given paths
    hidden = {f.display for f in project.files if not f.reported}
    findings = sorted(name_apps([f for f in findings if f.path not in hidden], graph), key=Finding.sort_key)
    routes = sorted((route_info(r, graph) for r in graph.routes if r.decl.file not in hidden),
                    key=RouteInfo.sort_key)
    mounts = sorted((MountInfo(m.path, m.label, m.kind.value, m.file, m.line, tuple(m.conditions), m.reachable)
                     for m in graph.mounts if m.file not in hidden), key=MountInfo.sort_key)
    return Result(findings=findings, routes=routes, files=len(project.files) - len(hidden), mounts=mounts,
                  internal_errors=errors), graph


# ------------------------------------------------------------------------------- `check`, with its result cache


class Checked:
    """What `check` reports: the result, and "N fixable with --fix" for any subset of its findings (the
    findings a baseline leaves). From a stored result (facts/results.py) the counts come from the entry;
    a file whose fixable findings differ from those the entry was planned for is planned again, from an
    analysis run then (`reanalyse`)."""

    def __init__(self, result: Result, graph: Graph | None, planned: dict[str, list[Any]] | None,
                 reanalyse: Callable[[], Graph], planner: Planner | None):
        self.result = result
        self.graph = graph
        self.planned = planned
        self._reanalyse = reanalyse
        self._planner = planner

    def fixable(self, findings: list[Finding]) -> dict[str, int]:
        """How many of `findings` `check --fix` would fix now, by rule (the autofixes' own judgement, one
        round; nothing is written)."""
        groups = _fixable_groups(findings)
        counts: Counter[str] = Counter()
        todo: list[Finding] = []
        for path, items in groups.items():
            known = (self.planned or {}).get(path)
            if known is not None and known[0] == [results_cache.finding_id(f) for f in items]:
                counts.update(known[1])
            else:
                todo.extend(items)
        if todo:
            if self._planner is None:
                raise ValueError("fixable counts need the planner (analyze_checked(fixable=...))")
            if self.graph is None:
                self.graph = self._reanalyse()
            for by_rule in self._planner(self.graph, todo).values():
                counts.update(by_rule)
        return {rule: n for rule, n in counts.items() if n}


def _fixable_groups(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """The active findings of fixable rules, by file, in the order the autofixes take them."""
    fixable = set(rules_pkg.fixable_codes())
    groups: dict[str, list[Finding]] = {}
    for f in sorted(findings, key=Finding.sort_key):
        if f.rule_id in fixable and f.suppressed is None:
            groups.setdefault(f.path, []).append(f)
    return groups


Planner = Callable[[Graph, list[Finding]], dict[str, dict[str, int]]]  # fix.apply.fixable_by_file


class CheckedProjects:
    """What `check` reports for paths of several projects: each project's `Checked`, merged."""

    def __init__(self, parts: list[Checked]):
        self.parts = parts
        self.result = merge_results([part.result for part in parts])

    def fixable(self, findings: list[Finding]) -> dict[str, int]:
        """`Checked.fixable`, each finding asked of the project that reported it."""
        owner: dict[str, int] = {}
        for i, part in enumerate(self.parts):
            for f in part.result.findings:
                owner.setdefault(f.path, i)
        mine: list[list[Finding]] = [[] for _ in self.parts]
        for f in findings:
            if f.path in owner:
                mine[owner[f.path]].append(f)
        counts: Counter[str] = Counter()
        for part, items in zip(self.parts, mine, strict=True):
            if items:
                counts.update(part.fixable(items))
        return {rule: n for rule, n in sorted(counts.items()) if n}


def analyze_checked(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
                    select: list[str] | None = None, config: Config | None = None,
                    cache_dir: Path | None = None, fixable: Planner | None = None,
                    configure: Configure | None = None) -> Checked | CheckedProjects:
    """`analyze_with_graph()` for `check`, through the result cache when `cache_dir` is given: a re-run
    whose every input is unchanged (facts/results.py says which) reads the stored result instead of
    analysing. `fixable`: the autofixes' planner (`fix.apply.fixable_by_file`) when the caller will ask
    for fixable counts (stored with the result). Paths of several projects: each project on its own
    (`project_groups`, `configure` as for `analyze`), merged."""
    projects = project_groups(paths)
    if len(projects) > 1 or configure is not None:
        parts: list[Checked] = []
        for group in projects:  # each one project: `project_groups` gives it back as it is
            group_config, group_select = _settings(group, config, select, configure)
            checked = analyze_checked(group, excludes=excludes, jobs=jobs, select=group_select,
                                      config=group_config, cache_dir=cache_dir, fixable=fixable)
            for part in checked.parts if isinstance(checked, CheckedProjects) else [checked]:
                if len(projects) > 1:
                    # one project's route graph at a time (the peak memory of the largest project, not of their
                    # sum): the fixable counts of all its findings are planned already; a subset (after a
                    # baseline) that needs planning again analyses that project again (`Checked.fixable`)
                    part.graph = None
                parts.append(part)
        return parts[0] if len(parts) == 1 else CheckedProjects(parts)
    if config is None:
        config = load_config(find_config(paths))
    if cache_dir is not None:
        cache_dir = cache.prepare(cache_dir)  # None (after one warning) when the folder is not safe
    excludes = tuple(excludes) + config.exclude
    programs = project_parts(paths, excludes, config)
    if len(programs) > 1 or programs[0].program is not None:
        programs_checked: list[Checked] = []
        for project in programs:
            for done in programs_checked:
                done.graph = None  # one program's route graph at a time, as for several projects
            programs_checked.append(_checked(paths, project, excludes=excludes, jobs=jobs, select=select,
                                             config=config, cache_dir=cache_dir, fixable=fixable))
        return programs_checked[0] if len(programs_checked) == 1 else CheckedProjects(programs_checked)
    return _checked(paths, programs[0], excludes=excludes, jobs=jobs, select=select, config=config,
                    cache_dir=cache_dir, fixable=fixable)


def _checked(paths: list[Path], project: Project, *, excludes: tuple[str, ...], jobs: int | None,
             select: list[str] | None, config: Config, cache_dir: Path | None,
             fixable: Planner | None) -> Checked:
    """`analyze_checked` of one project (or one part of it, `Project.program`), as discovered."""

    def analysis() -> tuple[Result, Graph]:
        return analyze_with_graph(paths, excludes=(), jobs=jobs, select=select, config=config,
                                  cache_dir=cache_dir, project=project)

    def reanalyse() -> Graph:
        return analysis()[1]

    if cache_dir is None:
        result, graph = analysis()
        return Checked(result, graph, None, reanalyse, fixable)
    key = results_cache.invocation_key(paths, excludes, select, config, project.program)
    shape, state = results_cache.project_state(project)
    entry = results_cache.load(cache_dir, key)
    if entry is not None and (entry.fixable is not None or fixable is None) and \
            _still_valid(entry, shape, state, paths, project):
        if entry.files != state:  # only files the run never read changed: the result stands for the new ones
            entry.files = state
            if results_cache.store(cache_dir, key, entry):
                cache.prune(cache_dir)
        return Checked(entry.result, None, entry.fixable, reanalyse, fixable)
    result, graph = analysis()
    planned = None
    if fixable is not None:
        groups = _fixable_groups(result.findings)
        plan = fixable(graph, [f for items in groups.values() for f in items]) if groups else {}
        planned = {path: [[results_cache.finding_id(f) for f in items], plan.get(path, {})]
                   for path, items in groups.items()}
    if _deterministic(graph) and results_cache.project_state(project) == (shape, state):
        search = _search_path(paths, project)
        lookups: dict[str, Any] = getattr(getattr(graph.index, "library", None), "lookups", {})
        libraries = results_cache.Libraries(
            search, sorted(importable_namespaces(project.namespaces, search)),
            [[name, None if answer is None else list(answer)] for name, answer in lookups.items()])
        entry = results_cache.Entry(shape, state, libraries, result, planned, *_unread(graph))
        if results_cache.store(cache_dir, key, entry):
            cache.prune(cache_dir)
    return Checked(result, graph, planned, reanalyse, fixable)


def _deterministic(graph: Graph) -> bool:
    """No file's worker died or ran out of time: such a result depends on the machine, not the input."""
    died = workers_pool.died_message()
    late = workers_pool.timeout_message(0).partition(" 0 s")[0]
    return not any(fa.error and (fa.error.message == died or fa.error.message.startswith(late))
                   for fa in graph.index.modules)


_CONTAINED = ("definitions nested too deeply to analyse", "expand to more than")  # see _contain


def _unread(graph: Graph) -> tuple[list[str], list[str]]:
    """The files the run never read beyond their name, and the names it looked for in unparsed text.

    A placeholder (`ModuleFacts.pending`, demand-driven mode) still pending at the end was read for its
    path, module name and whether it is a package only (the index and `api._Pending`); its `words` were
    matched against the framework names of the project (`relevance.framework_names`, which only grow as
    modules are parsed) and the names the route graph looked for (`OnDemandModules.asked`) and met none;
    its line count is read only when a file is blamed for a runaway chain (`_contain`), so after that
    nothing is taken for unread."""
    modules = graph.index.modules
    if any(fa.error and fa.error.message.startswith(_CONTAINED) for fa in modules):
        return [], []
    unread = sorted(fa.path for fa in modules if fa.pending)
    if not unread:
        return [], []
    asked = framework_names(modules, set()) | getattr(graph.index.by_name, "asked", set())
    return unread, sorted(asked)


def _unread_still(entry: results_cache.Entry, old: list[Any], new: list[Any]) -> bool:
    """Whether a file the stored run never read (`_unread`) would be a placeholder again that no lookup
    of that run reads: it parses, nothing in it is relevant (`relevance.relevant`), and its words meet
    none of the names looked for. Then every read the run made gives what it gave."""
    if old[:-1] != new[:-1] or old[0] not in entry.unread or new[-1].startswith("!"):
        return False
    if any(f.path == old[0] for f in entry.result.findings):
        return False
    try:
        data = read_source(new[1])
    except ParseFailure:
        return False
    if hashlib.sha256(data).hexdigest() != new[-1] or relevant(data):
        return False
    stub = skim(data, new[0], new[2], new[3])
    return stub is not None and set(stub.words.split()).isdisjoint(entry.asked)


def _still_valid(entry: results_cache.Entry, shape: list[Any], state: list[list[Any]], paths: list[Path],
                 project: Project) -> bool:
    """Whether everything the stored run read is as it was (see facts/results.py): every file the same,
    or changed without the run having read it (`_unread_still`)."""
    if entry.shape != shape or len(entry.files) != len(state):
        return False
    if entry.files != state and not all(old == new or _unread_still(entry, old, new)
                                        for old, new in zip(entry.files, state, strict=True)):
        return False
    search = _search_path(paths, project)
    if entry.libraries.search != search or \
            entry.libraries.namespaces != sorted(importable_namespaces(project.namespaces, search)):
        return False
    loader = LibraryLoader(search)
    return all(results_cache.library_answer(loader.locate, name) == answer
               for name, answer in entry.libraries.lookups)
