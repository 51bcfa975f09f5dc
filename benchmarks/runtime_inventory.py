#!/usr/bin/env python3
"""Ask FastAPI itself which routes an application has: the runtime side of the routeguard comparison.

Imports a FastAPI application with the *real* FastAPI installed in the current interpreter (run it with
the target application's own virtualenv) and prints a JSON route inventory:

    {"routes": [{"methods": ["GET"], "path": "/api/v1/users/me", "scheme": true,
                 "endpoint": "app.api.routes.users.read_user_me", ...}],
     "mounts": [...], "sub_apps": [...]}

* ``--app module:attr`` imports one application.
* ``--each-file DIR`` imports every ``*.py`` file under DIR that assigns a top-level ``app`` (FastAPI's
  ``docs_src/`` is hundreds of such one-file examples) as its own application, counts the ones that fail to
  import, and prints ``{"apps": [...], "summary": {...}}``.

What a route record says:

``methods``     sorted; ``["WEBSOCKET"]`` for websocket routes; a plain Starlette ``Route`` loses the
                ``HEAD`` Starlette adds by itself next to ``GET``.
``path``        the full path: mount prefixes + include prefixes + router prefix + route path.
``scheme``      an instance of ``fastapi.security.base.SecurityBase`` is the ``call`` of some dependant
                anywhere in the route's dependency tree (app-, include-, router- and route-level
                dependencies and parameter dependencies, recursively).
``endpoint``    ``module.qualname`` of the endpoint (unwrapped through ``functools.partial``).

Router walking: FastAPI < 0.137 copies the routes of an included router into the parent (``app.routes``
holds ``APIRoute`` objects with full paths and merged dependencies). FastAPI >= 0.137 keeps one
``fastapi.routing._IncludedRouter`` per ``include_router`` call in ``app.routes``; its
``effective_route_contexts()`` yields one ``_EffectiveRouteContext`` per route with the prefixed path and a
``dependant`` built from the include-level dependencies (parent router + ``include_router(dependencies=)``),
nested includes combined. Both shapes are handled here. FastAPI's own ``/openapi.json``, ``/docs``,
``/docs/oauth2-redirect`` and ``/redoc`` routes (endpoints defined in ``fastapi.applications``) are skipped,
wherever the app put them. Mounted ASGI apps that have routes (FastAPI, Starlette, Router) are walked with the
mount prefix and listed under ``sub_apps``; other mounts (static files, WSGI apps, ...), ``Host`` routes and
FastAPI >= 0.141 ``app.frontend(...)`` static frontends are listed under ``mounts``.

Everything the imported code prints goes to stderr, so stdout carries only the JSON.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import functools
import importlib
import inspect
import json
import os
import platform
import re
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

IMPLICIT_DOC_MODULES = {"fastapi.applications"}


# --------------------------------------------------------------------------------------------------
# naming helpers


def dotted_name(obj: Any) -> str:
    """``module.qualname`` of a callable (a function, a method, a class, or an instance's class)."""
    for _ in range(10):
        if not isinstance(obj, functools.partial):
            break
        obj = obj.func
    obj = getattr(obj, "__func__", obj)  # bound method -> function
    if inspect.isroutine(obj) or inspect.isclass(obj):
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or repr(obj)
        return f"{module}.{qualname}" if module else str(qualname)
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def source_location(obj: Any) -> tuple[str | None, int | None]:
    while isinstance(obj, functools.partial):
        obj = obj.func
    obj = getattr(obj, "__func__", obj)
    with contextlib.suppress(Exception):
        obj = inspect.unwrap(obj)
    try:
        file = inspect.getsourcefile(obj)
    except TypeError:
        file = None
    line = None
    code = getattr(obj, "__code__", None)
    if code is not None:
        line = code.co_firstlineno
    else:
        with contextlib.suppress(Exception):
            line = inspect.getsourcelines(obj)[1]
    return (os.path.abspath(file) if file else None), line


# --------------------------------------------------------------------------------------------------
# dependency tree


def security_base_class() -> type:
    from fastapi.security.base import SecurityBase

    return SecurityBase


def walk_dependant(dependant: Any) -> tuple[list[str], list[dict[str, Any]]]:
    """Every dependency call in the tree (pre-order, de-duplicated) and the security schemes among them."""
    security_base = security_base_class()
    calls: list[str] = []
    schemes: list[dict[str, Any]] = []
    seen_calls: set[str] = set()
    seen_schemes: set[int] = set()
    stack = list(reversed(getattr(dependant, "dependencies", None) or []))
    guard = 0
    while stack and guard < 100_000:
        guard += 1
        dep = stack.pop()
        call = getattr(dep, "call", None)
        if call is not None:
            if isinstance(call, security_base):
                name = dotted_name(call)
                if id(call) not in seen_schemes:
                    seen_schemes.add(id(call))
                    model = getattr(call, "model", None)
                    schemes.append({
                        "class": name,
                        "scheme_name": getattr(call, "scheme_name", None),
                        "type": str(getattr(getattr(model, "type_", None), "value",
                                            getattr(model, "type_", None))),
                        "auto_error": getattr(call, "auto_error", None),
                    })
            else:
                name = dotted_name(call)
            if name not in seen_calls:
                seen_calls.add(name)
                calls.append(name)
        stack.extend(reversed(getattr(dep, "dependencies", None) or []))
    return calls, schemes


# --------------------------------------------------------------------------------------------------
# router walking


def _fastapi_classes() -> dict[str, Any]:
    from fastapi import routing as fr
    from starlette import routing as sr

    return {
        "APIRoute": fr.APIRoute,
        "APIWebSocketRoute": fr.APIWebSocketRoute,
        "IncludedRouter": getattr(fr, "_IncludedRouter", None),
        "FrontendRouteGroup": getattr(fr, "_FrontendRouteGroup", None),
        "Route": sr.Route,
        "WebSocketRoute": sr.WebSocketRoute,
        "Mount": sr.Mount,
        "Host": sr.Host,
    }


def _iter_with_context(routes: list[Any], classes: dict[str, Any]):
    """(original route, effective context or None) for each route, expanding ``_IncludedRouter``."""
    included = classes["IncludedRouter"]
    for route in routes:
        if included is not None and isinstance(route, included):
            for context in route.effective_route_contexts():
                yield context.original_route, context
        else:
            yield route, None


def _low_priority(router: Any, classes: dict[str, Any]):
    """FastAPI >= 0.141 keeps ``frontend()`` groups out of ``routes``: (group, prefix) pairs."""
    for group in getattr(router, "_low_priority_routes", None) or []:
        yield group, ""
    included = classes["IncludedRouter"]
    if included is None:
        return
    for route in getattr(router, "routes", None) or []:
        if isinstance(route, included) and hasattr(route, "effective_low_priority_routes"):
            for context in route.effective_low_priority_routes():
                yield context.original_route, getattr(context, "frontend_prefix", "")


def _clean_methods(methods: Any, plain_starlette: bool) -> list[str]:
    result = {m.upper() for m in (methods or [])}
    if plain_starlette and "GET" in result:
        result.discard("HEAD")
    return sorted(result)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    return prefix.rstrip("/") + path if path else prefix


class Inventory:
    def __init__(self) -> None:
        self.routes: list[dict[str, Any]] = []
        self.mounts: list[dict[str, Any]] = []
        self.sub_apps: list[dict[str, Any]] = []
        self.skipped_builtin: list[dict[str, Any]] = []
        self.classes = _fastapi_classes()
        self._host = ""  # Host header the routes being walked answer to ("" = any)

    # one route --------------------------------------------------------------------------------
    def _record(self, *, kind: str, methods: list[str], path: str, endpoint: Any, dependant: Any,
                name: Any, include_in_schema: Any, route_obj: Any, prefix: str, app_label: str) -> None:
        full_path = _join(prefix, path)
        endpoint_name = dotted_name(endpoint) if endpoint is not None else None
        module = getattr(endpoint, "__module__", None)
        if module in IMPLICIT_DOC_MODULES:
            self.skipped_builtin.append({"methods": methods, "path": full_path, "endpoint": endpoint_name})
            return
        calls, schemes = walk_dependant(dependant) if dependant is not None else ([], [])
        file, line = source_location(endpoint) if endpoint is not None else (None, None)
        route_class = type(route_obj)
        record: dict[str, Any] = {
            "methods": methods,
            "path": full_path,
            "scheme": bool(schemes),
            "endpoint": endpoint_name,
            "kind": kind,
            "name": name,
            "include_in_schema": include_in_schema,
            "file": file,
            "line": line,
            "schemes": schemes,
            "dependencies": calls,
        }
        if route_class.__module__ not in ("fastapi.routing", "starlette.routing"):
            record["route_class"] = f"{route_class.__module__}.{route_class.__qualname__}"
        if app_label:
            record["app"] = app_label
        if self._host:
            record["host"] = self._host
        self.routes.append(record)

    # a router (an app's router, a mounted app's router) -------------------------------------
    def walk_app(self, app: Any, prefix: str = "", app_label: str = "", depth: int = 0,
                 host: str = "") -> None:
        self._host = host
        router = getattr(app, "router", app)
        routes = getattr(router, "routes", None)
        if routes is None:
            routes = getattr(app, "routes", None) or []
        c = self.classes
        for original, context in _iter_with_context(list(routes), c):
            self._host = host  # a nested walk of a Host sub-app changes it
            if context is not None:
                if isinstance(original, c["APIRoute"]):
                    self._record(kind="http", methods=_clean_methods(context.methods, False),
                                 path=context.path, endpoint=context.endpoint,
                                 dependant=getattr(context, "dependant", None), name=context.name,
                                 include_in_schema=context.include_in_schema, route_obj=original,
                                 prefix=prefix, app_label=app_label)
                    continue
                effective = getattr(context, "starlette_route", None)
                if effective is None:
                    if c["FrontendRouteGroup"] is not None and isinstance(original, c["FrontendRouteGroup"]):
                        self._frontend(original, prefix + getattr(context, "frontend_prefix", ""))
                    else:
                        self.mounts.append({"kind": "unknown", "path": prefix,
                                            "class": dotted_name(type(original))})
                    continue
                self._plain(effective, original, prefix, app_label, depth, host)
            else:
                if isinstance(original, c["APIRoute"]):
                    self._record(kind="http", methods=_clean_methods(original.methods, False),
                                 path=original.path, endpoint=original.endpoint,
                                 dependant=getattr(original, "dependant", None), name=original.name,
                                 include_in_schema=original.include_in_schema, route_obj=original,
                                 prefix=prefix, app_label=app_label)
                    continue
                if c["FrontendRouteGroup"] is not None and isinstance(original, c["FrontendRouteGroup"]):
                    self._frontend(original, prefix)
                    continue
                self._plain(original, original, prefix, app_label, depth, host)
        for group, group_prefix in _low_priority(router, c):
            if c["FrontendRouteGroup"] is not None and isinstance(group, c["FrontendRouteGroup"]):
                self._frontend(group, prefix + group_prefix)
            else:
                self.mounts.append({"kind": "low_priority", "path": prefix + group_prefix,
                                    "class": dotted_name(type(group))})

    def _frontend(self, group: Any, prefix: str) -> None:
        calls, schemes = walk_dependant(getattr(group, "dependant", None))
        for route in getattr(group, "routes", None) or []:
            directory = getattr(getattr(route, "app", None), "directory", None)
            self.mounts.append({
                "kind": "frontend",
                "path": _join(prefix, getattr(route, "path", "")),
                "app": dotted_name(type(getattr(route, "app", None))),
                "directory": str(directory) if directory is not None else None,
                "scheme": bool(schemes),
                "dependencies": calls,
            })

    def _plain(self, route: Any, original: Any, prefix: str, app_label: str, depth: int,
               host: str = "") -> None:
        self._host = host
        c = self.classes
        if isinstance(route, c["APIWebSocketRoute"]):
            self._record(kind="websocket", methods=["WEBSOCKET"], path=route.path, endpoint=route.endpoint,
                         dependant=getattr(route, "dependant", None), name=route.name,
                         include_in_schema=None, route_obj=original, prefix=prefix, app_label=app_label)
        elif isinstance(route, c["WebSocketRoute"]):
            self._record(kind="starlette_websocket", methods=["WEBSOCKET"], path=route.path,
                         endpoint=route.endpoint, dependant=None, name=route.name, include_in_schema=None,
                         route_obj=original, prefix=prefix, app_label=app_label)
        elif isinstance(route, c["APIRoute"]):
            self._record(kind="http", methods=_clean_methods(route.methods, False), path=route.path,
                         endpoint=route.endpoint, dependant=getattr(route, "dependant", None),
                         name=route.name, include_in_schema=route.include_in_schema, route_obj=original,
                         prefix=prefix, app_label=app_label)
        elif isinstance(route, c["Route"]):
            self._record(kind="starlette", methods=_clean_methods(route.methods, True), path=route.path,
                         endpoint=route.endpoint, dependant=None, name=route.name,
                         include_in_schema=getattr(route, "include_in_schema", None), route_obj=original,
                         prefix=prefix, app_label=app_label)
        elif isinstance(route, c["Mount"]):
            mount_path = _join(prefix, route.path)
            app, wrappers = _unwrap_asgi(route.app)
            inner_routes = getattr(app, "routes", None)
            if inner_routes is not None and depth < 20:
                label = dotted_name(type(app))
                entry = {"path": mount_path or "/", "app": label, "name": route.name, "fastapi": _is_fastapi(app)}
                if wrappers:
                    entry["wrapped_in"] = wrappers
                if host:
                    entry["host"] = host
                self.sub_apps.append(entry)
                self.walk_app(app, prefix=mount_path, app_label=f"{mount_path or '/'}", depth=depth + 1,
                              host=host)
            else:
                entry = {"kind": "mount", "path": mount_path or "/", "app": dotted_name(type(route.app)),
                         "name": route.name}
                directory = getattr(route.app, "directory", None)
                if directory is not None:
                    entry["directory"] = str(directory)
                if host:
                    entry["host"] = host
                self.mounts.append(entry)
        elif isinstance(route, c["Host"]):
            # app.host("admin.example.com", sub_app): its routes answer only for that Host header. They are
            # walked (marked "host") when the sub-app has routes, like a mount at the same prefix.
            app, wrappers = _unwrap_asgi(route.app)
            entry = {"kind": "host", "host": route.host, "path": prefix or "/",
                     "app": dotted_name(type(route.app)), "name": route.name}
            if wrappers:
                entry["wrapped_in"] = wrappers
            self.mounts.append(entry)
            if getattr(app, "routes", None) is not None and depth < 20:
                self.sub_apps.append({"path": prefix or "/", "host": route.host, "app": dotted_name(type(app)),
                                      "name": route.name, "fastapi": _is_fastapi(app)})
                self.walk_app(app, prefix=prefix, app_label=f"{route.host}{prefix or '/'}", depth=depth + 1,
                              host=route.host)
        else:
            self.mounts.append({"kind": "unknown", "path": _join(prefix, getattr(route, "path", "") or ""),
                                "class": dotted_name(type(route))})

    def as_dict(self) -> dict[str, Any]:
        routes = sorted(self.routes, key=lambda r: (r["path"], r["methods"], r["endpoint"] or ""))
        return {
            "routes": routes,
            "mounts": self.mounts,
            "sub_apps": self.sub_apps,
            "skipped_builtin": self.skipped_builtin,
            "summary": {
                "routes": len(routes),
                "operations": sum(len(r["methods"]) for r in routes),
                "scheme_routes": sum(1 for r in routes if r["scheme"]),
                "websocket_routes": sum(1 for r in routes if r["methods"] == ["WEBSOCKET"]),
                "mounts": len(self.mounts),
                "sub_apps": len(self.sub_apps),
            },
        }


def _unwrap_asgi(app: Any, limit: int = 10) -> tuple[Any, list[str]]:
    """A mounted app wrapped in ASGI middleware (``Mount("/x", SomeMiddleware(inner))``) or instrumentation:
    follow ``.app`` until something with routes turns up. Returns (app, classes of the wrappers passed)."""
    wrappers: list[str] = []
    current = app
    for _ in range(limit):
        if getattr(current, "routes", None) is not None:
            return current, wrappers
        inner = getattr(current, "app", None)
        if inner is None or inner is current or not callable(inner):
            break
        wrappers.append(dotted_name(type(current)))
        current = inner
    return app, []


def _is_fastapi(app: Any) -> bool:
    try:
        from fastapi import FastAPI
    except ImportError:  # pragma: no cover
        return False
    return isinstance(app, FastAPI)


def inventory_of(app: Any, check_openapi: bool = False) -> dict[str, Any]:
    inv = Inventory()
    inv.walk_app(app)
    result = inv.as_dict()
    if check_openapi:
        result["openapi_check"] = openapi_check(app, result["routes"])
    return result


def openapi_check(app: Any, routes: list[dict[str, Any]]) -> dict[str, Any]:
    """Cross-check against the app's own OpenAPI document (top-level app only, HTTP routes only).

    Every ``include_in_schema`` HTTP route of the top-level app should be an operation there, and the
    operation should carry ``security`` exactly when ``scheme`` is true (FastAPI builds ``security`` from
    the same dependency tree). Differences are listed; they point at a walking bug here.
    """
    openapi = getattr(app, "openapi", None)
    if openapi is None:
        return {"skipped": "not a FastAPI app"}
    try:
        doc = openapi()
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    ops: dict[tuple[str, str], bool] = {}
    for path, item in (doc.get("paths") or {}).items():
        for method, op in item.items():
            if method.upper() in {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}:
                ops[(method.upper(), path)] = bool(op.get("security"))
    mine: dict[tuple[str, str], bool] = {}
    strip = re.compile(r"\{([^{}:]+):[^{}]*\}")
    for r in routes:
        if r["kind"] != "http" or not r.get("include_in_schema") or r.get("app"):
            continue
        for m in r["methods"]:
            mine[(m, strip.sub(r"{\1}", r["path"]))] = r["scheme"]
    only_openapi = sorted(f"{m} {p}" for m, p in set(ops) - set(mine))
    only_here = sorted(f"{m} {p}" for m, p in set(mine) - set(ops))
    scheme_diff = sorted(f"{m} {p}" for (m, p) in set(ops) & set(mine) if ops[(m, p)] != mine[(m, p)])
    return {"operations": len(ops), "matched": len(set(ops) & set(mine)), "only_in_openapi": only_openapi,
            "only_in_inventory": only_here, "scheme_differs": scheme_diff,
            "ok": not (only_openapi or only_here or scheme_diff)}


# --------------------------------------------------------------------------------------------------
# importing


class ImportTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: int):
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise ImportTimeout(f"import took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load_attr(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in (attr or "app").split("."):
        obj = getattr(obj, part)
    if callable(obj) and not hasattr(obj, "routes") and not hasattr(obj, "router"):
        # an application factory: ``module:create_app``
        obj = obj()
    return obj


def assigns_app(path: Path, name: str = "app") -> bool:
    """A top-level ``app = ...`` / ``app: T = ...`` (also inside top-level if/try blocks)."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return True  # let the import report it

    def scan(body: list[ast.stmt]) -> bool:
        for node in body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name) and sub.id == name:
                            return True
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                if isinstance(node.target, ast.Name) and node.target.id == name and \
                        getattr(node, "value", True) is not None:
                    return True
            elif isinstance(node, (ast.If, ast.Try)):
                blocks = [node.body, node.orelse] + ([node.finalbody] + [h.body for h in node.handlers]
                                                     if isinstance(node, ast.Try) else [])
                if any(scan(b) for b in blocks):
                    return True
            elif isinstance(node, ast.With) and scan(node.body):
                return True
        return False

    return scan(tree.body)


def module_name_for(path: Path, module_root: Path) -> str | None:
    rel = path.relative_to(module_root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def import_one(module: str, rel: str, directory: Path, attr: str, timeout: int,
               check_openapi: bool) -> dict[str, Any]:
    """Import one example module and inventory its ``attr``; never raises."""
    root_str = str(directory)
    entry: dict[str, Any] = {}
    before = set(sys.modules)
    try:
        with time_limit(timeout):
            mod = importlib.import_module(module)
        obj = getattr(mod, attr, None)
        if obj is None:
            entry["status"] = "no_app"
        elif not (hasattr(obj, "router") or hasattr(obj, "routes")):
            entry["status"] = "not_asgi"
            entry["app_class"] = dotted_name(type(obj))
        else:
            entry["status"] = "ok"
            entry["app_class"] = dotted_name(type(obj))
            entry.update(inventory_of(obj, check_openapi))
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        entry["status"] = "import_error"
        entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
    # the files this app was built from, so the static analyzer can be run on exactly them
    loaded = {rel}
    for name in set(sys.modules) - before:
        f = getattr(sys.modules.get(name), "__file__", None)
        if f and os.path.abspath(f).startswith(root_str + os.sep):
            loaded.add(Path(os.path.abspath(f)).relative_to(directory).as_posix())
    entry["source_files"] = sorted(loaded)
    return entry


def import_isolated(module: str, rel: str, directory: Path, attr: str, timeout: int,
                    check_openapi: bool) -> dict[str, Any]:
    """``import_one`` in a forked child, so examples cannot see each other's globals (SQLModel's shared
    metadata, module caches, ...). Falls back to in-process where there is no fork."""
    if not hasattr(os, "fork"):
        return import_one(module, rel, directory, attr, timeout, check_openapi)
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        code = 0
        try:
            entry = import_one(module, rel, directory, attr, timeout, check_openapi)
            data = json.dumps(entry, default=str).encode()
        except BaseException as exc:
            data = json.dumps({"status": "import_error", "error": f"{type(exc).__name__}: {exc}"[:500],
                               "source_files": [rel]}).encode()
            code = 1
        with os.fdopen(write_fd, "wb") as out:
            out.write(data)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    try:
        return json.loads(data.decode())
    except ValueError:
        return {"status": "import_error", "error": f"child died (wait status {status})", "source_files": [rel]}


def each_file(directory: Path, module_root: Path, attr: str, timeout: int,
              check_openapi: bool = False, isolate: bool = True) -> dict[str, Any]:
    directory = directory.resolve()
    module_root = module_root.resolve()
    files = sorted(p for p in directory.rglob("*.py") if "__pycache__" not in p.parts)
    apps: list[dict[str, Any]] = []
    counts = {"files_scanned": len(files), "candidates": 0, "ok": 0, "import_error": 0, "no_app": 0,
              "not_asgi": 0, "bad_module_name": 0}
    # import FastAPI and friends once in the parent, so each forked child starts warm
    with contextlib.suppress(Exception):
        importlib.import_module("fastapi")
        security_base_class()
        _fastapi_classes()
    importer = import_isolated if isolate else import_one
    for path in files:
        if not assigns_app(path, attr):
            continue
        counts["candidates"] += 1
        rel = path.relative_to(directory).as_posix()
        module = module_name_for(path, module_root)
        entry: dict[str, Any] = {"file": rel, "module": module}
        if module is None:
            entry["status"] = "bad_module_name"
        else:
            entry.update(importer(module, rel, directory, attr, timeout, check_openapi))
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        apps.append(entry)
    ok_apps = [a for a in apps if a.get("status") == "ok"]
    counts["routes"] = sum(len(a["routes"]) for a in ok_apps)
    counts["scheme_routes"] = sum(1 for a in ok_apps for r in a["routes"] if r["scheme"])
    counts["apps_with_scheme"] = sum(1 for a in ok_apps if any(r["scheme"] for r in a["routes"]))
    if check_openapi:
        counts["openapi_mismatch"] = sum(1 for a in ok_apps if not a.get("openapi_check", {}).get("ok", True))
    return {"mode": "each-file", "root": str(directory), "module_root": str(module_root), "apps": apps,
            "summary": counts}


# --------------------------------------------------------------------------------------------------
# self-test: a synthetic app exercising every level at which a dependency can be attached


def self_test() -> int:
    """Build an app with app-, include-, router- and route-level dependencies, nested includes, a websocket,
    a mounted sub-app, one mounted inside a middleware, one for a Host header, a plain Starlette route and a
    static mount; check the inventory. Exit 0 when right."""
    import warnings

    from fastapi import APIRouter

    app = _self_test_app()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate Operation ID" for the two-method route
        inv = inventory_of(app, check_openapi=True)
    got = {(tuple(r["methods"]), r["path"]): r["scheme"] for r in inv["routes"]}
    ws_keeps_include_deps = "dependencies" in inspect.signature(APIRouter.add_api_websocket_route).parameters
    problems = _self_test_problems(inv, got, ws_keeps_include_deps)
    for line in problems:
        print("self-test:", line, file=sys.stderr)
    print(f"self-test: {'FAILED' if problems else 'ok'} ({len(got)} routes, {versions()})", file=sys.stderr)
    return 1 if problems else 0


def _self_test_app() -> Any:
    """The synthetic app of `self_test`."""
    import tempfile

    from fastapi import APIRouter, Depends, FastAPI, Security
    from fastapi.security import APIKeyHeader, HTTPBearer, OAuth2PasswordBearer
    from starlette.responses import PlainTextResponse
    from starlette.staticfiles import StaticFiles

    bearer = HTTPBearer()
    oauth2 = OAuth2PasswordBearer(tokenUrl="token")
    key = APIKeyHeader(name="X-Key")

    def plain_dep() -> None:
        return None

    def user(token: str = Depends(oauth2)) -> str:
        return token

    def outer(u: str = Depends(user)) -> str:  # scheme two levels down
        return u

    app = FastAPI()
    scoped = FastAPI(dependencies=[Depends(bearer)])  # app-level

    leaf = APIRouter(prefix="/leaf")

    @leaf.get("/open")
    def leaf_open() -> None: ...

    @leaf.websocket("/ws")
    async def leaf_ws(websocket: Any) -> None: ...

    middle = APIRouter(prefix="/mid", dependencies=[Depends(plain_dep)])  # router-level, no scheme
    middle.include_router(leaf, prefix="/in", dependencies=[Security(key)])  # include-level scheme

    @middle.post("/direct")
    def mid_direct() -> None: ...

    router_level = APIRouter(dependencies=[Depends(outer)])  # router-level scheme, nested

    @router_level.get("/rl", include_in_schema=False)
    def rl() -> None: ...

    app.include_router(middle, prefix="/api")
    app.include_router(router_level)

    @app.api_route("/multi", methods=["GET", "POST"])
    def multi(u: str = Depends(user)) -> None: ...

    @app.get("/public")
    def public() -> None: ...

    def starlette_ep(request: Any) -> Any:
        return PlainTextResponse("x")

    app.add_route("/plain", starlette_ep, methods=["GET"])

    @scoped.get("/s")
    def scoped_route() -> None: ...

    app.mount("/sub", scoped)
    app.mount("/static", StaticFiles(directory=tempfile.gettempdir()), name="static")

    # a sub-app mounted inside an ASGI middleware, and one served for a Host header only
    from starlette.middleware.gzip import GZipMiddleware

    wrapped = FastAPI()

    @wrapped.get("/w")
    def wrapped_route() -> None: ...

    app.mount("/wrapped", GZipMiddleware(wrapped))
    on_host = FastAPI(openapi_url=None)

    @on_host.get("/h")
    def host_route() -> None: ...

    app.host("admin.example.com", on_host)
    return app


def _self_test_problems(inv: dict[str, Any], got: dict[tuple[tuple[str, ...], str], bool],
                        ws_keeps_include_deps: bool) -> list[str]:
    """What is wrong with the inventory of `_self_test_app` (`got`: the scheme flag by (methods, path))."""
    want = {
        (("GET",), "/api/mid/in/leaf/open"): True,
        # FastAPI < 0.9x copies websocket routes into the parent without the include-level dependencies
        (("WEBSOCKET",), "/api/mid/in/leaf/ws"): ws_keeps_include_deps,
        (("POST",), "/api/mid/direct"): False,
        (("GET",), "/rl"): True,
        (("GET", "POST"), "/multi"): True,
        (("GET",), "/public"): False,
        (("GET",), "/plain"): False,
        (("GET",), "/sub/s"): True,
        (("GET",), "/wrapped/w"): False,
        (("GET",), "/h"): False,
    }
    problems: list[str] = []
    for k, v in want.items():
        if k not in got:
            problems.append(f"missing {k}")
        elif got[k] != v:
            problems.append(f"scheme of {k}: got {got[k]}, want {v}")
    for k in got:
        if k not in want:
            problems.append(f"unexpected {k}")
    if [(m["kind"], m["path"]) for m in inv["mounts"]] != [("mount", "/static"), ("host", "/")]:
        problems.append(f"mounts: {inv['mounts']}")
    if [m["path"] for m in inv["sub_apps"]] != ["/sub", "/wrapped", "/"]:
        problems.append(f"sub_apps: {inv['sub_apps']}")
    if next((r.get("host") for r in inv["routes"] if r["path"] == "/h"), None) != "admin.example.com":
        problems.append("the Host sub-app's route is not marked with its host")
    if any(r.get("host") for r in inv["routes"] if r["path"] != "/h"):
        problems.append("a route outside the Host sub-app is marked with a host")
    skipped = sorted(r["path"] for r in inv["skipped_builtin"])
    if skipped != sorted(["/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/sub/openapi.json",
                          "/sub/docs", "/sub/docs/oauth2-redirect", "/sub/redoc", "/wrapped/openapi.json",
                          "/wrapped/docs", "/wrapped/docs/oauth2-redirect", "/wrapped/redoc"]):
        problems.append(f"skipped built-ins: {skipped}")
    if not inv["openapi_check"].get("ok"):
        problems.append(f"openapi check: {inv['openapi_check']}")
    deps = next(r["dependencies"] for r in inv["routes"] if r["path"] == "/api/mid/in/leaf/open")
    if not any(d.endswith("plain_dep") for d in deps) or not any(d.endswith("APIKeyHeader") for d in deps):
        problems.append(f"dependency tree of /api/mid/in/leaf/open: {deps}")
    return problems


# --------------------------------------------------------------------------------------------------


def versions() -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version()}
    for dist in ("fastapi", "starlette", "pydantic"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            out[dist] = version(dist)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--self-test", action="store_true",
                      help="inventory a synthetic app built here and check the result against what it must be")
    what.add_argument("--app", help="module:attr of the application (attr defaults to 'app'; a callable "
                                    "without routes is called as a factory)")
    what.add_argument("--each-file", metavar="DIR", type=Path,
                      help="import every *.py under DIR that assigns a top-level `app`, each as its own app")
    p.add_argument("--attr", default="app", help="with --each-file: the attribute to read (default app)")
    p.add_argument("--module-root", type=Path,
                   help="with --each-file: directory module names are relative to (default: parent of DIR); "
                        "it is appended to sys.path")
    p.add_argument("--sys-path", action="append", default=[], metavar="DIR",
                   help="prepend DIR to sys.path (repeatable; first given ends up first)")
    p.add_argument("--cwd", metavar="DIR", help="chdir to DIR before importing")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="set an env var (repeatable)")
    p.add_argument("--unset-env", action="append", default=[], metavar="KEY", help="unset an env var")
    p.add_argument("--timeout", type=int, default=60, help="seconds allowed per import (default 60)")
    p.add_argument("--output", "-o", type=Path, help="write the JSON here instead of stdout")
    p.add_argument("--check-openapi", action="store_true",
                   help="also cross-check paths and `scheme` against the app's own OpenAPI document")
    p.add_argument("--no-isolate", action="store_true",
                   help="with --each-file: import every file in this process instead of a forked child each")
    p.add_argument("--compact", action="store_true", help="one-line JSON")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_test:
        return self_test()
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"--env needs KEY=VALUE, got {item!r}", file=sys.stderr)
            return 2
        os.environ[key] = value
    for key in args.unset_env:
        os.environ.pop(key, None)
    for entry in reversed(args.sys_path):
        sys.path.insert(0, os.path.abspath(entry))
    if args.cwd:
        os.chdir(args.cwd)

    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # whatever the app prints while importing stays off the JSON
    try:
        if args.app:
            try:
                with time_limit(args.timeout):
                    app = load_attr(args.app)
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt):
                    raise
                traceback.print_exc()
                print(f"runtime_inventory: could not import {args.app}: {type(exc).__name__}: {exc}",
                      file=sys.stderr)
                return 1
            result: dict[str, Any] = {"mode": "app", "app": args.app, "app_class": dotted_name(type(app))}
            result.update(inventory_of(app, args.check_openapi))
        else:
            directory = args.each_file.resolve()
            module_root = (args.module_root or directory.parent).resolve()
            if str(module_root) not in sys.path:
                sys.path.append(str(module_root))
            result = each_file(directory, module_root, args.attr, args.timeout, args.check_openapi,
                               isolate=not args.no_isolate)
        result["versions"] = versions()
    finally:
        sys.stdout = real_stdout

    text = json.dumps(result, indent=None if args.compact else 2, default=str) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    else:
        with contextlib.suppress(BrokenPipeError):
            real_stdout.write(text)
            real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
