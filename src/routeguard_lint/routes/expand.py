"""Routes with full paths: each declaration expanded through every chain of includes (and mounts) up to an
app, with the dependencies every level contributes, outermost first, and the conditions the includes are
under. Reads what discovery found; makes new objects, never changes those."""

from __future__ import annotations

from collections.abc import Iterator

from routeguard_lint.routes import limits
from routeguard_lint.routes.model import DepRef, Mount, MountDecl, OpaqueInclude, Route, RouteDecl, RouterNode
from routeguard_lint.routes.routers import Routers


def unique_decls(decls: list[RouteDecl]) -> list[RouteDecl]:
    """One declaration per (router, methods, path, handler, site): a call site read in several calling
    contexts that all reach the same router declares its route once."""
    seen: set = set()
    out = []
    for decl in decls:
        key = (decl.router, decl.methods, decl.path, decl.handler_name, decl.file, decl.line, decl.opaque)
        if key not in seen:
            seen.add(key)
            out.append(decl)
    return out


def unique_mounts(mount_decls: list[MountDecl]) -> list[MountDecl]:
    seen: set = set()
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


def expand_routes(routers: Routers, decls: list[RouteDecl], library_paths: set | None) -> list[Route]:
    """`library_paths`: the files of the library modules read (their routes are listed only where the project
    includes them), None when no library is read."""
    routes: list[Route] = []
    for decl in unique_decls(decls):
        router = routers.by_key[decl.router]
        in_library = library_paths is not None and decl.file in library_paths
        ways = 0
        for full, deps, conds, reachable, mounted, apps in _up(routers, router, decl.path, [], (), frozenset(),
                                                               False, ()):
            ways += 1
            limits.check(ways, len(routes), decl.file, decl.line)
            if in_library:
                # a route a library declares: listed where the project includes it, and only then
                site = _project_site(routers, router, library_paths or set(), set())
                if not reachable or site is None:
                    continue
                decl = RouteDecl(decl.router, decl.methods, decl.path, decl.handler, decl.handler_name,
                                 decl.deps, site[0], site[1], site[2], site[3], decl.websocket, decl.opaque,
                                 decl.guards)
            routes.append(Route(decl, decl.methods, full, deps + decl.deps, conds, reachable, mounted=mounted,
                                apps=apps, opaque=decl.opaque))
    return routes


def _project_site(routers: Routers, node: RouterNode, library_paths: set, seen: set) -> tuple | None:
    """(file, line, col, end_col) of the first include of `node` (or of a router it is included in)
    written in the project."""
    if node.key in seen:
        return None
    seen.add(node.key)
    for inc in node.included_by:
        if inc.path not in library_paths:
            return inc.path, inc.line, 1, 2
        found = _project_site(routers, routers.by_key[inc.parent], library_paths, seen)
        if found is not None:
            return found
    return None


def mounts(routers: Routers, mount_decls: list[MountDecl]) -> list[Mount]:
    out = []
    for md in unique_mounts(mount_decls):
        owner = routers.by_key[md.owner]
        for full, _deps, conds, reachable, _m, _apps in _up(routers, owner, md.prefix, [], md.conditions,
                                                             frozenset(), False, ()):
            out.append(Mount(full, md.label, md.kind, md.path, md.line, conds, reachable))
    return sorted(out, key=lambda m: (m.path, m.file, m.line, m.label))


def _up(routers: Routers, node: RouterNode, path: str, deps: list[DepRef], conds: tuple, seen: frozenset,
        mounted: bool, apps: tuple) -> Iterator[tuple]:
    """Every way up from `node` to a root: (full path, dependencies outermost first, include
    conditions, reaches an app, went through a mount, the apps passed on the way, innermost first).
    `path` and `deps` are what lies below `node` (its own prefix and dependencies not yet added)."""
    if node.kind == "app":
        apps = (*apps, node.key)
    if not node.included_by or node.key in seen:
        yield node.prefix + path, node.deps + deps, conds, node.kind == "app", mounted, apps
        return
    seen = seen | {node.key}
    for inc in node.included_by:
        prefix, own = routers.node_args(node, inc.env)
        parent = routers.by_key[inc.parent]
        if inc.mount:
            # a mounted sub-app keeps its own dependencies, not the parent's (its middleware does apply)
            for full, _d, more, reachable, _m, up in _up(routers, parent, inc.prefix + prefix + path, [],
                                                         conds + inc.conditions, seen, True, apps):
                yield full, own + deps, more, reachable, True, up
        else:
            yield from _up(routers, parent, inc.prefix + prefix + path, inc.deps + own + deps,
                           conds + inc.conditions, seen, mounted, apps)
