"""Calls the framework makes to project functions handed to it as values.

A function passed as `FastAPI(lifespan=f)` is called by Starlette with the application when the server
starts: `f(app)`. Code reached from there (`await startup(app)` -> `init_routers(app)` ->
`app.include_router(...)`) runs for that application like code the project calls itself, so looking for
the callers of `f` must find that call. `implied_calls` writes it down as the call Python would make, an
`ir.Call` read where the constructor call is written, its argument the name the application is bound to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from routeguard_lint.facts import ir

# keyword arguments of an application class whose value the framework calls with the application itself
APP_CALLBACK_KEYWORDS = ("lifespan",)


def implied_calls(call: ir.Call, assigns: Mapping[str, ir.Expr]) -> Iterator[tuple[str, ir.Call]]:
    """For a call that may construct an application (`FastAPI(lifespan=lifespan)`), the calls the framework
    makes to the callbacks it is given, each with the name of the function called: `lifespan(app)`, the
    argument being the name the constructed application is assigned to in `assigns` (the scope's
    bindings), or the constructor call itself when it is not assigned (`return FastAPI(...)`). Whether
    `call.func` really is an application class is for the caller to check."""
    for keyword in APP_CALLBACK_KEYWORDS:
        target = call.kwarg(keyword)
        if not isinstance(target, (ir.Name, ir.Attr)):
            continue
        name = target.id if isinstance(target, ir.Name) else target.attr
        app: ir.Expr = next((ir.Name(bound) for bound, expr in assigns.items() if expr == call), call)
        yield name, ir.Call(target, (app,), (), call.line, call.col)
