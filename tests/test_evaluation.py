"""The evaluation of the project (scoping, values followed through calls): route tables and auth chains
of the cases under tests/fixtures/evaluation/, beyond their exact findings and the FastAPI oracle (which
check them too). Each test names the mechanism its case exercises."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeguard_lint.api import analyze
from routeguard_lint.facts import ir
from routeguard_lint.facts.extract import extract
from routeguard_lint.project.index import Ctx, FuncV, Index, LiteralV, UnionV

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
