"""Bounds on how far route expansion goes, so that no input can make the route table explode.

An `include_router` fan-out doubles the routes at every level: 17 levels in a 3 KB file are 131,072
routes. Expansion stops at `MAX_ROUTES_PER_DECLARATION` routes for one route declaration and at
`MAX_ROUTES` in all; `api` then reports the file as RG000 naming the cap, and analyses the rest of the
project without it.
"""

from __future__ import annotations

MAX_ROUTES_PER_DECLARATION = 1_000  # ways to reach one declared route (real apps: a handful)
MAX_ROUTES = 50_000  # routes of the whole project (the largest apps measured: a few thousand)


class RouteExpansionLimit(Exception):
    """Raised by the route graph when expansion passes a cap; `path` is the file to blame."""

    def __init__(self, path: str, line: int, cap: int, what: str) -> None:
        super().__init__(f"{what} expand to more than {cap:,} routes")
        self.path, self.line, self.cap, self.what = path, line, cap, what


def check(ways: int, routes: int, path: str, line: int) -> None:
    """Called for each route expanded: `ways` for the current declaration, `routes` before it."""
    if ways > MAX_ROUTES_PER_DECLARATION:
        raise RouteExpansionLimit(path, line, MAX_ROUTES_PER_DECLARATION,
                                  "the include_router calls that reach a route declared here")
    if routes + 1 > MAX_ROUTES:
        raise RouteExpansionLimit(path, line, MAX_ROUTES, "the routers of the project")
