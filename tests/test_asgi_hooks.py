"""Pure ASGI middleware written against a base class whose `__call__` hands the request to a hook
(`self.handle_http(scope, receive, send)`): the hook that runs is the override of the object's class."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from routeguard_lint.api import analyze

FIXTURE = Path(__file__).parent / "fixtures" / "auth" / "asgi_base_hook"


def _routes(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, tuple[str, ...]]]:
    monkeypatch.chdir(root)
    monkeypatch.setenv("ROUTEGUARD_CACHE_DIR", str(root.parent / "cache"))
    return {r.path: (r.state, tuple(r.auth)) for r in analyze([Path(".")]).routes}


def test_the_override_of_the_objects_class_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURE / "app", tmp_path / "app" / "app")
    routes = _routes(tmp_path / "app", monkeypatch)
    # the headers hook and the client-address check hand every request without credentials on
    assert routes["/datasets"][0] == "unprotected"
    # the API key hook refuses one: the routes behind it are protected by it, not by the headers middleware
    assert routes["/reports/summary"] == ("protected", ("middleware app.middleware.APIKeyMiddleware",))


def test_a_stub_hook_rejects_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "app"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "main.py").write_text(
        "from fastapi import FastAPI\n"
        "from starlette.requests import Request\n"
        "\n"
        "\n"
        "class HookMiddleware:\n"
        "    def __init__(self, app):\n"
        "        self.app = app\n"
        "\n"
        "    async def __call__(self, scope, receive, send):\n"
        "        if scope['type'] != 'http':\n"
        "            await self.app(scope, receive, send)\n"
        "            return\n"
        "        scope['token'] = Request(scope).headers.get('authorization')\n"
        "        await self.handle_http(scope, receive, send)\n"
        "\n"
        "    async def handle_http(self, scope, receive, send):\n"
        "        raise NotImplementedError\n"
        "\n"
        "\n"
        "app = FastAPI()\n"
        "app.add_middleware(HookMiddleware)\n"
        "\n"
        "\n"
        "@app.get('/items')\n"
        "def items():\n"
        "    return []\n")
    routes = _routes(root, monkeypatch)
    # the base's `raise NotImplementedError` is not a refusal of a request without credentials: what runs there
    # is an override the analysis did not read
    assert routes["/items"][0] == "unverified"
