"""The route table, built in stages from the project index alone (no LibCST here):

1. discovery (`routers.py`, `declarations.py`, with `contexts.py`, `literals.py`, `params.py`, `guards.py`,
   `middleware.py`): the router objects, route declarations, includes, mounts and middleware;
2. expansion (`expand.py`): each route's full path and the dependencies every level contributes;
3. dependency trees (`dependencies.py`): each route's `DepNode` tree, shared between routes.

The data between them is in `model.py`. Whether a route is protected is the auth judgement's question
(auth/judge.py), asked of this table afterwards.
"""

from __future__ import annotations

from dataclasses import replace

from routeguard_lint.project.calls import Calls
from routeguard_lint.project.index import Index
from routeguard_lint.project.library import LibraryLoader
from routeguard_lint.routes import expand
from routeguard_lint.routes.apps import app_sites
from routeguard_lint.routes.contexts import Contexts
from routeguard_lint.routes.declarations import Declarations
from routeguard_lint.routes.dependencies import DependencyTrees
from routeguard_lint.routes.guards import Guards
from routeguard_lint.routes.literals import Literals
from routeguard_lint.routes.middleware import BackendReader, MiddlewareReader, MiddlewareRole
from routeguard_lint.routes.model import Graph
from routeguard_lint.routes.params import Params
from routeguard_lint.routes.routers import Routers
from routeguard_lint.routes.served import Served


def build_graph(index: Index, middleware_role: MiddlewareRole, backend: BackendReader | None = None) -> Graph:
    """The route table of the project `index` holds; `middleware_role` judges what a middleware does to a
    request without credentials (the auth stage's `auth.middleware.middleware_role`)."""
    calls = Calls(index)
    literals = Literals(index)
    params = Params(index, literals)
    calling = Contexts(index, literals)
    middleware = MiddlewareReader(index, calls, literals, middleware_role, backend)
    routers = Routers(index, literals, params, calling, middleware)
    found = Declarations(index, literals, params, calling, routers, Guards(index, calls), middleware)
    found.collect()

    library_paths = index.library.paths if isinstance(index.library, LibraryLoader) else None
    roots = [node for node in routers.by_key.values() if not node.included_by]
    exported = Served(index, calling).exported(roots)
    routes = expand.expand_routes(routers, found.decls + expand.opaque_decls(found.opaque), library_paths, exported)

    trees = DependencyTrees(index, calls, params, middleware, found.overrides)
    routes = [replace(route, root=trees.route_root(route, middleware.found)) for route in routes]
    return Graph(index, routers.by_key, routes, trees.nodes, trees.token_urls(),
                 mounts=expand.mounts(routers, found.mount_decls, exported),
                 apps=app_sites(routers.by_key, routes, calling),
                 unread_middleware=tuple(dict.fromkeys(mw.label for mw in middleware.found if mw.unread)))
