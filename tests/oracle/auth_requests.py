#!/usr/bin/env python
"""Ground truth for the auth verdicts: call each route of a fixture app for real, without a credential and
with a forged one, and report what came back.

Usage::

    python tests/oracle/auth_requests.py <case_dir> < routes.json

stdin: ``[{"method": "GET", "path": "/items/1"}, ...]`` (path parameters already filled in; method
``WEBSOCKET`` for a websocket route). The app is loaded as tests/oracle/fastapi_inventory.py does
(``case.toml``: ``app``, ``sys_path``). Prints ``[{"method", "path", "none": <status>, "forged": <status>}]``
where a status is the HTTP status code, ``"accepted"`` / ``"closed"`` for a websocket (an app that returns
without accepting is refused, as an ASGI server does), or ``"error: ..."`` when the app raised instead of
answering.

The forged request carries an arbitrary value in every place a credential usually travels: the
``Authorization`` header (``Bearer forged``), API-key and token headers, session and token cookies, and
token / ticket / API-key query parameters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True

FORGED_HEADERS = {"Authorization": "Bearer forged", "X-API-Key": "forged", "X-Token": "forged",
                  "X-Auth-Token": "forged", "X-Signature": "forged"}
FORGED_COOKIES = {"session": "forged", "app_session": "forged", "access_token": "forged", "token": "forged"}
FORGED_QUERY = {"token": "forged", "ticket": "forged", "api_key": "forged", "access_token": "forged"}


def _call(client: Any, method: str, path: str, forged: bool) -> object:
    headers = FORGED_HEADERS if forged else {}
    params = FORGED_QUERY if forged else {}
    client.cookies.clear()
    if forged:
        for name, value in FORGED_COOKIES.items():
            client.cookies.set(name, value)
    if method == "WEBSOCKET":
        try:
            with client.websocket_connect(path, headers=headers, params=params) as ws:
                ws.receive()  # the app's first message, or its close
            return "accepted"
        except Exception as exc:  # starlette.websockets.WebSocketDisconnect: closed before accepting
            return "closed" if type(exc).__name__ in ("WebSocketDisconnect", "WebSocketDenialResponse") \
                else f"error: {type(exc).__name__}"
    try:
        response = client.request(method, path, headers=headers, params=params)
    except Exception as exc:  # the app raised (no exception handler turned it into a response)
        return f"error: {type(exc).__name__}: {exc}"
    return response.status_code


def as_served(app: Any) -> Any:
    """The app as an ASGI server runs it: a websocket application that returns without accepting the
    connection has it refused (HTTP 403 to the handshake), and one that returns without closing an accepted
    connection has it closed. TestClient does neither and would wait for a message forever."""

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await app(scope, receive, send)
            return
        closed = False

        async def watched(message: dict[str, Any]) -> None:
            nonlocal closed
            closed = closed or message["type"] in ("websocket.close", "websocket.http.response.start")
            await send(message)

        await app(scope, receive, watched)
        if not closed:
            await send({"type": "websocket.close", "code": 1000})

    return served


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    from fastapi.testclient import TestClient
    from fastapi_inventory import load_app, load_config

    case = Path(sys.argv[1]).resolve()
    app = load_app(case, load_config(case))
    routes = json.load(sys.stdin)
    out = []
    with TestClient(as_served(app), raise_server_exceptions=False) as client:
        for route in routes:
            method, path = route["method"], route["path"]
            out.append({"method": method, "path": path, "none": _call(client, method, path, False),
                        "forged": _call(client, method, path, True)})
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
