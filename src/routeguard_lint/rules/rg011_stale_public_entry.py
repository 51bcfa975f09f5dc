"""RG011 stale-public-entry: a `public` entry in the configuration that matches no route."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from routeguard_lint.model import Finding
from routeguard_lint.routes.model import Graph
from routeguard_lint.rules._util import finding
from routeguard_lint.rules.base import Rule

RULE = Rule(
    code="RG011",
    name="stale-public-entry",
    summary="A `public` entry in the routeguard configuration matches no route.",
    severity="warning",
    precision="very-high",
    what="""
An entry of `public = [...]` in `[tool.routeguard]` (pyproject.toml) or routeguard.toml whose `path`
(with its `methods`, when given) matches no route of the analysed application. The finding points at
the entry's line in the configuration file.

A route matches an entry when its full path matches the entry's `path` (`*` is any text within one
segment, `**` any number of segments, a `{param}` segment any one segment) and, when the entry lists
`methods`, every method of the route is among them.
""",
    why="""
A public entry is a standing exception to "every route is authenticated". When the route it was written
for is renamed or removed, the entry stays behind, silently: the next route that happens to match the
old path or glob (`/internal/*`, `/webhooks/**`) is exempted from the check without anyone having
decided it should be public. A typo (`/webhook/stripe`) leaves the intended route reported while the
configuration reads as if it were handled.
""",
    example="""
# file: pyproject.toml
[tool.routeguard]
public = [
    # the route is /webhooks/stripe: this entry exempts nothing today,
    # and whatever is added under /webhook/ tomorrow
    { path = "/webhook/stripe", methods = ["POST"], reason = "signed payload" },
]
# file: main.py
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/stripe")
async def stripe_webhook(request: Request):
    return {"received": True}
""",
    good="""
# file: pyproject.toml
[tool.routeguard]
public = [
    { path = "/webhooks/stripe", methods = ["POST"], reason = "signed payload" },
]
# file: main.py
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhooks/stripe")
async def stripe_webhook(request: Request):
    return {"received": True}
""",
    fix="""
Correct the entry's `path`/`methods` so it names the route it was written for (`routeguard routes` lists
every route with its full path and methods), or delete the entry if that route no longer exists.
""",
)


def check(graph: Graph) -> Iterable[Finding]:
    intent = getattr(graph, "intent", None)
    if intent is None:
        return
    config = intent.config
    routes = sorted({(route.full_path, tuple(route.methods)) for route in graph.routes})
    for entry in intent.unmatched_public:
        path_only = sorted({f"{','.join(methods)} {path}" for path, methods in routes
                            if entry.matches_path(path)})
        if path_only:
            hint = (f"its path matches {', '.join(path_only)}, but a route is public only when every one of "
                    f"its methods is listed")
        else:
            close = difflib.get_close_matches(entry.path, sorted({path for path, _ in routes}), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "remove it, or correct the path"
        message = f"{entry.describe()} matches no route: {hint}"
        methods = ",".join(entry.methods) if entry.methods else "*"
        yield finding(RULE, message, config.display, entry.line, 1, 2,
                      key=f"RG011:{methods} {entry.path}")
