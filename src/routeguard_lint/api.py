"""The pipeline, end to end: files -> facts -> index -> route graph -> rules -> findings and routes.

`analyze()` is what the CLI and the tests call. Facts are computed in worker processes when there are
enough files to pay for them; the result is identical for any number of workers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import cache
from . import rules as rules_pkg
from .config import Config, find_config, load_config
from .discovery import SourceFile, discover, mentions_fastapi
from .facts import ModuleFacts, extract
from .graph import Graph, Route, build_graph
from .index import Index
from .library import LibraryLoader, project_site_packages
from .model import DependencyInfo, Finding, MountInfo, Result, RouteInfo
from .suppress import declare, suppress

PARALLEL_MIN_FILES = 24


def _facts_for(job: tuple) -> ModuleFacts:
    path, display, module, is_package, cache_dir = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        facts = ModuleFacts(path=display, module=module, is_package=is_package)
        facts.error = (f"cannot read file: {exc.strerror or exc}", 1, 1)
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
            with open(f.path, "rb") as handle:
                head = handle.read(65536)
        except OSError:
            return (0, 0)
        return (mentions_fastapi(head), size)
    return sorted(files, key=weight, reverse=True)


def collect_facts(files: list[SourceFile], jobs: int | None = None, cache_dir: Path | None = None) -> list[ModuleFacts]:
    """Facts for every file, in `files` order; `cache_dir` (see cache.py) reuses earlier results."""
    work = [(str(f.path), f.display, f.module, f.is_package, cache_dir) for f in files]
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers <= 1 or len(work) < PARALLEL_MIN_FILES:
        results = [_facts_for(job) for job in work]
    else:
        order = _hint_order(files)
        ordered = [(str(f.path), f.display, f.module, f.is_package, cache_dir) for f in order]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            facts = list(pool.map(_facts_for, ordered, chunksize=4))
        by_display = {f.path: f for f in facts}
        results = [by_display[f.display] for f in files]
    return results


def build(paths: list[Path], *, excludes: tuple[str, ...] = (), jobs: int | None = None,
          cache_dir: Path | None = None, overlay: dict[str, bytes] | None = None, libraries: bool = True) -> Graph:
    """The route graph of `paths`. `overlay`: file contents (by display path) to analyse instead of what
    is on disk (the autofixes analyse their rewritten sources before anything is written)."""
    files = discover(paths, excludes)
    facts = collect_facts(files, jobs, cache_dir)
    if overlay:
        facts = [extract(overlay[f.display], f.display, f.module, f.is_package) if f.display in overlay else fa
                 for f, fa in zip(files, facts)]
    aliases = {f.display: list(f.aliases) for f in files}
    library = LibraryLoader(project_site_packages(paths) + [p for p in sys.path if p]) if libraries else None
    index = Index(facts, aliases, library=library)
    return build_graph(index)


def run_rules(graph: Graph, select: Iterable[str] | None = None, *, phase: str = "graph") -> list[Finding]:
    """The findings of the selected rules of one phase: "graph" (most rules), or "after-suppression"
    (rules that judge the suppressions themselves: they run once `suppress` has recorded what it did)."""
    wanted = set(select) if select is not None else None
    findings: list[Finding] = []
    for module in rules_pkg.MODULES:
        if wanted is not None and module.RULE.code not in wanted:
            continue
        if getattr(module, "PHASE", "graph") != phase:
            continue
        findings.extend(module.check(graph))
    library = getattr(graph.index, "library", None)
    if library is not None and library.paths:  # nothing to fix inside installed libraries
        findings = [f for f in findings if f.path not in library.paths]
    unique = {(f.rule_id, f.path, f.line, f.column, f.message): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


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
    graph = build(paths, excludes=tuple(excludes) + config.exclude, jobs=jobs, cache_dir=cache_dir,
                  overlay=overlay)
    wanted = list(select) if select is not None else config.rule_codes()
    intent = declare(graph, config)  # declared intent: route states, before the rules
    findings = run_rules(graph, wanted)
    findings = suppress(findings, intent, set(wanted))  # inline suppressions, after the rules
    findings = sorted(findings + run_rules(graph, wanted, phase="after-suppression"), key=Finding.sort_key)
    routes = sorted((route_info(r, graph) for r in graph.routes), key=RouteInfo.sort_key)
    mounts = sorted((MountInfo(m.path, m.label, m.kind, m.file, m.line, tuple(m.conditions), m.reachable)
                     for m in graph.mounts), key=MountInfo.sort_key)
    return Result(findings=findings, routes=routes, files=len(graph.index.modules), mounts=mounts), graph
