"""Which app serves a route, when the project makes several: an app made by a factory function called from
several places (`App.create_app(...)` in four places of Gradio) is one app per call, each with the same routes.
Each gets an identity people can find in the code: the call of the factory that made it (`create_app() called
at pkg/server.py:120`), or the module-level name it is bound to (`pkg.main.app`). Deterministic: apps the
analysis cannot tell apart by either are numbered in a stable order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from routeguard_lint.model import Finding, Related
from routeguard_lint.project.index import BoundParam, Ctx
from routeguard_lint.routes.contexts import Contexts
from routeguard_lint.routes.model import AppSite, Graph, Route, RouterKey, RouterNode


def app_sites(routers: dict[RouterKey, RouterNode], routes: Iterable[Route],
              calling: Contexts) -> dict[RouterKey, AppSite]:
    """The identity of each app that serves routes (the outermost app of each reachable route), when there are
    at least two; empty when there is one app (nothing to tell apart)."""
    roots = {r.apps[-1] for r in routes if r.apps and r.reachable}
    if len(roots) < 2:
        return {}
    sites = {key: _site(routers[key], calling) for key in roots}
    ordered = sorted(roots, key=lambda k: (sites[k].label, sites[k].path, sites[k].line, repr(k)))
    counts = Counter(site.label for site in sites.values())
    seen: Counter[str] = Counter()
    for key in ordered:
        site = sites[key]
        if counts[site.label] > 1:
            seen[site.label] += 1
            sites[key] = replace(site, label=f"{site.label} #{seen[site.label]}")
    return sites


def _site(node: RouterNode, calling: Contexts) -> AppSite:
    key = node.key
    kind = key[0] if key else None
    if kind == "global" and len(key) >= 3:
        return AppSite(f"{key[1]}.{key[2]}", node.path, node.line)
    if kind == "local" and len(key) >= 4 and isinstance(key[1], str) and isinstance(key[2], str):
        module, scope = key[1], key[2]
        env = next((part for part in key[4:] if isinstance(part, tuple)
                    and all(isinstance(b, BoundParam) for b in part)), ())
        factory = f"{module}.{scope}()"
        if not env:
            return AppSite(factory, node.path, node.line)
        found = calling.call_site(Ctx(module, scope, env))
        if found is not None:
            return AppSite(f"{factory} called at {found[0]}:{found[1]}", found[0], found[1])
        caller = next((b.value.ctx for b in env if b.function == scope and isinstance(b.value.ctx, Ctx)), None)
        if caller is not None:
            where = f"{caller.module}.{caller.scope}" if caller.scope else caller.module
            return AppSite(f"{factory} called in {where}", node.path, node.line)
        return AppSite(factory, node.path, node.line)
    return AppSite(f"{node.path}:{node.line}", node.path, node.line)


def name_apps(findings: list[Finding], graph: Graph) -> list[Finding]:
    """Findings about a route, each with a related location per app that serves the route there (same
    declaration, methods and path), when the project makes several apps: the finding is reported once, whichever
    app's copy of the route it was found on, naming every app."""
    if not graph.apps:
        return findings
    by_route: dict[tuple[str, int, tuple[str, ...], str], set[AppSite]] = {}
    for route in graph.routes:
        site = graph.apps.get(route.apps[-1]) if route.apps else None
        if site is not None:
            by_route.setdefault((route.decl.file, route.decl.line, route.methods, route.full_path), set()).add(site)
    out = []
    for finding in findings:
        sites = by_route.get((finding.path, finding.line, finding.route_methods or (), finding.route_path or ""))
        if sites:
            named = tuple(Related(site.path, site.line, f"served by app {site.label}")
                          for site in sorted(sites, key=lambda s: (s.label, s.path, s.line)))
            finding = replace(finding, related=(*finding.related, *named))
        out.append(finding)
    return out
