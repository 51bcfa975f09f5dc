#!/usr/bin/env python
"""Ground truth for the fixture apps: import a FastAPI app for real and list its routes.

Usage::

    python tests/oracle/fastapi_inventory.py <case_dir>

``<case_dir>/case.toml`` (optional) may hold::

    app = "main:app"            # module:attribute; "pkg.main:create_app()" calls a factory
    sys_path = ["."]            # entries relative to the case dir, put first on sys.path
    oracle = false              # skip this case (then nothing is imported)
    oracle_reason = "why"
    startup = true              # run the app's startup (its lifespan) and list the routes it has then

    [[programs]]                # a repository of separate programs (each with `app`, `sys_path`, `startup`):
    app = "main:app"            # each imported in a subprocess of its own (two programs may each have a
    sys_path = ["users", "."]   # package of the same name), their routes listed together

Prints JSON ``{"routes": [{"methods": [...], "path": "...", "scheme": bool}, ...]}`` (sorted), one
entry per route and full path. ``methods`` are the methods the route declares (FastAPI adds no HEAD or
OPTIONS to an APIRoute); websocket routes have ``["WEBSOCKET"]``. ``scheme`` is true when an instance
of ``fastapi.security.base.SecurityBase`` appears anywhere in the dependency tree FastAPI runs for that
route, including dependencies given to ``FastAPI()``, ``APIRouter()``, ``include_router()`` and the
decorator. FastAPI's own docs routes and plain Starlette routes / ASGI mounts are left out; mounted
FastAPI sub-apps are walked with the mount path as prefix (they do not inherit the parent's
dependencies, and neither does FastAPI). When the case says ``oracle = false`` it prints
``{"skipped": "<reason>"}``.

How the router tree is walked: FastAPI >= 0.137 no longer copies the routes of an included router
into the parent; ``include_router`` appends a ``fastapi.routing._IncludedRouter`` that holds the
original router and an include context (accumulated prefix and dependencies), and builds the
effective routes lazily. ``fastapi.routing.iter_route_contexts(app.routes)`` (what FastAPI's own
OpenAPI generation uses) flattens that tree into ``RouteContext`` objects whose ``path``,
``methods`` and ``dependant`` are the effective ones (prefixes and include-level dependencies
applied). Older FastAPI versions have flat ``app.routes`` of ``APIRoute``; both are handled.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

sys.dont_write_bytecode = True  # keep the fixture directories free of __pycache__


def load_config(case_dir: Path) -> dict[str, Any]:
    cfg_file = case_dir / "case.toml"
    if cfg_file.is_file():
        with cfg_file.open("rb") as fh:
            return tomllib.load(fh)
    return {}


def load_app(case_dir: Path, cfg: dict[str, Any]) -> Any:
    for entry in reversed(cfg.get("sys_path", ["."])):
        sys.path.insert(0, str((case_dir / entry).resolve()))
    os.chdir(case_dir)
    spec = cfg.get("app", "main:app")
    module_name, _, attr = spec.partition(":")
    attr = attr or "app"
    call = attr.endswith("()")
    if call:
        attr = attr[:-2]
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if call:
        obj = obj()
    return obj


def has_scheme(dependant: Any) -> bool:
    from fastapi.security.base import SecurityBase

    seen: set[int] = set()
    stack = [dependant]
    while stack:
        dep = stack.pop()
        if dep is None or id(dep) in seen:
            continue
        seen.add(id(dep))
        if isinstance(dep.call, SecurityBase):
            return True
        stack.extend(dep.dependencies)
    return False


def _route_contexts(routes: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Yield (original_route, effective) pairs; ``effective`` has the full path/methods/dependant."""
    from fastapi import routing

    iter_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_contexts is None:  # FastAPI < 0.137: included routes are copied flat into app.routes
        for route in routes:
            yield route, route
        return
    for ctx in iter_contexts(routes):
        yield ctx.original_route, ctx


def docs_paths(app: Any) -> set[str]:
    """FastAPI's own docs routes. They are plain Starlette routes (so never listed anyway); a user
    APIRoute at the same path would be shadowed by them, since FastAPI registers them first."""
    paths = set()
    for attr in ("openapi_url", "docs_url", "redoc_url", "swagger_ui_oauth2_redirect_url"):
        value = getattr(app, attr, None)
        if value:
            paths.add(value)
    return paths


def inventory(app: Any, prefix: str = "") -> list[dict[str, Any]]:
    from fastapi import FastAPI
    from fastapi.routing import APIRoute, APIWebSocketRoute
    from starlette.routing import Mount

    skip = docs_paths(app)
    out: list[dict[str, Any]] = []
    for original, eff in _route_contexts(list(app.routes)):
        if isinstance(original, APIRoute):
            path = eff.path
            if path in skip:
                continue
            out.append({
                "methods": sorted(m.upper() for m in (eff.methods or ())),
                "path": prefix + path,
                "scheme": has_scheme(eff.dependant),
            })
        elif isinstance(original, APIWebSocketRoute):
            out.append({
                "methods": ["WEBSOCKET"],
                "path": prefix + eff.path,
                "scheme": has_scheme(eff.dependant),
            })
        elif isinstance(original, Mount):
            sub = original.app
            if isinstance(sub, FastAPI):
                out.extend(inventory(sub, prefix + eff.path.rstrip("/")))
            # StaticFiles and other ASGI apps: not FastAPI routes
        # plain Starlette Route (docs, app.add_route): not a FastAPI path operation
    return out


def started_inventory(app: Any) -> list[dict[str, Any]]:
    """The routes while the app runs: inside its lifespan (what the server enters before serving), where
    startup code may include routers into the app."""
    import asyncio

    async def run() -> list[dict[str, Any]]:
        async with app.router.lifespan_context(app):
            return inventory(app)

    return asyncio.run(run())


def program_routes(case_dir: Path, index: int) -> list[dict[str, Any]]:
    """The routes of program `index` of a case's `programs`, imported in a subprocess of its own."""
    import subprocess

    proc = subprocess.run([sys.executable, __file__, str(case_dir), str(index)], capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"program {index} of {case_dir} failed:\n{proc.stderr}")
    routes: list[dict[str, Any]] = json.loads(proc.stdout)["routes"]
    return routes


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} <case_dir> [program index]", file=sys.stderr)
        return 2
    case_dir = Path(argv[1]).resolve()
    cfg = load_config(case_dir)
    if cfg.get("oracle", True) is False:
        print(json.dumps({"skipped": cfg.get("oracle_reason", "oracle = false")}))
        return 0
    programs = cfg.get("programs")
    if programs and len(argv) == 2:
        routes = [r for i in range(len(programs)) for r in program_routes(case_dir, i)]
    else:
        if len(argv) == 3:
            cfg = programs[int(argv[2])]
        app = load_app(case_dir, cfg)
        routes = started_inventory(app) if cfg.get("startup", False) else inventory(app)
    unique = {(tuple(r["methods"]), r["path"], r["scheme"]) for r in routes}
    result = [
        {"methods": list(m), "path": p, "scheme": s}
        for m, p, s in sorted(unique, key=lambda t: (t[1], t[0], t[2]))
    ]
    lines = ",\n".join("  " + json.dumps(r) for r in result)
    print('{"routes": [\n' + lines + "\n]}" if result else '{"routes": []}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
