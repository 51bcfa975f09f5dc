"""The evaluation of the project (scoping, values followed through calls): route tables and auth chains
of the cases under tests/fixtures/evaluation/, beyond their exact findings and the FastAPI oracle (which
check them too). Each test names the mechanism its case exercises."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from routeguard_lint.api import analyze
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import ModuleFacts, extract
from routeguard_lint.project.index import UNKNOWN, Ctx, ExternalV, FuncV, Index, InstanceV, LiteralV, UnionV

EVALUATION = Path(__file__).resolve().parent / "fixtures" / "evaluation"


def _analyze(case: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(EVALUATION / case)
    return analyze([Path(".")])


def _table(result) -> dict[tuple[str, str], object]:
    return {(m, r.path): r for r in result.routes for m in r.methods}


def test_parameter_default_is_read_in_the_enclosing_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """`async def auth(api_key_header = Security(api_key_header))`: the module's scheme, not the parameter."""
    routes = _table(_analyze("scope_param_default", monkeypatch))
    reports = routes[("GET", "/reports")]
    assert reports.state == "protected"
    assert reports.auth[-1].startswith("app.security.api_key_header (APIKeyHeader")


def test_router_class_returned_by_a_function_and_its_subclass(monkeypatch: pytest.MonkeyPatch) -> None:
    routes = _table(_analyze("router_class_factory", monkeypatch))
    assert set(routes) == {("GET", "/api/items"), ("DELETE", "/api/items/{item_id}"), ("GET", "/api/v2/items")}
    assert all(r.reachable for r in routes.values())
    # a class defined inside a factory, used as a dependency instance; its method reads `self.wanted`
    assert routes[("DELETE", "/api/items/{item_id}")].state == "protected"


def test_routers_reached_through_parameters_per_call_site(monkeypatch: pytest.MonkeyPatch) -> None:
    """`self.configure(self.app)`, a helper taking (target, router, prefix, secured) called twice: each
    call includes its own router under its own prefix with its own dependencies; no cross-over."""
    routes = _table(_analyze("routers_through_parameters", monkeypatch))
    assert set(routes) == {("GET", "/api/users/me"), ("GET", "/api/health-report/status"), ("GET", "/api/version")}
    assert routes[("GET", "/api/users/me")].state == "protected"
    assert routes[("GET", "/api/health-report/status")].state == "unprotected"
    assert all(r.reachable for r in routes.values())


def test_dependencies_as_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """A factory argument chooses the dependency; Depends kept in a constant, a list, a parameter default;
    `f = router.post(path)(f)` under an `if`; a prefix read from settings chosen through a dict of classes."""
    routes = _table(_analyze("dependencies_as_values", monkeypatch))
    assert routes[("GET", "/api/articles")].auth[0] == "app.security._staff_user"
    assert routes[("POST", "/api/articles")].auth[0] == "app.security._current_user"
    assert routes[("PUT", "/api/articles/{slug}")].state == "protected"
    assert routes[("DELETE", "/api/articles/{slug}")].auth[0] == "app.security.admin_only"
    assert routes[("POST", "/api/register")].state == "unprotected"


def _index(source: str) -> Index:
    return Index([extract(source.encode(), "m.py", "m", False)])


def test_conditional_values_keep_each_alternative() -> None:
    index = _index(
        "import os\n"
        "def a(): pass\n"
        "def b(): pass\n"
        "FLAG = os.environ.get('X')\n"
        "chosen = a if FLAG else b\n"
        "fixed = a if True else b\n"
        "def pick(flag):\n"
        "    if flag:\n"
        "        f = a\n"
        "    else:\n"
        "        f = b\n"
        "    return f\n"
        "picked = pick(FLAG)\n"
        "picked_b = pick(False)\n"
        "TABLE = {'x': '/one', 'y': '/one'}\n"
        "prefix = TABLE[FLAG]\n"
    )
    ctx = Ctx("m")
    assert index.resolve(ir.Name("chosen"), ctx) == UnionV((FuncV("m", "a"), FuncV("m", "b")))
    assert index.resolve(ir.Name("fixed"), ctx) == FuncV("m", "a")
    assert index.resolve(ir.Name("picked"), ctx) == UnionV((FuncV("m", "a"), FuncV("m", "b")))
    assert index.resolve(ir.Name("picked_b"), ctx) == FuncV("m", "b")  # call-site sensitive
    assert index.resolve(ir.Name("prefix"), ctx) == LiteralV("/one")  # every alternative agrees


def test_class_bodies_do_not_leak_into_methods_and_closures_see_the_factory() -> None:
    index = _index(
        "x = 'module'\n"
        "def factory(x):\n"
        "    class C:\n"
        "        x = 'class body'\n"
        "        def m(self):\n"
        "            return x\n"
        "    return C\n"
        "class D:\n"
        "    x = 'class body'\n"
        "    def m(self):\n"
        "        return x\n"
    )
    assert index.resolve(ir.Name("x"), Ctx("m", "D.m")) == LiteralV("module")
    method = index.func(FuncV("m", "factory.C.m"))
    assert method is not None and method.parent == "factory"
    assert index.resolve(ir.Name("x"), Ctx("m", "factory.C.m")).__class__.__name__ == "ParamV"


def test_collections_comprehensions_and_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list grown by append/extend, dependencies made by a comprehension, an app bound by `global`."""
    routes = _table(_analyze("collections_and_globals", monkeypatch))
    assert set(routes) == {("GET", "/api/billing"), ("GET", "/api/invoices"), ("GET", "/api/reports"),
                           ("GET", "/public/terms")}
    for path in ("/api/billing", "/api/invoices", "/api/reports"):
        assert routes[("GET", path)].auth[0] == "app.security.verify_token", path
    assert routes[("GET", "/public/terms")].state == "unprotected"
    assert all(r.reachable for r in routes.values())


def test_comprehension_variables_stay_in_the_comprehension() -> None:
    index = _index(
        "x = '/module'\n"
        "items = [x for x in ('/a', '/b')]\n"
        "def f():\n"
        "    return x\n"
    )
    assert index.resolve(ir.Name("x"), Ctx("m")) == LiteralV("/module")
    assert index.resolve(ir.Name("x"), Ctx("m", "f")) == LiteralV("/module")


def test_app_factory_with_parameters_keeps_its_middleware(monkeypatch: pytest.MonkeyPatch) -> None:
    """`@app.middleware` inside a factory with parameters, the factory called from another function: the
    middleware, the includes and the routes belong to the same app of that call."""
    routes = _table(_analyze("app_factory_middleware", monkeypatch))
    for key in (("GET", "/items"), ("GET", "/stats")):
        assert routes[key].state == "protected", key
        assert routes[key].auth == ("middleware app.main.create_app.require_token",)


def test_routers_included_during_startup(monkeypatch: pytest.MonkeyPatch) -> None:
    """`FastAPI(lifespan=lifespan)`: Starlette calls `lifespan(app)`, which awaits `startup(app)`, which calls
    `register_routers(app)`: the routers it includes are served by that app."""
    routes = _table(_analyze("startup_includes", monkeypatch))
    assert set(routes) == {("GET", "/accounts/balance"), ("GET", "/tools/convert")}
    assert all(r.reachable for r in routes.values())
    assert routes[("GET", "/accounts/balance")].state == "protected"
    assert routes[("GET", "/tools/convert")].state == "unprotected"


def test_include_router_keyword_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    """`include_router(**spec)`: dict literals, `dict(...)`, `{**a, ...}`, a loop over a list built with `+`
    and `.append`, and `**options` collected by a helper; each spec's prefix and dependencies apply."""
    result = _analyze("include_kwargs_spread", monkeypatch)
    routes = _table(result)
    assert set(routes) == {("GET", p) for p in ("/v1/items/list", "/v1/orders/list", "/v1/reports/list",
                                                "/users/list", "/status/summary", "/v1/status/summary")}
    assert all(r.reachable for r in routes.values())
    reports = routes[("GET", "/v1/reports/list")]
    assert [(d.name, d.origin) for d in reports.dependencies] == [
        ("app.security.current_user", "APIRouter(dependencies=)"),
        ("app.security.admin_only", "include_router(dependencies=)")]
    assert routes[("GET", "/status/summary")].state == "unprotected"
    assert routes[("GET", "/v1/status/summary")].state == "protected"


def test_mount_paths_are_joined_as_starlette_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """`app.mount("/", sub)` serves `sub`'s `/pages/x` at `/pages/x`, `mount("/admin/", ...)` at `/admin/...`."""
    routes = _table(_analyze("mount_paths", monkeypatch))
    assert set(routes) == {("GET", "/"), ("GET", "/pages/{slug}"), ("GET", "/version"), ("GET", "/admin/stats")}
    assert routes[("GET", "/admin/stats")].state == "protected"


def test_helper_that_includes_into_its_parameter_and_returns_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`with_routes(APIRouter())` and `with_routes(APIRouter(prefix="/sites/{site}"))`: each call includes
    into its own router, so every route is served under both prefixes."""
    routes = _table(_analyze("router_helper_twice", monkeypatch))
    assert set(routes) == {("GET", "/account/profile"), ("GET", "/meta/configuration"),
                           ("GET", "/sites/{site}/account/profile"), ("GET", "/sites/{site}/meta/configuration")}
    assert routes[("GET", "/sites/{site}/account/profile")].state == "protected"


def test_keyword_unpacking_of_known_and_unknown_mappings() -> None:
    index = _index(
        "import os\n"
        "BASE = {'prefix': '/a', 'tags': ['x']}\n"
        "MORE = dict(BASE, prefix='/b')\n"
        "r.include_router(**BASE)\n"
        "r.include_router(**MORE)\n"
        "r.include_router(**{**BASE, 'prefix': '/c'})\n"
        "r.include_router(**os.environ)\n"
    )
    facts = index.module("m")
    assert facts is not None
    calls = [site.call for site in facts.calls if ir.dotted(site.call.func) == "r.include_router"]
    ctx = Ctx("m")
    prefixes = [index.string(index.spread_kwargs(c, ctx).kwarg("prefix"), ctx) for c in calls]
    assert prefixes == ["/a", "/b", "/c", None]
    assert index.spread_kwargs(calls[3], ctx) == calls[3]  # an unknown mapping stays `**`


def test_nonlocal_writes_in_closures(monkeypatch: pytest.MonkeyPatch) -> None:
    """`application = None`, then a closure does `nonlocal application; application = FastAPI(...)`: the
    enclosing function's variable holds the app the closure made (also two closures down)."""
    routes = _table(_analyze("closure_writes", monkeypatch))
    assert set(routes) == {("GET", "/reports/daily"), ("GET", "/open/uptime")}
    assert all(r.reachable and r.state == "protected" for r in routes.values())


def test_nonlocal_names_are_not_locals_of_the_closure() -> None:
    index = _index(
        "def outer():\n"
        "    x = 'a'\n"
        "    def inner():\n"
        "        nonlocal x\n"
        "        x = 'b'\n"
        "        return x\n"
        "    return x\n"
    )
    facts = index.module("m")
    assert facts is not None and facts.functions["outer.inner"].nonlocal_assigns.keys() == {"x"}
    assert "x" not in facts.functions["outer.inner"].assigns
    seen = index.resolve(ir.Name("x"), Ctx("m", "outer"))
    assert isinstance(seen, UnionV) and set(seen.options) == {LiteralV("a"), LiteralV("b")}
    assert index.resolve(ir.Name("x"), Ctx("m", "outer.inner")) == seen


def test_router_held_by_an_object_from_a_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """`for plugin in registry.all(): router.include_router(plugin.routes)`: the registry is filled at run
    time, so `plugin` cannot be told; the project class whose `routes` attribute is a router may be it. Its
    routes are served under the include's prefix with that condition; the unknown rest stays opaque."""
    result = _analyze("registry_plugins", monkeypatch)
    routes = _table(result)
    chat = routes[("POST", "/api/hooks/chat")]
    assert chat.reachable and chat.state == "unprotected"
    assert "plugin.routes is app.plugins.ChatPlugin.routes" in chat.conditions
    opaque = routes[("*", "/api/hooks/*")]
    assert opaque.state == "unverified"
    # project code whose value is only known at run time: never "its source is not available"
    assert opaque.reason == ("the routes of plugin.routes are unknown: it is not a router the analysis can read "
                             "(a library's, or a value only known at run time) (app/main.py:12)")
    assert ("POST", "/chat") not in routes


def test_a_local_reassigned_under_conditions_that_read_it_is_weighed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`method = MAP[k]` then an `elif method == ...:` chain, one branch rebinding `method`: each test
    reads the earlier value, so weighing the alternatives must not re-resolve `method` inside its own
    conditions (that recursion was n**depth: an unseen app's code generator hung the run)."""
    tests = "".join(f"    elif method == 'm{i}':\n        other = {i}\n" for i in range(12))
    index = _index(
        "def pick(k):\n"
        "    method = k\n"
        "    if method == 'first':\n"
        "        other = 0\n"
        f"{tests}"
        "    elif method == 'goto':\n"
        "        method = 'link'\n"
        "    return method\n"
        "picked = pick('goto')\n"
    )
    calls = 0
    name = Index._name

    def counting(self: Index, *args: object) -> object:
        nonlocal calls
        calls += 1
        if calls > 500:  # fail fast instead of hanging
            raise AssertionError("the local is re-resolved inside its own conditions")
        return name(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Index, "_name", counting)
    value = index.resolve(ir.Name("picked"), Ctx("m"))
    # the tests read `method` while its own alternatives are weighed: undecided, so both are kept
    assert value == UnionV((LiteralV("goto"), LiteralV("link")))



def _chained_tests(n: int) -> str:
    """A handler whose local `x<i>` is rebound under `if`/`elif` tests of `x<i-1>`: weighing `x<i>`'s tests
    weighs `x<i-1>`'s for each test that reads it, so the walk grows as 3**n."""
    lines = ["def handler(kind):", "    x0 = kind"]
    for i in range(1, n):
        lines += [f"    x{i} = x{i - 1}", f"    if x{i - 1} == 'a':", f"        x{i} = 'a'",
                  f"    elif x{i - 1} == 'b':", f"        x{i} = 'b'"]
    return "\n".join([*lines, f"    return x{n - 1}", "picked = handler('a')"]) + "\n"


def test_tests_weighed_for_one_test_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_WEIGHED: past that many tests weighed for one outermost test, a further test is undecided, so both
    alternatives stay (less precise, no path dropped)."""
    index = _index(_chained_tests(5))
    assert index.resolve(ir.Name("picked"), Ctx("m")) == LiteralV("a")  # within the bound: exact
    assert index.weighing_cut == 0
    monkeypatch.setattr("routeguard_lint.project.index.MAX_WEIGHED", 5)
    index = _index(_chained_tests(10))
    value = index.resolve(ir.Name("picked"), Ctx("m"))
    assert index.weighing_cut > 0
    assert isinstance(value, UnionV) and LiteralV("a") in value.options  # the alternatives the cut tests keep


def test_a_locals_tested_value_is_weighed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local rebound under `if`/`elif` tests of locals rebound so before it (FastApiv1.6's long handlers): each
    local's value is kept once weighed, so a test reading it does not weigh its tests again (before the memo, a
    chain of 11 took 100,000s of lookups, the product of the chains' lengths, and was cut by MAX_WEIGHED)."""
    calls = 0
    name = Index._name

    def counting(self: Index, *args: object) -> object:
        nonlocal calls
        calls += 1
        return name(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Index, "_name", counting)
    index = _index(_chained_tests(11))
    assert index.resolve(ir.Name("picked"), Ctx("m")) == LiteralV("a")  # exact: `handler('a')`
    assert index.weighing_cut == 0
    assert index.local_memo_hits > 0
    assert calls < 1_000


def test_a_local_read_while_a_guard_is_in_flight_is_not_kept() -> None:
    """The memo of a local's value keeps only what did not depend on the lookups in flight around it: `y` read by
    a test of `x` while `x`'s alternatives are weighed is unknown there (the guard of `_branch_union`), not after."""
    source = ("import os\n"
              "def handler():\n"
              "    x = 'a'\n"
              "    y = x\n"
              "    if y == os.environ['Z']:\n"
              "        x = 'b'\n"
              "    return y\n")
    alone = _index(source).resolve(ir.Name("y"), Ctx("m", "handler"))
    assert alone == UnionV((LiteralV("a"), LiteralV("b")))
    index = _index(source)
    index.resolve(ir.Name("x"), Ctx("m", "handler"))  # weighs `y == ...` with `x` in flight
    kept = [value for key, value in index._local_memo.items() if key[2] == "y"]
    assert kept == [] or set(kept) == {alone}  # (unknown at the depth it was read at inside the weighing)
    assert index.resolve(ir.Name("y"), Ctx("m", "handler")) == alone
    assert [value for key, value in index._local_memo.items() if key[2] == "y"] == [alone]


LOOP_CARRIED = (
    "from fastapi import FastAPI\n"
    "app = FastAPI()\n"
    "class Settings:\n"
    "    def reset(self, path):\n"
    "        model = self\n"
    "        model_cls = model.__class__\n"
    "        model_fields = model_cls.model_fields\n"
    "        for key in path[:-1]:\n"
    "            model_field = model_fields[key]\n"
    "            model_cls = model_field.annotation\n"
    "            model_fields = model_cls.model_fields\n"
    "        return model_fields.get(path[-1])\n"
    "@app.get('/items')\n"
    "def items(skip: int = 0):\n"
    "    return []\n"
)


def test_a_loop_carried_cycle_of_locals_is_unknown_not_a_runaway_recursion() -> None:
    """`fields = cls.fields` / `field = fields[k]` / `cls = field.annotation` in a loop: each local is read
    through the others (a subscript of a name bound to an attribute of a name ...). Looking up what the
    attribute's base is bound to counts against MAX_RESOLVE_DEPTH like every other step; it once started
    again at depth 0, so the cycle recursed until Python's limit (prefect's settings module: an RG000 and
    none of that file's routes)."""
    index = _index(LOOP_CARRIED)
    ctx = Ctx("m", "Settings.reset")
    for name in ("model_fields", "model_field", "model_cls"):
        assert index.resolve(ir.Name(name), ctx) == UNKNOWN, name
    # the whole chain stays far below Python's default limit, without the analysis thread's deep stack
    assert sys.getrecursionlimit() <= 10_000


def test_a_file_with_a_loop_carried_cycle_keeps_its_routes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text(LOOP_CARRIED)
    monkeypatch.chdir(tmp_path)
    result = analyze([Path(".")])
    assert [f.rule_id for f in result.findings if f.rule_id == "RG000"] == []
    assert [(r.methods, r.path, r.file) for r in result.routes] == [(("GET",), "/items", "app/main.py")]


def test_a_long_acyclic_chain_of_subscripted_attributes_stops_at_the_depth_bound() -> None:
    """300 locals, each a subscript of an attribute of the one before: the lookup gives up at
    MAX_RESOLVE_DEPTH (unknown) within Python's default recursion limit, whichever local it starts from."""
    chain = "".join(f"    a{i} = a{i - 1}.fields[key]\n" for i in range(1, 301))
    index = _index(f"def walk(items, key):\n    a0 = items\n{chain}    return a300\n")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        for name in ("a300", "a150", "a1"):
            assert index.resolve(ir.Name(name), Ctx("m", "walk")) == UNKNOWN, name
        assert index.resolve(ir.Name("a0"), Ctx("m", "walk")).__class__.__name__ == "ParamV"
    finally:
        sys.setrecursionlimit(limit)


def test_a_router_included_in_both_branches_is_included_unconditionally(monkeypatch: pytest.MonkeyPatch) -> None:
    """`if c: app.include_router(r)` / `else: ...; app.include_router(r)`: one route, no condition (it was
    listed twice, once per branch); an include in one branch only keeps its conditions; an include under a
    condition that the same include without it makes redundant adds nothing."""
    result = _analyze("include_either_branch", monkeypatch)
    assert sorted((r.methods, r.path, r.conditions) for r in result.routes) == [
        (("GET",), "/api/v1/models", ()),
        (("GET",), "/debug/vars", ("not metrics_disabled()", "os.environ.get('DEBUG') == '1'")),
        (("GET",), "/status", ()),
    ]


def test_an_endpoint_chosen_by_a_condition_is_a_route_per_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    """`if is_auth: handler = authed` / `else: handler = anonymous`, then `add_api_route(path, handler)` (and
    `router.get(path)(a if c else b)`): each function is a route, with the condition naming it; when one lets
    a request without credentials through and the other does not, both are unverified."""
    result = _analyze("handler_alternatives", monkeypatch)
    assert sorted((r.methods, r.path, r.state, r.conditions) for r in result.routes) == [
        (("GET",), "/api/v1/assets", "unverified", ("handler is app.assets.register.route.anonymous",)),
        (("GET",), "/api/v1/assets", "unverified", ("handler is app.assets.register.route.authed",)),
        (("GET",), "/api/v1/status", "unverified", ("handler is app.assets.register_status.status_for_key",)),
        (("GET",), "/api/v1/status", "unverified", ("handler is app.assets.register_status.status_with_user",)),
        (("GET",), "/kiosk/v1/status", "unprotected", ()),
        (("POST",), "/api/v1/assets", "unverified", ("handler is app.assets.register.route.anonymous",)),
        (("POST",), "/api/v1/assets", "unverified", ("handler is app.assets.register.route.authed",)),
    ]
    # one route of the running app: unverified, saying what each function gets (never RG001 on a guess)
    status = next(r for r in result.routes if r.path == "/api/v1/status")
    assert "if handler is app.assets.register_status.status_with_user: protected" in status.reason
    assert "if handler is app.assets.register_status.status_for_key: unprotected" in status.reason
    assert [(f.rule_id, f.line) for f in result.findings if f.rule_id == "RG001"] == [("RG001", 34)]


def test_dependencies_made_by_project_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """`user = depends_user()` as a parameter default is the `Depends(injector.depends)` it returns (an
    injector the configuration picks: unverified, naming it); `dependencies=get_dependencies()` is the list
    it returns; an append under a condition that cannot be told is the dependency chosen by that condition."""
    routes = _table(_analyze("dependencies_from_functions", monkeypatch))
    for path in ("/api/conversations/search", "/api/conversations/count"):
        assert routes[("GET", path)].state == "unverified"
        assert "injector.depends" in routes[("GET", path)].reason
    # each route's reason names the place its own dependency is written (a leaf shared by text once kept the
    # location of the first route that met it)
    assert routes[("GET", "/api/conversations/search")].reason.endswith("(app/main.py:14)")
    assert routes[("GET", "/api/conversations/count")].reason.endswith("(app/main.py:19)")
    assert routes[("GET", "/api/settings")].state == "protected"
    assert routes[("GET", "/api/settings")].auth[0] == "app.security.check_session_key"
    models = routes[("GET", "/api/options/models")]  # `if os.environ.get(...): result.append(Depends(...))`
    assert models.state == "unverified"
    assert "if os.environ.get('SESSION_API_KEY', 'development-key'): protected; if not" in models.reason


def test_a_name_rebound_from_itself_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """`rows = rows.iloc[-limit:]` under an `if`, then a call on `rows`: the lookup of `rows` goes through its
    own assignment again; it stops at the depth bound (it was a RecursionError, and the file an RG000)."""
    result = _analyze("self_rebinding", monkeypatch)
    assert not [f for f in result.findings if f.rule_id == "RG000"]
    assert sorted((r.path, r.state) for r in result.routes) == [
        ("/api/v1/candles", "protected"), ("/api/v1/status", "unprotected")]


def test_a_dependency_list_chosen_by_an_undecided_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """`dependencies=([Depends(auth)] if is_auth else None)` with `is_auth` from configuration: each choice
    is weighed (unverified, naming the test), not "no dependencies"; a decidable test picks its branch."""
    routes = _table(_analyze("dependencies_chosen_by_flag", monkeypatch))
    for method in ("GET", "POST"):
        route = routes[(method, "/v1/models")]
        assert route.state == "unverified"
        assert "`require_key if is_auth else None`" in route.reason
        assert "if is_auth: protected; if not (is_auth): unprotected" in route.reason
    assert routes[("GET", "/v1/cluster/version")].state == "protected"
    admin = routes[("GET", "/v1/admin/users")]  # `APIRouter(dependencies=[...] if flag else [])`
    assert admin.state == "unverified"
    assert "if os.environ.get('ADMIN_AUTH', '1') == '1': protected" in admin.reason


def test_a_local_of_unknown_value_is_an_instance_of_its_declared_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """`auth_service: AuthService = app.state.auth_service` (and `Optional["AuthService"]` from a `getattr`
    with a default): the dependency is that class's `__call__`. A declared class that another class of the
    project derives from stays unknown: the instance may be the subclass (here it is, and it lets everyone
    through), so the route is unverified, naming the local, never protected."""
    routes = _table(_analyze("declared_locals", monkeypatch))
    for path in ("/admin/users", "/admin/keys"):
        assert routes[("GET", path)].state == "protected", path
        assert routes[("GET", path)].auth[0] == "app.services.AuthService.__call__"
    gated = routes[("GET", "/gated")]
    assert gated.state == "unverified"
    assert "cannot resolve gate (app/routes.py:27)" in gated.reason
    assert routes[("POST", "/export")].state == "unprotected"


def test_a_builtin_function_call_is_unknown_not_an_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`Depends(getattr(app.state, "auth", None))`: what getattr returns cannot be told; it once counted as an
    instance of `builtins.getattr`, one of FastAPI's own harmless callables, and the route was unprotected."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text(
        "from fastapi import Depends, FastAPI\n"
        "app = FastAPI()\n"
        "dep = getattr(app.state, 'auth', None)\n"
        "@app.get('/a')\n"
        "def a(x=Depends(dep)):\n"
        "    return {}\n")
    monkeypatch.chdir(tmp_path)
    (route,) = analyze([Path(".")]).routes
    assert route.state == "unverified"
    assert "cannot resolve dep (app.py:5)" in route.reason


DECLARED = (
    "from typing import Optional\n"
    "from authlib.oauth2 import AuthorizationServer as _Base\n"
    "class Manager:\n"
    "    def decode(self, token): ...\n"
    "class Server(_Base):\n"
    "    def create_endpoint_response(self, name, request):\n"
    "        return super().create_endpoint_response(name, request)\n"
    "class Record(_Base):\n"
    "    def link(self, request):\n"
    "        return request.url\n"
    "class Gate:\n"
    "    def check(self, token): ...\n"
    "class OpenGate(Gate):\n"
    "    def check(self, token): ...\n"
    "def helper(manager: Manager, server: Server, gate: Gate, maybe: Optional['Manager'], *, key: 'Manager',\n"
    "           record: Record):\n"
    "    pass\n"
)


@pytest.mark.parametrize("name,expected", [
    ("manager", FuncV("m", "Manager.decode")),
    ("maybe", FuncV("m", "Manager.decode")),
    ("key", FuncV("m", "Manager.decode")),
    # a class deriving from a library class: what its methods reach is the library's, read (when it is
    # installed) without what the library registers at run time
    ("server", UNKNOWN),
    # ... but a method written in its own body that does not call on into the library's is read
    ("record", FuncV("m", "Record.link")),
    # a class the project derives from: the argument may be the subclass
    ("gate", UNKNOWN),
])
def test_a_parameter_no_call_binds_takes_its_declared_type(name: str, expected: object) -> None:
    index = _index(DECLARED)
    method = {"gate": "check", "server": "create_endpoint_response", "record": "link"}.get(name, "decode")
    assert index.resolve(ir.Attr(ir.Name(name), method), Ctx("m", "helper")) == expected


def test_a_module_not_parsed_yet_naming_the_declared_class_is_parsed_to_answer() -> None:
    """A placeholder module (demand-driven mode) with a class whose bases name the declared class is parsed
    and its bases read, so the answer is the full mode's whichever files happen to be parsed; one that names
    the class elsewhere (an annotation), or never, is left alone (CPython's parser listed its bases)."""
    from routeguard_lint.api import OnDemandModules
    from routeguard_lint.facts.extract import skim

    texts = {"lax.py": b"from m import Manager\nclass Lax(Manager):\n    pass\n",
             "user.py": b"from m import Manager\ndef describe(m: Manager) -> str:\n    return 'manager'\n",
             "other.py": b"def double(x):\n    return 2 * x\n"}

    def index_of(*names: str) -> tuple[Index, dict[str, ModuleFacts]]:
        stubs = {n: skim(texts[n], n, n[:-3], False) for n in names}
        assert all(stub is not None and stub.pending for stub in stubs.values())
        index = Index([extract(DECLARED.encode(), "m.py", "m", False), *stubs.values()])  # type: ignore[list-item]
        index.by_name = OnDemandModules(index.by_name, lambda stub: extract(texts[stub.path], stub.path,
                                                                            stub.module, False))
        return index, stubs  # type: ignore[return-value]

    index, stubs = index_of("lax.py", "other.py")
    assert index.resolve(ir.Attr(ir.Name("manager"), "decode"), Ctx("m", "helper")) == UNKNOWN
    assert not stubs["lax.py"].pending and stubs["other.py"].pending
    index, stubs = index_of("user.py", "other.py")
    assert index.resolve(ir.Attr(ir.Name("manager"), "decode"), Ctx("m", "helper")) != UNKNOWN
    assert stubs["user.py"].pending and stubs["other.py"].pending
    assert stubs["user.py"].bases == "" and skim(texts["lax.py"], "lax.py", "lax", False).bases == "Manager"


def test_a_query_parameter_is_named_by_its_alias(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`k: str | None = Query(default=None, alias="api_key")`: FastAPI reads `?api_key=`, a credential; the
    dependency rejects a request without it (by the parameter's own name it was no credential, and the route
    was called unprotected)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text(
        "import os, secrets\n"
        "from fastapi import Depends, FastAPI, HTTPException, Query\n"
        "app = FastAPI()\n"
        "async def require_key(k: str | None = Query(default=None, alias='api_key')) -> str:\n"
        "    if k is None or not secrets.compare_digest(k, os.environ['API_KEY']):\n"
        "        raise HTTPException(status_code=403, detail='forbidden')\n"
        "    return k\n"
        "@app.get('/items')\n"
        "async def items(key: str = Depends(require_key)):\n"
        "    return []\n")
    monkeypatch.chdir(tmp_path)
    (route,) = analyze([Path(".")]).routes
    assert route.state == "protected"
    assert route.auth == ("app.require_key",)


def test_alternatives_of_one_app_variable_are_one_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`if debug: app = FastAPI(debug=True)` / `else: app = FastAPI(docs_url=None)`: the program makes one of
    them, so each route is listed once (it was listed once per alternative). Alternatives made with other
    dependencies are one router too, whose dependencies are a choice between each alternative's: the route is
    judged over both (protected under one, open under the other: unverified, naming the test)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text(
        "import os\n"
        "from fastapi import APIRouter, Depends, FastAPI\n"
        "from fastapi.security import OAuth2PasswordBearer\n"
        "scheme = OAuth2PasswordBearer(tokenUrl='token')\n"
        "if os.environ.get('DEBUG'):\n"
        "    app = FastAPI(debug=True)\n"
        "    api = APIRouter()\n"
        "else:\n"
        "    app = FastAPI(docs_url=None)\n"
        "    api = APIRouter(dependencies=[Depends(scheme)])\n"
        "@api.get('/items')\n"
        "def items(skip: int = 0):\n"
        "    return []\n"
        "app.include_router(api)\n")
    monkeypatch.chdir(tmp_path)
    routes = analyze([Path(".")]).routes
    (route,) = routes
    assert route.state == "unverified"
    assert "if os.environ.get('DEBUG'): unprotected; if not os.environ.get('DEBUG'): protected" in route.reason


def test_alternatives_of_one_router_binding_are_one_router(monkeypatch: pytest.MonkeyPatch) -> None:
    """`if settings.auth_enabled: router = APIRouter(dependencies=[...])` / `else: router = APIRouter()` (and
    `x = APIRouter(...) if c else APIRouter(...)`, a factory's local, the app itself): one route each, judged
    over each alternative's dependencies; alternatives with another prefix stay apart, under their tests."""
    result = _analyze("router_alternatives", monkeypatch)
    listed = sorted((r.path, m) for r in result.routes for m in r.methods)
    assert len(listed) == len(set(listed)) == 8
    table = _table(result)
    for path in ("/items/", "/exports/export"):
        route = table[("GET", path)]
        assert route.state == "unverified"
        assert "auth_enabled: protected" in route.reason or "secure: protected" in route.reason
    assert table[("DELETE", "/admin/cache")].state == "unverified"
    assert table[("GET", "/reports/daily")].state == "protected"
    assert table[("GET", "/public/export")].state == "unprotected"
    assert table[("GET", "/v1/status")].conditions == ("settings.legacy_paths",)
    assert table[("GET", "/v2/status")].conditions == ("not settings.legacy_paths",)


def test_a_parameter_tested_before_its_rebinding_is_the_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    """`if dependencies is None: dependencies = [...]` / `else: dependencies.append(...)`: the test reads the
    call's argument (prefect's `create_api_app()`), so the append is decided per call, not a run-time choice."""
    table = _table(_analyze("parameter_tested_before_rebinding", monkeypatch))
    assert table[("GET", "/api/flows/")].state == "unprotected"
    assert table[("GET", "/secure/flows/")].state == "protected"
    assert all("run time" not in r.reason for r in table.values())


def test_a_test_reads_what_reaches_it() -> None:
    """A parameter rebound only inside the `if` whose test reads it (or after) is still the argument there;
    a list display is never None."""
    index = _index(
        "def f(deps=None):\n"
        "    if deps is None:\n"
        "        deps = [1]\n"
        "    else:\n"
        "        deps.append(2)\n"
        "def g(deps=None):\n"
        "    if deps is None:\n"
        "        deps = [2]\n"
        "    return deps\n"
        "X = g([3])\n"
    )
    f = index.func(FuncV("m", "f"))
    assert f is not None
    (effect,) = [e for e in f.effects if "append" in ir.show(e.call)]
    plain = Ctx("m", "f")
    assert index.test_truth(effect.conditions, 0, plain, effect.line) is None  # no call: the argument is unknown
    assert index.before_bindings(effect.conditions, 0, plain, effect.line) != effect.conditions[0]  # not the list
    assert index.truth(ir.Compare(ir.Seq("list", ()), ("is",), (ir.Const(None),)), plain) is False
    # `g([3])` never runs the rebinding: it returns its argument
    assert ir.show(index.assignment(ir.Name("deps"), index.call_env(FuncV("m", "g"), index.func(FuncV("m", "g")),
                                                                    index.module("m").assigns["X"], Ctx("m")))[0]) \
        == "[3]"


def test_paths_formatted_as_python_formats_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """f-string fields that are numbers, have a format spec, or are objects of a project class with a readable
    `__str__` / `__format__` (polar's `f"/{version}/openapi.json"`, a dataclass version)."""
    paths = {r.path for r in _analyze("formatted_paths", monkeypatch).routes}
    assert paths == {"/2026-04/schema.json", "/2026-10/schema.json", "/channels/news/news-rss/feed",
                     "/v2/items/{item_id}", "/v2/status"}


def test_formatting_reads_only_what_it_can() -> None:
    """An object without a readable `__str__` stays unknown, as does a dataclass's generated repr; a huge
    width is not built; `str()` of a number is its text."""
    index = _index(
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Plain:\n"
        "    n: int\n"
        "class Opaque:\n"
        "    def __str__(self):\n"
        "        return compute(self)\n"
        "N = 7\n"
        "A = f'{Plain(1)}'\n"
        "B = f'{Opaque()}'\n"
        "C = f'{N:099999999}'\n"
        "D = str(N) + f'{N:03d}{N!r}'\n"
        "E = f'{Plain(3).n}'\n"
    )
    facts = index.module("m")
    assert facts is not None
    ctx = Ctx("m")
    assert [index.string(facts.assigns[n], ctx) for n in "ABCDE"] == [None, None, None, "70077", "3"]


def test_a_field_an_unpacked_argument_may_give_is_unknown() -> None:
    """`Board(**row).status` is what the row holds, not the model's class default; a field passed by name or
    position before any `*args` is that argument, and one no call passes is the class default."""
    index = _index(
        "import dataclasses\n"
        "@dataclasses.dataclass\n"
        "class Board:\n"
        "    id: int\n"
        "    status: str | None = None\n"
        "A = Board(**row).status\n"
        "B = Board(*values).status\n"
        "C = Board(1, *rest).id\n"
        "D = Board(**row, status='public').status\n"
        "E = Board(1).status\n"
    )
    facts = index.module("m")
    assert facts is not None
    values = [index.resolve(facts.assigns[n], Ctx("m")) for n in "ABCDE"]
    assert [v if isinstance(v, LiteralV) else None for v in values] == [None, None, LiteralV(1), LiteralV("public"),
                                                                       LiteralV(None)]


def test_a_parameter_whose_rebindings_all_fail_their_tests_keeps_the_argument() -> None:
    """`f(5)` runs neither `if x is None: x = 1` nor `if x == 1: x = 2` (whose test reads the name itself:
    weighed once, no runaway recursion)."""
    index = _index(
        "def f(x=None):\n"
        "    if x is None:\n"
        "        x = 1\n"
        "    if x == 1:\n"
        "        x = 2\n"
        "    return x\n"
        "Y = f(5)\n"
    )
    assert index.resolve(ir.Name("Y"), Ctx("m")) == LiteralV(5)


def test_a_middleware_exempting_paths_within_its_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """`scope["path"].removeprefix(scope.get("root_path", ""))` in a middleware of an app mounted at /api is the
    path within that app: its "/version" exemption is /api/version (prefect's token_validation)."""
    table = _table(_analyze("middleware_path_within_app", monkeypatch))
    assert table[("GET", "/api/flows")].state == "protected"
    assert table[("GET", "/api/version")].state == "unprotected"


def test_a_middleware_decorating_a_def_under_if(monkeypatch: pytest.MonkeyPatch) -> None:
    """`if API_KEY is not None: @app.middleware("http") def check(...)`: there only when the test holds."""
    table = _table(_analyze("middleware_defined_under_if", monkeypatch))
    assert table[("GET", "/items")].state == "unverified"
    assert "if API_KEY is not None: protected" in table[("GET", "/items")].reason
    assert table[("GET", "/internal/jobs")].state == "protected"


def test_a_branch_chosen_prefix_read_through_a_keyword_spread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`if p: final = f"/{p.strip('/')}"` / `else: final = ""` then `include_router(r, **{"prefix": final})`, the
    prefix passed through two helpers: each f-string field is read at the depth of the string (formatting it
    cost resolution depth a deep chain of arguments needed; Onyx's global-prefix helper)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app.py").write_text(
        'from typing import Any, cast\n'
        'from fastapi import APIRouter, FastAPI\n'
        '\n'
        'r1 = APIRouter()\n'
        'r2 = APIRouter()\n'
        'r3 = APIRouter()\n'
        '\n'
        '\n'
        '@r1.get("/one")\n'
        'def one(skip: int = 0):\n'
        '    return {}\n'
        '\n'
        '\n'
        '@r2.get("/two")\n'
        'def two(skip: int = 0):\n'
        '    return {}\n'
        '\n'
        '\n'
        '@r3.get("/three")\n'
        'def three(skip: int = 0):\n'
        '    return {}\n'
        '\n'
        '\n'
        'def inc(application, router, **kwargs: Any):\n'
        '    p = cast(str | None, kwargs.get("prefix"))\n'
        '    application.include_router(router, prefix=p)\n'
        '\n'
        '\n'
        'def inc2(application, router, **kwargs: Any):\n'
        '    p = cast(str | None, kwargs.get("prefix"))\n'
        '    if p:\n'
        '        final = f"/{p.strip(\'/\')}"\n'
        '    else:\n'
        '        final = ""\n'
        '    final_kwargs = {"prefix": final}\n'
        '    application.include_router(router, **final_kwargs)\n'
        '\n'
        '\n'
        'def outer(application, router, prefix=None, tags=None):\n'
        '    inc2(application, router, prefix=prefix, tags=tags or ["auth"])\n'
        '\n'
        '\n'
        'app = FastAPI()\n'
        'inc(app, r1, prefix="/a")\n'
        'inc2(app, r2, prefix="/b")\n'
        'outer(app, r3, prefix="/c/")\n'
    )
    monkeypatch.chdir(tmp_path)
    assert sorted(r.path for r in analyze([Path(".")]).routes) == ["/a/one", "/b/two", "/c/three"]


def test_a_string_defined_through_its_own_earlier_binding_is_evaluated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`url = f"http://{url}"` reads the binding before it (here the parameter): following the name to this
    binding again unfolded the same f-string once per level of depth, and each level twice (a public app
    never finished). The evaluation stops where it meets itself, in a handful of steps."""
    index = _index(
        "def normalize(url):\n"
        "    if '://' not in url:\n"
        "        url = f'http://{url}'\n"
        "    return url.rstrip('/')\n"
        "def base(cfg):\n"
        "    return normalize(cfg.url or '')\n"
        "home = f'{base(CONFIG)}/home'\n"
    )
    calls = [0]
    original = Index.string

    def counted(self: Index, expr: ir.Expr | None, ctx: Ctx, depth: int = 0) -> str | None:
        calls[0] += 1
        return original(self, expr, ctx, depth)

    monkeypatch.setattr(Index, "string", counted)
    assert index.string(ir.Name("home"), Ctx("m")) is None  # the configured URL is not known
    assert index.string(ir.Name("url"), Ctx("m", "normalize")) is None
    assert calls[0] < 200


def test_a_lookup_with_a_key_only_known_at_run_time_is_one_of_the_values() -> None:
    """`table.get(key)` / `table[key]` over a dict whose keys are known: the value of a known key (the default,
    None without one, for a key not there; nothing for `table[missing]`, which raises); for a key only known at
    run time any value (or the default). An attribute of the result skips the None (`None.setup` raises)."""
    index = _index(
        "import os\n"
        "def a(): pass\n"
        "def b(): pass\n"
        "KEY = os.environ.get('X')\n"
        "TABLE = {'x': a, 'y': b}\n"
        "got = TABLE.get(KEY)\n"
        "got_default = TABLE.get(KEY, 'dflt')\n"
        "got_x = TABLE.get('x')\n"
        "got_missing = TABLE.get('z')\n"
        "got_either = TABLE.get('x' if KEY else 'z', b)\n"
        "item = TABLE[KEY]\n"
        "item_y = TABLE['y' if KEY else 'y']\n"
        "item_missing = TABLE['z']\n"
        "name = TABLE.get(KEY).__name__\n"
        "class Mode:\n"
        "    A = 1\n"
        "    B = 2\n"
        "BY_MODE = {Mode.A: a, Mode.B: b}\n"
        "by_mode = BY_MODE.get(int(KEY))\n"
        "by_mode_b = BY_MODE.get(Mode.B)\n"
        "by_mode_none = BY_MODE.get(3, a)\n"
    )
    ctx = Ctx("m")
    a, b = FuncV("m", "a"), FuncV("m", "b")
    assert index.resolve(ir.Name("got"), ctx) == UnionV((a, b, LiteralV(None)))
    assert index.resolve(ir.Name("got_default"), ctx) == UnionV((a, b, LiteralV("dflt")))
    assert index.resolve(ir.Name("got_x"), ctx) == a
    assert index.resolve(ir.Name("got_missing"), ctx) == LiteralV(None)
    assert index.resolve(ir.Name("got_either"), ctx) == UnionV((a, b))
    assert index.resolve(ir.Name("item"), ctx) == UnionV((a, b))
    assert index.resolve(ir.Name("item_y"), ctx) == b
    assert index.resolve(ir.Name("item_missing"), ctx) == UNKNOWN
    assert index.resolve(ir.Name("name"), ctx) == UNKNOWN  # a function's __name__ is not modelled; None skipped
    assert index.resolve(ir.Name("by_mode"), ctx) == UnionV((a, b, LiteralV(None)))  # keys that are not strings
    assert index.resolve(ir.Name("by_mode_b"), ctx) == b
    assert index.resolve(ir.Name("by_mode_none"), ctx) == a


def test_routers_chosen_from_a_dict_by_a_run_time_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """tabbyAPI's `router_mapping.get(server.lower())` over modules whose `setup()` returns a router, and
    `TABLE[name]` over routers: each router is included with its prefixes, under the test naming it; no
    stand-in for unknown routes, nothing unreachable."""
    result = _analyze("router_table_lookup", monkeypatch)
    assert sorted((r.methods, r.path, r.conditions) for r in result.routes) == [
        (("GET",), "/api/v1/info/version", ("selected", "selected.setup() is app.servers.kobold.router")),
        (("GET",), "/extra/export", ("extras.TABLE[settings.extra_name()] is app.extras.export",)),
        (("GET",), "/extra/stats", ("extras.TABLE[settings.extra_name()] is app.extras.stats",)),
        (("GET",), "/health", ()),
        (("POST",), "/api/v1/generate", ("selected", "selected.setup() is app.servers.kobold.router")),
        (("POST",), "/v1/completions", ("selected", "selected.setup() is app.servers.oai.router")),
    ]
    assert all(r.reachable for r in result.routes)
    rg001 = [f.message for f in result.findings if f.rule_id == "RG001"]
    assert len(rg001) == 3 and not any("never included" in m for m in rg001)


def test_a_prefix_that_cannot_be_computed_stays_in_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """`include_router(r, prefix=config_value(...) or "")`, `prefix=getattr(conf, "PREFIX")`, `APIRouter(prefix=
    f"/api/{VERSION}/reports")` with VERSION only known at run time, `app.mount(getattr(conf, "SUB"), sub_app)`:
    the route keeps the prefix as `{?text}`
    (the expression's text; an f-string's known parts stay), never listed under the path without it."""
    monkeypatch.chdir(EVALUATION.parent / "paths" / "unknown_prefix")
    result = analyze([Path(".")])
    assert sorted(r.path for r in result.routes) == [
        "/api/{?VERSION}/reports/by/{?getattr(conf, 'KIND')}",  # a route's own path, read the same way
        "/api/{?VERSION}/reports/daily",
        "{?config_value('API_PREFIX') or ''}/export/{?getattr(conf, 'KIND')}",
        "{?config_value('API_PREFIX') or ''}/items",
        "{?getattr(conf, 'PREFIX')}/export/{?getattr(conf, 'KIND')}",
        "{?getattr(conf, 'PREFIX')}/items",
        "{?getattr(conf, 'SUB')}/export",  # a sub-app mounted at a path only known at run time
    ]
    # the mount table writes such a path as the route table does (not the expression's bare text)
    assert [m.path for m in result.mounts] == ["{?getattr(conf, 'SUB')}"]


def test_a_route_no_include_serves_is_never_included_only_when_every_include_was_seen(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`host.include_router(admin)` into an object the analysis cannot tell, or `app.include_router(<a router it
    cannot read>)`: the route is unreachable as far as the analysis sees, and its RG001 names the includes that
    may serve it instead of saying "never included into an app"."""
    monkeypatch.chdir(EVALUATION.parent / "rg001" / "unseen_includes")
    routes = {r.path: r for r in analyze([Path(".")]).routes}
    assert not routes["/admin/stats"].reachable and not routes["/legacy/export"].reachable
    graph_messages = {f.message.split(" is not")[0]: f.message for f in analyze([Path(".")]).findings}
    assert "`host.include_router(admin)` (app/plugins.py:22)" in graph_messages["GET /admin/stats"]
    assert "never included" not in graph_messages["GET /admin/stats"]
    assert "(its router is never included into an app)" in graph_messages["GET /legacy/export"]
    monkeypatch.chdir(EVALUATION.parent / "rg001" / "unreadable_include")
    [finding] = [f for f in analyze([Path(".")]).findings if f.rule_id == "RG001"]
    assert "`include_router(loaded_router())` (app/main.py:6)" in finding.message


def test_attribute_writes_on_module_objects() -> None:
    """`obj.attr = value` on an object a module makes (or on a class, a module): the value it starts with or
    the one written, unless the write certainly ran first (at the top level of the module making the object,
    under no condition, read from elsewhere); a function's own local of the same name is another object."""
    conf = extract((
        b"import os\n"
        b"class Config:\n"
        b"    prefix = '/v1'\n"
        b"    debug = False\n"
        b"    keys = None\n"
        b"config = Config()\n"
        b"early = config.prefix\n"
        b"config.prefix = '/v2'\n"
        b"if os.environ.get('DEBUG'):\n"
        b"    config.debug = True\n"
        b"PREFIX = '/a'\n"
        b"def shadow():\n"
        b"    config = Config()\n"
        b"    config.keys = ['local']\n"
        b"    return config\n"
    ), "conf.py", "conf", False)
    main = extract((
        b"import conf\n"
        b"from conf import config\n"
        b"prefix = config.prefix\n"
        b"debug = config.debug\n"
        b"keys = config.keys\n"
        b"def main(args):\n"
        b"    conf.config.keys = args.keys\n"
        b"    conf.PREFIX = '/b'\n"
        b"def handler():\n"
        b"    return config.prefix\n"
    ), "main.py", "main", False)
    index = Index([conf, main])
    assert index.resolve(ir.Name("prefix"), Ctx("main")) == LiteralV("/v2")
    assert index.resolve(ir.Attr(ir.Name("config"), "prefix"), Ctx("main", "handler")) == LiteralV("/v2")
    assert index.resolve(ir.Name("early"), Ctx("conf")) == UnionV((LiteralV("/v1"), LiteralV("/v2")))
    assert index.resolve(ir.Name("debug"), Ctx("main")) == UnionV((LiteralV(False), LiteralV(True)))
    # a write through a dotted name (`conf.config.keys = ...`) is not followed (a known limit); `config.keys` in
    # `shadow` is its local's
    assert index.resolve(ir.Name("keys"), Ctx("main")) == LiteralV(None)
    # a module's variable written from a function of another module: either value, and no text of one of them
    prefix = ir.Attr(ir.Name("conf"), "PREFIX")
    assert index.resolve(prefix, Ctx("main")) == UnionV((LiteralV("/a"), LiteralV("/b")))
    assert index.string(prefix, Ctx("main")) is None


def test_a_setting_written_in_main_is_either_value(monkeypatch: pytest.MonkeyPatch) -> None:
    """FastChat's `app_settings.api_keys = args.api_keys` in `main()`: the key check runs or not depending on a
    value only known at run time (no RG002 'never rejects' from the class default): HTTPBearer rejects a request
    without credentials, and one with a forged key only when keys are set, so the route is unverified naming the
    setting; `config.prefix = "/v2"` at the top of config.py: the routes another module makes are under /v2; a
    router made at config.py's top level is either value: one route under each path, its alternatives
    (`config.prefix == '/v1'` or `'/v2'`)."""
    result = _analyze("attribute_writes", monkeypatch)
    assert sorted((r.path, r.state, r.conditions) for r in result.routes) == [
        ("/v1/export", "unprotected", ("config.prefix == '/v1'",)),
        ("/v2/export", "unprotected", ("config.prefix == '/v2'",)), ("/v2/models", "unverified", ())]
    assert "`app_settings.api_keys` (app/security.py:11)" in next(r.reason for r in result.routes
                                                                   if r.path == "/v2/models")
    assert [f.rule_id for f in result.findings] == ["RG001"]


def test_a_path_chosen_at_run_time_is_one_route_per_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    """`prefix="/v1" if settings.VERSIONED else ""`, a prefix bound under `if`/`else` (at module level: not the
    text of its last binding) or rebound from its own value under an `if` (`PREFIX += "/old"`),
    `APIRouter(prefix=f"/api/{settings.VERSION}")` with `VERSION = "v2" if ... else "v1"`, a mount path, a route's
    own path (decorator and `add_api_route`): one route per alternative, each under the tests choosing it, the
    others' paths its alternatives; one test choosing two parts (the router's prefix and the route's path by
    `settings.LEGACY`) gives the two paths it can, not four. Counted and reported once. A choice of more
    alternatives than MAX_PATH_CHOICES is one `{?text}`."""
    from routeguard_lint.model import counted
    from routeguard_lint.report.json_report import route_counts

    monkeypatch.chdir(EVALUATION.parent / "paths" / "prefix_alternatives")
    result = analyze([Path(".")])
    routes = {r.path: r for r in result.routes}
    chosen = {path: (r.conditions, r.alternatives) for path, r in routes.items()}
    assert chosen == {
        "/items": (("not settings.VERSIONED",), ("/v1/items",)),
        "/v1/items": (("settings.VERSIONED",), ("/items",)),
        "/legacy/users/": (("settings.LEGACY",), ("/users/",)),
        "/users/": (("not settings.LEGACY",), ("/legacy/users/",)),
        "/api/v1/reports/daily": (("not VERSIONED",), ("/api/v2/reports/daily",)),
        "/api/v2/reports/daily": (("VERSIONED",), ("/api/v1/reports/daily",)),
        "/sub/export": (("not settings.LEGACY",), ("/old-sub/export",)),
        "/old-sub/export": (("settings.LEGACY",), ("/sub/export",)),
        "/admin/audit": (("not settings.LEGACY",), ("/legacy/admin/audit-log",)),
        "/legacy/admin/audit-log": (("settings.LEGACY",), ("/admin/audit",)),
        "/admin/statistics": (("not settings.LEGACY", "not settings.VERSIONED"),
                              ("/legacy/admin/stats", "/admin/stats", "/legacy/admin/statistics")),
        "/admin/stats": (("not settings.LEGACY", "settings.VERSIONED"),
                         ("/legacy/admin/stats", "/legacy/admin/statistics", "/admin/statistics")),
        "/legacy/admin/statistics": (("settings.LEGACY", "not settings.VERSIONED"),
                                     ("/legacy/admin/stats", "/admin/stats", "/admin/statistics")),
        "/legacy/admin/stats": (("settings.LEGACY", "settings.VERSIONED"),
                                ("/admin/stats", "/legacy/admin/statistics", "/admin/statistics")),
        "{?REGIONS.get(os.environ.get('REGION'), '/eu')}/tenants": ((), ()),
        # rebound from its own value: `if settings.LEGACY: PREFIX += "/old"`, `if ...: base = base + "/v2"`
        "/weekly/summary": (("not settings.LEGACY",), ("/weekly/old/summary",)),
        "/weekly/old/summary": (("settings.LEGACY",), ("/weekly/summary",)),
        "/archive/list": (("not settings.VERSIONED",), ("/archive/v2/list",)),
        "/archive/v2/list": (("settings.VERSIONED",), ("/archive/list",)),
    }
    assert [r.path for r in counted(result.routes)] == [
        "/admin/audit", "/admin/statistics", "/api/v1/reports/daily", "/archive/list", "/items", "/legacy/users/",
        "/old-sub/export", "/weekly/old/summary", "{?REGIONS.get(os.environ.get('REGION'), '/eu')}/tenants"]
    assert route_counts(result.routes) == {"total": 9, "protected": 2, "public": 0, "unprotected": 7,
                                           "unverified": 0}
    rg001 = sorted(f.message.split(" is not")[0] for f in result.findings if f.rule_id == "RG001")
    assert rg001 == ["GET /api/v1/reports/daily (or /api/v2/reports/daily: its path is chosen at run time)",
                     "GET /archive/list (or /archive/v2/list: its path is chosen at run time)",
                     "GET /items (or /v1/items: its path is chosen at run time)",
                     "GET /legacy/users/ (or /users/: its path is chosen at run time)",
                     "GET /old-sub/export (or /sub/export: its path is chosen at run time)",
                     "GET /weekly/old/summary (or /weekly/summary: its path is chosen at run time)",
                     "GET {?REGIONS.get(os.environ.get('REGION'), '/eu')}/tenants"]
    assert [(m.path, m.conditions) for m in result.mounts] == [("/old-sub", ("settings.LEGACY",)),
                                                               ("/sub", ("not settings.LEGACY",))]


def test_an_augmented_assignment_at_module_level_rebinds_the_name() -> None:
    """`PREFIX += "/v1"` at module level is `PREFIX = PREFIX + "/v1"` (it was not in the facts: the name kept its
    first value); under an `if`, the two values the program may leave it with."""
    index = _index("import os\nPREFIX = '/api'\nPREFIX += '/v1'\nLEGACY = '/x'\n"
                   "if os.environ.get('L'):\n    LEGACY += '/old'\n")
    assert index.string(ir.Name("PREFIX"), Ctx("m")) == "/api/v1"
    assert index.string(ir.Name("LEGACY"), Ctx("m")) is None  # not the text of one of its values
    from routeguard_lint.routes.literals import Literals

    choices = Literals(index).path_choices(ir.Name("LEGACY"), Ctx("m"), "m.py:9")
    assert [(c.text, c.tests) for c in choices] == [("/x", ("not os.environ.get('L')",)),
                                                    ("/x/old", ("os.environ.get('L')",))]


def test_a_module_level_collection_rebound_from_itself_keeps_its_elements() -> None:
    """`ROUTERS = [a]` then `ROUTERS += [b]` (or `ROUTERS = ROUTERS + [c]`): each binding that always runs, read
    from the collection before it; one under an `if` (which may not run) adds nothing."""
    from routeguard_lint.routes.literals import Literals

    index = _index("import os\nROUTERS = ['a']\nROUTERS += ['b']\nif os.environ.get('X'):\n    ROUTERS += ['x']\n"
                   "ROUTERS = ROUTERS + ['c']\n")
    items = Literals(index).items(ir.Name("ROUTERS"), Ctx("m"))
    assert [index.string(item, Ctx("m")) for item in items] == ["a", "b", "c"]


def test_a_function_returning_a_constant_on_some_paths_returns_no_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    """`_bool_val(name, False)` returns False when the variable is unset and its parsed value otherwise; a name
    rebound under an undecided `if` from a value the analysis cannot read (`PREFIX += x`) is either. Neither is
    the constant: the factory argument it feeds leaves the router's authentication dependency undecided."""
    result = _analyze("env_default_setting", monkeypatch)
    [route] = result.routes
    assert route.state == "unverified"
    assert "authentication_enabled" in route.reason
    assert not result.findings


def test_a_string_annotation_is_the_expression_it_holds() -> None:
    """`typing.get_type_hints` (FastAPI's) evaluates a string annotation in the module: `"CurrentUser"` is the
    alias, `Optional["User"]` the class; a string in `Literal[...]` or in `Annotated`'s metadata stays a value."""
    facts = extract(
        b"def f(a: 'CurrentUser', b: Optional['User'], c: Literal['x'], d: Annotated['User', 'doc'],\n"
        b"      e: 'Annotated[User, Depends(current)]', f: 'not an expression(', g: \"'User' | None\") -> 'User':\n"
        b"    pass\n", "m.py", "m", False)
    func = facts.functions["f"]
    shown = {p.name: ir.show(p.annotation) for p in func.params if p.annotation is not None}
    assert shown == {"a": "CurrentUser", "b": "Optional[User]", "c": "Literal['x']", "d": "Annotated[User, 'doc']",
                     "e": "Annotated[User, Depends(current)]", "f": "'not an expression('", "g": "User | None"}
    assert func.returns_type == ir.Name("User")


WITH_TARGETS = (
    "import contextlib\n"
    "import httpx\n"
    "class Provider:\n"
    "    async def __aenter__(self):\n"
    "        return self\n"
    "    def verify(self, token): ...\n"
    "class Conn:\n"
    "    def run(self): ...\n"
    "class Pool:\n"
    "    def __enter__(self):\n"
    "        return Conn()\n"
    "    def run(self): ...\n"
    "@contextlib.contextmanager\n"
    "def session():\n"
    "    yield Conn()\n"
    "async def f():\n"
    "    async with Provider() as p, httpx.AsyncClient() as client:\n"
    "        with Pool() as conn, session() as s:\n"
    "            pass\n"
)


@pytest.mark.parametrize("expr,expected", [
    (ir.Attr(ir.Name("p"), "verify"), FuncV("m", "Provider.verify")),  # `__aenter__` returns self
    (ir.Attr(ir.Name("conn"), "run"), FuncV("m", "Conn.run")),  # ... or another object: what it returns
    (ir.Name("client"), ExternalV("httpx.AsyncClient")),  # a library's: the object itself
    (ir.Attr(ir.Name("s"), "run"), UNKNOWN),  # a generator's `yield`: not read
])
def test_a_with_target_is_what_the_context_manager_enters(expr: ir.Expr, expected: object) -> None:
    value = _index(WITH_TARGETS).resolve(expr, Ctx("m", "f"))
    assert (value.cls if isinstance(value, InstanceV) else value) == expected


def test_an_if_on_a_loop_item_is_read_per_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    """`for prefix, router, private in ROUTERS: if private: include(..., dependencies=...) else: include(...)`:
    one include per item, the one its flag chooses, with no condition left."""
    table = _table(_analyze("loop_item_tests", monkeypatch))
    assert sorted(path for _m, path in table) == ["/catalog/{item_id}", "/reports/", "/v2/catalog/{item_id}",
                                                  "/v2/reports/"]
    assert all(not route.conditions for route in table.values())
    assert {path: route.state for (_m, path), route in table.items()} == {
        "/reports/": "protected", "/v2/reports/": "protected",
        "/catalog/{item_id}": "unprotected", "/v2/catalog/{item_id}": "unprotected"}


@pytest.mark.parametrize("test,expected", [
    ("'admin' in PREFIX", True), ("'x' in PREFIX", False), ("'x' not in PREFIX", True),
    ("MODE in ('a', 'b')", True), ("MODE in NAMES", True), ("MODE in ['c']", False),
    ("MODE in LISTED", None),  # a list bound to a name may be changed by other code
    ("MODE in (OTHER, 'b')", None),
])
def test_membership_of_known_values(test: str, expected: bool | None) -> None:
    index = _index("import os\nPREFIX = '/admin'\nMODE = 'a'\nNAMES = ('a', 'b')\nLISTED = ['a']\n"
                   "OTHER = os.environ.get('X')\n" f"flag = {test}\n")
    assigned = index.assignment(ir.Name("flag"), Ctx("m"))
    assert assigned is not None
    assert index.truth(assigned[0], Ctx("m")) is expected


def test_a_list_handed_to_a_function_that_appends_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """`register_plugins(routers, include_admin=True)` appends to its parameter: the caller's list holds them."""
    table = _table(_analyze("routers_added_by_helper", monkeypatch))
    assert sorted(path for _m, path in table) == ["/api/admin/users/{user_id}", "/api/health", "/api/orders/"]
    assert all(route.reachable for route in table.values())


def test_object_state_changed_by_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    """`self.dependencies = []` in `__init__`, `self.dependencies.extend(deps)` and `self.add = True` in `require()`:
    the calls of `require` the module makes decide the lists and which routes exist; one under an `if` leaves
    them untold (unverified, naming the call), never the empty list `__init__` starts with."""
    table = _table(_analyze("methods_change_self", monkeypatch))
    assert sorted(table) == [("DELETE", "/notes/{item_id}"), ("DELETE", "/reports/{item_id}"), ("GET", "/notes/"),
                             ("POST", "/notes/")]
    assert table[("POST", "/notes/")].state == "protected"
    assert table[("DELETE", "/notes/{item_id}")].state == "protected"
    assert table[("GET", "/notes/")].state == "unprotected"
    # `self.add = True` in `require()`, applied for each call: those routes exist, under no test
    assert all(not table[key].conditions for key in table if key[1].startswith("/notes"))
    reports = table[("DELETE", "/reports/{item_id}")]
    assert reports.state == "unverified"
    assert "reports_config.delete_item.require(" in reports.reason
