"""What the route inventory says about app structures, beyond findings and the FastAPI oracle.

The fixture cases under tests/fixtures/structures/ are checked like every case (exact findings, and the
route inventory against real FastAPI). These tests pin what neither of those sees: where a dependency
came from (provenance), include conditions, unreachable routers, mounts, unverified routes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from routeguard_lint.api import analyze
from routeguard_lint.routes.model import ParamKind

STRUCTURES = Path(__file__).resolve().parent / "fixtures" / "structures"


def _analyze(case: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(STRUCTURES / case)
    return analyze([Path(".")])


def _route(result, method: str, path: str):
    found = [r for r in result.routes if method in r.methods and r.path == path]
    assert len(found) == 1, [(r.methods, r.path) for r in result.routes]
    return found[0]


def test_router_subclass_dependencies_name_the_class(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("router_subclasses", monkeypatch)
    v2 = _route(result, "GET", "/api/v2/items")
    assert v2.state == "protected"
    assert [(d.name, d.origin) for d in v2.dependencies] == [
        ("app.deps.get_current_user", "UserAPIRouter.__init__ dependencies")]
    reports = _route(result, "GET", "/api/reports")
    assert [(d.name, d.origin) for d in reports.dependencies] == [
        ("app.deps.get_current_user", "AuthedRouter.__init__ dependencies"),
        ("app.deps.audit_log", "AuthedRouter(dependencies=)"),
    ]
    assert _route(result, "POST", "/api/admin/maintenance").auth[0] == "app.deps.get_admin_user"


def test_factory_routers_get_each_callers_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("router_factories", monkeypatch)
    assert _route(result, "GET", "/api/notes").state == "protected"
    assert _route(result, "GET", "/public/pages").state == "unprotected"
    assert _route(result, "GET", "/whoami").state == "protected"


def test_include_conditions_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("conditional_includes", monkeypatch)
    private = _route(result, "POST", "/api/v1/private/users/")
    assert private.conditions == ("settings.ENVIRONMENT == 'local'",)
    assert private.reachable
    assert _route(result, "GET", "/api/v1/beta/search").conditions == ("settings.ENABLE_BETA",)
    assert _route(result, "GET", "/api/v1/beta/info").conditions == ("not settings.ENABLE_BETA",)
    assert _route(result, "GET", "/api/v1/items/").conditions == ()


def test_route_conditions_are_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A route registered under `if` tests (a decorated `def`, an `add_api_route` call) carries them, as an
    include or a mount does: the fallback page exists only when the built UI does not."""
    result = _analyze("conditional_routes", monkeypatch)
    assert _route(result, "GET", "/ui").conditions == ("not ui_built",)
    assert _route(result, "GET", "/reports").conditions == ("with_reports",)
    assert _route(result, "GET", "/debug/env").conditions == ("DEBUG",)
    assert _route(result, "GET", "/items").conditions == ()
    assert [(m.path, m.conditions) for m in result.mounts] == [("/ui", ("ui_built",))]


def test_route_defs_under_tests_are_listed_with_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `def` and its route decorator under a module-level `if` of a setting (zenml's `if
    server_config().rbac_enabled:`) declare the route only when the test holds: listed with it."""
    result = _analyze("conditional_defs", monkeypatch)
    assert _route(result, "GET", "/runs").conditions == ()
    assert _route(result, "POST", "/runs/{run_id}/replay").conditions == (
        "server_config().workload_manager_enabled",)
    assert _route(result, "POST", "/runs/{run_id}/replay/request").conditions == (
        "not server_config().workload_manager_enabled",)
    assert _route(result, "POST", "/runs/{run_id}/membership").conditions == ("server_config().rbac_enabled",)


def test_unreachable_router_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A router no app includes: its routes are listed as unreachable and RG001 is a warning, not an error
    (nothing serves them today, but an include away they would be public)."""
    result = _analyze("conditional_includes", monkeypatch)
    export = _route(result, "GET", "/v0/export")
    assert not export.reachable
    rg001 = {(f.path, f.line): f.severity for f in result.findings if f.rule_id == "RG001"}
    assert rg001[("app/api/routes/legacy.py", 8)] == "warning"
    assert rg001[("app/api/routes/beta.py", 14)] == "error"


def test_routers_handed_to_library_code_are_maybe_served_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """A router handed to a library method of an app (`app.generate_and_include_versioned_routers(router)`, the
    app's class deriving from the library's FastAPI subclass) is that app's, under its mount prefix, with the call
    as its condition; handed to a library function with no app known to it, an include the analysis cannot read;
    handed to the project's own function that does nothing with it, still never included."""
    result = _analyze("library_app_method", monkeypatch)
    status = _route(result, "GET", "/execution/status")
    assert status.reachable and status.app is None  # (one app serves routes: none is named)
    assert status.conditions == ("settings.task_api", "app.generate_and_include_versioned_routers(execution_router) "
                                 "includes execution_router")
    assert _route(result, "GET", "/execution/tasks/{task_id}").state == "protected"
    assert _route(result, "GET", "/execution/reports/daily").conditions == (
        "add_versioned_routers(app, reports) includes reports",)
    assert [(m.path, m.kind) for m in result.mounts] == [("/execution", "app")]
    assert not _route(result, "GET", "/plugin/info").reachable
    assert not _route(result, "GET", "/drafts/latest").reachable
    rg001 = {f.line: (f.severity, f.message) for f in result.findings if f.rule_id == "RG001"}
    assert rg001[33][0] == "warning" and "`app.generate_and_include_versioned_routers(execution_router)` " \
        "(app/execution.py:23)" in rg001[33][1]
    assert "`register_plugin(plugin_router)` (app/execution.py:25)" in rg001[43][1]
    assert "never included" in rg001[48][1] and "never included" in rg001[53][1]


def test_mounts_are_listed_and_subapps_keep_their_own_dependencies(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("mounts", monkeypatch)
    mounts = [(m.path, m.kind, m.app, m.conditions) for m in result.mounts]
    assert mounts == [
        ("/admin", "app", "app.admin.admin_app", ("settings.ENABLE_ADMIN",)),
        ("/metrics", "asgi", "app.metrics.metrics_app", ()),
        ("/static", "static", "fastapi.staticfiles.StaticFiles(...)", ()),
        ("/v2", "app", "app.v2.v2_app", ()),
        ("/v2/legacy", "app", "app.v2.legacy_app", ()),
    ]
    # the portal's FastAPI(dependencies=[...]) does not reach the mounted v2 app
    assert _route(result, "GET", "/v2/catalog").state == "unprotected"
    assert _route(result, "GET", "/dashboard").state == "protected"
    assert not any(r.path.startswith(("/static", "/metrics")) for r in result.routes)


def test_routes_json_has_mounts(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from routeguard_lint.report import routes_json

    result = _analyze("mounts", monkeypatch)
    data = json.loads(routes_json(result.routes, result.mounts))
    assert [m["path"] for m in data["mounts"]] == ["/admin", "/metrics", "/static", "/v2", "/v2/legacy"]
    assert data["mounts"][2] == {"path": "/static", "app": "fastapi.staticfiles.StaticFiles(...)",
                                 "kind": "static", "file": "app/main.py", "line": 20, "conditions": [],
                                 "reachable": True}


def _graph(case: str, monkeypatch: pytest.MonkeyPatch):
    from routeguard_lint.api import build

    monkeypatch.chdir(STRUCTURES / case)
    return build([Path(".")])


def _graph_route(graph, method: str, path: str):
    found = [r for r in graph.routes if method in r.methods and r.full_path == path]
    assert len(found) == 1, [(r.methods, r.full_path) for r in graph.routes]
    return found[0]


def test_class_based_view_injects_annotated_attributes_and_init(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("cbv_controllers", monkeypatch)
    recipes = _route(result, "GET", "/recipes")
    assert recipes.auth == ("app.views.recipes.RecipeController", "app.deps.get_current_user",
                            "app.deps.api_key (APIKeyHeader)")
    assert recipes.dependencies[0].origin == "class-based view RecipeController"
    # __init__(self, admin=Depends(get_admin_user)) of the base class
    assert _route(result, "POST", "/admin/maintenance/clean").auth[:2] == (
        "app.views.admin.MaintenanceController", "app.deps.get_admin_user")
    # an unannotated `user = Depends(...)` is not injected: nothing authenticates /reports/usage
    assert _route(result, "GET", "/reports/usage").state == "unprotected"


def test_class_based_view_self_is_not_a_query_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = _graph("cbv_controllers", monkeypatch)
    route = _graph_route(graph, "GET", "/recipes")
    params = {source.param.name: source.kind for source in route.root.params}
    assert params == {"limit": ParamKind.QUERY}
    view = route.root.children[0].node
    vias = sorted(via for _child, via in view.children)
    assert vias == ["BasePublicController.db", "BaseUserController.user"]  # page_size is a ClassVar


def test_fastapi_utils_cbv(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("cbv_fastapi_utils", monkeypatch)
    assert _route(result, "GET", "/items/").state == "protected"
    assert _route(result, "GET", "/catalog/").state == "unprotected"


def test_middleware_protects_its_app_and_mounted_apps_except_exempt_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("middleware_auth", monkeypatch)
    items = _route(result, "GET", "/api/items")
    assert items.state == "protected"
    assert items.auth == ("middleware app.middleware.TokenAuthMiddleware",)
    assert [(d.kind, d.origin) for d in items.dependencies] == [
        ("middleware", "api_app.add_middleware(TokenAuthMiddleware)")]
    # literal exemptions: `path in PUBLIC_PATHS`, `path.startswith("/api/public/")`, `path not in OPEN`
    # after `removeprefix("/partner")`
    for path in ("/api/version", "/api/public/terms", "/partner/status"):
        assert _route(result, "GET", path).state == "unprotected", path
    assert _route(result, "GET", "/partner/orders").auth == ("middleware app.partner.require_partner_key",)
    # a timing middleware is not authentication
    assert _route(result, "GET", "/reports/daily").state == "unprotected"


def test_authentication_middleware_needs_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("middleware_auth", monkeypatch)
    assert _route(result, "GET", "/pages/settings").auth == ("@requires('authenticated')",)
    profile = _route(result, "GET", "/pages/profile")
    assert profile.state == "protected"
    assert "request.user (set by AuthenticationMiddleware)" in profile.auth
    assert _route(result, "GET", "/pages/about").state == "unprotected"


def test_auth_decorators(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("auth_decorators", monkeypatch)
    assert _route(result, "GET", "/me").auth == ("@app.auth.login_required",)
    assert _route(result, "POST", "/admin/rotate-keys").auth == ("@app.auth.require_role('admin')",)
    assert [d.kind for d in _route(result, "GET", "/me").dependencies] == ["decorator"]
    for path in ("/audit", "/exports", "/uptime"):  # logging only; above the route decorator; undecorated
        assert _route(result, "GET", path).state == "unprotected", path
    assert _route(result, "GET", "/stats").state == "protected"


def test_library_source_is_read_not_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    result = _analyze("library_deps", monkeypatch)
    assert "authkit" not in sys.modules
    dashboard = _route(result, "GET", "/dashboard")
    assert dashboard.auth == ("authkit.core.AuthKit.current_user.current_user_dependency",
                              "authkit.schemes.bearer (OAuth2PasswordBearer)")
    # routes a library router declares are placed at the project's include_router line
    profile = _route(result, "GET", "/users/{username}")
    assert (profile.file, profile.line, profile.state) == ("app/main.py", 11, "unprotected")
    assert _route(result, "POST", "/auth/login").state == "public"
    # nothing is reported inside the library itself
    assert {f.path for f in result.findings} == {"app/main.py"}


def test_library_router_factories_are_read_with_the_call_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # `users.get_users_router(dict)` is a library method returning the library's own factory's router: its routes
    # are read once per project call, the factory's parameters bound (the authenticator, the user manager)
    result = _analyze("library_router_factory", monkeypatch)
    table = {(r.methods, r.path): (r.state, r.file, r.line) for r in result.routes}
    assert table == {
        (("POST",), "/auth/jwt/login"): ("public", "app/main.py", 7),
        (("POST",), "/auth/jwt/logout"): ("protected", "app/main.py", 7),
        (("GET",), "/users/me"): ("protected", "app/main.py", 9),
        (("GET",), "/users/{id}"): ("protected", "app/main.py", 9),
        (("GET",), "/users/{id}/avatar"): ("unprotected", "app/main.py", 9),
        (("GET",), "/dashboard"): ("protected", "app/main.py", 12),
    }
    # the dependency made at run time (`@with_signature`) is judged by the library's documented model
    me = _route(result, "GET", "/users/me")
    assert "documented behaviour of fastapi_users.authentication.authenticator.Authenticator.current_user" in me.reason
    # the user manager the project gave the library's object is what its own routes depend on
    assert "app.users.get_user_manager" in _route(result, "GET", "/users/{id}/avatar").reason


def test_library_reading_is_bounded(tmp_path: Path) -> None:
    from routeguard_lint.project.library import LibraryLoader

    site = STRUCTURES / "library_deps" / "venv" / "lib" / "python3.12" / "site-packages"
    loader = LibraryLoader([str(site)], max_modules=2)
    assert loader.load("authkit") is not None
    assert loader.load("authkit.core") is not None
    assert loader.load("authkit.tokens") is None  # over the bound
    assert loader.load("json") is None and loader.load("fastapi.security") is None  # stdlib, framework
    located = LibraryLoader([str(site)]).locate("authkit.schemes")
    assert located is not None and located[0].name == "schemes.py" and not located[1]


def test_unreadable_library_routes_are_unverified(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("library_missing", monkeypatch)
    opaque = _route(result, "*", "/auth/jwt/*")
    assert opaque.state == "unverified"
    assert opaque.handler == "fastapi_users.get_auth_router(auth_backend)"
    # fastapi-users' current_user(active=True): judged from the documented model shipped with routeguard
    assert _route(result, "GET", "/authenticated-route").state == "protected"
    assert sum(r.state == "unverified" for r in result.routes) == 2


def test_routes_at_the_apps_own_url_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\n"
        "app = FastAPI(docs_url=None, openapi_url='/api/openapi.json')\n"
        "@app.get(app.swagger_ui_oauth2_redirect_url, include_in_schema=False)\n"
        "async def redirect():\n    return {}\n"
        "@app.get(app.openapi_url, include_in_schema=False)\n"
        "async def spec():\n    return {}\n"
    )
    monkeypatch.chdir(tmp_path)
    paths = sorted(r.path for r in analyze([Path(".")]).routes)
    assert paths == ["/api/openapi.json", "/docs/oauth2-redirect"]


def test_library_search_path_includes_project_and_active_virtualenvs(tmp_path: Path) -> None:
    from routeguard_lint.project.library import project_site_packages

    case = STRUCTURES / "library_deps"
    site = str(case / "venv" / "lib" / "python3.12" / "site-packages")
    assert project_site_packages([case], environ={}) == [site]
    assert project_site_packages([tmp_path], environ={"VIRTUAL_ENV": str(case / "venv")}) == [site]
    assert project_site_packages([tmp_path], environ={}) == []


def test_an_app_built_only_to_export_its_openapi_document_serves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _analyze("openapi_export_only", monkeypatch)
    # the served app's routes, once each: the exporting script's copies (its app, and the router handed to
    # get_openapi) are no routes of their own
    assert sorted((r.path, r.reachable, r.app) for r in result.routes) == [
        ("/admin/users", True, None), ("/health", True, None), ("/internal/stats", False, None),
        ("/items", True, None), ("/items/{item_id}", True, None)]
    assert _route(result, "GET", "/admin/users").state == "protected"
    # a router only the exporting app includes is not served: reported as a router never included is
    [finding] = [f for f in result.findings if f.rule_id == "RG001"]
    assert "only in an app that is never served" in finding.message
    assert "`app.openapi()` (scripts/export_openapi.py:38)" in finding.message


_EXPORTED_ROUTER = """
    from fastapi import APIRouter

    router = APIRouter()


    @router.get("/reports")
    def reports(skip: int = 0):
        return []
"""


@pytest.mark.parametrize("script, served", [
    # exported only: a local app of a script's function, its document written
    ("def build():\n    app = FastAPI()\n    app.include_router(reports.router)\n    return app\n\n\n"
     "def main():\n    app = build()\n    print(app.openapi())\n\n\nif __name__ == '__main__':\n    main()\n", False),
    ("def main():\n    app = FastAPI()\n    app.include_router(reports.router)\n    print(app.openapi())\n", False),
    # a module-level app: an ASGI server may name it (`uvicorn export:app`)
    ("app = FastAPI()\napp.include_router(reports.router)\n\nif __name__ == '__main__':\n    print(app.openapi())\n",
     True),
    # returned by a function of a module that is no script: `uvicorn --factory export:build` may serve it
    ("def build():\n    app = FastAPI()\n    app.include_router(reports.router)\n    return app\n\n\n"
     "def main():\n    print(build().openapi())\n", True),
    # handed to something else besides
    ("def main():\n    app = FastAPI()\n    app.include_router(reports.router)\n    print(app.openapi())\n"
     "    uvicorn.run(app)\n", True),
    ("def main():\n    app = FastAPI()\n    app.include_router(reports.router)\n    print(app.openapi())\n"
     "    Starlette(routes=app.routes)\n", True),
    ("def main():\n    app = FastAPI()\n    app.include_router(reports.router)\n    apps = [app]\n"
     "    print(app.openapi())\n", True),
    # nothing exported: no sign it is built for its document
    ("def main():\n    app = FastAPI()\n    app.include_router(reports.router)\n    print(len(app.routes))\n", True),
])
def test_only_an_app_whose_every_use_is_exporting_is_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 script: str, served: bool) -> None:
    from cli_helpers import write

    header = "import uvicorn\nfrom fastapi import FastAPI\nfrom starlette.applications import Starlette\n\n" \
             "import reports\n\n\n"
    write(tmp_path, {"reports.py": _EXPORTED_ROUTER, "export.py": header + script})
    monkeypatch.chdir(tmp_path)
    route = _route(analyze([Path(".")]), "GET", "/reports")
    assert route.reachable is served
