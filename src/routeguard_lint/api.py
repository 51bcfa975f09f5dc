"""The pipeline, end to end: files -> facts -> index -> route graph -> rules -> findings and routes.

`analyze()` is what the CLI and the tests call. Facts are computed in worker processes when there are
enough files to pay for them; the result is identical for any number of workers.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from routeguard_lint.facts import cache
from routeguard_lint import rules as rules_pkg
from routeguard_lint.intent.config import Config, find_config, load_config
from routeguard_lint.files.discovery import Project, SourceFile, discover_project, mentions_fastapi
from routeguard_lint.files.layout import importable_namespaces
from routeguard_lint.facts.extract import ModuleFacts, extract
from routeguard_lint.routes.graph import Graph, Route, build_graph
from routeguard_lint.project.index import Index
from routeguard_lint.project.library import LibraryLoader, project_site_packages
from routeguard_lint.model import DependencyInfo, Finding, MountInfo, Result, RouteInfo
from routeguard_lint.parsing.source import ParseFailure, read_source
from routeguard_lint.intent.suppress import declare, suppress

PARALLEL_MIN_FILES = 24


def _facts_for(job: tuple) -> ModuleFacts:
    path, display, module, is_package, cache_dir = job
    try:
        data = read_source(path)  # a regular file of at most parse.MAX_BYTES, or ParseFailure
    except ParseFailure as exc:
        facts = ModuleFacts(path=display, module=module, is_package=is_package)
        facts.error = (exc.message, exc.line, exc.column)
        return facts
    if cache_dir is None:
        return extract(data, display, module, is_package)
    key = cache.key_for(data, display, module, is_package)
    facts = cache.load(cache_dir, key)
    if facts is None:
        facts = extract(data, display, module, is_package)
        cache.store(cache_dir, key, facts)
    return facts


def _hint_order(files: list[SourceFile]) -> list[SourceFile]:
    """Big files and files that mention FastAPI first, so workers stay busy; every file is analysed."""
    def weight(f: SourceFile) -> tuple:
        try:
            size = f.path.stat().st_size
            head = read_source(f.path, head=65536)
        except (OSError, ParseFailure):
            return (0, 0)
        return (mentions_fastapi(head), size)
    return sorted(files, key=weight, reverse=True)


def collect_facts(files: list[SourceFile], jobs: int | None = None, cache_dir: Path | None = None) -> list[ModuleFacts]:
    """Facts for every file, in `files` order; `cache_dir` (see cache.py) reuses earlier results."""
    unreadable = {f.display: _unreadable(f) for f in files if getattr(f, "error", None)}
    readable = [f for f in files if f.display not in unreadable]
    cached = _cache_hits(readable, cache_dir) if cache_dir is not None else {}
    readable = [f for f in readable if f.display not in cached]
    work = [(str(f.path), f.display, f.module, f.is_package, cache_dir) for f in readable]
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(work) < PARALLEL_MIN_FILES:
        by_display = {job[1]: _facts_for(job) for job in work}
    else:
        order = _hint_order(readable)
        ordered = [(str(f.path), f.display, f.module, f.is_package, cache_dir) for f in order]
        by_display = _parallel(ordered, workers)
    by_display.update(unreadable)
    by_display.update(cached)
    return [by_display[f.display] for f in files]


def _cache_hits(files: list[SourceFile], cache_dir: Path) -> dict[str, ModuleFacts]:
    """Facts already in the cache, loaded here: sending them through worker processes would cost a
    pickling round trip each. Misses (and unreadable files) are left to `_facts_for`."""
    hits: dict[str, ModuleFacts] = {}
    for f in files:
        try:
            data = read_source(f.path)
        except (ParseFailure, OSError):
            continue
        facts = cache.load(cache_dir, cache.key_for(data, f.display, f.module, f.is_package))
        if facts is not None:
            hits[f.display] = facts
    return hits


def _unreadable(f: SourceFile) -> ModuleFacts:
    facts = ModuleFacts(path=f.display, module=f.module, is_package=False)
    facts.error = (f.error, 1, 1)
    return facts


def _parallel(jobs: list[tuple], workers: int) -> dict[str, ModuleFacts]:
    """Facts by display path, computed by `workers` processes. A worker that dies (a crash in native
    code, the out-of-memory killer) takes only its own file down: the other files are finished by
    fresh workers, and the file that killed its process is reported as RG000."""
    done: dict[str, ModuleFacts] = {}
    try:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for facts in pool.map(_facts_for, jobs, chunksize=4):
                done[facts.path] = facts
    except BrokenProcessPool:
        _careful([job for job in jobs if job[1] not in done], workers, done)
    return done


def _careful(jobs: list[tuple], workers: int, done: dict[str, ModuleFacts]) -> None:
    """After a worker died: at most `workers` files in flight, so when one dies again the suspects are
    known; each suspect is then analysed alone, in a process of its own."""
    queue = list(jobs)
    while queue:
        suspects: list[tuple] = []
        running: dict = {}
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                while queue or running:
                    while queue and len(running) < workers:
                        job = queue.pop(0)
                        running[pool.submit(_facts_for, job)] = job
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        facts = future.result()  # raises BrokenProcessPool when a worker died
                        done[running.pop(future)[1]] = facts
        except BrokenProcessPool:
            for future, job in running.items():
                if job[1] in done:
                    continue
                if future.done() and not future.cancelled() and future.exception() is None:
                    done[job[1]] = future.result()
                else:
                    suspects.append(job)
        for job in suspects:
            done[job[1]] = _isolated(job)


def _isolated(job: tuple) -> ModuleFacts:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(_facts_for, job).result()
    except BrokenProcessPool:
        facts = ModuleFacts(path=job[1], module=job[2], is_package=job[3])
        facts.error = ("the process analysing this file died (a crash in the parser, or out of memory)", 1, 1)
        return facts


def build(paths: list[Path], *, excludes: tuple[str, ...] = (), include_tests: bool = False, jobs: int | None = None,
          cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None, libraries: bool = True) -> Graph:
    """The route graph of the project `paths` belong to (files/discovery.py); see `build_project`."""
    return build_project(paths, excludes=excludes, include_tests=include_tests, jobs=jobs, cache_dir=cache_dir,
                         overlay=overlay, libraries=libraries)[0]


def build_project(paths: list[Path], *, excludes: tuple[str, ...] = (), include_tests: bool = False,
                  jobs: int | None = None, cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None,
                  libraries: bool = True) -> tuple[Graph, Project]:
    """The route graph of the whole project `paths` belong to, and the project (which files are under
    `paths`). `overlay`: file contents (by display path) to analyse instead of what is on disk (the
    autofixes analyse their rewritten sources before anything is written)."""
    project = discover_project(paths, excludes, include_tests)
    files = list(project.files)
    facts = collect_facts(files, jobs, cache_dir)
    if overlay:
        facts = [extract(overlay[f.display], f.display, f.module, f.is_package) if f.display in overlay else fa
                 for f, fa in zip(files, facts)]
    search = project_site_packages([project.root, *paths]) + [p for p in sys.path if p]
    library = LibraryLoader(search) if libraries else None
    index = Index(facts, importable_namespaces(project.namespaces, search), library=library)
    return build_graph(index), project


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


def _rule_failure(rule, exc: Exception, library_paths) -> Finding:
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


def _culprit(exc: Exception, library_paths) -> tuple[str | None, int]:
    """The project file (and line) a failing rule was looking at: the innermost route, route declaration,
    dependency or module among the local variables of routeguard's own frames in the traceback."""
    from routeguard_lint.routes.graph import DepNode, RouteDecl

    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames):
        if not frame.f_globals.get("__name__", "").startswith("routeguard_lint"):
            continue
        for value in frame.f_locals.values():
            if isinstance(value, Route):
                value = value.decl
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
    deps: list[DependencyInfo] = []
    if route.root is not None:
        for child, via in route.root.children:
            deps.append(DependencyInfo(child.label, child.kind, via, child.path, child.line))
    return RouteInfo(
        methods=tuple(route.methods), path=route.full_path, handler=decl.handler_name, file=decl.file,
        line=decl.line, column=decl.col, state=route.state, public_reason=route.public_reason,
        auth=route.auth_chain, reason=route.reason, dependencies=tuple(deps), conditions=route.conditions,
        reachable=route.reachable, scheme=route.scheme,
    )


def analyze(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
            select: Iterable[str] | None = None, config: Config | None = None,
            cache_dir: Path | None = None) -> Result:
    """Analyse `paths`; see `analysis()`."""
    return analysis(paths, excludes=excludes, jobs=jobs, select=select, config=config, cache_dir=cache_dir)[0]


def analysis(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
             select: Iterable[str] | None = None, config: Config | None = None,
             cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None) -> tuple[Result, Graph]:
    """Analyse `paths`: the result, and the route graph it was read from. `config` None: the
    configuration found by walking up from the first path (`find_config`; raises `ConfigError` when it
    is invalid), `Config()` for none. `select` None: the configuration's `select`/`ignore`; `excludes`
    add to its `exclude`. `cache_dir`: reuse per-file facts from there (cache.py); None computes
    everything afresh. `overlay`: see `build()`."""
    if config is None:
        config = load_config(find_config(paths))
    graph, project = build_project(paths, excludes=tuple(excludes) + config.exclude,
                                   include_tests=config.include_tests, jobs=jobs, cache_dir=cache_dir, overlay=overlay)
    wanted = list(select) if select is not None else config.rule_codes()
    intent = declare(graph, config)  # declared intent: route states, before the rules
    errors = [f"{facts.path}:\n{facts.traceback}" for facts in graph.index.modules
              if getattr(facts, "traceback", None)]
    findings = run_rules(graph, wanted, errors=errors)
    findings = suppress(findings, intent, set(wanted))  # inline suppressions, after the rules
    findings = sorted(findings + run_rules(graph, wanted, phase="after-suppression", errors=errors),
                      key=Finding.sort_key)
    # the whole project was analysed; what is reported is what lies under the given paths
    hidden = {f.display for f in project.files if not f.reported}
    findings = [f for f in findings if f.path not in hidden]
    routes = sorted((route_info(r, graph) for r in graph.routes if r.decl.file not in hidden),
                    key=RouteInfo.sort_key)
    mounts = sorted((MountInfo(m.path, m.label, m.kind, m.file, m.line, tuple(m.conditions), m.reachable)
                     for m in graph.mounts if m.file not in hidden), key=MountInfo.sort_key)
    return Result(findings=findings, routes=routes, files=len(project.files) - len(hidden), mounts=mounts,
                  internal_errors=errors), graph
