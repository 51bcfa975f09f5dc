"""Routes with full paths: each declaration expanded through every chain of includes (and mounts) up to an
app, with the dependencies every level contributes, outermost first, and the conditions the includes are
under. Reads what discovery found; makes new objects, never changes those."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from routeguard_lint.routes import limits
from routeguard_lint.routes.literals import PathChoice, contradicts
from routeguard_lint.routes.model import (
    DepRef,
    Mount,
    MountDecl,
    OpaqueInclude,
    Route,
    RouteDecl,
    RouterKey,
    RouterKind,
    RouterNode,
)
from routeguard_lint.routes.routers import Routers


@dataclass(frozen=True)
class Way:
    """One way up from a router to a root: what the route (or mount) below it gets on that way."""

    full_path: str
    deps: list[DepRef]  # dependencies, outermost first
    conditions: tuple[str, ...]  # source text of the `if` tests around the includes passed
    reachable: bool  # the root is an app
    mounted: bool  # went through a mount
    apps: tuple[RouterKey, ...]  # the apps passed, innermost first
    app_paths: tuple[str, ...] = ()  # for each of `apps`, the path within that app (Starlette's path less root_path)
    unseen: tuple[str, ...] = ()  # the root's includes into something not known to be a router (`RouterNode`)
    pattern: str = ""  # `full_path` with each part chosen at run time written as its choice's token (Route.pattern)
    exported: str = ""  # the root is built only to export an OpenAPI document: how (routes/served.py)
    through: tuple[str, ...] = ()  # the includes passed that are calls the analysis does not read (`Include.unseen`)


@dataclass(frozen=True)
class Below:
    """What lies below a router on the way up: the path and dependencies not yet joined with the router's
    own prefix and dependencies, the include conditions so far, the routers passed and the apps met."""

    path: str
    deps: list[DepRef]
    conditions: tuple[str, ...] = ()
    seen: frozenset[RouterKey] = frozenset()
    mounted: bool = False
    apps: tuple[RouterKey, ...] = ()
    app_paths: tuple[str, ...] = ()
    pattern: str = ""  # `path` with each part chosen at run time written as its choice's token
    through: tuple[str, ...] = ()  # the includes passed that are calls the analysis does not read


def unique_decls(decls: list[RouteDecl]) -> list[RouteDecl]:
    """One declaration per (router, methods, path, handler, site): a call site read in several calling
    contexts that all reach the same router declares its route once."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for decl in decls:
        key = (decl.router, decl.methods, decl.path, decl.handler_name, decl.file, decl.line, decl.opaque)
        if key not in seen:
            seen.add(key)
            out.append(decl)
    return out


def unique_mounts(mount_decls: list[MountDecl]) -> list[MountDecl]:
    seen: set[tuple[object, ...]] = set()
    mounts = []
    for md in mount_decls:
        key = (md.owner, md.prefix, md.label, md.path, md.line)
        if key not in seen:
            seen.add(key)
            mounts.append(md)
    return mounts


def opaque_decls(opaque: list[OpaqueInclude]) -> list[RouteDecl]:
    """One stand-in route per include of a router the analysis cannot read: `* <prefix>/*`."""
    return [RouteDecl(inc.parent, ("*",), inc.prefix + "/*", None, inc.label, inc.deps, inc.path, inc.line, inc.col,
                      inc.end_col, opaque=True) for inc in opaque]


def expand_routes(routers: Routers, decls: list[RouteDecl], library_paths: set[str] | None,
                  exported: dict[RouterKey, str] | None = None) -> list[Route]:
    """`library_paths`: the files of the library modules read (their routes are listed only where the project
    includes them), None when no library is read. `exported`: the roots built only to export an OpenAPI
    document (routes/served.py), each with how: what is reached only through them is not served."""
    routes: list[Route] = []
    exported = exported or {}
    for decl in unique_decls(decls):
        router = routers.by_key[decl.router]
        in_library = library_paths is not None and decl.file in library_paths
        ways = 0
        for way in _up(routers, router, Below(decl.path, [], pattern=decl.pattern or decl.path), exported):
            ways += 1
            limits.check(ways, len(routes), decl.file, decl.line)
            # (a test met twice, as the test of a router's binding and of the include in the same branch, is one)
            conditions = tuple(dict.fromkeys(way.conditions + decl.registered_under + decl.conditions))
            if (decl.pattern is not None or way.pattern != way.full_path) and contradicts(conditions):
                continue  # one test chose paths at two places (`prefix="/a" if c else ""`, `"/x" if c else "/y"`)
            if in_library:
                # a route a library declares: listed where the project includes it, and only then
                site = _project_site(routers, router, library_paths or set(), set())
                if not way.reachable or site is None:
                    continue
                decl = replace(decl, file=site[0], line=site[1], col=1, end_col=2)
            routes.append(Route(decl, decl.methods, way.full_path, way.deps + decl.deps, conditions, way.reachable,
                                mounted=way.mounted, apps=way.apps, app_paths=way.app_paths, opaque=decl.opaque,
                                unseen=way.through if way.reachable else way.unseen, pattern=way.pattern,
                                exported=way.exported))
    routes = _unexported(_distinct(routes))
    # an include of a router the analysis cannot read, served by an app, may be any router: also one no include
    # seen serves
    unknown = tuple(dict.fromkeys(f"`include_router({r.decl.handler_name})` ({r.decl.file}:{r.decl.line})"
                                  for r in routes if r.opaque and r.reachable))
    if unknown:
        routes = [replace(r, unseen=tuple(dict.fromkeys((*r.unseen, *unknown)))) if not r.reachable else r
                  for r in routes]
    return _alternatives(routes)


def _distinct(routes: list[Route]) -> list[Route]:
    """Each route record once: the same declaration reached by two includes (or two readings of one include) that
    give it the same path, app, dependencies and conditions is one route of that app (FastAPI would serve the
    first copy; the other is never reached)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for route in routes:
        decl = route.decl
        key = (decl.file, decl.line, decl.col, decl.handler_name, route.methods, route.full_path, route.apps,
               route.app_paths, route.conditions, route.reachable, route.mounted, route.pattern, route.exported,
               route.unseen, tuple(_dep_key(d) for d in route.deps))
        if key not in seen:
            seen.add(key)
            out.append(route)
    return out


def _dep_key(dep: DepRef) -> tuple[object, ...]:
    # (the expressions by identity: the same declaration read twice holds the same ones; the routes keep them alive)
    return (id(dep.expr), dep.ctx, dep.origin, dep.path, dep.line, id(dep.annotation), dep.scopes, dep.security,
            dep.cbv, tuple((c.tests, tuple(_dep_key(d) for d in c.deps)) for c in dep.choices))


def _unexported(routes: list[Route]) -> list[Route]:
    """Leave out the routes reached only through an app built to export an OpenAPI document whose declaration
    a served app (or a router never included) has too: they are copies, not routes of their own."""
    if not any(r.exported for r in routes):
        return routes
    kept = {(r.decl.file, r.decl.line, r.decl.handler_name, r.methods) for r in routes if not r.exported}
    return [r for r in routes if not r.exported or (r.decl.file, r.decl.line, r.decl.handler_name, r.methods)
            not in kept]


def _alternatives(routes: list[Route]) -> list[Route]:
    """Routes of one declaration and app whose paths differ only in parts chosen at run time between known
    strings (the same pattern) are one route of the running app under one of those paths: each lists the
    others' paths as its alternatives."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for i, route in enumerate(routes):
        if route.pattern != route.full_path:
            decl = route.decl
            groups.setdefault((decl.file, decl.line, decl.handler_name, route.methods, route.apps, route.pattern),
                              []).append(i)
    out = list(routes)
    for members in groups.values():
        paths = tuple(dict.fromkeys(routes[i].full_path for i in members))
        if len(paths) < 2:
            continue
        for i in members:
            out[i] = replace(routes[i], alternatives=tuple(p for p in paths if p != routes[i].full_path))
    return out


def _project_site(routers: Routers, node: RouterNode, library_paths: set[str],
                  seen: set[RouterKey]) -> tuple[str, int] | None:
    """(file, line) of the first include of `node` (or of a router it is included in) written in the
    project."""
    if node.key in seen:
        return None
    seen.add(node.key)
    for inc in node.included_by:
        if inc.path not in library_paths:
            return inc.path, inc.line
        found = _project_site(routers, routers.by_key[inc.parent], library_paths, seen)
        if found is not None:
            return found
    return None


def mounts(routers: Routers, mount_decls: list[MountDecl], exported: dict[RouterKey, str] | None = None) -> list[Mount]:
    out = []
    for md in unique_mounts(mount_decls):
        owner = routers.by_key[md.owner]
        for way in _up(routers, owner, Below(md.prefix, [], md.conditions, pattern=md.pattern or md.prefix),
                       exported or {}):
            if way.pattern != way.full_path and contradicts(way.conditions):
                continue
            out.append(Mount(way.full_path, md.label, md.kind, md.path, md.line, way.conditions, way.reachable))
    return sorted(out, key=lambda m: (m.path, m.file, m.line, m.label))


def _up(routers: Routers, node: RouterNode, below: Below, exported: dict[RouterKey, str]) -> Iterator[Way]:
    """Every way up from `node` to a root (a router nothing includes, or one met again)."""
    if len(node.variants) == 1 and node.variants[0].tests:
        # one alternative of a binding, made unlike the others (`if c: api = APIRouter(prefix="/v2")`): what is
        # reached through it is there only when its tests hold
        below = replace(below, conditions=below.conditions + node.variants[0].tests)
    apps = (*below.apps, node.key) if node.kind is RouterKind.APP else below.apps
    app_paths = (*below.app_paths, node.prefix + below.path) if node.kind is RouterKind.APP else below.app_paths
    if not node.included_by or node.key in below.seen:
        how = exported.get(node.key, "") if not node.included_by else ""
        for prefix in _choices(node.prefix, node.prefixes):
            yield Way(prefix.text + below.path, node.deps + below.deps, below.conditions + prefix.tests,
                      node.kind is RouterKind.APP and not how, below.mounted, apps, app_paths,
                      tuple(node.unseen_parents), prefix.pattern + below.pattern, how, below.through)
        return
    seen = below.seen | {node.key}
    for inc in node.included_by:
        args = routers.node_args(node, inc.env)
        own = args.deps
        parent = routers.by_key[inc.parent]
        for prefix in _choices(args.prefix, args.prefixes):
            path = inc.prefix + prefix.text + below.path
            pattern = (inc.pattern or inc.prefix) + prefix.pattern + below.pattern
            conditions = below.conditions + prefix.tests + inc.conditions
            through = (*below.through, inc.unseen) if inc.unseen else below.through
            if inc.mount:
                # a mounted sub-app keeps its own dependencies, not the parent's (its middleware does apply)
                for way in _up(routers, parent, Below(path, [], conditions, seen, True, apps, app_paths, pattern,
                                                      through), exported):
                    yield replace(way, deps=own + below.deps, mounted=True)
            elif inc.copy:  # the route objects alone: the app they were made in is not passed
                yield from _up(routers, parent, Below(path, inc.deps + own + below.deps, conditions, seen,
                                                      below.mounted, below.apps, below.app_paths, pattern, through),
                               exported)
            else:
                yield from _up(routers, parent, Below(path, inc.deps + own + below.deps, conditions, seen,
                                                      below.mounted, apps, app_paths, pattern, through), exported)


def _choices(prefix: str, prefixes: tuple[PathChoice, ...]) -> tuple[PathChoice, ...]:
    """A router's prefix: each alternative of a prefix chosen at run time, else the prefix itself."""
    return prefixes or (PathChoice(prefix, (), prefix),)
