"""App identity: an app factory called in several places makes one app per call; each route is listed once per
app with the app named, and a finding on a route several apps serve is reported once, naming each app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixture_cases import FIXTURES_DIR

CASE = FIXTURES_DIR / "evaluation" / "app_factory_call_sites"
SINGLE = FIXTURES_DIR / "evaluation" / "router_method_override"
MAIN = "app.factory.create_app() called at app/main.py:3"
DEV = "app.factory.create_app() called at app/dev.py:3"


def test_each_route_is_listed_once_per_app_with_the_factory_call_that_made_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze

    monkeypatch.chdir(CASE)
    result = analyze([Path(".")])
    assert [(r.methods, r.path, r.app) for r in result.routes] == [(("GET",), "/items", DEV),
                                                                    (("GET",), "/items", MAIN)]


def test_a_finding_on_a_route_of_several_apps_is_reported_once_naming_each(monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze

    monkeypatch.chdir(CASE)
    findings = [f for f in analyze([Path(".")]).findings if f.rule_id == "RG001"]
    assert len(findings) == 1
    assert [(r.path, r.line, r.message) for r in findings[0].related] == [
        ("app/dev.py", 3, f"served by app {DEV}"), ("app/main.py", 3, f"served by app {MAIN}")]


def test_one_app_is_not_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from routeguard_lint.api import analyze

    monkeypatch.chdir(SINGLE)
    result = analyze([Path(".")])
    assert result.routes and all(r.app is None for r in result.routes)
    assert all(not f.related for f in result.findings if f.rule_id == "RG001")


def test_the_app_is_in_the_json_and_text_route_lists(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from routeguard_lint.cli import app as cli

    monkeypatch.chdir(CASE)
    with pytest.raises(SystemExit):
        cli(["routes", ".", "--format", "json"])
    first = capsys.readouterr().out
    assert [r["app"] for r in json.loads(first)["routes"]] == [DEV, MAIN]
    with pytest.raises(SystemExit):
        cli(["routes", ".", "--format", "json"])
    assert capsys.readouterr().out == first  # deterministic
    with pytest.raises(SystemExit):
        cli(["routes", "."])
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.rsplit("; app: ", 1)[1] for row in rows] == [DEV, MAIN]


def test_a_singleton_class_built_at_several_places_is_one_app(monkeypatch: pytest.MonkeyPatch) -> None:
    # `__new__` (or a metaclass's `__call__`) hands back the one instance: its `self.app` is one app; a router
    # included twice into it with the same prefix is one route each
    from routeguard_lint.api import analyze

    monkeypatch.chdir(FIXTURES_DIR / "evaluation" / "singleton_app_server")
    result = analyze([Path(".")])
    assert [(r.methods, r.path, r.app) for r in result.routes] == [
        (("GET",), "/api/v1/items", None), (("GET",), "/api/v1/items/count", None),
        (("GET",), "/monitor/metrics", None)]
    assert all(not f.related for f in result.findings)
